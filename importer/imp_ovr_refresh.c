/*
 * imp_ovr_refresh.c — the fast path of --refresh-overrides (see imp_ovr_refresh.h): copy the
 * served database, apply the new corrections in one transaction (the full-text index kept in
 * step by temporary triggers), rebuild the full exports, check, sync and rename.
 */
#define _GNU_SOURCE   /* copy_file_range */
#include "imp_ovr_refresh.h"
#include "gdir_db.h"
#include "gdir_fs.h"
#include "gdir_mem.h"
#include "imp_exports.h"
#include "imp_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char SQL_APPLIED[] =
    "SELECT (SELECT value FROM meta WHERE key = 'overrides_applied'),"
    " (SELECT count(*) FROM sources WHERE name = '" IMP_OVERRIDES_SOURCE "')";

/* The full-text index follows the places that the corrections add, rename and hide. */
static const char SQL_FTS_TRIGGERS[] =
    "CREATE TEMP TRIGGER ovr_fts_ins AFTER INSERT ON main.places BEGIN"
    " INSERT INTO places_fts(rowid, name) VALUES (new.fid, new.name); END;"
    "CREATE TEMP TRIGGER ovr_fts_del AFTER DELETE ON main.places BEGIN"
    " INSERT INTO places_fts(places_fts, rowid, name) VALUES ('delete', old.fid, old.name); END;"
    "CREATE TEMP TRIGGER ovr_fts_upd AFTER UPDATE OF name ON main.places BEGIN"
    " INSERT INTO places_fts(places_fts, rowid, name) VALUES ('delete', old.fid, old.name);"
    " INSERT INTO places_fts(rowid, name) VALUES (new.fid, new.name); END;";

static const char SQL_SOURCE_ROW[] =
    "UPDATE sources SET rows_read = ?1, rows_imported = rows_imported + ?2, imported_at = ?3"
    " WHERE name = '" IMP_OVERRIDES_SOURCE "'";
static const char SQL_BUILT_AT[] = "UPDATE meta SET value = ?1 WHERE key = 'built_at'";
static const char SQL_PLACES[] = "SELECT count(*) FROM places";
static const char SQL_DROP_EXPORTS[] = "DELETE FROM exports; DELETE FROM meta WHERE key = 'exports_dir'";

/* What the served database recorded: *applied (malloc'd, NULL when none) and whether it has
 * the corrections' sources row. */
static int read_applied(const char *path, char **applied, int *has_source, struct gdir_err *err)
{
    struct gdir_db d;
    sqlite3_stmt *st = NULL;
    int rc;

    *applied = NULL;
    *has_source = 0;
    if ((rc = gdir_db_open(&d, path, GDIR_DB_READONLY, err)))
        return rc;
    if (sqlite3_prepare_v2(d.db, SQL_APPLIED, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        rc = gdir_err_set(err, GDIR_EDB, "%s: %s", path, sqlite3_errmsg(d.db));
    } else {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        *has_source = sqlite3_column_int(st, 1) > 0;
        if (v && !(*applied = gdir_strdup(v)))
            rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    gdir_db_close(&d);
    return rc;
}

/* Copies the file from to the new file to (which must not exist), by the kernel when it can. */
static int copy_file(const char *from, const char *to, struct gdir_err *err)
{
    int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = GDIR_OK;
    struct stat st;
    char buf[1 << 16];

    if (in < 0 || fstat(in, &st) != 0) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", from, strerror(errno));
        goto out;
    }
    if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", to, strerror(errno));
        goto out;
    }
    for (off_t left = st.st_size; left > 0;) {
        ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) {
            n = read(in, buf, sizeof buf);
            if (n > 0 && write(out, buf, (size_t)n) != n)
                n = -1;
        }
        if (n <= 0) {
            rc = gdir_err_set(err, n == 0 ? GDIR_EIO : errno == ENOSPC ? GDIR_ENOSPC : GDIR_EIO,
                              "%s: copy: %s", to, n == 0 ? "short read" : strerror(errno));
            goto out;
        }
        left -= n;
    }
out:
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0 && rc == GDIR_OK)
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", to, strerror(errno));
    return rc;
}

/* One statement with up to three bindings (text a, integers b and c when >= 0). */
static int run_sql(struct gdir_db *d, const char *sql, const char *a, long b, long c,
                   struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = GDIR_OK;
    if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
        return gdir_err_set(err, GDIR_EDB, "refresh-overrides: %s", sqlite3_errmsg(d->db));
    if (a)
        sqlite3_bind_text(st, b >= 0 ? 3 : 1, a, -1, SQLITE_STATIC);
    if (b >= 0) {
        sqlite3_bind_int64(st, 1, b);
        sqlite3_bind_int64(st, 2, c);
    }
    if (sqlite3_step(st) != SQLITE_DONE && !(rc = gdir_db_disk_error(d, "refresh-overrides", err)))
        rc = gdir_err_set(err, GDIR_EDB, "refresh-overrides: %s", sqlite3_errmsg(d->db));
    sqlite3_finalize(st);
    return rc;
}

/* PRAGMA quick_check, as the writer does before every swap. */
static int check_copy(struct gdir_db *d, const char *path, long *places, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = GDIR_OK;
    if (sqlite3_prepare_v2(d->db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        rc = gdir_err_set(err, GDIR_EDB, "%s: quick_check: %s", path, sqlite3_errmsg(d->db));
    else if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
        rc = gdir_err_set(err, GDIR_EDB, "%s: quick_check: %.200s", path,
                          (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc == GDIR_OK && (sqlite3_prepare_v2(d->db, SQL_PLACES, -1, &st, NULL) != SQLITE_OK ||
                          sqlite3_step(st) != SQLITE_ROW))
        rc = gdir_err_set(err, GDIR_EDB, "%s: %s", path, sqlite3_errmsg(d->db));
    else if (rc == GDIR_OK)
        *places = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc;
}

/* Applies delta (and records o) on the open copy; the exports unless kept. */
static int edit_copy(const struct imp_ovr_refresh *in, struct gdir_db *d,
                     const struct imp_overrides *delta, struct imp_exports *x,
                     struct imp_ovr_refresh_result *res, struct gdir_err *err)
{
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    const struct imp_overrides_stats *s = &res->stats;
    int rc;

    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if ((rc = gdir_db_exec(d, "PRAGMA synchronous=OFF", err)) ||   /* fsync'd before rename */
        (rc = gdir_db_exec(d, SQL_FTS_TRIGGERS, err)) ||
        (rc = imp_overrides_apply(delta, d->db, in->ctx, &res->stats, err)) ||
        (rc = gdir_db_exec(d, "BEGIN", err)) ||
        (rc = imp_overrides_record(in->overrides, d->db, err)) ||
        (rc = run_sql(d, SQL_SOURCE_ROW, now, imp_overrides_count(in->overrides),
                      s->added + s->fixed + s->hidden, err)) ||
        (rc = run_sql(d, SQL_BUILT_AT, now, -1, -1, err)) ||
        (!in->no_exports && (rc = gdir_db_exec(d, SQL_DROP_EXPORTS, err))) ||
        (rc = gdir_db_exec(d, "COMMIT", err)))
        return rc;
    if (!in->no_exports && (rc = imp_exports_build(x, d->db, in->t, in->db, err)))
        return rc;
    return check_copy(d, in->db, &res->places, err);
}

/* Copies, edits and swaps in; tmp is removed on failure. */
static int swap_in(const struct imp_ovr_refresh *in, const char *tmp,
                   const struct imp_overrides *delta, struct imp_ovr_refresh_result *res,
                   struct gdir_err *err)
{
    struct gdir_db d = {NULL, NULL};
    struct imp_exports x;
    char *dir = NULL;
    int rc;

    memset(&x, 0, sizeof x);
    if ((rc = copy_file(in->db, tmp, err)) || (rc = gdir_db_open(&d, tmp, 0, err)) ||
        (rc = edit_copy(in, &d, delta, &x, res, err)))
        goto out;
    gdir_db_close(&d);
    if ((rc = imp_fsync_path(tmp, err)))
        goto out;
    if (rename(tmp, in->db) != 0) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: cannot replace: %s", in->db, strerror(errno));
        goto out;
    }
    if (!(dir = gdir_dir_of(in->db)))
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    else
        rc = imp_fsync_path(dir, err);
out:
    gdir_db_close(&d);
    if (rc) {
        char journal[4200];
        unlink(tmp);
        snprintf(journal, sizeof journal, "%s-journal", tmp);
        unlink(journal);
        imp_exports_discard(&x);
    } else {
        imp_exports_prune(&x);
    }
    imp_exports_free(&x);
    free(dir);
    return rc;
}

int imp_ovr_refresh_run(const struct imp_ovr_refresh *in, struct imp_ovr_refresh_result *res,
                        struct gdir_err *err)
{
    struct imp_overrides *delta = NULL;
    char *applied = NULL, tmp[4096];
    int has_source = 0, rc;

    memset(res, 0, sizeof res[0]);
    if ((rc = read_applied(in->db, &applied, &has_source, err)))
        return rc;
    if (!has_source) {
        res->why = "the served database was built without this overrides file";
        goto out;
    }
    if (!applied) {
        res->why = "the served database does not record its corrections (built by an older "
                   "geodir-import)";
        goto out;
    }
    if ((rc = imp_overrides_delta(in->overrides, applied, &delta, err)) < 0)
        goto out;
    if (rc == 0) {
        res->why = "entries were edited or removed, not only appended";
        rc = GDIR_OK;
        goto out;
    }
    res->entries = imp_overrides_count(delta);
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp-%ld", in->db, (long)getpid()) >= sizeof tmp) {
        rc = gdir_err_set(err, GDIR_EINVAL, "%s: path too long", in->db);
        goto out;
    }
    if ((rc = swap_in(in, tmp, delta, res, err)) == GDIR_OK)
        res->fast = 1;
out:
    imp_overrides_free(delta);
    free(applied);
    return rc;
}
