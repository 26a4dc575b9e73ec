/*
 * fuzz_accept.c — libFuzzer target: the HTTP header logic that needs no socket.
 *
 * Feeds the input, as a header value, to api_accept_format(), api_accept_gzip() and
 * api_etag_matches() (api_http.c), and as Accept to api_negotiate_html() (h_ogc_common.c) on
 * a request without f; the input's bytes to api_gzip() (api_http.c).
 * Asserts beyond "no crash": the format is GeoJSON or JSON and the only error is
 * GDIR_ENOTACCEPT (HTML negotiation: JSON, GeoJSON or HTML, error GDIR_ENOTACCEPT with a
 * message); gzip acceptance is 0 or 1; the value with our entity tag appended (after a comma)
 * matches that tag when the value is a plain list (no quote, no ';'); gzip output inflates back
 * to the input (round trip).
 */
#include "fuzz_util.h"

#include "api_http.h"
#include "gdir_hash.h"
#include "api_router.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void gzip_round_trip(const uint8_t *data, size_t size)
{
    char *gz;
    size_t gz_len;
    unsigned char *back = malloc(size + 1);
    z_stream z;

    FUZZ_CHECK(back != NULL);
    FUZZ_CHECK(api_gzip((const char *)data, size, 1 + (int)(size % 9), &gz, &gz_len) == 0);
    memset(&z, 0, sizeof z);
    FUZZ_CHECK(inflateInit2(&z, 15 + 16) == Z_OK);
    z.next_in = (Bytef *)gz;
    z.avail_in = (uInt)gz_len;
    z.next_out = back;
    z.avail_out = (uInt)size + 1;
    FUZZ_CHECK(inflate(&z, Z_FINISH) == Z_STREAM_END);
    FUZZ_CHECK(z.total_out == size && memcmp(back, data, size) == 0);
    inflateEnd(&z);
    free(gz);
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value = fuzz_str(data, size);
    char etag[32], *list;
    enum api_format fmt;
    struct api_config cfg;
    struct api_headers headers;
    struct api_request req;
    struct gdir_err err;
    int rc;

    rc = api_accept_format(value, &fmt);
    FUZZ_CHECK(rc == 0 || rc == GDIR_ENOTACCEPT);
    FUZZ_CHECK(fmt == API_FMT_GEOJSON || fmt == API_FMT_JSON);
    rc = api_accept_gzip(value);
    FUZZ_CHECK(rc == 0 || rc == 1);

    api_etag_format(gdir_fnv64_field(GDIR_FNV64_INIT, value), etag, sizeof etag);
    (void)api_etag_matches(value, etag);
    list = malloc(strlen(value) + sizeof etag + 2);
    FUZZ_CHECK(list != NULL);
    memcpy(list, value, strlen(value));
    list[strlen(value)] = ',';
    memcpy(list + strlen(value) + 1, etag, strlen(etag) + 1);
    if (!strpbrk(value, "\";"))
        FUZZ_CHECK(api_etag_matches(list, etag) == 1);
    free(list);

    memset(&cfg, 0, sizeof cfg);
    memset(&headers, 0, sizeof headers);
    headers.accept = value;
    for (int geo = 0; geo < 2; geo++) {
        api_request_init(&req, &cfg);
        req.headers = &headers;
        gdir_err_clear(&err);
        rc = api_negotiate_html(&req, geo, &fmt, &err);
        fuzz_check_err(rc, &err);
        FUZZ_CHECK(rc == 0 || rc == GDIR_ENOTACCEPT);
        FUZZ_CHECK(fmt == API_FMT_HTML || fmt == (geo ? API_FMT_GEOJSON : API_FMT_JSON));
        api_request_free(&req);
    }
    gzip_round_trip(data, size);
    free(value);
    return 0;
}
