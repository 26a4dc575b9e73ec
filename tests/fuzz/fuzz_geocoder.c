/*
 * fuzz_geocoder.c — libFuzzer target: address geocoder queries on a tiny index.
 *
 * The index is built once (LLVMFuzzerInitialize) by gdir_geocoder_open() from a small
 * database (fuzz_util.c: 3 communes, 11 addresses of the Meuse). Input: one flags byte
 * (autocomplete, a type filter, a point), then the fields text, housenumber, street, postcode,
 * citycode and city separated by '\n' (an empty field is absent), fed to
 * gdir_geocoder_search(); the flags byte also picks a point for gdir_geocoder_reverse()
 * (gdir_geocoder.c).
 * Asserts beyond "no crash": errors follow the gdir contract, are GDIR_EINVAL and name one of
 * the BAN parameters; at most max results, scores within 0.1..1 and best first, coordinates
 * in range, every label valid UTF-8 and non-empty, a type filter respected; reverse results
 * nearest first.
 */
#include "fuzz_util.h"

#include "gdir_db.h"
#include "gdir_geocoder.h"
#include "gdir_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct gdir_geocoder *geo;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char path[4200];
    struct gdir_db d;
    struct gdir_err err;

    (void)argc;
    (void)argv;
    fuzz_path(path, sizeof path, "geocoder.sqlite");
    fuzz_make_db(path);
    if (gdir_db_open(&d, path, GDIR_DB_READONLY, &err) || gdir_geocoder_open(&geo, d.db, &err)) {
        fprintf(stderr, "fuzz_geocoder: %s\n", err.msg);
        abort();
    }
    gdir_db_close(&d);
    return 0;
}

static void check_results(const struct gdir_geocode_result *r, size_t n, size_t max, int reverse)
{
    FUZZ_CHECK(n <= max);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(r[i].score >= (reverse ? 0.0 : 0.1) && r[i].score <= 1.0 + 1e-9);
        FUZZ_CHECK(r[i].lat >= -90 && r[i].lat <= 90 && r[i].lon >= -180 && r[i].lon <= 180);
        FUZZ_CHECK(r[i].label[0] && gdir_utf8_valid(r[i].label, strlen(r[i].label)));
        FUZZ_CHECK(gdir_utf8_valid(r[i].name, strlen(r[i].name)));
        if (i && !reverse)
            FUZZ_CHECK(r[i].score <= r[i - 1].score);
        if (i && reverse)
            FUZZ_CHECK(r[i].distance_m >= r[i - 1].distance_m);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const bad_params[] = {"q", "street", "city", "housenumber", "postcode",
                                             "citycode", "lat", "lon", "type", NULL};
    struct gdir_geocode_result res[10];
    struct gdir_geocode_query q;
    char *fields[6] = {NULL};
    const char *const *fp;
    const uint8_t *p;
    size_t n = 0, np, max;
    unsigned flags;
    struct gdir_err err;
    int rc, named = 0;

    if (size < 1)
        return 0;
    flags = data[0];
    p = data + 1;
    np = size - 1;
    for (int i = 0; i < 6; i++) {
        fields[i] = fuzz_head(p, np, '\n', &p, &np);
        if (!fields[i][0]) {
            free(fields[i]);
            fields[i] = NULL;
        }
    }
    memset(&q, 0, sizeof q);
    q.text = fields[0];
    q.housenumber = fields[1];
    q.street = fields[2];
    q.postcode = fields[3];
    q.insee = fields[4];
    q.city = fields[5];
    q.autocomplete = flags & 1;
    q.has_type = (flags >> 1) & 1;
    q.type = (enum gdir_geo_type)((flags >> 2) & 3);
    q.has_point = (flags >> 4) & 1;
    q.lat = 48.85 + (flags >> 5) * 0.02;
    q.lon = 5.0 + (flags & 7) * 0.05;
    max = 1 + (flags % 10);

    gdir_err_clear(&err);
    rc = gdir_geocoder_search(geo, &q, res, max, &n, &err);
    fuzz_check_err(rc, &err);
    if (rc) {
        FUZZ_CHECK(rc == GDIR_EINVAL);
        for (fp = bad_params; *fp; fp++)
            named |= strcmp(err.param, *fp) == 0;
        FUZZ_CHECK(named);
    } else {
        check_results(res, n, max, 0);
        if (q.has_type)
            for (size_t i = 0; i < n; i++)
                FUZZ_CHECK(res[i].type == q.type);
    }
    rc = gdir_geocoder_reverse(geo, q.lat, q.lon, q.has_type, q.type, res, max, &n, &err);
    fuzz_check_err(rc, &err);
    if (!rc)
        check_results(res, n, max, 1);
    for (int i = 0; i < 6; i++)
        free(fields[i]);
    return 0;
}
