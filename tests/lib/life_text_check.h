/*
 * life_text_check.h — the invariants of life_text_sanitise's output (life/life_text.h), shared
 * by tests/life/test_life_text.c and the fuzz target tests/fuzz/fuzz_life_text.c (header-only).
 *
 * life_text_check_html(html, n) returns NULL when the HTML is of the safe subset, else what is
 * wrong: valid UTF-8 without NUL; only the tags <p> <br> <ul> <ol> <li> <strong> <em> and
 * <a href="…" rel="nofollow noopener noreferrer"> with an http://, https:// or mailto: address
 * (no other attribute, so no on…= handler and no style); every element closed, in order, at
 * most LIFE_TEXT_DEPTH deep, placed as HTML allows (items in lists only, lists and paragraphs
 * at the top or lists in items, text and inline elements in a paragraph or an item, no link in
 * a link, nothing empty); no '<' or '>' outside tags, '&' only in &amp; &lt; &gt; &quot; &#39;.
 * life_text_check_plain(plain, n): valid UTF-8, no NUL, no CR.
 */
#ifndef LIFE_TEXT_CHECK_H
#define LIFE_TEXT_CHECK_H

#include <stdio.h>
#include <string.h>

#include "gdir_text.h"
#include "life_text.h"

enum { LTC_ROOT, LTC_P, LTC_UL, LTC_OL, LTC_LI, LTC_STRONG, LTC_EM, LTC_A };

static const char *const ltc_names[] = {"", "p", "ul", "ol", "li", "strong", "em", "a"};

static inline int ltc_prefix(const char *s, const char *end, const char *lit)
{
    size_t l = strlen(lit);
    return (size_t)(end - s) >= l && memcmp(s, lit, l) == 0;
}

/* Whether child may be directly inside parent. */
static inline int ltc_allowed(int parent, int child)
{
    int in_inline = child == LTC_STRONG || child == LTC_EM || child == LTC_A;
    switch (parent) {
    case LTC_ROOT: return child == LTC_P || child == LTC_UL || child == LTC_OL;
    case LTC_UL: case LTC_OL: return child == LTC_LI;
    case LTC_LI: return in_inline || child == LTC_UL || child == LTC_OL;
    default: return in_inline;   /* p, strong, em, a */
    }
}

/* The entity at s ('&'): its length when it is one of the five, else 0. */
static inline size_t ltc_entity(const char *s, const char *end)
{
    static const char *const ok[] = {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"};
    for (size_t i = 0; i < 5; i++)
        if (ltc_prefix(s, end, ok[i]))
            return strlen(ok[i]);
    return 0;
}

/* The start tag <a href="…" rel="…"> at s: its length, or 0. */
static inline size_t ltc_link(const char *s, const char *end)
{
    const char *p = s + 9, *q;
    if (!ltc_prefix(s, end, "<a href=\""))
        return 0;
    if (!(ltc_prefix(p, end, "http://") || ltc_prefix(p, end, "https://") ||
          ltc_prefix(p, end, "mailto:")))
        return 0;
    for (q = p; q < end && *q != '"'; q++) {
        if (*q == '<' || *q == '>' || *q == '\'' || (unsigned char)*q <= 0x20)
            return 0;
        if (*q == '&') {
            size_t l = ltc_entity(q, end);
            if (!l)
                return 0;
            q += l - 1;
        }
    }
    if (q >= end || !ltc_prefix(q, end, "\" rel=\"nofollow noopener noreferrer\">"))
        return 0;
    return (size_t)(q - s) + strlen("\" rel=\"nofollow noopener noreferrer\">");
}

static inline const char *life_text_check_html(const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    int stack[LIFE_TEXT_DEPTH + 2], top = 0, content[LIFE_TEXT_DEPTH + 2];

    if (!gdir_utf8_valid(s, n) || memchr(s, '\0', n))
        return "not valid UTF-8, or a NUL byte";
    stack[0] = LTC_ROOT;
    content[0] = 1;
    while (p < end) {
        if (*p == '>')
            return "a '>' outside a tag";
        if (*p == '&') {
            size_t l = ltc_entity(p, end);
            if (!l)
                return "an '&' that is not &amp; &lt; &gt; &quot; &#39;";
            p += l;
            content[top] = 1;
            if (stack[top] == LTC_ROOT || stack[top] == LTC_UL || stack[top] == LTC_OL)
                return "text outside a paragraph or an item";
            continue;
        }
        if (*p != '<') {
            if (stack[top] == LTC_ROOT || stack[top] == LTC_UL || stack[top] == LTC_OL)
                return "text outside a paragraph or an item";
            content[top] = 1;
            p++;
            continue;
        }
        if (ltc_prefix(p, end, "<br>")) {
            if (stack[top] == LTC_ROOT || stack[top] == LTC_UL || stack[top] == LTC_OL)
                return "<br> outside a paragraph or an item";
            p += 4;
            continue;
        }
        if (ltc_prefix(p, end, "</")) {
            int k;
            for (k = 1; k <= LTC_A; k++) {
                char tag[16];
                snprintf(tag, sizeof tag, "</%s>", ltc_names[k]);
                if (ltc_prefix(p, end, tag))
                    break;
            }
            if (k > LTC_A || top == 0 || stack[top] != k)
                return "an end tag that does not close the open element";
            if (!content[top])
                return "an empty element";
            p += strlen(ltc_names[k]) + 3;
            top--;
            content[top] = 1;
            continue;
        }
        int k = 0;
        size_t len = 0;
        if ((len = ltc_link(p, end)) > 0) {
            k = LTC_A;
        } else {
            for (k = 1; k < LTC_A; k++) {
                char tag[16];
                snprintf(tag, sizeof tag, "<%s>", ltc_names[k]);
                if (ltc_prefix(p, end, tag))
                    break;
            }
            if (k == LTC_A)
                return "a tag outside the subset (or an attribute other than href and rel)";
            len = strlen(ltc_names[k]) + 2;
        }
        if (!ltc_allowed(stack[top], k))
            return "an element where HTML does not allow it";
        for (int i = 1; i <= top; i++)
            if (k == LTC_A && stack[i] == LTC_A)
                return "a link in a link";
        if (top >= LIFE_TEXT_DEPTH)
            return "deeper than LIFE_TEXT_DEPTH";
        stack[++top] = k;
        content[top] = 0;
        p += len;
    }
    if (top != 0)
        return "an element left open";
    return NULL;
}

static inline const char *life_text_check_plain(const char *s, size_t n)
{
    if (!gdir_utf8_valid(s, n) || memchr(s, '\0', n))
        return "plain: not valid UTF-8, or a NUL byte";
    if (memchr(s, '\r', n))
        return "plain: a CR";
    return NULL;
}

#endif
