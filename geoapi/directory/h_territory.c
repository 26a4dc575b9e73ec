/*
 * h_territory.c — GET /api/territory: the territory's public configuration (name, SIREN,
 * member communes, map centre/zoom/tiles, contact), stored as JSON by the importer in table
 * meta, plus this server's search limits ("search": default/max radius and limit) so that
 * clients follow the server's configuration instead of hard-coding it.
 */
#include "api_dbpool.h"
#include "api_handlers.h"
#include "gdir_json.h"

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
    /* The stored document is one JSON object written by the importer: reopen it to add ours. */
    if (res->body.len < 2 || res->body.data[res->body.len - 1] != '}')
        return gdir_err_set(err, GDIR_EINTERNAL, "malformed territory description");
    res->body.len--;
    {
        struct gdir_json j;
        gdir_json_init_members(&j, &res->body, 1);
        gdir_json_key(&j, "search");
        gdir_json_obj_begin(&j);
        gdir_json_kint(&j, "default_radius", ctx->cfg->default_radius);
        gdir_json_kint(&j, "max_radius", ctx->cfg->max_radius);
        gdir_json_kint(&j, "default_limit", ctx->cfg->default_limit);
        gdir_json_kint(&j, "max_limit", ctx->cfg->max_limit);
        gdir_json_kint(&j, "max_q_len", ctx->cfg->max_q_len);
        gdir_json_obj_end(&j);
        if (gdir_json_error(&j) || gdir_buf_addc(&res->body, '}'))
            return gdir_err_set(err, GDIR_ENOMEM, "territory description");
    }
    res->content_type = API_CT_JSON;
    return GDIR_OK;
}
