/*
 * h_waste.c — the waste collection calendar of an address (docs/vie-locale.md §5, docs/api.md):
 *
 *   GET /api/waste?commune=INSEE[&zone=ID] | lat=&lon= | q=<address> [&from=YYYY-MM-DD&days=N]
 *       the zone, each stream's next collection days (holiday shifts and exceptions with their
 *       reason), « quand sortir mon bac ? » per stream, the déchèteries with their hours;
 *   GET /api/waste.ics (same selectors): the collection days of the next 12 months as an
 *       iCalendar (common/gdir_ical.h), one event per day and stream, a VALARM the evening
 *       before, UIDs stable across requests (zone, stream, usual date).
 *
 * A point's commune is the one whose boundary contains it (db/api_queries.c); an address is
 * geocoded by the platform's own geocoder (api_geocoder.h). The configuration is the server's
 * waste_file (life/life_waste.h), loaded at start. ETags: the configuration's hash, the
 * database build, the request and the day (the minute for the JSON, whose déchèteries say
 * whether they are open now).
 */
#include "api_dbpool.h"
#include "api_geocoder.h"
#include "api_handlers.h"
#include "api_hours.h"
#include "api_http.h"
#include "api_queries.h"
#include "gdir_geocoder.h"
#include "gdir_hash.h"
#include "gdir_hours.h"
#include "gdir_ical.h"
#include "gdir_json.h"
#include "gdir_parse.h"
#include "life_waste.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DAYS 28
#define DECHETERIES_MAX 20         /* déchèteries listed at most */
#define NBSP "\xc2\xa0"   /* before : ; in French text */
#define ICS_CT "text/calendar; charset=utf-8"
#define ALARM_EVENING_MIN (5 * 60) /* 19:00 the day before a collection day's midnight */

/* The selector resolved. */
struct where {
    char insee[8];
    const char *name;                        /* the commune's name, borrowed from db */
    const struct life_waste_zone *zone;
    int by_street;                           /* the commune has zones by street */
    int has_address;                         /* q= */
    int zone_given;                          /* zone= */
    char label[GDIR_GEO_LABEL_MAX];          /* the address found */
    char street[GDIR_GEO_LABEL_MAX];
};

static int not_configured(struct gdir_err *err)
{
    return gdir_err_set(err, GDIR_ENOTFOUND,
                        "Le calendrier de collecte des déchets n'est pas configuré sur ce "
                        "service.");
}

/* Exactly one of commune, lat/lon, q; zone only with commune. */
static int check_selectors(const struct api_request *req, struct gdir_err *err)
{
    int commune = api_param(req, "commune") != NULL, q = api_param(req, "q") != NULL;
    int point = api_param(req, "lat") || api_param(req, "lon");

    if (api_param(req, "zone") && !commune)
        return gdir_err_set_param(err, GDIR_EINVAL, "zone", "zone: only with commune");
    if (commune + q + point == 0)
        return gdir_err_set_param(err, GDIR_EINVAL, "commune",
                                  "commune: required, or lat and lon, or q (an address)");
    if (commune + q + point > 1)
        return gdir_err_set_param(err, GDIR_EINVAL, q ? "q" : "lat",
                                  "%s: give one of commune, lat and lon, or q", q ? "q" : "lat");
    if (point && !api_param(req, "lat"))
        return gdir_err_set_param(err, GDIR_EINVAL, "lat", "lat: required with lon");
    if (point && !api_param(req, "lon"))
        return gdir_err_set_param(err, GDIR_EINVAL, "lon", "lon: required with lat");
    return GDIR_OK;
}

/* The address q through the geocoder: its commune and street. */
static int resolve_address(struct api_db *db, const char *q, struct where *w,
                           struct gdir_err *err)
{
    struct api_geocoder *ix = NULL;
    struct gdir_geocode_query gq = {.text = q};
    struct gdir_geocode_result r;
    size_t n = 0;
    int rc = api_geocoder_acquire(db, &ix, err);

    if (rc)
        return rc;
    rc = gdir_geocoder_search(ix->g, &gq, &r, 1, &n, err);
    api_geocoder_release(ix);
    if (rc)
        return rc;
    if (n == 0)
        return gdir_err_set_param(err, GDIR_ENOTFOUND, "q",
                                  "Adresse introuvable sur le territoire" NBSP
                                  ": indiquez le numéro, la rue et la commune.");
    snprintf(w->insee, sizeof w->insee, "%s", r.citycode);
    snprintf(w->label, sizeof w->label, "%s", r.label);
    snprintf(w->street, sizeof w->street, "%s", r.street);
    w->has_address = 1;
    if (!api_db_commune(db, w->insee))
        return gdir_err_set_param(err, GDIR_ENOTFOUND, "q",
                                  "Cette adresse (%s) est en dehors du territoire.", r.label);
    return GDIR_OK;
}

/* commune, lat/lon or q → the commune, its name and the zone. */
static int resolve(const struct api_ctx *ctx, struct api_db *db, const struct api_request *req,
                   struct where *w, struct gdir_err *err)
{
    const char *insee = NULL, *q = NULL, *zone = api_param(req, "zone");
    const struct api_commune_entry *c;
    double lat, lon;
    int rc, found;

    memset(w, 0, sizeof *w);
    if ((rc = api_param_commune(req, &insee, err)) || (rc = api_param_q(req, &q, err)))
        return rc;
    if (insee) {
        snprintf(w->insee, sizeof w->insee, "%s", insee);
        if (!api_db_commune(db, insee))
            return gdir_err_set_param(err, GDIR_ENOTFOUND, "commune",
                                      "La commune %s ne fait pas partie du territoire.", insee);
    } else if (q) {
        if ((rc = resolve_address(db, q, w, err)))
            return rc;
    } else {
        if ((rc = api_param_lat(req, &lat, err)) || (rc = api_param_lon(req, &lon, err)) ||
            (rc = api_q_commune_at(db, lat, lon, &found, w->insee, err)))
            return rc;
        if (!found || !api_db_commune(db, w->insee))
            return gdir_err_set_param(err, GDIR_ENOTFOUND, "lat",
                                      "Ce point est en dehors du territoire.");
    }
    c = api_db_commune(db, w->insee);
    w->name = c->name;
    if (zone && !(w->zone = life_waste_zone_in(ctx->waste, w->insee, zone)))
        return api_param_invalid(err, "zone", zone, "expected a zone of the commune");
    w->zone_given = zone != NULL;
    if (!w->zone)
        w->zone = life_waste_zone_for(ctx->waste, w->insee, w->street, &w->by_street);
    else
        life_waste_zone_for(ctx->waste, w->insee, NULL, &w->by_street);
    if (!w->zone)
        return gdir_err_set_param(err, GDIR_ENOTFOUND, insee ? "commune" : q ? "q" : "lat",
                                  "La collecte des déchets n'est pas renseignée pour %s.",
                                  c->name);
    return GDIR_OK;
}

/* Today in Europe/Paris, and from= / days= (JSON only). */
static int read_window(const struct api_request *req, struct life_waste_date *today,
                       struct life_waste_date *from, long *days, struct gdir_err *err)
{
    struct gdir_paris_time pt;
    const char *f = api_param(req, "from"), *d = api_param(req, "days");

    if (gdir_paris_from_utc(req->now, &pt))
        return gdir_err_set(err, GDIR_EINTERNAL, "clock out of range");
    *today = (struct life_waste_date){pt.year, pt.month, pt.day};
    *from = *today;
    *days = DEFAULT_DAYS;
    if (f && (life_waste_parse_date(f, from) || from->y < 2000 || from->y > 2999))
        return api_param_invalid(err, "from", f, "expected a date YYYY-MM-DD (2000-2999)");
    if (d && gdir_parse_long(d, 1, LIFE_WASTE_DAYS_MAX, days))
        return api_param_invalid(err, "days", d, "expected a number of days from 1 to 366");
    return GDIR_OK;
}

/* The answer's entity tag; 1 when the client already has it (the router answers 304). */
static int etag_matches(const struct api_ctx *ctx, struct api_db *db,
                        const struct api_request *req, struct life_waste_date today, int minute,
                        struct api_response *res)
{
    uint64_t h = gdir_fnv64(GDIR_FNV64_INIT, "waste", 5);
    uint64_t cfg = life_waste_hash(ctx->waste);
    long day = life_waste_days(today);
    long long now = (long long)req->now;

    h = gdir_fnv64(h, &cfg, sizeof cfg);
    h = gdir_fnv64_field(h, db->build_id);
    h = gdir_fnv64_field(h, req->path);
    for (size_t i = 0; i < req->n_params; i++) {
        h = gdir_fnv64_field(h, req->params[i].name);
        h = gdir_fnv64_field(h, req->params[i].value);
    }
    h = gdir_fnv64(h, &day, sizeof day);
    if (minute)
        h = gdir_fnv64(h, &now, sizeof now);
    api_etag_format(h, res->etag, sizeof res->etag);
    return api_etag_matches(req->headers->if_none_match, res->etag);
}

static void iso_date(struct life_waste_date d, char out[16])
{
    snprintf(out, 16, "%04d-%02d-%02d", d.y, d.m, d.d);
}

/* /api/waste.ics?commune=…&zone=… (no address or position in a subscription's URL). */
static int ical_url(const struct api_ctx *ctx, const struct where *w, struct gdir_buf *b)
{
    gdir_buf_printf(b, "%s/api/waste.ics?commune=%s&zone=", ctx->cfg->public_url, w->insee);
    return api_pct_encode(b, life_waste_zone_id(w->zone), 0);
}

/* ---- JSON ------------------------------------------------------------------------------- */

/* « quand sortir mon bac ? » for one stream. */
static void write_answer(struct gdir_json *j, const struct life_waste_stream *s,
                         const struct life_waste_pickup *next)
{
    char when[80], usual[80], text[600];
    if (!next) {
        gdir_json_kstr(j, "answer", "Pas de collecte prévue dans la période demandée.");
        return;
    }
    life_waste_format_date(next->date, 0, when, sizeof when);
    life_waste_format_date(next->usual, 0, usual, sizeof usual);
    if (next->shifted)
        snprintf(text, sizeof text,
                 "Prochaine collecte le %s, au lieu du %s (%s). Sortez votre bac %s.", when,
                 usual, next->reason, s->put_out);
    else
        snprintf(text, sizeof text, "Prochaine collecte le %s. Sortez votre bac %s.", when,
                 s->put_out);
    gdir_json_kstr(j, "answer", text);
}

static void write_pickup(struct gdir_json *j, const struct life_waste_pickup *p)
{
    char d[16], t[8];
    iso_date(p->date, d);
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "date", d);
    gdir_json_kstr(j, "weekday", life_waste_weekday_name(life_waste_weekday(p->date)));
    snprintf(t, sizeof t, "%02d:%02d", p->hour % 100, p->minute % 100);
    gdir_json_kstr(j, "time", p->has_time ? t : NULL);
    iso_date(p->usual, d);
    gdir_json_kstr(j, "shifted_from", p->shifted ? d : NULL);
    gdir_json_kstr(j, "reason", p->reason[0] ? p->reason : NULL);
    gdir_json_obj_end(j);
}

static void write_stream(struct gdir_json *j, const struct life_waste_stream *s, int si,
                         const struct life_waste_pickup *v, size_t n)
{
    const struct life_waste_pickup *first = NULL;
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "id", s->id);
    gdir_json_kstr(j, "label", s->label);
    gdir_json_kstr(j, "colour", s->colour);
    gdir_json_kstr(j, "accepts", s->accepts);
    gdir_json_kstr(j, "put_out", s->put_out);
    gdir_json_key(j, "next");
    gdir_json_arr_begin(j);
    for (size_t i = 0; i < n; i++)
        if (v[i].stream == si && !v[i].cancelled) {
            first = first ? first : &v[i];
            write_pickup(j, &v[i]);
        }
    gdir_json_arr_end(j);
    gdir_json_key(j, "cancelled");
    gdir_json_arr_begin(j);
    for (size_t i = 0; i < n; i++)
        if (v[i].stream == si && v[i].cancelled)
            write_pickup(j, &v[i]);
    gdir_json_arr_end(j);
    write_answer(j, s, first);
    gdir_json_obj_end(j);
}

/* What the déchèterie writer needs per place. */
struct dech {
    const struct api_ctx *ctx;
    struct api_db *db;
    struct gdir_json *j;
    time_t now;
    char *seen[DECHETERIES_MAX];
    size_t n_seen;
    long long fids[DECHETERIES_MAX];
    size_t n_fids;
};

static int dech_place(void *cls, const struct api_place *p)
{
    struct dech *d = cls;
    struct api_hours_info hi;
    char next[32] = "";

    for (size_t i = 0; i < d->n_seen; i++)
        if (strcmp(d->seen[i], p->id) == 0)
            return GDIR_OK;
    if (d->n_seen == DECHETERIES_MAX || !(d->seen[d->n_seen] = strdup(p->id)))
        return GDIR_OK;
    d->n_seen++;
    api_hours_eval(d->db->hours, d->ctx->calendar, p->opening_hours, d->now, &hi);
    gdir_json_obj_begin(d->j);
    gdir_json_kstr(d->j, "id", p->id);
    gdir_json_kstr(d->j, "name", p->name);
    gdir_json_kstr(d->j, "address", p->address);
    gdir_json_kstr(d->j, "postcode", p->postcode);
    gdir_json_kstr(d->j, "commune", p->commune);
    gdir_json_kstr(d->j, "phone", p->phone);
    gdir_json_kstr(d->j, "opening_hours", p->opening_hours);
    gdir_json_key(d->j, "open_now");
    if (hi.state == GDIR_HOURS_UNKNOWN)
        gdir_json_null(d->j);
    else
        gdir_json_bool(d->j, hi.state == GDIR_HOURS_OPEN);
    if (hi.state != GDIR_HOURS_UNKNOWN && hi.next_change)
        gdir_paris_format(hi.next_change, next, sizeof next);
    gdir_json_kstr(d->j, "next_change", next[0] ? next : NULL);
    gdir_json_knum(d->j, "lat", p->lat, 6);
    gdir_json_knum(d->j, "lon", p->lon, 6);
    gdir_json_kstr(d->j, "licence", p->licence);
    gdir_json_kstr(d->j, "source", p->source_title ? p->source_title : p->source);
    gdir_json_obj_end(d->j);
    return gdir_json_error(d->j);
}

static int dech_candidate(void *cls, const struct api_candidate *c)
{
    struct dech *d = cls;
    if (d->n_fids < DECHETERIES_MAX)
        d->fids[d->n_fids++] = c->fid;
    return GDIR_OK;
}

/* The déchèteries: the configured places, then those of the configured categories. */
static int write_decheteries(const struct api_ctx *ctx, struct api_db *db, time_t now,
                             struct gdir_json *j, struct gdir_err *err)
{
    const char *const *ids = life_waste_decheterie_places(ctx->waste);
    const char *const *cats = life_waste_decheterie_categories(ctx->waste);
    struct dech d = {.ctx = ctx, .db = db, .j = j, .now = now};
    int rc = GDIR_OK;

    gdir_json_key(j, "decheteries");
    gdir_json_arr_begin(j);
    for (size_t i = 0; ids && ids[i] && !rc; i++)
        if ((rc = api_q_place_by_id(db, ids[i], dech_place, &d, err)) == GDIR_ENOTFOUND)
            rc = GDIR_OK;   /* a place gone from the directory: not listed */
    for (size_t i = 0; cats && cats[i] && !rc; i++) {
        d.n_fids = 0;
        rc = api_q_candidates(db, API_CAND_CATEGORY, NULL, cats[i], dech_candidate, &d, err);
        for (size_t k = 0; k < d.n_fids && !rc; k++)
            if ((rc = api_q_place_by_fid(db, d.fids[k], dech_place, &d, err)) ==
                GDIR_ENOTFOUND)
                rc = GDIR_OK;
    }
    gdir_json_arr_end(j);
    for (size_t i = 0; i < d.n_seen; i++)
        free(d.seen[i]);
    return rc;
}

static void write_place(struct gdir_json *j, const struct api_ctx *ctx, const struct where *w)
{
    const struct life_waste_meta *m = life_waste_meta(ctx->waste);
    gdir_json_key(j, "commune");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "insee", w->insee);
    gdir_json_kstr(j, "name", w->name);
    gdir_json_obj_end(j);
    gdir_json_key(j, "address");
    if (w->has_address) {
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "label", w->label);
        gdir_json_kstr(j, "street", w->street[0] ? w->street : NULL);
        gdir_json_obj_end(j);
    } else
        gdir_json_null(j);
    gdir_json_key(j, "zone");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "id", life_waste_zone_id(w->zone));
    gdir_json_kstr(j, "label", life_waste_zone_label(w->zone));
    gdir_json_kbool(j, "by_street", w->by_street);
    gdir_json_kstr(j, "note", w->by_street && !w->has_address && !w->zone_given
                                  ? "Dans cette commune, la collecte dépend de la rue" NBSP ": "
                                    "indiquez votre adresse."
                                  : NULL);
    gdir_json_obj_end(j);
    gdir_json_kstr(j, "title", m->title);
    gdir_json_kstr(j, "source", m->source);
    gdir_json_kstr(j, "publisher", m->publisher);
    gdir_json_kstr(j, "licence", m->licence);
    gdir_json_kstr(j, "date", m->date);
    gdir_json_kbool(j, "example", m->example);
}

static int waste_json(const struct api_ctx *ctx, struct api_db *db, const struct api_request *req,
                      const struct where *w, struct life_waste_date from, long days,
                      struct api_response *res, struct gdir_err *err)
{
    struct life_waste_pickup *v = NULL;
    struct gdir_json j;
    size_t n = 0;
    char d[16];
    int rc = life_waste_next(ctx->waste, w->zone, from, (int)days, &v, &n, err);

    if (rc)
        return rc;
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    write_place(&j, ctx, w);
    iso_date(from, d);
    gdir_json_kstr(&j, "from", d);
    gdir_json_kint(&j, "days", days);
    gdir_json_key(&j, "streams");
    gdir_json_arr_begin(&j);
    for (size_t i = 0; i < life_waste_n_streams(ctx->waste); i++)
        if (life_waste_zone_collects(w->zone, (int)i))   /* the streams of this zone only */
            write_stream(&j, life_waste_stream_at(ctx->waste, i), (int)i, v, n);
    gdir_json_arr_end(&j);
    free(v);
    if ((rc = write_decheteries(ctx, db, req->now, &j, err)))
        return rc;
    gdir_json_key(&j, "ical_url");
    {
        struct gdir_buf b;
        gdir_buf_init(&b, 1024);
        ical_url(ctx, w, &b);
        gdir_json_str(&j, gdir_buf_str(&b));
        gdir_buf_free(&b);
    }
    gdir_json_obj_end(&j);
    return api_json_done(res, &j, API_CT_JSON, err);
}

/* What both handlers do first: the configuration, the parameters, the tag, the place. *done is
 * set when the client has the answer already (304). */
static int prepare(const struct api_ctx *ctx, const struct api_request *req, int minute,
                   struct api_db **db, struct where *w, struct life_waste_date *today,
                   struct life_waste_date *from, long *days, struct api_response *res,
                   int *done, struct gdir_err *err)
{
    int rc;
    *done = 0;
    if (!ctx->waste)
        return not_configured(err);
    if ((rc = check_selectors(req, err)) || (rc = read_window(req, today, from, days, err)) ||
        (rc = api_dbpool_get(ctx->pool, db, err)))
        return rc;
    if (etag_matches(ctx, *db, req, *today, minute, res)) {
        *done = 1;
        return GDIR_OK;
    }
    return resolve(ctx, *db, req, w, err);
}

int h_waste(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
            struct gdir_err *err)
{
    struct api_db *db = NULL;
    struct where w;
    struct life_waste_date today, from;
    long days;
    int done, rc = prepare(ctx, req, 1, &db, &w, &today, &from, &days, res, &done, err);

    if (rc || done)
        return rc;
    return waste_json(ctx, db, req, &w, from, days, res, err);
}

/* ---- iCalendar -------------------------------------------------------------------------- */

static struct gdir_ical_time ical_day(struct life_waste_date d)
{
    return (struct gdir_ical_time){d.y, d.m, d.d, 0, 0};
}

/* One collection day of one stream as a VEVENT. */
static int ics_event(const struct api_ctx *ctx, const struct where *w, const char *host,
                     time_t stamp, const struct life_waste_pickup *p, struct gdir_buf *b)
{
    const struct life_waste_stream *s = life_waste_stream_at(ctx->waste, (size_t)p->stream);
    char uid[200], summary[300], desc[900], alarm[300], usual[80];
    struct gdir_ical_event e = {0};

    snprintf(uid, sizeof uid, "collecte-%s-%s-%s-%04d%02d%02d@%s", w->insee,
             life_waste_zone_id(w->zone), s->id, p->usual.y, p->usual.m, p->usual.d, host);
    snprintf(summary, sizeof summary, "Collecte" NBSP ": %s", s->label);
    life_waste_format_date(p->usual, 0, usual, sizeof usual);
    snprintf(desc, sizeof desc, "Sortez votre bac %s.%s%s%s%s", s->put_out,
             p->shifted ? " Collecte décalée (au lieu du " : "", p->shifted ? usual : "",
             p->shifted ? ")" NBSP ": " : "", p->shifted ? p->reason : "");
    snprintf(alarm, sizeof alarm, "Sortir le bac ce soir" NBSP ": %s", s->label);
    e.uid = uid;
    e.stamp = stamp;
    e.start = ical_day(p->date);
    e.all_day = !p->has_time;
    if (p->has_time) {
        e.start.hour = p->hour;
        e.start.minute = p->minute;
        e.end = e.start;
        e.end.hour = p->hour < 23 ? p->hour + 1 : 23;
        e.end.minute = p->hour < 23 ? p->minute : 59;
    } else
        e.end = ical_day(life_waste_from_days(life_waste_days(p->date) + 1));
    e.summary = summary;
    e.description = desc;
    e.location = w->name;
    e.categories = s->label;
    e.status = "CONFIRMED";
    e.alarm_minutes = ALARM_EVENING_MIN + (p->has_time ? p->hour * 60 + p->minute : 0);
    e.alarm_text = alarm;
    return gdir_ical_event(b, &e);
}

static int waste_ics(const struct api_ctx *ctx, const struct where *w,
                     struct life_waste_date today, struct api_response *res,
                     struct gdir_err *err)
{
    const struct life_waste_meta *m = life_waste_meta(ctx->waste);
    struct life_waste_date next_year = {today.y + 1, today.m, today.d == 29 && today.m == 2
                                                                  ? 28 : today.d};
    struct life_waste_date md;
    struct life_waste_pickup *v = NULL;
    size_t n = 0;
    char name[300], host[200] = "geodir";
    time_t stamp = 0;
    int rc = life_waste_next(ctx->waste, w->zone, today,
                             (int)(life_waste_days(next_year) - life_waste_days(today)), &v, &n,
                             err);
    if (rc)
        return rc;
    if (ctx->cfg->public_url[0])
        sscanf(ctx->cfg->public_url, "%*[a-z]://%199[^/:]", host);
    if (life_waste_parse_date(m->date, &md) == 0)
        gdir_paris_to_utc(md.y, md.m, md.d, 0, 0, 0, &stamp);
    snprintf(name, sizeof name, "Collecte des déchets — %s (%s)", w->name,
             life_waste_zone_label(w->zone));
    gdir_ical_begin(&res->body, &(struct gdir_ical_cal){name, m->title, 24});
    for (size_t i = 0; i < n && !rc; i++)
        if (!v[i].cancelled)
            rc = ics_event(ctx, w, host, stamp, &v[i], &res->body);
    free(v);
    if (rc || (rc = gdir_ical_end(&res->body)))
        return gdir_err_set(err, GDIR_EINTERNAL, "calendar too large");
    res->content_type = ICS_CT;
    return api_response_header(res, "Content-Disposition",
                               "inline; filename=\"collecte-dechets.ics\"");
}

int h_waste_ics(const struct api_ctx *ctx, const struct api_request *req,
                struct api_response *res, struct gdir_err *err)
{
    struct api_db *db = NULL;
    struct where w;
    struct life_waste_date today, from;
    long days;
    int done, rc = prepare(ctx, req, 0, &db, &w, &today, &from, &days, res, &done, err);

    res->content_type = ICS_CT;
    if (rc || done)
        return rc;
    return waste_ics(ctx, &w, today, res, err);
}
