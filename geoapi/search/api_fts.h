/*
 * api_fts.h — what the in-memory full-text index (api_pindex.h) needs besides the SQL (the
 * index's instances and totals: api_q_fts_instances, db/api_queries.h) to answer a query
 * without FTS5 and score exactly like geodir_bm25 (db/api_bm25.h, whose formula parts it
 * shares): the parsing of the MATCH expressions that api_vocab.h writes.
 */
#ifndef API_FTS_H
#define API_FTS_H

#include "api_bm25.h"
#include "api_queries.h"

#include <math.h>
#include <stddef.h>

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
