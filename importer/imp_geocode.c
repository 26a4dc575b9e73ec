/*
 * imp_geocode.c — geocoding of place records without a usable point (see imp_geocode.h):
 * builds the query from the record, asks gdir_geocoder, and decides whether the best result
 * is usable.
 */
#include "imp_geocode.h"
#include "gdir_geocoder.h"

#include <stdio.h>
#include <string.h>

#define RESULTS_MAX 3
#define LINES_MAX 4

void imp_geocode_init(struct imp_geocode *gc, sqlite3 *db)
{
    memset(gc, 0, sizeof *gc);
    gc->db = db;
    gdir_buf_init(&gc->text, 4096);
}

void imp_geocode_free(struct imp_geocode *gc)
{
    if (!gc)
        return;
    gdir_geocoder_free(gc->g);
    gdir_buf_free(&gc->text);
    memset(gc, 0, sizeof *gc);
}

static enum imp_geo_precision precision_of(enum gdir_geo_type t)
{
    switch (t) {
    case GDIR_GEO_HOUSENUMBER:
        return IMP_GEO_HOUSENUMBER;
    case GDIR_GEO_STREET:
    case GDIR_GEO_LOCALITY:
        return IMP_GEO_STREET;
    case GDIR_GEO_MUNICIPALITY:
        break;
    }
    return IMP_GEO_MUNICIPALITY;
}

/* Is res good enough for record r? */
static int usable(const struct imp_record *r, const struct gdir_geocode_result *res)
{
    if (res->type == GDIR_GEO_MUNICIPALITY)
        return r->text[IMP_T_INSEE] || r->text[IMP_T_POSTCODE] || r->text[IMP_T_CITY];
    return res->score >= IMP_GEOCODE_MIN_SCORE;
}

/* Better: more precise, then higher score. */
static int better(const struct gdir_geocode_result *a, const struct gdir_geocode_result *b)
{
    enum imp_geo_precision pa = precision_of(a->type), pb = precision_of(b->type);
    if (pa != pb)
        return pa < pb;
    return a->score > b->score;
}

/* Runs one query; keeps the best usable result in *best. Returns 0 or a negative code;
 * "nothing to search" is not an error here. */
static int ask(struct imp_geocode *gc, const struct imp_record *r,
               const struct gdir_geocode_query *q, struct gdir_geocode_result *best,
               int *found)
{
    struct gdir_geocode_result res[RESULTS_MAX];
    struct gdir_err e;
    size_t n = 0;
    gdir_err_clear(&e);
    if (gdir_geocoder_search(gc->g, q, res, RESULTS_MAX, &n, &e))
        return 0;   /* an unusable query (nothing to search): no result */
    gc->queries++;
    for (size_t i = 0; i < n; i++)
        if (usable(r, &res[i]) && (!*found || better(&res[i], best))) {
            *best = res[i];
            *found = 1;
        }
    return 0;
}

int imp_geocode_record(struct imp_geocode *gc, const struct imp_record *r,
                       struct imp_geocode_hit *hit, struct gdir_err *err)
{
    struct gdir_geocode_query q;
    struct gdir_geocode_result best;
    const char *address = r->text[IMP_T_ADDRESS];
    int found = 0, rc;

    if (!gc->g && (rc = gdir_geocoder_open(&gc->g, gc->db, err)))
        return rc;
    memset(&q, 0, sizeof q);
    memset(&best, 0, sizeof best);
    /* The INSEE code says everything the postcode would (and a communes table without
     * postcodes would make the postcode filter refuse every commune). */
    q.insee = r->text[IMP_T_INSEE];
    q.postcode = q.insee ? NULL : r->text[IMP_T_POSTCODE];
    q.city = q.insee ? NULL : r->text[IMP_T_CITY];
    if (r->text[IMP_T_STREET]) {
        q.housenumber = r->text[IMP_T_HOUSENUMBER];
        q.street = r->text[IMP_T_STREET];
    } else if (address) {
        /* The address lines as one line of text. */
        gdir_buf_reset(&gc->text);
        for (const char *s = address; *s; s++)
            gdir_buf_addc(&gc->text, *s == '\n' ? ' ' : *s);
        q.text = gdir_buf_str(&gc->text);
    }
    if ((rc = ask(gc, r, &q, &best, &found)))
        return rc;
    /* Several lines and no house number found: each line alone (a building name on the
     * first line may hide the number on the second). */
    if (!r->text[IMP_T_STREET] && address && strchr(address, '\n') &&
        (!found || best.type != GDIR_GEO_HOUSENUMBER)) {
        const char *s = address;
        for (int k = 0; k < LINES_MAX && *s; k++) {
            size_t len = strcspn(s, "\n");
            gdir_buf_reset(&gc->text);
            gdir_buf_add(&gc->text, s, len);
            q.text = gdir_buf_str(&gc->text);
            if ((rc = ask(gc, r, &q, &best, &found)))
                return rc;
            s += len;
            s += *s == '\n';
        }
    }
    /* Still no house number: the text from each later word that starts with a digit (a
     * building or service name before the number). */
    if (!r->text[IMP_T_STREET] && address && (!found || best.type != GDIR_GEO_HOUSENUMBER)) {
        int tries = 0;
        for (const char *s = address + 1; *s && tries < LINES_MAX; s++) {
            if (!(s[-1] == ' ' || s[-1] == '\n') || *s < '0' || *s > '9')
                continue;
            gdir_buf_reset(&gc->text);
            for (const char *c = s; *c; c++)
                gdir_buf_addc(&gc->text, *c == '\n' ? ' ' : *c);
            q.text = gdir_buf_str(&gc->text);
            tries++;
            if ((rc = ask(gc, r, &q, &best, &found)))
                return rc;
        }
    }
    /* Nothing matched the words: the commune the record names, if any. */
    if (!found && (q.insee || q.postcode || q.city)) {
        q.text = q.housenumber = q.street = NULL;
        q.has_type = 1;
        q.type = GDIR_GEO_MUNICIPALITY;
        if ((rc = ask(gc, r, &q, &best, &found)))
            return rc;
    }
    if (!found)
        return 0;
    hit->lon = best.lon;
    hit->lat = best.lat;
    hit->score = best.score;
    hit->precision = precision_of(best.type);
    snprintf(hit->citycode, sizeof hit->citycode, "%s", best.citycode);
    return 1;
}
