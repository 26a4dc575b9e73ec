/*
 * api_params.c — reading the filters of a place search (lat, lon, radius, k, bbox, q,
 * category, commune, open_now, open_at) into struct api_search_params, for /api/places,
 * /api/export and the OGC API items. See api_params.h.
 */
#include "api_params.h"
#include "api_cursor.h"

static int needs_point(struct gdir_err *err, const char *name)
{
    return gdir_err_set_param(err, GDIR_EINVAL, name, "%s: needs lat and lon", name);
}

int api_filters_read(const struct api_request *req, unsigned flags, struct api_search_params *p,
                     struct api_filter_store *st, const struct gdir_category **cats,
                     size_t *n_cats, struct gdir_err *err)
{
    const char *q;
    int rc, has, open_now, has_open_at = 0;
    time_t open_at = 0;

    if (api_param(req, "lat") || api_param(req, "lon")) {
        if ((rc = api_param_lat(req, &p->lat, err)) || (rc = api_param_lon(req, &p->lon, err)))
            return rc;
        p->has_point = 1;
    }
    if (api_param(req, "radius")) {
        if (!p->has_point)
            return needs_point(err, "radius");
        if ((rc = api_param_radius(req, &p->radius, err)))
            return rc;
        p->has_radius = 1;
    }
    if ((rc = api_param_k(req, &p->k, err)))
        return rc;
    if (p->k && !p->has_point)
        return needs_point(err, "k");
    if ((flags & API_FILTER_BBOX) &&
        (rc = api_param_bbox(req, &p->has_bbox, &p->bbox, err)))
        return rc;
    if ((rc = api_param_q(req, &q, err)))
        return rc;
    if (q) {
        if ((rc = api_text_query_parse(q, "q", &st->text, err)))
            return rc;
        p->text = &st->text;
        p->synonyms = 1;   /* q names categories too (api_synonyms.h) */
    }
    if ((rc = api_param_categories(req, cats, API_MAX_CATEGORIES, n_cats, err)))
        return rc;
    if ((rc = api_param_communes(req, st->communes, API_MAX_COMMUNES, &p->n_communes, err)))
        return rc;
    for (size_t i = 0; i < p->n_communes; i++)
        p->communes[i] = st->communes[i];
    if ((rc = api_param_bool(req, "open_now", &has, &open_now, err)))
        return rc;
    if ((flags & API_FILTER_OPEN_AT) &&
        (rc = api_param_time(req, "open_at", &has_open_at, &open_at, err)))
        return rc;
    if (has && has_open_at)
        return gdir_err_set_param(err, GDIR_EINVAL, "open_at",
                                  "open_at: give either open_now or open_at, not both");
    p->open_filter = open_now || has_open_at;
    p->when = has_open_at ? open_at : req->now;
    return GDIR_OK;
}

int api_sort_settle(struct api_search_params *p, int sort, int has_q, const char *sort_param,
                    struct gdir_err *err)
{
    if (sort < 0)
        p->sort = has_q ? API_SORT_RELEVANCE : p->has_point ? API_SORT_DISTANCE : API_SORT_NAME;
    else
        p->sort = (enum api_sort)sort;
    if (p->sort == API_SORT_DISTANCE && !p->has_point)
        return gdir_err_set_param(err, GDIR_EINVAL, sort_param, "%s: distance needs lat and lon",
                                  sort_param);
    if (p->sort == API_SORT_RELEVANCE && !has_q)
        return gdir_err_set_param(err, GDIR_EINVAL, sort_param, "%s: relevance needs q",
                                  sort_param);
    return GDIR_OK;
}

void api_point_radius(const struct api_request *req, struct api_search_params *p, int has_q)
{
    if (p->has_point && !p->has_radius && !p->k && !p->has_bbox && !has_q) {
        p->has_radius = 1;
        p->radius = (double)req->cfg->default_radius;
    }
}

int api_page_read(const struct api_request *req, struct api_search_params *p, int has_q,
                  char *buf, size_t cap, struct gdir_err *err)
{
    const char *cursor = api_param(req, "cursor");
    int rc;

    if (cursor &&
        (rc = api_cursor_decode(cursor, p->sort, buf, cap, &p->cursor_dir, &p->cursor, err)))
        return rc;
    api_point_radius(req, p, has_q);
    return GDIR_OK;
}
