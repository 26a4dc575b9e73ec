/*
 * api_life_occ.c — the occurrences of the agenda's events (api_life.h): published events
 * expanded by life_rrule_expand in a window and ordered by start, and the GeoJSON of an
 * occurrence, shared by /api/events, /api/events/{id} and the feeds.
 */
#include "api_life.h"
#include "gdir_hours.h"
#include "gdir_json.h"
#include "life_rrule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OCCURRENCES_MAX 500000   /* collected before sorting, all items together */

/* Local exdates of an item for life_rrule_expand. */
static size_t item_exdates(const struct life_item *it, struct life_local *ex, size_t max)
{
    char one[32];
    size_t n = 0;
    int all_day;
    struct gdir_err e;

    for (const char *s = it->exdates; s && *s && n < max;) {
        size_t len = strcspn(s, " ");
        if (len && len < sizeof one) {
            memcpy(one, s, len);
            one[len] = '\0';
            if (!life_local_parse(one, "exdates", &ex[n], &all_day, &e))
                n++;
        }
        s += len + (s[len] == ' ');
    }
    return n;
}

static int add_occ(const struct life_occurrence *o, void *arg)
{
    struct api_life_occs *c = arg;
    if (c->per_item && c->item_n == c->per_item)
        return 1;
    if (c->n_occ == OCCURRENCES_MAX) {
        c->failed = 2;
        return 1;
    }
    c->item_n++;
    if (c->n_occ == c->cap_occ) {
        size_t cap = c->cap_occ ? c->cap_occ * 2 : 64;
        struct api_life_occ *p = realloc(c->occ, cap * sizeof *p);
        if (!p) {
            c->failed = 1;
            return 1;
        }
        c->occ = p;
        c->cap_occ = cap;
    }
    c->occ[c->n_occ++] = (struct api_life_occ){o->start, o->end, o->local, c->n_items - 1};
    return 0;
}

int api_life_expand(void *arg, struct life_item *it)
{
    struct api_life_occs *c = arg;
    struct life_local start, ex[LIFE_EXDATES_MAX];
    struct life_rrule *r = NULL;
    struct gdir_err e;
    int minutes;

    if (c->n_items == c->cap_items) {
        size_t cap = c->cap_items ? c->cap_items * 2 : 16;
        struct life_item *p = realloc(c->items, cap * sizeof *p);
        if (!p)
            return c->failed = 1;
        c->items = p;
        c->cap_items = cap;
    }
    c->items[c->n_items++] = *it;
    c->item_n = 0;
    memset(it, 0, sizeof *it);
    it = &c->items[c->n_items - 1];
    if (life_item_duration(it, &start, &minutes) ||
        (it->rrule && life_rrule_parse(it->rrule, &r, &e)))
        return 0;   /* written checked: an unreadable row is skipped */
    life_rrule_expand(r, &start, minutes, ex, item_exdates(it, ex, LIFE_EXDATES_MAX), c->from,
                      c->to, add_occ, c);
    life_rrule_free(r);
    return c->failed;
}

static int occ_cmp(const void *a, const void *b)
{
    const struct api_life_occ *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->item < y->item ? -1 : x->item > y->item;
}

void api_life_occs_free(struct api_life_occs *c)
{
    for (size_t i = 0; i < c->n_items; i++)
        life_item_free(&c->items[i]);
    free(c->items);
    free(c->occ);
}

void api_life_occ_times(struct gdir_json *j, const struct life_item *it, const struct api_life_occ *o)
{
    char buf[32];
    struct gdir_paris_time e;

    if (it->all_day) {
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", o->local.year, o->local.month,
                 o->local.day);
        gdir_json_kstr(j, "start", buf);
        gdir_paris_from_utc(o->end - 1, &e);
        snprintf(buf, sizeof buf, "%04d-%02d-%02d", e.year, e.month, e.day);
        gdir_json_kstr(j, "end", buf);
    } else {
        api_life_time_json(j, "start", (long long)o->start);
        api_life_time_json(j, "end", (long long)o->end);
    }
    gdir_json_kbool(j, "all_day", it->all_day);
}

void api_life_recurrence_json(struct gdir_json *j, const struct life_item *it)
{
    struct life_rrule *r = NULL;
    struct gdir_err e;
    char text[256];

    gdir_json_key(j, "recurrence");
    if (it->rrule && !life_rrule_parse(it->rrule, &r, &e) &&
        !life_rrule_describe(r, text, sizeof text))
        gdir_json_str(j, text);
    else
        gdir_json_null(j);
    life_rrule_free(r);
    gdir_json_key(j, "rrule");
    if (it->rrule)
        gdir_json_str(j, it->rrule);
    else
        gdir_json_null(j);
}

void api_life_geometry_json(struct gdir_json *j, const struct life_item *it)
{
    gdir_json_key(j, "geometry");
    if (!it->has_point) {
        gdir_json_null(j);
        return;
    }
    gdir_json_point(j, it->lon, it->lat, 6);
}

void api_life_feature_json(struct gdir_json *j, struct api_db *dir, const struct life_item *it,
                         const struct api_life_occ *o)
{
    char id[64];

    snprintf(id, sizeof id, "%lld-%04d%02d%02dT%02d%02d", it->id, o->local.year, o->local.month,
             o->local.day, o->local.hour, o->local.minute);
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "Feature");
    gdir_json_kstr(j, "id", id);
    api_life_geometry_json(j, it);
    gdir_json_key(j, "properties");
    gdir_json_obj_begin(j);
    gdir_json_kint(j, "item", it->id);
    api_life_occ_times(j, it, o);
    api_life_recurrence_json(j, it);
    api_life_item_json(j, dir, it, 0);
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
}


int api_life_occurrences(struct life_db *db, const struct life_filter *f,
                         struct api_life_occs *c, struct gdir_err *err)
{
    int rc = life_db_list(db, f, api_life_expand, c, err);

    if (rc >= 0 && c->failed)
        rc = c->failed == 2 ? gdir_err_set(err, GDIR_EUNAVAIL, "too many occurrences in the "
                                           "window; ask for a shorter one or a commune")
                            : gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    else if (rc > 0)
        rc = GDIR_OK;
    if (!rc && c->n_occ)
        qsort(c->occ, c->n_occ, sizeof *c->occ, occ_cmp);
    return rc < 0 ? rc : GDIR_OK;
}
