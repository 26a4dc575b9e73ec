/*
 * api_purge.c — the daily purge thread of geodir-api. See api_purge.h.
 */
#include "api_purge.h"

#include "bo_purge.h"
#include "gdir_log.h"
#include "gdir_thread.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>

#define PERIOD (24 * 3600)

struct api_purge {
    const struct api_config *cfg;
    const struct forms_set *set;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int stopping;
};

/* One purge on a connection of its own (closed after: once a day). */
static void purge_once(struct api_purge *p)
{
    struct bo_purge_counts c;
    struct gdir_err err;
    sqlite3 *db = NULL;

    gdir_err_clear(&err);
    if (sqlite3_open_v2(p->cfg->forms_db, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        gdir_log(GDIR_LOG_ERROR, "purge", "msg=\"cannot open the forms database\"");
        sqlite3_close(db);
        return;
    }
    sqlite3_busy_timeout(db, 10000);
    sqlite3_exec(db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL", NULL, NULL, NULL);
    if (bo_purge_run(db, p->set, p->cfg->forms_files_dir, time(NULL), 0, &c, &err))
        gdir_log(GDIR_LOG_ERROR, "purge", "msg=\"purge failed\" error=\"%s\"", err.msg);
    sqlite3_close(db);
}

static void *purge_main(void *arg)
{
    struct api_purge *p = arg;
    pthread_mutex_lock(&p->mu);
    while (!p->stopping) {
        pthread_mutex_unlock(&p->mu);
        purge_once(p);
        struct timespec ts = { time(NULL) + PERIOD, 0 };
        pthread_mutex_lock(&p->mu);
        while (!p->stopping && pthread_cond_timedwait(&p->cond, &p->mu, &ts) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int api_purge_start(struct api_purge **out, const struct api_config *cfg,
                    const struct forms_set *set, struct gdir_err *err)
{
    struct api_purge *p = calloc(1, sizeof *p);
    *out = NULL;
    if (!p)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    p->cfg = cfg;
    p->set = set;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cond, NULL);
    if (pthread_create(&p->thread, NULL, purge_main, p)) {
        pthread_cond_destroy(&p->cond);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return gdir_err_set(err, GDIR_EINTERNAL, "cannot start the purge thread");
    }
    *out = p;
    return GDIR_OK;
}

void api_purge_stop(struct api_purge *p)
{
    if (!p)
        return;
    gdir_thread_stop(p->thread, &p->mu, &p->cond, &p->stopping);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
