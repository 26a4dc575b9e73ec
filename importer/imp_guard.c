/*
 * imp_guard.c — the per-source guard (see imp_guard.h): the verdict, and the served
 * database's counts it compares with. The caller decides what a refusal does (imp_run.c).
 */
#include "imp_guard.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static const char SQL_ROWS[] = "SELECT rows_imported FROM sources WHERE name = ?1";

struct imp_guard_served {
    sqlite3 *db;
    sqlite3_stmt *rows;
};

int imp_guard_judge(const struct gdir_guard_cfg *lim, long imported, long rejected, long served,
                    char *why, size_t cap)
{
    long judged = imported + rejected;
    if (judged > 0 && lim->max_rejected_percent < 100) {
        double share = 100.0 * (double)rejected / (double)judged;
        if (share > lim->max_rejected_percent) {
            snprintf(why, cap, "%ld of %ld rows rejected (%.1f %%, more than "
                     "guard.max_rejected_percent = %g %%)", rejected, judged, share,
                     lim->max_rejected_percent);
            return 1;
        }
    }
    if (served > 0 && imported < served && lim->max_shrink_percent < 100) {
        double shrink = 100.0 * (double)(served - imported) / (double)served;
        if (shrink > lim->max_shrink_percent) {
            snprintf(why, cap, "%ld rows imported where the served database has %ld (%.1f %% "
                     "fewer, more than guard.max_shrink_percent = %g %%)", imported, served,
                     shrink, lim->max_shrink_percent);
            return 1;
        }
    }
    return 0;
}

int imp_guard_served_open(struct imp_guard_served **out, const char *db_path,
                          struct gdir_err *err)
{
    struct imp_guard_served *g;
    struct stat st;
    int rc = GDIR_OK;

    *out = NULL;
    if (stat(db_path, &st) != 0 || !S_ISREG(st.st_mode))
        return GDIR_OK;   /* nothing served (a folder there fails later, at the swap) */
    if (!(g = calloc(1, sizeof *g)))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (sqlite3_open_v2(db_path, &g->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(g->db, SQL_ROWS, -1, &g->rows, NULL) != SQLITE_OK) {
        rc = gdir_err_set(err, GDIR_EDB, "%s: cannot read the served database's source counts: "
                          "%s", db_path, sqlite3_errmsg(g->db));
        goto out;
    }
    *out = g;
out:
    if (rc)
        imp_guard_served_close(g);
    return rc;
}

long imp_guard_served_rows(struct imp_guard_served *g, const char *source)
{
    long n = -1;
    if (!g)
        return -1;
    sqlite3_bind_text(g->rows, 1, source, -1, SQLITE_STATIC);
    if (sqlite3_step(g->rows) == SQLITE_ROW && sqlite3_column_type(g->rows, 0) != SQLITE_NULL)
        n = (long)sqlite3_column_int64(g->rows, 0);
    sqlite3_reset(g->rows);
    sqlite3_clear_bindings(g->rows);
    return n;
}

void imp_guard_served_close(struct imp_guard_served *g)
{
    if (!g)
        return;
    sqlite3_finalize(g->rows);
    sqlite3_close(g->db);
    free(g);
}
