/*
 * gdir_db.c — connection set-up (SpatiaLite, pragmas) and schema creation.
 */
#include "gdir_db.h"
#include "gdir_taxonomy.h"

#include <spatialite.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int gdir_db_exec(struct gdir_db *d, const char *sql, struct gdir_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(d->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        gdir_err_set(err, GDIR_EDB, "%s", msg ? msg : sqlite3_errmsg(d->db));
        sqlite3_free(msg);
        return GDIR_EDB;
    }
    return GDIR_OK;
}

int gdir_db_prepare(struct gdir_db *d, const char *sql, sqlite3_stmt **st, struct gdir_err *err)
{
    if (sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return gdir_err_set(err, GDIR_EDB, "prepare: %s", sqlite3_errmsg(d->db));
    return GDIR_OK;
}

static int read_user_version(struct gdir_db *d, int *version)
{
    sqlite3_stmt *st = NULL;
    int rc = GDIR_EDB;
    if (sqlite3_prepare_v2(d->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        *version = sqlite3_column_int(st, 0);
        rc = GDIR_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

int gdir_db_open(struct gdir_db *d, const char *path, int flags, struct gdir_err *err)
{
    int rc = GDIR_EDB;
    int oflags = SQLITE_OPEN_NOMUTEX;
    struct stat stbuf;

    d->db = NULL;
    d->spatialite = NULL;
    if (flags & GDIR_DB_READONLY) {
        oflags |= SQLITE_OPEN_READONLY;
    } else {
        oflags |= SQLITE_OPEN_READWRITE;
        if (flags & GDIR_DB_CREATE) {
            if (stat(path, &stbuf) == 0) {
                gdir_err_set(err, GDIR_EIO, "%s: already exists", path);
                return GDIR_EIO;
            }
            oflags |= SQLITE_OPEN_CREATE;
        }
    }
    if ((flags & GDIR_DB_READONLY) && stat(path, &stbuf) != 0) {
        gdir_err_set(err, GDIR_EIO, "%s: no such database file", path);
        return GDIR_EIO;
    }
    if (sqlite3_open_v2(path, &d->db, oflags, NULL) != SQLITE_OK) {
        gdir_err_set(err, GDIR_EDB, "%s: %s", path, d->db ? sqlite3_errmsg(d->db) : "cannot open");
        goto out;
    }
    sqlite3_extended_result_codes(d->db, 1);
    sqlite3_busy_timeout(d->db, 5000);
    d->spatialite = spatialite_alloc_connection();
    if (!d->spatialite) {
        gdir_err_set(err, GDIR_ENOMEM, "spatialite connection");
        goto out;
    }
    spatialite_init_ex(d->db, d->spatialite, 0);

    if (flags & GDIR_DB_READONLY) {
        int version = -1;
        if (gdir_db_exec(d, "PRAGMA query_only=1", err))
            goto out;
        if (read_user_version(d, &version) || version != GDIR_SCHEMA_VERSION) {
            gdir_err_set(err, GDIR_EDB, "%s: not a geodir database of schema version %d (found %d)",
                         path, GDIR_SCHEMA_VERSION, version);
            goto out;
        }
    }
    rc = GDIR_OK;
out:
    if (rc)
        gdir_db_close(d);
    return rc;
}

void gdir_db_close(struct gdir_db *d)
{
    if (!d)
        return;
    if (d->db)
        sqlite3_close_v2(d->db);
    if (d->spatialite)
        spatialite_cleanup_ex(d->spatialite);
    d->db = NULL;
    d->spatialite = NULL;
}

int gdir_db_create_schema(struct gdir_db *d, struct gdir_err *err)
{
    static const char sql_ins_cat[] =
        "INSERT INTO categories(code, parent, label, position) VALUES (?1, ?2, ?3, ?4)";
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    const struct gdir_category *cats = gdir_taxonomy(&n);
    char pragma[64];
    int rc;

    /* InitSpatialMetadata(1) runs its own transaction, so it comes before ours. */
    rc = gdir_db_exec(d, "SELECT InitSpatialMetadata(1); BEGIN;", err);
    if (rc)
        goto out;
    rc = gdir_db_exec(d, gdir_schema_sql, err);
    if (rc)
        goto out;
    /* SpatiaLite's AddGeometryColumn/CreateSpatialIndex report failure by returning 0, not
     * by an SQL error: check that both geometry columns and their indexes exist. */
    {
        sqlite3_stmt *chk = NULL;
        int ok = 0;
        if (sqlite3_prepare_v2(d->db,
                               "SELECT count(*) FROM geometry_columns WHERE spatial_index_enabled=1 "
                               "AND f_table_name IN ('places','communes')",
                               -1, &chk, NULL) == SQLITE_OK &&
            sqlite3_step(chk) == SQLITE_ROW)
            ok = sqlite3_column_int(chk, 0) == 2;
        sqlite3_finalize(chk);
        if (!ok) {
            rc = gdir_err_set(err, GDIR_EDB, "schema: SpatiaLite geometry columns not created");
            goto out;
        }
    }
    if (sqlite3_prepare_v2(d->db, sql_ins_cat, -1, &st, NULL) != SQLITE_OK) {
        rc = gdir_err_set(err, GDIR_EDB, "categories: %s", sqlite3_errmsg(d->db));
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_text(st, 1, cats[i].code, -1, SQLITE_STATIC);
        if (cats[i].parent)
            sqlite3_bind_text(st, 2, cats[i].parent, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 2);
        sqlite3_bind_text(st, 3, cats[i].label, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, (int)i);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = gdir_err_set(err, GDIR_EDB, "category %s: %s", cats[i].code,
                              sqlite3_errmsg(d->db));
            goto out;
        }
        sqlite3_reset(st);
    }
    snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d; COMMIT;", GDIR_SCHEMA_VERSION);
    rc = gdir_db_exec(d, pragma, err);
out:
    sqlite3_finalize(st);
    if (rc)
        sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}
