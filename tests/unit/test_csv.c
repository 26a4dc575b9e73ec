/*
 * test_csv.c — the one CSV field writer (gdir_csv): every quoting rule (separator, quote, CR,
 * LF, leading and trailing spaces, quotes doubled), empty and NULL fields, other separators
 * (';', tab, '|'), the two dialects (RFC 4180, French: ';', decimal comma, BOM), and a capped
 * buffer's failure passed on.
 */
#include "check.h"
#include "gdir_buf.h"
#include "gdir_csv.h"
#include "gdir_err.h"

#include <string.h>

/* The field s written with sep, as a string (static buffer: one call at a time). */
static const char *put(const char *s, char sep)
{
    static char text[256];
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(gdir_csv_field(&b, s, sep), 0);
    snprintf(text, sizeof text, "%s", gdir_buf_str(&b));
    gdir_buf_free(&b);
    return text;
}

/* A field, the separator it is written with, and what must come out. */
struct field_case {
    const char *in;
    char sep;
    const char *want;
};

static void check_fields(const struct field_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        CHECK_STR_EQ(put(c[i].in, c[i].sep), c[i].want);
}

static void test_plain(void)
{
    static const struct field_case c[] = {
        {"plain", ',', "plain"},
        {"Café de la Gare", ',', "Café de la Gare"},   /* inner spaces: as is */
        {"", ',', ""},
        {NULL, ',', ""},
        {"a;b", ',', "a;b"},   /* another dialect's separator is ordinary text */
        {"a,b", ';', "a,b"},
        {"tab\there", ',', "tab\there"},
    };
    check_fields(c, sizeof c / sizeof c[0]);
}

static void test_quoted(void)
{
    static const struct field_case c[] = {
        {"a,b", ',', "\"a,b\""},
        {"a;b", ';', "\"a;b\""},
        {"a\tb", '\t', "\"a\tb\""},
        {"a|b", '|', "\"a|b\""},
        {"say \"hi\"", ',', "\"say \"\"hi\"\"\""},
        {"\"", ',', "\"\"\"\""},
        {"\"\"", ';', "\"\"\"\"\"\""},
        {"two\nlines", ',', "\"two\nlines\""},
        {"cr\rhere", ',', "\"cr\rhere\""},
        {"crlf\r\n", ',', "\"crlf\r\n\""},
    };
    check_fields(c, sizeof c / sizeof c[0]);
}

static void test_outer_spaces(void)
{
    static const struct field_case c[] = {
        {" padded", ',', "\" padded\""},
        {"padded ", ';', "\"padded \""},
        {" ", ',', "\" \""},
        {" a \"b\" ", ',', "\" a \"\"b\"\" \""},
    };
    check_fields(c, sizeof c / sizeof c[0]);
    CHECK_INT_EQ(gdir_csv_needs_quotes("x ", 2, ','), 1);
    CHECK_INT_EQ(gdir_csv_needs_quotes("x ", 1, ','), 0);   /* only the n bytes count */
    CHECK_INT_EQ(gdir_csv_needs_quotes(NULL, 0, ','), 0);
}

static void test_dialects(void)
{
    struct gdir_buf b;
    CHECK_INT_EQ(gdir_csv_sep(GDIR_CSV_RFC4180), ',');
    CHECK_INT_EQ(gdir_csv_point(GDIR_CSV_RFC4180), '.');
    CHECK_INT_EQ(gdir_csv_has_bom(GDIR_CSV_RFC4180), 0);
    CHECK_INT_EQ(gdir_csv_sep(GDIR_CSV_FR), ';');
    CHECK_INT_EQ(gdir_csv_point(GDIR_CSV_FR), ',');
    CHECK_INT_EQ(gdir_csv_has_bom(GDIR_CSV_FR), 1);
    CHECK_STR_EQ(GDIR_CSV_EOL, "\r\n");

    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(gdir_csv_begin(&b, GDIR_CSV_RFC4180), 0);
    CHECK_INT_EQ((int)b.len, 0);
    CHECK_INT_EQ(gdir_csv_begin(&b, GDIR_CSV_FR), 0);
    CHECK_STR_EQ(gdir_buf_str(&b), "\xEF\xBB\xBF");
    /* A French row: opening hours keep their commas unquoted, a ';' is quoted. */
    gdir_csv_field(&b, "Mo-Fr 09:00-12:00,14:00-17:00", gdir_csv_sep(GDIR_CSV_FR));
    gdir_buf_addc(&b, ';');
    gdir_csv_field(&b, "a;b", gdir_csv_sep(GDIR_CSV_FR));
    CHECK_STR_EQ(gdir_buf_str(&b), "\xEF\xBB\xBFMo-Fr 09:00-12:00,14:00-17:00;\"a;b\"");
    gdir_buf_free(&b);
}

static void test_capped(void)
{
    struct gdir_buf b;
    gdir_buf_init(&b, 4);
    CHECK_INT_EQ(gdir_csv_field(&b, "abc", ','), 0);
    CHECK(gdir_csv_field(&b, "a,b", ',') < 0);   /* "\"a,b\"" does not fit */
    CHECK(gdir_csv_field(&b, "x", ',') < 0);     /* sticky */
    CHECK(gdir_csv_begin(&b, GDIR_CSV_RFC4180) < 0);
    gdir_buf_free(&b);
}

static const struct check_case cases[] = {
    {"plain", test_plain},
    {"quoted", test_quoted},
    {"outer_spaces", test_outer_spaces},
    {"dialects", test_dialects},
    {"capped", test_capped},
};
CHECK_MAIN(cases)
