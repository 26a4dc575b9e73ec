/*
 * forms_fields.c — reading the fields of a form definition (docs/forms.md §1.1, §1.2): the
 * members of each type, their defaults and limits, the conditions (show_if naming an earlier
 * field), the patterns (compiled once here, POSIX ERE), the options, the nested fields of a
 * repeat. Errors as forms_load.c: "FILE: pages[0].fields[3].options: reason".
 */
#include "forms_internal.h"

#include "gdir_cjson.h"
#include "gdir_mem.h"
#include "gdir_taxonomy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATTERN_MAX 500

const char *const forms_type_names[FT_COUNT] = {
    "text", "textarea", "email", "phone", "date", "integer", "choice", "multichoice", "yesno",
    "checkbox", "address", "place", "repeat", "file", "section", "info"
};

const char *const forms_file_types[FORMS_N_FILE_TYPES] = { "pdf", "jpeg", "png" };
const char *const forms_file_mimes[FORMS_N_FILE_TYPES] = {
    "application/pdf", "image/jpeg", "image/png"
};

#define COMMON "id", "type", "label", "help", "show_if"
#define VALUE COMMON, "required", "autocomplete"
static const char *const k_text[] = { VALUE, "min_length", "max_length", "pattern",
                                      "pattern_message", NULL };
static const char *const k_textarea[] = { VALUE, "min_length", "max_length", NULL };
static const char *const k_value[] = { VALUE, NULL };
static const char *const k_bounds[] = { VALUE, "min", "max", NULL };
static const char *const k_choice[] = { VALUE, "options", "display", NULL };
static const char *const k_multi[] = { VALUE, "options", "min_items", "max_items", NULL };
static const char *const k_place[] = { VALUE, "category", "commune_from", NULL };
static const char *const k_repeat[] = { COMMON, "fields", "min_items", "max_items",
                                        "item_label", NULL };
static const char *const k_file[] = { COMMON, "required", "accept", "max_size", "max_files",
                                      NULL };
static const char *const k_common[] = { COMMON, NULL };

static const char *const *const type_keys[FT_COUNT] = {
    k_text, k_textarea, k_value, k_value, k_bounds, k_bounds, k_choice, k_multi, k_value,
    k_value, k_value, k_place, k_repeat, k_file, k_common, k_common
};

/* HTML autofill tokens a form may use (WHATWG "autofill field names"). */
static const char *const autocomplete_tokens[] = {
    "off", "on", "name", "honorific-prefix", "given-name", "additional-name", "family-name",
    "honorific-suffix", "nickname", "organization-title", "organization", "street-address",
    "address-line1", "address-line2", "address-line3", "address-level1", "address-level2",
    "address-level3", "address-level4", "country", "country-name", "postal-code", "bday",
    "bday-day", "bday-month", "bday-year", "sex", "tel", "tel-national", "email", "url",
    "language", NULL
};

static int oom(const struct forms_ld *c)
{
    return gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
}

const struct forms_field *forms_scope_find(const struct forms_scope *s, const char *id)
{
    for (; s; s = s->up)
        for (size_t i = 0; i < s->n; i++)
            if (strcmp(s->v[i].id, id) == 0)
                return &s->v[i];
    return NULL;
}

static int is_id(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 40)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

static int has_value(enum forms_type t)
{
    return t != FT_SECTION && t != FT_INFO && t != FT_REPEAT && t != FT_FILE;
}

/* Whether v can be compared with a value of field ref; the reason when not. */
static const char *cond_value_bad(const struct forms_field *ref, const cJSON *v)
{
    switch (ref->type) {
    case FT_YESNO:
    case FT_CHECKBOX:
        return cJSON_IsBool(v) ? NULL : "expected true or false (a yes/no or checkbox field)";
    case FT_INTEGER:
        return cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble)
                   ? NULL : "expected an integer (an integer field)";
    case FT_CHOICE:
    case FT_MULTICHOICE:
        if (!cJSON_IsString(v))
            return "expected one of the options' values";
        for (size_t i = 0; i < ref->n_options; i++)
            if (strcmp(ref->options[i].value, v->valuestring) == 0)
                return NULL;
        return "not one of the options' values of the field it names";
    default:
        return cJSON_IsString(v) ? NULL : "expected a string";
    }
}

static int ld_cond_value(const struct forms_ld *c, const char *at, const cJSON *sif,
                         const struct forms_field *ref, struct forms_cond *cond)
{
    const cJSON *eq = cJSON_GetObjectItemCaseSensitive(sif, "equals");
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(sif, "in");
    const cJSON *filled = cJSON_GetObjectItemCaseSensitive(sif, "filled"), *it;
    const char *bad;

    if (!!eq + !!in + !!filled != 1)
        return forms_ld_fail(c, at, NULL, "expected exactly one of \"equals\", \"in\", "
                             "\"filled\"");
    if (filled) {
        if (!cJSON_IsBool(filled))
            return forms_ld_fail(c, at, "filled", "expected true or false");
        cond->kind = COND_FILLED;
        cond->filled = cJSON_IsTrue(filled);
        return GDIR_OK;
    }
    if (eq && (bad = cond_value_bad(ref, eq)))
        return forms_ld_fail(c, at, "equals", "%s", bad);
    if (in && (!cJSON_IsArray(in) || cJSON_GetArraySize(in) < 1))
        return forms_ld_fail(c, at, "in", "expected a non-empty array");
    cJSON_ArrayForEach(it, in) {
        if ((bad = cond_value_bad(ref, it)))
            return forms_ld_fail(c, at, "in", "%s", bad);
    }
    cond->kind = eq ? COND_EQUALS : COND_IN;
    cond->value = cJSON_Duplicate(eq ? eq : in, 1);
    return cond->value ? GDIR_OK : oom(c);
}

static int ld_cond(const struct forms_ld *c, const cJSON *obj, const char *where,
                   const struct forms_scope *scope, struct forms_field *fd)
{
    static const char *const keys[] = { "field", "equals", "in", "filled", NULL };
    const cJSON *sif = cJSON_GetObjectItemCaseSensitive(obj, "show_if");
    const struct forms_field *ref;
    char at[200];
    int rc;

    if (!sif)
        return GDIR_OK;
    forms_ld_path(at, sizeof at, where, "show_if");
    if (!cJSON_IsObject(sif))
        return forms_ld_fail(c, at, NULL, "expected an object { \"field\", \"equals\" | \"in\" "
                             "| \"filled\" }");
    if ((rc = gdir_cjson_check_keys(sif, keys, c->file, at, c->err)) ||
        (rc = forms_ld_str(c, sif, at, "field", 1, &fd->cond.field)))
        return rc;
    ref = forms_scope_find(scope, fd->cond.field);
    if (!ref)
        return forms_ld_fail(c, at, "field", "\"%s\" is not a field declared before this one "
                             "(a sibling or a field of an enclosing level)", fd->cond.field);
    if (!has_value(ref->type))
        return forms_ld_fail(c, at, "field", "\"%s\" is a %s field, which has no value to test",
                             fd->cond.field, forms_type_names[ref->type]);
    return ld_cond_value(c, at, sif, ref, &fd->cond);
}

static int ld_lengths(const struct forms_ld *c, const cJSON *obj, const char *at,
                      struct forms_field *fd)
{
    long top = fd->type == FT_TEXT ? 1000 : 20000, dflt = fd->type == FT_TEXT ? 200 : 4000;
    int rc;
    if ((rc = forms_ld_int(c, obj, at, "max_length", 0, 1, top, dflt, &fd->max_length)) ||
        (rc = forms_ld_int(c, obj, at, "min_length", 0, 0, top, 0, &fd->min_length)))
        return rc;
    if (fd->min_length > fd->max_length)
        return forms_ld_fail(c, at, "min_length", "greater than max_length (%ld)",
                             fd->max_length);
    return GDIR_OK;
}

static int ld_pattern(const struct forms_ld *c, const cJSON *obj, const char *at,
                      struct forms_field *fd)
{
    char *anchored, msg[160];
    int rc;

    if ((rc = forms_ld_str(c, obj, at, "pattern", 0, &fd->pattern)) ||
        (rc = forms_ld_str(c, obj, at, "pattern_message", 0, &fd->pattern_message)))
        return rc;
    if (!fd->pattern != !fd->pattern_message)
        return forms_ld_fail(c, at, fd->pattern ? "pattern_message" : "pattern",
                             fd->pattern ? "missing (the French message shown when the "
                             "pattern does not match)" : "missing (pattern_message goes with "
                             "a pattern)");
    if (!fd->pattern)
        return GDIR_OK;
    size_t n = strlen(fd->pattern);
    if (n > PATTERN_MAX)
        return forms_ld_fail(c, at, "pattern", "longer than %d bytes", PATTERN_MAX);
    if (!(anchored = malloc(n + 5)))
        return oom(c);
    snprintf(anchored, n + 5, "^(%s)$", fd->pattern);   /* the whole value must match */
    rc = regcomp(&fd->re, anchored, REG_EXTENDED | REG_NOSUB);
    free(anchored);
    if (rc != 0) {
        regerror(rc, NULL, msg, sizeof msg);
        return forms_ld_fail(c, at, "pattern", "not a valid POSIX extended regular expression "
                             "(%s)", msg);
    }
    fd->has_re = 1;
    return GDIR_OK;
}

static int ld_bound(const struct forms_ld *c, const cJSON *obj, const char *at, const char *key,
                    struct forms_bound *b)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it)
        return GDIR_OK;
    if (!cJSON_IsString(it) || !forms_bound_parse(it->valuestring, b))
        return forms_ld_fail(c, at, key, "expected a date YYYY-MM-DD, \"today\" or \"today\" "
                             "+/- N y, m or d (N 1..200), e.g. \"today-3y\"");
    b->text = gdir_strdup(it->valuestring);
    return b->text ? GDIR_OK : oom(c);
}

static int ld_dates(const struct forms_ld *c, const cJSON *obj, const char *at,
                    struct forms_field *fd)
{
    int rc, y0, m0, d0, y1, m1, d1;
    if ((rc = ld_bound(c, obj, at, "min", &fd->dmin)) ||
        (rc = ld_bound(c, obj, at, "max", &fd->dmax)))
        return rc;
    if (!fd->dmin.set || !fd->dmax.set || fd->dmin.relative != fd->dmax.relative)
        return GDIR_OK;   /* an absolute and a relative bound cross as time goes by */
    forms_bound_resolve(&fd->dmin, 2026, 1, 31, &y0, &m0, &d0);
    forms_bound_resolve(&fd->dmax, 2026, 1, 31, &y1, &m1, &d1);
    if (forms_days(y0, m0, d0) > forms_days(y1, m1, d1))
        return forms_ld_fail(c, at, "min", "after max (%s)", fd->dmax.text);
    return GDIR_OK;
}

static int ld_integer(const struct forms_ld *c, const cJSON *obj, const char *at,
                      struct forms_field *fd)
{
    const long lim = 1000000000000L;
    long v;
    int rc;
    fd->has_imin = cJSON_GetObjectItemCaseSensitive(obj, "min") != NULL;
    fd->has_imax = cJSON_GetObjectItemCaseSensitive(obj, "max") != NULL;
    if ((rc = forms_ld_int(c, obj, at, "min", 0, -lim, lim, 0, &v)))
        return rc;
    fd->imin = v;
    if ((rc = forms_ld_int(c, obj, at, "max", 0, -lim, lim, 0, &v)))
        return rc;
    fd->imax = v;
    if (fd->has_imin && fd->has_imax && fd->imin > fd->imax)
        return forms_ld_fail(c, at, "min", "greater than max (%lld)", fd->imax);
    return GDIR_OK;
}

static int ld_options(const struct forms_ld *c, const cJSON *obj, const char *at,
                      struct forms_field *fd)
{
    static const char *const keys[] = { "value", "label", NULL };
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "options"), *it;
    size_t i = 0;
    int rc;

    if (!arr || !cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1)
        return forms_ld_fail(c, at, "options", "a %s needs at least one option%s",
                             forms_type_names[fd->type],
                             arr && !cJSON_IsArray(arr) ? " (an array of { value, label })" : "");
    if (cJSON_GetArraySize(arr) > FORMS_MAX_ITEMS)
        return forms_ld_fail(c, at, "options", "more than %d options", FORMS_MAX_ITEMS);
    if (!(fd->options = calloc((size_t)cJSON_GetArraySize(arr), sizeof *fd->options)))
        return oom(c);
    cJSON_ArrayForEach(it, arr) {
        char o[256];
        struct forms_option *op = &fd->options[fd->n_options++];
        snprintf(o, sizeof o, "%.200s%soptions[%zu]", at, *at ? "." : "", i++);
        if (!cJSON_IsObject(it))
            return forms_ld_fail(c, o, NULL, "expected an object { value, label }");
        if ((rc = gdir_cjson_check_keys(it, keys, c->file, o, c->err)) ||
            (rc = forms_ld_str(c, it, o, "value", 1, &op->value)) ||
            (rc = forms_ld_str(c, it, o, "label", 1, &op->label)))
            return rc;
        if (strlen(op->value) > 100)
            return forms_ld_fail(c, o, "value", "longer than 100 bytes");
        for (size_t j = 0; j + 1 < fd->n_options; j++)
            if (strcmp(fd->options[j].value, op->value) == 0)
                return forms_ld_fail(c, o, "value", "\"%s\" is given twice", op->value);
    }
    return GDIR_OK;
}

static int ld_choice(const struct forms_ld *c, const cJSON *obj, const char *at,
                     struct forms_field *fd)
{
    int rc = ld_options(c, obj, at, fd);
    if (rc)
        return rc;
    if (fd->type == FT_MULTICHOICE) {
        long n = (long)fd->n_options;
        if ((rc = forms_ld_int(c, obj, at, "min_items", 0, 0, n, 0, &fd->min_items)) ||
            (rc = forms_ld_int(c, obj, at, "max_items", 0, 1, n, n, &fd->max_items)))
            return rc;
        if (fd->min_items > fd->max_items)
            return forms_ld_fail(c, at, "min_items", "greater than max_items (%ld)",
                                 fd->max_items);
        return GDIR_OK;
    }
    if ((rc = forms_ld_str(c, obj, at, "display", 0, &fd->display)))
        return rc;
    if (fd->display && strcmp(fd->display, "radio") != 0 && strcmp(fd->display, "select") != 0)
        return forms_ld_fail(c, at, "display", "expected \"radio\" or \"select\"");
    if (!fd->display && !(fd->display = gdir_strdup("radio")))
        return oom(c);
    return GDIR_OK;
}

static int ld_place(const struct forms_ld *c, const cJSON *obj, const char *at,
                    const struct forms_scope *scope, struct forms_field *fd)
{
    const struct forms_field *ref;
    int rc;
    if ((rc = forms_ld_str(c, obj, at, "category", 0, &fd->category)) ||
        (rc = forms_ld_str(c, obj, at, "commune_from", 0, &fd->commune_from)))
        return rc;
    if (fd->category && !gdir_category_find(fd->category))
        return forms_ld_fail(c, at, "category", "\"%s\" is not a category of the taxonomy",
                             fd->category);
    if (fd->commune_from) {
        ref = forms_scope_find(scope, fd->commune_from);
        if (!ref || ref->type != FT_ADDRESS)
            return forms_ld_fail(c, at, "commune_from", "\"%s\" is not an address field "
                                 "declared before this one", fd->commune_from);
    }
    return GDIR_OK;
}

static int ld_repeat(const struct forms_ld *c, const cJSON *obj, const char *at,
                     const struct forms_scope *scope, struct forms_field *fd, int depth)
{
    const cJSON *arr;
    char in[200];
    size_t cap = 0;
    int rc;

    if (depth > 0)
        return forms_ld_fail(c, at, "type", "a repeat cannot contain another repeat");
    if ((rc = forms_ld_int(c, obj, at, "max_items", 0, 1, FORMS_MAX_ITEMS, 10, &fd->max_items)) ||
        (rc = forms_ld_int(c, obj, at, "min_items", 0, 0, FORMS_MAX_ITEMS, 0, &fd->min_items)) ||
        (rc = forms_ld_str(c, obj, at, "item_label", 0, &fd->item_label)) ||
        (rc = forms_ld_array(c, obj, at, "fields", 1, 1, &arr)))
        return rc;
    if (fd->min_items > fd->max_items)
        return forms_ld_fail(c, at, "min_items", "greater than max_items (%ld)", fd->max_items);
    if (!fd->item_label && !(fd->item_label = gdir_strdup(fd->label)))
        return oom(c);
    forms_ld_path(in, sizeof in, at, "fields");
    return forms_ld_fields(c, arr, in, scope, &fd->fields, &fd->n_fields, &cap, depth + 1);
}

static int ld_file(const struct forms_ld *c, const cJSON *obj, const char *at,
                   struct forms_field *fd)
{
    const cJSON *arr, *it;
    long size;
    int rc;

    if ((rc = forms_ld_int(c, obj, at, "max_size", 0, 1, (long)FORMS_MAX_FILE_SIZE,
                           (long)FORMS_DEFAULT_FILE_SIZE, &size)) ||
        (rc = forms_ld_int(c, obj, at, "max_files", 0, 1, FORMS_MAX_FILES, 1, &fd->max_files)) ||
        (rc = forms_ld_array(c, obj, at, "accept", 0, 1, &arr)))
        return rc;
    fd->max_size = (size_t)size;
    fd->accept = arr ? 0 : (1u << FORMS_N_FILE_TYPES) - 1;
    cJSON_ArrayForEach(it, arr) {
        int k = -1;
        for (int i = 0; i < FORMS_N_FILE_TYPES && cJSON_IsString(it); i++)
            if (strcmp(it->valuestring, forms_file_types[i]) == 0)
                k = i;
        if (k < 0)
            return forms_ld_fail(c, at, "accept", "expected \"pdf\", \"jpeg\" or \"png\"");
        if (fd->accept & (1u << k))
            return forms_ld_fail(c, at, "accept", "\"%s\" is given twice", forms_file_types[k]);
        fd->accept |= 1u << k;
    }
    return GDIR_OK;
}

static int ld_type(const struct forms_ld *c, const cJSON *obj, const char *at,
                   struct forms_field *fd)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "type");
    if (!t)
        return forms_ld_fail(c, at, "type", "missing");
    for (int i = 0; i < FT_COUNT; i++)
        if (cJSON_IsString(t) && strcmp(t->valuestring, forms_type_names[i]) == 0) {
            fd->type = (enum forms_type)i;
            return GDIR_OK;
        }
    return forms_ld_fail(c, at, "type", "unknown type %s%s%s (allowed: text, textarea, email, "
                         "phone, date, integer, choice, multichoice, yesno, checkbox, address, "
                         "place, repeat, file, section, info)", cJSON_IsString(t) ? "\"" : "",
                         cJSON_IsString(t) ? t->valuestring : "(not a string)",
                         cJSON_IsString(t) ? "\"" : "");
}

/* id, label, help, required, autocomplete: what every field has. */
static int ld_common(const struct forms_ld *c, const cJSON *obj, const char *at,
                     const struct forms_scope *siblings, struct forms_field *fd)
{
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(obj, "required");
    int rc;

    if ((rc = forms_ld_str(c, obj, at, "id", 1, &fd->id)))
        return rc;
    if (!is_id(fd->id))
        return forms_ld_fail(c, at, "id", "expected [a-z0-9_]{1,40}, not \"%s\"", fd->id);
    for (size_t i = 0; i < siblings->n; i++)
        if (strcmp(siblings->v[i].id, fd->id) == 0)
            return forms_ld_fail(c, at, "id", "\"%s\" is already the id of another field at "
                                 "this level", fd->id);
    if ((rc = forms_ld_str(c, obj, at, "label", 1, &fd->label)) ||
        (rc = forms_ld_str(c, obj, at, "help", 0, &fd->help)) ||
        (rc = forms_ld_str(c, obj, at, "autocomplete", 0, &fd->autocomplete)))
        return rc;
    if (req && !cJSON_IsBool(req))
        return forms_ld_fail(c, at, "required", "expected true or false");
    fd->required = cJSON_IsTrue(req);
    if (fd->autocomplete) {
        for (const char *const *t = autocomplete_tokens; *t; t++)
            if (strcmp(*t, fd->autocomplete) == 0)
                return GDIR_OK;
        return forms_ld_fail(c, at, "autocomplete", "\"%s\" is not an HTML autofill token "
                             "(given-name, family-name, bday, tel, email, street-address, "
                             "postal-code…)", fd->autocomplete);
    }
    return GDIR_OK;
}

static int ld_field(const struct forms_ld *c, const cJSON *obj, const char *at,
                    const struct forms_scope *scope, struct forms_field *fd, int depth)
{
    int rc;

    if (!cJSON_IsObject(obj))
        return forms_ld_fail(c, at, NULL, "expected an object { id, type, label, … }");
    if ((rc = ld_type(c, obj, at, fd)) ||
        (rc = gdir_cjson_check_keys(obj, type_keys[fd->type], c->file, at, c->err)) ||
        (rc = ld_common(c, obj, at, scope, fd)) || (rc = ld_cond(c, obj, at, scope, fd)))
        return rc;
    switch (fd->type) {
    case FT_TEXT:
        return (rc = ld_lengths(c, obj, at, fd)) ? rc : ld_pattern(c, obj, at, fd);
    case FT_TEXTAREA:
        return ld_lengths(c, obj, at, fd);
    case FT_DATE:
        return ld_dates(c, obj, at, fd);
    case FT_INTEGER:
        return ld_integer(c, obj, at, fd);
    case FT_CHOICE:
    case FT_MULTICHOICE:
        return ld_choice(c, obj, at, fd);
    case FT_PLACE:
        return ld_place(c, obj, at, scope, fd);
    case FT_REPEAT:
        return ld_repeat(c, obj, at, scope, fd, depth);
    case FT_FILE:
        return ld_file(c, obj, at, fd);
    default:
        return GDIR_OK;
    }
}

int forms_ld_fields(const struct forms_ld *c, const cJSON *arr, const char *where,
                    const struct forms_scope *up, struct forms_field **out, size_t *n,
                    size_t *cap, int depth)
{
    const cJSON *it;
    size_t i = 0;
    int rc;

    cJSON_ArrayForEach(it, arr) {
        char at[200];
        if (*n >= 500)
            return forms_ld_fail(c, where, NULL, "more than 500 fields");
        if (gdir_grow(out, cap, *n + 1, sizeof **out))
            return oom(c);
        memset(&(*out)[*n], 0, sizeof **out);
        (*n)++;   /* owned from here, even when incomplete */
        struct forms_scope scope = { *out, *n - 1, up };
        snprintf(at, sizeof at, "%s[%zu]", where, i++);
        if ((rc = ld_field(c, it, at, &scope, &(*out)[*n - 1], depth)))
            return rc;
    }
    return GDIR_OK;
}

void forms_fields_free(struct forms_field *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct forms_field *f = &v[i];
        free(f->id);
        free(f->label);
        free(f->help);
        free(f->autocomplete);
        free(f->cond.field);
        cJSON_Delete(f->cond.value);
        free(f->pattern);
        free(f->pattern_message);
        if (f->has_re)
            regfree(&f->re);
        free(f->dmin.text);
        free(f->dmax.text);
        for (size_t j = 0; j < f->n_options; j++) {
            free(f->options[j].value);
            free(f->options[j].label);
        }
        free(f->options);
        free(f->display);
        free(f->category);
        free(f->commune_from);
        forms_fields_free(f->fields, f->n_fields);
        free(f->item_label);
    }
    free(v);
}
