/*
 * fuzz_api_config.c — libFuzzer target: geodir-api's configuration file (key = value lines).
 *
 * Writes the input to a private temporary file and loads it with api_config_load()
 * (api_config.c) as `geodir-api --config FILE`.
 * Asserts beyond "no crash": the result is 0 or GDIR_ECONFIG with the gdir contract (an
 * option-less run never prints help: API_CONFIG_DONE is impossible); a loaded configuration
 * has a port 0..65535, at least one thread, 1 <= default_limit <= max_limit and a database
 * path; loading and freeing leak nothing (LeakSanitizer).
 */
#include "fuzz_util.h"

#include "api_config.h"

#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const vars[] = {"GEODIR_DB", "GEODIR_PORT", "GEODIR_LISTEN",
                                       "GEODIR_CONFIG", NULL};
    (void)argc;
    (void)argv;
    for (const char *const *v = vars; *v; v++)   /* the file alone decides */
        unsetenv(*v);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4200], prog[] = "geodir-api", opt[] = "--config";
    char *args[] = {prog, opt, path, NULL};
    struct api_config cfg;
    struct gdir_err err;
    int rc;

    fuzz_input_file(path, sizeof path, "geoapi.conf", data, size);
    gdir_err_clear(&err);
    rc = api_config_load(&cfg, 3, args, &err);
    fuzz_check_err(rc, &err);
    FUZZ_CHECK(rc == 0 || rc == GDIR_ECONFIG);
    if (rc == 0) {
        FUZZ_CHECK(cfg.port >= 0 && cfg.port <= 65535);
        FUZZ_CHECK(cfg.threads >= 1);
        FUZZ_CHECK(cfg.default_limit >= 1 && cfg.default_limit <= cfg.max_limit);
        FUZZ_CHECK(cfg.db != NULL);
        api_config_free(&cfg);
    }
    return 0;
}
