/*
 * h_places.c — GET /api/places (the place search: proximity, k nearest, box, text, categories,
 * communes, open now / open at, facets, keyset paging, JSON or GeoJSON, property selection)
 * and GET /api/places/{id} (one place as a GeoJSON Feature).
 *
 * This file reads and cross-checks the parameters, runs the engine (api_search.c) and writes
 * the answer; every place carries, when it has opening hours, their state at the request's
 * instant (api_hours.c). The rules are documented in docs/api.md.
 */
#include "api_cursor.h"
#include "api_dbpool.h"
#include "api_handlers.h"
#include "api_hours.h"
#include "api_params.h"
#include "api_search.h"
#include "api_split.h"
#include "gdir_json.h"

#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Feature properties, in output order; properties= selects among them. */
enum prop {
    P_NAME, P_CATEGORY, P_CATEGORY_LABEL, P_PARENT_CATEGORY, P_ADDRESS, P_POSTCODE, P_INSEE,
    P_COMMUNE, P_PHONE, P_EMAIL, P_WEBSITE, P_OPENING_HOURS, P_HOURS_VALID, P_OPEN_STATE,
    P_NEXT_CHANGE, P_NEXT_STATE, P_DESCRIPTION, P_SOURCE, P_SOURCE_TITLE, P_PUBLISHER, P_LICENCE,
    P_SOURCE_DATE, P_CONTRIBUTION, P_CONTRIBUTION_DATE, P_GEOCODE_PRECISION, P_GEOCODE_SCORE, P_DISTANCE, P_SCORE, P_COUNT
};

static const char *const prop_names[] = {
    "name", "category", "category_label", "parent_category", "address", "postcode", "insee",
    "commune", "phone", "email", "website", "opening_hours", "opening_hours_valid", "open_state",
    "next_change", "next_state", "description", "source", "source_title", "publisher", "licence",
    "source_date", "contribution", "contribution_date", "geocode_precision", "geocode_score", "distance_m", "score", NULL,
};

#define ALL_PROPS ((1ull << P_COUNT) - 1)
#define HAS(mask, p) (((mask) >> (p)) & 1ull)

/* How one place is written. */
struct place_out {
    const struct api_ctx *ctx;
    struct api_db *db;
    struct gdir_json *j;
    enum api_format format;       /* GeoJSON Feature or plain JSON object */
    unsigned long long props;     /* prop bits */
    double distance;              /* < 0: none */
    double score;                 /* < 0: none */
    time_t when;                  /* instant of open_state */
};

/* A place is written straight into the response buffer: its keys are constants, written
 * pre-quoted, and its values go through gdir_json_escape (strings) or the number formatting
 * below, so the bytes are those gdir_json would write, without its per-key work (separator
 * state, escaping of the key), which was about a fifth of a search's time. */
struct fw {
    struct gdir_buf *b;
    int first;                    /* no member written yet in the current object */
};

static void fw_key(struct fw *w, const char *quoted, size_t n)
{
    if (!w->first)
        gdir_buf_addc(w->b, ',');
    w->first = 0;
    gdir_buf_add(w->b, quoted, n);
}

#define FW_KEY(w, k) fw_key((w), "\"" k "\":", sizeof "\"" k "\":" - 1)
#define FW_LIT(w, lit) gdir_buf_add((w)->b, lit, sizeof lit - 1)

static void fw_str(struct fw *w, const char *s)
{
    if (!s) {
        FW_LIT(w, "null");
        return;
    }
    gdir_buf_addc(w->b, '"');
    gdir_json_escape(w->b, s, strlen(s));
    gdir_buf_addc(w->b, '"');
}

static void fw_kstr(struct fw *w, const char *quoted, size_t n, const char *s)
{
    fw_key(w, quoted, n);
    fw_str(w, s);
}

#define FW_KSTR(w, k, s) fw_kstr((w), "\"" k "\":", sizeof "\"" k "\":" - 1, (s))

/* Writes v with `decimals` decimals, trailing zeros dropped (gdir_json_num, printf-free for
 * ordinary values), at the start of its own level: no separator. */
static void fw_fixed(struct fw *w, double v, int decimals)
{
    struct gdir_json j;
    gdir_json_init(&j, w->b);
    gdir_json_num(&j, v, decimals);
}

static void write_hours(struct fw *w, const struct place_out *o, const struct api_place *p)
{
    struct api_hours_info hi;
    char when[40];

    api_hours_eval(o->db->hours, o->ctx->calendar, p->opening_hours, o->when, &hi);
    if (HAS(o->props, P_OPENING_HOURS))
        FW_KSTR(w, "opening_hours",
                p->opening_hours && *p->opening_hours ? p->opening_hours : NULL);
    if (HAS(o->props, P_HOURS_VALID)) {
        FW_KEY(w, "opening_hours_valid");
        if (!hi.has)
            FW_LIT(w, "null");
        else if (hi.valid)
            FW_LIT(w, "true");
        else
            FW_LIT(w, "false");
    }
    if (HAS(o->props, P_OPEN_STATE))
        FW_KSTR(w, "open_state", hi.has ? gdir_hours_state_name(hi.state) : NULL);
    if (hi.has && hi.next_change && gdir_paris_format(hi.next_change, when, sizeof when) == 0) {
        if (HAS(o->props, P_NEXT_CHANGE))
            FW_KSTR(w, "next_change", when);
        if (HAS(o->props, P_NEXT_STATE))
            FW_KSTR(w, "next_state", gdir_hours_state_name(hi.next_state));
    } else {
        if (HAS(o->props, P_NEXT_CHANGE))
            FW_KSTR(w, "next_change", NULL);
        if (HAS(o->props, P_NEXT_STATE))
            FW_KSTR(w, "next_state", NULL);
    }
}

/* A property that is a string member of struct api_place, written as it is. */
struct str_prop {
    enum prop prop;
    const char *quoted;   /* "\"key\":" */
    size_t n;             /* its length */
    size_t off;           /* offsetof(struct api_place, member) */
};

#define STR_PROP(p, k, member)                                                                     \
    {(p), "\"" k "\":", sizeof "\"" k "\":" - 1, offsetof(struct api_place, member)}

/* Those between the category and the opening hours, and those after the hours. */
static const struct str_prop props_before_hours[] = {
    STR_PROP(P_ADDRESS, "address", address),   STR_PROP(P_POSTCODE, "postcode", postcode),
    STR_PROP(P_INSEE, "insee", insee),         STR_PROP(P_COMMUNE, "commune", commune),
    STR_PROP(P_PHONE, "phone", phone),         STR_PROP(P_EMAIL, "email", email),
    STR_PROP(P_WEBSITE, "website", website),
};
static const struct str_prop props_after_hours[] = {
    STR_PROP(P_DESCRIPTION, "description", description),
    STR_PROP(P_SOURCE, "source", source),
    STR_PROP(P_SOURCE_TITLE, "source_title", source_title),
    STR_PROP(P_PUBLISHER, "publisher", publisher),
    STR_PROP(P_LICENCE, "licence", licence),
    STR_PROP(P_SOURCE_DATE, "source_date", source_date),
    /* a resident's contribution validated by a commune (docs/backoffice.md §7) */
    STR_PROP(P_CONTRIBUTION, "contribution", contribution),
    STR_PROP(P_CONTRIBUTION_DATE, "contribution_date", contribution_date),
    /* how geodir placed it from its address; null when the source gave the point */
    STR_PROP(P_GEOCODE_PRECISION, "geocode_precision", geocode_precision),
};

/* Writes the selected (mask m) string properties of table t, in its order. */
static void write_str_props(struct fw *w, unsigned long long m, const struct api_place *p,
                            const struct str_prop *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (HAS(m, t[i].prop))
            fw_kstr(w, t[i].quoted, t[i].n,
                    *(const char *const *)((const char *)p + t[i].off));
}

static void write_properties(struct fw *w, const struct place_out *o, const struct api_place *p)
{
    const struct gdir_category *cat = p->category ? gdir_category_find(p->category) : NULL;
    unsigned long long m = o->props;

    if (HAS(m, P_NAME))
        FW_KSTR(w, "name", p->name);
    if (HAS(m, P_CATEGORY))
        FW_KSTR(w, "category", p->category);
    if (HAS(m, P_CATEGORY_LABEL))
        FW_KSTR(w, "category_label", cat ? cat->label : NULL);
    if (HAS(m, P_PARENT_CATEGORY))
        FW_KSTR(w, "parent_category", cat ? cat->parent : NULL);
    write_str_props(w, m, p, props_before_hours,
                    sizeof props_before_hours / sizeof props_before_hours[0]);
    write_hours(w, o, p);
    write_str_props(w, m, p, props_after_hours,
                    sizeof props_after_hours / sizeof props_after_hours[0]);
    if (HAS(m, P_GEOCODE_SCORE)) {
        FW_KEY(w, "geocode_score");
        if (p->has_geocode_score)
            fw_fixed(w, p->geocode_score, 3);
        else
            FW_LIT(w, "null");
    }
    if (HAS(m, P_DISTANCE) && o->distance >= 0) {
        FW_KEY(w, "distance_m");
        fw_fixed(w, o->distance, 1);
    }
    if (HAS(m, P_SCORE) && o->score >= 0) {
        FW_KEY(w, "score");
        fw_fixed(w, o->score, 6);
    }
}

/* Writes one place as the next value of o->j: a GeoJSON Feature or a plain JSON object. */
static int place_cb(void *cls, const struct api_place *p)
{
    const struct place_out *o = cls;
    struct fw w = {o->j->out, 1};

    if (gdir_json_raw(o->j, ""))          /* the separator before the value, if any */
        return gdir_json_error(o->j);
    if (o->format == API_FMT_JSON) {
        FW_LIT(&w, "{");
        FW_KSTR(&w, "id", p->id);
        FW_KEY(&w, "lat");
        fw_fixed(&w, p->lat, 7);
        FW_KEY(&w, "lon");
        fw_fixed(&w, p->lon, 7);
        write_properties(&w, o, p);
        FW_LIT(&w, "}");
    } else {
        FW_LIT(&w, "{\"type\":\"Feature\",\"id\":");
        fw_str(&w, p->id);
        FW_LIT(&w, ",\"geometry\":{\"type\":\"Point\",\"coordinates\":[");
        fw_fixed(&w, p->lon, 7);
        FW_LIT(&w, ",");
        fw_fixed(&w, p->lat, 7);
        FW_LIT(&w, "]},\"properties\":{");
        w.first = 1;
        write_properties(&w, o, p);
        FW_LIT(&w, "}}");
    }
    return w.b->err;
}

/* A place of a page written from one statement (api_search_read_scored). */
static int page_cb(void *cls, const struct api_place *p, double distance, double score)
{
    struct place_out *o = cls;
    o->distance = distance;
    o->score = score;
    return place_cb(o, p);
}

/* ---- parameters ------------------------------------------------------------------------ */

/* Everything a search request says, with the storage its strings point into. */
struct search_request {
    struct api_search_params p;
    struct api_filter_store st;
    char cursor_buf[API_CURSOR_MAX + 1];
    unsigned long long props;
    int has_q;
    struct api_text_query rest;   /* q without the commune it names (api_split.h) */
    long split;                   /* that commune's index in db->communes, -1: none */
};

static int read_params(const struct api_request *req, struct search_request *s,
                       struct gdir_err *err)
{
    static const char *const sorts[] = {"distance", "relevance", "name", NULL};
    static const char *const facet_names[] = {"category", "commune", NULL};
    struct api_search_params *p = &s->p;
    int rc, has, sort;
    unsigned long long mask;

    memset(s, 0, sizeof *s);
    if ((rc = api_filters_read(req, API_FILTER_BBOX | API_FILTER_OPEN_AT, p, &s->st,
                               p->categories, &p->n_categories, err)))
        return rc;
    s->has_q = p->text != NULL;

    if ((rc = api_param_enum(req, "sort", sorts, &sort, err)))
        return rc;
    if ((rc = api_sort_settle(p, sort, s->has_q, "sort", err)))
        return rc;
    if ((rc = api_param_limit(req, &p->limit, err)))
        return rc;
    if ((rc = api_param_enum_list(req, "facets", facet_names, &has, &mask, err)))
        return rc;
    p->facet_category = (mask & 1) != 0;
    p->facet_commune = (mask & 2) != 0;
    if ((rc = api_param_enum_list(req, "properties", prop_names, &has, &mask, err)))
        return rc;
    s->props = has ? mask : ALL_PROPS;
    return api_page_read(req, p, s->has_q, s->cursor_buf, sizeof s->cursor_buf, err);
}

/* ---- answer ---------------------------------------------------------------------------- */

/* The link to this search with another cursor (NULL: the request as it came). */
static int write_link(struct gdir_json *j, const struct api_request *req, const char *rel,
                      const char *type, const char *cursor)
{
    struct gdir_buf href;
    int rc = 0, first = 1;

    gdir_buf_init(&href, 0);
    rc = gdir_buf_adds(&href, req->path);
    for (size_t i = 0; !rc && i < req->n_params; i++) {
        if (cursor && strcmp(req->params[i].name, "cursor") == 0)
            continue;
        rc = gdir_buf_addc(&href, first ? '?' : '&');
        first = 0;
        if (!rc)
            rc = api_pct_encode(&href, req->params[i].name, 0);
        if (!rc)
            rc = gdir_buf_addc(&href, '=');
        if (!rc)
            rc = api_pct_encode(&href, req->params[i].value, 0);
    }
    if (!rc && cursor) {
        rc = gdir_buf_adds(&href, first ? "?cursor=" : "&cursor=");
        if (!rc)
            rc = gdir_buf_adds(&href, cursor);
    }
    if (!rc) {
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "rel", rel);
        gdir_json_kstr(j, "type", type);
        gdir_json_kstr(j, "href", gdir_buf_str(&href));
        gdir_json_obj_end(j);
    }
    gdir_buf_free(&href);
    return rc;
}

/* Opens a facet: `name: {"total": total, "values": [` (closed by facet_close). */
static void facet_open(struct gdir_json *j, const char *name, long long total)
{
    gdir_json_key(j, name);
    gdir_json_obj_begin(j);
    gdir_json_kint(j, "total", total);
    gdir_json_key(j, "values");
    gdir_json_arr_begin(j);
}

static void facet_close(struct gdir_json *j)
{
    gdir_json_arr_end(j);
    gdir_json_obj_end(j);
}

/* Opens a facet value: `{k1: v1, k2: v2, "count": count` (the caller closes the object). */
static void facet_value(struct gdir_json *j, const char *k1, const char *v1, const char *k2,
                        const char *v2, long long count)
{
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, k1, v1);
    gdir_json_kstr(j, k2, v2);
    gdir_json_kint(j, "count", count);
}

/* The category facet: top-level categories with their children's counts added, then each
 * child with places. */
static void write_category_facet(struct gdir_json *j, const struct api_search_result *r)
{
    size_t n_tax;
    const struct gdir_category *tax = gdir_taxonomy(&n_tax);

    facet_open(j, "category", r->category_total);
    for (size_t t = 0; t < n_tax; t++) {
        long long total = r->category_counts[t];
        if (tax[t].parent)
            continue;
        for (size_t c = 0; c < n_tax; c++)
            if (tax[c].parent && strcmp(tax[c].parent, tax[t].code) == 0)
                total += r->category_counts[c];
        if (total == 0)
            continue;
        facet_value(j, "code", tax[t].code, "label", tax[t].label, total);
        gdir_json_key(j, "children");
        gdir_json_arr_begin(j);
        for (size_t c = 0; c < n_tax; c++) {
            if (!tax[c].parent || strcmp(tax[c].parent, tax[t].code) != 0 ||
                r->category_counts[c] == 0)
                continue;
            facet_value(j, "code", tax[c].code, "label", tax[c].label, r->category_counts[c]);
            gdir_json_obj_end(j);
        }
        gdir_json_arr_end(j);
        gdir_json_obj_end(j);
    }
    facet_close(j);
}

static void write_facets(struct gdir_json *j, const struct api_db *db,
                         const struct api_search_params *p, const struct api_search_result *r)
{
    gdir_json_key(j, "facets");
    gdir_json_obj_begin(j);
    if (p->facet_category)
        write_category_facet(j, r);
    if (p->facet_commune) {
        facet_open(j, "commune", r->commune_total);
        for (size_t i = 0; i < r->n_commune_counts; i++) {
            if (r->commune_counts[i] == 0)
                continue;
            facet_value(j, "insee", i < db->n_communes ? db->communes[i].insee : NULL, "name",
                        i < db->n_communes ? db->communes[i].name : NULL, r->commune_counts[i]);
            gdir_json_obj_end(j);
        }
        facet_close(j);
    }
    gdir_json_obj_end(j);
}

/* ---- dead ends: nothing within the radius ----------------------------------------------- */

/* The nearest place of a search p beyond its radius (nothing within it): the same search
 * without radius nor k, by distance, one place; its numberMatched is every match. */
static int search_beyond(const struct api_ctx *ctx, struct api_db *db,
                         const struct api_search_params *p, struct api_search_result *b,
                         struct gdir_err *err)
{
    struct api_search_params q = *p;

    q.has_radius = 0;
    q.k = 0;
    q.sort = API_SORT_DISTANCE;
    q.limit = 1;
    q.cursor_dir = API_CURSOR_NONE;
    q.facet_category = q.facet_commune = 0;
    return api_search_run(db, ctx->calendar, &q, b, err);
}

struct beyond_out {
    struct gdir_json *j;
    double distance;
};

static int beyond_cb(void *cls, const struct api_place *p)
{
    const struct beyond_out *o = cls;
    const struct gdir_category *cat = p->category ? gdir_category_find(p->category) : NULL;

    gdir_json_obj_begin(o->j);
    gdir_json_kstr(o->j, "id", p->id);
    gdir_json_kstr(o->j, "name", p->name);
    gdir_json_kstr(o->j, "category", p->category);
    gdir_json_kstr(o->j, "category_label", cat ? cat->label : NULL);
    gdir_json_kstr(o->j, "insee", p->insee);
    gdir_json_kstr(o->j, "commune", p->commune);
    gdir_json_knum(o->j, "lat", p->lat, 7);
    gdir_json_knum(o->j, "lon", p->lon, 7);
    gdir_json_knum(o->j, "distance_m", o->distance, 1);
    gdir_json_obj_end(o->j);
    return gdir_json_error(o->j);
}

/* `"matched_beyond": N, "nearest_beyond": {…} | null` for a search that found nothing within
 * its radius. */
static int write_beyond(struct gdir_json *j, struct api_db *db, const struct api_search_result *b,
                        struct gdir_err *err)
{
    struct beyond_out o = {j, b->n > 0 ? b->hits[0].key.d : 0};

    gdir_json_kint(j, "matched_beyond", b->matched);
    gdir_json_key(j, "nearest_beyond");
    if (b->n == 0) {
        gdir_json_null(j);
        return GDIR_OK;
    }
    return api_search_read_page(db, b, beyond_cb, &o, err);
}

/* 400 naming commune when one of p's communes is not a member commune. */
static int check_communes(struct api_db *db, const struct api_search_params *p,
                          struct gdir_err *err)
{
    for (size_t i = 0; i < p->n_communes; i++) {
        int member;
        int rc = api_q_commune_member(db, p->communes[i], &member, err);
        if (rc)
            return rc;
        if (!member)
            return api_param_invalid(err, "commune", p->communes[i],
                                     "expected INSEE codes of member communes");
    }
    return GDIR_OK;
}

int h_places_search(const struct api_ctx *ctx, const struct api_request *req,
                    struct api_response *res, struct gdir_err *err)
{
    struct search_request *s = malloc(sizeof *s);
    struct api_search_result r, beyond;
    struct api_db *db;
    struct gdir_json j;
    const char *ct;
    char token[API_CURSOR_MAX + 1];
    int rc, empty_circle;

    memset(&r, 0, sizeof r);
    memset(&beyond, 0, sizeof beyond);
    if (!s)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    rc = read_params(req, s, err);
    if (rc)
        goto out;
    rc = api_dbpool_get(ctx->pool, &db, err);
    if (rc)
        goto out;
    rc = check_communes(db, &s->p, err);
    if (rc)
        goto out;
    rc = api_search_run(db, ctx->calendar, &s->p, &r, err);
    s->split = -1;
    if (rc || (rc = api_split_search(db, ctx->calendar, &s->p, &r, &s->rest, &s->split, err)))
        goto out;
    empty_circle = r.matched == 0 && s->p.has_point && s->p.has_radius &&
                   s->p.cursor_dir == API_CURSOR_NONE;
    if (empty_circle && (rc = search_beyond(ctx, db, &s->p, &beyond, err)))
        goto out;

    ct = req->format == API_FMT_JSON ? API_CT_JSON : API_CT_GEOJSON;
    /* About 0.8 KB per place: one allocation instead of doubling from 256 bytes (6 reallocs
     * and copies for a page of 20). */
    gdir_buf_reserve(&res->body, 1024 + r.n * 1024);
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    if (req->format == API_FMT_GEOJSON)
        gdir_json_kstr(&j, "type", "FeatureCollection");
    gdir_json_kint(&j, "numberMatched", r.matched);
    gdir_json_kint(&j, "numberReturned", (long long)r.n);
    if (s->p.open_filter)
        gdir_json_kint(&j, "hours_unknown_excluded", r.hours_unknown);
    if (s->split >= 0)
        api_split_write(&j, db, &s->rest, s->split);
    if (empty_circle && (rc = write_beyond(&j, db, &beyond, err)))
        goto out;
    if (s->p.facet_category || s->p.facet_commune)
        write_facets(&j, db, &s->p, &r);
    gdir_json_key(&j, req->format == API_FMT_JSON ? "places" : "features");
    gdir_json_arr_begin(&j);
    {
        struct place_out o = {ctx, db, &j, req->format, s->props, -1, -1, s->p.when};
        rc = api_search_read_scored(db, &r, s->p.has_point, s->has_q, page_cb, &o, err);
        if (rc) {
            if (!err->code)
                gdir_err_set(err, rc, "response body: %s", gdir_err_text(rc));
            goto out;
        }
    }
    gdir_json_arr_end(&j);
    gdir_json_key(&j, "links");
    gdir_json_arr_begin(&j);
    write_link(&j, req, "self", ct, NULL);
    if (r.has_next && r.n > 0 &&
        api_cursor_encode(s->p.sort, API_CURSOR_AFTER, &r.hits[r.n - 1].key, token,
                          sizeof token) == 0)
        write_link(&j, req, "next", ct, token);
    if (r.has_prev && r.n > 0 &&
        api_cursor_encode(s->p.sort, API_CURSOR_BEFORE, &r.hits[0].key, token, sizeof token) == 0)
        write_link(&j, req, "prev", ct, token);
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    rc = api_json_done(res, &j, ct, err);
out:
    api_search_result_free(&r);
    api_search_result_free(&beyond);
    free(s);
    return rc;
}

int h_place(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
            struct gdir_err *err)
{
    const char *id = api_capture(req, "id");
    char quoted[API_QUOTE_MAX * 4 + 16];
    struct place_out o;
    struct api_db *db;
    struct gdir_json j;
    int rc;

    rc = api_dbpool_get(ctx->pool, &db, err);
    if (rc)
        return rc;
    gdir_json_init(&j, &res->body);
    o = (struct place_out){ctx, db, &j, API_FMT_GEOJSON, ALL_PROPS, -1, -1, req->now};
    rc = api_q_place_by_id(db, id ? id : "", place_cb, &o, err);
    if (rc == GDIR_ENOTFOUND && !err->code) {
        api_quote(quoted, sizeof quoted, id ? id : "");
        return gdir_err_set(err, GDIR_ENOTFOUND, "no place with id %s", quoted);
    }
    if (rc) {
        if (!err->code)
            gdir_err_set(err, rc, "response body: %s", gdir_err_text(rc));
        return rc;
    }
    return api_json_done(res, &j, API_CT_GEOJSON, err);
}
