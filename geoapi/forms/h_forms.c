/*
 * h_forms.c — the forms offered (GET /api/forms?commune=), one definition (GET
 * /api/forms/{id}) and the CSRF token with its cookie (GET /api/forms/csrf). The JSON of the
 * definitions is the engine's (forms/gdir_forms.h: form_summary_json, form_json).
 */
#include "api_forms.h"
#include "api_handlers.h"
#include "gdir_forms.h"
#include "gdir_json.h"

#include <stdio.h>
#include <string.h>

int h_forms_list(const struct api_ctx *ctx, const struct api_request *req,
                 struct api_response *res, struct gdir_err *err)
{
    struct api_forms *fx;
    const char *insee;
    struct gdir_json j;
    int rc;

    /* Without forms_dir the list is empty (the map page asks for it on every load), while the
     * other routes answer 404. */
    fx = ctx->forms;
    if ((rc = api_param_commune(req, &insee, err)))
        return rc;
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_key(&j, "forms");
    gdir_json_arr_begin(&j);
    for (size_t i = 0; fx && i < forms_count(fx->set); i++) {
        const struct form_def *f = forms_at(fx->set, i);
        if (!insee || form_offered_in(f, insee))
            gdir_json_raw(&j, form_summary_json(f));
    }
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    return api_json_done(res, &j, API_CT_JSON, err);
}

int h_form(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
           struct gdir_err *err)
{
    struct api_forms *fx;
    const char *id = api_capture(req, "id");
    const struct form_def *f;
    int rc = api_forms_get(ctx, &fx, err);

    if (rc)
        return rc;
    f = forms_find(fx->set, id);
    if (!f) {
        char quoted[API_QUOTE_MAX * 4 + 16];
        api_quote(quoted, sizeof quoted, id);
        return gdir_err_set(err, GDIR_ENOTFOUND, "no form %s (GET /api/forms lists them)",
                            quoted);
    }
    if (gdir_buf_adds(&res->body, form_json(f)))
        return gdir_err_set(err, GDIR_EINTERNAL, "response body: out of memory");
    res->content_type = API_CT_JSON;
    return GDIR_OK;
}

int h_forms_csrf(const struct api_ctx *ctx, const struct api_request *req,
                 struct api_response *res, struct gdir_err *err)
{
    struct api_forms *fx;
    char value[API_CSRF_VALUE_LEN + 1], token[API_CSRF_TOKEN_LEN + 1], cookie[160];
    struct gdir_json j;
    int rc;

    if ((rc = api_forms_get(ctx, &fx, err)) ||
        (rc = api_forms_csrf_issue(fx, req->headers, value, token, err)))
        return rc;
    snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s",
             API_CSRF_COOKIE, value, ctx->cfg->secure_cookies_on ? "; Secure" : "");
    if (api_response_header(res, "Set-Cookie", cookie))
        return gdir_err_set(err, GDIR_EINTERNAL, "Set-Cookie: no room");
    gdir_json_init(&j, &res->body);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "token", token);
    gdir_json_kstr(&j, "header", "X-CSRF-Token");
    gdir_json_obj_end(&j);
    return api_json_done(res, &j, API_CT_JSON, err);
}
