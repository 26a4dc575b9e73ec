/*
 * h_life.c — the public JSON of the daily life (docs/api.md « Vie locale »): GET /api/events
 * (one GeoJSON feature per occurrence in the window, recurrences expanded by
 * life_rrule_expand), /api/events/{id}, /api/news, /api/alerts and /api/life/{id}/image. Only
 * what is published, whose publish_at has passed, and for alerts within their validity.
 * ETags come from the store's change counter and the minute (route flags API_LIFE, API_TIME).
 */
#include "api_dbpool.h"
#include "api_handlers.h"
#include "api_life.h"
#include "api_queries.h"
#include "gdir_hours.h"
#include "gdir_json.h"
#include "gdir_parse.h"
#include "gdir_text.h"
#include "life_rrule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EVENTS_DAYS 90           /* default window */
#define EVENTS_SPAN_MAX 366      /* days */
#define EVENTS_LIMIT 100
#define EVENTS_LIMIT_MAX 500
#define NEXT_MAX 10              /* next occurrences of /api/events/{id} */
#define Q_MAX 200

/* The directory connection, for commune names and membership (NULL when unavailable). */
static struct api_db *directory(const struct api_ctx *ctx)
{
    struct api_db *dir = NULL;
    struct gdir_err e;
    return ctx->pool && !api_dbpool_get(ctx->pool, &dir, &e) ? dir : NULL;
}

/* commune=: a member commune of the territory, or NULL. */
static int param_commune(const struct api_request *req, struct api_db *dir, const char **insee,
                         struct gdir_err *err)
{
    int rc = api_param_commune(req, insee, err);
    if (!rc && *insee && dir && !api_db_commune(dir, *insee))
        return api_param_invalid(err, "commune", *insee, "a commune of the territory");
    return rc;
}

static int param_limit(const struct api_request *req, long dflt, long max, long *out,
                       struct gdir_err *err)
{
    const char *s = api_param(req, "limit");
    *out = dflt;
    if (s && gdir_parse_long(s, 1, max, out)) {
        char what[48];
        snprintf(what, sizeof what, "an integer from 1 to %ld", max);
        return api_param_invalid(err, "limit", s, what);
    }
    return GDIR_OK;
}

/* from=/to= (local dates) into the UTC window [from 00:00, the day after to 00:00). */
static int param_day(const struct api_request *req, const char *name, struct life_local *d,
                     int *has, struct gdir_err *err)
{
    const char *s = api_param(req, name);
    int all_day = 0;
    *has = s != NULL;
    if (!s)
        return GDIR_OK;
    if (life_local_parse(s, name, d, &all_day, err) || !all_day)
        return api_param_invalid(err, name, s, "a date YYYY-MM-DD");
    return GDIR_OK;
}

/* The UTC instant of 00:00 in Paris, plus days after date d. */
static time_t day_start(struct life_local d, int plus)
{
    struct gdir_paris_time p;
    time_t t = 0;

    if (gdir_paris_to_utc(d.year, d.month, d.day, 12, 0, 0, &t) ||
        gdir_paris_from_utc(t + (time_t)plus * 86400, &p) ||
        gdir_paris_to_utc(p.year, p.month, p.day, 0, 0, 0, &t))
        return 0;
    return t;
}

static int window(const struct api_request *req, time_t *from, time_t *to, struct gdir_err *err)
{
    struct life_local a = {0}, b = {0};
    struct gdir_paris_time now;
    int has_a, has_b, rc;

    if ((rc = param_day(req, "from", &a, &has_a, err)) ||
        (rc = param_day(req, "to", &b, &has_b, err)))
        return rc;
    if (!has_a) {
        gdir_paris_from_utc(time(NULL), &now);
        a = (struct life_local){now.year, now.month, now.day, 0, 0};
    }
    *from = day_start(a, 0);
    *to = has_b ? day_start(b, 1) : day_start(a, EVENTS_DAYS + 1);
    if (!*from || *to <= *from)
        return gdir_err_set_param(err, GDIR_EINVAL, has_b ? "to" : "from", "%s: a date not "
                                  "before from, within 1971-9997", has_b ? "to" : "from");
    if (*to - *from > (time_t)(EVENTS_SPAN_MAX + 1) * 86400)
        return gdir_err_set_param(err, GDIR_EINVAL, "to", "to: at most %d days after from",
                                  EVENTS_SPAN_MAX);
    return GDIR_OK;
}

int h_events(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
             struct gdir_err *err)
{
    struct api_db *dir = directory(ctx);
    struct life_db *db;
    struct api_life_occs c = {0};
    struct life_filter f = {.kind = LIFE_EVENT, .status = -1, .visible = 1, .now = time(NULL)};
    const char *q = api_param(req, "q");
    struct gdir_json j;
    long limit;
    int rc;

    if ((rc = api_life_db(ctx, &db, err)) || (rc = param_commune(req, dir, &f.commune, err)) ||
        (rc = window(req, &c.from, &c.to, err)) ||
        (rc = param_limit(req, EVENTS_LIMIT, EVENTS_LIMIT_MAX, &limit, err)))
        return rc;
    if ((f.category = api_param(req, "category")) && !life_category_label(f.category))
        return api_param_invalid(err, "category", f.category, "fete, marche, sport, culture, "
                                 "reunion, permanence, nature, solidarite or autre");
    if (q && (!*q || strlen(q) > Q_MAX))
        return api_param_invalid(err, "q", q, "a text of 1 to 200 bytes");
    f.q = q;
    c.per_item = (size_t)limit;
    f.from_utc = (long long)c.from;
    f.to_utc = (long long)c.to;
    if ((rc = api_life_occurrences(db, &f, &c, err)))
        goto out;
    gdir_buf_reset(&res->body);
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "type", "FeatureCollection");
    gdir_json_key(&j, "features");
    gdir_json_arr_begin(&j);
    for (size_t i = 0; i < c.n_occ && i < (size_t)limit; i++)
        api_life_feature_json(&j, dir, &c.items[c.occ[i].item], &c.occ[i]);
    gdir_json_arr_end(&j);
    gdir_json_kint(&j, "numberReturned", (long long)(c.n_occ < (size_t)limit ? c.n_occ
                                                                              : (size_t)limit));
    gdir_json_kstr(&j, "licence", "etalab-2.0");
    gdir_json_obj_end(&j);
    rc = api_json_done(res, &j, API_CT_GEOJSON, err);
out:
    api_life_occs_free(&c);
    return rc;
}

/* The item of the path, visible now and of kind (or -1: any). */
static int path_item(const struct api_ctx *ctx, const struct api_request *req, int kind,
                     struct life_db **db, struct life_item *it, struct gdir_err *err)
{
    const char *s = api_capture(req, "id");
    long id = 0;
    int rc;

    memset(it, 0, sizeof *it);
    if ((rc = api_life_db(ctx, db, err)))
        return rc;
    if (gdir_parse_long(s, 1, 1L << 53, &id))
        return api_param_invalid(err, "id", s, "a positive integer");
    if ((rc = life_db_get(*db, id, it, err)))
        return rc;
    time_t now = time(NULL);
    int visible = it->status == LIFE_PUBLISHED && it->publish_at <= (long long)now &&
                  (it->kind != LIFE_ALERT ||
                   ((!it->valid_from || it->valid_from <= (long long)now) &&
                    (!it->valid_until || it->valid_until > (long long)now)));
    if (!visible || (kind >= 0 && (int)it->kind != kind)) {
        life_item_free(it);
        return gdir_err_set_param(err, GDIR_ENOTFOUND, "id", "Aucun contenu publié n° %ld.", id);
    }
    return GDIR_OK;
}

int h_event(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
            struct gdir_err *err)
{
    struct api_db *dir = directory(ctx);
    struct life_db *db;
    struct life_item it;
    struct api_life_occs c = {0};
    struct gdir_json j;
    int rc;

    if ((rc = path_item(ctx, req, LIFE_EVENT, &db, &it, err)))
        return rc;
    c.from = time(NULL);
    c.per_item = NEXT_MAX;
    c.to = c.from + (time_t)EVENTS_SPAN_MAX * 86400;
    api_life_expand(&c, &it);   /* takes it over */
    if (c.failed) {
        api_life_occs_free(&c);
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    }
    const struct life_item *p = &c.items[0];
    struct api_life_occ first = {.start = (time_t)p->start_utc, .end = (time_t)p->end_utc, .item = 0};
    int ad;
    struct gdir_err e;
    life_local_parse(p->start, "start", &first.local, &ad, &e);
    gdir_buf_reset(&res->body);
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "type", "Feature");
    gdir_json_kint(&j, "id", p->id);
    api_life_geometry_json(&j, p);
    gdir_json_key(&j, "properties");
    gdir_json_obj_begin(&j);
    gdir_json_kint(&j, "item", p->id);
    api_life_occ_times(&j, p, c.n_occ ? &c.occ[0] : &first);
    api_life_recurrence_json(&j, p);
    api_life_item_json(&j, dir, p, 0);
    gdir_json_key(&j, "occurrences");
    gdir_json_arr_begin(&j);
    for (size_t i = 0; i < c.n_occ && i < NEXT_MAX; i++) {
        gdir_json_obj_begin(&j);
        api_life_occ_times(&j, p, &c.occ[i]);
        gdir_json_obj_end(&j);
    }
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    gdir_json_obj_end(&j);
    rc = api_json_done(res, &j, API_CT_GEOJSON, err);
    api_life_occs_free(&c);
    return rc;
}

struct news_out {
    struct gdir_json *j;
    struct api_db *dir;
};

static int news_fn(void *arg, struct life_item *it)
{
    struct news_out *o = arg;
    gdir_json_obj_begin(o->j);
    gdir_json_kint(o->j, "id", it->id);
    gdir_json_kstr(o->j, "kind", life_kind_name(it->kind));
    api_life_item_json(o->j, o->dir, it, 0);
    gdir_json_obj_end(o->j);
    return gdir_json_error(o->j);
}

/* {"items": [...]} of the news and alerts visible now. */
static int news_answer(const struct api_ctx *ctx, const struct api_request *req, int kind,
                       long limit, struct api_response *res, struct gdir_err *err)
{
    struct api_db *dir = directory(ctx);
    struct life_db *db;
    struct life_filter f = {.kind = kind, .status = -1, .visible = 1, .now = time(NULL),
                            .limit = limit};
    struct gdir_json j;
    struct news_out o = {&j, dir};
    int rc;

    if ((rc = api_life_db(ctx, &db, err)) || (rc = param_commune(req, dir, &f.commune, err)))
        return rc;
    gdir_buf_reset(&res->body);
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_key(&j, "items");
    gdir_json_arr_begin(&j);
    if ((rc = life_db_list(db, &f, news_fn, &o, err)) < 0)
        return rc;
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    return api_json_done(res, &j, API_CT_JSON, err);
}

int h_news(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
           struct gdir_err *err)
{
    static const char *const kinds[] = {"news", "alert", NULL};
    int k = -1, rc;
    long limit;

    if ((rc = api_param_enum(req, "kind", kinds, &k, err)) ||
        (rc = param_limit(req, 20, 100, &limit, err)))
        return rc;
    return news_answer(ctx, req, k < 0 ? LIFE_ANY_NOT_EVENT : k == 0 ? LIFE_NEWS : LIFE_ALERT, limit, res, err);
}

int h_alerts(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
             struct gdir_err *err)
{
    return news_answer(ctx, req, LIFE_ALERT, 100, res, err);
}

int h_life_image(const struct api_ctx *ctx, const struct api_request *req,
                 struct api_response *res, struct gdir_err *err)
{
    static const char *const types[] = {"image/jpeg", "image/png", "image/webp"};
    struct life_db *db;
    const char *s = api_capture(req, "id");
    char type[16];
    long id = 0;
    int rc;

    if ((rc = api_life_db(ctx, &db, err)))
        return rc;
    if (gdir_parse_long(s, 1, 1L << 53, &id))
        return api_param_invalid(err, "id", s, "a positive integer");
    gdir_buf_reset(&res->body);
    if ((rc = life_db_image(db, id, time(NULL), 1, type, &res->body, err)))
        return rc;
    for (size_t i = 0; i < 3; i++)
        if (!strcmp(type, types[i]))
            res->content_type = types[i];
    return GDIR_OK;
}
