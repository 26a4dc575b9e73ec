/*
 * test_json.c — the streaming JSON writer (gdir_json): structure, escaping, numbers, the GeoJSON
 * Point, and that cJSON parses every output back to the same values.
 */
#include "check.h"
#include "gdir_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A JSON writer into a buffer of its own (cap as for gdir_buf_init); gdir_buf_free(&w.b) ends
 * it. */
struct writer {
    struct gdir_buf b;
    struct gdir_json j;
};

static void writer_open(struct writer *w, size_t cap)
{
    gdir_buf_init(&w->b, cap);
    gdir_json_init(&w->j, &w->b);
}

static void test_structure(void)
{
    struct writer w;
    writer_open(&w, 0);
    gdir_json_obj_begin(&w.j);
    gdir_json_kstr(&w.j, "type", "FeatureCollection");
    gdir_json_key(&w.j, "features");
    gdir_json_arr_begin(&w.j);
    gdir_json_int(&w.j, 1);
    gdir_json_null(&w.j);
    gdir_json_bool(&w.j, 1);
    gdir_json_arr_begin(&w.j);
    gdir_json_arr_end(&w.j);
    gdir_json_obj_begin(&w.j);
    gdir_json_obj_end(&w.j);
    gdir_json_arr_end(&w.j);
    gdir_json_kint(&w.j, "n", -3);
    gdir_json_obj_end(&w.j);
    CHECK_INT_EQ(gdir_json_error(&w.j), 0);
    CHECK_STR_EQ(gdir_buf_str(&w.b),
                 "{\"type\":\"FeatureCollection\",\"features\":[1,null,true,[],{}],\"n\":-3}");
    gdir_buf_free(&w.b);
}

static char *write_string(const char *s, size_t n)
{
    struct writer w;
    writer_open(&w, 0);
    gdir_json_strn(&w.j, s, n);
    return gdir_buf_steal(&w.b, NULL);
}

static void test_escaping(void)
{
    char *out = write_string("a\"b\\c\n\t\x01/é", 11);
    CHECK_STR_EQ(out, "\"a\\\"b\\\\c\\n\\t\\u0001/é\"");
    free(out);

    /* U+2028 and U+2029 are escaped (safe inside <script>) */
    out = write_string("x\xE2\x80\xA8y", 5);
    CHECK_STR_EQ(out, "\"x\\u2028y\"");
    free(out);

    /* Invalid UTF-8 becomes U+FFFD and the output parses */
    out = write_string("bad\xE9 and \xC3", 10);
    CHECK_STR_EQ(out, "\"bad\xEF\xBF\xBD and \xEF\xBF\xBD\"");
    cJSON *v = cJSON_Parse(out);
    CHECK(v && cJSON_IsString(v));
    cJSON_Delete(v);
    free(out);

    /* An embedded NUL is written as \u0000, not a truncation */
    out = write_string("a\0b", 3);
    CHECK_STR_EQ(out, "\"a\\u0000b\"");
    free(out);
}

static void test_numbers(void)
{
    struct writer w;
    writer_open(&w, 0);
    gdir_json_arr_begin(&w.j);
    gdir_json_num(&w.j, 5.11083984375, 7);
    gdir_json_num(&w.j, 48.0, 7);
    gdir_json_num(&w.j, -0.00000001, 7);
    gdir_json_num(&w.j, 1234.56, 1);
    gdir_json_num(&w.j, 0.0 / 0.0, 3);
    gdir_json_num(&w.j, 2.5, 0);
    gdir_json_num(&w.j, 1e300, 2);
    gdir_json_arr_end(&w.j);
    CHECK_INT_EQ(gdir_json_error(&w.j), 0);
    cJSON *arr = cJSON_Parse(gdir_buf_str(&w.b));
    CHECK(arr != NULL);
    CHECK(strncmp(gdir_buf_str(&w.b), "[5.1108398,48,0,1234.6,null,2,", 30) == 0);
    if (arr)
        CHECK_NEAR(cJSON_GetArrayItem(arr, 6)->valuedouble, 1e300, 1e286);
    cJSON_Delete(arr);
    gdir_buf_free(&w.b);
}

/* The printf-free path of gdir_json_num writes exactly what printf's %.*f (trailing zeros
 * dropped) writes: random coordinates, distances and scores, exact halves and near-halves. */
static void expected_num(double v, int d, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%.*f", d, v);
    if (d > 0) {
        while (n > 0 && out[n - 1] == '0')
            out[--n] = '\0';
        if (n > 0 && out[n - 1] == '.')
            out[--n] = '\0';
    }
    if (strcmp(out, "-0") == 0)
        snprintf(out, cap, "0");
}

static void test_numbers_match_printf(void)
{
    static const int decimals[] = {0, 1, 3, 6, 7, 9};
    unsigned long long seed = 0x9e3779b97f4a7c15ull;
    int mismatches = 0;
    for (int i = 0; i < 200000; i++) {
        struct writer w;
        char want[64];
        double v;
        int d = decimals[i % 6];
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        v = (double)(seed >> 11) / 9007199254740992.0;   /* [0, 1) */
        switch (i % 4) {
        case 0: v = v * 360 - 180; break;                /* a longitude */
        case 1: v = v * 50000; break;                    /* a distance in metres */
        case 2: v = (double)(long long)(v * 2e6) / 1e3 + 0.0005; break;   /* near-halves */
        default: v = ldexp(v, (int)(seed % 60) - 30); break;
        }
        writer_open(&w, 0);
        gdir_json_num(&w.j, v, d);
        expected_num(v, d, want, sizeof want);
        if (strcmp(gdir_buf_str(&w.b), want) != 0 && mismatches++ < 5)
            fprintf(stderr, "gdir_json_num(%.17g, %d) = %s, printf %s\n", v, d,
                    gdir_buf_str(&w.b), want);
        gdir_buf_free(&w.b);
    }
    CHECK_INT_EQ(mismatches, 0);
}

static void test_cap_is_sticky(void)
{
    struct writer w;
    writer_open(&w, 16);
    gdir_json_arr_begin(&w.j);
    for (int i = 0; i < 100; i++)
        gdir_json_str(&w.j, "0123456789");
    gdir_json_arr_end(&w.j);
    CHECK(gdir_json_error(&w.j) != 0);
    CHECK(gdir_buf_steal(&w.b, NULL) == NULL);
    gdir_buf_free(&w.b);
}

static void test_members(void)
{
    /* Members written into an object opened by other code, with and without members before. */
    static const struct {
        const char *open;
        int has_members;
        const char *want;
    } c[] = {
        {"{\"a\":1", 1, "{\"a\":1,\"b\":2}"},
        {"{", 0, "{\"b\":2}"},
    };
    struct gdir_buf b;
    struct gdir_json j;
    gdir_buf_init(&b, 0);
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        gdir_buf_reset(&b);
        gdir_buf_adds(&b, c[i].open);
        gdir_json_init_members(&j, &b, c[i].has_members);
        gdir_json_kint(&j, "b", 2);
        gdir_buf_addc(&b, '}');
        CHECK_STR_EQ(gdir_buf_str(&b), c[i].want);
    }
    gdir_buf_free(&b);
}

static void test_misuse(void)
{
    struct writer w;
    writer_open(&w, 0);
    gdir_json_arr_end(&w.j);   /* closing what was never opened */
    CHECK(gdir_json_error(&w.j) != 0);
    gdir_buf_free(&w.b);
}

static void test_point(void)
{
    struct writer w;
    writer_open(&w, 0);
    gdir_json_arr_begin(&w.j);
    gdir_json_point(&w.j, 5.1234567, 48.9876543, 6);
    gdir_json_point(&w.j, -0.5, 0, 7);
    CHECK_INT_EQ(gdir_json_arr_end(&w.j), 0);
    CHECK_STR_EQ(gdir_buf_str(&w.b), "[{\"type\":\"Point\",\"coordinates\":[5.123457,48.987654]},"
                                     "{\"type\":\"Point\",\"coordinates\":[-0.5,0]}]");
    gdir_buf_free(&w.b);
}

static const struct check_case cases[] = {
    {"structure", test_structure},
    {"escaping", test_escaping},
    {"numbers", test_numbers},
    {"numbers_match_printf", test_numbers_match_printf},
    {"cap_is_sticky", test_cap_is_sticky},
    {"members", test_members},
    {"misuse", test_misuse},
    {"point", test_point},
};
CHECK_MAIN(cases)
