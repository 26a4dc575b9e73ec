/*
 * fuzz_osm_tags.c — libFuzzer target: the `other_tags` (hstore) reader of OpenStreetMap
 * sources.
 *
 * Input: a key, '\n', then the rest. Feeds the rest as an other_tags value to imp_osm_tag()
 * (importer/imp_source_osm.c) for that key and for a few usual keys; then builds a well-formed
 * value holding the key and the rest as its value (escaped as GDAL writes them, after a NULL
 * tag and another pair) and reads it back.
 * Asserts beyond "no crash": imp_osm_tag returns 0 or 1 and leaves the buffer as it was when
 * it returns 0 (a partial value is dropped); the well-formed value gives back exactly the
 * value written (round trip of the escaping).
 */
#include "fuzz_util.h"

#include "gdir_buf.h"
#include "imp_source_reader.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void escape(struct gdir_buf *b, const char *s)
{
    FUZZ_CHECK(gdir_buf_addc(b, '"') == 0);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            FUZZ_CHECK(gdir_buf_addc(b, '\\') == 0);
        FUZZ_CHECK(gdir_buf_addc(b, *s) == 0);
    }
    FUZZ_CHECK(gdir_buf_addc(b, '"') == 0);
}

static void lookup(const char *tags, const char *key)
{
    struct gdir_buf out;
    int rc;

    gdir_buf_init(&out, 0);
    FUZZ_CHECK(gdir_buf_add(&out, "x", 1) == 0);
    rc = imp_osm_tag(tags, key, &out);
    FUZZ_CHECK(rc == 0 || rc == 1);
    if (rc == 0)
        FUZZ_CHECK(out.len == 1 && strcmp(gdir_buf_str(&out), "x") == 0);
    gdir_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"name", "addr:street", "opening_hours", "a\"b", NULL};
    const uint8_t *rest;
    size_t rest_n;
    char *key = fuzz_head(data, size, '\n', &rest, &rest_n);
    char *tags = fuzz_str(rest, rest_n);
    struct gdir_buf built, value;

    lookup(tags, key);
    for (const char *const *k = keys; *k; k++)
        lookup(tags, *k);

    if (key[0]) {
        gdir_buf_init(&built, 0);
        gdir_buf_init(&value, 0);
        FUZZ_CHECK(gdir_buf_adds(&built, "\"other\"=>NULL, \"z\" => \"1\",") == 0);
        escape(&built, key);
        FUZZ_CHECK(gdir_buf_adds(&built, "=>") == 0);
        escape(&built, tags);
        FUZZ_CHECK(imp_osm_tag(gdir_buf_str(&built), key, &value) == 1 ||
                   strcmp(key, "other") == 0 || strcmp(key, "z") == 0);
        if (strcmp(key, "other") != 0 && strcmp(key, "z") != 0)
            FUZZ_CHECK(strcmp(gdir_buf_str(&value), tags) == 0);
        gdir_buf_free(&built);
        gdir_buf_free(&value);
    }
    free(tags);
    free(key);
    return 0;
}
