/*
 * api_vocab.h — the vocabulary of the places' full-text index (places_fts, read through an
 * fts5vocab table), kept in memory once per database generation, and the FTS5 query built from a parsed q.
 *
 * The FTS5 expression is made only of quoted terms, OR, AND, parentheses and the prefix
 * star: nothing of q reaches FTS5's query syntax, so no q can cause a syntax error. For each
 * word of q (api_text.h) the expression has one group:
 *   - the word itself (`"word"`, or `"word"*` for the last word when it is a prefix), plus
 *     the index terms whose folding is the word but whose stored form differs (`cœur` for
 *     `coeur`: unicode61 keeps ligatures);
 *   - for words of API_TEXT_TYPO_MIN characters or more, the index terms one edit away from
 *     the word (for a prefix: `"variant"*` when some index term starts with the variant),
 *     the most frequent first, at most API_VOCAB_GROUP_MAX terms per group in all.
 * Groups are joined by AND. A vocabulary is immutable once built, and shared by the
 * connections of one database generation (db/api_gen.h).
 */
#ifndef API_VOCAB_H
#define API_VOCAB_H

#include <stddef.h>

#include "api_text.h"
#include "gdir_buf.h"
#include "gdir_err.h"

#define API_VOCAB_GROUP_MAX 24    /* terms in one word's group */

struct api_vocab_term {
    const char *folded;    /* gdir_text_fold of the term */
    const char *raw;       /* the term as the index stores it */
    long long docs;        /* rows holding the term */
};

struct api_vocab {
    struct api_vocab_term *terms;   /* owned, sorted by folded then raw */
    size_t n, cap;
    struct gdir_buf strings;        /* owned storage of the strings */
    size_t *offsets;                /* while building: offsets of folded and raw in strings */
};

/* An empty vocabulary, ready for api_vocab_add. Returns NULL when out of memory. */
struct api_vocab *api_vocab_new(void);

/* Adds one index term (UTF-8) with its document count. Terms whose folding is empty or has
 * several words are skipped. Returns 0 or GDIR_ENOMEM. */
int api_vocab_add(struct api_vocab *v, const char *raw, long long docs);

/* Sorts the terms; call once after the last api_vocab_add. Returns 0 or GDIR_ENOMEM. */
int api_vocab_finish(struct api_vocab *v);

void api_vocab_free(struct api_vocab *v);

struct api_db;

/* The vocabulary of db's database generation (db/api_gen.h), loaded from db by the first
 * connection of the generation to ask, the others waiting for it; borrowed (db keeps its
 * generation until it closes). NULL when it cannot be loaded (logged once per connection;
 * searches then go without typo tolerance). db must be the calling thread's connection. */
const struct api_vocab *api_vocab_get(struct api_db *db);

/* Appends the FTS5 MATCH expression for q (q->n > 0) to out. v may be NULL (no vocabulary:
 * no typo variants, no ligature forms). Returns 0 or the buffer's error code. */
int api_vocab_fts_query(const struct api_vocab *v, const struct api_text_query *q,
                        struct gdir_buf *out);

#endif
