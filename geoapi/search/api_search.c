/*
 * api_search.c — the place search engine: candidate source, exact tests, counts, facets,
 * keyset page selection with bounded heaps, the growing box of a k-nearest search, and the
 * text search over the in-memory full-text index with its bounded top-k. See api_search.h for
 * the contract and the ranking formula.
 *
 * Not here: parameter parsing and JSON (h_places.c, h_autocomplete.c), SQL (api_queries.c),
 * the text rules (api_text.c, api_vocab.c), opening hours (api_hours.c).
 */
#include "api_search.h"
#include "gdir_geo.h"
#include "gdir_hash.h"
#include "api_fts.h"
#include "api_hours.h"
#include "api_pindex.h"
#include "api_synonyms.h"
#include "api_vocab.h"
#include "gdir_mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A lower bound of a great-circle distance d computed from cell bounds: d less 1 cm and a
 * relative 1e-12, well beyond the rounding of either computation (the bound's and the exact
 * distance's), so that no place is ever left out by a rounding. An infinite d stays infinite. */
static inline double dist_lower_bound(double d)
{
    return d - (0.01 + (isfinite(d) ? d * 1e-12 : 0));
}

const char *api_sort_name(enum api_sort s)
{
    return s == API_SORT_DISTANCE ? "distance" : s == API_SORT_RELEVANCE ? "relevance" : "name";
}

int api_sort_key_cmp(enum api_sort sort, const struct api_sort_key *a,
                     const struct api_sort_key *b)
{
    int c;
    switch (sort) {
    case API_SORT_DISTANCE:
        if (a->d != b->d)
            return a->d < b->d ? -1 : 1;
        break;
    case API_SORT_RELEVANCE:
        if (a->tier != b->tier)
            return a->tier < b->tier ? -1 : 1;
        if (a->score != b->score)
            return a->score > b->score ? -1 : 1;
        break;
    case API_SORT_NAME:
        if (a->rank && b->rank)
            return a->rank < b->rank ? -1 : a->rank > b->rank;
        c = strcmp(a->name ? a->name : "", b->name ? b->name : "");
        if (c)
            return c;
        break;
    }
    return strcmp(a->id, b->id);
}

/* ---- bounded heaps of hits -------------------------------------------------------------- */

struct heap {
    struct api_hit *a;   /* owned */
    size_t n, cap;       /* cap: how many hits are kept */
    int largest;         /* 1: keeps the cap largest keys (root = smallest kept); 0: the cap
                          * smallest (root = largest kept) */
    enum api_sort sort;
    int borrow;          /* 1: the key strings outlive the search (place index): not copied */
};

static int heap_init(struct heap *h, size_t cap, int largest, enum api_sort sort)
{
    memset(h, 0, sizeof *h);
    h->cap = cap;
    h->largest = largest;
    h->sort = sort;
    h->a = cap ? malloc(cap * sizeof *h->a) : NULL;
    return cap && !h->a ? GDIR_ENOMEM : GDIR_OK;
}

static void heap_clear(struct heap *h)
{
    for (size_t i = 0; i < h->n; i++)
        free(h->a[i].own);
    h->n = 0;
}

static void heap_free(struct heap *h)
{
    if (h->a)
        heap_clear(h);
    free(h->a);
    h->a = NULL;
    h->cap = 0;
}

/* 1 when x belongs above y (nearer the root). */
static int above(const struct heap *h, const struct api_sort_key *x, const struct api_sort_key *y)
{
    int c = api_sort_key_cmp(h->sort, x, y);
    return h->largest ? c < 0 : c > 0;
}

static void sift_up(struct heap *h, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!above(h, &h->a[i].key, &h->a[parent].key))
            break;
        struct api_hit t = h->a[i];
        h->a[i] = h->a[parent];
        h->a[parent] = t;
        i = parent;
    }
}

static void sift_down(struct heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, top = i;
        if (l < h->n && above(h, &h->a[l].key, &h->a[top].key))
            top = l;
        if (r < h->n && above(h, &h->a[r].key, &h->a[top].key))
            top = r;
        if (top == i)
            break;
        struct api_hit t = h->a[i];
        h->a[i] = h->a[top];
        h->a[top] = t;
        i = top;
    }
}

/* Makes hit own copies of its key's strings. */
static int hit_own(struct api_hit *hit)
{
    size_t il = strlen(hit->key.id), nl = hit->key.name ? strlen(hit->key.name) : 0;
    char *own = malloc(il + 1 + (hit->key.name ? nl + 1 : 0));
    if (!own)
        return GDIR_ENOMEM;
    memcpy(own, hit->key.id, il + 1);
    hit->key.id = own;
    if (hit->key.name) {
        memcpy(own + il + 1, hit->key.name, nl + 1);
        hit->key.name = own + il + 1;
    }
    hit->own = own;
    return GDIR_OK;
}

/* Offers a hit whose key strings are borrowed; the heap copies them if it keeps the hit. */
static int heap_offer(struct heap *h, const struct api_hit *tmpl)
{
    struct api_hit hit;
    if (h->cap == 0)
        return GDIR_OK;
    if (h->n == h->cap && !above(h, &h->a[0].key, &tmpl->key))
        return GDIR_OK;               /* not better than the worst kept: most candidates */
    hit = *tmpl;
    if (h->n == h->cap) {
        if (!h->borrow && hit_own(&hit))
            return GDIR_ENOMEM;
        free(h->a[0].own);
        h->a[0] = hit;
        sift_down(h, 0);
        return GDIR_OK;
    }
    if (!h->borrow && hit_own(&hit))
        return GDIR_ENOMEM;
    h->a[h->n++] = hit;
    sift_up(h, h->n - 1);
    return GDIR_OK;
}

/* ---- a set of row ids ------------------------------------------------------------------- */

/* The places the text pass matched, that the category pass must not offer again: a bitmap
 * over the place index's row ids when there is one, else a hash set (row ids are >= 1: 0
 * marks a free slot). */
struct fidset {
    long long *a;   /* owned, cap slots (a power of 2) */
    size_t n, cap;
    unsigned char *bits;   /* owned, or NULL: bit fid - min of bits */
    long long min;
    size_t n_bits;
};

/* Bits for row ids min .. min + n - 1 (the place index's); GDIR_ENOMEM. */
static int fidset_bits(struct fidset *s, long long min, size_t n)
{
    s->bits = calloc(n / 8 + 1, 1);
    s->min = min;
    s->n_bits = n;
    return s->bits ? GDIR_OK : GDIR_ENOMEM;
}

/* -1 when fid is outside the bitmap (or there is none), else its bit number. */
static long long fidset_bit(const struct fidset *s, long long fid)
{
    return s->bits && fid >= s->min && (size_t)(fid - s->min) < s->n_bits ? fid - s->min : -1;
}

static size_t fidset_slot(const struct fidset *s, long long fid)
{
    size_t i = (size_t)gdir_fnv64(GDIR_FNV64_INIT, &fid, sizeof fid) & (s->cap - 1);
    while (s->a[i] != 0 && s->a[i] != fid)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static int fidset_has(const struct fidset *s, long long fid)
{
    long long b = fidset_bit(s, fid);
    if (b >= 0)
        return (s->bits[b / 8] >> (b % 8)) & 1;
    return s->cap > 0 && s->a[fidset_slot(s, fid)] == fid;
}

static int fidset_add(struct fidset *s, long long fid)
{
    long long b = fidset_bit(s, fid);
    size_t i;
    if (b >= 0) {
        s->bits[b / 8] |= (unsigned char)(1u << (b % 8));
        return GDIR_OK;
    }
    if (2 * (s->n + 1) > s->cap) {   /* at most half full */
        struct fidset bigger = {NULL, 0, s->cap ? 2 * s->cap : 256};
        bigger.a = calloc(bigger.cap, sizeof *bigger.a);
        if (!bigger.a)
            return GDIR_ENOMEM;
        for (size_t k = 0; k < s->cap; k++)
            if (s->a[k] != 0)
                bigger.a[fidset_slot(&bigger, s->a[k])] = s->a[k];
        bigger.n = s->n;
        free(s->a);
        *s = bigger;
    }
    i = fidset_slot(s, fid);
    if (s->a[i] == 0) {
        s->a[i] = fid;
        s->n++;
    }
    return GDIR_OK;
}

/* ---- the engine ------------------------------------------------------------------------- */

#define CAT_SLOTS 256   /* > 2 × taxonomy rows: the category codes' hash table */

/* Keeps the page: the places of the matched set that the cursor leaves, best limit + 1. */
struct pager {
    struct heap heap;
    long long outside;   /* matched places on the other side of the cursor */
};

struct engine {
    const struct api_search_params *p;
    struct api_db *db;
    const struct api_pindex *ix;       /* the place index, NULL: candidates come from SQLite */
    const struct gdir_calendar *cal;
    const struct gdir_category *tax;   /* the taxonomy */
    size_t n_tax;
    int cat_slot[CAT_SLOTS];           /* hash of category codes -> taxonomy row, -1 free */
    unsigned char *cat_ok;             /* per taxonomy row: passes the category filter */
    unsigned char *commune_ok;         /* per listed commune: passes the commune filter */
    unsigned char *syn_ok;             /* per taxonomy row: a category the text names (or a
                                        * child of one), NULL when it names none */
    int syn_pass;                      /* 1 during the pass over those categories */
    struct fidset text_matched;        /* with syn_ok: the places the text pass offered */
    long long syn_overlap;             /* text matches of the matched set in those categories */
    int circle;                        /* test d <= r */
    double r;
    int k_mode;
    struct heap kmain, kcat, kcommune; /* k mode: the k nearest of each set */
    /* Text search through the in-memory full-text index (text_walk): */
    int cur_tier;                      /* the current place's tier when the walk knows it, -1 */
    int counted;                       /* 1: the walk counted the current place itself */
    int prune;                         /* during a walk: a place that cannot enter the page is
                                        * only counted (relevance, no k, no cursor before) */
    struct pager pager;                /* without k: the page */
    long long matched, hours_unknown;
    long long *cat_counts, cat_total;
    long long *commune_counts, commune_total;
};

static unsigned cat_hash(const char *s)
{
    return (unsigned)(gdir_fnv64_str(GDIR_FNV64_INIT, s) & (CAT_SLOTS - 1));
}

/* The taxonomy row of a category code (open addressing on the engine's table), -1 if none. */
static int category_index(const struct engine *e, const char *code)
{
    if (!code)
        return -1;
    for (unsigned i = cat_hash(code);; i = (i + 1) & (CAT_SLOTS - 1)) {
        int t = e->cat_slot[i];
        if (t < 0)
            return -1;
        if (strcmp(e->tax[t].code, code) == 0)
            return t;
    }
}

static int commune_index(const struct engine *e, const char *insee)
{
    const struct api_commune_entry *c = api_db_commune(e->db, insee);
    return c ? (int)(c - e->db->communes) : -1;
}

static int commune_passes(const struct engine *e, int idx, const char *insee)
{
    if (e->p->n_communes == 0)
        return 1;
    if (idx >= 0)
        return e->commune_ok[idx];
    for (size_t i = 0; insee && i < e->p->n_communes; i++)
        if (strcmp(e->p->communes[i], insee) == 0)
            return 1;
    return 0;
}

static int pager_offer(struct engine *e, const struct api_hit *hit)
{
    const struct api_search_params *p = e->p;
    if (p->cursor_dir != API_CURSOR_NONE) {
        int c = api_sort_key_cmp(p->sort, &hit->key, &p->cursor);
        if (p->cursor_dir == API_CURSOR_AFTER ? c <= 0 : c >= 0) {
            e->pager.outside++;
            return GDIR_OK;
        }
    }
    return heap_offer(&e->pager.heap, hit);
}

/* The relevance tier of a candidate: from the in-memory text walk when it knows it. */
static int text_tier(const struct engine *e, const struct api_candidate *c)
{
    if (e->cur_tier >= 0)
        return e->cur_tier;
    return api_text_match(e->p->text, c->name_key) == API_TEXT_EXACT ? 0 : 1;
}

/* 1 when every place of that tier and score (whatever its id) comes after key (relevance). */
static int key_after(const struct api_sort_key *key, int tier, double score)
{
    return tier > key->tier || (tier == key->tier && score < key->score);
}

/* With categories named by the text: records the places of the text pass, and tells the
 * category pass to skip them (they are offered already). 1: skip c, 0: go on, or GDIR_ENOMEM. */
static int named_seen(struct engine *e, long long fid)
{
    if (!e->syn_ok)
        return 0;
    if (!e->syn_pass)
        return fidset_add(&e->text_matched, fid);
    return fidset_has(&e->text_matched, fid);
}

/* The relevance score of c at distance d (api_search.h): its text score, or 1 for a place of
 * a named category, times proximity. */
static double text_score(const struct engine *e, const struct api_candidate *c, double d)
{
    double s = e->syn_pass ? 1.0 : -c->bm25;
    if (!isfinite(s) || s < 0)
        s = 0;
    if (e->p->has_point)
        s /= 1.0 + d / API_PROXIMITY_SCALE_M;
    return s;
}

static int on_candidate(void *cls, const struct api_candidate *c)
{
    struct engine *e = cls;
    const struct api_search_params *p = e->p;
    struct api_hit hit;
    double d = 0;
    int cat, commune, pass_cat, pass_commune, pass_open = 1, rc = GDIR_OK;

    if ((rc = named_seen(e, c->fid)) != 0)
        return rc < 0 ? rc : 0;
    if (p->has_point)
        d = gdir_haversine_m(p->lat, p->lon, c->lat, c->lon);
    if (e->circle && !(d <= e->r))
        return 0;
    if (p->has_bbox && !(c->lon >= p->bbox.minlon && c->lon <= p->bbox.maxlon &&
                         c->lat >= p->bbox.minlat && c->lat <= p->bbox.maxlat))
        return 0;
    if (p->extra_test && p->extra_test(p->extra_cls, c) != 1)
        return 0;

    cat = c->resolved ? c->cat_row : category_index(e, c->category);
    commune = c->resolved ? c->commune_row : commune_index(e, c->insee);
    pass_cat = p->n_categories == 0 || (cat >= 0 && e->cat_ok[cat]);
    pass_commune = commune_passes(e, commune, c->insee);
    if (p->open_filter && (pass_cat || pass_commune)) {
        struct api_hours_info hi;
        api_hours_eval(e->db->hours, e->cal, c->opening_hours, p->when, &hi);
        pass_open = hi.state == GDIR_HOURS_OPEN;
        e->hours_unknown += pass_cat && pass_commune && hi.state == GDIR_HOURS_UNKNOWN;
    }
    if (!pass_open)
        return 0;

    memset(&hit, 0, sizeof hit);
    hit.fid = c->fid;
    hit.key.d = d;
    hit.key.id = c->id;
    if (p->text)
        hit.key.score = text_score(e, c, d);
    if (p->sort == API_SORT_NAME) {
        hit.key.name = c->name_key ? c->name_key : "";
        hit.key.rank = c->resolved ? c->name_rank : 0;
    }

    hit.cat = cat;
    hit.commune = commune;
    if (e->k_mode) {
        if (p->text)
            hit.key.tier = text_tier(e, c);
        /* The k nearest of each set; counts and page come once they are known (finish_k). */
        if (pass_cat && pass_commune)
            rc = heap_offer(&e->kmain, &hit);
        if (!rc && p->facet_category && pass_commune)
            rc = heap_offer(&e->kcat, &hit);
        if (!rc && p->facet_commune && pass_cat)
            rc = heap_offer(&e->kcommune, &hit);
        return rc;
    }
    if (p->facet_category && pass_commune) {
        if (cat >= 0)
            e->cat_counts[cat]++;
        e->cat_total++;
    }
    if (p->facet_commune && pass_cat) {
        e->commune_counts[commune >= 0 ? (size_t)commune : e->db->n_communes]++;
        e->commune_total++;
    }
    if (!(pass_cat && pass_commune))
        return 0;
    if (!e->counted) {
        e->matched++;
        e->syn_overlap += e->syn_ok && !e->syn_pass && cat >= 0 && e->syn_ok[cat];
    }
    if (p->on_match && (rc = p->on_match(p->match_cls, c->fid)) != 0)
        return rc;
    if (p->text) {
        /* The tier last: a place that cannot enter the page even in the first tier is not
         * matched word by word. */
        const struct heap *h = &e->pager.heap;
        if (e->prune && h->n == h->cap && h->cap > 0 &&
            key_after(&h->a[0].key, e->cur_tier >= 0 ? e->cur_tier : 0, hit.key.score))
            return 0;
        hit.key.tier = text_tier(e, c);
    }
    return pager_offer(e, &hit);
}

static void engine_reset(struct engine *e)
{
    heap_clear(&e->kmain);
    heap_clear(&e->kcat);
    heap_clear(&e->kcommune);
    heap_clear(&e->pager.heap);
    e->pager.outside = 0;
    e->matched = e->hours_unknown = e->syn_overlap = 0;
    if (e->cat_counts)
        memset(e->cat_counts, 0, e->n_tax * sizeof *e->cat_counts);
    if (e->commune_counts)
        memset(e->commune_counts, 0, (e->db->n_communes + 1) * sizeof *e->commune_counts);
    e->cat_total = e->commune_total = 0;
}

/* Intersects two boxes into out; 0 when they do not meet. */
static int box_meet(const struct gdir_bbox *a, const struct gdir_bbox *b, struct gdir_bbox *out)
{
    out->minlon = fmax(a->minlon, b->minlon);
    out->maxlon = fmin(a->maxlon, b->maxlon);
    out->minlat = fmax(a->minlat, b->minlat);
    out->maxlat = fmin(a->maxlat, b->maxlat);
    return out->minlon <= out->maxlon && out->minlat <= out->maxlat;
}

/* 1 when list[i] already came earlier in the list (commune=55040,55040). */
static int listed_twice(const char *const *list, size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (strcmp(list[k], list[i]) == 0)
            return 1;
    return 0;
}

/* Full-text hits (row id and bm25), gathered to be looked up in the place index together. */
struct text_hits {
    struct api_pindex_hit *a;   /* owned */
    size_t n, cap;
};

static int on_text_hit(void *cls, long long fid, double bm25)
{
    struct text_hits *h = cls;
    if (gdir_grow(&h->a, &h->cap, h->n + 1, sizeof *h->a))
        return GDIR_ENOMEM;
    h->a[h->n].fid = fid;
    h->a[h->n++].bm25 = bm25;
    return GDIR_OK;
}

/* ---- text search through the in-memory full-text index ---------------------------------- */


/* A walk along one term's postings, for the phrases that hold the term (a term may come in
 * several: a word and its variant that is a prefix of it). */
struct tcur {
    const struct api_pindex_term *tm;   /* the term */
    const struct api_pindex_posting *p, *end;   /* what is left to walk: by position */
    const unsigned *ph;   /* its phrases, in FTS5's order */
    unsigned n_ph;
    uint32_t groups;      /* the groups (words of q) of those phrases, one bit each */
};

/* The postings of several terms merged by position: a min-heap of walks. */
struct merge {
    struct tcur *h;
    size_t n;
};

static void merge_sift(struct merge *m, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, top = i;
        if (l < m->n && m->h[l].p->pos < m->h[top].p->pos)
            top = l;
        if (r < m->n && m->h[r].p->pos < m->h[top].p->pos)
            top = r;
        if (top == i)
            return;
        struct tcur t = m->h[i];
        m->h[i] = m->h[top];
        m->h[top] = t;
        i = top;
    }
}

static void merge_init(struct merge *m)
{
    for (size_t i = m->n / 2; i-- > 0;)
        merge_sift(m, i);
}

/* The next position holding any of the terms (0 when none is left), with the groups of the
 * terms found there in *groups; with f non-NULL, adds each term's count to f[its phrases] and
 * lists the phrases first seen in touched. */
static int merge_next(struct merge *m, uint32_t *pos, uint16_t *tokens, uint32_t *groups,
                      double *f, unsigned *touched, size_t *n_touched)
{
    uint32_t at;
    if (m->n == 0)
        return 0;
    at = m->h[0].p->pos;
    *pos = at;
    *tokens = m->h[0].p->tokens;
    *groups = 0;
    while (m->n && m->h[0].p->pos == at) {
        struct tcur *c = &m->h[0];
        *groups |= c->groups;
        for (unsigned j = 0; f && j < c->n_ph; j++) {
            if (f[c->ph[j]] == 0)
                touched[(*n_touched)++] = c->ph[j];
            f[c->ph[j]] += c->p->freq;
        }
        if (++c->p == c->end)
            m->h[0] = m->h[--m->n];
        if (m->n)
            merge_sift(m, 0);
    }
    return 1;
}

/* A lower bound of the distance from the point to any place of a grid cell, per cell, from
 * per-row and per-column parts of the haversine formula computed when first needed. */
struct prox {
    const struct api_pindex *ix;
    double lat, lon, cos_lat, cos_min;     /* cos_min: of every latitude of the grid */
    double *row_hav, *row_cos, *col_hav;   /* owned (one block); NaN: not computed */
    double *row_d, *col_d;                 /* bounds from the row alone, the column alone */
    size_t cell;                           /* of dlb; SIZE_MAX: none */
    double dlb;
};

static double hav(double x)
{
    double s = sin(x / 2);
    return s * s;
}

/* A weaker bound without trigonometry per place: the larger of a bound from the cell's row
 * alone (the latitude difference) and one from its column alone (the longitude difference at
 * the grid's highest latitude). */
static double quick_dlb(struct prox *x, size_t cell)
{
    const struct api_pindex *ix = x->ix;
    unsigned cx = (unsigned)(cell % ix->nx), cy = (unsigned)(cell / ix->nx);

    if (isnan(x->row_d[cy])) {
        double la = ix->lat0 + cy * ix->dlat - 1e-9, lb = ix->lat0 + (cy + 1) * ix->dlat + 1e-9;
        double dp = x->lat < la ? la - x->lat : x->lat > lb ? x->lat - lb : 0;
        double d = GDIR_EARTH_RADIUS_M * dp * GDIR_DEG2RAD;   /* d >= R |dphi| */
        x->row_d[cy] = dist_lower_bound(d);
    }
    if (isnan(x->col_d[cx])) {
        double lo = ix->lon0 + cx * ix->dlon - 1e-9, hi = ix->lon0 + (cx + 1) * ix->dlon + 1e-9;
        double dl = x->lon < lo ? lo - x->lon : x->lon > hi ? x->lon - hi : 0;
        double a = fmax(fabs(lo - x->lon), fabs(hi - x->lon)) >= 180
                       ? 0
                       : x->cos_lat * x->cos_min * hav(dl * GDIR_DEG2RAD);
        double d = 2.0 * GDIR_EARTH_RADIUS_M * asin(sqrt(a > 1 ? 1 : a));
        x->col_d[cx] = dist_lower_bound(d);
    }
    return fmax(0, fmax(x->row_d[cy], x->col_d[cx]));
}

static double cell_dlb(struct prox *x, size_t cell)
{
    const struct api_pindex *ix = x->ix;
    unsigned cx = (unsigned)(cell % ix->nx), cy = (unsigned)(cell / ix->nx);
    double a, d;

    if (cell == x->cell)
        return x->dlb;
    if (isnan(x->row_hav[cy])) {   /* cells are widened by 1e-9 degrees: rounding of filing */
        double la = ix->lat0 + cy * ix->dlat - 1e-9, lb = ix->lat0 + (cy + 1) * ix->dlat + 1e-9;
        double dp = x->lat < la ? la - x->lat : x->lat > lb ? x->lat - lb : 0;
        x->row_hav[cy] = hav(dp * GDIR_DEG2RAD);
        x->row_cos[cy] = fmax(0, fmin(cos(la * GDIR_DEG2RAD), cos(lb * GDIR_DEG2RAD)));
    }
    if (isnan(x->col_hav[cx])) {
        double lo = ix->lon0 + cx * ix->dlon - 1e-9, hi = ix->lon0 + (cx + 1) * ix->dlon + 1e-9;
        double dl = x->lon < lo ? lo - x->lon : x->lon > hi ? x->lon - hi : 0;
        /* sin^2(dl / 2) grows with dl up to 180 degrees only. */
        x->col_hav[cx] = fmax(fabs(lo - x->lon), fabs(hi - x->lon)) >= 180 ? 0 : hav(dl * GDIR_DEG2RAD);
    }
    a = x->row_hav[cy] + x->cos_lat * x->row_cos[cy] * x->col_hav[cx];
    d = 2.0 * GDIR_EARTH_RADIUS_M * asin(sqrt(a > 1 ? 1 : a));
    d = dist_lower_bound(d);
    x->cell = cell;
    x->dlb = d > 0 ? d : 0;
    return x->dlb;
}

/* The query, read back from its MATCH expression, with its terms in the index. */
struct tquery {
    struct api_fts_expr ex;
    size_t from[API_FTS_MAX_PHRASES], to[API_FTS_MAX_PHRASES];   /* terms of each phrase */
    double idf[API_FTS_MAX_PHRASES];
    long long hits[API_FTS_MAX_PHRASES];       /* rows holding the phrase */
    double max_freq[API_FTS_MAX_PHRASES];      /* the most a row holds it */
    double f[API_FTS_MAX_PHRASES];             /* the current place's count per phrase */
    unsigned touched[API_FTS_MAX_PHRASES];
    unsigned own[API_TEXT_MAX_WORDS];          /* the phrase of each word itself */
    int tiers;          /* 1: a plain name's tier follows from its own phrases (api_pindex.h) */
};

/* Adds the walks of phrase ph's terms to m (for counting: no phrase list). */
static void add_walks(const struct api_pindex_text *t, const struct tquery *q, size_t ph,
                      struct merge *m)
{
    for (size_t k = q->from[ph]; k < q->to[ph]; k++) {
        const struct api_pindex_term *tm = &t->terms[k];
        if (tm->n == 0)
            continue;
        m->h[m->n].tm = tm;
        m->h[m->n].p = t->postings + tm->first;
        m->h[m->n].end = t->postings + tm->first + tm->n;
        m->h[m->n].ph = NULL;
        m->h[m->n].n_ph = 0;
        m->h[m->n].groups = 0;
        m->n++;
    }
}

/* (term, phrase) pairs, to give each term one walk. */
struct term_phrase {
    size_t term;
    unsigned phrase;
};

static int by_term_phrase(const void *a, const void *b)
{
    const struct term_phrase *x = a, *y = b;
    if (x->term != y->term)
        return x->term < y->term ? -1 : 1;
    return x->phrase < y->phrase ? -1 : x->phrase > y->phrase;
}

/* What the walk of the places of a text query shares. */
struct walk {
    struct engine *e;
    struct tquery *q;
    const struct api_pindex_text *t;
    struct prox px;                    /* with a point and direct */
    uint32_t all;                      /* every group's bit: a match */
    double avgdl;
    int direct;                        /* no filter to test: the walk counts and pre-selects */
    int counted;                       /* the matches are counted already (rings) */
    size_t cell;                       /* the grid cell of the last place (positions grow) */
};

/* 1 when the place at position pos of the place index is of a category the text names. */
static int named_at(const struct engine *e, uint32_t pos)
{
    int row = e->ix->categories[e->ix->pl[pos].category].row;
    return row >= 0 && e->syn_ok[row];
}

/* One place holding some of the terms: f and touched filled by merge_next. A match is counted,
 * scored exactly as geodir_bm25 scores it, and given to on_candidate unless it cannot enter the
 * page (direct only; on_candidate checks again with the exact distance). */
static int walk_place(struct walk *w, uint32_t pos, uint16_t tokens, uint32_t groups, size_t nt)
{
    struct engine *e = w->e;
    struct tquery *q = w->q;
    const struct api_search_params *p = e->p;
    const struct heap *h = &e->pager.heap;
    double score = 0, s;
    int tier = -1, rc;

    if (groups != w->all) {
        for (size_t i = 0; i < nt; i++)
            q->f[q->touched[i]] = 0;
        return GDIR_OK;
    }
    /* Phrases in FTS5's order, as geodir_bm25 adds them (the others add 0). */
    for (size_t i = 1; i < nt; i++)
        for (size_t j = i; j > 0 && q->touched[j - 1] > q->touched[j]; j--) {
            unsigned x = q->touched[j];
            q->touched[j] = q->touched[j - 1];
            q->touched[j - 1] = x;
        }
    for (size_t i = 0; i < nt; i++)
        score += api_fts_bm25_part(q->idf[q->touched[i]], q->f[q->touched[i]], (double)tokens,
                                   w->avgdl);
    if (q->tiers && w->t->plain[pos]) {
        tier = 0;
        for (size_t k = 0; k < q->ex.n_groups; k++)
            if (q->f[q->own[k]] == 0)
                tier = 1;
    }
    for (size_t i = 0; i < nt; i++)
        q->f[q->touched[i]] = 0;

    if (w->direct) {
        if (!w->counted) {
            e->matched++;
            e->syn_overlap += e->syn_ok && named_at(e, pos);
        }
        s = !isfinite(score) || score < 0 ? 0 : score;
        if (h->n == h->cap && h->cap > 0) {
            const struct api_sort_key *worst = &h->a[0].key;
            int tier_lb = tier >= 0 ? tier : 0;
            if (key_after(worst, tier_lb, s))
                return GDIR_OK;
            /* A tie of tier and score: the ids decide (many names score the same). */
            if (!p->has_point && tier_lb == worst->tier && s == worst->score &&
                w->t->id_rank[pos] >
                    w->t->id_rank[e->ix->pos_of_fid[h->a[0].fid - e->ix->min_fid]])
                return GDIR_OK;
            if (p->has_point) {
                w->cell = api_pindex_cell_of(e->ix, pos, w->cell);
                if (key_after(worst, tier_lb,
                              s / (1.0 + quick_dlb(&w->px, w->cell) / API_PROXIMITY_SCALE_M)) ||
                    key_after(worst, tier_lb,
                              s / (1.0 + cell_dlb(&w->px, w->cell) / API_PROXIMITY_SCALE_M)))
                    return GDIR_OK;
            }
        }
        if (p->cursor_dir == API_CURSOR_AFTER && !p->has_point && tier >= 0 &&
            (tier < p->cursor.tier || (tier == p->cursor.tier && s > p->cursor.score))) {
            e->pager.outside++;   /* before the cursor, whatever its id */
            return GDIR_OK;
        }
    }
    e->cur_tier = tier;
    e->counted = w->direct;
    rc = api_pindex_at(e->ix, pos, -1.0 * score, on_candidate, e);
    e->cur_tier = -1;
    e->counted = 0;
    return rc;
}

/* Every place of the merged walks m, in position order. */
static int walk_merge(struct walk *w, struct merge *m)
{
    uint32_t pos, groups;
    uint16_t tokens;
    size_t nt = 0;
    int rc = GDIR_OK;

    merge_init(m);
    while (!rc && merge_next(m, &pos, &tokens, &groups, w->q->f, w->q->touched, &nt)) {
        rc = walk_place(w, pos, tokens, groups, nt);
        nt = 0;
    }
    return rc;
}

/* A bound of the text score of any row of `tokens` tokens: a phrase's part grows with its
 * count and shrinks with the row's length (and rounding cannot make a sum exceed it). */
static double score_bound(const struct walk *w, unsigned tokens)
{
    const struct tquery *q = w->q;
    double s = 0;
    for (size_t i = 0; i < q->ex.n; i++)
        if (q->hits[i] > 0)
            s += api_fts_bm25_part(q->idf[i], q->max_freq[i], tokens, w->avgdl);
    return s * (1 + 1e-9) + 1e-12;
}

/* Bucket k of a term: [*p, *end). */
static void bucket_range(const struct api_pindex_text *t, const struct api_pindex_term *tm,
                         size_t k, const struct api_pindex_posting **p,
                         const struct api_pindex_posting **end)
{
    const struct api_pindex_bucket *b = &t->buckets[tm->first_bucket + k];
    *p = t->postings + tm->first + b->start;
    *end = t->postings + tm->first + (k + 1 < tm->n_buckets ? b[1].start : tm->n);
}

/* The first posting of [p, end) at or after position pos. */
static const struct api_pindex_posting *
posting_at(const struct api_pindex_posting *p, const struct api_pindex_posting *end, uint32_t pos)
{
    size_t lo = 0, hi = (size_t)(end - p);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p[mid].pos < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return p + lo;
}

/* Into m (emptied): the postings of the walks' terms with names of `tokens` tokens (every
 * length when tokens < 0, but those with min_ok[length] == 0 when min_ok is given), cut to
 * positions [from, to). A place has one length: the slices of several lengths never share a
 * position, and merged they come by position. */
static void slice(const struct api_pindex_text *t, const struct tcur *walks, size_t n,
                  long tokens, const unsigned char *len_ok, uint32_t from, uint32_t to,
                  struct merge *m)
{
    m->n = 0;
    for (size_t i = 0; i < n; i++) {
        const struct api_pindex_term *tm = walks[i].tm;
        for (size_t k = 0; k < tm->n_buckets; k++) {
            const struct api_pindex_posting *a, *z;
            unsigned len = t->buckets[tm->first_bucket + k].tokens;
            if (tokens >= 0 ? len != (unsigned long)tokens : len_ok && !len_ok[len])
                continue;
            bucket_range(t, tm, k, &a, &z);
            if (from > 0)
                a = posting_at(a, z, from);
            if (to < UINT32_MAX)
                z = posting_at(a, z, to);
            if (a == z)
                continue;
            m->h[m->n] = walks[i];
            m->h[m->n].p = a;
            m->h[m->n].end = z;
            m->n++;
        }
    }
}

/* The name lengths of the walks' postings, ascending, without repeats (owned; NULL when out
 * of memory). */
static int by_u16(const void *a, const void *b)
{
    unsigned x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return x < y ? -1 : x > y;
}

static uint16_t *lengths_of(const struct api_pindex_text *t, const struct tcur *walks, size_t n,
                            size_t *count)
{
    size_t total = 0, k = 0;
    uint16_t *a;
    for (size_t i = 0; i < n; i++)
        total += walks[i].tm->n_buckets;
    a = malloc((total ? total : 1) * sizeof *a);
    if (!a)
        return NULL;
    for (size_t i = 0; i < n; i++)
        for (size_t b = 0; b < walks[i].tm->n_buckets; b++)
            a[k++] = t->buckets[walks[i].tm->first_bucket + b].tokens;
    qsort(a, total, sizeof *a, by_u16);
    *count = 0;
    for (size_t i = 0; i < total; i++)
        if (*count == 0 || a[*count - 1] != a[i])
            a[(*count)++] = a[i];
    return a;
}

/* The number of places holding the walks' terms, each of the groups `need` among them; by
 * length (scratch: room for every bucket of the walks). */
static long long count_places(const struct api_pindex_text *t, const struct tcur *walks,
                              size_t n, uint32_t need, const uint16_t *lens, size_t n_lens,
                              struct tcur *scratch)
{
    struct merge m = {scratch, 0};
    long long count = 0;
    uint32_t pos, groups;
    uint16_t tokens;

    if (n == 1)
        return (walks[0].groups & need) == need ? (long long)walks[0].tm->n : 0;
    for (size_t l = 0; l < n_lens; l++) {
        slice(t, walks, n, lens[l], NULL, 0, UINT32_MAX, &m);
        merge_init(&m);
        while (merge_next(&m, &pos, &tokens, &groups, NULL, NULL, NULL))
            count += (groups & need) == need;
    }
    return count;
}

/* Every place of the walks, length by length (the best bm25 first), each by position. stop:
 * counted beforehand, and the walk ends at the first length whose best score cannot reach
 * the page (no point, so no distance can lower the scores further). */
static int walk_lengths(struct walk *w, const struct tcur *walks, size_t n, const uint16_t *lens,
                        size_t n_lens, struct tcur *scratch, int stop)
{
    const struct heap *h = &w->e->pager.heap;
    struct merge m = {scratch, 0};
    int rc = GDIR_OK;

    for (size_t l = 0; !rc && l < n_lens; l++) {
        if (stop && h->n == h->cap && h->cap > 0 &&
            key_after(&h->a[0].key, 0, score_bound(w, lens[l])))
            break;
        slice(w->t, walks, n, lens[l], NULL, 0, UINT32_MAX, &m);
        w->cell = 0;
        rc = walk_merge(w, &m);
    }
    return rc;
}

/* With a point and no filter: the places are walked block of grid cells by block, in square
 * rings around the point's block; the walk stops when the page is full and no place beyond
 * the blocks walked could enter it even with the best text score of the query; within a
 * ring, the name lengths whose best score cannot enter it are left out. The matches were
 * counted beforehand. */
static int walk_rings(struct walk *w, const struct tcur *walks, size_t n, long long matched,
                      const uint16_t *lens, size_t n_lens, struct tcur *scratch)
{
    struct engine *e = w->e;
    const struct api_pindex *ix = e->ix;
    const struct heap *h = &e->pager.heap;
    const double lat = e->p->lat, lon = e->p->lon;
    struct merge m = {scratch, 0};
    unsigned char *len_ok;
    double *bound;
    long nbx, nby, pbx, pby, b, r_max;
    int rc = GDIR_OK;

    if (n_lens == 0 || matched == 0)
        return GDIR_OK;
    len_ok = calloc((size_t)lens[n_lens - 1] + 1, 1);
    bound = malloc(n_lens * sizeof *bound);
    if (!len_ok || !bound) {
        free(len_ok);
        free(bound);
        return GDIR_ENOMEM;
    }
    for (size_t l = 0; l < n_lens; l++) {
        bound[l] = score_bound(w, lens[l]);
        len_ok[lens[l]] = 1;
    }
    /* Blocks of b x b cells holding about 16 matches each. */
    b = (long)ceil(sqrt(16.0 * (double)ix->nx * ix->ny / (double)matched));
    b = b < 1 ? 1 : b > 64 ? 64 : b;
    nbx = ((long)ix->nx + b - 1) / b;
    nby = ((long)ix->ny + b - 1) / b;
    pbx = (long)floor((lon - ix->lon0) / ix->dlon) / b;
    pby = (long)floor((lat - ix->lat0) / ix->dlat) / b;
    pbx = pbx < 0 ? 0 : pbx >= nbx ? nbx - 1 : pbx;
    pby = pby < 0 ? 0 : pby >= nby ? nby - 1 : pby;
    r_max = pbx > nbx - 1 - pbx ? pbx : nbx - 1 - pbx;
    r_max = pby > r_max ? pby : r_max;
    r_max = nby - 1 - pby > r_max ? nby - 1 - pby : r_max;

    for (long r = 0; !rc && r <= r_max; r++) {
        if (r > 0 && h->n == h->cap && h->cap > 0) {
            /* The blocks within r - 1 are walked: a place outside lies beyond one of the four
             * sides of their cells (a side at the grid's edge has none beyond it). */
            long x_lo = (pbx - r + 1) * b, x_hi = (pbx + r) * b - 1;
            long y_lo = (pby - r + 1) * b, y_hi = (pby + r) * b - 1;
            double d = INFINITY, f;
            if (y_lo > 0)
                d = fmin(d, GDIR_EARTH_RADIUS_M * fmax(0, lat - (ix->lat0 + y_lo * ix->dlat +
                                                                  1e-9)) * GDIR_DEG2RAD);
            if (y_hi < (long)ix->ny - 1)
                d = fmin(d, GDIR_EARTH_RADIUS_M *
                                fmax(0, ix->lat0 + (y_hi + 1) * ix->dlat - 1e-9 - lat) * GDIR_DEG2RAD);
            for (int side = 0; side < 2; side++) {
                double edge, far, dl, a;
                if (side == 0 ? x_lo <= 0 : x_hi >= (long)ix->nx - 1)
                    continue;
                edge = side == 0 ? ix->lon0 + x_lo * ix->dlon + 1e-9
                                 : ix->lon0 + (x_hi + 1) * ix->dlon - 1e-9;
                far = side == 0 ? ix->lon0 - 1e-9 : ix->lon0 + ix->nx * ix->dlon + 1e-9;
                dl = fmax(0, side == 0 ? lon - edge : edge - lon);
                a = fabs(far - lon) >= 180 || fabs(edge - lon) >= 180
                        ? 0
                        : w->px.cos_lat * w->px.cos_min * hav(dl * GDIR_DEG2RAD);
                d = fmin(d, 2.0 * GDIR_EARTH_RADIUS_M * asin(sqrt(a > 1 ? 1 : a)));
            }
            d = dist_lower_bound(d);
            f = 1.0 + fmax(0, d) / API_PROXIMITY_SCALE_M;
            if (key_after(&h->a[0].key, 0, bound[0] / f))
                break;
            for (size_t l = 0; l < n_lens; l++)
                len_ok[lens[l]] = !key_after(&h->a[0].key, 0, bound[l] / f);
        }
        for (long by = pby - r; !rc && by <= pby + r; by++) {
            long step = by == pby - r || by == pby + r ? 1 : 2 * r;
            if (by < 0 || by >= nby)
                continue;
            for (long bx = pbx - r; !rc && bx <= pbx + r; bx += step > 0 ? step : 1) {
                if (bx < 0 || bx >= nbx)
                    continue;
                for (long cy = by * b; !rc && cy < (by + 1) * b && cy < (long)ix->ny; cy++) {
                    size_t c0 = (size_t)cy * ix->nx + (size_t)(bx * b);
                    size_t c1 = (size_t)cy * ix->nx +
                                (size_t)((bx + 1) * b < (long)ix->nx ? (bx + 1) * b : ix->nx);
                    uint32_t from = ix->cell_start[c0], to = ix->cell_start[c1];
                    if (from == to)
                        continue;
                    slice(w->t, walks, n, -1, len_ok, from, to, &m);
                    w->cell = c0;
                    if (m.n)
                        rc = walk_merge(w, &m);
                }
            }
        }
    }
    free(len_ok);
    free(bound);
    return rc;
}

#define RING_MAX_SLICES 256   /* (term, name length) lists beyond which rings are not tried */

/* The idf of each phrase of q: the rows holding it (a prefix's terms merged), and the most a
 * row holds it. m and scratch have room for every walk; *lens (owned) is replaced as needed.
 * GDIR_ENOMEM when the lengths cannot be listed. */
static int phrase_stats(const struct api_pindex_text *t, struct tquery *q, struct merge *m,
                        struct tcur *scratch, uint16_t **lens, size_t *n_lens)
{
    for (size_t i = 0; i < q->ex.n; i++) {
        unsigned max_freq = 0;
        if (q->to[i] - q->from[i] == 1) {
            q->hits[i] = (long long)t->terms[q->from[i]].n;
        } else {
            m->n = 0;
            add_walks(t, q, i, m);
            free(*lens);
            *lens = lengths_of(t, m->h, m->n, n_lens);
            if (!*lens)
                return GDIR_ENOMEM;
            q->hits[i] = count_places(t, m->h, m->n, 0, *lens, *n_lens, scratch);
        }
        q->idf[i] = api_fts_idf(t->n_rows, q->hits[i]);
        q->f[i] = 0;
        for (size_t k = q->from[i]; k < q->to[i]; k++)
            max_freq += t->terms[k].max_freq;
        q->max_freq[i] = max_freq;
    }
    return GDIR_OK;
}

/* One walk per term, feeding each phrase that holds it, into m (pairs and phrases: room for
 * every (term, phrase) pair). */
static void term_walks(const struct api_pindex_text *t, const struct tquery *q,
                       struct term_phrase *pairs, unsigned *phrases, struct merge *m)
{
    size_t n_pairs = 0;

    for (size_t i = 0; i < q->ex.n; i++)
        for (size_t k = q->from[i]; k < q->to[i]; k++)
            if (t->terms[k].n > 0)
                pairs[n_pairs++] = (struct term_phrase){k, (unsigned)i};
    qsort(pairs, n_pairs, sizeof *pairs, by_term_phrase);
    m->n = 0;
    for (size_t i = 0; i < n_pairs; i++) {
        phrases[i] = pairs[i].phrase;
        if (i > 0 && pairs[i].term == pairs[i - 1].term) {
            m->h[m->n - 1].n_ph++;
            m->h[m->n - 1].groups |= 1u << q->ex.ph[pairs[i].phrase].group;
            continue;
        }
        m->h[m->n].tm = &t->terms[pairs[i].term];
        m->h[m->n].p = t->postings + t->terms[pairs[i].term].first;
        m->h[m->n].end = m->h[m->n].p + t->terms[pairs[i].term].n;
        m->h[m->n].ph = phrases + i;
        m->h[m->n].n_ph = 1;
        m->h[m->n].groups = 1u << q->ex.ph[pairs[i].phrase].group;
        m->n++;
    }
}

/* The distance cache of a walk around p's point over the grid of ix; GDIR_ENOMEM. */
static int prox_init(struct prox *px, const struct api_pindex *ix,
                     const struct api_search_params *p)
{
    size_t cells = 3 * (size_t)ix->ny + 2 * (size_t)ix->nx;

    px->ix = ix;
    px->lat = p->lat;
    px->lon = p->lon;
    px->cos_lat = cos(p->lat * GDIR_DEG2RAD);
    px->cell = SIZE_MAX;
    px->cos_min = fmax(0, fmin(cos((ix->lat0 - 1e-9) * GDIR_DEG2RAD),
                               cos((ix->lat0 + ix->ny * ix->dlat + 1e-9) * GDIR_DEG2RAD)));
    px->row_hav = malloc(cells * sizeof *px->row_hav);
    if (!px->row_hav)
        return GDIR_ENOMEM;
    px->row_cos = px->row_hav + ix->ny;
    px->row_d = px->row_cos + ix->ny;
    px->col_hav = px->row_d + ix->ny;
    px->col_d = px->col_hav + ix->nx;
    for (size_t i = 0; i < cells; i++)
        px->row_hav[i] = NAN;
    return GDIR_OK;
}

/* The matches of the walks of categories the text names: the text pass's share of them, which
 * the category pass's count leaves out. */
static long long count_named(const struct walk *w, const struct tcur *walks, size_t n,
                             const uint16_t *lens, size_t n_lens, struct tcur *scratch)
{
    struct merge m = {scratch, 0};
    long long count = 0;
    uint32_t pos, groups;
    uint16_t tokens;

    for (size_t l = 0; l < n_lens; l++) {
        slice(w->t, walks, n, lens[l], NULL, 0, UINT32_MAX, &m);
        merge_init(&m);
        while (merge_next(&m, &pos, &tokens, &groups, NULL, NULL, NULL))
            count += (groups & w->all) == w->all && named_at(w->e, pos);
    }
    return count;
}

/* Walks the term walks of m: by rings or by name length. */
static int walk_matches(struct walk *w, const struct merge *m, const uint16_t *lens,
                        size_t n_lens, struct tcur *scratch)
{
    struct engine *e = w->e;
    const struct api_search_params *p = e->p;
    const struct tquery *q = w->q;
    size_t n_slices = 0;

    for (size_t i = 0; i < m->n; i++)
        n_slices += m->h[i].tm->n_buckets;
    /* Rings walk every place of a block holding one of the terms: with several words (most
     * such places hold only some) or a short prefix of a large vocabulary (thousands of terms,
     * each cut per row of every block), one walk of every match costs less. */
    if (w->direct && p->cursor_dir == API_CURSOR_NONE && e->ix->n > 0 &&
        (!p->has_point || (n_slices <= RING_MAX_SLICES && q->ex.n_groups == 1))) {
        /* Counted first, then walked until nothing left can enter the page. */
        long long matched = q->ex.n == 1 ? q->hits[0]   /* one phrase: its rows, counted */
                                         : count_places(w->t, m->h, m->n, w->all, lens, n_lens,
                                                        scratch);
        e->matched += matched;
        if (e->syn_ok)
            e->syn_overlap += count_named(w, m->h, m->n, lens, n_lens, scratch);
        w->counted = 1;
        if (p->has_point)
            return walk_rings(w, m->h, m->n, matched, lens, n_lens, scratch);
        return walk_lengths(w, m->h, m->n, lens, n_lens, scratch, 1);
    }
    return walk_lengths(w, m->h, m->n, lens, n_lens, scratch, 0);
}

/* No filter to test (category, commune, circle, box, hours, extra test), no facet nor export:
 * a match is a match. */
static int no_filter(const struct engine *e)
{
    const struct api_search_params *p = e->p;
    return p->n_categories == 0 && p->n_communes == 0 && !e->circle && !p->has_bbox &&
           !p->open_filter && !p->extra_test && !p->on_match && !p->facet_category &&
           !p->facet_commune;
}

/* Matches, scores (exactly as FTS5 + geodir_bm25 would), counts and ranks through the
 * in-memory index. A place that cannot enter the page is counted without being looked at
 * when no filter needs it (see api_search.h). */

static int text_walk(struct engine *e, struct tquery *q)
{
    const struct api_search_params *p = e->p;
    const struct api_pindex_text *t = e->ix->text;
    struct merge m = {NULL, 0};
    struct walk w;
    struct term_phrase *pairs = NULL;
    struct tcur *scratch = NULL;
    uint16_t *lens = NULL;
    size_t n_walks = 0, n_buckets = 0, n_lens = 0;
    int rc = GDIR_ENOMEM;

    memset(&w, 0, sizeof w);
    w.e = e;
    w.q = q;
    w.t = t;
    w.all = q->ex.n_groups >= 32 ? 0xffffffffu : (1u << q->ex.n_groups) - 1;
    w.avgdl = (double)t->n_tokens / (double)t->n_rows;
    e->prune = p->sort == API_SORT_RELEVANCE && !e->k_mode && p->cursor_dir != API_CURSOR_BEFORE;
    /* Counting needs no filter test (nor k: prune). Naming categories, a text match left
     * unvisited must be counted by the category pass's shortcut (which a full page allows;
     * else every match was visited and recorded): not after a cursor (a match before it is not
     * visited), and with the directory's counts. */
    w.direct = e->prune && no_filter(e) &&
               (!e->syn_ok || (p->cursor_dir == API_CURSOR_NONE && e->db->category_counts));
    for (size_t i = 0; i < q->ex.n; i++) {
        const struct api_fts_phrase *ph = &q->ex.ph[i];
        api_pindex_text_terms(t, ph->text, ph->len, ph->prefix, &q->from[i], &q->to[i]);
        n_walks += q->to[i] - q->from[i];
        for (size_t k = q->from[i]; k < q->to[i]; k++)
            n_buckets += t->terms[k].n_buckets;
    }
    m.h = malloc((n_walks ? n_walks : 1) * sizeof *m.h);
    scratch = malloc((n_buckets ? n_buckets : 1) * sizeof *scratch);
    pairs = malloc((n_walks ? n_walks : 1) * (sizeof *pairs + sizeof(unsigned)));
    if (!m.h || !scratch || !pairs)
        goto out;
    if (phrase_stats(t, q, &m, scratch, &lens, &n_lens))
        goto out;
    term_walks(t, q, pairs, (unsigned *)(pairs + (n_walks ? n_walks : 1)), &m);
    free(lens);
    lens = lengths_of(t, m.h, m.n, &n_lens);
    if (!lens)
        goto out;
    if (w.direct && p->has_point && prox_init(&w.px, e->ix, p))
        goto out;
    rc = walk_matches(&w, &m, lens, n_lens, scratch);
out:
    e->prune = 0;
    free(m.h);
    free(scratch);
    free(pairs);
    free(lens);
    free(w.px.row_hav);
    return rc;
}

/* The in-memory text query for match, or NULL (then FTS5 answers): no in-memory index, an
 * expression it does not read, or out of memory. Owned by the caller (free). */
static struct tquery *tquery_new(const struct engine *e, const char *match)
{
    const struct api_text_query *text = e->p->text;
    struct tquery *q;

    if (!e->ix || !e->ix->text || e->ix->text->n_rows <= 0)
        return NULL;
    q = malloc(sizeof *q);
    if (!q)
        return NULL;
    if (!api_fts_expr_parse(match, &q->ex) || q->ex.n_groups > 32) {
        free(q);
        return NULL;
    }
    /* Word w's own phrase comes first in its group (api_vocab.h). */
    q->tiers = q->ex.n_groups == text->n;
    for (size_t i = 0, w = 0; q->tiers && i < q->ex.n; i++) {
        const struct api_fts_phrase *ph = &q->ex.ph[i];
        if (ph->group != w)
            continue;
        q->own[w] = (unsigned)i;
        if (ph->len != strlen(text->words[w]) || memcmp(ph->text, text->words[w], ph->len) != 0 ||
            ph->prefix != (text->last_prefix && w + 1 == text->n))
            q->tiers = 0;
        w++;
    }
    return q;
}

/* The places of the taxonomy rows t with rows[t], through the category index. */
static int scan_categories(struct engine *e, const unsigned char *rows, struct gdir_err *err)
{
    int rc = GDIR_OK;
    for (size_t t = 0; !rc && t < e->n_tax; t++)
        if (!rows[t])
            continue;
        else if (e->ix)
            rc = api_pindex_scan(e->ix, NULL, e->tax[t].code, on_candidate, e);
        else
            rc = api_q_candidates(e->db, API_CAND_CATEGORY, NULL, e->tax[t].code, on_candidate,
                                  e, err);
    return rc;
}

/* After the text pass: the places of the categories the text names that it did not match
 * (tier 2, scored by proximity). */
static int category_pass(struct engine *e, struct gdir_err *err)
{
    const struct api_search_params *p = e->p;
    const struct heap *h = &e->pager.heap;
    int rc = GDIR_OK;

    /* Nothing to test and a page full of name matches (the worst better than tier 2): the
     * category's places can only be counted — from the directory's counts, less those the
     * text pass matched already. */
    if (p->sort == API_SORT_RELEVANCE && !e->k_mode && p->cursor_dir != API_CURSOR_BEFORE &&
        h->cap > 0 && h->n == h->cap && h->a[0].key.tier < 2 && e->db->category_counts &&
        no_filter(e)) {
        for (size_t t = 0; t < e->n_tax; t++)
            if (e->syn_ok[t])
                e->matched += e->db->category_counts[t];
        e->matched -= e->syn_overlap;
        return GDIR_OK;
    }
    e->syn_pass = 1;
    e->cur_tier = 2;
    rc = scan_categories(e, e->syn_ok, err);
    e->syn_pass = 0;
    e->cur_tier = -1;
    return rc;
}

/* One pass over the candidates of the chosen source. */
static int run_pass(struct engine *e, const char *match, struct gdir_err *err)
{
    const struct api_search_params *p = e->p;
    struct gdir_bbox box, circle_box;
    int rc;

    if (p->text) {
        if (!match)
            return GDIR_OK;   /* no word to search: nothing matches */
        struct tquery *tq = tquery_new(e, match);
        if (tq) {
            rc = text_walk(e, tq);
            free(tq);
        } else if (e->ix) {
            struct text_hits hits = {NULL, 0, 0};
            rc = api_q_text_hits(e->db, match, on_text_hit, &hits, err);
            if (!rc)
                rc = api_pindex_hits(e->ix, hits.a, hits.n, on_candidate, e);
            free(hits.a);
        } else
            rc = api_q_candidates(e->db, API_CAND_TEXT, NULL, match, on_candidate, e, err);
        if (!rc && e->syn_ok)
            rc = category_pass(e, err);
    } else if (e->circle || p->has_bbox) {
        if (e->circle) {
            gdir_bbox_around(p->lat, p->lon, e->r, &circle_box);
            if (p->has_bbox) {
                if (!box_meet(&circle_box, &p->bbox, &box))
                    return GDIR_OK;
            } else {
                box = circle_box;
            }
        } else {
            box = p->bbox;
        }
        if (e->ix)
            rc = api_pindex_box(e->ix, &box, on_candidate, e);
        else
            rc = api_q_candidates(e->db, API_CAND_BOX, &box, NULL, on_candidate, e, err);
    } else if (p->n_communes > 0 && !p->facet_commune) {
        /* Through the commune index: the other communes' places cannot match (their facet,
         * which would need them, is not asked). */
        rc = GDIR_OK;
        for (size_t i = 0; !rc && i < p->n_communes; i++)
            if (listed_twice(p->communes, i))
                continue;
            else if (e->ix)
                rc = api_pindex_scan(e->ix, p->communes[i], NULL, on_candidate, e);
            else
                rc = api_q_candidates(e->db, API_CAND_INSEE, NULL, p->communes[i], on_candidate,
                                      e, err);
    } else if (p->n_categories > 0 && !p->facet_category) {
        /* Through the category index, one code at a time (a parent brings its children). */
        rc = scan_categories(e, e->cat_ok, err);
    } else if (e->ix) {
        rc = api_pindex_scan(e->ix, NULL, NULL, on_candidate, e);
    } else {
        rc = api_q_candidates(e->db, API_CAND_ALL, NULL, NULL, on_candidate, e, err);
    }
    if (rc && !err->code)
        gdir_err_set(err, rc, "search: %s", gdir_err_text(rc));
    return rc;
}

/* qsort has no context argument: each hit travels with the order to sort by. */
struct keyed {
    struct api_hit hit;
    enum api_sort sort;
};

static int keyed_cmp(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    return api_sort_key_cmp(x->sort, &x->hit.key, &y->hit.key);
}

static int sort_hits(struct api_hit *hits, size_t n, enum api_sort sort)
{
    struct keyed *k;
    if (n < 2)
        return GDIR_OK;
    k = malloc(n * sizeof *k);
    if (!k)
        return GDIR_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        k[i].hit = hits[i];
        k[i].sort = sort;
    }
    qsort(k, n, sizeof *k, keyed_cmp);
    for (size_t i = 0; i < n; i++)
        hits[i] = k[i].hit;
    free(k);
    return GDIR_OK;
}

/* Moves the page out of the pager into out, in order, with has_prev / has_next. */
static int take_page(struct engine *e, struct api_search_result *out)
{
    const struct api_search_params *p = e->p;
    struct heap *h = &e->pager.heap;
    size_t limit = (size_t)p->limit;
    int rc = sort_hits(h->a, h->n, p->sort);

    if (rc)
        return rc;
    out->hits = h->a;
    out->n = h->n;
    h->a = NULL;
    h->n = h->cap = 0;
    if (p->cursor_dir == API_CURSOR_BEFORE) {
        out->has_next = e->pager.outside > 0;
        out->has_prev = out->n > limit;
        if (out->n > limit) {            /* drop the first: it belongs to an earlier page */
            free(out->hits[0].own);
            memmove(out->hits, out->hits + 1, (out->n - 1) * sizeof *out->hits);
            out->n--;
        }
    } else {
        out->has_prev = p->cursor_dir == API_CURSOR_AFTER && e->pager.outside > 0;
        out->has_next = out->n > limit;
        if (out->n > limit) {
            free(out->hits[out->n - 1].own);
            out->n--;
        }
    }
    return GDIR_OK;
}

/* k mode: the k nearest of each set are known; count the facets from them and page the main
 * set in the requested order. */
static int finish_k(struct engine *e, const struct api_search_params *p)
{
    int rc = GDIR_OK;

    for (size_t i = 0; p->facet_category && i < e->kcat.n; i++) {
        if (e->kcat.a[i].cat >= 0)
            e->cat_counts[e->kcat.a[i].cat]++;
        e->cat_total++;
    }
    for (size_t i = 0; p->facet_commune && i < e->kcommune.n; i++) {
        int commune = e->kcommune.a[i].commune;
        e->commune_counts[commune >= 0 ? (size_t)commune : e->db->n_communes]++;
        e->commune_total++;
    }
    e->matched = (long long)e->kmain.n;
    for (size_t i = 0; p->on_match && !rc && i < e->kmain.n; i++)
        rc = p->on_match(p->match_cls, e->kmain.a[i].fid);
    for (size_t i = 0; !rc && i < e->kmain.n; i++) {
        struct api_hit hit = e->kmain.a[i];
        hit.own = NULL;                 /* borrowed: the pager makes its own copy */
        rc = pager_offer(e, &hit);
    }
    return rc;
}

/* e->syn_ok: the categories p's text names and their children; NULL when it names none. */
static int named_categories(struct engine *e)
{
    unsigned char *named = calloc(e->n_tax, 1);
    int rc = GDIR_OK;

    if (!named)
        return GDIR_ENOMEM;
    if (api_synonyms_match(e->p->text, named, e->n_tax) > 0) {
        e->syn_ok = calloc(e->n_tax, 1);
        rc = e->syn_ok ? GDIR_OK : GDIR_ENOMEM;
        if (!rc && e->ix)
            rc = fidset_bits(&e->text_matched, e->ix->min_fid, e->ix->n_fid);
        for (size_t t = 0; e->syn_ok && t < e->n_tax; t++)
            for (size_t n = 0; n < e->n_tax; n++)
                if (named[n] && (n == t || (e->tax[t].parent &&
                                            strcmp(e->tax[t].parent, e->tax[n].code) == 0)))
                    e->syn_ok[t] = 1;
    }
    free(named);
    return rc;
}

/* Sets e up for the search p on db: the category hash table, the category and commune filters,
 * the facet counters. GDIR_ENOMEM when an allocation fails (e keeps what it got). */
static int engine_init(struct engine *e, struct api_db *db, const struct gdir_calendar *cal,
                       const struct api_search_params *p)
{
    e->p = p;
    e->db = db;
    e->cal = cal;
    e->tax = gdir_taxonomy(&e->n_tax);
    e->k_mode = p->k > 0 && p->has_point;
    e->ix = api_pindex_get(db);
    e->cur_tier = -1;
    for (size_t i = 0; i < CAT_SLOTS; i++)
        e->cat_slot[i] = -1;
    for (size_t t = 0; t < e->n_tax && t < CAT_SLOTS / 2; t++) {
        unsigned i = cat_hash(e->tax[t].code);
        while (e->cat_slot[i] >= 0)
            i = (i + 1) & (CAT_SLOTS - 1);
        e->cat_slot[i] = (int)t;
    }

    e->cat_ok = calloc(e->n_tax, 1);
    e->commune_ok = calloc(db->n_communes + 1, 1);
    if (!e->cat_ok || !e->commune_ok)
        return GDIR_ENOMEM;
    for (size_t i = 0; i < p->n_categories; i++) {
        const struct gdir_category *sel = p->categories[i];
        for (size_t t = 0; t < e->n_tax; t++)
            if (strcmp(e->tax[t].code, sel->code) == 0 ||
                (e->tax[t].parent && strcmp(e->tax[t].parent, sel->code) == 0))
                e->cat_ok[t] = 1;
    }
    for (size_t i = 0; i < p->n_communes; i++) {
        int idx = commune_index(e, p->communes[i]);
        if (idx >= 0)
            e->commune_ok[idx] = 1;
    }
    if (p->facet_category && !(e->cat_counts = calloc(e->n_tax, sizeof *e->cat_counts)))
        return GDIR_ENOMEM;
    if (p->facet_commune &&
        !(e->commune_counts = calloc(db->n_communes + 1, sizeof *e->commune_counts)))
        return GDIR_ENOMEM;
    if (p->synonyms && p->text && p->text->n > 0)
        return named_categories(e);
    return GDIR_OK;
}

/* Nothing but a circle or a box (no text, filter, facet, k or cursor): numberMatched is
 * counted through the grid of the place index (whole cells inside, the others place by
 * place) and only the page is searched: the limit + 1 nearest by the growing circle of a
 * k-nearest search, or the limit + 1 first by name through the cells' name order.
 * Returns that count and sets *r_max to the farthest distance a place can be, or returns -1
 * when the search is not that simple. */
static long long fast_count_of(const struct engine *e, double *r_max)
{
    const struct api_search_params *p = e->p;
    int simple = e->ix && !p->text && p->n_categories == 0 && p->n_communes == 0 &&
                 !p->open_filter && !p->extra_test && !p->on_match && !p->facet_category &&
                 !p->facet_commune &&
                 p->cursor_dir == API_CURSOR_NONE && p->k == 0;

    if (simple && p->has_radius && !p->has_bbox && p->sort == API_SORT_DISTANCE) {
        *r_max = p->radius;
        return api_pindex_count_circle(e->ix, p->lat, p->lon, p->radius);
    }
    if (simple && p->has_bbox && !p->has_radius &&
        (p->sort == API_SORT_NAME || (p->sort == API_SORT_DISTANCE && p->has_point))) {
        /* The farthest point of a longitude-latitude box from a point is one of its corners. */
        *r_max = 1.0 + fmax(fmax(gdir_haversine_m(p->lat, p->lon, p->bbox.minlat,
                                                  p->bbox.minlon),
                                 gdir_haversine_m(p->lat, p->lon, p->bbox.minlat,
                                                  p->bbox.maxlon)),
                            fmax(gdir_haversine_m(p->lat, p->lon, p->bbox.maxlat,
                                                  p->bbox.minlon),
                                 gdir_haversine_m(p->lat, p->lon, p->bbox.maxlat,
                                                  p->bbox.maxlon)));
        return api_pindex_count_box(e->ix, &p->bbox);
    }
    return -1;
}

/* The page heap, and in k mode the k-nearest heaps; GDIR_ENOMEM when one fails. */
static int engine_heaps(struct engine *e, long k)
{
    const struct api_search_params *p = e->p;

    if (heap_init(&e->pager.heap, (size_t)p->limit + 1, p->cursor_dir == API_CURSOR_BEFORE,
                  p->sort))
        return GDIR_ENOMEM;
    if (e->k_mode && (heap_init(&e->kmain, (size_t)k, 0, API_SORT_DISTANCE) ||
                      heap_init(&e->kcat, p->facet_category ? (size_t)k : 0, 0,
                                API_SORT_DISTANCE) ||
                      heap_init(&e->kcommune, p->facet_commune ? (size_t)k : 0, 0,
                                API_SORT_DISTANCE)))
        return GDIR_ENOMEM;
    /* Candidates of the place index point into it, and db keeps it past the response. */
    e->pager.heap.borrow = e->kmain.borrow = e->kcat.borrow = e->kcommune.borrow = e->ix != NULL;
    return GDIR_OK;
}

/* k mode without text: grows the box until the circle it encloses holds k places of every set
 * (never beyond r_max: the radius asked, if any, or the box's farthest corner). */
static int k_passes(struct engine *e, long k, double r_max, struct gdir_err *err)
{
    const struct api_search_params *p = e->p;
    int rc;

    e->circle = 1;
    e->r = API_K_START_M < r_max ? API_K_START_M : r_max;
    if (e->ix)   /* from the density around the point: one pass, most of the time */
        e->r = api_pindex_k_radius(e->ix, p->lat, p->lon, k, API_K_MIN_M, e->r);
    for (;;) {
        size_t have;
        engine_reset(e);
        rc = run_pass(e, NULL, err);
        if (rc)
            return rc;
        have = e->kmain.n;
        if (p->facet_category && e->kcat.n < have)
            have = e->kcat.n;
        if (p->facet_commune && e->kcommune.n < have)
            have = e->kcommune.n;
        if (have >= (size_t)k || e->r >= r_max)
            return GDIR_OK;
        double f = have == 0 ? 4.0 : sqrt((double)k / (double)have) * 1.25;
        e->r *= f < 1.5 ? 1.5 : f > 4.0 ? 4.0 : f;
        if (e->r > r_max)
            e->r = r_max;
    }
}

/* Moves the counts of e into out (numberMatched: fast_count when the grid counted it). */
static void hand_over(struct engine *e, struct api_search_result *out, long long fast_count)
{
    out->matched = fast_count >= 0 ? fast_count : e->matched;
    out->hours_unknown = e->hours_unknown;
    out->category_counts = e->cat_counts;
    out->category_total = e->cat_total;
    out->commune_counts = e->commune_counts;
    out->commune_total = e->commune_total;
    out->n_commune_counts = e->commune_counts ? e->db->n_communes + 1 : 0;
    e->cat_counts = e->commune_counts = NULL;
}

int api_search_run(struct api_db *db, const struct gdir_calendar *cal,
                   const struct api_search_params *p, struct api_search_result *out,
                   struct gdir_err *err)
{
    struct engine e;
    struct gdir_buf match;
    int rc = GDIR_OK, have_match = 0;
    long long fast_count = -1;   /* >= 0: numberMatched, counted through the grid */
    double fast_r_max = 0;
    long k = p->k;

    memset(out, 0, sizeof *out);
    memset(&e, 0, sizeof e);
    gdir_buf_init(&match, 0);
    if (engine_init(&e, db, cal, p))
        goto nomem;
    fast_count = fast_count_of(&e, &fast_r_max);
    if (fast_count >= 0 && p->sort == API_SORT_DISTANCE) {
        e.k_mode = 1;
        k = p->limit + 1;
    }
    if (engine_heaps(&e, k))
        goto nomem;

    if (p->text && p->text->n > 0) {
        if (api_vocab_fts_query(api_vocab_get(db), p->text, &match))
            goto nomem;
        have_match = 1;
    }

    e.circle = p->has_radius;
    e.r = p->radius;
    if (e.k_mode && !p->text && (!p->has_bbox || fast_count >= 0)) {
        rc = k_passes(&e, k,
                      fast_count >= 0 ? fast_r_max : p->has_radius ? p->radius : API_K_MAX_M,
                      err);
        if (rc)
            goto out;
    } else if (fast_count >= 0) {   /* by name in a box */
        rc = api_pindex_box_by_name(e.ix, &p->bbox, (size_t)p->limit + 1, on_candidate, &e);
        if (rc)
            goto nomem;
    } else {
        rc = run_pass(&e, have_match ? gdir_buf_str(&match) : NULL, err);
        if (rc)
            goto out;
    }
    if (e.k_mode) {
        rc = finish_k(&e, p);
        if (rc)
            goto nomem;
    }
    rc = take_page(&e, out);
    if (rc)
        goto nomem;
    hand_over(&e, out, fast_count);
    goto out;
nomem:
    rc = gdir_err_set(err, GDIR_ENOMEM, "search: out of memory");
out:
    heap_free(&e.kmain);
    heap_free(&e.kcat);
    heap_free(&e.kcommune);
    heap_free(&e.pager.heap);
    free(e.cat_ok);
    free(e.commune_ok);
    free(e.syn_ok);
    free(e.text_matched.a);
    free(e.text_matched.bits);
    free(e.cat_counts);
    free(e.commune_counts);
    gdir_buf_free(&match);
    if (rc)
        api_search_result_free(out);
    return rc;
}

int api_search_read_page(struct api_db *db, const struct api_search_result *r, api_place_fn *fn,
                         void *cls, struct gdir_err *err)
{
    long long *fids;
    int rc;

    if (r->n == 0)
        return GDIR_OK;
    fids = malloc(r->n * sizeof *fids);
    if (!fids)
        return gdir_err_set(err, GDIR_ENOMEM, "page of places: out of memory");
    for (size_t i = 0; i < r->n; i++)
        fids[i] = r->hits[i].fid;
    rc = api_q_places_by_fid(db, fids, r->n, fn, cls, err);
    free(fids);
    if (rc == GDIR_ENOTFOUND && !err->code)
        rc = gdir_err_set(err, GDIR_EINTERNAL, "a place of the page vanished");
    return rc;
}

/* The walk of api_search_read_scored: the i-th place read is for the i-th hit. */
struct scored_walk {
    const struct api_search_result *r;
    int has_point, has_q;
    size_t i;                     /* next hit */
    api_scored_place_fn *fn;
    void *cls;
};

static int scored_place(void *cls, const struct api_place *p)
{
    struct scored_walk *w = cls;
    const struct api_hit *h = &w->r->hits[w->i++];
    return w->fn(w->cls, p, w->has_point ? h->key.d : -1, w->has_q ? h->key.score : -1);
}

int api_search_read_scored(struct api_db *db, const struct api_search_result *r, int has_point,
                           int has_q, api_scored_place_fn *fn, void *cls, struct gdir_err *err)
{
    struct scored_walk w = {r, has_point, has_q, 0, fn, cls};
    return api_search_read_page(db, r, scored_place, &w, err);
}

void api_search_result_free(struct api_search_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->hits[i].own);
    free(r->hits);
    free(r->category_counts);
    free(r->commune_counts);
    memset(r, 0, sizeof *r);
}
