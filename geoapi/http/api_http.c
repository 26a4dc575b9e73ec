/*
 * api_http.c — Accept (geoapi's one parser: q-values, wildcards, the most specific range
 * deciding) and Accept-Encoding parsing, entity tags (of an FNV-1a 64 hash, gdir_hash.h) and
 * If-None-Match matching, Range and If-Range, gzip with zlib. See api_http.h.
 *
 * Header values are untrusted: every parser here reads within the string's NUL, tolerates
 * any junk (an unreadable item is skipped) and never allocates.
 *
 * Not here: which answers carry which header (api_router.c, api_server.c).
 */
#include "api_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* One item of a comma-separated header: its token (before ';', trimmed) and its q (1 unless a
 * "q=" parameter says otherwise; a malformed q counts as 0). */
struct item {
    const char *tok;
    size_t len;
    double q;
};

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), s[0..n)
 * trailing whitespace allowed. Returns the value, or -1 when s is not a qvalue. */
static double qvalue(const char *s, size_t n)
{
    double q, scale = 0.1;
    size_t i = 1;

    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || (s[0] != '0' && s[0] != '1'))
        return -1;
    q = s[0] - '0';
    if (n == 1)
        return q;
    if (s[1] != '.' || n > 5)
        return -1;
    for (i = 2; i < n; i++, scale /= 10) {
        if (s[i] < '0' || s[i] > '9' || (q >= 1 && s[i] != '0'))
            return -1;
        q += (s[i] - '0') * scale;
    }
    return q;
}

/* Reads the item at *p and advances past its comma; returns 0 at the end of the header. */
static int next_item(const char **p, struct item *it)
{
    const char *s = skip_ws(*p), *end, *semi;
    if (*s == '\0')
        return 0;
    end = strchr(s, ',');
    if (!end)
        end = s + strlen(s);
    semi = memchr(s, ';', (size_t)(end - s));
    it->tok = s;
    it->len = (size_t)((semi ? semi : end) - s);
    while (it->len > 0 && (s[it->len - 1] == ' ' || s[it->len - 1] == '\t'))
        it->len--;
    it->q = 1.0;
    while (semi) {
        const char *param = skip_ws(semi + 1), *next = memchr(param, ';', (size_t)(end - param));
        if ((param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
            double q = qvalue(param + 2, (size_t)((next ? next : end) - (param + 2)));
            it->q = q < 0 ? 0 : q;
            break;   /* what follows q is accept-ext, not the range's parameters */
        }
        semi = next;
    }
    *p = *end ? end + 1 : end;
    return 1;
}

static int tok_is(const struct item *it, const char *s)
{
    return strlen(s) == it->len && strncasecmp(it->tok, s, it->len) == 0;
}

/* How specifically the range it names type: 3 type/subtype, 2 type/ *, 1 * / *, 0 not. */
static int range_match(const struct item *it, const char *type)
{
    size_t tlen = strcspn(type, "/");
    if (tok_is(it, type))
        return 3;
    if (it->len == tlen + 2 && strncasecmp(it->tok, type, tlen + 1) == 0 &&
        it->tok[tlen + 1] == '*')
        return 2;
    return tok_is(it, "*/*") ? 1 : 0;
}

double api_accept_q(const char *accept, const char *type)
{
    double q = -1;
    int spec = 0, m;
    struct item it;
    const char *p = accept;

    if (!accept)
        return -1;
    while (next_item(&p, &it)) {
        m = range_match(&it, type);
        if (m > spec || (m == spec && m > 0 && it.q > q)) {
            spec = m;
            q = it.q;
        }
    }
    return q;
}

int api_accept_pick(const char *accept, const char *const *types, size_t n, size_t *out)
{
    double best = 0;
    int found = 0;

    *out = 0;
    if (!accept || *skip_ws(accept) == '\0')
        return 0;
    for (size_t i = 0; i < n; i++) {
        double q = api_accept_q(accept, types[i]);
        if (q > best) {
            best = q;
            *out = i;
            found = 1;
        }
    }
    return found ? 0 : GDIR_ENOTACCEPT;
}

int api_accept_format(const char *accept, enum api_format *out)
{
    static const char *const types[] = {"application/geo+json", "application/json"};
    size_t i;
    int rc = api_accept_pick(accept, types, 2, &i);

    *out = i == 1 ? API_FMT_JSON : API_FMT_GEOJSON;
    return rc;
}

int api_accept_gzip(const char *accept_encoding)
{
    double gz = -1, star = -1;
    struct item it;
    const char *p = accept_encoding;

    if (!accept_encoding)
        return 0;
    while (next_item(&p, &it)) {
        if (tok_is(&it, "gzip") || tok_is(&it, "x-gzip"))
            gz = it.q > gz ? it.q : gz;
        else if (tok_is(&it, "*"))
            star = it.q;
    }
    return gz >= 0 ? gz > 0 : star > 0;
}

void api_etag_format(uint64_t h, char *out, size_t cap)
{
    snprintf(out, cap, "\"%016llx\"", (unsigned long long)h);
}

/* The opaque part of a tag without W/, quotes and a trailing "-gz". */
static void opaque(const char *tag, size_t len, const char **s, size_t *n)
{
    if (len >= 2 && tag[0] == 'W' && tag[1] == '/') {
        tag += 2;
        len -= 2;
    }
    if (len >= 2 && tag[0] == '"' && tag[len - 1] == '"') {
        tag++;
        len -= 2;
    }
    if (len >= 3 && memcmp(tag + len - 3, "-gz", 3) == 0)
        len -= 3;
    *s = tag;
    *n = len;
}

int api_etag_matches(const char *if_none_match, const char *etag)
{
    const char *want, *p = if_none_match;
    size_t want_n;
    struct item it;

    if (!if_none_match || !etag || !*etag)
        return 0;
    opaque(etag, strlen(etag), &want, &want_n);
    while (next_item(&p, &it)) {
        const char *s;
        size_t n;
        if (it.len == 1 && it.tok[0] == '*')
            return 1;
        opaque(it.tok, it.len, &s, &n);
        if (n == want_n && memcmp(s, want, n) == 0)
            return 1;
    }
    return 0;
}

/* Reads the digits at *p saturating at UINT64_MAX; 0 when there is none. */
static int range_num(const char **p, uint64_t *v)
{
    const char *s = *p;
    *v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        *v = *v > (UINT64_MAX - d) / 10 ? UINT64_MAX : *v * 10 + d;
    }
    if (s == *p)
        return 0;
    *p = s;
    return 1;
}

/* One range-spec at *p (int-range or suffix-range, no whitespace inside): 1 and the bounds
 * (*suffix set for "-n", *last = UINT64_MAX for "a-"), 0 when malformed. */
static int range_spec(const char **p, uint64_t *a, uint64_t *b, int *suffix)
{
    *suffix = **p == '-';
    if (*suffix) {
        (*p)++;
        *a = 0;
        return range_num(p, b);
    }
    if (!range_num(p, a) || **p != '-')
        return 0;
    (*p)++;
    if (!range_num(p, b))
        *b = UINT64_MAX;
    return *b >= *a;
}

enum api_range api_range_parse(const char *range, uint64_t size, uint64_t *first,
                               uint64_t *last)
{
    const char *p;
    uint64_t a = 0, b = 0;
    int suffix = 0, n = 0;

    *first = *last = 0;
    if (!range || size == 0)
        return API_RANGE_NONE;
    p = skip_ws(range);
    if (strncasecmp(p, "bytes=", 6) != 0)
        return API_RANGE_NONE;
    p += 6;
    for (;;) {   /* 1#range-spec: OWS around commas, empty elements allowed */
        p = skip_ws(p);
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '\0')
            break;
        if (!range_spec(&p, &a, &b, &suffix) || ++n > 1)
            return API_RANGE_NONE;
        p = skip_ws(p);
        if (*p != ',' && *p != '\0')
            return API_RANGE_NONE;
    }
    if (n != 1)
        return API_RANGE_NONE;
    if (suffix) {
        if (b == 0)
            return API_RANGE_UNSATISFIABLE;
        *first = b >= size ? 0 : size - b;
        *last = size - 1;
        return API_RANGE_ONE;
    }
    if (a >= size)
        return API_RANGE_UNSATISFIABLE;
    *first = a;
    *last = b >= size ? size - 1 : b;
    return API_RANGE_ONE;
}

int api_if_range_ok(const char *if_range, const char *etag, const char *last_modified)
{
    const char *s;
    size_t n;

    if (!if_range)
        return 1;
    s = skip_ws(if_range);
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n >= 2 && s[0] == 'W' && s[1] == '/')
        return 0;   /* a weak tag never validates a range */
    if (n > 0 && s[0] == '"')
        return etag && strlen(etag) == n && memcmp(s, etag, n) == 0;
    return last_modified && strlen(last_modified) == n && memcmp(s, last_modified, n) == 0;
}

int api_gzip(const char *in, size_t n, int level, char **out, size_t *out_len)
{
    z_stream z;
    size_t cap;
    char *buf;
    int zr;

    *out = NULL;
    *out_len = 0;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return GDIR_EINTERNAL;
    cap = deflateBound(&z, (uLong)n);
    buf = malloc(cap);
    if (!buf) {
        deflateEnd(&z);
        return GDIR_ENOMEM;
    }
    z.next_in = (Bytef *)(uintptr_t)in;     /* zlib does not write through next_in */
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)buf;
    z.avail_out = (uInt)cap;
    zr = deflate(&z, Z_FINISH);
    if (zr != Z_STREAM_END) {
        deflateEnd(&z);
        free(buf);
        return GDIR_EINTERNAL;
    }
    *out_len = z.total_out;
    deflateEnd(&z);
    *out = buf;
    return 0;
}
