/*
 * test_api_http.c — geoapi's one Accept parser (http/api_http.c): q-values, wildcards, the
 * most specific range deciding, ties in the server's order, q = 0 excluding, malformed weights
 * (RFC 9110 qvalue); the three negotiations built on it (API_FORMATS routes, the OGC HTML
 * routes' type list, the catalogue's) and Accept-Encoding.
 */
#include "check.h"

#include "api_http.h"

#include <math.h>
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

static const struct check_case cases[] = {
    {"q_values", test_q_values},
    {"malformed_q", test_malformed_q},
    {"wildcards_specificity", test_wildcards_specificity},
    {"pick", test_pick},
    {"format", test_format},
    {"gzip", test_gzip},
};

CHECK_MAIN(cases)
