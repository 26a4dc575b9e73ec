/*
 * imp_progress.c — the terminal progress line of geodir-import (see imp_progress.h): rows,
 * rate, share of the file read and time left, redrawn at most every 250 ms.
 */
#include "imp_progress.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define REDRAW_S 0.25

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void imp_progress_init(struct imp_progress *p, FILE *out, int enabled)
{
    memset(p, 0, sizeof *p);
    p->out = enabled ? out : NULL;
}

void imp_progress_begin(struct imp_progress *p, const char *label, const char *path)
{
    struct stat st;
    if (!p->out)
        return;
    p->label = label;
    p->rows = 0;
    p->t0 = p->last = now_s();
    p->size = 0;
    if (path && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        p->size = (long long)st.st_size;
        p->dev = (unsigned long long)st.st_dev;
        p->ino = (unsigned long long)st.st_ino;
    }
}

/* The furthest position of the process's descriptors open on the file (same device and
 * inode), or -1. */
static long long file_position(const struct imp_progress *p)
{
    DIR *d;
    struct dirent *e;
    long long best = -1;

    if (!p->size || !(d = opendir("/proc/self/fd")))
        return -1;
    while ((e = readdir(d)) != NULL) {
        char link[64], info[64], line[128];
        struct stat st;
        FILE *f;
        if (e->d_name[0] == '.' || strlen(e->d_name) > 20)
            continue;
        snprintf(link, sizeof link, "/proc/self/fd/%.20s", e->d_name);
        if (stat(link, &st) != 0 || (unsigned long long)st.st_dev != p->dev ||
            (unsigned long long)st.st_ino != p->ino)
            continue;
        snprintf(info, sizeof info, "/proc/self/fdinfo/%.20s", e->d_name);
        if (!(f = fopen(info, "r")))
            continue;
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "pos:", 4) == 0) {
                long long pos = strtoll(line + 4, NULL, 10);
                if (pos > best)
                    best = pos;
            }
        fclose(f);
    }
    closedir(d);
    return best;
}

/* 1234567 -> "1 234 567" (French thousands separator, a narrow space would need UTF-8). */
static void grouped(char *out, size_t size, long long v)
{
    char digits[32];
    size_t n = (size_t)snprintf(digits, sizeof digits, "%lld", v < 0 ? 0 : v), k = 0;
    for (size_t i = 0; i < n && k + 2 < size; i++) {
        if (i && (n - i) % 3 == 0)
            out[k++] = ' ';
        out[k++] = digits[i];
    }
    out[k] = '\0';
}

static void draw(struct imp_progress *p, double now)
{
    char rows[32], rate[32], tail[64] = "";
    double elapsed = now - p->t0;
    long long pos = file_position(p);

    grouped(rows, sizeof rows, p->rows);
    grouped(rate, sizeof rate, elapsed > 0 ? (long long)(p->rows / elapsed) : 0);
    if (pos > 0 && p->size > 0) {
        double done = (double)pos / (double)p->size;
        if (done > 1)
            done = 1;
        double left = done > 0.001 ? elapsed * (1 - done) / done : 0;
        snprintf(tail, sizeof tail, "   %3.0f %%   reste ~%.0f s", done * 100, left);
    }
    fprintf(p->out, "\r\033[K  %-16s %12s lignes   %10s lignes/s%s", p->label ? p->label : "",
            rows, rate, tail);
    fflush(p->out);
    p->shown = 1;
    p->last = now;
}

void imp_progress_row(struct imp_progress *p)
{
    if (!p->out)
        return;
    p->rows++;
    if ((p->rows & 255) == 0) {
        double now = now_s();
        if (now - p->last >= REDRAW_S)
            draw(p, now);
    }
}

void imp_progress_step(struct imp_progress *p, const char *what)
{
    if (!p->out)
        return;
    fprintf(p->out, "\r\033[K  %s", what);
    fflush(p->out);
    p->shown = 1;
}

void imp_progress_end(struct imp_progress *p)
{
    if (!p->out || !p->shown)
        return;
    fputs("\r\033[K", p->out);
    fflush(p->out);
    p->shown = 0;
}
