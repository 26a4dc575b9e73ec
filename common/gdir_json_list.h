/*
 * gdir_json_list.h — JSON arrays written from delimited text lists, such as the postcodes a
 * database column holds as "55250|55260".
 */
#ifndef GDIR_JSON_LIST_H
#define GDIR_JSON_LIST_H

#include "gdir_json.h"

/* Writes key and an array of the non-empty pieces of s split at sep ([] when s is NULL or
 * empty). Returns the writer's sticky error code, like gdir_json_kstrs. */
int gdir_json_ksplit(struct gdir_json *j, const char *key, const char *s, char sep);

#endif
