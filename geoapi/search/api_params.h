/*
 * api_params.h — the filters of a place search read from a request, shared by GET /api/places
 * (h_places.c), GET /api/export (h_export.c) and the OGC API items of the places collections
 * (h_ogc_items.c): one reading, one order, the same errors for every handler.
 */
#ifndef API_PARAMS_H
#define API_PARAMS_H

#include <stddef.h>

#include "api_request.h"
#include "api_search.h"
#include "api_text.h"
#include "gdir_err.h"
#include "gdir_taxonomy.h"

/* What a handler reads beyond lat, lon, radius, k, q, category, commune and open_now. */
enum {
    API_FILTER_BBOX = 1,      /* bbox= (WGS84; the OGC API reads its own bbox) */
    API_FILTER_OPEN_AT = 2    /* open_at= (exclusive with open_now) */
};

/* The storage the parameters of a search borrow (p->text and p->communes point into it). */
struct api_filter_store {
    struct api_text_query text;
    char communes[API_MAX_COMMUNES][8];
};

/*
 * Reads, in this order: lat and lon (both or neither), radius and k (each needs lat and lon),
 * bbox (with API_FILTER_BBOX), q (parsed into st->text, p->text pointing to it), category
 * (into cats, at most API_MAX_CATEGORIES, *n_cats of them: p->categories itself or the
 * handler's own list), commune (into st, p->communes pointing to it), open_now and, with
 * API_FILTER_OPEN_AT, open_at: p->open_filter and p->when (req->now without open_at).
 * p and st are zeroed by the caller. Returns 0 or GDIR_EINVAL with err naming the parameter.
 */
int api_filters_read(const struct api_request *req, unsigned flags, struct api_search_params *p,
                     struct api_filter_store *st, const struct gdir_category **cats,
                     size_t *n_cats, struct gdir_err *err);

/* Sets p->sort to the order asked, sort (an enum api_sort, or -1 when none was asked: then
 * relevance with q, else distance with a point, else name), and refuses distance without a
 * point and relevance without q: GDIR_EINVAL with err naming sort_param ("sort", "sortby"). */
int api_sort_settle(struct api_search_params *p, int sort, int has_q, const char *sort_param,
                    struct gdir_err *err);

/* A point alone (no radius, k, bbox nor q) is a proximity search: gives it the default
 * radius. */
void api_point_radius(const struct api_request *req, struct api_search_params *p, int has_q);

/* After api_sort_settle: decodes cursor= for p->sort (the key's strings in buf, cap >=
 * API_CURSOR_MAX + 1 bytes), then api_point_radius. Returns 0 or GDIR_EINVAL with err naming
 * "cursor". */
int api_page_read(const struct api_request *req, struct api_search_params *p, int has_q,
                  char *buf, size_t cap, struct gdir_err *err);

#endif
