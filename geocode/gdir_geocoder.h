/*
 * gdir_geocoder.h — French address geocoding against the database's `addresses` table (BAN,
 * BANO) and `communes` table, shared by the importer (records that have an address but no
 * point) and geoapi (the BAN-compatible /search/ and /reverse/ endpoints).
 *
 * The index is built once from a database connection (gdir_geocoder_open reads every address
 * into memory: about 100 bytes per address, so a département's 200k addresses take ~20 MB) and
 * is immutable afterwards: any number of threads may search it at once without locking.
 *
 * Matching understands French addresses as people write them: accents, case, abbreviations
 * (bd, av, rte, r, pl, chem, imp, all, st, ste, …), elisions (l', d'), "bis"/"ter"/"quater"
 * and letter suffixes (1BIS, 1 B, 8Q), postcodes and INSEE codes, commune names. Precision
 * falls back from the house number to the street, then to the commune (municipality centre):
 * the result's `type` says which was reached and `score` (0..1) how good the match is.
 */
#ifndef GDIR_GEOCODER_H
#define GDIR_GEOCODER_H

#include <sqlite3.h>
#include <stddef.h>

#include "gdir_err.h"

struct gdir_geocoder;

/* What a result is, from the most to the least precise (GeoCodeJSON "type"). */
enum gdir_geo_type {
    GDIR_GEO_HOUSENUMBER,   /* an address point (or interpolated between two on the street) */
    GDIR_GEO_STREET,        /* the street (middle of its address points) */
    GDIR_GEO_LOCALITY,      /* a lieu-dit / named place without numbers */
    GDIR_GEO_MUNICIPALITY,  /* the commune's centre */
};

/* "housenumber", "street", "locality", "municipality". */
const char *gdir_geo_type_name(enum gdir_geo_type t);

/* Parses a type name; returns 0 or GDIR_EINVAL. */
int gdir_geo_type_parse(const char *s, enum gdir_geo_type *out);

/* A query. Either `text` (free text, "12 r de l'Eglise 55260 Pierrefitte") or the structured
 * fields (housenumber, street, postcode, insee, city) may be given, or both: structured fields
 * then constrain the free text. Strings are borrowed, UTF-8, may be NULL. */
struct gdir_geocode_query {
    const char *text;
    const char *housenumber;
    const char *street;
    const char *postcode;     /* filter: results must have this postcode */
    const char *insee;        /* filter: results must be in this commune (citycode) */
    const char *city;
    int has_type;             /* when set, only results of this type */
    enum gdir_geo_type type;
    int has_point;            /* when set, results near (lat, lon) are preferred */
    double lat, lon;
    int autocomplete;         /* the last word of text may be a prefix */
};

#define GDIR_GEO_LABEL_MAX 256
#define GDIR_GEO_TEXT_MAX 512       /* bytes of free text (q) accepted */
#define GDIR_GEO_FIELD_MAX 256      /* bytes of each structured field accepted */
#define GDIR_GEO_RESULTS_MAX 100    /* results returned at most by one call */

/* A result. Every string is a NUL-terminated copy (the result owns nothing else). */
struct gdir_geocode_result {
    double lat, lon;                     /* WGS84 */
    double score;                        /* 0..1, higher is better */
    enum gdir_geo_type type;
    int interpolated;                    /* 1 when a house number was placed between two */
    char label[GDIR_GEO_LABEL_MAX];      /* "12 Rue de l'Église 55260 Pierrefitte-sur-Aire" */
    char name[GDIR_GEO_LABEL_MAX];       /* "12 Rue de l'Église" / street / commune name */
    char housenumber[32];                /* "" unless type is housenumber */
    char street[GDIR_GEO_LABEL_MAX];     /* "" for a municipality */
    char postcode[8];
    char citycode[8];                    /* INSEE code */
    char city[128];
    char id[64];                         /* the address id in its source; a street's id in its
                                          * source ("55386_0010"), "" if unknown; a commune's
                                          * INSEE code; "" for an interpolated number */
    char source[64];                     /* the source name (for the licence), "" for communes */
    double distance_m;                   /* reverse geocoding, or when has_point; else 0 */
};

/* Builds the index from db's `addresses` and `communes` tables (db is only read during the
 * call; it is not kept). Addresses without a housenumber, or with BAN's 99999 (a lieu-dit),
 * are street-level points; a street without numbered points whose name does not start with
 * a street-type word is a locality. Rows with invalid UTF-8, no INSEE code or coordinates out
 * of range are skipped. A commune's centre is the centroid of its geometry (the point on
 * surface when the centroid falls outside); a commune without geometry is centred on its
 * address point nearest the mean of its points, and one with neither is never a municipality
 * result. Communes missing from `communes` are named after their addresses'
 * city. Returns 0 or a negative code with err filled. *out owned: free with
 * gdir_geocoder_free. An empty addresses table is fine: only communes are found then. */
int gdir_geocoder_open(struct gdir_geocoder **out, sqlite3 *db, struct gdir_err *err);

/* Frees the index. NULL-safe. No search may be running on it. */
void gdir_geocoder_free(struct gdir_geocoder *g);

/* Number of address points indexed. */
size_t gdir_geocoder_size(const struct gdir_geocoder *g);

/* Finds up to max (at most GDIR_GEO_RESULTS_MAX) results for q, best first, into out; *n
 * receives how many (0 is a valid answer). Results below score 0.1 are not returned.
 * Errors are GDIR_EINVAL with err->param naming the field with the BAN API's parameter names:
 * "q" (text), "street", "city", "housenumber", "postcode", "citycode" (insee), "lat", "lon",
 * "type" — for a field too long (GDIR_GEO_TEXT_MAX / GDIR_GEO_FIELD_MAX), not valid UTF-8, of
 * the wrong shape (postcode: 5 digits; citycode: an INSEE code), out of range, or a query
 * with nothing to search (no word in text/street/city and no insee/postcode).
 * A result of type housenumber with `interpolated` set has no `id` (no such point exists).
 * Cost: one small malloc (the folded text) and bounded stack arrays (~25 KB). Thread-safe. */
int gdir_geocoder_search(const struct gdir_geocoder *g, const struct gdir_geocode_query *q,
                         struct gdir_geocode_result *out, size_t max, size_t *n,
                         struct gdir_err *err);

/* Finds up to max address points (or, with has_type, results of that type) nearest to
 * (lat, lon), nearest first, with distance_m and a score of 1 / (1 + distance / 100 m).
 * Without a type, unnumbered points give street/locality results. Municipality results are
 * the nearest commune centres (no polygon test). Errors: GDIR_EINVAL naming "lat", "lon" or
 * "type". No allocation. Thread-safe. */
int gdir_geocoder_reverse(const struct gdir_geocoder *g, double lat, double lon, int has_type,
                          enum gdir_geo_type type, struct gdir_geocode_result *out, size_t max,
                          size_t *n, struct gdir_err *err);

#endif
