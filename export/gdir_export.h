/*
 * gdir_export.h — exports of the directory's places, with their licence (issue 5).
 *
 * Three pieces, used by the importer (full exports at import time) and by geodir-api
 * (/api/export, /data/<name>):
 *
 *   1. The row source (gdir_export_src_*): iterates the places to export in fid order, by
 *      batches of GDIR_EXPORT_BATCH rows. Each batch is one run of a prepared statement that
 *      is stepped to its end (rows copied) and reset, so no read transaction stays open
 *      between batches: a slow HTTP client never holds the database. Optionally restricted to
 *      a caller-given sorted array of fids (the API's filtered search). The licence split is
 *      applied here (see "Licence scopes").
 *   2. The streamed text writers (gdir_export_text_*): begin -> row -> ... -> end, each call
 *      appending to a struct gdir_buf the caller drains as it likes (the server fills ~64 KB
 *      chunks from the server's stream reader: memory stays flat for 1M places). Formats
 *      geojson, csv, csv-fr, scdl-equipements and kml. Locale-free numbers.
 *   3. The file writer (gdir_export_write_file): any format to a path, from a row source;
 *      the binary formats (gpkg, xlsx, shp, fgb) through GDAL/OGR (gdir_export_ogr.c), the
 *      text formats through the writers above. It also gives the file's size and SHA-256.
 *
 * Licence scopes (the rule of common/schema.sql, "Provenance model"):
 *   - ODbL-1.0: every place, as published (the database as a whole is shared under ODbL;
 *     each row still says its record's own licence).
 *   - etalab-2.0 (Licence Ouverte 2.0): no ODbL data. A place whose record comes only from
 *     an ODbL source (OpenStreetMap, BANO: any source whose licence is ODbL-1.0) is left
 *     out; of a merged place, every field whose source in field_sources is ODbL is emptied,
 *     the ids of ODbL records are dropped from source_ids, and when the position comes from
 *     an ODbL record the position of its first non-ODbL record (place_sources) is used, or
 *     the place is left out when it has none, as it is when its name comes from ODbL.
 *     Records under other open licences (CC-BY-4.0, CC0-1.0) are kept with their own
 *     licence in the row's `licence` field. The places left out are counted (`excluded`) and
 *     every export under this scope says so in its metadata (gdir_export_meta.note).
 *
 * Where the metadata travels, per format (docs/exports.md):
 *   geojson  top-level members "title", "publisher", "licence" {id,title,url}, "attribution",
 *            "sources" [...], "generated", "note", then after "features": "records",
 *            "excluded"
 *   csv, csv-fr, scdl-equipements  nothing inside the rows (the server sends Link/headers;
 *            a full export's row in the `exports` table and the catalogue describe it)
 *   kml      <Document><name>, <description> (French licence text) and <ExtendedData>
 *   gpkg     gpkg_metadata (+ gpkg_metadata_reference to the layer): a JSON document
 *            (mime application/json) and the French licence text (text/plain); layer
 *            description (gpkg_contents.description) = attribution
 *   xlsx     a second sheet "Licence" (key / value rows)
 *   shp      a .shp.zip holding places.shp/.shx/.dbf/.prj/.cpg (UTF-8) and LICENCE.txt
 *            (French licence text)
 *   fgb      GDAL 3.6 cannot write FlatGeobuf's title/description: the licence travels in
 *            every feature (fields licence, publisher, source, source_date) and with the file
 *            (HTTP Link header, catalogue)
 *
 * Thread-safety: everything here is reentrant; a source uses the caller's connection, which
 * must not be used by another thread at the same time.
 */
#ifndef GDIR_EXPORT_H
#define GDIR_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "gdir_buf.h"
#include "gdir_err.h"
#include "gdir_export_formats.h"

/* Rows per batch of the row source (one statement run each). */
#define GDIR_EXPORT_BATCH 1000

/* The formats: GDIR_EXPORT_FORMATS, in common/gdir_export_formats.h (the configuration
 * validates open_data.exports against the same table). */
enum gdir_export_format {
#define GDIR_EXPORT_X(e, name, suffix, media, dataset, streamed) e,
    GDIR_EXPORT_FORMATS(GDIR_EXPORT_X)
#undef GDIR_EXPORT_X
    GDIR_EXPORT__COUNT
};

struct gdir_export_format_info {
    const char *name;       /* "geojson" */
    const char *suffix;     /* ".geojson": file name = "<dataset>-<licence><suffix>" */
    const char *media_type; /* Content-Type */
    const char *dataset;    /* "places" or "equipements" */
    int streamed;           /* 1: gdir_export_text_* can write it */
};

/* The format's description (static). f must be a valid format. */
const struct gdir_export_format_info *gdir_export_format_get(enum gdir_export_format f);

/* Looks a format up by name; returns 0 and sets *f, or GDIR_EINVAL. */
int gdir_export_format_find(const char *name, enum gdir_export_format *f);

/* Licence scopes: X(ENUM, id, French title, URL). */
#define GDIR_EXPORT_LICENCES(X)                                                                  \
    X(GDIR_EXPORT_ETALAB, "etalab-2.0", "Licence Ouverte / Open Licence version 2.0",            \
      "https://www.etalab.gouv.fr/licence-ouverte-open-licence/")                                \
    X(GDIR_EXPORT_ODBL, "ODbL-1.0", "Open Database License (ODbL) version 1.0",                  \
      "https://opendatacommons.org/licenses/odbl/1-0/")

enum gdir_export_licence {
#define GDIR_EXPORT_X(e, id, title, url) e,
    GDIR_EXPORT_LICENCES(GDIR_EXPORT_X)
#undef GDIR_EXPORT_X
    GDIR_EXPORT_LICENCE__COUNT
};

/* The licence's id / French title / URL (static strings). */
const char *gdir_export_licence_id(enum gdir_export_licence l);
const char *gdir_export_licence_title(enum gdir_export_licence l);
const char *gdir_export_licence_url(enum gdir_export_licence l);

/* Looks a scope up by id ("etalab-2.0", "ODbL-1.0"); returns 0 or GDIR_EINVAL. */
int gdir_export_licence_find(const char *id, enum gdir_export_licence *l);

/* Writes "<dataset>-<licence><suffix>" (e.g. "places-etalab-2.0.gpkg") into out. Returns 0,
 * or GDIR_ETOOBIG when cap is too small. */
int gdir_export_file_name(enum gdir_export_format f, enum gdir_export_licence l, char *out,
                          size_t cap);

/*
 * One place as exported. Every pointer is borrowed from the source and valid until the
 * next gdir_export_src_next / gdir_export_src_free; NULL means empty/unknown.
 */
struct gdir_export_row {
    int64_t fid;                   /* internal row id (ordering only, not stable) */
    const char *id;                /* stable public id '<source>:<source_id>' */
    const char *name;
    const char *category;          /* top-level category code, e.g. "health" */
    const char *category_label;    /* "Santé" */
    const char *subcategory;       /* leaf code, e.g. "pharmacy"; NULL for a top-level one */
    const char *subcategory_label; /* "Pharmacie" */
    const char *address;           /* address lines joined by ", " */
    const char *housenumber;       /* the street's number and repetition index: "12 bis",
                                    * "5 B", else NULL (gdir_address_split) */
    const char *street;            /* the street without its number ("rue Berne"; a lieu-dit's
                                    * name), NULL when the address names none */
    const char *complement;        /* the other parts: building, service, post-office box
                                    * ("Maison des services, BP 12"), else NULL */
    const char *postcode;
    const char *insee;             /* commune INSEE code */
    const char *commune;           /* commune name (communes table) */
    double lat, lon;               /* WGS84 (EPSG:4326) */
    const char *phone, *email, *website;
    const char *opening_hours;     /* OSM opening_hours syntax */
    const char *wheelchair;        /* yes / limited / no */
    const char *description;
    const char *source;            /* primary source's name */
    const char *source_title;      /* its dataset title */
    const char *publisher;         /* its publisher */
    const char *licence;           /* the record's licence (etalab-2.0, ODbL-1.0, ...) */
    const char *source_date;
    const char *source_ids;        /* ids of the records kept, space-separated (always set) */
    const char *refs;              /* external ids "scheme:value" space-separated */
};

struct gdir_export_src;

/* Opens a row source on db (borrowed; must outlive the source) for the scope. fids, when
 * not NULL, restricts the export to those places: n_fids values sorted ascending (copied).
 * On success *out is an owned source (gdir_export_src_free). Returns 0 or GDIR_EDB /
 * GDIR_ENOMEM with err filled. */
int gdir_export_src_open(struct gdir_export_src **out, sqlite3 *db,
                         enum gdir_export_licence scope, const int64_t *fids, size_t n_fids,
                         struct gdir_err *err);

/* Next row: returns 1 and sets *row (borrowed), 0 at the end, or a negative code. Places
 * left out by the licence split are skipped and counted. */
int gdir_export_src_next(struct gdir_export_src *s, const struct gdir_export_row **row,
                         struct gdir_err *err);

/* Rows returned / places left out by the licence split so far. */
long long gdir_export_src_records(const struct gdir_export_src *s);
long long gdir_export_src_excluded(const struct gdir_export_src *s);

/* Starts again from the first place (counters reset). */
void gdir_export_src_rewind(struct gdir_export_src *s);

void gdir_export_src_free(struct gdir_export_src *s);   /* NULL-safe */

/* One source of the data, as listed in the metadata. */
struct gdir_export_source_info {
    char *name, *title, *publisher, *licence, *date, *url;   /* owned; url/date may be NULL */
};

/*
 * The metadata of an export. Load with gdir_export_meta_load (owned strings, free with
 * gdir_export_meta_free), or fill by hand (then do not call gdir_export_meta_free).
 */
struct gdir_export_meta {
    enum gdir_export_licence licence;  /* the scope */
    char *title;             /* dataset title (open_data.title, else derived, French) */
    char *description;       /* dataset description (French) */
    char *publisher;         /* the EPCI's name */
    char *publisher_siren;   /* 9 digits */
    char *publisher_siret;   /* 14 digits or NULL (scdl needs it) */
    char *generated;         /* ISO 8601 UTC: the database's build time */
    struct gdir_export_source_info *sources;  /* the sources whose data may be in it */
    size_t n_sources;
    char *attribution;       /* French credit line: publisher, sources, date */
    char *note;              /* French sentence on what this scope leaves out (or NULL) */
    long long excluded;      /* places left out, or -1 when not known before writing */
};

/* Fills m for scope from db (meta 'territory', meta 'built_at', sources). excluded is set to
 * -1; set it from gdir_export_count when it must appear before the rows. */
int gdir_export_meta_load(struct gdir_export_meta *m, sqlite3 *db,
                          enum gdir_export_licence scope, struct gdir_err *err);
/* The same with the territory's public JSON and the generation time given (the importer,
 * before the meta rows exist); NULL reads them from meta like gdir_export_meta_load. */
int gdir_export_meta_build(struct gdir_export_meta *m, sqlite3 *db,
                           enum gdir_export_licence scope, const char *territory_json,
                           const char *generated, struct gdir_err *err);
void gdir_export_meta_free(struct gdir_export_meta *m);   /* NULL-safe */

/* The French licence text of an export (LICENCE.txt, gpkg text/plain metadata, KML
 * description) appended to out: title, publisher, licence with URL, sources, date, note,
 * number of places left out when known. */
int gdir_export_licence_text(const struct gdir_export_meta *m, struct gdir_buf *out);

/* Counts, by running a source to its end, the rows and the places left out of scope
 * (fids as in gdir_export_src_open). */
int gdir_export_count(sqlite3 *db, enum gdir_export_licence scope, const int64_t *fids,
                      size_t n_fids, long long *records, long long *excluded,
                      struct gdir_err *err);

/* Communes the scdl writer numbers equipment in (a larger territory: rows of the extra
 * communes are skipped and counted). */
#define GDIR_EXPORT_SCDL_COMMUNES 512

/* A streamed text writer: a plain struct, no allocation, nothing to free. Fields are private
 * to gdir_export.c except rows and skipped. */
struct gdir_export_text {
    enum gdir_export_format format;
    const struct gdir_export_meta *meta;   /* borrowed until end */
    long long rows;                        /* rows written */
    long long skipped;                     /* rows the format cannot hold (scdl-equipements:
                                              not a public facility, no INSEE code or
                                              postcode; see docs/exports.md) */
    int begun;
    size_t n_scdl;                         /* scdl: communes seen */
    struct {
        char insee[6];
        unsigned short seq[10];            /* last order number per EQUIP_THEME */
    } scdl[GDIR_EXPORT_SCDL_COMMUNES];
};

/* begin: checks the format is streamed (GDIR_EINVAL otherwise; GDIR_ECONFIG for scdl
 * without meta->publisher_siret) and appends the header / opening to out. row: appends one
 * row. end: appends the closing (GeoJSON: "records" and, when excluded >= 0, "excluded").
 * Each returns 0 or a negative code (a failed out: its code). out is borrowed per call. */
int gdir_export_text_begin(struct gdir_export_text *w, enum gdir_export_format f,
                           const struct gdir_export_meta *m, struct gdir_buf *out);
int gdir_export_text_row(struct gdir_export_text *w, const struct gdir_export_row *r,
                         struct gdir_buf *out);
int gdir_export_text_end(struct gdir_export_text *w, long long excluded, struct gdir_buf *out);

/* What writing a file gave. */
struct gdir_export_result {
    long long records;       /* features / rows written */
    long long excluded;      /* places left out by the scope */
    long long size;          /* bytes of the file */
    char sha256[65];         /* lowercase hex */
};

/* Writes the export in format f to path (created or replaced; a temporary neighbour is used
 * for formats that need one) from src (rewound first) with metadata m, then measures it.
 * Text formats go through gdir_export_text_*, binary ones through GDAL (GPKG, XLSX, ESRI
 * Shapefile zipped with LICENCE.txt, FlatGeobuf), CRS EPSG:4326 everywhere. On failure the
 * file is removed. Returns 0 or a negative code with err filled; GDIR_ETOOBIG for an XLSX
 * export of more than 1,048,575 rows (a worksheet's limit). Call gdir_export_ogr_init
 * once per process before the first binary format. */
int gdir_export_write_file(enum gdir_export_format f, const char *path,
                           struct gdir_export_src *src, const struct gdir_export_meta *m,
                           struct gdir_export_result *res, struct gdir_err *err);

/* A table of text cells as an XLSX workbook (GDAL's XLSX driver, written in memory on
 * /vsimem/, no temporary file): one sheet named sheet whose first row is the n column names,
 * then one row per call of next, which fills cells[0..n) (NULL: an empty cell) and returns 1,
 * or returns 0 at the end or a negative code (err set). The workbook's bytes are appended to
 * out. For tables that are not places (the back office's queue). Returns 0, GDIR_ETOOBIG past
 * a worksheet's 1,048,575 rows, or a negative code with err filled. */
typedef int gdir_xlsx_next_fn(void *cls, const char **cells, struct gdir_err *err);

/* The head of a worksheet's XML (head, n bytes) with its <cols> block rewritten as one
 * <col min="i" max="i"> per declared column (GDAL 3.6 declares overlapping ranges up to column
 * 1024), each width kept; appended to out. No <cols> block (before <sheetData>): head as is.
 * Returns 0, GDIR_EINVAL when the block does not end within head, does not start at a tag
 * boundary (after '>' or white space), or declares more columns than a sheet has, or out's
 * error (gdir_xlsx_cols.c). */
int gdir_xlsx_fix_cols(const char *head, size_t n, struct gdir_buf *out);
int gdir_export_xlsx_table(const char *sheet, const char *const *columns, size_t n,
                           gdir_xlsx_next_fn *next, void *cls, struct gdir_buf *out,
                           struct gdir_err *err);

/* Registers GDAL's drivers (idempotent, thread-safe after the first call returns). */
void gdir_export_ogr_init(void);

#endif
