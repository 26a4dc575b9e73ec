/*
 * gdir_thread.c — gdir_thread_stop: the one copy of "set the flag, wake the thread, join it".
 */
#include "gdir_thread.h"

#include <stddef.h>

void gdir_thread_stop(pthread_t thread, pthread_mutex_t *mu, pthread_cond_t *cv, int *stop)
{
    pthread_mutex_lock(mu);
    *stop = 1;
    pthread_cond_signal(cv);
    pthread_mutex_unlock(mu);
    pthread_join(thread, NULL);
}
