/*
 * test_forms_load.c — the forms engine's definition loader (forms_load_dir / forms_load_file,
 * docs/forms.md §1): the fixtures, which use every field type, loaded and served as
 * normalised JSON; and one bad definition per class of mistake, each written into a
 * temporary folder, with the exact "file: path: reason" message it must give.
 */
#include "forms_test.h"

#include <cjson/cJSON.h>

static struct forms_set *load_fixtures(void)
{
    struct forms_set *set = NULL;
    struct gdir_err err;
    gdir_err_clear(&err);
    int rc = forms_load_dir(&set, FIXTURES, test_communes, N_TEST_COMMUNES, &err);
    CHECK_INT_EQ(rc, GDIR_OK);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    return set;
}

static void test_fixtures(void)
{
    struct forms_set *set = load_fixtures();
    if (!set)
        return;
    CHECK_INT_EQ(forms_count(set), 2);
    CHECK_STR_EQ(form_id(forms_at(set, 0)), "collecte");   /* sorted by file name */
    CHECK_STR_EQ(form_id(forms_at(set, 1)), "demo");
    CHECK(forms_at(set, 2) == NULL);
    const struct form_def *demo = forms_find(set, "demo"), *bac = forms_find(set, "collecte");
    CHECK(demo && bac && !forms_find(set, "autre"));
    CHECK(form_status_final(demo, "livree") && !form_status_final(demo, "livraison_planifiee") &&
          !form_status_final(demo, "acceptee") && !form_status_final(demo, NULL));
    if (!demo || !bac)
        goto out;
    CHECK_STR_EQ(form_title(demo), "Démarche d'essai");
    CHECK_INT_EQ(form_version(demo), 2);
    CHECK_INT_EQ(form_retention_months(demo), 24);
    CHECK(form_offered_in(demo, "55017") && form_offered_in(demo, "55029"));
    CHECK(!form_offered_in(demo, "55040") && !form_offered_in(demo, NULL));
    CHECK(form_offered_in(bac, "55040"));   /* "all" */
    CHECK(form_has_status(demo, "deposee") && form_has_status(demo, "retiree"));
    CHECK(form_has_status(demo, "livraison_planifiee") && form_has_status(demo, "livree"));
    CHECK(!form_has_status(bac, "livree") && !form_has_status(demo, "brouillon"));
    CHECK(!form_has_status(demo, NULL));
    CHECK(form_has_status(demo, "acceptee"));   /* relabelled: still the common status */
out:
    forms_set_free(set);
}

static const cJSON *field_at(const cJSON *def, int page, int i)
{
    const cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItem(def, "pages"), page);
    return cJSON_GetArrayItem(cJSON_GetObjectItem(p, "fields"), i);
}

static const char *member_str(const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItem(o, k);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static double member_num(const cJSON *o, const char *k)
{
    const cJSON *it = cJSON_GetObjectItem(o, k);
    return cJSON_IsNumber(it) ? it->valuedouble : -1;
}

/* The served JSON: every type of §1.1, every default filled in. */
static void test_json(void)
{
    struct forms_set *set = load_fixtures();
    if (!set)
        return;
    cJSON *def = cJSON_Parse(form_json(forms_find(set, "demo")));
    cJSON *sum = cJSON_Parse(form_summary_json(forms_find(set, "collecte")));
    CHECK(def && sum);
    if (!def || !sum)
        goto out;
    static const char *const types[] = { "section", "info", "text", "text", "textarea", "email",
                                         "phone", "address", "choice", "text" };
    for (int i = 0; i < 10; i++)
        CHECK_STR_EQ(member_str(field_at(def, 0, i), "type"), types[i]);
    static const char *const types1[] = { "repeat", "integer", "multichoice", "choice", "date",
                                          "file", "textarea", "checkbox" };
    for (int i = 0; i < 8; i++)
        CHECK_STR_EQ(member_str(field_at(def, 1, i), "type"), types1[i]);
    const cJSON *rep = field_at(def, 1, 0);
    const cJSON *inner = cJSON_GetObjectItem(rep, "fields");
    CHECK_STR_EQ(member_str(cJSON_GetArrayItem(inner, 1), "type"), "date");
    CHECK_STR_EQ(member_str(cJSON_GetArrayItem(inner, 1), "min"), "2015-01-01");
    CHECK_STR_EQ(member_str(cJSON_GetArrayItem(inner, 2), "type"), "yesno");
    CHECK_STR_EQ(member_str(cJSON_GetArrayItem(inner, 4), "type"), "place");
    CHECK_STR_EQ(member_str(cJSON_GetArrayItem(inner, 4), "category"), "primary-school");
    CHECK_STR_EQ(member_str(rep, "item_label"), "Enfant");
    /* defaults */
    CHECK(member_num(field_at(def, 0, 3), "max_length") == 200);
    CHECK(member_num(field_at(def, 1, 6), "max_length") == 4000);
    CHECK_STR_EQ(member_str(field_at(def, 0, 8), "display"), "radio");
    CHECK_STR_EQ(member_str(field_at(def, 1, 3), "display"), "select");
    CHECK(member_num(cJSON_GetArrayItem(inner, 3), "max_size") == 5 * 1024 * 1024);
    CHECK(member_num(cJSON_GetArrayItem(inner, 3), "max_files") == 1);
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(field_at(def, 1, 5), "accept")) == 3);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(field_at(def, 0, 3), "required")));
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(field_at(def, 0, 2), "required")));
    CHECK_STR_EQ(member_str(cJSON_GetObjectItem(field_at(def, 0, 9), "show_if"), "equals"),
                 "autre");
    CHECK_STR_EQ(member_str(cJSON_GetObjectItem(def, "notice"), "contact"), "dpo@exemple.fr");
    CHECK_STR_EQ(member_str(cJSON_GetObjectItem(def, "handler"), "by"), "commune");
    const cJSON *statuses = cJSON_GetObjectItem(def, "statuses");
    CHECK(cJSON_GetArraySize(statuses) == 3);
    CHECK_STR_EQ(member_str(cJSON_GetArrayItem(statuses, 1), "after"), "livraison_planifiee");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetArrayItem(statuses, 1), "final")));
    CHECK(!cJSON_GetObjectItem(cJSON_GetArrayItem(statuses, 0), "final"));
    /* a common status relabelled: its id and new label, no "after" */
    CHECK_STR_EQ(member_str(cJSON_GetArrayItem(statuses, 2), "id"), "acceptee");
    CHECK_STR_EQ(member_str(cJSON_GetArrayItem(statuses, 2), "label"), "Dossier validé");
    CHECK(!cJSON_GetObjectItem(cJSON_GetArrayItem(statuses, 2), "after"));
    /* the list's entry */
    CHECK_STR_EQ(member_str(sum, "id"), "collecte");
    CHECK_STR_EQ(member_str(sum, "communes"), "all");
    CHECK(cJSON_IsArray(cJSON_GetObjectItem(sum, "keywords")));
    CHECK(!cJSON_GetObjectItem(sum, "pages") && !cJSON_GetObjectItem(sum, "notice"));
out:
    cJSON_Delete(def);
    cJSON_Delete(sum);
    forms_set_free(set);
}

#define NOTICE_MEMBERS "\"controller\":\"C\",\"purpose\":\"P\",\"legal_basis\":\"L\"," \
                       "\"recipients\":\"R\",\"retention\":\"T\",\"rights\":\"D\""
#define NOTICE "\"notice\":{" NOTICE_MEMBERS ",\"contact\":\"M\"}"
#define SERVICE "\"handler\":{\"by\":\"service\",\"service\":\"s\",\"label\":\"S\"}"
#define HEAD "\"id\":\"bad\",\"version\":1,\"title\":\"T\",\"description\":\"D\"," \
             "\"category\":\"c\",\"retention\":{\"months_after_closure\":12}"
/* A whole definition from its varying parts. */
#define DEF(top, fields) "{" HEAD "," top ",\"pages\":[{\"title\":\"P\",\"fields\":[" fields "]}]}"
#define DEF_F(fields) DEF("\"communes\":[\"55017\"]," NOTICE "," SERVICE, fields)
#define TEXT_A "{\"id\":\"a\",\"type\":\"text\",\"label\":\"A\"}"
#define P0 "pages[0].fields[0]"

struct bad_case {
    const char *what, *text, *message;   /* message without the leading "FILE: " */
    int prefix;                          /* the message only starts so */
};

static const struct bad_case bad_cases[] = {
    { "unknown type", DEF_F("{\"id\":\"a\",\"type\":\"texte\",\"label\":\"A\"}"),
      P0 ".type: unknown type \"texte\" (allowed: text, textarea, email, phone, date, integer, "
      "choice, multichoice, yesno, checkbox, address, place, repeat, file, section, info)", 0 },
    { "duplicate id", DEF_F(TEXT_A "," TEXT_A),
      "pages[0].fields[1].id: \"a\" is already the id of another field at this level", 0 },
    { "duplicate id on two pages",
      "{" HEAD ",\"communes\":[\"55017\"]," NOTICE "," SERVICE ",\"pages\":[{\"title\":\"P\","
      "\"fields\":[" TEXT_A "]},{\"title\":\"Q\",\"fields\":[" TEXT_A "]}]}",
      "pages[1].fields[0].id: \"a\" is already the id of another field at this level", 0 },
    { "bad id", DEF_F("{\"id\":\"Nom\",\"type\":\"text\",\"label\":\"A\"}"),
      P0 ".id: expected [a-z0-9_]{1,40}, not \"Nom\"", 0 },
    { "show_if names a later field",
      DEF_F("{\"id\":\"a\",\"type\":\"text\",\"label\":\"A\",\"show_if\":{\"field\":\"b\","
            "\"filled\":true}},{\"id\":\"b\",\"type\":\"text\",\"label\":\"B\"}"),
      P0 ".show_if.field: \"b\" is not a field declared before this one (a sibling or a field "
      "of an enclosing level)", 0 },
    { "show_if equals a value that is no option",
      DEF_F("{\"id\":\"a\",\"type\":\"choice\",\"label\":\"A\",\"options\":[{\"value\":\"x\","
            "\"label\":\"X\"}]},{\"id\":\"b\",\"type\":\"text\",\"label\":\"B\",\"show_if\":"
            "{\"field\":\"a\",\"equals\":\"y\"}}"),
      "pages[0].fields[1].show_if.equals: not one of the options' values of the field it names",
      0 },
    { "show_if with two tests",
      DEF_F(TEXT_A ",{\"id\":\"b\",\"type\":\"text\",\"label\":\"B\",\"show_if\":{\"field\":"
            "\"a\",\"equals\":\"y\",\"filled\":true}}"),
      "pages[0].fields[1].show_if: expected exactly one of \"equals\", \"in\", \"filled\"", 0 },
    { "missing notice member",
      DEF("\"communes\":[\"55017\"],\"notice\":{" NOTICE_MEMBERS "}," SERVICE, TEXT_A),
      "notice.contact: missing", 0 },
    { "empty notice member",
      DEF("\"communes\":[\"55017\"],\"notice\":{" NOTICE_MEMBERS ",\"contact\":\"\"}," SERVICE,
          TEXT_A), "notice.contact: must not be empty", 0 },
    { "no notice", DEF("\"communes\":[\"55017\"]," SERVICE, TEXT_A), "notice: missing", 0 },
    { "unknown member at the top",
      DEF("\"communes\":[\"55017\"]," NOTICE "," SERVICE ",\"titel\":\"x\"", TEXT_A),
      "titel: unknown key (allowed: id, version, title, description, category, keywords, "
      "communes, handler, notice, retention, statuses, receipt, notifications, pages)", 0 },
    { "unknown member of a field",
      DEF_F("{\"id\":\"a\",\"type\":\"text\",\"label\":\"A\",\"maxlength\":3}"),
      P0 ".maxlength: unknown key (allowed: id, type, label, help, show_if, required, "
      "autocomplete, min_length, max_length, pattern, pattern_message)", 0 },
    { "member of another type",
      DEF_F("{\"id\":\"a\",\"type\":\"section\",\"label\":\"A\",\"required\":true}"),
      P0 ".required: unknown key (allowed: id, type, label, help, show_if)", 0 },
    { "commune outside the territory",
      DEF("\"communes\":[\"55017\",\"55545\"]," NOTICE "," SERVICE, TEXT_A),
      "communes[1]: \"55545\" is not a member commune of the territory", 0 },
    { "communes neither all nor a list", DEF("\"communes\":\"tous\"," NOTICE "," SERVICE, TEXT_A),
      "communes: expected \"all\" or a non-empty array of INSEE codes", 0 },
    { "bad date bound",
      DEF_F("{\"id\":\"a\",\"type\":\"date\",\"label\":\"A\",\"min\":\"today-3x\"}"),
      P0 ".min: expected a date YYYY-MM-DD, \"today\" or \"today\" +/- N y, m or d (N 1..200), "
      "e.g. \"today-3y\"", 0 },
    { "impossible date", DEF_F("{\"id\":\"a\",\"type\":\"date\",\"label\":\"A\",\"max\":"
                               "\"2023-02-29\"}"), P0 ".max: expected a date YYYY-MM-DD", 1 },
    { "date bounds crossed",
      DEF_F("{\"id\":\"a\",\"type\":\"date\",\"label\":\"A\",\"min\":\"2020-01-01\",\"max\":"
            "\"2019-01-01\"}"), P0 ".min: after max (2019-01-01)", 0 },
    { "empty options", DEF_F("{\"id\":\"a\",\"type\":\"choice\",\"label\":\"A\",\"options\":[]}"),
      P0 ".options: a choice needs at least one option", 0 },
    { "options missing", DEF_F("{\"id\":\"a\",\"type\":\"multichoice\",\"label\":\"A\"}"),
      P0 ".options: a multichoice needs at least one option", 0 },
    { "option given twice",
      DEF_F("{\"id\":\"a\",\"type\":\"choice\",\"label\":\"A\",\"options\":[{\"value\":\"x\","
            "\"label\":\"X\"},{\"value\":\"x\",\"label\":\"Y\"}]}"),
      P0 ".options[1].value: \"x\" is given twice", 0 },
    { "file type", DEF_F("{\"id\":\"a\",\"type\":\"file\",\"label\":\"A\",\"accept\":[\"gif\"]}"),
      P0 ".accept: expected \"pdf\", \"jpeg\" or \"png\"", 0 },
    { "file too large",
      DEF_F("{\"id\":\"a\",\"type\":\"file\",\"label\":\"A\",\"max_size\":30000000}"),
      P0 ".max_size: expected an integer from 1 to 20971520", 0 },
    { "handler field missing",
      DEF("\"communes\":[\"55017\"]," NOTICE ",\"handler\":{\"by\":\"commune\",\"field\":"
          "\"adresse\"}", TEXT_A), "handler.field: no top-level field \"adresse\"", 0 },
    { "handler field of the wrong type",
      DEF("\"communes\":[\"55017\"]," NOTICE ",\"handler\":{\"by\":\"commune\",\"field\":\"a\"}",
          TEXT_A), "handler.field: \"a\" is a text field, not an address or a place", 0 },
    { "handler choice of a commune outside",
      DEF("\"communes\":[\"55017\"]," NOTICE ",\"handler\":{\"by\":\"choice\",\"field\":\"a\"}",
          "{\"id\":\"a\",\"type\":\"choice\",\"label\":\"A\",\"options\":[{\"value\":\"55029\","
          "\"label\":\"X\"}]}"),
      "handler.field: option \"55029\" of \"a\" is not an INSEE code of the form's communes", 0 },
    { "handler by nobody",
      DEF("\"communes\":[\"55017\"]," NOTICE ",\"handler\":{\"by\":\"mairie\"}", TEXT_A),
      "handler.by: expected \"commune\", \"service\" or \"choice\", not \"mairie\"", 0 },
    { "pattern that does not compile",
      DEF_F("{\"id\":\"a\",\"type\":\"text\",\"label\":\"A\",\"pattern\":\"([a-z\","
            "\"pattern_message\":\"M\"}"),
      P0 ".pattern: not a valid POSIX extended regular expression (", 1 },
    { "pattern without its message",
      DEF_F("{\"id\":\"a\",\"type\":\"text\",\"label\":\"A\",\"pattern\":\"[a-z]+\"}"),
      P0 ".pattern_message: missing (the French message shown when the pattern does not match)",
      0 },
    { "repeat in a repeat",
      DEF_F("{\"id\":\"a\",\"type\":\"repeat\",\"label\":\"A\",\"fields\":[{\"id\":\"b\","
            "\"type\":\"repeat\",\"label\":\"B\",\"fields\":[" TEXT_A "]}]}"),
      P0 ".fields[0].type: a repeat cannot contain another repeat", 0 },
    { "place of an unknown category",
      DEF_F("{\"id\":\"a\",\"type\":\"place\",\"label\":\"A\",\"category\":\"ecole\"}"),
      P0 ".category: \"ecole\" is not a category of the taxonomy", 0 },
    { "autocomplete typo",
      DEF_F("{\"id\":\"a\",\"type\":\"text\",\"label\":\"A\",\"autocomplete\":\"familyname\"}"),
      P0 ".autocomplete: \"familyname\" is not an HTML autofill token", 1 },
    { "retention out of range",
      "{\"id\":\"bad\",\"version\":1,\"title\":\"T\",\"description\":\"D\",\"category\":\"c\","
      "\"retention\":{\"months_after_closure\":0},\"communes\":[\"55017\"]," NOTICE ","
      SERVICE ",\"pages\":[{\"title\":\"P\",\"fields\":[" TEXT_A "]}]}",
      "retention.months_after_closure: expected an integer from 1 to 120", 0 },
    { "no pages", "{" HEAD ",\"communes\":[\"55017\"]," NOTICE "," SERVICE ",\"pages\":[]}",
      "pages: needs at least 1 element", 0 },
    { "syntax error", "{\"id\":\"bad\",", ":1:12: syntax error at ','", 1 },
};

/* Statuses: too many variants for one row each in the table above. */
static const struct bad_case status_cases[] = {
    { "common status with an after",
      DEF("\"communes\":[\"55017\"]," NOTICE "," SERVICE ",\"statuses\":[{\"id\":\"deposee\","
          "\"label\":\"D\",\"after\":\"en_instruction\"}]", TEXT_A),
      "statuses[0].after: \"deposee\" is a common status: give only its label to rename it "
      "for this form (docs/forms.md §1.4)", 0 },
    { "common status declared final",
      DEF("\"communes\":[\"55017\"]," NOTICE "," SERVICE ",\"statuses\":[{\"id\":\"acceptee\","
          "\"label\":\"A\",\"final\":true}]", TEXT_A),
      "statuses[0].final: \"acceptee\" is a common status: give only its label to rename it "
      "for this form (docs/forms.md §1.4)", 0 },
    { "final not a boolean",
      DEF("\"communes\":[\"55017\"]," NOTICE "," SERVICE ",\"statuses\":[{\"id\":\"livree\","
          "\"label\":\"L\",\"after\":\"en_instruction\",\"final\":1}]", TEXT_A),
      "statuses[0].final: expected true or false", 0 },
    { "common status relabelled without a label",
      DEF("\"communes\":[\"55017\"]," NOTICE "," SERVICE ",\"statuses\":[{\"id\":\"acceptee\"}]",
          TEXT_A),
      "statuses[0].label: missing", 0 },
    { "common status relabelled twice",
      DEF("\"communes\":[\"55017\"]," NOTICE "," SERVICE ",\"statuses\":[{\"id\":\"acceptee\","
          "\"label\":\"A\"},{\"id\":\"acceptee\",\"label\":\"B\"}]", TEXT_A),
      "statuses[1].id: \"acceptee\" is given twice", 0 },
    { "own status without an after",
      DEF("\"communes\":[\"55017\"]," NOTICE "," SERVICE ",\"statuses\":[{\"id\":\"livree\","
          "\"label\":\"D\"}]", TEXT_A),
      "statuses[0].after: missing", 0 },
    { "status id with capitals",
      DEF("\"communes\":[\"55017\"]," NOTICE "," SERVICE ",\"statuses\":[{\"id\":\"Livree\","
          "\"label\":\"D\",\"after\":\"en_instruction\"}]", TEXT_A),
      "statuses[0].id: expected [a-z_]{1,40}, not \"Livree\"", 0 },
    { "status after nothing known",
      DEF("\"communes\":[\"55017\"]," NOTICE "," SERVICE ",\"statuses\":[{\"id\":\"livree\","
          "\"label\":\"D\",\"after\":\"planifiee\"}]", TEXT_A),
      "statuses[0].after: \"planifiee\" is neither a common status nor an earlier status of "
      "this form", 0 },
};

static void expect_bad(const struct bad_case *bc, const char *name)
{
    char path[256], want[1024];
    struct forms_set *set = (struct forms_set *)1;
    struct gdir_err err;

    forms_test_write(name, bc->text, strlen(bc->text), path, sizeof path);
    gdir_err_clear(&err);
    int rc = forms_load_file(&set, path, test_communes, N_TEST_COMMUNES, &err);
    if (rc != GDIR_ECONFIG || set != NULL || err.code != GDIR_ECONFIG) {
        CHECK_FAIL_("%s: rc %d, set %p: %s", bc->what, rc, (void *)set, err.msg);
        forms_set_free(set);
        return;
    }
    snprintf(want, sizeof want, "%s%s%s", path, bc->message[0] == ':' ? "" : ": ", bc->message);
    if (bc->prefix ? strncmp(err.msg, want, strlen(want)) != 0 : strcmp(err.msg, want) != 0)
        CHECK_FAIL_("%s:\n  got  %s\n  want %s%s", bc->what, err.msg, want,
                    bc->prefix ? "…" : "");
}

static void test_bad_definitions(void)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
        expect_bad(&bad_cases[i], "bad.json");
    for (size_t i = 0; i < sizeof status_cases / sizeof status_cases[0]; i++)
        expect_bad(&status_cases[i], "bad.json");
    forms_test_remove("bad.json");
}

static void test_file_level_errors(void)
{
    char path[256], want[512];
    struct forms_set *set = NULL;
    struct gdir_err err;
    const char *good = DEF_F(TEXT_A);

    /* the id must be the file's name */
    forms_test_write("other.json", good, strlen(good), path, sizeof path);
    CHECK_INT_EQ(forms_load_file(&set, path, test_communes, N_TEST_COMMUNES, &err),
                 GDIR_ECONFIG);
    snprintf(want, sizeof want, "%s: id: \"bad\" differs from the file name (expected "
             "\"other\")", path);
    CHECK_STR_EQ(err.msg, want);
    /* a folder: the bad file is named, nothing is returned */
    CHECK_INT_EQ(forms_load_dir(&set, forms_test_dir(), test_communes, N_TEST_COMMUNES, &err),
                 GDIR_ECONFIG);
    CHECK(set == NULL);
    CHECK_STR_EQ(err.msg, want);
    forms_test_remove("other.json");
    /* not UTF-8 */
    forms_test_write("bad.json", "{\"id\":\"b\xe9\"}", 11, path, sizeof path);
    CHECK_INT_EQ(forms_load_file(&set, path, test_communes, N_TEST_COMMUNES, &err),
                 GDIR_ECONFIG);
    snprintf(want, sizeof want, "%s: not valid UTF-8 (save the file as UTF-8)", path);
    CHECK_STR_EQ(err.msg, want);
    forms_test_remove("bad.json");
    /* a good one alone, then an empty folder: a valid, empty set */
    forms_test_write("bad.json", good, strlen(good), path, sizeof path);
    CHECK_INT_EQ(forms_load_dir(&set, forms_test_dir(), test_communes, N_TEST_COMMUNES, &err),
                 GDIR_OK);
    CHECK_INT_EQ(forms_count(set), 1);
    forms_set_free(set);
    forms_test_remove("bad.json");
    CHECK_INT_EQ(forms_load_dir(&set, forms_test_dir(), test_communes, N_TEST_COMMUNES, &err),
                 GDIR_OK);
    CHECK(set && forms_count(set) == 0);
    forms_set_free(set);
    /* a missing folder or file */
    CHECK_INT_EQ(forms_load_dir(&set, FIXTURES "/nope", test_communes, 3, &err), GDIR_ECONFIG);
    CHECK(strstr(err.msg, "fixtures/nope: ") != NULL);
    CHECK_INT_EQ(forms_load_file(&set, FIXTURES "/nope.json", test_communes, 3, &err),
                 GDIR_ECONFIG);
    CHECK(strstr(err.msg, "nope.json: ") != NULL);
}

static const struct check_case cases[] = {
    { "fixtures", test_fixtures },
    { "json", test_json },
    { "bad_definitions", test_bad_definitions },
    { "file_level_errors", test_file_level_errors },
    { "cleanup", forms_test_cleanup },
};

CHECK_MAIN(cases)
