/*
 * bo_contrib.c — the forms database side of the moderation of contributions (bo_contrib.h):
 * reading a request, deciding it, forwarding it to the Communauté de communes. Statements
 * are prepared per call (a decision is a rare action), with bound parameters only.
 */
#include "bo_contrib.h"
#include "bo_internal.h"
#include "gdir_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char SQL_GET[] =
    "SELECT form_id, status, commune, service, values_json FROM requests WHERE id = :id";
static const char SQL_MOVE[] =
    "UPDATE requests SET status = :to, updated_at = :now,"
    " closed_at = CASE WHEN :closed THEN :now ELSE closed_at END"
    " WHERE id = :id AND status = :from";
static const char SQL_EVENT[] =
    "INSERT INTO events(request_id, at, actor_kind, actor_id, from_status, to_status, message,"
    " visible) VALUES (:id, :now, 'agent', :agent, :from, :to, :msg, :visible)";
static const char SQL_FORWARD[] =
    "UPDATE requests SET commune = NULL, service = 'cc', updated_at = :now WHERE id = :id";

/* Prepares sql on the connection; GDIR_EDB naming what on failure. */
static int prepare(struct bo_db *db, const char *sql, sqlite3_stmt **st, struct gdir_err *err)
{
    if (sqlite3_prepare_v2(db->d.db, sql, -1, st, NULL) != SQLITE_OK)
        return bo_fail(db, "moderation: prepare", err);
    return GDIR_OK;
}

int bo_request_get(struct bo_db *db, long long id, struct bo_request_row *out,
                   struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc, step;

    memset(out, 0, sizeof *out);
    if ((rc = prepare(db, SQL_GET, &st, err)))
        return rc;
    bo_b_int(st, ":id", id);
    step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        rc = gdir_err_set(err, GDIR_ENOTFOUND, "Demande introuvable.");
    } else if (step != SQLITE_ROW) {
        rc = bo_fail(db, "moderation: request", err);
    } else {
        out->id = id;
        snprintf(out->form_id, sizeof out->form_id, "%s", sqlite3_column_text(st, 0));
        snprintf(out->status, sizeof out->status, "%s", sqlite3_column_text(st, 1));
        out->commune = gdir_db_col_dup(st, 2);
        out->service = gdir_db_col_dup(st, 3);
        out->values_json = gdir_db_col_dup(st, 4);
        if (!out->values_json || (sqlite3_column_type(st, 2) != SQLITE_NULL && !out->commune) ||
            (sqlite3_column_type(st, 3) != SQLITE_NULL && !out->service))
            rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    if (rc)
        bo_request_row_free(out);
    return rc;
}

void bo_request_row_free(struct bo_request_row *r)
{
    if (!r)
        return;
    free(r->commune);
    free(r->service);
    free(r->values_json);
    r->commune = r->service = r->values_json = NULL;
}

/* One history row. */
static int event(struct bo_db *db, long long id, const struct bo_agent *agent, const char *from,
                 const char *to, const char *msg, int visible, time_t now, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    char agent_id[32];
    int rc = prepare(db, SQL_EVENT, &st, err);

    if (rc)
        return rc;
    snprintf(agent_id, sizeof agent_id, "%lld", agent->id);
    bo_b_int(st, ":id", id);
    bo_b_int(st, ":now", (long long)now);
    bo_b_text(st, ":agent", agent_id);
    bo_b_text(st, ":from", from);
    bo_b_text(st, ":to", to);
    bo_b_text(st, ":msg", msg);
    bo_b_int(st, ":visible", visible);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bo_fail(db, "moderation: history", err);
    sqlite3_finalize(st);
    return rc;
}

/* from -> to with its history row; GDIR_ECONFLICT when the status is no longer from. */
static int move(struct bo_db *db, long long id, const char *from, const char *to,
                const struct bo_agent *agent, const char *msg, time_t now, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare(db, SQL_MOVE, &st, err);

    if (rc)
        return rc;
    bo_b_int(st, ":id", id);
    bo_b_int(st, ":now", (long long)now);
    bo_b_text(st, ":from", from);
    bo_b_text(st, ":to", to);
    bo_b_int(st, ":closed", bo_status_terminal(to));
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bo_fail(db, "moderation: status", err);
    else if (sqlite3_changes(db->d.db) != 1)
        rc = gdir_err_set(err, GDIR_ECONFLICT, "La demande a changé entre-temps : rechargez-la.");
    sqlite3_finalize(st);
    return rc ? rc : event(db, id, agent, from, to, msg, 1, now, err);
}

int bo_request_decide(struct bo_db *db, long long id, const char *from, const char *to,
                      const struct bo_agent *agent, const char *message, time_t now,
                      struct gdir_err *err)
{
    int rc;

    if (strcmp(from, "deposee") && strcmp(from, "en_instruction") &&
        strcmp(from, "complement_recu"))
        return gdir_err_set(err, GDIR_ECONFLICT, "Cette demande est déjà close (%s).", from);
    if ((rc = bo_begin(db, err)))
        return rc;
    if (!strcmp(from, "deposee")) {
        if ((rc = move(db, id, "deposee", "en_instruction", agent, NULL, now, err)))
            goto out;
        from = "en_instruction";
    }
    if (!bo_transition_ok(from, to, NULL, NULL, NULL, 0)) {
        rc = gdir_err_set(err, GDIR_ECONFLICT, "Passage de %s à %s impossible.", from, to);
        goto out;
    }
    if (!(rc = move(db, id, from, to, agent, message, now, err)))
        rc = bo_commit(db, err);
out:
    if (rc)
        bo_rollback(db);
    return rc;
}

int bo_request_forward(struct bo_db *db, long long id, const struct bo_agent *agent,
                       const char *message, time_t now, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = bo_begin(db, err)))
        return rc;
    if ((rc = prepare(db, SQL_FORWARD, &st, err)))
        goto out;
    bo_b_int(st, ":id", id);
    bo_b_int(st, ":now", (long long)now);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = bo_fail(db, "moderation: forward", err);
    sqlite3_finalize(st);
    if (!rc && !(rc = event(db, id, agent, NULL, NULL, message, 0, now, err)))
        rc = bo_commit(db, err);
out:
    if (rc)
        bo_rollback(db);
    return rc;
}
