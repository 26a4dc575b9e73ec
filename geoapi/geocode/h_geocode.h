/*
 * h_geocode.h — what the BAN-compatible handlers share (h_geocode.c, h_geocode_csv.c); private
 * to geoapi/geocode/.
 */
#ifndef H_GEOCODE_H
#define H_GEOCODE_H

#include "api_router.h"

struct api_geocoder;

/* The calling thread's connection and the shared geocoder index: *ix a reference to give
 * back with api_geocoder_release(). Returns 0 or a negative code with err filled. */
int h_geocode_index(const struct api_ctx *ctx, struct api_geocoder **ix, struct gdir_err *err);

#endif
