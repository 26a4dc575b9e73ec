/*
 * bo_queue_db.c — all the SQL of the back office's queue, request page and actions
 * (bo_queue.h), on the worker's back-office connection (bo_db_sqlite). The queue's statements
 * are prepared per call: their scope condition (bo_scope_sql) depends on the agent; every value
 * is a bound parameter. Writes run in one transaction with their audit row and notification.
 */
#include "bo_queue.h"

#include "bo.h"
#include "bo_mail.h"
#include "bo_notify.h"
#include "gdir_buf.h"
#include "gdir_json.h"
#include "gdir_mem.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCOPE_MAX 4096     /* bytes of an agent's scope condition */
#define SQL_MAX 8192

const char *const bq_sort_names[BQ_SORT__COUNT + 1] = {
    "-created", "created", "-updated", "status", "form", "commune", "code", NULL};

static const char *const sort_sql[BQ_SORT__COUNT] = {
    "r.created_at DESC, r.id DESC", "r.created_at, r.id", "r.updated_at DESC, r.id DESC",
    "r.status, r.created_at DESC", "r.form_id, r.created_at DESC",
    "r.commune, r.created_at DESC", "r.code"};

/* The requester's name: the usual name fields of the definitions (rl1_nom or nom, then
 * rl1_prenoms or prenom). */
#define REQUESTER_SQL                                                                          \
    "trim(coalesce(json_extract(r.values_json, '$.rl1_nom'), "                                 \
    "json_extract(r.values_json, '$.nom'), '') || ' ' || "                                     \
    "coalesce(json_extract(r.values_json, '$.rl1_prenoms'), "                                  \
    "json_extract(r.values_json, '$.prenom'), ''))"

/* The filters after the scope condition (named parameters: numbered after its ?NNN). */
#define FILTER_SQL                                                                             \
    " AND (:form IS NULL OR r.form_id = :form) AND (:commune IS NULL OR r.commune = :commune)" \
    " AND (:from IS NULL OR r.created_at >= :from) AND (:to IS NULL OR r.created_at < :to)"    \
    " AND (:q IS NULL OR r.code = upper(:q) OR " REQUESTER_SQL " LIKE :like ESCAPE '\\')"

static int db_fail(sqlite3 *db, const char *what, struct gdir_err *err)
{
    return gdir_err_set(err, GDIR_EDB, "back office: %s: %s", what, sqlite3_errmsg(db));
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, struct gdir_err *err)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
        return db_fail(db, "prepare", err);
    return GDIR_OK;
}

static void b_text(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i && v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

static void b_int(sqlite3_stmt *st, const char *name, long long v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i)
        sqlite3_bind_int64(st, i, v);
}

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Prepares "<head> WHERE <scope><FILTER_SQL>[ AND status = :status]<tail>" and binds the
 * agent's scope and the filters. */
static int prepare_queue(sqlite3 *db, const struct bo_agent *a, const struct bq_filter *f,
                         const char *head, int with_status, const char *tail, sqlite3_stmt **st,
                         struct gdir_err *err)
{
    char scope[SCOPE_MAX], sql[SQL_MAX], like[BQ_Q_MAX * 2 + 3];
    size_t k = 0;
    int rc;

    if (bo_scope_sql(a, 1, scope, sizeof scope) < 0)
        return gdir_err_set(err, GDIR_EINTERNAL, "scope condition too long");
    if ((size_t)snprintf(sql, sizeof sql, "%s WHERE %s%s%s%s", head, scope, FILTER_SQL,
                         with_status ? " AND (:status IS NULL OR r.status = :status)" : "",
                         tail) >= sizeof sql)
        return gdir_err_set(err, GDIR_EINTERNAL, "queue statement too long");
    if ((rc = prepare(db, sql, st, err)))
        return rc;
    if (bo_scope_bind(a, *st, 1))
        return db_fail(db, "bind scope", err);
    b_text(*st, ":form", f->form);
    b_text(*st, ":commune", f->commune);
    b_text(*st, ":status", f->status);
    if (f->from)
        b_int(*st, ":from", f->from);
    if (f->to)
        b_int(*st, ":to", f->to);
    if (f->q) {
        like[k++] = '%';
        for (const char *p = f->q; *p && k < sizeof like - 3; p++) {
            if (*p == '%' || *p == '_' || *p == '\\')
                like[k++] = '\\';
            like[k++] = *p;
        }
        like[k++] = '%';
        like[k] = '\0';
        b_text(*st, ":q", f->q);
        b_text(*st, ":like", like);
    }
    return GDIR_OK;
}

static int step_all(sqlite3 *db, sqlite3_stmt *st, int (*row)(sqlite3_stmt *, void *),
                    void *cls, struct gdir_err *err)
{
    int step, rc = GDIR_OK;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW)
        rc = row(st, cls);
    if (!rc && step != SQLITE_DONE)
        rc = db_fail(db, "read", err);
    return rc;
}

/* The internal comments of request r, oldest first, one "login : text" a line (exports). */
#define COMMENTS_SQL                                                                               \
    "(SELECT group_concat(coalesce(c.login, '?') || ' : ' || e.message, char(10)) FROM "         \
    "(SELECT e.message, e.actor_id FROM events e WHERE e.request_id = r.id AND e.visible = 0 "   \
    "AND e.to_status IS NULL AND e.message IS NOT NULL ORDER BY e.at, e.id) e LEFT JOIN agents " \
    "c ON c.id = CAST(e.actor_id AS INTEGER))"

/* The caller's callback of a read (the one its row function calls) and its argument. */
struct read_cb {
    bq_row_fn *row;
    bq_count_fn *count;
    bq_event_fn *event;
    bq_audit_fn *audit;
    void *cls;
};

static int list_row(sqlite3_stmt *st, void *cls)
{
    const struct read_cb *cb = cls;
    struct bq_row r = {
        .id = sqlite3_column_int64(st, 0), .code = col(st, 1), .form_id = col(st, 2),
        .commune = col(st, 3), .service = col(st, 4), .status = col(st, 5),
        .created_at = sqlite3_column_int64(st, 6), .updated_at = sqlite3_column_int64(st, 7),
        .requester = col(st, 8), .assignee = col(st, 9), .values_json = col(st, 10),
        .comments = col(st, 11)};
    return cb->row(cb->cls, &r);
}

int bq_list(struct bo_db *db, const struct bo_agent *a, const struct bq_filter *f, long limit,
            long offset, bq_row_fn *fn, void *cls, long long *total, struct gdir_err *err)
{
    sqlite3 *c = bo_db_sqlite(db);
    sqlite3_stmt *st = NULL;
    struct read_cb cb = {.row = fn, .cls = cls};
    char tail[128];
    int rc;

    *total = 0;
    if ((rc = prepare_queue(c, a, f, "SELECT count(*) FROM requests r", 1, "", &st, err)))
        goto out;
    if (sqlite3_step(st) == SQLITE_ROW)
        *total = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    snprintf(tail, sizeof tail, " ORDER BY %s LIMIT :limit OFFSET :offset",
             sort_sql[f->sort >= 0 && f->sort < BQ_SORT__COUNT ? f->sort : 0]);
    if ((rc = prepare_queue(c, a, f,
                            "SELECT r.id, r.code, r.form_id, r.commune, r.service, r.status, "
                            "r.created_at, r.updated_at, " REQUESTER_SQL ", ag.login, "
                            "r.values_json, " COMMENTS_SQL " "
                            "FROM requests r LEFT JOIN assignments s ON s.request_id = r.id "
                            "LEFT JOIN agents ag ON ag.id = s.agent",
                            1, tail, &st, err)))
        goto out;
    b_int(st, ":limit", limit);
    b_int(st, ":offset", offset);
    rc = step_all(c, st, list_row, &cb, err);
out:
    sqlite3_finalize(st);
    return rc;
}

static int count_row(sqlite3_stmt *st, void *cls)
{
    const struct read_cb *cb = cls;
    return cb->count(cb->cls, col(st, 0), sqlite3_column_int64(st, 1));
}

int bq_counts(struct bo_db *db, const struct bo_agent *a, const struct bq_filter *f,
              bq_count_fn *fn, void *cls, struct gdir_err *err)
{
    sqlite3 *c = bo_db_sqlite(db);
    sqlite3_stmt *st = NULL;
    struct read_cb cb = {.count = fn, .cls = cls};
    int rc = prepare_queue(c, a, f, "SELECT r.status, count(*) FROM requests r", 0,
                           " GROUP BY r.status ORDER BY r.status", &st, err);
    if (!rc)
        rc = step_all(c, st, count_row, &cb, err);
    sqlite3_finalize(st);
    return rc;
}

/* ---- one request ---------------------------------------------------------------------------- */

static void copy(char *out, size_t cap, const char *s)
{
    snprintf(out, cap, "%s", s ? s : "");
}

int bq_request_get(struct bo_db *db, long long id, struct bq_request *out, struct gdir_err *err)
{
    sqlite3 *c = bo_db_sqlite(db);
    sqlite3_stmt *st = NULL;
    int rc, step;

    memset(out, 0, sizeof *out);
    if ((rc = prepare(c, "SELECT r.id, r.code, r.form_id, r.form_version, r.commune, r.service, "
                         "r.status, r.created_at, r.updated_at, coalesce(r.closed_at, 0), "
                         "r.values_json, coalesce(s.agent, 0), ag.login, ag.name "
                         "FROM requests r LEFT JOIN assignments s ON s.request_id = r.id "
                         "LEFT JOIN agents ag ON ag.id = s.agent WHERE r.id = :id",
                      &st, err)))
        return rc;
    b_int(st, ":id", id);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        copy(out->code, sizeof out->code, col(st, 1));
        copy(out->form_id, sizeof out->form_id, col(st, 2));
        out->form_version = sqlite3_column_int(st, 3);
        copy(out->commune, sizeof out->commune, col(st, 4));
        copy(out->service, sizeof out->service, col(st, 5));
        copy(out->status, sizeof out->status, col(st, 6));
        out->created_at = sqlite3_column_int64(st, 7);
        out->updated_at = sqlite3_column_int64(st, 8);
        out->closed_at = sqlite3_column_int64(st, 9);
        out->values_json = gdir_strdup(col(st, 10) ? col(st, 10) : "{}");
        out->assignee_id = sqlite3_column_int64(st, 11);
        copy(out->assignee_login, sizeof out->assignee_login, col(st, 12));
        out->assignee_name = col(st, 13) ? gdir_strdup(col(st, 13)) : NULL;
        if (!out->values_json || (col(st, 13) && !out->assignee_name))
            rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    } else if (step == SQLITE_DONE) {
        rc = gdir_err_set(err, GDIR_ENOTFOUND, "Aucune demande ne porte ce numéro.");
    } else {
        rc = db_fail(c, "read request", err);
    }
    sqlite3_finalize(st);
    return rc;
}

void bq_request_free(struct bq_request *r)
{
    if (!r)
        return;
    free(r->values_json);
    free(r->assignee_name);
    r->values_json = r->assignee_name = NULL;
}

static int event_row(sqlite3_stmt *st, void *cls)
{
    const struct read_cb *cb = cls;
    struct bq_event e = {sqlite3_column_int64(st, 0), col(st, 1), col(st, 2), col(st, 3),
                         col(st, 4), col(st, 5), sqlite3_column_int(st, 6)};
    return cb->event(cb->cls, &e);
}

/* Runs a statement over one request's rows. */
static int each_of(struct bo_db *db, const char *sql, long long id,
                   int (*row)(sqlite3_stmt *, void *), void *cls, struct gdir_err *err)
{
    sqlite3 *c = bo_db_sqlite(db);
    sqlite3_stmt *st = NULL;
    int rc = prepare(c, sql, &st, err);
    if (!rc) {
        b_int(st, ":id", id);
        rc = step_all(c, st, row, cls, err);
    }
    sqlite3_finalize(st);
    return rc;
}

int bq_events(struct bo_db *db, long long id, bq_event_fn *fn, void *cls, struct gdir_err *err)
{
    struct read_cb cb = {.event = fn, .cls = cls};
    return each_of(db, "SELECT e.at, e.actor_kind, ag.login, e.from_status, e.to_status, "
                       "e.message, e.visible FROM events e LEFT JOIN agents ag "
                       "ON e.actor_kind = 'agent' AND ag.id = CAST(e.actor_id AS INTEGER) "
                       "WHERE e.request_id = :id ORDER BY e.at, e.id",
                   id, event_row, &cb, err);
}

static int audit_row(sqlite3_stmt *st, void *cls)
{
    const struct read_cb *cb = cls;
    struct bq_audit_row r = {sqlite3_column_int64(st, 0), col(st, 1), col(st, 2), col(st, 3),
                             col(st, 4), col(st, 5), col(st, 6)};
    return cb->audit(cb->cls, &r);
}

int bq_audit_rows(struct bo_db *db, long long id, bq_audit_fn *fn, void *cls,
                  struct gdir_err *err)
{
    struct read_cb cb = {.audit = fn, .cls = cls};
    return each_of(db, "SELECT at, actor, peer, action, from_status, to_status, motivation "
                       "FROM audit WHERE request_id = :id ORDER BY at, id",
                   id, audit_row, &cb, err);
}

/* ---- writes ------------------------------------------------------------------------------- */

/* Runs one write statement: sql with the named parameters given by bind. */
struct bind {
    const char *name;
    const char *text;     /* NULL: the integer */
    long long num;
    int is_null;
};

/* Prepares sql with the named parameters given by b (n of them). */
static int prepare_bound(struct bo_db *db, const char *sql, const struct bind *b, size_t n,
                         sqlite3_stmt **st, struct gdir_err *err)
{
    int rc = prepare(bo_db_sqlite(db), sql, st, err);
    for (size_t i = 0; !rc && i < n; i++) {
        if (b[i].is_null)
            continue;
        if (b[i].text)
            b_text(*st, b[i].name, b[i].text);
        else
            b_int(*st, b[i].name, b[i].num);
    }
    return rc;
}

static int exec(struct bo_db *db, const char *sql, const struct bind *b, size_t n,
                struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare_bound(db, sql, b, n, &st, err);
    if (!rc && sqlite3_step(st) != SQLITE_DONE)
        rc = db_fail(bo_db_sqlite(db), "write", err);
    sqlite3_finalize(st);
    return rc;
}

static int status_is(struct bo_db *db, long long id, const char *want, struct gdir_err *err)
{
    const struct bind b[] = {{":id", NULL, id, 0}};
    sqlite3_stmt *st = NULL;
    int rc = prepare_bound(db, "SELECT status FROM requests WHERE id = :id", b, 1, &st, err);
    if (rc)
        return rc;
    if (sqlite3_step(st) != SQLITE_ROW)
        rc = gdir_err_set(err, GDIR_ENOTFOUND, "Aucune demande ne porte ce numéro.");
    else if (strcmp(col(st, 0) ? col(st, 0) : "", want) != 0)
        rc = gdir_err_set(err, GDIR_ECONFLICT, "La demande a changé de statut entre-temps : "
                          "rechargez la page.");
    sqlite3_finalize(st);
    return rc;
}

/* The notification's event of a move to status to. */
static const char *move_event(const char *to)
{
    if (strcmp(to, "complement_demande") == 0)
        return "complement_demande";
    return bo_status_terminal(to) ? "decision" : "status";
}

int bq_transition(struct bo_db *db, const struct bq_move *m, struct gdir_err *err)
{
    char agent_id[24];
    struct bo_audit_entry e = {m->agent->login, m->peer, "transition", m->request_id, m->from,
                               m->to, m->motivation};
    struct bo_notify_info info = {m->to, m->documents ? NULL : m->message, m->documents,
                                  m->deadline};
    const struct bind upd[] = {{":to", m->to, 0, 0}, {":now", NULL, m->now, 0},
                               {":closed", NULL, m->now, !m->closes},
                               {":id", NULL, m->request_id, 0}};
    const struct bind ev[] = {{":id", NULL, m->request_id, 0}, {":at", NULL, m->now, 0},
                              {":agent", agent_id, 0, 0}, {":from", m->from, 0, 0},
                              {":to", m->to, 0, 0}, {":msg", m->message, 0, !m->message}};
    int rc;

    snprintf(agent_id, sizeof agent_id, "%lld", m->agent->id);
    if ((rc = bo_begin(db, err)))
        return rc;
    if ((rc = status_is(db, m->request_id, m->from, err)) ||
        (rc = exec(db, "UPDATE requests SET status = :to, updated_at = :now, "
                       "closed_at = :closed WHERE id = :id", upd, 4, err)) ||
        (rc = exec(db, "INSERT INTO events (request_id, at, actor_kind, actor_id, from_status, "
                       "to_status, message, visible) VALUES (:id, :at, 'agent', :agent, :from, "
                       ":to, :msg, 1)", ev, 6, err)) ||
        (rc = bo_audit(db, &e, m->now, err)) ||
        (rc = bo_notify_ex(db, m->request_id, move_event(m->to), &info, err)) ||
        (rc = bo_commit(db, err))) {
        bo_rollback(db);
        return rc;
    }
    bo_outbox_wake();   /* the e-mails are committed: the sender may take them now */
    return GDIR_OK;
}

/* One write (exec) and its audit row e in one transaction. */
static int exec_audited(struct bo_db *db, const char *sql, const struct bind *b, size_t n,
                        const struct bo_audit_entry *e, const struct bo_notify_info *message,
                        time_t now, struct gdir_err *err)
{
    int rc = bo_begin(db, err);
    if (rc)
        return rc;
    if ((rc = exec(db, sql, b, n, err)) ||
        (message && (rc = bo_notify_ex(db, e->request_id, "message", message, err))) ||
        (rc = bo_audit(db, e, now, err)) || (rc = bo_commit(db, err)))
        bo_rollback(db);
    return rc;
}

int bq_comment(struct bo_db *db, long long id, const struct bo_agent *a, const char *peer,
               const char *text, int internal, time_t now, struct gdir_err *err)
{
    char agent_id[24];
    struct bo_audit_entry e = {a->login, peer, internal ? "comment" : "message", id, NULL, NULL,
                               NULL};
    const struct bind b[] = {{":id", NULL, id, 0}, {":at", NULL, now, 0},
                             {":agent", agent_id, 0, 0}, {":body", text, 0, 0}};

    struct bo_notify_info info = {NULL, text, NULL, NULL};
    int rc;

    snprintf(agent_id, sizeof agent_id, "%lld", a->id);
    rc = exec_audited(db, internal ? "INSERT INTO events (request_id, at, actor_kind, "
                                     "actor_id, message, visible) VALUES (:id, :at, 'agent', "
                                     ":agent, :body, 0)"
                                   : "INSERT INTO messages (request_id, at, sender, agent_id, "
                                     "body) VALUES (:id, :at, 'agent', :agent, :body)",
                      b, 4, &e, internal ? NULL : &info, now, err);
    if (!rc && !internal)
        bo_outbox_wake();   /* the e-mail is committed */
    return rc;
}

/* The id of the active agent of login into *id (0: none). */
static int agent_id_of(struct bo_db *db, const char *login, long long *id, struct gdir_err *err)
{
    const struct bind b[] = {{":login", login, 0, 0}};
    sqlite3_stmt *st = NULL;
    int rc = prepare_bound(db, "SELECT id FROM agents WHERE login = :login AND disabled = 0", b,
                           1, &st, err);
    *id = 0;
    if (rc)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return GDIR_OK;
}

int bq_assign(struct bo_db *db, long long id, const struct bo_agent *a, const char *peer,
              const char *login, time_t now, struct gdir_err *err)
{
    struct bo_audit_entry e = {a->login, peer, "assign", id, NULL, NULL, login};
    long long to = 0;
    int rc;

    if (login && ((rc = agent_id_of(db, login, &to, err)) || !to))
        return rc ? rc : gdir_err_set_param(err, GDIR_EINVAL, "agent", "agent : aucun agent "
                                            "actif n'a cet identifiant.");
    const struct bind b[] = {{":id", NULL, id, 0}, {":agent", NULL, to, 0}, {":at", NULL, now, 0}};
    return exec_audited(db, login ? "INSERT INTO assignments (request_id, agent, at) VALUES "
                                    "(:id, :agent, :at) ON CONFLICT (request_id) DO UPDATE "
                                    "SET agent = :agent, at = :at"
                                  : "DELETE FROM assignments WHERE request_id = :id",
                        b, login ? 3 : 1, &e, NULL, now, err);
}

/* ---- saved views -------------------------------------------------------------------------- */

static int view_row(sqlite3_stmt *st, void *cls)
{
    struct gdir_json *j = cls;
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "name", col(st, 0));
    gdir_json_kstr(j, "query", col(st, 1));
    gdir_json_obj_end(j);
    return 0;
}

int bq_views_json(struct bo_db *db, const struct bo_agent *a, struct gdir_json *j,
                  struct gdir_err *err)
{
    int rc;
    gdir_json_arr_begin(j);
    rc = each_of(db, "SELECT name, query FROM views WHERE agent = :id ORDER BY name", a->id,
                 view_row, j, err);
    gdir_json_arr_end(j);
    return rc;
}

int bq_view_save(struct bo_db *db, const struct bo_agent *a, const char *name,
                 const char *query, time_t now, struct gdir_err *err)
{
    const struct bind b[] = {{":agent", NULL, a->id, 0}, {":name", name, 0, 0},
                             {":query", query, 0, 0}, {":now", NULL, now, 0},
                             {":max", NULL, BQ_VIEWS_MAX, 0}};
    int rc;

    if (!query)
        return exec(db, "DELETE FROM views WHERE agent = :agent AND name = :name", b, 2, err);
    rc = exec(db, "INSERT INTO views (agent, name, query, created_at) SELECT :agent, :name, "
                      ":query, :now WHERE (SELECT count(*) FROM views WHERE agent = :agent "
                      "AND name <> :name) < :max ON CONFLICT (agent, name) DO UPDATE SET "
                      "query = :query, created_at = :now", b, 5, err);
    if (!rc && sqlite3_changes(bo_db_sqlite(db)) == 0)
        rc = gdir_err_set_param(err, GDIR_EINVAL, "name", "name : %d vues enregistrées au plus ; "
                                "supprimez-en une.", BQ_VIEWS_MAX);
    return rc;
}
