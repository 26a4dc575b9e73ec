/*
 * raw_api.c — the in-process cost of geodir-api's searches, without HTTP and without JSON:
 * the reference the HTTP figures are divided by (bench/api/run.sh).
 *
 * It links geoapi's own library (geoapi_core), so it runs the very statements the server
 * prepares (api_queries.c) and the same engine (api_search.c, with the in-memory place index
 * of api_pindex.c): for each query, api_search_run() then api_search_read_page() for the places
 * of the page, reading every column — what h_places.c does before writing JSON. Single thread,
 * one read-only connection, like the peers' raw_query.c.
 *
 * Usage: raw_api DB BOXES SECONDS MODE...     (SECONDS < 0: exactly -SECONDS queries per mode)
 * Modes (each at the centres of the query boxes of BOXES, "minx miny maxx maxy" a line):
 *   near       k=20 within 5 km of the point (sort by distance)        /api/places?lat&lon&radius=5000&k=20
 *   near_sql   the same without the place index: candidates read from SQLite (R*Tree + rows)
 *   radius     every place within 1 km, first 50 by distance           /api/places?lat&lon&radius=1000&limit=50
 *   bbox       the ~5 km box, first 50 by name, exact numberMatched     /api/places?bbox=...&limit=50
 *   bbox_sql   the same without the place index
 *   text       q=boulangerie near the point, 20 by relevance           /api/places?q=boulangerie&lat&lon&limit=20
 *              (RAW_Q in the environment: another query text for text and textnp)
 *   textnp     the same text query without a position                  /api/places?q=boulangerie&limit=20
 *   ac         the place part of autocomplete: q=boul near the point, 8  /api/autocomplete?q=boul&lat&lon
 *   facets     category+commune facets, 1 km around the point           /api/places?lat&lon&radius=1000&facets=category,commune&limit=10
 * Prints one line per mode: mode qps p50_us p99_us mean_matched mean_returned cpu_us
 * where qps is over wall-clock time and cpu_us the thread's CPU time per query (user + system):
 * on a machine shared with other work, cpu_us is the steadier cost.
 */
#include "api_pindex.h"
#include "api_queries.h"
#include "api_search.h"
#include "api_text.h"
#include "gdir_log.h"
#include "gdir_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_BOXES 4096

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static size_t slen(const char *s)
{
    return s ? strlen(s) : 0;
}

/* Reads every column of the place, as the JSON writer would. */
static int read_place(void *cls, const struct api_place *p)
{
    size_t *sink = cls;
    *sink += slen(p->id) + slen(p->name) + slen(p->category) + slen(p->address) +
             slen(p->postcode) + slen(p->insee) + slen(p->commune) + slen(p->phone) +
             slen(p->email) + slen(p->website) + slen(p->opening_hours) + slen(p->description) +
             slen(p->source) + slen(p->source_title) + slen(p->publisher) + slen(p->licence) +
             slen(p->source_date) + (p->lat > 0) + (p->lon > 0);
    return 0;
}

/* Reads the "minx miny maxx maxy" lines of path into boxes (at most MAX_BOXES); their number,
 * 0 when there are none or the file does not open (said on stderr). */
static size_t read_boxes(const char *path, double boxes[][4])
{
    size_t nb = 0;
    FILE *f = fopen(path, "r");

    if (!f) {
        perror(path);
        return 0;
    }
    while (nb < MAX_BOXES && fscanf(f, "%lf %lf %lf %lf", &boxes[nb][0], &boxes[nb][1],
                                    &boxes[nb][2], &boxes[nb][3]) == 4)
        nb++;
    fclose(f);
    if (nb == 0)
        fprintf(stderr, "%s: no boxes\n", path);
    return nb;
}

/* A fresh connection per mode: the place index is built (or not: sql_only) before timing.
 * 0, or the exit status. */
static int open_for_mode(struct api_db **db, const char *path, int sql_only,
                         struct gdir_err *err)
{
    api_db_close(*db);
    if (api_db_open(db, path, err) != 0) {
        fprintf(stderr, "%s: %s\n", path, err->msg);
        return 1;
    }
    if (getenv("RAW_PRAGMA"))   /* experiments: e.g. "PRAGMA mmap_size=0" */
        sqlite3_exec((*db)->g.db, getenv("RAW_PRAGMA"), NULL, NULL, NULL);
    if (sql_only)
        (*db)->pindex_failed = 1;      /* the engine then reads candidates from SQLite */
    else if (!api_pindex_get(*db)) {
        fprintf(stderr, "place index not built\n");
        return 1;
    }
    return 0;
}

/* The searches of the modes (see the usage above). */
enum mode_text { MODE_NO_TEXT, MODE_TEXT, MODE_AC };

struct mode_def {
    const char *name;
    int prefix;              /* 1: any mode that starts with name (near_sql, bbox_sql) */
    int point, bbox;         /* the centre of the box as the point; the box as bbox */
    double radius;           /* > 0: within radius metres of the point */
    long k, limit;
    enum api_sort sort;
    enum mode_text text;
    int facets;              /* category and commune facets */
};

static const struct mode_def modes[] = {
    {"near", 1, 1, 0, 5000, 20, 50, API_SORT_DISTANCE, MODE_NO_TEXT, 0},
    {"radius", 0, 1, 0, 1000, 0, 50, API_SORT_DISTANCE, MODE_NO_TEXT, 0},
    {"bbox", 1, 0, 1, 0, 0, 50, API_SORT_NAME, MODE_NO_TEXT, 0},
    {"text", 0, 1, 0, 0, 0, 20, API_SORT_RELEVANCE, MODE_TEXT, 0},
    {"textnp", 0, 0, 0, 0, 0, 20, API_SORT_RELEVANCE, MODE_TEXT, 0},
    {"ac", 0, 1, 0, 0, 0, 8, API_SORT_RELEVANCE, MODE_AC, 0},
    {"facets", 0, 1, 0, 1000, 0, 10, API_SORT_DISTANCE, MODE_NO_TEXT, 1},
};

/* The definition of mode, or NULL for an unknown mode. */
static const struct mode_def *mode_find(const char *mode)
{
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        const struct mode_def *m = &modes[i];
        if (m->prefix ? strncmp(mode, m->name, strlen(m->name)) == 0
                      : strcmp(mode, m->name) == 0)
            return m;
    }
    return NULL;
}

/* The search of mode m at the centre of the box b. */
static void mode_params(const struct mode_def *m, const double *b,
                        const struct api_text_query *text, const struct api_text_query *ac,
                        struct api_search_params *p)
{
    memset(p, 0, sizeof *p);
    p->lat = (b[1] + b[3]) / 2;
    p->lon = (b[0] + b[2]) / 2;
    p->when = time(NULL);
    p->has_point = m->point;
    p->has_radius = m->radius > 0;
    p->radius = m->radius;
    p->k = m->k;
    if (m->bbox) {
        p->has_bbox = 1;
        p->bbox.minlon = b[0];
        p->bbox.minlat = b[1];
        p->bbox.maxlon = b[2];
        p->bbox.maxlat = b[3];
    }
    p->text = m->text == MODE_TEXT ? text : m->text == MODE_AC ? ac : NULL;
    p->limit = m->limit;
    p->sort = m->sort;
    p->facet_category = p->facet_commune = m->facets;
}

/* Prints the line of a mode from its n sorted latencies. */
static void print_mode(const char *mode, const double *lat_us, size_t n, double secs,
                       double matched, double returned, double cpu_spent)
{
    double spent = secs;

    if (n == 0) {
        printf("%s 0 0 0 0 0 0\n", mode);
        return;
    }
    if (secs < 0) {
        spent = 0;
        for (size_t i = 0; i < n; i++)
            spent += lat_us[i] / 1e6;   /* the rate over the time spent in queries */
    }
    printf("%s %.0f %.0f %.0f %.0f %.1f %.1f\n", mode, (double)n / spent, lat_us[n / 2],
           lat_us[n * 99 / 100], matched / (double)n, returned / (double)n,
           cpu_spent / (double)n * 1e6);
    fflush(stdout);
}

/* Times mode over the boxes (after a warm-up pass) and prints its line; 0, or the exit
 * status. */
static int run_mode(struct api_db *db, const char *mode, double secs, double (*boxes)[4],
                    size_t nb, size_t *sink, struct gdir_err *err)
{
    const struct mode_def *def = mode_find(mode);
    if (!def) {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    size_t cap = 1 << 22, n = 0, bi = 0;
    double *lat_us = malloc(cap * sizeof *lat_us), t_end, matched = 0, returned = 0;
    double cpu0 = 0;
    struct api_text_query text, ac;

    if (api_text_query_parse("boul", "q", &ac, err) != 0) {
        fprintf(stderr, "q: %s\n", err->msg);
        return 1;
    }
    if (api_text_query_parse(getenv("RAW_Q") ? getenv("RAW_Q") : "boulangerie", "q", &text,
                             err) != 0) {
        fprintf(stderr, "q: %s\n", err->msg);
        return 1;
    }
    /* Warm-up: one pass over the points (not timed). */
    for (int warm = 1; warm >= 0; warm--) {
        /* SECONDS < 0: exactly -SECONDS queries, no warm-up (for instruction counts). */
        size_t quota = secs < 0 ? (size_t)-secs : cap;
        if (secs < 0 && warm)
            continue;
        t_end = secs < 0 ? 1e300 : now_s() + (warm ? secs / 10 : secs);
        if (!warm)
            cpu0 = cpu_s();
        while (now_s() < t_end && n < quota) {
            struct api_search_params p;
            struct api_search_result r;
            double t0 = now_s();

            mode_params(def, boxes[bi++ % nb], &text, &ac, &p);
            if (api_search_run(db, NULL, &p, &r, err) != 0) {
                fprintf(stderr, "%s: %s\n", mode, err->msg);
                return 1;
            }
            if (api_search_read_page(db, &r, read_place, sink, err) != 0) {
                fprintf(stderr, "%s: page: %s\n", mode, err->msg);
                return 1;
            }
            if (!warm) {
                lat_us[n++] = (now_s() - t0) * 1e6;
                matched += (double)r.matched;
                returned += (double)r.n;
            }
            api_search_result_free(&r);
        }
    }
    double cpu_spent = cpu_s() - cpu0;
    qsort(lat_us, n, sizeof *lat_us, cmp_double);
    print_mode(mode, lat_us, n, secs, matched, returned, cpu_spent);
    free(lat_us);
    return 0;
}

int main(int argc, char **argv)
{
    static double boxes[MAX_BOXES][4];
    struct api_db *db = NULL;
    struct gdir_err err;
    double secs;
    size_t nb, sink = 0;

    if (argc < 5) {
        fprintf(stderr, "usage: %s DB BOXES SECONDS MODE...\n", argv[0]);
        return 2;
    }
    if (gdir_parse_double(argv[3], -1e8, 3600, 0, &secs) || (secs > -1 && secs < 0.001)) {
        fprintf(stderr, "%s: SECONDS: expected 0.001 to 3600, or -N for N queries\n",
                argv[3]);
        return 2;
    }
    nb = read_boxes(argv[2], boxes);
    if (nb == 0)
        return 1;
    gdir_log_set_level(GDIR_LOG_WARN);
    gdir_err_clear(&err);

    for (int m = 4; m < argc; m++) {
        int rc = open_for_mode(&db, argv[1], strstr(argv[m], "_sql") != NULL, &err);
        if (!rc)
            rc = run_mode(db, argv[m], secs, boxes, nb, &sink, &err);
        if (rc)
            return rc;
    }
    api_db_close(db);
    return sink == 42 ? 3 : 0;   /* keeps the reads */
}
