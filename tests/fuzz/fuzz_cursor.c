/*
 * fuzz_cursor.c — libFuzzer target: keyset cursors of GET /api/places.
 *
 * Feeds the input, as a token, to api_cursor_decode() (api_cursor.c) for each of the three
 * orders (distance, relevance, name).
 * Asserts beyond "no crash": errors follow the gdir contract and name "cursor"; a token that
 * decodes re-encodes (api_cursor_encode) into a token that decodes to the same direction and
 * key (round trip: numbers to the same double, strings byte for byte); a decoded distance is
 * within 0..1e9 and a tier is 0, 1 or 2 (2: a member of a category the text names).
 */
#include "fuzz_util.h"

#include "api_cursor.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const enum api_sort sorts[] = {API_SORT_DISTANCE, API_SORT_RELEVANCE, API_SORT_NAME};
    char *token = fuzz_str(data, size);

    for (size_t i = 0; i < sizeof sorts / sizeof sorts[0]; i++) {
        char buf[API_CURSOR_MAX + 1], buf2[API_CURSOR_MAX + 1], again[API_CURSOR_MAX + 8];
        struct api_sort_key key, key2;
        enum api_cursor_dir dir, dir2;
        struct gdir_err err;
        int rc;

        gdir_err_clear(&err);
        rc = api_cursor_decode(token, sorts[i], buf, sizeof buf, &dir, &key, &err);
        fuzz_check_err(rc, &err);
        if (rc) {
            FUZZ_CHECK(rc == GDIR_EINVAL && strcmp(err.param, "cursor") == 0);
            continue;
        }
        FUZZ_CHECK(dir == API_CURSOR_AFTER || dir == API_CURSOR_BEFORE);
        FUZZ_CHECK(key.id != NULL);
        FUZZ_CHECK(key.d >= 0.0 && key.d <= 1e9);
        FUZZ_CHECK(key.tier >= 0 && key.tier <= 2);
        if (api_cursor_encode(sorts[i], dir, &key, again, sizeof again) != 0)
            continue;                      /* too long once re-encoded: no link is given */
        rc = api_cursor_decode(again, sorts[i], buf2, sizeof buf2, &dir2, &key2, &err);
        FUZZ_CHECK(rc == 0);
        FUZZ_CHECK(dir2 == dir);
        FUZZ_CHECK(memcmp(&key2.d, &key.d, sizeof key.d) == 0);
        FUZZ_CHECK(memcmp(&key2.score, &key.score, sizeof key.score) == 0);
        FUZZ_CHECK(key2.tier == key.tier);
        FUZZ_CHECK(same_str(key2.name, key.name) && same_str(key2.id, key.id));
    }
    free(token);
    return 0;
}
