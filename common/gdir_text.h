/*
 * gdir_text.h — UTF-8 checks and French-aware text folding.
 *
 * Folding turns "Érize-la-Brûlée" into "erize la brulee": lower case, accents removed
 * (Latin-1 Supplement and Latin Extended-A), ligatures expanded (œ→oe, æ→ae, ß→ss),
 * apostrophes unified, and every run of non-alphanumeric characters collapsed into one
 * space. The folded key is what names are compared and de-duplicated on; it is what the
 * FTS index sees too (SQLite's unicode61 tokenizer with remove_diacritics 2 agrees on it).
 */
#ifndef GDIR_TEXT_H
#define GDIR_TEXT_H

#include <stddef.h>

#include "gdir_buf.h"

/* Returns 1 when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF). */
int gdir_utf8_valid(const char *s, size_t n);

/* Decodes one code point at *p (advancing *p). Meant for valid UTF-8; on an invalid or
 * truncated sequence it returns U+FFFD and never advances past the terminating NUL. */
unsigned gdir_utf8_next(const char **p);

/* Appends the UTF-8 encoding of code point cp to b. */
int gdir_utf8_put(struct gdir_buf *b, unsigned cp);

/* Appends s[0..n), read as ISO-8859-1, to b as UTF-8. */
int gdir_latin1_to_utf8(struct gdir_buf *b, const char *s, size_t n);

/* Appends the folded search key of the valid UTF-8 string s to b (see the banner).
 * Leading and trailing separators are dropped. Returns 0 or a negative code. */
int gdir_text_fold(struct gdir_buf *b, const char *s);

/* Copies s into b with ASCII spaces/tabs/newlines collapsed into single spaces and trimmed. */
int gdir_text_squash(struct gdir_buf *b, const char *s);

/* Returns a malloc'd folded key of s (free() it), or NULL on allocation failure. */
char *gdir_text_fold_dup(const char *s);

#endif
