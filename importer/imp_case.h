/*
 * imp_case.h — value clean-ups that some official exports need before their values are
 * shown (computed fields of a profile, importer/README.md "Profile format"):
 *
 *   - proper case of a name a source writes in capitals (La Poste: "ERIZE LA PETITE"): the
 *     official name of the commune when the whole value folds to one (COG: "Érize-la-Petite"),
 *     else a careful French title case ("RUE DE L EGLISE" -> "Rue de l'Eglise");
 *   - a code exported as a number ("55250.0", QGIS re-exports) back to its digits, padded;
 *   - a French phone number that lost its leading 0 (spreadsheets) given it back.
 *
 * Pure functions on UTF-8 text, no GDAL, no SQLite: unit-tested alone (unit.imp_case).
 */
#ifndef IMP_CASE_H
#define IMP_CASE_H

#include <stddef.h>

#include "gdir_buf.h"

/* Official names (of the territory's communes), looked up by their folded key. */
struct imp_case_names;

/* A new empty list, or NULL when out of memory. */
struct imp_case_names *imp_case_names_new(void);

/* Adds an official name. Returns 0 or GDIR_ENOMEM. */
int imp_case_names_add(struct imp_case_names *n, const char *name);

/* The official name whose folded key equals that of s, or NULL (n may be NULL). */
const char *imp_case_names_find(const struct imp_case_names *n, const char *s);

void imp_case_names_free(struct imp_case_names *n);

/* Appends s to out in proper case when s has no lower-case letter: the official name of
 * names that it folds to, else the French title case (first letter of each word upper case,
 * the rest lower case; de, la, le, les, du, des, sur, sous, en, aux, au, et, à lower case
 * except as the first word; a lone D or L before a word becomes "d'" / "l'"; hyphens and
 * apostrophes kept). A value with a lower-case letter is appended as it is. Returns 1 when
 * the value was changed, 0 when not, or a negative code. */
int imp_case_proper(struct gdir_buf *out, const char *s, const struct imp_case_names *names);

/* Appends the code s to out as digits, at least `width` of them: "55250.0" -> "55250",
 * "1000" (width 5) -> "01000". A value that is not a whole number is appended as it is.
 * Returns 1 when changed, 0 when not, or a negative code. */
int imp_case_digits(struct gdir_buf *out, const char *s, unsigned width);

/* Appends the French phone number s to out: nine digits not starting with 0 (the leading 0
 * lost by an export) get it back, and ten digits starting with 0 are written in pairs
 * ("03 29 70 69 80"); "00 00 00 00 00" (a placeholder for none) gives nothing. Anything
 * else (short numbers, +33…) is appended as it is.
 * Returns 1 when changed, 0 when not, or a negative code. */
int imp_case_phone_fr(struct gdir_buf *out, const char *s);

#endif
