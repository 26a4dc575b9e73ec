/*
 * life_text.c — the safe text of the daily-life items (life_text.h, docs/vie-locale.md §2).
 *
 * Two stages. The reader turns the input into a stream of events: text (entities decoded),
 * start and end tags of the allowed subset, line breaks, links. An input that holds something
 * that looks like a tag ('<' then a letter, '/', '!' or '?') is read as HTML (white space
 * collapses, comments and dangerous elements are dropped with their content); any other input
 * is read as plain text (blank lines, "- " items, line breaks). Bare http(s) addresses become
 * links in both. The writer keeps a stack of the open elements of the subset, opens the
 * implied ones (a paragraph for text at the top, an item for text in a list), closes what a
 * new block closes, drops stray end tags and start tags beyond LIFE_TEXT_DEPTH, and writes an
 * element only once it holds text, so that the output never has an empty or unclosed element.
 * It writes the canonical HTML (b → strong, i → em) and the plain text at once.
 */
#include "life_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdir_text.h"

enum tag {
    T_NONE, T_P, T_BR, T_A, T_UL, T_OL, T_LI, T_STRONG, T_EM, /* the subset */
    T_BLOCKISH,   /* div, h1, table…: a paragraph break, the tag itself dropped */
    T_OTHER,      /* any other tag: dropped, its text kept */
    T_DROP,       /* script, style…: dropped with its content */
    T_COUNT
};

static const char *const tag_html[] = {"", "p", "br", "a", "ul", "ol", "li", "strong", "em"};

#define HREF_MAX 2048
#define REL " rel=\"nofollow noopener noreferrer\""

struct elem {
    enum tag tag;
    int shown;        /* its start tag was written */
    int items;        /* ul/ol: items written so far (for "1. ") */
    size_t plain_at;  /* a: where its text starts in plain */
    char *href;       /* a: the (decoded, checked) address, owned */
};

struct writer {
    struct gdir_buf *html, *plain;
    struct gdir_buf tmp;            /* scratch: decoded text, attribute values */
    struct gdir_buf run;            /* text not written yet: what stands between two tags */
    struct elem st[LIFE_TEXT_DEPTH + 1];   /* st[0] is the root */
    int n;                          /* index of the top element */
    int ignored[T_COUNT];           /* start tags dropped for depth, per tag */
    int space;                      /* a collapsed white space is pending */
    int brs;                        /* line breaks pending (at most 2) */
    int has_text;                   /* the innermost block holds text */
    int plain_need;                 /* 1: new line, 2: blank line before the next plain text */
    int lines;                      /* HTML without block tags: line feeds count */
    int line_start;                 /* a line began and has had no text yet */
    int line_tagged;                /* the current line has markup */
    size_t plain0;                  /* where our plain text starts in plain */
    int rc;
};

/* ---- UTF-8 and output helpers ---------------------------------------------------------- */

/* The length of the UTF-8 sequence its lead byte c announces. */
static size_t seq_len(unsigned char c)
{
    return c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
}

/* Checks the input: size, NUL bytes, UTF-8. 0 or the error with its byte position. */
static int check_input(const char *text, size_t len, const char *what, struct gdir_err *err)
{
    if (len > LIFE_TEXT_MAX)
        return gdir_err_set_param(err, GDIR_ETOOBIG, what, "%s : %u octets au plus.", what,
                                  LIFE_TEXT_MAX);
    for (size_t i = 0; i < len;) {
        size_t l = seq_len((unsigned char)text[i]);
        if (text[i] == '\0')
            return gdir_err_set_param(err, GDIR_EFORMAT, what, "%s : caractère NUL (octet %zu).",
                                      what, i);
        if (l > len - i || !gdir_utf8_valid(text + i, l))
            return gdir_err_set_param(err, GDIR_EFORMAT, what,
                                      "%s : texte UTF-8 invalide (octet %zu).", what, i);
        i += l;
    }
    return 0;
}

/* Appends s[0..n) escaped for HTML text (attr: also quotes). */
static void esc(struct gdir_buf *b, const char *s, size_t n, int attr)
{
    size_t from = 0;

    if (!b)
        return;
    for (size_t i = 0; i < n; i++) {
        const char *r = NULL;
        switch (s[i]) {
        case '&': r = "&amp;"; break;
        case '<': r = "&lt;"; break;
        case '>': r = "&gt;"; break;
        case '"': r = attr ? "&quot;" : NULL; break;
        case '\'': r = attr ? "&#39;" : NULL; break;
        default: break;
        }
        if (r) {
            gdir_buf_add(b, s + from, i - from);
            gdir_buf_adds(b, r);
            from = i + 1;
        }
    }
    gdir_buf_add(b, s + from, n - from);
}

static void add(struct gdir_buf *b, const char *s, size_t n)
{
    if (b)
        gdir_buf_add(b, s, n);
}

static void adds(struct gdir_buf *b, const char *s)
{
    if (b)
        gdir_buf_adds(b, s);
}

/* ---- entities ---------------------------------------------------------------------------- */

static const struct { const char *name; unsigned cp; } entities[] = {
    {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"nbsp", 0xA0},
    {"colon", ':'}, {"Tab", '\t'}, {"NewLine", '\n'}, {"lpar", '('}, {"rpar", ')'},
    {"sol", '/'}, {"semi", ';'}, {"comma", ','}, {"period", '.'}, {"excl", '!'},
    {"quest", '?'}, {"num", '#'}, {"commat", '@'}, {"equals", '='}, {"percnt", '%'},
    {"eacute", 0xE9}, {"egrave", 0xE8}, {"ecirc", 0xEA}, {"euml", 0xEB}, {"agrave", 0xE0},
    {"acirc", 0xE2}, {"auml", 0xE4}, {"ccedil", 0xE7}, {"icirc", 0xEE}, {"iuml", 0xEF},
    {"ocirc", 0xF4}, {"ouml", 0xF6}, {"ugrave", 0xF9}, {"ucirc", 0xFB}, {"uuml", 0xFC},
    {"yuml", 0xFF}, {"Eacute", 0xC9}, {"Egrave", 0xC8}, {"Ecirc", 0xCA}, {"Agrave", 0xC0},
    {"Acirc", 0xC2}, {"Ccedil", 0xC7}, {"Icirc", 0xCE}, {"Ocirc", 0xD4}, {"Ucirc", 0xDB},
    {"oelig", 0x153}, {"OElig", 0x152}, {"aelig", 0xE6}, {"AElig", 0xC6}, {"laquo", 0xAB},
    {"raquo", 0xBB}, {"hellip", 0x2026}, {"rsquo", 0x2019}, {"lsquo", 0x2018},
    {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"ndash", 0x2013}, {"mdash", 0x2014},
    {"euro", 0x20AC}, {"copy", 0xA9}, {"reg", 0xAE}, {"deg", 0xB0}, {"middot", 0xB7},
    {"bull", 0x2022}, {"shy", 0xAD}, {"times", 0xD7}, {"sup2", 0xB2}, {"frac12", 0xBD},
    {"thinsp", 0x2009}, {"ensp", 0x2002}, {"emsp", 0x2003}, {"zwnj", 0x200C},
    {"zwj", 0x200D}, {"NoBreak", 0x2060},
};

/* Decodes the character reference at s ('&', n bytes left) into *cp; returns its length,
 * or 0 when it is not one (the '&' is then text). */
static size_t entity(const char *s, size_t n, unsigned *cp)
{
    size_t i = 1;

    if (n > 2 && s[1] == '#') {
        int hex = n > 3 && (s[2] == 'x' || s[2] == 'X');
        unsigned long v = 0;
        size_t d0 = i = hex ? 3 : 2;
        for (; i < n; i++) {
            int c = (unsigned char)s[i], dv;
            if (c >= '0' && c <= '9')
                dv = c - '0';
            else if (hex && c >= 'a' && c <= 'f')
                dv = c - 'a' + 10;
            else if (hex && c >= 'A' && c <= 'F')
                dv = c - 'A' + 10;
            else
                break;
            if (v < 0x110000)
                v = v * (hex ? 16 : 10) + (unsigned long)dv;
        }
        if (i == d0)
            return 0;
        if (i < n && s[i] == ';')
            i++;
        if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || (v >= 0x80 && v < 0xA0))
            v = 0xFFFD;
        *cp = (unsigned)v;
        return i;
    }
    while (i < n && i < 12 && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                               (s[i] >= '0' && s[i] <= '9')))
        i++;
    for (size_t k = 0; k < sizeof entities / sizeof entities[0]; k++) {
        size_t l = strlen(entities[k].name);
        if (l == i - 1 && memcmp(s + 1, entities[k].name, l) == 0) {
            *cp = entities[k].cp;
            return i < n && s[i] == ';' ? i + 1 : i;
        }
    }
    return 0;
}

/* Appends s[0..n) to b with the character references decoded and the control characters
 * other than tab and line feed dropped (a CR becomes a line feed). */
static void decode(struct gdir_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        unsigned cp;
        size_t l;
        if (c == '&' && (l = entity(s + i, n - i, &cp)) > 0) {
            if (cp >= 0x20 || cp == '\t' || cp == '\n')
                gdir_utf8_put(b, cp == 0x7F ? 0xFFFD : cp);
            i += l;
            continue;
        }
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] < 0xA0) {
            i += 2;                     /* a C1 control character (U+0080..U+009F) */
            continue;
        }
        if (c == '\r')
            gdir_buf_addc(b, '\n');
        else if (c >= 0x20 && c != 0x7F)
            gdir_buf_addc(b, (char)c);
        else if (c == '\t' || c == '\n')
            gdir_buf_addc(b, (char)c);
        i++;
    }
}

/* ---- links ----------------------------------------------------------------------------- */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int prefix_ci(const char *s, size_t n, const char *p)
{
    size_t l = strlen(p);
    if (n < l)
        return 0;
    for (size_t i = 0; i < l; i++)
        if (lower((unsigned char)s[i]) != p[i])
            return 0;
    return 1;
}

/* Cleans a decoded address into out (NUL-terminated): white space and control characters
 * removed, the scheme in lower case. 1 when it is an http:, https: or mailto: address. */
static int href_clean(const char *s, size_t n, char *out, size_t cap)
{
    static const char *const schemes[] = {"http://", "https://", "mailto:"};
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7F)
            continue;
        if (o + 1 >= cap)
            return 0;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    for (size_t k = 0; k < 3; k++) {
        size_t l = strlen(schemes[k]);
        if (prefix_ci(out, o, schemes[k]) && o > l) {
            for (size_t i = 0; i < l; i++)
                out[i] = (char)lower((unsigned char)out[i]);
            return 1;
        }
    }
    return 0;
}

/* ---- the writer ------------------------------------------------------------------------ */

static int is_inline(enum tag t)
{
    return t == T_A || t == T_STRONG || t == T_EM;
}

static int is_block(enum tag t)
{
    return t == T_P || t == T_LI;
}

static void plain_flush(struct writer *w)
{
    if (w->plain && w->plain->len > w->plain0) {
        if (w->plain_need >= 2)
            adds(w->plain, "\n\n");
        else if (w->plain_need == 1)
            adds(w->plain, "\n");
    }
    w->plain_need = 0;
}

static void need(struct writer *w, int k)
{
    if (w->plain_need < k)
        w->plain_need = k;
}

/* Lists between the root and st[i] (for the indentation of nested items). */
static int list_depth(const struct writer *w, int i)
{
    int d = 0;
    for (int k = 1; k <= i; k++)
        d += w->st[k].tag == T_UL || w->st[k].tag == T_OL;
    return d;
}

/* The number of open elements written (they are st[1..k], the others above them). */
static int shown_top(const struct writer *w)
{
    int k = 0;
    while (k < w->n && w->st[k + 1].shown)
        k++;
    return k;
}

/* The length of the bare http(s) address at s[i] (n bytes), or 0. */
static size_t bare_url(const char *s, size_t n, size_t i, char *href, size_t cap)
{
    size_t j = i, end;

    if (!(prefix_ci(s + i, n - i, "http://") || prefix_ci(s + i, n - i, "https://")))
        return 0;
    if (i > 0 && ((s[i - 1] >= 'a' && s[i - 1] <= 'z') || (s[i - 1] >= 'A' && s[i - 1] <= 'Z') ||
                  (s[i - 1] >= '0' && s[i - 1] <= '9')))
        return 0;
    while (j < n && (unsigned char)s[j] > 0x20 && s[j] != '<' && s[j] != '>' && s[j] != '"' &&
           s[j] != '\'' && s[j] != '`' && (unsigned char)s[j] != 0x7F)
        j++;
    end = j;
    while (end > i && strchr(".,;:!?)]}", s[end - 1]))
        end--;
    if (end - i < 9 || end - i >= cap || !href_clean(s + i, end - i, href, cap))
        return 0;
    return end - i;
}

/* Writes the pending text: escaped, its bare http(s) addresses made links (not in a link,
 * nor beyond LIFE_TEXT_DEPTH). A run is exactly a text node of the output, so that the output
 * read again gives the same links. */
static void flush_run(struct writer *w)
{
    const char *s = gdir_buf_str(&w->run);
    size_t n = w->run.len, from = 0, i = 0;
    int top = shown_top(w), linkify = top < LIFE_TEXT_DEPTH;
    char href[HREF_MAX];

    for (int k = 1; k <= top; k++)
        linkify &= w->st[k].tag != T_A;
    while (linkify && i < n) {
        size_t l = bare_url(s, n, i, href, sizeof href);
        if (!l) {
            i++;
            continue;
        }
        esc(w->html, s + from, i - from, 0);
        add(w->plain, s + from, i - from);
        adds(w->html, "<a href=\"");
        esc(w->html, href, strlen(href), 1);
        adds(w->html, "\"" REL ">");
        esc(w->html, s + i, l, 0);
        adds(w->html, "</a>");
        add(w->plain, s + i, l);
        from = i = i + l;
    }
    esc(w->html, s + from, n - from, 0);
    add(w->plain, s + from, n - from);
    gdir_buf_reset(&w->run);
}

/* Writes the start tags of the open elements not written yet (st[1..n]). */
static void show(struct writer *w)
{
    if (shown_top(w) < w->n)
        flush_run(w);
    for (int i = 1; i <= w->n; i++) {
        struct elem *e = &w->st[i];
        if (e->shown)
            continue;
        e->shown = 1;
        if (e->tag == T_A) {
            adds(w->html, "<a href=\"");
            esc(w->html, e->href, strlen(e->href), 1);
            adds(w->html, "\"" REL ">");
            e->plain_at = w->plain ? w->plain->len : 0;
            continue;
        }
        adds(w->html, "<");
        adds(w->html, tag_html[e->tag]);
        adds(w->html, ">");
        if ((e->tag == T_UL || e->tag == T_OL) && i == 1)
            need(w, 2);        /* written with the first item */
        if (e->tag == T_P) {
            need(w, 2);
            plain_flush(w);    /* before a link's text starts */
        }
        if (e->tag == T_LI) {
            struct elem *list = &w->st[i - 1];
            char num[16];
            need(w, 1);
            plain_flush(w);
            for (int d = list_depth(w, i) - 1; d > 0; d--)
                adds(w->plain, "  ");
            list->items++;
            if (list->tag == T_OL) {
                snprintf(num, sizeof num, "%d. ", list->items);
                adds(w->plain, num);
            } else {
                adds(w->plain, "- ");
            }
        }
    }
}

/* Closes the top element. */
static void pop(struct writer *w)
{
    struct elem *e = &w->st[w->n];

    if (e->shown) {
        flush_run(w);
        if (e->tag == T_A && w->plain) {
            const char *h = e->href;
            size_t tl = w->plain->len - e->plain_at;
            const char *t = w->plain->data ? w->plain->data + e->plain_at : "";
            if (prefix_ci(h, strlen(h), "mailto:"))
                h += 7;
            if (!(tl == strlen(h) && memcmp(t, h, tl) == 0)) {
                adds(w->plain, " (");
                adds(w->plain, e->href);
                adds(w->plain, ")");
            }
        }
        adds(w->html, "</");
        adds(w->html, tag_html[e->tag]);
        adds(w->html, ">");
    }
    if (is_block(e->tag)) {
        w->space = 0;
        w->brs = 0;
        w->has_text = 0;
    }
    if (e->tag == T_A && e->href) {
        free(e->href);
        e->href = NULL;
    }
    w->n--;
}

static int push(struct writer *w, enum tag t, const char *href)
{
    int room = (t == T_UL || t == T_OL) ? 2 : 1;

    if (w->n + room > LIFE_TEXT_DEPTH) {
        w->ignored[t]++;
        return 0;
    }
    w->n++;
    memset(&w->st[w->n], 0, sizeof w->st[w->n]);
    w->st[w->n].tag = t;
    if (href) {
        w->st[w->n].href = strdup(href);
        if (!w->st[w->n].href) {
            w->rc = GDIR_ENOMEM;
            w->n--;
            return 0;
        }
    }
    if (is_block(t)) {
        w->has_text = 0;
        w->space = 0;
        w->brs = 0;
    }
    return 1;
}

static void pop_inlines(struct writer *w)
{
    while (w->n > 0 && is_inline(w->st[w->n].tag))
        pop(w);
}

/* Makes the top element one that holds text (opening a paragraph or an item). */
static void inline_context(struct writer *w)
{
    enum tag top = w->st[w->n].tag;
    if (w->n == 0)
        push(w, T_P, NULL);
    else if (top == T_UL || top == T_OL)
        push(w, T_LI, NULL);
}

/* Text (decoded, valid UTF-8); collapse: white space runs become one space. It waits in
 * run until a tag is written. */
static void text(struct writer *w, const char *s, size_t n, int collapse)
{
    size_t i = 0;

    while (i < n) {
        size_t j = i;
        if (collapse && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\f')) {
            while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\f'))
                i++;
            w->space = 1;
            continue;
        }
        while (j < n &&
               !(collapse && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\f')))
            j++;
        inline_context(w);
        if (w->has_text && w->brs) {
            flush_run(w);
            for (int k = 0; k < w->brs; k++) {
                adds(w->html, "<br>");
                adds(w->plain, "\n");
            }
        } else if (w->has_text && w->space) {
            /* the space goes before the start tags not written yet */
            gdir_buf_addc(&w->run, ' ');
        }
        w->brs = 0;
        w->space = 0;
        show(w);
        plain_flush(w);
        gdir_buf_add(&w->run, s + i, j - i);
        w->has_text = 1;
        i = j;
    }
    if (w->run.err)
        w->rc = w->run.err;
}

static void line_break(struct writer *w)
{
    if (w->has_text && w->brs < 2)
        w->brs++;
    w->space = 0;
}

/* A paragraph break (a blank line, or a div, h1…): closes the paragraph, or breaks the line
 * in an item. */
static void para_break(struct writer *w)
{
    pop_inlines(w);
    if (w->n > 0 && w->st[w->n].tag == T_P)
        pop(w);
    else if (w->n > 0 && w->st[w->n].tag == T_LI)
        line_break(w);
}

static void start_block(struct writer *w, enum tag t)
{
    pop_inlines(w);
    if (w->n > 0 && w->st[w->n].tag == T_P)
        pop(w);
    if (t == T_P) {
        if (w->n == 0)
            push(w, T_P, NULL);
        else {                   /* a paragraph inside an item: a line of the item */
            w->ignored[T_P]++;
            line_break(w);
        }
        return;
    }
    if (t == T_LI) {
        if (w->n > 0 && w->st[w->n].tag == T_LI)
            pop(w);
        if (w->n == 0 || w->st[w->n].tag == T_LI)
            push(w, T_UL, NULL);
        if (w->st[w->n].tag == T_UL || w->st[w->n].tag == T_OL)
            push(w, T_LI, NULL);
        else
            w->ignored[T_LI]++;
        return;
    }
    /* ul / ol: at the top, in an item, or (a list in a list) in a new item */
    if (w->n > 0 && (w->st[w->n].tag == T_UL || w->st[w->n].tag == T_OL))
        push(w, T_LI, NULL);
    push(w, t, NULL);
}

static void start_tag(struct writer *w, enum tag t, const char *href)
{
    switch (t) {
    case T_P: case T_UL: case T_OL: case T_LI:
        start_block(w, t);
        break;
    case T_BR:
        line_break(w);
        break;
    case T_BLOCKISH:
        para_break(w);
        break;
    case T_A:
        for (int i = 1; i <= w->n; i++)
            if (w->st[i].tag == T_A) {   /* no link in a link */
                w->ignored[T_A]++;
                return;
            }
        if (!href) {
            w->ignored[T_A]++;           /* refused address: the text stays, unlinked */
            return;
        }
        inline_context(w);
        push(w, T_A, href);
        break;
    case T_STRONG: case T_EM:
        inline_context(w);
        push(w, t, NULL);
        break;
    default:
        break;
    }
}

static void end_tag(struct writer *w, enum tag t)
{
    if (t == T_BR) {
        line_break(w);
        return;
    }
    if (t == T_BLOCKISH) {
        para_break(w);
        return;
    }
    if (t <= T_NONE || t >= T_BLOCKISH)
        return;
    if (w->ignored[t] > 0) {
        w->ignored[t]--;
        if (t == T_P)
            line_break(w);
        return;
    }
    for (int i = w->n; i > 0; i--) {
        if (w->st[i].tag == t) {
            while (w->n >= i)
                pop(w);
            return;
        }
    }
}

/* ---- the HTML reader ------------------------------------------------------------------- */

static const struct { const char *name; enum tag tag; } tags[] = {
    {"p", T_P}, {"br", T_BR}, {"a", T_A}, {"ul", T_UL}, {"ol", T_OL}, {"li", T_LI},
    {"strong", T_STRONG}, {"b", T_STRONG}, {"em", T_EM}, {"i", T_EM},
    {"div", T_BLOCKISH}, {"h1", T_BLOCKISH}, {"h2", T_BLOCKISH}, {"h3", T_BLOCKISH},
    {"h4", T_BLOCKISH}, {"h5", T_BLOCKISH}, {"h6", T_BLOCKISH}, {"blockquote", T_BLOCKISH},
    {"section", T_BLOCKISH}, {"article", T_BLOCKISH}, {"header", T_BLOCKISH},
    {"footer", T_BLOCKISH}, {"nav", T_BLOCKISH}, {"main", T_BLOCKISH}, {"aside", T_BLOCKISH},
    {"address", T_BLOCKISH}, {"figure", T_BLOCKISH}, {"figcaption", T_BLOCKISH},
    {"table", T_BLOCKISH}, {"tr", T_BLOCKISH}, {"dl", T_BLOCKISH}, {"dt", T_BLOCKISH},
    {"dd", T_BLOCKISH}, {"hr", T_BLOCKISH}, {"pre", T_BLOCKISH}, {"center", T_BLOCKISH},
    {"details", T_BLOCKISH}, {"summary", T_BLOCKISH}, {"form", T_BLOCKISH},
    {"fieldset", T_BLOCKISH},
    {"script", T_DROP}, {"style", T_DROP}, {"iframe", T_DROP}, {"object", T_DROP},
    {"svg", T_DROP}, {"math", T_DROP}, {"template", T_DROP}, {"noscript", T_DROP},
    {"textarea", T_DROP}, {"title", T_DROP}, {"xmp", T_DROP}, {"noembed", T_DROP},
    {"noframes", T_DROP}, {"plaintext", T_DROP}, {"head", T_DROP}, {"select", T_DROP},
    {"applet", T_DROP}, {"frameset", T_DROP}, {"video", T_DROP}, {"audio", T_DROP},
    {"canvas", T_DROP}, {"button", T_DROP}, {"option", T_DROP},
};

/* Elements whose content is raw text: they end at the first matching end tag. */
static int raw_text(const char *name)
{
    static const char *const raw[] = {"script", "style", "iframe", "noscript", "textarea",
                                      "title", "xmp", "noembed", "noframes", "plaintext"};
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++)
        if (strcmp(name, raw[i]) == 0)
            return 1;
    return 0;
}

static int name_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == ':' || c == '_';
}

static int space_char(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Reads a tag name at s[*i] into name (lower case, cut at 15 bytes), advancing *i. */
static void tag_name(const char *s, size_t n, size_t *i, char name[16])
{
    size_t k = 0;
    while (*i < n && name_char((unsigned char)s[*i])) {
        if (k < 15)
            name[k++] = (char)lower((unsigned char)s[*i]);
        (*i)++;
    }
    name[k] = '\0';
}

static enum tag lookup(const char *name)
{
    for (size_t k = 0; k < sizeof tags / sizeof tags[0]; k++)
        if (strcmp(name, tags[k].name) == 0)
            return tags[k].tag;
    return T_OTHER;
}

/* Reads the attributes of a start tag from s[*i] up to and past its '>'; the value of the
 * first href in [*h0, *h1) (*h0 = *h1 = 0 when none). 0 when the input ends inside the tag. */
static int attributes(const char *s, size_t n, size_t *i, size_t *h0, size_t *h1)
{
    size_t p = *i;
    int have = 0;

    *h0 = *h1 = 0;
    for (;;) {
        size_t a0, a1, v0, v1;
        while (p < n && (space_char((unsigned char)s[p]) || s[p] == '/'))
            p++;
        if (p >= n)
            return 0;
        if (s[p] == '>') {
            *i = p + 1;
            return 1;
        }
        a0 = p;
        do     /* an attribute name may start with '=' (HTML), never with space, '/', '>' */
            p++;
        while (p < n && !space_char((unsigned char)s[p]) && s[p] != '/' && s[p] != '>' &&
               s[p] != '=');
        a1 = p;
        while (p < n && space_char((unsigned char)s[p]))
            p++;
        v0 = v1 = p;
        if (p < n && s[p] == '=') {
            p++;
            while (p < n && space_char((unsigned char)s[p]))
                p++;
            if (p < n && (s[p] == '"' || s[p] == '\'')) {
                const char *q = memchr(s + p + 1, s[p], n - p - 1);
                if (!q)
                    return 0;
                v0 = p + 1;
                v1 = (size_t)(q - s);
                p = v1 + 1;
            } else {
                v0 = p;
                while (p < n && !space_char((unsigned char)s[p]) && s[p] != '>')
                    p++;
                v1 = p;
            }
        }
        if (!have && a1 - a0 == 4 && prefix_ci(s + a0, 4, "href")) {
            have = 1;
            *h0 = v0;
            *h1 = v1;
        }
    }
}

static const char *find_ci(const char *s, size_t n, const char *needle)
{
    size_t l = strlen(needle);
    for (size_t i = 0; i + l <= n; i++)
        if (prefix_ci(s + i, n - i, needle))
            return s + i;
    return NULL;
}

/* Skips the content of a dropped element (name) from s[i]: returns the index after its end
 * tag, or n. */
static size_t skip_element(const char *s, size_t n, size_t i, const char *name)
{
    size_t l = strlen(name);
    int depth = 1, raw = raw_text(name);

    while (i < n) {
        const char *lt = memchr(s + i, '<', n - i);
        size_t p;
        if (!lt)
            return n;
        p = (size_t)(lt - s) + 1;
        if (p < n && s[p] == '/' && prefix_ci(s + p + 1, n - p - 1, name) &&
            (p + 1 + l >= n || !name_char((unsigned char)s[p + 1 + l]))) {
            if (--depth == 0) {
                const char *gt = memchr(s + p, '>', n - p);
                return gt ? (size_t)(gt - s) + 1 : n;
            }
        } else if (!raw && prefix_ci(s + p, n - p, name) &&
                   (p + l >= n || !name_char((unsigned char)s[p + l]))) {
            depth++;
        }
        i = p;
    }
    return n;
}

/* Decodes s[0..n) and hands it to the writer. */
static void emit_text(struct writer *w, const char *s, size_t n, int collapse)
{
    if (!n)
        return;
    gdir_buf_reset(&w->tmp);
    decode(&w->tmp, s, n);
    if (w->tmp.err) {
        w->rc = w->tmp.err;
        return;
    }
    text(w, gdir_buf_str(&w->tmp), w->tmp.len, collapse);
}

/* A start tag at s[i] ('<' then a letter): returns the index after it (n when the input
 * ends inside it, which drops it). */
static size_t start_tag_at(struct writer *w, const char *s, size_t n, size_t i)
{
    char name[16], href[HREF_MAX];
    size_t h0, h1;
    enum tag t;

    i++;
    tag_name(s, n, &i, name);
    if (!attributes(s, n, &i, &h0, &h1))
        return n;
    t = lookup(name);
    if (t == T_DROP)
        return skip_element(s, n, i, name);
    if (t == T_A) {
        int ok = 0;
        if (h1 > h0 && h1 - h0 < HREF_MAX) {
            gdir_buf_reset(&w->tmp);
            decode(&w->tmp, s + h0, h1 - h0);
            ok = !w->tmp.err && href_clean(gdir_buf_str(&w->tmp), w->tmp.len, href, sizeof href);
        }
        start_tag(w, T_A, ok ? href : NULL);
    } else {
        start_tag(w, t, NULL);
    }
    return i;
}

/* Handles the markup at s[i] == '<'; returns the index after it, or i when it is text. */
static size_t markup_at(struct writer *w, const char *s, size_t n, size_t i)
{
    const char *end;
    char name[16];
    size_t p = i + 1;

    if (p >= n)
        return i;
    if ((s[p] >= 'a' && s[p] <= 'z') || (s[p] >= 'A' && s[p] <= 'Z'))
        return start_tag_at(w, s, n, i);
    if (s[p] == '!' && prefix_ci(s + p, n - p, "!--")) {
        if (prefix_ci(s + p, n - p, "!-->"))
            return p + 4;
        if (prefix_ci(s + p, n - p, "!--->"))
            return p + 5;
        end = find_ci(s + p + 3, n - p - 3, "-->");
        return end ? (size_t)(end - s) + 3 : n;
    }
    if (s[p] == '!' && prefix_ci(s + p, n - p, "![cdata[")) {
        end = find_ci(s + p, n - p, "]]>");
        return end ? (size_t)(end - s) + 3 : n;
    }
    if (s[p] == '/' && p + 1 < n &&
        ((s[p + 1] >= 'a' && s[p + 1] <= 'z') || (s[p + 1] >= 'A' && s[p + 1] <= 'Z'))) {
        p++;
        tag_name(s, n, &p, name);
        end = memchr(s + p, '>', n - p);
        if (!end)
            return n;
        end_tag(w, lookup(name));
        return (size_t)(end - s) + 1;
    }
    if (s[p] == '!' || s[p] == '?' || s[p] == '/') {   /* bogus comment, "</>" */
        end = memchr(s + p, '>', n - p);
        return end ? (size_t)(end - s) + 1 : n;
    }
    return i;
}

/* ---- lines: plain text, and HTML without block tags ----------------------------------- */

static void pop_all(struct writer *w)
{
    while (w->n > 0)
        pop(w);
}

/* The innermost open block (p or li), or T_NONE. */
static enum tag block(const struct writer *w)
{
    for (int i = w->n; i > 0; i--)
        if (!is_inline(w->st[i].tag))
            return w->st[i].tag;
    return T_NONE;
}

/* The start of a line: s[0..n) is its text up to its end or its first tag (blank: the line
 * holds nothing else). A blank line ends the paragraph or the list, "- " or "* " starts an
 * item, a line not indented after an item ends the list, any other line breaks the line. */
static void line_start(struct writer *w, const char *s, size_t n, int blank)
{
    size_t i = 0;

    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == n && blank) {
        pop_all(w);
        return;
    }
    if (i + 1 < n && (s[i] == '-' || s[i] == '*') && (s[i + 1] == ' ' || s[i + 1] == '\t')) {
        pop_inlines(w);
        if (w->n > 0 && w->st[w->n].tag == T_LI)
            pop(w);
        if (w->n > 0 && w->st[w->n].tag != T_UL)
            pop_all(w);
        if (w->n == 0)
            push(w, T_UL, NULL);
        push(w, T_LI, NULL);
        emit_text(w, s + i + 2, n - i - 2, 1);
        return;
    }
    if (block(w) == T_LI && i == 0)
        pop_all(w);
    line_break(w);
    emit_text(w, s + i, n - i, 1);
}

/* Text between tags of an HTML input without block tags: its line feeds are read as in
 * plain text (w->line_start: a line began and has had no text yet). */
static void html_text(struct writer *w, const char *s, size_t n)
{
    size_t i = 0;

    if (!w->lines) {
        emit_text(w, s, n, 1);
        return;
    }
    while (i < n && !w->rc) {
        size_t j = i, k;
        int more;
        while (j < n && s[j] != '\n' && s[j] != '\r')
            j++;
        more = j < n;
        for (k = i; k < j && (s[k] == ' ' || s[k] == '\t'); k++)
            ;
        if (!w->line_start)
            emit_text(w, s + i, j - i, 1);
        else if (k < j) {
            line_start(w, s + i, j - i, 0);
            w->line_start = 0;
        } else if (more && !w->line_tagged) {
            line_start(w, s + i, j - i, 1);   /* a blank line */
        }
        if (!more)
            break;
        if (j + 1 < n && s[j] == '\r' && s[j + 1] == '\n')
            j++;
        w->line_start = 1;
        w->line_tagged = 0;
        i = j + 1;
        if (i == n)
            break;
    }
}

/* Whether the HTML input has a block tag (p, br, lists, div…): else its lines count. */
static int has_block_tags(const char *s, size_t n)
{
    for (const char *p = s; (p = memchr(p, '<', n - (size_t)(p - s))) != NULL;) {
        size_t i = (size_t)(p - s) + 1;
        char name[16];
        if (i < n && s[i] == '/')
            i++;
        tag_name(s, n, &i, name);
        enum tag t = lookup(name);
        if (t == T_P || t == T_BR || t == T_UL || t == T_OL || t == T_LI || t == T_BLOCKISH)
            return 1;
        p = s + i;
        if (i >= n)
            break;
    }
    return 0;
}

static void read_html(struct writer *w, const char *s, size_t n)
{
    size_t i = 0, from = 0;

    while (i < n && !w->rc) {
        size_t next;
        if (s[i] != '<') {
            i++;
            continue;
        }
        html_text(w, s + from, i - from);
        next = markup_at(w, s, n, i);
        if (next == i) {      /* a '<' that is text */
            from = i;
            i++;
            continue;
        }
        w->line_tagged = 1;   /* a line with markup is not blank */
        from = i = next;
    }
    html_text(w, s + from, n - from);
}

/* ---- the plain text reader ------------------------------------------------------------- */

static void read_plain(struct writer *w, const char *s, size_t n)
{
    size_t i = 0;

    while (i <= n && !w->rc) {
        size_t j = i;
        while (j < n && s[j] != '\n' && s[j] != '\r')
            j++;
        line_start(w, s + i, j - i, 1);
        if (j + 1 < n && s[j] == '\r' && s[j + 1] == '\n')
            j++;
        i = j + 1;
    }
}

static int looks_like_html(const char *s, size_t n)
{
    for (const char *p = s; (p = memchr(p, '<', n - (size_t)(p - s))) != NULL; p++) {
        int c = p + 1 < s + n ? (unsigned char)p[1] : 0;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '!' || c == '?')
            return 1;
        if (p + 1 >= s + n)
            break;
    }
    return 0;
}

int life_text_sanitise(const char *text, size_t len, struct gdir_buf *html, struct gdir_buf *plain,
                       struct gdir_err *err)
{
    struct writer w;
    int rc;

    gdir_err_clear(err);
    rc = check_input(text, len, "text", err);
    if (rc)
        return rc;
    memset(&w, 0, sizeof w);
    w.html = html;
    w.plain = plain;
    w.plain0 = plain ? plain->len : 0;
    gdir_buf_init(&w.tmp, 0);
    gdir_buf_init(&w.run, 0);
    w.line_start = 1;
    if (looks_like_html(text, len)) {
        w.lines = !has_block_tags(text, len);
        read_html(&w, text, len);
    }
    else
        read_plain(&w, text, len);
    pop_all(&w);
    rc = w.rc;
    if (!rc && html && html->err)
        rc = html->err;
    if (!rc && plain && plain->err)
        rc = plain->err;
    gdir_buf_free(&w.tmp);
    gdir_buf_free(&w.run);
    if (rc)
        return gdir_err_set_param(err, rc, "text", "text : %s.",
                                  rc == GDIR_ENOMEM ? "mémoire insuffisante" : "texte trop long");
    return 0;
}

int life_text_line(const char *text, size_t len, size_t max, struct gdir_buf *out,
                   struct gdir_err *err)
{
    size_t start = out->len, i = 0;
    int space = 0, rc;

    gdir_err_clear(err);
    rc = check_input(text, len, "title", err);
    if (rc)
        return rc;
    while (i < len) {
        const char *q = text + i;
        unsigned cp = gdir_utf8_next(&q);     /* valid: checked above */
        size_t l = (size_t)(q - (text + i));
        int blank = cp <= 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0x2028 || cp == 0x2029;
        if (blank) {
            space = out->len > start;
        } else {
            if (space)
                gdir_buf_addc(out, ' ');
            space = 0;
            gdir_buf_add(out, text + i, l);
        }
        i += l;
    }
    if (out->err)
        return gdir_err_set_param(err, out->err, "title", "title : %s.",
                                  out->err == GDIR_ENOMEM ? "mémoire insuffisante"
                                                          : "titre trop long");
    if (max && out->len - start > max)
        return gdir_err_set_param(err, GDIR_ETOOBIG, "title", "title : %zu octets au plus.",
                                  max);
    return 0;
}
