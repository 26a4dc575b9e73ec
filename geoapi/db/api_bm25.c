/*
 * api_bm25.c — the geodir_bm25() FTS5 auxiliary function, registered on every connection:
 * the per-query statistics (rows, average length, idf of each phrase, computed on the first
 * row and kept as the query's auxiliary data), the per-row phrase frequencies, and the row
 * length from the connection's row lengths (api_db.row_lengths, lent by the place index).
 * See api_bm25.h for the formula.
 *
 * Not here: the in-memory text search that scores the same way (search/api_search.c), the
 * MATCH expressions (search/api_fts.c).
 */
#include "api_bm25.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What does not change from one row of a query to the next. */
struct bm25_query {
    int n_phrase;
    double avgdl;        /* average row length, tokens */
    double *idf;         /* per phrase */
    double *freq;        /* per phrase: scratch for the current row */
};

static int count_row(const Fts5ExtensionApi *api, Fts5Context *fts, void *cls)
{
    (void)api;
    (void)fts;
    (*(sqlite3_int64 *)cls)++;
    return SQLITE_OK;
}

static int query_stats(const Fts5ExtensionApi *api, Fts5Context *fts, struct bm25_query **out)
{
    struct bm25_query *q = api->xGetAuxdata(fts, 0);
    sqlite3_int64 n_row = 0, n_token = 0;
    int rc;

    if (q) {
        *out = q;
        return SQLITE_OK;
    }
    int n = api->xPhraseCount(fts);
    q = calloc(1, sizeof *q + 2 * (size_t)(n > 0 ? n : 1) * sizeof(double));
    if (!q)
        return SQLITE_NOMEM;
    q->n_phrase = n;
    q->idf = (double *)(q + 1);
    q->freq = q->idf + (n > 0 ? n : 1);
    rc = api->xRowCount(fts, &n_row);
    if (rc == SQLITE_OK)
        rc = api->xColumnTotalSize(fts, -1, &n_token);
    if (rc == SQLITE_OK)
        q->avgdl = (double)n_token / (double)n_row;
    for (int i = 0; rc == SQLITE_OK && i < n; i++) {
        sqlite3_int64 n_hit = 0;
        rc = api->xQueryPhrase(fts, i, &n_hit, count_row);
        if (rc == SQLITE_OK)
            q->idf[i] = api_fts_idf(n_row, n_hit);
    }
    if (rc == SQLITE_OK)
        rc = api->xSetAuxdata(fts, q, free);   /* takes ownership, even on failure */
    else
        free(q);
    if (rc == SQLITE_OK)
        *out = q;
    return rc;
}

/* The row's length in tokens: from the connection's row lengths (the place index's) when they
 * know the row, else from FTS5. */
static int row_tokens(const Fts5ExtensionApi *api, Fts5Context *fts, const struct api_db *db,
                      double *d)
{
    const struct api_row_lengths *l = &db->row_lengths;
    int n_tok = 0, rc;

    if (l->tokens) {
        long long fid = api->xRowid(fts);
        if (fid >= l->min_fid && (unsigned long long)(fid - l->min_fid) < l->n_fid &&
            l->tokens[fid - l->min_fid] != UINT16_MAX) {
            *d = (double)l->tokens[fid - l->min_fid];
            return SQLITE_OK;
        }
    }
    rc = api->xColumnSize(fts, -1, &n_tok);
    *d = (double)n_tok;
    return rc;
}

static void geodir_bm25(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                        int n_val, sqlite3_value **val)
{
    const struct api_db *db = api->xUserData(fts);
    struct bm25_query *q = NULL;
    double d = 0, score = 0;
    int n_inst = 0, rc;

    (void)n_val;
    (void)val;
    rc = query_stats(api, fts, &q);
    if (rc == SQLITE_OK) {
        memset(q->freq, 0, (size_t)(q->n_phrase > 0 ? q->n_phrase : 1) * sizeof *q->freq);
        rc = api->xInstCount(fts, &n_inst);
    }
    for (int i = 0; rc == SQLITE_OK && i < n_inst; i++) {
        int phrase, col, off;
        rc = api->xInst(fts, i, &phrase, &col, &off);
        if (rc == SQLITE_OK && phrase >= 0 && phrase < q->n_phrase)
            q->freq[phrase] += 1.0;
    }
    if (rc == SQLITE_OK)
        rc = row_tokens(api, fts, db, &d);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    for (int i = 0; i < q->n_phrase; i++)
        score += api_fts_bm25_part(q->idf[i], q->freq[i], d, q->avgdl);
    sqlite3_result_double(ctx, -1.0 * score);
}

int api_fts_add_bm25(fts5_api *fts, struct api_db *db)
{
    if (!fts || fts->iVersion < 2)
        return GDIR_EDB;
    return fts->xCreateFunction(fts, "geodir_bm25", db, geodir_bm25, NULL) == SQLITE_OK
               ? GDIR_OK
               : GDIR_EDB;
}
