/*
 * eval_bano.c — real-data evaluation of the geocoder (gdir_geocoder) on the BANO addresses
 * of Meuse (../shared/datasets/bano-55_2015-03.csv, ODbL, read in place, never copied).
 *
 * Loads the CSV into a temporary SpatiaLite database (schema from gdir_db_create_schema;
 * communes named from the BANO rows, without geometry), holds out a deterministic sample
 * (every 20th row, plus every 4th row of the territory's communes) and geocodes each held-out
 * address from its text "<numero> <voie> <code_post> <nom_comm>" twice:
 *   1. kept:    the held-out rows stay in the index: top-1 must be that very address;
 *   2. removed: the held-out rows are deleted first: the answer is interpolated or falls back,
 *               and its distance to the true point measures the error.
 * Prints the figures (top-1 rates, median / p95 error, share within 50 m, queries per second
 * single-threaded) and, with --check, fails unless: kept top-1 >= 99 % (98 % with a typo),
 * removed: housenumber precision >= 99 %, within 50 m >= 92.2 %, median error <= 10 m.
 *
 * usage: eval_bano BANO_CSV TERRITORY_COMMUNES_CSV WORK_DIR [--check] [--verbose] [--keep]
 *        [--dump FILE] [--offset K]
 * (--offset K holds out the rows with index % 20 == K instead (and shifts the territory
 * sample alike): a second sample to tune on, so that the reported one (K = 0) stays unseen;
 * --keep leaves WORK_DIR/bano-eval.sqlite, without the held-out rows, for manual queries;
 * --dump writes one tab-separated line per address of the removed run: row index, text,
 * type, interpolated, lat, lon, error in metres, label)
 */
#include "gdir_db.h"
#include "gdir_geo.h"
#include "gdir_geocoder.h"
#include "gdir_text.h"
#include "gdir_test_db.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 1024
#define TERRITORY_MAX 128

struct row {
    char *id, *numero, *voie, *code_post, *nom_comm, *source;
    char insee[6];
    double lat, lon;
    int held;           /* 1: in the general sample; 2: territory sample only; 3: both */
    int territory;
    int duplicate;      /* its id was already loaded (the schema keeps (source, id) unique) */
};

struct rows {
    struct row *v;
    size_t n, cap;
};

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* Splits line (no quotes in BANO) into at most max fields on ','. */
static size_t split(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return errno == 0 && end != s && *end == '\0' && isfinite(*out);
}

static int load_bano(const char *path, struct rows *rows)
{
    FILE *f = fopen(path, "r");
    char line[LINE_MAX_BYTES];
    long lineno = 0;
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        char *fld[9];
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (split(line, fld, 9) != 8) {
            fprintf(stderr, "%s:%ld: expected 8 fields\n", path, lineno);
            continue;
        }
        struct row r;
        memset(&r, 0, sizeof r);
        if (!parse_double(fld[6], &r.lat) || !parse_double(fld[7], &r.lon) ||
            strlen(fld[0]) < 5) {
            fprintf(stderr, "%s:%ld: bad coordinates or id\n", path, lineno);
            continue;
        }
        memcpy(r.insee, fld[0], 5);
        r.insee[5] = '\0';
        r.id = dup_str(fld[0]);
        r.numero = dup_str(fld[1]);
        r.voie = dup_str(fld[2]);
        r.code_post = dup_str(fld[3]);
        r.nom_comm = dup_str(fld[4]);
        r.source = dup_str(fld[5]);
        if (!r.id || !r.numero || !r.voie || !r.code_post || !r.nom_comm || !r.source)
            break;
        if (rows->n == rows->cap) {
            size_t nc = rows->cap ? rows->cap * 2 : 1024;
            struct row *v = realloc(rows->v, nc * sizeof *v);
            if (!v)
                break;
            rows->v = v;
            rows->cap = nc;
        }
        rows->v[rows->n++] = r;
    }
    fclose(f);
    return rows->n > 0 ? 0 : -1;
}

static size_t load_territory(const char *path, char insee[][6], size_t max)
{
    FILE *f = fopen(path, "r");
    char line[LINE_MAX_BYTES];
    size_t n = 0;
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return 0;
    }
    if (!fgets(line, sizeof line, f)) {           /* header */
        fclose(f);
        return 0;
    }
    while (n < max && fgets(line, sizeof line, f)) {
        if (strlen(line) > 5 && line[5] == ',') {
            memcpy(insee[n], line, 5);
            insee[n++][5] = '\0';
        }
    }
    fclose(f);
    return n;
}

static const char SQL_SOURCE[] =
    "INSERT INTO sources(name, profile, title, publisher, licence, file, imported_at) "
    "VALUES ('bano', 'bano', 'BANO Meuse 2015-03', 'OpenStreetMap France', 'ODbL-1.0', "
    "'bano-55_2015-03.csv', '2015-03-24T00:00:00Z')";
static const char SQL_COMMUNE[] =
    "INSERT OR IGNORE INTO communes(insee, name, postcodes) VALUES (?1, ?2, ?3)";
static const char SQL_ADDRESS[] =
    "INSERT OR IGNORE INTO addresses(id, housenumber, street, postcode, insee, city, source,"
    " licence, geom, fid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'bano', 'ODbL-1.0',"
    " MakePoint(?8, ?7, 4326), ?9)";                    /* gdir_test_insert_address */
static const char SQL_DELETE[] = "DELETE FROM addresses WHERE fid = ?1";

/* Ends the transaction of build_db or delete_held: COMMIT when ok; else, or when COMMIT fails,
 * prints "what: " and SQLite's message (COMMIT's). Returns 0 or -1. */
static int commit_or_say(struct gdir_db *d, int ok, const char *what)
{
    struct gdir_err err;
    if (ok && gdir_db_exec(d, "COMMIT", &err) == GDIR_OK)
        return 0;
    fprintf(stderr, "%s: %s\n", what, ok ? err.msg : sqlite3_errmsg(d->db));
    return -1;
}

static int build_db(struct gdir_db *d, const char *path, struct rows *rows)
{
    struct gdir_err err;
    sqlite3_stmt *sc = NULL, *sa = NULL;
    int rc, ok = 0;

    unlink(path);
    if (gdir_db_open(d, path, GDIR_DB_CREATE, &err) || gdir_db_create_schema(d, &err) ||
        gdir_db_exec(d, SQL_SOURCE, &err) || gdir_db_exec(d, "BEGIN", &err)) {
        fprintf(stderr, "database: %s\n", err.msg);
        return -1;
    }
    if (sqlite3_prepare_v2(d->db, SQL_COMMUNE, -1, &sc, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(d->db, SQL_ADDRESS, -1, &sa, NULL) != SQLITE_OK)
        goto out;
    for (size_t i = 0; i < rows->n; i++) {
        struct row *r = &rows->v[i];
        sqlite3_bind_text(sc, 1, r->insee, -1, SQLITE_STATIC);
        sqlite3_bind_text(sc, 2, r->nom_comm, -1, SQLITE_STATIC);
        sqlite3_bind_text(sc, 3, r->code_post, -1, SQLITE_STATIC);
        if (sqlite3_step(sc) != SQLITE_DONE)
            goto out;
        sqlite3_reset(sc);
        const struct gdir_test_address a = {r->id,    r->numero,   r->voie, r->code_post,
                                             r->insee, r->nom_comm, r->lat,  r->lon};
        sqlite3_bind_int64(sa, 9, (sqlite3_int64)i + 1);
        if (gdir_test_insert_address(sa, &a) != SQLITE_DONE)
            goto out;
        r->duplicate = sqlite3_changes(d->db) == 0;
    }
    ok = 1;
out:
    rc = commit_or_say(d, ok, "database");
    sqlite3_finalize(sc);
    sqlite3_finalize(sa);
    return rc;
}

static int delete_held(struct gdir_db *d, const struct rows *rows)
{
    sqlite3_stmt *st = NULL;
    struct gdir_err err;
    int rc, ok = 0;
    if (gdir_db_exec(d, "BEGIN", &err) ||
        sqlite3_prepare_v2(d->db, SQL_DELETE, -1, &st, NULL) != SQLITE_OK)
        goto out;
    for (size_t i = 0; i < rows->n; i++) {
        if (!rows->v[i].held)
            continue;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i + 1);
        if (sqlite3_step(st) != SQLITE_DONE)
            goto out;
        sqlite3_reset(st);
    }
    ok = 1;
out:
    rc = commit_or_say(d, ok, "delete");
    sqlite3_finalize(st);
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Figures for one sample. */
struct stats {
    size_t n;                 /* addresses geocoded */
    size_t top1_exact;        /* kept run: the very address at top-1 */
    size_t housenumber;       /* removed run: top-1 at housenumber precision */
    size_t interpolated;
    size_t street, municipality, none;
    size_t within50;
    double *err;              /* error per address (INFINITY when nothing found) */
};

/* How the text of a held-out address is written. */
enum variant {
    AS_PUBLISHED,   /* "<numero> <voie> <code_post> <nom_comm>" */
    DEGRADED,       /* folded (no case, accents, apostrophes, hyphens), street types
                     * abbreviated, saint → st, postcode left out: "12 r eglise pierrefitte" */
    TYPO,           /* as published, with one letter of the street's longest word replaced */
};

static const char *const abbrev[][2] = {
    { "rue", "r" }, { "avenue", "av" }, { "boulevard", "bd" }, { "route", "rte" },
    { "place", "pl" }, { "chemin", "ch" }, { "impasse", "imp" }, { "allee", "all" },
    { "saint", "st" }, { "sainte", "ste" }, { "lotissement", "lot" }, { "faubourg", "fg" },
};

static void degrade(const struct row *r, char *buf, size_t cap)
{
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s %s", r->voie, r->nom_comm);
    char *f = gdir_text_fold_dup(tmp);
    size_t len = (size_t)snprintf(buf, cap, "%s", r->numero);
    for (char *w = f; w && *w && len < cap;) {
        size_t n = strcspn(w, " ");
        const char *out = NULL;
        for (size_t k = 0; k < sizeof abbrev / sizeof abbrev[0] && !out; k++)
            if (strlen(abbrev[k][0]) == n && memcmp(w, abbrev[k][0], n) == 0)
                out = abbrev[k][1];
        len += (size_t)snprintf(buf + len, cap - len, " %.*s", out ? (int)strlen(out) : (int)n,
                                out ? out : w);
        w += n;
        while (*w == ' ')
            w++;
    }
    free(f);
}

/* Replaces one letter in the middle of the longest ASCII-letter word (6+ letters) of the
 * street: 'a' ↔ 'e', any other letter → 'x'. */
static void typo(const struct row *r, char *buf, size_t cap)
{
    char voie[400];
    snprintf(voie, sizeof voie, "%s", r->voie);
    size_t best = 0, bestlen = 0;
    for (size_t i = 0; voie[i];) {
        size_t n = 0;
        while ((voie[i + n] >= 'a' && voie[i + n] <= 'z') ||
               (voie[i + n] >= 'A' && voie[i + n] <= 'Z'))
            n++;
        if (n > bestlen) {
            best = i;
            bestlen = n;
        }
        i += n ? n : 1;
    }
    if (bestlen >= 6) {
        char *c = &voie[best + bestlen / 2];
        *c = *c == 'a' ? 'e' : *c == 'e' ? 'a' : 'x';
    }
    snprintf(buf, cap, "%s %s %s %s", r->numero, voie, r->code_post, r->nom_comm);
}

static void query_text(const struct row *r, enum variant v, char *buf, size_t cap)
{
    if (v == DEGRADED)
        degrade(r, buf, cap);
    else if (v == TYPO)
        typo(r, buf, cap);
    else
        snprintf(buf, cap, "%s %s %s %s", r->numero, r->voie, r->code_post, r->nom_comm);
}

/* Geocodes every held row whose held bits intersect mask; kept selects the check. */
static FILE *dump_file;       /* --dump: one line per removed-run answer (analysis) */

static int run(const struct gdir_geocoder *g, const struct rows *rows, int mask, int kept,
               enum variant v, int verbose, struct stats *s)
{
    char text[600];
    struct gdir_geocode_result res[1];
    struct gdir_err err;
    size_t shown = 0;

    memset(s, 0, sizeof *s);
    s->err = malloc(rows->n * sizeof *s->err);
    if (!s->err)
        return -1;
    for (size_t i = 0; i < rows->n; i++) {
        const struct row *r = &rows->v[i];
        if (!(r->held & mask))
            continue;
        struct gdir_geocode_query q;
        size_t n = 0;
        memset(&q, 0, sizeof q);
        query_text(r, v, text, sizeof text);
        q.text = text;
        if (gdir_geocoder_search(g, &q, res, 1, &n, &err) != GDIR_OK) {
            fprintf(stderr, "search \"%s\": %s\n", text, err.msg);
            return -1;
        }
        double e = n ? gdir_haversine_m(r->lat, r->lon, res[0].lat, res[0].lon) : INFINITY;
        s->err[s->n++] = e;
        if (n == 0)
            s->none++;
        else if (res[0].type == GDIR_GEO_HOUSENUMBER)
            s->housenumber++;
        else if (res[0].type == GDIR_GEO_MUNICIPALITY)
            s->municipality++;
        else
            s->street++;
        if (n && res[0].interpolated)
            s->interpolated++;
        if (e <= 50.0)
            s->within50++;
        int exact = n && res[0].type == GDIR_GEO_HOUSENUMBER && !res[0].interpolated &&
                    (strcmp(res[0].id, r->id) == 0 || e < 0.01);
        s->top1_exact += exact;
        if (dump_file && !kept && mask == 1)
            fprintf(dump_file, "%zu\t%s\t%s\t%d\t%.7f\t%.7f\t%.1f\t%s\n", i, text,
                    n ? gdir_geo_type_name(res[0].type) : "-", n ? res[0].interpolated : 0,
                    n ? res[0].lat : 0.0, n ? res[0].lon : 0.0, e, n ? res[0].label : "");
        if (verbose && shown < 40 && (kept ? !exact : e > 50.0)) {
            shown++;
            printf("  miss: \"%s\" -> %s \"%s\" score %.3f%s, %.0f m\n", text,
                   n ? gdir_geo_type_name(res[0].type) : "-", n ? res[0].label : "",
                   n ? res[0].score : 0.0, n && res[0].interpolated ? " (interpolated)" : "",
                   e);
        }
    }
    qsort(s->err, s->n, sizeof *s->err, cmp_double);
    return 0;
}

static const struct rows *sort_rows;        /* qsort context (single-threaded program) */

static int cmp_street(const void *a, const void *b)
{
    const struct row *x = &sort_rows->v[*(const size_t *)a], *y = &sort_rows->v[*(const size_t *)b];
    int c = strcmp(x->insee, y->insee);
    return c ? c : strcmp(x->voie, y->voie);
}

/* Distance in metres from point p to segment [a, b] (local plane around p; streets are short). */
static double seg_dist(const struct row *p, const struct row *a, const struct row *b)
{
    double k = cos(p->lat * 0.017453292519943295) * 111320.0;
    double ax = (a->lon - p->lon) * k, ay = (a->lat - p->lat) * 111320.0;
    double bx = (b->lon - p->lon) * k, by = (b->lat - p->lat) * 111320.0;
    double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
    double t = l2 > 0 ? -(ax * dx + ay * dy) / l2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return hypot(ax + t * dx, ay + t * dy);
}

static long row_number(const struct row *r)
{
    char *end;
    long v = strtol(r->numero, &end, 10);
    return end == r->numero ? -1 : v;
}

/* The references for the removed run: share of held-out addresses (mask) within 50 m of what
 * an oracle knowing the truth could pick on the same street (same INSEE code and street name):
 *   line = 0: the nearest address left on the street (the best remaining point);
 *   line = 1: a looser bound, the street's known geometry — its points left, or the segments
 *             joining consecutive numbers of one side (what any interpolation along the street
 *             could reach if it knew where to stop). */
static double street_best(const struct rows *rows, const size_t *idx, size_t i, size_t j,
                          const struct row *h, int line)
{
    double best = INFINITY;
    for (size_t b = i; b < j; b++) {
        const struct row *o = &rows->v[idx[b]];
        long nb = row_number(o);
        if (o->held || o->duplicate)
            continue;
        best = fmin(best, gdir_haversine_m(h->lat, h->lon, o->lat, o->lon));
        if (!line || nb < 0)
            continue;
        /* the next number of the same side, left in the index */
        const struct row *next = NULL;
        long nn = LONG_MAX;
        for (size_t c = i; c < j; c++) {
            const struct row *x = &rows->v[idx[c]];
            long nx = row_number(x);
            if (!x->held && !x->duplicate && nx > nb && (nx & 1) == (nb & 1) && nx < nn) {
                nn = nx;
                next = x;
            }
        }
        if (next)
            best = fmin(best, seg_dist(h, o, next));
    }
    return best;
}

static double oracle_within50(const struct rows *rows, int mask, int line)
{
    size_t *idx = malloc(rows->n * sizeof *idx), n = 0, ok = 0;
    if (!idx)
        return NAN;
    for (size_t i = 0; i < rows->n; i++)
        idx[i] = i;
    sort_rows = rows;
    qsort(idx, rows->n, sizeof *idx, cmp_street);
    for (size_t i = 0; i < rows->n;) {
        size_t j = i;
        while (j < rows->n && cmp_street(&idx[i], &idx[j]) == 0)
            j++;
        for (size_t a = i; a < j; a++) {
            const struct row *h = &rows->v[idx[a]];
            if (!(h->held & mask))
                continue;
            n++;
            ok += street_best(rows, idx, i, j, h, line) <= 50.0;
        }
        i = j;
    }
    free(idx);
    return n ? 100.0 * (double)ok / (double)n : NAN;
}

static double pct(size_t a, size_t b)
{
    return b ? 100.0 * (double)a / (double)b : 0.0;
}

static double quantile(const struct stats *s, double q)
{
    if (s->n == 0)
        return NAN;
    size_t i = (size_t)ceil(q * (double)s->n) - 1;
    if (i >= s->n)
        i = s->n - 1;
    return s->err[i];
}

/* Single-threaded throughput over the held-out texts, repeated for at least 1 s. */
static double throughput(const struct gdir_geocoder *g, const struct rows *rows, int mask)
{
    char text[600];
    struct gdir_geocode_result res[5];
    struct gdir_err err;
    size_t done = 0;
    double t0 = now_s(), t;
    do {
        for (size_t i = 0; i < rows->n; i++) {
            if (!(rows->v[i].held & mask))
                continue;
            struct gdir_geocode_query q;
            size_t n;
            memset(&q, 0, sizeof q);
            query_text(&rows->v[i], AS_PUBLISHED, text, sizeof text);
            q.text = text;
            gdir_geocoder_search(g, &q, res, 5, &n, &err);
            done++;
        }
        t = now_s() - t0;
    } while (t < 1.0);
    return (double)done / t;
}

/* Search-as-you-type: every prefix of the held-out texts, cut every 3 bytes (at a UTF-8
 * boundary), autocomplete on, limit 5; latencies in microseconds, sorted, into *lat. */
static size_t typing_latencies(const struct gdir_geocoder *g, const struct rows *rows,
                               double **lat)
{
    char text[600], prefix[600];
    struct gdir_geocode_result res[5];
    struct gdir_err err;
    size_t n = 0, cap = 0;
    *lat = NULL;
    for (size_t i = 0; i < rows->n; i++) {
        if (!(rows->v[i].held & 1))
            continue;
        query_text(&rows->v[i], AS_PUBLISHED, text, sizeof text);
        size_t len = strlen(text);
        for (size_t cut = 3; cut <= len; cut += 3) {
            size_t k = cut;
            while (k > 0 && ((unsigned char)text[k] & 0xC0) == 0x80)
                k--;
            memcpy(prefix, text, k);
            prefix[k] = '\0';
            struct gdir_geocode_query q;
            size_t nr;
            memset(&q, 0, sizeof q);
            q.text = prefix;
            q.autocomplete = 1;
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 4096;
                double *v = realloc(*lat, nc * sizeof *v);
                if (!v)
                    return n;
                *lat = v;
                cap = nc;
            }
            double t0 = now_s();
            gdir_geocoder_search(g, &q, res, 5, &nr, &err);
            (*lat)[n++] = (now_s() - t0) * 1e6;
        }
    }
    qsort(*lat, n, sizeof **lat, cmp_double);
    return n;
}

int main(int argc, char **argv)
{
    struct rows rows = { 0 };
    char territory[TERRITORY_MAX][6];
    char dbpath[4096];
    struct gdir_db d;
    struct gdir_err err;
    struct gdir_geocoder *g = NULL;
    struct stats kept_all, kept_terr, kept_degr, kept_typo, rem_all, rem_terr;
    int check = 0, verbose = 0, keep = 0, failed = 0;
    long offset = 0;

    if (argc < 4) {
        fprintf(stderr, "usage: eval_bano BANO_CSV TERRITORY_COMMUNES_CSV WORK_DIR "
                        "[--check] [--verbose] [--keep] [--dump FILE] [--offset K]\n");
        return 2;
    }
    for (int i = 4; i < argc; i++) {
        check |= strcmp(argv[i], "--check") == 0;
        verbose |= strcmp(argv[i], "--verbose") == 0;
        keep |= strcmp(argv[i], "--keep") == 0;
        if (strcmp(argv[i], "--offset") == 0 && i + 1 < argc) {
            char *end;
            offset = strtol(argv[++i], &end, 10);
            if (*end || offset < 0 || offset >= 20) {
                fprintf(stderr, "--offset: 0..19\n");
                return 2;
            }
        }
        if (strcmp(argv[i], "--dump") == 0 && i + 1 < argc) {
            dump_file = fopen(argv[++i], "w");
            if (!dump_file) {
                fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                return 2;
            }
        }
    }
    size_t nterr = load_territory(argv[2], territory, TERRITORY_MAX);
    if (load_bano(argv[1], &rows) || nterr == 0)
        return 2;
    mkdir(argv[3], 0755);
    snprintf(dbpath, sizeof dbpath, "%s/bano-eval.sqlite", argv[3]);
    double t0 = now_s();
    if (build_db(&d, dbpath, &rows))
        return 1;
    /* the samples: every 20th row; every 4th row of the territory's communes */
    size_t terr_rows = 0, dups = 0;
    for (size_t i = 0; i < rows.n; i++) {
        struct row *r = &rows.v[i];
        for (size_t k = 0; k < nterr && !r->territory; k++)
            r->territory = strcmp(r->insee, territory[k]) == 0;
        dups += r->duplicate;
        if (r->duplicate)
            continue;
        if (i % 20 == (size_t)offset)
            r->held |= 1;
        if (r->territory && (terr_rows++ + (size_t)offset) % 4 == 0)
            r->held |= 2;
    }
    double t1 = now_s();
    if (gdir_geocoder_open(&g, d.db, &err)) {
        fprintf(stderr, "geocoder: %s\n", err.msg);
        return 1;
    }
    double t2 = now_s();
    printf("BANO Meuse: %zu rows (%zu duplicate ids skipped), %zu territory communes (%zu "
           "rows); database %.2f s, index %.3f s (%zu points)\n", rows.n, dups, nterr,
           terr_rows, t1 - t0, t2 - t1, gdir_geocoder_size(g));
    if (verbose)
        printf("kept run misses:\n");
    if (run(g, &rows, 1, 1, AS_PUBLISHED, verbose, &kept_all) ||
        run(g, &rows, 2, 1, AS_PUBLISHED, 0, &kept_terr) ||
        run(g, &rows, 1, 1, DEGRADED, verbose, &kept_degr) ||
        run(g, &rows, 1, 1, TYPO, verbose, &kept_typo))
        return 1;
    double qps_kept = throughput(g, &rows, 1);
    gdir_geocoder_free(g);
    g = NULL;
    if (delete_held(&d, &rows) || gdir_geocoder_open(&g, d.db, &err)) {
        fprintf(stderr, "geocoder (held-out rows removed): %s\n", err.msg);
        return 1;
    }
    if (verbose)
        printf("removed run misses (> 50 m):\n");
    if (run(g, &rows, 1, 0, AS_PUBLISHED, verbose, &rem_all) ||
        run(g, &rows, 2, 0, AS_PUBLISHED, verbose, &rem_terr))
        return 1;
    double qps_rem = throughput(g, &rows, 1);
    double *lat = NULL;
    size_t nlat = typing_latencies(g, &rows, &lat);

    printf("\n1. held-out rows kept in the index (top-1 must be the address itself)\n");
    printf("   sample every 20th row:   %zu addresses, top-1 exact %.2f %%\n", kept_all.n,
           pct(kept_all.top1_exact, kept_all.n));
    printf("   territory (8 communes):  %zu addresses, top-1 exact %.2f %%\n", kept_terr.n,
           pct(kept_terr.top1_exact, kept_terr.n));
    printf("   error (every 20th row):  median %.1f m, p95 %.1f m, within 50 m %.2f %%\n",
           quantile(&kept_all, 0.5), quantile(&kept_all, 0.95),
           pct(kept_all.within50, kept_all.n));
    printf("   same sample written \"12 r eglise pierrefitte\" (folded, abbreviated, no "
           "postcode): top-1 exact %.2f %%\n", pct(kept_degr.top1_exact, kept_degr.n));
    printf("   same sample with one typo in the street's longest word: top-1 exact %.2f %%\n",
           pct(kept_typo.top1_exact, kept_typo.n));
    printf("\n2. held-out rows removed from the index (position interpolated or fallen back)\n");
    const struct stats *all[2] = { &rem_all, &rem_terr };
    const char *names[2] = { "sample every 20th row", "territory (8 communes)" };
    for (int k = 0; k < 2; k++) {
        const struct stats *s = all[k];
        printf("   %s: %zu addresses\n", names[k], s->n);
        printf("     top-1 at housenumber precision %.2f %% (interpolated %.2f %%), street "
               "%.2f %%, municipality %.2f %%, nothing %.2f %%\n",
               pct(s->housenumber, s->n), pct(s->interpolated, s->n), pct(s->street, s->n),
               pct(s->municipality, s->n), pct(s->none, s->n));
        printf("     error: median %.1f m, p95 %.1f m, within 50 m %.2f %%\n",
               quantile(s, 0.5), quantile(s, 0.95), pct(s->within50, s->n));
        printf("     (for comparison, an oracle picking the nearest address left on the same "
               "street: within 50 m %.2f %%;\n      one placing it at the best point of the "
               "street's known geometry, segments between numbers of a side included: %.2f %%)\n",
               oracle_within50(&rows, k == 0 ? 1 : 2, 0), oracle_within50(&rows, k == 0 ? 1 : 2, 1));
    }
    printf("\nspeed (single thread, limit 5): %.0f queries/s (%.1f us/query) with the rows "
           "kept, %.0f queries/s (%.1f us/query) with them removed\n",
           qps_kept, 1e6 / qps_kept, qps_rem, 1e6 / qps_rem);
    if (nlat > 0)
        printf("search-as-you-type (%zu prefixes of the sample, autocomplete): latency p50 %.1f "
               "us, p99 %.1f us, max %.1f us\n", nlat, lat[nlat / 2],
               lat[(size_t)((double)nlat * 0.99)], lat[nlat - 1]);
    free(lat);
    if (check) {
        /* Goals: top-1 exact >= 99 % in every kept run. Within 50 m >= 95 % in the removed
         * run is the goal, out of reach on this file: even an oracle placing each
         * address at the best point of its street's known geometry reaches 96 %, and one
         * choosing, knowing the truth, the best of seven estimators per address 94.7 %
         * (docs/geocoding.md). The check guards the measured level (92.46 % on 2026-11-29,
         * before: 91.85 %) with a small margin. */
        struct {
            const char *what;
            double value, min;
        } goals[] = {
            { "kept, top-1 exact", pct(kept_all.top1_exact, kept_all.n), 99.0 },
            { "kept, territory, top-1 exact", pct(kept_terr.top1_exact, kept_terr.n), 99.0 },
            { "kept, degraded text, top-1 exact", pct(kept_degr.top1_exact, kept_degr.n), 99.0 },
            { "kept, one typo, top-1 exact", pct(kept_typo.top1_exact, kept_typo.n), 98.0 },
            { "removed, top-1 at housenumber precision", pct(rem_all.housenumber, rem_all.n),
              99.0 },
            { "removed, within 50 m", pct(rem_all.within50, rem_all.n), 92.2 },
            { "removed, median error <= 10 m", quantile(&rem_all, 0.5) <= 10.0 ? 100.0 : 0.0,
              100.0 },
        };
        for (size_t k = 0; k < sizeof goals / sizeof goals[0]; k++) {
            if (goals[k].value < goals[k].min) {
                printf("FAIL: %s: %.2f %% < %.1f %%\n", goals[k].what, goals[k].value,
                       goals[k].min);
                failed = 1;
            }
        }
        printf("%s\n", failed ? "1 failed" : "all checks passed");
    }
    gdir_geocoder_free(g);
    gdir_db_close(&d);
    if (!keep) {
        unlink(dbpath);
        snprintf(dbpath + strlen(dbpath), sizeof dbpath - strlen(dbpath), "-journal");
        unlink(dbpath);
    }
    for (size_t i = 0; i < rows.n; i++) {
        free(rows.v[i].id);
        free(rows.v[i].numero);
        free(rows.v[i].voie);
        free(rows.v[i].code_post);
        free(rows.v[i].nom_comm);
        free(rows.v[i].source);
    }
    free(rows.v);
    free(kept_all.err);
    free(kept_terr.err);
    free(kept_degr.err);
    free(kept_typo.err);
    free(rem_all.err);
    free(rem_terr.err);
    if (dump_file)
        fclose(dump_file);
    return failed;
}
