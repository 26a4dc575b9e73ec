/*
 * cmd_restore.c — geodir-admin restore (see cmd_backup.h): the backup's manifest checked file
 * by file (size, SHA-256, nothing more, schema version, integrity), no process holding the
 * forms database, then the copies staged beside their targets and swapped in by rename; the
 * previous database and attachments folder are kept as *.before-restore-STAMP.
 */
#define _GNU_SOURCE   /* renameat2 */
#include "cmd_backup.h"

#include "forms_store.h"
#include "gdir_cjson.h"
#include "gdir_fs.h"
#include "gdir_hash.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MANIFEST_MAX (64u * 1024u * 1024u)
/* SQLite's unix VFS: the lock bytes of a database file (PENDING_BYTE and the SHARED range),
 * and those of its -shm file (the WAL locks and the DMS byte every open connection holds). */
#define DB_LOCK_START 0x40000000L
#define DB_LOCK_LEN 512
#define SHM_LOCK_START 120
#define SHM_LOCK_LEN 9

struct rs {
    const char *forms_db, *files_dir, *dir;
    cJSON *manifest;
    char stamp[32], path[PATH_MAX], stage_db[PATH_MAX], stage_files[PATH_MAX];
};

/* The process holding a lock on bytes [start, start + len) of path, or 0. */
static long lock_holder(const char *path, long start, long len)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    long pid = 0;

    if (fd < 0)
        return 0;
    if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
        pid = fl.l_pid > 0 ? (long)fl.l_pid : -1;
    close(fd);
    return pid;
}

/* Refuses while another process (a geodir-api, a geodir-admin) has the forms database open. */
static int check_not_open(struct rs *r, struct gdir_err *err)
{
    long pid = lock_holder(r->forms_db, DB_LOCK_START, DB_LOCK_LEN);

    backup_path(r->path, sizeof r->path, "%s-shm", r->forms_db);
    if (!pid)
        pid = lock_holder(r->path, SHM_LOCK_START, SHM_LOCK_LEN);
    if (pid)
        return gdir_err_set(err, GDIR_ECONFLICT, "%s is open by process %ld (a geodir-api "
                            "serving it?): stop it first (systemctl stop geodir-api); nothing "
                            "restored", r->forms_db, pid);
    return GDIR_OK;
}

/* One manifest entry {file, size, sha256}: the file under dir has that size and SHA-256. */
static int verify_entry(struct rs *r, const cJSON *e, const char *prefix, struct gdir_err *err)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(e, "file");
    const cJSON *size = cJSON_GetObjectItemCaseSensitive(e, "size");
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(e, "sha256");
    size_t pl = strlen(prefix);
    char hex[65];
    long long got = -1;

    if (!cJSON_IsString(f) || !cJSON_IsNumber(size) || !cJSON_IsString(sha) ||
        strncmp(f->valuestring, prefix, pl) != 0 || !backup_name_ok(f->valuestring + pl))
        return gdir_err_set(err, GDIR_ECONFLICT, "%s/%s: an entry is malformed: not a backup "
                            "of geodir-admin, nothing restored", r->dir, BACKUP_MANIFEST);
    backup_path(r->path, sizeof r->path, "%s/%s", r->dir, f->valuestring);
    if (gdir_sha256_file(r->path, hex, &got, err))
        return gdir_err_set(err, GDIR_ECONFLICT, "%s: missing or unreadable: the backup is "
                            "incomplete, nothing restored", r->path);
    if (got != (long long)size->valuedouble || strcmp(hex, sha->valuestring) != 0)
        return gdir_err_set(err, GDIR_ECONFLICT, "%s: the backup is corrupted, nothing "
                            "restored (%lld bytes, SHA-256 %.16s…; the manifest says %.0f bytes, "
                            "%.16s…)", r->path, got, hex, size->valuedouble, sha->valuestring);
    return GDIR_OK;
}

/* The files of dir/files are exactly the n listed by the manifest. */
static int verify_no_extra(struct rs *r, int n, struct gdir_err *err)
{
    DIR *d;
    struct dirent *e;
    int seen = 0;

    backup_path(r->path, sizeof r->path, "%s/%s", r->dir, BACKUP_FILES);
    if (!(d = opendir(r->path)))
        return gdir_err_set(err, GDIR_ECONFLICT, "%s: missing: nothing restored", r->path);
    while ((e = readdir(d)))
        seen += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    if (seen != n)
        return gdir_err_set(err, GDIR_ECONFLICT, "%s holds %d files, the manifest lists %d: "
                            "nothing restored", r->path, seen, n);
    return GDIR_OK;
}

/* The manifest read and every file it lists checked; the database's schema and integrity. */
static int verify(struct rs *r, struct gdir_err *err)
{
    const cJSON *fmt, *ver, *db, *files, *e, *sv;
    char *text = NULL;
    size_t len = 0;
    int n = 0, version = -1, rc;

    backup_path(r->path, sizeof r->path, "%s/%s", r->dir, BACKUP_MANIFEST);
    if (gdir_file_read(r->path, MANIFEST_MAX, &text, &len, err))
        return gdir_err_set(err, GDIR_ECONFLICT, "%s: missing or unreadable: not a whole "
                            "backup, nothing restored", r->path);
    r->manifest = gdir_cjson_parse(text, len, r->path, GDIR_ECONFLICT, err);
    free(text);
    if (!r->manifest)
        return GDIR_ECONFLICT;
    fmt = cJSON_GetObjectItemCaseSensitive(r->manifest, "format");
    ver = cJSON_GetObjectItemCaseSensitive(r->manifest, "version");
    db = cJSON_GetObjectItemCaseSensitive(r->manifest, "database");
    files = cJSON_GetObjectItemCaseSensitive(r->manifest, "files");
    sv = cJSON_GetObjectItemCaseSensitive(db, "schema_version");
    if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(r->manifest, "created_at")) ||
        !cJSON_IsString(fmt) || strcmp(fmt->valuestring, BACKUP_FORMAT) != 0 ||
        !cJSON_IsNumber(ver) || ver->valueint != BACKUP_VERSION || !cJSON_IsArray(files) ||
        !cJSON_IsNumber(sv))
        return gdir_err_set(err, GDIR_ECONFLICT, "%s: not a manifest of geodir-admin backup "
                            "version %d, nothing restored", r->path, BACKUP_VERSION);
    if ((rc = verify_entry(r, db, "", err)))
        return rc;
    cJSON_ArrayForEach(e, files) {
        if ((rc = verify_entry(r, e, BACKUP_FILES "/", err)))
            return rc;
        n++;
    }
    if ((rc = verify_no_extra(r, n, err)))
        return rc;
    backup_path(r->path, sizeof r->path, "%s/%s", r->dir, BACKUP_DB);
    if ((rc = backup_check_db(r->path, &version, err)))
        return err->code = GDIR_ECONFLICT;
    if (version != sv->valueint || version > FORMS_SCHEMA_VERSION)
        return gdir_err_set(err, GDIR_ECONFLICT, "%s: schema version %d (manifest: %d); this "
                            "geodir-admin knows up to %d: nothing restored", r->path, version,
                            sv->valueint, FORMS_SCHEMA_VERSION);
    return GDIR_OK;
}

/* The copies beside their targets: forms_db.restore-PID and files_dir.restore-PID/. */
static int stage(struct rs *r, struct gdir_err *err)
{
    const cJSON *e, *files = cJSON_GetObjectItemCaseSensitive(r->manifest, "files");
    char dst[PATH_MAX];
    int rc;

    backup_path(r->stage_db, sizeof r->stage_db, "%s.restore-%ld", r->forms_db, (long)getpid());
    backup_path(r->stage_files, sizeof r->stage_files, "%s.restore-%ld", r->files_dir,
             (long)getpid());
    backup_path(r->path, sizeof r->path, "%s/%s", r->dir, BACKUP_DB);
    if ((rc = backup_copy_file(r->path, r->stage_db, err)))
        return rc;
    if (mkdir(r->stage_files, 0700) != 0)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", r->stage_files, strerror(errno));
    cJSON_ArrayForEach(e, files) {
        const char *name = cJSON_GetObjectItemCaseSensitive(e, "file")->valuestring;
        backup_path(r->path, sizeof r->path, "%s/%s", r->dir, name);
        backup_path(dst, sizeof dst, "%s/%s", r->stage_files, name + strlen(BACKUP_FILES "/"));
        if ((rc = backup_copy_file(r->path, dst, err)))
            return rc;
    }
    return backup_sync_dir(r->stage_files, err);
}

/* The previous database made one self-contained file (its WAL checkpointed and removed, which
 * needs every other connection gone) and kept as forms_db.before-restore-STAMP (a hard link). */
static int keep_previous_db(struct rs *r, struct gdir_err *err)
{
    sqlite3 *db = NULL;
    int ok;

    if (access(r->forms_db, F_OK) != 0)
        return GDIR_OK;
    ok = sqlite3_open_v2(r->forms_db, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
         sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) == SQLITE_OK;
    if (!ok)
        gdir_err_set(err, GDIR_ECONFLICT, "%s: %s (in use?): nothing restored", r->forms_db,
                     db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_close(db);
    if (!ok)
        return GDIR_ECONFLICT;
    backup_path(r->path, sizeof r->path, "%s.before-restore-%s", r->forms_db, r->stamp);
    if (link(r->forms_db, r->path) != 0)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", r->path, strerror(errno));
    return GDIR_OK;
}

/* The staged database renamed over forms_db; the staged folder exchanged with files_dir
 * (renameat2 RENAME_EXCHANGE: files_dir is never missing), the previous one then kept. Once a
 * staged copy is in place its name is forgotten, so that a later failure removes nothing. */
static int swap_in(struct rs *r, struct gdir_err *err)
{
    char staged[PATH_MAX], *parent;
    int rc;

    if (rename(r->stage_db, r->forms_db) != 0)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", r->forms_db, strerror(errno));
    r->stage_db[0] = '\0';
    parent = gdir_dir_of(r->forms_db);
    rc = backup_sync_dir(parent ? parent : ".", err);
    free(parent);
    if (rc)
        return rc;
    memcpy(staged, r->stage_files, sizeof staged);
    if (access(r->files_dir, F_OK) == 0) {
        if (renameat2(AT_FDCWD, staged, AT_FDCWD, r->files_dir, RENAME_EXCHANGE) != 0)
            return gdir_err_set(err, GDIR_EIO, "%s: %s", r->files_dir, strerror(errno));
        r->stage_files[0] = '\0';   /* staged now names the previous folder: kept */
        backup_path(r->path, sizeof r->path, "%s.before-restore-%s", r->files_dir, r->stamp);
        if (rename(staged, r->path) != 0)
            return gdir_err_set(err, GDIR_EIO, "%s: %s", r->path, strerror(errno));
    } else if (rename(staged, r->files_dir) != 0) {
        return gdir_err_set(err, GDIR_EIO, "%s: %s", r->files_dir, strerror(errno));
    }
    r->stage_files[0] = '\0';
    parent = gdir_dir_of(r->files_dir);
    rc = backup_sync_dir(parent ? parent : ".", err);
    free(parent);
    return rc;
}

int backup_restore(const char *forms_db, const char *files_dir, const char *dir,
                   struct gdir_err *err)
{
    struct rs r = {.forms_db = forms_db, .files_dir = files_dir, .dir = dir};
    time_t now = time(NULL);
    struct tm tm;
    int rc;

    strftime(r.stamp, sizeof r.stamp, "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
    if ((rc = verify(&r, err)) || (rc = check_not_open(&r, err)) || (rc = stage(&r, err)) ||
        (rc = keep_previous_db(&r, err)) || (rc = swap_in(&r, err))) {
        if (r.stage_db[0])
            unlink(r.stage_db);
        if (r.stage_files[0])
            gdir_remove_tree(r.stage_files);
    } else {
        printf("restored %s and %s from %s (backup of %s); what they held before, if "
               "anything, is kept as *.before-restore-%s\n", forms_db, files_dir, dir,
               cJSON_GetObjectItemCaseSensitive(r.manifest, "created_at")->valuestring, r.stamp);
    }
    cJSON_Delete(r.manifest);
    return rc;
}
