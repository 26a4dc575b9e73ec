/*
 * fuzz_zip.c — libFuzzer target: the zip and gzip unpacking of --fetch (fetch_unpack.c).
 *
 * Writes the input to a private temporary file and unpacks it with fetch_unzip_file() (the
 * only member, then the member matching "*.csv") and fetch_gunzip_file(), with a 1 MiB output
 * cap. The zip archive is read by libarchive, so this fuzzes our use of it: the choice of the
 * member (exactly one, what counts as a file), the size cap, the cleanup on failure.
 * Asserts beyond "no crash": each returns 0 or a negative GDIR_E* code; a failure comes with
 * that code and a message in err and leaves no output file; 0 leaves an output file of at
 * most the cap and names the member it took.
 */
#include "fuzz_util.h"

#include "fetch_unpack.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CAP (1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_outcome(int rc, const char *out, const struct gdir_err *err)
{
    struct stat st;

    FUZZ_CHECK(rc <= 0);
    if (rc) {
        FUZZ_CHECK(err->code == rc && err->msg[0] != '\0');
        FUZZ_CHECK(stat(out, &st) != 0);
    } else {
        FUZZ_CHECK(stat(out, &st) == 0 && st.st_size <= CAP);
        unlink(out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const patterns[] = {NULL, "*.csv"};
    char in[4200], out[4200], chosen[FETCH_ZIP_MEMBER_MAX];
    struct gdir_err err;
    int rc;

    fuzz_input_file(in, sizeof in, "in.zip", data, size);
    fuzz_path(out, sizeof out, "out");
    for (size_t i = 0; i < 2; i++) {
        gdir_err_clear(&err);
        chosen[0] = '\0';
        rc = fetch_unzip_file(in, patterns[i], out, CAP, chosen, sizeof chosen, &err);
        check_outcome(rc, out, &err);
        if (rc == 0)
            FUZZ_CHECK(chosen[0] != '\0');
    }
    gdir_err_clear(&err);
    rc = fetch_gunzip_file(in, out, CAP, &err);
    check_outcome(rc, out, &err);
    return 0;
}
