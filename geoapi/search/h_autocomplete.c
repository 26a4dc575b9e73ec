/*
 * h_autocomplete.c — GET /api/autocomplete?q=&lat=&lon=&limit=: the search box's suggestions
 * in one short call, typed: categories (labels matched word by word, folded, last word as a
 * prefix, one typo allowed in long words; or a synonym of common/taxonomy_synonyms.def,
 * api_synonyms.h), procedures (with procedures=true: the online forms whose title or a keyword
 * q matches by the synonyms' rule), communes (names, or a postcode / INSEE code being typed), then places (the
 * place search by relevance, biased by proximity when lat/lon are given; with the places of
 * the categories q names), then addresses (common/gdir_geocoder.h with autocomplete on: house
 * numbers, streets and lieux-dits scoring AC_MIN_ADDRESS_SCORE or more; municipalities are
 * left to the commune suggestions). At most AC_MAX_CATEGORIES categories, AC_MAX_PROCEDURES
 * procedures, AC_MAX_COMMUNES communes and AC_MAX_ADDRESSES addresses; places fill the rest of
 * `limit`.
 */
#include "api_dbpool.h"
#include "api_geocoder.h"
#include "api_handlers.h"
#include "api_forms.h"
#include "api_search.h"
#include "api_split.h"
#include "api_synonyms.h"
#include "gdir_forms.h"
#include "gdir_geocoder.h"
#include "gdir_json.h"
#include "gdir_json_list.h"
#include "gdir_parse.h"
#include "gdir_text.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AC_DEFAULT_LIMIT 8
#define AC_MAX_LIMIT 20
#define AC_MAX_CATEGORIES 3
#define AC_MAX_COMMUNES 3
#define AC_MAX_PROCEDURES 2
#define AC_MAX_ADDRESSES 3
#define AC_MIN_ADDRESS_SCORE 0.4

/* Folded category labels, computed once (the taxonomy is compiled in). */
static char **folded_labels;
static pthread_once_t labels_once = PTHREAD_ONCE_INIT;

static void fold_labels(void)
{
    size_t n;
    const struct gdir_category *tax = gdir_taxonomy(&n);
    char **f = calloc(n, sizeof *f);
    if (!f)
        return;
    for (size_t i = 0; i < n; i++)
        f[i] = gdir_text_fold_dup(tax[i].label);   /* NULL on failure: never matched */
    folded_labels = f;
}

struct ranked {
    size_t index;             /* taxonomy row or commune index */
    enum api_text_match m;
    long long weight;         /* categories: places; communes: 0 */
};

static int by_rank(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->m != y->m)
        return x->m > y->m ? -1 : 1;
    if (x->weight != y->weight)
        return x->weight > y->weight ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* 1 when every word of q is a digit string that a postcode or the INSEE code of c starts with
 * (a code being typed), 2 when one equals it. */
static enum api_text_match code_match(const struct api_text_query *q,
                                      const struct api_commune_entry *c)
{
    const char *w;
    size_t n;
    if (q->n != 1)
        return API_TEXT_NONE;
    w = q->words[0];
    n = strlen(w);
    if (n < 2 || strspn(w, "0123456789ab") != n)
        return API_TEXT_NONE;
    if (strncasecmp(c->insee, w, n) == 0)
        return API_TEXT_EXACT;
    for (const char *p = c->postcodes; p && *p;) {
        if (strncmp(p, w, n) == 0)
            return API_TEXT_EXACT;
        p = strchr(p, '|');
        p = p ? p + 1 : NULL;
    }
    return API_TEXT_NONE;
}

struct place_suggestion {
    struct gdir_json *j;
    double distance;          /* < 0: none */
};

static int place_cb(void *cls, const struct api_place *p)
{
    const struct place_suggestion *s = cls;
    const struct gdir_category *cat = p->category ? gdir_category_find(p->category) : NULL;
    struct gdir_json *j = s->j;

    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "place");
    gdir_json_kstr(j, "label", p->name);
    gdir_json_kstr(j, "id", p->id);
    gdir_json_kstr(j, "category", p->category);
    gdir_json_kstr(j, "category_label", cat ? cat->label : NULL);
    gdir_json_kstr(j, "commune", p->commune);
    gdir_json_knum(j, "lat", p->lat, 7);
    gdir_json_knum(j, "lon", p->lon, 7);
    if (s->distance >= 0)
        gdir_json_knum(j, "distance_m", s->distance, 1);
    gdir_json_obj_end(j);
    return gdir_json_error(j);
}

static int read_limit(const struct api_request *req, long *limit, struct gdir_err *err)
{
    const char *v = api_param(req, "limit");
    *limit = AC_DEFAULT_LIMIT;
    if (!v)
        return GDIR_OK;
    if (gdir_parse_long(v, 1, AC_MAX_LIMIT, limit))
        return api_param_invalid(err, "limit", v, "expected an integer between 1 and 20");
    return GDIR_OK;
}

/* Address suggestions for text: at most AC_MAX_ADDRESSES good ones into out, *n of them. A
 * geocoder error (a text it refuses, no index) means no address, never a failed answer. The
 * index is the one all threads share (api_geocoder.h). */
static void find_addresses(struct api_db *db, const char *text,
                           const struct api_search_params *p, struct gdir_geocode_result *out,
                           size_t *n)
{
    struct gdir_geocode_result found[AC_MAX_ADDRESSES * 3];
    struct gdir_geocode_query gq;
    struct api_geocoder *ix = NULL;
    struct gdir_err gerr;
    size_t got = 0;

    *n = 0;
    gdir_err_clear(&gerr);
    if (api_geocoder_acquire(db, &ix, &gerr) != 0)
        return;
    if (gdir_geocoder_size(ix->g) == 0)
        goto out;
    memset(&gq, 0, sizeof gq);
    gq.text = text;
    gq.autocomplete = 1;
    gq.has_point = p->has_point;
    gq.lat = p->lat;
    gq.lon = p->lon;
    gdir_err_clear(&gerr);
    if (gdir_geocoder_search(ix->g, &gq, found, sizeof found / sizeof found[0], &got, &gerr) != 0)
        goto out;
    for (size_t i = 0; i < got && *n < AC_MAX_ADDRESSES; i++)
        if (found[i].type != GDIR_GEO_MUNICIPALITY && found[i].score >= AC_MIN_ADDRESS_SCORE)
            out[(*n)++] = found[i];
out:
    api_geocoder_release(ix);
}

/* The parameters: q (required, parsed into text), lat and lon (both or none, into p), limit. */
static int read_params(const struct api_request *req, const char **q, struct api_search_params *p,
                       long *limit, struct api_text_query *text, struct gdir_err *err)
{
    int rc = api_param_q(req, q, err);

    if (!rc && !*q)
        rc = gdir_err_set_param(err, GDIR_EINVAL, "q", "q: required (the text being typed)");
    if (!rc && (api_param(req, "lat") || api_param(req, "lon"))) {
        rc = api_param_lat(req, &p->lat, err);
        if (!rc)
            rc = api_param_lon(req, &p->lon, err);
        p->has_point = 1;
    }
    if (!rc)
        rc = read_limit(req, limit, err);
    if (!rc)
        rc = api_text_query_parse(*q, "q", text, err);
    return rc;
}

/* The categories whose label matches text and that have places (a parent counts its
 * children's), best first, into cats (room for cap); their number. */
static size_t match_categories(const struct api_db *db, const struct api_text_query *text,
                               struct ranked *cats, size_t cap)
{
    size_t n_tax, n_cats = 0;
    const struct gdir_category *tax = gdir_taxonomy(&n_tax);
    unsigned char named[128];

    pthread_once(&labels_once, fold_labels);
    if (n_tax > sizeof named)
        return 0;
    api_synonyms_match(text, named, n_tax);
    for (size_t i = 0; folded_labels && i < n_tax && n_cats < cap; i++) {
        long long count = db->category_counts[i];
        for (size_t c = 0; !tax[i].parent && c < n_tax; c++)
            if (tax[c].parent && strcmp(tax[c].parent, tax[i].code) == 0)
                count += db->category_counts[c];
        enum api_text_match m = api_text_match(text, folded_labels[i]);
        if (named[i] > m)
            m = (enum api_text_match)named[i];
        if (m != API_TEXT_NONE && count > 0)
            cats[n_cats++] = (struct ranked){i, m, count};
    }
    qsort(cats, n_cats, sizeof cats[0], by_rank);
    return n_cats;
}

/* The best cap communes whose name or code matches text, best first, into communes; their
 * number. */
static size_t match_communes(const struct api_db *db, const struct api_text_query *text,
                             struct ranked *communes, size_t cap)
{
    size_t n_communes = 0;

    for (size_t i = 0; i < db->n_communes; i++) {
        const struct api_commune_entry *c = &db->communes[i];
        enum api_text_match m = api_text_match(text, c->folded);
        enum api_text_match k = code_match(text, c);
        if (k > m)
            m = k;
        if (m == API_TEXT_NONE)
            continue;
        struct ranked cand = {i, m, 0};
        /* Keep the best few in a small sorted array. */
        size_t at = n_communes;
        while (at > 0 && by_rank(&cand, &communes[at - 1]) < 0)
            at--;
        if (at >= cap)
            continue;
        if (n_communes == cap)
            n_communes--;
        memmove(&communes[at + 1], &communes[at], (n_communes - at) * sizeof communes[0]);
        communes[at] = cand;
        n_communes++;
    }
    return n_communes;
}

/* The online procedures whose title or a keyword text matches (api_synonyms_term), best
 * first, into forms (room for cap); their number. None without forms_dir. */
static size_t match_procedures(const struct api_ctx *ctx, const struct api_text_query *text,
                               struct ranked *forms, size_t cap)
{
    size_t n = 0, n_forms = ctx->forms ? forms_count(ctx->forms->set) : 0;

    for (size_t i = 0; i < n_forms && n < cap; i++) {
        const struct form_def *f = forms_at(ctx->forms->set, i);
        size_t n_kw;
        const char *const *kw = form_keywords(f, &n_kw);
        enum api_text_match m = api_synonyms_term(text, form_title(f));
        for (size_t k = 0; k < n_kw && m != API_TEXT_EXACT; k++) {
            enum api_text_match km = api_synonyms_term(text, kw[k]);
            if (km > m)
                m = km;
        }
        if (m != API_TEXT_NONE)
            forms[n++] = (struct ranked){i, m, 0};
    }
    qsort(forms, n, sizeof forms[0], by_rank);
    return n;
}

static void write_procedure(struct gdir_json *j, const struct form_def *f)
{
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "procedure");
    gdir_json_kstr(j, "label", form_title(f));
    gdir_json_kstr(j, "id", form_id(f));
    gdir_json_obj_end(j);
}

static void write_category(struct gdir_json *j, const struct gdir_category *c, long long count)
{
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "category");
    gdir_json_kstr(j, "label", c->label);
    gdir_json_kstr(j, "code", c->code);
    gdir_json_kstr(j, "parent", c->parent);
    gdir_json_kint(j, "count", count);
    gdir_json_obj_end(j);
}

static void write_commune(struct gdir_json *j, const struct api_commune_entry *c)
{
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "commune");
    gdir_json_kstr(j, "label", c->name);
    gdir_json_kstr(j, "insee", c->insee);
    gdir_json_ksplit(j, "postcodes", c->postcodes, '|');
    gdir_json_key(j, "lat");
    if (isfinite(c->lat))
        gdir_json_num(j, c->lat, 7);
    else
        gdir_json_null(j);
    gdir_json_key(j, "lon");
    if (isfinite(c->lon))
        gdir_json_num(j, c->lon, 7);
    else
        gdir_json_null(j);
    gdir_json_obj_end(j);
}

/* An address suggestion (its distance from p's point, if any). */
static void write_address(struct gdir_json *j, const struct gdir_geocode_result *a,
                          const struct api_search_params *p)
{
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "type", "address");
    gdir_json_kstr(j, "label", a->label);
    gdir_json_kstr(j, "kind", gdir_geo_type_name(a->type));
    gdir_json_knum(j, "score", a->score, 4);
    gdir_json_kstr(j, "housenumber", a->housenumber[0] ? a->housenumber : NULL);
    gdir_json_kstr(j, "street", a->street[0] ? a->street : NULL);
    gdir_json_kstr(j, "postcode", a->postcode[0] ? a->postcode : NULL);
    gdir_json_kstr(j, "citycode", a->citycode[0] ? a->citycode : NULL);
    gdir_json_kstr(j, "city", a->city[0] ? a->city : NULL);
    gdir_json_knum(j, "lat", a->lat, 7);
    gdir_json_knum(j, "lon", a->lon, 7);
    if (p->has_point)
        gdir_json_knum(j, "distance_m", gdir_haversine_m(p->lat, p->lon, a->lat, a->lon), 1);
    gdir_json_obj_end(j);
}

/* The places of the search r, read back by fid. */
static int write_places(struct gdir_json *j, struct api_db *db,
                        const struct api_search_result *r, int has_point, struct gdir_err *err)
{
    for (size_t i = 0; i < r->n; i++) {
        struct place_suggestion s = {j, has_point ? r->hits[i].key.d : -1};
        int rc = api_q_place_by_fid(db, r->hits[i].fid, place_cb, &s, err);
        if (rc == GDIR_ENOTFOUND && !err->code)
            rc = gdir_err_set(err, GDIR_EINTERNAL, "place %lld vanished", r->hits[i].fid);
        if (rc) {
            if (!err->code)
                gdir_err_set(err, rc, "response body: %s", gdir_err_text(rc));
            return rc;
        }
    }
    return GDIR_OK;
}

/* The suggestions that come before the places: categories, procedures and communes, each
 * capped, and together at most limit. */
struct ac_fixed {
    struct ranked cats[64], procs[AC_MAX_PROCEDURES], communes[AC_MAX_COMMUNES * 4];
    size_t n_cats, n_procs, n_communes;
    struct api_text_query rest;   /* q without the commune it names (api_split.h) */
};

static size_t cap_to(size_t n, size_t cap)
{
    return n < cap ? n : cap;
}

static size_t match_fixed(const struct api_ctx *ctx, const struct api_db *db,
                          const struct api_text_query *text, long limit, int procedures,
                          struct ac_fixed *fx)
{
    size_t room = (size_t)limit;

    fx->n_cats = fx->n_procs = fx->n_communes = 0;
    if (text->n == 0)
        return 0;
    fx->n_cats = cap_to(match_categories(db, text, fx->cats, sizeof fx->cats / sizeof fx->cats[0]),
                        cap_to(AC_MAX_CATEGORIES, room));
    room -= fx->n_cats;
    if (procedures)
        fx->n_procs = cap_to(match_procedures(ctx, text, fx->procs, AC_MAX_PROCEDURES), room);
    room -= fx->n_procs;
    fx->n_communes = cap_to(match_communes(db, text, fx->communes,
                                           sizeof fx->communes / sizeof fx->communes[0]),
                            cap_to(AC_MAX_COMMUNES, room));
    return fx->n_cats + fx->n_procs + fx->n_communes;
}

static void write_fixed(struct gdir_json *j, const struct api_ctx *ctx, const struct api_db *db,
                        const struct ac_fixed *fx)
{
    size_t n_tax;
    const struct gdir_category *tax = gdir_taxonomy(&n_tax);

    for (size_t i = 0; i < fx->n_cats; i++)
        write_category(j, &tax[fx->cats[i].index], fx->cats[i].weight);
    for (size_t i = 0; i < fx->n_procs; i++)
        write_procedure(j, forms_at(ctx->forms->set, fx->procs[i].index));
    for (size_t i = 0; i < fx->n_communes; i++)
        write_commune(j, &db->communes[fx->communes[i].index]);
}

int h_autocomplete(const struct api_ctx *ctx, const struct api_request *req,
                   struct api_response *res, struct gdir_err *err)
{
    struct gdir_geocode_result addresses[AC_MAX_ADDRESSES];
    size_t n_addresses = 0, shown = 0;
    struct api_text_query *text = malloc(sizeof *text);
    struct ac_fixed *fx = malloc(sizeof *fx);
    struct api_search_params p;
    struct api_search_result r;
    struct api_db *db;
    struct gdir_json j;
    const char *q;
    long limit;
    long split = -1;
    int rc, has, procedures = 0;

    memset(&r, 0, sizeof r);
    memset(&p, 0, sizeof p);
    if (!text || !fx) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto out;
    }
    rc = read_params(req, &q, &p, &limit, text, err);
    if (!rc)
        rc = api_param_bool(req, "procedures", &has, &procedures, err);
    if (!rc)
        rc = api_dbpool_get(ctx->pool, &db, err);
    if (rc)
        goto out;

    shown = match_fixed(ctx, db, text, limit, procedures, fx);
    if (text->n > 0 && (long)shown < limit) {
        find_addresses(db, q, &p, addresses, &n_addresses);
        n_addresses = cap_to(n_addresses, (size_t)limit - shown);
    }
    if (text->n > 0 && (long)(shown + n_addresses) < limit) {
        p.text = text;
        p.synonyms = 1;
        p.sort = API_SORT_RELEVANCE;
        p.limit = limit - (long)(shown + n_addresses);
        p.when = req->now;
        rc = api_search_run(db, ctx->calendar, &p, &r, err);
        if (!rc)
            rc = api_split_search(db, ctx->calendar, &p, &r, &fx->rest, &split, err);
        if (rc)
            goto out;
    }

    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "query", q);
    if (split >= 0)
        api_split_write(&j, db, p.text, split);
    gdir_json_key(&j, "suggestions");
    gdir_json_arr_begin(&j);
    write_fixed(&j, ctx, db, fx);
    rc = write_places(&j, db, &r, p.has_point, err);
    if (rc)
        goto out;
    for (size_t i = 0; i < n_addresses; i++)
        write_address(&j, &addresses[i], &p);
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    rc = api_json_done(res, &j, API_CT_JSON, err);
out:
    api_search_result_free(&r);
    free(text);
    free(fx);
    return rc;
}
