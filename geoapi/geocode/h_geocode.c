/*
 * h_geocode.c — address geocoding compatible with the national BAN API (api-adresse.data.gouv.fr,
 * addok): a client of that API changes its base URL to <server>/api and keeps working.
 *
 *   GET  /api/search/?q=&limit=&autocomplete=&lat=&lon=&type=&postcode=&citycode=
 *   GET  /api/reverse/?lat=&lon=&limit=&type=&postcode=&citycode=
 * (each also without the trailing slash). The CSV endpoints are h_geocode_csv.c.
 *
 * Parameters are read as addok reads them (addok/http/base.py; docs/geocoding.md, « addok
 * compatibility »): a parameter addok does not know is ignored (the route's API_ADDOK flag),
 * lat may be written latitude and lon lng, long or longitude (api_addok.h), type takes several
 * types separated by spaces or the parameter repeated (OR), limit=0 is the default. Values are still checked: a
 * bad one answers this API's 400 naming the parameter (not addok's), and any other parameter
 * given twice too.
 *
 * Answers are GeoCodeJSON as the BAN writes it: a FeatureCollection with version "draft",
 * attribution, licence, query, filters, center, limit, and features whose properties are label,
 * score, housenumber, id, name, postcode, citycode, x, y (Lambert-93), city, context
 * ("55, Meuse, Grand Est"), type, importance, street (and distance with a point). The licence
 * and attribution are those of the sources of the addresses answered (BANO: ODbL-1.0,
 * OpenStreetMap contributors; BAN: etalab-2.0), never relabelled.
 *
 * The geocoder index is the one all threads share (api_geocoder.h); geocoding itself is
 * geocode/gdir_geocoder.c, the type and reverse filters api_geo_filters.c.
 */
#include "h_geocode.h"
#include "api_addok.h"
#include "api_dbpool.h"
#include "api_departements.h"
#include "api_geo_filters.h"
#include "api_geocoder.h"
#include "api_handlers.h"
#include "api_l93.h"
#include "gdir_address.h"
#include "gdir_geocoder.h"
#include "gdir_json.h"
#include "gdir_parse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEO_DEFAULT_LIMIT 5        /* /search/ without limit (BAN, addok) */
#define GEO_REVERSE_LIMIT 1        /* /reverse/ without limit */
#define TYPE_VALUES_MAX 8          /* `type` parameters of one request */

/* ------------------------------------------------------------------------------------------ */
/* Parameters                                                                                 */

/* The parameters read once: given twice, 400 (addok would take one of the values; `type`
 * alone adds its values up). */
static const char *const SINGLE[] = {"q", "limit", "autocomplete", "lat", "latitude", "lon",
                                     "lng", "long", "longitude", "postcode", "citycode", NULL};

static int check_single(const struct api_request *req, struct gdir_err *err)
{
    const char *v[2];
    for (const char *const *p = SINGLE; *p; p++)
        if (api_param_values(req, *p, v, 2) > 1)
            return gdir_err_set_param(err, GDIR_EREPEATED, *p, "%s: given more than once", *p);
    return GDIR_OK;
}

/* limit: 1..GDIR_GEO_RESULTS_MAX (addok refuses larger values too); 0 is the default, as in
 * addok (`limit or 5`). */
static int read_limit(const struct api_request *req, long def, long *limit, struct gdir_err *err)
{
    const char *v = api_param(req, "limit");
    *limit = def;
    if (v && gdir_parse_long(v, 0, GDIR_GEO_RESULTS_MAX, limit))
        return api_param_invalid(err, "limit", v,
                                 "expected an integer between 1 and 100 (0: the default)");
    if (*limit == 0)
        *limit = def;
    return GDIR_OK;
}

/* One coordinate under any of its names; *name the one given (else names[0]). */
static int read_coord(const struct api_request *req, const char *const *names, double max,
                      const char **v, const char **name, double *out, struct gdir_err *err)
{
    char expected[64];
    *v = api_addok_alias(req, names, name);
    if (!*v) {
        *name = names[0];
        return GDIR_OK;
    }
    snprintf(expected, sizeof expected, "expected a number between %g and %g", -max, max);
    if (gdir_parse_double(*v, -max, max, 0, out))
        return api_param_invalid(err, *name, *v, expected);
    return GDIR_OK;
}

/* lat and lon (or their aliases), both or neither (required: both). */
static int read_point(const struct api_request *req, int required, int *has, double *lat,
                      double *lon, struct gdir_err *err)
{
    const char *vlat, *vlon, *nlat, *nlon;
    int rc;

    *has = 0;
    if ((rc = read_coord(req, API_ADDOK_LAT, 90, &vlat, &nlat, lat, err)) ||
        (rc = read_coord(req, API_ADDOK_LON, 180, &vlon, &nlon, lon, err)))
        return rc;
    if (!vlat && !vlon && !required)
        return GDIR_OK;
    if (!vlat && !vlon)
        return gdir_err_set_param(err, GDIR_EINVAL, "lat", "lat: required (with lon)");
    if (!vlat)
        return gdir_err_set_param(err, GDIR_EINVAL, "lat", "lat: required with %s", nlon);
    if (!vlon)
        return gdir_err_set_param(err, GDIR_EINVAL, "lon", "lon: required with %s", nlat);
    *has = 1;
    return GDIR_OK;
}

/* type: a mask of types (0: no filter). */
static int read_types(const struct api_request *req, unsigned *types, struct gdir_err *err)
{
    const char *vals[TYPE_VALUES_MAX];
    size_t n = api_param_values(req, "type", vals, TYPE_VALUES_MAX);

    *types = 0;
    if (n == 0)
        return GDIR_OK;
    if (n > TYPE_VALUES_MAX)
        return gdir_err_set_param(err, GDIR_EINVAL, "type", "type: given more than %d times",
                                  TYPE_VALUES_MAX);
    return api_addok_types(vals, n, "type", types, err);
}

/* postcode (5 digits) and citycode (an INSEE code) filters; NULL when absent. */
static int read_codes(const struct api_request *req, const char **postcode,
                      const char **citycode, struct gdir_err *err)
{
    *postcode = api_param(req, "postcode");
    *citycode = api_param(req, "citycode");
    if (*postcode && !gdir_address_is_postcode(*postcode, strlen(*postcode)))
        return api_param_invalid(err, "postcode", *postcode, "expected a postcode of 5 digits");
    if (*citycode && !api_insee_valid(*citycode))
        return api_param_invalid(err, "citycode", *citycode,
                                 "expected an INSEE commune code (5 characters, e.g. 55532)");
    return GDIR_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Results                                                                                    */

/* What a result carries besides the geocoder's fields. */
struct extras {
    double x, y;            /* Lambert-93 */
    char context[160];
    double importance;
};

static void extras_of(const struct api_geocoder *ix, const struct gdir_geocode_result *r,
                      struct extras *e)
{
    api_l93_project(r->lat, r->lon, &e->x, &e->y);
    api_departement_context(r->citycode, e->context, sizeof e->context);
    e->importance = api_geocoder_importance(ix, r->citycode);
}

/* The licence and attribution of an answer: those of the sources of its results, else (no
 * result from an address source) those of every address source of the index. */
static void answer_licence(const struct api_geocoder *ix, const struct gdir_geocode_result *r,
                           size_t n, char *licence, size_t lcap, char *attribution,
                           size_t acap)
{
    licence[0] = attribution[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const struct api_geo_source *s = api_geocoder_source(ix, r[i].source);
        if (!s)
            continue;
        if (!strstr(licence, s->licence))
            snprintf(licence + strlen(licence), lcap - strlen(licence), "%s%s",
                     licence[0] ? ", " : "", s->licence);
        if (!strstr(attribution, s->attribution))
            snprintf(attribution + strlen(attribution), acap - strlen(attribution), "%s%s",
                     attribution[0] ? ", " : "", s->attribution);
    }
    if (!licence[0]) {
        snprintf(licence, lcap, "%s", ix->licence);
        snprintf(attribution, acap, "%s", ix->attribution);
    }
}

static void write_feature(struct gdir_json *j, const struct api_geocoder *ix,
                          const struct gdir_geocode_result *r, int with_distance)
{
    struct extras e;

    extras_of(ix, r, &e);
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "Feature");
    gdir_json_key(j, "geometry");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "Point");
    gdir_json_key(j, "coordinates");
    gdir_json_arr_begin(j);
    gdir_json_num(j, r->lon, 7);
    gdir_json_num(j, r->lat, 7);
    gdir_json_arr_end(j);
    gdir_json_obj_end(j);
    gdir_json_key(j, "properties");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "label", r->label);
    gdir_json_knum(j, "score", r->score, 6);
    if (r->housenumber[0])
        gdir_json_kstr(j, "housenumber", r->housenumber);
    if (r->id[0])
        gdir_json_kstr(j, "id", r->id);
    gdir_json_kstr(j, "name", r->name);
    if (r->postcode[0])
        gdir_json_kstr(j, "postcode", r->postcode);
    gdir_json_kstr(j, "citycode", r->citycode);
    gdir_json_knum(j, "x", e.x, 2);
    gdir_json_knum(j, "y", e.y, 2);
    gdir_json_kstr(j, "city", r->city);
    gdir_json_kstr(j, "context", e.context);
    gdir_json_kstr(j, "type", gdir_geo_type_name(r->type));
    gdir_json_knum(j, "importance", e.importance, 4);
    if (r->street[0])
        gdir_json_kstr(j, "street", r->street);
    if (with_distance)
        gdir_json_kint(j, "distance", (long long)llround(r->distance_m));
    gdir_json_obj_end(j);
    gdir_json_obj_end(j);
}

struct filters {
    unsigned types;                 /* mask of enum gdir_geo_type bits, 0: none */
    const char *postcode, *citycode;
};

/* The whole GeoCodeJSON answer. query NULL for reverse; center written when has_point. */
static int write_collection(struct api_response *res, const struct api_geocoder *ix,
                            const struct gdir_geocode_result *r, size_t n, const char *query,
                            const struct filters *f, int has_point, double lat, double lon,
                            long limit, struct gdir_err *err)
{
    struct gdir_json j;
    char licence[sizeof ix->licence], attribution[sizeof ix->attribution];

    answer_licence(ix, r, n, licence, sizeof licence, attribution, sizeof attribution);
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "type", "FeatureCollection");
    gdir_json_kstr(&j, "version", "draft");
    gdir_json_key(&j, "features");
    gdir_json_arr_begin(&j);
    for (size_t i = 0; i < n; i++)
        write_feature(&j, ix, &r[i], has_point);
    gdir_json_arr_end(&j);
    gdir_json_kstr(&j, "attribution", attribution[0] ? attribution : NULL);
    gdir_json_kstr(&j, "licence", licence[0] ? licence : NULL);
    if (query)
        gdir_json_kstr(&j, "query", query);
    if (f->types || f->postcode || f->citycode) {
        const char *names[4];
        size_t nt = api_addok_type_names(f->types, names);
        gdir_json_key(&j, "filters");
        gdir_json_obj_begin(&j);
        if (nt == 1)                /* one type: a string, as the BAN answers */
            gdir_json_kstr(&j, "type", names[0]);
        if (nt > 1) {               /* several: a list, as addok 1.3 answers */
            gdir_json_key(&j, "type");
            gdir_json_arr_begin(&j);
            for (size_t i = 0; i < nt; i++)
                gdir_json_str(&j, names[i]);
            gdir_json_arr_end(&j);
        }
        if (f->postcode)
            gdir_json_kstr(&j, "postcode", f->postcode);
        if (f->citycode)
            gdir_json_kstr(&j, "citycode", f->citycode);
        gdir_json_obj_end(&j);
    }
    if (has_point) {
        gdir_json_key(&j, "center");
        gdir_json_arr_begin(&j);
        gdir_json_num(&j, lon, 7);
        gdir_json_num(&j, lat, 7);
        gdir_json_arr_end(&j);
    }
    gdir_json_kint(&j, "limit", limit);
    gdir_json_obj_end(&j);
    return api_json_done(res, &j, API_CT_JSON, err);
}

int h_geocode_index(const struct api_ctx *ctx, struct api_geocoder **ix, struct gdir_err *err)
{
    struct api_db *db;
    int rc = api_dbpool_get(ctx->pool, &db, err);
    if (!rc)
        rc = api_geocoder_acquire(db, ix, err);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* GET /api/search/ and /api/reverse/                                                         */

int h_geo_search(const struct api_ctx *ctx, const struct api_request *req,
                 struct api_response *res, struct gdir_err *err)
{
    struct gdir_geocode_result *found = NULL;
    struct gdir_geocode_query q;
    struct api_geocoder *ix = NULL;
    struct filters f = {0};
    const char *text;
    long limit;
    size_t n = 0;
    int rc, has_ac, ac;

    memset(&q, 0, sizeof q);
    rc = check_single(req, err);
    if (!rc)
        rc = api_param_q(req, &text, err);
    if (!rc && !text)
        rc = gdir_err_set_param(err, GDIR_EINVAL, "q", "q: required (the address to find)");
    if (!rc)
        rc = read_limit(req, GEO_DEFAULT_LIMIT, &limit, err);
    if (!rc)
        rc = api_param_bool(req, "autocomplete", &has_ac, &ac, err);
    if (!rc)
        rc = read_point(req, 0, &q.has_point, &q.lat, &q.lon, err);
    if (!rc)
        rc = read_types(req, &f.types, err);
    if (!rc)
        rc = read_codes(req, &f.postcode, &f.citycode, err);
    if (rc)
        return rc;
    q.text = text;
    q.autocomplete = has_ac ? ac : 1;   /* BAN's default: on */
    q.postcode = f.postcode;
    q.insee = f.citycode;

    found = malloc((size_t)limit * sizeof *found);
    if (!found)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    rc = h_geocode_index(ctx, &ix, err);
    if (!rc)
        rc = api_geo_search(ix, &q, f.types, found, (size_t)limit, &n, err);
    if (!rc)
        rc = write_collection(res, ix, found, n, text, &f, q.has_point, q.lat, q.lon, limit, err);
    api_geocoder_release(ix);
    free(found);
    return rc;
}

int h_geo_reverse(const struct api_ctx *ctx, const struct api_request *req,
                  struct api_response *res, struct gdir_err *err)
{
    struct gdir_geocode_result *found = NULL;
    struct api_geocoder *ix = NULL;
    struct filters f = {0};
    double lat = 0, lon = 0;
    long limit;
    size_t n = 0;
    int rc, has_point;

    rc = check_single(req, err);
    if (!rc)
        rc = read_point(req, 1, &has_point, &lat, &lon, err);
    if (!rc)
        rc = read_limit(req, GEO_REVERSE_LIMIT, &limit, err);
    if (!rc)
        rc = read_types(req, &f.types, err);
    if (!rc)
        rc = read_codes(req, &f.postcode, &f.citycode, err);
    if (rc)
        return rc;
    found = malloc((size_t)limit * sizeof *found);
    if (!found)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    rc = h_geocode_index(ctx, &ix, err);
    if (!rc)
        rc = api_geo_reverse(ix, lat, lon, f.types, f.postcode, f.citycode, found,
                             (size_t)limit, &n, err);
    if (!rc)
        rc = write_collection(res, ix, found, n, NULL, &f, 1, lat, lon, limit, err);
    api_geocoder_release(ix);
    free(found);
    return rc;
}

