/*
 * h_ogc_common.c — what every OGC API handler uses: content negotiation of the API_HTML
 * routes (api_negotiate_html, called by the router), the list of collections (places, one per
 * top-level category of common/taxonomy.def, communes, addresses), licences, and absolute
 * links built from the Host header.
 *
 * Not here: CRS and datetime (h_ogc_crs.c), the resources themselves (h_ogc_*.c).
 */
#include "h_ogc.h"
#include "api_dbpool.h"
#include "api_http.h"
#include "h_feeds.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- negotiation ----------------------------------------------------------------------------- */

int api_negotiate_html(const struct api_request *req, int geo, enum api_format *fmt,
                       struct gdir_err *err)
{
    static const char *const with_geo[] = {"json", "html", "geojson", NULL};
    static const char *const plain[] = {"json", "html", NULL};
    const char *accept = req->headers ? req->headers->accept : NULL;
    /* JSON first: it wins a tie. */
    static const char *const types[] = {
        "application/json", "application/geo+json", "application/vnd.oai.openapi+json",
        "application/openapi+json", "application/schema+json", "text/html",
        "application/xhtml+xml",
    };
    enum api_format json_fmt = geo ? API_FMT_GEOJSON : API_FMT_JSON;
    size_t pick;
    int f, rc;

    rc = api_param_enum(req, "f", geo ? with_geo : plain, &f, err);
    if (rc)
        return rc;
    if (f >= 0) {
        *fmt = f == 0 ? API_FMT_JSON : f == 1 ? API_FMT_HTML : API_FMT_GEOJSON;
        return GDIR_OK;
    }
    *fmt = json_fmt;
    if (!accept || !*accept)
        return GDIR_OK;
    if (api_accept_pick(accept, types, sizeof types / sizeof types[0], &pick) != 0)
        return gdir_err_set(err, GDIR_ENOTACCEPT,
                            "Accept: this resource is %s or text/html",
                            geo ? "application/geo+json" : "application/json");
    *fmt = pick >= 5 ? API_FMT_HTML : json_fmt;
    return GDIR_OK;
}

/* ---- collections ----------------------------------------------------------------------------- */

int ogc_collection_at(size_t i, struct ogc_collection *out)
{
    size_t n_tax, k = 0;
    const struct gdir_category *tax = gdir_taxonomy(&n_tax);

    memset(out, 0, sizeof *out);
    if (i == 0) {
        out->kind = OGC_KIND_PLACES;
        snprintf(out->id, sizeof out->id, "places");
        return 1;
    }
    i--;
    for (size_t t = 0; t < n_tax; t++) {
        if (tax[t].parent)
            continue;
        if (k++ == i) {
            out->kind = OGC_KIND_PLACES;
            out->category = &tax[t];
            snprintf(out->id, sizeof out->id, "places-%s", tax[t].code);
            return 1;
        }
    }
    i -= k;
    if (i == 0) {
        out->kind = OGC_KIND_COMMUNES;
        snprintf(out->id, sizeof out->id, "communes");
        return 1;
    }
    if (i == 1) {
        out->kind = OGC_KIND_ADDRESSES;
        snprintf(out->id, sizeof out->id, "addresses");
        return 1;
    }
    return 0;
}

int ogc_collection_listed(const struct api_config *cfg, size_t i, struct ogc_collection *out)
{
    size_t n = 0;
    struct ogc_collection c;

    while (ogc_collection_at(n, &c))
        n++;
    if (i < n)
        return ogc_collection_at(i, out);
    if (i > n || !feeds_enabled(cfg))
        return 0;
    memset(out, 0, sizeof *out);
    out->kind = OGC_KIND_EVENTS;
    snprintf(out->id, sizeof out->id, "events");
    return 1;
}

int ogc_collection_find(const struct api_config *cfg, const char *id,
                        struct ogc_collection *out, struct gdir_err *err)
{
    char quoted[API_QUOTE_MAX * 4 + 16];

    for (size_t i = 0; ogc_collection_listed(cfg, i, out); i++)
        if (id && strcmp(out->id, id) == 0)
            return GDIR_OK;
    api_quote(quoted, sizeof quoted, id ? id : "");
    return gdir_err_set(err, GDIR_ENOTFOUND, "no collection %s (the list is at /ogc/collections)",
                        quoted);
}

void ogc_collection_title(const struct ogc_collection *c, char *out, size_t cap)
{
    switch (c->kind) {
    case OGC_KIND_PLACES:
        if (c->category)
            snprintf(out, cap, "Lieux : %s", c->category->label);
        else
            snprintf(out, cap, "Lieux de l’annuaire");
        break;
    case OGC_KIND_COMMUNES:
        snprintf(out, cap, "Communes du territoire");
        break;
    case OGC_KIND_ADDRESSES:
        snprintf(out, cap, "Adresses");
        break;
    case OGC_KIND_EVENTS:
        snprintf(out, cap, "Agenda des événements");
        break;
    }
}

const char *ogc_collection_description(const struct ogc_collection *c)
{
    switch (c->kind) {
    case OGC_KIND_PLACES:
        return c->category
                   ? "Les lieux de l’annuaire de cette catégorie et de ses sous-catégories "
                     "(points, WGS 84). Chaque lieu indique sa source, son éditeur, sa licence "
                     "et la date de sa source (source_date), qui sert au filtre datetime."
                   : "Tous les lieux de l’annuaire du territoire : services publics, santé, "
                     "commerces, associations… (points, WGS 84). Chaque lieu indique sa source, "
                     "son éditeur, sa licence et la date de sa source (source_date), qui sert "
                     "au filtre datetime. Recherche par proximité (lat, lon, radius, k), texte "
                     "(q), catégorie, commune et ouverture (open_now) en paramètres.";
    case OGC_KIND_COMMUNES:
        return "Les communes membres du territoire, avec leurs limites (multipolygones, WGS 84) "
               "et le nombre de lieux de l’annuaire dans chacune. Sans date : le filtre "
               "datetime les garde toutes.";
    case OGC_KIND_ADDRESSES:
        return "Les points adresse (BAN, BANO) du territoire, qui servent au géocodage des "
               "lieux. Sans date par adresse : le filtre datetime les garde toutes.";
    case OGC_KIND_EVENTS:
        return "Les événements publiés par les communes et le territoire (marchés, fêtes, "
               "réunions…)\u00a0: un élément par date d’un événement, les répétitions développées, "
               "du mois dernier à un an. Le filtre datetime porte sur l’intervalle de chaque "
               "date (début, fin). Licence Ouverte 2.0.";
    }
    return "";
}

/* ---- licences ----------------------------------------------------------------------------- */

static const struct {
    const char *id, *url, *title;
} licences[] = {
    {"etalab-2.0", "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
     "Licence Ouverte / Open Licence 2.0 (Etalab)"},
    {"ODbL-1.0", "https://opendatacommons.org/licenses/odbl/1-0/",
     "Open Database License (ODbL) 1.0"},
    {"CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/deed.fr",
     "Creative Commons Attribution 4.0"},
    {"CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/deed.fr",
     "Creative Commons Zéro 1.0 (domaine public)"},
};

const char *ogc_licence_url(const char *id)
{
    for (size_t i = 0; id && i < sizeof licences / sizeof licences[0]; i++)
        if (strcasecmp(licences[i].id, id) == 0)
            return licences[i].url;
    return NULL;
}

const char *ogc_licence_title(const char *id)
{
    for (size_t i = 0; id && i < sizeof licences / sizeof licences[0]; i++)
        if (strcasecmp(licences[i].id, id) == 0)
            return licences[i].title;
    return NULL;
}

/* ---- links ----------------------------------------------------------------------------------- */

int ogc_base(const struct api_request *req, struct gdir_buf *out)
{
    int rc = api_public_base(req, out);
    return rc ? rc : gdir_buf_adds(out, OGC_ROOT);
}

/* The request's path under /ogc, re-encoded ("/collections/places/items"). Path segments
 * come from the captures when there are any, so that an encoded '/' stays encoded. */
static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

static int resource_path(struct gdir_buf *out, const struct api_request *req)
{
    const char *cid = api_capture(req, "collectionId"), *fid = api_capture(req, "featureId");
    const char *path = req->path ? req->path : "";
    int rc;

    if (!cid) {
        if (strncmp(path, OGC_ROOT, strlen(OGC_ROOT)) == 0)
            path += strlen(OGC_ROOT);
        if (strcmp(path, "/") == 0)
            path = "";
        return api_pct_encode(out, path, 1);
    }
    rc = gdir_buf_adds(out, "/collections/");
    if (!rc)
        rc = api_pct_encode(out, cid, 0);
    if (!rc && strstr(path, "/items"))
        rc = gdir_buf_adds(out, "/items");
    else if (!rc && ends_with(path, "/queryables"))
        rc = gdir_buf_adds(out, "/queryables");
    else if (!rc && ends_with(path, "/schema"))
        rc = gdir_buf_adds(out, "/schema");
    if (!rc && fid) {
        rc = gdir_buf_addc(out, '/');
        if (!rc)
            rc = api_pct_encode(out, fid, 0);
    }
    return rc;
}

int ogc_self_url(struct gdir_buf *out, const struct api_request *req, const char *f,
                 const char *cursor, const char *skip)
{
    int rc = ogc_base(req, out);
    size_t base_len = out->len;
    char sep = '?';

    if (!rc)
        rc = resource_path(out, req);
    if (!rc && out->len == base_len)
        rc = gdir_buf_addc(out, '/');          /* the landing page is /ogc/ */
    for (size_t i = 0; !rc && i < req->n_params; i++) {
        const char *name = req->params[i].name;
        if (strcmp(name, "f") == 0 || strcmp(name, "cursor") == 0 ||
            (skip && strcmp(name, skip) == 0))
            continue;
        rc = gdir_buf_addc(out, sep);
        sep = '&';
        if (!rc)
            rc = api_pct_encode(out, name, 0);
        if (!rc)
            rc = gdir_buf_addc(out, '=');
        if (!rc)
            rc = api_pct_encode(out, req->params[i].value, 0);
    }
    if (!rc && f)
        rc = gdir_buf_printf(out, "%cf=%s", sep, f), sep = '&';
    if (!rc && cursor) {
        rc = gdir_buf_printf(out, "%ccursor=", sep);
        if (!rc)
            rc = api_pct_encode(out, cursor, 0);
    }
    return rc;
}

void ogc_link(struct gdir_json *j, const char *href, const char *rel, const char *type,
              const char *title)
{
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "href", href);
    gdir_json_kstr(j, "rel", rel);
    gdir_json_kstr(j, "type", type);
    if (title)
        gdir_json_kstr(j, "title", title);
    gdir_json_obj_end(j);
}

int ogc_link_to(struct gdir_json *j, const struct api_request *req, const char *path,
                const char *f, const char *rel, const char *type, const char *title)
{
    struct gdir_buf href;
    int rc;

    gdir_buf_init(&href, 0);
    rc = ogc_base(req, &href);
    if (!rc)
        rc = gdir_buf_adds(&href, path);
    if (!rc && f)
        rc = gdir_buf_printf(&href, "%cf=%s", strchr(path, '?') ? '&' : '?', f);
    if (!rc)
        ogc_link(j, gdir_buf_str(&href), rel, type, title);
    gdir_buf_free(&href);
    return rc;
}

int ogc_links_begin(struct gdir_json *j, const struct api_request *req, const char *self_f,
                    const char *self_type, const char *cursor, const char *what)
{
    struct gdir_buf href;
    char alternate[96];
    int rc;

    snprintf(alternate, sizeof alternate, "%s en HTML", what);
    gdir_json_key(j, "links");
    gdir_json_arr_begin(j);
    gdir_buf_init(&href, 0);
    rc = ogc_self_url(&href, req, self_f, cursor, NULL);
    if (!rc)
        ogc_link(j, gdir_buf_str(&href), "self", self_type, what);
    gdir_buf_reset(&href);
    if (!rc)
        rc = ogc_self_url(&href, req, "html", cursor, NULL);
    if (!rc)
        ogc_link(j, gdir_buf_str(&href), "alternate", OGC_MT_HTML, alternate);
    gdir_buf_free(&href);
    return rc;
}

int ogc_json_done(struct api_response *res, const struct gdir_json *j, int rc, const char *what,
                  struct gdir_err *err)
{
    if (rc)
        return gdir_err_set(err, rc, "%s: %s", what, gdir_err_text(rc));
    return api_json_done(res, j, OGC_CT_JSON, err);
}

void ogc_utc(time_t t, char *out, size_t cap)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, cap, "1970-01-01T00:00:00Z");
}

int ogc_service_title(const struct api_ctx *ctx, char *out, size_t cap, struct gdir_err *err)
{
    struct api_db *db;
    struct gdir_buf t;
    cJSON *root = NULL;
    const cJSON *name;
    int rc;

    snprintf(out, cap, "Annuaire des lieux et services");
    rc = api_dbpool_get(ctx->pool, &db, err);
    if (rc)
        return rc;
    gdir_buf_init(&t, 0);
    rc = api_q_territory(db, &t, err);
    if (rc == GDIR_ENOTFOUND) {
        gdir_err_clear(err);
        rc = GDIR_OK;
    } else if (!rc) {
        root = cJSON_Parse(gdir_buf_str(&t));
        name = cJSON_GetObjectItemCaseSensitive(root, "name");
        if (cJSON_IsString(name) && name->valuestring[0])
            snprintf(out, cap, "%s — annuaire des lieux et services", name->valuestring);
    }
    cJSON_Delete(root);
    gdir_buf_free(&t);
    return rc;
}
