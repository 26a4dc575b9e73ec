/*
 * imp_source_spjson.c — imp_reader_spjson: the service-public.fr « Annuaire de l'administration
 * – base de données locales » as published since 2022, the JSON export of the API Annuaire
 * (Opendatasoft: api-lannuaire.service-public.fr/…/exports/json): an array of records (or an
 * object whose "results" is that array, as the records endpoint answers), read whole (size cap
 * source.max_mb). Some members hold JSON text in a string (pivot, adresse, telephone,
 * site_internet, plage_ouverture as the export writes them); an array is read the same.
 *
 * Fields offered, named like those of the XML reader (imp_source_spxml.c), so that the
 * profiles map them alike:
 *   id, nom, code_insee (code_insee_commune), date_mise_a_jour (date_modification, its date)
 *   pivot_local                   pivot[0].type_service_local
 *   adresse_type, adresse_lignes (numero_voie, complement1, complement2, service_distribution
 *   joined " | "), code_postal, commune, latitude, longitude, accessibilite,
 *   accessibilite_detail          the first adresse[] with coordinates that is not a postal
 *                                 address, else the first
 *   telephone, url                telephone[0].valeur, site_internet[0].valeur
 *   email                         adresse_courriel (the first when several)
 *   horaires                      plage_ouverture[] as an OSM opening_hours value
 *                                 (imp_sp_hours.h): nom_jour_debut..nom_jour_fin with the
 *                                 spans valeur_heure_debut_N..valeur_heure_fin_N (N = 1..4)
 *   horaires_note                 their commentaire texts, joined by a space
 *
 * A record that is not an object is a rejected row (read_error); a member of an unexpected
 * type is left unset.
 */
#include "gdir_buf.h"
#include "gdir_cjson.h"
#include "gdir_fs.h"
#include "imp_source_reader.h"
#include "imp_sp_hours.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define VALUES_MAX (1024 * 1024)

enum spj {
    J_ID, J_PIVOT, J_INSEE, J_DATE, J_NOM, J_ADR_TYPE, J_ADR_LINES, J_CP, J_COMMUNE, J_LAT,
    J_LON, J_ACCESS, J_ACCESS_DETAIL, J_PHONE, J_EMAIL, J_URL, J_HOURS, J_HOURS_NOTE, J__COUNT
};

static const char *const spj_fields[J__COUNT] = {
    "id", "pivot_local", "code_insee", "date_mise_a_jour", "nom", "adresse_type",
    "adresse_lignes", "code_postal", "commune", "latitude", "longitude", "accessibilite",
    "accessibilite_detail", "telephone", "email", "url", "horaires", "horaires_note",
};

struct spjson {
    const struct imp_profile *p;
    cJSON *root;
    const cJSON *cur;        /* last record handed out */
    const cJSON *list;       /* the records */
    long n;
    int *col;                /* per requested field: enum spj */
    size_t n_fields;
    struct gdir_buf val[J__COUNT];
    int set[J__COUNT];
    const char **values;
};

static void spjson_close(void *rd)
{
    struct spjson *r = rd;
    if (!r)
        return;
    cJSON_Delete(r->root);
    for (int i = 0; i < J__COUNT; i++)
        gdir_buf_free(&r->val[i]);
    free(r->values);
    free(r->col);
    free(r);
}

static int load(struct spjson *r, const char *path, struct gdir_err *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = gdir_file_read(path, r->p->max_bytes, &text, &len, err);

    if (rc)
        return rc;
    r->root = gdir_cjson_parse(text, len, path, GDIR_EFORMAT, err);
    free(text);
    if (!r->root)
        return GDIR_EFORMAT;   /* "file:line:column: syntax error: ..." */
    r->list = cJSON_IsArray(r->root) ? r->root
                                     : cJSON_GetObjectItemCaseSensitive(r->root, "results");
    if (!cJSON_IsArray(r->list))
        return gdir_err_set(err, GDIR_EFORMAT, "%s: not an export of the API Annuaire (expected "
                            "an array of records, or an object with a \"results\" array)", path);
    return GDIR_OK;
}

static int spjson_open(void **out, const char *path, const struct imp_profile *p,
                       const char *const *fields, size_t n_fields, struct gdir_err *err)
{
    struct spjson *r = calloc(1, sizeof *r);
    int rc;

    *out = NULL;
    if (!r || !(r->col = calloc(n_fields + 1, sizeof *r->col)) ||
        !(r->values = calloc(n_fields + 1, sizeof *r->values))) {
        spjson_close(r);
        return gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", path);
    }
    r->p = p;
    r->n_fields = n_fields;
    for (int i = 0; i < J__COUNT; i++)
        gdir_buf_init(&r->val[i], VALUES_MAX);
    rc = imp_reader_map_fields(path, p, fields, n_fields, spj_fields, J__COUNT, r->col, err);
    if (rc) {
        spjson_close(r);
        return rc;
    }
    if ((rc = load(r, path, err))) {
        spjson_close(r);
        return rc;
    }
    *out = r;
    return GDIR_OK;
}

/* ------------------------------------------------------------------ values ---- */

/* The text of a string or number member (NULL otherwise); numbers written into tmp. */
static const char *scalar(const cJSON *v, char *tmp, size_t size)
{
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsNumber(v)) {
        snprintf(tmp, size, "%.15g", v->valuedouble);
        return tmp;
    }
    return NULL;
}

static void put(struct spjson *r, enum spj f, const cJSON *v)
{
    char tmp[64];
    const char *s = scalar(v, tmp, sizeof tmp);
    if (!s || !*s)
        return;
    gdir_buf_reset(&r->val[f]);
    gdir_buf_adds(&r->val[f], s);
    r->set[f] = 1;
}

static const cJSON *member(const cJSON *o, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(o, name);
}

/* A list member: the array itself, or the array a string holds as JSON text (parsed into
 * *owned, which the caller deletes). NULL when it is neither. */
static const cJSON *list_of(const cJSON *rec, const char *name, cJSON **owned)
{
    const cJSON *v = member(rec, name);
    *owned = NULL;
    if (cJSON_IsString(v) && v->valuestring[0] == '[')
        v = *owned = cJSON_Parse(v->valuestring);
    return cJSON_IsArray(v) ? v : NULL;
}

/* The first element's member name of a list member. */
static void put_first(struct spjson *r, enum spj f, const cJSON *rec, const char *list,
                      const char *name)
{
    cJSON *owned;
    const cJSON *arr = list_of(rec, list, &owned);
    put(r, f, member(cJSON_GetArrayItem(arr, 0), name));
    cJSON_Delete(owned);
}

static int is_postal(const cJSON *a)
{
    const cJSON *t = member(a, "type_adresse");
    return cJSON_IsString(t) && strstr(t->valuestring, "ostal") != NULL;   /* [Pp]ostale */
}

static void read_address(struct spjson *r, const cJSON *rec)
{
    static const char *const lines[] = {"numero_voie", "complement1", "complement2",
                                        "service_distribution"};
    cJSON *owned;
    const cJSON *arr = list_of(rec, "adresse", &owned), *a, *it;
    char tmp[64];

    a = cJSON_GetArrayItem(arr, 0);
    cJSON_ArrayForEach(it, arr)
        if (!is_postal(it) && scalar(member(it, "latitude"), tmp, sizeof tmp) &&
            scalar(member(it, "longitude"), tmp, sizeof tmp)) {
            a = it;
            break;
        }
    if (cJSON_IsObject(a)) {
        put(r, J_ADR_TYPE, member(a, "type_adresse"));
        gdir_buf_reset(&r->val[J_ADR_LINES]);
        for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
            const char *s = scalar(member(a, lines[i]), tmp, sizeof tmp);
            if (!s || !*s)
                continue;
            if (r->val[J_ADR_LINES].len)
                gdir_buf_adds(&r->val[J_ADR_LINES], " | ");
            gdir_buf_adds(&r->val[J_ADR_LINES], s);
            r->set[J_ADR_LINES] = 1;
        }
        put(r, J_CP, member(a, "code_postal"));
        put(r, J_COMMUNE, member(a, "nom_commune"));
        put(r, J_LAT, member(a, "latitude"));
        put(r, J_LON, member(a, "longitude"));
        put(r, J_ACCESS, member(a, "accessibilite"));
        put(r, J_ACCESS_DETAIL, member(a, "note_accessibilite"));
    }
    cJSON_Delete(owned);
}

static void read_hours(struct spjson *r, const cJSON *rec)
{
    cJSON *owned;
    const cJSON *arr = list_of(rec, "plage_ouverture", &owned), *pl;
    struct gdir_buf *note = &r->val[J_HOURS_NOTE];
    struct imp_sp_week week;

    memset(&week, 0, sizeof week);
    gdir_buf_reset(note);
    cJSON_ArrayForEach(pl, arr) {
        const cJSON *d1v = member(pl, "nom_jour_debut"), *d2v = member(pl, "nom_jour_fin");
        const cJSON *c = member(pl, "commentaire");
        int d1 = imp_sp_day_index(cJSON_IsString(d1v) ? d1v->valuestring : NULL);
        int d2 = imp_sp_day_index(cJSON_IsString(d2v) ? d2v->valuestring : NULL);
        if (cJSON_IsString(c) && c->valuestring[0]) {
            if (note->len)
                gdir_buf_addc(note, ' ');
            gdir_buf_adds(note, c->valuestring);
            r->set[J_HOURS_NOTE] = 1;
        }
        for (int k = 1; d1 >= 0 && k <= 4; k++) {
            char a[32], b[32];
            snprintf(a, sizeof a, "valeur_heure_debut_%d", k);
            snprintf(b, sizeof b, "valeur_heure_fin_%d", k);
            const cJSON *s = member(pl, a), *e = member(pl, b);
            imp_sp_week_add(&week, d1, d2 < 0 ? d1 : d2,
                            imp_sp_minutes(cJSON_IsString(s) ? s->valuestring : NULL),
                            imp_sp_minutes(cJSON_IsString(e) ? e->valuestring : NULL));
        }
    }
    if (imp_sp_week_format(&week, &r->val[J_HOURS]))
        r->set[J_HOURS] = 1;
    cJSON_Delete(owned);
}

/* adresse_courriel: the first address when several are given (';' or ',' between them). */
static void read_email(struct spjson *r, const cJSON *rec)
{
    const cJSON *v = member(rec, "adresse_courriel");
    if (!cJSON_IsString(v))
        return;
    size_t n = strcspn(v->valuestring, ";, ");
    if (n == 0)
        return;
    gdir_buf_reset(&r->val[J_EMAIL]);
    gdir_buf_add(&r->val[J_EMAIL], v->valuestring, n);
    r->set[J_EMAIL] = 1;
}

static int spjson_next(void *rd, struct imp_feature *f, struct gdir_err *err)
{
    struct spjson *r = rd;
    const cJSON *rec;

    (void)err;
    rec = r->cur ? r->cur->next : r->list->child;
    if (!rec)
        return 0;
    r->cur = rec;
    f->line = ++r->n;
    f->by_feature = 1;
    f->values = r->values;
    memset(r->set, 0, sizeof r->set);
    for (size_t k = 0; k < r->n_fields; k++)
        r->values[k] = NULL;
    if (!cJSON_IsObject(rec)) {
        f->has_line_problem = 1;
        imp_reject_set(&f->line_problem, IMP_R_READ, "record", NULL,
                       "a record of the export is not an object");
        return 1;
    }
    put(r, J_ID, member(rec, "id"));
    put(r, J_NOM, member(rec, "nom"));
    put(r, J_INSEE, member(rec, "code_insee_commune"));
    put(r, J_DATE, member(rec, "date_modification"));
    if (r->set[J_DATE] && r->val[J_DATE].len > 10 && r->val[J_DATE].data[4] == '-') {
        r->val[J_DATE].len = 10;          /* "2026-09-01T08:00:00+00:00": the date */
        r->val[J_DATE].data[10] = '\0';
    }
    put_first(r, J_PIVOT, rec, "pivot", "type_service_local");
    put_first(r, J_PHONE, rec, "telephone", "valeur");
    put_first(r, J_URL, rec, "site_internet", "valeur");
    read_email(r, rec);
    read_address(r, rec);
    read_hours(r, rec);
    for (size_t k = 0; k < r->n_fields; k++) {
        int c = r->col[k];
        r->values[k] = r->set[c] && !r->val[c].err ? gdir_buf_str(&r->val[c]) : NULL;
    }
    return 1;
}

const struct imp_reader_ops imp_reader_spjson = {"service-public-json", spjson_open,
                                                 spjson_next, spjson_close};
