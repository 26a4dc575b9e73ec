/*
 * api_response.c — response life cycle, the security headers, and api_error(): the single
 * builder of error bodies, from struct gdir_err through gdir_err_name/gdir_err_http_status.
 * Also the end of every JSON answer (api_json_done) and the frame of the JSON answers written
 * from the database (api_db_json).
 *
 * Not here: sending (api_server.c), choosing statuses for success (the handlers).
 */
#include "api_response.h"
#include "api_dbpool.h"
#include "api_router.h"
#include "gdir_json.h"
#include "gdir_log.h"

#include <string.h>
#include <unistd.h>

const char *const api_security_headers[][2] = {
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
    {"Content-Security-Policy",
     "default-src 'self'; img-src 'self' data: https:; style-src 'self'; script-src 'self'; "
     "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
    {NULL, NULL},
};

void api_response_init(struct api_response *res)
{
    memset(res, 0, sizeof *res);
    res->status = 200;
    res->fd = -1;
    gdir_buf_init(&res->body, API_BODY_MAX);
}

void api_response_free(struct api_response *res)
{
    if (!res)
        return;
    gdir_buf_free(&res->body);
    if (res->fd >= 0)
        close(res->fd);
    res->fd = -1;
    if (res->stream.release)
        res->stream.release(res->stream.cls);
    memset(&res->stream, 0, sizeof res->stream);
    res->n_extra = 0;
}

int api_response_header(struct api_response *res, const char *name, const char *value)
{
    struct api_header *h;
    size_t nl = strlen(name), vl = strlen(value);
    if (res->n_extra == API_EXTRA_HEADERS || nl >= sizeof h->name || vl >= sizeof h->value)
        return GDIR_ETOOBIG;
    h = &res->extra[res->n_extra++];
    memcpy(h->name, name, nl + 1);
    memcpy(h->value, value, vl + 1);
    return GDIR_OK;
}

void api_error(struct api_response *res, const struct gdir_err *err)
{
    static const char fallback[] =
        "{\"code\":\"InternalError\",\"description\":\"internal error\"}";
    int code = err && err->code ? err->code : GDIR_EINTERNAL;
    int status = gdir_err_http_status(code);
    const char *description = err && err->msg[0] ? err->msg : gdir_err_text(code);
    struct gdir_json j;

    if (status >= 500) {
        char detail[GDIR_ERR_MSG_MAX];
        api_log_sanitize(detail, sizeof detail, err ? err->msg : "");
        gdir_log(GDIR_LOG_ERROR, "api", "msg=\"request failed\" code=%s detail=\"%s\"",
                 gdir_err_name(code), detail);
        description = gdir_err_text(code);
    }
    api_response_free(res);
    gdir_buf_init(&res->body, API_BODY_MAX);
    res->status = status;
    res->content_type = API_CT_JSON;
    res->cache_control = API_CACHE_NONE;
    res->fd_size = 0;
    res->etag[0] = '\0';
    res->preflight = 0;

    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "code", gdir_err_name(code));
    if (err && err->param[0])
        gdir_json_kstr(&j, "parameter", err->param);
    gdir_json_kstr(&j, "description", description);
    gdir_json_obj_end(&j);
    if (gdir_json_error(&j)) {
        gdir_buf_init(&res->body, API_BODY_MAX);
        gdir_buf_add(&res->body, fallback, sizeof fallback - 1);
        res->status = 500;
    }
}

int api_json_done(struct api_response *res, const struct gdir_json *j, const char *content_type,
                  struct gdir_err *err)
{
    int rc = gdir_json_error(j);
    if (rc)
        return gdir_err_set(err, GDIR_EINTERNAL, "response body: %s", gdir_err_text(rc));
    res->content_type = content_type;
    return GDIR_OK;
}

int api_db_json(const struct api_ctx *ctx, struct api_response *res, api_db_json_fn *write,
                const void *cls, const char *content_type, struct gdir_err *err)
{
    struct api_db *db;
    struct gdir_json j;
    int rc = api_dbpool_get(ctx->pool, &db, err);

    if (rc)
        return rc;
    gdir_json_init(&j, &res->body);
    rc = write(db, &j, cls, err);
    if (rc && err->code)
        return rc;
    return api_json_done(res, &j, content_type, err);
}

void api_log_sanitize(char *out, size_t cap, const char *s)
{
    size_t n = 0, len = strlen(s);

    if (cap == 0)
        return;
    for (size_t i = 0; i < len && n + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (len > cap - 1 && n + 4 >= cap) {
            memcpy(out + n, "...", 3);
            n += 3;
            break;
        }
        out[n++] = (c == '"' || c == '\\') ? '\'' : (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    out[n] = '\0';
}
