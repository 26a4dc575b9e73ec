/*
 * gdir_address.h — French address normalisation: house numbers with their suffixes, and the
 * canonical tokens of street and commune names that the geocoder indexes and searches.
 *
 * The same rules run on the published data and on what people type, so both sides meet on
 * one spelling: "12 bd St-Michel", "12 Boulevard Saint Michel" and "12 BOULEVARD ST MICHEL"
 * all give the number (12, "") and the tokens "boulevard saint michel".
 *
 * Canonical tokens are gdir_text_fold's words (lower case, no accents, apostrophes and
 * hyphens as separators) with:
 *   - street-type abbreviations expanded (bd → boulevard, av/ave → avenue, r → rue, rte →
 *     route, pl → place, ch/che/chem → chemin, imp → impasse, all → allee, sq → square,
 *     fg/fbg → faubourg, qu → quai (first word only), crs → cours, lot → lotissement,
 *     res → residence, ham → hameau, ld / "lieu dit" → lieudit, sen → sentier, rle → ruelle…);
 *   - saint, st, ste and sainte all → "saint"; grand, gr, gd, gde → "grande" (so that
 *     "Grand'Rue" meets "Grande Rue");
 *   - elisions and articles dropped (l', d', qu', le, la, les, de, du, des, au, aux, a, en,
 *     et, sur, lez, cedex);
 *   - leading zeros removed from short numbers ("08" → "8"; 5-digit codes are kept).
 * Nothing here allocates except gdir_address_key. Every function is thread-safe.
 */
#ifndef GDIR_ADDRESS_H
#define GDIR_ADDRESS_H

#include <stddef.h>

#include "gdir_buf.h"

/* Largest house number accepted (BAN numbers stay below 10000; metric numbering too). */
#define GDIR_HN_NUMBER_MAX 99999
#define GDIR_HN_SUFFIX_MAX 16

/* A house number split into its number and its suffix ("12bis" → 12, "bis"). */
struct gdir_housenumber {
    long number;                       /* 0..GDIR_HN_NUMBER_MAX */
    char suffix[GDIR_HN_SUFFIX_MAX];   /* canonical lower case: "" (none), "bis", "ter",
                                        * "quater", "quinquies" or one letter "a".."z" */
};

/* Reads a house number at the start of s (raw UTF-8 as typed or published): "12", "12bis",
 * "12 bis", "1BIS", "12B", "12 b", "8Q", "12-14" (the first of a range), optionally after
 * "n°"/"no" and followed by a comma. 1 to 5 digits: a 5-digit group followed by nothing that
 * looks like a street is a postcode, not a number, and is refused. A separated single letter
 * is a suffix unless it is "r" (rue) or an elision ("12 d'Argonne").
 * Returns 1 and fills *hn and *rest (the text after the number and its separators) when s
 * starts with a house number; returns 0 (and leaves *hn zeroed, *rest = s) otherwise. */
int gdir_address_split_number(const char *s, struct gdir_housenumber *hn, const char **rest);

/* Parses a whole house number field ("12", "1BIS", "8 ter", "12 B"). Returns 0, or GDIR_EINVAL
 * when s is empty or holds anything else than one house number. */
int gdir_address_parse_housenumber(const char *s, struct gdir_housenumber *hn);

/* Compares two suffixes: 2 when equal, 1 when equivalent abbreviations ("b" and "bis", "t"
 * and "ter", "q" and "quater", "c" and "quater"), 0 otherwise. */
int gdir_address_suffix_match(const char *a, const char *b);

/* Writes the display form of hn into out (cap bytes, always NUL-terminated): "12",
 * "12 bis", "12 B". Returns the length written. */
size_t gdir_address_format_housenumber(const struct gdir_housenumber *hn, char *out, size_t cap);

/* A published address split into its parts (gdir_address_split). */
struct gdir_address_parts {
    int has_number;                 /* hn holds the street's house number */
    struct gdir_housenumber hn;     /* number and repetition index ("12 bis": 12, "bis") */
};

/* Splits a published address (lines separated by LF, or parts by commas: "Maison des
 * services, 42 rue Berne", "BP 12", "Lieu-dit La Grange", "62 AV DE JASSERON BP 132 01000
 * BOURG EN BRESSE") into the house number of its street (*out), the street without its
 * number (street: "rue Berne", "La Grange" — a leading "Lieu-dit" word removed) and the
 * complement (complement: the other parts joined by ", ": building, service, post-office
 * box); the postcode, the commune after it and CEDEX are dropped. street and complement are
 * reset first and hold "" when there is none. The rules are in gdir_address_split.c.
 * Returns 0 or a buffer's error (GDIR_ENOMEM, GDIR_ETOOBIG). address may be NULL. */
int gdir_address_split(const char *address, struct gdir_address_parts *out,
                       struct gdir_buf *street, struct gdir_buf *complement);

/* Token flags. */
#define GDIR_TOK_TYPE   0x1    /* a street-type word: rue, avenue, chemin, place… */
#define GDIR_TOK_NUMBER 0x2    /* only digits */
#define GDIR_TOK_CODE   0x4    /* a postcode or INSEE code shape: 5 digits, or 2a/2b + 3 digits */

#define GDIR_ADDR_TOKENS_MAX 32     /* tokens kept from one string; more are dropped */
#define GDIR_ADDR_TOKEN_LEN_MAX 32  /* longer words are cut (at a UTF-8 boundary) */

struct gdir_addr_token {
    const char *s;            /* borrowed: points into the folded input or a static table */
    unsigned char len;        /* bytes, not NUL-terminated */
    unsigned char flags;      /* GDIR_TOK_* */
    unsigned char raw_len;    /* the folded word it comes from: raw[0..raw_len) */
    const char *raw;          /* borrowed, into the folded input ("bd" for "boulevard") */
};

struct gdir_addr_tokens {
    size_t n;
    int truncated;            /* 1 when words were dropped because of GDIR_ADDR_TOKENS_MAX */
    struct gdir_addr_token t[GDIR_ADDR_TOKENS_MAX];
};

/* Splits folded text (the output of gdir_text_fold: words separated by single spaces) into
 * canonical tokens, dropping elisions and articles (see the banner). The tokens borrow from
 * folded, which must outlive out. Never fails. */
void gdir_address_tokenize(const char *folded, struct gdir_addr_tokens *out);

/* Appends the canonical key of the UTF-8 string s to b: its tokens joined by single spaces
 * ("Rue de l'Église" → "rue eglise"; "bd St-Michel" → "boulevard saint michel").
 * Returns 0, GDIR_EINVAL when s is not valid UTF-8, or the buffer's error. */
int gdir_address_key(struct gdir_buf *b, const char *s);

/* Returns 1 when s[0..n) is a postcode shape (5 digits). */
int gdir_address_is_postcode(const char *s, size_t n);

/* Returns 1 when s[0..n) is an INSEE commune code shape (5 digits, or 2A/2B + 3 digits,
 * either case). */
int gdir_address_is_insee(const char *s, size_t n);

#endif
