/*
 * api_life.h — what the daily-life handlers share (docs/vie-locale.md §1, docs/api.md « Vie
 * locale »): one connection to forms_db per worker thread (struct life_db of life/life_db.h,
 * opened on the thread's first request), the change counter the router mixes into the ETags
 * of API_LIFE routes, and the JSON of an item as the public and back-office answers give it.
 * Built at start when forms_dir is set (api_ctx.life); without it the routes answer 404.
 */
#ifndef API_LIFE_H
#define API_LIFE_H

#include <stdint.h>
#include <time.h>

#include "api_router.h"
#include "life_db.h"
#include "life_rrule.h"

struct api_db;
struct gdir_json;


/* This worker's store: 0 with *db, GDIR_ENOTFOUND (404: no forms_dir on this server) or
 * GDIR_EUNAVAIL (503: the database cannot be opened) with err. */
int api_life_db(const struct api_ctx *ctx, struct life_db **db, struct gdir_err *err);

/* The change counter for the ETags of API_LIFE routes (0 when unavailable). */
uint64_t api_life_tag(const struct api_ctx *ctx);

/* The territory's name (meta 'territory' of the directory) into out, "" when unknown. */
void api_life_territory_name(struct api_db *dir, char *out, size_t cap);

/* The members of an item's JSON object (the caller opened it): the public properties of
 * docs/api.md, and with bo the back office's (status, publish_at, author, exdates…). dir
 * (may be NULL) names the communes; image_url is the path /api/life/{id}/image. */
int api_life_item_json(struct gdir_json *j, struct api_db *dir, const struct life_item *it,
                       int bo);

/* The occurrences of events: each item's (taken over from life_db_list) in [from, to). */
struct api_life_occ {
    time_t start, end;
    struct life_local local;
    size_t item;
};

struct api_life_occs {
    struct life_item *items;
    size_t n_items, cap_items;
    struct api_life_occ *occ;
    size_t n_occ, cap_occ;
    time_t from, to;
    size_t per_item;            /* the first per_item occurrences of each item (0: all); the
                                 * first N of the whole list need no more than N of each */
    size_t item_n;              /* (of the item being expanded) */
    int failed;
};
/* Every occurrence in [c->from, c->to) of the events f selects (f->from_utc/to_utc should be
 * the same window), ordered by start then item; at most 500000 (then c->failed: 503). c
 * zeroed but for from, to and per_item;
 * freed with api_life_occs_free. */
int api_life_occurrences(struct life_db *db, const struct life_filter *f,
                         struct api_life_occs *c, struct gdir_err *err);
/* One item's occurrences (a life_item_fn: it is taken over) into c. */
int api_life_expand(void *c, struct life_item *it);
void api_life_occs_free(struct api_life_occs *c);
/* The GeoJSON Feature of occurrence o of item it (docs/api.md, /api/events), and its parts:
 * "geometry", start/end/all_day, recurrence/rrule. */
void api_life_feature_json(struct gdir_json *j, struct api_db *dir, const struct life_item *it,
                           const struct api_life_occ *o);
void api_life_geometry_json(struct gdir_json *j, const struct life_item *it);
void api_life_occ_times(struct gdir_json *j, const struct life_item *it,
                        const struct api_life_occ *o);
void api_life_recurrence_json(struct gdir_json *j, const struct life_item *it);

/* A time as RFC 3339 with the Paris offset, or null when 0. */
void api_life_time_json(struct gdir_json *j, const char *key, long long t);

#endif
