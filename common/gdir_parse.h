/*
 * gdir_parse.h — strict number parsing for untrusted text (query strings, CSV cells).
 *
 * Unlike atoi/atof/strtod used bare, these accept the whole string or nothing: no leading or
 * trailing garbage, no empty string, no hex, no inf/nan, and a range check. They never
 * depend on the locale (the decimal separator is always '.').
 */
#ifndef GDIR_PARSE_H
#define GDIR_PARSE_H

/* Parses a decimal integer in [min, max] into *out. Returns 0 or GDIR_EINVAL. */
int gdir_parse_long(const char *s, long min, long max, long *out);

/* Parses a finite decimal number ("-12.5", "3", "1e3") in [min, max] into *out.
 * When accept_comma is non-zero a single ',' is read as the decimal separator (French
 * spreadsheets); otherwise a ',' is an error. Returns 0 or GDIR_EINVAL. */
int gdir_parse_double(const char *s, double min, double max, int accept_comma, double *out);

/* Parses "1"/"true"/"yes"/"0"/"false"/"no" (ASCII case-insensitive). Returns 0 or GDIR_EINVAL. */
int gdir_parse_bool(const char *s, int *out);

/* The value of one hexadecimal digit (either case), or -1 (%-escapes, chunk sizes). */
int gdir_hexval(char c);

#endif
