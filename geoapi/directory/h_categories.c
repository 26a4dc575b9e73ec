/*
 * h_categories.c — GET /api/categories: the two-level taxonomy (common/taxonomy.def) with the
 * number of places in each category; a top-level count includes its children. Every category
 * is listed, even with no place, with the synonyms by which a search text names it
 * (api_synonyms.h: the compiled-in table and the territory's synonyms_file), so that a client
 * searching a copy of the directory (map-ui/offline-search.js) applies the server's rule.
 */
#include "api_handlers.h"
#include "api_queries.h"
#include "api_synonyms.h"
#include "gdir_json.h"

#include <stdlib.h>
#include <string.h>

struct counts {
    const struct gdir_category *tax;   /* the taxonomy */
    size_t n;
    long long *own;                    /* places whose category is exactly tax[i] */
};

static int add_count(void *cls, const char *code, long long count)
{
    struct counts *c = cls;
    for (size_t i = 0; code && i < c->n; i++)
        if (strcmp(c->tax[i].code, code) == 0) {
            c->own[i] += count;
            break;
        }
    return 0;   /* a code unknown to this build is not listed */
}

static int write_term(void *cls, const char *term, size_t len)
{
    return gdir_json_strn(cls, term, len);
}

/* "code", "label", "count" and "synonyms" of category c (the object left open). */
static void write_category(struct gdir_json *j, const struct gdir_category *c, long long count)
{
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "code", c->code);
    gdir_json_kstr(j, "label", c->label);
    gdir_json_kint(j, "count", count);
    gdir_json_key(j, "synonyms");
    gdir_json_arr_begin(j);
    api_synonyms_each(c->code, write_term, j);
    gdir_json_arr_end(j);
}

/* {"categories": [...]}: the top-level categories with their totals and their children. */
static void write_categories(struct gdir_json *j, const struct counts *c)
{
    gdir_json_obj_begin(j);
    gdir_json_key(j, "categories");
    gdir_json_arr_begin(j);
    for (size_t i = 0; i < c->n; i++) {
        const struct gdir_category *top = &c->tax[i];
        long long total = c->own[i];
        if (top->parent)
            continue;
        for (size_t k = 0; k < c->n; k++)
            if (c->tax[k].parent && strcmp(c->tax[k].parent, top->code) == 0)
                total += c->own[k];
        write_category(j, top, total);
        gdir_json_key(j, "children");
        gdir_json_arr_begin(j);
        for (size_t k = 0; k < c->n; k++) {
            if (!c->tax[k].parent || strcmp(c->tax[k].parent, top->code) != 0)
                continue;
            write_category(j, &c->tax[k], c->own[k]);
            gdir_json_obj_end(j);
        }
        gdir_json_arr_end(j);
        gdir_json_obj_end(j);
    }
    gdir_json_arr_end(j);
    gdir_json_obj_end(j);
}

static int categories_json(struct api_db *db, struct gdir_json *j, const void *cls,
                           struct gdir_err *err)
{
    struct counts c = {0};
    int rc;

    (void)cls;
    c.tax = gdir_taxonomy(&c.n);
    c.own = calloc(c.n, sizeof *c.own);
    if (!c.own)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    rc = api_q_category_counts(db, add_count, &c, err);
    if (!rc)
        write_categories(j, &c);
    free(c.own);
    return rc;
}

int h_categories(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
                 struct gdir_err *err)
{
    (void)req;
    return api_db_json(ctx, res, categories_json, NULL, API_CT_JSON, err);
}
