/*
 * api_vocab.c — the in-memory vocabulary of places_fts (sorted by folded form) and the FTS5
 * MATCH expression built from a parsed q: each word's group of exact, ligature and one-typo
 * terms. See api_vocab.h for the rules.
 *
 * Not here: reading the vocabulary from SQLite (api_queries.c), parsing q (api_text.c).
 */
#include "api_vocab.h"
#include "api_gen.h"
#include "api_queries.h"
#include "gdir_log.h"
#include "gdir_text.h"

#include <stdlib.h>
#include <string.h>

#define CANDIDATES_MAX 256      /* typo candidates examined per word before ranking */
#define LIGATURE_SCAN_MAX 2000  /* index terms scanned for ligature forms of a prefix */
#define RAW_TERM_MAX 256        /* longer index terms are never put in a query */

struct api_vocab *api_vocab_new(void)
{
    struct api_vocab *v = calloc(1, sizeof *v);
    if (v)
        gdir_buf_init(&v->strings, 0);
    return v;
}

void api_vocab_free(struct api_vocab *v)
{
    if (!v)
        return;
    free(v->terms);
    free(v->offsets);
    gdir_buf_free(&v->strings);
    free(v);
}

int api_vocab_add(struct api_vocab *v, const char *raw, long long docs)
{
    struct gdir_buf f;
    int rc;

    if (!raw || !*raw || strlen(raw) > RAW_TERM_MAX)
        return GDIR_OK;
    gdir_buf_init(&f, 0);
    rc = gdir_text_fold(&f, raw);
    if (rc) {
        gdir_buf_free(&f);
        return rc;
    }
    if (f.len == 0 || strchr(gdir_buf_str(&f), ' ')) {
        gdir_buf_free(&f);
        return GDIR_OK;
    }
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 1024;
        struct api_vocab_term *t = realloc(v->terms, cap * sizeof *t);
        size_t *o;
        if (!t) {
            gdir_buf_free(&f);
            return GDIR_ENOMEM;
        }
        v->terms = t;
        o = realloc(v->offsets, cap * 2 * sizeof *o);
        if (!o) {
            gdir_buf_free(&f);
            return GDIR_ENOMEM;
        }
        v->offsets = o;
        v->cap = cap;
    }
    v->offsets[2 * v->n] = v->strings.len;
    rc = gdir_buf_add(&v->strings, f.data, f.len + 1);
    v->offsets[2 * v->n + 1] = v->strings.len;
    if (!rc)
        rc = gdir_buf_add(&v->strings, raw, strlen(raw) + 1);
    gdir_buf_free(&f);
    if (rc)
        return rc;
    v->terms[v->n].docs = docs;
    v->n++;
    return GDIR_OK;
}

static int term_cmp(const void *a, const void *b)
{
    const struct api_vocab_term *x = a, *y = b;
    int c = strcmp(x->folded, y->folded);
    return c ? c : strcmp(x->raw, y->raw);
}

int api_vocab_finish(struct api_vocab *v)
{
    if (v->strings.err)
        return v->strings.err;
    for (size_t i = 0; i < v->n; i++) {
        v->terms[i].folded = v->strings.data + v->offsets[2 * i];
        v->terms[i].raw = v->strings.data + v->offsets[2 * i + 1];
    }
    free(v->offsets);
    v->offsets = NULL;
    if (v->n > 1)
        qsort(v->terms, v->n, sizeof *v->terms, term_cmp);
    return GDIR_OK;
}

/* The first term whose folded form is >= key[0..n) compared on n bytes (so that every term
 * starting with key comes at or after it). */
static size_t lower_bound(const struct api_vocab *v, const char *key, size_t n)
{
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strncmp(v->terms[mid].folded, key, n) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int starts_with(const char *s, const char *prefix, size_t n)
{
    return strncmp(s, prefix, n) == 0;
}

/* One term of a word's group. */
struct gterm {
    const char *s;                     /* into the vocabulary when !owned (use term_str) */
    size_t len;
    int prefix;                        /* written as "s"* */
    long long docs;                    /* for ranking the typo candidates */
    int owned;                         /* the text is own (terms move: never point to it) */
    char own[API_TEXT_MAX_WORD + 2];   /* a variant's text */
};

static const char *term_str(const struct gterm *t)
{
    return t->owned ? t->own : t->s;
}

struct group {
    struct gterm t[CANDIDATES_MAX];
    size_t n;
};

static int group_has(const struct group *g, const char *s, size_t len, int prefix)
{
    for (size_t i = 0; i < g->n; i++)
        if (g->t[i].prefix == prefix && g->t[i].len == len &&
            memcmp(term_str(&g->t[i]), s, len) == 0)
            return 1;
    return 0;
}

/* Adds a term pointing into the vocabulary (own == 0) or copied (own == 1). */
static void group_add(struct group *g, const char *s, size_t len, int prefix, long long docs,
                      int own)
{
    struct gterm *t;
    if (g->n == CANDIDATES_MAX || len == 0 || group_has(g, s, len, prefix))
        return;
    if (own && len > API_TEXT_MAX_WORD + 1)
        return;
    t = &g->t[g->n++];
    t->owned = own;
    if (own) {
        memcpy(t->own, s, len);
        t->own[len] = '\0';
        t->s = NULL;
    } else {
        t->s = s;
    }
    t->len = len;
    t->prefix = prefix;
    t->docs = docs;
}

struct variant_ctx {
    const struct api_vocab *v;
    struct group *g;
    int prefix;
};

static int on_variant(void *cls, const char *var, size_t len)
{
    struct variant_ctx *c = cls;
    const struct api_vocab *v = c->v;
    size_t i;

    if (c->g->n == CANDIDATES_MAX)
        return 1;
    if (!gdir_utf8_valid(var, len))
        return 0;
    i = lower_bound(v, var, len);
    if (c->prefix) {
        if (i < v->n && starts_with(v->terms[i].folded, var, len))
            group_add(c->g, var, len, 1, v->terms[i].docs, 1);
        return 0;
    }
    for (; i < v->n && strcmp(v->terms[i].folded, var) == 0; i++)
        group_add(c->g, v->terms[i].raw, strlen(v->terms[i].raw), 0, v->terms[i].docs, 0);
    return 0;
}

static int by_docs(const void *a, const void *b)
{
    const struct gterm *x = a, *y = b;
    size_t n;
    int c;
    if (x->docs != y->docs)
        return x->docs > y->docs ? -1 : 1;
    n = x->len < y->len ? x->len : y->len;
    c = memcmp(term_str(x), term_str(y), n);
    if (c)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->prefix - y->prefix;
}

static int put_term(struct gdir_buf *out, const struct gterm *t)
{
    const char *s = term_str(t);
    int rc = gdir_buf_addc(out, '"');
    for (size_t i = 0; !rc && i < t->len; i++)
        rc = s[i] == '"' ? gdir_buf_add(out, "\"\"", 2) : gdir_buf_addc(out, s[i]);
    if (!rc)
        rc = gdir_buf_adds(out, t->prefix ? "\"*" : "\"");
    return rc;
}

/* The group of word i of q, written to out. */
static int write_group(const struct api_vocab *v, const struct api_text_query *q, size_t i,
                       struct group *g, struct gdir_buf *out)
{
    const char *w = q->words[i];
    size_t wn = strlen(w), fixed;
    int prefix = q->last_prefix && i + 1 == q->n;
    int rc;

    g->n = 0;
    group_add(g, w, wn, prefix, 0, 1);
    if (v) {
        size_t k = lower_bound(v, w, wn), scanned = 0;
        /* Stored forms that differ from the folded word (ligatures, ß). */
        for (; k < v->n && scanned < LIGATURE_SCAN_MAX; k++, scanned++) {
            const struct api_vocab_term *t = &v->terms[k];
            if (prefix ? !starts_with(t->folded, w, wn) : strcmp(t->folded, w) != 0)
                break;
            if (!starts_with(t->raw, w, wn))
                group_add(g, t->raw, strlen(t->raw), 0, t->docs, 0);
        }
    }
    fixed = g->n;
    if (v && q->chars[i] >= API_TEXT_TYPO_MIN) {
        struct variant_ctx c = {v, g, prefix};
        api_text_variants(w, on_variant, &c);
        if (g->n > fixed + 1)
            qsort(g->t + fixed, g->n - fixed, sizeof g->t[0], by_docs);
    }
    if (g->n > API_VOCAB_GROUP_MAX)
        g->n = API_VOCAB_GROUP_MAX;   /* the word first, then its stored forms, then typos */

    rc = gdir_buf_addc(out, '(');
    for (size_t k = 0; !rc && k < g->n; k++) {
        if (k)
            rc = gdir_buf_adds(out, " OR ");
        if (!rc)
            rc = put_term(out, &g->t[k]);
    }
    if (!rc)
        rc = gdir_buf_addc(out, ')');
    return rc;
}

int api_vocab_fts_query(const struct api_vocab *v, const struct api_text_query *q,
                        struct gdir_buf *out)
{
    struct group *g = malloc(sizeof *g);   /* ~20 KB: not on a worker's stack */
    int rc = GDIR_OK;

    if (!g)
        return GDIR_ENOMEM;
    for (size_t i = 0; !rc && i < q->n; i++) {
        if (i)
            rc = gdir_buf_adds(out, " AND ");
        if (!rc)
            rc = write_group(v, q, i, g, out);
    }
    free(g);
    return rc;
}

/* ---- the generation's vocabulary ---------------------------------------------------------- */

static int add_term(void *cls, const char *raw, long long docs)
{
    return api_vocab_add(cls, raw, docs);
}

/* api_gen_build_fn of the vocabulary: ctx is the asking thread's connection. */
static int vocab_build(void *ctx, void **out, struct gdir_err *err)
{
    struct api_vocab *v = api_vocab_new();
    int rc = v ? api_q_vocab_terms(ctx, add_term, v, err) : GDIR_ENOMEM;

    if (!rc)
        rc = api_vocab_finish(v);
    if (rc) {
        api_vocab_free(v);
        if (!err->code)
            gdir_err_set(err, rc, "full-text vocabulary: %s", gdir_err_text(rc));
        return rc;
    }
    gdir_log(GDIR_LOG_DEBUG, "db", "msg=\"full-text vocabulary loaded\" terms=%zu", v->n);
    *out = v;
    return GDIR_OK;
}

static void vocab_free_fn(void *obj)
{
    api_vocab_free(obj);
}

const struct api_vocab *api_vocab_get(struct api_db *db)
{
    struct gdir_err err;

    if (db->vocab || db->vocab_failed)
        return db->vocab;
    gdir_err_clear(&err);
    db->vocab = api_db_gen(db, &err)
                    ? api_gen_slot(db->gen, API_GEN_VOCAB, vocab_build, vocab_free_fn, db, &err)
                    : NULL;
    if (!db->vocab) {
        db->vocab_failed = 1;
        gdir_log(GDIR_LOG_WARN, "db", "msg=\"full-text vocabulary not loaded: searches go "
                                      "without typo tolerance\" code=%s",
                 gdir_err_name(err.code));
    }
    return db->vocab;
}

