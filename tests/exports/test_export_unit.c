/*
 * test_export_unit.c — unit tests of the export library without a database: SHA-256
 * (gdir_hash.h, libcrypto's) against the FIPS 180-4 / NIST example vectors, the streamed text writers (RFC 4180 quoting, the
 * French CSV's BOM, separator and decimal comma, GeoJSON members, KML escaping, the scdl
 * columns and its refusal without a SIRET), format and licence tables.
 */
#include "check.h"

#include "gdir_export.h"
#include "gdir_hash.h"

#include <stdlib.h>

static void sha_hex(const void *p, size_t n, char hex[65])
{
    struct gdir_sha256 s;
    unsigned char d[32];
    CHECK_INT_EQ(gdir_sha256_init(&s), 0);
    CHECK_INT_EQ(gdir_sha256_update(&s, p, n), 0);
    CHECK_INT_EQ(gdir_sha256_final(&s, d), 0);
    gdir_sha256_hex(d, hex);
}

static void test_sha256_vectors(void)
{
    char hex[65];
    sha_hex("", 0, hex);
    CHECK_STR_EQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha_hex("abc", 3, hex);
    CHECK_STR_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha_hex(m448, strlen(m448), hex);
    CHECK_STR_EQ(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnop"
                       "jklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    sha_hex(m896, strlen(m896), hex);
    CHECK_STR_EQ(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    /* One million 'a', fed in uneven pieces (partial blocks across updates). */
    struct gdir_sha256 s;
    unsigned char d[32], chunk[997];
    memset(chunk, 'a', sizeof chunk);
    CHECK_INT_EQ(gdir_sha256_init(&s), 0);
    size_t left = 1000000;
    for (size_t k = 1; left; k = (k * 7 + 13) % sizeof chunk + 1) {
        size_t n = k < left ? k : left;
        CHECK_INT_EQ(gdir_sha256_update(&s, chunk, n), 0);
        left -= n;
    }
    CHECK_INT_EQ(gdir_sha256_final(&s, d), 0);
    gdir_sha256_hex(d, hex);
    CHECK_STR_EQ(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_tables(void)
{
    enum gdir_export_format f;
    enum gdir_export_licence l;
    char name[64];
    CHECK_INT_EQ(gdir_export_format_find("csv-fr", &f), 0);
    CHECK_INT_EQ(f, GDIR_EXPORT_CSV_FR);
    CHECK(gdir_export_format_find("pdf", &f) != 0);
    CHECK_INT_EQ(gdir_export_licence_find("ODbL-1.0", &l), 0);
    CHECK_INT_EQ(l, GDIR_EXPORT_ODBL);
    CHECK(gdir_export_licence_find("odbl", &l) != 0);
    CHECK_INT_EQ(gdir_export_file_name(GDIR_EXPORT_SHP, GDIR_EXPORT_ETALAB, name, sizeof name), 0);
    CHECK_STR_EQ(name, "places-etalab-2.0.shp.zip");
    CHECK_INT_EQ(gdir_export_file_name(GDIR_EXPORT_SCDL, GDIR_EXPORT_ODBL, name, sizeof name), 0);
    CHECK_STR_EQ(name, "equipements-ODbL-1.0.csv");
    CHECK(gdir_export_file_name(GDIR_EXPORT_GPKG, GDIR_EXPORT_ETALAB, name, 8) != 0);
    CHECK_STR_EQ(gdir_export_format_get(GDIR_EXPORT_GEOJSON)->media_type, "application/geo+json");
    for (int i = 0; i < GDIR_EXPORT__COUNT; i++)
        CHECK(gdir_export_format_get((enum gdir_export_format)i)->name != NULL);
}

static char s_name[] = "sp", s_title[] = "Annuaire <test> & co", s_pub[] = "DILA",
            s_lic[] = "etalab-2.0", s_date[] = "2026-10-01", s_url[] = "https://x.test/a?b=1";
static char m_title[] = "Annuaire « test »", m_desc[] = "Description",
            m_pub[] = "CC de l'Aire à l'Argonne", m_siren[] = "200066140",
            m_gen[] = "2026-11-29T07:00:00Z", m_attr[] = "CC – test", m_note[] = "Note",
            m_siret[] = "20006614000019";

static struct gdir_export_meta meta(enum gdir_export_licence l, int with_siret)
{
    static struct gdir_export_source_info src[1];
    struct gdir_export_meta m;
    src[0] = (struct gdir_export_source_info){s_name, s_title, s_pub, s_lic, s_date, s_url};
    memset(&m, 0, sizeof m);
    m.licence = l;
    m.title = m_title;
    m.description = m_desc;
    m.publisher = m_pub;
    m.publisher_siren = m_siren;
    m.publisher_siret = with_siret ? m_siret : NULL;
    m.generated = m_gen;
    m.sources = src;
    m.n_sources = 1;
    m.attribution = m_attr;
    m.note = m_note;
    m.excluded = 3;
    return m;
}

static struct gdir_export_row row(void)
{
    struct gdir_export_row r;
    memset(&r, 0, sizeof r);
    r.fid = 7;
    r.id = "local:1";
    r.name = "Café \"Chez Nous\", bar\nsalle";
    r.category = "public-services";
    r.category_label = "Services publics";
    r.subcategory = "town-hall";
    r.subcategory_label = "Mairie";
    r.address = "12 bis rue de l'Église, BP 5";
    r.housenumber = "12 bis";
    r.street = "rue de l'Église";
    r.postcode = "55250";
    r.insee = "55517";
    r.commune = "Seuil-d'Argonne";
    r.lat = 48.9800001;
    r.lon = -5.0625;
    r.phone = "03 29 70 61 17";
    r.email = "mairie@example.org";
    r.website = "https://example.org/mairie";
    r.opening_hours = "Mo-Fr 09:00-12:00,14:00-17:00";
    r.source = "local";
    r.licence = "etalab-2.0";
    r.source_ids = "local:1";
    return r;
}

static char *write_all(enum gdir_export_format f, const struct gdir_export_meta *m,
                       const struct gdir_export_row *r, int n, int *rc_begin)
{
    struct gdir_export_text *w = malloc(sizeof *w);
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    *rc_begin = gdir_export_text_begin(w, f, m, &b);
    if (*rc_begin) {
        free(w);
        gdir_buf_free(&b);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        CHECK_INT_EQ(gdir_export_text_row(w, r, &b), 0);
    CHECK_INT_EQ(gdir_export_text_end(w, m->excluded, &b), 0);
    free(w);
    return gdir_buf_steal(&b, NULL);
}

static void test_csv(void)
{
    struct gdir_export_meta m = meta(GDIR_EXPORT_ETALAB, 0);
    struct gdir_export_row r = row();
    int rc;
    char *csv = write_all(GDIR_EXPORT_CSV, &m, &r, 2, &rc);
    CHECK_INT_EQ(rc, 0);
    CHECK(csv && strncmp(csv, "id,name,category,", 17) == 0);
    CHECK(csv && strstr(csv, ",refs\r\nlocal:1,\"Café \"\"Chez Nous\"\", bar\nsalle\",") != NULL);
    CHECK(csv && strstr(csv, ",48.9800001,-5.0625,03 29 70 61 17,") != NULL);
    CHECK(csv && strstr(csv, "\"Mo-Fr 09:00-12:00,14:00-17:00\"") != NULL);
    CHECK(csv && strstr(csv, "\xEF\xBB\xBF") == NULL);
    free(csv);
    char *fr = write_all(GDIR_EXPORT_CSV_FR, &m, &r, 1, &rc);
    CHECK(fr && strncmp(fr, "\xEF\xBB\xBFIdentifiant;Nom;Catégorie;", 30) == 0);
    CHECK(fr && strstr(fr, ";Latitude;Longitude;Téléphone;") != NULL);
    CHECK(fr && strstr(fr, ";48,9800001;-5,0625;") != NULL);
    CHECK(fr && strstr(fr, ";Mo-Fr 09:00-12:00,14:00-17:00;") != NULL);  /* no ';' inside */
    CHECK(fr && strstr(fr, "\r\n") != NULL);
    free(fr);
    /* Outer spaces are quoted (gdir_csv.h), so that a spreadsheet keeps them: before the one
     * CSV writer, this export wrote them bare while batch geocoding quoted them. */
    r.description = " espace autour ";
    csv = write_all(GDIR_EXPORT_CSV, &m, &r, 1, &rc);
    CHECK(csv && strstr(csv, ",\" espace autour \",") != NULL);
    free(csv);
}

/* Writes n copies of row() in format f under licence l; the text must be there, start with
 * prefix (NULL: any start) and hold each of the strings of has[0..nhas). */
static void check_export(enum gdir_export_format f, enum gdir_export_licence l, int n,
                         const char *prefix, const char *const *has, size_t nhas)
{
    struct gdir_export_meta m = meta(l, 0);
    struct gdir_export_row r = row();
    int rc;
    char *text = write_all(f, &m, &r, n, &rc);
    if (!text) {
        CHECK_FAIL_("format %d: no output (rc %d)", (int)f, rc);
        return;
    }
    if (prefix && strncmp(text, prefix, strlen(prefix)) != 0)
        CHECK_FAIL_("format %d: does not start with %s", (int)f, prefix);
    for (size_t i = 0; i < nhas; i++)
        if (!strstr(text, has[i]))
            CHECK_FAIL_("format %d: no %s", (int)f, has[i]);
    free(text);
}

static void test_geojson(void)
{
    static const char *const has[] = {
        "\"licence\":{\"id\":\"ODbL-1.0\"",
        "\"coordinates\":[-5.0625,48.9800001]",
        "\"name\":\"Café \\\"Chez Nous\\\", bar\\nsalle\"",
        "\"records\":2,\"excluded\":3}",
        "\"sources\":[{\"name\":\"sp\"",
    };
    check_export(GDIR_EXPORT_GEOJSON, GDIR_EXPORT_ODBL, 2, "{\"type\":\"FeatureCollection\",",
                 has, sizeof has / sizeof has[0]);
}

static void test_kml(void)
{
    static const char *const has[] = {
        "<name>Café &quot;Chez Nous&quot;, bar\nsalle</name>",
        "Annuaire &lt;test&gt; &amp; co",
        "Licence Ouverte / Open Licence version 2.0",
        "<coordinates>-5.0625,48.9800001</coordinates>",
        "</Document>\n</kml>\n",
    };
    check_export(GDIR_EXPORT_KML, GDIR_EXPORT_ETALAB, 1, NULL, has, sizeof has / sizeof has[0]);
}

static void test_scdl(void)
{
    struct gdir_export_meta m = meta(GDIR_EXPORT_ETALAB, 0);
    struct gdir_export_row r = row(), shop = row();
    struct gdir_export_text *w = malloc(sizeof *w);
    struct gdir_buf b;
    int rc;
    char *s = write_all(GDIR_EXPORT_SCDL, &m, &r, 1, &rc);
    CHECK_INT_EQ(rc, GDIR_ECONFIG);   /* no SIRET: refused */
    CHECK(s == NULL);
    m.publisher_siret = m_siret;
    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(gdir_export_text_begin(w, GDIR_EXPORT_SCDL, &m, &b), 0);
    shop.subcategory = "food-shop";   /* not a public facility */
    CHECK_INT_EQ(gdir_export_text_row(w, &r, &b), 0);
    CHECK_INT_EQ(gdir_export_text_row(w, &shop, &b), 0);
    CHECK_INT_EQ(gdir_export_text_row(w, &r, &b), 0);
    CHECK_INT_EQ(gdir_export_text_end(w, 0, &b), 0);
    CHECK_INT_EQ(w->rows, 2);
    CHECK_INT_EQ(w->skipped, 1);
    const char *t = gdir_buf_str(&b);
    CHECK(strncmp(t, "COLL_NOM,COLL_SIRET,EQUIP_UID,EQUIP_THEME,EQUIP_CODE,", 52) == 0);
    CHECK(strstr(t, "20006614000019,55517-01000000-001,Equipement administratif,"
                    "01000000-001,Mairie,") != NULL);
    CHECK(strstr(t, "55517-01000000-002") != NULL);
    CHECK(strstr(t, ",12 bis,rue de l'Église,55250,Seuil-d Argonne,,,,,48.9800001,-5.0625,") !=
          NULL);
    CHECK(strstr(t, ",+33 329706117,mairie@example.org,https://example.org/mairie\r\n") != NULL);
    gdir_buf_free(&b);
    free(w);
}

static void test_not_streamed(void)
{
    struct gdir_export_meta m = meta(GDIR_EXPORT_ETALAB, 0);
    struct gdir_export_text w;
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(gdir_export_text_begin(&w, GDIR_EXPORT_GPKG, &m, &b), GDIR_EINVAL);
    CHECK_INT_EQ(gdir_export_text_row(&w, NULL, &b), GDIR_EINVAL);
    gdir_buf_free(&b);
}

/* gdir_xlsx_fix_cols: GDAL's overlapping <col> ranges become one per column, widths kept. */
static void test_xlsx_cols(void)
{
    static const char gdal[] =
        "<?xml version=\"1.0\"?>\n<worksheet>\n<cols>\n<col min=\"1\" max=\"1024\" width=\"15\"/>\n"
        "<col min=\"2\" max=\"1024\" width=\"8.5\"/>\n<col min=\"3\" max=\"1024\"/>\n</cols>\n"
        "<sheetData><row r=\"1\"/></sheetData>";
    static const char none[] = "<worksheet><sheetData><row r=\"1\"/></sheetData></worksheet>";
    struct gdir_buf b;

    gdir_buf_init(&b, 0);
    CHECK_INT_EQ(gdir_xlsx_fix_cols(gdal, strlen(gdal), &b), 0);
    CHECK(strstr(gdir_buf_str(&b), "<cols>\n<col min=\"1\" max=\"1\" width=\"15\" "
                                   "customWidth=\"1\"/>\n<col min=\"2\" max=\"2\" width=\"8.5\" "
                                   "customWidth=\"1\"/>\n<col min=\"3\" max=\"3\" width=\"15\" "
                                   "customWidth=\"1\"/>\n</cols>\n<sheetData>") != NULL);
    CHECK(strstr(gdir_buf_str(&b), "1024") == NULL);
    gdir_buf_reset(&b);
    CHECK_INT_EQ(gdir_xlsx_fix_cols(none, strlen(none), &b), 0);
    CHECK_STR_EQ(gdir_buf_str(&b), none);
    gdir_buf_reset(&b);
    CHECK_INT_EQ(gdir_xlsx_fix_cols(gdal, 60, &b), GDIR_EINVAL);   /* </cols> beyond head */
    gdir_buf_reset(&b);
    CHECK_INT_EQ(gdir_xlsx_fix_cols("<cols></cols><sheetData/>", 25, &b), 0);
    CHECK_STR_EQ(gdir_buf_str(&b), "<sheetData/>");               /* empty block dropped */
    gdir_buf_free(&b);
}

static const struct check_case cases[] = {
    {"sha256_vectors", test_sha256_vectors}, {"tables", test_tables}, {"csv", test_csv},
    {"geojson", test_geojson},               {"kml", test_kml},       {"scdl", test_scdl},
    {"not_streamed", test_not_streamed},     {"xlsx_cols", test_xlsx_cols},
};

CHECK_MAIN(cases)
