/*
 * api_csv.h — reading the CSV files of batch geocoding (/api/search/csv/), the way
 * spreadsheet users produce them: UTF-8 with or without a BOM, `,` `;` tab or `|` separators
 * (detected on the header line), CRLF, LF or CR line ends, RFC 4180 quoting (`"` around a
 * field, `""` inside it, line breaks inside quoted fields).
 *
 * The reader borrows the text and unescapes one record at a time into its own buffer; memory
 * is bounded by the longest record. The answer is written with gdir_csv_field (gdir_csv.h).
 */
#ifndef API_CSV_H
#define API_CSV_H

#include <stddef.h>

#include "gdir_buf.h"
#include "gdir_err.h"

#define API_CSV_MAX_FIELDS 256          /* columns of a file */
#define API_CSV_MAX_RECORD (1u << 20)   /* bytes of one record, unescaped */

struct api_csv_reader {
    const char *p, *end;        /* what is left to read, borrowed */
    char sep;                   /* the separator read; '\0' for a file of one column */
    char out_sep;               /* the separator to answer with (',' for one column) */
    const char *eol;            /* line end of the header line: "\r\n" or "\n" ("\r" read as
                                 * "\n") */
    int bom;                    /* the text started with a UTF-8 byte order mark */
    long line;                  /* line number where the current record starts (1-based) */
    long next_line;             /* line number of the next record */
    struct gdir_buf rec;        /* the current record's fields, each NUL-terminated */
    size_t offs[API_CSV_MAX_FIELDS];   /* start of each field in rec */
};

/* Prepares to read data[0..len): skips a BOM, checks that the text is UTF-8 and detects the
 * separator on the first line (the candidate found most often outside quotes; none: one
 * column). Returns 0, or GDIR_EINVAL with err naming param (the upload field) for text that is
 * empty or not UTF-8. */
int api_csv_open(struct api_csv_reader *r, const char *data, size_t len, const char *param,
                 struct gdir_err *err);

/* Reads the next record: *n fields in fields[0..max) (borrowed until the next call). Blank
 * lines are skipped. Returns 1, 0 at the end, or GDIR_EINVAL with err naming param and the
 * line (unterminated quote, more than max fields, record longer than API_CSV_MAX_RECORD). */
int api_csv_next(struct api_csv_reader *r, const char **fields, size_t max, size_t *n,
                 const char *param, struct gdir_err *err);

/* Releases the reader's buffer. NULL-safe. */
void api_csv_close(struct api_csv_reader *r);

#endif
