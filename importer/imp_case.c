/*
 * imp_case.c — proper case of names written in capitals, codes exported as numbers, French
 * phone numbers without their leading 0 (see imp_case.h).
 */
#include "imp_case.h"
#include "gdir_err.h"
#include "gdir_mem.h"
#include "gdir_text.h"

#include <stdlib.h>
#include <string.h>

struct imp_case_names {
    char **key;     /* folded names */
    char **name;    /* official names */
    size_t n, cap_key, cap_name;
};

struct imp_case_names *imp_case_names_new(void)
{
    return calloc(1, sizeof(struct imp_case_names));
}

void imp_case_names_free(struct imp_case_names *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        free(n->key[i]);
        free(n->name[i]);
    }
    free(n->key);
    free(n->name);
    free(n);
}

int imp_case_names_add(struct imp_case_names *n, const char *name)
{
    if (gdir_grow(&n->key, &n->cap_key, n->n + 1, sizeof *n->key) ||
        gdir_grow(&n->name, &n->cap_name, n->n + 1, sizeof *n->name))
        return GDIR_ENOMEM;
    char *k = gdir_text_fold_dup(name), *v = gdir_strdup(name);
    if (!k || !v) {
        free(k);
        free(v);
        return GDIR_ENOMEM;
    }
    n->key[n->n] = k;
    n->name[n->n++] = v;
    return GDIR_OK;
}

const char *imp_case_names_find(const struct imp_case_names *n, const char *s)
{
    if (!n || !n->n)
        return NULL;
    char *k = gdir_text_fold_dup(s);
    const char *hit = NULL;
    for (size_t i = 0; k && k[0] && i < n->n && !hit; i++)   /* a territory: ~50 names */
        if (strcmp(k, n->key[i]) == 0)
            hit = n->name[i];
    free(k);
    return hit;
}

/* ------------------------------------------------------------------- title case ---- */

static int is_upper(unsigned c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
           (c >= 0x100 && c <= 0x17F && c % 2 == 0) || c == 0x178;
}

static int is_lower(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7) ||
           (c >= 0x100 && c <= 0x17F && c % 2 == 1);
}

static unsigned to_lower(unsigned c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7))
        return c + 32;
    if (c == 0x178)
        return 0xFF;
    if (c >= 0x100 && c <= 0x17F && c % 2 == 0)   /* Latin Extended-A pairs: Œ, Ā, Č… */
        return c + 1;
    return c;
}

static unsigned to_upper(unsigned c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7))
        return c - 32;
    if (c >= 0x100 && c <= 0x17F && c % 2 == 1)
        return c - 1;
    return c;
}

static int is_letter(unsigned c)
{
    return is_upper(c) || is_lower(c) || (c >= '0' && c <= '9');
}

/* Words written in lower case inside a name (articles, prepositions, "et"). */
static int small_word(const char *w, size_t n)
{
    static const char *const small[] = {"de", "la", "le", "les", "du", "des", "sur", "sous",
                                        "en", "aux", "au", "et", "à", NULL};
    for (size_t i = 0; small[i]; i++)
        if (strlen(small[i]) == n && memcmp(small[i], w, n) == 0)
            return 1;
    return 0;
}

/* Appends the word s[0..n) (letters only) lower-cased into w. */
static void lower_word(struct gdir_buf *w, const char *s, size_t n)
{
    const char *p = s;
    gdir_buf_reset(w);
    while (p < s + n)
        gdir_utf8_put(w, to_lower(gdir_utf8_next(&p)));
}

/* Title case of s (no lower-case letter in it) into out. */
static int title_case(struct gdir_buf *out, const char *s)
{
    struct gdir_buf w;
    const char *p = s;
    int first = 1;

    gdir_buf_init(&w, 0);
    while (*p) {
        const char *q = p;
        unsigned c = gdir_utf8_next(&q);
        if (!is_letter(c)) {               /* separators: copied as they are */
            gdir_buf_add(out, p, (size_t)(q - p));
            p = q;
            continue;
        }
        const char *start = p, *end = p;
        while (*end) {
            const char *e = end;
            if (!is_letter(gdir_utf8_next(&e)))
                break;
            end = e;
        }
        lower_word(&w, start, (size_t)(end - start));
        const char *lw = gdir_buf_str(&w);
        size_t ln = w.len;
        /* "D ARGONNE", "L EGLISE": a lone d / l before another word is elided */
        if (!first && ln == 1 && (lw[0] == 'd' || lw[0] == 'l') && end[0] == ' ' && end[1] &&
            is_letter((unsigned char)end[1])) {
            gdir_buf_addc(out, lw[0]);
            gdir_buf_addc(out, '\'');
            p = end + 1;
            continue;
        }
        int elided = ln == 1 && (lw[0] == 'd' || lw[0] == 'l') &&
                     (end[0] == '\'' || strncmp(end, "\xE2\x80\x99", 3) == 0);
        if (!first && (elided || small_word(lw, ln))) {
            gdir_buf_add(out, lw, ln);
        } else {
            const char *r = lw;
            gdir_utf8_put(out, to_upper(gdir_utf8_next(&r)));
            gdir_buf_add(out, r, ln - (size_t)(r - lw));
        }
        first = 0;
        p = end;
    }
    gdir_buf_free(&w);
    return out->err ? out->err : GDIR_OK;
}

int imp_case_proper(struct gdir_buf *out, const char *s, const struct imp_case_names *names)
{
    const char *p = s;
    int has_upper = 0;
    while (*p) {
        unsigned c = gdir_utf8_next(&p);
        if (is_lower(c)) {
            gdir_buf_adds(out, s);
            return out->err ? out->err : 0;
        }
        has_upper |= is_upper(c);
    }
    if (!has_upper) {
        gdir_buf_adds(out, s);
        return out->err ? out->err : 0;
    }
    const char *official = imp_case_names_find(names, s);
    if (official) {
        gdir_buf_adds(out, official);
        return out->err ? out->err : 1;
    }
    int rc = title_case(out, s);
    return rc ? rc : 1;
}

/* ----------------------------------------------------------- digits and phones ---- */

int imp_case_digits(struct gdir_buf *out, const char *s, unsigned width)
{
    size_t n = strspn(s, "0123456789");
    const char *rest = s + n;
    if (n == 0 || n > 20 || (*rest && (*rest != '.' || rest[1 + strspn(rest + 1, "0")]))) {
        gdir_buf_adds(out, s);
        return out->err ? out->err : 0;
    }
    for (size_t i = n; i < width; i++)
        gdir_buf_addc(out, '0');
    gdir_buf_add(out, s, n);
    if (out->err)
        return out->err;
    return *rest || n < width;
}

int imp_case_phone_fr(struct gdir_buf *out, const char *s)
{
    char d[11];
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (n == 10) {
                n = 11;
                break;
            }
            d[n++] = *p;
        } else if (!strchr(" .-", *p)) {
            n = 0;
            break;
        }
    }
    if (n == 9 && d[0] != '0') {
        memmove(d + 1, d, 9);
        d[0] = '0';
        n = 10;
    }
    if (n != 10 || d[0] != '0') {
        gdir_buf_adds(out, s);
        return out->err ? out->err : 0;
    }
    if (memcmp(d, "0000000000", 10) == 0)   /* "00 00 00 00 00": the export's "none" */
        return 1;
    size_t before = out->len;
    for (size_t i = 0; i < 10; i += 2) {
        if (i)
            gdir_buf_addc(out, ' ');
        gdir_buf_add(out, d + i, 2);
    }
    if (out->err)
        return out->err;
    return strcmp(out->data + before, s) != 0;
}
