/*
 * life_rrule_dump.c — prints the expansion of each case of a rule table (rrule_cases.txt) by
 * life_rrule_expand, for test_rrule_dateutil.py to compare with Python's dateutil.
 *
 * usage: life_rrule_dump CASES
 * A case line is "DTSTART | DURATION_MIN | RRULE or empty | EXDATES, comma-separated or empty |
 * FROM | TO" (DTSTART and EXDATES local, as life_local_parse reads them; FROM and TO UTC, as
 * gdir_paris_parse reads them); '#' starts a comment line. Output: one line per case,
 * "LINE: START-END START-END ..." (UTC seconds), or "LINE: error MESSAGE".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdir_hours.h"
#include "life_rrule.h"

static int print_occ(const struct life_occurrence *o, void *arg)
{
    (void)arg;
    printf(" %lld-%lld", (long long)o->start, (long long)o->end);
    return 0;
}

/* Splits line at '|' into at most n trimmed fields; returns their count. */
static int fields(char *line, char **f, int n)
{
    int k = 0;
    for (char *p = line; p && k < n; k++) {
        char *bar = strchr(p, '|'), *e;
        if (bar)
            *bar = '\0';
        while (*p == ' ')
            p++;
        e = p + strlen(p);
        while (e > p && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\r'))
            *--e = '\0';
        f[k] = p;
        p = bar ? bar + 1 : NULL;
    }
    return k;
}

static void one_case(int lineno, char *line)
{
    char *f[6], *save = NULL;
    struct life_local dt, ex[64];
    struct life_rrule *r = NULL;
    struct gdir_err err;
    size_t nex = 0;
    time_t from, to;
    int all_day, rc;

    printf("%d:", lineno);
    if (fields(line, f, 6) != 6 || life_local_parse(f[0], "dtstart", &dt, &all_day, &err) ||
        gdir_paris_parse(f[4], &from) || gdir_paris_parse(f[5], &to)) {
        printf(" error bad case line\n");
        return;
    }
    for (char *t = strtok_r(f[3], ",", &save); t && nex < 64; t = strtok_r(NULL, ",", &save))
        if (life_local_parse(t, "exdate", &ex[nex], &all_day, &err) == 0)
            nex++;
    if (f[2][0] && life_rrule_parse(f[2], &r, &err)) {
        printf(" error %s\n", err.msg);
        return;
    }
    rc = life_rrule_expand(r, &dt, (int)strtol(f[1], NULL, 10), ex, nex, from, to, print_occ,
                           NULL);
    if (rc)
        printf(" error %d", rc);
    printf("\n");
    life_rrule_free(r);
}

int main(int argc, char **argv)
{
    char line[1024];
    int lineno = 0;
    FILE *in;

    if (argc != 2 || !(in = fopen(argv[1], "r"))) {
        fprintf(stderr, "usage: life_rrule_dump CASES\n");
        return 2;
    }
    while (fgets(line, sizeof line, in)) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        one_case(lineno, line);
    }
    fclose(in);
    return 0;
}
