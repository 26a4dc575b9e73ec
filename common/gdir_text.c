/*
 * gdir_text.c — UTF-8 validation, Latin-1 conversion, folding for search keys.
 */
#include "gdir_text.h"
#include "gdir_err.h"

#include <stdlib.h>
#include <string.h>

int gdir_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        unsigned c = *p;
        if (c < 0x80) {
            p++;
            continue;
        }
        size_t len;
        unsigned cp, min;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2; cp = c & 0x1F; min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3; cp = c & 0x0F; min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4; cp = c & 0x07; min = 0x10000;
        } else {
            return 0;
        }
        if ((size_t)(end - p) < len)
            return 0;
        for (size_t i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        p += len;
    }
    return 1;
}

unsigned gdir_utf8_next(const char **pp)
{
    const unsigned char *p = (const unsigned char *)*pp;
    unsigned c = *p, cp;
    size_t len;
    if (c < 0x80) {
        *pp += 1;
        return c;
    }
    if (c < 0xE0) {
        len = 2; cp = c & 0x1F;
    } else if (c < 0xF0) {
        len = 3; cp = c & 0x0F;
    } else {
        len = 4; cp = c & 0x07;
    }
    /* Never step over the terminating NUL, even on a truncated or invalid sequence: stop at
     * the first byte that is not a continuation byte and return U+FFFD for the fragment. */
    size_t i = 1;
    for (; i < len && (p[i] & 0xC0) == 0x80; i++)
        cp = (cp << 6) | (p[i] & 0x3F);
    *pp += i;
    return i == len ? cp : 0xFFFD;
}

int gdir_utf8_put(struct gdir_buf *b, unsigned cp)
{
    char out[4];
    size_t n;
    if (cp < 0x80) {
        out[0] = (char)cp; n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F)); n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    return gdir_buf_add(b, out, n);
}

int gdir_latin1_to_utf8(struct gdir_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = gdir_utf8_put(b, (unsigned char)s[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* Folding of U+00C0..U+017F to ASCII: one or two letters, "" for no letter. */
static const char *const fold_latin[] = {
    /* C0 */ "a","a","a","a","a","a","ae","c","e","e","e","e","i","i","i","i",
    /* D0 */ "d","n","o","o","o","o","o","", "o","u","u","u","u","y","th","ss",
    /* E0 */ "a","a","a","a","a","a","ae","c","e","e","e","e","i","i","i","i",
    /* F0 */ "d","n","o","o","o","o","o","", "o","u","u","u","u","y","th","y",
    /* 100 */ "a","a","a","a","a","a","c","c","c","c","c","c","c","c","d","d",
    /* 110 */ "d","d","e","e","e","e","e","e","e","e","e","e","g","g","g","g",
    /* 120 */ "g","g","g","g","h","h","h","h","i","i","i","i","i","i","i","i",
    /* 130 */ "i","i","ij","ij","j","j","k","k","k","l","l","l","l","l","l","l",
    /* 140 */ "l","l","l","n","n","n","n","n","n","n","n","n","o","o","o","o",
    /* 150 */ "o","o","oe","oe","r","r","r","r","r","r","s","s","s","s","s","s",
    /* 160 */ "s","s","t","t","t","t","t","t","u","u","u","u","u","u","u","u",
    /* 170 */ "u","u","u","u","w","w","y","y","y","z","z","z","z","z","z","s",
};

/* Returns the ASCII folding of cp, or NULL when cp is a separator. Letters outside the
 * table (Greek, Cyrillic, CJK…) are kept as they are: *keep is set to 1. */
static const char *fold_cp(unsigned cp, char *ascii, int *keep)
{
    *keep = 0;
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z') {
            ascii[0] = (char)(cp + 32);
            ascii[1] = '\0';
            return ascii;
        }
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            ascii[0] = (char)cp;
            ascii[1] = '\0';
            return ascii;
        }
        return NULL;
    }
    if (cp >= 0xC0 && cp <= 0x17F) {
        const char *f = fold_latin[cp - 0xC0];
        return *f ? f : NULL;
    }
    if (cp < 0xC0 || (cp >= 0x2000 && cp <= 0x206F) || cp == 0x3000)
        return NULL;                      /* Latin-1 punctuation, general punctuation */
    if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
        (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
        (cp >= 0xFE20 && cp <= 0xFE2F)) {
        ascii[0] = '\0';                  /* combining marks (decomposed accents): dropped */
        return ascii;
    }
    *keep = 1;
    return NULL;
}

/* One space between words, none before the first or after the last: gap() at a separator,
 * word() before writing a piece of a word (writes the space a gap left pending). */
struct spacer {
    int pending, any;
};

static void spacer_gap(struct spacer *sp)
{
    sp->pending = sp->any;
}

static int spacer_word(struct spacer *sp, struct gdir_buf *b)
{
    if (sp->pending && gdir_buf_addc(b, ' '))
        return b->err;
    sp->pending = 0;
    sp->any = 1;
    return 0;
}

int gdir_text_fold(struct gdir_buf *b, const char *s)
{
    struct spacer sp = {0, 0};
    const char *p = s;
    while (*p) {
        unsigned cp = gdir_utf8_next(&p);
        char ascii[2];
        int keep;
        const char *f = fold_cp(cp, ascii, &keep);
        if (f && !*f)
            continue;                     /* a combining mark: part of the previous letter */
        if (!f && !keep) {
            spacer_gap(&sp);
            continue;
        }
        if (spacer_word(&sp, b))
            return b->err;
        int rc = keep ? gdir_utf8_put(b, cp) : gdir_buf_adds(b, f);
        if (rc)
            return rc;
    }
    return gdir_buf_add(b, "", 0);
}

int gdir_text_squash(struct gdir_buf *b, const char *s)
{
    struct spacer sp = {0, 0};
    for (const char *p = s; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f') {
            spacer_gap(&sp);
            continue;
        }
        if (spacer_word(&sp, b) || gdir_buf_addc(b, *p))
            return b->err;
    }
    return gdir_buf_add(b, "", 0);
}

char *gdir_text_fold_dup(const char *s)
{
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    if (gdir_text_fold(&b, s)) {
        gdir_buf_free(&b);
        return NULL;
    }
    return gdir_buf_steal(&b, NULL);
}
