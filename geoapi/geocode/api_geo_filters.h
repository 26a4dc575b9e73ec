/*
 * api_geo_filters.h — addok's filters over the geocoder (geocode/gdir_geocoder.h), for the
 * BAN-compatible endpoints: a type filter of several types (OR, as addok's multi-value
 * filters), and the postcode / citycode filters of a reverse geocoding, which the geocoder
 * itself does not take.
 */
#ifndef API_GEO_FILTERS_H
#define API_GEO_FILTERS_H

#include <stddef.h>

#include "gdir_err.h"

struct api_geocoder;
struct gdir_geocode_query;
struct gdir_geocode_result;

/* Searches with types, a mask of enum gdir_geo_type bits (0: any type; q's own has_type and
 * type are ignored). With several types: one search per type, the results merged best score
 * first (ties: the order of the types, then the label), at most max. Errors as
 * gdir_geocoder_search (GDIR_ENOMEM). Thread-safe. */
int api_geo_search(const struct api_geocoder *ix, const struct gdir_geocode_query *q,
                   unsigned types, struct gdir_geocode_result *out, size_t max, size_t *n,
                   struct gdir_err *err);

/* Reverse geocoding with types as above, and postcode / citycode (NULL: none) kept among the
 * GDIR_GEO_RESULTS_MAX nearest results of each type (a filtered reverse whose matches are all
 * farther than that answers nothing): nearest first (ties: the order of the types, then the
 * label), at most max. Errors as gdir_geocoder_reverse (GDIR_ENOMEM). Thread-safe. */
int api_geo_reverse(const struct api_geocoder *ix, double lat, double lon, unsigned types,
                    const char *postcode, const char *citycode,
                    struct gdir_geocode_result *out, size_t max, size_t *n,
                    struct gdir_err *err);

#endif
