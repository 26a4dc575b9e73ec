/*
 * gdir_address_split.c — a published address (one or several lines, as the sources write it)
 * split into house number, street and complement (gdir_address.h, gdir_address_split).
 *
 * The text is cut into segments at line ends, commas and semicolons; a segment holding only a
 * number joins the next ("12, rue Berne"). The postal part (a postcode and what follows it,
 * CEDEX) is dropped: the postcode and the commune have their own fields. A post-office box
 * (BP, CS, TSA, boîte postale) is a complement, also in the middle of a line ("62 AVENUE DE
 * JASSERON BP 132"). The street is the first segment that starts with a house number and a
 * word, else the first one that starts with a street type (gdir_address_tokenize's
 * GDIR_TOK_TYPE: rue, route, place, lieu-dit…), else the first one that does not name a
 * building (maison, mairie, bâtiment, centre…), which is then a lieu-dit; a leading
 * "Lieu-dit"/"LD" word is removed from it. Every other segment is the complement, in order.
 */
#include "gdir_address.h"
#include "gdir_err.h"
#include "gdir_text.h"

#include <string.h>

#define SEG_MAX 16          /* segments kept apart; the rest stays in the last one */
#define HEAD_MAX 96         /* bytes of a segment folded to read its first words */

struct seg {
    const char *s;
    size_t n;
};

enum seg_kind { SEG_NUMBERED, SEG_TYPED, SEG_BUILDING, SEG_OTHER };

static int is_sep(char c)
{
    return c == '\n' || c == '\r' || c == ',' || c == ';';
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Trims blanks (and trailing '-', '.') around s[0..n). */
static struct seg trim(const char *s, size_t n)
{
    while (n > 0 && is_blank(*s)) {
        s++;
        n--;
    }
    while (n > 0 && (is_blank(s[n - 1]) || s[n - 1] == '-'))
        n--;
    return (struct seg){s, n};
}

/* 1 when s[0..n) starts with the ASCII word w (any case) followed by a non-letter. */
static int starts_word(const char *s, size_t n, const char *w)
{
    size_t k = strlen(w);
    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++)
        if (lower((unsigned char)s[i]) != w[i])
            return 0;
    return k == n || !((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') ||
                       (unsigned char)s[k] >= 0x80);
}

/* Length of a post-office box marker at s ("BP", "B.P.", "CS", "TSA", "boîte postale")
 * followed by a number; 0 otherwise. */
static size_t po_box(const char *s, size_t n)
{
    static const char *const marks[] = {"b.p.", "b.p", "bp", "cs", "tsa", "boite postale",
                                        "bo\xc3\xaete postale"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
        size_t k = strlen(marks[i]), j = k;
        if (!starts_word(s, n, marks[i]))
            continue;
        while (j < n && (s[j] == ' ' || s[j] == '.' || s[j] == ':'))
            j++;
        if (j < n && is_digit((unsigned char)s[j]))
            return k;
    }
    return 0;
}

/* Cuts the postal part off seg: from a 5-digit word or "CEDEX" to the end. A segment that
 * starts with it becomes empty. */
static struct seg cut_postal(struct seg g)
{
    for (size_t i = 0; i < g.n; i++) {
        if (i > 0 && !is_blank(g.s[i - 1]))
            continue;
        size_t d = 0;
        while (i + d < g.n && is_digit((unsigned char)g.s[i + d]))
            d++;
        size_t w = i;               /* the word before: "CS 30001" is a box, not a postcode */
        while (w > 0 && is_blank(g.s[w - 1]))
            w--;
        while (w > 0 && !is_blank(g.s[w - 1]))
            w--;
        int postcode = d == 5 && (i + d == g.n || is_blank(g.s[i + d])) &&
                       !(w < i && po_box(g.s + w, g.n - w));
        if (postcode || starts_word(g.s + i, g.n - i, "cedex"))
            return trim(g.s, i);
    }
    return g;
}

/* The segments of address into segs (at most SEG_MAX); returns their count. */
static size_t segments(const char *address, struct seg *segs)
{
    size_t k = 0;
    const char *p = address;

    while (*p) {
        size_t n = 0;
        while (p[n] && (!is_sep(p[n]) || k == SEG_MAX - 1))
            n++;
        struct seg g = trim(p, n);
        struct gdir_housenumber hn;
        const char *rest;
        /* a number alone joins the next segment: "12, rue Berne" */
        if (g.n && k < SEG_MAX && gdir_address_split_number(g.s, &hn, &rest) &&
            (size_t)(rest - g.s) >= g.n && p[n]) {
            size_t m = n + 1;
            while (p[m] && !is_sep(p[m]))
                m++;
            g = trim(p, m);
            n = m;
        }
        if (g.n && k < SEG_MAX)
            segs[k++] = g;
        p += n;
        p += *p != '\0';
    }
    return k;
}

/* Moves a post-office box in the middle of a segment into a segment of its own. */
static size_t split_boxes(struct seg *segs, size_t k)
{
    for (size_t i = 0; i < k && k < SEG_MAX; i++)
        for (size_t j = 1; j < segs[i].n; j++)
            if (is_blank(segs[i].s[j - 1]) && po_box(segs[i].s + j, segs[i].n - j)) {
                memmove(segs + i + 2, segs + i + 1, (k - i - 1) * sizeof *segs);
                segs[i + 1] = trim(segs[i].s + j, segs[i].n - j);
                segs[i] = trim(segs[i].s, j);
                k++;
                break;
            }
    return k;
}

/* Words that name a building or a service, not a street (folded). */
static int building_word(const char *w, size_t n)
{
    static const char *const words[] = {
        "maison", "mairie", "hotel", "batiment", "bat", "immeuble", "centre", "espace", "pole",
        "bureau", "bureaux", "etage", "appartement", "appt", "escalier", "entree", "porte",
        "local", "salle", "chez", "service", "services", "cabinet", "complexe", "foyer",
        "groupe", "ecole", "college", "lycee", "gymnase", "clinique", "hopital", "ehpad",
        "tour", "agence", "direction", "cs", "bp", "tsa", "boite"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && memcmp(words[i], w, n) == 0)
            return 1;
    return 0;
}

/* What the segment is, from its first words. */
static enum seg_kind kind_of(struct seg g, struct gdir_housenumber *hn, const char **rest)
{
    char head[HEAD_MAX + 1];
    size_t n = g.n < HEAD_MAX ? g.n : HEAD_MAX;
    struct gdir_buf folded;
    struct gdir_addr_tokens toks;
    enum seg_kind kind = SEG_OTHER;

    if (po_box(g.s, g.n))
        return SEG_BUILDING;
    memcpy(head, g.s, n);
    while (n > 0 && n < g.n && ((unsigned char)g.s[n] & 0xC0) == 0x80)
        n--;                                /* never cut a UTF-8 sequence */
    head[n] = '\0';
    if (gdir_address_split_number(head, hn, rest) && **rest && !is_digit((unsigned char)**rest)) {
        *rest = g.s + (*rest - head);
        return SEG_NUMBERED;
    }
    gdir_buf_init(&folded, 4 * HEAD_MAX);
    if (gdir_text_fold(&folded, head) == 0) {
        const char *f = gdir_buf_str(&folded);
        size_t w = strcspn(f, " ");
        gdir_address_tokenize(f, &toks);
        if (building_word(f, w))
            kind = SEG_BUILDING;
        else if (toks.n > 0 && (toks.t[0].flags & GDIR_TOK_TYPE))
            kind = SEG_TYPED;
    }
    gdir_buf_free(&folded);
    return kind;
}

/* The street's text: a leading "Lieu-dit", "Lieudit" or "LD" word is not part of the name. */
static struct seg street_name(struct seg g)
{
    static const char *const marks[] = {"lieu-dit", "lieu dit", "lieudit", "ld"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (starts_word(g.s, g.n, marks[i])) {
            size_t k = strlen(marks[i]);
            while (k < g.n && (is_blank(g.s[k]) || g.s[k] == ':' || g.s[k] == '-'))
                k++;
            if (k < g.n)
                return trim(g.s + k, g.n - k);
        }
    return g;
}

int gdir_address_split(const char *address, struct gdir_address_parts *out,
                       struct gdir_buf *street, struct gdir_buf *complement)
{
    struct seg segs[SEG_MAX];
    enum seg_kind kinds[SEG_MAX];
    struct gdir_housenumber hns[SEG_MAX];
    const char *rests[SEG_MAX];
    size_t k, pick = SEG_MAX;

    memset(out, 0, sizeof *out);
    gdir_buf_reset(street);
    gdir_buf_reset(complement);
    if (!address)
        return GDIR_OK;
    k = split_boxes(segs, segments(address, segs));
    for (size_t i = 0; i < k; i++) {
        segs[i] = cut_postal(segs[i]);
        kinds[i] = segs[i].n ? kind_of(segs[i], &hns[i], &rests[i]) : SEG_BUILDING;
    }
    for (int want = SEG_NUMBERED; want <= SEG_OTHER && pick == SEG_MAX; want++)
        for (size_t i = 0; i < k && pick == SEG_MAX; i++)
            if (segs[i].n && (int)kinds[i] == want && want != SEG_BUILDING)
                pick = i;
    for (size_t i = 0; i < k; i++) {
        if (i == pick) {
            struct seg g = segs[i];
            if (kinds[i] == SEG_NUMBERED) {
                out->has_number = 1;
                out->hn = hns[i];
                g = trim(rests[i], (size_t)(segs[i].s + segs[i].n - rests[i]));
            }
            g = street_name(g);
            gdir_buf_add(street, g.s, g.n);
        } else if (segs[i].n) {
            if (complement->len)
                gdir_buf_adds(complement, ", ");
            gdir_buf_add(complement, segs[i].s, segs[i].n);
        }
    }
    gdir_buf_str(street);
    gdir_buf_str(complement);
    return street->err ? street->err : complement->err;
}
