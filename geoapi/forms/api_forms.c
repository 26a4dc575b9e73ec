/*
 * api_forms.c — the online procedures' shared state (definitions, store, rate limits), the
 * CSRF cookie and token, the place check on the directory, and the small helpers of the
 * handlers (h_forms.c, h_submit.c, h_requests.c). See api_forms.h.
 */
#include "api_forms.h"
#include "api_dbpool.h"
#include "api_ratelimit.h"
#include "api_router.h"
#include "forms_store.h"
#include "gdir_cjson.h"
#include "gdir_forms.h"
#include "gdir_log.h"
#include "gdir_mem.h"
#include "gdir_secret.h"
#include "gdir_taxonomy.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 when path (resolved) lies inside root (resolved). */
static int inside(const char *root, const char *path)
{
    size_t n = strlen(root);
    return strncmp(path, root, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The attachments' folder must not be served: refuse it inside static_dir. */
static int check_files_dir(const struct api_config *cfg, const char *static_root,
                           struct gdir_err *err)
{
    char *real = realpath(cfg->forms_files_dir, NULL);
    int bad = real && static_root && inside(static_root, real);
    free(real);
    if (bad)
        return gdir_err_set_param(err, GDIR_ECONFIG, "forms_files_dir",
                                  "forms_files_dir: \"%.200s\" lies inside static_dir: "
                                  "attachments would be served to anyone", cfg->forms_files_dir);
    return GDIR_OK;
}

/* Each form's "receipt" text, read from its served definition. */
static int load_receipts(struct api_forms *fx, struct gdir_err *err)
{
    size_t n = forms_count(fx->set);
    fx->receipts = calloc(n ? n : 1, sizeof *fx->receipts);
    if (!fx->receipts)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const struct form_def *f = forms_at(fx->set, i);
        cJSON *root = cJSON_Parse(form_json(f));
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(root, "receipt");
        if (cJSON_IsString(r))
            fx->receipts[i] = gdir_strdup(r->valuestring);
        cJSON_Delete(root);
    }
    return GDIR_OK;
}

int api_forms_load(struct forms_set **set, const struct api_config *cfg,
                   const char *const *communes, size_t n, struct gdir_err *err)
{
    int rc = forms_load_dir(set, cfg->forms_dir, communes, n, err);

    if (rc)
        return rc;
    if (forms_find(*set, "csrf")) {   /* GET /api/forms/csrf comes first in the table */
        forms_set_free(*set);
        *set = NULL;
        return gdir_err_set(err, GDIR_ECONFIG, "%s/csrf.json: the id \"csrf\" is reserved",
                            cfg->forms_dir);
    }
    return GDIR_OK;
}

int api_forms_open(struct api_forms **out, const struct api_config *cfg, const char *static_root,
                   struct api_dbpool *pool, const char *const *communes, size_t n,
                   struct gdir_err *err)
{
    struct api_forms *fx = calloc(1, sizeof *fx);
    int rc;

    *out = NULL;
    if (!fx)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    fx->cfg = cfg;
    fx->pool = pool;
    if ((rc = api_forms_load(&fx->set, cfg, communes, n, err)) ||
        (rc = load_receipts(fx, err)) ||
        (rc = forms_store_open(&fx->store, cfg->forms_db, cfg->forms_files_dir, err)) ||
        (rc = check_files_dir(cfg, static_root, err)))
        goto fail;
    if ((cfg->forms_submit_rate > 0 &&
         api_rl_create(&fx->submits, (unsigned)cfg->forms_submit_rate, 60)) ||
        api_rl_create(&fx->misses, (unsigned)cfg->forms_lookup_misses,
                      API_FORMS_LOOKUP_WINDOW)) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto fail;
    }
    gdir_log(GDIR_LOG_INFO, "forms", "msg=\"online procedures\" forms=%zu", forms_count(fx->set));
    *out = fx;
    return GDIR_OK;
fail:
    api_forms_close(fx);
    return rc == GDIR_ENOMEM ? rc : (err->code = GDIR_ECONFIG);
}

void api_forms_close(struct api_forms *fx)
{
    if (!fx)
        return;
    forms_store_close(fx->store);
    if (fx->receipts && fx->set)
        for (size_t i = 0; i < forms_count(fx->set); i++)
            free(fx->receipts[i]);
    free(fx->receipts);
    forms_set_free(fx->set);
    api_rl_free(fx->submits);
    api_rl_free(fx->misses);
    free(fx);
}

int api_forms_get(const struct api_ctx *ctx, struct api_forms **fx, struct gdir_err *err)
{
    *fx = ctx->forms;
    if (!*fx)
        return gdir_err_set(err, GDIR_ENOTFOUND, "online procedures are not configured on this "
                            "server (forms_dir)");
    return GDIR_OK;
}

const char *api_forms_receipt(const struct api_forms *fx, const struct form_def *f)
{
    for (size_t i = 0; i < forms_count(fx->set); i++)
        if (forms_at(fx->set, i) == f)
            return fx->receipts[i];
    return NULL;
}

int api_forms_throttled(unsigned wait, const char *what, struct api_response *res,
                        struct gdir_err *err)
{
    if (!wait)
        return GDIR_OK;
    res->retry_after = wait;
    return gdir_err_set(err, GDIR_ETOOMANY, "%s: too many requests from this address; try "
                        "again in %u s", what, wait);
}

/* ---- CSRF --------------------------------------------------------------------------------- */

/* The value of cookie API_CSRF_COOKIE in a Cookie header, copied (cap bytes), or 0. */
static int cookie_value(const char *header, char *out, size_t cap)
{
    return api_cookie(header, API_CSRF_COOKIE, out, cap);
}

static int csrf_token_of(const struct api_forms *fx, const char *value,
                         char token[API_CSRF_TOKEN_LEN + 1])
{
    unsigned char mac[32];
    if (gdir_hmac_sha256(forms_store_secret(fx->store), FORMS_SECRET_LEN, value, strlen(value),
                         mac))
        return GDIR_EINTERNAL;
    gdir_b64url(mac, sizeof mac, token);
    return GDIR_OK;
}

int api_forms_csrf_check(const struct api_forms *fx, const struct api_headers *h,
                         struct gdir_err *err)
{
    char value[API_CSRF_VALUE_LEN + 2], want[API_CSRF_TOKEN_LEN + 1];
    const char *got = h->csrf_token;

    if (!h->cookie || !cookie_value(h->cookie, value, sizeof value) ||
        !gdir_b64url_valid(value, API_CSRF_VALUE_LEN))
        return gdir_err_set_param(err, GDIR_EFORBIDDEN, "X-CSRF-Token",
                                  "the cookie " API_CSRF_COOKIE " is missing: ask "
                                  "GET /api/forms/csrf first");
    if (!got || strlen(got) != API_CSRF_TOKEN_LEN || csrf_token_of(fx, value, want) ||
        !gdir_ct_equal(got, want, API_CSRF_TOKEN_LEN))
        return gdir_err_set_param(err, GDIR_EFORBIDDEN, "X-CSRF-Token",
                                  "X-CSRF-Token: missing or not the token of the "
                                  API_CSRF_COOKIE " cookie (GET /api/forms/csrf)");
    return GDIR_OK;
}

int api_forms_csrf_issue(const struct api_forms *fx, const struct api_headers *h,
                         char value[API_CSRF_VALUE_LEN + 1], char token[API_CSRF_TOKEN_LEN + 1],
                         struct gdir_err *err)
{
    char have[API_CSRF_VALUE_LEN + 2];

    if (h->cookie && cookie_value(h->cookie, have, sizeof have) &&
        gdir_b64url_valid(have, API_CSRF_VALUE_LEN)) {
        memcpy(value, have, API_CSRF_VALUE_LEN + 1);   /* other tabs keep their token */
    } else {
        unsigned char raw[16];
        if (gdir_random(raw, sizeof raw, err))
            return GDIR_EIO;
        gdir_b64url(raw, sizeof raw, value);
    }
    if (csrf_token_of(fx, value, token))
        return gdir_err_set(err, GDIR_EINTERNAL, "HMAC failed");
    return GDIR_OK;
}

/* ---- the directory ------------------------------------------------------------------------ */

int api_forms_place(void *arg, const char *id, const char *category, char insee[6])
{
    struct api_db *db;
    struct gdir_err err;
    char cat[64], code[8];
    int found = 0;

    if (api_dbpool_get(arg, &db, &err) || api_q_place_for_form(db, id, &found, cat, code, &err))
        return err.code ? err.code : GDIR_EUNAVAIL;
    if (!found)
        return 0;
    if (category) {
        const struct gdir_category *c = gdir_category_find(cat);
        if (strcmp(cat, category) != 0 && !(c && c->parent && strcmp(c->parent, category) == 0))
            return 0;
    }
    snprintf(insee, 6, "%.5s", code);
    return 1;
}

void api_forms_time(long long t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, 32, "1970-01-01T00:00:00Z");
}
