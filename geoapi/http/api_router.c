/*
 * api_router.c — matching a request against the route table (api_routes.c) and the central
 * checks every request goes through before its handler: path decoding, 404/405 + Allow, HEAD
 * as GET, query length, parameter names (unknown, repeated) and value encoding (%-escapes,
 * NUL, UTF-8). See api_router.h for the contract.
 *
 * Matching works on the path split at '/' *before* decoding, each segment decoded on its own,
 * so an encoded "%2F" stays inside its segment. The first route of the table that matches
 * wins; tests/http/test_api_router.c checks that no two patterns of one method are ambiguous and
 * that catch-all patterns come last.
 *
 * Not here: value validation (api_request.c), sending (api_server.c).
 */
#include "api_router.h"
#include "api_dbpool.h"
#include "api_http.h"
#include "gdir_hash.h"
#include "gdir_log.h"
#include "gdir_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SEGMENTS 32

/* A request path, split and decoded: segs[i] point into buf. */
struct split_path {
    char *buf;                    /* owned: the decoded segments, each NUL-terminated */
    const char *segs[MAX_SEGMENTS];
    size_t n;
};

/* Splits the raw path (starts with '/', n bytes, no query) and decodes each segment.
 * Returns 0, or -1 when the path cannot name a resource (bad escape, NUL, invalid UTF-8,
 * too long or too deep). */
static int split_raw_path(const char *raw, size_t n, struct split_path *sp)
{
    size_t o = 0;
    const char *p = raw + 1, *end = raw + n;

    sp->n = 0;
    sp->buf = NULL;
    if (n == 0 || raw[0] != '/' || n > API_MAX_PATH * 3)
        return -1;
    sp->buf = malloc(n + 1);
    if (!sp->buf)
        return -1;
    for (;;) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *seg_end = slash ? slash : end;
        long len;

        if (sp->n == MAX_SEGMENTS)
            return -1;
        len = api_pct_decode(p, (size_t)(seg_end - p), 0, sp->buf + o);
        if (len < 0 || memchr(sp->buf + o, '\0', (size_t)len) ||
            !gdir_utf8_valid(sp->buf + o, (size_t)len))
            return -1;
        sp->segs[sp->n++] = sp->buf + o;
        o += (size_t)len + 1;
        if (!slash)
            break;
        p = slash + 1;
    }
    return o > API_MAX_PATH ? -1 : 0;
}

/* Pattern segment i of pattern (without the leading '/'): start and length. */
static int pattern_segments(const char *pattern, const char *starts[], size_t lens[])
{
    int n = 0;
    const char *p = pattern + 1;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (n == MAX_SEGMENTS)
            return -1;
        starts[n] = p;
        lens[n] = len;
        n++;
        if (!slash)
            return n;
        p = slash + 1;
    }
}

static int is_capture(const char *s, size_t len)
{
    return len >= 3 && s[0] == '{' && s[len - 1] == '}';
}

static int is_rest(const char *s, size_t len)
{
    return is_capture(s, len) && s[len - 2] == '*';
}

/* Returns 1 when the decoded segments match pattern. With req, records the captures. */
static int match_segments(const char *pattern, const char *const *segs, size_t n,
                          struct api_request *req)
{
    const char *ps[MAX_SEGMENTS];
    size_t pl[MAX_SEGMENTS], need = 0;
    int np = pattern_segments(pattern, ps, pl);
    size_t i;

    if (np < 0)
        return 0;
    for (i = 0; i < (size_t)np; i++) {
        if (is_rest(ps[i], pl[i])) {
            /* The rest of the path, at least one non-empty byte, never under /api/. */
            if (i >= n || (n == i + 1 && segs[i][0] == '\0') || strcmp(segs[0], "api") == 0)
                return 0;
            break;
        }
        if (i >= n)
            return 0;
        if (is_capture(ps[i], pl[i])) {
            if (segs[i][0] == '\0')
                return 0;
        } else if (strlen(segs[i]) != pl[i] || memcmp(segs[i], ps[i], pl[i]) != 0) {
            return 0;
        }
    }
    if (i == (size_t)np && n != (size_t)np)
        return 0;
    if (!req)
        return 1;

    /* Record the captures: names and values copied into one buffer. */
    for (size_t k = 0; k < n; k++)
        need += strlen(segs[k]) + 1;
    need += strlen(pattern) + 1;
    req->capture_buf = malloc(need);
    if (!req->capture_buf)
        return 0;
    char *out = req->capture_buf;
    for (i = 0; i < (size_t)np && req->n_captures < API_MAX_CAPTURES; i++) {
        if (!is_capture(ps[i], pl[i]))
            continue;
        size_t name_len = pl[i] - 2 - (is_rest(ps[i], pl[i]) ? 1 : 0);
        memcpy(out, ps[i] + 1, name_len);
        out[name_len] = '\0';
        req->capture_names[req->n_captures] = out;
        out += name_len + 1;
        req->captures[req->n_captures++] = out;
        if (is_rest(ps[i], pl[i])) {
            for (size_t k = i; k < n; k++) {
                size_t len = strlen(segs[k]);
                memcpy(out, segs[k], len);
                out += len;
                *out++ = k + 1 < n ? '/' : '\0';
            }
            break;
        }
        size_t len = strlen(segs[i]);
        memcpy(out, segs[i], len + 1);
        out += len + 1;
    }
    return 1;
}

int api_route_match(const char *pattern, const char *path, struct api_request *req)
{
    struct split_path sp;
    int ok = 0;
    if (split_raw_path(path, strlen(path), &sp) == 0)
        ok = match_segments(pattern, sp.segs, sp.n, req);
    free(sp.buf);
    return ok;
}

static int param_allowed(const struct api_route *r, const char *name)
{
    for (const char *const *p = r->params; p && *p; p++)
        if (strcmp(*p, name) == 0)
            return 1;
    return 0;
}

static void allowed_list(const struct api_route *r, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (const char *const *p = r->params; p && *p; p++) {
        int w = snprintf(out + n, cap - n, "%s%s", n ? ", " : "", *p);
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
    if (!n)
        snprintf(out, cap, "none");
}

int api_parse_query(const struct api_route *r, const char *q, size_t qlen,
                    struct api_request *req, struct gdir_err *err)
{
    char quoted[API_QUOTE_MAX * 4 + 16], allowed[160];
    char *out;
    const char *p = q, *end = q + qlen;

    /* Each pair "name=value" becomes "name\0value\0": as long as the pair plus its '&' (the
     * last pair: its NUL is the extra byte). A pair without '=' ("lat") stores only its name:
     * its value is the constant "", so that pairs of one name each ("f&lon&k") fit too. */
    req->query_buf = malloc(qlen + 1);
    if (!req->query_buf)
        return gdir_err_set(err, GDIR_ENOMEM, "query: out of memory");
    out = req->query_buf;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pair_end = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(pair_end - p));
        const char *name_end = eq ? eq : pair_end;
        char *name = out;
        const char *value = "";
        long nlen, vlen;

        if (pair_end == p) {                  /* "&&" or a trailing "&" */
            p = pair_end + 1;
            continue;
        }
        nlen = api_pct_decode(p, (size_t)(name_end - p), 1, name);
        if (nlen < 0 || memchr(name, '\0', (size_t)nlen) || !gdir_utf8_valid(name, (size_t)nlen)) {
            /* Not even a readable name: quote it as received. */
            char raw[API_QUOTE_MAX + 1];
            size_t rl = (size_t)(name_end - p) > API_QUOTE_MAX ? API_QUOTE_MAX
                                                               : (size_t)(name_end - p);
            memcpy(raw, p, rl);
            raw[rl] = '\0';
            api_quote(quoted, sizeof quoted, raw);
            return gdir_err_set_param(err, GDIR_EUNKNOWNPARAM, raw,
                                      "%s: malformed parameter name", quoted);
        }
        if (!param_allowed(r, name)) {
            if (r->flags & API_ADDOK) {       /* addok ignores what it does not read */
                p = pair_end + 1;
                continue;
            }
            api_quote(quoted, sizeof quoted, name);
            allowed_list(r, allowed, sizeof allowed);
            return gdir_err_set_param(err, GDIR_EUNKNOWNPARAM, name,
                                      "%s: unknown parameter for %s (allowed: %s)", quoted,
                                      r->pattern, allowed);
        }
        if (!(r->flags & API_ADDOK) && api_param(req, name))
            return gdir_err_set_param(err, GDIR_EREPEATED, name, "%s: given more than once",
                                      name);
        if (req->n_params == API_MAX_PARAMS)  /* only API_ADDOK routes keep repeated names */
            return gdir_err_set_param(err, GDIR_EINVAL, "query",
                                      "query: more than %d parameters", API_MAX_PARAMS);
        out += nlen + 1;
        vlen = 0;
        if (eq) {
            value = out;
            vlen = api_pct_decode(eq + 1, (size_t)(pair_end - eq - 1), 1, out);
            out += vlen + 1;
        }
        if (vlen < 0) {
            char raw[API_QUOTE_MAX + 1];
            size_t rl = (size_t)(pair_end - eq - 1);
            memcpy(raw, eq + 1, rl > API_QUOTE_MAX ? API_QUOTE_MAX : rl);
            raw[rl > API_QUOTE_MAX ? API_QUOTE_MAX : rl] = '\0';
            return api_param_invalid(err, name, raw, "malformed %-encoding");
        }
        if (memchr(value, '\0', (size_t)vlen))
            return gdir_err_set_param(err, GDIR_EINVAL, name, "%s: contains a NUL byte (%%00)",
                                      name);
        if (!gdir_utf8_valid(value, (size_t)vlen))
            return api_param_invalid(err, name, value, "not valid UTF-8");
        req->params[req->n_params].name = name;
        req->params[req->n_params].value = value;
        req->n_params++;
        p = pair_end + 1;
    }
    return GDIR_OK;
}

/* The entity tag of a cacheable answer: everything that determines it. */
static int compute_etag(const struct api_ctx *ctx, const struct api_route *route,
                        const struct api_request *req, char *out, size_t cap,
                        struct gdir_err *err)
{
    struct api_db *db;
    const struct api_param *sorted[API_MAX_PARAMS];
    uint64_t h = GDIR_FNV64_INIT;
    int rc = api_dbpool_get(ctx->pool, &db, err);

    if (rc)
        return rc;
    h = gdir_fnv64(h, &ctx->config_tag, sizeof ctx->config_tag);
    h = gdir_fnv64_field(h, db->build_id);
    h = gdir_fnv64_field(h, route->pattern);
    h = gdir_fnv64_field(h, req->path);
    /* Parameters in name order: ?a=1&b=2 and ?b=2&a=1 are one answer. */
    for (size_t i = 0; i < req->n_params; i++) {
        size_t k = i;
        while (k > 0 && strcmp(sorted[k - 1]->name, req->params[i].name) > 0) {
            sorted[k] = sorted[k - 1];
            k--;
        }
        sorted[k] = &req->params[i];
    }
    for (size_t i = 0; i < req->n_params; i++) {
        h = gdir_fnv64_field(h, sorted[i]->name);
        h = gdir_fnv64_field(h, sorted[i]->value);
    }
    if (route->flags & (API_FORMATS | API_HTML))
        h = gdir_fnv64(h, &req->format, sizeof req->format);
    if (route->flags & API_HTML) {   /* absolute links name the host the client used */
        h = gdir_fnv64_field(h, req->headers->host ? req->headers->host : "");
    }
    if ((route->flags & API_LIFE) && ctx->life_tag) {
        uint64_t v = ctx->life_tag(ctx);
        h = gdir_fnv64(h, &v, sizeof v);
    }
    if (((route->flags & API_TIME) ||
         ((route->flags & API_TIME_FILTER) && api_param(req, "open_now"))) &&
        !api_param(req, "open_at")) {
        long long minute = (long long)req->now;
        h = gdir_fnv64(h, &minute, sizeof minute);
    }
    api_etag_format(h, out, cap);
    return GDIR_OK;
}

/* f= first, else Accept: the representation of an API_FORMATS route. */
static int negotiate(const struct api_request *req, enum api_format *fmt, struct gdir_err *err)
{
    static const char *const formats[] = {"geojson", "json", NULL};
    int f;
    int rc = api_param_enum(req, "f", formats, &f, err);
    if (rc)
        return rc;
    if (f >= 0) {
        *fmt = f == 0 ? API_FMT_GEOJSON : API_FMT_JSON;
        return GDIR_OK;
    }
    if (api_accept_format(req->headers->accept, fmt))
        return gdir_err_set(err, GDIR_ENOTACCEPT,
                            "Accept: this resource is application/geo+json or application/json");
    return GDIR_OK;
}

/* 1 when target (path and query) is path itself or path followed by one of the bytes of
 * after (or "" for any continuation). */
static int path_is(const char *target, const char *path, const char *after)
{
    size_t n = strlen(path);
    return strncmp(target, path, n) == 0 &&
           (target[n] == '\0' || (*after ? strchr(after, target[n]) != NULL : 1));
}

int api_route_cors_path(const char *target)
{
    return path_is(target, "/api", "/?") || path_is(target, "/ogc", "/?") ||
           path_is(target, "/catalog", ".?");
}

size_t api_route_body_limit(const struct api_config *cfg, const char *method, const char *target)
{
    const struct api_route *routes, *found = NULL;
    struct split_path sp = {0};
    const char *qmark = strchr(target, '?');
    size_t n, len = qmark ? (size_t)(qmark - target) : strlen(target);

    if (strcmp(method, "POST") != 0)
        return 0;
    routes = api_routes(&n);
    if (split_raw_path(target, len, &sp) == 0)
        for (size_t i = 0; i < n && !found; i++)
            if (strcmp(routes[i].method, "POST") == 0 &&
                match_segments(routes[i].pattern, sp.segs, sp.n, NULL))
                found = &routes[i];
    free(sp.buf);
    if (!found)
        return 0;
    return (size_t)((found->flags & API_FORM_BODY) ? cfg->max_form_body : cfg->max_upload_size);
}

/* The route of req's method among those matching the path sp (NULL: none); *known is the first
 * route of the path whatever its method, *path_get and *path_post say which methods it has. */
static const struct api_route *find_route(const struct api_request *req,
                                          const struct split_path *sp,
                                          const struct api_route **known, int *path_get,
                                          int *path_post)
{
    const struct api_route *routes, *route = NULL;
    size_t n_routes;

    routes = api_routes(&n_routes);
    for (size_t i = 0; i < n_routes && !route; i++) {
        if (!match_segments(routes[i].pattern, sp->segs, sp->n, NULL))
            continue;
        if (!*known)
            *known = &routes[i];
        if (strcmp(routes[i].method, "POST") == 0)
            *path_post = 1;
        else
            *path_get = 1;
        if (((req->method == API_GET || req->method == API_HEAD) &&
             strcmp(routes[i].method, "GET") == 0) ||
            (req->method == API_POST && strcmp(routes[i].method, "POST") == 0))
            route = &routes[i];
    }
    return route;
}

/* The answer when no route takes the request: a CORS preflight, 405 with Allow, or 404. known:
 * the first route of the path (NULL: no such path). */
static void answer_unrouted(const struct api_request *req, const struct api_route *known,
                            int path_get, int path_post, const char *target, size_t path_len,
                            struct api_response *res, struct gdir_err *err)
{
    char quoted[API_QUOTE_MAX * 4 + 16];
    char raw[API_MAX_PATH + 1];
    int api_route = known && !(known->flags & API_STATIC);
    /* What may be asked of this path (an upload route takes POST only). */
    const char *allow = !api_route            ? "GET, HEAD"
                        : path_post && path_get ? "GET, HEAD, POST, OPTIONS"
                        : path_post             ? "POST, OPTIONS"
                                                : API_CORS_METHODS;
    snprintf(raw, sizeof raw, "%.*s", (int)(path_len > API_MAX_PATH ? API_MAX_PATH : path_len),
             target);
    api_quote(quoted, sizeof quoted, raw);
    if (known && req->method == API_OPTIONS && api_route) {
        /* CORS preflight (or a plain OPTIONS): what may be asked of this resource. */
        api_response_free(res);
        api_response_init(res);
        res->status = 204;
        res->preflight = 1;
        res->cache_control = API_CACHE_SHORT;
        snprintf(res->allow, sizeof res->allow, "%s", allow);
    } else if (known) {
        gdir_err_set(err, GDIR_EMETHOD, "%s: method not allowed here (allowed: %s)",
                     req->method_name, allow);
        api_error(res, err);
        snprintf(res->allow, sizeof res->allow, "%s", allow);
    } else {
        gdir_err_set(err, GDIR_ENOTFOUND, "no resource at %s", quoted);
        api_error(res, err);
    }
}

/* The decoded path of sp into req->path (for handlers, static files) and the captures of
 * route; GDIR_ENOTFOUND for a static file path with an encoded '/', GDIR_ENOMEM. */
static int decode_path(const struct api_route *route, const struct split_path *sp,
                       size_t path_len, struct api_request *req, struct gdir_err *err)
{
    size_t o = 0;

    /* Static files: an encoded '/' (%2F) would change the path's shape once joined. */
    if (route->flags & API_STATIC)
        for (size_t i = 0; i < sp->n; i++)
            if (strchr(sp->segs[i], '/'))
                return gdir_err_set(err, GDIR_ENOTFOUND, "no such file");
    req->path = malloc(path_len + 2);
    if (!req->path || !match_segments(route->pattern, sp->segs, sp->n, req))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    for (size_t i = 0; i < sp->n; i++) {
        size_t len = strlen(sp->segs[i]);
        req->path[o++] = '/';
        memcpy(req->path + o, sp->segs[i], len);
        o += len;
    }
    req->path[o] = '\0';
    return GDIR_OK;
}

/* The query string (its length, its parameters) and the representation asked. */
static int read_query(const struct api_ctx *ctx, const struct api_route *route,
                      const char *qmark, struct api_request *req, struct gdir_err *err)
{
    if (qmark) {
        size_t qlen = strlen(qmark + 1);
        if (qlen > (size_t)ctx->cfg->max_query_len)
            return gdir_err_set_param(err, GDIR_EINVAL, "query",
                                      "query: the query string has %zu bytes, the maximum is %ld",
                                      qlen, ctx->cfg->max_query_len);
        if (!(route->flags & API_STATIC)) {
            int rc = api_parse_query(route, qmark + 1, qlen, req, err);
            if (rc)
                return rc;
        }
    }
    if (route->flags & API_HTML)
        return api_negotiate_html(req, (route->flags & API_FORMATS) != 0, &req->format, err);
    if (route->flags & API_FORMATS)
        return negotiate(req, &req->format, err);
    return GDIR_OK;
}

/* Runs the handler of route and completes its answer: content type, cache control, ETag, and
 * 304 when the client has that tag. */
static void run_handler(const struct api_ctx *ctx, const struct api_route *route,
                        struct api_request *req, int cacheable, struct api_response *res,
                        struct gdir_err *err)
{
    int rc = route->handler(ctx, req, res, err);

    if (rc) {
        if (!err->code)
            gdir_err_set(err, rc, "%s", gdir_err_text(rc));
        api_error(res, err);
        return;
    }
    if (!res->content_type)
        res->content_type = API_CT_JSON;
    if (!res->cache_control)
        res->cache_control = (route->flags & API_NO_STORE) ? API_CACHE_NONE : API_CACHE_SHORT;
    if (cacheable && !res->etag[0] &&
        compute_etag(ctx, route, req, res->etag, sizeof res->etag, err)) {
        api_error(res, err);
        return;
    }
    if (res->status == 200 && res->etag[0] &&
        api_etag_matches(req->headers->if_none_match, res->etag)) {
        /* Static files compute their tag in the handler (size and modification time). */
        const char *keep_ct = res->content_type;
        api_response_free(res);
        res->content_type = keep_ct;
        gdir_buf_init(&res->body, API_BODY_MAX);
        res->status = 304;
    }
    res->compressible = res->status == 200;
}

const struct api_route *api_dispatch(const struct api_ctx *ctx, const char *method,
                                     const char *target, const struct api_headers *headers,
                                     struct api_response *res)
{
    static const struct api_headers no_headers;
    const struct api_route *route = NULL, *known = NULL;
    struct api_request req;
    struct split_path sp = {0};
    struct gdir_err err;
    const char *qmark = strchr(target, '?');
    size_t path_len = qmark ? (size_t)(qmark - target) : strlen(target);
    int path_get = 0, path_post = 0, api_path = api_route_cors_path(target);
    int cacheable = 0;

    api_request_init(&req, ctx->cfg);
    gdir_err_clear(&err);
    req.headers = headers ? headers : &no_headers;
    req.now = time(NULL) / 60 * 60;
    req.method_name = method;
    req.method = strcmp(method, "GET") == 0       ? API_GET
                 : strcmp(method, "HEAD") == 0    ? API_HEAD
                 : strcmp(method, "OPTIONS") == 0 ? API_OPTIONS
                 : strcmp(method, "POST") == 0    ? API_POST
                                                  : API_OTHER;
    if (split_raw_path(target, path_len, &sp) == 0)
        route = find_route(&req, &sp, &known, &path_get, &path_post);
    if (!route) {
        answer_unrouted(&req, known, path_get, path_post, target, path_len, res, &err);
        goto out;
    }
    if (decode_path(route, &sp, path_len, &req, &err) ||
        read_query(ctx, route, qmark, &req, &err)) {
        api_error(res, &err);
        goto out;
    }
    /* A request naming a tag this server gave (not just "*") can be answered 304 before any
     * work: the tag covers everything the answer depends on, including its validity. */
    cacheable = !(route->flags & (API_STATIC | API_NO_STORE));
    if (cacheable && req.headers->if_none_match &&
        strcmp(req.headers->if_none_match, "*") != 0) {
        if (compute_etag(ctx, route, &req, res->etag, sizeof res->etag, &err)) {
            api_error(res, &err);
            goto out;
        }
        if (api_etag_matches(req.headers->if_none_match, res->etag)) {
            res->status = 304;
            res->cache_control = API_CACHE_SHORT;
            goto out;
        }
    }
    run_handler(ctx, route, &req, cacheable, res, &err);
out:
    res->cors = api_path;
    res->vary = route && (route->flags & API_STATIC) ? API_VARY_STATIC : API_VARY_API;
    free(sp.buf);
    api_request_free(&req);
    return route;
}
