/*
 * imp_exports.c — the full exports of geodir-import: one file per format and licence scope
 * (common/gdir_export.h does the writing), their `exports` rows, the build folder's life
 * (created before the swap, discarded on failure, older ones pruned after the swap).
 */
#include "imp_exports.h"

#include "gdir_export.h"
#include "gdir_fs.h"
#include "gdir_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char SQL_INSERT[] =
    "INSERT INTO exports (name, dataset, format, licence, media_type, size, sha256, records,"
    " excluded, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
static const char SQL_META[] = "INSERT INTO meta (key, value) VALUES ('exports_dir', ?1)";
static const char SQL_PREVIOUS[] = "SELECT value FROM meta WHERE key = 'exports_dir'";
/* Any ODbL source (places or addresses)? Without one, the ODbL scope would be a second copy of
 * the Licence Ouverte files under another name: it is not built. */
static const char SQL_HAS_ODBL[] = "SELECT EXISTS (SELECT 1 FROM sources WHERE licence = 'ODbL-1.0')";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

/* A build id: UTC time and 6 random hex digits, e.g. 20261129T071502Z-3fa2c1. */
static void build_id(char *out, size_t cap)
{
    unsigned char rnd[3] = {0, 0, 0};
    time_t now = time(NULL);
    struct tm tm;
    char ts[32];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, rnd, sizeof rnd) != (ssize_t)sizeof rnd) {
        unsigned v = (unsigned)getpid() ^ (unsigned)now;
        rnd[0] = (unsigned char)v, rnd[1] = (unsigned char)(v >> 8);
        rnd[2] = (unsigned char)(v >> 16);
    }
    if (fd >= 0)
        close(fd);
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(out, cap, "%s-%02x%02x%02x", ts, rnd[0], rnd[1], rnd[2]);
}

/* Is name a build folder's name (what build_id writes)? Only those are ever pruned. */
static int is_build_name(const char *name)
{
    static const char shape[] = "00000000T000000Z-xxxxxx";
    if (strlen(name) != sizeof shape - 1)
        return 0;
    for (size_t i = 0; shape[i]; i++) {
        char c = name[i];
        if (shape[i] == '0' && !(c >= '0' && c <= '9'))
            return 0;
        if (shape[i] == 'x' && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return 0;
        if (shape[i] != '0' && shape[i] != 'x' && c != shape[i])
            return 0;
    }
    return 1;
}

/* The file in a build folder that names the run building it, until that run's database is
 * swapped in: a folder still holding it whose run is dead is a killed run's. */
#define OWNER_FILE ".import-pid"

static int write_owner(const char *dir, struct gdir_err *err)
{
    char *p = join(dir, OWNER_FILE);
    FILE *f = p ? fopen(p, "w") : NULL;
    int rc = GDIR_OK;
    if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0)
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", p ? p : dir, strerror(errno));
    if (f && fclose(f) != 0 && !rc)
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", p, strerror(errno));
    free(p);
    return rc;
}

/* The pid named by dir's owner file, or 0 (no file: a finished build). */
static long read_owner(const char *dir)
{
    char *p = join(dir, OWNER_FILE);
    FILE *f = p ? fopen(p, "r") : NULL;
    long pid = 0;
    if (f && fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    if (f)
        fclose(f);
    free(p);
    return pid;
}

static int fsync_path(const char *path, struct gdir_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return gdir_err_set(err, GDIR_EIO, "%s: sync: %s", path, strerror(e));
    }
    close(fd);
    return GDIR_OK;
}

/* The build id named by the database currently at db_path, if any (read-only, plain SQLite:
 * meta is an ordinary table). */
static char *previous_build(const char *db_path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char *id = NULL;
    if (access(db_path, R_OK) != 0)
        return NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, SQL_PREVIOUS, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        const char *slash = strrchr(v, '/');
        id = strdup(slash ? slash + 1 : v);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return id;
}

static int write_one(struct imp_exports *x, sqlite3 *db, sqlite3_stmt *ins,
                     struct gdir_export_src *src, const struct gdir_export_meta *m,
                     enum gdir_export_format f, enum gdir_export_licence l, const char *created,
                     struct gdir_err *err)
{
    const struct gdir_export_format_info *fi = gdir_export_format_get(f);
    struct gdir_export_result res;
    char name[128];
    char *path = NULL;
    double t0 = now_s();
    int rc;

    if ((rc = gdir_export_file_name(f, l, name, sizeof name)))
        return gdir_err_set(err, rc, "export: file name too long");
    if (!(path = join(x->dir, name)))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    rc = gdir_export_write_file(f, path, src, m, &res, err);
    if (rc == GDIR_ETOOBIG && f == GDIR_EXPORT_XLSX) {
        gdir_log(GDIR_LOG_WARN, "import", "msg=\"xlsx export skipped: more places than a "
                 "spreadsheet's 1,048,575 rows\" file=%s", name);
        gdir_err_clear(err);
        rc = GDIR_OK;
        goto out;
    }
    if (rc || (rc = fsync_path(path, err)))
        goto out;
    sqlite3_bind_text(ins, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 2, fi->dataset, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 3, fi->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 4, gdir_export_licence_id(l), -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 5, fi->media_type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 6, res.size);
    sqlite3_bind_text(ins, 7, res.sha256, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 8, res.records);
    sqlite3_bind_int64(ins, 9, res.excluded);
    sqlite3_bind_text(ins, 10, created, -1, SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE)
        rc = gdir_err_set(err, GDIR_EDB, "exports: %s: %s", name, sqlite3_errmsg(db));
    sqlite3_reset(ins);
    sqlite3_clear_bindings(ins);
    if (!rc) {
        x->files++;
        gdir_log(GDIR_LOG_INFO, "import", "msg=\"export written\" file=%s records=%lld "
                 "excluded=%lld bytes=%lld ms=%.0f", name, res.records, res.excluded, res.size,
                 (now_s() - t0) * 1000);
    }
out:
    free(path);
    return rc;
}

int imp_exports_build(struct imp_exports *x, sqlite3 *db, const struct gdir_territory *t,
                      const char *db_path, struct gdir_err *err)
{
    struct gdir_export_meta m;
    struct gdir_export_src *src = NULL;
    sqlite3_stmt *ins = NULL, *meta = NULL, *has_odbl = NULL;
    char id[64], created[32], rel[96], *folder = NULL;
    time_t now = time(NULL);
    struct tm tm;
    double t0 = now_s();
    int rc = GDIR_ENOMEM, have_meta = 0, odbl = 1;

    memset(x, 0, sizeof *x);
    memset(&m, 0, sizeof m);
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    build_id(id, sizeof id);
    /* <db file name>.exports/: each database has its own folder, so that pruning the builds
     * of one never touches another's (several databases may share a folder). */
    const char *base = strrchr(db_path, '/') ? strrchr(db_path, '/') + 1 : db_path;
    snprintf(rel, sizeof rel, "%.60s.exports", base);
    if (!(folder = gdir_dir_of(db_path)) || !(x->root = join(folder, rel)) ||
        !(x->dir = join(x->root, id))) {
        gdir_err_set(err, rc, "out of memory");
        goto out;
    }
    snprintf(rel + strlen(rel), sizeof rel - strlen(rel), "/%s", id);
    x->previous = previous_build(db_path);
    if (!(x->db_path = strdup(db_path))) {
        gdir_err_set(err, rc, "out of memory");
        goto out;
    }
    if ((mkdir(x->root, 0755) != 0 && errno != EEXIST) || mkdir(x->dir, 0755) != 0) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", x->dir, strerror(errno));
        free(x->dir);
        x->dir = NULL;       /* not ours to remove */
        goto out;
    }
    if ((rc = write_owner(x->dir, err)))
        goto out;
    if (sqlite3_prepare_v2(db, SQL_INSERT, -1, &ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, SQL_META, -1, &meta, NULL) != SQLITE_OK) {
        rc = gdir_err_set(err, GDIR_EDB, "exports: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (sqlite3_prepare_v2(db, SQL_HAS_ODBL, -1, &has_odbl, NULL) != SQLITE_OK ||
        sqlite3_step(has_odbl) != SQLITE_ROW) {
        rc = gdir_err_set(err, GDIR_EDB, "exports: %s", sqlite3_errmsg(db));
        goto out;
    }
    odbl = sqlite3_column_int(has_odbl, 0);
    gdir_export_ogr_init();
    for (int l = 0; l < GDIR_EXPORT_LICENCE__COUNT; l++) {
        if (l == GDIR_EXPORT_ODBL && !odbl) {
            gdir_log(GDIR_LOG_INFO, "import", "msg=\"no ODbL source: the Licence Ouverte exports "
                     "hold every place, no ODbL copy is built\"");
            continue;
        }
        if ((rc = gdir_export_meta_build(&m, db, (enum gdir_export_licence)l, t->public_json,
                                         created, err)))
            goto out;
        have_meta = 1;
        if ((rc = gdir_export_src_open(&src, db, (enum gdir_export_licence)l, NULL, 0, err)))
            goto out;
        /* The count of places left out, known before any file is written (GeoJSON/KML
         * headers, LICENCE.txt, gpkg metadata say it); the ODbL scope leaves none out. */
        const struct gdir_export_row *row;
        while (l != GDIR_EXPORT_ODBL && (rc = gdir_export_src_next(src, &row, err)) == 1)
            ;
        if (rc < 0)
            goto out;
        m.excluded = gdir_export_src_excluded(src);
        for (size_t k = 0; k < t->open_data.n_exports; k++) {
            enum gdir_export_format f;
            if (gdir_export_format_find(t->open_data.exports[k], &f))
                continue;   /* validated by gdir_territory_load */
            if (f == GDIR_EXPORT_SCDL && !m.publisher_siret) {
                if (l == 0)
                    gdir_log(GDIR_LOG_WARN, "import", "msg=\"scdl-equipements export skipped: "
                             "open_data.publisher_siret is not set (the schema requires "
                             "COLL_SIRET)\"");
                continue;
            }
            if ((rc = write_one(x, db, ins, src, &m, f, (enum gdir_export_licence)l, created,
                                err)))
                goto out;
        }
        gdir_export_src_free(src);
        src = NULL;
        gdir_export_meta_free(&m);
        have_meta = 0;
    }
    sqlite3_bind_text(meta, 1, rel, -1, SQLITE_STATIC);
    if (sqlite3_step(meta) != SQLITE_DONE) {
        rc = gdir_err_set(err, GDIR_EDB, "exports: meta: %s", sqlite3_errmsg(db));
        goto out;
    }
    rc = fsync_path(x->dir, err);
    if (!rc)
        rc = fsync_path(x->root, err);
out:
    x->seconds = now_s() - t0;
    sqlite3_finalize(ins);
    sqlite3_finalize(meta);
    sqlite3_finalize(has_odbl);
    gdir_export_src_free(src);
    if (have_meta)
        gdir_export_meta_free(&m);
    free(folder);
    if (rc)
        imp_exports_discard(x);
    else
        gdir_log(GDIR_LOG_INFO, "import", "msg=\"exports written\" dir=%s files=%d s=%.2f",
                 rel, x->files, x->seconds);
    return rc;
}

void imp_exports_prune(struct imp_exports *x)
{
    DIR *d;
    struct dirent *e;
    const char *current;
    if (!x || !x->root || !x->dir)
        return;
    current = strrchr(x->dir, '/') + 1;
    char *owner = join(x->dir, OWNER_FILE);   /* the build is served now: no longer a run's */
    if (owner)
        unlink(owner);
    free(owner);
    if (!(d = opendir(x->root)))
        return;
    while ((e = readdir(d))) {
        if (!is_build_name(e->d_name) || !strcmp(e->d_name, current) ||
            (x->previous && !strcmp(e->d_name, x->previous)))
            continue;
        char *p = join(x->root, e->d_name);
        if (p) {
            gdir_remove_tree(p);
            gdir_log(GDIR_LOG_INFO, "import", "msg=\"old exports removed\" dir=%s",
                     p);
            free(p);
        }
    }
    closedir(d);
}

void imp_exports_remove_stale(const char *db_path)
{
    struct imp_exports x;
    DIR *d;
    struct dirent *e;
    char *served = previous_build(db_path), *folder = gdir_dir_of(db_path);
    const char *base = strrchr(db_path, '/') ? strrchr(db_path, '/') + 1 : db_path;
    char rel[96];

    memset(&x, 0, sizeof x);
    snprintf(rel, sizeof rel, "%.60s.exports", base);
    if (!folder || !(x.root = join(folder, rel)) || !(d = opendir(x.root)))
        goto out;
    while ((e = readdir(d))) {
        if (!is_build_name(e->d_name) || (served && !strcmp(e->d_name, served)))
            continue;
        char *p = join(x.root, e->d_name);
        long pid = p ? read_owner(p) : 0;
        if (pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            gdir_remove_tree(p);
            gdir_log(GDIR_LOG_INFO, "import", "msg=\"removed the export folder of a dead import\" "
                     "dir=\"%s\" pid=%ld", p, pid);
        }
        free(p);
    }
    closedir(d);
out:
    free(x.root);
    free(served);
    free(folder);
}

void imp_exports_discard(struct imp_exports *x)
{
    if (!x || !x->dir)
        return;
    char *served = x->db_path ? previous_build(x->db_path) : NULL;
    int in_use = served && !strcmp(served, strrchr(x->dir, '/') + 1);
    free(served);
    if (in_use) {
        gdir_log(GDIR_LOG_WARN, "import", "msg=\"exports kept: the database naming them was "
                 "swapped in\"");
        return;
    }
    gdir_remove_tree(x->dir);
    free(x->dir);
    x->dir = NULL;
}

void imp_exports_free(struct imp_exports *x)
{
    if (!x)
        return;
    free(x->root);
    free(x->dir);
    free(x->previous);
    free(x->db_path);
    memset(x, 0, sizeof *x);
}
