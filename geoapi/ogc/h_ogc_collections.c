/*
 * h_ogc_collections.c — GET /ogc/collections and GET /ogc/collections/{collectionId}: the
 * collections' metadata as JSON or HTML. Each collection has its spatial extent computed from
 * the data (exact, one pass over its table, once per database build), its temporal extent when its records carry dates
 * (the places' source_date; communes and addresses have none, so none is given), the CRS list
 * of Part 2 (CRS84, EPSG:4326, EPSG:2154; storage CRS84) and one `license` link per licence of
 * the records it holds.
 */
#include "h_ogc.h"
#include "api_dbpool.h"
#include "api_html.h"
#include "h_feeds.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLLECTIONS 32

/* ---- summaries ---------------------------------------------------------------------------- */

static void summary_init(struct ogc_summary *s)
{
    memset(s, 0, sizeof *s);
    s->minlon = s->minlat = s->maxlon = s->maxlat = NAN;
}

static void summary_add(struct ogc_summary *s, const struct api_ogc_stats *g)
{
    if (g->n <= 0)
        return;
    s->n += g->n;
    if (!isnan(g->minlon)) {
        s->minlon = isnan(s->minlon) ? g->minlon : fmin(s->minlon, g->minlon);
        s->minlat = isnan(s->minlat) ? g->minlat : fmin(s->minlat, g->minlat);
        s->maxlon = isnan(s->maxlon) ? g->maxlon : fmax(s->maxlon, g->maxlon);
        s->maxlat = isnan(s->maxlat) ? g->maxlat : fmax(s->maxlat, g->maxlat);
    }
    if (g->min_date && strlen(g->min_date) < sizeof s->min_date &&
        (!s->min_date[0] || strcmp(g->min_date, s->min_date) < 0))
        snprintf(s->min_date, sizeof s->min_date, "%s", g->min_date);
    if (g->max_date && strlen(g->max_date) < sizeof s->max_date &&
        strcmp(g->max_date, s->max_date) > 0)
        snprintf(s->max_date, sizeof s->max_date, "%s", g->max_date);
    if (g->licence && strlen(g->licence) < sizeof s->licences[0]) {
        size_t i = 0;
        while (i < s->n_licences && strcmp(s->licences[i], g->licence) != 0)
            i++;
        if (i == s->n_licences && i < sizeof s->licences / sizeof s->licences[0])
            snprintf(s->licences[s->n_licences++], sizeof s->licences[0], "%s", g->licence);
    }
}

struct stats_walk {
    const struct ogc_collection *cs;
    size_t n;
    struct ogc_summary *out;
    enum ogc_kind kind;
};

static int on_stats(void *cls, const struct api_ogc_stats *g)
{
    struct stats_walk *w = cls;
    const struct gdir_category *cat = g->category ? gdir_category_find(g->category) : NULL;

    for (size_t i = 0; i < w->n; i++) {
        const struct ogc_collection *c = &w->cs[i];
        if (c->kind != w->kind)
            continue;
        if (c->category && !(cat && (strcmp(cat->code, c->category->code) == 0 ||
                                     (cat->parent && strcmp(cat->parent, c->category->code) == 0))))
            continue;
        summary_add(&w->out[i], g);
    }
    return 0;
}

/* The summaries of every collection, computed once per database build and shared by all
 * threads (a pass over 100 000 places takes about 0.4 s): they change only with the file. */
static struct {
    pthread_mutex_t lock;
    char build_id[sizeof ((struct api_db *)0)->build_id];   /* "" until filled */
    struct ogc_collection cs[MAX_COLLECTIONS];
    struct ogc_summary ss[MAX_COLLECTIONS];
    size_t n;
} cache = {PTHREAD_MUTEX_INITIALIZER, "", {{0}}, {{0}}, 0};

static int summarize_now(struct api_db *db, const struct ogc_collection *cs, size_t n,
                         struct ogc_summary *out, struct gdir_err *err);

/* The summary of `events`: the occurrences of the collection's default window. */
static int events_summary(const struct api_ctx *ctx, struct ogc_summary *s,
                          struct gdir_err *err)
{
    struct feeds_set set;
    time_t from, to, last = 0;
    int rc;

    summary_init(s);
    feeds_default_window(time(NULL), &from, &to);
    if ((rc = feeds_events(ctx, NULL, NULL, from, to, &set, err)))
        return rc;
    for (size_t i = 0; i < set.n_occ; i++) {
        const struct life_item *it = set.occ[i].it;
        struct api_ogc_stats g = {.n = 1, .minlon = NAN, .licence = FEEDS_LICENCE};
        if (it->has_point) {
            g.minlon = g.maxlon = it->lon;
            g.minlat = g.maxlat = it->lat;
        }
        summary_add(s, &g);
        if (set.occ[i].end > last)
            last = set.occ[i].end;
    }
    if (set.n_occ) {
        ogc_utc(set.occ[0].start, s->min_date, sizeof s->min_date);
        ogc_utc(last - 1, s->max_date, sizeof s->max_date);
    }
    feeds_set_free(&set);
    return GDIR_OK;
}

static int summarize(const struct api_ctx *ctx, struct api_db *db,
                     const struct ogc_collection *cs, size_t n, struct ogc_summary *out,
                     struct gdir_err *err);

/* Gives the collections without a located record the extent of the territory (its communes),
 * so that a client still knows where an empty collection lies. */
static int territory_extent(const struct api_ctx *ctx, struct api_db *db, size_t n,
                            struct ogc_summary *out, struct gdir_err *err)
{
    struct ogc_collection communes = {.kind = OGC_KIND_COMMUNES, .id = "communes"};
    struct ogc_summary t;
    int rc;

    for (size_t i = 0; i < n; i++) {
        if (!isnan(out[i].minlon))
            continue;
        if ((rc = summarize(ctx, db, &communes, 1, &t, err)))
            return rc;
        for (size_t k = i; k < n; k++)
            if (isnan(out[k].minlon)) {
                out[k].minlon = t.minlon;
                out[k].minlat = t.minlat;
                out[k].maxlon = t.maxlon;
                out[k].maxlat = t.maxlat;
            }
        break;
    }
    return GDIR_OK;
}

int ogc_summarize(const struct api_ctx *ctx, struct api_db *db, const struct ogc_collection *cs,
                  size_t n, struct ogc_summary *out, struct gdir_err *err)
{
    int rc = summarize(ctx, db, cs, n, out, err);
    return rc ? rc : territory_extent(ctx, db, n, out, err);
}

static int summarize(const struct api_ctx *ctx, struct api_db *db,
                     const struct ogc_collection *cs, size_t n, struct ogc_summary *out,
                     struct gdir_err *err)
{
    struct ogc_collection all[MAX_COLLECTIONS];
    struct ogc_summary sums[MAX_COLLECTIONS];
    size_t n_all = 0, found = 0;
    int rc;

    for (size_t i = 0; i < n; i++)
        if (cs[i].kind == OGC_KIND_EVENTS) {
            if ((rc = events_summary(ctx, &out[i], err)))
                return rc;
            found++;
        }
    pthread_mutex_lock(&cache.lock);
    if (cache.build_id[0] && strcmp(cache.build_id, db->build_id) == 0)
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; cs[i].kind != OGC_KIND_EVENTS && k < cache.n; k++)
                if (strcmp(cache.cs[k].id, cs[i].id) == 0) {
                    out[i] = cache.ss[k];
                    found++;
                    break;
                }
    pthread_mutex_unlock(&cache.lock);
    if (found == n)
        return GDIR_OK;
    while (n_all < MAX_COLLECTIONS && ogc_collection_at(n_all, &all[n_all]))
        n_all++;
    rc = summarize_now(db, all, n_all, sums, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; cs[i].kind != OGC_KIND_EVENTS && k < n_all; k++)
            if (strcmp(all[k].id, cs[i].id) == 0)
                out[i] = sums[k];
    pthread_mutex_lock(&cache.lock);
    memcpy(cache.cs, all, sizeof all);
    memcpy(cache.ss, sums, sizeof sums);
    cache.n = n_all;
    snprintf(cache.build_id, sizeof cache.build_id, "%s", db->build_id);
    pthread_mutex_unlock(&cache.lock);
    return GDIR_OK;
}

static int summarize_now(struct api_db *db, const struct ogc_collection *cs, size_t n,
                         struct ogc_summary *out, struct gdir_err *err)
{
    static const struct {
        enum ogc_kind kind;
        enum api_ogc_table table;
    } tables[] = {
        {OGC_KIND_PLACES, API_OGC_PLACES},
        {OGC_KIND_COMMUNES, API_OGC_COMMUNES},
        {OGC_KIND_ADDRESSES, API_OGC_ADDRESSES},
    };
    int rc = GDIR_OK;

    for (size_t i = 0; i < n; i++)
        summary_init(&out[i]);
    for (size_t t = 0; !rc && t < sizeof tables / sizeof tables[0]; t++) {
        struct stats_walk w = {cs, n, out, tables[t].kind};
        int needed = 0;
        for (size_t i = 0; i < n; i++)
            needed |= cs[i].kind == tables[t].kind;
        if (needed)
            rc = api_q_ogc_stats(db, tables[t].table, on_stats, &w, err);
    }
    return rc;
}

/* ---- JSON ------------------------------------------------------------------------------- */

/* Writes the ISO 8601 UTC start (or last second) of a stored date; 0 when it is not a date. */
static int date_bound(const char *stored, int end, char *out, size_t cap)
{
    struct ogc_interval iv;
    if (ogc_date_interval(stored, &iv) != 0)
        return 0;
    ogc_utc((time_t)(end ? iv.end - 1 : iv.start), out, cap);
    return 1;
}

/* "/collections/<id>" (+ suffix) into b, the id percent-encoded. */
static const char *collection_path(struct gdir_buf *b, const struct ogc_collection *c,
                                   const char *suffix)
{
    gdir_buf_reset(b);
    if (gdir_buf_adds(b, "/collections/") || api_pct_encode(b, c->id, 0) ||
        gdir_buf_adds(b, suffix))
        return "/collections";
    return gdir_buf_str(b);
}

/* The extent member of a collection: its bbox, and its dates' interval when it has dates. */
static void write_extent(struct gdir_json *j, const struct ogc_summary *s)
{
    char start[40], end[40];

    if (!isnan(s->minlon)) {
        gdir_json_key(j, "extent");
        gdir_json_obj_begin(j);
        gdir_json_key(j, "spatial");
        gdir_json_obj_begin(j);
        gdir_json_key(j, "bbox");
        gdir_json_arr_begin(j);
        gdir_json_arr_begin(j);
        gdir_json_num(j, s->minlon, 7);
        gdir_json_num(j, s->minlat, 7);
        gdir_json_num(j, s->maxlon, 7);
        gdir_json_num(j, s->maxlat, 7);
        gdir_json_arr_end(j);
        gdir_json_arr_end(j);
        gdir_json_kstr(j, "crs", ogc_crs_uri(OGC_CRS84));
        gdir_json_obj_end(j);
        if (date_bound(s->min_date, 0, start, sizeof start) &&
            date_bound(s->max_date, 1, end, sizeof end)) {
            gdir_json_key(j, "temporal");
            gdir_json_obj_begin(j);
            gdir_json_key(j, "interval");
            gdir_json_arr_begin(j);
            gdir_json_arr_begin(j);
            gdir_json_str(j, start);
            gdir_json_str(j, end);
            gdir_json_arr_end(j);
            gdir_json_arr_end(j);
            gdir_json_kstr(j, "trs", "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian");
            gdir_json_obj_end(j);
        }
        gdir_json_obj_end(j);
    }
}

int ogc_write_collection(struct gdir_json *j, const struct api_request *req,
                         const struct ogc_collection *c, const struct ogc_summary *s)
{
    char title[160];
    struct gdir_buf path;
    int rc = 0;

    gdir_buf_init(&path, 0);
    ogc_collection_title(c, title, sizeof title);
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "id", c->id);
    gdir_json_kstr(j, "title", title);
    gdir_json_kstr(j, "description", ogc_collection_description(c));
    gdir_json_kstr(j, "itemType", "feature");
    write_extent(j, s);
    gdir_json_key(j, "crs");
    gdir_json_arr_begin(j);
    for (int i = 0; i < OGC_CRS_COUNT; i++)
        gdir_json_str(j, ogc_crs_uri((enum ogc_crs)i));
    gdir_json_arr_end(j);
    gdir_json_kstr(j, "storageCrs", ogc_crs_uri(OGC_CRS84));
    gdir_json_key(j, "links");
    gdir_json_arr_begin(j);
    rc = ogc_link_to(j, req, collection_path(&path, c, ""), "json", "self", OGC_CT_JSON,
                     "Cette collection");
    if (!rc)
        rc = ogc_link_to(j, req, collection_path(&path, c, ""), "html", "alternate", OGC_MT_HTML,
                         "Cette collection en HTML");
    if (!rc)
        rc = ogc_link_to(j, req, collection_path(&path, c, "/items"), NULL, "items",
                         OGC_CT_GEOJSON, "Les éléments en GeoJSON");
    if (!rc)
        rc = ogc_link_to(j, req, collection_path(&path, c, "/items"), "html", "items",
                         OGC_MT_HTML, "Les éléments en HTML");
    if (!rc)
        rc = ogc_link_to(j, req, collection_path(&path, c, "/queryables"), NULL,
                         OGC_REL_QUERYABLES, "application/schema+json",
                         "Les propriétés interrogeables (JSON Schema)");
    if (!rc)   /* the Part 3 drafts' relation, the one GDAL 3.6 reads to push filters down */
        rc = ogc_link_to(j, req, collection_path(&path, c, "/queryables"), NULL, "queryables",
                         OGC_CT_JSON, "Les propriétés interrogeables (JSON)");
    if (!rc)
        rc = ogc_link_to(j, req, collection_path(&path, c, "/schema"), NULL, OGC_REL_SCHEMA,
                         "application/schema+json", "Le schéma des éléments (JSON Schema)");
    if (!rc)   /* GDAL's OAPIF driver takes the fields and the geometry type from it */
        rc = ogc_link_to(j, req, collection_path(&path, c, "/schema.xsd"), NULL, "describedBy",
                         "application/xml", "Le schéma des éléments (GML)");
    for (size_t i = 0; !rc && i < s->n_licences; i++) {
        const char *url = ogc_licence_url(s->licences[i]);
        char lt[160];
        if (!url)
            continue;
        snprintf(lt, sizeof lt, "%s (%s)", ogc_licence_title(s->licences[i]), s->licences[i]);
        ogc_link(j, url, "license", OGC_MT_HTML, lt);
    }
    gdir_json_arr_end(j);
    gdir_json_obj_end(j);
    gdir_buf_free(&path);
    return rc ? rc : gdir_json_error(j);
}

/* ---- HTML ------------------------------------------------------------------------------- */

/* Writes the licences of s as links (text when the licence is unknown). */
static void html_licences(struct api_html *h, const struct ogc_summary *s)
{
    if (s->n_licences == 0)
        api_html_raw(h, "—");
    for (size_t i = 0; i < s->n_licences; i++) {
        const char *url = ogc_licence_url(s->licences[i]);
        if (i)
            api_html_raw(h, ", ");
        if (url) {
            api_html_raw(h, "<a");
            api_html_attr(h, "href", url);
            api_html_raw(h, " hreflang=\"fr\" rel=\"license\">");
            api_html_text(h, s->licences[i]);
            api_html_raw(h, "</a>");
        } else {
            api_html_text(h, s->licences[i]);
        }
    }
}

static const char *url_of(struct gdir_buf *b, const struct api_request *req,
                          const struct ogc_collection *c, const char *suffix)
{
    struct gdir_buf path;
    const char *p;
    gdir_buf_init(&path, 0);
    p = collection_path(&path, c, suffix);
    gdir_buf_reset(b);
    if (ogc_base(req, b) || gdir_buf_adds(b, p))
        gdir_buf_reset(b);
    gdir_buf_free(&path);
    return gdir_buf_str(b);
}

static int collections_html(const struct api_request *req, struct api_response *res,
                            const struct ogc_collection *cs, const struct ogc_summary *ss,
                            size_t n, struct gdir_err *err)
{
    static const char *const crumbs[] = {"", "Collections", NULL};
    struct api_html h;
    struct gdir_buf u;
    int rc;

    gdir_buf_init(&u, 0);
    rc = ogc_page_begin(&h, res, req, "Collections de données", crumbs, OGC_CT_JSON);
    api_html_raw(&h, "<table>\n<caption>Les collections de l’API, avec leur nombre d’éléments "
                     "et leurs licences</caption>\n<thead><tr><th scope=\"col\">Collection</th>"
                     "<th scope=\"col\">Éléments</th><th scope=\"col\">Licences</th>"
                     "<th scope=\"col\">Données</th></tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n; i++) {
        char title[160];
        ogc_collection_title(&cs[i], title, sizeof title);
        api_html_raw(&h, "<tr><th scope=\"row\">");
        api_html_link(&h, url_of(&u, req, &cs[i], "?f=html"), title);
        api_html_raw(&h, " <span class=\"ogc-id\">(");
        api_html_text(&h, cs[i].id);
        api_html_rawf(&h, ")</span></th><td class=\"ogc-num\">%lld</td><td>", ss[i].n);
        html_licences(&h, &ss[i]);
        api_html_raw(&h, "</td><td>");
        api_html_link(&h, url_of(&u, req, &cs[i], "/items?f=html"), "Parcourir");
        api_html_raw(&h, " · <a");
        api_html_attr(&h, "href", url_of(&u, req, &cs[i], "/items?f=geojson"));
        api_html_raw(&h, " type=\"application/geo+json\">GeoJSON</a></td></tr>\n");
    }
    api_html_raw(&h, "</tbody>\n</table>\n");
    gdir_buf_free(&u);
    return ogc_page_end(&h, res, rc, "collections", err);
}

static int collection_html(const struct api_request *req, struct api_response *res,
                           const struct ogc_collection *c, const struct ogc_summary *s,
                           struct gdir_err *err)
{
    const char *crumbs[] = {NULL, "Collections", "", NULL, NULL};
    char title[160], start[40], end[40];
    struct api_html h;
    struct gdir_buf u, list;
    int rc;

    gdir_buf_init(&u, 0);
    gdir_buf_init(&list, 0);
    ogc_collection_title(c, title, sizeof title);
    api_html_init(&h, &res->body);
    rc = ogc_base(req, &list);
    if (!rc)
        rc = gdir_buf_adds(&list, "/collections?f=html");
    crumbs[0] = gdir_buf_str(&list);
    crumbs[3] = title;
    if (!rc)
        rc = ogc_page_begin(&h, res, req, title, crumbs, OGC_CT_JSON);
    api_html_raw(&h, "<p>");
    api_html_text(&h, ogc_collection_description(c));
    api_html_raw(&h, "</p>\n<p>");
    api_html_link(&h, url_of(&u, req, c, "/items?f=html"), "Parcourir les éléments");
    api_html_raw(&h, " · <a");
    api_html_attr(&h, "href", url_of(&u, req, c, "/items?f=geojson"));
    api_html_raw(&h, " type=\"application/geo+json\">les télécharger en GeoJSON</a> "
                     "(par pages)</p>\n<p>");
    api_html_link(&h, url_of(&u, req, c, "/queryables?f=html"), "Propriétés interrogeables");
    api_html_raw(&h, " · ");
    api_html_link(&h, url_of(&u, req, c, "/schema?f=html"), "Schéma des éléments");
    api_html_raw(&h, "</p>\n<table>\n<caption>Description de la collection</caption>"
                     "\n<tbody>\n<tr><th scope=\"row\">Identifiant</th><td><code>");
    api_html_text(&h, c->id);
    api_html_rawf(&h, "</code></td></tr>\n<tr><th scope=\"row\">Éléments</th>"
                      "<td>%lld</td></tr>\n<tr><th scope=\"row\">Emprise (longitude, latitude)"
                      "</th><td>", s->n);
    if (!isnan(s->minlon))
        api_html_rawf(&h, "%.5f, %.5f — %.5f, %.5f", s->minlon, s->minlat, s->maxlon,
                      s->maxlat);
    else
        api_html_raw(&h, "—");
    api_html_raw(&h, "</td></tr>\n<tr><th scope=\"row\">Période des sources</th><td>");
    if (date_bound(s->min_date, 0, start, sizeof start) &&
        date_bound(s->max_date, 1, end, sizeof end)) {
        api_html_text(&h, s->min_date);
        api_html_raw(&h, " — ");
        api_html_text(&h, s->max_date);
    } else {
        api_html_raw(&h, "sans date");
    }
    api_html_raw(&h, "</td></tr>\n<tr><th scope=\"row\">Licences</th><td>");
    html_licences(&h, s);
    api_html_raw(&h, "</td></tr>\n<tr><th scope=\"row\">Systèmes de coordonnées</th><td><ul>");
    for (int i = 0; i < OGC_CRS_COUNT; i++) {
        api_html_raw(&h, "<li><code>");
        api_html_text(&h, ogc_crs_uri((enum ogc_crs)i));
        api_html_raw(&h, "</code></li>");
    }
    api_html_raw(&h, "</ul></td></tr>\n</tbody>\n</table>\n");
    gdir_buf_free(&u);
    gdir_buf_free(&list);
    return ogc_page_end(&h, res, rc, "collection", err);
}

/* ---- handlers ------------------------------------------------------------------------------- */

int h_ogc_collections(const struct api_ctx *ctx, const struct api_request *req,
                      struct api_response *res, struct gdir_err *err)
{
    struct ogc_collection cs[MAX_COLLECTIONS];
    struct ogc_summary ss[MAX_COLLECTIONS];
    struct api_db *db;
    struct gdir_json j;
    size_t n = 0;
    int rc;

    while (n < MAX_COLLECTIONS && ogc_collection_listed(ctx->cfg, n, &cs[n]))
        n++;
    rc = api_dbpool_get(ctx->pool, &db, err);
    if (!rc)
        rc = ogc_summarize(ctx, db, cs, n, ss, err);
    if (rc)
        return rc;
    if (req->format == API_FMT_HTML) {
        rc = collections_html(req, res, cs, ss, n, err);
        if (!rc && feeds_enabled(ctx->cfg))
            feeds_etag(ctx, res, 0);
        return rc;
    }
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    rc = ogc_links_begin(&j, req, "json", OGC_CT_JSON, NULL, "Ce document");
    gdir_json_arr_end(&j);
    gdir_json_key(&j, "crs");
    gdir_json_arr_begin(&j);
    for (int i = 0; i < OGC_CRS_COUNT; i++)
        gdir_json_str(&j, ogc_crs_uri((enum ogc_crs)i));
    gdir_json_arr_end(&j);
    gdir_json_key(&j, "collections");
    gdir_json_arr_begin(&j);
    for (size_t i = 0; !rc && i < n; i++)
        rc = ogc_write_collection(&j, req, &cs[i], &ss[i]);
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    rc = ogc_json_done(res, &j, rc, "collections", err);
    if (!rc && feeds_enabled(ctx->cfg))
        feeds_etag(ctx, res, 0);     /* the summary of `events` changes with the agenda */
    return rc;
}

int h_ogc_collection(const struct api_ctx *ctx, const struct api_request *req,
                     struct api_response *res, struct gdir_err *err)
{
    struct ogc_collection c;
    struct ogc_summary s;
    struct api_db *db;
    struct gdir_json j;
    int rc;

    rc = ogc_collection_find(ctx->cfg, api_capture(req, "collectionId"), &c, err);
    if (!rc)
        rc = api_dbpool_get(ctx->pool, &db, err);
    if (!rc)
        rc = ogc_summarize(ctx, db, &c, 1, &s, err);
    if (rc)
        return rc;
    if (req->format == API_FMT_HTML) {
        rc = collection_html(req, res, &c, &s, err);
    } else {
        gdir_json_init(&j, &res->body);
        rc = ogc_write_collection(&j, req, &c, &s);
        rc = ogc_json_done(res, &j, rc, "collection", err);
    }
    if (!rc && c.kind == OGC_KIND_EVENTS)
        feeds_etag(ctx, res, 0);      /* its summary changes with the agenda */
    return rc;
}
