/*
 * test_forms_validate.c — the forms engine's submission checks (forms_validate, forms_sniff;
 * docs/forms.md §1.1–1.3) on the fixture tests/forms/fixtures/demo.json: a good submission
 * and its normalised values; good and bad values of each field type with their exact French
 * messages; repeat blocks at min, max and beyond; conditions; attachments judged by their
 * content (a renamed executable, a PDF named .png, too large, too many, unknown); the
 * honeypot; several errors reported at once with their paths; the routing.
 */
#include "forms_test.h"

#include <cjson/cJSON.h>

#define NOW 1773576000   /* 2026-03-15T12:00:00Z: "today" is 2026-03-15 in Paris */

static const unsigned char pdf[] = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
static const unsigned char elf[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0";
static const unsigned char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01";
static const unsigned char jpeg[] = "\xff\xd8\xff\xe0\0\x10JFIF\0";
static unsigned char big[2000];

static struct forms_set *set;
static const struct form_def *demo;

static int place_cb(void *arg, const char *id, const char *category, char insee[6])
{
    (void)arg;
    if (strcmp(id, "boom") == 0)
        return GDIR_EDB;
    if (strcmp(id, "ecole-1") == 0 && (!category || strcmp(category, "primary-school") == 0)) {
        memcpy(insee, "55017", 6);
        return 1;
    }
    return 0;
}

static const struct forms_env env = { NOW, place_cb, NULL };

static const char base_text[] =
    "{\"nom\":\"Dupont\",\"code\":\"55250\",\"message\":\"Bonjour\\nà vous\","
    "\"courriel\":\"  Jean.Dupont@exemple.fr \",\"telephone\":\"+33 3 29 70 12 34\","
    "\"adresse\":{\"label\":\"1 Rue de l'Église 55250 Beausite\",\"housenumber\":\"1\","
    "\"street\":\"Rue de l'Église\",\"postcode\":\"55250\",\"citycode\":\"55017\","
    "\"city\":\"Beausite\",\"lon\":5.2,\"lat\":48.9},\"lien\":\"mere\",\"lien_autre\":\"oncle\","
    "\"enfants\":[{\"prenom\":\"Léa\",\"date_naissance\":\"2018-05-04\",\"allergies\":true,"
    "\"ecole\":\"ecole-1\"},{\"prenom\":\" Tom \",\"date_naissance\":\"2020-01-01\","
    "\"allergies\":false}],\"nb_personnes\":4,\"services\":[\"soir\",\"matin\"],"
    "\"debut\":\"2026-04-01\",\"exactitude\":true}";

/* The base submission's files: the PAI of the first child, a proof of address. */
static struct forms_file base_files[] = {
    { "enfants[0].pai", "pai.pdf", pdf, sizeof pdf - 1 },
    { "justificatif", "scan.png", pdf, sizeof pdf - 1 },   /* a PDF named .png */
};

static cJSON *base(void)
{
    cJSON *v = cJSON_Parse(base_text);
    if (!v)
        abort();
    return v;
}

/* Replaces (or, v NULL, removes) member key of o. */
static void put(cJSON *o, const char *key, cJSON *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, key);
    if (v)
        cJSON_AddItemToObject(o, key, v);
}

static cJSON *child(cJSON *values, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItem(values, "enfants"), i);
}

struct run {
    int rc;
    struct forms_errors errs;
    struct forms_submission sub;
    struct gdir_err err;
};

/* Validates values (freed here) with website as the honeypot and the files given. */
static void run(struct run *r, cJSON *values, const char *website, const struct forms_file *files,
                size_t n, const struct form_def *f)
{
    cJSON *data = cJSON_CreateObject();
    cJSON_AddItemToObject(data, "values", values);
    if (website)
        cJSON_AddStringToObject(data, "website", website);
    char *text = cJSON_PrintUnformatted(data);
    memset(r, 0, sizeof *r);
    gdir_err_clear(&r->err);
    r->rc = forms_validate(f ? f : demo, text, strlen(text), files, n, &env, &r->sub, &r->errs,
                           &r->err);
    free(text);
    cJSON_Delete(data);
}

static void run_free(struct run *r)
{
    forms_submission_free(&r->sub);
    forms_errors_free(&r->errs);
}

struct want {
    const char *field, *message;
};

/* The run gave exactly these errors, in this order, and nothing else. */
static void check_errors_(struct run *r, const struct want *w, size_t n, int line)
{
    if (r->rc != GDIR_EINVAL || r->errs.n != n || r->sub.values_json || r->sub.n_files) {
        fprintf(stderr, "line %d: rc %d, %zu errors (want %zu):\n", line, r->rc, r->errs.n, n);
        for (size_t i = 0; i < r->errs.n; i++)
            fprintf(stderr, "  %s: %s\n", r->errs.v[i].field, r->errs.v[i].message);
        CHECK_FAIL_("line %d: %s", line, r->err.msg);
    }
    for (size_t i = 0; i < n && i < r->errs.n; i++) {
        CHECK_STR_EQ(r->errs.v[i].field, w[i].field);
        CHECK_STR_EQ(r->errs.v[i].message, w[i].message);
    }
    run_free(r);
}
#define CHECK_ERRORS(r, ...)                                                                       \
    do {                                                                                           \
        static const struct want w_[] = { __VA_ARGS__ };                                           \
        check_errors_(r, w_, sizeof w_ / sizeof w_[0], __LINE__);                                  \
    } while (0)

/* One changed value of the base submission gives one error. */
static void one_error_(cJSON *values, const char *field, const char *message, int line)
{
    struct run r;
    struct want w = { field, message };
    run(&r, values, "", base_files, 2, NULL);
    check_errors_(&r, &w, 1, line);
}
#define ONE_ERROR(values, field, message) one_error_(values, field, message, __LINE__)

/* One changed value of the base submission is accepted; its normalised form is returned
 * (the member key of the values; caller frees). */
static cJSON *accepted_(cJSON *values, const char *key, int line)
{
    struct run r;
    cJSON *out = NULL, *norm;
    run(&r, values, "", base_files, 2, NULL);
    if (r.rc != GDIR_OK) {
        CHECK_FAIL_("line %d: rc %d: %s: %s", line, r.rc, r.errs.n ? r.errs.v[0].field : "",
                    r.errs.n ? r.errs.v[0].message : r.err.msg);
    } else if ((norm = cJSON_Parse(r.sub.values_json))) {
        out = cJSON_DetachItemFromObject(norm, key);
        cJSON_Delete(norm);
    }
    run_free(&r);
    return out;
}
#define ACCEPTED(values, key) accepted_(values, key, __LINE__)

static void check_str_value_(cJSON *v, const char *want, int line)
{
    if (!cJSON_IsString(v) || strcmp(v->valuestring, want) != 0)
        CHECK_FAIL_("line %d: value %s, want \"%s\"", line, v && cJSON_IsString(v)
                    ? v->valuestring : "(not a string)", want);
    cJSON_Delete(v);
}
#define CHECK_VALUE(v, want) check_str_value_(v, want, __LINE__)

static void test_setup(void)
{
    struct gdir_err err;
    int rc = forms_load_dir(&set, FIXTURES, test_communes, N_TEST_COMMUNES, &err);
    CHECK_INT_EQ(rc, GDIR_OK);
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    demo = forms_find(set, "demo");
    memcpy(big, png, sizeof png - 1);
}

static void test_good(void)
{
    struct run r;
    run(&r, base(), "", base_files, 2, NULL);
    CHECK_INT_EQ(r.rc, GDIR_OK);
    CHECK_INT_EQ(r.errs.n, 0);
    if (r.rc) {
        for (size_t i = 0; i < r.errs.n; i++)
            fprintf(stderr, "  %s: %s\n", r.errs.v[i].field, r.errs.v[i].message);
        run_free(&r);
        return;
    }
    CHECK_STR_EQ(r.sub.values_json,
                 "{\"nom\":\"Dupont\",\"code\":\"55250\",\"message\":\"Bonjour\\nà vous\","
                 "\"courriel\":\"Jean.Dupont@exemple.fr\",\"telephone\":\"03 29 70 12 34\","
                 "\"adresse\":{\"label\":\"1 Rue de l'Église 55250 Beausite\",\"housenumber\":"
                 "\"1\",\"street\":\"Rue de l'Église\",\"postcode\":\"55250\",\"citycode\":"
                 "\"55017\",\"city\":\"Beausite\",\"lon\":5.2,\"lat\":48.9},\"lien\":\"mere\","
                 "\"enfants\":[{\"prenom\":\"Léa\",\"date_naissance\":\"2018-05-04\","
                 "\"allergies\":true,\"ecole\":\"ecole-1\"},{\"prenom\":\"Tom\","
                 "\"date_naissance\":\"2020-01-01\",\"allergies\":false}],\"nb_personnes\":4,"
                 "\"services\":[\"matin\",\"soir\"],\"debut\":\"2026-04-01\",\"exactitude\":true}");
    CHECK_STR_EQ(r.sub.commune, "55017");      /* handler by commune: the address's citycode */
    CHECK(r.sub.service == NULL);
    CHECK_STR_EQ(r.sub.email, "Jean.Dupont@exemple.fr");
    CHECK_INT_EQ(r.sub.n_files, 2);
    if (r.sub.n_files == 2) {
        CHECK_STR_EQ(r.sub.files[0].path, "enfants[0].pai");
        CHECK_STR_EQ(r.sub.files[0].type, "pdf");
        CHECK_INT_EQ(r.sub.files[0].input, 0);
        CHECK_STR_EQ(r.sub.files[1].path, "justificatif");
        CHECK_STR_EQ(r.sub.files[1].type, "pdf");   /* by its content, not ".png" */
        CHECK_STR_EQ(r.sub.files[1].mime, "application/pdf");
        CHECK_INT_EQ(r.sub.files[1].input, 1);
    }
    run_free(&r);
}

/* Put path ("nom", "enfants[1].prenom") = the JSON text json (NULL: remove it). */
static void put_path(cJSON *values, const char *path, const char *json)
{
    cJSON *v = json ? cJSON_Parse(json) : NULL;
    int i;
    char key[64];
    if (json && !v)
        abort();
    if (sscanf(path, "enfants[%d].%63s", &i, key) == 2)
        put(child(values, i), key, v);
    else
        put(values, path, v);
}

/* One changed value of the base submission: its error (at its path), or, message NULL, its
 * normalised form (the top-level member's JSON; NULL: not compared). */
struct value_case {
    const char *path, *json, *message, *norm;
};

static void value_cases(const struct value_case *vc, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cJSON *v = base();
        put_path(v, vc[i].path, vc[i].json);
        if (vc[i].message) {
            one_error_(v, vc[i].path, vc[i].message, (int)i);
            continue;
        }
        char top[64];
        snprintf(top, sizeof top, "%.*s", (int)strcspn(vc[i].path, "["), vc[i].path);
        cJSON *norm = accepted_(v, top, (int)i);
        char *text = norm ? cJSON_PrintUnformatted(norm) : NULL;
        if (vc[i].norm && (!text || strcmp(text, vc[i].norm) != 0))
            CHECK_FAIL_("case %zu (%s = %s): %s, want %s", i, vc[i].path, vc[i].json,
                        text ? text : "(absent)", vc[i].norm);
        free(text);
        cJSON_Delete(norm);
    }
}
#define VALUE_CASES(vc) value_cases(vc, sizeof vc / sizeof vc[0])

#define M_REQUIRED "Ce champ est obligatoire."
#define M_PATTERN "Saisissez 5 chiffres, par exemple 55250."
#define M_EMAIL "Saisissez une adresse électronique valide, par exemple prenom.nom@exemple.fr."
#define M_PHONE "Saisissez un numéro de téléphone français à 10 chiffres, par exemple " \
                "03 29 70 12 34."
#define M_BIRTH "La date doit être comprise entre le 01/01/2015 et le 31/12/2023."
#define M_START "La date doit être comprise entre le 15/03/2026 et le 15/09/2026."
#define M_CHOICE "Choisissez l'une des options proposées."
#define M_YESNO "Répondez par oui ou par non."
#define M_CHECK "Cochez cette case pour continuer."

static void test_text(void)
{
    static const struct value_case vc[] = {
        { "nom", "\"Dupont-Dupont-Dupont-Dupont-Dupont-Dupont-Dupont-Du\"",
          "Saisissez au plus 50 caractères (51 actuellement).", NULL },
        /* 50 characters of 2 bytes each */
        { "nom", "\"éééééééééééééééééééééééééééééééééééééééééééééééééé\"", NULL, NULL },
        { "nom", NULL, M_REQUIRED, NULL },
        { "nom", "\"   \"", M_REQUIRED, NULL },
        { "nom", "3", "Saisissez du texte.", NULL },
        { "nom", "\"Du\\npont\"", "Le texte contient des caractères de contrôle : retapez-le "
                                  "sur une ligne.", NULL },
        { "nom", "\"  Dupont \"", NULL, "\"Dupont\"" },
        { "code", "\"5525\"", M_PATTERN, NULL },
        { "code", "\"55250x\"", M_PATTERN, NULL },   /* the pattern is anchored */
        { "message", "\"abc\"", "Saisissez au moins 5 caractères (3 actuellement).", NULL },
        { "message", "\"ligne 1\\r\\nligne 2\"", NULL, "\"ligne 1\\r\\nligne 2\"" },
    };
    VALUE_CASES(vc);
}

static void test_email_phone(void)
{
    static const struct value_case vc[] = {
        { "courriel", "\"pas-une-adresse\"", M_EMAIL, NULL },
        { "courriel", "\"a@b\"", M_EMAIL, NULL },
        { "courriel", "\"a@@exemple.fr\"", M_EMAIL, NULL },
        { "courriel", "\"a b@exemple.fr\"", M_EMAIL, NULL },
        { "courriel", "\"@exemple.fr\"", M_EMAIL, NULL },
        { "courriel", "\"a@exemple.\"", M_EMAIL, NULL },
        { "telephone", "\"0329701234\"", NULL, "\"03 29 70 12 34\"" },
        { "telephone", "\"03.29.70.12.34\"", NULL, "\"03 29 70 12 34\"" },
        { "telephone", "\"06-12-34-56-78\"", NULL, "\"06 12 34 56 78\"" },
        { "telephone", "\"+33612345678\"", NULL, "\"06 12 34 56 78\"" },
        { "telephone", "\"+33 (0)3 29 70 12 34\"", NULL, "\"03 29 70 12 34\"" },
        { "telephone", "\"0033 3 29 70 12 34\"", NULL, "\"03 29 70 12 34\"" },
        { "telephone", "\"0329\"", M_PHONE, NULL },
        { "telephone", "\"00 29 70 12 34\"", M_PHONE, NULL },
        { "telephone", "\"+33 03 29 70 12 34\"", M_PHONE, NULL },
        { "telephone", "\"03 29 70 12 34 5\"", M_PHONE, NULL },
        { "telephone", "\"tel 0329701234\"", M_PHONE, NULL },
        { "telephone", "\"+44 20 7946 0958\"", M_PHONE, NULL },
    };
    VALUE_CASES(vc);
}

static void test_dates_integers(void)
{
    static const struct value_case vc[] = {
        { "enfants[1].date_naissance", "\"2014-12-31\"", M_BIRTH, NULL },
        { "enfants[1].date_naissance", "\"2024-01-01\"", M_BIRTH, NULL },
        { "enfants[1].date_naissance", "\"2023-12-31\"", NULL, NULL },   /* the bound */
        { "enfants[0].date_naissance", "\"2019-02-29\"", "Saisissez une date valide au format "
                                       "AAAA-MM-JJ, par exemple 2019-04-23.", NULL },
        /* today .. today+6m, today being 2026-03-15 in Paris */
        { "debut", "\"2026-03-14\"", M_START, NULL },
        { "debut", "\"2026-09-16\"", M_START, NULL },
        { "debut", "\"2026-03-15\"", NULL, "\"2026-03-15\"" },
        { "debut", "\"2026-09-15\"", NULL, "\"2026-09-15\"" },
        { "nb_personnes", "13", "Saisissez un nombre entier entre 1 et 12.", NULL },
        { "nb_personnes", "2.5", "Saisissez un nombre entier, sans virgule ni espace, par "
                                 "exemple 3.", NULL },
        { "nb_personnes", "\"12\"", NULL, "12" },
    };
    VALUE_CASES(vc);
}

static void test_choices(void)
{
    static const struct value_case vc[] = {
        { "lien", "\"oncle\"", M_CHOICE, NULL },
        { "lien", "[\"mere\"]", M_CHOICE, NULL },
        { "services", "[\"matin\",\"matin\"]", "Chaque option ne peut être choisie qu'une fois.",
          NULL },
        { "services", "[\"matin\",\"soir\",\"x\"]", M_CHOICE, NULL },
        { "services", "[\"cantine\",\"soir\",\"matin\"]", "Choisissez au plus 2 options.", NULL },
        { "services", "[]", NULL, NULL },   /* not required: min_items counts when answered */
        { "enfants[0].allergies", "\"oui\"", M_YESNO, NULL },
        { "enfants[1].allergies", NULL, M_YESNO, NULL },
        { "exactitude", "false", M_CHECK, NULL },
        { "exactitude", NULL, M_CHECK, NULL },
        { "exactitude", "1", "Cochez ou décochez cette case.", NULL },
    };
    VALUE_CASES(vc);
}

static void test_address_place(void)
{
    static const char *const msg = "Choisissez une adresse dans la liste des suggestions.";
    cJSON *v = base();
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(v, "adresse"), "citycode",
                              cJSON_CreateString("55040"));   /* the territory's, not the form's */
    ONE_ERROR(v, "adresse", "Cette adresse est hors des communes où cette démarche est proposée "
              ": choisissez une adresse dans l'une d'elles.");
    v = base();
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(v, "adresse"), "label");
    ONE_ERROR(v, "adresse", msg);
    v = base();
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(v, "adresse"), "lon", cJSON_CreateNumber(200));
    ONE_ERROR(v, "adresse", msg);
    v = base();
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(v, "adresse"), "lat", cJSON_CreateString("48"));
    ONE_ERROR(v, "adresse", msg);
    v = base();
    cJSON_AddNumberToObject(cJSON_GetObjectItem(v, "adresse"), "score", 0.9);
    ONE_ERROR(v, "adresse", msg);
    v = base();
    put(v, "adresse", cJSON_CreateString("1 rue de l'Église"));
    ONE_ERROR(v, "adresse", msg);
    v = base();
    put(child(v, 0), "ecole", cJSON_CreateString("mairie-1"));
    ONE_ERROR(v, "enfants[0].ecole", "Ce lieu n'existe pas ou ne convient pas : choisissez un "
              "lieu dans la liste proposée.");
    /* the directory cannot be read: not the resident's error */
    struct run r;
    v = base();
    put(child(v, 0), "ecole", cJSON_CreateString("boom"));
    run(&r, v, "", base_files, 2, NULL);
    CHECK_INT_EQ(r.rc, GDIR_EDB);
    CHECK_INT_EQ(r.errs.n, 0);
    CHECK(r.sub.values_json == NULL);
    run_free(&r);
    /* without a directory, place fields are refused */
    struct forms_env none = { NOW, NULL, NULL };
    char data[] = "{\"values\":{\"enfants\":[{\"ecole\":\"ecole-1\"}]}}";
    CHECK_INT_EQ(forms_validate(demo, data, strlen(data), NULL, 0, &none, &r.sub, &r.errs,
                                &r.err), GDIR_EUNAVAIL);
    run_free(&r);
}

static cJSON *children(int n)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "prenom", "Léa");
        cJSON_AddStringToObject(c, "date_naissance", "2019-01-01");
        cJSON_AddFalseToObject(c, "allergies");
        cJSON_AddItemToArray(arr, c);
    }
    return arr;
}

static void test_repeat(void)
{
    static const struct forms_file just[] = { { "justificatif", "a.pdf", pdf, sizeof pdf - 1 } };
    struct run r;
    cJSON *v = base();
    put(v, "enfants", children(1));   /* min */
    run(&r, v, "", just, 1, NULL);
    CHECK_INT_EQ(r.rc, GDIR_OK);
    run_free(&r);
    v = base();
    put(v, "enfants", children(3));   /* max */
    run(&r, v, "", just, 1, NULL);
    CHECK_INT_EQ(r.rc, GDIR_OK);
    run_free(&r);
    v = base();
    put(v, "enfants", children(4));
    run(&r, v, "", just, 1, NULL);
    CHECK_ERRORS(&r, { "enfants", "Retirez des éléments : 3 « Enfant » au plus (4 "
                                  "actuellement)." });
    v = base();
    put(v, "enfants", children(0));
    run(&r, v, "", just, 1, NULL);
    CHECK_ERRORS(&r, { "enfants", "Ajoutez au moins 1 élément « Enfant »." });
    v = base();
    put(v, "enfants", NULL);
    run(&r, v, "", just, 1, NULL);
    CHECK_ERRORS(&r, { "enfants", "Ajoutez au moins 1 élément « Enfant »." });
    v = base();
    cJSON_ReplaceItemInArray(cJSON_GetObjectItem(v, "enfants"), 1, cJSON_CreateString("Tom"));
    ONE_ERROR(v, "enfants[1]", "Les données du formulaire sont illisibles : rechargez la page et "
              "réessayez.");
    v = base();
    cJSON_AddStringToObject(child(v, 1), "taille", "1m20");
    ONE_ERROR(v, "enfants[1].taille", "Ce champ ne fait pas partie du formulaire : rechargez la "
              "page et réessayez.");
}

static void test_conditions(void)
{
    struct run r;
    cJSON *v = base();
    put(v, "lien", cJSON_CreateString("autre"));
    put(v, "lien_autre", NULL);
    ONE_ERROR(v, "lien_autre", "Ce champ est obligatoire.");   /* shown, so required */
    v = base();
    put(v, "lien", cJSON_CreateString("autre"));
    CHECK_VALUE(ACCEPTED(v, "lien_autre"), "oncle");
    v = base();
    put(v, "lien_autre", cJSON_CreateNumber(12));   /* hidden: dropped, whatever it is */
    CHECK(ACCEPTED(v, "lien_autre") == NULL);
    /* in: regime is shown (and required) when services include cantine */
    v = base();
    put(v, "services", cJSON_CreateStringArray((const char *const[]){ "cantine" }, 1));
    ONE_ERROR(v, "regime", "Ce champ est obligatoire.");
    v = base();
    put(v, "services", cJSON_CreateStringArray((const char *const[]){ "cantine" }, 1));
    put(v, "regime", cJSON_CreateString("sans_viande"));
    CHECK_VALUE(ACCEPTED(v, "regime"), "sans_viande");
    /* filled: precision is shown only when message is filled */
    v = base();
    put(v, "message", NULL);
    put(v, "precision", cJSON_CreateString("texte"));
    CHECK(ACCEPTED(v, "precision") == NULL);
    v = base();
    put(v, "precision", cJSON_CreateString("texte"));
    CHECK_VALUE(ACCEPTED(v, "precision"), "texte");
    /* a hidden file field: its file is dropped, not refused */
    v = base();
    put(child(v, 0), "allergies", cJSON_CreateFalse());
    run(&r, v, "", base_files, 2, NULL);
    CHECK_INT_EQ(r.rc, GDIR_OK);
    CHECK_INT_EQ(r.sub.n_files, 1);
    if (r.sub.n_files == 1)
        CHECK_STR_EQ(r.sub.files[0].path, "justificatif");
    run_free(&r);
    /* shown file field, required: missing */
    v = base();
    put(child(v, 1), "allergies", cJSON_CreateTrue());
    ONE_ERROR(v, "enfants[1].pai", "Joignez le fichier demandé.");
}

static void test_files(void)
{
    struct run r;
    struct forms_file f[4] = { base_files[0], base_files[1] };

    f[1] = (struct forms_file){ "justificatif", "facture.pdf", elf, sizeof elf - 1 };
    run(&r, base(), "", f, 2, NULL);
    CHECK_ERRORS(&r, { "justificatif", "Le fichier « facture.pdf » n'est pas au format PDF, JPEG "
                                       "ou PNG : joignez un fichier PDF, JPEG ou PNG." });
    f[0] = (struct forms_file){ "enfants[0].pai", "pai.pdf", png, sizeof png - 1 };
    f[1] = base_files[1];
    run(&r, base(), "", f, 2, NULL);
    CHECK_ERRORS(&r, { "enfants[0].pai", "Le fichier « pai.pdf » n'est pas au format PDF : "
                                         "joignez un fichier PDF." });
    f[0] = base_files[0];
    f[1] = (struct forms_file){ "justificatif", "gros.png", big, sizeof big };
    run(&r, base(), "", f, 2, NULL);
    CHECK_ERRORS(&r, { "justificatif", "Le fichier « gros.png » dépasse 1 Ko : joignez un "
                                       "fichier plus léger." });
    f[1] = (struct forms_file){ "justificatif", "vide.pdf", pdf, 0 };
    run(&r, base(), "", f, 2, NULL);
    CHECK_ERRORS(&r, { "justificatif", "Le fichier « vide.pdf » est vide : joignez-en un autre." });
    f[1] = (struct forms_file){ "justificatif", "1.jpg", jpeg, sizeof jpeg - 1 };
    f[2] = (struct forms_file){ "justificatif", "2.png", png, sizeof png - 1 };
    run(&r, base(), "", f, 3, NULL);   /* max_files 2: accepted */
    CHECK_INT_EQ(r.rc, GDIR_OK);
    CHECK_INT_EQ(r.sub.n_files, 3);
    if (r.sub.n_files == 3) {
        CHECK_STR_EQ(r.sub.files[1].type, "jpeg");
        CHECK_STR_EQ(r.sub.files[2].mime, "image/png");
    }
    run_free(&r);
    f[3] = (struct forms_file){ "justificatif", "3.pdf", pdf, sizeof pdf - 1 };
    run(&r, base(), "", f, 4, NULL);
    CHECK_ERRORS(&r, { "justificatif", "Joignez au plus 2 fichiers (3 envoyés)." });
    /* parts that match no file field */
    f[1] = (struct forms_file){ "inconnu", "a.pdf", pdf, sizeof pdf - 1 };
    f[2] = (struct forms_file){ "enfants[2].pai", "b.pdf", pdf, sizeof pdf - 1 };
    f[3] = (struct forms_file){ "nom", "c.pdf", pdf, sizeof pdf - 1 };
    run(&r, base(), "", f, 4, NULL);
    CHECK_ERRORS(&r,
                 { "inconnu", "Ce fichier ne correspond à aucun champ du formulaire : rechargez "
                              "la page et réessayez." },
                 { "enfants[2].pai", "Ce fichier ne correspond à aucun champ du formulaire : "
                                     "rechargez la page et réessayez." },
                 { "nom", "Ce fichier ne correspond à aucun champ du formulaire : rechargez la "
                          "page et réessayez." });
}

static void test_sniff(void)
{
    CHECK_STR_EQ(forms_sniff(pdf, sizeof pdf - 1), "pdf");
    CHECK_STR_EQ(forms_sniff(png, sizeof png - 1), "png");
    CHECK_STR_EQ(forms_sniff(jpeg, sizeof jpeg - 1), "jpeg");
    CHECK(forms_sniff(elf, sizeof elf - 1) == NULL);
    CHECK(forms_sniff(pdf, 4) == NULL);   /* "%PDF" without its dash */
    CHECK(forms_sniff(png, 7) == NULL);
    CHECK(forms_sniff((const unsigned char *)"", 0) == NULL);
    CHECK(forms_sniff(NULL, 10) == NULL);
}

static void test_form_level(void)
{
    static const char *const unreadable = "Les données du formulaire sont illisibles : "
                                          "rechargez la page et réessayez.";
    struct run r;
    /* the honeypot: one form-level error, nothing about the fields */
    cJSON *v = base();
    put(v, "nom", NULL);
    run(&r, v, "http://promo.example", base_files, 2, NULL);
    CHECK_ERRORS(&r, { "", "Le formulaire n'a pas pu être envoyé : réessayez." });
    run(&r, base(), NULL, base_files, 2, NULL);   /* absent is fine */
    CHECK_INT_EQ(r.rc, GDIR_OK);
    run_free(&r);
    static const char *const bad_data[] = { "pas du json", "[]", "{\"values\":[]}", "{}",
                                            "{\"values\":{},\"extra\":1}" };
    for (size_t i = 0; i < sizeof bad_data / sizeof *bad_data; i++) {
        memset(&r, 0, sizeof r);
        r.rc = forms_validate(demo, bad_data[i], strlen(bad_data[i]), NULL, 0, &env, &r.sub,
                              &r.errs, &r.err);
        CHECK_ERRORS(&r, { "", unreadable });
    }
    /* unknown values, a section's id, a value given twice */
    v = base();
    cJSON_AddStringToObject(v, "toto", "x");
    cJSON_AddStringToObject(v, "intro", "x");
    cJSON_AddStringToObject(v, "nom", "Martin");
    run(&r, v, "", base_files, 2, NULL);
    CHECK_ERRORS(&r,
                 { "toto", "Ce champ ne fait pas partie du formulaire : rechargez la page et "
                           "réessayez." },
                 { "intro", "Ce champ ne fait pas partie du formulaire : rechargez la page et "
                            "réessayez." },
                 { "nom", "Ce champ est envoyé deux fois : rechargez la page et réessayez." });
}

/* A huge object of unknown or repeated members: at most 200 errors, and quickly. */
static void test_error_cap(void)
{
    struct run r;
    cJSON *v = cJSON_CreateObject();   /* the repeated member's first time comes late */
    char key[32];
    for (int i = 0; i < 30000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        cJSON_AddNumberToObject(v, key, i);
    }
    for (int i = 0; i < 30000; i++)
        cJSON_AddStringToObject(v, "nom", "x");
    run(&r, v, "", base_files, 2, NULL);
    CHECK_INT_EQ(r.rc, GDIR_EINVAL);
    CHECK_INT_EQ(r.errs.n, 200);
    run_free(&r);
}

/* Several errors at once, in the order of the form, with their paths. */
static void test_many_errors(void)
{
    struct run r;
    struct forms_file f[] = { base_files[0], { "justificatif", "x.exe", elf, sizeof elf - 1 } };
    cJSON *v = base();
    put(v, "nom", NULL);
    put(v, "telephone", cJSON_CreateString("12"));
    put(child(v, 1), "date_naissance", cJSON_CreateString("2024-01-01"));
    put(child(v, 1), "prenom", NULL);
    put(v, "exactitude", cJSON_CreateFalse());
    run(&r, v, "", f, 2, NULL);
    CHECK_ERRORS(&r,
                 { "nom", "Ce champ est obligatoire." },
                 { "telephone", "Saisissez un numéro de téléphone français à 10 chiffres, par "
                                "exemple 03 29 70 12 34." },
                 { "enfants[1].prenom", "Ce champ est obligatoire." },
                 { "enfants[1].date_naissance", "La date doit être comprise entre le 01/01/2015 "
                                                "et le 31/12/2023." },
                 { "justificatif", "Le fichier « x.exe » n'est pas au format PDF, JPEG ou PNG : "
                                   "joignez un fichier PDF, JPEG ou PNG." },
                 { "exactitude", "Cochez cette case pour continuer." });
}

/* Routing by service (collecte.json) and by choice (a definition written here). */
static void test_routing(void)
{
    struct run r;
    cJSON *v = cJSON_Parse("{\"flux\":\"omr\"}");
    run(&r, v, "", NULL, 0, forms_find(set, "collecte"));
    CHECK_INT_EQ(r.rc, GDIR_OK);
    CHECK_STR_EQ(r.sub.service, "dechets");
    CHECK_STR_EQ(r.sub.commune, "");
    CHECK(r.sub.email == NULL);
    run_free(&r);

    static const char def[] =
        "{\"id\":\"choix\",\"version\":1,\"title\":\"T\",\"description\":\"D\",\"category\":"
        "\"c\",\"communes\":\"all\",\"handler\":{\"by\":\"choice\",\"field\":\"commune\"},"
        "\"notice\":{\"controller\":\"C\",\"purpose\":\"P\",\"legal_basis\":\"L\",\"recipients\":"
        "\"R\",\"retention\":\"T\",\"rights\":\"D\",\"contact\":\"M\"},\"retention\":{"
        "\"months_after_closure\":6},\"pages\":[{\"title\":\"P\",\"fields\":[{\"id\":\"commune\","
        "\"type\":\"choice\",\"label\":\"Commune\",\"required\":true,\"options\":[{\"value\":"
        "\"55029\",\"label\":\"B\"},{\"value\":\"55040\",\"label\":\"C\"}]},{\"id\":\"contacts\","
        "\"type\":\"repeat\",\"label\":\"Contacts\",\"fields\":[{\"id\":\"courriel\",\"type\":"
        "\"email\",\"label\":\"Courriel\"}]}]}]}";
    char path[256];
    struct forms_set *one = NULL;
    struct gdir_err err;
    forms_test_write("choix.json", def, sizeof def - 1, path, sizeof path);
    int rc = forms_load_file(&one, path, test_communes, N_TEST_COMMUNES, &err);
    CHECK_INT_EQ(rc, GDIR_OK);
    forms_test_remove("choix.json");
    if (rc) {
        fprintf(stderr, "%s\n", err.msg);
        return;
    }
    v = cJSON_Parse("{\"commune\":\"55040\",\"contacts\":[{},{\"courriel\":\"a@exemple.fr\"}]}");
    run(&r, v, "", NULL, 0, forms_at(one, 0));
    CHECK_INT_EQ(r.rc, GDIR_OK);
    CHECK_STR_EQ(r.sub.commune, "55040");
    CHECK(r.sub.service == NULL);
    CHECK_STR_EQ(r.sub.email, "a@exemple.fr");   /* the first e-mail, inside a repeat */
    run_free(&r);
    forms_set_free(one);
}

static void test_cleanup(void)
{
    forms_set_free(set);
    forms_test_cleanup();
}

static const struct check_case cases[] = {
    { "setup", test_setup },
    { "good", test_good },
    { "text", test_text },
    { "email_phone", test_email_phone },
    { "dates_integers", test_dates_integers },
    { "choices", test_choices },
    { "address_place", test_address_place },
    { "repeat", test_repeat },
    { "conditions", test_conditions },
    { "files", test_files },
    { "sniff", test_sniff },
    { "form_level", test_form_level },
    { "many_errors", test_many_errors },
    { "error_cap", test_error_cap },
    { "routing", test_routing },
    { "cleanup", test_cleanup },
};

CHECK_MAIN(cases)
