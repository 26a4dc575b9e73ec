/*
 * forms_test.h — what the forms engine's unit tests share: the test territory's communes,
 * a private temporary folder, and writing a definition file into it.
 */
#ifndef FORMS_TEST_H
#define FORMS_TEST_H

#include "check.h"
#include "gdir_forms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef GDIR_SOURCE_DIR
#error "GDIR_SOURCE_DIR must be defined by CMake"
#endif

#define FIXTURES GDIR_SOURCE_DIR "/tests/forms/fixtures"

/* The test territory: three member communes (demo.json offers the first two). */
static const char *const test_communes[] = { "55017", "55029", "55040" };
#define N_TEST_COMMUNES 3

/* A private temporary folder (created once, emptied by forms_test_cleanup). */
static inline const char *forms_test_dir(void)
{
    static char dir[64];
    if (!dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/gdir-forms-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
        if (!mkdtemp(dir)) {
            perror("mkdtemp");
            exit(2);
        }
    }
    return dir;
}

/* Writes text to the temporary folder's file name; the path into out. */
static inline void forms_test_write(const char *name, const char *text, size_t len, char *out,
                                    size_t cap)
{
    snprintf(out, cap, "%s/%s", forms_test_dir(), name);
    FILE *f = fopen(out, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        perror(out);
        exit(2);
    }
}

/* The last test of a file: removes the temporary folder, which the tests left empty. */
static inline void forms_test_cleanup(void)
{
    CHECK_INT_EQ(rmdir(forms_test_dir()), 0);
}

static inline void forms_test_remove(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", forms_test_dir(), name);
    unlink(path);
}

#endif
