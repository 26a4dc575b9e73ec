/*
 * api_metrics.c — per-thread request counters and latency histograms, summed at scrape, and
 * the Prometheus text format 0.0.4 they are written in. See api_metrics.h.
 */
#include "api_metrics.h"
#include "api_router.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_STATUS 5      /* 1xx .. 5xx */
#define LABEL_MAX 512

/* Upper bounds of the latency buckets, seconds (+Inf is the last slot). */
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define N_BOUNDS (sizeof bounds / sizeof bounds[0])

/* One route's counters in one thread's slab; written by that thread only. */
struct row {
    atomic_ullong status[N_STATUS];
    atomic_ullong bucket[N_BOUNDS + 1];   /* not cumulative; the last is above 10 s */
    atomic_ullong sum_us;                 /* total duration, microseconds */
};

struct slab {
    struct slab *next;
    struct row rows[];                    /* n_rows */
};

struct api_metrics {
    pthread_key_t key;                    /* thread -> its slab */
    pthread_mutex_t mu;                   /* guards the list of slabs (adding, walking) */
    struct slab *slabs;
    size_t n_rows;                        /* routes + 1 (no route) */
    char (*labels)[LABEL_MAX];            /* route="…",method="…" of each row */
};

void api_metrics_label(char *out, size_t cap, const char *value)
{
    size_t o = 0;
    for (const char *p = value; *p && o + 3 < cap; p++) {
        if (*p == '\\' || *p == '"' || *p == '\n') {
            out[o++] = '\\';
            out[o++] = *p == '\n' ? 'n' : *p;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

int api_metrics_new(struct api_metrics **out, const struct api_route *table, size_t n,
                    struct gdir_err *err)
{
    struct api_metrics *m = calloc(1, sizeof *m);
    char esc[LABEL_MAX / 2];

    *out = NULL;
    if (!m || !(m->labels = calloc(n + 1, sizeof *m->labels)) ||
        pthread_key_create(&m->key, NULL) != 0) {
        if (m)
            free(m->labels);
        free(m);
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&m->mu, NULL);
    m->n_rows = n + 1;
    for (size_t i = 0; i < n; i++) {
        api_metrics_label(esc, sizeof esc, table[i].pattern);
        snprintf(m->labels[i], LABEL_MAX, "route=\"%s\",method=\"%s\"", esc, table[i].method);
    }
    snprintf(m->labels[n], LABEL_MAX, "route=\"none\",method=\"any\"");
    *out = m;
    return GDIR_OK;
}

/* The calling thread's slab, made and listed on its first use; NULL without memory. */
static struct slab *thread_slab(struct api_metrics *m)
{
    struct slab *s = pthread_getspecific(m->key);
    if (s)
        return s;
    s = calloc(1, sizeof *s + m->n_rows * sizeof s->rows[0]);
    if (!s)
        return NULL;
    if (pthread_setspecific(m->key, s) != 0) {
        free(s);
        return NULL;
    }
    pthread_mutex_lock(&m->mu);
    s->next = m->slabs;
    m->slabs = s;
    pthread_mutex_unlock(&m->mu);
    return s;
}

/* x += v by the only thread that writes x: no read-modify-write instruction needed. */
static void bump(atomic_ullong *x, unsigned long long v)
{
    atomic_store_explicit(x, atomic_load_explicit(x, memory_order_relaxed) + v,
                          memory_order_relaxed);
}

void api_metrics_record(struct api_metrics *m, int route, int status, double seconds)
{
    struct slab *s;
    struct row *r;
    size_t b = 0;

    if (!m || !(s = thread_slab(m)))
        return;
    r = &s->rows[route >= 0 && (size_t)route < m->n_rows - 1 ? (size_t)route : m->n_rows - 1];
    int cls = status / 100 - 1;
    bump(&r->status[cls < 0 ? 0 : cls >= N_STATUS ? N_STATUS - 1 : cls], 1);
    while (b < N_BOUNDS && seconds > bounds[b])
        b++;
    bump(&r->bucket[b], 1);
    bump(&r->sum_us, seconds > 0 ? (unsigned long long)(seconds * 1e6 + 0.5) : 0);
}

/* The sums over every slab of row i into t. */
static void row_total(struct api_metrics *m, size_t i, unsigned long long st[N_STATUS],
                      unsigned long long bk[N_BOUNDS + 1], unsigned long long *sum_us)
{
    memset(st, 0, N_STATUS * sizeof st[0]);
    memset(bk, 0, (N_BOUNDS + 1) * sizeof bk[0]);
    *sum_us = 0;
    for (struct slab *s = m->slabs; s; s = s->next) {
        const struct row *r = &s->rows[i];
        for (size_t k = 0; k < N_STATUS; k++)
            st[k] += atomic_load_explicit(&r->status[k], memory_order_relaxed);
        for (size_t k = 0; k <= N_BOUNDS; k++)
            bk[k] += atomic_load_explicit(&r->bucket[k], memory_order_relaxed);
        *sum_us += atomic_load_explicit(&r->sum_us, memory_order_relaxed);
    }
}

/* The histogram lines of row i: cumulative buckets, _sum, _count (the +Inf bucket). */
static void write_histogram(struct gdir_buf *b, const char *labels,
                            const unsigned long long bk[N_BOUNDS + 1], unsigned long long sum_us)
{
    static const char name[] = "geodir_http_request_duration_seconds";
    unsigned long long cum = 0;

    for (size_t k = 0; k <= N_BOUNDS; k++) {
        cum += bk[k];
        if (k < N_BOUNDS)
            gdir_buf_printf(b, "%s_bucket{%s,le=\"%g\"} %llu\n", name, labels, bounds[k], cum);
        else
            gdir_buf_printf(b, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, labels, cum);
    }
    gdir_buf_printf(b, "%s_sum{%s} %.6f\n%s_count{%s} %llu\n", name, labels,
                    (double)sum_us / 1e6, name, labels, cum);
}

int api_metrics_write(struct api_metrics *m, struct gdir_buf *b)
{
    unsigned long long st[N_STATUS], bk[N_BOUNDS + 1], sum_us;
    struct gdir_buf hist;

    gdir_buf_init(&hist, b->max);
    gdir_buf_adds(b, "# HELP geodir_http_requests_total Requests answered, per route of the "
                     "table and status class.\n# TYPE geodir_http_requests_total counter\n");
    gdir_buf_adds(&hist, "# HELP geodir_http_request_duration_seconds From the complete "
                         "request head to the last byte of the answer written.\n"
                         "# TYPE geodir_http_request_duration_seconds histogram\n");
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->n_rows; i++) {
        row_total(m, i, st, bk, &sum_us);
        for (size_t k = 0; k < N_STATUS; k++)
            if (st[k])
                gdir_buf_printf(b, "geodir_http_requests_total{%s,status=\"%zuxx\"} %llu\n",
                                m->labels[i], k + 1, st[k]);
        unsigned long long any = 0;
        for (size_t k = 0; k <= N_BOUNDS; k++)
            any += bk[k];
        if (any)
            write_histogram(&hist, m->labels[i], bk, sum_us);
    }
    pthread_mutex_unlock(&m->mu);
    gdir_buf_add(b, hist.data, hist.len);
    int bad = hist.err || b->err;
    gdir_buf_free(&hist);
    return bad ? GDIR_ENOMEM : GDIR_OK;
}

void api_metrics_sample(struct gdir_buf *b, const char *name, const char *type,
                        const char *help, const char *labels, double value)
{
    if (help)
        gdir_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    gdir_buf_printf(b, "%s%s%s%s %.17g\n", name, labels ? "{" : "", labels ? labels : "",
                    labels ? "}" : "", value);
}

void api_metrics_free(struct api_metrics *m)
{
    if (!m)
        return;
    while (m->slabs) {
        struct slab *s = m->slabs;
        m->slabs = s->next;
        free(s);
    }
    pthread_key_delete(m->key);
    pthread_mutex_destroy(&m->mu);
    free(m->labels);
    free(m);
}
