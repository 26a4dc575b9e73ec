/*
 * test_fs.c — gdir_file_read (whole file, cap, empty file, NUL bytes, missing file) and
 * gdir_cjson_check_keys (the one "unknown key (allowed: …)" message).
 */
#include "check.h"
#include "gdir_cjson.h"
#include "gdir_err.h"
#include "gdir_fs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

/* Writes data to this process's scratch file (path, in the build directory). */
static void write_file(const char *data, size_t n)
{
    if (!path[0])
        snprintf(path, sizeof path, "test_fs.%ld.tmp", (long)getpid());
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK_INT_EQ(fwrite(data, 1, n, f), n);
        fclose(f);
    }
}

static void test_read(void)
{
    struct gdir_err err;
    char *text = NULL;
    size_t n = 0;
    gdir_err_clear(&err);
    write_file("abc\0def", 7);
    CHECK_INT_EQ(gdir_file_read(path, 7, &text, &n, &err), GDIR_OK);
    CHECK_INT_EQ(n, 7);
    CHECK(text && memcmp(text, "abc\0def", 8) == 0);    /* NUL-terminated too */
    free(text);
    CHECK_INT_EQ(gdir_file_read(path, 6, &text, &n, &err), GDIR_ETOOBIG);
    CHECK(text == NULL);
    CHECK(strstr(err.msg, ": larger than 6 bytes") != NULL);
    write_file("", 0);
    CHECK_INT_EQ(gdir_file_read(path, 1024, &text, NULL, &err), GDIR_OK);
    CHECK_STR_EQ(text, "");
    free(text);
    write_file("x", 1);
    CHECK_INT_EQ(gdir_file_read(path, 0, &text, &n, &err), GDIR_OK);   /* 0: no cap */
    CHECK_INT_EQ(n, 1);
    free(text);
    unlink(path);
    CHECK_INT_EQ(gdir_file_read(path, 1024, &text, &n, &err), GDIR_EIO);
    CHECK(strncmp(err.msg, path, strlen(path)) == 0);
    CHECK(text == NULL);
}

static void test_size_text(void)
{
    struct gdir_err err;
    char *text = NULL;
    char big[2048];
    memset(big, 'a', sizeof big);
    write_file(big, sizeof big);
    CHECK_INT_EQ(gdir_file_read(path, 1024, &text, NULL, &err), GDIR_ETOOBIG);
    CHECK(strstr(err.msg, ": larger than 1 KiB") != NULL);
    unlink(path);
}

static void test_check_keys(void)
{
    static const char *const keys[] = {"exports", "title", NULL};
    struct gdir_err err;
    cJSON *o = cJSON_Parse("{\"exports\": [], \"title\": \"t\"}");
    gdir_err_clear(&err);
    CHECK_INT_EQ(gdir_cjson_check_keys(o, keys, "a.json", "open_data", &err), GDIR_OK);
    cJSON_AddNumberToObject(o, "titel", 1);
    CHECK_INT_EQ(gdir_cjson_check_keys(o, keys, "a.json", "open_data", &err), GDIR_ECONFIG);
    CHECK_STR_EQ(err.msg, "a.json: open_data.titel: unknown key (allowed: exports, title)");
    CHECK_STR_EQ(err.param, "open_data");
    CHECK_INT_EQ(gdir_cjson_check_keys(o, keys, "a.json", "", &err), GDIR_ECONFIG);
    CHECK_STR_EQ(err.msg, "a.json: titel: unknown key (allowed: exports, title)");
    CHECK_STR_EQ(err.param, "titel");
    CHECK_INT_EQ(gdir_cjson_check_keys(o, keys, "a.json", NULL, &err), GDIR_ECONFIG);
    cJSON_Delete(o);
    o = cJSON_Parse("[1, 2]");
    CHECK_INT_EQ(gdir_cjson_check_keys(o, keys, "a.json", "x", &err), GDIR_OK);   /* an array */
    cJSON_Delete(o);
}

static const struct check_case cases[] = {
    {"read", test_read},
    {"size_text", test_size_text},
    {"check_keys", test_check_keys},
};

CHECK_MAIN(cases)
