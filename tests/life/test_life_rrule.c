/*
 * test_life_rrule.c — unit tests of life/life_rrule.c: the RRULE subset of the agenda.
 */
#include "check.h"

#include <stdlib.h>
#include <time.h>

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

/* Expands rule (NULL: none) from dtstart over [from, to) into c; returns expand's value. */
static int expand(const char *rule, struct life_local dt, int dur, const struct life_local *ex,
                  size_t nex, time_t from, time_t to, struct occs *c)
{
    struct life_rrule *r = NULL;
    struct gdir_err err;
    int rc;

    c->n = 0;
    if (rule && life_rrule_parse(rule, &r, &err) != 0) {
        CHECK_FAIL_("%s: %s", rule, err.msg);
        return -1000;
    }
    rc = life_rrule_expand(r, &dt, dur, ex, nex, from, to, collect, c);
    life_rrule_free(r);
    return rc;
}

/* The local dates of c, "YYYY-MM-DD HH:MM ..." (the times in UTC: "=HH:MMZ"). */
static const char *dates(const struct occs *c, int with_utc)
{
    static char out[8192];
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < c->n && i < MAXOCC && o < sizeof out - 64; i++) {
        struct tm tm;
        gmtime_r(&c->o[i].start, &tm);
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%04d-%02d-%02d", i ? " " : "",
                              c->o[i].local.year, c->o[i].local.month, c->o[i].local.day);
        if (with_utc)
            o += (size_t)snprintf(out + o, sizeof out - o, "=%02d:%02dZ", tm.tm_hour, tm.tm_min);
    }
    return out;
}

static void test_market_dst(void)
{
    static struct occs c;
    static const struct { int y, m, d, utc_hour; } around[] = {
        {2026, 3, 28, 7}, {2026, 4, 4, 6}, {2026, 10, 24, 6}, {2026, 10, 31, 7},
        {2027, 3, 27, 7}, {2027, 4, 3, 6}, {2027, 10, 30, 6}, {2027, 11, 6, 7},
    };

    CHECK_INT_EQ(expand("FREQ=WEEKLY;BYDAY=SA", (struct life_local){2026, 1, 3, 8, 0}, 240, NULL,
                        0, utc(2026, 1, 1, 0, 0), utc(2028, 1, 1, 0, 0), &c), 0);
    CHECK_INT_EQ(c.n, 104);
    for (int i = 0; i < c.n && i < MAXOCC; i++) {
        const struct life_occurrence *o = &c.o[i];
        struct tm tm;
        gmtime_r(&o->start, &tm);
        CHECK_INT_EQ(tm.tm_wday, 6);
        CHECK_INT_EQ(o->local.hour * 100 + o->local.minute, 800);
        CHECK_INT_EQ(o->end - o->start, 4 * 3600);
        for (size_t k = 0; k < sizeof around / sizeof around[0]; k++)
            if (o->local.year == around[k].y && o->local.month == around[k].m &&
                o->local.day == around[k].d) {
                CHECK_INT_EQ(o->start, utc(around[k].y, around[k].m, around[k].d,
                                           around[k].utc_hour, 0));
            }
    }
    /* all eight Saturdays around the changes are there */
    for (size_t k = 0; k < sizeof around / sizeof around[0]; k++) {
        int found = 0;
        for (int i = 0; i < c.n && i < MAXOCC; i++)
            found |= c.o[i].start == utc(around[k].y, around[k].m, around[k].d,
                                         around[k].utc_hour, 0);
        CHECK(found);
    }
}

static void test_gap_and_doubled_hour(void)
{
    static struct occs c;

    /* 02:30 does not exist on 29 March 2026: 03:30 local (01:30Z) */
    CHECK_INT_EQ(expand("FREQ=DAILY", (struct life_local){2026, 3, 28, 2, 30}, 60, NULL, 0,
                        utc(2026, 3, 1, 0, 0), utc(2026, 3, 31, 0, 0), &c), 0);
    CHECK_STR_EQ(dates(&c, 1), "2026-03-28=01:30Z 2026-03-29=01:30Z 2026-03-30=00:30Z");
    CHECK_INT_EQ(c.o[1].end - c.o[1].start, 3600);
    /* 02:30 exists twice on 25 October 2026: the first one (CEST, 00:30Z) */
    CHECK_INT_EQ(expand("FREQ=DAILY;COUNT=3", (struct life_local){2026, 10, 24, 2, 30}, 60, NULL,
                        0, utc(2026, 10, 1, 0, 0), utc(2026, 11, 1, 0, 0), &c), 0);
    CHECK_STR_EQ(dates(&c, 1), "2026-10-24=00:30Z 2026-10-25=00:30Z 2026-10-26=01:30Z");
    /* a 2 h event from 01:30 across the spring change ends at 03:30 on the clock (1 h) */
    CHECK_INT_EQ(expand(NULL, (struct life_local){2026, 3, 29, 1, 30}, 120, NULL, 0,
                        utc(2026, 3, 1, 0, 0), utc(2026, 4, 1, 0, 0), &c), 0);
    CHECK_INT_EQ(c.n, 1);
    CHECK_INT_EQ(c.o[0].start, utc(2026, 3, 29, 0, 30));
    CHECK_INT_EQ(c.o[0].end, utc(2026, 3, 29, 1, 30));
}

static void test_monthly(void)
{
    static struct occs c;
    time_t y0 = utc(2026, 1, 1, 0, 0), y1 = utc(2027, 1, 1, 0, 0);

    CHECK_INT_EQ(expand("FREQ=MONTHLY;BYDAY=1SA", (struct life_local){2026, 1, 3, 10, 0}, 60,
                        NULL, 0, y0, y1, &c), 0);
    CHECK_STR_EQ(dates(&c, 0), "2026-01-03 2026-02-07 2026-03-07 2026-04-04 2026-05-02 "
                               "2026-06-06 2026-07-04 2026-08-01 2026-09-05 2026-10-03 "
                               "2026-11-07 2026-12-05");
    CHECK_INT_EQ(expand("FREQ=MONTHLY;BYDAY=-1FR", (struct life_local){2026, 1, 30, 18, 0}, 60,
                        NULL, 0, y0, y1, &c), 0);
    CHECK_STR_EQ(dates(&c, 0), "2026-01-30 2026-02-27 2026-03-27 2026-04-24 2026-05-29 "
                               "2026-06-26 2026-07-31 2026-08-28 2026-09-25 2026-10-30 "
                               "2026-11-27 2026-12-25");
    CHECK_INT_EQ(expand("FREQ=MONTHLY;BYMONTHDAY=31", (struct life_local){2026, 1, 31, 9, 0}, 60,
                        NULL, 0, y0, y1, &c), 0);
    CHECK_STR_EQ(dates(&c, 0), "2026-01-31 2026-03-31 2026-05-31 2026-07-31 2026-08-31 "
                               "2026-10-31 2026-12-31");
    CHECK_INT_EQ(expand("FREQ=MONTHLY", (struct life_local){2026, 1, 31, 9, 0}, 60, NULL, 0, y0,
                        y1, &c), 0);
    CHECK_INT_EQ(c.n, 7);
    CHECK_INT_EQ(expand("FREQ=MONTHLY;BYMONTHDAY=1,-1;BYMONTH=2,3",
                        (struct life_local){2026, 2, 1, 9, 0}, 60, NULL, 0, y0, y1, &c), 0);
    CHECK_STR_EQ(dates(&c, 0), "2026-02-01 2026-02-28 2026-03-01 2026-03-31");
    CHECK_INT_EQ(expand("FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1SU", (struct life_local){2026, 3, 29, 3,
                        0}, 0, NULL, 0, y0, utc(2028, 1, 1, 0, 0), &c), 0);
    CHECK_STR_EQ(dates(&c, 0), "2026-03-29 2026-10-25 2027-03-28 2027-10-31");
    CHECK_INT_EQ(expand("FREQ=YEARLY", (struct life_local){2024, 2, 29, 9, 0}, 60, NULL, 0,
                        utc(2024, 1, 1, 0, 0), utc(2033, 1, 1, 0, 0), &c), 0);
    CHECK_STR_EQ(dates(&c, 0), "2024-02-29 2028-02-29 2032-02-29");
}

static void test_count_until_interval(void)
{
    static struct occs c;
    time_t y0 = utc(2026, 1, 1, 0, 0), y1 = utc(2027, 1, 1, 0, 0);

    CHECK_INT_EQ(expand("FREQ=DAILY;COUNT=5", (struct life_local){2026, 6, 1, 9, 0}, 30, NULL, 0,
                        y0, y1, &c), 0);
    CHECK_STR_EQ(dates(&c, 0), "2026-06-01 2026-06-02 2026-06-03 2026-06-04 2026-06-05");
    /* COUNT counts from DTSTART, not from the window */
    CHECK_INT_EQ(expand("FREQ=DAILY;COUNT=5", (struct life_local){2026, 6, 1, 9, 0}, 30, NULL, 0,
                        utc(2026, 6, 4, 0, 0), y1, &c), 0);
    CHECK_STR_EQ(dates(&c, 0), "2026-06-04 2026-06-05");
    /* UNTIL as a date includes that day; as a UTC time, the instants up to it */
    CHECK_INT_EQ(expand("FREQ=WEEKLY;UNTIL=20260620", (struct life_local){2026, 6, 6, 20, 0}, 60,
                        NULL, 0, y0, y1, &c), 0);
    CHECK_STR_EQ(dates(&c, 0), "2026-06-06 2026-06-13 2026-06-20");
    CHECK_INT_EQ(expand("FREQ=WEEKLY;UNTIL=20260620T175959Z",
                        (struct life_local){2026, 6, 6, 20, 0}, 60, NULL, 0, y0, y1, &c), 0);
    CHECK_STR_EQ(dates(&c, 0), "2026-06-06 2026-06-13");
    CHECK_INT_EQ(expand("FREQ=WEEKLY;UNTIL=20260620T180000Z",
                        (struct life_local){2026, 6, 6, 20, 0}, 60, NULL, 0, y0, y1, &c), 0);
    CHECK_INT_EQ(c.n, 3);
    CHECK_INT_EQ(expand("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", (struct life_local){2026, 9, 5, 8, 0},
                        60, NULL, 0, y0, utc(2026, 11, 1, 0, 0), &c), 0);
    CHECK_STR_EQ(dates(&c, 0), "2026-09-05 2026-09-19 2026-10-03 2026-10-17 2026-10-31");
    CHECK_INT_EQ(expand("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH", (struct life_local){2026, 9, 3, 8,
                        0}, 60, NULL, 0, y0, utc(2026, 10, 1, 0, 0), &c), 0);
    CHECK_STR_EQ(dates(&c, 0), "2026-09-03 2026-09-15 2026-09-17 2026-09-29");
    CHECK_INT_EQ(expand("FREQ=DAILY;INTERVAL=3;COUNT=4", (struct life_local){2026, 12, 30, 8, 0},
                        60, NULL, 0, y0, utc(2028, 1, 1, 0, 0), &c), 0);
    CHECK_STR_EQ(dates(&c, 0), "2026-12-30 2027-01-02 2027-01-05 2027-01-08");
}

static void test_exdate_allday(void)
{
    static struct occs c;
    struct life_local ex[] = {{2026, 6, 13, 8, 0}, {2026, 6, 27, 8, 0}, {2026, 6, 20, 9, 0}};
    struct life_local exd[] = {{2027, 7, 14, 0, 0}};

    CHECK_INT_EQ(expand("FREQ=WEEKLY;COUNT=5", (struct life_local){2026, 6, 6, 8, 0}, 60, ex, 3,
                        utc(2026, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0), &c), 0);
    /* excluded instances still count for COUNT; 20 June 09:00 is not an instance */
    CHECK_STR_EQ(dates(&c, 0), "2026-06-06 2026-06-20 2026-07-04");
    /* an all-day event on 14 July: local midnight to midnight */
    CHECK_INT_EQ(expand("FREQ=YEARLY", (struct life_local){2026, 7, 14, 0, 0}, 1440, exd, 1,
                        utc(2026, 1, 1, 0, 0), utc(2029, 1, 1, 0, 0), &c), 0);
    CHECK_STR_EQ(dates(&c, 1), "2026-07-14=22:00Z 2028-07-14=22:00Z");
    CHECK_INT_EQ(c.o[0].start, utc(2026, 7, 13, 22, 0));
    CHECK_INT_EQ(c.o[0].end, utc(2026, 7, 14, 22, 0));
    /* a three-day all-day event in winter */
    CHECK_INT_EQ(expand(NULL, (struct life_local){2026, 12, 11, 0, 0}, 3 * 1440, NULL, 0,
                        utc(2026, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0), &c), 0);
    CHECK_INT_EQ(c.o[0].start, utc(2026, 12, 10, 23, 0));
    CHECK_INT_EQ(c.o[0].end, utc(2026, 12, 13, 23, 0));
}

static int stop_at_two(const struct life_occurrence *o, void *arg)
{
    int *n = arg;
    (void)o;
    return ++*n == 2 ? 42 : 0;
}

static void test_window_and_cap(void)
{
    static struct occs c;
    struct life_local dt = {2026, 5, 10, 10, 0};   /* 10:00-12:00 local = 08:00-10:00Z */
    struct life_rrule *r;
    struct gdir_err err;
    int n = 0;

    CHECK_INT_EQ(expand(NULL, dt, 120, NULL, 0, utc(2026, 5, 10, 9, 0), utc(2026, 5, 11, 0, 0),
                        &c), 0);
    CHECK_INT_EQ(c.n, 1);                 /* under way at the window's start */
    CHECK_INT_EQ(expand(NULL, dt, 120, NULL, 0, utc(2026, 5, 10, 10, 0), utc(2026, 5, 11, 0, 0),
                        &c), 0);
    CHECK_INT_EQ(c.n, 0);                 /* ended when the window opens */
    CHECK_INT_EQ(expand(NULL, dt, 120, NULL, 0, utc(2026, 5, 9, 0, 0), utc(2026, 5, 10, 8, 0),
                        &c), 0);
    CHECK_INT_EQ(c.n, 0);                 /* starts when the window closes */
    CHECK_INT_EQ(expand(NULL, dt, 0, NULL, 0, utc(2026, 5, 10, 8, 0), utc(2026, 5, 10, 8, 1),
                        &c), 0);
    CHECK_INT_EQ(c.n, 1);                 /* no duration, at the window's start */
    CHECK_INT_EQ(expand("FREQ=DAILY", dt, 60, NULL, 0, utc(2026, 6, 1, 0, 0),
                        utc(2026, 6, 4, 0, 0), &c), 0);
    CHECK_STR_EQ(dates(&c, 0), "2026-06-01 2026-06-02 2026-06-03");
    /* the cap */
    CHECK_INT_EQ(expand("FREQ=DAILY", dt, 60, NULL, 0, utc(2026, 1, 1, 0, 0),
                        utc(2030, 1, 1, 0, 0), &c), 0);
    CHECK_INT_EQ(c.n, LIFE_RRULE_OCCURRENCES);
    CHECK_INT_EQ(c.o[999].local.year * 10000 + c.o[999].local.month * 100 + c.o[999].local.day,
                 20290202);
    /* fn's value stops the walk and is returned */
    CHECK_INT_EQ(life_rrule_parse("FREQ=DAILY", &r, &err), 0);
    CHECK_INT_EQ(life_rrule_expand(r, &dt, 60, NULL, 0, utc(2026, 1, 1, 0, 0),
                                   utc(2027, 1, 1, 0, 0), stop_at_two, &n), 42);
    CHECK_INT_EQ(n, 2);
    /* not a date */
    CHECK_INT_EQ(life_rrule_expand(r, &(struct life_local){2026, 2, 30, 8, 0}, 60, NULL, 0, 0,
                                   utc(2027, 1, 1, 0, 0), collect, &c), GDIR_EINVAL);
    CHECK_INT_EQ(life_rrule_expand(r, &(struct life_local){2026, 2, 3, 24, 0}, 60, NULL, 0, 0,
                                   utc(2027, 1, 1, 0, 0), collect, &c), GDIR_EINVAL);
    life_rrule_free(r);
}

static void refused(const char *rule, size_t at)
{
    struct life_rrule *r = (struct life_rrule *)&r;
    struct gdir_err err;
    char where[32];

    CHECK_INT_EQ(life_rrule_parse(rule, &r, &err), GDIR_EINVAL);
    CHECK(r == NULL);
    CHECK_STR_EQ(err.param, "rrule");
    snprintf(where, sizeof where, "(octet %zu)", at);
    if (!strstr(err.msg, where))
        CHECK_FAIL_("%s: \"%s\" does not say %s", rule, err.msg, where);
}

static void test_refusals(void)
{
    char long_rule[300];

    refused("", 0);
    refused("FREQ=HOURLY", 0);
    refused("FREQ=WEEKLY;BYHOUR=8", 12);
    refused("FREQ=WEEKLY;BYSETPOS=1", 12);
    refused("INTERVAL=2", 0);                              /* FREQ missing */
    refused("FREQ=WEEKLY;FREQ=DAILY", 12);
    refused("FREQ=WEEKLY;INTERVAL=0", 12);
    refused("FREQ=WEEKLY;INTERVAL=367", 12);
    refused("FREQ=WEEKLY;INTERVAL=-1", 12);
    refused("FREQ=DAILY;COUNT=1001", 11);
    refused("FREQ=DAILY;COUNT=0", 11);
    refused("FREQ=DAILY;COUNT=3;UNTIL=20270101", 19);
    refused("FREQ=DAILY;UNTIL=20270101;COUNT=3", 26);
    refused("FREQ=DAILY;UNTIL=20270230", 11);
    refused("FREQ=DAILY;UNTIL=20270101T120000", 11);      /* floating: not UTC */
    refused("FREQ=DAILY;UNTIL=2027-01-01", 11);
    refused("FREQ=WEEKLY;BYDAY=SA,XX", 12);
    refused("FREQ=WEEKLY;BYDAY=1SA", 12);                  /* ordinal with WEEKLY */
    refused("FREQ=MONTHLY;BYDAY=6SA", 13);
    refused("FREQ=MONTHLY;BYDAY=0SA", 13);
    refused("FREQ=MONTHLY;BYDAY=-SA", 13);
    refused("FREQ=MONTHLY;BYDAY=SA,", 13);                 /* an empty item */
    refused("FREQ=MONTHLY;BYMONTHDAY=0", 13);
    refused("FREQ=MONTHLY;BYMONTHDAY=32", 13);
    refused("FREQ=MONTHLY;BYMONTHDAY=-32", 13);
    refused("FREQ=MONTHLY;BYMONTH=13", 13);
    refused("FREQ=WEEKLY;BYMONTHDAY=1", 12);
    refused("FREQ=YEARLY;BYDAY=1SU", 12);                  /* YEARLY BYDAY needs BYMONTH */
    refused("FREQ=WEEKLY;WKST=XX", 12);
    refused("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=SU", 35);
    refused("FREQ=WEEKLY;", 12);                           /* an empty part */
    refused("FREQ=WEEKLY;;BYDAY=SA", 12);
    refused("FREQ", 0);
    refused("RRULE:FREQ=WEEKLY;BYDAY=ZZ", 18);             /* positions in the whole value */
    memset(long_rule, 'A', sizeof long_rule);
    memcpy(long_rule, "FREQ=DAILY;", 11);
    long_rule[sizeof long_rule - 1] = '\0';
    refused(long_rule, LIFE_RRULE_MAX);
}

static void canonical(const char *in, const char *out)
{
    struct life_rrule *r = NULL, *r2 = NULL;
    struct gdir_err err;
    char buf[LIFE_RRULE_MAX + 1], buf2[LIFE_RRULE_MAX + 1];

    CHECK_INT_EQ(life_rrule_parse(in, &r, &err), 0);
    if (!r) {
        CHECK_FAIL_("%s: %s", in, err.msg);
        return;
    }
    CHECK_INT_EQ(life_rrule_format(r, buf, sizeof buf), 0);
    CHECK_STR_EQ(buf, out);
    CHECK_INT_EQ(life_rrule_parse(buf, &r2, &err), 0);
    if (r2) {
        CHECK_INT_EQ(life_rrule_format(r2, buf2, sizeof buf2), 0);
        CHECK_STR_EQ(buf2, buf);
    }
    life_rrule_free(r);
    life_rrule_free(r2);
}

static void test_format(void)
{
    struct life_rrule *r = NULL;
    struct gdir_err err;
    char small[8];

    canonical("FREQ=WEEKLY;BYDAY=SA", "FREQ=WEEKLY;BYDAY=SA");
    canonical("rrule:byday=sa,mo,SA;freq=weekly;interval=1;wkst=MO", "FREQ=WEEKLY;BYDAY=MO,SA");
    canonical("BYDAY=1SA,-1FR;FREQ=MONTHLY;COUNT=12", "FREQ=MONTHLY;COUNT=12;BYDAY=-1FR,1SA");
    canonical("FREQ=YEARLY;BYMONTH=10,3;BYDAY=-1SU", "FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1SU");
    canonical("FREQ=MONTHLY;BYMONTHDAY=-1,15,+1;INTERVAL=02",
              "FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=1,15,-1");
    canonical("FREQ=DAILY;UNTIL=20270630t235959z", "FREQ=DAILY;UNTIL=20270630T235959Z");
    canonical("FREQ=DAILY;UNTIL=20270630", "FREQ=DAILY;UNTIL=20270630");
    canonical("FREQ=MONTHLY;BYDAY=+2TU", "FREQ=MONTHLY;BYDAY=2TU");
    CHECK_INT_EQ(life_rrule_parse("FREQ=WEEKLY;BYDAY=SA", &r, &err), 0);
    CHECK_INT_EQ(life_rrule_format(r, small, sizeof small), GDIR_ETOOBIG);
    CHECK_STR_EQ(small, "");
    CHECK_INT_EQ(life_rrule_describe(r, small, sizeof small), GDIR_ETOOBIG);
    life_rrule_free(r);
}

static void described(const char *rule, const char *text)
{
    struct life_rrule *r = NULL;
    struct gdir_err err;
    char buf[512];

    CHECK_INT_EQ(life_rrule_parse(rule, &r, &err), 0);
    if (!r)
        return;
    CHECK_INT_EQ(life_rrule_describe(r, buf, sizeof buf), 0);
    if (strcmp(buf, text) != 0)
        CHECK_FAIL_("%s: \"%s\", expected \"%s\"", rule, buf, text);
    life_rrule_free(r);
}

static void test_describe(void)
{
    described("FREQ=WEEKLY;BYDAY=SA", "Tous les samedis");
    described("FREQ=WEEKLY", "Toutes les semaines");
    described("FREQ=WEEKLY;BYDAY=MO,WE,FR", "Tous les lundis, mercredis et vendredis");
    described("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "Du lundi au vendredi");
    described("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", "Un samedi sur deux");
    described("FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,TH", "Toutes les 3 semaines, le mardi et le jeudi");
    described("FREQ=MONTHLY;BYDAY=1TU", "Le premier mardi de chaque mois");
    described("FREQ=MONTHLY;BYDAY=-1FR", "Le dernier vendredi de chaque mois");
    described("FREQ=MONTHLY;BYDAY=1SA,3SA", "Le premier samedi et le troisième samedi de chaque "
                                            "mois");
    described("FREQ=MONTHLY;BYMONTHDAY=15", "Le 15 de chaque mois");
    described("FREQ=MONTHLY;BYMONTHDAY=1,-1", "Le 1er et le dernier jour de chaque mois");
    described("FREQ=MONTHLY;INTERVAL=2;BYDAY=2WE", "Le deuxième mercredi, tous les 2 mois");
    described("FREQ=MONTHLY", "Tous les mois");
    described("FREQ=DAILY;COUNT=10", "Tous les jours, 10 fois");
    described("FREQ=DAILY;INTERVAL=2", "Un jour sur deux");
    described("FREQ=DAILY;BYMONTH=7,8", "Tous les jours, en juillet et en août");
    described("FREQ=WEEKLY;BYDAY=SA;UNTIL=20270630", "Tous les samedis, jusqu'au 30 juin 2027");
    described("FREQ=WEEKLY;BYDAY=SA;UNTIL=20270630T220000Z",
              "Tous les samedis, jusqu'au 1er juillet 2027");
    described("FREQ=YEARLY", "Tous les ans");
    described("FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=14", "Chaque année, le 14 juillet");
    described("FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1SU",
              "Chaque année, le dernier dimanche de mars et d'octobre");
    described("FREQ=YEARLY;BYMONTH=4,8", "Chaque année, en avril et en août");
    described("FREQ=YEARLY;BYMONTH=7;BYDAY=SA", "Chaque année, les samedis de juillet");
    described("FREQ=YEARLY;INTERVAL=2;BYMONTHDAY=15",
              "Le 15 de chaque mois, une année sur 2");
    described("FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", "Les vendredis qui tombent le 13 de chaque "
                                                     "mois");
    described("FREQ=MONTHLY;BYDAY=SA", "Tous les samedis");
    described("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", "Du lundi au vendredi");
    described("FREQ=WEEKLY;BYDAY=SA;BYMONTH=6,7,8", "Tous les samedis, en juin, en juillet et "
                                                    "en août");
    described("FREQ=MONTHLY;BYDAY=-2SU", "L'avant-dernier dimanche de chaque mois");
    described("FREQ=MONTHLY;BYDAY=1MO,SA", "Le premier lundi et tous les samedis de chaque mois");
    described("FREQ=MONTHLY;BYMONTHDAY=-3", "Le 3e jour en partant de la fin de chaque mois");
    described("FREQ=DAILY;INTERVAL=2;BYDAY=MO", "Un jour sur deux, le lundi");
    described("FREQ=DAILY;BYMONTHDAY=1,15", "Le 1er et le 15 de chaque mois");
    described("FREQ=DAILY;BYDAY=FR;BYMONTHDAY=13", "Les vendredis qui tombent le 13 de chaque "
                                                   "mois");
    described("FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1;COUNT=1", "Chaque année, le 1er janvier, une "
                                                            "fois");
}

static void test_local_parse(void)
{
    struct life_local l;
    struct gdir_err err;
    int all_day = -1;

    CHECK_INT_EQ(life_local_parse("2026-12-12", "start", &l, &all_day, &err), 0);
    CHECK_INT_EQ(all_day, 1);
    CHECK_INT_EQ(l.year * 10000 + l.month * 100 + l.day, 20261212);
    CHECK_INT_EQ(life_local_parse("2026-12-12T08:30", "start", &l, &all_day, &err), 0);
    CHECK_INT_EQ(all_day, 0);
    CHECK_INT_EQ(l.hour * 100 + l.minute, 830);
    const char *bad[] = {"", "2026-12-1", "2026-13-01", "2026-02-29", "2026-12-12T24:00",
                         "2026-12-12T08:60", "2026-12-12 08:00", "2026-12-12T08:00Z",
                         "1970-01-01", "2026/12/12", "+026-12-12"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT_EQ(life_local_parse(bad[i], "start", &l, &all_day, &err), GDIR_EINVAL);
        CHECK_STR_EQ(err.param, "start");
    }
}

static const struct check_case cases[] = {
    {"market_dst", test_market_dst},
    {"gap_and_doubled_hour", test_gap_and_doubled_hour},
    {"monthly", test_monthly},
    {"count_until_interval", test_count_until_interval},
    {"exdate_allday", test_exdate_allday},
    {"window_and_cap", test_window_and_cap},
    {"refusals", test_refusals},
    {"format", test_format},
    {"describe", test_describe},
    {"local_parse", test_local_parse},
};

CHECK_MAIN(cases)
