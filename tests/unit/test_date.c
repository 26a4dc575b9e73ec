/*
 * test_date.c — gdir_days_from_civil and gdir_civil_from_days (common/gdir_date.c) against the
 * C library's gmtime_r, an independent implementation, over four centuries, and on the dates
 * that break naive code (leap days, century years, before 1970; the constants are Python's
 * datetime.date differences).
 */
#include "check.h"
#include "gdir_date.h"

#include <time.h>

static void test_known_days(void)
{
    CHECK_INT_EQ(gdir_days_from_civil(1970, 1, 1), 0);
    CHECK_INT_EQ(gdir_days_from_civil(1969, 12, 31), -1);
    CHECK_INT_EQ(gdir_days_from_civil(2000, 3, 1), 11017);
    CHECK_INT_EQ(gdir_days_from_civil(2024, 2, 29), 19782);
    CHECK_INT_EQ(gdir_days_from_civil(1900, 3, 1), -25508);   /* 1900: no 29 February */
    CHECK_INT_EQ(gdir_days_from_civil(1600, 1, 1), -135140);
}

/* Every day from 1800-01-01 to 2200-12-31: the date is libc's and converts back to the day. */
static void test_round_trip_against_libc(void)
{
    long first = -62091, last = 84370;
    int failures = 0;

    for (long z = first; z <= last && failures < 5; z++) {
        time_t t = (time_t)z * 86400;
        struct tm tm;
        int y, m, d;
        gmtime_r(&t, &tm);
        gdir_civil_from_days(z, &y, &m, &d);
        if (y != tm.tm_year + 1900 || m != tm.tm_mon + 1 || d != tm.tm_mday ||
            gdir_days_from_civil(y, m, d) != z) {
            CHECK_INT_EQ(z, gdir_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday));
            CHECK_INT_EQ(y * 10000 + m * 100 + d,
                         (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday);
            failures++;
        }
    }
    CHECK_INT_EQ(failures, 0);
}

static void test_leap_days(void)
{
    int y, m, d;
    gdir_civil_from_days(gdir_days_from_civil(2028, 2, 28) + 1, &y, &m, &d);
    CHECK_INT_EQ(m * 100 + d, 229);
    gdir_civil_from_days(gdir_days_from_civil(2100, 2, 28) + 1, &y, &m, &d);
    CHECK_INT_EQ(m * 100 + d, 301);
    gdir_civil_from_days(gdir_days_from_civil(2000, 2, 28) + 1, &y, &m, &d);
    CHECK_INT_EQ(m * 100 + d, 229);
}

static const struct check_case cases[] = {
    {"known_days", test_known_days},
    {"round_trip_against_libc", test_round_trip_against_libc},
    {"leap_days", test_leap_days},
};
CHECK_MAIN(cases)
