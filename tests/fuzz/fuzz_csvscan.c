/*
 * fuzz_csvscan.c — libFuzzer target: the importer's byte-level CSV readers and encodings.
 *
 * Writes the input after its first byte to a private temporary file; the first byte picks the
 * separator (, ; tab), the header flag and Windows-1252. The file is read by
 * imp_csvscan_open()/imp_csvscan_next() (line numbers, field counts, open quotes),
 * imp_csvrd_open()/imp_csvrd_next() (records unquoted), imp_file_utf8_valid() and
 * imp_file_encoding_auto() (imp_csvscan.c).
 * Asserts beyond "no crash": errors follow the gdir contract; records come in increasing
 * physical lines, each spanning at least one line and holding at least one field, the scanner
 * ending within the file's line count; imp_file_utf8_valid agrees with gdir_utf8_valid on the
 * same bytes, and "auto" never picks Windows-1252 for valid UTF-8; records read with
 * Windows-1252 conversion are valid UTF-8.
 */
#include "fuzz_util.h"

#include "gdir_text.h"
#include "imp_csvscan.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char seps[] = {',', ';', '\t'};
    char path[4200];
    char sep;
    int has_header, cp1252, valid, auto1252, rc;
    long last = 0, lines = 1;
    struct imp_csvscan *s = NULL;
    struct imp_csvrd *r = NULL;
    struct imp_csvrec rec;
    struct gdir_err err;

    if (size < 1)
        return 0;
    sep = seps[data[0] % 3];
    has_header = (data[0] >> 2) & 1;
    cp1252 = (data[0] >> 3) & 1;
    data++;
    size--;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n' || (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n'));
    fuzz_input_file(path, sizeof path, "scan.csv", data, size);

    gdir_err_clear(&err);
    FUZZ_CHECK(imp_file_utf8_valid(path, &valid, &err) == 0);
    FUZZ_CHECK(valid == gdir_utf8_valid((const char *)data, size));
    FUZZ_CHECK(imp_file_encoding_auto(path, &auto1252, &err) == 0);
    if (valid)
        FUZZ_CHECK(!auto1252);

    rc = imp_csvscan_open(&s, path, sep, has_header, &err);
    fuzz_check_err(rc, &err);
    if (rc == 0) {
        FUZZ_CHECK(imp_csvscan_header_fields(s) >= 1);
        while ((rc = imp_csvscan_next(s, &rec)) == 1) {
            FUZZ_CHECK(rec.line > last && rec.n_lines >= 1 && rec.n_fields >= 1);
            FUZZ_CHECK(rec.line + rec.n_lines - 1 <= lines);
            last = rec.line;
        }
        FUZZ_CHECK(rc == 0);
        imp_csvscan_close(s);
    }

    last = 0;
    rc = imp_csvrd_open(&r, path, sep, cp1252, &err);
    fuzz_check_err(rc, &err);
    if (rc == 0) {
        char **fields;
        size_t n;
        long line;
        int unbalanced;
        while ((rc = imp_csvrd_next(r, &fields, &n, &line, &unbalanced, &err)) == 1) {
            FUZZ_CHECK(line > last && n >= 1);
            last = line;
            if (cp1252)
                for (size_t i = 0; i < n; i++)
                    FUZZ_CHECK(gdir_utf8_valid(fields[i], strlen(fields[i])));
        }
        fuzz_check_err(rc, &err);
        imp_csvrd_close(r);
    }
    return 0;
}
