/*
 * h_ogc_schema.c — what the features of each collection hold, described three ways:
 *
 *   GET /ogc/collections/{collectionId}/queryables  (OGC API - Features Part 3, JSON Schema
 *       2020-12): the properties a CQL2 filter may name (h_ogc_filter.c translates each to
 *       SQL), the geometry first, additionalProperties false;
 *   GET /ogc/collections/{collectionId}/schema      (Part 5 draft, JSON Schema 2020-12): every
 *       property the items carry, the geometry with x-ogc-role primary-geometry;
 *   GET /ogc/collections/{collectionId}/schema.xsd  (a GML 3.2 application schema): the same,
 *       for GDAL's OAPIF driver (its "describedBy" link), which reads the fields and the
 *       geometry type of a layer from it, so that an empty collection still has both.
 *
 * The JSON ones also as HTML (f=html or Accept). One table per kind below: it must follow
 * what h_ogc_items.c writes (tests/ogc/test_ogc.py checks every feature against it).
 */
#include "h_ogc.h"
#include "api_html.h"
#include "api_http.h"

#include <stdio.h>
#include <string.h>

/* One property of the features of a kind. */
struct sprop {
    const char *name;
    const char *type;     /* JSON Schema type: "string", "number", "integer", "boolean" */
    const char *format;   /* "date-time", "uri", or NULL */
    const char *role;     /* Part 5 x-ogc-role, or NULL */
    int nullable;         /* the value may be null */
    int queryable;        /* in the queryables: a CQL2 filter may name it (h_ogc_filter.c) */
};

static const struct sprop place_props[] = {
    {"name", "string", NULL, NULL, 1, 1},
    {"category", "string", NULL, NULL, 1, 1},
    {"category_label", "string", NULL, NULL, 1, 0},
    {"parent_category", "string", NULL, NULL, 1, 0},
    {"address", "string", NULL, NULL, 1, 1},
    {"postcode", "string", NULL, NULL, 1, 1},
    {"insee", "string", NULL, NULL, 1, 1},
    {"commune_name", "string", NULL, NULL, 1, 1},
    {"phone", "string", NULL, NULL, 1, 1},
    {"email", "string", NULL, NULL, 1, 1},
    {"website", "string", NULL, NULL, 1, 1},
    {"opening_hours", "string", NULL, NULL, 1, 1},
    {"description", "string", NULL, NULL, 1, 1},
    {"source", "string", NULL, NULL, 1, 1},
    {"source_title", "string", NULL, NULL, 1, 0},
    {"publisher", "string", NULL, NULL, 1, 0},
    {"licence", "string", NULL, NULL, 1, 1},
    {"source_date", "string", NULL, "primary-instant", 1, 1},
    {"geocode_precision", "string", NULL, NULL, 1, 1},
    {"geocode_score", "number", NULL, NULL, 1, 1},
    {"distance_m", "number", NULL, NULL, 0, 0},
    {"score", "number", NULL, NULL, 0, 0},
    {NULL, NULL, NULL, NULL, 0, 0},
};

static const struct sprop commune_props[] = {
    {"insee", "string", NULL, NULL, 1, 1},
    {"name", "string", NULL, NULL, 1, 1},
    {"postcodes", "string", NULL, NULL, 1, 1},
    {"population", "integer", NULL, NULL, 1, 1},
    {"places", "integer", NULL, NULL, 0, 1},
    {"source", "string", NULL, NULL, 1, 1},
    {"licence", "string", NULL, NULL, 1, 1},
    {NULL, NULL, NULL, NULL, 0, 0},
};

static const struct sprop address_props[] = {
    {"housenumber", "string", NULL, NULL, 1, 1},
    {"street", "string", NULL, NULL, 1, 1},
    {"postcode", "string", NULL, NULL, 1, 1},
    {"insee", "string", NULL, NULL, 1, 1},
    {"city", "string", NULL, NULL, 1, 1},
    {"source", "string", NULL, NULL, 1, 1},
    {"licence", "string", NULL, NULL, 1, 1},
    {NULL, NULL, NULL, NULL, 0, 0},
};

static const struct sprop event_props[] = {
    {"item", "integer", NULL, NULL, 0, 1},
    {"title", "string", NULL, NULL, 1, 1},
    {"text", "string", NULL, NULL, 1, 0},
    {"start", "string", "date-time", "primary-interval-start", 0, 1},
    {"end", "string", "date-time", "primary-interval-end", 0, 1},
    {"all_day", "boolean", NULL, NULL, 0, 1},
    {"recurrence", "string", NULL, NULL, 1, 0},
    {"rrule", "string", NULL, NULL, 1, 0},
    {"category", "string", NULL, NULL, 1, 1},
    {"category_label", "string", NULL, NULL, 1, 0},
    {"place_name", "string", NULL, NULL, 1, 1},
    {"address", "string", NULL, NULL, 1, 0},
    {"communes", "string", NULL, NULL, 1, 1},
    {"territory", "boolean", NULL, NULL, 0, 1},
    {"organiser", "string", NULL, NULL, 1, 1},
    {"price", "string", NULL, NULL, 1, 0},
    {"free", "boolean", NULL, NULL, 0, 1},
    {"url", "string", NULL, NULL, 1, 0},
    {"page", "string", "uri", NULL, 1, 0},
    {"publisher", "string", NULL, NULL, 1, 0},
    {"source", "string", NULL, NULL, 1, 0},
    {"licence", "string", NULL, NULL, 1, 1},
    {"updated_at", "string", "date-time", NULL, 1, 0},
    {NULL, NULL, NULL, NULL, 0, 0},
};

/* The properties of a kind, and its geometry (GeoJSON type, GML property type). */
static const struct sprop *props_of(enum ogc_kind k)
{
    switch (k) {
    case OGC_KIND_COMMUNES:
        return commune_props;
    case OGC_KIND_ADDRESSES:
        return address_props;
    case OGC_KIND_EVENTS:
        return event_props;
    case OGC_KIND_PLACES:
    default:
        return place_props;
    }
}

static const char *geometry_format(enum ogc_kind k)
{
    return k == OGC_KIND_COMMUNES ? "geojson-geometry" : "geometry-point";
}

/* Communes are polygons or multipolygons (GeoJSON), the rest points (events: or none). */
static const char *geometry_gml(enum ogc_kind k)
{
    return k == OGC_KIND_COMMUNES ? "gml:MultiSurfacePropertyType" : "gml:PointPropertyType";
}

int ogc_queryable(enum ogc_kind k, const char *name, const char **type, const char **format)
{
    for (const struct sprop *p = props_of(k); p->name; p++)
        if (p->queryable && strcmp(p->name, name) == 0) {
            *type = p->type;
            *format = p->format;
            return 1;
        }
    return 0;
}

void ogc_queryables_list(enum ogc_kind k, char *out, size_t cap)
{
    size_t n = (size_t)snprintf(out, cap, "geometry");
    for (const struct sprop *p = props_of(k); p->name && n < cap; p++)
        if (p->queryable)
            n += (size_t)snprintf(out + n, cap - n, ", %s", p->name);
}

/* ---- JSON Schema ----------------------------------------------------------------------------- */

static void json_type(struct gdir_json *j, const struct sprop *p, int nullable)
{
    gdir_json_key(j, "type");
    if (!nullable) {
        gdir_json_str(j, p->type);
        return;
    }
    gdir_json_arr_begin(j);
    gdir_json_str(j, p->type);
    gdir_json_str(j, "null");
    gdir_json_arr_end(j);
}

/* The enum of category codes a places collection holds (its top category and children). */
static void category_enum(struct gdir_json *j, const struct ogc_collection *c)
{
    size_t n;
    const struct gdir_category *tax = gdir_taxonomy(&n);

    gdir_json_key(j, "enum");
    gdir_json_arr_begin(j);
    for (size_t i = 0; i < n; i++)
        if (!c->category || strcmp(tax[i].code, c->category->code) == 0 ||
            (tax[i].parent && strcmp(tax[i].parent, c->category->code) == 0))
            gdir_json_str(j, tax[i].code);
    gdir_json_arr_end(j);
}

static void json_geometry(struct gdir_json *j, const struct ogc_collection *c)
{
    gdir_json_key(j, "geometry");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "title", c->kind == OGC_KIND_COMMUNES ? "Contour" : "Position");
    gdir_json_kstr(j, "format", geometry_format(c->kind));
    gdir_json_kstr(j, "x-ogc-role", "primary-geometry");
    gdir_json_obj_end(j);
}

/* The queryables as the Part 3 drafts listed them ("queryables": [{"id": …}]), the only form
 * GDAL 3.6's OAPIF driver reads: it then sends a CQL2 text filter for them (docs/ogc.md). A
 * member JSON Schema ignores. */
static void legacy_queryables(struct gdir_json *j, const struct ogc_collection *c)
{
    gdir_json_key(j, "queryables");
    gdir_json_arr_begin(j);
    for (const struct sprop *p = props_of(c->kind); p->name; p++) {
        if (!p->queryable)
            continue;
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "id", p->name);
        gdir_json_kstr(j, "type", p->type);
        gdir_json_obj_end(j);
    }
    gdir_json_arr_end(j);
}

/* Writes the schema document of c (queryables: only the queryable properties). */
static int write_schema(struct gdir_json *j, const struct api_request *req,
                        const struct ogc_collection *c, int queryables)
{
    char title[200], name[160];
    struct gdir_buf id;
    int rc;

    gdir_buf_init(&id, 0);
    rc = ogc_self_url(&id, req, NULL, NULL, NULL);
    ogc_collection_title(c, name, sizeof name);
    snprintf(title, sizeof title, "%s — %s", name,
             queryables ? "propriétés interrogeables" : "schéma des éléments");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "$schema", "https://json-schema.org/draft/2020-12/schema");
    gdir_json_kstr(j, "$id", gdir_buf_str(&id));
    gdir_json_kstr(j, "type", "object");
    gdir_json_kstr(j, "title", title);
    gdir_json_key(j, "properties");
    gdir_json_obj_begin(j);
    json_geometry(j, c);
    for (const struct sprop *p = props_of(c->kind); p->name; p++) {
        if (queryables && !p->queryable)
            continue;
        gdir_json_key(j, p->name);
        gdir_json_obj_begin(j);
        json_type(j, p, !queryables && p->nullable);
        if (p->format)
            gdir_json_kstr(j, "format", p->format);
        if (p->role)
            gdir_json_kstr(j, "x-ogc-role", p->role);
        if (queryables && c->kind == OGC_KIND_PLACES && strcmp(p->name, "category") == 0)
            category_enum(j, c);
        gdir_json_obj_end(j);
    }
    gdir_json_obj_end(j);
    gdir_json_kbool(j, "additionalProperties", 0);
    if (queryables)
        legacy_queryables(j, c);
    gdir_json_obj_end(j);
    gdir_buf_free(&id);
    return rc ? rc : gdir_json_error(j);
}

/* ---- HTML ------------------------------------------------------------------------------------ */

static int schema_html(const struct api_request *req, struct api_response *res,
                       const struct ogc_collection *c, int queryables, struct gdir_err *err)
{
    const char *crumbs[] = {NULL, "Collections", NULL, NULL, "", NULL, NULL};
    char name[160], title[220];
    struct gdir_buf list, coll;
    struct api_html h;
    int rc;

    gdir_buf_init(&list, 0);
    gdir_buf_init(&coll, 0);
    ogc_collection_title(c, name, sizeof name);
    rc = ogc_base(req, &list);
    if (!rc)
        rc = ogc_base(req, &coll);
    if (!rc)
        rc = gdir_buf_adds(&list, "/collections?f=html") || gdir_buf_adds(&coll, "/collections/") ||
             api_pct_encode(&coll, c->id, 0) || gdir_buf_adds(&coll, "?f=html");
    crumbs[0] = gdir_buf_str(&list);
    crumbs[2] = gdir_buf_str(&coll);
    crumbs[3] = name;
    crumbs[5] = queryables ? "Propriétés interrogeables" : "Schéma des éléments";
    snprintf(title, sizeof title, "%s — %s", crumbs[5], name);
    api_html_init(&h, &res->body);
    if (!rc)
        rc = ogc_page_begin(&h, res, req, title, crumbs, "application/schema+json");
    api_html_raw(&h, queryables
        ? "<p>Les propriétés qu’un filtre CQL2 (paramètre <code>filter</code> des éléments) "
          "peut nommer ; bbox sélectionne sur la géométrie, datetime sur la date.</p>\n"
        : "<p>Toutes les propriétés des éléments de la collection ; une valeur absente est "
          "<code>null</code>.</p>\n");
    api_html_raw(&h, "<table>\n<caption>Propriétés</caption>\n<thead><tr>"
                     "<th scope=\"col\">Propriété</th><th scope=\"col\">Type</th>"
                     "<th scope=\"col\">Format</th><th scope=\"col\">Rôle</th></tr></thead>\n"
                     "<tbody>\n<tr><th scope=\"row\"><code>geometry</code></th><td>géométrie"
                     "</td><td>");
    api_html_text(&h, geometry_format(c->kind));
    api_html_raw(&h, "</td><td>primary-geometry</td></tr>\n");
    for (const struct sprop *p = props_of(c->kind); p->name; p++) {
        if (queryables && !p->queryable)
            continue;
        api_html_raw(&h, "<tr><th scope=\"row\"><code>");
        api_html_text(&h, p->name);
        api_html_raw(&h, "</code></th><td>");
        api_html_text(&h, p->type);
        api_html_raw(&h, "</td><td>");
        api_html_text(&h, p->format ? p->format : "—");
        api_html_raw(&h, "</td><td>");
        api_html_text(&h, p->role ? p->role : "—");
        api_html_raw(&h, "</td></tr>\n");
    }
    api_html_raw(&h, "</tbody>\n</table>\n");
    gdir_buf_free(&list);
    gdir_buf_free(&coll);
    return ogc_page_end(&h, res, rc, queryables ? "queryables" : "schema", err);
}

/* ---- GML application schema (GDAL) ----------------------------------------------------------- */

static const char *xsd_type(const struct sprop *p)
{
    if (strcmp(p->type, "integer") == 0)
        return "xs:long";
    if (strcmp(p->type, "number") == 0)
        return "xs:double";
    if (strcmp(p->type, "boolean") == 0)
        return "xs:boolean";
    if (p->format && strcmp(p->format, "date-time") == 0)
        return "xs:dateTime";
    return "xs:string";
}

static int write_xsd(struct gdir_buf *b, const struct ogc_collection *c)
{
    int rc = gdir_buf_printf(b,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
        "xmlns:gml=\"http://www.opengis.net/gml/3.2\" xmlns:geodir=\"urn:geodir:ogc\" "
        "targetNamespace=\"urn:geodir:ogc\" elementFormDefault=\"qualified\">\n"
        "<xs:import namespace=\"http://www.opengis.net/gml/3.2\" "
        "schemaLocation=\"http://schemas.opengis.net/gml/3.2.1/gml.xsd\"/>\n"
        "<xs:element name=\"%s\" type=\"geodir:%sType\" "
        "substitutionGroup=\"gml:AbstractFeature\"/>\n"
        "<xs:complexType name=\"%sType\"><xs:complexContent>"
        "<xs:extension base=\"gml:AbstractFeatureType\"><xs:sequence>\n"
        "<xs:element name=\"geometry\" type=\"%s\" minOccurs=\"0\"/>\n",
        c->id, c->id, c->id, geometry_gml(c->kind));

    for (const struct sprop *p = props_of(c->kind); !rc && p->name; p++)
        rc = gdir_buf_printf(b, "<xs:element name=\"%s\" type=\"%s\" minOccurs=\"0\"%s/>\n",
                             p->name, xsd_type(p), p->nullable ? " nillable=\"true\"" : "");
    if (!rc)
        rc = gdir_buf_adds(b, "</xs:sequence></xs:extension></xs:complexContent>"
                              "</xs:complexType>\n</xs:schema>\n");
    return rc;
}

/* ---- handlers -------------------------------------------------------------------------------- */

static int schema_resource(const struct api_ctx *ctx, const struct api_request *req,
                           struct api_response *res, int queryables, struct gdir_err *err)
{
    struct ogc_collection c;
    struct gdir_json j;
    int rc;

    if ((rc = ogc_collection_find(ctx->cfg, api_capture(req, "collectionId"), &c, err)))
        return rc;
    if (req->format == API_FMT_HTML)
        return schema_html(req, res, &c, queryables, err);
    gdir_json_init(&j, &res->body);
    rc = write_schema(&j, req, &c, queryables);
    rc = ogc_json_done(res, &j, rc, queryables ? "queryables" : "schema", err);
    if (!rc) {   /* application/json to a client that asks for it alone (GDAL 3.6 does) */
        static const char *const types[] = {"application/schema+json", "application/json"};
        size_t pick = 0;
        res->content_type = api_accept_pick(req->headers ? req->headers->accept : NULL, types, 2, &pick) == 0 && pick == 1
                                ? OGC_CT_JSON : "application/schema+json";
    }
    return rc;
}

int h_ogc_queryables(const struct api_ctx *ctx, const struct api_request *req,
                     struct api_response *res, struct gdir_err *err)
{
    return schema_resource(ctx, req, res, 1, err);
}

int h_ogc_schema(const struct api_ctx *ctx, const struct api_request *req,
                 struct api_response *res, struct gdir_err *err)
{
    return schema_resource(ctx, req, res, 0, err);
}

int h_ogc_schema_xsd(const struct api_ctx *ctx, const struct api_request *req,
                     struct api_response *res, struct gdir_err *err)
{
    struct ogc_collection c;
    int rc;

    if ((rc = ogc_collection_find(ctx->cfg, api_capture(req, "collectionId"), &c, err)))
        return rc;
    if ((rc = write_xsd(&res->body, &c)))
        return gdir_err_set(err, rc, "schema.xsd: %s", gdir_err_text(rc));
    res->content_type = "application/xml";
    return GDIR_OK;
}
