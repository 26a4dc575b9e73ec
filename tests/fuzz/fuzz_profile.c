/*
 * fuzz_profile.c — libFuzzer target: the importer's mapping profile loader.
 *
 * Writes the input as <tmp>/fuzz.json and loads it with imp_profile_load() (imp_profile.c).
 * Asserts beyond "no crash": errors follow the gdir contract (GDIR_ECONFIG, GDIR_EIO or
 * GDIR_ENOMEM) and name the profile; a loaded profile has a kind with a name
 * (imp_kind_name); loading and freeing leak nothing (LeakSanitizer).
 */
#include "fuzz_util.h"

#include "imp_profile.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct imp_profile p;
    struct gdir_err err;
    int rc;

    fuzz_load_input("fuzz.json", data, size, &err);   /* loaded by name from the folder */
    memset(&p, 0, sizeof p);
    rc = imp_profile_load(&p, fuzz_tmpdir(), "fuzz", &err);
    if (rc)
        fuzz_check_load_refusal(rc, &err, "fuzz");
    else
        FUZZ_CHECK(imp_kind_name(p.kind) != NULL);
    imp_profile_free(&p);
    return 0;
}
