/*
 * api_text.c — parsing the search text q (elisions, folding, words, prefix flag), the bounded
 * edit-distance checks behind typo tolerance, the enumeration of one-edit variants, and the
 * in-memory word matcher. See api_text.h.
 *
 * Not here: the vocabulary of the full-text index and the FTS5 query built from these words
 * (api_vocab.c), SQL (api_queries.c).
 */
#include "api_text.h"
#include "gdir_buf.h"
#include "gdir_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when the code point is part of a word: ASCII letters and digits, the Latin letters that
 * gdir_text_fold folds, and other scripts' letters. Symbols that gdir_text_fold would keep
 * but SQLite's unicode61 tokenizer treats as separators (€, ™, emoji…) are not: a word made
 * of them would be an empty phrase for FTS5 and match nothing. */
static int is_word_cp(unsigned cp)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    if (cp >= 0xC0 && cp <= 0x17F)
        return cp != 0xD7 && cp != 0xF7;
    if (cp < 0xC0 || (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F))
        return 0;    /* punctuation, and symbols (currency, arrows, maths, shapes, dingbats) */
    if ((cp >= 0xE000 && cp <= 0xF8FF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
        (cp >= 0xFFF0 && cp <= 0xFFFF) || cp >= 0x1F000)
        return 0;    /* private use, variation selectors, specials, emoji */
    return 1;
}

/* The apostrophe at p (', U+2019, U+02BC): its length in bytes, else 0. */
static size_t apostrophe_len(const char *p)
{
    if (p[0] == '\'')
        return 1;
    if ((unsigned char)p[0] == 0xE2 && (unsigned char)p[1] == 0x80 && (unsigned char)p[2] == 0x99)
        return 3;
    if ((unsigned char)p[0] == 0xCA && (unsigned char)p[1] == 0xBC)
        return 2;
    return 0;
}

static int is_elision(const char *w, size_t n)
{
    static const char *const elisions[] = {"l", "d", "j", "m", "n", "s", "t", "c",
                                           "qu", "jusqu", "lorsqu", "puisqu", NULL};
    char low[8];
    if (n == 0 || n >= sizeof low)
        return 0;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
    low[n] = '\0';
    for (int i = 0; elisions[i]; i++)
        if (strcmp(low, elisions[i]) == 0)
            return 1;
    return 0;
}

static size_t utf8_chars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

int api_text_query_parse(const char *q, const char *param, struct api_text_query *out,
                         struct gdir_err *err)
{
    struct gdir_buf folded;
    size_t len = strlen(q);
    char *work = NULL;
    int rc = GDIR_OK, prev_word = 0, last_word_cp = 0;
    const char *p, *end;

    memset(out, 0, sizeof *out);
    gdir_buf_init(&folded, 0);
    work = malloc(len + 1);
    if (!work)
        return gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", param);
    memcpy(work, q, len + 1);

    /* Elisions: an ASCII word of the list at a word start, followed by an apostrophe, becomes
     * spaces (with its apostrophe). */
    p = work;
    end = work + len;
    while (p < end) {
        const char *cp_start = p;
        unsigned cp = gdir_utf8_next(&p);
        if (!prev_word && cp < 0x80 && is_word_cp(cp)) {
            const char *w = cp_start;
            size_t n = 0;
            while (w + n < end && ((w[n] >= 'a' && w[n] <= 'z') || (w[n] >= 'A' && w[n] <= 'Z')))
                n++;
            size_t ap = w + n < end ? apostrophe_len(w + n) : 0;
            if (ap && is_elision(w, n)) {
                memset(work + (w - work), ' ', n + ap);
                p = w + n + ap;
                prev_word = last_word_cp = 0;
                continue;
            }
        }
        prev_word = is_word_cp(cp);
        last_word_cp = prev_word;
        if (!prev_word && cp >= 0x80)
            memset(work + (cp_start - work), ' ', (size_t)(p - cp_start));
    }

    if (gdir_text_fold(&folded, work)) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", param);
        goto out;
    }
    for (const char *s = gdir_buf_str(&folded); *s;) {
        const char *sp = strchr(s, ' ');
        size_t n = sp ? (size_t)(sp - s) : strlen(s);
        if (n > 0) {
            if (out->n == API_TEXT_MAX_WORDS) {
                rc = gdir_err_set_param(err, GDIR_EINVAL, param, "%s: at most %d words", param,
                                        API_TEXT_MAX_WORDS);
                goto out;
            }
            if (n > API_TEXT_MAX_WORD) {
                rc = gdir_err_set_param(err, GDIR_EINVAL, param,
                                        "%s: a word is longer than %d bytes", param,
                                        API_TEXT_MAX_WORD);
                goto out;
            }
            memcpy(out->words[out->n], s, n);
            out->words[out->n][n] = '\0';
            out->chars[out->n] = utf8_chars(s, n);
            out->n++;
        }
        if (!sp)
            break;
        s = sp + 1;
    }
    out->last_prefix = out->n > 0 && last_word_cp &&
                       out->chars[out->n - 1] >= API_TEXT_PREFIX_MIN;
out:
    if (rc)
        memset(out, 0, sizeof *out);
    free(work);
    gdir_buf_free(&folded);
    return rc;
}

int api_text_edit1(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0;

    if (an > bn + 1 || bn > an + 1)
        return 0;
    while (i < an && i < bn && a[i] == b[i])
        i++;
    if (an == bn) {
        if (i == an)
            return 1;
        if (memcmp(a + i + 1, b + i + 1, an - i - 1) == 0)
            return 1;    /* one replacement */
        return i + 1 < an && a[i] == b[i + 1] && a[i + 1] == b[i] &&
               memcmp(a + i + 2, b + i + 2, an - i - 2) == 0;   /* one swap */
    }
    if (an == bn + 1)    /* a has one byte more: delete a[i] */
        return memcmp(a + i + 1, b + i, bn - i) == 0;
    return memcmp(a + i, b + i + 1, an - i) == 0;
}

int api_text_prefix_edit1(const char *a, size_t an, const char *b, size_t bn)
{
    for (size_t l = an > 0 ? an - 1 : 0; l <= an + 1; l++)
        if (l > 0 && l <= bn && api_text_edit1(a, an, b, l))
            return 1;
    return 0;
}

/* How one query word matches one word of a text. */
static enum api_text_match word_match(const char *w, size_t wn, size_t chars, int prefix,
                                      const char *t, size_t tn)
{
    int typo_ok = chars >= API_TEXT_TYPO_MIN;
    if (prefix) {
        if (tn >= wn && memcmp(t, w, wn) == 0)
            return API_TEXT_EXACT;
        return typo_ok && api_text_prefix_edit1(w, wn, t, tn) ? API_TEXT_TYPO : API_TEXT_NONE;
    }
    if (tn == wn && memcmp(t, w, wn) == 0)
        return API_TEXT_EXACT;
    return typo_ok && api_text_edit1(w, wn, t, tn) ? API_TEXT_TYPO : API_TEXT_NONE;
}

enum api_text_match api_text_match(const struct api_text_query *q, const char *folded)
{
    enum api_text_match all = API_TEXT_EXACT;

    if (q->n == 0 || !folded)
        return API_TEXT_NONE;
    for (size_t i = 0; i < q->n; i++) {
        const char *w = q->words[i];
        size_t wn = strlen(w);
        int prefix = q->last_prefix && i + 1 == q->n;
        enum api_text_match best = API_TEXT_NONE;
        for (const char *t = folded; *t && best != API_TEXT_EXACT;) {
            const char *sp = strchr(t, ' ');
            size_t tn = sp ? (size_t)(sp - t) : strlen(t);
            enum api_text_match m = word_match(w, wn, q->chars[i], prefix, t, tn);
            if (m > best)
                best = m;
            if (!sp)
                break;
            t = sp + 1;
        }
        if (best < all)
            all = best;
        if (all == API_TEXT_NONE)
            break;
    }
    return all;
}

int api_text_variants(const char *word, api_text_variant_fn *fn, void *cls)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    char buf[API_TEXT_MAX_WORD + 2];
    size_t n = strlen(word);
    int rc;

    if (n == 0 || n > API_TEXT_MAX_WORD)
        return 0;
    for (size_t i = 0; i < n; i++) {                       /* deletions */
        memcpy(buf, word, i);
        memcpy(buf + i, word + i + 1, n - i - 1);
        buf[n - 1] = '\0';
        if (n > 1 && (rc = fn(cls, buf, n - 1)))
            return rc;
    }
    for (size_t i = 0; i + 1 < n; i++) {                   /* swaps */
        if (word[i] == word[i + 1])
            continue;
        memcpy(buf, word, n + 1);
        buf[i] = word[i + 1];
        buf[i + 1] = word[i];
        if ((rc = fn(cls, buf, n)))
            return rc;
    }
    for (size_t i = 0; i < n; i++) {                       /* replacements */
        memcpy(buf, word, n + 1);
        for (const char *c = alphabet; *c; c++) {
            if (*c == word[i])
                continue;
            buf[i] = *c;
            if ((rc = fn(cls, buf, n)))
                return rc;
        }
    }
    for (size_t i = 0; i <= n; i++) {                      /* insertions */
        memcpy(buf, word, i);
        memcpy(buf + i + 1, word + i, n - i);
        buf[n + 1] = '\0';
        for (const char *c = alphabet; *c; c++) {
            buf[i] = *c;
            if ((rc = fn(cls, buf, n + 1)))
                return rc;
        }
    }
    return 0;
}
