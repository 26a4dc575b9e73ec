/*
 * cmd_backup.c — geodir-admin backup (see cmd_backup.h): a consistent copy of the forms
 * database taken beside a serving geodir-api, the attachments its snapshot names, and the
 * manifest; plus the helpers restore shares (file copy, fsync, database check) and the
 * commands' argument parsing.
 */
#define _GNU_SOURCE   /* realpath */
#include "cmd_backup.h"

#include "gdir_fs.h"
#include "gdir_hash.h"
#include "gdir_json.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define COPY_CHUNK (1u << 16)
#define BUSY_MS 10000

int admin_backup_command(const char *name)
{
    return strcmp(name, "backup") == 0 || strcmp(name, "restore") == 0;
}

void backup_path(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap)
        out[0] = '\0';
}

int backup_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 255 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (name[i] == '/' || name[i] <= ' ' || name[i] > '~')
            return 0;
    return 1;
}

int backup_sync_dir(const char *dir, struct gdir_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ok = fd >= 0 && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    return ok ? GDIR_OK : gdir_err_set(err, GDIR_EIO, "%s: fsync: %s", dir, strerror(errno));
}

int backup_copy_file(const char *src, const char *dst, struct gdir_err *err)
{
    int in = open(src, O_RDONLY | O_CLOEXEC), out = -1, rc = GDIR_OK;
    char *buf = malloc(COPY_CHUNK);
    ssize_t n;

    if (in < 0 || !buf) {
        rc = gdir_err_set(err, errno == ENOENT ? GDIR_ENOTFOUND : GDIR_EIO, "%s: %s", src,
                          in < 0 ? strerror(errno) : "out of memory");
        goto out;
    }
    if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", dst, strerror(errno));
        goto out;
    }
    while ((n = read(in, buf, COPY_CHUNK)) > 0)
        if (gdir_write_all(out, buf, (size_t)n)) {
            n = -1;
            break;
        }
    if (n < 0 || fsync(out) != 0)
        rc = gdir_err_set(err, GDIR_EIO, "%s -> %s: %s", src, dst, strerror(errno));
out:
    if (out >= 0 && close(out) != 0 && !rc)
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", dst, strerror(errno));
    if (in >= 0)
        close(in);
    free(buf);
    return rc;
}

/* The single text value of a one-row statement into out. */
static int one_text(sqlite3 *db, const char *sql, char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
    if (!rc)
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc;
}

int backup_check_db(const char *path, int *version, struct gdir_err *err)
{
    sqlite3 *db = NULL;
    char v[32], ic[200];
    int rc = GDIR_OK;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        one_text(db, "PRAGMA user_version", v, sizeof v) ||
        one_text(db, "PRAGMA integrity_check", ic, sizeof ic)) {
        rc = gdir_err_set(err, GDIR_EDB, "%s: not a readable SQLite database (%s)", path,
                          db ? sqlite3_errmsg(db) : "cannot open");
    } else if (strcmp(ic, "ok") != 0) {
        rc = gdir_err_set(err, GDIR_ECONFLICT, "%s: integrity_check: %s", path, ic);
    } else {
        *version = (int)strtol(v, NULL, 10);
    }
    sqlite3_close(db);
    return rc;
}

/* What a backup run holds. */
struct bk {
    const char *forms_db, *files_dir, *dir;
    char stage[PATH_MAX], path[PATH_MAX], path2[PATH_MAX];
    sqlite3 *src;
    struct gdir_buf files_json;  /* the manifest's "files" members, written as they are copied */
    struct gdir_json fj;
    long long n_files, files_bytes, n_requests;
    int n_missing;
};

/* Test hook: with GEODIR_TEST_BACKUP_HOLD=PATH set and the file PATH present, the backup
 * creates PATH.held once its snapshot is taken and waits until PATH is removed
 * (tests/backup/test_backup.py files submissions meanwhile). */
static void test_hold(void)
{
    const char *hold = getenv("GEODIR_TEST_BACKUP_HOLD");
    char held[PATH_MAX];
    int fd;

    if (!hold || !*hold || access(hold, F_OK) != 0)
        return;
    backup_path(held, sizeof held, "%s.held", hold);
    if ((fd = open(held, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) >= 0)
        close(fd);
    while (access(hold, F_OK) == 0)
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
}

/* The forms database's snapshot: a read transaction on src, copied whole by the online backup
 * API into stage/forms.sqlite, then made a rollback-journal file (one file, no -wal). */
static int copy_database(struct bk *b, struct gdir_err *err)
{
    sqlite3 *dst = NULL;
    sqlite3_backup *op;
    char n[32];
    int rc = GDIR_EDB;

    if (sqlite3_open_v2(b->forms_db, &b->src, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        return gdir_err_set(err, GDIR_EDB, "%s: %s", b->forms_db,
                            b->src ? sqlite3_errmsg(b->src) : "cannot open");
    sqlite3_busy_timeout(b->src, BUSY_MS);
    if (sqlite3_exec(b->src, "PRAGMA query_only = 1; BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        one_text(b->src, "SELECT count(*) FROM requests", n, sizeof n))
        return gdir_err_set(err, GDIR_EDB, "%s: %s (not a forms database?)", b->forms_db,
                            sqlite3_errmsg(b->src));
    b->n_requests = strtoll(n, NULL, 10);
    test_hold();
    backup_path(b->path, sizeof b->path, "%s/%s", b->stage, BACKUP_DB);
    if (sqlite3_open_v2(b->path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) ==
            SQLITE_OK &&
        (op = sqlite3_backup_init(dst, "main", b->src, "main")) != NULL) {
        int step = sqlite3_backup_step(op, -1);   /* all pages, in the snapshot above */
        if (sqlite3_backup_finish(op) == SQLITE_OK && step == SQLITE_DONE &&
            sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) == SQLITE_OK)
            rc = GDIR_OK;
    }
    if (rc)
        gdir_err_set(err, GDIR_EDB, "%s: backup: %s", b->path,
                     dst ? sqlite3_errmsg(dst) : "cannot open");
    if (sqlite3_close(dst) != SQLITE_OK && !rc)
        rc = gdir_err_set(err, GDIR_EDB, "%s: close failed", b->path);
    return rc;
}

/* One attachment named by the snapshot: copied, then its copy's SHA-256 and size checked
 * against the database's. A file erased since the snapshot (RGPD erasure, purge) is counted,
 * not an error: the live database no longer names it either. */
static int copy_attachment(struct bk *b, const char *stored, long long size, const char *sha,
                           struct gdir_err *err)
{
    char hex[65];
    long long got = -1;
    int rc;

    if (!backup_name_ok(stored))
        return gdir_err_set(err, GDIR_EDB, "%s: attachment file name refused", b->forms_db);
    backup_path(b->path, sizeof b->path, "%s/%s", b->files_dir, stored);
    backup_path(b->path2, sizeof b->path2, "%s/%s/%s", b->stage, BACKUP_FILES, stored);
    if ((rc = backup_copy_file(b->path, b->path2, err)) == GDIR_ENOTFOUND) {
        gdir_err_clear(err);
        b->n_missing++;
        return GDIR_OK;
    }
    if (rc || (rc = gdir_sha256_file(b->path2, hex, &got, err)))
        return rc;
    if (got != size || strcmp(hex, sha) != 0)
        return gdir_err_set(err, GDIR_ECONFLICT, "%s: %lld bytes, SHA-256 %s; the database "
                            "recorded %lld bytes, %s: the attachments folder is damaged",
                            b->path, got, hex, size, sha);
    gdir_json_obj_begin(&b->fj);
    gdir_json_kstr(&b->fj, "file", b->path2 + strlen(b->stage) + 1);
    gdir_json_kint(&b->fj, "size", got);
    gdir_json_kstr(&b->fj, "sha256", hex);
    gdir_json_obj_end(&b->fj);
    b->n_files++;
    b->files_bytes += got;
    return GDIR_OK;
}

/* Every attachment of the snapshot, while its read transaction is open. */
static int copy_attachments(struct bk *b, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = GDIR_OK, step;

    if (sqlite3_prepare_v2(b->src, "SELECT stored, size, sha256 FROM attachments ORDER BY stored",
                           -1, &st, NULL) != SQLITE_OK)
        return gdir_err_set(err, GDIR_EDB, "%s: %s", b->forms_db, sqlite3_errmsg(b->src));
    gdir_buf_init(&b->files_json, 0);
    gdir_json_init(&b->fj, &b->files_json);
    gdir_json_arr_begin(&b->fj);
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW)
        rc = copy_attachment(b, (const char *)sqlite3_column_text(st, 0),
                             sqlite3_column_int64(st, 1), (const char *)sqlite3_column_text(st, 2),
                             err);
    if (!rc && step != SQLITE_DONE)
        rc = gdir_err_set(err, GDIR_EDB, "%s: %s", b->forms_db, sqlite3_errmsg(b->src));
    sqlite3_finalize(st);
    gdir_json_arr_end(&b->fj);
    if (!rc && gdir_json_error(&b->fj))
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    backup_path(b->path, sizeof b->path, "%s/%s", b->stage, BACKUP_FILES);
    return rc ? rc : backup_sync_dir(b->path, err);
}

/* Writes text into the new file path, fsynced. */
static int write_file(const char *path, const char *text, size_t n, struct gdir_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    int ok = fd >= 0 && gdir_write_all(fd, text, n) == 0 && fsync(fd) == 0;
    if (fd >= 0 && close(fd) != 0)
        ok = 0;
    return ok ? GDIR_OK : gdir_err_set(err, GDIR_EIO, "%s: %s", path, strerror(errno));
}

/* manifest.json: what was copied, with sizes and SHA-256, the schema version and the time. */
static int write_manifest(struct bk *b, struct gdir_err *err)
{
    char hex[65], when[32], real_db[PATH_MAX], real_files[PATH_MAX];
    long long size = 0;
    int version = 0, rc;
    time_t now = time(NULL);
    struct tm tm;
    struct gdir_buf out;
    struct gdir_json j;

    backup_path(b->path, sizeof b->path, "%s/%s", b->stage, BACKUP_DB);
    if ((rc = backup_check_db(b->path, &version, err)) ||
        (rc = gdir_sha256_file(b->path, hex, &size, err)))
        return rc;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    gdir_buf_init(&out, 0);
    gdir_json_init(&j, &out);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "format", BACKUP_FORMAT);
    gdir_json_kint(&j, "version", BACKUP_VERSION);
    gdir_json_kstr(&j, "created_at", when);
    gdir_json_kstr(&j, "forms_db", realpath(b->forms_db, real_db) ? real_db : b->forms_db);
    gdir_json_kstr(&j, "files_dir", realpath(b->files_dir, real_files) ? real_files
                                                                         : b->files_dir);
    gdir_json_key(&j, "database");
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "file", BACKUP_DB);
    gdir_json_kint(&j, "size", size);
    gdir_json_kstr(&j, "sha256", hex);
    gdir_json_kint(&j, "schema_version", version);
    gdir_json_kstr(&j, "integrity_check", "ok");
    gdir_json_kint(&j, "requests", b->n_requests);
    gdir_json_obj_end(&j);
    gdir_json_key(&j, "files");
    gdir_json_raw(&j, gdir_buf_str(&b->files_json));
    gdir_json_kint(&j, "erased_during_backup", b->n_missing);
    gdir_json_obj_end(&j);
    gdir_buf_addc(&out, '\n');
    backup_path(b->path, sizeof b->path, "%s/%s", b->stage, BACKUP_MANIFEST);
    rc = gdir_json_error(&j) || out.err ? gdir_err_set(err, GDIR_ENOMEM, "out of memory")
                                        : write_file(b->path, out.data, out.len, err);
    gdir_buf_free(&out);
    if (!rc)
        printf("backup %s: %s (schema %d, %lld requests, %lld bytes), %lld attachments "
               "(%lld bytes)%s, %s\n", b->dir, BACKUP_DB, version, b->n_requests, size,
               b->n_files, b->files_bytes, b->n_missing ? ", some erased meanwhile" : "", when);
    return rc;
}

static int do_backup(struct bk *b, struct gdir_err *err)
{
    struct stat st;
    char *parent;
    int rc;

    if (stat(b->dir, &st) == 0)
        return gdir_err_set(err, GDIR_ECONFLICT, "%s already exists: give a new folder",
                            b->dir);
    backup_path(b->stage, sizeof b->stage, "%s.partial-%ld", b->dir, (long)getpid());
    backup_path(b->path, sizeof b->path, "%s/%s", b->stage, BACKUP_FILES);
    if (mkdir(b->stage, 0700) != 0 || mkdir(b->path, 0700) != 0)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", b->stage, strerror(errno));
    rc = copy_database(b, err);
    if (!rc)
        rc = copy_attachments(b, err);
    if (b->src) {
        sqlite3_exec(b->src, "COMMIT", NULL, NULL, NULL);   /* the snapshot's end */
        sqlite3_close(b->src);
        b->src = NULL;
    }
    if (!rc)
        rc = write_manifest(b, err);
    if (!rc && (rc = backup_sync_dir(b->stage, err)) == GDIR_OK &&
        rename(b->stage, b->dir) != 0)
        rc = gdir_err_set(err, GDIR_EIO, "%s -> %s: %s", b->stage, b->dir, strerror(errno));
    if (rc) {
        gdir_remove_tree(b->stage);   /* a failed run leaves nothing */
        return rc;
    }
    parent = gdir_dir_of(b->dir);
    rc = backup_sync_dir(parent ? parent : ".", err);
    free(parent);
    return rc;
}

/* A path argument copied into out without its trailing '/' (so that "DIR.partial-PID" and
 * "files_dir.restore-PID" stay beside it, not inside); -1 when missing, empty or too long. */
static int path_arg(char out[BACKUP_ARG_MAX + 1], const char *in)
{
    size_t n = in ? strlen(in) : 0;
    while (n > 1 && in[n - 1] == '/')
        n--;
    if (n == 0 || n > BACKUP_ARG_MAX)
        return -1;
    memcpy(out, in, n);
    out[n] = '\0';
    return 0;
}

int admin_backup_main(const char *forms_db, int argc, char **argv)
{
    const char *files_dir = getenv("GEODIR_FORMS_FILES_DIR"), *dir = NULL;
    static char db_p[BACKUP_ARG_MAX + 1], files_p[BACKUP_ARG_MAX + 1], dir_p[BACKUP_ARG_MAX + 1];
    struct gdir_err err;
    int rc;

    gdir_err_clear(&err);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--files-dir") == 0 && i + 1 < argc)
            files_dir = argv[++i];
        else if (argv[i][0] != '-' && !dir)
            dir = argv[i];
        else
            return fprintf(stderr, "geodir-admin: %s: unexpected \"%s\"\n", argv[0], argv[i]), 2;
    }
    if (path_arg(dir_p, dir) || path_arg(db_p, forms_db) || path_arg(files_p, files_dir)) {
        fprintf(stderr, "geodir-admin: %s DIR needs --forms-db (or GEODIR_FORMS_DB) and "
                        "--files-dir (or GEODIR_FORMS_FILES_DIR), paths of at most %d bytes\n",
                argv[0], BACKUP_ARG_MAX);
        return 2;
    }
    if (strcmp(argv[0], "backup") == 0) {
        struct bk b = {.forms_db = db_p, .files_dir = files_p, .dir = dir_p};
        rc = do_backup(&b, &err);
        gdir_buf_free(&b.files_json);
    } else {
        rc = backup_restore(db_p, files_p, dir_p, &err);
    }
    if (!rc)
        return 0;
    fprintf(stderr, "geodir-admin: %s: %s\n", argv[0], err.msg[0] ? err.msg : gdir_err_text(rc));
    return rc == GDIR_ECONFLICT ? 3 : 1;
}
