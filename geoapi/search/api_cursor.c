/*
 * api_cursor.c — encoding and strict decoding of keyset cursors (see api_cursor.h). The clear
 * text is "v1|<sort>|<a or b>|<field 1>|<field 2>|<id>":
 *   distance    field 1 = distance (%.17g), field 2 empty
 *   relevance   field 1 = tier (0, 1 or 2),   field 2 = score (%.17g)
 *   name        field 1 = folded name,     field 2 empty
 * then base64url without padding. Decoding checks every part; a token is never trusted.
 */
#include "api_cursor.h"
#include "gdir_parse.h"
#include "gdir_text.h"

#include <stdio.h>
#include <string.h>

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64_value(char c)
{
    const char *p = c ? strchr(B64, c) : NULL;
    return p ? (int)(p - B64) : -1;
}

int api_cursor_encode(enum api_sort sort, enum api_cursor_dir dir, const struct api_sort_key *key,
                      char *out, size_t cap)
{
    char clear[API_CURSOR_MAX];
    const unsigned char *s = (const unsigned char *)clear;
    size_t n, o = 0;
    int w;

    switch (sort) {
    case API_SORT_DISTANCE:
        w = snprintf(clear, sizeof clear, "v1|distance|%c|%.17g||%s",
                     dir == API_CURSOR_BEFORE ? 'b' : 'a', key->d, key->id);
        break;
    case API_SORT_RELEVANCE:
        w = snprintf(clear, sizeof clear, "v1|relevance|%c|%d|%.17g|%s",
                     dir == API_CURSOR_BEFORE ? 'b' : 'a', key->tier, key->score, key->id);
        break;
    default:
        w = snprintf(clear, sizeof clear, "v1|name|%c|%s||%s", dir == API_CURSOR_BEFORE ? 'b' : 'a',
                     key->name ? key->name : "", key->id);
        break;
    }
    if (w < 0 || (size_t)w >= sizeof clear)
        return GDIR_ETOOBIG;
    n = (size_t)w;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        size_t chunk = n - i < 3 ? n - i : 3;
        if (chunk > 1)
            v |= (unsigned)s[i + 1] << 8;
        if (chunk > 2)
            v |= s[i + 2];
        if (o + chunk + 2 > cap)
            return GDIR_ETOOBIG;
        out[o++] = B64[(v >> 18) & 63];
        out[o++] = B64[(v >> 12) & 63];
        if (chunk > 1)
            out[o++] = B64[(v >> 6) & 63];
        if (chunk > 2)
            out[o++] = B64[v & 63];
    }
    if (o >= cap || o > API_CURSOR_MAX)
        return GDIR_ETOOBIG;
    out[o] = '\0';
    return GDIR_OK;
}

static int bad(struct gdir_err *err, const char *why)
{
    return gdir_err_set_param(err, GDIR_EINVAL, "cursor",
                              "cursor: %s (use the next or prev link of an answer as it is)", why);
}

/* Splits s at the next '|': returns the field and advances *s past the bar, or NULL. */
static char *field(char **s)
{
    char *start = *s, *bar = strchr(start, '|');
    if (!bar)
        return NULL;
    *bar = '\0';
    *s = bar + 1;
    return start;
}

int api_cursor_decode(const char *token, enum api_sort sort, char *buf, size_t cap,
                      enum api_cursor_dir *dir, struct api_sort_key *key, struct gdir_err *err)
{
    size_t len = strlen(token), o = 0;
    unsigned acc = 0;
    int bits = 0;
    char *s, *version, *order, *direction, *f1, *f2;

    memset(key, 0, sizeof *key);
    *dir = API_CURSOR_NONE;
    if (len == 0 || len > API_CURSOR_MAX || cap < API_CURSOR_MAX || len % 4 == 1)
        return bad(err, "not a cursor of this server");
    for (size_t i = 0; i < len; i++) {
        int v = b64_value(token[i]);
        if (v < 0)
            return bad(err, "not a cursor of this server");
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    if ((acc & ((1u << bits) - 1)) != 0)
        return bad(err, "not a cursor of this server");   /* non-canonical trailing bits */
    buf[o] = '\0';
    if (memchr(buf, '\0', o) || !gdir_utf8_valid(buf, o))
        return bad(err, "damaged");
    s = buf;
    version = field(&s);
    order = version ? field(&s) : NULL;
    direction = order ? field(&s) : NULL;
    f1 = direction ? field(&s) : NULL;
    f2 = f1 ? field(&s) : NULL;
    if (!f2 || strcmp(version, "v1") != 0 || *s == '\0' ||
        (strcmp(direction, "a") != 0 && strcmp(direction, "b") != 0))
        return bad(err, "damaged");
    if (strcmp(order, api_sort_name(sort)) != 0) {
        char why[96];
        snprintf(why, sizeof why, "made for sort=%.20s, not sort=%s", order, api_sort_name(sort));
        return bad(err, why);
    }
    switch (sort) {
    case API_SORT_DISTANCE:
        if (gdir_parse_double(f1, 0.0, 1e9, 0, &key->d) || *f2)
            return bad(err, "damaged");
        break;
    case API_SORT_RELEVANCE:
        if ((strcmp(f1, "0") != 0 && strcmp(f1, "1") != 0 && strcmp(f1, "2") != 0) ||
            gdir_parse_double(f2, 0.0, 1e300, 0, &key->score))
            return bad(err, "damaged");
        key->tier = f1[0] - '0';
        break;
    default:
        if (*f2)
            return bad(err, "damaged");
        key->name = f1;
        break;
    }
    key->id = s;
    *dir = direction[0] == 'b' ? API_CURSOR_BEFORE : API_CURSOR_AFTER;
    return GDIR_OK;
}
