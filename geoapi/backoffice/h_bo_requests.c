/*
 * h_bo_requests.c — the back office's queue (docs/backoffice.md §3): GET /api/bo/requests
 * (filters, sort, page, counts per status) and the same filtered queue as a spreadsheet,
 * /api/bo/requests.csv (French conventions: ';', UTF-8 BOM, dd/mm/yyyy) and .xlsx. Only what
 * the agent's role covers (bq_list's scope condition); each export is audited. Also what the
 * other h_bo_*.c share: bq_run, bq_form, bq_date_fr.
 */
#include "api_bo.h"
#include "api_dbpool.h"
#include "api_forms.h"
#include "api_handlers.h"
#include "api_queries.h"
#include "bo_contrib.h"
#include "bo_queue.h"
#include "gdir_cjson.h"
#include "gdir_csv.h"
#include "gdir_export.h"
#include "gdir_forms.h"
#include "gdir_hours.h"
#include "gdir_json.h"
#include "gdir_mem.h"
#include "gdir_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared ------------------------------------------------------------------------------- */

const struct form_def *bq_form(const struct api_ctx *ctx, const char *form_id)
{
    return ctx->forms && form_id ? forms_find(ctx->forms->set, form_id) : NULL;
}

int bq_move_reserved(const char *form_id, const char *to)
{
    return form_id && to && strcmp(to, "acceptee") == 0 &&
           (strcmp(form_id, BO_FORM_PROPOSE) == 0 || strcmp(form_id, BO_FORM_REPORT) == 0 ||
            strcmp(form_id, BO_FORM_EVENT) == 0);
}

void bq_moves_of(const struct form_def *f, struct bq_moves *m)
{
    memset(m, 0, sizeof *m);
    for (size_t i = 0; f && i < form_status_count(f) && m->n < BQ_MOVES_MAX; i++) {
        const char *label;
        form_status_at(f, i, &m->extra[m->n], &label, &m->after[m->n]);
        m->final[m->n] = form_status_final(f, m->extra[m->n]);
        if (m->after[m->n])
            m->n++;
    }
}

void bq_date_fr(long long t, int with_time, char out[24])
{
    struct gdir_paris_time p;
    if (!t || gdir_paris_from_utc((time_t)t, &p)) {
        out[0] = '\0';
        return;
    }
    if (with_time)
        snprintf(out, 24, "%02d/%02d/%04d %02d:%02d", p.day % 100, p.month % 100,
                 p.year % 10000, p.hour % 100, p.minute % 100);
    else
        snprintf(out, 24, "%02d/%02d/%04d", p.day % 100, p.month % 100, p.year % 10000);
}

/* The session's agent, the worker's connection, and the request of {id} when r is not NULL
 * (404 when it does not exist or the agent's role does not cover it). */
static int bq_open(const struct api_ctx *ctx, const struct api_request *req, struct bo_agent *a,
                   struct bo_db **db, struct bq_request *r, struct gdir_err *err)
{
    long id;
    int rc;

    memset(a, 0, sizeof *a);
    if ((rc = api_bo_session(ctx, req, a, err)))
        return rc;
    if (!(*db = api_bo_db(ctx)))
        return gdir_err_set(err, GDIR_EUNAVAIL, "back office database unavailable");
    if (!r)
        return GDIR_OK;
    if (gdir_parse_long(api_capture(req, "id"), 1, 1L << 52, &id))
        return gdir_err_set(err, GDIR_ENOTFOUND, "Aucune demande ne porte ce numéro.");
    if ((rc = bq_request_get(*db, id, r, err)))
        return rc;
    if (!bo_can(a, r->form_id, r->commune, r->service))   /* its existence is not disclosed */
        return gdir_err_set(err, GDIR_ENOTFOUND, "Aucune demande ne porte ce numéro.");
    return GDIR_OK;
}

int bq_run(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
           unsigned what, int mode, bq_call_fn *fn, struct gdir_err *err)
{
    struct bq_call c = {.ctx = ctx, .req = req, .res = res, .mode = mode};
    int rc = bq_open(ctx, req, &c.a, &c.db, (what & BQ_REQUEST) ? &c.r : NULL, err);

    if (rc == GDIR_ENOTFOUND && (what & BQ_ACTION) == BQ_ACTION && c.a.login[0])
        rc = gdir_err_set(err, GDIR_EFORBIDDEN, "Cette demande ne relève pas de votre rôle.");
    if (!rc && (what & BQ_BODY))
        rc = api_bo_json_body(req, &c.body, err);
    if (!rc)
        rc = fn(&c, err);
    cJSON_Delete(c.body);
    bq_request_free(&c.r);
    bo_agent_free(&c.a);
    return rc;
}

/* ---- the filters -------------------------------------------------------------------------- */

/* A date parameter "YYYY-MM-DD" as the Unix time of that day's start in Europe/Paris (plus
 * days); *t = 0 when absent. */
static int param_day(const struct api_request *req, const char *name, int days, long long *t,
                     struct gdir_err *err)
{
    const char *v = api_param(req, name);
    int y, m, d, n = 0;
    time_t out;

    *t = 0;
    if (!v || !*v)
        return GDIR_OK;
    if (sscanf(v, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || v[n] || m < 1 || m > 12 ||
        d < 1 || d > 31 || y < 2000 || gdir_paris_to_utc(y, m, d, 0, 0, 0, &out))
        return api_param_invalid(err, name, v, "a date YYYY-MM-DD");
    *t = (long long)out + days * 86400LL;
    return GDIR_OK;
}

static int ident_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    return n >= 1 && n <= max && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

static int parse_filter(const struct api_ctx *ctx, const struct api_request *req,
                        struct bq_filter *f, struct gdir_err *err)
{
    int rc, sort;
    long page = 1;

    memset(f, 0, sizeof *f);
    f->form = api_param(req, "form");
    f->commune = api_param(req, "commune");
    f->status = api_param(req, "status");
    f->q = api_param(req, "q");
    if (f->form && !*f->form)
        f->form = NULL;
    if (f->form && !bq_form(ctx, f->form))
        return api_param_invalid(err, "form", f->form, "the id of a form of this server");
    if (f->commune && !*f->commune)
        f->commune = NULL;
    if (f->commune && !api_insee_valid(f->commune))
        return api_param_invalid(err, "commune", f->commune, "an INSEE code");
    if (f->status && !*f->status)
        f->status = NULL;
    if (f->status && !ident_ok(f->status, 40))
        return api_param_invalid(err, "status", f->status, "a status id");
    if (f->q && !*f->q)
        f->q = NULL;
    if (f->q && strlen(f->q) > BQ_Q_MAX)
        return api_param_invalid(err, "q", f->q, "at most 100 bytes");
    if ((rc = param_day(req, "from", 0, &f->from, err)) ||
        (rc = param_day(req, "to", 1, &f->to, err)) ||
        (rc = api_param_enum(req, "sort", bq_sort_names, &sort, err)))
        return rc;
    f->sort = sort < 0 ? BQ_SORT_NEWEST : sort;
    if (api_param(req, "page") && gdir_parse_long(api_param(req, "page"), 1, 100000, &page))
        return api_param_invalid(err, "page", api_param(req, "page"), "an integer from 1");
    f->page = page;
    return GDIR_OK;
}

/* ---- GET /api/bo/requests ----------------------------------------------------------------- */

struct list_ctx {
    const struct api_ctx *ctx;
    struct gdir_json *j;
    struct api_db *dir;          /* the directory (commune names), or NULL */
};

static const char *commune_name(struct api_db *dir, const char *insee)
{
    const struct api_commune_entry *c = dir && insee ? api_db_commune(dir, insee) : NULL;
    return c ? c->name : NULL;
}

static int row_json(void *cls, const struct bq_row *r)
{
    struct list_ctx *l = cls;
    const struct form_def *f = bq_form(l->ctx, r->form_id);

    gdir_json_obj_begin(l->j);
    gdir_json_kint(l->j, "id", r->id);
    gdir_json_kstr(l->j, "code", r->code);
    gdir_json_kstr(l->j, "form", r->form_id);
    gdir_json_kstr_nonempty(l->j, "form_title", f ? form_title(f) : NULL);
    gdir_json_kstr_nonempty(l->j, "commune", r->commune);
    gdir_json_kstr_nonempty(l->j, "commune_name", commune_name(l->dir, r->commune));
    gdir_json_kstr_nonempty(l->j, "service", r->service);
    gdir_json_kstr(l->j, "status", r->status);
    gdir_json_kstr(l->j, "status_label", form_status_label(f, r->status));
    gdir_json_kstr_nonempty(l->j, "requester", r->requester);
    gdir_json_kstr_nonempty(l->j, "assignee", r->assignee);
    api_forms_ktime(l->j, "created_at", r->created_at);
    api_forms_ktime(l->j, "updated_at", r->updated_at);
    gdir_json_obj_end(l->j);
    return 0;
}

static int count_json(void *cls, const char *status, long long n)
{
    struct list_ctx *l = cls;
    gdir_json_kint(l->j, status, n);
    return 0;
}

/* The forms the agent may filter on, with their statuses. */
static void forms_json(const struct api_ctx *ctx, const struct bo_agent *a, struct gdir_json *j)
{
    gdir_json_key(j, "forms");
    gdir_json_arr_begin(j);
    for (size_t i = 0; ctx->forms && i < forms_count(ctx->forms->set); i++) {
        const struct form_def *f = forms_at(ctx->forms->set, i);
        int mine = a->role != BO_ROLE_SERVICE;
        for (size_t k = 0; !mine && k < a->n_forms; k++)
            mine = strcmp(a->forms[k], form_id(f)) == 0;
        if (!mine)
            continue;
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "id", form_id(f));
        gdir_json_kstr(j, "title", form_title(f));
        gdir_json_key(j, "statuses");
        gdir_json_arr_begin(j);
        for (size_t k = 0; k < form_status_count(f); k++) {
            const char *id, *label, *after;
            form_status_at(f, k, &id, &label, &after);
            gdir_json_obj_begin(j);
            gdir_json_kstr(j, "id", id);
            gdir_json_kstr(j, "label", label);
            gdir_json_obj_end(j);
        }
        gdir_json_arr_end(j);
        gdir_json_obj_end(j);
    }
    gdir_json_arr_end(j);
}

static struct api_db *directory(const struct api_ctx *ctx)
{
    struct api_db *db = NULL;
    struct gdir_err ignored;
    if (ctx->pool && api_dbpool_get(ctx->pool, &db, &ignored))
        db = NULL;
    return db;
}

static int list_body(const struct api_ctx *ctx, struct bo_db *db, const struct bo_agent *a,
                     const struct bq_filter *f, struct api_response *res, struct gdir_err *err)
{
    struct gdir_json j;
    struct list_ctx l = {ctx, &j, directory(ctx)};
    long long total = 0;
    int rc;

    api_bo_json_begin(res, &j);
    gdir_json_key(&j, "requests");
    gdir_json_arr_begin(&j);
    if ((rc = bq_list(db, a, f, BQ_PAGE_SIZE, (f->page - 1) * BQ_PAGE_SIZE, row_json, &l,
                      &total, err)))
        return rc;
    gdir_json_arr_end(&j);
    gdir_json_kint(&j, "total", total);
    gdir_json_kint(&j, "page", f->page);
    gdir_json_kint(&j, "page_size", BQ_PAGE_SIZE);
    gdir_json_kint(&j, "pages", (total + BQ_PAGE_SIZE - 1) / BQ_PAGE_SIZE);
    gdir_json_key(&j, "counts");
    gdir_json_obj_begin(&j);
    if ((rc = bq_counts(db, a, f, count_json, &l, err)))
        return rc;
    gdir_json_obj_end(&j);
    forms_json(ctx, a, &j);
    return api_bo_json_end(res, &j, err);
}

static int queue(struct bq_call *c, struct gdir_err *err)
{
    struct bq_filter f;
    int rc = parse_filter(c->ctx, c->req, &f, err);
    return rc ? rc : list_body(c->ctx, c->db, &c->a, &f, c->res, err);
}

BQ_HANDLER(h_bo_requests, BQ_SESSION, queue, 0)

/* ---- exports ------------------------------------------------------------------------------ */

/* The rows of an export, each ncols malloc'd cells (the role's columns: bo_columns.c). */
struct table {
    const struct api_ctx *ctx;
    struct api_db *dir;
    const struct bq_columns *cols;
    size_t ncols;
    char **cells;
    size_t n, cap, next;
    int oom;
};

static int table_row(void *cls, const struct bq_row *r)
{
    struct table *t = cls;
    const struct form_def *f = bq_form(t->ctx, r->form_id);
    const char *commune = commune_name(t->dir, r->commune);
    char created[24], updated[24];
    const char *v[] = {r->code, f ? form_title(f) : r->form_id, commune ? commune : r->commune,
                       r->service, form_status_label(f, r->status), r->requester, r->assignee,
                       created, updated};
    char **row;

    bq_date_fr(r->created_at, 0, created);
    bq_date_fr(r->updated_at, 0, updated);
    if (gdir_grow(&t->cells, &t->cap, (t->n + 1) * t->ncols, sizeof *t->cells))
        return t->oom = GDIR_ENOMEM;
    row = t->cells + t->n++ * t->ncols;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        row[i] = gdir_strdup(v[i] ? v[i] : "");
    bq_columns_row(t->cols, t->dir, r, row);
    for (size_t i = 0; i < t->ncols; i++)
        if (!row[i])
            t->oom = GDIR_ENOMEM;
    return t->oom;
}

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->n * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
}

static int table_next(void *cls, const char **cells, struct gdir_err *err)
{
    struct table *t = cls;
    (void)err;
    if (t->next >= t->n)
        return 0;
    for (size_t i = 0; i < t->ncols; i++)
        cells[i] = t->cells[t->next * t->ncols + i];
    t->next++;
    return 1;
}

/* A line of the CSV. A cell a spreadsheet would take for a formula (a resident's text starting
 * with = + - @) is written after an apostrophe, as text. */
static int csv_line(struct gdir_buf *out, const char *const *cells, size_t n)
{
    char sep = gdir_csv_sep(GDIR_CSV_FR), quoted[512];
    for (size_t i = 0; i < n; i++) {
        const char *c = cells[i];
        if (i)
            gdir_buf_addc(out, sep);
        if (c && strchr("=+-@", c[0]) && c[0]) {
            snprintf(quoted, sizeof quoted, "'%s", c);
            c = quoted;
        }
        gdir_csv_field(out, c, sep);
    }
    return gdir_buf_adds(out, GDIR_CSV_EOL);
}

static int table_csv(struct table *t, struct gdir_buf *out)
{
    const char *cells[BQ_COLUMNS_MAX];
    int rc;

    if ((rc = gdir_csv_begin(out, GDIR_CSV_FR)) ||
        (rc = csv_line(out, bq_columns_heads(t->cols), t->ncols)))
        return rc;
    while (!rc && table_next(t, cells, NULL) == 1)
        rc = csv_line(out, cells, t->ncols);
    return rc;
}

/* The queue as a spreadsheet: .xlsx when c->mode, else CSV. */
static int export(struct bq_call *c, struct gdir_err *err)
{
    struct api_response *res = c->res;
    struct bq_filter f;
    struct table t = {.ctx = c->ctx, .dir = directory(c->ctx)};
    struct bq_columns *cols = NULL;
    long long total;
    int xlsx = c->mode, rc;

    if ((rc = parse_filter(c->ctx, c->req, &f, err)) ||
        (rc = bq_columns_new(c->ctx, &c->a, f.form, &cols, err)))
        goto out;
    t.cols = cols;
    t.ncols = bq_columns_count(cols);
    if ((rc = bq_list(c->db, &c->a, &f, BQ_EXPORT_MAX, 0, table_row, &t, &total, err)))
        goto out;
    gdir_buf_reset(&res->body);
    rc = xlsx ? gdir_export_xlsx_table("Demandes", bq_columns_heads(cols), t.ncols,
                                       table_next, &t, &res->body, err)
              : table_csv(&t, &res->body);
    if (rc) {
        rc = err->code ? rc : gdir_err_set(err, GDIR_ENOMEM, "export: out of memory");
        goto out;
    }
    api_bo_audit(c->ctx, c->req, &c->a, "export", 0);
    res->content_type = xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                             : "text/csv; charset=utf-8";
    res->cache_control = API_CACHE_NONE;
    api_response_header(res, "Content-Disposition", xlsx ? "attachment; filename=\"demandes.xlsx\""
                                                         : "attachment; filename=\"demandes.csv\"");
out:
    table_free(&t);
    bq_columns_free(cols);
    return rc;
}

BQ_HANDLER(h_bo_requests_csv, BQ_SESSION, export, 0)
BQ_HANDLER(h_bo_requests_xlsx, BQ_SESSION, export, 1)
