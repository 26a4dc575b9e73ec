/*
 * test_thread.c — gdir_thread_conns (common/gdir_thread.c): a connection per thread, opened on
 * the thread's first use with the copied path, closed when the thread ends and by close; the
 * probe of open (opened and closed; GDIR_ECONFIG with the opener's message when it fails).
 */
#include "check.h"
#include "gdir_err.h"
#include "gdir_thread.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int opened, closed;

struct fake_conn {
    char path[64];
};

static int fake_open(void **conn, const char *path, struct gdir_err *err)
{
    struct fake_conn *c;
    if (strstr(path, "missing"))
        return gdir_err_set(err, GDIR_EIO, "%s: cannot open", path);
    if (!(c = calloc(1, sizeof *c)))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    snprintf(c->path, sizeof c->path, "%s", path);
    pthread_mutex_lock(&mu);
    opened++;
    pthread_mutex_unlock(&mu);
    *conn = c;
    return GDIR_OK;
}

static void fake_close(void *conn)
{
    if (!conn)
        return;
    free(conn);
    pthread_mutex_lock(&mu);
    closed++;
    pthread_mutex_unlock(&mu);
}

static void test_probe_failure(void)
{
    struct gdir_thread_conns *c = (void *)&closed;
    struct gdir_err err;
    gdir_err_clear(&err);
    opened = closed = 0;
    CHECK_INT_EQ(gdir_thread_conns_open(&c, "/nowhere/missing.sqlite", fake_open, fake_close,
                                        &err), GDIR_ECONFIG);
    CHECK_INT_EQ(err.code, GDIR_ECONFIG);
    CHECK(strstr(err.msg, "missing.sqlite: cannot open") != NULL);
    CHECK(c == NULL);
    gdir_thread_conns_close(NULL);   /* NULL-safe */
    CHECK_INT_EQ(opened, 0);
}

struct worker {
    struct gdir_thread_conns *c;
    void *first, *second;
    int rc;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct gdir_err err;
    gdir_err_clear(&err);
    w->rc = gdir_thread_conns_get(w->c, &w->first, &err);
    if (!w->rc)
        w->rc = gdir_thread_conns_get(w->c, &w->second, &err);
    return NULL;
}

static void test_one_per_thread(void)
{
    struct gdir_thread_conns *c;
    struct gdir_err err;
    char path[] = "/srv/forms.sqlite";
    struct worker w[2] = {{NULL, NULL, NULL, -1}, {NULL, NULL, NULL, -1}};
    pthread_t t[2];
    void *mine, *again;

    gdir_err_clear(&err);
    opened = closed = 0;
    CHECK_INT_EQ(gdir_thread_conns_open(&c, path, fake_open, fake_close, &err), GDIR_OK);
    CHECK_INT_EQ(opened, 1);      /* the probe, */
    CHECK_INT_EQ(closed, 1);      /* closed at once */
    path[1] = 'X';                /* the path was copied */
    CHECK_INT_EQ(gdir_thread_conns_get(c, &mine, &err), GDIR_OK);
    CHECK_INT_EQ(gdir_thread_conns_get(c, &again, &err), GDIR_OK);
    CHECK(mine == again);
    CHECK_STR_EQ(((struct fake_conn *)mine)->path, "/srv/forms.sqlite");
    CHECK_INT_EQ(opened, 2);

    for (int i = 0; i < 2; i++) {
        w[i].c = c;
        CHECK_INT_EQ(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++) {
        CHECK_INT_EQ(w[i].rc, GDIR_OK);
        CHECK(w[i].first && w[i].first == w[i].second && w[i].first != mine);
    }
    CHECK_INT_EQ(opened, 4);
    CHECK_INT_EQ(closed, 3);      /* the probe and the two ended threads' */

    gdir_thread_conns_close(c);
    CHECK_INT_EQ(closed, 4);      /* this thread's, by close */
}

static const struct check_case cases[] = {
    {"probe_failure", test_probe_failure},
    {"one_per_thread", test_one_per_thread},
};
CHECK_MAIN(cases)
