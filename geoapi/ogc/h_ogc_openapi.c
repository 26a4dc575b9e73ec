/*
 * h_ogc_openapi.c — GET /ogc/api: the API definition as an OpenAPI 3.0 document
 * (application/vnd.oai.openapi+json;version=3.0), or its documentation page in HTML.
 *
 * The document is generated from the same tables the handlers use: the collections
 * (h_ogc_common.c), the taxonomy (category codes), the place properties, and the server's
 * limits (default_limit, max_limit, default_radius, max_radius, max_q_len), so it never
 * disagrees with what the server accepts. Besides the template paths
 * (/collections/{collectionId}/items...), each collection has its own concrete items paths
 * with exactly the parameters it takes: GDAL and QGIS read the parameters of
 * /collections/<id>/items. The search parameters of the places collections are marked
 * "x-geodir-extension": they are not part of OGC API - Features. The description resources
 * (landing page, conformance, this document, collections) declare them too, without effect:
 * GDAL adds the query string of an OAPIF:<url>?<query> connection to every request.
 */
#include "h_ogc.h"
#include "api_dbpool.h"
#include "api_html.h"

#include <stdio.h>
#include <string.h>

#define MAX_COLLECTIONS 32

/* A parameter of the API, shared through #/components/parameters/<ref>. */
struct param_def {
    const char *ref;          /* component name */
    const char *name;         /* as in the query */
    const char *in;           /* "query" or "path" */
    const char *description;  /* French */
    int extension;            /* a geodir extension (not OGC API - Features) */
};

static const struct param_def params[] = {
    {"collectionId", "collectionId", "path", "Identifiant de la collection.", 0},
    {"featureId", "featureId", "path",
     "Identifiant de l’élément (lieux : source:identifiant ; communes : code INSEE ; "
     "adresses : source:identifiant).", 0},
    {"f-metadata", "f", "query",
     "Format de la réponse : json ou html (sinon, l’en-tête Accept choisit).", 0},
    {"f-features", "f", "query",
     "Format de la réponse : json ou geojson (GeoJSON tous les deux) ou html (sinon, "
     "l’en-tête Accept choisit).", 0},
    {"limit", "limit", "query",
     "Nombre maximal d’éléments de la page. Une valeur au-delà du maximum est ramenée au "
     "maximum.", 0},
    {"bbox", "bbox", "query",
     "Rectangle : les éléments dont la géométrie le touche (bords compris). Quatre nombres "
     "dans le système de bbox-crs : minx,miny,maxx,maxy (CRS84 : lon,lat ; EPSG:4326 : "
     "lat,lon ; EPSG:2154 : mètres Lambert-93).", 0},
    {"bbox-crs", "bbox-crs", "query", "Système de coordonnées de bbox (CRS84 par défaut).", 0},
    {"crs", "crs", "query",
     "Système de coordonnées des géométries de la réponse (CRS84 par défaut) ; l’en-tête "
     "Content-Crs le répète.", 0},
    {"datetime", "datetime", "query",
     "Date de la source des éléments (source_date des lieux) : un instant RFC 3339, une date "
     "(le jour UTC entier) ou un intervalle début/fin (.. ou vide : ouvert). Les éléments sans "
     "date (communes, adresses, lieux sans date) sont toujours gardés.", 0},
    {"cursor", "cursor", "query",
     "Position de la page, donnée par les liens next et prev (ne pas la fabriquer).", 0},
    {"lat", "lat", "query",
     "Latitude (WGS 84) du point de recherche : avec lon, trie par distance et garde les "
     "lieux à moins de radius mètres.", 1},
    {"lon", "lon", "query", "Longitude (WGS 84) du point de recherche.", 1},
    {"radius", "radius", "query",
     "Distance maximale au point (mètres, distance sur la sphère) ; avec lat et lon.", 1},
    {"k", "k", "query", "Les k lieux les plus proches du point (avec lat et lon).", 1},
    {"q", "q", "query",
     "Texte cherché dans les noms, sans tenir compte des accents ni de la casse, avec le "
     "dernier mot en préfixe et une faute de frappe tolérée.", 1},
    {"category", "category", "query",
     "Codes de catégories séparés par des virgules ; une catégorie de premier niveau prend "
     "ses sous-catégories.", 1},
    {"commune", "commune", "query", "Codes INSEE de communes membres, séparés par des virgules.",
     1},
    {"open_now", "open_now", "query",
     "true : seulement les lieux ouverts maintenant (selon leurs horaires).", 1},
    {"sortby", "sortby", "query",
     "Ordre : distance (avec lat, lon), relevance (avec q) ou name ; + permis, - refusé.", 1},
    {"properties", "properties", "query",
     "Propriétés à écrire, séparées par des virgules (toutes par défaut).", 1},
};

static const struct param_def *param_find(const char *ref)
{
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
        if (strcmp(params[i].ref, ref) == 0)
            return &params[i];
    return NULL;
}

static const char *const place_properties[] = {
    "name", "category", "category_label", "parent_category", "address", "postcode", "insee",
    "commune_name", "phone", "email", "website", "opening_hours", "description", "source",
    "source_title", "publisher", "licence", "source_date", "geocode_precision", "geocode_score",
    "distance_m", "score", NULL,
};

static const char *const common_items[] = {"f-features", "limit", "bbox", "bbox-crs",
                                           "datetime", "crs", "cursor", NULL};
static const char *const places_extra[] = {"lat", "lon", "radius", "k", "q", "category",
                                           "commune", "open_now", "sortby", "properties", NULL};

/* ---- JSON helpers ---------------------------------------------------------------------------- */

static void kref(struct gdir_json *j, const char *target)
{
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "$ref", target);
    gdir_json_obj_end(j);
}

static void str_enum(struct gdir_json *j, const char *const *values)
{
    gdir_json_key(j, "enum");
    gdir_json_arr_begin(j);
    for (size_t i = 0; values[i]; i++)
        gdir_json_str(j, values[i]);
    gdir_json_arr_end(j);
}

static void crs_enum(struct gdir_json *j)
{
    gdir_json_key(j, "enum");
    gdir_json_arr_begin(j);
    for (int i = 0; i < OGC_CRS_COUNT; i++)
        gdir_json_str(j, ogc_crs_uri((enum ogc_crs)i));
    gdir_json_arr_end(j);
}

/* The schema of one parameter. */
static void param_schema(struct gdir_json *j, const struct param_def *p,
                         const struct api_config *cfg)
{
    gdir_json_key(j, "schema");
    gdir_json_obj_begin(j);
    if (strcmp(p->ref, "collectionId") == 0) {
        struct ogc_collection c;
        gdir_json_kstr(j, "type", "string");
        gdir_json_key(j, "enum");
        gdir_json_arr_begin(j);
        for (size_t i = 0; ogc_collection_at(i, &c); i++)
            gdir_json_str(j, c.id);
        gdir_json_arr_end(j);
    } else if (strcmp(p->ref, "f-metadata") == 0) {
        static const char *const v[] = {"json", "html", NULL};
        gdir_json_kstr(j, "type", "string");
        str_enum(j, v);
    } else if (strcmp(p->ref, "f-features") == 0) {
        static const char *const v[] = {"json", "geojson", "html", NULL};
        gdir_json_kstr(j, "type", "string");
        str_enum(j, v);
    } else if (strcmp(p->ref, "limit") == 0) {
        gdir_json_kstr(j, "type", "integer");
        gdir_json_kint(j, "minimum", 1);
        gdir_json_kint(j, "maximum", cfg->max_limit);
        gdir_json_kint(j, "default", cfg->default_limit);
    } else if (strcmp(p->ref, "bbox") == 0) {
        gdir_json_kstr(j, "type", "array");
        gdir_json_kint(j, "minItems", 4);
        gdir_json_kint(j, "maxItems", 4);
        gdir_json_key(j, "items");
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "type", "number");
        gdir_json_obj_end(j);
    } else if (strcmp(p->ref, "bbox-crs") == 0 || strcmp(p->ref, "crs") == 0) {
        gdir_json_kstr(j, "type", "string");
        gdir_json_kstr(j, "format", "uri");
        crs_enum(j);
        gdir_json_kstr(j, "default", ogc_crs_uri(OGC_CRS84));
    } else if (strcmp(p->ref, "lat") == 0 || strcmp(p->ref, "lon") == 0) {
        int lat = p->ref[1] == 'a';
        gdir_json_kstr(j, "type", "number");
        gdir_json_kint(j, "minimum", lat ? -90 : -180);
        gdir_json_kint(j, "maximum", lat ? 90 : 180);
    } else if (strcmp(p->ref, "radius") == 0) {
        gdir_json_kstr(j, "type", "number");
        gdir_json_kint(j, "minimum", 0);
        gdir_json_kint(j, "maximum", cfg->max_radius);
        gdir_json_kint(j, "default", cfg->default_radius);
    } else if (strcmp(p->ref, "k") == 0) {
        gdir_json_kstr(j, "type", "integer");
        gdir_json_kint(j, "minimum", 1);
        gdir_json_kint(j, "maximum", cfg->max_limit);
    } else if (strcmp(p->ref, "q") == 0) {
        gdir_json_kstr(j, "type", "string");
        gdir_json_kint(j, "minLength", 1);
        gdir_json_kint(j, "maxLength", cfg->max_q_len);
    } else if (strcmp(p->ref, "category") == 0) {
        size_t n;
        const struct gdir_category *tax = gdir_taxonomy(&n);
        gdir_json_kstr(j, "type", "array");
        gdir_json_key(j, "items");
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "type", "string");
        gdir_json_key(j, "enum");
        gdir_json_arr_begin(j);
        for (size_t i = 0; i < n; i++)
            gdir_json_str(j, tax[i].code);
        gdir_json_arr_end(j);
        gdir_json_obj_end(j);
    } else if (strcmp(p->ref, "commune") == 0) {
        gdir_json_kstr(j, "type", "array");
        gdir_json_key(j, "items");
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "type", "string");
        gdir_json_kstr(j, "pattern", "^([0-9]{2}|2A|2B)[0-9]{3}$");
        gdir_json_obj_end(j);
    } else if (strcmp(p->ref, "open_now") == 0) {
        gdir_json_kstr(j, "type", "boolean");
    } else if (strcmp(p->ref, "sortby") == 0) {
        static const char *const v[] = {"distance", "+distance", "relevance", "+relevance",
                                        "name", "+name", NULL};
        gdir_json_kstr(j, "type", "string");
        str_enum(j, v);
    } else if (strcmp(p->ref, "properties") == 0) {
        gdir_json_kstr(j, "type", "array");
        gdir_json_key(j, "items");
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "type", "string");
        str_enum(j, place_properties);
        gdir_json_obj_end(j);
    } else {
        gdir_json_kstr(j, "type", "string");
    }
    gdir_json_obj_end(j);
}

static void write_param(struct gdir_json *j, const struct param_def *p,
                        const struct api_config *cfg)
{
    int array = strcmp(p->ref, "bbox") == 0 || strcmp(p->ref, "category") == 0 ||
                strcmp(p->ref, "commune") == 0 || strcmp(p->ref, "properties") == 0;
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "name", p->name);
    gdir_json_kstr(j, "in", p->in);
    gdir_json_kstr(j, "description", p->description);
    gdir_json_kbool(j, "required", strcmp(p->in, "path") == 0);
    if (strcmp(p->in, "query") == 0) {
        gdir_json_kstr(j, "style", "form");
        gdir_json_kbool(j, "explode", !array);
    }
    param_schema(j, p, cfg);
    if (p->extension)
        gdir_json_kbool(j, "x-geodir-extension", 1);
    gdir_json_obj_end(j);
}

/* "parameters": [{"$ref": ...}, ...] from the NULL-terminated lists. */
static void param_refs(struct gdir_json *j, const char *const *a, const char *const *b,
                       const char *const *c)
{
    const char *const *lists[] = {a, b, c};
    char target[96];
    gdir_json_key(j, "parameters");
    gdir_json_arr_begin(j);
    for (int l = 0; l < 3; l++)
        for (size_t i = 0; lists[l] && lists[l][i]; i++) {
            snprintf(target, sizeof target, "#/components/parameters/%s", lists[l][i]);
            kref(j, target);
        }
    gdir_json_arr_end(j);
}

/* responses: 200 with the given media types and schema refs, then the errors. */
static void responses(struct gdir_json *j, const char *ok_description, const char *json_type,
                      const char *json_schema, int html, int not_found)
{
    gdir_json_key(j, "responses");
    gdir_json_obj_begin(j);
    gdir_json_key(j, "200");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "description", ok_description);
    gdir_json_key(j, "content");
    gdir_json_obj_begin(j);
    gdir_json_key(j, json_type);
    gdir_json_obj_begin(j);
    gdir_json_key(j, "schema");
    kref(j, json_schema);
    gdir_json_obj_end(j);
    if (html) {
        gdir_json_key(j, "text/html");
        gdir_json_obj_begin(j);
        gdir_json_key(j, "schema");
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "type", "string");
        gdir_json_obj_end(j);
        gdir_json_obj_end(j);
    }
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    gdir_json_key(j, "400");
    kref(j, "#/components/responses/InvalidParameter");
    if (not_found) {
        gdir_json_key(j, "404");
        kref(j, "#/components/responses/NotFound");
    }
    gdir_json_key(j, "406");
    kref(j, "#/components/responses/NotAcceptable");
    gdir_json_key(j, "500");
    kref(j, "#/components/responses/ServerError");
    gdir_json_obj_end(j);
}

static void operation(struct gdir_json *j, const char *path, const char *tag,
                      const char *summary, const char *op_id)
{
    gdir_json_key(j, path);
    gdir_json_obj_begin(j);
    gdir_json_key(j, "get");
    gdir_json_obj_begin(j);
    gdir_json_key(j, "tags");
    gdir_json_arr_begin(j);
    gdir_json_str(j, tag);
    gdir_json_arr_end(j);
    gdir_json_kstr(j, "summary", summary);
    gdir_json_kstr(j, "operationId", op_id);
}

static void operation_end(struct gdir_json *j)
{
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
}

/* ---- components.schemas ------------------------------------------------------------------- */

static void prop_type(struct gdir_json *j, const char *name, const char *type, int nullable)
{
    gdir_json_key(j, name);
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", type);
    if (nullable)
        gdir_json_kbool(j, "nullable", 1);
    gdir_json_obj_end(j);
}

static void prop_ref(struct gdir_json *j, const char *name, const char *target)
{
    gdir_json_key(j, name);
    kref(j, target);
}

static void prop_array_of(struct gdir_json *j, const char *name, const char *target)
{
    gdir_json_key(j, name);
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "array");
    gdir_json_key(j, "items");
    kref(j, target);
    gdir_json_obj_end(j);
}

static void required(struct gdir_json *j, const char *const *names)
{
    gdir_json_key(j, "required");
    gdir_json_arr_begin(j);
    for (size_t i = 0; names[i]; i++)
        gdir_json_str(j, names[i]);
    gdir_json_arr_end(j);
}

static void schema_begin(struct gdir_json *j, const char *name, const char *const *req)
{
    gdir_json_key(j, name);
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "object");
    if (req)
        required(j, req);
    gdir_json_key(j, "properties");
    gdir_json_obj_begin(j);
}

static void schema_end(struct gdir_json *j)
{
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
}

/* The schemas of the landing page and the conformance classes. */
static void schemas_service(struct gdir_json *j)
{
    static const char *const r_link[] = {"href", "rel", NULL};
    static const char *const r_links[] = {"links", NULL};
    static const char *const r_conf[] = {"conformsTo", NULL};

    schema_begin(j, "link", r_link);
    prop_type(j, "href", "string", 0);
    prop_type(j, "rel", "string", 0);
    prop_type(j, "type", "string", 0);
    prop_type(j, "hreflang", "string", 0);
    prop_type(j, "title", "string", 0);
    schema_end(j);

    schema_begin(j, "landingPage", r_links);
    prop_type(j, "title", "string", 0);
    prop_type(j, "description", "string", 0);
    prop_array_of(j, "links", "#/components/schemas/link");
    schema_end(j);

    schema_begin(j, "confClasses", r_conf);
    gdir_json_key(j, "conformsTo");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "array");
    gdir_json_key(j, "items");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "string");
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    schema_end(j);
}

/* The schema of a collection's extent (spatial and temporal). */
static void schema_extent(struct gdir_json *j)
{
    schema_begin(j, "extent", NULL);
    gdir_json_key(j, "spatial");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "object");
    gdir_json_key(j, "properties");
    gdir_json_obj_begin(j);
    gdir_json_key(j, "bbox");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "array");
    gdir_json_kint(j, "minItems", 1);
    gdir_json_key(j, "items");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "array");
    gdir_json_kint(j, "minItems", 4);
    gdir_json_kint(j, "maxItems", 6);
    gdir_json_key(j, "items");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "number");
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    prop_type(j, "crs", "string", 0);
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    gdir_json_key(j, "temporal");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "object");
    gdir_json_key(j, "properties");
    gdir_json_obj_begin(j);
    gdir_json_key(j, "interval");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "array");
    gdir_json_key(j, "items");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "array");
    gdir_json_kint(j, "minItems", 2);
    gdir_json_kint(j, "maxItems", 2);
    gdir_json_key(j, "items");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "string");
    gdir_json_kstr(j, "format", "date-time");
    gdir_json_kbool(j, "nullable", 1);
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    prop_type(j, "trs", "string", 0);
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    schema_end(j);
}

/* The schemas of the collections and of one collection. */
static void schemas_collections(struct gdir_json *j)
{
    static const char *const r_colls[] = {"links", "collections", NULL};
    static const char *const r_coll[] = {"id", "links", NULL};

    schema_begin(j, "collection", r_coll);
    prop_type(j, "id", "string", 0);
    prop_type(j, "title", "string", 0);
    prop_type(j, "description", "string", 0);
    prop_array_of(j, "links", "#/components/schemas/link");
    prop_ref(j, "extent", "#/components/schemas/extent");
    prop_type(j, "itemType", "string", 0);
    gdir_json_key(j, "crs");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "array");
    gdir_json_key(j, "items");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "string");
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    prop_type(j, "storageCrs", "string", 0);
    schema_end(j);

    schema_begin(j, "collections", r_colls);
    prop_array_of(j, "links", "#/components/schemas/link");
    prop_array_of(j, "collections", "#/components/schemas/collection");
    gdir_json_key(j, "crs");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "array");
    gdir_json_key(j, "items");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "string");
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    schema_end(j);
}

/* The GeoJSON schemas of a geometry and of a feature. */
static void schemas_feature(struct gdir_json *j)
{
    static const char *const r_f[] = {"type", "geometry", "properties", NULL};
    static const char *const r_geom[] = {"type", "coordinates", NULL};
    static const char *const feature[] = {"Feature", NULL};
    static const char *const geoms[] = {"Point", "MultiPolygon", "Polygon", NULL};

    schema_begin(j, "geometryGeoJSON", r_geom);
    gdir_json_key(j, "type");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "string");
    str_enum(j, geoms);
    gdir_json_obj_end(j);
    gdir_json_key(j, "coordinates");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "array");
    gdir_json_key(j, "items");
    gdir_json_obj_begin(j);
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    schema_end(j);

    schema_begin(j, "featureGeoJSON", r_f);
    gdir_json_key(j, "type");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "string");
    str_enum(j, feature);
    gdir_json_obj_end(j);
    gdir_json_key(j, "geometry");
    gdir_json_obj_begin(j);
    gdir_json_key(j, "allOf");
    gdir_json_arr_begin(j);
    kref(j, "#/components/schemas/geometryGeoJSON");
    gdir_json_arr_end(j);
    gdir_json_kbool(j, "nullable", 1);
    gdir_json_obj_end(j);
    gdir_json_key(j, "properties");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "object");
    gdir_json_kbool(j, "nullable", 1);
    gdir_json_obj_end(j);
    gdir_json_key(j, "id");
    gdir_json_obj_begin(j);
    gdir_json_key(j, "oneOf");
    gdir_json_arr_begin(j);
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "string");
    gdir_json_obj_end(j);
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "integer");
    gdir_json_obj_end(j);
    gdir_json_arr_end(j);
    gdir_json_obj_end(j);
    prop_array_of(j, "links", "#/components/schemas/link");
    schema_end(j);
}

/* The GeoJSON schema of a feature collection. */
static void schema_feature_collection(struct gdir_json *j)
{
    static const char *const r_fc[] = {"type", "features", NULL};
    static const char *const fc[] = {"FeatureCollection", NULL};

    schema_begin(j, "featureCollectionGeoJSON", r_fc);
    gdir_json_key(j, "type");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "string");
    str_enum(j, fc);
    gdir_json_obj_end(j);
    prop_array_of(j, "features", "#/components/schemas/featureGeoJSON");
    prop_array_of(j, "links", "#/components/schemas/link");
    gdir_json_key(j, "timeStamp");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "string");
    gdir_json_kstr(j, "format", "date-time");
    gdir_json_obj_end(j);
    gdir_json_key(j, "numberMatched");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "integer");
    gdir_json_kint(j, "minimum", 0);
    gdir_json_obj_end(j);
    gdir_json_key(j, "numberReturned");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "integer");
    gdir_json_kint(j, "minimum", 0);
    gdir_json_obj_end(j);
    schema_end(j);
}

static void schemas(struct gdir_json *j)
{
    static const char *const r_exc[] = {"code", NULL};

    gdir_json_key(j, "schemas");
    gdir_json_obj_begin(j);
    schemas_service(j);
    schema_extent(j);
    schemas_collections(j);
    schemas_feature(j);
    schema_feature_collection(j);

    schema_begin(j, "exception", r_exc);
    prop_type(j, "code", "string", 0);
    prop_type(j, "description", "string", 0);
    prop_type(j, "parameter", "string", 0);
    schema_end(j);

    gdir_json_obj_end(j);
}

static void error_response(struct gdir_json *j, const char *status_name, const char *text)
{
    gdir_json_key(j, status_name);
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "description", text);
    gdir_json_key(j, "content");
    gdir_json_obj_begin(j);
    gdir_json_key(j, "application/json");
    gdir_json_obj_begin(j);
    gdir_json_key(j, "schema");
    kref(j, "#/components/schemas/exception");
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
}

/* ---- the document --------------------------------------------------------------------------- */

/* The paths of a collection, the landing page and the conformance classes take these. */
static const char *const f_meta[] = {"f-metadata", NULL};
static const char *const coll_meta[] = {"collectionId", "f-metadata", NULL};
static const char *const coll_id[] = {"collectionId", NULL};
static const char *const item_only[] = {"featureId", "f-features", "crs", NULL};

/* info, servers (base: this server's URL) and tags. */
static void write_info(struct gdir_json *j, const char *title, const char *base)
{
    gdir_json_key(j, "info");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "title", title);
    gdir_json_kstr(j, "version", "1.0.0");
    gdir_json_kstr(j, "description",
                   "OGC API - Features (parties 1 et 2) de l’annuaire : lieux, communes, "
                   "adresses, en GeoJSON et en HTML, en CRS84, EPSG:4326 ou Lambert-93. Les "
                   "paramètres marqués x-geodir-extension (recherche par proximité, texte, "
                   "catégorie, commune, ouverture) sont une extension, hors de la norme ; "
                   "les ressources de description les acceptent sans effet, pour qu’un client "
                   "puisse ajouter la même requête à toutes ses demandes (GDAL : "
                   "OAPIF:…/ogc?lat=…&lon=…). Chaque "
                   "élément porte sa licence ; les licences de chaque collection sont dans ses "
                   "liens « license ».");
    gdir_json_obj_end(j);
    gdir_json_key(j, "servers");
    gdir_json_arr_begin(j);
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "url", base);
    gdir_json_kstr(j, "description", "Ce serveur");
    gdir_json_obj_end(j);
    gdir_json_arr_end(j);
    gdir_json_key(j, "tags");
    gdir_json_arr_begin(j);
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "name", "Capabilities");
    gdir_json_kstr(j, "description", "Description du service et de ses données.");
    gdir_json_obj_end(j);
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "name", "Data");
    gdir_json_kstr(j, "description", "Les éléments des collections.");
    gdir_json_obj_end(j);
    gdir_json_arr_end(j);
}

/* The responses of /api: the OpenAPI document or its HTML page. */
static void api_responses(struct gdir_json *j)
{
    gdir_json_key(j, "responses");
    gdir_json_obj_begin(j);
    gdir_json_key(j, "200");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "description", "La définition OpenAPI 3.0 de l’API, ou sa documentation.");
    gdir_json_key(j, "content");
    gdir_json_obj_begin(j);
    gdir_json_key(j, OGC_CT_OPENAPI);
    gdir_json_obj_begin(j);
    gdir_json_key(j, "schema");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "object");
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    gdir_json_key(j, "text/html");
    gdir_json_obj_begin(j);
    gdir_json_key(j, "schema");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "string");
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    gdir_json_key(j, "400");
    kref(j, "#/components/responses/InvalidParameter");
    gdir_json_key(j, "406");
    kref(j, "#/components/responses/NotAcceptable");
    gdir_json_obj_end(j);
}

/* The paths of the service and of any collection. */
static void fixed_paths(struct gdir_json *j)
{
    operation(j, "/", "Capabilities", "Page d’accueil de l’API", "getLandingPage");
    param_refs(j, f_meta, places_extra, NULL);
    responses(j, "Liens vers la définition de l’API, la conformité et les collections.",
              OGC_CT_JSON, "#/components/schemas/landingPage", 1, 0);
    operation_end(j);
    operation(j, "/conformance", "Capabilities", "Classes de conformité", "getConformance");
    param_refs(j, f_meta, places_extra, NULL);
    responses(j, "Les classes de conformité déclarées.", OGC_CT_JSON,
              "#/components/schemas/confClasses", 1, 0);
    operation_end(j);
    operation(j, "/api", "Capabilities", "Cette définition (OpenAPI 3.0)", "getAPI");
    param_refs(j, f_meta, places_extra, NULL);
    api_responses(j);
    operation_end(j);
    operation(j, "/collections", "Capabilities", "Les collections", "getCollections");
    param_refs(j, f_meta, places_extra, NULL);
    responses(j, "Les collections, avec leur emprise, leurs CRS et leurs licences.",
              OGC_CT_JSON, "#/components/schemas/collections", 1, 0);
    operation_end(j);
    operation(j, "/collections/{collectionId}", "Capabilities", "Une collection",
              "describeCollection");
    param_refs(j, coll_meta, places_extra, NULL);
    responses(j, "La collection.", OGC_CT_JSON, "#/components/schemas/collection", 1, 1);
    operation_end(j);
    operation(j, "/collections/{collectionId}/items", "Data",
              "Les éléments d’une collection (par pages)", "getFeatures");
    param_refs(j, coll_id, common_items, NULL);
    responses(j, "Une page d’éléments (GeoJSON FeatureCollection) ; en-tête Content-Crs.",
              OGC_CT_GEOJSON, "#/components/schemas/featureCollectionGeoJSON", 1, 1);
    operation_end(j);
    operation(j, "/collections/{collectionId}/items/{featureId}", "Data", "Un élément",
              "getFeature");
    param_refs(j, coll_id, item_only, NULL);
    responses(j, "L’élément (GeoJSON Feature) ; en-tête Content-Crs.", OGC_CT_GEOJSON,
              "#/components/schemas/featureGeoJSON", 1, 1);
    operation_end(j);
}

/* The items and item paths of each collection. */
static void collection_paths(struct gdir_json *j)
{
    struct ogc_collection c;
    char path[160], op[160];

    for (size_t i = 0; ogc_collection_at(i, &c); i++) {
        char title_c[160], summary[224];
        int places = c.kind == OGC_KIND_PLACES;
        ogc_collection_title(&c, title_c, sizeof title_c);
        snprintf(path, sizeof path, "/collections/%s/items", c.id);
        snprintf(op, sizeof op, "getFeatures_%s", c.id);
        snprintf(summary, sizeof summary, "%s : les éléments", title_c);
        operation(j, path, "Data", summary, op);
        param_refs(j, common_items, places ? places_extra : NULL, NULL);
        responses(j, "Une page d’éléments (GeoJSON FeatureCollection).", OGC_CT_GEOJSON,
                  "#/components/schemas/featureCollectionGeoJSON", 1, 0);
        operation_end(j);
        snprintf(path, sizeof path, "/collections/%s/items/{featureId}", c.id);
        snprintf(op, sizeof op, "getFeature_%s", c.id);
        snprintf(summary, sizeof summary, "%s : un élément", title_c);
        operation(j, path, "Data", summary, op);
        param_refs(j, item_only, NULL, NULL);
        responses(j, "L’élément (GeoJSON Feature).", OGC_CT_GEOJSON,
                  "#/components/schemas/featureGeoJSON", 1, 1);
        operation_end(j);
    }
}

/* The parameters, schemas and responses that the paths refer to. */
static void write_components(struct gdir_json *j, const struct api_config *cfg)
{
    gdir_json_key(j, "components");
    gdir_json_obj_begin(j);
    gdir_json_key(j, "parameters");
    gdir_json_obj_begin(j);
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
        gdir_json_key(j, params[i].ref);
        write_param(j, &params[i], cfg);
    }
    gdir_json_obj_end(j);
    schemas(j);
    gdir_json_key(j, "responses");
    gdir_json_obj_begin(j);
    error_response(j, "InvalidParameter",
                   "Paramètre inconnu, répété ou de valeur invalide (le message le nomme).");
    error_response(j, "NotFound", "Collection ou élément inconnu.");
    error_response(j, "NotAcceptable", "Aucun format demandé par l’en-tête Accept n’est servi.");
    error_response(j, "ServerError", "Erreur du serveur.");
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
}

static int openapi_json(const struct api_ctx *ctx, const struct api_request *req,
                        struct api_response *res, const char *title, struct gdir_err *err)
{
    const struct api_config *cfg = ctx->cfg;
    struct gdir_json j;
    struct gdir_buf base;
    int rc;

    gdir_buf_init(&base, 0);
    rc = ogc_base(req, &base);
    if (rc)
        return gdir_err_set(err, rc, "api: out of memory");
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "openapi", "3.0.3");
    write_info(&j, title, gdir_buf_str(&base));

    gdir_json_key(&j, "paths");
    gdir_json_obj_begin(&j);
    fixed_paths(&j);
    collection_paths(&j);
    gdir_json_obj_end(&j);

    write_components(&j, cfg);
    gdir_json_obj_end(&j);
    gdir_buf_free(&base);
    return api_json_done(res, &j, OGC_CT_OPENAPI, err);
}

/* The documentation page: endpoints and parameters, from the same tables. */
static int openapi_html(const struct api_ctx *ctx, const struct api_request *req,
                        struct api_response *res, struct gdir_err *err)
{
    static const char *const crumbs[] = {"", "Documentation de l’API", NULL};
    static const struct {
        const char *path, *what;
    } endpoints[] = {
        {"/", "page d’accueil : liens vers tout le reste"},
        {"/conformance", "classes de conformité déclarées"},
        {"/api", "cette définition, en OpenAPI 3.0 (f=json) ou en HTML"},
        {"/collections", "les collections : emprise, période, CRS, licences"},
        {"/collections/{collectionId}", "une collection"},
        {"/collections/{collectionId}/items", "ses éléments, par pages (GeoJSON ou HTML)"},
        {"/collections/{collectionId}/items/{featureId}", "un élément"},
    };
    const struct api_config *cfg = ctx->cfg;
    struct api_html h;
    struct gdir_buf json, base;
    int rc;

    gdir_buf_init(&json, 0);
    gdir_buf_init(&base, 0);
    api_html_init(&h, &res->body);
    rc = ogc_self_url(&json, req, "json", NULL, NULL);
    if (!rc)
        rc = ogc_base(req, &base);
    if (!rc)
        rc = ogc_html_begin(&h, req, "Documentation de l’API", crumbs, gdir_buf_str(&json),
                            OGC_CT_OPENAPI, 0);
    api_html_raw(&h, "<p>Une API OGC API - Features (parties 1 et 2). Toutes les adresses "
                     "ci-dessous commencent par <code>");
    api_html_text(&h, gdir_buf_str(&base));
    api_html_raw(&h, "</code>. Chaque ressource existe en JSON et en HTML (paramètre "
                     "<code>f</code> ou en-tête <code>Accept</code>).</p>\n<table>\n<caption>"
                     "Ressources</caption>\n<thead><tr><th scope=\"col\">Chemin</th>"
                     "<th scope=\"col\">Contenu</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++) {
        api_html_raw(&h, "<tr><th scope=\"row\"><code>");
        api_html_text(&h, endpoints[i].path);
        api_html_raw(&h, "</code></th><td>");
        api_html_text(&h, endpoints[i].what);
        api_html_raw(&h, "</td></tr>\n");
    }
    api_html_rawf(&h, "</tbody>\n</table>\n<h2>Paramètres des éléments</h2>\n<p>Pages de "
                      "%ld éléments par défaut, %ld au plus. Un paramètre inconnu ou invalide "
                      "donne une erreur 400 qui le nomme.</p>\n<table>\n<caption>Paramètres de "
                      "<code>/collections/{collectionId}/items</code></caption>\n<thead><tr>"
                      "<th scope=\"col\">Nom</th><th scope=\"col\">Collections</th>"
                      "<th scope=\"col\">Rôle</th></tr></thead>\n<tbody>\n",
                  cfg->default_limit, cfg->max_limit);
    for (size_t l = 0; l < 2; l++) {
        const char *const *list = l == 0 ? common_items : places_extra;
        for (size_t i = 0; list[i]; i++) {
            const struct param_def *p = param_find(list[i]);
            if (!p)
                continue;
            api_html_raw(&h, "<tr><th scope=\"row\"><code>");
            api_html_text(&h, p->name);
            api_html_raw(&h, "</code></th><td>");
            api_html_raw(&h, p->extension ? "lieux (extension, hors norme)" : "toutes");
            api_html_raw(&h, "</td><td>");
            api_html_text(&h, p->description);
            api_html_raw(&h, "</td></tr>\n");
        }
    }
    api_html_raw(&h, "</tbody>\n</table>\n");
    if (!rc)
        rc = ogc_html_end(&h, 0);
    gdir_buf_free(&json);
    gdir_buf_free(&base);
    if (rc)
        return gdir_err_set(err, rc, "api: %s", gdir_err_text(rc));
    res->content_type = OGC_CT_HTML;
    return GDIR_OK;
}

int h_ogc_api(const struct api_ctx *ctx, const struct api_request *req,
              struct api_response *res, struct gdir_err *err)
{
    struct api_db *db;
    char title[256];
    int rc;

    if (req->format == API_FMT_HTML)
        return openapi_html(ctx, req, res, err);
    rc = api_dbpool_get(ctx->pool, &db, err);
    if (!rc)
        rc = ogc_service_title(db, title, sizeof title, err);
    if (rc)
        return rc;
    return openapi_json(ctx, req, res, title, err);
}
