/*
 * h_communes.c — GET /api/communes (JSON list) and GET /api/communes.geojson (the same as a
 * FeatureCollection with the boundaries, as SpatiaLite's AsGeoJSON writes them), ordered by
 * INSEE code.
 */
#include "api_dbpool.h"
#include "api_handlers.h"
#include "gdir_json.h"

#include <string.h>

/* The properties shared by both forms. */
static void write_properties(struct gdir_json *j, const struct api_commune *c)
{
    gdir_json_kstr(j, "insee", c->insee);
    gdir_json_kstr(j, "name", c->name);
    gdir_json_key(j, "postcodes");
    gdir_json_arr_begin(j);
    for (const char *p = c->postcodes; p && *p;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n)
            gdir_json_strn(j, p, n);
        p += n + (bar ? 1 : 0);
    }
    gdir_json_arr_end(j);
    gdir_json_key(j, "population");
    if (c->population >= 0)
        gdir_json_int(j, c->population);
    else
        gdir_json_null(j);
    gdir_json_kint(j, "places", c->places);
    gdir_json_kbool(j, "has_boundary", c->has_boundary);
}

static int commune_object(void *cls, const struct api_commune *c)
{
    struct gdir_json *j = cls;
    gdir_json_obj_begin(j);
    write_properties(j, c);
    gdir_json_obj_end(j);
    return gdir_json_error(j);
}

static int commune_feature(void *cls, const struct api_commune *c)
{
    struct gdir_json *j = cls;
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "Feature");
    gdir_json_kstr(j, "id", c->insee);
    gdir_json_key(j, "geometry");
    if (c->geojson)
        gdir_json_raw(j, c->geojson);   /* produced by SpatiaLite: trusted JSON */
    else
        gdir_json_null(j);
    gdir_json_key(j, "properties");
    gdir_json_obj_begin(j);
    write_properties(j, c);
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
    return gdir_json_error(j);
}

int h_communes(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
               struct gdir_err *err)
{
    struct api_db *db;
    struct gdir_json j;
    int rc;

    (void)req;
    rc = api_dbpool_get(ctx->pool, &db, err);
    if (rc)
        return rc;
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_key(&j, "communes");
    gdir_json_arr_begin(&j);
    rc = api_q_communes(db, 0, commune_object, &j, err);
    if (rc && !err->code)
        return api_json_done(res, &j, API_CT_JSON, err);
    if (rc)
        return rc;
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    return api_json_done(res, &j, API_CT_JSON, err);
}

int h_communes_geojson(const struct api_ctx *ctx, const struct api_request *req,
                       struct api_response *res, struct gdir_err *err)
{
    struct api_db *db;
    struct gdir_json j;
    int rc;

    (void)req;
    rc = api_dbpool_get(ctx->pool, &db, err);
    if (rc)
        return rc;
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "type", "FeatureCollection");
    gdir_json_key(&j, "features");
    gdir_json_arr_begin(&j);
    rc = api_q_communes(db, 1, commune_feature, &j, err);
    if (rc && !err->code)
        return api_json_done(res, &j, API_CT_GEOJSON, err);
    if (rc)
        return rc;
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    return api_json_done(res, &j, API_CT_GEOJSON, err);
}
