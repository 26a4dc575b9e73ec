/*
 * forms_date.c — the dates of the forms engine: "YYYY-MM-DD" values, and the bounds of date
 * fields, absolute ("2015-01-01") or relative to today ("today-3y", "today+6m", "today-10d").
 */
#include "forms_internal.h"
#include "gdir_date.h"

#include <string.h>

static int days_in_month(int y, int m)
{
    static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

int forms_date_parse(const char *s, int *y, int *m, int *d)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    if (!digits(s, 4, y) || !digits(s + 5, 2, m) || !digits(s + 8, 2, d))
        return 0;
    if (*y < 1900 || *y > 2999 || *m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
        return 0;
    return 1;
}

int forms_bound_parse(const char *s, struct forms_bound *b)
{
    memset(b, 0, sizeof *b);
    if (strncmp(s, "today", 5) != 0) {
        b->set = forms_date_parse(s, &b->y, &b->m, &b->d);
        return b->set;
    }
    b->relative = 1;
    b->unit = 'd';
    s += 5;
    if (*s) {
        int sign = *s == '-' ? -1 : *s == '+' ? 1 : 0;
        size_t len = strlen(s + 1);
        int n;
        if (!sign || len < 2 || len > 4 || !digits(s + 1, (int)len - 1, &n) || n < 1 || n > 200)
            return 0;
        b->unit = s[len];
        if (b->unit != 'y' && b->unit != 'm' && b->unit != 'd')
            return 0;
        b->n = (long)sign * n;
    }
    b->set = 1;
    return 1;
}

long forms_days(int y, int m, int d)
{
    return gdir_days_from_civil(y, m, d);
}

void forms_bound_resolve(const struct forms_bound *b, int ty, int tm, int td, int *y, int *m,
                         int *d)
{
    if (!b->relative) {
        *y = b->y;
        *m = b->m;
        *d = b->d;
        return;
    }
    if (b->unit == 'd') {
        gdir_civil_from_days(forms_days(ty, tm, td) + b->n, y, m, d);
        return;
    }
    long months = (long)ty * 12 + (tm - 1) + (b->unit == 'y' ? b->n * 12 : b->n);
    *y = (int)(months / 12);
    *m = (int)(months % 12) + 1;
    int dim = days_in_month(*y, *m);
    *d = td > dim ? dim : td;
}
