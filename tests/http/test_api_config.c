/*
 * test_api_config.c — geodir-api's option table: defaults, the precedence of the four sources
 * (defaults < --config FILE < GEODIR_* environment < command line), and the refusals that make
 * main() exit with status 2 (bad values named with their source, unknown keys with file:line,
 * contradictory limits, a missing static folder).
 */
#include "check.h"

#include "api_config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/geodir-test-apiconf-XXXXXX";
static char conf[256];

static int load(struct api_config *cfg, struct gdir_err *err, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)"geodir-api";
    for (; *args && argc < 31; args++)
        argv[argc++] = (char *)*args;
    argv[argc] = NULL;
    return api_config_load(cfg, argc, argv, err);
}

static void write_conf(const char *text)
{
    FILE *f = fopen(conf, "w");
    if (!f) {
        CHECK_FAIL_("cannot write %s", conf);
        return;
    }
    fputs(text, f);
    fclose(f);
}

static void test_defaults(void)
{
    struct api_config cfg;
    struct gdir_err err;
    CHECK_INT_EQ(load(&cfg, &err, (const char *const[]){"--static_dir", dir, NULL}), 0);
    CHECK_STR_EQ(cfg.listen, "127.0.0.1");
    CHECK_INT_EQ(cfg.port, 8080);
    CHECK_INT_EQ(cfg.threads, 4);
    CHECK_INT_EQ(cfg.default_limit, 50);
    CHECK_INT_EQ(cfg.max_limit, 500);
    CHECK_INT_EQ(cfg.default_radius, 10000);
    CHECK_INT_EQ(cfg.max_radius, 50000);
    CHECK_INT_EQ(cfg.max_query_len, 2048);
    CHECK_STR_EQ(cfg.log_level, "info");
    char want[512];
    snprintf(want, sizeof want, "%s/node_modules/leaflet/dist", dir);
    CHECK_STR_EQ(cfg.vendor_dir, want);
    api_config_free(&cfg);
}

static void test_precedence(void)
{
    struct api_config cfg;
    struct gdir_err err;
    char text[512];

    snprintf(text, sizeof text,
             "# comment\n\nport = 1111\nthreads = 3\nstatic_dir = \"%s\"\nlog_level=warn\n", dir);
    write_conf(text);
    setenv("GEODIR_PORT", "2222", 1);
    setenv("GEODIR_THREADS", "5", 1);

    CHECK_INT_EQ(load(&cfg, &err, (const char *const[]){"--config", conf, "--port", "3333",
                                                        NULL}),
                 0);
    CHECK_INT_EQ(cfg.port, 3333);        /* command line beats environment */
    CHECK_INT_EQ(cfg.threads, 5);        /* environment beats file */
    CHECK_STR_EQ(cfg.log_level, "warn"); /* file beats default */
    CHECK_STR_EQ(cfg.static_dir, dir);
    api_config_free(&cfg);

    CHECK_INT_EQ(load(&cfg, &err, (const char *const[]){"--config=", NULL}), GDIR_ECONFIG);
    CHECK_INT_EQ(load(&cfg, &err, (const char *const[]){"--config", conf, NULL}), 0);
    CHECK_INT_EQ(cfg.port, 2222);
    api_config_free(&cfg);

    unsetenv("GEODIR_PORT");
    unsetenv("GEODIR_THREADS");
    CHECK_INT_EQ(load(&cfg, &err, (const char *const[]){"--config", conf, "--port=0", NULL}), 0);
    CHECK_INT_EQ(cfg.port, 0);
    CHECK_INT_EQ(cfg.threads, 3);
    api_config_free(&cfg);
}

static void expect_refusal(const char *const *args, const char *param, const char *fragment)
{
    struct api_config cfg;
    struct gdir_err err;
    int rc = load(&cfg, &err, args);
    CHECK_INT_EQ(rc, GDIR_ECONFIG);
    if (rc == 0)
        api_config_free(&cfg);
    if (param)
        CHECK_STR_EQ(err.param, param);
    if (fragment && !strstr(err.msg, fragment))
        CHECK_FAIL_("message \"%s\" lacks \"%s\"", err.msg, fragment);
}

static void test_refusals(void)
{
    char text[512];

    expect_refusal((const char *const[]){"--static_dir", dir, "--port", "70000", NULL}, "port",
                   "port (--port): expected an integer in 0..65535, got \"70000\"");
    expect_refusal((const char *const[]){"--static_dir", dir, "--threads", "0", NULL}, "threads",
                   NULL);
    expect_refusal((const char *const[]){"--static_dir", dir, "--listen", "localhost", NULL},
                   "listen", NULL);
    expect_refusal((const char *const[]){"--static_dir", dir, "--log_level", "loud", NULL},
                   "log_level", NULL);
    expect_refusal((const char *const[]){"--static_dir", dir, "--default_limit", "600", NULL},
                   "default_limit", NULL);
    expect_refusal((const char *const[]){"--static_dir", dir, "--max_radius", "100", NULL},
                   "default_radius", NULL);
    expect_refusal((const char *const[]){"--static_dir", "/nonexistent/geodir", NULL},
                   "static_dir", NULL);
    expect_refusal((const char *const[]){"--static_dir", dir, "--db", "", NULL}, "db", NULL);
    expect_refusal((const char *const[]){"--nope", "1", NULL}, NULL, "unknown option");
    expect_refusal((const char *const[]){"stray", NULL}, NULL, "unexpected argument");
    expect_refusal((const char *const[]){"--port", NULL}, "port", "missing value");
    expect_refusal((const char *const[]){"--config", "/nonexistent/geoapi.conf", NULL}, "config",
                   NULL);

    write_conf("port = 1\nbogus = 2\n");
    snprintf(text, sizeof text, "%s:2: unknown option", conf);
    expect_refusal((const char *const[]){"--config", conf, NULL}, NULL, text);
    write_conf("port 1\n");
    expect_refusal((const char *const[]){"--config", conf, NULL}, NULL, "expected `key = value`");

    setenv("GEODIR_MAX_LIMIT", "x", 1);
    expect_refusal((const char *const[]){"--static_dir", dir, NULL}, "max_limit",
                   "(GEODIR_MAX_LIMIT)");
    unsetenv("GEODIR_MAX_LIMIT");
}

static void test_help_lists_every_option(void)
{
    char path[300];
    FILE *f;
    char text[8192];
    size_t n;
    static const char *const names[] = {"listen", "port", "db", "static_dir", "vendor_dir",
                                        "threads", "default_limit", "max_limit", "default_radius",
                                        "max_radius", "max_query_len", "log_level", NULL};

    snprintf(path, sizeof path, "%s/help.txt", dir);
    f = fopen(path, "w+");
    if (!f) {
        CHECK_FAIL_("cannot write %s", path);
        return;
    }
    api_config_help(f);
    rewind(f);
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    remove(path);
    for (const char *const *p = names; *p; p++) {
        char flag[64];
        snprintf(flag, sizeof flag, "--%s ", *p);
        if (!strstr(text, flag))
            CHECK_FAIL_("--help does not mention %s", flag);
    }
}

/* The documented sample config/geoapi.conf must be accepted as is (its folders are an
 * installation's, so the test points static_dir at its own). */
static void test_sample_config(void)
{
    struct api_config cfg;
    struct gdir_err err;
    char sample[512];

    snprintf(sample, sizeof sample, "%s/config/geoapi.conf", GDIR_SOURCE_DIR);
    CHECK_INT_EQ(load(&cfg, &err, (const char *const[]){"--config", sample, "--static_dir", dir,
                                                        NULL}),
                 0);
    if (err.code)
        fprintf(stderr, "%s\n", err.msg);
    else {
        CHECK_INT_EQ(cfg.port, 8080);
        CHECK_INT_EQ(cfg.threads, 4);
        CHECK_INT_EQ(cfg.max_limit, 500);
        CHECK_STR_EQ(cfg.listen, "127.0.0.1");
        api_config_free(&cfg);
    }
}

static const struct check_case cases[] = {
    {"the sample config/geoapi.conf is valid", test_sample_config},
    {"defaults", test_defaults},
    {"precedence: defaults < file < environment < flags", test_precedence},
    {"refusals name the option and its source", test_refusals},
    {"--help lists every option", test_help_lists_every_option},
};

int main(void)
{
    static const char *const env[] = {"GEODIR_LISTEN", "GEODIR_PORT", "GEODIR_DB",
                                      "GEODIR_STATIC_DIR", "GEODIR_VENDOR_DIR", "GEODIR_THREADS",
                                      "GEODIR_DEFAULT_LIMIT", "GEODIR_MAX_LIMIT",
                                      "GEODIR_DEFAULT_RADIUS", "GEODIR_MAX_RADIUS",
                                      "GEODIR_MAX_QUERY_LEN", "GEODIR_MAX_CONNECTIONS",
                                      "GEODIR_TIMEOUT", "GEODIR_LOG_LEVEL", NULL};
    for (const char *const *e = env; *e; e++)
        unsetenv(*e);   /* the caller's environment must not change the defaults */
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(conf, sizeof conf, "%s/geoapi.conf", dir);
    int failed = check_run(cases, CHECK_COUNT(cases));
    remove(conf);
    rmdir(dir);
    return failed ? 1 : 0;
}
