/*
 * gdir_cjson.c — cJSON parsing with the position of a syntax error, the check of a
 * configuration object's keys and the key tables of its string members (see gdir_cjson.h).
 */
#include "gdir_cjson.h"

#include "gdir_buf.h"
#include "gdir_mem.h"

#include <stdlib.h>
#include <string.h>

cJSON *gdir_cjson_parse(const char *text, size_t len, const char *path, int code,
                        struct gdir_err *err)
{
    const char *end = NULL;
    long line = 1, col = 1;
    int trailing = 0;   /* a whole value, then something else */
    cJSON *root;

    if (len == (size_t)-1)
        len = strlen(text);
    root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (root) {   /* only white space may follow the value */
        while (end < text + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
            end++;
        if (end == text + len)
            return root;
        cJSON_Delete(root);
        trailing = 1;
    }
    if (!end || end < text || end > text + len)
        end = text + len;
    while (end < text + len && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;   /* cJSON may stop before white space: point at what is wrong */
    for (const char *c = text; c < end; c++) {
        if (*c == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    const char *rest = end + 1;   /* after the byte cJSON stopped at */
    while (rest < text + len && (*rest == ' ' || *rest == '\t' || *rest == '\n' || *rest == '\r'))
        rest++;
    if (end >= text + len || !*end)
        gdir_err_set(err, code, "%s:%ld:%ld: syntax error: unexpected end of the file (the JSON "
                     "text is cut short)", path, line, col);
    else if (!trailing && rest >= text + len && (unsigned char)*end >= 0x20 && (unsigned char)*end < 0x7f)
        gdir_err_set(err, code, "%s:%ld:%ld: syntax error at '%c', the last character of the "
                     "file (the JSON text is cut short)", path, line, col, *end);
    else if ((unsigned char)*end >= 0x20 && (unsigned char)*end < 0x7f)
        gdir_err_set(err, code, "%s:%ld:%ld: syntax error: unexpected '%c'%s", path, line, col,
                     *end, trailing ? " after the JSON value" : "");
    else
        gdir_err_set(err, code, "%s:%ld:%ld: syntax error: unexpected byte 0x%02X", path, line,
                     col, (unsigned char)*end);
    return NULL;
}

static int key_allowed(const char *key, const char *const *keys)
{
    for (const char *const *k = keys; *k; k++)
        if (strcmp(key, *k) == 0)
            return 1;
    return 0;
}

int gdir_cjson_check_keys(const cJSON *obj, const char *const *keys, const char *file,
                          const char *where, struct gdir_err *err)
{
    const cJSON *it;
    struct gdir_buf allowed;
    int rc = GDIR_OK;

    if (!cJSON_IsObject(obj))
        return GDIR_OK;
    if (!where)
        where = "";
    cJSON_ArrayForEach(it, obj) {
        if (key_allowed(it->string, keys))
            continue;
        gdir_buf_init(&allowed, 1024);
        for (const char *const *k = keys; *k; k++)
            gdir_buf_printf(&allowed, "%s%s", k == keys ? "" : ", ", *k);
        rc = gdir_err_set_param(err, GDIR_ECONFIG, where[0] ? where : it->string,
                                "%s: %s%s%s: unknown key (allowed: %s)", file, where,
                                where[0] ? "." : "", it->string, gdir_buf_str(&allowed));
        gdir_buf_free(&allowed);
        break;
    }
    return rc;
}

static char **str_at(const struct gdir_cjson_str *k, void *base)
{
    return (char **)((char *)base + k->offset);
}

int gdir_cjson_get_strs(const cJSON *obj, const struct gdir_cjson_str *keys, void *base,
                        const char *file, const char *prefix, struct gdir_err *err)
{
    for (const struct gdir_cjson_str *k = keys; k->key; k++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, k->key);
        char **out = str_at(k, base);
        *out = NULL;
        if (!it || cJSON_IsNull(it)) {
            if (k->required)
                return gdir_err_set_param(err, GDIR_ECONFIG, k->key, "%s: %s%s: missing", file,
                                          prefix, k->key);
            continue;
        }
        if (!cJSON_IsString(it))
            return gdir_err_set_param(err, GDIR_ECONFIG, k->key, "%s: %s%s: expected a string",
                                      file, prefix, k->key);
        if (!(*out = gdir_strdup(it->valuestring)))
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    }
    return GDIR_OK;
}

void gdir_cjson_free_strs(const struct gdir_cjson_str *keys, void *base)
{
    for (const struct gdir_cjson_str *k = keys; k->key; k++) {
        char **s = str_at(k, base);
        free(*s);
        *s = NULL;
    }
}
