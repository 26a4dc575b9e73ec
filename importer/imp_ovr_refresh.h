/*
 * imp_ovr_refresh.h — geodir-import --refresh-overrides, fast path: the local corrections
 * appended to the overrides file since the served database was built are applied to a copy
 * of that database, which is then checked and swapped in like any import (rename over the
 * path). Nothing is read from the sources, nothing is merged again: seconds whatever the
 * size of the directory. Used by the back office when an agent accepts a contribution
 * (docs/backoffice.md §7).
 *
 * It applies only when the served database recorded the corrections it was built with (meta
 * 'overrides_applied', imp_overrides_record) and the file now holds those same entries
 * followed by new ones (imp_overrides_delta). Otherwise (an entry edited or removed by hand,
 * a database built before this version) the caller rebuilds the places from the records of
 * every source kept in the database (a refresh that re-reads no source), which is correct
 * for any change of the file.
 */
#ifndef IMP_OVR_REFRESH_H
#define IMP_OVR_REFRESH_H

#include "gdir_config.h"
#include "gdir_err.h"
#include "imp_overrides.h"

struct imp_ovr_refresh {
    const char *db;                         /* the served database (path) */
    const struct imp_overrides *overrides;  /* the file as it is now */
    const struct imp_overrides_ctx *ctx;    /* licence, date, file (as for apply) */
    const struct gdir_territory *t;         /* name (publisher), exports */
    int no_exports;                         /* keep the previous build's full exports */
};

struct imp_ovr_refresh_result {
    int fast;                     /* 1: done here; 0: the caller must rebuild the places */
    const char *why;              /* fast == 0: why (static text) */
    long entries;                 /* entries applied (the new ones) */
    struct imp_overrides_stats stats;
    long places;                  /* published places afterwards */
};

/* See the banner. Call with the database's lock held (imp_lock.h). Returns 0 (res->fast
 * says whether it was done), or a negative code with err filled: the served database is
 * then untouched and the temporary copy removed. */
int imp_ovr_refresh_run(const struct imp_ovr_refresh *in, struct imp_ovr_refresh_result *res,
                        struct gdir_err *err);

#endif
