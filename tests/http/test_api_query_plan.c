/*
 * test_api_query_plan.c — geoapi's SQL against a database built by the real importer: every
 * statement of api_queries.c prepares on it (api_db_open), and EXPLAIN QUERY PLAN shows that
 * the proximity search is driven by the R*Tree idx_places_geom (with its four box constraints)
 * and fetches places by rowid, and that no hot query scans table places. The importer runs
 * ANALYZE, so these plans are the ones a real database gets.
 *
 * usage: test_api_query_plan DB
 */
#include "check.h"

#include "api_queries.h"

#include <stdlib.h>
#include <string.h>

static const char *db_path;

/* The EXPLAIN QUERY PLAN lines of one statement, joined by '\n'. */
static void plan_of(struct api_db *db, enum api_stmt which, char *out, size_t cap)
{
    char sql[4096];
    sqlite3_stmt *st = NULL;
    size_t n = 0;

    out[0] = '\0';
    snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", api_q_sql(which));
    if (sqlite3_prepare_v2(db->g.db, sql, -1, &st, NULL) != SQLITE_OK) {
        CHECK_FAIL_("EXPLAIN %d: %s", (int)which, sqlite3_errmsg(db->g.db));
        return;
    }
    while (sqlite3_step(st) == SQLITE_ROW && n + 1 < cap) {
        const char *detail = (const char *)sqlite3_column_text(st, 3);
        n += (size_t)snprintf(out + n, cap - n, "%s\n", detail ? detail : "");
    }
    sqlite3_finalize(st);
}

/* 1 when some line of plan starts with prefix. */
static int has_line(const char *plan, const char *prefix)
{
    for (const char *p = plan; *p;) {
        if (strncmp(p, prefix, strlen(prefix)) == 0)
            return 1;
        const char *nl = strchr(p, '\n');
        if (!nl)
            break;
        p = nl + 1;
    }
    return 0;
}

static void test_statements_prepare(void)
{
    struct api_db *db = NULL;
    struct gdir_err err;
    CHECK_INT_EQ(api_db_open(&db, db_path, &err), 0);
    if (!db) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    for (int i = 0; i < API_Q_COUNT; i++)
        CHECK(db->st[i] != NULL);
    api_db_close(db);
}

static void test_proximity_uses_rtree(void)
{
    struct api_db *db = NULL;
    struct gdir_err err;
    char plan[4096];

    if (api_db_open(&db, db_path, &err)) {
        CHECK_FAIL_("open: %s", err.msg);
        return;
    }
    plan_of(db, API_Q_CAND_BOX, plan, sizeof plan);
    printf("plan of the proximity query:\n%s", plan);
    /* First line "SCAN r VIRTUAL TABLE INDEX 2:B0D1B2D3": the outer loop is the R*Tree, which
     * answers the four box constraints itself (idxNum 2 = constrained search, four constraint
     * codes); then each candidate is a rowid lookup in places. */
    CHECK(strncmp(plan, "SCAN r VIRTUAL TABLE INDEX 2:", 29) == 0);
    if (strncmp(plan, "SCAN r VIRTUAL TABLE INDEX 2:", 29) == 0)
        CHECK(strspn(plan + 29, "ABCDEF0123456789") == 8);
    CHECK(strstr(api_q_sql(API_Q_CAND_BOX), "idx_places_geom AS r") != NULL);
    CHECK(has_line(plan, "SEARCH p USING INTEGER PRIMARY KEY (rowid=?)"));
    CHECK(!has_line(plan, "SCAN p"));

    /* Text search: the full-text index drives (MATCH), each hit a rowid lookup in places. */
    plan_of(db, API_Q_CAND_TEXT, plan, sizeof plan);
    printf("plan of the text query:\n%s", plan);
    CHECK(strncmp(plan, "SCAN places_fts VIRTUAL TABLE INDEX", 35) == 0);
    CHECK(has_line(plan, "SEARCH p USING INTEGER PRIMARY KEY (rowid=?)"));
    CHECK(!has_line(plan, "SCAN p\n") && !has_line(plan, "SCAN p USING"));

    /* Commune and category candidates go through their indexes. */
    plan_of(db, API_Q_CAND_INSEE, plan, sizeof plan);
    CHECK(has_line(plan, "SEARCH p USING INDEX places_insee (insee=?)"));
    plan_of(db, API_Q_CAND_CATEGORY, plan, sizeof plan);
    CHECK(has_line(plan, "SEARCH p USING INDEX places_category (category=?)"));

    /* One place: places and communes by key (sources has a handful of rows: scanning it is
     * the planner's right call). */
    plan_of(db, API_Q_PLACE_BY_FID, plan, sizeof plan);
    CHECK(has_line(plan, "SEARCH p USING INTEGER PRIMARY KEY (rowid=?)"));
    CHECK(!has_line(plan, "SCAN p") && !has_line(plan, "SCAN c"));
    plan_of(db, API_Q_PLACE_BY_ID, plan, sizeof plan);
    CHECK(has_line(plan, "SEARCH p USING INDEX"));
    CHECK(!has_line(plan, "SCAN p") && !has_line(plan, "SCAN c"));
    plan_of(db, API_Q_COMMUNE_MEMBER, plan, sizeof plan);
    CHECK(!has_line(plan, "SCAN communes"));
    /* The commune of a point (the waste calendar): the boundaries' R*Tree first. */
    plan_of(db, API_Q_COMMUNE_AT, plan, sizeof plan);
    printf("plan of the commune of a point:\n%s", plan);
    CHECK(strncmp(plan, "SCAN r VIRTUAL TABLE INDEX 2:", 29) == 0);
    CHECK(has_line(plan, "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)"));
    api_db_close(db);
}

/* The candidates of a box are exactly the places whose point lies in it (R*Tree boxes are
 * rounded outwards, never inwards), checked against a plain scan done by the test. */
static int count_cb(void *cls, const struct api_candidate *c)
{
    (void)c;
    (*(long *)cls)++;
    return 0;
}

static void test_box_candidates_complete(void)
{
    struct api_db *db = NULL;
    struct gdir_err err;
    struct gdir_bbox box;
    sqlite3_stmt *st = NULL;
    long got = 0;

    if (api_db_open(&db, db_path, &err)) {
        CHECK_FAIL_("open: %s", err.msg);
        return;
    }
    gdir_bbox_around(48.95, 5.15, 10000, &box);
    CHECK_INT_EQ(api_q_candidates(db, API_CAND_BOX, &box, NULL, count_cb, &got, &err), 0);
    /* R*Tree boxes are 32-bit floats rounded outwards: the index may add points a hair
     * outside the box (the exact test follows in C), but must never miss one inside it. */
    long inside = -1, near_box = -1;
    for (int pass = 0; pass < 2; pass++) {
        double m = pass ? 1e-4 : 0;
        if (sqlite3_prepare_v2(db->g.db,
                               "SELECT count(*) FROM places WHERE ST_X(geom) BETWEEN ?1 AND ?2"
                               " AND ST_Y(geom) BETWEEN ?3 AND ?4",
                               -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_double(st, 1, box.minlon - m);
            sqlite3_bind_double(st, 2, box.maxlon + m);
            sqlite3_bind_double(st, 3, box.minlat - m);
            sqlite3_bind_double(st, 4, box.maxlat + m);
            if (sqlite3_step(st) == SQLITE_ROW)
                *(pass ? &near_box : &inside) = sqlite3_column_int(st, 0);
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    CHECK(inside > 10);
    CHECK(got >= inside);
    CHECK(got <= near_box);
    api_db_close(db);
}

static const struct check_case cases[] = {
    {"every statement prepares on an importer-built database", test_statements_prepare},
    {"proximity search is driven by the R*Tree", test_proximity_uses_rtree},
    {"box candidates equal a plain scan", test_box_candidates_complete},
};

int main(int argc, char **argv)
{
    if (!check_args(argc, 1, "test_api_query_plan DB"))
        return 2;
    db_path = argv[1];
    int failed = check_run(cases, CHECK_COUNT(cases));
    return failed ? 1 : 0;
}
