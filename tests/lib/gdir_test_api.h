/*
 * gdir_test_api.h — C helpers shared by the tests of geoapi's request layer
 * (tests/http/test_api_router.c, tests/fuzz/fuzz_params.c). Header only; include it with
 * tests/lib on the include path.
 */
#ifndef GDIR_TEST_API_H
#define GDIR_TEST_API_H

#include "api_config.h"

#include <string.h>

/* A zeroed configuration with the limits of /api/places at geoapi's defaults (api_config.c:
 * default_limit 50, max_limit 500, default_radius 10000 m, max_radius 50000 m); the caller
 * sets the lengths (max_query_len, max_q_len) it needs. */
static inline struct api_config gdir_test_api_config(void)
{
    struct api_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.default_limit = 50;
    cfg.max_limit = 500;
    cfg.default_radius = 10000;
    cfg.max_radius = 50000;
    return cfg;
}

#endif
