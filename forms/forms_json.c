/*
 * forms_json.c — the JSON of a loaded definition: the normalised definition served by
 * GET /api/forms/{id} (the members of docs/forms.md §1 with every default filled in, so the
 * page needs no defaults of its own) and the short entry of the list GET /api/forms.
 */
#include "forms_internal.h"

#include "gdir_buf.h"
#include "gdir_json.h"

#include <stdlib.h>

#define FORMS_JSON_MAX (2 * 1024 * 1024)

static void put_opt(struct gdir_json *j, const char *key, const char *s)
{
    if (s)
        gdir_json_kstr(j, key, s);
}

static void put_cond(struct gdir_json *j, const struct forms_cond *c)
{
    if (c->kind == COND_NONE)
        return;
    gdir_json_key(j, "show_if");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "field", c->field);
    if (c->kind == COND_FILLED) {
        gdir_json_kbool(j, "filled", c->filled);
    } else {
        char *v = cJSON_PrintUnformatted(c->value);
        gdir_json_key(j, c->kind == COND_EQUALS ? "equals" : "in");
        if (v)
            gdir_json_raw(j, v);
        else
            j->err = GDIR_ENOMEM;
        cJSON_free(v);
    }
    gdir_json_obj_end(j);
}

static void put_options(struct gdir_json *j, const struct forms_field *f)
{
    gdir_json_key(j, "options");
    gdir_json_arr_begin(j);
    for (size_t i = 0; i < f->n_options; i++) {
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "value", f->options[i].value);
        gdir_json_kstr(j, "label", f->options[i].label);
        gdir_json_obj_end(j);
    }
    gdir_json_arr_end(j);
}

static void put_fields(struct gdir_json *j, const struct forms_field *v, size_t n);

/* The members that depend on the type. */
static void put_type_members(struct gdir_json *j, const struct forms_field *f)
{
    switch (f->type) {
    case FT_TEXT:
    case FT_TEXTAREA:
        gdir_json_kint(j, "min_length", f->min_length);
        gdir_json_kint(j, "max_length", f->max_length);
        put_opt(j, "pattern", f->pattern);
        put_opt(j, "pattern_message", f->pattern_message);
        break;
    case FT_DATE:
        put_opt(j, "min", f->dmin.text);
        put_opt(j, "max", f->dmax.text);
        break;
    case FT_INTEGER:
        if (f->has_imin)
            gdir_json_kint(j, "min", f->imin);
        if (f->has_imax)
            gdir_json_kint(j, "max", f->imax);
        break;
    case FT_CHOICE:
        put_options(j, f);
        gdir_json_kstr(j, "display", f->display);
        break;
    case FT_MULTICHOICE:
    case FT_REPEAT:
        if (f->type == FT_MULTICHOICE)
            put_options(j, f);
        gdir_json_kint(j, "min_items", f->min_items);
        gdir_json_kint(j, "max_items", f->max_items);
        if (f->type == FT_REPEAT) {
            gdir_json_kstr(j, "item_label", f->item_label);
            put_fields(j, f->fields, f->n_fields);
        }
        break;
    case FT_PLACE:
        put_opt(j, "category", f->category);
        put_opt(j, "commune_from", f->commune_from);
        break;
    case FT_FILE:
        gdir_json_key(j, "accept");
        gdir_json_arr_begin(j);
        for (int i = 0; i < FORMS_N_FILE_TYPES; i++)
            if (f->accept & (1u << i))
                gdir_json_str(j, forms_file_types[i]);
        gdir_json_arr_end(j);
        gdir_json_kint(j, "max_size", (long long)f->max_size);
        gdir_json_kint(j, "max_files", f->max_files);
        break;
    default:
        break;
    }
}

static void put_fields(struct gdir_json *j, const struct forms_field *v, size_t n)
{
    gdir_json_key(j, "fields");
    gdir_json_arr_begin(j);
    for (size_t i = 0; i < n; i++) {
        const struct forms_field *f = &v[i];
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "id", f->id);
        gdir_json_kstr(j, "type", forms_type_names[f->type]);
        gdir_json_kstr(j, "label", f->label);
        put_opt(j, "help", f->help);
        if (f->type != FT_SECTION && f->type != FT_INFO && f->type != FT_REPEAT)
            gdir_json_kbool(j, "required", f->required);
        put_opt(j, "autocomplete", f->autocomplete);
        put_cond(j, &f->cond);
        put_type_members(j, f);
        gdir_json_obj_end(j);
    }
    gdir_json_arr_end(j);
}

/* id, title, description, category, keywords, communes: the list's entry and the head of the
 * definition. */
static void put_head(struct gdir_json *j, const struct form_def *f)
{
    gdir_json_kstr(j, "id", f->id);
    gdir_json_kint(j, "version", f->version);
    gdir_json_kstr(j, "title", f->title);
    gdir_json_kstr(j, "description", f->description);
    gdir_json_kstr(j, "category", f->category);
    gdir_json_kstrs(j, "keywords", f->keywords, f->n_keywords);
    if (f->all_communes)
        gdir_json_kstr(j, "communes", "all");
    else
        gdir_json_kstrs(j, "communes", f->communes, f->n_communes);
}

static void put_rules(struct gdir_json *j, const struct form_def *f)
{
    gdir_json_key(j, "handler");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "by", f->handler == HANDLER_COMMUNE   ? "commune"
                            : f->handler == HANDLER_CHOICE ? "choice" : "service");
    put_opt(j, "field", f->handler_field);
    put_opt(j, "service", f->service);
    put_opt(j, "label", f->service_label);
    gdir_json_obj_end(j);
    gdir_json_key(j, "notice");
    gdir_json_obj_begin(j);
    for (int i = 0; i < FORMS_N_NOTICE; i++)
        gdir_json_kstr(j, forms_notice_keys[i], f->notice[i]);
    gdir_json_obj_end(j);
    gdir_json_key(j, "retention");
    gdir_json_obj_begin(j);
    gdir_json_kint(j, "months_after_closure", f->retention_months);
    if (f->health_until) {
        gdir_json_key(j, "health_fields");
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "until", f->health_until);
        gdir_json_kstrs(j, "fields", f->health_fields, f->n_health_fields);
        gdir_json_obj_end(j);
    }
    gdir_json_obj_end(j);
    gdir_json_key(j, "statuses");
    gdir_json_arr_begin(j);
    for (size_t i = 0; i < f->n_statuses; i++) {
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "id", f->statuses[i].id);
        gdir_json_kstr(j, "label", f->statuses[i].label);
        put_opt(j, "after", f->statuses[i].after);   /* none: a common status relabelled */
        if (f->statuses[i].final)
            gdir_json_kbool(j, "final", 1);
        gdir_json_obj_end(j);
    }
    gdir_json_arr_end(j);
    put_opt(j, "receipt", f->receipt);
}

static int finish(struct gdir_buf *b, struct gdir_json *j, char **out, struct gdir_err *err)
{
    int rc = gdir_json_error(j);
    if (!rc && !(*out = gdir_buf_steal(b, NULL)))
        rc = GDIR_ENOMEM;
    gdir_buf_free(b);
    return rc ? gdir_err_set(err, rc, "cannot write the form's JSON (%s)", gdir_err_text(rc))
              : GDIR_OK;
}

int forms_build_json(struct form_def *f, struct gdir_err *err)
{
    struct gdir_buf b;
    struct gdir_json j;
    int rc;

    gdir_buf_init(&b, FORMS_JSON_MAX);
    gdir_json_init(&j, &b);
    gdir_json_obj_begin(&j);
    put_head(&j, f);
    put_rules(&j, f);
    gdir_json_key(&j, "pages");
    gdir_json_arr_begin(&j);
    for (size_t i = 0; i < f->n_pages; i++) {
        gdir_json_obj_begin(&j);
        gdir_json_kstr(&j, "title", f->pages[i].title);
        put_fields(&j, f->fields + f->pages[i].first, f->pages[i].n);
        gdir_json_obj_end(&j);
    }
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    if ((rc = finish(&b, &j, &f->json, err)))
        return rc;

    gdir_buf_init(&b, FORMS_JSON_MAX);
    gdir_json_init(&j, &b);
    gdir_json_obj_begin(&j);
    put_head(&j, f);
    gdir_json_obj_end(&j);
    return finish(&b, &j, &f->summary_json, err);
}
