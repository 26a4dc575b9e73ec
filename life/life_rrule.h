/*
 * life_rrule.h — recurring events (docs/vie-locale.md, « Récurrence ») : the subset of RFC 5545
 * RRULE the agenda accepts, and the expansion of a recurring event into its occurrences.
 *
 * Accepted: FREQ=DAILY|WEEKLY|MONTHLY|YEARLY; INTERVAL=n (1..366); COUNT=n (1..1000) or
 * UNTIL=YYYYMMDD or YYYYMMDDTHHMMSSZ (not both); BYDAY=MO,TU,… (WEEKLY: the days of the week;
 * MONTHLY: with an ordinal, 1SA, 2TU, -1FR, or without: every such day of the month);
 * BYMONTHDAY=n,… (-31..31, not 0; MONTHLY); BYMONTH=n,… (1..12; YEARLY and others as a filter);
 * WKST is accepted and ignored unless MO. Parts in any order, case-insensitive, each once.
 * Anything else is refused with the byte position of the part (GDIR_EINVAL, err names
 * "rrule" and says what). The first occurrence is DTSTART itself, as in RFC 5545.
 *
 * Times are wall-clock times of Europe/Paris: a market every Saturday at 08:00 is at 08:00
 * local on both sides of a DST change (07:00Z in winter, 06:00Z in summer). A local time that
 * does not exist (the spring gap, 02:30 on the last Sunday of March) is moved forward by the
 * gap (03:30), one that exists twice (autumn) is the first one, as RFC 5545 §3.3.5 says.
 * EXDATE (local date-times equal to an occurrence's start, or dates for all-day events) are
 * left out. Uses hours/'s Europe/Paris conversion (gdir_paris_to_utc). Reentrant.
 */
#ifndef LIFE_RRULE_H
#define LIFE_RRULE_H

#include <stddef.h>
#include <time.h>

#include "gdir_err.h"

#define LIFE_RRULE_MAX 256            /* bytes of an RRULE value */
#define LIFE_RRULE_OCCURRENCES 1000   /* occurrences one expansion gives at most */

/* A local (Europe/Paris) date-time; for an all-day event hour = minute = 0. */
struct life_local {
    int year, month, day, hour, minute;
};

struct life_rrule;   /* parsed, immutable (opaque) */

/* Parses value (NUL-terminated, without the "RRULE:" prefix, which is also accepted). 0 with
 * *out (life_rrule_free), or GDIR_EINVAL / GDIR_ENOMEM with err. */
int life_rrule_parse(const char *value, struct life_rrule **out, struct gdir_err *err);
void life_rrule_free(struct life_rrule *r);

/* The canonical text of r (parts in RFC order: FREQ, INTERVAL, COUNT/UNTIL, BYMONTH, BYMONTHDAY,
 * BYDAY), as written back to the database and the iCalendar feeds. 0 or GDIR_ETOOBIG. */
int life_rrule_format(const struct life_rrule *r, char *buf, size_t n);

/* A French sentence for residents (« Tous les samedis », « Le premier mardi de chaque mois »,
 * « Tous les jours, 10 fois », « … jusqu'au 30 juin 2027 »). 0 or GDIR_ETOOBIG. */
int life_rrule_describe(const struct life_rrule *r, char *buf, size_t n);

/* One occurrence: its start and end in UTC (end = start + the event's duration, measured in
 * local wall-clock time: a 2 h event stays 2 h long on the clock), and its local start. */
struct life_occurrence {
    time_t start, end;
    struct life_local local;
};

/* Calls fn for each occurrence of the event starting at dtstart (local), lasting duration_min
 * minutes of wall-clock time (an all-day event: a multiple of 1440), repeated by r (NULL: just
 * the one) minus the n_exdates exdates, whose [start, end) meets [from, to) (UTC), in order,
 * at most LIFE_RRULE_OCCURRENCES and until fn returns non-zero (which is returned).
 * 0, fn's value, or GDIR_EINVAL (a dtstart that is not a date, years 1971 to 9997, or a
 * duration outside 0 to 366 days). */
typedef int (*life_occurrence_fn)(const struct life_occurrence *o, void *arg);
int life_rrule_expand(const struct life_rrule *r, const struct life_local *dtstart,
                      int duration_min, const struct life_local *exdates, size_t n_exdates,
                      time_t from, time_t to, life_occurrence_fn fn, void *arg);

/* Parses "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM" (the API's local times) into *out; all_day set
 * to 1 for the date form. 0 or GDIR_EINVAL naming param. */
int life_local_parse(const char *s, const char *param, struct life_local *out, int *all_day,
                     struct gdir_err *err);

#endif
