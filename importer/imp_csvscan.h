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
 */
#ifndef IMP_CSVSCAN_H
#define IMP_CSVSCAN_H

#include "gdir_err.h"

struct imp_csvscan;

/* One record as the scanner saw it. */
struct imp_csvrec {
    long line;        /* physical line where the record starts (1-based) */
    long n_lines;     /* physical lines it spans (> 1 with quoted line breaks) */
    long n_fields;    /* fields found (separators outside quotes + 1) */
    int unbalanced;   /* 1 when a quote is still open at the end of the file */
};

/* Opens path and reads its header record. sep is ',', ';' or '\t'. Returns 0 or GDIR_EIO /
 * GDIR_ENOMEM / GDIR_EFORMAT (empty file) with err filled. */
int imp_csvscan_open(struct imp_csvscan **out, const char *path, char sep, struct gdir_err *err);

/* Number of fields of the header record. */
long imp_csvscan_header_fields(const struct imp_csvscan *s);

/* Reads the next record. Returns 1 and fills r, 0 at the end of the file, or GDIR_EIO. */
int imp_csvscan_next(struct imp_csvscan *s, struct imp_csvrec *r);

/* Closes the file. NULL-safe. */
void imp_csvscan_close(struct imp_csvscan *s);

#endif
