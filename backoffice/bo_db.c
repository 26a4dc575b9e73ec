/*
 * bo_db.c — the back office's connection to the forms database: opening it, its schema
 * (bo_schema.sql, compiled in), every SQL statement of the module prepared once, and the
 * append-only audit log. See bo.h.
 */
#include "bo_internal.h"
#include "gdir_db_stmts.h"
#include "gdir_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


extern const char bo_schema_sql[];   /* bo_schema.sql, compiled in (CMakeLists.txt) */

#define AGENT_COLS "id, login, name, email, role, password_hash, totp_secret, totp_last, disabled"

static const char *const sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_AGENT_INSERT] = "INSERT INTO agents (login, name, email, role, password_hash, created_at, "
                       "updated_at) VALUES (:login, :name, :email, :role, :hash, :now, :now)",
    [S_AGENT_GET] = "SELECT " AGENT_COLS " FROM agents WHERE login = :login",
    [S_AGENT_BY_ID] = "SELECT " AGENT_COLS " FROM agents WHERE id = :id",
    [S_AGENT_LIST] = "SELECT " AGENT_COLS " FROM agents ORDER BY login",
    [S_AGENT_COMMUNES] = "SELECT commune FROM agent_communes WHERE agent = :id ORDER BY commune",
    [S_AGENT_FORMS] = "SELECT form_id FROM agent_forms WHERE agent = :id ORDER BY form_id",
    [S_ADD_COMMUNE] = "INSERT OR IGNORE INTO agent_communes (agent, commune) VALUES (:id, :v)",
    [S_ADD_FORM] = "INSERT OR IGNORE INTO agent_forms (agent, form_id) VALUES (:id, :v)",
    [S_SET_DISABLED] = "UPDATE agents SET disabled = :v, updated_at = :now WHERE login = :login",
    [S_SET_PASSWORD] = "UPDATE agents SET password_hash = :hash, updated_at = :now "
                       "WHERE login = :login",
    [S_SET_TOTP] = "UPDATE agents SET totp_secret = :secret, totp_last = 0, updated_at = :now "
                   "WHERE login = :login",
    [S_SET_TOTP_LAST] = "UPDATE agents SET totp_last = :step WHERE id = :id AND totp_last < :step",
    [S_SESSION_INSERT] = "INSERT INTO sessions (id_hash, agent, created_at, last_seen_at, csrf) "
                         "VALUES (:hash, :agent, :now, :now, :csrf)",
    [S_SESSION_GET] = "SELECT agent, created_at, last_seen_at, csrf FROM sessions "
                      "WHERE id_hash = :hash",
    [S_SESSION_TOUCH] = "UPDATE sessions SET last_seen_at = :now WHERE id_hash = :hash",
    [S_SESSION_DELETE] = "DELETE FROM sessions WHERE id_hash = :hash",
    [S_SESSIONS_DELETE] = "DELETE FROM sessions WHERE agent = (SELECT id FROM agents WHERE "
                          "login = :login) OR agent = :id",
    [S_SESSIONS_EXPIRE] = "DELETE FROM sessions WHERE last_seen_at < :idle OR created_at < :abs",
    [S_FAIL_INSERT] = "INSERT INTO login_failures (login, peer, at) VALUES (:login, :peer, :now)",
    [S_FAIL_PURGE] = "DELETE FROM login_failures WHERE at <= :since",
    [S_FAIL_LOGIN] = "SELECT count(*), min(at) FROM login_failures WHERE login = :login "
                     "AND at > :since",
    [S_FAIL_PEER] = "SELECT count(*), min(at) FROM login_failures WHERE peer = :peer "
                    "AND at > :since",
    [S_AUDIT] = "INSERT INTO audit (at, actor, peer, action, request_id, from_status, "
                "to_status, motivation) VALUES (:now, :actor, :peer, :action, :req, :from, :to, "
                ":why)",
};

int bo_fail(struct bo_db *db, const char *what, struct gdir_err *err)
{
    return gdir_err_set(err, GDIR_EDB, "back office database: %s: %s", what,
                        sqlite3_errmsg(db->d.db));
}

sqlite3_stmt *bo_stmt(struct bo_db *db, enum bo_stmt which)
{
    sqlite3_reset(db->st[which]);
    sqlite3_clear_bindings(db->st[which]);
    return db->st[which];
}

int bo_step_done(struct bo_db *db, enum bo_stmt which, const char *what, struct gdir_err *err)
{
    int rc = sqlite3_step(db->st[which]);
    sqlite3_reset(db->st[which]);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return bo_fail(db, what, err);
    return GDIR_OK;
}

void bo_b_text(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

void bo_b_int(sqlite3_stmt *st, const char *name, long long v)
{
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, name), v);
}

void bo_b_blob(sqlite3_stmt *st, const char *name, const void *p, size_t n)
{
    sqlite3_bind_blob(st, sqlite3_bind_parameter_index(st, name), p, (int)n, SQLITE_TRANSIENT);
}

sqlite3 *bo_db_sqlite(struct bo_db *db)
{
    return db ? db->d.db : NULL;
}

int bo_begin(struct bo_db *db, struct gdir_err *err)
{
    return bo_step_done(db, S_BEGIN, "BEGIN", err);
}

int bo_commit(struct bo_db *db, struct gdir_err *err)
{
    return bo_step_done(db, S_COMMIT, "COMMIT", err);
}

void bo_rollback(struct bo_db *db)
{
    if (!sqlite3_get_autocommit(db->d.db))
        bo_step_done(db, S_ROLLBACK, "ROLLBACK", NULL);
}

/* A connection's record with the default session timeouts, no statements yet; or NULL. */
static struct bo_db *db_new(void)
{
    struct bo_db *db = calloc(1, sizeof *db);
    if (db) {
        db->idle = BO_SESSION_IDLE;
        db->absolute = BO_SESSION_ABSOLUTE;
    }
    return db;
}

int bo_db_open(struct bo_db **out, const char *forms_db, struct gdir_err *err)
{
    struct bo_db *db = db_new();

    *out = NULL;
    if (!db)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (gdir_db_open_store(&db->d, forms_db, err) || gdir_db_exec(&db->d, bo_schema_sql, err) ||
        gdir_db_prepare_all(&db->d, sql, S_COUNT, db->st, NULL, err)) {
        bo_db_close(db);
        return GDIR_EDB;
    }
    *out = db;
    return GDIR_OK;
}

void bo_db_close(struct bo_db *db)
{
    if (!db)
        return;
    gdir_db_finalize_all(db->st, S_COUNT);
    gdir_db_finalize_all(db->lazy, L_COUNT);
    if (db->borrowed)
        db->d.db = NULL;
    gdir_db_close(&db->d);
    free(db);
}

int bo_db_attach(struct bo_db **out, sqlite3 *conn, struct gdir_err *err)
{
    struct bo_db *db = db_new();
    int rc;

    *out = NULL;
    if (!db)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    db->d.db = conn;
    db->borrowed = 1;
    if ((rc = gdir_db_prepare_all(&db->d, sql, S_COUNT, db->st, NULL, err))) {
        bo_db_close(db);
        return rc;
    }
    *out = db;
    return GDIR_OK;
}

void bo_db_set_timeouts(struct bo_db *db, long idle, long absolute)
{
    db->idle = idle > 0 ? idle : BO_SESSION_IDLE;
    db->absolute = absolute > 0 ? absolute : BO_SESSION_ABSOLUTE;
}

int bo_audit(struct bo_db *db, const struct bo_audit_entry *e, time_t now, struct gdir_err *err)
{
    sqlite3_stmt *st = bo_stmt(db, S_AUDIT);

    bo_b_int(st, ":now", (long long)now);
    bo_b_text(st, ":actor", e->actor ? e->actor : "system");
    bo_b_text(st, ":peer", e->peer);
    bo_b_text(st, ":action", e->action);
    if (e->request_id > 0)
        bo_b_int(st, ":req", e->request_id);
    bo_b_text(st, ":from", e->from_status);
    bo_b_text(st, ":to", e->to_status);
    bo_b_text(st, ":why", e->motivation);
    return bo_step_done(db, S_AUDIT, "audit", err);
}
