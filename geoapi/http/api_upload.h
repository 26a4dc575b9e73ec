/*
 * api_upload.h — receiving a request body (the CSV upload of /api/search/csv/) into memory,
 * bounded twice: each body by the configured max_upload_size (413 beyond), and all bodies
 * being received at once by a server-wide budget (503 beyond), so that many simultaneous
 * uploads cannot exhaust memory. Knows nothing of HTTP libraries (api_server.c feeds it).
 */
#ifndef API_UPLOAD_H
#define API_UPLOAD_H

#include <stddef.h>

#include "gdir_buf.h"
#include "gdir_err.h"

struct api_upload {
    struct gdir_buf body;   /* the bytes received, owned */
    size_t max;             /* largest body accepted */
    size_t reserved;        /* bytes of the server-wide budget this upload holds */
    size_t announced;       /* the Content-Length, allocated at once; 0: chunked */
    int active;             /* begun and not yet ended */
};

/* Starts an upload of at most max bytes; announced is the Content-Length, or -1 when unknown
 * (chunked). An announced length is reserved in the budget at once, an unknown one as it
 * arrives. Returns 0, GDIR_ETOOBIG (announced > max) or GDIR_EUNAVAIL (budget exhausted), with
 * err filled. Thread-safe. */
int api_upload_begin(struct api_upload *u, long long announced, size_t max, size_t budget,
                     struct gdir_err *err);

/* Appends n received bytes. Returns 0, GDIR_ETOOBIG (beyond max), GDIR_EUNAVAIL (budget) or
 * GDIR_ENOMEM, with err filled; the body is then freed. Thread-safe. */
int api_upload_add(struct api_upload *u, const void *data, size_t n, size_t budget,
                   struct gdir_err *err);

/* Where the next bytes of a body whose length was announced may be received in place (the
 * whole length is allocated by api_upload_begin: no growth, no copy from a read buffer): the
 * address and *room (0 and NULL for a chunked body or when full). api_upload_received then
 * counts n bytes written there (n <= *room). */
char *api_upload_tail(struct api_upload *u, size_t *room);
void api_upload_received(struct api_upload *u, size_t n);

/* Frees the body and gives its reservation back. NULL-safe, idempotent. */
void api_upload_end(struct api_upload *u);

/* Bytes of the budget held by uploads in progress (tests, logs). */
size_t api_upload_in_use(void);

#endif
