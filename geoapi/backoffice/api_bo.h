/*
 * api_bo.h — what the back office's handlers share (docs/backoffice.md §2-3): one connection
 * to forms_db per worker thread (struct bo_db of backoffice/bo.h, opened on the thread's first
 * /api/bo/ request, closed when the worker ends), the session cookie, and the session check
 * every /api/bo/ handler calls first. Built at start when forms_dir is set (api_ctx.bo).
 *
 * The cookie is named API_BO_COOKIE_SECURE ("__Host-geodir_bo", with Secure) when
 * secure_cookies is on, else API_BO_COOKIE ("geodir_bo"); HttpOnly, SameSite=Strict, Path=/.
 * The timeouts are bo.h's; the integration tests age a session by writing its times in the
 * database (no test hook in the server).
 */
#ifndef API_BO_H
#define API_BO_H

#include "api_router.h"
#include "bo.h"
#include "bo_contrib.h"

#define API_BO_COOKIE "geodir_bo"
#define API_BO_COOKIE_SECURE "__Host-geodir_bo"
#define API_BO_PEER_MAX 46             /* INET6_ADDRSTRLEN */
#define API_BO_BODY_MAX (64u * 1024u)  /* largest JSON body of an /api/bo/ POST: room for an
                                        * item of the daily life with its 20 KiB text
                                        * (LIFE_TEXT_MAX) and JSON escapes */

/* Finds the agent of the request's session cookie; for a POST also checks X-CSRF-Token
 * against the session's token. 0 with *agent filled (bo_agent_free), or
 * GDIR_EUNAUTHORIZED (401) / GDIR_EFORBIDDEN (403, CSRF) with err set. Uses the worker's
 * struct bo_db (api_bo_db(ctx)). GDIR_ENOTFOUND when the server has no back office
 * (forms_dir unset), GDIR_EUNAVAIL when the database cannot be opened. */
int api_bo_session(const struct api_ctx *ctx, const struct api_request *req,
                   struct bo_agent *agent, struct gdir_err *err);
struct bo_db *api_bo_db(const struct api_ctx *ctx);   /* this worker's connection, or NULL */

/* The same, also giving the session's CSRF token (GET /api/bo/me). */
int api_bo_session_csrf(const struct api_ctx *ctx, const struct api_request *req,
                        struct bo_agent *agent, char csrf[BO_CSRF_LEN + 1],
                        struct gdir_err *err);

/* The cookie's name on this server. */
const char *api_bo_cookie_name(const struct api_config *cfg);
/* The session cookie value of the request into out, or 0 when there is none. */
int api_bo_cookie(const struct api_request *req, char out[BO_COOKIE_LEN + 1]);
/* The client's address as text ("" when unknown), for the throttle and the audit. */
void api_bo_peer(const struct api_request *req, char out[API_BO_PEER_MAX]);
/* The JSON object of a POST body, or GDIR_EINVAL naming "body" (free with cJSON_Delete). */
struct cJSON;
int api_bo_json_body(const struct api_request *req, struct cJSON **out, struct gdir_err *err);
/* An audit row of agent (NULL: "system") from the request's address. Failures are logged. */
void api_bo_audit(const struct api_ctx *ctx, const struct api_request *req,
                  const struct bo_agent *agent, const char *action, long long request_id);

/* A moderation decision on the request {id} of the path (POST …/contribution, …/event), as
 * api_bo_decision_begin reads it. */
#define API_BO_MOTIVATION_MAX 2000
struct api_bo_decision {
    struct bo_agent agent;          /* the agent of the session */
    struct bo_request_row req;      /* the request */
    struct cJSON *body;             /* the JSON body: members decision, values, motivation */
    const char *decision;           /* its text, NULL when it is not a string */
    const char *motivation;         /* UTF-8, at most API_BO_MOTIVATION_MAX bytes; NULL when
                                     * absent, null or empty */
};

/* The session's agent (api_bo_session); the request {id}, read and in the agent's scope (403
 * otherwise; an unknown id is 403 too for non-administrators: nothing disclosed; 400 naming
 * id), of one of forms (NULL-terminated) or 409 with the French sentence not_kind, and when
 * open_only not closed (409); then the body (400 naming body or motivation). dc is released by
 * api_bo_decision_end whatever the outcome. */
int api_bo_decision_begin(const struct api_ctx *ctx, const struct api_request *req,
                          const char *const *forms, const char *not_kind, int open_only,
                          struct api_bo_decision *dc, struct gdir_err *err);
void api_bo_decision_end(struct api_bo_decision *dc);

/* A decision written: the back office's audit row (action, the request's status from r and
 * to) and, when notify, the resident's « decision » e-mail (queued; a failure is logged, not
 * returned: the decision is already committed). 0 or GDIR_EDB. */
int api_bo_decision_record(const struct api_ctx *ctx, const struct api_request *req,
                           const struct bo_agent *a, const struct bo_request_row *r,
                           const char *action, const char *to, const char *motivation,
                           int notify, struct gdir_err *err);

/* A JSON answer of a back-office handler: begin empties res->body and opens j's object on it;
 * end closes that object and ends the answer, never stored (api_json_done). */
struct gdir_json;
void api_bo_json_begin(struct api_response *res, struct gdir_json *j);
int api_bo_json_end(struct api_response *res, struct gdir_json *j, struct gdir_err *err);

#endif
