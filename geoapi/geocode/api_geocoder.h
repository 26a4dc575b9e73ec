/*
 * api_geocoder.h — the address geocoder index of geodir-api, shared by every worker thread:
 * one index per database generation, not one per connection.
 *
 * The index (geocode/gdir_geocoder.h, ~85 bytes per address, ~0.2 s to build for a
 * département) is the API_GEN_GEOCODER slot of the generation's shared cache (db/api_gen.h):
 * built on first use from the asking thread's connection with no global lock held, while other
 * threads asking for the same generation wait for it on the generation's condition variable.
 * When the server moves to a new database file (api_dbpool reopens each thread's connection on
 * a swap), the first request that comes with the new file's build builds the new generation's
 * index; a worker still serving the previous generation keeps answering from that one, and
 * never waits for the new build. Each request holds a reference to the generation while it
 * uses the index; the last reference frees it.
 *
 * With the index come what BAN-style answers need besides the geocoder: the licence and
 * attribution of each address source (a BANO answer is ODbL, a BAN one Licence Ouverte), and an
 * `importance` per commune.
 */
#ifndef API_GEOCODER_H
#define API_GEOCODER_H

#include <stddef.h>

#include "gdir_err.h"

struct api_db;
struct api_gen;
struct api_geo_weight;
struct gdir_geocoder;

/* An address source, as the answers cite it. */
struct api_geo_source {
    char name[64];          /* sources.name */
    char licence[32];       /* "ODbL-1.0", "etalab-2.0", as the source declares it */
    char attribution[192];  /* "© les contributeurs d'OpenStreetMap, BANO", "BAN", ... */
};

/* One generation's index. Read-only once built; shared by any number of threads. */
struct api_geocoder {
    struct gdir_geocoder *g;            /* owned */
    struct api_gen *gen;                /* the generation whose slot it is (db/api_gen.h) */
    struct api_geo_source *sources;     /* owned: the sources that have addresses */
    size_t n_sources;
    char licence[128];                  /* every source's licence, ", "-joined ("" if none) */
    char attribution[400];              /* every source's attribution, ", "-joined */
    struct api_geo_weight *weights;     /* owned: importance per commune, sorted by INSEE */
    size_t n_weights;
};

/* The index of db's generation, building it when needed (from db's connection: db must be the
 * calling thread's own). On success *out is held (a reference to its generation), to be given
 * back with api_geocoder_release() once the request is done with it. Errors: GDIR_EUNAVAIL
 * when the index cannot be built (logged once; remembered for the generation, so that later
 * requests on the same database fail at once instead of retrying). Thread-safe. */
int api_geocoder_acquire(struct api_db *db, struct api_geocoder **out, struct gdir_err *err);

/* Gives back the reference taken by api_geocoder_acquire(). NULL-safe. Thread-safe. */
void api_geocoder_release(struct api_geocoder *ix);

/* The source named name (a result's `source`), or NULL. Borrowed from ix. */
const struct api_geo_source *api_geocoder_source(const struct api_geocoder *ix, const char *name);

/* The importance (0..1) of a result in commune insee: log(1 + addresses of the commune) /
 * log(1 + addresses of the commune that has most), 0 for a commune without addresses. */
double api_geocoder_importance(const struct api_geocoder *ix, const char *insee);

#endif
