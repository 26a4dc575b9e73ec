/*
 * gdir_thread.h — stopping a background thread of the usual shape: it waits on a condition
 * variable under a mutex until there is work or a stop flag is set (the forms store's writer,
 * the mailer, the moderation refresh, the purge); and one connection per worker thread to a
 * database file, opened on the thread's first use (the back office's and the daily life's
 * connections to the forms database).
 */
#ifndef GDIR_THREAD_H
#define GDIR_THREAD_H

#include "gdir_err.h"

#include <pthread.h>

/* Sets *stop under mu, signals cv and joins thread (which must see the flag and return). */
void gdir_thread_stop(pthread_t thread, pthread_mutex_t *mu, pthread_cond_t *cv, int *stop);

/* Opens a connection to path into *conn (0, or a negative code with err set). */
typedef int gdir_conn_open_fn(void **conn, const char *path, struct gdir_err *err);
/* Closes a connection (NULL allowed). */
typedef void gdir_conn_close_fn(void *conn);

/* One connection per thread to the file path: the thread's own, opened on its first use and
 * closed when the thread ends (or, for the calling thread, by gdir_thread_conns_close). */
struct gdir_thread_conns;

/* Copies path and checks that it opens (one connection opened and closed now: GDIR_ECONFIG
 * with the opener's message otherwise; GDIR_ENOMEM). 0 with *out. */
int gdir_thread_conns_open(struct gdir_thread_conns **out, const char *path,
                           gdir_conn_open_fn *open, gdir_conn_close_fn *close,
                           struct gdir_err *err);
/* The calling thread's connection, opened now if it has none (the opener's code otherwise). */
int gdir_thread_conns_get(struct gdir_thread_conns *c, void **conn, struct gdir_err *err);
/* NULL-safe. Closes the calling thread's connection and frees c: call it after the other
 * threads that used c have ended. */
void gdir_thread_conns_close(struct gdir_thread_conns *c);

#endif
