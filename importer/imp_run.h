/*
 * imp_run.h — one whole import, as a library call (the CLI in main.c only parses argv):
 * load the territory configuration and the mapping profiles, check every source file against
 * its profile, build the new database from all sources, swap it in, and report.
 *
 * Sources are imported by kind — communes lists, boundaries, addresses, then places — and in
 * configuration order within a kind, so that places without an INSEE code can be located in
 * the boundaries, and places without a point geocoded against the addresses, whatever the
 * order of the configuration. Then places seen in several sources are merged and the
 * territory's local corrections (overrides) applied. With --source (a refresh), only the
 * named sources are read; the others are copied from the current database.
 */
#ifndef IMP_RUN_H
#define IMP_RUN_H

#include "imp_options.h"

/* Exit statuses. */
enum {
    IMP_EXIT_OK = 0,     /* database swapped in (rows may have been rejected) */
    IMP_EXIT_FAILED = 1, /* nothing changed: a file, a mapping, the database, or no usable row */
    IMP_EXIT_USAGE = 2,  /* bad command line, configuration or profile; nothing changed */
};

/* Runs the import described by o. Prints the summary on stdout, errors and rejected rows on
 * stderr. Returns an exit status. Not reentrant (GDAL error handlers are process-wide). */
int imp_run(const struct imp_options *o);

/* The folder of the mapping profiles: option (--profiles) when not NULL, else
 * $GEODIR_PROFILES, else the source tree's (when it exists), else the installed folder. */
const char *imp_profiles_dir(const char *option);

#endif
