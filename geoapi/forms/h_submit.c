/*
 * h_submit.c — filing a request (POST /api/forms/{id}/submissions) and answering a request
 * for documents (POST /api/requests/{code}/{token}/complement): multipart bodies (part "data",
 * the JSON of docs/forms.md §1.3, and one part "file:<path>" per file), CSRF, rate limit,
 * validation by the forms engine (400 listing every field error, nothing stored), then the
 * store, whose answer comes after the commit (201).
 */
#include "api_forms.h"
#include "bo_mail.h"
#include "api_handlers.h"
#include "api_multipart.h"
#include "api_ratelimit.h"
#include "forms_store.h"
#include "gdir_forms.h"
#include "gdir_json.h"
#include "gdir_text.h"
#include "http_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILES 32               /* file parts of one body */
#define MAX_DATA (1024u * 1024u)   /* the "data" part */
#define MAX_MESSAGE 4000           /* the complement's "message" part, bytes */

/* The parts of a body: borrowed from it, but for the copied paths and names. */
struct parts {
    const char *data, *message;
    size_t data_len, message_len;
    int has_data, has_message;
    struct forms_file files[MAX_FILES];
    char paths[MAX_FILES][API_MP_NAME_MAX + 1];
    char names[MAX_FILES][API_MP_NAME_MAX + 1];
    size_t n_files;
};

static int bad_part(struct gdir_err *err, const char *name, const char *why)
{
    char quoted[API_QUOTE_MAX * 4 + 16];
    api_quote(quoted, sizeof quoted, name);
    return gdir_err_set_param(err, GDIR_EINVAL, "data", "part %s: %s", quoted, why);
}

/* One part into p. */
static int take_part(struct parts *p, const struct api_mp_part *part, struct gdir_err *err)
{
    if (strncmp(part->name, "file:", 5) == 0) {
        size_t i = p->n_files;
        if (i == MAX_FILES)
            return bad_part(err, part->name, "too many files (at most 32)");
        if (part->name[5] == '\0' || strlen(part->name + 5) >= FORMS_PATH_MAX)
            return bad_part(err, part->name, "expected file:<field path>");
        snprintf(p->paths[i], sizeof p->paths[i], "%s", part->name + 5);
        snprintf(p->names[i], sizeof p->names[i], "%s", part->filename);
        p->files[i] = (struct forms_file){p->paths[i], p->names[i],
                                          (const unsigned char *)part->data, part->len};
        p->n_files++;
        return GDIR_OK;
    }
    if (strcmp(part->name, "data") == 0 && !p->has_data) {
        if (part->len > MAX_DATA)
            return gdir_err_set_param(err, GDIR_ETOOBIG, "data", "data: larger than 1 MiB");
        p->data = part->data;
        p->data_len = part->len;
        p->has_data = 1;
        return GDIR_OK;
    }
    if (strcmp(part->name, "message") == 0 && !p->has_message) {
        p->message = part->data;
        p->message_len = part->len;
        p->has_message = 1;
        return GDIR_OK;
    }
    return bad_part(err, part->name, "unknown or repeated part (expected data, message or "
                                     "file:<field path>)");
}

static int read_parts(const struct api_headers *h, struct parts *p, struct gdir_err *err)
{
    struct api_multipart mp;
    struct api_mp_part part;
    int rc;

    memset(p, 0, sizeof *p);
    if (!h->body)
        return gdir_err_set_param(err, GDIR_EINVAL, "data", "data: expected a multipart/"
                                  "form-data body (docs/forms.md §1.3)");
    rc = api_multipart_init(&mp, h->content_type, h->body, h->body_len, err);
    while (!rc && (rc = api_multipart_next(&mp, &part, err)) == 1)
        rc = take_part(p, &part, err);
    return rc;
}

/* The 400 of a submission: every field error (docs/forms.md §1.3). Built here, not by
 * api_error: its body has the list. */
static int field_errors(struct api_response *res, const struct forms_errors *e,
                        struct gdir_err *err)
{
    char summary[96];
    struct gdir_json j;

    snprintf(summary, sizeof summary, "Le formulaire contient %zu erreur%s.", e->n,
             e->n > 1 ? "s" : "");
    gdir_buf_reset(&res->body);
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "code", "InvalidParameterValue");
    gdir_json_kstr(&j, "description", summary);
    gdir_json_kstr(&j, "error", summary);
    gdir_json_key(&j, "errors");
    gdir_json_arr_begin(&j);
    for (size_t i = 0; i < e->n; i++) {
        gdir_json_obj_begin(&j);
        gdir_json_kstr(&j, "field", e->v[i].field);
        gdir_json_kstr(&j, "message", e->v[i].message);
        gdir_json_obj_end(&j);
    }
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    res->status = 400;
    res->cache_control = API_CACHE_NONE;
    return api_json_done(res, &j, API_CT_JSON, err);
}

/* The 201 of a submission. */
static int created(struct api_response *res, const char *code, const char *token,
                   struct gdir_err *err)
{
    char follow[96];
    struct gdir_json j;

    snprintf(follow, sizeof follow, "%s%s/%s", API_FORMS_FOLLOW, code, token);
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "code", code);
    gdir_json_kstr(&j, "token", token);
    gdir_json_kstr(&j, "follow", follow);
    gdir_json_obj_end(&j);
    res->status = 201;
    return api_json_done(res, &j, API_CT_JSON, err);
}

/* The files the engine accepted, as the store takes them. */
static int store_files(const struct parts *p, const struct forms_submission *sub,
                       struct forms_store_file **out, struct gdir_err *err)
{
    *out = NULL;
    if (!sub->n_files)
        return GDIR_OK;
    *out = calloc(sub->n_files, sizeof **out);
    if (!*out)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    for (size_t i = 0; i < sub->n_files; i++) {
        const struct forms_accepted_file *a = &sub->files[i];
        const struct forms_file *in = &p->files[a->input];
        (*out)[i] = (struct forms_store_file){a->path, in->filename, a->type, a->mime, in->data,
                                              in->len};
    }
    return GDIR_OK;
}

/* A submission being filed: what the store reads until its commit (the files' bytes are the
 * request body's, kept by the connection until the answer), and what the answer needs. */
struct filing {
    const struct api_ctx *ctx;
    struct api_forms *fx;
    struct parts p;
    struct forms_submission sub;
    struct forms_store_file *files;
    char prefix[600];
    struct forms_new_request r;
    struct forms_submit_op *op;
};

static void filing_free(struct filing *fl)
{
    forms_submission_free(&fl->sub);
    free(fl->files);
    free(fl);
}

/* The commit is over: the agents told, then answered 201 (or the store's error). Frees fl. */
static int filed(void *cls, struct api_response *res, struct gdir_err *err)
{
    struct filing *fl = cls;
    char code[FORMS_CODE_LEN + 1], token[FORMS_TOKEN_LEN + 1];
    long long id = 0;
    int rc = forms_store_submit_end(fl->op, code, token, &id, err);

    if (!rc) {   /* the agents' e-mails were written in the same transaction (api_notify_filed) */
        bo_outbox_wake();   /* the receipt is committed: the sender may take it now */
        rc = created(res, code, token, err);
    }
    filing_free(fl);
    return rc;
}

/* From the store's writer thread: the request's worker may answer it now. */
static void commit_over(void *defer)
{
    http_defer_ready(defer);
}

/* Validated: queued for the store (the receipt with it), answered by filed once committed:
 * by the worker when it is woken if the request may wait (hd->defer; the worker serves its
 * other connections meanwhile), else here. Takes fl. */
static int file_request(const struct form_def *f, const struct api_headers *hd,
                        struct filing *fl, struct api_response *res, struct gdir_err *err)
{
    int rc = store_files(&fl->p, &fl->sub, &fl->files, err);

    if (!rc) {
        snprintf(fl->prefix, sizeof fl->prefix, "%s%s", fl->fx->cfg->public_url,
                 API_FORMS_FOLLOW);
        fl->r = (struct forms_new_request){
            .form_id = form_id(f), .form_version = form_version(f),
            .commune = fl->sub.commune, .service = fl->sub.service,
            .values_json = fl->sub.values_json, .email = fl->sub.email, .files = fl->files,
            .n_files = fl->sub.n_files, .form = f, .title = form_title(f),
            .receipt_text = api_forms_receipt(fl->fx, f), .link_prefix = fl->prefix,
        };
        rc = forms_store_submit_begin(fl->fx->store, &fl->r, time(NULL),
                                      hd->defer ? commit_over : NULL, hd->defer, &fl->op, err);
    }
    if (rc) {
        filing_free(fl);
        return rc;
    }
    if (!hd->defer)
        return filed(fl, res, err);   /* waits for the commit */
    res->resume = filed;
    res->resume_cls = fl;
    return GDIR_OK;
}

int h_form_submit(const struct api_ctx *ctx, const struct api_request *req,
                  struct api_response *res, struct gdir_err *err)
{
    struct api_forms *fx;
    const struct form_def *f;
    struct filing *fl = NULL;
    struct forms_errors errs = {0};
    int rc;

    if ((rc = api_forms_get(ctx, &fx, err)) ||
        (rc = api_forms_csrf_check(fx, req->headers, err)))
        return rc;
    if (!(f = forms_find(fx->set, api_capture(req, "id"))))
        return gdir_err_set(err, GDIR_ENOTFOUND, "no such form (GET /api/forms lists them)");
    if (fx->submits && req->headers->peer &&
        (rc = api_forms_throttled(api_rl_hit(fx->submits, req->headers->peer, time(NULL)),
                                  "submissions", res, err)))
        return rc;
    if (!(fl = calloc(1, sizeof *fl)))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    fl->ctx = ctx;
    fl->fx = fx;
    if ((rc = read_parts(req->headers, &fl->p, err)))
        goto out;
    if (!fl->p.has_data) {
        rc = gdir_err_set_param(err, GDIR_EINVAL, "data", "data: the part \"data\" (the JSON "
                                "of the values) is missing");
        goto out;
    }
    struct forms_env env = {time(NULL), api_forms_place, fx->pool};
    rc = forms_validate(f, fl->p.data, fl->p.data_len, fl->p.files, fl->p.n_files, &env,
                        &fl->sub, &errs, err);
    if (rc == GDIR_EINVAL && errs.n) {
        rc = field_errors(res, &errs, err);
    } else if (!rc) {
        rc = file_request(f, req->headers, fl, res, err);
        fl = NULL;   /* file_request's now */
    }
out:
    if (fl)
        filing_free(fl);
    forms_errors_free(&errs);
    return rc;
}

/* The complement's files, checked by their content as a submission's are. */
static int complement_files(const struct parts *p, struct forms_store_file *out,
                            struct gdir_err *err)
{
    for (size_t i = 0; i < p->n_files; i++) {
        const struct forms_file *in = &p->files[i];
        const char *type = forms_sniff(in->data, in->len);
        char name[API_MP_NAME_MAX + 8];
        snprintf(name, sizeof name, "file:%s", in->path);
        if (!type)
            return gdir_err_set_param(err, GDIR_EINVAL, name, "%s: Le fichier doit être un PDF, "
                                      "une image JPEG ou PNG.", name);
        if (in->len == 0 || in->len > FORMS_MAX_FILE_SIZE)
            return gdir_err_set_param(err, GDIR_ETOOBIG, name, "%s: Le fichier est vide ou "
                                      "dépasse 20 Mo.", name);
        out[i] = (struct forms_store_file){in->path, in->filename, type,
                                           strcmp(type, "pdf") == 0    ? "application/pdf"
                                           : strcmp(type, "png") == 0 ? "image/png"
                                                                      : "image/jpeg",
                                           in->data, in->len};
    }
    return GDIR_OK;
}

/* The complement's optional message: UTF-8 text of at most MAX_MESSAGE bytes, copied. */
static int complement_message(const struct parts *p, char **out, struct gdir_err *err)
{
    *out = NULL;
    if (!p->has_message || p->message_len == 0)
        return GDIR_OK;
    if (p->message_len > MAX_MESSAGE || !gdir_utf8_valid(p->message, p->message_len) ||
        memchr(p->message, '\0', p->message_len))
        return gdir_err_set_param(err, GDIR_EINVAL, "message", "message: Le message doit être "
                                  "un texte de 4000 caractères au plus.");
    if (!(*out = malloc(p->message_len + 1)))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    memcpy(*out, p->message, p->message_len);
    (*out)[p->message_len] = '\0';
    return GDIR_OK;
}

static int complement(struct api_forms_call *c, struct gdir_err *err)
{
    struct forms_store_file files[MAX_FILES];
    struct parts *p = malloc(sizeof *p);
    char *message = NULL;
    int rc;

    if (!p)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if ((rc = read_parts(c->req->headers, p, err)) || (rc = complement_files(p, files, err)) ||
        (rc = complement_message(p, &message, err)))
        goto out;
    if (!p->n_files && !message) {
        rc = gdir_err_set_param(err, GDIR_EINVAL, "data", "Joignez au moins un document ou un "
                                "message.");
        goto out;
    }
    rc = forms_store_complement(c->fx->store, c->info->id, files, p->n_files, message,
                                time(NULL), err);
    if (!rc) {
        if (c->fx->notify)
            c->fx->notify(c->ctx, c->info->id, NULL, "agent_complement_recu");
        rc = api_forms_request_after(c, err);
    }
out:
    free(message);
    free(p);
    return rc;
}

int h_request_complement(const struct api_ctx *ctx, const struct api_request *req,
                         struct api_response *res, struct gdir_err *err)
{
    return api_forms_on_request(ctx, req, res, 1, complement, err);
}
