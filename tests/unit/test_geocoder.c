/*
 * test_geocoder.c — the address geocoder (gdir_geocoder) on a small SpatiaLite database
 * built at test time (gdir_db_create_schema + hand-written communes and addresses): exact
 * matches, abbreviations, accents and case, elisions, bis/ter, typos, fallbacks (street,
 * municipality), interpolation, filters, autocomplete, proximity, reverse, bad and hostile
 * input, and several threads searching one index at once.
 */
#include "check.h"
#include "gdir_db.h"
#include "gdir_geo.h"
#include "gdir_geocoder.h"
#include "gdir_test_db.h"

#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/geodir-test-geocoder-XXXXXX";
static struct gdir_geocoder *geo;        /* the full index */
static struct gdir_geocoder *geo_empty;  /* communes only, no address */

/* Streets are laid out north-south: house k of a street is STEP degrees (~11 m) north of
 * house k-1; odd numbers are 0.0002° (~15 m) east of even ones. */
#define STEP 0.0001

#define PIER_LAT 48.9000
#define PIER_LON 5.3300
#define SEUIL_LAT 48.9500
#define SEUIL_LON 5.0500

static const struct gdir_test_address addrs[] = {
    /* Pierrefitte-sur-Aire (55386): Rue de l'Église, evens 2 4 8 10 10BIS 12, odds 1 3 5 */
    { "55386_0010_00002", "2", "Rue de l'Église", "55260", "55386", "Pierrefitte-sur-Aire",
      PIER_LAT + 1 * STEP, PIER_LON },
    { "55386_0010_00004", "4", "Rue de l'Église", "55260", "55386", "PIERREFITTE SUR AIRE",
      PIER_LAT + 2 * STEP, PIER_LON },
    { "55386_0010_00008", "8", "Rue de l'Église", "55260", "55386", "Pierrefitte-sur-Aire",
      PIER_LAT + 4 * STEP, PIER_LON },
    { "55386_0010_00010", "10", "Rue de l'Église", "55260", "55386", "Pierrefitte-sur-Aire",
      PIER_LAT + 5 * STEP, PIER_LON },
    { "55386_0010_00010_bis", "10BIS", "Rue de l'Église", "55260", "55386",
      "Pierrefitte-sur-Aire", PIER_LAT + 5.5 * STEP, PIER_LON },
    { "55386_0010_00012", "12", "Rue de l'Église", "55260", "55386", "Pierrefitte-sur-Aire",
      PIER_LAT + 6 * STEP, PIER_LON },
    { "55386_0010_00001", "1", "Rue de l'Église", "55260", "55386", "Pierrefitte-sur-Aire",
      PIER_LAT + 1 * STEP, PIER_LON + 0.0002 },
    { "55386_0010_00003", "3", "Rue de l'Église", "55260", "55386", "Pierrefitte-sur-Aire",
      PIER_LAT + 2 * STEP, PIER_LON + 0.0002 },
    { "55386_0010_00005", "5", "Rue de l'Église", "55260", "55386", "Pierrefitte-sur-Aire",
      PIER_LAT + 3 * STEP, PIER_LON + 0.0002 },
    /* Boulevard Saint-Michel 2, 4 */
    { "55386_0020_00002", "2", "Boulevard Saint-Michel", "55260", "55386",
      "Pierrefitte-sur-Aire", PIER_LAT, PIER_LON + 0.003 },
    { "55386_0020_00004", "4", "Boulevard Saint-Michel", "55260", "55386",
      "Pierrefitte-sur-Aire", PIER_LAT + STEP, PIER_LON + 0.003 },
    /* Grande Rue, written the cadastre way */
    { "55386_0030_00001", "1", "GRANDE RUE", "55260", "55386", "Pierrefitte-sur-Aire",
      PIER_LAT - 0.002, PIER_LON },
    { "55386_0030_00003", "3", "GRANDE RUE", "55260", "55386", "Pierrefitte-sur-Aire",
      PIER_LAT - 0.002 + STEP, PIER_LON },
    /* a lieu-dit (no number): a locality */
    { "55386_b001", NULL, "Le Moulin Brûlé", "55260", "55386", "Pierrefitte-sur-Aire",
      PIER_LAT + 0.004, PIER_LON - 0.004 },
    /* words that abbreviations would rewrite while being typed */
    { "55386_0060_00004", "4", "Rue du Plateau", "55260", "55386", "Pierrefitte-sur-Aire",
      PIER_LAT + 0.0015, PIER_LON - 0.001 },
    { "55490_0030_00001", "1", "Rue de Stenay", "55250", "55490", "Seuil-d'Argonne",
      SEUIL_LAT + 0.002, SEUIL_LON },
    { "55490_0040_00003", "3", "Rue Devant les Ponts", "55250", "55490", "Seuil-d'Argonne",
      SEUIL_LAT + 0.003, SEUIL_LON },
    /* a BAN lieu-dit: numero 99999 */
    { "55386_b002_99999", "99999", "Les Grands Prés", "55260", "55386",
      "Pierrefitte-sur-Aire", PIER_LAT + 0.005, PIER_LON + 0.005 },
    /* a street known without any number */
    { "55386_0040", NULL, "Chemin des Vignes", "55260", "55386", "Pierrefitte-sur-Aire",
      PIER_LAT - 0.003, PIER_LON + 0.002 },
    /* Seuil-d'Argonne (55490): a homonym Rue de l'Église and an avenue */
    { "55490_0010_00001", "1", "Rue de l'Église", "55250", "55490", "Seuil-d'Argonne",
      SEUIL_LAT, SEUIL_LON },
    { "55490_0010_00002", "2", "Rue de l'Église", "55250", "55490", "Seuil-d'Argonne",
      SEUIL_LAT + STEP, SEUIL_LON },
    { "55490_0020_00004", "4", "Avenue du Général Leclerc", "55250", "55490",
      "Seuil-d'Argonne", SEUIL_LAT - 0.001, SEUIL_LON },
    /* a street named with street-type words only */
    { "55386_0050_00002", "2", "Rue du Faubourg", "55260", "55386", "Pierrefitte-sur-Aire",
      PIER_LAT + 0.001, PIER_LON + 0.001 },
    /* Fains-Véel (55186): "Rue de Véel" (more points) must not win "6 Rue de Fains" */
    { "55186_0010_00006", "6", "Rue de Fains", "55000", "55186", "Fains-Véel", 48.78, 5.12 },
    { "55186_0020_00006", "6", "Rue de Véel", "55000", "55186", "Fains-Véel", 48.77, 5.13 },
    { "55186_0020_00008", "8", "Rue de Véel", "55000", "55186", "Fains-Véel", 48.7701, 5.13 },
    /* a commune in the communes table without geometry */
    { "55777_0010_00001", "1", "Rue Haute", "55777", "55777", "Sansgeo", 48.80, 5.20 },
    /* a commune absent from the communes table: named after the addresses' city */
    { "55123_0010_00007", "7", "Rue du Four", "55250", "55123", "Villotte-devant-Louppy",
      48.85, 5.10 },
};

struct commune {
    const char *insee, *name, *postcodes;
    double lat, lon;          /* centre of a 0.02° square, or NAN for no geometry */
};

static const struct commune communes[] = {
    { "55386", "Pierrefitte-sur-Aire", "55260", PIER_LAT, PIER_LON },
    { "55490", "Seuil-d'Argonne", "55250", SEUIL_LAT, SEUIL_LON },
    { "55517", "Les Trois-Domaines", "55220", 48.98, 5.30 },
    { "55777", "Sansgeo", "55777", NAN, NAN },
    { "55505", "Stenay", "55700", 49.49, 5.19 },          /* no address */
};

static const char SQL_SOURCE[] =
    "INSERT INTO sources(name, profile, title, publisher, licence, file, imported_at) "
    "VALUES ('ban', 'ban', 'BAN test', 'test', 'etalab-2.0', 'test.csv', "
    "'2026-01-01T00:00:00Z')";
static const char SQL_COMMUNE[] =
    "INSERT INTO communes(insee, name, postcodes, geom) VALUES (?1, ?2, ?3, "
    "CASE WHEN ?4 IS NULL THEN NULL ELSE CastToMultiPolygon(BuildMbr(?5 - 0.01, ?4 - 0.01, "
    "?5 + 0.01, ?4 + 0.01, 4326)) END)";
static const char SQL_ADDRESS[] =
    "INSERT INTO addresses(id, housenumber, street, postcode, insee, city, source, licence, "
    "geom) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'ban', 'etalab-2.0', MakePoint(?8, ?7, 4326))";

static int make_db(const char *path, int with_addresses)
{
    struct gdir_db d;
    struct gdir_err err;
    sqlite3_stmt *st = NULL;
    int rc = -1;

    if (gdir_db_open(&d, path, GDIR_DB_CREATE, &err) || gdir_db_create_schema(&d, &err) ||
        gdir_db_exec(&d, SQL_SOURCE, &err)) {
        fprintf(stderr, "make_db: %s\n", err.msg);
        return -1;
    }
    if (sqlite3_prepare_v2(d.db, SQL_COMMUNE, -1, &st, NULL) != SQLITE_OK)
        goto out;
    for (size_t i = 0; i < sizeof communes / sizeof communes[0]; i++) {
        const struct commune *c = &communes[i];
        sqlite3_bind_text(st, 1, c->insee, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, c->postcodes, -1, SQLITE_STATIC);
        if (isnan(c->lat)) {
            sqlite3_bind_null(st, 4);
            sqlite3_bind_null(st, 5);
        } else {
            sqlite3_bind_double(st, 4, c->lat);
            sqlite3_bind_double(st, 5, c->lon);
        }
        if (sqlite3_step(st) != SQLITE_DONE)
            goto out;
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(d.db, SQL_ADDRESS, -1, &st, NULL) != SQLITE_OK)
        goto out;
    for (size_t i = 0; with_addresses && i < sizeof addrs / sizeof addrs[0]; i++) {
        if (gdir_test_insert_address(st, &addrs[i]) != SQLITE_DONE)
            goto out;
    }
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "make_db: %s\n", sqlite3_errmsg(d.db));
    sqlite3_finalize(st);
    gdir_db_close(&d);
    return rc;
}

static struct gdir_geocoder *open_index(const char *path)
{
    struct gdir_db d;
    struct gdir_err err;
    struct gdir_geocoder *g = NULL;
    if (gdir_db_open(&d, path, GDIR_DB_READONLY, &err)) {
        fprintf(stderr, "open %s: %s\n", path, err.msg);
        return NULL;
    }
    if (gdir_geocoder_open(&g, d.db, &err))
        fprintf(stderr, "geocoder: %s\n", err.msg);
    gdir_db_close(&d);                  /* the index keeps nothing of the connection */
    return g;
}

static void test_setup(void)
{
    char path[128];
    if (!mkdtemp(dir)) {
        CHECK_FAIL_("mkdtemp");
        exit(1);
    }
    snprintf(path, sizeof path, "%s/full.sqlite", dir);
    CHECK_INT_EQ(make_db(path, 1), 0);
    geo = open_index(path);
    snprintf(path, sizeof path, "%s/empty.sqlite", dir);
    CHECK_INT_EQ(make_db(path, 0), 0);
    geo_empty = open_index(path);
    if (!geo || !geo_empty) {
        CHECK_FAIL_("cannot build the test indexes");
        exit(1);
    }
    CHECK_INT_EQ(gdir_geocoder_size(geo), sizeof addrs / sizeof addrs[0]);
    CHECK_INT_EQ(gdir_geocoder_size(geo_empty), 0);
}

/* Runs a text query; returns the number of results in r[0..8). */
static size_t search(const struct gdir_geocoder *g, const char *text, struct gdir_geocode_result *r)
{
    struct gdir_geocode_query q;
    struct gdir_err err;
    size_t n = 0;
    memset(&q, 0, sizeof q);
    q.text = text;
    int rc = gdir_geocoder_search(g, &q, r, 8, &n, &err);
    if (rc != GDIR_OK)
        CHECK_FAIL_("search \"%s\": %s", text, err.msg);
    return n;
}

/* The top result of text must have this label and type (and not be interpolated). */
static void top_is(const char *text, const char *label, enum gdir_geo_type type)
{
    struct gdir_geocode_result r[8];
    size_t n = search(geo, text, r);
    if (n == 0) {
        CHECK_FAIL_("\"%s\": no result, want \"%s\"", text, label);
        return;
    }
    if (strcmp(r[0].label, label) != 0 || r[0].type != type)
        CHECK_FAIL_("\"%s\": got %s \"%s\" (%.3f), want %s \"%s\"", text,
                    gdir_geo_type_name(r[0].type), r[0].label, r[0].score,
                    gdir_geo_type_name(type), label);
    for (size_t i = 1; i < n; i++)
        CHECK(r[i - 1].score >= r[i].score);
    for (size_t i = 0; i < n; i++)
        CHECK(r[i].score > 0 && r[i].score <= 1.0);
}

static void test_exact(void)
{
    struct gdir_geocode_result r[8];
    size_t n = search(geo, "4 Rue de l'Église 55260 Pierrefitte-sur-Aire", r);
    CHECK(n >= 1);
    CHECK_STR_EQ(r[0].label, "4 Rue de l'Église 55260 Pierrefitte-sur-Aire");
    CHECK_STR_EQ(r[0].name, "4 Rue de l'Église");
    CHECK_STR_EQ(r[0].housenumber, "4");
    CHECK_STR_EQ(r[0].street, "Rue de l'Église");
    CHECK_STR_EQ(r[0].postcode, "55260");
    CHECK_STR_EQ(r[0].citycode, "55386");
    CHECK_STR_EQ(r[0].city, "Pierrefitte-sur-Aire");   /* the communes table's spelling */
    CHECK_STR_EQ(r[0].id, "55386_0010_00004");
    CHECK_STR_EQ(r[0].source, "ban");
    CHECK_INT_EQ(r[0].type, GDIR_GEO_HOUSENUMBER);
    CHECK_INT_EQ(r[0].interpolated, 0);
    CHECK_NEAR(r[0].lat, PIER_LAT + 2 * STEP, 1e-9);
    CHECK_NEAR(r[0].lon, PIER_LON, 1e-9);
    CHECK(r[0].score >= 0.95);
    CHECK_NEAR(r[0].distance_m, 0, 0);
    /* the homonym street of the other commune comes later, if at all */
    for (size_t i = 1; i < n; i++)
        CHECK(r[i].score < r[0].score);
    top_is("1 rue de l'église 55250 Seuil-d'Argonne", "1 Rue de l'Église 55250 Seuil-d'Argonne",
           GDIR_GEO_HOUSENUMBER);
    /* the published cadastre spelling is kept in labels */
    top_is("3 grande rue pierrefitte", "3 GRANDE RUE 55260 Pierrefitte-sur-Aire",
           GDIR_GEO_HOUSENUMBER);
    /* each query word counts once: "Fains" names the street, "Fains-Véel" the commune */
    top_is("6 Rue de Fains 55000 Fains-Véel", "6 Rue de Fains 55000 Fains-Véel",
           GDIR_GEO_HOUSENUMBER);
    top_is("6 Rue de Véel 55000 Fains-Véel", "6 Rue de Véel 55000 Fains-Véel",
           GDIR_GEO_HOUSENUMBER);
    /* a name made of street-type words only */
    top_is("2 rue du faubourg pierrefitte", "2 Rue du Faubourg 55260 Pierrefitte-sur-Aire",
           GDIR_GEO_HOUSENUMBER);
    top_is("2 r du fg 55260", "2 Rue du Faubourg 55260 Pierrefitte-sur-Aire",
           GDIR_GEO_HOUSENUMBER);
    /* a commune missing from the communes table is named after its addresses */
    top_is("7 rue du four villotte devant louppy", "7 Rue du Four 55250 Villotte-devant-Louppy",
           GDIR_GEO_HOUSENUMBER);
}

static void test_abbreviations(void)
{
    top_is("4 r de l eglise 55260 pierrefitte", "4 Rue de l'Église 55260 Pierrefitte-sur-Aire",
           GDIR_GEO_HOUSENUMBER);
    top_is("2 bd st michel pierrefitte sur aire",
           "2 Boulevard Saint-Michel 55260 Pierrefitte-sur-Aire", GDIR_GEO_HOUSENUMBER);
    top_is("2 BLD ST-MICHEL PIERREFITTE", "2 Boulevard Saint-Michel 55260 Pierrefitte-sur-Aire",
           GDIR_GEO_HOUSENUMBER);
    top_is("4 av. du gal leclerc seuil d argonne",
           "4 Avenue du Général Leclerc 55250 Seuil-d'Argonne", GDIR_GEO_HOUSENUMBER);
    top_is("3 Grand'Rue Pierrefitte", "3 GRANDE RUE 55260 Pierrefitte-sur-Aire",
           GDIR_GEO_HOUSENUMBER);
    top_is("3 gr rue pierrefitte", "3 GRANDE RUE 55260 Pierrefitte-sur-Aire",
           GDIR_GEO_HOUSENUMBER);
}

static void test_accents_case_elisions(void)
{
    top_is("4 RUE DE L'EGLISE PIERREFITTE SUR AIRE",
           "4 Rue de l'Église 55260 Pierrefitte-sur-Aire", GDIR_GEO_HOUSENUMBER);
    top_is("4 rue de l\xe2\x80\x99\xc3\xa9glise pierrefitte-sur-aire",
           "4 Rue de l'Église 55260 Pierrefitte-sur-Aire", GDIR_GEO_HOUSENUMBER);
    top_is("4 rue eglise pierrefitte", "4 Rue de l'Église 55260 Pierrefitte-sur-Aire",
           GDIR_GEO_HOUSENUMBER);
    top_is("Seuil-d'Argonne", "Seuil-d'Argonne", GDIR_GEO_MUNICIPALITY);
    top_is("seuil d argonne", "Seuil-d'Argonne", GDIR_GEO_MUNICIPALITY);
    top_is("SEUIL D ARGONNE", "Seuil-d'Argonne", GDIR_GEO_MUNICIPALITY);
    top_is("les trois domaines", "Les Trois-Domaines", GDIR_GEO_MUNICIPALITY);
}

/* The top result of text is house number hn interpolated (no id) at latitude lat; r receives
 * the results. */
static void top_interpolated(const char *text, const char *hn, double lat,
                             struct gdir_geocode_result *r)
{
    size_t n = search(geo, text, r);
    CHECK(n >= 1);
    if (n == 0)
        return;
    CHECK_INT_EQ(r[0].type, GDIR_GEO_HOUSENUMBER);
    CHECK_INT_EQ(r[0].interpolated, 1);
    CHECK_STR_EQ(r[0].housenumber, hn);
    CHECK_STR_EQ(r[0].id, "");
    CHECK_NEAR(r[0].lat, lat, 1e-9);
}

static void test_bis_ter(void)
{
    struct gdir_geocode_result r[8];
    top_is("10 bis rue de l'eglise pierrefitte",
           "10BIS Rue de l'Église 55260 Pierrefitte-sur-Aire", GDIR_GEO_HOUSENUMBER);
    top_is("10BIS rue de l'eglise pierrefitte",
           "10BIS Rue de l'Église 55260 Pierrefitte-sur-Aire", GDIR_GEO_HOUSENUMBER);
    top_is("10B rue de l'eglise pierrefitte",
           "10BIS Rue de l'Église 55260 Pierrefitte-sur-Aire", GDIR_GEO_HOUSENUMBER);
    top_is("10 rue de l'eglise pierrefitte", "10 Rue de l'Église 55260 Pierrefitte-sur-Aire",
           GDIR_GEO_HOUSENUMBER);
    /* 10 ter does not exist: between 8 and 12, so at 10 */
    top_interpolated("10 ter rue de l'eglise pierrefitte", "10 ter", PIER_LAT + 5 * STEP, r);
    /* 12-14: the first number of the range */
    top_is("12-14 rue de l'eglise pierrefitte", "12 Rue de l'Église 55260 Pierrefitte-sur-Aire",
           GDIR_GEO_HOUSENUMBER);
}

static void test_typos(void)
{
    top_is("4 rue de l'eglize pierrefitte", "4 Rue de l'Église 55260 Pierrefitte-sur-Aire",
           GDIR_GEO_HOUSENUMBER);
    top_is("4 rue de l'eglise pierefitte", "4 Rue de l'Église 55260 Pierrefitte-sur-Aire",
           GDIR_GEO_HOUSENUMBER);
    top_is("4 rue de l'eglise pierrfeitte", "4 Rue de l'Église 55260 Pierrefitte-sur-Aire",
           GDIR_GEO_HOUSENUMBER);                         /* swapped letters */
    top_is("2 boulevard saint mihcel pierrefitte",
           "2 Boulevard Saint-Michel 55260 Pierrefitte-sur-Aire", GDIR_GEO_HOUSENUMBER);
    /* two typos in a short word are not forgiven */
    struct gdir_geocode_result r[8];
    size_t n = search(geo, "rue de l'xglixe", r);
    for (size_t i = 0; i < n; i++)
        CHECK(r[i].score < 0.7);
}

static void test_interpolation(void)
{
    struct gdir_geocode_result r[8];
    size_t n;
    /* halfway between 4 and 8, on the even side */
    top_interpolated("6 rue de l'eglise 55260 pierrefitte sur aire", "6", PIER_LAT + 3 * STEP, r);
    CHECK_STR_EQ(r[0].label, "6 Rue de l'Église 55260 Pierrefitte-sur-Aire");
    CHECK_NEAR(r[0].lon, PIER_LON, 1e-9);
    CHECK(r[0].score < 0.99 && r[0].score > 0.8);
    /* 7: past the last odd number (5); the even side gives the step from 5 to 7 */
    n = search(geo, "7 rue de l'eglise pierrefitte", r);
    CHECK(n >= 1 && r[0].interpolated);
    CHECK_NEAR(r[0].lat, PIER_LAT + 4 * STEP, 1e-9);
    CHECK_NEAR(r[0].lon, PIER_LON + 0.0002, 1e-9);
    /* 14: past the last even number, nothing opposite: extrapolated along the side's end by
     * its median metres per number (2, 4, 8, 10, 12 are half a STEP per number apart) */
    n = search(geo, "14 rue de l'eglise pierrefitte", r);
    CHECK(n >= 1 && r[0].interpolated);
    CHECK_NEAR(r[0].lat, PIER_LAT + 7 * STEP, 1e-9);
}

static void test_fallbacks(void)
{
    struct gdir_geocode_result r[8];
    /* a street without numbers: the street itself */
    size_t n = search(geo, "3 chemin des vignes pierrefitte", r);
    CHECK(n >= 1);
    CHECK_INT_EQ(r[0].type, GDIR_GEO_STREET);
    CHECK_STR_EQ(r[0].label, "Chemin des Vignes 55260 Pierrefitte-sur-Aire");
    CHECK_STR_EQ(r[0].housenumber, "");
    CHECK_NEAR(r[0].lat, PIER_LAT - 0.003, 1e-9);
    CHECK(r[0].score < 0.9);
    /* a street asked without a number: the street, at one of its points */
    n = search(geo, "rue de l'eglise pierrefitte", r);
    CHECK(n >= 1);
    CHECK_INT_EQ(r[0].type, GDIR_GEO_STREET);
    CHECK_STR_EQ(r[0].label, "Rue de l'Église 55260 Pierrefitte-sur-Aire");
    CHECK_STR_EQ(r[0].id, "55386_0010");
    CHECK(fabs(r[0].lat - PIER_LAT) < 0.001 && fabs(r[0].lon - PIER_LON) < 0.001);
    /* an unknown street: the commune's centre */
    n = search(geo, "12 rue inconnue 55260 pierrefitte sur aire", r);
    CHECK(n >= 1);
    CHECK_INT_EQ(r[0].type, GDIR_GEO_MUNICIPALITY);
    CHECK_STR_EQ(r[0].label, "Pierrefitte-sur-Aire");
    CHECK_STR_EQ(r[0].citycode, "55386");
    CHECK_STR_EQ(r[0].postcode, "55260");
    CHECK_NEAR(r[0].lat, PIER_LAT, 1e-6);
    CHECK_NEAR(r[0].lon, PIER_LON, 1e-6);
    /* a lieu-dit */
    top_is("le moulin brule", "Le Moulin Brûlé 55260 Pierrefitte-sur-Aire", GDIR_GEO_LOCALITY);
    top_is("les grands pres pierrefitte", "Les Grands Prés 55260 Pierrefitte-sur-Aire",
           GDIR_GEO_LOCALITY);
    /* a commune without geometry is centred on its addresses (the point nearest their mean) */
    n = search(geo, "sansgeo", r);
    CHECK(n >= 1);
    CHECK_INT_EQ(r[0].type, GDIR_GEO_MUNICIPALITY);
    CHECK_NEAR(r[0].lat, 48.80, 1e-9);
    CHECK_NEAR(r[0].lon, 5.20, 1e-9);
    top_is("1 rue haute sansgeo", "1 Rue Haute 55777 Sansgeo", GDIR_GEO_HOUSENUMBER);
    /* the city written at the end names the commune, not "Rue de Stenay" of Seuil-d'Argonne;
     * without another name word before it, "Stenay" is the street's */
    top_is("1 rue de la gare stenay", "Stenay", GDIR_GEO_MUNICIPALITY);
    top_is("1 rue de la gare 55700 stenay", "Stenay", GDIR_GEO_MUNICIPALITY);
    top_is("1 rue de stenay", "1 Rue de Stenay 55250 Seuil-d'Argonne", GDIR_GEO_HOUSENUMBER);
    /* nothing that matches */
    CHECK_INT_EQ(search(geo, "zzyzx quux", r), 0);
    CHECK_INT_EQ(search(geo, "de la", r), 0);           /* only articles */
}

static size_t search_q(const struct gdir_geocode_query *q, struct gdir_geocode_result *r,
                       size_t max)
{
    struct gdir_err err;
    size_t n = 0;
    int rc = gdir_geocoder_search(geo, q, r, max, &n, &err);
    if (rc != GDIR_OK)
        CHECK_FAIL_("search: %s", err.msg);
    return n;
}

/* The query q must have at least one result, the first one labelled label. */
static void q_top_label(const struct gdir_geocode_query *q, const char *label)
{
    struct gdir_geocode_result r[8];
    if (search_q(q, r, 8) == 0) {
        CHECK_FAIL_("no result, want \"%s\"", label);
        return;
    }
    CHECK_STR_EQ(r[0].label, label);
}

/* q finds something, and every result is in the commune (by_postcode 0: INSEE code) or the
 * postcode (1) want. */
static void all_in(const struct gdir_geocode_query *q, int by_postcode, const char *want)
{
    struct gdir_geocode_result r[8];
    size_t n = search_q(q, r, 8);
    CHECK(n >= 1);
    for (size_t i = 0; i < n; i++)
        CHECK_STR_EQ(by_postcode ? r[i].postcode : r[i].citycode, want);
}

static void test_filters(void)
{
    struct gdir_geocode_result r[8];
    struct gdir_geocode_query q = {.text = "rue de l'eglise"};
    size_t n = search_q(&q, r, 8);

    CHECK(n >= 2);                                      /* both communes */
    q.insee = "55490";
    all_in(&q, 0, "55490");
    q.insee = NULL;
    q.postcode = "55260";
    all_in(&q, 1, "55260");
    q.postcode = NULL;
    q.insee = "55000";                                  /* no such commune */
    CHECK_INT_EQ(search_q(&q, r, 8), 0);
    q.insee = NULL;

    /* type */
    q.text = "pierrefitte";
    q.has_type = 1;
    q.type = GDIR_GEO_MUNICIPALITY;
    n = search_q(&q, r, 8);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(r[0].type, GDIR_GEO_MUNICIPALITY);
    q.text = "4 rue de l'eglise pierrefitte";
    q.type = GDIR_GEO_STREET;
    n = search_q(&q, r, 8);
    CHECK(n >= 1);
    for (size_t i = 0; i < n; i++)
        CHECK_INT_EQ(r[i].type, GDIR_GEO_STREET);
    q.type = GDIR_GEO_HOUSENUMBER;
    n = search_q(&q, r, 8);
    CHECK(n >= 1);
    for (size_t i = 0; i < n; i++)
        CHECK_INT_EQ(r[i].type, GDIR_GEO_HOUSENUMBER);
    q.text = "moulin";
    q.type = GDIR_GEO_LOCALITY;
    n = search_q(&q, r, 8);
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(r[0].name, "Le Moulin Brûlé");
    q.has_type = 0;

    /* structured fields */
    memset(&q, 0, sizeof q);
    q.housenumber = "2";
    q.street = "r. de l'Église";
    q.city = "Seuil d'Argonne";
    q_top_label(&q, "2 Rue de l'Église 55250 Seuil-d'Argonne");
    memset(&q, 0, sizeof q);
    q.street = "8 rue de l'eglise";                     /* a number leading the street field */
    q.insee = "55386";
    q_top_label(&q, "8 Rue de l'Église 55260 Pierrefitte-sur-Aire");
    /* a filter alone finds the commune */
    memset(&q, 0, sizeof q);
    q.insee = "55386";
    n = search_q(&q, r, 8);
    CHECK(n >= 1);
    CHECK_INT_EQ(r[0].type, GDIR_GEO_MUNICIPALITY);
    CHECK_STR_EQ(r[0].citycode, "55386");
}

static void test_autocomplete(void)
{
    struct gdir_geocode_result r[8];
    struct gdir_geocode_query q = {.text = "pierref", .autocomplete = 1};
    size_t n = search_q(&q, r, 8);

    CHECK(n >= 1);
    CHECK_INT_EQ(r[0].type, GDIR_GEO_MUNICIPALITY);
    CHECK_STR_EQ(r[0].city, "Pierrefitte-sur-Aire");
    q.text = "4 rue de l'egl";
    n = search_q(&q, r, 8);
    CHECK(n >= 1);
    CHECK_STR_EQ(r[0].street, "Rue de l'Église");
    CHECK_INT_EQ(r[0].type, GDIR_GEO_HOUSENUMBER);
    static const struct {
        const char *text, *label;
    } typed[] = {
        {"2 boulevard saint mic", "2 Boulevard Saint-Michel 55260 Pierrefitte-sur-Aire"},
        /* the word being typed is also matched as typed: "pl" is not only "place" */
        {"4 rue du pl", "4 Rue du Plateau 55260 Pierrefitte-sur-Aire"},
        /* nor is a last word that reads as an article dropped: "de" may become "devant" */
        {"3 rue de", "3 Rue Devant les Ponts 55250 Seuil-d'Argonne"},
        {"3 rue dev", "3 Rue Devant les Ponts 55250 Seuil-d'Argonne"},
    };
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++) {
        q.text = typed[i].text;
        q_top_label(&q, typed[i].label);
    }
    q.text = "rue de st";
    n = search_q(&q, r, 8);
    int stenay = 0;
    for (size_t i = 0; i < n; i++)
        stenay |= strcmp(r[i].street, "Rue de Stenay") == 0;
    CHECK(stenay);
    /* without autocomplete a cut word matches nothing */
    q.autocomplete = 0;
    q.text = "pierref";
    CHECK_INT_EQ(search_q(&q, r, 8), 0);
}

static void test_proximity(void)
{
    struct gdir_geocode_result r[8];
    struct gdir_geocode_query q = {
        .text = "1 rue de l'eglise", .has_point = 1, .lat = SEUIL_LAT + 0.01, .lon = SEUIL_LON};
    size_t n = search_q(&q, r, 8);

    CHECK(n >= 2);
    CHECK_STR_EQ(r[0].citycode, "55490");
    CHECK(r[0].distance_m > 1000 && r[0].distance_m < 1200);
    q.lat = PIER_LAT;
    q.lon = PIER_LON;
    n = search_q(&q, r, 8);
    CHECK(n >= 2);
    CHECK_STR_EQ(r[0].citycode, "55386");
    CHECK(r[0].distance_m < 50);
}

static void test_reverse(void)
{
    struct gdir_geocode_result r[8];
    struct gdir_err err;
    size_t n = 0;

    /* 5 m east of number 4 */
    CHECK_INT_EQ(gdir_geocoder_reverse(geo, PIER_LAT + 2 * STEP, PIER_LON + 0.00007, 0, 0, r, 3,
                                       &n, &err), GDIR_OK);
    CHECK_INT_EQ(n, 3);
    CHECK_STR_EQ(r[0].label, "4 Rue de l'Église 55260 Pierrefitte-sur-Aire");
    CHECK_INT_EQ(r[0].type, GDIR_GEO_HOUSENUMBER);
    CHECK(r[0].distance_m > 4 && r[0].distance_m < 6);
    CHECK(r[0].distance_m <= r[1].distance_m && r[1].distance_m <= r[2].distance_m);
    CHECK(r[0].score > r[2].score);
    /* municipality: the nearest centre */
    CHECK_INT_EQ(gdir_geocoder_reverse(geo, SEUIL_LAT + 0.001, SEUIL_LON, 1,
                                       GDIR_GEO_MUNICIPALITY, r, 1, &n, &err), GDIR_OK);
    CHECK_INT_EQ(n, 1);
    CHECK_STR_EQ(r[0].label, "Seuil-d'Argonne");
    CHECK_NEAR(r[0].distance_m, 111.2, 0.5);
    /* street: one result per street */
    CHECK_INT_EQ(gdir_geocoder_reverse(geo, PIER_LAT + 2 * STEP, PIER_LON, 1, GDIR_GEO_STREET,
                                       r, 3, &n, &err), GDIR_OK);
    CHECK(n >= 2);
    CHECK_STR_EQ(r[0].label, "Rue de l'Église 55260 Pierrefitte-sur-Aire");
    CHECK(strcmp(r[1].street, "Rue de l'Église") != 0);
    /* localities, nearest first; the BAN 99999 one has no house number */
    CHECK_INT_EQ(gdir_geocoder_reverse(geo, PIER_LAT, PIER_LON, 1, GDIR_GEO_LOCALITY, r, 3, &n,
                                       &err), GDIR_OK);
    CHECK_INT_EQ(n, 2);
    CHECK_STR_EQ(r[0].name, "Le Moulin Brûlé");
    CHECK_STR_EQ(r[1].name, "Les Grands Prés");
    CHECK_STR_EQ(r[1].housenumber, "");
    CHECK_INT_EQ(r[1].type, GDIR_GEO_LOCALITY);
    /* housenumber only */
    CHECK_INT_EQ(gdir_geocoder_reverse(geo, PIER_LAT + 0.004, PIER_LON - 0.004, 1,
                                       GDIR_GEO_HOUSENUMBER, r, 1, &n, &err), GDIR_OK);
    CHECK_INT_EQ(n, 1);
    CHECK_INT_EQ(r[0].type, GDIR_GEO_HOUSENUMBER);
    /* bad input */
    CHECK_INT_EQ(gdir_geocoder_reverse(geo, 91, 0, 0, 0, r, 1, &n, &err), GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "lat");
    CHECK_INT_EQ(gdir_geocoder_reverse(geo, 0, NAN, 0, 0, r, 1, &n, &err), GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "lon");
    CHECK_INT_EQ(gdir_geocoder_reverse(geo, 0, 0, 1, (enum gdir_geo_type)42, r, 1, &n, &err),
                 GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "type");
    CHECK_INT_EQ(gdir_geocoder_reverse(geo, 0, 0, 0, 0, r, 0, &n, &err), GDIR_OK);
    CHECK_INT_EQ(n, 0);
    /* an index without addresses answers with communes */
    CHECK_INT_EQ(gdir_geocoder_reverse(geo_empty, PIER_LAT, PIER_LON, 0, 0, r, 2, &n, &err),
                 GDIR_OK);
    CHECK_INT_EQ(n, 2);
    CHECK_STR_EQ(r[0].label, "Pierrefitte-sur-Aire");
    CHECK_INT_EQ(gdir_geocoder_reverse(geo_empty, PIER_LAT, PIER_LON, 1, GDIR_GEO_STREET, r, 2,
                                       &n, &err), GDIR_OK);
    CHECK_INT_EQ(n, 0);
}

static void test_empty_index(void)
{
    struct gdir_geocode_result r[8];
    CHECK(search(geo_empty, "pierrefitte sur aire", r) >= 1);
    CHECK_INT_EQ(r[0].type, GDIR_GEO_MUNICIPALITY);
    CHECK_STR_EQ(r[0].label, "Pierrefitte-sur-Aire");
    CHECK_INT_EQ(search(geo_empty, "4 rue de l'eglise", r), 0);
}

/* A query that must fail with GDIR_EINVAL naming param. */
static void bad(const struct gdir_geocode_query *q, const char *param)
{
    struct gdir_geocode_result r[2];
    struct gdir_err err;
    size_t n = 99;
    int rc = gdir_geocoder_search(geo, q, r, 2, &n, &err);
    if (rc != GDIR_EINVAL || strcmp(err.param, param) != 0 || n != 0)
        CHECK_FAIL_("bad query (%s): rc %d, param \"%s\", n %zu", param, rc, err.param, n);
    CHECK(err.msg[0] != '\0');
}

static void test_bad_input(void)
{
    struct gdir_geocode_query q;
    memset(&q, 0, sizeof q);
    bad(&q, "q");                                       /* nothing at all */
    q.text = "";
    bad(&q, "q");
    q.text = "   !!! ,,, ";
    bad(&q, "q");
    q.text = "rue \xff\xfe";
    bad(&q, "q");
    q.text = "rue \xc3";                                /* truncated UTF-8 sequence */
    bad(&q, "q");
    q.text = "rue de l'eglise";
    q.postcode = "5526";
    bad(&q, "postcode");
    q.postcode = "55260x";
    bad(&q, "postcode");
    q.postcode = NULL;
    q.insee = "5538";
    bad(&q, "citycode");
    q.insee = NULL;
    q.housenumber = "douze";
    bad(&q, "housenumber");
    q.housenumber = NULL;
    q.has_point = 1;
    q.lat = NAN;
    bad(&q, "lat");
    q.lat = 48;
    q.lon = 181;
    bad(&q, "lon");
    q.has_point = 0;
    q.has_type = 1;
    q.type = (enum gdir_geo_type)7;
    bad(&q, "type");
    q.has_type = 0;
    q.text = NULL;
    q.street = "\xe0\x80\x80";                          /* overlong encoding */
    bad(&q, "street");
    q.street = NULL;
    q.city = "";
    bad(&q, "city");
}

static void test_hostile(void)
{
    struct gdir_geocode_result r[GDIR_GEO_RESULTS_MAX];
    struct gdir_geocode_query q;
    struct gdir_err err;
    size_t n;
    char *huge = malloc(100001);

    if (!huge)
        return;
    memset(&q, 0, sizeof q);
    /* 100 kB: refused, not read */
    memset(huge, 'a', 100000);
    huge[100000] = '\0';
    q.text = huge;
    CHECK_INT_EQ(gdir_geocoder_search(geo, &q, r, 5, &n, &err), GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "q");
    /* the longest text accepted, made of many words and of one long word */
    for (size_t i = 0; i < GDIR_GEO_TEXT_MAX; i++)
        huge[i] = i % 4 == 3 ? ' ' : "rue"[i % 4];
    huge[GDIR_GEO_TEXT_MAX] = '\0';
    CHECK_INT_EQ(gdir_geocoder_search(geo, &q, r, 5, &n, &err), GDIR_OK);
    memset(huge, 'e', GDIR_GEO_TEXT_MAX);
    CHECK_INT_EQ(gdir_geocoder_search(geo, &q, r, 5, &n, &err), GDIR_OK);
    CHECK_INT_EQ(n, 0);
    /* ligatures and multi-byte letters grow when folded: still within the buffer */
    size_t len = 0;
    while (len + 2 <= GDIR_GEO_TEXT_MAX) {
        huge[len++] = '\xc5';                       /* œ → oe */
        huge[len++] = '\x93';
    }
    huge[len] = '\0';
    CHECK_INT_EQ(gdir_geocoder_search(geo, &q, r, 5, &n, &err), GDIR_OK);
    q.autocomplete = 1;
    CHECK_INT_EQ(gdir_geocoder_search(geo, &q, r, 5, &n, &err), GDIR_OK);
    /* SQL, quotes, control characters, other scripts: just text */
    q.text = "1'); DROP TABLE addresses; -- \" \t\r\n %00 \xce\xb1\xce\xb2 \xe5\x8c\x97";
    CHECK_INT_EQ(gdir_geocoder_search(geo, &q, r, 5, &n, &err), GDIR_OK);
    /* a single letter with autocomplete: a wide prefix */
    q.text = "r";
    CHECK_INT_EQ(gdir_geocoder_search(geo, &q, r, 5, &n, &err), GDIR_OK);
    q.text = "9999999999999999999999 rue de l'eglise";
    CHECK_INT_EQ(gdir_geocoder_search(geo, &q, r, 5, &n, &err), GDIR_OK);
    q.text = "99999 rue de l'eglise pierrefitte";
    CHECK_INT_EQ(gdir_geocoder_search(geo, &q, r, 5, &n, &err), GDIR_OK);
    /* max 0 and max above the cap */
    q.text = "rue";
    CHECK_INT_EQ(gdir_geocoder_search(geo, &q, r, 0, &n, &err), GDIR_OK);
    CHECK_INT_EQ(n, 0);
    CHECK_INT_EQ(gdir_geocoder_search(geo, &q, r, 100000, &n, &err), GDIR_OK);
    CHECK(n <= GDIR_GEO_RESULTS_MAX);
    free(huge);
}

struct worker {
    int id;
    int mismatches;
};

static const char *const thread_queries[] = {
    "4 Rue de l'Église 55260 Pierrefitte-sur-Aire", "6 r de l eglise pierrefitte",
    "2 bd st michel", "seuil d argonne", "10 bis rue de l'eglise", "le moulin", "pierref",
    "12 rue inconnue 55260 pierrefitte sur aire", "4 av du general leclerc", "grande rue",
};
#define NTQ (sizeof thread_queries / sizeof thread_queries[0])
static struct gdir_geocode_result expected[NTQ][5];
static size_t expected_n[NTQ];

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    for (int round = 0; round < 2000; round++) {
        size_t k = (size_t)(round + w->id) % NTQ;
        struct gdir_geocode_query q;
        struct gdir_geocode_result r[5];
        struct gdir_err err;
        size_t n = 0;
        memset(&q, 0, sizeof q);
        q.text = thread_queries[k];
        q.autocomplete = 1;
        if (gdir_geocoder_search(geo, &q, r, 5, &n, &err) != GDIR_OK || n != expected_n[k]) {
            w->mismatches++;
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if (strcmp(r[i].label, expected[k][i].label) != 0 || r[i].lat != expected[k][i].lat ||
                r[i].score != expected[k][i].score)
                w->mismatches++;
        if (round % 10 == 0) {
            gdir_geocoder_reverse(geo, PIER_LAT + (double)k * STEP, PIER_LON, 0, 0, r, 5, &n,
                                  &err);
            if (n != 5)
                w->mismatches++;
        }
    }
    return NULL;
}

static void test_threads(void)
{
    pthread_t th[4];
    struct worker w[4];
    for (size_t k = 0; k < NTQ; k++) {
        struct gdir_geocode_query q;
        struct gdir_err err;
        memset(&q, 0, sizeof q);
        q.text = thread_queries[k];
        q.autocomplete = 1;
        CHECK_INT_EQ(gdir_geocoder_search(geo, &q, expected[k], 5, &expected_n[k], &err), GDIR_OK);
        CHECK(expected_n[k] > 0);
    }
    for (int i = 0; i < 4; i++) {
        w[i].id = i;
        w[i].mismatches = 0;
        CHECK_INT_EQ(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT_EQ(w[i].mismatches, 0);
    }
}

static void test_types(void)
{
    enum gdir_geo_type t;
    CHECK_STR_EQ(gdir_geo_type_name(GDIR_GEO_HOUSENUMBER), "housenumber");
    CHECK_STR_EQ(gdir_geo_type_name(GDIR_GEO_MUNICIPALITY), "municipality");
    CHECK_INT_EQ(gdir_geo_type_parse("locality", &t), GDIR_OK);
    CHECK_INT_EQ(t, GDIR_GEO_LOCALITY);
    CHECK_INT_EQ(gdir_geo_type_parse("city", &t), GDIR_EINVAL);
    CHECK_INT_EQ(gdir_geo_type_parse(NULL, &t), GDIR_EINVAL);
}

static void test_open_errors(void)
{
    struct gdir_geocoder *g = (struct gdir_geocoder *)1;
    struct gdir_err err;
    sqlite3 *db = NULL;
    CHECK_INT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
    CHECK(gdir_geocoder_open(&g, db, &err) == GDIR_EDB);       /* no such tables */
    CHECK(g == NULL);
    CHECK(strstr(err.msg, "communes") != NULL);
    sqlite3_close(db);
    gdir_geocoder_free(NULL);
}

static void test_teardown(void)
{
    char path[128];
    gdir_geocoder_free(geo);
    gdir_geocoder_free(geo_empty);
    snprintf(path, sizeof path, "%s/full.sqlite", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/empty.sqlite", dir);
    unlink(path);
    CHECK_INT_EQ(rmdir(dir), 0);
}

static const struct check_case cases[] = {
    { "setup", test_setup },
    { "exact", test_exact },
    { "abbreviations", test_abbreviations },
    { "accents_case_elisions", test_accents_case_elisions },
    { "bis_ter", test_bis_ter },
    { "typos", test_typos },
    { "interpolation", test_interpolation },
    { "fallbacks", test_fallbacks },
    { "filters", test_filters },
    { "autocomplete", test_autocomplete },
    { "proximity", test_proximity },
    { "reverse", test_reverse },
    { "empty_index", test_empty_index },
    { "bad_input", test_bad_input },
    { "hostile", test_hostile },
    { "threads", test_threads },
    { "types", test_types },
    { "open_errors", test_open_errors },
    { "teardown", test_teardown },
};

CHECK_MAIN(cases)
