/*
 * api_addok.h — reading parameters the way addok (the engine of the national address API) and
 * its addok-csv plugin read them, for the BAN-compatible endpoints (h_geocode.c,
 * h_geocode_csv.c): the aliases of lat and lon, the multi-value `type` filter, the values of
 * the CSV options (delimiter, encoding), the text encodings of an upload and of its answer, and
 * the answer's file name. addok's own code (addok/http/base.py, addok_csv/__init__.py) is the
 * reference; docs/geocoding.md « addok compatibility » has the table of what each accepts.
 *
 * Every function validates: a value addok would not understand is a 400 naming its parameter.
 * Not here: which parameters a route lists and ignores (api_routes.c, API_ADDOK).
 */
#ifndef API_ADDOK_H
#define API_ADDOK_H

#include <stddef.h>

#include "api_request.h"
#include "gdir_buf.h"
#include "gdir_err.h"

/* The names of the latitude and longitude in addok's order of preference (parse_lon_lat):
 * "lat", "latitude"; "lon", "lng", "long", "longitude". NULL-terminated. */
extern const char *const API_ADDOK_LAT[];
extern const char *const API_ADDOK_LON[];

/* The value of the first of names present in req, *used receiving its name; NULL (and *used
 * NULL) when none is. */
const char *api_addok_alias(const struct api_request *req, const char *const *names,
                            const char **used);

/* Reads the n values of a type filter into *mask (bit t for enum gdir_geo_type t): each value
 * a list of type names separated by spaces (addok's FILTERS_MULTI_VALUE_SEPARATOR: "street
 * housenumber", written type=street+housenumber in a URL), the values of a repeated parameter
 * adding up (OR); a name given twice counts once. Returns 0, or GDIR_EINVAL naming param when
 * an item is not a type name or no item is given. */
int api_addok_types(const char *const *vals, size_t n, const char *param, unsigned *mask,
                    struct gdir_err *err);

/* The names of the types of mask, in the order of enum gdir_geo_type, into names (up to 4);
 * returns how many. */
size_t api_addok_type_names(unsigned mask, const char **names);

/* delimiter: one ASCII character, not a letter, digit, '"', CR, LF or NUL (Python's csv takes
 * one character). Returns 0 or GDIR_EINVAL naming "delimiter". */
int api_addok_delimiter(const char *v, char *sep, struct gdir_err *err);

/* The encodings of an upload and its answer (addok-csv's `encoding`, Python codec names). */
enum api_addok_encoding { API_ENC_UTF8, API_ENC_LATIN1, API_ENC_CP1252 };

/* encoding: utf-8 (utf8, utf-8-sig, utf_8…), iso-8859-1 (latin-1, latin1, l1, iso8859-1…) or
 * cp1252 (windows-1252), ASCII case-insensitive, '_' read as '-'. Returns 0 or GDIR_EINVAL
 * naming "encoding". */
int api_addok_encoding(const char *v, enum api_addok_encoding *enc, struct gdir_err *err);

/* Appends s[0..n) in encoding enc (not UTF-8) to out as UTF-8. Returns 0, GDIR_EINVAL naming
 * param for a byte the encoding does not define (cp1252: 0x81 0x8D 0x8F 0x90 0x9D), or the
 * buffer's error. */
int api_addok_decode(enum api_addok_encoding enc, const char *s, size_t n, struct gdir_buf *out,
                     const char *param, struct gdir_err *err);

/* Appends the valid UTF-8 text s[0..n) to out in encoding enc (not UTF-8). Returns 0,
 * GDIR_EINVAL naming "encoding" for a character the encoding cannot write (ISO-8859-1: above
 * U+00FF, so « œ »), or the buffer's error. */
int api_addok_encode(enum api_addok_encoding enc, const char *s, size_t n, struct gdir_buf *out,
                     struct gdir_err *err);

/* Appends the Content-Disposition of a geocoded file to out, as addok-csv names it: the upload's
 * name without its extension, then ".geocoded.csv" ("data" for an unnamed upload): attachment;
 * filename="<ASCII: other characters as '_'>" and, when the name is not plain ASCII,
 * filename*=UTF-8''<percent-encoded> (RFC 6266). The name is cut to 80 bytes. Returns 0 or the
 * buffer's error. */
int api_addok_disposition(const char *upload, struct gdir_buf *out);

#endif
