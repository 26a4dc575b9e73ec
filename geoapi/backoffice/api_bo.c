/*
 * api_bo.c — the back office's per-worker connections, the session cookie and the session
 * check of every /api/bo/ handler. See api_bo.h.
 */
#include "api_bo.h"
#include "bo_contrib.h"
#include "bo_notify.h"
#include "gdir_cjson.h"
#include "gdir_json.h"
#include "gdir_log.h"
#include "gdir_parse.h"
#include "gdir_secret.h"
#include "gdir_text.h"
#include "gdir_thread.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct bo_db *api_bo_db(const struct api_ctx *ctx)
{
    void *db;
    struct gdir_err err;

    if (!ctx->bo)
        return NULL;
    if (gdir_thread_conns_get(ctx->bo, &db, &err)) {
        gdir_log(GDIR_LOG_ERROR, "bo", "msg=\"forms database unusable\" err=\"%s\"", err.msg);
        return NULL;
    }
    return db;
}

const char *api_bo_cookie_name(const struct api_config *cfg)
{
    return cfg->secure_cookies_on ? API_BO_COOKIE_SECURE : API_BO_COOKIE;
}

int api_bo_cookie(const struct api_request *req, char out[BO_COOKIE_LEN + 1])
{
    const char *h = req->headers ? req->headers->cookie : NULL;
    return h && api_cookie(h, api_bo_cookie_name(req->cfg), out, BO_COOKIE_LEN + 1) &&
           gdir_b64url_valid(out, BO_COOKIE_LEN);
}

void api_bo_peer(const struct api_request *req, char out[API_BO_PEER_MAX])
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    const unsigned char *p = req->headers ? req->headers->peer : NULL;

    out[0] = '\0';
    if (!p)
        return;
    if (memcmp(p, mapped, sizeof mapped) == 0)
        inet_ntop(AF_INET, p + 12, out, API_BO_PEER_MAX);
    else
        inet_ntop(AF_INET6, p, out, API_BO_PEER_MAX);
}

int api_bo_session_csrf(const struct api_ctx *ctx, const struct api_request *req,
                        struct bo_agent *agent, char csrf[BO_CSRF_LEN + 1],
                        struct gdir_err *err)
{
    char cookie[BO_COOKIE_LEN + 1];
    struct bo_db *db;
    const char *got = req->headers ? req->headers->csrf_token : NULL;
    int rc;

    memset(agent, 0, sizeof *agent);
    if (!ctx->bo)
        return gdir_err_set(err, GDIR_ENOTFOUND, "the back office is not configured on this "
                            "server (forms_dir)");
    if (!(db = api_bo_db(ctx)))
        return gdir_err_set(err, GDIR_EUNAVAIL, "back office database unavailable");
    if (!api_bo_cookie(req, cookie))
        return gdir_err_set(err, GDIR_EUNAUTHORIZED, "Session absente : connectez-vous.");
    if ((rc = bo_session(db, cookie, time(NULL), agent, csrf, err)))
        return rc;
    if (req->method == API_POST &&
        (!got || strlen(got) != BO_CSRF_LEN || !gdir_ct_equal(got, csrf, BO_CSRF_LEN))) {
        bo_agent_free(agent);
        return gdir_err_set_param(err, GDIR_EFORBIDDEN, "X-CSRF-Token", "X-CSRF-Token: missing "
                                  "or not the token of this session (GET /api/bo/me)");
    }
    return GDIR_OK;
}

int api_bo_session(const struct api_ctx *ctx, const struct api_request *req,
                   struct bo_agent *agent, struct gdir_err *err)
{
    char csrf[BO_CSRF_LEN + 1];
    return api_bo_session_csrf(ctx, req, agent, csrf, err);
}

int api_bo_json_body(const struct api_request *req, cJSON **out, struct gdir_err *err)
{
    const struct api_headers *h = req->headers;

    *out = NULL;
    if (!h || !h->body || !h->body_len)
        return gdir_err_set_param(err, GDIR_EINVAL, "body", "body: a JSON object is expected");
    if (h->body_len > API_BO_BODY_MAX)
        return gdir_err_set_param(err, GDIR_ETOOBIG, "body", "body: at most %u bytes",
                                  API_BO_BODY_MAX);
    if (!(*out = gdir_cjson_parse(h->body, h->body_len, "body", GDIR_EINVAL, err))) {
        snprintf(err->param, sizeof err->param, "body");
        return GDIR_EINVAL;
    }
    if (!cJSON_IsObject(*out)) {
        cJSON_Delete(*out);
        *out = NULL;
        return gdir_err_set_param(err, GDIR_EINVAL, "body", "body: a JSON object is expected");
    }
    return GDIR_OK;
}

void api_bo_audit(const struct api_ctx *ctx, const struct api_request *req,
                  const struct bo_agent *agent, const char *action, long long request_id)
{
    char peer[API_BO_PEER_MAX];
    struct bo_audit_entry e = {.actor = agent ? agent->login : "system", .peer = peer,
                               .action = action, .request_id = request_id};
    struct bo_db *db = api_bo_db(ctx);
    struct gdir_err err;

    api_bo_peer(req, peer);
    if (db && bo_audit(db, &e, time(NULL), &err))
        gdir_log(GDIR_LOG_ERROR, "bo", "msg=\"audit failed\" action=%s err=\"%s\"", action,
                 err.msg);
}

/* The request {id} of the path, in the agent's scope and of one of forms (api_bo.h). */
static int scoped_request(const struct api_ctx *ctx, const struct api_request *req,
                          const struct bo_agent *a, const char *const *forms,
                          const char *not_kind, struct bo_request_row *r, struct gdir_err *err)
{
    long id = 0;
    int rc;

    if (gdir_parse_long(api_capture(req, "id"), 1, 1L << 53, &id))
        return gdir_err_set_param(err, GDIR_EINVAL, "id", "id : un numéro de demande est attendu.");
    rc = bo_request_get(api_bo_db(ctx), id, r, err);
    if (rc == GDIR_ENOTFOUND && a->role != BO_ROLE_ADMIN)
        rc = GDIR_EFORBIDDEN;
    else if (rc)
        return rc;
    if (rc || !bo_can(a, r->form_id, r->commune, r->service))
        return gdir_err_set(err, GDIR_EFORBIDDEN, "Cette demande n'est pas de votre ressort.");
    while (*forms && strcmp(*forms, r->form_id))
        forms++;
    return *forms ? GDIR_OK : gdir_err_set(err, GDIR_ECONFLICT, "%s", not_kind);
}

void api_bo_json_begin(struct api_response *res, struct gdir_json *j)
{
    gdir_buf_reset(&res->body);
    gdir_json_init(j, &res->body);
    gdir_json_obj_begin(j);
}

int api_bo_json_end(struct api_response *res, struct gdir_json *j, struct gdir_err *err)
{
    gdir_json_obj_end(j);
    res->cache_control = API_CACHE_NONE;
    return api_json_done(res, j, API_CT_JSON, err);
}

/* The body of a decision: a JSON object of the members decision, values and motivation only;
 * *body (cJSON_Delete) may be set on failure too. */
static int decision_body(const struct api_request *req, struct cJSON **body,
                         const char **decision, const char **motivation, struct gdir_err *err)
{
    static const char *const keys[] = {"decision", "values", "motivation", NULL};
    const cJSON *d, *mo;
    int rc;

    *decision = *motivation = NULL;
    if ((rc = api_bo_json_body(req, body, err)))
        return rc;
    if (gdir_cjson_check_keys(*body, keys, "body", NULL, err))
        return err->code = GDIR_EINVAL;
    d = cJSON_GetObjectItemCaseSensitive(*body, "decision");
    mo = cJSON_GetObjectItemCaseSensitive(*body, "motivation");
    if (mo && !cJSON_IsNull(mo) &&
        (!cJSON_IsString(mo) || strlen(mo->valuestring) > API_BO_MOTIVATION_MAX ||
         !gdir_utf8_valid(mo->valuestring, strlen(mo->valuestring))))
        return gdir_err_set_param(err, GDIR_EINVAL, "motivation", "motivation : un texte d'au "
                                  "plus %d octets est attendu.", API_BO_MOTIVATION_MAX);
    *motivation = cJSON_IsString(mo) && mo->valuestring[0] ? mo->valuestring : NULL;
    *decision = cJSON_IsString(d) ? d->valuestring : NULL;
    return GDIR_OK;
}

int api_bo_decision_begin(const struct api_ctx *ctx, const struct api_request *req,
                          const char *const *forms, const char *not_kind, int open_only,
                          struct api_bo_decision *dc, struct gdir_err *err)
{
    int rc;

    memset(dc, 0, sizeof *dc);
    if ((rc = api_bo_session(ctx, req, &dc->agent, err)) ||
        (rc = scoped_request(ctx, req, &dc->agent, forms, not_kind, &dc->req, err)))
        return rc;
    if (open_only && bo_status_terminal(dc->req.status))
        return gdir_err_set(err, GDIR_ECONFLICT, "Cette demande est déjà close (%s).",
                            dc->req.status);
    return decision_body(req, &dc->body, &dc->decision, &dc->motivation, err);
}

void api_bo_decision_end(struct api_bo_decision *dc)
{
    cJSON_Delete(dc->body);
    bo_request_row_free(&dc->req);
    bo_agent_free(&dc->agent);
}

int api_bo_decision_record(const struct api_ctx *ctx, const struct api_request *req,
                           const struct bo_agent *a, const struct bo_request_row *r,
                           const char *action, const char *to, const char *motivation,
                           int notify, struct gdir_err *err)
{
    char peer[API_BO_PEER_MAX];
    struct gdir_err aerr;

    api_bo_peer(req, peer);
    struct bo_audit_entry e = {a->login, peer, action, r->id, r->status, to, motivation};
    gdir_err_clear(&aerr);
    if (bo_audit(api_bo_db(ctx), &e, time(NULL), &aerr))
        return gdir_err_set(err, GDIR_EDB, "%s", aerr.msg);
    if (notify) {
        struct bo_notify_info info = {to, motivation, NULL, NULL};
        if (bo_notify_ex(api_bo_db(ctx), r->id, "decision", &info, &aerr))
            gdir_log(GDIR_LOG_ERROR, "bo", "msg=\"decision e-mail not queued\" request=%lld "
                     "err=\"%s\"", r->id, aerr.msg);
    }
    return GDIR_OK;
}
