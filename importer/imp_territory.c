/*
 * imp_territory.c — commune boundaries in memory, point-in-commune test and distance to a
 * commune (see imp_territory.h). Reads the boundaries once as WKB (AsBinary) and parses the
 * MultiPolygons itself; no GEOS call per place.
 */
#include "imp_territory.h"
#include "gdir_geo.h"
#include "gdir_mem.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WKB_MAX (64u * 1024 * 1024)   /* one commune boundary */

static const char SQL_BOUNDARIES[] =
    "SELECT insee, AsBinary(geom) FROM communes WHERE geom IS NOT NULL ORDER BY insee";

struct commune {
    char insee[8];
    double minlon, minlat, maxlon, maxlat;
    size_t first_ring, n_rings;   /* into t->rings */
};

struct ring {
    size_t first, n;              /* into t->xy (vertex pairs) */
};

struct imp_territory {
    struct commune *c;
    size_t n, cap;
    struct ring *rings;
    size_t n_rings, cap_rings;
    double *xy;                   /* lon, lat, lon, lat, ... */
    size_t n_xy, cap_xy;          /* in doubles */
};

/* A cursor over WKB bytes; each geometry says its own byte order. */
struct wkb {
    const unsigned char *p;
    size_t left;
    int little;
};

static int wkb_u32(struct wkb *b, uint32_t *v)
{
    if (b->left < 4)
        return -1;
    const unsigned char *s = b->p;
    *v = b->little ? (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 |
                         (uint32_t)s[3] << 24
                   : (uint32_t)s[3] | (uint32_t)s[2] << 8 | (uint32_t)s[1] << 16 |
                         (uint32_t)s[0] << 24;
    b->p += 4;
    b->left -= 4;
    return 0;
}

static int wkb_f64(struct wkb *b, double *v)
{
    unsigned char tmp[8];
    if (b->left < 8)
        return -1;
    for (int i = 0; i < 8; i++)
        tmp[i] = b->little ? b->p[i] : b->p[7 - i];
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = u << 8 | tmp[i];
    memcpy(v, &u, sizeof *v);
    b->p += 8;
    b->left -= 8;
    return 0;
}

/* Byte order + type of the next geometry. */
static int wkb_header(struct wkb *b, uint32_t *type)
{
    if (b->left < 1 || b->p[0] > 1)
        return -1;
    b->little = b->p[0] == 1;
    b->p++;
    b->left--;
    return wkb_u32(b, type);
}

static int add_polygon(struct imp_territory *t, struct commune *c, struct wkb *b)
{
    uint32_t type, n_rings;
    if (wkb_header(b, &type) || type != 3 || wkb_u32(b, &n_rings))
        return -1;
    for (uint32_t r = 0; r < n_rings; r++) {
        uint32_t n_pts;
        if (wkb_u32(b, &n_pts) || (size_t)n_pts * 16 > b->left)
            return -1;
        if (gdir_grow(&t->rings, &t->cap_rings, t->n_rings + 1, sizeof *t->rings) ||
            gdir_grow(&t->xy, &t->cap_xy, t->n_xy + 2 * (size_t)n_pts, sizeof *t->xy))
            return -2;
        t->rings[t->n_rings].first = t->n_xy / 2;
        t->rings[t->n_rings].n = n_pts;
        t->n_rings++;
        c->n_rings++;
        for (uint32_t k = 0; k < n_pts; k++) {
            double x = 0, y = 0;   /* the size check above guarantees both reads succeed */
            wkb_f64(b, &x);
            wkb_f64(b, &y);
            t->xy[t->n_xy++] = x;
            t->xy[t->n_xy++] = y;
            c->minlon = fmin(c->minlon, x);
            c->maxlon = fmax(c->maxlon, x);
            c->minlat = fmin(c->minlat, y);
            c->maxlat = fmax(c->maxlat, y);
        }
    }
    return 0;
}

/* Polygon or MultiPolygon WKB into commune c. Returns 0, -1 (malformed) or -2 (memory). */
static int add_geometry(struct imp_territory *t, struct commune *c, const void *blob, size_t len)
{
    struct wkb b = {blob, len, 1}, peek;
    uint32_t type, n;
    int rc;

    c->first_ring = t->n_rings;
    c->n_rings = 0;
    c->minlon = c->minlat = INFINITY;
    c->maxlon = c->maxlat = -INFINITY;
    peek = b;
    if (wkb_header(&peek, &type))
        return -1;
    if (type == 3)
        return add_polygon(t, c, &b);
    if (type != 6 || wkb_header(&b, &type) || wkb_u32(&b, &n))
        return -1;
    for (uint32_t i = 0; i < n; i++)
        if ((rc = add_polygon(t, c, &b)))
            return rc;
    return 0;
}

int imp_territory_load(struct imp_territory **out, sqlite3 *db, struct gdir_err *err)
{
    struct imp_territory *t = calloc(1, sizeof *t);
    sqlite3_stmt *st = NULL;
    int rc = GDIR_OK, step;

    *out = NULL;
    if (!t)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (sqlite3_prepare_v2(db, SQL_BOUNDARIES, -1, &st, NULL) != SQLITE_OK) {
        rc = gdir_err_set(err, GDIR_EDB, "commune boundaries: %s", sqlite3_errmsg(db));
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *code = sqlite3_column_text(st, 0);
        const void *blob = sqlite3_column_blob(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        if (!code || !blob || len > WKB_MAX || strlen((const char *)code) >= 8)
            continue;
        if (gdir_grow(&t->c, &t->cap, t->n + 1, sizeof *t->c)) {
            rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
            goto out;
        }
        struct commune *c = &t->c[t->n];
        memset(c, 0, sizeof *c);
        snprintf(c->insee, sizeof c->insee, "%s", (const char *)code);
        int r = add_geometry(t, c, blob, len);
        if (r == -2) {
            rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
            goto out;
        }
        if (r == 0 && c->n_rings)
            t->n++;
        else
            t->n_rings = c->first_ring;   /* malformed: drop what was added */
    }
    if (step != SQLITE_DONE)
        rc = gdir_err_set(err, GDIR_EDB, "commune boundaries: %s", sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    if (rc)
        imp_territory_free(t);
    else
        *out = t;
    return rc;
}

void imp_territory_free(struct imp_territory *t)
{
    if (!t)
        return;
    free(t->c);
    free(t->rings);
    free(t->xy);
    free(t);
}

size_t imp_territory_size(const struct imp_territory *t)
{
    return t ? t->n : 0;
}

static int cmp_insee(const void *key, const void *elem)
{
    return strcmp(key, ((const struct commune *)elem)->insee);
}

/* Even-odd rule over every ring of the commune. */
static int inside(const struct imp_territory *t, const struct commune *c, double x, double y)
{
    int in = 0;
    for (size_t r = c->first_ring; r < c->first_ring + c->n_rings; r++) {
        const double *v = t->xy + 2 * t->rings[r].first;
        size_t n = t->rings[r].n;
        for (size_t i = 0, j = n ? n - 1 : 0; i < n; j = i++) {
            double xi = v[2 * i], yi = v[2 * i + 1], xj = v[2 * j], yj = v[2 * j + 1];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
                in = !in;
        }
    }
    return in;
}

/* Distance from (lon, lat) to the commune's boundary: the nearest segment in a local
 * equirectangular projection centred on the point, then the haversine distance to the
 * nearest point found. */
static double distance_to(const struct imp_territory *t, const struct commune *c, double lon,
                          double lat)
{
    const double k = GDIR_EARTH_RADIUS_M * GDIR_DEG2RAD;
    const double kx = k * cos(lat * GDIR_DEG2RAD);
    double best = INFINITY, best_lon = lon, best_lat = lat;

    for (size_t r = c->first_ring; r < c->first_ring + c->n_rings; r++) {
        const double *v = t->xy + 2 * t->rings[r].first;
        size_t n = t->rings[r].n;
        for (size_t i = 1; i < n; i++) {
            double ax = (v[2 * i - 2] - lon) * kx, ay = (v[2 * i - 1] - lat) * k;
            double bx = (v[2 * i] - lon) * kx, by = (v[2 * i + 1] - lat) * k;
            double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy, u = 0;
            if (len2 > 0)
                u = fmax(0.0, fmin(1.0, -(ax * dx + ay * dy) / len2));
            double px = ax + u * dx, py = ay + u * dy, d2 = px * px + py * py;
            if (d2 < best) {
                best = d2;
                best_lon = lon + px / kx;
                best_lat = lat + py / k;
            }
        }
    }
    return isfinite(best) ? gdir_haversine_m(lat, lon, best_lat, best_lon) : 0.0;
}

enum imp_where imp_territory_check(const struct imp_territory *t, const char *insee, double lon,
                                   double lat, double *distance_m)
{
    const struct commune *c;
    if (!t || !insee || !t->n)
        return IMP_WHERE_UNKNOWN;
    c = bsearch(insee, t->c, t->n, sizeof *t->c, cmp_insee);
    if (!c)
        return IMP_WHERE_UNKNOWN;
    if (lon >= c->minlon && lon <= c->maxlon && lat >= c->minlat && lat <= c->maxlat &&
        inside(t, c, lon, lat))
        return IMP_WHERE_INSIDE;
    *distance_m = distance_to(t, c, lon, lat);
    return IMP_WHERE_OUTSIDE;
}

int imp_territory_locate(void *ctx, double lon, double lat, char insee[8], struct gdir_err *err)
{
    const struct imp_territory *t = ctx;
    (void)err;
    for (size_t i = 0; t && i < t->n; i++) {   /* sorted by INSEE code */
        const struct commune *c = &t->c[i];
        if (lon >= c->minlon && lon <= c->maxlon && lat >= c->minlat && lat <= c->maxlat &&
            inside(t, c, lon, lat)) {
            snprintf(insee, 8, "%s", c->insee);
            return 1;
        }
    }
    return 0;
}
