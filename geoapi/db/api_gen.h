/*
 * api_gen.h — the shared caches of one database generation: what is built once from a
 * database file and read by every thread serving it (the place index and its copy of the
 * full-text index, search/api_pindex.h; the full-text vocabulary, search/api_vocab.h; the
 * address geocoder index, geocode/api_geocoder.h), held by one reference-counted object per
 * generation.
 *
 * A generation is named by its connection's build_id (api_queries.h: built_at and the identity
 * of the file opened). A connection takes a reference to its generation on first need
 * (api_gen_acquire) and gives it back when it closes (api_gen_release); a user of a slot's
 * object may take a reference of its own for as long as it keeps the object (api_gen_hold: a
 * request keeps the geocoder index that way). The last reference frees the generation and
 * every slot built in it, outside any lock.
 *
 * Each slot is built once, by the first thread that asks for it, with no global lock held: the
 * process-wide registry's mutex only guards finding or adding a generation (a string compare
 * per live generation), and a generation's own mutex only guards its slots' states. Threads
 * asking for a slot that is being built wait on that generation's condition variable; threads
 * of any other generation never wait for it. So a database swap never stalls a worker that is
 * still serving the previous generation.
 *
 * db/ knows the slots by number only: their builders and destructors belong to the modules
 * that own their types (search/, geocode/), which keeps db/ free of includes from them.
 *
 * Test hook: with GEODIR_TEST_HOLD_GEN=PATH in the environment and the file PATH present, a
 * slot's build creates PATH.building and waits until PATH is removed (tests/http/
 * test_api_generations.c holds one generation's build while another generation serves).
 */
#ifndef API_GEN_H
#define API_GEN_H

#include "gdir_err.h"

/* The slots of a generation. */
enum api_gen_slot {
    API_GEN_PINDEX,    /* struct api_pindex (search/api_pindex.c), with its text index */
    API_GEN_VOCAB,     /* struct api_vocab (search/api_vocab.c): the full-text vocabulary */
    API_GEN_GEOCODER,  /* struct api_geocoder (geocode/api_geocoder.c): the address index */
    API_GEN_NSLOTS
};

struct api_gen;

/* Builds a slot's object into *out from ctx (the asking thread's connection). Called with no
 * lock held. Returns 0 or a negative GDIR_E* code (err filled). */
typedef int api_gen_build_fn(void *ctx, void **out, struct gdir_err *err);

/* Frees an object built by an api_gen_build_fn. */
typedef void api_gen_free_fn(void *obj);

/* A reference to the generation named build_id, created when no live one has that name.
 * Returns 0 or GDIR_ENOMEM. Thread-safe. */
int api_gen_acquire(const char *build_id, struct api_gen **out, struct gdir_err *err);

/* One more reference to g, which the caller already holds one of. Thread-safe. */
void api_gen_hold(struct api_gen *g);

/* Gives back a reference; the last one frees the generation and its slots' objects (with
 * their free_fn). NULL-safe. Thread-safe. */
void api_gen_release(struct api_gen *g);

/* The object of slot s of g: built by this call with build(ctx) when nobody did, waited for
 * when another thread is building it. Returns NULL when building it failed (now or before:
 * a failure is remembered for the generation; err says why when this call built it). The
 * object is borrowed: valid as long as the caller's reference to g. Thread-safe. */
void *api_gen_slot(struct api_gen *g, enum api_gen_slot s, api_gen_build_fn *build,
                   api_gen_free_fn *free_fn, void *ctx, struct gdir_err *err);

/* The build id g was acquired with. Borrowed from g. */
const char *api_gen_build_id(const struct api_gen *g);

#endif
