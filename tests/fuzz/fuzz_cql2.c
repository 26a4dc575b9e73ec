/*
 * fuzz_cql2.c — libFuzzer target: the CQL2 filter of the OGC API items (geoapi/ogc/
 * ogc_cql2_text.c, ogc_cql2_json.c, h_ogc_filter.c).
 *
 * The first byte chooses the encoding (bit 0: cql2-json, else cql2-text) and the CRS of the
 * literals (bit 1: EPSG:4326, lat lon); the rest is the expression, given as the filter
 * parameter of a request (percent-encoded, then read back by api_parse_query) to
 * ogc_filter_read for each kind of collection (places, communes, addresses, events).
 * Asserts beyond "no crash": errors follow the gdir contract and name filter, filter-lang or
 * filter-crs; an accepted expression has at most CQL2_MAX_NODES nodes and CQL2_MAX_COORDS
 * coordinates, its SQL condition has exactly one "?" per bound value (no value is ever written
 * into it), and it runs without an SQL error on the small database (events: on an empty list
 * of occurrences).
 */
#include "fuzz_util.h"

#include "api_request.h"
#include "api_router.h"
#include "gdir_buf.h"
#include "h_ogc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct api_db *db;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char path[4200];
    struct gdir_err err;

    (void)argc;
    (void)argv;
    gdir_err_clear(&err);
    fuzz_path(path, sizeof path, "cql2.sqlite");
    fuzz_make_db(path);
    if (api_db_open(&db, path, &err)) {
        fprintf(stderr, "fuzz_cql2: %s\n", err.msg);
        abort();
    }
    return 0;
}

static void check_err(int rc, const struct gdir_err *err)
{
    fuzz_check_err(rc, err);
    if (rc && rc != GDIR_ENOMEM)
        FUZZ_CHECK(strcmp(err->param, "filter") == 0 || strcmp(err->param, "filter-lang") == 0 ||
                   strcmp(err->param, "filter-crs") == 0);
}

/* One "?" per bound value: the condition holds no value of the expression. The column
 * expressions of the events hold quoted JSON paths ('$.name'), never a "?". */
static void check_sql(const struct ogc_filter *f)
{
    size_t marks = 0;
    for (const char *p = gdir_buf_str(&f->where); *p; p++)
        marks += *p == '?';
    FUZZ_CHECK(marks == f->n_binds);
    FUZZ_CHECK(f->tree.n_nodes <= CQL2_MAX_NODES);
    FUZZ_CHECK(f->tree.n_coords <= CQL2_MAX_COORDS + 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"filter", "filter-lang", "filter-crs", NULL};
    static const struct api_route route = {"GET", "/ogc/fuzz", NULL, names, 0};
    static const enum ogc_kind kinds[] = {OGC_KIND_PLACES, OGC_KIND_COMMUNES,
                                          OGC_KIND_ADDRESSES, OGC_KIND_EVENTS};
    struct api_config cfg;
    struct api_request req;
    struct gdir_err err;
    struct gdir_buf q;
    char *expr;

    if (size < 1 || size > CQL2_MAX_TEXT + 64)
        return 0;
    expr = fuzz_str(data + 1, size - 1);
    gdir_buf_init(&q, 0);
    if (gdir_buf_adds(&q, "filter=") || api_pct_encode(&q, expr, 0) ||
        gdir_buf_adds(&q, data[0] & 1 ? "&filter-lang=cql2-json" : "&filter-lang=cql2-text") ||
        ((data[0] & 2) &&
         gdir_buf_adds(&q, "&filter-crs=http://www.opengis.net/def/crs/EPSG/0/4326")))
        abort();
    memset(&cfg, 0, sizeof cfg);
    cfg.max_query_len = 16384;
    api_request_init(&req, &cfg);
    gdir_err_clear(&err);
    if (api_parse_query(&route, gdir_buf_str(&q), q.len, &req, &err) == 0) {
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            struct ogc_filter f;
            int rc;
            gdir_err_clear(&err);
            rc = ogc_filter_read(&req, kinds[k], &f, &err);
            check_err(rc, &err);
            if (!rc && f.has) {
                check_sql(&f);
                rc = ogc_filter_run(db, &f, kinds[k] == OGC_KIND_EVENTS ? "[]" : NULL, &err);
                fuzz_check_err(rc, &err);
                FUZZ_CHECK(rc == 0);
            }
            ogc_filter_free(&f);
        }
    }
    api_request_free(&req);
    gdir_buf_free(&q);
    free(expr);
    return 0;
}
