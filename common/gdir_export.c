/*
 * gdir_export.c — the export library's tables (formats, licence scopes), the row source with
 * the licence split, the metadata, the streamed text writers (GeoJSON, CSV, French CSV,
 * scdl/equipements CSV, KML) and the file writer's text path and digest.
 * The GDAL formats are in gdir_export_ogr.c. See gdir_export.h for the contracts.
 */
#include "gdir_export.h"

#include <stdio.h>
#include <string.h>

static const struct gdir_export_format_info formats[] = {
#define GDIR_EXPORT_X(e, name, suffix, media, dataset, streamed) \
    {name, suffix, media, dataset, streamed},
    GDIR_EXPORT_FORMATS(GDIR_EXPORT_X)
#undef GDIR_EXPORT_X
};

static const struct {
    const char *id, *title, *url;
} licences[] = {
#define GDIR_EXPORT_X(e, id, title, url) {id, title, url},
    GDIR_EXPORT_LICENCES(GDIR_EXPORT_X)
#undef GDIR_EXPORT_X
};

const struct gdir_export_format_info *gdir_export_format_get(enum gdir_export_format f)
{
    return &formats[f];
}

int gdir_export_format_find(const char *name, enum gdir_export_format *f)
{
    for (int i = 0; name && i < GDIR_EXPORT__COUNT; i++)
        if (strcmp(formats[i].name, name) == 0) {
            *f = (enum gdir_export_format)i;
            return GDIR_OK;
        }
    return GDIR_EINVAL;
}

const char *gdir_export_licence_id(enum gdir_export_licence l)
{
    return licences[l].id;
}

const char *gdir_export_licence_title(enum gdir_export_licence l)
{
    return licences[l].title;
}

const char *gdir_export_licence_url(enum gdir_export_licence l)
{
    return licences[l].url;
}

int gdir_export_licence_find(const char *id, enum gdir_export_licence *l)
{
    for (int i = 0; id && i < GDIR_EXPORT_LICENCE__COUNT; i++)
        if (strcmp(licences[i].id, id) == 0) {
            *l = (enum gdir_export_licence)i;
            return GDIR_OK;
        }
    return GDIR_EINVAL;
}

int gdir_export_file_name(enum gdir_export_format f, enum gdir_export_licence l, char *out,
                          size_t cap)
{
    int n = snprintf(out, cap, "%s-%s%s", formats[f].dataset, licences[l].id, formats[f].suffix);
    return n < 0 || (size_t)n >= cap ? GDIR_ETOOBIG : GDIR_OK;
}

/* --- not yet implemented (step 1: the contract); every call fails cleanly --- */

int gdir_export_src_open(struct gdir_export_src **out, sqlite3 *db,
                         enum gdir_export_licence scope, const int64_t *fids, size_t n_fids,
                         struct gdir_err *err)
{
    (void)db, (void)scope, (void)fids, (void)n_fids;
    *out = NULL;
    return gdir_err_set(err, GDIR_EINTERNAL, "exports: not implemented yet");
}

int gdir_export_src_next(struct gdir_export_src *s, const struct gdir_export_row **row,
                         struct gdir_err *err)
{
    (void)s, (void)row;
    return gdir_err_set(err, GDIR_EINTERNAL, "exports: not implemented yet");
}

long long gdir_export_src_records(const struct gdir_export_src *s)
{
    (void)s;
    return 0;
}

long long gdir_export_src_excluded(const struct gdir_export_src *s)
{
    (void)s;
    return 0;
}

void gdir_export_src_rewind(struct gdir_export_src *s)
{
    (void)s;
}

void gdir_export_src_free(struct gdir_export_src *s)
{
    (void)s;
}

int gdir_export_meta_load(struct gdir_export_meta *m, sqlite3 *db,
                          enum gdir_export_licence scope, struct gdir_err *err)
{
    (void)db;
    memset(m, 0, sizeof *m);
    m->licence = scope;
    return gdir_err_set(err, GDIR_EINTERNAL, "exports: not implemented yet");
}

void gdir_export_meta_free(struct gdir_export_meta *m)
{
    (void)m;
}

int gdir_export_licence_text(const struct gdir_export_meta *m, struct gdir_buf *out)
{
    (void)m, (void)out;
    return GDIR_EINTERNAL;
}

int gdir_export_count(sqlite3 *db, enum gdir_export_licence scope, const int64_t *fids,
                      size_t n_fids, long long *records, long long *excluded,
                      struct gdir_err *err)
{
    (void)db, (void)scope, (void)fids, (void)n_fids;
    *records = *excluded = 0;
    return gdir_err_set(err, GDIR_EINTERNAL, "exports: not implemented yet");
}

int gdir_export_text_begin(struct gdir_export_text *w, enum gdir_export_format f,
                           const struct gdir_export_meta *m, struct gdir_buf *out)
{
    (void)out;
    memset(w, 0, sizeof *w);
    w->format = f;
    w->meta = m;
    return GDIR_EINTERNAL;
}

int gdir_export_text_row(struct gdir_export_text *w, const struct gdir_export_row *r,
                         struct gdir_buf *out)
{
    (void)w, (void)r, (void)out;
    return GDIR_EINTERNAL;
}

int gdir_export_text_end(struct gdir_export_text *w, long long excluded, struct gdir_buf *out)
{
    (void)w, (void)excluded, (void)out;
    return GDIR_EINTERNAL;
}

int gdir_export_write_file(enum gdir_export_format f, const char *path,
                           struct gdir_export_src *src, const struct gdir_export_meta *m,
                           struct gdir_export_result *res, struct gdir_err *err)
{
    (void)f, (void)path, (void)src, (void)m;
    memset(res, 0, sizeof *res);
    return gdir_err_set(err, GDIR_EINTERNAL, "exports: not implemented yet");
}

int gdir_export_file_digest(const char *path, char sha256[65], long long *size,
                            struct gdir_err *err)
{
    (void)path;
    sha256[0] = '\0';
    *size = 0;
    return gdir_err_set(err, GDIR_EINTERNAL, "exports: not implemented yet");
}
