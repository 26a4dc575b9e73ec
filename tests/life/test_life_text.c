/*
 * test_life_text.c — unit tests of life/life_text.c, the safe text of the daily-life items:
 * normal texts (paragraphs, lists, links, accents, guillemets) come out as expected, every
 * entry of text_hostile.txt gives what it says (and nothing it forbids), and every output
 * keeps the invariants of tests/lib/life_text_check.h; life_text_line for titles.
 */
#include "check.h"

#include <stdlib.h>

#include "life_text.h"
#include "life_text_check.h"

#define CORPUS GDIR_SOURCE_DIR "/tests/life/text_hostile.txt"

struct result {
    int rc;
    struct gdir_buf html, plain;
    struct gdir_err err;
};

static void run(struct result *r, const char *in, size_t n)
{
    gdir_buf_init(&r->html, 0);
    gdir_buf_init(&r->plain, 0);
    r->rc = life_text_sanitise(in, n, &r->html, &r->plain, &r->err);
    if (r->rc == 0) {
        const char *why = life_text_check_html(gdir_buf_str(&r->html), r->html.len);
        const char *whyp = life_text_check_plain(gdir_buf_str(&r->plain), r->plain.len);
        if (why || whyp)
            CHECK_FAIL_("invariant broken (%s) for input \"%.*s\": \"%s\"", why ? why : whyp,
                        (int)(n > 200 ? 200 : n), in, gdir_buf_str(&r->html));
    }
}

static void done(struct result *r)
{
    gdir_buf_free(&r->html);
    gdir_buf_free(&r->plain);
}

static void sanitise(const char *in, const char *html, const char *plain)
{
    struct result r;

    run(&r, in, strlen(in));
    CHECK_INT_EQ(r.rc, 0);
    CHECK_STR_EQ(gdir_buf_str(&r.html), html);
    if (plain)
        CHECK_STR_EQ(gdir_buf_str(&r.plain), plain);
    done(&r);
}

static void test_normal(void)
{
    sanitise("Bonjour", "<p>Bonjour</p>", "Bonjour");
    sanitise("", "", "");
    sanitise("  \n\n \t ", "", "");
    sanitise("<p>Un</p><p>Deux <b>gras</b></p>", "<p>Un</p><p>Deux <strong>gras</strong></p>",
             "Un\n\nDeux gras");
    sanitise("<p>Marché  de\n  Noël</p>\n\n<p>  Place <em>de la</em>  mairie </p>",
             "<p>Marché de Noël</p><p>Place <em>de la</em> mairie</p>",
             "Marché de Noël\n\nPlace de la mairie");
    sanitise("<ul><li>Pain</li><li>Fromage <i>fermier</i></li></ul><p>Fin</p>",
             "<ul><li>Pain</li><li>Fromage <em>fermier</em></li></ul><p>Fin</p>",
             "- Pain\n- Fromage fermier\n\nFin");
    sanitise("Inscriptions sur https://www.exemple.fr/inscription, avant le 1er mai.",
             "<p>Inscriptions sur <a href=\"https://www.exemple.fr/inscription\" "
             "rel=\"nofollow noopener noreferrer\">https://www.exemple.fr/inscription</a>, avant "
             "le 1er mai.</p>",
             "Inscriptions sur https://www.exemple.fr/inscription, avant le 1er mai.");
    sanitise("<p>Le <a href=\"https://www.exemple.fr/\">site de la mairie</a>.</p>",
             "<p>Le <a href=\"https://www.exemple.fr/\" rel=\"nofollow noopener noreferrer\">site "
             "de la mairie</a>.</p>",
             "Le site de la mairie (https://www.exemple.fr/).");
    sanitise("« Brocante » à Vaubecourt : exposants\u00a0bienvenus ; café offert !",
             "<p>« Brocante » à Vaubecourt : exposants\u00a0bienvenus ; café offert !</p>",
             "« Brocante » à Vaubecourt : exposants\u00a0bienvenus ; café offert !");
    sanitise("* un\n* deux\n  suite de deux\ntrois", "<ul><li>un</li><li>deux<br>suite de "
             "deux</li></ul><p>trois</p>", "- un\n- deux\nsuite de deux\n\ntrois");
    sanitise("L'&eacute;t&eacute; &laquo;&nbsp;chaud&nbsp;&raquo;",
             "<p>L'été «\u00a0chaud\u00a0»</p>", "L'été «\u00a0chaud\u00a0»");
}

/* The corpus: \n \r \t \\ \0 \xNN in s[0..n) decoded into out; returns the length. */
static size_t unescape(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\' || i + 1 == n) {
            out[o++] = s[i];
            continue;
        }
        char c = s[++i];
        if (c == 'n')
            out[o++] = '\n';
        else if (c == 'r')
            out[o++] = '\r';
        else if (c == 't')
            out[o++] = '\t';
        else if (c == '0')
            out[o++] = '\0';
        else if (c == 'x' && i + 2 < n) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            out[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else
            out[o++] = c;
    }
    return o;
}

static const char *find_ci(const char *hay, const char *needle)
{
    size_t l = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < l && hay[i] && (hay[i] | 0x20) == (needle[i] | 0x20))
            i++;
        if (i == l)
            return hay;
    }
    return NULL;
}

struct entry {
    char name[128];
    char *in;            /* decoded input, repeated */
    size_t n;
    int rc;
    int line;
};

/* Checks one "key: value" line of the entry after it was run. */
static void check_line(const struct entry *e, struct result *r, const char *key, const char *v,
                       size_t vn)
{
    char *want = malloc(vn + 1);
    size_t wn = unescape(v, vn, want);
    want[wn] = '\0';
    if (strcmp(key, "html") == 0 && strcmp(gdir_buf_str(&r->html), want) != 0)
        CHECK_FAIL_("%s (line %d): html \"%s\", expected \"%s\"", e->name, e->line,
                    gdir_buf_str(&r->html), want);
    if (strcmp(key, "plain") == 0 && strcmp(gdir_buf_str(&r->plain), want) != 0)
        CHECK_FAIL_("%s (line %d): plain \"%s\", expected \"%s\"", e->name, e->line,
                    gdir_buf_str(&r->plain), want);
    if (strcmp(key, "has") == 0 && !strstr(gdir_buf_str(&r->html), want))
        CHECK_FAIL_("%s (line %d): html \"%s\" lacks \"%s\"", e->name, e->line,
                    gdir_buf_str(&r->html), want);
    if (strcmp(key, "not") == 0 && find_ci(gdir_buf_str(&r->html), want))
        CHECK_FAIL_("%s (line %d): html \"%s\" has \"%s\"", e->name, e->line,
                    gdir_buf_str(&r->html), want);
    if (strcmp(key, "plainnot") == 0 && find_ci(gdir_buf_str(&r->plain), want))
        CHECK_FAIL_("%s (line %d): plain \"%s\" has \"%s\"", e->name, e->line,
                    gdir_buf_str(&r->plain), want);
    free(want);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *s;
    if (!f)
        return NULL;
    s = malloc(1 << 20);
    *n = fread(s, 1, (1 << 20) - 1, f);
    s[*n] = '\0';
    fclose(f);
    return s;
}

/* Runs the entry starting at lines[i] ("== name"); returns the index after it. */
static size_t run_entry(char **lines, size_t count, size_t i, int *entries)
{
    struct entry e;
    struct result r;
    size_t j, repeat = 1;

    memset(&e, 0, sizeof e);
    snprintf(e.name, sizeof e.name, "%s", lines[i] + 3);
    e.line = (int)i + 1;
    for (j = i + 1; j < count && strncmp(lines[j], "== ", 3) != 0; j++) {
        if (strncmp(lines[j], "repeat: ", 8) == 0)
            repeat = (size_t)strtoul(lines[j] + 8, NULL, 10);
        if (strncmp(lines[j], "rc: ", 4) == 0)
            e.rc = strcmp(lines[j] + 4, "EFORMAT") == 0 ? GDIR_EFORMAT
                 : strcmp(lines[j] + 4, "ETOOBIG") == 0 ? GDIR_ETOOBIG : -999;
    }
    for (size_t k = i + 1; k < j; k++) {
        if (strncmp(lines[k], "in: ", 4) != 0)
            continue;
        size_t l = strlen(lines[k] + 4);
        char *one = malloc(l + 1);
        size_t on = unescape(lines[k] + 4, l, one);
        e.in = malloc(on * repeat + 1);
        for (size_t t = 0; t < repeat; t++)
            memcpy(e.in + t * on, one, on);
        e.n = on * repeat;
        free(one);
    }
    CHECK(e.in != NULL);
    if (!e.in)
        return j;
    run(&r, e.in, e.n);
    if (r.rc != e.rc)
        CHECK_FAIL_("%s (line %d): rc %d, expected %d (%s)", e.name, e.line, r.rc, e.rc,
                    r.err.msg);
    if (r.rc != 0 && r.err.code != r.rc)
        CHECK_FAIL_("%s: err.code %d, returned %d", e.name, r.err.code, r.rc);
    if (r.rc == GDIR_EFORMAT && !strstr(r.err.msg, "(octet "))
        CHECK_FAIL_("%s: the refusal does not say at which byte: %s", e.name, r.err.msg);
    for (size_t k = i + 1; k < j && r.rc == 0; k++) {
        char *colon = strstr(lines[k], ": ");
        if (!colon || strncmp(lines[k], "in: ", 4) == 0)
            continue;
        *colon = '\0';
        check_line(&e, &r, lines[k], colon + 2, strlen(colon + 2));
        *colon = ':';
    }
    done(&r);
    free(e.in);
    (*entries)++;
    return j;
}

static void test_hostile_corpus(void)
{
    size_t n, count = 0, i = 0;
    char *text = slurp(CORPUS, &n), **lines;
    int entries = 0;

    CHECK(text != NULL);
    if (!text)
        return;
    lines = calloc(n + 1, sizeof *lines);
    for (char *p = text; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (*p != '#' && *p)
            lines[count++] = p;
        p = nl ? nl + 1 : NULL;
    }
    while (i < count) {
        if (strncmp(lines[i], "== ", 3) == 0)
            i = run_entry(lines, count, i, &entries);
        else
            i++;
    }
    CHECK(entries >= 50);
    printf("    %d hostile texts\n", entries);
    free(lines);
    free(text);
}

static void test_errors(void)
{
    struct result r;

    run(&r, "abc\0def", 7);
    CHECK_INT_EQ(r.rc, GDIR_EFORMAT);
    CHECK(strstr(r.err.msg, "octet 3") != NULL);
    CHECK_STR_EQ(r.err.param, "text");
    done(&r);
    run(&r, "éa\xff", 4);
    CHECK_INT_EQ(r.rc, GDIR_EFORMAT);
    CHECK(strstr(r.err.msg, "octet 3") != NULL);
    done(&r);
    /* a buffer cap reached while writing: its code, nothing half-written reported as 0 */
    gdir_buf_init(&r.html, 10);
    CHECK_INT_EQ(life_text_sanitise("un texte assez long", 19, &r.html, NULL, &r.err),
                 GDIR_ETOOBIG);
    gdir_buf_free(&r.html);
    /* html or plain may be NULL */
    gdir_buf_init(&r.plain, 0);
    CHECK_INT_EQ(life_text_sanitise("<b>x</b> https://a.fr", 21, NULL, &r.plain, &r.err), 0);
    CHECK_STR_EQ(gdir_buf_str(&r.plain), "x https://a.fr");
    gdir_buf_free(&r.plain);
}

static void line(const char *in, size_t max, int rc, const char *out)
{
    struct gdir_buf b;
    struct gdir_err err;
    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(life_text_line(in, strlen(in), max, &b, &err), rc);
    if (!rc)
        CHECK_STR_EQ(gdir_buf_str(&b), out);
    gdir_buf_free(&b);
}

static void test_line(void)
{
    line("  Marché\tde   Noël \n", 200, 0, "Marché de Noël");
    line("<b>Fête</b> & « bal »", 200, 0, "<b>Fête</b> & « bal »");
    line("Réunion\u00a0: ordre du jour\u2028suite\x01" "fin", 200, 0,
         "Réunion\u00a0: ordre du jour suite fin");
    line("un titre trop long", 8, GDIR_ETOOBIG, NULL);
    line("bad \xC3(", 200, GDIR_EFORMAT, NULL);
    line("", 200, 0, "");
}

static const struct check_case cases[] = {
    {"normal", test_normal},
    {"hostile_corpus", test_hostile_corpus},
    {"errors", test_errors},
    {"line", test_line},
};

CHECK_MAIN(cases)
