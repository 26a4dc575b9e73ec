/*
 * gdir_ical.c — the one iCalendar (RFC 5545) writer of geodir (gdir_ical.h): the agenda's
 * feeds and the waste collection calendar of an address.
 *
 * Every content line goes through gdir_ical_line: the value is escaped (TEXT) or stripped of
 * control characters (other types: no value can start a new line, hence a new property), the
 * whole line is built in a scratch buffer, then written folded: 75 octets at most per line
 * with the CRLF excluded, continuation lines starting with one space, a cut never placed
 * before a UTF-8 continuation byte.
 */
#include "gdir_ical.h"

#include <stdio.h>
#include <string.h>

#include "gdir_err.h"

#define ICAL_FOLD 75

/* Appends the value to b: TEXT escaping (text = 1) or control characters dropped. */
static void value_add(struct gdir_buf *b, const char *v, int text)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        unsigned char c = *p;
        if (c == '\r' && p[1] == '\n')
            continue;                       /* CRLF: one new line */
        if (text && (c == '\n' || c == '\r')) {
            gdir_buf_add(b, "\\n", 2);
        } else if (text && (c == '\\' || c == ';' || c == ',')) {
            gdir_buf_addc(b, '\\');
            gdir_buf_addc(b, (char)c);
        } else if ((c < 0x20 && c != '\t') || c == 0x7F) {
            continue;                       /* no control character in any value */
        } else {
            gdir_buf_addc(b, (char)c);
        }
    }
}

/* Writes line[0..n) folded, then CRLF. */
static void fold(struct gdir_buf *b, const char *line, size_t n)
{
    size_t i = 0, width = ICAL_FOLD;

    while (n - i > width) {
        size_t cut = i + width;
        /* back off to the start of a UTF-8 sequence (at most 3 bytes) */
        for (int k = 0; k < 3 && cut > i + 1 && ((unsigned char)line[cut] & 0xC0) == 0x80; k++)
            cut--;
        gdir_buf_add(b, line + i, cut - i);
        gdir_buf_add(b, "\r\n ", 3);
        i = cut;
        width = ICAL_FOLD - 1;
    }
    gdir_buf_add(b, line + i, n - i);
    gdir_buf_add(b, "\r\n", 2);
}

int gdir_ical_line(struct gdir_buf *b, const char *name_params, const char *value, int text)
{
    struct gdir_buf line;

    if (b->err)
        return b->err;
    gdir_buf_init(&line, 0);
    gdir_buf_adds(&line, name_params);
    gdir_buf_addc(&line, ':');
    value_add(&line, value ? value : "", text);
    if (line.err)
        b->err = line.err;
    else
        fold(b, line.data, line.len);
    gdir_buf_free(&line);
    return b->err;
}

static const char vtimezone[] =
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Europe/Paris\r\n"
    "X-LIC-LOCATION:Europe/Paris\r\n"
    "BEGIN:DAYLIGHT\r\n"
    "TZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\n"
    "TZNAME:CEST\r\n"
    "DTSTART:19700329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
    "END:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "TZNAME:CET\r\n"
    "DTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n";

int gdir_ical_begin(struct gdir_buf *b, const struct gdir_ical_cal *cal)
{
    int hours = cal->refresh_hours > 0 ? cal->refresh_hours : 12;
    char ttl[32];

    gdir_buf_adds(b, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    gdir_ical_line(b, "PRODID", "-//geodir//Vie locale//FR", 0);
    gdir_buf_adds(b, "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n");
    gdir_ical_line(b, "X-WR-CALNAME", cal->name ? cal->name : "", 1);
    if (cal->description)
        gdir_ical_line(b, "X-WR-CALDESC", cal->description, 1);
    gdir_buf_adds(b, "X-WR-TIMEZONE:Europe/Paris\r\n");
    snprintf(ttl, sizeof ttl, "PT%dH", hours);
    gdir_ical_line(b, "REFRESH-INTERVAL;VALUE=DURATION", ttl, 0);
    gdir_ical_line(b, "X-PUBLISHED-TTL", ttl, 0);
    gdir_buf_adds(b, vtimezone);
    return b->err;
}

int gdir_ical_end(struct gdir_buf *b)
{
    gdir_buf_adds(b, "END:VCALENDAR\r\n");
    return b->err;
}

/* "20261212T080000" or "20261212" into out (32 bytes). */
static void fmt_time(char *out, const struct gdir_ical_time *t, int all_day)
{
    if (all_day)
        snprintf(out, 32, "%04d%02d%02d", t->year, t->month, t->day);
    else
        snprintf(out, 32, "%04d%02d%02dT%02d%02d00", t->year, t->month, t->day, t->hour,
                 t->minute);
}

/* The day after t (all-day events without an end). */
static struct gdir_ical_time next_day(struct gdir_ical_time t)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (t.year % 4 == 0 && t.year % 100 != 0) || t.year % 400 == 0;
    int last = t.month == 2 && leap ? 29 : t.month >= 1 && t.month <= 12 ? dim[t.month - 1] : 31;

    if (++t.day > last) {
        t.day = 1;
        if (++t.month > 12) {
            t.month = 1;
            t.year++;
        }
    }
    return t;
}

static int before_or_same(const struct gdir_ical_time *a, const struct gdir_ical_time *b)
{
    int x[3] = {a->year, a->month, a->day}, y[3] = {b->year, b->month, b->day};
    for (int i = 0; i < 3; i++)
        if (x[i] != y[i])
            return x[i] < y[i];
    return 1;
}

static void event_times(struct gdir_buf *b, const struct gdir_ical_event *e)
{
    const char *kind = e->all_day ? ";VALUE=DATE" : ";TZID=Europe/Paris";
    char name[48], v[32];
    struct gdir_buf list;

    fmt_time(v, &e->start, e->all_day);
    snprintf(name, sizeof name, "DTSTART%s", kind);
    gdir_ical_line(b, name, v, 0);
    if (e->all_day) {
        struct gdir_ical_time end = e->end;
        if (end.year == 0 || before_or_same(&end, &e->start))
            end = next_day(e->start);
        fmt_time(v, &end, 1);
        gdir_ical_line(b, "DTEND;VALUE=DATE", v, 0);
    } else if (e->end.year != 0) {
        fmt_time(v, &e->end, 0);
        gdir_ical_line(b, "DTEND;TZID=Europe/Paris", v, 0);
    }
    if (e->rrule && e->rrule[0])
        gdir_ical_line(b, "RRULE", e->rrule, 0);
    if (!e->n_exdates || !e->exdates)
        return;
    gdir_buf_init(&list, 0);
    for (size_t i = 0; i < e->n_exdates; i++) {
        fmt_time(v, &e->exdates[i], e->all_day);
        if (i)
            gdir_buf_addc(&list, ',');
        gdir_buf_adds(&list, v);
    }
    snprintf(name, sizeof name, "EXDATE%s", kind);
    if (list.err)
        b->err = b->err ? b->err : list.err;
    else
        gdir_ical_line(b, name, list.data, 0);
    gdir_buf_free(&list);
}

static void event_alarm(struct gdir_buf *b, const struct gdir_ical_event *e)
{
    int m = e->alarm_minutes, d = m / 1440, h = m % 1440 / 60, mi = m % 60;
    char trigger[48];
    int k = snprintf(trigger, sizeof trigger, "-P");

    if (d)
        k += snprintf(trigger + k, sizeof trigger - (size_t)k, "%dD", d);
    if (h || mi)
        k += snprintf(trigger + k, sizeof trigger - (size_t)k, "T");
    if (h)
        k += snprintf(trigger + k, sizeof trigger - (size_t)k, "%dH", h);
    if (mi)
        snprintf(trigger + k, sizeof trigger - (size_t)k, "%dM", mi);
    gdir_buf_adds(b, "BEGIN:VALARM\r\nACTION:DISPLAY\r\n");
    gdir_ical_line(b, "DESCRIPTION", e->alarm_text ? e->alarm_text
                                     : e->summary ? e->summary : "", 1);
    gdir_ical_line(b, "TRIGGER", trigger, 0);
    gdir_buf_adds(b, "END:VALARM\r\n");
}

int gdir_ical_event(struct gdir_buf *b, const struct gdir_ical_event *e)
{
    char stamp[32];
    struct tm tm;

    gmtime_r(&e->stamp, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    gdir_buf_adds(b, "BEGIN:VEVENT\r\n");
    gdir_ical_line(b, "UID", e->uid ? e->uid : "", 0);
    gdir_ical_line(b, "DTSTAMP", stamp, 0);
    event_times(b, e);
    gdir_ical_line(b, "SUMMARY", e->summary ? e->summary : "", 1);
    if (e->description)
        gdir_ical_line(b, "DESCRIPTION", e->description, 1);
    if (e->location)
        gdir_ical_line(b, "LOCATION", e->location, 1);
    if (e->has_geo) {
        char geo[64];
        snprintf(geo, sizeof geo, "%.6f;%.6f", e->lat, e->lon);
        gdir_ical_line(b, "GEO", geo, 0);
    }
    if (e->url)
        gdir_ical_line(b, "URL", e->url, 0);
    if (e->categories)
        gdir_ical_line(b, "CATEGORIES", e->categories, 1);
    if (e->status)
        gdir_ical_line(b, "STATUS", e->status, 0);
    if (e->alarm_minutes > 0)
        event_alarm(b, e);
    gdir_buf_adds(b, "END:VEVENT\r\n");
    return b->err;
}
