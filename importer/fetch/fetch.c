/*
 * fetch.c — the driver of geodir-import's fetch step (fetch.h): the configuration and its
 * fetch entries (fetch_entry.c), the download folder and its lock, for each source the
 * download (fetch_http.c), the decompression (fetch_unpack.c), the check with its mapping
 * profile and the move into place, then the manifest (fetch_manifest.c) and the derived
 * configuration the import reads.
 *
 * What it does not do: import anything (imp_run does, from the derived configuration), or
 * talk to any network but the URLs the configuration and the catalogue give.
 */
#include "fetch_internal.h"
#include "gdir_hash.h"
#include "gdir_log.h"
#include "imp_run.h"
#include "imp_source.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MANIFEST_NAME "manifest.json"
#define LOCK_NAME ".fetch.lock"

/* ---------------------------------------------------------------------------------------- */
/* Checks */

/* The file is what the profile expects: not empty, not an HTML page, every field the
 * profile names is there, at least one record can be read. */
static int check_file(const char *path, const struct imp_profile *p, struct gdir_err *err)
{
    unsigned char head[512];
    size_t n = 0, i = 0;
    FILE *fp = fopen(path, "rb");
    struct imp_source *src = NULL;
    struct imp_feature feat;
    struct gdir_err why;
    int rc;

    if (!fp)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", path, strerror(errno));
    n = fread(head, 1, sizeof head - 1, fp);
    fclose(fp);
    head[n] = '\0';
    if (n == 0)
        return gdir_err_set(err, GDIR_EFORMAT, "empty file");
    if (n >= 3 && head[0] == 0xef && head[1] == 0xbb && head[2] == 0xbf)
        i = 3;
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    if (strncasecmp((const char *)head + i, "<!doctype html", 14) == 0 ||
        strncasecmp((const char *)head + i, "<html", 5) == 0)
        return gdir_err_set(err, GDIR_EFORMAT, "the server sent an HTML page, not the %s file "
                            "the profile %s reads (a portal or error page? check the URL)",
                            p->driver, p->name);
    gdir_err_clear(&why);
    if (imp_source_open(&src, path, p, &why))
        return gdir_err_set(err, GDIR_EFORMAT, "check failed: %s", why.msg);
    rc = imp_source_next(src, &feat, &why);
    imp_source_close(src);
    if (rc < 0)
        return gdir_err_set(err, GDIR_EFORMAT, "check failed: %s", why.msg);
    if (rc == 0)
        return gdir_err_set(err, GDIR_EFORMAT, "check failed: the file has no record");
    return GDIR_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* One source */

static void fail_item(struct fetch_item *it, const char *what)
{
    it->failed = 1;
    fprintf(stderr, "geodir-import: fetch: source %s (%s): %s\n", it->src->name, it->url, what);
}

/* The previous download is still there, unchanged, from the same URL and settings: the
 * request may ask the server whether it changed. */
static int can_ask_unchanged(const struct fetch_item *it)
{
    struct gdir_err ignored;
    char hex[65];
    return it->prev.present && strcmp(it->prev.url, it->url) == 0 &&
           strcmp(it->prev.file, it->rec.file) == 0 &&
           strcmp(it->prev.compression, it->rec.compression) == 0 &&
           (it->prev.etag[0] || it->prev.last_modified[0]) && fetch_is_file(it->final_path) &&
           gdir_sha256_file(it->final_path, hex, NULL, &ignored) == 0 &&
           strcmp(hex, it->prev.sha256) == 0;
}

/* The downloaded .part file as the candidate file: decompressed, or renamed when it is not
 * compressed (and does not look compressed either). */
static int unpack(struct fetch_item *it, struct gdir_err *err)
{
    unsigned char magic[4] = {0};
    FILE *fp;
    size_t got;

    if (it->comp == FETCH_COMP_GZIP)
        return fetch_gunzip_file(it->part_path, it->cand_path, it->max_bytes, err);
    if (it->comp == FETCH_COMP_ZIP)
        return fetch_unzip_file(it->part_path, it->member, it->cand_path, it->max_bytes,
                                it->rec.member, sizeof it->rec.member, err);
    fp = fopen(it->part_path, "rb");
    got = fp ? fread(magic, 1, sizeof magic, fp) : 0;
    if (fp)
        fclose(fp);
    if (got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        return gdir_err_set(err, GDIR_EFORMAT, "the file is gzip-compressed: add "
                            "\"compression\": \"gzip\" to the fetch entry");
    if (got == 4 && memcmp(magic, "PK\3\4", 4) == 0)
        return gdir_err_set(err, GDIR_EFORMAT, "the file is a zip archive: add "
                            "\"compression\": \"zip\" to the fetch entry");
    if (rename(it->part_path, it->cand_path) != 0)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", it->cand_path, strerror(errno));
    return GDIR_OK;
}

/* Downloaded: hash it, decompress it, check it, then put it in place. */
static int install(struct fetch *f, struct fetch_item *it, struct gdir_err *err)
{
    int rc;

    if ((rc = gdir_sha256_file(it->part_path, it->rec.download_sha256, NULL, err))) {
        unlink(it->part_path);
        return rc;
    }
    unlink(it->cand_path);
    rc = unpack(it, err);
    unlink(it->part_path);
    if (rc == GDIR_OK)
        rc = check_file(it->cand_path, &it->profile, err);
    if (rc == GDIR_OK)
        rc = gdir_sha256_file(it->cand_path, it->rec.sha256, NULL, err);
    if (rc == GDIR_OK && rename(it->cand_path, it->final_path) != 0)
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", it->final_path, strerror(errno));
    if (rc) {
        unlink(it->cand_path);
        return rc;
    }
    it->rec.size = fetch_file_size(it->final_path);
    if (it->comp == FETCH_COMP_NONE)
        fetch_copy(it->rec.download_sha256, sizeof it->rec.download_sha256, it->rec.sha256);
    fetch_copy(it->rec.fetched_at, sizeof it->rec.fetched_at, f->now);
    fetch_copy(it->rec.checked_at, sizeof it->rec.checked_at, f->now);
    return GDIR_OK;
}

/* Fetches one source; a failure is printed and marks the item failed. */
static int fetch_item(struct fetch *f, struct fetch_item *it)
{
    struct gdir_err err;
    const char *base = strrchr(it->final_path, '/');
    int rc;

    gdir_err_clear(&err);
    memset(&it->rec, 0, sizeof it->rec);
    fetch_copy(it->rec.url, sizeof it->rec.url, it->url);
    fetch_copy(it->rec.official_url, sizeof it->rec.official_url, it->official_url);
    fetch_copy(it->rec.catalogue, sizeof it->rec.catalogue, it->catalogue);
    fetch_copy(it->rec.compression, sizeof it->rec.compression, fetch_comp_names[it->comp]);
    fetch_copy(it->rec.file, sizeof it->rec.file, base ? base + 1 : it->final_path);

    rc = fetch_download(f, it, can_ask_unchanged(it), &err);
    if (rc == FETCH_UNCHANGED) {
        struct fetch_record keep = it->prev;
        if ((rc = check_file(it->final_path, &it->profile, &err)))
            goto out;
        fetch_copy(keep.checked_at, sizeof keep.checked_at, f->now);
        fetch_copy(keep.outcome, sizeof keep.outcome, "unchanged");
        it->rec = keep;
        if (!f->o->quiet)
            gdir_log(GDIR_LOG_INFO, "fetch", "source=%s outcome=unchanged file=\"%s\"",
                     it->src->name, it->final_path);
        goto out;
    }
    if (rc < 0 || (rc = install(f, it, &err)))
        goto out;
    if (!f->o->quiet)
        gdir_log(GDIR_LOG_INFO, "fetch", "source=%s outcome=%s bytes=%lld file=\"%s\"",
                 it->src->name, it->rec.outcome, it->rec.size, it->final_path);
out:
    if (rc < 0)
        fail_item(it, err.msg);
    return rc < 0 ? rc : GDIR_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* The derived configuration */

/* Keys of the configuration holding a path relative to the configuration file's folder, other
 * than data_dir: the derived configuration lives elsewhere, so they are made absolute. */
static const char *const config_relative_keys[] = {"overrides"};

/* Sets key to the string v in obj (replacing it when present). */
static int set_string(cJSON *obj, const char *key, const char *v)
{
    cJSON *item = v ? cJSON_CreateString(v) : NULL;
    if (!item)
        return -1;
    if (cJSON_HasObjectItem(obj, key))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);     /* takes ownership */
    else
        cJSON_AddItemToObject(obj, key, item);                      /* takes ownership */
    return 0;
}

static int write_effective_config(struct fetch *f, struct gdir_err *err)
{
    cJSON *sources = cJSON_GetObjectItemCaseSensitive(f->config, "sources");
    char *data_dir = fetch_absolute(f->t.data_dir), *text = NULL;
    const char *slash = strrchr(f->o->config, '/');
    int rc = GDIR_ENOMEM;

    if (!data_dir)
        goto out;
    for (size_t k = 0; k < sizeof config_relative_keys / sizeof config_relative_keys[0]; k++) {
        const char *v = fetch_json_str(f->config, config_relative_keys[k]);
        char *rel, *abs;
        if (!v || v[0] == '/')
            continue;
        rel = slash ? fetch_printf("%.*s/%s", (int)(slash - f->o->config), f->o->config, v)
                    : gdir_strdup(v);
        abs = rel ? fetch_absolute(rel) : NULL;
        free(rel);
        int bad = set_string(f->config, config_relative_keys[k], abs);
        free(abs);
        if (bad)
            goto out;
    }
    if (set_string(f->config, "data_dir", data_dir))
        goto out;
    for (size_t i = 0; i < f->n_items; i++) {
        cJSON *s = cJSON_GetArrayItem(sources, (int)f->items[i].index);
        if (!s || set_string(s, "path", f->items[i].final_path))
            goto out;
    }
    if (!(text = cJSON_Print(f->config)))
        goto out;
    rc = fetch_write_atomic(f->effective_path, text, strlen(text), err);
out:
    if (rc == GDIR_ENOMEM)
        gdir_err_set(err, rc, "out of memory");
    cJSON_free(text);
    free(data_dir);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* The download folder, the sources, the run */

/* The download folder: --fetch-dir, else "<folder of db>/downloads", absolute. */
static char *download_dir(const struct imp_fetch_opts *o)
{
    const char *slash;
    char *db_dir, *rel, *dir;

    if (o->fetch_dir)
        return fetch_absolute(o->fetch_dir);
    slash = strrchr(o->db, '/');
    db_dir = slash ? fetch_printf("%.*s", (int)(slash - o->db), o->db) : gdir_strdup(".");
    if (db_dir && !*db_dir) {
        free(db_dir);
        db_dir = gdir_strdup("/");
    }
    rel = db_dir ? fetch_printf("%s/downloads", db_dir) : NULL;
    dir = rel ? fetch_absolute(rel) : NULL;
    free(db_dir);
    free(rel);
    return dir;
}

/* Sets up the download folder, its lock and the names of its own files. */
static int open_dir(struct fetch *f, struct gdir_err *err)
{
    const char *base = strrchr(f->o->config, '/');
    char *cfg_base = gdir_strdup(base ? base + 1 : f->o->config), *lock = NULL;
    struct flock lk;
    int rc = GDIR_OK;

    f->dir = download_dir(f->o);
    if (cfg_base && strlen(cfg_base) > 5 && strcmp(cfg_base + strlen(cfg_base) - 5, ".json") == 0)
        cfg_base[strlen(cfg_base) - 5] = '\0';
    if (f->dir && cfg_base) {
        f->manifest_path = fetch_printf("%s/%s", f->dir, MANIFEST_NAME);
        f->effective_path = fetch_printf("%s/%s.fetched.json", f->dir, cfg_base);
    }
    if (!f->manifest_path || !f->effective_path) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto out;
    }
    if (fetch_make_dirs(f->dir) != 0) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: cannot create the download folder: %s", f->dir,
                          strerror(errno));
        goto out;
    }
    lock = fetch_printf("%s/%s", f->dir, LOCK_NAME);
    f->lock_fd = lock ? open(lock, O_RDWR | O_CREAT, 0666) : -1;
    memset(&lk, 0, sizeof lk);
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    if (f->lock_fd < 0 || fcntl(f->lock_fd, F_SETLK, &lk) != 0)
        rc = gdir_err_set(err, f->lock_fd < 0 ? GDIR_EIO : GDIR_EBUSY, "%s: %s", f->dir,
                          f->lock_fd < 0 ? strerror(errno)
                                         : "another geodir-import --fetch is using this "
                                           "download folder");
out:
    free(lock);
    free(cfg_base);
    return rc;
}

static void fetch_free(struct fetch *f)
{
    for (size_t i = 0; f->items && i < f->n_items; i++) {
        struct fetch_item *it = &f->items[i];
        free(it->url);
        free(it->official_url);
        free(it->catalogue);
        free(it->member);
        free(it->final_path);
        free(it->part_path);
        free(it->side_path);
        free(it->cand_path);
        if (it->profile_loaded)
            imp_profile_free(&it->profile);
    }
    free(f->items);
    if (f->t_loaded)
        gdir_territory_free(&f->t);
    cJSON_Delete(f->config);
    cJSON_Delete(f->catalogue);
    free(f->catalogue_path);
    free(f->mirror);
    free(f->dir);
    free(f->manifest_path);
    free(f->effective_path);
    if (f->lock_fd >= 0)
        close(f->lock_fd);      /* releases the lock */
}

/* The configuration, validated as the import will read it, and the sources to fetch (those
 * selected with a fetch entry). Problems are printed; returns an IMP_EXIT_* status. */
static int select_sources(struct fetch *f)
{
    const struct imp_fetch_opts *o = f->o;
    struct gdir_err err;
    const cJSON *sources;

    gdir_err_clear(&err);
    if (gdir_territory_load(&f->t, o->config, o->data_dir, &err)) {
        fprintf(stderr, "geodir-import: %s\n", err.msg);
        return IMP_EXIT_USAGE;
    }
    f->t_loaded = 1;
    if (!(f->config = fetch_load_json(o->config, &err))) {
        fprintf(stderr, "geodir-import: %s\n", err.msg);
        return IMP_EXIT_USAGE;
    }
    sources = cJSON_GetObjectItemCaseSensitive(f->config, "sources");
    if (!(f->items = calloc(f->t.n_sources + 1, sizeof *f->items))) {
        fprintf(stderr, "geodir-import: out of memory\n");
        return IMP_EXIT_USAGE;
    }
    for (size_t i = 0; i < f->t.n_sources; i++) {
        size_t k = 0;
        while (k < o->n_only && strcmp(o->only[k], f->t.sources[i].name) != 0)
            k++;
        if (o->n_only && k == o->n_only)
            continue;           /* not selected */
        if (cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(sources, (int)i), "fetch"))
            f->items[f->n_items++].index = i;
    }
    if (f->n_items == 0) {
        fprintf(stderr, "geodir-import: --fetch: no %s of %s has a \"fetch\" entry (see "
                "docs/configuration.md, Fetching)\n", o->n_only ? "selected source" : "source",
                o->config);
        return IMP_EXIT_USAGE;
    }
    return IMP_EXIT_OK;
}

/* Each selected source's fetch entry and profile (the download folder is open). */
static int load_items(struct fetch *f)
{
    const struct imp_fetch_opts *o = f->o;
    const cJSON *sources = cJSON_GetObjectItemCaseSensitive(f->config, "sources");
    struct gdir_err err;

    gdir_err_clear(&err);
    for (size_t k = 0; k < f->n_items; k++) {
        struct fetch_item *it = &f->items[k];
        it->src = &f->t.sources[it->index];
        const cJSON *spec = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetArrayItem(sources, (int)it->index), "fetch");
        if (fetch_parse_item(f, it, spec, &err)) {
            fprintf(stderr, "geodir-import: %s: sources[%zu] (%s): %s\n", o->config, it->index,
                    it->src->name, err.msg);
            return IMP_EXIT_USAGE;
        }
        for (size_t j = 0; j < k; j++)
            if (strcmp(f->items[j].final_path, it->final_path) == 0) {
                fprintf(stderr, "geodir-import: %s: sources %s and %s would download to the same "
                        "file\n", o->config, f->items[j].src->name, it->src->name);
                return IMP_EXIT_USAGE;
            }
        if (imp_profile_load(&it->profile, imp_profiles_dir(o->profiles_dir), it->src->profile,
                             &err)) {
            fprintf(stderr, "geodir-import: source %s: %s\n", it->src->name, err.msg);
            return IMP_EXIT_USAGE;
        }
        it->profile_loaded = 1;
    }
    return IMP_EXIT_OK;
}

/* Every source is tried, so that every problem is listed at once; then the manifest and the
 * derived configuration. Returns an IMP_EXIT_* status. */
static int fetch_all(struct fetch *f)
{
    const struct imp_fetch_opts *o = f->o;
    struct gdir_err err;
    int failed = 0;

    gdir_err_clear(&err);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "geodir-import: fetch: cannot initialise libcurl\n");
        return IMP_EXIT_FAILED;
    }
    for (size_t k = 0; k < f->n_items; k++) {
        if (o->stop && *o->stop) {
            fail_item(&f->items[k], "interrupted");
            failed = 1;
            continue;
        }
        if (fetch_item(f, &f->items[k]))
            failed = 1;
    }
    curl_global_cleanup();

    if (fetch_write_manifest(f, !failed, &err)) {
        fprintf(stderr, "geodir-import: fetch: %s\n", err.msg);
        failed = 1;
    }
    if (failed) {
        fprintf(stderr, "geodir-import: fetch failed: nothing imported, %s left untouched\n",
                o->db);
        return IMP_EXIT_FAILED;
    }
    if (write_effective_config(f, &err)) {
        fprintf(stderr, "geodir-import: fetch: %s\n", err.msg);
        return IMP_EXIT_FAILED;
    }
    return IMP_EXIT_OK;
}

int imp_fetch_run(const struct imp_fetch_opts *o, char **effective_config)
{
    struct fetch f;
    struct gdir_err err;
    int status;

    *effective_config = NULL;
    memset(&f, 0, sizeof f);
    f.o = o;
    f.lock_fd = -1;
    fetch_utc_now(f.now, sizeof f.now);
    gdir_err_clear(&err);

    if ((status = select_sources(&f)) != IMP_EXIT_OK)
        goto out;
    if (fetch_set_mirror(&f, &err)) {
        fprintf(stderr, "geodir-import: %s\n", err.msg);
        status = IMP_EXIT_USAGE;
        goto out;
    }
    if (open_dir(&f, &err)) {
        fprintf(stderr, "geodir-import: fetch: %s\n", err.msg);
        status = IMP_EXIT_FAILED;
        goto out;
    }
    if ((status = load_items(&f)) != IMP_EXIT_OK)
        goto out;
    fetch_read_manifest(&f);
    if ((status = fetch_all(&f)) != IMP_EXIT_OK)
        goto out;
    if (!(*effective_config = gdir_strdup(f.effective_path))) {
        fprintf(stderr, "geodir-import: out of memory\n");
        status = IMP_EXIT_FAILED;
        goto out;
    }
    if (!o->quiet)
        gdir_log(GDIR_LOG_INFO, "fetch", "msg=\"all sources fetched and checked\" sources=%zu "
                 "manifest=\"%s\" config=\"%s\"", f.n_items, f.manifest_path, f.effective_path);
out:
    fetch_free(&f);
    return status;
}
