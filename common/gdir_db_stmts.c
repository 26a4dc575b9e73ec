/*
 * gdir_db_stmts.c — an array of prepared statements, prepared and finalized together
 * (gdir_db_stmts.h).
 */
#include "gdir_db_stmts.h"

int gdir_db_prepare_all(struct gdir_db *d, const char *const *sql, size_t n, sqlite3_stmt **st,
                        size_t *at, struct gdir_err *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = gdir_db_prepare(d, sql[i], &st[i], err);
        if (rc) {
            if (at)
                *at = i;
            return rc;
        }
    }
    return GDIR_OK;
}

void gdir_db_finalize_all(sqlite3_stmt **st, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_finalize(st[i]);
        st[i] = NULL;
    }
}
