/*
 * h_ogc_pages.c — the frame of every HTML page of the OGC API: a French document (lang="fr")
 * with a skip link, a breadcrumb, one <h1>, the page's other formats, and the footer; the
 * stylesheet /ogc.css and, on pages with a map, Leaflet and the module /ogc.js (map-ui/).
 * Nothing inline: the server's Content-Security-Policy forbids inline scripts and styles.
 *
 * Not here: the content of each page (h_ogc_*.c), escaping (api_html.c).
 */
#include "h_ogc.h"
#include "api_html.h"

#include <string.h>

int ogc_html_begin(struct api_html *h, const struct api_request *req, const char *title,
                   const char *const *crumbs, const char *json_href, const char *json_type,
                   int with_map)
{
    struct gdir_buf home;

    api_html_raw(h, "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<title>");
    api_html_text(h, title);
    api_html_raw(h, "</title>\n");
    if (with_map)
        api_html_raw(h, "<link rel=\"stylesheet\" href=\"/vendor/leaflet/leaflet.css\">\n");
    api_html_raw(h, "<link rel=\"stylesheet\" href=\"/ogc.css\">\n");
    if (json_href) {
        api_html_raw(h, "<link rel=\"alternate\"");
        api_html_attr(h, "type", json_type);
        api_html_attr(h, "href", json_href);
        api_html_raw(h, ">\n");
    }
    if (with_map)
        api_html_raw(h, "<script type=\"module\" src=\"/ogc.js\"></script>\n");
    api_html_raw(h, "</head>\n<body>\n<a class=\"skip-link\" href=\"#contenu\">Aller au contenu"
                    "</a>\n<header class=\"ogc-header\">\n<p class=\"ogc-kicker\">Données "
                    "ouvertes — API OGC Features</p>\n<nav aria-label=\"Fil d’Ariane\">"
                    "<ol class=\"ogc-crumbs\">");
    gdir_buf_init(&home, 0);
    if (ogc_base(req, &home) == 0 && gdir_buf_adds(&home, "/?f=html") == 0) {
        int last = !crumbs || !crumbs[0];
        api_html_raw(h, "<li>");
        if (last)
            api_html_raw(h, "<span aria-current=\"page\">Accueil de l’API</span>");
        else
            api_html_link(h, gdir_buf_str(&home), "Accueil de l’API");
        api_html_raw(h, "</li>");
    }
    gdir_buf_free(&home);
    for (size_t i = 0; crumbs && crumbs[i]; i += 2) {
        api_html_raw(h, "<li>");
        if (crumbs[i + 2]) {
            api_html_link(h, crumbs[i], crumbs[i + 1]);
        } else {
            api_html_raw(h, "<span aria-current=\"page\">");
            api_html_text(h, crumbs[i + 1]);
            api_html_raw(h, "</span>");
        }
        api_html_raw(h, "</li>");
    }
    api_html_raw(h, "</ol></nav>\n</header>\n<main id=\"contenu\" tabindex=\"-1\">\n<h1>");
    api_html_text(h, title);
    api_html_raw(h, "</h1>\n");
    if (json_href) {
        api_html_raw(h, "<p class=\"ogc-formats\">Cette page existe aussi en ");
        api_html_raw(h, "<a");
        api_html_attr(h, "href", json_href);
        api_html_attr(h, "type", json_type);
        api_html_raw(h, ">");
        api_html_text(h, json_type && strstr(json_type, "geo+json") ? "GeoJSON" : "JSON");
        api_html_raw(h, "</a> (pour les logiciels).</p>\n");
    }
    return api_html_error(h);
}

int ogc_html_end(struct api_html *h, int with_map)
{
    (void)with_map;
    api_html_raw(h, "</main>\n<footer class=\"ogc-footer\">\n<p><a href=\"/\">Carte de "
                    "l’annuaire</a> · <a href=\"/ogc/api?f=html\">Documentation de l’API</a> · "
                    "<a href=\"/ogc/conformance?f=html\">Conformité aux normes</a></p>\n"
                    "</footer>\n</body>\n</html>\n");
    return api_html_error(h);
}

int ogc_page_begin(struct api_html *h, struct api_response *res, const struct api_request *req,
                   const char *title, const char *const *crumbs, const char *json_type)
{
    struct gdir_buf json;
    int rc;

    gdir_buf_init(&json, 0);
    api_html_init(h, &res->body);
    rc = ogc_self_url(&json, req, "json", NULL, NULL);
    if (!rc)
        rc = ogc_html_begin(h, req, title, crumbs, gdir_buf_str(&json), json_type, 0);
    gdir_buf_free(&json);
    return rc;
}

int ogc_page_end(struct api_html *h, struct api_response *res, int rc, const char *what,
                 struct gdir_err *err)
{
    if (!rc)
        rc = ogc_html_end(h, 0);
    if (rc)
        return gdir_err_set(err, rc, "%s: %s", what, gdir_err_text(rc));
    res->content_type = OGC_CT_HTML;
    return GDIR_OK;
}
