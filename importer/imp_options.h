/*
 * imp_options.h — the command line of geodir-import, parsed into struct imp_options.
 *
 *   geodir-import --config FILE --db PATH [--source NAME]... [--data-dir DIR]
 *                 [--profiles DIR] [--rejects FILE] [--report FILE] [--warnings FILE]
 *                 [--merges FILE] [--quiet] [--no-exports] [--refresh-overrides]
 *                 [--accept-shrink | --accept-shrink=SOURCE...]
 *
 * Options take their value as the next argument or after '=' (--db=x.sqlite). Strings are
 * borrowed from argv. With --fetch [--fetch-dir DIR] [--fetch-mirror URL] the sources that
 * have a fetch entry are downloaded and checked first (fetch/fetch.h).
 */
#ifndef IMP_OPTIONS_H
#define IMP_OPTIONS_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#define IMP_OPTIONS_SOURCES_MAX 64   /* --source given at most this many times */

struct imp_options {
    const char *config;       /* territory configuration (required) */
    const char *db;           /* database to build and swap in (required) */
    const char *data_dir;     /* overrides the configuration's data_dir, or NULL */
    const char *profiles_dir; /* mapping profiles folder, or NULL for the default search */
    const char *rejects;      /* rejects CSV, or NULL for "<db>.rejects.csv" */
    const char *report;       /* JSON report, or NULL for "<db>.report.json" */
    const char *warnings;     /* warnings CSV, or NULL for "<db>.warnings.csv" */
    const char *merges;       /* merge report CSV, or NULL for "<db>.merges.csv" */
    const char *sources[IMP_OPTIONS_SOURCES_MAX + 1]; /* --source NAME (refresh), NULL-ended */
    size_t n_sources;         /* 0: a full import */
    int refresh_overrides;    /* --refresh-overrides: no source re-read, the local corrections
                                 applied again (imp_ovr_refresh.h) */
    int accept_shrink_all;    /* --accept-shrink: the guard (imp_guard.h) refuses no source */
    const char *accept_shrink[IMP_OPTIONS_SOURCES_MAX + 1]; /* --accept-shrink=NAME, NULL-ended */
    size_t n_accept_shrink;
    int quiet;                /* no summary table, no per-row stderr lines */
    int fetch;                /* --fetch: download the sources first (fetch/fetch.h) */
    int no_exports;           /* --no-exports: build no full export (imp_exports.h) */
    const char *fetch_dir;    /* --fetch-dir, or NULL for "<db folder>/downloads" */
    const char *fetch_mirror; /* --fetch-mirror: base URL of a mirror of the official hosts,
                                 or NULL ($GEODIR_FETCH_MIRROR is read by the fetch step) */
    int locked;               /* the caller already holds the database's lock (imp_lock.h,
                                 main.c with --fetch); else imp_run takes it */
    volatile sig_atomic_t *stop; /* when not NULL and set (signal handler), the import stops
                                    and leaves the previous database in place */
};

enum imp_args { IMP_ARGS_RUN, IMP_ARGS_HELP, IMP_ARGS_VERSION, IMP_ARGS_ERROR };

/* Fills o from argv. On IMP_ARGS_ERROR, msg says what is wrong. */
enum imp_args imp_options_parse(struct imp_options *o, int argc, char **argv, char *msg,
                                size_t msg_size);

/* Prints the usage text. */
void imp_options_usage(FILE *out);

#endif
