/*
 * api_geocoder.c — the address geocoder index of geodir-api as a slot of the database
 * generation's shared cache (db/api_gen.h): its builder and destructor, the reference a request
 * holds while it uses it, and the licence, attribution and importance data that BAN-style
 * answers carry. See api_geocoder.h.
 *
 * Not here: building once, waiting and freeing per generation (db/api_gen.c), the geocoding
 * itself (geocode/gdir_geocoder.c), the HTTP answers (h_geocode.c, h_autocomplete.c), the SQL
 * (api_queries.c).
 */
#include "api_geocoder.h"
#include "api_gen.h"
#include "api_queries.h"
#include "api_response.h"
#include "gdir_geocoder.h"
#include "gdir_log.h"
#include "gdir_mem.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Number of address points of one commune, turned into an importance. */
struct api_geo_weight {
    char insee[8];
    double importance;
};

#define MAX_SOURCES 64   /* address sources kept for licences (a territory has a handful) */

static void index_free(struct api_geocoder *ix)
{
    if (!ix)
        return;
    gdir_geocoder_free(ix->g);
    free(ix->sources);
    free(ix->weights);
    free(ix);
}

/* The attribution a source's answers carry, from its profile and its declared publisher. */
static void attribution_of(const struct api_address_source *s, char *out, size_t cap)
{
    int odbl = s->licence && strncmp(s->licence, "ODbL", 4) == 0;
    if (s->profile && strcmp(s->profile, "bano") == 0)
        snprintf(out, cap, "© les contributeurs d'OpenStreetMap, BANO");
    else if (s->profile && strcmp(s->profile, "ban") == 0)
        snprintf(out, cap, "BAN");
    else
        snprintf(out, cap, "%s%s", odbl ? "© " : "",
                 s->publisher && s->publisher[0] ? s->publisher : s->name);
}

/* Appends item to a ", "-joined list unless it is already there. */
static void join_unique(char *list, size_t cap, const char *item)
{
    size_t n = strlen(list), il = strlen(item);
    for (const char *p = list; *p;) {
        const char *comma = strstr(p, ", ");
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == il && memcmp(p, item, il) == 0)
            return;
        p = comma ? comma + 2 : p + len;
    }
    snprintf(list + n, cap - n, "%s%s", n ? ", " : "", item);
}

static int source_cb(void *cls, const struct api_address_source *s)
{
    struct api_geocoder *ix = cls;
    struct api_geo_source *out;

    if (ix->n_sources == MAX_SOURCES || !s->name)
        return 0;
    out = &ix->sources[ix->n_sources++];
    snprintf(out->name, sizeof out->name, "%s", s->name);
    snprintf(out->licence, sizeof out->licence, "%s", s->licence ? s->licence : "");
    attribution_of(s, out->attribution, sizeof out->attribution);
    join_unique(ix->licence, sizeof ix->licence, out->licence);
    join_unique(ix->attribution, sizeof ix->attribution, out->attribution);
    return 0;
}

struct counts {
    struct api_geo_weight *w;
    size_t n, cap;
    long long max;
};

static int count_cb(void *cls, const char *insee, long long count)
{
    struct counts *c = cls;
    if (!insee)
        return 0;
    if (gdir_grow(&c->w, &c->cap, c->n + 1, sizeof *c->w))
        return GDIR_ENOMEM;
    snprintf(c->w[c->n].insee, sizeof c->w[c->n].insee, "%s", insee);
    c->w[c->n].importance = (double)count;   /* turned into an importance below */
    c->n++;
    if (count > c->max)
        c->max = count;
    return 0;
}

static int cmp_weight(const void *a, const void *b)
{
    return strcmp(((const struct api_geo_weight *)a)->insee,
                  ((const struct api_geo_weight *)b)->insee);
}

/* Builds a generation's index from db (the calling thread's connection). */
static int index_build(struct api_db *db, struct api_geocoder **out, struct gdir_err *err)
{
    struct api_geocoder *ix = calloc(1, sizeof *ix);
    struct counts c = {0};
    int rc;

    *out = NULL;
    if (!ix)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    ix->sources = calloc(MAX_SOURCES, sizeof *ix->sources);
    if (!ix->sources) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto out;
    }
    rc = gdir_geocoder_open(&ix->g, db->g.db, err);
    if (!rc)
        rc = api_q_address_sources(db, source_cb, ix, err);
    if (!rc)
        rc = api_q_address_counts(db, count_cb, &c, err);
    if (rc) {
        if (!err->code)
            gdir_err_set(err, rc, "%s", gdir_err_text(rc));
        goto out;
    }
    for (size_t i = 0; i < c.n; i++)
        c.w[i].importance = c.max > 0 ? log1p(c.w[i].importance) / log1p((double)c.max) : 0;
    if (c.n > 1)   /* c.w is NULL without addresses: qsort(NULL, 0) is undefined (UBSan) */
        qsort(c.w, c.n, sizeof *c.w, cmp_weight);
    ix->weights = c.w;
    ix->n_weights = c.n;
    c.w = NULL;
out:
    free(c.w);
    if (rc) {
        index_free(ix);
        return rc;
    }
    *out = ix;
    return GDIR_OK;
}

/* Indexes built by this process: any after the first replaces an earlier generation's. */
static atomic_uint n_built;

/* api_gen_build_fn of the address index: ctx is the asking thread's connection. A failure is
 * logged here, once per generation (api_gen remembers it). */
static int geocoder_build(void *ctx, void **out, struct gdir_err *err)
{
    struct api_db *db = ctx;
    struct api_geocoder *ix = NULL;
    struct timespec t0, t1;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = index_build(db, &ix, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc) {
        char detail[GDIR_ERR_MSG_MAX];
        api_log_sanitize(detail, sizeof detail, err->msg);
        gdir_log(GDIR_LOG_WARN, "geocoder", "msg=\"address index not built\" detail=\"%s\"",
                 detail);
        return rc;
    }
    ix->gen = db->gen;
    gdir_log(GDIR_LOG_INFO, "geocoder",
             "msg=\"address index built\" addresses=%zu sources=%zu ms=%.0f%s",
             gdir_geocoder_size(ix->g), ix->n_sources,
             (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
             atomic_fetch_add(&n_built, 1) ? " replaced=1" : "");
    *out = ix;
    return GDIR_OK;
}

static void geocoder_free_fn(void *obj)
{
    index_free(obj);
}

int api_geocoder_acquire(struct api_db *db, struct api_geocoder **out, struct gdir_err *err)
{
    struct api_geocoder *ix = NULL;
    struct gdir_err e;

    *out = NULL;
    gdir_err_clear(&e);
    if (api_db_gen(db, &e))
        ix = api_gen_slot(db->gen, API_GEN_GEOCODER, geocoder_build, geocoder_free_fn, db, &e);
    if (!ix)
        return gdir_err_set(err, GDIR_EUNAVAIL, "address index unavailable");
    api_gen_hold(ix->gen);   /* the request's own: the connection may close before it ends */
    *out = ix;
    return GDIR_OK;
}

void api_geocoder_release(struct api_geocoder *ix)
{
    if (ix)
        api_gen_release(ix->gen);   /* the last reference frees the generation and ix */
}

const struct api_geo_source *api_geocoder_source(const struct api_geocoder *ix, const char *name)
{
    if (!name || !name[0])
        return NULL;
    for (size_t i = 0; i < ix->n_sources; i++)
        if (strcmp(ix->sources[i].name, name) == 0)
            return &ix->sources[i];
    return NULL;
}

double api_geocoder_importance(const struct api_geocoder *ix, const char *insee)
{
    size_t lo = 0, hi = ix->n_weights;
    if (!insee)
        return 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ix->weights[mid].insee, insee);
        if (c == 0)
            return ix->weights[mid].importance;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}
