/*
 * gdir_json.h — a streaming, locale-free JSON writer on top of gdir_buf.
 *
 * Used for every response that can be large (feature collections): values are appended as
 * they are produced, with no intermediate tree. Strings are escaped per RFC 8259; invalid
 * UTF-8 is replaced by U+FFFD so the output is always valid JSON; U+2028/U+2029 are escaped
 * so the text is also safe inside a <script>. Numbers use a fixed number of decimals with
 * trailing zeros trimmed, and never depend on the locale. Commas are inserted automatically.
 *
 * Errors are sticky: after the first failure (buffer cap, memory, nesting), every call is a
 * no-op and gdir_json_error() returns the code.
 */
#ifndef GDIR_JSON_H
#define GDIR_JSON_H

#include <stddef.h>

#include "gdir_buf.h"

#define GDIR_JSON_MAX_DEPTH 32

struct gdir_json {
    struct gdir_buf *out;                       /* borrowed; receives the text */
    int depth;                                  /* current nesting */
    unsigned char first[GDIR_JSON_MAX_DEPTH];   /* 1 while no value was written at a level */
    int after_key;                              /* a key was written, its value is next */
    int err;                                    /* sticky error code */
};

void gdir_json_init(struct gdir_json *j, struct gdir_buf *out);

/* Initialises a writer that continues an object already in out: out holds "{…members" (its
 * closing brace removed by the caller), so the next key is preceded by a comma when
 * has_members is non-zero. Close it with gdir_buf_addc(out, '}'), not gdir_json_obj_end. */
void gdir_json_init_members(struct gdir_json *j, struct gdir_buf *out, int has_members);

int gdir_json_obj_begin(struct gdir_json *j);
int gdir_json_obj_end(struct gdir_json *j);
int gdir_json_arr_begin(struct gdir_json *j);
int gdir_json_arr_end(struct gdir_json *j);

/* Writes an object key; the next call writes its value. */
int gdir_json_key(struct gdir_json *j, const char *key);

/* Values. gdir_json_str writes null for a NULL string. */
int gdir_json_str(struct gdir_json *j, const char *s);
int gdir_json_strn(struct gdir_json *j, const char *s, size_t n);
int gdir_json_int(struct gdir_json *j, long long v);
/* A finite number with at most `decimals` decimals (0..15); NaN/Inf are written as null. */
int gdir_json_num(struct gdir_json *j, double v, int decimals);
int gdir_json_bool(struct gdir_json *j, int v);
int gdir_json_null(struct gdir_json *j);
/* Appends already-serialised JSON text as one value (trusted input only). */
int gdir_json_raw(struct gdir_json *j, const char *json);

/* key + value shortcuts */
int gdir_json_kstr(struct gdir_json *j, const char *key, const char *s);
int gdir_json_kint(struct gdir_json *j, const char *key, long long v);
int gdir_json_knum(struct gdir_json *j, const char *key, double v, int decimals);
int gdir_json_kbool(struct gdir_json *j, const char *key, int v);
/* key: an array of the strings v[0..n). */
int gdir_json_kstrs(struct gdir_json *j, const char *key, char *const *v, size_t n);
/* key: s, or null when s is NULL or empty. */
int gdir_json_kstr_nonempty(struct gdir_json *j, const char *key, const char *s);
/* A GeoJSON Point geometry {"type":"Point","coordinates":[lon,lat]}, `decimals` decimals. */
int gdir_json_point(struct gdir_json *j, double lon, double lat, int decimals);

/* Appends s as the body of a JSON string (no quotes) to b. Exposed for the CSV/HTML-free
 * places that need escaping only. */
int gdir_json_escape(struct gdir_buf *b, const char *s, size_t n);

/* Returns 0 or the first error code. */
int gdir_json_error(const struct gdir_json *j);

#endif
