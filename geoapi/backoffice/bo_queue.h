/*
 * bo_queue.h — the back office's queue and request page (docs/backoffice.md §3-5): the SQL
 * over the forms database that lists, reads and changes requests for an agent (bo_queue_db.c,
 * the one place of that SQL), and what the handlers of h_bo_*.c share.
 *
 * Every read of a list goes through the agent's scope (bo_scope_sql, bound by bo_scope_bind);
 * every read of one request returns its routing so that the handler applies bo_can; every
 * write runs in one transaction on the worker's back-office connection (api_bo_db) with its
 * audit row and its notification (bo_notify), so that none is kept without the others.
 */
#ifndef BO_QUEUE_H
#define BO_QUEUE_H

#include <stddef.h>
#include <time.h>

#include "api_request.h"
#include "api_response.h"
#include "bo.h"
#include "gdir_err.h"

struct api_ctx;
struct cJSON;
struct form_def;
struct gdir_buf;
struct gdir_json;

#define BQ_PAGE_SIZE 50          /* requests per page of the queue */
#define BQ_EXPORT_MAX 100000     /* rows of one export */
#define BQ_TEXT_MAX 4000         /* bytes of a motivation, comment or list of documents */
#define BQ_Q_MAX 100             /* bytes of the queue's text filter */
#define BQ_VIEW_NAME_MAX 80      /* bytes of a saved view's name */
#define BQ_VIEWS_MAX 50          /* saved views per agent */
#define BQ_COLUMNS_MAX 256       /* columns of an export (more fields are left out) */

/* The queue's sort orders, as named by ?sort= (the first is the default). */
enum bq_sort { BQ_SORT_NEWEST, BQ_SORT_OLDEST, BQ_SORT_UPDATED, BQ_SORT_STATUS, BQ_SORT_FORM,
               BQ_SORT_COMMUNE, BQ_SORT_CODE, BQ_SORT__COUNT };
extern const char *const bq_sort_names[BQ_SORT__COUNT + 1];   /* NULL-terminated */

/* The queue's filters (GET /api/bo/requests); NULL / 0 when not given. */
struct bq_filter {
    const char *form, *commune, *status;
    const char *q;                /* the requester's name (part of) or a tracking code */
    long long from, to;           /* filed on or after from, before to (Unix seconds) */
    int sort;                     /* enum bq_sort */
    long page;                    /* 1.. */
};

/* One request of the queue (strings borrowed for the callback). */
struct bq_row {
    long long id, created_at, updated_at;
    const char *code, *form_id, *commune, *service, *status, *requester, *assignee;
    const char *values_json;      /* the values as filed */
    const char *comments;         /* internal comments, "login : text" a line, or NULL */
};
typedef int bq_row_fn(void *cls, const struct bq_row *r);
typedef int bq_count_fn(void *cls, const char *status, long long n);

/* The page of the queue (limit rows from offset) in the filter's order, through fn, and the
 * number of rows matching into *total. Only what the agent's scope covers. */
int bq_list(struct bo_db *db, const struct bo_agent *a, const struct bq_filter *f, long limit,
            long offset, bq_row_fn *fn, void *cls, long long *total, struct gdir_err *err);
/* The number of requests per status under the filter without its status (the queue's tabs). */
int bq_counts(struct bo_db *db, const struct bo_agent *a, const struct bq_filter *f,
              bq_count_fn *fn, void *cls, struct gdir_err *err);

/* One request as the agent's page shows it. */
struct bq_request {
    long long id, created_at, updated_at, closed_at;
    char code[16], form_id[48], commune[8], service[64], status[48];
    int form_version;
    char *values_json;            /* malloc'd */
    long long assignee_id;        /* 0: none */
    char assignee_login[72];
    char *assignee_name;          /* malloc'd, or NULL */
};
/* GDIR_ENOTFOUND when there is no request id. */
int bq_request_get(struct bo_db *db, long long id, struct bq_request *out, struct gdir_err *err);
void bq_request_free(struct bq_request *r);

/* The request's history, every event (internal ones with visible 0), oldest first. */
struct bq_event {
    long long at;
    const char *actor_kind, *actor, *from_status, *to_status, *message;
    int visible;
};
typedef int bq_event_fn(void *cls, const struct bq_event *e);
int bq_events(struct bo_db *db, long long id, bq_event_fn *fn, void *cls, struct gdir_err *err);

/* The request's audit rows, oldest first. */
struct bq_audit_row {
    long long at;
    const char *actor, *peer, *action, *from_status, *to_status, *motivation;
};
typedef int bq_audit_fn(void *cls, const struct bq_audit_row *r);
int bq_audit_rows(struct bo_db *db, long long id, bq_audit_fn *fn, void *cls,
                  struct gdir_err *err);

/* A status change by an agent, checked and written in one transaction: the request must
 * still be in status from (GDIR_ECONFLICT otherwise); the status, updated_at and closed_at
 * (set when closes, cleared when reopens), an event visible to the resident with message, the
 * audit row (motivation) and the notification. */
struct bq_move {
    long long request_id;
    const char *from, *to, *message, *motivation;
    const char *documents, *deadline;   /* a complement: the documents asked, "YYYY-MM-DD" */
    int closes;
    const struct bo_agent *agent;
    const char *peer;
    time_t now;
};
int bq_transition(struct bo_db *db, const struct bq_move *m, struct gdir_err *err);

/* A comment: internal (an event the resident never sees) or a message to the resident
 * (messages table, and the e-mail of the event "message" in the outbox). Audited. */
int bq_comment(struct bo_db *db, long long id, const struct bo_agent *a, const char *peer,
               const char *text, int internal, time_t now, struct gdir_err *err);

/* Assigns the request to the agent of login (NULL: nobody). GDIR_EINVAL when there is no
 * such active agent. Audited. */
int bq_assign(struct bo_db *db, long long id, const struct bo_agent *a, const char *peer,
              const char *login, time_t now, struct gdir_err *err);

/* The agent's saved views: name and query string (JSON array into j); saving replaces a view
 * of the same name; a NULL query deletes it. */
int bq_views_json(struct bo_db *db, const struct bo_agent *a, struct gdir_json *j,
                  struct gdir_err *err);
int bq_view_save(struct bo_db *db, const struct bo_agent *a, const char *name,
                 const char *query, time_t now, struct gdir_err *err);

/* ---- shared by the handlers (h_bo_requests.c) ---- */

/* What a handler works on, opened by bq_run before the handler's own work and released after
 * it: the session's agent and the worker's connection, and as the route asks (what) the
 * request of the path's {id} and the JSON object of the body. */
struct bq_call {
    const struct api_ctx *ctx;
    const struct api_request *req;
    struct api_response *res;
    int mode;                     /* the route's own argument (BQ_HANDLER) */
    struct bo_agent a;
    struct bo_db *db;
    struct bq_request r;          /* BQ_REQUEST: zeroed otherwise */
    struct cJSON *body;           /* BQ_BODY: NULL otherwise */
};
typedef int bq_call_fn(struct bq_call *c, struct gdir_err *err);

/* What bq_run opens besides the session. The request of {id} is 404 when it does not exist
 * or the agent's role does not cover it (its existence is not disclosed); an action turns that
 * into 403 for a signed-in agent (it never tells whether the request exists). */
enum { BQ_SESSION = 0, BQ_REQUEST = 1, BQ_BODY = 2, BQ_ACTION = 4 | BQ_REQUEST | BQ_BODY };

/* Opens what the route asks (session, then request, then body), runs fn, releases it all. */
int bq_run(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
           unsigned what, int mode, bq_call_fn *fn, struct gdir_err *err);

/* Defines the route handler name (api_handler_fn) as bq_run of fn with what and mode. */
#define BQ_HANDLER(name, what, fn, mode)                                                           \
    int name(const struct api_ctx *ctx, const struct api_request *req,                             \
             struct api_response *res, struct gdir_err *err)                                       \
    {                                                                                              \
        return bq_run(ctx, req, res, what, mode, fn, err);                                         \
    }

/* The definition of a form id, or NULL (forms no longer configured). */
const struct form_def *bq_form(const struct api_ctx *ctx, const char *form_id);
/* A form's own statuses as bo_transition_ok takes them (those with an `after`). */
#define BQ_MOVES_MAX 32
struct bq_moves {
    const char *extra[BQ_MOVES_MAX], *after[BQ_MOVES_MAX];
    int final[BQ_MOVES_MAX];
    size_t n;
};
void bq_moves_of(const struct form_def *f, struct bq_moves *m);
/* 1 when the move to `to` of a request of form_id is made only by another action: accepting
 * a contribution (« Signaler une erreur », « Proposer un lieu ») is its decision, which also
 * updates the directory (h_bo_contribution.c), and accepting an event proposal publishes the
 * event (life/h_bo_event.c); never a bare status change. */
int bq_move_reserved(const char *form_id, const char *to);
/* The display text of value v of the field definition def into out (reset first), as the
 * request's page shows it: a choice's label, « Oui »/« Non », dd/mm/yyyy, an address's
 * label, a place's name and commune (dir: the directory, or NULL). h_bo_request.c. */
struct api_db;
struct cJSON;
void bq_value_text(struct api_db *dir, const struct cJSON *def, const struct cJSON *v,
                   struct gdir_buf *out);

/* The columns of an export for the agent's role (docs/backoffice.md §3, bo_columns.c): the
 * common ones, « Commentaires internes » for administrators and commune agents, and, when the
 * export is filtered on one form (form_id not NULL) that the role covers, one per field of its
 * definition (a repeat's sub-fields: every item's value in one cell), without the health
 * fields (retention.health_fields) for a service agent. */
struct bq_columns;
int bq_columns_new(const struct api_ctx *ctx, const struct bo_agent *a, const char *form_id,
                   struct bq_columns **out, struct gdir_err *err);
size_t bq_columns_count(const struct bq_columns *c);
const char *const *bq_columns_heads(const struct bq_columns *c);
/* The cells of row r into cells[bq_columns_count], each malloc'd (NULL when out of memory). */
void bq_columns_row(const struct bq_columns *c, struct api_db *dir, const struct bq_row *r,
                    char **cells);
void bq_columns_free(struct bq_columns *c);

/* "dd/mm/yyyy" (with_time: "dd/mm/yyyy HH:MM"), Europe/Paris, of a Unix time; "" for 0. */
void bq_date_fr(long long t, int with_time, char out[24]);

#endif
