/*
 * api_queries.c — all the SQL of geodir-api, each statement next to the function that binds
 * and steps it. Named parameters only; nothing from a request is ever formatted into SQL text.
 * Statements are prepared once per connection and reset + cleared after every use.
 *
 * Not here: distances, sorting, JSON (the handlers), which connection a thread uses
 * (api_dbpool.c).
 */
#include "api_queries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The R*Tree drives: its four box constraints select the candidates, each fetched from places
 * by rowid. CROSS JOIN fixes that loop order: written as `p.fid IN (SELECT pkid FROM
 * idx_places_geom WHERE ...)`, the planner chose a full scan of places once the importer's
 * ANALYZE statistics said the table was small (seen by tests/http/test_api_query_plan.c).
 * The filters are written as ORs so that no other index of places competes. R*Tree boxes are
 * 32-bit floats rounded outwards, so no point of the box is lost; the exact distance test is
 * done in C on the candidates. */
static const char SQL_PLACES_IN_BOX[] =
    "SELECT p.fid, ST_Y(p.geom), ST_X(p.geom), p.id"
    " FROM idx_places_geom AS r CROSS JOIN places AS p ON p.fid = r.pkid"
    " WHERE r.xmin <= :maxx AND r.xmax >= :minx AND r.ymin <= :maxy AND r.ymax >= :miny"
    "   AND (:category IS NULL OR p.category = :category"
    "        OR p.category IN (SELECT code FROM categories WHERE parent = :category))"
    "   AND (:commune IS NULL OR p.insee = :commune)";

#define SQL_PLACE_COLUMNS                                                                          \
    "SELECT p.id, p.name, p.category, p.address, p.postcode, p.insee, c.name,"                     \
    " p.phone, p.email, p.website, p.opening_hours, p.description,"                                \
    " p.source, s.title, s.publisher, p.licence, p.source_date, ST_Y(p.geom), ST_X(p.geom)"        \
    " FROM places AS p"                                                                            \
    " LEFT JOIN communes AS c ON c.insee = p.insee"                                                \
    " LEFT JOIN sources AS s ON s.name = p.source"

static const char SQL_PLACE_BY_FID[] = SQL_PLACE_COLUMNS " WHERE p.fid = :fid";
static const char SQL_PLACE_BY_ID[] = SQL_PLACE_COLUMNS " WHERE p.id = :id";

static const char *const sql_text[API_Q_COUNT] = {
    [API_Q_USER_VERSION] = SQL_USER_VERSION,
    [API_Q_META] = SQL_META,
    [API_Q_COUNTS] = SQL_COUNTS,
    [API_Q_CATEGORY_COUNTS] = SQL_CATEGORY_COUNTS,
    [API_Q_COMMUNES] = SQL_COMMUNES,
    [API_Q_COMMUNES_GEO] = SQL_COMMUNES_GEO,
    [API_Q_COMMUNE_MEMBER] = SQL_COMMUNE_MEMBER,
    [API_Q_PLACES_IN_BOX] = SQL_PLACES_IN_BOX,
    [API_Q_PLACE_BY_FID] = SQL_PLACE_BY_FID,
    [API_Q_PLACE_BY_ID] = SQL_PLACE_BY_ID,
};

const char *api_q_sql(enum api_stmt which)
{
    return (unsigned)which < API_Q_COUNT ? sql_text[which] : NULL;
}

int api_db_open(struct api_db **out, const char *path, struct gdir_err *err)
{
    struct api_db *db = calloc(1, sizeof *db);
    int rc;

    *out = NULL;
    if (!db)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    rc = gdir_db_open(&db->g, path, GDIR_DB_READONLY, err);
    if (rc) {
        free(db);
        return rc;
    }
    for (int i = 0; i < API_Q_COUNT; i++) {
        rc = gdir_db_prepare(&db->g, sql_text[i], &db->st[i], err);
        if (rc) {
            gdir_err_set(err, rc, "%s: statement %d: %s", path, i, sqlite3_errmsg(db->g.db));
            api_db_close(db);
            return rc;
        }
    }
    *out = db;
    return GDIR_OK;
}

void api_db_close(struct api_db *db)
{
    if (!db)
        return;
    for (int i = 0; i < API_Q_COUNT; i++)
        sqlite3_finalize(db->st[i]);
    gdir_db_close(&db->g);
    free(db);
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

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
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

int api_q_category_counts(struct api_db *db, api_count_fn *fn, void *cls, struct gdir_err *err)
{
    sqlite3_stmt *st = db->st[API_Q_CATEGORY_COUNTS];
    int rc = GDIR_OK, s;

    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        rc = fn(cls, col_text(st, 0), sqlite3_column_int64(st, 1));
        if (rc)
            break;
    }
    if (!rc && s != SQLITE_DONE)
        rc = step_error(db, API_Q_CATEGORY_COUNTS, err);
    done(st);
    return rc;
}

int api_q_communes(struct api_db *db, int with_geometry, api_commune_fn *fn, void *cls,
                   struct gdir_err *err)
{
    enum api_stmt which = with_geometry ? API_Q_COMMUNES_GEO : API_Q_COMMUNES;
    sqlite3_stmt *st = db->st[which];
    int rc = GDIR_OK, s;

    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct api_commune c = {
            .insee = col_text(st, 0),
            .name = col_text(st, 1),
            .postcodes = col_text(st, 2),
            .population = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1
                                                                    : sqlite3_column_int64(st, 3),
            .places = sqlite3_column_int64(st, 4),
            .has_boundary = sqlite3_column_int(st, 5),
            .geojson = col_text(st, 6),
        };
        rc = fn(cls, &c);
        if (rc)
            break;
    }
    if (!rc && s != SQLITE_DONE)
        rc = step_error(db, which, err);
    done(st);
    return rc;
}

int api_q_commune_member(struct api_db *db, const char *insee, int *member, struct gdir_err *err)
{
    sqlite3_stmt *st = db->st[API_Q_COMMUNE_MEMBER];
    int rc = GDIR_OK;

    bind_text(st, ":insee", insee);
    if (sqlite3_step(st) == SQLITE_ROW)
        *member = sqlite3_column_int(st, 0) != 0;
    else
        rc = step_error(db, API_Q_COMMUNE_MEMBER, err);
    done(st);
    return rc;
}

int api_q_places_in_box(struct api_db *db, const struct gdir_bbox *box, const char *category,
                        const char *insee, api_candidate_fn *fn, void *cls, struct gdir_err *err)
{
    sqlite3_stmt *st = db->st[API_Q_PLACES_IN_BOX];
    int rc = GDIR_OK, s;

    bind_double(st, ":minx", box->minlon);
    bind_double(st, ":maxx", box->maxlon);
    bind_double(st, ":miny", box->minlat);
    bind_double(st, ":maxy", box->maxlat);
    bind_text(st, ":category", category);
    bind_text(st, ":commune", insee);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 1) == SQLITE_NULL || sqlite3_column_type(st, 2) == SQLITE_NULL)
            continue;   /* no point: cannot be near anything */
        rc = fn(cls, sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1),
                sqlite3_column_double(st, 2), col_text(st, 3));
        if (rc)
            break;
    }
    if (!rc && s != SQLITE_DONE)
        rc = step_error(db, API_Q_PLACES_IN_BOX, err);
    done(st);
    return rc;
}

static int place_row(struct api_db *db, enum api_stmt which, api_place_fn *fn, void *cls,
                     struct gdir_err *err)
{
    sqlite3_stmt *st = db->st[which];
    int rc, s = sqlite3_step(st);

    if (s == SQLITE_ROW) {
        struct api_place p = {
            .id = col_text(st, 0),
            .name = col_text(st, 1),
            .category = col_text(st, 2),
            .address = col_text(st, 3),
            .postcode = col_text(st, 4),
            .insee = col_text(st, 5),
            .commune = col_text(st, 6),
            .phone = col_text(st, 7),
            .email = col_text(st, 8),
            .website = col_text(st, 9),
            .opening_hours = col_text(st, 10),
            .description = col_text(st, 11),
            .source = col_text(st, 12),
            .source_title = col_text(st, 13),
            .publisher = col_text(st, 14),
            .licence = col_text(st, 15),
            .source_date = col_text(st, 16),
            .lat = sqlite3_column_double(st, 17),
            .lon = sqlite3_column_double(st, 18),
        };
        rc = fn(cls, &p);
    } else if (s == SQLITE_DONE) {
        rc = GDIR_ENOTFOUND;
    } else {
        rc = step_error(db, which, err);
    }
    done(st);
    return rc;
}

int api_q_place_by_fid(struct api_db *db, long long fid, api_place_fn *fn, void *cls,
                       struct gdir_err *err)
{
    sqlite3_stmt *st = db->st[API_Q_PLACE_BY_FID];
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":fid"), fid);
    return place_row(db, API_Q_PLACE_BY_FID, fn, cls, err);
}

int api_q_place_by_id(struct api_db *db, const char *id, api_place_fn *fn, void *cls,
                      struct gdir_err *err)
{
    bind_text(db->st[API_Q_PLACE_BY_ID], ":id", id);
    return place_row(db, API_Q_PLACE_BY_ID, fn, cls, err);
}
