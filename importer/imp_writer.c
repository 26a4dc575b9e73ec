/*
 * imp_writer.c — the importer's database side: a new SpatiaLite file built next to the target,
 * every INSERT of the importer (prepared once), batched transactions, the point-in-polygon
 * lookup, and the final checks and atomic swap (see imp_writer.h).
 */
#include "imp_writer.h"
#include "imp_case.h"
#include "gdir_hilbert.h"
#include "gdir_fs.h"
#include "gdir_log.h"
#include "imp_outfiles.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define BATCH_ROWS 20000   /* rows per transaction */
#define ID_MAX 256         /* "<source>:<source_id>" */
#define MAIN_CACHE_KB "65536"      /* page cache of the new database */
#define STAGING_CACHE_KB "8192"    /* page cache of the temporary file (staged places) */
#define SORT_CACHE_KB "32768"      /* page cache while places are sorted (the sort's memory) */

/* The columns of a place record, as named in places and in the staging table. */
#define RECORD_COLUMNS                                                                             \
    "id, name, name_key, category, address, postcode, insee, phone, email, website,"               \
    " opening_hours, description, source, source_id, licence, source_date, wheelchair, refs,"      \
    " geo_quality, geocode_precision, geocode_score"

/* Place records are staged in a temporary table (in SQLite's temporary file, deleted when the
 * connection closes or the process dies) and written into places once, in the order of the
 * Hilbert curve of their points (imp_writer_index): so the rows, and the fids, of near places
 * are near in the file, whatever the order of the sources. The staging table has the
 * constraints of places that a row can break (NOT NULL, the two UNIQUE ids), so that a
 * duplicate is still told at its row. */
static const char SQL_CREATE_STAGING[] =
    "CREATE TEMP TABLE places_load (id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    " name_key TEXT NOT NULL, category TEXT NOT NULL, address TEXT, postcode TEXT, insee TEXT,"
    " phone TEXT, email TEXT, website TEXT, opening_hours TEXT, description TEXT,"
    " source TEXT NOT NULL, source_id TEXT NOT NULL, licence TEXT NOT NULL, source_date TEXT,"
    " wheelchair TEXT, refs TEXT, geo_quality TEXT, geocode_precision TEXT,"
    " geocode_score REAL, lon REAL NOT NULL, lat REAL NOT NULL, UNIQUE (source, source_id))";

#define INTO_PLACE                                                                                 \
    " INTO places_load(" RECORD_COLUMNS ", lon, lat)"                                              \
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"   \
    " ?19, ?20, ?21, ?22, ?23)"
static const char SQL_INS_PLACE[] = "INSERT" INTO_PLACE;
static const char SQL_INS_PLACE_IG[] = "INSERT OR IGNORE" INTO_PLACE;

/* The columns other tables are written with, each list once: the copies from the previous
 * database (below) name the same ones. */
#define ADDRESS_COLUMNS "id, housenumber, street, postcode, insee, city, source, licence"
#define WARNING_COLUMNS "source, id, kind, insee, distance_m, lat, lon, file, line, message"
#define SOURCE_COLUMNS "name, profile, title, publisher, licence, url, file, data_date, imported_at"
#define RAW_COLUMNS "id, source, field, value"

/* The bulk inserts run as INSERT OR IGNORE: a statement that cannot abort needs no statement
 * journal. A row that was ignored (changes() == 0, rare) is inserted again with the plain
 * statement, to tell a duplicate from any other constraint (step_ignore). */
#define INTO_ADDRESS                                                                               \
    " INTO addresses(" ADDRESS_COLUMNS ", geom)"                                               \
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, MakePoint(?9, ?10, 4326))"
static const char SQL_INS_ADDRESS[] = "INSERT" INTO_ADDRESS;
static const char SQL_INS_ADDRESS_IG[] = "INSERT OR IGNORE" INTO_ADDRESS;

static const char SQL_INS_RAW[] =
    "INSERT OR IGNORE INTO place_raw_values(" RAW_COLUMNS ") VALUES (?1, ?2, ?3, ?4)";

static const char SQL_INS_WARNING[] = "INSERT INTO import_warnings(" WARNING_COLUMNS ")"
                                      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

/* A second communes list completes the first one rather than replacing it. */
static const char SQL_INS_COMMUNE[] =
    "INSERT INTO communes(insee, name, postcodes, population) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT(insee) DO UPDATE SET name = excluded.name,"
    " postcodes = coalesce(excluded.postcodes, communes.postcodes),"
    " population = coalesce(excluded.population, communes.population)";

/* The name of a commune comes from a communes list when there is one. */
static const char SQL_INS_BOUNDARY[] =
    "INSERT INTO communes(insee, name, source, licence, geom)"
    " VALUES (?1, ?2, ?3, ?4, CastToMultiPolygon(GeomFromWKB(?5, 4326)))"
    " ON CONFLICT(insee) DO UPDATE SET geom = excluded.geom, source = excluded.source,"
    " licence = excluded.licence";

/* Through the R*Tree first, then the exact test; a point on a shared border goes to the
 * lowest INSEE code. */
static const char SQL_LOCATE[] =
    "SELECT insee FROM communes WHERE rowid IN (SELECT pkid FROM idx_communes_geom"
    " WHERE xmin <= ?1 AND xmax >= ?1 AND ymin <= ?2 AND ymax >= ?2)"
    " AND ST_Intersects(geom, MakePoint(?1, ?2, 4326)) = 1 ORDER BY insee LIMIT 1";

static const char SQL_INS_SOURCE[] =
    "INSERT INTO sources(" SOURCE_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

static const char SQL_UPD_SOURCE[] =
    "UPDATE sources SET rows_read = ?2, rows_imported = ?3, rows_rejected = ?4 WHERE name = ?1";

static const char SQL_INS_META[] = "INSERT INTO meta(key, value) VALUES (?1, ?2)";

static const char SQL_COMMUNE_NAMES[] = "SELECT name FROM communes ORDER BY insee";

static const char SQL_ATTACH[] = "ATTACH DATABASE ?1 AS old";
static const char SQL_OLD_CHECK[] =
    "SELECT count(*) FROM old.sqlite_master WHERE name IN ('place_records', 'import_warnings',"
    " 'sources', 'addresses', 'communes', 'places')";
static const char SQL_OLD_HAS_SOURCE[] = "SELECT count(*) FROM old.sources WHERE name = ?1";
static const char SQL_COPY_SOURCE[] =
    "INSERT INTO sources(" SOURCE_COLUMNS ", rows_read, rows_imported, rows_rejected)"
    " SELECT " SOURCE_COLUMNS ", rows_read, rows_imported, rows_rejected"
    " FROM old.sources WHERE name = ?1";
/* A kept source's records as they were read (place_records: before merging and overrides)
 * become place records again (staged with the others, then written in the curve's order);
 * merging and overrides run anew. The columns are named: the previous file may order them
 * otherwise. */
static const char SQL_COPY_RECORDS[] =
    "INSERT INTO places_load(" RECORD_COLUMNS ", lon, lat) SELECT " RECORD_COLUMNS ", lon, lat"
    " FROM old.place_records WHERE source = ?1";
static const char SQL_COPY_ADDRESSES[] =
    "INSERT INTO addresses(" ADDRESS_COLUMNS ", geom) SELECT " ADDRESS_COLUMNS ", geom"
    " FROM old.addresses WHERE source = ?1";
static const char SQL_COPY_WARNINGS[] =
    "INSERT INTO import_warnings(" WARNING_COLUMNS ") SELECT " WARNING_COLUMNS
    " FROM old.import_warnings WHERE source = ?1";
/* A database built before place_raw_values existed has none to copy. */
static const char SQL_OLD_HAS_RAW[] =
    "SELECT count(*) FROM old.sqlite_master WHERE name = 'place_raw_values'";
static const char SQL_COPY_RAW[] =
    "INSERT INTO place_raw_values(" RAW_COLUMNS ") SELECT " RAW_COLUMNS
    " FROM old.place_raw_values WHERE source = ?1";
static const char SQL_COPY_COMMUNES[] =
    "INSERT INTO communes(insee, name, postcodes, population, source, licence, geom)"
    " SELECT insee, name, postcodes, population, source, licence, geom FROM old.communes";

/* SpatiaLite keeps an R*Tree in step with a table through per-row triggers: dropped during
 * the bulk load, built once at the end. Its other per-row triggers (geometry type check ggi/ggu,
 * last-change time tmi/tmu/tmd) cost as much again: every row written here is a MakePoint in
 * EPSG:4326 or a copy of such a row, so they are dropped too; CreateSpatialIndex recreates all
 * of them (imp_writer_index). */
static const char SQL_INDEX_OFF[] =
    "SELECT DisableSpatialIndex('places', 'geom'); DROP TABLE idx_places_geom;"
    " SELECT DisableSpatialIndex('addresses', 'geom'); DROP TABLE idx_addresses_geom;"
    " DROP TRIGGER IF EXISTS ggi_places_geom; DROP TRIGGER IF EXISTS ggu_places_geom;"
    " DROP TRIGGER IF EXISTS tmi_places_geom; DROP TRIGGER IF EXISTS tmu_places_geom;"
    " DROP TRIGGER IF EXISTS tmd_places_geom;"
    " DROP TRIGGER IF EXISTS ggi_addresses_geom; DROP TRIGGER IF EXISTS ggu_addresses_geom;"
    " DROP TRIGGER IF EXISTS tmi_addresses_geom; DROP TRIGGER IF EXISTS tmu_addresses_geom;"
    " DROP TRIGGER IF EXISTS tmd_addresses_geom;";

/* The indexes of the bulk-loaded tables, as schema.sql declares them: dropped during the load,
 * created once at the end from the same SQL (a sort is cheaper than a B-tree insert per row).
 * All of places' go, its two UNIQUE ones too: the staging table enforces both while records
 * are read, and places is written only once they have all been staged (order_places), so
 * CREATE UNIQUE INDEX cannot fail. The UNIQUE one of addresses stays: it detects duplicates. */
static const char SQL_DEFERRED_INDEXES[] =
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    " AND (tbl_name = 'places' OR (tbl_name = 'addresses' AND sql NOT LIKE 'CREATE UNIQUE%'))"
    " ORDER BY name";

static const char SQL_INDEX_ON_PLACES[] = "SELECT CreateSpatialIndex('places', 'geom')";
static const char SQL_INDEX_ON_ADDRESSES[] = "SELECT CreateSpatialIndex('addresses', 'geom')";

static const char SQL_SOURCE_ROW[] =
    "SELECT rows_read, rows_imported, rows_rejected,"
    " (SELECT count(*) FROM import_warnings WHERE source = ?1) FROM sources WHERE name = ?1";

#define SQL_STATS_COMMUNES                                                                         \
    "SELECT (SELECT count(*) FROM communes), (SELECT count(*) FROM communes WHERE geom IS NOT"     \
    " NULL), "
static const char SQL_STATS[] = SQL_STATS_COMMUNES "(SELECT count(*) FROM places)";
static const char SQL_STATS_STAGED[] = SQL_STATS_COMMUNES "(SELECT count(*) FROM places_load)";

/* The staged records' box, then every record written into places in the order of the curve
 * over that box (ties: the order they were staged in). */
static const char SQL_STAGED_BOX[] =
    "SELECT count(*), min(lon), min(lat), max(lon), max(lat) FROM places_load";
static const char SQL_ORDER_PLACES[] =
    "INSERT INTO places(" RECORD_COLUMNS ", geom) SELECT " RECORD_COLUMNS ","
    " MakePoint(lon, lat, 4326) FROM places_load ORDER BY imp_hilbert(lon, lat), rowid;"
    " DROP TABLE places_load;";

static void now_iso(char *out, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* mkdir -p dir */
static int make_dirs(const char *dir, struct gdir_err *err)
{
    char *p = strdup(dir);
    int rc = GDIR_OK;
    if (!p)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                rc = gdir_err_set(err, GDIR_EIO, "%s: cannot create folder: %s", p,
                                  strerror(errno));
                break;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    return rc;
}

int imp_writer_make_parent(const char *path, struct gdir_err *err)
{
    char *dir = gdir_dir_of(path);
    int rc = dir ? make_dirs(dir, err) : gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    free(dir);
    return rc;
}

/* Is end what may follow "<base>.tmp-<pid>" in a file of ours: nothing (the database), its
 * journal, or a staged report (imp_outfiles.h)? */
static int stale_suffix(const char *end)
{
    static const char *const known[] = {"", "-journal", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(end, known[i]))
            return 1;
    for (int k = 0; k < IMP_OUT__COUNT; k++)
        if (!strcmp(end, imp_outfile_suffixes[k]))
            return 1;
    return 0;
}

/* Removes "<base>.tmp-<pid>[-journal|-wal|-shm|.rejects.csv|...]" files of processes that no
 * longer exist. */
static void remove_stale(const char *dir, const char *base)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t bl = strlen(base);

    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strncmp(name, base, bl) != 0 || strncmp(name + bl, ".tmp-", 5) != 0)
            continue;
        const char *digits = name + bl + 5;
        char *end;
        errno = 0;
        long pid = strtol(digits, &end, 10);
        if (end == digits || errno || pid <= 0 || pid == (long)getpid())
            continue;
        if (!stale_suffix(end))
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;   /* alive, or not ours to judge */
        size_t n = strlen(dir) + strlen(name) + 2;
        char *path = malloc(n);
        if (!path)
            break;
        snprintf(path, n, "%s/%s", dir, name);
        if (unlink(path) == 0)
            gdir_log(GDIR_LOG_INFO, "import", "msg=\"removed a stale temporary file\" file=\"%s\"",
                     path);
        free(path);
    }
    closedir(d);
}

void imp_writer_remove_stale(const char *db_path)
{
    char *dir = gdir_dir_of(db_path);
    const char *base = strrchr(db_path, '/') ? strrchr(db_path, '/') + 1 : db_path;
    if (dir && *base)
        remove_stale(dir, base);
    free(dir);
}

static int db_fail(struct imp_writer *w, struct gdir_err *err, const char *what)
{
    int rc = gdir_db_disk_error(&w->db, what, err);
    if (rc)
        return rc;
    return gdir_err_set(err, GDIR_EDB, "%s: %s: %s", w->tmp_path, what, sqlite3_errmsg(w->db.db));
}

static int commit(struct imp_writer *w, struct gdir_err *err)
{
    if (w->in_tx && gdir_db_exec(&w->db, "COMMIT", err))
        return GDIR_EDB;
    w->in_tx = 0;
    w->pending = 0;
    return GDIR_OK;
}

/* Opens a transaction when none is open; commits every BATCH_ROWS rows. */
static int tick(struct imp_writer *w, struct gdir_err *err)
{
    if (w->pending >= BATCH_ROWS && commit(w, err))
        return GDIR_EDB;
    if (!w->in_tx) {
        if (gdir_db_exec(&w->db, "BEGIN", err))
            return GDIR_EDB;
        w->in_tx = 1;
    }
    w->pending++;
    return GDIR_OK;
}

static void finalize_all(struct imp_writer *w)
{
    sqlite3_stmt **all[] = {&w->ins_place,  &w->ins_address, &w->ins_commune,
                            &w->ins_boundary, &w->locate,     &w->ins_source,
                            &w->upd_source,  &w->ins_meta,    &w->ins_warning,
                            &w->ins_place_ig, &w->ins_address_ig, &w->ins_raw};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        sqlite3_finalize(*all[i]);
        *all[i] = NULL;
    }
}

void imp_writer_abort(struct imp_writer *w)
{
    if (!w)
        return;
    finalize_all(w);
    gdir_db_close(&w->db);
    if (w->tmp_path) {
        size_t n = strlen(w->tmp_path) + 16;
        char *j = malloc(n);
        unlink(w->tmp_path);
        if (j) {
            snprintf(j, n, "%s-journal", w->tmp_path);
            unlink(j);
            free(j);
        }
    }
    free(w->tmp_path);
    free(w->path);
    free(w->deferred_sql);
    memset(w, 0, sizeof *w);
}

/* Drops the indexes SQL_DEFERRED_INDEXES lists and keeps their SQL in w->deferred_sql. The
 * names and SQL come from the schema just created, not from input. */
static int defer_indexes(struct imp_writer *w, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    char *all = NULL, *drops = NULL;
    int rc = GDIR_OK, s = SQLITE_DONE;

    if (sqlite3_prepare_v2(w->db.db, SQL_DEFERRED_INDEXES, -1, &st, NULL) != SQLITE_OK)
        return db_fail(w, err, "deferred indexes");
    all = sqlite3_mprintf("%s", "");
    drops = sqlite3_mprintf("%s", "");
    while (all && drops && (s = sqlite3_step(st)) == SQLITE_ROW) {
        char *a = sqlite3_mprintf("%s%s;", all, (const char *)sqlite3_column_text(st, 1));
        char *d = sqlite3_mprintf("%sDROP INDEX \"%w\";", drops,
                                  (const char *)sqlite3_column_text(st, 0));
        sqlite3_free(all);
        sqlite3_free(drops);
        all = a;
        drops = d;
    }
    if (!all || !drops)
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    else if (s != SQLITE_DONE)
        rc = db_fail(w, err, "deferred indexes");
    sqlite3_finalize(st);
    if (rc == GDIR_OK && !(w->deferred_sql = strdup(all)))
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (rc == GDIR_OK)
        rc = gdir_db_exec(&w->db, drops, err);
    sqlite3_free(all);
    sqlite3_free(drops);
    return rc;
}

int imp_writer_open(struct imp_writer *w, const char *db_path, struct gdir_err *err)
{
    char *dir = NULL;
    const char *base;
    int rc;

    memset(w, 0, sizeof *w);
    if (!(w->path = strdup(db_path)) || !(dir = gdir_dir_of(db_path))) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto out;
    }
    base = strrchr(db_path, '/') ? strrchr(db_path, '/') + 1 : db_path;
    if (!*base) {
        rc = gdir_err_set(err, GDIR_EINVAL, "%s: expected a file path, not a folder", db_path);
        goto out;
    }
    if ((rc = make_dirs(dir, err)))
        goto out;
    size_t n = strlen(db_path) + 32;
    if (!(w->tmp_path = malloc(n))) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto out;
    }
    snprintf(w->tmp_path, n, "%s.tmp-%ld", db_path, (long)getpid());
    /* A leftover of this very pid (pid reuse after a crash) is stale too. */
    unlink(w->tmp_path);
    if ((rc = gdir_db_open(&w->db, w->tmp_path, GDIR_DB_CREATE, err)))
        goto out;
    /* The file is private until the rename, and a crash just leaves a stale temporary file:
     * no need for durability on every commit. The journal stays (in memory) so that a failed
     * statement (duplicate id) is rolled back alone. */
    if ((rc = gdir_db_exec(&w->db,
                           "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;"
                           " PRAGMA cache_size=-" MAIN_CACHE_KB "; PRAGMA temp_store=MEMORY;",
                           err)) ||
        (rc = gdir_db_create_schema(&w->db, err)))
        goto out;
    /* The staged place records live in SQLite's temporary file, not in memory: temp_store
     * FILE until they are written into places (imp_writer_index; changing temp_store drops
     * temporary tables, so it is not changed before). */
    if ((rc = gdir_db_exec(&w->db, "PRAGMA temp_store=FILE", err)) ||
        (rc = gdir_db_exec(&w->db, SQL_CREATE_STAGING, err)) ||
        (rc = gdir_db_exec(&w->db, "PRAGMA temp.cache_size=-" STAGING_CACHE_KB, err)))
        goto out;
    w->staged = 1;
    /* SpatiaLite keeps an R*Tree in step with a table through triggers that prepare a
     * statement per row: for a bulk load, dropping the places and addresses indexes and
     * building them once at the end is several times faster. The communes index stays:
     * locate() needs it. */
    if ((rc = gdir_db_exec(&w->db, SQL_INDEX_OFF, err)) || (rc = defer_indexes(w, err)))
        goto out;
    if ((rc = gdir_db_prepare(&w->db, SQL_INS_PLACE, &w->ins_place, err)) ||
        (rc = gdir_db_prepare(&w->db, SQL_INS_ADDRESS, &w->ins_address, err)) ||
        (rc = gdir_db_prepare(&w->db, SQL_INS_PLACE_IG, &w->ins_place_ig, err)) ||
        (rc = gdir_db_prepare(&w->db, SQL_INS_ADDRESS_IG, &w->ins_address_ig, err)) ||
        (rc = gdir_db_prepare(&w->db, SQL_INS_WARNING, &w->ins_warning, err)) ||
        (rc = gdir_db_prepare(&w->db, SQL_INS_RAW, &w->ins_raw, err)) ||
        (rc = gdir_db_prepare(&w->db, SQL_INS_COMMUNE, &w->ins_commune, err)) ||
        (rc = gdir_db_prepare(&w->db, SQL_INS_BOUNDARY, &w->ins_boundary, err)) ||
        (rc = gdir_db_prepare(&w->db, SQL_LOCATE, &w->locate, err)) ||
        (rc = gdir_db_prepare(&w->db, SQL_INS_SOURCE, &w->ins_source, err)) ||
        (rc = gdir_db_prepare(&w->db, SQL_UPD_SOURCE, &w->upd_source, err)) ||
        (rc = gdir_db_prepare(&w->db, SQL_INS_META, &w->ins_meta, err)))
        goto out;
    rc = GDIR_OK;
out:
    free(dir);
    if (rc)
        imp_writer_abort(w);
    return rc;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Steps a statement with no result rows; resets it in all cases. */
static int step_done(struct imp_writer *w, sqlite3_stmt *st, const char *what, int dup_ok,
                     struct gdir_err *err)
{
    int rc = sqlite3_step(st), xrc = sqlite3_extended_errcode(w->db.db);
    int out = GDIR_OK;
    if (rc != SQLITE_DONE) {
        if (dup_ok && (xrc == SQLITE_CONSTRAINT_UNIQUE || xrc == SQLITE_CONSTRAINT_PRIMARYKEY))
            out = IMP_WRITE_DUPLICATE;
        else
            out = db_fail(w, err, what);
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return out;
}

int imp_writer_source(struct imp_writer *w, const struct imp_source_meta *m, struct gdir_err *err)
{
    sqlite3_stmt *st = w->ins_source;
    char now[32];
    if (tick(w, err))
        return GDIR_EDB;
    now_iso(now, sizeof now);
    bind_text_or_null(st, 1, m->name);
    bind_text_or_null(st, 2, m->profile);
    bind_text_or_null(st, 3, m->title);
    bind_text_or_null(st, 4, m->publisher);
    bind_text_or_null(st, 5, m->licence);
    bind_text_or_null(st, 6, m->url);
    bind_text_or_null(st, 7, m->file);
    bind_text_or_null(st, 8, m->data_date);
    bind_text_or_null(st, 9, now);
    return step_done(w, st, "sources", 0, err);
}

int imp_writer_source_counts(struct imp_writer *w, const char *name, long read, long imported,
                             long rejected, struct gdir_err *err)
{
    sqlite3_stmt *st = w->upd_source;
    if (tick(w, err))
        return GDIR_EDB;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, read);
    sqlite3_bind_int64(st, 3, imported);
    sqlite3_bind_int64(st, 4, rejected);
    return step_done(w, st, "sources", 0, err);
}

static void bind_place(sqlite3_stmt *st, const char *id, int n, const struct imp_place_ctx *c,
                       const struct imp_record *r, const struct imp_geocoded *g)
{
    static const enum imp_target cols[] = {IMP_T_ADDRESS, IMP_T_POSTCODE, IMP_T_INSEE,
                                           IMP_T_PHONE, IMP_T_EMAIL, IMP_T_WEBSITE,
                                           IMP_T_OPENING_HOURS, IMP_T_DESCRIPTION};
    sqlite3_bind_text(st, 1, id, n, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->text[IMP_T_NAME], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->name_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->category, -1, SQLITE_STATIC);
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        bind_text_or_null(st, 5 + (int)i, r->text[cols[i]]);
    sqlite3_bind_text(st, 13, c->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, r->text[IMP_T_SOURCE_ID], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 15, c->licence, -1, SQLITE_STATIC);
    bind_text_or_null(st, 16, r->text[IMP_T_DATE] ? r->text[IMP_T_DATE] : c->date);
    bind_text_or_null(st, 17, r->text[IMP_T_WHEELCHAIR]);
    bind_text_or_null(st, 18, r->text[IMP_T_REFS]);
    bind_text_or_null(st, 19, r->text[IMP_T_GEO_QUALITY]);
    if (g && g->precision) {
        sqlite3_bind_text(st, 20, g->precision, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 21, g->score);
    }
    sqlite3_bind_double(st, 22, r->lon);
    sqlite3_bind_double(st, 23, r->lat);
}

static void bind_address(sqlite3_stmt *st, const char *source, const char *licence,
                         const struct imp_record *r)
{
    sqlite3_bind_text(st, 1, r->text[IMP_T_SOURCE_ID], -1, SQLITE_STATIC);
    bind_text_or_null(st, 2, r->text[IMP_T_HOUSENUMBER]);
    sqlite3_bind_text(st, 3, r->text[IMP_T_STREET], -1, SQLITE_STATIC);
    bind_text_or_null(st, 4, r->text[IMP_T_POSTCODE]);
    sqlite3_bind_text(st, 5, r->text[IMP_T_INSEE], -1, SQLITE_STATIC);
    bind_text_or_null(st, 6, r->text[IMP_T_CITY]);
    sqlite3_bind_text(st, 7, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, licence, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 9, r->lon);
    sqlite3_bind_double(st, 10, r->lat);
}

/* Steps a bound INSERT OR IGNORE and resets it: 1 when the row went in, 0 when it was ignored
 * (the caller then binds the plain statement to learn why), or a negative code. */
static int step_ignore(struct imp_writer *w, sqlite3_stmt *st, const char *what,
                       struct gdir_err *err)
{
    int rc = sqlite3_step(st);
    int out = rc == SQLITE_DONE ? sqlite3_changes(w->db.db) > 0 : db_fail(w, err, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return out;
}

int imp_writer_place(struct imp_writer *w, const struct imp_place_ctx *c,
                     const struct imp_record *r, const struct imp_geocoded *g,
                     struct gdir_err *err)
{
    char id[ID_MAX];
    int n, rc;

    n = snprintf(id, sizeof id, "%s:%s", c->source, r->text[IMP_T_SOURCE_ID]);
    if (n < 0 || (size_t)n >= sizeof id)
        return gdir_err_set(err, GDIR_EINTERNAL, "place id longer than %d bytes", ID_MAX);
    if (tick(w, err))
        return GDIR_EDB;
    bind_place(w->ins_place_ig, id, n, c, r, g);
    if ((rc = step_ignore(w, w->ins_place_ig, "places", err)) != 0)
        return rc > 0 ? GDIR_OK : rc;
    bind_place(w->ins_place, id, n, c, r, g);
    return step_done(w, w->ins_place, "places", 1, err);
}

int imp_writer_address(struct imp_writer *w, const char *source, const char *licence,
                       const struct imp_record *r, struct gdir_err *err)
{
    int rc;
    if (tick(w, err))
        return GDIR_EDB;
    bind_address(w->ins_address_ig, source, licence, r);
    if ((rc = step_ignore(w, w->ins_address_ig, "addresses", err)) != 0)
        return rc > 0 ? GDIR_OK : rc;
    bind_address(w->ins_address, source, licence, r);
    return step_done(w, w->ins_address, "addresses", 1, err);
}

int imp_writer_raw(struct imp_writer *w, const char *id, const char *source, const char *field,
                   const char *value, struct gdir_err *err)
{
    sqlite3_stmt *st = w->ins_raw;
    if (tick(w, err))
        return GDIR_EDB;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, field, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, value, -1, SQLITE_STATIC);
    return step_done(w, st, "place_raw_values", 0, err);
}

int imp_writer_warning(struct imp_writer *w, const struct imp_warning *wr, struct gdir_err *err)
{
    sqlite3_stmt *st = w->ins_warning;
    if (tick(w, err))
        return GDIR_EDB;
    sqlite3_bind_text(st, 1, wr->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, wr->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, wr->kind, -1, SQLITE_STATIC);
    bind_text_or_null(st, 4, wr->insee);
    if (wr->has_distance)
        sqlite3_bind_double(st, 5, wr->distance_m);
    if (wr->has_point) {
        sqlite3_bind_double(st, 6, wr->lat);
        sqlite3_bind_double(st, 7, wr->lon);
    }
    bind_text_or_null(st, 8, wr->file);
    bind_text_or_null(st, 9, wr->line);
    sqlite3_bind_text(st, 10, wr->message, -1, SQLITE_STATIC);
    return step_done(w, st, "import_warnings", 0, err);
}

int imp_writer_commit(struct imp_writer *w, struct gdir_err *err)
{
    return commit(w, err);
}

sqlite3 *imp_writer_sqlite(struct imp_writer *w)
{
    return w->db.db;
}

/* Prepares a one-off statement into *st and binds the text a (unless NULL) to ?1. */
static int prepare_one(struct imp_writer *w, const char *sql, const char *a, sqlite3_stmt **st,
                       const char *what, struct gdir_err *err)
{
    if (sqlite3_prepare_v2(w->db.db, sql, -1, st, NULL) != SQLITE_OK)
        return db_fail(w, err, what);
    if (a)
        sqlite3_bind_text(*st, 1, a, -1, SQLITE_STATIC);
    return GDIR_OK;
}

/* Runs a one-off statement with up to two bindings (text a, integer b); no result rows. */
static int run_stmt(struct imp_writer *w, const char *sql, const char *a, long long b,
                    const char *what, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare_one(w, sql, a, &st, what, err);
    if (rc)
        return rc;
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, b);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = db_fail(w, err, what);
    sqlite3_finalize(st);
    return rc;
}

/* The integer of a one-row, one-column query with an optional text binding. */
static int query_long(struct imp_writer *w, const char *sql, const char *a, long *out,
                      const char *what, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = prepare_one(w, sql, a, &st, what, err);
    if (rc)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        *out = (long)sqlite3_column_int64(st, 0);
    else
        rc = db_fail(w, err, what);
    sqlite3_finalize(st);
    return rc;
}

int imp_writer_commune_names(struct imp_writer *w, struct imp_case_names **out,
                             struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = GDIR_OK, step;

    imp_case_names_free(*out);
    if (!(*out = imp_case_names_new()))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (sqlite3_prepare_v2(w->db.db, SQL_COMMUNE_NAMES, -1, &st, NULL) != SQLITE_OK)
        return db_fail(w, err, "communes");
    while ((step = sqlite3_step(st)) == SQLITE_ROW && rc == GDIR_OK)
        if (imp_case_names_add(*out, (const char *)sqlite3_column_text(st, 0)))
            rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (rc == GDIR_OK && step != SQLITE_DONE)
        rc = db_fail(w, err, "communes");
    sqlite3_finalize(st);
    return rc;
}

int imp_writer_attach(struct imp_writer *w, const char *old_path, struct gdir_err *err)
{
    struct stat st;
    long n = 0;
    int rc;

    if (stat(old_path, &st) != 0 || !S_ISREG(st.st_mode))
        return gdir_err_set(err, GDIR_EIO, "%s: no current database to refresh: run a full "
                            "import first", old_path);
    if ((rc = commit(w, err)) || (rc = run_stmt(w, SQL_ATTACH, old_path, 0, "attach", err)))
        return rc;
    w->attached = 1;
    if ((rc = query_long(w, SQL_OLD_CHECK, NULL, &n, "attach", err)))
        return rc;
    if (n != 6)
        return gdir_err_set(err, GDIR_EFORMAT, "%s: this database has no place_records view "
                            "(built by an older geodir-import): run a full import first",
                            old_path);
    return GDIR_OK;
}

int imp_writer_old_has_source(struct imp_writer *w, const char *name, struct gdir_err *err)
{
    long n = 0;
    int rc = query_long(w, SQL_OLD_HAS_SOURCE, name, &n, "old sources", err);
    return rc ? rc : n > 0;
}

int imp_writer_copy_source(struct imp_writer *w, const char *name, long *rows,
                           struct gdir_err *err)
{
    int rc;
    *rows = 0;
    if ((rc = commit(w, err)) ||
        (rc = run_stmt(w, SQL_COPY_SOURCE, name, 0, "copy sources", err)) ||
        (rc = run_stmt(w, SQL_COPY_RECORDS, name, 0, "copy records", err)))
        return rc;
    *rows = sqlite3_changes(w->db.db);
    if ((rc = run_stmt(w, SQL_COPY_ADDRESSES, name, 0, "copy addresses", err)))
        return rc;
    *rows += sqlite3_changes(w->db.db);
    long has_raw = 0;
    if ((rc = query_long(w, SQL_OLD_HAS_RAW, NULL, &has_raw, "old place_raw_values", err)) ||
        (has_raw && (rc = run_stmt(w, SQL_COPY_RAW, name, 0, "copy place_raw_values", err))))
        return rc;
    return run_stmt(w, SQL_COPY_WARNINGS, name, 0, "copy import_warnings", err);
}

int imp_writer_copy_communes(struct imp_writer *w, struct gdir_err *err)
{
    int rc = commit(w, err);
    if (rc == GDIR_OK)
        rc = run_stmt(w, SQL_COPY_COMMUNES, NULL, 0, "copy communes", err);
    return rc;
}

int imp_writer_detach(struct imp_writer *w, struct gdir_err *err)
{
    int rc = GDIR_OK;
    if (!w->attached)
        return GDIR_OK;
    if ((rc = commit(w, err)) == GDIR_OK)
        rc = gdir_db_exec(&w->db, "DETACH DATABASE old", err);
    if (rc == GDIR_OK)
        w->attached = 0;
    return rc;
}

int imp_writer_commune(struct imp_writer *w, const struct imp_record *r, struct gdir_err *err)
{
    sqlite3_stmt *st = w->ins_commune;
    if (tick(w, err))
        return GDIR_EDB;
    sqlite3_bind_text(st, 1, r->text[IMP_T_INSEE], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->text[IMP_T_NAME], -1, SQLITE_STATIC);
    bind_text_or_null(st, 3, r->text[IMP_T_POSTCODES]);
    if (r->has_population)
        sqlite3_bind_int64(st, 4, r->population);
    else
        sqlite3_bind_null(st, 4);
    return step_done(w, st, "communes", 0, err);
}

int imp_writer_boundary(struct imp_writer *w, const char *source, const char *licence,
                        const struct imp_record *r, struct gdir_err *err)
{
    sqlite3_stmt *st = w->ins_boundary;
    int rc;
    if (tick(w, err))
        return GDIR_EDB;
    sqlite3_bind_text(st, 1, r->text[IMP_T_INSEE], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->text[IMP_T_NAME], -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, licence, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, r->wkb, (int)r->wkb_len, SQLITE_STATIC);
    rc = step_done(w, st, "communes (boundary)", 0, err);
    if (rc == GDIR_OK)
        w->boundaries++;
    return rc;
}

int imp_writer_locate(void *ctx, double lon, double lat, char insee[8], struct gdir_err *err)
{
    struct imp_writer *w = ctx;
    sqlite3_stmt *st = w->locate;
    int rc, found = 0;

    sqlite3_bind_double(st, 1, lon);
    sqlite3_bind_double(st, 2, lat);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *code = sqlite3_column_text(st, 0);
        snprintf(insee, 8, "%s", code ? (const char *)code : "");
        found = insee[0] != '\0';
    } else if (rc != SQLITE_DONE) {
        found = db_fail(w, err, "locate");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return found;
}

int imp_writer_stats(struct imp_writer *w, long *communes, long *with_geom, long *places,
                     struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = GDIR_OK;
    if (sqlite3_prepare_v2(w->db.db, w->staged ? SQL_STATS_STAGED : SQL_STATS, -1, &st,
                           NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        rc = db_fail(w, err, "counts");
    } else {
        *communes = (long)sqlite3_column_int64(st, 0);
        *with_geom = (long)sqlite3_column_int64(st, 1);
        *places = (long)sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return rc;
}

int imp_writer_source_row(struct imp_writer *w, const char *name, long *read, long *imported,
                          long *rejected, long *warnings, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = GDIR_OK;
    if (sqlite3_prepare_v2(w->db.db, SQL_SOURCE_ROW, -1, &st, NULL) != SQLITE_OK)
        return db_fail(w, err, "sources");
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *read = (long)sqlite3_column_int64(st, 0);
        *imported = (long)sqlite3_column_int64(st, 1);
        *rejected = (long)sqlite3_column_int64(st, 2);
        *warnings = (long)sqlite3_column_int64(st, 3);
    } else {
        rc = db_fail(w, err, "sources");
    }
    sqlite3_finalize(st);
    return rc;
}

int imp_writer_place_count(struct imp_writer *w, long *places, struct gdir_err *err)
{
    return query_long(w, "SELECT count(*) FROM places", NULL, places, "counts", err);
}

static int put_meta(struct imp_writer *w, const char *key, const char *value, struct gdir_err *err)
{
    sqlite3_bind_text(w->ins_meta, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(w->ins_meta, 2, value ? value : "", -1, SQLITE_STATIC);
    return step_done(w, w->ins_meta, "meta", 0, err);
}

/* PRAGMA quick_check: every page, every record's format, NOT NULL and CHECK constraints, as
 * integrity_check does, without cross-checking each index against its table (an index is built
 * by SQLite itself, in this very process, from rows that were just written). About 2.5 times
 * cheaper on a large import. */
static int integrity_ok(struct imp_writer *w, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = GDIR_OK;
    if (sqlite3_prepare_v2(w->db.db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK)
        rc = db_fail(w, err, "quick_check");
    else if (sqlite3_step(st) != SQLITE_ROW)
        rc = db_fail(w, err, "quick_check");
    else if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
        rc = gdir_err_set(err, GDIR_EDB, "%s: quick_check: %.200s", w->tmp_path,
                          (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc;
}

/* Builds an R*Tree from the whole table (see imp_writer_open). */
static int spatial_index_on(struct imp_writer *w, const char *sql, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = GDIR_OK;
    if (sqlite3_prepare_v2(w->db.db, sql, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 0) != 1)
        rc = db_fail(w, err, sql);
    sqlite3_finalize(st);
    return rc;
}

/* imp_hilbert(lon, lat): the point's position along the curve of the writer's grid. */
static void hilbert_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const struct gdir_hilbert_grid *g = sqlite3_user_data(ctx);
    (void)argc;
    sqlite3_result_int64(ctx, (sqlite3_int64)gdir_hilbert_key(g, sqlite3_value_double(argv[0]),
                                                              sqlite3_value_double(argv[1])));
}

/* Writes the staged records into places in the order of the Hilbert curve over their box, so
 * that fids follow the curve (1, 2, ... in an empty table), and drops the staging table.
 * Nothing refers to a place's fid yet: merging, overrides and the indexes come after. The
 * sort keeps in memory as much as the page cache of the database (SQLite's rule), then spills
 * to temporary files: the cache is halved meanwhile, so that the peak stays that of the load
 * (on 1M rows: no slower, 153 MB instead of 193 MB with the full cache). */
static int order_places(struct imp_writer *w, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = GDIR_OK;

    if (sqlite3_prepare_v2(w->db.db, SQL_STAGED_BOX, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        rc = db_fail(w, err, "places box");
    } else if (sqlite3_column_int64(st, 0) > 0) {
        gdir_hilbert_grid_init(&w->grid, sqlite3_column_double(st, 1),
                               sqlite3_column_double(st, 2), sqlite3_column_double(st, 3),
                               sqlite3_column_double(st, 4));
    } else {
        gdir_hilbert_grid_init(&w->grid, 0, 0, 0, 0);
    }
    sqlite3_finalize(st);
    if (rc)
        return rc;
    if (sqlite3_create_function(w->db.db, "imp_hilbert", 2,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, &w->grid,
                                hilbert_fn, NULL, NULL) != SQLITE_OK)
        return db_fail(w, err, "imp_hilbert");
    if ((rc = gdir_db_exec(&w->db, "BEGIN", err)))
        return rc;
    w->in_tx = 1;
    if ((rc = gdir_db_exec(&w->db, "PRAGMA main.cache_size=-" SORT_CACHE_KB, err)) ||
        (rc = gdir_db_exec(&w->db, SQL_ORDER_PLACES, err)) || (rc = commit(w, err)) ||
        (rc = gdir_db_exec(&w->db, "PRAGMA main.cache_size=-" MAIN_CACHE_KB, err)))
        return rc;
    w->staged = 0;
    /* Back to the setting of the other steps; this also closes the temporary file. */
    return gdir_db_exec(&w->db, "PRAGMA temp_store=MEMORY", err);
}

int imp_writer_index(struct imp_writer *w, long *places, struct gdir_err *err)
{
    int rc;
    if ((rc = commit(w, err)) || (w->staged && (rc = order_places(w, err))) ||
        (rc = gdir_db_exec(&w->db, "BEGIN", err)))
        return rc;
    w->in_tx = 1;
    if (w->deferred_sql) {
        /* The sorts of CREATE INDEX spill to temporary files beyond the page cache: on disk,
         * so that memory stays flat in the row count. */
        if ((rc = gdir_db_exec(&w->db, "PRAGMA temp_store=FILE", err)) ||
            (rc = gdir_db_exec(&w->db, w->deferred_sql, err)) ||
            (rc = gdir_db_exec(&w->db, "PRAGMA temp_store=MEMORY", err)))
            return rc;
        free(w->deferred_sql);
        w->deferred_sql = NULL;
    }
    if ((rc = spatial_index_on(w, SQL_INDEX_ON_PLACES, err)) ||
        (rc = spatial_index_on(w, SQL_INDEX_ON_ADDRESSES, err)) || (rc = commit(w, err)))
        return rc;
    return query_long(w, "SELECT count(*) FROM places", NULL, places, "counts", err);
}

int imp_fsync_path(const char *path, struct gdir_err *err)
{
    int fd = open(path, O_RDONLY);
    int rc = GDIR_OK;
    if (fd < 0)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", path, strerror(errno));
    if (fsync(fd) != 0)
        rc = gdir_err_set(err, GDIR_EIO, "%s: fsync: %s", path, strerror(errno));
    close(fd);
    return rc;
}

int imp_writer_finish(struct imp_writer *w, const struct imp_meta *m, struct gdir_err *err)
{
    char now[32], *dir = NULL;
    int rc;

    now_iso(now, sizeof now);
    if ((rc = imp_writer_detach(w, err)) || (rc = commit(w, err)) ||
        (rc = gdir_db_exec(&w->db, "BEGIN", err)) ||
        (rc = gdir_db_exec(&w->db, "INSERT INTO places_fts(places_fts) VALUES('rebuild')", err)) ||
        (rc = put_meta(w, "territory", m->territory_json, err)) ||
        (rc = put_meta(w, "built_at", now, err)) ||
        (rc = put_meta(w, "importer_version", m->importer_version, err)) ||
        (rc = put_meta(w, "config_file", m->config_file, err)) ||
        (rc = gdir_db_exec(&w->db, "COMMIT; ANALYZE;", err)) || (rc = integrity_ok(w, err)))
        goto out;
    finalize_all(w);
    if ((rc = gdir_db_exec(&w->db, "PRAGMA journal_mode=DELETE", err)))
        goto out;
    gdir_db_close(&w->db);
    if ((rc = imp_fsync_path(w->tmp_path, err)))
        goto out;
    if (rename(w->tmp_path, w->path) != 0) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: cannot replace: %s", w->path, strerror(errno));
        goto out;
    }
    free(w->tmp_path);
    w->tmp_path = NULL;    /* nothing left to remove */
    if (!(dir = gdir_dir_of(w->path))) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto out;
    }
    rc = imp_fsync_path(dir, err);
out:
    free(dir);
    imp_writer_abort(w);   /* after a successful rename there is no temporary file left */
    return rc;
}
