/*
 * test_config.c — territory configuration loading (gdir_config): the shipped configuration
 * and every kind of mistake an agent can make in one.
 */
#include "check.h"
#include "gdir_config.h"

#include <stdlib.h>
#include <unistd.h>

#ifndef GDIR_SOURCE_DIR
#error "GDIR_SOURCE_DIR must be defined by CMake"
#endif

static void test_shipped_config(void)
{
    struct gdir_territory t;
    struct gdir_err err;
    gdir_err_clear(&err);
    int rc = gdir_territory_load(&t, GDIR_SOURCE_DIR "/config/aire-argonne.json", NULL, &err);
    CHECK_INT_EQ(rc, GDIR_OK);
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    CHECK_STR_EQ(t.epci_siren, "200066140");
    CHECK_INT_EQ(t.n_communes, 47);
    CHECK(gdir_territory_has_commune(&t, "55532"));    /* Vaubecourt */
    CHECK(gdir_territory_has_commune(&t, "55517"));    /* Seuil-d'Argonne */
    CHECK(!gdir_territory_has_commune(&t, "55545"));   /* Verdun is not a member */
    CHECK(t.n_sources >= 3);
    CHECK(strstr(t.sources[0].path, "datasets/samples/") != NULL);
    CHECK(strstr(t.public_json, "\"epci_siren\":\"200066140\"") != NULL);
    CHECK(strstr(t.public_json, "datasets") == NULL);   /* no file paths made public */
    gdir_territory_free(&t);

    /* --data-dir overrides the file's data_dir */
    rc = gdir_territory_load(&t, GDIR_SOURCE_DIR "/config/aire-argonne.json", "/srv/data", &err);
    CHECK_INT_EQ(rc, GDIR_OK);
    if (!rc) {
        CHECK(strncmp(t.sources[0].path, "/srv/data/", 10) == 0);
        gdir_territory_free(&t);
    }
}

/* Writes text to a temporary file and loads it; returns the code, err filled. */
static int load_text(const char *text, struct gdir_err *err)
{
    char path[] = "/tmp/geodir-test-config-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -999;
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        close(fd);
        return -999;
    }
    close(fd);
    struct gdir_territory t;
    gdir_err_clear(err);
    int rc = gdir_territory_load(&t, path, NULL, err);
    if (rc == GDIR_OK)
        gdir_territory_free(&t);
    unlink(path);
    return rc;
}

#define GOOD_MAP "\"map\":{\"center\":[48.9,5.2],\"zoom\":11,\"tiles_url\":\"\",\"tiles_attribution\":\"\"}"
#define TERR(extra) "\"territory\":{\"name\":\"T\",\"epci_siren\":\"200066140\",\"default_licence\":" \
                    "\"etalab-2.0\",\"communes\":[\"55017\",\"2A004\"]" extra "}"

static void expect_error(const char *text, const char *param, const char *fragment)
{
    struct gdir_err err;
    int rc = load_text(text, &err);
    CHECK_INT_EQ(rc, GDIR_ECONFIG);
    if (param)
        CHECK_STR_EQ(err.param, param);
    if (!strstr(err.msg, fragment))
        CHECK_FAIL_("message \"%s\" lacks \"%s\"", err.msg, fragment);
}

static void test_minimal_ok(void)
{
    struct gdir_err err;
    CHECK_INT_EQ(load_text("{" TERR("") "," GOOD_MAP ",\"sources\":[]}", &err), GDIR_OK);
}

static void test_mistakes(void)
{
    expect_error("{not json", NULL, ":1:3: syntax error: unexpected 'o'");   /* where cJSON stops */
    /* issue 10 D7: where the text is wrong, as file:line:column */
    expect_error("{\"a\": 1,\n  \"b\": tru }", NULL, ":2:8: syntax error: unexpected 't'");
    expect_error("{\"territory\": {\n  \"name\": \"T\",\n", NULL,
                 ":3:1: syntax error: unexpected end of the file");
    expect_error("{} x", NULL, ":1:4: syntax error: unexpected 'x' after the JSON value");
    expect_error("[]", NULL, "not a JSON object");
    /* fuzz_territory: a name in Latin-1 (cJSON does not check UTF-8) was loaded as is, then
     * written into /api/territory and every page */
    expect_error("{\"territory\":{\"name\":\"Territoire d'essai \xe9t\xe9\",\"epci_siren\":"
                 "\"200066140\",\"default_licence\":\"etalab-2.0\",\"communes\":[\"55017\"]},"
                 GOOD_MAP ",\"sources\":[]}", NULL, "not valid UTF-8");
    expect_error("{" GOOD_MAP ",\"sources\":[]}", "territory", "territory: missing");
    expect_error("{\"territory\":{\"epci_siren\":\"200066140\",\"default_licence\":\"x\","
                 "\"communes\":[\"55017\"]}," GOOD_MAP ",\"sources\":[]}",
                 "name", "territory.name: missing");
    expect_error("{\"territory\":{\"name\":\"T\",\"epci_siren\":\"20006614\",\"default_licence\":"
                 "\"etalab-2.0\",\"communes\":[\"55017\"]}," GOOD_MAP ",\"sources\":[]}",
                 "epci_siren", "9 digits");
    expect_error("{\"territory\":{\"name\":\"T\",\"epci_siren\":\"200066140\",\"default_licence\":"
                 "\"etalab-2.0\",\"communes\":[\"5501\"]}," GOOD_MAP ",\"sources\":[]}",
                 "communes", "communes[0]");
    expect_error("{\"territory\":{\"name\":\"T\",\"epci_siren\":\"200066140\",\"default_licence\":"
                 "\"etalab-2.0\",\"communes\":[\"55017\",\"55017\"]}," GOOD_MAP ",\"sources\":[]}",
                 "communes", "listed twice");
    expect_error("{\"territory\":{\"name\":\"T\",\"epci_siren\":\"200066140\",\"default_licence\":"
                 "\"etalab-2.0\",\"communes\":[]}," GOOD_MAP ",\"sources\":[]}",
                 "communes", "non-empty");
    expect_error("{" TERR("") ",\"map\":{\"center\":[48.9],\"zoom\":11,\"tiles_url\":\"\","
                 "\"tiles_attribution\":\"\"},\"sources\":[]}", "center", "map.center");
    expect_error("{" TERR("") ",\"map\":{\"center\":[48.9,5.2],\"zoom\":11.5,\"tiles_url\":\"\","
                 "\"tiles_attribution\":\"\"},\"sources\":[]}", "zoom", "map.zoom");
    expect_error("{" TERR("") "," GOOD_MAP ",\"sources\":{}}", "sources", "expected an array");
    expect_error("{" TERR("") "," GOOD_MAP ",\"sources\":[{\"name\":\"a\",\"profile\":\"p\"}]}",
                 "path", "sources[0].path: missing");
    expect_error("{" TERR("") "," GOOD_MAP ",\"sources\":[{\"name\":\"a\",\"profile\":\"p\","
                 "\"path\":\"x\"},{\"name\":\"a\",\"profile\":\"p\",\"path\":\"y\"}]}",
                 "name", "used twice");
    expect_error("{" TERR(",\"contact\":\"x\"") "," GOOD_MAP ",\"sources\":[]}", "contact",
                 "territory.contact");
    expect_error("{\"territory\":{\"name\":\"T\",\"epci_siren\":\"200066140\",\"default_licence\":"
                 "\"Licence Ouverte\",\"communes\":[\"55017\"]}," GOOD_MAP ",\"sources\":[]}",
                 "default_licence", "unknown licence");
    expect_error("{" TERR("") "," GOOD_MAP ",\"sources\":[{\"name\":\"a\",\"profile\":\"p\","
                 "\"path\":\"x\",\"licence\":\"public domain\"}]}", "licence", "unknown licence");
}

/* The optional `overrides` file is resolved against the configuration file's folder (not
 * data_dir); absent, it is NULL. */
static void test_overrides(void)
{
    char dir[] = "/tmp/geodir-test-overrides-XXXXXX";
    char path[128];
    struct gdir_territory t;
    struct gdir_err err;
    const char *text = "{" TERR("") "," GOOD_MAP ",\"data_dir\":\"/srv/data\","
                       "\"overrides\":\"corrections/locales.json\",\"sources\":[]}";
    if (!mkdtemp(dir)) {
        CHECK_FAIL_("mkdtemp: %s", dir);
        return;
    }
    snprintf(path, sizeof path, "%s/territoire.json", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
    gdir_err_clear(&err);
    CHECK_INT_EQ(gdir_territory_load(&t, path, NULL, &err), GDIR_OK);
    if (err.code == GDIR_OK) {
        char want[160];
        snprintf(want, sizeof want, "%s/corrections/locales.json", dir);
        CHECK_STR_EQ(t.overrides, want);
        gdir_territory_free(&t);
    }
    unlink(path);
    rmdir(dir);
    CHECK_INT_EQ(load_text("{" TERR("") "," GOOD_MAP ",\"sources\":[]}", &err), GDIR_OK);
    expect_error("{" TERR("") "," GOOD_MAP ",\"overrides\":3,\"sources\":[]}", "overrides",
                 "overrides: expected a file path");
}

static void test_missing_file(void)
{
    struct gdir_territory t;
    struct gdir_err err;
    CHECK_INT_EQ(gdir_territory_load(&t, "/nonexistent/geodir.json", NULL, &err), GDIR_EIO);
    CHECK(strstr(err.msg, "/nonexistent/geodir.json") != NULL);
}

static const struct check_case cases[] = {
    {"shipped_config", test_shipped_config},
    {"minimal_ok", test_minimal_ok},
    {"mistakes", test_mistakes},
    {"overrides", test_overrides},
    {"missing_file", test_missing_file},
};
CHECK_MAIN(cases)
