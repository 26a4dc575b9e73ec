/*
 * test_api_generations.c — the shared caches of database generations (geoapi/db/api_gen.h):
 * a worker serving generation A is never stalled by generation B's place index being built.
 *
 * Two copies of the fixture database are two generations (their files differ, so do their
 * build ids). Generation A's index is built; then, with GEODIR_TEST_HOLD_PINDEX set, a thread
 * starts building B's and is held inside the build. While it is held: a second connection of
 * A gets A's shared index (no build), a connection of A closes, a new connection of A opens
 * and searches; a second connection of B waits for the build instead of starting its own, and
 * gets the same index once the build is let go. Synchronisation is by polling for files and
 * flags with a deadline, never by sleeping a guessed time.
 *
 * usage: test_api_generations DB WORKDIR
 */
#include "check.h"

#include "api_pindex.h"
#include "api_queries.h"

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

/* A thread that opens path and asks for its place index. */
struct asker {
    const char *path;
    struct api_db *db;
    const struct api_pindex *ix;
    atomic_int done;
};

static void *ask(void *arg)
{
    struct asker *a = arg;
    struct gdir_err err;
    if (api_db_open(&a->db, a->path, &err) == 0)
        a->ix = api_pindex_get(a->db);
    atomic_store(&a->done, 1);
    return NULL;
}

/* Generation A's work while B is held: share, close, reopen and search. */
struct serve_a {
    struct api_db *a1, *a2;        /* a1 has A's index; a2 is open without one */
    const struct api_pindex *ix2, *ix3;
    long long n3;
    atomic_int done;
};

static void *serve(void *arg)
{
    struct serve_a *s = arg;
    struct api_db *a3 = NULL;
    struct gdir_err err;

    s->ix2 = api_pindex_get(s->a2);
    api_db_close(s->a1);            /* the old code took the registry's mutex here */
    s->a1 = NULL;
    if (api_db_open(&a3, path_a, &err) == 0) {
        struct gdir_bbox all = {-180, -90, 180, 90};
        s->ix3 = api_pindex_get(a3);
        s->n3 = s->ix3 ? api_pindex_count_box(s->ix3, &all) : -1;
        api_db_close(a3);
    }
    atomic_store(&s->done, 1);
    return NULL;
}

static void test_swap_does_not_stall(void)
{
    struct gdir_err err;
    struct serve_a s;
    struct asker b1, b2;
    pthread_t tb1, tb2, ta;
    const struct api_pindex *ix_a;
    FILE *f;

    memset(&s, 0, sizeof s);
    memset(&b1, 0, sizeof b1);
    memset(&b2, 0, sizeof b2);
    CHECK_INT_EQ(api_db_open(&s.a1, path_a, &err), 0);
    CHECK_INT_EQ(api_db_open(&s.a2, path_a, &err), 0);
    if (!s.a1 || !s.a2)
        return;
    ix_a = api_pindex_get(s.a1);
    CHECK(ix_a != NULL);

    /* Hold B's build. */
    f = fopen(hold, "w");
    CHECK(f != NULL);
    if (f)
        fclose(f);
    setenv("GEODIR_TEST_HOLD_PINDEX", hold, 1);
    b1.path = b2.path = path_b;
    CHECK_INT_EQ(pthread_create(&tb1, NULL, ask, &b1), 0);
    CHECK(poll_until(file_exists, building, 10000));

    /* Generation A goes on while B is built; a second asker of B waits for that build. */
    CHECK_INT_EQ(pthread_create(&ta, NULL, serve, &s), 0);
    CHECK_INT_EQ(pthread_create(&tb2, NULL, ask, &b2), 0);
    CHECK(poll_until(flag_set, &s.done, 10000));
    CHECK(!atomic_load(&b1.done));   /* still held: A did not wait for it */
    if (atomic_load(&s.done)) {
        CHECK(s.ix2 == ix_a);        /* shared, not rebuilt (a build would have been held) */
        CHECK(s.ix3 == ix_a);
        CHECK(s.n3 > 0);
    }

    /* Let B's build go: both askers of B get the one index. */
    unlink(hold);
    CHECK(poll_until(flag_set, &b1.done, 30000));
    CHECK(poll_until(flag_set, &b2.done, 30000));
    pthread_join(tb1, NULL);
    pthread_join(tb2, NULL);
    pthread_join(ta, NULL);
    unsetenv("GEODIR_TEST_HOLD_PINDEX");
    CHECK(b1.ix != NULL);
    CHECK(b1.ix == b2.ix);
    CHECK(b1.ix != ix_a);
    api_db_close(s.a1);
    api_db_close(s.a2);
    api_db_close(b1.db);
    api_db_close(b2.db);
}

static const struct check_case cases[] = {
    {"swap_does_not_stall", test_swap_does_not_stall},
};

int main(int argc, char **argv)
{
    int n = (int)(sizeof cases / sizeof cases[0]);
    if (argc != 3) {
        fprintf(stderr, "usage: test_api_generations DB WORKDIR\n");
        return 2;
    }
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
    int failed = check_run(cases, n);
    /* A held build would never end: exit without waiting for threads. */
    unlink(hold);
    return failed ? 1 : 0;
}
