/*
 * test_geo.c — haversine distances and search boxes (gdir_geo).
 */
#include "check.h"
#include "gdir_geo.h"

static void test_haversine_known(void)
{
    /* One degree of latitude on the mean sphere: R * pi / 180 */
    CHECK_NEAR(gdir_haversine_m(0, 0, 1, 0), GDIR_EARTH_RADIUS_M * 3.14159265358979323846 / 180,
               1e-6);
    CHECK_NEAR(gdir_haversine_m(48.9, 5.1, 48.9, 5.1), 0, 0);
    /* Symmetric */
    CHECK_NEAR(gdir_haversine_m(48.9332008, 5.1108398, 48.9785004, 5.0638199),
               gdir_haversine_m(48.9785004, 5.0638199, 48.9332008, 5.1108398), 1e-9);
    /* Vaubecourt mairie -> Seuil-d'Argonne mairie: about 6.1 km */
    double d = gdir_haversine_m(48.9332008, 5.1108398, 48.9785004, 5.0638199);
    CHECK(d > 6000 && d < 6300);
    /* Antipodes: half the circumference */
    CHECK_NEAR(gdir_haversine_m(0, 0, 0, 180), GDIR_EARTH_RADIUS_M * 3.14159265358979323846, 1e-3);
}

static void test_box_contains_circle(void)
{
    /* Walk the circle's edge: every point at exactly the radius lies inside the box. */
    static const double centres[][2] = {{48.92, 5.23}, {0, 0}, {-45, 170}, {70, -20}};
    for (unsigned c = 0; c < sizeof centres / sizeof centres[0]; c++) {
        double lat = centres[c][0], lon = centres[c][1], r = 5000;
        struct gdir_bbox box;
        gdir_bbox_around(lat, lon, r, &box);
        for (int k = 0; k < 3600; k++) {
            double brg = k * 0.1 * 3.14159265358979323846 / 180;
            double ang = r / GDIR_EARTH_RADIUS_M, p1 = lat * 3.14159265358979323846 / 180;
            double p2 = asin(sin(p1) * cos(ang) + cos(p1) * sin(ang) * cos(brg));
            double l2 = lon * 3.14159265358979323846 / 180 +
                        atan2(sin(brg) * sin(ang) * cos(p1), cos(ang) - sin(p1) * sin(p2));
            double plat = p2 * 180 / 3.14159265358979323846, plon = l2 * 180 / 3.14159265358979323846;
            CHECK_NEAR(gdir_haversine_m(lat, lon, plat, plon), r, 1e-6);
            if (plat < box.minlat || plat > box.maxlat || plon < box.minlon || plon > box.maxlon) {
                CHECK_FAIL_("edge point %.9f,%.9f outside box around %g,%g", plat, plon, lat, lon);
                break;
            }
        }
        /* ... and the box is not absurdly large (within 1% of the circle's extent). */
        CHECK((box.maxlat - box.minlat) < 2.02 * r / GDIR_EARTH_RADIUS_M * 180 / 3.14159265358979323846);
    }
}

static void test_box_poles_and_antimeridian(void)
{
    struct gdir_bbox box;
    gdir_bbox_around(89.99, 0, 5000, &box);
    CHECK_NEAR(box.minlon, -180, 0);
    CHECK_NEAR(box.maxlon, 180, 0);
    CHECK_NEAR(box.maxlat, 90, 0);
    gdir_bbox_around(0, 179.99, 5000, &box);
    CHECK_NEAR(box.minlon, -180, 0);
    CHECK_NEAR(box.maxlon, 180, 0);
}

static void test_ranges(void)
{
    CHECK(gdir_lonlat_valid(48.9, 5.1));
    CHECK(!gdir_lonlat_valid(91, 5.1));
    CHECK(!gdir_lonlat_valid(48.9, -181));
    CHECK(gdir_in_france(48.9332, 5.1108));        /* Vaubecourt */
    CHECK(gdir_in_france(17.9, -62.85));           /* Saint-Barthélemy */
    CHECK(gdir_in_france(14.6037, -61.0668));      /* Fort-de-France, Martinique */
    CHECK(gdir_in_france(-12.7806, 45.2278));      /* Mamoudzou, Mayotte */
    CHECK(gdir_in_france(46.7811, -56.1764));      /* Saint-Pierre-et-Miquelon */
    CHECK(!gdir_in_france(5.1108, 48.9332));       /* swapped lat/lon: Indian Ocean */
    CHECK(!gdir_in_france(0, 0));
    CHECK(!gdir_in_france(40.4, -3.7));            /* Madrid */
}

static const struct check_case cases[] = {
    {"haversine_known", test_haversine_known},
    {"box_contains_circle", test_box_contains_circle},
    {"box_poles_and_antimeridian", test_box_poles_and_antimeridian},
    {"ranges", test_ranges},
};
CHECK_MAIN(cases)
