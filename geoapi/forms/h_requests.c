/*
 * h_requests.c — a resident follows a request with its code and token (no account): GET
 * /api/requests/{code}/{token} (status, history, messages, documents asked, attachments),
 * POST .../withdraw (while deposee) and GET .../attachments/{n}. A wrong code or token is one
 * 404 for both, counted against the client's address (429 past the limit). The token never
 * leaves the path: the access log writes /api/requests/{code}/… (api_server.c).
 */
#include "api_forms.h"
#include "api_handlers.h"
#include "api_ratelimit.h"
#include "forms_store.h"
#include "gdir_forms.h"
#include "gdir_json.h"
#include "gdir_parse.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const unsigned char no_peer[16];

int api_forms_lookup(struct api_forms *fx, const struct api_request *req,
                     struct api_response *res, struct forms_request_info *info,
                     struct gdir_err *err)
{
    const unsigned char *ip = req->headers->peer ? req->headers->peer : no_peer;
    time_t now = time(NULL);
    int rc = api_forms_throttled(api_rl_blocked(fx->misses, ip, now), "tracking code", res, err);

    if (rc)
        return rc;
    rc = forms_store_find(fx->store, api_capture(req, "code"), api_capture(req, "token"), info,
                          err);
    if (rc == GDIR_ENOTFOUND) {
        api_rl_hit(fx->misses, ip, now);
        gdir_err_set(err, GDIR_ENOTFOUND, "Aucune demande ne correspond à ce code et à ce lien.");
    }
    return rc;
}

/* Writers of the request's lists. */
struct list_ctx {
    struct gdir_json *j;
    char asked[1024];   /* the message of the last request for documents */
};

void api_forms_ktime(struct gdir_json *j, const char *k, long long t)
{
    char iso[32];
    gdir_json_key(j, k);
    if (!t) {
        gdir_json_null(j);
        return;
    }
    api_forms_time(t, iso);
    gdir_json_str(j, iso);
}

void api_forms_kform(struct gdir_json *j, const char *form_id, int version,
                     const struct form_def *f)
{
    gdir_json_key(j, "form");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "id", form_id);
    gdir_json_kint(j, "version", version);
    gdir_json_kstr(j, "title", f ? form_title(f) : NULL);
    gdir_json_obj_end(j);
}

void api_forms_ktimes(struct gdir_json *j, long long created, long long updated,
                      long long closed)
{
    api_forms_ktime(j, "created_at", created);
    api_forms_ktime(j, "updated_at", updated);
    api_forms_ktime(j, "closed_at", closed);
}

void api_forms_timed_object(struct gdir_json *j, long long at, const char *const *keys,
                            const char *const *values, size_t n)
{
    gdir_json_obj_begin(j);
    api_forms_ktime(j, "at", at);
    for (size_t i = 0; i < n; i++)
        gdir_json_kstr(j, keys[i], values[i]);   /* null for NULL */
    gdir_json_obj_end(j);
}

static int event_json(void *cls, const struct forms_event_row *e)
{
    static const char *const keys[] = {"from", "status", "by", "message"};
    const char *values[] = {e->from_status, e->to_status, e->actor_kind, e->message};
    struct list_ctx *l = cls;

    api_forms_timed_object(l->j, e->at, keys, values, 4);
    if (e->to_status && strcmp(e->to_status, "complement_demande") == 0)
        snprintf(l->asked, sizeof l->asked, "%s", e->message ? e->message : "");
    return 0;
}

/* The writer of the message and attachment lists. */
struct files_ctx {
    struct gdir_json *j;
    const char *url_prefix;   /* each attachment's "url" is this and its number, or NULL */
};

static int message_json(void *cls, const struct forms_message_row *m)
{
    static const char *const keys[] = {"from", "body"};
    const char *values[] = {m->sender, m->body};
    struct files_ctx *l = cls;

    api_forms_timed_object(l->j, m->at, keys, values, 2);
    return 0;
}

static int attachment_json(void *cls, const struct forms_attachment_row *a)
{
    struct files_ctx *l = cls;
    char url[96];
    gdir_json_obj_begin(l->j);
    gdir_json_kint(l->j, "n", a->n);
    gdir_json_kstr(l->j, "field", a->field);
    gdir_json_kstr(l->j, "name", a->original);
    gdir_json_kstr(l->j, "type", a->type);
    gdir_json_kint(l->j, "size", a->size);
    gdir_json_kstr(l->j, "sha256", a->sha256);
    api_forms_ktime(l->j, "at", a->created_at);
    if (l->url_prefix) {
        snprintf(url, sizeof url, "%s%d", l->url_prefix, a->n);
        gdir_json_kstr(l->j, "url", url);
    }
    gdir_json_obj_end(l->j);
    return 0;
}

int api_forms_files_json(struct forms_store *store, long long id, const char *url_prefix,
                         struct gdir_json *j, struct gdir_err *err)
{
    struct files_ctx l = {j, url_prefix};
    int rc;
    gdir_json_key(j, "messages");
    gdir_json_arr_begin(j);
    if ((rc = forms_store_messages(store, id, message_json, &l, err)))
        return rc;
    gdir_json_arr_end(j);
    gdir_json_key(j, "attachments");
    gdir_json_arr_begin(j);
    if ((rc = forms_store_attachments(store, id, attachment_json, &l, err)))
        return rc;
    gdir_json_arr_end(j);
    return GDIR_OK;
}

/* The lists of the request, each an array member of the object j is writing. */
static int request_lists(struct api_forms *fx, long long id, struct list_ctx *l,
                         struct gdir_err *err)
{
    int rc;
    gdir_json_key(l->j, "history");
    gdir_json_arr_begin(l->j);
    if ((rc = forms_store_events(fx->store, id, event_json, l, err)))
        return rc;
    gdir_json_arr_end(l->j);
    return api_forms_files_json(fx->store, id, NULL, l->j, err);
}

int api_forms_request_json(struct api_forms *fx, const struct forms_request_info *info,
                           struct api_response *res, struct gdir_err *err)
{
    const struct form_def *f = forms_find(fx->set, info->form_id);
    struct gdir_json j;
    struct list_ctx l = {&j, ""};
    int rc;

    const char *status = info->status;
    gdir_buf_reset(&res->body);
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "code", info->code);
    api_forms_kform(&j, info->form_id, info->form_version, f);
    gdir_json_kstr(&j, "status", status);
    api_forms_ktimes(&j, info->created_at, info->updated_at, info->closed_at);
    gdir_json_kbool(&j, "can_withdraw", strcmp(status, "deposee") == 0);
    gdir_json_kbool(&j, "can_complement", strcmp(status, "complement_demande") == 0);
    gdir_json_key(&j, "values");
    gdir_json_raw(&j, info->values_json);
    if ((rc = request_lists(fx, info->id, &l, err)))
        return rc;
    gdir_json_kstr(&j, "documents_requested",
                 strcmp(status, "complement_demande") == 0 ? l.asked : NULL);
    gdir_json_obj_end(&j);
    res->cache_control = API_CACHE_NONE;
    return api_json_done(res, &j, API_CT_JSON, err);
}

int api_forms_on_request(const struct api_ctx *ctx, const struct api_request *req,
                         struct api_response *res, int post, api_forms_call_fn *fn,
                         struct gdir_err *err)
{
    struct forms_request_info info = {0};
    struct api_forms_call c = {ctx, req, res, NULL, &info};
    int rc;

    if (!(rc = api_forms_get(ctx, &c.fx, err)) &&
        !(rc = post ? api_forms_csrf_check(c.fx, req->headers, err) : GDIR_OK) &&
        !(rc = api_forms_lookup(c.fx, req, res, &info, err)))
        rc = fn(&c, err);
    forms_request_info_free(&info);
    return rc;
}

int api_forms_request_after(struct api_forms_call *c, struct gdir_err *err)
{
    int rc;
    forms_request_info_free(c->info);
    rc = forms_store_find(c->fx->store, api_capture(c->req, "code"),
                          api_capture(c->req, "token"), c->info, err);
    return rc ? rc : api_forms_request_json(c->fx, c->info, c->res, err);
}

static int show(struct api_forms_call *c, struct gdir_err *err)
{
    return api_forms_request_json(c->fx, c->info, c->res, err);
}

int h_request(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
              struct gdir_err *err)
{
    return api_forms_on_request(ctx, req, res, 0, show, err);
}

static int withdraw(struct api_forms_call *c, struct gdir_err *err)
{
    int rc = forms_store_withdraw(c->fx->store, c->info->id, time(NULL), err);
    return rc ? rc : api_forms_request_after(c, err);
}

int h_request_withdraw(const struct api_ctx *ctx, const struct api_request *req,
                       struct api_response *res, struct gdir_err *err)
{
    return api_forms_on_request(ctx, req, res, 1, withdraw, err);
}

int api_forms_send_attachment(struct forms_store *store, long long id, const char *n_text,
                              const char *name_prefix, struct api_response *res,
                              struct gdir_err *err)
{
    char mime[32], type[8], disposition[64];
    long long size = 0;
    long n;
    int fd = -1, rc;

    if (gdir_parse_long(n_text, 1, 100000, &n))
        return gdir_err_set(err, GDIR_ENOTFOUND, "no such attachment");
    if ((rc = forms_store_open_attachment(store, id, (int)n, &fd, &size, mime, type, err)))
        return rc;
    snprintf(disposition, sizeof disposition, "attachment; filename=\"%spiece-%ld.%s\"",
             name_prefix, n, strcmp(type, "jpeg") == 0 ? "jpg" : type);
    api_response_header(res, "Content-Disposition", disposition);
    res->fd = fd;
    res->fd_size = (uint64_t)size;
    res->content_type = strcmp(type, "pdf") == 0    ? "application/pdf"
                        : strcmp(type, "png") == 0 ? "image/png"
                                                   : "image/jpeg";
    res->cache_control = API_CACHE_NONE;
    return GDIR_OK;
}

static int attachment(struct api_forms_call *c, struct gdir_err *err)
{
    return api_forms_send_attachment(c->fx->store, c->info->id, api_capture(c->req, "n"), "",
                                     c->res, err);
}

int h_request_attachment(const struct api_ctx *ctx, const struct api_request *req,
                         struct api_response *res, struct gdir_err *err)
{
    return api_forms_on_request(ctx, req, res, 0, attachment, err);
}
