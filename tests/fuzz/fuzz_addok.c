/*
 * fuzz_addok.c — libFuzzer target: addok's parameter forms of the BAN-compatible endpoints
 * (geoapi/geocode/api_addok.c).
 *
 * The input, split at '\n', gives up to 8 values: all of them to api_addok_types() as the
 * values of a repeated `type`, the first to api_addok_delimiter(), api_addok_encoding() and
 * api_addok_disposition(); the whole input to api_addok_decode() (ISO-8859-1 and cp1252) and,
 * when it is UTF-8, to api_addok_encode(). Asserts beyond "no crash": errors follow the gdir
 * contract and name their parameter; an accepted type list is exactly the set of its
 * space-separated items, each a type name (checked by an independent split); a delimiter is one
 * ASCII punctuation or space character; decoding gives valid UTF-8 that encodes back to the
 * same bytes (ISO-8859-1 always succeeds); encoding then decoding gives the text back; a
 * Content-Disposition is printable ASCII without CR/LF, under 400 bytes, one quoted name
 * ending in ".geocoded.csv".
 */
#include "fuzz_util.h"

#include "api_addok.h"
#include "gdir_geocoder.h"
#include "gdir_text.h"

#include <stdlib.h>
#include <string.h>

#define MAX_VALUES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_named(int rc, const struct gdir_err *err, const char *param)
{
    fuzz_check_err(rc, err);
    if (rc)
        FUZZ_CHECK(rc == GDIR_EINVAL && strcmp(err->param, param) == 0);
}

/* The mask of the space-separated items of the values, or ~0u when one is not a type. */
static unsigned independent_types(char *const *vals, size_t n)
{
    unsigned mask = 0;
    for (size_t i = 0; i < n; i++) {
        char *copy = strdup(vals[i]), *save = NULL;
        FUZZ_CHECK(copy != NULL);
        for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
            enum gdir_geo_type ty;
            if (gdir_geo_type_parse(t, &ty)) {
                free(copy);
                return ~0u;
            }
            mask |= 1u << ty;
        }
        free(copy);
    }
    return mask;
}

static void fuzz_types(char *const *vals, size_t n)
{
    struct gdir_err err;
    unsigned mask = 0, want = independent_types(vals, n);
    const char *names[4];
    int rc = api_addok_types((const char *const *)vals, n, "type", &mask, &err);

    check_named(rc, &err, "type");
    FUZZ_CHECK((rc == 0) == (want != ~0u && want != 0));
    if (rc == 0) {
        FUZZ_CHECK(mask == want && mask <= 0xF);
        FUZZ_CHECK(api_addok_type_names(mask, names) == (size_t)__builtin_popcount(mask));
    }
}

static void fuzz_options(const char *v)
{
    struct gdir_err err;
    enum api_addok_encoding enc;
    char sep = 0;
    int rc = api_addok_delimiter(v, &sep, &err);

    check_named(rc, &err, "delimiter");
    if (rc == 0)
        FUZZ_CHECK(strlen(v) == 1 && sep == v[0] && (unsigned char)sep < 0x80 && sep != '"' &&
                   sep != '\n' && sep != '\r');
    check_named(api_addok_encoding(v, &enc, &err), &err, "encoding");
}

static void fuzz_disposition(const char *v)
{
    struct gdir_buf b;
    const char *s, *end;

    gdir_buf_init(&b, 0);
    FUZZ_CHECK(api_addok_disposition(v, &b) == 0);
    s = gdir_buf_str(&b);
    FUZZ_CHECK(b.len < 400 && strncmp(s, "attachment; filename=\"", 22) == 0);
    for (size_t i = 0; i < b.len; i++)
        FUZZ_CHECK(s[i] >= 0x20 && s[i] < 0x7F);
    end = strchr(s + 22, '"');
    FUZZ_CHECK(end && end - s >= 22 + 13 && strncmp(end - 13, ".geocoded.csv", 13) == 0);
    gdir_buf_free(&b);
}

/* Decoding then encoding back gives the bytes; encoding UTF-8 then decoding gives the text. */
static void fuzz_encodings(const uint8_t *data, size_t size)
{
    static const enum api_addok_encoding encs[] = {API_ENC_LATIN1, API_ENC_CP1252};
    struct gdir_err err;

    for (size_t k = 0; k < 2; k++) {
        struct gdir_buf u, back;
        int rc;
        gdir_buf_init(&u, 0);
        gdir_buf_init(&back, 0);
        rc = api_addok_decode(encs[k], (const char *)data, size, &u, "data", &err);
        check_named(rc, &err, "data");
        FUZZ_CHECK(rc == 0 || encs[k] == API_ENC_CP1252);
        if (rc == 0) {
            FUZZ_CHECK(gdir_utf8_valid(u.data ? u.data : "", u.len));
            FUZZ_CHECK(api_addok_encode(encs[k], u.data ? u.data : "", u.len, &back, &err) == 0);
            FUZZ_CHECK(back.len == size && (size == 0 || memcmp(back.data, data, size) == 0));
        }
        gdir_buf_reset(&u);
        gdir_buf_reset(&back);
        if (gdir_utf8_valid((const char *)data, size)) {
            rc = api_addok_encode(encs[k], (const char *)data, size, &back, &err);
            check_named(rc, &err, "encoding");
            if (rc == 0) {
                FUZZ_CHECK(api_addok_decode(encs[k], back.data ? back.data : "", back.len, &u,
                                            "data", &err) == 0);
                FUZZ_CHECK(u.len == size && (size == 0 || memcmp(u.data, data, size) == 0));
            }
        }
        gdir_buf_free(&u);
        gdir_buf_free(&back);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_str(data, size), *vals[MAX_VALUES];
    size_t n = 0;

    for (char *p = text, *nl; p && n < MAX_VALUES; p = nl ? nl + 1 : NULL) {
        nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        vals[n++] = p;
    }
    fuzz_types(vals, n);
    fuzz_options(vals[0]);
    fuzz_disposition(vals[0]);
    fuzz_encodings(data, size);
    free(text);
    return 0;
}
