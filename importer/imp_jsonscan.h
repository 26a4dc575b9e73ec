/*
 * imp_jsonscan.h — a byte-level pass over a JSON file (GeoJSON) that finds its longest string
 * and the key it belongs to, with line and column: for GDAL's reader, which stops on a huge
 * string with "Too many characters in number" and no field name. Streamed, flat memory.
 */
#ifndef IMP_JSONSCAN_H
#define IMP_JSONSCAN_H

#include "gdir_err.h"

struct imp_json_longest {
    long long bytes;     /* length of the string's text between its quotes (escapes as written) */
    long line, column;   /* where its opening quote is (1-based; column in bytes) */
    char key[64];        /* the object key it is the value of ("" for an array item) */
};

/* Fills out with the file's longest string. Returns 0 or GDIR_EIO. */
int imp_json_longest_string(const char *path, struct imp_json_longest *out, struct gdir_err *err);

#endif
