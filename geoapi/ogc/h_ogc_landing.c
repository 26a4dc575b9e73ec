/*
 * h_ogc_landing.c — GET /ogc/ (the landing page of the OGC API - Features) and
 * GET /ogc/conformance (the conformance classes), as JSON or HTML; any other path under /ogc/
 * answers 404 JSON (h_ogc_unknown).
 *
 * The landing page links the API definition (service-desc, OpenAPI 3.0; service-doc, its HTML
 * page), the conformance declaration and the collections (data). Links that clients extend
 * (data, conformance, service-desc) carry no query string: QGIS appends "/{collectionId}" to
 * the collections link.
 */
#include "h_ogc.h"
#include "api_html.h"

#include <string.h>

static const char *const conformance[] = {
    OGC_CONF_CORE, OGC_CONF_OAS30, OGC_CONF_HTML, OGC_CONF_GEOJSON, OGC_CONF_CRS,
    OGC_CONF_QUERYABLES, OGC_CONF_FILTER, OGC_CONF_FEATURES_FILTER, OGC_CONF_CQL2_TEXT,
    OGC_CONF_CQL2_JSON, OGC_CONF_CQL2_BASIC, OGC_CONF_CQL2_SPATIAL, NULL,
};

static const char *const conformance_titles[] = {
    "Noyau (Part 1 : Core)", "Définition OpenAPI 3.0", "Pages HTML", "GeoJSON",
    "Systèmes de coordonnées par référence (Part 2 : CRS)",
    "Propriétés interrogeables (Part 3 : Queryables)",
    "Filtres (Part 3 : Filter)", "Filtres des éléments (Part 3 : Features Filter)",
    "CQL2 en texte (CQL2 Text)", "CQL2 en JSON (CQL2 JSON)", "CQL2 de base (Basic CQL2)",
    "Fonctions spatiales de base : S_INTERSECTS (Basic Spatial Functions)",
};
_Static_assert(sizeof conformance_titles / sizeof conformance_titles[0] ==
                   sizeof conformance / sizeof conformance[0] - 1,
               "one title per conformance class");

static const char DESCRIPTION[] =
    "Les lieux de l’annuaire du territoire (services publics, santé, commerces, associations…), "
    "ses communes et ses adresses, selon la norme OGC API - Features (parties 1 et 2), en "
    "GeoJSON et en HTML, avec leur licence. Recherche par proximité, texte, catégorie, commune "
    "et ouverture en paramètres supplémentaires.";

/* Appends base + path to buf (reset first). */
static const char *url_of(struct gdir_buf *buf, const struct api_request *req, const char *path)
{
    gdir_buf_reset(buf);
    if (ogc_base(req, buf) || gdir_buf_adds(buf, path))
        return "";
    return gdir_buf_str(buf);
}

static int landing_html(const struct api_request *req, struct api_response *res,
                        const char *title, struct gdir_err *err)
{
    struct api_html h;
    struct gdir_buf u;
    int rc;

    gdir_buf_init(&u, 0);
    rc = ogc_page_begin(&h, res, req, title, NULL, OGC_CT_JSON);
    api_html_raw(&h, "<p>");
    api_html_text(&h, DESCRIPTION);
    api_html_raw(&h, "</p>\n<h2>Contenu</h2>\n<ul>\n<li>");
    api_html_link(&h, url_of(&u, req, "/collections?f=html"), "Les collections de données");
    api_html_raw(&h, " : lieux (tous, ou par grande catégorie), communes, adresses.</li>\n<li>");
    api_html_link(&h, url_of(&u, req, "/api?f=html"), "La documentation de l’API");
    api_html_raw(&h, " (et sa ");
    api_html_link(&h, url_of(&u, req, "/api?f=json"), "définition OpenAPI 3.0");
    api_html_raw(&h, ").</li>\n<li>");
    api_html_link(&h, url_of(&u, req, "/conformance?f=html"), "Les normes respectées");
    api_html_raw(&h, ".</li>\n</ul>\n<h2>Utiliser ces données dans un SIG</h2>\n"
                     "<p>Dans QGIS (sans extension) : menu <em>Couche</em>, <em>Ajouter une "
                     "couche</em>, <em>Ajouter une couche WFS / OGC API - Features</em>, "
                     "<em>Nouveau</em>, puis l’adresse ci-dessous ; <em>Connexion</em> liste "
                     "les collections.</p>\n<p><code>");
    api_html_text(&h, url_of(&u, req, ""));
    api_html_raw(&h, "</code></p>\n<p>Avec GDAL : <code>ogrinfo OAPIF:");
    api_html_text(&h, url_of(&u, req, ""));
    api_html_raw(&h, "</code></p>\n");
    gdir_buf_free(&u);
    return ogc_page_end(&h, res, rc, "landing page", err);
}

int h_ogc_landing(const struct api_ctx *ctx, const struct api_request *req,
                  struct api_response *res, struct gdir_err *err)
{
    struct gdir_json j;
    char title[256];
    int rc = ogc_service_title(ctx, title, sizeof title, err);

    if (rc)
        return rc;
    if (req->format == API_FMT_HTML)
        return landing_html(req, res, title, err);

    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "title", title);
    gdir_json_kstr(&j, "description", DESCRIPTION);
    rc = ogc_links_begin(&j, req, "json", OGC_CT_JSON, NULL, "Ce document");
    if (!rc)
        rc = ogc_link_to(&j, req, "/api", NULL, "service-desc", OGC_CT_OPENAPI,
                         "Définition de l’API (OpenAPI 3.0)");
    if (!rc)
        rc = ogc_link_to(&j, req, "/api", "html", "service-doc", OGC_MT_HTML,
                         "Documentation de l’API");
    if (!rc)
        rc = ogc_link_to(&j, req, "/conformance", NULL, "conformance", OGC_CT_JSON,
                         "Classes de conformité");
    if (!rc)
        rc = ogc_link_to(&j, req, "/collections", NULL, "data", OGC_CT_JSON, "Collections");
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    return ogc_json_done(res, &j, rc, "landing page", err);
}

int h_ogc_conformance(const struct api_ctx *ctx, const struct api_request *req,
                      struct api_response *res, struct gdir_err *err)
{
    struct gdir_json j;
    int rc = 0;

    (void)ctx;
    if (req->format == API_FMT_HTML) {
        static const char *const crumbs[] = {"", "Conformité", NULL};
        struct api_html h;
        rc = ogc_page_begin(&h, res, req, "Conformité aux normes", crumbs, OGC_CT_JSON);
        api_html_raw(&h, "<p>Cette API suit les classes de conformité suivantes de la norme "
                         "OGC API - Features.</p>\n<table>\n<caption>Classes de conformité "
                         "déclarées</caption>\n<thead><tr><th scope=\"col\">Classe</th>"
                         "<th scope=\"col\">Identifiant</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; conformance[i]; i++) {
            api_html_raw(&h, "<tr><th scope=\"row\">");
            api_html_text(&h, conformance_titles[i]);
            api_html_raw(&h, "</th><td><code>");
            api_html_text(&h, conformance[i]);
            api_html_raw(&h, "</code></td></tr>\n");
        }
        api_html_raw(&h, "</tbody>\n</table>\n");
        return ogc_page_end(&h, res, rc, "conformance", err);
    }
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_key(&j, "conformsTo");
    gdir_json_arr_begin(&j);
    for (size_t i = 0; conformance[i]; i++)
        gdir_json_str(&j, conformance[i]);
    gdir_json_arr_end(&j);
    rc = ogc_links_begin(&j, req, "json", OGC_CT_JSON, NULL, "Ce document");
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    return ogc_json_done(res, &j, rc, "conformance", err);
}

int h_ogc_unknown(const struct api_ctx *ctx, const struct api_request *req,
                  struct api_response *res, struct gdir_err *err)
{
    (void)ctx;
    (void)req;
    (void)res;
    return gdir_err_set(err, GDIR_ENOTFOUND,
                        "no such resource of the OGC API (its paths are described at /ogc/api)");
}
