/*
 * http_parse.c — the strict HTTP/1.1 request head parser and the chunked body decoder (see
 * http_parse.h for the rules). Pure functions over caller-owned bytes; every error names the
 * part of the request at fault in err->param ("request-line", "target", a header name, "body").
 *
 * Not here: sockets, timers, limits on connections (http_server.c); what a target means
 * (api_router.c).
 */
#include "http_parse.h"

#include "gdir_parse.h"

#include <string.h>

#define MAX_EMPTY_LINES 8      /* CRLFs accepted before a request line */
#define MAX_CHUNK_LINE 1024    /* a chunk-size line with its extensions, or a trailer field */
#define MAX_TRAILER 8192       /* the whole trailer section */

/* tchar of RFC 9110 section 5.6.2. */
static int is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A byte allowed in a field value: VCHAR, obs-text, SP, HTAB. */
static int is_value_byte(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int ieq(const char *a, size_t alen, const char *b)
{
    size_t n = strlen(b);
    if (alen != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

/* 1 when the comma-separated list v (len bytes) holds token tok, case-insensitive. */
static int list_has(const char *v, size_t len, const char *tok)
{
    size_t i = 0;
    while (i < len) {
        size_t s, e;
        while (i < len && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
            i++;
        s = i;
        while (i < len && v[i] != ',')
            i++;
        e = i;
        while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
            e--;
        if (e > s && ieq(v + s, e - s, tok))
            return 1;
    }
    return 0;
}

/* A Host value: reg-name / IPv4 / [IPv6] with an optional port (RFC 3986 authority without
 * user info). Empty is allowed by RFC 9112 only for targets without authority: refused here. */
static int host_valid(const char *v, size_t len)
{
    size_t i = 0;
    if (len == 0 || len > 255)
        return 0;
    if (v[0] == '[') {
        while (i < len && v[i] != ']') {
            unsigned char c = (unsigned char)v[i];
            if (i > 0 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                           (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
                return 0;
            i++;
        }
        if (i == len)
            return 0;
        i++;
    } else {
        while (i < len && v[i] != ':') {
            unsigned char c = (unsigned char)v[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  c == '-' || c == '.' || c == '_'))
                return 0;
            i++;
        }
        if (i == 0)
            return 0;
    }
    if (i == len)
        return 1;
    if (v[i] != ':' || len - i > 6)
        return 0;
    for (i++; i < len; i++)
        if (v[i] < '0' || v[i] > '9')
            return 0;
    return 1;
}

/* The end of the line starting at p (the index of its CR), -1 when incomplete, -2 when a bare
 * CR or LF or a NUL comes first. */
static long line_end(const char *buf, size_t p, size_t len)
{
    for (size_t i = p; i < len; i++) {
        if (buf[i] == '\r') {
            if (i + 1 == len)
                return -1;
            return buf[i + 1] == '\n' ? (long)i : -2;
        }
        if (buf[i] == '\n' || buf[i] == '\0')
            return -2;
    }
    return -1;
}

/* Parses the request line buf[p..e) into h. */
static int parse_request_line(const char *buf, size_t p, size_t e, struct http_head *h,
                              struct gdir_err *err)
{
    size_t i = p, t;

    while (i < e && is_tchar((unsigned char)buf[i]))
        i++;
    if (i == p || i == e || buf[i] != ' ')
        return gdir_err_set_param(err, GDIR_EBADREQ, "request-line",
                                  "request line: expected a method, one space, a target");
    if (i - p > HTTP_MAX_METHOD)
        return gdir_err_set_param(err, GDIR_EBADREQ, "request-line",
                                  "request line: method longer than %d bytes", HTTP_MAX_METHOD);
    h->method = buf + p;
    h->method_len = i - p;
    t = ++i;
    while (i < e && (unsigned char)buf[i] > 0x20 && buf[i] != 0x7f)
        i++;   /* bytes >= 0x80 pass: the router names the parameter whose UTF-8 is bad */
    if (i - t > HTTP_MAX_TARGET)
        return gdir_err_set_param(err, GDIR_EURILONG, "target",
                                  "request target longer than %d bytes", HTTP_MAX_TARGET);
    if (i == e && i > t)
        return gdir_err_set_param(err, GDIR_EBADREQ, "request-line",
                                  "request line: expected HTTP/1.1 or HTTP/1.0 after the target");
    if (i == t || buf[i] != ' ')
        return gdir_err_set_param(err, GDIR_EBADREQ, "target",
                                  "request target: empty, or a space or control byte in it "
                                  "(%%-encode them)");
    h->target = buf + t;
    h->target_len = i - t;
    i++;
    if (e - i == 8 && memcmp(buf + i, "HTTP/1.", 7) == 0 && (buf[i + 7] == '0' || buf[i + 7] == '1')) {
        h->minor = buf[i + 7] - '0';
        return GDIR_OK;
    }
    if (e - i == 8 && memcmp(buf + i, "HTTP/", 5) == 0 && buf[i + 5] >= '0' && buf[i + 5] <= '9' &&
        buf[i + 6] == '.' && buf[i + 7] >= '0' && buf[i + 7] <= '9')
        return gdir_err_set_param(err, GDIR_EVERSION, "request-line",
                                  "HTTP/%c.%c: only HTTP/1.0 and HTTP/1.1 are served", buf[i + 5],
                                  buf[i + 7]);
    return gdir_err_set_param(err, GDIR_EBADREQ, "request-line",
                              "request line: expected HTTP/1.1 or HTTP/1.0 after the target");
}

/* Quotes a header name for a message (cut, visible bytes only). */
static void field_name(char *out, size_t cap, const char *name, size_t len)
{
    size_t n = len < cap - 1 ? len : cap - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = is_tchar((unsigned char)name[i]) ? name[i] : '?';
    out[n] = '\0';
}

/* Interprets one field of the head (framing and connection fields). */
static int take_field(struct http_head *h, const struct http_field *f, int *hosts,
                      struct gdir_err *err)
{
    if (ieq(f->name, f->name_len, "host")) {
        if (++*hosts > 1)
            return gdir_err_set_param(err, GDIR_EBADREQ, "Host", "Host: given more than once");
        if (!host_valid(f->value, f->value_len))
            return gdir_err_set_param(err, GDIR_EBADREQ, "Host",
                                      "Host: not a host name or address with an optional port");
    } else if (ieq(f->name, f->name_len, "content-length")) {
        long long v = 0;
        if (h->content_length >= 0)
            return gdir_err_set_param(err, GDIR_EBADREQ, "Content-Length",
                                      "Content-Length: given more than once");
        if (f->value_len == 0 || f->value_len > 18)
            return gdir_err_set_param(err, GDIR_EBADREQ, "Content-Length",
                                      "Content-Length: not a number of bytes");
        for (size_t i = 0; i < f->value_len; i++) {
            if (f->value[i] < '0' || f->value[i] > '9')
                return gdir_err_set_param(err, GDIR_EBADREQ, "Content-Length",
                                          "Content-Length: not a number of bytes");
            v = v * 10 + (f->value[i] - '0');
        }
        h->content_length = v;
    } else if (ieq(f->name, f->name_len, "transfer-encoding")) {
        if (h->chunked || !ieq(f->value, f->value_len, "chunked"))
            return gdir_err_set_param(err, GDIR_ENOTIMPL, "Transfer-Encoding",
                                      "Transfer-Encoding: only one \"chunked\" is supported");
        h->chunked = 1;
    } else if (ieq(f->name, f->name_len, "connection")) {
        if (list_has(f->value, f->value_len, "close"))
            h->keep_alive = 0;
        else if (list_has(f->value, f->value_len, "keep-alive"))
            h->keep_alive = 1;
    } else if (ieq(f->name, f->name_len, "expect")) {
        h->expect_continue = ieq(f->value, f->value_len, "100-continue");
    }
    return GDIR_OK;
}

/* Parses the field line buf[p..e) into h->fields. */
static int parse_field(const char *buf, size_t p, size_t e, struct http_head *h, int *hosts,
                       struct gdir_err *err)
{
    struct http_field *f;
    size_t i = p, v, ve;

    if (buf[p] == ' ' || buf[p] == '\t')
        return gdir_err_set_param(err, GDIR_EBADREQ, "header",
                                  "header: a line folded onto the previous one (obs-fold)");
    while (i < e && is_tchar((unsigned char)buf[i]))
        i++;
    if (i == p || i == e || buf[i] != ':')
        return gdir_err_set_param(err, GDIR_EBADREQ, "header",
                                  "header: expected a name followed by ':' without space");
    if (h->n_fields == HTTP_MAX_HEADERS)
        return gdir_err_set_param(err, GDIR_EHEADERS, "header", "more than %d header fields",
                                  HTTP_MAX_HEADERS);
    v = i + 1;
    for (size_t k = v; k < e; k++)
        if (!is_value_byte((unsigned char)buf[k])) {
            char name[48];
            field_name(name, sizeof name, buf + p, i - p);
            return gdir_err_set_param(err, GDIR_EBADREQ, name, "%s: control byte in the value",
                                      name);
        }
    while (v < e && (buf[v] == ' ' || buf[v] == '\t'))
        v++;
    ve = e;
    while (ve > v && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
        ve--;
    f = &h->fields[h->n_fields++];
    f->name = buf + p;
    f->name_len = i - p;
    f->value = buf + v;
    f->value_len = ve - v;
    return take_field(h, f, hosts, err);
}

/* NUL-terminates the parts of a complete head in place: each is followed by a separator (SP,
 * ':', white space or CR) that is no longer needed. */
static void terminate(char *buf, struct http_head *h)
{
    buf[h->method - buf + (long)h->method_len] = '\0';
    buf[h->target - buf + (long)h->target_len] = '\0';
    for (size_t i = 0; i < h->n_fields; i++) {
        struct http_field *f = &h->fields[i];
        buf[f->name - buf + (long)f->name_len] = '\0';
        buf[f->value - buf + (long)f->value_len] = '\0';
    }
}

long http_parse_head(char *buf, size_t len, size_t max, struct http_head *h,
                     struct gdir_err *err)
{
    size_t p = 0, scan = len < max ? len : max;
    int empty = 0, hosts = 0, rc;
    long e;

    memset(h, 0, sizeof *h);
    h->content_length = -1;
    /* empty lines before the request line */
    while (scan - p >= 2 && buf[p] == '\r' && buf[p + 1] == '\n' && empty < MAX_EMPTY_LINES) {
        p += 2;
        empty++;
    }
    e = line_end(buf, p, scan);
    if (e == -2)
        return gdir_err_set_param(err, GDIR_EBADREQ, "request-line",
                                  "request line: a bare CR, LF or NUL byte in it");
    if (e == -1) {
        /* Incomplete: refuse now what cannot become a correct request line. */
        struct http_head tmp;
        size_t i = p, t;
        if (scan - p == 1 && buf[p] == '\r')
            return 0;   /* half of an empty line */
        while (i < scan && is_tchar((unsigned char)buf[i]))
            i++;
        if ((i < scan && buf[i] != ' ') || i - p > HTTP_MAX_METHOD)
            return parse_request_line(buf, p, scan, &tmp, err);
        t = i + 1;
        while (t < scan && (unsigned char)buf[t] > 0x20 && buf[t] != 0x7f)
            t++;
        if (t - i - 1 > HTTP_MAX_TARGET ||
            (t < scan && buf[t] != ' ' && !(buf[t] == '\r' && t + 1 == scan)))
            return parse_request_line(buf, p, scan, &tmp, err);
        if (len >= max)
            return gdir_err_set_param(err, GDIR_EHEADERS, "header",
                                      "request head longer than %zu bytes", max);
        return 0;
    }
    rc = parse_request_line(buf, p, (size_t)e, h, err);
    if (rc)
        return rc;
    h->keep_alive = h->minor == 1;
    p = (size_t)e + 2;
    for (;;) {
        e = line_end(buf, p, scan);
        if (e == -2)
            return gdir_err_set_param(err, GDIR_EBADREQ, "header",
                                      "header: a bare CR, LF or NUL byte in it");
        if (e == -1) {
            if (len >= max)
                return gdir_err_set_param(err, GDIR_EHEADERS, "header",
                                          "request head longer than %zu bytes", max);
            return 0;
        }
        if ((size_t)e == p)
            break;   /* the empty line ending the head */
        rc = parse_field(buf, p, (size_t)e, h, &hosts, err);
        if (rc)
            return rc;
        p = (size_t)e + 2;
    }
    if (h->minor == 1 && hosts == 0)
        return gdir_err_set_param(err, GDIR_EBADREQ, "Host", "Host: required in HTTP/1.1");
    if (h->chunked && h->content_length >= 0)
        return gdir_err_set_param(err, GDIR_EBADREQ, "Content-Length",
                                  "Content-Length and Transfer-Encoding together");
    terminate(buf, h);
    return (long)(p + 2);
}

const char *http_field(const struct http_head *h, const char *name)
{
    for (size_t i = 0; i < h->n_fields; i++)
        if (ieq(h->fields[i].name, h->fields[i].name_len, name))
            return h->fields[i].value;
    return NULL;
}

/* ---- chunked bodies ---------------------------------------------------------------------- */

enum { CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF, CH_TRAILER, CH_TRAILER_LF };

static long bad_chunk(struct gdir_err *err, const char *what)
{
    return gdir_err_set_param(err, GDIR_EBADREQ, "body", "chunked body: %s", what);
}

long http_chunked_feed(struct http_chunked *c, const char *in, size_t n,
                       int (*sink)(void *cls, const char *data, size_t len, struct gdir_err *err),
                       void *cls, struct gdir_err *err)
{
    size_t i = 0;

    while (i < n && !c->done) {
        char ch = in[i];
        switch (c->state) {
        case CH_SIZE: {
            int v = gdir_hexval(ch);
            if (v >= 0) {
                if (++c->digits > 15)
                    return bad_chunk(err, "chunk size too large");
                c->left = c->left * 16 + (uint64_t)v;
            } else if (c->digits == 0) {
                return bad_chunk(err, "expected a chunk size in hexadecimal");
            } else if (ch == ';' || ch == ' ' || ch == '\t') {
                c->state = CH_EXT;
                c->line = 0;
            } else if (ch == '\r') {
                c->state = CH_SIZE_LF;
            } else {
                return bad_chunk(err, "bad byte after the chunk size");
            }
            i++;
            break;
        }
        case CH_EXT:
            if (ch == '\r')
                c->state = CH_SIZE_LF;
            else if (++c->line > MAX_CHUNK_LINE || !is_value_byte((unsigned char)ch))
                return bad_chunk(err, "chunk extension too long or with a control byte");
            i++;
            break;
        case CH_SIZE_LF:
            if (ch != '\n')
                return bad_chunk(err, "chunk size line not ended by CRLF");
            i++;
            c->digits = 0;
            if (c->left == 0) {
                c->state = CH_TRAILER;
                c->line = 0;
            } else {
                c->state = CH_DATA;
            }
            break;
        case CH_DATA: {
            size_t take = n - i < c->left ? n - i : (size_t)c->left;
            int rc = sink(cls, in + i, take, err);
            if (rc)
                return rc;
            i += take;
            c->left -= take;
            if (c->left == 0)
                c->state = CH_DATA_CR;
            break;
        }
        case CH_DATA_CR:
            if (ch != '\r')
                return bad_chunk(err, "chunk data longer than its size");
            c->state = CH_DATA_LF;
            i++;
            break;
        case CH_DATA_LF:
            if (ch != '\n')
                return bad_chunk(err, "chunk data not ended by CRLF");
            c->state = CH_SIZE;
            c->left = 0;
            i++;
            break;
        case CH_TRAILER:
            /* c->line counts the current field line; c->left the whole section */
            if (ch == '\r') {
                c->state = CH_TRAILER_LF;
            } else if (ch == '\n' || ch == '\0' || ++c->left > MAX_TRAILER) {
                return bad_chunk(err, "bad or too long trailer section");
            } else {
                c->line++;
            }
            i++;
            break;
        case CH_TRAILER_LF:
            if (ch != '\n')
                return bad_chunk(err, "trailer line not ended by CRLF");
            i++;
            if (c->line == 0)
                c->done = 1;
            c->line = 0;
            c->state = CH_TRAILER;
            break;
        default:
            return bad_chunk(err, "internal state");
        }
    }
    return (long)i;
}
