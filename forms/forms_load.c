/*
 * forms_load.c — reading one form definition file (docs/forms.md §1): the top level, the
 * handler, the RGPD notice, the retention rule, the statuses and the pages; the fields
 * themselves are read by forms_fields.c. Every error is "FILE: path.to.member: reason" with
 * GDIR_ECONFIG; unknown members are refused.
 */
#include "forms_internal.h"

#include "gdir_buf.h"
#include "gdir_cjson.h"
#include "gdir_fs.h"
#include "gdir_mem.h"
#include "gdir_text.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORMS_FILE_MAX (512 * 1024)

const char *const forms_notice_keys[FORMS_N_NOTICE + 1] = {
    "controller", "purpose", "legal_basis", "recipients", "retention", "rights", "contact", NULL
};

const char *const forms_common_statuses[] = {
    "deposee", "en_instruction", "complement_demande", "complement_recu", "acceptee", "refusee",
    "sans_suite", "retiree", NULL
};

void forms_ld_path(char *out, size_t cap, const char *where, const char *key)
{
    snprintf(out, cap, "%s%s%s", where ? where : "", where && *where && key && *key ? "." : "",
             key ? key : "");
}

int forms_ld_fail(const struct forms_ld *c, const char *where, const char *key,
                  const char *fmt, ...)
{
    char path[256], reason[320];
    va_list ap;

    forms_ld_path(path, sizeof path, where, key);
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    if (path[0])
        return gdir_err_set_param(c->err, GDIR_ECONFIG, path, "%s: %s: %s", c->file, path,
                                  reason);
    return gdir_err_set(c->err, GDIR_ECONFIG, "%s: %s", c->file, reason);
}

int forms_ld_str(const struct forms_ld *c, const cJSON *obj, const char *where, const char *key,
                 int required, char **out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!it)
        return required ? forms_ld_fail(c, where, key, "missing") : GDIR_OK;
    if (!cJSON_IsString(it))
        return forms_ld_fail(c, where, key, "expected a string");
    if (!it->valuestring[0])
        return forms_ld_fail(c, where, key, "must not be empty");
    *out = gdir_strdup(it->valuestring);
    return *out ? GDIR_OK : gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
}

int forms_ld_int(const struct forms_ld *c, const cJSON *obj, const char *where, const char *key,
                 int required, long min, long max, long dflt, long *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = dflt;
    if (!it)
        return required ? forms_ld_fail(c, where, key, "missing") : GDIR_OK;
    double v = it->valuedouble;
    if (!cJSON_IsNumber(it) || v != floor(v) || v < (double)min || v > (double)max)
        return forms_ld_fail(c, where, key, "expected an integer from %ld to %ld", min, max);
    *out = (long)v;
    return GDIR_OK;
}

int forms_ld_array(const struct forms_ld *c, const cJSON *obj, const char *where, const char *key,
                   int required, int min, const cJSON **out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!it)
        return required ? forms_ld_fail(c, where, key, "missing") : GDIR_OK;
    if (!cJSON_IsArray(it))
        return forms_ld_fail(c, where, key, "expected an array");
    if (cJSON_GetArraySize(it) < min)
        return forms_ld_fail(c, where, key, "needs at least %d element%s", min,
                             min > 1 ? "s" : "");
    *out = it;
    return GDIR_OK;
}

/* An object member (required), its keys checked against keys. */
static int ld_object(const struct forms_ld *c, const cJSON *obj, const char *key,
                     const char *const *keys, const cJSON **out)
{
    *out = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!*out)
        return forms_ld_fail(c, "", key, "missing");
    if (!cJSON_IsObject(*out))
        return forms_ld_fail(c, "", key, "expected an object");
    return gdir_cjson_check_keys(*out, keys, c->file, key, c->err);
}

static int valid_chars(const char *s, const char *extra, size_t max)
{
    size_t n = strlen(s);
    if (n < 1 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || strchr(extra, s[i])))
            return 0;
    return 1;
}

static int in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

/* An array of non-empty strings into *out / *n; unique ones when unique is set. */
static int ld_strings(const struct forms_ld *c, const cJSON *arr, const char *where,
                      int unique, char ***out, size_t *n)
{
    const cJSON *it;
    size_t i = 0;
    *n = 0;
    *out = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof **out);
    if (!*out)
        return gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
    cJSON_ArrayForEach(it, arr) {
        char at[160];
        snprintf(at, sizeof at, "%s[%zu]", where, i++);
        if (!cJSON_IsString(it) || !it->valuestring[0])
            return forms_ld_fail(c, at, NULL, "expected a non-empty string");
        if (unique && in_list(it->valuestring, (const char *const *)*out, *n))
            return forms_ld_fail(c, at, NULL, "\"%s\" is given twice", it->valuestring);
        if (!((*out)[(*n)++] = gdir_strdup(it->valuestring)))
            return gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
    }
    return GDIR_OK;
}

static int ld_communes(const struct forms_ld *c, const cJSON *root, struct form_def *f)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, "communes");
    int rc;
    if (!it)
        return forms_ld_fail(c, "", "communes", "missing (\"all\" or an array of INSEE codes)");
    if (cJSON_IsString(it) && strcmp(it->valuestring, "all") == 0) {
        f->all_communes = 1;
        f->communes = calloc(c->n_terr + 1, sizeof *f->communes);
        if (!f->communes)
            return gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
        for (size_t i = 0; i < c->n_terr; i++)
            if (!(f->communes[f->n_communes++] = gdir_strdup(c->terr[i])))
                return gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
        return GDIR_OK;
    }
    if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) < 1)
        return forms_ld_fail(c, "", "communes", "expected \"all\" or a non-empty array of INSEE "
                             "codes");
    if ((rc = ld_strings(c, it, "communes", 1, &f->communes, &f->n_communes)))
        return rc;
    for (size_t i = 0; i < f->n_communes; i++)
        if (!in_list(f->communes[i], c->terr, c->n_terr)) {
            char at[32];
            snprintf(at, sizeof at, "communes[%zu]", i);
            return forms_ld_fail(c, at, NULL, "\"%s\" is not a member commune of the territory",
                                 f->communes[i]);
        }
    return GDIR_OK;
}

static int ld_handler(const struct forms_ld *c, const cJSON *root, struct form_def *f)
{
    static const char *const keys[] = { "by", "field", "service", "label", NULL };
    const cJSON *h;
    char *by = NULL;
    int rc;

    if ((rc = ld_object(c, root, "handler", keys, &h)) || (rc = forms_ld_str(c, h, "handler",
                                                                              "by", 1, &by)))
        goto out;
    if (strcmp(by, "commune") == 0 || strcmp(by, "choice") == 0) {
        f->handler = by[0] == 'c' && by[1] == 'o' ? HANDLER_COMMUNE : HANDLER_CHOICE;
        if (cJSON_GetObjectItemCaseSensitive(h, "service") ||
            cJSON_GetObjectItemCaseSensitive(h, "label")) {
            rc = forms_ld_fail(c, "handler", NULL, "\"service\" and \"label\" go with "
                               "\"by\": \"service\" only");
            goto out;
        }
        rc = forms_ld_str(c, h, "handler", "field", 1, &f->handler_field);
    } else if (strcmp(by, "service") == 0) {
        f->handler = HANDLER_SERVICE;
        if (cJSON_GetObjectItemCaseSensitive(h, "field")) {
            rc = forms_ld_fail(c, "handler", "field", "goes with \"by\": \"commune\" or "
                               "\"choice\" only");
            goto out;
        }
        if ((rc = forms_ld_str(c, h, "handler", "service", 1, &f->service)) ||
            (rc = forms_ld_str(c, h, "handler", "label", 1, &f->service_label)))
            goto out;
        if (!valid_chars(f->service, "_-", 40))
            rc = forms_ld_fail(c, "handler", "service", "expected [a-z0-9_-]{1,40}");
    } else {
        rc = forms_ld_fail(c, "handler", "by", "expected \"commune\", \"service\" or \"choice\", "
                           "not \"%s\"", by);
    }
out:
    free(by);
    return rc;
}

/* The handler's field, once the fields are read: an address or a place (by commune: the
 * commune of the address, or of the place in the directory) or a choice of INSEE codes of the
 * territory (by choice), at the top level. */
static int check_handler_field(const struct forms_ld *c, const struct form_def *f)
{
    struct forms_scope top = { f->fields, f->n_fields, NULL };
    const struct forms_field *fd;

    if (f->handler == HANDLER_SERVICE)
        return GDIR_OK;
    fd = forms_scope_find(&top, f->handler_field);
    if (!fd)
        return forms_ld_fail(c, "handler", "field", "no top-level field \"%s\"", f->handler_field);
    if (f->handler == HANDLER_COMMUNE && fd->type != FT_ADDRESS && fd->type != FT_PLACE)
        return forms_ld_fail(c, "handler", "field", "\"%s\" is a %s field, not an address "
                             "or a place", f->handler_field, forms_type_names[fd->type]);
    if (f->handler == HANDLER_CHOICE) {
        if (fd->type != FT_CHOICE)
            return forms_ld_fail(c, "handler", "field", "\"%s\" is a %s field, not a choice",
                                 f->handler_field, forms_type_names[fd->type]);
        for (size_t i = 0; i < fd->n_options; i++)
            if (!forms_def_has_commune(f, fd->options[i].value))
                return forms_ld_fail(c, "handler", "field", "option \"%s\" of \"%s\" is not "
                                     "an INSEE code of the form's communes",
                                     fd->options[i].value, f->handler_field);
    }
    return GDIR_OK;
}

static int ld_notice(const struct forms_ld *c, const cJSON *root, struct form_def *f)
{
    const cJSON *n;
    int rc = ld_object(c, root, "notice", forms_notice_keys, &n);
    for (int i = 0; !rc && i < FORMS_N_NOTICE; i++)
        rc = forms_ld_str(c, n, "notice", forms_notice_keys[i], 1, &f->notice[i]);
    return rc;
}

/* "enfants.allergies": a top-level field, or a field of a top-level repeat. */
static const struct forms_field *find_path(const struct form_def *f, const char *path)
{
    char head[64];
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    struct forms_scope top = { f->fields, f->n_fields, NULL };
    const struct forms_field *fd;

    if (n >= sizeof head)
        return NULL;
    memcpy(head, path, n);
    head[n] = '\0';
    fd = forms_scope_find(&top, head);
    if (!fd || !dot)
        return fd;
    if (fd->type != FT_REPEAT)
        return NULL;
    struct forms_scope in = { fd->fields, fd->n_fields, NULL };
    return forms_scope_find(&in, dot + 1);
}

static int ld_retention(const struct forms_ld *c, const cJSON *root, struct form_def *f)
{
    static const char *const keys[] = { "months_after_closure", "health_fields", NULL };
    static const char *const hkeys[] = { "until", "fields", NULL };
    const cJSON *r, *h, *arr;
    long months;
    int rc;

    if ((rc = ld_object(c, root, "retention", keys, &r)) ||
        (rc = forms_ld_int(c, r, "retention", "months_after_closure", 1, 1, 120, 0, &months)))
        return rc;
    f->retention_months = (int)months;
    h = cJSON_GetObjectItemCaseSensitive(r, "health_fields");
    if (!h)
        return GDIR_OK;
    if (!cJSON_IsObject(h))
        return forms_ld_fail(c, "retention", "health_fields", "expected an object { \"until\": "
                             "\"end_of_school_year\", \"fields\": [paths] }");
    if ((rc = gdir_cjson_check_keys(h, hkeys, c->file, "retention.health_fields", c->err)) ||
        (rc = forms_ld_str(c, h, "retention.health_fields", "until", 1, &f->health_until)))
        return rc;
    if (strcmp(f->health_until, "end_of_school_year") != 0)
        return forms_ld_fail(c, "retention.health_fields", "until", "expected "
                             "\"end_of_school_year\"");
    if ((rc = forms_ld_array(c, h, "retention.health_fields", "fields", 1, 1, &arr)) ||
        (rc = ld_strings(c, arr, "retention.health_fields.fields", 1, &f->health_fields,
                         &f->n_health_fields)))
        return rc;
    return GDIR_OK;
}

static int check_health_fields(const struct forms_ld *c, const struct form_def *f)
{
    for (size_t i = 0; i < f->n_health_fields; i++) {
        const struct forms_field *fd = find_path(f, f->health_fields[i]);
        char at[64];
        snprintf(at, sizeof at, "retention.health_fields.fields[%zu]", i);
        if (!fd || fd->type == FT_SECTION || fd->type == FT_INFO)
            return forms_ld_fail(c, at, NULL, "no field \"%s\" (a top-level id, or "
                                 "repeat.id for a field of a repeat)", f->health_fields[i]);
    }
    return GDIR_OK;
}

/* One entry of "statuses": a status of the form's own ({ id, label, after, final }), or a new
 * label for a status of the common set ({ id, label }, docs/forms.md §1.4). */
static int ld_status(const struct forms_ld *c, const cJSON *it, const char *at,
                     struct form_def *f)
{
    static const char *const keys[] = { "id", "label", "after", "final", NULL };
    struct forms_status *s = &f->statuses[f->n_statuses];
    const cJSON *final = cJSON_GetObjectItemCaseSensitive(it, "final");
    int rc, common;

    if (!cJSON_IsObject(it))
        return forms_ld_fail(c, at, NULL, "expected an object { id, label, after }");
    if ((rc = gdir_cjson_check_keys(it, keys, c->file, at, c->err)))
        return rc;
    f->n_statuses++;   /* owned from here, even when incomplete */
    if ((rc = forms_ld_str(c, it, at, "id", 1, &s->id)) ||
        (rc = forms_ld_str(c, it, at, "label", 1, &s->label)))
        return rc;
    if (!valid_chars(s->id, "_", 40) || strpbrk(s->id, "0123456789"))
        return forms_ld_fail(c, at, "id", "expected [a-z_]{1,40}, not \"%s\"", s->id);
    for (size_t i = 0; i + 1 < f->n_statuses; i++)
        if (strcmp(f->statuses[i].id, s->id) == 0)
            return forms_ld_fail(c, at, "id", "\"%s\" is given twice", s->id);
    common = in_list(s->id, forms_common_statuses, 8);
    if (common && (cJSON_GetObjectItemCaseSensitive(it, "after") || final))
        return forms_ld_fail(c, at, final ? "final" : "after", "\"%s\" is a common status: "
                             "give only its label to rename it for this form (docs/forms.md "
                             "§1.4)", s->id);
    if (final && !cJSON_IsBool(final))
        return forms_ld_fail(c, at, "final", "expected true or false");
    s->final = cJSON_IsTrue(final);
    if (common)
        return GDIR_OK;
    if ((rc = forms_ld_str(c, it, at, "after", 1, &s->after)))
        return rc;
    int known = in_list(s->after, forms_common_statuses, 8);
    for (size_t i = 0; !known && i + 1 < f->n_statuses; i++)
        known = strcmp(f->statuses[i].id, s->after) == 0;
    if (!known)
        return forms_ld_fail(c, at, "after", "\"%s\" is neither a common status nor an "
                             "earlier status of this form", s->after);
    return GDIR_OK;
}

static int ld_statuses(const struct forms_ld *c, const cJSON *root, struct form_def *f)
{
    const cJSON *arr, *it;
    size_t i = 0;
    int rc = forms_ld_array(c, root, "", "statuses", 0, 0, &arr);
    if (rc || !arr)
        return rc;
    f->statuses = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *f->statuses);
    if (!f->statuses)
        return gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
    cJSON_ArrayForEach(it, arr) {
        char at[32];
        snprintf(at, sizeof at, "statuses[%zu]", i++);
        if ((rc = ld_status(c, it, at, f)))
            return rc;
    }
    return GDIR_OK;
}

static int ld_pages(const struct forms_ld *c, const cJSON *root, struct form_def *f)
{
    static const char *const keys[] = { "title", "fields", NULL };
    const cJSON *arr, *it, *fields;
    size_t i = 0, cap = 0;
    int rc = forms_ld_array(c, root, "", "pages", 1, 1, &arr);
    if (rc)
        return rc;
    f->pages = calloc((size_t)cJSON_GetArraySize(arr), sizeof *f->pages);
    if (!f->pages)
        return gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
    cJSON_ArrayForEach(it, arr) {
        char at[32];
        struct forms_page *p = &f->pages[f->n_pages++];
        snprintf(at, sizeof at, "pages[%zu]", i++);
        if (!cJSON_IsObject(it))
            return forms_ld_fail(c, at, NULL, "expected an object { title, fields }");
        if ((rc = gdir_cjson_check_keys(it, keys, c->file, at, c->err)) ||
            (rc = forms_ld_str(c, it, at, "title", 1, &p->title)) ||
            (rc = forms_ld_array(c, it, at, "fields", 1, 1, &fields)))
            return rc;
        p->first = f->n_fields;
        snprintf(at + strlen(at), sizeof at - strlen(at), ".fields");
        /* ids are unique among all the pages' fields: one values object */
        if ((rc = forms_ld_fields(c, fields, at, NULL, &f->fields, &f->n_fields, &cap, 0)))
            return rc;
        p->n = f->n_fields - p->first;
    }
    return GDIR_OK;
}

static int ld_head(const struct forms_ld *c, const cJSON *root, const char *stem,
                   struct form_def *f)
{
    const cJSON *kw;
    long version;
    int rc;

    if ((rc = forms_ld_str(c, root, "", "id", 1, &f->id)))
        return rc;
    if (!valid_chars(f->id, "-", 40))
        return forms_ld_fail(c, "", "id", "expected [a-z0-9-]{1,40}, not \"%s\"", f->id);
    if (strcmp(f->id, stem) != 0)
        return forms_ld_fail(c, "", "id", "\"%s\" differs from the file name (expected "
                             "\"%s\")", f->id, stem);
    if ((rc = forms_ld_int(c, root, "", "version", 1, 1, 1000000, 1, &version)))
        return rc;
    f->version = (int)version;
    if ((rc = forms_ld_str(c, root, "", "title", 1, &f->title)) ||
        (rc = forms_ld_str(c, root, "", "description", 1, &f->description)) ||
        (rc = forms_ld_str(c, root, "", "category", 1, &f->category)) ||
        (rc = forms_ld_str(c, root, "", "receipt", 0, &f->receipt)) ||
        (rc = forms_ld_array(c, root, "", "keywords", 0, 0, &kw)))
        return rc;
    if (kw && (rc = ld_strings(c, kw, "keywords", 0, &f->keywords, &f->n_keywords)))
        return rc;
    return GDIR_OK;
}

/* The file name without its folder and ".json" into stem; 0 when it does not end so. */
static int file_stem(const char *path, char *stem, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n < 6 || strcmp(base + n - 5, ".json") != 0 || n - 5 >= cap)
        return 0;
    memcpy(stem, base, n - 5);
    stem[n - 5] = '\0';
    return 1;
}

static int ld_def(const struct forms_ld *c, const cJSON *root, const char *stem,
                  struct form_def *f)
{
    static const char *const keys[] = {
        "id", "version", "title", "description", "category", "keywords", "communes", "handler",
        "notice", "retention", "statuses", "receipt", "notifications", "pages", NULL
    };
    int rc;

    if (!cJSON_IsObject(root))
        return forms_ld_fail(c, "", NULL, "expected a JSON object");
    if ((rc = gdir_cjson_check_keys(root, keys, c->file, "", c->err)) ||
        (rc = ld_head(c, root, stem, f)) || (rc = ld_communes(c, root, f)) ||
        (rc = ld_handler(c, root, f)) || (rc = ld_notice(c, root, f)) ||
        (rc = ld_retention(c, root, f)) || (rc = ld_statuses(c, root, f)) ||
        (rc = forms_ld_notifications(c, root, f)) || (rc = ld_pages(c, root, f)) || (rc = check_handler_field(c, f)) ||
        (rc = check_health_fields(c, f)))
        return rc;
    return forms_build_json(f, c->err);
}

int forms_def_load(struct form_def **out, const char *path, const char *const *communes,
                   size_t n, struct gdir_err *err)
{
    struct forms_ld c = { path, communes, n, err };
    struct form_def *f = NULL;
    char *text = NULL, stem[64];
    size_t len = 0;
    cJSON *root = NULL;
    int rc;

    *out = NULL;
    if (!file_stem(path, stem, sizeof stem)) {
        rc = forms_ld_fail(&c, "", NULL, "the file name must be <id>.json");
        goto out;
    }
    if ((rc = gdir_file_read(path, FORMS_FILE_MAX, &text, &len, err))) {
        if (rc == GDIR_EIO || rc == GDIR_ETOOBIG)
            rc = err->code = GDIR_ECONFIG;
        goto out;
    }
    if (!gdir_utf8_valid(text, len)) {
        rc = forms_ld_fail(&c, "", NULL, "not valid UTF-8 (save the file as UTF-8)");
        goto out;
    }
    if (!(root = gdir_cjson_parse(text, len, path, GDIR_ECONFIG, err))) {
        rc = GDIR_ECONFIG;
        goto out;
    }
    if (!(f = calloc(1, sizeof *f))) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = ld_def(&c, root, stem, f)))
        goto out;
    *out = f;
    f = NULL;
out:
    forms_def_free(f);
    cJSON_Delete(root);
    free(text);
    return rc;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void forms_def_free(struct form_def *f)
{
    if (!f)
        return;
    free(f->id);
    free(f->title);
    free(f->description);
    free(f->category);
    free(f->receipt);
    free_strings(f->keywords, f->n_keywords);
    free_strings(f->communes, f->n_communes);
    free(f->handler_field);
    free(f->service);
    free(f->service_label);
    for (int i = 0; i < FORMS_N_NOTICE; i++)
        free(f->notice[i]);
    free(f->health_until);
    free_strings(f->health_fields, f->n_health_fields);
    for (size_t i = 0; i < f->n_statuses; i++) {
        free(f->statuses[i].id);
        free(f->statuses[i].label);
        free(f->statuses[i].after);
    }
    free(f->statuses);
    forms_notify_free(f);
    for (size_t i = 0; i < f->n_pages; i++)
        free(f->pages[i].title);
    free(f->pages);
    forms_fields_free(f->fields, f->n_fields);
    free(f->json);
    free(f->summary_json);
    free(f);
}

int forms_def_has_commune(const struct form_def *f, const char *insee)
{
    return insee && in_list(insee, (const char *const *)f->communes, f->n_communes);
}
