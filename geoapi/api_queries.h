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
    API_Q_PLACES_IN_BOX,    /* proximity candidates through the R*Tree */
    API_Q_PLACE_BY_FID,     /* one place, by internal row id */
    API_Q_PLACE_BY_ID,      /* one place, by public id */
    API_Q_COUNT
};

struct api_db {
    struct gdir_db g;                  /* the connection (read-only, query_only) */
    sqlite3_stmt *st[API_Q_COUNT];     /* prepared statements, owned */
};

/* The SQL text of a statement (for tests: EXPLAIN QUERY PLAN). Static storage. */
const char *api_q_sql(enum api_stmt which);

/* Opens path read-only (gdir_db_open with GDIR_DB_READONLY, schema version checked) and
 * prepares every statement. On success *out is owned by the caller (api_db_close). */
int api_db_open(struct api_db **out, const char *path, struct gdir_err *err);

/* Finalizes the statements and closes the connection. NULL-safe. */
void api_db_close(struct api_db *db);

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

/* Calls fn for every place whose point lies in box (through the R*Tree idx_places_geom, never
 * a scan of places), optionally restricted to a category (code, or a parent code with all its
 * children) and to a commune. lat/lon are the exact stored coordinates. */
typedef int api_candidate_fn(void *cls, long long fid, double lat, double lon, const char *id);
int api_q_places_in_box(struct api_db *db, const struct gdir_bbox *box, const char *category,
                        const char *insee, api_candidate_fn *fn, void *cls, struct gdir_err *err);

struct api_place {
    const char *id, *name, *category, *address, *postcode, *insee, *commune;
    const char *phone, *email, *website, *opening_hours, *description;
    const char *source, *source_title, *publisher, *licence, *source_date;
    double lat, lon;
};
typedef int api_place_fn(void *cls, const struct api_place *p);

/* Calls fn with one place, by row id or by public id; GDIR_ENOTFOUND when there is none
 * (err is then left for the caller to fill). */
int api_q_place_by_fid(struct api_db *db, long long fid, api_place_fn *fn, void *cls,
                       struct gdir_err *err);
int api_q_place_by_id(struct api_db *db, const char *id, api_place_fn *fn, void *cls,
                      struct gdir_err *err);

#endif
