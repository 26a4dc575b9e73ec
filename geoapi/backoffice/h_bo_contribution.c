/*
 * h_bo_contribution.c — POST /api/bo/requests/{id}/contribution {decision, values, motivation}
 * (docs/backoffice.md §7): an agent decides a « Signaler une erreur » or « Proposer un lieu »
 * request of their scope. accept: the contribution (with the agent's corrected values)
 * becomes an entry of the overrides file (add, fix or hide, "validated" by the agent, the
 * commune and the time), the request is accepted and the directory refreshed in the
 * background (api_bo_mod.h); refuse: a motivation, nothing else changes; forward: to the
 * Communauté de communes. Audited; an accepted or refused contribution sends the resident the
 * e-mail of the event "decision" (bo_notify.h), queued once the decision is committed.
 */
#include "api_bo.h"
#include "api_bo_mod.h"
#include "api_handlers.h"
#include "bo_contrib.h"
#include "bo_notify.h"
#include "gdir_cjson.h"
#include "gdir_geo.h"
#include "gdir_json.h"
#include "gdir_log.h"
#include "gdir_taxonomy.h"
#include "gdir_text.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define TEXT_MAX 2000       /* a value of the directory, bytes */
#define NAME_MAX_BYTES 300  /* the importer's limit on names */

/* The fields an agent may set, as the importer's overrides take them (imp_overrides.h). */
static const char *const value_keys[] = {"name", "category", "address", "postcode", "insee",
                                         "phone", "email", "website", "opening_hours",
                                         "description", "wheelchair", "lat", "lon", NULL};

/* One text value for the directory, checked as the importer will (fix: null clears it). */
static int check_value(const struct api_mod *m, const char *key, const cJSON *v, int fix,
                       struct gdir_err *err)
{
    char param[32];
    snprintf(param, sizeof param, "values.%s", key);
    if (cJSON_IsNull(v)) {
        if (fix && strcmp(key, "name") && strcmp(key, "category"))
            return GDIR_OK;
        return gdir_err_set_param(err, GDIR_EINVAL, param, "%s : valeur obligatoire.", param);
    }
    size_t n = cJSON_IsString(v) ? strlen(v->valuestring) : 0;
    if (!n || n > (strcmp(key, "name") ? TEXT_MAX : NAME_MAX_BYTES) ||
        !gdir_utf8_valid(v->valuestring, n))
        return gdir_err_set_param(err, GDIR_EINVAL, param, "%s : un texte non vide d'au plus "
                                  "%d octets est attendu.", param, TEXT_MAX);
    if (!strcmp(key, "category") && !gdir_category_find(v->valuestring))
        return gdir_err_set_param(err, GDIR_EINVAL, param, "%s : catégorie inconnue.", param);
    if (!strcmp(key, "insee") && !api_mod_member(m, v->valuestring))
        return gdir_err_set_param(err, GDIR_EINVAL, param, "%s : pas une commune du "
                                  "territoire.", param);
    if (!strcmp(key, "wheelchair") && strcmp(v->valuestring, "yes") &&
        strcmp(v->valuestring, "limited") && strcmp(v->valuestring, "no"))
        return gdir_err_set_param(err, GDIR_EINVAL, param, "%s : yes, limited ou no.", param);
    return GDIR_OK;
}

/* The agent's values merged into entry (each checked; null removes a proposed value of an
 * added place, clears a field of a fixed one). */
static int merge_values(const struct api_mod *m, cJSON *entry, const cJSON *values, int fix,
                        struct gdir_err *err)
{
    const cJSON *v, *lat = cJSON_GetObjectItemCaseSensitive(values, "lat"),
                    *lon = cJSON_GetObjectItemCaseSensitive(values, "lon");
    int rc;

    if (!values || cJSON_IsNull(values))
        return GDIR_OK;
    if (!cJSON_IsObject(values))
        return gdir_err_set_param(err, GDIR_EINVAL, "values", "values : un objet est attendu.");
    if ((rc = gdir_cjson_check_keys(values, value_keys, "values", "values", err))) {
        err->code = GDIR_EINVAL;
        return GDIR_EINVAL;
    }
    if (!lat != !lon || (lat && (!cJSON_IsNumber(lat) || !cJSON_IsNumber(lon) ||
                                 !gdir_in_france(lat->valuedouble, lon->valuedouble))))
        return gdir_err_set_param(err, GDIR_EINVAL, "values.lat", "values.lat, values.lon : "
                                  "deux nombres, une position en France.");
    cJSON_ArrayForEach(v, values) {
        int point = !strcmp(v->string, "lat") || !strcmp(v->string, "lon");
        if (!point && (rc = check_value(m, v->string, v, fix, err)))
            return rc;
        cJSON_DeleteItemFromObjectCaseSensitive(entry, v->string);
        if (cJSON_IsNull(v) && !fix)
            continue;
        cJSON *dup = cJSON_Duplicate(v, 0);
        if (!dup || !cJSON_AddItemToObject(entry, v->string, dup)) {
            cJSON_Delete(dup);
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        }
    }
    return GDIR_OK;
}

/* A string member of the filed values copied into entry under key (when present). */
static void take(cJSON *entry, const char *key, const cJSON *from, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, name);
    if (cJSON_IsString(v) && v->valuestring[0])
        cJSON_AddStringToObject(entry, key, v->valuestring);
}

/* « Proposer un lieu »: the place as proposed (the address field gives the point, the
 * commune, the postcode), then the agent's values; checked as an added place. */
static int propose_entry(const struct api_mod *m, long long id, const cJSON *filed,
                         const cJSON *values, cJSON *e, struct gdir_err *err)
{
    const cJSON *adr = cJSON_GetObjectItemCaseSensitive(filed, "adresse");
    const cJSON *street = cJSON_GetObjectItemCaseSensitive(adr, "street");
    const cJSON *number = cJSON_GetObjectItemCaseSensitive(adr, "housenumber");
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(adr, "lat");
    const cJSON *lon = cJSON_GetObjectItemCaseSensitive(adr, "lon");
    char pid[48], line[600];
    int rc;

    snprintf(pid, sizeof pid, "contribution-%lld", id);
    cJSON_AddStringToObject(e, "id", pid);
    take(e, "name", filed, "nom");
    take(e, "category", filed, "categorie");
    if (cJSON_IsString(street) && street->valuestring[0]) {
        snprintf(line, sizeof line, "%s%s%s", cJSON_IsString(number) ? number->valuestring : "",
                 cJSON_IsString(number) ? " " : "", street->valuestring);
        cJSON_AddStringToObject(e, "address", line);
    } else {
        take(e, "address", adr, "label");
    }
    take(e, "postcode", adr, "postcode");
    take(e, "insee", adr, "citycode");
    if (cJSON_IsNumber(lat) && cJSON_IsNumber(lon)) {
        cJSON_AddNumberToObject(e, "lat", lat->valuedouble);
        cJSON_AddNumberToObject(e, "lon", lon->valuedouble);
    }
    take(e, "description", filed, "description");
    take(e, "phone", filed, "telephone");
    take(e, "email", filed, "courriel_lieu");
    take(e, "website", filed, "site_web");
    if ((rc = merge_values(m, e, values, 0, err)))
        return rc;
    static const char *const required[] = {"name", "category", "insee", "lat", "lon"};
    for (size_t k = 0; k < sizeof required / sizeof required[0]; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, required[k]);
        if (!v)
            return gdir_err_set_param(err, GDIR_EINVAL, "values", "values.%s : obligatoire pour "
                                      "publier ce lieu.", required[k]);
        if (!cJSON_IsNumber(v) && (rc = check_value(m, required[k], v, 0, err)))
            return rc;
    }
    const cJSON *la = cJSON_GetObjectItemCaseSensitive(e, "lat");
    if (!gdir_in_france(la->valuedouble, cJSON_GetObjectItemCaseSensitive(e, "lon")->valuedouble))
        return gdir_err_set_param(err, GDIR_EINVAL, "values.lat", "values.lat, values.lon : une "
                                  "position en France.");
    return GDIR_OK;
}

/* « Signaler une erreur »: a fix of the place with the agent's values, or, for a place
 * reported closed and no values, its hiding. *kind is set. */
static int report_entry(const struct api_mod *m, const cJSON *filed, const cJSON *values,
                        cJSON *e, const char **kind, struct gdir_err *err)
{
    const cJSON *place = cJSON_GetObjectItemCaseSensitive(filed, "lieu");
    const cJSON *problem = cJSON_GetObjectItemCaseSensitive(filed, "probleme");
    int empty = !values || cJSON_IsNull(values) || (cJSON_IsObject(values) && !values->child);

    if (!cJSON_IsString(place) || !place->valuestring[0] || strlen(place->valuestring) > 128)
        return gdir_err_set(err, GDIR_ECONFLICT, "Ce signalement ne désigne pas de lieu.");
    cJSON_AddStringToObject(e, "id", place->valuestring);
    if (empty && cJSON_IsString(problem) && !strcmp(problem->valuestring, "ferme")) {
        *kind = "hide";
        return GDIR_OK;
    }
    if (empty)
        return gdir_err_set_param(err, GDIR_EINVAL, "values", "values : indiquez les valeurs "
                                  "corrigées (le signalement les décrit en toutes lettres).");
    *kind = "fix";
    return merge_values(m, e, values, 1, err);
}

/* The overrides entry of an accepted contribution, "validated" by the agent. */
static int build_entry(const struct api_mod *m, const struct bo_request_row *r,
                       const struct bo_agent *a, const cJSON *values, time_t now, cJSON *e,
                       const char **kind, struct gdir_err *err)
{
    cJSON *filed = cJSON_Parse(r->values_json), *v;
    char at[32], reason[64];
    struct tm tm;
    int rc;

    if (!filed)
        return gdir_err_set(err, GDIR_EINTERNAL, "request %lld: values unreadable", r->id);
    *kind = "add";
    rc = !strcmp(r->form_id, BO_FORM_PROPOSE) ? propose_entry(m, r->id, filed, values, e, err)
                                              : report_entry(m, filed, values, e, kind, err);
    cJSON_Delete(filed);
    if (rc)
        return rc;
    gmtime_r(&now, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(reason, sizeof reason, "contribution n° %lld", r->id);
    cJSON_AddStringToObject(e, "reason", reason);
    if (!(v = cJSON_AddObjectToObject(e, "validated")) ||
        !cJSON_AddStringToObject(v, "by", a->login) ||
        !cJSON_AddStringToObject(v, "commune", a->role == BO_ROLE_COMMUNE && r->commune
                                                   ? r->commune : "cc") ||
        !cJSON_AddStringToObject(v, "at", at) ||
        !cJSON_AddNumberToObject(v, "request", (double)r->id))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    return GDIR_OK;
}

/* accept: the entry written, then the request accepted (a retry finds the entry written). */
static int accept(const struct api_ctx *ctx, const struct bo_request_row *r,
                  const struct bo_agent *a, const cJSON *values, char place_id[160],
                  const char **kind, struct gdir_err *err)
{
    cJSON *e = cJSON_CreateObject();
    time_t now = time(NULL);
    int rc;

    if (!ctx->mod)
        rc = gdir_err_set(err, GDIR_EUNAVAIL, "Publication impossible : le serveur n'a pas "
                          "de configuration du territoire (importer_config).");
    else if (!e)
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    else if (!(rc = build_entry(ctx->mod, r, a, values, now, e, kind, err)) &&
             !(rc = api_mod_append(ctx->mod, *kind, e, r->id, err)))
        rc = bo_request_decide(api_bo_db(ctx), r->id, r->status, "acceptee", a,
                               "Votre contribution a été validée et publiée dans l'annuaire.",
                               now, err);
    if (!rc)
        snprintf(place_id, 160, "%s%s", !strcmp(*kind, "add") ? "overrides:" : "",
                 cJSON_GetObjectItemCaseSensitive(e, "id")->valuestring);
    cJSON_Delete(e);
    return rc;
}

/* The answer and the audit row of a decision. */
static int decided(const struct api_ctx *ctx, const struct api_request *req,
                   const struct bo_agent *a, const struct bo_request_row *r,
                   const char *decision, const char *to, const char *motivation,
                   const char *kind, const char *place_id, struct api_response *res,
                   struct gdir_err *err)
{
    char action[32];
    struct gdir_json j;
    int rc;

    snprintf(action, sizeof action, "contribution_%s", decision);
    /* the decision is committed: tell the resident, unless it only moved to the CC */
    if ((rc = api_bo_decision_record(ctx, req, a, r, action, to, motivation,
                                     strcmp(decision, "forward") != 0, err)))
        return rc;
    api_bo_json_begin(res, &j);
    gdir_json_kint(&j, "id", r->id);
    gdir_json_kstr(&j, "decision", decision);
    gdir_json_kstr(&j, "status", to);
    if (kind) {
        gdir_json_key(&j, "override");
        gdir_json_obj_begin(&j);
        gdir_json_kstr(&j, "kind", kind);
        gdir_json_kstr(&j, "place", place_id);
        gdir_json_obj_end(&j);
        gdir_json_kstr(&j, "refresh", "scheduled");
    }
    return api_bo_json_end(res, &j, err);
}

int h_bo_contribution(const struct api_ctx *ctx, const struct api_request *req,
                      struct api_response *res, struct gdir_err *err)
{
    static const char *const forms[] = {BO_FORM_PROPOSE, BO_FORM_REPORT, NULL};
    struct api_bo_decision dc;
    struct bo_agent *a = &dc.agent;
    struct bo_request_row *r = &dc.req;
    const char *d, *kind = NULL, *motivation, *to;
    char place_id[160] = "";
    int rc = api_bo_decision_begin(ctx, req, forms, "Cette demande n'est pas une contribution "
                                   "à l'annuaire.", 0, &dc, err);

    if (rc)
        goto out;
    d = dc.decision;
    motivation = dc.motivation;
    if (!d) {
        rc = gdir_err_set_param(err, GDIR_EINVAL, "decision", "decision : accept, refuse ou "
                                "forward.");
    } else if (!strcmp(d, "accept")) {
        to = "acceptee";
        if (!(rc = accept(ctx, r, a, cJSON_GetObjectItemCaseSensitive(dc.body, "values"),
                          place_id, &kind, err)))
            rc = decided(ctx, req, a, r, "accept", to, motivation, kind, place_id, res, err);
    } else if (!strcmp(d, "refuse")) {
        if (!motivation)
            rc = gdir_err_set_param(err, GDIR_EINVAL, "motivation", "motivation : obligatoire "
                                    "pour un refus.");
        else if (!(rc = bo_request_decide(api_bo_db(ctx), r->id, r->status, "refusee", a,
                                          motivation, time(NULL), err)))
            rc = decided(ctx, req, a, r, "refuse", "refusee", motivation, NULL, NULL, res, err);
    } else if (!strcmp(d, "forward")) {
        if (bo_status_terminal(r->status))
            rc = gdir_err_set(err, GDIR_ECONFLICT, "Cette demande est déjà close (%s).",
                              r->status);
        else if (!(rc = bo_request_forward(api_bo_db(ctx), r->id, a,
                                      motivation ? motivation
                                                 : "Transmise à la Communauté de communes.",
                                      time(NULL), err)))
            rc = decided(ctx, req, a, r, "forward", r->status, motivation, NULL, NULL, res, err);
    } else {
        rc = gdir_err_set_param(err, GDIR_EINVAL, "decision", "decision : accept, refuse ou "
                                "forward.");
    }
out:
    api_bo_decision_end(&dc);
    return rc;
}
