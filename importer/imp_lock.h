/*
 * imp_lock.h — one import at a time per database: an exclusive flock() on "<db>.lock",
 * beside the database, taken before anything is written and held until the process ends.
 *
 * The lock file holds one line, "pid=N started=YYYY-MM-DDTHH:MM:SSZ", written by the holder,
 * so that a second import can say who holds it. The file itself stays after the run (removing
 * a flock'd file races with the next taker); only the flock means anything, and the kernel
 * releases it when the holder exits, even on SIGKILL.
 */
#ifndef IMP_LOCK_H
#define IMP_LOCK_H

#include "gdir_err.h"

struct imp_lock {
    int fd;          /* the open lock file, -1 when not held */
    char *path;      /* "<db>.lock" (owned) */
};

/* Creates the database's folders if needed, opens "<db_path>.lock" and locks it without
 * waiting. Returns 0 (held: l->fd >= 0), GDIR_EBUSY when another process holds it (err says
 * its pid and start time, from the file), or GDIR_EIO / GDIR_ENOMEM. */
int imp_lock_take(struct imp_lock *l, const char *db_path, struct gdir_err *err);

/* Releases the lock and closes the file (which stays). NULL-safe, idempotent. */
void imp_lock_release(struct imp_lock *l);

#endif
