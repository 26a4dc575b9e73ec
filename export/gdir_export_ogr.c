/*
 * gdir_export_ogr.c — the binary export formats through GDAL/OGR: GeoPackage (with
 * gpkg_metadata rows and the layer description), XLSX (with a "Licence" sheet), zipped ESRI
 * Shapefile (.shp/.shx/.dbf/.prj/.cpg and LICENCE.txt, through CPL's zip writer) and
 * FlatGeobuf. Same columns as the CSV export; CRS EPSG:4326 (longitude, latitude order).
 * Text formats and the row source are in gdir_export.c.
 */
#include "gdir_export_internal.h"
#include "gdir_json.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TXN_ROWS 20000
#define GPKG_CACHE_MB "128"   /* OGR_SQLITE_CACHE while a GeoPackage is written */

static pthread_once_t ogr_once = PTHREAD_ONCE_INIT;

static void register_drivers(void)
{
    GDALAllRegister();
}

void gdir_export_ogr_init(void)
{
    pthread_once(&ogr_once, register_drivers);
}

/* Shapefile column names (at most 10 characters), in the export's column order. */
static const char *const shp_names[] = {
    "id", "name", "category", "cat_label", "subcat", "subcat_lbl", "address", "housenum",
    "street", "complement", "postcode", "commune", "insee", "latitude", "longitude", "phone", "email",
    "website", "hours", "wheelchair", "descriptn", "source", "src_title", "publisher",
    "licence", "src_date", "source_ids", "refs"};

static int ogr_fail(struct gdir_err *err, const char *path, const char *what)
{
    const char *msg = CPLGetLastErrorMsg();
    return gdir_err_set(err, GDIR_EIO, "export: %s: %s%s%s", path, what, msg && *msg ? ": " : "",
                        msg ? msg : "");
}

#define SHP_MAX_COLUMNS 64
#define DBF_MAX_WIDTH 254

/* The widest value of each column in bytes (at least 1, at most the DBF's 254), from one pass
 * over the source: a DBF pads every value to its column's width, so 254 everywhere would
 * make a 60,000-place file 400 MB before compression. */
static int shp_widths(struct gdir_export_src *src, int *width, struct gdir_err *err)
{
    const struct gdir_export_row *row;
    int n = gdir_export_field_count(), rc;
    for (int f = 0; f < n; f++)
        width[f] = 1;
    gdir_export_src_rewind(src);
    while ((rc = gdir_export_src_next(src, &row, err)) == 1)
        for (int f = 0; f < n; f++) {
            const char *t = gdir_export_field_text(row, f);
            size_t len = t ? strlen(t) : 0;
            if ((size_t)width[f] < len)
                width[f] = len > DBF_MAX_WIDTH ? DBF_MAX_WIDTH : (int)len;
        }
    gdir_export_src_rewind(src);
    return rc < 0 ? rc : GDIR_OK;
}

/* Creates the layer's fields; strings, except the coordinates (reals). width: the
 * Shapefile's column widths, or NULL. */
static int make_fields(OGRLayerH layer, int shp, const int *width)
{
    int n = gdir_export_field_count();
    for (int f = 0; f < n; f++) {
        const char *name = shp ? shp_names[f] : gdir_export_field_name(f);
        OGRFieldDefnH fd = OGR_Fld_Create(name, gdir_export_field_is_coord(f) ? OFTReal :
                                          OFTString);
        if (shp && width && !gdir_export_field_is_coord(f))
            OGR_Fld_SetWidth(fd, width[f]);
        if (shp && gdir_export_field_is_coord(f)) {
            OGR_Fld_SetWidth(fd, 12);
            OGR_Fld_SetPrecision(fd, 7);
        }
        OGRErr e = OGR_L_CreateField(layer, fd, TRUE);
        OGR_Fld_Destroy(fd);
        if (e != OGRERR_NONE)
            return -1;
    }
    return 0;
}

/* A worksheet's last row is 1,048,576; one holds the header. */
#define XLSX_MAX_ROWS 1048575LL

/* Writes every row of src into layer (geometry unless geom is 0); more than max_rows rows
 * (when > 0) is GDIR_ETOOBIG. */
static int copy_rows(GDALDatasetH ds, OGRLayerH layer, int geom, long long max_rows,
                     struct gdir_export_src *src, const char *path, long long *records,
                     struct gdir_err *err)
{
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
    const struct gdir_export_row *row;
    int n = gdir_export_field_count(), rc, in_txn = 0;
    long long count = 0;

    while ((rc = gdir_export_src_next(src, &row, err)) == 1) {
        if (max_rows > 0 && count == max_rows) {
            if (in_txn)
                GDALDatasetRollbackTransaction(ds);
            return gdir_err_set(err, GDIR_ETOOBIG, "export: %s: more than %lld rows, the limit "
                                "of a spreadsheet", path, max_rows);
        }
        if (!in_txn) {
            if (GDALDatasetStartTransaction(ds, FALSE) == OGRERR_NONE)
                in_txn = 1;
        }
        OGRFeatureH feat = OGR_F_Create(defn);
        for (int f = 0; f < n; f++) {
            if (gdir_export_field_is_coord(f)) {
                OGR_F_SetFieldDouble(feat, f, strcmp(gdir_export_field_name(f), "latitude") ?
                                     row->lon : row->lat);
            } else {
                const char *t = gdir_export_field_text(row, f);
                if (t)
                    OGR_F_SetFieldString(feat, f, t);
            }
        }
        if (geom) {
            OGRGeometryH pt = OGR_G_CreateGeometry(wkbPoint);
            OGR_G_SetPoint_2D(pt, 0, row->lon, row->lat);
            OGR_F_SetGeometryDirectly(feat, pt);   /* takes ownership */
        }
        OGRErr e = OGR_L_CreateFeature(layer, feat);
        OGR_F_Destroy(feat);
        if (e != OGRERR_NONE) {
            if (in_txn)
                GDALDatasetRollbackTransaction(ds);
            return ogr_fail(err, path, "write feature");
        }
        count++;
        if (in_txn && count % TXN_ROWS == 0) {
            if (GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
                return ogr_fail(err, path, "commit");
            in_txn = 0;
        }
    }
    if (in_txn && GDALDatasetCommitTransaction(ds) != OGRERR_NONE && rc == 0)
        return ogr_fail(err, path, "commit");
    if (rc < 0)
        return rc;
    *records = count;
    return GDIR_OK;
}

/* The metadata as a JSON document (GeoPackage). */
static int meta_json(const struct gdir_export_meta *m, long long records, long long excluded,
                     struct gdir_buf *out)
{
    struct gdir_json j;
    const long long counts[2] = {records, excluded};
    gdir_json_init(&j, out);
    gdir_json_obj_begin(&j);
    gdir_export_meta_members(&j, m, counts);
    gdir_json_obj_end(&j);
    return gdir_json_error(&j);
}

static const char SQL_GPKG_META[] =
    "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT,"
    " extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL,"
    " CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));"
    "CREATE TABLE IF NOT EXISTS gpkg_metadata (id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT"
    " NULL, md_scope TEXT NOT NULL DEFAULT 'dataset', md_standard_uri TEXT NOT NULL, mime_type"
    " TEXT NOT NULL DEFAULT 'text/xml', metadata TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (reference_scope TEXT NOT NULL,"
    " table_name TEXT, column_name TEXT, row_id_value INTEGER, timestamp DATETIME NOT NULL"
    " DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), md_file_id INTEGER NOT NULL,"
    " md_parent_id INTEGER, CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES"
    " gpkg_metadata(id), CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES"
    " gpkg_metadata(id));"
    "INSERT OR IGNORE INTO gpkg_extensions VALUES ('gpkg_metadata', NULL, 'gpkg_metadata',"
    " 'http://www.geopackage.org/spec120/#extension_metadata', 'read-write');"
    "INSERT OR IGNORE INTO gpkg_extensions VALUES ('gpkg_metadata_reference', NULL,"
    " 'gpkg_metadata', 'http://www.geopackage.org/spec120/#extension_metadata', 'read-write');";

static const char SQL_GPKG_MD[] =
    "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata)"
    " VALUES ('dataset', ?1, ?2, ?3)";
static const char SQL_GPKG_REF[] =
    "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, md_file_id)"
    " VALUES (?1, ?2, ?3)";

/* Adds the licence metadata to a written GeoPackage: a JSON document (DCMI terms) and the
 * French licence text, each referenced by the whole GeoPackage and by the layer. */
static int gpkg_metadata(const char *path, const struct gdir_export_meta *m, long long records,
                         long long excluded, struct gdir_err *err)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *md = NULL, *ref = NULL;
    struct gdir_buf json, text;
    int rc = GDIR_EDB;

    gdir_buf_init(&json, 4 * 1024 * 1024);
    gdir_buf_init(&text, 4 * 1024 * 1024);
    if (meta_json(m, records, excluded, &json) || gdir_export_licence_text(m, &text)) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "export: %s: metadata", path);
        goto out;
    }
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, SQL_GPKG_META, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, SQL_GPKG_MD, -1, &md, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, SQL_GPKG_REF, -1, &ref, NULL) != SQLITE_OK)
        goto fail;
    for (int k = 0; k < 2; k++) {
        sqlite3_bind_text(md, 1, k ? "http://purl.org/dc/terms/" : "http://purl.org/dc/terms/",
                          -1, SQLITE_STATIC);
        sqlite3_bind_text(md, 2, k ? "text/plain" : "application/json", -1, SQLITE_STATIC);
        sqlite3_bind_text(md, 3, gdir_buf_str(k ? &text : &json), -1, SQLITE_STATIC);
        if (sqlite3_step(md) != SQLITE_DONE)
            goto fail;
        sqlite3_reset(md);
        sqlite3_int64 id = sqlite3_last_insert_rowid(db);
        for (int s = 0; s < 2; s++) {
            sqlite3_bind_text(ref, 1, s ? "table" : "geopackage", -1, SQLITE_STATIC);
            if (s)
                sqlite3_bind_text(ref, 2, "places", -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(ref, 2);
            sqlite3_bind_int64(ref, 3, id);
            if (sqlite3_step(ref) != SQLITE_DONE)
                goto fail;
            sqlite3_reset(ref);
        }
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    rc = GDIR_OK;
    goto out;
fail:
    rc = gdir_err_set(err, GDIR_EDB, "export: %s: gpkg_metadata: %s", path,
                      db ? sqlite3_errmsg(db) : "cannot open");
out:
    sqlite3_finalize(md);
    sqlite3_finalize(ref);
    if (db && sqlite3_close(db) != SQLITE_OK && !rc)
        rc = gdir_err_set(err, GDIR_EDB, "export: %s: close", path);
    gdir_buf_free(&json);
    gdir_buf_free(&text);
    return rc;
}

/* The "Licence" sheet of the XLSX export: one row per piece of metadata. */
static int xlsx_licence_sheet(GDALDatasetH ds, const struct gdir_export_meta *m,
                              long long excluded, const char *path, struct gdir_err *err)
{
    OGRLayerH lyr = GDALDatasetCreateLayer(ds, "Licence", NULL, wkbNone, NULL);
    OGRFieldDefnH fd;
    char num[32];
    struct gdir_buf src;
    int rc = GDIR_OK;

    if (!lyr)
        return ogr_fail(err, path, "Licence sheet");
    fd = OGR_Fld_Create("rubrique", OFTString);
    OGR_L_CreateField(lyr, fd, TRUE);
    OGR_Fld_Destroy(fd);
    fd = OGR_Fld_Create("valeur", OFTString);
    OGR_L_CreateField(lyr, fd, TRUE);
    OGR_Fld_Destroy(fd);
    snprintf(num, sizeof num, "%lld", excluded);
    gdir_buf_init(&src, 1024 * 1024);
    const char *rows[][2] = {
        {"Titre", m->title},
        {"Producteur", m->publisher},
        {"SIREN du producteur", m->publisher_siren},
        {"Licence", gdir_export_licence_title(m->licence)},
        {"Identifiant de la licence", gdir_export_licence_id(m->licence)},
        {"Texte de la licence", gdir_export_licence_url(m->licence)},
        {"Date de la base", m->generated},
        {"Mention à reprendre", m->attribution},
        {"Note sur la licence", m->note},
        {"Lieux exclus par la licence", num},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0] + m->n_sources && !rc; i++) {
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        if (i < sizeof rows / sizeof rows[0]) {
            OGR_F_SetFieldString(f, 0, rows[i][0]);
            OGR_F_SetFieldString(f, 1, rows[i][1] ? rows[i][1] : "");
        } else {
            const struct gdir_export_source_info *si = &m->sources[i - sizeof rows /
                                                                   sizeof rows[0]];
            gdir_buf_reset(&src);
            gdir_buf_printf(&src, "%s (%s), licence %s%s%s%s%s", si->title ? si->title : "",
                            si->publisher ? si->publisher : "", si->licence ? si->licence : "?",
                            si->date ? ", mise à jour du " : "", si->date ? si->date : "",
                            si->url ? ", " : "", si->url ? si->url : "");
            OGR_F_SetFieldString(f, 0, "Source");
            OGR_F_SetFieldString(f, 1, gdir_buf_str(&src));
        }
        if (OGR_L_CreateFeature(lyr, f) != OGRERR_NONE)
            rc = ogr_fail(err, path, "Licence sheet");
        OGR_F_Destroy(f);
    }
    gdir_buf_free(&src);
    return rc;
}

/* Copies a file into the open zip under name. */
static int zip_add_file(void *zip, const char *name, const char *file, struct gdir_err *err)
{
    char buf[65536];
    size_t n;
    FILE *f = fopen(file, "rb");
    int rc = GDIR_OK;
    if (!f)
        return gdir_err_set(err, GDIR_EIO, "export: %s: %s", file, strerror(errno));
    if (CPLCreateFileInZip(zip, name, NULL) != CE_None) {
        fclose(f);
        return ogr_fail(err, file, "zip");
    }
    while (!rc && (n = fread(buf, 1, sizeof buf, f)) > 0)
        if (CPLWriteFileInZip(zip, buf, (int)n) != CE_None)
            rc = ogr_fail(err, file, "zip write");
    if (!rc && ferror(f))
        rc = gdir_err_set(err, GDIR_EIO, "export: %s: read error", file);
    fclose(f);
    if (CPLCloseFileInZip(zip) != CE_None && !rc)
        rc = ogr_fail(err, file, "zip");
    return rc;
}

static const char *const shp_parts[] = {"shp", "shx", "dbf", "prj", "cpg"};

/* Zips the Shapefile written in dir, with LICENCE.txt, into path. */
static int shp_zip(const char *path, const char *dir, const struct gdir_export_meta *m,
                   struct gdir_err *err)
{
    char file[4096 + 32], name[64];
    struct gdir_buf text;
    int rc = GDIR_OK;
    void *zip = CPLCreateZip(path, NULL);
    if (!zip)
        return ogr_fail(err, path, "create zip");
    for (size_t i = 0; i < sizeof shp_parts / sizeof shp_parts[0] && !rc; i++) {
        snprintf(file, sizeof file, "%s/places.%s", dir, shp_parts[i]);
        snprintf(name, sizeof name, "places.%s", shp_parts[i]);
        rc = zip_add_file(zip, name, file, err);
    }
    gdir_buf_init(&text, 4 * 1024 * 1024);
    gdir_export_licence_text(m, &text);
    if (!rc && text.err)
        rc = gdir_err_set(err, GDIR_ENOMEM, "export: LICENCE.txt");
    if (!rc) {
        if (CPLCreateFileInZip(zip, "LICENCE.txt", NULL) != CE_None ||
            CPLWriteFileInZip(zip, text.data, (int)text.len) != CE_None ||
            CPLCloseFileInZip(zip) != CE_None)
            rc = ogr_fail(err, path, "LICENCE.txt");
    }
    gdir_buf_free(&text);
    if (CPLCloseZip(zip) != CE_None && !rc)
        rc = ogr_fail(err, path, "close zip");
    return rc;
}

static void shp_cleanup(const char *dir)
{
    char file[4096 + 32];
    for (size_t i = 0; i < sizeof shp_parts / sizeof shp_parts[0]; i++) {
        snprintf(file, sizeof file, "%s/places.%s", dir, shp_parts[i]);
        remove(file);
    }
    rmdir(dir);
}

/* ---- XLSX: valid column declarations ----------------------------------------------------- */

#define XLSX_CHUNK (256 * 1024)   /* bytes copied at a time; a sheet's <cols> lies in its first */

/* Copies the zip entry name of the workbook src into zip, rewriting the <cols> block of a
 * worksheet (gdir_xlsx_fix_cols) in its first chunk. */
static int xlsx_copy_entry(void *zip, const char *src, const char *name, char *chunk,
                           struct gdir_buf *head, struct gdir_err *err)
{
    char entry[4096 + 256];
    int sheet = strncmp(name, "xl/worksheets/", 14) == 0 && !strchr(name + 14, '/');
    size_t got;
    VSILFILE *in;
    int rc = GDIR_OK;

    snprintf(entry, sizeof entry, "/vsizip/%s/%s", src, name);
    if (!(in = VSIFOpenL(entry, "rb")))
        return ogr_fail(err, src, name);
    if (CPLCreateFileInZip(zip, name, NULL) != CE_None) {
        VSIFCloseL(in);
        return ogr_fail(err, src, "xlsx entry");
    }
    for (int first = 1; !rc && (got = VSIFReadL(chunk, 1, XLSX_CHUNK, in)) > 0; first = 0) {
        const char *data = chunk;
        if (first && sheet) {
            gdir_buf_reset(head);
            if (gdir_xlsx_fix_cols(chunk, got, head))
                rc = gdir_err_set(err, GDIR_EINTERNAL, "xlsx: %s: unexpected <cols>", name);
            data = head->data;
            got = head->len;
        }
        if (!rc && CPLWriteFileInZip(zip, data, (int)got) != CE_None)
            rc = ogr_fail(err, src, "xlsx write");
    }
    if (CPLCloseFileInZip(zip) != CE_None && !rc)
        rc = ogr_fail(err, src, "xlsx entry");
    VSIFCloseL(in);
    return rc;
}

/* Whether name, of the listing names of a zip, is a folder: it ends with '/', or another name
 * lies under it. */
static int zip_is_dir(char **names, const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || name[len - 1] == '/')
        return 1;
    for (char **n = names; *n; n++)
        if (strncmp(*n, name, len) == 0 && (*n)[len] == '/')
            return 1;
    return 0;
}

/* Rewrites the workbook at path (a file or /vsimem/) with valid <cols> in every worksheet:
 * each entry copied in its order, [Content_Types].xml first as OPC readers expect. */
static int xlsx_mend(const char *path, struct gdir_err *err)
{
    char dir[4096 + 16], tmp[4096 + 16];
    char **names;
    char *chunk = malloc(XLSX_CHUNK);
    struct gdir_buf head;
    void *zip = NULL;
    int rc = GDIR_OK;

    snprintf(dir, sizeof dir, "/vsizip/%s", path);
    snprintf(tmp, sizeof tmp, "%s.cols", path);
    names = VSIReadDirRecursive(dir);
    gdir_buf_init(&head, XLSX_CHUNK + 1024 * 1024);
    if (!chunk || !names || CSLFindString(names, "[Content_Types].xml") < 0) {
        rc = chunk ? ogr_fail(err, path, "not a workbook") : GDIR_ENOMEM;
        goto out;
    }
    if (!(zip = CPLCreateZip(tmp, NULL))) {
        rc = ogr_fail(err, tmp, "create zip");
        goto out;
    }
    rc = xlsx_copy_entry(zip, path, "[Content_Types].xml", chunk, &head, err);
    for (char **n = names; !rc && *n; n++)
        if (!zip_is_dir(names, *n) && strcmp(*n, "[Content_Types].xml") != 0)
            rc = xlsx_copy_entry(zip, path, *n, chunk, &head, err);
    if (CPLCloseZip(zip) != CE_None && !rc)
        rc = ogr_fail(err, tmp, "close zip");
    if (!rc && VSIRename(tmp, path) != 0)
        rc = gdir_err_set(err, GDIR_EIO, "xlsx: %s: rename", path);
out:
    if (rc && zip)
        VSIUnlink(tmp);
    CSLDestroy(names);
    gdir_buf_free(&head);
    free(chunk);
    return rc;
}

int gdir_export_ogr_write(enum gdir_export_format f, const char *path,
                          struct gdir_export_src *src, const struct gdir_export_meta *m,
                          long long *records, struct gdir_err *err)
{
    const char *driver_name = f == GDIR_EXPORT_GPKG ? "GPKG" : f == GDIR_EXPORT_XLSX ? "XLSX" :
                              f == GDIR_EXPORT_SHP ? "ESRI Shapefile" :
                              f == GDIR_EXPORT_FGB ? "FlatGeobuf" : NULL;
    GDALDriverH drv;
    GDALDatasetH ds = NULL;
    OGRSpatialReferenceH srs = NULL;
    OGRLayerH layer;
    char dir[4096], target[4096 + 32];
    char **lco = NULL;
    int rc = GDIR_OK, shp = f == GDIR_EXPORT_SHP, geom = f != GDIR_EXPORT_XLSX;
    int width[SHP_MAX_COLUMNS];

    *records = 0;
    dir[0] = '\0';
    if (!driver_name)
        return gdir_err_set(err, GDIR_EINVAL, "export: %s is not a GDAL format",
                            gdir_export_format_get(f)->name);
    gdir_export_ogr_init();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    if (!(drv = GDALGetDriverByName(driver_name))) {
        rc = gdir_err_set(err, GDIR_EINTERNAL, "export: GDAL has no %s driver", driver_name);
        goto out;
    }
    remove(path);
    if (shp) {
        /* The Shapefile is written in a folder next to path, then zipped into path. */
        if ((size_t)snprintf(dir, sizeof dir, "%s.d", path) >= sizeof dir ||
            (size_t)snprintf(target, sizeof target, "%s/places.shp", dir) >= sizeof target) {
            rc = gdir_err_set(err, GDIR_ETOOBIG, "export: %s: path too long", path);
            goto out;
        }
        shp_cleanup(dir);
        if (mkdir(dir, 0755) != 0) {
            rc = gdir_err_set(err, GDIR_EIO, "export: %s: %s", dir, strerror(errno));
            goto out;
        }
        lco = CSLSetNameValue(lco, "ENCODING", "UTF-8");
        if (gdir_export_field_count() > SHP_MAX_COLUMNS) {
            rc = gdir_err_set(err, GDIR_EINTERNAL, "export: too many columns");
            goto out;
        }
        if ((rc = shp_widths(src, width, err)))
            goto out;
    } else {
        snprintf(target, sizeof target, "%s", path);
    }
    if (f == GDIR_EXPORT_GPKG) {
        lco = CSLSetNameValue(lco, "IDENTIFIER", m->title);
        lco = CSLSetNameValue(lco, "DESCRIPTION", m->attribution);
        lco = CSLSetNameValue(lco, "FID", "fid");
        /* GDAL builds the GeoPackage's R*Tree at close; with SQLite's default page cache it
         * spills and the export takes twice ogr2ogr's time (bench/RESULTS.md, "Exports").
         * 128 MB for this thread's write only; the file is fsynced by whoever keeps it. */
        CPLSetThreadLocalConfigOption("OGR_SQLITE_CACHE", GPKG_CACHE_MB);
        CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", "OFF");
    }
    if (!(ds = GDALCreate(drv, target, 0, 0, 0, GDT_Unknown, NULL))) {
        rc = ogr_fail(err, path, "create");
        goto out;
    }
    if (geom) {
        srs = OSRNewSpatialReference(NULL);
        OSRImportFromEPSG(srs, 4326);
        OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    }
    if (!(layer = GDALDatasetCreateLayer(ds, "places", srs, geom ? wkbPoint : wkbNone, lco)) ||
        make_fields(layer, shp, shp ? width : NULL) != 0) {
        rc = ogr_fail(err, path, "create layer");
        goto out;
    }
    if ((rc = copy_rows(ds, layer, geom, f == GDIR_EXPORT_XLSX ? XLSX_MAX_ROWS : 0, src, path,
                        records, err)))
        goto out;
    if (f == GDIR_EXPORT_XLSX &&
        (rc = xlsx_licence_sheet(ds, m, gdir_export_src_excluded(src), path, err)))
        goto out;
    GDALClose(ds);   /* flushes; errors surface through CPLGetLastErrorType */
    ds = NULL;
    if (CPLGetLastErrorType() >= CE_Failure) {
        rc = ogr_fail(err, path, "close");
        goto out;
    }
    if (f == GDIR_EXPORT_GPKG)
        rc = gpkg_metadata(path, m, *records, gdir_export_src_excluded(src), err);
    else if (f == GDIR_EXPORT_XLSX)
        rc = xlsx_mend(path, err);
    else if (shp)
        rc = shp_zip(path, dir, m, err);
out:
    if (ds)
        GDALClose(ds);
    if (srs)
        OSRDestroySpatialReference(srs);
    CSLDestroy(lco);
    if (f == GDIR_EXPORT_GPKG) {
        CPLSetThreadLocalConfigOption("OGR_SQLITE_CACHE", NULL);
        CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", NULL);
    }
    if (shp && dir[0])
        shp_cleanup(dir);
    CPLPopErrorHandler();
    if (rc)
        remove(path);
    return rc;
}

/* ---- a table of text cells (gdir_export_xlsx_table) --------------------------------------- */

/* Creates the sheet's text columns and writes its rows from next. */
static int text_sheet(GDALDatasetH ds, const char *sheet, const char *const *columns, size_t n,
                      gdir_xlsx_next_fn *next, void *cls, const char *path, struct gdir_err *err)
{
    OGRLayerH lyr = GDALDatasetCreateLayer(ds, sheet, NULL, wkbNone, NULL);
    const char **cells = calloc(n ? n : 1, sizeof *cells);
    long long rows = 0;
    int rc = GDIR_OK;

    if (!cells)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (!lyr)
        rc = ogr_fail(err, path, "sheet");
    for (size_t i = 0; i < n && !rc; i++) {
        OGRFieldDefnH fd = OGR_Fld_Create(columns[i], OFTString);
        if (OGR_L_CreateField(lyr, fd, TRUE) != OGRERR_NONE)
            rc = ogr_fail(err, path, "column");
        OGR_Fld_Destroy(fd);
    }
    while (!rc && (rc = next(cls, cells, err)) == 1) {
        OGRFeatureH f;
        rc = GDIR_OK;
        if (++rows > XLSX_MAX_ROWS) {
            rc = gdir_err_set(err, GDIR_ETOOBIG, "more rows than a worksheet holds");
            break;
        }
        f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        for (size_t i = 0; i < n; i++)
            OGR_F_SetFieldString(f, (int)i, cells[i] ? cells[i] : "");
        if (OGR_L_CreateFeature(lyr, f) != OGRERR_NONE)
            rc = ogr_fail(err, path, "row");
        OGR_F_Destroy(f);
        memset(cells, 0, n * sizeof *cells);
    }
    free(cells);
    return rc;
}

int gdir_export_xlsx_table(const char *sheet, const char *const *columns, size_t n,
                           gdir_xlsx_next_fn *next, void *cls, struct gdir_buf *out,
                           struct gdir_err *err)
{
    static unsigned long counter;
    GDALDriverH drv;
    GDALDatasetH ds;
    GByte *bytes;
    vsi_l_offset len = 0;
    char path[96];
    int rc;

    gdir_export_ogr_init();
    snprintf(path, sizeof path, "/vsimem/gdir-table-%lu-%lu.xlsx",
             (unsigned long)pthread_self(), __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
    if (!(drv = GDALGetDriverByName("XLSX")))
        return gdir_err_set(err, GDIR_EINTERNAL, "GDAL has no XLSX driver");
    if (!(ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL)))
        return ogr_fail(err, path, "create");
    rc = text_sheet(ds, sheet, columns, n, next, cls, path, err);
    CPLErrorReset();
    GDALClose(ds);   /* writes the workbook (void in GDAL 3.6: its error is asked after) */
    if (!rc && CPLGetLastErrorType() >= CE_Failure)
        rc = ogr_fail(err, path, "close");
    if (!rc)
        rc = xlsx_mend(path, err);
    bytes = VSIGetMemFileBuffer(path, &len, TRUE);
    if (!rc && (!bytes || gdir_buf_add(out, bytes, (size_t)len)))
        rc = gdir_err_set(err, bytes ? GDIR_ENOMEM : GDIR_EIO, "xlsx: %s",
                          bytes ? "out of memory" : "no workbook written");
    CPLFree(bytes);
    VSIUnlink(path);
    return rc;
}
