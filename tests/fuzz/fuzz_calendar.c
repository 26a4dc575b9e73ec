/*
 * fuzz_calendar.c — libFuzzer target: the school-holiday calendar reader (SH of opening_hours).
 *
 * Feeds the input as CSV text to gdir_calendar_parse() (gdir_hours.c), then asks
 * gdir_calendar_is_holiday() about a few days from 1970 to 2100.
 * Asserts beyond "no crash": errors follow the gdir contract (GDIR_EFORMAT, GDIR_ETOOBIG or
 * GDIR_EINVAL) and leave *out NULL; a calendar answers 0, 1 or the documented unknown value
 * (-1: not covered) for every day asked.
 */
#include "fuzz_util.h"

#include "gdir_hours.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *csv = fuzz_str(data, size);
    struct gdir_calendar *cal = (struct gdir_calendar *)&cal;  /* not NULL: reset on error */
    struct gdir_err err;
    int rc;

    gdir_err_clear(&err);
    rc = gdir_calendar_parse(csv, &cal, &err);
    fuzz_check_err(rc, &err);
    if (rc) {
        FUZZ_CHECK(rc == GDIR_EFORMAT || rc == GDIR_ETOOBIG || rc == GDIR_EINVAL);
        FUZZ_CHECK(cal == NULL);
    } else {
        for (int y = 1970; y <= 2100; y += 13)
            for (int m = 1; m <= 12; m += 5)
                for (int d = 1; d <= 31; d += 10) {
                    int h = gdir_calendar_is_holiday(cal, y, m, d);
                    FUZZ_CHECK(h >= -1 && h <= 1);
                }
        gdir_calendar_free(cal);
    }
    free(csv);
    return 0;
}
