/*
 * api_l93.h — WGS84 → Lambert-93 (EPSG:2154), the projected coordinates the BAN API sends as
 * `x` and `y` with every result.
 *
 * Lambert-93 is a conformal conic projection with two standard parallels (44° N and 49° N),
 * origin 46.5° N 3° E, false easting 700 000 m and northing 6 600 000 m, on the GRS80
 * ellipsoid of RGF93. RGF93 and WGS84 differ by a few centimetres, below what the BAN's
 * two-decimal x/y show, so no datum shift is applied (PROJ applies none either).
 */
#ifndef API_L93_H
#define API_L93_H

/* Projects (lat, lon) in degrees into Lambert-93 metres. Pure, thread-safe, no allocation.
 * Meaningful for metropolitan France and its surroundings; other points get the projection's
 * numbers all the same (finite for latitudes strictly between -90 and 90). */
void api_l93_project(double lat, double lon, double *x, double *y);

#endif
