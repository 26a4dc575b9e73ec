/*
 * api_bm25.h — geodir_bm25(places_fts), the ranking function of the text search: FTS5's own
 * bm25() formula (k1 = 1.2, b = 0.75, every column weight 1), computed the same way, but with
 * each row's length in tokens taken from the connection's row lengths (api_db.row_lengths,
 * lent by the place index, search/api_pindex.h) instead of FTS5's per-row lookup in
 * places_fts_docsize, which was more than half of the cost of a text search over many matches.
 * Without them (or for a row they do not know) the function asks FTS5 for the length, exactly
 * like bm25().
 *
 * bm25, as FTS5 defines it, for a row of D tokens, N rows of average length avgdl, and phrase
 * i of the query found f_i times in the row and in n_i rows:
 *     bm25 = -sum_i idf_i * f_i * (k1 + 1) / (f_i + k1 * (1 - b + b * D / avgdl)),
 *     idf_i = max(log((N - n_i + 0.5) / (n_i + 0.5)), 1e-6)
 * (lower is better). tests: bench/api/check_bm25.c compares it with bm25() row by row.
 *
 * The formula's two parts are inline here so that the in-memory text search (search/) scores
 * with the same operations in the same order, so the same doubles.
 */
#ifndef API_BM25_H
#define API_BM25_H

#include "api_queries.h"

#include <math.h>

/* Registers geodir_bm25 through fts (api_db_open gets it from the connection) with db as its
 * user data: the function reads db->row_lengths when a query runs, and db outlives the statements
 * of its connection. Returns 0, or GDIR_EDB. */
int api_fts_add_bm25(fts5_api *fts, struct api_db *db);

#define API_FTS_K1 1.2
#define API_FTS_B 0.75

/* idf of a phrase found in n_hit of n_row rows, as geodir_bm25 computes it. */
static inline double api_fts_idf(long long n_row, long long n_hit)
{
    double idf = log(((double)(n_row - n_hit) + 0.5) / ((double)n_hit + 0.5));
    return idf <= 0.0 ? 1e-6 : idf;
}

/* One phrase's part of the score: found f times in a row of d tokens. */
static inline double api_fts_bm25_part(double idf, double f, double d, double avgdl)
{
    return idf * ((f * (API_FTS_K1 + 1.0)) / (f + API_FTS_K1 * (1 - API_FTS_B + API_FTS_B * d /
                                                                             avgdl)));
}

#endif
