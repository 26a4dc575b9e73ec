/*
 * imp_exports.h — the full exports built at import time (docs/exports.md): every format of
 * open_data.exports under each licence scope, written from the new database before it is
 * swapped in, into <db folder>/<db file name>.exports/<build id>/, described in its `exports`
 * table and meta 'exports_dir'.
 *
 * Sequence in imp_run: imp_exports_build (before imp_writer_finish) -> swap -> on success
 * imp_exports_prune, on failure imp_exports_discard. Nothing here touches the served
 * database: a failure leaves it (and its exports folder) as it was.
 */
#ifndef IMP_EXPORTS_H
#define IMP_EXPORTS_H

#include <sqlite3.h>

#include "gdir_config.h"
#include "gdir_err.h"

struct imp_exports {
    char *root;          /* <db folder>/exports (owned) */
    char *dir;           /* <root>/<build id>, NULL until built (owned) */
    char *previous;      /* the served database's exports_dir build id, or NULL (owned) */
    char *db_path;       /* the database path (owned) */
    int files;           /* files written */
    double seconds;      /* time spent */
};

/* Writes the exports of the database being built (db: the writer's connection, with its
 * transaction open or not) and inserts the `exports` rows and meta 'exports_dir' into it.
 * t: the territory (open_data.exports, publisher_siret). db_path: the database path that
 * will be swapped (its folder holds exports/). Returns 0 or a negative code (err filled);
 * on failure the new folder is already removed. */
int imp_exports_build(struct imp_exports *x, sqlite3 *db, const struct gdir_territory *t,
                      const char *db_path, struct gdir_err *err);

/* After a successful swap: removes the export folders other than this build's and the one
 * the previous database named (a download in flight completes). Failures are logged only. */
void imp_exports_prune(struct imp_exports *x);

/* After a failed swap: removes this build's folder, unless the database at the path names it
 * after all (the rename happened, a later step such as syncing the folder failed). */
void imp_exports_discard(struct imp_exports *x);

/* At the start of a run, with the database's lock held (imp_lock.h): removes the build
 * folders of db_path that a dead run was writing (their owner file, ".import-pid", names a
 * process that no longer exists) and that the served database does not name. Finished
 * builds are left to imp_exports_prune. Failures are ignored. */
void imp_exports_remove_stale(const char *db_path);

void imp_exports_free(struct imp_exports *x);   /* NULL-safe */

#endif
