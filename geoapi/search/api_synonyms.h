/*
 * api_synonyms.h — the categories a search text names: a text matches a category when it
 * matches the category's label or one of its synonyms (common/taxonomy_synonyms.def), both
 * parsed like q is (api_text.h: elisions dropped, folded, split into words).
 *
 * A text matches a term when each of its words is a word of the term: the same word; or, for a
 * word of API_TEXT_TYPO_MIN characters or more, one edit away (a plural: "ecoles"); or, for
 * the last word while it is being typed (last_prefix) and has API_SYN_PREFIX_MIN characters or
 * more, a prefix of a word of the term (exactly: a typo in a prefix would name too much, "coeur"
 * being one edit from "cour", a prefix of "courrier"). At least one word of the text must have
 * 3 characters or more ("la" alone names nothing).
 *
 * The table is built once (pthread_once) from compiled-in data and the territory's own file
 * (api_synonyms_load, the server's synonyms_file): thread-safe, read-only.
 */
#ifndef API_SYNONYMS_H
#define API_SYNONYMS_H

#include <stddef.h>

#include "api_text.h"

#define API_SYN_PREFIX_MIN 4   /* characters from which a word being typed matches a prefix */

/* For each taxonomy row (gdir_taxonomy order; rows holds n_rows bytes), sets rows[i] to
 * API_TEXT_EXACT when q matches the row's label or a synonym word for word, API_TEXT_TYPO when
 * it needs a typo or a prefix, API_TEXT_NONE otherwise. Returns how many rows q matches (0 when
 * the table could not be built: out of memory at its first use). */
size_t api_synonyms_match(const struct api_text_query *q, unsigned char *rows, size_t n_rows);

/* Adds the synonyms of the file at path (the server's synonyms_file): UTF-8 lines
 * `code: term|term|…` (a code of common/taxonomy.def), blank lines and `#` comments ignored; at
 * most API_SYN_FILE_MAX bytes. Call once, before the first api_synonyms_match (server start).
 * Returns 0, or GDIR_ECONFIG with err naming synonyms_file ("path:LINE: why"), or the read's
 * error. */
#define API_SYN_FILE_MAX (256 * 1024)
int api_synonyms_load(const char *path, struct gdir_err *err);

/* How q matches one term (a UTF-8 word or phrase, parsed like q), by the rule above:
 * API_TEXT_EXACT, API_TEXT_TYPO or API_TEXT_NONE (also for a term that does not parse). */
enum api_text_match api_synonyms_term(const struct api_text_query *q, const char *term);

/* Calls fn(cls, term, len) for each synonym of the category code (its label aside), as written:
 * those of common/taxonomy_synonyms.def, then the territory's (api_synonyms_load), so that a
 * client can apply the rule above itself (GET /api/categories publishes them). Stops at the
 * first nonzero return of fn and returns it; 0 otherwise (also for an unknown code). */
int api_synonyms_each(const char *code, int (*fn)(void *cls, const char *term, size_t len),
                      void *cls);

#endif
