/*
 * imp_geocode.h — placing a place record that has an address but no usable point, with the
 * geocoder of geocode/ (gdir_geocoder.h) over the addresses and communes already written to
 * the new database.
 *
 * The geocoder index is built on the first record that needs it (an import without such
 * records never builds it). The query is structured when the profile maps a street
 * (housenumber + street), else the address text; postcode, INSEE code and city constrain it.
 * When the whole address finds no house number, each line of a multi-line address is tried
 * alone, then the text from each later word that starts with a digit ("Maison des services
 * 42 rue Berne" -> "42 rue Berne"); the most precise result wins. A result is usable when it is an
 * address or street matched with a score of at least IMP_GEOCODE_MIN_SCORE, or the commune's
 * centre when the record names its commune (INSEE code, postcode or city).
 */
#ifndef IMP_GEOCODE_H
#define IMP_GEOCODE_H

#include <sqlite3.h>

#include "gdir_buf.h"
#include "gdir_err.h"
#include "imp_record.h"
#include "imp_report.h"

#define IMP_GEOCODE_MIN_SCORE 0.5

struct gdir_geocoder;

struct imp_geocode {
    sqlite3 *db;                  /* borrowed: the new database */
    struct gdir_geocoder *g;      /* owned, built on first use */
    struct gdir_buf text;         /* the query text */
    long queries;                 /* records geocoded (for the log) */
};

/* Where the geocoder found a record. */
struct imp_geocode_hit {
    double lon, lat;
    double score;
    enum imp_geo_precision precision;
    char citycode[8];             /* INSEE code of the result */
};

void imp_geocode_init(struct imp_geocode *gc, sqlite3 *db);
void imp_geocode_free(struct imp_geocode *gc);

/* Geocodes r. Returns 1 with *hit filled, 0 when nothing usable was found, or a negative
 * code (the index could not be built). */
int imp_geocode_record(struct imp_geocode *gc, const struct imp_record *r,
                       struct imp_geocode_hit *hit, struct gdir_err *err);

#endif
