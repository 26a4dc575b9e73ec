/*
 * fuzz_params.c — libFuzzer target: the typed parameter getters of geoapi.
 *
 * Feeds the input, as a query string, to api_parse_query() (api_router.c) against a route
 * allowing every parameter the getters read, then to every getter of api_request.h (lat, lon,
 * radius, limit, k, bbox, q, category, categories, commune, communes, booleans, open_at,
 * enums, enum lists), to api_filters_read() (api_params.c: all search filters together, with
 * bbox and open_at) and to api_text_query_parse() (api_text.c) on q.
 * Asserts beyond "no crash": every error follows the gdir contract, is GDIR_EINVAL and names a
 * parameter; accepted values are in their documented ranges (latitude -90..90, longitude
 * -180..180, 0 <= radius <= max_radius, 1 <= limit <= max_limit, a bbox with min <= max, at
 * most the asked number of categories and communes, each commune a well-formed INSEE code,
 * words of q folded and no longer than API_TEXT_MAX_WORD).
 */
#include "fuzz_util.h"

#include "api_params.h"
#include "api_router.h"
#include "api_text.h"
#include "gdir_test_api.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"lat", "lon", "radius", "k", "bbox", "q", "category",
                                    "commune", "open_now", "open_at", "limit", "sort", "facets",
                                    "flag", NULL};

static void check_err(int rc, const struct gdir_err *err)
{
    fuzz_check_err(rc, err);
    if (rc) {
        FUZZ_CHECK(rc == GDIR_EINVAL);
        FUZZ_CHECK(err->param[0] != '\0');
    }
}

static void getters(const struct api_request *req, const struct api_config *cfg)
{
    static const char *const sorts[] = {"distance", "relevance", "name", NULL};
    const struct gdir_category *cats[API_MAX_CATEGORIES], *cat;
    char communes[API_MAX_COMMUNES][8];
    const char *s;
    double v;
    long l;
    int has, b, idx;
    size_t n;
    time_t t;
    unsigned long long mask;
    struct gdir_bbox box;
    struct gdir_err err;
    int rc;

    gdir_err_clear(&err);
    if (!(rc = api_param_lat(req, &v, &err)))
        FUZZ_CHECK(v >= -90 && v <= 90);
    check_err(rc, &err);
    if (!(rc = api_param_lon(req, &v, &err)))
        FUZZ_CHECK(v >= -180 && v <= 180);
    check_err(rc, &err);
    if (!(rc = api_param_radius(req, &v, &err)))
        FUZZ_CHECK(v >= 0 && v <= cfg->max_radius);
    check_err(rc, &err);
    if (!(rc = api_param_limit(req, &l, &err)))
        FUZZ_CHECK(l >= 1 && l <= cfg->max_limit);
    check_err(rc, &err);
    if (!(rc = api_param_k(req, &l, &err)))
        FUZZ_CHECK(l >= 0 && l <= cfg->max_limit);
    check_err(rc, &err);
    if (!(rc = api_param_bbox(req, &has, &box, &err)) && has)
        FUZZ_CHECK(box.minlon <= box.maxlon && box.minlat <= box.maxlat);
    check_err(rc, &err);
    if (!(rc = api_param_q(req, &s, &err)) && s)
        FUZZ_CHECK(s[0] != '\0' && (long)strlen(s) <= cfg->max_q_len);
    check_err(rc, &err);
    check_err(api_param_category(req, &cat, &err), &err);
    if (!(rc = api_param_categories(req, cats, 3, &n, &err)))
        FUZZ_CHECK(n <= 3);
    check_err(rc, &err);
    if (!(rc = api_param_commune(req, &s, &err)) && s)
        FUZZ_CHECK(api_insee_valid(s));
    check_err(rc, &err);
    if (!(rc = api_param_communes(req, communes, 4, &n, &err))) {
        FUZZ_CHECK(n <= 4);
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(api_insee_valid(communes[i]));
    }
    check_err(rc, &err);
    if (!(rc = api_param_bool(req, "open_now", &has, &b, &err)) && has)
        FUZZ_CHECK(b == 0 || b == 1);
    check_err(rc, &err);
    check_err(api_param_time(req, "open_at", &has, &t, &err), &err);
    if (!(rc = api_param_enum(req, "sort", sorts, &idx, &err)))
        FUZZ_CHECK(idx >= -1 && idx <= 2);
    check_err(rc, &err);
    if (!(rc = api_param_enum_list(req, "facets", sorts, &has, &mask, &err)) && has)
        FUZZ_CHECK(mask < 8);
    check_err(rc, &err);
}

static void filters(const struct api_request *req)
{
    struct api_search_params p;
    struct api_filter_store st;
    const struct gdir_category *cats[API_MAX_CATEGORIES];
    struct api_text_query tq;
    size_t n_cats = 0;
    struct gdir_err err;
    const char *q = api_param(req, "q");
    int rc;

    memset(&p, 0, sizeof p);
    memset(&st, 0, sizeof st);
    gdir_err_clear(&err);
    rc = api_filters_read(req, API_FILTER_BBOX | API_FILTER_OPEN_AT, &p, &st, cats, &n_cats, &err);
    check_err(rc, &err);
    if (!rc) {
        FUZZ_CHECK(n_cats <= API_MAX_CATEGORIES);
        if (p.has_point)
            FUZZ_CHECK(p.lat >= -90 && p.lat <= 90 && p.lon >= -180 && p.lon <= 180);
    }
    if (q) {
        gdir_err_clear(&err);
        rc = api_text_query_parse(q, "q", &tq, &err);
        check_err(rc, &err);
        if (!rc) {
            FUZZ_CHECK(tq.n <= API_TEXT_MAX_WORDS);
            for (size_t i = 0; i < tq.n; i++)
                FUZZ_CHECK(tq.words[i][0] && strlen(tq.words[i]) <= API_TEXT_MAX_WORD);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct api_route route = {"GET", "/fuzz", NULL, names, 0};
    struct api_config cfg = gdir_test_api_config();
    struct api_request req;
    struct gdir_err err;

    cfg.max_q_len = 200;
    api_request_init(&req, &cfg);
    req.now = 1767225600;                                 /* 2026-01-01T00:00:00Z */
    gdir_err_clear(&err);
    if (api_parse_query(&route, (const char *)data, size, &req, &err) == 0) {
        getters(&req, &cfg);
        filters(&req);
    }
    api_request_free(&req);
    return 0;
}
