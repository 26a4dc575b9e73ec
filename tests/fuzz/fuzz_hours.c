/*
 * fuzz_hours.c — libFuzzer target: the opening_hours parser and evaluator.
 *
 * Feeds the input to gdir_hours_parse() (gdir_hours.c), then evaluates the parsed value with
 * gdir_hours_eval() at four instants (a winter weekday, a summer Sunday, a public holiday, a
 * school-holiday day) with the built-in zone B calendar; and to gdir_paris_parse().
 * Asserts beyond "no crash": errors follow the gdir contract, are GDIR_EFORMAT or
 * GDIR_ETOOBIG and leave *out NULL; a parsed value evaluates to open, closed or unknown,
 * with a next change after the instant (or 0) to another state; an instant read by
 * gdir_paris_parse and formatted back (gdir_paris_format) reads again to the same time_t.
 */
#include "fuzz_util.h"

#include "gdir_hours.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct gdir_calendar *calendar;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct gdir_err err;

    (void)argc;
    (void)argv;
    if (gdir_calendar_builtin(&calendar, &err)) {
        fprintf(stderr, "fuzz_hours: %s\n", err.msg);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const time_t instants[] = {
        1768291200,     /* 2026-01-13T08:00:00Z, a Tuesday */
        1784372400,     /* 2026-07-18T11:00:00Z, a Saturday in the summer holidays */
        1778486400,     /* 2026-05-11T08:00:00Z */
        1766750400,     /* 2025-12-26T12:00:00Z, Christmas holidays */
    };
    char *text = fuzz_str(data, size);
    struct gdir_hours *h = (struct gdir_hours *)&h;     /* not NULL: must be reset on error */
    struct gdir_err err;
    time_t t;
    int rc;

    gdir_err_clear(&err);
    rc = gdir_hours_parse(text, &h, &err);
    fuzz_check_err(rc, &err);
    if (rc) {
        FUZZ_CHECK(rc == GDIR_EFORMAT || rc == GDIR_ETOOBIG);
        FUZZ_CHECK(h == NULL);
    } else {
        for (size_t i = 0; i < sizeof instants / sizeof instants[0]; i++) {
            struct gdir_hours_eval ev;
            FUZZ_CHECK(gdir_hours_eval(h, calendar, instants[i], &ev) == 0);
            FUZZ_CHECK(ev.state == GDIR_HOURS_OPEN || ev.state == GDIR_HOURS_CLOSED ||
                       ev.state == GDIR_HOURS_UNKNOWN);
            if (ev.next_change) {
                FUZZ_CHECK(ev.next_change > instants[i]);
                FUZZ_CHECK(ev.next_state != ev.state);
            }
            FUZZ_CHECK(gdir_hours_state_name(ev.state) != NULL);
        }
        gdir_hours_free(h);
    }

    if (gdir_paris_parse(text, &t) == 0) {
        char buf[64];
        time_t t2;
        if (gdir_paris_format(t, buf, sizeof buf) == 0)   /* not beyond 9997 in Paris */
            FUZZ_CHECK(gdir_paris_parse(buf, &t2) == 0 && t2 == t);
    }
    free(text);
    return 0;
}
