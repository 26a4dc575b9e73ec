/*
 * test_api_generations.c — the shared caches of database generations (geoapi/db/api_gen.h):
 * a worker serving generation A is never stalled by generation B's place index, or B's address
 * geocoder index, being built.
 *
 * Two copies of the fixture database are two generations (their files differ, so do their
 * build ids). For each of the two slots, generation A's object is built; then, with
 * GEODIR_TEST_HOLD_GEN set, a thread starts building B's and is held inside the build. While it
 * is held: a second connection of A gets A's shared object (no build), a connection of A
 * closes, a new connection of A opens and uses it; a second connection of B waits for the build
 * instead of starting its own, and gets the same object once the build is let go. The geocoder
 * index is also held by a request past the close of the connection that built it (the
 * generation is freed by its last reference, which ASan checks). Synchronisation is by polling
 * for files and flags with a deadline, never by sleeping a guessed time.
 *
 * usage: test_api_generations DB WORKDIR
 */
#include "check.h"

#include "api_geocoder.h"
#include "api_pindex.h"
#include "api_queries.h"
#include "gdir_geocoder.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *db_path, *work;
static char path_a[4096], path_b[4096], hold[4096], building[4096];

/* Polls cond(arg) every 2 ms until it holds or ms milliseconds passed. 1 when it held. */
static int poll_until(int (*cond)(void *), void *arg, int ms)
{
    struct timespec t0, now, tick = {0, 2 * 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (cond(arg))
            return 1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 > ms)
            return 0;
        nanosleep(&tick, NULL);
    }
}

static int file_exists(void *path)
{
    return access(path, F_OK) == 0;
}

static int flag_set(void *flag)
{
    return atomic_load((atomic_int *)flag) != 0;
}

static int copy_file(const char *from, const char *to)
{
    char buf[1 << 16];
    size_t n;
    int rc = 0;
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out)
        rc = -1;
    while (!rc && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    return rc;
}

/* A slot of the generation cache, as its users reach it. */
struct slot_kind {
    const char *name;
    const void *(*get)(struct api_db *db);   /* the object of db's generation, or NULL */
    void (*put)(const void *obj);            /* gives back what get took */
    long long (*use)(const void *obj);       /* reads it: a size, -1 when it cannot */
};

static const void *pindex_get(struct api_db *db)
{
    return api_pindex_get(db);
}

static void pindex_put(const void *obj)
{
    (void)obj;   /* borrowed from the connection */
}

static long long pindex_use(const void *obj)
{
    struct gdir_bbox all = {-180, -90, 180, 90};
    return api_pindex_count_box(obj, &all);
}

static const void *geocoder_get(struct api_db *db)
{
    struct api_geocoder *ix;
    struct gdir_err err;
    return api_geocoder_acquire(db, &ix, &err) == 0 ? ix : NULL;
}

static void geocoder_put(const void *obj)
{
    api_geocoder_release((struct api_geocoder *)obj);
}

static long long geocoder_use(const void *obj)
{
    const struct api_geocoder *ix = obj;
    return ix->n_sources > 0 ? (long long)gdir_geocoder_size(ix->g) : -1;
}

static const struct slot_kind pindex_kind = {"place index", pindex_get, pindex_put, pindex_use};
static const struct slot_kind geocoder_kind = {"geocoder index", geocoder_get, geocoder_put,
                                               geocoder_use};

/* A thread that opens path and asks for its generation's object. */
struct asker {
    const struct slot_kind *kind;
    const char *path;
    struct api_db *db;
    const void *obj;
    atomic_int done;
};

static void *ask(void *arg)
{
    struct asker *a = arg;
    struct gdir_err err;
    if (api_db_open(&a->db, a->path, &err) == 0)
        a->obj = a->kind->get(a->db);
    atomic_store(&a->done, 1);
    return NULL;
}

/* Generation A's work while B is held: share, close, reopen and use. */
struct serve_a {
    const struct slot_kind *kind;
    struct api_db *a1, *a2;        /* a1 has A's object; a2 is open without one */
    const void *obj2, *obj3;
    long long n3;
    atomic_int done;
};

static void *serve(void *arg)
{
    struct serve_a *s = arg;
    struct api_db *a3 = NULL;
    struct gdir_err err;

    s->obj2 = s->kind->get(s->a2);
    api_db_close(s->a1);            /* the old code took the registry's mutex here */
    s->a1 = NULL;
    if (api_db_open(&a3, path_a, &err) == 0) {
        s->obj3 = s->kind->get(a3);
        s->n3 = s->obj3 ? s->kind->use(s->obj3) : -1;
        if (s->obj3)
            s->kind->put(s->obj3);
        api_db_close(a3);
    }
    atomic_store(&s->done, 1);
    return NULL;
}

static void swap_does_not_stall(const struct slot_kind *kind)
{
    struct gdir_err err;
    struct serve_a s;
    struct asker b1, b2;
    pthread_t tb1, tb2, ta;
    const void *obj_a;
    FILE *f;

    memset(&s, 0, sizeof s);
    memset(&b1, 0, sizeof b1);
    memset(&b2, 0, sizeof b2);
    s.kind = b1.kind = b2.kind = kind;
    CHECK_INT_EQ(api_db_open(&s.a1, path_a, &err), 0);
    CHECK_INT_EQ(api_db_open(&s.a2, path_a, &err), 0);
    if (!s.a1 || !s.a2)
        return;
    obj_a = kind->get(s.a1);
    CHECK(obj_a != NULL);
    if (!obj_a)
        return;

    /* Hold B's build. */
    f = fopen(hold, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    unlink(building);
    setenv("GEODIR_TEST_HOLD_GEN", hold, 1);
    b1.path = b2.path = path_b;
    CHECK_INT_EQ(pthread_create(&tb1, NULL, ask, &b1), 0);
    CHECK(poll_until(file_exists, building, 10000));

    /* Generation A goes on while B is built; a second asker of B waits for that build. */
    CHECK_INT_EQ(pthread_create(&ta, NULL, serve, &s), 0);
    CHECK_INT_EQ(pthread_create(&tb2, NULL, ask, &b2), 0);
    CHECK(poll_until(flag_set, &s.done, 10000));
    CHECK(!atomic_load(&b1.done));   /* still held: A did not wait for it */
    if (atomic_load(&s.done)) {
        CHECK(s.obj2 == obj_a);      /* shared, not rebuilt (a build would have been held) */
        CHECK(s.obj3 == obj_a);
        CHECK(s.n3 > 0);
    }

    /* Let B's build go: both askers of B get the one object. */
    unlink(hold);
    CHECK(poll_until(flag_set, &b1.done, 30000));
    CHECK(poll_until(flag_set, &b2.done, 30000));
    pthread_join(tb1, NULL);
    pthread_join(tb2, NULL);
    pthread_join(ta, NULL);
    unsetenv("GEODIR_TEST_HOLD_GEN");
    CHECK(b1.obj != NULL);
    CHECK(b1.obj == b2.obj);
    CHECK(b1.obj != obj_a);
    if (s.obj2)
        kind->put(s.obj2);
    kind->put(obj_a);
    if (b1.obj)
        kind->put(b1.obj);
    if (b2.obj)
        kind->put(b2.obj);
    api_db_close(s.a1);
    api_db_close(s.a2);
    api_db_close(b1.db);
    api_db_close(b2.db);
}

static void test_swap_does_not_stall(void)
{
    swap_does_not_stall(&pindex_kind);
}

static void test_geocoder_swap_does_not_stall(void)
{
    swap_does_not_stall(&geocoder_kind);
}

/* A request's reference keeps the geocoder index (and its generation) alive after the last
 * connection of that generation closed; giving it back frees them. Twice the same generation
 * in a row: the second is built anew (the first was freed with its generation). */
static void test_geocoder_outlives_connection(void)
{
    struct api_db *db = NULL;
    struct api_geocoder *ix = NULL;
    struct gdir_err err;

    for (int round = 0; round < 2; round++) {
        CHECK_INT_EQ(api_db_open(&db, path_a, &err), 0);
        if (!db)
            return;
        CHECK_INT_EQ(api_geocoder_acquire(db, &ix, &err), 0);
        api_db_close(db);            /* the generation's last connection */
        db = NULL;
        if (!ix)
            continue;
        CHECK(gdir_geocoder_size(ix->g) > 0);   /* still there (ASan: not freed) */
        CHECK(ix->n_sources > 0);
        CHECK(api_geocoder_importance(ix, "00000") == 0);
        api_geocoder_release(ix);    /* the last reference: frees it */
        ix = NULL;
    }
}

static const struct check_case cases[] = {
    {"swap_does_not_stall", test_swap_does_not_stall},
    {"geocoder_swap_does_not_stall", test_geocoder_swap_does_not_stall},
    {"geocoder_outlives_connection", test_geocoder_outlives_connection},
};

int main(int argc, char **argv)
{
    if (!check_args(argc, 2, "test_api_generations DB WORKDIR"))
        return 2;
    db_path = argv[1];
    work = argv[2];
    if (mkdir(work, 0700) != 0 && errno != EEXIST) {
        perror(work);
        return 2;
    }
    snprintf(path_a, sizeof path_a, "%s/a.sqlite", work);
    snprintf(path_b, sizeof path_b, "%s/b.sqlite", work);
    snprintf(hold, sizeof hold, "%s/hold", work);
    snprintf(building, sizeof building, "%s/hold.building", work);
    unlink(hold);
    unlink(building);
    if (copy_file(db_path, path_a) != 0 || copy_file(db_path, path_b) != 0) {
        fprintf(stderr, "cannot copy %s into %s\n", db_path, work);
        return 2;
    }
    int failed = check_run(cases, CHECK_COUNT(cases));
    /* A held build would never end: exit without waiting for threads. */
    unlink(hold);
    return failed ? 1 : 0;
}
