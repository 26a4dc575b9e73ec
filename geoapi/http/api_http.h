/*
 * api_http.h — the HTTP header logic of geodir-api that needs no socket: content negotiation
 * (Accept -> GeoJSON or JSON), Accept-Encoding (gzip or not), entity tags (building one from
 * what determines an answer, matching If-None-Match), byte ranges (Range, If-Range) and gzip
 * compression with zlib.
 * Pure functions, thread-safe; the server adapter (api_server.c) and the router call them.
 */
#ifndef API_HTTP_H
#define API_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "api_request.h"

/* geoapi's one Accept parser (RFC 9110 §12.5.1). Each item of the header is a media range
 * (type/subtype, type/ *, * / *, compared without case) with an optional weight q; parameters
 * other than q are ignored, and so is what follows q (accept-ext). A weight that is not an RFC
 * 9110 qvalue ("0" or "1", optionally a dot and up to three digits, at most 1: "0.5", "1.000";
 * not ".5", "0.5000", "1.5", "abc") counts as q = 0, so a malformed range never makes a type
 * acceptable.
 *
 * api_accept_q: the q that accept gives media type `type` ("text/html"): that of the most
 * specific range matching it (type/subtype, then type/ *, then * / *; among equally specific
 * ranges the highest q), -1 when no range matches it. */
double api_accept_q(const char *accept, const char *type);

/* Picks among the n media types the one accept gives the highest q; a tie goes to the earlier
 * one (types are in the server's order of preference). q = 0 excludes a type. *out receives its
 * index. NULL or empty accept: 0 and *out = 0. Returns 0, or GDIR_ENOTACCEPT when no type has
 * q > 0 (*out = 0 then). */
int api_accept_pick(const char *accept, const char *const *types, size_t n, size_t *out);

/* The representation of an API_FORMATS route for an Accept header: api_accept_pick among
 * application/geo+json (API_FMT_GEOJSON, preferred on a tie and the default) and
 * application/json (API_FMT_JSON). Returns 0 or GDIR_ENOTACCEPT. */
int api_accept_format(const char *accept, enum api_format *out);

/* 1 when an Accept-Encoding header allows gzip (gzip, x-gzip or * with q > 0). */
int api_accept_gzip(const char *accept_encoding);

/* Writes the strong entity tag of hash h, quoted ("\"0123456789abcdef\""), into out (>= 19
 * bytes); h is an FNV-1a 64 (gdir_fnv64 / gdir_fnv64_field, gdir_hash.h) of what determines
 * the answer. The gzip form of the same answer has "-gz" before the closing quote. */
void api_etag_format(uint64_t h, char *out, size_t cap);

/* 1 when an If-None-Match header matches etag: "*", or one of its tags equals etag under the
 * weak comparison (W/ ignored), a "-gz" suffix being ignored on both sides. */
int api_etag_matches(const char *if_none_match, const char *etag);

/* What a Range header asks of a representation of `size` bytes (RFC 9110 §14.2). */
enum api_range {
    API_RANGE_NONE = 0,       /* no range to honour: answer 200 with the whole representation */
    API_RANGE_ONE = 1,        /* one satisfiable range: 206, bytes *first..*last (inclusive) */
    API_RANGE_UNSATISFIABLE = 2   /* one range, none of it inside: 416, bytes * / size */
};

/* geoapi's one Range parser, for the unit "bytes" (RFC 9110 §14.1.2): "bytes=a-b", "bytes=a-"
 * and "bytes=-n", the unit compared without case, optional whitespace at both ends and around
 * the commas of the list, empty list elements ignored. A last position beyond the end is cut
 * to size - 1 and a suffix longer than the representation means all of it; a first position
 * at or beyond size, or a suffix of 0, is unsatisfiable. Numbers of any length are read
 * saturating (no overflow). API_RANGE_NONE for NULL, a malformed value (a - b with b < a, no
 * digits, spaces inside a range, junk), another unit, several ranges (the whole
 * representation answers them: allowed by §14.2) and a size of 0. */
enum api_range api_range_parse(const char *range, uint64_t size, uint64_t *first,
                               uint64_t *last);

/* 1 when an If-Range header lets a range be served (RFC 9110 §13.1.5): absent (NULL), or equal
 * to the strong entity tag etag (a weak tag W/"..." never matches), or, for a value that is not
 * an entity tag, exactly the HTTP-date last_modified (the Last-Modified the answer carries;
 * NULL: no date matches). 0 otherwise: the whole representation is sent. */
int api_if_range_ok(const char *if_range, const char *etag, const char *last_modified);

/* Compresses in[0..n) as a gzip member at level 1..9. On success *out (malloc'd, owned by the
 * caller) and *out_len are set and 0 is returned; GDIR_ENOMEM or GDIR_EINTERNAL otherwise. */
int api_gzip(const char *in, size_t n, int level, char **out, size_t *out_len);

#endif
