/*
 * imp_hook.c — the pause-at-a-step test hook of geodir-import (see imp_hook.h). It reads
 * nothing and writes only one stderr line; a missing or unreadable FIFO is said on stderr
 * and the run goes on (a test waiting for the line then fails loudly).
 */
#include "imp_hook.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Is step one of the comma-separated names of list? */
static int listed(const char *list, const char *step)
{
    size_t n = strlen(step);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, step, n) == 0)
            return 1;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

void imp_hook_pause(const char *step)
{
    const char *at = getenv("GEODIR_IMPORT_PAUSE_AT");
    const char *fifo = getenv("GEODIR_IMPORT_PAUSE_FIFO");
    FILE *f;
    char line[64];

    if (!at || !*at || !listed(at, step))
        return;
    fprintf(stderr, "geodir-import: paused at %s (pid %ld)\n", step, (long)getpid());
    fflush(stderr);
    if (!fifo || !*fifo) {
        fprintf(stderr, "geodir-import: GEODIR_IMPORT_PAUSE_FIFO is not set: not pausing\n");
        return;
    }
    if (!(f = fopen(fifo, "r"))) {   /* blocks until the test opens it for writing */
        fprintf(stderr, "geodir-import: %s: %s: not pausing\n", fifo, strerror(errno));
        return;
    }
    if (!fgets(line, sizeof line, f))
        line[0] = '\0';
    fclose(f);
    fprintf(stderr, "geodir-import: resumed after %s\n", step);
}
