/*
 * imp_source_ogr.c — every GDAL/OGR call of geodir: opening a source file with its profile's
 * driver, checking the profile's fields against the layer, streaming features, converting
 * coordinates to EPSG:4326 with OGR/PROJ, and routing GDAL's messages (CPLError) into
 * gdir_log or into the current feature's problem. See imp_source.h for the contract.
 *
 * What it does not do: decide whether a row is kept (imp_record.c) or write anything.
 */
#include "imp_source.h"
#include "gdir_buf.h"
#include "gdir_geo.h"
#include "gdir_log.h"
#include "gdir_parse.h"
#include "imp_csvscan.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#define VALUES_MAX (16u * 1024 * 1024)  /* all cells of one feature together */
#define COORD_TEXT_MAX 64               /* a coordinate cell longer than this is not a number */
#define FIELD_LIST_MAX 400              /* bytes of field names quoted in "unknown field" */

struct imp_source {
    const struct imp_profile *p;   /* borrowed */
    char *path;                    /* owned copy, for messages */
    GDALDatasetH ds;
    OGRLayerH layer;               /* borrowed from ds */
    int *field_idx;                /* OGR field index of each profile slot */
    OGRCoordinateTransformationH ct; /* to EPSG:4326 lon/lat, NULL when not needed */
    struct imp_csvscan *scan;      /* CSV only: physical lines and field counts */
    long header_fields;            /* CSV only */
    int scan_lost;                 /* scanner and driver disagree: line numbers unknown */
    long n;                        /* features handed out */
    struct gdir_buf arena;         /* the current feature's values, NUL-separated */
    size_t *offsets;               /* per slot: offset in arena, or SIZE_MAX for NULL */
    const char **values;           /* per slot: pointers into arena */
    unsigned char *wkb;            /* the current feature's WKB */
    size_t wkb_cap;
    char geom_label[IMP_REJECT_FIELD_MAX]; /* field name used in geometry rejects */
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
    struct imp_source *s = CPLGetErrorHandlerUserData();
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

void imp_source_close(struct imp_source *s)
{
    if (!s)
        return;
    if (s->ds)
        GDALClose(s->ds);
    if (s->ct)
        OCTDestroyCoordinateTransformation(s->ct);
    imp_csvscan_close(s->scan);
    gdir_buf_free(&s->arena);
    free(s->field_idx);
    free(s->offsets);
    free(s->values);
    free(s->wkb);
    free(s->path);
    free(s);
}

static char *xstrdup(const char *str)
{
    size_t n = strlen(str) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, str, n);
    return d;
}

/* "<file>: mapping <profile>: unknown field 'X' (fields: a, b, c)" */
static int unknown_field(struct imp_source *s, OGRFeatureDefnH defn, const char *field,
                         struct gdir_err *err)
{
    struct gdir_buf list;
    int n = OGR_FD_GetFieldCount(defn), rc;
    gdir_buf_init(&list, 0);
    for (int i = 0; i < n; i++) {
        if (list.len > FIELD_LIST_MAX) {
            gdir_buf_adds(&list, ", ...");
            break;
        }
        if (i)
            gdir_buf_adds(&list, ", ");
        gdir_buf_adds(&list, OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)));
    }
    rc = gdir_err_set_param(err, GDIR_ECONFIG, field,
                            "%s: mapping %s: unknown field '%s' (fields: %s)", s->path,
                            s->p->name, field, gdir_buf_str(&list));
    gdir_buf_free(&list);
    return rc;
}

static int open_layer(struct imp_source *s, struct gdir_err *err)
{
    const struct imp_profile *p = s->p;
    const char *const drivers[] = {p->driver, NULL};
    struct stat st;

    if (stat(s->path, &st) != 0)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", s->path, strerror(errno));
    if (S_ISDIR(st.st_mode) && strcmp(p->driver, "ESRI Shapefile") != 0)
        return gdir_err_set(err, GDIR_EIO, "%s: is a folder, expected a file", s->path);
    if (!GDALGetDriverByName(p->driver))
        return gdir_err_set(err, GDIR_ECONFIG, "%s: mapping %s: GDAL has no driver '%s'", s->path,
                            p->name, p->driver);
    s->ds = GDALOpenEx(s->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers,
                       (const char *const *)p->open_options, NULL);
    if (!s->ds)
        return gdir_err_set(err, GDIR_EIO, "%s: cannot be read as %s%s%s", s->path, p->driver,
                            s->gdal_failed ? ": " : "", s->gdal_failed ? s->gdal_msg : "");
    if (p->layer) {
        s->layer = GDALDatasetGetLayerByName(s->ds, p->layer);
        if (!s->layer)
            return gdir_err_set(err, GDIR_ECONFIG, "%s: mapping %s: no layer '%s'", s->path,
                                p->name, p->layer);
    } else {
        if (GDALDatasetGetLayerCount(s->ds) < 1)
            return gdir_err_set(err, GDIR_EFORMAT, "%s: no layer", s->path);
        s->layer = GDALDatasetGetLayer(s->ds, 0);
    }
    return GDIR_OK;
}

/* Every slot must be a field of the layer, with exactly that name. */
static int resolve_fields(struct imp_source *s, struct gdir_err *err)
{
    const struct imp_profile *p = s->p;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(s->layer);
    int n = OGR_FD_GetFieldCount(defn);

    s->field_idx = calloc(p->n_slots + 1, sizeof *s->field_idx);
    s->offsets = calloc(p->n_slots + 1, sizeof *s->offsets);
    s->values = calloc(p->n_slots + 1, sizeof *s->values);
    if (!s->field_idx || !s->offsets || !s->values)
        return gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", s->path);
    for (size_t k = 0; k < p->n_slots; k++) {
        int idx = -1;
        for (int i = 0; i < n && idx < 0; i++)
            if (strcmp(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), p->slots[k]) == 0)
                idx = i;
        if (idx < 0)
            return unknown_field(s, defn, p->slots[k], err);
        s->field_idx[k] = idx;
    }
    return GDIR_OK;
}

/* The CSV driver guesses the separator from the header; make sure it guessed the profile's. */
static int open_csv_scan(struct imp_source *s, struct gdir_err *err)
{
    const struct imp_profile *p = s->p;
    int rc = imp_csvscan_open(&s->scan, s->path, p->separator, err);
    if (rc)
        return rc;
    s->header_fields = imp_csvscan_header_fields(s->scan);
    int gdal_fields = OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(s->layer));
    if (gdal_fields != s->header_fields)
        return gdir_err_set(err, GDIR_EFORMAT,
                            "%s:1: mapping %s: the header has %ld fields separated by '%s' but "
                            "GDAL read %d: check source.separator",
                            s->path, p->name, s->header_fields,
                            p->separator == '\t' ? "\\t" : (p->separator == ';' ? ";" : ","),
                            gdal_fields);
    return GDIR_OK;
}

static int prepare_transform(struct imp_source *s, struct gdir_err *err)
{
    const struct imp_profile *p = s->p;
    OGRSpatialReferenceH src = NULL, dst = NULL;
    int rc = GDIR_OK;

    if (p->geom == IMP_GEOM_NONE)
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
    } else if (p->geom == IMP_GEOM_NATIVE && OGR_L_GetSpatialRef(s->layer)) {
        src = OSRClone(OGR_L_GetSpatialRef(s->layer));
    }
    if (!src)
        goto out;   /* lon/lat degrees already */
    OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
    if (OSRIsSame(src, dst))
        goto out;
    s->ct = OCTNewCoordinateTransformation(src, dst);
    if (!s->ct)
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

int imp_source_open(struct imp_source **out, const char *path, const struct imp_profile *p,
                    struct gdir_err *err)
{
    struct imp_source *s;
    int rc;

    *out = NULL;
    if (!(s = calloc(1, sizeof *s)) || !(s->path = xstrdup(path))) {
        free(s);
        return gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", path);
    }
    s->p = p;
    gdir_buf_init(&s->arena, VALUES_MAX);
    if (p->geom == IMP_GEOM_LATLON || p->geom == IMP_GEOM_XY)
        snprintf(s->geom_label, sizeof s->geom_label, "%s/%s", p->slots[p->geom_slot[0]],
                 p->slots[p->geom_slot[1]]);
    else
        snprintf(s->geom_label, sizeof s->geom_label, "geometry");

    CPLPushErrorHandlerEx(capture_handler, s);
    rc = open_layer(s, err);
    if (rc == GDIR_OK)
        rc = resolve_fields(s, err);
    if (rc == GDIR_OK && strcmp(p->driver, "CSV") == 0)
        rc = open_csv_scan(s, err);
    if (rc == GDIR_OK) {
        s->gdal_failed = 0;
        rc = prepare_transform(s, err);
    }
    CPLPopErrorHandler();
    if (rc) {
        imp_source_close(s);
        return rc;
    }
    OGR_L_ResetReading(s->layer);
    *out = s;
    return GDIR_OK;
}

/* Copies the feature's cells (as text) into the arena. */
static void read_values(struct imp_source *s, OGRFeatureH feat, struct imp_feature *f)
{
    const struct imp_profile *p = s->p;
    gdir_buf_reset(&s->arena);
    for (size_t k = 0; k < p->n_slots; k++) {
        int idx = s->field_idx[k];
        if (!OGR_F_IsFieldSetAndNotNull(feat, idx)) {
            s->offsets[k] = SIZE_MAX;
            continue;
        }
        s->offsets[k] = s->arena.len;
        const char *v = OGR_F_GetFieldAsString(feat, idx);
        if (gdir_buf_adds(&s->arena, v) || gdir_buf_addc(&s->arena, '\0')) {
            imp_reject_set(&f->line_problem, IMP_R_TOO_LONG, "line", NULL,
                           "record larger than %u bytes", VALUES_MAX);
            f->has_line_problem = 1;
            gdir_buf_reset(&s->arena);
            for (size_t j = 0; j < p->n_slots; j++)
                s->values[j] = NULL;
            return;
        }
    }
    for (size_t k = 0; k < p->n_slots; k++)
        s->values[k] = s->offsets[k] == SIZE_MAX ? NULL : s->arena.data + s->offsets[k];
}

static void geom_problem(struct imp_feature *f, enum imp_reason reason, const char *field,
                         const char *value, const char *msg)
{
    f->has_geom_problem = 1;
    imp_reject_set(&f->geom_problem, reason, field, value, "%s", msg);
}

/* Parses one coordinate cell; reports the problem on f and returns -1 when unusable. */
static int parse_coord(struct imp_source *s, struct imp_feature *f, size_t slot, double *out)
{
    const char *raw = s->values[slot];
    const char *name = s->p->slots[slot];
    char text[COORD_TEXT_MAX];
    size_t n;

    while (*raw == ' ' || *raw == '\t')
        raw++;
    n = strlen(raw);
    while (n && (raw[n - 1] == ' ' || raw[n - 1] == '\t'))
        n--;
    if (n >= sizeof text) {
        geom_problem(f, IMP_R_INVALID_COORDS, name, s->values[slot], "not a number");
        return -1;
    }
    memcpy(text, raw, n);
    text[n] = '\0';
    if (gdir_parse_double(text, -1e9, 1e9, s->p->decimal_comma, out)) {
        geom_problem(f, IMP_R_INVALID_COORDS, name, s->values[slot], "not a number");
        return -1;
    }
    return 0;
}

static void read_point(struct imp_source *s, OGRFeatureH feat, struct imp_feature *f)
{
    const struct imp_profile *p = s->p;
    double x, y;

    if (p->geom == IMP_GEOM_NATIVE) {
        OGRGeometryH g = OGR_F_GetGeometryRef(feat);
        if (!g || OGR_G_IsEmpty(g)) {
            geom_problem(f, IMP_R_MISSING_COORDS, "geometry", NULL, "no coordinates (no geometry)");
            return;
        }
        OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(g));
        if (type == wkbMultiPoint && OGR_G_GetGeometryCount(g) == 1) {
            g = OGR_G_GetGeometryRef(g, 0);
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
    } else {
        /* geom_slot[0] is latitude or x, geom_slot[1] longitude or y */
        const char *a = s->values[p->geom_slot[0]], *b = s->values[p->geom_slot[1]];
        int a_empty = !a || !a[strspn(a, " \t")], b_empty = !b || !b[strspn(b, " \t")];
        double va, vb;
        if (a_empty || b_empty) {
            const char *field = a_empty && b_empty ? s->geom_label
                                : a_empty          ? p->slots[p->geom_slot[0]]
                                                   : p->slots[p->geom_slot[1]];
            geom_problem(f, IMP_R_MISSING_COORDS, field, NULL, "no coordinates");
            return;
        }
        if (parse_coord(s, f, p->geom_slot[0], &va) || parse_coord(s, f, p->geom_slot[1], &vb))
            return;
        if (p->geom == IMP_GEOM_LATLON) {
            x = vb;
            y = va;
        } else {
            x = va;
            y = vb;
        }
        if (p->geom == IMP_GEOM_LATLON && !s->ct && !gdir_lonlat_valid(y, x)) {
            geom_problem(f, IMP_R_INVALID_COORDS, s->geom_label, NULL,
                         "latitude or longitude out of range");
            return;
        }
    }
    if (s->ct && !OCTTransform(s->ct, 1, &x, &y, NULL)) {
        geom_problem(f, IMP_R_INVALID_COORDS, s->geom_label, NULL,
                     "coordinates cannot be converted to WGS84");
        return;
    }
    if (!isfinite(x) || !isfinite(y) || !gdir_lonlat_valid(y, x)) {
        geom_problem(f, IMP_R_INVALID_COORDS, s->geom_label, NULL,
                     "latitude or longitude out of range");
        return;
    }
    f->lon = x;
    f->lat = y;
    f->has_geom = 1;
}

static void read_area(struct imp_source *s, OGRFeatureH feat, struct imp_feature *f)
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
    if (s->ct && OGR_G_Transform(c, s->ct) != OGRERR_NONE) {
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
    if ((size_t)size > s->wkb_cap) {
        unsigned char *nw = realloc(s->wkb, (size_t)size);
        if (!nw) {
            OGR_G_DestroyGeometry(c);
            geom_problem(f, IMP_R_INVALID_GEOMETRY, "geometry", NULL, "polygon too large");
            return;
        }
        s->wkb = nw;
        s->wkb_cap = (size_t)size;
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
static int scan_record(struct imp_source *s, struct imp_feature *f, struct gdir_err *err)
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
                       "malformed CSV line: %ld field%s, the header has %ld%s", r.n_fields,
                       r.n_fields == 1 ? "" : "s", s->header_fields,
                       r.n_lines > 1 ? " (a quote may be unbalanced)" : "");
    }
    return GDIR_OK;
}

int imp_source_next(struct imp_source *s, struct imp_feature *f, struct gdir_err *err)
{
    OGRFeatureH feat;
    int rc = 1;

    memset(f, 0, sizeof *f);
    s->gdal_failed = 0;
    CPLPushErrorHandlerEx(capture_handler, s);
    feat = OGR_L_GetNextFeature(s->layer);
    CPLPopErrorHandler();
    if (!feat) {
        struct imp_csvrec r;
        if (s->gdal_failed)
            return gdir_err_set(err, GDIR_EIO, "%s: after feature %ld: %s", s->path, s->n,
                                s->gdal_msg);
        if (s->scan && !s->scan_lost && imp_csvscan_next(s->scan, &r) == 1)
            gdir_log(GDIR_LOG_WARN, "import",
                     "file=\"%s\" msg=\"the line scanner found records after GDAL's last one: "
                     "line numbers may be wrong\" line=%ld", s->path, r.line);
        return 0;
    }
    s->n++;
    f->values = s->values;
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
    read_values(s, feat, f);
    if (f->has_line_problem)
        goto out;
    CPLPushErrorHandlerEx(capture_handler, s);
    if (s->p->kind == IMP_KIND_BOUNDARIES)
        read_area(s, feat, f);
    else if (s->p->kind == IMP_KIND_PLACES)
        read_point(s, feat, f);
    CPLPopErrorHandler();
out:
    OGR_F_Destroy(feat);
    return rc;
}
