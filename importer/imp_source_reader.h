/*
 * imp_source_reader.h — the interface between imp_source.c (the front: computed fields,
 * coordinates to WGS84, swapped x/y) and the readers of each file format. Internal to the
 * importer: nothing outside importer/imp_source*.c includes it.
 *
 * A reader opens one file (or folder) for a profile and resolves the source fields the
 * profile reads; then each call to next() fills one struct imp_feature: `values` holds one
 * borrowed string per requested field, in the order of the `fields` array given to open()
 * (NULL when unset), plus the location (line or feature number) and any problem of the
 * record itself. Only the OGR reader produces native geometries (profile geometry "native");
 * the front turns coordinate fields into points for every reader.
 */
#ifndef IMP_SOURCE_READER_H
#define IMP_SOURCE_READER_H

#include <stddef.h>

#include "gdir_buf.h"
#include "gdir_err.h"
#include "imp_profile.h"
#include "imp_source.h"

struct imp_reader_ops {
    const char *name;
    /* Opens path for p (both borrowed, they outlive the reader). fields[0..n) are the names
     * of the source fields to deliver (borrowed). An unknown field is GDIR_ECONFIG with the
     * message "<file>: mapping <profile>: unknown field 'X' (fields: a, b, ...)". */
    int (*open)(void **out, const char *path, const struct imp_profile *p,
                const char *const *fields, size_t n_fields, struct gdir_err *err);
    /* 1: f filled; 0: end of the file; negative: the file cannot be read further. */
    int (*next)(void *r, struct imp_feature *f, struct gdir_err *err);
    void (*close)(void *r);
};

extern const struct imp_reader_ops imp_reader_ogr;         /* imp_source_ogr.c */
extern const struct imp_reader_ops imp_reader_finess_csv;  /* imp_source_finess.c */
extern const struct imp_reader_ops imp_reader_finess_json; /* imp_source_finess.c */
extern const struct imp_reader_ops imp_reader_spxml;       /* imp_source_spxml.c */
extern const struct imp_reader_ops imp_reader_spjson;      /* imp_source_spjson.c */

/* One record's field values as a reader collects them: the strings, NUL-terminated, one after
 * the other in an arena capped at its reader's size; per field its offset there (SIZE_MAX:
 * unset); and the pointers struct imp_feature borrows (values). */
struct imp_record_values {
    struct gdir_buf arena;
    size_t *offsets;
    const char **values;
};

/* Makes rv (zeroed, or as imp_record_values_free left it) ready for n fields, the arena
 * capped at cap bytes. Returns 0 or GDIR_ENOMEM; imp_record_values_free frees it either way. */
int imp_record_values_init(struct imp_record_values *rv, size_t n, size_t cap);

void imp_record_values_free(struct imp_record_values *rv);

/* Points rv->values[0..n) at the record's fields in the arena (NULL for an unset one); when the
 * arena reached its cap, the record is a line problem instead ("record too large", field
 * where). Returns 1, what a reader's next returns for a record read. */
int imp_record_values_finish(struct imp_record_values *rv, size_t n, struct imp_feature *f,
                             const char *where);

/* For a reader with a fixed list of fields names[0..n_names): col[k] is the index in names of
 * fields[k], for k < n_fields. An unknown one is imp_reader_unknown_field's error. */
int imp_reader_map_fields(const char *path, const struct imp_profile *p,
                          const char *const *fields, size_t n_fields, const char *const *names,
                          size_t n_names, int *col, struct gdir_err *err);

/* The "unknown field" error, listing the names a reader offers (at most ~400 bytes). */
int imp_reader_unknown_field(const char *path, const struct imp_profile *p, const char *field,
                             const char *const *names, size_t n_names, struct gdir_err *err);

/* A coordinate transformation from one SRS to EPSG:4326 lon/lat (imp_source_ogr.c, OGR). */
struct imp_xform;

/* srs is anything OSRSetFromUserInput accepts ("EPSG:2154"). *out is NULL when srs is already
 * EPSG:4326 lon/lat. Returns 0, or GDIR_ECONFIG with msg filled (unknown SRS, no PROJ path). */
int imp_xform_new(struct imp_xform **out, const char *srs, char *msg, size_t msg_size);

/* Transforms one point in place. Returns 0, or -1 when PROJ cannot convert it. */
int imp_xform_apply(struct imp_xform *x, double *px, double *py);

void imp_xform_free(struct imp_xform *x);

/* Key and value of one tag in an OSM driver `other_tags` value ("k"=>"v","k2"=>"v2", with \"
 * and \\ escapes): appends the unescaped value of key to out and returns 1, or returns 0 when
 * the key is absent (imp_source_osm.c). A malformed string ends the search (0). */
struct gdir_buf;
int imp_osm_tag(const char *other_tags, const char *key, struct gdir_buf *out);

#endif
