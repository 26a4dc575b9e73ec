/*
 * gdir_db.h — opening geodir databases, SpatiaLite initialisation and the schema.
 *
 * SpatiaLite is linked (libspatialite) and initialised per connection, so no extension
 * path is needed at run time. A connection must only be used by one thread at a time.
 */
#ifndef GDIR_DB_H
#define GDIR_DB_H

#include <sqlite3.h>

#include "gdir_err.h"

/* The schema version written into PRAGMA user_version by gdir_db_create_schema. */
#define GDIR_SCHEMA_VERSION 4

struct gdir_db {
    sqlite3 *db;          /* owned */
    void *spatialite;     /* SpatiaLite connection cache, owned */
};

/* Flags for gdir_db_open. */
#define GDIR_DB_READONLY 0x1   /* open read-only, query_only, and refuse a foreign schema */
#define GDIR_DB_CREATE   0x2   /* create the file (must not exist) and the schema */

/* Opens path with SpatiaLite loaded. With GDIR_DB_READONLY, checks that the file carries
 * geodir's schema version. Returns 0 or a negative code with err filled. On failure the
 * struct holds nothing to free; on success call gdir_db_close. */
int gdir_db_open(struct gdir_db *d, const char *path, int flags, struct gdir_err *err);

/* How long a writer of the forms database waits for another's lock before SQLITE_BUSY. */
#define GDIR_DB_STORE_BUSY_MS 10000

/* Opens the writable store at path (the forms database: requests, back office, daily life),
 * created when missing, without SpatiaLite: WAL, synchronous = FULL (an acknowledged write
 * survives a crash), foreign keys on, a GDIR_DB_STORE_BUSY_MS busy timeout. Returns 0, or
 * GDIR_EDB with err naming path; on failure the struct holds nothing to free. */
int gdir_db_open_store(struct gdir_db *d, const char *path, struct gdir_err *err);

/* Closes the connection and releases SpatiaLite's cache. NULL-safe, idempotent. */
void gdir_db_close(struct gdir_db *d);

/* Creates SpatiaLite metadata, the geodir tables and the taxonomy rows, and sets
 * user_version. For a new, empty database. */
int gdir_db_create_schema(struct gdir_db *d, struct gdir_err *err);

/* After a failed statement: when the cause is the disk (SQLITE_FULL, or ENOSPC, EFBIG or
 * EDQUOT from the OS, or, for failures SpatiaLite swallows, from writing a 4 MiB test file
 * "<database file>.probe" beside it, removed at once), fills err with "<database file>:
 * <what>: disk full (...)" or the like and returns GDIR_ENOSPC (GDIR_EIO for another I/O
 * error); else returns 0 and leaves err alone. */
int gdir_db_disk_error(struct gdir_db *d, const char *what, struct gdir_err *err);

/* Runs SQL text with no result rows (trusted, compiled-in SQL only). A failure caused by
 * the disk is described by gdir_db_disk_error. */
int gdir_db_exec(struct gdir_db *d, const char *sql, struct gdir_err *err);

/* Prepares a long-lived statement (SQLITE_PREPARE_PERSISTENT). */
int gdir_db_prepare(struct gdir_db *d, const char *sql, sqlite3_stmt **st, struct gdir_err *err);

/* A malloc'd copy of the text of column i of st's current row, or NULL when the value is NULL
 * or memory runs out (tell them apart with sqlite3_column_type). */
char *gdir_db_col_dup(sqlite3_stmt *st, int i);

/* The compiled-in schema text (common/schema.sql). */
extern const char gdir_schema_sql[];

#endif
