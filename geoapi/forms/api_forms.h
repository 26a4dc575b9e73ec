/*
 * api_forms.h — what the online procedures' handlers share (docs/forms.md §2-3): the form
 * definitions of forms_dir (forms/gdir_forms.h), the requests' store (forms/forms_store.h),
 * the per-address rate limits, and the CSRF check. One object for the server's life, built
 * at start when forms_dir is set (struct api_ctx.forms), read-only but for its thread-safe
 * parts (store, limits).
 *
 * CSRF: GET /api/forms/csrf sets the cookie geodir_csrf (a random value of 128 bits; HttpOnly,
 * SameSite=Strict, Path=/, Secure when configured) and answers the token
 * base64url(HMAC-SHA256(secret, cookie value)); the secret is the forms database's own (it
 * survives restarts). Every POST must send that token in X-CSRF-Token: a page of another site
 * can neither read the token nor send the header without a CORS preflight, which is refused.
 */
#ifndef API_FORMS_H
#define API_FORMS_H

#include <stddef.h>
#include <time.h>

#include "api_config.h"
#include "api_request.h"
#include "api_response.h"
#include "gdir_err.h"

struct forms_set;
struct forms_store;
struct api_ratelimit;
struct api_dbpool;
struct form_def;

#define API_CSRF_COOKIE "geodir_csrf"
#define API_CSRF_VALUE_LEN 22       /* base64url of 16 random bytes */
#define API_CSRF_TOKEN_LEN 43       /* base64url of an HMAC-SHA256 */
/* The page where a resident follows a request: follow = API_FORMS_FOLLOW CODE "/" TOKEN (the
 * token after '#' never reaches a server, a log or a Referer). */
#define API_FORMS_FOLLOW "/suivi.html#"
#define API_FORMS_LOOKUP_WINDOW 600 /* seconds of the wrong-token counter */

struct api_ctx;

struct api_forms {
    struct forms_set *set;
    struct forms_store *store;
    struct api_ratelimit *submits;   /* NULL: no limit */
    struct api_ratelimit *misses;
    char **receipts;                 /* each form's "receipt" text (index of forms_at), or NULL */
    const struct api_config *cfg;
    struct api_dbpool *pool;         /* the directory (place fields) */
    /* The back office's notification after a resident's committed write (the server sets it:
     * api_notify of geoapi/backoffice/api_mailer.h): the request id, or 0 and its code. */
    void (*notify)(const struct api_ctx *ctx, long long id, const char *code,
                   const char *event);
};

/* Loads and checks the definitions of cfg->forms_dir for the member communes (n of them):
 * forms_load_dir, and the ids the routes reserve. Returns 0 with *set (forms_set_free), or
 * GDIR_ECONFIG / GDIR_ENOMEM with err "FILE: path: reason". */
int api_forms_load(struct forms_set **set, const struct api_config *cfg,
                   const char *const *communes, size_t n, struct gdir_err *err);

/* Loads the definitions of cfg->forms_dir for the member communes (n of them), opens the
 * store (forms_db, forms_files_dir, which must lie outside static_root). Returns 0 with *out,
 * or GDIR_ECONFIG with err naming the file and what is wrong. */
int api_forms_open(struct api_forms **out, const struct api_config *cfg, const char *static_root,
                   struct api_dbpool *pool, const char *const *communes, size_t n,
                   struct gdir_err *err);

/* NULL-safe. Call after the workers have stopped. */
void api_forms_close(struct api_forms *fx);

/* 0 when the request carries the cookie and the matching X-CSRF-Token, else GDIR_EFORBIDDEN
 * with err. */
int api_forms_csrf_check(const struct api_forms *fx, const struct api_headers *h,
                         struct gdir_err *err);

/* The cookie's value of the request when it is a well-formed one (copied into value), else a
 * new random one; token receives its token. Returns 0 or GDIR_EIO / GDIR_EINTERNAL. */
int api_forms_csrf_issue(const struct api_forms *fx, const struct api_headers *h,
                         char value[API_CSRF_VALUE_LEN + 1], char token[API_CSRF_TOKEN_LEN + 1],
                         struct gdir_err *err);

/* The forms object of ctx, or GDIR_ENOTFOUND with err when online procedures are off. */
struct api_ctx;
int api_forms_get(const struct api_ctx *ctx, struct api_forms **fx, struct gdir_err *err);

/* The receipt text of f, or NULL. */
const char *api_forms_receipt(const struct api_forms *fx, const struct form_def *f);

/* Refuses with 429 (res->retry_after set, GDIR_ETOOMANY) when wait > 0; else 0. */
int api_forms_throttled(unsigned wait, const char *what, struct api_response *res,
                        struct gdir_err *err);

struct forms_request_info;

/* The request named by the path's {code} and {token} (h_requests.c): GDIR_ENOTFOUND for a
 * wrong code or token, counted against the client's address; GDIR_ETOOMANY (429, Retry-After)
 * past forms_lookup_misses in API_FORMS_LOOKUP_WINDOW seconds. */
int api_forms_lookup(struct api_forms *fx, const struct api_request *req,
                     struct api_response *res, struct forms_request_info *info,
                     struct gdir_err *err);

/* The JSON of GET /api/requests/{code}/{token} into res. */
int api_forms_request_json(struct api_forms *fx, const struct forms_request_info *info,
                           struct api_response *res, struct gdir_err *err);

/* What a handler of the path's {code}/{token} works on (api_forms_on_request). */
struct api_forms_call {
    const struct api_ctx *ctx;
    const struct api_request *req;
    struct api_response *res;
    struct api_forms *fx;
    struct forms_request_info *info;   /* the request found (api_forms_lookup) */
};
typedef int api_forms_call_fn(struct api_forms_call *c, struct gdir_err *err);

/* The forms object (api_forms_get), the CSRF check when post, the request of {code}/{token}
 * (api_forms_lookup); then fn; then the request released. */
int api_forms_on_request(const struct api_ctx *ctx, const struct api_request *req,
                         struct api_response *res, int post, api_forms_call_fn *fn,
                         struct gdir_err *err);

/* After a write: the request read again (c->info replaced), then its JSON into c->res. */
int api_forms_request_after(struct api_forms_call *c, struct gdir_err *err);

/* The place check of forms_env (forms/gdir_forms.h) on the directory: arg is the dbpool. */
int api_forms_place(void *arg, const char *id, const char *category, char insee[6]);

/* ISO 8601 UTC text ("2026-07-14T08:30:00Z") of a Unix time. */
void api_forms_time(long long t, char out[32]);

/* JSON writers of a request's parts, shared by the follow page (h_requests.c) and the back
 * office (a member string or null is gdir_json_kstr's): a member time (api_forms_time) or
 * null for 0; the "messages" and "attachments" array members of request id (inside an object
 * j is writing), each attachment with a "url", url_prefix and its number, when url_prefix is
 * not NULL. */
struct gdir_json;
void api_forms_ktime(struct gdir_json *j, const char *k, long long t);
/* The "form" member {id, version, title (null when f is NULL)}; the members created_at,
 * updated_at and closed_at (api_forms_ktime). */
/* An object {at (api_forms_ktime), keys[i]: values[i] (null for NULL)...} of n strings. */
void api_forms_timed_object(struct gdir_json *j, long long at, const char *const *keys,
                            const char *const *values, size_t n);
struct form_def;
void api_forms_kform(struct gdir_json *j, const char *form_id, int version,
                     const struct form_def *f);
void api_forms_ktimes(struct gdir_json *j, long long created, long long updated,
                      long long closed);
int api_forms_files_json(struct forms_store *store, long long id, const char *url_prefix,
                         struct gdir_json *j, struct gdir_err *err);

/* Attachment n_text (1..) of request id as the response (an open file), downloaded as
 * "<name_prefix>piece-<n>.<type>"; GDIR_ENOTFOUND when it has no such attachment. */
int api_forms_send_attachment(struct forms_store *store, long long id, const char *n_text,
                              const char *name_prefix, struct api_response *res,
                              struct gdir_err *err);

#endif
