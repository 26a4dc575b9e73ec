/*
 * bo_columns.c — the columns of the back office's exports per role (docs/backoffice.md §3,
 * "Columns of the exports"): what each role may take out of the tool in a spreadsheet. See
 * bq_columns_new in bo_queue.h.
 *
 * | column                                   | admin | commune | service              |
 * | the common ones (code … updated)         | yes   | yes     | yes                  |
 * | « Commentaires internes »                | yes   | yes     | no                   |
 * | the fields of the form (with form=)      | yes   | yes     | its own forms only   |
 * | its health fields (retention)            | yes   | yes     | no                   |
 */
#include "api_bo.h"
#include "api_handlers.h"
#include "bo_queue.h"
#include "gdir_buf.h"
#include "gdir_cjson.h"
#include "gdir_forms.h"
#include "gdir_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMON_COLUMNS 9
#define MAX_COLUMNS BQ_COLUMNS_MAX
#define LABEL_MAX 400

static const char *const common_heads[COMMON_COLUMNS] = {
    "Numéro de suivi", "Démarche", "Commune", "Service", "Statut", "Demandeur",
    "Agent assigné", "Déposée le", "Mise à jour le"};

/* One field column: a top-level field (sub NULL) or a sub-field of the repeat top. */
struct field_col {
    const cJSON *top, *sub;
};

struct bq_columns {
    const char *heads[MAX_COLUMNS];
    char *labels[MAX_COLUMNS];       /* the field columns' heads, owned */
    size_t n;
    int comments;                    /* « Commentaires internes » after the common ones */
    struct field_col fields[MAX_COLUMNS];
    size_t n_fields;
    cJSON *def;                      /* the definition the field columns point into */
};

static const char *str_of(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* 1 when path ("id" or "repeat.id") is one of the definition's health fields. */
static int health_field(const cJSON *def, const char *path)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(def, "retention"),
                                         "health_fields"), "fields"), *x;
    cJSON_ArrayForEach(x, h) if (cJSON_IsString(x) && strcmp(x->valuestring, path) == 0) return 1;
    return 0;
}

/* Adds the column of field sub (of the repeat top, or top-level when top is NULL). */
static int add_field(struct bq_columns *c, const cJSON *top, const cJSON *sub, int health_ok)
{
    const char *id = str_of(sub, "id"), *type = str_of(sub, "type");
    char path[LABEL_MAX], label[LABEL_MAX];

    if (!id || !type || strcmp(type, "file") == 0 || c->n >= MAX_COLUMNS)
        return GDIR_OK;
    snprintf(path, sizeof path, "%s%s%s", top ? str_of(top, "id") : "", top ? "." : "", id);
    if (!health_ok && health_field(c->def, path))
        return GDIR_OK;
    snprintf(label, sizeof label, "%s%s%s", top ? str_of(top, "label") : "", top ? " — " : "",
             str_of(sub, "label") ? str_of(sub, "label") : id);
    if (!(c->labels[c->n] = gdir_strdup(label)))
        return GDIR_ENOMEM;
    c->heads[c->n] = c->labels[c->n];
    c->n++;
    c->fields[c->n_fields++] = (struct field_col){top, sub};
    return GDIR_OK;
}

/* The field columns of the definition, pages in order, a repeat's sub-fields after it. */
static int add_fields(struct bq_columns *c, int health_ok)
{
    const cJSON *page, *fd, *sub;
    int rc = GDIR_OK;

    cJSON_ArrayForEach(page, cJSON_GetObjectItemCaseSensitive(c->def, "pages"))
        cJSON_ArrayForEach(fd, cJSON_GetObjectItemCaseSensitive(page, "fields")) {
            if (rc)
                return rc;
            if (str_of(fd, "type") && strcmp(str_of(fd, "type"), "repeat") == 0) {
                cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(fd, "fields"))
                    if (!rc)
                        rc = add_field(c, fd, sub, health_ok);
            } else {
                rc = add_field(c, NULL, fd, health_ok);
            }
        }
    return rc;
}

/* 1 when the agent's role covers form_id as such (its forms, when it has a list). */
static int form_covered(const struct bo_agent *a, const char *form_id)
{
    if (a->role == BO_ROLE_ADMIN || !a->n_forms)
        return a->role != BO_ROLE_SERVICE;
    for (size_t i = 0; i < a->n_forms; i++)
        if (strcmp(a->forms[i], form_id) == 0)
            return 1;
    return 0;
}

int bq_columns_new(const struct api_ctx *ctx, const struct bo_agent *a, const char *form_id,
                   struct bq_columns **out, struct gdir_err *err)
{
    struct bq_columns *c = calloc(1, sizeof *c);
    const struct form_def *f = form_id ? bq_form(ctx, form_id) : NULL;
    int rc = GDIR_OK;

    if (!c)
        return gdir_err_set(err, GDIR_ENOMEM, "export: out of memory");
    for (size_t i = 0; i < COMMON_COLUMNS; i++)
        c->heads[c->n++] = common_heads[i];
    c->comments = a->role != BO_ROLE_SERVICE;
    if (c->comments)
        c->heads[c->n++] = "Commentaires internes";
    if (f && form_covered(a, form_id)) {
        if (!(c->def = gdir_cjson_parse(form_json(f), (size_t)-1, "definition", GDIR_EINTERNAL,
                                        err)))
            rc = err->code;
        else if ((rc = add_fields(c, a->role != BO_ROLE_SERVICE)))
            gdir_err_set(err, rc, "export: out of memory");
    }
    if (rc) {
        bq_columns_free(c);
        return rc;
    }
    *out = c;
    return GDIR_OK;
}

size_t bq_columns_count(const struct bq_columns *c)
{
    return c->n;
}

const char *const *bq_columns_heads(const struct bq_columns *c)
{
    return c->heads;
}

/* The cell of a field column: the value, or a repeat's items' values joined by " | ". */
static char *field_cell(const struct field_col *fc, const cJSON *values, struct api_db *dir,
                        struct gdir_buf *text, struct gdir_buf *cell)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(values, str_of(fc->top ? fc->top
                                                                              : fc->sub, "id")),
                *it;
    gdir_buf_reset(cell);
    if (!fc->top) {
        if (items && !cJSON_IsNull(items))
            bq_value_text(dir, fc->sub, items, cell);
        return gdir_strdup(gdir_buf_str(cell));
    }
    if (!cJSON_IsArray(items))
        return gdir_strdup("");
    cJSON_ArrayForEach(it, items) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, str_of(fc->sub, "id"));
        if (!v || cJSON_IsNull(v))
            continue;
        bq_value_text(dir, fc->sub, v, text);
        gdir_buf_printf(cell, "%s%s", cell->len ? " | " : "", gdir_buf_str(text));
    }
    return gdir_strdup(gdir_buf_str(cell));
}

void bq_columns_row(const struct bq_columns *c, struct api_db *dir, const struct bq_row *r,
                    char **cells)
{
    size_t k = COMMON_COLUMNS;
    cJSON *values = c->n_fields && r->values_json ? cJSON_Parse(r->values_json) : NULL;
    struct gdir_buf text, cell;

    if (c->comments)
        cells[k++] = gdir_strdup(r->comments ? r->comments : "");
    gdir_buf_init(&text, 64 * 1024);
    gdir_buf_init(&cell, 256 * 1024);
    for (size_t i = 0; i < c->n_fields; i++)
        cells[k++] = field_cell(&c->fields[i], values, dir, &text, &cell);
    gdir_buf_free(&text);
    gdir_buf_free(&cell);
    cJSON_Delete(values);
}

void bq_columns_free(struct bq_columns *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->labels[i]);
    cJSON_Delete(c->def);
    free(c);
}
