/*
 * fuzz_text.c — libFuzzer target: UTF-8, French text folding and strict number parsing.
 *
 * Feeds the input to gdir_utf8_valid(), gdir_utf8_next(), gdir_latin1_to_utf8(),
 * gdir_text_fold(), gdir_text_squash() (gdir_text.c), and gdir_parse_long(),
 * gdir_parse_double() (with and without the decimal comma) and gdir_parse_bool()
 * (gdir_parse.c); and to imp_cp1252_to_utf8() (importer/imp_csvscan.c).
 * Asserts beyond "no crash": gdir_utf8_next walks valid text code point by code point to its
 * end, re-encoding each (gdir_utf8_put) gives the input back (round trip); Latin-1 and
 * Windows-1252 conversions are valid UTF-8 with at most twice (three times) the bytes; folding
 * valid text gives valid UTF-8 without leading, trailing or double spaces, and folding it
 * again changes nothing (idempotent); squashed text has no tab, newline or double space;
 * numbers read are in range and finite, and a long prints and reads back to itself.
 */
#include "fuzz_util.h"

#include "gdir_buf.h"
#include "gdir_parse.h"
#include "gdir_text.h"
#include "imp_csvscan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fold(const char *s)
{
    struct gdir_buf a, b;
    const char *f;
    size_t n;

    gdir_buf_init(&a, 0);
    gdir_buf_init(&b, 0);
    FUZZ_CHECK(gdir_text_fold(&a, s) == 0);
    f = gdir_buf_str(&a);
    n = strlen(f);
    FUZZ_CHECK(gdir_utf8_valid(f, n));
    FUZZ_CHECK(n == 0 || (f[0] != ' ' && f[n - 1] != ' '));
    FUZZ_CHECK(strstr(f, "  ") == NULL);
    FUZZ_CHECK(gdir_text_fold(&b, f) == 0);
    FUZZ_CHECK(strcmp(gdir_buf_str(&b), f) == 0);
    gdir_buf_free(&a);
    gdir_buf_free(&b);
}

static void check_numbers(const char *s)
{
    long l;
    double d;
    int b;

    if (gdir_parse_long(s, -1000000, 1000000, &l) == 0) {
        char back[32];
        long l2;
        FUZZ_CHECK(l >= -1000000 && l <= 1000000);
        snprintf(back, sizeof back, "%ld", l);
        FUZZ_CHECK(gdir_parse_long(back, -1000000, 1000000, &l2) == 0 && l2 == l);
    }
    for (int comma = 0; comma < 2; comma++)
        if (gdir_parse_double(s, -1e6, 1e6, comma, &d) == 0)
            FUZZ_CHECK(isfinite(d) && d >= -1e6 && d <= 1e6);
    if (gdir_parse_bool(s, &b) == 0)
        FUZZ_CHECK(b == 0 || b == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    size_t n = strlen(s);
    struct gdir_buf out;

    gdir_buf_init(&out, 0);
    FUZZ_CHECK(gdir_latin1_to_utf8(&out, s, n) == 0);
    FUZZ_CHECK(out.len <= 2 * n && gdir_utf8_valid(gdir_buf_str(&out), out.len));
    gdir_buf_reset(&out);
    FUZZ_CHECK(imp_cp1252_to_utf8(&out, s, n) == 0);
    FUZZ_CHECK(out.len <= 3 * n && gdir_utf8_valid(gdir_buf_str(&out), out.len));
    gdir_buf_reset(&out);

    if (gdir_utf8_valid(s, n)) {
        const char *p = s;
        while (*p) {
            const char *before = p;
            unsigned cp = gdir_utf8_next(&p);
            FUZZ_CHECK(p > before && p <= s + n);
            FUZZ_CHECK(gdir_utf8_put(&out, cp) == 0);
        }
        FUZZ_CHECK(out.len == n && memcmp(gdir_buf_str(&out), s, n) == 0);
        check_fold(s);
    } else {
        /* Invalid text: gdir_utf8_next must still stop at the NUL. */
        const char *p = s;
        while (*p)
            (void)gdir_utf8_next(&p);
        FUZZ_CHECK(p == s + n);
    }
    gdir_buf_reset(&out);
    FUZZ_CHECK(gdir_text_squash(&out, s) == 0);
    FUZZ_CHECK(!strpbrk(gdir_buf_str(&out), "\t\n\r") && !strstr(gdir_buf_str(&out), "  "));
    check_numbers(s);
    gdir_buf_free(&out);
    free(s);
    return 0;
}
