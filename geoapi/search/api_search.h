/*
 * api_search.h — the place search engine behind GET /api/places and the place suggestions of
 * GET /api/autocomplete: one pass over candidates that filters, counts, facets and pages.
 *
 * Candidates come from one source, chosen by the criteria: the full-text index when there is
 * a text (q), else the R*Tree when there is a circle, a box or k, else the commune index when
 * communes are asked (and no commune facet), else the category index likewise, else every
 * place. Each
 * candidate is then tested in C, exactly: the circle (haversine distance <= radius), the box,
 * the categories, the communes, and "open at" (opening_hours evaluated at one instant). The
 * places passing every test are the matched set: numberMatched counts them all, facets count
 * the places passing every test but their own, and only the page is kept in memory (a bounded
 * heap), so a request costs O(candidates × log limit) time and O(limit) memory.
 *
 * k nearest: without a radius, box or text, the R*Tree box grows (from API_K_START_M, by a
 * factor derived from what it found) until k places pass the tests inside the circle the box
 * encloses — then no place outside can be nearer. The matched set is those k places.
 *
 * Orders are total (the public id breaks ties) and pages are keyset: a cursor is the sort key
 * of the last (or first) place shown, and the next page holds the places strictly after it, so
 * paging never repeats or skips a place, even if the database changes in between.
 *
 * Relevance (sort=relevance, with q): places whose name holds every word exactly (the last as a
 * prefix) come before those that need a typo; within each tier the score is
 *     score = -bm25(places_fts) × proximity,  proximity = 1 / (1 + d / API_PROXIMITY_SCALE_M)
 * with d the distance to lat/lon when given (else proximity = 1): higher first.
 *
 * Categories named by the text (p->synonyms, api_synonyms.h: "médecin", "école", "poubelle"):
 * after the text pass, a second pass over the category index offers the places of those
 * categories (and of their children) that the text did not match, in a third tier (tier 2)
 * scored by proximity alone (1 without a point). Name matches are never pushed down by them;
 * the text pass then walks every match (no early stop) to know which places it matched.
 *
 * Text candidates come from the in-memory copy of the full-text index (api_pindex.h) when
 * there is one and the query's terms are plain ASCII (else from FTS5, as with
 * GEODIR_SEARCH_EXHAUSTIVE=1): the same matches and the same scores, to the last bit. Every
 * match is counted, but by relevance a place that cannot enter the page (its tier, text score
 * and a lower bound of its distance say so) is not looked at; without a filter the walk stops
 * early (a bounded top-k): with a point, blocks of grid cells in rings around it, until even
 * the best text score of the query could not reach the page; without, the name lengths best
 * first, until the next length's best score could not.
 */
#ifndef API_SEARCH_H
#define API_SEARCH_H

#include <stddef.h>
#include <time.h>

#include "api_queries.h"
#include "api_text.h"
#include "gdir_geo.h"
#include "gdir_hours.h"
#include "gdir_taxonomy.h"

#define API_MAX_CATEGORIES 16         /* values of category= */
#define API_MAX_COMMUNES 64           /* values of commune= */
#define API_PROXIMITY_SCALE_M 5000.0  /* distance at which proximity halves the score */
#define API_K_START_M 1000.0          /* first radius of a k-nearest search (at most) */
#define API_K_MIN_M 25.0              /* ... at least (the place index guesses it from the
                                       * density of places around the point) */
#define API_K_MAX_M 20100000.0        /* beyond half the Earth's circumference: everything */

enum api_sort { API_SORT_DISTANCE, API_SORT_RELEVANCE, API_SORT_NAME };

/* "distance", "relevance", "name". */
const char *api_sort_name(enum api_sort s);

/* A position in one order. Strings are borrowed (or owned by the struct api_hit holding it). */
struct api_sort_key {
    double d;            /* distance, metres (API_SORT_DISTANCE) */
    int tier;            /* relevance: 0 every word exact, 1 with typos, 2 a place of a
                          * category the text names (not matched by name) */
    double score;        /* relevance score, higher first */
    const char *name;    /* folded name (API_SORT_NAME) */
    const char *id;      /* public id: breaks every tie */
    long long rank;      /* API_SORT_NAME: 1 + rank of (name, id) in the place index, which
                          * orders like name then id; 0 when unknown (then the strings are
                          * compared) */
};

/* < 0, 0, > 0 as a comes before, with, after b in the order. */
int api_sort_key_cmp(enum api_sort sort, const struct api_sort_key *a,
                     const struct api_sort_key *b);

enum api_cursor_dir { API_CURSOR_NONE, API_CURSOR_AFTER, API_CURSOR_BEFORE };

struct api_search_params {
    int has_point;                    /* lat/lon given: distances are computed */
    double lat, lon;
    int has_radius;                   /* keep places within radius metres of the point */
    double radius;
    long k;                           /* > 0: the k nearest (needs has_point) */
    int has_bbox;                     /* keep places inside bbox (inclusive) */
    struct gdir_bbox bbox;
    const struct api_text_query *text;   /* NULL: no text criterion (borrowed) */
    const struct gdir_category *categories[API_MAX_CATEGORIES];   /* a parent takes its
                                                                   * children */
    size_t n_categories;
    const char *communes[API_MAX_COMMUNES];   /* INSEE codes (borrowed) */
    size_t n_communes;
    int open_filter;                  /* keep places open at `when` */
    int synonyms;                     /* text also finds the places of the categories it
                                       * names (api_synonyms.h), in a third tier */
    time_t when;                      /* instant of the open filter and of every result's state */
    enum api_sort sort;
    long limit;                       /* page size, >= 1 */
    enum api_cursor_dir cursor_dir;   /* the page starts after / ends before cursor */
    struct api_sort_key cursor;
    int facet_category, facet_commune;
    /* An extra exact test (NULL: none), run on each candidate after the circle and box tests:
     * the candidate is kept only when it returns 1 (the OGC API's datetime and Lambert-93
     * bbox). It must not keep c's strings. */
    int (*extra_test)(void *cls, const struct api_candidate *c);
    void *extra_cls;
    /* Called with the row id of every place of the matched set, in no particular order (NULL:
     * none): an export takes them all, not a page. A non-zero return stops the search and is
     * returned. Turns off the counting through the grid (every place is visited). */
    int (*on_match)(void *cls, long long fid);
    void *match_cls;
};

/* One place of the page. */
struct api_hit {
    long long fid;
    struct api_sort_key key;          /* key.id (and key.name) point into own, or into the
                                       * place index of the connection (api_pindex.h), which
                                       * lives until its next request */
    char *own;                        /* owned storage of the key's strings, or NULL */
    int cat;                          /* taxonomy row of its category, -1 if unknown */
    int commune;                      /* index in db->communes, -1 if unlisted */
};

struct api_search_result {
    long long matched;                /* numberMatched */
    long long hours_unknown;          /* open filter: places passing every other test but left
                                       * out because their hours are unknown */
    struct api_hit *hits;             /* owned: the page, in order */
    size_t n;
    int has_prev, has_next;           /* places exist before / after the page */
    long long *category_counts;       /* owned, one per taxonomy row (own category), or NULL */
    long long category_total;         /* places counted by the category facet */
    long long *commune_counts;        /* owned, one per db->communes entry plus one last for
                                       * places of an unlisted or unknown commune, or NULL */
    long long commune_total;
    size_t n_commune_counts;
};

/* Runs the search. cal (may be NULL) gives school holidays to the open filter. On success out
 * holds the page and the counts (free with api_search_result_free); on failure a negative code
 * with err filled (database errors, out of memory). */
int api_search_run(struct api_db *db, const struct gdir_calendar *cal,
                   const struct api_search_params *p, struct api_search_result *out,
                   struct gdir_err *err);

/* Reads the places of the page (r->hits, in order) with one statement (api_q_places_by_fid)
 * and calls fn for each: its i-th call is for r->hits[i]. A place gone from the database is an
 * internal error (the page and the rows come from one read transaction). */
int api_search_read_page(struct api_db *db, const struct api_search_result *r, api_place_fn *fn,
                         void *cls, struct gdir_err *err);

/* What api_search_read_scored calls for each place of the page: the place with its hit's
 * distance in metres (-1 when the request gave no point) and relevance score (-1 when it gave
 * no text). */
typedef int api_scored_place_fn(void *cls, const struct api_place *p, double distance,
                                double score);

/* api_search_read_page for the answers that show each place's distance and score. */
int api_search_read_scored(struct api_db *db, const struct api_search_result *r, int has_point,
                           int has_q, api_scored_place_fn *fn, void *cls, struct gdir_err *err);

/* Releases what the result owns. NULL-safe. */
void api_search_result_free(struct api_search_result *r);

#endif
