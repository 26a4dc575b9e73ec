/*
 * h_communes.c — GET /api/communes (JSON list) and GET /api/communes.geojson (the same as a
 * FeatureCollection with the boundaries, as SpatiaLite's AsGeoJSON writes them), ordered by
 * INSEE code.
 */
#include "api_handlers.h"
#include "api_queries.h"
#include "gdir_json.h"
#include "gdir_json_list.h"

/* The properties shared by both forms. */
static void write_properties(struct gdir_json *j, const struct api_commune *c)
{
    gdir_json_kstr(j, "insee", c->insee);
    gdir_json_kstr(j, "name", c->name);
    gdir_json_ksplit(j, "postcodes", c->postcodes, '|');
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

/* The two forms: {"communes": [...]} and the FeatureCollection. */
static const int json_form = 0, geojson_form = 1;

/* The list in the form *cls. */
static int communes_json(struct api_db *db, struct gdir_json *j, const void *cls,
                         struct gdir_err *err)
{
    int geojson = *(const int *)cls;
    int rc;

    gdir_json_obj_begin(j);
    if (geojson)
        gdir_json_kstr(j, "type", "FeatureCollection");
    gdir_json_key(j, geojson ? "features" : "communes");
    gdir_json_arr_begin(j);
    rc = api_q_communes(db, geojson, geojson ? commune_feature : commune_object, j, err);
    if (rc)
        return rc;
    gdir_json_arr_end(j);
    gdir_json_obj_end(j);
    return GDIR_OK;
}

int h_communes(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
               struct gdir_err *err)
{
    (void)req;
    return api_db_json(ctx, res, communes_json, &json_form, API_CT_JSON, err);
}

int h_communes_geojson(const struct api_ctx *ctx, const struct api_request *req,
                       struct api_response *res, struct gdir_err *err)
{
    (void)req;
    return api_db_json(ctx, res, communes_json, &geojson_form, API_CT_GEOJSON, err);
}
