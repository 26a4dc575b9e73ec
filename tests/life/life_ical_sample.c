/*
 * life_ical_sample.c — writes, with common/gdir_ical.c, the sample calendar that
 * test_ical_icalendar.py reads back with Python's icalendar: a timed event with GEO and text
 * that needs escaping and folding, an all-day event, a weekly event with EXDATE, an all-day
 * collection day with its alarm the evening before, a cancelled event. The values here are
 * the ones the Python test expects; keep both in step.
 *
 * usage: life_ical_sample > sample.ics
 */
#include <stdio.h>

#include "gdir_ical.h"

int main(void)
{
    static const struct gdir_ical_time ex_market[] = {{2026, 12, 26, 8, 0}, {2027, 1, 2, 8, 0}};
    static const struct gdir_ical_time ex_waste[] = {{2027, 1, 7, 0, 0}};
    const struct gdir_ical_cal cal = {"Agenda — Vaubecourt (exemple)",
                                      "Les événements de la commune ; exemple", 6};
    const struct gdir_ical_event events[] = {
        {.uid = "event-1@exemple.fr", .stamp = 1796774400, .start = {2026, 12, 12, 8, 0},
         .end = {2026, 12, 12, 12, 0}, .summary = "Marché; fruits, légumes \\ et\nfleurs",
         .description = "Producteurs locaux : fromages, miel, pain d'épices et légumes de "
                        "saison.\nÀ l'abri sous la halle en cas de pluie ; « venez tôt » !",
         .location = "Place de la mairie, 55250 Vaubecourt", .has_geo = 1, .lat = 48.932514,
         .lon = 5.113022, .url = "https://www.exemple.fr/agenda?id=1&vue=mois",
         .categories = "Marché, brocante", .status = "CONFIRMED"},
        {.uid = "event-2@exemple.fr", .stamp = 1796774400, .start = {2026, 7, 14, 0, 0},
         .end = {2026, 7, 15, 0, 0}, .all_day = 1, .summary = "Fête nationale"},
        {.uid = "event-3@exemple.fr", .stamp = 1796774400, .start = {2026, 12, 5, 8, 0},
         .end = {2026, 12, 5, 12, 30}, .rrule = "FREQ=WEEKLY;BYDAY=SA", .exdates = ex_market,
         .n_exdates = 2, .summary = "Marché hebdomadaire", .alarm_minutes = 90},
        {.uid = "waste-om-20261231@exemple.fr", .stamp = 1796774400,
         .start = {2026, 12, 31, 0, 0}, .all_day = 1, .rrule = "FREQ=WEEKLY;COUNT=3",
         .exdates = ex_waste, .n_exdates = 1, .summary = "Ordures ménagères",
         .alarm_minutes = 240, .alarm_text = "Sortir le bac ce soir"},
        {.uid = "event-5@exemple.fr", .stamp = 1796774400, .start = {2027, 3, 28, 2, 30},
         .end = {2027, 3, 28, 4, 0}, .summary = "Veillée", .status = "CANCELLED"},
    };
    struct gdir_buf b;
    int rc;

    gdir_buf_init(&b, 0);
    gdir_ical_begin(&b, &cal);
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++)
        gdir_ical_event(&b, &events[i]);
    rc = gdir_ical_end(&b);
    if (rc) {
        fprintf(stderr, "life_ical_sample: %d\n", rc);
        return 1;
    }
    fwrite(b.data, 1, b.len, stdout);
    gdir_buf_free(&b);
    return 0;
}
