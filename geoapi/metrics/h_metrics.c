/*
 * h_metrics.c — GET /metrics: the server's counters and gauges in the Prometheus text format
 * 0.0.4 (docs/api.md, "Metrics"; docs/deployment.md, "Monitoring"). Who may read it is the
 * option `metrics`: off (404), loopback (the default: 127.0.0.0/8 and ::1 only, else 403) or
 * on. Only counts, route patterns of the table and the database's build id: no path, no
 * parameter, no address, nothing about a person.
 */
#include "api_bo.h"
#include "api_dbpool.h"
#include "api_handlers.h"
#include "api_metrics.h"
#include "bo.h"
#include "bo_mail.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* 1 for 127.0.0.0/8 (IPv4-mapped) and ::1. */
static int is_loopback(const unsigned char *ip)
{
    static const unsigned char v4[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char v6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return ip && ((memcmp(ip, v4, 12) == 0 && ip[12] == 127) || memcmp(ip, v6, 16) == 0);
}

/* The database generation served by this thread's connection, and the swaps seen. */
static void write_db(const struct api_ctx *ctx, struct gdir_buf *b)
{
    struct api_db *db = NULL;
    struct gdir_err err;
    char label[400], esc[340];

    if (api_dbpool_get(ctx->pool, &db, &err) == GDIR_OK && db) {
        api_metrics_label(esc, sizeof esc, db->build_id);
        snprintf(label, sizeof label, "build_id=\"%s\"", esc);
        api_metrics_sample(b, "geodir_db_generation_info", "gauge", "The database build "
                           "served (built_at and file identity); 1.", label, 1);
    }
    api_metrics_sample(b, "geodir_db_swaps_total", "counter", "Database files swapped in by "
                       "the importer since start, each counted once.", NULL,
                       (double)api_dbpool_swaps(ctx->pool));
}

/* The back office's outbox: unsent e-mails, never tried and failing. */
static void write_outbox(const struct api_ctx *ctx, struct gdir_buf *b)
{
    struct bo_db *bdb = ctx->bo ? api_bo_db(ctx) : NULL;
    long long pending = 0, failing = 0;
    struct gdir_err err;

    if (!bdb || bo_outbox_counts(bo_db_sqlite(bdb), &pending, &failing, &err))
        return;
    api_metrics_sample(b, "geodir_outbox_messages", "gauge", "E-mails of the outbox not sent "
                       "yet: pending (never tried), failing (tried, will be retried).",
                       "state=\"pending\"", (double)pending);
    api_metrics_sample(b, "geodir_outbox_messages", "gauge", NULL, "state=\"failing\"",
                       (double)failing);
}

/* Open descriptors: the entries of /proc/self/fd (-1 when unreadable). */
static long open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    long n = 0;

    if (!d)
        return -1;
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n - 1;   /* the descriptor of d itself */
}

/* The process basics, under the names of the Prometheus client libraries. */
static void write_process(const struct api_ctx *ctx, struct gdir_buf *b)
{
    struct rusage ru;
    struct rlimit rl;
    long pages = 0, rss = 0, fds = open_fds();
    FILE *f = fopen("/proc/self/statm", "r");

    if (getrusage(RUSAGE_SELF, &ru) == 0)
        api_metrics_sample(b, "process_cpu_seconds_total", "counter", "User and system CPU "
                           "time.", NULL, (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
                           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
    if (f && fscanf(f, "%ld %ld", &pages, &rss) == 2) {
        double page = (double)sysconf(_SC_PAGESIZE);
        api_metrics_sample(b, "process_resident_memory_bytes", "gauge", "Resident memory.", NULL,
                           (double)rss * page);
        api_metrics_sample(b, "process_virtual_memory_bytes", "gauge", "Virtual memory.", NULL,
                           (double)pages * page);
    }
    if (f)
        fclose(f);
    if (fds >= 0)
        api_metrics_sample(b, "process_open_fds", "gauge", "Open descriptors.", NULL,
                           (double)fds);
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        api_metrics_sample(b, "process_max_fds", "gauge", "Limit of open descriptors.", NULL,
                           (double)rl.rlim_cur);
    api_metrics_sample(b, "process_start_time_seconds", "gauge", "Start time, seconds since "
                       "the epoch.", NULL, (double)ctx->started);
}

int h_metrics(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
              struct gdir_err *err)
{
    struct gdir_buf *b = &res->body;

    if (ctx->cfg->metrics_mode == API_METRICS_OFF)
        return gdir_err_set(err, GDIR_ENOTFOUND, "no such resource (metrics = off)");
    if (ctx->cfg->metrics_mode == API_METRICS_LOOPBACK && !is_loopback(req->headers->peer))
        return gdir_err_set(err, GDIR_EFORBIDDEN, "/metrics is served to loopback clients only "
                            "(metrics = loopback)");
    if (!ctx->metrics)
        return gdir_err_set(err, GDIR_EUNAVAIL, "no counters");
    gdir_buf_reset(b);
    if (api_metrics_write(ctx->metrics, b))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    api_metrics_sample(b, "geodir_http_connections", "gauge", "Connections open now.", NULL,
                       ctx->connections ? (double)ctx->connections(ctx) : 0);
    write_db(ctx, b);
    write_outbox(ctx, b);
    write_process(ctx, b);
    if (b->err)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    res->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return GDIR_OK;
}
