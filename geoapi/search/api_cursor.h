/*
 * api_cursor.h — keyset paging cursors of GET /api/places: an opaque token (base64url, no
 * padding) holding the order it belongs to, a direction (the page starts after the key, or
 * ends before it) and the sort key of a place: distance, or tier and score, or folded name,
 * and the public id. Numbers are written with 17 significant digits, so they read back to the
 * same double and the next page starts exactly after the last place shown.
 */
#ifndef API_CURSOR_H
#define API_CURSOR_H

#include <stddef.h>

#include "api_search.h"
#include "gdir_err.h"

#define API_CURSOR_MAX 1024    /* bytes of a token; longer ones answer 400 */

/* Writes the token for (sort, dir, key) into out (cap bytes, NUL-terminated). Returns 0, or
 * GDIR_ETOOBIG when it does not fit (a very long name: the caller then gives no link). */
int api_cursor_encode(enum api_sort sort, enum api_cursor_dir dir, const struct api_sort_key *key,
                      char *out, size_t cap);

/* Reads token into *dir and *key for the order `sort`. The key's strings point into buf
 * (cap >= API_CURSOR_MAX bytes), which must outlive the key. Returns 0, or GDIR_EINVAL with err
 * naming "cursor" (not a token, damaged, or made for another order). */
int api_cursor_decode(const char *token, enum api_sort sort, char *buf, size_t cap,
                      enum api_cursor_dir *dir, struct api_sort_key *key, struct gdir_err *err);

#endif
