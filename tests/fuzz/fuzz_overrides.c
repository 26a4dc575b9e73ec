/*
 * fuzz_overrides.c — libFuzzer target: the importer's local corrections file loader.
 *
 * Writes the input to a private temporary file and loads it with imp_overrides_load()
 * (imp_overrides.c), the territory's members being three communes of the Meuse.
 * Asserts beyond "no crash": errors follow the gdir contract (GDIR_ECONFIG, GDIR_EIO or
 * GDIR_ENOMEM) and the message names the file; a loaded file counts 0 or more entries;
 * loading and freeing leak nothing (LeakSanitizer).
 */
#include "fuzz_util.h"

#include "imp_overrides.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *codes[] = {"55029", "55386", "55490"};   /* sorted */
    const struct imp_members members = {codes, 3};
    struct imp_overrides *o = NULL;
    struct gdir_err err;
    const char *path = fuzz_load_input("overrides.json", data, size, &err);
    int rc = imp_overrides_load(&o, path, &members, &err);
    if (rc)
        fuzz_check_load_refusal(rc, &err, "overrides.json");
    else
        FUZZ_CHECK(imp_overrides_count(o) >= 0);
    imp_overrides_free(o);
    return 0;
}
