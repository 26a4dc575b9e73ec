/*
 * h_bo_certificate.c — GET /api/bo/requests/{id}/certificate (docs/backoffice.md §3): the
 * certificat d'inscription of an accepted school enrolment (form inscription-scolaire, status
 * acceptee; 409 otherwise), one page per child naming the school chosen in the request (its
 * place in the directory), as HTML with print styles (map-ui/bo/certificate.css: no inline
 * style or script under the server's CSP). Audited ("certificate").
 */
#include "api_bo.h"
#include "api_dbpool.h"
#include "api_handlers.h"
#include "api_html.h"
#include "api_queries.h"
#include "bo_queue.h"
#include "gdir_cjson.h"
#include "gdir_forms.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define CERT_FORM "inscription-scolaire"

struct cert {
    struct api_html *h;
    const cJSON *def;            /* the child's block of the definition (labels of choices) */
    struct api_db *dir;
    const char *commune;         /* the commune's name */
};

static const char *str(const cJSON *o, const char *k)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "";
}

/* The label of the option value of field id in the child's block. */
static const char *choice(const cJSON *block, const char *id, const char *value)
{
    const cJSON *f, *o;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(block, "fields")) {
        if (strcmp(str(f, "id"), id) != 0)
            continue;
        cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(f, "options"))
            if (strcmp(str(o, "value"), value) == 0)
                return str(o, "label");
    }
    return value;
}

static int school(void *cls, const struct api_place *p)
{
    struct api_html *h = cls;
    api_html_raw(h, "<strong>");
    api_html_text(h, p->name);
    api_html_raw(h, "</strong>");
    if (p->address && *p->address) {
        api_html_raw(h, " (");
        api_html_text(h, p->address);
        api_html_raw(h, p->commune ? ", " : "");
        api_html_text(h, p->commune);
        api_html_raw(h, ")");
    }
    return 0;
}

/* One child's certificate. */
static void child(struct cert *c, const cJSON *kid, const cJSON *parent, const char *code,
                  const char *agent, const char *today)
{
    struct gdir_err ignored;
    const char *born = str(kid, "date_naissance");
    char date[16] = "";

    if (strlen(born) == 10)
        snprintf(date, sizeof date, "%.2s/%.2s/%.4s", born + 8, born + 5, born);
    api_html_raw(c->h, "<article class=\"certificate\"><header><p class=\"issuer\">Commune de ");
    api_html_text(c->h, c->commune);
    api_html_raw(c->h, "</p><p>Demande n° ");
    api_html_text(c->h, code);
    api_html_raw(c->h, "</p></header><h2>Certificat d’inscription scolaire</h2><p>Nous "
                       "certifions que l’enfant <strong>");
    api_html_text(c->h, str(kid, "prenoms"));
    api_html_raw(c->h, " ");
    api_html_text(c->h, str(kid, "nom"));
    api_html_raw(c->h, "</strong>, né(e) le ");
    api_html_text(c->h, date);
    api_html_raw(c->h, ", est inscrit(e) à l’école ");
    if (!c->dir || api_q_place_by_id(c->dir, str(kid, "ecole"), school, c->h, &ignored))
        api_html_text(c->h, str(kid, "ecole"));
    api_html_raw(c->h, ", en ");
    api_html_text(c->h, choice(c->def, "niveau", str(kid, "niveau")));
    api_html_raw(c->h, " (");
    api_html_text(c->h, choice(c->def, "rentree", str(kid, "rentree")));
    api_html_raw(c->h, ").</p><p>Responsable légal : ");
    api_html_text(c->h, str(parent, "rl1_prenoms"));
    api_html_raw(c->h, " ");
    api_html_text(c->h, str(parent, "rl1_nom"));
    api_html_raw(c->h, ", ");
    api_html_text(c->h, str(cJSON_GetObjectItemCaseSensitive(parent, "adresse"), "label"));
    api_html_raw(c->h, ".</p><p>Fait à ");
    api_html_text(c->h, c->commune);
    api_html_raw(c->h, ", le ");
    api_html_text(c->h, today);
    api_html_raw(c->h, ".</p><p class=\"signature\">Pour le maire, ");
    api_html_text(c->h, agent);
    api_html_raw(c->h, "</p></article>");
}

/* The child block of the definition (the repeat field "enfants"). */
static const cJSON *kids_block(const cJSON *def)
{
    const cJSON *page, *f;
    cJSON_ArrayForEach(page, cJSON_GetObjectItemCaseSensitive(def, "pages"))
        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(page, "fields"))
            if (strcmp(str(f, "id"), "enfants") == 0)
                return f;
    return NULL;
}

static int page(const struct api_ctx *ctx, const struct bq_request *r, const struct bo_agent *a,
                struct api_response *res, struct gdir_err *err)
{
    const struct form_def *f = bq_form(ctx, r->form_id);
    cJSON *def = NULL, *values = NULL;
    const struct api_commune_entry *ce = NULL;
    struct api_html h;
    struct cert c = {&h, NULL, NULL, r->commune};
    const cJSON *kid;
    char today[24];
    int rc = GDIR_OK;

    if (!f || !(def = gdir_cjson_parse(form_json(f), (size_t)-1, "definition", GDIR_EINTERNAL,
                                       err)) ||
        !(values = gdir_cjson_parse(r->values_json, (size_t)-1, "values", GDIR_EINTERNAL, err))) {
        rc = f ? err->code : gdir_err_set(err, GDIR_ECONFLICT, "form no longer configured");
        goto out;
    }
    if (ctx->pool && !api_dbpool_get(ctx->pool, &c.dir, err) && r->commune[0])
        ce = api_db_commune(c.dir, r->commune);
    c.commune = ce ? ce->name : r->commune;
    c.def = kids_block(def);
    bq_date_fr(time(NULL), 0, today);
    gdir_buf_reset(&res->body);
    api_html_init(&h, &res->body);
    api_html_raw(&h, "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><meta "
                     "name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>"
                     "Certificat d’inscription scolaire – demande ");
    api_html_text(&h, r->code);
    api_html_raw(&h, "</title><link rel=\"stylesheet\" href=\"/bo/certificate.css\"></head><body>"
                     "<main><h1>Certificat d’inscription scolaire</h1><p class=\"no-print\">"
                     "<button type=\"button\" id=\"print\">Imprimer</button> <a href=\"/bo/"
                     "request.html?id=");
    api_html_rawf(&h, "%lld", r->id);
    api_html_raw(&h, "\">Retour à la demande</a></p>");
    cJSON_ArrayForEach(kid, cJSON_GetObjectItemCaseSensitive(values, "enfants"))
        child(&c, kid, values, r->code, a->name ? a->name : a->login, today);
    api_html_raw(&h, "</main><script src=\"/bo/certificate.js\"></script></body></html>\n");
    if ((rc = api_html_error(&h)))
        gdir_err_set(err, rc, "certificate: out of memory");
    res->content_type = "text/html; charset=utf-8";
    res->cache_control = API_CACHE_NONE;
out:
    cJSON_Delete(def);
    cJSON_Delete(values);
    return rc;
}

static int certificate(struct bq_call *c, struct gdir_err *err)
{
    int rc;

    if (strcmp(c->r.form_id, CERT_FORM) != 0 || strcmp(c->r.status, "acceptee") != 0)
        return gdir_err_set(err, GDIR_ECONFLICT, "Le certificat n’existe que pour une "
                            "inscription scolaire acceptée.");
    if (!(rc = page(c->ctx, &c->r, &c->a, c->res, err)))
        api_bo_audit(c->ctx, c->req, &c->a, "certificate", c->r.id);
    return rc;
}

BQ_HANDLER(h_bo_request_certificate, BQ_REQUEST, certificate, 0)
