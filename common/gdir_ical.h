/*
 * gdir_ical.h — the one iCalendar (RFC 5545) writer of geodir: the agenda's feeds and the waste
 * collection calendar of an address (docs/vie-locale.md, « S'abonner »).
 *
 * A calendar is written in order: gdir_ical_begin (VCALENDAR with VERSION, PRODID, CALSCALE,
 * METHOD:PUBLISH, X-WR-CALNAME, X-WR-TIMEZONE, REFRESH-INTERVAL and X-PUBLISHED-TTL so that a
 * subscribed phone calendar refreshes itself, and the VTIMEZONE of Europe/Paris with its
 * current DST rules), any number of events (gdir_ical_event), gdir_ical_end. Lines end with
 * CRLF and are folded at 75 octets, never inside a UTF-8 sequence; TEXT values are escaped
 * (backslash, ';', ',', new lines as \n). Everything appends to a struct gdir_buf and returns
 * its status (0 or the buffer's sticky negative code). Reentrant.
 */
#ifndef GDIR_ICAL_H
#define GDIR_ICAL_H

#include <stddef.h>
#include <time.h>

#include "gdir_buf.h"

struct gdir_ical_cal {
    const char *name;         /* X-WR-CALNAME, e.g. « Agenda — Vaubecourt » */
    const char *description;  /* X-WR-CALDESC, or NULL */
    int refresh_hours;        /* REFRESH-INTERVAL / X-PUBLISHED-TTL; 0: 12 hours */
};

/* A local Europe/Paris date-time (hour = minute = 0 and all_day for a date). */
struct gdir_ical_time {
    int year, month, day, hour, minute;
};

struct gdir_ical_event {
    const char *uid;            /* stable and unique, e.g. "event-12@annuaire.cc-aireargonne.fr" */
    time_t stamp;               /* DTSTAMP (UTC): the item's last change */
    struct gdir_ical_time start, end;   /* DTSTART/DTEND, TZID=Europe/Paris or VALUE=DATE */
    int all_day;                /* dates (end exclusive, as RFC 5545 says) */
    const char *rrule;          /* canonical RRULE value (life_rrule_format), or NULL */
    const struct gdir_ical_time *exdates;   /* EXDATE list (same kind as start) */
    size_t n_exdates;
    const char *summary;        /* SUMMARY (plain text) */
    const char *description;    /* DESCRIPTION (plain text), or NULL */
    const char *location;       /* LOCATION, or NULL */
    int has_geo;                /* GEO lat;lon */
    double lat, lon;
    const char *url;            /* URL, or NULL */
    const char *categories;     /* CATEGORIES (one category, TEXT), or NULL */
    const char *status;         /* STATUS: "CONFIRMED" / "CANCELLED", or NULL */
    int alarm_minutes;          /* > 0: a VALARM DISPLAY that many minutes before the start */
    const char *alarm_text;     /* its DESCRIPTION (the summary when NULL) */
};

int gdir_ical_begin(struct gdir_buf *b, const struct gdir_ical_cal *cal);
int gdir_ical_event(struct gdir_buf *b, const struct gdir_ical_event *e);
int gdir_ical_end(struct gdir_buf *b);

/* One content line "NAME;PARAMS:value" (value escaped as TEXT when text is 1), folded. For
 * properties the functions above do not write. */
int gdir_ical_line(struct gdir_buf *b, const char *name_params, const char *value, int text);

#endif
