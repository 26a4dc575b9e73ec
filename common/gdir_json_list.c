/*
 * gdir_json_list.c — JSON arrays written from delimited text lists (gdir_json_list.h).
 */
#include "gdir_json_list.h"

#include <string.h>

int gdir_json_ksplit(struct gdir_json *j, const char *key, const char *s, char sep)
{
    gdir_json_key(j, key);
    gdir_json_arr_begin(j);
    for (const char *p = s; p && *p;) {
        const char *end = strchr(p, sep);
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n)
            gdir_json_strn(j, p, n);
        p = end ? end + 1 : NULL;
    }
    return gdir_json_arr_end(j);
}
