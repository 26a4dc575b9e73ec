/*
 * fuzz_forms.c — libFuzzer target: the forms engine's definition loader.
 *
 * Writes the input to a private temporary file f.json and loads it with forms_load_file()
 * (forms/forms_load.c, forms_fields.c), over a territory of three communes; a loaded
 * definition is then given an empty submission (forms_validate).
 * Asserts beyond "no crash": errors follow the gdir contract (GDIR_ECONFIG or GDIR_ENOMEM,
 * err->code equal to rc) with a message that starts with the file's path; a loaded set holds
 * one form "f" whose served JSON and list entry are valid UTF-8 JSON objects, which knows the
 * common statuses; an empty submission is refused with at least one error or accepted with
 * normalised values; nothing leaks (LeakSanitizer).
 */
#include "fuzz_util.h"

#include "gdir_forms.h"
#include "gdir_text.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const communes[] = { "55017", "55029", "55040" };

static void check_json(const char *text)
{
    FUZZ_CHECK(text && gdir_utf8_valid(text, strlen(text)));
    cJSON *j = cJSON_Parse(text);
    FUZZ_CHECK(cJSON_IsObject(j));
    cJSON_Delete(j);
}

static void submit_empty(const struct form_def *f)
{
    static const char data[] = "{\"values\":{},\"website\":\"\"}";
    struct forms_env env = { 1773576000, NULL, NULL };
    struct forms_submission sub;
    struct forms_errors errs = { 0 };
    struct gdir_err err;
    int rc = forms_validate(f, data, sizeof data - 1, NULL, 0, &env, &sub, &errs, &err);
    FUZZ_CHECK(rc == GDIR_OK || rc == GDIR_EINVAL);
    if (rc == GDIR_OK)
        check_json(sub.values_json);
    else
        FUZZ_CHECK(errs.n >= 1 && sub.values_json == NULL);
    forms_submission_free(&sub);
    forms_errors_free(&errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[4200];
    struct forms_set *set = NULL;
    struct gdir_err err;
    int rc;

    fuzz_path(path, sizeof path, "f.json");
    fuzz_write(path, data, size);
    gdir_err_clear(&err);
    rc = forms_load_file(&set, path, communes, 3, &err);
    fuzz_check_err(rc, &err);
    if (rc) {
        FUZZ_CHECK(rc == GDIR_ECONFIG || rc == GDIR_ENOMEM);
        FUZZ_CHECK(set == NULL);
        FUZZ_CHECK(rc == GDIR_ENOMEM || strncmp(err.msg, path, strlen(path)) == 0);
        return 0;
    }
    FUZZ_CHECK(forms_count(set) == 1);
    const struct form_def *f = forms_at(set, 0);
    FUZZ_CHECK(strcmp(form_id(f), "f") == 0 && forms_find(set, "f") == f);
    FUZZ_CHECK(form_version(f) >= 1);
    FUZZ_CHECK(form_retention_months(f) >= 1 && form_retention_months(f) <= 120);
    FUZZ_CHECK(form_has_status(f, "deposee") && !form_has_status(f, ""));
    check_json(form_json(f));
    check_json(form_summary_json(f));
    submit_empty(f);
    forms_set_free(set);
    return 0;
}
