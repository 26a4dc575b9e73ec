/*
 * h_geocode.c — address geocoding compatible with the national BAN API (api-adresse.data.gouv.fr,
 * addok): a client of that API changes its base URL to <server>/api and keeps working.
 *
 *   GET  /api/search/?q=&limit=&autocomplete=&lat=&lon=&type=&postcode=&citycode=
 *   GET  /api/reverse/?lat=&lon=&limit=&type=
 *   POST /api/search/csv/   multipart/form-data: data (the CSV file), columns (repeatable),
 *                           postcode, citycode, lat, lon (column names)
 * (each also without the trailing slash).
 *
 * Answers are GeoCodeJSON as the BAN writes it: a FeatureCollection with version "draft",
 * attribution, licence, query, filters, center, limit, and features whose properties are label,
 * score, housenumber, id, name, postcode, citycode, x, y (Lambert-93), city, context
 * ("55, Meuse, Grand Est"), type, importance, street (and distance with a point). The licence
 * and attribution are those of the sources of the addresses answered (BANO: ODbL-1.0,
 * OpenStreetMap contributors; BAN: etalab-2.0), never relabelled. Errors are this API's JSON
 * errors (400 naming the parameter), not the BAN's.
 *
 * The geocoder index is the one all threads share (api_geocoder.h); geocoding itself is
 * geocode/gdir_geocoder.c. Not here: multipart and CSV syntax (api_multipart.c, api_csv.c), the
 * upload's size limit (api_server.c).
 */
#include "api_csv.h"
#include "gdir_csv.h"
#include "api_dbpool.h"
#include "api_departements.h"
#include "api_geocoder.h"
#include "api_handlers.h"
#include "api_l93.h"
#include "api_multipart.h"
#include "gdir_geocoder.h"
#include "gdir_json.h"
#include "gdir_parse.h"
#include "gdir_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GEO_DEFAULT_LIMIT 5        /* /search/ without limit (BAN, addok) */
#define GEO_REVERSE_LIMIT 1        /* /reverse/ without limit */
#define CSV_MAX_COLUMNS 64         /* `columns` fields of one upload */
#define CSV_FIELD_MAX 256          /* bytes of a text field of the upload (a column name) */
#define CSV_CT "text/csv; charset=utf-8"

/* ------------------------------------------------------------------------------------------ */
/* Parameters                                                                                 */

/* limit: 1..GDIR_GEO_RESULTS_MAX (addok refuses larger values too). */
static int read_limit(const struct api_request *req, long def, long *limit, struct gdir_err *err)
{
    const char *v = api_param(req, "limit");
    *limit = def;
    if (v && gdir_parse_long(v, 1, GDIR_GEO_RESULTS_MAX, limit))
        return api_param_invalid(err, "limit", v, "expected an integer between 1 and 100");
    return GDIR_OK;
}

/* lat and lon, both or neither (required: both). */
static int read_point(const struct api_request *req, int required, int *has, double *lat,
                      double *lon, struct gdir_err *err)
{
    int rc;
    *has = 0;
    if (!required && !api_param(req, "lat") && !api_param(req, "lon"))
        return GDIR_OK;
    if (!api_param(req, "lat"))
        return gdir_err_set_param(err, GDIR_EINVAL, "lat",
                                  required ? "lat: required (with lon)"
                                           : "lat: required with lon");
    if (!api_param(req, "lon"))
        return gdir_err_set_param(err, GDIR_EINVAL, "lon",
                                  required ? "lon: required (with lat)"
                                           : "lon: required with lat");
    if ((rc = api_param_lat(req, lat, err)) || (rc = api_param_lon(req, lon, err)))
        return rc;
    *has = 1;
    return GDIR_OK;
}

static int read_type(const struct api_request *req, int *has, enum gdir_geo_type *type,
                     struct gdir_err *err)
{
    const char *v = api_param(req, "type");
    *has = 0;
    if (!v)
        return GDIR_OK;
    if (gdir_geo_type_parse(v, type))
        return api_param_invalid(err, "type",
                                 v, "expected housenumber, street, locality or municipality");
    *has = 1;
    return GDIR_OK;
}

static int postcode_valid(const char *s)
{
    return strlen(s) == 5 && strspn(s, "0123456789") == 5;
}

/* postcode (5 digits) and citycode (an INSEE code) filters; NULL when absent. */
static int read_codes(const struct api_request *req, const char **postcode,
                      const char **citycode, struct gdir_err *err)
{
    *postcode = api_param(req, "postcode");
    *citycode = api_param(req, "citycode");
    if (*postcode && !postcode_valid(*postcode))
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
    gdir_json_point(j, r->lon, r->lat, 7);
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
    int has_type;
    enum gdir_geo_type type;
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
    if (f->has_type || f->postcode || f->citycode) {
        gdir_json_key(&j, "filters");
        gdir_json_obj_begin(&j);
        if (f->has_type)
            gdir_json_kstr(&j, "type", gdir_geo_type_name(f->type));
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

/* The calling thread's connection and the shared index (a reference to release). */
static int get_index(const struct api_ctx *ctx, struct api_geocoder **ix, struct gdir_err *err)
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
        rc = read_type(req, &f.has_type, &f.type, err);
    if (!rc)
        rc = read_codes(req, &f.postcode, &f.citycode, err);
    if (rc)
        return rc;
    q.text = text;
    q.autocomplete = has_ac ? ac : 1;   /* BAN's default: on */
    q.has_type = f.has_type;
    q.type = f.type;
    q.postcode = f.postcode;
    q.insee = f.citycode;

    found = malloc((size_t)limit * sizeof *found);
    if (!found)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    rc = get_index(ctx, &ix, err);
    if (!rc)
        rc = gdir_geocoder_search(ix->g, &q, found, (size_t)limit, &n, err);
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

    rc = read_point(req, 1, &has_point, &lat, &lon, err);
    if (!rc)
        rc = read_limit(req, GEO_REVERSE_LIMIT, &limit, err);
    if (!rc)
        rc = read_type(req, &f.has_type, &f.type, err);
    if (rc)
        return rc;
    found = malloc((size_t)limit * sizeof *found);
    if (!found)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    rc = get_index(ctx, &ix, err);
    if (!rc)
        rc = gdir_geocoder_reverse(ix->g, lat, lon, f.has_type, f.type, found, (size_t)limit, &n,
                                   err);
    if (!rc)
        rc = write_collection(res, ix, found, n, NULL, &f, 1, lat, lon, limit, err);
    api_geocoder_release(ix);
    free(found);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* POST /api/search/csv/                                                                      */

/* The result columns appended to each row, in this order (the BAN's names). */
enum { RC_LATITUDE, RC_LONGITUDE, RC_LABEL, RC_SCORE, RC_TYPE, RC_ID, RC_HOUSENUMBER, RC_NAME,
       RC_STREET, RC_POSTCODE, RC_CITY, RC_CONTEXT, RC_CITYCODE, RC_COUNT };
static const char *const RESULT_COLUMNS[RC_COUNT] = {
    "latitude", "longitude", "result_label", "result_score", "result_type", "result_id",
    "result_housenumber", "result_name", "result_street", "result_postcode", "result_city",
    "result_context", "result_citycode"};

/* The form fields of an upload. */
struct csv_form {
    const char *data;                        /* the file, borrowed from the body */
    size_t data_len;
    int has_data;
    char columns[CSV_MAX_COLUMNS][CSV_FIELD_MAX + 1];
    size_t n_columns;
    char postcode[CSV_FIELD_MAX + 1], citycode[CSV_FIELD_MAX + 1];   /* column names, "" */
    char lat[CSV_FIELD_MAX + 1], lon[CSV_FIELD_MAX + 1];
};

/* Copies a text field's value into out (cap bytes), checking it. */
static int form_text(const struct api_mp_part *p, char *out, size_t cap, struct gdir_err *err)
{
    char quoted[API_QUOTE_MAX * 4 + 16];
    if (p->len >= cap)
        return gdir_err_set_param(err, GDIR_EINVAL, p->name, "%s: longer than %zu bytes",
                                  p->name, cap - 1);
    if (memchr(p->data, '\0', p->len) || !gdir_utf8_valid(p->data, p->len)) {
        api_quote(quoted, sizeof quoted, p->name);
        return gdir_err_set_param(err, GDIR_EINVAL, p->name, "%s: not valid UTF-8 text",
                                  quoted);
    }
    memcpy(out, p->data, p->len);
    out[p->len] = '\0';
    return GDIR_OK;
}

static int read_form(const struct api_request *req, struct csv_form *form, struct gdir_err *err)
{
    const struct api_headers *h = req->headers;
    struct api_multipart mp;
    struct api_mp_part part;
    int rc, seen_postcode = 0, seen_citycode = 0, seen_lat = 0, seen_lon = 0;
    char quoted[API_QUOTE_MAX * 4 + 16];

    if (!h->body || h->body_len == 0)
        return gdir_err_set_param(err, GDIR_EINVAL, "data",
                                  "data: no file uploaded (multipart/form-data, field data)");
    rc = api_multipart_init(&mp, h->content_type, h->body, h->body_len, err);
    while (!rc && (rc = api_multipart_next(&mp, &part, err)) == 1) {
        char *dest = NULL;
        int *seen = NULL;
        rc = GDIR_OK;
        if (strcmp(part.name, "data") == 0) {
            if (form->has_data)
                return gdir_err_set_param(err, GDIR_EREPEATED, "data",
                                          "data: given more than once");
            form->has_data = 1;
            form->data = part.data;
            form->data_len = part.len;
            continue;
        }
        if (strcmp(part.name, "columns") == 0) {
            if (form->n_columns == CSV_MAX_COLUMNS)
                return gdir_err_set_param(err, GDIR_EINVAL, "columns",
                                          "columns: more than %d columns", CSV_MAX_COLUMNS);
            rc = form_text(&part, form->columns[form->n_columns], CSV_FIELD_MAX + 1, err);
            if (!rc && form->columns[form->n_columns][0] == '\0')
                rc = gdir_err_set_param(err, GDIR_EINVAL, "columns",
                                        "columns: empty column name");
            form->n_columns++;
            continue;
        }
        if (strcmp(part.name, "postcode") == 0) {
            dest = form->postcode;
            seen = &seen_postcode;
        } else if (strcmp(part.name, "citycode") == 0) {
            dest = form->citycode;
            seen = &seen_citycode;
        } else if (strcmp(part.name, "lat") == 0) {
            dest = form->lat;
            seen = &seen_lat;
        } else if (strcmp(part.name, "lon") == 0) {
            dest = form->lon;
            seen = &seen_lon;
        } else {
            api_quote(quoted, sizeof quoted, part.name);
            return gdir_err_set_param(err, GDIR_EUNKNOWNPARAM, part.name,
                                      "%s: unknown field for /api/search/csv/ (allowed: data, "
                                      "columns, postcode, citycode, lat, lon)", quoted);
        }
        if (*seen)
            return gdir_err_set_param(err, GDIR_EREPEATED, part.name, "%s: given more than once",
                                      part.name);
        *seen = 1;
        rc = form_text(&part, dest, CSV_FIELD_MAX + 1, err);
    }
    if (rc < 0)
        return rc;
    if (!form->has_data)
        return gdir_err_set_param(err, GDIR_EINVAL, "data",
                                  "data: no file uploaded (multipart/form-data, field data)");
    if ((form->lat[0] != '\0') != (form->lon[0] != '\0'))
        return gdir_err_set_param(err, GDIR_EINVAL, form->lat[0] ? "lon" : "lat",
                                  "%s: required with %s", form->lat[0] ? "lon" : "lat",
                                  form->lat[0] ? "lat" : "lon");
    return GDIR_OK;
}

/* Index of the column named name in the header, or -1. */
static long column_index(const char *const *header, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(header[i], name) == 0)
            return (long)i;
    return -1;
}

/* Resolves a column named by form field param ("" = not asked: *idx = -1). */
static int resolve_column(const char *const *header, size_t n, const char *param,
                          const char *name, long *idx, struct gdir_err *err)
{
    char quoted[API_QUOTE_MAX * 4 + 16], list[200];
    size_t o = 0;

    *idx = -1;
    if (!name[0])
        return GDIR_OK;
    *idx = column_index(header, n, name);
    if (*idx >= 0)
        return GDIR_OK;
    list[0] = '\0';
    for (size_t i = 0; i < n && o < sizeof list - 8; i++) {
        int w = snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "", header[i]);
        if (w < 0 || (size_t)w >= sizeof list - o) {
            snprintf(list + o, sizeof list - o, "...");
            break;
        }
        o += (size_t)w;
    }
    api_quote(quoted, sizeof quoted, name);
    return gdir_err_set_param(err, GDIR_EINVAL, param,
                              "%s: no column %s in the file (its columns: %s)", param, quoted,
                              list);
}

/* A number written without trailing zeros ("48.93", "5.1106"). */
static void fmt_num(char *out, size_t cap, double v, int decimals)
{
    size_t len;
    snprintf(out, cap, "%.*f", decimals, v);
    len = strlen(out);
    if (strchr(out, '.')) {
        while (len > 0 && out[len - 1] == '0')
            out[--len] = '\0';
        if (len > 0 && out[len - 1] == '.')
            out[--len] = '\0';
    }
}

/* The result values of one row (all "" when nothing was found). */
struct row_result {
    char lat[24], lon[24], score[16], context[160];
    const struct gdir_geocode_result *r;    /* NULL when not found */
};

static const char *result_value(const struct row_result *rr, int col)
{
    const struct gdir_geocode_result *r = rr->r;
    if (!r)
        return "";
    switch (col) {
    case RC_LATITUDE: return rr->lat;
    case RC_LONGITUDE: return rr->lon;
    case RC_LABEL: return r->label;
    case RC_SCORE: return rr->score;
    case RC_TYPE: return gdir_geo_type_name(r->type);
    case RC_ID: return r->id;
    case RC_HOUSENUMBER: return r->housenumber;
    case RC_NAME: return r->name;
    case RC_STREET: return r->street;
    case RC_POSTCODE: return r->postcode;
    case RC_CITY: return r->city;
    case RC_CONTEXT: return rr->context;
    case RC_CITYCODE: return r->citycode;
    default: return "";
    }
}

/* Geocodes one row: the chosen columns joined by spaces, with the row's filters and point. */
static void geocode_row(const struct api_geocoder *ix, const char *const *row, size_t n,
                        const long *cols, size_t n_cols, long pc, long cc, long la, long lo,
                        struct gdir_buf *text, struct gdir_geocode_result *found,
                        struct row_result *rr)
{
    struct gdir_geocode_query q;
    struct gdir_err gerr;
    size_t got = 0;
    double lat, lon;

    rr->r = NULL;
    gdir_buf_reset(text);
    for (size_t i = 0; i < n_cols; i++) {
        const char *v = (size_t)cols[i] < n ? row[cols[i]] : "";
        if (!v[0])
            continue;
        if (text->len)
            gdir_buf_addc(text, ' ');
        gdir_buf_adds(text, v);
    }
    if (text->len == 0 || text->err)
        return;
    memset(&q, 0, sizeof q);
    q.text = gdir_buf_str(text);
    if (pc >= 0 && (size_t)pc < n && postcode_valid(row[pc]))
        q.postcode = row[pc];
    if (cc >= 0 && (size_t)cc < n && api_insee_valid(row[cc]))
        q.insee = row[cc];
    if (la >= 0 && (size_t)la < n && (size_t)lo < n &&
        gdir_parse_double(row[la], -90, 90, 1, &lat) == 0 &&
        gdir_parse_double(row[lo], -180, 180, 1, &lon) == 0) {
        q.has_point = 1;
        q.lat = lat;
        q.lon = lon;
    }
    gdir_err_clear(&gerr);
    if (gdir_geocoder_search(ix->g, &q, found, 1, &got, &gerr) != 0 || got == 0)
        return;
    rr->r = found;
    fmt_num(rr->lat, sizeof rr->lat, found->lat, 7);
    fmt_num(rr->lon, sizeof rr->lon, found->lon, 7);
    fmt_num(rr->score, sizeof rr->score, found->score, 2);
    api_departement_context(found->citycode, rr->context, sizeof rr->context);
}

/* Ends a CSV line in out, as the upload ended its header line. */
static int end_line(struct gdir_buf *out, const struct api_csv_reader *r)
{
    return gdir_buf_adds(out, r->eol);
}

/* How an upload's columns are used: its header (owned), the columns joined into each query,
 * the filter and point columns (-1: none), and where the result columns go. */
struct csv_layout {
    char **header;
    size_t n_header;
    long cols[CSV_MAX_COLUMNS];
    size_t n_cols;
    long pc, cc, la, lo;
    long result_at[API_CSV_MAX_FIELDS];   /* per column of the file: the result it receives */
    int appended[RC_COUNT];               /* per result column: added after the file's */
};

/* Reads the header line into lay->header. */
static int read_header(struct api_csv_reader *rd, struct csv_layout *lay, struct gdir_err *err)
{
    const char *fields[API_CSV_MAX_FIELDS];
    int rc = api_csv_next(rd, fields, API_CSV_MAX_FIELDS, &lay->n_header, "data", err);

    if (rc == 0)
        rc = gdir_err_set_param(err, GDIR_EINVAL, "data", "data: the CSV file has no header line");
    if (rc < 0)
        return rc;
    lay->header = calloc(lay->n_header, sizeof *lay->header);
    if (!lay->header)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    for (size_t i = 0; i < lay->n_header; i++)
        if (!(lay->header[i] = strdup(fields[i])))
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    return GDIR_OK;
}

/* The columns to join into the query (all of them by default, as addok does), the filter and
 * point columns. */
static int resolve_columns(const struct csv_form *form, struct csv_layout *lay,
                           struct gdir_err *err)
{
    const char *const *hdr = (const char *const *)lay->header;
    size_t n_header = lay->n_header;
    int rc;

    lay->n_cols = form->n_columns ? form->n_columns : n_header;
    if (lay->n_cols > CSV_MAX_COLUMNS)
        lay->n_cols = CSV_MAX_COLUMNS;
    for (size_t i = 0; i < lay->n_cols; i++) {
        if (!form->n_columns) {
            lay->cols[i] = (long)i;
            continue;
        }
        rc = resolve_column(hdr, n_header, "columns", form->columns[i], &lay->cols[i], err);
        if (rc)
            return rc;
    }
    if ((rc = resolve_column(hdr, n_header, "postcode", form->postcode, &lay->pc, err)) ||
        (rc = resolve_column(hdr, n_header, "citycode", form->citycode, &lay->cc, err)) ||
        (rc = resolve_column(hdr, n_header, "lat", form->lat, &lay->la, err)) ||
        (rc = resolve_column(hdr, n_header, "lon", form->lon, &lay->lo, err)))
        return rc;
    return GDIR_OK;
}

/* Header: the file's columns, then the result columns it does not have already (a column of
 * the file named like a result column receives the result). */
static void write_header(struct gdir_buf *out, const struct api_csv_reader *rd,
                         struct csv_layout *lay)
{
    size_t n_header = lay->n_header;

    for (size_t i = 0; i < n_header; i++) {
        lay->result_at[i] = -1;
        for (int c = 0; c < RC_COUNT; c++)
            if (strcmp(lay->header[i], RESULT_COLUMNS[c]) == 0)
                lay->result_at[i] = c;
    }
    for (int c = 0; c < RC_COUNT; c++)
        lay->appended[c] =
            column_index((const char *const *)lay->header, n_header, RESULT_COLUMNS[c]) < 0;
    if (rd->bom)
        gdir_buf_add(out, "\xEF\xBB\xBF", 3);
    for (size_t i = 0; i < n_header; i++) {
        if (i)
            gdir_buf_addc(out, rd->out_sep);
        gdir_csv_field(out, lay->header[i], rd->out_sep);
    }
    for (int c = 0; c < RC_COUNT; c++)
        if (lay->appended[c]) {
            if (n_header)
                gdir_buf_addc(out, rd->out_sep);
            gdir_csv_field(out, RESULT_COLUMNS[c], rd->out_sep);
        }
    end_line(out, rd);
}

/* One geocoded line: the n fields of the file (results in their columns), then the results
 * appended. */
static void write_row(struct gdir_buf *out, const struct api_csv_reader *rd,
                      const struct csv_layout *lay, const char *const *fields, size_t n,
                      const struct row_result *rr)
{
    for (size_t i = 0; i < lay->n_header; i++) {
        const char *v = lay->result_at[i] >= 0 ? result_value(rr, (int)lay->result_at[i])
                        : i < n                ? fields[i]
                                               : "";
        if (i)
            gdir_buf_addc(out, rd->out_sep);
        gdir_csv_field(out, v, rd->out_sep);
    }
    for (int c = 0; c < RC_COUNT; c++)
        if (lay->appended[c]) {
            if (lay->n_header)
                gdir_buf_addc(out, rd->out_sep);
            gdir_csv_field(out, result_value(rr, c), rd->out_sep);
        }
    end_line(out, rd);
}

/* Geocodes the lines of rd after its header into out. */
static int geocode_rows(const struct api_ctx *ctx, const struct api_geocoder *ix,
                        struct api_csv_reader *rd, const struct csv_layout *lay,
                        struct gdir_buf *out, struct gdir_err *err)
{
    struct gdir_geocode_result found;
    struct gdir_buf text;
    const char *fields[API_CSV_MAX_FIELDS];
    size_t n, rows = 0;
    int rc;

    gdir_buf_init(&text, 4 * GDIR_GEO_TEXT_MAX);
    while ((rc = api_csv_next(rd, fields, API_CSV_MAX_FIELDS, &n, "data", err)) == 1) {
        struct row_result rr;
        if (++rows > (size_t)ctx->cfg->max_csv_rows) {
            rc = gdir_err_set_param(err, GDIR_ETOOBIG, "data",
                                    "data: more than %ld rows (the limit of one upload)",
                                    ctx->cfg->max_csv_rows);
            goto out;
        }
        if (n > lay->n_header) {
            /* Extra fields: empty ones (a trailing separator) are dropped, others refused. */
            for (size_t i = lay->n_header; i < n; i++)
                if (fields[i][0]) {
                    rc = gdir_err_set_param(err, GDIR_EINVAL, "data",
                                            "data: line %ld has %zu fields, the header %zu",
                                            rd->line, n, lay->n_header);
                    goto out;
                }
            n = lay->n_header;
        }
        geocode_row(ix, fields, n, lay->cols, lay->n_cols, lay->pc, lay->cc, lay->la, lay->lo,
                    &text, &found, &rr);
        write_row(out, rd, lay, fields, n, &rr);
        if (out->err) {
            rc = gdir_err_set_param(err, GDIR_ETOOBIG, "data",
                                    "data: the geocoded file would exceed %u bytes",
                                    API_BODY_MAX);
            goto out;
        }
    }
out:
    gdir_buf_free(&text);
    return rc < 0 ? rc : GDIR_OK;
}

int h_geo_search_csv(const struct api_ctx *ctx, const struct api_request *req,
                     struct api_response *res, struct gdir_err *err)
{
    struct csv_form *form = calloc(1, sizeof *form);
    struct api_csv_reader rd;
    struct api_geocoder *ix = NULL;
    struct csv_layout lay = {0};
    struct gdir_buf *out = &res->body;
    int rc, opened = 0;

    if (!form)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    rc = read_form(req, form, err);
    if (rc)
        goto out;
    rc = api_csv_open(&rd, form->data, form->data_len, "data", err);
    opened = 1;
    if (rc)
        goto out;
    rc = read_header(&rd, &lay, err);
    if (!rc)
        rc = resolve_columns(form, &lay, err);
    if (rc)
        goto out;
    write_header(out, &rd, &lay);

    rc = get_index(ctx, &ix, err);
    if (!rc)
        rc = geocode_rows(ctx, ix, &rd, &lay, out, err);
    if (rc)
        goto out;
    if (out->err) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "response body: out of memory");
        goto out;
    }
    res->content_type = CSV_CT;
    rc = GDIR_OK;
out:
    api_geocoder_release(ix);
    if (opened)
        api_csv_close(&rd);
    for (size_t i = 0; lay.header && i < lay.n_header; i++)
        free(lay.header[i]);
    free(lay.header);
    free(form);
    return rc;
}
