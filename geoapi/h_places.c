/*
 * h_places.c — GET /api/places (places within a radius of a point, nearest first) and
 * GET /api/places/{id} (one place), both as GeoJSON.
 *
 * Proximity: the circle's bounding box (gdir_bbox_around) selects candidates through the
 * R*Tree (api_q_places_in_box); the exact great-circle distance (gdir_haversine_m) is computed
 * here for each candidate, those within the radius are kept, sorted by (distance, id), counted
 * (numberMatched) and the first `limit` are fetched in full by row id and written.
 */
#include "api_dbpool.h"
#include "api_handlers.h"
#include "gdir_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Upper bound on places kept within one radius (memory guard: 16 bytes + id each). */
#define MAX_HITS 1000000u

struct hit {
    long long fid;       /* places.fid */
    double d;            /* metres from the query point */
    size_t id_off;       /* offset of the public id in near.ids while collecting */
    const char *id;      /* the public id, once collecting is over */
};

struct near {
    double lat, lon, radius;
    struct hit *hits;    /* owned */
    size_t n, cap;
    struct gdir_buf ids; /* the ids of the hits, NUL-separated */
};

static int on_candidate(void *cls, long long fid, double lat, double lon, const char *id)
{
    struct near *s = cls;
    double d = gdir_haversine_m(s->lat, s->lon, lat, lon);

    if (!(d <= s->radius))
        return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        struct hit *h;
        if (cap > MAX_HITS)
            return GDIR_ETOOBIG;
        h = realloc(s->hits, cap * sizeof *h);
        if (!h)
            return GDIR_ENOMEM;
        s->hits = h;
        s->cap = cap;
    }
    s->hits[s->n].fid = fid;
    s->hits[s->n].d = d;
    s->hits[s->n].id_off = s->ids.len;
    s->n++;
    return gdir_buf_add(&s->ids, id ? id : "", (id ? strlen(id) : 0) + 1);
}

static int by_distance_then_id(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    if (x->d < y->d)
        return -1;
    if (x->d > y->d)
        return 1;
    return strcmp(x->id, y->id);
}

/* Writes one place as a GeoJSON Feature; distance_m only when distance >= 0. */
static void write_feature(struct gdir_json *j, const struct api_place *p, double distance)
{
    const struct gdir_category *cat = p->category ? gdir_category_find(p->category) : NULL;

    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "Feature");
    gdir_json_kstr(j, "id", p->id);
    gdir_json_key(j, "geometry");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "Point");
    gdir_json_key(j, "coordinates");
    gdir_json_arr_begin(j);
    gdir_json_num(j, p->lon, 7);
    gdir_json_num(j, p->lat, 7);
    gdir_json_arr_end(j);
    gdir_json_obj_end(j);
    gdir_json_key(j, "properties");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "name", p->name);
    gdir_json_kstr(j, "category", p->category);
    gdir_json_kstr(j, "category_label", cat ? cat->label : NULL);
    gdir_json_kstr(j, "parent_category", cat ? cat->parent : NULL);
    gdir_json_kstr(j, "address", p->address);
    gdir_json_kstr(j, "postcode", p->postcode);
    gdir_json_kstr(j, "insee", p->insee);
    gdir_json_kstr(j, "commune", p->commune);
    gdir_json_kstr(j, "phone", p->phone);
    gdir_json_kstr(j, "email", p->email);
    gdir_json_kstr(j, "website", p->website);
    gdir_json_kstr(j, "opening_hours", p->opening_hours);
    gdir_json_kstr(j, "description", p->description);
    gdir_json_kstr(j, "source", p->source);
    gdir_json_kstr(j, "source_title", p->source_title);
    gdir_json_kstr(j, "publisher", p->publisher);
    gdir_json_kstr(j, "licence", p->licence);
    gdir_json_kstr(j, "source_date", p->source_date);
    if (distance >= 0)
        gdir_json_knum(j, "distance_m", distance, 1);
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
}

struct feature_out {
    struct gdir_json *j;
    double distance;     /* -1: none */
};

static int feature_cb(void *cls, const struct api_place *p)
{
    struct feature_out *f = cls;
    write_feature(f->j, p, f->distance);
    return gdir_json_error(f->j);
}

int h_places_near(const struct api_ctx *ctx, const struct api_request *req,
                  struct api_response *res, struct gdir_err *err)
{
    struct near s = {0};
    const struct gdir_category *cat;
    const char *insee;
    struct gdir_bbox box;
    struct api_db *db;
    struct gdir_json j;
    long limit;
    int rc, member;

    gdir_buf_init(&s.ids, API_BODY_MAX);
    rc = api_param_lat(req, &s.lat, err);
    if (!rc)
        rc = api_param_lon(req, &s.lon, err);
    if (!rc)
        rc = api_param_radius(req, &s.radius, err);
    if (!rc)
        rc = api_param_category(req, &cat, err);
    if (!rc)
        rc = api_param_commune(req, &insee, err);
    if (!rc)
        rc = api_param_limit(req, &limit, err);
    if (rc)
        goto out;
    rc = api_dbpool_get(ctx->pool, &db, err);
    if (rc)
        goto out;
    if (insee) {
        rc = api_q_commune_member(db, insee, &member, err);
        if (rc)
            goto out;
        if (!member) {
            rc = api_param_invalid(err, "commune", insee,
                                   "expected the INSEE code of a member commune");
            goto out;
        }
    }

    gdir_bbox_around(s.lat, s.lon, s.radius, &box);
    rc = api_q_places_in_box(db, &box, cat ? cat->code : NULL, insee, on_candidate, &s, err);
    if (rc) {
        if (!err->code)
            gdir_err_set(err, GDIR_EINTERNAL, "proximity search: %s", gdir_err_text(rc));
        rc = err->code;
        goto out;
    }
    for (size_t i = 0; i < s.n; i++)
        s.hits[i].id = s.ids.data + s.hits[i].id_off;
    if (s.n > 1)
        qsort(s.hits, s.n, sizeof *s.hits, by_distance_then_id);

    size_t returned = s.n < (size_t)limit ? s.n : (size_t)limit;
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "type", "FeatureCollection");
    gdir_json_kint(&j, "numberMatched", (long long)s.n);
    gdir_json_kint(&j, "numberReturned", (long long)returned);
    gdir_json_key(&j, "features");
    gdir_json_arr_begin(&j);
    for (size_t i = 0; i < returned; i++) {
        struct feature_out f = {&j, s.hits[i].d};
        rc = api_q_place_by_fid(db, s.hits[i].fid, feature_cb, &f, err);
        if (rc == GDIR_ENOTFOUND && !err->code)
            gdir_err_set(err, GDIR_EINTERNAL, "place %lld vanished", s.hits[i].fid);
        if (rc && err->code) {
            rc = err->code;
            goto out;
        }
    }
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    rc = api_json_done(res, &j, API_CT_GEOJSON, err);
out:
    free(s.hits);
    gdir_buf_free(&s.ids);
    return rc;
}

int h_place(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
            struct gdir_err *err)
{
    const char *id = api_capture(req, "id");
    char quoted[API_QUOTE_MAX * 4 + 16];
    struct feature_out f;
    struct api_db *db;
    struct gdir_json j;
    int rc;

    rc = api_dbpool_get(ctx->pool, &db, err);
    if (rc)
        return rc;
    gdir_json_init(&j, &res->body);
    f.j = &j;
    f.distance = -1;
    rc = api_q_place_by_id(db, id ? id : "", feature_cb, &f, err);
    if (rc == GDIR_ENOTFOUND && !err->code) {
        api_quote(quoted, sizeof quoted, id ? id : "");
        return gdir_err_set(err, GDIR_ENOTFOUND, "no place with id %s", quoted);
    }
    if (rc && err->code)
        return rc;
    return api_json_done(res, &j, API_CT_GEOJSON, err);
}
