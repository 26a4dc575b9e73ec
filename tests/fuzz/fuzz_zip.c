/*
 * fuzz_zip.c — libFuzzer target: the zip reader and gzip unpacking of --fetch.
 *
 * Writes the input to a private temporary file and unpacks it with imp_unzip_file() (the
 * only member, then the member matching "*.csv") and imp_gunzip_file() (imp_unpack.c), with
 * a 1 MiB output cap.
 * Asserts beyond "no crash": each returns 0 or -1; -1 comes with a message and leaves no
 * output file; 0 leaves an output file of at most the cap and names the member it took.
 */
#include "fuzz_util.h"

#include "imp_unpack.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CAP (1024 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_outcome(int rc, const char *out, const char *msg)
{
    struct stat st;

    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc) {
        FUZZ_CHECK(msg[0] != '\0');
        FUZZ_CHECK(stat(out, &st) != 0);
    } else {
        FUZZ_CHECK(stat(out, &st) == 0 && st.st_size <= CAP);
        unlink(out);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const patterns[] = {NULL, "*.csv"};
    char in[4200], out[4200], msg[512], chosen[IMP_ZIP_MEMBER_MAX];
    int rc;

    fuzz_path(in, sizeof in, "in.zip");
    fuzz_path(out, sizeof out, "out");
    fuzz_write(in, data, size);
    for (size_t i = 0; i < 2; i++) {
        msg[0] = chosen[0] = '\0';
        rc = imp_unzip_file(in, patterns[i], out, CAP, chosen, sizeof chosen, msg, sizeof msg);
        check_outcome(rc, out, msg);
        if (rc == 0)
            FUZZ_CHECK(chosen[0] != '\0');
    }
    msg[0] = '\0';
    rc = imp_gunzip_file(in, out, CAP, msg, sizeof msg);
    check_outcome(rc, out, msg);
    return 0;
}
