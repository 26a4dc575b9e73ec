/*
 * imp_sp_hours.c — service-public.fr opening hours as a week of spans, written as an OSM
 * opening_hours value (imp_sp_hours.h). Shared by the XML and the JSON readers.
 *
 * What it does not do: read either format (the readers do), or check the value against the
 * opening_hours engine (the import's validation does, hours/).
 */
#include "imp_sp_hours.h"

#include <string.h>
#include <strings.h>

int imp_sp_day_index(const char *d)
{
    static const char *const days[] = {"lundi", "mardi", "mercredi", "jeudi",
                                       "vendredi", "samedi", "dimanche"};
    for (int i = 0; d && i < 7; i++)
        if (strcasecmp(d, days[i]) == 0)
            return i;
    return -1;
}

int imp_sp_minutes(const char *t)
{
    int h, m;
    if (!t || strlen(t) < 5 || t[2] != ':')
        return -1;
    if (t[0] < '0' || t[0] > '9' || t[1] < '0' || t[1] > '9' || t[3] < '0' || t[3] > '9' ||
        t[4] < '0' || t[4] > '9')
        return -1;
    h = (t[0] - '0') * 10 + (t[1] - '0');
    m = (t[3] - '0') * 10 + (t[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m))
        return -1;
    return h * 60 + m;
}

/* Inserts s..e into one day in start order, then merges overlapping or touching spans (those
 * that do not cross midnight). */
static void day_add(int *start, int *end, int *n, int s, int e)
{
    int i, j;
    if (*n == IMP_SP_SPANS_PER_DAY)
        return;
    for (i = 0; i < *n && start[i] < s; i++)
        ;
    for (j = *n; j > i; j--) {
        start[j] = start[j - 1];
        end[j] = end[j - 1];
    }
    start[i] = s;
    end[i] = e;
    (*n)++;
    for (i = 0; i + 1 < *n;) {
        if (end[i] > start[i] && start[i + 1] <= end[i]) {
            if (end[i + 1] > end[i])
                end[i] = end[i + 1];
            for (j = i + 1; j + 1 < *n; j++) {
                start[j] = start[j + 1];
                end[j] = end[j + 1];
            }
            (*n)--;
        } else {
            i++;
        }
    }
}

void imp_sp_week_add(struct imp_sp_week *w, int d1, int d2, int s, int e)
{
    if (d1 < 0 || d1 > 6 || d2 < 0 || d2 > 6 || s < 0 || e < 0 || s == e)
        return;
    for (int d = d1;; d = (d + 1) % 7) {   /* "samedi" to "lundi" wraps */
        day_add(w->day[d].start, w->day[d].end, &w->day[d].n, s, e);
        if (d == d2)
            break;
    }
}

static int same_spans(const struct imp_sp_week *w, int a, int b)
{
    if (w->day[a].n != w->day[b].n)
        return 0;
    for (int i = 0; i < w->day[a].n; i++)
        if (w->day[a].start[i] != w->day[b].start[i] || w->day[a].end[i] != w->day[b].end[i])
            return 0;
    return 1;
}

int imp_sp_week_format(const struct imp_sp_week *w, struct gdir_buf *b)
{
    static const char *const osm_days[] = {"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"};
    int done[7] = {0};

    gdir_buf_reset(b);
    for (int d = 0; d < 7; d++) {
        if (done[d] || w->day[d].n == 0)
            continue;
        if (b->len)
            gdir_buf_adds(b, "; ");
        /* every day with the same spans, as runs: Mo-We,Fr */
        int first = 1;
        for (int e = d; e < 7;) {
            if (done[e] || w->day[e].n == 0 || !same_spans(w, d, e)) {
                e++;
                continue;
            }
            int end = e;
            while (end + 1 < 7 && !done[end + 1] && w->day[end + 1].n &&
                   same_spans(w, d, end + 1))
                end++;
            gdir_buf_printf(b, "%s%s", first ? "" : ",", osm_days[e]);
            if (end > e)
                gdir_buf_printf(b, "%s%s", end == e + 1 ? "," : "-", osm_days[end]);
            for (int k = e; k <= end; k++)
                done[k] = 1;
            first = 0;
            e = end + 1;
        }
        for (int i = 0; i < w->day[d].n; i++)
            gdir_buf_printf(b, "%s%02d:%02d-%02d:%02d", i ? "," : " ",
                            w->day[d].start[i] / 60, w->day[d].start[i] % 60,
                            w->day[d].end[i] / 60, w->day[d].end[i] % 60);
    }
    return b->len > 0;
}
