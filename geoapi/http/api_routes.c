/*
 * api_routes.c — the route table, and nothing else: the whole HTTP surface of geodir-api on
 * one screen. The list in geoapi/README.md is checked against it by tests/http/test_api_router.c.
 */
#include "api_handlers.h"

#define P(...) ((const char *const[]){__VA_ARGS__, NULL})
/* The BAN-compatible endpoints (API_ADDOK): what addok reads, with its aliases of lat and lon;
 * any other parameter is ignored, as addok ignores it (docs/geocoding.md, « addok
 * compatibility »). */
#define GEO_POINT "lat", "latitude", "lon", "lng", "long", "longitude"
#define GEO_SEARCH_PARAMS                                                                          \
    P("q", "limit", "autocomplete", GEO_POINT, "type", "postcode", "citycode")
#define GEO_REVERSE_PARAMS P(GEO_POINT, "limit", "type", "postcode", "citycode")
#define GEO_CSV_OPTIONS                                                                            \
    "result_columns", "postcode", "citycode", "type", "lat", "lon", "delimiter", "quote",          \
    "encoding", "with_bom"
#define GEO_SEARCH_CSV_PARAMS P("columns", GEO_CSV_OPTIONS, "min_score")
#define GEO_REVERSE_CSV_PARAMS P(GEO_CSV_OPTIONS)
#define OGC_SEARCH                                                                                 \
    "lat", "lon", "radius", "k", "q", "category", "commune", "open_now", "sortby", "properties"
#define OGC_META_PARAMS P("f", OGC_SEARCH)
#define BO_QUEUE_PARAMS P("form", "commune", "status", "from", "to", "q", "sort", "page")

static const struct api_route routes[] = {
    /* method pattern                   handler             allowed query parameters  flags */
    {"GET", "/api/health",              h_health,           NULL,                     API_NO_STORE},
    {"GET", "/metrics",                 h_metrics,          NULL,                     API_NO_STORE},
    {"GET", "/api/territory",           h_territory,        NULL,                     0},
    {"GET", "/api/categories",          h_categories,       NULL,                     0},
    {"GET", "/api/communes",            h_communes,         NULL,                     0},
    {"GET", "/api/communes.geojson",    h_communes_geojson, NULL,                     0},
    {"GET", "/api/places",              h_places_search,
            P("lat", "lon", "radius", "k", "bbox", "q", "category", "commune", "open_now",
              "open_at", "sort", "facets", "limit", "cursor", "f", "properties"),
                                                                          API_FORMATS | API_TIME},
    {"GET", "/api/places/{id}",         h_place,            NULL,                     API_TIME},
    {"GET", "/api/autocomplete",        h_autocomplete,
            P("q", "lat", "lon", "limit", "procedures"),                  0},
    /* BAN-compatible geocoding (h_geocode.c, h_geocode_csv.c): with and without the slash */
    {"GET", "/api/search",              h_geo_search,       GEO_SEARCH_PARAMS,        API_ADDOK},
    {"GET", "/api/search/",             h_geo_search,       GEO_SEARCH_PARAMS,        API_ADDOK},
    {"GET", "/api/reverse",             h_geo_reverse,      GEO_REVERSE_PARAMS,       API_ADDOK},
    {"GET", "/api/reverse/",            h_geo_reverse,      GEO_REVERSE_PARAMS,       API_ADDOK},
    {"POST", "/api/search/csv",         h_geo_search_csv,   GEO_SEARCH_CSV_PARAMS,
                                                                   API_NO_STORE | API_ADDOK},
    {"POST", "/api/search/csv/",        h_geo_search_csv,   GEO_SEARCH_CSV_PARAMS,
                                                                   API_NO_STORE | API_ADDOK},
    {"POST", "/api/reverse/csv",        h_geo_reverse_csv,  GEO_REVERSE_CSV_PARAMS,
                                                                   API_NO_STORE | API_ADDOK},
    {"POST", "/api/reverse/csv/",       h_geo_reverse_csv,  GEO_REVERSE_CSV_PARAMS,
                                                                   API_NO_STORE | API_ADDOK},
    /* The DCAT-AP catalogue of the open data (docs/opendata.md): by Accept, or one syntax */
    {"GET", "/catalog",                 h_catalog,          P("page"),                0},
    {"GET", "/catalog.jsonld",          h_catalog_jsonld,   P("page"),                0},
    {"GET", "/catalog.ttl",             h_catalog_turtle,   P("page"),                0},
    {"GET", "/catalog.rdf",             h_catalog_rdfxml,   P("page"),                0},
    {"GET", "/catalog.csv",             h_catalog_csv,      NULL,                     0},
    /* OGC API - Features (docs/ogc.md). The metadata resources accept (and ignore) the
     * places search parameters, declared so in the OpenAPI document: a client may add one
     * query string to all its requests (GDAL: OAPIF:https://host/ogc?lat=...&lon=...). */
    {"GET", "/ogc",                     h_ogc_landing,      OGC_META_PARAMS,          API_HTML},
    {"GET", "/ogc/",                    h_ogc_landing,      OGC_META_PARAMS,          API_HTML},
    {"GET", "/ogc/conformance",         h_ogc_conformance,  OGC_META_PARAMS,          API_HTML},
    {"GET", "/ogc/api",                 h_ogc_api,          OGC_META_PARAMS,          API_HTML},
    {"GET", "/ogc/collections",         h_ogc_collections,  OGC_META_PARAMS,          API_HTML},
    {"GET", "/ogc/collections/{collectionId}", h_ogc_collection, OGC_META_PARAMS,     API_HTML},
    {"GET", "/ogc/collections/{collectionId}/queryables", h_ogc_queryables, P("f"),  API_HTML},
    {"GET", "/ogc/collections/{collectionId}/schema", h_ogc_schema, P("f"),          API_HTML},
    {"GET", "/ogc/collections/{collectionId}/schema.xsd", h_ogc_schema_xsd, NULL,   0},
    {"GET", "/ogc/collections/{collectionId}/items", h_ogc_items,
            P("f", "limit", "bbox", "bbox-crs", "datetime", "crs", "cursor", "filter",
              "filter-lang", "filter-crs", OGC_SEARCH),
                                                     API_HTML | API_FORMATS | API_TIME_FILTER},
    {"GET", "/ogc/collections/{collectionId}/items/{featureId}", h_ogc_item, P("f", "crs"),
                                                                   API_HTML | API_FORMATS},
    /* Downloads (docs/api.md, Exports): a filtered export; the full exports of the import */
    {"GET", "/api/export",              h_export,
            P("format", "licence", "lat", "lon", "radius", "k", "bbox", "q", "category",
              "commune", "open_now", "open_at"),                    API_TIME_FILTER},
    {"GET", "/api/exports",             h_exports_list,     NULL,                     0},
    {"GET", "/data/{name}",             h_data_file,        NULL,                     API_NO_STORE},
    /* Feeds and open data of the agenda, news and alerts (docs/vie-locale.md §6) */
    {"GET", "/api/events.ics",          h_events_ics,       P("commune", "category"), 0},
    {"GET", "/api/events.csv",          h_events_csv,
            P("commune", "category", "from", "to"),                       0},
    {"GET", "/api/news.atom",           h_news_atom,        P("commune", "kind"),     0},
    {"GET", "/api/news.rss",            h_news_rss,         P("commune", "kind"),     0},
    /* Online procedures (docs/forms.md): csrf before {id}, which it would otherwise match */
    /* The waste collection calendar (docs/vie-locale.md §5): one of commune, lat+lon, q */
    {"GET", "/api/waste",               h_waste,
            P("commune", "zone", "lat", "lon", "q", "from", "days"),       0},
    {"GET", "/api/waste.ics",           h_waste_ics,
            P("commune", "zone", "lat", "lon", "q"),                       0},
    {"GET", "/api/forms",               h_forms_list,       P("commune"),             0},
    {"GET", "/api/forms/csrf",          h_forms_csrf,       NULL,                     API_NO_STORE},
    {"GET", "/api/forms/{id}",          h_form,             NULL,                     0},
    {"POST", "/api/forms/{id}/submissions", h_form_submit,  NULL,     API_NO_STORE | API_FORM_BODY},
    {"GET", "/api/requests/{code}/{token}", h_request,      NULL,                     API_NO_STORE},
    {"POST", "/api/requests/{code}/{token}/complement", h_request_complement, NULL,
                                                                API_NO_STORE | API_FORM_BODY},
    {"POST", "/api/requests/{code}/{token}/withdraw", h_request_withdraw, NULL,   API_NO_STORE},
    {"GET", "/api/requests/{code}/{token}/attachments/{n}", h_request_attachment, NULL,
                                                                              API_NO_STORE},
    /* The agents' back office (docs/backoffice.md): a session cookie, CSRF on every POST */
    {"POST", "/api/bo/login",           h_bo_login,         NULL,                     API_NO_STORE},
    {"POST", "/api/bo/logout",          h_bo_logout,        NULL,                     API_NO_STORE},
    {"POST", "/api/bo/logout-all",      h_bo_logout_all,    NULL,                     API_NO_STORE},
    {"GET", "/api/bo/me",               h_bo_me,            NULL,                     API_NO_STORE},
    {"GET", "/api/bo/agents",           h_bo_agents,        NULL,                     API_NO_STORE},
    {"POST", "/api/bo/agents",          h_bo_agents_post,   NULL,                     API_NO_STORE},
    {"GET", "/api/bo/outbox",           h_bo_outbox,        P("state", "limit"),      API_NO_STORE},
    {"GET", "/api/bo/register",         h_bo_register,      NULL,                     API_NO_STORE},
    {"GET", "/api/bo/requester",        h_bo_requester,     P("email"),               API_NO_STORE},
    {"POST", "/api/bo/requester/erase", h_bo_requester_erase, NULL,                   API_NO_STORE},
    {"POST", "/api/bo/requests/{id}/contribution", h_bo_contribution, NULL,       API_NO_STORE},
    /* The back office (docs/backoffice.md §3): the queue, a request's page, its actions */
    {"GET", "/api/bo/requests",         h_bo_requests,      BO_QUEUE_PARAMS,          API_NO_STORE},
    {"GET", "/api/bo/requests.csv",     h_bo_requests_csv,  BO_QUEUE_PARAMS,          API_NO_STORE},
    {"GET", "/api/bo/requests.xlsx",    h_bo_requests_xlsx, BO_QUEUE_PARAMS,          API_NO_STORE},
    {"GET", "/api/bo/requests/{id}",    h_bo_request,       NULL,                     API_NO_STORE},
    {"GET", "/api/bo/requests/{id}/attachments/{n}", h_bo_request_attachment, NULL, API_NO_STORE},
    {"POST", "/api/bo/requests/{id}/transition", h_bo_request_transition, NULL,   API_NO_STORE},
    {"POST", "/api/bo/requests/{id}/comment", h_bo_request_comment, NULL,         API_NO_STORE},
    {"POST", "/api/bo/requests/{id}/assign", h_bo_request_assign, NULL,           API_NO_STORE},
    {"GET", "/api/bo/requests/{id}/certificate", h_bo_request_certificate, NULL,  API_NO_STORE},
    {"GET", "/api/bo/requests/{id}/audit", h_bo_request_audit, NULL,              API_NO_STORE},
    {"GET", "/api/bo/requests/{id}/audit.csv", h_bo_request_audit_csv, NULL,      API_NO_STORE},
    {"GET", "/api/bo/views",            h_bo_views,         NULL,                     API_NO_STORE},
    {"POST", "/api/bo/views",           h_bo_views_save,    NULL,                     API_NO_STORE},
    /* The daily life (docs/vie-locale.md): agenda, news, alerts; ETags from the store */
    {"GET", "/api/events",              h_events,
            P("commune", "from", "to", "category", "q", "limit"),   API_LIFE | API_TIME},
    {"GET", "/api/events/{id}",         h_event,            NULL,           API_LIFE | API_TIME},
    {"GET", "/api/news",                h_news,  P("kind", "commune", "limit"), API_LIFE | API_TIME},
    {"GET", "/api/alerts",              h_alerts,           P("commune"),   API_LIFE | API_TIME},
    {"GET", "/api/life/{id}/image",     h_life_image,       NULL,           API_LIFE | API_TIME},
    {"GET", "/api/bo/life",             h_bo_life_list, P("kind", "status", "commune"), API_NO_STORE},
    {"POST", "/api/bo/life",            h_bo_life_create,   NULL,                     API_NO_STORE},
    {"GET", "/api/bo/life/{id}",        h_bo_life_get,      NULL,                     API_NO_STORE},
    {"POST", "/api/bo/life/{id}",       h_bo_life_update,   NULL,                     API_NO_STORE},
    {"POST", "/api/bo/life/{id}/publish", h_bo_life_publish, NULL,                    API_NO_STORE},
    {"POST", "/api/bo/life/{id}/unpublish", h_bo_life_unpublish, NULL,                API_NO_STORE},
    {"POST", "/api/bo/life/{id}/image", h_bo_life_image,    NULL,                     API_NO_STORE},
    {"POST", "/api/bo/requests/{id}/event", h_bo_event_decision, NULL,                API_NO_STORE},
    /* The resident's pages (map-ui/README.md): clean French URLs, before the static files */
    {"GET", "/je-m-installe",           h_page,             NULL,                     API_STATIC},
    {"GET", "/communes",                h_page,             NULL,                     API_STATIC},
    {"GET", "/agenda",                  h_page,             NULL,                     API_STATIC},
    {"GET", "/actualites",              h_page,             NULL,                     API_STATIC},
    {"GET", "/commune/{insee}",         h_commune_page,     NULL,                     API_STATIC},
    {"GET", "/",                        h_static,           NULL,                     API_STATIC},
    /* any other path under /ogc: 404 JSON naming the OGC API, not the static files' answer */
    {"GET", "/ogc/{rest*}",             h_ogc_unknown,      NULL,                     API_STATIC},
    {"GET", "/{file*}",                 h_static,           NULL,                     API_STATIC},
};

const struct api_route *api_routes(size_t *n)
{
    *n = sizeof routes / sizeof routes[0];
    return routes;
}
