/*
 * api_response.h — what a handler answers: status, a few headers, and a body that is either
 * a memory buffer (JSON) or an open file (static files). The server adapter turns it into an
 * reply of the connection layer (http_server.h) and adds the security headers of api_security_headers[] to every answer.
 *
 * api_error() is the one place that builds error bodies.
 */
#ifndef API_RESPONSE_H
#define API_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include "gdir_buf.h"
#include "gdir_err.h"

/* Content types, exactly as sent. */
#define API_CT_JSON "application/json; charset=utf-8"
#define API_CT_GEOJSON "application/geo+json"

/* Cache-Control values. */
#define API_CACHE_NONE "no-store"
#define API_CACHE_SHORT "public, max-age=60"

/* Retry-After of every 503 answer, seconds. */
#define API_RETRY_AFTER "5"

/* Vary values: API answers depend on Accept (f= negotiation) and Accept-Encoding (gzip). */
#define API_VARY_API "Accept, Accept-Encoding"
#define API_VARY_STATIC "Accept-Encoding"

/* Largest body a handler may build (the buffer fails beyond it; the handler answers 500). */
#define API_BODY_MAX (64u * 1024u * 1024u)

/* A body written piece by piece while it is sent (exports): no size limit, constant memory.
 * read fills buf with at most cap bytes and returns how many (> 0), 0 at the end of the body,
 * or a negative GDIR_E* code (the connection is then closed: the client sees a cut body). It
 * runs on the worker thread serving the connection, between other requests' work. release
 * frees cls; it is called exactly once, whether the body was sent whole, in part or not at
 * all (HEAD, 304, client gone). */
struct api_stream {
    long (*read)(void *cls, char *buf, size_t cap);
    void (*release)(void *cls);
    void *cls;
    uint64_t size;              /* the body's length when known (Content-Length), else 0:
                                 * sent chunked */
};

#define API_EXTRA_HEADERS 10
struct api_header {
    char name[32];
    char value[400];
};

struct api_response {
    int status;                 /* HTTP status, 200 unless set */
    struct gdir_buf body;       /* owned; the body when fd < 0 */
    const char *content_type;   /* static string, e.g. API_CT_JSON */
    const char *cache_control;  /* static string; NULL: the route's default */
    char allow[32];             /* Allow header of a 405, "" otherwise */
    int fd;                     /* >= 0: the body is this open file (owned) */
    uint64_t fd_size;           /* its size */
    char etag[80];              /* ETag, quoted, "" for none (the server adds "-gz" to it
                                 * when it compresses the body) */
    const char *vary;           /* static string for the Vary header, NULL for none */
    int cors;                   /* add Access-Control-Allow-Origin: * (paths under /api/) */
    int preflight;              /* a CORS preflight answer: add Access-Control-Allow-Methods,
                                 * -Headers and -Max-Age */
    int compressible;           /* the body may be sent gzip-compressed */
    const char *content_crs;    /* Content-Crs header value (static string, "<uri>"), or NULL
                                 * (OGC API - Features Part 2) */
    struct api_stream stream;   /* stream.read set: the body is produced piece by piece (owned:
                                 * api_response_free calls stream.release) */
    unsigned retry_after;       /* seconds of the Retry-After of a 429, 0 for none */
    struct api_header extra[API_EXTRA_HEADERS];   /* further headers (api_response_header) */
    size_t n_extra;
    /* A deferred answer (only when the request's headers->defer is set): the handler sets
     * resume and returns 0, and has http_defer_ready(headers->defer) called once when resume
     * may run; resume(resume_cls, res, err) then fills res on the worker's thread as a handler
     * does (0, or a negative code with err: answered by api_error), and frees resume_cls. */
    int (*resume)(void *cls, struct api_response *res, struct gdir_err *err);
    void *resume_cls;
};

/* Adds a header (Content-Disposition, Link, Set-Cookie, ...) to a successful (2xx) answer, or
 * to a 416 (its Content-Range): copied; api_error drops them. Returns 0, or GDIR_ETOOBIG when
 * there is no room (handler bug). */
int api_response_header(struct api_response *res, const char *name, const char *value);

/* Headers of CORS answers. */
#define API_CORS_METHODS "GET, HEAD, OPTIONS"
#define API_CORS_HEADERS "Accept, Accept-Language, Content-Language, If-None-Match, " \
                         "Cache-Control"
#define API_CORS_MAX_AGE "86400"
#define API_CORS_EXPOSE "ETag, Content-Crs"

/* The headers every response carries, as {name, value} pairs, ended by {NULL, NULL}. */
extern const char *const api_security_headers[][2];

/* Prepares an empty 200 response (no body, no file). */
void api_response_init(struct api_response *res);

/* Releases the body and closes the file, if any. NULL-safe, idempotent. */
void api_response_free(struct api_response *res);

/* Replaces whatever res holds by the JSON error body for err:
 *   {"code":"InvalidParameterValue","parameter":"lat","description":"lat: ..."}
 * with the status of gdir_err_http_status(err->code) and Cache-Control: no-store.
 * "parameter" is present when err->param is set. For 5xx codes the description is the
 * generic text of the code and the detail goes to the log only (it may hold paths or SQLite
 * messages). Never fails: if even that body cannot be built, a fixed text is used. */
void api_error(struct api_response *res, const struct gdir_err *err);

struct gdir_json;

/* Ends a handler's JSON body written through j (on res->body): sets content_type and returns
 * 0, or GDIR_EINTERNAL with err filled when the writer failed (too large, out of memory). */
int api_json_done(struct api_response *res, const struct gdir_json *j, const char *content_type,
                  struct gdir_err *err);

struct api_ctx;
struct api_db;

/* Writes the JSON body of an answer from the database through j (begun on res->body); cls is
 * the handler's. Returns 0 or a negative code, with err set unless the writer itself failed. */
typedef int api_db_json_fn(struct api_db *db, struct gdir_json *j, const void *cls,
                           struct gdir_err *err);

/* A JSON answer from the database: the thread's connection (api_dbpool_get), write on
 * res->body, then api_json_done with content_type. A failure of write with err unset is the
 * writer's (too large, out of memory): api_json_done reports it. */
int api_db_json(const struct api_ctx *ctx, struct api_response *res, api_db_json_fn *write,
                const void *cls, const char *content_type, struct gdir_err *err);

/* Copies s into out (cap bytes) fit for a quoted logfmt value: '"' and '\\' become '\'',
 * control bytes become '?', and the text is cut (with "...") to fit. Log lines only. */
void api_log_sanitize(char *out, size_t cap, const char *s);

#endif
