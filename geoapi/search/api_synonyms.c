/*
 * api_synonyms.c — the categories a search text names, from the taxonomy's labels and
 * common/taxonomy_synonyms.def. See api_synonyms.h.
 */
#include "api_synonyms.h"
#include "gdir_fs.h"
#include "gdir_taxonomy.h"
#include "gdir_text.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *code;
    const char *terms;   /* "term|term|…" */
} synonyms[] = {
#define GDIR_SYNONYMS(code, terms) {code, terms},
#include "taxonomy_synonyms.def"
#undef GDIR_SYNONYMS
};

/* One term of one taxonomy row, parsed like q. */
struct syn_term {
    size_t row;
    struct api_text_query words;
};

static struct syn_term *terms;
static size_t n_terms;
/* The lines of the territory's synonyms file (api_synonyms_load), each "code: terms": owned,
 * for the server's life. */
static char *extra;
static size_t n_extra_lines, n_extra_terms;
static pthread_once_t terms_once = PTHREAD_ONCE_INIT;

/* Parses term (len bytes) of row into terms[n_terms] (a term that does not parse is left out:
 * the table is compiled in and checked by the tests). */
static void add_term(size_t row, const char *term, size_t len)
{
    char buf[256];
    struct gdir_err err;

    if (len == 0 || len >= sizeof buf)
        return;
    memcpy(buf, term, len);
    buf[len] = '\0';
    gdir_err_clear(&err);
    if (api_text_query_parse(buf, "synonym", &terms[n_terms].words, &err) == 0 &&
        terms[n_terms].words.n > 0) {
        terms[n_terms].words.last_prefix = 0;
        terms[n_terms++].row = row;
    }
}

/* The category of a line "code: terms" of a synonyms file, *terms after its colon; NULL when
 * the code before the colon is not one of the taxonomy; *rest: the terms after the colon. */
static const struct gdir_category *line_category(const char *line, const char **rest)
{
    const char *colon = strchr(line, ':');
    char code[64];
    size_t n;

    if (!colon)
        return NULL;
    for (n = (size_t)(colon - line); n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'); n--)
        ;
    if (n == 0 || n >= sizeof code)
        return NULL;
    memcpy(code, line, n);
    code[n] = '\0';
    *rest = colon + 1;
    return gdir_category_find(code);
}

/* Calls fn(cls, term, its length) for each term of "term|term|…" (len bytes), blanks around
 * it trimmed, empty ones skipped; stops at the first nonzero return and returns it. */
static int each_term(const char *s, size_t len, int (*fn)(void *, const char *, size_t),
                     void *cls)
{
    const char *end = s + len;
    int rc = 0;

    while (s < end && !rc) {
        const char *bar = memchr(s, '|', (size_t)(end - s));
        const char *next = bar ? bar + 1 : end;
        size_t n = (size_t)((bar ? bar : end) - s);
        while (n > 0 && (*s == ' ' || *s == '\t')) {
            s++;
            n--;
        }
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        if (n > 0)
            rc = fn(cls, s, n);
        s = next;
    }
    return rc;
}

static int add_row_term(void *cls, const char *term, size_t len)
{
    add_term(*(const size_t *)cls, term, len);
    return 0;
}

/* Adds the terms of "term|term|…" (len bytes) to row. */
static void add_terms(size_t row, const char *s, size_t len)
{
    each_term(s, len, add_row_term, &row);
}

static void build_terms(void)
{
    size_t n_tax, cap;
    const struct gdir_category *tax = gdir_taxonomy(&n_tax);

    cap = n_tax + n_extra_terms;
    for (size_t i = 0; i < sizeof synonyms / sizeof synonyms[0]; i++)
        for (const char *s = synonyms[i].terms; s; s = strchr(s + 1, '|'))
            cap++;
    terms = calloc(cap, sizeof *terms);
    if (!terms)
        return;
    for (size_t r = 0; r < n_tax; r++) {
        add_term(r, tax[r].label, strlen(tax[r].label));
        for (size_t i = 0; i < sizeof synonyms / sizeof synonyms[0]; i++)
            if (strcmp(synonyms[i].code, tax[r].code) == 0)
                add_terms(r, synonyms[i].terms, strlen(synonyms[i].terms));
    }
    for (size_t i = 0, at = 0; i < n_extra_lines; i++, at += strlen(extra + at) + 1) {
        const char *t;
        const struct gdir_category *c = line_category(extra + at, &t);
        if (c)
            add_terms((size_t)(c - tax), t, strlen(t));
    }
}

/* How word w of q matches some word of t: API_TEXT_EXACT, API_TEXT_TYPO or API_TEXT_NONE. */
static enum api_text_match word_match(const struct api_text_query *q, size_t w,
                                      const struct api_text_query *t)
{
    const char *a = q->words[w];
    size_t an = strlen(a), chars = q->chars[w];
    int prefix = q->last_prefix && w + 1 == q->n && chars >= API_SYN_PREFIX_MIN;
    enum api_text_match best = API_TEXT_NONE;

    for (size_t i = 0; i < t->n && best != API_TEXT_EXACT; i++) {
        const char *b = t->words[i];
        size_t bn = strlen(b);
        if (an == bn && memcmp(a, b, an) == 0)
            best = API_TEXT_EXACT;
        else if (chars >= API_TEXT_TYPO_MIN && api_text_edit1(a, an, b, bn))
            best = API_TEXT_TYPO;
        else if (prefix && an < bn && memcmp(a, b, an) == 0)
            best = API_TEXT_TYPO;
    }
    return best;
}

/* How q matches the term t (see api_synonyms.h). */
static enum api_text_match term_match(const struct api_text_query *q,
                                      const struct api_text_query *t)
{
    enum api_text_match m = API_TEXT_EXACT;
    int long_word = 0;

    for (size_t w = 0; w < q->n; w++) {
        enum api_text_match wm = word_match(q, w, t);
        if (wm == API_TEXT_NONE)
            return API_TEXT_NONE;
        if (wm < m)
            m = wm;
        long_word |= q->chars[w] >= 3;
    }
    return long_word ? m : API_TEXT_NONE;
}

size_t api_synonyms_match(const struct api_text_query *q, unsigned char *rows, size_t n_rows)
{
    size_t found = 0;

    memset(rows, API_TEXT_NONE, n_rows);
    pthread_once(&terms_once, build_terms);
    if (q->n == 0)
        return 0;
    for (size_t i = 0; terms && i < n_terms; i++) {
        size_t r = terms[i].row;
        enum api_text_match m;
        if (r >= n_rows || rows[r] == API_TEXT_EXACT)
            continue;
        m = term_match(q, &terms[i].words);
        if (m > rows[r]) {
            found += rows[r] == API_TEXT_NONE;
            rows[r] = (unsigned char)m;
        }
    }
    return found;
}

enum api_text_match api_synonyms_term(const struct api_text_query *q, const char *term)
{
    struct api_text_query t;
    struct gdir_err err;

    gdir_err_clear(&err);
    if (q->n == 0 || api_text_query_parse(term, "term", &t, &err) != 0)
        return API_TEXT_NONE;
    t.last_prefix = 0;
    return term_match(q, &t);
}

int api_synonyms_load(const char *path, struct gdir_err *err)
{
    char *text = NULL, *out;
    size_t len = 0, lineno = 0, lines = 0, n_new = 0;
    int rc = gdir_file_read(path, API_SYN_FILE_MAX, &text, &len, err);

    if (rc)
        return rc;
    if (!gdir_utf8_valid(text, len) || memchr(text, '\0', len)) {
        rc = gdir_err_set_param(err, GDIR_ECONFIG, "synonyms_file", "%s: not UTF-8 text", path);
        goto out;
    }
    out = text;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n'), *next = nl ? nl + 1 : NULL;
        const char *rest;
        if (nl)
            *nl = '\0';
        lineno++;
        line[strcspn(line, "\r")] = '\0';
        line += strspn(line, " \t");
        if (*line && *line != '#') {
            if (!line_category(line, &rest)) {
                rc = gdir_err_set_param(err, GDIR_ECONFIG, "synonyms_file",
                                        "%s:%zu: expected `code: term|term`, code a category "
                                        "of common/taxonomy.def", path, lineno);
                goto out;
            }
            for (n_new++; (rest = strchr(rest, '|')) != NULL; rest++)
                n_new++;
            memmove(out, line, strlen(line) + 1);
            out += strlen(out) + 1;
            lines++;
        }
        line = next;
    }
    free(extra);
    extra = text;
    n_extra_lines = lines;
    n_extra_terms = n_new;
    text = NULL;
out:
    free(text);
    return rc;
}

int api_synonyms_each(const char *code, int (*fn)(void *cls, const char *term, size_t len),
                      void *cls)
{
    const struct gdir_category *c = gdir_category_find(code);
    int rc = 0;

    for (size_t i = 0; c && !rc && i < sizeof synonyms / sizeof synonyms[0]; i++)
        if (strcmp(synonyms[i].code, c->code) == 0)
            rc = each_term(synonyms[i].terms, strlen(synonyms[i].terms), fn, cls);
    for (size_t i = 0, at = 0; c && !rc && i < n_extra_lines; i++, at += strlen(extra + at) + 1) {
        const char *t;
        if (line_category(extra + at, &t) == c)
            rc = each_term(t, strlen(t), fn, cls);
    }
    return rc;
}
