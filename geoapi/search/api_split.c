/*
 * api_split.c — a search text split into words + a commune named by its trailing or leading
 * words, the search run again with them, and what it understood (api_split.h).
 */
#include "api_split.h"

#include <string.h>

/* 1 for the words that link a thing to its commune (« école de Seuil-d'Argonne », « médecin
 * à Vaubecourt »): dropped between the other words and a trailing commune. */
static int is_link_word(const char *w)
{
    static const char *const links[] = {"a", "au", "de", "du", "en", "sur", "pres", "vers", NULL};
    for (size_t i = 0; links[i]; i++)
        if (strcmp(w, links[i]) == 0)
            return 1;
    return 0;
}

/* 1 for « d » and « l » typed without their apostrophe (« seuil d argonne »): api_text drops
 * them as elisions only before an apostrophe, so they are skipped in q's commune words. */
static int is_bare_elision(const char *w)
{
    return strcmp(w, "d") == 0 || strcmp(w, "l") == 0;
}

/* How many words of q, from its end (dir < 0) or its start (dir > 0), spell c (bare elisions
 * skipped); 0 when they do not. */
static size_t spells(const struct api_text_query *q, const struct api_text_query *c, int dir)
{
    size_t used = 0, k = 0;

    while (k < c->n && used < q->n) {
        const char *w = q->words[dir < 0 ? q->n - 1 - used : used];
        const char *want = c->words[dir < 0 ? c->n - 1 - k : k];
        used++;
        if (strcmp(w, want) == 0)
            k++;
        else if (!is_bare_elision(w) || k == 0)
            return 0;
    }
    return k == c->n ? used : 0;
}

/* Copies q's words [from, to) into rest; the last one stays a prefix only when it ends q. */
static void copy_rest(const struct api_text_query *q, size_t from, size_t to,
                      struct api_text_query *rest)
{
    memset(rest, 0, sizeof *rest);
    for (size_t i = from; i < to; i++) {
        memcpy(rest->words[i - from], q->words[i], sizeof q->words[i]);
        rest->chars[i - from] = q->chars[i];
    }
    rest->n = to - from;
    rest->last_prefix = to == q->n ? q->last_prefix : 0;
}

long api_split_commune(const struct api_db *db, const struct api_text_query *q,
                       struct api_text_query *rest)
{
    long best = -1;
    size_t best_n = 0;
    int best_trailing = 0;

    if (q->n < 2)
        return -1;
    for (size_t i = 0; i < db->n_communes; i++) {
        struct api_text_query c;
        struct gdir_err err = {0};
        size_t trailing, leading, used;

        if (api_text_query_parse(db->communes[i].name, "commune", &c, &err) != 0 || c.n == 0 ||
            c.n >= q->n)
            continue;
        trailing = spells(q, &c, -1);
        leading = trailing ? 0 : spells(q, &c, 1);
        used = trailing ? trailing : leading;
        if (used == 0 || used >= q->n)
            continue;
        if (best >= 0 && (used < best_n || (used == best_n && best_trailing >= (trailing > 0))))
            continue;
        best = (long)i;
        best_n = used;
        best_trailing = trailing > 0;
    }
    if (best < 0)
        return -1;
    if (best_trailing) {
        size_t end = q->n - best_n;
        while (end > 1 && is_link_word(q->words[end - 1]))
            end--;
        copy_rest(q, 0, end, rest);
    }
    else
        copy_rest(q, best_n, q->n, rest);
    return best;
}

int api_split_search(struct api_db *db, const struct gdir_calendar *cal,
                     struct api_search_params *p, struct api_search_result *r,
                     struct api_text_query *rest, long *split, struct gdir_err *err)
{
    *split = -1;
    if (r->matched != 0 || !p->text || p->n_communes != 0)
        return GDIR_OK;
    *split = api_split_commune(db, p->text, rest);
    if (*split < 0)
        return GDIR_OK;
    p->text = rest;
    p->communes[0] = db->communes[*split].insee;
    p->n_communes = 1;
    api_search_result_free(r);
    memset(r, 0, sizeof *r);
    return api_search_run(db, cal, p, r, err);
}

void api_split_write(struct gdir_json *j, const struct api_db *db,
                     const struct api_text_query *rest, long split)
{
    char words[API_TEXT_MAX_WORDS * (API_TEXT_MAX_WORD + 1)] = "";
    size_t len = 0;

    for (size_t i = 0; i < rest->n; i++) {
        size_t n = strlen(rest->words[i]);
        if (i)
            words[len++] = ' ';
        memcpy(words + len, rest->words[i], n + 1);
        len += n;
    }
    gdir_json_key(j, "understood");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "q", words);
    gdir_json_kstr(j, "commune", db->communes[split].insee);
    gdir_json_kstr(j, "commune_name", db->communes[split].name);
    gdir_json_obj_end(j);
}
