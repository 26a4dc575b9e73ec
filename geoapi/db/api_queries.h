/*
 * api_queries.h — every SQL statement of geodir-api and the functions that run them.
 *
 * One struct api_db is one read-only SQLite connection (SpatiaLite loaded) with all statements
 * prepared once (SQLITE_PREPARE_PERSISTENT) when it is opened. A connection belongs to one
 * thread (api_dbpool.h hands out one per worker); nothing here locks.
 *
 * Row callbacks receive borrowed strings that are valid only during the callback (they come
 * from sqlite3_column_text): copy what you keep. A callback returning non-zero stops the
 * iteration and that value is returned.
 */
#ifndef API_QUERIES_H
#define API_QUERIES_H

#include <sqlite3.h>
#include <stdint.h>

#include "gdir_buf.h"
#include "gdir_db.h"
#include "gdir_err.h"
#include "gdir_geo.h"

enum api_stmt {
    API_Q_USER_VERSION,     /* PRAGMA user_version */
    API_Q_META,             /* one value of table meta */
    API_Q_COUNTS,           /* number of places and communes */
    API_Q_CATEGORY_COUNTS,  /* places per category code */
    API_Q_COMMUNES,         /* member communes with place counts */
    API_Q_COMMUNES_GEO,     /* the same with their boundaries as GeoJSON */
    API_Q_COMMUNE_MEMBER,   /* is this INSEE code a member commune? */
    API_Q_COMMUNE_LIST,     /* communes for the per-connection list (names, inner point) */
    API_Q_CAND_BOX,         /* search candidates: places in a box, through the R*Tree */
    API_Q_CAND_TEXT,        /* search candidates: full-text matches with their bm25 */
    API_Q_CAND_ALL,         /* search candidates: every place */
    API_Q_CAND_INSEE,       /* search candidates: the places of one commune (index) */
    API_Q_CAND_CATEGORY,    /* search candidates: the places of one category code (index) */
    API_Q_TEXT_HITS,        /* full-text matches: row id and bm25 only (the place index has
                             * the rest) */
    API_Q_VOCAB,            /* the full-text index's terms (temporary fts5vocab table) */
    API_Q_PLACE_BY_FID,     /* one place, by internal row id */
    API_Q_PLACE_BY_ID,      /* one place, by public id */
    API_Q_PLACES_BY_FIDS,   /* a page of places, by row ids (a JSON array), in its order */
    API_Q_OGC_PLACE_STATS,  /* OGC: places per (category, licence): count, extent, dates */
    API_Q_OGC_COMMUNE_STATS,   /* OGC: communes per licence: count, extent */
    API_Q_OGC_ADDRESS_STATS,   /* OGC: addresses per licence: count, extent */
    API_Q_OGC_PLACE_DATE,   /* OGC: source_date of one place, by row id */
    API_Q_OGC_COMMUNE_KEYS,    /* OGC: INSEE codes of every commune, in order */
    API_Q_OGC_COMMUNE_KEYS_BOX,   /* OGC: ... of the communes meeting a polygon (or without
                                   * geometry), through the R*Tree */
    API_Q_OGC_COMMUNE,      /* OGC: one commune with its boundary, by INSEE code */
    API_Q_OGC_ADDR_AFTER,   /* OGC: addresses after a row id, in row id order */
    API_Q_OGC_ADDR_BEFORE,  /* OGC: addresses before a row id, in reverse order */
    API_Q_OGC_ADDR_BOX_AFTER,  /* OGC: the same, in a box (R*Tree) */
    API_Q_OGC_ADDR_BOX_BEFORE,
    API_Q_OGC_ADDR_BOX_POINTS, /* OGC: the points of the addresses in a box (counting) */
    API_Q_OGC_ADDR_BY_ID,   /* OGC: one address, by source and id */
    API_Q_OGC_ADDR_COUNT,   /* OGC: number of addresses */
    API_Q_EXPORTS,          /* the full exports (table exports), in name order */
    API_Q_EXPORT_BY_NAME,   /* one full export, by file name */
    API_Q_PLACE_FOR_FORM,   /* a place field of a form: the place's category and commune */
    API_Q_COMMUNE_AT,       /* the commune whose boundary contains a point (R*Tree first) */
    API_Q_COUNT
};

/* A member commune as kept in memory by each connection (struct api_db.communes). */
struct api_commune_entry {
    char insee[8];
    char *name;          /* owned */
    char *folded;        /* gdir_text_fold(name), owned */
    char *postcodes;     /* "55250|55260", owned, NULL when unknown */
    double lat, lon;     /* a point inside its boundary; NAN without boundary */
};

/* A source as kept in memory by each connection (struct api_db.sources). */
struct api_source_entry {
    char *name, *title, *publisher;   /* owned; title and publisher NULL when absent */
};

struct api_vocab;
struct api_hours_cache;
struct api_pindex;
struct api_gen;

/* Each place's name length in tokens, by fid (tokens[fid - min_fid], UINT16_MAX unknown), for
 * geodir_bm25 (api_bm25.h); lent by the place index of the connection's generation. */
struct api_row_lengths {
    const uint16_t *tokens;            /* borrowed; NULL: FTS5 is asked */
    long long min_fid;
    size_t n_fid;
};

struct api_db {
    struct gdir_db g;                  /* the connection (read-only, query_only) */
    sqlite3_stmt *st[API_Q_COUNT];     /* prepared statements, owned */
    char build_id[160];                /* identifies the database build (ETags): built_at and
                                        * the identity of the file opened */
    struct api_commune_entry *communes;   /* owned, sorted by INSEE code */
    size_t n_communes;
    struct api_source_entry *sources;  /* owned: the sources table (a handful of rows) */
    size_t n_sources;
    long long *category_counts;        /* owned: places per taxonomy row (own category only) */
    const struct api_vocab *vocab;     /* borrowed from gen: the full-text vocabulary
                                        * (search/api_vocab.h), loaded on the first text search */
    int vocab_failed;                  /* loading it failed: searches go without typos */
    struct api_hours_cache *hours;     /* owned: parsed opening_hours of this connection */
    struct api_gen *gen;               /* a reference to this file's generation and its shared
                                        * caches (api_gen.h), taken by the first search */
    const struct api_pindex *pindex;   /* borrowed from gen: the in-memory place index
                                        * (search/api_pindex.h), NULL until the first search */
    int pindex_failed;                 /* building it failed: searches read SQLite */
    struct api_row_lengths row_lengths;   /* borrowed from the place index (zero without) */
};

/* The SQL text of a statement (for tests: EXPLAIN QUERY PLAN). Static storage. */
const char *api_q_sql(enum api_stmt which);

/* Opens path read-only (gdir_db_open with GDIR_DB_READONLY, schema version checked), creates
 * the connection's temporary fts5vocab table, prepares every statement and loads the commune
 * list and the category counts. On success *out is owned by the caller (api_db_close). */
int api_db_open(struct api_db **out, const char *path, struct gdir_err *err);

/* Finalizes the statements, gives back the connection's generation (api_gen.h) and closes
 * the connection. NULL-safe. */
void api_db_close(struct api_db *db);

/* db's database generation (api_gen.h), taking db's reference on the first call (given back by
 * api_db_close or api_db_drop_gen). NULL when out of memory (err set). */
struct api_gen *api_db_gen(struct api_db *db, struct gdir_err *err);

/* Gives back db's reference to its generation before db closes, and forgets what it borrowed
 * from it (place index, vocabulary, row lengths): later searches on db read SQLite, without
 * typo tolerance. For a connection that outlives its searches (exports/h_export.c). */
void api_db_drop_gen(struct api_db *db);

/* Switches db to locking_mode=NORMAL and mmap_size=0 and drops the shared lock it kept: from
 * then on, between two statements the connection holds no lock and maps no page (a long
 * download from a file that may be swapped). Returns 0 or GDIR_EDB. */
int api_db_unpin(struct api_db *db, struct gdir_err *err);

struct api_health {
    int schema_version;       /* PRAGMA user_version */
    char built_at[40];        /* meta 'built_at', "" when absent */
    long long places;
    long long communes;
};
int api_q_health(struct api_db *db, struct api_health *out, struct gdir_err *err);

/* Appends the territory's public JSON (meta 'territory', written by the importer) to out.
 * GDIR_ENOTFOUND when the database has none. */
int api_q_territory(struct api_db *db, struct gdir_buf *out, struct gdir_err *err);

/* Calls fn for each category code that has places, with its count. */
typedef int api_count_fn(void *cls, const char *code, long long count);
int api_q_category_counts(struct api_db *db, api_count_fn *fn, void *cls, struct gdir_err *err);

struct api_commune {
    const char *insee;
    const char *name;
    const char *postcodes;     /* "55250|55260", or NULL */
    long long population;      /* -1 when unknown */
    long long places;          /* places in this commune */
    int has_boundary;
    const char *geojson;       /* the boundary as a GeoJSON geometry, NULL when absent or not
                                * asked for */
};
typedef int api_commune_fn(void *cls, const struct api_commune *c);

/* Calls fn for each member commune, ordered by INSEE code; with_geometry selects
 * API_Q_COMMUNES_GEO (geojson filled) instead of API_Q_COMMUNES. */
int api_q_communes(struct api_db *db, int with_geometry, api_commune_fn *fn, void *cls,
                   struct gdir_err *err);

/* *member = 1 when insee is a member commune: listed in table communes or in the territory's
 * configuration (meta 'territory'). */
int api_q_commune_member(struct api_db *db, const char *insee, int *member, struct gdir_err *err);

/* A place field of the online procedures (forms/gdir_forms.h, forms_place_fn): *found = 1
 * when place id exists, its category code copied into category (cap 64) and its commune's INSEE
 * code into insee (cap 8, "" when unknown). */
int api_q_place_for_form(struct api_db *db, const char *id, int *found, char category[64],
                         char insee[8], struct gdir_err *err);

/* The value of meta `key` copied into out (cap bytes). GDIR_ENOTFOUND when absent or NULL,
 * GDIR_ETOOBIG when it does not fit. */
int api_q_meta(struct api_db *db, const char *key, char *out, size_t cap, struct gdir_err *err);

/* A full export built at import time (a row of table exports). Strings borrowed for the
 * duration of the callback. */
struct api_export_entry {
    const char *name, *dataset, *format, *licence, *media_type, *sha256, *created;
    long long size, records, excluded;
};
typedef int api_export_fn(void *cls, const struct api_export_entry *e);

/* Calls fn for every row of table exports in name order, or, with name, for that one only
 * (GDIR_ENOTFOUND when there is none). A callback returning non-zero stops and that value is
 * returned. */
int api_q_exports(struct api_db *db, const char *name, api_export_fn *fn, void *cls,
                  struct gdir_err *err);

/* One search candidate, as the search engine (api_search.c) filters and ranks it. Strings are
 * borrowed for the duration of the callback. */
struct api_candidate {
    long long fid;               /* places.fid */
    const char *id;              /* public id */
    double lat, lon;             /* exact stored coordinates */
    const char *category;
    const char *insee;           /* NULL when unknown */
    const char *opening_hours;   /* raw, NULL when absent */
    const char *name_key;        /* folded name */
    double bm25;                 /* API_CAND_TEXT: FTS5 bm25() (lower is better); else 0 */
    /* Set by the place index (api_pindex.h) only; 0 elsewhere (the engine derives them): */
    int resolved;                /* 1: cat_row, commune_row and name_rank are given */
    int cat_row;                 /* taxonomy row of category, -1 if unknown */
    int commune_row;             /* index of insee in api_db.communes, -1 if unlisted */
    long long name_rank;         /* 1 + rank in (name_key, id) order */
};
typedef int api_candidate_fn(void *cls, const struct api_candidate *c);

enum api_cand_source {
    API_CAND_BOX,     /* places whose point lies in box: R*Tree idx_places_geom, never a scan */
    API_CAND_TEXT,    /* places matching the FTS5 expression `match` (api_vocab_fts_query) */
    API_CAND_ALL,     /* every place */
    API_CAND_INSEE,   /* the places of commune `key` (index places_insee) */
    API_CAND_CATEGORY,/* the places whose category code is exactly `key` (index places_category) */
};

/* Calls fn for every candidate of the source; box is used by API_CAND_BOX, key by the others
 * (the FTS5 expression, an INSEE code, a category code); the rest may be NULL. A callback
 * returning non-zero stops and that value is returned. */
int api_q_candidates(struct api_db *db, enum api_cand_source src, const struct gdir_bbox *box,
                     const char *key, api_candidate_fn *fn, void *cls, struct gdir_err *err);

/* Calls fn(cls, fid, bm25) for every place matching the FTS5 expression `match`, reading
 * nothing from the places table. A callback returning non-zero stops and that value is
 * returned. */
typedef int api_text_hit_fn(void *cls, long long fid, double bm25);
int api_q_text_hits(struct api_db *db, const char *match, api_text_hit_fn *fn, void *cls,
                    struct gdir_err *err);

/* Calls fn(cls, fid, tokens) with the length in tokens of every row of the full-text index
 * (places_fts_docsize; for the place index). Prepared on each call: it runs once per index. */
typedef int api_docsize_fn(void *cls, long long fid, long long tokens);
int api_q_fts_docsizes(struct api_db *db, api_docsize_fn *fn, void *cls, struct gdir_err *err);

/* Calls fn(cls, term, documents) for every term of the full-text index (the connection's
 * temporary fts5vocab table; for the vocabulary, search/api_vocab.h). */
int api_q_vocab_terms(struct api_db *db, api_count_fn *fn, void *cls, struct gdir_err *err);

/* Calls fn for every instance of a term in places_fts (fts5vocab "instance": the term's bytes
 * as the index stores them, the row id, the token's offset in the name), in the index's order
 * (term, then row, then offset), and gives the index's own totals (rows, tokens: what
 * xRowCount and xColumnTotalSize answer). Returns 0, fn's non-zero value, or GDIR_EDB. For
 * the in-memory text index (search/api_pindex.c); prepared on each call (once per index). */
typedef int api_fts_instance_fn(void *cls, const char *term, size_t len, long long fid,
                                long long offset);
int api_q_fts_instances(struct api_db *db, api_fts_instance_fn *fn, void *cls, long long *n_rows,
                        long long *n_tokens, struct gdir_err *err);

/* Reads the point of a SpatiaLite POINT blob (the 60-byte 2D form the schema stores). Returns
 * 0, or -1 when the blob is not such a point. */
int api_point_from_blob(const void *blob, int n, double *lat, double *lon);

/* An address source (a `sources` row that has addresses), for the licence of geocoding
 * answers. Strings borrowed for the duration of the callback; NULL when absent. */
struct api_address_source {
    const char *name, *profile, *title, *publisher, *licence;
};
typedef int api_address_source_fn(void *cls, const struct api_address_source *s);

/* Calls fn for each source that has rows in `addresses` (run once per geocoder index, so the
 * statement is prepared on each call, not kept). */
int api_q_address_sources(struct api_db *db, api_address_source_fn *fn, void *cls,
                          struct gdir_err *err);

/* Calls fn with the number of address points of each commune (INSEE code). Prepared on each
 * call, like api_q_address_sources. */
int api_q_address_counts(struct api_db *db, api_count_fn *fn, void *cls, struct gdir_err *err);

/* The INSEE code of the commune whose boundary contains (lat, lon) into insee: found = 0 when
 * none does (outside the territory, or communes without boundaries). The waste calendar of a
 * point (geoapi/life/h_waste.c). */
int api_q_commune_at(struct api_db *db, double lat, double lon, int *found, char insee[8],
                     struct gdir_err *err);

/* The listed commune with this INSEE code, or NULL. Borrowed from db. */
const struct api_commune_entry *api_db_commune(const struct api_db *db, const char *insee);

struct api_place {
    const char *id, *name, *category, *address, *postcode, *insee, *commune;
    const char *phone, *email, *website, *opening_hours, *description;
    const char *source, *source_title, *publisher, *licence, *source_date;
    /* a place added or corrected from a resident's contribution (docs/backoffice.md §7):
     * « contribution validée par la commune de … » and the date; NULL otherwise */
    const char *contribution, *contribution_date;
    const char *geocode_precision;    /* NULL: the position comes from the source */
    double geocode_score;             /* 0..1 when has_geocode_score */
    int has_geocode_score;
    double lat, lon;
};
typedef int api_place_fn(void *cls, const struct api_place *p);

/* Calls fn with one place, by row id or by public id; GDIR_ENOTFOUND when there is none
 * (err is then left for the caller to fill). */
int api_q_place_by_fid(struct api_db *db, long long fid, api_place_fn *fn, void *cls,
                       struct gdir_err *err);
int api_q_place_by_id(struct api_db *db, const char *id, api_place_fn *fn, void *cls,
                      struct gdir_err *err);

/* Calls fn with each of the n places of row ids fids, in that order, in one statement;
 * GDIR_ENOTFOUND when one of them is not there (err left unset), after fn saw the others. */
int api_q_places_by_fid(struct api_db *db, const long long *fids, size_t n, api_place_fn *fn,
                        void *cls, struct gdir_err *err);

/* ---- OGC API - Features (h_ogc_*.c) ------------------------------------------------------ */

/* The tables the OGC API serves as collections. */
enum api_ogc_table { API_OGC_PLACES, API_OGC_COMMUNES, API_OGC_ADDRESSES };

/* One group of a table's summary: for places one (category, licence) pair, for communes and
 * addresses one licence. Extent in degrees (NAN without any geometry); dates as stored (places
 * only, NULL when none). Strings borrowed for the callback. */
struct api_ogc_stats {
    const char *category;        /* places only, else NULL */
    const char *licence;         /* NULL when unknown */
    long long n;
    double minlon, minlat, maxlon, maxlat;
    const char *min_date, *max_date;
};
typedef int api_ogc_stats_fn(void *cls, const struct api_ogc_stats *s);

/* Calls fn for each group of table t (one pass over the table). */
int api_q_ogc_stats(struct api_db *db, enum api_ogc_table t, api_ogc_stats_fn *fn, void *cls,
                    struct gdir_err *err);

/* The source_date of the place with row id fid into out ("" when NULL or no such place). */
int api_q_ogc_place_date(struct api_db *db, long long fid, char *out, size_t cap,
                         struct gdir_err *err);

/* Calls fn with the INSEE code of each commune, in order: all of them (wkt NULL), or those
 * whose boundary intersects the polygon wkt (WGS84 lon/lat; envelope its bounding box, for the
 * R*Tree) and those without a boundary. */
typedef int api_ogc_key_fn(void *cls, const char *key);
int api_q_ogc_commune_keys(struct api_db *db, const struct gdir_bbox *envelope, const char *wkt,
                           api_ogc_key_fn *fn, void *cls, struct gdir_err *err);

struct api_ogc_commune {
    const char *insee, *name, *postcodes;
    long long population;        /* -1 when unknown */
    long long places;            /* places in this commune */
    const char *source, *licence;
    const char *geojson;         /* the boundary (7 decimals), NULL without one */
};
typedef int api_ogc_commune_fn(void *cls, const struct api_ogc_commune *c);

/* Calls fn with the commune insee; GDIR_ENOTFOUND when there is none (err left unset). */
int api_q_ogc_commune(struct api_db *db, const char *insee, api_ogc_commune_fn *fn, void *cls,
                      struct gdir_err *err);

struct api_ogc_address {
    long long fid;               /* row id: the paging key */
    const char *id, *housenumber, *street, *postcode, *insee, *city, *source, *licence;
    double lat, lon;
};
/* Returns 0 to go on, 1 to stop (then 0 is returned by the caller), or a negative code. */
typedef int api_ogc_address_fn(void *cls, const struct api_ogc_address *a);

/* Calls fn for the addresses with row id > key (descending: < key, in decreasing order), in
 * row id order, all of them or those whose R*Tree box meets box (NULL: no box; the caller tests
 * the point exactly). */
int api_q_ogc_addresses(struct api_db *db, const struct gdir_bbox *box, long long key,
                        int descending, api_ogc_address_fn *fn, void *cls, struct gdir_err *err);

/* Calls fn with the point of every address whose R*Tree box meets box (any order). */
typedef int api_ogc_point_fn(void *cls, double lat, double lon);
int api_q_ogc_address_points(struct api_db *db, const struct gdir_bbox *box,
                             api_ogc_point_fn *fn, void *cls, struct gdir_err *err);

/* *n = the number of addresses. */
int api_q_ogc_address_count(struct api_db *db, long long *n, struct gdir_err *err);

/* Calls fn with the address (source, id); GDIR_ENOTFOUND when there is none. */
int api_q_ogc_address_by_id(struct api_db *db, const char *source, const char *id,
                            api_ogc_address_fn *fn, void *cls, struct gdir_err *err);

/* A value bound to a parameter of a filter statement (h_ogc_filter.c). */
enum api_bind_type { API_BIND_TEXT, API_BIND_REAL, API_BIND_INT };
struct api_bind {
    enum api_bind_type type;
    const char *s;               /* TEXT (borrowed) */
    double d;                    /* REAL */
    long long i;                 /* INT */
};

/* The rows of a collection a CQL2 filter selects (OGC API Part 3): where is the condition the
 * filter was translated to (h_ogc_filter.c: column expressions of its queryables table and
 * "?" for every value, never a value), binds its values in order. fn gets each matching row
 * in key order: places and addresses their row id (addresses also their point, lon lat),
 * communes their INSEE code (key), events the index of the row in rows_json (a JSON array
 * of the occurrences' queryable values, bound first; NULL for the other tables). The
 * statement is prepared for this request and finalized. */
enum api_filter_table { API_FILTER_PLACES, API_FILTER_COMMUNES, API_FILTER_ADDRESSES,
                        API_FILTER_EVENTS };
typedef int api_filter_row_fn(void *cls, long long id, const char *key, double lon,
                              double lat);
int api_q_ogc_filter(struct api_db *db, enum api_filter_table t, const char *where,
                     const struct api_bind *binds, size_t n_binds, const char *rows_json,
                     api_filter_row_fn *fn, void *cls, struct gdir_err *err);

/* ---- DCAT catalogue (h_catalog.c) -------------------------------------------------------- */

/* A source as the catalogue describes it: its provenance and which tables it fed. Strings
 * borrowed for the callback; NULL when absent. */
struct api_catalog_source {
    const char *name, *title, *publisher, *licence, *url, *data_date, *imported_at;
    int has_places, has_communes, has_addresses;
};
typedef int api_catalog_source_fn(void *cls, const struct api_catalog_source *s);

/* Calls fn for each row of table sources, in name order (prepared on each call: the
 * catalogue is asked for rarely). */
int api_q_catalog_sources(struct api_db *db, api_catalog_source_fn *fn, void *cls,
                          struct gdir_err *err);

#endif
