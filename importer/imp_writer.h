/*
 * imp_writer.h — builds a new geodir database next to the target and swaps it in atomically.
 *
 * imp_writer_open creates "<db>.tmp-<pid>" (imp_writer_remove_stale, called first under the
 * database's lock, removes the temporary files that dead importer processes left), creates
 * the schema and prepares every statement once.
 * Rows are written in batched transactions: communes, boundaries, addresses, place records
 * (one per source record, staged in a temporary table); imp_writer_index then writes the
 * places in the order of the Hilbert curve of their points (so that near places have near
 * fids and rows) and builds the spatial indexes (dropped during the bulk load), before merging
 * and overrides edit places. imp_writer_finish rebuilds the
 * full-text index,
 * writes the meta rows, runs ANALYZE and PRAGMA quick_check, switches the journal back
 * to DELETE, closes, fsyncs, renames the file over <db> and fsyncs the folder. Until that
 * rename the previous database is never touched; imp_writer_abort removes the temporary
 * file. The writer is the only code that writes SQL for the importer.
 */
#ifndef IMP_WRITER_H
#define IMP_WRITER_H

#include <sqlite3.h>

#include "gdir_db.h"
#include "gdir_err.h"
#include "gdir_hilbert.h"
#include "imp_record.h"

struct imp_writer {
    struct gdir_db db;
    char *path;          /* the target database (owned copy) */
    char *tmp_path;      /* "<path>.tmp-<pid>" (owned) */
    sqlite3_stmt *ins_place, *ins_address, *ins_commune, *ins_boundary, *locate;
    sqlite3_stmt *ins_source, *upd_source, *ins_meta, *ins_warning, *ins_raw;
    sqlite3_stmt *ins_place_ig, *ins_address_ig;   /* the same as INSERT OR IGNORE */
    long pending;        /* rows written since the last COMMIT */
    long boundaries;     /* boundary rows written */
    int in_tx;           /* a transaction is open */
    int attached;        /* the previous database is attached as "old" */
    char *deferred_sql;  /* CREATE INDEX statements run by imp_writer_index (owned) */
    int staged;          /* place records are in the staging table, not yet in places */
    struct gdir_hilbert_grid grid;   /* the curve places are written along */
};

/* Provenance of one source, as stored in the sources table. */
struct imp_source_meta {
    const char *name, *profile, *title, *publisher, *licence, *url, *file, *data_date;
};

/* What a place row carries besides the record itself. */
struct imp_place_ctx {
    const char *source;      /* source name: ids are "<source>:<source_id>" */
    const char *licence;
    const char *date;        /* used when the record has no date of its own */
};

/* How a place without a usable point of its own was placed (NULL: not geocoded). */
struct imp_geocoded {
    const char *precision;   /* "housenumber", "street" or "municipality" */
    double score;            /* 0..1 */
};

/* Something noticed about a record that did not stop it (import_warnings table). */
struct imp_warning {
    const char *source, *id, *kind; /* kind: "outside_commune", "point_replaced" */
    const char *insee;       /* may be NULL */
    int has_distance;
    double distance_m;
    int has_point;
    double lat, lon;
    const char *file, *line; /* where the record was read; may be NULL */
    const char *message;     /* French */
};

/* Return value of the put functions when the row's id is already taken (not an error). */
#define IMP_WRITE_DUPLICATE 1

/* Creates the parent folders of db_path if needed and the temporary database with its
 * schema. On failure nothing is left on disk. */
int imp_writer_open(struct imp_writer *w, const char *db_path, struct gdir_err *err);

/* Removes what dead importer processes left beside db_path: "<db>.tmp-<pid>" files, their
 * journals and their staged reports (imp_outfiles.h), when no process <pid> exists. Call it
 * with the database's lock held (imp_lock.h). */
void imp_writer_remove_stale(const char *db_path);

/* mkdir -p of the folder of path (the database's, before its lock file is created). */
int imp_writer_make_parent(const char *path, struct gdir_err *err);

int imp_writer_source(struct imp_writer *w, const struct imp_source_meta *m, struct gdir_err *err);
int imp_writer_source_counts(struct imp_writer *w, const char *name, long read, long imported,
                             long rejected, struct gdir_err *err);

/* Each returns 0, IMP_WRITE_DUPLICATE, or a negative code (fatal). A place record needs its
 * point (r->lon, r->lat), from the source or geocoded (g, NULL when not geocoded). */
int imp_writer_place(struct imp_writer *w, const struct imp_place_ctx *c,
                     const struct imp_record *r, const struct imp_geocoded *g,
                     struct gdir_err *err);
int imp_writer_address(struct imp_writer *w, const char *source, const char *licence,
                       const struct imp_record *r, struct gdir_err *err);
int imp_writer_commune(struct imp_writer *w, const struct imp_record *r, struct gdir_err *err);
int imp_writer_boundary(struct imp_writer *w, const char *source, const char *licence,
                        const struct imp_record *r, struct gdir_err *err);
int imp_writer_warning(struct imp_writer *w, const struct imp_warning *wr, struct gdir_err *err);
/* The communes' official names, as written so far, into a new *out (freed first). */
struct imp_case_names;
int imp_writer_commune_names(struct imp_writer *w, struct imp_case_names **out,
                             struct gdir_err *err);
/* A value of record id that a clean-up rewrote, as the source wrote it (place_raw_values). */
int imp_writer_raw(struct imp_writer *w, const char *id, const char *source, const char *field,
                   const char *value, struct gdir_err *err);

/* Commits the rows written so far (before another module reads the database). */
int imp_writer_commit(struct imp_writer *w, struct gdir_err *err);

/* Refresh: attaches the current database (old_path) as "old" (only read) and checks that it
 * has the place_records view (built by this importer version or a later one). */
int imp_writer_attach(struct imp_writer *w, const char *old_path, struct gdir_err *err);

/* Returns 1 when the attached database has a sources row named name, 0 if not, or a negative
 * code. */
int imp_writer_old_has_source(struct imp_writer *w, const char *name, struct gdir_err *err);

/* Copies the sources row of name and its records from the attached database: its place
 * records as they were read (place_records: before merging and overrides) into places, its
 * addresses rows, and its import_warnings. *rows receives the number of records copied. */
int imp_writer_copy_source(struct imp_writer *w, const char *name, long *rows,
                           struct gdir_err *err);

/* Copies the whole communes table (names, postcodes, populations, boundaries). */
int imp_writer_copy_communes(struct imp_writer *w, struct gdir_err *err);

/* Detaches the previous database. NULL-safe on an unattached writer. */
int imp_writer_detach(struct imp_writer *w, struct gdir_err *err);

/* After the last source: writes the staged place records into places along the Hilbert curve
 * over their bounding box (fids 1, 2, ... in that order, whatever the order of the sources or
 * of a refresh's copies), then builds the indexes of places (its two UNIQUE ones too: the
 * staging table checked them), the non-unique ones of addresses and the spatial indexes of
 * both, with SpatiaLite's geometry triggers (all dropped during the bulk load; the UNIQUE one
 * of addresses stays, it detects duplicates); *places receives the number of
 * places. Merging and overrides come next: they delete merged and hidden places (gaps in the
 * fids) and append added ones. */
int imp_writer_index(struct imp_writer *w, long *places, struct gdir_err *err);

/* The connection, for the modules that read or edit the new database (merging, overrides,
 * geocoder, territory check). Borrowed. */
sqlite3 *imp_writer_sqlite(struct imp_writer *w);

/* imp_locate_fn over the boundaries written so far; ctx is the writer. */
int imp_writer_locate(void *ctx, double lon, double lat, char insee[8], struct gdir_err *err);

/* Counts for the final checks: communes rows, communes with a boundary, places. */
int imp_writer_stats(struct imp_writer *w, long *communes, long *with_geom, long *places,
                     struct gdir_err *err);

/* The counts of a sources row (a kept source on a refresh) and its warnings. */
int imp_writer_source_row(struct imp_writer *w, const char *name, long *read, long *imported,
                          long *rejected, long *warnings, struct gdir_err *err);

/* Published places. */
int imp_writer_place_count(struct imp_writer *w, long *places, struct gdir_err *err);

/* Facts stored in the meta table. */
struct imp_meta {
    const char *territory_json;
    const char *importer_version;
    const char *config_file;    /* basename of the configuration */
};

/* Finishes and swaps the database in (see the banner). On failure the temporary file is
 * removed and the previous database is untouched. The writer is closed in all cases. */
int imp_writer_finish(struct imp_writer *w, const struct imp_meta *m, struct gdir_err *err);

/* fsync() of a file or a folder (opened read-only); GDIR_EIO naming it on failure. */
int imp_fsync_path(const char *path, struct gdir_err *err);

/* Closes and removes the temporary file. NULL-safe, idempotent. */
void imp_writer_abort(struct imp_writer *w);

#endif
