/*
 * gdir_config.c — territory configuration loader (cJSON for parsing, our writer for the
 * public JSON kept in the database).
 */
#include "gdir_config.h"
#include "gdir_buf.h"
#include "gdir_cjson.h"
#include "gdir_export_formats.h"
#include "gdir_fs.h"
#include "gdir_json.h"
#include "gdir_mem.h"
#include "gdir_text.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_BYTES (1024 * 1024)

/* The string members of each object, in the order they are read (and errors reported): the
 * key tables read them and free them (gdir_cjson.h). */
#define TERR_STR(key, field, required) {key, offsetof(struct gdir_territory, field), required}
static const struct gdir_cjson_str identity_strs[] = {
    TERR_STR("name", name, 1),
    TERR_STR("short_name", short_name, 0),
    TERR_STR("epci_siren", epci_siren, 1),
    TERR_STR("seat_insee", seat_insee, 0),
    TERR_STR("default_licence", default_licence, 1),
    {NULL, 0, 0}};
static const struct gdir_cjson_str contact_strs[] = {
    TERR_STR("email", contact_email, 0),
    TERR_STR("phone", contact_phone, 0),
    TERR_STR("website", contact_website, 0),
    {NULL, 0, 0}};
static const struct gdir_cjson_str map_strs[] = {
    TERR_STR("tiles_url", tiles_url, 1),
    TERR_STR("tiles_attribution", tiles_attribution, 1),
    {NULL, 0, 0}};
#undef TERR_STR
/* "path" is read as written, then resolved against data_dir. */
#define SOURCE_STR(key, required) {#key, offsetof(struct gdir_source_cfg, key), required}
static const struct gdir_cjson_str source_strs[] = {
    SOURCE_STR(name, 1),
    SOURCE_STR(profile, 1),
    SOURCE_STR(path, 1),
    SOURCE_STR(data_date, 0),
    SOURCE_STR(title, 0),
    SOURCE_STR(publisher, 0),
    SOURCE_STR(licence, 0),
    SOURCE_STR(url, 0),
    {NULL, 0, 0}};
#undef SOURCE_STR
#define OPEN_DATA_STR(key) {#key, offsetof(struct gdir_open_data_cfg, key), 0}
static const struct gdir_cjson_str open_data_strs[] = {
    OPEN_DATA_STR(publisher_siret),
    OPEN_DATA_STR(update_frequency),
    OPEN_DATA_STR(public_url),
    OPEN_DATA_STR(title),
    OPEN_DATA_STR(description),
    {NULL, 0, 0}};
#undef OPEN_DATA_STR

/* base/rel, or rel itself when it is absolute. */
static char *join_path(const char *base, const char *rel)
{
    if (rel[0] == '/' || !base || !*base)
        return gdir_strdup(rel);
    size_t n = strlen(base) + strlen(rel) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", base, rel);
    return p;
}

static int is_digits(const char *s, size_t len)
{
    if (strlen(s) != len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* INSEE codes: 5 characters, digits except Corsica's 2A/2B. */
static int is_insee(const char *s)
{
    if (strlen(s) != 5)
        return 0;
    for (int i = 0; i < 5; i++) {
        int ok = (s[i] >= '0' && s[i] <= '9') || (i == 1 && (s[i] == 'A' || s[i] == 'B'));
        if (!ok)
            return 0;
    }
    return 1;
}

static int build_public_json(struct gdir_territory *t, struct gdir_err *err)
{
    struct gdir_buf b;
    struct gdir_json j;
    gdir_buf_init(&b, CONFIG_MAX_BYTES);
    gdir_json_init(&j, &b);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "name", t->name);
    gdir_json_kstr(&j, "short_name", t->short_name);
    gdir_json_kstr(&j, "epci_siren", t->epci_siren);
    gdir_json_kstr(&j, "seat_insee", t->seat_insee);
    gdir_json_key(&j, "communes");
    gdir_json_arr_begin(&j);
    for (size_t i = 0; i < t->n_communes; i++)
        gdir_json_str(&j, t->communes[i]);
    gdir_json_arr_end(&j);
    gdir_json_key(&j, "map");
    gdir_json_obj_begin(&j);
    gdir_json_key(&j, "center");
    gdir_json_arr_begin(&j);
    gdir_json_num(&j, t->center_lat, 6);
    gdir_json_num(&j, t->center_lon, 6);
    gdir_json_arr_end(&j);
    gdir_json_kint(&j, "zoom", t->zoom);
    gdir_json_kstr(&j, "tiles_url", t->tiles_url);
    gdir_json_kstr(&j, "tiles_attribution", t->tiles_attribution);
    gdir_json_obj_end(&j);
    gdir_json_key(&j, "contact");
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "email", t->contact_email);
    gdir_json_kstr(&j, "phone", t->contact_phone);
    gdir_json_kstr(&j, "website", t->contact_website);
    gdir_json_obj_end(&j);
    gdir_json_kstr(&j, "default_licence", t->default_licence);
    gdir_json_key(&j, "open_data");
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "title", t->open_data.title);
    gdir_json_kstr(&j, "description", t->open_data.description);
    gdir_json_kstr(&j, "publisher_siret", t->open_data.publisher_siret);
    gdir_json_kstr(&j, "update_frequency", t->open_data.update_frequency);
    gdir_json_kstr(&j, "public_url", t->open_data.public_url);
    gdir_json_key(&j, "keywords");
    gdir_json_arr_begin(&j);
    for (size_t i = 0; i < t->open_data.n_keywords; i++)
        gdir_json_str(&j, t->open_data.keywords[i]);
    gdir_json_arr_end(&j);
    gdir_json_key(&j, "exports");
    gdir_json_arr_begin(&j);
    for (size_t i = 0; i < t->open_data.n_exports; i++)
        gdir_json_str(&j, t->open_data.exports[i]);
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    gdir_json_obj_end(&j);
    if (gdir_json_error(&j)) {
        gdir_buf_free(&b);
        return gdir_err_set(err, GDIR_ENOMEM, "territory JSON");
    }
    t->public_json = gdir_buf_steal(&b, NULL);
    return GDIR_OK;
}

#define OPEN_DATA_MAX_LIST 64
#define OPEN_DATA_MAX_TEXT 2000

/* The export format names (gdir_export_formats.h), in the export library's order. */
static const char *const export_formats[] = {
#define GDIR_EXPORT_X(e, name, suffix, media, dataset, streamed) name,
    GDIR_EXPORT_FORMATS(GDIR_EXPORT_X)
#undef GDIR_EXPORT_X
};
#define N_EXPORT_FORMATS (sizeof export_formats / sizeof export_formats[0])

static int is_export_format(const char *name)
{
    for (size_t f = 0; f < N_EXPORT_FORMATS; f++)
        if (!strcmp(export_formats[f], name))
            return 1;
    return 0;
}

/* A list of non-empty strings of at most OPEN_DATA_MAX_TEXT bytes (open_data.exports,
 * open_data.keywords). */
static int get_str_list(const cJSON *obj, const char *key, char ***out, size_t *n,
                        const char *path, struct gdir_err *err)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key), *it;
    *out = NULL;
    *n = 0;
    if (!arr)
        return GDIR_OK;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > OPEN_DATA_MAX_LIST)
        return gdir_err_set_param(err, GDIR_ECONFIG, key,
                                  "%s: open_data.%s: expected an array of at most %d strings",
                                  path, key, OPEN_DATA_MAX_LIST);
    if (!(*out = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof **out)))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    cJSON_ArrayForEach(it, arr) {
        if (!cJSON_IsString(it) || !it->valuestring[0] ||
            strlen(it->valuestring) > OPEN_DATA_MAX_TEXT)
            return gdir_err_set_param(err, GDIR_ECONFIG, key,
                                      "%s: open_data.%s[%zu]: expected a non-empty string", path,
                                      key, *n);
        if (!((*out)[*n] = gdir_strdup(it->valuestring)))
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        (*n)++;
    }
    return GDIR_OK;
}

/* The optional "open_data" object, validated strictly (unknown keys are errors), with its
 * defaults filled from the territory. */
static int load_open_data(struct gdir_territory *t, const cJSON *root, const char *path,
                          struct gdir_err *err)
{
    static const char *const keys[] = {"exports", "publisher_siret", "update_frequency",
                                       "keywords", "public_url", "title", "description", NULL};
    static const char *const freqs[] = {"daily", "weekly", "monthly", "quarterly", "annual",
                                        "irregular"};
    struct gdir_open_data_cfg *o = &t->open_data;
    const cJSON *od = cJSON_GetObjectItemCaseSensitive(root, "open_data");
    struct gdir_buf b;
    int rc;

    if (od && !cJSON_IsObject(od))
        return gdir_err_set_param(err, GDIR_ECONFIG, "open_data",
                                  "%s: open_data: expected an object", path);
    if ((rc = gdir_cjson_check_keys(od, keys, path, "open_data", err)))
        return rc;
    if (od && ((rc = get_str_list(od, "exports", &o->exports, &o->n_exports, path, err)) ||
               (rc = get_str_list(od, "keywords", &o->keywords, &o->n_keywords, path, err)) ||
               (rc = gdir_cjson_get_strs(od, open_data_strs, o, path, "open_data.", err))))
        return rc;
    if (od && cJSON_GetObjectItemCaseSensitive(od, "exports")) {
        for (size_t i = 0; i < o->n_exports; i++) {
            if (!is_export_format(o->exports[i]))
                return gdir_err_set_param(err, GDIR_ECONFIG, "exports",
                                          "%s: open_data.exports[%zu]: unknown format '%s' "
                                          "(known: geojson, csv, csv-fr, scdl-equipements, gpkg, "
                                          "xlsx, kml, shp, fgb)", path, i, o->exports[i]);
            for (size_t k = 0; k < i; k++)
                if (!strcmp(o->exports[k], o->exports[i]))
                    return gdir_err_set_param(err, GDIR_ECONFIG, "exports",
                                              "%s: open_data.exports: '%s' listed twice", path,
                                              o->exports[i]);
        }
    } else {
        if (!(o->exports = calloc(N_EXPORT_FORMATS + 1, sizeof *o->exports)))
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        for (size_t f = 0; f < N_EXPORT_FORMATS; f++) {
            if (!(o->exports[f] = gdir_strdup(export_formats[f])))
                return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
            o->n_exports++;
        }
    }
    if (o->publisher_siret &&
        (!is_digits(o->publisher_siret, 14) ||
         strncmp(o->publisher_siret, t->epci_siren, 9) != 0))
        return gdir_err_set_param(err, GDIR_ECONFIG, "publisher_siret",
                                  "%s: open_data.publisher_siret: expected 14 digits starting "
                                  "with territory.epci_siren (%s)", path, t->epci_siren);
    if (o->update_frequency) {
        size_t k = 0;
        while (k < sizeof freqs / sizeof freqs[0] && strcmp(freqs[k], o->update_frequency))
            k++;
        if (k == sizeof freqs / sizeof freqs[0])
            return gdir_err_set_param(err, GDIR_ECONFIG, "update_frequency",
                                      "%s: open_data.update_frequency: '%s' is not one of daily, "
                                      "weekly, monthly, quarterly, annual, irregular", path,
                                      o->update_frequency);
    } else if (!(o->update_frequency = gdir_strdup("monthly"))) {
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    }
    if (o->public_url) {
        const char *u = o->public_url;
        size_t n = strlen(u);
        int scheme = !strncmp(u, "https://", 8) ? 8 : !strncmp(u, "http://", 7) ? 7 : 0;
        int bad = !scheme || n <= (size_t)scheme || n > OPEN_DATA_MAX_TEXT || u[n - 1] == '/' ||
                  u[scheme] == '/';
        for (size_t i = 0; i < n && !bad; i++)
            bad = (unsigned char)u[i] <= ' ' || u[i] == '"' || u[i] == '<' || u[i] == '>' ||
                  u[i] == '?' || u[i] == '#' || (unsigned char)u[i] >= 0x7f;
        if (bad)
            return gdir_err_set_param(err, GDIR_ECONFIG, "public_url",
                                      "%s: open_data.public_url: expected an absolute http(s) "
                                      "URL without query, fragment or trailing '/'", path);
    }
    if (o->title && strlen(o->title) > OPEN_DATA_MAX_TEXT)
        return gdir_err_set_param(err, GDIR_ECONFIG, "title", "%s: open_data.title: longer "
                                  "than %d bytes", path, OPEN_DATA_MAX_TEXT);
    if (o->description && strlen(o->description) > OPEN_DATA_MAX_TEXT)
        return gdir_err_set_param(err, GDIR_ECONFIG, "description", "%s: open_data.description: "
                                  "longer than %d bytes", path, OPEN_DATA_MAX_TEXT);
    if ((o->title && !o->title[0]) || (o->description && !o->description[0]))
        return gdir_err_set_param(err, GDIR_ECONFIG, "title", "%s: open_data.%s: empty", path,
                                  o->title && !o->title[0] ? "title" : "description");
    gdir_buf_init(&b, 4 * OPEN_DATA_MAX_TEXT);
    if (!o->title) {
        gdir_buf_printf(&b, "Annuaire des lieux et services – %s", t->name);
        if (!(o->title = gdir_buf_steal(&b, NULL)))
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    }
    if (!o->description) {
        gdir_buf_printf(&b, "Lieux, services publics, commerces, associations et équipements "
                        "des %zu communes du territoire « %s » (SIREN %s) : nom, catégorie, adresse, "
                        "position, contacts, horaires, source et licence de chaque "
                        "enregistrement.", t->n_communes, t->name, t->epci_siren);
        if (!(o->description = gdir_buf_steal(&b, NULL)))
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    }
    gdir_buf_free(&b);
    return GDIR_OK;
}

/* A "guard" object (top level, or in a source): its keys replace those of g. where: "guard"
 * or "sources[3].guard", for messages. */
static int load_guard(const cJSON *obj, struct gdir_guard_cfg *g, const char *path,
                      const char *where, struct gdir_err *err)
{
    static const char *const keys[] = {"max_rejected_percent", "max_shrink_percent", NULL};
    const cJSON *guard = cJSON_GetObjectItemCaseSensitive(obj, "guard"), *it;
    int rc;
    if (!guard)
        return GDIR_OK;
    if (!cJSON_IsObject(guard))
        return gdir_err_set_param(err, GDIR_ECONFIG, "guard", "%s: %s: expected an object",
                                  path, where);
    if ((rc = gdir_cjson_check_keys(guard, keys, path, where, err)))
        return rc;
    cJSON_ArrayForEach(it, guard) {
        double *v = !strcmp(it->string, "max_rejected_percent") ? &g->max_rejected_percent
                                                                 : &g->max_shrink_percent;
        if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > 100)
            return gdir_err_set_param(err, GDIR_ECONFIG, "guard", "%s: %s.%s: expected a "
                                      "number from 0 to 100 (a percentage)", path, where,
                                      it->string);
        *v = it->valuedouble;
    }
    return GDIR_OK;
}

/* The members of "territory": names, SIREN, licence, contact. Returns 0, or GDIR_ECONFIG
 * (err unset when memory ran out; the loader says so). */
static int load_identity(struct gdir_territory *t, const cJSON *terr, const char *path,
                         struct gdir_err *err)
{
    const int rc = GDIR_ECONFIG;
    const cJSON *it;

    if (gdir_cjson_get_strs(terr, identity_strs, t, path, "territory.", err))
        return rc;
    if (!t->short_name && !(t->short_name = gdir_strdup(t->name)))
        return rc;
    if (!gdir_licence_known(t->default_licence))
        return gdir_err_set_param(err, rc, "default_licence",
                                  "%s: territory.default_licence: unknown licence '%s' (known: "
                                  "etalab-2.0, ODbL-1.0, CC-BY-4.0, CC0-1.0)", path,
                                  t->default_licence);
    if (!is_digits(t->epci_siren, 9))
        return gdir_err_set_param(err, rc, "epci_siren",
                                  "%s: territory.epci_siren: expected 9 digits", path);
    it = cJSON_GetObjectItemCaseSensitive(terr, "contact");
    if (it && !cJSON_IsObject(it))
        return gdir_err_set_param(err, rc, "contact", "%s: territory.contact: expected an object",
                                  path);
    if (it && gdir_cjson_get_strs(it, contact_strs, t, path, "territory.contact.", err))
        return rc;
    return GDIR_OK;
}

/* territory.communes: a non-empty array of distinct INSEE codes. Errors as load_identity. */
static int load_communes(struct gdir_territory *t, const cJSON *terr, const char *path,
                         struct gdir_err *err)
{
    const int rc = GDIR_ECONFIG;
    const cJSON *communes = cJSON_GetObjectItemCaseSensitive(terr, "communes"), *it;

    if (!cJSON_IsArray(communes) || cJSON_GetArraySize(communes) == 0)
        return gdir_err_set_param(err, rc, "communes", "%s: territory.communes: expected a "
                                  "non-empty array of INSEE codes", path);
    t->communes = calloc((size_t)cJSON_GetArraySize(communes), sizeof *t->communes);
    if (!t->communes)
        return rc;
    cJSON_ArrayForEach(it, communes) {
        if (!cJSON_IsString(it) || !is_insee(it->valuestring))
            return gdir_err_set_param(err, rc, "communes", "%s: territory.communes[%zu]: "
                                      "expected a 5-character INSEE code", path, t->n_communes);
        if (gdir_territory_has_commune(t, it->valuestring))
            return gdir_err_set_param(err, rc, "communes",
                                      "%s: territory.communes: %s listed twice", path,
                                      it->valuestring);
        if (!(t->communes[t->n_communes] = gdir_strdup(it->valuestring)))
            return rc;
        t->n_communes++;
    }
    return GDIR_OK;
}

/* The "map" object: centre, zoom, tiles. Errors as load_identity. */
static int load_map(struct gdir_territory *t, const cJSON *root, const char *path,
                    struct gdir_err *err)
{
    const int rc = GDIR_ECONFIG;
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(root, "map"), *it;

    if (!cJSON_IsObject(map))
        return gdir_err_set_param(err, rc, "map", "%s: map: missing or not an object", path);
    it = cJSON_GetObjectItemCaseSensitive(map, "center");
    if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 2 ||
        !cJSON_IsNumber(cJSON_GetArrayItem(it, 0)) || !cJSON_IsNumber(cJSON_GetArrayItem(it, 1)))
        return gdir_err_set_param(err, rc, "center", "%s: map.center: expected [lat, lon]", path);
    t->center_lat = cJSON_GetArrayItem(it, 0)->valuedouble;
    t->center_lon = cJSON_GetArrayItem(it, 1)->valuedouble;
    if (t->center_lat < -90 || t->center_lat > 90 || t->center_lon < -180 || t->center_lon > 180)
        return gdir_err_set_param(err, rc, "center", "%s: map.center: out of range", path);
    it = cJSON_GetObjectItemCaseSensitive(map, "zoom");
    if (!cJSON_IsNumber(it) || it->valuedouble < 1 || it->valuedouble > 19 ||
        it->valuedouble != (double)(int)it->valuedouble)
        return gdir_err_set_param(err, rc, "zoom", "%s: map.zoom: expected an integer from 1 to "
                                  "19", path);
    t->zoom = it->valueint;
    if (gdir_cjson_get_strs(map, map_strs, t, path, "map.", err))
        return rc;
    return GDIR_OK;
}

/* data_dir (relative to the configuration's folder, or data_dir_override) and the overrides
 * file. Errors as load_identity. */
static int load_paths(struct gdir_territory *t, const cJSON *root, const char *path,
                      const char *cfgdir, const char *data_dir_override, struct gdir_err *err)
{
    const int rc = GDIR_ECONFIG;
    const cJSON *it;

    if (data_dir_override) {
        t->data_dir = gdir_strdup(data_dir_override);
    } else {
        it = cJSON_GetObjectItemCaseSensitive(root, "data_dir");
        if (it && !cJSON_IsString(it))
            return gdir_err_set_param(err, rc, "data_dir", "%s: data_dir: expected a string",
                                      path);
        t->data_dir = join_path(cfgdir, it ? it->valuestring : ".");
    }
    if (!t->data_dir)
        return rc;
    it = cJSON_GetObjectItemCaseSensitive(root, "overrides");
    if (it && (!cJSON_IsString(it) || !it->valuestring[0]))
        return gdir_err_set_param(err, rc, "overrides", "%s: overrides: expected a file path",
                                  path);
    if (it && !(t->overrides = join_path(cfgdir, it->valuestring)))
        return rc;
    return GDIR_OK;
}

/* sources[i] (it) into t->sources[t->n_sources], counted before it is filled so that
 * gdir_territory_free frees what was read. Errors as load_identity. */
static int load_source(struct gdir_territory *t, const cJSON *it, const char *path,
                       struct gdir_err *err)
{
    const int rc = GDIR_ECONFIG;
    struct gdir_source_cfg *s = &t->sources[t->n_sources];
    char prefix[48], where[64], *rel = NULL;
    int ret = rc;

    snprintf(prefix, sizeof prefix, "sources[%zu].", t->n_sources);
    if (!cJSON_IsObject(it))
        return gdir_err_set_param(err, rc, "sources", "%s: %s expected an object", path, prefix);
    t->n_sources++;
    if (gdir_cjson_get_strs(it, source_strs, s, path, prefix, err))
        goto out;
    rel = s->path;   /* resolved below */
    s->path = NULL;
    s->guard = t->guard;
    snprintf(where, sizeof where, "sources[%zu].guard", t->n_sources - 1);
    if (load_guard(it, &s->guard, path, where, err))
        goto out;
    if (s->licence && !gdir_licence_known(s->licence)) {
        gdir_err_set_param(err, rc, "licence", "%s: %slicence: unknown licence '%s'", path,
                           prefix, s->licence);
        goto out;
    }
    for (size_t k = 0; k + 1 < t->n_sources; k++)
        if (strcmp(t->sources[k].name, s->name) == 0) {
            gdir_err_set_param(err, rc, "name", "%s: %sname: '%s' used twice", path, prefix,
                               s->name);
            goto out;
        }
    if ((s->path = join_path(t->data_dir, rel)))
        ret = GDIR_OK;
out:
    free(rel);
    return ret;
}

/* The guard defaults and the top-level guard, then the "sources" array. Errors as
 * load_identity. */
static int load_sources(struct gdir_territory *t, const cJSON *root, const char *path,
                        struct gdir_err *err)
{
    const int rc = GDIR_ECONFIG;
    const cJSON *sources, *it;

    t->guard.max_rejected_percent = GDIR_GUARD_MAX_REJECTED_DEFAULT;
    t->guard.max_shrink_percent = GDIR_GUARD_MAX_SHRINK_DEFAULT;
    if (load_guard(root, &t->guard, path, "guard", err))
        return rc;
    sources = cJSON_GetObjectItemCaseSensitive(root, "sources");
    if (!cJSON_IsArray(sources))
        return gdir_err_set_param(err, rc, "sources", "%s: sources: expected an array", path);
    t->sources = calloc((size_t)cJSON_GetArraySize(sources) + 1, sizeof *t->sources);
    if (!t->sources)
        return rc;
    cJSON_ArrayForEach(it, sources)
        if (load_source(t, it, path, err))
            return rc;
    return GDIR_OK;
}

/* The file's text, checked (size, UTF-8) and parsed into a JSON object (*root). */
static int parse_file(const char *path, cJSON **root, struct gdir_err *err)
{
    char *text = NULL;
    int rc = gdir_file_read(path, CONFIG_MAX_BYTES, &text, NULL, err);

    *root = NULL;
    if (rc == GDIR_ETOOBIG)
        gdir_err_set(err, rc, "%s: file larger than 1 MiB", path);
    if (rc)
        goto out;
    /* cJSON does not check UTF-8: names and texts go into every JSON answer and page. */
    if (!gdir_utf8_valid(text, strlen(text))) {
        rc = gdir_err_set(err, GDIR_ECONFIG, "%s: not valid UTF-8 (save the file as UTF-8)",
                          path);
        goto out;
    }
    if (!(*root = gdir_cjson_parse(text, (size_t)-1, path, GDIR_ECONFIG, err))) {
        rc = GDIR_ECONFIG;
        goto out;
    }
    if (!cJSON_IsObject(*root))
        rc = gdir_err_set(err, GDIR_ECONFIG, "%s: not a JSON object", path);
out:
    free(text);
    return rc;
}

int gdir_territory_load(struct gdir_territory *t, const char *path, const char *data_dir_override,
                        struct gdir_err *err)
{
    char *cfgdir = NULL;
    cJSON *root = NULL;
    const cJSON *terr;
    int rc;

    memset(t, 0, sizeof *t);
    if ((rc = parse_file(path, &root, err)))
        goto out;
    rc = GDIR_ECONFIG;
    terr = cJSON_GetObjectItemCaseSensitive(root, "territory");
    if (!cJSON_IsObject(terr)) {
        gdir_err_set_param(err, rc, "territory", "%s: territory: missing or not an object", path);
        goto out;
    }
    if (load_identity(t, terr, path, err) || load_communes(t, terr, path, err) ||
        load_map(t, root, path, err) || !(cfgdir = gdir_dir_of(path)) ||
        load_paths(t, root, path, cfgdir, data_dir_override, err) ||
        load_sources(t, root, path, err))
        goto out;
    if ((rc = load_open_data(t, root, path, err)))
        goto out;
    rc = build_public_json(t, err);
out:
    if (rc && err && err->code == GDIR_OK)
        gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", path);
    if (rc)
        gdir_territory_free(t);
    cJSON_Delete(root);
    free(cfgdir);
    return rc;
}

void gdir_territory_free(struct gdir_territory *t)
{
    if (!t)
        return;
    gdir_cjson_free_strs(identity_strs, t);
    gdir_cjson_free_strs(contact_strs, t);
    gdir_cjson_free_strs(map_strs, t);
    for (size_t i = 0; i < t->n_communes; i++)
        free(t->communes[i]);
    free(t->communes);
    free(t->data_dir);
    free(t->overrides);
    for (size_t i = 0; i < t->n_sources; i++)
        gdir_cjson_free_strs(source_strs, &t->sources[i]);
    free(t->sources);
    for (size_t i = 0; i < t->open_data.n_exports; i++)
        free(t->open_data.exports[i]);
    free(t->open_data.exports);
    for (size_t i = 0; i < t->open_data.n_keywords; i++)
        free(t->open_data.keywords[i]);
    free(t->open_data.keywords);
    gdir_cjson_free_strs(open_data_strs, &t->open_data);
    free(t->public_json);
    memset(t, 0, sizeof *t);
}

int gdir_licence_known(const char *id)
{
    static const char *const known[] = {"etalab-2.0", "ODbL-1.0", "CC-BY-4.0", "CC0-1.0"};
    for (size_t i = 0; id && i < sizeof known / sizeof known[0]; i++)
        if (strcmp(id, known[i]) == 0)
            return 1;
    return 0;
}

int gdir_territory_has_commune(const struct gdir_territory *t, const char *insee)
{
    if (!insee)
        return 0;
    for (size_t i = 0; i < t->n_communes; i++)
        if (strcmp(t->communes[i], insee) == 0)
            return 1;
    return 0;
}
