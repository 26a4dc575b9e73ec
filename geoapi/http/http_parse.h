/*
 * http_parse.h — the HTTP/1.1 request head and chunked body parsers of geoapi's connection
 * layer (RFC 9112), strict and allocation-free: they read a buffer the caller owns and point
 * into it. They know nothing of sockets (http_server.c feeds them) and are fuzzed
 * (tests/fuzz/fuzz_http_head.c).
 *
 * Strict means: the request line is `token SP target SP HTTP/1.x CRLF`; the target has no
 * space, control byte or DEL (bytes >= 0x80 are left to the router, which names the parameter
 * whose UTF-8 is bad); every line ends
 * with CRLF (a bare CR or LF anywhere is an error); header names are tokens followed by ':'
 * without white space; values have no control byte but HTAB; no obs-fold; an HTTP/1.1
 * request has exactly one valid Host; Content-Length is digits and at most one value, never
 * with Transfer-Encoding; the only transfer coding is "chunked". Up to 8 empty lines before a
 * request line are skipped (RFC 9112 section 2.2).
 */
#ifndef HTTP_PARSE_H
#define HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "gdir_err.h"

#define HTTP_MAX_TARGET 8192   /* longer request targets: 414 */
#define HTTP_MAX_METHOD 16     /* longer methods: 400 */
#define HTTP_MAX_HEADERS 100   /* more header fields: 431 */

struct http_field {
    const char *name;          /* name_len bytes, NUL-terminated once the head is complete */
    const char *value;         /* trimmed of white space; value_len bytes, NUL-terminated */
    size_t name_len;
    size_t value_len;
};

struct http_head {
    const char *method;        /* method_len bytes, NUL-terminated once the head is complete */
    const char *target;        /* target_len bytes, likewise */
    size_t method_len;
    size_t target_len;
    int minor;                 /* 0 for HTTP/1.0, 1 for HTTP/1.1 */
    struct http_field fields[HTTP_MAX_HEADERS];
    size_t n_fields;
    long long content_length;  /* -1: none */
    int chunked;               /* Transfer-Encoding: chunked */
    int keep_alive;            /* the connection may serve another request after this one */
    int expect_continue;       /* Expect: 100-continue */
};

/* Parses the request head at the start of buf (len bytes). max is the largest head accepted
 * (max_request_size). Returns the head's length in bytes (> 0, the body or the next request
 * follows; the method, target, names and values are then NUL-terminated in buf, over the
 * separators that followed them), 0 when buf holds a correct but incomplete head (read more), or a negative code
 * with err filled: GDIR_EBADREQ (400), GDIR_EURILONG (414), GDIR_EHEADERS (431, also when the
 * head is incomplete and already max bytes long), GDIR_ENOTIMPL (501: a transfer coding other
 * than chunked), GDIR_EVERSION (505). An incomplete head is checked as far as it goes, so a
 * slow client sending garbage is refused at once. */
long http_parse_head(char *buf, size_t len, size_t max, struct http_head *h,
                     struct gdir_err *err);

/* The first value of the header field name (case-insensitive) of a complete head, or NULL
 * when absent. */
const char *http_field(const struct http_head *h, const char *name);

/* The decoder of a chunked body (RFC 9112 section 7.1): chunk extensions and trailer fields
 * are read and dropped, both bounded. Zero the struct to start. */
struct http_chunked {
    int state;
    uint64_t left;             /* bytes left in the current chunk, or digits read */
    size_t line;               /* bytes of the current extension or trailer line */
    int digits;
    int done;                  /* the last chunk and the trailer section were read */
};

/* Decodes in[0..n): calls sink(cls, data, len) for each run of body bytes (a sink error is
 * returned as it is). Returns how many bytes of in were used (< n only once done: what follows
 * is the next request), or GDIR_EBADREQ with err filled for bad framing. */
long http_chunked_feed(struct http_chunked *c, const char *in, size_t n,
                       int (*sink)(void *cls, const char *data, size_t len, struct gdir_err *err),
                       void *cls, struct gdir_err *err);

#endif
