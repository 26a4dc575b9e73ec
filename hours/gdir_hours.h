/*
 * gdir_hours.h — OSM `opening_hours`: parse a value once, then ask "open now?", "closes at?",
 * "opens next at?" for any instant, in Europe/Paris local time with its DST rule.
 *
 * Supported grammar and evaluation rules: docs/opening-hours.md. In short: rules separated by
 * `; ` (normal), `, ` (additional) and ` || ` (fallback); weekdays (`Mo-Fr`, `Tu,Th`, `Sa[1]`,
 * `Th[-1]`), `PH` (the 11 French national public holidays, computed per year), `SH` (school
 * holidays of zone B, from a struct gdir_calendar), years, months and dates (`Jul-Aug`,
 * `Dec 24-Jan 01`, `2026 Jul 14`), ISO weeks (`week 01-53/2`), time spans (`08:30-12:00`,
 * `22:00-02:00`, `18:00-26:00`, open end `18:00+`), `open` / `off` / `closed` / `unknown`,
 * `24/7` and `"comments"`.
 *
 * Time zone: Europe/Paris is computed here, never from the process TZ or the C library's
 * tables: UTC+1, and UTC+2 from the last Sunday of March 01:00 UTC to the last Sunday of
 * October 01:00 UTC (the EU rule in force since 1996, applied to every year). Each wall-clock
 * time in a rule stands for one instant: a time inside the skipped spring hour (02:00-02:59)
 * means the instant of the jump (03:00 CEST), a time inside the repeated autumn hour means its
 * first occurrence (CEST). So `01:00-02:30` on the autumn day lasts 1 h 30, and during the
 * second pass of the repeated hour the state is the one the rules give at 02:59.
 *
 * Ownership and threads: a parsed struct gdir_hours and a struct gdir_calendar are immutable;
 * any number of threads may evaluate them at the same time. No function here keeps global or
 * thread-local state, reads the environment or calls setlocale.
 */
#ifndef GDIR_HOURS_H
#define GDIR_HOURS_H

#include <stddef.h>
#include <time.h>

#include "gdir_err.h"

#define GDIR_HOURS_MAX_TEXT 1024      /* bytes; a longer value is refused (GDIR_ETOOBIG) */
#define GDIR_HOURS_MAX_RULES 64       /* rules in one value */
#define GDIR_HOURS_MAX_SPANS 128      /* time spans over all rules */
#define GDIR_HOURS_MAX_TERMS 256      /* selector terms (weekday, date, week...) over all rules */
#define GDIR_HOURS_HORIZON_DAYS 370   /* how far ahead the next change is searched */

struct gdir_hours;      /* a parsed opening_hours value (opaque, immutable) */
struct gdir_calendar;   /* school-holiday periods for SH (opaque, immutable) */

enum gdir_hours_state {
    GDIR_HOURS_CLOSED = 0,
    GDIR_HOURS_OPEN = 1,
    GDIR_HOURS_UNKNOWN = 2
};

struct gdir_hours_eval {
    enum gdir_hours_state state;      /* at the instant asked */
    const char *comment;              /* the rule's comment, or an explanation for some unknown
                                         states; borrowed (from h or static storage), or NULL */
    time_t next_change;               /* first instant after `when` with another state: when it
                                         closes if open, when it opens (or becomes unknown) if
                                         closed; 0 if no change within GDIR_HOURS_HORIZON_DAYS */
    enum gdir_hours_state next_state; /* the state from next_change on (when next_change != 0) */
};

/* Parses an opening_hours value. On success *out receives a new object (free it with
 * gdir_hours_free) and 0 is returned. Errors (*out = NULL, err filled, param "opening_hours"):
 *   GDIR_EFORMAT  not valid: err->msg says "column N: expected ..., found ..." (N counts bytes
 *                 from 1), or names the unsupported construct;
 *   GDIR_ETOOBIG  longer than GDIR_HOURS_MAX_TEXT, or more rules, spans or terms than the caps;
 *   GDIR_EINVAL   text or out is NULL;  GDIR_ENOMEM.
 * An unparseable value is meant to be kept raw by the caller and evaluated as unknown
 * (gdir_hours_eval accepts h == NULL). Parsing is linear in the length; text is borrowed. */
int gdir_hours_parse(const char *text, struct gdir_hours **out, struct gdir_err *err);

/* Frees a parsed value. NULL-safe. */
void gdir_hours_free(struct gdir_hours *h);

/* Evaluates h at the UTC instant `when` (years 1971-9997). cal gives the school holidays for
 * SH; it may be NULL, and on a day it does not cover, any rule that needs SH makes that whole
 * day unknown. h == NULL (an unparseable value) gives GDIR_HOURS_UNKNOWN and next_change 0.
 * Returns 0, or GDIR_EINVAL (out NULL, `when` out of range) or GDIR_ENOMEM; *out then says
 * UNKNOWN with no next change.
 * Cost: one day's rules per day scanned; the scan stops at the first change (a few days for
 * weekly schedules), after 15 days for values with weekday selectors only (`24/7`, `off`: they
 * repeat every week), else after GDIR_HOURS_HORIZON_DAYS. Borrows everything. */
int gdir_hours_eval(const struct gdir_hours *h, const struct gdir_calendar *cal, time_t when,
                    struct gdir_hours_eval *out);

/* "open", "closed" or "unknown". */
const char *gdir_hours_state_name(enum gdir_hours_state state);

/* ---- School-holiday calendar (SH) ------------------------------------------------------ */

/* Parses a school-holiday CSV (format: hours/holidays/school-holidays-zone-b.csv): lines
 * "start_date,end_date,label" with ISO dates, start_date the first day without classes and
 * end_date the day classes resume (excluded); '#' lines, blank lines and the header line are
 * skipped. The calendar covers the days from the earliest start_date to the latest end_date;
 * SH is unknown outside. At most 64 KiB and 1000 rows. Returns 0 and a new calendar in *out
 * (free with gdir_calendar_free), or GDIR_EFORMAT ("line N: ...") / GDIR_ETOOBIG / GDIR_EINVAL
 * / GDIR_ENOMEM with *out = NULL. */
int gdir_calendar_parse(const char *csv, struct gdir_calendar **out, struct gdir_err *err);

/* Reads and parses a CSV file (same format); GDIR_EIO when it cannot be read. */
int gdir_calendar_load(const char *path, struct gdir_calendar **out, struct gdir_err *err);

/* The zone B calendar compiled in from hours/holidays/school-holidays-zone-b.csv at build
 * time (edit that file and rebuild to update it). Same contract as gdir_calendar_parse. */
int gdir_calendar_builtin(struct gdir_calendar **out, struct gdir_err *err);

/* Frees a calendar. NULL-safe. */
void gdir_calendar_free(struct gdir_calendar *cal);

/* 1 if y-m-d is a school-holiday day in cal, 0 if it is not, -1 if cal is NULL or does not
 * cover that day (or the date is invalid). */
int gdir_calendar_is_holiday(const struct gdir_calendar *cal, int y, int m, int d);

/* The text compiled in from the CSV file (borrowed, static). */
extern const char gdir_hours_zone_b_csv[];

/* ---- French public holidays and the Europe/Paris clock -------------------------------- */

/* Easter Sunday of year y (Gregorian computus), y in 1583-9999: *m and *d. Returns 0 or
 * GDIR_EINVAL. */
int gdir_hours_easter(int y, int *m, int *d);

/* The day number of the proleptic Gregorian date y-m-d (days since 1970-01-01; y >= 1, the
 * date valid), and back (z >= the day number of 0001-01-01). The one civil-date arithmetic of
 * the project's calendars (the waste collection days of life/life_waste.c). */
long gdir_hours_day_number(int y, int m, int d);
void gdir_hours_civil_date(long z, int *y, int *m, int *d);

/* 1 if y-m-d is one of the 11 French national public holidays (1 Jan, Easter Monday, 1 May,
 * 8 May, Ascension, Whit Monday, 14 Jul, 15 Aug, 1 Nov, 11 Nov, 25 Dec), else 0. */
int gdir_hours_is_public_holiday(int y, int m, int d);

struct gdir_paris_time {
    int year, month, day;           /* local calendar date */
    int hour, minute, second;       /* local wall-clock time */
    int wday;                       /* 0 = Monday ... 6 = Sunday */
    int utc_offset;                 /* seconds: 3600 (CET) or 7200 (CEST) */
};

/* Converts a UTC instant to Europe/Paris local time. Returns 0 or GDIR_EINVAL (year outside
 * 1971-9997). */
int gdir_paris_from_utc(time_t t, struct gdir_paris_time *out);

/* Converts a Europe/Paris wall-clock time to UTC. A time in the skipped spring hour gives the
 * instant of the jump; a time in the repeated autumn hour gives its first occurrence.
 * Returns 0 or GDIR_EINVAL (invalid date or time, year outside 1971-9997). */
int gdir_paris_to_utc(int y, int mo, int d, int h, int mi, int s, time_t *out);

/* Writes t as RFC 3339 local time with its offset, "2026-03-29T03:00:00+02:00" (26 bytes with
 * the NUL). Returns 0, or GDIR_EINVAL (out of range, or n too small: buf gets ""). */
int gdir_paris_format(time_t t, char *buf, size_t n);

/* Parses "YYYY-MM-DDTHH:MM[:SS]" (or a space instead of T) followed by "Z", "+HH:MM",
 * "-HH:MM", or nothing for Europe/Paris local time (converted as gdir_paris_to_utc does).
 * The whole string must match. Returns 0 or GDIR_EINVAL. */
int gdir_paris_parse(const char *s, time_t *out);

#endif
