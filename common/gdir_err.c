/*
 * gdir_err.c — error code table lookups and the error struct helpers.
 */
#include "gdir_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct err_row {
    int code;
    const char *name;
    int http;
    const char *text;
};

static const struct err_row err_rows[] = {
#define GDIR_ERR(e, v, name, http, text) {v, name, http, text},
#include "err.def"
#undef GDIR_ERR
};

static const struct err_row *find_row(int code)
{
    for (size_t i = 0; i < sizeof err_rows / sizeof err_rows[0]; i++)
        if (err_rows[i].code == code)
            return &err_rows[i];
    return NULL;
}

void gdir_err_clear(struct gdir_err *err)
{
    if (!err)
        return;
    err->code = GDIR_OK;
    err->param[0] = '\0';
    err->msg[0] = '\0';
}

static int vset(struct gdir_err *err, int code, const char *param, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static int vset(struct gdir_err *err, int code, const char *param, const char *fmt, va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->param, sizeof err->param, "%s", param ? param : "");
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    return code;
}

int gdir_err_set(struct gdir_err *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, NULL, fmt, ap);
    va_end(ap);
    return code;
}

int gdir_err_set_param(struct gdir_err *err, int code, const char *param, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, param, fmt, ap);
    va_end(ap);
    return code;
}

const char *gdir_err_name(int code)
{
    const struct err_row *r = find_row(code);
    return r ? r->name : "InternalError";
}

int gdir_err_http_status(int code)
{
    const struct err_row *r = find_row(code);
    return r ? r->http : 500;
}

const char *gdir_err_text(int code)
{
    const struct err_row *r = find_row(code);
    return r ? r->text : "internal error";
}
