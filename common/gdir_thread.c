/*
 * gdir_thread.c — gdir_thread_stop: the one copy of "set the flag, wake the thread, join it";
 * gdir_thread_conns: the one copy of "a connection per worker thread".
 */
#include "gdir_thread.h"
#include "gdir_mem.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void gdir_thread_stop(pthread_t thread, pthread_mutex_t *mu, pthread_cond_t *cv, int *stop)
{
    pthread_mutex_lock(mu);
    *stop = 1;
    pthread_cond_signal(cv);
    pthread_mutex_unlock(mu);
    pthread_join(thread, NULL);
}

struct gdir_thread_conns {
    char *path;
    gdir_conn_open_fn *open;
    gdir_conn_close_fn *close;
    pthread_key_t key;      /* thread -> connection, destructor: close */
    int key_ok;
};

int gdir_thread_conns_open(struct gdir_thread_conns **out, const char *path,
                           gdir_conn_open_fn *open, gdir_conn_close_fn *close,
                           struct gdir_err *err)
{
    struct gdir_thread_conns *c = calloc(1, sizeof *c);
    void *probe = NULL;

    *out = NULL;
    if (!c || !(c->path = gdir_strdup(path))) {
        free(c);
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    }
    c->open = open;
    c->close = close;
    if (open(&probe, c->path, err)) {
        gdir_thread_conns_close(c);
        err->code = GDIR_ECONFIG;
        return GDIR_ECONFIG;
    }
    close(probe);
    if (pthread_key_create(&c->key, close)) {
        gdir_thread_conns_close(c);
        return gdir_err_set(err, GDIR_EINTERNAL, "pthread_key_create failed");
    }
    c->key_ok = 1;
    *out = c;
    return GDIR_OK;
}

int gdir_thread_conns_get(struct gdir_thread_conns *c, void **conn, struct gdir_err *err)
{
    int rc;

    if ((*conn = pthread_getspecific(c->key)))
        return GDIR_OK;
    if ((rc = c->open(conn, c->path, err))) {
        *conn = NULL;
        return rc;
    }
    if (pthread_setspecific(c->key, *conn)) {
        c->close(*conn);
        *conn = NULL;
        return gdir_err_set(err, GDIR_EINTERNAL, "pthread_setspecific failed");
    }
    return GDIR_OK;
}

void gdir_thread_conns_close(struct gdir_thread_conns *c)
{
    if (!c)
        return;
    if (c->key_ok) {
        c->close(pthread_getspecific(c->key));
        pthread_setspecific(c->key, NULL);
        pthread_key_delete(c->key);
    }
    free(c->path);
    free(c);
}
