/*
 * fuzz_territory.c — libFuzzer target: the territory configuration loader.
 *
 * Writes the input to a private temporary file and loads it with gdir_territory_load()
 * (gdir_config.c), with and without a data_dir override.
 * Asserts beyond "no crash": errors follow the gdir contract (GDIR_ECONFIG, GDIR_EIO or
 * GDIR_ENOMEM) and the message names the file; a loaded territory has a 9-digit SIREN, member
 * communes of 5 characters, a centre in range, a zoom 1..19, valid UTF-8 names and a public
 * JSON part; loading leaks nothing (LeakSanitizer).
 */
#include "fuzz_util.h"

#include "gdir_config.h"
#include "gdir_text.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gdir_territory t;
    struct gdir_err err;
    const char *path = fuzz_load_input("territory.json", data, size, &err);
    int rc;

    for (int over = 0; over < 2; over++) {
        gdir_err_clear(&err);
        rc = gdir_territory_load(&t, path, over ? fuzz_tmpdir() : NULL, &err);
        if (rc) {
            fuzz_check_load_refusal(rc, &err, "territory.json");
            continue;
        }
        FUZZ_CHECK(t.epci_siren && strlen(t.epci_siren) == 9);
        FUZZ_CHECK(t.name && gdir_utf8_valid(t.name, strlen(t.name)));
        for (size_t i = 0; i < t.n_communes; i++)
            FUZZ_CHECK(strlen(t.communes[i]) == 5);
        FUZZ_CHECK(t.center_lat >= -90 && t.center_lat <= 90);
        FUZZ_CHECK(t.center_lon >= -180 && t.center_lon <= 180);
        FUZZ_CHECK(t.zoom >= 1 && t.zoom <= 19);
        FUZZ_CHECK(t.public_json && t.public_json[0] == '{');
        gdir_territory_free(&t);
    }
    return 0;
}
