/*
 * api_bo_mod.c — the overrides file written by the back office and the refresh thread that
 * runs the importer on it. See api_bo_mod.h.
 */
#define _GNU_SOURCE   /* posix_spawn_file_actions_addclosefrom_np */
#include "api_bo_mod.h"
#include "bo.h"
#include "gdir_cjson.h"
#include "gdir_config.h"
#include "gdir_fs.h"
#include "gdir_log.h"
#include "gdir_mem.h"
#include "gdir_thread.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OVERRIDES_MAX (4 * 1024 * 1024)   /* the importer's own limit (imp_overrides.c) */
#define RETRIES 5

extern char **environ;

struct api_mod {
    struct gdir_territory t;       /* importer_config: overrides path, communes */
    char *config, *command, *db, *forms_db;
    pthread_mutex_t file_mu;       /* one writer of the overrides file at a time */
    pthread_mutex_t mu;            /* the fields below */
    pthread_cond_t cv;
    pthread_t thread;
    int thread_ok, stop, pending;
    long long request_id;          /* the last request that asked for a refresh */
};

int api_mod_member(const struct api_mod *m, const char *insee)
{
    return insee && gdir_territory_has_commune(&m->t, insee);
}

/* ---- the overrides file ------------------------------------------------------------------ */

/* 1 when an entry of root was validated for request_id. */
static int has_request(const cJSON *root, long long request_id)
{
    static const char *const kinds[] = {"add", "fix", "hide"};
    for (size_t k = 0; k < 3; k++) {
        const cJSON *e;
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, kinds[k])) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "validated");
            const cJSON *r = cJSON_GetObjectItemCaseSensitive(v, "request");
            if (cJSON_IsNumber(r) && (long long)r->valuedouble == request_id)
                return 1;
        }
    }
    return 0;
}

/* Writes text to path through "<path>.tmp-<pid>": written, fsync'd, renamed, folder synced. */
static int write_atomic(const char *path, const char *text, struct gdir_err *err)
{
    char tmp[4200];
    size_t len = strlen(text);
    int fd, rc = GDIR_OK;
    char *dir;

    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", tmp, strerror(errno));
    if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || fsync(fd) != 0)
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", tmp, strerror(errno));
    if (close(fd) != 0 && !rc)
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", tmp, strerror(errno));
    if (!rc && rename(tmp, path) != 0)
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", path, strerror(errno));
    if (rc) {
        unlink(tmp);
        return rc;
    }
    if ((dir = gdir_dir_of(path)) && (fd = open(dir, O_RDONLY | O_CLOEXEC)) >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
    return GDIR_OK;
}

/* The file read and parsed, entry appended under kind, written back (file_mu held). */
static int append_locked(struct api_mod *m, const char *kind, const cJSON *entry,
                         long long request_id, struct gdir_err *err)
{
    char *text = NULL, *out = NULL;
    cJSON *root = NULL, *arr, *dup = NULL;
    int rc;

    if ((rc = gdir_file_read(m->t.overrides, OVERRIDES_MAX, &text, NULL, err)))
        return rc;
    if (!(root = gdir_cjson_parse(text, (size_t)-1, m->t.overrides, GDIR_ECONFIG, err))) {
        rc = GDIR_ECONFIG;
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        rc = gdir_err_set(err, GDIR_ECONFIG, "%s: not a JSON object", m->t.overrides);
        goto out;
    }
    if (has_request(root, request_id))
        goto out;                       /* written by an earlier try of this decision */
    if (!(arr = cJSON_GetObjectItemCaseSensitive(root, kind)))
        arr = cJSON_AddArrayToObject(root, kind);
    if (!cJSON_IsArray(arr)) {
        rc = gdir_err_set(err, GDIR_ECONFIG, "%s: %s: not an array", m->t.overrides, kind);
        goto out;
    }
    if (!(dup = cJSON_Duplicate(entry, 1)) || !cJSON_AddItemToArray(arr, dup)) {
        cJSON_Delete(dup);
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto out;
    }
    if (!(out = cJSON_Print(root))) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto out;
    }
    rc = write_atomic(m->t.overrides, out, err);
out:
    cJSON_free(out);
    cJSON_Delete(root);
    free(text);
    return rc;
}

int api_mod_append(struct api_mod *m, const char *kind, const cJSON *entry,
                   long long request_id, struct gdir_err *err)
{
    int rc;

    pthread_mutex_lock(&m->file_mu);
    rc = append_locked(m, kind, entry, request_id, err);
    pthread_mutex_unlock(&m->file_mu);
    if (rc)
        return rc;
    pthread_mutex_lock(&m->mu);
    m->pending = 1;
    m->request_id = request_id;
    pthread_cond_signal(&m->cv);
    pthread_mutex_unlock(&m->mu);
    return GDIR_OK;
}

/* ---- the refresh ------------------------------------------------------------------------- */

/* Runs the importer and waits for it; its exit status (-1: not started, 128+N: signal N). */
static int run_importer(struct api_mod *m)
{
    static char o_config[] = "--config", o_db[] = "--db", o_refresh[] = "--refresh-overrides",
                o_quiet[] = "--quiet";
    char *argv[] = {m->command, o_config, m->config, o_db, m->db, o_refresh, o_quiet, NULL};
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status = 0, rc;

    if (posix_spawn_file_actions_init(&fa))
        return -1;
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);   /* no socket or database leaks */
    rc = posix_spawnp(&pid, m->command, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc) {
        gdir_log(GDIR_LOG_ERROR, "bo", "msg=\"importer_command cannot be started\" "
                 "command=\"%s\" error=\"%s\"", m->command, strerror(rc));
        return -1;
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The outcome of one run, in the audit log of the request that asked for it. */
static void record(struct bo_db *db, long long request_id, int status, double seconds)
{
    char why[96];
    struct gdir_err err;
    snprintf(why, sizeof why, "exit status %d, %.1f s", status, seconds);
    struct bo_audit_entry e = {"system", NULL, "directory_refresh", request_id, NULL,
                               status == 0 ? "ok" : "failed", why};
    gdir_log(status == 0 ? GDIR_LOG_INFO : GDIR_LOG_ERROR, "bo", "msg=\"directory refresh\" "
             "request=%lld status=%d seconds=%.1f", request_id, status, seconds);
    gdir_err_clear(&err);
    if (db && bo_audit(db, &e, time(NULL), &err))
        gdir_log(GDIR_LOG_ERROR, "bo", "msg=\"audit row not written\" detail=\"%s\"", err.msg);
}

/* Waits (mu held) until a refresh is asked for, the delay of a retry is over, or stop. */
static void wait_work(struct api_mod *m, int attempt)
{
    if (attempt == 0) {
        while (!m->pending && !m->stop)
            pthread_cond_wait(&m->cv, &m->mu);
        return;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += attempt == 1 ? 30 : 60L << (attempt - 2);
    while (!m->pending && !m->stop)
        if (pthread_cond_timedwait(&m->cv, &m->mu, &until) == ETIMEDOUT) {
            m->pending = 1;   /* the retry */
            break;
        }
}

static void *refresher(void *arg)
{
    struct api_mod *m = arg;
    struct bo_db *db = NULL;
    struct gdir_err err;
    int attempt = 0;

    gdir_err_clear(&err);
    if (bo_db_open(&db, m->forms_db, &err))
        gdir_log(GDIR_LOG_ERROR, "bo", "msg=\"refresh outcomes will not be audited\" "
                 "detail=\"%s\"", err.msg);
    pthread_mutex_lock(&m->mu);
    for (;;) {
        wait_work(m, attempt);
        if (m->stop)
            break;
        m->pending = 0;
        long long request_id = m->request_id;
        pthread_mutex_unlock(&m->mu);
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int status = run_importer(m);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        record(db, request_id, status, (double)(t1.tv_sec - t0.tv_sec) +
                                           (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
        attempt = status == 0 || attempt >= RETRIES ? 0 : attempt + 1;
        pthread_mutex_lock(&m->mu);
    }
    pthread_mutex_unlock(&m->mu);
    bo_db_close(db);
    return NULL;
}

/* ---- life -------------------------------------------------------------------------------- */

static void mod_free(struct api_mod *m)
{
    gdir_territory_free(&m->t);
    free(m->config);
    free(m->command);
    free(m->db);
    free(m->forms_db);
    pthread_mutex_destroy(&m->file_mu);
    pthread_mutex_destroy(&m->mu);
    pthread_cond_destroy(&m->cv);
    free(m);
}

int api_mod_open(struct api_mod **out, const struct api_config *cfg, struct gdir_err *err)
{
    struct api_mod *m = calloc(1, sizeof *m);
    int rc;

    *out = NULL;
    if (!m)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    pthread_mutex_init(&m->file_mu, NULL);
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cv, NULL);
    if ((rc = gdir_territory_load(&m->t, cfg->importer_config, NULL, err))) {
        pthread_mutex_destroy(&m->file_mu);   /* nothing of t to free on failure */
        pthread_mutex_destroy(&m->mu);
        pthread_cond_destroy(&m->cv);
        free(m);
        err->code = GDIR_ECONFIG;
        return GDIR_ECONFIG;
    }
    if (!m->t.overrides) {
        mod_free(m);
        return gdir_err_set_param(err, GDIR_ECONFIG, "importer_config", "importer_config: %s "
                                  "names no overrides file (docs/backoffice.md §7)",
                                  cfg->importer_config);
    }
    if (!(m->config = gdir_strdup(cfg->importer_config)) ||
        !(m->command = gdir_strdup(cfg->importer_command)) || !(m->db = gdir_strdup(cfg->db)) ||
        !(m->forms_db = gdir_strdup(cfg->forms_db))) {
        mod_free(m);
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    }
    if (pthread_create(&m->thread, NULL, refresher, m)) {
        mod_free(m);
        return gdir_err_set(err, GDIR_EINTERNAL, "refresh thread: cannot start");
    }
    m->thread_ok = 1;
    *out = m;
    return GDIR_OK;
}

void api_mod_close(struct api_mod *m)
{
    if (!m)
        return;
    if (m->thread_ok) {
        gdir_thread_stop(m->thread, &m->mu, &m->cv, &m->stop);
    }
    mod_free(m);
}
