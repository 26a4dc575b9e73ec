/*
 * h_health.c — GET /api/health: is the database readable, which schema, when was it built,
 * how much does it hold. Never cached (Cache-Control: no-store, set by the route's flag).
 */
#include "api_dbpool.h"
#include "api_handlers.h"
#include "gdir_json.h"

int h_health(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
             struct gdir_err *err)
{
    struct api_db *db;
    struct api_health h;
    struct gdir_json j;
    int rc;

    (void)req;
    rc = api_dbpool_get(ctx->pool, &db, err);
    if (rc)
        return rc;
    rc = api_q_health(db, &h, err);
    if (rc)
        return rc;
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "status", "ok");
    gdir_json_kint(&j, "schema_version", h.schema_version);
    gdir_json_kstr(&j, "built_at", h.built_at[0] ? h.built_at : NULL);
    gdir_json_kint(&j, "places", h.places);
    gdir_json_kint(&j, "communes", h.communes);
    gdir_json_obj_end(&j);
    return api_json_done(res, &j, API_CT_JSON, err);
}
