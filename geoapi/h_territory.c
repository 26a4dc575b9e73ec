/*
 * h_territory.c — GET /api/territory: the territory's public configuration (name, SIREN,
 * member communes, map centre/zoom/tiles, contact), stored as JSON by the importer in table
 * meta and sent as is.
 */
#include "api_dbpool.h"
#include "api_handlers.h"

int h_territory(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
                struct gdir_err *err)
{
    struct api_db *db;
    int rc;

    (void)req;
    rc = api_dbpool_get(ctx->pool, &db, err);
    if (rc)
        return rc;
    rc = api_q_territory(db, &res->body, err);
    if (rc == GDIR_ENOTFOUND)
        return gdir_err_set(err, GDIR_EUNAVAIL, "this database has no territory description");
    if (rc)
        return rc;
    res->content_type = API_CT_JSON;
    return GDIR_OK;
}
