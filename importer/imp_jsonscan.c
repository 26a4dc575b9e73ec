/*
 * imp_jsonscan.c — the longest string of a JSON file, with its key and position (see
 * imp_jsonscan.h). Not a validator: it follows quotes and escapes only.
 */
#include "imp_jsonscan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int imp_json_longest_string(const char *path, struct imp_json_longest *out, struct gdir_err *err)
{
    FILE *f = fopen(path, "rb");
    char last[64] = "", key[64] = "";  /* the last short string; the key in effect */
    long line = 1, col = 0, s_line = 0, s_col = 0;
    long long len = 0;
    int c, in_str = 0, esc = 0, after_str = 0, rc = GDIR_OK;

    memset(out, 0, sizeof *out);
    if (!f)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", path, strerror(errno));
    while ((c = getc(f)) != EOF) {
        col++;
        if (in_str) {
            if (esc) {
                esc = 0;
            } else if (c == '\\') {
                esc = 1;
            } else if (c == '"') {
                in_str = 0;
                after_str = 1;
                if (len > out->bytes) {
                    out->bytes = len;
                    out->line = s_line;
                    out->column = s_col;
                    snprintf(out->key, sizeof out->key, "%s", key);
                }
                last[len < (long long)sizeof last ? len : (long long)sizeof last - 1] = '\0';
                continue;
            }
            if (len < (long long)sizeof last - 1)
                last[len] = (char)c;
            len++;
        } else if (c == '"') {
            in_str = 1;
            len = 0;
            s_line = line;
            s_col = col;
        } else if (c == ':' && after_str) {
            memcpy(key, last, sizeof key);   /* the string before ':' was a key */
        } else if (c == '[') {
            key[0] = '\0';
        }
        if (c == '\n') {
            line++;
            col = 0;
        }
        if (!in_str && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '"')
            after_str = 0;
    }
    if (ferror(f))
        rc = gdir_err_set(err, GDIR_EIO, "%s: read error", path);
    fclose(f);
    return rc;
}
