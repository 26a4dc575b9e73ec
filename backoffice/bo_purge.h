/*
 * bo_purge.h — RGPD in the back office (docs/backoffice.md §8): the retention purge of each
 * form's requests (`retention` of its definition), the register of processing (article 30)
 * generated from the definitions, and a requester's right of access (export) and erasure.
 * Over a caller's connection to forms_db and the attachments' folder; logs counts only.
 */
#ifndef BO_PURGE_H
#define BO_PURGE_H

#include <stddef.h>
#include <time.h>

#include "gdir_buf.h"
#include "gdir_err.h"

struct sqlite3;
struct forms_set;

struct bo_purge_counts {
    long long requests;        /* requests deleted (past months_after_closure) */
    long long files;           /* attachment files removed (with them or as health data) */
    long long health;          /* requests whose health fields were emptied */
};

/* The purge at time now: for every form of set, the requests closed more than
 * `retention.months_after_closure` months ago are deleted with their attachments (files
 * unlinked first, then the rows, their history, messages and e-mails), and the fields of
 * `retention.health_fields` (with their files) are emptied from the requests filed before the
 * last 1 September (the 31 August after the filing has passed; dates in UTC). Requests of a
 * form no longer defined are left alone. dry_run: counts only, nothing changed. */
int bo_purge_run(struct sqlite3 *db, const struct forms_set *set, const char *files_dir,
                 time_t now, int dry_run, struct bo_purge_counts *out, struct gdir_err *err);

/* The most recent 1 September 00:00 UTC at or before now. */
time_t bo_purge_school_year_start(time_t now);

/* The register of processing (article 30 of the RGPD) of the forms of set, in Markdown. */
int bo_register_markdown(const struct forms_set *set, struct gdir_buf *out,
                         struct gdir_err *err);

/* Everything held about the requester of e-mail address email (compared case-insensitively):
 * { "email", "requests": [ { code, form, status, dates, values, events, messages,
 * attachments (names, types, sizes, no content), emails (subjects, dates) } ] } into out. */
int bo_requester_export(struct sqlite3 *db, const char *email, struct gdir_buf *out,
                        struct gdir_err *err);

/* Erases every request of that address (files, then rows) and the e-mails sent to it;
 * *n_requests and *n_files receive the counts. */
int bo_requester_erase(struct sqlite3 *db, const char *files_dir, const char *email,
                       long long *n_requests, long long *n_files, struct gdir_err *err);

#endif
