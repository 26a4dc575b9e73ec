/*
 * gdir_json.c — streaming JSON writer. See gdir_json.h for the contract.
 */
#include "gdir_json.h"
#include "gdir_err.h"
#include "gdir_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void gdir_json_init(struct gdir_json *j, struct gdir_buf *out)
{
    j->out = out;
    j->depth = 0;
    j->first[0] = 1;
    j->after_key = 0;
    j->err = out->err;
}

void gdir_json_init_members(struct gdir_json *j, struct gdir_buf *out, int has_members)
{
    gdir_json_init(j, out);
    j->first[0] = has_members ? 0 : 1;
}

static int check(struct gdir_json *j, int rc)
{
    if (rc && !j->err)
        j->err = rc;
    return j->err;
}

/* Writes the separator that must precede a value at the current level. */
static int sep(struct gdir_json *j)
{
    if (j->err)
        return j->err;
    if (j->after_key) {
        j->after_key = 0;
        return 0;
    }
    if (!j->first[j->depth])
        return check(j, gdir_buf_addc(j->out, ','));
    j->first[j->depth] = 0;
    return 0;
}

static int open_level(struct gdir_json *j, char c)
{
    if (sep(j))
        return j->err;
    if (j->depth + 1 >= GDIR_JSON_MAX_DEPTH)
        return check(j, GDIR_EINTERNAL);
    j->depth++;
    j->first[j->depth] = 1;
    return check(j, gdir_buf_addc(j->out, c));
}

static int close_level(struct gdir_json *j, char c)
{
    if (j->err)
        return j->err;
    if (j->depth == 0 || j->after_key)
        return check(j, GDIR_EINTERNAL);
    j->depth--;
    return check(j, gdir_buf_addc(j->out, c));
}

int gdir_json_obj_begin(struct gdir_json *j) { return open_level(j, '{'); }
int gdir_json_obj_end(struct gdir_json *j) { return close_level(j, '}'); }
int gdir_json_arr_begin(struct gdir_json *j) { return open_level(j, '['); }
int gdir_json_arr_end(struct gdir_json *j) { return close_level(j, ']'); }

int gdir_json_escape(struct gdir_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    const unsigned char *run = p;   /* start of bytes copied verbatim */
    int rc = 0;

    while (p < end && !rc) {
        unsigned c = *p;
        const char *esc = NULL;
        char ubuf[7];
        size_t skip = 1;

        if (c < 0x20 || c == '"' || c == '\\') {
            switch (c) {
            case '"': esc = "\\\""; break;
            case '\\': esc = "\\\\"; break;
            case '\n': esc = "\\n"; break;
            case '\r': esc = "\\r"; break;
            case '\t': esc = "\\t"; break;
            case '\b': esc = "\\b"; break;
            case '\f': esc = "\\f"; break;
            default:
                snprintf(ubuf, sizeof ubuf, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
                esc = ubuf;
            }
        } else if (c >= 0x80) {
            /* Find the length of a valid sequence; replace anything invalid by U+FFFD. */
            size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
            if ((size_t)(end - p) < len || !gdir_utf8_valid((const char *)p, len)) {
                esc = "\xEF\xBF\xBD";
            } else {
                skip = len;
                if (len == 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
                    esc = p[2] == 0xA8 ? "\\u2028" : "\\u2029";
            }
        }
        if (esc) {
            rc = gdir_buf_add(b, run, (size_t)(p - run));
            if (!rc)
                rc = gdir_buf_adds(b, esc);
            p += skip;
            run = p;
        } else {
            p += skip;
        }
    }
    if (!rc)
        rc = gdir_buf_add(b, run, (size_t)(p - run));
    return rc;
}

/* The common case of short printable ASCII without '"' or '\\' (every key, most values):
 * quoted (and followed by suffix, "" or ":") in one append. Returns 1 when done that way,
 * 0 when s needs gdir_json_escape. Same bytes either way; it only saves calls (a page of
 * places writes some 600 keys). */
static int plain_quoted(struct gdir_json *j, const char *s, size_t n, const char *suffix)
{
    char tmp[96];
    size_t k = strlen(suffix);

    if (n + 2 + k > sizeof tmp)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
            return 0;
    }
    tmp[0] = '"';
    memcpy(tmp + 1, s, n);
    tmp[n + 1] = '"';
    memcpy(tmp + n + 2, suffix, k);
    check(j, gdir_buf_add(j->out, tmp, n + 2 + k));
    return 1;
}

int gdir_json_strn(struct gdir_json *j, const char *s, size_t n)
{
    if (sep(j))
        return j->err;
    if (!s)
        return check(j, gdir_buf_adds(j->out, "null"));
    if (plain_quoted(j, s, n, ""))
        return j->err;
    if (check(j, gdir_buf_addc(j->out, '"')) || check(j, gdir_json_escape(j->out, s, n)))
        return j->err;
    return check(j, gdir_buf_addc(j->out, '"'));
}

int gdir_json_str(struct gdir_json *j, const char *s)
{
    return gdir_json_strn(j, s, s ? strlen(s) : 0);
}

int gdir_json_key(struct gdir_json *j, const char *key)
{
    if (key && !j->err && !j->after_key) {
        if (sep(j))
            return j->err;
        if (!plain_quoted(j, key, strlen(key), ":")) {
            if (check(j, gdir_buf_addc(j->out, '"')) ||
                check(j, gdir_json_escape(j->out, key, strlen(key))) ||
                check(j, gdir_buf_adds(j->out, "\":")))
                return j->err;
        }
        j->after_key = !j->err;
        return j->err;
    }
    if (gdir_json_str(j, key))
        return j->err;
    j->after_key = 1;
    return check(j, gdir_buf_addc(j->out, ':'));
}

int gdir_json_int(struct gdir_json *j, long long v)
{
    if (sep(j))
        return j->err;
    return check(j, gdir_buf_printf(j->out, "%lld", v));
}

/* v with `decimals` decimals, printf's correctly rounded %.*f, trailing zeros dropped, written
 * without printf when the rounding is certain: x = |v|·10^d is computed with one rounding (10^d
 * is exact), so it is within x·2^-53 of the true product; unless its fraction is that close to
 * one half, x and the true product round to the same integer. Returns the length written into
 * out (at least 32 bytes), or 0 when printf must decide (large or odd values, near-halves).
 * Numbers are most of a page of places or features, and printf was a tenth of its time. */
static size_t fixed_fast(double v, int decimals, char *out)
{
    static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    char digits[24];
    char *o = out;
    double x, fl, frac;
    unsigned long long k;
    int n = 0;

    if (!(decimals >= 0 && decimals <= 9 && fabs(v) < 1e9))
        return 0;
    x = fabs(v) * pow10[decimals];
    fl = floor(x);
    frac = x - fl;
    if (fabs(frac - 0.5) <= x * 0x1p-52 + 0x1p-60)
        return 0;
    k = (unsigned long long)fl + (frac > 0.5);
    if (k == 0) {                         /* "0", also for what printf writes "-0.000" */
        *o = '0';
        return 1;
    }
    for (; k > 0 || n <= decimals; k /= 10)   /* digits, least significant first */
        digits[n++] = (char)('0' + k % 10);
    if (v < 0)
        *o++ = '-';
    for (int i = n - 1; i >= decimals; i--)
        *o++ = digits[i];
    {
        int last = 0;                     /* lowest non-zero decimal */
        while (last < decimals && digits[last] == '0')
            last++;
        if (last < decimals) {
            *o++ = '.';
            for (int i = decimals - 1; i >= last; i--)
                *o++ = digits[i];
        }
    }
    return (size_t)(o - out);
}

int gdir_json_num(struct gdir_json *j, double v, int decimals)
{
    char tmp[64];
    size_t fast;
    if (sep(j))
        return j->err;
    if (!isfinite(v))
        return check(j, gdir_buf_adds(j->out, "null"));
    if (decimals < 0)
        decimals = 0;
    if (decimals > 15)
        decimals = 15;
    fast = fixed_fast(v, decimals, tmp);
    if (fast)
        return check(j, gdir_buf_add(j->out, tmp, fast));
    int n = snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    if (n <= 0 || (size_t)n >= sizeof tmp) {
        n = snprintf(tmp, sizeof tmp, "%.17g", v);   /* huge magnitudes */
    } else if (decimals > 0) {
        while (n > 0 && tmp[n - 1] == '0')
            tmp[--n] = '\0';
        if (n > 0 && tmp[n - 1] == '.')
            tmp[--n] = '\0';
    }
    if (strcmp(tmp, "-0") == 0)
        return check(j, gdir_buf_adds(j->out, "0"));
    return check(j, gdir_buf_adds(j->out, tmp));
}

int gdir_json_bool(struct gdir_json *j, int v)
{
    if (sep(j))
        return j->err;
    return check(j, gdir_buf_adds(j->out, v ? "true" : "false"));
}

int gdir_json_null(struct gdir_json *j)
{
    if (sep(j))
        return j->err;
    return check(j, gdir_buf_adds(j->out, "null"));
}

int gdir_json_raw(struct gdir_json *j, const char *json)
{
    if (sep(j))
        return j->err;
    return check(j, gdir_buf_adds(j->out, json));
}

int gdir_json_kstr(struct gdir_json *j, const char *key, const char *s)
{
    return gdir_json_key(j, key) ? j->err : gdir_json_str(j, s);
}

int gdir_json_kstr_nonempty(struct gdir_json *j, const char *key, const char *s)
{
    return gdir_json_kstr(j, key, s && *s ? s : NULL);
}

int gdir_json_kint(struct gdir_json *j, const char *key, long long v)
{
    return gdir_json_key(j, key) ? j->err : gdir_json_int(j, v);
}

int gdir_json_knum(struct gdir_json *j, const char *key, double v, int decimals)
{
    return gdir_json_key(j, key) ? j->err : gdir_json_num(j, v, decimals);
}

int gdir_json_kbool(struct gdir_json *j, const char *key, int v)
{
    return gdir_json_key(j, key) ? j->err : gdir_json_bool(j, v);
}

int gdir_json_error(const struct gdir_json *j)
{
    return j->err;
}

int gdir_json_point(struct gdir_json *j, double lon, double lat, int decimals)
{
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "Point");
    gdir_json_key(j, "coordinates");
    gdir_json_arr_begin(j);
    gdir_json_num(j, lon, decimals);
    gdir_json_num(j, lat, decimals);
    gdir_json_arr_end(j);
    return gdir_json_obj_end(j);
}

int gdir_json_kstrs(struct gdir_json *j, const char *key, char *const *v, size_t n)
{
    gdir_json_key(j, key);
    gdir_json_arr_begin(j);
    for (size_t i = 0; i < n; i++)
        gdir_json_str(j, v[i]);
    return gdir_json_arr_end(j);
}
