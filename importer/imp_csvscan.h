/*
 * imp_csvscan.h — a second, byte-level pass over a CSV file that runs in step with GDAL's
 * CSV driver and gives, for each record, what the driver does not: its physical line number
 * (the header is line 1; a record with a quoted multi-line field spans several lines), its
 * number of fields, and whether its quotes are balanced.
 *
 * GDAL's CSV driver is lenient: a short row gets unset fields, a long row loses its extra
 * fields, and an unbalanced quote swallows the following lines, all silently. The scanner
 * splits records exactly as the driver does (a record continues while the count of '"' is
 * odd; blank lines are skipped; a UTF-8 BOM is ignored), so record k of the scanner is
 * feature k of the layer.
 *
 * Memory is flat: the file is read through a fixed buffer; nothing is kept per record.
 *
 * Also here, because GDAL's CSV driver has no encoding option: a streaming check that a file
 * is valid UTF-8, and a streaming conversion of Windows-1252 (Latin-1) files to UTF-8; and a
 * small reader of CSV records as fields, for the formats that need more than the driver (the
 * FINESS stock mixes two kinds of records in one file).
 */
#ifndef IMP_CSVSCAN_H
#define IMP_CSVSCAN_H

#include <stddef.h>

#include "gdir_buf.h"
#include "gdir_err.h"

struct imp_csvscan;

/* One record as the scanner saw it. */
struct imp_csvrec {
    long line;        /* physical line where the record starts (1-based) */
    long n_lines;     /* physical lines it spans (> 1 with quoted line breaks) */
    long n_fields;    /* fields found (separators outside quotes + 1) */
    int unbalanced;   /* 1 when a quote is still open at the end of the file */
    long long longest;    /* bytes of its longest field (quotes included) */
    long longest_field;   /* that field's index, from 0 */
};

/* Opens path and reads its header record. sep is ',', ';' or '\t'. Without a header
 * (has_header 0) the first record is only counted, then read again as record 1. Returns 0 or
 * GDIR_EIO / GDIR_ENOMEM / GDIR_EFORMAT (empty file) with err filled. */
int imp_csvscan_open(struct imp_csvscan **out, const char *path, char sep, int has_header,
                     struct gdir_err *err);

/* Number of fields of the header record (of the first record without a header). */
long imp_csvscan_header_fields(const struct imp_csvscan *s);

/* Reads the next record. Returns 1 and fills r, 0 at the end of the file, or GDIR_EIO. */
int imp_csvscan_next(struct imp_csvscan *s, struct imp_csvrec *r);

/* Closes the file. NULL-safe. */
void imp_csvscan_close(struct imp_csvscan *s);

/* Sets *valid to 1 when the whole file is well-formed UTF-8 (streamed, flat memory).
 * Returns 0 or GDIR_EIO. */
int imp_file_utf8_valid(const char *path, int *valid, struct gdir_err *err);

/* The "auto" encoding rule: a file that starts with a UTF-8 byte order mark is UTF-8 (its
 * invalid bytes are then rejected row by row); else a file that is valid UTF-8 throughout is
 * UTF-8; else it is Windows-1252. Sets *cp1252. Returns 0 or GDIR_EIO. */
int imp_file_encoding_auto(const char *path, int *cp1252, struct gdir_err *err);

/* Writes dst as the UTF-8 conversion of src read as Windows-1252 (bytes 0x80-0x9F as
 * Windows-1252, the rest as ISO-8859-1). Line breaks are kept, so line numbers do not move.
 * Returns 0 or GDIR_EIO. */
int imp_file_cp1252_to_utf8(const char *src, const char *dst, struct gdir_err *err);

/* Appends s[0..n), read as Windows-1252, to b as UTF-8. Returns 0 or b's error. */
int imp_cp1252_to_utf8(struct gdir_buf *b, const char *s, size_t n);

/* A CSV record reader: records split as above (quotes, multi-line fields), fields unquoted,
 * optionally converted from Windows-1252. Records are capped at 1 MiB. */
struct imp_csvrd;

int imp_csvrd_open(struct imp_csvrd **out, const char *path, char sep, int cp1252,
                   struct gdir_err *err);

/* Reads the next non-blank record: *fields points to n_fields strings owned by the reader
 * (valid until the next call), *line is its first physical line. Returns 1, 0 at the end, or
 * GDIR_EIO / GDIR_ETOOBIG (record over the cap: the file cannot be read further). A record
 * with an unbalanced quote is returned with *unbalanced set. */
int imp_csvrd_next(struct imp_csvrd *r, char ***fields, size_t *n_fields, long *line,
                   int *unbalanced, struct gdir_err *err);

void imp_csvrd_close(struct imp_csvrd *r);

#endif
