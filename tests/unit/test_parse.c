/*
 * test_parse.c — strict number parsing (gdir_parse).
 */
#include "check.h"
#include "gdir_err.h"
#include "gdir_parse.h"

#include <float.h>
#include <limits.h>

static void test_long_accepts(void)
{
    long v = 0;
    CHECK_INT_EQ(gdir_parse_long("42", 0, 100, &v), GDIR_OK);
    CHECK_INT_EQ(v, 42);
    CHECK_INT_EQ(gdir_parse_long("-7", -10, 10, &v), GDIR_OK);
    CHECK_INT_EQ(v, -7);
    CHECK_INT_EQ(gdir_parse_long("+3", 0, 10, &v), GDIR_OK);
    CHECK_INT_EQ(v, 3);
    CHECK_INT_EQ(gdir_parse_long("0", 0, 0, &v), GDIR_OK);
}

static void test_long_rejects(void)
{
    static const char *const bad[] = {"", " 1", "1 ", "1a", "0x10", "1.0", "-", "+", "１",
                                      "99999999999999999999999", "1e3", "--1"};
    long v = 12345;
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (gdir_parse_long(bad[i], LONG_MIN, LONG_MAX, &v) != GDIR_EINVAL)
            CHECK_FAIL_("accepted \"%s\"", bad[i]);
    }
    CHECK_INT_EQ(v, 12345);   /* untouched on failure */
    CHECK_INT_EQ(gdir_parse_long(NULL, 0, 1, &v), GDIR_EINVAL);
    CHECK_INT_EQ(gdir_parse_long("101", 0, 100, &v), GDIR_EINVAL);
    CHECK_INT_EQ(gdir_parse_long("-1", 0, 100, &v), GDIR_EINVAL);
}

static void test_double_accepts(void)
{
    double v = 0;
    CHECK_INT_EQ(gdir_parse_double("48.9332008", -90, 90, 0, &v), GDIR_OK);
    CHECK_NEAR(v, 48.9332008, 1e-12);
    CHECK_INT_EQ(gdir_parse_double("-0.5", -1, 1, 0, &v), GDIR_OK);
    CHECK_NEAR(v, -0.5, 0);
    CHECK_INT_EQ(gdir_parse_double("5", 0, 10, 0, &v), GDIR_OK);
    CHECK_INT_EQ(gdir_parse_double(".5", 0, 10, 0, &v), GDIR_OK);
    CHECK_NEAR(v, 0.5, 0);
    CHECK_INT_EQ(gdir_parse_double("5.", 0, 10, 0, &v), GDIR_OK);
    CHECK_INT_EQ(gdir_parse_double("1e3", 0, 1e4, 0, &v), GDIR_OK);
    CHECK_NEAR(v, 1000, 0);
    CHECK_INT_EQ(gdir_parse_double("2,25", 0, 10, 1, &v), GDIR_OK);
    CHECK_NEAR(v, 2.25, 0);
}

static void test_double_rejects(void)
{
    static const char *const bad[] = {"", "abc", "nan", "NaN", "inf", "-inf", "infinity",
                                      "0x1p3", " 1", "1 ", "1..2", "1.2.3", "e5", "1e", "1e+",
                                      "--1", "1,5", "4 8", "1e999", "١"};
    double v = 7;
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (gdir_parse_double(bad[i], -DBL_MAX, DBL_MAX, 0, &v) != GDIR_EINVAL)
            CHECK_FAIL_("accepted \"%s\"", bad[i]);
    }
    CHECK_NEAR(v, 7, 0);
    CHECK_INT_EQ(gdir_parse_double("90.0000001", -90, 90, 0, &v), GDIR_EINVAL);
    CHECK_INT_EQ(gdir_parse_double("1,2,3", 0, 10, 1, &v), GDIR_EINVAL);
    /* 100 digits: too long for any coordinate, refused rather than truncated */
    char longnum[101];
    memset(longnum, '1', 100);
    longnum[100] = '\0';
    CHECK_INT_EQ(gdir_parse_double(longnum, -DBL_MAX, DBL_MAX, 0, &v), GDIR_EINVAL);
}

static void test_bool(void)
{
    int b = -1;
    CHECK_INT_EQ(gdir_parse_bool("true", &b), GDIR_OK);
    CHECK_INT_EQ(b, 1);
    CHECK_INT_EQ(gdir_parse_bool("NO", &b), GDIR_OK);
    CHECK_INT_EQ(b, 0);
    CHECK_INT_EQ(gdir_parse_bool("2", &b), GDIR_EINVAL);
    CHECK_INT_EQ(gdir_parse_bool("", &b), GDIR_EINVAL);
}

static const struct check_case cases[] = {
    {"long_accepts", test_long_accepts},
    {"long_rejects", test_long_rejects},
    {"double_accepts", test_double_accepts},
    {"double_rejects", test_double_rejects},
    {"bool", test_bool},
};
CHECK_MAIN(cases)
