/*
 * fuzz_life_rrule.c — libFuzzer target: the RRULE subset of the agenda (life_rrule.c).
 *
 * Feeds the input (as a C string) to life_rrule_parse() and life_local_parse(). Asserts beyond
 * "no crash": a refusal follows the gdir contract, is GDIR_EINVAL naming "rrule" and says at
 * which byte; an accepted rule formats (life_rrule_format) to a text that parses again and
 * formats to itself, has a French description (valid UTF-8, upper-case first letter); its
 * expansion from two DTSTARTs (a Saturday 08:00, and 02:30 on the spring change day) over
 * two years gives at most LIFE_RRULE_OCCURRENCES occurrences, in increasing order, each in
 * the window, with end - start = the duration's wall-clock length give or take the DST hour,
 * and the re-parsed rule gives the same ones.
 */
#include "fuzz_util.h"

#include <stdlib.h>
#include <string.h>

#include "gdir_hours.h"
#include "gdir_text.h"
#include "life_rrule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct acc {
    int n;
    time_t last, from, to;
    int duration;
    unsigned long long sum;
};

static int occ(const struct life_occurrence *o, void *arg)
{
    struct acc *a = arg;
    FUZZ_CHECK(a->n == 0 || o->start > a->last);
    FUZZ_CHECK(o->start < a->to);
    FUZZ_CHECK(o->end > a->from || (o->end == o->start && o->start >= a->from));
    FUZZ_CHECK(o->end >= o->start);
    FUZZ_CHECK(llabs((long long)(o->end - o->start) - a->duration * 60LL) <= 3600);
    FUZZ_CHECK(o->local.month >= 1 && o->local.month <= 12 && o->local.day >= 1 &&
               o->local.day <= 31);
    a->last = o->start;
    a->sum = a->sum * 31 + (unsigned long long)o->start;
    a->n++;
    return 0;
}

static void expand(const struct life_rrule *r, const struct life_local *dt, int dur,
                   struct acc *a)
{
    memset(a, 0, sizeof *a);
    FUZZ_CHECK(gdir_paris_parse("2026-01-01T00:00:00Z", &a->from) == 0);
    FUZZ_CHECK(gdir_paris_parse("2028-01-01T00:00:00Z", &a->to) == 0);
    a->duration = dur;
    FUZZ_CHECK(life_rrule_expand(r, dt, dur, dt, 1, a->from, a->to, occ, a) == 0);
    FUZZ_CHECK(a->n <= LIFE_RRULE_OCCURRENCES);
}

static void check_rule(const struct life_rrule *r)
{
    static const struct life_local starts[] = {{2026, 1, 3, 8, 0}, {2026, 3, 29, 2, 30}};
    char buf[LIFE_RRULE_MAX + 64], buf2[LIFE_RRULE_MAX + 64], text[1024];
    struct life_rrule *r2 = NULL;
    struct gdir_err err;

    FUZZ_CHECK(life_rrule_format(r, buf, sizeof buf) == 0);
    FUZZ_CHECK(life_rrule_parse(buf, &r2, &err) == 0);
    FUZZ_CHECK(life_rrule_format(r2, buf2, sizeof buf2) == 0);
    FUZZ_CHECK(strcmp(buf, buf2) == 0);
    FUZZ_CHECK(life_rrule_describe(r, text, sizeof text) == 0);
    FUZZ_CHECK(gdir_utf8_valid(text, strlen(text)));
    FUZZ_CHECK(text[0] >= 'A' && text[0] <= 'Z');
    for (size_t i = 0; i < 2; i++) {
        struct acc a, b;
        expand(r, &starts[i], i ? 120 : 1440, &a);
        expand(r2, &starts[i], i ? 120 : 1440, &b);
        FUZZ_CHECK(a.n == b.n && a.sum == b.sum);
    }
    life_rrule_free(r2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_str(data, size);
    struct life_rrule *r = (struct life_rrule *)&r;   /* not NULL: must be reset on error */
    struct life_local l;
    struct gdir_err err;
    int rc, all_day;

    rc = life_rrule_parse(s, &r, &err);
    fuzz_check_err(rc, &err);
    if (rc) {
        FUZZ_CHECK(rc == GDIR_EINVAL && r == NULL);
        FUZZ_CHECK(strcmp(err.param, "rrule") == 0 && strstr(err.msg, "(octet "));
    } else {
        check_rule(r);
        life_rrule_free(r);
    }
    rc = life_local_parse(s, "start", &l, &all_day, &err);
    fuzz_check_err(rc, &err);
    if (rc == 0)
        FUZZ_CHECK(l.year >= 1971 && l.year <= 9997 && (all_day == 0 || all_day == 1));
    free(s);
    return 0;
}
