/*
 * api_pindex.h — the places of one database file in memory, on a grid, for the search engine
 * (api_search.c): what a search needs to test, count, facet and rank every candidate (point,
 * public id, folded name, category, commune, opening hours), without one SQLite row per
 * candidate. The rows of the page are still read from SQLite (api_q_place_by_fid).
 *
 * One index per database file (its build_id), shared by every connection that reads that file:
 * the first search of a connection takes a reference (building the index if no connection has
 * it yet, from that connection, under a process-wide mutex), api_db_close gives it back, and
 * the last reference frees it. An index is immutable once built, so searches read it without
 * locking. Served files never change in place (the importer renames a new file over the old
 * one), so an index stays exact for the life of its connections.
 *
 * Layout: places sorted by grid cell (row-major; cells of about 8 places on average over the
 * data's extent) and by name within a cell, one 48-byte record each, strings in one arena in
 * about the same order. Memory:
 * about 56 bytes per place plus its id and folded name (about 90 MB for 1M generated places);
 * building reads the places table once (about 2 s for 1M).
 *
 * The full-text index in memory (struct api_pindex_text): the terms of places_fts with, for
 * each, the places whose name holds it (by name length, the best bm25 first, then by position,
 * so in grid order), how often, and the name's length in tokens: what a text search needs to match and score every place exactly
 * like FTS5 and geodir_bm25 (db/api_bm25.h) without asking SQLite per row. Read from the
 * index's own instances (fts5vocab), so it holds exactly what FTS5 holds; not built (the
 * search then goes through FTS5) when anything does not add up, or when the environment
 * variable GEODIR_SEARCH_EXHAUSTIVE is set to anything but 0 (the exhaustive path, for
 * comparisons). About 8 bytes per token and 5 per place (36 MB for 1M generated places,
 * about 2-4 s to build).
 */
#ifndef API_PINDEX_H
#define API_PINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "api_queries.h"

/* Per place, in grid order: 48 bytes, what a candidate needs in one or two cache lines. */
struct api_pindex_place {
    double lat, lon;     /* exact stored coordinates (the geometry blob's doubles) */
    long long fid;       /* places.fid */
    uint32_t id;         /* offset of the public id in the arena */
    uint32_t name;       /* offset of the folded name in the arena */
    uint32_t name_rank;  /* rank in (folded name, id) order: 0 first */
    int32_t hours;       /* index in hours[], -1 without opening hours */
    uint16_t category;   /* index in categories[] */
    uint16_t insee;      /* index in insee[] (0: no commune code) */
};

/* A distinct string of a column, with what the engine derives from it. */
struct api_pindex_code {
    const char *text;    /* in the arena; NULL for insee[0] */
    int row;             /* categories: taxonomy row, -1 if unknown; insee: index in the
                          * connection's commune list (api_db.communes), -1 if unlisted */
};

/* The postings of one term whose names have one length: postings[term.first + start ..
 * + the next bucket's start (or term.n)), by position. */
struct api_pindex_bucket {
    uint32_t start;      /* offset in the term's postings */
    uint16_t tokens;     /* the names' length in tokens */
};

/* One place holding a term. */
struct api_pindex_posting {
    uint32_t pos;        /* position in pl[] */
    uint16_t freq;       /* occurrences of the term in the name */
    uint16_t tokens;     /* the name's length in tokens */
};

struct api_pindex_term {
    uint32_t text;       /* offset of the term's bytes (NUL-terminated) in strings */
    uint32_t len;
    size_t first;        /* its postings: postings[first .. first + n), by name length
                          * (buckets) then position */
    size_t n;
    size_t first_bucket; /* its buckets: buckets[first_bucket .. + n_buckets), by length */
    uint32_t n_buckets;
    uint16_t max_freq;   /* the largest freq of its postings */
    uint16_t min_tokens; /* the smallest tokens of its postings */
};

struct api_pindex_text {
    struct api_pindex_term *terms;     /* owned, sorted by bytes (memcmp) */
    size_t n_terms;
    char *strings;                     /* owned */
    struct api_pindex_posting *postings;   /* owned */
    size_t n_postings;
    struct api_pindex_bucket *buckets;     /* owned */
    size_t n_buckets;
    unsigned char *plain;              /* owned, per position: 1 when the name's tokens are,
                                        * in order, the words of its folded name (then a word
                                        * of q is a word of the folded name exactly when the
                                        * name holds that token) */
    long long n_rows, n_tokens;        /* FTS5's totals: avgdl = n_tokens / n_rows */
    uint32_t *id_rank;                 /* owned, per position: rank of the public id in strcmp
                                        * order (ties of score are broken by id) */
};

struct api_pindex {
    size_t n;
    struct api_pindex_place *pl;       /* owned, n */
    char *arena;                       /* owned: every string */
    size_t arena_len;
    struct api_pindex_code *categories, *insee;   /* owned */
    size_t n_categories, n_insee;
    const char **hours;                /* owned array; strings in the arena */
    size_t n_hours;
    /* Grid: cell (cx, cy) covers lon0 + cx*dlon .. + dlon, lat0 + cy*dlat .. + dlat; its
     * places are cell_start[cy*nx + cx] .. cell_start[cy*nx + cx + 1] - 1. */
    double lon0, lat0, dlon, dlat;
    unsigned nx, ny;
    uint32_t *cell_start;              /* owned, nx*ny + 1 */
    /* fid -> position: pos_of_fid[fid - min_fid] (UINT32_MAX: none). */
    long long min_fid;
    size_t n_fid;
    uint32_t *pos_of_fid;              /* owned */
    /* fid -> length of the name in tokens in the full-text index (places_fts_docsize), for
     * geodir_bm25 (db/api_bm25.h): tokens[fid - min_fid], UINT16_MAX unknown; NULL when the
     * full-text index could not be read. By fid, not by position: full-text hits come in fid
     * order, so these reads are sequential. */
    uint16_t *tokens;                  /* owned */
    struct api_pindex_text *text;      /* owned; NULL: text searches go through FTS5 */
};

/* The index of db's file: db->pindex when the connection has one, else the one of its
 * database generation (db/api_gen.h: db takes a reference to the generation, given back by
 * api_db_close), built from db by the first connection of that generation to ask, outside any
 * global lock; the others of that generation wait for it, no other generation does. Returns
 * NULL when it cannot be built (logged once per connection, then remembered: searches go
 * through SQLite as before). Thread-safe; db must be the calling thread's connection. */
const struct api_pindex *api_pindex_get(struct api_db *db);
/* (api_db_drop_gen, db/api_queries.h, gives the reference back early.) */

/* Calls fn for every place whose point lies in box (inclusive), as a candidate (bm25 0). */
int api_pindex_box(const struct api_pindex *ix, const struct gdir_bbox *box,
                   api_candidate_fn *fn, void *cls);

/* Calls fn for every place, or only those of commune insee / category code when not NULL. */
int api_pindex_scan(const struct api_pindex *ix, const char *insee, const char *category,
                    api_candidate_fn *fn, void *cls);

/* Calls fn for the place with row id fid, with that bm25; 0 without calling it when there is
 * no such place. */
int api_pindex_fid(const struct api_pindex *ix, long long fid, double bm25,
                   api_candidate_fn *fn, void *cls);

/* Calls fn for the place at position pos of pl[] (< n), with that bm25. */
int api_pindex_at(const struct api_pindex *ix, size_t pos, double bm25, api_candidate_fn *fn,
                  void *cls);

/* The terms of the in-memory full-text index equal to text[0..len) (prefix 0: at most one)
 * or starting with it (prefix 1): terms[*from .. *to). */
void api_pindex_text_terms(const struct api_pindex_text *t, const char *text, size_t len,
                           int prefix, size_t *from, size_t *to);

/* The grid cell holding position pos, searched forward from cell `from` (<= that cell). */
size_t api_pindex_cell_of(const struct api_pindex *ix, size_t pos, size_t from);

/* A full-text hit: row id and score. */
struct api_pindex_hit {
    long long fid;
    double bm25;
};

/* api_pindex_fid for each of n hits, in order, fetching the records and names of the next hits
 * ahead of time (hits land all over the index: memory latency was most of their cost). */
int api_pindex_hits(const struct api_pindex *ix, const struct api_pindex_hit *hits, size_t n,
                    api_candidate_fn *fn, void *cls);

/* The exact number of places in box (bounds included): whole cells inside it are counted
 * without looking at their places. */
long long api_pindex_count_box(const struct api_pindex *ix, const struct gdir_bbox *box);

/* The exact number of places p with gdir_haversine_m(lat, lon, p) <= r (the engine's test):
 * cells whose corners are all within r are counted whole, the others place by place. -1 when
 * the circle is too small (r < 1 m), too large, polar or crosses the antimeridian. */
long long api_pindex_count_circle(const struct api_pindex *ix, double lat, double lon, double r);

/* Calls fn for the k places of box (bounds included) first in (folded name, id) order, or all
 * of them when it holds fewer, in no particular order. Cells keep their places in that order,
 * so a cell is left at its first place that cannot be among the k. */
int api_pindex_box_by_name(const struct api_pindex *ix, const struct gdir_bbox *box, size_t k,
                           api_candidate_fn *fn, void *cls);

/* A first radius (metres) for a search of the k nearest places of (lat, lon): about twice the
 * radius that holds k places at the density of the cells around the point, within
 * [min_m, max_m]. */
double api_pindex_k_radius(const struct api_pindex *ix, double lat, double lon, long k,
                           double min_m, double max_m);

#endif
