/*
 * gdir_xlsx_cols.c — the column widths of an XLSX worksheet written by GDAL, made valid.
 *
 * GDAL's XLSX driver (3.6) declares each column i of a sheet as <col min="i" max="1024" .../>:
 * ranges that overlap one another and run past the sheet's columns, which Excel may offer to
 * "repair". gdir_xlsx_fix_cols rewrites the <cols> block at the head of the worksheet's XML as
 * one <col min="i" max="i" width="W"/> per declared column, keeping each column's width (a
 * plain number of at most 12 characters, else 15, GDAL's). The rest of the sheet is copied
 * byte for byte. Pure function over a buffer (its fuzz target: tests/fuzz/fuzz_xlsx_cols.c).
 */
#include "gdir_export.h"

#include <ctype.h>
#include <string.h>

#define COLS_OPEN "<cols>"
#define COLS_CLOSE "</cols>"
#define COL_TAG "<col "
#define WIDTH_ATTR "width=\""
#define XLSX_MAX_COLS 16384   /* columns of a worksheet (XFD) */

/* The first occurrence of needle in [p, end), or NULL. */
static const char *find(const char *p, const char *end, const char *needle)
{
    size_t n = strlen(needle);
    for (; p && (size_t)(end - p) >= n; p++)
        if (memcmp(p, needle, n) == 0)
            return p;
    return NULL;
}

/* The width of the <col element at p (up to its '>' before end), copied to w (size >= 13);
 * "15" when it has none that is a plain number. */
static void col_width(const char *p, const char *end, char w[13])
{
    const char *gt = memchr(p, '>', (size_t)(end - p));
    const char *a = find(p, gt ? gt : end, WIDTH_ATTR);
    size_t n = 0;
    if (a) {
        a += strlen(WIDTH_ATTR);
        while (a + n < end && n < 12 && ((a[n] >= '0' && a[n] <= '9') || a[n] == '.'))
            n++;
        if (a + n >= end || a[n] != '"' || n == 0)
            n = 0;
    }
    if (n) {
        memcpy(w, a, n);
        w[n] = '\0';
    } else {
        memcpy(w, "15", 3);
    }
}

int gdir_xlsx_fix_cols(const char *head, size_t n, struct gdir_buf *out)
{
    const char *end = head + n;
    const char *open = find(head, end, COLS_OPEN);
    const char *close = open ? find(open, end, COLS_CLOSE) : NULL;
    const char *sheet_data = find(head, end, "<sheetData");
    size_t cols = 0;

    if (!open || (sheet_data && sheet_data < open))   /* no <cols>: nothing to mend */
        return gdir_buf_add(out, head, n);
    if (!close)
        return GDIR_EINVAL;    /* the block is not whole in head */
    if (open > head && open[-1] != '>' && !isspace((unsigned char)open[-1]))
        return GDIR_EINVAL;    /* not at a tag boundary: not the XML GDAL writes */
    gdir_buf_add(out, head, (size_t)(open - head));
    for (const char *p = find(open, close, COL_TAG); p; p = find(p + 1, close, COL_TAG)) {
        char w[13];
        if (++cols > XLSX_MAX_COLS)
            return GDIR_EINVAL;
        col_width(p, close, w);
        gdir_buf_printf(out, "%s\n<col min=\"%zu\" max=\"%zu\" width=\"%s\" customWidth=\"1\"/>",
                        cols == 1 ? COLS_OPEN : "", cols, cols, w);
    }
    /* an empty <cols> is not valid: without columns the block goes */
    close += cols ? 0 : strlen(COLS_CLOSE);
    if (cols)
        gdir_buf_adds(out, "\n");
    gdir_buf_add(out, close, (size_t)(end - close));
    return out->err;
}
