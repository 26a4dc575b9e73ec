/*
 * api_dbpool.c — per-thread read-only connections (pthread key), opened lazily and reopened
 * when the database file is replaced. See api_dbpool.h.
 */
#include "api_dbpool.h"
#include "gdir_log.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

struct pool_conn {
    struct api_db *db;    /* owned; NULL until opened */
    dev_t dev;            /* identity of the file it was opened on */
    ino_t ino;
    time_t checked;       /* last time the path was stat()ed */
    unsigned long files;  /* pool->files when it last opened or checked */
};

static void conn_free(void *p)
{
    struct pool_conn *c = p;
    if (!c)
        return;
    api_db_close(c->db);
    free(c);
}

int api_dbpool_init(struct api_dbpool *pool, const char *path, struct gdir_err *err)
{
    pool->path = path;
    pool->ino = pool->dev = 0;
    atomic_init(&pool->files, 0);
    pthread_mutex_init(&pool->mu, NULL);
    pool->key_ok = pthread_key_create(&pool->key, conn_free) == 0;
    if (!pool->key_ok)
        return gdir_err_set(err, GDIR_EINTERNAL, "pthread_key_create failed");
    return GDIR_OK;
}

/* Remembers the newest file opened; a different one than before is a swap. */
static void note_file(struct api_dbpool *pool, const struct stat *st)
{
    pthread_mutex_lock(&pool->mu);
    if (pool->ino != (unsigned long long)st->st_ino || pool->dev != (unsigned long long)st->st_dev) {
        pool->ino = (unsigned long long)st->st_ino;
        pool->dev = (unsigned long long)st->st_dev;
        atomic_fetch_add_explicit(&pool->files, 1, memory_order_release);
    }
    pthread_mutex_unlock(&pool->mu);
}

unsigned long api_dbpool_swaps(struct api_dbpool *pool)
{
    unsigned long n = atomic_load_explicit(&pool->files, memory_order_acquire);
    return n ? n - 1 : 0;      /* the first file opened is no swap */
}

/* Opens the file at pool->path into c, remembering its identity. */
static int conn_open(struct api_dbpool *pool, struct pool_conn *c, struct gdir_err *err)
{
    struct stat st;
    struct api_db *db = NULL;

    if (stat(pool->path, &st) != 0)
        return gdir_err_set(err, GDIR_EUNAVAIL, "database file missing");
    if (api_db_open(&db, pool->path, err)) {
        err->code = GDIR_EUNAVAIL;
        return GDIR_EUNAVAIL;
    }
    api_db_close(c->db);
    c->db = db;
    c->dev = st.st_dev;
    c->ino = st.st_ino;
    c->checked = time(NULL);
    note_file(pool, &st);
    c->files = atomic_load_explicit(&pool->files, memory_order_acquire);
    return GDIR_OK;
}

int api_dbpool_get(struct api_dbpool *pool, struct api_db **db, struct gdir_err *err)
{
    struct pool_conn *c = pthread_getspecific(pool->key);
    time_t now = time(NULL);
    struct stat st;

    *db = NULL;
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c || pthread_setspecific(pool->key, c) != 0) {
            free(c);
            return gdir_err_set(err, GDIR_EUNAVAIL, "out of memory");
        }
    }
    if (!c->db) {
        if (conn_open(pool, c, err))
            return GDIR_EUNAVAIL;
        gdir_log(GDIR_LOG_DEBUG, "db", "msg=\"connection opened\"");
    } else if (now != c->checked ||
               atomic_load_explicit(&pool->files, memory_order_acquire) != c->files) {
        c->checked = now;
        c->files = atomic_load_explicit(&pool->files, memory_order_acquire);
        if (stat(pool->path, &st) == 0 && (st.st_ino != c->ino || st.st_dev != c->dev)) {
            struct gdir_err e2;
            if (conn_open(pool, c, &e2) == 0)
                gdir_log(GDIR_LOG_INFO, "db", "msg=\"database file replaced, reopened\"");
            else
                gdir_log(GDIR_LOG_WARN, "db", "msg=\"new database file unusable, keeping the "
                                              "previous one\"");
        }
    }
    *db = c->db;
    return GDIR_OK;
}

void api_dbpool_destroy(struct api_dbpool *pool)
{
    if (!pool->key_ok)
        return;
    conn_free(pthread_getspecific(pool->key));
    pthread_setspecific(pool->key, NULL);
    pthread_key_delete(pool->key);
    pthread_mutex_destroy(&pool->mu);
    pool->key_ok = 0;
}
