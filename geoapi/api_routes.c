/*
 * api_routes.c — the route table, and nothing else: the whole HTTP surface of geodir-api on
 * one screen. The list in geoapi/README.md is checked against it by tests/http/test_api_router.c.
 */
#include "api_handlers.h"

#define P(...) ((const char *const[]){__VA_ARGS__, NULL})
#define GEO_SEARCH_PARAMS                                                                          \
    P("q", "limit", "autocomplete", "lat", "lon", "type", "postcode", "citycode")
#define GEO_REVERSE_PARAMS P("lat", "lon", "limit", "type")

static const struct api_route routes[] = {
    /* method pattern                   handler             allowed query parameters  flags */
    {"GET", "/api/health",              h_health,           NULL,                     API_NO_STORE},
    {"GET", "/api/territory",           h_territory,        NULL,                     0},
    {"GET", "/api/categories",          h_categories,       NULL,                     0},
    {"GET", "/api/communes",            h_communes,         NULL,                     0},
    {"GET", "/api/communes.geojson",    h_communes_geojson, NULL,                     0},
    {"GET", "/api/places",              h_places_search,
            P("lat", "lon", "radius", "k", "bbox", "q", "category", "commune", "open_now",
              "open_at", "sort", "facets", "limit", "cursor", "f", "properties"),
                                                                          API_FORMATS | API_TIME},
    {"GET", "/api/places/{id}",         h_place,            NULL,                     API_TIME},
    {"GET", "/api/autocomplete",        h_autocomplete,     P("q", "lat", "lon", "limit"), 0},
    /* BAN-compatible geocoding (h_geocode.c): with and without the trailing slash */
    {"GET", "/api/search",              h_geo_search,       GEO_SEARCH_PARAMS,        0},
    {"GET", "/api/search/",             h_geo_search,       GEO_SEARCH_PARAMS,        0},
    {"GET", "/api/reverse",             h_geo_reverse,      GEO_REVERSE_PARAMS,       0},
    {"GET", "/api/reverse/",            h_geo_reverse,      GEO_REVERSE_PARAMS,       0},
    {"POST", "/api/search/csv",         h_geo_search_csv,   NULL,                     API_NO_STORE},
    {"POST", "/api/search/csv/",        h_geo_search_csv,   NULL,                     API_NO_STORE},
    {"GET", "/",                        h_static,           NULL,                     API_STATIC},
    {"GET", "/{file*}",                 h_static,           NULL,                     API_STATIC},
};

const struct api_route *api_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
