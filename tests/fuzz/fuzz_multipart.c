/*
 * fuzz_multipart.c — libFuzzer target: the multipart/form-data reader of /api/search/csv/.
 *
 * Feeds the input's first line as the Content-Type header value and the rest as the body to
 * api_multipart_init() then api_multipart_next() until the end (api_multipart.c).
 * Asserts beyond "no crash": errors follow the gdir contract and are GDIR_EFORMAT; every
 * part's data lies inside the body (borrowed, never copied), parts follow each other in the
 * body, name and file name are NUL-terminated within their arrays, a part without a filename=
 * has an empty file name, and the reader stops (no more parts than bytes in the body).
 */
#include "fuzz_util.h"

#include "api_multipart.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *rest;
    size_t rest_n, parts = 0;
    char *ct = fuzz_head(data, size, '\n', &rest, &rest_n);
    /* An exact-size copy of the body: ASan sees any read past it. */
    char *body = malloc(rest_n ? rest_n : 1);
    const char *prev_end = NULL;
    struct api_multipart mp;
    struct api_mp_part part;
    struct gdir_err err;
    int rc;

    FUZZ_CHECK(body != NULL);
    memcpy(body, rest, rest_n);
    gdir_err_clear(&err);
    rc = api_multipart_init(&mp, ct, body, rest_n, &err);
    fuzz_check_err(rc, &err);
    if (rc) {
        FUZZ_CHECK(rc == GDIR_EFORMAT);
        goto out;
    }
    while ((rc = api_multipart_next(&mp, &part, &err)) == 1) {
        FUZZ_CHECK(++parts <= rest_n);
        FUZZ_CHECK(part.data >= body && part.data + part.len <= body + rest_n);
        FUZZ_CHECK(!prev_end || part.data >= prev_end);
        prev_end = part.data + part.len;
        FUZZ_CHECK(memchr(part.name, '\0', sizeof part.name) != NULL);
        FUZZ_CHECK(memchr(part.filename, '\0', sizeof part.filename) != NULL);
        if (!part.is_file)
            FUZZ_CHECK(part.filename[0] == '\0');
    }
    fuzz_check_err(rc, &err);
    FUZZ_CHECK(rc == 0 || rc == GDIR_EFORMAT);
out:
    free(body);
    free(ct);
    return 0;
}
