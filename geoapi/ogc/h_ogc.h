/*
 * h_ogc.h — what the OGC API - Features handlers (h_ogc_*.c) share: the collections, the CRS
 * of Part 2 (CRS84, EPSG:4326, EPSG:2154), the bbox / bbox-crs / crs / datetime parameters,
 * absolute links, and the JSON and HTML frames of every page. Internal to geoapi: the router
 * only sees the handlers (api_handlers.h) and api_negotiate_html (api_router.h).
 *
 * Mounted under /ogc: landing page, conformance, API definition, collections, items, item.
 * The contract is docs/ogc.md.
 */
#ifndef H_OGC_H
#define H_OGC_H

#include <stddef.h>
#include <time.h>

#include "api_handlers.h"
#include "api_queries.h"
#include "gdir_buf.h"
#include "gdir_geo.h"
#include "gdir_json.h"
#include "gdir_taxonomy.h"

#define OGC_ROOT "/ogc"

/* Media types, exactly as sent. */
#define OGC_CT_JSON "application/json"
#define OGC_CT_GEOJSON "application/geo+json"
#define OGC_CT_HTML "text/html; charset=utf-8"
#define OGC_CT_OPENAPI "application/vnd.oai.openapi+json;version=3.0"
#define OGC_MT_HTML "text/html"        /* the type of links to HTML pages */

/* Conformance classes declared by /ogc/conformance (one test each in tests/ogc/). */
#define OGC_CONF_CORE "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
#define OGC_CONF_OAS30 "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
#define OGC_CONF_HTML "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html"
#define OGC_CONF_GEOJSON "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
#define OGC_CONF_CRS "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"

/* Link relations of Part 3 (queryables) and Part 5 (schema). */
#define OGC_REL_QUERYABLES "http://www.opengis.net/def/rel/ogc/1.0/queryables"
#define OGC_REL_SCHEMA "http://www.opengis.net/def/rel/ogc/1.0/schema"
#define OGC_CONF_QUERYABLES "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables"
/* Part 3 Filter and Features Filter, and the CQL2 classes the filter parameter passes. */
#define OGC_CONF_FILTER "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter"
#define OGC_CONF_FEATURES_FILTER                                                                   \
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter"
#define OGC_CONF_CQL2_TEXT "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text"
#define OGC_CONF_CQL2_JSON "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json"
#define OGC_CONF_CQL2_BASIC "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2"
#define OGC_CONF_CQL2_SPATIAL "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions"

/* ---- CRS (h_ogc_crs.c) ------------------------------------------------------------------- */

enum ogc_crs { OGC_CRS84, OGC_EPSG4326, OGC_EPSG2154, OGC_CRS_COUNT };

/* "http://www.opengis.net/def/crs/OGC/1.3/CRS84", ".../EPSG/0/4326", ".../EPSG/0/2154". */
const char *ogc_crs_uri(enum ogc_crs c);

/* The Content-Crs header value: the URI in angle brackets. Static storage. */
const char *ogc_crs_header(enum ogc_crs c);

/* Reads parameter name (crs, bbox-crs) as one of the URIs above; CRS84 when absent. 400 for
 * any other value, naming the parameter and listing the supported URIs. */
int ogc_param_crs(const struct api_request *req, const char *name, enum ogc_crs *out,
                  struct gdir_err *err);

/* A point (degrees) in crs, in that CRS's axis order: CRS84 lon, lat; EPSG:4326 lat, lon;
 * EPSG:2154 easting, northing (metres). */
void ogc_crs_point(enum ogc_crs crs, double lat, double lon, double *a, double *b);

/* Decimals written for coordinates of crs: 7 for degrees (about 1 cm), 3 for metres. */
int ogc_crs_decimals(enum ogc_crs crs);

/* Lambert-93 metres back to degrees (inverse projection, iterated to 1e-12 rad). */
void ogc_l93_inverse(double x, double y, double *lat, double *lon);

/* The bbox of a request (bbox + bbox-crs). */
struct ogc_bbox {
    int has;
    enum ogc_crs crs;               /* bbox-crs */
    double v[4];                    /* as given, in the CRS's axis order */
    int wraps;                      /* CRS84/4326 box crossing the antimeridian (minlon > maxlon) */
    struct gdir_bbox envelope;      /* a lon/lat box enclosing it (for the R*Trees) */
};

/* Reads bbox (4 numbers; 6 are refused: the data has no heights) and bbox-crs. Values outside
 * the CRS's domain, min > max (but for longitudes, the antimeridian) and bbox-crs without
 * bbox answer 400. */
int ogc_param_bbox(const struct api_request *req, struct ogc_bbox *b, struct gdir_err *err);

/* 1 when the point lies in the box, tested exactly in the box's CRS (edges included). */
int ogc_bbox_contains(const struct ogc_bbox *b, double lat, double lon);

/* The box as a WGS84 lon/lat WKT polygon (edges densified when the box is in Lambert-93, a
 * MULTIPOLYGON across the antimeridian), for exact tests of polygons (communes). */
int ogc_bbox_wkt(const struct ogc_bbox *b, struct gdir_buf *out);

/* Writes a GeoJSON geometry given as text (WGS84 lon/lat, as SpatiaLite's AsGeoJSON writes
 * it) in crs: coordinates projected and put in the CRS's axis order. Returns 0 or a negative
 * code (malformed text: GDIR_EINTERNAL). */
int ogc_write_geometry(struct gdir_json *j, const char *geojson, enum ogc_crs crs);

/* ---- datetime (h_ogc_crs.c) --------------------------------------------------------------- */

/* An interval of seconds since the epoch, [start, end) half-open; open ends are
 * OGC_TIME_MIN / OGC_TIME_MAX. */
#define OGC_TIME_MIN (-(1ll << 62))
#define OGC_TIME_MAX (1ll << 62)
struct ogc_interval {
    long long start, end;
};

/* Reads datetime: an RFC 3339 date-time, a date (the whole UTC day), or an interval of them
 * with '/' ("..", or an empty side, for an open end). *has = 0 when absent; 400 when malformed
 * or when start > end. */
int ogc_param_datetime(const struct api_request *req, int *has, struct ogc_interval *out,
                       struct gdir_err *err);

/* The interval a stored date covers: "YYYY-MM-DD" the UTC day, a date-time its second. 0, or
 * -1 when s is neither (the record then has no temporal value). */
int ogc_date_interval(const char *s, struct ogc_interval *out);

/* 1 when the intervals meet. */
int ogc_interval_meets(const struct ogc_interval *a, const struct ogc_interval *b);

/* ---- collections (h_ogc_common.c) ---------------------------------------------------------- */

enum ogc_kind { OGC_KIND_PLACES, OGC_KIND_COMMUNES, OGC_KIND_ADDRESSES, OGC_KIND_EVENTS };

struct ogc_collection {
    enum ogc_kind kind;
    char id[64];                          /* "places", "places-health", "communes", ... */
    const struct gdir_category *category; /* places-<code>: its top-level category, else NULL */
};

/* The i-th collection of the directory in display order (places, one per top-level category,
 * communes, addresses); 0 past the end. */
int ogc_collection_at(size_t i, struct ogc_collection *out);

/* The same, then `events` (the agenda's occurrences, geoapi/life/h_feeds.h) when the server
 * has the daily-life store (cfg: forms_dir set). */
struct api_config;
int ogc_collection_listed(const struct api_config *cfg, size_t i, struct ogc_collection *out);

/* The collection named id (among those listed for cfg); GDIR_ENOTFOUND with err filled when
 * there is none. */
int ogc_collection_find(const struct api_config *cfg, const char *id,
                        struct ogc_collection *out, struct gdir_err *err);

/* French title and description of a collection. */
void ogc_collection_title(const struct ogc_collection *c, char *out, size_t cap);
const char *ogc_collection_description(const struct ogc_collection *c);

/* A licence id ("etalab-2.0", "ODbL-1.0", ...): its URL and French title; NULL when unknown. */
const char *ogc_licence_url(const char *id);
const char *ogc_licence_title(const char *id);

/* ---- links (h_ogc_common.c) ---------------------------------------------------------------- */

/* Appends the base URL of the OGC API: the server's public_url + "/ogc"; without one,
 * "http://<Host>/ogc" when Host is a loopback address, else "/ogc" alone (relative links: an
 * unchecked Host never reaches a body, issue 10 D8). */
int ogc_base(const struct api_request *req, struct gdir_buf *out);

/* Appends the absolute URL of this request's resource with format f ("json", "geojson",
 * "html") and its other parameters as given, but f and cursor; cursor appended when not NULL.
 * skip (may be NULL) names one more parameter to leave out. */
int ogc_self_url(struct gdir_buf *out, const struct api_request *req, const char *f,
                 const char *cursor, const char *skip);

/* Writes one link object {"href","rel","type","title"} (title may be NULL). */
void ogc_link(struct gdir_json *j, const char *href, const char *rel, const char *type,
              const char *title);

/* Writes a link to base + path (path under /ogc, e.g. "/collections") with ?f=f. */
int ogc_link_to(struct gdir_json *j, const struct api_request *req, const char *path,
                const char *f, const char *rel, const char *type, const char *title);

/* Begins the "links" member of a JSON resource with its self link (format self_f, type
 * self_type, title what) and its alternate HTML link ("<what> en HTML"); cursor (may be NULL)
 * is kept in both. The caller adds its other links and ends the array. */
int ogc_links_begin(struct gdir_json *j, const struct api_request *req, const char *self_f,
                    const char *self_type, const char *cursor, const char *what);

/* Ends the JSON body of a resource: rc, the writing's outcome so far, reported as
 * "<what>: <error text>", else api_json_done with OGC_CT_JSON. */
int ogc_json_done(struct api_response *res, const struct gdir_json *j, int rc, const char *what,
                  struct gdir_err *err);

/* ISO 8601 UTC of t ("2026-05-04T10:00:00Z"). */
void ogc_utc(time_t t, char *out, size_t cap);

/* The title of the service: "<territory name> — annuaire" (meta territory of the thread's
 * database), or a default. */
int ogc_service_title(const struct api_ctx *ctx, char *out, size_t cap, struct gdir_err *err);

/* ---- collection metadata (h_ogc_collections.c) ----------------------------------------- */

/* What the summaries of the tables say about one collection. */
struct ogc_summary {
    long long n;
    double minlon, minlat, maxlon, maxlat;   /* NAN when no record is located: then the
                                              * territory's (its communes'), if any */
    char min_date[40], max_date[40];         /* "" when none */
    char licences[4][24];                    /* distinct licence ids, in first-seen order */
    size_t n_licences;
};

/* Reads the summaries of the n collections cs into out[0..n): one pass over each table, once
 * per database build (db->build_id), then from a cache shared by all threads. The summary of
 * `events` (not in the directory) is read from the daily-life store at each call. */
int ogc_summarize(const struct api_ctx *ctx, struct api_db *db, const struct ogc_collection *cs,
                  size_t n, struct ogc_summary *out, struct gdir_err *err);

/* Writes the collection object of c (the element of /collections and /collections/{id}). */
int ogc_write_collection(struct gdir_json *j, const struct api_request *req,
                         const struct ogc_collection *c, const struct ogc_summary *s);

/* ---- queryables (h_ogc_schema.c) and the CQL2 filter (h_ogc_filter.c) -------------------- */

/* 1 when name is a queryable of kind k (not "geometry"), with its JSON Schema type and
 * format (NULL when none). */
int ogc_queryable(enum ogc_kind k, const char *name, const char **type, const char **format);

/* "geometry, name, category, ..." into out. */
void ogc_queryables_list(enum ogc_kind k, char *out, size_t cap);

#include "ogc_cql2.h"

/* The filter of one items request: the expression, its SQL condition and values, then the
 * keys of the rows it selects (sorted): ids (places, addresses, events: the index of the
 * occurrence), pts (addresses: lon lat of each id), keys (communes: INSEE codes). */
struct ogc_filter {
    int has;
    enum ogc_kind kind;
    struct cql2 tree;
    struct gdir_buf where;
    struct api_bind *binds;
    size_t n_binds, cap_binds;
    long long *ids;
    size_t n_ids, cap_ids;
    double *pts;
    size_t cap_pts;
    char (*keys)[16];
    size_t n_keys, cap_keys;
};

/* Reads filter, filter-lang (cql2-text, the default, or cql2-json) and filter-crs (CRS84, the
 * default, or EPSG:4326) and translates the expression; f->has = 0 without filter. 400 naming
 * the parameter: a syntax error (the character, what was expected), an unknown property
 * (named), a literal of another type than its property, a limit of ogc_cql2.h exceeded. f is
 * to be freed (ogc_filter_free) whatever the outcome. */
int ogc_filter_read(const struct api_request *req, enum ogc_kind kind, struct ogc_filter *f,
                    struct gdir_err *err);

/* Runs the filter on its collection's table (rows_json: events, the occurrences' queryable
 * values as a JSON array; else NULL) and keeps the keys of the rows it selects. */
int ogc_filter_run(struct api_db *db, struct ogc_filter *f, const char *rows_json,
                   struct gdir_err *err);

int ogc_filter_has_id(const struct ogc_filter *f, long long id);
int ogc_filter_has_key(const struct ogc_filter *f, const char *key);
void ogc_filter_free(struct ogc_filter *f);

/* ---- the OpenAPI document (h_ogc_openapi.c) ------------------------------------------------ */

/* openapi.json of this folder, compiled in by CMake (gdir_embed_text). */
extern const char ogc_openapi_json[];

struct cJSON;
struct api_config;

/* The document /ogc/api serves: openapi.json (parsed once) with its null members filled in from
 * cfg (limits), the collections, the CRS, the taxonomy and the place properties, info.title set
 * to title and servers[0].url to base, and the paths of x-geodir-collection-paths made once per
 * collection. *out: a new tree (cJSON_Delete). GDIR_EINTERNAL when openapi.json does not parse
 * or lacks a member it must have, GDIR_ENOMEM. */
int ogc_openapi_document(const struct api_config *cfg, const char *title, const char *base,
                         struct cJSON **out, struct gdir_err *err);

/* The properties of a place feature, in output order, NULL-terminated (h_ogc_items.c). */
extern const char *const ogc_place_props[];

/* ---- HTML frames (h_ogc_pages.c) --------------------------------------------------------- */

struct api_html;

/* Starts a French page: doctype, head (title, stylesheet, alternate JSON link), header with
 * breadcrumb (crumbs: pairs of href (absolute) and label, NULL-terminated; the last one is the
 * current page and has no link), then <main>. json_href: the page's JSON alternate. */
int ogc_html_begin(struct api_html *h, const struct api_request *req, const char *title,
                   const char *const *crumbs, const char *json_href, const char *json_type,
                   int with_map);

/* Ends the page: </main>, footer, and the map script when with_map. */
int ogc_html_end(struct api_html *h, int with_map);

/* The page of a description resource (landing page, conformance, API, collections), written
 * on res's body: ogc_html_begin without a map, the alternate being this request's resource
 * with f=json (of type json_type). */
int ogc_page_begin(struct api_html *h, struct api_response *res, const struct api_request *req,
                   const char *title, const char *const *crumbs, const char *json_type);

/* Ends it: rc, the writing's outcome so far; then ogc_html_end. An error is reported as
 * "<what>: <error text>"; else the answer is HTML (OGC_CT_HTML). */
int ogc_page_end(struct api_html *h, struct api_response *res, int rc, const char *what,
                 struct gdir_err *err);

#endif
