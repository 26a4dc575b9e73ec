/*
 * imp_sp_hours.h — the opening hours of service-public.fr, in both its formats (the per-office
 * XML's <PlageJ début fin><PlageH début fin>, the API Annuaire JSON's plage_ouverture
 * {nom_jour_debut, nom_jour_fin, valeur_heure_debut_N, valeur_heure_fin_N}): a week of spans
 * per day, filled range by range, written as an OSM opening_hours value. Internal to the
 * importer's service-public readers (imp_source_spxml.c, imp_source_spjson.c).
 *
 * Spans are merged per day; days with the same spans are grouped:
 * "Mo-Fr 08:30-12:00,13:15-17:00; Sa 09:00-12:00". A day range wraps ("samedi" to "lundi").
 */
#ifndef IMP_SP_HOURS_H
#define IMP_SP_HOURS_H

#include "gdir_buf.h"

#define IMP_SP_SPANS_PER_DAY 16

struct imp_sp_week {
    struct {
        int start[IMP_SP_SPANS_PER_DAY], end[IMP_SP_SPANS_PER_DAY]; /* minutes from 00:00 */
        int n;
    } day[7];                                 /* Monday .. Sunday */
};

/* "lundi" .. "dimanche" (any case) -> 0 .. 6, else -1 (NULL too). */
int imp_sp_day_index(const char *d);

/* "08:30:00" or "08:30" -> minutes from midnight (24:00 allowed), else -1 (NULL too). */
int imp_sp_minutes(const char *t);

/* Adds the span s..e (minutes) to every day from d1 to d2 (wrapping after Sunday). A day past
 * its IMP_SP_SPANS_PER_DAY spans keeps those it has. */
void imp_sp_week_add(struct imp_sp_week *w, int d1, int d2, int s, int e);

/* Writes the week as an opening_hours value into b (reset first); nothing for an empty week.
 * Returns 1 when something was written. */
int imp_sp_week_format(const struct imp_sp_week *w, struct gdir_buf *b);

#endif
