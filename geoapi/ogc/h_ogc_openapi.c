/*
 * h_ogc_openapi.c — GET /ogc/api: the API definition as an OpenAPI 3.0 document
 * (application/vnd.oai.openapi+json;version=3.0), or its documentation page in HTML.
 *
 * The document is openapi.json (this folder), compiled in by CMake (ogc_openapi_json) and
 * parsed once. Its null members are what the server knows only at run time, filled in from the
 * same tables the handlers use, so that it never disagrees with what the server accepts: the
 * server's URL and title, the collection ids (h_ogc_common.c), the CRS (h_ogc_crs.c), the
 * category codes (taxonomy), the place properties (h_ogc_items.c) and the limits of the
 * configuration (default_limit, max_limit, default_radius, max_radius, max_q_len). Besides the
 * template paths (/collections/{collectionId}/items...), each collection has its own concrete
 * items paths with exactly the parameters it takes (GDAL and QGIS read the parameters of
 * /collections/<id>/items): they are made from "x-geodir-collection-paths", once per collection,
 * with {collectionId} and {collectionTitle} replaced; a collection other than places drops the
 * parameters marked "x-geodir-extension" (the search parameters, not part of OGC API -
 * Features). The description resources (landing page, conformance, this document, collections)
 * declare those too, without effect: GDAL adds the query string of an OAPIF:<url>?<query>
 * connection to every request.
 */
#include "h_ogc.h"
#include "api_html.h"
#include "gdir_cjson.h"
#include "gdir_parse.h"

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#define TEMPLATES "x-geodir-collection-paths"
#define ITEMS_TEMPLATE "/paths/" TEMPLATES "/~1collections~1{collectionId}~1items/get/parameters"

/* ---- the embedded document ------------------------------------------------------------------ */

static pthread_once_t parse_once = PTHREAD_ONCE_INIT;
static cJSON *parsed;              /* openapi.json, read-only once parsed; NULL if it did not */
static struct gdir_err parse_err;

static void parse_embedded(void)
{
    parsed = gdir_cjson_parse(ogc_openapi_json, (size_t)-1, "openapi.json", GDIR_EINTERNAL,
                              &parse_err);
}

/* *doc: the parsed openapi.json, shared; GDIR_EINTERNAL when it does not parse. */
static int embedded(const cJSON **doc, struct gdir_err *err)
{
    pthread_once(&parse_once, parse_embedded);
    *doc = parsed;
    return parsed ? GDIR_OK : gdir_err_set(err, parse_err.code, "api: %s", parse_err.msg);
}

/* The member at a JSON pointer (RFC 6901: "/paths/~1api/get"), or NULL; *parent (may be NULL)
 * its object or array. */
static cJSON *at(const cJSON *root, const char *pointer, cJSON **parent)
{
    const cJSON *node = root;
    cJSON *found = NULL, *up = NULL;
    char seg[128];
    long index;

    while (node && *pointer == '/') {
        size_t n = strcspn(++pointer, "/"), k = 0;
        if (n >= sizeof seg)
            return NULL;
        for (size_t i = 0; i < n; i++) {
            int esc = pointer[i] == '~' && i + 1 < n && (pointer[i + 1] == '0' ||
                                                         pointer[i + 1] == '1');
            seg[k++] = esc ? (pointer[++i] == '1' ? '/' : '~') : pointer[i];
        }
        seg[k] = '\0';
        pointer += n;
        up = found;
        if (!cJSON_IsArray(node))
            found = cJSON_GetObjectItemCaseSensitive(node, seg);
        else if (gdir_parse_long(seg, 0, INT_MAX, &index) == 0)
            found = cJSON_GetArrayItem(node, (int)index);
        else
            found = NULL;
        node = found;
    }
    if (parent)
        *parent = up ? up : (cJSON *)root;   /* the caller's tree: const only for reading */
    return found;
}

/* The target of a {"$ref": "#/..."} in doc, or node itself. */
static const cJSON *deref(const cJSON *doc, const cJSON *node)
{
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(node, "$ref");
    if (cJSON_IsString(ref) && ref->valuestring[0] == '#')
        return at(doc, ref->valuestring + 1, NULL);
    return node;
}

/* ---- filling in the null members ------------------------------------------------------------ */

/* Replaces the null at pointer with value (taken, even on failure). */
static int fill(cJSON *doc, const char *pointer, cJSON *value, struct gdir_err *err)
{
    cJSON *parent, *old = at(doc, pointer, &parent);

    if (!value)
        return gdir_err_set(err, GDIR_ENOMEM, "api: out of memory");
    if (!cJSON_IsNull(old)) {
        cJSON_Delete(value);
        return gdir_err_set(err, GDIR_EINTERNAL, "api: openapi.json: no null at %s", pointer);
    }
    value->string = old->string;             /* an object member keeps its name */
    old->string = NULL;
    cJSON_ReplaceItemViaPointer(parent, old, value);
    return GDIR_OK;
}

/* The i-th value of one of the lists below; NULL past the end. c: room for a collection. */
typedef const char *list_at_fn(size_t i, struct ogc_collection *c);

static const char *collection_id_at(size_t i, struct ogc_collection *c)
{
    return ogc_collection_at(i, c) ? c->id : NULL;
}

static const char *crs_at(size_t i, struct ogc_collection *c)
{
    (void)c;
    return i < OGC_CRS_COUNT ? ogc_crs_uri((enum ogc_crs)i) : NULL;
}

static const char *category_at(size_t i, struct ogc_collection *c)
{
    size_t n;
    const struct gdir_category *tax = gdir_taxonomy(&n);
    (void)c;
    return i < n ? tax[i].code : NULL;
}

static const char *place_prop_at(size_t i, struct ogc_collection *c)
{
    (void)c;
    return ogc_place_props[i];
}

static const struct {
    const char *at;
    list_at_fn *value;
} lists[] = {
    {"/components/parameters/collectionId/schema/enum", collection_id_at},
    {"/components/parameters/bbox-crs/schema/enum", crs_at},
    {"/components/parameters/crs/schema/enum", crs_at},
    {"/components/parameters/category/schema/items/enum", category_at},
    {"/components/parameters/properties/schema/items/enum", place_prop_at},
};

static const struct {
    const char *at;
    size_t field;                  /* a long of struct api_config */
} numbers[] = {
    {"/components/parameters/limit/schema/maximum", offsetof(struct api_config, max_limit)},
    {"/components/parameters/limit/schema/default", offsetof(struct api_config, default_limit)},
    {"/components/parameters/radius/schema/maximum", offsetof(struct api_config, max_radius)},
    {"/components/parameters/radius/schema/default",
     offsetof(struct api_config, default_radius)},
    {"/components/parameters/k/schema/maximum", offsetof(struct api_config, max_limit)},
    {"/components/parameters/q/schema/maxLength", offsetof(struct api_config, max_q_len)},
};

/* An array of strings of list. */
static cJSON *string_array(list_at_fn *list)
{
    struct ogc_collection c;
    cJSON *a = cJSON_CreateArray();
    const char *s;

    for (size_t i = 0; a && (s = list(i, &c)) != NULL; i++) {
        cJSON *v = cJSON_CreateString(s);
        if (!v || !cJSON_AddItemToArray(a, v)) {
            cJSON_Delete(v);
            cJSON_Delete(a);
            return NULL;
        }
    }
    return a;
}

/* The collectionId enumeration lists `events` too when the server has it. */
static int add_events_id(cJSON *doc, const struct api_config *cfg, struct gdir_err *err)
{
    struct ogc_collection c;
    cJSON *ids = at(doc, "/components/parameters/collectionId/schema/enum", NULL), *v;

    for (size_t i = 0; ogc_collection_listed(cfg, i, &c); i++) {
        if (c.kind != OGC_KIND_EVENTS)
            continue;
        v = cJSON_CreateString(c.id);
        if (!ids || !v || !cJSON_AddItemToArray(ids, v)) {
            cJSON_Delete(v);
            return gdir_err_set(err, GDIR_EINTERNAL, "api: the collectionId enumeration");
        }
    }
    return GDIR_OK;
}

static int fill_values(cJSON *doc, const struct api_config *cfg, const char *title,
                       const char *base, struct gdir_err *err)
{
    const char *crs84 = ogc_crs_uri(OGC_CRS84);
    const struct {
        const char *at, *value;
    } strings[] = {
        {"/info/title", title},
        {"/servers/0/url", base},
        {"/components/parameters/bbox-crs/schema/default", crs84},
        {"/components/parameters/crs/schema/default", crs84},
    };
    int rc = GDIR_OK;

    for (size_t i = 0; !rc && i < sizeof strings / sizeof strings[0]; i++)
        rc = fill(doc, strings[i].at, cJSON_CreateString(strings[i].value), err);
    for (size_t i = 0; !rc && i < sizeof lists / sizeof lists[0]; i++)
        rc = fill(doc, lists[i].at, string_array(lists[i].value), err);
    for (size_t i = 0; !rc && i < sizeof numbers / sizeof numbers[0]; i++) {
        long v = *(const long *)(const void *)((const char *)cfg + numbers[i].field);
        rc = fill(doc, numbers[i].at, cJSON_CreateNumber((double)v), err);
    }
    return rc ? rc : add_events_id(doc, cfg, err);
}

/* ---- the paths of each collection ----------------------------------------------------------- */

struct collection_vars {
    const char *id, *title;
};

/* Appends s with {collectionId} and {collectionTitle} replaced. */
static int substitute(struct gdir_buf *out, const char *s, const struct collection_vars *v)
{
    static const char id_var[] = "{collectionId}", title_var[] = "{collectionTitle}";
    int rc = 0;

    while (*s && !rc) {
        if (strncmp(s, id_var, sizeof id_var - 1) == 0) {
            rc = gdir_buf_adds(out, v->id);
            s += sizeof id_var - 1;
        } else if (strncmp(s, title_var, sizeof title_var - 1) == 0) {
            rc = gdir_buf_adds(out, v->title);
            s += sizeof title_var - 1;
        } else {
            rc = gdir_buf_addc(out, *s++);
        }
    }
    return rc;
}

/* The same in every string of the tree node. */
static int substitute_tree(cJSON *node, const struct collection_vars *v, struct gdir_buf *tmp)
{
    int rc = 0;

    for (cJSON *it = node->child; it && !rc; it = it->next) {
        if (cJSON_IsString(it) && strchr(it->valuestring, '{')) {
            gdir_buf_reset(tmp);
            rc = substitute(tmp, it->valuestring, v);
            if (!rc && !cJSON_SetValuestring(it, gdir_buf_str(tmp)))
                rc = GDIR_ENOMEM;
        } else if (it->child) {
            rc = substitute_tree(it, v, tmp);
        }
    }
    return rc;
}

/* Removes from the operations of path_item the parameters marked x-geodir-extension. */
static void drop_extensions(const cJSON *doc, cJSON *path_item)
{
    for (cJSON *op = path_item->child; op; op = op->next) {
        cJSON *params = cJSON_GetObjectItemCaseSensitive(op, "parameters"), *next;
        for (cJSON *p = params ? params->child : NULL; p; p = next) {
            const cJSON *def = deref(doc, p);
            next = p->next;
            if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(def, "x-geodir-extension")))
                cJSON_Delete(cJSON_DetachItemViaPointer(params, p));
        }
    }
}

/* One path of collection c from the template path item t, added to paths. */
static int collection_path(cJSON *doc, cJSON *paths, const cJSON *t,
                           const struct ogc_collection *c, struct gdir_buf *tmp)
{
    char title[160];
    struct collection_vars v = {c->id, title};
    cJSON *item = cJSON_Duplicate(t, 1);
    int rc;

    ogc_collection_title(c, title, sizeof title);
    gdir_buf_reset(tmp);
    rc = item ? substitute_tree(item, &v, tmp) : GDIR_ENOMEM;
    if (!rc && c->kind != OGC_KIND_PLACES)
        drop_extensions(doc, item);
    gdir_buf_reset(tmp);
    if (!rc)
        rc = substitute(tmp, t->string, &v);
    if (!rc && !cJSON_AddItemToObject(paths, gdir_buf_str(tmp), item))
        rc = GDIR_ENOMEM;
    if (rc)
        cJSON_Delete(item);
    return rc;
}

/* Replaces x-geodir-collection-paths by the paths it makes for each collection. */
static int collection_paths(cJSON *doc, const struct api_config *cfg, struct gdir_err *err)
{
    cJSON *paths = cJSON_GetObjectItemCaseSensitive(doc, "paths");
    cJSON *templates = cJSON_DetachItemFromObjectCaseSensitive(paths, TEMPLATES);
    struct ogc_collection c;
    struct gdir_buf tmp;
    int rc = 0;

    if (!templates)
        return gdir_err_set(err, GDIR_EINTERNAL, "api: openapi.json: no paths/" TEMPLATES);
    gdir_buf_init(&tmp, 0);
    for (size_t i = 0; !rc && ogc_collection_listed(cfg, i, &c); i++)
        for (const cJSON *t = templates->child; t && !rc; t = t->next)
            rc = collection_path(doc, paths, t, &c, &tmp);
    gdir_buf_free(&tmp);
    cJSON_Delete(templates);
    return rc ? gdir_err_set(err, rc, "api: %s", gdir_err_text(rc)) : GDIR_OK;
}

int ogc_openapi_document(const struct api_config *cfg, const char *title, const char *base,
                         cJSON **out, struct gdir_err *err)
{
    const cJSON *doc;
    cJSON *copy;
    int rc;

    *out = NULL;
    if ((rc = embedded(&doc, err)))
        return rc;
    copy = cJSON_Duplicate(doc, 1);
    if (!copy)
        return gdir_err_set(err, GDIR_ENOMEM, "api: out of memory");
    rc = fill_values(copy, cfg, title, base, err);
    if (!rc)
        rc = collection_paths(copy, cfg, err);
    if (rc)
        cJSON_Delete(copy);
    else
        *out = copy;
    return rc;
}

/* ---- the handler ---------------------------------------------------------------------------- */

static int openapi_json(const struct api_ctx *ctx, const struct api_request *req,
                        struct api_response *res, const char *title, struct gdir_err *err)
{
    struct gdir_buf base;
    cJSON *doc = NULL;
    char *text = NULL;
    int rc;

    gdir_buf_init(&base, 0);
    rc = ogc_base(req, &base);
    if (rc) {
        rc = gdir_err_set(err, rc, "api: out of memory");
        goto out;
    }
    rc = ogc_openapi_document(ctx->cfg, title, gdir_buf_str(&base), &doc, err);
    if (rc)
        goto out;
    text = cJSON_PrintUnformatted(doc);
    if (!text || gdir_buf_adds(&res->body, text)) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "api: out of memory");
        goto out;
    }
    res->content_type = OGC_CT_OPENAPI;
out:
    cJSON_free(text);
    cJSON_Delete(doc);
    gdir_buf_free(&base);
    return rc;
}

/* A row of a table of the documentation page: code, then a cell of HTML (when not NULL),
 * then text. */
static void html_row(struct api_html *h, const char *code, const char *html, const char *text)
{
    api_html_raw(h, "<tr><th scope=\"row\"><code>");
    api_html_text(h, code);
    api_html_raw(h, "</code></th><td>");
    if (html) {
        api_html_raw(h, html);
        api_html_raw(h, "</td><td>");
    }
    api_html_text(h, text);
    api_html_raw(h, "</td></tr>\n");
}

/* The rows of the items parameters (those of the places collections): name, which
 * collections, description, from the template of openapi.json. */
static void param_rows(struct api_html *h, const cJSON *doc)
{
    const cJSON *p;

    cJSON_ArrayForEach(p, at(doc, ITEMS_TEMPLATE, NULL)) {
        const cJSON *def = deref(doc, p);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(def, "name");
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(def, "description");
        int ext = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(def, "x-geodir-extension"));
        if (cJSON_IsString(name) && cJSON_IsString(text))
            html_row(h, name->valuestring, ext ? "lieux (extension, hors norme)" : "toutes",
                     text->valuestring);
    }
}

/* The documentation page: endpoints and parameters (those of openapi.json). */
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
    const cJSON *doc;
    struct api_html h;
    struct gdir_buf base;
    int rc;

    if ((rc = embedded(&doc, err)))
        return rc;
    gdir_buf_init(&base, 0);
    rc = ogc_page_begin(&h, res, req, "Documentation de l’API", crumbs, OGC_CT_OPENAPI);
    if (!rc)
        rc = ogc_base(req, &base);
    api_html_raw(&h, "<p>Une API OGC API - Features (parties 1 et 2). Toutes les adresses "
                     "ci-dessous commencent par <code>");
    api_html_text(&h, gdir_buf_str(&base));
    api_html_raw(&h, "</code>. Chaque ressource existe en JSON et en HTML (paramètre "
                     "<code>f</code> ou en-tête <code>Accept</code>).</p>\n<table>\n<caption>"
                     "Ressources</caption>\n<thead><tr><th scope=\"col\">Chemin</th>"
                     "<th scope=\"col\">Contenu</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++)
        html_row(&h, endpoints[i].path, NULL, endpoints[i].what);
    api_html_rawf(&h, "</tbody>\n</table>\n<h2>Paramètres des éléments</h2>\n<p>Pages de "
                      "%ld éléments par défaut, %ld au plus. Un paramètre inconnu ou invalide "
                      "donne une erreur 400 qui le nomme.</p>\n<table>\n<caption>Paramètres de "
                      "<code>/collections/{collectionId}/items</code></caption>\n<thead><tr>"
                      "<th scope=\"col\">Nom</th><th scope=\"col\">Collections</th>"
                      "<th scope=\"col\">Rôle</th></tr></thead>\n<tbody>\n",
                  cfg->default_limit, cfg->max_limit);
    param_rows(&h, doc);
    api_html_raw(&h, "</tbody>\n</table>\n");
    gdir_buf_free(&base);
    return ogc_page_end(&h, res, rc, "api", err);
}

int h_ogc_api(const struct api_ctx *ctx, const struct api_request *req,
              struct api_response *res, struct gdir_err *err)
{
    char title[256];
    int rc;

    if (req->format == API_FMT_HTML)
        return openapi_html(ctx, req, res, err);
    rc = ogc_service_title(ctx, title, sizeof title, err);
    return rc ? rc : openapi_json(ctx, req, res, title, err);
}
