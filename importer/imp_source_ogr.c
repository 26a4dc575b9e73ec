/*
 * imp_source_ogr.c — the GDAL/OGR reader (imp_reader_ogr) and every GDAL vector/SRS call of
 * geodir: opening a source file with its profile's driver and open options, checking the
 * profile's fields against each layer, streaming features, reading native geometries (points;
 * polygons and lines reduced to a point when the profile says so; boundaries as WKB),
 * converting coordinates to EPSG:4326 with OGR/PROJ (also for the other readers, through
 * imp_xform), and routing GDAL's messages (CPLError) into gdir_log or into the current
 * feature's problem.
 *
 * On top of plain OGR:
 *   - OSM (.osm, .osm.pbf): several layers read in the driver's interleaved order; a field
 *     the layer lacks is an OSM tag looked up in `other_tags`; "@osm_type", "@osm_id" and
 *     "@osm_ref" ("node/123") name the object;
 *   - CSV: physical line numbers and field counts (imp_csvscan), files without a header line
 *     (columns named by the profile), Windows-1252 files converted to UTF-8 into a temporary
 *     copy first (the CSV driver has no encoding option);
 *   - "A|B" field names: the first of these fields that the layer has.
 *
 * What it does not do: computed fields and coordinate fields (imp_source.c), decide whether a
 * row is kept (imp_record.c) or write anything.
 */
#include "imp_source.h"
#include "gdir_buf.h"
#include "gdir_geo.h"
#include "gdir_log.h"
#include "gdir_mem.h"
#include "imp_csvscan.h"
#include "imp_jsonscan.h"
#include "imp_source_reader.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#define VALUES_MAX (16u * 1024 * 1024)  /* all cells of one feature together */
#define FIELD_LIST_MAX 64               /* field names quoted in "unknown field" */

/* Where a requested field's value comes from, per layer (>= 0: an OGR field index). */
enum {
    SRC_TAG = -2,       /* an OSM tag in other_tags */
    SRC_OSM_TYPE = -3,  /* "node", "way", "relation" */
    SRC_OSM_ID = -4,    /* the object's number */
    SRC_OSM_REF = -5,   /* "node/123" */
};

struct layer {
    OGRLayerH h;                   /* borrowed from the dataset */
    int *src;                      /* per requested field: OGR index or SRC_* */
    int other_tags;                /* OGR index of other_tags, or -1 */
    int osm_id, osm_way_id;        /* OGR indexes, or -1 */
    char osm_type;                 /* 'n', 'w', 'r' for osm_id; 0 when not OSM */
    OGRCoordinateTransformationH ct; /* native geometry to EPSG:4326, or NULL */
};

struct ogr_reader {
    const struct imp_profile *p;   /* borrowed */
    const char *const *fields;     /* borrowed: the requested field names */
    size_t n_fields;
    char *path;                    /* owned copy, for messages */
    char *open_path;               /* the file GDAL reads: path, or a UTF-8 copy */
    char *tmp_dir;                 /* the temporary folder of that copy, or NULL */
    GDALDatasetH ds;
    struct layer *layers;
    size_t n_layers;
    size_t cur;                    /* layer being read (layer by layer) */
    int interleaved;               /* OSM: GDALDatasetGetNextFeature */
    int is_osm;
    struct imp_csvscan *scan;      /* CSV only: physical lines and field counts */
    long header_fields;            /* CSV only */
    int scan_lost;                 /* scanner and driver disagree: line numbers unknown */
    long n;                        /* features handed out */
    struct imp_record_values rv;   /* the current feature's values */
    unsigned char *wkb;            /* the current feature's WKB */
    size_t wkb_cap;
    int gdal_failed;               /* a CE_Failure was captured during the last call */
    char gdal_msg[512];            /* its message */
};

/* GDAL messages may hold quotes and line breaks; logfmt values must not. */
static void log_safe(char *dst, size_t size, const char *src)
{
    size_t i = 0;
    for (; src && *src && i + 1 < size; src++)
        dst[i++] = (*src == '"' || *src == '\\') ? '\'' : (*src == '\n' || *src == '\r') ? ' ' : *src;
    dst[i] = '\0';
}

static void CPL_STDCALL log_handler(CPLErr cls, CPLErrorNum no, const char *msg)
{
    char safe[512];
    if (cls == CE_Debug || cls == CE_None)
        return;
    log_safe(safe, sizeof safe, msg);
    if (cls == CE_Warning)
        gdir_log(GDIR_LOG_WARN, "gdal", "msg=\"%s\" errno=%d", safe, (int)no);
    else
        gdir_log(GDIR_LOG_ERROR, "gdal", "msg=\"%s\" errno=%d", safe, (int)no);
}

/* Pushed around every call on a source: failures go to the source, warnings to the log. */
static void CPL_STDCALL capture_handler(CPLErr cls, CPLErrorNum no, const char *msg)
{
    struct ogr_reader *s = CPLGetErrorHandlerUserData();
    char safe[512];

    (void)no;
    if (cls >= CE_Failure) {
        if (!s->gdal_failed)
            log_safe(s->gdal_msg, sizeof s->gdal_msg, msg);
        s->gdal_failed = 1;
    } else if (cls == CE_Warning) {
        log_safe(safe, sizeof safe, msg);
        gdir_log(GDIR_LOG_WARN, "gdal", "file=\"%s\" feature=%ld msg=\"%s\"", s->path, s->n, safe);
    }
}

void imp_ogr_init(void)
{
    CPLSetErrorHandler(log_handler);
    GDALAllRegister();
}

void imp_ogr_cleanup(void)
{
    GDALDestroyDriverManager();
    OSRCleanup();
}

/* ---------------------------------------------------------------- transformations ---- */

struct imp_xform {
    OGRCoordinateTransformationH ct;
};

/* Silences GDAL while PROJ looks things up: failures are reported by our own messages. */
static void CPL_STDCALL quiet_handler(CPLErr cls, CPLErrorNum no, const char *msg)
{
    (void)cls;
    (void)no;
    (void)msg;
}

int imp_xform_new(struct imp_xform **out, const char *srs, char *msg, size_t msg_size)
{
    OGRSpatialReferenceH src = NULL, dst = NULL;
    int rc = GDIR_OK;

    *out = NULL;
    CPLPushErrorHandler(quiet_handler);
    dst = OSRNewSpatialReference(NULL);
    if (!dst || OSRImportFromEPSG(dst, 4326) != OGRERR_NONE) {
        snprintf(msg, msg_size, "EPSG:4326 unknown to PROJ (is proj-data installed?)");
        rc = GDIR_ECONFIG;
        goto out;
    }
    OSRSetAxisMappingStrategy(dst, OAMS_TRADITIONAL_GIS_ORDER);
    src = OSRNewSpatialReference(NULL);
    if (!src || OSRSetFromUserInput(src, srs) != OGRERR_NONE) {
        snprintf(msg, msg_size, "unknown SRS '%.60s'", srs);
        rc = GDIR_ECONFIG;
        goto out;
    }
    OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
    if (OSRIsSame(src, dst))
        goto out;
    if (!(*out = calloc(1, sizeof **out)) || !((*out)->ct = OCTNewCoordinateTransformation(src, dst))) {
        free(*out);
        *out = NULL;
        snprintf(msg, msg_size, "no transformation from '%.60s' to EPSG:4326", srs);
        rc = GDIR_ECONFIG;
    }
out:
    CPLPopErrorHandler();
    if (src)
        OSRDestroySpatialReference(src);
    if (dst)
        OSRDestroySpatialReference(dst);
    return rc;
}

int imp_xform_apply(struct imp_xform *x, double *px, double *py)
{
    int ok;
    if (!x)
        return 0;
    CPLPushErrorHandler(quiet_handler);
    ok = OCTTransform(x->ct, 1, px, py, NULL);
    CPLPopErrorHandler();
    return ok ? 0 : -1;
}

void imp_xform_free(struct imp_xform *x)
{
    if (!x)
        return;
    OCTDestroyCoordinateTransformation(x->ct);
    free(x);
}

/* ---------------------------------------------------------------------- opening ---- */

static void ogr_close(void *rd)
{
    struct ogr_reader *s = rd;
    if (!s)
        return;
    for (size_t i = 0; i < s->n_layers; i++) {
        free(s->layers[i].src);
        if (s->layers[i].ct)
            OCTDestroyCoordinateTransformation(s->layers[i].ct);
    }
    free(s->layers);
    if (s->ds)
        GDALClose(s->ds);
    imp_csvscan_close(s->scan);
    if (s->tmp_dir) {
        /* the UTF-8 copy of a Windows-1252 file */
        if (s->open_path && s->open_path != s->path)
            unlink(s->open_path);   /* never the source file itself */
        rmdir(s->tmp_dir);
    }
    if (s->open_path != s->path)
        free(s->open_path);
    free(s->tmp_dir);
    imp_record_values_free(&s->rv);
    free(s->wkb);
    free(s->path);
    free(s);
}

static int is_csv(const struct imp_profile *p)
{
    return strcmp(p->driver, "CSV") == 0;
}

/* A Windows-1252 CSV file is read through a UTF-8 copy in a private temporary folder. */
static int prepare_encoding(struct ogr_reader *s, struct gdir_err *err)
{
    const struct imp_profile *p = s->p;
    const char *tmp = getenv("TMPDIR");
    const char *base = strrchr(s->path, '/');
    struct gdir_buf b;
    int cp1252 = 1, rc;

    s->open_path = s->path;
    if (!is_csv(p) || p->encoding == IMP_ENC_UTF8)
        return GDIR_OK;
    if (p->encoding == IMP_ENC_AUTO) {
        if ((rc = imp_file_encoding_auto(s->path, &cp1252, err)))
            return rc;
        if (!cp1252)
            return GDIR_OK;
    }
    gdir_buf_init(&b, 4096);
    gdir_buf_printf(&b, "%s/geodir-enc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    s->tmp_dir = b.err ? NULL : gdir_buf_steal(&b, NULL);
    gdir_buf_free(&b);
    if (!s->tmp_dir)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (!mkdtemp(s->tmp_dir)) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: cannot create a temporary folder for the UTF-8 "
                          "copy: %s", s->path, strerror(errno));
        free(s->tmp_dir);
        s->tmp_dir = NULL;
        return rc;
    }
    /* keep a .csv name: the driver goes by the extension */
    gdir_buf_init(&b, 8192);
    gdir_buf_printf(&b, "%s/%s%s", s->tmp_dir, base ? base + 1 : s->path,
                    strstr(base ? base : s->path, ".csv") ? "" : ".csv");
    s->open_path = b.err ? NULL : gdir_buf_steal(&b, NULL);
    gdir_buf_free(&b);
    if (!s->open_path) {
        s->open_path = s->path;
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    }
    if ((rc = imp_file_cp1252_to_utf8(s->path, s->open_path, err)))
        return rc;
    gdir_log(GDIR_LOG_INFO, "import", "file=\"%s\" msg=\"%s: converted to UTF-8\"", s->path,
             p->encoding == IMP_ENC_AUTO ? "not valid UTF-8, read as Windows-1252 (Latin-1)"
                                         : "read as Windows-1252 (Latin-1)");
    return GDIR_OK;
}

static int open_dataset(struct ogr_reader *s, struct gdir_err *err)
{
    const struct imp_profile *p = s->p;
    const char *const drivers[] = {p->driver, NULL};
    struct stat st;
    int rc;

    if (stat(s->path, &st) != 0)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", s->path, strerror(errno));
    if (S_ISDIR(st.st_mode) && strcmp(p->driver, "ESRI Shapefile") != 0)
        return gdir_err_set(err, GDIR_EIO, "%s: is a folder, expected a file", s->path);
    if (!GDALGetDriverByName(p->driver))
        return gdir_err_set(err, GDIR_ECONFIG, "%s: mapping %s: GDAL has no driver '%s'", s->path,
                            p->name, p->driver);
    if ((rc = prepare_encoding(s, err)))
        return rc;
    s->ds = GDALOpenEx(s->open_path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers,
                       (const char *const *)p->open_options, NULL);
    if (!s->ds && s->gdal_failed && strstr(s->gdal_msg, "Too many characters") &&
        strcmp(p->driver, "GeoJSON") == 0) {
        /* GDAL's JSON reader stops on a huge string and calls it a number: find it. */
        struct imp_json_longest big;
        if (imp_json_longest_string(s->path, &big, err) == GDIR_OK && big.bytes > 0)
            return gdir_err_set(err, GDIR_EFORMAT, "%s:%ld:%ld: field '%s': string too long "
                                "(%lld bytes, more than GDAL's GeoJSON reader accepts; GDAL: "
                                "%s)", s->path, big.line, big.column,
                                big.key[0] ? big.key : "(array item)", big.bytes, s->gdal_msg);
    }
    if (!s->ds)
        return gdir_err_set(err, GDIR_EIO, "%s: cannot be read as %s%s%s", s->path, p->driver,
                            s->gdal_failed ? ": " : "", s->gdal_failed ? s->gdal_msg : "");
    s->is_osm = strcmp(p->driver, "OSM") == 0;
    return GDIR_OK;
}

/* "<file>: mapping <profile>: unknown field 'X' (fields: a, b, c)" */
static int unknown_field(struct ogr_reader *s, OGRLayerH h, const char *field,
                         struct gdir_err *err)
{
    const struct imp_profile *p = s->p;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(h);
    const char *names[FIELD_LIST_MAX];
    size_t n = 0;
    if (p->no_header) {
        for (size_t i = 0; i < p->n_columns && n < FIELD_LIST_MAX; i++)
            names[n++] = p->columns[i];
    } else {
        for (int i = 0; i < OGR_FD_GetFieldCount(defn) && n < FIELD_LIST_MAX; i++)
            names[n++] = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
    }
    return imp_reader_unknown_field(s->path, p, field, names, n, err);
}

/* The OGR index of the first of the '|'-separated names that the layer has, or -1. */
static int find_field(OGRFeatureDefnH defn, const char *name)
{
    char one[256];
    while (*name) {
        const char *bar = strchr(name, '|');
        size_t n = bar ? (size_t)(bar - name) : strlen(name);
        if (n < sizeof one) {
            memcpy(one, name, n);
            one[n] = '\0';
            for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++)
                if (strcmp(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), one) == 0)
                    return i;
        }
        if (!bar)
            break;
        name = bar + 1;
    }
    return -1;
}

static int index_of(OGRFeatureDefnH defn, const char *name)
{
    for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++)
        if (strcmp(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), name) == 0)
            return i;
    return -1;
}

/* Every requested field must be found in the layer (or, OSM, be a tag). */
static int resolve_layer(struct ogr_reader *s, struct layer *l, struct gdir_err *err)
{
    const struct imp_profile *p = s->p;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(l->h);
    const char *lname = OGR_L_GetName(l->h);

    if (!(l->src = calloc(s->n_fields + 1, sizeof *l->src)))
        return gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", s->path);
    l->other_tags = s->is_osm ? index_of(defn, "other_tags") : -1;
    l->osm_id = s->is_osm ? index_of(defn, "osm_id") : -1;
    l->osm_way_id = s->is_osm ? index_of(defn, "osm_way_id") : -1;
    if (s->is_osm)
        l->osm_type = strcmp(lname, "points") == 0 ? 'n' : strcmp(lname, "lines") == 0 ? 'w' : 'r';
    for (size_t k = 0; k < s->n_fields; k++) {
        const char *name = s->fields[k];
        int idx = -1;
        if (s->is_osm && strcmp(name, "@osm_type") == 0) {
            idx = SRC_OSM_TYPE;
        } else if (s->is_osm && strcmp(name, "@osm_id") == 0) {
            idx = SRC_OSM_ID;
        } else if (s->is_osm && strcmp(name, "@osm_ref") == 0) {
            idx = SRC_OSM_REF;
        } else if (p->no_header) {
            for (size_t c = 0; c < p->n_columns && idx < 0; c++)
                if (strcmp(p->columns[c], name) == 0) {
                    char gname[32];
                    snprintf(gname, sizeof gname, "field_%zu", c + 1);
                    idx = index_of(defn, gname);
                }
        } else {
            idx = find_field(defn, name);
            if (idx < 0 && l->other_tags >= 0)
                idx = SRC_TAG;
        }
        if (idx == -1)
            return unknown_field(s, l->h, name, err);
        l->src[k] = idx;
    }
    return GDIR_OK;
}

static int prepare_native(struct ogr_reader *s, struct layer *l, struct gdir_err *err)
{
    const struct imp_profile *p = s->p;
    OGRSpatialReferenceH src = NULL, dst = NULL;
    int rc = GDIR_OK;

    if (p->geom != IMP_GEOM_NATIVE)
        return GDIR_OK;
    dst = OSRNewSpatialReference(NULL);
    if (!dst || OSRImportFromEPSG(dst, 4326) != OGRERR_NONE) {
        rc = gdir_err_set(err, GDIR_EINTERNAL, "EPSG:4326 unknown to PROJ (is proj-data installed?)");
        goto out;
    }
    OSRSetAxisMappingStrategy(dst, OAMS_TRADITIONAL_GIS_ORDER);
    if (p->srs) {
        src = OSRNewSpatialReference(NULL);
        if (!src || OSRSetFromUserInput(src, p->srs) != OGRERR_NONE) {
            rc = gdir_err_set(err, GDIR_ECONFIG, "%s: mapping %s: geometry.srs: unknown SRS '%s'",
                              s->path, p->name, p->srs);
            goto out;
        }
    } else if (OGR_L_GetSpatialRef(l->h)) {
        src = OSRClone(OGR_L_GetSpatialRef(l->h));
    }
    if (!src)
        goto out;   /* lon/lat degrees already */
    OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
    if (OSRIsSame(src, dst))
        goto out;
    l->ct = OCTNewCoordinateTransformation(src, dst);
    if (!l->ct)
        rc = gdir_err_set(err, GDIR_ECONFIG, "%s: mapping %s: no transformation to EPSG:4326%s%s",
                          s->path, p->name, s->gdal_failed ? ": " : "",
                          s->gdal_failed ? s->gdal_msg : "");
out:
    if (src)
        OSRDestroySpatialReference(src);
    if (dst)
        OSRDestroySpatialReference(dst);
    return rc;
}

static int open_layers(struct ogr_reader *s, struct gdir_err *err)
{
    const struct imp_profile *p = s->p;
    size_t n = p->n_layers ? p->n_layers : 1;
    int rc;

    if (!(s->layers = calloc(n, sizeof *s->layers)))
        return gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", s->path);
    for (size_t i = 0; i < n; i++) {
        const char *name = p->n_layers ? p->layers[i] : p->layer;
        struct layer *l = &s->layers[i];
        if (name) {
            l->h = GDALDatasetGetLayerByName(s->ds, name);
            if (!l->h)
                return gdir_err_set(err, GDIR_ECONFIG, "%s: mapping %s: no layer '%s'", s->path,
                                    p->name, name);
        } else {
            if (GDALDatasetGetLayerCount(s->ds) < 1)
                return gdir_err_set(err, GDIR_EFORMAT, "%s: no layer", s->path);
            l->h = GDALDatasetGetLayer(s->ds, 0);
        }
        s->n_layers++;
        if ((rc = resolve_layer(s, l, err)))
            return rc;
        s->gdal_failed = 0;
        if ((rc = prepare_native(s, l, err)))
            return rc;
    }
    /* The OSM driver must be read in its own order, all layers at once. */
    s->interleaved = s->is_osm;
    return GDIR_OK;
}

/* The CSV driver guesses the separator from the header; make sure it guessed the profile's. */
static int open_csv_scan(struct ogr_reader *s, struct gdir_err *err)
{
    const struct imp_profile *p = s->p;
    int rc = imp_csvscan_open(&s->scan, s->open_path, p->separator, !p->no_header, err);
    if (rc) {
        /* the scanner names the file it read: the original is what people know */
        if (s->open_path != s->path)
            gdir_err_set(err, rc, "%s: %s", s->path, "cannot be scanned after conversion");
        return rc;
    }
    s->header_fields = imp_csvscan_header_fields(s->scan);
    int gdal_fields = OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(s->layers[0].h));
    if (gdal_fields != s->header_fields)
        return gdir_err_set(err, GDIR_EFORMAT,
                            "%s:1: mapping %s: the %s has %ld fields separated by '%s' but "
                            "GDAL read %d: check source.separator",
                            s->path, p->name, p->no_header ? "first line" : "header",
                            s->header_fields,
                            p->separator == '\t' ? "\\t" : (p->separator == ';' ? ";" : ","),
                            gdal_fields);
    if (p->no_header && (size_t)s->header_fields != p->n_columns)
        return gdir_err_set(err, GDIR_EFORMAT,
                            "%s:1: mapping %s: the first line has %ld fields, source.columns "
                            "names %zu", s->path, p->name, s->header_fields, p->n_columns);
    return GDIR_OK;
}

static int ogr_open(void **out, const char *path, const struct imp_profile *p,
                    const char *const *fields, size_t n_fields, struct gdir_err *err)
{
    struct ogr_reader *s;
    int rc;

    *out = NULL;
    if (!(s = calloc(1, sizeof *s)) || !(s->path = strdup(path))) {
        free(s);
        return gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", path);
    }
    s->p = p;
    s->fields = fields;
    s->n_fields = n_fields;
    if (imp_record_values_init(&s->rv, n_fields, VALUES_MAX)) {
        ogr_close(s);
        return gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", path);
    }
    CPLPushErrorHandlerEx(capture_handler, s);
    rc = open_dataset(s, err);
    if (rc == GDIR_OK)
        rc = open_layers(s, err);
    if (rc == GDIR_OK && is_csv(p))
        rc = open_csv_scan(s, err);
    CPLPopErrorHandler();
    if (rc) {
        ogr_close(s);
        return rc;
    }
    if (s->interleaved)
        GDALDatasetResetReading(s->ds);
    else
        for (size_t i = 0; i < s->n_layers; i++)
            OGR_L_ResetReading(s->layers[i].h);
    *out = s;
    return GDIR_OK;
}

/* ---------------------------------------------------------------------- reading ---- */

/* The OSM object's type and number: points are nodes; a multipolygon is a relation, or a
 * closed way (osm_way_id); lines are ways. Returns 0 when unknown. */
static int osm_object(const struct layer *l, OGRFeatureH feat, const char **type, GIntBig *id)
{
    if (l->osm_id >= 0 && OGR_F_IsFieldSetAndNotNull(feat, l->osm_id)) {
        *id = OGR_F_GetFieldAsInteger64(feat, l->osm_id);
        *type = l->osm_type == 'n' ? "node" : l->osm_type == 'w' ? "way" : "relation";
        return 1;
    }
    if (l->osm_way_id >= 0 && OGR_F_IsFieldSetAndNotNull(feat, l->osm_way_id)) {
        *id = OGR_F_GetFieldAsInteger64(feat, l->osm_way_id);
        *type = "way";
        return 1;
    }
    return 0;
}

/* Copies the feature's cells (as text) into the arena. */
static void read_values(struct ogr_reader *s, const struct layer *l, OGRFeatureH feat,
                        struct imp_feature *f)
{
    const char *other = NULL, *type = NULL;
    GIntBig id = 0;
    int have_obj = s->is_osm && osm_object(l, feat, &type, &id);

    if (l->other_tags >= 0 && OGR_F_IsFieldSetAndNotNull(feat, l->other_tags))
        other = OGR_F_GetFieldAsString(feat, l->other_tags);
    gdir_buf_reset(&s->rv.arena);
    for (size_t k = 0; k < s->n_fields; k++) {
        int idx = l->src[k];
        size_t start = s->rv.arena.len;
        int set = 1;
        s->rv.offsets[k] = start;
        if (idx >= 0) {
            if (OGR_F_IsFieldSetAndNotNull(feat, idx))
                gdir_buf_adds(&s->rv.arena, OGR_F_GetFieldAsString(feat, idx));
            else
                set = 0;
        } else if (idx == SRC_TAG) {
            set = other && imp_osm_tag(other, s->fields[k], &s->rv.arena);
        } else if (!have_obj) {
            set = 0;
        } else if (idx == SRC_OSM_TYPE) {
            gdir_buf_adds(&s->rv.arena, type);
        } else if (idx == SRC_OSM_ID) {
            gdir_buf_printf(&s->rv.arena, "%lld", (long long)id);
        } else {
            gdir_buf_printf(&s->rv.arena, "%s/%lld", type, (long long)id);
        }
        if (!set)
            s->rv.offsets[k] = SIZE_MAX;
        if (gdir_buf_addc(&s->rv.arena, '\0') || s->rv.arena.err) {
            imp_reject_set(&f->line_problem, IMP_R_TOO_LONG, "line", NULL,
                           "record larger than %u bytes", VALUES_MAX);
            f->has_line_problem = 1;
            gdir_buf_reset(&s->rv.arena);
            for (size_t j = 0; j < s->n_fields; j++)
                s->rv.values[j] = NULL;
            return;
        }
    }
    for (size_t k = 0; k < s->n_fields; k++)
        s->rv.values[k] = s->rv.offsets[k] == SIZE_MAX ? NULL : s->rv.arena.data + s->rv.offsets[k];
}

static void geom_problem(struct imp_feature *f, enum imp_reason reason, const char *field,
                         const char *value, const char *msg)
{
    f->has_geom_problem = 1;
    imp_reject_set(&f->geom_problem, reason, field, value, "%s", msg);
}

/* A point for a polygon or a line (the profile's "areas"); owned by the caller, or NULL. */
static OGRGeometryH area_point(const struct imp_profile *p, OGRGeometryH g)
{
    OGRGeometryH pt = NULL;
    if (p->areas == IMP_AREAS_POINT_ON_SURFACE)
        pt = OGR_G_PointOnSurface(g);   /* inside the area (GEOS) */
    if (!pt || OGR_G_IsEmpty(pt)) {
        if (pt)
            OGR_G_DestroyGeometry(pt);
        pt = OGR_G_CreateGeometry(wkbPoint);
        if (pt && OGR_G_Centroid(g, pt) != OGRERR_NONE) {
            OGR_G_DestroyGeometry(pt);
            pt = NULL;
        }
    }
    return pt;
}

static void read_point(struct ogr_reader *s, const struct layer *l, OGRFeatureH feat,
                       struct imp_feature *f)
{
    const struct imp_profile *p = s->p;
    OGRGeometryH g = OGR_F_GetGeometryRef(feat), owned = NULL;
    double x, y;

    if (!g || OGR_G_IsEmpty(g)) {
        geom_problem(f, IMP_R_MISSING_COORDS, "geometry", NULL, "no coordinates (no geometry)");
        return;
    }
    OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(g));
    if (type == wkbMultiPoint && OGR_G_GetGeometryCount(g) == 1) {
        g = OGR_G_GetGeometryRef(g, 0);
        type = wkbPoint;
    }
    if (type != wkbPoint && p->areas != IMP_AREAS_REJECT) {
        owned = area_point(p, g);
        if (!owned) {
            geom_problem(f, IMP_R_INVALID_GEOMETRY, "geometry", NULL,
                         "no point can be found for this shape");
            return;
        }
        g = owned;
        type = wkbPoint;
    }
    if (type != wkbPoint) {
        char msg[96];
        snprintf(msg, sizeof msg, "expected a Point, got a %s", OGR_G_GetGeometryName(g));
        geom_problem(f, IMP_R_INVALID_GEOMETRY, "geometry", NULL, msg);
        return;
    }
    x = OGR_G_GetX(g, 0);
    y = OGR_G_GetY(g, 0);
    if (owned)
        OGR_G_DestroyGeometry(owned);
    if (l->ct && !OCTTransform(l->ct, 1, &x, &y, NULL)) {
        geom_problem(f, IMP_R_INVALID_COORDS, "geometry", NULL,
                     "coordinates cannot be converted to WGS84");
        return;
    }
    if (!isfinite(x) || !isfinite(y) || !gdir_lonlat_valid(y, x)) {
        geom_problem(f, IMP_R_INVALID_COORDS, "geometry", NULL,
                     "latitude or longitude out of range");
        return;
    }
    f->lon = x;
    f->lat = y;
    f->has_geom = 1;
}

static void read_area(struct ogr_reader *s, const struct layer *l, OGRFeatureH feat,
                      struct imp_feature *f)
{
    OGRGeometryH g = OGR_F_GetGeometryRef(feat), c;
    OGREnvelope env;

    if (!g || OGR_G_IsEmpty(g)) {
        geom_problem(f, IMP_R_MISSING_COORDS, "geometry", NULL, "no geometry");
        return;
    }
    OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(g));
    if (type != wkbPolygon && type != wkbMultiPolygon) {
        char msg[96];
        snprintf(msg, sizeof msg, "expected a Polygon or MultiPolygon, got a %s",
                 OGR_G_GetGeometryName(g));
        geom_problem(f, IMP_R_INVALID_GEOMETRY, "geometry", NULL, msg);
        return;
    }
    c = OGR_G_Clone(g);
    if (!c) {
        geom_problem(f, IMP_R_INVALID_GEOMETRY, "geometry", NULL, "out of memory");
        return;
    }
    if (l->ct && OGR_G_Transform(c, l->ct) != OGRERR_NONE) {
        OGR_G_DestroyGeometry(c);
        geom_problem(f, IMP_R_INVALID_COORDS, "geometry", NULL,
                     "coordinates cannot be converted to WGS84");
        return;
    }
    OGR_G_FlattenTo2D(c);
    c = OGR_G_ForceToMultiPolygon(c);   /* takes ownership of c, returns the new geometry */
    OGR_G_GetEnvelope(c, &env);
    int size = OGR_G_WkbSize(c);
    if (size <= 0 || !isfinite(env.MinX) || !isfinite(env.MaxX) || !isfinite(env.MinY) ||
        !isfinite(env.MaxY)) {
        OGR_G_DestroyGeometry(c);
        geom_problem(f, IMP_R_INVALID_GEOMETRY, "geometry", NULL, "unusable polygon");
        return;
    }
    if (gdir_grow(&s->wkb, &s->wkb_cap, (size_t)size, 1)) {
        OGR_G_DestroyGeometry(c);
        geom_problem(f, IMP_R_INVALID_GEOMETRY, "geometry", NULL, "polygon too large");
        return;
    }
    OGR_G_ExportToWkb(c, wkbNDR, s->wkb);
    OGR_G_DestroyGeometry(c);
    f->wkb = s->wkb;
    f->wkb_len = (size_t)size;
    f->bbox[0] = env.MinX;
    f->bbox[1] = env.MinY;
    f->bbox[2] = env.MaxX;
    f->bbox[3] = env.MaxY;
    f->has_geom = 1;
}

/* Matches the driver's record with the scanner's, for line numbers and well-formedness. */
static int scan_record(struct ogr_reader *s, struct imp_feature *f, struct gdir_err *err)
{
    struct imp_csvrec r;
    int rc;

    if (s->scan_lost)
        return GDIR_OK;
    rc = imp_csvscan_next(s->scan, &r);
    if (rc < 0)
        return gdir_err_set(err, GDIR_EIO, "%s: read error", s->path);
    if (rc == 0) {
        s->scan_lost = 1;
        gdir_log(GDIR_LOG_WARN, "import",
                 "file=\"%s\" msg=\"GDAL read more records than the line scanner: line numbers "
                 "from here on are unknown\" feature=%ld", s->path, s->n);
        return GDIR_OK;
    }
    f->line = r.line;
    if (r.unbalanced) {
        f->has_line_problem = 1;
        imp_reject_set(&f->line_problem, IMP_R_MALFORMED, "line", NULL,
                       "malformed CSV line: unbalanced quote, the field runs to the end of the "
                       "file (%ld lines)", r.n_lines);
    } else if (r.n_fields != s->header_fields) {
        f->has_line_problem = 1;
        imp_reject_set(&f->line_problem, IMP_R_MALFORMED, "line", NULL,
                       "malformed CSV line: %ld field%s, the %s has %ld%s", r.n_fields,
                       r.n_fields == 1 ? "" : "s", s->p->no_header ? "first line" : "header",
                       s->header_fields, r.n_lines > 1 ? " (a quote may be unbalanced)" : "");
    }
    return GDIR_OK;
}

/* The next feature of a wanted layer, or NULL at the end; *li receives its layer. */
static OGRFeatureH next_feature(struct ogr_reader *s, size_t *li)
{
    OGRFeatureH feat;
    if (s->interleaved) {
        OGRLayerH h = NULL;
        while ((feat = (OGRFeatureH)GDALDatasetGetNextFeature(s->ds, &h, NULL, NULL, NULL))) {
            for (size_t i = 0; i < s->n_layers; i++)
                if (s->layers[i].h == h) {
                    *li = i;
                    return feat;
                }
            OGR_F_Destroy(feat);   /* a layer the profile does not read */
        }
        return NULL;
    }
    while (s->cur < s->n_layers) {
        feat = OGR_L_GetNextFeature(s->layers[s->cur].h);
        if (feat) {
            *li = s->cur;
            return feat;
        }
        if (s->gdal_failed)
            return NULL;
        s->cur++;
    }
    return NULL;
}

/* GDAL stopped reading the file. For a CSV the line scanner, in step with the driver, gives
 * the record it could not read: its line, and its longest field (a field over GDAL's line
 * size limit is the usual cause). Elsewhere: the feature GDAL stopped after. */
static int read_failure(struct ogr_reader *s, struct gdir_err *err)
{
    struct imp_csvrec r;
    if (!s->scan || s->scan_lost || imp_csvscan_next(s->scan, &r) != 1)
        return gdir_err_set(err, GDIR_EIO, "%s: after feature %ld: %s", s->path, s->n,
                            s->gdal_msg);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(s->layers[s->cur < s->n_layers ? s->cur : 0].h);
    const char *name = r.longest_field < OGR_FD_GetFieldCount(defn)
                           ? OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, (int)r.longest_field))
                           : "?";
    return gdir_err_set(err, GDIR_EFORMAT, "%s:%ld: field '%s' (column %ld): field too long "
                        "(%lld bytes, more than GDAL's CSV reader accepts in one record; GDAL: "
                        "%s)", s->path, r.line, name, r.longest_field + 1, r.longest,
                        s->gdal_msg);
}

static int ogr_next(void *rd, struct imp_feature *f, struct gdir_err *err)
{
    struct ogr_reader *s = rd;
    OGRFeatureH feat;
    size_t li = 0;
    int rc = 1;

    s->gdal_failed = 0;
    CPLPushErrorHandlerEx(capture_handler, s);
    feat = next_feature(s, &li);
    CPLPopErrorHandler();
    if (!feat) {
        struct imp_csvrec r;
        if (s->gdal_failed)
            return read_failure(s, err);
        if (s->scan && !s->scan_lost && imp_csvscan_next(s->scan, &r) == 1)
            gdir_log(GDIR_LOG_WARN, "import",
                     "file=\"%s\" msg=\"the line scanner found records after GDAL's last one: "
                     "line numbers may be wrong\" line=%ld", s->path, r.line);
        return 0;
    }
    s->n++;
    f->values = s->rv.values;
    if (s->scan) {
        if ((rc = scan_record(s, f, err)) < 0)
            goto out;
        rc = 1;
    } else {
        f->line = s->n;
        f->by_feature = 1;
    }
    if (s->gdal_failed && !f->has_line_problem) {
        f->has_line_problem = 1;
        imp_reject_set(&f->line_problem, IMP_R_READ, "line", NULL, "GDAL: %s", s->gdal_msg);
    }
    read_values(s, &s->layers[li], feat, f);
    if (f->has_line_problem || s->p->geom != IMP_GEOM_NATIVE)
        goto out;
    CPLPushErrorHandlerEx(capture_handler, s);
    if (s->p->kind == IMP_KIND_BOUNDARIES)
        read_area(s, &s->layers[li], feat, f);
    else if (s->p->kind == IMP_KIND_PLACES || s->p->kind == IMP_KIND_ADDRESSES)
        read_point(s, &s->layers[li], feat, f);
    CPLPopErrorHandler();
out:
    OGR_F_Destroy(feat);
    return rc;
}

const struct imp_reader_ops imp_reader_ogr = {"ogr", ogr_open, ogr_next, ogr_close};
