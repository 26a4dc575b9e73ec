/*
 * gdir_parse.c — strict, locale-free number parsing. Hand-written on purpose: strtod honours
 * LC_NUMERIC and accepts "inf", "nan", hex floats and leading spaces, none of which are
 * acceptable in a query string or an official data file.
 */
#include "gdir_parse.h"
#include "gdir_err.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NUMBER_LEN 64

int gdir_parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s)
        return GDIR_EINVAL;
    const char *p = s;
    if (*p == '-' || *p == '+')
        p++;
    if (!*p)
        return GDIR_EINVAL;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return GDIR_EINVAL;
    if (strlen(s) > 20)
        return GDIR_EINVAL;
    errno = 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (errno || !end || *end || v < min || v > max)
        return GDIR_EINVAL;
    *out = v;
    return GDIR_OK;
}

int gdir_parse_double(const char *s, double min, double max, int accept_comma, double *out)
{
    char tmp[MAX_NUMBER_LEN];
    size_t n, i = 0;
    int digits = 0, seen_point = 0;

    if (!s || !*s)
        return GDIR_EINVAL;
    n = strlen(s);
    if (n >= sizeof tmp)
        return GDIR_EINVAL;
    memcpy(tmp, s, n + 1);

    /* Grammar: [+-] digits [ (.|,) digits ] [ (e|E) [+-] digits ], at least one mantissa digit. */
    if (tmp[i] == '+' || tmp[i] == '-')
        i++;
    for (; tmp[i] >= '0' && tmp[i] <= '9'; i++)
        digits++;
    if (tmp[i] == '.' || (accept_comma && tmp[i] == ',')) {
        tmp[i] = '.';
        seen_point = 1;
        for (i++; tmp[i] >= '0' && tmp[i] <= '9'; i++)
            digits++;
    }
    (void)seen_point;
    if (!digits)
        return GDIR_EINVAL;
    if (tmp[i] == 'e' || tmp[i] == 'E') {
        int exp_digits = 0;
        i++;
        if (tmp[i] == '+' || tmp[i] == '-')
            i++;
        for (; tmp[i] >= '0' && tmp[i] <= '9'; i++)
            exp_digits++;
        if (!exp_digits)
            return GDIR_EINVAL;
    }
    if (tmp[i] != '\0')
        return GDIR_EINVAL;

    /* The C locale is never changed by geodir (see README), so strtod reads '.' here. */
    errno = 0;
    char *end = NULL;
    double v = strtod(tmp, &end);
    if (!end || *end || errno == ERANGE || !isfinite(v) || v < min || v > max)
        return GDIR_EINVAL;
    *out = v;
    return GDIR_OK;
}

static int ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        if (x != *b)
            return 0;
    }
    return *a == *b;
}

int gdir_parse_bool(const char *s, int *out)
{
    if (!s)
        return GDIR_EINVAL;
    if (ascii_ieq(s, "1") || ascii_ieq(s, "true") || ascii_ieq(s, "yes")) {
        *out = 1;
        return GDIR_OK;
    }
    if (ascii_ieq(s, "0") || ascii_ieq(s, "false") || ascii_ieq(s, "no")) {
        *out = 0;
        return GDIR_OK;
    }
    return GDIR_EINVAL;
}

int gdir_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
