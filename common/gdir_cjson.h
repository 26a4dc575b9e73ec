/*
 * gdir_cjson.h — parsing a JSON file's text with cJSON, and saying where it is wrong:
 * "path:line:column: syntax error ..." (the configuration, profiles, overrides, FINESS JSON).
 * cJSON itself only gives a pointer into the text; lines and columns count from 1, columns
 * in bytes. Also the one check of a configuration object's keys against a table of the
 * allowed ones (gdir_cjson_check_keys), and key tables that read and free a configuration
 * struct's string members (gdir_cjson_get_strs, gdir_cjson_free_strs).
 */
#ifndef GDIR_CJSON_H
#define GDIR_CJSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "gdir_err.h"

/* Parses text[0..len) (len may be (size_t)-1 for NUL-terminated text; nothing may follow the
 * value but white space). Returns the tree (free with cJSON_Delete), or NULL with err set to
 * code and "path:L:C: syntax error: unexpected end of the file" / "...: unexpected 'x'"
 * (thread-safe: the parse end, not cJSON_GetErrorPtr). */
cJSON *gdir_cjson_parse(const char *text, size_t len, const char *path, int code,
                        struct gdir_err *err);

/* Checks that every member of the object obj is named in keys (NULL-terminated). where is
 * the object's path in the file ("open_data", "sources[2].guard"; "" or NULL for the top
 * level). On the first other member: returns GDIR_ECONFIG with err's message
 * "file: where.key: unknown key (allowed: a, b, c)" (keys in table order) and its parameter
 * where (the key at the top level). Members of a non-object are not checked (returns 0). */
int gdir_cjson_check_keys(const cJSON *obj, const char *const *keys, const char *file,
                          const char *where, struct gdir_err *err);

/* One string member of a configuration object in a key table: its key, the offset (offsetof)
 * of the char * that receives a copy of its value in the struct read into, and whether it
 * must be there. The same table reads the members (gdir_cjson_get_strs) and frees them
 * (gdir_cjson_free_strs). A table ends with a NULL key. */
struct gdir_cjson_str {
    const char *key;
    size_t offset;
    int required;
};

/* Reads the table's members of obj into base, in table order: a copy of each string, NULL
 * when the member is absent or null. On the first problem, returns GDIR_ECONFIG with err's
 * message "file: prefixkey: missing" (a required member) or "file: prefixkey: expected a
 * string" and its parameter the key, or GDIR_ENOMEM "out of memory". prefix: "territory.",
 * "sources[2]." or "". What was read before stays in base (gdir_cjson_free_strs frees it). */
int gdir_cjson_get_strs(const cJSON *obj, const struct gdir_cjson_str *keys, void *base,
                        const char *file, const char *prefix, struct gdir_err *err);

/* Frees the table's strings in base and sets them to NULL. */
void gdir_cjson_free_strs(const struct gdir_cjson_str *keys, void *base);

#endif
