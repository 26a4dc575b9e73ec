/*
 * gdir_geocoder.c — the in-memory French address geocoder behind gdir_geocoder.h.
 *
 * gdir_geocoder_open reads `addresses` and `communes` once and builds immutable arrays:
 *   - communes sorted by INSEE code, each with its streets as one contiguous range;
 *   - streets (one per commune + canonical name + source street id), each with its address
 *     points as one contiguous range, numbered points first, sorted by (number, suffix);
 *   - a dictionary of canonical tokens (sorted, so that a prefix is a range of ids) with the
 *     streets and communes that contain each token (posting lists sorted by id, so that the
 *     streets of one commune are a sub-range found by binary search);
 *   - a deletion neighbourhood (every token and its one-byte deletions, hashed) for one typo;
 *   - 3-D k-d trees (unit vectors, so chord order is great-circle order) of the address
 *     points and of the commune centres for reverse geocoding.
 * A search folds and tokenises the query (gdir_address), collects candidate streets from the
 * rarest tokens' postings (restricted to the communes named by the query when it names one),
 * scores each candidate (query coverage, street-name coverage, commune/postcode agreement,
 * then the house number: exact, same number other suffix, interpolated, or street only) and
 * keeps the best in a fixed-size array. Communes are scored alike for municipality results.
 * Per query: one small malloc (the folded text, via gdir_text_fold) and bounded stack arrays.
 *
 * Not done here: phonetic matching, several typos per word, polygons (a municipality result
 * is at the commune's centroid / point on surface; reverse finds the nearest centre).
 */
#include "gdir_geocoder.h"
#include "gdir_hash.h"
#include "gdir_address.h"
#include "gdir_buf.h"
#include "gdir_geo.h"
#include "gdir_mem.h"
#include "gdir_text.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define STR_MAX 200             /* published strings are cut to this many bytes */
#define QTOK_MAX 24             /* query tokens kept */
#define FUZZY_MAX 8             /* dictionary tokens one edit away, per query token */
#define FUZZY_MIN_LEN 5         /* words shorter than this get no typo tolerance */
#define CAND_MAX 2048           /* candidate streets scored per query */
#define ANCHOR_CAP 512          /* candidates taken from one unrestricted posting walk */
#define RELAX_CAP 128           /* the same when the query has no selective word ("2 rue d") */
#define CCAND_MAX 256           /* candidate communes per query */
#define COMMUNE_EXPAND 8        /* communes whose streets are searched specifically */
#define PREFIX_IDS_MAX 512      /* dictionary ids walked for one prefix at most */
#define PREFIX_WIDE 32          /* a prefix matching more words ("c") finds no candidates by
                                 * itself unless nothing else does; it still scores them */
#define SMALL_COMMUNE 64        /* a named commune with fewer streets has them all scored */
#define KNN_MAX 64              /* neighbours gathered per reverse query */
#define MIN_SCORE 0.1

#define M_FUZZY 0.8             /* score of a token matched with one typo */
#define W_TYPE 0.5              /* weight of a street-type word (rue, avenue…) */
#define W_DROPPED 0.3           /* weight of a last word typed, dropped as an article ("de") */
#define W_CITY_IN_STREET 0.5    /* a word written as the city's, found in a street's name only */
#define F_OTHER_COMMUNE 0.85    /* a street whose commune has none of the city's words */

/* Factors applied to a street's text score according to the house number reached. */
#define F_HN_SUFFIX 0.97        /* same number, another suffix */
#define F_HN_INTERP 0.95        /* interpolated between (or next to) neighbours */
#define F_HN_STREET 0.85        /* a number was asked, the street has none near */
#define F_HN_CITY 0.8           /* a number was asked, only the commune was found */

#define NO_NUMBER INT32_MAX     /* sorts unnumbered points after numbered ones */
#define BAN_TOPONYM 99999       /* BAN's numero for a lieu-dit (no house number) */

struct gc_commune {
    char insee[6];
    char postcode[6];           /* main postcode ("" if unknown) */
    uint32_t name;              /* pool: display name (communes table, else an address city) */
    uint32_t tok, ntok;         /* g->ctoks[tok .. tok+ntok) */
    uint32_t pc, npc;           /* while building only: g->cpost[pc .. pc+npc), every postcode
                                 * of the commune (g->cpost is then sorted by postcode) */
    uint32_t street, nstreet;   /* g->streets[street .. street+nstreet) */
    int has_centre;
    double lat, lon;
};

struct gc_street {
    uint32_t commune;
    uint32_t name;              /* pool: published spelling */
    uint32_t sid;               /* pool: street id in its source ("" if unknown) */
    uint32_t tok, ntok;         /* g->stoks[tok .. tok+ntok) */
    uint32_t pt, npt;           /* g->points[pt .. pt+npt) */
    uint32_t nnum;              /* numbered points, first in the range */
    uint32_t centre;            /* index of the point nearest the points' centroid */
    float step[2];              /* metres per number unit along the even [0] / odd [1] side:
                                 * the median over consecutive numbers of that side, 0 when
                                 * the side has fewer than two distinct numbers */
    float wsum;                 /* sum of token weights */
    char postcode[6];
    unsigned char kind;         /* GDIR_GEO_STREET or GDIR_GEO_LOCALITY */
    unsigned char all_type;     /* every word is a street-type word ("Rue de la Cour") */
};

struct gc_point {
    double lat, lon;
    uint32_t street;
    int32_t number;             /* NO_NUMBER when unnumbered */
    uint32_t hn;                /* pool: published house number ("" if none) */
    uint32_t id;                /* pool: id in the source */
    uint16_t source;
    char suffix[GDIR_HN_SUFFIX_MAX];
};

struct gc_token {
    uint32_t str;               /* g->tokstr offset */
    uint32_t len;
    uint32_t flags;             /* GDIR_TOK_* */
    uint32_t sp, nsp;           /* g->spost[sp .. sp+nsp): streets, ascending */
    uint32_t cp, ncp;           /* g->cpost_ids[cp .. cp+ncp): communes, ascending */
};

struct gc_del {
    uint64_t hash;
    uint32_t tok;
};

struct gc_postcode {
    char code[6];
    uint32_t commune;
};

struct gc_kd {
    double p[3];
    uint32_t idx;
    uint32_t axis;
};

struct gdir_geocoder {
    char *pool;
    size_t pool_len;
    uint32_t *sources;          /* pool offsets of source names */
    size_t nsources;
    struct gc_commune *communes;
    size_t ncommunes;
    struct gc_street *streets;
    size_t nstreets;
    struct gc_point *points;
    size_t npoints;
    size_t nnumbered;
    char *tokstr;
    struct gc_token *tokens;
    size_t ntokens;
    uint32_t *stoks, *ctoks;    /* token ids of streets / communes */
    uint32_t *spost, *cpost_ids;
    struct gc_del *dels;
    size_t ndels;
    struct gc_postcode *cpost;  /* (postcode, commune) sorted by postcode */
    size_t ncpost;
    struct gc_kd *kd_points;    /* over every point */
    struct gc_kd *kd_communes;  /* over communes with a centre */
    size_t nkd_communes;
};

/* ------------------------------------------------------------------------------------------ */
/* Small helpers                                                                              */

static const char *const type_names[] = { "housenumber", "street", "locality", "municipality" };

const char *gdir_geo_type_name(enum gdir_geo_type t)
{
    if ((unsigned)t < sizeof type_names / sizeof type_names[0])
        return type_names[t];
    return "unknown";
}

int gdir_geo_type_parse(const char *s, enum gdir_geo_type *out)
{
    for (unsigned i = 0; s && i < sizeof type_names / sizeof type_names[0]; i++) {
        if (strcmp(s, type_names[i]) == 0) {
            *out = (enum gdir_geo_type)i;
            return GDIR_OK;
        }
    }
    return GDIR_EINVAL;
}

/* Length of s cut to at most max bytes at a UTF-8 boundary. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* Copies s into dst[cap], cut at a UTF-8 boundary. */
static void copy_str(char *dst, size_t cap, const char *s)
{
    size_t n = utf8_cut(s, strlen(s), cap - 1);
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Appends s (with a space before it when dst is not empty) to dst[cap], cut at a UTF-8
 * boundary. */
static void append_word(char *dst, size_t cap, const char *s)
{
    size_t len = strlen(dst);
    if (!*s || len + 1 >= cap)
        return;
    if (len > 0) {
        dst[len++] = ' ';
        dst[len] = '\0';
    }
    size_t n = utf8_cut(s, strlen(s), cap - 1 - len);
    memcpy(dst + len, s, n);
    dst[len + n] = '\0';
}

/* qsort, except that an empty array may be NULL (qsort's pointer must not be). */
static void sort_array(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

/* FNV-1a of s[0..n) without its byte at skip (skip == n: the whole string). */
static uint64_t hash_skip(const char *s, size_t n, size_t skip)
{
    uint64_t h = gdir_fnv64(GDIR_FNV64_INIT, s, skip < n ? skip : n);
    if (skip < n)
        h = gdir_fnv64(h, s + skip + 1, n - skip - 1);
    return h ^ (uint64_t)(skip == n ? n : n - 1);
}

/* 1 when a and b are at most one edit apart (insertion, deletion, substitution or a swap of
 * two adjacent bytes). */
static int within_one_edit(const char *a, size_t na, const char *b, size_t nb)
{
    size_t i = 0;
    if (na < nb) {
        const char *t = a;
        a = b;
        b = t;
        size_t tn = na;
        na = nb;
        nb = tn;
    }
    if (na - nb > 1)
        return 0;
    while (i < nb && a[i] == b[i])
        i++;
    if (na == nb) {
        if (i == na)
            return 1;
        if (memcmp(a + i + 1, b + i + 1, na - i - 1) == 0)
            return 1;
        return i + 1 < na && a[i] == b[i + 1] && a[i + 1] == b[i] &&
               memcmp(a + i + 2, b + i + 2, na - i - 2) == 0;
    }
    return memcmp(a + i + 1, b + i, nb - i) == 0;
}

static void to_unit(double lat, double lon, double p[3])
{
    double la = lat * GDIR_DEG2RAD, lo = lon * GDIR_DEG2RAD;
    p[0] = cos(la) * cos(lo);
    p[1] = cos(la) * sin(lo);
    p[2] = sin(la);
}

static int coords_ok(double lat, double lon)
{
    return isfinite(lat) && isfinite(lon) && gdir_lonlat_valid(lat, lon);
}

/* ------------------------------------------------------------------------------------------ */
/* k-d tree over unit vectors                                                                 */

static void kd_swap(struct gc_kd *a, struct gc_kd *b)
{
    struct gc_kd t = *a;
    *a = *b;
    *b = t;
}

/* Places the k-th smallest of v[lo..hi) on axis at index k (quickselect). */
static void kd_select(struct gc_kd *v, size_t lo, size_t hi, size_t k, unsigned axis)
{
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        /* median of three as pivot, moved to hi-1 */
        if (v[mid].p[axis] < v[lo].p[axis])
            kd_swap(&v[mid], &v[lo]);
        if (v[hi - 1].p[axis] < v[lo].p[axis])
            kd_swap(&v[hi - 1], &v[lo]);
        if (v[mid].p[axis] < v[hi - 1].p[axis])
            kd_swap(&v[mid], &v[hi - 1]);
        double pivot = v[hi - 1].p[axis];
        size_t store = lo;
        for (size_t i = lo; i < hi - 1; i++)
            if (v[i].p[axis] < pivot)
                kd_swap(&v[i], &v[store++]);
        kd_swap(&v[store], &v[hi - 1]);
        if (store == k)
            return;
        if (k < store)
            hi = store;
        else
            lo = store + 1;
    }
}

static void kd_build(struct gc_kd *v, size_t lo, size_t hi)
{
    while (hi - lo > 1) {
        double mn[3] = { 2, 2, 2 }, mx[3] = { -2, -2, -2 };
        for (size_t i = lo; i < hi; i++)
            for (unsigned a = 0; a < 3; a++) {
                if (v[i].p[a] < mn[a])
                    mn[a] = v[i].p[a];
                if (v[i].p[a] > mx[a])
                    mx[a] = v[i].p[a];
            }
        unsigned axis = 0;
        for (unsigned a = 1; a < 3; a++)
            if (mx[a] - mn[a] > mx[axis] - mn[axis])
                axis = a;
        size_t mid = lo + (hi - lo) / 2;
        kd_select(v, lo, hi, mid, axis);
        v[mid].axis = axis;
        kd_build(v, lo, mid);
        lo = mid + 1;                  /* the right half iteratively */
    }
}

/* The k nearest entries accepted by the filter, nearest first. */
struct knn {
    size_t k, n;
    double d2[KNN_MAX];
    uint32_t idx[KNN_MAX];
    const struct gdir_geocoder *g;
    int numbered_only;
};

static void knn_offer(struct knn *h, double d2, uint32_t idx)
{
    if (h->n == h->k && d2 >= h->d2[h->n - 1])
        return;
    size_t i = h->n < h->k ? h->n++ : h->n - 1;
    while (i > 0 && h->d2[i - 1] > d2) {
        h->d2[i] = h->d2[i - 1];
        h->idx[i] = h->idx[i - 1];
        i--;
    }
    h->d2[i] = d2;
    h->idx[i] = idx;
}

static void kd_search(const struct gc_kd *v, size_t lo, size_t hi, const double q[3],
                      struct knn *h)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct gc_kd *nd = &v[mid];
        double dx = q[0] - nd->p[0], dy = q[1] - nd->p[1], dz = q[2] - nd->p[2];
        double d2 = dx * dx + dy * dy + dz * dz;
        if (!h->numbered_only || h->g->points[nd->idx].number != NO_NUMBER)
            knn_offer(h, d2, nd->idx);
        if (hi - lo == 1)
            return;
        unsigned axis = nd->axis;
        double diff = q[axis] - nd->p[axis];
        size_t nlo = diff < 0 ? lo : mid + 1, nhi = diff < 0 ? mid : hi;
        size_t flo = diff < 0 ? mid + 1 : lo, fhi = diff < 0 ? hi : mid;
        kd_search(v, nlo, nhi, q, h);
        if (h->n == h->k && diff * diff >= h->d2[h->n - 1])
            return;
        lo = flo;
        hi = fhi;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Building                                                                                   */

struct pool {
    char *data;
    size_t len, cap;
};

static int pool_add(struct pool *p, const char *s, size_t n, uint32_t *off)
{
    n = utf8_cut(s, n, STR_MAX);
    if (n == 0 && p->len > 0) {
        *off = 0;                          /* offset 0 holds "" */
        return GDIR_OK;
    }
    if (p->len + n + 1 > UINT32_MAX)
        return GDIR_ENOMEM;
    if (gdir_grow(&p->data, &p->cap, p->len + n + 1, 1))
        return GDIR_ENOMEM;
    memcpy(p->data + p->len, s, n);
    p->data[p->len + n] = '\0';
    *off = (uint32_t)p->len;
    p->len += n + 1;
    return GDIR_OK;
}

/* Like pool_add, but reuses *last when it holds the same string: rows come grouped by street,
 * so a street's name and city are stored once, not once per address. */
static int pool_add_same(struct pool *p, const char *s, size_t n, uint32_t *last, uint32_t *off)
{
    size_t cut = utf8_cut(s, n, STR_MAX);
    if (*last != UINT32_MAX && strncmp(p->data + *last, s, cut) == 0 &&
        p->data[*last + cut] == '\0') {
        *off = *last;
        return GDIR_OK;
    }
    int rc = pool_add(p, s, n, off);
    if (!rc)
        *last = *off;
    return rc;
}

struct raw {
    const char *key, *sid;      /* set once the pool is final */
    uint32_t key_off, sid_off, street_off, hn_off, id_off, city_off;
    uint32_t commune;
    int32_t number;
    uint16_t source;
    char suffix[GDIR_HN_SUFFIX_MAX];
    char insee[6], postcode[6];
    double lat, lon;
};

struct bcommune {
    char insee[6];
    uint32_t name_off, key_off, postcodes_off;
    int has_centre;
    double lat, lon;
};

struct build {
    struct gdir_geocoder *g;
    struct pool pool;
    struct raw *raw;
    size_t nraw, craw;
    struct bcommune *bc;
    size_t nbc, cbc;
    size_t csources;
    struct gdir_buf kb;          /* scratch for keys */
};

static const char SQL_COMMUNES[] =
    "SELECT insee, name, postcodes, ST_X(c), ST_Y(c), ST_X(s), ST_Y(s), inside FROM ("
    "SELECT insee, name, postcodes, ST_Centroid(geom) AS c, ST_PointOnSurface(geom) AS s, "
    "ST_Contains(geom, ST_Centroid(geom)) AS inside FROM communes)";

static const char SQL_ADDRESSES[] =
    "SELECT id, housenumber, street, postcode, insee, city, source, ST_X(geom), ST_Y(geom) "
    "FROM addresses";

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? (const char *)s : "";
}

/* Copies a 5-character code (insee, postcode) when it has that shape; "" otherwise. */
static void copy_code(char dst[6], const char *s, int insee)
{
    size_t n = strlen(s);
    dst[0] = '\0';
    if (insee ? gdir_address_is_insee(s, n) : gdir_address_is_postcode(s, n)) {
        for (size_t i = 0; i < 5; i++)
            dst[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
        dst[5] = '\0';
    }
}

static int key_of(struct build *b, const char *s, uint32_t *off)
{
    gdir_buf_reset(&b->kb);
    int rc = gdir_address_key(&b->kb, s);
    if (rc)
        return rc;
    return pool_add(&b->pool, gdir_buf_str(&b->kb), b->kb.len, off);
}

static int read_communes(struct build *b, sqlite3 *db, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = GDIR_OK, src;

    if (sqlite3_prepare_v2(db, SQL_COMMUNES, -1, &st, NULL) != SQLITE_OK)
        return gdir_err_set(err, GDIR_EDB, "geocoder: communes: %s", sqlite3_errmsg(db));
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = col_text(st, 1), *pcs = col_text(st, 2);
        struct bcommune c;
        memset(&c, 0, sizeof c);
        copy_code(c.insee, col_text(st, 0), 1);
        if (!c.insee[0] || !gdir_utf8_valid(name, strlen(name)) ||
            !gdir_utf8_valid(pcs, strlen(pcs)))
            continue;
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
            int inside = sqlite3_column_int(st, 7);
            int col = inside == 0 && sqlite3_column_type(st, 5) != SQLITE_NULL ? 5 : 3;
            c.lon = sqlite3_column_double(st, col);
            c.lat = sqlite3_column_double(st, col + 1);
            c.has_centre = coords_ok(c.lat, c.lon);
        }
        if ((rc = pool_add(&b->pool, name, strlen(name), &c.name_off)) ||
            (rc = key_of(b, name, &c.key_off)) ||
            (rc = pool_add(&b->pool, pcs, strlen(pcs), &c.postcodes_off)) ||
            (rc = gdir_grow(&b->bc, &b->cbc, b->nbc + 1, sizeof *b->bc))) {
            gdir_err_set(err, rc, "geocoder: communes: out of memory");
            goto out;
        }
        b->bc[b->nbc++] = c;
    }
    if (src != SQLITE_DONE)
        rc = gdir_err_set(err, GDIR_EDB, "geocoder: communes: %s", sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    return rc;
}

/* Street id in the source, from an address id: BAN "55001_0080_00012_bis" → "55001_0080",
 * BANO "550040002F-12" → "550040002F"; "" when the id has neither shape. */
static size_t street_id_len(const char *id)
{
    const char *u1 = strchr(id, '_');
    if (u1) {
        const char *u2 = strchr(u1 + 1, '_');
        return u2 ? (size_t)(u2 - id) : 0;
    }
    const char *dash = strrchr(id, '-');
    return dash ? (size_t)(dash - id) : 0;
}

static uint16_t source_index(struct build *b, const char *name, int *rc)
{
    struct gdir_geocoder *g = b->g;
    for (size_t i = 0; i < g->nsources; i++)
        if (strcmp(b->pool.data + g->sources[i], name) == 0)
            return (uint16_t)i;
    if (g->nsources >= UINT16_MAX ||
        gdir_grow(&g->sources, &b->csources, g->nsources + 1, sizeof *g->sources) ||
        pool_add(&b->pool, name, strlen(name), &g->sources[g->nsources])) {
        *rc = GDIR_ENOMEM;
        return 0;
    }
    return (uint16_t)g->nsources++;
}

static int read_addresses(struct build *b, sqlite3 *db, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = GDIR_OK, src;
    struct gdir_buf prev;                 /* previous row's street: its key is reused */
    char prev_insee[6] = "";
    uint32_t prev_key = 0, prev_source_name = UINT32_MAX;
    uint32_t last_street = UINT32_MAX, last_sid = UINT32_MAX, last_city = UINT32_MAX;
    uint16_t prev_source = 0;

    gdir_buf_init(&prev, 0);
    if (sqlite3_prepare_v2(db, SQL_ADDRESSES, -1, &st, NULL) != SQLITE_OK) {
        rc = gdir_err_set(err, GDIR_EDB, "geocoder: addresses: %s", sqlite3_errmsg(db));
        goto out;
    }
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = col_text(st, 0), *hn = col_text(st, 1), *street = col_text(st, 2);
        const char *city = col_text(st, 5), *source = col_text(st, 6);
        struct raw r;
        struct gdir_housenumber h;

        if (sqlite3_column_type(st, 7) == SQLITE_NULL)
            continue;
        memset(&r, 0, sizeof r);
        r.lon = sqlite3_column_double(st, 7);
        r.lat = sqlite3_column_double(st, 8);
        copy_code(r.insee, col_text(st, 4), 1);
        copy_code(r.postcode, col_text(st, 3), 0);
        if (!coords_ok(r.lat, r.lon) || !r.insee[0] || !*street ||
            !gdir_utf8_valid(street, strlen(street)) || !gdir_utf8_valid(city, strlen(city)) ||
            !gdir_utf8_valid(hn, strlen(hn)) || !gdir_utf8_valid(id, strlen(id)) ||
            !gdir_utf8_valid(source, strlen(source)))
            continue;                      /* the importer validates; never trust, skip */
        r.number = NO_NUMBER;
        if (*hn && gdir_address_parse_housenumber(hn, &h) == GDIR_OK) {
            r.number = (int32_t)h.number;
            memcpy(r.suffix, h.suffix, sizeof r.suffix);
        }
        if (r.number == BAN_TOPONYM) {         /* BAN's lieux-dits: a name, no number */
            r.number = NO_NUMBER;
            hn = "";
        }
        if (strcmp(prev_insee, r.insee) != 0 || strcmp(gdir_buf_str(&prev), street) != 0) {
            if ((rc = key_of(b, street, &prev_key)))
                goto oom;
            memcpy(prev_insee, r.insee, sizeof prev_insee);
            gdir_buf_reset(&prev);
            if ((rc = gdir_buf_adds(&prev, street)))
                goto oom;
        }
        r.key_off = prev_key;
        if (prev_source_name == UINT32_MAX ||
            strcmp(b->pool.data + prev_source_name, source) != 0) {
            prev_source = source_index(b, source, &rc);
            if (rc)
                goto oom;
            prev_source_name = b->g->sources[prev_source];
        }
        r.source = prev_source;
        if ((rc = pool_add_same(&b->pool, street, strlen(street), &last_street,
                                &r.street_off)) ||
            (rc = pool_add(&b->pool, hn, strlen(hn), &r.hn_off)) ||
            (rc = pool_add(&b->pool, id, strlen(id), &r.id_off)) ||
            (rc = pool_add_same(&b->pool, id, street_id_len(id), &last_sid, &r.sid_off)) ||
            (rc = pool_add_same(&b->pool, city, strlen(city), &last_city, &r.city_off)) ||
            (rc = gdir_grow(&b->raw, &b->craw, b->nraw + 1, sizeof *b->raw)))
            goto oom;
        b->raw[b->nraw++] = r;
    }
    if (src != SQLITE_DONE)
        rc = gdir_err_set(err, GDIR_EDB, "geocoder: addresses: %s", sqlite3_errmsg(db));
    goto out;
oom:
    gdir_err_set(err, rc, "geocoder: addresses: out of memory");
out:
    gdir_buf_free(&prev);
    sqlite3_finalize(st);
    return rc;
}

static int cmp_bcommune(const void *a, const void *b)
{
    return strcmp(((const struct bcommune *)a)->insee, ((const struct bcommune *)b)->insee);
}

static int cmp_raw_insee(const void *a, const void *b)
{
    const struct raw *x = a, *y = b;
    int c = strcmp(x->insee, y->insee);
    if (c)
        return c;
    return (x->city_off == 0) - (y->city_off == 0);
}

static int cmp_raw(const void *a, const void *b)
{
    const struct raw *x = a, *y = b;
    int c;
    if (x->commune != y->commune)
        return x->commune < y->commune ? -1 : 1;
    if ((c = strcmp(x->key, y->key)) || (c = strcmp(x->sid, y->sid)))
        return c;
    if (x->number != y->number)
        return x->number < y->number ? -1 : 1;
    return strcmp(x->suffix, y->suffix);
}

/* The index of insee in a sorted array of n elements of size bytes whose first member is
 * their INSEE code (struct bcommune, struct gc_commune), or -1. */
static int cmp_insee_key(const void *key, const void *elem)
{
    return strcmp(key, elem);
}

static long find_insee(const void *base, size_t n, size_t size, const char *insee)
{
    const char *hit = n ? bsearch(insee, base, n, size, cmp_insee_key) : NULL;
    return hit ? (long)((size_t)(hit - (const char *)base) / size) : -1;
}
_Static_assert(offsetof(struct bcommune, insee) == 0, "find_insee: insee first");
_Static_assert(offsetof(struct gc_commune, insee) == 0, "find_insee: insee first");

static long find_bcommune(const struct build *b, const char *insee)
{
    return find_insee(b->bc, b->nbc, sizeof *b->bc, insee);
}

/* Adds a commune (without centre) for every INSEE code of the addresses that the communes
 * table lacks, named after the addresses' city; then sorts communes and resolves each raw
 * address to its commune. */
static int resolve_communes(struct build *b, struct gdir_err *err)
{
    sort_array(b->bc, b->nbc, sizeof *b->bc, cmp_bcommune);
    sort_array(b->raw, b->nraw, sizeof *b->raw, cmp_raw_insee);
    size_t ntable = b->nbc;
    for (size_t i = 0; i < b->nraw; i++) {
        if (i > 0 && strcmp(b->raw[i].insee, b->raw[i - 1].insee) == 0)
            continue;
        size_t lo = 0, hi = ntable;        /* search the table communes only */
        int found = 0;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = strcmp(b->bc[mid].insee, b->raw[i].insee);
            if (c == 0) {
                found = 1;
                break;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (found)
            continue;
        struct bcommune c;
        memset(&c, 0, sizeof c);
        memcpy(c.insee, b->raw[i].insee, sizeof c.insee);
        c.name_off = b->raw[i].city_off;
        c.postcodes_off = 0;
        int rc = key_of(b, b->pool.data + c.name_off, &c.key_off);
        if (rc || gdir_grow(&b->bc, &b->cbc, b->nbc + 1, sizeof *b->bc))
            return gdir_err_set(err, GDIR_ENOMEM, "geocoder: communes: out of memory");
        b->bc[b->nbc++] = c;
    }
    sort_array(b->bc, b->nbc, sizeof *b->bc, cmp_bcommune);
    for (size_t i = 0; i < b->nraw; i++) {
        struct raw *r = &b->raw[i];
        if (i > 0 && strcmp(r->insee, b->raw[i - 1].insee) == 0)
            r->commune = b->raw[i - 1].commune;
        else
            r->commune = (uint32_t)find_bcommune(b, r->insee);
        r->key = b->pool.data + r->key_off;
        r->sid = b->pool.data + r->sid_off;
    }
    return GDIR_OK;
}

static int has_lower(const char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z')
            return 1;
    return 0;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

/* Sets s->step (see struct gc_street) from its numbered points (sorted by number); scratch
 * holds at least s->nnum floats. */
static void side_steps(const struct gdir_geocoder *g, struct gc_street *s, float *scratch)
{
    const struct gc_point *pts = g->points + s->pt;
    for (int par = 0; par < 2; par++) {
        size_t n = 0;
        long prev = -1;
        for (size_t i = 0; i < s->nnum; i++) {
            if ((pts[i].number & 1) != par)
                continue;
            if (prev >= 0 && pts[i].number > pts[prev].number)
                scratch[n++] = (float)(gdir_haversine_m(pts[prev].lat, pts[prev].lon,
                                                        pts[i].lat, pts[i].lon) /
                                       (double)(pts[i].number - pts[prev].number));
            prev = (long)i;
        }
        s->step[par] = 0;
        if (n > 0) {
            qsort(scratch, n, sizeof *scratch, cmp_float);
            s->step[par] = scratch[n / 2];
        }
    }
}

/* Groups the sorted raw addresses into streets and points. */
static int build_streets(struct build *b, struct gdir_err *err)
{
    struct gdir_geocoder *g = b->g;
    size_t cstreets = 0;
    float *scratch = malloc((b->nraw ? b->nraw : 1) * sizeof *scratch);
    if (!scratch)
        return gdir_err_set(err, GDIR_ENOMEM, "geocoder: out of memory");

    sort_array(b->raw, b->nraw, sizeof *b->raw, cmp_raw);
    g->points = calloc(b->nraw ? b->nraw : 1, sizeof *g->points);
    if (!g->points) {
        free(scratch);
        return gdir_err_set(err, GDIR_ENOMEM, "geocoder: out of memory");
    }
    g->npoints = b->nraw;
    for (size_t i = 0; i < b->nraw;) {
        size_t j = i + 1;
        while (j < b->nraw && b->raw[j].commune == b->raw[i].commune &&
               strcmp(b->raw[j].key, b->raw[i].key) == 0 &&
               strcmp(b->raw[j].sid, b->raw[i].sid) == 0)
            j++;
        if (gdir_grow(&g->streets, &cstreets, g->nstreets + 1, sizeof *g->streets)) {
            free(scratch);
            return gdir_err_set(err, GDIR_ENOMEM, "geocoder: out of memory");
        }
        struct gc_street *s = &g->streets[g->nstreets];
        memset(s, 0, sizeof *s);
        s->commune = b->raw[i].commune;
        s->name = b->raw[i].street_off;
        s->sid = b->raw[i].sid_off;
        s->pt = (uint32_t)i;
        s->npt = (uint32_t)(j - i);
        double clat = 0, clon = 0;
        for (size_t k = i; k < j; k++) {
            const struct raw *r = &b->raw[k];
            struct gc_point *p = &g->points[k];
            p->lat = r->lat;
            p->lon = r->lon;
            p->street = (uint32_t)g->nstreets;
            p->number = r->number;
            p->hn = r->hn_off;
            p->id = r->id_off;
            p->source = r->source;
            memcpy(p->suffix, r->suffix, sizeof p->suffix);
            if (r->number != NO_NUMBER)
                s->nnum++;
            if (!s->postcode[0] && r->postcode[0])
                memcpy(s->postcode, r->postcode, sizeof s->postcode);
            if (!has_lower(b->pool.data + s->name) && has_lower(b->pool.data + r->street_off))
                s->name = r->street_off;       /* prefer "Rue X" to a cadastre "RUE X" */
            clat += r->lat;
            clon += r->lon;
        }
        clat /= (double)(j - i);
        clon /= (double)(j - i);
        double best = INFINITY;
        for (size_t k = i; k < j; k++) {
            double d = gdir_haversine_m(clat, clon, g->points[k].lat, g->points[k].lon);
            if (d < best) {
                best = d;
                s->centre = (uint32_t)k;
            }
        }
        side_steps(g, s, scratch);
        g->nstreets++;
        i = j;
    }
    free(scratch);
    g->nnumbered = 0;
    for (size_t i = 0; i < g->npoints; i++)
        g->nnumbered += g->points[i].number != NO_NUMBER;
    return GDIR_OK;
}

struct tokref {
    const char *s;
    uint32_t len;
    uint32_t flags;
};

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb)
{
    int c = memcmp(a, b, na < nb ? na : nb);
    if (c)
        return c;
    return na < nb ? -1 : na > nb;
}

static int cmp_tokref(const void *a, const void *b)
{
    const struct tokref *x = a, *y = b;
    return cmp_bytes(x->s, x->len, y->s, y->len);
}

/* What dict_find looks for: the bytes s[0..n), and the dictionary's string pool. */
struct tok_key {
    const char *pool, *s;
    size_t n;
};

static int cmp_tok_key(const void *key, const void *elem)
{
    const struct tok_key *k = key;
    const struct gc_token *t = elem;
    return cmp_bytes(k->s, k->n, k->pool + t->str, t->len);
}

/* Token id of s[0..n) in the dictionary, or -1. */
static int64_t dict_find(const struct gdir_geocoder *g, const char *s, size_t n)
{
    const struct tok_key k = {g->tokstr, s, n};
    const struct gc_token *t =
        g->ntokens ? bsearch(&k, g->tokens, g->ntokens, sizeof *g->tokens, cmp_tok_key) : NULL;
    return t ? (int64_t)(t - g->tokens) : -1;
}

/* [*lo, *hi): the ids of the tokens that start with s[0..n). */
static void dict_prefix(const struct gdir_geocoder *g, const char *s, size_t n, uint32_t *plo,
                        uint32_t *phi)
{
    size_t lo = 0, hi = g->ntokens;
    while (lo < hi) {                      /* first token >= s */
        size_t mid = lo + (hi - lo) / 2;
        const struct gc_token *t = &g->tokens[mid];
        if (cmp_bytes(g->tokstr + t->str, t->len, s, n) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *plo = (uint32_t)lo;
    hi = g->ntokens;
    while (lo < hi) {                      /* first token that does not start with s */
        size_t mid = lo + (hi - lo) / 2;
        const struct gc_token *t = &g->tokens[mid];
        if (t->len >= n && memcmp(g->tokstr + t->str, s, n) == 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *phi = (uint32_t)lo;
}

static int cmp_del(const void *a, const void *b)
{
    const struct gc_del *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return x->tok < y->tok ? -1 : x->tok > y->tok;
}

static int cmp_cpost(const void *a, const void *b)
{
    const struct gc_postcode *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    if (c)
        return c;
    return x->commune < y->commune ? -1 : x->commune > y->commune;
}

/* Appends the token ids of the canonical key to *ids (deduplicated). */
static int key_token_ids(struct gdir_geocoder *g, const char *key, uint32_t **ids, size_t *n,
                         size_t *cap, uint32_t *ntok, float *wsum, int *first_is_type)
{
    struct gdir_addr_tokens t;
    size_t start = *n;
    gdir_address_tokenize(key, &t);
    *wsum = 0;
    if (first_is_type)
        *first_is_type = t.n > 0 && (t.t[0].flags & GDIR_TOK_TYPE);
    for (size_t i = 0; i < t.n; i++) {
        int64_t id = dict_find(g, t.t[i].s, t.t[i].len);
        int dup = id < 0;
        for (size_t k = start; k < *n && !dup; k++)
            dup = (*ids)[k] == (uint32_t)id;
        if (dup)
            continue;
        if (gdir_grow(ids, cap, *n + 1, sizeof **ids))
            return GDIR_ENOMEM;
        (*ids)[(*n)++] = (uint32_t)id;
        *wsum += (t.t[i].flags & GDIR_TOK_TYPE) ? (float)W_TYPE : 1.0f;
    }
    *ntok = (uint32_t)(*n - start);
    return GDIR_OK;
}

static int build_tokens(struct build *b, struct gdir_err *err)
{
    struct gdir_geocoder *g = b->g;
    struct tokref *refs = NULL;
    size_t nrefs = 0, crefs = 0, cap_s = 0, cap_c = 0, ns = 0, nc = 0, cap_str = 0, len_str = 0;
    int rc = GDIR_ENOMEM;
    struct gdir_addr_tokens t;

    /* 1. every token of every street and commune key */
    for (size_t i = 0; i < g->nstreets + g->ncommunes; i++) {
        const char *key;
        if (i < g->nstreets)
            key = b->raw[g->streets[i].pt].key;
        else
            key = b->pool.data + b->bc[i - g->nstreets].key_off;
        gdir_address_tokenize(key, &t);
        if (gdir_grow(&refs, &crefs, nrefs + t.n, sizeof *refs))
            goto out;
        for (size_t k = 0; k < t.n; k++) {
            refs[nrefs].s = t.t[k].s;
            refs[nrefs].flags = t.t[k].flags;
            refs[nrefs++].len = t.t[k].len;
        }
    }
    sort_array(refs, nrefs, sizeof *refs, cmp_tokref);
    /* 2. the dictionary: sorted distinct tokens */
    g->tokens = calloc(nrefs ? nrefs : 1, sizeof *g->tokens);
    if (!g->tokens)
        goto out;
    for (size_t i = 0; i < nrefs; i++) {
        if (i > 0 && cmp_tokref(&refs[i], &refs[i - 1]) == 0)
            continue;
        if (gdir_grow(&g->tokstr, &cap_str, len_str + refs[i].len + 1, 1))
            goto out;
        memcpy(g->tokstr + len_str, refs[i].s, refs[i].len);
        g->tokstr[len_str + refs[i].len] = '\0';
        g->tokens[g->ntokens].str = (uint32_t)len_str;
        g->tokens[g->ntokens].len = refs[i].len;
        g->tokens[g->ntokens].flags = refs[i].flags;
        g->ntokens++;
        len_str += refs[i].len + 1;
    }
    if (!g->tokstr && gdir_grow(&g->tokstr, &cap_str, 1, 1))
        goto out;
    /* 3. token ids per street and per commune */
    for (size_t i = 0; i < g->nstreets; i++) {
        struct gc_street *s = &g->streets[i];
        int first_type;
        s->tok = (uint32_t)ns;
        if (key_token_ids(g, b->raw[s->pt].key, &g->stoks, &ns, &cap_s, &s->ntok, &s->wsum,
                          &first_type))
            goto out;
        s->kind = s->nnum > 0 || first_type ? GDIR_GEO_STREET : GDIR_GEO_LOCALITY;
        s->all_type = 1;
        for (uint32_t k = 0; k < s->ntok && s->all_type; k++)
            s->all_type = (g->tokens[g->stoks[s->tok + k]].flags & GDIR_TOK_TYPE) != 0;
    }
    for (size_t i = 0; i < g->ncommunes; i++) {
        float w;
        g->communes[i].tok = (uint32_t)nc;
        if (key_token_ids(g, b->pool.data + b->bc[i].key_off, &g->ctoks, &nc, &cap_c,
                          &g->communes[i].ntok, &w, NULL))
            goto out;
    }
    /* 4. postings (CSR): count, then fill in id order so that each list is ascending */
    size_t *cnt = calloc(g->ntokens + 1, sizeof *cnt);
    if (!cnt)
        goto out;
    for (size_t i = 0; i < ns; i++)
        g->tokens[g->stoks[i]].nsp++;
    for (size_t i = 0; i < nc; i++)
        g->tokens[g->ctoks[i]].ncp++;
    size_t sp = 0, cp = 0;
    for (size_t i = 0; i < g->ntokens; i++) {
        g->tokens[i].sp = (uint32_t)sp;
        g->tokens[i].cp = (uint32_t)cp;
        sp += g->tokens[i].nsp;
        cp += g->tokens[i].ncp;
    }
    g->spost = malloc((sp ? sp : 1) * sizeof *g->spost);
    g->cpost_ids = malloc((cp ? cp : 1) * sizeof *g->cpost_ids);
    if (!g->spost || !g->cpost_ids) {
        free(cnt);
        goto out;
    }
    for (size_t i = 0; i < g->nstreets; i++)
        for (uint32_t k = 0; k < g->streets[i].ntok; k++) {
            uint32_t id = g->stoks[g->streets[i].tok + k];
            g->spost[g->tokens[id].sp + cnt[id]++] = (uint32_t)i;
        }
    memset(cnt, 0, (g->ntokens + 1) * sizeof *cnt);
    for (size_t i = 0; i < g->ncommunes; i++)
        for (uint32_t k = 0; k < g->communes[i].ntok; k++) {
            uint32_t id = g->ctoks[g->communes[i].tok + k];
            g->cpost_ids[g->tokens[id].cp + cnt[id]++] = (uint32_t)i;
        }
    free(cnt);
    /* 5. deletion neighbourhood of words long enough for a typo */
    size_t cdels = 0;
    for (size_t i = 0; i < g->ntokens; i++) {
        const struct gc_token *tk = &g->tokens[i];
        const char *s = g->tokstr + tk->str;
        if (tk->len < FUZZY_MIN_LEN - 1 || tk->len > GDIR_ADDR_TOKEN_LEN_MAX ||
            (s[0] >= '0' && s[0] <= '9'))
            continue;
        if (gdir_grow(&g->dels, &cdels, g->ndels + tk->len + 1, sizeof *g->dels))
            goto out;
        for (size_t k = 0; k <= tk->len; k++) {
            g->dels[g->ndels].hash = hash_skip(s, tk->len, k);
            g->dels[g->ndels++].tok = (uint32_t)i;
        }
    }
    sort_array(g->dels, g->ndels, sizeof *g->dels, cmp_del);
    rc = GDIR_OK;
out:
    free(refs);
    if (rc)
        gdir_err_set(err, rc, "geocoder: token index: out of memory");
    return rc;
}

/* A commune without geometry but with addresses is centred on its address point nearest the
 * mean of its points (its streets, hence their points, are contiguous), so that a query
 * naming the commune but a street it lacks falls back to that commune rather than to a
 * homonym street elsewhere. */
static void address_centre(struct gdir_geocoder *g, struct gc_commune *c)
{
    if (c->has_centre || c->nstreet == 0)
        return;
    const struct gc_street *first = &g->streets[c->street];
    const struct gc_street *last = &g->streets[c->street + c->nstreet - 1];
    size_t lo = first->pt, hi = last->pt + last->npt;
    double lat = 0, lon = 0, best = INFINITY;
    for (size_t k = lo; k < hi; k++) {
        lat += g->points[k].lat;
        lon += g->points[k].lon;
    }
    lat /= (double)(hi - lo);
    lon /= (double)(hi - lo);
    for (size_t k = lo; k < hi; k++) {
        double d = gdir_haversine_m(lat, lon, g->points[k].lat, g->points[k].lon);
        if (d < best) {
            best = d;
            c->lat = g->points[k].lat;
            c->lon = g->points[k].lon;
        }
    }
    c->has_centre = 1;
}

/* Communes' final records: names, streets ranges, postcodes (table + addresses). */
static int build_communes(struct build *b, struct gdir_err *err)
{
    struct gdir_geocoder *g = b->g;
    size_t cap = 0;

    g->ncommunes = b->nbc;
    g->communes = calloc(b->nbc ? b->nbc : 1, sizeof *g->communes);
    if (!g->communes)
        return gdir_err_set(err, GDIR_ENOMEM, "geocoder: out of memory");
    for (size_t i = 0; i < b->nbc; i++) {
        struct gc_commune *c = &g->communes[i];
        memcpy(c->insee, b->bc[i].insee, sizeof c->insee);
        c->name = b->bc[i].name_off;
        c->has_centre = b->bc[i].has_centre;
        c->lat = b->bc[i].lat;
        c->lon = b->bc[i].lon;
    }
    for (size_t i = 0; i < g->nstreets; i++) {
        struct gc_commune *c = &g->communes[g->streets[i].commune];
        if (c->nstreet == 0)
            c->street = (uint32_t)i;
        c->nstreet++;
    }
    for (size_t i = 0; i < g->ncommunes; i++)
        address_centre(g, &g->communes[i]);
    /* postcodes: "55250|55260" from the table, then those of the streets */
    for (size_t i = 0; i < b->nbc; i++) {
        struct gc_commune *c = &g->communes[i];
        const char *p = b->pool.data + b->bc[i].postcodes_off;
        c->pc = (uint32_t)g->ncpost;
        for (;;) {
            char code[6];
            size_t n = strcspn(p, "|,; ");
            char tmp[8] = "";
            if (n < sizeof tmp) {
                memcpy(tmp, p, n);
                tmp[n] = '\0';
            }
            copy_code(code, tmp, 0);
            if (code[0]) {
                if (gdir_grow(&g->cpost, &cap, g->ncpost + 1, sizeof *g->cpost))
                    return gdir_err_set(err, GDIR_ENOMEM, "geocoder: out of memory");
                memcpy(g->cpost[g->ncpost].code, code, 6);
                g->cpost[g->ncpost++].commune = (uint32_t)i;
            }
            if (!p[n])
                break;
            p += n + 1;
        }
        for (uint32_t s = c->street; s < c->street + c->nstreet; s++) {
            const char *pc = g->streets[s].postcode;
            int seen = !pc[0];
            for (size_t k = c->pc; k < g->ncpost && !seen; k++)
                seen = strcmp(g->cpost[k].code, pc) == 0;
            if (seen)
                continue;
            if (gdir_grow(&g->cpost, &cap, g->ncpost + 1, sizeof *g->cpost))
                return gdir_err_set(err, GDIR_ENOMEM, "geocoder: out of memory");
            memcpy(g->cpost[g->ncpost].code, pc, 6);
            g->cpost[g->ncpost++].commune = (uint32_t)i;
        }
        c->npc = (uint32_t)(g->ncpost - c->pc);
        if (c->npc)
            memcpy(c->postcode, g->cpost[c->pc].code, 6);
    }
    return GDIR_OK;
}

static int build_kd(struct gdir_geocoder *g, struct gdir_err *err)
{
    g->kd_points = malloc((g->npoints ? g->npoints : 1) * sizeof *g->kd_points);
    g->kd_communes = malloc((g->ncommunes ? g->ncommunes : 1) * sizeof *g->kd_communes);
    if (!g->kd_points || !g->kd_communes)
        return gdir_err_set(err, GDIR_ENOMEM, "geocoder: out of memory");
    for (size_t i = 0; i < g->npoints; i++) {
        to_unit(g->points[i].lat, g->points[i].lon, g->kd_points[i].p);
        g->kd_points[i].idx = (uint32_t)i;
        g->kd_points[i].axis = 0;
    }
    kd_build(g->kd_points, 0, g->npoints);
    for (size_t i = 0; i < g->ncommunes; i++) {
        if (!g->communes[i].has_centre)
            continue;
        struct gc_kd *k = &g->kd_communes[g->nkd_communes++];
        to_unit(g->communes[i].lat, g->communes[i].lon, k->p);
        k->idx = (uint32_t)i;
        k->axis = 0;
    }
    kd_build(g->kd_communes, 0, g->nkd_communes);
    return GDIR_OK;
}

int gdir_geocoder_open(struct gdir_geocoder **out, sqlite3 *db, struct gdir_err *err)
{
    struct build b;
    int rc;

    *out = NULL;
    memset(&b, 0, sizeof b);
    gdir_buf_init(&b.kb, 0);
    b.g = calloc(1, sizeof *b.g);
    if (!b.g)
        return gdir_err_set(err, GDIR_ENOMEM, "geocoder: out of memory");
    if ((rc = pool_add(&b.pool, "", 0, &(uint32_t){ 0 }))) {   /* offset 0 is "" */
        gdir_err_set(err, rc, "geocoder: out of memory");
        goto out;
    }
    if ((rc = read_communes(&b, db, err)) || (rc = read_addresses(&b, db, err)) ||
        (rc = resolve_communes(&b, err)) || (rc = build_streets(&b, err)) ||
        (rc = build_communes(&b, err)) || (rc = build_tokens(&b, err)))
        goto out;
    sort_array(b.g->cpost, b.g->ncpost, sizeof *b.g->cpost, cmp_cpost);
    if ((rc = build_kd(b.g, err)))
        goto out;
    b.g->pool = b.pool.data;
    b.g->pool_len = b.pool.len;
    b.pool.data = NULL;
    *out = b.g;
    b.g = NULL;
out:
    gdir_buf_free(&b.kb);
    free(b.raw);
    free(b.bc);
    free(b.pool.data);
    gdir_geocoder_free(b.g);
    return rc;
}

void gdir_geocoder_free(struct gdir_geocoder *g)
{
    if (!g)
        return;
    free(g->pool);
    free(g->sources);
    free(g->communes);
    free(g->streets);
    free(g->points);
    free(g->tokstr);
    free(g->tokens);
    free(g->stoks);
    free(g->ctoks);
    free(g->spost);
    free(g->cpost_ids);
    free(g->dels);
    free(g->cpost);
    free(g->kd_points);
    free(g->kd_communes);
    free(g);
}

size_t gdir_geocoder_size(const struct gdir_geocoder *g)
{
    return g ? g->npoints : 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Queries                                                                                    */

struct qtok {
    const char *s;
    uint32_t len;
    float w;                    /* weight in the query's coverage */
    int code;                   /* a postcode / INSEE shape: matched against codes, not words */
    int64_t exact;              /* token id, or -1 */
    uint32_t plo, phi;          /* prefix range (autocomplete), empty when plo == phi */
    uint32_t plo2, phi2;        /* the typed word's own range when it was rewritten ("pl") */
    uint32_t plen2;             /* length of that typed word */
    uint32_t nfz;
    uint32_t fz[FUZZY_MAX];     /* tokens one edit away (only when no exact match) */
    int city_side;              /* after a postcode in the text, or in the city field: goes
                                 * to the commune's name rather than the street's on a tie */
};

struct query {
    struct qtok t[QTOK_MAX];
    size_t n;
    double wsum;
    int has_hn;
    struct gdir_housenumber hn;
    size_t ncode;               /* code tokens (postcode / INSEE) among t */
    char postcode[6], insee[6]; /* filters, "" if none */
    const struct gdir_geocode_query *in;
};

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void add_fuzzy(const struct gdir_geocoder *g, struct qtok *q)
{
    for (size_t skip = 0; skip <= q->len && q->nfz < FUZZY_MAX; skip++) {
        uint64_t h = hash_skip(q->s, q->len, skip);
        size_t lo = 0, hi = g->ndels;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (g->dels[mid].hash < h)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < g->ndels && g->dels[lo].hash == h && q->nfz < FUZZY_MAX; lo++) {
            uint32_t id = g->dels[lo].tok;
            const struct gc_token *t = &g->tokens[id];
            int seen = 0;
            for (uint32_t k = 0; k < q->nfz && !seen; k++)
                seen = q->fz[k] == id;
            if (!seen && within_one_edit(q->s, q->len, g->tokstr + t->str, t->len))
                q->fz[q->nfz++] = id;
        }
    }
}

/* Adds the tokens of folded text to the query. With prefix_last, the last word is also a
 * prefix, both as rewritten ("pl" → "place") and as typed ("pl" → "plateau"); a last word
 * dropped as an article is kept as a prefix only ("de" → "devant"), with a small weight. */
static void add_tokens(const struct gdir_geocoder *g, struct query *Q, const char *folded,
                       int prefix_last, int city_side)
{
    struct gdir_addr_tokens t;
    const char *last = strrchr(folded, ' ');
    last = last ? last + 1 : folded;
    gdir_address_tokenize(folded, &t);
    int last_kept = t.n > 0 && t.t[t.n - 1].raw == last;
    for (size_t i = 0; i < t.n && Q->n < QTOK_MAX; i++) {
        const struct gdir_addr_token *at = &t.t[i];
        struct qtok *q = &Q->t[Q->n++];
        memset(q, 0, sizeof *q);
        q->s = at->s;
        q->len = at->len;
        q->code = (at->flags & GDIR_TOK_CODE) != 0;
        q->city_side = city_side;
        city_side |= q->code;      /* "… 55000 Bar-le-Duc": the words after the postcode */
        q->w = (at->flags & GDIR_TOK_TYPE) ? (float)W_TYPE : 1.0f;
        q->exact = dict_find(g, q->s, q->len);
        if (prefix_last && last_kept && i + 1 == t.n && !q->code) {
            dict_prefix(g, q->s, q->len, &q->plo, &q->phi);
            if (at->raw_len != at->len || memcmp(at->raw, at->s, at->len) != 0) {
                dict_prefix(g, at->raw, at->raw_len, &q->plo2, &q->phi2);
                q->plen2 = at->raw_len;
            }
        }
        if (q->exact < 0 && q->plo == q->phi && q->plo2 == q->phi2 && !q->code &&
            q->len >= FUZZY_MIN_LEN && !(at->flags & GDIR_TOK_NUMBER))
            add_fuzzy(g, q);
        Q->wsum += q->w;
        Q->ncode += q->code;
    }
    if (prefix_last && !last_kept && *last && Q->n < QTOK_MAX && !t.truncated) {
        struct qtok *q = &Q->t[Q->n];
        memset(q, 0, sizeof *q);
        q->s = last;
        q->len = (uint32_t)strlen(last);
        q->city_side = city_side;
        q->w = (float)W_DROPPED;
        q->exact = -1;
        dict_prefix(g, q->s, q->len, &q->plo, &q->phi);
        if (q->plo < q->phi) {
            Q->n++;
            Q->wsum += q->w;
        }
    }
}

/* Marks city-side the words of Q->t[from..n) that end the text with the whole name of a
 * commune ("12 Rue de Gare Bar-le-Duc"), when a name word that is not a street type precedes
 * them (so "12 rue de Verdun" keeps "Verdun" as the street's). */
static void mark_trailing_commune(const struct gdir_geocoder *g, struct query *Q, size_t from)
{
    if (Q->n <= from + 1 || Q->t[Q->n - 1].exact < 0 || Q->t[Q->n - 1].city_side)
        return;
    const struct gc_token *last = &g->tokens[Q->t[Q->n - 1].exact];
    size_t best = 0;
    for (uint32_t k = 0; k < last->ncp; k++) {
        const struct gc_commune *c = &g->communes[g->cpost_ids[last->cp + k]];
        if (c->ntok == 0 || c->ntok >= Q->n - from || c->ntok <= best)
            continue;
        size_t start = Q->n - c->ntok, j;
        for (j = 0; j < c->ntok; j++)
            if (Q->t[start + j].exact != (int64_t)g->ctoks[c->tok + j])
                break;
        if (j == c->ntok)
            best = c->ntok;
    }
    if (best == 0)
        return;
    int named = 0;
    for (size_t i = from; i < Q->n - best && !named; i++) {
        const struct qtok *q = &Q->t[i];
        named = !q->code && q->w >= 1.0f;
    }
    for (size_t i = Q->n - best; named && i < Q->n; i++)
        Q->t[i].city_side = 1;
}

static int check_field(const char *s, size_t max, const char *param, struct gdir_err *err)
{
    if (!s)
        return GDIR_OK;
    size_t n = strnlen(s, max + 1);
    if (n > max)
        return gdir_err_set_param(err, GDIR_EINVAL, param, "%s: too long (at most %zu bytes)",
                                  param, max);
    if (!gdir_utf8_valid(s, n))
        return gdir_err_set_param(err, GDIR_EINVAL, param, "%s: not valid UTF-8", param);
    return GDIR_OK;
}

/* Validates the query and turns it into tokens (folded text in *fold, which they borrow). */
static int build_query(const struct gdir_geocoder *g, const struct gdir_geocode_query *in,
                       struct query *Q, struct gdir_buf *fold, struct gdir_err *err)
{
    int rc;
    size_t off_text = 0, off_street = 0, off_city = 0;
    const char *text = in->text, *street = in->street;
    int any_text = 0;

    memset(Q, 0, sizeof *Q);
    Q->in = in;
    if ((rc = check_field(in->text, GDIR_GEO_TEXT_MAX, "q", err)) ||
        (rc = check_field(in->street, GDIR_GEO_FIELD_MAX, "street", err)) ||
        (rc = check_field(in->city, GDIR_GEO_FIELD_MAX, "city", err)) ||
        (rc = check_field(in->housenumber, GDIR_GEO_FIELD_MAX, "housenumber", err)) ||
        (rc = check_field(in->postcode, GDIR_GEO_FIELD_MAX, "postcode", err)) ||
        (rc = check_field(in->insee, GDIR_GEO_FIELD_MAX, "citycode", err)))
        return rc;
    if (in->postcode && *in->postcode) {
        copy_code(Q->postcode, in->postcode, 0);
        if (!Q->postcode[0])
            return gdir_err_set_param(err, GDIR_EINVAL, "postcode",
                                      "postcode: expected 5 digits");
    }
    if (in->insee && *in->insee) {
        copy_code(Q->insee, in->insee, 1);
        if (!Q->insee[0])
            return gdir_err_set_param(err, GDIR_EINVAL, "citycode",
                                      "citycode: expected an INSEE code (5 characters)");
    }
    if (in->has_type && (unsigned)in->type > GDIR_GEO_MUNICIPALITY)
        return gdir_err_set_param(err, GDIR_EINVAL, "type", "type: unknown result type");
    if (in->has_point) {
        if (!isfinite(in->lat) || in->lat < -90 || in->lat > 90)
            return gdir_err_set_param(err, GDIR_EINVAL, "lat", "lat: expected -90..90");
        if (!isfinite(in->lon) || in->lon < -180 || in->lon > 180)
            return gdir_err_set_param(err, GDIR_EINVAL, "lon", "lon: expected -180..180");
    }
    if (in->housenumber && *in->housenumber) {
        if (gdir_address_parse_housenumber(in->housenumber, &Q->hn) != GDIR_OK)
            return gdir_err_set_param(err, GDIR_EINVAL, "housenumber",
                                      "housenumber: expected a number and a suffix, as 12bis");
        Q->has_hn = 1;
    }
    /* the house number leads the text (or the street field) when not given apart */
    if (!Q->has_hn && text && gdir_address_split_number(text, &Q->hn, &text))
        Q->has_hn = 1;
    if (!Q->has_hn && street && gdir_address_split_number(street, &Q->hn, &street))
        Q->has_hn = 1;
    if (text) {
        off_text = fold->len;
        if ((rc = gdir_text_fold(fold, text)) || (rc = gdir_buf_add(fold, "", 1)))
            goto oom;
        any_text |= fold->len - off_text > 1;
    }
    if (street) {
        off_street = fold->len;
        if ((rc = gdir_text_fold(fold, street)) || (rc = gdir_buf_add(fold, "", 1)))
            goto oom;
        any_text |= fold->len - off_street > 1;
    }
    if (in->city) {
        off_city = fold->len;
        if ((rc = gdir_text_fold(fold, in->city)) || (rc = gdir_buf_add(fold, "", 1)))
            goto oom;
        any_text |= fold->len - off_city > 1;
    }
    if (!any_text && !Q->insee[0] && !Q->postcode[0]) {
        const char *param = in->text ? "q" : in->street ? "street" : in->city ? "city" : "q";
        return gdir_err_set_param(err, GDIR_EINVAL, param, "%s: nothing to search", param);
    }
    /* tokens borrow from fold, which no longer moves */
    if (text) {
        size_t from = Q->n;
        add_tokens(g, Q, fold->data + off_text, in->autocomplete, 0);
        mark_trailing_commune(g, Q, from);
    }
    if (street)
        add_tokens(g, Q, fold->data + off_street, 0, 0);
    if (in->city)
        add_tokens(g, Q, fold->data + off_city, 0, 1);
    return GDIR_OK;
oom:
    return gdir_err_set_param(err, rc, "q", "q: %s", rc == GDIR_ETOOBIG ? "too long" :
                                                     "out of memory");
}

/* How well query token q matches dictionary token d: 1 exact, <1 prefix or typo, 0 none. */
static double tok_match(const struct gdir_geocoder *g, const struct qtok *q, uint32_t d)
{
    if (q->exact == (int64_t)d)
        return 1.0;
    if (d >= q->plo && d < q->phi)
        return 0.75 + 0.25 * (double)q->len / (double)g->tokens[d].len;
    if (d >= q->plo2 && d < q->phi2)
        return 0.75 + 0.25 * (double)q->plen2 / (double)g->tokens[d].len;
    for (uint32_t k = 0; k < q->nfz; k++)
        if (q->fz[k] == d)
            return M_FUZZY;
    return 0;
}

/* g->cpost is sorted by (postcode, commune) once built (the per-commune range pc..npc only
 * holds while building), so the pair is looked up there. */
static int commune_has_postcode(const struct gdir_geocoder *g, const struct gc_commune *c,
                                const char *code)
{
    uint32_t ci = (uint32_t)(c - g->communes);
    size_t lo = 0, hi = g->ncpost;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = strcmp(g->cpost[mid].code, code);
        if (d < 0 || (d == 0 && g->cpost[mid].commune < ci))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g->ncpost && g->cpost[lo].commune == ci && strcmp(g->cpost[lo].code, code) == 0;
}

/* Upper-cases a code token into code[6] (2a004 → 2A004). */
static void code_of(const struct qtok *q, char code[6])
{
    for (size_t i = 0; i < 5; i++)
        code[i] = (char)(q->s[i] >= 'a' && q->s[i] <= 'z' ? q->s[i] - 32 : q->s[i]);
    code[5] = '\0';
}

struct tscore {
    double text;                /* 0..1 */
    double qcov, scov, ccov;
    int code_hit;
    int name_hit;               /* a non-type word of the street matched */
};

/* Text score of street s (street_id < nstreets) or, with street NULL, of commune c alone. */
static void score_text(const struct gdir_geocoder *g, const struct query *Q,
                       const struct gc_street *s, const struct gc_commune *c, struct tscore *ts)
{
    double smatch[GDIR_ADDR_TOKENS_MAX] = { 0 }, cmatch[GDIR_ADDR_TOKENS_MAX] = { 0 };
    double qm = 0;
    uint32_t ns = s ? s->ntok : 0, nc = c->ntok;
    const uint32_t *st = s ? g->stoks + s->tok : NULL, *ct = g->ctoks + c->tok;

    memset(ts, 0, sizeof *ts);
    if (ns > GDIR_ADDR_TOKENS_MAX)
        ns = GDIR_ADDR_TOKENS_MAX;
    if (nc > GDIR_ADDR_TOKENS_MAX)
        nc = GDIR_ADDR_TOKENS_MAX;
    /* Each query word is given to one word of the street or of the commune (the best one
     * still free, the street first on a tie), so that "6 Rue de Fains 55000 Fains-Véel" does
     * not count "Fains" twice for "Rue de Véel". A word written after the postcode (or in
     * the city field) goes to the commune on a tie: in "9 Rue des Orchidées 55500 Velaines"
     * "Velaines" names the commune, not the "Rue de la Petite Velaines". */
    unsigned char used_s[GDIR_ADDR_TOKENS_MAX] = { 0 }, used_c[GDIR_ADDR_TOKENS_MAX] = { 0 };
    int city_words = 0, city_hit = 0;
    for (size_t i = 0; i < Q->n; i++) {
        const struct qtok *q = &Q->t[i];
        double best = 0;
        city_words += q->city_side && !q->code;
        if (q->code) {
            char code[6];
            code_of(q, code);
            if (strcmp(code, c->insee) == 0 || (s && strcmp(code, s->postcode) == 0) ||
                ((!s || !s->postcode[0]) && commune_has_postcode(g, c, code)))
                best = 1;
            ts->code_hit |= best > 0;
        } else {
            long bj = -1;
            int in_commune = 0;
            for (uint32_t j = 0; j < ns; j++) {
                double m = used_s[j] ? 0 : tok_match(g, q, st[j]);
                if (m > best) {
                    best = m;
                    bj = (long)j;
                }
            }
            double sbest = best;
            for (uint32_t j = 0; j < nc; j++) {
                double m = used_c[j] ? 0 : tok_match(g, q, ct[j]);
                if (m > best || (q->city_side && !in_commune && m > 0 && m >= sbest)) {
                    best = m;
                    bj = (long)j;
                    in_commune = 1;
                }
            }
            if (bj >= 0 && in_commune) {
                used_c[bj] = 1;
                cmatch[bj] = best;
                city_hit |= q->city_side;
            } else if (bj >= 0) {
                used_s[bj] = 1;
                smatch[bj] = best;
                if (q->city_side)     /* "… 55000 Bar-le-Duc" against "Rue de Bar" */
                    best *= W_CITY_IN_STREET;
            }
        }
        qm += q->w * best;
    }
    ts->qcov = Q->wsum > 0 ? qm / Q->wsum : 1.0;
    double sm = 0, cm = 0;
    for (uint32_t j = 0; j < ns; j++) {
        int type = (g->tokens[st[j]].flags & GDIR_TOK_TYPE) != 0;
        sm += (type ? W_TYPE : 1.0) * smatch[j];
        if (!type && smatch[j] > 0)
            ts->name_hit = 1;
    }
    for (uint32_t j = 0; j < nc; j++)
        cm += cmatch[j];
    ts->ccov = nc ? cm / nc : 0;
    ts->scov = s && s->wsum > 0 ? sm / s->wsum : 0;
    if (s && s->all_type && ns > 0) {
        /* a name made of type words only ("Rue du Faubourg", "Place"): the words after the
         * leading one must all be found, or "rue" alone would name it */
        ts->name_hit = 1;
        for (uint32_t j = ns > 1 ? 1 : 0; j < ns; j++)
            ts->name_hit &= smatch[j] > 0;
    }
    /* commune agreement: the name's words, and the postcode / INSEE code when one is given */
    double agree = Q->ncode ? 0.5 * ts->code_hit + 0.5 * ts->ccov : ts->ccov;
    ts->text = 0.5 * ts->qcov + 0.35 * (s ? ts->scov : ts->ccov) + 0.15 * agree;
    if (s && city_words > 0 && !city_hit)  /* the city written is not this street's */
        ts->text *= F_OTHER_COMMUNE;
}

/* Where a house number lands on a street. */
enum hn_kind { HN_NONE, HN_EXACT, HN_SUFFIX, HN_INTERP };

struct hn_res {
    enum hn_kind kind;
    uint32_t point;             /* the point found (HN_EXACT, HN_SUFFIX) */
    double lat, lon;
};

/* First index in pts[0..n) whose number is >= x. */
static size_t number_bound(const struct gc_point *pts, size_t n, long x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pts[mid].number < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

#define SCAN_MAX 64             /* points looked at on each side of a number */

/* The nearest points of parity par strictly below and above number x (-1 when none within
 * SCAN_MAX points). */
static void neighbours(const struct gc_point *pts, size_t n, long x, long par, long *lo,
                       long *hi)
{
    size_t pos = number_bound(pts, n, x), i, steps;
    *lo = *hi = -1;
    for (i = pos, steps = 0; i-- > 0 && steps < SCAN_MAX; steps++)
        if ((pts[i].number & 1) == par) {
            *lo = (long)i;
            break;
        }
    for (i = pos; i < n && pts[i].number == x; i++)
        ;
    for (steps = 0; i < n && steps < SCAN_MAX; i++, steps++)
        if ((pts[i].number & 1) == par) {
            *hi = (long)i;
            break;
        }
}

static void lerp_points(const struct gc_point *a, const struct gc_point *b, double t,
                        double *lat, double *lon)
{
    *lat = a->lat + t * (b->lat - a->lat);
    *lon = a->lon + t * (b->lon - a->lon);
}

/* Position of number x (of any parity) interpolated among the points of parity par; 0 when x
 * is outside their range. */
static int parity_position(const struct gc_point *pts, size_t n, long x, long par, double *lat,
                           double *lon)
{
    long lo, hi;
    neighbours(pts, n, x, par, &lo, &hi);
    if (lo < 0 || hi < 0)
        return 0;
    double t = (double)(x - pts[lo].number) / (double)(pts[hi].number - pts[lo].number);
    lerp_points(&pts[lo], &pts[hi], t, lat, lon);
    return 1;
}

#define HN_REACH_M 60.0          /* an estimated number stays this close to its anchor */
#define HN_SUFFIX_REACH_M 30.0   /* ... and this close to the same number with another suffix */
#define HN_EXTRAP_MAX_M 45.0     /* a number past the end of its side goes at most this far */
#define HN_EXTRAP_BACK 3         /* points of the side averaged for the direction past its end */
#define HN_FACING_MAX 3          /* a single point of a side is paired with a number of the other
                                  * side this close to the one asked */

/* Moves r's position towards anchor (lat, lon) until it is at most reach metres from it. */
static void keep_near(double lat, double lon, double reach, struct hn_res *r)
{
    double d = gdir_haversine_m(lat, lon, r->lat, r->lon);
    if (d > reach) {
        double f = reach / d;
        r->lat = lat + f * (r->lat - lat);
        r->lon = lon + f * (r->lon - lon);
    }
}

/* Extrapolates number want past the end point a (index ia of pts[0..n)) of side par, away from
 * the mean of the HN_EXTRAP_BACK next points of that side inwards, by the side's metres per
 * number (at most HN_EXTRAP_MAX_M); 0 when the side has no other number or no step. */
static int extrapolate(const struct gc_point *pts, size_t n, size_t ia, long want, long par,
                       double step, struct hn_res *r)
{
    const struct gc_point *a = &pts[ia];
    int up = want > a->number;
    double mlat = 0, mlon = 0;
    size_t k = 0, steps = 0;
    for (size_t i = ia; k < HN_EXTRAP_BACK && steps < SCAN_MAX; steps++) {
        if (up ? i == 0 : i + 1 >= n)
            break;
        i = up ? i - 1 : i + 1;
        if ((pts[i].number & 1) != par || pts[i].number == a->number)
            continue;
        mlat += pts[i].lat;
        mlon += pts[i].lon;
        k++;
    }
    if (k == 0 || step <= 0)
        return 0;
    mlat /= (double)k;
    mlon /= (double)k;
    double len = gdir_haversine_m(mlat, mlon, a->lat, a->lon);
    if (len < 1.0)
        return 0;
    double d = (double)labs(want - a->number) * step;
    if (d > HN_EXTRAP_MAX_M)
        d = HN_EXTRAP_MAX_M;
    r->lat = a->lat + (a->lat - mlat) * d / len;
    r->lon = a->lon + (a->lon - mlon) * d / len;
    return 1;
}

/* Finds hn on street s. The point itself (or its equivalent suffix) when it exists; else:
 *   - between the nearest lower and higher numbers of the same parity (the same side of the
 *     street): interpolated, then kept within HN_REACH_M of the neighbour nearest in number
 *     (a house missing from the list usually stands next to the house numbered nearest, not
 *     in the middle of a long gap), and within HN_SUFFIX_REACH_M of the same number with
 *     another suffix when there is one (asked 12, 12B exists);
 *   - otherwise, a number present with another suffix: that point;
 *   - past the last (or before the first) number of its side: the other side's step between
 *     the two numbers when it spans both; else extrapolated along the side's end (the
 *     direction from its next points inwards, the side's median metres per number, at most
 *     HN_EXTRAP_MAX_M); else, the side having a single number, halfway between it and the
 *     other side's number nearest the one asked (within HN_FACING_MAX); else that point;
 *   - no number of its parity at all: the nearest number.
 * These choices were measured on the BANO addresses of Meuse (docs/geocoding.md). */
static void resolve_hn(const struct gdir_geocoder *g, const struct gc_street *s,
                       const struct gdir_housenumber *hn, struct hn_res *r)
{
    const struct gc_point *pts = g->points + s->pt;
    size_t n = s->nnum, first;
    long want = hn->number, par = want & 1, lower, higher;

    r->kind = HN_NONE;
    if (n == 0)
        return;
    first = number_bound(pts, n, want);
    int best = 0;
    size_t bi = 0;
    for (size_t i = first; i < n && pts[i].number == want; i++) {
        int m = gdir_address_suffix_match(hn->suffix, pts[i].suffix);
        int rank = m == 2 ? 3 : m == 1 ? 2 : 1;
        if (rank > best) {
            best = rank;
            bi = i;
        }
    }
    if (best >= 2) {
        r->kind = HN_EXACT;
        r->point = s->pt + (uint32_t)bi;
        r->lat = pts[bi].lat;
        r->lon = pts[bi].lon;
        return;
    }
    neighbours(pts, n, want, par, &lower, &higher);
    r->kind = HN_INTERP;
    if (lower >= 0 && higher >= 0) {
        double t = (double)(want - pts[lower].number) /
                   (double)(pts[higher].number - pts[lower].number);
        const struct gc_point *near =
            want - pts[lower].number <= pts[higher].number - want ? &pts[lower] : &pts[higher];
        lerp_points(&pts[lower], &pts[higher], t, &r->lat, &r->lon);
        keep_near(near->lat, near->lon, HN_REACH_M, r);
        if (best == 1)
            keep_near(pts[bi].lat, pts[bi].lon, HN_SUFFIX_REACH_M, r);
        return;
    }
    if (best == 1) {                       /* same number, another suffix */
        r->kind = HN_SUFFIX;
        r->point = s->pt + (uint32_t)bi;
        r->lat = pts[bi].lat;
        r->lon = pts[bi].lon;
        return;
    }
    if (lower < 0 && higher < 0) {         /* nothing on this side: the nearest number */
        size_t k = first < n ? first : n - 1;
        if (first > 0 && (first == n || want - pts[first - 1].number < pts[k].number - want))
            k = first - 1;
        r->lat = pts[k].lat;
        r->lon = pts[k].lon;
        return;
    }
    size_t ia = (size_t)(lower >= 0 ? lower : higher);
    const struct gc_point *a = &pts[ia];
    double olat_w, olon_w, olat_a, olon_a;
    if (parity_position(pts, n, want, 1 - par, &olat_w, &olon_w) &&
        parity_position(pts, n, a->number, 1 - par, &olat_a, &olon_a)) {
        r->lat = a->lat + (olat_w - olat_a);
        r->lon = a->lon + (olon_w - olon_a);
        keep_near(a->lat, a->lon, HN_REACH_M, r);
        return;
    }
    if (extrapolate(pts, n, ia, want, par, s->step[par], r))
        return;
    r->lat = a->lat;
    r->lon = a->lon;
    long olo, ohi;                         /* a single number on this side: the facing one */
    neighbours(pts, n, want, 1 - par, &olo, &ohi);
    long o = olo >= 0 && (ohi < 0 || want - pts[olo].number <= pts[ohi].number - want) ? olo
                                                                                       : ohi;
    if (o >= 0 && labs(pts[o].number - want) <= HN_FACING_MAX)
        lerp_points(a, &pts[o], 0.5, &r->lat, &r->lon);
}

struct hit {
    double score;
    double dist;                /* metres from the query point, when it has one */
    double lat, lon;
    enum gdir_geo_type type;
    int interpolated;
    int is_commune;
    uint32_t idx;               /* street or commune index */
    uint32_t point;             /* point used (UINT32_MAX: none / interpolated) */
    uint32_t importance;        /* address points of the street */
};

static int hit_better(const struct hit *a, const struct hit *b)
{
    if (a->score != b->score)
        return a->score > b->score;
    if (a->dist != b->dist)
        return a->dist < b->dist;
    if (a->importance != b->importance)
        return a->importance > b->importance;
    if (a->is_commune != b->is_commune)
        return a->is_commune < b->is_commune;
    return a->idx < b->idx;
}

struct top {
    size_t k, n;
    struct hit h[GDIR_GEO_RESULTS_MAX];
};

static void top_offer(struct top *t, const struct hit *h)
{
    if (t->n == t->k && !hit_better(h, &t->h[t->n - 1]))
        return;
    size_t i = t->n < t->k ? t->n++ : t->n - 1;
    while (i > 0 && hit_better(h, &t->h[i - 1])) {
        t->h[i] = t->h[i - 1];
        i--;
    }
    t->h[i] = *h;
}

static long find_commune(const struct gdir_geocoder *g, const char *insee)
{
    return find_insee(g->communes, g->ncommunes, sizeof *g->communes, insee);
}

/* Adds id to a small set kept as an array (deduplicated later). */
static void set_add(uint32_t *set, size_t *n, size_t cap, uint32_t id)
{
    if (*n < cap)
        set[(*n)++] = id;
}

static size_t sort_unique(uint32_t *v, size_t n)
{
    size_t m = 0;
    sort_array(v, n, sizeof *v, cmp_u32);
    for (size_t i = 0; i < n; i++)
        if (m == 0 || v[m - 1] != v[i])
            v[m++] = v[i];
    return m;
}

static int qtok_wide(const struct qtok *q)
{
    return (q->phi - q->plo) + (q->phi2 - q->plo2) > PREFIX_WIDE;
}

/* The dictionary ids the query token stands for: the word, its typo neighbours and, unless
 * the prefix is wide (or allow_wide), the words it is a prefix of. */
static size_t qtok_ids(const struct qtok *q, int allow_wide, uint32_t *ids, size_t cap)
{
    size_t n = 0;
    if (q->exact >= 0)
        set_add(ids, &n, cap, (uint32_t)q->exact);
    for (uint32_t k = 0; k < q->nfz; k++)
        set_add(ids, &n, cap, q->fz[k]);
    if (!qtok_wide(q) || allow_wide)
        for (int r = 0; r < 2; r++)
            for (uint32_t d = r ? q->plo2 : q->plo; d < (r ? q->phi2 : q->phi) && n < cap; d++)
                if ((int64_t)d != q->exact)
                    set_add(ids, &n, cap, d);
    return n;
}

static int postcode_ok(const struct gdir_geocoder *g, const struct query *Q,
                       const struct gc_street *s, const struct gc_commune *c)
{
    if (!Q->postcode[0])
        return 1;
    if (s && s->postcode[0])
        return strcmp(s->postcode, Q->postcode) == 0;
    return commune_has_postcode(g, c, Q->postcode);
}

static double proximity(const struct query *Q, double lat, double lon, double *dist)
{
    if (!Q->in->has_point) {
        *dist = 0;
        return 1.0;
    }
    *dist = gdir_haversine_m(Q->in->lat, Q->in->lon, lat, lon);
    return 0.9 + 0.1 / (1.0 + *dist / 5000.0);
}

/* Candidate communes: named by a query word, a postcode or an INSEE code. */
static size_t commune_candidates(const struct gdir_geocoder *g, const struct query *Q,
                                 uint32_t *cc)
{
    size_t n = 0;
    uint32_t ids[PREFIX_IDS_MAX + FUZZY_MAX + 1];

    if (Q->insee[0]) {
        long c = find_commune(g, Q->insee);
        if (c >= 0)
            cc[n++] = (uint32_t)c;
        return n;
    }
    for (size_t i = 0; i < Q->n; i++) {
        const struct qtok *q = &Q->t[i];
        if (q->code) {
            char code[6];
            code_of(q, code);
            long c = find_commune(g, code);
            if (c >= 0)
                set_add(cc, &n, CCAND_MAX, (uint32_t)c);
            size_t lo = 0, hi = g->ncpost;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(g->cpost[mid].code, code) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (; lo < g->ncpost && strcmp(g->cpost[lo].code, code) == 0; lo++)
                set_add(cc, &n, CCAND_MAX, g->cpost[lo].commune);
            continue;
        }
        size_t nid = qtok_ids(q, 0, ids, sizeof ids / sizeof ids[0]);
        for (size_t k = 0; k < nid; k++) {
            const struct gc_token *t = &g->tokens[ids[k]];
            for (uint32_t j = 0; j < t->ncp; j++)
                set_add(cc, &n, CCAND_MAX, g->cpost_ids[t->cp + j]);
        }
    }
    if (Q->postcode[0]) {
        size_t lo = 0, hi = g->ncpost;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(g->cpost[mid].code, Q->postcode) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < g->ncpost && strcmp(g->cpost[lo].code, Q->postcode) == 0; lo++)
            set_add(cc, &n, CCAND_MAX, g->cpost[lo].commune);
    }
    return sort_unique(cc, n);
}

/* Adds to cand the streets of the posting list of token t within [from, to) (only those
 * named with type words alone when all_type_only). */
static void add_postings(const struct gdir_geocoder *g, const struct gc_token *t, uint32_t from,
                         uint32_t to, int all_type_only, uint32_t *cand, size_t *n, size_t cap)
{
    const uint32_t *p = g->spost + t->sp;
    size_t lo = 0, hi = t->nsp;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p[mid] < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < t->nsp && p[lo] < to && *n < cap; lo++)
        if (!all_type_only || g->streets[p[lo]].all_type)
            cand[(*n)++] = p[lo];
}

/* The query word with the shortest street postings (type words and wide prefixes only when
 * relax), skipping the index `skip`; SIZE_MAX when none has postings. */
static size_t cheapest_word(const struct gdir_geocoder *g, const struct query *Q, int any_name,
                            int relax, size_t skip)
{
    uint32_t ids[PREFIX_IDS_MAX + FUZZY_MAX + 1];
    size_t best = SIZE_MAX, best_cost = SIZE_MAX;
    for (size_t i = 0; i < Q->n; i++) {
        const struct qtok *q = &Q->t[i];
        if (i == skip || q->code ||
            (!relax && ((any_name && q->w < 1.0f) || qtok_wide(q))))
            continue;
        size_t nid = qtok_ids(q, relax, ids, sizeof ids / sizeof ids[0]), c = 0;
        for (size_t k = 0; k < nid; k++)
            c += g->tokens[ids[k]].nsp;
        if (c > 0 && c < best_cost) {
            best = i;
            best_cost = c;
        }
    }
    return best;
}

/* Candidate streets: those of the communes the query names (all of a small commune's, else
 * those holding a query word), and the postings of its two rarest words anywhere. */
static size_t street_candidates(const struct gdir_geocoder *g, const struct query *Q,
                                const uint32_t *expand, size_t nexpand, uint32_t *cand)
{
    size_t n = 0;
    uint32_t ids[PREFIX_IDS_MAX + FUZZY_MAX + 1];
    int any_name = 0;

    for (size_t i = 0; i < Q->n; i++)
        any_name |= !Q->t[i].code && Q->t[i].w >= 1.0f;
    /* A. within the communes named */
    for (size_t e = 0; e < nexpand; e++) {
        const struct gc_commune *c = &g->communes[expand[e]];
        if (c->nstreet <= SMALL_COMMUNE) {
            for (uint32_t k = 0; k < c->nstreet && n < CAND_MAX; k++)
                cand[n++] = c->street + k;
            continue;
        }
        for (size_t i = 0; i < Q->n; i++) {
            const struct qtok *q = &Q->t[i];
            if (q->code)
                continue;
            size_t nid = qtok_ids(q, 0, ids, sizeof ids / sizeof ids[0]);
            int type_only = any_name && q->w < 1.0f;   /* "rue" alone names no street */
            for (size_t k = 0; k < nid; k++)
                add_postings(g, &g->tokens[ids[k]], c->street, c->street + c->nstreet,
                             type_only, cand, &n, CAND_MAX);
        }
    }
    if (Q->insee[0])
        return sort_unique(cand, n);
    /* B. the rarest words anywhere; with none selective enough and nothing found yet, the
     * cheapest word whatever it is */
    size_t anchors[2];
    anchors[0] = cheapest_word(g, Q, any_name, 0, SIZE_MAX);
    anchors[1] = anchors[0] == SIZE_MAX ? SIZE_MAX : cheapest_word(g, Q, any_name, 0, anchors[0]);
    int relax = anchors[0] == SIZE_MAX && n == 0;
    if (relax)
        anchors[0] = cheapest_word(g, Q, any_name, 1, SIZE_MAX);
    for (size_t a = 0; a < 2; a++) {
        if (anchors[a] == SIZE_MAX)
            continue;
        size_t nid = qtok_ids(&Q->t[anchors[a]], relax, ids, sizeof ids / sizeof ids[0]);
        size_t room = relax ? RELAX_CAP : ANCHOR_CAP;   /* unselective: any few will do */
        size_t cap = n + room < CAND_MAX ? n + room : CAND_MAX;
        for (size_t k = 0; k < nid; k++)
            add_postings(g, &g->tokens[ids[k]], 0, UINT32_MAX, 0, cand, &n, cap);
    }
    return sort_unique(cand, n);
}

struct ccand {
    double text;
    uint32_t idx;
    int strong;                 /* named enough to search its streets specifically */
    int code_hit;               /* a postcode or INSEE code of the text is the commune's */
};

static int cmp_ccand(const void *a, const void *b)
{
    const struct ccand *x = a, *y = b;
    if (x->text != y->text)
        return x->text > y->text ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void score_street(const struct gdir_geocoder *g, const struct query *Q, uint32_t si,
                         struct top *top)
{
    const struct gdir_geocode_query *in = Q->in;
    const struct gc_street *s = &g->streets[si];
    const struct gc_commune *c = &g->communes[s->commune];
    struct tscore ts;
    struct hit h;
    double factor = 1.0;

    if (in->has_type) {
        if (in->type == GDIR_GEO_MUNICIPALITY)
            return;
        if ((in->type == GDIR_GEO_STREET || in->type == GDIR_GEO_LOCALITY) &&
            s->kind != in->type)
            return;
        if (in->type == GDIR_GEO_HOUSENUMBER && (!Q->has_hn || s->nnum == 0))
            return;
    }
    if ((Q->insee[0] && strcmp(c->insee, Q->insee) != 0) || !postcode_ok(g, Q, s, c))
        return;
    score_text(g, Q, s, c, &ts);
    if (!ts.name_hit)
        return;
    memset(&h, 0, sizeof h);
    h.idx = si;
    h.point = UINT32_MAX;
    h.importance = s->npt;
    h.type = (enum gdir_geo_type)s->kind;
    h.lat = g->points[s->centre].lat;
    h.lon = g->points[s->centre].lon;
    int want_hn = Q->has_hn && (!in->has_type || in->type == GDIR_GEO_HOUSENUMBER);
    if (want_hn) {
        struct hn_res r;
        resolve_hn(g, s, &Q->hn, &r);
        if (r.kind == HN_NONE) {
            if (in->has_type)
                return;
            factor = F_HN_STREET;
        } else {
            h.type = GDIR_GEO_HOUSENUMBER;
            h.lat = r.lat;
            h.lon = r.lon;
            if (r.kind == HN_INTERP) {
                h.interpolated = 1;
                factor = F_HN_INTERP;
            } else {
                h.point = r.point;
                factor = r.kind == HN_SUFFIX ? F_HN_SUFFIX : 1.0;
            }
        }
    }
    h.score = ts.text * factor * proximity(Q, h.lat, h.lon, &h.dist);
    if (h.score > 1.0)
        h.score = 1.0;
    if (h.score >= MIN_SCORE)
        top_offer(top, &h);
}

static void score_commune(const struct gdir_geocoder *g, const struct query *Q, uint32_t ci,
                          const struct tscore *ts, struct top *top)
{
    const struct gdir_geocode_query *in = Q->in;
    const struct gc_commune *c = &g->communes[ci];
    struct hit h;

    if (!c->has_centre || (in->has_type && in->type != GDIR_GEO_MUNICIPALITY))
        return;
    if (!postcode_ok(g, Q, NULL, c) || (ts->ccov <= 0 && !ts->code_hit && !Q->insee[0] &&
                                        !Q->postcode[0]))
        return;
    memset(&h, 0, sizeof h);
    h.is_commune = 1;
    h.idx = ci;
    h.point = UINT32_MAX;
    h.type = GDIR_GEO_MUNICIPALITY;
    h.lat = c->lat;
    h.lon = c->lon;
    h.score = ts->text * (Q->has_hn ? F_HN_CITY : 1.0) * proximity(Q, h.lat, h.lon, &h.dist);
    if (h.score > 1.0)
        h.score = 1.0;
    if (h.score >= MIN_SCORE)
        top_offer(top, &h);
}

static void fill_hit(const struct gdir_geocoder *g, const struct query *Q, const struct hit *h,
                     struct gdir_geocode_result *r)
{
    memset(r, 0, sizeof *r);
    r->lat = h->lat;
    r->lon = h->lon;
    r->score = h->score;
    r->type = h->type;
    r->interpolated = h->interpolated;
    r->distance_m = h->dist;
    if (h->is_commune) {
        const struct gc_commune *c = &g->communes[h->idx];
        copy_str(r->name, sizeof r->name, g->pool + c->name);
        copy_str(r->label, sizeof r->label, g->pool + c->name);
        copy_str(r->city, sizeof r->city, g->pool + c->name);
        copy_str(r->postcode, sizeof r->postcode, c->postcode);
        copy_str(r->citycode, sizeof r->citycode, c->insee);
        copy_str(r->id, sizeof r->id, c->insee);
        return;
    }
    const struct gc_street *s = &g->streets[h->idx];
    const struct gc_commune *c = &g->communes[s->commune];
    const struct gc_point *ref = &g->points[h->point != UINT32_MAX ? h->point : s->centre];
    copy_str(r->street, sizeof r->street, g->pool + s->name);
    copy_str(r->city, sizeof r->city, g->pool + c->name);
    copy_str(r->postcode, sizeof r->postcode, s->postcode[0] ? s->postcode : c->postcode);
    copy_str(r->citycode, sizeof r->citycode, c->insee);
    copy_str(r->source, sizeof r->source, g->pool + g->sources[ref->source]);
    if (h->type == GDIR_GEO_HOUSENUMBER) {
        if (h->point != UINT32_MAX && g->pool[ref->hn]) {
            copy_str(r->housenumber, sizeof r->housenumber, g->pool + ref->hn);
            copy_str(r->id, sizeof r->id, g->pool + ref->id);
        } else {
            gdir_address_format_housenumber(&Q->hn, r->housenumber, sizeof r->housenumber);
        }
        append_word(r->name, sizeof r->name, r->housenumber);
    } else {
        copy_str(r->id, sizeof r->id, g->pool + s->sid);
    }
    append_word(r->name, sizeof r->name, r->street);
    copy_str(r->label, sizeof r->label, r->name);
    append_word(r->label, sizeof r->label, r->postcode);
    append_word(r->label, sizeof r->label, r->city);
}

int gdir_geocoder_search(const struct gdir_geocoder *g, const struct gdir_geocode_query *q,
                         struct gdir_geocode_result *out, size_t max, size_t *n,
                         struct gdir_err *err)
{
    struct gdir_buf fold;
    struct query Q;
    struct top top;
    uint32_t cc[CCAND_MAX], expand[COMMUNE_EXPAND * 8], cand[CAND_MAX];
    struct ccand cs[CCAND_MAX];
    size_t ncc, ncand, nexpand = 0;
    int rc;

    *n = 0;
    gdir_buf_init(&fold, 4 * (GDIR_GEO_TEXT_MAX + 3 * GDIR_GEO_FIELD_MAX) + 16);
    if ((rc = build_query(g, q, &Q, &fold, err)))
        goto out;
    top.k = max < GDIR_GEO_RESULTS_MAX ? max : GDIR_GEO_RESULTS_MAX;
    top.n = 0;
    if (top.k == 0)
        goto out;
    /* communes: scored once, for municipality results and to focus the street search */
    /* A commune is searched specifically when its name is written, or the INSEE code or the
     * postcode filter names it; a postcode in the text does so only when no commune's name is
     * written ("… 55000 Bar-le-Duc" expands Bar-le-Duc, not the 20 communes of 55000). */
    ncc = commune_candidates(g, &Q, cc);
    int named = 0;
    for (size_t i = 0; i < ncc; i++) {
        struct tscore ts;
        score_text(g, &Q, NULL, &g->communes[cc[i]], &ts);
        cs[i].idx = cc[i];
        cs[i].text = ts.text;
        cs[i].strong = ts.ccov >= 0.5 || Q.insee[0] ||
                       (Q.postcode[0] && commune_has_postcode(g, &g->communes[cc[i]],
                                                              Q.postcode));
        cs[i].code_hit = ts.code_hit;
        named |= ts.ccov >= 0.5;
        score_commune(g, &Q, cc[i], &ts, &top);
    }
    for (size_t i = 0; i < ncc && !named; i++)
        cs[i].strong |= cs[i].code_hit;
    sort_array(cs, ncc, sizeof *cs, cmp_ccand);
    size_t expand_max = Q.postcode[0] ? sizeof expand / sizeof expand[0] : COMMUNE_EXPAND;
    for (size_t i = 0; i < ncc && nexpand < expand_max; i++)
        if (cs[i].strong)
            expand[nexpand++] = cs[i].idx;
    if (!(q->has_type && q->type == GDIR_GEO_MUNICIPALITY)) {
        ncand = street_candidates(g, &Q, expand, nexpand, cand);
        for (size_t i = 0; i < ncand; i++)
            score_street(g, &Q, cand[i], &top);
    }
    for (size_t i = 0; i < top.n; i++)
        fill_hit(g, &Q, &top.h[i], &out[i]);
    *n = top.n;
out:
    gdir_buf_free(&fold);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Reverse                                                                                    */

static double reverse_score(double d)
{
    return 1.0 / (1.0 + d / 100.0);
}

int gdir_geocoder_reverse(const struct gdir_geocoder *g, double lat, double lon, int has_type,
                          enum gdir_geo_type type, struct gdir_geocode_result *out, size_t max,
                          size_t *n, struct gdir_err *err)
{
    struct knn h;
    double qp[3];
    size_t got = 0;
    struct query Q;                     /* empty: fill_hit formats nothing from it */
    struct gdir_geocode_query none;

    *n = 0;
    if (!isfinite(lat) || lat < -90 || lat > 90)
        return gdir_err_set_param(err, GDIR_EINVAL, "lat", "lat: expected -90..90");
    if (!isfinite(lon) || lon < -180 || lon > 180)
        return gdir_err_set_param(err, GDIR_EINVAL, "lon", "lon: expected -180..180");
    if (has_type && (unsigned)type > GDIR_GEO_MUNICIPALITY)
        return gdir_err_set_param(err, GDIR_EINVAL, "type", "type: unknown result type");
    if (max > GDIR_GEO_RESULTS_MAX)
        max = GDIR_GEO_RESULTS_MAX;
    if (max == 0)
        return GDIR_OK;
    memset(&Q, 0, sizeof Q);
    memset(&none, 0, sizeof none);
    Q.in = &none;
    to_unit(lat, lon, qp);
    memset(&h, 0, sizeof h);
    h.g = g;
    if ((has_type && type == GDIR_GEO_MUNICIPALITY) || g->npoints == 0) {
        if (has_type && type != GDIR_GEO_MUNICIPALITY)
            return GDIR_OK;
        h.k = max < KNN_MAX ? max : KNN_MAX;
        kd_search(g->kd_communes, 0, g->nkd_communes, qp, &h);
        for (size_t i = 0; i < h.n; i++) {
            struct hit ht;
            memset(&ht, 0, sizeof ht);
            ht.is_commune = 1;
            ht.idx = h.idx[i];
            ht.point = UINT32_MAX;
            ht.type = GDIR_GEO_MUNICIPALITY;
            ht.lat = g->communes[ht.idx].lat;
            ht.lon = g->communes[ht.idx].lon;
            ht.dist = gdir_haversine_m(lat, lon, ht.lat, ht.lon);
            ht.score = reverse_score(ht.dist);
            fill_hit(g, &Q, &ht, &out[got++]);
        }
        *n = got;
        return GDIR_OK;
    }
    int want_hn = has_type && type == GDIR_GEO_HOUSENUMBER;
    int street_level = has_type && (type == GDIR_GEO_STREET || type == GDIR_GEO_LOCALITY);
    h.k = street_level ? KNN_MAX : (max < KNN_MAX ? max : KNN_MAX);
    h.numbered_only = want_hn;
    kd_search(g->kd_points, 0, g->npoints, qp, &h);
    uint32_t seen[KNN_MAX];
    size_t nseen = 0;
    for (size_t i = 0; i < h.n && got < max; i++) {
        const struct gc_point *p = &g->points[h.idx[i]];
        const struct gc_street *s = &g->streets[p->street];
        struct hit ht;
        memset(&ht, 0, sizeof ht);
        ht.idx = p->street;
        ht.point = h.idx[i];
        ht.lat = p->lat;
        ht.lon = p->lon;
        if (p->number != NO_NUMBER && !street_level) {
            ht.type = GDIR_GEO_HOUSENUMBER;
        } else {
            if (has_type && !want_hn && s->kind != type)
                continue;
            int dup = 0;
            for (size_t k = 0; k < nseen && !dup; k++)
                dup = seen[k] == p->street;
            if (dup)
                continue;
            seen[nseen++] = p->street;
            ht.type = (enum gdir_geo_type)s->kind;
            ht.point = UINT32_MAX;
        }
        ht.dist = gdir_haversine_m(lat, lon, p->lat, p->lon);
        ht.score = reverse_score(ht.dist);
        fill_hit(g, &Q, &ht, &out[got]);
        if (ht.type != GDIR_GEO_HOUSENUMBER) {   /* street results sit at the nearest point */
            out[got].lat = p->lat;
            out[got].lon = p->lon;
        }
        got++;
    }
    *n = got;
    return GDIR_OK;
}
