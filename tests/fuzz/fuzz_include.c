/*
 * fuzz_include.c — libFuzzer target: the include directives of the static pages
 * (http_include_next, http_include_name_ok; geoapi/http/http_include.c).
 *
 * Walks the input as a page, directive after directive, as h_static.c does. Asserts beyond
 * "no crash": an error has the gdir error contract; a directive found lies inside the input,
 * after the previous one, starts with "<!--#" and ends with "-->"; its name passes
 * http_include_name_ok (so holds no '/', no "..", no leading dot) and appears in the directive;
 * the walk stops (at most one directive per 5 bytes of input).
 */
#define _GNU_SOURCE   /* memmem */
#include "fuzz_util.h"

#include "http_include.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct http_include inc;
    struct gdir_err err;
    size_t off = 0, found = 0;
    int rc;

    for (;;) {
        gdir_err_clear(&err);
        rc = http_include_next(text, size, off, &inc, &err);
        if (rc <= 0) {
            fuzz_check_err(rc, &err);
            FUZZ_CHECK(rc == 0 || rc == GDIR_EINVAL);
            break;
        }
        FUZZ_CHECK(rc == 1);
        FUZZ_CHECK(inc.start >= off && inc.start < inc.end && inc.end <= size);
        FUZZ_CHECK(memcmp(text + inc.start, HTTP_INCLUDE_OPEN, 5) == 0);
        FUZZ_CHECK(inc.end - inc.start >= 5 + 3 && memcmp(text + inc.end - 3, "-->", 3) == 0);
        FUZZ_CHECK(http_include_name_ok(inc.name) == 1);
        FUZZ_CHECK(!strchr(inc.name, '/') && !strstr(inc.name, "..") && inc.name[0] != '.');
        FUZZ_CHECK(memmem(text + inc.start, inc.end - inc.start, inc.name, strlen(inc.name)));
        off = inc.end;
        FUZZ_CHECK(++found <= size / 5);
    }
    {
        char *name = fuzz_str(data, size);
        if (http_include_name_ok(name))
            FUZZ_CHECK(strlen(name) < HTTP_INCLUDE_NAME_MAX && !strchr(name, '/') &&
                       name[0] != '.' && strcmp(name + strlen(name) - 5, ".html") == 0);
        free(name);
    }
    return 0;
}
