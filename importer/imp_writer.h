/*
 * imp_writer.h — builds a new geodir database next to the target and swaps it in atomically.
 *
 * imp_writer_open creates "<db>.tmp-<pid>" (after removing the temporary files that dead
 * importer processes left behind), creates the schema and prepares every statement once.
 * Rows are written in batched transactions. imp_writer_finish rebuilds the full-text index,
 * writes the meta rows, runs ANALYZE and PRAGMA integrity_check, switches the journal back
 * to DELETE, closes, fsyncs, renames the file over <db> and fsyncs the folder. Until that
 * rename the previous database is never touched; imp_writer_abort removes the temporary
 * file. The writer is the only code that writes SQL for the importer.
 */
#ifndef IMP_WRITER_H
#define IMP_WRITER_H

#include <sqlite3.h>

#include "gdir_db.h"
#include "gdir_err.h"
#include "imp_record.h"

struct imp_writer {
    struct gdir_db db;
    char *path;          /* the target database (owned copy) */
    char *tmp_path;      /* "<path>.tmp-<pid>" (owned) */
    sqlite3_stmt *ins_place, *ins_commune, *ins_boundary, *locate;
    sqlite3_stmt *ins_source, *upd_source, *ins_meta;
    long pending;        /* rows written since the last COMMIT */
    long boundaries;     /* boundary rows written */
    int in_tx;           /* a transaction is open */
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

/* Return value of the put functions when the row's id is already taken (not an error). */
#define IMP_WRITE_DUPLICATE 1

/* Creates the parent folders of db_path if needed, removes stale temporary files, creates
 * the temporary database with its schema. On failure nothing is left on disk. */
int imp_writer_open(struct imp_writer *w, const char *db_path, struct gdir_err *err);

int imp_writer_source(struct imp_writer *w, const struct imp_source_meta *m, struct gdir_err *err);
int imp_writer_source_counts(struct imp_writer *w, const char *name, long read, long imported,
                             long rejected, struct gdir_err *err);

/* Each returns 0, IMP_WRITE_DUPLICATE, or a negative code (fatal). */
int imp_writer_place(struct imp_writer *w, const struct imp_place_ctx *c,
                     const struct imp_record *r, struct gdir_err *err);
int imp_writer_commune(struct imp_writer *w, const struct imp_record *r, struct gdir_err *err);
int imp_writer_boundary(struct imp_writer *w, const char *source, const char *licence,
                        const struct imp_record *r, struct gdir_err *err);

/* imp_locate_fn over the boundaries written so far; ctx is the writer. */
int imp_writer_locate(void *ctx, double lon, double lat, char insee[8], struct gdir_err *err);

/* Counts for the final checks: communes rows, communes with a boundary, places. */
int imp_writer_stats(struct imp_writer *w, long *communes, long *with_geom, long *places,
                     struct gdir_err *err);

/* Facts stored in the meta table. */
struct imp_meta {
    const char *territory_json;
    const char *importer_version;
    const char *config_file;    /* basename of the configuration */
};

/* Finishes and swaps the database in (see the banner). On failure the temporary file is
 * removed and the previous database is untouched. The writer is closed in all cases. */
int imp_writer_finish(struct imp_writer *w, const struct imp_meta *m, struct gdir_err *err);

/* Closes and removes the temporary file. NULL-safe, idempotent. */
void imp_writer_abort(struct imp_writer *w);

#endif
