/*
 * h_bo_auth.c — the back office's login and sessions (docs/backoffice.md §2) and the
 * administrators' agents routes (§1, §3): POST /api/bo/login, /api/bo/logout,
 * /api/bo/logout-all, GET /api/bo/me, GET and POST /api/bo/agents (create, disable, enable,
 * reset: a new password, which ends the agent's sessions).
 */
#include "api_bo.h"
#include "api_forms.h"
#include "api_handlers.h"
#include "bo_queue.h"
#include "gdir_cjson.h"
#include "gdir_json.h"

#include <stdio.h>
#include <string.h>

#define LIST_MAX 200   /* communes or forms of an agent created over HTTP */

/* Sets the session cookie (value), or clears it (NULL). */
static int set_cookie(struct api_response *res, const struct api_config *cfg, const char *value,
                      struct gdir_err *err)
{
    char c[200];
    snprintf(c, sizeof c, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
             api_bo_cookie_name(cfg), value ? value : "", value ? "" : "; Max-Age=0",
             cfg->secure_cookies_on ? "; Secure" : "");
    if (api_response_header(res, "Set-Cookie", c))
        return gdir_err_set(err, GDIR_EINTERNAL, "Set-Cookie: no room");
    return GDIR_OK;
}

/* The members of an agent (and its session's CSRF token when csrf is not NULL). */
static void agent_members(struct gdir_json *j, const struct bo_agent *a, const char *csrf)
{
    gdir_json_kstr(j, "login", a->login);
    gdir_json_kstr(j, "name", a->name);
    gdir_json_kstr(j, "email", a->email);
    gdir_json_kstr(j, "role", bo_role_name(a->role));
    gdir_json_kstrs(j, "communes", a->communes, a->n_communes);
    gdir_json_kstrs(j, "forms", a->forms, a->n_forms);
    gdir_json_kbool(j, "totp", a->totp);
    if (csrf)
        gdir_json_kstr(j, "csrf", csrf);
    else
        gdir_json_kbool(j, "disabled", a->disabled);
}

static int me_json(struct api_response *res, const struct bo_agent *a, const char *csrf,
                   struct gdir_err *err)
{
    struct gdir_json j;
    api_bo_json_begin(res, &j);
    agent_members(&j, a, csrf);
    return api_bo_json_end(res, &j, err);
}

/* A string member of o: 0 with *v (NULL when absent and optional), or GDIR_EINVAL. */
static int member_str(const cJSON *o, const char *key, int required, const char **v,
                      struct gdir_err *err)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key);
    *v = cJSON_IsString(m) ? m->valuestring : NULL;
    if ((m && !cJSON_IsString(m) && !cJSON_IsNull(m)) || (required && !*v))
        return gdir_err_set_param(err, GDIR_EINVAL, key, "%s: a string is expected", key);
    return GDIR_OK;
}

/* The members of o are among keys; else GDIR_EINVAL naming the first other one. */
static int check_keys(const cJSON *o, const char *const *keys, struct gdir_err *err)
{
    int rc = gdir_cjson_check_keys(o, keys, "body", NULL, err);
    if (rc)
        err->code = rc = GDIR_EINVAL;
    return rc;
}

/* After bo_login: the old session of the client's cookie ended, the new cookie set, the
 * agent's JSON with the new session's CSRF token. */
static int login_done(const struct api_ctx *ctx, const struct api_request *req,
                      struct bo_db *db, const char *cookie, struct api_response *res,
                      struct gdir_err *err)
{
    char old[BO_COOKIE_LEN + 1], csrf[BO_CSRF_LEN + 1];
    struct bo_agent a;
    int rc;

    if (api_bo_cookie(req, old) && strcmp(old, cookie) != 0)
        bo_logout(db, old, 0, NULL);   /* a new id at every login: no fixation */
    if ((rc = bo_session(db, cookie, time(NULL), &a, csrf, err)))
        return rc;
    if (!(rc = set_cookie(res, ctx->cfg, cookie, err)))
        rc = me_json(res, &a, csrf, err);
    bo_agent_free(&a);
    return rc;
}

int h_bo_login(const struct api_ctx *ctx, const struct api_request *req,
               struct api_response *res, struct gdir_err *err)
{
    static const char *const keys[] = {"login", "password", "totp", NULL};
    struct api_forms *fx;
    struct bo_db *db;
    cJSON *body = NULL;
    const char *login, *password, *totp;
    char cookie[48], peer[API_BO_PEER_MAX];
    unsigned retry = 0;
    int rc;

    if ((rc = api_forms_get(ctx, &fx, err)) ||
        (rc = api_forms_csrf_check(fx, req->headers, err)))
        return rc;
    if (!(db = api_bo_db(ctx)))
        return gdir_err_set(err, GDIR_EUNAVAIL, "back office database unavailable");
    if ((rc = api_bo_json_body(req, &body, err)) || (rc = check_keys(body, keys, err)) ||
        (rc = member_str(body, "login", 1, &login, err)) ||
        (rc = member_str(body, "password", 1, &password, err)) ||
        (rc = member_str(body, "totp", 0, &totp, err)))
        goto out;
    api_bo_peer(req, peer);
    rc = bo_login(db, login, password, totp, peer, time(NULL), cookie, &retry, err);
    if (rc == GDIR_ETOOMANY || rc == GDIR_EUNAVAIL)
        res->retry_after = retry;
    if (!rc)
        rc = login_done(ctx, req, db, cookie, res, err);
out:
    cJSON_Delete(body);
    return rc;
}

/* logout (one session) and logout-all (every session of the agent: c->mode). */
static int end_sessions(struct bq_call *c, struct gdir_err *err)
{
    struct gdir_json j;
    char cookie[BO_COOKIE_LEN + 1];
    int rc;

    api_bo_cookie(c->req, cookie);
    api_bo_audit(c->ctx, c->req, &c->a, c->mode ? "logout_all" : "logout", 0);
    if ((rc = bo_logout(c->db, cookie, c->mode, err)) ||
        (rc = set_cookie(c->res, c->ctx->cfg, NULL, err)))
        return rc;
    api_bo_json_begin(c->res, &j);
    gdir_json_kbool(&j, "ok", 1);
    return api_bo_json_end(c->res, &j, err);
}

BQ_HANDLER(h_bo_logout, BQ_SESSION, end_sessions, 0)
BQ_HANDLER(h_bo_logout_all, BQ_SESSION, end_sessions, 1)

int h_bo_me(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
            struct gdir_err *err)
{
    struct bo_agent a;
    char csrf[BO_CSRF_LEN + 1];
    int rc = api_bo_session_csrf(ctx, req, &a, csrf, err);

    if (!rc)
        rc = me_json(res, &a, csrf, err);
    bo_agent_free(&a);
    return rc;
}

/* ---- agents (administrators) ------------------------------------------------------------- */

/* The session's agent, who must be an administrator (403 otherwise). */
static int admin_session(const struct api_ctx *ctx, const struct api_request *req,
                         struct bo_agent *a, struct gdir_err *err)
{
    int rc = api_bo_session(ctx, req, a, err);
    if (!rc && a->role != BO_ROLE_ADMIN) {
        bo_agent_free(a);
        rc = gdir_err_set(err, GDIR_EFORBIDDEN, "Réservé aux administrateurs.");
    }
    return rc;
}

static int list_one(void *cls, const struct bo_agent *a)
{
    struct gdir_json *j = cls;
    gdir_json_obj_begin(j);
    agent_members(j, a, NULL);
    gdir_json_obj_end(j);
    return 0;
}

int h_bo_agents(const struct api_ctx *ctx, const struct api_request *req,
                struct api_response *res, struct gdir_err *err)
{
    struct bo_agent me;
    struct gdir_json j;
    int rc = admin_session(ctx, req, &me, err);

    if (rc)
        return rc;
    bo_agent_free(&me);
    api_bo_json_begin(res, &j);
    gdir_json_key(&j, "agents");
    gdir_json_arr_begin(&j);
    if ((rc = bo_agent_list(api_bo_db(ctx), list_one, &j, err)))
        return rc;
    gdir_json_arr_end(&j);
    return api_bo_json_end(res, &j, err);
}

/* A list of strings member of o into v (at most LIST_MAX; borrowed from o). */
static int member_list(const cJSON *o, const char *key, char **v, size_t *n,
                       struct gdir_err *err)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, key), *e;

    *n = 0;
    if (!m || cJSON_IsNull(m))
        return GDIR_OK;
    if (!cJSON_IsArray(m) || cJSON_GetArraySize(m) > LIST_MAX)
        return gdir_err_set_param(err, GDIR_EINVAL, key, "%s: a list of at most %d strings",
                                  key, LIST_MAX);
    cJSON_ArrayForEach(e, m) {
        if (!cJSON_IsString(e))
            return gdir_err_set_param(err, GDIR_EINVAL, key, "%s: a list of strings", key);
        v[(*n)++] = e->valuestring;
    }
    return GDIR_OK;
}

/* {action:"create", login, name, email, role, communes, forms, password} */
static int agent_create(struct bo_db *db, const cJSON *body, struct gdir_err *err)
{
    struct bo_agent a = {0};
    char *communes[LIST_MAX], *forms[LIST_MAX];
    const char *login, *role, *password;
    int rc;

    a.communes = communes;
    a.forms = forms;
    if ((rc = member_str(body, "login", 1, &login, err)) ||
        (rc = member_str(body, "name", 1, (const char **)&a.name, err)) ||
        (rc = member_str(body, "email", 1, (const char **)&a.email, err)) ||
        (rc = member_str(body, "role", 1, &role, err)) ||
        (rc = member_str(body, "password", 1, &password, err)) ||
        (rc = member_list(body, "communes", communes, &a.n_communes, err)) ||
        (rc = member_list(body, "forms", forms, &a.n_forms, err)))
        return rc;
    if (bo_role_parse(role, &a.role))
        return gdir_err_set_param(err, GDIR_EINVAL, "role", "role: admin, commune or service");
    if (strlen(login) > BO_LOGIN_MAX)
        return gdir_err_set_param(err, GDIR_EINVAL, "login", "login: at most %d characters",
                                  BO_LOGIN_MAX);
    snprintf(a.login, sizeof a.login, "%s", login);
    return bo_agent_add(db, &a, password, err);
}

int h_bo_agents_post(const struct api_ctx *ctx, const struct api_request *req,
                     struct api_response *res, struct gdir_err *err)
{
    static const char *const keys[] = {"action", "login", "name", "email", "role", "communes",
                                       "forms", "password", NULL};
    struct bo_agent me = {0}, a = {0};
    cJSON *body = NULL;
    const char *action, *login;
    int rc;

    if ((rc = admin_session(ctx, req, &me, err)) || (rc = api_bo_json_body(req, &body, err)) ||
        (rc = check_keys(body, keys, err)) || (rc = member_str(body, "action", 1, &action, err)) ||
        (rc = member_str(body, "login", 1, &login, err)))
        goto out;
    if (strcmp(action, "create") == 0) {
        rc = agent_create(api_bo_db(ctx), body, err);
    } else if (strcmp(action, "disable") == 0 || strcmp(action, "enable") == 0) {
        if (strcmp(login, me.login) == 0)
            rc = gdir_err_set_param(err, GDIR_ECONFLICT, "login", "Vous ne pouvez pas "
                                    "désactiver votre propre compte.");
        else
            rc = bo_agent_set_disabled(api_bo_db(ctx), login, action[0] == 'd', err);
    } else if (strcmp(action, "reset") == 0) {
        const char *password;
        if (!(rc = member_str(body, "password", 1, &password, err)))
            rc = bo_agent_set_password(api_bo_db(ctx), login, password, err);
    } else {
        rc = gdir_err_set_param(err, GDIR_EINVAL, "action", "action: create, disable, enable "
                                "or reset");
    }
    if (rc || (rc = bo_agent_get(api_bo_db(ctx), login, &a, err)))
        goto out;
    api_bo_audit(ctx, req, &me, action[0] == 'c' ? "agent_add" : action[0] == 'd'
                                ? "agent_disable" : action[0] == 'r' ? "agent_reset"
                                : "agent_enable", 0);
    res->status = action[0] == 'c' ? 201 : 200;
    rc = me_json(res, &a, NULL, err);
out:
    cJSON_Delete(body);
    bo_agent_free(&me);
    bo_agent_free(&a);
    return rc;
}
