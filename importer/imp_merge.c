/*
 * imp_merge.c — merging the records of several sources that describe one place (see
 * imp_merge.h for the rules): candidate pairs through the places R*Tree in batches, the
 * decision per pair, groups built best pair first under conflict checks, and each group
 * written back as one place with a per-field source map and a merge report row per record.
 *
 * Memory: the accepted pairs and the records they involve (a few fields each), never the
 * whole table.
 */
#include "imp_merge.h"
#include "gdir_buf.h"
#include "gdir_db.h"
#include "gdir_geo.h"
#include "gdir_json.h"
#include "gdir_mem.h"
#include "gdir_taxonomy.h"
#include "gdir_text.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_FIDS 20000          /* records whose neighbours are searched per query */
#define TOKENS_MAX 32             /* distinctive tokens kept per name */
#define TOKEN_LEN_MAX 48
#define M_PER_DEG_LAT 111195.0    /* metres per degree of latitude (mean Earth radius) */
#define COS_LAT_MIN 0.62          /* cos(51.7°): boxes wide enough up to Dunkirk's latitude */
#define GROUPS_PER_TX 5000        /* merged places written per transaction (bounded journal) */

enum rule { RULE_NAME, RULE_REF };

/* Candidate pairs: a's neighbours in the places R*Tree that are records of another source
 * (before merging, every places row is one record); r.pkid > a.fid lists each pair once.
 * CROSS JOIN keeps the loop order a -> R*Tree -> b. */
static const char SQL_CANDIDATES[] =
    "SELECT a.fid, b.fid, a.source, b.source, ST_X(a.geom), ST_Y(a.geom), ST_X(b.geom),"
    " ST_Y(b.geom), a.name_key, b.name_key, a.category, b.category, a.refs, b.refs, a.insee,"
    " b.insee"
    " FROM places AS a"
    " CROSS JOIN idx_places_geom AS r"
    " CROSS JOIN places AS b"
    " WHERE a.fid >= ?1 AND a.fid < ?2"
    "   AND r.xmin <= ST_X(a.geom) + ?3 AND r.xmax >= ST_X(a.geom) - ?3"
    "   AND r.ymin <= ST_Y(a.geom) + ?4 AND r.ymax >= ST_Y(a.geom) - ?4"
    "   AND r.pkid > a.fid AND b.fid = r.pkid AND b.source <> a.source";

static const char SQL_MAX_FID[] = "SELECT coalesce(max(fid), 0) FROM places";

static const char SQL_COMMUNES[] = "SELECT insee, name FROM communes";

static const char SQL_MEMBER[] =
    "SELECT fid, id, source, licence, name, name_key, category, address, postcode, insee,"
    " phone, email, website, opening_hours, description, source_date, wheelchair, refs,"
    " geo_quality, geocode_precision, geocode_score, ST_X(geom), ST_Y(geom)"
    " FROM places WHERE fid = ?1";

static const char SQL_UPDATE_PLACE[] =
    "UPDATE places SET address = ?2, postcode = ?3, insee = ?4, phone = ?5, email = ?6,"
    " website = ?7, opening_hours = ?8, description = ?9, wheelchair = ?10, refs = ?11,"
    " geo_quality = ?12, licence = ?13, geocode_precision = ?14, geocode_score = ?15,"
    " field_sources = ?16, geom = MakePoint(?17, ?18, 4326), source_ids = ?19 WHERE fid = ?1";

/* A member's record as read, kept before its place is rewritten or deleted. */
static const char SQL_SAVE_RECORD[] =
    "INSERT INTO place_sources(place_fid, id, source, source_id, licence, name, name_key,"
    " category, address, postcode, insee, phone, email, website, opening_hours, description,"
    " source_date, wheelchair, refs, geo_quality, geocode_precision, geocode_score, lon, lat)"
    " SELECT ?2, id, source, source_id, licence, name, name_key, category, address, postcode,"
    " insee, phone, email, website, opening_hours, description, source_date, wheelchair, refs,"
    " geo_quality, geocode_precision, geocode_score, ST_X(geom), ST_Y(geom)"
    " FROM places WHERE fid = ?1";

static const char SQL_DELETE_PLACE[] = "DELETE FROM places WHERE fid = ?1";
static const char SQL_INS_MERGE[] =
    "INSERT INTO place_merges(place_fid, kept_id, merged_id, rule, distance_m, similarity)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/* ---------------------------------------------------------------- names and ids */

struct tokens {
    size_t n;
    char t[TOKENS_MAX][TOKEN_LEN_MAX];
};

/* Articles and elisions: no distinctive power in a name. */
static int stopword(const char *w)
{
    static const char *const words[] = {"l", "d", "le", "la", "les", "de", "du", "des", "et",
                                        "a", "au", "aux", "en", "sur", "sous", "lez", "les",
                                        "s", "the", "of"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(w, words[i]) == 0)
            return 1;
    return 0;
}

/* Splits a folded string into its words, canonical (st/ste/sainte -> saint), without
 * stopwords and repeats. */
static void tokenize(const char *s, struct tokens *out)
{
    out->n = 0;
    while (s && *s) {
        size_t len = strcspn(s, " ");
        if (len > 0 && len < TOKEN_LEN_MAX && out->n < TOKENS_MAX) {
            char w[TOKEN_LEN_MAX];
            memcpy(w, s, len);
            w[len] = '\0';
            if (!strcmp(w, "st") || !strcmp(w, "ste") || !strcmp(w, "sainte"))
                snprintf(w, sizeof w, "saint");
            int dup = 0;
            for (size_t i = 0; i < out->n; i++)
                if (strcmp(out->t[i], w) == 0)
                    dup = 1;
            if (!dup && !stopword(w))
                memcpy(out->t[out->n++], w, strlen(w) + 1);
        }
        s += len;
        s += strspn(s, " ");
    }
}

static int has_token(const struct tokens *t, const char *w)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->t[i], w) == 0)
            return 1;
    return 0;
}

/* Drops from t the words of the commune's name (context, not identity). */
static void drop_commune(struct tokens *t, const struct tokens *commune)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (!has_token(commune, t->t[i]))
            memmove(t->t[k++], t->t[i], strlen(t->t[i]) + 1);
    t->n = k;
}

/* The distinctive tokens of a folded name: without the commune's words, unless the name is
 * only the commune's ("Vaubecourt" keeps its word). */
static void name_tokens(const char *name, const struct tokens *commune, struct tokens *out)
{
    struct tokens t;
    tokenize(name, out);
    t = *out;
    drop_commune(&t, commune);
    if (t.n)
        *out = t;
}

/* Dice coefficient of two token sets; *generic: either has at most one token. */
static double dice(const struct tokens *ta, const struct tokens *tb, int *generic)
{
    size_t common = 0;
    *generic = ta->n <= 1 || tb->n <= 1;
    if (ta->n == 0 && tb->n == 0)
        return 1.0;
    for (size_t i = 0; i < ta->n; i++)
        common += (size_t)has_token(tb, ta->t[i]);
    return 2.0 * (double)common / (double)(ta->n + tb->n);
}

double imp_merge_similarity(const char *a, const char *b, const char *commune_key, int *generic)
{
    struct tokens ta, tb, tc;
    tokenize(commune_key, &tc);
    name_tokens(a, &tc, &ta);
    name_tokens(b, &tc, &tb);
    return dice(&ta, &tb, generic);
}

/* Refs "scheme:value scheme:value": *shared = 1 when one token is in both, returns 1 when a
 * scheme appears in both with no value in common (different ids of one scheme). */
static int refs_conflict(const char *a, const char *b, int *shared)
{
    *shared = 0;
    if (!a || !b || !*a || !*b)
        return 0;
    int conflict = 0;
    for (const char *p = a; *p;) {
        size_t len = strcspn(p, " "), colon = strcspn(p, ":");
        if (colon < len) {
            int same_scheme = 0, same_value = 0;
            for (const char *q = b; *q;) {
                size_t ql = strcspn(q, " "), qc = strcspn(q, ":");
                if (qc == colon && strncmp(p, q, colon + 1) == 0) {
                    same_scheme = 1;
                    if (ql == len && strncmp(p, q, len) == 0)
                        same_value = 1;
                }
                q += ql;
                q += strspn(q, " ");
            }
            if (same_value)
                *shared = 1;
            else if (same_scheme) {
                /* the scheme is in both: conflict unless another value of it matches */
                int any = 0;
                for (const char *p2 = a; *p2;) {
                    size_t l2 = strcspn(p2, " ");
                    if (strncmp(p2, p, colon + 1) == 0)
                        for (const char *q = b; *q;) {
                            size_t ql = strcspn(q, " ");
                            if (ql == l2 && strncmp(p2, q, l2) == 0)
                                any = 1;
                            q += ql;
                            q += strspn(q, " ");
                        }
                    p2 += l2;
                    p2 += strspn(p2, " ");
                }
                if (!any)
                    conflict = 1;
            }
        }
        p += len;
        p += strspn(p, " ");
    }
    return conflict;
}

static const char *top_category(const char *code)
{
    const struct gdir_category *c = code ? gdir_category_find(code) : NULL;
    return !c ? "" : c->parent ? c->parent : c->code;
}

/* ---------------------------------------------------------------- state */

struct node {
    int64_t fid;
    int src;              /* source rank */
    double lon, lat;
    char *refs;           /* owned, may be NULL */
    size_t parent;        /* union-find */
    size_t next;          /* circular list of the group's members */
    size_t size;          /* members, at the root */
};

struct pair {
    size_t a, b;          /* node indexes */
    double dist, sim;
    enum rule rule;
};

struct commune_name {
    char insee[8];
    char *key;            /* folded name, owned */
};

struct merger {
    sqlite3 *db;
    const struct imp_merge_source *src;
    size_t n_src;
    struct node *nodes;
    size_t n_nodes, cap_nodes;
    size_t *slots;        /* open addressing: fid -> node index + 1 (0 = empty) */
    size_t n_slots;       /* power of two */
    struct pair *pairs;
    size_t n_pairs, cap_pairs;
    struct commune_name *communes;
    size_t n_communes;
    struct imp_merge_stats *stats;
    struct gdir_err *err;
};

static int nomem(struct merger *m)
{
    return gdir_err_set(m->err, GDIR_ENOMEM, "merging: out of memory");
}

static int db_fail(struct merger *m, const char *what)
{
    return gdir_err_set(m->err, GDIR_EDB, "merging: %s: %s", what, sqlite3_errmsg(m->db));
}

static size_t hash_fid(int64_t fid, size_t mask)
{
    uint64_t x = (uint64_t)fid * 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 17) & mask;
}

static int rehash(struct merger *m)
{
    size_t n = m->n_slots ? m->n_slots * 2 : 1024;
    size_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < m->n_nodes; i++) {
        size_t h = hash_fid(m->nodes[i].fid, n - 1);
        while (slots[h])
            h = (h + 1) & (n - 1);
        slots[h] = i + 1;
    }
    free(m->slots);
    m->slots = slots;
    m->n_slots = n;
    return 0;
}

static int source_rank(const struct merger *m, const unsigned char *name)
{
    for (size_t i = 0; name && i < m->n_src; i++)
        if (strcmp(m->src[i].name, (const char *)name) == 0)
            return (int)i;
    return (int)m->n_src;
}

/* The node of fid, created from the row's columns (base: first of fid, source, lon, lat,
 * refs) when new. Returns its index, or SIZE_MAX on memory failure. */
static size_t node_of(struct merger *m, int64_t fid, int rank, double lon, double lat,
                      const unsigned char *refs)
{
    size_t h;
    if (m->n_slots) {
        h = hash_fid(fid, m->n_slots - 1);
        while (m->slots[h]) {
            if (m->nodes[m->slots[h] - 1].fid == fid)
                return m->slots[h] - 1;
            h = (h + 1) & (m->n_slots - 1);
        }
    }
    if ((m->n_nodes + 1) * 2 > m->n_slots && rehash(m))
        return SIZE_MAX;
    if (gdir_grow(&m->nodes, &m->cap_nodes, m->n_nodes + 1, sizeof *m->nodes))
        return SIZE_MAX;
    size_t i = m->n_nodes;
    struct node *n = &m->nodes[i];
    n->fid = fid;
    n->src = rank;
    n->lon = lon;
    n->lat = lat;
    n->refs = NULL;
    if (refs && !(n->refs = gdir_strdup((const char *)refs)))
        return SIZE_MAX;
    n->parent = i;
    n->next = i;
    n->size = 1;
    m->n_nodes++;
    h = hash_fid(fid, m->n_slots - 1);
    while (m->slots[h])
        h = (h + 1) & (m->n_slots - 1);
    m->slots[h] = i + 1;
    return i;
}

static int cmp_commune(const void *x, const void *y)
{
    return strcmp(((const struct commune_name *)x)->insee, ((const struct commune_name *)y)->insee);
}

static const char *commune_key(const struct merger *m, const unsigned char *insee)
{
    struct commune_name key;
    const struct commune_name *hit;
    if (!insee || !m->n_communes || strlen((const char *)insee) >= sizeof key.insee)
        return NULL;
    snprintf(key.insee, sizeof key.insee, "%s", (const char *)insee);
    hit = bsearch(&key, m->communes, m->n_communes, sizeof *m->communes, cmp_commune);
    return hit ? hit->key : NULL;
}

static int load_communes(struct merger *m)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;   /* m->communes is empty */
    int rc = GDIR_OK, step;
    if (sqlite3_prepare_v2(m->db, SQL_COMMUNES, -1, &st, NULL) != SQLITE_OK)
        return db_fail(m, "communes");
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *insee = sqlite3_column_text(st, 0);
        const unsigned char *name = sqlite3_column_text(st, 1);
        if (!insee || !name || strlen((const char *)insee) >= 8)
            continue;
        if (gdir_grow(&m->communes, &cap, m->n_communes + 1, sizeof *m->communes)) {
            rc = nomem(m);
            break;
        }
        struct commune_name *c = &m->communes[m->n_communes];
        snprintf(c->insee, sizeof c->insee, "%s", (const char *)insee);
        if (!(c->key = gdir_text_fold_dup((const char *)name))) {
            rc = nomem(m);
            break;
        }
        m->n_communes++;
    }
    if (rc == GDIR_OK && step != SQLITE_DONE)
        rc = db_fail(m, "communes");
    sqlite3_finalize(st);
    if (rc == GDIR_OK && m->n_communes > 1)
        qsort(m->communes, m->n_communes, sizeof *m->communes, cmp_commune);
    return rc;
}

/* ---------------------------------------------------------------- candidates */

/* The record whose neighbours are being read (consecutive candidate rows share it): its
 * tokens are computed once. */
struct current {
    int64_t fid;
    int valid;
    struct tokens commune;     /* words of its commune's name */
    struct tokens name;        /* its distinctive name tokens */
    char category[64];
    char insee[8];
    struct pair *best;         /* per source rank (n_src + 1): best accepted pair, if any */
    unsigned char *has_best;
};

static void set_current(struct merger *m, struct current *c, sqlite3_stmt *st)
{
    const unsigned char *insee = sqlite3_column_text(st, 14);
    const unsigned char *cat = sqlite3_column_text(st, 10);
    c->fid = sqlite3_column_int64(st, 0);
    c->valid = 1;
    tokenize(commune_key(m, insee), &c->commune);
    name_tokens((const char *)sqlite3_column_text(st, 8), &c->commune, &c->name);
    snprintf(c->category, sizeof c->category, "%s", cat ? (const char *)cat : "");
    snprintf(c->insee, sizeof c->insee, "%s", insee ? (const char *)insee : "");
    memset(c->has_best, 0, m->n_src + 1);
}

/* Judges one candidate row against the current record: returns 1 and fills the pair's rule
 * and similarity when the two records are one place. */
static int judge(struct current *c, sqlite3_stmt *st, double dist, struct pair *p)
{
    const char *ra = (const char *)sqlite3_column_text(st, 12);
    const char *rb = (const char *)sqlite3_column_text(st, 13);
    const unsigned char *ib = sqlite3_column_text(st, 15);
    const char *cb = (const char *)sqlite3_column_text(st, 11);
    struct tokens tb;
    int shared, generic;

    if (dist > IMP_MERGE_NEAR_M || refs_conflict(ra, rb, &shared))
        return 0;
    if (!shared && strcmp(top_category(c->category), top_category(cb)) != 0)
        return 0;
    name_tokens((const char *)sqlite3_column_text(st, 9), &c->commune, &tb);
    p->sim = dice(&c->name, &tb, &generic);
    if (shared) {
        p->rule = RULE_REF;
        return 1;
    }
    if (p->sim < IMP_MERGE_SIM_MIN)
        return 0;
    p->rule = RULE_NAME;
    int equal = p->sim >= 0.999;
    int one_per_commune = cb && !strcmp(c->category, "town-hall") && !strcmp(cb, "town-hall") &&
                          ib && c->insee[0] && !strcmp((const char *)ib, c->insee);
    if (equal && (!generic || one_per_commune))
        return 1;
    return dist <= IMP_MERGE_CLOSE_M;
}

static int add_pair(struct merger *m, const struct pair *p)
{
    if (gdir_grow(&m->pairs, &m->cap_pairs, m->n_pairs + 1, sizeof *m->pairs))
        return nomem(m);
    m->pairs[m->n_pairs++] = *p;
    return GDIR_OK;
}

static int cmp_pairs(const void *x, const void *y);

/* A candidate pair kept while the current record's rows are read, with what node_of needs. */
struct pending {
    int64_t fid_b;
    int rank_b;
    double lon_b, lat_b;
    char *refs_b;              /* owned */
};

/* Keeps p (current record -> b) if it is the best so far towards b's source: a place holds
 * at most one record per source, so only the best partner in each source matters (this
 * bounds the pairs kept in memory by records x sources, whatever the density). */
static int offer(struct merger *m, struct current *c, struct pending *pend, const struct pair *p,
                 sqlite3_stmt *st)
{
    int rank = source_rank(m, sqlite3_column_text(st, 3));
    if (c->has_best[rank] && cmp_pairs(p, &c->best[rank]) >= 0)
        return GDIR_OK;
    const unsigned char *refs = sqlite3_column_text(st, 13);
    char *copy = refs ? gdir_strdup((const char *)refs) : NULL;
    if (refs && !copy)
        return nomem(m);
    free(pend[rank].refs_b);
    pend[rank].refs_b = copy;
    pend[rank].fid_b = sqlite3_column_int64(st, 1);
    pend[rank].rank_b = rank;
    pend[rank].lon_b = sqlite3_column_double(st, 6);
    pend[rank].lat_b = sqlite3_column_double(st, 7);
    c->best[rank] = *p;
    c->has_best[rank] = 1;
    return GDIR_OK;
}

/* Turns the current record's best pairs into nodes and pairs. */
static int flush(struct merger *m, struct current *c, struct pending *pend, int rank_a,
                 double lon_a, double lat_a, const char *refs_a)
{
    for (size_t k = 0; c->valid && k <= m->n_src; k++) {
        if (!c->has_best[k])
            continue;
        struct pair p = c->best[k];
        p.a = node_of(m, c->fid, rank_a, lon_a, lat_a, (const unsigned char *)refs_a);
        p.b = p.a == SIZE_MAX ? SIZE_MAX
                              : node_of(m, pend[k].fid_b, pend[k].rank_b, pend[k].lon_b,
                                        pend[k].lat_b, (const unsigned char *)pend[k].refs_b);
        if (p.b == SIZE_MAX)
            return nomem(m);
        int rc = add_pair(m, &p);
        if (rc)
            return rc;
        m->stats->accepted++;
        c->has_best[k] = 0;
    }
    return GDIR_OK;
}

static int find_candidates(struct merger *m, int64_t max_fid)
{
    sqlite3_stmt *st = NULL;
    const double dlat = IMP_MERGE_NEAR_M / M_PER_DEG_LAT;
    const double dlon = dlat / COS_LAT_MIN;
    struct current c;
    struct pending *pend = calloc(m->n_src + 1, sizeof *pend);
    int rc = GDIR_OK, rank_a = 0;
    double lon_a = 0, lat_a = 0;
    char *refs_a = NULL;

    memset(&c, 0, sizeof c);
    c.best = calloc(m->n_src + 1, sizeof *c.best);
    c.has_best = calloc(m->n_src + 1, 1);
    if (!pend || !c.best || !c.has_best) {
        rc = nomem(m);
        goto out;
    }
    if (sqlite3_prepare_v2(m->db, SQL_CANDIDATES, -1, &st, NULL) != SQLITE_OK) {
        rc = db_fail(m, "candidates");
        goto out;
    }
    for (int64_t lo = 1; lo <= max_fid && rc == GDIR_OK; lo += BATCH_FIDS) {
        int step;
        sqlite3_bind_int64(st, 1, lo);
        sqlite3_bind_int64(st, 2, lo + BATCH_FIDS);
        sqlite3_bind_double(st, 3, dlon);
        sqlite3_bind_double(st, 4, dlat);
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            double alon = sqlite3_column_double(st, 4), alat = sqlite3_column_double(st, 5);
            double blon = sqlite3_column_double(st, 6), blat = sqlite3_column_double(st, 7);
            struct pair p = {0, 0, 0, 0, RULE_NAME};
            p.dist = gdir_haversine_m(alat, alon, blat, blon);
            if (p.dist > IMP_MERGE_NEAR_M)
                continue;
            m->stats->candidates++;
            if (!c.valid || c.fid != sqlite3_column_int64(st, 0)) {
                if ((rc = flush(m, &c, pend, rank_a, lon_a, lat_a, refs_a)))
                    break;
                set_current(m, &c, st);
                rank_a = source_rank(m, sqlite3_column_text(st, 2));
                lon_a = alon;
                lat_a = alat;
                free(refs_a);
                refs_a = NULL;
                if (sqlite3_column_text(st, 12) &&
                    !(refs_a = gdir_db_col_dup(st, 12))) {
                    rc = nomem(m);
                    break;
                }
            }
            if (judge(&c, st, p.dist, &p) && (rc = offer(m, &c, pend, &p, st)))
                break;
        }
        if (rc == GDIR_OK && step != SQLITE_DONE)
            rc = db_fail(m, "candidates");
        sqlite3_reset(st);
    }
    if (rc == GDIR_OK)
        rc = flush(m, &c, pend, rank_a, lon_a, lat_a, refs_a);
out:
    sqlite3_finalize(st);
    for (size_t k = 0; pend && k <= m->n_src; k++)
        free(pend[k].refs_b);
    free(pend);
    free(c.best);
    free(c.has_best);
    free(refs_a);
    return rc;
}

/* ---------------------------------------------------------------- groups */

static size_t find_root(struct merger *m, size_t i)
{
    while (m->nodes[i].parent != i) {
        m->nodes[i].parent = m->nodes[m->nodes[i].parent].parent;
        i = m->nodes[i].parent;
    }
    return i;
}

/* Best pairs first: shared ids, then higher similarity, then shorter distance. */
static int cmp_pairs(const void *x, const void *y)
{
    const struct pair *a = x, *b = y;
    if (a->rule != b->rule)
        return a->rule == RULE_REF ? -1 : 1;
    if (a->sim != b->sim)
        return a->sim > b->sim ? -1 : 1;
    if (a->dist != b->dist)
        return a->dist < b->dist ? -1 : 1;
    return a->a < b->a ? -1 : a->a > b->a;
}

/* Can the groups of roots x and y become one place? */
static int compatible(struct merger *m, size_t x, size_t y)
{
    size_t i = x;
    do {
        size_t j = y;
        do {
            const struct node *a = &m->nodes[i], *b = &m->nodes[j];
            int shared;
            if (a->src == b->src || refs_conflict(a->refs, b->refs, &shared) ||
                gdir_haversine_m(a->lat, a->lon, b->lat, b->lon) > IMP_MERGE_NEAR_M)
                return 0;
            j = m->nodes[j].next;
        } while (j != y);
        i = m->nodes[i].next;
    } while (i != x);
    return 1;
}

static void build_groups(struct merger *m)
{
    if (m->n_pairs > 1)
        qsort(m->pairs, m->n_pairs, sizeof *m->pairs, cmp_pairs);
    for (size_t k = 0; k < m->n_pairs; k++) {
        size_t x = find_root(m, m->pairs[k].a), y = find_root(m, m->pairs[k].b);
        if (x == y || !compatible(m, x, y))
            continue;
        if (m->nodes[x].size < m->nodes[y].size) {
            size_t t = x;
            x = y;
            y = t;
        }
        m->nodes[y].parent = x;
        m->nodes[x].size += m->nodes[y].size;
        size_t nx = m->nodes[x].next;   /* splice the two circular lists */
        m->nodes[x].next = m->nodes[y].next;
        m->nodes[y].next = nx;
    }
}

/* ---------------------------------------------------------------- writing a group */

/* The fields a merged place takes from its members, in place_sources column order after
 * lon/lat-free columns (SQL_MEMBER indexes). */
enum col {
    C_FID, C_ID, C_SOURCE, C_LICENCE, C_NAME, C_NAME_KEY, C_CATEGORY, C_ADDRESS, C_POSTCODE,
    C_INSEE, C_PHONE, C_EMAIL, C_WEBSITE, C_HOURS, C_DESCRIPTION, C_DATE, C_WHEELCHAIR, C_REFS,
    C_GEO_QUALITY, C_PRECISION, C_SCORE, C_LON, C_LAT, C__COUNT
};

/* Fields chosen by source priority (first non-empty), with their field_sources keys and the
 * parameter of SQL_UPDATE_PLACE they fill. */
static const struct {
    enum col col;
    const char *key;
    int param;
} ranked[] = {
    {C_ADDRESS, "address", 2},        {C_POSTCODE, "postcode", 3},
    {C_INSEE, "insee", 4},            {C_PHONE, "phone", 5},
    {C_EMAIL, "email", 6},            {C_WEBSITE, "website", 7},
    {C_HOURS, "opening_hours", 8},    {C_DESCRIPTION, "description", 9},
    {C_WHEELCHAIR, "wheelchair", 10}, {C_REFS, "refs", 11},
    {C_GEO_QUALITY, "geo_quality", 12},
};

struct member {
    int64_t fid;
    int rank;
    char *text[C__COUNT];  /* owned copies of the text columns (NULL when empty) */
    double score, lon, lat;
    int has_score;
};

static void member_free(struct member *mb)
{
    for (int c = 0; c < C__COUNT; c++)
        free(mb->text[c]);
}

static int load_member(struct merger *m, sqlite3_stmt *st, int64_t fid, struct member *mb)
{
    int rc = GDIR_OK;
    memset(mb, 0, sizeof *mb);
    mb->fid = fid;
    sqlite3_bind_int64(st, 1, fid);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = db_fail(m, "member");
        goto out;
    }
    for (int c = C_ID; c <= C_PRECISION; c++) {
        const unsigned char *v = sqlite3_column_text(st, c);
        if (v && *v && !(mb->text[c] = gdir_strdup((const char *)v))) {
            rc = nomem(m);
            goto out;
        }
    }
    mb->has_score = sqlite3_column_type(st, C_SCORE) != SQLITE_NULL;
    mb->score = sqlite3_column_double(st, C_SCORE);
    mb->lon = sqlite3_column_double(st, C_LON);
    mb->lat = sqlite3_column_double(st, C_LAT);
    mb->rank = source_rank(m, (const unsigned char *)mb->text[C_SOURCE]);
out:
    sqlite3_reset(st);
    return rc;
}

static int cmp_members(const void *x, const void *y)
{
    const struct member *a = x, *b = y;
    if (a->rank != b->rank)
        return a->rank < b->rank ? -1 : 1;
    return a->fid < b->fid ? -1 : a->fid > b->fid;
}

static int precision_level(const char *p)
{
    if (!p)
        return 0;   /* the source's own point */
    if (!strcmp(p, "housenumber"))
        return 1;
    if (!strcmp(p, "street"))
        return 2;
    return 3;
}

static int is_odbl(const struct member *mb)
{
    return mb->text[C_LICENCE] && strcmp(mb->text[C_LICENCE], "ODbL-1.0") == 0;
}

/* The prepared statements of the write phase. */
struct writes {
    sqlite3_stmt *member, *save, *update, *del, *merge;
};

static int step_done(struct merger *m, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st) == SQLITE_DONE ? GDIR_OK : db_fail(m, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

static int write_group(struct merger *m, struct writes *w, size_t root)
{
    struct member *mb = NULL;
    struct gdir_buf fs, ids;
    struct gdir_json j;
    size_t n = m->nodes[root].size, k = 0, i = root, pos = 0;
    int rc = GDIR_OK, odbl = 0;

    gdir_buf_init(&fs, 64 * 1024);
    gdir_buf_init(&ids, 64 * 1024);
    if (!(mb = calloc(n, sizeof *mb))) {
        rc = nomem(m);
        goto out;
    }
    do {
        if ((rc = load_member(m, w->member, m->nodes[i].fid, &mb[k++])))
            goto out;
        i = m->nodes[i].next;
    } while (i != root && k < n);
    qsort(mb, k, sizeof *mb, cmp_members);
    for (size_t x = 0; x < k; x++) {
        sqlite3_bind_int64(w->save, 1, mb[x].fid);
        sqlite3_bind_int64(w->save, 2, mb[0].fid);
        if ((rc = step_done(m, w->save, "keep record")))
            goto out;
    }
    /* The position: the best-ranked source point, else the most precise geocoded one. */
    for (size_t x = 1; x < k; x++)
        if (precision_level(mb[x].text[C_PRECISION]) < precision_level(mb[pos].text[C_PRECISION]))
            pos = x;
    struct member *p = &mb[0];
    sqlite3_bind_int64(w->update, 1, p->fid);
    gdir_json_init(&j, &fs);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "name", p->text[C_SOURCE]);
    gdir_json_kstr(&j, "category", p->text[C_SOURCE]);
    gdir_json_kstr(&j, "geom", mb[pos].text[C_SOURCE]);
    odbl = is_odbl(p) || is_odbl(&mb[pos]);
    for (size_t f = 0; f < sizeof ranked / sizeof ranked[0]; f++) {
        const struct member *from = NULL;
        for (size_t x = 0; x < k && !from; x++)
            if (mb[x].text[ranked[f].col])
                from = &mb[x];
        if (!from) {
            sqlite3_bind_null(w->update, ranked[f].param);
            continue;
        }
        sqlite3_bind_text(w->update, ranked[f].param, from->text[ranked[f].col], -1,
                          SQLITE_STATIC);
        gdir_json_kstr(&j, ranked[f].key, from->text[C_SOURCE]);
        odbl = odbl || is_odbl(from);
    }
    if (p->text[C_DATE])
        gdir_json_kstr(&j, "source_date", p->text[C_SOURCE]);
    gdir_json_obj_end(&j);
    if (gdir_json_error(&j)) {
        rc = nomem(m);
        goto out;
    }
    sqlite3_bind_text(w->update, 13, odbl ? "ODbL-1.0" : p->text[C_LICENCE], -1, SQLITE_STATIC);
    if (mb[pos].text[C_PRECISION]) {
        sqlite3_bind_text(w->update, 14, mb[pos].text[C_PRECISION], -1, SQLITE_STATIC);
        if (mb[pos].has_score)
            sqlite3_bind_double(w->update, 15, mb[pos].score);
    }
    sqlite3_bind_text(w->update, 16, gdir_buf_str(&fs), -1, SQLITE_STATIC);
    for (size_t x = 0; x < k; x++) {
        if (x)
            gdir_buf_addc(&ids, ' ');
        gdir_buf_adds(&ids, mb[x].text[C_ID]);
    }
    if (ids.err) {
        rc = nomem(m);
        goto out;
    }
    sqlite3_bind_text(w->update, 19, gdir_buf_str(&ids), -1, SQLITE_STATIC);
    sqlite3_bind_double(w->update, 17, mb[pos].lon);
    sqlite3_bind_double(w->update, 18, mb[pos].lat);
    if ((rc = step_done(m, w->update, "update place")))
        goto out;
    for (size_t x = 1; x < k; x++) {
        int shared = 0, generic;
        for (size_t y = 0; y < k && !shared; y++)
            if (y != x)
                refs_conflict(mb[x].text[C_REFS], mb[y].text[C_REFS], &shared);
        double sim = imp_merge_similarity(p->text[C_NAME_KEY], mb[x].text[C_NAME_KEY],
                                          commune_key(m, (const unsigned char *)p->text[C_INSEE]),
                                          &generic);
        sqlite3_bind_int64(w->del, 1, mb[x].fid);
        sqlite3_bind_int64(w->merge, 1, p->fid);
        sqlite3_bind_text(w->merge, 2, p->text[C_ID], -1, SQLITE_STATIC);
        sqlite3_bind_text(w->merge, 3, mb[x].text[C_ID], -1, SQLITE_STATIC);
        sqlite3_bind_text(w->merge, 4, shared ? "ref" : "name", -1, SQLITE_STATIC);
        sqlite3_bind_double(w->merge, 5, gdir_haversine_m(p->lat, p->lon, mb[x].lat, mb[x].lon));
        sqlite3_bind_double(w->merge, 6, sim);
        if ((rc = step_done(m, w->del, "delete place")) ||
            (rc = step_done(m, w->merge, "merge report")))
            goto out;
        m->stats->merged++;
    }
    m->stats->groups++;
out:
    for (size_t x = 0; mb && x < n; x++)
        member_free(&mb[x]);
    free(mb);
    gdir_buf_free(&fs);
    gdir_buf_free(&ids);
    return rc;
}

static int write_groups(struct merger *m)
{
    struct writes w = {0};
    int rc = GDIR_OK;

    if (sqlite3_prepare_v2(m->db, SQL_MEMBER, -1, &w.member, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(m->db, SQL_SAVE_RECORD, -1, &w.save, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(m->db, SQL_UPDATE_PLACE, -1, &w.update, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(m->db, SQL_DELETE_PLACE, -1, &w.del, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(m->db, SQL_INS_MERGE, -1, &w.merge, NULL) != SQLITE_OK) {
        rc = db_fail(m, "prepare");
        goto out;
    }
    if (sqlite3_exec(m->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        rc = db_fail(m, "begin");
        goto out;
    }
    for (size_t i = 0, n = 0; i < m->n_nodes && rc == GDIR_OK; i++) {
        if (m->nodes[i].parent != i || m->nodes[i].size < 2)
            continue;
        rc = write_group(m, &w, i);
        /* The file is thrown away on failure anyway: commit now and then, so that the
         * (in-memory) journal of one transaction stays small. */
        if (rc == GDIR_OK && ++n % GROUPS_PER_TX == 0 &&
            sqlite3_exec(m->db, "COMMIT; BEGIN", NULL, NULL, NULL) != SQLITE_OK)
            rc = db_fail(m, "commit");
    }
    if (sqlite3_exec(m->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL) != SQLITE_OK && !rc)
        rc = db_fail(m, "commit");
out:
    sqlite3_finalize(w.member);
    sqlite3_finalize(w.save);
    sqlite3_finalize(w.update);
    sqlite3_finalize(w.del);
    sqlite3_finalize(w.merge);
    return rc;
}

int imp_merge_run(sqlite3 *db, const struct imp_merge_source *src, size_t n_src,
                  struct imp_merge_stats *stats, struct gdir_err *err)
{
    struct merger m;
    sqlite3_stmt *st = NULL;
    int64_t max_fid = 0;
    size_t with_rows = 0;
    int rc;

    memset(&m, 0, sizeof m);
    memset(stats, 0, sizeof *stats);
    m.db = db;
    m.src = src;
    m.n_src = n_src;
    m.stats = stats;
    m.err = err;
    for (size_t i = 0; i < n_src; i++)
        with_rows += src[i].has_rows != 0;
    if (with_rows < 2)
        return GDIR_OK;   /* records of one source are never merged */
    if (sqlite3_prepare_v2(db, SQL_MAX_FID, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        rc = db_fail(&m, "records");
        goto out;
    }
    max_fid = sqlite3_column_int64(st, 0);
    if ((rc = load_communes(&m)) || (rc = find_candidates(&m, max_fid)))
        goto out;
    build_groups(&m);
    rc = write_groups(&m);
out:
    sqlite3_finalize(st);
    for (size_t i = 0; i < m.n_nodes; i++)
        free(m.nodes[i].refs);
    for (size_t i = 0; i < m.n_communes; i++)
        free(m.communes[i].key);
    free(m.communes);
    free(m.nodes);
    free(m.slots);
    free(m.pairs);
    return rc;
}
