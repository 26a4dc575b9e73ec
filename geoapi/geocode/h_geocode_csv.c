/*
 * h_geocode_csv.c — batch geocoding of a CSV file, compatible with the national BAN API and
 * addok-csv (addok_csv/__init__.py):
 *
 *   POST /api/search/csv/    geocodes each line: the chosen columns joined by spaces
 *   POST /api/reverse/csv/   reverse-geocodes each line's latitude/lat and longitude/lon/lng/long
 * (each also without the trailing slash), multipart/form-data with the file in `data`.
 *
 * The options are form fields or query-string parameters (`…/csv/?citycode=insee`), as addok-csv
 * reads both: columns (repeatable: the columns joined into the query; all by default),
 * result_columns (repeatable: the result columns to add; all by default), postcode, citycode,
 * type, lat, lon (the names of the columns holding each line's filter or point), delimiter,
 * quote, encoding, with_bom, min_score. One given twice (query string and form count alike)
 * answers 400, but columns and result_columns; other fields and parameters are ignored, as
 * addok-csv ignores them. The answer is the file with the result columns added (a column of the
 * file named like a result column receives it), in the upload's separator, line ends and
 * encoding, with a Content-Disposition naming it "<upload>.geocoded.csv" as addok-csv does.
 *
 * Not here: multipart and CSV syntax (api_multipart.c, api_csv.c), the CSV field writer
 * (common/gdir_csv.c), the option values and encodings (api_addok.c), the upload's size limit
 * (api_server.c).
 */
#include "h_geocode.h"
#include "api_addok.h"
#include "api_csv.h"
#include "api_departements.h"
#include "api_geo_filters.h"
#include "api_geocoder.h"
#include "api_handlers.h"
#include "api_multipart.h"
#include "gdir_address.h"
#include "gdir_csv.h"
#include "gdir_geocoder.h"
#include "gdir_parse.h"
#include "gdir_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_MAX_COLUMNS 64         /* `columns` of one upload */
#define CSV_FIELD_MAX 256          /* bytes of an option's value (a column name) */

/* What a result column holds. */
enum what { W_LAT, W_LON, W_LABEL, W_SCORE, W_DISTANCE, W_TYPE, W_ID, W_HOUSENUMBER, W_NAME,
            W_STREET, W_POSTCODE, W_CITY, W_CONTEXT, W_CITYCODE };

struct result_column {
    const char *name;
    enum what what;
};

#define N_RESULT_COLUMNS 13

/* The result columns of each endpoint, in order: the BAN's names for /search/csv/, addok-csv's
 * CSV_REVERSE_HEADERS (then the same extra fields) for /reverse/csv/. */
static const struct result_column SEARCH_COLUMNS[N_RESULT_COLUMNS] = {
    {"latitude", W_LAT}, {"longitude", W_LON}, {"result_label", W_LABEL},
    {"result_score", W_SCORE}, {"result_type", W_TYPE}, {"result_id", W_ID},
    {"result_housenumber", W_HOUSENUMBER}, {"result_name", W_NAME},
    {"result_street", W_STREET}, {"result_postcode", W_POSTCODE}, {"result_city", W_CITY},
    {"result_context", W_CONTEXT}, {"result_citycode", W_CITYCODE}};
static const struct result_column REVERSE_COLUMNS[N_RESULT_COLUMNS] = {
    {"result_latitude", W_LAT}, {"result_longitude", W_LON}, {"result_label", W_LABEL},
    {"result_distance", W_DISTANCE}, {"result_type", W_TYPE}, {"result_id", W_ID},
    {"result_housenumber", W_HOUSENUMBER}, {"result_name", W_NAME},
    {"result_street", W_STREET}, {"result_postcode", W_POSTCODE}, {"result_city", W_CITY},
    {"result_context", W_CONTEXT}, {"result_citycode", W_CITYCODE}};

/* ------------------------------------------------------------------------------------------ */
/* Options                                                                                    */

/* The single-valued options naming a column, then the others. */
enum { O_POSTCODE, O_CITYCODE, O_TYPE, O_LAT, O_LON, O_NAMED, O_DELIMITER = O_NAMED,
       O_QUOTE, O_ENCODING, O_WITH_BOM, O_MIN_SCORE, O_COUNT };
static const char *const OPTION_NAMES[O_COUNT] = {
    "postcode", "citycode", "type", "lat", "lon", "delimiter", "quote", "encoding", "with_bom",
    "min_score"};

struct csv_opts {
    int reverse;                              /* /reverse/csv/ */
    const char *data;                         /* the file, borrowed from the body */
    size_t data_len;
    int has_data;
    char filename[API_MP_NAME_MAX + 1];
    char columns[CSV_MAX_COLUMNS][CSV_FIELD_MAX + 1];
    size_t n_columns;
    int results[N_RESULT_COLUMNS];            /* result columns asked (result_columns) */
    int any_result_columns;                   /* result_columns given */
    int seen[O_COUNT];
    char named[O_NAMED][CSV_FIELD_MAX + 1];   /* column names, "" when not given */
    char delimiter;                           /* '\0': detected */
    enum api_addok_encoding enc;
    int with_bom;                             /* -1: as the upload */
    double min_score;
};

static const struct result_column *columns_of(const struct csv_opts *o)
{
    return o->reverse ? REVERSE_COLUMNS : SEARCH_COLUMNS;
}

static int option_index(const char *name)
{
    for (int i = 0; i < O_COUNT; i++)
        if (strcmp(name, OPTION_NAMES[i]) == 0)
            return i;
    return -1;
}

/* 1 when the endpoint reads the option name (others are ignored, as addok-csv does). */
static int option_known(const struct csv_opts *o, const char *name)
{
    if (strcmp(name, "columns") == 0 || strcmp(name, "min_score") == 0)
        return !o->reverse;
    return strcmp(name, "result_columns") == 0 || option_index(name) >= 0;
}

static int opt_result_column(struct csv_opts *o, const char *v, struct gdir_err *err)
{
    const struct result_column *cols = columns_of(o);
    char expected[400];
    size_t len = 0;

    for (int c = 0; c < N_RESULT_COLUMNS; c++)
        if (strcmp(v, cols[c].name) == 0) {
            o->results[c] = 1;
            o->any_result_columns = 1;
            return GDIR_OK;
        }
    len = (size_t)snprintf(expected, sizeof expected, "expected one of");
    for (int c = 0; c < N_RESULT_COLUMNS && len < sizeof expected; c++)
        len += (size_t)snprintf(expected + len, sizeof expected - len, "%s %s", c ? "," : "",
                                cols[c].name);
    return api_param_invalid(err, "result_columns", v, expected);
}

static int opt_column(struct csv_opts *o, const char *v, struct gdir_err *err)
{
    if (o->n_columns == CSV_MAX_COLUMNS)
        return gdir_err_set_param(err, GDIR_EINVAL, "columns", "columns: more than %d columns",
                                  CSV_MAX_COLUMNS);
    if (!v[0])
        return gdir_err_set_param(err, GDIR_EINVAL, "columns", "columns: empty column name");
    memcpy(o->columns[o->n_columns++], v, strlen(v) + 1);
    return GDIR_OK;
}

/* One single-valued option. */
static int opt_single(struct csv_opts *o, int i, const char *v, struct gdir_err *err)
{
    int b;

    if (o->seen[i]++)
        return gdir_err_set_param(err, GDIR_EREPEATED, OPTION_NAMES[i],
                                  "%s: given more than once", OPTION_NAMES[i]);
    switch (i) {
    case O_DELIMITER:
        return api_addok_delimiter(v, &o->delimiter, err);
    case O_QUOTE:
        if (strcmp(v, "\"") != 0)
            return api_param_invalid(err, "quote", v, "expected \" (the only quote read)");
        return GDIR_OK;
    case O_ENCODING:
        return api_addok_encoding(v, &o->enc, err);
    case O_WITH_BOM:
        if (gdir_parse_bool(v, &b))
            return api_param_invalid(err, "with_bom", v, "expected true or false");
        o->with_bom = b;
        return GDIR_OK;
    case O_MIN_SCORE:
        if (gdir_parse_double(v, 0, 1, 0, &o->min_score))
            return api_param_invalid(err, "min_score", v, "expected a number between 0 and 1");
        return GDIR_OK;
    default:
        memcpy(o->named[i], v, strlen(v) + 1);
        return GDIR_OK;
    }
}

/* One option, from the query string or the form (v: valid UTF-8, without NUL). */
static int csv_option(struct csv_opts *o, const char *name, const char *v, struct gdir_err *err)
{
    if (!option_known(o, name))
        return GDIR_OK;
    if (strlen(v) > CSV_FIELD_MAX)
        return gdir_err_set_param(err, GDIR_EINVAL, name, "%s: longer than %d bytes", name,
                                  CSV_FIELD_MAX);
    if (strcmp(name, "columns") == 0)
        return opt_column(o, v, err);
    if (strcmp(name, "result_columns") == 0)
        return opt_result_column(o, v, err);
    return opt_single(o, option_index(name), v, err);
}

/* A form field's text (NUL-terminated into out), checked. */
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

/* The options of the query string, then those of the form, and the file. */
static int read_options(const struct api_request *req, struct csv_opts *o, struct gdir_err *err)
{
    const struct api_headers *h = req->headers;
    struct api_multipart mp;
    struct api_mp_part part;
    char value[CSV_FIELD_MAX + 1];
    int rc = GDIR_OK;

    o->with_bom = -1;
    for (size_t i = 0; i < req->n_params && !rc; i++)
        rc = csv_option(o, req->params[i].name, req->params[i].value, err);
    if (rc)
        return rc;
    if (!h->body || h->body_len == 0)
        return gdir_err_set_param(err, GDIR_EINVAL, "data",
                                  "data: no file uploaded (multipart/form-data, field data)");
    rc = api_multipart_init(&mp, h->content_type, h->body, h->body_len, err);
    while (!rc && (rc = api_multipart_next(&mp, &part, err)) == 1) {
        rc = GDIR_OK;
        if (strcmp(part.name, "data") == 0) {
            if (o->has_data)
                return gdir_err_set_param(err, GDIR_EREPEATED, "data",
                                          "data: given more than once");
            o->has_data = 1;
            o->data = part.data;
            o->data_len = part.len;
            memcpy(o->filename, part.filename, sizeof o->filename);
        } else if (option_known(o, part.name)) {
            rc = form_text(&part, value, sizeof value, err);
            if (!rc)
                rc = csv_option(o, part.name, value, err);
        }
    }
    if (rc < 0)
        return rc;
    if (!o->has_data)
        return gdir_err_set_param(err, GDIR_EINVAL, "data",
                                  "data: no file uploaded (multipart/form-data, field data)");
    if ((o->named[O_LAT][0] != '\0') != (o->named[O_LON][0] != '\0'))
        return gdir_err_set_param(err, GDIR_EINVAL, o->named[O_LAT][0] ? "lon" : "lat",
                                  "%s: required with %s", o->named[O_LAT][0] ? "lon" : "lat",
                                  o->named[O_LAT][0] ? "lat" : "lon");
    return GDIR_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Columns                                                                                    */

/* Index of the column named name in the header, or -1. */
static long column_index(const char *const *header, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(header[i], name) == 0)
            return (long)i;
    return -1;
}

/* 400 naming param: no column name in the file; its columns listed. */
static int no_column(const char *const *header, size_t n, const char *param, const char *name,
                     struct gdir_err *err)
{
    char quoted[API_QUOTE_MAX * 4 + 16], list[200];
    size_t o = 0;

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

/* Resolves a column named by option param ("" = not asked: *idx = -1). */
static int resolve_column(const char *const *header, size_t n, const char *param,
                          const char *name, long *idx, struct gdir_err *err)
{
    *idx = -1;
    if (!name[0])
        return GDIR_OK;
    *idx = column_index(header, n, name);
    return *idx >= 0 ? GDIR_OK : no_column(header, n, param, name, err);
}

/* How an upload's columns are used: its header (owned), the columns joined into each query,
 * the columns of the filters and the point (-1: none), and where the result columns go. */
struct csv_layout {
    char **header;
    size_t n_header;
    long cols[CSV_MAX_COLUMNS];
    size_t n_cols;
    long at[O_NAMED];                     /* per named option: its column, -1 */
    long result_at[API_CSV_MAX_FIELDS];   /* per column of the file: the result it receives */
    int appended[N_RESULT_COLUMNS];       /* per result column: added after the file's */
    int bom;                              /* the answer starts with a BOM */
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

/* /reverse/csv/'s point columns when not named: latitude or lat, longitude, lon, lng or long
 * (addok-csv's order). */
static int reverse_point_columns(const char *const *hdr, size_t n, struct csv_layout *lay,
                                 struct gdir_err *err)
{
    for (const char *const *p = (const char *const[]){"latitude", "lat", NULL};
         *p && lay->at[O_LAT] < 0; p++)
        lay->at[O_LAT] = column_index(hdr, n, *p);
    for (const char *const *p =
             (const char *const[]){"longitude", "lon", "lng", "long", NULL};
         *p && lay->at[O_LON] < 0; p++)
        lay->at[O_LON] = column_index(hdr, n, *p);
    if (lay->at[O_LAT] < 0)
        return no_column(hdr, n, "lat", "latitude", err);
    if (lay->at[O_LON] < 0)
        return no_column(hdr, n, "lon", "longitude", err);
    return GDIR_OK;
}

/* The columns to join into the query (all of them by default, as addok does), the filter and
 * point columns. */
static int resolve_columns(const struct csv_opts *o, struct csv_layout *lay,
                           struct gdir_err *err)
{
    const char *const *hdr = (const char *const *)lay->header;
    size_t n_header = lay->n_header;
    int rc;

    lay->n_cols = o->n_columns ? o->n_columns : n_header;
    if (lay->n_cols > CSV_MAX_COLUMNS)
        lay->n_cols = CSV_MAX_COLUMNS;
    for (size_t i = 0; i < lay->n_cols; i++) {
        if (!o->n_columns) {
            lay->cols[i] = (long)i;
            continue;
        }
        rc = resolve_column(hdr, n_header, "columns", o->columns[i], &lay->cols[i], err);
        if (rc)
            return rc;
    }
    for (int i = 0; i < O_NAMED; i++)
        if ((rc = resolve_column(hdr, n_header, OPTION_NAMES[i], o->named[i], &lay->at[i],
                                 err)))
            return rc;
    return o->reverse ? reverse_point_columns(hdr, n_header, lay, err) : GDIR_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Lines                                                                                      */

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

/* The result values of one line (all "" when nothing was found). */
struct row_result {
    char lat[24], lon[24], score[16], distance[16], context[160];
    const struct gdir_geocode_result *r;    /* NULL when not found */
};

static const char *result_value(const struct row_result *rr, enum what w)
{
    const struct gdir_geocode_result *r = rr->r;
    if (!r)
        return "";
    switch (w) {
    case W_LAT: return rr->lat;
    case W_LON: return rr->lon;
    case W_LABEL: return r->label;
    case W_SCORE: return rr->score;
    case W_DISTANCE: return rr->distance;
    case W_TYPE: return gdir_geo_type_name(r->type);
    case W_ID: return r->id;
    case W_HOUSENUMBER: return r->housenumber;
    case W_NAME: return r->name;
    case W_STREET: return r->street;
    case W_POSTCODE: return r->postcode;
    case W_CITY: return r->city;
    case W_CONTEXT: return rr->context;
    case W_CITYCODE: return r->citycode;
    }
    return "";
}

static void set_result(const struct gdir_geocode_result *found, struct row_result *rr)
{
    rr->r = found;
    fmt_num(rr->lat, sizeof rr->lat, found->lat, 7);
    fmt_num(rr->lon, sizeof rr->lon, found->lon, 7);
    fmt_num(rr->score, sizeof rr->score, found->score, 2);
    snprintf(rr->distance, sizeof rr->distance, "%ld", (long)found->distance_m);
    api_departement_context(found->citycode, rr->context, sizeof rr->context);
}

/* A line's value of the column at (-1: none), or NULL. */
static const char *cell(const char *const *row, size_t n, long at)
{
    return at >= 0 && (size_t)at < n ? row[at] : NULL;
}

/* The line's filters: postcode and citycode when well-formed, types when they read (else no
 * filter, as a bad postcode). */
static void row_filters(const char *const *row, size_t n, const struct csv_layout *lay,
                        const char **postcode, const char **citycode, unsigned *types)
{
    const char *pc = cell(row, n, lay->at[O_POSTCODE]), *cc = cell(row, n, lay->at[O_CITYCODE]);
    const char *ty = cell(row, n, lay->at[O_TYPE]);
    struct gdir_err ignored;

    *postcode = pc && gdir_address_is_postcode(pc, strlen(pc)) ? pc : NULL;
    *citycode = cc && api_insee_valid(cc) ? cc : NULL;
    *types = 0;
    if (ty && ty[0] && api_addok_types(&ty, 1, "type", types, &ignored))
        *types = 0;
}

/* The line's point, from the lat and lon columns: 1 when both read. */
static int row_point(const char *const *row, size_t n, const struct csv_layout *lay, double *lat,
                     double *lon)
{
    const char *la = cell(row, n, lay->at[O_LAT]), *lo = cell(row, n, lay->at[O_LON]);
    return la && lo && gdir_parse_double(la, -90, 90, 1, lat) == 0 &&
           gdir_parse_double(lo, -180, 180, 1, lon) == 0;
}

/* Geocodes one line: the chosen columns joined by spaces, with the line's filters and point. */
static void search_row(const struct api_geocoder *ix, const struct csv_opts *o,
                       const char *const *row, size_t n, const struct csv_layout *lay,
                       struct gdir_buf *text, struct gdir_geocode_result *found,
                       struct row_result *rr)
{
    struct gdir_geocode_query q;
    struct gdir_err gerr;
    unsigned types;
    size_t got = 0;

    rr->r = NULL;
    gdir_buf_reset(text);
    for (size_t i = 0; i < lay->n_cols; i++) {
        const char *v = (size_t)lay->cols[i] < n ? row[lay->cols[i]] : "";
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
    row_filters(row, n, lay, &q.postcode, &q.insee, &types);
    q.has_point = row_point(row, n, lay, &q.lat, &q.lon);
    gdir_err_clear(&gerr);
    if (api_geo_search(ix, &q, types, found, 1, &got, &gerr) != 0 || got == 0 ||
        found->score < o->min_score)
        return;
    set_result(found, rr);
}

/* Reverse-geocodes one line: its point, with its filters. */
static void reverse_row(const struct api_geocoder *ix, const char *const *row, size_t n,
                        const struct csv_layout *lay, struct gdir_geocode_result *found,
                        struct row_result *rr)
{
    const char *postcode, *citycode;
    struct gdir_err gerr;
    unsigned types;
    double lat, lon;
    size_t got = 0;

    rr->r = NULL;
    if (!row_point(row, n, lay, &lat, &lon))
        return;
    row_filters(row, n, lay, &postcode, &citycode, &types);
    gdir_err_clear(&gerr);
    if (api_geo_reverse(ix, lat, lon, types, postcode, citycode, found, 1, &got, &gerr) == 0 &&
        got == 1)
        set_result(found, rr);
}

/* Header: the file's columns, then the result columns asked that it does not have already (a
 * column of the file named like one receives it). */
static void write_header(struct gdir_buf *out, const struct api_csv_reader *rd,
                         const struct csv_opts *o, struct csv_layout *lay)
{
    const struct result_column *cols = columns_of(o);
    size_t n_header = lay->n_header;

    for (size_t i = 0; i < n_header; i++) {
        lay->result_at[i] = -1;
        for (int c = 0; c < N_RESULT_COLUMNS; c++)
            if ((!o->any_result_columns || o->results[c]) &&
                strcmp(lay->header[i], cols[c].name) == 0)
                lay->result_at[i] = c;
    }
    for (int c = 0; c < N_RESULT_COLUMNS; c++)
        lay->appended[c] =
            (!o->any_result_columns || o->results[c]) &&
            column_index((const char *const *)lay->header, n_header, cols[c].name) < 0;
    if (lay->bom)
        gdir_buf_add(out, "\xEF\xBB\xBF", 3);
    for (size_t i = 0; i < n_header; i++) {
        if (i)
            gdir_buf_addc(out, rd->out_sep);
        gdir_csv_field(out, lay->header[i], rd->out_sep);
    }
    for (int c = 0, first = n_header == 0; c < N_RESULT_COLUMNS; c++)
        if (lay->appended[c]) {
            if (!first)
                gdir_buf_addc(out, rd->out_sep);
            first = 0;
            gdir_csv_field(out, cols[c].name, rd->out_sep);
        }
    gdir_buf_adds(out, rd->eol);
}

/* One geocoded line: the n fields of the file (results in their columns), then the results
 * appended. */
static void write_row(struct gdir_buf *out, const struct api_csv_reader *rd,
                      const struct csv_opts *o, const struct csv_layout *lay,
                      const char *const *fields, size_t n, const struct row_result *rr)
{
    const struct result_column *cols = columns_of(o);

    for (size_t i = 0; i < lay->n_header; i++) {
        const char *v = lay->result_at[i] >= 0 ? result_value(rr, cols[lay->result_at[i]].what)
                        : i < n                ? fields[i]
                                               : "";
        if (i)
            gdir_buf_addc(out, rd->out_sep);
        gdir_csv_field(out, v, rd->out_sep);
    }
    for (int c = 0, first = lay->n_header == 0; c < N_RESULT_COLUMNS; c++)
        if (lay->appended[c]) {
            if (!first)
                gdir_buf_addc(out, rd->out_sep);
            first = 0;
            gdir_csv_field(out, result_value(rr, cols[c].what), rd->out_sep);
        }
    gdir_buf_adds(out, rd->eol);
}

/* Geocodes the lines of rd after its header into out. */
static int geocode_rows(const struct api_ctx *ctx, const struct api_geocoder *ix,
                        const struct csv_opts *o, struct api_csv_reader *rd,
                        const struct csv_layout *lay, struct gdir_buf *out, struct gdir_err *err)
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
        if (o->reverse)
            reverse_row(ix, fields, n, lay, &found, &rr);
        else
            search_row(ix, o, fields, n, lay, &text, &found, &rr);
        write_row(out, rd, o, lay, fields, n, &rr);
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

/* ------------------------------------------------------------------------------------------ */
/* The answer                                                                                 */

/* Opens the upload as UTF-8 text: as is, or decoded from o->enc into utf8. */
static int open_upload(const struct csv_opts *o, struct api_csv_reader *rd, struct gdir_buf *utf8,
                       struct gdir_err *err)
{
    const char *data = o->data;
    size_t len = o->data_len;
    int rc;

    if (o->enc != API_ENC_UTF8) {
        if ((rc = api_addok_decode(o->enc, data, len, utf8, "data", err)))
            return rc;
        data = utf8->data ? utf8->data : "";
        len = utf8->len;
    }
    rc = api_csv_open(rd, data, len, "data", err);
    if (!rc && o->delimiter)
        rd->sep = rd->out_sep = o->delimiter;
    return rc;
}

/* Content type and disposition; the body re-encoded when the upload was not UTF-8. */
static int finish(const struct csv_opts *o, struct api_response *res, struct gdir_err *err)
{
    struct gdir_buf name, enc;
    int rc = GDIR_OK;

    if (res->body.err)
        return gdir_err_set(err, GDIR_ENOMEM, "response body: out of memory");
    if (o->enc != API_ENC_UTF8) {
        gdir_buf_init(&enc, API_BODY_MAX);
        rc = api_addok_encode(o->enc, res->body.data ? res->body.data : "", res->body.len, &enc,
                              err);
        if (!rc) {
            gdir_buf_free(&res->body);
            res->body = enc;
        } else {
            gdir_buf_free(&enc);
        }
    }
    res->content_type = o->enc == API_ENC_LATIN1   ? "text/csv; charset=iso-8859-1"
                        : o->enc == API_ENC_CP1252 ? "text/csv; charset=windows-1252"
                                                   : "text/csv; charset=utf-8";
    gdir_buf_init(&name, 512);
    if (!rc && (api_addok_disposition(o->filename, &name) ||
                api_response_header(res, "Content-Disposition", gdir_buf_str(&name))))
        rc = gdir_err_set(err, GDIR_ETOOBIG, "Content-Disposition: too long");
    gdir_buf_free(&name);
    return rc;
}

static int geocode_csv(const struct api_ctx *ctx, const struct api_request *req,
                       struct api_response *res, int reverse, struct gdir_err *err)
{
    struct csv_opts *o = calloc(1, sizeof *o);
    struct api_csv_reader rd;
    struct api_geocoder *ix = NULL;
    struct csv_layout lay = {0};
    struct gdir_buf utf8;
    int rc;

    memset(&rd, 0, sizeof rd);          /* closed below whether it was opened or not */
    gdir_buf_init(&utf8, API_BODY_MAX);
    if (!o)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    o->reverse = reverse;
    rc = read_options(req, o, err);
    if (!rc)
        rc = open_upload(o, &rd, &utf8, err);
    if (!rc)
        rc = read_header(&rd, &lay, err);
    if (!rc)
        rc = resolve_columns(o, &lay, err);
    if (rc)
        goto out;
    lay.bom = o->enc == API_ENC_UTF8 && (o->with_bom >= 0 ? o->with_bom : rd.bom);
    write_header(&res->body, &rd, o, &lay);
    rc = h_geocode_index(ctx, &ix, err);
    if (!rc)
        rc = geocode_rows(ctx, ix, o, &rd, &lay, &res->body, err);
    if (!rc)
        rc = finish(o, res, err);
out:
    api_geocoder_release(ix);
    api_csv_close(&rd);
    for (size_t i = 0; lay.header && i < lay.n_header; i++)
        free(lay.header[i]);
    free(lay.header);
    gdir_buf_free(&utf8);
    free(o);
    return rc;
}

int h_geo_search_csv(const struct api_ctx *ctx, const struct api_request *req,
                     struct api_response *res, struct gdir_err *err)
{
    return geocode_csv(ctx, req, res, 0, err);
}

int h_geo_reverse_csv(const struct api_ctx *ctx, const struct api_request *req,
                      struct api_response *res, struct gdir_err *err)
{
    return geocode_csv(ctx, req, res, 1, err);
}
