/*
 * gdir_cjson.h — parsing a JSON file's text with cJSON, and saying where it is wrong:
 * "path:line:column: syntax error ..." (the configuration, profiles, overrides, FINESS JSON).
 * cJSON itself only gives a pointer into the text; lines and columns count from 1, columns
 * in bytes.
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

#endif
