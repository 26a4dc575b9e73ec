/*
 * bo_notify.c — an event of a request rendered into outbox rows for the resident and for the
 * handling agents. See bo_notify.h.
 *
 * The handling agents are the commune and service agents whose scope covers the request
 * (bo_can); when none does, the administrators (who cover everything) are told instead, so
 * that a request nobody handles is still seen.
 */
#include "bo_notify.h"

#include "bo_internal.h"
#include "bo_mail.h"
#include "gdir_forms.h"
#include "gdir_mem.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct forms_set *g_set;
static const char *g_public_url = "";

void bo_notify_setup(const struct forms_set *set, const char *public_url)
{
    g_set = set;
    g_public_url = public_url ? public_url : "";
}

static const char *const lazy_sql[L_COUNT] = {
    [L_NOTIFY_ID] = "SELECT id FROM requests WHERE code = ?1",
    [L_NOTIFY_READ] =
        ("SELECT form_id, code, status, commune, service, email, "
         "(SELECT to_status FROM events WHERE request_id = r.id AND visible = 1 "
         " ORDER BY at DESC, id DESC LIMIT 1), "
         "(SELECT message FROM events WHERE request_id = r.id AND visible = 1 "
         " ORDER BY at DESC, id DESC LIMIT 1) FROM requests r WHERE id = ?1"),
    [L_NOTIFY_QUEUE] = ("INSERT INTO outbox (request_id, to_addr, subject, body, created_at, "
                        "next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)"),
};

/* Statement which of db, prepared on its first use (every submission notifies: preparing
 * them each time was a third of a submission's CPU, bench/RESULTS.md third run), reset and
 * unbound; NULL with err set when it cannot be prepared. */
static sqlite3_stmt *lazy_stmt(struct bo_db *db, enum bo_lazy_stmt which, struct gdir_err *err)
{
    sqlite3_stmt *st = db->lazy[which];
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    if (sqlite3_prepare_v3(db->d.db, lazy_sql[which], -1, SQLITE_PREPARE_PERSISTENT,
                           &db->lazy[which], NULL) != SQLITE_OK) {
        gdir_err_set(err, GDIR_EDB, "notify: %s", sqlite3_errmsg(db->d.db));
        return NULL;
    }
    return db->lazy[which];
}

/* The request's row and its last event, as the templates need them. */
struct req {
    char form_id[48], code[16], status[48], commune[8], service[48];
    char *email, *last_to, *last_msg;
};

static void copy_col(char *out, size_t cap, sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(out, cap, "%s", t ? (const char *)t : "");
}

static int read_request(struct bo_db *db, long long id, struct req *r, struct gdir_err *err)
{
    sqlite3_stmt *st = lazy_stmt(db, L_NOTIFY_READ, err);
    int rc;

    if (!st)
        return GDIR_EDB;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        copy_col(r->form_id, sizeof r->form_id, st, 0);
        copy_col(r->code, sizeof r->code, st, 1);
        copy_col(r->status, sizeof r->status, st, 2);
        copy_col(r->commune, sizeof r->commune, st, 3);
        copy_col(r->service, sizeof r->service, st, 4);
        r->email = gdir_db_col_dup(st, 5);
        r->last_to = gdir_db_col_dup(st, 6);
        r->last_msg = gdir_db_col_dup(st, 7);
        rc = GDIR_OK;
    } else {
        rc = rc == SQLITE_DONE ? gdir_err_set(err, GDIR_ENOTFOUND, "no request %lld", id)
                               : gdir_err_set(err, GDIR_EDB, "notify: %s",
                                              sqlite3_errmsg(db->d.db));
    }
    sqlite3_reset(st);
    return rc;
}

static void req_free(struct req *r)
{
    free(r->email);
    free(r->last_to);
    free(r->last_msg);
}

/* Renders event for the request and queues it to address to. */
static int queue(struct bo_db *db, long long id, const char *event, const struct form_def *f,
                 const struct forms_notify_vars *v, const char *to, struct gdir_err *err)
{
    char *subject = NULL, *body = NULL;
    sqlite3_stmt *st;
    int rc;

    if (!bo_mail_addr_ok(to))
        return GDIR_OK;   /* nobody to write to */
    if ((rc = forms_notify_render(f, event, v, &subject, &body, err)))
        return rc;
    if (!(st = lazy_stmt(db, L_NOTIFY_QUEUE, err))) {
        rc = GDIR_EDB;
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, body, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (long long)time(NULL));
    rc = sqlite3_step(st) == SQLITE_DONE ? GDIR_OK
                                         : gdir_err_set(err, GDIR_EDB, "notify: %s",
                                                        sqlite3_errmsg(db->d.db));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);   /* subject and body are freed below */
out:
    free(subject);
    free(body);
    return rc;
}

/* The agents to tell: pass 0 collects the covering commune and service agents, pass 1 the
 * administrators (used when pass 0 found nobody). */
struct agents {
    const struct req *r;
    char **to;
    size_t n, cap;
    int admins;
};

static int agent_cb(void *cls, const struct bo_agent *a)
{
    struct agents *x = cls;
    if ((a->role == BO_ROLE_ADMIN) != x->admins ||
        !bo_can(a, x->r->form_id, x->r->commune, x->r->service) || !a->email)
        return 0;
    if (gdir_grow(&x->to, &x->cap, x->n + 1, sizeof *x->to) ||
        !(x->to[x->n] = gdir_strdup(a->email)))
        return GDIR_ENOMEM;
    x->n++;
    return 0;
}

static int notify_agents(struct bo_db *db, long long id, const char *event,
                         const struct form_def *f, const struct forms_notify_vars *v,
                         const struct req *r, struct gdir_err *err)
{
    struct agents x = { r, NULL, 0, 0, 0 };
    int rc = bo_agent_list(db, agent_cb, &x, err);
    if (!rc && !x.n) {
        x.admins = 1;
        rc = bo_agent_list(db, agent_cb, &x, err);
    }
    if (rc == GDIR_ENOMEM && !err->msg[0])
        gdir_err_set(err, rc, "out of memory");
    for (size_t i = 0; !rc && i < x.n; i++)
        rc = queue(db, id, event, f, v, x.to[i], err);
    for (size_t i = 0; i < x.n; i++)
        free(x.to[i]);
    free(x.to);
    return rc;
}

/* "2026-09-15" -> "15/09/2026" into out; other text as is. */
static void french_date(const char *iso, char out[32])
{
    int y, m, d;
    if (iso && sscanf(iso, "%4d-%2d-%2d", &y, &m, &d) == 3 && strlen(iso) == 10)
        snprintf(out, 32, "%02d/%02d/%04d", d, m, y);
    else
        snprintf(out, 32, "%s", iso ? iso : "");
}

int bo_notify_ex(struct bo_db *db, long long request_id, const char *event,
                 const struct bo_notify_info *info, struct gdir_err *err)
{
    static const struct bo_notify_info none = { 0 };
    struct req r = { 0 };
    char link[600], deadline[32];
    int ev = forms_notify_event_index(event), rc;

    if (ev < 0)
        return gdir_err_set(err, GDIR_EINVAL, "unknown notification event \"%.40s\"",
                            event ? event : "(null)");
    info = info ? info : &none;
    if ((rc = read_request(db, request_id, &r, err)))
        return rc;
    const struct form_def *f = g_set ? forms_find(g_set, r.form_id) : NULL;
    const char *status = info->status ? info->status : r.last_to ? r.last_to : r.status;
    int agents = strncmp(event, "agent_", 6) == 0;
    snprintf(link, sizeof link, "%s%s", g_public_url, agents ? "/bo/" : "/suivi.html");
    french_date(info->deadline, deadline);
    struct forms_notify_vars v = {
        .code = r.code, .titre = f ? form_title(f) : r.form_id,
        .statut = form_status_label(f, status), .motif = info->motif ? info->motif : r.last_msg,
        .lien = link, .documents = info->documents, .echeance = deadline,
    };
    if (agents)
        rc = notify_agents(db, request_id, event, f, &v, &r, err);
    else if (r.email)
        rc = queue(db, request_id, event, f, &v, r.email, err);
    req_free(&r);
    if (!rc && sqlite3_get_autocommit(db->d.db))
        bo_outbox_wake();   /* no transaction open: the rows are committed already */
    return rc;
}

int bo_notify(struct bo_db *db, long long request_id, const char *event, struct gdir_err *err)
{
    return bo_notify_ex(db, request_id, event, NULL, err);
}

int bo_notify_code(struct bo_db *db, const char *code, const char *event, struct gdir_err *err)
{
    sqlite3_stmt *st = lazy_stmt(db, L_NOTIFY_ID, err);
    long long id = 0;

    if (!st)
        return GDIR_EDB;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (!id)
        return gdir_err_set(err, GDIR_ENOTFOUND, "no request of that code");
    return bo_notify_ex(db, id, event, NULL, err);
}
