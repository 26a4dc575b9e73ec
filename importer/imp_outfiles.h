/*
 * imp_outfiles.h — where the reports of a run go: the rejects CSV, the JSON report, the
 * warnings CSV and the merges CSV.
 *
 * A run writes them beside its temporary database ("<db>.tmp-<pid>.rejects.csv", or
 * "FILE.tmp-<pid>" for a path given on the command line), so that the reports of the
 * database being served are never overwritten by a run that fails. Once the database is
 * swapped in they are renamed to their names ("<db>.rejects.csv"…) and the reports of an
 * earlier failed run are removed; a failed run renames them to "<db>.failed.rejects.csv"…
 * ("FILE" with ".failed" before its extension). Staged files of killed runs are removed by
 * the next run (imp_writer_remove_stale).
 */
#ifndef IMP_OUTFILES_H
#define IMP_OUTFILES_H

#include "gdir_err.h"

enum imp_outfile { IMP_OUT_REJECTS, IMP_OUT_REPORT, IMP_OUT_WARNINGS, IMP_OUT_MERGES };
#define IMP_OUT__COUNT 4

/* The default suffixes after "<db>" (".rejects.csv"…), in enum order. */
extern const char *const imp_outfile_suffixes[IMP_OUT__COUNT];

struct imp_outfiles {
    char *final[IMP_OUT__COUNT];   /* after a successful run (owned) */
    char *staged[IMP_OUT__COUNT];  /* written during the run (owned) */
    char *failed[IMP_OUT__COUNT];  /* after a failed run (owned) */
};

/* Fills the three names of each report. given[k]: the command line's path, or NULL for the
 * default beside db. Returns 0 or GDIR_ENOMEM. */
int imp_outfiles_init(struct imp_outfiles *x, const char *db, const char *const given[IMP_OUT__COUNT],
                      struct gdir_err *err);

/* Where report k ends up: final[k] when ok, else failed[k]. */
const char *imp_outfiles_dest(const struct imp_outfiles *x, enum imp_outfile k, int ok);

/* Moves the staged reports to their final names (ok) or to their failed names, and says on
 * stderr where a failed run's reports are. A report the run did not write leaves no file
 * of an earlier run under that name. Failures are logged only. */
void imp_outfiles_publish(const struct imp_outfiles *x, int ok);

void imp_outfiles_free(struct imp_outfiles *x);   /* NULL-safe */

#endif
