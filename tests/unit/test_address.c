/*
 * test_address.c — French address normalisation (gdir_address): house numbers and suffixes,
 * canonical tokens (abbreviations, saint/st, elisions, articles, grand'rue), codes.
 */
#include "check.h"
#include "gdir_address.h"
#include "gdir_err.h"

#include <stdlib.h>
#include <string.h>

/* Splits s; checks the number, the suffix and the rest. */
static void split_is(const char *s, long number, const char *suffix, const char *rest)
{
    struct gdir_housenumber hn;
    const char *r = NULL;
    int ok = gdir_address_split_number(s, &hn, &r);
    if (!ok) {
        CHECK_FAIL_("split \"%s\": no number found", s);
        return;
    }
    if (hn.number != number || strcmp(hn.suffix, suffix) != 0 || strcmp(r, rest) != 0)
        CHECK_FAIL_("split \"%s\": got (%ld, \"%s\", \"%s\"), want (%ld, \"%s\", \"%s\")", s,
                    hn.number, hn.suffix, r, number, suffix, rest);
}

static void no_number(const char *s)
{
    struct gdir_housenumber hn;
    const char *r = NULL;
    if (gdir_address_split_number(s, &hn, &r))
        CHECK_FAIL_("split \"%s\": found %ld \"%s\", expected no number", s, hn.number,
                    hn.suffix);
    else if (r != s)
        CHECK_FAIL_("split \"%s\": rest moved without a number", s);
}

static void test_split_number(void)
{
    split_is("12 Rue de l'Église", 12, "", "Rue de l'Église");
    split_is("12bis rue X", 12, "bis", "rue X");
    split_is("12 bis rue X", 12, "bis", "rue X");
    split_is("12 BIS, rue X", 12, "bis", "rue X");
    split_is("1BIS Grande Rue", 1, "bis", "Grande Rue");
    split_is("12B rue X", 12, "b", "rue X");
    split_is("12 b rue X", 12, "b", "rue X");
    split_is("8Q Chemin", 8, "q", "Chemin");
    split_is("3 ter avenue", 3, "ter", "avenue");
    split_is("3 quater avenue", 3, "quater", "avenue");
    split_is("12-14 rue X", 12, "", "rue X");
    split_is("12 - 14 rue X", 12, "", "rue X");
    split_is("12/14bis rue X", 12, "", "rue X");
    split_is("12bis-14 rue X", 12, "bis", "rue X");
    split_is("n°12 rue X", 12, "", "rue X");
    split_is("N° 12, rue X", 12, "", "rue X");
    split_is("no 7 rue X", 7, "", "rue X");
    split_is("  007 rue X", 7, "", "rue X");
    split_is("12, rue X", 12, "", "rue X");
    split_is("12", 12, "", "");
    split_is("1250 route de Bar", 1250, "", "route de Bar");
    /* a separated "r" is "rue"; a letter before an apostrophe starts a word */
    split_is("12 r de la Paix", 12, "", "r de la Paix");
    split_is("12 d'Argonne", 12, "", "d'Argonne");
    split_is("12 l\xe2\x80\x99\xc3\x89glise", 12, "", "l\xe2\x80\x99\xc3\x89glise");
    split_is("12 a rue X", 12, "a", "rue X");
    no_number("Rue de l'Église");
    no_number("55260 Pierrefitte-sur-Aire");          /* a postcode, not a number */
    no_number("1er Mai");
    no_number("2eme rue");
    no_number("1\xc3\xa8re avenue");                  /* 1ère */
    no_number("");
    no_number("no way");
    no_number("Noël");
}

static void test_parse_housenumber(void)
{
    struct gdir_housenumber hn;
    char buf[32];
    CHECK_INT_EQ(gdir_address_parse_housenumber("1BIS", &hn), GDIR_OK);
    CHECK_INT_EQ(hn.number, 1);
    CHECK_STR_EQ(hn.suffix, "bis");
    CHECK_INT_EQ(gdir_address_parse_housenumber("8 ter", &hn), GDIR_OK);
    CHECK_INT_EQ(hn.number, 8);
    CHECK_STR_EQ(hn.suffix, "ter");
    CHECK_INT_EQ(gdir_address_parse_housenumber("12 B", &hn), GDIR_OK);
    CHECK_STR_EQ(hn.suffix, "b");
    CHECK_INT_EQ(gdir_address_parse_housenumber("99999", &hn), GDIR_OK);
    CHECK_INT_EQ(hn.number, 99999);
    CHECK_INT_EQ(gdir_address_parse_housenumber("", &hn), GDIR_EINVAL);
    CHECK_INT_EQ(gdir_address_parse_housenumber(NULL, &hn), GDIR_EINVAL);
    CHECK_INT_EQ(gdir_address_parse_housenumber("abc", &hn), GDIR_EINVAL);
    /* fuzz_address: "2R" is number 2, suffix "r", displayed "2 R", which did not read back
     * (a separated "r" was taken for "rue" even with no street after it) */
    CHECK_INT_EQ(gdir_address_parse_housenumber("2R", &hn), GDIR_OK);
    CHECK_INT_EQ(gdir_address_format_housenumber(&hn, buf, sizeof buf), 3);
    CHECK_STR_EQ(buf, "2 R");
    CHECK_INT_EQ(gdir_address_parse_housenumber(buf, &hn), GDIR_OK);
    CHECK_INT_EQ(hn.number, 2);
    CHECK_STR_EQ(hn.suffix, "r");
    CHECK_INT_EQ(gdir_address_parse_housenumber("12 rue", &hn), GDIR_EINVAL);
    CHECK_INT_EQ(gdir_address_parse_housenumber("123456", &hn), GDIR_EINVAL);
    CHECK_INT_EQ(gdir_address_parse_housenumber("12 xyz", &hn), GDIR_EINVAL);
    CHECK_INT_EQ(hn.number, 0);                       /* zeroed on failure */
}

static void test_suffix_and_format(void)
{
    struct gdir_housenumber hn = { 12, "bis" };
    char buf[32];
    CHECK_INT_EQ(gdir_address_suffix_match("bis", "bis"), 2);
    CHECK_INT_EQ(gdir_address_suffix_match("b", "bis"), 1);
    CHECK_INT_EQ(gdir_address_suffix_match("ter", "t"), 1);
    CHECK_INT_EQ(gdir_address_suffix_match("q", "quater"), 1);
    CHECK_INT_EQ(gdir_address_suffix_match("", ""), 2);
    CHECK_INT_EQ(gdir_address_suffix_match("", "bis"), 0);
    CHECK_INT_EQ(gdir_address_suffix_match("a", "b"), 0);
    CHECK_INT_EQ(gdir_address_format_housenumber(&hn, buf, sizeof buf), 6);
    CHECK_STR_EQ(buf, "12 bis");
    hn.suffix[0] = 'b';
    hn.suffix[1] = '\0';
    gdir_address_format_housenumber(&hn, buf, sizeof buf);
    CHECK_STR_EQ(buf, "12 B");
    hn.suffix[0] = '\0';
    gdir_address_format_housenumber(&hn, buf, sizeof buf);
    CHECK_STR_EQ(buf, "12");
    CHECK_INT_EQ(gdir_address_format_housenumber(&hn, buf, 2), 1);   /* truncated */
    CHECK_STR_EQ(buf, "1");
}

/* The canonical key of s must be want. */
static void key_is(const char *s, const char *want)
{
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    int rc = gdir_address_key(&b, s);
    if (rc != GDIR_OK || strcmp(gdir_buf_str(&b), want) != 0)
        CHECK_FAIL_("key \"%s\": got \"%s\" (rc %d), want \"%s\"", s, gdir_buf_str(&b), rc,
                    want);
    gdir_buf_free(&b);
}

static void test_keys(void)
{
    key_is("Rue de l'Église", "rue eglise");
    key_is("rue de l\xe2\x80\x99\xc3\xa9glise", "rue eglise");        /* ’ and é */
    key_is("RUE DE L EGLISE", "rue eglise");
    key_is("r. de l'Eglise", "rue eglise");
    key_is("bd St-Michel", "boulevard saint michel");
    key_is("Boulevard Saint Michel", "boulevard saint michel");
    key_is("BLD STE CATHERINE", "boulevard saint catherine");
    key_is("Sainte-Catherine", "saint catherine");
    key_is("av. du Général Leclerc", "avenue general leclerc");
    key_is("Ave Foch", "avenue foch");
    key_is("Avenue Foch", "avenue foch");
    key_is("Rte de Bar", "route bar");
    key_is("pl. de la Mairie", "place mairie");
    key_is("chem. des Vignes", "chemin vignes");
    key_is("ch des Vignes", "chemin vignes");
    key_is("CHE DES VIGNES", "chemin vignes");
    key_is("imp. des Lilas", "impasse lilas");
    key_is("all. des Tilleuls", "allee tilleuls");
    key_is("Allée des Tilleuls", "allee tilleuls");
    key_is("sq Verdun", "square verdun");
    key_is("fg Saint-Nicolas", "faubourg saint nicolas");
    key_is("Fbg St Nicolas", "faubourg saint nicolas");
    key_is("qu Voltaire", "quai voltaire");
    key_is("Quai Voltaire", "quai voltaire");
    key_is("rue Qu'en dira-t-on", "rue dira t on");           /* qu' elided past the start */
    key_is("crs Mirabeau", "cours mirabeau");
    key_is("lot les Prés", "lotissement pres");
    key_is("Lotissement Les Prés", "lotissement pres");
    key_is("rés. du Parc", "residence parc");
    key_is("Résidence du Parc", "residence parc");
    key_is("ham de Villers", "hameau villers");
    key_is("Lieu-dit Le Moulin", "lieudit moulin");
    key_is("ld le moulin", "lieudit moulin");
    /* fuzz_address: "lieu l dit" gave "lieu dit", whose own key is "lieudit" */
    key_is("Lieu l'dit", "lieudit");
    key_is("lieu dit", "lieudit");
    key_is("Grand'Rue", "grande rue");
    key_is("Grande Rue", "grande rue");
    key_is("GR GRANDE RUE", "grande grande rue");
    key_is("Rue du 08 Mai 1945", "rue 8 mai 1945");
    key_is("Seuil-d'Argonne", "seuil argonne");
    key_is("seuil d argonne", "seuil argonne");
    key_is("SEUIL D ARGONNE", "seuil argonne");
    key_is("Pierrefitte-sur-Aire", "pierrefitte aire");
    key_is("Cousances-lès-Triconville", "cousances triconville");
    key_is("Les Trois-Domaines", "trois domaines");
    key_is("   ", "");
    key_is("l' d' de la", "");
}

static void test_tokens(void)
{
    struct gdir_addr_tokens t;
    gdir_address_tokenize("12 rue eglise 55260 pierrefitte 2a004 08", &t);
    CHECK_INT_EQ(t.n, 7);
    CHECK_INT_EQ(t.t[0].flags, GDIR_TOK_NUMBER);
    CHECK_INT_EQ(t.t[1].flags, GDIR_TOK_TYPE);
    CHECK_INT_EQ(t.t[2].flags, 0);
    CHECK_INT_EQ(t.t[3].flags, GDIR_TOK_NUMBER | GDIR_TOK_CODE);
    CHECK_INT_EQ(t.t[5].flags, GDIR_TOK_CODE);
    CHECK_INT_EQ(t.t[6].len, 1);                              /* "08" → "8" */
    CHECK(memcmp(t.t[6].s, "8", 1) == 0);
    CHECK(!t.truncated);

    /* more than GDIR_ADDR_TOKENS_MAX words: the rest is dropped, flagged */
    char many[1024] = "";
    for (int i = 0; i < 40; i++) {
        size_t len = strlen(many);
        snprintf(many + len, sizeof many - len, "%sw%d", i ? " " : "", i);
    }
    gdir_address_tokenize(many, &t);
    CHECK_INT_EQ(t.n, GDIR_ADDR_TOKENS_MAX);
    CHECK(t.truncated);

    /* a very long word is cut to GDIR_ADDR_TOKEN_LEN_MAX bytes at a UTF-8 boundary */
    char longw[200];
    memset(longw, 'x', 50);
    longw[31] = '\xc3';                                        /* é straddles the cut */
    longw[32] = '\xa9';
    longw[50] = '\0';
    gdir_address_tokenize(longw, &t);
    CHECK_INT_EQ(t.n, 1);
    CHECK_INT_EQ(t.t[0].len, 31);
}

static void test_codes(void)
{
    CHECK(gdir_address_is_postcode("55260", 5));
    CHECK(!gdir_address_is_postcode("5526", 4));
    CHECK(!gdir_address_is_postcode("5526a", 5));
    CHECK(gdir_address_is_insee("55386", 5));
    CHECK(gdir_address_is_insee("2A004", 5));
    CHECK(gdir_address_is_insee("2b033", 5));
    CHECK(!gdir_address_is_insee("2C004", 5));
    CHECK(!gdir_address_is_insee("553861", 6));
}

static void test_invalid_utf8(void)
{
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(gdir_address_key(&b, "rue \xff\xfe"), GDIR_EINVAL);
    CHECK_INT_EQ(gdir_address_key(&b, "rue \xc3"), GDIR_EINVAL);   /* truncated sequence */
    gdir_buf_free(&b);
    /* splitting never reads past the end, whatever the bytes */
    struct gdir_housenumber hn;
    const char *rest;
    CHECK(gdir_address_split_number("12\xc3", &hn, &rest) == 0);
    CHECK(gdir_address_split_number("12 \xe2", &hn, &rest) == 1);
    CHECK_INT_EQ(hn.number, 12);
}

/* gdir_address_split of s gives this number ("" for none), street and complement. */
static void parts_are(const char *s, const char *number, const char *street,
                      const char *complement)
{
    struct gdir_address_parts parts;
    struct gdir_buf st, co;
    char num[48] = "";
    gdir_buf_init(&st, 0);
    gdir_buf_init(&co, 0);
    CHECK_INT_EQ(gdir_address_split(s, &parts, &st, &co), 0);
    if (parts.has_number)
        gdir_address_format_housenumber(&parts.hn, num, sizeof num);
    if (strcmp(num, number) != 0 || strcmp(gdir_buf_str(&st), street) != 0 ||
        strcmp(gdir_buf_str(&co), complement) != 0)
        CHECK_FAIL_("parts of \"%s\": got (\"%s\", \"%s\", \"%s\"), want (\"%s\", \"%s\", \"%s\")",
                    s, num, gdir_buf_str(&st), gdir_buf_str(&co), number, street, complement);
    gdir_buf_free(&st);
    gdir_buf_free(&co);
}

static void test_address_parts(void)
{
    /* the complement first, on the same line or on its own */
    parts_are("Maison des services, 42 rue Berne", "42", "rue Berne", "Maison des services");
    parts_are("Maison des services\n42 rue Berne", "42", "rue Berne", "Maison des services");
    parts_are("Bâtiment B\n3 place de la Mairie\n55250 Vaubecourt", "3",
              "place de la Mairie", "Bâtiment B");
    parts_are("Mairie, Place de la Mairie", "", "Place de la Mairie", "Mairie");
    /* repetition index */
    parts_are("12 bis rue de l'Église", "12 bis", "rue de l'Église", "");
    parts_are("5B R DE LA GARE 55250 VAUBECOURT", "5 B", "R DE LA GARE", "");
    parts_are("1 TER, GRANDE RUE", "1 ter", "GRANDE RUE", "");
    parts_are("12, rue Berne", "12", "rue Berne", "");
    /* no number: a street type, a lieu-dit, a post-office box alone */
    parts_are("Route de Verdun", "", "Route de Verdun", "");
    parts_are("Lieu-dit La Grange", "", "La Grange", "");
    parts_are("LD les Hauts de Vaux", "", "les Hauts de Vaux", "");
    parts_are("Les Hauts de Vaux", "", "Les Hauts de Vaux", "");
    parts_are("BP 12", "", "", "BP 12");
    parts_are("Maison des services", "", "", "Maison des services");
    parts_are("RD 947", "", "RD 947", "");
    /* post-office boxes, postal lines and CEDEX */
    parts_are("62 AVENUE DE JASSERON BP 132 01000 BOURG EN BRESSE", "62", "AVENUE DE JASSERON",
              "BP 132");
    parts_are("Hôtel de ville\nB.P. 7\n1 place Foch\n55100 VERDUN CEDEX", "1", "place Foch",
              "Hôtel de ville, B.P. 7");
    parts_are("CS 30001, 10 rue du 8 Mai 1945", "10", "rue du 8 Mai 1945", "CS 30001");
    /* nothing */
    parts_are("", "", "", "");
    parts_are(NULL, "", "", "");
    parts_are(" , ,\n", "", "", "");
    parts_are("55250 Vaubecourt", "", "", "");
}

static const struct check_case cases[] = {
    { "split_number", test_split_number },
    { "parse_housenumber", test_parse_housenumber },
    { "suffix_and_format", test_suffix_and_format },
    { "keys", test_keys },
    { "tokens", test_tokens },
    { "codes", test_codes },
    { "invalid_utf8", test_invalid_utf8 },
    { "address_parts", test_address_parts },
};

CHECK_MAIN(cases)
