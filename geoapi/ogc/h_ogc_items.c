/*
 * h_ogc_items.c — GET /ogc/collections/{collectionId}/items and .../items/{featureId}: the
 * features of a collection as GeoJSON (application/geo+json) or HTML (a table and a small map).
 *
 * Every collection takes f, limit, bbox, bbox-crs, datetime, crs and cursor. The places
 * collections add the search of /api/places as an extension: lat, lon, radius, k, q, category,
 * commune, open_now, sortby, properties. A parameter a collection does not take answers 400.
 *
 *   - places: the search engine (api_search.c) does the filtering, counting and keyset paging;
 *     this file only turns the parameters into struct api_search_params. Two OGC tests the
 *     engine does not know run as its extra test: a bbox in another CRS than CRS84 (the engine
 *     gets its enclosing lon/lat box, the point is then tested exactly in the box's CRS) and
 *     datetime (against the place's source_date);
 *   - communes: every matching INSEE code is listed in order (a handful), then paged;
 *   - addresses: keyset paging on the row id, the R*Tree giving the candidates of a bbox and
 *     the point tested exactly here.
 * A CQL2 filter (h_ogc_filter.c) is run once per request; each kind keeps the rows whose key
 * it selected, under its other filters, so numberMatched and paging count only those.
 * next / prev links repeat every parameter of the request with another cursor.
 */
#include "h_ogc.h"
#include "h_feeds.h"
#include "api_cursor.h"
#include "api_dbpool.h"
#include "api_html.h"
#include "api_params.h"
#include "api_search.h"
#include "gdir_hours.h"
#include "gdir_parse.h"
#include "gdir_mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROPS 24
#define CURSOR_CAP (API_CURSOR_MAX + 1)

/* One property of a feature, as written in GeoJSON and in HTML. */
struct prop {
    const char *key;
    const char *s;        /* string value (NULL: null), when !is_num */
    double num;
    int is_num;           /* 1: number with `decimals` decimals; 2: boolean (num 0 or 1) */
    int decimals;
};

/* A feature ready to be written. */
struct feat {
    const char *id;
    const char *title;    /* its name in HTML */
    int has_point;
    double lat, lon;
    const char *geojson;  /* polygon geometry as text (communes), or NULL */
    struct prop props[MAX_PROPS];
    size_t n_props;
};

/* French labels of the properties (HTML). */
static const struct {
    const char *key, *label;
} labels[] = {
    {"name", "Nom"}, {"category", "Code de catégorie"}, {"category_label", "Catégorie"},
    {"parent_category", "Catégorie parente"}, {"address", "Adresse"},
    {"postcode", "Code postal"}, {"insee", "Code INSEE"}, {"commune_name", "Commune"},
    {"phone", "Téléphone"}, {"email", "Courriel"}, {"website", "Site web"},
    {"opening_hours", "Horaires (syntaxe OpenStreetMap)"}, {"description", "Description"},
    {"source", "Source"}, {"source_title", "Jeu de données"}, {"publisher", "Éditeur"},
    {"licence", "Licence"}, {"source_date", "Date de la source"},
    {"geocode_precision", "Position calculée à partir de l’adresse (précision)"},
    {"geocode_score", "Score du géocodage"},
    {"distance_m", "Distance (m)"}, {"score", "Score de pertinence"},
    {"postcodes", "Codes postaux"}, {"population", "Population"},
    {"places", "Lieux de l’annuaire"}, {"housenumber", "Numéro"}, {"street", "Voie"},
    {"city", "Commune"}, {"item", "Événement (identifiant)"}, {"title", "Titre"},
    {"text", "Description"}, {"start", "Début"}, {"end", "Fin"},
    {"all_day", "Toute la journée"}, {"recurrence", "Répétition"}, {"rrule", "Règle RRULE"},
    {"place_name", "Lieu"}, {"communes", "Communes (INSEE)"},
    {"territory", "Tout le territoire"}, {"organiser", "Organisateur"}, {"price", "Tarif"},
    {"free", "Gratuit"}, {"url", "Lien"}, {"page", "Page de l’agenda"},
    {"updated_at", "Mise à jour"},
};

static const char *label_of(const char *key)
{
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].key, key) == 0)
            return labels[i].label;
    return key;
}

/* Place properties, in output order; properties= selects among them. */
const char *const ogc_place_props[] = {
    "name", "category", "category_label", "parent_category", "address", "postcode", "insee",
    "commune_name", "phone", "email", "website", "opening_hours", "description", "source",
    "source_title", "publisher", "licence", "source_date", "geocode_precision", "geocode_score",
    "distance_m", "score", NULL,
};
#define N_PLACE_PROPS 22

/* The columns of the HTML list of each kind (after the feature's title). */
static const char *const place_columns[] = {"category_label", "commune_name", "address",
                                            "licence", NULL};
static const char *const commune_columns[] = {"insee", "postcodes", "population", "places",
                                              "licence", NULL};
static const char *const address_columns[] = {"postcode", "insee", "city", "licence", NULL};
static const char *const event_columns[] = {"start", "end", "category_label", "communes",
                                            "licence", NULL};

/* Parameters only the places collections take. */
static const char *const places_only[] = {"lat", "lon", "radius", "k", "q", "category",
                                          "commune", "open_now", "sortby", "properties", NULL};

/* Everything one items request needs, whatever the collection. */
struct items {
    const struct api_ctx *ctx;
    const struct api_request *req;
    struct api_db *db;
    struct ogc_collection coll;
    enum ogc_crs crs;
    struct ogc_bbox bbox;
    int has_dt;
    struct ogc_interval dt;
    struct ogc_filter filter;        /* filter (CQL2); filter.has = 0 without */
    long limit;
    int html;                        /* HTML page, else GeoJSON */
    int single;                      /* one feature (/items/{featureId}) */
    int with_distance;               /* places: the distance column */
    const char *const *columns;      /* HTML list columns */
    unsigned long long props;        /* places: selected properties (bits of ogc_place_props) */
    long long life_version;          /* events: the store's version (the answer's ETag) */
    struct gdir_json j;
    struct api_html h;
    size_t written;
};

static void add_str(struct feat *f, const char *key, const char *s)
{
    if (f->n_props < MAX_PROPS)
        f->props[f->n_props++] = (struct prop){key, s, 0, 0, 0};
}

static void add_num(struct feat *f, const char *key, double v, int decimals)
{
    if (f->n_props < MAX_PROPS)
        f->props[f->n_props++] = (struct prop){key, NULL, v, 1, decimals};
}

static void add_bool(struct feat *f, const char *key, int v)
{
    if (f->n_props < MAX_PROPS)
        f->props[f->n_props++] = (struct prop){key, NULL, v != 0, 2, 0};
}

static const struct prop *find_prop(const struct feat *f, const char *key)
{
    for (size_t i = 0; i < f->n_props; i++)
        if (strcmp(f->props[i].key, key) == 0)
            return &f->props[i];
    return NULL;
}

/* ---- URLs ------------------------------------------------------------------------------- */

/* base + "/collections/<cid>/items/<fid>" (+ "?f=" + f) into b. */
static const char *item_url(struct gdir_buf *b, const struct api_request *req, const char *cid,
                            const char *fid, const char *f)
{
    gdir_buf_reset(b);
    if (ogc_base(req, b) || gdir_buf_adds(b, "/collections/") || api_pct_encode(b, cid, 0) ||
        gdir_buf_adds(b, "/items/") || api_pct_encode(b, fid, 0) ||
        (f && gdir_buf_printf(b, "?f=%s", f)))
        gdir_buf_reset(b);
    return gdir_buf_str(b);
}

static const char *collection_url(struct gdir_buf *b, const struct api_request *req,
                                  const char *cid, const char *f)
{
    gdir_buf_reset(b);
    if (ogc_base(req, b) || gdir_buf_adds(b, "/collections/") || api_pct_encode(b, cid, 0) ||
        (f && gdir_buf_printf(b, "?f=%s", f)))
        gdir_buf_reset(b);
    return gdir_buf_str(b);
}

/* ---- writing features ------------------------------------------------------------------------ */

static void json_props(struct gdir_json *j, const struct feat *f)
{
    gdir_json_key(j, "properties");
    gdir_json_obj_begin(j);
    for (size_t i = 0; i < f->n_props; i++) {
        const struct prop *p = &f->props[i];
        if (p->is_num == 2)
            gdir_json_kbool(j, p->key, p->num != 0);
        else if (p->is_num)
            gdir_json_knum(j, p->key, p->num, p->decimals);
        else
            gdir_json_kstr(j, p->key, p->s);
    }
    gdir_json_obj_end(j);
}

static int json_feature(struct items *x, const struct feat *f)
{
    struct gdir_json *j = &x->j;
    int rc = 0;

    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "Feature");
    gdir_json_kstr(j, "id", f->id);
    gdir_json_key(j, "geometry");
    if (f->has_point) {
        double a, b;
        ogc_crs_point(x->crs, f->lat, f->lon, &a, &b);
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "type", "Point");
        gdir_json_key(j, "coordinates");
        gdir_json_arr_begin(j);
        gdir_json_num(j, a, ogc_crs_decimals(x->crs));
        gdir_json_num(j, b, ogc_crs_decimals(x->crs));
        gdir_json_arr_end(j);
        gdir_json_obj_end(j);
    } else if (f->geojson) {
        rc = ogc_write_geometry(j, f->geojson, x->crs);
    } else {
        gdir_json_null(j);              /* an event without a place on the map */
    }
    json_props(j, f);
    if (x->single && !rc) {
        struct gdir_buf u;
        gdir_buf_init(&u, 0);
        rc = ogc_links_begin(j, x->req, "json", OGC_CT_GEOJSON, NULL, "Cet élément");
        ogc_link(j, collection_url(&u, x->req, x->coll.id, NULL), "collection", OGC_CT_JSON,
                 "La collection");
        gdir_json_arr_end(j);
        gdir_buf_free(&u);
    }
    gdir_json_obj_end(j);
    return rc ? rc : gdir_json_error(j);
}

static void html_value(struct api_html *h, const struct prop *p)
{
    if (!p) {
        api_html_raw(h, "—");
    } else if (p->is_num == 2) {
        api_html_raw(h, p->num != 0 ? "oui" : "non");
    } else if (p->is_num) {
        if (isfinite(p->num))
            api_html_rawf(h, "%.*f", p->decimals, p->num);
        else
            api_html_raw(h, "—");
    } else if (!p->s || !*p->s) {
        api_html_raw(h, "—");
    } else if ((strcmp(p->key, "website") == 0 || strcmp(p->key, "url") == 0 ||
                strcmp(p->key, "page") == 0) &&
               (strncmp(p->s, "https://", 8) == 0 || strncmp(p->s, "http://", 7) == 0)) {
        api_html_link(h, p->s, p->s);
    } else if (strcmp(p->key, "licence") == 0 && ogc_licence_url(p->s)) {
        api_html_raw(h, "<a rel=\"license\"");
        api_html_attr(h, "href", ogc_licence_url(p->s));
        api_html_raw(h, ">");
        api_html_text(h, p->s);
        api_html_raw(h, "</a>");
    } else {
        api_html_text(h, p->s);
    }
}

/* One row of the HTML list. */
static int html_row(struct items *x, const struct feat *f)
{
    struct api_html *h = &x->h;
    struct gdir_buf u;

    gdir_buf_init(&u, 0);
    api_html_raw(h, "<tr><th scope=\"row\">");
    api_html_link(h, item_url(&u, x->req, x->coll.id, f->id, "html"),
                  f->title && *f->title ? f->title : f->id);
    api_html_raw(h, "</th>");
    for (size_t i = 0; x->columns[i]; i++) {
        api_html_raw(h, "<td>");
        html_value(h, find_prop(f, x->columns[i]));
        api_html_raw(h, "</td>");
    }
    if (x->with_distance) {
        api_html_raw(h, "<td class=\"ogc-num\">");
        html_value(h, find_prop(f, "distance_m"));
        api_html_raw(h, "</td>");
    }
    api_html_raw(h, "</tr>\n");
    gdir_buf_free(&u);
    return api_html_error(h);
}

/* Begins the HTML page of the items (feature NULL) or of one feature (its title): breadcrumb
 * Collections > the collection > [Éléments >] the page, the GeoJSON alternate, and in map the
 * URL of the page's GeoJSON without crs (for the map). */
static int items_page_begin(struct items *x, const char *feature, struct gdir_buf *map)
{
    const char *crumbs[] = {NULL, "Collections", NULL, NULL, "", "Éléments", NULL, NULL, NULL};
    const char *cursor = api_param(x->req, "cursor");
    char title[160], page_title[200];
    struct gdir_buf json, list, coll, items;
    int rc;

    gdir_buf_init(&json, 0);
    gdir_buf_init(&list, 0);
    gdir_buf_init(&coll, 0);
    gdir_buf_init(&items, 0);
    ogc_collection_title(&x->coll, title, sizeof title);
    snprintf(page_title, sizeof page_title, "%s — éléments", title);
    rc = ogc_base(x->req, &list);
    if (!rc)
        rc = gdir_buf_adds(&list, "/collections?f=html");
    crumbs[0] = gdir_buf_str(&list);
    crumbs[2] = collection_url(&coll, x->req, x->coll.id, "html");
    crumbs[3] = title;
    if (feature) {            /* ... > Éléments (a link) > the feature */
        collection_url(&items, x->req, x->coll.id, NULL);
        if (!rc)
            rc = gdir_buf_adds(&items, "/items?f=html");
        crumbs[4] = gdir_buf_str(&items);
        crumbs[6] = "";
        crumbs[7] = feature;
    }
    if (!rc)
        rc = ogc_self_url(&json, x->req, "json", cursor, NULL);
    if (!rc)
        rc = ogc_self_url(map, x->req, "json", cursor, "crs");
    if (!rc)
        rc = ogc_html_begin(&x->h, x->req, feature ? feature : page_title, crumbs,
                            gdir_buf_str(&json), OGC_CT_GEOJSON, 1);
    gdir_buf_free(&json);
    gdir_buf_free(&list);
    gdir_buf_free(&coll);
    gdir_buf_free(&items);
    return rc;
}

/* The page of one feature: its properties and a map. */
static int html_item(struct items *x, const struct feat *f)
{
    struct api_html *h = &x->h;
    struct gdir_buf map;
    int rc;

    gdir_buf_init(&map, 0);
    rc = items_page_begin(x, f->title && *f->title ? f->title : f->id, &map);
    api_html_raw(h, "<div class=\"ogc-layout\">\n<table>\n<caption>Propriétés de cet élément"
                    "</caption>\n<tbody>\n<tr><th scope=\"row\">Identifiant</th><td><code>");
    api_html_text(h, f->id);
    api_html_raw(h, "</code></td></tr>\n");
    for (size_t i = 0; i < f->n_props; i++) {
        api_html_raw(h, "<tr><th scope=\"row\">");
        api_html_text(h, label_of(f->props[i].key));
        api_html_raw(h, "</th><td>");
        html_value(h, &f->props[i]);
        api_html_raw(h, "</td></tr>\n");
    }
    if (f->has_point)
        api_html_rawf(h, "<tr><th scope=\"row\">Position (latitude, longitude)</th>"
                         "<td>%.6f, %.6f</td></tr>\n", f->lat, f->lon);
    api_html_raw(h, "</tbody>\n</table>\n<div class=\"ogc-map\" id=\"ogc-carte\" role=\"region\" "
                    "aria-label=\"Carte de cet élément\"");
    api_html_attr(h, "data-geojson", gdir_buf_str(&map));
    api_html_raw(h, "></div>\n</div>\n");
    if (!rc)
        rc = ogc_html_end(h, 1);
    gdir_buf_free(&map);
    return rc ? rc : api_html_error(h);
}

static int emit(struct items *x, const struct feat *f)
{
    x->written++;
    if (!x->html)
        return json_feature(x, f);
    return x->single ? html_item(x, f) : html_row(x, f);
}

/* ---- the collection frame ------------------------------------------------------------------ */

/* Starts the answer of a list: GeoJSON FeatureCollection members, or the HTML page up to the
 * table's body. */
static int list_begin(struct items *x, long long matched, size_t returned)
{
    if (!x->html) {
        char ts[40];
        ogc_utc(x->req->now, ts, sizeof ts);
        gdir_json_obj_begin(&x->j);
        gdir_json_kstr(&x->j, "type", "FeatureCollection");
        gdir_json_kint(&x->j, "numberMatched", matched);
        gdir_json_kint(&x->j, "numberReturned", (long long)returned);
        gdir_json_kstr(&x->j, "timeStamp", ts);
        gdir_json_key(&x->j, "features");
        gdir_json_arr_begin(&x->j);
        return gdir_json_error(&x->j);
    }
    {
        struct api_html *h = &x->h;
        struct gdir_buf map;
        int rc;

        gdir_buf_init(&map, 0);
        rc = items_page_begin(x, NULL, &map);
        api_html_rawf(h, "<p class=\"ogc-count\" role=\"status\">%lld élément%s correspond%s à "
                         "la requête ; cette page en montre %zu.</p>\n", matched,
                      matched > 1 ? "s" : "", matched > 1 ? "ent" : "", returned);
        api_html_raw(h, "<div class=\"ogc-layout\">\n<div class=\"ogc-map\" id=\"ogc-carte\" "
                        "role=\"region\" aria-label=\"Carte des éléments de cette page\"");
        api_html_attr(h, "data-geojson", gdir_buf_str(&map));
        api_html_raw(h, "></div>\n<table>\n<caption>Éléments de cette page (le tableau donne "
                        "les mêmes éléments que la carte)</caption>\n<thead><tr>"
                        "<th scope=\"col\">Nom</th>");
        for (size_t i = 0; x->columns[i]; i++) {
            api_html_raw(h, "<th scope=\"col\">");
            api_html_text(h, label_of(x->columns[i]));
            api_html_raw(h, "</th>");
        }
        if (x->with_distance)
            api_html_raw(h, "<th scope=\"col\">Distance (m)</th>");
        api_html_raw(h, "</tr></thead>\n<tbody>\n");
        gdir_buf_free(&map);
        return rc ? rc : api_html_error(h);
    }
}

/* Ends a list: the links (GeoJSON) or the table and the page links (HTML). next and prev
 * are cursors, NULL when there is no such page. */
static int list_end(struct items *x, const char *next, const char *prev)
{
    const char *cur = api_param(x->req, "cursor");
    struct gdir_buf u;
    int rc = 0;

    gdir_buf_init(&u, 0);
    if (!x->html) {
        struct gdir_json *j = &x->j;
        gdir_json_arr_end(j);
        rc = ogc_links_begin(j, x->req, "json", OGC_CT_GEOJSON, cur, "Cette page");
        if (!rc && next) {
            gdir_buf_reset(&u);
            rc = ogc_self_url(&u, x->req, "json", next, NULL);
            ogc_link(j, gdir_buf_str(&u), "next", OGC_CT_GEOJSON, "Page suivante");
        }
        if (!rc && prev) {
            gdir_buf_reset(&u);
            rc = ogc_self_url(&u, x->req, "json", prev, NULL);
            ogc_link(j, gdir_buf_str(&u), "prev", OGC_CT_GEOJSON, "Page précédente");
        }
        ogc_link(j, collection_url(&u, x->req, x->coll.id, NULL), "collection", OGC_CT_JSON,
                 "La collection");
        gdir_json_arr_end(j);
        gdir_json_obj_end(j);
        gdir_buf_free(&u);
        return rc ? rc : gdir_json_error(j);
    }
    api_html_raw(&x->h, "</tbody>\n</table>\n</div>\n");
    if (next || prev) {
        api_html_raw(&x->h, "<nav class=\"ogc-pages\" aria-label=\"Pages\"><ul>");
        if (prev) {
            rc = ogc_self_url(&u, x->req, "html", prev, NULL);
            api_html_raw(&x->h, "<li><a rel=\"prev\"");
            api_html_attr(&x->h, "href", gdir_buf_str(&u));
            api_html_raw(&x->h, ">Page précédente</a></li>");
        }
        if (!rc && next) {
            gdir_buf_reset(&u);
            rc = ogc_self_url(&u, x->req, "html", next, NULL);
            api_html_raw(&x->h, "<li><a rel=\"next\"");
            api_html_attr(&x->h, "href", gdir_buf_str(&u));
            api_html_raw(&x->h, ">Page suivante</a></li>");
        }
        api_html_raw(&x->h, "</ul></nav>\n");
    }
    gdir_buf_free(&u);
    if (!rc)
        rc = ogc_html_end(&x->h, 1);
    return rc;
}

/* ---- places -------------------------------------------------------------------------------- */

struct places_req {
    struct items *x;
    struct api_search_params p;
    struct api_filter_store st;
    char cursor_buf[CURSOR_CAP];
    int has_q;
    int empty;                      /* the category filter leaves nothing in this collection */
    int exact_bbox;                 /* the engine has the envelope: test the box here */
    int failed;                     /* a database error in the extra test */
    struct gdir_err extra_err;
};

/* The engine's extra test: bbox in its own CRS, datetime against source_date. */
static int places_extra(void *cls, const struct api_candidate *c)
{
    struct places_req *s = cls;
    struct items *x = s->x;

    if (s->exact_bbox && !ogc_bbox_contains(&x->bbox, c->lat, c->lon))
        return 0;
    if (x->filter.has && !ogc_filter_has_id(&x->filter, c->fid))
        return 0;
    if (x->has_dt) {
        char date[64];
        struct ogc_interval iv;
        int rc = api_q_ogc_place_date(x->db, c->fid, date, sizeof date, &s->extra_err);
        if (rc) {
            s->failed = rc;
            return 0;
        }
        if (ogc_date_interval(date, &iv) == 0 && !ogc_interval_meets(&iv, &x->dt))
            return 0;        /* a place without a readable date has no temporal value: kept */
    }
    return 1;
}

/* sortby: one of distance, relevance, name, with an optional '+' (read as a space when it
 * came unencoded); *sort = -1 when absent. */
static int param_sortby(const struct api_request *req, int *sort, struct gdir_err *err)
{
    static const char *const names[] = {"distance", "relevance", "name", NULL};
    const char *v = api_param(req, "sortby"), *name;

    *sort = -1;
    if (!v)
        return GDIR_OK;
    if (v[0] == '-')
        return api_param_invalid(err, "sortby", v,
                                 "expected distance, relevance or name (ascending order only: "
                                 "relevance is best first)");
    name = v[0] == '+' || v[0] == ' ' ? v + 1 : v;
    for (int i = 0; names[i]; i++)
        if (strcmp(name, names[i]) == 0) {
            *sort = i;
            return GDIR_OK;
        }
    return api_param_invalid(err, "sortby", v, "expected distance, relevance or name");
}

static int places_params(struct items *x, struct places_req *s, struct gdir_err *err)
{
    const struct api_request *req = x->req;
    struct api_search_params *p = &s->p;
    const struct gdir_category *asked[API_MAX_CATEGORIES];
    size_t n_asked;
    int rc, has, sort;
    unsigned long long mask;

    s->x = x;
    if ((rc = api_filters_read(req, 0, p, &s->st, asked, &n_asked, err)))
        return rc;
    s->has_q = p->text != NULL;
    if (x->bbox.has) {
        p->has_bbox = 1;
        p->bbox = x->bbox.envelope;
        s->exact_bbox = x->bbox.crs != OGC_CRS84 || x->bbox.wraps;
    }
    if (!x->coll.category) {
        for (size_t i = 0; i < n_asked; i++)
            p->categories[p->n_categories++] = asked[i];
    } else if (n_asked == 0) {
        p->categories[p->n_categories++] = x->coll.category;
    } else {
        /* Within this collection: the asked codes that are its category or one of its
         * children (a parent takes its children in the engine). */
        const char *code = x->coll.category->code;
        for (size_t i = 0; i < n_asked; i++)
            if (strcmp(asked[i]->code, code) == 0 ||
                (asked[i]->parent && strcmp(asked[i]->parent, code) == 0))
                p->categories[p->n_categories++] = asked[i];
        s->empty = p->n_categories == 0;
    }
    if ((rc = param_sortby(req, &sort, err)))
        return rc;
    if ((rc = api_sort_settle(p, sort, s->has_q, "sortby", err)))
        return rc;
    p->limit = x->limit;
    if ((rc = api_param_enum_list(req, "properties", ogc_place_props, &has, &mask, err)))
        return rc;
    x->props = has ? mask : (1ull << N_PLACE_PROPS) - 1;
    if ((rc = api_page_read(req, p, s->has_q, s->cursor_buf, sizeof s->cursor_buf, err)))
        return rc;
    if (x->filter.has && (rc = ogc_filter_run(x->db, &x->filter, NULL, err)))
        return rc;
    if (s->exact_bbox || x->has_dt || x->filter.has) {
        p->extra_test = places_extra;
        p->extra_cls = s;
    }
    x->with_distance = p->has_point;
    return GDIR_OK;
}

/* The feature of a place. distance / score < 0: none. */
static void place_feat(const struct items *x, const struct api_place *p, double distance,
                       double score, struct feat *f)
{
    const struct gdir_category *cat = p->category ? gdir_category_find(p->category) : NULL;
    const char *values[N_PLACE_PROPS] = {
        p->name, p->category, cat ? cat->label : NULL, cat ? cat->parent : NULL, p->address,
        p->postcode, p->insee, p->commune, p->phone, p->email, p->website, p->opening_hours,
        p->description, p->source, p->source_title, p->publisher, p->licence, p->source_date,
        p->geocode_precision,
    };

    memset(f, 0, sizeof *f);
    f->id = p->id;
    f->title = p->name;
    f->has_point = 1;
    f->lat = p->lat;
    f->lon = p->lon;
    for (int i = 0; i < N_PLACE_PROPS; i++) {
        if (!((x->props >> i) & 1))
            continue;
        if (strcmp(ogc_place_props[i], "distance_m") == 0) {
            if (distance >= 0)
                add_num(f, "distance_m", distance, 1);
        } else if (strcmp(ogc_place_props[i], "score") == 0) {
            if (score >= 0)
                add_num(f, "score", score, 6);
        } else if (strcmp(ogc_place_props[i], "geocode_score") == 0) {
            if (p->has_geocode_score)
                add_num(f, "geocode_score", p->geocode_score, 3);
            else
                add_str(f, "geocode_score", NULL);
        } else {
            add_str(f, ogc_place_props[i], values[i]);
        }
    }
}

/* A place of a page read with one statement (api_search_read_scored). One statement per page
 * instead of one per feature was 65 % of the CPU of an items request at 1M places
 * (bench/RESULTS.md). */
static int on_place(void *cls, const struct api_place *p, double distance, double score)
{
    struct items *x = cls;
    struct feat f;
    place_feat(x, p, distance, score, &f);
    return emit(x, &f);
}

static int places_items(struct items *x, struct gdir_err *err)
{
    struct places_req *s = calloc(1, sizeof *s);
    struct api_search_result r;
    char next[CURSOR_CAP], prev[CURSOR_CAP];
    int rc, has_next = 0, has_prev = 0;

    memset(&r, 0, sizeof r);
    if (!s)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    gdir_err_clear(&s->extra_err);
    x->columns = place_columns;
    rc = places_params(x, s, err);
    for (size_t i = 0; !rc && i < s->p.n_communes; i++) {
        int member;
        rc = api_q_commune_member(x->db, s->p.communes[i], &member, err);
        if (!rc && !member)
            rc = api_param_invalid(err, "commune", s->p.communes[i],
                                   "expected INSEE codes of member communes");
    }
    if (rc)
        goto out;
    if (!s->empty) {
        rc = api_search_run(x->db, x->ctx->calendar, &s->p, &r, err);
        if (!rc && s->failed) {
            *err = s->extra_err;
            rc = s->failed;
        }
        if (rc)
            goto out;
    }
    has_next = r.has_next && r.n > 0 &&
               api_cursor_encode(s->p.sort, API_CURSOR_AFTER, &r.hits[r.n - 1].key, next,
                                 sizeof next) == 0;
    has_prev = r.has_prev && r.n > 0 &&
               api_cursor_encode(s->p.sort, API_CURSOR_BEFORE, &r.hits[0].key, prev,
                                 sizeof prev) == 0;
    rc = list_begin(x, r.matched, r.n);
    if (!rc)
        rc = api_search_read_scored(x->db, &r, s->p.has_point, s->has_q, on_place, x, err);
    if (!rc)
        rc = list_end(x, has_next ? next : NULL, has_prev ? prev : NULL);
out:
    api_search_result_free(&r);
    free(s);
    return rc;
}

/* ---- communes -------------------------------------------------------------------------------- */

struct keys {
    char (*k)[16];
    size_t n, cap;
};

static int on_key(void *cls, const char *key)
{
    struct keys *ks = cls;
    if (strlen(key) >= sizeof ks->k[0])
        return 0;
    if (gdir_grow(&ks->k, &ks->cap, ks->n + 1, sizeof ks->k[0]))
        return GDIR_ENOMEM;
    snprintf(ks->k[ks->n++], sizeof ks->k[0], "%s", key);
    return 0;
}

static int on_commune(void *cls, const struct api_ogc_commune *c)
{
    struct items *x = cls;
    struct feat f;

    memset(&f, 0, sizeof f);
    f.id = c->insee;
    f.title = c->name;
    f.geojson = c->geojson;
    add_str(&f, "insee", c->insee);
    add_str(&f, "name", c->name);
    add_str(&f, "postcodes", c->postcodes);
    if (c->population >= 0)
        add_num(&f, "population", (double)c->population, 0);
    else
        add_str(&f, "population", NULL);
    add_num(&f, "places", (double)c->places, 0);
    add_str(&f, "source", c->source);
    add_str(&f, "licence", c->licence);
    return emit(x, &f);
}

/* A cursor of the communes or addresses: "a.<key>" (page after key) or "b.<key>" (before). */
static int key_cursor(const char *v, int *before, const char **key, struct gdir_err *err)
{
    if (!v || strlen(v) < 3 || (v[0] != 'a' && v[0] != 'b') || v[1] != '.')
        return api_param_invalid(err, "cursor", v ? v : "",
                                 "expected a cursor given by a next or prev link of this "
                                 "collection");
    *before = v[0] == 'b';
    *key = v + 2;
    return GDIR_OK;
}

static int communes_items(struct items *x, struct gdir_err *err)
{
    struct keys ks = {0};
    struct gdir_buf wkt;
    const char *cursor = api_param(x->req, "cursor"), *key = NULL;
    char next[32], prev[32];
    size_t first = 0, last, limit = (size_t)x->limit;
    int before = 0, rc = GDIR_OK, has_next, has_prev;

    x->columns = commune_columns;
    gdir_buf_init(&wkt, 0);
    if (cursor) {
        rc = key_cursor(cursor, &before, &key, err);
        if (!rc && (strlen(key) > 8 || !api_insee_valid(key)))
            rc = api_param_invalid(err, "cursor", cursor, "expected a cursor of this collection");
    }
    if (!rc && x->bbox.has) {
        rc = ogc_bbox_wkt(&x->bbox, &wkt);
        if (rc)
            rc = gdir_err_set(err, rc, "bbox: out of memory");
    }
    if (!rc)
        rc = api_q_ogc_commune_keys(x->db, x->bbox.has ? &x->bbox.envelope : NULL,
                                    x->bbox.has ? gdir_buf_str(&wkt) : NULL, on_key, &ks, err);
    if (!rc && x->filter.has && !(rc = ogc_filter_run(x->db, &x->filter, NULL, err))) {
        size_t kept = 0;
        for (size_t i = 0; i < ks.n; i++)
            if (ogc_filter_has_key(&x->filter, ks.k[i]))
                memmove(ks.k[kept++], ks.k[i], sizeof ks.k[0]);
        ks.n = kept;
    }
    if (rc) {
        if (!err->code)
            gdir_err_set(err, rc, "communes: %s", gdir_err_text(rc));
        goto out;
    }
    /* The page: [first, last) of the ordered keys. */
    if (key && !before) {
        while (first < ks.n && strcmp(ks.k[first], key) <= 0)
            first++;
        last = first + limit < ks.n ? first + limit : ks.n;
    } else if (key) {
        last = 0;
        while (last < ks.n && strcmp(ks.k[last], key) < 0)
            last++;
        first = last > limit ? last - limit : 0;
    } else {
        last = limit < ks.n ? limit : ks.n;
    }
    has_next = last < ks.n;
    has_prev = first > 0;
    if (has_next)   /* after the page's last commune; "00000" precedes every INSEE code */
        snprintf(next, sizeof next, "a.%s", last > 0 ? ks.k[last - 1] : "00000");
    if (has_prev)
        snprintf(prev, sizeof prev, "b.%s", ks.k[first]);
    rc = list_begin(x, (long long)ks.n, last - first);
    for (size_t i = first; !rc && i < last; i++) {
        rc = api_q_ogc_commune(x->db, ks.k[i], on_commune, x, err);
        if (rc == GDIR_ENOTFOUND && !err->code)
            rc = gdir_err_set(err, GDIR_EINTERNAL, "commune %s vanished", ks.k[i]);
    }
    if (!rc)
        rc = list_end(x, has_next ? next : NULL, has_prev ? prev : NULL);
out:
    free(ks.k);
    gdir_buf_free(&wkt);
    return rc;
}

/* ---- addresses ---------------------------------------------------------------------------- */

/* An address copied out of its row. */
struct addr {
    long long fid;
    char *own;           /* one allocation holding the strings below */
    const char *id, *housenumber, *street, *postcode, *insee, *city, *source, *licence;
    double lat, lon;
};

struct addr_walk {
    struct items *x;
    struct addr *a;      /* owned, cap entries */
    size_t n, cap;       /* stop after cap matches */
};

static char *copy_into(char **p, const char *s)
{
    char *start = *p;
    size_t n;
    if (!s)
        return NULL;
    n = strlen(s) + 1;
    memcpy(start, s, n);
    *p += n;
    return start;
}

static int addr_copy(struct addr *d, const struct api_ogc_address *a)
{
    const char *src[8] = {a->id, a->housenumber, a->street, a->postcode, a->insee, a->city,
                          a->source, a->licence};
    size_t need = 0;
    char *p;

    for (int i = 0; i < 8; i++)
        need += src[i] ? strlen(src[i]) + 1 : 0;
    d->own = malloc(need ? need : 1);
    if (!d->own)
        return GDIR_ENOMEM;
    p = d->own;
    d->fid = a->fid;
    d->id = copy_into(&p, a->id);
    d->housenumber = copy_into(&p, a->housenumber);
    d->street = copy_into(&p, a->street);
    d->postcode = copy_into(&p, a->postcode);
    d->insee = copy_into(&p, a->insee);
    d->city = copy_into(&p, a->city);
    d->source = copy_into(&p, a->source);
    d->licence = copy_into(&p, a->licence);
    d->lat = a->lat;
    d->lon = a->lon;
    return GDIR_OK;
}

static int on_address(void *cls, const struct api_ogc_address *a)
{
    struct addr_walk *w = cls;
    int rc;

    if (!ogc_bbox_contains(&w->x->bbox, a->lat, a->lon))
        return 0;
    if (w->x->filter.has && !ogc_filter_has_id(&w->x->filter, a->fid))
        return 0;
    if (w->n == w->cap)
        return 1;
    rc = addr_copy(&w->a[w->n], a);
    if (rc)
        return rc;
    w->n++;
    return w->n == w->cap ? 1 : 0;
}

static int count_point(void *cls, double lat, double lon)
{
    struct addr_walk *w = cls;
    if (ogc_bbox_contains(&w->x->bbox, lat, lon))
        w->n++;
    return 0;
}

/* "<source>:<id>" of an address. */
static void address_id(const struct addr *a, char *out, size_t cap)
{
    snprintf(out, cap, "%s:%s", a->source ? a->source : "", a->id ? a->id : "");
}

static int emit_address(struct items *x, const struct addr *a)
{
    char id[256], title[256];
    struct feat f;

    address_id(a, id, sizeof id);
    snprintf(title, sizeof title, "%s%s%s%s%s", a->housenumber ? a->housenumber : "",
             a->housenumber ? " " : "", a->street ? a->street : "", a->city ? ", " : "",
             a->city ? a->city : "");
    memset(&f, 0, sizeof f);
    f.id = id;
    f.title = title;
    f.has_point = 1;
    f.lat = a->lat;
    f.lon = a->lon;
    add_str(&f, "housenumber", a->housenumber);
    add_str(&f, "street", a->street);
    add_str(&f, "postcode", a->postcode);
    add_str(&f, "insee", a->insee);
    add_str(&f, "city", a->city);
    add_str(&f, "source", a->source);
    add_str(&f, "licence", a->licence);
    return emit(x, &f);
}

/* Runs one walk: up to cap matching addresses after (or before) key. */
static int address_walk(struct items *x, long long key, int descending, size_t cap,
                        struct addr_walk *w, struct gdir_err *err)
{
    memset(w, 0, sizeof *w);
    w->x = x;
    w->cap = cap;
    w->a = calloc(cap ? cap : 1, sizeof *w->a);
    if (!w->a)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    return api_q_ogc_addresses(x->db, x->bbox.has ? &x->bbox.envelope : NULL, key, descending,
                               on_address, w, err);
}

static void walk_free(struct addr_walk *w)
{
    for (size_t i = 0; w->a && i < w->n; i++)
        free(w->a[i].own);
    free(w->a);
    w->a = NULL;
    w->n = 0;
}

static int addresses_items(struct items *x, struct gdir_err *err)
{
    struct addr_walk page = {0}, probe = {0};
    const char *cursor = api_param(x->req, "cursor"), *key_text = NULL;
    long long key = -1, matched = 0;
    size_t limit = (size_t)x->limit, first = 0, n;
    char next[40], prev[40];
    int before = 0, rc = GDIR_OK, has_next = 0, has_prev = 0;

    x->columns = address_columns;
    if (cursor) {
        long k;
        rc = key_cursor(cursor, &before, &key_text, err);
        if (!rc && gdir_parse_long(key_text, 0, 0x7fffffffffffffffL, &k) != 0)
            rc = api_param_invalid(err, "cursor", cursor, "expected a cursor of this collection");
        if (rc)
            return rc;
        key = k;
    }
    /* numberMatched */
    if (x->filter.has) {
        rc = ogc_filter_run(x->db, &x->filter, NULL, err);
        for (size_t i = 0; !rc && i < x->filter.n_ids; i++)
            matched += ogc_bbox_contains(&x->bbox, x->filter.pts[2 * i + 1],
                                         x->filter.pts[2 * i]);
    } else if (x->bbox.has) {
        struct addr_walk counter = {.x = x};
        rc = api_q_ogc_address_points(x->db, &x->bbox.envelope, count_point, &counter, err);
        matched = (long long)counter.n;
    } else {
        rc = api_q_ogc_address_count(x->db, &matched, err);
    }
    if (rc)
        goto out;
    /* The page, and whether there are pages around it. */
    if (!before) {
        rc = address_walk(x, key, 0, limit + 1, &page, err);
        if (rc)
            goto out;
        has_next = page.n > limit;
        n = has_next ? limit : page.n;
        if (cursor && n > 0) {
            rc = address_walk(x, page.a[0].fid, 1, 1, &probe, err);
            has_prev = probe.n > 0;
        } else if (cursor) {
            rc = address_walk(x, key + 1, 1, 1, &probe, err);
            has_prev = probe.n > 0;
        }
    } else {
        rc = address_walk(x, key, 1, limit + 1, &page, err);
        if (rc)
            goto out;
        has_prev = page.n > limit;
        n = has_prev ? limit : page.n;
        /* Read in decreasing row id order: the n nearest the cursor come first (an extra
         * one, read only to know that an earlier page exists, stays at index n); reverse
         * them into row id order. */
        for (size_t i = 0; i < n / 2; i++) {
            struct addr t = page.a[i];
            page.a[i] = page.a[n - 1 - i];
            page.a[n - 1 - i] = t;
        }
        if (n > 0) {
            rc = address_walk(x, page.a[n - 1].fid, 0, 1, &probe, err);
            has_next = probe.n > 0;
        } else {
            rc = address_walk(x, key - 1, 0, 1, &probe, err);
            has_next = probe.n > 0;
        }
    }
    if (rc)
        goto out;
    if (has_next && n > 0)
        snprintf(next, sizeof next, "a.%lld", page.a[first + n - 1].fid);
    else if (has_next)
        snprintf(next, sizeof next, "a.%lld", key - 1 < 0 ? 0 : key - 1);
    if (has_prev && n > 0)
        snprintf(prev, sizeof prev, "b.%lld", page.a[first].fid);
    else if (has_prev)
        snprintf(prev, sizeof prev, "b.%lld", key + 1);
    rc = list_begin(x, matched, n);
    for (size_t i = 0; !rc && i < n; i++)
        rc = emit_address(x, &page.a[first + i]);
    if (!rc)
        rc = list_end(x, has_next ? next : NULL, has_prev ? prev : NULL);
out:
    walk_free(&page);
    walk_free(&probe);
    if (rc && !err->code)
        gdir_err_set(err, rc, "addresses: %s", gdir_err_text(rc));
    return rc;
}

/* ---- events (the agenda's occurrences, geoapi/life/h_feeds.h) -------------------------------- */

/* The texts of an event feature. */
struct event_texts {
    char item[24], start[32], end[32], updated[32], recurrence[300];
    struct gdir_buf communes, page;
};

static void event_feat(struct items *x, const struct feeds_occ *o, struct event_texts *t,
                       struct feat *f)
{
    const struct life_item *it = o->it;
    struct life_rrule *r = NULL;
    struct gdir_err e;

    memset(f, 0, sizeof *f);
    snprintf(t->item, sizeof t->item, "%lld", it->id);
    gdir_paris_format(o->start, t->start, sizeof t->start);
    gdir_paris_format(o->end, t->end, sizeof t->end);
    gdir_paris_format((time_t)it->updated_at, t->updated, sizeof t->updated);
    t->recurrence[0] = '\0';
    if (it->rrule && life_rrule_parse(it->rrule, &r, &e) == 0 &&
        life_rrule_describe(r, t->recurrence, sizeof t->recurrence) != 0)
        t->recurrence[0] = '\0';
    life_rrule_free(r);
    gdir_buf_reset(&t->communes);
    for (size_t i = 0; i < it->n_communes; i++)
        gdir_buf_printf(&t->communes, "%s%s", i ? ";" : "", it->communes[i]);
    gdir_buf_reset(&t->page);
    feeds_item_url(x->req, it, &t->page);
    f->id = o->id;
    f->title = it->title;
    f->has_point = it->has_point;
    f->lat = it->lat;
    f->lon = it->lon;
    add_num(f, "item", (double)it->id, 0);
    add_str(f, "title", it->title);
    add_str(f, "text", it->text_plain);
    add_str(f, "start", t->start);
    add_str(f, "end", t->end);
    add_bool(f, "all_day", it->all_day);
    add_str(f, "recurrence", t->recurrence[0] ? t->recurrence : NULL);
    add_str(f, "rrule", it->rrule);
    add_str(f, "category", it->category);
    add_str(f, "category_label", it->category ? life_category_label(it->category) : NULL);
    add_str(f, "place_name", it->place_name);
    add_str(f, "address", it->address);
    add_str(f, "communes", gdir_buf_str(&t->communes));
    add_bool(f, "territory", it->territory);
    add_str(f, "organiser", it->organiser);
    add_str(f, "price", it->price);
    add_bool(f, "free", it->free);
    add_str(f, "url", it->url);
    add_str(f, "page", gdir_buf_str(&t->page));
    add_str(f, "publisher", it->publisher);
    add_str(f, "source", it->source);
    add_str(f, "licence", it->licence ? it->licence : FEEDS_LICENCE);
    add_str(f, "updated_at", t->updated);
}

/* The occurrences read: the datetime interval when bounded (at most FEEDS_SPAN_DAYS), its
 * open side FEEDS_AHEAD_DAYS from the other, else the default window. */
static int events_window(const struct items *x, time_t *from, time_t *to, struct gdir_err *err)
{
    int has_s = x->has_dt && x->dt.start != OGC_TIME_MIN;
    int has_e = x->has_dt && x->dt.end != OGC_TIME_MAX;

    feeds_default_window(x->req->now, from, to);
    if (has_s)
        *from = (time_t)x->dt.start;
    if (has_e)
        *to = (time_t)x->dt.end;
    if (has_s && !has_e)
        *to = *from + (time_t)FEEDS_AHEAD_DAYS * 86400;
    if (has_e && !has_s)
        *from = *to - (time_t)FEEDS_AHEAD_DAYS * 86400;
    if (*to - *from > (time_t)FEEDS_SPAN_DAYS * 86400)
        return gdir_err_set_param(err, GDIR_EINVAL, "datetime", "datetime: the collection "
                                  "events takes an interval of at most %d days",
                                  FEEDS_SPAN_DAYS);
    return GDIR_OK;
}

/* Order of occurrence o against the key (start, item) of a cursor. */
static int occ_cmp_key(const struct feeds_occ *o, long long start, long long item)
{
    if ((long long)o->start != start)
        return (long long)o->start < start ? -1 : 1;
    return o->it->id < item ? -1 : o->it->id > item;
}

static int events_page(struct items *x, const struct feeds_set *set, const size_t *m,
                       size_t n_m, struct gdir_err *err)
{
    const char *cursor = api_param(x->req, "cursor"), *key = NULL;
    struct event_texts t;
    size_t first = 0, last, limit = (size_t)x->limit;
    long long ks = 0, ki = 0;
    char next[64], prev[64], tail;
    int before = 0, rc = GDIR_OK;

    if (cursor && !(rc = key_cursor(cursor, &before, &key, err)) &&
        sscanf(key, "%lld.%lld%c", &ks, &ki, &tail) != 2)
        rc = api_param_invalid(err, "cursor", cursor, "expected a cursor of this collection");
    if (rc)
        return rc;
    if (key && !before) {
        while (first < n_m && occ_cmp_key(&set->occ[m[first]], ks, ki) <= 0)
            first++;
        last = first + limit < n_m ? first + limit : n_m;
    } else if (key) {
        last = 0;
        while (last < n_m && occ_cmp_key(&set->occ[m[last]], ks, ki) < 0)
            last++;
        first = last > limit ? last - limit : 0;
    } else {
        last = limit < n_m ? limit : n_m;
    }
    if (last < n_m)
        snprintf(next, sizeof next, "a.%lld.%lld", (long long)set->occ[m[last - 1]].start,
                 set->occ[m[last - 1]].it->id);
    if (first > 0)
        snprintf(prev, sizeof prev, "b.%lld.%lld", (long long)set->occ[m[first]].start,
                 set->occ[m[first]].it->id);
    gdir_buf_init(&t.communes, 0);
    gdir_buf_init(&t.page, 0);
    rc = list_begin(x, (long long)n_m, last - first);
    for (size_t i = first; !rc && i < last; i++) {
        struct feat f;
        event_feat(x, &set->occ[m[i]], &t, &f);
        rc = emit(x, &f);
    }
    if (!rc)
        rc = list_end(x, last < n_m ? next : NULL, first > 0 ? prev : NULL);
    gdir_buf_free(&t.communes);
    gdir_buf_free(&t.page);
    return rc;
}

/* The queryable values of the occurrences m[0..*n_m) as a JSON array (start and end in
 * UTC), the filter run on it, and m reduced to the occurrences it selects. */
static int events_filter(struct items *x, const struct feeds_set *set, size_t *m, size_t *n_m,
                         struct gdir_err *err)
{
    struct gdir_buf rows, communes;
    struct gdir_json j;
    size_t kept = 0;
    int rc;

    gdir_buf_init(&rows, 0);
    gdir_buf_init(&communes, 0);
    gdir_json_init(&j, &rows);
    gdir_json_arr_begin(&j);
    for (size_t i = 0; i < *n_m; i++) {
        const struct feeds_occ *o = &set->occ[m[i]];
        const struct life_item *it = o->it;
        char start[40], end[40];
        ogc_utc(o->start, start, sizeof start);
        ogc_utc(o->end, end, sizeof end);
        gdir_json_obj_begin(&j);
        gdir_json_kint(&j, "item", it->id);
        gdir_json_kstr(&j, "title", it->title);
        gdir_json_kstr(&j, "start", start);
        gdir_json_kstr(&j, "end", end);
        gdir_json_kbool(&j, "all_day", it->all_day);
        gdir_json_kstr(&j, "category", it->category);
        gdir_json_kstr(&j, "place_name", it->place_name);
        gdir_buf_reset(&communes);
        for (size_t k = 0; k < it->n_communes; k++)
            gdir_buf_printf(&communes, "%s%s", k ? ";" : "", it->communes[k]);
        gdir_json_kstr(&j, "communes", gdir_buf_str(&communes));
        gdir_json_kbool(&j, "territory", it->territory);
        gdir_json_kstr(&j, "organiser", it->organiser);
        gdir_json_kbool(&j, "free", it->free);
        gdir_json_kstr(&j, "licence", it->licence ? it->licence : FEEDS_LICENCE);
        if (it->has_point) {
            gdir_json_knum(&j, "lon", it->lon, 7);
            gdir_json_knum(&j, "lat", it->lat, 7);
        }
        gdir_json_obj_end(&j);
    }
    gdir_json_arr_end(&j);
    rc = gdir_json_error(&j) ? gdir_err_set(err, GDIR_ENOMEM, "filter: out of memory")
                             : ogc_filter_run(x->db, &x->filter, gdir_buf_str(&rows), err);
    for (size_t i = 0; !rc && i < *n_m; i++)
        if (ogc_filter_has_id(&x->filter, (long long)i))
            m[kept++] = m[i];
    if (!rc)
        *n_m = kept;
    gdir_buf_free(&rows);
    gdir_buf_free(&communes);
    return rc;
}

static int events_items(struct items *x, struct gdir_err *err)
{
    struct feeds_set set;
    size_t *m = NULL, n_m = 0;
    time_t from, to;
    int rc;

    x->columns = event_columns;
    if ((rc = events_window(x, &from, &to, err)) ||
        (rc = feeds_events(x->ctx, NULL, NULL, from, to, &set, err)))
        return rc;
    x->life_version = set.version;
    m = malloc((set.n_occ ? set.n_occ : 1) * sizeof *m);
    if (!m) {
        feeds_set_free(&set);
        return gdir_err_set(err, GDIR_ENOMEM, "events: out of memory");
    }
    for (size_t i = 0; i < set.n_occ; i++) {
        const struct life_item *it = set.occ[i].it;
        if (!x->bbox.has || (it->has_point && ogc_bbox_contains(&x->bbox, it->lat, it->lon)))
            m[n_m++] = i;
    }
    rc = x->filter.has ? events_filter(x, &set, m, &n_m, err) : GDIR_OK;
    if (!rc)
        rc = events_page(x, &set, m, n_m, err);
    free(m);
    feeds_set_free(&set);
    return rc;
}

/* One occurrence by its id "<item>-<YYYYMMDDTHHMM>". */
static int events_item(struct items *x, const char *fid, struct gdir_err *err)
{
    struct feeds_set set;
    struct event_texts t;
    int y, mo, d, h, mi, n = 0, rc = GDIR_ENOTFOUND;
    long long item;
    time_t at;

    if (!fid || sscanf(fid, "%lld-%4d%2d%2dT%2d%2d%n", &item, &y, &mo, &d, &h, &mi, &n) != 6 ||
        fid[n] != '\0' || gdir_paris_to_utc(y, mo, d, h, mi, 0, &at) != 0)
        return GDIR_ENOTFOUND;
    if ((rc = feeds_events(x->ctx, NULL, NULL, at, at + 60, &set, err)))
        return rc;
    x->life_version = set.version;
    gdir_buf_init(&t.communes, 0);
    gdir_buf_init(&t.page, 0);
    rc = GDIR_ENOTFOUND;
    for (size_t i = 0; i < set.n_occ && rc == GDIR_ENOTFOUND; i++) {
        struct feat f;
        if (strcmp(set.occ[i].id, fid) != 0)
            continue;
        event_feat(x, &set.occ[i], &t, &f);
        rc = emit(x, &f);
    }
    gdir_buf_free(&t.communes);
    gdir_buf_free(&t.page);
    feeds_set_free(&set);
    return rc;
}

/* ---- handlers ------------------------------------------------------------------------------- */

/* What every items request reads first. */
static int items_setup(const struct api_ctx *ctx, const struct api_request *req,
                       struct api_response *res, struct items *x, struct gdir_err *err)
{
    int rc;

    memset(x, 0, sizeof *x);
    x->ctx = ctx;
    x->req = req;
    x->html = req->format == API_FMT_HTML;
    rc = ogc_collection_find(req->cfg, api_capture(req, "collectionId"), &x->coll, err);
    if (rc)
        return rc;
    if (x->coll.kind != OGC_KIND_PLACES)
        for (size_t i = 0; places_only[i]; i++)
            if (api_param(req, places_only[i]))
                return gdir_err_set_param(err, GDIR_EUNKNOWNPARAM, places_only[i],
                                          "%s: unknown parameter for collection %s (allowed: "
                                          "f, limit, bbox, bbox-crs, datetime, crs, cursor)",
                                          places_only[i], x->coll.id);
    rc = ogc_param_crs(req, "crs", &x->crs, err);
    if (!rc)
        rc = api_dbpool_get(ctx->pool, &x->db, err);
    if (rc)
        return rc;
    if (x->html)
        api_html_init(&x->h, &res->body);
    else
        gdir_json_init(&x->j, &res->body);
    return GDIR_OK;
}

static int items_done(struct items *x, struct api_response *res, int rc, struct gdir_err *err)
{
    if (rc) {
        if (!err->code)
            gdir_err_set(err, rc, "response body: %s", gdir_err_text(rc));
        return rc;
    }
    if (x->html) {
        res->content_type = OGC_CT_HTML;
        return GDIR_OK;
    }
    res->content_crs = ogc_crs_header(x->crs);
    return api_json_done(res, &x->j, OGC_CT_GEOJSON, err);
}

int h_ogc_items(const struct api_ctx *ctx, const struct api_request *req,
                struct api_response *res, struct gdir_err *err)
{
    struct items *x = malloc(sizeof *x);
    int rc;

    if (!x)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    rc = items_setup(ctx, req, res, x, err);
    if (!rc)
        rc = ogc_param_bbox(req, &x->bbox, err);
    if (!rc)
        rc = ogc_param_datetime(req, &x->has_dt, &x->dt, err);
    if (!rc)
        rc = api_param_limit(req, &x->limit, err);
    if (!rc)
        rc = ogc_filter_read(req, x->coll.kind, &x->filter, err);
    if (rc) {
        ogc_filter_free(&x->filter);
        free(x);
        return rc;
    }
    switch (x->coll.kind) {
    case OGC_KIND_PLACES:
        rc = places_items(x, err);
        break;
    case OGC_KIND_COMMUNES:
        rc = communes_items(x, err);
        break;
    case OGC_KIND_ADDRESSES:
        rc = addresses_items(x, err);
        break;
    case OGC_KIND_EVENTS:
        rc = events_items(x, err);
        break;
    }
    rc = items_done(x, res, rc, err);
    if (!rc && x->coll.kind == OGC_KIND_EVENTS)
        feeds_etag(ctx, res, x->life_version);
    ogc_filter_free(&x->filter);
    free(x);
    return rc;
}

/* Places of one collection: a place outside the collection's category is not in it. */
struct one_place {
    struct items *x;
    int outside;
};

static int on_one_place(void *cls, const struct api_place *p)
{
    struct one_place *o = cls;
    const struct gdir_category *cat = p->category ? gdir_category_find(p->category) : NULL;
    const struct gdir_category *want = o->x->coll.category;
    struct feat f;

    if (want && !(cat && (strcmp(cat->code, want->code) == 0 ||
                          (cat->parent && strcmp(cat->parent, want->code) == 0)))) {
        o->outside = 1;
        return GDIR_ENOTFOUND;
    }
    place_feat(o->x, p, -1, -1, &f);
    return emit(o->x, &f);
}

struct one_address {
    struct items *x;
};

static int on_one_address(void *cls, const struct api_ogc_address *a)
{
    struct one_address *o = cls;
    struct addr copy;
    int rc = addr_copy(&copy, a);
    if (rc)
        return rc;
    rc = emit_address(o->x, &copy);
    free(copy.own);
    return rc ? rc : 1;
}

int h_ogc_item(const struct api_ctx *ctx, const struct api_request *req,
               struct api_response *res, struct gdir_err *err)
{
    const char *fid = api_capture(req, "featureId");
    char quoted[API_QUOTE_MAX * 4 + 16];
    struct items *x = malloc(sizeof *x);
    int rc;

    if (!x)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    rc = items_setup(ctx, req, res, x, err);
    if (rc) {
        free(x);
        return rc;
    }
    x->single = 1;
    x->props = (1ull << N_PLACE_PROPS) - 1;
    switch (x->coll.kind) {
    case OGC_KIND_PLACES: {
        struct one_place o = {x, 0};
        rc = api_q_place_by_id(x->db, fid ? fid : "", on_one_place, &o, err);
        break;
    }
    case OGC_KIND_COMMUNES:
        rc = api_q_ogc_commune(x->db, fid ? fid : "", on_commune, x, err);
        break;
    case OGC_KIND_ADDRESSES: {
        struct one_address o = {x};
        const char *colon = fid ? strchr(fid, ':') : NULL;
        char source[128];
        if (!colon || (size_t)(colon - fid) >= sizeof source) {
            rc = GDIR_ENOTFOUND;
            break;
        }
        memcpy(source, fid, (size_t)(colon - fid));
        source[colon - fid] = '\0';
        rc = api_q_ogc_address_by_id(x->db, source, colon + 1, on_one_address, &o, err);
        break;
    }
    case OGC_KIND_EVENTS:
        rc = events_item(x, fid, err);
        break;
    }
    if (rc == GDIR_ENOTFOUND && !err->code) {
        api_quote(quoted, sizeof quoted, fid ? fid : "");
        rc = gdir_err_set(err, GDIR_ENOTFOUND, "no feature %s in collection %s", quoted,
                          x->coll.id);
    }
    rc = items_done(x, res, rc, err);
    if (!rc && x->coll.kind == OGC_KIND_EVENTS)
        feeds_etag(ctx, res, x->life_version);
    free(x);
    return rc;
}
