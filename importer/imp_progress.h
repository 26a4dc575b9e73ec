/*
 * imp_progress.h — a progress line on the terminal for long imports:
 *
 *   service-public   412 350 lignes   81 200 lignes/s   41 %   reste ~7 s
 *
 * Shown only when enabled (stderr is a terminal and --quiet was not given), redrawn at most
 * four times a second, erased when the source ends. The share done and the time left come
 * from the position reached in the file: the importer reads through GDAL, which does not
 * report it, so the position is that of the process's open descriptors on that file
 * (/proc/self/fdinfo, Linux); elsewhere only the rows and the rate are shown.
 */
#ifndef IMP_PROGRESS_H
#define IMP_PROGRESS_H

#include <stdio.h>

struct imp_progress {
    FILE *out;            /* NULL when disabled */
    const char *label;    /* borrowed: the source name */
    unsigned long long dev, ino; /* the file being read */
    long long size;       /* bytes, 0 when unknown */
    double t0, last;      /* start and last redraw (monotonic seconds) */
    long rows;
    int shown;            /* a line is on screen */
};

/* enabled: draw at all. out: the terminal (stderr). */
void imp_progress_init(struct imp_progress *p, FILE *out, int enabled);

/* A new source: its name (borrowed) and file. */
void imp_progress_begin(struct imp_progress *p, const char *label, const char *path);

/* One more row read; redraws when 250 ms passed since the last redraw. */
void imp_progress_row(struct imp_progress *p);

/* A step without rows ("fusion des doublons…"): one line, replaced by the next. */
void imp_progress_step(struct imp_progress *p, const char *what);

/* Erases the line. */
void imp_progress_end(struct imp_progress *p);

#endif
