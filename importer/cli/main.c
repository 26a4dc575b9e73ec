/*
 * main.c — geodir-import's command line: argv -> struct imp_options -> imp_run(), and the
 * exit status. Everything else lives in the imp_* modules (as GDAL's ogr2ogr_bin.cpp over
 * ogr2ogr_lib.cpp).
 */
#include "fetch/fetch.h"
#include "imp_lock.h"
#include "imp_options.h"
#include "imp_run.h"
#include "imp_source.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef GDIR_VERSION
#define GDIR_VERSION "0.0.0"
#endif

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

int main(int argc, char **argv)
{
    struct imp_options o;
    struct sigaction sa;
    struct imp_lock lock = {-1, NULL};
    struct gdir_err err;
    char msg[256];
    char *fetched = NULL;
    int status = IMP_EXIT_OK;

    switch (imp_options_parse(&o, argc, argv, msg, sizeof msg)) {
    case IMP_ARGS_HELP:
        imp_options_usage(stdout);
        return IMP_EXIT_OK;
    case IMP_ARGS_VERSION:
        printf("geodir-import %s\n", GDIR_VERSION);
        return IMP_EXIT_OK;
    case IMP_ARGS_ERROR:
        fprintf(stderr, "geodir-import: %s\n", msg);
        imp_options_usage(stderr);
        return IMP_EXIT_USAGE;
    case IMP_ARGS_RUN:
        break;
    }
    /* Ctrl-C or a TERM stops the import cleanly: the temporary file goes, the old database stays. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    o.stop = &stop_requested;

    imp_ogr_init();
    if (o.fetch) {
        /* The downloads go next to the database: one run at a time from here on. */
        gdir_err_clear(&err);
        if (imp_lock_take(&lock, o.db, &err)) {
            fprintf(stderr, "geodir-import: %s\n", err.msg);
            imp_ogr_cleanup();
            return IMP_EXIT_FAILED;
        }
        o.locked = 1;
        /* Download and check first; then import a copy of the configuration whose fetched
         * sources point at the downloads (written by imp_fetch, data_dir made absolute). */
        struct imp_fetch_opts fo = {.config = o.config, .data_dir = o.data_dir, .db = o.db,
                                    .fetch_dir = o.fetch_dir, .mirror = o.fetch_mirror,
                                    .profiles_dir = o.profiles_dir,
                                    .quiet = o.quiet, .stop = o.stop};
        status = imp_fetch_run(&fo, &fetched);
        o.config = fetched;
        o.data_dir = NULL;
    }
    if (status == IMP_EXIT_OK)
        status = imp_run(&o);
    imp_ogr_cleanup();
    imp_lock_release(&lock);
    free(fetched);
    return status;
}
