/*
 * gdir_db.c — connection set-up (SpatiaLite, pragmas) and schema creation.
 */
#include "gdir_db.h"
#include "gdir_mem.h"
#include "gdir_taxonomy.h"

#include <errno.h>
#include <spatialite.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a failed write may need: about what SpatiaLite's metadata takes in a new file. */
#define DISK_PROBE_BYTES (4 * 1024 * 1024)

/* Writes up to DISK_PROBE_BYTES to "<path>.probe" and removes it: the errno that stopped it
 * (ENOSPC, EFBIG, EDQUOT...), or 0 when the filesystem took it all. For failures that
 * SpatiaLite swallows (its functions return 0, SQLite's error is gone). */
static int probe_write(const char *path)
{
    static const char zeros[65536];
    size_t n = strlen(path) + sizeof ".probe";
    char *probe = malloc(n);
    FILE *f;
    int e = 0;

    if (!probe)
        return 0;
    snprintf(probe, n, "%s.probe", path);
    if (!(f = fopen(probe, "wb"))) {
        e = errno;
        free(probe);
        return e;
    }
    setvbuf(f, NULL, _IONBF, 0);
    for (size_t done = 0; done < DISK_PROBE_BYTES && !e; done += sizeof zeros)
        if (fwrite(zeros, 1, sizeof zeros, f) != sizeof zeros)
            e = errno ? errno : EIO;
    if (fflush(f) != 0 && !e)
        e = errno;
    fclose(f);
    unlink(probe);
    free(probe);
    return e;
}

/* The message of a disk error e (ENOSPC, EFBIG, EDQUOT), or 0 when e is none of them. */
static int disk_message(int e, const char *path, const char *what, const char *how,
                        struct gdir_err *err)
{
    if (e == ENOSPC)
        return gdir_err_set(err, GDIR_ENOSPC, "%s: %s: disk full (SQLITE_FULL, ENOSPC: %s%s): "
                            "free space on its filesystem and run again", path, what,
                            strerror(ENOSPC), how);
    if (e == EFBIG)
        return gdir_err_set(err, GDIR_ENOSPC, "%s: %s: the file cannot grow (EFBIG: %s%s; the "
                            "process's file size limit, ulimit -f, is reached)", path, what,
                            strerror(EFBIG), how);
    if (e == EDQUOT)
        return gdir_err_set(err, GDIR_ENOSPC, "%s: %s: disk quota exceeded (EDQUOT: %s%s)",
                            path, what, strerror(EDQUOT), how);
    return GDIR_OK;
}

int gdir_db_disk_error(struct gdir_db *d, const char *what, struct gdir_err *err)
{
    const char *path = sqlite3_db_filename(d->db, "main");
    int code = sqlite3_extended_errcode(d->db), sys = sqlite3_system_errno(d->db);
    int rc;

    if (!path || !*path)
        return GDIR_OK;   /* in memory: not a disk */
    if ((code & 0xff) == SQLITE_FULL)
        sys = ENOSPC;
    if ((rc = disk_message(sys, path, what, "", err)))
        return rc;
    if ((rc = disk_message(probe_write(path), path, what, ", seen by writing a test file "
                           "beside it", err)))
        return rc;
    if ((code & 0xff) == SQLITE_IOERR)
        return gdir_err_set(err, GDIR_EIO, "%s: %s: input/output error (%s%s%s)", path, what,
                            sqlite3_errstr(code), sys ? ": " : "", sys ? strerror(sys) : "");
    return GDIR_OK;
}

int gdir_db_exec(struct gdir_db *d, const char *sql, struct gdir_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(d->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int code = sqlite3_extended_errcode(d->db) & 0xff;
        if (code == SQLITE_FULL || code == SQLITE_IOERR) {
            /* The disk: say which file and why, not just "disk I/O error". */
            int rc = gdir_db_disk_error(d, msg ? msg : sqlite3_errmsg(d->db), err);
            if (rc) {
                sqlite3_free(msg);
                return rc;
            }
        }
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

char *gdir_db_col_dup(sqlite3_stmt *st, int i)
{
    return gdir_strdup((const char *)sqlite3_column_text(st, i));
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

int gdir_db_open_store(struct gdir_db *d, const char *path, struct gdir_err *err)
{
    static const char pragmas[] = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                                  "PRAGMA foreign_keys = ON;";
    d->db = NULL;
    d->spatialite = NULL;
    if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                        SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        gdir_err_set(err, GDIR_EDB, "%s: %s", path, d->db ? sqlite3_errmsg(d->db) : "cannot open");
        gdir_db_close(d);
        return GDIR_EDB;
    }
    sqlite3_busy_timeout(d->db, GDIR_DB_STORE_BUSY_MS);
    if (gdir_db_exec(d, pragmas, err)) {
        gdir_db_close(d);
        return GDIR_EDB;
    }
    return GDIR_OK;
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
            rc = gdir_db_disk_error(d, "schema: SpatiaLite metadata not written", err);
            if (!rc)
                rc = gdir_err_set(err, GDIR_EDB, "%s: schema: SpatiaLite geometry columns not "
                                  "created", sqlite3_db_filename(d->db, "main"));
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
