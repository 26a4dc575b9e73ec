/*
 * metrics_cost.c — what GET /metrics' counting costs a request (geoapi/metrics/api_metrics.c):
 * api_metrics_record() timed in one thread, then in two threads at once (each counts into its
 * own slab: no shared cache line, so the time per call must not grow), and one scrape
 * (api_metrics_write) over ROUTES routes (the size of the real table) counted in five slabs.
 *
 *   cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I geoapi/http -I geoapi/metrics -I common \
 *      bench/api/metrics_cost.c geoapi/metrics/api_metrics.c build/common/libgdir_common.a \
 *      -lpthread -o /tmp/metrics_cost
 *   /tmp/metrics_cost [CALLS]          (default 20000000 per thread)
 */
#include "api_metrics.h"
#include "api_router.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ROUTES 112   /* rows of geoapi/http/api_routes.c, about */

static struct api_metrics *m;
static long calls = 20000000;
static size_t n_routes;

static double now(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* calls records; *(double *)arg receives the thread's CPU ns per call (on a loaded machine the
 * threads may not run at the same time, but a shared cache line would show in CPU time). */
static void *count(void *arg)
{
    double t0 = now(CLOCK_THREAD_CPUTIME_ID);
    for (long i = 0; i < calls; i++)
        api_metrics_record(m, (int)(i % (long)n_routes), 200 + (int)(i % 3) * 100,
                           (double)(i % 1000) * 1e-5);
    *(double *)arg = (now(CLOCK_THREAD_CPUTIME_ID) - t0) * 1e9 / (double)calls;
    return NULL;
}

int main(int argc, char **argv)
{
    static struct api_route table[ROUTES];
    static char names[ROUTES][32];
    struct gdir_err err;
    struct gdir_buf b;
    pthread_t t[2];
    double ns[2], t0;

    for (size_t i = 0; i < ROUTES; i++) {
        snprintf(names[i], sizeof names[i], "/api/route/%zu/{id}", i);
        table[i] = (struct api_route){"GET", names[i], NULL, NULL, 0};
    }
    n_routes = ROUTES;
    if (argc > 1)
        calls = strtol(argv[1], NULL, 10);
    if (calls <= 0 || api_metrics_new(&m, table, n_routes, &err))
        return 1;
    count(&ns[0]);
    printf("1 thread:  %.1f ns CPU per api_metrics_record\n", ns[0]);
    for (int r = 0; r < 2; r++) {
        for (int i = 0; i < 2; i++)
            pthread_create(&t[i], NULL, count, &ns[i]);
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        printf("2 threads: %.1f and %.1f ns CPU per api_metrics_record\n", ns[0], ns[1]);
    }
    gdir_buf_init(&b, 0);
    t0 = now(CLOCK_MONOTONIC);
    api_metrics_write(m, &b);
    printf("a scrape:  %.0f µs, %zu bytes (%zu routes, 5 slabs)\n",
           (now(CLOCK_MONOTONIC) - t0) * 1e6, b.len, n_routes);
    gdir_buf_free(&b);
    api_metrics_free(m);
    return 0;
}
