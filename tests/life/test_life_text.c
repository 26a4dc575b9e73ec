/*
 * test_life_text.c — unit tests of life/life_text.c: the safe text of the daily-life items.
 */
#include "check.h"

#include "life_text.h"

static void sanitise(const char *in, const char *html, const char *plain)
{
    struct gdir_buf h, p;
    struct gdir_err err;

    gdir_buf_init(&h, 0);
    gdir_buf_init(&p, 0);
    CHECK_INT_EQ(life_text_sanitise(in, strlen(in), &h, &p, &err), 0);
    CHECK_STR_EQ(gdir_buf_str(&h), html);
    CHECK_STR_EQ(gdir_buf_str(&p), plain);
    gdir_buf_free(&h);
    gdir_buf_free(&p);
}

static void test_normal(void)
{
    sanitise("Bonjour", "<p>Bonjour</p>", "Bonjour");
    sanitise("<p>Un</p><p>Deux <b>gras</b></p>", "<p>Un</p><p>Deux <strong>gras</strong></p>",
             "Un\n\nDeux gras");
    sanitise("<script>alert(1)</script>Salut", "<p>Salut</p>", "Salut");
}

static const struct check_case cases[] = {
    {"normal", test_normal},
};

CHECK_MAIN(cases)
