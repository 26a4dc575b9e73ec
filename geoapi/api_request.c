/*
 * api_request.c — request storage, percent-decoding, the quoting of offending values, and
 * the typed parameter getters (built on gdir_parse_*, which never accept partial numbers).
 *
 * Not here: splitting the target and checking parameter names (api_router.c).
 */
#include "api_request.h"
#include "gdir_parse.h"
#include "gdir_text.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_request_init(struct api_request *req, const struct api_config *cfg)
{
    memset(req, 0, sizeof *req);
    req->cfg = cfg;
}

void api_request_free(struct api_request *req)
{
    if (!req)
        return;
    free(req->path);
    free(req->capture_buf);
    free(req->query_buf);
    req->path = req->capture_buf = req->query_buf = NULL;
    req->n_params = req->n_captures = 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long api_pct_decode(const char *s, size_t n, int plus_space, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi, lo;
            if (i + 2 >= n)
                return -1;   /* "%" or "%4" at the end */
            hi = hexval(s[i + 1]);
            lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else if (s[i] == '+' && plus_space) {
            out[o++] = ' ';
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return (long)o;
}

const char *api_param(const struct api_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_params; i++)
        if (strcmp(req->params[i].name, name) == 0)
            return req->params[i].value;
    return NULL;
}

const char *api_capture(const struct api_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_captures; i++)
        if (strcmp(req->capture_names[i], name) == 0)
            return req->captures[i];
    return NULL;
}

void api_quote(char *out, size_t cap, const char *value)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0, len = strlen(value), shown = len > API_QUOTE_MAX ? API_QUOTE_MAX : len;
    const unsigned char *p = (const unsigned char *)value;

    if (cap < 8) {
        if (cap)
            out[0] = '\0';
        return;
    }
    out[n++] = '"';
    for (size_t i = 0; i < shown;) {
        char tmp[8];
        size_t k = 0, step = 1;
        unsigned c = p[i];
        if (c == '"' || c == '\\') {
            tmp[k++] = '\\';
            tmp[k++] = (char)c;
        } else if (c >= 0x20 && c < 0x7f) {
            tmp[k++] = (char)c;
        } else {
            size_t seq = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            if (c >= 0x80 && seq > 1 && i + seq <= len &&
                gdir_utf8_valid((const char *)p + i, seq)) {
                memcpy(tmp, p + i, seq);   /* a whole, valid character: shown as is */
                k = seq;
                step = seq;
            } else {
                tmp[k++] = '\\';
                tmp[k++] = 'x';
                tmp[k++] = hex[c >> 4];
                tmp[k++] = hex[c & 15];
            }
        }
        if (n + k + 5 > cap)
            break;
        memcpy(out + n, tmp, k);
        n += k;
        i += step;
    }
    if (shown < len && n + 5 <= cap) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n++] = '"';
    out[n] = '\0';
}

int api_param_invalid(struct gdir_err *err, const char *name, const char *value,
                      const char *expected)
{
    char quoted[API_QUOTE_MAX * 4 + 16];
    api_quote(quoted, sizeof quoted, value);
    return gdir_err_set_param(err, GDIR_EINVAL, name, "%s: %s, got %s", name, expected, quoted);
}

static int required_double(const struct api_request *req, const char *name, double min,
                           double max, const char *expected, double *out, struct gdir_err *err)
{
    const char *v = api_param(req, name);
    if (!v)
        return gdir_err_set_param(err, GDIR_EINVAL, name, "%s: required (%s)", name, expected);
    if (gdir_parse_double(v, min, max, 0, out))
        return api_param_invalid(err, name, v, expected);
    return GDIR_OK;
}

int api_param_lat(const struct api_request *req, double *lat, struct gdir_err *err)
{
    return required_double(req, "lat", -90.0, 90.0, "expected a number between -90 and 90", lat,
                           err);
}

int api_param_lon(const struct api_request *req, double *lon, struct gdir_err *err)
{
    return required_double(req, "lon", -180.0, 180.0, "expected a number between -180 and 180",
                           lon, err);
}

int api_param_radius(const struct api_request *req, double *radius, struct gdir_err *err)
{
    const char *v = api_param(req, "radius");
    char expected[96];

    if (!v) {
        *radius = (double)req->cfg->default_radius;
        return GDIR_OK;
    }
    snprintf(expected, sizeof expected, "expected a number of metres between 0 and %ld",
             req->cfg->max_radius);
    if (gdir_parse_double(v, 0.0, (double)req->cfg->max_radius, 0, radius))
        return api_param_invalid(err, "radius", v, expected);
    return GDIR_OK;
}

int api_param_limit(const struct api_request *req, long *limit, struct gdir_err *err)
{
    const char *v = api_param(req, "limit");
    long n;

    if (!v) {
        *limit = req->cfg->default_limit;
        return GDIR_OK;
    }
    if (gdir_parse_long(v, 1, LONG_MAX, &n)) {
        /* A positive integer too long for a long is still "above the maximum": clamp it. */
        size_t len = strlen(v), digits = strspn(v, "0123456789");
        if (!(len > 0 && digits == len && v[0] != '0'))
            return api_param_invalid(err, "limit", v, "expected an integer of at least 1");
        n = LONG_MAX;
    }
    *limit = n > req->cfg->max_limit ? req->cfg->max_limit : n;
    return GDIR_OK;
}

int api_param_category(const struct api_request *req, const struct gdir_category **cat,
                       struct gdir_err *err)
{
    const char *v = api_param(req, "category");
    *cat = NULL;
    if (!v)
        return GDIR_OK;
    *cat = gdir_category_find(v);
    if (!*cat)
        return api_param_invalid(err, "category", v,
                                 "expected a category code listed by /api/categories");
    return GDIR_OK;
}

int api_param_commune(const struct api_request *req, const char **insee, struct gdir_err *err)
{
    const char *v = api_param(req, "commune");
    int ok;

    *insee = NULL;
    if (!v)
        return GDIR_OK;
    ok = strlen(v) == 5 && strspn(v + 2, "0123456789") == 3 &&
         (strspn(v, "0123456789") >= 2 || (v[0] == '2' && (v[1] == 'A' || v[1] == 'B')));
    if (!ok)
        return api_param_invalid(err, "commune", v,
                                 "expected the INSEE code of a member commune (5 characters)");
    *insee = v;
    return GDIR_OK;
}
