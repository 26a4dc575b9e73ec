/*
 * api_multipart.h — reading a multipart/form-data request body (RFC 7578) held in memory: the
 * upload of /api/search/csv/ (a `data` file field and small text fields).
 *
 * The parser borrows the body and hands out parts whose names and contents point into it (or,
 * for names, into the part struct): nothing is copied, nothing allocated. Limits: boundary of
 * 1..70 bytes, at most API_MP_MAX_HEADERS bytes of headers per part, names and file names of at
 * most API_MP_NAME_MAX bytes. Delimiter lines end in CRLF (as every browser, curl and Python
 * send them); a bare LF is accepted too.
 */
#ifndef API_MULTIPART_H
#define API_MULTIPART_H

#include <stddef.h>

#include "gdir_err.h"

#define API_MP_BOUNDARY_MAX 70
#define API_MP_MAX_HEADERS 8192
#define API_MP_NAME_MAX 128

struct api_multipart {
    const char *body;                        /* borrowed */
    size_t len;
    size_t pos;                              /* where the next part starts */
    char delim[API_MP_BOUNDARY_MAX + 5];     /* "\r\n--" + boundary */
    size_t delim_len;
    int done;                                /* the closing delimiter was read */
};

struct api_mp_part {
    char name[API_MP_NAME_MAX + 1];          /* form field name (Content-Disposition name=) */
    char filename[API_MP_NAME_MAX + 1];      /* "" when the part is not a file */
    int is_file;                             /* a filename= parameter was present */
    const char *data;                        /* contents, borrowed from the body */
    size_t len;
};

/* Reads the boundary from a Content-Type header value ("multipart/form-data; boundary=x",
 * case-insensitive, the boundary possibly quoted) and prepares to read body. Returns 0, or
 * GDIR_EFORMAT with err when the type is not multipart/form-data or the boundary is missing
 * or malformed. */
int api_multipart_init(struct api_multipart *mp, const char *content_type, const char *body,
                       size_t len, struct gdir_err *err);

/* The next part into *part: returns 1, 0 at the end of the body, or GDIR_EFORMAT with err
 * (no opening delimiter, a part without Content-Disposition form-data name, headers too long,
 * no closing delimiter). */
int api_multipart_next(struct api_multipart *mp, struct api_mp_part *part, struct gdir_err *err);

#endif
