/*
 * gdir_csv.h — the one CSV field writer of geodir (the exports, batch geocoding's answers, the
 * importer's rejects/warnings/merges reports). Writing only: each reader stays with the code
 * that reads (geoapi/geocode/api_csv.c, importer/imp_csvscan.c).
 *
 * Quoting (RFC 4180, and what spreadsheets need to read a value back unchanged): a field is
 * written between double quotes, its quotes doubled, when it holds the separator, a double
 * quote, CR or LF, or when it starts or ends with a space; otherwise as is. An empty field
 * (or NULL) is written as nothing.
 *
 * Two dialects:
 *   GDIR_CSV_RFC4180  ',' separator, '.' decimal point, no BOM, CRLF line ends;
 *   GDIR_CSV_FR       the French spreadsheet flavour (docs/exports.md, csv-fr): ';' separator,
 *                     ',' decimal point (the caller formats its numbers with it), UTF-8 BOM,
 *                     CRLF line ends.
 * Functions take the separator itself, so a writer answering in the separator it read (';',
 * tab, '|') uses the same quoting rule.
 *
 * Everything appends to a struct gdir_buf and returns its status (0, or the buffer's sticky
 * negative code). Reentrant.
 */
#ifndef GDIR_CSV_H
#define GDIR_CSV_H

#include <stddef.h>

#include "gdir_buf.h"

enum gdir_csv_dialect {
    GDIR_CSV_RFC4180,   /* ',' '.' no BOM */
    GDIR_CSV_FR         /* ';' ',' BOM */
};

#define GDIR_CSV_BOM "\xEF\xBB\xBF"   /* UTF-8 byte order mark */
#define GDIR_CSV_EOL "\r\n"           /* line end of every dialect */

/* The dialect's separator / decimal point; whether it starts with a BOM (1) or not (0). */
char gdir_csv_sep(enum gdir_csv_dialect d);
char gdir_csv_point(enum gdir_csv_dialect d);
int gdir_csv_has_bom(enum gdir_csv_dialect d);

/* 1 when s[0..n) must be quoted with separator sep (rule above), else 0. */
int gdir_csv_needs_quotes(const char *s, size_t n, char sep);

/* Appends the field s (NUL-terminated; NULL = empty) with separator sep, quoted when the rule
 * asks. Does not append the separator itself. */
int gdir_csv_field(struct gdir_buf *out, const char *s, char sep);

/* Appends the BOM when the dialect has one (nothing otherwise). */
int gdir_csv_begin(struct gdir_buf *out, enum gdir_csv_dialect d);

#endif
