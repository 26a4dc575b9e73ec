/*
 * api_http.c — Accept and Accept-Encoding parsing, entity tags (FNV-1a 64) and If-None-Match
 * matching, gzip with zlib. See api_http.h.
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
 * "q=" parameter says otherwise; an unreadable q counts as 0). */
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
            char num[8];
            size_t n = (size_t)((next ? next : end) - (param + 2));
            char *stop;
            it->q = 0;
            if (n > 0 && n < sizeof num) {
                memcpy(num, param + 2, n);
                num[n] = '\0';
                double q = strtod(num, &stop);
                while (*stop == ' ' || *stop == '\t')
                    stop++;
                if (*stop == '\0' && q >= 0 && q <= 1 && num[0] >= '0' && num[0] <= '9')
                    it->q = q;
            }
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

int api_accept_format(const char *accept, enum api_format *out)
{
    /* q of each type by specificity: [0] exact, [1] application/ *, [2] * / * ; -1 unset. */
    double geo[3] = {-1, -1, -1}, json[3] = {-1, -1, -1}, qg = -1, qj = -1;
    struct item it;
    const char *p = accept;

    *out = API_FMT_GEOJSON;
    if (!accept || *skip_ws(accept) == '\0')
        return 0;
    while (next_item(&p, &it)) {
        if (tok_is(&it, "application/geo+json"))
            geo[0] = it.q > geo[0] ? it.q : geo[0];
        else if (tok_is(&it, "application/json"))
            json[0] = it.q > json[0] ? it.q : json[0];
        else if (tok_is(&it, "application/*")) {
            geo[1] = json[1] = it.q > geo[1] ? it.q : geo[1];
        } else if (tok_is(&it, "*/*")) {
            geo[2] = json[2] = it.q > geo[2] ? it.q : geo[2];
        }
    }
    for (int i = 0; i < 3; i++) {
        if (qg < 0 && geo[i] >= 0)
            qg = geo[i];
        if (qj < 0 && json[i] >= 0)
            qj = json[i];
    }
    if (qg <= 0 && qj <= 0)
        return GDIR_ENOTACCEPT;
    *out = qj > qg ? API_FMT_JSON : API_FMT_GEOJSON;
    return 0;
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

uint64_t api_hash(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

uint64_t api_hash_str(uint64_t h, const char *s)
{
    return api_hash(h, s ? s : "", (s ? strlen(s) : 0) + 1);
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
