/*
 * test_ical.c — unit tests of common/gdir_ical.c, the iCalendar writer: TEXT escaping,
 * folding at 75 octets never inside a UTF-8 sequence, CRLF, the calendar's frame.
 */
#include "check.h"

#include <stdlib.h>

#include "gdir_ical.h"
#include "gdir_text.h"

/* Checks the physical lines of s: CRLF only, at most 75 octets, each valid UTF-8. */
static void check_lines(const char *s)
{
    const char *p = s;
    while (*p) {
        const char *e = strstr(p, "\r\n");
        CHECK(e != NULL);
        if (!e)
            return;
        CHECK((size_t)(e - p) <= 75);
        CHECK(gdir_utf8_valid(p, (size_t)(e - p)));
        CHECK(memchr(p, '\n', (size_t)(e - p)) == NULL);
        CHECK(memchr(p, '\r', (size_t)(e - p)) == NULL);
        p = e + 2;
    }
}

/* s unfolded (CRLF + space removed). */
static char *unfold(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    for (const char *p = s; *p; p++) {
        if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
            p += 2;
            continue;
        }
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

static void test_escape(void)
{
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(gdir_ical_line(&b, "SUMMARY", "Marché; fruits, légumes\\ et\nfleurs\r\nfin", 1), 0);
    CHECK_STR_EQ(gdir_buf_str(&b), "SUMMARY:Marché\\; fruits\\, légumes\\\\ et\\nfleurs\\nfin\r\n");
    gdir_buf_reset(&b);
    CHECK_INT_EQ(gdir_ical_line(&b, "URL", "https://x.fr/a\r\nATTACH:evil", 0), 0);
    CHECK_STR_EQ(gdir_buf_str(&b), "URL:https://x.fr/aATTACH:evil\r\n");
    gdir_buf_free(&b);
}

static void test_fold(void)
{
    struct gdir_buf b;
    const char *text = "Fête de la Saint-Éloi à Érize-la-Brûlée : défilé, élection de la reine, "
                       "bal populaire et feu d'artifice — « ambiance garantie » éééééééééééééééé";
    char *u;

    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(gdir_ical_line(&b, "DESCRIPTION", text, 1), 0);
    check_lines(gdir_buf_str(&b));
    CHECK(strstr(gdir_buf_str(&b), "\r\n ") != NULL);
    u = unfold(gdir_buf_str(&b));
    CHECK(strncmp(u, "DESCRIPTION:Fête de la Saint-Éloi", 34) == 0);
    CHECK(strstr(u, "défilé\\, élection") != NULL);
    free(u);
    /* a line of two-byte characters: every cut falls between two of them */
    gdir_buf_reset(&b);
    CHECK_INT_EQ(gdir_ical_line(&b, "X", "éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé", 1), 0);
    check_lines(gdir_buf_str(&b));
    gdir_buf_free(&b);
}

static const struct check_case cases[] = {
    {"escape", test_escape},
    {"fold", test_fold},
};

CHECK_MAIN(cases)
