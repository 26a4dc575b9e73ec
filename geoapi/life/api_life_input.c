/*
 * api_life_input.c — an item as the back office sends it (docs/backoffice.md « Vie locale »):
 * the JSON body read into a struct life_item (every member checked for its type and size,
 * unknown members refused), then completed with what the directory knows (member communes, a
 * place's name and point, the organiser's place, an address geocoded when no point is given,
 * the publisher) and checked by life_item_prepare. The scope rule is here too: a commune
 * agent writes only items whose communes are all theirs; territory-wide items are for
 * administrators. Used by h_bo_life.c and h_bo_event.c (accepted proposals).
 */
#include "api_geocoder.h"
#include "api_life.h"
#include "api_life_input.h"
#include "api_queries.h"
#include "gdir_cjson.h"
#include "gdir_geocoder.h"
#include "gdir_hours.h"
#include "gdir_mem.h"
#include "gdir_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRING_MAX 25000    /* any string member, bytes (the text: LIFE_TEXT_MAX) */

static const char *const body_keys[] = {
    "kind", "title", "text", "start", "end", "rrule", "exdates", "place_id", "address", "lat",
    "lon", "communes", "territory", "organiser", "category", "price", "free", "accessibility",
    "url", "contact", "severity", "valid_from", "valid_until", "source", NULL};

/* A string member into *out (copied; null or absent: NULL). */
static int str_member(const cJSON *body, const char *key, char **out, struct gdir_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);

    if (!v || cJSON_IsNull(v))
        return GDIR_OK;
    if (!cJSON_IsString(v) || strlen(v->valuestring) > STRING_MAX ||
        !gdir_utf8_valid(v->valuestring, strlen(v->valuestring)))
        return gdir_err_set_param(err, GDIR_EINVAL, key, "%s : un texte est attendu.", key);
    free(*out);
    if (!(*out = gdir_strdup(v->valuestring)))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    return GDIR_OK;
}

/* "YYYY-MM-DD[THH:MM]" into a fixed buffer. */
static int local_member(const cJSON *body, const char *key, char out[LIFE_LOCAL_LEN],
                        struct gdir_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);

    if (!v || cJSON_IsNull(v))
        return GDIR_OK;
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= LIFE_LOCAL_LEN)
        return gdir_err_set_param(err, GDIR_EINVAL, key, "%s : AAAA-MM-JJ ou AAAA-MM-JJTHH:MM "
                                  "(heure de Paris) est attendu.", key);
    snprintf(out, LIFE_LOCAL_LEN, "%s", v->valuestring);
    return GDIR_OK;
}

/* An instant: local Paris time "YYYY-MM-DDTHH:MM" or with an offset. */
static int time_member(const cJSON *body, const char *key, long long *out, struct gdir_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);
    time_t t;

    if (!v || cJSON_IsNull(v))
        return GDIR_OK;
    if (!cJSON_IsString(v) || strlen(v->valuestring) > 40 || gdir_paris_parse(v->valuestring, &t))
        return gdir_err_set_param(err, GDIR_EINVAL, key, "%s : une date et heure "
                                  "AAAA-MM-JJTHH:MM (heure de Paris) est attendue.", key);
    *out = (long long)t;
    return GDIR_OK;
}

static int bool_member(const cJSON *body, const char *key, int *out, struct gdir_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);
    if (!v || cJSON_IsNull(v))
        return GDIR_OK;
    if (!cJSON_IsBool(v))
        return gdir_err_set_param(err, GDIR_EINVAL, key, "%s : true ou false.", key);
    *out = cJSON_IsTrue(v);
    return GDIR_OK;
}

/* communes: an array of INSEE codes. */
static int communes_member(const cJSON *body, struct life_item *it, struct gdir_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, "communes"), *c;
    int n;

    if (!v || cJSON_IsNull(v))
        return GDIR_OK;
    if (!cJSON_IsArray(v) || (n = cJSON_GetArraySize(v)) > LIFE_COMMUNES_MAX)
        return gdir_err_set_param(err, GDIR_EINVAL, "communes", "communes : une liste d'au plus "
                                  "%d codes INSEE est attendue.", LIFE_COMMUNES_MAX);
    for (size_t i = 0; i < it->n_communes; i++)
        free(it->communes[i]);
    free(it->communes);
    it->communes = NULL;
    it->n_communes = 0;
    if (n && !(it->communes = calloc((size_t)n, sizeof *it->communes)))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    cJSON_ArrayForEach(c, v) {
        if (!cJSON_IsString(c) || strlen(c->valuestring) != 5)
            return gdir_err_set_param(err, GDIR_EINVAL, "communes", "communes : des codes INSEE "
                                      "de cinq caractères sont attendus.");
        if (!(it->communes[it->n_communes++] = gdir_strdup(c->valuestring)))
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    }
    return GDIR_OK;
}

/* exdates: an array of local times, kept space-separated. */
static int exdates_member(const cJSON *body, struct life_item *it, struct gdir_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, "exdates"), *c;
    struct gdir_buf b;

    if (!v || cJSON_IsNull(v))
        return GDIR_OK;
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > LIFE_EXDATES_MAX)
        return gdir_err_set_param(err, GDIR_EINVAL, "exdates", "exdates : une liste d'au plus "
                                  "%d dates est attendue.", LIFE_EXDATES_MAX);
    gdir_buf_init(&b, 4096);
    cJSON_ArrayForEach(c, v) {
        if (!cJSON_IsString(c) || strlen(c->valuestring) >= LIFE_LOCAL_LEN ||
            strchr(c->valuestring, ' ')) {
            gdir_buf_free(&b);
            return gdir_err_set_param(err, GDIR_EINVAL, "exdates", "exdates : des dates "
                                      "AAAA-MM-JJ ou AAAA-MM-JJTHH:MM sont attendues.");
        }
        if ((b.len && gdir_buf_addc(&b, ' ')) || gdir_buf_adds(&b, c->valuestring)) {
            gdir_buf_free(&b);
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        }
    }
    free(it->exdates);
    it->exdates = b.len && !gdir_buf_addc(&b, '\0') ? gdir_buf_steal(&b, NULL) : NULL;
    gdir_buf_free(&b);
    return GDIR_OK;
}

/* The member key of body, absent, null or an object of the two string members keys[0] and
 * keys[1] (NULL-terminated) into *a and *b. */
static int pair_object(const cJSON *body, const char *key, const char *const keys[3], char **a,
                       char **b, struct gdir_err *err)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(body, key);
    int rc;

    if (!o || cJSON_IsNull(o))
        return GDIR_OK;
    if (!cJSON_IsObject(o) || gdir_cjson_check_keys(o, keys, key, NULL, err))
        return gdir_err_set_param(err, GDIR_EINVAL, key, "%s : un objet {%s, %s} est attendu.",
                                  key, keys[0], keys[1]);
    if ((rc = str_member(o, keys[0], a, err)))
        return rc;
    return str_member(o, keys[1], b, err);
}

/* organiser {name, place_id} and contact {email, phone}. */
static int objects(const cJSON *body, struct life_item *it, struct gdir_err *err)
{
    static const char *const org_keys[] = {"name", "place_id", NULL};
    static const char *const contact_keys[] = {"email", "phone", NULL};
    int rc = pair_object(body, "organiser", org_keys, &it->organiser, &it->organiser_place, err);

    if (rc)
        return rc;
    return pair_object(body, "contact", contact_keys, &it->contact_email, &it->contact_phone,
                       err);
}

/* lat and lon, both or neither. */
static int point_member(const cJSON *body, struct life_item *it, struct gdir_err *err)
{
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(body, "lat");
    const cJSON *lon = cJSON_GetObjectItemCaseSensitive(body, "lon");

    if ((!lat || cJSON_IsNull(lat)) && (!lon || cJSON_IsNull(lon))) {
        /* a new place or address without a point: found again (directory, geocoder) */
        if (cJSON_GetObjectItemCaseSensitive(body, "address") ||
            cJSON_GetObjectItemCaseSensitive(body, "place_id") || lat || lon)
            it->has_point = 0;
        return GDIR_OK;
    }
    if (!cJSON_IsNumber(lat) || !cJSON_IsNumber(lon))
        return gdir_err_set_param(err, GDIR_EINVAL, "lat", "lat, lon : deux nombres.");
    it->has_point = 1;
    it->lat = lat->valuedouble;
    it->lon = lon->valuedouble;
    return GDIR_OK;
}

int api_life_parse(const cJSON *body, struct life_item *it, struct gdir_err *err)
{
    char *kind = NULL;
    int rc;

    if ((rc = gdir_cjson_check_keys(body, body_keys, "body", NULL, err))) {
        err->code = GDIR_EINVAL;
        if (!err->param[0])   /* an empty member name */
            snprintf(err->param, sizeof err->param, "body");
        return GDIR_EINVAL;
    }
    if ((rc = str_member(body, "kind", &kind, err)))
        return rc;
    if (kind && life_kind_parse(kind, &it->kind))
        rc = gdir_err_set_param(err, GDIR_EINVAL, "kind", "kind : event, news ou alert.");
    free(kind);
    if (rc || (rc = str_member(body, "title", &it->title, err)) ||
        (rc = str_member(body, "text", &it->text_html, err)) ||
        (rc = local_member(body, "start", it->start, err)) ||
        (rc = local_member(body, "end", it->end, err)) ||
        (rc = str_member(body, "rrule", &it->rrule, err)) ||
        (rc = exdates_member(body, it, err)) ||
        (rc = str_member(body, "place_id", &it->place_id, err)) ||
        (rc = str_member(body, "address", &it->address, err)) || (rc = point_member(body, it, err)) ||
        (rc = communes_member(body, it, err)) ||
        (rc = bool_member(body, "territory", &it->territory, err)) ||
        (rc = objects(body, it, err)) || (rc = str_member(body, "category", &it->category, err)) ||
        (rc = str_member(body, "price", &it->price, err)) ||
        (rc = bool_member(body, "free", &it->free, err)) ||
        (rc = str_member(body, "accessibility", &it->accessibility, err)) ||
        (rc = str_member(body, "url", &it->url, err)) ||
        (rc = str_member(body, "severity", &it->severity, err)) ||
        (rc = time_member(body, "valid_from", &it->valid_from, err)) ||
        (rc = time_member(body, "valid_until", &it->valid_until, err)) ||
        (rc = str_member(body, "source", &it->source, err)))
        return rc;
    return GDIR_OK;
}

int api_life_can(const struct bo_agent *a, const struct life_item *it)
{
    if (a->disabled)
        return 0;
    if (a->role == BO_ROLE_ADMIN)
        return 1;
    if (a->role != BO_ROLE_COMMUNE || it->territory || !it->n_communes)
        return 0;
    for (size_t i = 0; i < it->n_communes; i++) {
        size_t k = 0;
        while (k < a->n_communes && strcmp(a->communes[k], it->communes[i]))
            k++;
        if (k == a->n_communes)
            return 0;
    }
    return 1;
}

struct place_cls {
    struct life_item *it;
    int with_point;
};

static int place_fn(void *cls, const struct api_place *p)
{
    struct place_cls *c = cls;
    free(c->it->place_name);
    c->it->place_name = p->name ? gdir_strdup(p->name) : NULL;
    if (!c->it->address && p->address && p->address[0]) {
        char line[LIFE_LINE_MAX + 1];
        snprintf(line, sizeof line, "%s%s%s%s%s", p->address, p->postcode ? " " : "",
                 p->postcode ? p->postcode : "", p->commune ? " " : "",
                 p->commune ? p->commune : "");
        c->it->address = gdir_strdup(line);
    }
    if (c->with_point) {
        c->it->has_point = 1;
        c->it->lat = p->lat;
        c->it->lon = p->lon;
    }
    return 0;
}

/* The address's point, by the platform's geocoder (when it finds it well enough). */
static void geocode(struct api_db *dir, struct life_item *it)
{
    struct api_geocoder *ix = NULL;
    struct gdir_geocode_query q = {.text = it->address};
    struct gdir_geocode_result r;
    struct gdir_err e;
    size_t n = 0;

    if (it->n_communes == 1)
        q.insee = it->communes[0];
    if (strlen(it->address) > GDIR_GEO_TEXT_MAX || api_geocoder_acquire(dir, &ix, &e))
        return;
    if (!gdir_geocoder_search(ix->g, &q, &r, 1, &n, &e) && n && r.score >= 0.4) {
        it->has_point = 1;
        it->lat = r.lat;
        it->lon = r.lon;
    }
    api_geocoder_release(ix);
}

/* What the directory knows: members, places, point, publisher. */
static int directory_fields(struct api_db *dir, const struct bo_agent *a, struct life_item *it,
                            struct gdir_err *err)
{
    struct place_cls pc = {it, !it->has_point};
    char name[300];

    for (size_t i = 0; i < it->n_communes; i++)
        if (!api_db_commune(dir, it->communes[i]))
            return gdir_err_set_param(err, GDIR_EINVAL, "communes", "communes : %s n'est pas "
                                      "une commune du territoire.", it->communes[i]);
    if (it->place_id && strlen(it->place_id) <= LIFE_ID_MAX &&
        api_q_place_by_id(dir, it->place_id, place_fn, &pc, err))
        return gdir_err_set_param(err, GDIR_EINVAL, "place_id", "place_id : aucun lieu de "
                                  "l'annuaire n'a cet identifiant.");
    if (it->organiser_place && strlen(it->organiser_place) <= LIFE_ID_MAX) {
        struct life_item tmp = {0};
        struct place_cls oc = {&tmp, 0};
        int rc = api_q_place_by_id(dir, it->organiser_place, place_fn, &oc, err);
        life_item_free(&tmp);
        if (rc)
            return gdir_err_set_param(err, GDIR_EINVAL, "organiser.place_id", "organiser."
                                      "place_id : aucun lieu de l'annuaire n'a cet identifiant.");
    }
    if (it->kind == LIFE_EVENT && !it->has_point && it->address)
        geocode(dir, it);
    if (!it->publisher) {
        const struct api_commune_entry *c =
            it->n_communes ? api_db_commune(dir, it->communes[0]) : NULL;
        if (a->role == BO_ROLE_ADMIN || it->territory || !c)
            api_life_territory_name(dir, name, sizeof name);
        else if (!strncmp(c->name, "Les ", 4))   /* « Commune des Hauts-de-Chée » */
            snprintf(name, sizeof name, "Commune des %s", c->name + 4);
        else if (!strncmp(c->name, "Le ", 3))
            snprintf(name, sizeof name, "Commune du %s", c->name + 3);
        else
            snprintf(name, sizeof name, "Commune de %s", c->name);
        if (!(it->publisher = gdir_strdup(name[0] ? name : "geodir")))
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    }
    return GDIR_OK;
}

int api_life_complete(struct api_db *dir, const struct bo_agent *a, struct life_item *it,
                      struct gdir_err *err)
{
    int rc;

    if (!dir)
        return gdir_err_set(err, GDIR_EUNAVAIL, "directory database unavailable");
    if ((rc = life_item_prepare(it, err)) || (rc = directory_fields(dir, a, it, err)))
        return rc;
    if (!api_life_can(a, it))
        return gdir_err_set(err, GDIR_EFORBIDDEN, it->territory
                            ? "Un contenu de tout le territoire est réservé aux administrateurs."
                            : "Ces communes ne sont pas toutes de votre ressort.");
    return GDIR_OK;
}
