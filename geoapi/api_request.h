/*
 * api_request.h — one HTTP request as handlers see it: method, decoded path, path captures and
 * the decoded query parameters (already checked by the router against the route's list), plus
 * typed getters that validate values and name the parameter in every error.
 *
 * Handlers never see MHD. The strings of a request live as long as the request.
 */
#ifndef API_REQUEST_H
#define API_REQUEST_H

#include <stddef.h>

#include "api_config.h"
#include "gdir_err.h"
#include "gdir_taxonomy.h"

#define API_MAX_PARAMS 16       /* distinct query parameters kept (routes allow fewer) */
#define API_MAX_CAPTURES 4      /* {param} segments of a pattern */
#define API_MAX_PATH 1024       /* longest decoded path, bytes */
#define API_QUOTE_MAX 40        /* bytes of an offending value quoted in error messages */

enum api_method { API_GET, API_HEAD, API_OTHER };

struct api_param {
    const char *name;    /* decoded, valid UTF-8, no NUL */
    const char *value;   /* decoded, valid UTF-8, no NUL; "" for `?name` */
};

struct api_request {
    enum api_method method;
    const char *method_name;                    /* as received, borrowed from the server */
    char *path;                                 /* percent-decoded path, owned */
    const char *capture_names[API_MAX_CAPTURES];  /* from the pattern: "id" */
    const char *captures[API_MAX_CAPTURES];     /* pointers into capture_buf */
    size_t n_captures;
    char *capture_buf;                          /* owned storage of the captures */
    struct api_param params[API_MAX_PARAMS];
    size_t n_params;
    char *query_buf;                            /* owned storage of the decoded parameters */
    const struct api_config *cfg;               /* borrowed */
};

/* Zeroes req. */
void api_request_init(struct api_request *req, const struct api_config *cfg);

/* Releases what the request owns. NULL-safe. */
void api_request_free(struct api_request *req);

/* Percent-decodes s[0..n) into out (at least n+1 bytes), '+' as space when plus_space.
 * Returns the decoded length, or -1 on a malformed escape. The result may contain NUL bytes:
 * the caller must check. */
long api_pct_decode(const char *s, size_t n, int plus_space, char *out);

/* The value of a query parameter, or NULL when absent. Borrowed. */
const char *api_param(const struct api_request *req, const char *name);

/* The value of a path capture ({id}), or NULL. Borrowed. */
const char *api_capture(const struct api_request *req, const char *name);

/* Appends value to out as it appears in error messages: in double quotes, at most
 * API_QUOTE_MAX input bytes (then "..."), '"' and '\' escaped, control bytes and invalid
 * UTF-8 written as \xNN. out is NUL-terminated within cap. */
void api_quote(char *out, size_t cap, const char *value);

/* Fills err with InvalidParameterValue naming name: "<name>: <expected>, got <quoted value>".
 * Returns GDIR_EINVAL. */
int api_param_invalid(struct gdir_err *err, const char *name, const char *value,
                      const char *expected);

/*
 * Typed getters. Each returns 0 or GDIR_EINVAL with err naming the parameter and quoting the
 * offending value.
 */

/* Required latitude / longitude in decimal degrees. */
int api_param_lat(const struct api_request *req, double *lat, struct gdir_err *err);
int api_param_lon(const struct api_request *req, double *lon, struct gdir_err *err);

/* Radius in metres, 0..cfg->max_radius; cfg->default_radius when absent. */
int api_param_radius(const struct api_request *req, double *radius, struct gdir_err *err);

/* Limit >= 1; cfg->default_limit when absent; clamped to cfg->max_limit (as OGC API does). */
int api_param_limit(const struct api_request *req, long *limit, struct gdir_err *err);

/* A category code of the taxonomy, or *cat = NULL when absent. */
int api_param_category(const struct api_request *req, const struct gdir_category **cat,
                       struct gdir_err *err);

/* A well-formed INSEE commune code (5 characters: digits, or 2A/2B + 3 digits), or
 * *insee = NULL when absent. Membership is the handler's check (it needs the database). */
int api_param_commune(const struct api_request *req, const char **insee, struct gdir_err *err);

#endif
