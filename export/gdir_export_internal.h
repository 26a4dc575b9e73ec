/*
 * gdir_export_internal.h — what gdir_export.c and gdir_export_ogr.c share and nobody else
 * sees: the binary writer, the export's columns and the metadata's JSON members. Private to
 * export/ (the gdir_export target does not publish this folder's internals to its users:
 * include gdir_export.h from outside).
 */
#ifndef GDIR_EXPORT_INTERNAL_H
#define GDIR_EXPORT_INTERNAL_H

#include "gdir_export.h"

struct gdir_json;

/* The binary writer (gdir_export_ogr.c): writes format f (gpkg, xlsx, shp, fgb) to path from
 * src (rewound first) with metadata m; *records receives the features written. Returns 0 or a
 * negative code with err filled. */
int gdir_export_ogr_write(enum gdir_export_format f, const char *path,
                          struct gdir_export_src *src, const struct gdir_export_meta *m,
                          long long *records, struct gdir_err *err);

/* The export's columns (the csv columns, in order): how many, their names, a row's text for
 * one of them (NULL for the coordinates), and which are the coordinates. */
int gdir_export_field_count(void);
const char *gdir_export_field_name(int f);
const char *gdir_export_field_text(const struct gdir_export_row *r, int f);
int gdir_export_field_is_coord(int f);

/* The metadata's members (title, description, publisher, licence, attribution, note,
 * generated, then with counts records = counts[0] and excluded = counts[1], then sources)
 * written into the object j has open (GeoJSON, GeoPackage). */
void gdir_export_meta_members(struct gdir_json *j, const struct gdir_export_meta *m,
                              const long long counts[2]);

#endif
