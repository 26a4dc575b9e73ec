/*
 * gdir_err.h — error codes and the error struct shared by importer and geoapi.
 *
 * Functions return int: 0 on success, a negative GDIR_E* code on failure, and fill a
 * caller-supplied struct gdir_err with context (file, line, field, parameter). There is no
 * global or thread-local error state.
 */
#ifndef GDIR_ERR_H
#define GDIR_ERR_H

#define GDIR_OK 0

enum gdir_errcode {
#define GDIR_ERR(e, v, name, http, text) e = v,
#include "err.def"
#undef GDIR_ERR
};

#define GDIR_ERR_MSG_MAX 512
#define GDIR_ERR_PARAM_MAX 64

struct gdir_err {
    int code;                          /* GDIR_OK or a negative GDIR_E* code */
    char param[GDIR_ERR_PARAM_MAX];    /* the parameter or field at fault, "" if none */
    char msg[GDIR_ERR_MSG_MAX];        /* human-readable context, "" if none */
};

/* Resets err to "no error". err may be NULL. */
void gdir_err_clear(struct gdir_err *err);

/* Records code and a printf-style message in err (truncated to fit); returns code, so that
 * callers can write `return gdir_err_set(err, GDIR_EINVAL, "...")`. err may be NULL. */
int gdir_err_set(struct gdir_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like gdir_err_set, also naming the parameter or field at fault. */
int gdir_err_set_param(struct gdir_err *err, int code, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The machine name of a code ("InvalidParameterValue"); "InternalError" if unknown. */
const char *gdir_err_name(int code);

/* The HTTP status that a code maps to (500 if unknown). */
int gdir_err_http_status(int code);

/* The default English text of a code. */
const char *gdir_err_text(int code);

#endif
