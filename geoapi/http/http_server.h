/*
 * http_server.h — geoapi's HTTP/1.1 connection layer: a listening socket, `threads` workers
 * each with its own epoll set of connections, strict request parsing (http_parse.h), limits
 * and deadlines, keep-alive and pipelining, request bodies of the routes that take one, and
 * responses from memory, an open file (sendfile) or a stream (chunked). It knows nothing of
 * routes, JSON or headers beyond framing: api_server.c gives it the callbacks below.
 *
 * Limits (struct http_limits, from api_config):
 *   - max_connections in all, max_per_ip from one address: a connection beyond is answered
 *     503 (the error callback) and closed;
 *   - head_timeout: a request head must be whole within it, counted from its first byte (from
 *     the accept for a connection's first request); bytes arriving do not reset it: 408;
 *   - timeout: an idle keep-alive connection is closed (silently) after it; a body or an answer
 *     that makes no progress for that long is cut;
 *   - body_timeout: a whole request body, from the end of its head: 408;
 *   - max_head: request line and headers (431); 100 header fields; an 8 KiB target (414).
 * Every framing error is answered through the error callback, then the connection is closed
 * gracefully (lingering close: the client reads the answer, not a reset).
 */
#ifndef HTTP_SERVER_H
#define HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "api_response.h"   /* struct api_stream */
#include "gdir_buf.h"
#include "gdir_err.h"
#include "http_parse.h"

/* A request whose answer is deferred (http_server.c). A handler may defer the answer of a
 * request with a body (req->defer non-NULL): it sets rep->resume and rep->resume_cls instead
 * of an answer, and arranges for http_defer_ready(req->defer) to be called exactly once, from
 * any thread, when the answer can be made. Meanwhile the connection is parked (its worker
 * serves the others; no deadline runs) and the request's head and body stay valid; then the
 * worker calls rep->resume(resume_cls, req, rep) on its own thread, which fills rep as handle
 * does (resume_cls is resume's). Stopping waits for every parked request to be resumed. */
struct http_defer;

struct http_limits {
    unsigned threads;
    unsigned max_connections;
    unsigned max_per_ip;
    unsigned head_timeout;      /* seconds */
    unsigned timeout;           /* seconds */
    unsigned body_timeout;      /* seconds */
    size_t max_head;
    size_t upload_budget;       /* bytes of all the request bodies being received at once */
};

/* A request as the handler sees it: a complete head (NUL-terminated fields) and its body. */
struct http_request {
    const struct http_head *head;
    const char *method;
    const char *target;
    const char *body;           /* NULL when the request has none; body_len bytes */
    size_t body_len;
    const unsigned char *peer;  /* the client's address (16 bytes, IPv4 mapped into IPv6) */
    struct http_defer *defer;   /* non-NULL: the answer may be deferred (see above) */
};

/* What the handler answers. Body: `body` (memory, owned, free()d), or fd >= 0 (an open file,
 * owned), or stream.read set (owned: release is called exactly once). The layer writes the
 * status line, Date, Content-Length or Transfer-Encoding and Connection; the handler writes
 * every other header as "Name: value\r\n" lines into headers. */
struct http_reply {
    int status;
    struct gdir_buf headers;
    char *body;
    size_t body_len;
    int fd;
    uint64_t fd_size;
    struct api_stream stream;
    int close;                  /* close the connection after this answer */
    /* set by handle: the answer is deferred, made by resume once http_defer_ready is called */
    void (*resume)(void *cls, const struct http_request *req, struct http_reply *rep);
    void *resume_cls;
    int tag;                    /* set by handle (-1 by default): given back to done */
};

struct http_callbacks {
    void *cls;
    /* The largest body of method + target when it is a route that takes a request body (the
     * body is then received, 413 beyond), else 0. */
    size_t (*takes_body)(void *cls, const char *method, const char *target);
    /* Answers a complete request. */
    void (*handle)(void *cls, const struct http_request *req, struct http_reply *rep);
    /* Answers err, a request refused by the layer (framing, limits, time); target is the
     * request target when known, else NULL. */
    void (*error)(void *cls, const char *target, const struct gdir_err *err,
                  struct http_reply *rep);
    /* One request done: method and target as received ("-" when the head never completed),
     * and the tag its handle set (-1: none, or the request never reached handle). */
    void (*done)(void *cls, const char *method, const char *target, int status, uint64_t bytes,
                 double ms, int aborted, int tag);
};

struct http_server;

/* Binds addr (IPv4 or IPv6 text) and port (0: any) and starts the workers. Returns 0 with *out
 * set, or GDIR_EIO / GDIR_ENOMEM with err filled. cb and lim are copied. */
int http_server_start(struct http_server **out, const char *addr, unsigned port,
                      const struct http_limits *lim, const struct http_callbacks *cb,
                      struct gdir_err *err);

unsigned http_server_port(const struct http_server *srv);

/* Stops accepting, lets requests in progress finish for up to drain_seconds, closes every
 * connection, joins the workers and frees everything. NULL-safe. */
void http_server_stop(struct http_server *srv, unsigned drain_seconds);

/* The deferred answer of d may be made now (any thread; once per deferral). */
void http_defer_ready(struct http_defer *d);

/* Connections open now (tests, logs). */
unsigned http_server_connections(const struct http_server *srv);

#endif
