/*
 * api_hours.c — the per-connection cache of parsed opening_hours values (open addressing on
 * an FNV-1a hash of the text) and their evaluation at one instant. See api_hours.h.
 *
 * Not here: the grammar and the clock (common/gdir_hours.c), JSON (h_places.c).
 */
#include "api_hours.h"
#include "gdir_hash.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS (API_HOURS_CACHE_MAX * 2)    /* power of two, load factor <= 1/2 */

struct entry {
    uint64_t hash;
    char *text;                    /* owned; NULL: free slot */
    struct gdir_hours *h;          /* owned; NULL when the text does not parse */
    time_t eval_at;                /* instant of the remembered evaluation */
    int evaluated;                 /* info holds the evaluation at eval_at */
    struct api_hours_info info;
};

struct api_hours_cache {
    struct entry *slots;           /* SLOTS entries */
    size_t used;
};

struct api_hours_cache *api_hours_cache_new(void)
{
    struct api_hours_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->slots = calloc(SLOTS, sizeof *c->slots);
    if (!c->slots) {
        free(c);
        return NULL;
    }
    return c;
}

static void clear(struct api_hours_cache *c)
{
    for (size_t i = 0; i < SLOTS; i++) {
        free(c->slots[i].text);
        gdir_hours_free(c->slots[i].h);
    }
    memset(c->slots, 0, SLOTS * sizeof *c->slots);
    c->used = 0;
}

void api_hours_cache_free(struct api_hours_cache *c)
{
    if (!c)
        return;
    clear(c);
    free(c->slots);
    free(c);
}

/* Evaluates a parsed value (or NULL: unparseable) into info. */
static void evaluate(const struct gdir_hours *h, const struct gdir_calendar *cal, time_t when,
                     struct api_hours_info *info)
{
    struct gdir_hours_eval ev;

    info->has = 1;
    info->valid = h != NULL;
    info->state = GDIR_HOURS_UNKNOWN;
    info->next_change = 0;
    info->next_state = GDIR_HOURS_UNKNOWN;
    if (!h || gdir_hours_eval(h, cal, when, &ev) != 0)
        return;
    info->state = ev.state;
    info->next_change = ev.next_change;
    info->next_state = ev.next_state;
}

void api_hours_eval(struct api_hours_cache *c, const struct gdir_calendar *cal, const char *text,
                    time_t when, struct api_hours_info *out)
{
    struct gdir_hours *h = NULL;
    struct entry *e;
    uint64_t hash;
    size_t i;

    memset(out, 0, sizeof *out);
    out->state = out->next_state = GDIR_HOURS_UNKNOWN;
    if (!text || !*text)
        return;
    if (!c) {
        gdir_hours_parse(text, &h, NULL);
        evaluate(h, cal, when, out);
        gdir_hours_free(h);
        return;
    }
    hash = gdir_fnv64_str(GDIR_FNV64_INIT, text);
    for (i = (size_t)hash & (SLOTS - 1);; i = (i + 1) & (SLOTS - 1)) {
        e = &c->slots[i];
        if (!e->text || (e->hash == hash && strcmp(e->text, text) == 0))
            break;
    }
    if (!e->text) {
        if (c->used == API_HOURS_CACHE_MAX) {
            clear(c);
            api_hours_eval(c, cal, text, when, out);
            return;
        }
        e->text = strdup(text);
        if (!e->text) {
            gdir_hours_parse(text, &h, NULL);
            evaluate(h, cal, when, out);
            gdir_hours_free(h);
            return;
        }
        e->hash = hash;
        gdir_hours_parse(text, &e->h, NULL);   /* NULL on failure: kept as unparseable */
        e->evaluated = 0;
        c->used++;
    }
    if (!e->evaluated || e->eval_at != when) {
        evaluate(e->h, cal, when, &e->info);
        e->eval_at = when;
        e->evaluated = 1;
    }
    *out = e->info;
}
