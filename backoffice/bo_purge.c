/*
 * bo_purge.c — the retention purge and the requester's erasure (docs/backoffice.md §8): a
 * request is deleted files first (unlinked in the attachments' folder; a missing file is
 * already gone), then its rows (events, attachments and messages follow by ON DELETE CASCADE,
 * its e-mails are deleted), in one transaction per request. Health fields are emptied in the
 * stored values and their files removed. See bo_purge.h.
 */
#include "bo_purge.h"

#include "gdir_forms.h"
#include "gdir_log.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(sqlite3 *db, const char *what, struct gdir_err *err)
{
    return gdir_err_set(err, GDIR_EDB, "forms database: %s: %s", what, sqlite3_errmsg(db));
}

static int exec(sqlite3 *db, const char *sql, struct gdir_err *err)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? GDIR_OK : fail(db, sql, err);
}

/* Prepares "<head> FROM attachments" over the attachments of request id whose field matches
 * like (all when NULL). */
static int attachments_stmt(sqlite3 *db, const char *head, long long id, const char *like,
                            sqlite3_stmt **st, struct gdir_err *err)
{
    char sql[256];

    snprintf(sql, sizeof sql, "%s FROM attachments WHERE request_id = ?1 AND "
             "(?2 IS NULL OR field LIKE ?2 ESCAPE '\\')", head);
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL))
        return fail(db, "attachments", err);
    sqlite3_bind_int64(*st, 1, id);
    sqlite3_bind_text(*st, 2, like, -1, SQLITE_TRANSIENT);
    return GDIR_OK;
}

/* Unlinks the files of the attachments of request id whose field matches like (all when
 * NULL), then deletes those rows when del_rows. Counts the files into *files. */
static int drop_files(sqlite3 *db, int dirfd, long long id, const char *like, int del_rows,
                      long long *files, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = attachments_stmt(db, "SELECT stored", id, like, &st, err)))
        return rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (name && !strchr(name, '/') && unlinkat(dirfd, name, 0) != 0 && errno != ENOENT) {
            sqlite3_finalize(st);
            return gdir_err_set(err, GDIR_EIO, "attachments folder: cannot remove a file: %s",
                                strerror(errno));
        }
        (*files)++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(db, "attachments", err);
    if (!del_rows)
        return GDIR_OK;
    if ((rc = attachments_stmt(db, "DELETE", id, like, &st, err)))
        return rc;
    rc = sqlite3_step(st) == SQLITE_DONE ? GDIR_OK : fail(db, "attachments", err);
    sqlite3_finalize(st);
    return rc;
}

/* Deletes request id: its files, then (in one transaction) its e-mails and its row. */
static int delete_request(sqlite3 *db, int dirfd, long long id, long long *files,
                          struct gdir_err *err)
{
    static const char *const sql[] = { "DELETE FROM outbox WHERE request_id = ?1",
                                       "DELETE FROM requests WHERE id = ?1" };
    int rc;

    if ((rc = drop_files(db, dirfd, id, NULL, 0, files, err)) ||
        (rc = exec(db, "BEGIN IMMEDIATE", err)))
        return rc;
    for (int i = 0; i < 2 && !rc; i++) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, sql[i], -1, &st, NULL) != SQLITE_OK) {
            rc = fail(db, sql[i], err);
            break;
        }
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st) == SQLITE_DONE ? GDIR_OK : fail(db, sql[i], err);
        sqlite3_finalize(st);
    }
    if (!rc)
        rc = exec(db, "COMMIT", err);
    if (rc)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* The ids selected by sql (text ?1, integer ?2) into a malloc'd array. */
static int select_ids(sqlite3 *db, const char *sql, const char *text, long long num,
                      long long **ids, size_t *n, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    *ids = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail(db, "select", err);
    sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, num);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            long long *v = realloc(*ids, (cap = cap ? 2 * cap : 64) * sizeof *v);
            if (!v) {
                sqlite3_finalize(st);
                return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
            }
            *ids = v;
        }
        (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? GDIR_OK : fail(db, "select", err);
}

/* now minus months calendar months (UTC). */
static time_t months_before(time_t now, int months)
{
    struct tm tm;
    gmtime_r(&now, &tm);
    tm.tm_mon -= months;
    return timegm(&tm);
}

time_t bo_purge_school_year_start(time_t now)
{
    struct tm tm;
    gmtime_r(&now, &tm);
    int year = tm.tm_mon >= 8 ? tm.tm_year : tm.tm_year - 1;   /* tm_mon 8: September */
    struct tm s = { .tm_year = year, .tm_mon = 8, .tm_mday = 1 };
    return timegm(&s);
}

/* ---- health fields -------------------------------------------------------------------- */

/* s[0..n) into the LIKE pattern at w (escaping _, % and the backslash), NUL-terminated. */
static char *like_put(char *w, const char *end, const char *s, size_t n)
{
    for (size_t i = 0; i < n && w + 2 < end; i++) {
        if (s[i] == '_' || s[i] == '%' || s[i] == '\\')
            *w++ = '\\';
        *w++ = s[i];
    }
    *w = '\0';
    return w;
}

/* Removes path ("id" or "repeat.id") from the values; the LIKE pattern of its files into
 * like ("id", "repeat[%].id"). */
static void health_drop(cJSON *vals, const char *path, char *like, size_t cap)
{
    const char *dot = strchr(path, '.');
    char *w, *end = like + cap;
    if (!dot) {
        cJSON_DeleteItemFromObjectCaseSensitive(vals, path);
        like_put(like, end, path, strlen(path));
        return;
    }
    char rep[64];
    snprintf(rep, sizeof rep, "%.*s", (int)(dot - path) < 63 ? (int)(dot - path) : 63, path);
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(vals, rep), *it;
    cJSON_ArrayForEach(it, arr)
        cJSON_DeleteItemFromObjectCaseSensitive(it, dot + 1);
    w = like_put(like, end, rep, strlen(rep));
    w = like_put(w, end, "[", 1);
    if (w + 1 < end)
        *w++ = '%';
    w = like_put(w, end, "].", 2);
    like_put(w, end, dot + 1, strlen(dot + 1));
}

/* Empties the health fields (fields[n]) of request id and removes their files. */
static int health_one(sqlite3 *db, int dirfd, long long id, const char *json,
                      const char *const *fields, size_t n, time_t now, long long *files,
                      struct gdir_err *err)
{
    cJSON *vals = cJSON_Parse(json);
    char *out = NULL, like[160];
    sqlite3_stmt *st = NULL;
    int rc = GDIR_OK;

    if (!vals)
        return gdir_err_set(err, GDIR_EFORMAT, "request %lld: values are not JSON", id);
    for (size_t i = 0; i < n && !rc; i++) {
        health_drop(vals, fields[i], like, sizeof like);
        rc = drop_files(db, dirfd, id, like, 1, files, err);
    }
    if (!rc && !(out = cJSON_PrintUnformatted(vals)))
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (!rc && sqlite3_prepare_v2(db, "UPDATE requests SET values_json = ?2, health_purged_at "
                                  "= ?3 WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
        rc = fail(db, "health", err);
    if (!rc) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, out, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, (long long)now);
        rc = sqlite3_step(st) == SQLITE_DONE ? GDIR_OK : fail(db, "health", err);
    }
    sqlite3_finalize(st);
    free(out);
    cJSON_Delete(vals);
    return rc;
}

/* The health fields of a form, read from its served definition (borrowed from *root). */
static size_t health_fields(const struct form_def *f, cJSON **root, const char **v, size_t cap)
{
    const cJSON *r, *h, *it;
    size_t n = 0;
    *root = cJSON_Parse(form_json(f));
    r = cJSON_GetObjectItemCaseSensitive(*root, "retention");
    h = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "health_fields"),
                                         "fields");
    cJSON_ArrayForEach(it, h)
        if (cJSON_IsString(it) && n < cap)
            v[n++] = it->valuestring;
    return n;
}

/* The health purge of form f. */
static int purge_health(sqlite3 *db, int dirfd, const struct form_def *f, time_t now,
                        int dry_run, struct bo_purge_counts *c, struct gdir_err *err)
{
    const char *fields[64];
    cJSON *root = NULL;
    sqlite3_stmt *st = NULL;
    size_t n = health_fields(f, &root, fields, 64);
    int rc = GDIR_OK, step;

    if (!n)
        goto out;
    if (sqlite3_prepare_v2(db, "SELECT id, values_json FROM requests WHERE form_id = ?1 AND "
                           "health_purged_at IS NULL AND created_at < ?2", -1, &st, NULL)) {
        rc = fail(db, "health", err);
        goto out;
    }
    sqlite3_bind_text(st, 1, form_id(f), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, (long long)bo_purge_school_year_start(now));
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        c->health++;
        if (!dry_run)
            rc = health_one(db, dirfd, sqlite3_column_int64(st, 0),
                            (const char *)sqlite3_column_text(st, 1), fields, n, now, &c->files,
                            err);
    }
    if (!rc && step != SQLITE_DONE)
        rc = fail(db, "health", err);
out:
    sqlite3_finalize(st);
    cJSON_Delete(root);
    return rc;
}

/* The retention purge of form f. */
static int purge_form(sqlite3 *db, int dirfd, const struct form_def *f, time_t now, int dry_run,
                      struct bo_purge_counts *c, struct gdir_err *err)
{
    long long *ids = NULL;
    size_t n = 0;
    int rc = select_ids(db, "SELECT id FROM requests WHERE form_id = ?1 AND closed_at IS NOT "
                        "NULL AND closed_at <= ?2", form_id(f),
                        (long long)months_before(now, form_retention_months(f)), &ids, &n, err);

    for (size_t i = 0; !rc && i < n; i++) {
        c->requests++;
        if (!dry_run)
            rc = delete_request(db, dirfd, ids[i], &c->files, err);
    }
    free(ids);
    return rc ? rc : purge_health(db, dirfd, f, now, dry_run, c, err);
}

static int open_dir(const char *files_dir, struct gdir_err *err)
{
    int fd = open(files_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        gdir_err_set(err, GDIR_EIO, "%s: %s", files_dir, strerror(errno));
    return fd;
}

int bo_purge_run(sqlite3 *db, const struct forms_set *set, const char *files_dir, time_t now,
                 int dry_run, struct bo_purge_counts *out, struct gdir_err *err)
{
    int dirfd = open_dir(files_dir, err), rc = GDIR_OK;

    memset(out, 0, sizeof *out);
    if (dirfd < 0)
        return GDIR_EIO;
    for (size_t i = 0; !rc && i < forms_count(set); i++)
        rc = purge_form(db, dirfd, forms_at(set, i), now, dry_run, out, err);
    close(dirfd);
    gdir_log(rc ? GDIR_LOG_ERROR : GDIR_LOG_INFO, "purge",
             "msg=\"%s\" dry_run=%d requests=%lld files=%lld health=%lld",
             rc ? "purge stopped" : "purge done", dry_run, out->requests, out->files,
             out->health);
    return rc;
}

int bo_requester_erase(sqlite3 *db, const char *files_dir, const char *email,
                       long long *n_requests, long long *n_files, struct gdir_err *err)
{
    long long *ids = NULL;
    size_t n = 0;
    int dirfd = open_dir(files_dir, err), rc;

    *n_requests = *n_files = 0;
    if (dirfd < 0)
        return GDIR_EIO;
    rc = select_ids(db, "SELECT id FROM requests WHERE lower(email) = lower(?1) AND ?2 = ?2",
                    email, 0, &ids, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        rc = delete_request(db, dirfd, ids[i], n_files, err);
        *n_requests += !rc;
    }
    free(ids);
    close(dirfd);
    if (!rc) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, "DELETE FROM outbox WHERE lower(to_addr) = lower(?1)", -1,
                               &st, NULL) != SQLITE_OK)
            return fail(db, "erase e-mails", err);
        sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st) == SQLITE_DONE ? GDIR_OK : fail(db, "erase e-mails", err);
        sqlite3_finalize(st);
    }
    gdir_log(GDIR_LOG_INFO, "rgpd", "msg=\"requester erased\" requests=%lld files=%lld",
             *n_requests, *n_files);
    return rc;
}
