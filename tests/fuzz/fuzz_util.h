/*
 * fuzz_util.h — what the libFuzzer targets of tests/fuzz share: the invariant check that
 * stops a run (FUZZ_CHECK), the contract of every gdir error return and of a file loader's
 * refusal, the input as a C string, private temporary files, and the small SpatiaLite
 * database of the router and the geocoder.
 *
 * A failed FUZZ_CHECK prints the condition and aborts: libFuzzer then saves the input as a
 * crash, like a sanitizer report.
 */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H
#include <stddef.h>
#include <stdint.h>

#include "gdir_err.h"

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_fail(__FILE__, __LINE__, #cond);                                                  \
    } while (0)

/* Prints where an invariant failed, then aborts. */
_Noreturn void fuzz_fail(const char *file, int line, const char *cond);

/* The contract of a function returning 0 or a negative GDIR_E* code with err filled: rc is 0,
 * or negative with err->code == rc and a non-empty message that is valid UTF-8. */
void fuzz_check_err(int rc, const struct gdir_err *err);

/* data[0..n) as a NUL-terminated malloc'd string (cut at its first NUL when it has one).
 * Aborts when out of memory (a fuzz target cannot go on). Free with free(). */
char *fuzz_str(const uint8_t *data, size_t n);

/* Splits data at its first byte equal to sep: the head is a new string (cut at a NUL), *rest
 * and *rest_n the bytes after sep (n = 0 without sep). Free the head with free(). */
char *fuzz_head(const uint8_t *data, size_t n, char sep, const uint8_t **rest, size_t *rest_n);

/* The process's private temporary folder (created on the first call under $TMPDIR, removed
 * with its files at exit), and a path name inside it. */
const char *fuzz_tmpdir(void);
void fuzz_path(char *out, size_t cap, const char *name);

/* Writes data[0..n) to path (created or truncated). Aborts on an I/O error. */
void fuzz_write(const char *path, const void *data, size_t n);

/* Writes the input data[0..n) to the file name of the private temporary folder, whose path
 * it puts in path (fuzz_path, then fuzz_write). */
void fuzz_input_file(char *path, size_t cap, const char *name, const uint8_t *data, size_t n);

/* The prologue of a file loader's target: the input written to the file name of the private
 * temporary folder (fuzz_input_file), err cleared; returns the file's path (a static buffer,
 * until the next call). */
const char *fuzz_load_input(const char *name, const uint8_t *data, size_t n,
                            struct gdir_err *err);

/* The contract of a file loader's refusal (rc != 0): fuzz_check_err, rc is GDIR_ECONFIG,
 * GDIR_EIO or GDIR_ENOMEM, and the message names the file (contains name). */
void fuzz_check_load_refusal(int rc, const struct gdir_err *err, const char *name);

/* Creates, at path (which must not exist), a geodir database with the schema and a few
 * communes and addresses of the Meuse (the unit test's geocoder fixture, shortened).
 * Aborts on failure. */
void fuzz_make_db(const char *path);

#endif
