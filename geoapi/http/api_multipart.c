/*
 * api_multipart.c — a bounded, copy-free multipart/form-data reader over a body held in
 * memory. See api_multipart.h.
 *
 * Layout (RFC 2046 §5.1.1, RFC 7578): an optional preamble, then for each part a delimiter line
 * "--boundary", header lines, an empty line and the contents; the contents end just before
 * "CRLF--boundary"; after the last part the delimiter is followed by "--".
 *
 * Not here: what the fields mean (h_geocode.c).
 */
#define _GNU_SOURCE   /* memmem */
#include "api_multipart.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* First occurrence of needle (n bytes) in hay[0..len), or NULL: glibc's memmem (a shift table
 * for short needles), not memchr of the first byte, which in a binary file stops every 256
 * bytes on a CR (bench/RESULTS.md, attachments). */
static const char *find(const char *hay, size_t len, const char *needle, size_t n)
{
    return n && len >= n ? memmem(hay, len, needle, n) : NULL;
}

/* Skips spaces and tabs. */
static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    return p;
}

/* Reads a parameter value at p (a token or a quoted string, '\' escaping the next byte) into
 * out (cap bytes). Returns the position after it, or NULL when it does not fit or is not
 * closed. */
static const char *param_value(const char *p, const char *end, char *out, size_t cap)
{
    size_t n = 0;
    if (p < end && *p == '"') {
        for (p++; p < end && *p != '"'; p++) {
            if (*p == '\\' && p + 1 < end)
                p++;
            if (n + 1 >= cap)
                return NULL;
            out[n++] = *p;
        }
        if (p >= end)
            return NULL;
        p++;
    } else {
        for (; p < end && *p != ';' && *p != ' ' && *p != '\t'; p++) {
            if (n + 1 >= cap)
                return NULL;
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    return p;
}

/* Finds parameter `name` (case-insensitive) in a header value's "; a=b; c=d" list. Returns 1
 * with out filled, 0 when absent, -1 when malformed or too long. */
static int header_param(const char *v, const char *end, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = memchr(v, ';', (size_t)(end - v));

    while (p && p < end) {
        p = skip_ws(p + 1, end);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (!eq)
            return 0;
        const char *k_end = eq;
        while (k_end > p && (k_end[-1] == ' ' || k_end[-1] == '\t'))
            k_end--;
        const char *after;
        char tmp[API_MP_NAME_MAX + 1];
        int match = (size_t)(k_end - p) == nl && strncasecmp(p, name, nl) == 0;
        after = param_value(skip_ws(eq + 1, end), end, match ? out : tmp,
                            match ? cap : sizeof tmp);
        if (!after)
            return match ? -1 : 0;
        if (match)
            return 1;
        p = memchr(after, ';', (size_t)(end - after));
    }
    return 0;
}

int api_multipart_init(struct api_multipart *mp, const char *content_type, const char *body,
                       size_t len, struct gdir_err *err)
{
    char boundary[API_MP_BOUNDARY_MAX + 2];
    const char *end;
    size_t bl;
    int r;

    memset(mp, 0, sizeof *mp);
    if (!content_type || strncasecmp(content_type, "multipart/form-data", 19) != 0 ||
        (content_type[19] != ';' && content_type[19] != ' ' && content_type[19] != '\0'))
        return gdir_err_set_param(err, GDIR_EFORMAT, "data",
                                  "data: expected a multipart/form-data upload with the CSV file "
                                  "in a field named data");
    end = content_type + strlen(content_type);
    r = header_param(content_type, end, "boundary", boundary, sizeof boundary);
    bl = r == 1 ? strlen(boundary) : 0;
    if (r != 1 || bl == 0 || bl > API_MP_BOUNDARY_MAX)
        return gdir_err_set_param(err, GDIR_EFORMAT, "data",
                                  "data: the multipart/form-data boundary is missing or invalid");
    memcpy(mp->delim, "\r\n--", 4);
    memcpy(mp->delim + 4, boundary, bl);
    mp->delim_len = bl + 4;
    mp->body = body;
    mp->len = len;

    /* The first delimiter may be at the very start (no preceding CRLF). */
    if (len >= bl + 2 && memcmp(body, mp->delim + 2, bl + 2) == 0) {
        mp->pos = bl + 2;
    } else {
        const char *d = find(body, len, mp->delim, mp->delim_len);
        if (!d)
            return gdir_err_set_param(err, GDIR_EFORMAT, "data",
                                      "data: no multipart boundary found in the body");
        mp->pos = (size_t)(d - body) + mp->delim_len;
    }
    return GDIR_OK;
}

/* At p, just after a delimiter: "--" ends the body, else skip to the end of the line. Returns
 * the position after the line, or NULL on malformed input; sets *last for "--". */
static const char *after_delimiter(const char *p, const char *end, int *last)
{
    *last = 0;
    if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
        *last = 1;
        return p + 2;
    }
    p = skip_ws(p, end);   /* transport padding */
    if (p < end && *p == '\r')
        p++;
    if (p < end && *p == '\n')
        return p + 1;
    return NULL;
}

/* The first delimiter (delim, n bytes) in [p, end) that really ends a part: followed by "--"
 * or by optional spaces and a line end. A line that merely starts like one is content. */
static const char *find_delimiter(const char *p, const char *end, const char *delim, size_t n)
{
    for (;;) {
        const char *d = find(p, (size_t)(end - p), delim, n);
        int last;
        if (!d || after_delimiter(d + n, end, &last))
            return d;
        p = d + 1;
    }
}

int api_multipart_next(struct api_multipart *mp, struct api_mp_part *part,
                       struct gdir_err *err)
{
    const char *end = mp->body + mp->len, *p, *hdr_end, *line, *content, *d;
    size_t dl;
    int last, have_disposition = 0;

    memset(part, 0, sizeof *part);
    if (mp->done)
        return 0;
    p = after_delimiter(mp->body + mp->pos, end, &last);
    if (!p)
        return gdir_err_set_param(err, GDIR_EFORMAT, "data", "data: malformed multipart body");
    if (last) {
        mp->done = 1;
        return 0;
    }
    /* Headers: lines up to an empty one. */
    hdr_end = NULL;
    for (line = p; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        if (!nl || (size_t)(nl - p) > API_MP_MAX_HEADERS)
            break;
        const char *le = nl > line && nl[-1] == '\r' ? nl - 1 : nl;
        if (le == line) {
            hdr_end = nl + 1;
            break;
        }
        if ((size_t)(le - line) > 20 && strncasecmp(line, "Content-Disposition:", 20) == 0) {
            const char *v = skip_ws(line + 20, le);
            int r;
            if ((size_t)(le - v) < 9 || strncasecmp(v, "form-data", 9) != 0)
                return gdir_err_set_param(err, GDIR_EFORMAT, "data",
                                          "data: a multipart part is not form-data");
            /* RFC 7578: one per part. A second one (headers running over a delimiter) would
             * mix its name with the first one's file name. */
            if (have_disposition)
                return gdir_err_set_param(err, GDIR_EFORMAT, "data",
                                          "data: a multipart part has two Content-Disposition "
                                          "headers");
            r = header_param(v, le, "name", part->name, sizeof part->name);
            if (r != 1)
                return gdir_err_set_param(err, GDIR_EFORMAT, "data",
                                          "data: a multipart part has no valid field name");
            r = header_param(v, le, "filename", part->filename, sizeof part->filename);
            if (r < 0)
                return gdir_err_set_param(err, GDIR_EFORMAT, "data",
                                          "data: a multipart file name is invalid or too long");
            part->is_file = r == 1;
            have_disposition = 1;
        }
        line = nl + 1;
    }
    if (!hdr_end)
        return gdir_err_set_param(err, GDIR_EFORMAT, "data",
                                  "data: multipart part headers are unterminated or longer than "
                                  "%d bytes", API_MP_MAX_HEADERS);
    if (!have_disposition)
        return gdir_err_set_param(err, GDIR_EFORMAT, "data",
                                  "data: a multipart part has no Content-Disposition");
    content = hdr_end;
    dl = mp->delim_len;
    d = find_delimiter(content, end, mp->delim, dl);
    if (!d) {
        /* Accept an LF-only delimiter line. */
        dl = mp->delim_len - 1;
        d = find_delimiter(content, end, mp->delim + 1, dl);
    }
    if (!d)
        return gdir_err_set_param(err, GDIR_EFORMAT, "data",
                                  "data: the multipart body is truncated (no closing boundary)");
    part->data = content;
    part->len = (size_t)(d - content);
    mp->pos = (size_t)(d - mp->body) + dl;
    return 1;
}
