/*
 * test_ban_unit.c — unit tests of the pieces of BAN-compatible geocoding that need no server:
 * the Lambert-93 projection (against gdaltransform EPSG:4326 -> EPSG:2154), the départements
 * context, the multipart/form-data reader, the CSV reader and writer, the upload budget, and
 * addok's parameter forms (api_addok.c: type lists, CSV options, encodings, file name).
 */
#include "check.h"

#include "api_addok.h"
#include "api_csv.h"
#include "gdir_csv.h"
#include "api_departements.h"
#include "api_l93.h"
#include "api_multipart.h"
#include "api_upload.h"

#include <stdlib.h>
#include <string.h>

/* Reference points projected by GDAL 3.6.2 (PROJ 9.1):
 *   printf 'LON LAT\n' | gdaltransform -s_srs EPSG:4326 -t_srs EPSG:2154 -output_xy */
static void test_l93_against_gdaltransform(void)
{
    static const struct {
        double lon, lat, x, y;
    } ref[] = {
        {5.1, 48.93, 853849.6546, 6872048.2045},          /* Aire à l'Argonne */
        {5.119851, 49.367691, 853996.8330, 6920752.1760},  /* Aincreville (BANO) */
        {-1.5, 43.4, 335469.4926, 6266043.1238},          /* Biarritz */
        {9.5, 42.0, 1239037.9939, 6122137.1917},          /* Corsica, east coast */
        {2.35, 48.85, 652301.5648, 6861302.7259},         /* Paris */
        {3.0, 46.5, 700000.0, 6600000.0},                 /* the projection's origin */
        {-4.77, 48.4, 125818.6633, 6839351.4019},         /* Brittany, far west */
        {7.75, 48.58, 1050163.9436, 6841622.7155},        /* Strasbourg */
        {5.0, 48.5, 847735.8622, 6824065.3101},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        double x, y;
        api_l93_project(ref[i].lat, ref[i].lon, &x, &y);
        CHECK_NEAR(x, ref[i].x, 0.001);
        CHECK_NEAR(y, ref[i].y, 0.001);
    }
}

static void test_departement_context(void)
{
    static const struct {
        const char *insee, *want;
    } known[] = {
        {"55532", "55, Meuse, Grand Est"},
        {"01001", "01, Ain, Auvergne-Rhône-Alpes"},
        {"2A004", "2A, Corse-du-Sud, Corse"},
        {"2B033", "2B, Haute-Corse, Corse"},
        {"29019", "29, Finistère, Bretagne"},
        {"30007", "30, Gard, Occitanie"},
        {"75056", "75, Paris, Île-de-France"},
        {"95018", "95, Val-d'Oise, Île-de-France"},
        {"97411", "974, La Réunion, La Réunion"},
        {"97701", "977, Saint-Barthélemy, Saint-Barthélemy"},
        {"20004", "20"},   /* no "20" since 1976 */
        {"5", ""},
        {NULL, ""},
    };
    char out[160];
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        api_departement_context(known[i].insee, out, sizeof out);
        CHECK_STR_EQ(out, known[i].want);
    }
    /* Every metropolitan code 01..95 but 20 is known. */
    for (int d = 1; d <= 95; d++) {
        char insee[8], want[4];
        if (d == 20)
            continue;
        snprintf(insee, sizeof insee, "%02d001", d);
        snprintf(want, sizeof want, "%02d,", d);
        api_departement_context(insee, out, sizeof out);
        CHECK(strncmp(out, want, 3) == 0 && strlen(out) > 8);
    }
    api_departement_context("55532", out, 8);   /* cut, NUL-terminated */
    CHECK_STR_EQ(out, "55, Meu");
}

/* Collects every part of a body into a printable summary "name[=file]:contents|...". */
static int parts_of(const char *ct, const char *body, size_t len, char *out, size_t cap,
                    struct gdir_err *err)
{
    struct api_multipart mp;
    struct api_mp_part p;
    int rc;
    size_t o = 0;

    out[0] = '\0';
    rc = api_multipart_init(&mp, ct, body, len, err);
    while (!rc && (rc = api_multipart_next(&mp, &p, err)) == 1) {
        o += (size_t)snprintf(out + o, cap - o, "%s%s%s:%.*s|", p.name, p.is_file ? "=" : "",
                              p.filename, (int)p.len, p.data);
        rc = 0;
    }
    return rc;
}

static void test_multipart(void)
{
    char out[512];
    struct gdir_err err;
    static const char body[] =
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"columns\"\r\n\r\n"
        "adresse\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"columns\"\r\n\r\n"
        "ville\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"empty\"\r\n\r\n"
        "\r\n"
        "--XyZ\r\n"
        "Content-Disposition: form-data; name=\"data\"; filename=\"a;b \\\"x\\\".csv\"\r\n"
        "Content-Type: text/csv\r\n\r\n"
        "a,b\r\n1,2\r\n--XyZ is not a boundary here\r\n"
        "--XyZ--\r\n";

    gdir_err_clear(&err);
    CHECK_INT_EQ(parts_of("multipart/form-data; boundary=XyZ", body, sizeof body - 1, out,
                          sizeof out, &err), 0);
    CHECK_STR_EQ(out, "columns:adresse|columns:ville|empty:|data=a;b \"x\".csv:a,b\r\n1,2\r\n"
                      "--XyZ is not a boundary here|");
    /* Quoted boundary, upper-case type, preamble, no CRLF after the final "--". */
    static const char body2[] = "preamble\r\n--b 1\r\ncontent-disposition: form-data; name=q\r\n"
                                "\r\nv\r\n--b 1--";
    CHECK_INT_EQ(parts_of("Multipart/Form-Data; charset=x; BOUNDARY=\"b 1\"", body2,
                          sizeof body2 - 1, out, sizeof out, &err), 0);
    CHECK_STR_EQ(out, "q:v|");
    /* LF-only line ends. */
    static const char body3[] = "--b\nContent-Disposition: form-data; name=\"x\"\n\nhello\n--b--\n";
    CHECK_INT_EQ(parts_of("multipart/form-data; boundary=b", body3, sizeof body3 - 1, out,
                          sizeof out, &err), 0);
    CHECK_STR_EQ(out, "x:hello|");
    /* fuzz_multipart: headers running over a delimiter gave one part two Content-Disposition
     * headers: the second one's name with the first one's file name (not a file). */
    static const char body4[] = "--b\r\nContent-Disposition: form-data; name=\"data\"; "
                                "filename=\"a.csv\"\r\nX: y\r\n--b\r\n"
                                "Content-Disposition: form-data; name=\"columns\"\r\n\r\n"
                                "adresse\r\n--b--\r\n";
    CHECK_INT_EQ(parts_of("multipart/form-data; boundary=b", body4, sizeof body4 - 1, out,
                          sizeof out, &err), GDIR_EFORMAT);
    CHECK(strstr(err.msg, "two Content-Disposition") != NULL);

    /* Refusals: each names "data". */
    static const char *const bad_types[] = {NULL, "text/csv", "multipart/form-data",
                                            "multipart/form-data; boundary=",
                                            "multipart/form-dataX; boundary=a"};
    for (size_t i = 0; i < sizeof bad_types / sizeof bad_types[0]; i++) {
        gdir_err_clear(&err);
        CHECK_INT_EQ(parts_of(bad_types[i], body, sizeof body - 1, out, sizeof out, &err),
                     GDIR_EFORMAT);
        CHECK_STR_EQ(err.param, "data");
    }
    static const char *const bad_bodies[] = {
        "",                                                                  /* nothing */
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end",    /* truncated */
        "--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--",             /* no disposition */
        "--XyZ\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nx\r\n--XyZ--",
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--XyZ--",  /* open quote */
        "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\nno blank line",
    };
    for (size_t i = 0; i < sizeof bad_bodies / sizeof bad_bodies[0]; i++) {
        gdir_err_clear(&err);
        int rc = parts_of("multipart/form-data; boundary=XyZ", bad_bodies[i],
                          strlen(bad_bodies[i]), out, sizeof out, &err);
        if (rc != GDIR_EFORMAT)
            CHECK_FAIL_("bad body %zu: rc %d, parts %s", i, rc, out);
        CHECK_STR_EQ(err.param, "data");
    }
    /* Headers longer than the limit. */
    {
        size_t n = API_MP_MAX_HEADERS + 200;
        char *big = malloc(n + 64);
        size_t o = (size_t)snprintf(big, n + 64, "--XyZ\r\nX-Pad: ");
        memset(big + o, 'a', n - o);
        memcpy(big + n, "\r\n\r\nx\r\n--XyZ--", 15);
        gdir_err_clear(&err);
        CHECK_INT_EQ(parts_of("multipart/form-data; boundary=XyZ", big, n + 14, out, sizeof out,
                              &err), GDIR_EFORMAT);
        free(big);
    }
}

/* Reads every record of text into a summary: fields joined by '|', records by '/'. */
static int records_of(const char *text, size_t len, char *sep, char *out, size_t cap,
                      struct gdir_err *err)
{
    struct api_csv_reader r;
    const char *f[API_CSV_MAX_FIELDS];
    size_t n, o = 0;
    int rc = api_csv_open(&r, text, len, "data", err);

    out[0] = '\0';
    if (!rc) {
        *sep = r.sep;
        while ((rc = api_csv_next(&r, f, API_CSV_MAX_FIELDS, &n, "data", err)) == 1) {
            for (size_t i = 0; i < n; i++)
                o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? "|" : "", f[i]);
            o += (size_t)snprintf(out + o, cap - o, "@%ld/", r.line);
        }
    }
    api_csv_close(&r);
    return rc;
}

static void test_csv_reader(void)
{
    char out[1024], sep;
    struct gdir_err err;
    static const char t1[] = "\xEF\xBB\xBFid;adresse;ville\r\n"
                             "1;\"12 rue de l'Église; bis\";Vaubecourt\r\n"
                             "\r\n"
                             "2;\"dit \"\"le Haut\"\"\";\r\n"
                             "3;\"sur\r\ndeux lignes\";X\r\n"
                             ";;\r\n"
                             "4;sans fin de ligne;Y";
    gdir_err_clear(&err);
    CHECK_INT_EQ(records_of(t1, sizeof t1 - 1, &sep, out, sizeof out, &err), 0);
    CHECK_INT_EQ(sep, ';');
    CHECK_STR_EQ(out, "id|adresse|ville@1/1|12 rue de l'Église; bis|Vaubecourt@2/"
                      "2|dit \"le Haut\"|@4/3|sur\r\ndeux lignes|X@5/||@7/"
                      "4|sans fin de ligne|Y@8/");
    {
        struct api_csv_reader r;
        api_csv_open(&r, t1, sizeof t1 - 1, "data", &err);
        CHECK(r.bom);
        CHECK_STR_EQ(r.eol, "\r\n");
        CHECK_INT_EQ(r.out_sep, ';');
        api_csv_close(&r);
    }
    static const struct {
        const char *text;
        char sep;
        const char *want;
    } more[] = {
        /* Comma, LF, separator inside quotes on the header line does not count. */
        {"\"a;b\",c,d\nx,y,z\n", ',', "a;b|c|d@1/x|y|z@2/"},
        /* One column: no separator at all; commas in the rows stay in the field. */
        {"adresse\n12 rue X, 55000 Bar\n\"a\"\n", '\0', "adresse@1/12 rue X, 55000 Bar@2/a@3/"},
        /* Tab, lone CR line ends, text after a closing quote kept, quote inside a field kept. */
        {"a\tb\r1\t\"x\"y\r2\tsa\"y\"s\r", '\t', "a|b@1/1|xy@2/2|sa\"y\"s@3/"},
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
        CHECK_INT_EQ(records_of(more[i].text, strlen(more[i].text), &sep, out, sizeof out, &err),
                     0);
        CHECK_INT_EQ(sep, more[i].sep);
        CHECK_STR_EQ(out, more[i].want);
    }
    /* Refusals. */
    gdir_err_clear(&err);
    CHECK_INT_EQ(records_of("", 0, &sep, out, sizeof out, &err), GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "data");
    CHECK_INT_EQ(records_of("\xEF\xBB\xBF", 3, &sep, out, sizeof out, &err), GDIR_EINVAL);
    {
        static const char latin1[] = "a;b\n\xE9t\xE9;x\n";
        CHECK_INT_EQ(records_of(latin1, sizeof latin1 - 1, &sep, out, sizeof out, &err),
                     GDIR_EINVAL);
    }
    CHECK(strstr(err.msg, "UTF-8") != NULL);
    CHECK_INT_EQ(records_of("a\0b\n", 4, &sep, out, sizeof out, &err), GDIR_EINVAL);
    gdir_err_clear(&err);
    {
        static const char open_quote[] = "a;b\n1;\"open\n2;3\n";
        CHECK_INT_EQ(records_of(open_quote, sizeof open_quote - 1, &sep, out, sizeof out, &err),
                     GDIR_EINVAL);
    }
    CHECK(strstr(err.msg, "line 2") != NULL);
    {
        /* 300 columns: more than API_CSV_MAX_FIELDS - 1. */
        char wide[1024];
        size_t o = 0;
        for (int i = 0; i < 300; i++)
            o += (size_t)snprintf(wide + o, sizeof wide - o, "%sc", i ? ";" : "");
        gdir_err_clear(&err);
        CHECK_INT_EQ(records_of(wide, o, &sep, out, sizeof out, &err), GDIR_EINVAL);
        CHECK(strstr(err.msg, "columns") != NULL);
    }
}

static void test_csv_writer(void)
{
    static const char *const fields[] = {"plain",     "a;b",     "a,b", "say \"hi\"",
                                         "two\nlines", " padded", "",    NULL};
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (i)
            gdir_buf_addc(&b, ';');
        gdir_csv_field(&b, fields[i], ';');
    }
    CHECK_STR_EQ(gdir_buf_str(&b),
                 "plain;\"a;b\";a,b;\"say \"\"hi\"\"\";\"two\nlines\";\" padded\";;");
    gdir_buf_free(&b);
}

static void test_upload_budget(void)
{
    struct api_upload a, b, c;
    struct gdir_err err;
    size_t base = api_upload_in_use();

    gdir_err_clear(&err);
    CHECK_INT_EQ(api_upload_begin(&a, 100, 1000, 2000, &err), 0);
    CHECK_INT_EQ(api_upload_in_use(), base + 100);
    CHECK_INT_EQ(api_upload_add(&a, "0123456789", 10, 2000, &err), 0);
    CHECK_INT_EQ(a.body.len, 10);
    /* Announced larger than the cap: 413 naming data. */
    CHECK_INT_EQ(api_upload_begin(&b, 1001, 1000, 2000, &err), GDIR_ETOOBIG);
    CHECK_STR_EQ(err.param, "data");
    api_upload_end(&b);
    /* Unknown length: reserved as it comes; beyond the cap -> 413, body freed. */
    CHECK_INT_EQ(api_upload_begin(&b, -1, 1000, 2000, &err), 0);
    char chunk[600];
    memset(chunk, 'x', sizeof chunk);
    CHECK_INT_EQ(api_upload_add(&b, chunk, sizeof chunk, 2000, &err), 0);
    CHECK_INT_EQ(api_upload_in_use(), base + 700);
    CHECK_INT_EQ(api_upload_add(&b, chunk, sizeof chunk, 2000, &err), GDIR_ETOOBIG);
    CHECK(!b.active);
    CHECK_INT_EQ(api_upload_in_use(), base + 100);
    /* The budget: 100 + 1000 + 1000 > 2000. */
    CHECK_INT_EQ(api_upload_begin(&b, 1000, 1000, 2000, &err), 0);
    CHECK_INT_EQ(api_upload_begin(&c, 1000, 1000, 2000, &err), GDIR_EUNAVAIL);
    api_upload_end(&c);
    api_upload_end(&b);
    CHECK_INT_EQ(api_upload_begin(&c, 1000, 1000, 2000, &err), 0);
    api_upload_end(&c);
    api_upload_end(&a);
    api_upload_end(&a);   /* idempotent */
    CHECK_INT_EQ(api_upload_in_use(), base);
}

/* addok's forms: what each accepts and refuses, with the parameter named. */
static void test_addok_forms(void)
{
    struct gdir_err err;
    unsigned mask;
    char sep;
    enum api_addok_encoding enc;
    struct gdir_buf b;
    const char *v1[] = {"street housenumber"}, *v2[] = {"street", " municipality  "},
               *bad[] = {"street,housenumber"}, *empty[] = {"  ", ""}, *names[4];

    CHECK_INT_EQ(api_addok_types(v1, 1, "type", &mask, &err), 0);
    CHECK_INT_EQ(mask, (1u << 0) | (1u << 1));
    CHECK_INT_EQ(api_addok_types(v2, 2, "type", &mask, &err), 0);
    CHECK_INT_EQ(api_addok_type_names(mask, names), 2);
    CHECK_STR_EQ(names[0], "street");
    CHECK_STR_EQ(names[1], "municipality");
    CHECK_INT_EQ(api_addok_types(bad, 1, "type", &mask, &err), GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "type");
    CHECK(strstr(err.msg, "\"street,housenumber\"") != NULL);
    CHECK_INT_EQ(api_addok_types(empty, 2, "type", &mask, &err), GDIR_EINVAL);
    CHECK_INT_EQ(api_addok_delimiter("\t", &sep, &err), 0);
    CHECK_INT_EQ(sep, '\t');
    CHECK_INT_EQ(api_addok_delimiter("x", &sep, &err), GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "delimiter");
    CHECK_INT_EQ(api_addok_delimiter(";;", &sep, &err), GDIR_EINVAL);
    CHECK_INT_EQ(api_addok_encoding("UTF_8_sig", &enc, &err), 0);
    CHECK_INT_EQ(enc, API_ENC_UTF8);
    CHECK_INT_EQ(api_addok_encoding("Latin-1", &enc, &err), 0);
    CHECK_INT_EQ(enc, API_ENC_LATIN1);
    CHECK_INT_EQ(api_addok_encoding("windows-1252", &enc, &err), 0);
    CHECK_INT_EQ(enc, API_ENC_CP1252);
    CHECK_INT_EQ(api_addok_encoding("utf-16", &enc, &err), GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "encoding");
    /* « Cœur » : cp1252 writes œ (0x9C), ISO-8859-1 cannot. */
    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(api_addok_encode(API_ENC_CP1252, "C\xC5\x93ur \xE2\x80\x99", 9, &b, &err), 0);
    CHECK_INT_EQ(b.len, 6);
    CHECK(memcmp(b.data, "C\x9Cur \x92", 6) == 0);
    gdir_buf_reset(&b);
    CHECK_INT_EQ(api_addok_encode(API_ENC_LATIN1, "C\xC5\x93ur", 5, &b, &err), GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "encoding");
    CHECK(strstr(err.msg, "U+0153") != NULL);
    gdir_buf_reset(&b);
    CHECK_INT_EQ(api_addok_decode(API_ENC_CP1252, "\x80\xE9", 2, &b, "data", &err), 0);
    CHECK_STR_EQ(gdir_buf_str(&b), "\xE2\x82\xAC\xC3\xA9");
    CHECK_INT_EQ(api_addok_decode(API_ENC_CP1252, "a\x8D", 2, &b, "data", &err), GDIR_EINVAL);
    CHECK_STR_EQ(err.param, "data");
    gdir_buf_reset(&b);
    CHECK_INT_EQ(api_addok_disposition("C:\\dossier\\adresses.v2.csv", &b), 0);
    CHECK_STR_EQ(gdir_buf_str(&b), "attachment; filename=\"adresses.v2.geocoded.csv\"");
    gdir_buf_reset(&b);
    CHECK_INT_EQ(api_addok_disposition("", &b), 0);
    CHECK_STR_EQ(gdir_buf_str(&b), "attachment; filename=\"data.geocoded.csv\"");
    gdir_buf_reset(&b);
    CHECK_INT_EQ(api_addok_disposition("a\"b;c.csv", &b), 0);
    CHECK_STR_EQ(gdir_buf_str(&b), "attachment; filename=\"a_b_c.geocoded.csv\"; "
                                   "filename*=UTF-8''a%22b%3Bc.geocoded.csv");
    gdir_buf_free(&b);
}

static const struct check_case cases[] = {
    {"l93_against_gdaltransform", test_l93_against_gdaltransform},
    {"departement_context", test_departement_context},
    {"multipart", test_multipart},
    {"csv_reader", test_csv_reader},
    {"csv_writer", test_csv_writer},
    {"upload_budget", test_upload_budget},
    {"addok_forms", test_addok_forms},
};

CHECK_MAIN(cases)
