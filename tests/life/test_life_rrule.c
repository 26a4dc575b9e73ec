/*
 * test_life_rrule.c — unit tests of life/life_rrule.c: the RRULE subset of the agenda.
 */
#include "check.h"

#include <stdlib.h>

#include "gdir_hours.h"
#include "life_rrule.h"

#define MAXOCC 1100

struct occs {
    int n;
    struct life_occurrence o[MAXOCC];
};

static int collect(const struct life_occurrence *o, void *arg)
{
    struct occs *c = arg;
    if (c->n < MAXOCC)
        c->o[c->n] = *o;
    c->n++;
    return 0;
}

/* UTC instant of y-mo-d h:mi UTC. */
static time_t utc(int y, int mo, int d, int h, int mi)
{
    char s[32];
    time_t t = 0;
    snprintf(s, sizeof s, "%04d-%02d-%02dT%02d:%02d:00Z", y, mo, d, h, mi);
    CHECK_INT_EQ(gdir_paris_parse(s, &t), 0);
    return t;
}

static void test_market_dst(void)
{
    struct life_rrule *r = NULL;
    struct gdir_err err;
    struct life_local dt = {2026, 1, 3, 8, 0};
    static struct occs c;

    CHECK_INT_EQ(life_rrule_parse("FREQ=WEEKLY;BYDAY=SA", &r, &err), 0);
    c.n = 0;
    CHECK_INT_EQ(life_rrule_expand(r, &dt, 240, NULL, 0, utc(2026, 1, 1, 0, 0),
                                   utc(2028, 1, 1, 0, 0), collect, &c), 0);
    CHECK_INT_EQ(c.n, 104);
    for (int i = 0; i < c.n && i < MAXOCC; i++) {
        const struct life_occurrence *o = &c.o[i];
        struct tm tm;
        gmtime_r(&o->start, &tm);
        int summer = (o->local.year == 2026 && ((o->local.month == 3 && o->local.day >= 29) ||
                                                (o->local.month > 3 && o->local.month < 10) ||
                                                (o->local.month == 10 && o->local.day < 25))) ||
                     (o->local.year == 2027 && ((o->local.month == 3 && o->local.day >= 28) ||
                                                (o->local.month > 3 && o->local.month < 10) ||
                                                (o->local.month == 10 && o->local.day < 31)));
        CHECK_INT_EQ(tm.tm_hour, summer ? 6 : 7);
        CHECK_INT_EQ(tm.tm_wday, 6);
        CHECK_INT_EQ(o->end - o->start, 4 * 3600);
    }
    life_rrule_free(r);
}

static const struct check_case cases[] = {
    {"market_dst", test_market_dst},
};

CHECK_MAIN(cases)
