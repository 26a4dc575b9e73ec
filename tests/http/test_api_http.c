/*
 * test_api_http.c — geoapi's one Accept parser (http/api_http.c): q-values, wildcards, the
 * most specific range deciding, ties in the server's order, q = 0 excluding, malformed weights
 * (RFC 9110 qvalue); the three negotiations built on it (API_FORMATS routes, the OGC HTML
 * routes' type list, the catalogue's) and Accept-Encoding; the Range parser (single ranges,
 * suffixes, cut ends, unsatisfiable, malformed and ignored values, huge numbers) and If-Range.
 */
#include "check.h"

#include "api_http.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void test_q_values(void)
{
    CHECK_NEAR(api_accept_q("application/json", "application/json"), 1, 0);
    CHECK_NEAR(api_accept_q("application/json;q=0.5", "application/json"), 0.5, 1e-12);
    CHECK_NEAR(api_accept_q("application/json ; Q=0.25", "application/json"), 0.25, 1e-12);
    CHECK_NEAR(api_accept_q("application/json;q=0.125", "application/json"), 0.125, 1e-12);
    CHECK_NEAR(api_accept_q("application/json;q=1.000", "application/json"), 1, 0);
    CHECK_NEAR(api_accept_q("application/json;q=0", "application/json"), 0, 0);
    CHECK_NEAR(api_accept_q("APPLICATION/JSON", "application/json"), 1, 0);
    CHECK_NEAR(api_accept_q("text/html", "application/json"), -1, 0);
    CHECK_NEAR(api_accept_q("", "application/json"), -1, 0);
    CHECK_NEAR(api_accept_q(NULL, "application/json"), -1, 0);
    /* Other parameters ignored; what follows q is accept-ext. */
    CHECK_NEAR(api_accept_q("application/json;charset=utf-8;q=0.3;x=1", "application/json"), 0.3,
               1e-12);
}

static void test_malformed_q(void)
{
    /* Not an RFC 9110 qvalue: counts as 0. */
    static const char *const bad[] = {
        "application/json;q=", "application/json;q=.5", "application/json;q=0.5000",
        "application/json;q=1.5", "application/json;q=1.001", "application/json;q=-0.1",
        "application/json;q=abc", "application/json;q=0.5x", "application/json;q=2",
        "application/json;q=0,5",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double q = api_accept_q(bad[i], "application/json");
        if (q != 0)
            CHECK_FAIL_("%s: q %g, want 0", bad[i], q);
    }
    CHECK_NEAR(api_accept_q("application/json;q=0.5 ", "application/json"), 0.5, 1e-12);
}

static void test_wildcards_specificity(void)
{
    CHECK_NEAR(api_accept_q("*/*", "text/html"), 1, 0);
    CHECK_NEAR(api_accept_q("text/*;q=0.4", "text/html"), 0.4, 1e-12);
    CHECK_NEAR(api_accept_q("text/*;q=0.4", "application/json"), -1, 0);
    /* The most specific range decides, whatever the order and the q. */
    CHECK_NEAR(api_accept_q("*/*;q=0.9, text/*;q=0.4, text/html;q=0.1", "text/html"), 0.1, 1e-12);
    CHECK_NEAR(api_accept_q("text/html;q=0.1, */*;q=0.9", "text/html"), 0.1, 1e-12);
    CHECK_NEAR(api_accept_q("text/html;q=0, */*", "text/html"), 0, 0);
    CHECK_NEAR(api_accept_q("text/html;q=0, */*", "text/plain"), 1, 0);
    /* Equally specific duplicates: the highest q. */
    CHECK_NEAR(api_accept_q("text/html;q=0.2, text/html;q=0.7", "text/html"), 0.7, 1e-12);
    /* Not wildcards: "text*", "*" alone, "*\/html". */
    CHECK_NEAR(api_accept_q("text*, *, */html", "text/html"), -1, 0);
}

static void test_pick(void)
{
    static const char *const t[] = {"application/ld+json", "text/turtle", "application/rdf+xml"};
    size_t i = 99;

    CHECK_INT_EQ(api_accept_pick(NULL, t, 3, &i), 0);
    CHECK_INT_EQ(i, 0);
    CHECK_INT_EQ(api_accept_pick("  ", t, 3, &i), 0);
    CHECK_INT_EQ(i, 0);
    CHECK_INT_EQ(api_accept_pick("text/turtle", t, 3, &i), 0);
    CHECK_INT_EQ(i, 1);
    CHECK_INT_EQ(api_accept_pick("*/*", t, 3, &i), 0);   /* tie: the server's first */
    CHECK_INT_EQ(i, 0);
    CHECK_INT_EQ(api_accept_pick("application/*;q=0.5, application/rdf+xml", t, 3, &i), 0);
    CHECK_INT_EQ(i, 2);
    CHECK_INT_EQ(api_accept_pick("text/turtle;q=0.5, application/rdf+xml;q=0.5", t, 3, &i), 0);
    CHECK_INT_EQ(i, 1);
    CHECK_INT_EQ(api_accept_pick("*/*;q=0.1, application/ld+json;q=0", t, 3, &i), 0);
    CHECK_INT_EQ(i, 1);
    CHECK_INT_EQ(api_accept_pick("text/csv", t, 3, &i), GDIR_ENOTACCEPT);
    CHECK_INT_EQ(api_accept_pick("*/*;q=0", t, 3, &i), GDIR_ENOTACCEPT);
    CHECK_INT_EQ(api_accept_pick("text/turtle;q=abc", t, 3, &i), GDIR_ENOTACCEPT);
    CHECK_INT_EQ(api_accept_pick(",,, ;q=1", t, 3, &i), GDIR_ENOTACCEPT);
}

static void test_format(void)
{
    enum api_format f;
    CHECK_INT_EQ(api_accept_format(NULL, &f), 0);
    CHECK_INT_EQ(f, API_FMT_GEOJSON);
    CHECK_INT_EQ(api_accept_format("application/json", &f), 0);
    CHECK_INT_EQ(f, API_FMT_JSON);
    CHECK_INT_EQ(api_accept_format("application/json, application/geo+json", &f), 0);
    CHECK_INT_EQ(f, API_FMT_GEOJSON);
    CHECK_INT_EQ(api_accept_format("application/geo+json;q=0.5, application/json", &f), 0);
    CHECK_INT_EQ(f, API_FMT_JSON);
    CHECK_INT_EQ(api_accept_format("application/*", &f), 0);
    CHECK_INT_EQ(f, API_FMT_GEOJSON);
    CHECK_INT_EQ(api_accept_format("*/*, application/geo+json;q=0", &f), 0);
    CHECK_INT_EQ(f, API_FMT_JSON);
    CHECK_INT_EQ(api_accept_format("text/html", &f), GDIR_ENOTACCEPT);
    CHECK_INT_EQ(api_accept_format("application/json;q=0, application/geo+json;q=0", &f),
                 GDIR_ENOTACCEPT);
}

static void test_gzip(void)
{
    CHECK(api_accept_gzip("gzip"));
    CHECK(api_accept_gzip("br, gzip;q=0.5"));
    CHECK(api_accept_gzip("*"));
    CHECK(!api_accept_gzip("gzip;q=0"));
    CHECK(!api_accept_gzip("gzip;q=0, *"));
    CHECK(!api_accept_gzip("identity"));
    CHECK(!api_accept_gzip(NULL));
}

/* api_range_parse on a representation of size bytes: the verdict and the bounds. */
static void range_is(const char *v, uint64_t size, enum api_range want, uint64_t a, uint64_t b)
{
    uint64_t first = 7, last = 7;
    enum api_range got = api_range_parse(v, size, &first, &last);
    if (got != want || (want == API_RANGE_ONE && (first != a || last != b))) {
        fprintf(stderr, "range \"%s\" size %llu: got %d %llu-%llu\n", v ? v : "(null)",
                (unsigned long long)size, (int)got, (unsigned long long)first,
                (unsigned long long)last);
        CHECK(0);
    }
}

static void test_range_single(void)
{
    range_is("bytes=0-0", 100, API_RANGE_ONE, 0, 0);
    range_is("bytes=0-99", 100, API_RANGE_ONE, 0, 99);
    range_is("bytes=10-19", 100, API_RANGE_ONE, 10, 19);
    range_is("bytes=10-", 100, API_RANGE_ONE, 10, 99);
    range_is("bytes=99-", 100, API_RANGE_ONE, 99, 99);
    range_is("bytes=-1", 100, API_RANGE_ONE, 99, 99);
    range_is("bytes=-30", 100, API_RANGE_ONE, 70, 99);
    range_is("bytes=-100", 100, API_RANGE_ONE, 0, 99);
    range_is("bytes=-1000", 100, API_RANGE_ONE, 0, 99);        /* longer than it: all */
    range_is("bytes=50-1000", 100, API_RANGE_ONE, 50, 99);     /* b beyond the end: cut */
    range_is("Bytes=1-2", 100, API_RANGE_ONE, 1, 2);           /* the unit without case */
    range_is("BYTES=1-2", 100, API_RANGE_ONE, 1, 2);
    range_is("  bytes=1-2  ", 100, API_RANGE_ONE, 1, 2);       /* OWS at both ends */
    range_is("bytes=1-2,", 100, API_RANGE_ONE, 1, 2);          /* empty list elements */
    range_is("bytes=, ,1-2 , ", 100, API_RANGE_ONE, 1, 2);
    range_is("bytes=0001-0002", 100, API_RANGE_ONE, 1, 2);
}

static void test_range_unsatisfiable(void)
{
    range_is("bytes=100-", 100, API_RANGE_UNSATISFIABLE, 0, 0);
    range_is("bytes=100-200", 100, API_RANGE_UNSATISFIABLE, 0, 0);
    range_is("bytes=-0", 100, API_RANGE_UNSATISFIABLE, 0, 0);
    range_is("bytes=18446744073709551615-", 100, API_RANGE_UNSATISFIABLE, 0, 0);
}

static void test_range_huge(void)
{
    /* Beyond 2^64: read saturating, never wrapping round to a small number. */
    range_is("bytes=0-99999999999999999999999999", 100, API_RANGE_ONE, 0, 99);
    range_is("bytes=-99999999999999999999999999", 100, API_RANGE_ONE, 0, 99);
    range_is("bytes=18446744073709551616-", 100, API_RANGE_UNSATISFIABLE, 0, 0);
    range_is("bytes=36893488147419103232-", 100, API_RANGE_UNSATISFIABLE, 0, 0);  /* 2^65 */
    range_is("bytes=1-18446744073709551615", UINT64_MAX, API_RANGE_ONE, 1, UINT64_MAX - 1);
    range_is("bytes=-18446744073709551615", UINT64_MAX, API_RANGE_ONE, 0, UINT64_MAX - 1);
}

static void test_range_ignored(void)
{
    static const char *const none[] = {
        "", "bytes=", "bytes", "bytes=-", "bytes=a-b", "bytes=5-4",  /* b < a: invalid */
        "bytes = 1-2", "bytes= 1 -2", "bytes=1 - 2", "bytes=1-2 3", "bytes=1-2;x",
        "bytes=+1-2", "bytes=-+1", "bytes=1--2", "bytes=0x10-20", "bytes=1.5-2",
        "items=0-1", "none", "bytesx=1-2", "=1-2", "bytes=1-2,3-4", "bytes=0-0,-1",
        "bytes=1-2, 200-300",                      /* several ranges: the whole file */
        "bytes=1-2,junk",
    };
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        range_is(none[i], 100, API_RANGE_NONE, 0, 0);
    range_is(NULL, 100, API_RANGE_NONE, 0, 0);
    range_is("bytes=0-0", 0, API_RANGE_NONE, 0, 0);   /* nothing to cut in an empty file */
    range_is("bytes=-5", 0, API_RANGE_NONE, 0, 0);
}

static void test_if_range(void)
{
    const char *tag = "\"ab12\"", *date = "Tue, 08 Dec 2026 00:10:00 GMT";
    CHECK(api_if_range_ok(NULL, tag, date));
    CHECK(api_if_range_ok("\"ab12\"", tag, date));
    CHECK(api_if_range_ok(" \"ab12\" ", tag, date));
    CHECK(!api_if_range_ok("W/\"ab12\"", tag, date));     /* weak: never */
    CHECK(!api_if_range_ok("\"ab13\"", tag, date));
    CHECK(!api_if_range_ok("\"ab12", tag, date));
    CHECK(!api_if_range_ok("\"ab12\", \"x\"", tag, date)); /* one tag, not a list */
    CHECK(!api_if_range_ok("*", tag, date));
    CHECK(!api_if_range_ok("", tag, date));
    CHECK(api_if_range_ok("Tue, 08 Dec 2026 00:10:00 GMT", tag, date));
    CHECK(!api_if_range_ok("Tue, 08 Dec 2026 00:10:01 GMT", tag, date));
    CHECK(!api_if_range_ok("Tue, 08 Dec 2026 00:10:00 GMT", tag, NULL));
    CHECK(!api_if_range_ok("\"ab12\"", NULL, date));
}

static const struct check_case cases[] = {
    {"q_values", test_q_values},
    {"malformed_q", test_malformed_q},
    {"wildcards_specificity", test_wildcards_specificity},
    {"pick", test_pick},
    {"format", test_format},
    {"gzip", test_gzip},
    {"range_single", test_range_single},
    {"range_unsatisfiable", test_range_unsatisfiable},
    {"range_huge", test_range_huge},
    {"range_ignored", test_range_ignored},
    {"if_range", test_if_range},
};

CHECK_MAIN(cases)
