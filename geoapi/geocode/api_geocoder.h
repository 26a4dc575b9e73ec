/*
 * api_geocoder.h — the address geocoder index of geodir-api, shared by every worker thread:
 * one index per database generation, not one per connection.
 *
 * The index (geocode/gdir_geocoder.h, ~85 bytes per address, ~0.2 s to build for a
 * département) is built on first use from the asking thread's connection, under a mutex, while
 * other threads asking for the same generation wait for it. When the server moves to a new
 * database file (api_dbpool reopens each thread's connection on a swap), the first request that
 * comes with the new file's build builds the new index and makes it current; requests in flight
 * keep the old one alive through their reference, and the last release frees it. A thread
 * whose connection still reads the previous file (for up to a second after a swap) is given the
 * current, newer index rather than rebuilding the old one.
 *
 * With the index come what BAN-style answers need besides the geocoder: the licence and
 * attribution of each address source (a BANO answer is ODbL, a BAN one Licence Ouverte), and an
 * `importance` per commune.
 */
#ifndef API_GEOCODER_H
#define API_GEOCODER_H

#include <pthread.h>
#include <stddef.h>

#include "gdir_err.h"

struct api_db;
struct api_geo_weight;
struct gdir_geocoder;

/* An address source, as the answers cite it. */
struct api_geo_source {
    char name[64];          /* sources.name */
    char licence[32];       /* "ODbL-1.0", "etalab-2.0", as the source declares it */
    char attribution[192];  /* "© les contributeurs d'OpenStreetMap, BANO", "BAN", ... */
};

/* One generation of the index. Read-only once published (but for refs, under the holder's
 * mutex); shared by any number of threads. */
struct api_geocoder {
    struct gdir_geocoder *g;            /* owned */
    char build_id[160];                 /* the database build it was made from (api_db) */
    struct api_geo_source *sources;     /* owned: the sources that have addresses */
    size_t n_sources;
    char licence[128];                  /* every source's licence, ", "-joined ("" if none) */
    char attribution[400];              /* every source's attribution, ", "-joined */
    struct api_geo_weight *weights;     /* owned: importance per commune, sorted by INSEE */
    size_t n_weights;
    unsigned refs;                      /* holders + requests using it (under the mutex) */
};

/* The holder: the current generation, and what is being built. */
struct api_geocoders {
    pthread_mutex_t mu;
    pthread_cond_t built;           /* signalled when a build ends */
    struct api_geocoder *current;   /* counted in its refs; NULL before the first build */
    int building;                   /* a thread is building (the mutex is not held meanwhile) */
    char replaced[4][160];          /* build ids of the last generations replaced (ring) */
    unsigned n_replaced;
    char failed[160];               /* build id whose index could not be built ("" if none) */
    int ok;                         /* mutex and condition initialised */
};

/* Prepares an empty holder. Returns 0 or GDIR_EINTERNAL. */
int api_geocoders_init(struct api_geocoders *h, struct gdir_err *err);

/* Frees the current generation. Call once no request runs (after the HTTP daemon stopped).
 * NULL-safe and idempotent. */
void api_geocoders_destroy(struct api_geocoders *h);

/* The index for db's generation, building it when needed (from db's connection: db must be the
 * calling thread's own). On success *out holds a reference, to be given back with
 * api_geocoder_release() once the request is done with it. Errors: GDIR_EUNAVAIL when the
 * index cannot be built (logged; remembered, so that later requests on the same database fail
 * at once instead of retrying). Thread-safe. */
int api_geocoder_acquire(struct api_geocoders *h, struct api_db *db, struct api_geocoder **out,
                         struct gdir_err *err);

/* Gives back a reference taken by api_geocoder_acquire(). NULL-safe. Thread-safe. */
void api_geocoder_release(struct api_geocoders *h, struct api_geocoder *ix);

/* The source named name (a result's `source`), or NULL. Borrowed from ix. */
const struct api_geo_source *api_geocoder_source(const struct api_geocoder *ix, const char *name);

/* The importance (0..1) of a result in commune insee: log(1 + addresses of the commune) /
 * log(1 + addresses of the commune that has most), 0 for a commune without addresses. */
double api_geocoder_importance(const struct api_geocoder *ix, const char *insee);

#endif
