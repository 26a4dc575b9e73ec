/*
 * gdir_geo.c — haversine distance and circle bounding boxes.
 */
#include "gdir_geo.h"

#include <math.h>

double gdir_haversine_m(double lat1, double lon1, double lat2, double lon2)
{
    double p1 = lat1 * GDIR_DEG2RAD, p2 = lat2 * GDIR_DEG2RAD;
    double dp = (lat2 - lat1) * GDIR_DEG2RAD, dl = (lon2 - lon1) * GDIR_DEG2RAD;
    double s1 = sin(dp / 2), s2 = sin(dl / 2);
    double a = s1 * s1 + cos(p1) * cos(p2) * s2 * s2;
    if (a > 1.0)
        a = 1.0;
    return 2.0 * GDIR_EARTH_RADIUS_M * asin(sqrt(a));
}

void gdir_bbox_around(double lat, double lon, double radius_m, struct gdir_bbox *box)
{
    /* Angular radius, plus a relative margin so that points exactly at the radius are never
     * cut by rounding: the box only has to contain the circle, the exact test comes after. */
    double ang = radius_m / GDIR_EARTH_RADIUS_M;
    double dlat = ang / GDIR_DEG2RAD * (1.0 + 1e-9) + 1e-9;
    box->minlat = lat - dlat;
    box->maxlat = lat + dlat;
    if (box->minlat <= -90.0 || box->maxlat >= 90.0 || ang >= 3.14159265358979323846 / 2) {
        if (box->minlat < -90.0)
            box->minlat = -90.0;
        if (box->maxlat > 90.0)
            box->maxlat = 90.0;
        box->minlon = -180.0;
        box->maxlon = 180.0;
        return;
    }
    /* Widest longitude extent of a spherical cap: asin(sin(ang)/cos(lat)). */
    double s = sin(ang) / cos(lat * GDIR_DEG2RAD);
    double dlon = (s >= 1.0) ? 180.0 : asin(s) / GDIR_DEG2RAD * (1.0 + 1e-9) + 1e-9;
    box->minlon = lon - dlon;
    box->maxlon = lon + dlon;
    if (box->minlon < -180.0 || box->maxlon > 180.0) {
        box->minlon = -180.0;
        box->maxlon = 180.0;
    }
}

int gdir_lonlat_valid(double lat, double lon)
{
    return isfinite(lat) && isfinite(lon) && lat >= -90.0 && lat <= 90.0 && lon >= -180.0 &&
           lon <= 180.0;
}

int gdir_in_france(double lat, double lon)
{
    static const struct gdir_bbox zones[] = {
        {-5.5, 41.0, 10.0, 51.5},      /* metropolitan France and Corsica */
        {-63.2, 14.3, -60.7, 18.2},    /* Guadeloupe, Martinique, Saint-Martin, Saint-Barthélemy */
        {-54.7, 2.0, -51.5, 6.0},      /* Guyane */
        {44.9, -21.5, 56.0, -12.5},    /* La Réunion, Mayotte */
        {-56.6, 46.7, -56.0, 47.2},    /* Saint-Pierre-et-Miquelon */
        {-180.0, -28.0, -134.0, -7.0}, /* Polynésie, Wallis-et-Futuna */
        {163.0, -23.0, 169.0, -19.0},  /* Nouvelle-Calédonie */
    };
    for (unsigned i = 0; i < sizeof zones / sizeof zones[0]; i++)
        if (lon >= zones[i].minlon && lon <= zones[i].maxlon && lat >= zones[i].minlat &&
            lat <= zones[i].maxlat)
            return 1;
    return 0;
}
