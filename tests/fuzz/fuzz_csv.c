/*
 * fuzz_csv.c — libFuzzer target: the CSV reader and writer of batch geocoding.
 *
 * Feeds the input as an uploaded file to api_csv_open() then api_csv_next() until the end
 * (api_csv.c), and every record read back through gdir_csv_field() and a second reader.
 * Asserts beyond "no crash": errors follow the gdir contract, are GDIR_EINVAL and name the
 * upload field; the separator is one of , ; tab | or none; records come in increasing line
 * order with at most the asked number of fields, each valid UTF-8; a record written with
 * gdir_csv_field (header line: the same record) reads back to the same fields (round trip).
 */
#include "fuzz_util.h"

#include "api_csv.h"
#include "gdir_csv.h"
#include "gdir_text.h"

#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_err(int rc, const struct gdir_err *err)
{
    fuzz_check_err(rc, err);
    if (rc)
        FUZZ_CHECK(rc == GDIR_EINVAL && strcmp(err->param, "data") == 0);
}

/* Writes the record as one line (twice: header and data) and reads it back. */
static void round_trip(const char *const *fields, size_t n, char sep)
{
    struct gdir_buf out;
    struct api_csv_reader r;
    const char *back[MAX_FIELDS];
    size_t m;
    struct gdir_err err;
    int blank = n == 1 && fields[0][0] == '\0';

    if (blank || sep == '\0' || strncmp(fields[0], "\xEF\xBB\xBF", 3) == 0)
        return;                 /* a blank line is skipped; one column: no separator to keep */
    gdir_buf_init(&out, 0);
    for (int line = 0; line < 2; line++) {
        for (size_t i = 0; i < n; i++) {
            if (i)
                FUZZ_CHECK(gdir_buf_addc(&out, sep) == 0);
            FUZZ_CHECK(gdir_csv_field(&out, fields[i], sep) == 0);
        }
        FUZZ_CHECK(gdir_buf_add(&out, "\r\n", 2) == 0);
    }
    if (api_csv_open(&r, out.data, out.len, "data", &err) == 0) {
        if (r.sep == sep) {
            FUZZ_CHECK(api_csv_next(&r, back, MAX_FIELDS, &m, "data", &err) == 1);
            FUZZ_CHECK(m == n);
            for (size_t i = 0; i < n; i++)
                FUZZ_CHECK(strcmp(back[i], fields[i]) == 0);
        }
        api_csv_close(&r);
    }
    gdir_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: ASan sees any read past the upload. */
    char *text = malloc(size ? size : 1);
    struct api_csv_reader r;
    const char *fields[MAX_FIELDS];
    size_t n;
    long last_line = 0;
    struct gdir_err err;
    int rc;

    FUZZ_CHECK(text != NULL);
    memcpy(text, data, size);
    gdir_err_clear(&err);
    rc = api_csv_open(&r, text, size, "data", &err);
    check_err(rc, &err);
    if (rc)
        goto out;
    FUZZ_CHECK(r.sep == ',' || r.sep == ';' || r.sep == '\t' || r.sep == '|' || r.sep == '\0');
    while ((rc = api_csv_next(&r, fields, MAX_FIELDS, &n, "data", &err)) == 1) {
        FUZZ_CHECK(n >= 1 && n <= MAX_FIELDS);
        FUZZ_CHECK(r.line > last_line);
        last_line = r.line;
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(gdir_utf8_valid(fields[i], strlen(fields[i])));
        round_trip(fields, n, r.sep);
    }
    check_err(rc, &err);
    api_csv_close(&r);
out:
    free(text);
    return 0;
}
