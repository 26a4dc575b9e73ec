/*
 * api_fts.h — geodir_bm25(places_fts), the ranking function of the text search: FTS5's own
 * bm25() formula (k1 = 1.2, b = 0.75, every column weight 1), computed the same way, but with
 * each row's length in tokens taken from the place index (api_pindex.h) instead of FTS5's
 * per-row lookup in places_fts_docsize, which was more than half of the cost of a text search
 * over many matches. Without a place index (or for a row it does not know) the function asks
 * FTS5 for the length, exactly like bm25().
 *
 * bm25, as FTS5 defines it, for a row of D tokens, N rows of average length avgdl, and phrase
 * i of the query found f_i times in the row and in n_i rows:
 *     bm25 = -sum_i idf_i * f_i * (k1 + 1) / (f_i + k1 * (1 - b + b * D / avgdl)),
 *     idf_i = max(log((N - n_i + 0.5) / (n_i + 0.5)), 1e-6)
 * (lower is better). tests: bench/api/check_bm25.c compares it with bm25() row by row.
 */
#ifndef API_FTS_H
#define API_FTS_H

#include "api_queries.h"

/* Registers geodir_bm25 through fts (api_db_open gets it from the connection) with db as its
 * user data: the function reads db->pindex when a query runs, and db outlives the statements
 * of its connection. Returns 0, or GDIR_EDB. */
int api_fts_add_bm25(fts5_api *fts, struct api_db *db);

#endif
