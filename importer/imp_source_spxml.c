/*
 * imp_source_spxml.c — imp_reader_spxml: the service-public.fr "base de données locales" in
 * its per-office XML format (one `<Organisme>` file per office, e.g. mairie-55532-01.xml), read
 * from a folder (every *.xml file, in name order; one feature per file) or from one file.
 * Parsing uses GDAL's CPL mini XML parser (cpl_minixml.h); GDAL has no XML vector driver.
 *
 * Fields offered, named like the columns of the flattened CSV (profile service-public-csv):
 *   id, pivot_local, code_insee, date_mise_a_jour   attributes of <Organisme>
 *   nom                                              <Nom>
 *   adresse_type, adresse_lignes (joined " | "), code_postal, commune, latitude, longitude,
 *   precision_geocodage, accessibilite (ACC / DEM / NAC), accessibilite_detail
 *                                                    the first géopostale <Adresse>, else the
 *                                                    first <Adresse>
 *   telephone, email, url                            the first of each in <CoordonnéesNum>
 *   horaires                                         <Ouverture> as an OSM opening_hours value
 *   horaires_note                                    its <Note> texts, joined by a space
 *   fichier                                          the file name
 *
 * Opening hours: each <PlageJ début="lundi" fin="vendredi"> adds its <PlageH début="08:30:00"
 * fin="12:00:00"> spans to each day of its range (imp_sp_hours.h: spans merged per day, days
 * with the same spans grouped: "Mo-Fr 08:30-12:00,13:15-17:00; Sa 09:00-12:00"). A day range
 * without any PlageH says nothing about hours and is left out.
 *
 * CPL's parser stops an element or attribute name at the first non-ASCII byte, and the format
 * has accented names (<Téléphone>, début="lundi"): the file is read into memory and the
 * accented letters of names (never of text or attribute values) are folded to ASCII first
 * (<Telephone>, debut=).
 *
 * A file that is not well-formed XML, too large, or without <Organisme> is a rejected row
 * (read_error) naming the file; the other files are read normally.
 */
#include "gdir_buf.h"
#include "gdir_mem.h"
#include "imp_source_reader.h"
#include "imp_sp_hours.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cpl_error.h>
#include <cpl_minixml.h>

#define VALUES_MAX (1024 * 1024)
#define FILES_MAX 2000000

/* Names of the format, as ascii_names() leaves them */
#define E_COORD_NUM "CoordonneesNum"
#define E_PHONE "Telephone"
#define E_PRECISION "Precision"
#define E_ACCESS "Accessibilite"
#define A_START "debut"

enum spf {
    F_ID, F_PIVOT, F_INSEE, F_DATE, F_NOM, F_ADR_TYPE, F_ADR_LINES, F_CP, F_COMMUNE, F_LAT,
    F_LON, F_PRECISION, F_ACCESS, F_ACCESS_DETAIL, F_PHONE, F_EMAIL, F_URL, F_HOURS,
    F_HOURS_NOTE, F_FILE, F__COUNT
};

static const char *const sp_fields[F__COUNT] = {
    "id", "pivot_local", "code_insee", "date_mise_a_jour", "nom", "adresse_type",
    "adresse_lignes", "code_postal", "commune", "latitude", "longitude", "precision_geocodage",
    "accessibilite", "accessibilite_detail", "telephone", "email", "url", "horaires",
    "horaires_note", "fichier",
};

struct spxml {
    const struct imp_profile *p;
    char *path;
    int is_dir;
    char **files;            /* owned: file names (folder) or the path itself */
    size_t n_files, next;
    int *col;                /* per requested field: enum spf */
    size_t n_fields;
    struct gdir_buf val[F__COUNT];
    int set[F__COUNT];
    const char **values;
    struct gdir_buf full;    /* the current file's full path */
    int xml_failed;
    char xml_msg[256];
};

static void CPL_STDCALL xml_handler(CPLErr cls, CPLErrorNum no, const char *msg)
{
    struct spxml *r = CPLGetErrorHandlerUserData();
    (void)no;
    if (cls >= CE_Failure && !r->xml_failed) {
        r->xml_failed = 1;
        snprintf(r->xml_msg, sizeof r->xml_msg, "%s", msg ? msg : "");
        for (char *c = r->xml_msg; *c; c++)
            if (*c == '\n' || *c == '\r')
                *c = ' ';
    }
}

static void spxml_close(void *rd)
{
    struct spxml *r = rd;
    if (!r)
        return;
    for (size_t i = 0; i < r->n_files; i++)
        free(r->files[i]);
    free(r->files);
    for (int i = 0; i < F__COUNT; i++)
        gdir_buf_free(&r->val[i]);
    gdir_buf_free(&r->full);
    free(r->values);
    free(r->col);
    free(r->path);
    free(r);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_files(struct spxml *r, struct gdir_err *err)
{
    struct stat st;
    DIR *d;
    struct dirent *e;

    if (stat(r->path, &st) != 0)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", r->path, strerror(errno));
    if (!S_ISDIR(st.st_mode)) {
        if (!(r->files = calloc(1, sizeof *r->files)) || !(r->files[0] = strdup(r->path)))
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        r->n_files = 1;
        return GDIR_OK;
    }
    r->is_dir = 1;
    if (!(d = opendir(r->path)))
        return gdir_err_set(err, GDIR_EIO, "%s: %s", r->path, strerror(errno));
    size_t cap = 0;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcasecmp(e->d_name + n - 4, ".xml") != 0 || e->d_name[0] == '.')
            continue;
        if (r->n_files == FILES_MAX)
            break;
        if (gdir_grow(&r->files, &cap, r->n_files + 1, sizeof *r->files))
            break;
        if (!(r->files[r->n_files] = strdup(e->d_name)))
            break;
        r->n_files++;
    }
    closedir(d);
    if (e)
        return gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory, or more than %d files",
                            r->path, FILES_MAX);
    if (r->n_files == 0)
        return gdir_err_set(err, GDIR_EFORMAT, "%s: no .xml file in this folder", r->path);
    qsort(r->files, r->n_files, sizeof *r->files, cmp_names);
    return GDIR_OK;
}

static int spxml_open(void **out, const char *path, const struct imp_profile *p,
                      const char *const *fields, size_t n_fields, struct gdir_err *err)
{
    struct spxml *r = calloc(1, sizeof *r);
    int rc;

    *out = NULL;
    if (!r || !(r->path = strdup(path)) || !(r->col = calloc(n_fields + 1, sizeof *r->col)) ||
        !(r->values = calloc(n_fields + 1, sizeof *r->values))) {
        spxml_close(r);
        return gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", path);
    }
    r->p = p;
    r->n_fields = n_fields;
    for (int i = 0; i < F__COUNT; i++)
        gdir_buf_init(&r->val[i], VALUES_MAX);
    gdir_buf_init(&r->full, 8192);
    rc = imp_reader_map_fields(path, p, fields, n_fields, sp_fields, F__COUNT, r->col, err);
    if (rc) {
        spxml_close(r);
        return rc;
    }
    if ((rc = list_files(r, err))) {
        spxml_close(r);
        return rc;
    }
    *out = r;
    return GDIR_OK;
}

/* ------------------------------------------------------------------ values ---- */

static void put(struct spxml *r, enum spf f, const char *v)
{
    if (!v)
        return;
    gdir_buf_reset(&r->val[f]);
    gdir_buf_adds(&r->val[f], v);
    r->set[f] = 1;
}

/* The text of an element (its first text child), or NULL. */
static const char *text_of(const CPLXMLNode *n)
{
    for (const CPLXMLNode *c = n ? n->psChild : NULL; c; c = c->psNext)
        if (c->eType == CXT_Text)
            return c->pszValue;
    return NULL;
}

static const char *attr(const CPLXMLNode *n, const char *name)
{
    for (const CPLXMLNode *c = n ? n->psChild : NULL; c; c = c->psNext)
        if (c->eType == CXT_Attribute && strcmp(c->pszValue, name) == 0)
            return text_of(c);
    return NULL;
}

static const CPLXMLNode *child(const CPLXMLNode *n, const char *name)
{
    for (const CPLXMLNode *c = n ? n->psChild : NULL; c; c = c->psNext)
        if (c->eType == CXT_Element && strcmp(c->pszValue, name) == 0)
            return c;
    return NULL;
}

static void read_address(struct spxml *r, const CPLXMLNode *org)
{
    const CPLXMLNode *adr = NULL, *c, *loc, *acc;
    for (c = org->psChild; c; c = c->psNext)
        if (c->eType == CXT_Element && strcmp(c->pszValue, "Adresse") == 0) {
            const char *t = attr(c, "type");
            if (!adr)
                adr = c;
            if (t && strcmp(t, "g\xC3\xA9opostale") == 0) {
                adr = c;
                break;
            }
        }
    if (!adr)
        return;
    put(r, F_ADR_TYPE, attr(adr, "type"));
    gdir_buf_reset(&r->val[F_ADR_LINES]);
    for (c = adr->psChild; c; c = c->psNext)
        if (c->eType == CXT_Element && strcmp(c->pszValue, "Ligne") == 0 && text_of(c)) {
            if (r->val[F_ADR_LINES].len)
                gdir_buf_adds(&r->val[F_ADR_LINES], " | ");
            gdir_buf_adds(&r->val[F_ADR_LINES], text_of(c));
            r->set[F_ADR_LINES] = 1;
        }
    put(r, F_CP, text_of(child(adr, "CodePostal")));
    put(r, F_COMMUNE, text_of(child(adr, "NomCommune")));
    loc = child(adr, "Localisation");
    put(r, F_LAT, text_of(child(loc, "Latitude")));
    put(r, F_LON, text_of(child(loc, "Longitude")));
    put(r, F_PRECISION, text_of(child(loc, E_PRECISION)));
    acc = child(adr, E_ACCESS);
    put(r, F_ACCESS, attr(acc, "type"));
    put(r, F_ACCESS_DETAIL, text_of(acc));
}

static void read_hours(struct spxml *r, const CPLXMLNode *org)
{
    const CPLXMLNode *ouv = child(org, "Ouverture"), *pj, *ph;
    struct imp_sp_week week;
    struct gdir_buf *note = &r->val[F_HOURS_NOTE];

    if (!ouv)
        return;
    memset(&week, 0, sizeof week);
    gdir_buf_reset(note);
    for (pj = ouv->psChild; pj; pj = pj->psNext) {
        if (pj->eType != CXT_Element)
            continue;
        if (strcmp(pj->pszValue, "Note") == 0 && text_of(pj)) {
            if (note->len)
                gdir_buf_addc(note, ' ');
            gdir_buf_adds(note, text_of(pj));
            r->set[F_HOURS_NOTE] = 1;
            continue;
        }
        if (strcmp(pj->pszValue, "PlageJ") != 0)
            continue;
        int d1 = imp_sp_day_index(attr(pj, A_START)), d2 = imp_sp_day_index(attr(pj, "fin"));
        if (d1 < 0)
            continue;
        for (ph = pj->psChild; ph; ph = ph->psNext) {
            if (ph->eType == CXT_Element && strcmp(ph->pszValue, "Note") == 0 && text_of(ph)) {
                if (note->len)
                    gdir_buf_addc(note, ' ');
                gdir_buf_adds(note, text_of(ph));
                r->set[F_HOURS_NOTE] = 1;
            }
            if (ph->eType != CXT_Element || strcmp(ph->pszValue, "PlageH") != 0)
                continue;
            imp_sp_week_add(&week, d1, d2 < 0 ? d1 : d2, imp_sp_minutes(attr(ph, A_START)),
                            imp_sp_minutes(attr(ph, "fin")));
        }
    }
    if (imp_sp_week_format(&week, &r->val[F_HOURS]))
        r->set[F_HOURS] = 1;
}

static void read_contacts(struct spxml *r, const CPLXMLNode *org)
{
    const CPLXMLNode *cn = child(org, E_COORD_NUM);
    put(r, F_PHONE, text_of(child(cn, E_PHONE)));
    put(r, F_EMAIL, text_of(child(cn, "Email")));
    put(r, F_URL, text_of(child(cn, "Url")));
}

/* Folds the accented letters of element and attribute names to ASCII, in place: é è ê ë
 * -> e, à â -> a, î ï -> i, ô -> o, ù û ü -> u, ç -> c, any other non-ASCII letter -> _.
 * Text, attribute values, comments and CDATA are left alone. Returns the new length. */
static size_t ascii_names(char *t, size_t n)
{
    size_t i = 0, o = 0;
    int in_tag = 0;
    char quote = 0;

    while (i < n) {
        unsigned char c = (unsigned char)t[i];
        if (!in_tag) {
            if (c == '<' && i + 3 < n && memcmp(t + i, "<!--", 4) == 0) {
                const char *end = strstr(t + i, "-->");   /* the text is NUL-terminated */
                size_t len = end ? (size_t)(end - (t + i)) + 3 : n - i;
                memmove(t + o, t + i, len);
                o += len;
                i += len;
                continue;
            }
            if (c == '<' && i + 8 < n && memcmp(t + i, "<![CDATA[", 9) == 0) {
                const char *end = strstr(t + i, "]]>");
                size_t len = end ? (size_t)(end - (t + i)) + 3 : n - i;
                memmove(t + o, t + i, len);
                o += len;
                i += len;
                continue;
            }
            in_tag = c == '<';
            t[o++] = t[i++];
            continue;
        }
        if (quote) {
            if (c == (unsigned char)quote)
                quote = 0;
            t[o++] = t[i++];
            continue;
        }
        if (c == '"' || c == '\'') {
            quote = (char)c;
        } else if (c == '>') {
            in_tag = 0;
        } else if (c >= 0x80) {
            /* one UTF-8 sequence in a name */
            size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            char a = '_';
            if (c == 0xC3 && i + 1 < n) {
                unsigned char d = (unsigned char)t[i + 1];
                a = (d >= 0xA8 && d <= 0xAB) || (d >= 0x88 && d <= 0x8B) ? 'e'
                    : (d >= 0xA0 && d <= 0xA5) || (d >= 0x80 && d <= 0x85) ? 'a'
                    : (d >= 0xAC && d <= 0xAF) || (d >= 0x8C && d <= 0x8F) ? 'i'
                    : (d >= 0xB2 && d <= 0xB6) || (d >= 0x92 && d <= 0x96) ? 'o'
                    : (d >= 0xB9 && d <= 0xBC) || (d >= 0x99 && d <= 0x9C) ? 'u'
                    : (d == 0xA7 || d == 0x87)                            ? 'c'
                                                                          : '_';
            }
            t[o++] = a;
            i += len <= n - i ? len : n - i;
            continue;
        }
        t[o++] = t[i++];
    }
    t[o] = '\0';
    return o;
}

/* The file's text, names folded, or NULL (read error). Owned by the caller. */
static char *read_xml(const char *file, size_t size)
{
    FILE *fp = fopen(file, "rb");
    char *t = fp ? malloc(size + 1) : NULL;
    if (t && fread(t, 1, size, fp) != size) {
        free(t);
        t = NULL;
    }
    if (fp)
        fclose(fp);
    if (t) {
        t[size] = '\0';
        ascii_names(t, strlen(t));
    }
    return t;
}

static int spxml_next(void *rd, struct imp_feature *f, struct gdir_err *err)
{
    struct spxml *r = rd;
    const char *name, *file;
    CPLXMLNode *root = NULL;
    const CPLXMLNode *org;
    struct stat st;

    (void)err;
    if (r->next >= r->n_files)
        return 0;
    name = r->files[r->next++];
    f->line = (long)r->next;
    f->by_feature = 1;
    f->values = r->values;
    memset(r->set, 0, sizeof r->set);
    for (size_t k = 0; k < r->n_fields; k++)
        r->values[k] = NULL;
    gdir_buf_reset(&r->full);
    if (r->is_dir)
        gdir_buf_printf(&r->full, "%s/%s", r->path, name);
    else
        gdir_buf_adds(&r->full, name);
    file = gdir_buf_str(&r->full);
    {
        const char *slash = strrchr(name, '/');
        put(r, F_FILE, slash ? slash + 1 : name);
    }
    if (stat(file, &st) != 0 || (unsigned long long)st.st_size > r->p->max_bytes) {
        f->has_line_problem = 1;
        imp_reject_set(&f->line_problem, IMP_R_READ, r->val[F_FILE].data, NULL,
                       stat(file, &st) != 0 ? "cannot be read" : "file larger than the cap "
                       "(source.max_mb)");
        return 1;
    }
    char *text = read_xml(file, (size_t)st.st_size);
    if (!text) {
        f->has_line_problem = 1;
        imp_reject_set(&f->line_problem, IMP_R_READ, r->val[F_FILE].data, NULL,
                       "cannot be read");
        return 1;
    }
    r->xml_failed = 0;
    CPLPushErrorHandlerEx(xml_handler, r);
    root = CPLParseXMLString(text);
    CPLPopErrorHandler();
    free(text);
    org = root ? CPLGetXMLNode(root, "=Organisme") : NULL;
    if (!org) {
        f->has_line_problem = 1;
        imp_reject_set(&f->line_problem, IMP_R_READ, r->val[F_FILE].data, NULL, "%s",
                       !root ? "not well-formed XML" : "no <Organisme> element");
        CPLDestroyXMLNode(root);
        return 1;
    }
    put(r, F_ID, attr(org, "id"));
    put(r, F_PIVOT, attr(org, "pivotLocal"));
    put(r, F_INSEE, attr(org, "codeInsee"));
    put(r, F_DATE, attr(org, "dateMiseAJour"));
    put(r, F_NOM, text_of(child(org, "Nom")));
    read_address(r, org);
    read_contacts(r, org);
    read_hours(r, org);
    CPLDestroyXMLNode(root);
    for (size_t k = 0; k < r->n_fields; k++) {
        int c = r->col[k];
        r->values[k] = r->set[c] && !r->val[c].err ? gdir_buf_str(&r->val[c]) : NULL;
    }
    return 1;
}

const struct imp_reader_ops imp_reader_spxml = {"service-public-xml", spxml_open, spxml_next,
                                                spxml_close};
