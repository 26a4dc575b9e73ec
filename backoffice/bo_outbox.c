/*
 * bo_outbox.c — the outbox table's operations for the sender and the administrators: claim,
 * sent, failed, next due time, the JSON list, and the sender's wake-up hook. See bo_mail.h.
 *
 * A row is claimed in its own transaction before it is sent (attempts + 1, next_attempt_at
 * pushed back by the backoff) and marked sent_at only after the server or the command took
 * it: a crash between the two sends it once more at its next attempt, never zero times.
 */
#include "bo_mail.h"

#include "gdir_db.h"
#include "gdir_json.h"
#include "gdir_mem.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#define ERROR_MAX 500
#define LINK_GONE "[lien retiré après envoi]"

static int fail(sqlite3 *db, const char *what, struct gdir_err *err)
{
    return gdir_err_set(err, GDIR_EDB, "outbox: %s: %s", what, sqlite3_errmsg(db));
}

/* Prepares sql into *st (NULL on failure), the failure named what. */
static int prepare(sqlite3 *db, const char *sql, const char *what, sqlite3_stmt **st,
                   struct gdir_err *err)
{
    *st = NULL;
    return sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK ? GDIR_OK : fail(db, what, err);
}

long bo_outbox_backoff(long base, int attempts)
{
    long d = base;
    for (int i = 1; i < attempts && d < 60 * base; i++)
        d *= 2;
    return d < 60 * base ? d : 60 * base;
}

void bo_outbox_row_free(struct bo_outbox_row *r)
{
    free(r->to);
    free(r->subject);
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* Runs one statement with integer parameters ?1.. (n of them); 0 or GDIR_EDB. */
static int exec_ints(sqlite3 *db, const char *sql, const long long *v, int n, const char *what,
                     struct gdir_err *err)
{
    sqlite3_stmt *st;
    int rc = prepare(db, sql, what, &st, err);
    if (rc)
        return rc;
    for (int i = 0; i < n; i++)
        sqlite3_bind_int64(st, i + 1, v[i]);
    rc = sqlite3_step(st) == SQLITE_DONE ? GDIR_OK : fail(db, what, err);
    sqlite3_finalize(st);
    return rc;
}

/* Reads the oldest due row into out: 1, 0 when none, or GDIR_EDB. */
static int read_due(sqlite3 *db, time_t now, struct bo_outbox_row *out, struct gdir_err *err)
{
    static const char sql[] =
        "SELECT id, created_at, attempts, to_addr, subject, body FROM outbox "
        "WHERE sent_at IS NULL AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT 1";
    sqlite3_stmt *st;
    int rc = prepare(db, sql, "claim", &st, err);

    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, (long long)now);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        out->created_at = sqlite3_column_int64(st, 1);
        out->attempts = sqlite3_column_int(st, 2) + 1;
        out->to = gdir_db_col_dup(st, 3);
        out->subject = gdir_db_col_dup(st, 4);
        out->body = gdir_db_col_dup(st, 5);
        rc = out->to && out->subject && out->body ? 1 : gdir_err_set(err, GDIR_ENOMEM,
                                                                      "out of memory");
    } else {
        rc = rc == SQLITE_DONE ? 0 : fail(db, "claim", err);
    }
    sqlite3_finalize(st);
    return rc;
}

int bo_outbox_claim(sqlite3 *db, time_t now, long base, struct bo_outbox_row *out,
                    struct gdir_err *err)
{
    int rc;

    memset(out, 0, sizeof *out);
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, "begin", err);
    rc = read_due(db, now, out, err);
    if (rc == 1) {
        long long v[3] = { out->id, (long long)now + bo_outbox_backoff(base, out->attempts),
                           out->attempts };
        if (exec_ints(db, "UPDATE outbox SET attempts = ?3, next_attempt_at = ?2 WHERE id = ?1",
                      v, 3, "claim", err))
            rc = GDIR_EDB;
    }
    if (rc >= 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = fail(db, "commit", err);
    if (rc < 0) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        bo_outbox_row_free(out);
    }
    return rc;
}

int bo_outbox_sent(sqlite3 *db, long long id, time_t now, struct gdir_err *err)
{
    long long v[2] = { id, (long long)now };
    return exec_ints(db, "UPDATE outbox SET sent_at = ?2, last_error = NULL, "
                     "body = CASE WHEN secret IS NULL OR secret = '' THEN body "
                     "ELSE replace(body, secret, '" LINK_GONE "') END, secret = NULL "
                     "WHERE id = ?1", v, 2, "mark sent", err);
}

int bo_outbox_failed(sqlite3 *db, long long id, const char *reason, struct gdir_err *err)
{
    sqlite3_stmt *st;
    int rc = prepare(db, "UPDATE outbox SET last_error = substr(?2, 1, ?3) WHERE id = ?1",
                     "mark failed", &st, err);
    if (rc)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, reason ? reason : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 3, ERROR_MAX);
    rc = sqlite3_step(st) == SQLITE_DONE ? GDIR_OK : fail(db, "mark failed", err);
    sqlite3_finalize(st);
    return rc;
}

int bo_outbox_next_due(sqlite3 *db, time_t *when, struct gdir_err *err)
{
    sqlite3_stmt *st;
    int rc = prepare(db, "SELECT min(next_attempt_at) FROM outbox WHERE sent_at IS NULL",
                     "next due", &st, err);
    if (rc)
        return rc;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *when = (time_t)sqlite3_column_int64(st, 0);
        rc = 1;
    } else {
        rc = rc == SQLITE_ROW ? 0 : fail(db, "next due", err);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Unsent rows (the outbox's length) for GET /metrics: never tried, and tried and failed. The
 * partial index outbox_pending holds exactly the unsent rows. */
int bo_outbox_counts(sqlite3 *db, long long *pending, long long *failing, struct gdir_err *err)
{
    sqlite3_stmt *st;
    int rc = prepare(db, "SELECT count(*) FILTER (WHERE attempts = 0), "
                         "count(*) FILTER (WHERE attempts > 0) FROM outbox WHERE sent_at IS NULL",
                     "counts", &st, err);
    if (rc)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *pending = sqlite3_column_int64(st, 0);
        *failing = sqlite3_column_int64(st, 1);
    } else {
        rc = fail(db, "counts", err);
    }
    sqlite3_finalize(st);
    return rc;
}

/* One row of the administrators' list. */
static void row_json(sqlite3_stmt *st, struct gdir_json *j)
{
    static const char *const names[] = { "id", "request", "to", "subject", "created_at",
                                         "attempts", "next_attempt_at", "sent_at",
                                         "last_error" };
    gdir_json_obj_begin(j);
    for (int i = 0; i < 9; i++) {
        gdir_json_key(j, names[i]);
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_NULL: gdir_json_null(j); break;
        case SQLITE_INTEGER: gdir_json_int(j, sqlite3_column_int64(st, i)); break;
        default: gdir_json_str(j, (const char *)sqlite3_column_text(st, i)); break;
        }
    }
    gdir_json_kstr(j, "state", sqlite3_column_type(st, 7) != SQLITE_NULL ? "sent"
                                : sqlite3_column_int(st, 5) > 0    ? "failing" : "pending");
    gdir_json_obj_end(j);
}

int bo_outbox_json(sqlite3 *db, const char *state, int limit, struct gdir_json *j,
                   struct gdir_err *err)
{
    static const char sql[] =
        "SELECT id, request_id, to_addr, subject, created_at, attempts, next_attempt_at, "
        "sent_at, last_error FROM outbox WHERE ?1 IS NULL "
        "OR (?1 = 'sent' AND sent_at IS NOT NULL) "
        "OR (?1 = 'pending' AND sent_at IS NULL AND attempts = 0) "
        "OR (?1 = 'failing' AND sent_at IS NULL AND attempts > 0) ORDER BY id DESC LIMIT ?2";
    sqlite3_stmt *st;
    int rc = prepare(db, sql, "list", &st, err);

    if (rc)
        return rc;
    if (state)
        sqlite3_bind_text(st, 1, state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, limit);
    gdir_json_arr_begin(j);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        row_json(st, j);
    gdir_json_arr_end(j);
    rc = rc == SQLITE_DONE ? GDIR_OK : fail(db, "list", err);
    sqlite3_finalize(st);
    return rc;
}

/* ---- wake-up -------------------------------------------------------------------------- */

static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static bo_outbox_wake_fn *wake_fn;
static void *wake_arg;

void bo_outbox_set_wake(bo_outbox_wake_fn *fn, void *arg)
{
    pthread_mutex_lock(&wake_mu);
    wake_fn = fn;
    wake_arg = arg;
    pthread_mutex_unlock(&wake_mu);
}

void bo_outbox_wake(void)
{
    pthread_mutex_lock(&wake_mu);
    if (wake_fn)
        wake_fn(wake_arg);
    pthread_mutex_unlock(&wake_mu);
}
