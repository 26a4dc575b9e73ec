/*
 * api_l93.c — the Lambert conformal conic projection (two standard parallels, ellipsoidal
 * form, as in Snyder's "Map Projections: A Working Manual", §15) with Lambert-93's
 * parameters. See api_l93.h. Checked against gdaltransform EPSG:4326 → EPSG:2154 by
 * tests/ban/test_ban_unit.c (differences below 1 mm).
 *
 * The constants that depend only on the projection (n, F, rho0) are computed once.
 */
#include "api_l93.h"
#include "gdir_geo.h"

#include <math.h>
#include <pthread.h>

#define L93_A 6378137.0                 /* GRS80 semi-major axis, metres */
#define L93_INV_F 298.257222101         /* GRS80 inverse flattening */
#define L93_LAT1 49.0                   /* standard parallels, degrees */
#define L93_LAT2 44.0
#define L93_LAT0 46.5                   /* latitude of origin */
#define L93_LON0 3.0                    /* central meridian */
#define L93_X0 700000.0                 /* false easting, metres */
#define L93_Y0 6600000.0                /* false northing */

static struct {
    double e;       /* first eccentricity */
    double n;       /* cone constant */
    double af;      /* a * F */
    double rho0;    /* radius at the latitude of origin */
} k;
static pthread_once_t k_once = PTHREAD_ONCE_INIT;

static double m_of(double phi)
{
    double s = sin(phi);
    return cos(phi) / sqrt(1.0 - k.e * k.e * s * s);
}

static double t_of(double phi)
{
    double s = sin(phi);
    return tan(45.0 * GDIR_DEG2RAD - phi / 2.0) / pow((1.0 - k.e * s) / (1.0 + k.e * s), k.e / 2.0);
}

static void init_constants(void)
{
    double f = 1.0 / L93_INV_F;
    double p1 = L93_LAT1 * GDIR_DEG2RAD, p2 = L93_LAT2 * GDIR_DEG2RAD;
    double m1, m2, t1, t2;

    k.e = sqrt(2.0 * f - f * f);
    m1 = m_of(p1);
    m2 = m_of(p2);
    t1 = t_of(p1);
    t2 = t_of(p2);
    k.n = (log(m1) - log(m2)) / (log(t1) - log(t2));
    k.af = L93_A * m1 / (k.n * pow(t1, k.n));
    k.rho0 = k.af * pow(t_of(L93_LAT0 * GDIR_DEG2RAD), k.n);
}

void api_l93_project(double lat, double lon, double *x, double *y)
{
    double rho, theta;

    pthread_once(&k_once, init_constants);
    rho = k.af * pow(t_of(lat * GDIR_DEG2RAD), k.n);
    theta = k.n * (lon - L93_LON0) * GDIR_DEG2RAD;
    *x = L93_X0 + rho * sin(theta);
    *y = L93_Y0 + k.rho0 - rho * cos(theta);
}
