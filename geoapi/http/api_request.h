/*
 * api_request.h — one HTTP request as handlers see it: method, decoded path, path captures and
 * the decoded query parameters (already checked by the router against the route's list), plus
 * typed getters that validate values and name the parameter in every error.
 *
 * Handlers never see sockets. The strings of a request live as long as the request.
 */
#ifndef API_REQUEST_H
#define API_REQUEST_H

#include <stddef.h>
#include <time.h>

#include "api_config.h"
#include "gdir_err.h"
#include "gdir_geo.h"
#include "gdir_taxonomy.h"

struct http_defer;   /* http_server.h */

#define API_MAX_PARAMS 24       /* query parameters kept (distinct names on most routes; an
                                 * API_ADDOK route may repeat one: 400 beyond) */
#define API_MAX_CAPTURES 4      /* {param} segments of a pattern */
#define API_MAX_PATH 1024       /* longest decoded path, bytes */
#define API_QUOTE_MAX 40        /* bytes of an offending value quoted in error messages */

enum api_method { API_GET, API_HEAD, API_OPTIONS, API_POST, API_OTHER };

/* Representation of a search answer, negotiated by the router (f=, then Accept). HTML only
 * on routes flagged API_HTML (the OGC API pages). */
enum api_format { API_FMT_GEOJSON, API_FMT_JSON, API_FMT_HTML };

/* The request headers the router and handlers look at; each NULL when absent. Borrowed from
 * the server for the duration of the request. */
struct api_headers {
    const char *accept;
    const char *accept_encoding;
    const char *if_none_match;
    const char *range;          /* Range and If-Range (the exports of /data/, h_data.c) */
    const char *if_range;
    const char *origin;
    const char *acr_method;     /* Access-Control-Request-Method (CORS preflight) */
    const char *acr_headers;    /* Access-Control-Request-Headers */
    const char *host;           /* Host (absolute links of the OGC API) */
    const char *forwarded_proto;   /* X-Forwarded-Proto set by a reverse proxy ("https") */
    const char *content_type;   /* Content-Type of a request body */
    const char *cookie;         /* Cookie (the CSRF cookie of the online procedures) */
    const char *csrf_token;     /* X-CSRF-Token */
    const unsigned char *peer;  /* the client's address, 16 bytes (IPv4 mapped), or NULL:
                                 * per-address rate limits */
    const char *body;           /* the request body of a POST route (api_route_body_limit),
                                 * NULL for none; not NUL-terminated: body_len bytes */
    size_t body_len;
    struct http_defer *defer;   /* non-NULL: the handler may answer later (res->resume,
                                 * api_response.h); NULL: it must answer now */
};

/* The header fields of a complete request head that the router and handlers read (the
 * members above peer; the others NULL or 0), borrowed from the head. */
struct http_head;
struct api_headers api_headers_of(const struct http_head *hd);

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
    const struct api_headers *headers;          /* borrowed, never NULL after the router */
    time_t now;                                 /* request time, truncated to the minute: the
                                                 * instant of every "open now" answer */
    enum api_format format;                     /* API_FORMATS routes: the representation */
};

/* Zeroes req. */
void api_request_init(struct api_request *req, const struct api_config *cfg);

/* Releases what the request owns. NULL-safe. */
void api_request_free(struct api_request *req);

/* Percent-decodes s[0..n) into out (at least n+1 bytes), '+' as space when plus_space.
 * Returns the decoded length, or -1 on a malformed escape. The result may contain NUL bytes:
 * the caller must check. */
long api_pct_decode(const char *s, size_t n, int plus_space, char *out);

struct gdir_buf;

/* Appends the server's public base URL, without a trailing path: public_url; without one,
 * "http://<Host>" when Host is a loopback address ("127.0.0.1:8080", "localhost", "[::1]"),
 * else nothing (callers then write relative links: an unchecked Host never reaches a body,
 * issue 10 D8). Returns 0 or the buffer's error. */
int api_public_base(const struct api_request *req, struct gdir_buf *out);

/* Appends s percent-encoded to b: RFC 3986 unreserved characters kept, and '/' when
 * keep_slash. Returns 0 or the buffer's error. */
int api_pct_encode(struct gdir_buf *b, const char *s, int keep_slash);

/* The value of a query parameter, or NULL when absent. Borrowed. */
const char *api_param(const struct api_request *req, const char *name);

/* The values of every occurrence of a query parameter, in order (API_ADDOK routes keep
 * repeats): up to max of them in vals; returns how many there are (may exceed max). */
size_t api_param_values(const struct api_request *req, const char *name, const char **vals,
                        size_t max);

/* The value of cookie name in a Cookie header, copied into out (cap bytes): 1, or 0 when the
 * header has no such cookie or its value does not fit. */
int api_cookie(const char *header, const char *name, char *out, size_t cap);

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

/* 1 when s is a well-formed INSEE commune code. */
int api_insee_valid(const char *s);

/* category=a,b,...: at most max codes of the taxonomy, either level; *n = 0 when absent.
 * Empty items, unknown codes and too many items answer 400. */
int api_param_categories(const struct api_request *req, const struct gdir_category **out,
                         size_t max, size_t *n, struct gdir_err *err);

/* commune=a,b,...: at most max well-formed INSEE codes copied into out; *n = 0 when absent. */
int api_param_communes(const struct api_request *req, char (*out)[8], size_t max, size_t *n,
                       struct gdir_err *err);

/* bbox=minlon,minlat,maxlon,maxlat (WGS84, min <= max); *has = 0 when absent. */
int api_param_bbox(const struct api_request *req, int *has, struct gdir_bbox *box,
                   struct gdir_err *err);

/* k: the number of nearest places, 1..cfg->max_limit; 0 when absent. */
int api_param_k(const struct api_request *req, long *k, struct gdir_err *err);

/* q: non-empty, at most cfg->max_q_len bytes; *q = NULL when absent. */
int api_param_q(const struct api_request *req, const char **q, struct gdir_err *err);

/* A boolean (true/false, 1/0, yes/no); *has = 0 when absent. */
int api_param_bool(const struct api_request *req, const char *name, int *has, int *value,
                   struct gdir_err *err);

/* An instant: "YYYY-MM-DDTHH:MM[:SS]" in Europe/Paris local time, or followed by Z or
 * +HH:MM / -HH:MM. A space where the offset's '+' was (an unencoded '+' in a query string)
 * is read as '+'. *has = 0 when absent. */
int api_param_time(const struct api_request *req, const char *name, int *has, time_t *t,
                   struct gdir_err *err);

/* One of choices (NULL-terminated): *index, or -1 when absent. */
int api_param_enum(const struct api_request *req, const char *name, const char *const *choices,
                   int *index, struct gdir_err *err);

/* A comma-separated list of choices (NULL-terminated, at most 64): bit i of *mask set for
 * choices[i]; *has = 0 when absent. Empty items and unknown names answer 400. */
int api_param_enum_list(const struct api_request *req, const char *name,
                        const char *const *choices, int *has, unsigned long long *mask,
                        struct gdir_err *err);

#endif
