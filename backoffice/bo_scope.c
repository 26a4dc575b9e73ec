/*
 * bo_scope.c — the one scope check (docs/backoffice.md §1: bo_can, and the same as an SQL
 * condition for the lists) and the workflow's allowed moves (§4: bo_transition_ok).
 */
#include "bo.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

static int in_list(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

int bo_can(const struct bo_agent *a, const char *form_id, const char *commune,
           const char *service)
{
    (void)service;   /* service agents are given forms (--form), not a service name */
    if (!a || a->disabled)
        return 0;
    switch (a->role) {
    case BO_ROLE_ADMIN:
        return 1;
    case BO_ROLE_COMMUNE:
        return in_list(a->communes, a->n_communes, commune) &&
               (!a->n_forms || in_list(a->forms, a->n_forms, form_id));
    case BO_ROLE_SERVICE:
        return in_list(a->forms, a->n_forms, form_id) &&
               (!a->n_communes || in_list(a->communes, a->n_communes, commune));
    }
    return 0;
}

/* Appends "col IN (?p, ?p+1, ...)" for n values to out at *len; the next parameter. */
static int add_in(char *out, size_t cap, size_t *len, const char *col, size_t n, int p)
{
    int w = snprintf(out + *len, cap - *len, "%s IN (", col);
    if (w < 0 || (size_t)w >= cap - *len)
        return -1;
    *len += (size_t)w;
    for (size_t i = 0; i < n; i++) {
        w = snprintf(out + *len, cap - *len, "%s?%d", i ? ", " : "", p++);
        if (w < 0 || (size_t)w >= cap - *len)
            return -1;
        *len += (size_t)w;
    }
    w = snprintf(out + *len, cap - *len, ")");
    if (w < 0 || (size_t)w >= cap - *len)
        return -1;
    *len += (size_t)w;
    return p;
}

int bo_scope_sql(const struct bo_agent *a, int first_param, char *out, size_t cap)
{
    size_t len = 0, nc = a->n_communes, nf = a->n_forms;
    int p = first_param, w;

    if (!cap)
        return GDIR_ETOOBIG;
    if (a->disabled || (a->role == BO_ROLE_COMMUNE && !nc) || (a->role == BO_ROLE_SERVICE && !nf))
        return snprintf(out, cap, "0") < (int)cap ? 0 : GDIR_ETOOBIG;
    if (a->role == BO_ROLE_ADMIN)
        return snprintf(out, cap, "1") < (int)cap ? 0 : GDIR_ETOOBIG;
    w = snprintf(out, cap, "(");
    len = (size_t)w;
    if (nc && (p = add_in(out, cap, &len, "commune", nc, p)) < 0)
        return GDIR_ETOOBIG;
    if (nc && nf && (size_t)(w = snprintf(out + len, cap - len, " AND ")) >= cap - len)
        return GDIR_ETOOBIG;
    if (nc && nf)
        len += (size_t)w;
    if (nf && (p = add_in(out, cap, &len, "form_id", nf, p)) < 0)
        return GDIR_ETOOBIG;
    if ((size_t)snprintf(out + len, cap - len, ")") >= cap - len)
        return GDIR_ETOOBIG;
    return p - first_param;
}

int bo_scope_bind(const struct bo_agent *a, struct sqlite3_stmt *st, int first_param)
{
    int p = first_param;

    if (a->disabled || a->role == BO_ROLE_ADMIN || (a->role == BO_ROLE_COMMUNE && !a->n_communes) ||
        (a->role == BO_ROLE_SERVICE && !a->n_forms))
        return GDIR_OK;
    for (size_t i = 0; i < a->n_communes; i++)
        if (sqlite3_bind_text(st, p++, a->communes[i], -1, SQLITE_TRANSIENT) != SQLITE_OK)
            return GDIR_EDB;
    for (size_t i = 0; i < a->n_forms; i++)
        if (sqlite3_bind_text(st, p++, a->forms[i], -1, SQLITE_TRANSIENT) != SQLITE_OK)
            return GDIR_EDB;
    return GDIR_OK;
}

/* ---- workflow ----------------------------------------------------------------------------- */

static int is(const char *s, const char *t)
{
    return s && t && strcmp(s, t) == 0;
}

int bo_status_terminal(const char *s)
{
    return is(s, "acceptee") || is(s, "refusee") || is(s, "sans_suite") || is(s, "retiree");
}

/* The index of s among the form's own statuses, or -1. */
static long extra_index(const char *s, const char *const *extra, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (is(s, extra[i]))
            return (long)i;
    return -1;
}

/* The common moves of §4 (from and to both in the common set). */
static int common_move(const char *from, const char *to)
{
    static const char *const moves[][2] = {
        {"deposee", "en_instruction"}, {"deposee", "refusee"}, {"deposee", "sans_suite"},
        {"en_instruction", "complement_demande"}, {"en_instruction", "acceptee"},
        {"en_instruction", "refusee"}, {"en_instruction", "sans_suite"},
        {"complement_demande", "complement_recu"}, {"complement_demande", "sans_suite"},
        {"complement_recu", "en_instruction"}, {"complement_recu", "complement_demande"},
        {"complement_recu", "acceptee"}, {"complement_recu", "refusee"},
    };
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
        if (is(from, moves[i][0]) && is(to, moves[i][1]))
            return 1;
    return 0;
}

int bo_transition_ok(const char *from, const char *to, const char *const *extra,
                     const char *const *after, const int *final, size_t n)
{
    long fx = extra_index(from, extra, n), tx = extra_index(to, extra, n);

    if (!from || !to || is(from, to))
        return 0;
    /* a terminal status (common or the form's final ones) reopens to en_instruction only */
    if (bo_status_terminal(from) || (fx >= 0 && final && final[fx]))
        return is(to, "en_instruction");
    if (tx >= 0)   /* a form's own status follows its `after` */
        return after && is(after[tx], from);
    if (fx >= 0)   /* from a form's own status: back to the instruction, or a decision */
        return is(to, "en_instruction") || is(to, "acceptee") || is(to, "refusee") ||
               is(to, "sans_suite");
    return common_move(from, to);
}
