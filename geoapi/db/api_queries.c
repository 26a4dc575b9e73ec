/*
 * api_queries.c — all the SQL of geodir-api, each statement next to the function that binds
 * and steps it. Named parameters only; nothing from a request is ever formatted into SQL text.
 * Statements are prepared once per connection and reset + cleared after every use. Rows go
 * through one runner, q_each (q_each_sql for a statement used once), to a row reader that
 * fills the caller's struct and calls its callback.
 *
 * Not here: distances, sorting, JSON (the handlers), which connection a thread uses
 * (api_dbpool.c).
 */
#include "api_queries.h"
#include "api_bm25.h"
#include "api_hours.h"
#include "api_gen.h"
#include "gdir_db_stmts.h"
#include "gdir_log.h"
#include "gdir_mem.h"
#include "gdir_taxonomy.h"
#include "gdir_text.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char SQL_USER_VERSION[] = "PRAGMA user_version";

static const char SQL_META[] = "SELECT value FROM meta WHERE key = :key";

static const char SQL_COUNTS[] =
    "SELECT (SELECT count(*) FROM places), (SELECT count(*) FROM communes)";

static const char SQL_CATEGORY_COUNTS[] =
    "SELECT category, count(*) FROM places GROUP BY category";

#define SQL_COMMUNES_COLUMNS                                                                       \
    "SELECT c.insee, c.name, c.postcodes, c.population,"                                           \
    " (SELECT count(*) FROM places AS p WHERE p.insee = c.insee),"                                 \
    " c.geom IS NOT NULL, "

static const char SQL_COMMUNES[] =
    SQL_COMMUNES_COLUMNS "NULL FROM communes AS c ORDER BY c.insee";

static const char SQL_COMMUNES_GEO[] =
    SQL_COMMUNES_COLUMNS "AsGeoJSON(c.geom, 7) FROM communes AS c ORDER BY c.insee";

static const char SQL_COMMUNE_MEMBER[] =
    "SELECT EXISTS (SELECT 1 FROM communes WHERE insee = :insee)"
    " OR EXISTS (SELECT 1 FROM meta AS m, json_each(m.value, '$.communes') AS j"
    "            WHERE m.key = 'territory' AND json_valid(m.value) AND j.value = :insee)";

static const char SQL_COMMUNE_LIST[] =
    "SELECT insee, name, postcodes, ST_Y(ST_PointOnSurface(geom)), ST_X(ST_PointOnSurface(geom))"
    " FROM communes ORDER BY insee";

/* The columns every search candidate carries (struct api_candidate). The point is read from
 * the geometry blob in C (point_from_blob): two SpatiaLite calls per row cost more than the
 * row itself. */
#define SQL_CAND_COLUMNS                                                                           \
    "SELECT p.fid, p.id, p.geom, p.category, p.insee, p.opening_hours, p.name_key, "

/* The R*Tree drives: its four box constraints select the candidates, each fetched from places
 * by rowid. CROSS JOIN fixes that loop order: written as `p.fid IN (SELECT pkid FROM
 * idx_places_geom WHERE ...)`, the planner chose a full scan of places once the importer's
 * ANALYZE statistics said the table was small (seen by tests/http/test_api_query_plan.c).
 * R*Tree boxes are 32-bit floats rounded outwards, so no point of the box is lost; the exact
 * tests (box, circle) are done in C on the candidates, and so are the filters (category,
 * commune, opening hours), because facets count the candidates each filter leaves out. */
static const char SQL_CAND_BOX[] =
    SQL_CAND_COLUMNS "0"
    " FROM idx_places_geom AS r CROSS JOIN places AS p ON p.fid = r.pkid"
    " WHERE r.xmin <= :maxx AND r.xmax >= :minx AND r.ymin <= :maxy AND r.ymax >= :miny";

/* The full-text index drives (MATCH), each hit fetched from places by rowid. */
static const char SQL_CAND_TEXT[] =
    SQL_CAND_COLUMNS "bm25(places_fts)"
    " FROM places_fts CROSS JOIN places AS p ON p.fid = places_fts.rowid"
    " WHERE places_fts MATCH :match";

/* The same matches without the join: row ids and scores only. geodir_bm25 is bm25 with the
 * row lengths of the place index (api_bm25.h). */
static const char SQL_TEXT_HITS[] =
    "SELECT rowid, geodir_bm25(places_fts) FROM places_fts WHERE places_fts MATCH :match";

/* The row lengths of the full-text index, and its extension API (api_db_open). */
static const char SQL_FTS_DOCSIZES[] = "SELECT id, sz FROM places_fts_docsize";
static const char SQL_FTS5_API[] = "SELECT fts5(:api)";

static const char SQL_CAND_ALL[] = SQL_CAND_COLUMNS "0 FROM places AS p";
static const char SQL_CAND_INSEE[] = SQL_CAND_COLUMNS "0 FROM places AS p WHERE p.insee = :key";
static const char SQL_CAND_CATEGORY[] =
    SQL_CAND_COLUMNS "0 FROM places AS p WHERE p.category = :key";

/* Run on each connection by api_db_open: the file is memory-mapped (reads become page faults
 * served by the OS cache, no read() per page: a search touches rows all over the file), and
 * the full-text vocabulary gets a temporary fts5vocab table (the file stays read-only).
 * locking_mode=EXCLUSIVE: the shared lock taken by the first read is kept for the life of the
 * connection, so later statements make no fcntl() lock/unlock and no hot-journal stat() (they
 * were a third of a small request's time). Nothing ever writes into a served file: the
 * importer builds a new file and renames it over the old one, and connections reopen. */
static const char SQL_CREATE_VOCAB[] =
    "PRAGMA mmap_size=1073741824;"
    "PRAGMA main.locking_mode=EXCLUSIVE;"
    "PRAGMA query_only=0;"
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.places_vocab USING fts5vocab(main, places_fts, row);"
    "PRAGMA query_only=1;";
static const char SQL_VOCAB[] = "SELECT term, doc FROM temp.places_vocab";

/* One place: the row alone. The commune's name and the source's title and publisher come
 * from the connection's lists (api_db.communes, api_db.sources), the point from the geometry
 * blob: two joins and two SpatiaLite calls per row were most of the cost of a page of places
 * (column 6 is kept as a NULL placeholder so that place_row reads one layout).
 * Columns 13 and 14: the commune that validated a resident's contribution to the place, and
 * when (NULL, NULL for most places). Columns 18 and 19: how geodir geocoded the place (NULL
 * when the source gave its point). */
#define SQL_PLACE_COLUMNS                                                                          \
    "SELECT p.id, p.name, p.category, p.address, p.postcode, p.insee, NULL,"                       \
    " p.phone, p.email, p.website, p.opening_hours, p.description,"                                \
    " p.source, p.validated_by, p.validated_on, p.licence, p.source_date, p.geom,"                 \
    " p.geocode_precision,"               \
    " p.geocode_score"

/* The sources, for api_db.sources (run once per connection, not kept prepared). */
static const char SQL_SOURCE_LIST[] = "SELECT name, title, publisher FROM sources";

static const char SQL_PLACE_BY_FID[] = SQL_PLACE_COLUMNS " FROM places AS p WHERE p.fid = :fid";
static const char SQL_PLACE_BY_ID[] = SQL_PLACE_COLUMNS " FROM places AS p WHERE p.id = :id";

/* A page of places in one statement: :fids is a JSON array of row ids; CROSS JOIN keeps
 * json_each as the outer loop, so rows come in the array's order (j.key, checked). One
 * statement instead of one per place saved a third of the time of reading a page. */
static const char SQL_PLACES_BY_FIDS[] =
    SQL_PLACE_COLUMNS ", j.key FROM json_each(:fids) AS j CROSS JOIN places AS p"
    " ON p.fid = j.value";


/* ---- OGC API - Features (h_ogc_*.c) ---- */

/* Collection summaries: one pass over each table (extents exact, from the points). */
static const char SQL_OGC_PLACE_STATS[] =
    "SELECT category, licence, count(*), min(ST_X(geom)), min(ST_Y(geom)), max(ST_X(geom)),"
    " max(ST_Y(geom)), min(source_date), max(source_date)"
    " FROM places GROUP BY category, licence";
static const char SQL_OGC_COMMUNE_STATS[] =
    "SELECT NULL, coalesce(c.licence, s.licence), count(*), min(MbrMinX(c.geom)),"
    " min(MbrMinY(c.geom)), max(MbrMaxX(c.geom)), max(MbrMaxY(c.geom)), NULL, NULL"
    " FROM communes AS c LEFT JOIN sources AS s ON s.name = c.source"
    " GROUP BY coalesce(c.licence, s.licence)";
static const char SQL_OGC_ADDRESS_STATS[] =
    "SELECT NULL, licence, count(*), min(ST_X(geom)), min(ST_Y(geom)), max(ST_X(geom)),"
    " max(ST_Y(geom)), NULL, NULL FROM addresses GROUP BY licence";

static const char SQL_OGC_PLACE_DATE[] = "SELECT source_date FROM places WHERE fid = :fid";

static const char SQL_OGC_COMMUNE_KEYS[] = "SELECT insee FROM communes ORDER BY insee";
/* The polygon is the requested box (densified when it comes from Lambert-93), tested exactly
 * by GEOS after the R*Tree; communes without a boundary match any box (OGC API rule). */
static const char SQL_OGC_COMMUNE_KEYS_BOX[] =
    "SELECT c.insee FROM communes AS c"
    " WHERE c.geom IS NULL"
    "    OR (c.rowid IN (SELECT pkid FROM idx_communes_geom"
    "                    WHERE xmin <= :maxx AND xmax >= :minx AND ymin <= :maxy AND ymax >= :miny)"
    "        AND ST_Intersects(c.geom, GeomFromText(:wkt, 4326)) = 1)"
    " ORDER BY c.insee";
/* CROSS JOIN: the R*Tree is the outer loop (a point meets a box or two), never a scan of
 * communes; on a shared border the lower INSEE code answers. */
static const char SQL_COMMUNE_AT[] =
    "SELECT c.insee FROM idx_communes_geom AS r CROSS JOIN communes AS c ON c.rowid = r.pkid"
    " WHERE r.xmin <= :lon AND r.xmax >= :lon AND r.ymin <= :lat AND r.ymax >= :lat"
    "   AND ST_Contains(c.geom, MakePoint(:lon, :lat, 4326)) = 1"
    " ORDER BY c.insee LIMIT 1";
static const char SQL_OGC_COMMUNE[] =
    "SELECT c.insee, c.name, c.postcodes, c.population,"
    " (SELECT count(*) FROM places AS p WHERE p.insee = c.insee), c.source,"
    " coalesce(c.licence, s.licence), AsGeoJSON(c.geom, 7)"
    " FROM communes AS c LEFT JOIN sources AS s ON s.name = c.source WHERE c.insee = :insee";

#define SQL_OGC_ADDR_COLUMNS                                                                       \
    "SELECT a.fid, a.id, a.housenumber, a.street, a.postcode, a.insee, a.city, a.source,"          \
    " a.licence, a.geom FROM addresses AS a "
#define SQL_OGC_ADDR_IN_BOX                                                                        \
    " AND a.fid IN (SELECT pkid FROM idx_addresses_geom"                                           \
    "               WHERE xmin <= :maxx AND xmax >= :minx AND ymin <= :maxy AND ymax >= :miny)"
static const char SQL_OGC_ADDR_AFTER[] =
    SQL_OGC_ADDR_COLUMNS "WHERE a.fid > :key ORDER BY a.fid";
static const char SQL_OGC_ADDR_BEFORE[] =
    SQL_OGC_ADDR_COLUMNS "WHERE a.fid < :key ORDER BY a.fid DESC";
static const char SQL_OGC_ADDR_BOX_AFTER[] =
    SQL_OGC_ADDR_COLUMNS "WHERE a.fid > :key" SQL_OGC_ADDR_IN_BOX " ORDER BY a.fid";
static const char SQL_OGC_ADDR_BOX_BEFORE[] =
    SQL_OGC_ADDR_COLUMNS "WHERE a.fid < :key" SQL_OGC_ADDR_IN_BOX " ORDER BY a.fid DESC";
static const char SQL_OGC_ADDR_BOX_POINTS[] =
    "SELECT a.geom FROM idx_addresses_geom AS r CROSS JOIN addresses AS a ON a.fid = r.pkid"
    " WHERE r.xmin <= :maxx AND r.xmax >= :minx AND r.ymin <= :maxy AND r.ymax >= :miny";
static const char SQL_OGC_ADDR_BY_ID[] =
    SQL_OGC_ADDR_COLUMNS "WHERE a.source = :source AND a.id = :id";
static const char SQL_OGC_ADDR_COUNT[] = "SELECT count(*) FROM addresses";
#define SQL_EXPORT_COLUMNS                                                                         \
    "SELECT name, dataset, format, licence, media_type, size, sha256, records, excluded, "        \
    "created FROM exports "
static const char SQL_EXPORTS[] = SQL_EXPORT_COLUMNS "ORDER BY name";
static const char SQL_EXPORT_BY_NAME[] = SQL_EXPORT_COLUMNS "WHERE name = :name";

/* The online procedures' place fields (geoapi/forms/api_forms.c). */
static const char SQL_PLACE_FOR_FORM[] = "SELECT category, insee FROM places WHERE id = :id";

static const char *const sql_text[API_Q_COUNT] = {
    [API_Q_USER_VERSION] = SQL_USER_VERSION,
    [API_Q_META] = SQL_META,
    [API_Q_COUNTS] = SQL_COUNTS,
    [API_Q_CATEGORY_COUNTS] = SQL_CATEGORY_COUNTS,
    [API_Q_COMMUNES] = SQL_COMMUNES,
    [API_Q_COMMUNES_GEO] = SQL_COMMUNES_GEO,
    [API_Q_COMMUNE_MEMBER] = SQL_COMMUNE_MEMBER,
    [API_Q_COMMUNE_LIST] = SQL_COMMUNE_LIST,
    [API_Q_CAND_BOX] = SQL_CAND_BOX,
    [API_Q_CAND_TEXT] = SQL_CAND_TEXT,
    [API_Q_CAND_ALL] = SQL_CAND_ALL,
    [API_Q_CAND_INSEE] = SQL_CAND_INSEE,
    [API_Q_CAND_CATEGORY] = SQL_CAND_CATEGORY,
    [API_Q_TEXT_HITS] = SQL_TEXT_HITS,
    [API_Q_VOCAB] = SQL_VOCAB,
    [API_Q_PLACE_BY_FID] = SQL_PLACE_BY_FID,
    [API_Q_PLACE_BY_ID] = SQL_PLACE_BY_ID,
    [API_Q_PLACES_BY_FIDS] = SQL_PLACES_BY_FIDS,
    [API_Q_OGC_PLACE_STATS] = SQL_OGC_PLACE_STATS,
    [API_Q_OGC_COMMUNE_STATS] = SQL_OGC_COMMUNE_STATS,
    [API_Q_OGC_ADDRESS_STATS] = SQL_OGC_ADDRESS_STATS,
    [API_Q_OGC_PLACE_DATE] = SQL_OGC_PLACE_DATE,
    [API_Q_OGC_COMMUNE_KEYS] = SQL_OGC_COMMUNE_KEYS,
    [API_Q_OGC_COMMUNE_KEYS_BOX] = SQL_OGC_COMMUNE_KEYS_BOX,
    [API_Q_OGC_COMMUNE] = SQL_OGC_COMMUNE,
    [API_Q_OGC_ADDR_AFTER] = SQL_OGC_ADDR_AFTER,
    [API_Q_OGC_ADDR_BEFORE] = SQL_OGC_ADDR_BEFORE,
    [API_Q_OGC_ADDR_BOX_AFTER] = SQL_OGC_ADDR_BOX_AFTER,
    [API_Q_OGC_ADDR_BOX_BEFORE] = SQL_OGC_ADDR_BOX_BEFORE,
    [API_Q_OGC_ADDR_BOX_POINTS] = SQL_OGC_ADDR_BOX_POINTS,
    [API_Q_OGC_ADDR_BY_ID] = SQL_OGC_ADDR_BY_ID,
    [API_Q_OGC_ADDR_COUNT] = SQL_OGC_ADDR_COUNT,
    [API_Q_EXPORTS] = SQL_EXPORTS,
    [API_Q_EXPORT_BY_NAME] = SQL_EXPORT_BY_NAME,
    [API_Q_PLACE_FOR_FORM] = SQL_PLACE_FOR_FORM,
    [API_Q_COMMUNE_AT] = SQL_COMMUNE_AT,
};

const char *api_q_sql(enum api_stmt which)
{
    return (unsigned)which < API_Q_COUNT ? sql_text[which] : NULL;
}

/* Leaves a statement ready for its next use (bound strings were SQLITE_STATIC). */
static void done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

static int step_error(struct api_db *db, enum api_stmt which, struct gdir_err *err)
{
    return gdir_err_set(err, GDIR_EDB, "query %d: %s", (int)which, sqlite3_errmsg(db->g.db));
}

static void bind_text(sqlite3_stmt *st, const char *name, const char *value)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (value)
        sqlite3_bind_text(st, i, value, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_double(sqlite3_stmt *st, const char *name, double value)
{
    sqlite3_bind_double(st, sqlite3_bind_parameter_index(st, name), value);
}

/* The box of the R*Tree conditions (:minx :maxx :miny :maxy). */
static void bind_box(sqlite3_stmt *st, const struct gdir_bbox *box)
{
    bind_double(st, ":minx", box->minlon);
    bind_double(st, ":maxx", box->maxlon);
    bind_double(st, ":miny", box->minlat);
    bind_double(st, ":maxy", box->maxlat);
}

/* Reads a 2D POINT in SpatiaLite's blob format: 0x00, byte order (1 little, 0 big), SRID,
 * MBR (4 doubles), 0x7C, class 1 (POINT), X, Y, 0xFE: 60 bytes. */
int api_point_from_blob(const void *blob, int n, double *lat, double *lon)
{
    const unsigned char *b = blob;
    const unsigned int one = 1;
    int host_little = *(const unsigned char *)&one == 1, little;
    unsigned char x[8], y[8], type[4];

    if (!b || n != 60 || b[0] != 0x00 || b[38] != 0x7C || b[59] != 0xFE || b[1] > 1)
        return -1;
    little = b[1] == 1;
    for (int i = 0; i < 8; i++) {
        int k = little == host_little ? i : 7 - i;
        x[k] = b[43 + i];
        y[k] = b[51 + i];
    }
    for (int i = 0; i < 4; i++)
        type[little == host_little ? i : 3 - i] = b[39 + i];
    {
        int32_t t;
        memcpy(&t, type, 4);
        if (t != 1)
            return -1;
    }
    memcpy(lon, x, 8);
    memcpy(lat, y, 8);
    return 0;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* A commune's population: -1 when unknown (NULL). */
static long long col_population(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
}

/* ---- the statement runner ----------------------------------------------------------------- */

/* What a row reader of q_each gets besides the row: the caller's callback (the member its
 * reader knows), its closure, a row count the reader may keep, and where errors go. */
struct q_ctx {
    struct api_db *db;
    union {
        api_count_fn *count;
        api_commune_fn *commune;
        api_export_fn *export;
        api_candidate_fn *candidate;
        api_text_hit_fn *text_hit;
        api_docsize_fn *docsize;
        api_fts_instance_fn *instance;
        api_address_source_fn *address_source;
        api_place_fn *place;
        api_ogc_stats_fn *ogc_stats;
        api_ogc_key_fn *ogc_key;
        api_ogc_commune_fn *ogc_commune;
        api_ogc_address_fn *ogc_address;
        api_ogc_point_fn *ogc_point;
        api_catalog_source_fn *catalog_source;
        api_filter_row_fn *filter_row;
    } fn;
    void *cls;
    long long n;           /* rows passed on (or counted) by the reader */
    struct gdir_err *err;
};

/* Reads the current row of st; nonzero stops the walk and is returned as is. */
typedef int q_row_fn(sqlite3_stmt *st, struct q_ctx *q);

/* Steps st, calling row for each row, until the end or a nonzero return of row (returned).
 * *step is the last sqlite3_step result. */
static int q_steps(sqlite3_stmt *st, q_row_fn *row, struct q_ctx *q, int *step)
{
    int rc = GDIR_OK, s;

    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        rc = row(st, q);
        if (rc)
            break;
    }
    *step = s;
    return rc;
}

/* Runs the prepared statement which (its parameters already bound) through row, then leaves
 * it ready for its next use: row's nonzero return, a step error (GDIR_EDB), or GDIR_OK. */
static int q_each(struct api_db *db, enum api_stmt which, q_row_fn *row, struct q_ctx *q,
                  struct gdir_err *err)
{
    sqlite3_stmt *st = db->st[which];
    int s, rc = q_steps(st, row, q, &s);

    if (!rc && s != SQLITE_DONE)
        rc = step_error(db, which, err);
    done(st);
    return rc;
}

/* Runs the prepared statement which (its parameters bound) for one row, read by row, then
 * leaves it ready for its next use: row's return, GDIR_ENOTFOUND without a row (err left for
 * the caller), or a step error (GDIR_EDB). */
static int q_one(struct api_db *db, enum api_stmt which, q_row_fn *row, struct q_ctx *q,
                 struct gdir_err *err)
{
    sqlite3_stmt *st = db->st[which];
    int rc, s = sqlite3_step(st);

    if (s == SQLITE_ROW)
        rc = row(st, q);
    else if (s == SQLITE_DONE)
        rc = GDIR_ENOTFOUND;
    else
        rc = step_error(db, which, err);
    done(st);
    return rc;
}

/* q_each for a statement used once (prepared, run, finalized); what names it in errors. */
static int q_each_sql(struct api_db *db, const char *sql, const char *what, q_row_fn *row,
                      struct q_ctx *q, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int s, rc = gdir_db_prepare(&db->g, sql, &st, err);

    if (rc)
        return rc;
    rc = q_steps(st, row, q, &s);
    if (!rc && s != SQLITE_DONE)
        rc = gdir_err_set(err, GDIR_EDB, "%s: %s", what, sqlite3_errmsg(db->g.db));
    sqlite3_finalize(st);
    return rc;
}

/* A row of one number, kept in q->n. */
static int number_row(sqlite3_stmt *st, struct q_ctx *q)
{
    q->n = sqlite3_column_int64(st, 0);
    return GDIR_OK;
}

/* (text, count) rows. */
static int count_row(sqlite3_stmt *st, struct q_ctx *q)
{
    return q->fn.count(q->cls, col_text(st, 0), sqlite3_column_int64(st, 1));
}

int api_q_health(struct api_db *db, struct api_health *out, struct gdir_err *err)
{
    sqlite3_stmt *st;
    int rc = GDIR_EDB, s;

    memset(out, 0, sizeof *out);
    st = db->st[API_Q_USER_VERSION];
    if (sqlite3_step(st) != SQLITE_ROW) {
        step_error(db, API_Q_USER_VERSION, err);
        goto out;
    }
    out->schema_version = sqlite3_column_int(st, 0);
    done(st);

    st = db->st[API_Q_META];
    bind_text(st, ":key", "built_at");
    s = sqlite3_step(st);
    if (s == SQLITE_ROW && col_text(st, 0))
        snprintf(out->built_at, sizeof out->built_at, "%s", col_text(st, 0));
    else if (s != SQLITE_DONE) {
        step_error(db, API_Q_META, err);
        goto out;
    }
    done(st);

    st = db->st[API_Q_COUNTS];
    if (sqlite3_step(st) != SQLITE_ROW) {
        step_error(db, API_Q_COUNTS, err);
        goto out;
    }
    out->places = sqlite3_column_int64(st, 0);
    out->communes = sqlite3_column_int64(st, 1);
    rc = GDIR_OK;
out:
    done(st);
    return rc;
}

int api_q_territory(struct api_db *db, struct gdir_buf *out, struct gdir_err *err)
{
    sqlite3_stmt *st = db->st[API_Q_META];
    int rc, s;

    bind_text(st, ":key", "territory");
    s = sqlite3_step(st);
    if (s == SQLITE_ROW && col_text(st, 0))
        rc = gdir_buf_add(out, col_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
    else if (s == SQLITE_ROW || s == SQLITE_DONE)
        rc = gdir_err_set(err, GDIR_ENOTFOUND, "this database has no territory description");
    else
        rc = step_error(db, API_Q_META, err);
    done(st);
    return rc;
}

int api_q_meta(struct api_db *db, const char *key, char *out, size_t cap, struct gdir_err *err)
{
    sqlite3_stmt *st = db->st[API_Q_META];
    int rc, s;

    bind_text(st, ":key", key);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW && col_text(st, 0)) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        if (n < cap) {
            memcpy(out, col_text(st, 0), n + 1);
            rc = GDIR_OK;
        } else {
            rc = gdir_err_set(err, GDIR_ETOOBIG, "meta %s: too long", key);
        }
    } else if (s == SQLITE_ROW || s == SQLITE_DONE) {
        rc = gdir_err_set(err, GDIR_ENOTFOUND, "meta %s: absent", key);
    } else {
        rc = step_error(db, API_Q_META, err);
    }
    done(st);
    return rc;
}

static int export_row(sqlite3_stmt *st, struct q_ctx *q)
{
    struct api_export_entry e = {
        .name = col_text(st, 0), .dataset = col_text(st, 1), .format = col_text(st, 2),
        .licence = col_text(st, 3), .media_type = col_text(st, 4),
        .size = sqlite3_column_int64(st, 5), .sha256 = col_text(st, 6),
        .records = sqlite3_column_int64(st, 7), .excluded = sqlite3_column_int64(st, 8),
        .created = col_text(st, 9),
    };
    q->n++;
    return q->fn.export(q->cls, &e);
}

int api_q_exports(struct api_db *db, const char *name, api_export_fn *fn, void *cls,
                  struct gdir_err *err)
{
    enum api_stmt which = name ? API_Q_EXPORT_BY_NAME : API_Q_EXPORTS;
    struct q_ctx q = {.db = db, .fn.export = fn, .cls = cls};
    int rc;

    if (name)
        bind_text(db->st[which], ":name", name);
    rc = q_each(db, which, export_row, &q, err);
    if (!rc && name && !q.n)
        rc = gdir_err_set(err, GDIR_ENOTFOUND, "no such export");
    return rc;
}

int api_q_category_counts(struct api_db *db, api_count_fn *fn, void *cls, struct gdir_err *err)
{
    struct q_ctx q = {.db = db, .fn.count = fn, .cls = cls};
    return q_each(db, API_Q_CATEGORY_COUNTS, count_row, &q, err);
}

static int commune_row(sqlite3_stmt *st, struct q_ctx *q)
{
    struct api_commune c = {
        .insee = col_text(st, 0),
        .name = col_text(st, 1),
        .postcodes = col_text(st, 2),
        .population = col_population(st, 3),
        .places = sqlite3_column_int64(st, 4),
        .has_boundary = sqlite3_column_int(st, 5),
        .geojson = col_text(st, 6),
    };
    return q->fn.commune(q->cls, &c);
}

int api_q_communes(struct api_db *db, int with_geometry, api_commune_fn *fn, void *cls,
                   struct gdir_err *err)
{
    struct q_ctx q = {.db = db, .fn.commune = fn, .cls = cls};
    return q_each(db, with_geometry ? API_Q_COMMUNES_GEO : API_Q_COMMUNES, commune_row, &q, err);
}

int api_q_commune_member(struct api_db *db, const char *insee, int *member, struct gdir_err *err)
{
    struct q_ctx q = {.db = db};
    int rc;

    bind_text(db->st[API_Q_COMMUNE_MEMBER], ":insee", insee);
    rc = q_one(db, API_Q_COMMUNE_MEMBER, number_row, &q, err);   /* EXISTS: always a row */
    if (!rc)
        *member = q.n != 0;
    return rc;
}

int api_q_commune_at(struct api_db *db, double lat, double lon, int *found, char insee[8],
                     struct gdir_err *err)
{
    sqlite3_stmt *st = db->st[API_Q_COMMUNE_AT];
    int rc = GDIR_OK, step;

    *found = 0;
    insee[0] = '\0';
    bind_double(st, ":lat", lat);
    bind_double(st, ":lon", lon);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT) {
        snprintf(insee, 8, "%s", (const char *)sqlite3_column_text(st, 0));
        *found = 1;
    } else if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = step_error(db, API_Q_COMMUNE_AT, err);
    done(st);
    return rc;
}

int api_q_place_for_form(struct api_db *db, const char *id, int *found, char category[64],
                         char insee[8], struct gdir_err *err)
{
    sqlite3_stmt *st = db->st[API_Q_PLACE_FOR_FORM];
    int rc = GDIR_OK, step;

    *found = 0;
    bind_text(st, ":id", id);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *found = 1;
        snprintf(category, 64, "%s", col_text(st, 0) ? col_text(st, 0) : "");
        snprintf(insee, 8, "%s", col_text(st, 1) ? col_text(st, 1) : "");
    } else if (step != SQLITE_DONE) {
        rc = step_error(db, API_Q_PLACE_FOR_FORM, err);
    }
    done(st);
    return rc;
}

static int candidate_row(sqlite3_stmt *st, struct q_ctx *q)
{
    struct api_candidate c = {
        .fid = sqlite3_column_int64(st, 0),
        .id = col_text(st, 1),
        .category = col_text(st, 3),
        .insee = col_text(st, 4),
        .opening_hours = col_text(st, 5),
        .name_key = col_text(st, 6),
        .bm25 = sqlite3_column_double(st, 7),
    };
    if (!c.id || api_point_from_blob(sqlite3_column_blob(st, 2), sqlite3_column_bytes(st, 2),
                                     &c.lat, &c.lon) != 0)
        return GDIR_OK;   /* no readable point: a search cannot place it (the schema forbids it) */
    return q->fn.candidate(q->cls, &c);
}

int api_q_candidates(struct api_db *db, enum api_cand_source src, const struct gdir_bbox *box,
                     const char *key, api_candidate_fn *fn, void *cls, struct gdir_err *err)
{
    static const enum api_stmt stmt_of[] = {
        [API_CAND_BOX] = API_Q_CAND_BOX,        [API_CAND_TEXT] = API_Q_CAND_TEXT,
        [API_CAND_ALL] = API_Q_CAND_ALL,        [API_CAND_INSEE] = API_Q_CAND_INSEE,
        [API_CAND_CATEGORY] = API_Q_CAND_CATEGORY,
    };
    enum api_stmt which = stmt_of[src];
    sqlite3_stmt *st = db->st[which];
    struct q_ctx q = {.db = db, .fn.candidate = fn, .cls = cls};

    if (src == API_CAND_BOX) {
        bind_box(st, box);
    } else if (src == API_CAND_TEXT) {
        bind_text(st, ":match", key);
    } else if (src != API_CAND_ALL) {
        bind_text(st, ":key", key);
    }
    return q_each(db, which, candidate_row, &q, err);
}

static int text_hit_row(sqlite3_stmt *st, struct q_ctx *q)
{
    return q->fn.text_hit(q->cls, sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1));
}

int api_q_text_hits(struct api_db *db, const char *match, api_text_hit_fn *fn, void *cls,
                    struct gdir_err *err)
{
    struct q_ctx q = {.db = db, .fn.text_hit = fn, .cls = cls};

    bind_text(db->st[API_Q_TEXT_HITS], ":match", match);
    return q_each(db, API_Q_TEXT_HITS, text_hit_row, &q, err);
}

/* The first varint of an FTS5 docsize blob (SQLite's varint: 7 bits a byte, high bit set when
 * more follow, the ninth byte whole). -1 when the blob ends first. */
static long long first_varint(const unsigned char *p, int n)
{
    unsigned long long v = 0;
    for (int i = 0; i < n && i < 9; i++) {
        if (i == 8)
            return (long long)((v << 8) | p[i]);
        v = (v << 7) | (p[i] & 0x7f);
        if (!(p[i] & 0x80))
            return (long long)v;
    }
    return -1;
}

static int docsize_row(sqlite3_stmt *st, struct q_ctx *q)
{
    return q->fn.docsize(q->cls, sqlite3_column_int64(st, 0),
                         first_varint(sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1)));
}

int api_q_fts_docsizes(struct api_db *db, api_docsize_fn *fn, void *cls, struct gdir_err *err)
{
    struct q_ctx q = {.db = db, .fn.docsize = fn, .cls = cls};
    return q_each_sql(db, SQL_FTS_DOCSIZES, "full-text row lengths", docsize_row, &q, err);
}

/* Registers geodir_bm25 (api_bm25.h) on the connection. */
static int register_fts(struct api_db *db, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    fts5_api *fts = NULL;
    int rc = gdir_db_prepare(&db->g, SQL_FTS5_API, &st, err);

    if (rc)
        return rc;
    sqlite3_bind_pointer(st, 1, &fts, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    if (api_fts_add_bm25(fts, db) != 0)
        return gdir_err_set(err, GDIR_EDB, "FTS5 extension API unavailable");
    return GDIR_OK;
}

int api_q_vocab_terms(struct api_db *db, api_count_fn *fn, void *cls, struct gdir_err *err)
{
    struct q_ctx q = {.db = db, .fn.count = fn, .cls = cls};
    sqlite3_stmt *st = db->st[API_Q_VOCAB];
    int s, rc = q_steps(st, count_row, &q, &s);

    if (!rc && s != SQLITE_DONE)
        rc = gdir_err_set(err, GDIR_EDB, "full-text vocabulary: %s", sqlite3_errmsg(db->g.db));
    done(st);
    return rc;
}

/* ---- the full-text index's instances, for the in-memory text index ------------------------ */

/* fts5vocab "instance" rows: one per token of every name. A temporary table of this
 * connection (the file stays read-only), like the vocabulary's (api_queries.c). */
static const char SQL_CREATE_INSTANCES[] =
    "PRAGMA query_only=0;"
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.places_fts_instance"
    " USING fts5vocab(main, places_fts, instance);"
    "PRAGMA query_only=1;";
static const char SQL_INSTANCES[] = "SELECT term, doc, offset FROM temp.places_fts_instance";
/* The averages record of FTS5 (rowid 1 of the data table): the row count, then the token
 * total of each column, as varints. */
static const char SQL_AVERAGES[] = "SELECT block FROM places_fts_data WHERE id = 1";

/* An FTS5 varint (SQLite's: 7 bits a byte, high bit set when more follow, the ninth byte
 * whole) at *p, advancing it; -1 when the blob ends first. */
static long long get_varint(const unsigned char **p, const unsigned char *end)
{
    unsigned long long v = 0;
    for (int i = 0; *p < end && i < 9; i++) {
        unsigned char b = *(*p)++;
        if (i == 8)
            return (long long)((v << 8) | b);
        v = (v << 7) | (b & 0x7f);
        if (!(b & 0x80))
            return (long long)v;
    }
    return -1;
}

static int instance_row(sqlite3_stmt *st, struct q_ctx *q)
{
    const char *term = col_text(st, 0);
    return q->fn.instance(q->cls, term ? term : "", (size_t)sqlite3_column_bytes(st, 0),
                          sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2));
}

int api_q_fts_instances(struct api_db *db, api_fts_instance_fn *fn, void *cls, long long *n_rows,
                      long long *n_tokens, struct gdir_err *err)
{
    struct q_ctx q = {.db = db, .fn.instance = fn, .cls = cls};
    sqlite3_stmt *st = NULL;
    int rc;

    *n_rows = *n_tokens = -1;
    rc = gdir_db_prepare(&db->g, SQL_AVERAGES, &st, err);
    if (rc)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *p = sqlite3_column_blob(st, 0);
        const unsigned char *end = p ? p + sqlite3_column_bytes(st, 0) : NULL;
        if (p) {
            *n_rows = get_varint(&p, end);
            *n_tokens = get_varint(&p, end);   /* places_fts has one column */
        }
    }
    sqlite3_finalize(st);
    if (*n_rows < 0 || *n_tokens < 0)
        return gdir_err_set(err, GDIR_EDB, "full-text index: no totals");
    if (sqlite3_exec(db->g.db, SQL_CREATE_INSTANCES, NULL, NULL, NULL) != SQLITE_OK)
        return gdir_err_set(err, GDIR_EDB, "full-text instances: %s", sqlite3_errmsg(db->g.db));
    return q_each_sql(db, SQL_INSTANCES, "full-text instances", instance_row, &q, err);
}

/* The address sources: EXISTS walks the unique (source, id) index of addresses. */
static const char SQL_ADDRESS_SOURCES[] =
    "SELECT s.name, s.profile, s.title, s.publisher, s.licence FROM sources AS s"
    " WHERE EXISTS (SELECT 1 FROM addresses AS a WHERE a.source = s.name) ORDER BY s.name";

/* Address points per commune, from the addresses_insee index. */
static const char SQL_ADDRESS_COUNTS[] =
    "SELECT insee, count(*) FROM addresses GROUP BY insee";

static int address_source_row(sqlite3_stmt *st, struct q_ctx *q)
{
    struct api_address_source src = {col_text(st, 0), col_text(st, 1), col_text(st, 2),
                                     col_text(st, 3), col_text(st, 4)};
    return q->fn.address_source(q->cls, &src);
}

int api_q_address_sources(struct api_db *db, api_address_source_fn *fn, void *cls,
                          struct gdir_err *err)
{
    struct q_ctx q = {.db = db, .fn.address_source = fn, .cls = cls};
    return q_each_sql(db, SQL_ADDRESS_SOURCES, "address sources", address_source_row, &q, err);
}

int api_q_address_counts(struct api_db *db, api_count_fn *fn, void *cls, struct gdir_err *err)
{
    struct q_ctx q = {.db = db, .fn.count = fn, .cls = cls};
    return q_each_sql(db, SQL_ADDRESS_COUNTS, "address counts", count_row, &q, err);
}

const struct api_commune_entry *api_db_commune(const struct api_db *db, const char *insee)
{
    size_t lo = 0, hi = db->n_communes;
    if (!insee)
        return NULL;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(db->communes[mid].insee, insee);
        if (c == 0)
            return &db->communes[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Calls fn with the place of the current row of st (SQL_PLACE_COLUMNS). */
static int place_of_row(struct api_db *db, sqlite3_stmt *st, api_place_fn *fn, void *cls)
{
    const char *insee = col_text(st, 5), *source = col_text(st, 12);
    const struct api_commune_entry *commune = api_db_commune(db, insee);
    const struct api_source_entry *src = NULL;
    const char *validated_by = col_text(st, 13);
    char contribution[160];
    if (validated_by) {
        const struct api_commune_entry *by = api_db_commune(db, validated_by);
        if (by)
            snprintf(contribution, sizeof contribution,
                     "contribution validée par la commune de %s", by->name);
        else
            snprintf(contribution, sizeof contribution,
                     "contribution validée par la communauté de communes");
    }
    for (size_t i = 0; source && i < db->n_sources; i++)
        if (strcmp(db->sources[i].name, source) == 0)
            src = &db->sources[i];
    struct api_place p = {
        .id = col_text(st, 0),
        .name = col_text(st, 1),
        .category = col_text(st, 2),
        .address = col_text(st, 3),
        .postcode = col_text(st, 4),
        .insee = insee,
        .commune = commune ? commune->name : NULL,
        .phone = col_text(st, 7),
        .email = col_text(st, 8),
        .website = col_text(st, 9),
        .opening_hours = col_text(st, 10),
        .description = col_text(st, 11),
        .source = source,
        .source_title = src ? src->title : NULL,
        .publisher = src ? src->publisher : NULL,
        .licence = col_text(st, 15),
        .source_date = col_text(st, 16),
        .contribution = validated_by ? contribution : NULL,
        .contribution_date = validated_by ? col_text(st, 14) : NULL,
        .geocode_precision = col_text(st, 18),
        .has_geocode_score = sqlite3_column_type(st, 19) != SQLITE_NULL,
        .geocode_score = sqlite3_column_double(st, 19),
    };
    if (api_point_from_blob(sqlite3_column_blob(st, 17), sqlite3_column_bytes(st, 17), &p.lat,
                            &p.lon) != 0)
        p.lat = p.lon = 0;   /* as ST_Y/ST_X of no point read through sqlite3_column_double */
    return fn(cls, &p);
}

/* The one place of a statement by fid or id. */
static int place_row(sqlite3_stmt *st, struct q_ctx *q)
{
    return place_of_row(q->db, st, q->fn.place, q->cls);
}

/* A row of a page of places: rows come in the order of the page (column 20). */
static int page_place_row(sqlite3_stmt *st, struct q_ctx *q)
{
    if (sqlite3_column_int64(st, 20) != (sqlite3_int64)q->n)
        return gdir_err_set(q->err, GDIR_EINTERNAL, "page of places: rows out of order");
    q->n++;
    return place_row(st, q);
}

int api_q_places_by_fid(struct api_db *db, const long long *fids, size_t n, api_place_fn *fn,
                        void *cls, struct gdir_err *err)
{
    sqlite3_stmt *st = db->st[API_Q_PLACES_BY_FIDS];
    struct q_ctx q = {.db = db, .fn.place = fn, .cls = cls, .err = err};
    struct gdir_buf list;
    int rc = GDIR_OK;

    if (n == 0)
        return GDIR_OK;
    gdir_buf_init(&list, 0);
    for (size_t i = 0; i < n && !rc; i++) {
        char digits[24], *d = digits + sizeof digits;
        unsigned long long v = fids[i] < 0 ? 0ull - (unsigned long long)fids[i]
                                           : (unsigned long long)fids[i];
        do
            *--d = (char)('0' + v % 10);
        while (v /= 10);
        if (fids[i] < 0)
            *--d = '-';
        *--d = i ? ',' : '[';
        rc = gdir_buf_add(&list, d, (size_t)(digits + sizeof digits - d));
    }
    if (!rc)
        rc = gdir_buf_addc(&list, ']');
    if (rc) {
        gdir_buf_free(&list);
        return gdir_err_set(err, rc, "page of places: out of memory");
    }
    sqlite3_bind_text(st, 1, gdir_buf_str(&list), (int)list.len, SQLITE_STATIC);
    rc = q_each(db, API_Q_PLACES_BY_FIDS, page_place_row, &q, err);
    if (!rc && q.n != (long long)n)
        rc = GDIR_ENOTFOUND;   /* a place of the page is gone (err left for the caller) */
    gdir_buf_free(&list);
    return rc;
}

int api_q_place_by_fid(struct api_db *db, long long fid, api_place_fn *fn, void *cls,
                       struct gdir_err *err)
{
    sqlite3_stmt *st = db->st[API_Q_PLACE_BY_FID];
    struct q_ctx q = {.db = db, .fn.place = fn, .cls = cls};

    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":fid"), fid);
    return q_one(db, API_Q_PLACE_BY_FID, place_row, &q, err);
}

int api_q_place_by_id(struct api_db *db, const char *id, api_place_fn *fn, void *cls,
                      struct gdir_err *err)
{
    struct q_ctx q = {.db = db, .fn.place = fn, .cls = cls};

    bind_text(db->st[API_Q_PLACE_BY_ID], ":id", id);
    return q_one(db, API_Q_PLACE_BY_ID, place_row, &q, err);
}

/* ---- OGC API - Features -------------------------------------------------------------- */

static double col_double_or_nan(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

static int ogc_stats_row(sqlite3_stmt *st, struct q_ctx *q)
{
    struct api_ogc_stats g = {
        .category = col_text(st, 0),
        .licence = col_text(st, 1),
        .n = sqlite3_column_int64(st, 2),
        .minlon = col_double_or_nan(st, 3),
        .minlat = col_double_or_nan(st, 4),
        .maxlon = col_double_or_nan(st, 5),
        .maxlat = col_double_or_nan(st, 6),
        .min_date = col_text(st, 7),
        .max_date = col_text(st, 8),
    };
    return q->fn.ogc_stats(q->cls, &g);
}

int api_q_ogc_stats(struct api_db *db, enum api_ogc_table t, api_ogc_stats_fn *fn, void *cls,
                    struct gdir_err *err)
{
    enum api_stmt which = t == API_OGC_PLACES     ? API_Q_OGC_PLACE_STATS
                          : t == API_OGC_COMMUNES ? API_Q_OGC_COMMUNE_STATS
                                                  : API_Q_OGC_ADDRESS_STATS;
    struct q_ctx q = {.db = db, .fn.ogc_stats = fn, .cls = cls};
    return q_each(db, which, ogc_stats_row, &q, err);
}

int api_q_ogc_place_date(struct api_db *db, long long fid, char *out, size_t cap,
                         struct gdir_err *err)
{
    sqlite3_stmt *st = db->st[API_Q_OGC_PLACE_DATE];
    int rc = GDIR_OK, s;

    out[0] = '\0';
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":fid"), fid);
    s = sqlite3_step(st);
    if (s == SQLITE_ROW && col_text(st, 0))
        snprintf(out, cap, "%s", col_text(st, 0));
    else if (s != SQLITE_ROW && s != SQLITE_DONE)
        rc = step_error(db, API_Q_OGC_PLACE_DATE, err);
    done(st);
    return rc;
}

static int ogc_key_row(sqlite3_stmt *st, struct q_ctx *q)
{
    return col_text(st, 0) ? q->fn.ogc_key(q->cls, col_text(st, 0)) : GDIR_OK;
}

int api_q_ogc_commune_keys(struct api_db *db, const struct gdir_bbox *envelope, const char *wkt,
                           api_ogc_key_fn *fn, void *cls, struct gdir_err *err)
{
    enum api_stmt which = wkt ? API_Q_OGC_COMMUNE_KEYS_BOX : API_Q_OGC_COMMUNE_KEYS;
    struct q_ctx q = {.db = db, .fn.ogc_key = fn, .cls = cls};

    if (wkt) {
        bind_box(db->st[which], envelope);
        bind_text(db->st[which], ":wkt", wkt);
    }
    return q_each(db, which, ogc_key_row, &q, err);
}

static int ogc_commune_row(sqlite3_stmt *st, struct q_ctx *q)
{
    struct api_ogc_commune c = {
        .insee = col_text(st, 0),
        .name = col_text(st, 1),
        .postcodes = col_text(st, 2),
        .population = col_population(st, 3),
        .places = sqlite3_column_int64(st, 4),
        .source = col_text(st, 5),
        .licence = col_text(st, 6),
        .geojson = col_text(st, 7),
    };
    return q->fn.ogc_commune(q->cls, &c);
}

int api_q_ogc_commune(struct api_db *db, const char *insee, api_ogc_commune_fn *fn, void *cls,
                      struct gdir_err *err)
{
    struct q_ctx q = {.db = db, .fn.ogc_commune = fn, .cls = cls};

    bind_text(db->st[API_Q_OGC_COMMUNE], ":insee", insee);
    return q_one(db, API_Q_OGC_COMMUNE, ogc_commune_row, &q, err);
}

/* An address row; rows without a readable point are skipped (q->n counts the others). */
static int ogc_address_row(sqlite3_stmt *st, struct q_ctx *q)
{
    struct api_ogc_address a = {
        .fid = sqlite3_column_int64(st, 0),
        .id = col_text(st, 1),
        .housenumber = col_text(st, 2),
        .street = col_text(st, 3),
        .postcode = col_text(st, 4),
        .insee = col_text(st, 5),
        .city = col_text(st, 6),
        .source = col_text(st, 7),
        .licence = col_text(st, 8),
    };
    if (!a.id || api_point_from_blob(sqlite3_column_blob(st, 9), sqlite3_column_bytes(st, 9),
                                     &a.lat, &a.lon) != 0)
        return GDIR_OK;
    q->n++;
    return q->fn.ogc_address(q->cls, &a);
}

/* Steps an address statement, calling fn per row until it asks to stop; *found is set when
 * fn saw a row. */
static int address_rows(struct api_db *db, enum api_stmt which, api_ogc_address_fn *fn,
                        void *cls, int *found, struct gdir_err *err)
{
    struct q_ctx q = {.db = db, .fn.ogc_address = fn, .cls = cls};
    int rc = q_each(db, which, ogc_address_row, &q, err);

    if (found && q.n)
        *found = 1;
    return rc > 0 ? GDIR_OK : rc;
}

int api_q_ogc_addresses(struct api_db *db, const struct gdir_bbox *box, long long key,
                        int descending, api_ogc_address_fn *fn, void *cls, struct gdir_err *err)
{
    enum api_stmt which = box ? (descending ? API_Q_OGC_ADDR_BOX_BEFORE : API_Q_OGC_ADDR_BOX_AFTER)
                              : (descending ? API_Q_OGC_ADDR_BEFORE : API_Q_OGC_ADDR_AFTER);
    sqlite3_stmt *st = db->st[which];

    if (box)
        bind_box(st, box);
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":key"), key);
    return address_rows(db, which, fn, cls, NULL, err);
}

static int ogc_point_row(sqlite3_stmt *st, struct q_ctx *q)
{
    double lat, lon;

    if (api_point_from_blob(sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0), &lat,
                            &lon) != 0)
        return GDIR_OK;
    return q->fn.ogc_point(q->cls, lat, lon);
}

int api_q_ogc_address_points(struct api_db *db, const struct gdir_bbox *box,
                             api_ogc_point_fn *fn, void *cls, struct gdir_err *err)
{
    struct q_ctx q = {.db = db, .fn.ogc_point = fn, .cls = cls};

    bind_box(db->st[API_Q_OGC_ADDR_BOX_POINTS], box);
    return q_each(db, API_Q_OGC_ADDR_BOX_POINTS, ogc_point_row, &q, err);
}

int api_q_ogc_address_count(struct api_db *db, long long *n, struct gdir_err *err)
{
    struct q_ctx q = {.db = db};
    int rc = q_one(db, API_Q_OGC_ADDR_COUNT, number_row, &q, err);   /* count(*): always a row */

    if (!rc)
        *n = q.n;
    return rc;
}

int api_q_ogc_address_by_id(struct api_db *db, const char *source, const char *id,
                            api_ogc_address_fn *fn, void *cls, struct gdir_err *err)
{
    sqlite3_stmt *st = db->st[API_Q_OGC_ADDR_BY_ID];
    int found = 0, rc;

    bind_text(st, ":source", source);
    bind_text(st, ":id", id);
    rc = address_rows(db, API_Q_OGC_ADDR_BY_ID, fn, cls, &found, err);
    return rc ? rc : found ? GDIR_OK : GDIR_ENOTFOUND;
}

/* A row of the commune list, appended to db->communes (q->n: its capacity). */
static int commune_entry_row(sqlite3_stmt *st, struct q_ctx *q)
{
    struct api_db *db = q->db;
    const char *insee = col_text(st, 0), *name = col_text(st, 1), *pc = col_text(st, 2);
    struct api_commune_entry *e;
    size_t cap = (size_t)q->n;

    if (!insee || strlen(insee) >= sizeof e->insee || !name)
        return GDIR_OK;
    if (gdir_grow(&db->communes, &cap, db->n_communes + 1, sizeof *db->communes))
        return gdir_err_set(q->err, GDIR_ENOMEM, "commune list: out of memory");
    q->n = (long long)cap;
    e = &db->communes[db->n_communes];
    memset(e, 0, sizeof *e);
    snprintf(e->insee, sizeof e->insee, "%s", insee);
    e->name = gdir_strdup(name);
    e->folded = gdir_text_fold_dup(name);
    e->postcodes = gdir_strdup(pc);
    e->lat = sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 3);
    e->lon = sqlite3_column_type(st, 4) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 4);
    db->n_communes++;
    if (!e->name || !e->folded || (pc && !e->postcodes))
        return gdir_err_set(q->err, GDIR_ENOMEM, "commune list: out of memory");
    return GDIR_OK;
}

/* Loads the commune list of db (API_Q_COMMUNE_LIST). */
static int load_communes(struct api_db *db, struct gdir_err *err)
{
    struct q_ctx q = {.db = db, .err = err};
    return q_each(db, API_Q_COMMUNE_LIST, commune_entry_row, &q, err);
}

/* A row of the source list, appended to db->sources. */
static int source_entry_row(sqlite3_stmt *st, struct q_ctx *q)
{
    struct api_db *db = q->db;
    const char *name = col_text(st, 0), *title = col_text(st, 1), *pub = col_text(st, 2);
    struct api_source_entry *e = realloc(db->sources, (db->n_sources + 1) * sizeof *e);

    if (!e)
        return gdir_err_set(q->err, GDIR_ENOMEM, "source list: out of memory");
    db->sources = e;
    e = &db->sources[db->n_sources];
    e->name = gdir_strdup(name);
    e->title = gdir_strdup(title);
    e->publisher = gdir_strdup(pub);
    db->n_sources++;
    if (!name || !e->name || (title && !e->title) || (pub && !e->publisher))
        return gdir_err_set(q->err, GDIR_ENOMEM, "source list: out of memory");
    return GDIR_OK;
}

/* Loads the source list of db (SQL_SOURCE_LIST). */
static int load_sources(struct api_db *db, struct gdir_err *err)
{
    struct q_ctx q = {.db = db, .err = err};
    return q_each_sql(db, SQL_SOURCE_LIST, "source list", source_entry_row, &q, err);
}

/* A row of the category counts, added to db->category_counts. */
static int category_count_row(sqlite3_stmt *st, struct q_ctx *q)
{
    const char *code = col_text(st, 0);
    const struct gdir_category *c = code ? gdir_category_find(code) : NULL;
    size_t n;

    if (c)
        q->db->category_counts[c - gdir_taxonomy(&n)] += sqlite3_column_int64(st, 1);
    return GDIR_OK;
}

/* Loads the number of places of each taxonomy row (API_Q_CATEGORY_COUNTS). */
static int load_category_counts(struct api_db *db, struct gdir_err *err)
{
    struct q_ctx q = {.db = db};
    size_t n;

    gdir_taxonomy(&n);
    db->category_counts = calloc(n, sizeof *db->category_counts);
    if (!db->category_counts)
        return gdir_err_set(err, GDIR_ENOMEM, "category counts: out of memory");
    return q_each(db, API_Q_CATEGORY_COUNTS, category_count_row, &q, err);
}

/* The identity of the file at path, as text; "" when it cannot be read. */
static void file_identity(const char *path, char *out, size_t cap)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(out, cap, "?");
        return;
    }
    snprintf(out, cap, "%llu:%llu:%lld:%lld.%09ld", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
             (long)st.st_mtim.tv_nsec);
}

int api_db_open(struct api_db **out, const char *path, struct gdir_err *err)
{
    struct api_db *db = NULL;
    char before[96], after[96];
    size_t at = 0;
    int rc = GDIR_OK;

    *out = NULL;
    /* The file may be swapped while it is opened: retry until its identity held still, so that
     * build_id names the file this connection really reads. */
    for (int attempt = 0; attempt < 3; attempt++) {
        api_db_close(db);
        db = calloc(1, sizeof *db);
        if (!db)
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        file_identity(path, before, sizeof before);
        rc = gdir_db_open(&db->g, path, GDIR_DB_READONLY, err);
        if (rc) {
            free(db);
            return rc;
        }
        file_identity(path, after, sizeof after);
        if (strcmp(before, after) == 0)
            break;
    }
    rc = gdir_db_exec(&db->g, SQL_CREATE_VOCAB, err);
    if (!rc)
        rc = register_fts(db, err);
    if (rc)
        goto fail;
    rc = gdir_db_prepare_all(&db->g, sql_text, API_Q_COUNT, db->st, &at, err);
    if (rc) {
        gdir_err_set(err, rc, "%s: statement %zu: %s", path, at, sqlite3_errmsg(db->g.db));
        goto fail;
    }
    {
        struct api_health h;
        rc = api_q_health(db, &h, err);
        if (rc)
            goto fail;
        snprintf(db->build_id, sizeof db->build_id, "%s|%lld|%s", h.built_at, h.places, after);
    }
    rc = load_communes(db, err);
    if (!rc)
        rc = load_sources(db, err);
    if (!rc)
        rc = load_category_counts(db, err);
    if (rc)
        goto fail;
    db->hours = api_hours_cache_new();
    if (!db->hours) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto fail;
    }
    *out = db;
    return GDIR_OK;
fail:
    api_db_close(db);
    return rc;
}

void api_db_close(struct api_db *db)
{
    if (!db)
        return;
    gdir_db_finalize_all(db->st, API_Q_COUNT);
    gdir_db_close(&db->g);
    for (size_t i = 0; i < db->n_communes; i++) {
        free(db->communes[i].name);
        free(db->communes[i].folded);
        free(db->communes[i].postcodes);
    }
    free(db->communes);
    for (size_t i = 0; i < db->n_sources; i++) {
        free(db->sources[i].name);
        free(db->sources[i].title);
        free(db->sources[i].publisher);
    }
    free(db->sources);
    free(db->category_counts);
    api_hours_cache_free(db->hours);
    api_gen_release(db->gen);   /* the last connection of a generation frees its caches */
    free(db);
}

struct api_gen *api_db_gen(struct api_db *db, struct gdir_err *err)
{
    if (!db->gen && api_gen_acquire(db->build_id, &db->gen, err) != 0)
        return NULL;
    return db->gen;
}

void api_db_drop_gen(struct api_db *db)
{
    db->pindex = NULL;
    db->pindex_failed = 1;
    db->vocab = NULL;
    db->vocab_failed = 1;
    memset(&db->row_lengths, 0, sizeof db->row_lengths);
    api_gen_release(db->gen);
    db->gen = NULL;
}

/* Ends the connection's hold on the file between statements: no exclusive lock kept, no page
 * mapped; the read that follows drops the shared lock kept until now. */
static const char SQL_UNPIN[] =
    "PRAGMA main.locking_mode=NORMAL; PRAGMA mmap_size=0; SELECT count(*) FROM meta;";

int api_db_unpin(struct api_db *db, struct gdir_err *err)
{
    return gdir_db_exec(&db->g, SQL_UNPIN, err);
}

/* ---- DCAT catalogue ----------------------------------------------------------------------- */

/* Each EXISTS walks an index whose first column is the source (places and addresses: their
 * unique (source, ...) index); communes are a few dozen rows. */
static const char SQL_CATALOG_SOURCES[] =
    "SELECT s.name, s.title, s.publisher, s.licence, s.url, s.data_date, s.imported_at,"
    " EXISTS (SELECT 1 FROM places AS p WHERE p.source = s.name),"
    " EXISTS (SELECT 1 FROM communes AS c WHERE c.source = s.name),"
    " EXISTS (SELECT 1 FROM addresses AS a WHERE a.source = s.name)"
    " FROM sources AS s ORDER BY s.name";

static int catalog_source_row(sqlite3_stmt *st, struct q_ctx *q)
{
    struct api_catalog_source src = {
        col_text(st, 0), col_text(st, 1), col_text(st, 2), col_text(st, 3),
        col_text(st, 4), col_text(st, 5), col_text(st, 6), sqlite3_column_int(st, 7),
        sqlite3_column_int(st, 8), sqlite3_column_int(st, 9)};
    return q->fn.catalog_source(q->cls, &src);
}

/* The heads and tails of the filter statements of api_q_ogc_filter: the condition between
 * them is h_ogc_filter.c's translation of a CQL2 expression (column expressions of the
 * collection's queryables and "?" parameters). Events: ?1 is the JSON array of the
 * occurrences (j.value their queryable values). */
static const struct {
    const char *head, *tail;
} filter_sql[] = {
    [API_FILTER_PLACES] = {"SELECT p.fid FROM places AS p WHERE ", " ORDER BY p.fid"},
    [API_FILTER_COMMUNES] = {"SELECT c.insee FROM communes AS c WHERE ", " ORDER BY c.insee"},
    [API_FILTER_ADDRESSES] = {"SELECT a.fid, X(a.geom), Y(a.geom) FROM addresses AS a WHERE ",
                              " ORDER BY a.fid"},
    [API_FILTER_EVENTS] = {"SELECT j.key FROM json_each(?1) AS j WHERE ", " ORDER BY j.key"},
};

static int filter_row(sqlite3_stmt *st, struct q_ctx *q)
{
    const char *key = col_text(st, 0);
    int has_point = sqlite3_column_count(st) == 3;
    return q->fn.filter_row(q->cls, sqlite3_column_int64(st, 0), key ? key : "",
                            has_point ? sqlite3_column_double(st, 1) : 0,
                            has_point ? sqlite3_column_double(st, 2) : 0);
}

int api_q_ogc_filter(struct api_db *db, enum api_filter_table t, const char *where,
                     const struct api_bind *binds, size_t n_binds, const char *rows_json,
                     api_filter_row_fn *fn, void *cls, struct gdir_err *err)
{
    struct q_ctx q = {.db = db, .fn.filter_row = fn, .cls = cls, .err = err};
    struct gdir_buf sql;
    sqlite3_stmt *st = NULL;
    int rc, s, first = 1;

    gdir_buf_init(&sql, 0);
    if (gdir_buf_adds(&sql, filter_sql[t].head) || gdir_buf_adds(&sql, where) ||
        gdir_buf_adds(&sql, filter_sql[t].tail)) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "filter: out of memory");
        goto out;
    }
    if ((rc = gdir_db_prepare(&db->g, gdir_buf_str(&sql), &st, err)))
        goto out;
    if (t == API_FILTER_EVENTS) {
        sqlite3_bind_text(st, 1, rows_json ? rows_json : "[]", -1, SQLITE_STATIC);
        first = 2;
    }
    for (size_t i = 0; i < n_binds; i++) {
        int k = first + (int)i;
        if (binds[i].type == API_BIND_TEXT)
            sqlite3_bind_text(st, k, binds[i].s, -1, SQLITE_STATIC);
        else if (binds[i].type == API_BIND_REAL)
            sqlite3_bind_double(st, k, binds[i].d);
        else
            sqlite3_bind_int64(st, k, binds[i].i);
    }
    rc = q_steps(st, filter_row, &q, &s);
    if (!rc && s != SQLITE_DONE)
        rc = gdir_err_set(err, GDIR_EDB, "filter: %s", sqlite3_errmsg(db->g.db));
out:
    sqlite3_finalize(st);
    gdir_buf_free(&sql);
    return rc;
}

int api_q_catalog_sources(struct api_db *db, api_catalog_source_fn *fn, void *cls,
                          struct gdir_err *err)
{
    struct q_ctx q = {.db = db, .fn.catalog_source = fn, .cls = cls};
    return q_each_sql(db, SQL_CATALOG_SOURCES, "catalogue sources", catalog_source_row, &q, err);
}
