/*
 * api_request.c — request storage, percent-decoding, the quoting of offending values, and
 * the typed parameter getters (built on gdir_parse_*, which never accept partial numbers).
 *
 * Not here: splitting the target and checking parameter names (api_router.c).
 */
#include "api_request.h"
#include "gdir_buf.h"
#include "gdir_hours.h"
#include "gdir_parse.h"
#include "gdir_text.h"
#include "http_parse.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_request_init(struct api_request *req, const struct api_config *cfg)
{
    memset(req, 0, sizeof *req);
    req->cfg = cfg;
}

struct api_headers api_headers_of(const struct http_head *hd)
{
    return (struct api_headers){
        .accept = http_field(hd, "Accept"),
        .accept_encoding = http_field(hd, "Accept-Encoding"),
        .if_none_match = http_field(hd, "If-None-Match"),
        .range = http_field(hd, "Range"),
        .if_range = http_field(hd, "If-Range"),
        .origin = http_field(hd, "Origin"),
        .acr_method = http_field(hd, "Access-Control-Request-Method"),
        .acr_headers = http_field(hd, "Access-Control-Request-Headers"),
        .host = http_field(hd, "Host"),
        .forwarded_proto = http_field(hd, "X-Forwarded-Proto"),
        .content_type = http_field(hd, "Content-Type"),
        .cookie = http_field(hd, "Cookie"),
        .csrf_token = http_field(hd, "X-CSRF-Token"),
    };
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

long api_pct_decode(const char *s, size_t n, int plus_space, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi, lo;
            if (i + 2 >= n)
                return -1;   /* "%" or "%4" at the end */
            hi = gdir_hexval(s[i + 1]);
            lo = gdir_hexval(s[i + 2]);
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

/* 1 when a Host header names this machine's loopback interface ("127.0.0.1:8080",
 * "localhost", "[::1]:8080"): the only Host trusted in links when public_url is not set. Any
 * other name could be a client's invention, and a cache in front would hand its links to
 * everyone (issue 10 D8). */
static int host_is_loopback(const char *h)
{
    size_t n;
    if (!h)
        return 0;
    if (strncmp(h, "[::1]", 5) == 0)
        n = 5;
    else if (strncmp(h, "localhost", 9) == 0)
        n = 9;
    else if (strncmp(h, "127.", 4) == 0)
        n = 4 + strspn(h + 4, "0123456789.");
    else
        return 0;
    if (h[n] == '\0')
        return 1;
    return h[n] == ':' && h[n + 1] && strspn(h + n + 1, "0123456789") == strlen(h + n + 1) &&
           strlen(h + n + 1) <= 5;
}

int api_public_base(const struct api_request *req, struct gdir_buf *out)
{
    const struct api_headers *h = req->headers;
    const char *pub = req->cfg ? req->cfg->public_url : NULL;

    if (pub && pub[0])
        return gdir_buf_adds(out, pub);
    if (h && host_is_loopback(h->host))
        return gdir_buf_printf(out, "http://%s", h->host);
    return out->err;
}

int api_pct_encode(struct gdir_buf *b, const char *s, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && !rc; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~' || (keep_slash && *p == '/')) {
            rc = gdir_buf_addc(b, (char)*p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            rc = gdir_buf_add(b, e, 3);
        }
    }
    return rc;
}

const char *api_param(const struct api_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_params; i++)
        if (strcmp(req->params[i].name, name) == 0)
            return req->params[i].value;
    return NULL;
}

size_t api_param_values(const struct api_request *req, const char *name, const char **vals,
                        size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < req->n_params; i++)
        if (strcmp(req->params[i].name, name) == 0) {
            if (n < max)
                vals[n] = req->params[i].value;
            n++;
        }
    return n;
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

int api_insee_valid(const char *v)
{
    return strlen(v) == 5 && strspn(v + 2, "0123456789") == 3 &&
           (strspn(v, "0123456789") >= 2 || (v[0] == '2' && (v[1] == 'A' || v[1] == 'B')));
}

int api_param_commune(const struct api_request *req, const char **insee, struct gdir_err *err)
{
    const char *v = api_param(req, "commune");

    *insee = NULL;
    if (!v)
        return GDIR_OK;
    if (!api_insee_valid(v))
        return api_param_invalid(err, "commune", v,
                                 "expected the INSEE code of a member commune (5 characters)");
    *insee = v;
    return GDIR_OK;
}

/* Calls fn(cls, item, len) for each comma-separated item of v; refuses empty items. */
typedef int item_fn(void *cls, const char *item, size_t len, struct gdir_err *err);
static int each_item(const char *name, const char *v, item_fn *fn, void *cls, struct gdir_err *err)
{
    const char *p = v;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        int rc;
        if (len == 0)
            return api_param_invalid(err, name, v, "expected a comma-separated list without "
                                                   "empty items");
        rc = fn(cls, p, len, err);
        if (rc)
            return rc;
        if (!comma)
            return GDIR_OK;
        p = comma + 1;
    }
}

struct cat_list {
    const char *name, *v;
    const struct gdir_category **out;
    size_t max, n;
};

static int cat_item(void *cls, const char *item, size_t len, struct gdir_err *err)
{
    struct cat_list *l = cls;
    char code[64];
    const struct gdir_category *c = NULL;
    if (len < sizeof code) {
        memcpy(code, item, len);
        code[len] = '\0';
        c = gdir_category_find(code);
    }
    if (!c) {
        char shown[sizeof code];
        snprintf(shown, sizeof shown, "%.*s", (int)(len < sizeof code ? len : sizeof code - 1),
                 item);
        return api_param_invalid(err, l->name, shown,
                                 "expected category codes listed by /api/categories");
    }
    if (l->n == l->max) {
        char expected[64];
        snprintf(expected, sizeof expected, "expected at most %zu categories", l->max);
        return api_param_invalid(err, l->name, l->v, expected);
    }
    l->out[l->n++] = c;
    return GDIR_OK;
}

int api_param_categories(const struct api_request *req, const struct gdir_category **out,
                         size_t max, size_t *n, struct gdir_err *err)
{
    const char *v = api_param(req, "category");
    struct cat_list l = {"category", v, out, max, 0};
    int rc;

    *n = 0;
    if (!v)
        return GDIR_OK;
    rc = each_item("category", v, cat_item, &l, err);
    *n = rc ? 0 : l.n;
    return rc;
}

struct commune_list {
    const char *v;
    char (*out)[8];
    size_t max, n;
};

static int commune_item(void *cls, const char *item, size_t len, struct gdir_err *err)
{
    struct commune_list *l = cls;
    char code[8];
    if (len != 5) {
        char shown[API_QUOTE_MAX + 1];
        snprintf(shown, sizeof shown, "%.*s", (int)(len < API_QUOTE_MAX ? len : API_QUOTE_MAX),
                 item);
        return api_param_invalid(err, "commune", shown,
                                 "expected INSEE codes of member communes (5 characters)");
    }
    memcpy(code, item, 5);
    code[5] = '\0';
    if (!api_insee_valid(code))
        return api_param_invalid(err, "commune", code,
                                 "expected INSEE codes of member communes (5 characters)");
    if (l->n == l->max) {
        char expected[64];
        snprintf(expected, sizeof expected, "expected at most %zu communes", l->max);
        return api_param_invalid(err, "commune", l->v, expected);
    }
    memcpy(l->out[l->n++], code, 6);
    return GDIR_OK;
}

int api_param_communes(const struct api_request *req, char (*out)[8], size_t max, size_t *n,
                       struct gdir_err *err)
{
    const char *v = api_param(req, "commune");
    struct commune_list l = {v, out, max, 0};
    int rc;

    *n = 0;
    if (!v)
        return GDIR_OK;
    rc = each_item("commune", v, commune_item, &l, err);
    *n = rc ? 0 : l.n;
    return rc;
}

int api_param_bbox(const struct api_request *req, int *has, struct gdir_bbox *box,
                   struct gdir_err *err)
{
    static const char expected[] =
        "expected minlon,minlat,maxlon,maxlat in degrees (min <= max, lon -180..180, "
        "lat -90..90)";
    const char *v = api_param(req, "bbox");
    double n[4];
    const char *p;
    size_t i = 0;

    *has = 0;
    if (!v)
        return GDIR_OK;
    for (p = v; i < 4; i++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char num[64];
        if ((i < 3) != (comma != NULL) || len == 0 || len >= sizeof num)
            return api_param_invalid(err, "bbox", v, expected);
        memcpy(num, p, len);
        num[len] = '\0';
        if (gdir_parse_double(num, i % 2 ? -90.0 : -180.0, i % 2 ? 90.0 : 180.0, 0, &n[i]))
            return api_param_invalid(err, "bbox", v, expected);
        p = comma ? comma + 1 : p + len;
    }
    if (n[0] > n[2] || n[1] > n[3])
        return api_param_invalid(err, "bbox", v, expected);
    box->minlon = n[0];
    box->minlat = n[1];
    box->maxlon = n[2];
    box->maxlat = n[3];
    *has = 1;
    return GDIR_OK;
}

int api_param_k(const struct api_request *req, long *k, struct gdir_err *err)
{
    const char *v = api_param(req, "k");
    char expected[80];

    *k = 0;
    if (!v)
        return GDIR_OK;
    snprintf(expected, sizeof expected, "expected an integer between 1 and %ld",
             req->cfg->max_limit);
    if (gdir_parse_long(v, 1, req->cfg->max_limit, k))
        return api_param_invalid(err, "k", v, expected);
    return GDIR_OK;
}

int api_param_q(const struct api_request *req, const char **q, struct gdir_err *err)
{
    const char *v = api_param(req, "q");
    size_t len;

    *q = NULL;
    if (!v)
        return GDIR_OK;
    len = strlen(v);
    if (len == 0)
        return gdir_err_set_param(err, GDIR_EINVAL, "q", "q: empty (leave it out to search "
                                                         "without text)");
    if (len > (size_t)req->cfg->max_q_len)
        return gdir_err_set_param(err, GDIR_EINVAL, "q", "q: %zu bytes, the maximum is %ld", len,
                                  req->cfg->max_q_len);
    *q = v;
    return GDIR_OK;
}

int api_param_bool(const struct api_request *req, const char *name, int *has, int *value,
                   struct gdir_err *err)
{
    const char *v = api_param(req, name);
    *has = 0;
    *value = 0;
    if (!v)
        return GDIR_OK;
    if (gdir_parse_bool(v, value))
        return api_param_invalid(err, name, v, "expected true or false");
    *has = 1;
    return GDIR_OK;
}

int api_param_time(const struct api_request *req, const char *name, int *has, time_t *t,
                   struct gdir_err *err)
{
    const char *v = api_param(req, name);
    char buf[40];
    size_t len;

    *has = 0;
    if (!v)
        return GDIR_OK;
    len = strlen(v);
    if (len >= sizeof buf)
        return api_param_invalid(err, name, v, "expected an ISO 8601 time "
                                               "(2026-07-14T10:30, optionally Z or +02:00)");
    memcpy(buf, v, len + 1);
    if (len > 16 && buf[len - 6] == ' ' && buf[len - 3] == ':')
        buf[len - 6] = '+';   /* "...T10:30:00+02:00" sent with a bare '+' */
    if (gdir_paris_parse(buf, t))
        return api_param_invalid(err, name, v, "expected an ISO 8601 time "
                                               "(2026-07-14T10:30, optionally Z or +02:00)");
    *has = 1;
    return GDIR_OK;
}

int api_param_enum(const struct api_request *req, const char *name, const char *const *choices,
                   int *index, struct gdir_err *err)
{
    const char *v = api_param(req, name);
    char expected[160];
    size_t n = 0;

    *index = -1;
    if (!v)
        return GDIR_OK;
    for (int i = 0; choices[i]; i++)
        if (strcmp(v, choices[i]) == 0) {
            *index = i;
            return GDIR_OK;
        }
    n = (size_t)snprintf(expected, sizeof expected, "expected one of ");
    for (int i = 0; choices[i] && n < sizeof expected; i++)
        n += (size_t)snprintf(expected + n, sizeof expected - n, "%s%s", i ? ", " : "",
                              choices[i]);
    return api_param_invalid(err, name, v, expected);
}

struct enum_list {
    const char *name;
    const char *const *choices;
    unsigned long long mask;
};

static int enum_item(void *cls, const char *item, size_t len, struct gdir_err *err)
{
    struct enum_list *l = cls;
    char shown[API_QUOTE_MAX + 1];
    for (int i = 0; l->choices[i] && i < 64; i++)
        if (strlen(l->choices[i]) == len && memcmp(l->choices[i], item, len) == 0) {
            l->mask |= 1ull << i;
            return GDIR_OK;
        }
    char expected[400];
    size_t n = (size_t)snprintf(expected, sizeof expected, "expected names among ");
    for (int i = 0; l->choices[i] && n < sizeof expected; i++)
        n += (size_t)snprintf(expected + n, sizeof expected - n, "%s%s", i ? ", " : "",
                              l->choices[i]);
    snprintf(shown, sizeof shown, "%.*s", (int)(len < API_QUOTE_MAX ? len : API_QUOTE_MAX), item);
    return api_param_invalid(err, l->name, shown, expected);
}

int api_param_enum_list(const struct api_request *req, const char *name,
                        const char *const *choices, int *has, unsigned long long *mask,
                        struct gdir_err *err)
{
    const char *v = api_param(req, name);
    struct enum_list l = {name, choices, 0};
    int rc;

    *has = 0;
    *mask = 0;
    if (!v)
        return GDIR_OK;
    rc = each_item(name, v, enum_item, &l, err);
    if (!rc) {
        *has = 1;
        *mask = l.mask;
    }
    return rc;
}

int api_cookie(const char *header, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = header;

    while (p && *p) {
        p += strspn(p, " \t;");
        if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
            const char *v = p + nl + 1;
            size_t n = strcspn(v, "; \t");
            if (n >= cap)
                return 0;
            memcpy(out, v, n);
            out[n] = '\0';
            return 1;
        }
        p = strchr(p, ';');
    }
    return 0;
}
