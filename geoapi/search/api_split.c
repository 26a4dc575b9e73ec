/*
 * api_split.c — a search text split into words + a commune named by its trailing or leading
 * words (api_split.h).
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
