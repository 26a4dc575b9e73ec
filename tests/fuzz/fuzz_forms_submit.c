/*
 * fuzz_forms_submit.c — libFuzzer target: the forms engine's submission checks.
 *
 * Loads the fixed definition tests/forms/fixtures/demo.json once (every field type, a repeat,
 * conditions, file fields), then validates the input with forms_validate(): the bytes before
 * the first 0x01 are the "data" part (JSON), the rest, when there is one, is one attached file
 * "PATH\nCONTENT" (the part file:PATH). Places go through a callback that knows "ecole-1" and
 * fails on "boom".
 * Asserts beyond "no crash": the return is 0, GDIR_EINVAL with at least one error, or
 * GDIR_EDB (the callback's failure) with none; on an error nothing is returned (no values, no
 * files); every error's path and message are NUL-terminated within their arrays and the
 * messages are non-empty valid UTF-8; an accepted submission has valid UTF-8 JSON values, a
 * commune of the form or "", and files whose type is what forms_sniff says of their content.
 */
#include "fuzz_util.h"

#include "gdir_forms.h"
#include "gdir_text.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct forms_set *set;
static const struct form_def *demo;

static int place_cb(void *arg, const char *id, const char *category, char insee[6])
{
    (void)arg;
    (void)category;
    if (strcmp(id, "boom") == 0)
        return GDIR_EDB;
    if (strcmp(id, "ecole-1") != 0)
        return 0;
    memcpy(insee, "55017", 6);
    return 1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const communes[] = { "55017", "55029", "55040" };
    struct gdir_err err;
    (void)argc;
    (void)argv;
    if (forms_load_file(&set, GDIR_SOURCE_DIR "/tests/forms/fixtures/demo.json", communes, 3,
                        &err)) {
        fprintf(stderr, "fuzz_forms_submit: %s\n", err.msg);
        abort();
    }
    demo = forms_find(set, "demo");
    return 0;
}

static void check_accepted(const struct forms_submission *s, const struct forms_file *files,
                           size_t n)
{
    FUZZ_CHECK(s->values_json && gdir_utf8_valid(s->values_json, strlen(s->values_json)));
    cJSON *j = cJSON_Parse(s->values_json);
    FUZZ_CHECK(cJSON_IsObject(j));
    cJSON_Delete(j);
    FUZZ_CHECK(s->commune[0] == '\0' || form_offered_in(demo, s->commune));
    FUZZ_CHECK(s->n_files <= n);
    for (size_t i = 0; i < s->n_files; i++) {
        const struct forms_accepted_file *a = &s->files[i];
        FUZZ_CHECK(a->input < n);
        const char *t = forms_sniff(files[a->input].data, files[a->input].len);
        FUZZ_CHECK(t && strcmp(t, a->type) == 0 && a->mime);
        FUZZ_CHECK(strcmp(a->path, files[a->input].path) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *rest = NULL, *content = NULL;
    size_t rest_n = 0, content_n = 0, n_files = 0;
    char *text = fuzz_head(data, size, '\x01', &rest, &rest_n), *path = NULL;
    struct forms_file file = { 0 };
    struct forms_env env = { 1773576000, place_cb, NULL };
    struct forms_submission sub;
    struct forms_errors errs = { 0 };
    struct gdir_err err;

    if (rest_n) {
        path = fuzz_head(rest, rest_n, '\n', &content, &content_n);
        file = (struct forms_file){ path, "f.pdf", content, content_n };
        n_files = 1;
    }
    gdir_err_clear(&err);
    int rc = forms_validate(demo, text, strlen(text), &file, n_files, &env, &sub, &errs, &err);
    FUZZ_CHECK(rc == GDIR_OK || rc == GDIR_EINVAL || rc == GDIR_EDB);
    if (rc == GDIR_OK) {
        FUZZ_CHECK(errs.n == 0);
        check_accepted(&sub, &file, n_files);
    } else {
        fuzz_check_err(rc, &err);
        FUZZ_CHECK(rc == GDIR_EINVAL ? errs.n >= 1 : errs.n == 0);
        FUZZ_CHECK(sub.values_json == NULL && sub.files == NULL && sub.n_files == 0 &&
                   sub.email == NULL);
    }
    for (size_t i = 0; i < errs.n; i++) {
        const struct forms_field_error *e = &errs.v[i];
        FUZZ_CHECK(memchr(e->field, '\0', sizeof e->field) != NULL);
        FUZZ_CHECK(memchr(e->message, '\0', sizeof e->message) != NULL);
        FUZZ_CHECK(e->message[0] && gdir_utf8_valid(e->message, strlen(e->message)));
    }
    forms_submission_free(&sub);
    forms_errors_free(&errs);
    free(path);
    free(text);
    return 0;
}
