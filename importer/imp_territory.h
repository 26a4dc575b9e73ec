/*
 * imp_territory.h — the territory check: is a place's point inside the commune it declares?
 *
 * The boundaries of the member communes (communes.geom of the new database) are read once
 * into memory as rings of lon/lat vertices, so that every place of a large import is checked
 * without a query: a bounding-box test, then the even-odd rule over all the rings of the
 * commune's MultiPolygon. A point outside gets its distance to the boundary (nearest segment
 * in a local equirectangular projection, then the haversine distance to that nearest point:
 * within a few metres of the geodesic value at the scale of a département).
 *
 * Memory: 16 bytes per boundary vertex (the 47 communes of a CC: about 1 MB at most).
 */
#ifndef IMP_TERRITORY_H
#define IMP_TERRITORY_H

#include <sqlite3.h>
#include <stddef.h>

#include "gdir_err.h"

struct imp_territory;

/* Reads every commune boundary of db (communes.geom). An empty table is fine (nothing can be
 * checked then). *out owned: free with imp_territory_free. Returns 0 or a negative code. */
int imp_territory_load(struct imp_territory **out, sqlite3 *db, struct gdir_err *err);

void imp_territory_free(struct imp_territory *t);

/* Number of communes with a boundary. */
size_t imp_territory_size(const struct imp_territory *t);

enum imp_where {
    IMP_WHERE_UNKNOWN,  /* the commune has no boundary: nothing to say */
    IMP_WHERE_INSIDE,
    IMP_WHERE_OUTSIDE,  /* *distance_m receives the distance to the commune, in metres */
};

/* Where (lon, lat) lies with respect to commune insee. Thread-safe (read only). */
enum imp_where imp_territory_check(const struct imp_territory *t, const char *insee, double lon,
                                   double lat, double *distance_m);

/* imp_locate_fn (imp_record.h) over these boundaries; ctx is the struct imp_territory:
 * writes the INSEE code of the commune containing (lon, lat) — the lowest code when several
 * do — and returns 1, or returns 0 when none does. Never fails. */
int imp_territory_locate(void *ctx, double lon, double lat, char insee[8], struct gdir_err *err);

#endif
