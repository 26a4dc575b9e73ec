/*
 * gdir_csv.c — the CSV field writer and its two dialects. See gdir_csv.h. No reader here.
 */
#include "gdir_csv.h"

#include <string.h>

char gdir_csv_sep(enum gdir_csv_dialect d)
{
    return d == GDIR_CSV_FR ? ';' : ',';
}

char gdir_csv_point(enum gdir_csv_dialect d)
{
    return d == GDIR_CSV_FR ? ',' : '.';
}

int gdir_csv_has_bom(enum gdir_csv_dialect d)
{
    return d == GDIR_CSV_FR;
}

int gdir_csv_needs_quotes(const char *s, size_t n, char sep)
{
    if (!n)
        return 0;
    if (s[0] == ' ' || s[n - 1] == ' ')
        return 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] == sep || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            return 1;
    return 0;
}

int gdir_csv_field(struct gdir_buf *out, const char *s, char sep)
{
    size_t n = s ? strlen(s) : 0;
    const char *run = s;

    if (!gdir_csv_needs_quotes(s, n, sep))
        return n ? gdir_buf_add(out, s, n) : out->err;
    /* Quoted: copy runs up to each quote, which is written twice. */
    gdir_buf_addc(out, '"');
    for (const char *q; (q = strchr(run, '"')); run = q + 1) {
        gdir_buf_add(out, run, (size_t)(q - run + 1));
        gdir_buf_addc(out, '"');
    }
    gdir_buf_adds(out, run);
    return gdir_buf_addc(out, '"');
}

int gdir_csv_begin(struct gdir_buf *out, enum gdir_csv_dialect d)
{
    if (gdir_csv_has_bom(d))
        return gdir_buf_adds(out, GDIR_CSV_BOM);
    return out->err;
}
