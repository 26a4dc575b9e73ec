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

/* What every handler holds: the session's agent, the worker's store, the directory, the item
 * of the path, the JSON body, and who writes (for the audit). */
struct call {
    struct bo_agent a;
    struct life_db *db;
    struct api_db *dir;
    struct life_item it;
    cJSON *body;
    char peer[API_BO_PEER_MAX];
    struct life_actor who;
};

static int begin(const struct api_ctx *ctx, const struct api_request *req, struct call *c,
                 struct gdir_err *err)
{
    int rc;

    memset(c, 0, sizeof *c);
    if ((rc = api_life_db(ctx, &c->db, err)) || (rc = api_bo_session(ctx, req, &c->a, err)))
        return rc;
    api_bo_peer(req, c->peer);
    c->who = (struct life_actor){c->a.login, c->peer, 0};
    if (c->a.role == BO_ROLE_SERVICE)
        return gdir_err_set(err, GDIR_EFORBIDDEN, "L'agenda et les actualités sont publiés par "
                            "les communes et les administrateurs.");
    if (api_dbpool_get(ctx->pool, &c->dir, err))
        return gdir_err_set(err, GDIR_EUNAVAIL, "directory database unavailable");
    return GDIR_OK;
}

static int end(struct call *c, int rc)
{
    cJSON_Delete(c->body);
    life_item_free(&c->it);
    bo_agent_free(&c->a);
    return rc;
}

/* The item of the path into c->it, in the agent's scope (403 otherwise, and for an unknown id
 * when the agent is not an administrator: nothing disclosed). */
static int scoped_item(const struct api_request *req, struct call *c, struct gdir_err *err)
{
    const char *s = api_capture(req, "id");
    long id = 0;
    int rc;

    if (gdir_parse_long(s, 1, 1L << 53, &id))
        return gdir_err_set_param(err, GDIR_EINVAL, "id", "id : un numéro de contenu est "
                                  "attendu.");
    rc = life_db_get(c->db, id, &c->it, err);
    if (rc == GDIR_ENOTFOUND && c->a.role == BO_ROLE_ADMIN)
        return rc;
    if (rc && rc != GDIR_ENOTFOUND)
        return rc;
    if (rc || !api_life_can(&c->a, &c->it))
        return gdir_err_set(err, GDIR_EFORBIDDEN, "Ce contenu n'est pas de votre ressort.");
    return GDIR_OK;
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
    struct call c;
    struct life_filter f = {.kind = -1, .status = -1, .now = time(NULL)};
    struct gdir_json j;
    struct list_out o = {&j, NULL, &c.a, 0};
    int rc;

    if ((rc = api_param_enum(req, "kind", kinds, &f.kind, err)) ||
        (rc = api_param_enum(req, "status", statuses, &f.status, err)) ||
        (rc = api_param_commune(req, &f.commune, err)) || (rc = begin(ctx, req, &c, err)))
        return end(&c, rc);
    o.dir = c.dir;
    api_bo_json_begin(res, &j);
    gdir_json_key(&j, "items");
    gdir_json_arr_begin(&j);
    if (!(rc = life_db_list(c.db, &f, list_fn, &o, err))) {
        gdir_json_arr_end(&j);
        rc = api_bo_json_end(res, &j, err);
    }
    return end(&c, rc);
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
    struct call c;
    int rc;

    if (!(rc = begin(ctx, req, &c, err)) && !(rc = scoped_item(req, &c, err)))
        rc = item_answer(c.db, c.dir, &c.it, res, err);
    return end(&c, rc);
}

int h_bo_life_create(const struct api_ctx *ctx, const struct api_request *req,
                     struct api_response *res, struct gdir_err *err)
{
    struct call c;
    struct gdir_json j;
    int rc;

    if (!(rc = begin(ctx, req, &c, err)) && !(rc = api_bo_json_body(req, &c.body, err)) &&
        !(rc = api_life_parse(c.body, &c.it, err)) &&
        !(rc = (c.it.author = gdir_strdup(c.a.login)) ? GDIR_OK
                                                      : gdir_err_set(err, GDIR_ENOMEM, "memory")) &&
        !(rc = api_life_complete(c.dir, &c.a, &c.it, err)) &&
        !(rc = life_db_insert(c.db, &c.it, &c.who, time(NULL), err))) {
        api_bo_json_begin(res, &j);
        gdir_json_kint(&j, "id", c.it.id);
        gdir_json_kstr(&j, "status", "draft");
        rc = api_bo_json_end(res, &j, err);
        res->status = 201;
    }
    return end(&c, rc);
}

/* The item of id read again and answered. */
static int reread(struct call *c, long long id, struct api_response *res, struct gdir_err *err)
{
    int rc;

    life_item_free(&c->it);
    if (!(rc = life_db_get(c->db, id, &c->it, err)))
        rc = item_answer(c->db, c->dir, &c->it, res, err);
    return rc;
}

int h_bo_life_update(const struct api_ctx *ctx, const struct api_request *req,
                     struct api_response *res, struct gdir_err *err)
{
    struct call c;
    int rc;

    /* the stored text is canonical HTML: sanitised again, it stays the same */
    if (!(rc = begin(ctx, req, &c, err)) && !(rc = scoped_item(req, &c, err)) &&
        !(rc = api_bo_json_body(req, &c.body, err)) &&
        !(rc = api_life_parse(c.body, &c.it, err)) &&
        !(rc = api_life_complete(c.dir, &c.a, &c.it, err)) &&
        !(rc = life_db_update(c.db, &c.it, &c.who, time(NULL), err)))
        rc = reread(&c, c.it.id, res, err);
    return end(&c, rc);
}

/* publish {"at"?} and unpublish. */
static int set_status(const struct api_ctx *ctx, const struct api_request *req,
                      enum life_status to, struct api_response *res, struct gdir_err *err)
{
    static const char *const keys[] = {"at", NULL};
    struct call c;
    const cJSON *at;
    time_t t = 0;
    int rc;

    if ((rc = begin(ctx, req, &c, err)) || (rc = scoped_item(req, &c, err)))
        return end(&c, rc);
    if (req->headers && req->headers->body_len) {
        if ((rc = api_bo_json_body(req, &c.body, err)))
            return end(&c, rc);
        if (gdir_cjson_check_keys(c.body, keys, "body", NULL, err))
            return end(&c, err->code = GDIR_EINVAL);
        at = cJSON_GetObjectItemCaseSensitive(c.body, "at");
        if (at && !cJSON_IsNull(at) && (to != LIFE_PUBLISHED || !cJSON_IsString(at) ||
                                        strlen(at->valuestring) > 40 ||
                                        gdir_paris_parse(at->valuestring, &t)))
            return end(&c, gdir_err_set_param(err, GDIR_EINVAL, "at", "at : une date et heure "
                                              "AAAA-MM-JJTHH:MM (heure de Paris) est attendue."));
    }
    if (!(rc = life_db_set_status(c.db, c.it.id, to, (long long)t, &c.who, time(NULL), err)))
        rc = reread(&c, c.it.id, res, err);
    return end(&c, rc);
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
    struct call c;
    struct api_mp_part img = {0};
    int rc;

    if (!(rc = begin(ctx, req, &c, err)) && !(rc = scoped_item(req, &c, err)) &&
        !(rc = image_part(req, &img, err)) &&
        !(rc = life_db_set_image(c.db, c.it.id,
                                 image_type((const unsigned char *)img.data, img.len), img.data,
                                 img.len, &c.who, time(NULL), err)))
        rc = reread(&c, c.it.id, res, err);
    return end(&c, rc);
}
