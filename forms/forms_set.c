/*
 * forms_set.c — a territory's set of form definitions: loading a folder (every *.json,
 * sorted by name) or one file, finding a form, and the read-only accessors of gdir_forms.h.
 */
#include "forms_internal.h"

#include "gdir_mem.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORMS_MAX_DEFS 200

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int set_add(struct forms_set *set, const char *path, const char *const *communes,
                   size_t n, struct gdir_err *err)
{
    struct form_def *f;
    int rc = forms_def_load(&f, path, communes, n, err);
    if (rc)
        return rc;
    if (gdir_grow(&set->v, &set->cap, set->n + 1, sizeof *set->v)) {
        forms_def_free(f);
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    }
    set->v[set->n++] = f;
    return GDIR_OK;
}

/* The names of dir's *.json files (not hidden ones), sorted, into *names / *n. */
static int list_json(const char *dir, char ***names, size_t *n, struct gdir_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t cap = 0;
    int rc = GDIR_OK;

    *names = NULL;
    *n = 0;
    if (!d)
        return gdir_err_set(err, GDIR_ECONFIG, "%s: %s", dir, strerror(errno));
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        if (*n >= FORMS_MAX_DEFS) {
            rc = gdir_err_set(err, GDIR_ECONFIG, "%s: more than %d form definitions", dir,
                              FORMS_MAX_DEFS);
            break;
        }
        if (gdir_grow(names, &cap, *n + 1, sizeof **names) ||
            !((*names)[*n] = gdir_strdup(e->d_name))) {
            rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(*names, *n, sizeof **names, cmp_names);
    return rc;
}

int forms_load_dir(struct forms_set **out, const char *dir, const char *const *communes,
                   size_t n, struct gdir_err *err)
{
    struct forms_set *set = calloc(1, sizeof *set);
    char **names = NULL;
    size_t n_names = 0;
    int rc;

    *out = NULL;
    if (!set)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if ((rc = list_json(dir, &names, &n_names, err)))
        goto out;
    for (size_t i = 0; i < n_names; i++) {
        size_t len = strlen(dir) + strlen(names[i]) + 2;
        char *path = malloc(len);
        if (!path) {
            rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
            goto out;
        }
        snprintf(path, len, "%s/%s", dir, names[i]);
        rc = set_add(set, path, communes, n, err);
        free(path);
        if (rc)
            goto out;
    }
    *out = set;
    set = NULL;
out:
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    forms_set_free(set);
    return rc;
}

int forms_load_file(struct forms_set **out, const char *path, const char *const *communes,
                    size_t n, struct gdir_err *err)
{
    struct forms_set *set = calloc(1, sizeof *set);
    int rc;

    *out = NULL;
    if (!set)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if ((rc = set_add(set, path, communes, n, err))) {
        forms_set_free(set);
        return rc;
    }
    *out = set;
    return GDIR_OK;
}

void forms_set_free(struct forms_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->n; i++)
        forms_def_free(set->v[i]);
    free(set->v);
    free(set);
}

size_t forms_count(const struct forms_set *set)
{
    return set ? set->n : 0;
}

const struct form_def *forms_at(const struct forms_set *set, size_t i)
{
    return set && i < set->n ? set->v[i] : NULL;
}

const struct form_def *forms_find(const struct forms_set *set, const char *id)
{
    for (size_t i = 0; set && id && i < set->n; i++)
        if (strcmp(set->v[i]->id, id) == 0)
            return set->v[i];
    return NULL;
}

const char *form_id(const struct form_def *f)
{
    return f->id;
}

const char *form_title(const struct form_def *f)
{
    return f->title;
}

const char *const *form_keywords(const struct form_def *f, size_t *n)
{
    *n = f->n_keywords;
    return (const char *const *)f->keywords;
}

int form_version(const struct form_def *f)
{
    return f->version;
}

int form_retention_months(const struct form_def *f)
{
    return f->retention_months;
}

int form_offered_in(const struct form_def *f, const char *insee)
{
    return f->all_communes || forms_def_has_commune(f, insee);
}

const char *form_json(const struct form_def *f)
{
    return f->json;
}

const char *form_summary_json(const struct form_def *f)
{
    return f->summary_json;
}

int form_has_status(const struct form_def *f, const char *s)
{
    if (!s)
        return 0;
    for (const char *const *c = forms_common_statuses; *c; c++)
        if (strcmp(*c, s) == 0)
            return 1;
    for (size_t i = 0; i < f->n_statuses; i++)
        if (strcmp(f->statuses[i].id, s) == 0)
            return 1;
    return 0;
}

size_t form_status_count(const struct form_def *f)
{
    return f->n_statuses;
}

void form_status_at(const struct form_def *f, size_t i, const char **id, const char **label,
                    const char **after)
{
    const struct forms_status *st = &f->statuses[i];
    *id = st->id;
    *label = st->label;
    *after = st->after;
}

int form_status_final(const struct form_def *f, const char *status)
{
    for (size_t i = 0; f && status && i < f->n_statuses; i++)
        if (strcmp(f->statuses[i].id, status) == 0)
            return f->statuses[i].final;
    return 0;
}
