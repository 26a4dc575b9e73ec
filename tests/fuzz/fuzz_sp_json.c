/*
 * fuzz_sp_json.c — libFuzzer target: the service-public.fr API Annuaire JSON reader
 * (importer/imp_source_spjson.c) and the opening hours it builds (importer/imp_sp_hours.c).
 *
 * Input: the bytes of an export file. It is opened with every field the reader offers and
 * read to its end.
 * Asserts beyond "no crash": open either succeeds or refuses with GDIR_EFORMAT / GDIR_EIO /
 * GDIR_ETOOBIG and a message; next returns 1 until 0 (never an error for a loaded file);
 * every value is a NUL-terminated string of at most 1 MiB; the hours are empty or made of
 * "Mo".."Su", digits, ':', '-', ',', ';' and ' ' only, every time HH:MM with HH <= 24.
 */
#include "fuzz_util.h"

#include "imp_profile.h"
#include "imp_source_reader.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fields[] = {
    "id", "pivot_local", "code_insee", "date_mise_a_jour", "nom", "adresse_type",
    "adresse_lignes", "code_postal", "commune", "latitude", "longitude", "accessibilite",
    "accessibilite_detail", "telephone", "email", "url", "horaires", "horaires_note",
};
#define N_FIELDS (sizeof fields / sizeof fields[0])
#define F_HOURS 16

static void check_hours(const char *h)
{
    for (const char *c = h; *c; c++) {
        if (*c == ':') {
            FUZZ_CHECK(c - h >= 2 && c[-2] >= '0' && c[-2] <= '2');
            FUZZ_CHECK((c[-2] - '0') * 10 + (c[-1] - '0') <= 24);
            continue;
        }
        FUZZ_CHECK(strchr("MoTuWeThFrSa0123456789-,; ", *c) != NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct imp_profile p;
    char name[] = "service-public-json";
    struct gdir_err err;
    struct imp_feature f;
    void *r = NULL;
    const char *path = fuzz_load_input("annuaire.json", data, size, &err);
    int rc;

    memset(&p, 0, sizeof p);
    p.name = name;
    p.max_bytes = 1 << 20;
    rc = imp_reader_spjson.open(&r, path, &p, fields, N_FIELDS, &err);
    if (rc) {
        fuzz_check_err(rc, &err);
        FUZZ_CHECK(rc == GDIR_EFORMAT || rc == GDIR_EIO || rc == GDIR_ETOOBIG ||
                   rc == GDIR_ENOMEM);
        return 0;
    }
    for (int n = 0;; n++) {
        memset(&f, 0, sizeof f);
        rc = imp_reader_spjson.next(r, &f, &err);
        FUZZ_CHECK(rc == 0 || rc == 1);
        if (rc == 0)
            break;
        FUZZ_CHECK(f.line == n + 1);
        if (f.has_line_problem)
            continue;
        for (size_t k = 0; k < N_FIELDS; k++)
            if (f.values[k])
                FUZZ_CHECK(strlen(f.values[k]) <= (1u << 20));
        if (f.values[F_HOURS])
            check_hours(f.values[F_HOURS]);
    }
    imp_reader_spjson.close(r);
    return 0;
}
