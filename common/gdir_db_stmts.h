/*
 * gdir_db_stmts.h — the array of long-lived prepared statements that a database wrapper holds
 * (one per query of a fixed table of SQL texts): prepared together, finalized together.
 */
#ifndef GDIR_DB_STMTS_H
#define GDIR_DB_STMTS_H

#include <stddef.h>
#include <sqlite3.h>

#include "gdir_db.h"

/* Prepares sql[0..n) into st[0..n) with gdir_db_prepare. On failure returns its code with err
 * filled and, when at is not NULL, the index of the statement that failed in *at; the
 * statements prepared before it stay in st (gdir_db_finalize_all releases them). */
int gdir_db_prepare_all(struct gdir_db *d, const char *const *sql, size_t n, sqlite3_stmt **st,
                        size_t *at, struct gdir_err *err);

/* Finalizes st[0..n) and sets them to NULL. NULL entries are fine. */
void gdir_db_finalize_all(sqlite3_stmt **st, size_t n);

#endif
