/*
 * test_api_router.c — geoapi's route table and router without sockets: the table's shape (no two
 * ambiguous patterns, no shadowed route, every handler set), the route list of
 * geoapi/README.md against api_routes.c, path matching and captures, %-decoding, quoting of
 * offending values, the typed parameter getters, and the router's central answers
 * (404/405/400) through api_dispatch() on checks that need no database.
 */
#include "check.h"

#include "api_request.h"
#include "api_response.h"
#include "api_router.h"
#include "gdir_test_api.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SEGS 16

static int split(const char *pattern, char segs[][64])
{
    int n = 0;
    const char *p = pattern + 1;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        snprintf(segs[n], 64, "%.*s", (int)len, p);
        n++;
        if (!slash || n == MAX_SEGS)
            return n;
        p = slash + 1;
    }
}

static int is_capture(const char *s)
{
    return s[0] == '{';
}

static int is_rest(const char *s)
{
    return s[0] == '{' && strstr(s, "*}") != NULL;
}

static void test_table_shape(void)
{
    size_t n;
    const struct api_route *r = api_routes(&n);
    int seen_rest = 0;

    CHECK(n >= 8);
    for (size_t i = 0; i < n; i++) {
        char segs[MAX_SEGS][64];
        int ns = split(r[i].pattern, segs);
        CHECK(r[i].handler != NULL);
        CHECK(strcmp(r[i].method, "GET") == 0 || strcmp(r[i].method, "POST") == 0);
        CHECK(r[i].pattern[0] == '/');
        for (int k = 0; k < ns; k++)
            if (is_rest(segs[k]))
                CHECK(k == ns - 1);                 /* {x*} only as the last segment */
        if (is_rest(segs[ns - 1]))
            seen_rest = 1;
        else
            CHECK(!seen_rest);                      /* catch-alls come after every other route */
        for (const char *const *p = r[i].params; p && *p; p++)
            for (const char *const *q = p + 1; *q; q++)
                CHECK(strcmp(*p, *q) != 0);         /* parameter names listed once */
        if (strncmp(r[i].pattern, "/api/", 5) == 0)
            CHECK(!(r[i].flags & API_STATIC));
    }
}

/* Two patterns of one method are ambiguous when some path matches both: same number of
 * segments and, segment by segment, equal literals or at least one capture. One exception:
 * an earlier pattern that is more specific (a literal wherever the later has a capture, and
 * never a capture where the later has a literal), e.g. /api/forms/csrf before
 * /api/forms/{id}: first match wins, the shadowing test below checks the later is reachable. */
static void test_no_ambiguous_patterns(void)
{
    size_t n;
    const struct api_route *r = api_routes(&n);

    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) {
            char a[MAX_SEGS][64], b[MAX_SEGS][64];
            int na = split(r[i].pattern, a), nb = split(r[j].pattern, b), same = 1;
            if (strcmp(r[i].method, r[j].method) != 0 || na != nb)
                continue;
            if (is_rest(a[na - 1]) || is_rest(b[nb - 1]))
                continue;   /* catch-alls: covered by the shadowing test below */
            int narrower = 1;   /* row i is more specific than row j */
            for (int k = 0; k < na && same; k++) {
                if (!is_capture(a[k]) && !is_capture(b[k]) && strcmp(a[k], b[k]) != 0)
                    same = 0;
                if (is_capture(a[k]) && !is_capture(b[k]))
                    narrower = 0;
            }
            if (same && !narrower)
                CHECK_FAIL_("ambiguous routes: %s and %s", r[i].pattern, r[j].pattern);
        }
}

/* For each route, a concrete path built from its pattern must be matched first by that very
 * route among those of its method: no earlier row shadows it (one path may have a GET and a
 * POST row, as /api/bo/agents). */
static void test_no_shadowed_route(void)
{
    size_t n;
    const struct api_route *r = api_routes(&n);

    for (size_t i = 0; i < n; i++) {
        char segs[MAX_SEGS][64], path[512] = "";
        int ns = split(r[i].pattern, segs);
        size_t o = 0;
        for (int k = 0; k < ns && o < sizeof path; k++) {
            const char *s = is_rest(segs[k]) ? "dir/file.js" : is_capture(segs[k]) ? "x1" : segs[k];
            o += (size_t)snprintf(path + o, sizeof path - o, "/%s", s);
        }
        for (size_t j = 0; j < n; j++) {
            struct api_request req;
            if (strcmp(r[j].method, r[i].method) != 0)
                continue;
            api_request_init(&req, NULL);
            int m = api_route_match(r[j].pattern, path, &req);
            api_request_free(&req);
            if (m) {
                if (j != i)
                    CHECK_FAIL_("%s (from %s) is matched first by %s", path, r[i].pattern,
                                r[j].pattern);
                break;
            }
        }
    }
}

/* geoapi/README.md lists the routes between <!-- routes:begin --> and <!-- routes:end -->
 * as table rows "| GET | `/pattern` | `p1`, `p2` | ... |" ("—" when no parameter). */
static void test_readme_lists_the_routes(void)
{
    char path[1024], line[1024];
    size_t n, row = 0;
    const struct api_route *r = api_routes(&n);
    int inside = 0;
    FILE *f;

    snprintf(path, sizeof path, "%s/geoapi/README.md", GDIR_SOURCE_DIR);
    f = fopen(path, "r");
    if (!f) {
        CHECK_FAIL_("cannot open %s", path);
        return;
    }
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "<!-- routes:begin -->")) {
            inside = 1;
            continue;
        }
        if (strstr(line, "<!-- routes:end -->"))
            break;
        if (!inside || strncmp(line, "| ", 2) != 0 || strstr(line, "---") ||
            strstr(line, "| method"))
            continue;
        char method[16] = "", pattern[128] = "", params[256] = "", expect[256] = "";
        if (sscanf(line, "| %15s | `%127[^`]` | %255[^|]|", method, pattern, params) != 3) {
            CHECK_FAIL_("README route row not understood: %s", line);
            continue;
        }
        if (row >= n) {
            CHECK_FAIL_("README lists more routes than api_routes.c: %s", pattern);
            continue;
        }
        /* "`lat`, `lon` " -> "lat,lon" */
        size_t o = 0;
        for (const char *p = params; *p && o + 1 < sizeof params; p++)
            if (*p != '`' && *p != ' ')
                params[o++] = *p;
        params[o] = '\0';
        if (strcmp(params, "—") == 0)
            params[0] = '\0';
        o = 0;
        for (const char *const *p = r[row].params; p && *p; p++)
            o += (size_t)snprintf(expect + o, sizeof expect - o, "%s%s", o ? "," : "", *p);
        CHECK_STR_EQ(method, r[row].method);
        CHECK_STR_EQ(pattern, r[row].pattern);
        CHECK_STR_EQ(params, expect);
        row++;
    }
    fclose(f);
    CHECK_INT_EQ(row, n);
}

static void test_match_and_captures(void)
{
    struct api_request req;

    api_request_init(&req, NULL);
    CHECK(api_route_match("/api/places/{id}", "/api/places/local%3Aabc%2Fd", &req));
    CHECK_STR_EQ(api_capture(&req, "id"), "local:abc/d");
    CHECK(api_capture(&req, "nope") == NULL);
    api_request_free(&req);

    api_request_init(&req, NULL);
    CHECK(api_route_match("/{file*}", "/vendor/leaflet/images/marker.png", &req));
    CHECK_STR_EQ(api_capture(&req, "file"), "vendor/leaflet/images/marker.png");
    api_request_free(&req);

    CHECK(!api_route_match("/{file*}", "/", NULL));
    CHECK(!api_route_match("/{file*}", "/api/unknown", NULL));
    CHECK(!api_route_match("/{file*}", "/api", NULL));
    CHECK(!api_route_match("/{file*}", "/%61pi/x", NULL));     /* decoded before the /api rule */
    CHECK(api_route_match("/", "/", NULL));
    CHECK(!api_route_match("/api/places/{id}", "/api/places/", NULL));
    CHECK(!api_route_match("/api/places/{id}", "/api/places/a/b", NULL));
    CHECK(!api_route_match("/api/places/{id}", "/api/places/%ff", NULL));   /* invalid UTF-8 */
    CHECK(!api_route_match("/api/places/{id}", "/api/places/a%00b", NULL)); /* NUL */
    CHECK(!api_route_match("/api/places/{id}", "/api/places/a%zz", NULL));  /* bad escape */
    CHECK(!api_route_match("/api/places", "/api/places/", NULL));
    CHECK(!api_route_match("/api/places", "/API/places", NULL));
    CHECK(api_route_match("/api/communes.geojson", "/api/communes.geojson", NULL));
    CHECK(!api_route_match("/api/communes", "/api/communes.geojson", NULL));
}

static void test_pct_decode(void)
{
    char out[64];
    CHECK_INT_EQ(api_pct_decode("%41+b%2f", 8, 1, out), 4);
    CHECK_STR_EQ(out, "A b/");
    CHECK_INT_EQ(api_pct_decode("a+b", 3, 0, out), 3);
    CHECK_STR_EQ(out, "a+b");
    CHECK_INT_EQ(api_pct_decode("%4", 2, 1, out), -1);
    CHECK_INT_EQ(api_pct_decode("%", 1, 1, out), -1);
    CHECK_INT_EQ(api_pct_decode("%zz", 3, 1, out), -1);
    CHECK_INT_EQ(api_pct_decode("a%00b", 5, 1, out), 3);
    CHECK(out[1] == '\0' && out[2] == 'b');
    CHECK_INT_EQ(api_pct_decode("", 0, 1, out), 0);
}

static void test_quote(void)
{
    char out[256];
    api_quote(out, sizeof out, "abc");
    CHECK_STR_EQ(out, "\"abc\"");
    api_quote(out, sizeof out, "a\"b\\c");
    CHECK_STR_EQ(out, "\"a\\\"b\\\\c\"");
    api_quote(out, sizeof out, "\xff\x01Érize");
    CHECK_STR_EQ(out, "\"\\xff\\x01Érize\"");
    api_quote(out, sizeof out, "0123456789012345678901234567890123456789TAIL");
    CHECK_STR_EQ(out, "\"0123456789012345678901234567890123456789...\"");
    api_quote(out, 12, "0123456789012345678901234567890123456789");
    CHECK(strlen(out) < 12);
    CHECK(out[0] == '"' && out[strlen(out) - 1] == '"');
}

static struct api_config test_config(void)
{
    struct api_config cfg = gdir_test_api_config();
    cfg.max_query_len = 2048;
    return cfg;
}

static void set_params(struct api_request *req, const char *const *kv)
{
    req->n_params = 0;
    for (; kv[0]; kv += 2) {
        req->params[req->n_params].name = kv[0];
        req->params[req->n_params].value = kv[1];
        req->n_params++;
    }
}

static void test_getters(void)
{
    struct api_config cfg = test_config();
    struct api_request req;
    struct gdir_err err;
    const struct gdir_category *cat;
    const char *insee;
    double v;
    long limit;

    api_request_init(&req, &cfg);
    set_params(&req, (const char *const[]){"lat", "48.95", "lon", "-5.5e0", NULL});
    CHECK_INT_EQ(api_param_lat(&req, &v, &err), 0);
    CHECK_NEAR(v, 48.95, 1e-12);
    CHECK_INT_EQ(api_param_lon(&req, &v, &err), 0);
    CHECK_NEAR(v, -5.5, 1e-12);
    CHECK_INT_EQ(api_param_radius(&req, &v, &err), 0);
    CHECK_NEAR(v, 10000, 0);
    CHECK_INT_EQ(api_param_limit(&req, &limit, &err), 0);
    CHECK_INT_EQ(limit, 50);
    CHECK_INT_EQ(api_param_category(&req, &cat, &err), 0);
    CHECK(cat == NULL);

    set_params(&req, (const char *const[]){"lat", "91", "lon", "4,5", "radius", "50000.5",
                                           "limit", "0", "category", "health' OR 1=1", "commune",
                                           "5553", NULL});
    gdir_err_clear(&err);
    CHECK_INT_EQ(api_param_lat(&req, &v, &err), GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "lat");
    CHECK_STR_EQ(err.msg, "lat: expected a number between -90 and 90, got \"91\"");
    CHECK_INT_EQ(api_param_lon(&req, &v, &err), GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "lon");
    CHECK_INT_EQ(api_param_radius(&req, &v, &err), GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "radius");
    CHECK_INT_EQ(api_param_limit(&req, &limit, &err), GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "limit");
    CHECK_INT_EQ(api_param_category(&req, &cat, &err), GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "category");
    CHECK(strstr(err.msg, "\"health' OR 1=1\"") != NULL);
    CHECK_INT_EQ(api_param_commune(&req, &insee, &err), GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "commune");

    set_params(&req, (const char *const[]){"limit", "501", "category", "pharmacy", "commune",
                                           "2A004", "lat", "", NULL});
    CHECK_INT_EQ(api_param_limit(&req, &limit, &err), 0);
    CHECK_INT_EQ(limit, 500);                                  /* clamped */
    CHECK_INT_EQ(api_param_category(&req, &cat, &err), 0);
    CHECK_STR_EQ(cat->code, "pharmacy");
    CHECK_INT_EQ(api_param_commune(&req, &insee, &err), 0);
    CHECK_STR_EQ(insee, "2A004");
    CHECK_INT_EQ(api_param_lat(&req, &v, &err), GDIR_EINVAL);   /* empty */

    set_params(&req, (const char *const[]){"limit", "99999999999999999999999999", NULL});
    CHECK_INT_EQ(api_param_limit(&req, &limit, &err), 0);
    CHECK_INT_EQ(limit, 500);
    set_params(&req, (const char *const[]){"limit", "-3", NULL});
    CHECK_INT_EQ(api_param_limit(&req, &limit, &err), GDIR_EINVAL);
    set_params(&req, (const char *const[]){NULL});
    CHECK_INT_EQ(api_param_lat(&req, &v, &err), GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "lat");
}

/* api_dispatch on requests the router answers itself, or that fail validation before the
 * handler needs the database (ctx.pool is NULL: a database access would crash the test). */
static void dispatch(const char *method, const char *target, int status, const char *code,
                     const char *param)
{
    struct api_config cfg = test_config();
    struct api_ctx ctx = {&cfg, NULL, "/nonexistent", NULL};
    struct api_response res;

    api_response_init(&res);
    api_dispatch(&ctx, method, target, NULL, &res);
    if (res.status != status)
        CHECK_FAIL_("%s %s: status %d, expected %d (%s)", method, target, res.status, status,
                    gdir_buf_str(&res.body));
    CHECK_STR_EQ(res.content_type, API_CT_JSON);
    CHECK_STR_EQ(res.cache_control, API_CACHE_NONE);
    if (code) {
        char want[128];
        snprintf(want, sizeof want, "\"code\":\"%s\"", code);
        if (!strstr(gdir_buf_str(&res.body), want))
            CHECK_FAIL_("%s %s: body %s lacks %s", method, target, gdir_buf_str(&res.body), want);
    }
    if (param) {
        char want[128];
        snprintf(want, sizeof want, "\"parameter\":\"%s\"", param);
        if (!strstr(gdir_buf_str(&res.body), want))
            CHECK_FAIL_("%s %s: body %s lacks %s", method, target, gdir_buf_str(&res.body), want);
    }
    if (status == 405)
        CHECK_STR_EQ(res.allow, strncmp(target, "/api/", 5) == 0 ? "GET, HEAD, OPTIONS"
                                                                : "GET, HEAD");
    api_response_free(&res);
}

/* api_parse_query on its own: names without '=' get "" (fuzz_query: "f&lon" wrote past the
 * decoded query before), values are decoded, the buffer is exactly qlen + 1 bytes. */
static void test_parse_query(void)
{
    static const char *const names[] = {"f", "lon", "k", "q", NULL};
    static const struct api_route route = {"GET", "/x", NULL, names, 0};
    struct api_config cfg = test_config();
    struct api_request req;
    struct gdir_err err;
    const char *q = "f&lon&k=%41+b&q";

    api_request_init(&req, &cfg);
    CHECK_INT_EQ(api_parse_query(&route, q, strlen(q), &req, &err), 0);
    CHECK_INT_EQ((int)req.n_params, 4);
    CHECK_STR_EQ(api_param(&req, "f"), "");
    CHECK_STR_EQ(api_param(&req, "lon"), "");
    CHECK_STR_EQ(api_param(&req, "k"), "A b");
    CHECK_STR_EQ(api_param(&req, "q"), "");
    api_request_free(&req);
    api_request_init(&req, &cfg);
    CHECK_INT_EQ(api_parse_query(&route, "f&f", 3, &req, &err), GDIR_EREPEATED);
    CHECK_STR_EQ(err.param, "f");
    api_request_free(&req);
}

static void test_dispatch_central_checks(void)
{
    char longq[3000];

    dispatch("GET", "/api/nope", 404, "NotFound", NULL);
    dispatch("GET", "/api", 404, "NotFound", NULL);
    dispatch("GET", "/api/places/", 404, "NotFound", NULL);
    dispatch("GET", "/api/places/%ff", 404, "NotFound", NULL);
    dispatch("GET", "relative", 404, "NotFound", NULL);
    dispatch("POST", "/api/places", 405, "MethodNotAllowed", NULL);
    dispatch("DELETE", "/api/places/x", 405, "MethodNotAllowed", NULL);
    dispatch("OPTIONS", "/", 405, "MethodNotAllowed", NULL);
    dispatch("POST", "/api/nope", 404, "NotFound", NULL);
    dispatch("GET", "/api/health?x=1", 400, "UnknownParameter", "x");
    dispatch("GET", "/api/places?lat=1&lat=2", 400, "RepeatedParameter", "lat");
    dispatch("GET", "/api/places?lat=1&bogus=2", 400, "UnknownParameter", "bogus");
    dispatch("GET", "/api/places?la%00t=1", 400, "UnknownParameter", NULL);
    dispatch("GET", "/api/places?lat=1%002", 400, "InvalidParameterValue", "lat");
    dispatch("GET", "/api/places?lat=%c3%28", 400, "InvalidParameterValue", "lat");
    dispatch("GET", "/api/places?lat=%4", 400, "InvalidParameterValue", "lat");
    dispatch("GET", "/api/places?lat=abc&lon=1", 400, "InvalidParameterValue", "lat");
    dispatch("GET", "/api/places?lat=1&lon=1&radius=-1", 400, "InvalidParameterValue", "radius");
    dispatch("GET", "/api/places?lat=1&lon=1&category=x", 400, "InvalidParameterValue",
             "category");
    dispatch("GET", "/api/places?lat=1&lon=1&limit=abc", 400, "InvalidParameterValue", "limit");
    dispatch("GET", "/api/places?&&lat=x&", 400, "InvalidParameterValue", "lat");
    /* issue 10 D1: a last parameter without '=' wrote one byte past the decoded query (ASan:
     * heap-buffer-overflow WRITE in api_parse_query) */
    dispatch("GET", "/api/places?lat", 400, "InvalidParameterValue", "lat");
    dispatch("GET", "/api/places?q=aaaaaaaaaaaaaaaaa&lat", 400, "InvalidParameterValue", "lat");
    dispatch("GET", "/api/places?x", 400, "UnknownParameter", "x");
    /* fuzz_query: several parameters without '=' still overflowed after the D1 fix (each
     * needed two bytes more than its length; ASan: WRITE in api_parse_query) */
    dispatch("GET", "/api/places?f&lon", 400, "InvalidParameterValue", "f");
    dispatch("GET", "/api/places?lat&lon&k&q", 400, "InvalidParameterValue", "lat");
    memset(longq, 'a', sizeof longq);
    memcpy(longq, "/api/places?lat=", 16);
    longq[sizeof longq - 1] = '\0';
    dispatch("GET", longq, 400, "InvalidParameterValue", "query");
    /* static routes: refused paths answer 404 before touching the disk */
    dispatch("GET", "/..%2Fetc%2Fpasswd", 404, "NotFound", NULL);
    dispatch("GET", "/a%2Fb.js", 404, "NotFound", NULL);
}

/* GET /metrics (metrics = loopback, the default): a client that is not on loopback, or whose
 * address is unknown, gets 403 before anything is counted or read; metrics = off: 404. */
static void test_metrics_access(void)
{
    static const unsigned char outside[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
                                              192, 0, 2, 1};
    struct api_config cfg = test_config();
    struct api_ctx ctx = {&cfg, NULL, "/nonexistent", NULL};
    struct api_headers h = {0};
    struct api_response res;

    dispatch("GET", "/metrics", 403, "Forbidden", NULL);
    h.peer = outside;
    api_response_init(&res);
    api_dispatch(&ctx, "GET", "/metrics", &h, &res);
    CHECK_INT_EQ(res.status, 403);
    api_response_free(&res);
    cfg.metrics_mode = API_METRICS_OFF;
    api_response_init(&res);
    api_dispatch(&ctx, "GET", "/metrics", &h, &res);
    CHECK_INT_EQ(res.status, 404);
    api_response_free(&res);
}

static const struct check_case cases[] = {
    {"route table shape", test_table_shape},
    {"no ambiguous patterns", test_no_ambiguous_patterns},
    {"no shadowed route", test_no_shadowed_route},
    {"README lists the routes of api_routes.c", test_readme_lists_the_routes},
    {"path matching and captures", test_match_and_captures},
    {"percent-decoding", test_pct_decode},
    {"quoting offending values", test_quote},
    {"typed parameter getters", test_getters},
    {"query string parser", test_parse_query},
    {"dispatch: central checks", test_dispatch_central_checks},
    {"GET /metrics: loopback only, or off", test_metrics_access},
};

CHECK_MAIN(cases)
