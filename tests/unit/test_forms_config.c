/*
 * test_forms_config.c — the territory's own form definitions (config/forms/<id>.json) load with
 * the communes of config/aire-argonne.json, and the routing they declare works: « Signaler une
 * erreur » goes to the commune of the place reported (a handler by commune naming a place
 * field, docs/forms.md §1), the bin request to the waste service, the school enrolment to the
 * commune of the address; a hidden field (the dérogation reason without dérogation) is dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gdir_config.h"
#include "gdir_forms.h"

static struct gdir_territory territory;
static struct forms_set *set;

static int load(void)
{
    struct gdir_err err = { 0 };
    if (set)
        return 1;
    if (gdir_territory_load(&territory, GDIR_SOURCE_DIR "/config/aire-argonne.json", NULL, &err)) {
        CHECK_FAIL_("territory: %s", err.msg);
        return 0;
    }
    if (forms_load_dir(&set, GDIR_SOURCE_DIR "/config/forms",
                       (const char *const *)territory.communes, territory.n_communes, &err)) {
        CHECK_FAIL_("config/forms: %s", err.msg);
        return 0;
    }
    return 1;
}

/* The directory of the test: one place of each category used, in Beausite (55040). */
static int place(void *arg, const char *id, const char *category, char insee[6])
{
    (void)arg;
    if (strcmp(id, "local:ecole") == 0 && (!category || strcmp(category, "primary-school") == 0)) {
        memcpy(insee, "55040", 6);
        return 1;
    }
    if (strcmp(id, "local:mairie") == 0 && !category) {
        memcpy(insee, "55185", 6);
        return 1;
    }
    return 0;
}

static int validate(const char *id, const char *data, struct forms_submission *s,
                    struct forms_errors *errs)
{
    static const unsigned char pdf[] = "%PDF-1.4\n%%EOF\n";
    const struct forms_file files[] = {
        { "enfants[0].vaccinations", "v.pdf", pdf, sizeof pdf - 1 },
        { "livret_famille", "l.pdf", pdf, sizeof pdf - 1 },
        { "justificatif_domicile", "j.pdf", pdf, sizeof pdf - 1 },
    };
    struct forms_env env = { time(NULL), place, NULL };
    struct gdir_err err = { 0 };
    const struct form_def *f = forms_find(set, id);
    size_t n = strcmp(id, "inscription-scolaire") == 0 ? 3 : 0;
    CHECK(f != NULL);
    if (!f)
        return -1;
    memset(s, 0, sizeof *s);
    return forms_validate(f, data, strlen(data), files, n, &env, s, errs, &err);
}

static void test_all_six_load(void)
{
    static const char *const ids[] = { "bac", "inscription-scolaire", "periscolaire",
                                       "proposer-lieu", "signaler-erreur", "proposer-evenement" };
    if (!load())
        return;
    CHECK_INT_EQ(forms_count(set), 6);
    for (size_t i = 0; i < 6; i++) {
        const struct form_def *f = forms_find(set, ids[i]);
        CHECK(f != NULL);
        if (f) {
            CHECK(form_offered_in(f, "55040"));
            CHECK(strstr(form_json(f), "\"keywords\"") != NULL);
        }
    }
    CHECK(form_has_status(forms_find(set, "bac"), "livraison_planifiee"));
    CHECK(form_has_status(forms_find(set, "bac"), "livree"));
    /* « Dossier validé »: the périscolaire relabels the common status acceptee */
    const struct form_def *p = forms_find(set, "periscolaire");
    CHECK(p && strstr(form_json(p), "\"statuses\":[{\"id\":\"acceptee\",\"label\":"
                                    "\"Dossier validé\"}]") != NULL);
}

static void test_error_report_goes_to_the_place_commune(void)
{
    struct forms_submission s;
    struct forms_errors errs = { 0 };
    if (!load())
        return;
    CHECK_INT_EQ(validate("signaler-erreur", "{\"values\":{\"lieu\":\"local:mairie\",\"probleme\":"
                          "\"horaires\",\"correction\":\"Ouvert le mardi matin.\"},\"website\":\"\"}",
                          &s, &errs), 0);
    CHECK_STR_EQ(s.commune, "55185");
    CHECK(s.service == NULL);
    forms_submission_free(&s);
    CHECK(validate("signaler-erreur", "{\"values\":{\"lieu\":\"nowhere\",\"probleme\":\"autre\","
                   "\"correction\":\"abc\"},\"website\":\"\"}", &s, &errs) == GDIR_EINVAL);
    CHECK(errs.n == 1 && strcmp(errs.v[0].field, "lieu") == 0);
    forms_errors_free(&errs);
}

static void test_bin_request_goes_to_the_waste_service(void)
{
    struct forms_submission s;
    struct forms_errors errs = { 0 };
    if (!load())
        return;
    CHECK_INT_EQ(validate("bac", "{\"values\":{\"type_demandeur\":\"professionnel\",\"raison_sociale\":"
                          "\"Garage\",\"siret\":\"20006614000015\",\"nom\":\"Martin\",\"prenom\":\"Léa\","
                          "\"email\":\"lea@exemple.fr\",\"telephone\":\"0612345678\",\"adresse\":{\"label\":"
                          "\"Beausite\",\"citycode\":\"55040\",\"city\":\"Beausite\",\"postcode\":\"55250\","
                          "\"lon\":5.21,\"lat\":48.97},\"logement\":\"local_pro\",\"occupation\":"
                          "\"locataire\",\"motif\":\"badge\",\"declaration\":true},\"website\":\"\"}",
                          &s, &errs), 0);
    CHECK_STR_EQ(s.service, "dechets");
    CHECK_STR_EQ(s.email, "lea@exemple.fr");
    forms_submission_free(&s);
    CHECK(validate("bac", "{\"values\":{\"type_demandeur\":\"professionnel\",\"siret\":\"123\"},"
                   "\"website\":\"\"}", &s, &errs) == GDIR_EINVAL);
    int siret = 0;
    for (size_t i = 0; i < errs.n; i++)
        siret += strcmp(errs.v[i].field, "siret") == 0;
    CHECK_INT_EQ(siret, 1);
    forms_errors_free(&errs);
}

static void test_school_enrolment_goes_to_the_address_commune(void)
{
    struct forms_submission s;
    struct forms_errors errs = { 0 };
    if (!load())
        return;
    int rc = validate("inscription-scolaire",
        "{\"values\":{\"rl1_nom\":\"Martin\",\"rl1_prenoms\":\"Léa\",\"rl1_lien\":\"mere\","
        "\"adresse\":{\"label\":\"Beausite\",\"citycode\":\"55040\",\"city\":\"Beausite\","
        "\"postcode\":\"55250\",\"lon\":5.21,\"lat\":48.97},\"rl1_telephone\":\"06 12 34 56 78\","
        "\"rl1_email\":\"lea@exemple.fr\",\"rl2_present\":false,\"enfants\":[{\"nom\":\"Martin\","
        "\"prenoms\":\"Jules\",\"date_naissance\":\"2020-05-04\",\"niveau\":\"CP\",\"rentree\":"
        "\"rentree\",\"ecole\":\"local:ecole\",\"motif\":\"emmenagement\",\"motif_derogation\":"
        "\"dropped\"}],\"declaration\":true},\"website\":\"\"}", &s, &errs);
    for (size_t i = 0; i < errs.n; i++)
        fprintf(stderr, "  %s: %s\n", errs.v[i].field, errs.v[i].message);
    CHECK_INT_EQ(rc, 0);
    if (rc == 0) {
        CHECK_STR_EQ(s.commune, "55040");
        CHECK(strstr(s.values_json, "motif_derogation") == NULL);
        CHECK_INT_EQ(s.n_files, 3);
    }
    forms_submission_free(&s);
    forms_errors_free(&errs);
}

static void test_done(void)
{
    forms_set_free(set);
    set = NULL;
    gdir_territory_free(&territory);
}

static const struct check_case cases[] = {
    { "the six forms of the territory load", test_all_six_load },
    { "an error report goes to the commune of the place", test_error_report_goes_to_the_place_commune },
    { "a bin request goes to the waste service", test_bin_request_goes_to_the_waste_service },
    { "a school enrolment goes to the commune of the address",
      test_school_enrolment_goes_to_the_address_commune },
    { "clean-up", test_done },
};

CHECK_MAIN(cases)
