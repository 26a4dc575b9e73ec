/*
 * h_catalog.c — the DCAT-AP 3.0 catalogue of the open data (docs/opendata.md):
 *   GET /catalog.jsonld   JSON-LD 1.1 (application/ld+json)
 *   GET /catalog.ttl      Turtle (text/turtle)
 *   GET /catalog.rdf      RDF/XML (application/rdf+xml)
 *   GET /catalog          one of them by Accept (JSON-LD by default)
 * each with ?page=N (Hydra paging of the datasets, as data.gouv.fr's DCAT harvester follows it),
 * and GET /catalog.csv, the same datasets as the SCDL "Catalogue simplifié" (scdl/catalogue).
 *
 * Built on each request from what the server has open: the territory's configuration (meta
 * 'territory', with its "open_data" object), meta 'built_at', the sources, the full exports
 * (table exports) and the extents of the OGC collections (ogc_summarize, cached per build).
 * Datasets: one per (dataset, licence) of the exports — the places under Licence Ouverte
 * (ODbL records left out) and under ODbL (everything), the SCDL equipements, ... — plus the
 * places under each licence of the data when no export describes them. Every full export is a
 * distribution (download URL /data/<name>, media type, size, SHA-256); the OGC API and the
 * search API are data services. The graph and its writers are api_catalog.c.
 *
 * Absolute URLs start with open_data.public_url of the territory, else with the server's
 * public_url, else with a loopback Host of the request, else with http://localhost (never with
 * another Host: a client could name any).
 */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_catalog.h"
#include "api_dbpool.h"
#include "api_handlers.h"
#include "api_http.h"
#include "gdir_csv.h"
#include "gdir_hash.h"
#include "gdir_mem.h"
#include "gdir_parse.h"
#include "gdir_text.h"
#include "h_feeds.h"
#include "h_ogc.h"

#define CAT_CT_JSONLD "application/ld+json"
#define CAT_CT_TURTLE "text/turtle; charset=utf-8"
#define CAT_CT_RDFXML "application/rdf+xml; charset=utf-8"
#define CAT_CT_CSV "text/csv; charset=utf-8; header=present"

#define CAT_PAGE_SIZE 50          /* datasets per page */
#define CAT_MAX_EXPORTS 512       /* rows of table exports read */
#define CAT_MAX_SOURCES 256       /* rows of table sources read */
#define CAT_MAX_DATASETS 96
#define CAT_MAX_COLLECTIONS 40

#define EU_THEME "http://publications.europa.eu/resource/authority/data-theme/"
#define EU_FREQ "http://publications.europa.eu/resource/authority/frequency/"
#define EU_FILETYPE "http://publications.europa.eu/resource/authority/file-type/"
#define EU_LANG_FRA "http://publications.europa.eu/resource/authority/language/FRA"
#define IANA_MT "https://www.iana.org/assignments/media-types/"
#define ORG_URI "https://annuaire-entreprises.data.gouv.fr/entreprise/"
#define LICENCE_LO "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
#define SCDL_EQUIPEMENTS "https://schema.data.gouv.fr/scdl/equipements/"
#define OGC_FEATURES_CORE "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"

enum cat_repr { CAT_JSONLD, CAT_TURTLE, CAT_RDFXML, CAT_CSV };

struct cat_source {
    char *name, *title, *publisher, *licence, *url, *date;   /* own(); date: data or import */
    int has_places, has_communes, has_addresses;
};

struct cat_export {
    char *name, *dataset, *format, *licence, *media_type, *sha256, *created;   /* own() */
    long long size, records, excluded;
};

struct cat_dataset {
    char dataset[48];
    char licence[24];
    size_t exports[32];          /* indices into the exports */
    size_t n_exports;
    long long excluded;          /* most places left out of one of its exports */
    char id[128];                /* "places-etalab-2.0": the fragment of its IRI */
    const struct gdir_category *category;   /* a top-level category's places (no export files:
                                             * on-demand downloads), else NULL */
    size_t sum;                  /* its collection's index in cat_state.sum (categories) */
};

struct cat_state {
    const struct api_request *req;
    enum cat_repr repr;
    struct gdir_buf base;        /* "https://host" without a trailing slash */
    cJSON *territory;            /* owned; NULL when the database has none */
    const cJSON *od;             /* territory.open_data, borrowed, may be NULL */
    char built_at[48];
    struct cat_source *sources;
    size_t n_sources;
    struct cat_export *exports;
    size_t n_exports;
    struct cat_dataset datasets[CAT_MAX_DATASETS];
    size_t n_datasets;
    struct feeds_facts life[2];  /* the agenda, the news (when the server has the store) */
    size_t n_life;
    struct ogc_collection cs[CAT_MAX_COLLECTIONS];   /* the OGC collections: places, one
                                                     * per top-level category, communes,
                                                     * addresses */
    struct ogc_summary sum[CAT_MAX_COLLECTIONS];     /* their summaries, same order */
    size_t n_cs, i_communes;     /* number of collections; index of communes */
    struct api_cat_graph g;
    struct gdir_buf tmp;         /* scratch for building IRIs and texts */
    char **owned;                /* the copies of the sources' and exports' strings (own) */
    size_t n_owned, cap_owned;
};

/* ---- reading --------------------------------------------------------------------------- */

static const char *jstr(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* A copy of s that st owns (state_free frees it), or NULL when s is NULL or memory runs out. */
static char *own(struct cat_state *st, const char *s)
{
    char *c;
    if (!s || gdir_grow(&st->owned, &st->cap_owned, st->n_owned + 1, sizeof *st->owned) ||
        !(c = strdup(s)))
        return NULL;
    st->owned[st->n_owned++] = c;
    return c;
}

static int on_source(void *cls, const struct api_catalog_source *s)
{
    struct cat_state *st = cls;
    struct cat_source *c;
    const char *date = s->data_date ? s->data_date : s->imported_at;

    if (st->n_sources >= CAT_MAX_SOURCES)
        return 0;
    c = &st->sources[st->n_sources];
    memset(c, 0, sizeof *c);
    c->name = own(st, s->name);
    c->title = own(st, s->title);
    c->publisher = own(st, s->publisher);
    c->licence = own(st, s->licence);
    c->url = own(st, s->url);
    c->date = own(st, date);
    c->has_places = s->has_places;
    c->has_communes = s->has_communes;
    c->has_addresses = s->has_addresses;
    st->n_sources++;
    if (!c->name || (s->title && !c->title) || (s->publisher && !c->publisher) ||
        (s->licence && !c->licence) || (s->url && !c->url) || (date && !c->date))
        return GDIR_ENOMEM;
    return 0;
}

static int on_export(void *cls, const struct api_export_entry *e)
{
    struct cat_state *st = cls;
    struct cat_export *x;

    if (st->n_exports >= CAT_MAX_EXPORTS)
        return 0;
    x = &st->exports[st->n_exports++];
    memset(x, 0, sizeof *x);
    x->name = own(st, e->name);
    x->dataset = own(st, e->dataset);
    x->format = own(st, e->format);
    x->licence = own(st, e->licence);
    x->media_type = own(st, e->media_type);
    x->sha256 = own(st, e->sha256);
    x->created = own(st, e->created);
    x->size = e->size;
    x->records = e->records;
    x->excluded = e->excluded;
    if (!x->name || !x->dataset || !x->format || !x->licence || !x->media_type || !x->sha256 ||
        !x->created)
        return GDIR_ENOMEM;
    return 0;
}

static void state_free(struct cat_state *st)
{
    for (size_t i = 0; i < st->n_owned; i++)
        free(st->owned[i]);
    free(st->owned);
    free(st->sources);
    free(st->exports);
    cJSON_Delete(st->territory);
    gdir_buf_free(&st->base);
    gdir_buf_free(&st->tmp);
    api_cat_free(&st->g);
}

static int is_odbl(const char *licence)
{
    return licence && strcasecmp(licence, "ODbL-1.0") == 0;
}

/* Order of datasets: the directory first, then the other tables, then any other name. */
static int dataset_rank(const char *d)
{
    static const char *const order[] = {"places", "equipements", "communes", "addresses"};
    for (int i = 0; i < 4; i++)
        if (strcmp(d, order[i]) == 0)
            return i;
    return 4;
}

static int dataset_cmp(const void *a, const void *b)
{
    const struct cat_dataset *x = a, *y = b;
    int rx = dataset_rank(x->dataset), ry = dataset_rank(y->dataset), c;
    if (rx != ry)
        return rx < ry ? -1 : 1;
    /* the whole directory first, then its categories in taxonomy order */
    if (!x->category != !y->category)
        return x->category ? 1 : -1;
    if (x->sum != y->sum)
        return x->sum < y->sum ? -1 : 1;
    if ((c = strcmp(x->dataset, y->dataset)))
        return c;
    /* the open licence first, ODbL (share-alike) last */
    if (is_odbl(x->licence) != is_odbl(y->licence))
        return is_odbl(x->licence) ? 1 : -1;
    return strcmp(x->licence, y->licence);
}

static struct cat_dataset *find_dataset(struct cat_state *st, const char *dataset,
                                        const char *licence)
{
    struct cat_dataset *d;
    char id[sizeof d->id];
    snprintf(id, sizeof id, "%s-%s", dataset, licence);
    for (size_t i = 0; i < st->n_datasets; i++)
        if (strcmp(st->datasets[i].id, id) == 0)
            return &st->datasets[i];
    if (st->n_datasets >= CAT_MAX_DATASETS || strlen(dataset) >= sizeof d->dataset ||
        strlen(licence) >= sizeof d->licence)
        return NULL;
    d = &st->datasets[st->n_datasets++];
    memset(d, 0, sizeof *d);
    snprintf(d->dataset, sizeof d->dataset, "%s", dataset);
    snprintf(d->licence, sizeof d->licence, "%s", licence);
    snprintf(d->id, sizeof d->id, "%s-%s", dataset, licence);
    return d;
}

/* The tables served live by the OGC API that no export describes (the addresses and the
 * communes: no file holds them): one dataset each, whose only distribution is its collection. The collection
 * serves every row, so the dataset takes the licence of all of them: ODbL as soon as one row
 * is (BANO), else the licence of the rows; never two datasets of one collection. */
static void group_live_tables(struct cat_state *st)
{
    for (size_t c = 0; c < st->n_cs; c++) {
        const struct ogc_summary *sm = &st->sum[c];
        const char *table = st->cs[c].kind == OGC_KIND_ADDRESSES  ? "addresses"
                            : st->cs[c].kind == OGC_KIND_COMMUNES ? "communes"
                                                                  : NULL;
        const char *licence = sm->n_licences ? sm->licences[0] : NULL;
        int known = 0;
        if (!table || sm->n == 0 || !licence)
            continue;
        for (size_t k = 0; k < sm->n_licences; k++)
            if (is_odbl(sm->licences[k]))
                licence = sm->licences[k];
        for (size_t i = 0; i < st->n_datasets; i++)
            known |= strcmp(st->datasets[i].dataset, table) == 0;
        if (!known)
            find_dataset(st, table, licence);
    }
}

/* The datasets: each (dataset, licence) of the exports, the places under each licence of the
 * data that no export names (a database built without exports still has a catalogue), the
 * live tables (group_live_tables) and the top-level categories. */
static void group_datasets(struct cat_state *st)
{
    for (size_t i = 0; i < st->n_exports; i++) {
        struct cat_dataset *d = find_dataset(st, st->exports[i].dataset, st->exports[i].licence);
        if (!d || d->n_exports >= sizeof d->exports / sizeof d->exports[0])
            continue;
        d->exports[d->n_exports++] = i;
        if (st->exports[i].excluded > d->excluded)
            d->excluded = st->exports[i].excluded;
    }
    if (st->sum[0].n > 0) {
        int any_places = 0;
        for (size_t i = 0; i < st->n_datasets; i++)
            any_places |= strcmp(st->datasets[i].dataset, "places") == 0;
        for (size_t k = 0; !any_places && k < st->sum[0].n_licences; k++)
            find_dataset(st, "places", st->sum[0].licences[k]);
    }
    group_live_tables(st);
    /* Each top-level category with places: under the Licence Ouverte when some of its places
     * are not ODbL, under ODbL when some are (its ODbL version is then the whole category).
     * A category that holds every place of the directory is left out: each of its datasets
     * would be the whole directory's under the same licence, already listed. */
    for (size_t c = 0; c < st->n_cs; c++) {
        const struct ogc_summary *sm = &st->sum[c];
        int lo = 0, odbl = 0;
        if (!st->cs[c].category || sm->n == 0 || sm->n == st->sum[0].n)
            continue;
        for (size_t k = 0; k < sm->n_licences; k++) {
            if (is_odbl(sm->licences[k]))
                odbl = 1;
            else
                lo = 1;
        }
        for (int pass = 0; pass < 2; pass++) {
            struct cat_dataset *d;
            char name[48];
            if (!(pass == 0 ? lo : odbl))
                continue;
            snprintf(name, sizeof name, "places-%s", st->cs[c].category->code);
            d = find_dataset(st, name, pass == 0 ? "etalab-2.0" : "ODbL-1.0");
            if (!d)
                continue;
            snprintf(d->dataset, sizeof d->dataset, "places");
            d->category = st->cs[c].category;
            d->sum = c;
        }
    }
    qsort(st->datasets, st->n_datasets, sizeof st->datasets[0], dataset_cmp);
}

/* ---- texts ----------------------------------------------------------------------------- */

/* Whether source s is part of dataset d: the right table, and its licence allowed (an ODbL
 * dataset holds every source; another licence leaves the ODbL sources out). */
static int source_in(const struct cat_source *s, const struct cat_dataset *d)
{
    int table = strcmp(d->dataset, "communes") == 0    ? s->has_communes
                : strcmp(d->dataset, "addresses") == 0 ? s->has_addresses
                                                       : s->has_places;
    return table && (is_odbl(d->licence) || !is_odbl(s->licence));
}

static const char *licence_short(const char *licence)
{
    if (is_odbl(licence))
        return "ODbL 1.0";
    if (licence && strcasecmp(licence, "etalab-2.0") == 0)
        return "Licence Ouverte 2.0";
    return licence;
}

static const char *territory_name(const struct cat_state *st)
{
    const char *n = jstr(st->territory, "name");
    return n ? n : "le territoire";
}

static const char *territory_short(const struct cat_state *st)
{
    const char *n = jstr(st->territory, "short_name");
    return n ? n : territory_name(st);
}

/* French title of a dataset. */
static void dataset_title(const struct cat_state *st, const struct cat_dataset *d,
                          struct gdir_buf *out)
{
    const char *t = jstr(st->od, "title");
    if (strcmp(d->dataset, "places") == 0) {
        if (t)
            gdir_buf_adds(out, t);
        else
            gdir_buf_printf(out, "Annuaire des lieux et services — %s", territory_short(st));
    } else if (strcmp(d->dataset, "equipements") == 0) {
        gdir_buf_printf(out, "Équipements publics au format SCDL — %s", territory_short(st));
    } else if (strcmp(d->dataset, "communes") == 0) {
        gdir_buf_printf(out, "Communes membres et leurs limites — %s", territory_short(st));
    } else if (strcmp(d->dataset, "addresses") == 0) {
        gdir_buf_printf(out, "Adresses — %s", territory_short(st));
    } else {
        gdir_buf_printf(out, "Jeu de données « %s » — %s", d->dataset, territory_short(st));
    }
    if (d->category)
        gdir_buf_printf(out, " — %s", d->category->label);
    gdir_buf_printf(out, " (%s)", licence_short(d->licence));
}

/* The list of the dataset's sources: "Titre (éditeur), ...". */
static void source_list(const struct cat_state *st, const struct cat_dataset *d,
                        struct gdir_buf *out, int publishers_only)
{
    int first = 1;
    for (size_t i = 0; i < st->n_sources; i++) {
        const struct cat_source *s = &st->sources[i];
        if (!source_in(s, d))
            continue;
        if (publishers_only) {
            /* each publisher once */
            int dup = 0;
            for (size_t k = 0; k < i && !dup; k++)
                dup = source_in(&st->sources[k], d) && st->sources[k].publisher &&
                      s->publisher && strcmp(st->sources[k].publisher, s->publisher) == 0;
            if (dup || !s->publisher)
                continue;
            gdir_buf_printf(out, "%s%s", first ? "" : ", ", s->publisher);
        } else {
            gdir_buf_printf(out, "%s%s", first ? "" : " ; ", s->title ? s->title : s->name);
            if (s->publisher)
                gdir_buf_printf(out, " (%s, %s)", s->publisher,
                                s->licence ? licence_short(s->licence) : "licence inconnue");
        }
        first = 0;
    }
}

static void dataset_description(const struct cat_state *st, const struct cat_dataset *d,
                                struct gdir_buf *out)
{
    const char *desc = jstr(st->od, "description");
    if (d->category) {
        gdir_buf_printf(out, "Les lieux de la catégorie « %s » (et de ses sous-catégories) de "
                             "l'annuaire de %s : %lld lieux, avec leur adresse, leur position, "
                             "leurs contacts, leurs horaires, leur source et leur licence. "
                             "Téléchargement calculé à la demande ; l'annuaire complet est "
                             "aussi publié en fichiers.\n\n",
                        d->category->label, territory_name(st), st->sum[d->sum].n);
    } else if (strcmp(d->dataset, "places") == 0 || strcmp(d->dataset, "equipements") == 0) {
        if (desc)
            gdir_buf_printf(out, "%s\n\n", desc);
        else
            gdir_buf_printf(out,
                            "Les lieux et services du territoire de %s : services publics, "
                            "santé, commerces, écoles, associations, transports…, avec leur "
                            "adresse, leur position, leurs contacts et leurs horaires.\n\n",
                            territory_name(st));
        if (strcmp(d->dataset, "equipements") == 0)
            gdir_buf_adds(out, "Fichier CSV conforme au schéma national « Équipements » "
                               "(scdl/equipements, schema.data.gouv.fr).\n\n");
    } else if (strcmp(d->dataset, "communes") == 0) {
        gdir_buf_printf(out, "Les communes membres de %s, avec leur code INSEE, leurs codes "
                             "postaux, leur population et leurs limites.\n\n",
                        territory_name(st));
    } else if (strcmp(d->dataset, "addresses") == 0) {
        gdir_buf_printf(out, "Les adresses du territoire de %s (numéro, voie, code postal, "
                             "commune, position).\n\n",
                        territory_name(st));
    }
    if (is_odbl(d->licence))
        gdir_buf_adds(out, "Version complète, sous Open Database License (ODbL) 1.0 : elle "
                           "contient des données issues d'OpenStreetMap ou de la BANO ; "
                           "réutilisation avec attribution et partage à l'identique.");
    else
    {
        gdir_buf_printf(out, "Version sous %s : les lieux et les champs issus de sources sous "
                             "ODbL (OpenStreetMap, BANO) en sont exclus",
                        licence_short(d->licence));
        if (d->excluded > 0)
            gdir_buf_printf(out, " (%lld lieux exclus)", d->excluded);
        gdir_buf_adds(out, ".");
    }
    if (d->category) {
        gdir_buf_adds(out, " Sources possibles : ");
        source_list(st, d, out, 0);
    } else {
        gdir_buf_adds(out, " Sources : ");
        source_list(st, d, out, 0);
    }
    gdir_buf_adds(out, ".");
}

/* The attribution a reuser must give. */
static void attribution(const struct cat_state *st, const struct cat_dataset *d,
                        struct gdir_buf *out)
{
    gdir_buf_printf(out, "%s — sources : ", territory_name(st));
    source_list(st, d, out, 1);
    gdir_buf_printf(out, " ; mise à jour du %.10s. ", st->built_at[0] ? st->built_at : "?");
    if (is_odbl(d->licence))
        gdir_buf_adds(out, "Base de données sous Open Database License (ODbL) 1.0 : citer "
                           "« © les contributeurs d'OpenStreetMap » et les sources ci-dessus, "
                           "partager à l'identique toute base dérivée.");
    else
        gdir_buf_printf(out, "%s : mentionner la source et la date de mise à jour.",
                        licence_short(d->licence));
}

/* ---- URLs and formats -------------------------------------------------------------------- */

/* base + suffix, in st->tmp (reset first). */
static const char *url(struct cat_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *url(struct cat_state *st, const char *fmt, ...)
{
    va_list ap;
    gdir_buf_reset(&st->tmp);
    gdir_buf_add(&st->tmp, st->base.data, st->base.len);
    va_start(ap, fmt);
    gdir_buf_vprintf(&st->tmp, fmt, ap);
    va_end(ap);
    return gdir_buf_str(&st->tmp);
}

/* A node named base + path + arg. */
static size_t node(struct cat_state *st, const char *path, const char *arg)
{
    gdir_buf_reset(&st->tmp);
    gdir_buf_add(&st->tmp, st->base.data, st->base.len);
    gdir_buf_adds(&st->tmp, path);
    gdir_buf_adds(&st->tmp, arg);
    return api_cat_node(&st->g, gdir_buf_str(&st->tmp));
}

static const struct {
    const char *format;          /* exports.format */
    const char *label;           /* French label */
    const char *filetype;        /* EU file-type code, NULL if none */
    int iana;                    /* the media type is registered with IANA */
} formats[] = {
    {"geojson", "GeoJSON", "GEOJSON", 1},
    {"csv", "CSV", "CSV", 1},
    {"csv-fr", "CSV pour tableur (séparateur ;)", "CSV", 1},
    {"scdl-equipements", "CSV SCDL Équipements", "CSV", 1},
    {"gpkg", "GeoPackage", "GPKG", 1},
    {"xlsx", "Excel (XLSX)", "XLSX", 1},
    {"kml", "KML", "KML", 1},
    {"shp", "Shapefile (zip)", "SHP", 1},
    {"fgb", "FlatGeobuf", NULL, 0},
};

static size_t format_index(const char *f)
{
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(formats[i].format, f) == 0)
            return i;
    return (size_t)-1;
}

/* The EU frequency code of open_data.update_frequency (its own words, data.gouv.fr's or the
 * EU codes themselves); UNKNOWN when absent or not understood. */
static const char *frequency(const struct cat_state *st)
{
    static const char *const map[][2] = {
        {"continuous", "UPDATE_CONT"}, {"daily", "DAILY"},         {"weekly", "WEEKLY"},
        {"biweekly", "BIWEEKLY"},      {"monthly", "MONTHLY"},     {"bimonthly", "BIMONTHLY"},
        {"quarterly", "QUARTERLY"},    {"semiannual", "ANNUAL_2"}, {"annual", "ANNUAL"},
        {"biennial", "BIENNIAL"},      {"irregular", "IRREG"},     {"punctual", "AS_NEEDED"},
        {"never", "NEVER"},            {"unknown", "UNKNOWN"},     {"IRREG", "IRREG"},
        {"UPDATE_CONT", "UPDATE_CONT"}, {"ANNUAL_2", "ANNUAL_2"},  {"AS_NEEDED", "AS_NEEDED"},
    };
    const char *f = jstr(st->od, "update_frequency");
    for (size_t i = 0; f && i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(f, map[i][0]) == 0)
            return map[i][1];
    return "UNKNOWN";
}

/* The datatype of a stored date: xsd:date for YYYY-MM-DD, xsd:dateTime for a full date-time,
 * NULL for anything else (then it is left out). */
static const char *date_type(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    int digits = n >= 10;
    for (size_t i = 0; digits && i < 10; i++)
        digits = (i == 4 || i == 7) ? s[i] == '-' : (s[i] >= '0' && s[i] <= '9');
    if (!digits)
        return NULL;
    if (n == 10)
        return "xsd:date";
    return s[10] == 'T' && n >= 19 ? "xsd:dateTime" : NULL;
}

static void add_date(struct cat_state *st, size_t n, const char *pred, const char *date)
{
    const char *t = date_type(date);
    if (t)
        api_cat_typed(&st->g, n, pred, date, t);
}

/* The span of the data dates of a dataset's sources (min, max: NULL when none has a date) and
 * the earliest creation of its exports (issued: NULL when none). Borrowed from st. */
static void dataset_dates(const struct cat_state *st, const struct cat_dataset *d,
                          const char **min, const char **max, const char **issued)
{
    *min = *max = *issued = NULL;
    if (d->category) {   /* the source dates of the category's own places */
        const struct ogc_summary *sm = &st->sum[d->sum];
        *min = sm->min_date[0] && date_type(sm->min_date) ? sm->min_date : NULL;
        *max = sm->max_date[0] && date_type(sm->max_date) ? sm->max_date : NULL;
        if (!*min || !*max)
            *min = *max = NULL;
        return;
    }
    for (size_t i = 0; i < st->n_sources; i++) {
        const char *date = st->sources[i].date;
        if (!source_in(&st->sources[i], d) || !date_type(date))
            continue;
        if (!*min || strncmp(date, *min, 10) < 0)
            *min = date;
        if (!*max || strncmp(date, *max, 10) > 0)
            *max = date;
    }
    for (size_t i = 0; i < d->n_exports; i++) {
        const char *c = st->exports[d->exports[i]].created;
        if (date_type(c) && (!*issued || strcmp(c, *issued) < 0))
            *issued = c;
    }
}

/* ---- the graph --------------------------------------------------------------------------- */

static void add_keywords(struct cat_state *st, size_t n, const struct cat_dataset *d)
{
    const cJSON *kw = cJSON_GetObjectItemCaseSensitive(st->od, "keywords"), *k;
    static const char *const places_kw[] = {"annuaire", "services publics", "équipements",
                                            "lieux", NULL};
    static const char *const communes_kw[] = {"communes", "limites administratives", NULL};
    static const char *const addresses_kw[] = {"adresses", "géocodage", NULL};
    const char *const *def = strcmp(d->dataset, "communes") == 0    ? communes_kw
                             : strcmp(d->dataset, "addresses") == 0 ? addresses_kw
                                                                    : places_kw;
    cJSON_ArrayForEach(k, kw)
        if (cJSON_IsString(k))
            api_cat_lang(&st->g, n, "dcat:keyword", k->valuestring, "fr");
    for (size_t i = 0; def[i]; i++)
        api_cat_lang(&st->g, n, "dcat:keyword", def[i], "fr");
    if (d->category)
        api_cat_lang(&st->g, n, "dcat:keyword", d->category->label, "fr");
    api_cat_lang(&st->g, n, "dcat:keyword", territory_short(st), "fr");
}

static void add_themes(struct cat_state *st, size_t n, const struct cat_dataset *d)
{
    static const char *const places_th[] = {"SOCI", "GOVE", "REGI", NULL};
    static const char *const communes_th[] = {"REGI", "GOVE", NULL};
    static const char *const addresses_th[] = {"REGI", NULL};
    const char *const *th = strcmp(d->dataset, "communes") == 0    ? communes_th
                            : strcmp(d->dataset, "addresses") == 0 ? addresses_th
                                                                   : places_th;
    for (size_t i = 0; th[i]; i++) {
        char iri[96];
        snprintf(iri, sizeof iri, "%s%s", EU_THEME, th[i]);
        api_cat_iri(&st->g, n, "dcat:theme", iri);
    }
}

/* Publisher, contact point and territory: shared by every dataset. Returns the nodes. */
struct cat_shared {
    size_t publisher, contact, spatial;
    char publisher_iri[128];
    char page[1024];             /* the page's Open data section */
};

static void add_shared(struct cat_state *st, struct cat_shared *sh)
{
    const char *siren = jstr(st->territory, "epci_siren");
    const cJSON *contact = cJSON_GetObjectItemCaseSensitive(st->territory, "contact");
    const char *email = jstr(contact, "email"), *phone = jstr(contact, "phone");
    const char *website = jstr(contact, "website");
    const struct ogc_summary *com = &st->sum[st->i_communes];
    const struct ogc_summary *ext = com->n > 0 && !isnan(com->minlon) ? com : &st->sum[0];
    struct gdir_buf t;

    snprintf(sh->page, sizeof sh->page, "%s/#donnees-ouvertes", gdir_buf_str(&st->base));
    if (siren)
        snprintf(sh->publisher_iri, sizeof sh->publisher_iri, "%s%s", ORG_URI, siren);
    else
        snprintf(sh->publisher_iri, sizeof sh->publisher_iri, "%s", url(st, "/catalog#editeur"));
    sh->publisher = api_cat_node(&st->g, sh->publisher_iri);
    api_cat_type(&st->g, sh->publisher, "foaf:Agent");
    api_cat_type(&st->g, sh->publisher, "foaf:Organization");
    api_cat_lang(&st->g, sh->publisher, "foaf:name", territory_name(st), "fr");
    api_cat_str(&st->g, sh->publisher, "dct:identifier", siren);
    api_cat_iri(&st->g, sh->publisher, "dct:type", "http://purl.org/adms/publishertype/"
                                                   "LocalAuthority");
    api_cat_iri(&st->g, sh->publisher, "foaf:homepage", website);

    sh->contact = node(st, "/catalog#", "contact");
    api_cat_type(&st->g, sh->contact, "vcard:Organization");
    api_cat_lang(&st->g, sh->contact, "vcard:fn", territory_name(st), "fr");
    gdir_buf_init(&t, 4096);
    if (email) {
        gdir_buf_printf(&t, "mailto:%s", email);
        api_cat_iri(&st->g, sh->contact, "vcard:hasEmail", gdir_buf_str(&t));
        gdir_buf_reset(&t);
    }
    if (phone) {
        gdir_buf_adds(&t, "tel:+33");
        for (const char *p = phone + (phone[0] == '0'); *p; p++)
            if (*p >= '0' && *p <= '9')
                gdir_buf_addc(&t, *p);
        api_cat_iri(&st->g, sh->contact, "vcard:hasTelephone", gdir_buf_str(&t));
        gdir_buf_reset(&t);
    }
    api_cat_iri(&st->g, sh->contact, "vcard:hasURL", website);

    sh->spatial = node(st, "/catalog#", "territoire");
    api_cat_type(&st->g, sh->spatial, "dct:Location");
    api_cat_lang(&st->g, sh->spatial, "skos:prefLabel", territory_name(st), "fr");
    api_cat_str(&st->g, sh->spatial, "dct:identifier", siren);
    if (siren)
        api_cat_iri(&st->g, sh->spatial, "rdfs:seeAlso", sh->publisher_iri);
    if (ext->n > 0 && !isnan(ext->minlon)) {
        gdir_buf_printf(&t, "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POLYGON((%.6f %.6f, "
                            "%.6f %.6f, %.6f %.6f, %.6f %.6f, %.6f %.6f))",
                        ext->minlon, ext->minlat, ext->maxlon, ext->minlat, ext->maxlon,
                        ext->maxlat, ext->minlon, ext->maxlat, ext->minlon, ext->minlat);
        api_cat_typed(&st->g, sh->spatial, "dcat:bbox", gdir_buf_str(&t), "gsp:wktLiteral");
        gdir_buf_reset(&t);
        gdir_buf_printf(&t, "POINT(%.6f %.6f)", (ext->minlon + ext->maxlon) / 2,
                        (ext->minlat + ext->maxlat) / 2);
        api_cat_typed(&st->g, sh->spatial, "dcat:centroid", gdir_buf_str(&t), "gsp:wktLiteral");
    }
    if (t.err && !st->g.failed)
        st->g.failed = t.err;
    gdir_buf_free(&t);
}

static void add_distribution(struct cat_state *st, size_t ds, const struct cat_dataset *d,
                             const struct cat_export *x, size_t rights, const char *title)
{
    size_t fi = format_index(x->format);
    size_t dist = node(st, "/catalog#distribution-", x->name);
    size_t sum = node(st, "/catalog#checksum-", x->name);
    const char *lurl = ogc_licence_url(x->licence);
    struct gdir_buf t;
    char mt[160];

    gdir_buf_init(&t, 8192);
    api_cat_iri(&st->g, ds, "dcat:distribution", st->g.nodes[dist].iri);
    api_cat_type(&st->g, dist, "dcat:Distribution");
    gdir_buf_printf(&t, "%s — %s", fi != (size_t)-1 ? formats[fi].label : x->format, title);
    api_cat_lang(&st->g, dist, "dct:title", gdir_buf_str(&t), "fr");
    gdir_buf_reset(&t);
    gdir_buf_printf(&t, "Export complet au format %s : %lld enregistrements, sous %s.",
                    fi != (size_t)-1 ? formats[fi].label : x->format, x->records,
                    licence_short(x->licence));
    if (x->excluded > 0)
        gdir_buf_printf(&t, " %lld lieux issus de sources sous ODbL en sont exclus.",
                        x->excluded);
    api_cat_lang(&st->g, dist, "dct:description", gdir_buf_str(&t), "fr");
    api_cat_iri(&st->g, dist, "dcat:downloadURL", url(st, "/data/%s", x->name));
    api_cat_iri(&st->g, dist, "dcat:accessURL", url(st, "/data/%s", x->name));
    if (fi != (size_t)-1 && formats[fi].filetype) {
        gdir_buf_reset(&t);
        gdir_buf_printf(&t, "%s%s", EU_FILETYPE, formats[fi].filetype);
        api_cat_iri(&st->g, dist, "dct:format", gdir_buf_str(&t));
    }
    snprintf(mt, sizeof mt, "%s", x->media_type);
    mt[strcspn(mt, "; ")] = '\0';
    if (fi != (size_t)-1 && formats[fi].iana && mt[0]) {
        gdir_buf_reset(&t);
        gdir_buf_printf(&t, "%s%s", IANA_MT, mt);
        api_cat_iri(&st->g, dist, "dcat:mediaType", gdir_buf_str(&t));
    }
    api_cat_int(&st->g, dist, "dcat:byteSize", x->size, "xsd:nonNegativeInteger");
    api_cat_iri(&st->g, dist, "spdx:checksum", st->g.nodes[sum].iri);
    api_cat_type(&st->g, sum, "spdx:Checksum");
    api_cat_iri(&st->g, sum, "spdx:algorithm", "http://spdx.org/rdf/terms#checksumAlgorithm_sha256");
    api_cat_typed(&st->g, sum, "spdx:checksumValue", x->sha256, "xsd:hexBinary");
    api_cat_iri(&st->g, dist, "dct:license", lurl);
    api_cat_iri(&st->g, dist, "dct:rights", st->g.nodes[rights].iri);
    add_date(st, dist, "dct:issued", x->created);
    add_date(st, dist, "dct:modified", x->created);
    if (strcmp(x->format, "scdl-equipements") == 0 || strcmp(d->dataset, "equipements") == 0)
        api_cat_iri(&st->g, dist, "dct:conformsTo", SCDL_EQUIPEMENTS);
    api_cat_iri(&st->g, dist, "dct:language", EU_LANG_FRA);
    if (t.err && !st->g.failed)
        st->g.failed = t.err;
    gdir_buf_free(&t);
}

/* The dataset that holds the whole directory, or the whole of a category (what the live APIs
 * serve): the ODbL places when there are any, else the places under the only licence. */
static int is_whole_directory(const struct cat_state *st, const struct cat_dataset *d)
{
    int odbl_places = 0, n_places = 0;
    if (strcmp(d->dataset, "places") != 0)
        return 0;
    for (size_t i = 0; i < st->n_datasets; i++) {
        if (strcmp(st->datasets[i].dataset, "places") == 0 &&
            st->datasets[i].category == d->category) {
            n_places++;
            odbl_places |= is_odbl(st->datasets[i].licence);
        }
    }
    return odbl_places ? is_odbl(d->licence) : n_places == 1;
}

/* Whether the OGC API serves dataset d whole (a collection is its distribution): the whole
 * directory or a category's, the communes, the addresses. */
static int has_collection(const struct cat_state *st, const struct cat_dataset *d)
{
    return is_whole_directory(st, d) || strcmp(d->dataset, "communes") == 0 ||
           strcmp(d->dataset, "addresses") == 0;
}

/* The on-demand downloads of a category's dataset (GET /api/export, streamed formats): no size
 * nor checksum, the file is computed at each download. */
static const char *const ondemand[][4] = {
    /* format, label, EU file type, media type */
    {"geojson", "GeoJSON", "GEOJSON", "application/geo+json"},
    {"csv", "CSV", "CSV", "text/csv"},
};
#define N_ONDEMAND (sizeof ondemand / sizeof ondemand[0])

static void add_ondemand(struct cat_state *st, size_t ds, const struct cat_dataset *d,
                         size_t rights, const char *title)
{
    struct gdir_buf t;
    gdir_buf_init(&t, 8192);
    for (size_t i = 0; i < N_ONDEMAND; i++) {
        size_t dist;
        gdir_buf_printf(&t, "%s-%s", d->id, ondemand[i][0]);
        dist = node(st, "/catalog#distribution-", gdir_buf_str(&t));
        api_cat_iri(&st->g, ds, "dcat:distribution", st->g.nodes[dist].iri);
        api_cat_type(&st->g, dist, "dcat:Distribution");
        gdir_buf_reset(&t);
        gdir_buf_printf(&t, "%s — %s", ondemand[i][1], title);
        api_cat_lang(&st->g, dist, "dct:title", gdir_buf_str(&t), "fr");
        gdir_buf_reset(&t);
        gdir_buf_printf(&t, "Export à la demande au format %s, calculé à chaque téléchargement, "
                            "sous %s.", ondemand[i][1], licence_short(d->licence));
        api_cat_lang(&st->g, dist, "dct:description", gdir_buf_str(&t), "fr");
        gdir_buf_reset(&t);
        gdir_buf_printf(&t, "%s/api/export?format=%s&licence=%s&category=%s",
                        gdir_buf_str(&st->base), ondemand[i][0], d->licence, d->category->code);
        api_cat_iri(&st->g, dist, "dcat:downloadURL", gdir_buf_str(&t));
        api_cat_iri(&st->g, dist, "dcat:accessURL", gdir_buf_str(&t));
        gdir_buf_reset(&t);
        gdir_buf_printf(&t, "%s%s", EU_FILETYPE, ondemand[i][2]);
        api_cat_iri(&st->g, dist, "dct:format", gdir_buf_str(&t));
        gdir_buf_reset(&t);
        gdir_buf_printf(&t, "%s%s", IANA_MT, ondemand[i][3]);
        api_cat_iri(&st->g, dist, "dcat:mediaType", gdir_buf_str(&t));
        api_cat_iri(&st->g, dist, "dct:license", ogc_licence_url(d->licence));
        api_cat_iri(&st->g, dist, "dct:rights", st->g.nodes[rights].iri);
        api_cat_iri(&st->g, dist, "dct:language", EU_LANG_FRA);
        gdir_buf_reset(&t);
    }
    if (t.err && !st->g.failed)
        st->g.failed = t.err;
    gdir_buf_free(&t);
}

/* What every dataset says of its licence, rights, agents, place, language, page and
 * frequency. */
static void add_dataset_agents(struct cat_state *st, const struct cat_shared *sh, size_t ds,
                               size_t rights, const char *licence_url, const char *page,
                               const char *freq)
{
    api_cat_iri(&st->g, ds, "dct:license", licence_url);
    api_cat_iri(&st->g, ds, "dct:rights", st->g.nodes[rights].iri);
    api_cat_iri(&st->g, ds, "dct:publisher", sh->publisher_iri);
    api_cat_iri(&st->g, ds, "dct:creator", sh->publisher_iri);
    api_cat_iri(&st->g, ds, "dcat:contactPoint", st->g.nodes[sh->contact].iri);
    api_cat_iri(&st->g, ds, "dct:spatial", st->g.nodes[sh->spatial].iri);
    api_cat_iri(&st->g, ds, "dct:language", EU_LANG_FRA);
    api_cat_iri(&st->g, ds, "dcat:landingPage", page);
    api_cat_iri(&st->g, ds, "dct:accrualPeriodicity", freq);
}

static void add_dataset(struct cat_state *st, const struct cat_shared *sh,
                        const struct cat_dataset *d, size_t catalog, size_t ogc, size_t search)
{
    size_t ds = node(st, "/catalog#dataset-", d->id);
    size_t rights = node(st, "/catalog#rights-", d->id);
    size_t period = node(st, "/catalog#periode-", d->id);
    const char *lurl = ogc_licence_url(d->licence);
    const char *min = NULL, *max = NULL, *issued = NULL;
    struct gdir_buf title, t;
    char freq[96];

    gdir_buf_init(&title, 4096);
    gdir_buf_init(&t, 65536);
    api_cat_iri(&st->g, catalog, "dcat:dataset", st->g.nodes[ds].iri);
    api_cat_type(&st->g, ds, "dcat:Dataset");
    dataset_title(st, d, &title);
    api_cat_lang(&st->g, ds, "dct:title", gdir_buf_str(&title), "fr");
    dataset_description(st, d, &t);
    api_cat_lang(&st->g, ds, "dct:description", gdir_buf_str(&t), "fr");
    api_cat_str(&st->g, ds, "dct:identifier", st->g.nodes[ds].iri);
    add_keywords(st, ds, d);
    add_themes(st, ds, d);
    snprintf(freq, sizeof freq, "%s%s", EU_FREQ, frequency(st));
    add_dataset_agents(st, sh, ds, rights, lurl, sh->page, freq);
    if (strcmp(d->dataset, "equipements") == 0)
        api_cat_iri(&st->g, ds, "dct:conformsTo", SCDL_EQUIPEMENTS);

    /* Temporal coverage: the dates of its sources' data. */
    dataset_dates(st, d, &min, &max, &issued);
    if (min) {
        api_cat_iri(&st->g, ds, "dct:temporal", st->g.nodes[period].iri);
        api_cat_type(&st->g, period, "dct:PeriodOfTime");
        gdir_buf_reset(&t);
        gdir_buf_add(&t, min, 10);
        api_cat_typed(&st->g, period, "dcat:startDate", gdir_buf_str(&t), "xsd:date");
        gdir_buf_reset(&t);
        gdir_buf_add(&t, max, 10);
        api_cat_typed(&st->g, period, "dcat:endDate", gdir_buf_str(&t), "xsd:date");
    }
    add_date(st, ds, "dct:issued", issued ? issued : st->built_at);
    add_date(st, ds, "dct:modified", st->built_at);

    api_cat_type(&st->g, rights, "dct:RightsStatement");
    gdir_buf_reset(&t);
    attribution(st, d, &t);
    api_cat_lang(&st->g, rights, "rdfs:label", gdir_buf_str(&t), "fr");

    for (size_t i = 0; i < d->n_exports; i++)
        add_distribution(st, ds, d, &st->exports[d->exports[i]], rights,
                         gdir_buf_str(&title));

    /* The live APIs serve the whole directory, communes and addresses. */
    if (has_collection(st, d)) {
        const char *coll = strcmp(d->dataset, "places") != 0 ? d->dataset
                           : d->category ? st->cs[d->sum].id : "places";
        size_t dist = node(st, "/catalog#api-", d->id);
        api_cat_iri(&st->g, ogc, "dcat:servesDataset", st->g.nodes[ds].iri);
        api_cat_iri(&st->g, ds, "dcat:distribution", st->g.nodes[dist].iri);
        api_cat_type(&st->g, dist, "dcat:Distribution");
        gdir_buf_reset(&t);
        gdir_buf_printf(&t, "API OGC - Features, collection « %s » — %s", coll,
                        gdir_buf_str(&title));
        api_cat_lang(&st->g, dist, "dct:title", gdir_buf_str(&t), "fr");
        api_cat_iri(&st->g, dist, "dcat:accessURL",
                    url(st, "/ogc/collections/%s/items", coll));
        api_cat_iri(&st->g, dist, "dcat:accessService", st->g.nodes[ogc].iri);
        api_cat_iri(&st->g, dist, "dct:format", EU_FILETYPE "GEOJSON");
        api_cat_iri(&st->g, dist, "dcat:mediaType", IANA_MT "application/geo+json");
        api_cat_iri(&st->g, dist, "dct:conformsTo", OGC_FEATURES_CORE);
        api_cat_iri(&st->g, dist, "dct:license", lurl);
        api_cat_iri(&st->g, dist, "dct:rights", st->g.nodes[rights].iri);
        if (strcmp(d->dataset, "places") == 0 && !d->category)
            api_cat_iri(&st->g, search, "dcat:servesDataset", st->g.nodes[ds].iri);
    }
    if (d->category)
        add_ondemand(st, ds, d, rights, gdir_buf_str(&title));
    if ((title.err || t.err) && !st->g.failed)
        st->g.failed = title.err ? title.err : t.err;
    gdir_buf_free(&title);
    gdir_buf_free(&t);
}

/* ---- the daily-life datasets (geoapi/life/h_feeds.h) --------------------------------------- */

/* The territory's own content, under the Licence Ouverte, served live (no files). */
struct cat_life_dist {
    const char *path, *label, *filetype, *media_type, *what;
    int ogc;                      /* through the OGC API (dcat:accessService) */
};

static const struct {
    const char *id, *title, *page, *description, *keyword, *csv_theme, *themes[3];
    struct cat_life_dist dists[4];
    size_t n_dists;
} life_sets[] = {
    {"agenda-etalab-2.0", "Agenda des événements", "/agenda",
     "Les événements publiés par les communes et le territoire (marchés, fêtes, réunions "
     "publiques, permanences…)\u00a0: dates et heures (heure de Paris), répétitions, lieu, "
     "commune, organisateur, tarif, accessibilité. Aucun schéma national d'agenda n'existe sur "
     "schema.data.gouv.fr\u00a0: les colonnes du CSV sont décrites dans la documentation.",
     "agenda", "Culture", {"EDUC", "SOCI", "REGI"},
     {{"/api/events.csv", "CSV", "CSV", "text/csv",
       "Une ligne par date d'événement (répétitions développées), du mois dernier à un an.", 0},
      {"/api/events", "GeoJSON", "GEOJSON", "application/geo+json",
       "API JSON\u00a0: les événements des trois prochains mois (paramètres commune, from, to, "
       "category).", 0},
      {"/api/events.ics", "iCalendar", NULL, "text/calendar",
       "Calendrier à s'abonner (RFC 5545)\u00a0: les répétitions y sont des règles RRULE.", 0},
      {"/ogc/collections/events/items", "API OGC - Features", "GEOJSON", "application/geo+json",
       "Collection «\u00a0events\u00a0»\u00a0: une entité par date, filtre datetime.", 1}},
     4},
    {"actualites-etalab-2.0", "Actualités et alertes", "/actualites",
     "Les actualités et les alertes (route coupée, coupure d'eau, intempéries…) publiées par "
     "les communes et le territoire, avec leur période de validité.",
     "actualités", "Société", {"SOCI", "GOVE", "REGI"},
     {{"/api/news.atom", "Atom", "ATOM", "application/atom+xml",
       "Flux Atom 1.0 des actualités et des alertes en cours.", 0},
      {"/api/news.rss", "RSS", NULL, NULL, "Flux RSS 2.0 du même contenu.", 0},
      {"/api/news", "JSON", "JSON", "application/json",
       "API JSON des actualités et des alertes en cours (paramètres commune, kind).", 0}},
     3},
};

static void life_title(const struct cat_state *st, size_t k, struct gdir_buf *out)
{
    gdir_buf_printf(out, "%s — %s (Licence Ouverte 2.0)", life_sets[k].title,
                    territory_short(st));
}

static void add_life_dist(struct cat_state *st, size_t ds, size_t k, size_t i, size_t rights,
                          size_t ogc)
{
    const struct cat_life_dist *d = &life_sets[k].dists[i];
    struct gdir_buf t;
    size_t dist;

    gdir_buf_init(&t, 8192);
    gdir_buf_printf(&t, "%s-%zu", life_sets[k].id, i + 1);
    dist = node(st, "/catalog#distribution-", gdir_buf_str(&t));
    api_cat_iri(&st->g, ds, "dcat:distribution", st->g.nodes[dist].iri);
    api_cat_type(&st->g, dist, "dcat:Distribution");
    gdir_buf_reset(&t);
    gdir_buf_printf(&t, "%s — %s", d->label, life_sets[k].title);
    api_cat_lang(&st->g, dist, "dct:title", gdir_buf_str(&t), "fr");
    api_cat_lang(&st->g, dist, "dct:description", d->what, "fr");
    api_cat_iri(&st->g, dist, "dcat:accessURL", url(st, "%s", d->path));
    if (d->ogc) {
        api_cat_iri(&st->g, dist, "dcat:accessService", st->g.nodes[ogc].iri);
        api_cat_iri(&st->g, dist, "dct:conformsTo", OGC_FEATURES_CORE);
        api_cat_iri(&st->g, ogc, "dcat:servesDataset", st->g.nodes[ds].iri);
    } else {
        api_cat_iri(&st->g, dist, "dcat:downloadURL", url(st, "%s", d->path));
    }
    if (d->filetype) {
        gdir_buf_reset(&t);
        gdir_buf_printf(&t, "%s%s", EU_FILETYPE, d->filetype);
        api_cat_iri(&st->g, dist, "dct:format", gdir_buf_str(&t));
    }
    if (d->media_type) {
        gdir_buf_reset(&t);
        gdir_buf_printf(&t, "%s%s", IANA_MT, d->media_type);
        api_cat_iri(&st->g, dist, "dcat:mediaType", gdir_buf_str(&t));
    }
    api_cat_iri(&st->g, dist, "dct:license", LICENCE_LO);
    api_cat_iri(&st->g, dist, "dct:rights", st->g.nodes[rights].iri);
    api_cat_iri(&st->g, dist, "dct:language", EU_LANG_FRA);
    if (t.err && !st->g.failed)
        st->g.failed = t.err;
    gdir_buf_free(&t);
}

static void add_life_dataset(struct cat_state *st, const struct cat_shared *sh, size_t k,
                             size_t catalog, size_t ogc)
{
    const struct feeds_facts *fa = &st->life[k];
    size_t ds = node(st, "/catalog#dataset-", life_sets[k].id);
    size_t rights = node(st, "/catalog#rights-", life_sets[k].id);
    size_t period = node(st, "/catalog#periode-", life_sets[k].id);
    const cJSON *kw = cJSON_GetObjectItemCaseSensitive(st->od, "keywords"), *w;
    const char *today = st->built_at;
    struct gdir_buf t;

    gdir_buf_init(&t, 8192);
    api_cat_iri(&st->g, catalog, "dcat:dataset", st->g.nodes[ds].iri);
    api_cat_type(&st->g, ds, "dcat:Dataset");
    life_title(st, k, &t);
    api_cat_lang(&st->g, ds, "dct:title", gdir_buf_str(&t), "fr");
    api_cat_lang(&st->g, ds, "dct:description", life_sets[k].description, "fr");
    api_cat_str(&st->g, ds, "dct:identifier", st->g.nodes[ds].iri);
    cJSON_ArrayForEach(w, kw)
        if (cJSON_IsString(w))
            api_cat_lang(&st->g, ds, "dcat:keyword", w->valuestring, "fr");
    api_cat_lang(&st->g, ds, "dcat:keyword", life_sets[k].keyword, "fr");
    api_cat_lang(&st->g, ds, "dcat:keyword", territory_short(st), "fr");
    for (size_t i = 0; i < 3; i++) {
        gdir_buf_reset(&t);
        gdir_buf_printf(&t, "%s%s", EU_THEME, life_sets[k].themes[i]);
        api_cat_iri(&st->g, ds, "dcat:theme", gdir_buf_str(&t));
    }
    gdir_buf_reset(&t);
    gdir_buf_printf(&t, "%s%s", gdir_buf_str(&st->base), life_sets[k].page);
    add_dataset_agents(st, sh, ds, rights, LICENCE_LO, gdir_buf_str(&t), EU_FREQ "UPDATE_CONT");
    api_cat_iri(&st->g, ds, "dct:temporal", st->g.nodes[period].iri);
    api_cat_type(&st->g, period, "dct:PeriodOfTime");
    gdir_buf_reset(&t);
    gdir_buf_printf(&t, "%.10s", fa->first[0] ? fa->first : today);
    api_cat_typed(&st->g, period, "dcat:startDate", gdir_buf_str(&t), "xsd:date");
    gdir_buf_reset(&t);
    gdir_buf_printf(&t, "%.10s", fa->last[0] ? fa->last : today);
    api_cat_typed(&st->g, period, "dcat:endDate", gdir_buf_str(&t), "xsd:date");
    add_date(st, ds, "dct:issued", fa->issued[0] ? fa->issued : today);
    add_date(st, ds, "dct:modified", fa->modified[0] ? fa->modified : today);
    api_cat_type(&st->g, rights, "dct:RightsStatement");
    gdir_buf_reset(&t);
    gdir_buf_printf(&t, "%s — Licence Ouverte 2.0\u00a0: mentionner la source (%s) et la date de "
                        "mise à jour.", territory_name(st), territory_name(st));
    api_cat_lang(&st->g, rights, "rdfs:label", gdir_buf_str(&t), "fr");
    for (size_t i = 0; i < life_sets[k].n_dists; i++)
        add_life_dist(st, ds, k, i, rights, ogc);
    if (t.err && !st->g.failed)
        st->g.failed = t.err;
    gdir_buf_free(&t);
}

/* A data service of the catalogue (dcat:DataService). */
struct cat_service {
    const char *path;             /* its node and endpoint, under the base URL */
    const char *title;            /* French; "<title> — <territory>" */
    const char *description;      /* French */
    const char *description_path; /* dcat:endpointDescription, or NULL */
    const char *conforms_to;      /* dct:conformsTo, or NULL */
    const char *landing_path;     /* dcat:landingPage; NULL: the page's Open data section */
};

static const struct cat_service ogc_service = {
    "/ogc", "API OGC - Features",
    "Les lieux, les communes et les adresses selon la norme OGC API - Features "
    "(parties 1 et 2 : GeoJSON, HTML, OpenAPI 3.0, CRS84 et Lambert-93), avec la "
    "recherche par proximité en extension. Utilisable dans QGIS sans extension.",
    "/ogc/api", OGC_FEATURES_CORE, "/ogc?f=html",
};

static const struct cat_service search_service = {
    "/api/places", "API de recherche de l'annuaire",
    "Recherche des lieux par texte (sans accents ni majuscules, tolérante aux "
    "fautes), catégorie, commune, distance autour d'un point, emprise et horaires "
    "d'ouverture ; réponses JSON ou GeoJSON.",
    NULL, NULL, NULL,
};

/* Adds service s to the catalogue; returns its node. t: scratch. */
static size_t add_service(struct cat_state *st, const struct cat_shared *sh, size_t catalog,
                          const struct cat_service *s, struct gdir_buf *t)
{
    size_t n = node(st, s->path, "");

    api_cat_iri(&st->g, catalog, "dcat:service", st->g.nodes[n].iri);
    api_cat_type(&st->g, n, "dcat:DataService");
    gdir_buf_reset(t);
    gdir_buf_printf(t, "%s — %s", s->title, territory_short(st));
    api_cat_lang(&st->g, n, "dct:title", gdir_buf_str(t), "fr");
    api_cat_lang(&st->g, n, "dct:description", s->description, "fr");
    api_cat_iri(&st->g, n, "dcat:endpointURL", url(st, "%s", s->path));
    if (s->description_path)
        api_cat_iri(&st->g, n, "dcat:endpointDescription", url(st, "%s", s->description_path));
    if (s->conforms_to)
        api_cat_iri(&st->g, n, "dct:conformsTo", s->conforms_to);
    api_cat_iri(&st->g, n, "dct:publisher", sh->publisher_iri);
    api_cat_iri(&st->g, n, "dcat:contactPoint", st->g.nodes[sh->contact].iri);
    api_cat_iri(&st->g, n, "dcat:landingPage",
                s->landing_path ? url(st, "%s", s->landing_path) : sh->page);
    return n;
}

/* The IRI of page n of the catalogue in syntax ext, in t (reset first). */
static const char *page_iri(struct cat_state *st, struct gdir_buf *t, const char *ext, long n)
{
    gdir_buf_reset(t);
    gdir_buf_printf(t, "%s/catalog%s?page=%ld", gdir_buf_str(&st->base), ext, n);
    return gdir_buf_str(t);
}

static int build_graph(struct cat_state *st, long page, long pages, const char *ext)
{
    struct cat_shared sh;
    size_t catalog, view, ogc, search;
    const char *cat_title = jstr(st->od, "title");
    struct gdir_buf t;

    gdir_buf_init(&t, 65536);
    catalog = node(st, "/catalog", "");
    view = api_cat_node(&st->g, page_iri(st, &st->tmp, ext, page));   /* names its page */
    api_cat_type(&st->g, catalog, "dcat:Catalog");
    api_cat_type(&st->g, catalog, "hydra:Collection");
    gdir_buf_printf(&t, "Catalogue des données ouvertes — %s", territory_name(st));
    api_cat_lang(&st->g, catalog, "dct:title", gdir_buf_str(&t), "fr");
    gdir_buf_reset(&t);
    gdir_buf_printf(&t, "Les données ouvertes publiées par %s : %s, et les limites des "
                        "communes membres ; chaque jeu de données est proposé dans plusieurs "
                        "formats, avec sa licence, et par une API OGC - Features.",
                    territory_name(st), cat_title ? cat_title : "l'annuaire des lieux et "
                                                                "services du territoire");
    api_cat_lang(&st->g, catalog, "dct:description", gdir_buf_str(&t), "fr");
    add_shared(st, &sh);
    api_cat_iri(&st->g, catalog, "dct:publisher", sh.publisher_iri);
    api_cat_iri(&st->g, catalog, "foaf:homepage", url(st, "%s", "/"));
    api_cat_iri(&st->g, catalog, "dct:language", EU_LANG_FRA);
    api_cat_iri(&st->g, catalog, "dct:license", LICENCE_LO);
    api_cat_iri(&st->g, catalog, "dct:spatial", st->g.nodes[sh.spatial].iri);
    add_date(st, catalog, "dct:modified", st->built_at);
    api_cat_int(&st->g, catalog, "hydra:totalItems", (long long)(st->n_datasets + st->n_life),
                "xsd:integer");
    api_cat_iri(&st->g, catalog, "hydra:view", st->g.nodes[view].iri);

    api_cat_type(&st->g, view, "hydra:PartialCollectionView");
    api_cat_iri(&st->g, view, "hydra:first", page_iri(st, &t, ext, 1));
    api_cat_iri(&st->g, view, "hydra:last", page_iri(st, &t, ext, pages));
    if (page > 1)
        api_cat_iri(&st->g, view, "hydra:previous", page_iri(st, &t, ext, page - 1));
    if (page < pages)
        api_cat_iri(&st->g, view, "hydra:next", page_iri(st, &t, ext, page + 1));
    api_cat_int(&st->g, view, "hydra:totalItems", (long long)(st->n_datasets + st->n_life),
                "xsd:integer");
    api_cat_int(&st->g, view, "hydra:itemsPerPage", CAT_PAGE_SIZE, "xsd:integer");

    /* The services, then the datasets of this page. */
    ogc = add_service(st, &sh, catalog, &ogc_service, &t);
    search = add_service(st, &sh, catalog, &search_service, &t);

    for (size_t i = (size_t)(page - 1) * CAT_PAGE_SIZE;
         i < st->n_datasets + st->n_life && i < (size_t)page * CAT_PAGE_SIZE; i++) {
        if (i < st->n_datasets)
            add_dataset(st, &sh, &st->datasets[i], catalog, ogc, search);
        else
            add_life_dataset(st, &sh, i - st->n_datasets, catalog, ogc);
    }
    if (t.err && !st->g.failed)
        st->g.failed = t.err;
    gdir_buf_free(&t);
    return api_cat_failed(&st->g);
}

/* ---- the simplified catalogue (CSV) ------------------------------------------------------- */

/* The "Catalogue simplifié" of the SCDL (schema.data.gouv.fr scdl/catalogue): one row per
 * dataset, its 20 columns in the schema's order. Enumerated columns take the schema's values. */
static const char *const csv_columns[] = {
    "COLL_NOM", "COLL_SIRET", "ID", "TITRE", "DESCRIPTION", "THEME", "PRODUCTEUR_NOM",
    "PRODUCTEUR_SIRET", "COUV_SPAT_MAILLE", "COUV_SPAT_NOM", "COUV_TEMP_DEBUT", "COUV_TEMP_FIN",
    "DATE_PUBL", "FREQ_MAJ", "DATE_MAJ", "MOTS_CLES", "LICENCE", "NOMBRE_RESSOURCES",
    "FORMAT_RESSOURCES", "URL",
};

static const char *csv_frequency(const char *eu)
{
    static const char *const map[][2] = {
        {"UPDATE_CONT", "Continuelle"},
        {"HOURLY", "Toutes les heures"},
        {"DAILY", "Quotidienne ou plusieurs fois par jour"},
        {"WEEKLY", "Hebdomadaire ou plusieurs fois par semaine"},
        {"BIWEEKLY", "Hebdomadaire ou plusieurs fois par semaine"},
        {"MONTHLY", "Mensuelle ou plusieurs fois par mois"},
        {"BIMONTHLY", "Bimestrielle"},
        {"QUARTERLY", "Trimestrielle"},
        {"ANNUAL_2", "Semestrielle"},
        {"ANNUAL", "Annuelle"},
        {"BIENNIAL", "Biennale"},
        {"IRREG", "Irrégulière"},
        {"AS_NEEDED", "Ponctuelle"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(eu, map[i][0]) == 0)
            return map[i][1];
    return "Inconnue";
}

/* 1 when the ';'-separated list holds item (n bytes). */
static int list_has(const char *list, const char *item, size_t n)
{
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ";");
        if (len == n && strncmp(p, item, n) == 0)
            return 1;
        p += len;
        if (*p == ';')
            p++;
    }
    return 0;
}

/* Appends an item to a list of MOTS_CLES / FORMAT_RESSOURCES: lower case without accents (the
 * folded search key), ';' turned into ',', each item once. */
static void csv_item(struct gdir_buf *list, const char *s)
{
    struct gdir_buf f;
    gdir_buf_init(&f, 4096);
    if (s && *s && gdir_text_fold(&f, s) == 0 && f.len) {
        for (size_t i = 0; i < f.len; i++)
            if (f.data[i] == ';')
                f.data[i] = ',';
        if (!list_has(gdir_buf_str(list), f.data, f.len)) {
            if (list->len)
                gdir_buf_addc(list, ';');
            gdir_buf_add(list, f.data, f.len);
        }
    }
    gdir_buf_free(&f);
}

static void csv_date(struct gdir_buf *out, const char *date)
{
    char d[11] = "";
    if (date_type(date))
        memcpy(d, date, 10);
    gdir_csv_field(out, d, ',');
}

/* The fields COLL_NOM to COUV_SPAT_NOM of a row and those of its dates (COUV_TEMP_DEBUT to
 * DATE_MAJ, each date NULL: the build date), each followed by its ','. */
static void csv_row_head(const struct cat_state *st, const char *id, const char *title,
                         const char *description, const char *theme, struct gdir_buf *out)
{
    const char *siret = jstr(st->od, "publisher_siret");
    const char *fields[] = {territory_name(st), siret ? siret : "", id, title, description,
                            theme, territory_name(st), siret ? siret : "", "Intercommunale",
                            territory_name(st)};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        gdir_csv_field(out, fields[i], ',');
        gdir_buf_addc(out, ',');
    }
}

static void csv_row_dates(const struct cat_state *st, const char *first, const char *last,
                          const char *issued, const char *eu_freq, const char *modified,
                          struct gdir_buf *out)
{
    csv_date(out, first ? first : st->built_at);
    gdir_buf_addc(out, ',');
    csv_date(out, last ? last : st->built_at);
    gdir_buf_addc(out, ',');
    csv_date(out, issued ? issued : st->built_at);
    gdir_buf_printf(out, ",%s,", csv_frequency(eu_freq));
    csv_date(out, modified ? modified : st->built_at);
    gdir_buf_addc(out, ',');
}

/* The row of a daily-life dataset, as its DCAT description says. */
static void csv_life_row(struct cat_state *st, size_t k, struct gdir_buf *out)
{
    const cJSON *kw = cJSON_GetObjectItemCaseSensitive(st->od, "keywords"), *w;
    const struct feeds_facts *fa = &st->life[k];
    struct gdir_buf t;

    gdir_buf_init(&t, 65536);
    life_title(st, k, &t);
    csv_row_head(st, life_sets[k].id, gdir_buf_str(&t), life_sets[k].description,
                 life_sets[k].csv_theme, out);
    csv_row_dates(st, fa->first[0] ? fa->first : NULL, fa->last[0] ? fa->last : NULL,
                  fa->issued[0] ? fa->issued : NULL, "UPDATE_CONT",
                  fa->modified[0] ? fa->modified : NULL, out);
    gdir_buf_reset(&t);
    gdir_buf_add(&t, "", 0);
    cJSON_ArrayForEach(w, kw)
        if (cJSON_IsString(w))
            csv_item(&t, w->valuestring);
    csv_item(&t, life_sets[k].keyword);
    csv_item(&t, territory_short(st));
    gdir_csv_field(out, gdir_buf_str(&t), ',');
    gdir_buf_printf(out, ",Licence Ouverte-LO,%zu,", life_sets[k].n_dists);
    gdir_buf_reset(&t);
    gdir_buf_add(&t, "", 0);
    for (size_t i = 0; i < life_sets[k].n_dists; i++)
        csv_item(&t, life_sets[k].dists[i].ogc ? "geojson" : life_sets[k].dists[i].label);
    gdir_csv_field(out, gdir_buf_str(&t), ',');
    gdir_buf_addc(out, ',');
    gdir_csv_field(out, url(st, "%s", life_sets[k].page), ',');
    gdir_buf_adds(out, "\r\n");
    gdir_buf_free(&t);
}

static int write_csv(struct cat_state *st, struct gdir_buf *out)
{
    const cJSON *kw = cJSON_GetObjectItemCaseSensitive(st->od, "keywords"), *k;
    struct gdir_buf t, desc;

    gdir_buf_init(&t, 65536);
    gdir_buf_init(&desc, 65536);
    for (size_t i = 0; i < sizeof csv_columns / sizeof csv_columns[0]; i++)
        gdir_buf_printf(out, "%s%s", i ? "," : "", csv_columns[i]);
    gdir_buf_adds(out, "\r\n");
    for (size_t i = 0; i < st->n_datasets; i++) {
        const struct cat_dataset *d = &st->datasets[i];
        const char *min, *max, *issued;
        const char *theme = strcmp(d->dataset, "communes") == 0    ? "Limites administratives"
                            : strcmp(d->dataset, "addresses") == 0 ? "Adresses"
                                                                   : "Équipements et services";
        size_t n_res = d->n_exports + (has_collection(st, d) ? 1 : 0) +
                       (d->category ? N_ONDEMAND : 0);

        dataset_dates(st, d, &min, &max, &issued);
        gdir_buf_reset(&t);
        gdir_buf_reset(&desc);
        dataset_title(st, d, &t);
        dataset_description(st, d, &desc);
        csv_row_head(st, d->id, gdir_buf_str(&t), gdir_buf_str(&desc), theme, out);
        csv_row_dates(st, min, max, issued, frequency(st), NULL, out);
        gdir_buf_reset(&t);
        gdir_buf_add(&t, "", 0);
        cJSON_ArrayForEach(k, kw)
            if (cJSON_IsString(k))
                csv_item(&t, k->valuestring);
        csv_item(&t, strcmp(d->dataset, "communes") == 0    ? "communes"
                     : strcmp(d->dataset, "addresses") == 0 ? "adresses"
                                                            : "annuaire");
        csv_item(&t, territory_short(st));
        gdir_csv_field(out, gdir_buf_str(&t), ',');
        gdir_buf_printf(out, ",%s,%zu,",
                        is_odbl(d->licence)                             ? "Open Database License-ODBL"
                        : strcmp(d->licence, "etalab-2.0") == 0 ? "Licence Ouverte-LO"
                                                                        : "Spécifique ou autre",
                        n_res ? n_res : 1);
        gdir_buf_reset(&t);
        gdir_buf_add(&t, "", 0);
        for (size_t e = 0; e < d->n_exports; e++) {
            const char *f = st->exports[d->exports[e]].format;
            csv_item(&t, strcmp(f, "shp") == 0 ? "shp" : strncmp(f, "csv", 3) == 0 ||
                                                          strncmp(f, "scdl", 4) == 0 ? "csv" : f);
        }
        if (has_collection(st, d))
            csv_item(&t, "geojson");
        for (size_t e = 0; d->category && e < N_ONDEMAND; e++)
            csv_item(&t, ondemand[e][0]);
        gdir_csv_field(out, gdir_buf_str(&t), ',');
        gdir_buf_addc(out, ',');
        gdir_buf_reset(&t);
        gdir_buf_printf(&t, "%s/#donnees-ouvertes", gdir_buf_str(&st->base));
        gdir_csv_field(out, gdir_buf_str(&t), ',');
        gdir_buf_adds(out, "\r\n");
    }
    for (size_t l = 0; l < st->n_life; l++)
        csv_life_row(st, l, out);
    gdir_buf_free(&t);
    gdir_buf_free(&desc);
    return out->err;
}

/* ---- negotiation ------------------------------------------------------------------------- */

static int negotiate(const char *accept, enum cat_repr *out, struct gdir_err *err)
{
    static const struct {
        const char *type;
        enum cat_repr repr;
    } types[] = {
        {"application/ld+json", CAT_JSONLD}, {"text/turtle", CAT_TURTLE},
        {"application/rdf+xml", CAT_RDFXML}, {"application/json", CAT_JSONLD},
        {"application/xml", CAT_RDFXML},      {"text/xml", CAT_RDFXML},
    };
    const char *names[sizeof types / sizeof types[0]];
    size_t pick;

    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        names[i] = types[i].type;
    if (api_accept_pick(accept, names, sizeof names / sizeof names[0], &pick) != 0)
        return gdir_err_set(err, GDIR_ENOTACCEPT,
                            "Accept: the catalogue is application/ld+json, text/turtle or "
                            "application/rdf+xml");
    *out = types[pick].repr;
    return GDIR_OK;
}

/* ---- handler ----------------------------------------------------------------------------- */

static int base_url(struct cat_state *st)
{
    const char *pub = jstr(st->od, "public_url");
    if (pub) {
        size_t n = strlen(pub);
        while (n && pub[n - 1] == '/')
            n--;
        return gdir_buf_add(&st->base, pub, n);
    }
    if (ogc_base(st->req, &st->base))
        return GDIR_ENOMEM;
    /* ogc_base ends with "/ogc"; without a usable Host it is "/ogc" alone. */
    st->base.len -= strlen(OGC_ROOT);
    st->base.data[st->base.len] = '\0';
    if (st->base.len == 0)
        return gdir_buf_adds(&st->base, "http://localhost");
    return GDIR_OK;
}

/* The agenda and the news when the server has the store; without them when it cannot be read
 * (the directory's datasets are still worth harvesting). */
static void read_life(const struct api_ctx *ctx, struct cat_state *st)
{
    struct gdir_err e;
    for (int k = 0; feeds_enabled(ctx->cfg) && k < 2; k++, st->n_life++)
        if (feeds_facts(ctx, k == 0, &st->life[k], &e)) {
            st->n_life = 0;
            break;
        }
}

static int catalog(const struct api_ctx *ctx, const struct api_request *req,
                   struct api_response *res, struct gdir_err *err, int repr)
{
    static const char *const exts[] = {".jsonld", ".ttl", ".rdf", ".csv"};
    struct cat_state st;
    struct api_db *db;
    const char *page_s = api_param(req, "page");
    long page = 1, pages;
    uint64_t h;
    enum cat_repr r;
    int rc;

    memset(&st, 0, sizeof st);
    st.req = req;
    gdir_buf_init(&st.base, 2048);
    gdir_buf_init(&st.tmp, 8192);
    api_cat_init(&st.g);
    if (repr < 0) {
        if ((rc = negotiate(req->headers->accept, &r, err)))
            goto out;
    } else {
        r = (enum cat_repr)repr;
    }
    if (page_s && gdir_parse_long(page_s, 1, 1000000, &page)) {
        rc = api_param_invalid(err, "page", page_s, "expected a page number from 1");
        goto out;
    }
    if ((rc = api_dbpool_get(ctx->pool, &db, err)))
        goto out;
    gdir_buf_reset(&st.tmp);
    rc = api_q_territory(db, &st.tmp, err);
    if (rc == GDIR_ENOTFOUND) {
        rc = gdir_err_set(err, GDIR_EUNAVAIL, "this database has no territory description");
        goto out;
    }
    if (rc)
        goto out;
    st.territory = cJSON_Parse(gdir_buf_str(&st.tmp));
    st.od = cJSON_GetObjectItemCaseSensitive(st.territory, "open_data");
    if (!cJSON_IsObject(st.od))
        st.od = NULL;
    rc = api_q_meta(db, "built_at", st.built_at, sizeof st.built_at, err);
    if (rc == GDIR_ENOTFOUND || rc == GDIR_ETOOBIG) {
        gdir_err_clear(err);
        st.built_at[0] = '\0';
    } else if (rc) {
        goto out;
    }
    st.sources = calloc(CAT_MAX_SOURCES, sizeof *st.sources);
    st.exports = calloc(CAT_MAX_EXPORTS, sizeof *st.exports);
    if (!st.sources || !st.exports) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "catalogue");
        goto out;
    }
    if ((rc = api_q_catalog_sources(db, on_source, &st, err)) ||
        (rc = api_q_exports(db, NULL, on_export, &st, err)))
        goto out;
    while (st.n_cs < CAT_MAX_COLLECTIONS && ogc_collection_at(st.n_cs, &st.cs[st.n_cs])) {
        if (st.cs[st.n_cs].kind == OGC_KIND_COMMUNES)
            st.i_communes = st.n_cs;
        st.n_cs++;
    }
    if (st.n_cs == 0 || st.cs[0].kind != OGC_KIND_PLACES || st.cs[0].category) {
        rc = gdir_err_set(err, GDIR_EINTERNAL, "catalogue: unexpected collections");
        goto out;
    }
    if ((rc = ogc_summarize(ctx, db, st.cs, st.n_cs, st.sum, err)))
        goto out;
    group_datasets(&st);
    read_life(ctx, &st);
    pages = st.n_datasets + st.n_life
                ? (long)((st.n_datasets + st.n_life + CAT_PAGE_SIZE - 1) / CAT_PAGE_SIZE)
                : 1;
    if (page > pages) {
        rc = gdir_err_set_param(err, GDIR_ENOTFOUND, "page",
                                "page: the catalogue has %ld page(s), got %ld", pages, page);
        goto out;
    }
    if (r == CAT_CSV) {
        if ((rc = base_url(&st)) || (rc = write_csv(&st, &res->body))) {
            rc = gdir_err_set(err, GDIR_EINTERNAL, "simplified catalogue");
            goto out;
        }
        res->content_type = CAT_CT_CSV;
        goto tag;
    }
    if ((rc = base_url(&st)) || (rc = build_graph(&st, page, pages, repr < 0 ? "" : exts[r]))) {
        rc = gdir_err_set(err, rc == GDIR_ETOOBIG ? GDIR_EINTERNAL : rc, "catalogue graph");
        goto out;
    }
    rc = r == CAT_JSONLD   ? api_cat_write_jsonld(&st.g, &res->body)
         : r == CAT_TURTLE ? api_cat_write_turtle(&st.g, &res->body)
                           : api_cat_write_rdfxml(&st.g, &res->body);
    if (rc) {
        rc = gdir_err_set(err, GDIR_EINTERNAL, "catalogue: the body is too large");
        goto out;
    }
    res->content_type = r == CAT_JSONLD ? CAT_CT_JSONLD : r == CAT_TURTLE ? CAT_CT_TURTLE
                                                                         : CAT_CT_RDFXML;
tag:
    /* The router's tag does not cover what the links depend on (the Host) nor, on /catalog,
     * the representation: this one does. */
    h = gdir_fnv64(GDIR_FNV64_INIT, &ctx->config_tag, sizeof ctx->config_tag);
    h = gdir_fnv64_field(h, db->build_id);
    h = gdir_fnv64_field(h, req->path);
    h = gdir_fnv64(h, &page, sizeof page);
    h = gdir_fnv64(h, &r, sizeof r);
    h = gdir_fnv64_field(h, gdir_buf_str(&st.base));
    h = gdir_fnv64(h, st.life, st.n_life * sizeof st.life[0]);   /* the agenda, the news */
    api_etag_format(h, res->etag, sizeof res->etag);
    rc = GDIR_OK;
out:
    state_free(&st);
    return rc;
}

int h_catalog(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
              struct gdir_err *err)
{
    return catalog(ctx, req, res, err, -1);
}

/* The routes of one format each (/catalog.jsonld, .ttl, .csv, .rdf): the catalogue without
 * content negotiation. */
#define CATALOG_IN(handler, format)                                                            \
    int handler(const struct api_ctx *ctx, const struct api_request *req,                      \
                struct api_response *res, struct gdir_err *err)                                \
    {                                                                                          \
        return catalog(ctx, req, res, err, format);                                            \
    }

CATALOG_IN(h_catalog_jsonld, CAT_JSONLD)
CATALOG_IN(h_catalog_turtle, CAT_TURTLE)
CATALOG_IN(h_catalog_csv, CAT_CSV)
CATALOG_IN(h_catalog_rdfxml, CAT_RDFXML)
