/*
 * imp_csvscan.c — record boundaries, physical line numbers and field counts of a CSV file,
 * computed with the same splitting rules as GDAL's CSV driver (see imp_csvscan.h).
 *
 * Rules mirrored from the driver: a line break is "\n", "\r\n" or a lone "\r"; a record goes
 * on across line breaks while it holds an odd number of '"' (a doubled quote counts twice,
 * so it never changes the parity); separators count only outside quotes; a record made of an
 * empty line is skipped; a UTF-8 byte order mark at the start is ignored.
 *
 * Also: UTF-8 validity of a whole file and Windows-1252 -> UTF-8 conversion (streamed), and
 * imp_csvrd, which returns the fields of each record (for readers that do not go through
 * GDAL's CSV driver).
 */
#include "imp_csvscan.h"
#include "gdir_mem.h"
#include "gdir_text.h"

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
    long long field_len = 0;
    int odd = 0, nonempty = 0;

    r->longest = 0;
    r->longest_field = 0;

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
        if (c == s->sep && !odd) {
            n_fields++;
            field_len = 0;
        } else if (++field_len > r->longest) {
            r->longest = field_len;
            r->longest_field = n_fields - 1;
        }
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

/* Back to the first byte of the file (after a BOM), line 1. */
static int rewind_scan(struct imp_csvscan *s)
{
    if (fseek(s->f, 0, SEEK_SET) != 0)
        return -1;
    s->pos = s->len = 0;
    s->eof = s->io_error = s->pending_cr = s->at_line_start = 0;
    s->line = 1;
    if (fill(s) && s->len >= 3 && memcmp(s->buf, "\xEF\xBB\xBF", 3) == 0)
        s->pos = 3;
    return 0;
}

int imp_csvscan_open(struct imp_csvscan **out, const char *path, char sep, int has_header,
                     struct gdir_err *err)
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
                          rc == 0 ? (has_header ? "empty file, expected a header line"
                                                : "empty file")
                                  : (has_header ? "unbalanced quote in the header line"
                                                : "unbalanced quote in the first record"));
        goto out;
    }
    s->header_fields = hdr.n_fields;
    if (!has_header && rewind_scan(s) != 0) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
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

/* ------------------------------------------------------------- encodings ---- */

/* Bytes 0x80-0x9F of Windows-1252; the five unassigned ones keep their Latin-1 (C1) value. */
static const unsigned short cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

int imp_cp1252_to_utf8(struct gdir_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc;
        if (c < 0x80)
            rc = gdir_buf_addc(b, (char)c);
        else
            rc = gdir_utf8_put(b, c < 0xA0 ? cp1252_high[c - 0x80] : c);
        if (rc)
            return rc;
    }
    return b->err;
}

/* Length of an incomplete UTF-8 sequence at the end of buf[0..len), to carry over. */
static size_t incomplete_tail(const unsigned char *buf, size_t len)
{
    for (size_t k = 1; k <= 3 && k <= len; k++) {
        unsigned char c = buf[len - k];
        if ((c & 0xC0) == 0x80)
            continue;
        if (c >= 0xC0) {
            size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            return need > k ? k : 0;
        }
        return 0;
    }
    return 0;
}

int imp_file_utf8_valid(const char *path, int *valid, struct gdir_err *err)
{
    unsigned char buf[SCAN_BUF + 4];
    size_t carry = 0, n;
    FILE *f = fopen(path, "rb");
    int ioerr;

    *valid = 1;
    if (!f)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", path, strerror(errno));
    while (*valid && (n = fread(buf + carry, 1, SCAN_BUF, f)) > 0) {
        size_t len = carry + n, tail = incomplete_tail(buf, len);
        if (!gdir_utf8_valid((const char *)buf, len - tail))
            *valid = 0;
        memmove(buf, buf + len - tail, tail);
        carry = tail;
    }
    ioerr = ferror(f);
    fclose(f);
    if (ioerr)
        return gdir_err_set(err, GDIR_EIO, "%s: read error", path);
    if (carry)
        *valid = 0;   /* the file ends inside a sequence */
    return GDIR_OK;
}

int imp_file_encoding_auto(const char *path, int *cp1252, struct gdir_err *err)
{
    unsigned char bom[3];
    FILE *f = fopen(path, "rb");
    int valid, rc, has_bom;

    *cp1252 = 0;
    if (!f)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", path, strerror(errno));
    has_bom = fread(bom, 1, 3, f) == 3 && memcmp(bom, "\xEF\xBB\xBF", 3) == 0;
    fclose(f);
    if (has_bom)
        return GDIR_OK;
    if ((rc = imp_file_utf8_valid(path, &valid, err)))
        return rc;
    *cp1252 = !valid;
    return GDIR_OK;
}

int imp_file_cp1252_to_utf8(const char *src, const char *dst, struct gdir_err *err)
{
    char buf[SCAN_BUF];
    struct gdir_buf out;
    FILE *in = fopen(src, "rb"), *o = NULL;
    size_t n;
    int rc = GDIR_OK;

    gdir_buf_init(&out, 4 * SCAN_BUF);
    if (!in)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", src, strerror(errno));
    if (!(o = fopen(dst, "wb"))) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", dst, strerror(errno));
        goto out;
    }
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        gdir_buf_reset(&out);
        if (imp_cp1252_to_utf8(&out, buf, n) || fwrite(out.data, 1, out.len, o) != out.len) {
            rc = gdir_err_set(err, GDIR_EIO, "%s: write error", dst);
            goto out;
        }
    }
    if (ferror(in))
        rc = gdir_err_set(err, GDIR_EIO, "%s: read error", src);
out:
    if (o && fclose(o) != 0 && rc == GDIR_OK)
        rc = gdir_err_set(err, GDIR_EIO, "%s: write error", dst);
    fclose(in);
    gdir_buf_free(&out);
    return rc;
}

/* ------------------------------------------------------------ record reader ---- */

#define CSVRD_RECORD_MAX (1024 * 1024)
#define CSVRD_FIELDS_MAX 4096

struct imp_csvrd {
    FILE *f;
    char sep;
    int cp1252;
    long line;             /* physical line of the next byte */
    int pending_cr;
    struct gdir_buf raw;   /* the record's bytes, without its final line break */
    struct gdir_buf conv;  /* the record converted to UTF-8 (cp1252) */
    char *fbuf;            /* unquoted fields, NUL-separated */
    size_t fcap;
    char **fields;
    size_t fields_cap;
    size_t n_fields;
};

int imp_csvrd_open(struct imp_csvrd **out, const char *path, char sep, int cp1252,
                   struct gdir_err *err)
{
    struct imp_csvrd *r = calloc(1, sizeof *r);
    unsigned char bom[3];

    *out = NULL;
    if (!r)
        return gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", path);
    if (!(r->f = fopen(path, "rb"))) {
        int e = errno;
        free(r);
        return gdir_err_set(err, GDIR_EIO, "%s: %s", path, strerror(e));
    }
    r->sep = sep;
    r->cp1252 = cp1252;
    r->line = 1;
    gdir_buf_init(&r->raw, CSVRD_RECORD_MAX);
    gdir_buf_init(&r->conv, 4 * CSVRD_RECORD_MAX);
    if (fread(bom, 1, 3, r->f) != 3 || memcmp(bom, "\xEF\xBB\xBF", 3) != 0)
        rewind(r->f);
    *out = r;
    return GDIR_OK;
}

/* Splits text[0..len) into unquoted fields. */
static int split_fields(struct imp_csvrd *r, const char *text, size_t len)
{
    size_t nf = 1, o = 0;
    int q = 0;

    for (size_t i = 0; i < len; i++)
        if (text[i] == '"')
            q = !q;
        else if (text[i] == r->sep && !q)
            nf++;
    if (nf > CSVRD_FIELDS_MAX)
        return -1;
    if (gdir_grow(&r->fbuf, &r->fcap, len + 1, 1) ||
        gdir_grow(&r->fields, &r->fields_cap, nf, sizeof *r->fields))
        return -1;
    r->n_fields = 0;
    r->fields[r->n_fields++] = r->fbuf;
    q = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '"') {
            if (q && i + 1 < len && text[i + 1] == '"') {
                r->fbuf[o++] = '"';   /* "" inside quotes */
                i++;
            } else {
                q = !q;
            }
        } else if (c == r->sep && !q) {
            r->fbuf[o++] = '\0';
            r->fields[r->n_fields++] = r->fbuf + o;
        } else {
            r->fbuf[o++] = c;
        }
    }
    r->fbuf[o] = '\0';
    return 0;
}

int imp_csvrd_next(struct imp_csvrd *r, char ***fields, size_t *n_fields, long *line,
                   int *unbalanced, struct gdir_err *err)
{
    for (;;) {
        int odd = 0, c, any = 0;
        long start = r->line;
        gdir_buf_reset(&r->raw);
        while ((c = getc(r->f)) != EOF) {
            any = 1;
            if (c == '\n' && r->pending_cr) {
                r->pending_cr = 0;
                continue;
            }
            r->pending_cr = c == '\r';
            if (c == '\n' || c == '\r') {
                r->line++;
                if (!odd)
                    break;
                c = '\n';   /* a quoted line break, kept as LF */
            }
            if (c == '"')
                odd = !odd;
            if (gdir_buf_addc(&r->raw, (char)c))
                return gdir_err_set(err, GDIR_ETOOBIG, "record at line %ld is larger than %d "
                                    "bytes", start, CSVRD_RECORD_MAX);
        }
        if (ferror(r->f))
            return gdir_err_set(err, GDIR_EIO, "read error");
        if (!any)
            return 0;
        if (r->raw.len == 0)
            continue;   /* blank line */
        const char *text = r->raw.data;
        size_t len = r->raw.len;
        if (r->cp1252) {
            gdir_buf_reset(&r->conv);
            if (imp_cp1252_to_utf8(&r->conv, text, len))
                return gdir_err_set(err, GDIR_ETOOBIG, "record at line %ld is too large", start);
            text = r->conv.data;
            len = r->conv.len;
        }
        if (split_fields(r, text, len))
            return gdir_err_set(err, GDIR_ENOMEM, "record at line %ld: out of memory or more "
                                "than %d fields", start, CSVRD_FIELDS_MAX);
        *fields = r->fields;
        *n_fields = r->n_fields;
        *line = start;
        *unbalanced = odd;
        return 1;
    }
}

void imp_csvrd_close(struct imp_csvrd *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    gdir_buf_free(&r->raw);
    gdir_buf_free(&r->conv);
    free(r->fbuf);
    free(r->fields);
    free(r);
}
