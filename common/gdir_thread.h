/*
 * gdir_thread.h — stopping a background thread of the usual shape: it waits on a condition
 * variable under a mutex until there is work or a stop flag is set (the forms store's writer,
 * the mailer, the moderation refresh, the purge).
 */
#ifndef GDIR_THREAD_H
#define GDIR_THREAD_H

#include <pthread.h>

/* Sets *stop under mu, signals cv and joins thread (which must see the flag and return). */
void gdir_thread_stop(pthread_t thread, pthread_mutex_t *mu, pthread_cond_t *cv, int *stop);

#endif
