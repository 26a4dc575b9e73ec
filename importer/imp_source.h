/*
 * imp_source.h — reading one source file as a stream of features.
 *
 * A source is opened with its profile. The profile's reader (imp_profile.reader) opens the
 * file: GDAL/OGR for the formats GDAL reads (imp_source_ogr.c, the only file with GDAL's
 * vector API), our own readers for the FINESS CSV stock and JSON flux (imp_source_finess.c)
 * and the service-public.fr XML folder (imp_source_spxml.c). Every source field the profile
 * names is looked up when the source is opened (exact, case-sensitive names). Then
 * imp_source_next() hands out one feature at a time: the profile's slots as strings (source
 * fields, then the computed "@" fields of the profile, evaluated here), the point already in
 * EPSG:4326 (lon/lat order) whatever the source SRS, and the location of the record (CSV:
 * physical line; other formats: feature number) and whether the record is well formed.
 *
 * Memory is flat: every feature is freed before the next is read (the FINESS readers keep an
 * index of the file's geolocations, or the JSON tree, whose size is capped); the values and
 * the WKB of a feature live in buffers owned by the source and reused.
 */
#ifndef IMP_SOURCE_H
#define IMP_SOURCE_H

#include <stddef.h>

#include "gdir_err.h"
#include "imp_profile.h"
#include "imp_reject.h"

struct imp_source;

/* One feature. Everything is borrowed from the source until the next imp_source_next call. */
struct imp_feature {
    long line;                 /* CSV: physical line of the record (header = 1), 0 if unknown;
                                  other formats: feature number, 1-based */
    int by_feature;            /* 1 when line is a feature number ("feature N") */
    const char *const *values; /* one per profile slot; NULL when unset or null */
    int has_line_problem;      /* the record itself is unusable (malformed CSV line, GDAL
                                  error): values must not be trusted */
    struct imp_reject line_problem;
    int has_geom;              /* a geometry was read and converted */
    int has_geom_problem;      /* no usable geometry: missing, unparsable, wrong type */
                               /* both 0: the profile has no geometry (places located from
                                  their address by the geocoder) */
    struct imp_reject geom_problem;
    double lon, lat;           /* points, EPSG:4326 */
    double bbox[4];            /* areas: min lon, min lat, max lon, max lat */
    const unsigned char *wkb;  /* areas: 2D MultiPolygon as little-endian WKB, EPSG:4326 */
    size_t wkb_len;
    const char *const *raw_fields; /* the values a computed clean-up (proper_case, digits,
                                      phone) changed: the source field's name ... */
    const char *const *raw_values; /* ... and its value as the source wrote it */
    size_t n_raw;
};

/* Registers GDAL drivers and routes GDAL/CPL messages into gdir_log. Call once at start. */
void imp_ogr_init(void);

/* Releases GDAL's global state (at exit, keeps leak checkers quiet). */
void imp_ogr_cleanup(void);

/* Opens path for profile p (borrowed; must outlive the source). Errors are fatal for the
 * source and name the file: missing or unreadable file, no such layer, a field the profile
 * names that the file lacks ("<file>: mapping <profile>: unknown field 'X' (fields: ...)"),
 * a CSV header that does not match the separator, an unknown SRS, a file over the reader's
 * size cap, a file that is not in the reader's format.
 * Returns 0 or GDIR_EIO / GDIR_EFORMAT / GDIR_ECONFIG / GDIR_ENOMEM. */
int imp_source_open(struct imp_source **out, const char *path, const struct imp_profile *p,
                    struct gdir_err *err);

/* Reads the next feature into f. Returns 1 (f filled), 0 (end of the layer) or a negative
 * code with err filled (the file cannot be read further). */
int imp_source_next(struct imp_source *s, struct imp_feature *f, struct gdir_err *err);

/* Gives the source the official commune names that 'proper_case' computed fields prefer
 * (borrowed; NULL: title case only). */
struct imp_case_names;
void imp_source_set_names(struct imp_source *s, const struct imp_case_names *names);

/* Closes the dataset and frees the source. NULL-safe. */
void imp_source_close(struct imp_source *s);

#endif
