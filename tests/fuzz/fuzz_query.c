/*
 * fuzz_query.c — libFuzzer target: the query-string parser of geoapi's router.
 *
 * Feeds the input, as a query string (without '?'), to api_parse_query() (api_router.c)
 * against the route of GET /api/places (16 parameters), of GET /api/search/ (API_ADDOK: unknown
 * names ignored, repeats kept) and against a route with no parameter.
 * Asserts beyond "no crash": errors follow the gdir contract (negative code, message) and are
 * GDIR_EINVAL, GDIR_EUNKNOWNPARAM or GDIR_EREPEATED (never the latter two on the API_ADDOK
 * route); on success every name is allowed by the route and given once (any number of times
 * on the API_ADDOK route, at most API_MAX_PARAMS in all, in the order of the query:
 * api_param_values agrees), every name and value is valid UTF-8 without NUL, the decoded
 * parameters fit in the query (each value no longer than the input), and the route without
 * parameters accepts only queries made of '&'.
 */
#include "fuzz_util.h"

#include "api_request.h"
#include "api_router.h"
#include "gdir_text.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct api_route *route_of(const char *pattern)
{
    size_t n;
    const struct api_route *r = api_routes(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].pattern, pattern) == 0)
            return &r[i];
    abort();
}

static void parse(const struct api_route *route, const char *q, size_t qlen)
{
    struct api_config cfg;
    struct api_request req;
    struct gdir_err err;
    int rc;

    memset(&cfg, 0, sizeof cfg);
    api_request_init(&req, &cfg);
    gdir_err_clear(&err);
    rc = api_parse_query(route, q, qlen, &req, &err);
    fuzz_check_err(rc, &err);
    FUZZ_CHECK(rc == 0 || rc == GDIR_EINVAL || rc == GDIR_EUNKNOWNPARAM || rc == GDIR_EREPEATED);
    if (route->flags & API_ADDOK)
        FUZZ_CHECK(rc != GDIR_EREPEATED &&
                   (rc != GDIR_EUNKNOWNPARAM || strstr(err.msg, "malformed parameter name")));
    if (rc == 0) {
        FUZZ_CHECK(req.n_params <= API_MAX_PARAMS);
        if (!route->params)
            FUZZ_CHECK(req.n_params == 0);
        for (size_t i = 0; i < req.n_params; i++) {
            const char *name = req.params[i].name, *value = req.params[i].value;
            int listed = 0;
            FUZZ_CHECK(strlen(name) <= qlen && strlen(value) <= qlen);
            FUZZ_CHECK(gdir_utf8_valid(name, strlen(name)));
            FUZZ_CHECK(gdir_utf8_valid(value, strlen(value)));
            for (const char *const *p = route->params; p && *p; p++)
                listed |= strcmp(*p, name) == 0;
            FUZZ_CHECK(listed);
            size_t before = 0;
            const char *vals[API_MAX_PARAMS];
            for (size_t j = 0; j < i; j++)
                before += strcmp(req.params[j].name, name) == 0;
            FUZZ_CHECK(before == 0 || (route->flags & API_ADDOK));
            FUZZ_CHECK(api_param_values(&req, name, vals, API_MAX_PARAMS) > before &&
                       vals[before] == value);
            if (!before)
                FUZZ_CHECK(api_param(&req, name) == value);
        }
    }
    api_request_free(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct api_route bare = {"GET", "/api/health", NULL, NULL, 0};
    /* An exact-size copy: ASan sees a read past the query string. */
    char *q = malloc(size ? size : 1);

    if (!q)
        abort();
    memcpy(q, data, size);
    parse(route_of("/api/places"), q, size);
    parse(route_of("/api/search/"), q, size);
    parse(&bare, q, size);
    free(q);
    return 0;
}
