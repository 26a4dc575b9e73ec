/*
 * test_life_waste.c — unit tests of life/life_waste.c (docs/vie-locale.md §5): the
 * configuration's validation (errors naming the file and the key), zones by commune and by
 * street (spellings brought together by the address normaliser), and the collection days with
 * the public-holiday rules and exceptions: Friday 25 December 2026, Friday 1 January 2027,
 * Easter Monday 2027, a fortnightly collection across the year boundary (2026 has an ISO
 * week 53), the French put-out sentences.
 */
#include "check.h"
#include "life_waste.h"

#include <stdlib.h>
#include <string.h>

#define META "\"metadata\": {\"title\": \"Collecte (exemple)\", \"example\": true, " \
             "\"source\": \"CC exemple\", \"publisher\": \"CC exemple\", " \
             "\"licence\": \"etalab-2.0\", \"date\": \"2026-11-20\"}"

static const char CONFIG[] =
    "{" META ","
    "\"streams\": ["
    " {\"id\": \"om\", \"label\": \"Ordures ménagères\", \"colour\": \"#4d4d4d\","
    "  \"accepts\": \"Sacs fermés\", \"put_out\": {\"day\": \"before\", \"from\": \"19:00\"}},"
    " {\"id\": \"tri\", \"label\": \"Emballages\", \"colour\": \"#f2c500\","
    "  \"put_out\": {\"day\": \"same\", \"until\": \"05:30\"}},"
    " {\"id\": \"verre\", \"label\": \"Verre\", \"colour\": \"#2e8b57\","
    "  \"put_out\": {\"day\": \"before\", \"text\": \"dès que le bac est plein\"}}],"
    "\"holiday_rule\": \"next_day\","
    "\"zones\": ["
    " {\"id\": \"nord\", \"label\": \"Secteur nord\", \"communes\": [\"55040\", \"55532\"],"
    "  \"collections\": ["
    "   {\"stream\": \"om\", \"weekdays\": [\"friday\"]},"
    "   {\"stream\": \"tri\", \"weekdays\": [\"friday\"], \"every_weeks\": 2,"
    "    \"reference\": \"2026-12-18\", \"time\": \"06:00\"},"
    "   {\"stream\": \"verre\", \"weekdays\": [\"monday\"], \"every_weeks\": 4,"
    "    \"reference\": \"2027-03-01\", \"holiday_rule\": \"cancel\"}]},"
    " {\"id\": \"bourg\", \"label\": \"Beausite bourg\","
    "  \"streets\": [{\"commune\": \"55040\", \"names\": [\"Rue du Moulin\", \"Grande Rue\"]}],"
    "  \"collections\": ["
    "   {\"stream\": \"om\", \"weekdays\": [\"monday\", \"thursday\"],"
    "    \"holiday_rule\": \"shift_week\"},"
    "   {\"stream\": \"tri\", \"weekdays\": [\"tuesday\"], \"holiday_rule\": \"shift_week\"}]}],"
    "\"exceptions\": ["
    " {\"date\": \"2026-12-25\", \"to\": \"2026-12-26\", \"streams\": [\"om\"],"
    "  \"zones\": [\"nord\"], \"reason\": \"Noël : collecte le lendemain\"}],"
    "\"decheteries\": {\"places\": [\"local:exemple-029\"], \"categories\": [\"waste\"]}"
    "}";

static struct life_waste *load(const char *text)
{
    struct life_waste *w = NULL;
    struct gdir_err err = {0};
    int rc = life_waste_parse(text, strlen(text), "collecte.json", &w, &err);
    if (rc)
        fprintf(stderr, "parse: %s\n", err.msg);
    CHECK_INT_EQ(rc, 0);
    return w;
}

/* The pickups of zone zid from y-m-d for days days, and the one of stream s on or after `on`. */
static struct life_waste_pickup *run(struct life_waste *w, const char *insee, const char *street,
                                     struct life_waste_date from, int days, size_t *n)
{
    struct life_waste_pickup *v = NULL;
    struct gdir_err err = {0};
    const struct life_waste_zone *z = life_waste_zone_for(w, insee, street, NULL);
    CHECK(z != NULL);
    if (!z)
        return NULL;
    CHECK_INT_EQ(life_waste_next(w, z, from, days, &v, n, &err), 0);
    return v;
}

static const struct life_waste_pickup *find(const struct life_waste_pickup *v, size_t n,
                                            int stream, int y, int m, int d)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].stream == stream && v[i].usual.y == y && v[i].usual.m == m &&
            v[i].usual.d == d)
            return &v[i];
    return NULL;
}

static void test_dates(void)
{
    struct life_waste_date d;
    char s[64];
    CHECK_INT_EQ(life_waste_parse_date("2026-12-25", &d), 0);
    CHECK_INT_EQ(life_waste_weekday(d), 4);   /* Friday */
    CHECK_STR_EQ(life_waste_weekday_name(life_waste_weekday(d)), "vendredi");
    life_waste_format_date(d, 1, s, sizeof s);
    CHECK_STR_EQ(s, "vendredi 25 décembre 2026");
    life_waste_format_date((struct life_waste_date){2027, 1, 1}, 0, s, sizeof s);
    CHECK_STR_EQ(s, "vendredi 1er janvier");
    CHECK_INT_EQ(life_waste_days((struct life_waste_date){1970, 1, 1}), 0);
    d = life_waste_from_days(life_waste_days((struct life_waste_date){2028, 2, 29}) + 1);
    CHECK(d.y == 2028 && d.m == 3 && d.d == 1);
    CHECK(life_waste_parse_date("2026-02-30", &d) != 0);
    CHECK(life_waste_parse_date("2026-1-01", &d) != 0);
    CHECK(life_waste_parse_date("2026-01-01x", &d) != 0);
}

/* Friday 25 December 2026's collection in Vaubecourt under config: moved to the 26th, by why,
 * with reason. */
static void check_christmas(const char *config, enum life_waste_why why, const char *reason)
{
    struct life_waste *w = load(config);
    size_t n = 0;
    struct life_waste_pickup *v = run(w, "55532", NULL, (struct life_waste_date){2026, 12, 20},
                                      14, &n);
    const struct life_waste_pickup *p = find(v, n, 0, 2026, 12, 25);
    CHECK(p != NULL);
    if (p) {
        CHECK(p->shifted && !p->cancelled && p->why == why);
        CHECK(p->date.y == 2026 && p->date.m == 12 && p->date.d == 26);
        CHECK_STR_EQ(p->reason, reason);
    }
    free(v);
    life_waste_free(w);
}

static void test_christmas_exception(void)
{
    check_christmas(CONFIG, LIFE_WASTE_EXCEPTION, "Noël : collecte le lendemain");
}

static void test_christmas_rule(void)
{
    /* The same Friday without the exception: the file's default rule (next_day). */
    char *text = strdup(CONFIG);
    char *x = strstr(text, "\"2026-12-25\"");
    memcpy(x, "\"2026-12-24\"", 12);   /* the exception now concerns another day */
    memcpy(strstr(text, "\"2026-12-26\""), "\"2026-12-23\"", 12);
    check_christmas(text, LIFE_WASTE_HOLIDAY, "Noël (jour férié)");
    free(text);
}

static void test_new_year(void)
{
    struct life_waste *w = load(CONFIG);
    size_t n = 0;
    struct life_waste_pickup *v = run(w, "55532", NULL, (struct life_waste_date){2026, 12, 28},
                                      14, &n);
    const struct life_waste_pickup *om = find(v, n, 0, 2027, 1, 1),
                                   *tri = find(v, n, 1, 2027, 1, 1);
    CHECK(om && tri);
    if (om && tri) {
        CHECK(om->date.y == 2027 && om->date.m == 1 && om->date.d == 2);
        CHECK_STR_EQ(om->reason, "Jour de l'an (jour férié)");
        CHECK(tri->date.d == 2 && tri->has_time && tri->hour == 6);
    }
    /* Nothing on the holiday itself. */
    for (size_t i = 0; i < n; i++)
        CHECK(!(v[i].date.y == 2027 && v[i].date.m == 1 && v[i].date.d == 1));
    free(v);
    life_waste_free(w);
}

static void test_easter_monday(void)
{
    struct life_waste *w = load(CONFIG);
    size_t n = 0;
    /* Beausite, Rue du Moulin: Monday and Thursday, Tuesday; the rest of the week shifts. */
    struct life_waste_pickup *v = run(w, "55040", "rue du moulin",
                                      (struct life_waste_date){2027, 3, 29}, 7, &n);
    const struct life_waste_pickup *mon = find(v, n, 0, 2027, 3, 29),
                                   *thu = find(v, n, 0, 2027, 4, 1),
                                   *tue = find(v, n, 1, 2027, 3, 30);
    CHECK(mon && thu && tue);
    if (mon && thu && tue) {
        CHECK(mon->date.d == 30 && mon->shifted);
        CHECK_STR_EQ(mon->reason, "Lundi de Pâques (jour férié)");
        CHECK(tue->date.d == 31 && tue->shifted);
        CHECK(thu->date.m == 4 && thu->date.d == 2);
        CHECK(strstr(thu->reason, "Lundi de Pâques le lundi 29 mars") != NULL);
    }
    free(v);
    /* The rest of Beausite: the glass every 4 weeks from 1 March, cancelled on 29 March. */
    v = run(w, "55040", NULL, (struct life_waste_date){2027, 3, 1}, 35, &n);
    const struct life_waste_pickup *glass = find(v, n, 2, 2027, 3, 29);
    CHECK(glass && glass->cancelled && glass->why == LIFE_WASTE_HOLIDAY);
    CHECK(find(v, n, 2, 2027, 3, 1) && !find(v, n, 2, 2027, 3, 15));
    free(v);
    life_waste_free(w);
}

static void test_fortnight_year_boundary(void)
{
    struct life_waste *w = load(CONFIG);
    size_t n = 0, k = 0;
    long prev = 0;
    struct life_waste_pickup *v = run(w, "55532", NULL, (struct life_waste_date){2026, 11, 1},
                                      120, &n);
    for (size_t i = 0; i < n; i++) {
        if (v[i].stream != 1)
            continue;
        long d = life_waste_days(v[i].usual);
        if (k++)
            CHECK_INT_EQ(d - prev, 14);
        prev = d;
    }
    CHECK_INT_EQ(k, 9);   /* 6 Nov 2026 … 26 Feb 2027 */
    CHECK(find(v, n, 1, 2026, 12, 18) && find(v, n, 1, 2027, 1, 1) &&
          find(v, n, 1, 2027, 1, 15) && !find(v, n, 1, 2027, 1, 8));
    /* Sorted by date. */
    for (size_t i = 1; i < n; i++)
        CHECK(life_waste_days(v[i - 1].date) <= life_waste_days(v[i].date));
    free(v);
    life_waste_free(w);
}

static void test_streets(void)
{
    struct life_waste *w = load(CONFIG);
    int by_street = 0;
    const struct life_waste_zone *z;
    z = life_waste_zone_for(w, "55040", "R. du Moulin", &by_street);
    CHECK(z && strcmp(life_waste_zone_id(z), "bourg") == 0 && by_street);
    z = life_waste_zone_for(w, "55040", "GRANDE RUE", NULL);
    CHECK(z && strcmp(life_waste_zone_id(z), "bourg") == 0);
    z = life_waste_zone_for(w, "55040", "Chemin des Vignes", NULL);
    CHECK(z && strcmp(life_waste_zone_id(z), "nord") == 0);
    z = life_waste_zone_for(w, "55040", NULL, &by_street);
    CHECK(z && strcmp(life_waste_zone_label(z), "Secteur nord") == 0 && by_street);
    z = life_waste_zone_for(w, "55532", "Grande Rue", &by_street);
    CHECK(z && strcmp(life_waste_zone_id(z), "nord") == 0 && !by_street);
    CHECK(life_waste_zone_for(w, "55999", NULL, NULL) == NULL);
    CHECK(life_waste_zone_in(w, "55040", "bourg") && life_waste_zone_in(w, "55040", "nord"));
    CHECK(life_waste_zone_in(w, "55532", "bourg") == NULL);
    CHECK(life_waste_zone_in(w, "55532", "sud") == NULL);
    z = life_waste_zone_in(w, "55040", "bourg");
    CHECK(z && life_waste_zone_collects(z, 0) && life_waste_zone_collects(z, 1) &&
          !life_waste_zone_collects(z, 2));
    CHECK_INT_EQ(life_waste_n_communes(w), 2);
    CHECK_STR_EQ(life_waste_commune_at(w, 0), "55040");
    CHECK_STR_EQ(life_waste_decheterie_places(w)[0], "local:exemple-029");
    CHECK(life_waste_decheterie_places(w)[1] == NULL);
    CHECK_STR_EQ(life_waste_decheterie_categories(w)[0], "waste");
    CHECK(life_waste_meta(w)->example);
    CHECK_STR_EQ(life_waste_meta(w)->licence, "etalab-2.0");
    life_waste_free(w);
}

static void test_put_out(void)
{
    struct life_waste *w = load(CONFIG);
    CHECK_STR_EQ(life_waste_stream_at(w, 0)->put_out,
                 "la veille au soir, à partir de 19\xc2\xa0h");
    CHECK_STR_EQ(life_waste_stream_at(w, 1)->put_out, "le jour même, avant 5\xc2\xa0h\xc2\xa0" "30");
    CHECK_STR_EQ(life_waste_stream_at(w, 2)->put_out, "dès que le bac est plein");
    CHECK(life_waste_stream_at(w, 3) == NULL);
    life_waste_free(w);
}

/* A broken variant of CONFIG: `from` replaced by `to`; the error names the key path. */
static void expect_error(const char *from, const char *to, const char *param, const char *msg)
{
    char text[sizeof CONFIG + 200];
    const char *at = strstr(CONFIG, from);
    struct life_waste *w = NULL;
    struct gdir_err err = {0};
    CHECK(at != NULL);
    if (!at)
        return;
    snprintf(text, sizeof text, "%.*s%s%s", (int)(at - CONFIG), CONFIG, to, at + strlen(from));
    CHECK_INT_EQ(life_waste_parse(text, strlen(text), "collecte.json", &w, &err), GDIR_ECONFIG);
    CHECK(w == NULL);
    CHECK_STR_EQ(err.param, param);
    if (!strstr(err.msg, msg) || strncmp(err.msg, "collecte.json: ", 15) != 0)
        CHECK_FAIL_("message \"%s\" lacks \"%s\"", err.msg, msg);
}

static void test_errors(void)
{
    expect_error("\"licence\": \"etalab-2.0\", ", "", "licence", "metadata.licence: missing");
    expect_error("\"friday\"]}", "\"vendredi\"]}", "zones[0].collections[0].weekdays",
                 "expected weekday names");
    expect_error("[\"55040\", \"55532\"]", "[\"55040\", \"55040\"]", "zones[0].communes[1]",
                 "already in zone nord");
    expect_error("\"every_weeks\": 2,", "\"every_weeks\": 9,",
                 "zones[0].collections[1].every_weeks", "from 1 to 8");
    expect_error(",    \"reference\": \"2026-12-18\"", "", "zones[0].collections[1].reference",
                 "needs a reference date");
    expect_error("\"#4d4d4d\"", "\"gris\"", "streams[0].colour", "#rrggbb");
    expect_error("\"stream\": \"om\", \"weekdays\": [\"friday\"]",
                 "\"stream\": \"ordures\", \"weekdays\": [\"friday\"]",
                 "zones[0].collections[0].stream", "no stream ordures");
    expect_error("\"to\": \"2026-12-26\"", "\"to\": \"2026-12-26\", \"cancel\": true",
                 "exceptions[0]", "either to");
    expect_error("\"communes\": [\"55040\", \"55532\"]", "\"communes\": [\"55532\"]", "zones",
                 "55040 has zones by street but none for the rest");
    expect_error("\"holiday_rule\": \"next_day\"", "\"holiday_rule\": \"lendemain\"",
                 "holiday_rule", "expected none, next_day");
    expect_error("\"decheteries\"", "\"dechetteries\"", "dechetteries", "unknown key");
    expect_error("\"to\": \"2026-12-26\"", "\"to\": \"2027-02-26\"", "exceptions[0].to",
                 "at most 14 days");
}

static void test_syntax_error(void)
{
    struct life_waste *w = NULL;
    struct gdir_err err = {0};
    CHECK_INT_EQ(life_waste_parse("{\"metadata\": ", 13, "c.json", &w, &err), GDIR_ECONFIG);
    CHECK(strncmp(err.msg, "c.json:1:", 9) == 0);
    CHECK_INT_EQ(life_waste_load("/nonexistent/collecte.json", &w, &err), GDIR_EIO);
}

static const struct check_case cases[] = {
    {"dates", test_dates},
    {"christmas_exception", test_christmas_exception},
    {"christmas_rule", test_christmas_rule},
    {"new_year", test_new_year},
    {"easter_monday", test_easter_monday},
    {"fortnight_year_boundary", test_fortnight_year_boundary},
    {"streets", test_streets},
    {"put_out", test_put_out},
    {"errors", test_errors},
    {"syntax_error", test_syntax_error},
};

CHECK_MAIN(cases)
