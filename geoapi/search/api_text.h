/*
 * api_text.h — the search text `q` as the search endpoints understand it: French elisions
 * dropped (l', d', qu', …), folded like names are (gdir_text_fold: case, accents, ligatures),
 * split into words; the last word may be a prefix (search-as-you-type); words of
 * API_TEXT_TYPO_MIN characters or more tolerate one typo (an edit: a letter deleted, inserted,
 * replaced, or two neighbours swapped).
 *
 * Also the in-memory matcher used for short lists (category labels, commune names) and, on
 * the full-text hits, to tell exact matches from typo matches. Pure functions: no I/O, no
 * global state; thread-safe.
 */
#ifndef API_TEXT_H
#define API_TEXT_H

#include <stddef.h>

#include "gdir_err.h"

#define API_TEXT_MAX_WORDS 10     /* more words in q answer 400 */
#define API_TEXT_MAX_WORD 64      /* bytes of one folded word; longer answers 400 */
#define API_TEXT_TYPO_MIN 5       /* characters from which a word tolerates one typo */
#define API_TEXT_PREFIX_MIN 2     /* characters from which the last word is a prefix */

struct api_text_query {
    size_t n;                                            /* words; 0: nothing to search */
    char words[API_TEXT_MAX_WORDS][API_TEXT_MAX_WORD + 1];   /* folded, NUL-terminated */
    size_t chars[API_TEXT_MAX_WORDS];                    /* length of each word in characters */
    int last_prefix;    /* the last word matches as a prefix: q does not end with a space and
                         * the word has API_TEXT_PREFIX_MIN characters or more */
};

/* Parses q (valid UTF-8, already length-checked by the caller) into out. Elisions are the
 * words l, d, j, m, n, s, t, c, qu, jusqu, lorsqu, puisqu directly followed by an apostrophe
 * (', U+2019, U+02BC). A q with no word at all gives out->n = 0 and 0. Returns GDIR_EINVAL
 * with err naming `param` for too many words or a word too long. */
int api_text_query_parse(const char *q, const char *param, struct api_text_query *out,
                         struct gdir_err *err);

/* How folded (words separated by single spaces, as gdir_text_fold writes them) matches the
 * query: API_TEXT_EXACT when every query word is a word of folded (the last one as a prefix
 * when last_prefix), API_TEXT_TYPO when that holds allowing one edit in each word of
 * API_TEXT_TYPO_MIN characters or more, else API_TEXT_NONE. An empty query matches nothing. */
enum api_text_match { API_TEXT_NONE = 0, API_TEXT_TYPO = 1, API_TEXT_EXACT = 2 };
enum api_text_match api_text_match(const struct api_text_query *q, const char *folded);

/* 1 when a[0..an) and b[0..bn) are at most one edit apart (Damerau: a swap of two
 * neighbours counts as one edit). Bytes are compared. */
int api_text_edit1(const char *a, size_t an, const char *b, size_t bn);

/* 1 when some prefix of b is at most one edit from a[0..an) (a typo in a word being typed). */
int api_text_prefix_edit1(const char *a, size_t an, const char *b, size_t bn);

/* Calls fn with every string one edit away from word (deletions, swaps, and replacements
 * and insertions of a-z and 0-9), in a fixed order; a string may come more than once. fn
 * returning non-zero stops the enumeration and that value is returned. Strings passed to fn
 * are NUL-terminated and valid only during the call. */
typedef int api_text_variant_fn(void *cls, const char *variant, size_t len);
int api_text_variants(const char *word, api_text_variant_fn *fn, void *cls);

#endif
