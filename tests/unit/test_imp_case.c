/*
 * test_imp_case.c — the importer's value clean-ups (importer/imp_case.c): proper case of
 * names written in capitals (official commune names first, then French title case), codes
 * exported as numbers, phone numbers without their leading 0.
 */
#include "check.h"
#include "gdir_err.h"
#include "imp_case.h"

static struct imp_case_names *names;

/* One clean-up of in (width: digits only) gives want; changed: what it reports. */
enum op { PROPER, DIGITS, PHONE };

static void check_op(enum op op, const char *in, unsigned width, const char *want, int changed)
{
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    int rc = op == PROPER ? imp_case_proper(&b, in, names)
           : op == DIGITS ? imp_case_digits(&b, in, width)
                          : imp_case_phone_fr(&b, in);
    CHECK_INT_EQ(rc, changed);
    CHECK_STR_EQ(gdir_buf_str(&b), want);
    gdir_buf_free(&b);
}

static void check_proper(const char *in, const char *want, int changed)
{
    check_op(PROPER, in, 0, want, changed);
}

static void test_commune_names(void)
{
    /* the commune part of La Poste's names: COG's official spelling, accents included */
    check_proper("ERIZE LA PETITE", "Érize-la-Petite", 1);
    check_proper("SEUIL D ARGONNE", "Seuil-d'Argonne", 1);
    check_proper("LES HAUTS DE CHEE", "Les Hauts-de-Chée", 1);
    check_proper("EVRES", "Èvres", 1);
    /* a fold match only: a longer value is title-cased, not half replaced */
    check_proper("ERIZE LA PETITE CEDEX", "Erize la Petite Cedex", 1);
}

static void test_title_case(void)
{
    check_proper("REMBERCOURT SOMMAISNE", "Rembercourt Sommaisne", 1);
    check_proper("RUE DE L EGLISE", "Rue de l'Eglise", 1);
    check_proper("CHEMIN DES AUX ET DU SUR SOUS EN LE LA LES", 
                 "Chemin des aux et du sur sous en le la les", 1);
    check_proper("LE MESNIL-SUR-OGER", "Le Mesnil-sur-Oger", 1);     /* first word capitalised */
    check_proper("ÉCOLE PRIMAIRE D'ÉVRES", "École Primaire d'Évres", 1);
    check_proper("SAINT-ANDRÉ 2", "Saint-André 2", 1);
    check_proper("CŒUR", "Cœur", 1);
    check_proper("D", "D", 1);                                        /* nothing to elide */
}

static void test_left_alone(void)
{
    check_proper("Agence postale communale", "Agence postale communale", 0);
    check_proper("Rue ERNEST CHAUDRON", "Rue ERNEST CHAUDRON", 0);   /* mixed: as written */
    check_proper("12", "12", 0);
    check_proper("", "", 0);
}

static void check_digits(const char *in, unsigned width, const char *want, int changed)
{
    check_op(DIGITS, in, width, want, changed);
}

static void test_digits(void)
{
    check_digits("55250.0", 5, "55250", 1);
    check_digits("55250", 5, "55250", 0);
    check_digits("1000.000", 5, "01000", 1);
    check_digits("1000", 5, "01000", 1);
    check_digits("55.0", 2, "55", 1);
    check_digits("55250.5", 5, "55250.5", 0);   /* not a whole number: as it is */
    check_digits("2A004", 5, "2A004", 0);
    check_digits("", 5, "", 0);
}

static void check_phone(const char *in, const char *want, int changed)
{
    check_op(PHONE, in, 0, want, changed);
}

static void test_phone(void)
{
    check_phone("329706990", "03 29 70 69 90", 1);       /* the 0 an export dropped */
    check_phone("3 29 70 69 90", "03 29 70 69 90", 1);
    check_phone("0329706990", "03 29 70 69 90", 1);
    check_phone("03 29 70 69 90", "03 29 70 69 90", 0);
    check_phone("03.29.70.69.90", "03 29 70 69 90", 1);
    check_phone("3631", "3631", 0);                       /* La Poste's short number */
    check_phone("+33 3 29 70 69 90", "+33 3 29 70 69 90", 0);
    check_phone("03 29 70 69 90 12", "03 29 70 69 90 12", 0);
    check_phone("", "", 0);
    check_phone("00 00 00 00 00", "", 1);                /* the export's "no number" */
}

static const struct check_case cases[] = {
    {"commune_names", test_commune_names},
    {"title_case", test_title_case},
    {"left_alone", test_left_alone},
    {"digits", test_digits},
    {"phone", test_phone},
};

int main(void)
{
    static const char *const cog[] = {"Érize-la-Petite", "Seuil-d'Argonne", "Les Hauts-de-Chée",
                                      "Èvres", "Vaubecourt", NULL};
    names = imp_case_names_new();
    for (size_t i = 0; names && cog[i]; i++)
        if (imp_case_names_add(names, cog[i]) != GDIR_OK)
            return 1;
    int failed = names ? check_run(cases, CHECK_COUNT(cases)) : 1;
    imp_case_names_free(names);
    return failed ? 1 : 0;
}
