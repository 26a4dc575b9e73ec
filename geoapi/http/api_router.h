/*
 * api_router.h — the route table's types and the dispatcher that applies it.
 *
 * The dispatcher does every shape check centrally, before any handler runs:
 *   - unknown path -> 404 NotFound; known path, other method -> 405 MethodNotAllowed + Allow;
 *   - HEAD is GET (the server sends no body); OPTIONS on a path of the public API (/api/,
 *     /ogc/, /catalog*: api_route_cors_path) is a CORS preflight (204 with Allow and
 *     Access-Control-Allow-*);
 *   - query string longer than max_query_len -> 400 on "query";
 *   - malformed %-escapes, a decoded NUL or invalid UTF-8 -> 400 naming the parameter;
 *   - a parameter the route does not list -> 400 UnknownParameter; twice -> 400 RepeatedParameter
 *     (API_ADDOK routes: ignored, and kept each time);
 *   - API_FORMATS routes: f= (json, geojson) or else Accept picks the representation (400 on a
 *     bad f, 406 when Accept allows neither);
 *   - cacheable routes: the entity tag is computed from what determines the answer (database
 *     build, server configuration, route, path, parameters sorted, representation, and the
 *     minute for API_TIME routes, and API_TIME_FILTER ones filtering on open_now, without
 *     open_at); If-None-Match matching it -> 304 without running the handler.
 * Handlers therefore only validate values (api_request.h getters).
 */
#ifndef API_ROUTER_H
#define API_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "api_config.h"
#include "api_request.h"
#include "api_response.h"

struct api_dbpool;
struct api_forms;
struct api_bo;
struct api_life;
struct gdir_calendar;
struct life_waste;
struct api_metrics;

/* What handlers may reach besides their request. Shared by all threads, read-only. */
struct api_ctx {
    const struct api_config *cfg;
    struct api_dbpool *pool;    /* per-thread read-only connections (api_dbpool.h) */
    const char *static_root;    /* realpath of static_dir */
    const char *vendor_root;    /* realpath of vendor_dir, NULL when it does not exist */
    const char *cluster_root;   /* realpath of static_dir/node_modules/supercluster/dist, or NULL */
    const struct gdir_calendar *calendar;   /* school holidays (SH) of opening hours, or NULL */
    uint64_t config_tag;        /* hash of the effective configuration (part of every ETag) */
    struct api_forms *forms;    /* the online procedures (forms/api_forms.h), NULL when
                                 * forms_dir is not set */
    struct api_bo *bo;          /* the back office (backoffice/api_bo.h), NULL when forms_dir
                                 * is not set */
    struct api_mod *mod;        /* moderation of contributions (backoffice/api_bo_mod.h), NULL
                                 * without importer_config */
    struct api_life *life;      /* the daily life: agenda, news, alerts (life/api_life.h), NULL
                                 * when forms_dir is not set */
    /* The daily-life store's change counter for the ETags of API_LIFE routes (api_life_tag),
     * NULL when there is none. */
    uint64_t (*life_tag)(const struct api_ctx *ctx);
    const struct life_waste *waste;   /* the waste collection calendar (life/life_waste.h),
                                       * NULL without waste_file */
    struct api_metrics *metrics;      /* GET /metrics' counters (metrics/api_metrics.h) */
    unsigned (*connections)(const struct api_ctx *ctx);   /* connections open now */
    long long started;                /* start time, seconds since the epoch */
};

/* A handler fills res and returns 0, or returns a negative GDIR_E* code with err filled; the
 * router then answers api_error(err). Handlers must not write a body for errors themselves. */
typedef int api_handler_fn(const struct api_ctx *ctx, const struct api_request *req,
                           struct api_response *res, struct gdir_err *err);

/* Route flags. */
#define API_NO_STORE 0x1   /* Cache-Control: no-store (default: a short max-age), no ETag */
#define API_STATIC 0x2     /* a static file route: the query string is ignored */
#define API_FORMATS 0x4    /* f= / Accept choose between GeoJSON and JSON (req->format) */
#define API_TIME 0x8       /* the answer depends on the current minute (opening hours), unless
                            * the request names its instant with open_at */
#define API_HTML 0x10      /* OGC API pages: f= (json, html, and geojson with API_FORMATS) or
                            * else Accept choose JSON, GeoJSON or HTML (api_negotiate_html);
                            * links are absolute, built from the Host header */
#define API_FORM_BODY 0x40  /* a POST of the online procedures: its body may have
                             * max_form_body bytes (not max_upload_size) */
#define API_TIME_FILTER 0x20 /* the answer depends on the current minute only through the
                              * open_now filter (no open/closed status in the answer) */
#define API_LIFE 0x80       /* the answer depends on the daily-life store: its change counter
                             * (life_db_version, api_life_tag) is part of the ETag */
#define API_ADDOK 0x100     /* the BAN-compatible geocoding endpoints (docs/geocoding.md,
                             * « addok compatibility »): as addok, a query parameter the route
                             * does not list is ignored (not even stored), and a listed one may
                             * be repeated (each value kept in order; the handler refuses
                             * repeats it cannot use) */

/* The negotiation of API_HTML routes (h_ogc_common.c): f= first (json, html, and geojson when
 * geo is set), else Accept (text/html, application/json, application/geo+json, the OpenAPI
 * media type; JSON on a tie or without Accept). Returns 0, or GDIR_EINVAL (bad f) /
 * GDIR_ENOTACCEPT with err filled. */
int api_negotiate_html(const struct api_request *req, int geo, enum api_format *fmt,
                       struct gdir_err *err);

struct api_route {
    const char *method;             /* "GET" (HEAD is implied) or "POST" (an upload: the
                                     * server receives the body, bounded, for the handler) */
    const char *pattern;            /* "/api/places/{id}"; a last segment "{name*}" takes the
                                     * rest of the path, but never under /api/ */
    api_handler_fn *handler;
    const char *const *params;      /* allowed query parameters, NULL-terminated; NULL: none */
    unsigned flags;                 /* API_* above */
};

/* 1 when the answer to target (path and query string) carries the CORS headers: the public
 * API under /api and /ogc, and the DCAT catalogue (/catalog, /catalog.jsonld, .ttl, .rdf, .csv);
 * an OPTIONS request on such a route is a preflight. */
int api_route_cors_path(const char *target);

/* When a route of this method (POST) matches the target's path, the largest body it takes
 * (max_form_body for API_FORM_BODY routes, else max_upload_size): the server then receives the
 * request body and hands it to the handler in req->headers->body. 0 for any other request. */
size_t api_route_body_limit(const struct api_config *cfg, const char *method, const char *target);

/* The route table (api_routes.c), in display order; *n receives its length. */
const struct api_route *api_routes(size_t *n);

/* Matches a decoded path against one pattern; on success stores up to API_MAX_CAPTURES
 * captures (names and values, values as offsets into path) and returns 1. */
int api_route_match(const char *pattern, const char *path, struct api_request *req);

/* Decodes the query string q[0..qlen) (without its '?') into req->params and req->query_buf
 * (owned by req, freed by api_request_free) and checks it against r's parameter list: each
 * name and value %-decoded ('+' as space), without NUL, valid UTF-8; names listed by r, each
 * once. req must be initialised (api_request_init) and hold no parameters yet. Returns 0, or
 * GDIR_EINVAL (a value), GDIR_EUNKNOWNPARAM or GDIR_EREPEATED with err naming the parameter (GDIR_ENOMEM). */
int api_parse_query(const struct api_route *r, const char *q, size_t qlen,
                    struct api_request *req, struct gdir_err *err);

/* Answers one request: method name as received, target as received (raw path and query, not
 * decoded), the headers it needs (NULL: none). Always leaves a complete response in res (never
 * fails). Returns the route used, or NULL when none matched (404/405, preflight). */
const struct api_route *api_dispatch(const struct api_ctx *ctx, const char *method,
                                     const char *target, const struct api_headers *headers,
                                     struct api_response *res);

#endif
