/*
 * test_text.c — UTF-8 validation, Latin-1 conversion and folding (gdir_text).
 */
#include "check.h"
#include "gdir_text.h"

#include <stdlib.h>

static void check_fold(const char *in, const char *want)
{
    char *got = gdir_text_fold_dup(in);
    CHECK_STR_EQ(got, want);
    free(got);
}

static void test_fold_french(void)
{
    check_fold("Érize-la-Brûlée", "erize la brulee");
    check_fold("Èvres", "evres");
    check_fold("Seuil-d'Argonne", "seuil d argonne");
    check_fold("Seuil-d\xE2\x80\x99" "Argonne", "seuil d argonne");  /* typographic apostrophe */
    check_fold("  Cœur  du Pays-Haut ", "coeur du pays haut");
    check_fold("ÆSOPE Straße", "aesope strasse");
    check_fold("MAIRIE DE GÉRY", "mairie de gery");
    check_fold("Ça, c'est «ça» !", "ca c est ca");
    check_fold("", "");
    check_fold("---", "");
    /* decomposed accents (NFD, as some OSM names are stored): e + U+0302 */
    check_fold("Be\xCC\x82te", "bete");
    check_fold("E\xCC\x81rize", "erize");
    check_fold("\xCC\x81 abc", "abc");
}

static void test_fold_keeps_other_scripts(void)
{
    /* Greek and Cyrillic letters are kept (not dropped), punctuation still separates. */
    check_fold("Άγιος Βαρθολομαίος", "Άγιος Βαρθολομαίος");
    check_fold("Сен-Бартелеми", "Сен Бартелеми");
}

static void test_utf8_valid(void)
{
    CHECK(gdir_utf8_valid("abc", 3));
    CHECK(gdir_utf8_valid("\xC3\xA9", 2));                 /* é */
    CHECK(gdir_utf8_valid("\xF0\x9F\x98\x80", 4));         /* emoji */
    CHECK(!gdir_utf8_valid("\xE9", 1));                    /* Latin-1 é */
    CHECK(!gdir_utf8_valid("\xC0\xAF", 2));                /* overlong '/' */
    CHECK(!gdir_utf8_valid("\xED\xA0\x80", 3));            /* surrogate */
    CHECK(!gdir_utf8_valid("\xF4\x90\x80\x80", 4));        /* > U+10FFFF */
    CHECK(!gdir_utf8_valid("\xC3", 1));                    /* truncated */
    CHECK(!gdir_utf8_valid("\x80", 1));                    /* lone continuation */
}

static void test_next_is_bounded(void)
{
    /* A truncated sequence at the end of a string must not step over the NUL. */
    const char s1[] = "a\xE2\x82";
    const char *p = s1;
    CHECK_INT_EQ(gdir_utf8_next(&p), 'a');
    CHECK_INT_EQ(gdir_utf8_next(&p), 0xFFFD);
    CHECK(p == s1 + 3);
    CHECK_INT_EQ(*p, 0);
    /* A lead byte followed by ASCII: the ASCII byte is not swallowed. */
    const char s2[] = "\xC3x";
    p = s2;
    CHECK_INT_EQ(gdir_utf8_next(&p), 0xFFFD);
    CHECK_INT_EQ(gdir_utf8_next(&p), 'x');
    /* Folding invalid input terminates and stays within the string. */
    char *f = gdir_text_fold_dup("\xF0\x9F");
    CHECK(f != NULL);
    free(f);
}

static void test_latin1(void)
{
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(gdir_latin1_to_utf8(&b, "Gim\xE9" "court", 9), 0);
    CHECK_STR_EQ(gdir_buf_str(&b), "Gimécourt");
    CHECK(gdir_utf8_valid(b.data, b.len));
    gdir_buf_free(&b);
}

static void test_squash(void)
{
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(gdir_text_squash(&b, "  2  Grand'rue\t\r\n 55250 "), 0);
    CHECK_STR_EQ(gdir_buf_str(&b), "2 Grand'rue 55250");
    gdir_buf_free(&b);
}

static const struct check_case cases[] = {
    {"fold_french", test_fold_french},
    {"fold_keeps_other_scripts", test_fold_keeps_other_scripts},
    {"utf8_valid", test_utf8_valid},
    {"next_is_bounded", test_next_is_bounded},
    {"latin1", test_latin1},
    {"squash", test_squash},
};
CHECK_MAIN(cases)
