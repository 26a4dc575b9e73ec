/*
 * h_bo_request.c — one request in the back office (docs/backoffice.md §3, §5): GET
 * /api/bo/requests/{id} (every field as filed with the labels of its definition, attachments,
 * history, internal comments, messages, assignment, the moves allowed from its status),
 * GET .../attachments/{n} (audited download) and GET .../audit (JSON, or CSV for .csv).
 * A request outside the agent's scope is 404 (bq_run): its existence is not disclosed.
 */
#include "api_bo.h"
#include "api_dbpool.h"
#include "api_forms.h"
#include "api_handlers.h"
#include "api_queries.h"
#include "bo_queue.h"
#include "forms_store.h"
#include "gdir_cjson.h"
#include "gdir_csv.h"
#include "gdir_forms.h"
#include "gdir_json.h"
#include "gdir_parse.h"

#include <stdio.h>
#include <string.h>

/* ---- the fields as filed ------------------------------------------------------------------ */

struct fields_ctx {
    struct gdir_json *j;
    struct api_db *dir;         /* place names, or NULL */
    struct gdir_buf text;       /* a value's display text */
};

static const char *option_label(const cJSON *def, const char *value)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(def, "options")) {
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "value"));
        if (v && value && strcmp(v, value) == 0)
            return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "label"));
    }
    return value;
}

static int place_name(void *cls, const struct api_place *p)
{
    struct gdir_buf *b = cls;
    gdir_buf_printf(b, "%s%s%s", p->name ? p->name : "", p->commune ? ", " : "",
                    p->commune ? p->commune : "");
    return 0;
}

void bq_value_text(struct api_db *dir, const cJSON *def, const cJSON *v, struct gdir_buf *out)
{
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(def, "type"));
    struct gdir_err ignored;

    type = type ? type : "";
    gdir_buf_reset(out);
    if (cJSON_IsBool(v)) {
        gdir_buf_adds(out, cJSON_IsTrue(v) ? "Oui" : "Non");
    } else if (cJSON_IsNumber(v)) {
        gdir_buf_printf(out, "%lld", (long long)v->valuedouble);
    } else if (strcmp(type, "choice") == 0) {
        gdir_buf_adds(out, option_label(def, cJSON_GetStringValue(v)));
    } else if (strcmp(type, "multichoice") == 0) {
        const cJSON *x;
        cJSON_ArrayForEach(x, v) gdir_buf_printf(out, "%s%s", x == v->child ? "" : ", ",
                                                 option_label(def, cJSON_GetStringValue(x)));
    } else if (strcmp(type, "address") == 0) {
        gdir_buf_adds(out, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "label")));
    } else if (strcmp(type, "place") == 0 && cJSON_IsString(v)) {
        if (!dir || api_q_place_by_id(dir, v->valuestring, place_name, out, &ignored))
            gdir_buf_adds(out, v->valuestring);
    } else if (strcmp(type, "date") == 0 && cJSON_IsString(v) && strlen(v->valuestring) == 10) {
        const char *d = v->valuestring;
        gdir_buf_printf(out, "%.2s/%.2s/%.4s", d + 8, d + 5, d);
    } else if (cJSON_IsString(v)) {
        gdir_buf_adds(out, v->valuestring);
    }
}

static void fields_of(struct fields_ctx *c, const cJSON *defs, const cJSON *values,
                      const char *prefix, const char *label_prefix);

static void field_json(struct fields_ctx *c, const cJSON *def, const cJSON *values,
                       const char *prefix, const char *label_prefix)
{
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(def, "id"));
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(def, "type"));
    const char *label = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(def, "label"));
    const cJSON *v = id ? cJSON_GetObjectItemCaseSensitive(values, id) : NULL;
    char path[FORMS_PATH_MAX + 64], lab[512];
    int i = 0;

    if (!id || !type || !v || cJSON_IsNull(v) || strcmp(type, "file") == 0)
        return;   /* hidden, empty, or a file (listed with the attachments) */
    snprintf(path, sizeof path, "%s%s", prefix, id);
    snprintf(lab, sizeof lab, "%s%s", label_prefix, label ? label : id);
    if (strcmp(type, "repeat") == 0) {
        const char *item = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(def, "item_label"));
        const cJSON *x;
        cJSON_ArrayForEach(x, v) {
            char p2[FORMS_PATH_MAX + 16], l2[512];
            snprintf(p2, sizeof p2, "%.*s[%d].", FORMS_PATH_MAX - 1, path, i);
            snprintf(l2, sizeof l2, "%s %d — ", item ? item : (label ? label : id), ++i);
            fields_of(c, cJSON_GetObjectItemCaseSensitive(def, "fields"), x, p2, l2);
        }
        return;
    }
    bq_value_text(c->dir, def, v, &c->text);
    gdir_json_obj_begin(c->j);
    gdir_json_kstr(c->j, "path", path);
    gdir_json_kstr(c->j, "label", lab);
    gdir_json_kstr(c->j, "value", gdir_buf_str(&c->text));
    gdir_json_obj_end(c->j);
}

static void fields_of(struct fields_ctx *c, const cJSON *defs, const cJSON *values,
                      const char *prefix, const char *label_prefix)
{
    const cJSON *d;
    cJSON_ArrayForEach(d, defs) field_json(c, d, values, prefix, label_prefix);
}

/* "fields": [{path, label, value}] in the definition's order. */
static int fields_json(const struct form_def *f, const char *values_json, struct api_db *dir,
                       struct gdir_json *j, struct gdir_err *err)
{
    struct fields_ctx c = {j, dir, {0}};
    cJSON *def = NULL, *values = NULL;
    const cJSON *page;
    int rc = GDIR_OK;

    gdir_buf_init(&c.text, 64 * 1024);
    gdir_json_key(j, "fields");
    gdir_json_arr_begin(j);
    if (f && (!(def = gdir_cjson_parse(form_json(f), (size_t)-1, "definition", GDIR_EINTERNAL,
                                       err)) ||
              !(values = gdir_cjson_parse(values_json, (size_t)-1, "values", GDIR_EINTERNAL,
                                          err)))) {
        rc = err->code;
        goto out;
    }
    cJSON_ArrayForEach(page, cJSON_GetObjectItemCaseSensitive(def, "pages"))
        fields_of(&c, cJSON_GetObjectItemCaseSensitive(page, "fields"), values, "", "");
out:
    gdir_json_arr_end(j);
    cJSON_Delete(def);
    cJSON_Delete(values);
    gdir_buf_free(&c.text);
    return rc;
}

/* ---- lists -------------------------------------------------------------------------------- */

struct page_ctx {
    struct gdir_json *j;
    int internal;               /* events: 1 the internal comments, 0 the history */
    const struct bq_request *r;
    const struct form_def *f;   /* its definition (status labels), or NULL */
};

static int event_json(void *cls, const struct bq_event *e)
{
    struct page_ctx *p = cls;
    int comment = !e->visible && !e->to_status;
    if (comment != p->internal)
        return 0;
    gdir_json_obj_begin(p->j);
    api_forms_ktime(p->j, "at", e->at);
    gdir_json_kstr(p->j, "by", e->actor_kind);
    gdir_json_kstr(p->j, "agent", e->actor);
    if (!p->internal) {
        gdir_json_kstr(p->j, "from", e->from_status);
        gdir_json_kstr(p->j, "status", e->to_status);
        gdir_json_kstr(p->j, "status_label", e->to_status ? form_status_label(p->f, e->to_status)
                                                        : NULL);
        gdir_json_kbool(p->j, "visible", e->visible);
    }
    gdir_json_kstr(p->j, p->internal ? "text" : "message", e->message);
    gdir_json_obj_end(p->j);
    return 0;
}

/* The agents who may handle the request (assignment choices). */
static int agent_json(void *cls, const struct bo_agent *a)
{
    struct page_ctx *p = cls;
    if (a->disabled || !bo_can(a, p->r->form_id, p->r->commune, p->r->service))
        return 0;
    gdir_json_obj_begin(p->j);
    gdir_json_kstr(p->j, "login", a->login);
    gdir_json_kstr(p->j, "name", a->name);
    gdir_json_obj_end(p->j);
    return 0;
}

/* The moves allowed from the request's status (bo_transition_ok), with what each asks. */
static void moves_json(const struct form_def *f, const char *from, struct gdir_json *j)
{
    static const char *const common[] = {"en_instruction", "complement_demande", "acceptee",
                                         "refusee", "sans_suite"};
    struct bq_moves m;

    bq_moves_of(f, &m);
    gdir_json_key(j, "moves");
    gdir_json_arr_begin(j);
    for (size_t i = 0; i < sizeof common / sizeof common[0] + m.n; i++) {
        const char *to = i < 5 ? common[i] : m.extra[i - 5];
        if (!bo_transition_ok(from, to, m.extra, m.after, m.final, m.n) ||
            (f && bq_move_reserved(form_id(f), to)))
            continue;
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "to", to);
        gdir_json_kstr(j, "label", form_status_label(f, to));
        gdir_json_kbool(j, "motivation_required",
                        strcmp(to, "refusee") == 0 || strcmp(to, "sans_suite") == 0);
        gdir_json_kbool(j, "complement", strcmp(to, "complement_demande") == 0);
        gdir_json_obj_end(j);
    }
    gdir_json_arr_end(j);
}

static int lists_json(const struct api_ctx *ctx, struct bo_db *db, const struct bq_request *r,
                      struct gdir_json *j, struct gdir_err *err)
{
    struct page_ctx p = {j, 0, r, bq_form(ctx, r->form_id)};
    char url[64];
    int rc;

    gdir_json_key(j, "history");
    gdir_json_arr_begin(j);
    if ((rc = bq_events(db, r->id, event_json, &p, err)))
        return rc;
    gdir_json_arr_end(j);
    p.internal = 1;
    gdir_json_key(j, "comments");
    gdir_json_arr_begin(j);
    if ((rc = bq_events(db, r->id, event_json, &p, err)))
        return rc;
    gdir_json_arr_end(j);
    snprintf(url, sizeof url, "/api/bo/requests/%lld/attachments/", r->id);
    if ((rc = api_forms_files_json(ctx->forms->store, r->id, url, j, err)))
        return rc;
    gdir_json_key(j, "agents");
    gdir_json_arr_begin(j);
    if ((rc = bo_agent_list(db, agent_json, &p, err)))
        return rc;
    gdir_json_arr_end(j);
    return GDIR_OK;
}

static int request_json(const struct api_ctx *ctx, struct bo_db *db, const struct bq_request *r,
                        struct api_response *res, struct gdir_err *err)
{
    const struct form_def *f = bq_form(ctx, r->form_id);
    struct api_db *dir = NULL;
    const struct api_commune_entry *ce;
    struct gdir_json j;
    int rc;

    if (ctx->pool && api_dbpool_get(ctx->pool, &dir, err))
        dir = NULL;
    ce = dir && r->commune[0] ? api_db_commune(dir, r->commune) : NULL;
    api_bo_json_begin(res, &j);
    gdir_json_kint(&j, "id", r->id);
    gdir_json_kstr(&j, "code", r->code);
    api_forms_kform(&j, r->form_id, r->form_version, f);
    gdir_json_kstr(&j, "status", r->status);
    gdir_json_kstr(&j, "status_label", form_status_label(f, r->status));
    gdir_json_kstr(&j, "commune", r->commune[0] ? r->commune : NULL);
    gdir_json_kstr(&j, "commune_name", ce ? ce->name : NULL);
    gdir_json_kstr(&j, "service", r->service[0] ? r->service : NULL);
    api_forms_ktimes(&j, r->created_at, r->updated_at, r->closed_at);
    gdir_json_key(&j, "assignee");
    if (r->assignee_id) {
        gdir_json_obj_begin(&j);
        gdir_json_kstr(&j, "login", r->assignee_login);
        gdir_json_kstr(&j, "name", r->assignee_name);
        gdir_json_obj_end(&j);
    } else {
        gdir_json_null(&j);
    }
    gdir_json_kbool(&j, "certificate", strcmp(r->form_id, "inscription-scolaire") == 0 &&
                                           strcmp(r->status, "acceptee") == 0);
    moves_json(f, r->status, &j);
    if ((rc = fields_json(f, r->values_json, dir, &j, err)) ||
        (rc = lists_json(ctx, db, r, &j, err)))
        return rc;
    return api_bo_json_end(res, &j, err);
}

static int view(struct bq_call *c, struct gdir_err *err)
{
    int rc = request_json(c->ctx, c->db, &c->r, c->res, err);
    if (!rc)
        api_bo_audit(c->ctx, c->req, &c->a, "view", c->r.id);
    return rc;
}

BQ_HANDLER(h_bo_request, BQ_REQUEST, view, 0)

static int attachment(struct bq_call *c, struct gdir_err *err)
{
    char prefix[24];
    int rc;

    snprintf(prefix, sizeof prefix, "%s-", c->r.code);
    rc = api_forms_send_attachment(c->ctx->forms->store, c->r.id, api_capture(c->req, "n"),
                                   prefix, c->res, err);
    if (!rc)
        api_bo_audit(c->ctx, c->req, &c->a, "download", c->r.id);
    return rc;
}

BQ_HANDLER(h_bo_request_attachment, BQ_REQUEST, attachment, 0)

/* ---- audit -------------------------------------------------------------------------------- */

struct audit_ctx {
    struct gdir_json *j;
    struct gdir_buf *csv;
};

/* The columns of an audit row: the JSON keys and, in the same order, the CSV's header. */
#define AUDIT_COLS 7
static const char *const audit_keys[AUDIT_COLS] = {"at", "actor", "peer", "action", "from",
                                                   "to", "motivation"};
#define AUDIT_CSV_HEADER                                                                           \
    "Date et heure;Acteur;Adresse;Action;Statut avant;Statut après;Motivation" GDIR_CSV_EOL

/* The row's cells in the columns' order, its time given as text by the caller. */
static void audit_cells(const struct bq_audit_row *r, const char *at,
                        const char *cells[AUDIT_COLS])
{
    const char *v[AUDIT_COLS] = {at, r->actor, r->peer, r->action, r->from_status,
                                 r->to_status, r->motivation};
    memcpy(cells, v, sizeof v);
}

static int audit_json(void *cls, const struct bq_audit_row *r)
{
    struct audit_ctx *c = cls;
    const char *cells[AUDIT_COLS];

    audit_cells(r, NULL, cells);   /* cells[0], the time: "at" */
    api_forms_timed_object(c->j, r->at, audit_keys + 1, cells + 1, AUDIT_COLS - 1);
    return 0;
}

static int audit_csv(void *cls, const struct bq_audit_row *r)
{
    struct audit_ctx *c = cls;
    const char *cells[AUDIT_COLS];
    char date[24];
    char sep = gdir_csv_sep(GDIR_CSV_FR);

    bq_date_fr(r->at, 1, date);
    audit_cells(r, date, cells);
    for (size_t i = 0; i < AUDIT_COLS; i++) {
        if (i)
            gdir_buf_addc(c->csv, sep);
        gdir_csv_field(c->csv, cells[i], sep);
    }
    return gdir_buf_adds(c->csv, GDIR_CSV_EOL);
}

/* The request's audit rows: CSV when c->mode, else JSON. */
static int audit(struct bq_call *c, struct gdir_err *err)
{
    struct api_response *res = c->res;
    struct gdir_json j;
    struct audit_ctx ac = {&j, &res->body};
    int rc;

    gdir_buf_reset(&res->body);
    res->cache_control = API_CACHE_NONE;
    if (c->mode) {
        gdir_csv_begin(&res->body, GDIR_CSV_FR);
        gdir_buf_adds(&res->body, AUDIT_CSV_HEADER);
        if (!(rc = bq_audit_rows(c->db, c->r.id, audit_csv, &ac, err))) {
            res->content_type = "text/csv; charset=utf-8";
            api_response_header(res, "Content-Disposition", "attachment; filename=\"audit.csv\"");
            api_bo_audit(c->ctx, c->req, &c->a, "export", c->r.id);
        }
        return rc;
    }
    api_bo_json_begin(res, &j);
    gdir_json_key(&j, "audit");
    gdir_json_arr_begin(&j);
    if ((rc = bq_audit_rows(c->db, c->r.id, audit_json, &ac, err)))
        return rc;
    gdir_json_arr_end(&j);
    return api_bo_json_end(res, &j, err);
}

BQ_HANDLER(h_bo_request_audit, BQ_REQUEST, audit, 0)
BQ_HANDLER(h_bo_request_audit_csv, BQ_REQUEST, audit, 1)
