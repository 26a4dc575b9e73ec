/*
 * api_pindex.c — the in-memory place index of the search engine: building it from the places
 * table (one scan), the grid (counting sort by cell), ranks by folded name, the fid lookup,
 * its slot in the database generation's shared cache (db/api_gen.h: one index per database
 * build, built outside any global lock), the in-memory full-text index (read from FTS5's instances), and the candidate walks (box, whole
 * table, by fid, by position). See api_pindex.h.
 *
 * Not here: the tests a candidate must pass, counts, facets and pages (api_search.c), SQL
 * (api_queries.c).
 */
#include "api_pindex.h"
#include "gdir_geo.h"
#include "gdir_hash.h"
#include "api_fts.h"
#include "api_gen.h"
#include "gdir_log.h"
#include "gdir_mem.h"
#include "gdir_taxonomy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PLACES_PER_CELL 8        /* average over the data's extent */
#define MAX_CELLS (1u << 22)
#define NO_POS UINT32_MAX
#define PI 3.14159265358979323846
#define M_PER_DEG 111195.0         /* metres per degree of latitude (mean Earth radius) */

/* ---- freeing ----------------------------------------------------------------------------- */

static void text_free(struct api_pindex_text *t)
{
    if (!t)
        return;
    free(t->terms);
    free(t->strings);
    free(t->postings);
    free(t->buckets);
    free(t->plain);
    free(t->id_rank);
    free(t);
}

static void pindex_free(struct api_pindex *ix)
{
    if (!ix)
        return;
    text_free(ix->text);
    free(ix->pl);
    free(ix->arena);
    free(ix->categories);
    free(ix->insee);
    free(ix->hours);
    free(ix->cell_start);
    free(ix->pos_of_fid);
    free(ix->tokens);
    free(ix);
}

/* ---- building ----------------------------------------------------------------------------- */

/* Distinct strings of one column -> dense indexes (open addressing on arena offsets). */
struct intern {
    uint32_t *slot;      /* entry index + 1, 0 free */
    size_t cap;          /* power of two */
    uint32_t *off;       /* arena offset of each entry */
    size_t n, off_cap;
};

struct builder {
    struct api_db *db;
    struct api_pindex *ix;
    size_t cap;                        /* of lat, lon, pl */
    size_t arena_cap;
    struct intern categories, insee, hours;
    int rc;
};

/* Copies s (with its NUL) into the arena; *off receives its offset. */
static int arena_add(struct builder *b, const char *s, uint32_t *off)
{
    struct api_pindex *ix = b->ix;
    size_t len = strlen(s) + 1;
    if (ix->arena_len + len > UINT32_MAX)
        return GDIR_ENOMEM;
    if (gdir_grow(&ix->arena, &b->arena_cap, ix->arena_len + len, 1))
        return GDIR_ENOMEM;
    memcpy(ix->arena + ix->arena_len, s, len);
    *off = (uint32_t)ix->arena_len;
    ix->arena_len += len;
    return GDIR_OK;
}

static int intern_grow(struct intern *t)
{
    size_t ncap = t->cap ? t->cap * 2 : 64;
    uint32_t *slot = calloc(ncap, sizeof *slot);
    if (!slot)
        return GDIR_ENOMEM;
    free(t->slot);
    t->slot = slot;
    t->cap = ncap;
    return GDIR_OK;
}

/* The index of s in t, adding it (to t and the arena) if new. */
static int intern_get(struct builder *b, struct intern *t, const char *s, uint32_t *out)
{
    uint32_t h = (uint32_t)gdir_fnv64_str(GDIR_FNV64_INIT, s);
    size_t i;

    if (t->cap == 0 || (t->n + 1) * 2 > t->cap) {
        if (intern_grow(t))
            return GDIR_ENOMEM;
        for (size_t k = 0; k < t->n; k++) {   /* rehash every entry */
            size_t j = (uint32_t)gdir_fnv64_str(GDIR_FNV64_INIT, b->ix->arena + t->off[k]) &
                       (t->cap - 1);
            while (t->slot[j])
                j = (j + 1) & (t->cap - 1);
            t->slot[j] = (uint32_t)k + 1;
        }
    }
    for (i = h & (t->cap - 1); t->slot[i]; i = (i + 1) & (t->cap - 1)) {
        uint32_t e = t->slot[i] - 1;
        if (strcmp(b->ix->arena + t->off[e], s) == 0) {
            *out = e;
            return GDIR_OK;
        }
    }
    if (gdir_grow(&t->off, &t->off_cap, t->n + 1, sizeof *t->off))
        return GDIR_ENOMEM;
    if (t->n >= UINT16_MAX && t != &b->hours)
        return GDIR_ENOMEM;   /* more distinct categories or communes than a uint16_t holds */
    if (arena_add(b, s, &t->off[t->n]))
        return GDIR_ENOMEM;
    t->slot[i] = (uint32_t)t->n + 1;
    *out = (uint32_t)t->n++;
    return GDIR_OK;
}

static void intern_free(struct intern *t)
{
    free(t->slot);
    free(t->off);
    memset(t, 0, sizeof *t);
}

static int add_place(void *cls, const struct api_candidate *c)
{
    struct builder *b = cls;
    struct api_pindex *ix = b->ix;
    struct api_pindex_place *p;
    uint32_t v;

    if (ix->n + 1 >= NO_POS || gdir_grow(&ix->pl, &b->cap, ix->n + 1, sizeof *ix->pl))
        return GDIR_ENOMEM;   /* a position is a uint32_t, NO_POS excluded */
    p = &ix->pl[ix->n];
    memset(p, 0, sizeof *p);
    p->lat = c->lat;
    p->lon = c->lon;
    p->fid = c->fid;
    if (arena_add(b, c->id, &p->id) || arena_add(b, c->name_key ? c->name_key : "", &p->name))
        return GDIR_ENOMEM;
    if (intern_get(b, &b->categories, c->category ? c->category : "", &v))
        return GDIR_ENOMEM;
    p->category = (uint16_t)v;
    p->insee = 0;
    if (c->insee) {
        if (intern_get(b, &b->insee, c->insee, &v))
            return GDIR_ENOMEM;
        p->insee = (uint16_t)(v + 1);
    }
    p->hours = -1;
    if (c->opening_hours) {
        if (intern_get(b, &b->hours, c->opening_hours, &v))
            return GDIR_ENOMEM;
        p->hours = (int32_t)v;
    }
    ix->n++;
    return GDIR_OK;
}

static unsigned cell_x(const struct api_pindex *ix, double lon)
{
    double f = floor((lon - ix->lon0) / ix->dlon);
    return f <= 0 ? 0 : f >= ix->nx - 1 ? ix->nx - 1 : (unsigned)f;
}

static unsigned cell_y(const struct api_pindex *ix, double lat)
{
    double f = floor((lat - ix->lat0) / ix->dlat);
    return f <= 0 ? 0 : f >= ix->ny - 1 ? ix->ny - 1 : (unsigned)f;
}

/* Chooses the grid over the points' extent and sorts the places by cell (counting sort). */
static int make_grid(struct api_pindex *ix)
{
    double minlat = 90, maxlat = -90, minlon = 180, maxlon = -180, w, h;
    size_t cells, n = ix->n;
    uint32_t *cell_of = NULL, *next = NULL;
    struct api_pindex_place *pl = NULL;
    int rc = GDIR_ENOMEM;

    for (size_t i = 0; i < n; i++) {
        minlat = fmin(minlat, ix->pl[i].lat);
        maxlat = fmax(maxlat, ix->pl[i].lat);
        minlon = fmin(minlon, ix->pl[i].lon);
        maxlon = fmax(maxlon, ix->pl[i].lon);
    }
    if (n == 0)
        minlat = maxlat = minlon = maxlon = 0;
    /* Extents in metres (at least 1 m), cells about square. */
    w = fmax((maxlon - minlon) * cos((minlat + maxlat) / 2 * GDIR_DEG2RAD) * M_PER_DEG, 1.0);
    h = fmax((maxlat - minlat) * M_PER_DEG, 1.0);
    cells = n / PLACES_PER_CELL;
    if (cells < 1)
        cells = 1;
    if (cells > MAX_CELLS)
        cells = MAX_CELLS;
    {
        double fx = sqrt((double)cells * w / h);
        ix->nx = fx < 1 ? 1 : fx > cells ? (unsigned)cells : (unsigned)ceil(fx);
        ix->ny = (unsigned)((cells + ix->nx - 1) / ix->nx);
        if (ix->ny < 1)
            ix->ny = 1;
    }
    ix->lon0 = minlon;
    ix->lat0 = minlat;
    ix->dlon = fmax(maxlon - minlon, 1e-9) / ix->nx;
    ix->dlat = fmax(maxlat - minlat, 1e-9) / ix->ny;
    cells = (size_t)ix->nx * ix->ny;

    ix->cell_start = calloc(cells + 1, sizeof *ix->cell_start);
    cell_of = malloc((n ? n : 1) * sizeof *cell_of);
    next = malloc((cells + 1) * sizeof *next);
    pl = malloc((n ? n : 1) * sizeof *pl);
    if (!ix->cell_start || !cell_of || !next || !pl)
        goto out;
    for (size_t i = 0; i < n; i++) {
        cell_of[i] = cell_y(ix, ix->pl[i].lat) * ix->nx + cell_x(ix, ix->pl[i].lon);
        ix->cell_start[cell_of[i] + 1]++;
    }
    for (size_t c = 0; c < cells; c++)
        ix->cell_start[c + 1] += ix->cell_start[c];
    memcpy(next, ix->cell_start, (cells + 1) * sizeof *next);
    for (size_t i = 0; i < n; i++) {   /* stable: table order within a cell */
        pl[next[cell_of[i]]++] = ix->pl[i];
    }
    free(ix->pl);
    ix->pl = pl;
    pl = NULL;
    rc = GDIR_OK;
out:
    free(cell_of);
    free(next);
    free(pl);
    return rc;
}

/* Copies the arena in grid order: a search reads the strings of neighbouring places, which
 * then share cache lines and pages (in table order they were scattered over the arena). */
static int relayout_arena(struct api_pindex *ix)
{
    char *a = malloc(ix->arena_len ? ix->arena_len : 1);
    size_t len = 0;

    if (!a)
        return GDIR_ENOMEM;
#define MOVE(off_expr)                                                                             \
    do {                                                                                           \
        size_t l_ = strlen(ix->arena + (off_expr)) + 1;                                            \
        memcpy(a + len, ix->arena + (off_expr), l_);                                               \
        (off_expr) = (uint32_t)len;                                                                \
        len += l_;                                                                                 \
    } while (0)
    for (size_t i = 0; i < ix->n; i++) {
        MOVE(ix->pl[i].id);
        MOVE(ix->pl[i].name);
    }
#undef MOVE
    for (size_t i = 0; i < ix->n_categories; i++) {
        size_t l = strlen(ix->categories[i].text) + 1;
        memcpy(a + len, ix->categories[i].text, l);
        ix->categories[i].text = a + len;
        len += l;
    }
    for (size_t i = 1; i < ix->n_insee; i++) {
        size_t l = strlen(ix->insee[i].text) + 1;
        memcpy(a + len, ix->insee[i].text, l);
        ix->insee[i].text = a + len;
        len += l;
    }
    for (size_t i = 0; i < ix->n_hours; i++) {
        size_t l = strlen(ix->hours[i]) + 1;
        memcpy(a + len, ix->hours[i], l);
        ix->hours[i] = a + len;
        len += l;
    }
    free(ix->arena);
    ix->arena = a;
    ix->arena_len = len;
    return GDIR_OK;
}

/* A place's sort key by (folded name, id): the strings themselves, so that the comparator
 * needs no context (qsort has none, and indexes are built concurrently). */
struct name_key {
    const char *name, *id;
    uint32_t pos;
};

static int by_name_id(const void *a, const void *b)
{
    const struct name_key *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->id, y->id);
}

static int by_rank(const void *a, const void *b)
{
    uint32_t x = ((const struct api_pindex_place *)a)->name_rank;
    uint32_t y = ((const struct api_pindex_place *)b)->name_rank;
    return x < y ? -1 : x > y;
}

/* name_rank of every place, each cell sorted by it, and the fid -> position table. */
static int make_ranks(struct api_pindex *ix)
{
    struct name_key *order = malloc((ix->n ? ix->n : 1) * sizeof *order);
    long long min_fid = 0, max_fid = 0;

    if (!order)
        return GDIR_ENOMEM;
    for (size_t i = 0; i < ix->n; i++) {
        order[i].name = ix->arena + ix->pl[i].name;
        order[i].id = ix->arena + ix->pl[i].id;
        order[i].pos = (uint32_t)i;
    }
    qsort(order, ix->n, sizeof *order, by_name_id);
    for (size_t r = 0; r < ix->n; r++)
        ix->pl[order[r].pos].name_rank = (uint32_t)r;
    free(order);
    /* Within each cell, places in name order: a box's first places by name are then found
     * without looking at every place of the cells inside it (api_pindex_box_by_name). */
    for (size_t c = 0; c < (size_t)ix->nx * ix->ny; c++)
        if (ix->cell_start[c + 1] - ix->cell_start[c] > 1)
            qsort(ix->pl + ix->cell_start[c], ix->cell_start[c + 1] - ix->cell_start[c],
                  sizeof *ix->pl, by_rank);

    for (size_t i = 0; i < ix->n; i++) {
        if (i == 0 || ix->pl[i].fid < min_fid)
            min_fid = ix->pl[i].fid;
        if (i == 0 || ix->pl[i].fid > max_fid)
            max_fid = ix->pl[i].fid;
    }
    /* fids are the rowids of places: dense in practice. A sparse table (more than 4 slots per
     * place) is refused rather than given gigabytes; searches then use SQLite. */
    if (ix->n && (unsigned long long)(max_fid - min_fid) >= 4ull * ix->n + 1024)
        return GDIR_ENOMEM;
    ix->min_fid = min_fid;
    ix->n_fid = ix->n ? (size_t)(max_fid - min_fid) + 1 : 0;
    ix->pos_of_fid = malloc((ix->n_fid ? ix->n_fid : 1) * sizeof *ix->pos_of_fid);
    if (!ix->pos_of_fid)
        return GDIR_ENOMEM;
    for (size_t f = 0; f < ix->n_fid; f++)
        ix->pos_of_fid[f] = NO_POS;
    for (size_t i = 0; i < ix->n; i++)
        ix->pos_of_fid[ix->pl[i].fid - min_fid] = (uint32_t)i;
    return GDIR_OK;
}

/* The length of each place's name in tokens, from the full-text index (geodir_bm25). */
static int add_tokens(void *cls, long long fid, long long tokens)
{
    struct api_pindex *ix = cls;
    if (fid < ix->min_fid || (unsigned long long)(fid - ix->min_fid) >= ix->n_fid)
        return GDIR_OK;
    if (tokens >= 0 && tokens < UINT16_MAX)
        ix->tokens[fid - ix->min_fid] = (uint16_t)tokens;
    return GDIR_OK;
}

static void load_tokens(struct api_db *db, struct api_pindex *ix)
{
    struct gdir_err err;
    gdir_err_clear(&err);
    ix->tokens = malloc((ix->n_fid ? ix->n_fid : 1) * sizeof *ix->tokens);
    if (!ix->tokens)
        return;   /* geodir_bm25 then asks FTS5 */
    for (size_t f = 0; f < ix->n_fid; f++)
        ix->tokens[f] = UINT16_MAX;
    if (api_q_fts_docsizes(db, add_tokens, ix, &err) != 0) {
        free(ix->tokens);
        ix->tokens = NULL;
    }
}

/* The position of the place with row id fid, NO_POS if none. */
static uint32_t pos_of(const struct api_pindex *ix, long long fid)
{
    if (fid < ix->min_fid || (unsigned long long)(fid - ix->min_fid) >= ix->n_fid)
        return NO_POS;
    return ix->pos_of_fid[fid - ix->min_fid];
}

/* ---- the full-text index in memory ---------------------------------------------------------- */

/* While reading FTS5's instances: each name's tokens in order, as term numbers, in one array
 * (slot[slot_start[pos] + offset]), from which the postings are then made position by
 * position (so that each term's postings come by position). */
struct text_builder {
    const struct api_pindex *ix;
    struct api_pindex_text *t;
    size_t terms_cap, strings_len, strings_cap;
    uint32_t *slot_start;    /* n_fid + 1, by fid - min_fid: FTS5 lists a term's rows by
                              * fid, so that the slots are written about in order */
    uint32_t *slot;          /* UINT32_MAX: not seen */
    uint16_t *last_tokens;   /* per term: the name length of its last posting */
    long long last_fid;
    int bad;                 /* the instances do not add up: no in-memory index */
};

static int on_instance(void *cls, const char *term, size_t len, long long fid, long long offset)
{
    struct text_builder *b = cls;
    struct api_pindex_text *t = b->t;
    const struct api_pindex *ix = b->ix;
    uint32_t pos, s;
    size_t f;

    if (t->n_terms == 0 || t->terms[t->n_terms - 1].len != len ||
        memcmp(t->strings + t->terms[t->n_terms - 1].text, term, len) != 0) {
        if (t->n_terms) {   /* terms must come sorted (then a term is looked up by bisection) */
            const struct api_pindex_term *prev = &t->terms[t->n_terms - 1];
            size_t m = prev->len < len ? prev->len : len;
            int c = memcmp(t->strings + prev->text, term, m);
            if (c > 0 || (c == 0 && prev->len >= len)) {
                b->bad = 1;
                return 1;
            }
        }
        if (memchr(term, '\0', len) || len >= UINT32_MAX ||
            b->strings_len + len + 1 >= UINT32_MAX || t->n_terms >= UINT32_MAX - 1)
            return GDIR_ENOMEM;
        if (gdir_grow(&t->terms, &b->terms_cap, t->n_terms + 1, sizeof *t->terms) ||
            gdir_grow(&t->strings, &b->strings_cap, b->strings_len + len + 1, 1))
            return GDIR_ENOMEM;
        memcpy(t->strings + b->strings_len, term, len);
        t->strings[b->strings_len + len] = '\0';
        memset(&t->terms[t->n_terms], 0, sizeof t->terms[t->n_terms]);
        t->terms[t->n_terms].text = (uint32_t)b->strings_len;
        t->terms[t->n_terms].len = (uint32_t)len;
        t->n_terms++;
        b->strings_len += len + 1;
    }
    pos = pos_of(ix, fid);
    if (pos == NO_POS || offset < 0) {
        b->bad = 1;
        return 1;
    }
    f = (size_t)(fid - ix->min_fid);
    if (offset >= b->slot_start[f + 1] - b->slot_start[f]) {
        b->bad = 1;
        return 1;
    }
    s = b->slot_start[f] + (uint32_t)offset;
    if (b->slot[s] != UINT32_MAX) {
        b->bad = 1;
        return 1;
    }
    b->slot[s] = (uint32_t)(t->n_terms - 1);
    return GDIR_OK;
}

struct id_pos {
    const char *id;
    uint32_t pos;
};

static int by_id(const void *a, const void *b)
{
    return strcmp(((const struct id_pos *)a)->id, ((const struct id_pos *)b)->id);
}

static int by_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The distinct terms of a name (its slots, copied into tmp and sorted): calls put for each
 * with its count. */
static void name_terms(const uint32_t *slots, size_t n, uint32_t *tmp,
                       void (*put)(struct text_builder *, uint32_t, uint32_t, uint16_t,
                                   uint16_t),
                       struct text_builder *t, uint32_t pos)
{
    memcpy(tmp, slots, n * sizeof *tmp);
    if (n > 16) {
        qsort(tmp, n, sizeof *tmp, by_u32);
    } else {   /* names are short: insertion sort */
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && tmp[j - 1] > tmp[j]; j--) {
                uint32_t x = tmp[j];
                tmp[j] = tmp[j - 1];
                tmp[j - 1] = x;
            }
    }
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && tmp[j] == tmp[i])
            j++;
        put(t, tmp[i], pos, (uint16_t)(j - i), (uint16_t)n);
        i = j;
    }
}

/* Places come by name length, then position: a term starts a new bucket at each length. */
static void count_posting(struct text_builder *b, uint32_t term, uint32_t pos, uint16_t freq,
                          uint16_t tokens)
{
    struct api_pindex_term *tm = &b->t->terms[term];
    (void)pos;
    (void)freq;
    if (tm->n == 0 || b->last_tokens[term] != tokens)
        tm->n_buckets++;
    b->last_tokens[term] = tokens;
    tm->n++;
}

static void put_posting(struct text_builder *b, uint32_t term, uint32_t pos, uint16_t freq,
                        uint16_t tokens)
{
    struct api_pindex_term *tm = &b->t->terms[term];
    struct api_pindex_posting *p = &b->t->postings[tm->first + tm->n];
    if (tm->n == 0 || b->last_tokens[term] != tokens) {
        struct api_pindex_bucket *k = &b->t->buckets[tm->first_bucket + tm->n_buckets++];
        k->start = (uint32_t)tm->n;
        k->tokens = tokens;
    }
    b->last_tokens[term] = tokens;
    tm->n++;
    p->pos = pos;
    p->freq = freq;
    p->tokens = tokens;
    if (tm->n == 1 || freq > tm->max_freq)
        tm->max_freq = freq;
    if (tm->n == 1 || tokens < tm->min_tokens)
        tm->min_tokens = tokens;
}

/* 1 when the folded name is, word for word, the tokens of slots. */
static int is_plain(const struct api_pindex_text *t, const char *name, const uint32_t *slots,
                    size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct api_pindex_term *tm = &t->terms[slots[i]];
        if (i > 0 && *name++ != ' ')
            return 0;
        if (strncmp(name, t->strings + tm->text, tm->len) != 0)
            return 0;
        name += tm->len;
    }
    return *name == '\0';
}

/* Where each place's tokens start in b->slot (b->slot_start), with the longest name, the rows
 * and the tokens it expects of FTS5. GDIR_EINVAL when a row length is unknown. */
static int slot_starts(struct text_builder *b, size_t *max_tokens, long long *rows,
                       long long *tokens)
{
    const struct api_pindex *ix = b->ix;

    b->slot_start = malloc((ix->n_fid + 1) * sizeof *b->slot_start);
    if (!b->slot_start)
        return GDIR_ENOMEM;
    b->slot_start[0] = 0;
    for (size_t f = 0; f < ix->n_fid; f++) {
        uint16_t d = ix->pos_of_fid[f] == NO_POS ? 0 : ix->tokens[f];
        if (d == UINT16_MAX || (uint64_t)b->slot_start[f] + d >= UINT32_MAX)
            return GDIR_EINVAL;   /* a row length unknown: no exact score */
        b->slot_start[f + 1] = b->slot_start[f] + d;
        *max_tokens = d > *max_tokens ? d : *max_tokens;
        *rows += ix->pos_of_fid[f] != NO_POS;
        *tokens += d;
    }
    return GDIR_OK;
}

/* Reads the full-text instances into b->slot; GDIR_EINVAL when they do not add up to the rows
 * and tokens expected, or leave a token unlisted. */
static int read_instances(struct api_db *db, struct text_builder *b, long long rows,
                          long long tokens, struct gdir_err *err)
{
    size_t n_slots = b->slot_start[b->ix->n_fid];
    long long n_rows, n_tokens;
    int rc;

    b->slot = malloc((n_slots + 1) * sizeof *b->slot);
    if (!b->slot)
        return GDIR_ENOMEM;
    memset(b->slot, 0xff, (n_slots + 1) * sizeof *b->slot);
    rc = api_q_fts_instances(db, on_instance, b, &n_rows, &n_tokens, err);
    if (b->bad || (rc == GDIR_OK && (n_rows != rows || n_tokens != tokens)))
        return GDIR_EINVAL;
    if (rc)
        return rc;
    for (size_t s = 0; s < n_slots; s++)
        if (b->slot[s] == UINT32_MAX)
            return GDIR_EINVAL;   /* a token FTS5 counted but did not list */
    b->t->n_rows = n_rows;
    b->t->n_tokens = n_tokens;
    return GDIR_OK;
}

/* The places by name length, then position (a counting sort into by_len; len_start: room for
 * max_tokens + 2, zeroed): each term's postings then come in that order. */
static void order_by_length(const struct api_pindex *ix, size_t max_tokens, uint32_t *by_len,
                            uint32_t *len_start)
{
    for (size_t i = 0; i < ix->n; i++)
        len_start[ix->tokens[ix->pl[i].fid - ix->min_fid] + 1]++;
    for (size_t l = 0; l <= max_tokens; l++)
        len_start[l + 1] += len_start[l];
    for (size_t i = 0; i < ix->n; i++)
        by_len[len_start[ix->tokens[ix->pl[i].fid - ix->min_fid]]++] = (uint32_t)i;
}

/* The postings and buckets of every term (counted, laid out, then written in by_len's order),
 * and which names are plain. tmp: room for the longest name. */
static int fill_postings(struct text_builder *b, const uint32_t *by_len, uint32_t *tmp)
{
    const struct api_pindex *ix = b->ix;
    struct api_pindex_text *t = b->t;

    for (size_t r = 0; r < ix->n; r++) {
        uint32_t i = by_len[r];
        size_t f = (size_t)(ix->pl[i].fid - ix->min_fid);
        name_terms(b->slot + b->slot_start[f], b->slot_start[f + 1] - b->slot_start[f], tmp,
                   count_posting, b, i);
    }
    for (size_t k = 0; k < t->n_terms; k++) {
        t->terms[k].first = t->n_postings;
        t->n_postings += t->terms[k].n;
        t->terms[k].n = 0;
        t->terms[k].first_bucket = t->n_buckets;
        t->n_buckets += t->terms[k].n_buckets;
        t->terms[k].n_buckets = 0;
    }
    t->postings = malloc((t->n_postings + 1) * sizeof *t->postings);
    t->buckets = malloc((t->n_buckets + 1) * sizeof *t->buckets);
    t->plain = malloc(ix->n + 1);
    t->id_rank = malloc((ix->n + 1) * sizeof *t->id_rank);
    if (!t->postings || !t->buckets || !t->plain || !t->id_rank)
        return GDIR_ENOMEM;
    for (size_t r = 0; r < ix->n; r++) {
        uint32_t i = by_len[r];
        size_t f = (size_t)(ix->pl[i].fid - ix->min_fid);
        const uint32_t *slots = b->slot + b->slot_start[f];
        size_t d = b->slot_start[f + 1] - b->slot_start[f];
        name_terms(slots, d, tmp, put_posting, b, i);
        t->plain[i] = (unsigned char)is_plain(t, ix->arena + ix->pl[i].name, slots, d);
    }
    return GDIR_OK;
}

/* Ranks of the ids into t->id_rank: (id, position) pairs sorted by id. */
static int rank_ids(const struct api_pindex *ix, struct api_pindex_text *t)
{
    struct id_pos *ids = malloc((ix->n + 1) * sizeof *ids);

    if (!ids)
        return GDIR_ENOMEM;
    for (size_t i = 0; i < ix->n; i++) {
        ids[i].id = ix->arena + ix->pl[i].id;
        ids[i].pos = (uint32_t)i;
    }
    qsort(ids, ix->n, sizeof *ids, by_id);
    for (size_t r = 0; r < ix->n; r++)
        t->id_rank[ids[r].pos] = (uint32_t)r;
    free(ids);
    return GDIR_OK;
}

/* Builds ix->text from the full-text index of db; leaves it NULL (logged) when it cannot. */
static void load_text(struct api_db *db, struct api_pindex *ix)
{
    struct text_builder b;
    struct gdir_err err;
    const char *off = getenv("GEODIR_SEARCH_EXHAUSTIVE");
    long long rows = 0, tokens = 0;
    struct timespec t0, t1;
    uint32_t *tmp = NULL, *by_len = NULL, *len_start = NULL;
    size_t max_tokens = 0;
    int rc = GDIR_ENOMEM;

    if (off && *off && strcmp(off, "0") != 0) {
        gdir_log(GDIR_LOG_INFO, "db", "msg=\"text search: exhaustive (GEODIR_SEARCH_EXHAUSTIVE)\"");
        return;
    }
    if (!ix->tokens)
        return;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(&b, 0, sizeof b);
    gdir_err_clear(&err);
    b.ix = ix;
    b.t = calloc(1, sizeof *b.t);
    if (!b.t)
        goto out;
    rc = slot_starts(&b, &max_tokens, &rows, &tokens);
    if (rc)
        goto out;
    rc = GDIR_ENOMEM;
    tmp = malloc((max_tokens + 1) * sizeof *tmp);
    if (!tmp)
        goto out;
    rc = read_instances(db, &b, rows, tokens, &err);
    if (rc)
        goto out;
    rc = GDIR_ENOMEM;
    by_len = malloc((ix->n + 1) * sizeof *by_len);
    len_start = calloc(max_tokens + 2, sizeof *len_start);
    b.last_tokens = malloc((b.t->n_terms + 1) * sizeof *b.last_tokens);
    if (!by_len || !len_start || !b.last_tokens)
        goto out;
    order_by_length(ix, max_tokens, by_len, len_start);
    rc = fill_postings(&b, by_len, tmp);
    if (!rc)
        rc = rank_ids(ix, b.t);
out:
    if (rc == GDIR_OK) {
        ix->text = b.t;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        gdir_log(GDIR_LOG_INFO, "db", "msg=\"text index built\" terms=%zu postings=%zu bytes=%zu "
                                      "ms=%.0f",
                 b.t->n_terms, b.t->n_postings,
                 b.t->n_postings * sizeof *b.t->postings + b.t->n_terms * sizeof *b.t->terms +
                     b.t->n_buckets * sizeof *b.t->buckets +
                     b.strings_len + ix->n * (1 + sizeof *b.t->id_rank),
                 (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    } else {
        text_free(b.t);
        gdir_log(GDIR_LOG_WARN, "db", "msg=\"text index not built: text searches go through "
                                      "FTS5\" code=%s", gdir_err_name(err.code ? err.code : rc));
    }
    free(b.slot_start);
    free(b.slot);
    free(tmp);
    free(by_len);
    free(len_start);
    free(b.last_tokens);
}

/* Turns the interned strings into the index's code tables (the arena no longer moves). */
static int make_tables(struct builder *b)
{
    struct api_pindex *ix = b->ix;
    const struct gdir_category *tax;
    size_t n_tax;

    tax = gdir_taxonomy(&n_tax);
    (void)n_tax;
    ix->n_categories = b->categories.n;
    ix->categories = calloc(ix->n_categories + 1, sizeof *ix->categories);
    ix->n_insee = b->insee.n + 1;
    ix->insee = calloc(ix->n_insee, sizeof *ix->insee);
    ix->n_hours = b->hours.n;
    ix->hours = calloc(ix->n_hours + 1, sizeof *ix->hours);
    if (!ix->categories || !ix->insee || !ix->hours)
        return GDIR_ENOMEM;
    for (size_t i = 0; i < b->categories.n; i++) {
        const struct gdir_category *c;
        ix->categories[i].text = ix->arena + b->categories.off[i];
        c = gdir_category_find(ix->categories[i].text);
        ix->categories[i].row = c ? (int)(c - tax) : -1;
    }
    ix->insee[0].text = NULL;
    ix->insee[0].row = -1;
    for (size_t i = 0; i < b->insee.n; i++) {
        const struct api_commune_entry *c;
        ix->insee[i + 1].text = ix->arena + b->insee.off[i];
        c = api_db_commune(b->db, ix->insee[i + 1].text);
        ix->insee[i + 1].row = c ? (int)(c - b->db->communes) : -1;
    }
    for (size_t i = 0; i < b->hours.n; i++)
        ix->hours[i] = ix->arena + b->hours.off[i];
    return GDIR_OK;
}

/* api_gen_build_fn of the place index: ctx is the asking thread's connection. */
static int pindex_build(void *ctx, void **out, struct gdir_err *err)
{
    struct api_db *db = ctx;
    struct builder b;
    int rc;

    memset(&b, 0, sizeof b);
    b.db = db;
    b.ix = calloc(1, sizeof *b.ix);
    if (!b.ix)
        return gdir_err_set(err, GDIR_ENOMEM, "place index: out of memory");
    rc = api_q_candidates(db, API_CAND_ALL, NULL, NULL, add_place, &b, err);
    if (!rc)
        rc = make_tables(&b);
    if (!rc)
        rc = make_grid(b.ix);
    if (!rc)
        rc = relayout_arena(b.ix);
    if (!rc)
        rc = make_ranks(b.ix);
    if (!rc)
        load_tokens(db, b.ix);   /* optional: without it, geodir_bm25 asks FTS5 */
    if (!rc)
        load_text(db, b.ix);     /* optional: without it, text searches go through FTS5 */
    intern_free(&b.categories);
    intern_free(&b.insee);
    intern_free(&b.hours);
    if (rc) {
        if (!err->code)
            gdir_err_set(err, rc, "place index: %s", gdir_err_text(rc));
        pindex_free(b.ix);
        return rc;
    }
    gdir_log(GDIR_LOG_INFO, "db", "msg=\"place index built\" places=%zu cells=%ux%u bytes=%zu",
             b.ix->n, b.ix->nx, b.ix->ny,
             b.ix->n * sizeof *b.ix->pl + b.ix->arena_len +
                 ((size_t)b.ix->nx * b.ix->ny + b.ix->n_fid) * 4);
    *out = b.ix;
    return GDIR_OK;
}

static void pindex_free_fn(void *obj)
{
    pindex_free(obj);
}

const struct api_pindex *api_pindex_get(struct api_db *db)
{
    struct api_pindex *ix;
    struct gdir_err err;

    if (db->pindex || db->pindex_failed)
        return db->pindex;
    gdir_err_clear(&err);
    ix = api_db_gen(db, &err)
             ? api_gen_slot(db->gen, API_GEN_PINDEX, pindex_build, pindex_free_fn, db, &err)
             : NULL;
    if (!ix) {
        db->pindex_failed = 1;
        gdir_log(GDIR_LOG_WARN, "db", "msg=\"place index not built: searches read every "
                                      "candidate from SQLite\" code=%s", gdir_err_name(err.code));
        return NULL;
    }
    db->pindex = ix;
    db->row_lengths.tokens = ix->tokens;
    db->row_lengths.min_fid = ix->min_fid;
    db->row_lengths.n_fid = ix->n_fid;
    return ix;
}

/* ---- walks -------------------------------------------------------------------------------- */

static int emit(const struct api_pindex *ix, size_t i, double bm25, api_candidate_fn *fn,
                void *cls)
{
    const struct api_pindex_place *p = &ix->pl[i];
    const struct api_pindex_code *cat = &ix->categories[p->category];
    const struct api_pindex_code *insee = &ix->insee[p->insee];
    struct api_candidate c = {
        .fid = p->fid,
        .id = ix->arena + p->id,
        .lat = p->lat,
        .lon = p->lon,
        .category = cat->text,
        .insee = insee->text,
        .opening_hours = p->hours >= 0 ? ix->hours[p->hours] : NULL,
        .name_key = ix->arena + p->name,
        .bm25 = bm25,
        .resolved = 1,
        .cat_row = cat->row,
        .commune_row = insee->row,
        .name_rank = (long long)p->name_rank + 1,
    };
    return fn(cls, &c);
}

int api_pindex_box(const struct api_pindex *ix, const struct gdir_bbox *box,
                   api_candidate_fn *fn, void *cls)
{
    unsigned cx0, cx1, cy0, cy1;
    int rc;

    if (ix->n == 0 || !(box->minlon <= box->maxlon && box->minlat <= box->maxlat))
        return GDIR_OK;
    cx0 = cell_x(ix, box->minlon);
    cx1 = cell_x(ix, box->maxlon);
    cy0 = cell_y(ix, box->minlat);
    cy1 = cell_y(ix, box->maxlat);
    for (unsigned cy = cy0; cy <= cy1; cy++) {
        /* The cells cx0..cx1 of a row are contiguous. */
        size_t from = ix->cell_start[(size_t)cy * ix->nx + cx0];
        size_t to = ix->cell_start[(size_t)cy * ix->nx + cx1 + 1];
        for (size_t i = from; i < to; i++) {
            double lat = ix->pl[i].lat, lon = ix->pl[i].lon;
            if (lon < box->minlon || lon > box->maxlon || lat < box->minlat || lat > box->maxlat)
                continue;
            rc = emit(ix, i, 0, fn, cls);
            if (rc)
                return rc;
        }
    }
    return GDIR_OK;
}

/* The index of text in a code table, -1 when absent (NULL matches insee[0]). */
static long code_find(const struct api_pindex_code *t, size_t n, const char *text)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].text ? text && strcmp(t[i].text, text) == 0 : !text)
            return (long)i;
    return -1;
}

int api_pindex_scan(const struct api_pindex *ix, const char *insee, const char *category,
                    api_candidate_fn *fn, void *cls)
{
    long want_insee = -1, want_cat = -1;
    int rc;

    if (insee && (want_insee = code_find(ix->insee + 1, ix->n_insee - 1, insee)) < 0)
        return GDIR_OK;
    if (category && (want_cat = code_find(ix->categories, ix->n_categories, category)) < 0)
        return GDIR_OK;
    for (size_t i = 0; i < ix->n; i++) {
        if (want_insee >= 0 && ix->pl[i].insee != want_insee + 1)
            continue;
        if (want_cat >= 0 && ix->pl[i].category != want_cat)
            continue;
        rc = emit(ix, i, 0, fn, cls);
        if (rc)
            return rc;
    }
    return GDIR_OK;
}

int api_pindex_fid(const struct api_pindex *ix, long long fid, double bm25,
                   api_candidate_fn *fn, void *cls)
{
    uint32_t pos;
    if (fid < ix->min_fid || (unsigned long long)(fid - ix->min_fid) >= ix->n_fid)
        return GDIR_OK;
    pos = ix->pos_of_fid[fid - ix->min_fid];
    return pos == NO_POS ? GDIR_OK : emit(ix, pos, bm25, fn, cls);
}

int api_pindex_at(const struct api_pindex *ix, size_t pos, double bm25, api_candidate_fn *fn,
                  void *cls)
{
    return emit(ix, pos, bm25, fn, cls);
}

/* < 0, 0, > 0 as term k sorts before, at, after text[0..len) (compared on len bytes when
 * prefix: every term starting with text then compares equal). */
static int term_cmp(const struct api_pindex_text *t, size_t k, const char *text, size_t len,
                    int prefix)
{
    const struct api_pindex_term *tm = &t->terms[k];
    size_t m = tm->len < len ? tm->len : len;
    int c = memcmp(t->strings + tm->text, text, m);
    if (c || tm->len == len)
        return c;
    if (tm->len < len)
        return -1;
    return prefix ? 0 : 1;
}

void api_pindex_text_terms(const struct api_pindex_text *t, const char *text, size_t len,
                           int prefix, size_t *from, size_t *to)
{
    size_t lo = 0, hi = t->n_terms;
    while (lo < hi) {   /* the first term not before text */
        size_t mid = lo + (hi - lo) / 2;
        if (term_cmp(t, mid, text, len, prefix) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *from = lo;
    hi = t->n_terms;
    while (lo < hi) {   /* the first term after it */
        size_t mid = lo + (hi - lo) / 2;
        if (term_cmp(t, mid, text, len, prefix) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *to = lo;
}

size_t api_pindex_cell_of(const struct api_pindex *ix, size_t pos, size_t from)
{
    size_t last = (size_t)ix->nx * ix->ny - 1, step = 1, lo, hi;
    if (from >= last || ix->cell_start[from + 1] > pos)
        return from < last ? from : last;
    /* Gallop: cells hi with cell_start[hi + 1] > pos, lo the last known not to be it. */
    lo = from;
    while (from + step < last && ix->cell_start[from + step + 1] <= pos) {
        lo = from + step;
        step *= 2;
    }
    hi = from + step < last ? from + step : last;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->cell_start[mid + 1] > pos)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

int api_pindex_hits(const struct api_pindex *ix, const struct api_pindex_hit *hits, size_t n,
                    api_candidate_fn *fn, void *cls)
{
    enum { AHEAD = 16 };   /* records fetched this many hits ahead, names half as many */
    int rc;

    for (size_t i = 0; i < n; i++) {
        uint32_t pos;
        if (i + AHEAD < n && (pos = pos_of(ix, hits[i + AHEAD].fid)) != NO_POS)
            __builtin_prefetch(&ix->pl[pos]);
        if (i + AHEAD / 2 < n && (pos = pos_of(ix, hits[i + AHEAD / 2].fid)) != NO_POS)
            __builtin_prefetch(ix->arena + ix->pl[pos].name);
        pos = pos_of(ix, hits[i].fid);
        if (pos != NO_POS && (rc = emit(ix, pos, hits[i].bm25, fn, cls)) != 0)
            return rc;
    }
    return GDIR_OK;
}

double api_pindex_k_radius(const struct api_pindex *ix, double lat, double lon, long k,
                           double min_m, double max_m)
{
    unsigned cx, cy, x0, x1, y0, y1;
    size_t count = 0;
    double area, r;

    if (ix->n == 0 || lat < ix->lat0 || lat > ix->lat0 + ix->ny * ix->dlat ||
        lon < ix->lon0 || lon > ix->lon0 + ix->nx * ix->dlon)
        return max_m;
    cx = cell_x(ix, lon);
    cy = cell_y(ix, lat);
    x0 = cx > 0 ? cx - 1 : 0;
    x1 = cx + 1 < ix->nx ? cx + 1 : cx;
    y0 = cy > 0 ? cy - 1 : 0;
    y1 = cy + 1 < ix->ny ? cy + 1 : cy;
    for (unsigned y = y0; y <= y1; y++)
        count += ix->cell_start[(size_t)y * ix->nx + x1 + 1] -
                 ix->cell_start[(size_t)y * ix->nx + x0];
    if (count == 0)
        return max_m;
    area = (x1 - x0 + 1) * ix->dlon * cos(lat * GDIR_DEG2RAD) * M_PER_DEG * (y1 - y0 + 1) * ix->dlat *
           M_PER_DEG;
    r = 2 * sqrt((double)k * area / ((double)count * PI));
    return r < min_m ? min_m : r > max_m ? max_m : r;
}

/* ---- counts through the grid ------------------------------------------------------------ */

/* Cells are tested with their bounds widened by CELL_MARGIN degrees: a place is filed by
 * floor((lon - lon0) / dlon), which rounding may move by an ulp across a cell's edge. */
#define CELL_MARGIN 1e-9

static double cell_lon(const struct api_pindex *ix, unsigned cx)
{
    return ix->lon0 + cx * ix->dlon;
}

static double cell_lat(const struct api_pindex *ix, unsigned cy)
{
    return ix->lat0 + cy * ix->dlat;
}

long long api_pindex_count_box(const struct api_pindex *ix, const struct gdir_bbox *box)
{
    unsigned cx0, cx1, cy0, cy1;
    long long count = 0;

    if (ix->n == 0 || !(box->minlon <= box->maxlon && box->minlat <= box->maxlat))
        return 0;
    cx0 = cell_x(ix, box->minlon);
    cx1 = cell_x(ix, box->maxlon);
    cy0 = cell_y(ix, box->minlat);
    cy1 = cell_y(ix, box->maxlat);
    for (unsigned cy = cy0; cy <= cy1; cy++) {
        int row_in = cell_lat(ix, cy) - CELL_MARGIN >= box->minlat &&
                     cell_lat(ix, cy + 1) + CELL_MARGIN <= box->maxlat;
        for (unsigned cx = cx0; cx <= cx1; cx++) {
            size_t from = ix->cell_start[(size_t)cy * ix->nx + cx];
            size_t to = ix->cell_start[(size_t)cy * ix->nx + cx + 1];
            if (from == to)
                continue;
            if (row_in && cell_lon(ix, cx) - CELL_MARGIN >= box->minlon &&
                cell_lon(ix, cx + 1) + CELL_MARGIN <= box->maxlon) {
                count += (long long)(to - from);   /* the whole cell is inside */
                continue;
            }
            for (size_t i = from; i < to; i++) {
                const struct api_pindex_place *p = &ix->pl[i];
                count += p->lon >= box->minlon && p->lon <= box->maxlon &&
                         p->lat >= box->minlat && p->lat <= box->maxlat;
            }
        }
    }
    return count;
}

/* sin^2(x / 2). */
static double hav(double x)
{
    double s = sin(x / 2);
    return s * s;
}

/* Half-width in degrees of longitude, at latitude phi (radians), of the places whose haversine
 * term a = hav(dphi) + cos(phi_c) cos(phi) hav(dlon) is at most a_max; -1 when none. */
static double half_width(double a_max, double hav_dphi, double cos_c, double cos_phi)
{
    double h;
    if (cos_phi <= 0 || cos_c <= 0)
        return 180;
    h = (a_max - hav_dphi) / (cos_c * cos_phi);
    if (h < 0)
        return -1;
    if (h >= 1)
        return 180;
    return 2 * asin(sqrt(h)) / GDIR_DEG2RAD;
}

long long api_pindex_count_circle(const struct api_pindex *ix, double lat, double lon, double r)
{
    const double earth = 6371008.8;   /* GDIR_EARTH_RADIUS_M, the radius of gdir_haversine_m */
    struct gdir_bbox bb;
    double cos_c = cos(lat * GDIR_DEG2RAD), a_in, a_out;
    unsigned cx0, cx1, cy0, cy1;
    long long count = 0;

    if (ix->n == 0)
        return 0;
    gdir_bbox_around(lat, lon, r, &bb);
    if (r < 1 || r > 1e6 || bb.minlon <= -180 || bb.maxlon >= 180 || bb.minlat <= -80 ||
        bb.maxlat >= 80)
        return -1;   /* tiny, huge, polar or across the antimeridian: let the caller count */
    /* d <= r  <=>  a <= sin^2(r / 2R). A cell is counted whole when its four corners are within
     * r - 1 cm (the farthest point of a latitude-longitude cell from a point is a corner);
     * places of cells beyond r + 1 cm at every latitude of their row are skipped; the others
     * are tested one by one with gdir_haversine_m, as the engine does. The centimetre dwarfs
     * the rounding of either computation (about 1e-9 m). */
    a_in = hav((r - 0.01) / earth);
    a_out = hav((r + 0.01) / earth);
    cx0 = cell_x(ix, bb.minlon);
    cx1 = cell_x(ix, bb.maxlon);
    cy0 = cell_y(ix, bb.minlat);
    cy1 = cell_y(ix, bb.maxlat);
    for (unsigned cy = cy0; cy <= cy1; cy++) {
        double pa = (cell_lat(ix, cy) - CELL_MARGIN) * GDIR_DEG2RAD;
        double pb = (cell_lat(ix, cy + 1) + CELL_MARGIN) * GDIR_DEG2RAD, pc = lat * GDIR_DEG2RAD;
        double w_in, w_out, nearest = pc < pa ? pa - pc : pc > pb ? pc - pb : 0;
        double wa = half_width(a_in, hav(pa - pc), cos_c, cos(pa));
        double wb = half_width(a_in, hav(pb - pc), cos_c, cos(pb));
        unsigned x0 = cx0, x1 = cx1;

        w_in = wa < 0 || wb < 0 ? -1 : fmin(wa, wb);
        /* An upper bound of the row's half-width: the largest numerator, the smallest cosine. */
        w_out = half_width(a_out, hav(nearest), cos_c, fmin(cos(pa), cos(pb)));
        if (w_out < 0)
            continue;
        if (w_out < 180) {
            w_out += CELL_MARGIN;
            if (lon - w_out > bb.maxlon || lon + w_out < bb.minlon)
                continue;
            x0 = cell_x(ix, fmax(lon - w_out, bb.minlon));
            x1 = cell_x(ix, fmin(lon + w_out, bb.maxlon));
        }
        for (unsigned cx = x0; cx <= x1; cx++) {
            size_t from = ix->cell_start[(size_t)cy * ix->nx + cx];
            size_t to = ix->cell_start[(size_t)cy * ix->nx + cx + 1];
            if (from == to)
                continue;
            if (w_in >= 0 && cell_lon(ix, cx) - CELL_MARGIN >= lon - w_in &&
                cell_lon(ix, cx + 1) + CELL_MARGIN <= lon + w_in) {
                count += (long long)(to - from);
                continue;
            }
            for (size_t i = from; i < to; i++)
                count += gdir_haversine_m(lat, lon, ix->pl[i].lat, ix->pl[i].lon) <= r;
        }
    }
    return count;
}

/* ---- the first places of a box by name ---------------------------------------------------- */

/* A max-heap of positions by name_rank: the best k seen so far, the worst at the root. */
struct rank_heap {
    const struct api_pindex *ix;
    uint32_t *pos;
    size_t n, cap;
};

static uint32_t rank_at(const struct rank_heap *h, size_t i)
{
    return h->ix->pl[h->pos[i]].name_rank;
}

static void rank_push(struct rank_heap *h, uint32_t pos)
{
    size_t i;
    if (h->n == h->cap) {          /* replace the root, sift down */
        h->pos[0] = pos;
        i = 0;
        for (;;) {
            size_t l = 2 * i + 1, r = l + 1, top = i;
            if (l < h->n && rank_at(h, l) > rank_at(h, top))
                top = l;
            if (r < h->n && rank_at(h, r) > rank_at(h, top))
                top = r;
            if (top == i)
                break;
            uint32_t t = h->pos[i];
            h->pos[i] = h->pos[top];
            h->pos[top] = t;
            i = top;
        }
        return;
    }
    i = h->n++;
    h->pos[i] = pos;
    while (i > 0 && rank_at(h, (i - 1) / 2) < rank_at(h, i)) {
        uint32_t t = h->pos[i];
        h->pos[i] = h->pos[(i - 1) / 2];
        h->pos[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

/* 1 when a place of rank r would enter the heap. */
static int rank_wanted(const struct rank_heap *h, uint32_t r)
{
    return h->n < h->cap || r < rank_at(h, 0);
}

int api_pindex_box_by_name(const struct api_pindex *ix, const struct gdir_bbox *box, size_t k,
                           api_candidate_fn *fn, void *cls)
{
    struct rank_heap h = {ix, NULL, 0, k};
    unsigned cx0, cx1, cy0, cy1;
    int rc = GDIR_OK;

    if (ix->n == 0 || k == 0 || !(box->minlon <= box->maxlon && box->minlat <= box->maxlat))
        return GDIR_OK;
    h.pos = malloc(k * sizeof *h.pos);
    if (!h.pos)
        return GDIR_ENOMEM;
    cx0 = cell_x(ix, box->minlon);
    cx1 = cell_x(ix, box->maxlon);
    cy0 = cell_y(ix, box->minlat);
    cy1 = cell_y(ix, box->maxlat);
    for (unsigned cy = cy0; cy <= cy1; cy++) {
        for (unsigned cx = cx0; cx <= cx1; cx++) {
            size_t from = ix->cell_start[(size_t)cy * ix->nx + cx];
            size_t to = ix->cell_start[(size_t)cy * ix->nx + cx + 1];
            /* A cell's places come by rank: the first one not wanted ends the cell. */
            for (size_t i = from; i < to && rank_wanted(&h, ix->pl[i].name_rank); i++) {
                const struct api_pindex_place *p = &ix->pl[i];
                if (p->lon >= box->minlon && p->lon <= box->maxlon && p->lat >= box->minlat &&
                    p->lat <= box->maxlat)
                    rank_push(&h, (uint32_t)i);
            }
        }
    }
    for (size_t i = 0; !rc && i < h.n; i++)
        rc = emit(ix, h.pos[i], 0, fn, cls);
    free(h.pos);
    return rc;
}
