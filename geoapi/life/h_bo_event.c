/*
 * h_bo_event.c — POST /api/bo/requests/{id}/event {decision, values, motivation}
 * (docs/vie-locale.md §4, modelled on docs/backoffice.md §7): an agent decides a « Proposer
 * un événement » request of their scope. accept: the proposal (with the agent's values over
 * it, the members of POST /api/bo/life) becomes a published event with source « proposition
 * n° <id> » and the proposer's image if any, then the request is accepted (a retry finds the
 * event made and does not make another); refuse: a motivation is required, nothing is
 * published. Audited (the back office's audit and life_audit); the resident gets the
 * decision e-mail.
 */
#include "api_bo.h"
#include "api_dbpool.h"
#include "api_handlers.h"
#include "api_life.h"
#include "api_life_input.h"
#include "bo_contrib.h"
#include "bo_notify.h"
#include "gdir_cjson.h"
#include "gdir_hours.h"
#include "gdir_json.h"
#include "gdir_log.h"
#include "gdir_mem.h"
#include "gdir_text.h"
#include "life_rrule.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


static void copy_str(cJSON *to, const char *key, const cJSON *from, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, name);
    if (cJSON_IsString(v) && v->valuestring[0])
        cJSON_AddStringToObject(to, key, v->valuestring);
}

/* "HH:MM" or "HHhMM" of a time field, or "" when absent. */
static void hhmm(const cJSON *filed, const char *name, char out[8])
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(filed, name);
    out[0] = '\0';
    if (cJSON_IsString(v) && strlen(v->valuestring) == 5)
        snprintf(out, 8, "%.2s:%.2s", v->valuestring, v->valuestring + 3);
}

/* The recurrence chosen (« une fois / chaque semaine / chaque mois ») as an RRULE. */
static void recurrence(cJSON *e, const cJSON *filed, const char *date)
{
    static const char *const days[] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(filed, "recurrence");
    struct gdir_paris_time pt;
    struct life_local d;
    struct gdir_err err;
    time_t t;
    int all_day;
    char rule[64];

    if (!cJSON_IsString(v) || life_local_parse(date, "date", &d, &all_day, &err) ||
        gdir_paris_to_utc(d.year, d.month, d.day, 12, 0, 0, &t) || gdir_paris_from_utc(t, &pt))
        return;
    if (!strcmp(v->valuestring, "chaque_semaine"))
        snprintf(rule, sizeof rule, "FREQ=WEEKLY;BYDAY=%s", days[pt.wday]);
    else if (!strcmp(v->valuestring, "chaque_mois"))
        snprintf(rule, sizeof rule, "FREQ=MONTHLY;BYMONTHDAY=%d", pt.day);
    else
        return;
    cJSON_AddStringToObject(e, "rrule", rule);
}

/* The members of POST /api/bo/life made from the filed values. */
static cJSON *from_proposal(const cJSON *filed)
{
    const cJSON *adr = cJSON_GetObjectItemCaseSensitive(filed, "adresse");
    const cJSON *date = cJSON_GetObjectItemCaseSensitive(filed, "date");
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(adr, "lat");
    const cJSON *lon = cJSON_GetObjectItemCaseSensitive(adr, "lon");
    const cJSON *city = cJSON_GetObjectItemCaseSensitive(adr, "citycode");
    const cJSON *tarif = cJSON_GetObjectItemCaseSensitive(filed, "tarif");
    cJSON *e = cJSON_CreateObject(), *o, *c, *communes;
    char start[32], a[8], b[8];
    const char *d = cJSON_IsString(date) ? date->valuestring : "";

    if (!e)
        return NULL;
    cJSON_AddStringToObject(e, "kind", "event");
    copy_str(e, "title", filed, "titre");
    copy_str(e, "text", filed, "description");
    copy_str(e, "category", filed, "categorie");
    hhmm(filed, "heure_debut", a);
    hhmm(filed, "heure_fin", b);
    snprintf(start, sizeof start, "%s%s%s", d, a[0] ? "T" : "", a);
    cJSON_AddStringToObject(e, "start", start);
    if (a[0] && b[0] && strcmp(b, a) > 0) {
        snprintf(start, sizeof start, "%sT%s", d, b);
        cJSON_AddStringToObject(e, "end", start);
    }
    recurrence(e, filed, d);
    copy_str(e, "address", adr, "label");
    if (cJSON_IsNumber(lat) && cJSON_IsNumber(lon)) {
        cJSON_AddNumberToObject(e, "lat", lat->valuedouble);
        cJSON_AddNumberToObject(e, "lon", lon->valuedouble);
    }
    copy_str(e, "place_id", filed, "lieu");
    if ((communes = cJSON_AddArrayToObject(e, "communes")) && cJSON_IsString(city))
        cJSON_AddItemToArray(communes, cJSON_CreateString(city->valuestring));
    if ((o = cJSON_AddObjectToObject(e, "organiser"))) {
        copy_str(o, "name", filed, "organisateur");
        copy_str(o, "place_id", filed, "association");
    }
    cJSON_AddBoolToObject(e, "free", cJSON_IsString(tarif) &&
                                         !strcmp(tarif->valuestring, "gratuit"));
    copy_str(e, "price", filed, "prix");
    copy_str(e, "url", filed, "site_web");
    if ((c = cJSON_AddObjectToObject(e, "contact"))) {
        copy_str(c, "email", filed, "contact_courriel");
        copy_str(c, "phone", filed, "contact_telephone");
    }
    return e;
}

/* The agent's values over the proposal's (each member replaces; null removes). */
static int overlay(cJSON *e, const cJSON *values, struct gdir_err *err)
{
    const cJSON *v;

    if (!values || cJSON_IsNull(values))
        return GDIR_OK;
    if (!cJSON_IsObject(values))
        return gdir_err_set_param(err, GDIR_EINVAL, "values", "values : un objet est attendu.");
    cJSON_ArrayForEach(v, values) {
        cJSON *dup = cJSON_Duplicate(v, 1);
        cJSON_DeleteItemFromObjectCaseSensitive(e, v->string);
        if (!dup || !cJSON_AddItemToObject(e, v->string, dup)) {
            cJSON_Delete(dup);
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        }
    }
    return GDIR_OK;
}

/* The proposer's image (field "image"), copied onto the event; failures only logged. */
static void copy_image(const struct api_ctx *ctx, struct life_db *db, long long request_id,
                       long long item, const struct life_actor *who)
{
    char stored[128], type[16], path[4096];
    struct gdir_buf b;
    struct gdir_err e;
    FILE *f;
    size_t n;

    gdir_err_clear(&e);
    if (life_db_proposal_image(db, request_id, stored, type, &e) || !stored[0])
        return;
    snprintf(path, sizeof path, "%s/%s", ctx->cfg->forms_files_dir, stored);
    gdir_buf_init(&b, LIFE_IMAGE_MAX + 1);
    if ((f = fopen(path, "rb"))) {
        char chunk[65536];
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && !gdir_buf_add(&b, chunk, n))
            ;
        fclose(f);
        if (b.len && b.len <= LIFE_IMAGE_MAX &&
            life_db_set_image(db, item, type, b.data, b.len, who, time(NULL), &e))
            gdir_log(GDIR_LOG_ERROR, "life", "msg=\"proposal image not copied\" request=%lld "
                     "err=\"%s\"", request_id, e.msg);
    }
    gdir_buf_free(&b);
}

/* accept: the event made (once) and published, then the request accepted. */
static int accept(const struct api_ctx *ctx, const struct api_request *req,
                  const struct bo_request_row *r, const struct bo_agent *a, const cJSON *values,
                  long long *item, struct gdir_err *err)
{
    struct life_db *db;
    struct api_db *dir = NULL;
    struct life_item it = {0};
    char peer[API_BO_PEER_MAX], source[64];
    struct life_actor who;
    cJSON *filed = NULL, *e = NULL;
    time_t now = time(NULL);
    int rc;

    api_bo_peer(req, peer);
    who = (struct life_actor){a->login, peer, r->id};
    if ((rc = api_life_db(ctx, &db, err)) || (rc = life_db_by_proposal(db, r->id, item, err)))
        return rc;
    if (!*item) {
        if (!(filed = cJSON_Parse(r->values_json)) || !(e = from_proposal(filed))) {
            rc = gdir_err_set(err, GDIR_EINTERNAL, "request %lld: values unreadable", r->id);
            goto out;
        }
        snprintf(source, sizeof source, "proposition n° %lld", r->id);
        if (api_dbpool_get(ctx->pool, &dir, err))
            dir = NULL;
        if ((rc = overlay(e, values, err)) || (rc = api_life_parse(e, &it, err)))
            goto out;
        free(it.source);
        it.source = gdir_strdup(source);
        it.author = gdir_strdup(a->login);
        it.proposal = r->id;
        if (!it.source || !it.author) {
            rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
            goto out;
        }
        if ((rc = api_life_complete(dir, a, &it, err)) ||
            (rc = life_db_insert(db, &it, &who, now, err)))
            goto out;
        *item = it.id;
        copy_image(ctx, db, r->id, it.id, &who);
    }
    if (!(rc = life_db_set_status(db, *item, LIFE_PUBLISHED, 0, &who, now, err)))
        rc = bo_request_decide(api_bo_db(ctx), r->id, r->status, "acceptee", a,
                               "Votre événement a été accepté et publié dans l'agenda.", now, err);
out:
    if (rc && rc != GDIR_ENOMEM && rc != GDIR_EDB && err->param[0] &&
        strncmp(err->param, "values", 6)) {
        size_t len = strlen(err->param);
        if (len + 8 <= sizeof err->param) {   /* the member as the agent's values name it */
            memmove(err->param + 7, err->param, len + 1);
            memcpy(err->param, "values.", 7);
        }
    }
    life_item_free(&it);
    cJSON_Delete(filed);
    cJSON_Delete(e);
    return rc;
}

/* The answer, the back office's audit row and the resident's e-mail of a decision. */
static int decided(const struct api_ctx *ctx, const struct api_request *req,
                   const struct bo_agent *a, const struct bo_request_row *r, const char *to,
                   const char *motivation, long long item, struct api_response *res,
                   struct gdir_err *err)
{
    struct gdir_json j;
    int rc = api_bo_decision_record(ctx, req, a, r, item ? "event_accept" : "event_refuse", to,
                                    motivation, 1, err);

    if (rc)
        return rc;
    api_bo_json_begin(res, &j);
    gdir_json_kint(&j, "id", r->id);
    gdir_json_kstr(&j, "decision", item ? "accept" : "refuse");
    gdir_json_kstr(&j, "status", to);
    gdir_json_key(&j, "event");
    if (item)
        gdir_json_int(&j, item);
    else
        gdir_json_null(&j);
    return api_bo_json_end(res, &j, err);
}

int h_bo_event_decision(const struct api_ctx *ctx, const struct api_request *req,
                        struct api_response *res, struct gdir_err *err)
{
    static const char *const forms[] = {BO_FORM_EVENT, NULL};
    struct api_bo_decision dc;
    long long item = 0;
    int rc = api_bo_decision_begin(ctx, req, forms, "Cette demande n'est pas une proposition "
                                   "d'événement.", 1, &dc, err);
    const char *d = dc.decision;

    if (rc)
        goto out;
    if (d && !strcmp(d, "accept")) {
        if (!(rc = accept(ctx, req, &dc.req, &dc.agent,
                          cJSON_GetObjectItemCaseSensitive(dc.body, "values"), &item, err)))
            rc = decided(ctx, req, &dc.agent, &dc.req, "acceptee", dc.motivation, item, res, err);
    } else if (d && !strcmp(d, "refuse")) {
        if (!dc.motivation)
            rc = gdir_err_set_param(err, GDIR_EINVAL, "motivation", "motivation : obligatoire "
                                    "pour un refus (elle est envoyée à la personne qui a "
                                    "proposé l'événement).");
        else if (!(rc = bo_request_decide(api_bo_db(ctx), dc.req.id, dc.req.status, "refusee",
                                          &dc.agent, dc.motivation, time(NULL), err)))
            rc = decided(ctx, req, &dc.agent, &dc.req, "refusee", dc.motivation, 0, res, err);
    } else {
        rc = gdir_err_set_param(err, GDIR_EINVAL, "decision", "decision : accept ou refuse.");
    }
out:
    api_bo_decision_end(&dc);
    return rc;
}
