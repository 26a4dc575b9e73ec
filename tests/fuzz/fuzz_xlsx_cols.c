/*
 * fuzz_xlsx_cols.c — libFuzzer target: gdir_xlsx_fix_cols (export/gdir_xlsx_cols.c), the
 * rewriting of a worksheet's <cols> block.
 *
 * Asserts beyond "no crash": only 0 or GDIR_EINVAL; and when the input holds at most one
 * "<cols>", mending the output again gives it back byte for byte (a fixed point: the rewritten
 * block is already one <col> per column, the rest of the sheet is untouched).
 */
#include "fuzz_util.h"

#include "gdir_buf.h"
#include "gdir_export.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Occurrences of "<cols>" in data. */
static size_t count_cols(const uint8_t *data, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i + 6 <= size; i++)
        n += memcmp(data + i, "<cols>", 6) == 0;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gdir_buf a, b;
    int rc;

    gdir_buf_init(&a, 0);
    gdir_buf_init(&b, 0);
    rc = gdir_xlsx_fix_cols((const char *)data, size, &a);
    FUZZ_CHECK(rc == 0 || rc == GDIR_EINVAL);
    if (rc == 0 && count_cols(data, size) <= 1) {
        FUZZ_CHECK(gdir_xlsx_fix_cols(a.data ? a.data : "", a.len, &b) == 0);
        FUZZ_CHECK(a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0));
    }
    gdir_buf_free(&a);
    gdir_buf_free(&b);
    return 0;
}
