/*
 * imp_source_osm.c — the OSM specifics that are plain text work: reading one tag out of the
 * `other_tags` field of GDAL's OSM driver. The driver puts every tag that osmconf.ini does not
 * make a column into that field as an hstore literal:
 *
 *     "addr:street"=>"Rue de l'Église","name:zh"=>"圣巴泰勒米岛","note"=>"say \"hi\" \\o/"
 *
 * Keys and values are double-quoted, `"` and `\` inside them are escaped with a backslash,
 * pairs are separated by commas. Values are UTF-8 and returned byte for byte (after
 * unescaping); their validity is checked later with every other value (imp_record).
 *
 * What it does not do: any GDAL call (imp_source_ogr.c reads the features).
 */
#include "gdir_buf.h"
#include "imp_source_reader.h"

#include <string.h>

/* Reads the quoted string at *p (which points at its opening quote). When out is NULL it
 * compares the unescaped text with want and returns 1 on equality, 0 otherwise; when out is
 * not NULL it appends the unescaped text to out and returns 1. Returns -1 on a malformed
 * string. *p is left after the closing quote. */
static int quoted(const char **p, const char *want, struct gdir_buf *out)
{
    const char *s = *p;
    int same = 1;
    size_t k = 0;

    if (*s != '"')
        return -1;
    for (s++;; s++) {
        char c = *s;
        if (c == '\0')
            return -1;
        if (c == '"')
            break;
        if (c == '\\') {
            c = *++s;
            if (c == '\0')
                return -1;
        }
        if (out) {
            if (gdir_buf_addc(out, c))
                return -1;
        } else if (same) {
            same = want[k] == c;
            k++;
        }
    }
    *p = s + 1;
    if (out)
        return 1;
    return same && want[k] == '\0';
}

int imp_osm_tag(const char *other_tags, const char *key, struct gdir_buf *out)
{
    const char *p = other_tags;

    if (!p || !key || !*key)
        return 0;
    for (;;) {
        int hit;
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '\0')
            return 0;
        if ((hit = quoted(&p, key, NULL)) < 0)
            return 0;
        while (*p == ' ')
            p++;
        if (p[0] != '=' || p[1] != '>')
            return 0;
        p += 2;
        while (*p == ' ')
            p++;
        if (strncmp(p, "NULL", 4) == 0 && (p[4] == ',' || p[4] == '\0' || p[4] == ' ')) {
            p += 4;             /* hstore NULL: the key has no value */
            if (hit)
                return 0;
            continue;
        }
        if (hit) {
            size_t before = out->len;
            if (quoted(&p, NULL, out) < 0) {
                out->len = before;   /* drop a partial value */
                if (out->data)
                    out->data[before] = '\0';
                return 0;
            }
            return 1;
        }
        /* skip the value */
        {
            const char *s = p;
            if (*s != '"')
                return 0;
            for (s++; *s && *s != '"'; s++)
                if (*s == '\\' && s[1])
                    s++;
            if (*s != '"')
                return 0;
            p = s + 1;
        }
    }
}
