/*
 * test_hours.c — the opening_hours engine (gdir_hours): Europe/Paris clock at the DST
 * boundaries, Easter and the French public holidays, the school-holiday calendar, parse errors,
 * the data-driven table tests/unit/hours_cases.txt, robustness on hostile input, and
 * evaluation from several threads at once.
 */
#include "check.h"
#include "gdir_err.h"
#include "gdir_hours.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#ifndef GDIR_SOURCE_DIR
#error "GDIR_SOURCE_DIR must name the source tree"
#endif

/* ---- Europe/Paris ------------------------------------------------------------------- */

/* Transitions from the IANA tz database (Europe/Paris), as UTC seconds: start of CEST, start
 * of CET. Written down here so that the test does not use the code under test as its oracle. */
static const long long dst_table[][3] = {
    {2000, 954032400, 972781200},   {2001, 985482000, 1004230800},
    {2002, 1017536400, 1035680400}, {2003, 1048986000, 1067130000},
    {2004, 1080435600, 1099184400}, {2005, 1111885200, 1130634000},
    {2006, 1143334800, 1162083600}, {2007, 1174784400, 1193533200},
    {2008, 1206838800, 1224982800}, {2009, 1238288400, 1256432400},
    {2010, 1269738000, 1288486800}, {2011, 1301187600, 1319936400},
    {2012, 1332637200, 1351386000}, {2013, 1364691600, 1382835600},
    {2014, 1396141200, 1414285200}, {2015, 1427590800, 1445734800},
    {2016, 1459040400, 1477789200}, {2017, 1490490000, 1509238800},
    {2018, 1521939600, 1540688400}, {2019, 1553994000, 1572138000},
    {2020, 1585443600, 1603587600}, {2021, 1616893200, 1635642000},
    {2022, 1648342800, 1667091600}, {2023, 1679792400, 1698541200},
    {2024, 1711846800, 1729990800}, {2025, 1743296400, 1761440400},
    {2026, 1774746000, 1792890000}, {2027, 1806195600, 1824944400},
    {2028, 1837645200, 1856394000}, {2029, 1869094800, 1887843600},
    {2030, 1901149200, 1919293200}, {2031, 1932598800, 1950742800},
    {2032, 1964048400, 1982797200}, {2033, 1995498000, 2014246800},
    {2034, 2026947600, 2045696400}, {2035, 2058397200, 2077146000},
    {2036, 2090451600, 2108595600}, {2037, 2121901200, 2140045200},
    {2038, 2153350800, 2172099600}, {2039, 2184800400, 2203549200},
    {2040, 2216250000, 2234998800},
};

/* An instant and the Paris local time it must read as. */
struct local_case {
    long long t;
    int y, mo, d, h, mi, s, off;
};

static void check_local(const struct local_case *c)
{
    struct gdir_paris_time lt;
    CHECK_INT_EQ(gdir_paris_from_utc((time_t)c->t, &lt), GDIR_OK);
    if (lt.year != c->y || lt.month != c->mo || lt.day != c->d || lt.hour != c->h ||
        lt.minute != c->mi || lt.second != c->s || lt.utc_offset != c->off)
        CHECK_FAIL_("%lld: got %04d-%02d-%02d %02d:%02d:%02d %+d, want %04d-%02d-%02d "
                    "%02d:%02d:%02d %+d",
                    c->t, lt.year, lt.month, lt.day, lt.hour, lt.minute, lt.second,
                    lt.utc_offset, c->y, c->mo, c->d, c->h, c->mi, c->s, c->off);
}

/* A Paris local time (to the minute) and the UTC instant it must convert to. */
struct to_utc_case {
    int y, mo, d, h, mi;
    long long want;
};

static void check_to_utc(const struct to_utc_case *c)
{
    time_t t = 0;
    CHECK_INT_EQ(gdir_paris_to_utc(c->y, c->mo, c->d, c->h, c->mi, 0, &t), GDIR_OK);
    if ((long long)t != c->want)
        CHECK_FAIL_("%04d-%02d-%02d %02d:%02d local -> %lld, want %lld", c->y, c->mo, c->d,
                    c->h, c->mi, (long long)t, c->want);
}

static void test_paris_dst_boundaries(void)
{
    static const struct local_case local[] = {
        /* 2026: CEST from 29 Mar 01:00Z (1774746000) to 25 Oct 01:00Z (1792890000). */
        {1774745999, 2026, 3, 29, 1, 59, 59, 3600},
        {1774746000, 2026, 3, 29, 3, 0, 0, 7200},
        {1792889999, 2026, 10, 25, 2, 59, 59, 7200},
        {1792890000, 2026, 10, 25, 2, 0, 0, 3600},
        {1792893599, 2026, 10, 25, 2, 59, 59, 3600},
        {1792893600, 2026, 10, 25, 3, 0, 0, 3600},
        /* 2025 and 2027 */
        {1743296399, 2025, 3, 30, 1, 59, 59, 3600},
        {1743296400, 2025, 3, 30, 3, 0, 0, 7200},
        {1761440400, 2025, 10, 26, 2, 0, 0, 3600},
        {1806195600, 2027, 3, 28, 3, 0, 0, 7200},
        {1824944399, 2027, 10, 31, 2, 59, 59, 7200},
        /* New Year and a leap day */
        {1767222000, 2026, 1, 1, 0, 0, 0, 3600},
        {1709209800, 2024, 2, 29, 13, 30, 0, 3600},
    };
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
        check_local(&local[i]);

    static const struct to_utc_case to_utc[] = {
        /* local -> UTC: ordinary, skipped hour (-> the jump), repeated hour (-> first pass) */
        {2026, 3, 29, 1, 59, 1774745940},
        {2026, 3, 29, 2, 0, 1774746000},
        {2026, 3, 29, 2, 30, 1774746000},
        {2026, 3, 29, 3, 0, 1774746000},
        {2026, 3, 29, 3, 1, 1774746060},
        {2026, 10, 25, 1, 59, 1792889940 - 3600},
        {2026, 10, 25, 2, 0, 1792890000 - 3600},
        {2026, 10, 25, 2, 30, 1792890000 - 1800},
        {2026, 10, 25, 3, 0, 1792893600},
    };
    for (size_t i = 0; i < sizeof to_utc / sizeof to_utc[0]; i++)
        check_to_utc(&to_utc[i]);

    /* Every hour of 2000-2040 has the offset the tz database gives, and converts back. */
    int bad = 0;
    for (size_t i = 0; i < sizeof dst_table / sizeof dst_table[0] && bad < 5; i++) {
        long long y0 = dst_table[i][0];
        time_t from = 0;
        CHECK_INT_EQ(gdir_paris_to_utc((int)y0, 1, 1, 0, 0, 0, &from), GDIR_OK);
        for (long long t = from - 3600; t < from + 366LL * 86400 && bad < 5; t += 1800) {
            int want = (t >= dst_table[i][1] && t < dst_table[i][2]) ? 7200 : 3600;
            struct gdir_paris_time lt;
            if (gdir_paris_from_utc((time_t)t, &lt) != GDIR_OK || lt.utc_offset != want) {
                CHECK_FAIL_("offset at %lld: got %d want %d", t, lt.utc_offset, want);
                bad++;
                continue;
            }
            time_t back = 0;
            gdir_paris_to_utc(lt.year, lt.month, lt.day, lt.hour, lt.minute, lt.second, &back);
            /* only the second pass of the repeated hour maps back to another instant */
            int repeated = t >= dst_table[i][2] && t < dst_table[i][2] + 3600;
            if (!repeated && (long long)back != t) {
                CHECK_FAIL_("round trip %lld -> %lld", t, (long long)back);
                bad++;
            }
            if (repeated && (long long)back != t - 3600) {
                CHECK_FAIL_("repeated hour %lld -> %lld (want its first pass)", t,
                            (long long)back);
                bad++;
            }
        }
    }
}

static void test_paris_format_parse(void)
{
    char buf[32];
    time_t t = 0;
    CHECK_INT_EQ(gdir_paris_format(1774746000, buf, sizeof buf), GDIR_OK);
    CHECK_STR_EQ(buf, "2026-03-29T03:00:00+02:00");
    CHECK_INT_EQ(gdir_paris_format(1792890000, buf, sizeof buf), GDIR_OK);
    CHECK_STR_EQ(buf, "2026-10-25T02:00:00+01:00");
    CHECK_INT_EQ(gdir_paris_format(1792890000, buf, 10), GDIR_EINVAL);
    CHECK_STR_EQ(buf, "");

    CHECK_INT_EQ(gdir_paris_parse("2026-03-29T03:00:00+02:00", &t), GDIR_OK);
    CHECK_INT_EQ(t, 1774746000);
    CHECK_INT_EQ(gdir_paris_parse("2026-03-29T01:00Z", &t), GDIR_OK);
    CHECK_INT_EQ(t, 1774746000);
    CHECK_INT_EQ(gdir_paris_parse("2026-03-29 03:00", &t), GDIR_OK);
    CHECK_INT_EQ(t, 1774746000);
    CHECK_INT_EQ(gdir_paris_parse("2026-10-25T02:30", &t), GDIR_OK);   /* first pass */
    CHECK_INT_EQ(t, 1792890000 - 1800);
    CHECK_INT_EQ(gdir_paris_parse("2026-10-25T02:30+01:00", &t), GDIR_OK);   /* second */
    CHECK_INT_EQ(t, 1792890000 + 1800);
    static const char *const bad[] = {"",
                                      "2026-03-29",
                                      "2026-02-29T10:00",
                                      "2026-03-29T24:00",
                                      "2026-03-29T10:60",
                                      "2026-3-29T10:00",
                                      "2026-03-29T10:00Zx",
                                      "2026-03-29T10:00+2",
                                      "1960-01-01T00:00",
                                      "9999-01-01T00:00",
                                      "2026-03-29T10:00:00.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (gdir_paris_parse(bad[i], &t) != GDIR_EINVAL)
            CHECK_FAIL_("accepted \"%s\"", bad[i]);
    }
    struct gdir_paris_time lt;
    CHECK_INT_EQ(gdir_paris_from_utc(0, &lt), GDIR_EINVAL);   /* before 1971 */
}

/* ---- Holidays -------------------------------------------------------------------------- */

static void test_easter(void)
{
    static const int known[][3] = {{1943, 4, 25}, {2000, 4, 23}, {2008, 3, 23}, {2011, 4, 24},
                                   {2019, 4, 21}, {2024, 3, 31}, {2025, 4, 20}, {2026, 4, 5},
                                   {2027, 3, 28}, {2038, 4, 25}, {2285, 3, 22}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        int m = 0, d = 0;
        CHECK_INT_EQ(gdir_hours_easter(known[i][0], &m, &d), GDIR_OK);
        if (m != known[i][1] || d != known[i][2])
            CHECK_FAIL_("Easter %d: %d-%d, want %d-%d", known[i][0], m, d, known[i][1],
                        known[i][2]);
    }
    int m, d;
    CHECK_INT_EQ(gdir_hours_easter(1500, &m, &d), GDIR_EINVAL);
}

static void check_year_holidays(int y, const char *want)
{
    char got[256] = "";
    size_t o = 0;
    for (int m = 1; m <= 12; m++) {
        for (int d = 1; d <= 31; d++) {
            if (gdir_hours_is_public_holiday(y, m, d))
                o += (size_t)snprintf(got + o, sizeof got - o, "%s%02d-%02d", o ? " " : "", m, d);
        }
    }
    if (strcmp(got, want) != 0)
        CHECK_FAIL_("holidays %d:\n  got  %s\n  want %s", y, got, want);
}

static void test_public_holidays(void)
{
    check_year_holidays(2025, "01-01 04-21 05-01 05-08 05-29 06-09 07-14 08-15 11-01 11-11 12-25");
    check_year_holidays(2026, "01-01 04-06 05-01 05-08 05-14 05-25 07-14 08-15 11-01 11-11 12-25");
    check_year_holidays(2027, "01-01 03-29 05-01 05-06 05-08 05-17 07-14 08-15 11-01 11-11 12-25");
    /* 2038: Easter 25 Apr, so Ascension is 3 Jun and Whit Monday 14 Jun (latest possible) */
    check_year_holidays(2038, "01-01 04-26 05-01 05-08 06-03 06-14 07-14 08-15 11-01 11-11 12-25");
    CHECK_INT_EQ(gdir_hours_is_public_holiday(2026, 2, 30), 0);
}

/* ---- School-holiday calendar ----------------------------------------------------------- */

static void test_calendar(void)
{
    struct gdir_err err;
    struct gdir_calendar *cal = NULL;
    CHECK_INT_EQ(gdir_calendar_builtin(&cal, &err), GDIR_OK);
    CHECK(cal != NULL);
    /* winter 2026 zone B: 14 Feb - 1 Mar, classes resume 2 Mar */
    CHECK_INT_EQ(gdir_calendar_is_holiday(cal, 2026, 2, 13), 0);
    CHECK_INT_EQ(gdir_calendar_is_holiday(cal, 2026, 2, 14), 1);
    CHECK_INT_EQ(gdir_calendar_is_holiday(cal, 2026, 3, 1), 1);
    CHECK_INT_EQ(gdir_calendar_is_holiday(cal, 2026, 3, 2), 0);
    /* spring 2025 zone B: 5-21 Apr */
    CHECK_INT_EQ(gdir_calendar_is_holiday(cal, 2025, 4, 5), 1);
    CHECK_INT_EQ(gdir_calendar_is_holiday(cal, 2025, 4, 22), 0);
    /* summer 2026 */
    CHECK_INT_EQ(gdir_calendar_is_holiday(cal, 2026, 8, 31), 1);
    CHECK_INT_EQ(gdir_calendar_is_holiday(cal, 2026, 9, 1), 0);
    /* not covered */
    CHECK_INT_EQ(gdir_calendar_is_holiday(cal, 2024, 1, 10), -1);
    CHECK_INT_EQ(gdir_calendar_is_holiday(cal, 2030, 1, 10), -1);
    CHECK_INT_EQ(gdir_calendar_is_holiday(NULL, 2026, 2, 14), -1);
    CHECK_INT_EQ(gdir_calendar_is_holiday(cal, 2026, 2, 30), -1);

    /* The data file itself loads, and gives the same answers. */
    struct gdir_calendar *file = NULL;
    CHECK_INT_EQ(gdir_calendar_load(GDIR_SOURCE_DIR "/hours/holidays/school-holidays-zone-b.csv",
                                    &file, &err),
                 GDIR_OK);
    for (int m = 1; m <= 12 && file; m++) {
        for (int d = 1; d <= 28; d++)
            CHECK_INT_EQ(gdir_calendar_is_holiday(file, 2026, m, d),
                         gdir_calendar_is_holiday(cal, 2026, m, d));
    }
    gdir_calendar_free(file);

    /* Bad files say which line. */
    struct {
        const char *csv;
        int rc;
        const char *msg;
    } bad[] = {
        {"# only comments\n", GDIR_EFORMAT, "no period"},
        {"start_date,end_date,label\n2026-02-14;2026-03-02;x\n", GDIR_EFORMAT, "line 2"},
        {"2026-02-14,2026-02-30,x\n", GDIR_EFORMAT, "line 1"},
        {"#\n\n2026-03-02,2026-02-14,x\n", GDIR_EFORMAT, "line 3"},
        {"2026-01-01,2026-12-31,x\n", GDIR_EFORMAT, "line 1"},
        {"2026-02-14,2026-03-02x\n", GDIR_EFORMAT, "line 1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct gdir_calendar *c = (struct gdir_calendar *)&err;   /* must be reset to NULL */
        gdir_err_clear(&err);
        CHECK_INT_EQ(gdir_calendar_parse(bad[i].csv, &c, &err), bad[i].rc);
        CHECK(c == NULL);
        if (!strstr(err.msg, bad[i].msg))
            CHECK_FAIL_("csv %zu: message \"%s\" lacks \"%s\"", i, err.msg, bad[i].msg);
    }
    struct gdir_calendar *c = NULL;
    CHECK_INT_EQ(gdir_calendar_parse("2026-02-14,2026-03-02\r\n", &c, &err), GDIR_OK);
    CHECK_INT_EQ(gdir_calendar_is_holiday(c, 2026, 2, 20), 1);
    gdir_calendar_free(c);
    CHECK_INT_EQ(gdir_calendar_load("/nonexistent/zone-b.csv", &c, &err), GDIR_EIO);

    /* Without a calendar, SH makes the day unknown, but rules without SH stay known. */
    struct gdir_hours *h = NULL;
    struct gdir_hours_eval ev;
    time_t t = 0;
    CHECK_INT_EQ(gdir_hours_parse("Mo-Fr 09:00-17:00; SH off", &h, &err), GDIR_OK);
    gdir_paris_parse("2026-02-16T10:00", &t);
    CHECK_INT_EQ(gdir_hours_eval(h, NULL, t, &ev), GDIR_OK);
    CHECK_INT_EQ(ev.state, GDIR_HOURS_UNKNOWN);
    CHECK_INT_EQ(gdir_hours_eval(h, cal, t, &ev), GDIR_OK);
    CHECK_INT_EQ(ev.state, GDIR_HOURS_CLOSED);
    gdir_hours_free(h);
    CHECK_INT_EQ(gdir_hours_parse("Mo-Fr 09:00-17:00", &h, &err), GDIR_OK);
    CHECK_INT_EQ(gdir_hours_eval(h, NULL, t, &ev), GDIR_OK);
    CHECK_INT_EQ(ev.state, GDIR_HOURS_OPEN);
    gdir_hours_free(h);
    gdir_calendar_free(cal);
}

/* ---- The data-driven table ------------------------------------------------------------- */

struct lcg {
    uint32_t s;
};

static uint32_t lcg_next(struct lcg *g)
{
    g->s = g->s * 1664525u + 1013904223u;
    return g->s >> 8;
}

/* Builds the value of line 1 (handles @empty, @repeat, @garbage). Returns malloc'd text. */
static char *case_value(const char *line)
{
    if (strcmp(line, "@empty") == 0)
        return calloc(1, 1);
    if (strncmp(line, "@repeat ", 8) == 0 || strncmp(line, "@garbage ", 9) == 0) {
        char *end = NULL;
        int garbage = line[1] == 'g';
        const char *p = line + (garbage ? 9 : 8);
        long n = strtol(p, &end, 10);
        if (end == p || *end != ' ' || n < 1 || n > 100000)
            return NULL;
        const char *text = end + 1;
        size_t tl = strlen(text);
        size_t total = garbage ? (size_t)n : (size_t)n * tl;
        char *v = malloc(total + 1);
        if (!v)
            return NULL;
        if (garbage) {
            struct lcg g = {(uint32_t)strtoul(text, NULL, 10)};
            for (long i = 0; i < n; i++)
                v[i] = (char)(1 + lcg_next(&g) % 255);
        } else {
            for (long i = 0; i < n; i++)
                memcpy(v + (size_t)i * tl, text, tl);
        }
        v[total] = '\0';
        return v;
    }
    size_t n = strlen(line);
    char *v = malloc(n + 1);
    if (v)
        memcpy(v, line, n + 1);
    return v;
}

static int parse_state(const char *s, enum gdir_hours_state *st, const char **rest)
{
    static const struct {
        const char *name;
        enum gdir_hours_state st;
    } names[] = {{"open", GDIR_HOURS_OPEN}, {"closed", GDIR_HOURS_CLOSED},
                 {"unknown", GDIR_HOURS_UNKNOWN}};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(names[i].name);
        if (strncmp(s, names[i].name, n) == 0 && (s[n] == '\0' || s[n] == ' ')) {
            *st = names[i].st;
            *rest = s[n] ? s + n + 1 : s + n;
            return 0;
        }
    }
    return -1;
}

static void fmt_instant(time_t t, char *buf, size_t n)
{
    if (t == 0)
        snprintf(buf, n, "none");
    else if (gdir_paris_format(t, buf, n) != GDIR_OK)
        snprintf(buf, n, "%lld", (long long)t);
}

struct case_run {
    int cases, failed;
};

static void run_case(const char *lines[4], int lineno, const struct gdir_calendar *cal,
                     struct case_run *cr)
{
    char *value = case_value(lines[0]);
    struct gdir_hours *h = NULL;
    struct gdir_err err;
    struct gdir_hours_eval ev;
    time_t when = 0, want_next = 0;
    enum gdir_hours_state want_state, want_next_state = GDIR_HOURS_UNKNOWN;
    const char *want_comment = NULL, *rest = NULL;
    int has_next_state = 0;
    char comment_buf[256];
    int before = check_failures;

    cr->cases++;
    if (!value || gdir_paris_parse(lines[1], &when) != GDIR_OK ||
        parse_state(lines[2], &want_state, &rest) != 0) {
        CHECK_FAIL_("hours_cases.txt:%d: malformed case", lineno);
        goto out;
    }
    if (*rest == '"') {
        size_t n = strlen(rest);
        if (n < 2 || rest[n - 1] != '"' || n - 2 >= sizeof comment_buf) {
            CHECK_FAIL_("hours_cases.txt:%d: malformed comment", lineno);
            goto out;
        }
        memcpy(comment_buf, rest + 1, n - 2);
        comment_buf[n - 2] = '\0';
        want_comment = comment_buf;
    }
    gdir_err_clear(&err);
    int rc = gdir_hours_parse(value, &h, &err);
    if (strncmp(lines[3], "error ", 6) == 0) {
        if (rc == GDIR_OK)
            CHECK_FAIL_("hours_cases.txt:%d: \"%s\" parsed, expected an error", lineno,
                        lines[0]);
        else if (!strstr(err.msg, lines[3] + 6))
            CHECK_FAIL_("hours_cases.txt:%d: message \"%s\" lacks \"%s\"", lineno, err.msg,
                        lines[3] + 6);
        else if (strcmp(err.param, "opening_hours") != 0)
            CHECK_FAIL_("hours_cases.txt:%d: error param \"%s\"", lineno, err.param);
    } else if (rc != GDIR_OK) {
        CHECK_FAIL_("hours_cases.txt:%d: \"%s\" does not parse: %s", lineno, lines[0], err.msg);
        goto out;
    } else if (strcmp(lines[3], "none") != 0) {
        char nbuf[64];
        const char *sp = strchr(lines[3], ' ');
        size_t n = sp ? (size_t)(sp - lines[3]) : strlen(lines[3]);
        if (n >= sizeof nbuf) {
            CHECK_FAIL_("hours_cases.txt:%d: malformed next change", lineno);
            goto out;
        }
        memcpy(nbuf, lines[3], n);
        nbuf[n] = '\0';
        if (gdir_paris_parse(nbuf, &want_next) != GDIR_OK ||
            (sp && parse_state(sp + 1, &want_next_state, &rest) != 0)) {
            CHECK_FAIL_("hours_cases.txt:%d: malformed next change", lineno);
            goto out;
        }
        has_next_state = sp != NULL;
    }
    /* an unparseable value (h == NULL) evaluates to unknown */
    CHECK_INT_EQ(gdir_hours_eval(h, cal, when, &ev), GDIR_OK);
    if (ev.state != want_state)
        CHECK_FAIL_("hours_cases.txt:%d: \"%s\" at %s: %s, want %s", lineno, lines[0], lines[1],
                    gdir_hours_state_name(ev.state), gdir_hours_state_name(want_state));
    if (want_comment && (!ev.comment || strcmp(ev.comment, want_comment) != 0))
        CHECK_FAIL_("hours_cases.txt:%d: comment \"%s\", want \"%s\"", lineno,
                    ev.comment ? ev.comment : "(none)", want_comment);
    if (ev.next_change != want_next) {
        char got[40], want[40];
        fmt_instant(ev.next_change, got, sizeof got);
        fmt_instant(want_next, want, sizeof want);
        CHECK_FAIL_("hours_cases.txt:%d: \"%s\" at %s: next change %s, want %s", lineno,
                    lines[0], lines[1], got, want);
    } else if (has_next_state && ev.next_state != want_next_state) {
        CHECK_FAIL_("hours_cases.txt:%d: next state %s, want %s", lineno,
                    gdir_hours_state_name(ev.next_state), gdir_hours_state_name(want_next_state));
    }
    if (ev.next_change != 0) {   /* the state holds up to the change, and changes there */
        struct gdir_hours_eval before_change, at_change;
        gdir_hours_eval(h, cal, ev.next_change - 1, &before_change);
        gdir_hours_eval(h, cal, ev.next_change, &at_change);
        if (before_change.state != ev.state || at_change.state != ev.next_state ||
            at_change.state == ev.state)
            CHECK_FAIL_("hours_cases.txt:%d: inconsistent around the next change", lineno);
    }
out:
    if (check_failures != before)
        cr->failed++;
    gdir_hours_free(h);
    free(value);
}

static void test_cases_file(void)
{
    const char *path = GDIR_SOURCE_DIR "/tests/unit/hours_cases.txt";
    FILE *f = fopen(path, "r");
    if (!f) {
        CHECK_FAIL_("cannot open %s", path);
        return;
    }
    struct gdir_err err;
    struct gdir_calendar *cal = NULL;
    CHECK_INT_EQ(gdir_calendar_builtin(&cal, &err), GDIR_OK);
    char buf[4][2048];
    const char *lines[4];
    int n = 0, lineno = 0, first = 0;
    struct case_run cr = {0, 0};
    char line[2048];
    for (;;) {
        char *got = fgets(line, sizeof line, f);
        if (got) {
            lineno++;
            line[strcspn(line, "\n")] = '\0';
            if (line[0] == '#')
                continue;
        }
        if (!got || line[0] == '\0') {
            if (n == 4)
                run_case(lines, first, cal, &cr);
            else if (n != 0)
                CHECK_FAIL_("hours_cases.txt:%d: a case has %d lines, not 4", first, n);
            n = 0;
            if (!got)
                break;
            continue;
        }
        if (n == 4) {
            CHECK_FAIL_("hours_cases.txt:%d: a case has more than 4 lines", first);
            continue;
        }
        if (n == 0)
            first = lineno;
        memcpy(buf[n], line, strlen(line) + 1);
        lines[n] = buf[n];
        n++;
    }
    fclose(f);
    gdir_calendar_free(cal);
    printf("     hours_cases.txt: %d cases, %d failed\n", cr.cases, cr.failed);
    CHECK(cr.cases >= 80);
}

/* ---- Parser details ---------------------------------------------------------------------- */

static void test_parse_api(void)
{
    struct gdir_err err;
    struct gdir_hours *h = (struct gdir_hours *)&err;
    CHECK_INT_EQ(gdir_hours_parse(NULL, &h, &err), GDIR_EINVAL);
    CHECK(h == NULL);
    CHECK_INT_EQ(gdir_hours_parse("Mo", NULL, &err), GDIR_EINVAL);
    /* exactly at the length cap: parses; one more byte: refused */
    char text[GDIR_HOURS_MAX_TEXT + 2];
    memset(text, ' ', sizeof text);
    memcpy(text, "Mo-Fr 08:00-12:00", 17);
    text[GDIR_HOURS_MAX_TEXT] = '\0';
    CHECK_INT_EQ(gdir_hours_parse(text, &h, &err), GDIR_OK);
    gdir_hours_free(h);
    text[GDIR_HOURS_MAX_TEXT] = ' ';
    text[GDIR_HOURS_MAX_TEXT + 1] = '\0';
    CHECK_INT_EQ(gdir_hours_parse(text, &h, &err), GDIR_ETOOBIG);
    CHECK(h == NULL);
    /* caps on spans */
    char many[GDIR_HOURS_MAX_TEXT + 1];
    size_t o = 0;
    o += (size_t)snprintf(many, sizeof many, "Mo ");
    for (int i = 0; i < 160 && o + 8 < sizeof many; i++)   /* open ends are the shortest */
        o += (size_t)snprintf(many + o, sizeof many - o, "%s%d:%02d+", i ? "," : "", i % 10,
                              i % 60);
    CHECK_INT_EQ(gdir_hours_parse(many, &h, &err), GDIR_ETOOBIG);
    CHECK(strstr(err.msg, "time spans") != NULL);
    /* invalid UTF-8 and control bytes in a comment */
    CHECK_INT_EQ(gdir_hours_parse("Mo \"\xC3\x28\"", &h, &err), GDIR_EFORMAT);
    CHECK(strstr(err.msg, "UTF-8") != NULL);
    CHECK_INT_EQ(gdir_hours_parse("Mo \"a\tb\"", &h, &err), GDIR_EFORMAT);
    /* the message quotes odd bytes escaped */
    CHECK_INT_EQ(gdir_hours_parse("Mo-Fr \x01", &h, &err), GDIR_EFORMAT);
    CHECK(strstr(err.msg, "\\x01") != NULL);
    /* valid values that exercise the grammar */
    static const char *const ok[] = {
        "Mo-Fr 08:00-12:00,13:00-17:30; Sa 08:00-12:00; PH off",
        "Jan-Mar,Oct-Dec Mo-Fr 09:00-12:00",
        "2025-2030/2 Jul 14 off",
        "week 01-53/2 Fr 09:00-12:00; week 02-52/2 Sa 09:00-12:00",
        "Mo[-1] 10:00-11:00",
        "SH Sa,Su 10:00-18:00",
        "Su,PH off",
        "Mo-Su 23:59-48:00",
        "Fr 20:00-02:00+",
        "\"fermé pour travaux\"",
        "Dec 24 14:00-18:00 \"fermeture anticipée\"",
        "2026 Jan 05-2026 Feb 10 closed",
        "Jul 14-Aug 15: Tu-Sa 10:00-18:00",
        "Mo–Fr 08:00–12:00",   /* en dashes, as typed by French word processors */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        gdir_err_clear(&err);
        if (gdir_hours_parse(ok[i], &h, &err) != GDIR_OK)
            CHECK_FAIL_("\"%s\" refused: %s", ok[i], err.msg);
        gdir_hours_free(h);
    }
    gdir_hours_free(NULL);
    struct gdir_hours_eval ev;
    CHECK_INT_EQ(gdir_hours_eval(NULL, NULL, 0, &ev), GDIR_EINVAL);
    CHECK_INT_EQ(ev.state, GDIR_HOURS_UNKNOWN);
    CHECK_INT_EQ(gdir_hours_eval(NULL, NULL, 1774746000, NULL), GDIR_EINVAL);
    CHECK_STR_EQ(gdir_hours_state_name(GDIR_HOURS_OPEN), "open");
    CHECK_STR_EQ(gdir_hours_state_name(GDIR_HOURS_CLOSED), "closed");
    CHECK_STR_EQ(gdir_hours_state_name(GDIR_HOURS_UNKNOWN), "unknown");
}

/* The next change is consistent with the state: just before it the state is the same, at it
 * the state is next_state. Checked over a year of instants for a few values. */
static void test_next_change_consistent(void)
{
    static const char *const values[] = {
        "Mo-Fr 08:30-12:00,13:30-17:30; Sa[1] 09:00-12:00; PH off",
        "Mo-Su 22:00-02:00; Su 01:00-03:30 off",
        "Mo-Fr 09:00-17:00; SH off || \"sur rendez-vous\"",
        "Su 02:00-03:00,02:30-02:45",
        "Fr 18:00+; Jul-Aug Sa 10:00-19:00",
    };
    struct gdir_err err;
    struct gdir_calendar *cal = NULL;
    gdir_calendar_builtin(&cal, &err);
    time_t start = 0;
    gdir_paris_parse("2025-12-30T00:00Z", &start);
    int bad = 0;
    for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
        struct gdir_hours *h = NULL;
        CHECK_INT_EQ(gdir_hours_parse(values[v], &h, &err), GDIR_OK);
        for (time_t t = start; h && t < start + 366 * 86400 && bad < 5; t += 7919) {
            struct gdir_hours_eval a, b, c;
            gdir_hours_eval(h, cal, t, &a);
            if (a.next_change == 0)
                continue;
            gdir_hours_eval(h, cal, a.next_change - 1, &b);
            gdir_hours_eval(h, cal, a.next_change, &c);
            if (a.next_change <= t || b.state != a.state || c.state != a.next_state ||
                b.next_change != a.next_change) {
                CHECK_FAIL_("\"%s\" at %lld: next %lld (%s), before %s, at %s", values[v],
                            (long long)t, (long long)a.next_change,
                            gdir_hours_state_name(a.next_state), gdir_hours_state_name(b.state),
                            gdir_hours_state_name(c.state));
                bad++;
            }
        }
        gdir_hours_free(h);
    }
    gdir_calendar_free(cal);
}

/* Random token soup and random bytes: never a crash (ASan/UBSan build), always an answer. */
static void test_robustness(void)
{
    static const char *const tok[] = {
        "Mo", "Fr", "Su", "-", ",", ";", " ", " || ", "[", "]", "1", "-1", "5", "6", "08:00",
        "24:00", "26:00", "48:00", "+", "PH", "SH", "off", "open", "unknown", "\"x\"", "Jan",
        "Dec", "24", "2026", "week", "53", "/", "2", ":", "24/7", "\"", "|", "00:00", "23:59"};
    struct gdir_err err;
    struct gdir_calendar *cal = NULL;
    gdir_calendar_builtin(&cal, &err);
    struct lcg g = {12345};
    int parsed = 0;
    char text[600];
    clock_t c0 = clock();
    for (int i = 0; i < 20000; i++) {
        size_t o = 0;
        int n = 1 + (int)(lcg_next(&g) % 24);
        for (int k = 0; k < n; k++) {
            const char *t = tok[lcg_next(&g) % (sizeof tok / sizeof tok[0])];
            size_t tl = strlen(t);
            if (o + tl >= sizeof text)
                break;
            memcpy(text + o, t, tl);
            o += tl;
            if (lcg_next(&g) % 2 && o + 1 < sizeof text)   /* spaces make more of them valid */
                text[o++] = ' ';
        }
        text[o] = '\0';
        if (i % 7 == 0 && o > 0)   /* sprinkle raw bytes */
            text[lcg_next(&g) % o] = (char)(1 + lcg_next(&g) % 255);
        struct gdir_hours *h = NULL;
        int rc = gdir_hours_parse(text, &h, &err);
        if (rc == GDIR_OK)
            parsed++;
        else if (err.msg[0] == '\0')
            CHECK_FAIL_("no message for \"%s\"", text);
        struct gdir_hours_eval ev;
        time_t t = 1774746000 + (time_t)(lcg_next(&g) % (400 * 86400)) - 200 * 86400;
        CHECK_INT_EQ(gdir_hours_eval(h, cal, t, &ev), GDIR_OK);
        if (ev.next_change != 0 && ev.next_change <= t)
            CHECK_FAIL_("\"%s\": next change not after the instant", text);
        gdir_hours_free(h);
    }
    printf("     robustness: 20000 random values, %d parsed, %.2f s\n", parsed,
           (double)(clock() - c0) / CLOCKS_PER_SEC);
    CHECK(parsed > 100);

    /* Values built from valid parts: the state must hold up to the next change and change
     * there, whatever the combination. */
    static const char *const wide[] = {"", "", "", "Jul-Aug ", "Dec 24-Jan 01 ", "2026 ",
                                       "week 1-53/2 ", "Nov-Feb ", "2026 Mar 29 ", "Oct 25-31 "};
    static const char *const days[] = {"", "Mo-Fr ", "Sa,Su ", "Fr-Mo ", "Sa[1] ", "Th[-1] ",
                                       "PH ", "SH ", "SH Mo-Fr ", "PH,Sa ", "Su "};
    static const char *const times[] = {"", "08:00-12:00,14:00-18:00 ", "22:00-02:00 ",
                                        "01:00-04:00 ", "02:30-03:30 ", "18:00+ ",
                                        "00:00-24:00 ", "10:00-26:00 ", "02:00-02:45 "};
    static const char *const states[] = {"", "", "off ", "unknown ", "\"rdv\" "};
    static const char *const seps[] = {"; ", ", ", " || "};
    int built = 0, bad = 0;
    for (int i = 0; i < 3000 && bad < 5; i++) {
        size_t o = 0;
        int rules = 1 + (int)(lcg_next(&g) % 4);
        for (int k = 0; k < rules; k++) {
            const char *part[5] = {k ? seps[lcg_next(&g) % 3] : "",
                                   wide[lcg_next(&g) % (sizeof wide / sizeof wide[0])],
                                   days[lcg_next(&g) % (sizeof days / sizeof days[0])],
                                   times[lcg_next(&g) % (sizeof times / sizeof times[0])],
                                   states[lcg_next(&g) % (sizeof states / sizeof states[0])]};
            for (int q = 0; q < 5; q++) {
                size_t n = strlen(part[q]);
                memcpy(text + o, part[q], n);
                o += n;
            }
        }
        text[o] = '\0';
        struct gdir_hours *h = NULL;
        if (gdir_hours_parse(text, &h, &err) != GDIR_OK)
            continue;   /* e.g. an empty rule */
        built++;
        for (int k = 0; k < 4; k++) {
            time_t t = 1774746000 + (time_t)(lcg_next(&g) % (300 * 86400)) - 100 * 86400;
            struct gdir_hours_eval a, before, at;
            gdir_hours_eval(h, cal, t, &a);
            if (a.next_change == 0)
                continue;
            gdir_hours_eval(h, cal, a.next_change - 1, &before);
            gdir_hours_eval(h, cal, a.next_change, &at);
            if (a.next_change <= t || before.state != a.state || at.state != a.next_state ||
                at.state == a.state) {
                CHECK_FAIL_("\"%s\" at %lld: next change %lld inconsistent", text,
                            (long long)t, (long long)a.next_change);
                bad++;
            }
        }
        gdir_hours_free(h);
    }
    printf("     robustness: %d generated valid values checked around their next change\n",
           built);
    CHECK(built > 1000);
    gdir_calendar_free(cal);
}

/* ---- Threads ------------------------------------------------------------------------------ */

struct thread_job {
    const struct gdir_hours *h;
    const struct gdir_calendar *cal;
    time_t start;
    long long sum;   /* a digest of the answers */
};

static void *thread_run(void *arg)
{
    struct thread_job *job = arg;
    for (int i = 0; i < 3000; i++) {
        struct gdir_hours_eval ev;
        gdir_hours_eval(job->h, job->cal, job->start + (time_t)i * 3571, &ev);
        job->sum += (long long)ev.state * 7 + (long long)ev.next_change % 1000003;
    }
    return NULL;
}

static void test_threads(void)
{
    struct gdir_err err;
    struct gdir_calendar *cal = NULL;
    struct gdir_hours *h = NULL;
    gdir_calendar_builtin(&cal, &err);
    CHECK_INT_EQ(gdir_hours_parse("Mo-Fr 08:30-12:00,13:30-17:30; Sa[1] 09:00-12:00; SH Mo-Fr "
                                  "10:00-12:00; PH off",
                                  &h, &err),
                 GDIR_OK);
    struct thread_job ref = {h, cal, 1767222000, 0};
    thread_run(&ref);
    pthread_t th[4];
    struct thread_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (struct thread_job){h, cal, 1767222000, 0};
        CHECK_INT_EQ(pthread_create(&th[i], NULL, thread_run, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT_EQ(jobs[i].sum, ref.sum);
    }
    gdir_hours_free(h);
    gdir_calendar_free(cal);
}

/* Not a timed test: prints what one evaluation costs, for the record. */
static void test_cost(void)
{
    struct gdir_err err;
    struct gdir_calendar *cal = NULL;
    struct gdir_hours *weekly = NULL, *always = NULL;
    gdir_calendar_builtin(&cal, &err);
    gdir_hours_parse("Mo-Fr 08:30-12:00,13:30-17:30; Sa 09:00-12:00; PH off", &weekly, &err);
    gdir_hours_parse("24/7", &always, &err);
    struct gdir_hours_eval ev;
    clock_t c0 = clock();
    for (int i = 0; i < 20000; i++)
        gdir_hours_eval(weekly, cal, 1774746000 + i * 613, &ev);
    clock_t c1 = clock();
    for (int i = 0; i < 200; i++)
        gdir_hours_eval(always, cal, 1774746000 + i * 613, &ev);
    clock_t c2 = clock();
    printf("     cost: weekly schedule %.2f us/eval, 24/7 (no change ahead) %.1f us/eval\n",
           (double)(c1 - c0) / CLOCKS_PER_SEC / 20000 * 1e6,
           (double)(c2 - c1) / CLOCKS_PER_SEC / 200 * 1e6);
    CHECK_INT_EQ(ev.next_change, 0);
    gdir_hours_free(weekly);
    gdir_hours_free(always);
    gdir_calendar_free(cal);
}

static const struct check_case cases[] = {
    {"paris_dst_boundaries", test_paris_dst_boundaries},
    {"paris_format_parse", test_paris_format_parse},
    {"easter", test_easter},
    {"public_holidays", test_public_holidays},
    {"calendar", test_calendar},
    {"parse_api", test_parse_api},
    {"cases_file", test_cases_file},
    {"next_change_consistent", test_next_change_consistent},
    {"robustness", test_robustness},
    {"threads", test_threads},
    {"cost", test_cost},
};

CHECK_MAIN(cases)
