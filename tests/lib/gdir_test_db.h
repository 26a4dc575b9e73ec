/*
 * gdir_test_db.h — C helpers shared by the tests that build a SpatiaLite database of their own
 * (tests/unit/test_geocoder.c, tests/geocode/eval_bano.c): one address row of the addresses
 * table, bound into the statement that inserts it. Header only; include it with
 * tests/lib on the include path.
 */
#ifndef GDIR_TEST_DB_H
#define GDIR_TEST_DB_H

#include <sqlite3.h>

/* The columns of an address a test writes (what the geocoder reads). */
struct gdir_test_address {
    const char *id, *housenumber, *street, *postcode, *insee, *city;   /* housenumber may be NULL */
    double lat, lon;
};

/* Binds a to ?1..?8 of st, a NULL housenumber as NULL, steps it and resets it. st inserts into
 * addresses(id, housenumber, street, postcode, insee, city, source, licence, geom) the VALUES
 * (?1, ?2, ?3, ?4, ?5, ?6, <source>, <licence>, MakePoint(?8, ?7, 4326)); its own further
 * columns, bound by the caller beforehand, are ?9 on. Returns the sqlite3_step code
 * (SQLITE_DONE on success). */
static inline int gdir_test_insert_address(sqlite3_stmt *st, const struct gdir_test_address *a)
{
    sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->housenumber, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->street, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, a->postcode, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, a->insee, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, a->city, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 7, a->lat);
    sqlite3_bind_double(st, 8, a->lon);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc;
}

#endif
