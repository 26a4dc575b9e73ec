/*
 * test_http_include.c — unit tests of geoapi/http/http_include.c: the include directives of the
 * static pages. The accepted forms (spacing, several directives), and each refusal named in
 * http_include.h (another command or parameter, names with '/', "..", a leading dot, another
 * extension, too long, unterminated).
 */
#include "check.h"
#include "http_include.h"

#include <string.h>

/* Walks text; checks the names found, in order (NULL-ended), then the final result. */
static void walk(const char *text, const char *const *names, int last)
{
    struct http_include inc;
    struct gdir_err err;
    size_t off = 0, len = strlen(text);
    int i = 0, rc;

    gdir_err_clear(&err);
    while ((rc = http_include_next(text, len, off, &inc, &err)) == 1) {
        if (!names[i] || strcmp(inc.name, names[i]) != 0) {
            CHECK_FAIL_("%.60s: directive %d is %s", text, i, inc.name);
            return;
        }
        if (strncmp(text + inc.start, "<!--#", 5) != 0 || strncmp(text + inc.end - 3, "-->", 3))
            CHECK_FAIL_("%.60s: directive %d badly delimited", text, i);
        off = inc.end;
        i++;
    }
    if (names[i])
        CHECK_FAIL_("%.60s: %s not found", text, names[i]);
    if (rc != last || (rc < 0 && !err.msg[0]))
        CHECK_FAIL_("%.60s: ended with %d, expected %d", text, rc, last);
}

static void test_accepted(void)
{
    static const char *const none[] = {NULL}, *const head[] = {"head.html", NULL},
                             *const two[] = {"head.html", "bo-nav_2.html", NULL};
    walk("<p>no directive</p><!-- a comment -->", none, 0);
    walk("", none, 0);
    walk("  <!--# include file=\"head.html\" -->\n", head, 0);
    walk("<!--#include file=\"head.html\"-->", head, 0);
    walk("<!--#\tinclude\n file=\"head.html\"\r\n-->", head, 0);
    walk("a<!--# include file=\"head.html\" -->b<!--# include file=\"bo-nav_2.html\" -->c", two, 0);
}

static void test_refused(void)
{
    static const char *const none[] = {NULL}, *const head[] = {"head.html", NULL};
    static const char *const bad[] = {
        "<!--# echo var=\"DATE_LOCAL\" -->", "<!--# include virtual=\"/head.html\" -->",
        "<!--# include file=\"../head.html\" -->", "<!--# include file=\"/head.html\" -->",
        "<!--# include file=\"sub/head.html\" -->", "<!--# include file=\".head.html\" -->",
        "<!--# include file=\"..html\" -->", "<!--# include file=\"head.js\" -->",
        "<!--# include file=\".html\" -->", "<!--# include file=\"head.html\" ",
        "<!--# include file=\"head.html\" --", "<!--# include file=\"head.html",
        "<!--# include file='head.html' -->", "<!--# includefile=\"head.html\" -->",
        "<!--# include file=\"a b.html\" -->", "<!--# include file=\"head.html\" x -->",
        "<!--# include file=\"head.html\" file=\"x.html\" -->", "<!--#",
        "<!--# include file=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.html\" -->",
        /* exactly HTTP_INCLUDE_NAME_MAX bytes of name (found by fuzz.include: one byte over) */
        "<!--# include file=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.html\" -->",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        walk(bad[i], none, GDIR_EINVAL);
    walk("<!--# include file=\"head.html\" --><!--# include file=\"../x.html\" -->", head,
         GDIR_EINVAL);
    CHECK(http_include_name_ok("head.html") && !http_include_name_ok("head.htm") &&
          !http_include_name_ok("a/b.html") && !http_include_name_ok(""));
}

static const struct check_case cases[] = {
    {"accepted directives", test_accepted},
    {"refused directives and names", test_refused},
};

CHECK_MAIN(cases)
