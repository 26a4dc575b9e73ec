/*
 * imp_outfiles.c — the names of a run's reports, staged beside its temporary database and
 * renamed when the run ends (see imp_outfiles.h). It does not write the reports
 * (imp_report.c does).
 */
#include "imp_outfiles.h"
#include "gdir_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const imp_outfile_suffixes[IMP_OUT__COUNT] = {".rejects.csv", ".report.json",
                                                          ".warnings.csv", ".merges.csv"};

static char *cat3(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, b, c);
    return s;
}

/* "dir/name.failed.ext" from "dir/name.ext" ("dir/name.failed" without an extension). */
static char *failed_name(const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        return cat3(path, ".failed", "");
    char *head = strndup(path, (size_t)(dot - path));
    char *s = head ? cat3(head, ".failed", dot) : NULL;
    free(head);
    return s;
}

int imp_outfiles_init(struct imp_outfiles *x, const char *db, const char *const given[IMP_OUT__COUNT],
                      struct gdir_err *err)
{
    char pid[32];
    memset(x, 0, sizeof *x);
    snprintf(pid, sizeof pid, ".tmp-%ld", (long)getpid());
    for (int k = 0; k < IMP_OUT__COUNT; k++) {
        const char *sfx = imp_outfile_suffixes[k];
        if (given[k]) {
            x->final[k] = cat3(given[k], "", "");
            x->staged[k] = cat3(given[k], pid, "");
            x->failed[k] = failed_name(given[k]);
        } else {
            x->final[k] = cat3(db, sfx, "");
            x->staged[k] = cat3(db, pid, sfx);
            x->failed[k] = cat3(db, ".failed", sfx);
        }
        if (!x->final[k] || !x->staged[k] || !x->failed[k]) {
            imp_outfiles_free(x);
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        }
    }
    return GDIR_OK;
}

const char *imp_outfiles_dest(const struct imp_outfiles *x, enum imp_outfile k, int ok)
{
    return ok ? x->final[k] : x->failed[k];
}

void imp_outfiles_publish(const struct imp_outfiles *x, int ok)
{
    int said = 0;
    for (int k = 0; k < IMP_OUT__COUNT; k++) {
        const char *dest = imp_outfiles_dest(x, (enum imp_outfile)k, ok);
        if (!x->staged[k])
            continue;
        /* An earlier failed run's report must not pass for this run's. */
        if (unlink(x->failed[k]) != 0 && errno != ENOENT)
            gdir_log(GDIR_LOG_WARN, "import", "msg=\"cannot remove an old report\" file=\"%s\" "
                     "detail=\"%s\"", x->failed[k], strerror(errno));
        if (access(x->staged[k], F_OK) != 0)
            continue;   /* not written by this run (it stopped before) */
        if (rename(x->staged[k], dest) != 0) {
            gdir_log(GDIR_LOG_WARN, "import", "msg=\"report not moved into place\" file=\"%s\" "
                     "to=\"%s\" detail=\"%s\"", x->staged[k], dest, strerror(errno));
            continue;
        }
        if (!ok) {
            fprintf(stderr, "%s%s", said ? ", " : "geodir-import: this failed run's reports: ",
                    dest);
            said = 1;
        }
    }
    if (said)
        fprintf(stderr, " (the served database's reports are unchanged)\n");
}

void imp_outfiles_free(struct imp_outfiles *x)
{
    if (!x)
        return;
    for (int k = 0; k < IMP_OUT__COUNT; k++) {
        free(x->final[k]);
        free(x->staged[k]);
        free(x->failed[k]);
    }
    memset(x, 0, sizeof *x);
}
