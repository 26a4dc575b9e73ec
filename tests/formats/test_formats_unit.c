/*
 * test_formats_unit.c — unit tests of the text-level pieces of the source readers: the OSM
 * `other_tags` (hstore) parser, Windows-1252 -> UTF-8 conversion, the "auto" encoding rule
 * and the CSV record reader (quotes, quoted line breaks, CRLF, BOM, line numbers).
 */
#include "../unit/check.h"

#include "gdir_buf.h"
#include "imp_csvscan.h"
#include "imp_source_reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The value of key in tags, or NULL when absent (a static copy). */
static const char *tag(const char *tags, const char *key)
{
    static char out[256];
    struct gdir_buf b;
    const char *res = NULL;
    gdir_buf_init(&b, 0);
    if (imp_osm_tag(tags, key, &b)) {
        snprintf(out, sizeof out, "%s", gdir_buf_str(&b));
        res = out;
    }
    gdir_buf_free(&b);
    return res;
}

static void test_osm_tags_plain(void)
{
    const char *t = "\"addr:street\"=>\"Grand'Rue\",\"name:zh\"=>\"车站咖啡馆\",\"wheelchair\"=>\"yes\"";
    CHECK_STR_EQ(tag(t, "addr:street"), "Grand'Rue");
    CHECK_STR_EQ(tag(t, "name:zh"), "车站咖啡馆");
    CHECK_STR_EQ(tag(t, "wheelchair"), "yes");
    CHECK(tag(t, "addr") == NULL);          /* a prefix of a key is not the key */
    CHECK(tag(t, "street") == NULL);
    CHECK(tag("", "name") == NULL);
    CHECK(tag(NULL, "name") == NULL);
}

static void test_osm_tags_escapes(void)
{
    /* GDAL escapes " and \ inside keys and values */
    const char *t = "\"note\"=>\"\\\"addr:street\\\"=>\\\"faux\\\"\","
                    "\"description\"=>\"Dit \\\"le Zinc\\\" => chez L\xC3\xA9on, c:\\\\bar\","
                    "\"addr:street\"=>\"Rue \\\"Haute\\\"\"";
    CHECK_STR_EQ(tag(t, "addr:street"), "Rue \"Haute\"");
    CHECK_STR_EQ(tag(t, "description"), "Dit \"le Zinc\" => chez L\xC3\xA9on, c:\\bar");
    CHECK_STR_EQ(tag(t, "note"), "\"addr:street\"=>\"faux\"");
    /* a key made of escapes */
    CHECK_STR_EQ(tag("\"a\\\"b\"=>\"1\"", "a\"b"), "1");
}

static void test_osm_tags_malformed(void)
{
    CHECK(tag("\"name\"=>\"unterminated", "name") == NULL);
    CHECK(tag("\"name\"=\"x\"", "name") == NULL);
    CHECK(tag("name=>\"x\"", "name") == NULL);
    CHECK_STR_EQ(tag("\"a\"=>NULL,\"b\"=>\"2\"", "b"), "2");   /* hstore NULL */
    CHECK(tag("\"a\"=>NULL,\"b\"=>\"2\"", "a") == NULL);
    CHECK_STR_EQ(tag("\"a\" => \"1\", \"b\" => \"2\"", "b"), "2");  /* spaces */
}

static void test_cp1252(void)
{
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    /* é (E9), € (80), ’ (92), œ (9C), unassigned 81 kept as U+0081 */
    CHECK_INT_EQ(imp_cp1252_to_utf8(&b, "\xE9\x80\x92\x9C\x81z", 6), 0);
    CHECK_STR_EQ(gdir_buf_str(&b), "\xC3\xA9\xE2\x82\xAC\xE2\x80\x99\xC5\x93\xC2\x81z");
    gdir_buf_free(&b);
}

static char *write_tmp(const char *content, size_t n)
{
    char tmpl[] = "/tmp/geodir-fmt-XXXXXX";
    int fd = mkstemp(tmpl);
    char *path = NULL;
    if (fd < 0)
        return NULL;
    if (write(fd, content, n) == (ssize_t)n)
        path = strdup(tmpl);
    close(fd);
    return path;
}

static void test_encoding_auto(void)
{
    struct gdir_err err;
    int cp;
    char *utf8 = write_tmp("a;b\nCaf\xC3\xA9;1\n", 12);
    char *latin = write_tmp("a;b\nCaf\xE9;1\n", 11);
    char *bom = write_tmp("\xEF\xBB\xBF" "a;b\nCaf\xE9;1\n", 14);
    /* a sequence cut by the end of the file */
    char *cut = write_tmp("a;b\nCaf\xC3", 8);
    gdir_err_clear(&err);
    CHECK(utf8 && latin && bom && cut);
    if (!utf8 || !latin || !bom || !cut)
        goto out;
    CHECK_INT_EQ(imp_file_encoding_auto(utf8, &cp, &err), 0);
    CHECK_INT_EQ(cp, 0);
    CHECK_INT_EQ(imp_file_encoding_auto(latin, &cp, &err), 0);
    CHECK_INT_EQ(cp, 1);
    CHECK_INT_EQ(imp_file_encoding_auto(bom, &cp, &err), 0);
    CHECK_INT_EQ(cp, 0);   /* a BOM says UTF-8, whatever follows */
    CHECK_INT_EQ(imp_file_encoding_auto(cut, &cp, &err), 0);
    CHECK_INT_EQ(cp, 1);
    CHECK(imp_file_encoding_auto("/nonexistent/geodir", &cp, &err) < 0);
out:
    if (utf8)
        unlink(utf8);
    if (latin)
        unlink(latin);
    if (bom)
        unlink(bom);
    if (cut)
        unlink(cut);
    free(utf8);
    free(latin);
    free(bom);
    free(cut);
}

static void test_csvrd(void)
{
    const char text[] = "\xEF\xBB\xBF" "k;v\r\n"
                        "1;\"a;b\"\r\n"
                        "\r\n"
                        "2;\"line\r\nbreak \"\"q\"\"\"\r\n"
                        "3;\xE9t\xE9\r\n"
                        "4;\"open\n";
    char *path = write_tmp(text, sizeof text - 1);
    struct imp_csvrd *r = NULL;
    struct gdir_err err;
    char **f;
    size_t n;
    long line;
    int unb;

    gdir_err_clear(&err);
    CHECK(path != NULL);
    if (!path)
        return;
    CHECK_INT_EQ(imp_csvrd_open(&r, path, ';', 1, &err), 0);
    if (!r)
        goto out;
    CHECK_INT_EQ(imp_csvrd_next(r, &f, &n, &line, &unb, &err), 1);
    CHECK_INT_EQ(line, 1);
    CHECK_STR_EQ(f[0], "k");   /* the BOM is skipped */
    CHECK_INT_EQ(imp_csvrd_next(r, &f, &n, &line, &unb, &err), 1);
    CHECK_INT_EQ(line, 2);
    CHECK_INT_EQ(n, 2);
    CHECK_STR_EQ(f[1], "a;b");
    CHECK_INT_EQ(imp_csvrd_next(r, &f, &n, &line, &unb, &err), 1);
    CHECK_INT_EQ(line, 4);   /* the blank line 3 is skipped */
    CHECK_STR_EQ(f[1], "line\nbreak \"q\"");
    CHECK_INT_EQ(imp_csvrd_next(r, &f, &n, &line, &unb, &err), 1);
    CHECK_INT_EQ(line, 6);   /* after a record of two lines */
    CHECK_STR_EQ(f[1], "\xC3\xA9t\xC3\xA9");   /* converted from Windows-1252 */
    CHECK_INT_EQ(imp_csvrd_next(r, &f, &n, &line, &unb, &err), 1);
    CHECK_INT_EQ(line, 7);
    CHECK_INT_EQ(unb, 1);
    CHECK_INT_EQ(imp_csvrd_next(r, &f, &n, &line, &unb, &err), 0);
out:
    imp_csvrd_close(r);
    unlink(path);
    free(path);
}

static const struct check_case cases[] = {
    {"osm_tags_plain", test_osm_tags_plain},
    {"osm_tags_escapes", test_osm_tags_escapes},
    {"osm_tags_malformed", test_osm_tags_malformed},
    {"cp1252", test_cp1252},
    {"encoding_auto", test_encoding_auto},
    {"csvrd", test_csvrd},
};

CHECK_MAIN(cases)
