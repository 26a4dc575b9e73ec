/*
 * imp_csvscan.c — record boundaries, physical line numbers and field counts of a CSV file,
 * computed with the same splitting rules as GDAL's CSV driver (see imp_csvscan.h).
 *
 * Rules mirrored from the driver: a line break is "\n", "\r\n" or a lone "\r"; a record goes
 * on across line breaks while it holds an odd number of '"' (a doubled quote counts twice,
 * so it never changes the parity); separators count only outside quotes; a record made of an
 * empty line is skipped; a UTF-8 byte order mark at the start is ignored.
 */
#include "imp_csvscan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_BUF 65536

struct imp_csvscan {
    FILE *f;
    char sep;
    unsigned char buf[SCAN_BUF];
    size_t pos, len;     /* unread bytes are buf[pos..len) */
    int eof;             /* no more bytes in the file */
    int io_error;
    int pending_cr;      /* the last byte was '\r': a following '\n' belongs to it */
    int at_line_start;   /* the last byte ended a line */
    long line;           /* physical line of the next byte (1-based) */
    long header_fields;
};

static int fill(struct imp_csvscan *s)
{
    if (s->eof)
        return 0;
    s->len = fread(s->buf, 1, sizeof s->buf, s->f);
    s->pos = 0;
    if (s->len == 0) {
        s->eof = 1;
        s->io_error = ferror(s->f) != 0;
        return 0;
    }
    return 1;
}

int imp_csvscan_next(struct imp_csvscan *s, struct imp_csvrec *r)
{
    long n_fields = 1, start = s->line;
    int odd = 0, nonempty = 0;

    for (;;) {
        if (s->pos == s->len && !fill(s))
            break;
        int c = s->buf[s->pos++];
        if (c == '\n' && s->pending_cr) {
            s->pending_cr = 0;      /* second half of "\r\n" */
            continue;
        }
        s->pending_cr = c == '\r';
        s->at_line_start = c == '\n' || c == '\r';
        if (c == '\n' || c == '\r') {
            s->line++;
            if (odd)
                continue;           /* a quoted line break: the record goes on */
            if (nonempty) {
                r->line = start;
                r->n_lines = s->line - start;
                r->n_fields = n_fields;
                r->unbalanced = 0;
                return 1;
            }
            start = s->line;        /* blank line: skipped, as GDAL does */
            continue;
        }
        nonempty = 1;
        if (c == '"')
            odd = !odd;
        else if (c == s->sep && !odd)
            n_fields++;
    }
    if (s->io_error)
        return GDIR_EIO;
    if (!nonempty)
        return 0;
    r->line = start;
    r->n_lines = s->line - start + (s->at_line_start ? 0 : 1);
    r->n_fields = n_fields;
    r->unbalanced = odd;
    return 1;
}

int imp_csvscan_open(struct imp_csvscan **out, const char *path, char sep, struct gdir_err *err)
{
    struct imp_csvscan *s;
    struct imp_csvrec hdr;
    int rc;

    *out = NULL;
    if (!(s = calloc(1, sizeof *s)))
        return gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", path);
    s->sep = sep;
    s->line = 1;
    if (!(s->f = fopen(path, "rb"))) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (fill(s) && s->len >= 3 && memcmp(s->buf, "\xEF\xBB\xBF", 3) == 0)
        s->pos = 3;
    rc = imp_csvscan_next(s, &hdr);
    if (rc < 0) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: read error", path);
        goto out;
    }
    if (rc == 0 || hdr.unbalanced) {
        rc = gdir_err_set(err, GDIR_EFORMAT, "%s:1: %s", path,
                          rc == 0 ? "empty file, expected a header line"
                                  : "unbalanced quote in the header line");
        goto out;
    }
    s->header_fields = hdr.n_fields;
    *out = s;
    s = NULL;
    rc = GDIR_OK;
out:
    imp_csvscan_close(s);
    return rc;
}

long imp_csvscan_header_fields(const struct imp_csvscan *s)
{
    return s->header_fields;
}

void imp_csvscan_close(struct imp_csvscan *s)
{
    if (!s)
        return;
    if (s->f)
        fclose(s->f);
    free(s);
}
