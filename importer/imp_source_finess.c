/*
 * imp_source_finess.c — the two FINESS readers (health and social establishments):
 *
 * 1. imp_reader_finess_csv, the legacy stock `etalab-cs1100507-stock-*.csv`: one `;` file
 *    whose first line is `finess;etalab;<n>;<date>`, then `structureet;…` records (32 fields,
 *    one per establishment) and `geolocalisation;<nofinesset>;<x>;<y>;<source…>;<date>`
 *    records, usually all at the end. A first pass indexes the geolocations by nofinesset;
 *    the second pass streams the establishments with their coordinates joined. Two shapes of
 *    geolocation records exist: 2016 (`…;1;ATLASANTE;100;IGN;BD_ADRESSE;V2.1;LAMBERT_93;
 *    2016-02-29`, one field per source part) and 2026 (`…;1,ATLASANTE,96,BAN,EPSG:2154 RGF93
 *    / Lambert-93 (Métropole);2026-05-04`, the parts comma-joined in one field). Both give
 *    `sourcecoordet` = the parts joined with ',' (the SRS is read from it by imp_source) and
 *    `datecoord`. The file may be UTF-8 or Windows-1252 (source.encoding).
 *    Fields: the 32 columns by their FINESS names (`section` is the record type), then
 *    `coordxet`, `coordyet`, `sourcecoordet`, `datecoord`, and `@insee` (departement +
 *    commune; the overseas départements 9A-9F give 971-976).
 *
 * 2. imp_reader_finess_json, the "flux structures" JSON published from 2026 (schema v1.0.0):
 *    `pmej[]` (legal entities), each with `ege[]` (establishments); one feature per ege. Every
 *    value is a string. The file is parsed whole with cJSON, so its size is capped
 *    (source.max_mb, 256 MiB by default). Fields are dotted paths in the ege
 *    (`informationsGeneralesEGE.numFinessEge`, `adresse.coordonneesGeographique.coordonneeX`,
 *    `contact.telecom.telephone`), or in its pmej with the prefix `pmej.`. In a path, an
 *    array stands for its first element that has the rest of the path, except `adresse`,
 *    which is always the establishment's main address (the first one with coordinates, else
 *    the first), so that every address field comes from the same address. A path ending on
 *    an array of strings gives them joined by ';'.
 *
 * What it does not do: convert coordinates (imp_source.c) or judge rows (imp_record.c).
 */
#include "gdir_buf.h"
#include "gdir_hash.h"
#include "gdir_cjson.h"
#include "gdir_log.h"
#include "gdir_mem.h"
#include "imp_csvscan.h"
#include "imp_source_reader.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define VALUES_MAX (1024 * 1024)
#define GEO_MAX_ENTRIES (4L * 1024 * 1024)   /* geolocation records indexed, at most */

/* ============================================================ legacy CSV stock ==== */

static const char *const finess_columns[] = {
    "section",     "nofinesset",       "nofinessej",   "rs",
    "rslongue",    "complrs",          "compldistrib", "numvoie",
    "typvoie",     "voie",             "compvoie",     "lieuditbp",
    "commune",     "departement",      "libdepartement", "ligneacheminement",
    "telephone",   "telecopie",        "categetab",    "libcategetab",
    "categagretab", "libcategagretab", "siret",        "codeape",
    "codemft",     "libmft",           "codesph",      "libsph",
    "dateouv",     "dateautor",        "datemaj",      "numuai",
};
#define FINESS_NCOL ((int)(sizeof finess_columns / sizeof finess_columns[0]))

enum { V_X = -1, V_Y = -2, V_SOURCE = -3, V_DATE = -4, V_INSEE = -5 };
static const struct {
    const char *name;
    int code;
} finess_virtual[] = {
    {"coordxet", V_X}, {"coordyet", V_Y}, {"sourcecoordet", V_SOURCE}, {"datecoord", V_DATE},
    {"@insee", V_INSEE},
};
#define FINESS_NVIRT (sizeof finess_virtual / sizeof finess_virtual[0])

/* One geolocation: "nofinesset\0x\0y\0source\0date\0" in one allocation. */
struct geo_entry {
    char *data;
    const char *x, *y, *source, *date;
};

struct finess_csv {
    const struct imp_profile *p;
    char *path;
    const char *const *fields;
    size_t n_fields;
    int *col;                  /* per field: column index or V_* */
    int cp1252;
    struct imp_csvrd *rd;
    struct geo_entry *geo;     /* open addressing, key = nofinesset */
    size_t geo_cap, geo_n;
    long geo_dup;              /* geolocation records for an establishment already seen */
    long n_lines_extra;        /* structureet records with more than 32 fields */
    struct imp_record_values rv;
};

static struct geo_entry *geo_find(struct finess_csv *r, const char *key)
{
    if (!r->geo_cap)
        return NULL;
    size_t mask = r->geo_cap - 1;
    for (size_t i = gdir_fnv64_str(GDIR_FNV64_INIT, key) & mask;; i = (i + 1) & mask) {
        if (!r->geo[i].data)
            return NULL;
        if (strcmp(r->geo[i].data, key) == 0)
            return &r->geo[i];
    }
}

static int geo_grow(struct finess_csv *r)
{
    size_t ncap = r->geo_cap ? r->geo_cap * 2 : 4096;
    struct geo_entry *ng = calloc(ncap, sizeof *ng);
    if (!ng)
        return -1;
    for (size_t i = 0; i < r->geo_cap; i++) {
        if (!r->geo[i].data)
            continue;
        size_t j = gdir_fnv64_str(GDIR_FNV64_INIT, r->geo[i].data) & (ncap - 1);
        while (ng[j].data)
            j = (j + 1) & (ncap - 1);
        ng[j] = r->geo[i];
    }
    free(r->geo);
    r->geo = ng;
    r->geo_cap = ncap;
    return 0;
}

/* Trims ASCII spaces in place. */
static char *trim(char *s)
{
    size_t n;
    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* geolocalisation;nofinesset;x;y;source part(s)...;date */
static int geo_add(struct finess_csv *r, char **f, size_t n)
{
    struct gdir_buf b;
    const char *key = trim(f[1]);
    size_t off[5];

    if (n < 4 || !key[0])
        return 0;   /* nothing usable: the establishment will have no coordinates */
    if (geo_find(r, key)) {
        r->geo_dup++;
        return 0;
    }
    if ((long)r->geo_n >= GEO_MAX_ENTRIES)
        return 0;
    if ((r->geo_n + 1) * 2 > r->geo_cap && geo_grow(r))
        return -1;
    gdir_buf_init(&b, 0);
    gdir_buf_adds(&b, key);
    gdir_buf_addc(&b, '\0');
    off[0] = b.len;
    gdir_buf_adds(&b, trim(f[2]));
    gdir_buf_addc(&b, '\0');
    off[1] = b.len;
    gdir_buf_adds(&b, trim(f[3]));
    gdir_buf_addc(&b, '\0');
    off[2] = b.len;
    for (size_t i = 4; n >= 6 && i + 1 < n; i++) {   /* source parts, ',' joined */
        if (i > 4)
            gdir_buf_addc(&b, ',');
        gdir_buf_adds(&b, trim(f[i]));
    }
    if (n == 5)
        gdir_buf_adds(&b, trim(f[4]));
    gdir_buf_addc(&b, '\0');
    off[3] = b.len;
    gdir_buf_adds(&b, n >= 6 ? trim(f[n - 1]) : "");
    gdir_buf_addc(&b, '\0');
    if (b.err) {
        gdir_buf_free(&b);
        return -1;
    }
    char *data = gdir_buf_steal(&b, NULL);
    size_t i = gdir_fnv64_str(GDIR_FNV64_INIT, key) & (r->geo_cap - 1);
    while (r->geo[i].data)
        i = (i + 1) & (r->geo_cap - 1);
    r->geo[i].data = data;
    r->geo[i].x = data + off[0];
    r->geo[i].y = data + off[1];
    r->geo[i].source = data + off[2];
    r->geo[i].date = data + off[3];
    r->geo_n++;
    return 0;
}

static void finess_csv_close(void *rd)
{
    struct finess_csv *r = rd;
    if (!r)
        return;
    if (r->geo_dup)
        gdir_log(GDIR_LOG_WARN, "import", "file=\"%s\" msg=\"geolocation records repeated for "
                 "an establishment: the first one is used\" records=%ld", r->path, r->geo_dup);
    if (r->n_lines_extra)
        gdir_log(GDIR_LOG_WARN, "import", "file=\"%s\" msg=\"structureet records with more than "
                 "32 fields: the extra fields are ignored\" records=%ld", r->path,
                 r->n_lines_extra);
    for (size_t i = 0; i < r->geo_cap; i++)
        free(r->geo[i].data);
    free(r->geo);
    imp_csvrd_close(r->rd);
    imp_record_values_free(&r->rv);
    free(r->col);
    free(r->path);
    free(r);
}

static int finess_csv_resolve(struct finess_csv *r, struct gdir_err *err)
{
    const char *names[FINESS_NCOL + FINESS_NVIRT];
    size_t nn = 0;
    for (int i = 0; i < FINESS_NCOL; i++)
        names[nn++] = finess_columns[i];
    for (size_t i = 0; i < FINESS_NVIRT; i++)
        names[nn++] = finess_virtual[i].name;
    for (size_t k = 0; k < r->n_fields; k++) {
        int found = 0;
        for (int i = 0; i < FINESS_NCOL && !found; i++)
            if (strcmp(r->fields[k], finess_columns[i]) == 0) {
                r->col[k] = i;
                found = 1;
            }
        for (size_t i = 0; i < FINESS_NVIRT && !found; i++)
            if (strcmp(r->fields[k], finess_virtual[i].name) == 0) {
                r->col[k] = finess_virtual[i].code;
                found = 1;
            }
        if (!found)
            return imp_reader_unknown_field(r->path, r->p, r->fields[k], names, nn, err);
    }
    return GDIR_OK;
}

/* Pass 1: the header line, and every geolocation indexed. */
static int finess_csv_index(struct finess_csv *r, struct gdir_err *err)
{
    char **f;
    size_t n;
    long line;
    int unb, rc, first = 1;

    while ((rc = imp_csvrd_next(r->rd, &f, &n, &line, &unb, err)) == 1) {
        if (first) {
            first = 0;
            if (strcmp(trim(f[0]), "finess") != 0)
                return gdir_err_set(err, GDIR_EFORMAT, "%s:%ld: not a FINESS stock file (its "
                                    "first line should start with finess;etalab)", r->path, line);
            continue;
        }
        if (!unb && strcmp(f[0], "geolocalisation") == 0 && geo_add(r, f, n))
            return gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", r->path);
    }
    if (rc < 0) {
        char msg[GDIR_ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return gdir_err_set(err, rc, "%s: %s", r->path, msg);
    }
    if (first)
        return gdir_err_set(err, GDIR_EFORMAT, "%s: empty file, expected a FINESS stock",
                            r->path);
    return GDIR_OK;
}

static int finess_csv_open(void **out, const char *path, const struct imp_profile *p,
                           const char *const *fields, size_t n_fields, struct gdir_err *err)
{
    struct finess_csv *r = calloc(1, sizeof *r);
    int rc, auto_cp1252 = 0;

    *out = NULL;
    if (!r || !(r->path = strdup(path)) || !(r->col = calloc(n_fields + 1, sizeof *r->col)) ||
        imp_record_values_init(&r->rv, n_fields, VALUES_MAX)) {
        finess_csv_close(r);
        return gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", path);
    }
    r->p = p;
    r->fields = fields;
    r->n_fields = n_fields;
    if ((rc = finess_csv_resolve(r, err)))
        goto out;
    if (p->encoding == IMP_ENC_AUTO && (rc = imp_file_encoding_auto(path, &auto_cp1252, err)))
        goto out;
    r->cp1252 = p->encoding == IMP_ENC_CP1252 || auto_cp1252;
    if (r->cp1252 && p->encoding == IMP_ENC_AUTO)
        gdir_log(GDIR_LOG_INFO, "import", "file=\"%s\" msg=\"not valid UTF-8, read as "
                 "Windows-1252 (Latin-1)\"", path);
    if ((rc = imp_csvrd_open(&r->rd, path, ';', r->cp1252, err)) ||
        (rc = finess_csv_index(r, err)))
        goto out;
    imp_csvrd_close(r->rd);
    r->rd = NULL;
    if ((rc = imp_csvrd_open(&r->rd, path, ';', r->cp1252, err)))
        goto out;
    *out = r;
    return GDIR_OK;
out:
    finess_csv_close(r);
    return rc;
}

/* The INSEE code of an establishment: département (2 characters, overseas 9A-9F -> 971-976
 * minus the last digit, which starts the commune code) + commune (3 digits). */
static void finess_insee(struct gdir_buf *b, const char *dep, const char *com)
{
    char d[4] = "", c[4] = "";
    size_t dl = strlen(dep), cl = strlen(com);

    if (!dl || !cl || dl > 3 || cl > 3)
        return;
    if (dl == 2 && dep[0] == '9' && dep[1] >= 'A' && dep[1] <= 'F') {
        snprintf(d, sizeof d, "97");   /* Guadeloupe 9A: commune 101 -> 97101 */
    } else if (dl == 1) {
        snprintf(d, sizeof d, "0%c", dep[0]);
    } else {
        snprintf(d, sizeof d, "%s", dep);
    }
    snprintf(c, sizeof c, "%s%s%s", cl < 3 ? "0" : "", cl < 2 ? "0" : "", com);
    gdir_buf_adds(b, d);
    gdir_buf_adds(b, c);
}

static int finess_csv_next(void *rd, struct imp_feature *f, struct gdir_err *err)
{
    struct finess_csv *r = rd;
    char **cols;
    size_t n;
    long line;
    int unb, rc;

    for (;;) {
        rc = imp_csvrd_next(r->rd, &cols, &n, &line, &unb, err);
        if (rc <= 0) {
            if (rc < 0) {
                char msg[GDIR_ERR_MSG_MAX];
                snprintf(msg, sizeof msg, "%s", err->msg);
                return gdir_err_set(err, rc, "%s: %s", r->path, msg);
            }
            return 0;
        }
        if (line == 1 || strcmp(cols[0], "structureet") != 0)
            continue;   /* the header, geolocations, other record kinds */
        break;
    }
    f->line = line;
    f->values = r->rv.values;
    for (size_t k = 0; k < r->n_fields; k++)
        r->rv.values[k] = NULL;
    if (unb || n < (size_t)FINESS_NCOL) {
        f->has_line_problem = 1;
        imp_reject_set(&f->line_problem, IMP_R_MALFORMED, "line", NULL,
                       unb ? "malformed structureet record: unbalanced quote"
                           : "malformed structureet record: %zu fields, expected 32", n);
        return 1;
    }
    if (n > (size_t)FINESS_NCOL && !(n == (size_t)FINESS_NCOL + 1 && !cols[n - 1][0]))
        r->n_lines_extra++;
    const struct geo_entry *g = geo_find(r, trim(cols[1]));
    gdir_buf_reset(&r->rv.arena);
    for (size_t k = 0; k < r->n_fields; k++) {
        int c = r->col[k];
        const char *v = NULL;
        r->rv.offsets[k] = r->rv.arena.len;
        if (c >= 0) {
            v = cols[c];
        } else if (c == V_INSEE) {
            char dep[8], com[8];
            snprintf(dep, sizeof dep, "%s", cols[13]);
            snprintf(com, sizeof com, "%s", cols[12]);
            finess_insee(&r->rv.arena, trim(dep), trim(com));
            v = "";
        } else if (g) {
            v = c == V_X ? g->x : c == V_Y ? g->y : c == V_SOURCE ? g->source : g->date;
        }
        if (!v) {
            r->rv.offsets[k] = SIZE_MAX;
            continue;
        }
        gdir_buf_adds(&r->rv.arena, v);
        gdir_buf_addc(&r->rv.arena, '\0');
    }
    return imp_record_values_finish(&r->rv, r->n_fields, f, "line");
}

const struct imp_reader_ops imp_reader_finess_csv = {"finess-csv", finess_csv_open,
                                                     finess_csv_next, finess_csv_close};

/* ================================================================ JSON flux ==== */

/* Keys a path may start with (schema structures v1.0.0). */
static const char *const ege_keys[] = {
    "informationsGeneralesEGE", "categorieentiteGeographiqueExercice", "modefixationtarifaire",
    "typeBudget", "adresse", "contact", "engagement", "evenement", "roleEge", "etatObjet",
    "dateDerniereMaj",
};
static const char *const pmej_keys[] = {
    "informationsGeneralesPMEJ", "adresse", "contact", "engagement", "evenement", "etatObjet",
    "dateDerniereMaj",
};
#define N_EGE_KEYS (sizeof ege_keys / sizeof ege_keys[0])
#define N_PMEJ_KEYS (sizeof pmej_keys / sizeof pmej_keys[0])

struct jpath {
    int in_pmej;       /* the path starts at the ege's pmej */
    char **segs;       /* owned */
    size_t n;
};

struct finess_json {
    const struct imp_profile *p;
    char *path;
    const char *const *fields;
    size_t n_fields;
    struct jpath *paths;
    cJSON *root;
    const cJSON *pmej;         /* the pmej array */
    const cJSON *cur_pmej;     /* pmej being read */
    const cJSON *cur_ege;      /* last ege handed out */
    long n;                    /* features handed out */
    struct imp_record_values rv;
};

static void finess_json_close(void *rd)
{
    struct finess_json *r = rd;
    if (!r)
        return;
    for (size_t k = 0; r->paths && k < r->n_fields; k++) {
        for (size_t i = 0; i < r->paths[k].n; i++)
            free(r->paths[k].segs[i]);
        free(r->paths[k].segs);
    }
    free(r->paths);
    cJSON_Delete(r->root);
    imp_record_values_free(&r->rv);
    free(r->path);
    free(r);
}

static int known(const char *seg, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(seg, keys[i]) == 0)
            return 1;
    return 0;
}

static int parse_path(struct finess_json *r, size_t k, struct gdir_err *err)
{
    const char *name = r->fields[k];
    struct jpath *jp = &r->paths[k];
    const char *s = name;
    const char *names[N_EGE_KEYS + N_PMEJ_KEYS];
    char pnames[N_PMEJ_KEYS][40];
    size_t nn = 0, cap = 0;   /* jp->segs is empty */

    while (*s) {
        const char *dot = strchr(s, '.');
        size_t len = dot ? (size_t)(dot - s) : strlen(s);
        if (len == 0 || len > 80)
            break;
        if (gdir_grow(&jp->segs, &cap, jp->n + 1, sizeof *jp->segs))
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        if (!(jp->segs[jp->n] = malloc(len + 1)))
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        memcpy(jp->segs[jp->n], s, len);
        jp->segs[jp->n++][len] = '\0';
        if (!dot)
            break;
        s = dot + 1;
    }
    if (jp->n && strcmp(jp->segs[0], "pmej") == 0) {
        jp->in_pmej = 1;
        if (jp->n >= 2 && known(jp->segs[1], pmej_keys, N_PMEJ_KEYS))
            return GDIR_OK;
    } else if (jp->n && known(jp->segs[0], ege_keys, N_EGE_KEYS)) {
        return GDIR_OK;
    }
    for (size_t i = 0; i < N_EGE_KEYS; i++)
        names[nn++] = ege_keys[i];
    for (size_t i = 0; i < N_PMEJ_KEYS; i++) {
        snprintf(pnames[i], sizeof pnames[i], "pmej.%s", pmej_keys[i]);
        names[nn++] = pnames[i];
    }
    return imp_reader_unknown_field(r->path, r->p, name, names, nn, err);
}

/* Reads the whole file (within the cap) and parses it. */
static int load_json(struct finess_json *r, struct gdir_err *err)
{
    struct stat st;
    FILE *fp;
    char *text = NULL;
    size_t len;
    int rc = GDIR_OK;

    if (stat(r->path, &st) != 0)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", r->path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return gdir_err_set(err, GDIR_EIO, "%s: is a folder, expected a file", r->path);
    if ((unsigned long long)st.st_size > r->p->max_bytes)
        return gdir_err_set(err, GDIR_ETOOBIG, "%s: %lld MiB, larger than the %zu MiB the "
                            "finess-json reader accepts (source.max_mb)", r->path,
                            (long long)st.st_size >> 20, r->p->max_bytes >> 20);
    len = (size_t)st.st_size;
    if (!(fp = fopen(r->path, "rb")))
        return gdir_err_set(err, GDIR_EIO, "%s: %s", r->path, strerror(errno));
    if (!(text = malloc(len + 1))) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", r->path);
    } else if (fread(text, 1, len, fp) != len) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: read error", r->path);
    }
    fclose(fp);
    if (rc)
        goto out;
    text[len] = '\0';
    if (!(r->root = gdir_cjson_parse(text, len, r->path, GDIR_EFORMAT, err))) {
        rc = GDIR_EFORMAT;   /* "file:line:column: syntax error: ..." */
        goto out;
    }
    r->pmej = cJSON_GetObjectItemCaseSensitive(r->root, "pmej");
    if (!cJSON_IsObject(r->root) || !cJSON_IsArray(r->pmej)) {
        rc = gdir_err_set(err, GDIR_EFORMAT, "%s: not a FINESS structures file (expected an "
                          "object with a \"pmej\" array)", r->path);
        goto out;
    }
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(r->root, "schemaVersion");
    if (!cJSON_IsString(ver) || strncmp(ver->valuestring, "v1.", 3) != 0)
        gdir_log(GDIR_LOG_WARN, "import", "file=\"%s\" msg=\"schemaVersion is not v1.x: the "
                 "fields may have changed\"", r->path);
out:
    free(text);
    return rc;
}

static int finess_json_open(void **out, const char *path, const struct imp_profile *p,
                            const char *const *fields, size_t n_fields, struct gdir_err *err)
{
    struct finess_json *r = calloc(1, sizeof *r);
    int rc;

    *out = NULL;
    if (!r || !(r->path = strdup(path)) ||
        !(r->paths = calloc(n_fields + 1, sizeof *r->paths)) ||
        imp_record_values_init(&r->rv, n_fields, VALUES_MAX)) {
        if (r)
            r->n_fields = 0;
        finess_json_close(r);
        return gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", path);
    }
    r->p = p;
    r->fields = fields;
    r->n_fields = n_fields;
    for (size_t k = 0; k < n_fields; k++)
        if ((rc = parse_path(r, k, err)))
            goto out;
    if ((rc = load_json(r, err)))
        goto out;
    r->cur_pmej = NULL;
    r->cur_ege = NULL;
    *out = r;
    return GDIR_OK;
out:
    finess_json_close(r);
    return rc;
}

/* The main address of an ege or pmej: the first with coordinates, else the first. */
static const cJSON *main_address(const cJSON *arr)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
        if (cJSON_GetObjectItemCaseSensitive(it, "coordonneesGeographique"))
            return it;
    return cJSON_GetArrayItem(arr, 0);
}

/* Appends the value at segs[i..n) under node to b; returns 1 when something was found. */
static int resolve(const cJSON *node, char *const *segs, size_t i, size_t n, struct gdir_buf *b)
{
    const cJSON *it;
    if (i == n) {
        if (cJSON_IsString(node)) {
            gdir_buf_adds(b, node->valuestring);
            return 1;
        }
        if (cJSON_IsNumber(node)) {
            gdir_buf_printf(b, "%.15g", node->valuedouble);
            return 1;
        }
        if (cJSON_IsBool(node)) {
            gdir_buf_adds(b, cJSON_IsTrue(node) ? "true" : "false");
            return 1;
        }
        if (cJSON_IsArray(node)) {   /* an array of strings, joined */
            int any = 0;
            cJSON_ArrayForEach(it, node)
                if (cJSON_IsString(it)) {
                    if (any)
                        gdir_buf_addc(b, ';');
                    gdir_buf_adds(b, it->valuestring);
                    any = 1;
                }
            return any;
        }
        return 0;
    }
    if (cJSON_IsArray(node)) {
        cJSON_ArrayForEach(it, node) {
            size_t mark = b->len;
            if (resolve(it, segs, i, n, b))
                return 1;
            b->len = mark;
        }
        return 0;
    }
    if (!cJSON_IsObject(node))
        return 0;
    it = cJSON_GetObjectItemCaseSensitive(node, segs[i]);
    if (!it)
        return 0;
    if (strcmp(segs[i], "adresse") == 0 && cJSON_IsArray(it)) {
        it = main_address(it);
        if (!it)
            return 0;
    }
    return resolve(it, segs, i + 1, n, b);
}

static int finess_json_next(void *rd, struct imp_feature *f, struct gdir_err *err)
{
    struct finess_json *r = rd;
    const cJSON *ege;

    (void)err;
    /* the next ege: after cur_ege in cur_pmej, else the first of a following pmej */
    ege = r->cur_ege ? r->cur_ege->next : NULL;
    while (!ege) {
        r->cur_pmej = r->cur_pmej ? r->cur_pmej->next : r->pmej->child;
        if (!r->cur_pmej)
            return 0;
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(r->cur_pmej, "ege");
        ege = cJSON_IsArray(list) ? list->child : NULL;
    }
    r->cur_ege = ege;
    r->n++;
    f->line = r->n;
    f->by_feature = 1;
    f->values = r->rv.values;
    for (size_t k = 0; k < r->n_fields; k++)
        r->rv.values[k] = NULL;
    if (!cJSON_IsObject(ege)) {
        f->has_line_problem = 1;
        imp_reject_set(&f->line_problem, IMP_R_READ, "ege", NULL,
                       "an ege element is not an object");
        return 1;
    }
    gdir_buf_reset(&r->rv.arena);
    for (size_t k = 0; k < r->n_fields; k++) {
        const struct jpath *jp = &r->paths[k];
        const cJSON *start = jp->in_pmej ? r->cur_pmej : ege;
        size_t first = jp->in_pmej ? 1 : 0;
        size_t mark = r->rv.arena.len;
        r->rv.offsets[k] = mark;
        if (!resolve(start, jp->segs, first, jp->n, &r->rv.arena)) {
            r->rv.arena.len = mark;
            r->rv.offsets[k] = SIZE_MAX;
            continue;
        }
        gdir_buf_addc(&r->rv.arena, '\0');
    }
    return imp_record_values_finish(&r->rv, r->n_fields, f, "ege");
}

const struct imp_reader_ops imp_reader_finess_json = {"finess-json", finess_json_open,
                                                      finess_json_next, finess_json_close};
