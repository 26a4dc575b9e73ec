/*
 * api_dbpool.h — one read-only database connection per worker thread.
 *
 * A thread's connection is opened on its first request (pthread key), never shared, and
 * closed when the thread ends (the key's destructor runs when the server joins its workers). When the
 * importer swaps a new database file in (rename over the path), each connection notices the new
 * inode on its next request (checked at most once a second) and reopens, so readers move to the
 * new data without a restart and never see a half-written file. Once one thread has opened the
 * new file, every other thread checks on its very next request (a counter of files seen, read
 * without a lock), so no thread answers from the old file after another answered from the new.
 */
#ifndef API_DBPOOL_H
#define API_DBPOOL_H

#include <pthread.h>
#include <stdatomic.h>

#include "api_queries.h"

struct api_dbpool {
    pthread_key_t key;    /* thread -> struct pool_conn */
    const char *path;     /* borrowed: the configured database file */
    int key_ok;           /* the key was created */
    pthread_mutex_t mu;   /* guards the newest file seen */
    unsigned long long ino, dev;   /* identity of the newest file a connection opened */
    atomic_ulong files;   /* files opened so far, each counted once (swaps = files - 1, GET
                             /metrics); a thread behind it checks the path at once */
};

/* Prepares the pool; opens nothing. Returns 0 or GDIR_EINTERNAL. */
int api_dbpool_init(struct api_dbpool *pool, const char *path, struct gdir_err *err);

/* The calling thread's connection, opened (or reopened after a swap) as needed. Borrowed:
 * valid until the thread's next call or its end. Returns 0, or GDIR_EUNAVAIL with err. */
int api_dbpool_get(struct api_dbpool *pool, struct api_db **db, struct gdir_err *err);

/* Database files swapped in since start (each new file counted once, when the first
 * connection opens it). Thread-safe. */
unsigned long api_dbpool_swaps(struct api_dbpool *pool);

/* Deletes the key. Call after every worker thread has ended; closes the calling thread's own
 * connection if it made one (the last connection of a generation frees its shared caches,
 * api_gen.h). */
void api_dbpool_destroy(struct api_dbpool *pool);

#endif
