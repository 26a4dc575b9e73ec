/*
 * gdir_geo.h — geodesy helpers: haversine distance, the search box around a circle,
 * coordinate range checks. Coordinates are WGS84 degrees (EPSG:4326), latitude first in
 * argument lists, as people say them.
 */
#ifndef GDIR_GEO_H
#define GDIR_GEO_H

/* Degrees to radians: multiply by it (divide to go back). The one definition in geodir. */
#define GDIR_DEG2RAD (3.14159265358979323846 / 180.0)

/* Mean Earth radius (IUGG, metres), used by every distance in geodir. */
#define GDIR_EARTH_RADIUS_M 6371008.8

struct gdir_bbox {
    double minlon, minlat, maxlon, maxlat;
};

/* Great-circle distance in metres between two points (haversine formula). */
double gdir_haversine_m(double lat1, double lon1, double lat2, double lon2);

/* The smallest lon/lat box that contains every point within radius_m of (lat, lon).
 * Near a pole, or when the circle crosses the antimeridian, the box spans all longitudes. */
void gdir_bbox_around(double lat, double lon, double radius_m, struct gdir_bbox *box);

/* Returns 1 when lat is in [-90, 90] and lon in [-180, 180]. */
int gdir_lonlat_valid(double lat, double lon);

/* Returns 1 when the point lies in the rough box of metropolitan France and overseas
 * départements/collectivités (used by the importer to catch swapped or foreign points). */
int gdir_in_france(double lat, double lon);

#endif
