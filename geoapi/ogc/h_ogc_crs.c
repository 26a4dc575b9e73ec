/*
 * h_ogc_crs.c — the coordinate reference systems of the OGC API (Part 2: crs, bbox-crs,
 * Content-Crs) and its datetime parameter:
 *   - CRS84 (lon, lat), EPSG:4326 (lat, lon: the EPSG axis order) and EPSG:2154 (Lambert-93,
 *     easting, northing in metres). The forward projection is api_l93_project (api_l93.c); the
 *     inverse is found here by Newton's method on it, so both directions agree to 1e-6 m.
 *     Checked against gdaltransform by tests/ogc/ (0.5 mm: the rounding to 3 decimals);
 *   - bbox in any of them: an enclosing lon/lat box for the R*Trees, an exact containment test
 *     in the box's own CRS, and a lon/lat WKT polygon (Lambert-93 edges densified) for GEOS;
 *   - GeoJSON geometries from SpatiaLite re-written in the output CRS;
 *   - datetime (RFC 3339 instants, dates, intervals) and the intervals stored dates cover.
 *
 * Not here: which collection uses what (h_ogc_items.c), links (h_ogc_common.c).
 */
#include "h_ogc.h"
#include "api_l93.h"
#include "gdir_parse.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const crs_uris[OGC_CRS_COUNT] = {
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "http://www.opengis.net/def/crs/EPSG/0/4326",
    "http://www.opengis.net/def/crs/EPSG/0/2154",
};

static const char *const crs_headers[OGC_CRS_COUNT] = {
    "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>",
    "<http://www.opengis.net/def/crs/EPSG/0/4326>",
    "<http://www.opengis.net/def/crs/EPSG/0/2154>",
};

/* The Lambert-93 domain accepted in a bbox: the projection's area of use (metropolitan France
 * and its seas), widened by a few hundred kilometres. */
#define L93_MIN_X (-1000000.0)
#define L93_MAX_X 2500000.0
#define L93_MIN_Y 5500000.0
#define L93_MAX_Y 7800000.0
#define DENSIFY 64          /* points per edge of a Lambert-93 box turned into lon/lat */
#define ENVELOPE_PAD 1e-6   /* degrees added around a computed envelope (about 10 cm) */

const char *ogc_crs_uri(enum ogc_crs c)
{
    return (unsigned)c < OGC_CRS_COUNT ? crs_uris[c] : crs_uris[OGC_CRS84];
}

const char *ogc_crs_header(enum ogc_crs c)
{
    return (unsigned)c < OGC_CRS_COUNT ? crs_headers[c] : crs_headers[OGC_CRS84];
}

int ogc_param_crs(const struct api_request *req, const char *name, enum ogc_crs *out,
                  struct gdir_err *err)
{
    const char *v = api_param(req, name);

    *out = OGC_CRS84;
    if (!v)
        return GDIR_OK;
    for (int i = 0; i < OGC_CRS_COUNT; i++)
        if (strcmp(v, crs_uris[i]) == 0) {
            *out = (enum ogc_crs)i;
            return GDIR_OK;
        }
    return api_param_invalid(err, name, v,
                             "expected one of http://www.opengis.net/def/crs/OGC/1.3/CRS84, "
                             "http://www.opengis.net/def/crs/EPSG/0/4326, "
                             "http://www.opengis.net/def/crs/EPSG/0/2154");
}

void ogc_crs_point(enum ogc_crs crs, double lat, double lon, double *a, double *b)
{
    switch (crs) {
    case OGC_EPSG4326:
        *a = lat;
        *b = lon;
        break;
    case OGC_EPSG2154:
        api_l93_project(lat, lon, a, b);
        break;
    default:
        *a = lon;
        *b = lat;
    }
}

int ogc_crs_decimals(enum ogc_crs crs)
{
    return crs == OGC_EPSG2154 ? 3 : 7;
}

void ogc_l93_inverse(double x, double y, double *lat, double *lon)
{
    /* Newton's method on the forward projection, with its Jacobian from finite differences:
     * the projection is smooth and nearly linear at the scale of a step, so a few iterations
     * reach 1e-9 m. Starts from the projection's origin. */
    const double h = 1e-6;   /* degrees */
    double la = 46.5, lo = 3.0;

    for (int it = 0; it < 50; it++) {
        double px, py, ax, ay, bx, by, dx, dy, j11, j12, j21, j22, det;
        api_l93_project(la, lo, &px, &py);
        dx = x - px;
        dy = y - py;
        if (fabs(dx) < 1e-9 && fabs(dy) < 1e-9)
            break;
        api_l93_project(la + h, lo, &ax, &ay);
        api_l93_project(la, lo + h, &bx, &by);
        j11 = (ax - px) / h;   /* d x / d lat */
        j21 = (ay - py) / h;   /* d y / d lat */
        j12 = (bx - px) / h;   /* d x / d lon */
        j22 = (by - py) / h;   /* d y / d lon */
        det = j11 * j22 - j12 * j21;
        if (det == 0 || !isfinite(det))
            break;
        la += (j22 * dx - j12 * dy) / det;
        lo += (j11 * dy - j21 * dx) / det;
        if (la > 89.9)
            la = 89.9;
        if (la < -89.9)
            la = -89.9;
    }
    *lat = la;
    *lon = lo;
}

/* ---- bbox --------------------------------------------------------------------------------- */

/* Splits a comma-separated list of at most max numbers; returns their count or -1. */
static int parse_numbers(const char *s, double *out, int max)
{
    int n = 0;
    const char *p = s;

    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[64];
        if (n == max || len == 0 || len >= sizeof item)
            return -1;
        memcpy(item, p, len);
        item[len] = '\0';
        if (gdir_parse_double(item, -1e300, 1e300, 0, &out[n]) != 0 || !isfinite(out[n]))
            return -1;
        n++;
        if (!comma)
            return n;
        p = comma + 1;
    }
}

/* Extends env with the point. */
static void env_add(struct gdir_bbox *env, double lat, double lon)
{
    env->minlon = fmin(env->minlon, lon);
    env->maxlon = fmax(env->maxlon, lon);
    env->minlat = fmin(env->minlat, lat);
    env->maxlat = fmax(env->maxlat, lat);
}

/* The i-th of the 4 * DENSIFY points along the edges of a Lambert-93 box, counter-clockwise
 * from (minx, miny), in lon/lat. */
static void l93_ring_point(const double *v, int i, double *lat, double *lon)
{
    int edge = i / DENSIFY, k = i % DENSIFY;
    double t = (double)k / DENSIFY, x, y;
    switch (edge) {
    case 0: x = v[0] + (v[2] - v[0]) * t; y = v[1]; break;
    case 1: x = v[2]; y = v[1] + (v[3] - v[1]) * t; break;
    case 2: x = v[2] - (v[2] - v[0]) * t; y = v[3]; break;
    default: x = v[0]; y = v[3] - (v[3] - v[1]) * t; break;
    }
    ogc_l93_inverse(x, y, lat, lon);
}

int ogc_param_bbox(const struct api_request *req, struct ogc_bbox *b, struct gdir_err *err)
{
    const char *v = api_param(req, "bbox");
    int n, rc;

    memset(b, 0, sizeof *b);
    rc = ogc_param_crs(req, "bbox-crs", &b->crs, err);
    if (rc)
        return rc;
    if (!v) {
        if (api_param(req, "bbox-crs"))
            return gdir_err_set_param(err, GDIR_EINVAL, "bbox-crs", "bbox-crs: needs bbox");
        return GDIR_OK;
    }
    n = parse_numbers(v, b->v, 6);
    if (n == 6)
        return api_param_invalid(err, "bbox", v,
                                 "expected 4 numbers (this data has no heights: no 6-number "
                                 "boxes)");
    if (n != 4)
        return api_param_invalid(err, "bbox", v, "expected 4 comma-separated numbers");
    if (b->crs == OGC_EPSG2154) {
        for (int i = 0; i < 4; i += 2)
            if (b->v[i] < L93_MIN_X || b->v[i] > L93_MAX_X || b->v[i + 1] < L93_MIN_Y ||
                b->v[i + 1] > L93_MAX_Y)
                return api_param_invalid(err, "bbox", v,
                                         "expected Lambert-93 metres: x (easting) from -1000000 "
                                         "to 2500000, y (northing) from 5500000 to 7800000");
        if (b->v[0] > b->v[2] || b->v[1] > b->v[3])
            return api_param_invalid(err, "bbox", v, "expected minx,miny,maxx,maxy (min <= max)");
        b->envelope = (struct gdir_bbox){INFINITY, INFINITY, -INFINITY, -INFINITY};
        for (int i = 0; i < 4 * DENSIFY; i++) {
            double lat, lon;
            l93_ring_point(b->v, i, &lat, &lon);
            env_add(&b->envelope, lat, lon);
        }
        b->envelope.minlon -= ENVELOPE_PAD;
        b->envelope.minlat -= ENVELOPE_PAD;
        b->envelope.maxlon += ENVELOPE_PAD;
        b->envelope.maxlat += ENVELOPE_PAD;
    } else {
        /* CRS84: lon, lat, lon, lat; EPSG:4326: lat, lon, lat, lon. */
        int lat_first = b->crs == OGC_EPSG4326;
        double minlon = b->v[lat_first ? 1 : 0], minlat = b->v[lat_first ? 0 : 1];
        double maxlon = b->v[lat_first ? 3 : 2], maxlat = b->v[lat_first ? 2 : 3];
        if (!gdir_lonlat_valid(minlat, minlon) || !gdir_lonlat_valid(maxlat, maxlon))
            return api_param_invalid(err, "bbox", v,
                                     lat_first ? "expected minlat,minlon,maxlat,maxlon in "
                                                 "degrees (EPSG:4326 order)"
                                               : "expected minlon,minlat,maxlon,maxlat in "
                                                 "degrees");
        if (minlat > maxlat)
            return api_param_invalid(err, "bbox", v, "expected the south edge before the north "
                                                     "edge");
        b->wraps = minlon > maxlon;   /* across the antimeridian */
        b->envelope = (struct gdir_bbox){b->wraps ? -180.0 : minlon, minlat,
                                         b->wraps ? 180.0 : maxlon, maxlat};
    }
    b->has = 1;
    return GDIR_OK;
}

int ogc_bbox_contains(const struct ogc_bbox *b, double lat, double lon)
{
    if (!b->has)
        return 1;
    if (b->crs == OGC_EPSG2154) {
        double x, y;
        api_l93_project(lat, lon, &x, &y);
        return x >= b->v[0] && x <= b->v[2] && y >= b->v[1] && y <= b->v[3];
    }
    if (lat < b->envelope.minlat || lat > b->envelope.maxlat)
        return 0;
    if (b->wraps) {
        double west = b->v[b->crs == OGC_EPSG4326 ? 1 : 0];
        double east = b->v[b->crs == OGC_EPSG4326 ? 3 : 2];
        return lon >= west || lon <= east;
    }
    return lon >= b->envelope.minlon && lon <= b->envelope.maxlon;
}

/* Appends a closed lon/lat rectangle ring "(x y, ...)" (or its degenerate form's points). */
static int rect_ring(struct gdir_buf *o, double w, double s, double e, double n)
{
    return gdir_buf_printf(o, "((%.17g %.17g, %.17g %.17g, %.17g %.17g, %.17g %.17g, %.17g %.17g))",
                           w, s, e, s, e, n, w, n, w, s);
}

int ogc_bbox_wkt(const struct ogc_bbox *b, struct gdir_buf *o)
{
    int rc = 0;

    if (b->crs == OGC_EPSG2154) {
        if (b->v[0] == b->v[2] || b->v[1] == b->v[3]) {
            /* A box of no area: its diagonal (a line, or a point) in lon/lat. */
            double la1, lo1, la2, lo2;
            ogc_l93_inverse(b->v[0], b->v[1], &la1, &lo1);
            ogc_l93_inverse(b->v[2], b->v[3], &la2, &lo2);
            if (la1 == la2 && lo1 == lo2)
                return gdir_buf_printf(o, "POINT(%.17g %.17g)", lo1, la1);
            return gdir_buf_printf(o, "LINESTRING(%.17g %.17g, %.17g %.17g)", lo1, la1, lo2, la2);
        }
        rc = gdir_buf_adds(o, "POLYGON((");
        for (int i = 0; !rc && i <= 4 * DENSIFY; i++) {
            double lat, lon;
            l93_ring_point(b->v, i % (4 * DENSIFY), &lat, &lon);
            rc = gdir_buf_printf(o, "%s%.17g %.17g", i ? ", " : "", lon, lat);
        }
        return rc ? rc : gdir_buf_adds(o, "))");
    }
    {
        int lat_first = b->crs == OGC_EPSG4326;
        double w = b->v[lat_first ? 1 : 0], s = b->v[lat_first ? 0 : 1];
        double e = b->v[lat_first ? 3 : 2], n = b->v[lat_first ? 2 : 3];
        if (b->wraps) {
            rc = gdir_buf_adds(o, "MULTIPOLYGON(");
            if (!rc)
                rc = rect_ring(o, w, s, 180.0, n);
            if (!rc)
                rc = gdir_buf_adds(o, ", ");
            if (!rc)
                rc = rect_ring(o, -180.0, s, e, n);
            return rc ? rc : gdir_buf_adds(o, ")");
        }
        if (w == e && s == n)
            return gdir_buf_printf(o, "POINT(%.17g %.17g)", w, s);
        if (w == e || s == n)
            return gdir_buf_printf(o, "LINESTRING(%.17g %.17g, %.17g %.17g)", w, s, e, n);
        rc = gdir_buf_adds(o, "POLYGON");
        return rc ? rc : rect_ring(o, w, s, e, n);
    }
}

/* ---- geometries ----------------------------------------------------------------------------- */

/* Writes a coordinates array (a position, or an array of them, nested) in crs. */
static int write_coords(struct gdir_json *j, const cJSON *a, enum ogc_crs crs, int depth)
{
    const cJSON *first = a ? a->child : NULL;

    if (!cJSON_IsArray(a) || depth > 8)
        return GDIR_EINTERNAL;
    if (first && cJSON_IsNumber(first)) {
        const cJSON *second = first->next;
        double x, y;
        if (!second || !cJSON_IsNumber(second))
            return GDIR_EINTERNAL;
        ogc_crs_point(crs, second->valuedouble, first->valuedouble, &x, &y);
        gdir_json_arr_begin(j);
        gdir_json_num(j, x, ogc_crs_decimals(crs));
        gdir_json_num(j, y, ogc_crs_decimals(crs));
        return gdir_json_arr_end(j);
    }
    gdir_json_arr_begin(j);
    for (const cJSON *c = first; c; c = c->next) {
        int rc = write_coords(j, c, crs, depth + 1);
        if (rc)
            return rc;
    }
    return gdir_json_arr_end(j);
}

int ogc_write_geometry(struct gdir_json *j, const char *geojson, enum ogc_crs crs)
{
    cJSON *g;
    const cJSON *type, *coords;
    int rc;

    if (!geojson)
        return gdir_json_null(j);
    if (crs == OGC_CRS84)
        return gdir_json_raw(j, geojson);
    g = cJSON_Parse(geojson);
    type = cJSON_GetObjectItemCaseSensitive(g, "type");
    coords = cJSON_GetObjectItemCaseSensitive(g, "coordinates");
    if (!g || !cJSON_IsString(type) || !coords) {
        cJSON_Delete(g);
        return GDIR_EINTERNAL;
    }
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", type->valuestring);
    gdir_json_key(j, "coordinates");
    rc = write_coords(j, coords, crs, 0);
    gdir_json_obj_end(j);
    cJSON_Delete(g);
    return rc ? rc : gdir_json_error(j);
}

/* ---- datetime ---------------------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian calendar). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    long long era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

/* Reads s[0..n) as an RFC 3339 date-time ([t, t+1 s)) or a date (its UTC day); a date
 * followed by a lone 'T' (as GDAL writes dates) is a date. 0 or -1. */
static int parse_instant(const char *s, size_t n, struct ogc_interval *out)
{
    int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
    size_t i;
    long long t;

    if (n < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return -1;
    t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400;
    if (n == 10 || (n == 11 && (s[10] == 'T' || s[10] == 't'))) {
        out->start = t;
        out->end = t + 86400;
        return 0;
    }
    if (n < 20 || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) || s[13] != ':' ||
        digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec) || h > 23 || mi > 59 ||
        sec > 60)
        return -1;
    i = 19;
    if (s[i] == '.') {          /* fractions of a second: the instant's second covers them */
        size_t k = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == k)
            return -1;
    }
    if (i < n && (s[i] == 'Z' || s[i] == 'z') && i + 1 == n) {
        sign = 0;
    } else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && !digits(s + i + 1, 2, &oh) &&
               s[i + 3] == ':' && !digits(s + i + 4, 2, &om) && oh <= 23 && om <= 59) {
        sign = s[i] == '+' ? 1 : -1;
    } else {
        return -1;
    }
    if (sec == 60)
        sec = 59;               /* a leap second is read as the second before it */
    t += (long long)h * 3600 + mi * 60 + sec - sign * ((long long)oh * 3600 + om * 60);
    out->start = t;
    out->end = t + 1;
    return 0;
}

int ogc_param_datetime(const struct api_request *req, int *has, struct ogc_interval *out,
                       struct gdir_err *err)
{
    static const char expected[] =
        "expected an RFC 3339 date-time (2026-05-04T10:00:00Z), a date (2026-05-04), or an "
        "interval start/end where either side may be .. or empty (open)";
    const char *v = api_param(req, "datetime");
    const char *slash;
    struct ogc_interval a, b;

    *has = 0;
    if (!v)
        return GDIR_OK;
    slash = strchr(v, '/');
    if (!slash) {
        if (parse_instant(v, strlen(v), out))
            return api_param_invalid(err, "datetime", v, expected);
        *has = 1;
        return GDIR_OK;
    }
    if (strchr(slash + 1, '/'))
        return api_param_invalid(err, "datetime", v, expected);
    {
        size_t ln = (size_t)(slash - v), rn = strlen(slash + 1);
        int lopen = ln == 0 || (ln == 2 && memcmp(v, "..", 2) == 0);
        int ropen = rn == 0 || strcmp(slash + 1, "..") == 0;
        if (lopen && ropen)
            return api_param_invalid(err, "datetime", v,
                                     "expected at least one end of the interval");
        a.start = OGC_TIME_MIN;
        b.end = OGC_TIME_MAX;
        if ((!lopen && parse_instant(v, ln, &a)) || (!ropen && parse_instant(slash + 1, rn, &b)))
            return api_param_invalid(err, "datetime", v, expected);
        if (a.start >= b.end)
            return api_param_invalid(err, "datetime", v, "expected the start before the end");
        out->start = a.start;
        out->end = b.end;
    }
    *has = 1;
    return GDIR_OK;
}

int ogc_date_interval(const char *s, struct ogc_interval *out)
{
    return s ? parse_instant(s, strlen(s), out) : -1;
}

int ogc_interval_meets(const struct ogc_interval *a, const struct ogc_interval *b)
{
    return a->start < b->end && b->start < a->end;
}
