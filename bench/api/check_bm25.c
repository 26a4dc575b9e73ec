/*
 * check_bm25.c — checks that geodir_bm25() (geoapi/search/api_fts.c, row lengths from the place
 * index) returns exactly FTS5's bm25() on every row of a set of text queries, as geodir-api
 * builds them (folding, elisions, prefix, one-typo variants from the vocabulary).
 *
 * Usage: check_bm25 DB [q...]      (default: a list of queries for gen_poi.py directories)
 * Prints one line per query (rows compared); exit status 1 at the first difference.
 */
#include "api_pindex.h"
#include "api_queries.h"
#include "api_text.h"
#include "api_vocab.h"
#include "gdir_log.h"

#include <stdio.h>
#include <string.h>

static const char SQL_BOTH[] =
    "SELECT rowid, bm25(places_fts), geodir_bm25(places_fts) FROM places_fts"
    " WHERE places_fts MATCH ?1";

int main(int argc, char **argv)
{
    static const char *const defaults[] = {
        "boulangerie", "boul", "association sportive", "café du commerce", "pharmacie verdun",
        "boulangeire", "l'épicerie", "saint", "club omni", "garage", "mairie de", "b", NULL,
    };
    const char *const *qs = argc > 2 ? (const char *const *)argv + 2 : defaults;
    struct api_db *db = NULL;
    struct gdir_err err;
    sqlite3_stmt *st = NULL;
    long total = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DB [q...]\n", argv[0]);
        return 2;
    }
    gdir_log_set_level(GDIR_LOG_WARN);
    gdir_err_clear(&err);
    if (api_db_open(&db, argv[1], &err) != 0 || !api_pindex_get(db)) {
        fprintf(stderr, "%s: cannot open or index: %s\n", argv[1], err.msg);
        return 1;
    }
    if (!db->row_lengths.tokens) {
        fprintf(stderr, "the place index has no row lengths: nothing to check\n");
        return 1;
    }
    api_vocab_get(db);
    if (sqlite3_prepare_v2(db->g.db, SQL_BOTH, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "prepare: %s\n", sqlite3_errmsg(db->g.db));
        return 1;
    }
    for (size_t i = 0; qs[i]; i++) {
        struct api_text_query q;
        struct gdir_buf match;
        long rows = 0;

        if (api_text_query_parse(qs[i], "q", &q, &err) != 0 || q.n == 0)
            continue;
        gdir_buf_init(&match, 0);
        api_vocab_fts_query(db->vocab, &q, &match);
        sqlite3_bind_text(st, 1, gdir_buf_str(&match), -1, SQLITE_TRANSIENT);
        while (sqlite3_step(st) == SQLITE_ROW) {
            double a = sqlite3_column_double(st, 1), b = sqlite3_column_double(st, 2);
            rows++;
            if (memcmp(&a, &b, sizeof a) != 0) {
                printf("q=%s (%s): row %lld: bm25 %.17g, geodir_bm25 %.17g\n", qs[i],
                       gdir_buf_str(&match), (long long)sqlite3_column_int64(st, 0), a, b);
                return 1;
            }
        }
        sqlite3_reset(st);
        printf("q=%-22s %7ld rows identical  (%s)\n", qs[i], rows, gdir_buf_str(&match));
        total += rows;
        gdir_buf_free(&match);
    }
    sqlite3_finalize(st);
    api_db_close(db);
    printf("%ld rows: geodir_bm25 = bm25, bit for bit\n", total);
    return 0;
}
