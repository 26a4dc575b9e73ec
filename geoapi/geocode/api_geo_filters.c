/*
 * api_geo_filters.c — addok's multi-value type filter and the reverse geocoding's postcode and
 * citycode filters, over the geocoder. See api_geo_filters.h.
 *
 * Each type is asked on its own (the geocoder ranks within one type as it does without a
 * filter), then the answers are merged: no result is lost to another type's, and the order is
 * the one a single search over those types would give, as score and distance are comparable
 * across types.
 */
#include "api_geo_filters.h"
#include "api_geocoder.h"
#include "gdir_geocoder.h"

#include <stdlib.h>
#include <string.h>

#define N_TYPES 4

static int cmp_ties(const struct gdir_geocode_result *x, const struct gdir_geocode_result *y)
{
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return strcmp(x->label, y->label);
}

static int by_score(const void *a, const void *b)
{
    const struct gdir_geocode_result *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return cmp_ties(x, y);
}

static int by_distance(const void *a, const void *b)
{
    const struct gdir_geocode_result *x = a, *y = b;
    if (x->distance_m != y->distance_m)
        return x->distance_m < y->distance_m ? -1 : 1;
    return cmp_ties(x, y);
}

/* The single type of mask, or -1 when it has several (0: none, -2). */
static int single_type(unsigned types)
{
    if (types == 0)
        return -2;
    if (types & (types - 1))
        return -1;
    for (int t = 0; t < N_TYPES; t++)
        if (types == 1u << t)
            return t;
    return -1;
}

int api_geo_search(const struct api_geocoder *ix, const struct gdir_geocode_query *q0,
                   unsigned types, struct gdir_geocode_result *out, size_t max, size_t *n,
                   struct gdir_err *err)
{
    struct gdir_geocode_query q = *q0;
    struct gdir_geocode_result *all;
    size_t total = 0;
    int one = single_type(types), rc = GDIR_OK;

    *n = 0;
    if (one != -1) {
        q.has_type = one >= 0;
        q.type = one >= 0 ? (enum gdir_geo_type)one : GDIR_GEO_HOUSENUMBER;
        return gdir_geocoder_search(ix->g, &q, out, max, n, err);
    }
    all = malloc(N_TYPES * (max ? max : 1) * sizeof *all);
    if (!all)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    for (int t = 0; t < N_TYPES && !rc; t++) {
        size_t got = 0;
        if (!(types & (1u << t)))
            continue;
        q.has_type = 1;
        q.type = (enum gdir_geo_type)t;
        rc = gdir_geocoder_search(ix->g, &q, all + total, max, &got, err);
        total += got;
    }
    if (!rc) {
        qsort(all, total, sizeof *all, by_score);
        *n = total < max ? total : max;
        memcpy(out, all, *n * sizeof *all);
    }
    free(all);
    return rc;
}

static int keep(const struct gdir_geocode_result *r, const char *postcode, const char *citycode)
{
    return (!postcode || strcmp(r->postcode, postcode) == 0) &&
           (!citycode || strcmp(r->citycode, citycode) == 0);
}

int api_geo_reverse(const struct api_geocoder *ix, double lat, double lon, unsigned types,
                    const char *postcode, const char *citycode,
                    struct gdir_geocode_result *out, size_t max, size_t *n,
                    struct gdir_err *err)
{
    int one = single_type(types), rc = GDIR_OK;
    size_t ask = postcode || citycode ? GDIR_GEO_RESULTS_MAX : max, total = 0;
    struct gdir_geocode_result *all;

    *n = 0;
    if (one != -1 && !postcode && !citycode)
        return gdir_geocoder_reverse(ix->g, lat, lon, one >= 0,
                                     one >= 0 ? (enum gdir_geo_type)one : GDIR_GEO_HOUSENUMBER,
                                     out, max, n, err);
    all = malloc(N_TYPES * (ask ? ask : 1) * sizeof *all);
    if (!all)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    for (int t = one == -2 ? -1 : 0; t < N_TYPES && !rc; t++) {
        size_t got = 0, base = total;
        if (t >= 0 && !(types & (1u << t)))
            continue;
        rc = gdir_geocoder_reverse(ix->g, lat, lon, t >= 0,
                                   t >= 0 ? (enum gdir_geo_type)t : GDIR_GEO_HOUSENUMBER,
                                   all + base, ask, &got, err);
        for (size_t i = 0; i < got; i++)          /* the filters: keep matches only */
            if (keep(&all[base + i], postcode, citycode)) {
                if (total != base + i)
                    all[total] = all[base + i];
                total++;
            }
        if (t < 0)
            break;                                /* no type filter: one call */
    }
    if (!rc) {
        qsort(all, total, sizeof *all, by_distance);
        *n = total < max ? total : max;
        memcpy(out, all, *n * sizeof *all);
    }
    free(all);
    return rc;
}
