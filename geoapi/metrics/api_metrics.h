/*
 * api_metrics.h — the counters behind GET /metrics (docs/api.md, "Metrics"): requests per
 * route of the table (api_routes.c) and status class, and a latency histogram per route.
 *
 * Counting costs no lock and no shared cache line: each worker thread counts into its own
 * slab (a pthread key, made on its first request), with relaxed atomic loads and stores of
 * 64-bit counters that only that thread writes; a scrape sums every slab. A request is
 * counted when its answer is written (or the client gone), in the thread that served it, so
 * that on one keep-alive connection a scrape sees every request answered before it.
 *
 * The gauges of a scrape (connections, database generation, outbox, process) are not
 * counted here: h_metrics.c reads them when it writes the page.
 */
#ifndef API_METRICS_H
#define API_METRICS_H

#include <stddef.h>

#include "gdir_buf.h"
#include "gdir_err.h"

struct api_route;
struct api_metrics;

/* Counters for the n routes of table (api_routes()), plus one row for answers without a route
 * (404 outside the table, 405, preflights, the connection layer's 4xx/503). *out owned by the
 * caller (api_metrics_free). 0 or GDIR_ENOMEM. */
int api_metrics_new(struct api_metrics **out, const struct api_route *table, size_t n,
                    struct gdir_err *err);

/* Counts one answer: route index (-1: none), HTTP status, duration in seconds. Called by the
 * worker thread that served it. A thread whose slab cannot be allocated counts nothing. */
void api_metrics_record(struct api_metrics *m, int route, int status, double seconds);

/* Appends the counters in the Prometheus text format 0.0.4 to b: geodir_http_requests_total
 * {route, method, status} and the histogram geodir_http_request_duration_seconds {route,
 * method}, for the rows that counted at least one answer. Thread-safe. */
int api_metrics_write(struct api_metrics *m, struct gdir_buf *b);

/* A sample line "name{labels} value" helper for the gauges: HELP and TYPE lines first when
 * help is non-NULL. labels may be NULL (none) or "k=\"v\"" pairs already escaped. */
void api_metrics_sample(struct gdir_buf *b, const char *name, const char *type,
                        const char *help, const char *labels, double value);

/* Escapes a label value (\\, \" and \n) into out (cap bytes, cut if longer). */
void api_metrics_label(char *out, size_t cap, const char *value);

/* Frees m and every slab. Call after the workers have stopped. NULL-safe. */
void api_metrics_free(struct api_metrics *m);

#endif
