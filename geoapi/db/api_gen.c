/*
 * api_gen.c — the registry of database generations and their build-once slots: a
 * process-wide list of live generations (mutex held only to find, add or unlink one), one
 * mutex and condition variable per generation for its slots. See api_gen.h.
 *
 * Not here: what the slots hold (search/api_pindex.c builds the place index,
 * search/api_vocab.c the vocabulary, geocode/api_geocoder.c the address index), which
 * connection a thread uses (api_dbpool.c).
 */
#include "api_gen.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum slot_state { SLOT_EMPTY, SLOT_BUILDING, SLOT_READY, SLOT_FAILED };

struct gen_slot {
    enum slot_state state;     /* under the generation's mutex */
    void *obj;                 /* owned when SLOT_READY */
    api_gen_free_fn *free_fn;  /* how to free obj */
};

struct api_gen {
    char build_id[160];        /* the generation's name (api_db.build_id) */
    unsigned refs;             /* under registry_mu */
    pthread_mutex_t mu;        /* guards slot states */
    pthread_cond_t built;      /* broadcast when a slot's build ends */
    struct gen_slot slot[API_GEN_NSLOTS];
    struct api_gen *next;      /* registry list */
};

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct api_gen *registry;   /* live generations (refs > 0) */

static void gen_free(struct api_gen *g)
{
    for (int i = 0; i < API_GEN_NSLOTS; i++)
        if (g->slot[i].state == SLOT_READY && g->slot[i].free_fn)
            g->slot[i].free_fn(g->slot[i].obj);
    pthread_cond_destroy(&g->built);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

int api_gen_acquire(const char *build_id, struct api_gen **out, struct gdir_err *err)
{
    struct api_gen *g;

    *out = NULL;
    pthread_mutex_lock(&registry_mu);
    for (g = registry; g; g = g->next)
        if (strcmp(g->build_id, build_id) == 0)
            break;
    if (!g) {
        g = calloc(1, sizeof *g);
        if (g && pthread_mutex_init(&g->mu, NULL) != 0) {
            free(g);
            g = NULL;
        } else if (g && pthread_cond_init(&g->built, NULL) != 0) {
            pthread_mutex_destroy(&g->mu);
            free(g);
            g = NULL;
        }
        if (g) {
            snprintf(g->build_id, sizeof g->build_id, "%s", build_id);
            g->next = registry;
            registry = g;
        }
    }
    if (g)
        g->refs++;
    pthread_mutex_unlock(&registry_mu);
    if (!g)
        return gdir_err_set(err, GDIR_ENOMEM, "database generation: out of memory");
    *out = g;
    return GDIR_OK;
}

void api_gen_hold(struct api_gen *g)
{
    pthread_mutex_lock(&registry_mu);
    g->refs++;
    pthread_mutex_unlock(&registry_mu);
}

void api_gen_release(struct api_gen *g)
{
    int last = 0;

    if (!g)
        return;
    pthread_mutex_lock(&registry_mu);
    if (--g->refs == 0) {
        struct api_gen **pp = &registry;
        while (*pp && *pp != g)
            pp = &(*pp)->next;
        if (*pp)
            *pp = g->next;
        last = 1;
    }
    pthread_mutex_unlock(&registry_mu);
    /* No slot can be building: the builder holds a reference until its build ends. */
    if (last)
        gen_free(g);
}

/* The test hook of api_gen.h: holds a build while the file $GEODIR_TEST_HOLD_GEN exists. */
static void test_hold(void)
{
    const char *hold = getenv("GEODIR_TEST_HOLD_GEN");
    char mark[4096];
    FILE *f;

    if (!hold || !*hold || access(hold, F_OK) != 0)
        return;
    snprintf(mark, sizeof mark, "%s.building", hold);
    f = fopen(mark, "w");
    if (f)
        fclose(f);
    while (access(hold, F_OK) == 0) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

void *api_gen_slot(struct api_gen *g, enum api_gen_slot s, api_gen_build_fn *build,
                   api_gen_free_fn *free_fn, void *ctx, struct gdir_err *err)
{
    struct gen_slot *sl = &g->slot[s];
    void *obj = NULL;
    int rc;

    pthread_mutex_lock(&g->mu);
    while (sl->state == SLOT_BUILDING)
        pthread_cond_wait(&g->built, &g->mu);
    if (sl->state != SLOT_EMPTY) {
        obj = sl->state == SLOT_READY ? sl->obj : NULL;
        pthread_mutex_unlock(&g->mu);
        return obj;
    }
    sl->state = SLOT_BUILDING;
    pthread_mutex_unlock(&g->mu);

    test_hold();
    rc = build(ctx, &obj, err);   /* no lock held: other generations go on */

    pthread_mutex_lock(&g->mu);
    if (rc == GDIR_OK) {
        sl->obj = obj;
        sl->free_fn = free_fn;
        sl->state = SLOT_READY;
    } else {
        obj = NULL;
        sl->state = SLOT_FAILED;
    }
    pthread_cond_broadcast(&g->built);
    pthread_mutex_unlock(&g->mu);
    return obj;
}

const char *api_gen_build_id(const struct api_gen *g)
{
    return g->build_id;
}
