/*
 * life_rrule.c — the RRULE subset of the agenda and its expansion in Europe/Paris wall-clock
 * time (life_rrule.h, docs/vie-locale.md §3).
 *
 * A rule is kept as bit sets (months, days of the month counted from the start and from the
 * end, and per day of the week: every one, or its ordinals 1..5 and -1..-5), so that the
 * canonical text is unique and two equal rules compare equal. The expansion walks the periods
 * of the rule (days, weeks from Monday, months, years, INTERVAL apart) from DTSTART's period,
 * lists the days of each period the BY parts allow, in order, and turns each local date and
 * DTSTART's time into UTC with hours/ (a time in the spring gap moves forward by the gap: the
 * offset before the change applies, RFC 5545 §3.3.5). DTSTART is always the first occurrence.
 * Without COUNT the walk starts at the period just before the window.
 */
#include "life_rrule.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdir_date.h"
#include "gdir_hours.h"

enum freq { F_DAILY, F_WEEKLY, F_MONTHLY, F_YEARLY };

struct life_rrule {
    enum freq freq;
    int interval;             /* 1..366 */
    int count;                /* 0: none */
    int until;                /* 0: none, 1: a local date, 2: a UTC date-time */
    struct life_local until_date;   /* until == 1; with until == 2 the UTC fields */
    int until_sec;
    time_t until_utc;         /* until == 2 */
    unsigned bymonth;         /* bits 1..12 */
    unsigned mday_pos;        /* bits 1..31: BYMONTHDAY=n */
    unsigned mday_neg;        /* bits 1..31: BYMONTHDAY=-n */
    unsigned byday[7];        /* Monday first: bit 0 every such day, bits 1..5 ordinal n,
                                 bits 6..10 ordinal -1..-5 */
};

static const char *const wd_code[7] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};
static const char *const freq_name[4] = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"};

/* ---- calendar arithmetic (days from 1970-01-01: gdir_date.h) ------------------------------- */

static int weekday(long days)   /* 0 = Monday */
{
    long w = (days + 3) % 7;    /* 1970-01-01 was a Thursday */
    return (int)(w < 0 ? w + 7 : w);
}

static int days_in_month(int y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

static int valid_local(const struct life_local *l)
{
    return l->year >= 1971 && l->year <= 9997 && l->month >= 1 && l->month <= 12 &&
           l->day >= 1 && l->day <= days_in_month(l->year, l->month) && l->hour >= 0 &&
           l->hour <= 23 && l->minute >= 0 && l->minute <= 59;
}

/* Europe/Paris wall-clock time → UTC; a time in the spring gap takes the offset before the
 * change (02:30 → 03:30 local), one in the repeated autumn hour is the first. */
static int local_to_utc(int y, int m, int d, int h, int mi, time_t *out)
{
    struct gdir_paris_time pt;
    time_t t;

    if (gdir_paris_to_utc(y, m, d, h, mi, 0, &t))
        return GDIR_EINVAL;
    if (gdir_paris_from_utc(t, &pt))
        return GDIR_EINVAL;
    if (pt.hour != h || pt.minute != mi || pt.day != d) {   /* in the gap: t is the change */
        if (gdir_paris_from_utc(t - 1, &pt))
            return GDIR_EINVAL;
        t = (time_t)gdir_days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 - pt.utc_offset;
    }
    *out = t;
    return 0;
}

/* ---- parsing --------------------------------------------------------------------------- */

static int upper(int c)
{
    return c >= 'a' && c <= 'z' ? c - 32 : c;
}

static int eq_ci(const char *s, size_t n, const char *lit)
{
    if (strlen(lit) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (upper((unsigned char)s[i]) != lit[i])
            return 0;
    return 1;
}

/* Unsigned decimal s[0..n) (1..6 digits) into *v; 0 when it is not one. */
static int number(const char *s, size_t n, int *v)
{
    if (n == 0 || n > 6)
        return 0;
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (s[i] - '0');
    }
    return 1;
}

static int weekday_code(const char *s, size_t n)
{
    for (int k = 0; k < 7; k++)
        if (eq_ci(s, n, wd_code[k]))
            return k;
    return -1;
}

enum part { P_FREQ, P_INTERVAL, P_COUNT, P_UNTIL, P_BYDAY, P_BYMONTHDAY, P_BYMONTH, P_WKST, P_N };
static const char *const part_name[P_N] = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY",
                                           "BYMONTHDAY", "BYMONTH", "WKST"};

struct parser {
    struct life_rrule *r;
    size_t pos[P_N];    /* byte position of each part given */
    unsigned seen;
    int wkst;
    struct gdir_err *err;
};

static int refuse(struct parser *p, size_t at, const char *what)
{
    return gdir_err_set_param(p->err, GDIR_EINVAL, "rrule", "rrule : %s (octet %zu).", what, at);
}

static int parse_until(struct parser *p, const char *v, size_t n, size_t at)
{
    struct life_rrule *r = p->r;
    int y, mo, d, h = 0, mi = 0, s = 0;

    if (!(n == 8 || (n == 16 && upper((unsigned char)v[8]) == 'T' &&
                     upper((unsigned char)v[15]) == 'Z')) ||
        !number(v, 4, &y) || !number(v + 4, 2, &mo) || !number(v + 6, 2, &d) ||
        (n == 16 && (!number(v + 9, 2, &h) || !number(v + 11, 2, &mi) || !number(v + 13, 2, &s))))
        return refuse(p, at, "UNTIL s'écrit AAAAMMJJ ou AAAAMMJJTHHMMSSZ");
    r->until_date = (struct life_local){y, mo, d, h, mi};
    r->until_sec = s;
    if (!valid_local(&r->until_date) || s > 59)
        return refuse(p, at, "UNTIL n'est pas une date valide (années 1971 à 9997)");
    r->until = n == 8 ? 1 : 2;
    if (r->until == 2)
        r->until_utc = (time_t)gdir_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return 0;
}

/* One item of BYDAY: [+|-][1-5]DD. */
static int parse_byday_item(struct parser *p, const char *v, size_t n, size_t at)
{
    int sign = 1, ord = 0, wd;
    size_t i = 0;

    if (i < n && (v[i] == '+' || v[i] == '-'))
        sign = v[i++] == '-' ? -1 : 1;
    if (i < n && v[i] >= '0' && v[i] <= '9') {
        ord = v[i++] - '0';
        if (ord < 1 || ord > 5)
            return refuse(p, at, "les rangs de BYDAY vont de -5 à 5, sauf 0");
    } else if (i > 0) {
        return refuse(p, at, "BYDAY : un signe sans rang");
    }
    wd = weekday_code(v + i, n - i);
    if (wd < 0)
        return refuse(p, at, "BYDAY prend MO, TU, WE, TH, FR, SA, SU, avec un rang éventuel "
                             "(1SA, -1FR)");
    p->r->byday[wd] |= ord == 0 ? 1u : sign > 0 ? 1u << ord : 1u << (5 + ord);
    return 0;
}

/* One item of BYMONTHDAY (-31..31, not 0) or BYMONTH (1..12). */
static int parse_list_item(struct parser *p, enum part k, const char *v, size_t n, size_t at)
{
    int neg = 0, x;

    if (k == P_BYDAY)
        return parse_byday_item(p, v, n, at);
    if (k == P_BYMONTHDAY && n > 0 && (v[0] == '-' || v[0] == '+')) {
        neg = v[0] == '-';
        v++;
        n--;
    }
    if (k == P_BYMONTH) {
        if (!number(v, n, &x) || x < 1 || x > 12)
            return refuse(p, at, "BYMONTH prend des mois de 1 à 12");
        p->r->bymonth |= 1u << x;
        return 0;
    }
    if (!number(v, n, &x) || x < 1 || x > 31)
        return refuse(p, at, "BYMONTHDAY prend des jours de 1 à 31 ou de -31 à -1");
    if (neg)
        p->r->mday_neg |= 1u << x;
    else
        p->r->mday_pos |= 1u << x;
    return 0;
}

static int parse_value(struct parser *p, enum part k, const char *v, size_t n, size_t at)
{
    struct life_rrule *r = p->r;
    int x, rc;

    switch (k) {
    case P_FREQ:
        for (int f = 0; f < 4; f++)
            if (eq_ci(v, n, freq_name[f])) {
                r->freq = (enum freq)f;
                return 0;
            }
        return refuse(p, at, "FREQ vaut DAILY, WEEKLY, MONTHLY ou YEARLY");
    case P_INTERVAL:
        if (!number(v, n, &x) || x < 1 || x > 366)
            return refuse(p, at, "INTERVAL va de 1 à 366");
        r->interval = x;
        return 0;
    case P_COUNT:
        if (!number(v, n, &x) || x < 1 || x > 1000)
            return refuse(p, at, "COUNT va de 1 à 1000");
        r->count = x;
        return 0;
    case P_UNTIL:
        return parse_until(p, v, n, at);
    case P_WKST:
        p->wkst = weekday_code(v, n);
        return p->wkst < 0 ? refuse(p, at, "WKST prend MO, TU, WE, TH, FR, SA ou SU") : 0;
    default:
        break;
    }
    for (size_t i = 0; i <= n;) {   /* the lists: BYDAY, BYMONTHDAY, BYMONTH */
        const char *c = memchr(v + i, ',', n - i);
        size_t j = c ? (size_t)(c - v) : n;
        if (j == i)
            return refuse(p, at, "élément vide dans une liste");
        rc = parse_list_item(p, k, v + i, j - i, at);
        if (rc)
            return rc;
        i = j + 1;
    }
    return 0;
}

/* The checks between parts, once all are read. */
static int parse_check(struct parser *p)
{
    struct life_rrule *r = p->r;
    int ordinals = 0, multi = 0;

    for (int k = 0; k < 7; k++) {
        ordinals |= (r->byday[k] & ~1u) != 0;
        multi += r->byday[k] != 0;
    }
    if (!(p->seen & 1u << P_FREQ))
        return refuse(p, 0, "FREQ manque");
    if ((p->seen & 1u << P_COUNT) && (p->seen & 1u << P_UNTIL))
        return refuse(p, p->pos[P_COUNT] > p->pos[P_UNTIL] ? p->pos[P_COUNT] : p->pos[P_UNTIL],
                      "COUNT et UNTIL ne vont pas ensemble");
    if (ordinals && (r->freq == F_DAILY || r->freq == F_WEEKLY))
        return refuse(p, p->pos[P_BYDAY],
                      "un rang dans BYDAY (1SA, -1FR) demande FREQ=MONTHLY ou YEARLY");
    if (r->freq == F_WEEKLY && (p->seen & 1u << P_BYMONTHDAY))
        return refuse(p, p->pos[P_BYMONTHDAY], "BYMONTHDAY ne va pas avec FREQ=WEEKLY");
    if (r->freq == F_YEARLY && (p->seen & 1u << P_BYDAY) && !(p->seen & 1u << P_BYMONTH))
        return refuse(p, p->pos[P_BYDAY], "BYDAY avec FREQ=YEARLY demande BYMONTH");
    if ((p->seen & 1u << P_WKST) && p->wkst != 0 && r->freq == F_WEEKLY && r->interval > 1 &&
        multi > 1)
        return refuse(p, p->pos[P_WKST], "WKST autre que MO n'est pas pris en charge ici");
    return 0;
}

static int parse_parts(struct parser *p, const char *value, size_t i, size_t len)
{
    while (i <= len) {
        const char *semi = memchr(value + i, ';', len - i);
        size_t end = semi ? (size_t)(semi - value) : len;
        const char *eq = memchr(value + i, '=', end - i);
        int k;
        if (!eq)
            return refuse(p, i, end == i ? "partie vide" : "une partie s'écrit NOM=VALEUR");
        for (k = 0; k < P_N; k++)
            if (eq_ci(value + i, (size_t)(eq - value) - i, part_name[k]))
                break;
        if (k == P_N)
            return refuse(p, i, "partie non prise en charge (FREQ, INTERVAL, COUNT, UNTIL, "
                                "BYDAY, BYMONTHDAY, BYMONTH, WKST)");
        if (p->seen & 1u << k)
            return refuse(p, i, "partie donnée deux fois");
        p->seen |= 1u << k;
        p->pos[k] = i;
        int rc = parse_value(p, (enum part)k, eq + 1, end - (size_t)(eq + 1 - value), i);
        if (rc)
            return rc;
        i = end + 1;
    }
    return 0;
}

int life_rrule_parse(const char *value, struct life_rrule **out, struct gdir_err *err)
{
    struct parser p;
    size_t len = strlen(value), i = 0;
    int rc;

    gdir_err_clear(err);
    *out = NULL;
    memset(&p, 0, sizeof p);
    p.err = err;
    if (len > LIFE_RRULE_MAX)
        return refuse(&p, LIFE_RRULE_MAX, "plus de 256 octets");
    if (len >= 6 && eq_ci(value, 6, "RRULE:"))
        i = 6;
    p.r = calloc(1, sizeof *p.r);
    if (!p.r)
        return gdir_err_set_param(err, GDIR_ENOMEM, "rrule", "rrule : mémoire insuffisante.");
    p.r->interval = 1;
    rc = parse_parts(&p, value, i, len);
    if (!rc)
        rc = parse_check(&p);
    if (rc) {
        free(p.r);
        return rc;
    }
    *out = p.r;
    return 0;
}

void life_rrule_free(struct life_rrule *r)
{
    free(r);
}

/* ---- canonical text -------------------------------------------------------------------- */

struct out {
    char *buf;
    size_t n, len;
    int over;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int k;

    if (o->over)
        return;
    va_start(ap, fmt);
    k = vsnprintf(o->buf + o->len, o->n - o->len, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= o->n - o->len) {
        o->over = 1;
        return;
    }
    o->len += (size_t)k;
}

static int out_done(struct out *o)
{
    if (o->over) {
        if (o->n)
            o->buf[0] = '\0';
        return GDIR_ETOOBIG;
    }
    return 0;
}

/* Appends sep then the items of a bit set (bits lo..hi) as numbers (neg: with '-'). */
static void put_bits(struct out *o, unsigned bits, int lo, int hi, int neg, const char **sep)
{
    for (int k = lo; k <= hi; k++)
        if (bits & 1u << k) {
            put(o, "%s%s%d", *sep, neg ? "-" : "", k);
            *sep = ",";
        }
}

int life_rrule_format(const struct life_rrule *r, char *buf, size_t n)
{
    struct out o = {buf, n, 0, n == 0};
    const char *sep;

    put(&o, "FREQ=%s", freq_name[r->freq]);
    if (r->interval > 1)
        put(&o, ";INTERVAL=%d", r->interval);
    if (r->count)
        put(&o, ";COUNT=%d", r->count);
    if (r->until == 1)
        put(&o, ";UNTIL=%04d%02d%02d", r->until_date.year, r->until_date.month,
            r->until_date.day);
    else if (r->until == 2)
        put(&o, ";UNTIL=%04d%02d%02dT%02d%02d%02dZ", r->until_date.year, r->until_date.month,
            r->until_date.day, r->until_date.hour, r->until_date.minute, r->until_sec);
    if (r->bymonth) {
        sep = ";BYMONTH=";
        put_bits(&o, r->bymonth, 1, 12, 0, &sep);
    }
    if (r->mday_pos || r->mday_neg) {
        sep = ";BYMONTHDAY=";
        put_bits(&o, r->mday_pos, 1, 31, 0, &sep);
        put_bits(&o, r->mday_neg, 1, 31, 1, &sep);
    }
    sep = ";BYDAY=";
    for (int k = 0; k < 7; k++) {
        unsigned b = r->byday[k];
        if (b & 1u) {
            put(&o, "%s%s", sep, wd_code[k]);
            sep = ",";
        }
        for (int ord = 1; ord <= 5; ord++)
            if (b & 1u << ord) {
                put(&o, "%s%d%s", sep, ord, wd_code[k]);
                sep = ",";
            }
        for (int ord = 1; ord <= 5; ord++)
            if (b & 1u << (5 + ord)) {
                put(&o, "%s-%d%s", sep, ord, wd_code[k]);
                sep = ",";
            }
    }
    return out_done(&o);
}

/* ---- the French sentence --------------------------------------------------------------- */

static const char *const wd_fr[7] = {"lundi", "mardi", "mercredi", "jeudi", "vendredi",
                                     "samedi", "dimanche"};
static const char *const month_fr[13] = {"", "janvier", "février", "mars", "avril", "mai",
                                         "juin", "juillet", "août", "septembre", "octobre",
                                         "novembre", "décembre"};
static const char *const ord_fr[6] = {"", "premier", "deuxième", "troisième", "quatrième",
                                      "cinquième"};

/* The separator before item i of count: "", ", " or " et ". */
static const char *list_sep(int i, int count)
{
    return i == 0 ? "" : i == count - 1 ? " et " : ", ";
}

static int popcount(unsigned x)
{
    int c = 0;
    for (; x; x &= x - 1)
        c++;
    return c;
}

/* « lundis, mercredis et vendredis » (plural) or « lundi et jeudi » (with article « le »). */
static void put_days(struct out *o, const struct life_rrule *r, int plural)
{
    int count = 0, i = 0;
    for (int k = 0; k < 7; k++)
        count += (r->byday[k] & 1u) != 0;
    for (int k = 0; k < 7; k++)
        if (r->byday[k] & 1u)
            put(o, "%s%s%s%s", list_sep(i++, count), plural ? "" : "le ", wd_fr[k],
                plural ? "s" : "");
}

/* « le premier samedi et le dernier vendredi » */
static void put_ordinals(struct out *o, const struct life_rrule *r)
{
    int count = 0, i = 0;
    for (int k = 0; k < 7; k++)
        count += popcount(r->byday[k] & ~1u);
    for (int k = 0; k < 7; k++)
        for (int b = 1; b <= 10; b++) {
            if (!(r->byday[k] & 1u << b))
                continue;
            const char *sep = list_sep(i++, count);
            if (b <= 5)
                put(o, "%sle %s %s", sep, ord_fr[b], wd_fr[k]);
            else if (b == 6)
                put(o, "%sle dernier %s", sep, wd_fr[k]);
            else if (b == 7)
                put(o, "%sl'avant-dernier %s", sep, wd_fr[k]);
            else
                put(o, "%sle %s %s en partant de la fin", sep, ord_fr[b - 5], wd_fr[k]);
        }
}

/* « le 1er et le 15 », « le dernier jour » */
static void put_mdays(struct out *o, const struct life_rrule *r)
{
    int count = popcount(r->mday_pos) + popcount(r->mday_neg), i = 0;
    for (int d = 1; d <= 31; d++)
        if (r->mday_pos & 1u << d)
            put(o, "%sle %d%s", list_sep(i++, count), d, d == 1 ? "er" : "");
    for (int d = 1; d <= 31; d++)
        if (r->mday_neg & 1u << d) {
            const char *sep = list_sep(i++, count);
            if (d == 1)
                put(o, "%sle dernier jour", sep);
            else if (d == 2)
                put(o, "%sl'avant-dernier jour", sep);
            else
                put(o, "%sle %de jour en partant de la fin", sep, d);
        }
}

/* « de mars et d'octobre » (of = 1) or « en mars et en octobre » */
static void put_months(struct out *o, unsigned months, int of)
{
    int count = popcount(months), i = 0;
    for (int m = 1; m <= 12; m++)
        if (months & 1u << m) {
            int vowel = m == 4 || m == 8 || m == 10;
            put(o, "%s%s%s", list_sep(i++, count), of ? (vowel ? "d'" : "de ") : "en ",
                month_fr[m]);
        }
}

static void describe_weekly(struct out *o, const struct life_rrule *r)
{
    int days = 0;
    for (int k = 0; k < 7; k++)
        days += (r->byday[k] & 1u) != 0;
    if (r->interval == 1) {
        if (days == 0)
            put(o, "Toutes les semaines");
        else if (days == 7)
            put(o, "Tous les jours");
        else if (days == 5 && !r->byday[5] && !r->byday[6])
            put(o, "Du lundi au vendredi");
        else {
            put(o, "Tous les ");
            put_days(o, r, 1);
        }
        return;
    }
    if (r->interval == 2 && days == 1) {
        for (int k = 0; k < 7; k++)
            if (r->byday[k] & 1u)
                put(o, "Un %s sur deux", wd_fr[k]);
        return;
    }
    put(o, r->interval == 2 ? "Toutes les deux semaines" : "Toutes les %d semaines", r->interval);
    if (days) {
        put(o, ", ");
        put_days(o, r, 0);
    }
}

/* « les samedis », « le 1er et le 15 », « les vendredis qui tombent le 13 » */
static void put_days_mdays(struct out *o, const struct life_rrule *r, unsigned every)
{
    int mdays = r->mday_pos || r->mday_neg;

    if (every) {
        put(o, "les ");
        put_days(o, r, 1);
        if (mdays)
            put(o, " qui tombent ");
    }
    if (mdays)
        put_mdays(o, r);
}

/* Upper-cases the first letter written from start (« le » → « Le »). */
static void capital(struct out *o, size_t start)
{
    if (!o->over && o->len > start && o->buf[start] >= 'a' && o->buf[start] <= 'z')
        o->buf[start] = (char)(o->buf[start] - 32);
}

static void describe_monthly(struct out *o, const struct life_rrule *r, unsigned every,
                             unsigned ordinals)
{
    int mdays = r->mday_pos || r->mday_neg;
    size_t start = o->len;

    if (!every && !ordinals && !mdays) {
        put(o, r->interval == 1 ? "Tous les mois" : "Tous les %d mois", r->interval);
        return;
    }
    if (every && !ordinals && !mdays) {
        put(o, "Tous les ");
        put_days(o, r, 1);
    } else if (ordinals) {
        put_ordinals(o, r);
        if (every) {
            put(o, " et tous les ");
            put_days(o, r, 1);
        }
        if (mdays) {
            put(o, ", s'il tombe ");
            put_mdays(o, r);
        }
    } else {
        put_days_mdays(o, r, every);
    }
    capital(o, start);
    if (r->interval > 1)
        put(o, ", tous les %d mois", r->interval);
    else if (ordinals || mdays)
        put(o, " de chaque mois");
}

static void describe_yearly(struct out *o, const struct life_rrule *r, unsigned every,
                            unsigned ordinals)
{
    int mdays = r->mday_pos || r->mday_neg;
    size_t start = o->len;

    if (!r->bymonth && !mdays) {
        put(o, r->interval == 1 ? "Tous les ans" : "Tous les %d ans", r->interval);
        return;
    }
    if (!r->bymonth) {      /* BYMONTHDAY alone: those days of every month */
        put_days_mdays(o, r, every);
        capital(o, start);
        put(o, " de chaque mois");
        if (r->interval > 1)
            put(o, ", une année sur %d", r->interval);
        return;
    }
    put(o, r->interval == 1 ? "Chaque année, " : "Tous les %d ans, ", r->interval);
    if (ordinals) {
        put_ordinals(o, r);
        if (every) {
            put(o, " et tous les ");
            put_days(o, r, 1);
        }
        put(o, " ");
        put_months(o, r->bymonth, 1);
    } else if (every || mdays) {
        put_days_mdays(o, r, every);
        if (!every && popcount(r->bymonth) == 1 && !r->mday_neg) {
            for (int m = 1; m <= 12; m++)
                if (r->bymonth & 1u << m)
                    put(o, " %s", month_fr[m]);
        } else {
            put(o, " ");
            put_months(o, r->bymonth, 1);
        }
    } else {
        put_months(o, r->bymonth, 0);
    }
}

static void describe_daily(struct out *o, const struct life_rrule *r, unsigned every)
{
    int mdays = r->mday_pos || r->mday_neg;

    if (mdays && r->interval == 1) {        /* those days of each month */
        describe_monthly(o, r, every, 0);
        return;
    }
    if (every && r->interval == 1) {
        describe_weekly(o, r);
        return;
    }
    put(o, r->interval == 1 ? "Tous les jours" : r->interval == 2 ? "Un jour sur deux"
                                                                  : "Tous les %d jours",
        r->interval);
    if (every) {
        put(o, ", ");
        put_days(o, r, 0);
    }
    if (mdays) {
        put(o, ", ");
        put_mdays(o, r);
        put(o, " du mois");
    }
}

int life_rrule_describe(const struct life_rrule *r, char *buf, size_t n)
{
    struct out o = {buf, n, 0, n == 0};
    unsigned every = 0, ordinals = 0;

    for (int k = 0; k < 7; k++) {
        every |= r->byday[k] & 1u;
        ordinals |= r->byday[k] & ~1u;
    }
    if (r->freq == F_DAILY)
        describe_daily(&o, r, every);
    else if (r->freq == F_WEEKLY)
        describe_weekly(&o, r);
    else if (r->freq == F_MONTHLY)
        describe_monthly(&o, r, every, ordinals);
    else
        describe_yearly(&o, r, every, ordinals);
    if (r->bymonth && r->freq != F_YEARLY) {
        put(&o, ", ");
        put_months(&o, r->bymonth, 0);
    }
    if (r->count)
        put(&o, r->count == 1 ? ", une fois" : ", %d fois", r->count);
    if (r->until) {
        struct life_local u = r->until_date;
        if (r->until == 2) {
            struct gdir_paris_time pt;
            if (gdir_paris_from_utc(r->until_utc, &pt) == 0)
                u = (struct life_local){pt.year, pt.month, pt.day, pt.hour, pt.minute};
        }
        put(&o, ", jusqu'au %d%s %s %d", u.day, u.day == 1 ? "er" : "", month_fr[u.month],
            u.year);
    }
    return out_done(&o);
}

/* ---- expansion ------------------------------------------------------------------------- */

struct walk {
    const struct life_rrule *r;
    const struct life_local *dt;
    int duration;
    const struct life_local *ex;
    size_t n_ex;
    time_t from, to;
    long last_day;        /* no occurrence starts after this day */
    int instances;        /* instances of the rule so far (COUNT) */
    int emitted;
    int stop;             /* 1: the walk is over */
    int ret;              /* fn's non-zero value */
    life_occurrence_fn fn;
    void *arg;
};

static int excluded(const struct walk *w, int y, int m, int d)
{
    for (size_t i = 0; i < w->n_ex; i++) {
        const struct life_local *e = &w->ex[i];
        if (e->year == y && e->month == m && e->day == d && e->hour == w->dt->hour &&
            e->minute == w->dt->minute)
            return 1;
    }
    return 0;
}

/* One instance of the rule on local day y-m-d at DTSTART's time. */
static void instance(struct walk *w, int y, int m, int d)
{
    const struct life_rrule *r = w->r;
    struct life_occurrence o;
    long day = gdir_days_from_civil(y, m, d), end_min;
    int ey, em, ed;

    if (day > w->last_day || y > 9997) {
        w->stop = 1;
        return;
    }
    if (r && r->until == 1 && day > gdir_days_from_civil(r->until_date.year, r->until_date.month,
                                                     r->until_date.day)) {
        w->stop = 1;
        return;
    }
    if (local_to_utc(y, m, d, w->dt->hour, w->dt->minute, &o.start)) {
        w->stop = 1;
        return;
    }
    if (r && r->until == 2 && o.start > r->until_utc) {
        w->stop = 1;
        return;
    }
    if (r && r->count && ++w->instances > r->count) {
        w->stop = 1;
        return;
    }
    if (o.start >= w->to) {
        w->stop = 1;
        return;
    }
    if (excluded(w, y, m, d))
        return;
    end_min = w->dt->hour * 60 + w->dt->minute + w->duration;
    gdir_civil_from_days(day + end_min / 1440, &ey, &em, &ed);
    end_min %= 1440;
    if (local_to_utc(ey, em, ed, (int)(end_min / 60), (int)(end_min % 60), &o.end) ||
        (o.end <= o.start && w->duration > 0))   /* a start moved by the spring gap */
        o.end = o.start + (time_t)w->duration * 60;
    if (!(o.end > w->from || (o.end == o.start && o.start >= w->from)))
        return;
    o.local = (struct life_local){y, m, d, w->dt->hour, w->dt->minute};
    w->ret = w->fn(&o, w->arg);
    if (w->ret || ++w->emitted >= LIFE_RRULE_OCCURRENCES)
        w->stop = 1;
}

/* Whether y-m-d is one of the days of the month r's BYMONTHDAY and BYDAY allow. */
static int day_allowed(const struct life_rrule *r, int y, int m, int d)
{
    int dim = days_in_month(y, m);
    unsigned bits;

    if ((r->mday_pos || r->mday_neg) &&
        !((r->mday_pos & 1u << d) || (r->mday_neg & 1u << (dim - d + 1))))
        return 0;
    bits = r->byday[weekday(gdir_days_from_civil(y, m, d))];
    for (int k = 0; k < 7; k++)
        if (r->byday[k]) {
            int nth = (d - 1) / 7 + 1, nth_last = (dim - d) / 7 + 1;
            return (bits & 1u) || (bits & 1u << nth) || (bits & 1u << (5 + nth_last));
        }
    return 1;
}

/* The instances of month y-m after DTSTART's day (first_day). */
static void walk_month(struct walk *w, int y, int m, long first_day)
{
    const struct life_rrule *r = w->r;
    int dim = days_in_month(y, m), any;

    any = r->mday_pos || r->mday_neg;
    for (int k = 0; k < 7; k++)
        any |= r->byday[k] != 0;
    for (int d = 1; d <= dim && !w->stop; d++) {
        if (any ? !day_allowed(r, y, m, d) : d != w->dt->day)
            continue;
        if (gdir_days_from_civil(y, m, d) > first_day)
            instance(w, y, m, d);
    }
}

static void walk_days(struct walk *w, long k0)
{
    const struct life_rrule *r = w->r;
    long d0 = gdir_days_from_civil(w->dt->year, w->dt->month, w->dt->day);
    int single = r->freq == F_DAILY;

    for (long k = k0; !w->stop; k++) {
        long start = single ? d0 + k * r->interval : d0 - weekday(d0) + 7 * k * r->interval;
        int days = 0;
        if (start > w->last_day)
            break;
        for (int i = 0; i < 7; i++)
            days |= r->byday[i] != 0;
        for (long day = start; day < start + (single ? 1 : 7) && !w->stop; day++) {
            int y, m, d;
            gdir_civil_from_days(day, &y, &m, &d);
            if (day <= d0 || (r->bymonth && !(r->bymonth & 1u << m)))
                continue;
            if (single ? !day_allowed(r, y, m, d)
                       : (days ? !(r->byday[weekday(day)] & 1u) : weekday(day) != weekday(d0)))
                continue;
            instance(w, y, m, d);
        }
    }
}

static void walk_months(struct walk *w, long k0)
{
    const struct life_rrule *r = w->r;
    long d0 = gdir_days_from_civil(w->dt->year, w->dt->month, w->dt->day);
    long m0 = (long)w->dt->year * 12 + w->dt->month - 1;

    for (long k = k0; !w->stop; k++) {
        long mi = m0 + k * r->interval;
        int y = (int)(mi / 12), m = (int)(mi % 12) + 1;
        if (y > 9997 || gdir_days_from_civil(y, m, 1) > w->last_day)
            break;
        if (r->bymonth && !(r->bymonth & 1u << m))
            continue;
        walk_month(w, y, m, d0);
    }
}

static void walk_years(struct walk *w, long k0)
{
    const struct life_rrule *r = w->r;
    long d0 = gdir_days_from_civil(w->dt->year, w->dt->month, w->dt->day);
    unsigned months = r->bymonth ? r->bymonth
                                 : (r->mday_pos || r->mday_neg) ? 0x1FFEu : 1u << w->dt->month;

    for (long k = k0; !w->stop; k++) {
        long y = w->dt->year + k * r->interval;
        if (y > 9997 || gdir_days_from_civil((int)y, 1, 1) > w->last_day)
            break;
        for (int m = 1; m <= 12 && !w->stop; m++)
            if (months & 1u << m)
                walk_month(w, (int)y, m, d0);
    }
}

/* The first period worth walking when there is no COUNT: the one before the window. */
static long first_period(const struct walk *w)
{
    const struct life_rrule *r = w->r;
    long d0 = gdir_days_from_civil(w->dt->year, w->dt->month, w->dt->day);
    long from_day = (long)(w->from / 86400) - w->duration / 1440 - 2, k;

    if (r->count || from_day <= d0)
        return 0;
    switch (r->freq) {
    case F_DAILY: k = (from_day - d0) / r->interval; break;
    case F_WEEKLY: k = (from_day - (d0 - weekday(d0))) / (7L * r->interval); break;
    case F_MONTHLY: {
        int y, m, d;
        gdir_civil_from_days(from_day, &y, &m, &d);
        k = ((long)y * 12 + m - 1 - ((long)w->dt->year * 12 + w->dt->month - 1)) / r->interval;
        break;
    }
    default: {
        int y, m, d;
        gdir_civil_from_days(from_day, &y, &m, &d);
        k = (y - w->dt->year) / r->interval;
        break;
    }
    }
    return k > 0 ? k - 1 : 0;
}

int life_rrule_expand(const struct life_rrule *r, const struct life_local *dtstart,
                      int duration_min, const struct life_local *exdates, size_t n_exdates,
                      time_t from, time_t to, life_occurrence_fn fn, void *arg)
{
    struct walk w;
    long k0;

    if (!valid_local(dtstart) || duration_min < 0 || duration_min > 366 * 1440)
        return GDIR_EINVAL;
    memset(&w, 0, sizeof w);
    w.r = r;
    w.dt = dtstart;
    w.duration = duration_min;
    w.ex = exdates;
    w.n_ex = exdates ? n_exdates : 0;
    w.from = from;
    w.to = to;
    w.fn = fn;
    w.arg = arg;
    w.last_day = to / 86400 + 1;
    if (to <= from)
        return 0;
    k0 = r ? first_period(&w) : 0;
    if (k0 == 0)   /* DTSTART is the first instance, whether the rule gives it or not */
        instance(&w, dtstart->year, dtstart->month, dtstart->day);
    if (!r || w.stop)
        return w.ret;
    if (r->freq == F_DAILY || r->freq == F_WEEKLY)
        walk_days(&w, k0);
    else if (r->freq == F_MONTHLY)
        walk_months(&w, k0);
    else
        walk_years(&w, k0);
    return w.ret;
}

/* ---- local date-times ------------------------------------------------------------------ */

int life_local_parse(const char *s, const char *param, struct life_local *out, int *all_day,
                     struct gdir_err *err)
{
    size_t n = strlen(s);
    struct life_local l = {0, 0, 0, 0, 0};

    gdir_err_clear(err);
    if (!((n == 10 || (n == 16 && s[10] == 'T' && s[13] == ':')) && s[4] == '-' && s[7] == '-' &&
          number(s, 4, &l.year) && number(s + 5, 2, &l.month) && number(s + 8, 2, &l.day) &&
          (n == 10 || (number(s + 11, 2, &l.hour) && number(s + 14, 2, &l.minute)))) ||
        !valid_local(&l))
        return gdir_err_set_param(err, GDIR_EINVAL, param,
                                  "%s : une date AAAA-MM-JJ ou une heure locale "
                                  "AAAA-MM-JJTHH:MM est attendue (années 1971 à 9997).", param);
    *out = l;
    if (all_day)
        *all_day = n == 10;
    return 0;
}
