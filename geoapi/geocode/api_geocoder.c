/*
 * api_geocoder.c — the shared, reference-counted address geocoder index of geodir-api: one
 * per database generation, built once under a mutex, replaced when the database file is
 * swapped, freed by its last user. Also the licence, attribution and importance data that
 * BAN-style answers carry. See api_geocoder.h.
 *
 * Not here: the geocoding itself (geocode/gdir_geocoder.c), the HTTP answers (h_geocode.c,
 * h_autocomplete.c), the SQL (api_queries.c).
 */
#include "api_geocoder.h"
#include "api_queries.h"
#include "api_response.h"
#include "gdir_geocoder.h"
#include "gdir_log.h"
#include "gdir_mem.h"

#include <math.h>
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

int api_geocoders_init(struct api_geocoders *h, struct gdir_err *err)
{
    memset(h, 0, sizeof *h);
    if (pthread_mutex_init(&h->mu, NULL) != 0)
        return gdir_err_set(err, GDIR_EINTERNAL, "pthread_mutex_init failed");
    if (pthread_cond_init(&h->built, NULL) != 0) {
        pthread_mutex_destroy(&h->mu);
        return gdir_err_set(err, GDIR_EINTERNAL, "pthread_cond_init failed");
    }
    h->ok = 1;
    return GDIR_OK;
}

void api_geocoders_destroy(struct api_geocoders *h)
{
    if (!h || !h->ok)
        return;
    if (h->current && --h->current->refs == 0)
        index_free(h->current);
    h->current = NULL;
    pthread_cond_destroy(&h->built);
    pthread_mutex_destroy(&h->mu);
    h->ok = 0;
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

/* Builds a new generation from db (the calling thread's connection). */
static int index_build(struct api_db *db, struct api_geocoder **out, struct gdir_err *err)
{
    struct api_geocoder *ix = calloc(1, sizeof *ix);
    struct counts c = {0};
    int rc;

    *out = NULL;
    if (!ix)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    snprintf(ix->build_id, sizeof ix->build_id, "%s", db->build_id);
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

static int was_replaced(const struct api_geocoders *h, const char *build_id)
{
    size_t n = sizeof h->replaced / sizeof h->replaced[0];
    for (size_t i = 0; i < n && i < h->n_replaced; i++)
        if (strcmp(h->replaced[i], build_id) == 0)
            return 1;
    return 0;
}

int api_geocoder_acquire(struct api_geocoders *h, struct api_db *db, struct api_geocoder **out,
                         struct gdir_err *err)
{
    struct api_geocoder *ix = NULL, *old = NULL;
    struct timespec t0, t1;
    int rc;

    *out = NULL;
    pthread_mutex_lock(&h->mu);
    for (;;) {
        struct api_geocoder *cur = h->current;
        if (cur && (strcmp(cur->build_id, db->build_id) == 0 ||
                    was_replaced(h, db->build_id))) {
            /* Its generation, or a newer one than a connection that has not reopened yet. */
            cur->refs++;
            *out = cur;
            pthread_mutex_unlock(&h->mu);
            return GDIR_OK;
        }
        if (!h->building)
            break;
        pthread_cond_wait(&h->built, &h->mu);
    }
    if (strcmp(h->failed, db->build_id) == 0) {
        pthread_mutex_unlock(&h->mu);
        return gdir_err_set(err, GDIR_EUNAVAIL, "address index unavailable");
    }
    h->building = 1;
    pthread_mutex_unlock(&h->mu);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = index_build(db, &ix, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);

    pthread_mutex_lock(&h->mu);
    h->building = 0;
    if (rc) {
        char detail[GDIR_ERR_MSG_MAX];
        snprintf(h->failed, sizeof h->failed, "%s", db->build_id);
        api_log_sanitize(detail, sizeof detail, err->msg);
        gdir_log(GDIR_LOG_WARN, "geocoder", "msg=\"address index not built\" detail=\"%s\"",
                 detail);
        gdir_err_set(err, GDIR_EUNAVAIL, "address index unavailable");
        rc = GDIR_EUNAVAIL;
    } else {
        old = h->current;
        if (old) {
            unsigned slot = h->n_replaced++ % (sizeof h->replaced / sizeof h->replaced[0]);
            snprintf(h->replaced[slot], sizeof h->replaced[slot], "%s", old->build_id);
            if (--old->refs == 0)
                index_free(old);   /* no request holds it */
        }
        ix->refs = 2;              /* the holder's and the caller's */
        h->current = ix;
        *out = ix;
        gdir_log(GDIR_LOG_INFO, "geocoder",
                 "msg=\"address index built\" addresses=%zu sources=%zu ms=%.0f%s",
                 gdir_geocoder_size(ix->g), ix->n_sources,
                 (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
                 old ? " replaced=1" : "");
    }
    pthread_cond_broadcast(&h->built);
    pthread_mutex_unlock(&h->mu);
    return rc;
}

void api_geocoder_release(struct api_geocoders *h, struct api_geocoder *ix)
{
    int last;

    if (!ix)
        return;
    pthread_mutex_lock(&h->mu);
    last = --ix->refs == 0;
    pthread_mutex_unlock(&h->mu);
    if (last)
        index_free(ix);   /* replaced, and this was its last request */
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
