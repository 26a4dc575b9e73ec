/*
 * imp_lock.c — the per-database import lock (see imp_lock.h): flock(LOCK_EX | LOCK_NB) on
 * "<db>.lock", the holder's pid and start time written into it, read back by a loser.
 */
#include "imp_lock.h"
#include "imp_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

/* Who holds the lock, from the file's line: "pid 123, started 2026-01-01T00:00:00Z". */
static void holder(int fd, char *out, size_t cap)
{
    char line[128];
    long pid = 0;
    char started[40] = "";
    ssize_t n = pread(fd, line, sizeof line - 1, 0);
    line[n > 0 ? n : 0] = '\0';
    if (sscanf(line, "pid=%ld started=%39s", &pid, started) >= 1 && pid > 0)
        snprintf(out, cap, "pid %ld, started %s", pid, started[0] ? started : "at an unknown time");
    else
        snprintf(out, cap, "pid unknown: the holder has not written the lock file yet");
}

int imp_lock_take(struct imp_lock *l, const char *db_path, struct gdir_err *err)
{
    char line[96], who[128], ts[32];
    time_t now = time(NULL);
    struct tm tm;
    int rc;

    l->fd = -1;
    l->path = NULL;
    if ((rc = imp_writer_make_parent(db_path, err)))
        return rc;
    size_t n = strlen(db_path) + sizeof ".lock";
    if (!(l->path = malloc(n)))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    snprintf(l->path, n, "%s.lock", db_path);
    if ((l->fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: cannot open the lock file: %s", l->path,
                          strerror(errno));
        goto out;
    }
    if (flock(l->fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            rc = gdir_err_set(err, GDIR_EIO, "%s: cannot lock: %s", l->path, strerror(errno));
            goto out;
        }
        holder(l->fd, who, sizeof who);
        rc = gdir_err_set(err, GDIR_EBUSY, "%s: another import of this database is running "
                          "(%s; lock file %s): nothing was changed, try again when it has "
                          "finished", db_path, who, l->path);
        goto out;
    }
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int len = snprintf(line, sizeof line, "pid=%ld started=%s\n", (long)getpid(), ts);
    if (ftruncate(l->fd, 0) != 0 || pwrite(l->fd, line, (size_t)len, 0) != (ssize_t)len) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: cannot write: %s", l->path, strerror(errno));
        goto out;
    }
    rc = GDIR_OK;
out:
    if (rc)
        imp_lock_release(l);
    return rc;
}

void imp_lock_release(struct imp_lock *l)
{
    if (!l)
        return;
    if (l->fd >= 0)
        close(l->fd);   /* closing the only descriptor releases the flock */
    l->fd = -1;
    free(l->path);
    l->path = NULL;
}
