/*
 * test_db.c — schema creation (gdir_db) and the taxonomy table it installs.
 */
#include "check.h"
#include "gdir_db.h"
#include "gdir_taxonomy.h"
#include "gdir_text.h"

#include <stdlib.h>
#include <unistd.h>

static long long query_int(struct gdir_db *d, const char *sql)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    else
        fprintf(stderr, "query failed: %s: %s\n", sql, sqlite3_errmsg(d->db));
    sqlite3_finalize(st);
    return v;
}

static void test_taxonomy_table(void)
{
    size_t n = 0;
    const struct gdir_category *c = gdir_taxonomy(&n);
    int top = 0;
    CHECK(n > 30);
    for (size_t i = 0; i < n; i++) {
        CHECK(gdir_utf8_valid(c[i].label, strlen(c[i].label)));
        CHECK(gdir_category_find(c[i].code) == &c[i]);          /* codes unique */
        if (!c[i].parent) {
            top++;
            continue;
        }
        const struct gdir_category *p = gdir_category_find(c[i].parent);
        CHECK(p != NULL && p->parent == NULL);                  /* two levels exactly */
        CHECK(p < &c[i]);                                       /* parent listed first */
    }
    CHECK_INT_EQ(top, 6);
    CHECK_STR_EQ(gdir_category_find("pharmacy")->label, "Pharmacie");
    CHECK(gdir_category_find("nope") == NULL);
}

static void test_create_and_reopen(void)
{
    char dir[] = "/tmp/geodir-test-db-XXXXXX";
    char path[128];
    struct gdir_db d;
    struct gdir_err err;
    size_t n = 0;

    if (!mkdtemp(dir)) {
        CHECK_FAIL_("mkdtemp");
        return;
    }
    snprintf(path, sizeof path, "%s/t.sqlite", dir);
    CHECK_INT_EQ(gdir_db_open(&d, path, GDIR_DB_CREATE, &err), GDIR_OK);
    CHECK_INT_EQ(gdir_db_create_schema(&d, &err), GDIR_OK);
    gdir_taxonomy(&n);
    CHECK_INT_EQ(query_int(&d, "PRAGMA user_version"), GDIR_SCHEMA_VERSION);
    CHECK_INT_EQ(query_int(&d, "SELECT count(*) FROM categories"), (long long)n);
    CHECK_INT_EQ(query_int(&d, "SELECT count(*) FROM geometry_columns WHERE f_table_name IN "
                               "('places','communes') AND spatial_index_enabled=1"), 2);
    /* FTS folds accents: "Érize" is found by "erize" */
    CHECK_INT_EQ(gdir_db_exec(&d,
        "INSERT INTO sources(name,profile,title,publisher,licence,file,imported_at) "
        "VALUES('t','p','T','P','etalab-2.0','f','2026-01-01T00:00:00Z');"
        "INSERT INTO places(id,name,name_key,category,source,source_id,licence,geom) "
        "VALUES('t:1','Mairie d''Érize-la-Brûlée','mairie d erize la brulee','town-hall','t','1',"
        "'etalab-2.0',MakePoint(5.2,48.9,4326));"
        "INSERT INTO places_fts(places_fts) VALUES('rebuild');", &err), GDIR_OK);
    CHECK_INT_EQ(query_int(&d, "SELECT count(*) FROM places_fts WHERE places_fts MATCH 'erize'"), 1);
    CHECK_INT_EQ(query_int(&d, "SELECT count(*) FROM places_fts WHERE places_fts MATCH 'BRULEE'"), 1);
    /* the spatial index was filled by SpatiaLite's triggers */
    CHECK_INT_EQ(query_int(&d, "SELECT count(*) FROM idx_places_geom WHERE xmin <= 5.3 AND "
                               "xmax >= 5.1 AND ymin <= 49 AND ymax >= 48.8"), 1);
    /* a category outside the taxonomy is refused by the foreign key when enforced */
    gdir_db_exec(&d, "PRAGMA foreign_keys=ON", &err);
    CHECK_INT_EQ(gdir_db_exec(&d,
        "INSERT INTO places(id,name,name_key,category,source,source_id,licence) "
        "VALUES('t:2','X','x','no-such-category','t','2','etalab-2.0')", &err), GDIR_EDB);
    gdir_db_close(&d);

    /* creating over an existing file is refused */
    CHECK_INT_EQ(gdir_db_open(&d, path, GDIR_DB_CREATE, &err), GDIR_EIO);

    /* read-only reopen checks the schema version and refuses writes */
    CHECK_INT_EQ(gdir_db_open(&d, path, GDIR_DB_READONLY, &err), GDIR_OK);
    CHECK(gdir_db_exec(&d, "DELETE FROM places", &err) != GDIR_OK);
    gdir_db_close(&d);
    gdir_db_close(&d);   /* idempotent */

    /* a database that is not geodir's is refused with a clear message */
    char other[160];
    snprintf(other, sizeof other, "%s/other.sqlite", dir);
    sqlite3 *raw = NULL;
    sqlite3_open(other, &raw);
    sqlite3_exec(raw, "CREATE TABLE x(a)", NULL, NULL, NULL);
    sqlite3_close(raw);
    CHECK_INT_EQ(gdir_db_open(&d, other, GDIR_DB_READONLY, &err), GDIR_EDB);
    CHECK(strstr(err.msg, "not a geodir database") != NULL);
    CHECK_INT_EQ(gdir_db_open(&d, "/nonexistent/x.sqlite", GDIR_DB_READONLY, &err), GDIR_EIO);

    unlink(path);
    unlink(other);
    rmdir(dir);
}

static const struct check_case cases[] = {
    {"taxonomy_table", test_taxonomy_table},
    {"create_and_reopen", test_create_and_reopen},
};
CHECK_MAIN(cases)
