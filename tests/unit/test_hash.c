/*
 * test_hash.c — gdir_hash: FNV-1a 64 against the reference values of the FNV authors'
 * test suite, chaining, the NUL-terminated form of entity tags; SHA-256 of a file (the FIPS
 * vectors of the streaming API are in tests/exports/test_export_unit.c), a missing file, and
 * an abandoned digest freed.
 */
#include "check.h"
#include "gdir_err.h"
#include "gdir_hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_fnv64(void)
{
    CHECK(gdir_fnv64(GDIR_FNV64_INIT, "", 0) == 0xcbf29ce484222325ull);
    CHECK(gdir_fnv64_str(GDIR_FNV64_INIT, "a") == 0xaf63dc4c8601ec8cull);
    CHECK(gdir_fnv64_str(GDIR_FNV64_INIT, "foobar") == 0x85944171f73967e8ull);
    CHECK(gdir_fnv64_str(GDIR_FNV64_INIT, NULL) == GDIR_FNV64_INIT);
    /* Chaining equals one run over the concatenation. */
    uint64_t h = gdir_fnv64_str(GDIR_FNV64_INIT, "foo");
    CHECK(gdir_fnv64_str(h, "bar") == gdir_fnv64_str(GDIR_FNV64_INIT, "foobar"));
    /* field: s and its NUL, so "ab","c" and "a","bc" differ; NULL is "". */
    CHECK(gdir_fnv64_field(GDIR_FNV64_INIT, "a") == gdir_fnv64(GDIR_FNV64_INIT, "a", 2));
    CHECK(gdir_fnv64_field(gdir_fnv64_field(GDIR_FNV64_INIT, "ab"), "c") !=
          gdir_fnv64_field(gdir_fnv64_field(GDIR_FNV64_INIT, "a"), "bc"));
    CHECK(gdir_fnv64_field(GDIR_FNV64_INIT, NULL) == gdir_fnv64_field(GDIR_FNV64_INIT, ""));
}

static void test_sha256_file(void)
{
    char path[] = "/tmp/gdir-test-hash-XXXXXX", hex[65];
    long long size = -1;
    struct gdir_err err = {0};
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return;
    CHECK_INT_EQ((int)write(fd, "abc", 3), 3);
    close(fd);
    CHECK_INT_EQ(gdir_sha256_file(path, hex, &size, &err), 0);
    CHECK_STR_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(size == 3);
    CHECK_INT_EQ(gdir_sha256_file(path, hex, NULL, &err), 0);
    unlink(path);
    CHECK_INT_EQ(gdir_sha256_file(path, hex, &size, &err), GDIR_EIO);
    CHECK_STR_EQ(hex, "");
    CHECK(size == 0);
    CHECK(strstr(err.msg, path) != NULL);
}

static void test_sha256_abandoned(void)
{
    struct gdir_sha256 s;
    unsigned char d[32];
    CHECK_INT_EQ(gdir_sha256_init(&s), 0);
    CHECK_INT_EQ(gdir_sha256_update(&s, "x", 1), 0);
    gdir_sha256_free(&s);   /* LeakSanitizer: nothing left */
    gdir_sha256_free(&s);
    gdir_sha256_free(NULL);
    CHECK_INT_EQ(gdir_sha256_update(&s, "x", 1), GDIR_EINTERNAL);
    CHECK_INT_EQ(gdir_sha256_final(&s, d), GDIR_EINTERNAL);
}

static const struct check_case cases[] = {
    {"fnv64", test_fnv64},
    {"sha256_file", test_sha256_file},
    {"sha256_abandoned", test_sha256_abandoned},
};
CHECK_MAIN(cases)
