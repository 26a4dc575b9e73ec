/*
 * gdir_address.c — French address normalisation: house number parsing (number + suffix) and
 * the canonical tokens of street and commune names (abbreviations, saint/st, elisions,
 * articles). Folding itself is gdir_text_fold's; this file only works on its output.
 */
#include "gdir_address.h"
#include "gdir_err.h"
#include "gdir_text.h"

#include <stdio.h>
#include <string.h>

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int to_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Suffix words, canonical. */
static const char *const suffix_words[] = { "bis", "ter", "quater", "quinquies" };

/* Canonical suffix of the ASCII letters w[0..n), or NULL. */
static const char *suffix_canon(const char *w, size_t n, char letter[2])
{
    if (n == 1) {
        letter[0] = (char)to_lower((unsigned char)w[0]);
        letter[1] = '\0';
        return letter;
    }
    for (size_t i = 0; i < sizeof suffix_words / sizeof suffix_words[0]; i++) {
        const char *sw = suffix_words[i];
        if (strlen(sw) != n)
            continue;
        size_t k = 0;
        while (k < n && to_lower((unsigned char)w[k]) == sw[k])
            k++;
        if (k == n)
            return sw;
    }
    return NULL;
}

/* 1 when the byte at p ends a word: NUL, ASCII non-letter. UTF-8 lead bytes continue a word
 * ("1ère"). */
static int word_ends(const char *p)
{
    unsigned char c = (unsigned char)*p;
    return c < 0x80 && !is_alpha(c);
}

/* 1 when p starts an apostrophe (ASCII ' or U+2019). */
static int is_apostrophe(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return u[0] == '\'' || (u[0] == 0xE2 && u[1] == 0x80 && u[2] == 0x99);
}

/* Reads the ASCII letters at p; returns their count. */
static size_t letters(const char *p)
{
    size_t n = 0;
    while (is_alpha((unsigned char)p[n]))
        n++;
    return n;
}

static int split_number(const char *s, int whole, struct gdir_housenumber *hn,
                        const char **rest)
{
    size_t max_digits = whole ? 5 : 4;
    const char *p = s, *q;
    size_t nd = 0;
    long number = 0;
    char letter[2];
    const char *suffix = "";

    memset(hn, 0, sizeof *hn);
    *rest = s;
    while (is_space((unsigned char)*p))
        p++;
    /* "n°12", "N° 12", "no 12", "no. 12" */
    if (to_lower((unsigned char)p[0]) == 'n') {
        q = NULL;
        if ((unsigned char)p[1] == 0xC2 && (unsigned char)p[2] == 0xB0)
            q = p + 3;
        else if (to_lower((unsigned char)p[1]) == 'o' && (p[2] == ' ' || p[2] == '.' ||
                                                          is_digit((unsigned char)p[2])))
            q = p + 2;
        if (q) {
            while (*q == '.' || is_space((unsigned char)*q))
                q++;
            if (is_digit((unsigned char)*q))
                p = q;
        }
    }
    while (is_digit((unsigned char)p[nd]))
        nd++;
    if (nd == 0 || nd > max_digits)
        return 0;
    for (size_t i = 0; i < nd; i++)
        number = number * 10 + (p[i] - '0');
    if (number > GDIR_HN_NUMBER_MAX)
        return 0;
    p += nd;
    if (is_alpha((unsigned char)*p)) {
        /* glued suffix: 12bis, 12B, 8Q */
        size_t n = letters(p);
        if (!word_ends(p + n))
            return 0;
        suffix = suffix_canon(p, n, letter);
        if (!suffix)
            return 0;                          /* "1er", "2eme": part of a name */
        p += n;
    } else if ((unsigned char)*p >= 0x80) {
        return 0;                              /* "1ère" */
    } else if (*p == ' ' || *p == '\t') {
        q = p;
        while (*q == ' ' || *q == '\t')
            q++;
        size_t n = letters(q);
        if (n > 0 && word_ends(q + n) && !is_apostrophe(q + n)) {
            const char *sx = suffix_canon(q, n, letter);
            /* "12 r" before a street is "12 rue"; a whole field has no street ("2 R", as
             * gdir_address_format_housenumber writes it) */
            if (sx && !(n == 1 && sx[0] == 'r' && !whole)) {
                suffix = sx;
                p = q + n;
            }
        }
    }
    /* a range: 12-14, 12/14, 12 - 14 bis */
    q = p;
    while (*q == ' ')
        q++;
    if (*q == '-' || *q == '/') {
        q++;
        while (*q == ' ')
            q++;
        if (is_digit((unsigned char)*q)) {
            while (is_digit((unsigned char)*q))
                q++;
            size_t n = letters(q);
            if (n > 0 && word_ends(q + n) && suffix_canon(q, n, letter))
                q += n;
            p = q;
        }
    }
    while (is_space((unsigned char)*p) || *p == ',' || *p == ';')
        p++;
    hn->number = number;
    memcpy(hn->suffix, suffix, strlen(suffix) + 1);
    *rest = p;
    return 1;
}

int gdir_address_split_number(const char *s, struct gdir_housenumber *hn, const char **rest)
{
    return split_number(s, 0, hn, rest);
}

int gdir_address_parse_housenumber(const char *s, struct gdir_housenumber *hn)
{
    const char *rest;
    if (!s || !split_number(s, 1, hn, &rest) || *rest != '\0') {
        memset(hn, 0, sizeof *hn);
        return GDIR_EINVAL;
    }
    return GDIR_OK;
}

int gdir_address_suffix_match(const char *a, const char *b)
{
    static const char *const pairs[][2] = { { "b", "bis" }, { "t", "ter" }, { "q", "quater" } };
    if (strcmp(a, b) == 0)
        return 2;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        if ((strcmp(a, pairs[i][0]) == 0 && strcmp(b, pairs[i][1]) == 0) ||
            (strcmp(b, pairs[i][0]) == 0 && strcmp(a, pairs[i][1]) == 0))
            return 1;
    }
    return 0;
}

size_t gdir_address_format_housenumber(const struct gdir_housenumber *hn, char *out, size_t cap)
{
    int n;
    if (cap == 0)
        return 0;
    if (hn->suffix[0] == '\0')
        n = snprintf(out, cap, "%ld", hn->number);
    else if (hn->suffix[1] == '\0')
        n = snprintf(out, cap, "%ld %c", hn->number, (char)(hn->suffix[0] - 32));
    else
        n = snprintf(out, cap, "%ld %s", hn->number, hn->suffix);
    if (n < 0) {
        out[0] = '\0';
        return 0;
    }
    return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* Folded word → canonical word; NULL target: dropped (elision, article). */
struct canon {
    const char *from;
    const char *to;
};

static const struct canon canon_table[] = {
    /* elisions, articles, prepositions */
    { "l", NULL }, { "d", NULL }, { "le", NULL }, { "la", NULL }, { "les", NULL },
    { "de", NULL }, { "du", NULL }, { "des", NULL }, { "au", NULL }, { "aux", NULL },
    { "a", NULL }, { "en", NULL }, { "et", NULL }, { "sur", NULL }, { "lez", NULL },
    { "cedex", NULL },
    /* street types */
    { "bd", "boulevard" }, { "bld", "boulevard" }, { "blvd", "boulevard" },
    { "boul", "boulevard" }, { "bvd", "boulevard" },
    { "av", "avenue" }, { "ave", "avenue" }, { "aven", "avenue" },
    { "r", "rue" },
    { "rte", "route" },
    { "pl", "place" }, { "plc", "place" },
    { "ch", "chemin" }, { "che", "chemin" }, { "chem", "chemin" }, { "chm", "chemin" },
    { "imp", "impasse" },
    { "all", "allee" }, { "al", "allee" },
    { "sq", "square" },
    { "fg", "faubourg" }, { "fbg", "faubourg" }, { "faub", "faubourg" },
    { "crs", "cours" },
    { "lot", "lotissement" }, { "lotiss", "lotissement" },
    { "res", "residence" }, { "resid", "residence" },
    { "ham", "hameau" },
    { "ld", "lieudit" },
    { "sen", "sentier" }, { "sent", "sentier" }, { "sente", "sentier" },
    { "rle", "ruelle" },
    { "pass", "passage" }, { "psg", "passage" },
    { "prom", "promenade" },
    { "mte", "montee" },
    { "carr", "carrefour" },
    { "esp", "esplanade" },
    { "vla", "villa" },
    /* saints and "grand" */
    { "st", "saint" }, { "ste", "saint" }, { "sainte", "saint" },
    { "gr", "grande" }, { "gd", "grande" }, { "gde", "grande" }, { "grand", "grande" },
    /* titles */
    { "dr", "docteur" }, { "gal", "general" }, { "gen", "general" }, { "mal", "marechal" },
    { "pdt", "president" }, { "cdt", "commandant" }, { "lt", "lieutenant" },
    { "mgr", "monseigneur" },
};

static const char *const type_words[] = {
    "rue", "avenue", "boulevard", "route", "place", "chemin", "impasse", "allee", "square",
    "faubourg", "quai", "cours", "lotissement", "residence", "hameau", "lieudit", "sentier",
    "ruelle", "passage", "promenade", "montee", "carrefour", "esplanade", "villa", "cite",
    "voie", "venelle", "traverse", "parvis",
};

static int word_eq(const char *w, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(w, lit, n) == 0;
}

/* Looks w[0..n) up in the canon table: returns 1 and sets *to (NULL: drop) when found. */
static int canon_lookup(const char *w, size_t n, const char **to)
{
    for (size_t i = 0; i < sizeof canon_table / sizeof canon_table[0]; i++) {
        if (canon_table[i].from[0] == w[0] && word_eq(w, n, canon_table[i].from)) {
            *to = canon_table[i].to;
            return 1;
        }
    }
    return 0;
}

static int is_type_word(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof type_words / sizeof type_words[0]; i++)
        if (type_words[i][0] == w[0] && word_eq(w, n, type_words[i]))
            return 1;
    return 0;
}

int gdir_address_is_postcode(const char *s, size_t n)
{
    if (n != 5)
        return 0;
    for (size_t i = 0; i < 5; i++)
        if (!is_digit((unsigned char)s[i]))
            return 0;
    return 1;
}

int gdir_address_is_insee(const char *s, size_t n)
{
    if (n != 5)
        return 0;
    size_t i = 0;
    if (s[0] == '2' && (s[1] == 'a' || s[1] == 'b' || s[1] == 'A' || s[1] == 'B'))
        i = 2;
    for (; i < 5; i++)
        if (!is_digit((unsigned char)s[i]))
            return 0;
    return 1;
}

static void push(struct gdir_addr_tokens *out, const char *s, size_t n, const char *raw,
                 size_t raw_len)
{
    if (out->n >= GDIR_ADDR_TOKENS_MAX) {
        out->truncated = 1;
        return;
    }
    unsigned char flags = 0;
    int digits = n > 0;
    for (size_t i = 0; i < n; i++)
        if (!is_digit((unsigned char)s[i]))
            digits = 0;
    if (digits) {
        flags |= GDIR_TOK_NUMBER;
        if (n < 5)
            while (n > 1 && s[0] == '0') {
                s++;
                n--;
            }
    }
    if (gdir_address_is_insee(s, n))
        flags |= GDIR_TOK_CODE;
    if (is_type_word(s, n))
        flags |= GDIR_TOK_TYPE;
    out->t[out->n].s = s;
    out->t[out->n].len = (unsigned char)n;
    out->t[out->n].flags = flags;
    out->t[out->n].raw = raw;
    out->t[out->n].raw_len = (unsigned char)raw_len;
    out->n++;
}

void gdir_address_tokenize(const char *folded, struct gdir_addr_tokens *out)
{
    const char *p = folded;
    int first = 1;

    out->n = 0;
    out->truncated = 0;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *w = p;
        while (*p && *p != ' ')
            p++;
        size_t n = (size_t)(p - w);
        if (n > GDIR_ADDR_TOKEN_LEN_MAX) {
            n = GDIR_ADDR_TOKEN_LEN_MAX;
            while (n > 0 && ((unsigned char)w[n] & 0xC0) == 0x80)
                n--;                                 /* cut at a UTF-8 boundary */
        }
        int was_first = first;
        first = 0;
        const char *to;
        if (word_eq(w, n, "qu")) {
            if (was_first)
                push(out, "quai", 4, w, n);          /* "qu X" is "quai X"; else "qu'" */
            continue;
        }
        if (word_eq(w, n, "dit") && out->n > 0 && out->t[out->n - 1].len == 4 &&
            memcmp(out->t[out->n - 1].s, "lieu", 4) == 0) {
            /* "lieu dit" is "lieudit", also across dropped words ("lieu l dit"): joined on the
             * tokens, not the words, so that a key is its own key */
            const char *raw = out->t[out->n - 1].raw;
            size_t raw_len = out->t[out->n - 1].raw_len;
            out->n--;
            push(out, "lieudit", 7, raw, raw_len);
            continue;
        }
        if (canon_lookup(w, n, &to)) {
            if (to)
                push(out, to, strlen(to), w, n);
            continue;
        }
        push(out, w, n, w, n);
    }
}

int gdir_address_key(struct gdir_buf *b, const char *s)
{
    struct gdir_buf f;
    struct gdir_addr_tokens t;
    int rc;

    if (!gdir_utf8_valid(s, strlen(s)))
        return GDIR_EINVAL;
    gdir_buf_init(&f, 0);
    rc = gdir_text_fold(&f, s);
    if (rc)
        goto out;
    gdir_address_tokenize(gdir_buf_str(&f), &t);
    for (size_t i = 0; i < t.n && !rc; i++) {
        if (i > 0)
            rc = gdir_buf_addc(b, ' ');
        if (!rc)
            rc = gdir_buf_add(b, t.t[i].s, t.t[i].len);
    }
    if (!rc)
        rc = gdir_buf_add(b, "", 0);
out:
    gdir_buf_free(&f);
    return rc;
}
