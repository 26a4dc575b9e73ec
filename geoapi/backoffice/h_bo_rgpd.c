/*
 * h_bo_rgpd.c — the administrators' routes of the outbox and of RGPD (docs/backoffice.md §3,
 * §6, §8): GET /api/bo/outbox (e-mails pending, failing, sent; never their bodies),
 * GET /api/bo/register (the register of processing, Markdown), GET /api/bo/requester?email=
 * (everything held about one requester, JSON) and POST /api/bo/requester/erase {email}.
 * Exports and erasures are audited (the request ids, never the address).
 */
#include "api_bo.h"
#include "api_forms.h"
#include "api_handlers.h"
#include "bo_mail.h"
#include "bo_notify.h"
#include "bo_purge.h"
#include "gdir_json.h"
#include "gdir_parse.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#define OUTBOX_LIMIT 200     /* rows of GET /api/bo/outbox by default */
#define OUTBOX_LIMIT_MAX 1000

/* The session of an administrator (403 for another agent). */
static int admin_only(const struct api_ctx *ctx, const struct api_request *req,
                      struct bo_agent *me, struct gdir_err *err)
{
    int rc = api_bo_session(ctx, req, me, err);
    if (rc || me->role == BO_ROLE_ADMIN)
        return rc;
    bo_agent_free(me);
    return gdir_err_set(err, GDIR_EFORBIDDEN, "Réservé aux administrateurs.");
}

int h_bo_outbox(const struct api_ctx *ctx, const struct api_request *req,
                struct api_response *res, struct gdir_err *err)
{
    const char *state = api_param(req, "state"), *lim = api_param(req, "limit");
    struct bo_agent me;
    struct gdir_json j;
    long limit = OUTBOX_LIMIT;
    int rc;

    if (state && strcmp(state, "pending") != 0 && strcmp(state, "failing") != 0 &&
        strcmp(state, "sent") != 0)
        return gdir_err_set_param(err, GDIR_EINVAL, "state", "state: pending, failing or sent");
    if (lim && gdir_parse_long(lim, 1, OUTBOX_LIMIT_MAX, &limit))
        return gdir_err_set_param(err, GDIR_EINVAL, "limit", "limit: 1 to %d",
                                  OUTBOX_LIMIT_MAX);
    if ((rc = admin_only(ctx, req, &me, err)))
        return rc;
    bo_agent_free(&me);
    api_bo_json_begin(res, &j);
    gdir_json_key(&j, "outbox");
    if ((rc = bo_outbox_json(bo_db_sqlite(api_bo_db(ctx)), state, (int)limit, &j, err)))
        return rc;
    return api_bo_json_end(res, &j, err);
}

int h_bo_register(const struct api_ctx *ctx, const struct api_request *req,
                  struct api_response *res, struct gdir_err *err)
{
    struct api_forms *fx;
    struct bo_agent me;
    int rc;

    if ((rc = api_forms_get(ctx, &fx, err)) || (rc = admin_only(ctx, req, &me, err)))
        return rc;
    bo_agent_free(&me);
    gdir_buf_reset(&res->body);
    if ((rc = bo_register_markdown(fx->set, &res->body, err)))
        return rc;
    res->content_type = "text/markdown; charset=utf-8";
    res->cache_control = API_CACHE_NONE;
    return GDIR_OK;
}

int h_bo_requester(const struct api_ctx *ctx, const struct api_request *req,
                   struct api_response *res, struct gdir_err *err)
{
    const char *email = api_param(req, "email");
    struct bo_agent me;
    int rc;

    if (!email || !bo_mail_addr_ok(email))
        return gdir_err_set_param(err, GDIR_EINVAL, "email", "email: une adresse électronique");
    if ((rc = admin_only(ctx, req, &me, err)))
        return rc;
    gdir_buf_reset(&res->body);
    rc = bo_requester_export(bo_db_sqlite(api_bo_db(ctx)), email, &res->body, err);
    if (!rc) {
        api_bo_audit(ctx, req, &me, "requester_export", 0);
        res->content_type = API_CT_JSON;
        res->cache_control = API_CACHE_NONE;
    }
    bo_agent_free(&me);
    return rc;
}

int h_bo_requester_erase(const struct api_ctx *ctx, const struct api_request *req,
                         struct api_response *res, struct gdir_err *err)
{
    struct bo_agent me = {0};
    struct gdir_json j;
    cJSON *body = NULL;
    const cJSON *email;
    long long nr = 0, nf = 0;
    int rc;

    if ((rc = admin_only(ctx, req, &me, err)) || (rc = api_bo_json_body(req, &body, err)))
        goto out;
    email = cJSON_GetObjectItemCaseSensitive(body, "email");
    if (!cJSON_IsString(email) || !bo_mail_addr_ok(email->valuestring) ||
        cJSON_GetArraySize(body) != 1) {
        rc = gdir_err_set_param(err, GDIR_EINVAL, "email", "{\"email\": une adresse "
                                "électronique} attendu");
        goto out;
    }
    if ((rc = bo_requester_erase(bo_db_sqlite(api_bo_db(ctx)), ctx->cfg->forms_files_dir,
                                 email->valuestring, &nr, &nf, err)))
        goto out;
    api_bo_audit(ctx, req, &me, "requester_erase", 0);
    api_bo_json_begin(res, &j);
    gdir_json_kint(&j, "requests", nr);
    gdir_json_kint(&j, "files", nf);
    rc = api_bo_json_end(res, &j, err);
out:
    bo_agent_free(&me);
    cJSON_Delete(body);
    return rc;
}
