/*
 * h_bo_life.c — the back office of the daily life (docs/backoffice.md « Vie locale »): agents
 * list, create, edit, publish (at once or at a time: « programmé »), unpublish events, news and
 * alerts, and give them an image. Session and X-CSRF-Token on every POST (api_bo.h); the scope
 * (api_life_can) checked on the stored item and on the new values; every write audited in
 * life_audit by the store.
 */
#include "api_bo.h"
#include "api_dbpool.h"
#include "api_handlers.h"
#include "api_life.h"
#include "api_life_input.h"
#include "api_multipart.h"
#include "gdir_json.h"
#include "gdir_mem.h"
#include "gdir_cjson.h"
#include "gdir_hours.h"
#include "gdir_parse.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LIST_MAX 500

/* The session's agent and the worker's store; the directory connection. */
static int begin(const struct api_ctx *ctx, const struct api_request *req, struct bo_agent *a,
                 struct life_db **db, struct api_db **dir, struct gdir_err *err)
{
    int rc;

    *dir = NULL;
    if ((rc = api_life_db(ctx, db, err)) || (rc = api_bo_session(ctx, req, a, err)))
        return rc;
    if (a->role == BO_ROLE_SERVICE) {
        bo_agent_free(a);
        return gdir_err_set(err, GDIR_EFORBIDDEN, "L'agenda et les actualités sont publiés par "
                            "les communes et les administrateurs.");
    }
    if (api_dbpool_get(ctx->pool, dir, err)) {
        bo_agent_free(a);
        return gdir_err_set(err, GDIR_EUNAVAIL, "directory database unavailable");
    }
    return GDIR_OK;
}

/* The item of the path, in the agent's scope (403 otherwise, and for an unknown id when the
 * agent is not an administrator: nothing disclosed). */
static int scoped_item(const struct api_request *req, struct life_db *db,
                       const struct bo_agent *a, struct life_item *it, struct gdir_err *err)
{
    const char *s = api_capture(req, "id");
    long id = 0;
    int rc;

    if (gdir_parse_long(s, 1, 1L << 53, &id))
        return gdir_err_set_param(err, GDIR_EINVAL, "id", "id : un numéro de contenu est "
                                  "attendu.");
    rc = life_db_get(db, id, it, err);
    if (rc == GDIR_ENOTFOUND && a->role == BO_ROLE_ADMIN)
        return rc;
    if (rc && rc != GDIR_ENOTFOUND)
        return rc;
    if (rc || !api_life_can(a, it)) {
        life_item_free(it);
        return gdir_err_set(err, GDIR_EFORBIDDEN, "Ce contenu n'est pas de votre ressort.");
    }
    return GDIR_OK;
}

static void actor(const struct api_request *req, const struct bo_agent *a, char *peer,
                  struct life_actor *who)
{
    api_bo_peer(req, peer);
    *who = (struct life_actor){a->login, peer, 0};
}

struct list_out {
    struct gdir_json *j;
    struct api_db *dir;
    const struct bo_agent *a;
    size_t n;
};

static int list_fn(void *arg, struct life_item *it)
{
    struct list_out *o = arg;
    if (!api_life_can(o->a, it) || o->n >= LIST_MAX)
        return 0;
    o->n++;
    gdir_json_obj_begin(o->j);
    api_life_item_json(o->j, o->dir, it, 1);
    gdir_json_obj_end(o->j);
    return gdir_json_error(o->j);
}

int h_bo_life_list(const struct api_ctx *ctx, const struct api_request *req,
                   struct api_response *res, struct gdir_err *err)
{
    static const char *const kinds[] = {"event", "news", "alert", NULL};
    static const char *const statuses[] = {"draft", "published", "unpublished", NULL};
    struct bo_agent a = {0};
    struct life_db *db;
    struct api_db *dir;
    struct life_filter f = {.kind = -1, .status = -1, .now = time(NULL)};
    struct gdir_json j;
    struct list_out o = {&j, NULL, &a, 0};
    int rc;

    if ((rc = api_param_enum(req, "kind", kinds, &f.kind, err)) ||
        (rc = api_param_enum(req, "status", statuses, &f.status, err)) ||
        (rc = api_param_commune(req, &f.commune, err)) ||
        (rc = begin(ctx, req, &a, &db, &dir, err)))
        return rc;
    o.dir = dir;
    api_bo_json_begin(res, &j);
    gdir_json_key(&j, "items");
    gdir_json_arr_begin(&j);
    if (!(rc = life_db_list(db, &f, list_fn, &o, err))) {
        gdir_json_arr_end(&j);
        rc = api_bo_json_end(res, &j, err);
    }
    bo_agent_free(&a);
    return rc;
}

static int audit_fn(void *arg, long long at, const char *who, const char *action,
                    const char *from, const char *to)
{
    struct gdir_json *j = arg;
    gdir_json_obj_begin(j);
    api_life_time_json(j, "at", at);
    gdir_json_kstr(j, "actor", who);
    gdir_json_kstr(j, "action", action);
    gdir_json_kstr(j, "from", from ? from : "");
    gdir_json_kstr(j, "to", to ? to : "");
    gdir_json_obj_end(j);
    return 0;
}

/* The item's JSON with its audit rows. */
static int item_answer(struct life_db *db, struct api_db *dir, const struct life_item *it,
                       struct api_response *res, struct gdir_err *err)
{
    struct gdir_json j;
    int rc;

    api_bo_json_begin(res, &j);
    api_life_item_json(&j, dir, it, 1);
    gdir_json_key(&j, "audit");
    gdir_json_arr_begin(&j);
    if ((rc = life_db_audit(db, it->id, audit_fn, &j, err)))
        return rc;
    gdir_json_arr_end(&j);
    return api_bo_json_end(res, &j, err);
}

int h_bo_life_get(const struct api_ctx *ctx, const struct api_request *req,
                  struct api_response *res, struct gdir_err *err)
{
    struct bo_agent a = {0};
    struct life_item it = {0};
    struct life_db *db;
    struct api_db *dir;
    int rc;

    if ((rc = begin(ctx, req, &a, &db, &dir, err)))
        return rc;
    if (!(rc = scoped_item(req, db, &a, &it, err)))
        rc = item_answer(db, dir, &it, res, err);
    life_item_free(&it);
    bo_agent_free(&a);
    return rc;
}

int h_bo_life_create(const struct api_ctx *ctx, const struct api_request *req,
                     struct api_response *res, struct gdir_err *err)
{
    struct bo_agent a = {0};
    struct life_item it = {0};
    struct life_actor who;
    struct life_db *db;
    struct api_db *dir;
    cJSON *body = NULL;
    char peer[API_BO_PEER_MAX];
    struct gdir_json j;
    int rc;

    if ((rc = begin(ctx, req, &a, &db, &dir, err)))
        return rc;
    actor(req, &a, peer, &who);
    if (!(rc = api_bo_json_body(req, &body, err)) && !(rc = api_life_parse(body, &it, err)) &&
        !(rc = (it.author = gdir_strdup(a.login)) ? GDIR_OK
                                                  : gdir_err_set(err, GDIR_ENOMEM, "no memory")) &&
        !(rc = api_life_complete(dir, &a, &it, err)) &&
        !(rc = life_db_insert(db, &it, &who, time(NULL), err))) {
        api_bo_json_begin(res, &j);
        gdir_json_kint(&j, "id", it.id);
        gdir_json_kstr(&j, "status", "draft");
        rc = api_bo_json_end(res, &j, err);
        res->status = 201;
    }
    cJSON_Delete(body);
    life_item_free(&it);
    bo_agent_free(&a);
    return rc;
}

int h_bo_life_update(const struct api_ctx *ctx, const struct api_request *req,
                     struct api_response *res, struct gdir_err *err)
{
    struct bo_agent a = {0};
    struct life_item it = {0};
    struct life_actor who;
    struct life_db *db;
    struct api_db *dir;
    cJSON *body = NULL;
    char peer[API_BO_PEER_MAX];
    long long id;
    int rc;

    if ((rc = begin(ctx, req, &a, &db, &dir, err)))
        return rc;
    actor(req, &a, peer, &who);
    if (!(rc = scoped_item(req, db, &a, &it, err)) && !(rc = api_bo_json_body(req, &body, err))) {
        /* the stored text is canonical HTML: sanitised again, it stays the same */
        id = it.id;
        if (!(rc = api_life_parse(body, &it, err)) &&
            !(rc = api_life_complete(dir, &a, &it, err)) &&
            !(rc = life_db_update(db, &it, &who, time(NULL), err))) {
            life_item_free(&it);
            if (!(rc = life_db_get(db, id, &it, err)))
                rc = item_answer(db, dir, &it, res, err);
        }
    }
    cJSON_Delete(body);
    life_item_free(&it);
    bo_agent_free(&a);
    return rc;
}

/* publish {"at"?} and unpublish. */
static int set_status(const struct api_ctx *ctx, const struct api_request *req,
                      enum life_status to, struct api_response *res, struct gdir_err *err)
{
    static const char *const keys[] = {"at", NULL};
    struct bo_agent a = {0};
    struct life_item it = {0};
    struct life_actor who;
    struct life_db *db;
    struct api_db *dir;
    cJSON *body = NULL;
    char peer[API_BO_PEER_MAX];
    const cJSON *at;
    long long id = 0;
    time_t t = 0;
    int rc;

    if ((rc = begin(ctx, req, &a, &db, &dir, err)))
        return rc;
    actor(req, &a, peer, &who);
    if ((rc = scoped_item(req, db, &a, &it, err)))
        goto out;
    id = it.id;
    if (req->headers && req->headers->body_len) {
        if ((rc = api_bo_json_body(req, &body, err)))
            goto out;
        if (gdir_cjson_check_keys(body, keys, "body", NULL, err)) {
            rc = err->code = GDIR_EINVAL;
            goto out;
        }
        at = cJSON_GetObjectItemCaseSensitive(body, "at");
        if (at && !cJSON_IsNull(at) && (to != LIFE_PUBLISHED || !cJSON_IsString(at) ||
                                        strlen(at->valuestring) > 40 ||
                                        gdir_paris_parse(at->valuestring, &t))) {
            rc = gdir_err_set_param(err, GDIR_EINVAL, "at", "at : une date et heure "
                                    "AAAA-MM-JJTHH:MM (heure de Paris) est attendue.");
            goto out;
        }
    }
    life_item_free(&it);
    if (!(rc = life_db_set_status(db, id, to, (long long)t, &who, time(NULL), err)) &&
        !(rc = life_db_get(db, id, &it, err)))
        rc = item_answer(db, dir, &it, res, err);
out:
    cJSON_Delete(body);
    life_item_free(&it);
    bo_agent_free(&a);
    return rc;
}

int h_bo_life_publish(const struct api_ctx *ctx, const struct api_request *req,
                      struct api_response *res, struct gdir_err *err)
{
    return set_status(ctx, req, LIFE_PUBLISHED, res, err);
}

int h_bo_life_unpublish(const struct api_ctx *ctx, const struct api_request *req,
                        struct api_response *res, struct gdir_err *err)
{
    return set_status(ctx, req, LIFE_UNPUBLISHED, res, err);
}

/* The media type of an image by its first bytes, or NULL. */
static const char *image_type(const unsigned char *p, size_t n)
{
    if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return "image/jpeg";
    if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
        return "image/png";
    if (n >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
        return "image/webp";
    return NULL;
}

/* The "image" part of a multipart body. */
static int image_part(const struct api_request *req, struct api_mp_part *img,
                      struct gdir_err *err)
{
    const struct api_headers *h = req->headers;
    struct api_multipart mp;
    struct api_mp_part part;
    int rc, found = 0;

    if (!h || !h->body || !h->body_len)
        return gdir_err_set_param(err, GDIR_EINVAL, "image", "image : aucun fichier reçu "
                                  "(multipart/form-data, champ image).");
    if ((rc = api_multipart_init(&mp, h->content_type, h->body, h->body_len, err))) {
        snprintf(err->param, sizeof err->param, "image");
        return rc;
    }
    while ((rc = api_multipart_next(&mp, &part, err)) == 1)
        if (!strcmp(part.name, "image") && !found++)
            *img = part;
    if (rc < 0) {
        snprintf(err->param, sizeof err->param, "image");
        return rc;
    }
    if (!found)
        return gdir_err_set_param(err, GDIR_EINVAL, "image", "image : aucun fichier reçu "
                                  "(multipart/form-data, champ image).");
    if (img->len > LIFE_IMAGE_MAX)
        return gdir_err_set_param(err, GDIR_ETOOBIG, "image", "image : le fichier dépasse "
                                  "2 Mo ; réduisez l'image avant de l'envoyer.");
    if (!image_type((const unsigned char *)img->data, img->len))
        return gdir_err_set_param(err, GDIR_EINVAL, "image", "image : ce fichier n'est pas "
                                  "une image JPEG, PNG ou WebP.");
    return GDIR_OK;
}

int h_bo_life_image(const struct api_ctx *ctx, const struct api_request *req,
                    struct api_response *res, struct gdir_err *err)
{
    struct bo_agent a = {0};
    struct life_item it = {0};
    struct life_actor who;
    struct life_db *db;
    struct api_db *dir;
    struct api_mp_part img = {0};
    char peer[API_BO_PEER_MAX];
    long long id;
    int rc;

    if ((rc = begin(ctx, req, &a, &db, &dir, err)))
        return rc;
    actor(req, &a, peer, &who);
    if (!(rc = scoped_item(req, db, &a, &it, err)) && !(rc = image_part(req, &img, err))) {
        id = it.id;
        life_item_free(&it);
        if (!(rc = life_db_set_image(db, id, image_type((const unsigned char *)img.data, img.len),
                                     img.data, img.len, &who, time(NULL), err)) &&
            !(rc = life_db_get(db, id, &it, err)))
            rc = item_answer(db, dir, &it, res, err);
    }
    life_item_free(&it);
    bo_agent_free(&a);
    return rc;
}
