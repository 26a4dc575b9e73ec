/*
 * api_life.c — the daily-life store's per-worker connections, the change counter of the
 * ETags, and the JSON of an item shared by the public and back-office handlers. See
 * api_life.h.
 */
#include "api_life.h"
#include "api_queries.h"
#include "gdir_buf.h"
#include "gdir_json.h"
#include "gdir_log.h"
#include "gdir_hours.h"
#include "gdir_thread.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int api_life_db(const struct api_ctx *ctx, struct life_db **db, struct gdir_err *err)
{
    void *conn;

    *db = NULL;
    if (!ctx->life)
        return gdir_err_set(err, GDIR_ENOTFOUND, "L'agenda, les actualités et les alertes ne "
                            "sont pas activés sur ce serveur (forms_dir, forms_db).");
    if (gdir_thread_conns_get(ctx->life, &conn, err)) {
        gdir_log(GDIR_LOG_ERROR, "life", "msg=\"forms database unusable\" err=\"%s\"", err->msg);
        return gdir_err_set(err, GDIR_EUNAVAIL, "daily-life store unavailable");
    }
    *db = conn;
    return GDIR_OK;
}

uint64_t api_life_tag(const struct api_ctx *ctx)
{
    struct life_db *db;
    struct gdir_err err;
    long long v = 0;

    gdir_err_clear(&err);
    if (api_life_db(ctx, &db, &err) || life_db_version(db, &v, &err))
        return 0;
    return (uint64_t)v + 1;
}

void api_life_territory_name(struct api_db *dir, char *out, size_t cap)
{
    struct gdir_buf b;
    struct gdir_err err;
    cJSON *t = NULL;
    const cJSON *name;

    out[0] = '\0';
    gdir_buf_init(&b, 1u << 20);
    if (dir && !api_q_territory(dir, &b, &err) && !gdir_buf_addc(&b, '\0') &&
        (t = cJSON_Parse(b.data)) &&
        cJSON_IsString(name = cJSON_GetObjectItemCaseSensitive(t, "name")))
        snprintf(out, cap, "%s", name->valuestring);
    cJSON_Delete(t);
    gdir_buf_free(&b);
}

void api_life_time_json(struct gdir_json *j, const char *key, long long t)
{
    char buf[32];

    gdir_json_key(j, key);
    if (t && !gdir_paris_format((time_t)t, buf, sizeof buf))
        gdir_json_str(j, buf);
    else
        gdir_json_null(j);
}

/* communes [{insee, name}] and territory. */
static void communes_json(struct gdir_json *j, struct api_db *dir, const struct life_item *it)
{
    gdir_json_key(j, "communes");
    gdir_json_arr_begin(j);
    for (size_t i = 0; i < it->n_communes; i++) {
        const struct api_commune_entry *c = dir ? api_db_commune(dir, it->communes[i]) : NULL;
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "insee", it->communes[i]);
        gdir_json_kstr(j, "name", c ? c->name : NULL);
        gdir_json_obj_end(j);
    }
    gdir_json_arr_end(j);
    gdir_json_kbool(j, "territory", it->territory);
}

/* Where and who: geometry is the feature's; here place, address, organiser, contact. */
static void where_json(struct gdir_json *j, const struct life_item *it)
{
    gdir_json_key(j, "place");
    if (it->place_id) {
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "id", it->place_id);
        gdir_json_kstr(j, "name", it->place_name);
        gdir_json_obj_end(j);
    } else {
        gdir_json_null(j);
    }
    gdir_json_kstr(j, "address", it->address);
    gdir_json_key(j, "organiser");
    if (it->organiser || it->organiser_place) {
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "name", it->organiser);
        gdir_json_kstr(j, "place_id", it->organiser_place);
        gdir_json_obj_end(j);
    } else {
        gdir_json_null(j);
    }
    gdir_json_key(j, "contact");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "email", it->contact_email);
    gdir_json_kstr(j, "phone", it->contact_phone);
    gdir_json_obj_end(j);
}

/* The back office's own members. */
static void bo_json(struct gdir_json *j, const struct life_item *it)
{
    gdir_json_kint(j, "id", it->id);
    gdir_json_kstr(j, "kind", life_kind_name(it->kind));
    gdir_json_kstr(j, "status", life_status_name(it->status));
    api_life_time_json(j, "publish_at", it->publish_at);
    gdir_json_kstr(j, "author", it->author ? it->author : "");
    if (it->kind == LIFE_EVENT)
        api_life_recurrence_json(j, it);   /* a draft's rule too: the editor shows it again */
    gdir_json_kstr(j, "exdates", it->exdates);
    gdir_json_key(j, "proposal");
    if (it->proposal)
        gdir_json_int(j, it->proposal);
    else
        gdir_json_null(j);
    api_life_time_json(j, "created_at", it->created_at);
    gdir_json_kstr(j, "start_local", it->start);
    gdir_json_kstr(j, "end_local", it->end);
    gdir_json_key(j, "point");
    if (it->has_point) {
        gdir_json_obj_begin(j);
        gdir_json_knum(j, "lat", it->lat, 6);
        gdir_json_knum(j, "lon", it->lon, 6);
        gdir_json_obj_end(j);
    } else {
        gdir_json_null(j);
    }
}

int api_life_item_json(struct gdir_json *j, struct api_db *dir, const struct life_item *it,
                       int bo)
{
    char url[64];

    if (bo)
        bo_json(j, it);
    gdir_json_kstr(j, "title", it->title);
    gdir_json_kstr(j, "text_html", it->text_html);
    gdir_json_kstr(j, "text", it->text_plain);
    communes_json(j, dir, it);
    if (it->kind == LIFE_EVENT) {
        where_json(j, it);
        gdir_json_kstr(j, "category", it->category ? it->category : "autre");
        gdir_json_kstr(j, "category_label", life_category_label(it->category)
                                                ? life_category_label(it->category) : "Autre");
        gdir_json_kstr(j, "price", it->price);
        gdir_json_kbool(j, "free", it->free);
        gdir_json_kstr(j, "accessibility", it->accessibility);
        gdir_json_kstr(j, "url", it->url);
    } else {
        gdir_json_kstr(j, "severity", it->severity);
        api_life_time_json(j, "valid_from", it->valid_from);
        api_life_time_json(j, "valid_until", it->valid_until);
        api_life_time_json(j, "published_at", it->publish_at ? it->publish_at : it->published_at);
        gdir_json_kstr(j, "url", it->url);
    }
    snprintf(url, sizeof url, "/api/life/%lld/image", it->id);
    gdir_json_kstr(j, "image_url", it->image_type ? url : NULL);
    gdir_json_kstr(j, "publisher", it->publisher ? it->publisher : "");
    gdir_json_kstr(j, "licence", it->licence ? it->licence : "etalab-2.0");
    gdir_json_kstr(j, "source", it->source);
    api_life_time_json(j, "updated_at", it->updated_at);
    return gdir_json_error(j);
}
