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
 *
 * Also what the in-memory full-text index (api_pindex.h) needs to answer a query without
 * FTS5 and score exactly like geodir_bm25: the formula's two parts, shared (same operations
 * in the same order, so the same doubles), the reading of the index's instances and totals,
 * and the parsing of the MATCH expressions that api_vocab.h writes.
 */
#ifndef API_FTS_H
#define API_FTS_H

#include "api_queries.h"

#include <math.h>
#include <stddef.h>

/* Registers geodir_bm25 through fts (api_db_open gets it from the connection) with db as its
 * user data: the function reads db->pindex when a query runs, and db outlives the statements
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

/* Calls fn for every instance of a term in places_fts (fts5vocab "instance": the term's bytes
 * as the index stores them, the row id, the token's offset in the name), in the index's order
 * (term, then row, then offset), and gives the index's own totals (rows, tokens: what
 * xRowCount and xColumnTotalSize answer). Returns 0, fn's non-zero value, or GDIR_EDB. */
typedef int api_fts_instance_fn(void *cls, const char *term, size_t len, long long fid,
                                long long offset);
int api_fts_instances(struct api_db *db, api_fts_instance_fn *fn, void *cls, long long *n_rows,
                      long long *n_tokens, struct gdir_err *err);

/* A MATCH expression of api_vocab_fts_query, read back: groups joined by AND, each an OR of
 * quoted terms (a star after the quote: a prefix). Phrases are numbered as FTS5 numbers them
 * (left to right). */
#define API_FTS_MAX_PHRASES 256
struct api_fts_phrase {
    const char *text;    /* into the expression, not NUL-terminated */
    size_t len;
    int prefix;
    unsigned group;
};
struct api_fts_expr {
    size_t n, n_groups;
    struct api_fts_phrase ph[API_FTS_MAX_PHRASES];
};

/* 1 when match is such an expression and every term is made of a-z and 0-9 only (FTS5's
 * tokenizer then reads it as that very token), with out filled; 0 otherwise. */
int api_fts_expr_parse(const char *match, struct api_fts_expr *out);

#endif
