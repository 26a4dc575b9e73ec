/*
 * test_ical.c — unit tests of common/gdir_ical.c, the iCalendar writer: TEXT escaping,
 * folding at 75 octets never inside a UTF-8 sequence, CRLF, the calendar's frame.
 */
#include "check.h"

#include <stdlib.h>

#include "gdir_err.h"
#include "gdir_ical.h"
#include "gdir_text.h"

/* Checks the physical lines of s: CRLF only, at most 75 octets, each valid UTF-8. */
static void check_lines(const char *s)
{
    const char *p = s;
    while (*p) {
        const char *e = strstr(p, "\r\n");
        CHECK(e != NULL);
        if (!e)
            return;
        CHECK((size_t)(e - p) <= 75);
        CHECK(gdir_utf8_valid(p, (size_t)(e - p)));
        CHECK(memchr(p, '\n', (size_t)(e - p)) == NULL);
        CHECK(memchr(p, '\r', (size_t)(e - p)) == NULL);
        p = e + 2;
    }
}

/* s unfolded (CRLF + space removed). */
static char *unfold(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    for (const char *p = s; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
            p += 2;
            continue;
        }
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

static void test_escape(void)
{
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(gdir_ical_line(&b, "SUMMARY", "Marché; fruits, légumes\\ et\nfleurs\r\nfin", 1),
                 0);
    CHECK_STR_EQ(gdir_buf_str(&b),
                 "SUMMARY:Marché\\; fruits\\, légumes\\\\ et\\nfleurs\\nfin\r\n");
    gdir_buf_reset(&b);
    CHECK_INT_EQ(gdir_ical_line(&b, "URL", "https://x.fr/a\r\nATTACH:evil", 0), 0);
    CHECK_STR_EQ(gdir_buf_str(&b), "URL:https://x.fr/aATTACH:evil\r\n");
    gdir_buf_free(&b);
}

static void test_fold(void)
{
    struct gdir_buf b;
    const char *text = "Fête de la Saint-Éloi à Érize-la-Brûlée : défilé, élection de la "
                       "reine, bal populaire et feu d'artifice — « ambiance garantie » "
                       "éééééééééééééééé";
    char *u;

    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(gdir_ical_line(&b, "DESCRIPTION", text, 1), 0);
    check_lines(gdir_buf_str(&b));
    CHECK(strstr(gdir_buf_str(&b), "\r\n ") != NULL);
    u = unfold(gdir_buf_str(&b));
    CHECK(strncmp(u, "DESCRIPTION:Fête de la Saint-Éloi", 34) == 0);
    CHECK(strstr(u, "défilé\\, élection") != NULL);
    free(u);
    /* a line of two-byte characters: every cut falls between two of them */
    gdir_buf_reset(&b);
    CHECK_INT_EQ(gdir_ical_line(&b, "X", "éééééééééééééééééééééééééééééééééééééééé"
                                         "éééééééééééééééééééééééééééééééééééééééééééé", 1), 0);
    check_lines(gdir_buf_str(&b));
    gdir_buf_free(&b);
}

static void test_calendar(void)
{
    static const struct gdir_ical_time ex[] = {{2026, 12, 19, 8, 0}};
    const struct gdir_ical_cal cal = {"Collecte — 12 rue de la Gare", NULL, 0};
    struct gdir_ical_event e = {.uid = "u1", .stamp = 0, .start = {2026, 12, 12, 8, 0},
                                .end = {2026, 12, 12, 12, 0}, .rrule = "FREQ=WEEKLY;BYDAY=SA",
                                .exdates = ex, .n_exdates = 1, .summary = "Marché",
                                .has_geo = 1, .lat = 48.9, .lon = -0.5, .alarm_minutes = 1530};
    struct gdir_buf b;
    const char *s;

    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(gdir_ical_begin(&b, &cal), 0);
    CHECK_INT_EQ(gdir_ical_event(&b, &e), 0);
    e.all_day = 1;                     /* an all-day event ending with the year */
    e.start = (struct gdir_ical_time){2026, 12, 31, 0, 0};
    e.end = (struct gdir_ical_time){0, 0, 0, 0, 0};
    e.rrule = NULL;
    e.n_exdates = 0;
    e.has_geo = 0;
    e.alarm_minutes = 0;
    CHECK_INT_EQ(gdir_ical_event(&b, &e), 0);
    e.start = (struct gdir_ical_time){2028, 2, 28, 0, 0};
    CHECK_INT_EQ(gdir_ical_event(&b, &e), 0);
    CHECK_INT_EQ(gdir_ical_end(&b), 0);
    s = gdir_buf_str(&b);
    check_lines(s);
    CHECK(strncmp(s, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 30) == 0);
    CHECK(strstr(s, "X-WR-CALNAME:Collecte — 12 rue de la Gare\r\n") != NULL);
    CHECK(strstr(s, "X-WR-CALDESC") == NULL);
    CHECK(strstr(s, "REFRESH-INTERVAL;VALUE=DURATION:PT12H\r\nX-PUBLISHED-TTL:PT12H\r\n"));
    CHECK(strstr(s, "TZID:Europe/Paris\r\n") != NULL);
    CHECK(strstr(s, "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n") != NULL);
    CHECK(strstr(s, "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n") != NULL);
    CHECK(strstr(s, "DTSTAMP:19700101T000000Z\r\n") != NULL);
    CHECK(strstr(s, "DTSTART;TZID=Europe/Paris:20261212T080000\r\n"
                    "DTEND;TZID=Europe/Paris:20261212T120000\r\n"
                    "RRULE:FREQ=WEEKLY;BYDAY=SA\r\n"
                    "EXDATE;TZID=Europe/Paris:20261219T080000\r\n") != NULL);
    CHECK(strstr(s, "GEO:48.900000;-0.500000\r\n") != NULL);
    CHECK(strstr(s, "TRIGGER:-P1DT1H30M\r\n") != NULL);
    CHECK(strstr(s, "DTSTART;VALUE=DATE:20261231\r\nDTEND;VALUE=DATE:20270101\r\n") != NULL);
    CHECK(strstr(s, "DTSTART;VALUE=DATE:20280228\r\nDTEND;VALUE=DATE:20280229\r\n") != NULL);
    CHECK(strstr(s, "END:VCALENDAR\r\n") == s + b.len - 15);
    gdir_buf_free(&b);
    /* a capped buffer: the writer returns its sticky code */
    gdir_buf_init(&b, 64);
    CHECK_INT_EQ(gdir_ical_begin(&b, &cal), GDIR_ETOOBIG);
    CHECK_INT_EQ(gdir_ical_event(&b, &e), GDIR_ETOOBIG);
    CHECK_INT_EQ(gdir_ical_end(&b), GDIR_ETOOBIG);
    gdir_buf_free(&b);
}

static const struct check_case cases[] = {
    {"calendar", test_calendar},
    {"escape", test_escape},
    {"fold", test_fold},
};

CHECK_MAIN(cases)
