/*
 * forms_validate.c — a resident's submission checked against its definition (docs/forms.md
 * §1.2, §1.3): the data part { "values": …, "website": "" } (the honeypot), the fields level
 * by level with their conditions (a hidden field is dropped and not required), repeat blocks
 * ("enfants[1].prenom"), the attached files (matched by path, counted, sized, typed by their
 * content), unknown values and files refused, every error collected at once; then the
 * routing (commune or service) and the normalised values.
 */
#include "forms_internal.h"

#include "gdir_hours.h"
#include "gdir_mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORMS_DATA_MAX (1024 * 1024)
#define FORMS_MAX_ERRORS 200   /* more are not reported (the resident has enough to do) */
#define MSG_UNREADABLE "Les données du formulaire sont illisibles : rechargez la page et " \
                       "réessayez."

/* The values of the levels being checked, innermost first (for show_if). */
struct vscope {
    const struct forms_field *defs;
    size_t n;
    const cJSON *out;
    const struct vscope *up;
};

int forms_fv_error(struct forms_fv *c, const char *path, const char *fmt, ...)
{
    struct forms_errors *e = c->errs;
    va_list ap;

    if (e->n >= FORMS_MAX_ERRORS)
        return GDIR_OK;   /* the resident has enough to correct */
    if (gdir_grow(&e->v, &e->cap, e->n + 1, sizeof *e->v))
        return gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
    snprintf(e->v[e->n].field, sizeof e->v[e->n].field, "%s", path);
    va_start(ap, fmt);
    vsnprintf(e->v[e->n].message, sizeof e->v[e->n].message, fmt, ap);
    va_end(ap);
    e->n++;
    return GDIR_OK;
}

/* The field named id and its normalised value (NULL when absent), innermost level first. */
static const struct forms_field *scope_value(const struct vscope *s, const char *id,
                                             const cJSON **v)
{
    for (; s; s = s->up)
        for (size_t i = 0; i < s->n; i++)
            if (strcmp(s->defs[i].id, id) == 0) {
                *v = cJSON_GetObjectItemCaseSensitive(s->out, id);
                return &s->defs[i];
            }
    *v = NULL;
    return NULL;
}

static int matches(const cJSON *v, const cJSON *want)
{
    const cJSON *it;
    if (cJSON_IsArray(v)) {   /* multichoice: one of the chosen options */
        cJSON_ArrayForEach(it, v) {
            if (cJSON_Compare(it, want, 1))
                return 1;
        }
        return 0;
    }
    return cJSON_Compare(v, want, 1);
}

static int shown(const struct forms_cond *cond, const struct vscope *s)
{
    const cJSON *v, *it;
    const struct forms_field *ref;

    if (cond->kind == COND_NONE)
        return 1;
    ref = scope_value(s, cond->field, &v);
    if (cond->kind == COND_FILLED) {
        int filled = !forms_value_empty(v) && !(ref && ref->type == FT_CHECKBOX &&
                                                cJSON_IsFalse(v));
        return filled == cond->filled;
    }
    if (!v)
        return 0;
    if (cond->kind == COND_EQUALS)
        return matches(v, cond->value);
    cJSON_ArrayForEach(it, cond->value) {
        if (matches(v, it))
            return 1;
    }
    return 0;
}

/* Marks the files of a hidden field (path) or of a hidden repeat (path[…) as dealt with. */
static void claim_hidden(struct forms_fv *c, const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < c->n_files; i++) {
        const char *p = c->files[i].path ? c->files[i].path : "";
        if (strncmp(p, path, n) == 0 && (p[n] == '\0' || p[n] == '['))
            c->claimed[i] = 1;
    }
}

static void size_text(size_t bytes, char *out, size_t cap)
{
    if (bytes % (1024 * 1024) == 0)
        snprintf(out, cap, "%zu Mo", bytes / (1024 * 1024));
    else
        snprintf(out, cap, "%zu Ko", (bytes + 1023) / 1024);
}

/* The accepted types as French text: "PDF", "PDF ou PNG", "PDF, JPEG ou PNG". */
static void accept_text(unsigned accept, char *out, size_t cap)
{
    static const char *const names[FORMS_N_FILE_TYPES] = { "PDF", "JPEG", "PNG" };
    int n = 0, total = 0;
    for (int i = 0; i < FORMS_N_FILE_TYPES; i++)
        total += !!(accept & (1u << i));
    out[0] = '\0';
    for (int i = 0; i < FORMS_N_FILE_TYPES; i++) {
        if (!(accept & (1u << i)))
            continue;
        n++;
        snprintf(out + strlen(out), cap - strlen(out), "%s%s",
                 n == 1 ? "" : n == total ? " ou " : ", ", names[i]);
    }
}

/* The file's name for a message: at most 60 bytes, cut on a character boundary. */
static void short_name(const char *name, char *out, size_t cap)
{
    size_t n = name ? strlen(name) : 0;
    if (n > 60) {
        n = 60;
        while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80)
            n--;
    }
    snprintf(out, cap, "%.*s", (int)n, name ? name : "");
}

static int one_file(struct forms_fv *c, const struct forms_field *d, const char *path,
                    size_t i)
{
    const struct forms_file *file = &c->files[i];
    const char *type = forms_sniff(file->data, file->len);
    char name[64], limit[32], kinds[32];
    int k = -1;

    short_name(file->filename, name, sizeof name);
    if (file->len == 0)
        return forms_fv_error(c, path, "Le fichier « %s » est vide : joignez-en un autre.", name);
    if (file->len > d->max_size) {
        size_text(d->max_size, limit, sizeof limit);
        return forms_fv_error(c, path, "Le fichier « %s » dépasse %s : joignez un fichier plus "
                              "léger.", name, limit);
    }
    for (int t = 0; type && t < FORMS_N_FILE_TYPES; t++)
        if (strcmp(type, forms_file_types[t]) == 0 && (d->accept & (1u << t)))
            k = t;
    if (k < 0) {
        accept_text(d->accept, kinds, sizeof kinds);
        return forms_fv_error(c, path, "Le fichier « %s » n'est pas au format %s : joignez un "
                              "fichier %s.", name, kinds, kinds);
    }
    if (gdir_grow(&c->acc, &c->cap_acc, c->n_acc + 1, sizeof *c->acc))
        return gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
    struct forms_accepted_file *a = &c->acc[c->n_acc++];
    snprintf(a->path, sizeof a->path, "%s", path);
    a->type = forms_file_types[k];
    a->mime = forms_file_mimes[k];
    a->input = i;
    return GDIR_OK;
}

static int check_files(struct forms_fv *c, const struct forms_field *d, const char *path)
{
    long count = 0;
    int rc;

    for (size_t i = 0; i < c->n_files; i++) {
        if (strcmp(c->files[i].path ? c->files[i].path : "", path) != 0)
            continue;
        c->claimed[i] = 1;
        if (++count > d->max_files)
            continue;
        if ((rc = one_file(c, d, path, i)))
            return rc;
    }
    if (count > d->max_files)
        return forms_fv_error(c, path, "Joignez au plus %ld fichier%s (%ld envoyés).",
                              d->max_files, d->max_files > 1 ? "s" : "", count);
    if (count == 0 && d->required)
        return forms_fv_error(c, path, "Joignez le fichier demandé.");
    return GDIR_OK;
}

static int check_level(struct forms_fv *c, const struct forms_field *defs, size_t n,
                       const cJSON *in, cJSON *out, const char *prefix,
                       const struct vscope *up);

static int check_repeat(struct forms_fv *c, const struct forms_field *d, const cJSON *v,
                        const char *path, const struct vscope *scope, cJSON *out)
{
    cJSON *items = NULL, *item;
    const cJSON *it;
    long n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0, i = 0;
    char prefix[FORMS_PATH_MAX];
    int rc = GDIR_OK;

    if (v && !cJSON_IsNull(v) && !cJSON_IsArray(v))
        return forms_fv_error(c, path, MSG_UNREADABLE);
    if (n < d->min_items && (rc = forms_fv_error(c, path, "Ajoutez au moins %ld élément%s "
                                                  "« %s ».", d->min_items,
                                                  d->min_items > 1 ? "s" : "", d->item_label)))
        return rc;
    if (n > d->max_items)
        return forms_fv_error(c, path, "Retirez des éléments : %ld « %s » au plus (%ld "
                              "actuellement).", d->max_items, d->item_label, n);
    if (n == 0)
        return GDIR_OK;
    if (!(items = cJSON_AddArrayToObject(out, d->id)))
        return gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
    cJSON_ArrayForEach(it, v) {
        snprintf(prefix, sizeof prefix, "%s[%ld]", path, i++);
        if (!cJSON_IsObject(it)) {
            if ((rc = forms_fv_error(c, prefix, MSG_UNREADABLE)))
                return rc;
            continue;
        }
        if (!(item = cJSON_CreateObject()) || !cJSON_AddItemToArray(items, item)) {
            cJSON_Delete(item);
            return gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
        }
        snprintf(prefix + strlen(prefix), sizeof prefix - strlen(prefix), ".");
        if ((rc = check_level(c, d->fields, d->n_fields, it, item, prefix, scope)))
            return rc;
    }
    return GDIR_OK;
}

/* One visible field of a level: its value checked and added to out. */
static int check_field(struct forms_fv *c, const struct forms_field *d, const cJSON *v,
                       const char *path, const struct vscope *scope, cJSON *out)
{
    cJSON *norm = NULL;
    int rc;

    if (d->type == FT_REPEAT)
        return check_repeat(c, d, v, path, scope, out);
    if (d->type == FT_FILE)
        return check_files(c, d, path);
    if (forms_value_empty(v)) {
        if (d->type == FT_CHECKBOX && d->required)
            return forms_fv_error(c, path, "Cochez cette case pour continuer.");
        if (d->type == FT_YESNO && d->required)
            return forms_fv_error(c, path, "Répondez par oui ou par non.");
        if (d->required)
            return forms_fv_error(c, path, "Ce champ est obligatoire.");
        if (d->type == FT_CHECKBOX && !cJSON_AddFalseToObject(out, d->id))
            return gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
        return GDIR_OK;
    }
    if ((rc = forms_value_check(c, d, v, path, &norm)) < 0) {
        cJSON_Delete(norm);
        return rc;
    }
    if (norm && !cJSON_AddItemToObject(out, d->id, norm)) {
        cJSON_Delete(norm);
        return gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
    }
    return GDIR_OK;
}

/* The members of in that are no value of this level (or given twice). */
static int check_unknown(struct forms_fv *c, const struct forms_field *defs, size_t n,
                         const cJSON *in, const char *prefix)
{
    const cJSON *it;
    char path[FORMS_PATH_MAX];
    int rc;

    cJSON_ArrayForEach(it, in) {
        int known = 0;
        if (c->errs->n >= FORMS_MAX_ERRORS)
            break;   /* and no quadratic scan of a huge object for duplicates */
        for (size_t i = 0; !known && i < n; i++)
            known = strcmp(defs[i].id, it->string) == 0 && defs[i].type != FT_SECTION &&
                    defs[i].type != FT_INFO && defs[i].type != FT_FILE;
        snprintf(path, sizeof path, "%s%s", prefix, it->string);
        if (!known)
            rc = forms_fv_error(c, path, "Ce champ ne fait pas partie du formulaire : "
                                "rechargez la page et réessayez.");
        else if (cJSON_GetObjectItemCaseSensitive(in, it->string) != it)
            rc = forms_fv_error(c, path, "Ce champ est envoyé deux fois : rechargez la page "
                                "et réessayez.");
        else
            continue;
        if (rc)
            return rc;
    }
    return GDIR_OK;
}

static int check_level(struct forms_fv *c, const struct forms_field *defs, size_t n,
                       const cJSON *in, cJSON *out, const char *prefix,
                       const struct vscope *up)
{
    struct vscope scope = { defs, n, out, up };
    char path[FORMS_PATH_MAX];
    int rc;

    for (size_t i = 0; i < n; i++) {
        const struct forms_field *d = &defs[i];
        if (d->type == FT_SECTION || d->type == FT_INFO)
            continue;
        snprintf(path, sizeof path, "%s%s", prefix, d->id);
        if (!shown(&d->cond, &scope)) {
            claim_hidden(c, path);   /* dropped, whatever was sent */
            continue;
        }
        if ((rc = check_field(c, d, cJSON_GetObjectItemCaseSensitive(in, d->id), path, &scope,
                              out)))
            return rc;
    }
    return check_unknown(c, defs, n, in, prefix);
}

/* The data part: an object { values: {…}, website: "" }; NULL (an error appended) when not. */
static int read_data(struct forms_fv *c, const char *data, size_t len, cJSON **root,
                     const cJSON **values)
{
    const cJSON *it, *hp;

    *values = NULL;
    if (len > FORMS_DATA_MAX)
        return forms_fv_error(c, "", "Les données du formulaire sont trop volumineuses.");
    *root = data ? cJSON_ParseWithLength(data, len) : NULL;
    if (!cJSON_IsObject(*root))
        return forms_fv_error(c, "", MSG_UNREADABLE);
    hp = cJSON_GetObjectItemCaseSensitive(*root, "website");
    if (hp && !(cJSON_IsString(hp) && hp->valuestring[0] == '\0') && !cJSON_IsNull(hp))
        return forms_fv_error(c, "", "Le formulaire n'a pas pu être envoyé : réessayez.");
    cJSON_ArrayForEach(it, *root) {
        if (strcmp(it->string, "values") != 0 && strcmp(it->string, "website") != 0)
            return forms_fv_error(c, "", MSG_UNREADABLE);
    }
    it = cJSON_GetObjectItemCaseSensitive(*root, "values");
    if (!cJSON_IsObject(it))
        return forms_fv_error(c, "", MSG_UNREADABLE);
    *values = it;
    return GDIR_OK;
}

/* The first e-mail value, top level first, then the repeats' items. */
static const char *first_email(const struct forms_field *defs, size_t n, const cJSON *out)
{
    const cJSON *v, *it;
    for (size_t i = 0; i < n; i++) {
        v = cJSON_GetObjectItemCaseSensitive(out, defs[i].id);
        if (defs[i].type == FT_EMAIL && cJSON_IsString(v))
            return v->valuestring;
    }
    for (size_t i = 0; i < n; i++) {
        if (defs[i].type != FT_REPEAT)
            continue;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(out, defs[i].id)) {
            const char *e = first_email(defs[i].fields, defs[i].n_fields, it);
            if (e)
                return e;
        }
    }
    return NULL;
}

/* Routing, e-mail, values: what a valid submission becomes. */
static int accept_submission(struct forms_fv *c, const cJSON *values, struct forms_submission *s)
{
    const struct form_def *f = c->f;
    const cJSON *h = f->handler_field ? cJSON_GetObjectItemCaseSensitive(values,
                                                                         f->handler_field) : NULL;
    const char *email = first_email(f->fields, f->n_fields, values);
    char *json;

    if (f->handler == HANDLER_COMMUNE && cJSON_IsString(h)) {     /* a place field */
        snprintf(s->commune, sizeof s->commune, "%s", c->place_commune);
        h = NULL;
    } else if (f->handler == HANDLER_COMMUNE) {
        h = cJSON_GetObjectItemCaseSensitive(h, "citycode");
    }
    if (cJSON_IsString(h))
        snprintf(s->commune, sizeof s->commune, "%s", h->valuestring);
    s->service = f->service;
    if (!(json = cJSON_PrintUnformatted(values)))
        return gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
    s->values_json = gdir_strdup(json);
    cJSON_free(json);
    if (email)
        s->email = gdir_strdup(email);
    if (!s->values_json || (email && !s->email))
        return gdir_err_set(c->err, GDIR_ENOMEM, "out of memory");
    s->files = c->acc;
    s->n_files = c->n_acc;
    c->acc = NULL;
    return GDIR_OK;
}

static int today(struct forms_fv *c)
{
    struct gdir_paris_time t;
    time_t now = c->env && c->env->now ? c->env->now : time(NULL);
    if (gdir_paris_from_utc(now, &t))
        return gdir_err_set(c->err, GDIR_EINVAL, "the date of today is out of range");
    c->ty = t.year;
    c->tm = t.month;
    c->td = t.day;
    return GDIR_OK;
}

int forms_validate(const struct form_def *f, const char *data, size_t len,
                   const struct forms_file *files, size_t n_files, const struct forms_env *env,
                   struct forms_submission *out, struct forms_errors *errs, struct gdir_err *err)
{
    struct forms_fv c = { f, env, files, n_files, NULL, 0, 0, 0, errs, NULL, 0, 0, err };
    size_t errs0 = errs->n;
    cJSON *root = NULL, *values = NULL;
    const cJSON *in;
    char path[FORMS_PATH_MAX];
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = today(&c)))
        goto out;
    if (!(c.claimed = calloc(n_files + 1, 1)) || !(values = cJSON_CreateObject())) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = read_data(&c, data, len, &root, &in)) || !in)
        goto out;
    if ((rc = check_level(&c, f->fields, f->n_fields, in, values, "", NULL)))
        goto out;
    for (size_t i = 0; i < n_files; i++) {
        if (c.claimed[i])
            continue;
        snprintf(path, sizeof path, "%s", files[i].path ? files[i].path : "");
        if ((rc = forms_fv_error(&c, path, "Ce fichier ne correspond à aucun champ du "
                                 "formulaire : rechargez la page et réessayez.")))
            goto out;
    }
    if (errs->n == errs0)
        rc = accept_submission(&c, values, out);
out:
    if (rc == GDIR_OK && errs->n > errs0) {
        rc = GDIR_EINVAL;
        gdir_err_set(err, rc, "the submission has %zu error%s", errs->n - errs0,
                     errs->n - errs0 > 1 ? "s" : "");
    }
    if (rc) {
        if (rc != GDIR_EINVAL)
            errs->n = errs0;   /* not the resident's fault: no field errors */
        forms_submission_free(out);
    }
    free(c.acc);
    free(c.claimed);
    cJSON_Delete(values);
    cJSON_Delete(root);
    return rc;
}

void forms_submission_free(struct forms_submission *s)
{
    if (!s)
        return;
    free(s->values_json);
    free(s->email);
    free(s->files);
    memset(s, 0, sizeof *s);
}

void forms_errors_free(struct forms_errors *e)
{
    if (!e)
        return;
    free(e->v);
    memset(e, 0, sizeof *e);
}
