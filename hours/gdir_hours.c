/*
 * gdir_hours.c — the OSM opening_hours engine: a lexer and a single-pass parser (no recursion)
 * into a compact immutable struct, French public holidays (Gregorian computus), the zone B
 * school-holiday calendar (CSV), our own Europe/Paris clock, and the evaluator that answers
 * "open / closed / unknown now, and when does that change".
 *
 * Does not implement: sunrise/sunset/dawn/dusk, easter-relative dates, day offsets
 * (`PH +1 day`, `Sa[1] -1 day`), points in time (`12:00`), periodic times (`10:00-16:00/01:00`),
 * `week` ranges that wrap past week 53, school holidays outside the calendar given, and
 * historical time-zone rules (the EU DST rule is applied to every year). They are refused with
 * a parse error, or give "unknown" for SH, never a guess of "closed".
 *
 * Model. A value is a list of rules. Evaluation builds, for one local calendar day at a time,
 * a "day plan": segments of wall-clock minutes [0, 1440) each with a state. Rules are applied
 * in order inside a fallback group (rules joined by `;` and `,`); a group after `||` only fills
 * the minutes that no earlier group specified. The plan is then mapped to UTC (see the header
 * for the DST choices) to find the segment holding the instant and the next change.
 */
#include "gdir_hours.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdir_fs.h"
#include "gdir_text.h"

#define DAY_MIN 1440                  /* minutes in a day */
#define DAY_SEC 86400                 /* seconds in a day (no leap seconds in time_t) */
#define MIN_YEAR 1971
#define MAX_YEAR 9998

/* ---- Calendar arithmetic (proleptic Gregorian, day 0 = 1970-01-01) -------------------- */

static int is_leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(long y, int m)
{
    static const unsigned char len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* Leap years in [1, y), for y >= 1. */
static long leaps_before(long y)
{
    y -= 1;
    return y / 4 - y / 100 + y / 400;
}

/* Day number of y-m-d (y >= 1, date valid). */
static long day_number(long y, int m, int d)
{
    static const short before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    return 365L * (y - 1970) + (leaps_before(y) - leaps_before(1970)) + before[m - 1] +
           (m > 2 && is_leap(y)) + (d - 1);
}

/* Inverse of day_number for z >= day_number(1, 1, 1). */
static void civil_date(long z, long *y, int *m, int *d)
{
    long yy = 1970 + z / 365;   /* close, a few years off at most for our range */
    while (day_number(yy, 1, 1) > z)
        yy--;
    while (day_number(yy + 1, 1, 1) <= z)
        yy++;
    int mm = 1;
    while (mm < 12 && day_number(yy, mm + 1, 1) <= z)
        mm++;
    *y = yy;
    *m = mm;
    *d = (int)(z - day_number(yy, mm, 1)) + 1;
}

/* 0 = Monday ... 6 = Sunday; 1970-01-01 was a Thursday. */
static int weekday(long z)
{
    long r = (z + 3) % 7;
    return (int)(r < 0 ? r + 7 : r);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int valid_date(long y, int m, int d)
{
    return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= month_days(y, m);
}

/* ---- Europe/Paris ---------------------------------------------------------------------
 * Our own implementation of the current EU rule, so that nothing depends on the process TZ,
 * on /usr/share/zoneinfo or on setlocale: CET (UTC+1), and CEST (UTC+2) from the last Sunday
 * of March 01:00 UTC to the last Sunday of October 01:00 UTC. France has followed it since
 * 1996; earlier years are computed with the same rule (not historically exact). */

static long last_sunday(long y, int m)
{
    long last = day_number(y, m, month_days(y, m));
    return last - (weekday(last) + 1) % 7;
}

static int64_t dst_start(long y)
{
    return (int64_t)last_sunday(y, 3) * DAY_SEC + 3600;
}

static int64_t dst_end(long y)
{
    return (int64_t)last_sunday(y, 10) * DAY_SEC + 3600;
}

static long utc_year(int64_t t)
{
    long y;
    int m, d;
    civil_date((long)floor_div(t, DAY_SEC), &y, &m, &d);
    return y;
}

/* Offset of Paris local time from UTC at instant t, in seconds. */
static int utc_offset(int64_t t)
{
    long y = utc_year(t);   /* the changes are in March and October, far from New Year */
    return t >= dst_start(y) && t < dst_end(y) ? 7200 : 3600;
}

/* Local wall-clock seconds (as if UTC) to the instant they stand for: the first occurrence
 * in the repeated autumn hour, the instant of the jump for the skipped spring hour. */
static int64_t local_to_utc(int64_t local)
{
    int64_t summer = local - 7200, winter = local - 3600;
    if (utc_offset(summer) == 7200)
        return summer;
    if (utc_offset(winter) == 3600)
        return winter;
    return dst_start(utc_year(winter));   /* inside the spring gap */
}

static int64_t utc_to_local(int64_t t)
{
    return t + utc_offset(t);
}

/* Supported instants: local years MIN_YEAR..MAX_YEAR, with margin for the look-ahead. */
static int64_t min_instant(void)
{
    return (int64_t)day_number(MIN_YEAR, 1, 1) * DAY_SEC;
}

static int64_t max_instant(void)
{
    return (int64_t)day_number(MAX_YEAR, 1, 1) * DAY_SEC;
}

int gdir_paris_from_utc(time_t t, struct gdir_paris_time *out)
{
    if (!out || (int64_t)t < min_instant() || (int64_t)t >= max_instant())
        return GDIR_EINVAL;
    int off = utc_offset((int64_t)t);
    int64_t local = (int64_t)t + off;
    long z = (long)floor_div(local, DAY_SEC);
    int64_t sec = local - (int64_t)z * DAY_SEC;
    long y;
    civil_date(z, &y, &out->month, &out->day);
    out->year = (int)y;
    out->hour = (int)(sec / 3600);
    out->minute = (int)(sec / 60 % 60);
    out->second = (int)(sec % 60);
    out->wday = weekday(z);
    out->utc_offset = off;
    return GDIR_OK;
}

int gdir_paris_to_utc(int y, int mo, int d, int h, int mi, int s, time_t *out)
{
    if (!out || y < MIN_YEAR || y >= MAX_YEAR || !valid_date(y, mo, d) || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || s < 0 || s > 59)
        return GDIR_EINVAL;
    int64_t local = (int64_t)day_number(y, mo, d) * DAY_SEC + h * 3600 + mi * 60 + s;
    *out = (time_t)local_to_utc(local);
    return GDIR_OK;
}

int gdir_paris_format(time_t t, char *buf, size_t n)
{
    struct gdir_paris_time lt;
    if (!buf || n == 0)
        return GDIR_EINVAL;
    buf[0] = '\0';
    if (n < 26 || gdir_paris_from_utc(t, &lt) != GDIR_OK)
        return GDIR_EINVAL;
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d+%02d:00", lt.year, lt.month, lt.day,
             lt.hour, lt.minute, lt.second, lt.utc_offset / 3600);
    return GDIR_OK;
}

/* Reads exactly n ASCII digits at *p. */
static int read_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int gdir_paris_parse(const char *s, time_t *out)
{
    int y, mo, d, h, mi, sec = 0;
    if (!s || !out)
        return GDIR_EINVAL;
    const char *p = s;
    if (read_digits(&p, 4, &y) || *p++ != '-' || read_digits(&p, 2, &mo) || *p++ != '-' ||
        read_digits(&p, 2, &d) || (*p != 'T' && *p != ' '))
        return GDIR_EINVAL;
    p++;
    if (read_digits(&p, 2, &h) || *p++ != ':' || read_digits(&p, 2, &mi))
        return GDIR_EINVAL;
    if (*p == ':') {
        p++;
        if (read_digits(&p, 2, &sec))
            return GDIR_EINVAL;
    }
    if (y < MIN_YEAR || y >= MAX_YEAR || !valid_date(y, mo, d) || h > 23 || mi > 59 || sec > 59)
        return GDIR_EINVAL;
    if (*p == '\0')
        return gdir_paris_to_utc(y, mo, d, h, mi, sec, out);
    int off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (read_digits(&p, 2, &oh) || *p++ != ':' || read_digits(&p, 2, &om) || oh > 23 ||
            om > 59)
            return GDIR_EINVAL;
        off = sign * (oh * 3600 + om * 60);
    } else {
        return GDIR_EINVAL;
    }
    if (*p != '\0')
        return GDIR_EINVAL;
    *out = (time_t)((int64_t)day_number(y, mo, d) * DAY_SEC + h * 3600 + mi * 60 + sec - off);
    return GDIR_OK;
}

/* ---- French public holidays ----------------------------------------------------------- */

int gdir_hours_easter(int y, int *m, int *d)
{
    if (y < 1583 || y > 9999 || !m || !d)
        return GDIR_EINVAL;
    /* Anonymous Gregorian computus (Meeus/Jones/Butcher). */
    int a = y % 19, b = y / 100, c = y % 100;
    int e = (19 * a + b - b / 4 - (b - (b + 8) / 25 + 1) / 3 + 15) % 30;   /* epact-like */
    int l = (32 + 2 * (b % 4) + 2 * (c / 4) - e - c % 4) % 7;              /* weekday fix */
    int k = (a + 11 * e + 22 * l) / 451;
    int n = e + l - 7 * k + 114;
    *m = n / 31;
    *d = n % 31 + 1;
    return GDIR_OK;
}

/* z is a public holiday of year y (month m, day d). */
static int public_holiday(long y, int m, int d, long z)
{
    static const unsigned char fixed[8][2] = {{1, 1},  {5, 1},   {5, 8},   {7, 14},
                                              {8, 15}, {11, 1},  {11, 11}, {12, 25}};
    for (int i = 0; i < 8; i++) {
        if (fixed[i][0] == m && fixed[i][1] == d)
            return 1;
    }
    if (m < 3 || m > 6)   /* Easter Monday .. Whit Monday fall between 23 Mar and 14 Jun */
        return 0;
    int em, ed;
    if (gdir_hours_easter((int)y, &em, &ed) != GDIR_OK)
        return 0;
    long easter = day_number(y, em, ed);
    return z == easter + 1 || z == easter + 39 || z == easter + 50;
}

long gdir_hours_day_number(int y, int m, int d)
{
    return day_number(y, m, d);
}

void gdir_hours_civil_date(long z, int *y, int *m, int *d)
{
    long yy;
    civil_date(z, &yy, m, d);
    *y = (int)yy;
}

int gdir_hours_is_public_holiday(int y, int m, int d)
{
    if (y < 1583 || y > 9999 || !valid_date(y, m, d))
        return 0;
    return public_holiday(y, m, d, day_number(y, m, d));
}

/* ---- School-holiday calendar ---------------------------------------------------------- */

#define CAL_MAX_BYTES (64 * 1024)
#define CAL_MAX_ROWS 1000
#define CAL_MAX_DAYS 120    /* the longest period (summer) is about 60 days */

struct cal_row {
    long from, to;          /* day numbers: first holiday, day classes resume (excluded) */
};

struct gdir_calendar {
    int n;                  /* rows */
    long cover_from;        /* first day covered */
    long cover_to;          /* first day no longer covered */
    struct cal_row rows[];  /* n rows, in file order */
};

/* Parses "YYYY-MM-DD" at p into a day number; returns the end pointer or NULL. */
static const char *parse_iso_date(const char *p, long *z)
{
    int y, m, d;
    if (read_digits(&p, 4, &y) || *p++ != '-' || read_digits(&p, 2, &m) || *p++ != '-' ||
        read_digits(&p, 2, &d))
        return NULL;
    if (y < MIN_YEAR || y >= MAX_YEAR || !valid_date(y, m, d))
        return NULL;
    *z = day_number(y, m, d);
    return p;
}

int gdir_calendar_parse(const char *csv, struct gdir_calendar **out, struct gdir_err *err)
{
    int rc = GDIR_EINTERNAL;
    struct gdir_calendar *cal = NULL;

    if (!out || !csv) {
        rc = gdir_err_set(err, GDIR_EINVAL, "school holidays: no text");
        goto out;
    }
    *out = NULL;
    size_t len = strnlen(csv, CAL_MAX_BYTES + 1);
    if (len > CAL_MAX_BYTES) {
        rc = gdir_err_set(err, GDIR_ETOOBIG, "school holidays: more than %d bytes",
                          CAL_MAX_BYTES);
        goto out;
    }
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += csv[i] == '\n';
    size_t cap = lines < CAL_MAX_ROWS ? lines : CAL_MAX_ROWS;
    cal = malloc(sizeof *cal + cap * sizeof cal->rows[0]);
    if (!cal) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "school holidays: out of memory");
        goto out;
    }
    cal->n = 0;
    const char *p = csv;
    for (long line = 1; *p; line++) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        const char *next = eol ? eol + 1 : p + n;
        while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n == 0 || p[0] == '#' || (n >= 10 && memcmp(p, "start_date", 10) == 0)) {
            p = next;
            continue;
        }
        long from, to;
        const char *q = parse_iso_date(p, &from);
        if (q && *q == ',')
            q = parse_iso_date(q + 1, &to);
        else
            q = NULL;
        if (!q || (q < p + n && *q != ',')) {
            rc = gdir_err_set(err, GDIR_EFORMAT,
                              "school holidays line %ld: expected start_date,end_date,label "
                              "with dates as YYYY-MM-DD",
                              line);
            goto out;
        }
        if (to <= from || to - from > CAL_MAX_DAYS) {
            rc = gdir_err_set(err, GDIR_EFORMAT,
                              "school holidays line %ld: end_date must follow start_date by 1 "
                              "to %d days",
                              line, CAL_MAX_DAYS);
            goto out;
        }
        if ((size_t)cal->n >= cap) {
            rc = gdir_err_set(err, GDIR_ETOOBIG, "school holidays: more than %d periods",
                              CAL_MAX_ROWS);
            goto out;
        }
        cal->rows[cal->n].from = from;
        cal->rows[cal->n].to = to;
        if (cal->n == 0 || from < cal->cover_from)
            cal->cover_from = from;
        if (cal->n == 0 || to > cal->cover_to)
            cal->cover_to = to;
        cal->n++;
        p = next;
    }
    if (cal->n == 0) {
        rc = gdir_err_set(err, GDIR_EFORMAT, "school holidays: no period found");
        goto out;
    }
    *out = cal;
    cal = NULL;
    rc = GDIR_OK;
out:
    free(cal);
    return rc;
}

int gdir_calendar_load(const char *path, struct gdir_calendar **out, struct gdir_err *err)
{
    int rc = GDIR_EINTERNAL;
    FILE *f = NULL;
    char *text = NULL;
    size_t n = 0;

    if (!path || !out)
        return gdir_err_set(err, GDIR_EINVAL, "school holidays: no file name");
    *out = NULL;
    if (!(f = fopen(path, "rb"))) {
        rc = gdir_err_set(err, GDIR_EIO, "school holidays: cannot open %s", path);
        goto out;
    }
    rc = gdir_file_read_fp(f, path, CAL_MAX_BYTES, &text, &n, err);   /* closes f */
    if (rc == GDIR_EIO)
        gdir_err_set(err, rc, "school holidays: cannot read %s", path);
    else if (rc == GDIR_ETOOBIG)
        gdir_err_set(err, rc, "school holidays: %s is larger than %d bytes", path, CAL_MAX_BYTES);
    else if (rc == GDIR_ENOMEM)
        gdir_err_set(err, rc, "school holidays: out of memory");
    if (rc)
        goto out;
    if (memchr(text, '\0', n)) {
        rc = gdir_err_set(err, GDIR_EFORMAT, "school holidays: %s contains a NUL byte", path);
        goto out;
    }
    rc = gdir_calendar_parse(text, out, err);
out:
    free(text);
    return rc;
}

int gdir_calendar_builtin(struct gdir_calendar **out, struct gdir_err *err)
{
    return gdir_calendar_parse(gdir_hours_zone_b_csv, out, err);
}

void gdir_calendar_free(struct gdir_calendar *cal)
{
    free(cal);
}

/* 1, 0, or -1 when cal does not cover day z. */
static int calendar_lookup(const struct gdir_calendar *cal, long z)
{
    if (!cal || z < cal->cover_from || z >= cal->cover_to)
        return -1;
    for (int i = 0; i < cal->n; i++) {
        if (z >= cal->rows[i].from && z < cal->rows[i].to)
            return 1;
    }
    return 0;
}

int gdir_calendar_is_holiday(const struct gdir_calendar *cal, int y, int m, int d)
{
    if (y < MIN_YEAR || y >= MAX_YEAR || !valid_date(y, m, d))
        return -1;
    return calendar_lookup(cal, day_number(y, m, d));
}

/* ---- Parsed form ---------------------------------------------------------------------- */

enum { SEP_FIRST, SEP_NORMAL, SEP_ADDITIONAL, SEP_FALLBACK };   /* how a rule joins the last */
enum { ST_NONE, ST_CLOSED, ST_OPEN, ST_UNKNOWN };               /* plan states */
enum { T_YEAR, T_DATE, T_WEEK, T_WDAY, T_PH, T_SH };            /* selector term kinds */

#define CMT_NONE (-1)
#define CMT_OPEN_END (-2)
#define CMT_SH_UNKNOWN (-3)

static const char open_end_text[] = "heure de fermeture non précisée";
static const char sh_unknown_text[] = "vacances scolaires non connues pour cette date";

struct hterm {
    unsigned char kind;       /* T_* */
    unsigned char flag;       /* T_DATE: keys include the year; T_WDAY: first weekday (0 = Mo) */
    unsigned char wd_to;      /* T_WDAY: last weekday, may be before flag (Fr-Mo wraps) */
    unsigned char pad;
    unsigned short nth;       /* T_WDAY: bit k-1 = [k], bit 4+k = [-k]; 0 = every week */
    unsigned short step;      /* T_YEAR, T_WEEK: every step-th (1 = all) */
    int32_t a, b;             /* T_YEAR years, T_WEEK weeks, T_DATE keys (see date_key) */
};

struct hspan {
    short from;               /* minutes from the start of the rule's day, < 1440 */
    short to;                 /* end, from < to <= 2880; == from for a bare open end `A+` */
    short tail;               /* end of the open-end guess (> to), or == to without `+` */
};

struct hrule {
    unsigned char sep;        /* SEP_* */
    unsigned char state;      /* ST_OPEN, ST_CLOSED or ST_UNKNOWN */
    unsigned char day_and;    /* holidays and weekdays joined by a space: both must match */
    unsigned char spill;      /* some span runs past midnight into the next day */
    unsigned short term0, nterms;
    unsigned short span0, nspans;
    short comment;            /* offset into strings, or CMT_NONE */
};

struct gdir_hours {
    int nrules, nterms, nspans;
    int weekly;               /* only plain weekday selectors: the plan repeats every 7 days */
    const struct hrule *rules;
    const struct hterm *terms;
    const struct hspan *spans;
    const char *strings;      /* comments, NUL-terminated, back to back */
};

/* What the parser fills before the exact-size copy is made. */
struct builder {
    int nrules, nterms, nspans;
    size_t nstrings;
    struct hrule rules[GDIR_HOURS_MAX_RULES];
    struct hterm terms[GDIR_HOURS_MAX_TERMS];
    struct hspan spans[GDIR_HOURS_MAX_SPANS];
    char strings[GDIR_HOURS_MAX_TEXT + 1];
};

/* Date keys: without a year (m * 32 + d), with one (y * 512 + m * 32 + d). */
static int32_t date_key(int y, int m, int d)
{
    return (int32_t)y * 512 + m * 32 + d;
}

/* ---- Lexer ---------------------------------------------------------------------------- */

enum tk {
    TK_END, TK_NUM, TK_TIME, TK_WDAY, TK_MONTH, TK_PH, TK_SH, TK_WEEK, TK_OPEN, TK_CLOSED,
    TK_UNKNOWN, TK_247, TK_COMMENT, TK_DASH, TK_COMMA, TK_SEMI, TK_OROR, TK_LBRACK, TK_RBRACK,
    TK_COLON, TK_PLUS, TK_SLASH, TK_BAD
};

struct tok {
    enum tk kind;
    size_t pos, end;          /* byte range in the text */
    long val;                 /* NUM value, TIME minutes, WDAY 0-6, MONTH 1-12 */
    int ndig;                 /* NUM: number of digits */
    int spaced;               /* whitespace came before the token */
    const char *bad;          /* TK_BAD: why, or NULL for "not expected here" */
};

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

struct word {
    const char *text;         /* lower case */
    enum tk kind;
    int val;
    const char *bad;          /* for unsupported words */
};

static const struct word words[] = {
    {"mo", TK_WDAY, 0, NULL},  {"tu", TK_WDAY, 1, NULL},  {"we", TK_WDAY, 2, NULL},
    {"th", TK_WDAY, 3, NULL},  {"fr", TK_WDAY, 4, NULL},  {"sa", TK_WDAY, 5, NULL},
    {"su", TK_WDAY, 6, NULL},  {"jan", TK_MONTH, 1, NULL}, {"feb", TK_MONTH, 2, NULL},
    {"mar", TK_MONTH, 3, NULL}, {"apr", TK_MONTH, 4, NULL}, {"may", TK_MONTH, 5, NULL},
    {"jun", TK_MONTH, 6, NULL}, {"jul", TK_MONTH, 7, NULL}, {"aug", TK_MONTH, 8, NULL},
    {"sep", TK_MONTH, 9, NULL}, {"oct", TK_MONTH, 10, NULL}, {"nov", TK_MONTH, 11, NULL},
    {"dec", TK_MONTH, 12, NULL}, {"ph", TK_PH, 0, NULL},   {"sh", TK_SH, 0, NULL},
    {"week", TK_WEEK, 0, NULL}, {"open", TK_OPEN, 0, NULL}, {"closed", TK_CLOSED, 0, NULL},
    {"off", TK_CLOSED, 0, NULL}, {"unknown", TK_UNKNOWN, 0, NULL},
    {"sunrise", TK_BAD, 0, "sunrise/sunset times are not supported"},
    {"sunset", TK_BAD, 0, "sunrise/sunset times are not supported"},
    {"dawn", TK_BAD, 0, "dawn/dusk times are not supported"},
    {"dusk", TK_BAD, 0, "dawn/dusk times are not supported"},
    {"easter", TK_BAD, 0, "easter-relative dates are not supported"},
    {"day", TK_BAD, 0, "day offsets are not supported"},
    {"days", TK_BAD, 0, "day offsets are not supported"},
};

static int is_en_dash(const char *s, size_t len, size_t p)
{
    /* U+2013 EN DASH, as typed by word processors */
    return (unsigned char)s[p] == 0xE2 && p + 2 < len && (unsigned char)s[p + 1] == 0x80 &&
           (unsigned char)s[p + 2] == 0x93;
}

/* The token at t->pos, which is a digit: a number, a time (HH:MM), 24/7, or why not. */
static void lex_number(const char *s, size_t len, struct tok *t)
{
    size_t p = t->pos, q = p;
    long v = 0;
    while (q < len && is_digit(s[q])) {
        if (v < 1000000)
            v = v * 10 + (s[q] - '0');
        q++;
    }
    t->ndig = (int)(q - p);
    t->val = v;
    t->end = q;
    t->kind = TK_NUM;
    if (t->ndig == 2 && v == 24 && q + 1 < len && s[q] == '/' && s[q + 1] == '7' &&
        (q + 2 >= len || !is_digit(s[q + 2]))) {
        t->kind = TK_247;
        t->end = q + 2;
    } else if (q + 1 < len && s[q] == ':' && is_digit(s[q + 1])) {
        /* a time; a ':' not followed by a digit is the one after a date (`Apr 01-15:`) */
        if (t->ndig > 2 || q + 2 >= len || !is_digit(s[q + 2]) ||
            (q + 3 < len && is_digit(s[q + 3]))) {
            t->kind = TK_BAD;
            t->bad = "times are written HH:MM, e.g. 09:00";
            t->end = q + 1;
            return;
        }
        long mm = (s[q + 1] - '0') * 10 + (s[q + 2] - '0');
        t->end = q + 3;
        if (mm > 59 || v * 60 + mm > 2 * DAY_MIN) {
            t->kind = TK_BAD;
            t->bad = "invalid time (hours go up to 48:00, minutes up to 59)";
            return;
        }
        t->kind = TK_TIME;
        t->val = v * 60 + mm;
    } else if (q < len && (is_alpha(s[q]) || s[q] == '.')) {
        t->kind = TK_BAD;
        t->end = q + 1;
        t->bad = (s[q] == 'h' || s[q] == 'H' || s[q] == '.')
                     ? "times are written HH:MM, e.g. 09:00"
                     : "a number must be followed by a space or a separator";
    }
}

/* The word at t->pos (letters and non-ASCII bytes up to an en dash): one of words[], or
 * TK_BAD for an unknown word ("expected ..., found 'word'"). */
static void lex_word(const char *s, size_t len, struct tok *t)
{
    size_t p = t->pos, q = p;
    while (q < len && (is_alpha(s[q]) || (unsigned char)s[q] >= 0x80) && !is_en_dash(s, len, q))
        q++;
    t->end = q;
    t->kind = TK_BAD;
    if (q - p > 8)
        return;
    char w[9];
    for (size_t i = 0; i < q - p; i++)
        w[i] = lower(s[p + i]);
    w[q - p] = '\0';
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strcmp(w, words[i].text) == 0) {
            t->kind = words[i].kind;
            t->val = words[i].val;
            t->bad = words[i].bad;
            return;
        }
    }
}

/* The one- or two-byte token at t->pos, or a "comment" (t->end is already t->pos + 1). */
static void lex_punct(const char *s, size_t len, struct tok *t)
{
    size_t p = t->pos;
    switch (s[p]) {
    case '"': {
        const char *close = memchr(s + p + 1, '"', len - p - 1);
        if (!close) {
            t->kind = TK_BAD;
            t->end = len;
            t->bad = "unterminated comment (missing closing '\"')";
            return;
        }
        t->kind = TK_COMMENT;
        t->end = (size_t)(close - s) + 1;
        return;
    }
    case '-': t->kind = TK_DASH; return;
    case ',': t->kind = TK_COMMA; return;
    case ';': t->kind = TK_SEMI; return;
    case '[': t->kind = TK_LBRACK; return;
    case ']': t->kind = TK_RBRACK; return;
    case ':': t->kind = TK_COLON; return;
    case '+': t->kind = TK_PLUS; return;
    case '/': t->kind = TK_SLASH; return;
    case '|':
        if (p + 1 < len && s[p + 1] == '|') {
            t->kind = TK_OROR;
            t->end = p + 2;
            return;
        }
        t->kind = TK_BAD;
        t->bad = "a fallback rule is written ' || '";
        return;
    default:
        t->kind = TK_BAD;
        return;
    }
}

/* The token that starts at or after pos (after spaces and tabs). */
static struct tok lex_at(const char *s, size_t len, size_t pos)
{
    struct tok t;
    memset(&t, 0, sizeof t);
    size_t p = pos;
    while (p < len && (s[p] == ' ' || s[p] == '\t'))
        p++;
    t.spaced = p > pos;
    t.pos = p;
    t.end = p + 1;
    if (p >= len) {
        t.kind = TK_END;
        t.end = p;
    } else if (is_digit(s[p])) {
        lex_number(s, len, &t);
    } else if (is_en_dash(s, len, p)) {
        t.kind = TK_DASH;
        t.end = p + 3;
    } else if (is_alpha(s[p]) || (unsigned char)s[p] >= 0x80) {
        lex_word(s, len, &t);
    } else {
        lex_punct(s, len, &t);
    }
    return t;
}

/* ---- Parser --------------------------------------------------------------------------- */

struct parser {
    const char *s;
    size_t len;
    struct tok cur;
    const char *expect;       /* what may follow the part just parsed, for error messages */
    struct builder *b;
    struct gdir_err *err;
};

static void advance(struct parser *P)
{
    P->cur = lex_at(P->s, P->len, P->cur.end);
}

static struct tok peek(const struct parser *P)
{
    return lex_at(P->s, P->len, P->cur.end);
}

/* Quotes the token's text (at most 24 bytes, non-printable bytes as \xNN) into buf. */
static void describe(const struct parser *P, const struct tok *t, char *buf, size_t n)
{
    if (t->kind == TK_END) {
        snprintf(buf, n, "end of text");
        return;
    }
    size_t end = t->end > t->pos ? t->end : t->pos + 1;
    if (end > P->len)
        end = P->len;
    size_t o = 0;
    buf[o++] = '\'';
    for (size_t i = t->pos; i < end && i < t->pos + 24 && o + 6 < n; i++) {
        unsigned char c = (unsigned char)P->s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            buf[o++] = (char)c;
        else
            o += (size_t)snprintf(buf + o, n - o, "\\x%02X", c);
    }
    if (end > t->pos + 24 && o + 5 < n) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o++] = '\'';
    buf[o] = '\0';
}

static int fail_at(struct parser *P, const struct tok *t, const char *what)
{
    char found[128];
    describe(P, t, found, sizeof found);
    return gdir_err_set_param(P->err, GDIR_EFORMAT, "opening_hours", "column %zu: %s, found %s",
                              t->pos + 1, what, found);
}

/* "expected <what>, found <token>"; a lexer diagnosis takes precedence. */
static int fail_expected(struct parser *P, const char *what)
{
    char msg[384];
    if (P->cur.kind == TK_BAD && P->cur.bad)
        return fail_at(P, &P->cur, P->cur.bad);
    snprintf(msg, sizeof msg, "expected %s", what);
    return fail_at(P, &P->cur, msg);
}

static int too_many(struct parser *P, const char *what, int cap)
{
    return gdir_err_set_param(P->err, GDIR_ETOOBIG, "opening_hours",
                              "column %zu: more than %d %s in one value", P->cur.pos + 1, cap,
                              what);
}

static struct hterm *new_term(struct parser *P, struct hrule *r, int kind)
{
    if (P->b->nterms >= GDIR_HOURS_MAX_TERMS) {
        too_many(P, "selectors", GDIR_HOURS_MAX_TERMS);
        return NULL;
    }
    struct hterm *t = &P->b->terms[P->b->nterms++];
    memset(t, 0, sizeof *t);
    t->kind = (unsigned char)kind;
    t->step = 1;
    r->nterms++;
    return t;
}

static int is_year(const struct tok *t)
{
    return t->kind == TK_NUM && t->ndig == 4;
}

static int is_day_item(const struct tok *t)
{
    return t->kind == TK_WDAY || t->kind == TK_PH || t->kind == TK_SH;
}

/* [year] month [day]; *y = 0 without a year, *d = 0 without a day. */
static int parse_date_point(struct parser *P, int *y, int *m, int *d)
{
    *y = 0;
    *d = 0;
    if (is_year(&P->cur)) {
        if (P->cur.val < 1900 || P->cur.val > 9999)
            return fail_expected(P, "a year between 1900 and 9999");
        *y = (int)P->cur.val;
        advance(P);
        if (P->cur.kind != TK_MONTH)
            return fail_expected(P, "a month (Jan-Dec) after the year");
    }
    if (P->cur.kind != TK_MONTH)
        return fail_expected(P, "a month (Jan-Dec)");
    *m = (int)P->cur.val;
    advance(P);
    if (P->cur.kind == TK_NUM && P->cur.ndig <= 2) {
        if (P->cur.val < 1 || P->cur.val > month_days(2000, *m))
            return fail_expected(P, "a day of that month");
        *d = (int)P->cur.val;
        advance(P);
    }
    return GDIR_OK;
}

/* One date item: `Jul`, `Jul-Aug`, `Dec 24-Jan 01`, `Jan 01-15`, `2026 Jul 14`. */
static int parse_date_item(struct parser *P, struct hrule *r)
{
    struct tok start = P->cur;
    int y1, m1, d1, y2, m2, d2;
    int rc = parse_date_point(P, &y1, &m1, &d1);
    if (rc)
        return rc;
    y2 = y1, m2 = m1, d2 = d1;
    if (P->cur.kind == TK_DASH) {
        advance(P);
        if (is_year(&P->cur) || P->cur.kind == TK_MONTH) {
            if ((rc = parse_date_point(P, &y2, &m2, &d2)))
                return rc;
            if (y2 && !y1)
                return fail_at(P, &start, "give the year on both sides of a date range or "
                                          "on neither");
            /* `2025 Dec 24-Jan 02`: the end without a year is the next occurrence */
            if (!y2)
                y2 = y1 && date_key(0, m2, d2 ? d2 : 31) < date_key(0, m1, d1 ? d1 : 1)
                         ? y1 + 1
                         : y1;
        } else if (P->cur.kind == TK_NUM && P->cur.ndig <= 2 && d1) {
            if (P->cur.val < d1 || P->cur.val > month_days(2000, m1))
                return fail_expected(P, "a later day of the same month");
            d2 = (int)P->cur.val;
            advance(P);
        } else {
            return fail_expected(P, d1 ? "a month or a day after '-'" : "a month after '-'");
        }
    }
    if (y1 && !valid_date(y1, m1, d1 ? d1 : 1))
        return fail_at(P, &start, "no such date");
    if (y2 && !valid_date(y2, m2, d2 ? d2 : 1))
        return fail_at(P, &start, "no such date");
    struct hterm *t = new_term(P, r, T_DATE);
    if (!t)
        return GDIR_ETOOBIG;
    t->flag = y1 != 0;
    t->a = date_key(y1, m1, d1 ? d1 : 1);
    t->b = date_key(y2, m2, d2 ? d2 : 31);
    if (y1 && t->a > t->b)
        return fail_at(P, &start, "date range in the wrong order");
    return GDIR_OK;
}

/* The range a-b of years or weeks (kind T_YEAR, T_WEEK) as a term of r, with the optional
 * `/step` that follows it (1 to max; what: the message when it is not). */
static int add_range(struct parser *P, struct hrule *r, int kind, long a, long b, long max,
                     const char *what)
{
    long step = 1;
    if (P->cur.kind == TK_SLASH) {
        advance(P);
        if (P->cur.kind != TK_NUM || P->cur.val < 1 || P->cur.val > max)
            return fail_expected(P, what);
        step = P->cur.val;
        advance(P);
    }
    struct hterm *t = new_term(P, r, kind);
    if (!t)
        return GDIR_ETOOBIG;
    t->a = (int32_t)a;
    t->b = (int32_t)b;
    t->step = (unsigned short)step;
    return GDIR_OK;
}

/* Years and dates: `2026`, `2025-2027`, `2024-2030/2`, then date items, comma-separated. */
static int parse_wide(struct parser *P, struct hrule *r)
{
    int rc;
    for (;;) {
        if (is_year(&P->cur) && peek(P).kind != TK_MONTH) {
            long y1 = P->cur.val, y2 = y1;
            if (y1 < 1900 || y1 > 9999)
                return fail_expected(P, "a year between 1900 and 9999, or a time written HH:MM");
            advance(P);
            if (P->cur.kind == TK_DASH) {
                advance(P);
                if (!is_year(&P->cur) || P->cur.val < y1 || P->cur.val > 9999)
                    return fail_expected(P, "a later year after '-'");
                y2 = P->cur.val;
                advance(P);
            }
            if ((rc = add_range(P, r, T_YEAR, y1, y2, 100, "a year step (1-100) after '/'")))
                return rc;
        } else if (is_year(&P->cur) || P->cur.kind == TK_MONTH) {
            if ((rc = parse_date_item(P, r)))
                return rc;
        } else {
            return fail_expected(P, "a year or a month");
        }
        if (P->cur.kind == TK_COMMA) {
            struct tok n = peek(P);
            if (is_year(&n) || n.kind == TK_MONTH) {
                advance(P);
                continue;
            }
        }
        /* `2026 Jul 14`: a year alone followed by a date item, separated by a space */
        if ((is_year(&P->cur) || P->cur.kind == TK_MONTH) && P->cur.spaced)
            continue;
        return GDIR_OK;
    }
}

static int parse_week_number(struct parser *P, long *out)
{
    if (P->cur.kind != TK_NUM || P->cur.ndig > 2 || P->cur.val < 1 || P->cur.val > 53)
        return fail_expected(P, "a week number (01-53)");
    *out = P->cur.val;
    advance(P);
    return GDIR_OK;
}

/* `week 01-53/2`, `week 1,3,10-12`. */
static int parse_weeks(struct parser *P, struct hrule *r)
{
    int rc;
    advance(P);   /* "week" */
    for (;;) {
        long a = 0, b = 0;
        if ((rc = parse_week_number(P, &a)))
            return rc;
        b = a;
        if (P->cur.kind == TK_DASH) {
            advance(P);
            struct tok end = P->cur;
            if ((rc = parse_week_number(P, &b)))
                return rc;
            if (b < a)
                return fail_at(P, &end, "week ranges must not wrap past week 53");
        }
        if ((rc = add_range(P, r, T_WEEK, a, b, 53, "a week step (1-53) after '/'")))
            return rc;
        if (P->cur.kind == TK_COMMA && peek(P).kind == TK_NUM) {
            advance(P);
            continue;
        }
        return GDIR_OK;
    }
}

/* Refuses `PH +1 day`, `Sa[1] -1 day`. */
static int refuse_offset(struct parser *P)
{
    if (P->cur.kind == TK_PLUS || (P->cur.kind == TK_DASH && peek(P).kind == TK_NUM))
        return fail_at(P, &P->cur, "day offsets (like '+1 day') are not supported");
    return GDIR_OK;
}

/* `[1]`, `[-1]`, `[1,3]`, `[1-2]` after a weekday. */
static int parse_nth(struct parser *P, unsigned short *mask)
{
    advance(P);   /* '[' */
    for (;;) {
        int neg = 0;
        if (P->cur.kind == TK_DASH) {
            neg = 1;
            advance(P);
        }
        if (P->cur.kind != TK_NUM || P->cur.ndig > 1 || P->cur.val < 1 || P->cur.val > 5)
            return fail_expected(P, "which week of the month: 1 to 5, or -1 to -5 from the end");
        long a = P->cur.val, b = a;
        advance(P);
        if (!neg && P->cur.kind == TK_DASH) {
            advance(P);
            if (P->cur.kind != TK_NUM || P->cur.val < a || P->cur.val > 5)
                return fail_expected(P, "a later week of the month (up to 5)");
            b = P->cur.val;
            advance(P);
        }
        for (long k = a; k <= b; k++)
            *mask |= (unsigned short)(1u << (neg ? 4 + k : k - 1));
        if (P->cur.kind == TK_COMMA) {
            advance(P);
            continue;
        }
        if (P->cur.kind != TK_RBRACK)
            return fail_expected(P, "',' or ']'");
        advance(P);
        return refuse_offset(P);
    }
}

/* Weekdays and holidays: `Mo-Fr`, `Tu,Th`, `Sa[1]`, `PH`, `PH,Sa`, `SH Mo-Fr`. */
static int parse_days(struct parser *P, struct hrule *r)
{
    int rc, joined = 0;
    unsigned before = 0, after = 0;   /* kinds seen: 1 weekday, 2 holiday */
    struct tok join = P->cur;
    for (;;) {
        unsigned kind;
        if (P->cur.kind == TK_PH || P->cur.kind == TK_SH) {
            struct hterm *t = new_term(P, r, P->cur.kind == TK_PH ? T_PH : T_SH);
            if (!t)
                return GDIR_ETOOBIG;
            advance(P);
            if ((rc = refuse_offset(P)))
                return rc;
            kind = 2;
        } else if (P->cur.kind == TK_WDAY) {
            struct hterm *t = new_term(P, r, T_WDAY);
            if (!t)
                return GDIR_ETOOBIG;
            t->flag = (unsigned char)P->cur.val;
            t->wd_to = (unsigned char)P->cur.val;
            advance(P);
            if (P->cur.kind == TK_DASH) {
                advance(P);
                if (P->cur.kind != TK_WDAY)
                    return fail_expected(P, "a weekday (Mo-Su) after '-'");
                t->wd_to = (unsigned char)P->cur.val;
                advance(P);
            } else if (P->cur.kind == TK_LBRACK) {
                if ((rc = parse_nth(P, &t->nth)))
                    return rc;
            }
            kind = 1;
        } else {
            return fail_expected(P, "a weekday (Mo-Su), PH or SH");
        }
        *(joined ? &after : &before) |= kind;
        struct tok n = peek(P);
        if (P->cur.kind == TK_COMMA && is_day_item(&n)) {
            advance(P);
            continue;
        }
        if (is_day_item(&P->cur) && P->cur.spaced && !joined) {
            joined = 1;
            join = P->cur;
            continue;
        }
        break;
    }
    if (joined && !((before == 1 && after == 2) || (before == 2 && after == 1)))
        return fail_at(P, &join, "weekdays are separated by ','; a holiday and weekdays are "
                                 "joined by ',' (either) or by a space, as in 'SH Mo-Fr' (both)");
    r->day_and = (unsigned char)joined;
    return GDIR_OK;
}

/* The open-end guess: until the end of that day if `to` is before 17:00, 10 hours if it is
 * before 22:00, else 8 hours; never past 48:00. (The convention of opening_hours.js.) */
static int open_end_tail(int to)
{
    int tod = to % DAY_MIN, tail;
    if (tod < 17 * 60)
        tail = (to / DAY_MIN + 1) * DAY_MIN;
    else if (tod < 22 * 60)
        tail = to + 600;
    else
        tail = to + 480;
    return tail > 2 * DAY_MIN ? 2 * DAY_MIN : tail;
}

/* `08:30-12:00,13:30-17:30`, `22:00-02:00`, `18:00-26:00`, `18:00+`, `10:00-18:00+`. */
static int parse_times(struct parser *P, struct hrule *r)
{
    for (;;) {
        if (P->cur.kind != TK_TIME)
            return fail_expected(P, "a time (HH:MM)");
        struct tok start = P->cur;
        int from = (int)P->cur.val, to;
        if (from >= DAY_MIN)
            return fail_at(P, &start, "a time span must start before 24:00 (write 25:00 as "
                                      "the end of a span, e.g. 22:00-25:00)");
        advance(P);
        int open_end = 0;
        if (P->cur.kind == TK_DASH) {
            advance(P);
            if (P->cur.kind != TK_TIME)
                return fail_expected(P, "an end time (HH:MM) after '-'");
            to = (int)P->cur.val;
            advance(P);
            if (to <= from)
                to += DAY_MIN;   /* 22:00-02:00 ends the next day */
            if (P->cur.kind == TK_PLUS) {
                open_end = 1;
                advance(P);
            }
        } else if (P->cur.kind == TK_PLUS) {
            to = from;
            open_end = 1;
            advance(P);
        } else {
            return fail_expected(P, "'-' and an end time, or '+' for an open end (a point in "
                                    "time alone is not supported)");
        }
        if (P->b->nspans >= GDIR_HOURS_MAX_SPANS)
            return too_many(P, "time spans", GDIR_HOURS_MAX_SPANS);
        struct hspan *sp = &P->b->spans[P->b->nspans++];
        sp->from = (short)from;
        sp->to = (short)to;
        sp->tail = (short)(open_end ? open_end_tail(to) : to);
        if (sp->tail > DAY_MIN)
            r->spill = 1;
        r->nspans++;
        if (P->cur.kind == TK_COMMA && peek(P).kind == TK_TIME) {
            advance(P);
            continue;
        }
        return GDIR_OK;
    }
}

#define EXPECT_RULE_END "';', ',' or '||' before the next rule"

static int parse_rule(struct parser *P, int sep)
{
    int rc, got = 0, explicit_state = 0;
    struct builder *b = P->b;
    if (b->nrules >= GDIR_HOURS_MAX_RULES)
        return too_many(P, "rules", GDIR_HOURS_MAX_RULES);
    struct hrule *r = &b->rules[b->nrules++];
    memset(r, 0, sizeof *r);
    r->sep = (unsigned char)sep;
    r->state = ST_OPEN;
    r->comment = CMT_NONE;
    r->term0 = (unsigned short)b->nterms;
    r->span0 = (unsigned short)b->nspans;

    P->expect = "a rule: weekdays (Mo-Fr), PH, SH, a month (Jan), a year, week, a time "
                "(HH:MM), 24/7, open, off, closed, unknown or a \"comment\"";
    if (P->cur.kind == TK_247) {
        advance(P);
        got = 1;
        P->expect = "open, off, closed, unknown, a \"comment\", " EXPECT_RULE_END;
    } else {
        int wide = 0;
        if (is_year(&P->cur) || P->cur.kind == TK_MONTH) {
            if ((rc = parse_wide(P, r)))
                return rc;
            wide = got = 1;
        }
        if (P->cur.kind == TK_WEEK) {
            if ((rc = parse_weeks(P, r)))
                return rc;
            wide = got = 1;
        }
        if (wide) {
            if (P->cur.kind == TK_COLON)
                advance(P);
            P->expect = "weekdays, PH, SH, a time (HH:MM), open, off, closed, unknown, "
                        "a \"comment\", " EXPECT_RULE_END;
        }
        if (is_day_item(&P->cur)) {
            if ((rc = parse_days(P, r)))
                return rc;
            got = 1;
            P->expect = "a time (HH:MM), open, off, closed, unknown, a \"comment\", "
                        EXPECT_RULE_END;
        }
        if (P->cur.kind == TK_TIME) {
            if ((rc = parse_times(P, r)))
                return rc;
            got = 1;
            P->expect = "',' and another time span, open, off, closed, unknown, a \"comment\", "
                        EXPECT_RULE_END;
        }
    }
    if (P->cur.kind == TK_OPEN || P->cur.kind == TK_CLOSED || P->cur.kind == TK_UNKNOWN) {
        r->state = P->cur.kind == TK_OPEN     ? ST_OPEN
                   : P->cur.kind == TK_CLOSED ? ST_CLOSED
                                              : ST_UNKNOWN;
        explicit_state = 1;
        advance(P);
        got = 1;
        P->expect = "a \"comment\", " EXPECT_RULE_END;
    }
    if (P->cur.kind == TK_COMMENT) {
        const char *text = P->s + P->cur.pos + 1;
        size_t n = P->cur.end - P->cur.pos - 2;
        for (size_t i = 0; i < n; i++) {
            if ((unsigned char)text[i] < 0x20)
                return fail_at(P, &P->cur, "a comment must not contain control characters");
        }
        if (!gdir_utf8_valid(text, n))
            return fail_at(P, &P->cur, "a comment must be valid UTF-8");
        r->comment = (short)b->nstrings;
        memcpy(b->strings + b->nstrings, text, n);
        b->nstrings += n;
        b->strings[b->nstrings++] = '\0';
        /* A rule that gives only days and a comment ("sur rendez-vous") says neither open
         * nor closed. */
        if (!explicit_state && r->nspans == 0)
            r->state = ST_UNKNOWN;
        advance(P);
        got = 1;
        P->expect = EXPECT_RULE_END;
    }
    if (!got)
        return fail_expected(P, P->expect);
    return GDIR_OK;
}

static int parse_value(struct parser *P)
{
    int rc, sep = SEP_FIRST;
    P->cur = lex_at(P->s, P->len, 0);
    for (;;) {
        if ((rc = parse_rule(P, sep)))
            return rc;
        switch (P->cur.kind) {
        case TK_END: return GDIR_OK;
        case TK_SEMI: sep = SEP_NORMAL; break;
        case TK_COMMA: sep = SEP_ADDITIONAL; break;
        case TK_OROR: sep = SEP_FALLBACK; break;
        default: return fail_expected(P, P->expect);
        }
        advance(P);
        if (P->cur.kind == TK_END) {
            if (sep == SEP_FALLBACK)
                return fail_expected(P, "a rule after '||'");
            return GDIR_OK;   /* a trailing ';' or ',' is tolerated */
        }
    }
}

static size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

int gdir_hours_parse(const char *text, struct gdir_hours **out, struct gdir_err *err)
{
    int rc = GDIR_EINTERNAL;
    struct builder *b = NULL;

    if (!out)
        return gdir_err_set_param(err, GDIR_EINVAL, "opening_hours", "no output");
    *out = NULL;
    if (!text) {
        rc = gdir_err_set_param(err, GDIR_EINVAL, "opening_hours", "no value");
        goto out;
    }
    size_t len = strnlen(text, GDIR_HOURS_MAX_TEXT + 1);
    if (len > GDIR_HOURS_MAX_TEXT) {
        rc = gdir_err_set_param(err, GDIR_ETOOBIG, "opening_hours",
                                "value longer than %d bytes", GDIR_HOURS_MAX_TEXT);
        goto out;
    }
    b = calloc(1, sizeof *b);
    if (!b) {
        rc = gdir_err_set_param(err, GDIR_ENOMEM, "opening_hours", "out of memory");
        goto out;
    }
    struct parser P = {.s = text, .len = len, .b = b, .err = err};
    if ((rc = parse_value(&P)))
        goto out;

    /* One exact-size block: header, terms, rules, spans, strings. */
    size_t o_terms = align8(sizeof(struct gdir_hours));
    size_t o_rules = align8(o_terms + (size_t)b->nterms * sizeof(struct hterm));
    size_t o_spans = align8(o_rules + (size_t)b->nrules * sizeof(struct hrule));
    size_t o_str = align8(o_spans + (size_t)b->nspans * sizeof(struct hspan));
    char *block = malloc(o_str + b->nstrings + 1);
    if (!block) {
        rc = gdir_err_set_param(err, GDIR_ENOMEM, "opening_hours", "out of memory");
        goto out;
    }
    struct gdir_hours *h = (struct gdir_hours *)(void *)block;
    h->nrules = b->nrules;
    h->nterms = b->nterms;
    h->nspans = b->nspans;
    h->weekly = 1;
    for (int i = 0; i < b->nterms; i++) {
        if (b->terms[i].kind != T_WDAY || b->terms[i].nth != 0)
            h->weekly = 0;
    }
    memcpy(block + o_terms, b->terms, (size_t)b->nterms * sizeof(struct hterm));
    memcpy(block + o_rules, b->rules, (size_t)b->nrules * sizeof(struct hrule));
    memcpy(block + o_spans, b->spans, (size_t)b->nspans * sizeof(struct hspan));
    memcpy(block + o_str, b->strings, b->nstrings);
    block[o_str + b->nstrings] = '\0';
    h->terms = (const struct hterm *)(const void *)(block + o_terms);
    h->rules = (const struct hrule *)(const void *)(block + o_rules);
    h->spans = (const struct hspan *)(const void *)(block + o_spans);
    h->strings = block + o_str;
    *out = h;
    rc = GDIR_OK;
out:
    free(b);
    return rc;
}

void gdir_hours_free(struct gdir_hours *h)
{
    free(h);
}

const char *gdir_hours_state_name(enum gdir_hours_state state)
{
    switch (state) {
    case GDIR_HOURS_OPEN: return "open";
    case GDIR_HOURS_CLOSED: return "closed";
    default: return "unknown";
    }
}

/* ---- Matching one day ----------------------------------------------------------------- */

enum { M_NO, M_YES, M_UNKNOWN };   /* three-valued: SH may be unknown */

static int m_or(int a, int b)
{
    if (a == M_YES || b == M_YES)
        return M_YES;
    return a == M_UNKNOWN || b == M_UNKNOWN ? M_UNKNOWN : M_NO;
}

static int m_and(int a, int b)
{
    if (a == M_NO || b == M_NO)
        return M_NO;
    return a == M_UNKNOWN || b == M_UNKNOWN ? M_UNKNOWN : M_YES;
}

struct dayinfo {
    long z;                   /* day number */
    long y;
    int m, d;
    int wday;                 /* 0 = Monday */
    int week;                 /* ISO 8601 week number */
    int nth, nth_last;        /* occurrence of this weekday in the month, from start / end */
    int ph;                   /* public holiday */
    int sh;                   /* school holiday 1/0/-1 unknown; -2 not looked up yet */
    const struct gdir_calendar *cal;
};

static void dayinfo_init(struct dayinfo *di, long z, const struct gdir_calendar *cal)
{
    di->z = z;
    civil_date(z, &di->y, &di->m, &di->d);
    di->wday = weekday(z);
    long thursday = z - di->wday + 3;   /* the ISO week belongs to its Thursday's year */
    long ty;
    int tm, td;
    civil_date(thursday, &ty, &tm, &td);
    di->week = (int)((thursday - day_number(ty, 1, 1)) / 7 + 1);
    di->nth = (di->d - 1) / 7 + 1;
    di->nth_last = (month_days(di->y, di->m) - di->d) / 7 + 1;
    di->ph = public_holiday(di->y, di->m, di->d, z);
    di->sh = -2;
    di->cal = cal;
}

static int term_match(const struct hterm *t, struct dayinfo *di)
{
    switch (t->kind) {
    case T_YEAR:
        return di->y >= t->a && di->y <= t->b && (di->y - t->a) % t->step == 0;
    case T_WEEK:
        return di->week >= t->a && di->week <= t->b && (di->week - t->a) % t->step == 0;
    case T_DATE: {
        int32_t k = date_key(t->flag ? (int)di->y : 0, di->m, di->d);
        return t->a <= t->b ? (k >= t->a && k <= t->b) : (k >= t->a || k <= t->b);
    }
    case T_WDAY: {
        int in = t->flag <= t->wd_to ? (di->wday >= t->flag && di->wday <= t->wd_to)
                                     : (di->wday >= t->flag || di->wday <= t->wd_to);
        if (!in)
            return 0;
        return t->nth == 0 || (t->nth & (1u << (di->nth - 1))) ||
               (t->nth & (1u << (4 + di->nth_last)));
    }
    case T_PH:
        return di->ph;
    default:
        return -1;   /* T_SH: handled by the caller */
    }
}

/* Does rule r select day di? M_UNKNOWN when it depends on SH for a day not covered. */
static int rule_match(const struct gdir_hours *h, const struct hrule *r, struct dayinfo *di)
{
    int year = -1, date = -1, week = -1, wday = -1, hol = -1;   /* -1: no such selector */
    for (int i = 0; i < r->nterms; i++) {
        const struct hterm *t = &h->terms[r->term0 + i];
        int m;
        if (t->kind == T_SH) {
            if (di->sh == -2)
                di->sh = calendar_lookup(di->cal, di->z);
            m = di->sh < 0 ? M_UNKNOWN : di->sh ? M_YES : M_NO;
        } else {
            m = term_match(t, di) ? M_YES : M_NO;
        }
        int *cat = t->kind == T_YEAR ? &year
                   : t->kind == T_DATE ? &date
                   : t->kind == T_WEEK ? &week
                   : t->kind == T_WDAY ? &wday
                                       : &hol;
        *cat = *cat < 0 ? m : m_or(*cat, m);
    }
    int res = M_YES;
    if (year >= 0)
        res = m_and(res, year);
    if (date >= 0)
        res = m_and(res, date);
    if (week >= 0)
        res = m_and(res, week);
    if (wday >= 0 && hol >= 0)
        res = m_and(res, r->day_and ? m_and(wday, hol) : m_or(wday, hol));
    else if (wday >= 0)
        res = m_and(res, wday);
    else if (hol >= 0)
        res = m_and(res, hol);
    return res;
}

/* ---- Day plans ------------------------------------------------------------------------ */

/* Each paint adds at most 2 segments; a day sees at most 4 paints per span (own part and
 * spill, each with an open-end tail) and 1 per rule without spans. */
#define PLAN_CAP (2 * (4 * GDIR_HOURS_MAX_SPANS + GDIR_HOURS_MAX_RULES) + 4)

struct seg {
    short end;                /* minutes; the segment starts where the previous one ends */
    short comment;            /* offset into strings or CMT_* */
    unsigned char st;         /* ST_* */
};

struct plan {
    int n;
    struct seg s[PLAN_CAP];
};

static void plan_clear(struct plan *p)
{
    p->n = 1;
    p->s[0].end = DAY_MIN;
    p->s[0].comment = CMT_NONE;
    p->s[0].st = ST_NONE;
}

static void plan_compact(struct plan *p)
{
    int o = 0;
    for (int i = 1; i < p->n; i++) {
        if (p->s[i].st == p->s[o].st && p->s[i].comment == p->s[o].comment)
            p->s[o].end = p->s[i].end;
        else
            p->s[++o] = p->s[i];
    }
    p->n = o + 1;
}

/* Sets [from, to) (clipped to the day) to st/comment. Returns 0, or -1 if the plan is full. */
static int paint(struct plan *p, int from, int to, int st, int comment)
{
    if (from < 0)
        from = 0;
    if (to > DAY_MIN)
        to = DAY_MIN;
    if (from >= to)
        return 0;
    int i = 0;
    while (p->s[i].end <= from)
        i++;
    int j = i;
    while (p->s[j].end < to)
        j++;
    int start_i = i ? p->s[i - 1].end : 0;
    struct seg repl[3];
    int k = 0;
    if (start_i < from) {
        repl[k] = p->s[i];
        repl[k++].end = (short)from;
    }
    repl[k].end = (short)to;
    repl[k].comment = (short)comment;
    repl[k++].st = (unsigned char)st;
    if (p->s[j].end > to)
        repl[k++] = p->s[j];
    int removed = j - i + 1;
    if (p->n - removed + k > PLAN_CAP)
        return -1;
    memmove(&p->s[i + k], &p->s[j + 1], (size_t)(p->n - j - 1) * sizeof p->s[0]);
    memcpy(&p->s[i], repl, (size_t)k * sizeof repl[0]);
    p->n += k - removed;
    plan_compact(p);
    return 0;
}

/* Paints the parts of span sp that fall on a day, shifted by `shift` minutes (-1440 for the
 * part spilling from the day before). */
static int paint_span(struct plan *p, const struct hspan *sp, int shift, int st, int comment)
{
    if (sp->to > sp->from && paint(p, sp->from + shift, sp->to + shift, st, comment) < 0)
        return -1;
    if (sp->tail > sp->to &&
        paint(p, sp->to + shift, sp->tail + shift, ST_UNKNOWN,
              comment != CMT_NONE ? comment : CMT_OPEN_END) < 0)
        return -1;
    return 0;
}

static int apply_rule(const struct gdir_hours *h, const struct hrule *r, int today,
                      int yesterday, struct plan *g)
{
    /* A rule that selects the day replaces what earlier rules said about it, unless it is an
     * additional rule (`,`) or says `off`/`closed`, which only paints its own times. */
    if (today && r->sep != SEP_ADDITIONAL && r->state != ST_CLOSED)
        plan_clear(g);
    if (yesterday) {
        for (int i = 0; i < r->nspans; i++) {
            if (paint_span(g, &h->spans[r->span0 + i], -DAY_MIN, r->state, r->comment) < 0)
                return -1;
        }
    }
    if (today) {
        if (r->nspans == 0)
            return paint(g, 0, DAY_MIN, r->state, r->comment);
        for (int i = 0; i < r->nspans; i++) {
            if (paint_span(g, &h->spans[r->span0 + i], 0, r->state, r->comment) < 0)
                return -1;
        }
    }
    return 0;
}

/* Fills the minutes of fin that are still ST_NONE from g (the `||` fallback). */
static int merge_fallback(struct plan *fin, const struct plan *g)
{
    int a = 0;
    for (int k = 0; k < g->n; a = g->s[k].end, k++) {
        if (g->s[k].st == ST_NONE)
            continue;
        int pos = a, b = g->s[k].end;
        while (pos < b) {
            int i = 0;
            while (fin->s[i].end <= pos)
                i++;
            int e = fin->s[i].end < b ? fin->s[i].end : b;
            if (fin->s[i].st == ST_NONE && paint(fin, pos, e, g->s[k].st, g->s[k].comment) < 0)
                return -1;
            pos = e;
        }
    }
    return 0;
}

/* The plan of local day z into fin (grp is scratch). Never fails: when the plan cannot be
 * built (full) the day is unknown. */
static void build_day(const struct gdir_hours *h, const struct gdir_calendar *cal, long z,
                      struct plan *fin, struct plan *grp)
{
    struct dayinfo today, yesterday;
    dayinfo_init(&today, z, cal);
    dayinfo_init(&yesterday, z - 1, cal);
    plan_clear(fin);
    for (int i = 0; i < h->nrules;) {
        int end = i + 1;
        while (end < h->nrules && h->rules[end].sep != SEP_FALLBACK)
            end++;
        plan_clear(grp);
        for (int k = i; k < end; k++) {
            const struct hrule *r = &h->rules[k];
            int mt = rule_match(h, r, &today);
            int my = r->spill ? rule_match(h, r, &yesterday) : M_NO;
            if (mt == M_UNKNOWN || my == M_UNKNOWN) {
                plan_clear(fin);
                fin->s[0].st = ST_UNKNOWN;
                fin->s[0].comment = CMT_SH_UNKNOWN;
                return;
            }
            if (apply_rule(h, r, mt == M_YES, my == M_YES, grp) < 0)
                goto full;
        }
        if (merge_fallback(fin, grp) < 0)
            goto full;
        i = end;
    }
    for (int i = 0; i < fin->n; i++) {
        if (fin->s[i].st == ST_NONE) {
            fin->s[i].st = ST_CLOSED;
            fin->s[i].comment = CMT_NONE;
        }
    }
    plan_compact(fin);
    return;
full:
    plan_clear(fin);
    fin->s[0].st = ST_UNKNOWN;
}

static enum gdir_hours_state public_state(int st)
{
    return st == ST_OPEN ? GDIR_HOURS_OPEN : st == ST_CLOSED ? GDIR_HOURS_CLOSED
                                                             : GDIR_HOURS_UNKNOWN;
}

static const char *comment_ptr(const struct gdir_hours *h, int c)
{
    if (c >= 0)
        return h->strings + c;
    return c == CMT_OPEN_END ? open_end_text : c == CMT_SH_UNKNOWN ? sh_unknown_text : NULL;
}

/* UTC instant of wall-clock minute `min` of local day z. */
static int64_t wall_to_utc(long z, int min)
{
    return local_to_utc((int64_t)z * DAY_SEC + (int64_t)min * 60);
}

int gdir_hours_eval(const struct gdir_hours *h, const struct gdir_calendar *cal, time_t when,
                    struct gdir_hours_eval *out)
{
    if (!out)
        return GDIR_EINVAL;
    out->state = GDIR_HOURS_UNKNOWN;
    out->comment = NULL;
    out->next_change = 0;
    out->next_state = GDIR_HOURS_UNKNOWN;
    int64_t t = (int64_t)when;
    if (t < min_instant() || t >= max_instant())
        return GDIR_EINVAL;
    if (!h)
        return GDIR_OK;

    struct plan *plans = malloc(2 * sizeof *plans);   /* ~14 KiB: kept off thread stacks */
    if (!plans)
        return GDIR_ENOMEM;   /* *out says unknown */
    struct plan *fin = &plans[0], *grp = &plans[1];

    long z = (long)floor_div(utc_to_local(t), DAY_SEC);
    build_day(h, cal, z, fin, grp);
    int i = 0, cur = ST_UNKNOWN;
    for (; i < fin->n; i++) {
        if (t < wall_to_utc(z, fin->s[i].end))
            break;
    }
    if (i == fin->n)   /* cannot happen: the day's segments cover its instants */
        goto out;
    cur = fin->s[i].st;
    out->state = public_state(cur);
    out->comment = comment_ptr(h, fin->s[i].comment);

    /* A weekly value that does not change within two weeks never changes (two, not one: the
     * skipped spring hour can hide a change on one Sunday). */
    long horizon = h->weekly ? 15 : GDIR_HOURS_HORIZON_DAYS;
    for (long day = z, i0 = i + 1; day <= z + horizon; day++, i0 = 0) {
        if (day != z)
            build_day(h, cal, day, fin, grp);
        for (int k = (int)i0; k < fin->n; k++) {
            int64_t a = wall_to_utc(day, k ? fin->s[k - 1].end : 0);
            int64_t b = wall_to_utc(day, fin->s[k].end);
            if (b > a && fin->s[k].st != cur) {
                out->next_change = (time_t)a;
                out->next_state = public_state(fin->s[k].st);
                goto out;
            }
        }
    }
out:
    free(plans);
    return GDIR_OK;
}
