/*
 * h_health.c — GET /api/health: is the database readable, which schema, when was it built,
 * how much does it hold. Never cached (Cache-Control: no-store, set by the route's flag).
 */
#include "api_handlers.h"
#include "api_queries.h"
#include "gdir_json.h"

static int health_json(struct api_db *db, struct gdir_json *j, const void *cls, struct gdir_err *err)
{
    struct api_health h;
    int rc = api_q_health(db, &h, err);

    (void)cls;
    if (rc)
        return rc;
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "status", "ok");
    gdir_json_kint(j, "schema_version", h.schema_version);
    gdir_json_kstr(j, "built_at", h.built_at[0] ? h.built_at : NULL);
    gdir_json_kint(j, "places", h.places);
    gdir_json_kint(j, "communes", h.communes);
    gdir_json_obj_end(j);
    return GDIR_OK;
}

int h_health(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
             struct gdir_err *err)
{
    (void)req;
    return api_db_json(ctx, res, health_json, NULL, API_CT_JSON, err);
}
