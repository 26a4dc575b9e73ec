/*
 * gdir_export.c — the export library's tables (formats, licence scopes), the row source with
 * the licence split, the metadata, the streamed text writers (GeoJSON, CSV, French CSV,
 * scdl/equipements CSV, KML) and the file writer's text path and digest.
 * The GDAL formats are in gdir_export_ogr.c. See gdir_export.h for the contracts.
 */
#include "gdir_export_internal.h"

#include "gdir_address.h"
#include "gdir_csv.h"
#include "gdir_json.h"
#include "gdir_mem.h"
#include "gdir_hash.h"
#include "gdir_taxonomy.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct gdir_export_format_info formats[] = {
#define GDIR_EXPORT_X(e, name, suffix, media, dataset, streamed) \
    {name, suffix, media, dataset, streamed},
    GDIR_EXPORT_FORMATS(GDIR_EXPORT_X)
#undef GDIR_EXPORT_X
};

static const struct {
    const char *id, *title, *url;
} licences[] = {
#define GDIR_EXPORT_X(e, id, title, url) {id, title, url},
    GDIR_EXPORT_LICENCES(GDIR_EXPORT_X)
#undef GDIR_EXPORT_X
};

const struct gdir_export_format_info *gdir_export_format_get(enum gdir_export_format f)
{
    return &formats[f];
}

int gdir_export_format_find(const char *name, enum gdir_export_format *f)
{
    for (int i = 0; name && i < GDIR_EXPORT__COUNT; i++)
        if (strcmp(formats[i].name, name) == 0) {
            *f = (enum gdir_export_format)i;
            return GDIR_OK;
        }
    return GDIR_EINVAL;
}

const char *gdir_export_licence_id(enum gdir_export_licence l)
{
    return licences[l].id;
}

const char *gdir_export_licence_title(enum gdir_export_licence l)
{
    return licences[l].title;
}

const char *gdir_export_licence_url(enum gdir_export_licence l)
{
    return licences[l].url;
}

int gdir_export_licence_find(const char *id, enum gdir_export_licence *l)
{
    for (int i = 0; id && i < GDIR_EXPORT_LICENCE__COUNT; i++)
        if (strcmp(licences[i].id, id) == 0) {
            *l = (enum gdir_export_licence)i;
            return GDIR_OK;
        }
    return GDIR_EINVAL;
}

int gdir_export_file_name(enum gdir_export_format f, enum gdir_export_licence l, char *out,
                          size_t cap)
{
    int n = snprintf(out, cap, "%s-%s%s", formats[f].dataset, licences[l].id, formats[f].suffix);
    return n < 0 || (size_t)n >= cap ? GDIR_ETOOBIG : GDIR_OK;
}


/* ------------------------------------------------------------------------------------------
 * The row source
 * ---------------------------------------------------------------------------------------- */

#define ODBL "ODbL-1.0"
#define MAX_ODBL_SOURCES 64
#define ROW_TEXT_MAX (64 * 1024)          /* longest text kept per field */
#define BATCH_ARENA_MAX (256u * 1024 * 1024)

/* The columns of a row (in the order of the Q_* indexes below) and their tables. */
#define SQL_BATCH_SELECT                                                                         \
    "SELECT p.fid, p.id, p.name, p.category, p.address, p.postcode, p.insee, c.name,"            \
    "       ST_Y(p.geom), ST_X(p.geom), p.phone, p.email, p.website, p.opening_hours,"           \
    "       p.wheelchair, p.description, p.source, s.title, s.publisher, p.licence,"             \
    "       p.source_date, p.source_ids, p.refs, p.field_sources, s.licence,"                    \
    "       p.geocode_precision"                                                                 \
    "  FROM places AS p LEFT JOIN communes AS c ON c.insee = p.insee"                            \
    "                   LEFT JOIN sources AS s ON s.name = p.source"

/* One batch: the rows of GDIR_EXPORT_BATCH places, by fid after `after`. */
static const char SQL_BATCH_ALL[] =
    SQL_BATCH_SELECT
    " WHERE p.fid > ?1 ORDER BY p.fid LIMIT ?2";

/* The same for the fids of a JSON array (a slice of the caller's sorted list). */
static const char SQL_BATCH_LIST[] =
    SQL_BATCH_SELECT
    " WHERE p.fid IN (SELECT value FROM json_each(?1)) ORDER BY p.fid";

static const char SQL_ODBL_SOURCES[] =
    "SELECT name, EXISTS (SELECT 1 FROM addresses AS a WHERE a.source = sources.name)"
    "  FROM sources WHERE licence = 'ODbL-1.0'";

/* A merged place's record as read (the fallback position under Licence Ouverte). */
static const char SQL_RECORD[] =
    "SELECT lon, lat, licence, geocode_precision FROM place_sources WHERE id = ?1";

enum {
    Q_FID, Q_ID, Q_NAME, Q_CATEGORY, Q_ADDRESS, Q_POSTCODE, Q_INSEE, Q_COMMUNE, Q_LAT, Q_LON,
    Q_PHONE, Q_EMAIL, Q_WEBSITE, Q_HOURS, Q_WHEELCHAIR, Q_DESCRIPTION, Q_SOURCE, Q_TITLE,
    Q_PUBLISHER, Q_LICENCE, Q_DATE, Q_SOURCE_IDS, Q_REFS, Q_FIELD_SOURCES, Q_SOURCE_LICENCE,
    Q_PRECISION
};

/* The text members of a row held in the batch arena, in this order. */
enum {
    S_ID, S_NAME, S_ADDRESS, S_HOUSENUMBER, S_STREET, S_COMPLEMENT, S_POSTCODE, S_INSEE,
    S_COMMUNE, S_PHONE, S_EMAIL, S_WEBSITE, S_HOURS, S_WHEELCHAIR, S_DESCRIPTION, S_SOURCE,
    S_TITLE, S_PUBLISHER, S_LICENCE, S_DATE, S_SOURCE_IDS, S_REFS, S_CATEGORY, S__COUNT
};

static const size_t str_member[S__COUNT] = {
    offsetof(struct gdir_export_row, id),          offsetof(struct gdir_export_row, name),
    offsetof(struct gdir_export_row, address),     offsetof(struct gdir_export_row, housenumber),
    offsetof(struct gdir_export_row, street),      offsetof(struct gdir_export_row, complement),
    offsetof(struct gdir_export_row, postcode),
    offsetof(struct gdir_export_row, insee),       offsetof(struct gdir_export_row, commune),
    offsetof(struct gdir_export_row, phone),       offsetof(struct gdir_export_row, email),
    offsetof(struct gdir_export_row, website),     offsetof(struct gdir_export_row, opening_hours),
    offsetof(struct gdir_export_row, wheelchair),  offsetof(struct gdir_export_row, description),
    offsetof(struct gdir_export_row, source),      offsetof(struct gdir_export_row, source_title),
    offsetof(struct gdir_export_row, publisher),   offsetof(struct gdir_export_row, licence),
    offsetof(struct gdir_export_row, source_date), offsetof(struct gdir_export_row, source_ids),
    offsetof(struct gdir_export_row, refs),        offsetof(struct gdir_export_row, category),
};

#define NO_TEXT ((size_t)-1)

struct batch_row {
    int64_t fid;
    double lat, lon;
    size_t off[S__COUNT];      /* offsets into the arena, NO_TEXT for NULL */
};

struct gdir_export_src {
    sqlite3 *db;                        /* borrowed */
    enum gdir_export_licence scope;
    sqlite3_stmt *all, *list, *record;  /* owned */
    int64_t *fids;                      /* owned copy, or NULL for every place */
    size_t n_fids, next_fid;            /* list position */
    int64_t after;                      /* last fid read */
    int done;                           /* no more batches */
    char *odbl[MAX_ODBL_SOURCES];       /* names of the ODbL sources (owned) */
    size_t n_odbl;
    int odbl_addresses;                 /* an ODbL source holds address points */
    struct batch_row *rows;             /* the current batch */
    size_t n_rows, pos;
    struct gdir_buf arena;              /* the batch's text */
    struct gdir_buf tmp;                /* scratch */
    struct gdir_buf street, complement; /* scratch: the parts of an address */
    struct gdir_export_row row;         /* the row handed out */
    long long records, excluded;
};

static int src_db_fail(struct gdir_export_src *s, const char *what, struct gdir_err *err)
{
    return gdir_err_set(err, GDIR_EDB, "export: %s: %s", what, sqlite3_errmsg(s->db));
}

static int is_odbl_source(const struct gdir_export_src *s, const char *name, size_t n)
{
    for (size_t i = 0; name && i < s->n_odbl; i++)
        if (strlen(s->odbl[i]) == n && memcmp(s->odbl[i], name, n) == 0)
            return 1;
    return 0;
}

int gdir_export_src_open(struct gdir_export_src **out, sqlite3 *db,
                         enum gdir_export_licence scope, const int64_t *fids, size_t n_fids,
                         struct gdir_err *err)
{
    struct gdir_export_src *s = calloc(1, sizeof *s);
    sqlite3_stmt *st = NULL;
    int rc = GDIR_ENOMEM;

    *out = NULL;
    if (!s)
        return gdir_err_set(err, rc, "export: out of memory");
    s->db = db;
    s->scope = scope;
    gdir_buf_init(&s->arena, BATCH_ARENA_MAX);
    gdir_buf_init(&s->tmp, 4 * ROW_TEXT_MAX);
    gdir_buf_init(&s->street, 4 * ROW_TEXT_MAX);
    gdir_buf_init(&s->complement, 4 * ROW_TEXT_MAX);
    if (!(s->rows = calloc(GDIR_EXPORT_BATCH, sizeof *s->rows))) {
        gdir_err_set(err, rc, "export: out of memory");
        goto out;
    }
    if (fids) {
        if (n_fids && !(s->fids = malloc(n_fids * sizeof *fids))) {
            gdir_err_set(err, rc, "export: out of memory");
            goto out;
        }
        if (n_fids)
            memcpy(s->fids, fids, n_fids * sizeof *fids);
        s->n_fids = n_fids;
    }
    rc = GDIR_EDB;
    if (sqlite3_prepare_v3(db, fids ? SQL_BATCH_LIST : SQL_BATCH_ALL, -1,
                           SQLITE_PREPARE_PERSISTENT, fids ? &s->list : &s->all, NULL) ||
        sqlite3_prepare_v3(db, SQL_RECORD, -1, SQLITE_PREPARE_PERSISTENT, &s->record, NULL) ||
        sqlite3_prepare_v2(db, SQL_ODBL_SOURCES, -1, &st, NULL)) {
        src_db_fail(s, "prepare", err);
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        if (s->n_odbl == MAX_ODBL_SOURCES) {
            rc = gdir_err_set(err, GDIR_ETOOBIG, "export: more than %d ODbL sources",
                              MAX_ODBL_SOURCES);
            goto out;
        }
        if (!(s->odbl[s->n_odbl] = strdup(name ? name : ""))) {
            rc = gdir_err_set(err, GDIR_ENOMEM, "export: out of memory");
            goto out;
        }
        s->n_odbl++;
        if (sqlite3_column_int(st, 1))
            s->odbl_addresses = 1;
    }
    if (rc != SQLITE_DONE) {
        rc = src_db_fail(s, "sources", err);
        goto out;
    }
    rc = GDIR_OK;
out:
    sqlite3_finalize(st);
    if (rc)
        gdir_export_src_free(s);
    else
        *out = s;
    return rc;
}

void gdir_export_src_free(struct gdir_export_src *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->all);
    sqlite3_finalize(s->list);
    sqlite3_finalize(s->record);
    for (size_t i = 0; i < s->n_odbl; i++)
        free(s->odbl[i]);
    free(s->fids);
    free(s->rows);
    gdir_buf_free(&s->arena);
    gdir_buf_free(&s->tmp);
    gdir_buf_free(&s->street);
    gdir_buf_free(&s->complement);
    free(s);
}

void gdir_export_src_rewind(struct gdir_export_src *s)
{
    s->after = 0;
    s->next_fid = 0;
    s->done = 0;
    s->n_rows = s->pos = 0;
    s->records = s->excluded = 0;
}

long long gdir_export_src_records(const struct gdir_export_src *s)
{
    return s->records;
}

long long gdir_export_src_excluded(const struct gdir_export_src *s)
{
    return s->excluded;
}

/* Appends n bytes of text (capped to ROW_TEXT_MAX) to the arena; returns the offset. */
static size_t arena_put(struct gdir_export_src *s, const char *t, size_t n)
{
    size_t off = s->arena.len;
    if (!t)
        return NO_TEXT;
    if (n > ROW_TEXT_MAX)
        n = ROW_TEXT_MAX;
    gdir_buf_add(&s->arena, t, n);
    gdir_buf_addc(&s->arena, '\0');
    return off;
}

static size_t arena_col(struct gdir_export_src *s, sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    if (!t || !*t)
        return NO_TEXT;
    return arena_put(s, t, (size_t)sqlite3_column_bytes(st, col));
}

/* The source of a field of a place: field_sources' entry, else the place's source. */
static const char *field_source(const cJSON *fs, const char *field, const char *source)
{
    const cJSON *it = fs ? cJSON_GetObjectItemCaseSensitive(fs, field) : NULL;
    return cJSON_IsString(it) ? it->valuestring : source;
}

/* A position computed by geodir from address points (house number or street) may come from
 * an ODbL address source; communes' centres do not. */
static int geocoded_from_odbl(const struct gdir_export_src *s, const char *precision)
{
    return s->odbl_addresses && precision && strcmp(precision, "municipality") != 0;
}

/* Under Licence Ouverte, the position of the first non-ODbL record of a merged place
 * (source_ids in priority order). Returns 1 when found, 0 when none, or a negative code. */
static int fallback_position(struct gdir_export_src *s, const char *ids, double *lat,
                             double *lon, struct gdir_err *err)
{
    const char *p = ids;
    int found = 0, rc = GDIR_OK;
    while (p && *p && !found) {
        const char *end = strchr(p, ' '), *colon;
        size_t n = end ? (size_t)(end - p) : strlen(p);
        colon = memchr(p, ':', n);
        if (n && colon && !is_odbl_source(s, p, (size_t)(colon - p))) {
            sqlite3_bind_text(s->record, 1, p, (int)n, SQLITE_TRANSIENT);
            int step = sqlite3_step(s->record);
            if (step == SQLITE_ROW) {
                const char *lic = (const char *)sqlite3_column_text(s->record, 2);
                const char *prec = (const char *)sqlite3_column_text(s->record, 3);
                if ((!lic || strcmp(lic, ODBL) != 0) && !geocoded_from_odbl(s, prec)) {
                    *lon = sqlite3_column_double(s->record, 0);
                    *lat = sqlite3_column_double(s->record, 1);
                    found = 1;
                }
            } else if (step != SQLITE_DONE) {
                rc = src_db_fail(s, "record", err);
            }
            sqlite3_reset(s->record);
            if (rc)
                return rc;
        }
        p = end ? end + 1 : NULL;
    }
    return found;
}

/* Fields whose source field_sources may name, and the text member they fill. */
static const struct {
    const char *key;
    int col, slot;
} scoped_fields[] = {
    {"postcode", Q_POSTCODE, S_POSTCODE}, {"phone", Q_PHONE, S_PHONE},
    {"email", Q_EMAIL, S_EMAIL},          {"website", Q_WEBSITE, S_WEBSITE},
    {"opening_hours", Q_HOURS, S_HOURS},  {"wheelchair", Q_WHEELCHAIR, S_WHEELCHAIR},
    {"description", Q_DESCRIPTION, S_DESCRIPTION}, {"refs", Q_REFS, S_REFS},
};
#define N_SCOPED_FIELDS (sizeof scoped_fields / sizeof scoped_fields[0])

/* 1 when the field's source (field_sources, else the place's primary source) is ODbL. */
static int field_is_odbl(const struct gdir_export_src *s, const cJSON *fs, const char *field,
                         const char *source)
{
    const char *src = field_source(fs, field, source);
    return is_odbl_source(s, src, strlen(src));
}

/* The ids of ids (space-separated "<source>:<id>") whose source is not ODbL, into the row. */
static void keep_source_ids(struct gdir_export_src *s, struct batch_row *r, const char *ids)
{
    gdir_buf_reset(&s->tmp);
    for (const char *p = ids; p && *p;) {
        const char *end = strchr(p, ' '), *colon;
        size_t n = end ? (size_t)(end - p) : strlen(p);
        colon = memchr(p, ':', n);
        if (n && !(colon && is_odbl_source(s, p, (size_t)(colon - p)))) {
            if (s->tmp.len)
                gdir_buf_addc(&s->tmp, ' ');
            gdir_buf_add(&s->tmp, p, n);
        }
        p = end ? end + 1 : NULL;
    }
    r->off[S_SOURCE_IDS] = arena_put(s, gdir_buf_str(&s->tmp), s->tmp.len);
}

/*
 * The Licence Ouverte rule (gdir_export.h, "Licence scopes") on the current row of st: decides
 * whether the place is left out, moves its position off ODbL data, and copies into r the
 * fields, commune, source ids that are not ODbL. *licence and *addr are the row's (borrowed
 * from st) and are replaced or cleared as the rule says. Returns 1 when kept, 0 when left
 * out, or a negative code.
 */
static int take_etalab(struct gdir_export_src *s, sqlite3_stmt *st, struct batch_row *r,
                       const char *source, const char **licence, const char **addr,
                       struct gdir_err *err)
{
    const char *fs_text = (const char *)sqlite3_column_text(st, Q_FIELD_SOURCES);
    const char *prec = (const char *)sqlite3_column_text(st, Q_PRECISION);
    const char *ids = (const char *)sqlite3_column_text(st, Q_SOURCE_IDS);
    const char *id = (const char *)sqlite3_column_text(st, Q_ID);
    cJSON *fs = NULL;
    int rc = 1;

    if (fs_text && !(fs = cJSON_Parse(fs_text))) {
        rc = gdir_err_set(err, GDIR_EFORMAT, "export: place %lld: field_sources is not JSON",
                          (long long)r->fid);
        goto out;
    }
    /* A place of one ODbL record, or whose name is ODbL data, is left out. */
    if ((!fs && *licence && strcmp(*licence, ODBL) == 0) ||
        field_is_odbl(s, fs, "name", source)) {
        rc = 0;
        goto out;
    }
    if (field_is_odbl(s, fs, "geom", source) || geocoded_from_odbl(s, prec)) {
        int found = fallback_position(s, ids ? ids : id, &r->lat, &r->lon, err);
        if (found <= 0) {
            rc = found;
            goto out;
        }
    }
    for (size_t f = 0; f < N_SCOPED_FIELDS; f++)
        r->off[scoped_fields[f].slot] = field_is_odbl(s, fs, scoped_fields[f].key, source) ?
                                        NO_TEXT : arena_col(s, st, scoped_fields[f].col);
    int insee_ok = !field_is_odbl(s, fs, "insee", source);
    r->off[S_INSEE] = insee_ok ? arena_col(s, st, Q_INSEE) : NO_TEXT;
    r->off[S_COMMUNE] = insee_ok ? arena_col(s, st, Q_COMMUNE) : NO_TEXT;
    if (field_is_odbl(s, fs, "address", source))
        *addr = NULL;
    /* The row's licence: its primary record's (never ODbL here). */
    if (*licence && strcmp(*licence, ODBL) == 0) {
        const char *sl = (const char *)sqlite3_column_text(st, Q_SOURCE_LICENCE);
        *licence = sl && strcmp(sl, ODBL) != 0 ? sl : gdir_export_licence_id(s->scope);
    }
    keep_source_ids(s, r, ids ? ids : id);
out:
    cJSON_Delete(fs);
    return rc;
}

/* The ODbL scope: every field as published. */
static void take_all(struct gdir_export_src *s, sqlite3_stmt *st, struct batch_row *r)
{
    const char *ids = (const char *)sqlite3_column_text(st, Q_SOURCE_IDS);
    for (size_t f = 0; f < N_SCOPED_FIELDS; f++)
        r->off[scoped_fields[f].slot] = arena_col(s, st, scoped_fields[f].col);
    r->off[S_INSEE] = arena_col(s, st, Q_INSEE);
    r->off[S_COMMUNE] = arena_col(s, st, Q_COMMUNE);
    r->off[S_SOURCE_IDS] = ids && *ids ? arena_col(s, st, Q_SOURCE_IDS) : arena_col(s, st, Q_ID);
}

/* Address: lines joined by ", "; number, street and complement split by the address
 * normaliser (gdir_address_split: the street is the part that starts with a number or a street
 * type, not the first line). */
static int take_address(struct gdir_export_src *s, struct batch_row *r, const char *addr)
{
    struct gdir_address_parts parts;
    char num[48];
    int rc;

    r->off[S_ADDRESS] = r->off[S_HOUSENUMBER] = r->off[S_STREET] = NO_TEXT;
    r->off[S_COMPLEMENT] = NO_TEXT;
    if (!addr || !*addr)
        return GDIR_OK;
    gdir_buf_reset(&s->tmp);
    for (const char *p = addr; *p; p++)
        if (*p == '\n')
            gdir_buf_adds(&s->tmp, ", ");
        else if (*p != '\r')
            gdir_buf_addc(&s->tmp, *p);
    r->off[S_ADDRESS] = arena_put(s, gdir_buf_str(&s->tmp), s->tmp.len);
    rc = gdir_address_split(addr, &parts, &s->street, &s->complement);
    if (rc == GDIR_ENOMEM)
        return rc;
    if (rc)                     /* longer than the scratch buffers: the address column only */
        return GDIR_OK;
    if (parts.has_number) {
        size_t n = gdir_address_format_housenumber(&parts.hn, num, sizeof num);
        r->off[S_HOUSENUMBER] = arena_put(s, num, n);
    }
    if (s->street.len)
        r->off[S_STREET] = arena_put(s, gdir_buf_str(&s->street), s->street.len);
    if (s->complement.len)
        r->off[S_COMPLEMENT] = arena_put(s, gdir_buf_str(&s->complement), s->complement.len);
    return GDIR_OK;
}

/* Copies the current row of st into the batch, applying the scope (take_etalab decides, the
 * others copy). Returns 1 when kept, 0 when left out, or a negative code. */
static int take_row(struct gdir_export_src *s, sqlite3_stmt *st, struct gdir_err *err)
{
    struct batch_row *r = &s->rows[s->n_rows];
    const char *source = (const char *)sqlite3_column_text(st, Q_SOURCE);
    const char *licence = (const char *)sqlite3_column_text(st, Q_LICENCE);
    const char *addr = (const char *)sqlite3_column_text(st, Q_ADDRESS);
    size_t mark = s->arena.len;
    int rc = 1;

    r->fid = sqlite3_column_int64(st, Q_FID);
    r->lat = sqlite3_column_double(st, Q_LAT);
    r->lon = sqlite3_column_double(st, Q_LON);
    if (s->scope == GDIR_EXPORT_ODBL)
        take_all(s, st, r);
    else if ((rc = take_etalab(s, st, r, source ? source : "", &licence, &addr, err)) <= 0)
        goto out;
    r->off[S_ID] = arena_col(s, st, Q_ID);
    r->off[S_NAME] = arena_col(s, st, Q_NAME);
    r->off[S_CATEGORY] = arena_col(s, st, Q_CATEGORY);
    r->off[S_SOURCE] = arena_col(s, st, Q_SOURCE);
    r->off[S_TITLE] = arena_col(s, st, Q_TITLE);
    r->off[S_PUBLISHER] = arena_col(s, st, Q_PUBLISHER);
    r->off[S_LICENCE] = licence ? arena_put(s, licence, strlen(licence)) : NO_TEXT;
    r->off[S_DATE] = arena_col(s, st, Q_DATE);
    if (take_address(s, r, addr) || s->arena.err || s->tmp.err)
        rc = gdir_err_set(err, GDIR_ENOMEM, "export: place %lld: out of memory",
                          (long long)r->fid);
out:
    if (rc == 0 && !s->arena.err)
        s->arena.len = mark;       /* forget the text of a place left out */
    return rc;
}

/* Reads the next batch (one statement run, stepped to its end and reset). */
static int next_batch(struct gdir_export_src *s, struct gdir_err *err)
{
    sqlite3_stmt *st = s->list ? s->list : s->all;   /* list: restricted (maybe to no fid) */
    int rc = GDIR_OK, step, got = 0;

    s->n_rows = s->pos = 0;
    gdir_buf_reset(&s->arena);
    if (s->list) {
        size_t end = s->next_fid + GDIR_EXPORT_BATCH;
        if (end > s->n_fids)
            end = s->n_fids;
        gdir_buf_reset(&s->tmp);
        gdir_buf_addc(&s->tmp, '[');
        for (size_t i = s->next_fid; i < end; i++)
            gdir_buf_printf(&s->tmp, i > s->next_fid ? ",%lld" : "%lld", (long long)s->fids[i]);
        gdir_buf_addc(&s->tmp, ']');
        if (s->tmp.err)
            return gdir_err_set(err, GDIR_ENOMEM, "export: out of memory");
        if (s->next_fid >= s->n_fids) {
            s->done = 1;
            return GDIR_OK;
        }
        s->next_fid = end;
        if (end == s->n_fids)
            s->done = 1;
        sqlite3_bind_text(st, 1, gdir_buf_str(&s->tmp), (int)s->tmp.len, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_int64(st, 1, s->after);
        sqlite3_bind_int(st, 2, GDIR_EXPORT_BATCH);
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        got++;
        s->after = sqlite3_column_int64(st, Q_FID);
        int kept = take_row(s, st, err);
        if (kept < 0) {
            rc = kept;
            break;
        }
        if (kept)
            s->n_rows++;
        else
            s->excluded++;
    }
    if (!rc && step != SQLITE_DONE)
        rc = src_db_fail(s, "read places", err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (!s->list && got < GDIR_EXPORT_BATCH)
        s->done = 1;
    return rc;
}

int gdir_export_src_next(struct gdir_export_src *s, const struct gdir_export_row **row,
                         struct gdir_err *err)
{
    int rc;
    while (s->pos == s->n_rows) {
        if (s->done)
            return 0;
        if ((rc = next_batch(s, err)))
            return rc;
    }
    const struct batch_row *b = &s->rows[s->pos++];
    struct gdir_export_row *r = &s->row;
    memset(r, 0, sizeof *r);
    r->fid = b->fid;
    r->lat = b->lat;
    r->lon = b->lon;
    for (int i = 0; i < S__COUNT; i++)
        *(const char **)(void *)((char *)r + str_member[i]) =
            b->off[i] == NO_TEXT ? NULL : s->arena.data + b->off[i];
    /* Category: top level and leaf, with their labels (static taxonomy strings). */
    const struct gdir_category *cat = r->category ? gdir_category_find(r->category) : NULL;
    if (cat && cat->parent) {
        const struct gdir_category *top = gdir_category_find(cat->parent);
        r->subcategory = cat->code;
        r->subcategory_label = cat->label;
        r->category = cat->parent;
        r->category_label = top ? top->label : NULL;
    } else if (cat) {
        r->category = cat->code;
        r->category_label = cat->label;
    }
    s->records++;
    *row = r;
    return 1;
}

int gdir_export_count(sqlite3 *db, enum gdir_export_licence scope, const int64_t *fids,
                      size_t n_fids, long long *records, long long *excluded,
                      struct gdir_err *err)
{
    struct gdir_export_src *s = NULL;
    const struct gdir_export_row *row;
    int rc = gdir_export_src_open(&s, db, scope, fids, n_fids, err);
    *records = *excluded = 0;
    while (!rc && (rc = gdir_export_src_next(s, &row, err)) == 1)
        rc = 0;
    if (!rc) {
        *records = s->records;
        *excluded = s->excluded;
    }
    gdir_export_src_free(s);
    return rc;
}

/* ------------------------------------------------------------------------------------------
 * Metadata
 * ---------------------------------------------------------------------------------------- */

static const char SQL_META[] = "SELECT value FROM meta WHERE key = ?1";
static const char SQL_SOURCES[] =
    "SELECT name, title, publisher, licence, data_date, url FROM sources ORDER BY rowid";

static char *meta_value(sqlite3 *db, const char *key)
{
    sqlite3_stmt *st = NULL;
    char *v = NULL;
    if (sqlite3_prepare_v2(db, SQL_META, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
            v = strdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return v;
}

static char *json_strdup(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(it) && it->valuestring[0] ? strdup(it->valuestring) : NULL;
}

static char *col_dup(sqlite3_stmt *st, int col, int *fail)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    char *d;
    if (!t || !*t)
        return NULL;
    if (!(d = strdup(t)))
        *fail = 1;
    return d;
}

int gdir_export_meta_load(struct gdir_export_meta *m, sqlite3 *db,
                          enum gdir_export_licence scope, struct gdir_err *err)
{
    return gdir_export_meta_build(m, db, scope, NULL, NULL, err);
}

int gdir_export_meta_build(struct gdir_export_meta *m, sqlite3 *db,
                           enum gdir_export_licence scope, const char *territory_json,
                           const char *generated, struct gdir_err *err)
{
    char *territory = NULL;
    cJSON *t = NULL;
    const cJSON *od;
    sqlite3_stmt *st = NULL;
    struct gdir_buf b;
    int rc = GDIR_ENOMEM, fail = 0, step;
    size_t n_odbl = 0, cap = 0;   /* m->sources is empty */

    memset(m, 0, sizeof *m);
    m->licence = scope;
    m->excluded = -1;
    gdir_buf_init(&b, 1024 * 1024);
    territory = territory_json ? strdup(territory_json) : meta_value(db, "territory");
    if (!territory || !(t = cJSON_Parse(territory))) {
        rc = gdir_err_set(err, GDIR_EDB, "export: the database has no territory description");
        goto out;
    }
    od = cJSON_GetObjectItemCaseSensitive(t, "open_data");
    m->publisher = json_strdup(t, "name");
    m->publisher_siren = json_strdup(t, "epci_siren");
    m->publisher_siret = json_strdup(od, "publisher_siret");
    m->title = json_strdup(od, "title");
    m->description = json_strdup(od, "description");
    m->generated = generated ? strdup(generated) : meta_value(db, "built_at");
    if (!m->publisher || !m->publisher_siren) {
        rc = gdir_err_set(err, GDIR_EDB, "export: territory description without name or SIREN");
        goto out;
    }
    if (!m->title) {
        gdir_buf_printf(&b, "Annuaire des lieux et services – %s", m->publisher);
        if (!(m->title = gdir_buf_steal(&b, NULL)))
            goto nomem;
    }
    if (!m->description && !(m->description = strdup(m->title)))
        goto nomem;
    if (!m->generated && !(m->generated = strdup("")))
        goto nomem;

    if (sqlite3_prepare_v2(db, SQL_SOURCES, -1, &st, NULL) != SQLITE_OK) {
        rc = gdir_err_set(err, GDIR_EDB, "export: sources: %s", sqlite3_errmsg(db));
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *lic = (const char *)sqlite3_column_text(st, 3);
        int odbl = lic && strcmp(lic, ODBL) == 0;
        n_odbl += odbl;
        if (odbl && scope != GDIR_EXPORT_ODBL)
            continue;
        if (gdir_grow(&m->sources, &cap, m->n_sources + 1, sizeof *m->sources))
            goto nomem;
        struct gdir_export_source_info *si = &m->sources[m->n_sources++];
        si->name = col_dup(st, 0, &fail);
        si->title = col_dup(st, 1, &fail);
        si->publisher = col_dup(st, 2, &fail);
        si->licence = col_dup(st, 3, &fail);
        si->date = col_dup(st, 4, &fail);
        si->url = col_dup(st, 5, &fail);
        if (fail)
            goto nomem;
    }
    if (step != SQLITE_DONE) {
        rc = gdir_err_set(err, GDIR_EDB, "export: sources: %s", sqlite3_errmsg(db));
        goto out;
    }

    /* Attribution: "<publisher>, d'après <publisher> (<title>, <licence>, <date>) ; …". */
    gdir_buf_reset(&b);
    gdir_buf_printf(&b, "%s – %s, d'après : ", m->publisher, m->title);
    for (size_t i = 0; i < m->n_sources; i++) {
        const struct gdir_export_source_info *si = &m->sources[i];
        gdir_buf_printf(&b, "%s%s (%s, %s%s%s)", i ? " ; " : "",
                        si->publisher ? si->publisher : si->name,
                        si->title ? si->title : si->name, si->licence ? si->licence : "?",
                        si->date ? ", mise à jour du " : "", si->date ? si->date : "");
    }
    if (m->generated[0])
        gdir_buf_printf(&b, ". Base constituée le %.10s.", m->generated);
    if (!(m->attribution = gdir_buf_steal(&b, NULL)))
        goto nomem;
    if (scope == GDIR_EXPORT_ETALAB)
        gdir_buf_printf(&b, "Cet export est publié sous Licence Ouverte 2.0 : il ne contient "
                        "aucune donnée sous licence ODbL. Les lieux connus uniquement par des "
                        "sources sous ODbL (OpenStreetMap, BANO…) en sont exclus, ainsi que les "
                        "informations qui en proviennent pour les lieux fusionnés%s. L'export "
                        "sous ODbL contient tous les lieux.",
                        n_odbl ? "" : " (cette base n'a aucune source sous ODbL)");
    else
        gdir_buf_adds(&b, "Cet export est publié sous ODbL 1.0 (Open Database License) : il "
                      "contient tous les lieux, y compris ceux issus d'OpenStreetMap ou de la "
                      "BANO ; toute base dérivée doit être partagée sous la même licence, avec "
                      "mention des sources. Chaque lieu indique la licence de son "
                      "enregistrement d'origine (champ licence).");
    if (!(m->note = gdir_buf_steal(&b, NULL)))
        goto nomem;
    rc = GDIR_OK;
    goto out;
nomem:
    rc = gdir_err_set(err, GDIR_ENOMEM, "export: metadata: out of memory");
out:
    sqlite3_finalize(st);
    cJSON_Delete(t);
    free(territory);
    gdir_buf_free(&b);
    if (rc)
        gdir_export_meta_free(m);
    return rc;
}

void gdir_export_meta_free(struct gdir_export_meta *m)
{
    if (!m)
        return;
    free(m->title);
    free(m->description);
    free(m->publisher);
    free(m->publisher_siren);
    free(m->publisher_siret);
    free(m->generated);
    for (size_t i = 0; i < m->n_sources; i++) {
        free(m->sources[i].name);
        free(m->sources[i].title);
        free(m->sources[i].publisher);
        free(m->sources[i].licence);
        free(m->sources[i].date);
        free(m->sources[i].url);
    }
    free(m->sources);
    free(m->attribution);
    free(m->note);
    memset(m, 0, sizeof *m);
    m->excluded = -1;
}

int gdir_export_licence_text(const struct gdir_export_meta *m, struct gdir_buf *out)
{
    gdir_buf_printf(out, "%s\n\nProducteur : %s (SIREN %s)\n", m->title, m->publisher,
                    m->publisher_siren);
    gdir_buf_printf(out, "Licence : %s (%s)\n%s\n", gdir_export_licence_title(m->licence),
                    gdir_export_licence_id(m->licence), gdir_export_licence_url(m->licence));
    if (m->generated && m->generated[0])
        gdir_buf_printf(out, "Date de la base : %s\n", m->generated);
    gdir_buf_adds(out, "\nSources :\n");
    for (size_t i = 0; i < m->n_sources; i++) {
        const struct gdir_export_source_info *si = &m->sources[i];
        gdir_buf_printf(out, "- %s : %s (%s), licence %s", si->name, si->title ? si->title : "",
                        si->publisher ? si->publisher : "", si->licence ? si->licence : "?");
        if (si->date)
            gdir_buf_printf(out, ", mise à jour du %s", si->date);
        if (si->url)
            gdir_buf_printf(out, ", %s", si->url);
        gdir_buf_addc(out, '\n');
    }
    gdir_buf_printf(out, "\nMention à reprendre : %s\n", m->attribution ? m->attribution : "");
    if (m->note)
        gdir_buf_printf(out, "\n%s\n", m->note);
    if (m->excluded >= 0)
        gdir_buf_printf(out, "Lieux exclus de cet export par la licence : %lld.\n", m->excluded);
    return out->err;
}

/* ------------------------------------------------------------------------------------------
 * Streamed text writers
 * ---------------------------------------------------------------------------------------- */

/* The columns of the csv / csv-fr exports and, without latitude/longitude, the GeoJSON and
 * KML properties (the same names as the API's place properties where they exist). */
enum {
    F_ID, F_NAME, F_CATEGORY, F_CATEGORY_LABEL, F_SUBCATEGORY, F_SUBCATEGORY_LABEL, F_ADDRESS,
    F_HOUSENUMBER, F_STREET, F_COMPLEMENT, F_POSTCODE, F_COMMUNE, F_INSEE, F_LAT, F_LON,
    F_PHONE, F_EMAIL, F_WEBSITE, F_HOURS, F_WHEELCHAIR, F_DESCRIPTION, F_SOURCE,
    F_SOURCE_TITLE, F_PUBLISHER, F_LICENCE, F_SOURCE_DATE, F_SOURCE_IDS, F_REFS, F__COUNT
};

static const char *const field_names[F__COUNT] = {
    "id", "name", "category", "category_label", "subcategory", "subcategory_label", "address",
    "housenumber", "street", "complement", "postcode", "commune", "insee", "latitude",
    "longitude", "phone",
    "email", "website", "opening_hours", "wheelchair", "description", "source", "source_title",
    "publisher", "licence", "source_date", "source_ids", "refs"};

/* The header of the French spreadsheet CSV (csv-fr), field by field: the table of
 * docs/exports.md, which exports.full checks against the file. */
static const char *const field_names_fr[F__COUNT] = {
    "Identifiant", "Nom", "Catégorie", "Libellé de la catégorie", "Sous-catégorie",
    "Libellé de la sous-catégorie", "Adresse", "Numéro", "Voie", "Complément d'adresse",
    "Code postal", "Commune",
    "Code INSEE", "Latitude", "Longitude", "Téléphone", "Courriel", "Site web",
    "Horaires d'ouverture", "Accès en fauteuil roulant", "Description", "Source",
    "Titre de la source", "Éditeur", "Licence", "Date de la source", "Identifiants d'origine",
    "Références"};

static const char *row_text(const struct gdir_export_row *r, int f)
{
    switch (f) {
    case F_ID: return r->id;
    case F_NAME: return r->name;
    case F_CATEGORY: return r->category;
    case F_CATEGORY_LABEL: return r->category_label;
    case F_SUBCATEGORY: return r->subcategory;
    case F_SUBCATEGORY_LABEL: return r->subcategory_label;
    case F_ADDRESS: return r->address;
    case F_HOUSENUMBER: return r->housenumber;
    case F_STREET: return r->street;
    case F_COMPLEMENT: return r->complement;
    case F_POSTCODE: return r->postcode;
    case F_COMMUNE: return r->commune;
    case F_INSEE: return r->insee;
    case F_PHONE: return r->phone;
    case F_EMAIL: return r->email;
    case F_WEBSITE: return r->website;
    case F_HOURS: return r->opening_hours;
    case F_WHEELCHAIR: return r->wheelchair;
    case F_DESCRIPTION: return r->description;
    case F_SOURCE: return r->source;
    case F_SOURCE_TITLE: return r->source_title;
    case F_PUBLISHER: return r->publisher;
    case F_LICENCE: return r->licence;
    case F_SOURCE_DATE: return r->source_date;
    case F_SOURCE_IDS: return r->source_ids;
    case F_REFS: return r->refs;
    default: return NULL;
    }
}

void gdir_export_meta_members(struct gdir_json *j, const struct gdir_export_meta *m,
                              const long long counts[2])
{
    gdir_json_kstr(j, "title", m->title);
    gdir_json_kstr(j, "description", m->description);
    gdir_json_key(j, "publisher");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "name", m->publisher);
    gdir_json_kstr(j, "siren", m->publisher_siren);
    gdir_json_obj_end(j);
    gdir_json_key(j, "licence");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "id", gdir_export_licence_id(m->licence));
    gdir_json_kstr(j, "title", gdir_export_licence_title(m->licence));
    gdir_json_kstr(j, "url", gdir_export_licence_url(m->licence));
    gdir_json_obj_end(j);
    gdir_json_kstr(j, "attribution", m->attribution);
    gdir_json_kstr(j, "note", m->note);
    gdir_json_kstr(j, "generated", m->generated);
    if (counts) {
        gdir_json_kint(j, "records", counts[0]);
        gdir_json_kint(j, "excluded", counts[1]);
    }
    gdir_json_key(j, "sources");
    gdir_json_arr_begin(j);
    for (size_t i = 0; i < m->n_sources; i++) {
        const struct gdir_export_source_info *si = &m->sources[i];
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "name", si->name);
        gdir_json_kstr(j, "title", si->title);
        gdir_json_kstr(j, "publisher", si->publisher);
        gdir_json_kstr(j, "licence", si->licence);
        gdir_json_kstr(j, "date", si->date);
        gdir_json_kstr(j, "url", si->url);
        gdir_json_obj_end(j);
    }
    gdir_json_arr_end(j);
}

int gdir_export_field_count(void)
{
    return F__COUNT;
}

const char *gdir_export_field_name(int f)
{
    return field_names[f];
}

const char *gdir_export_field_text(const struct gdir_export_row *r, int f)
{
    return row_text(r, f);
}

int gdir_export_field_is_coord(int f)
{
    return f == F_LAT || f == F_LON;
}

/* A coordinate with 7 decimals (about 1 cm), trailing zeros trimmed, with `point` as the
 * decimal separator; no printf, so no locale. */
static size_t fmt_coord(char *out, double v, char point)
{
    char digits[32];
    size_t n = 0, k = 0;
    if (!(v == v) || v > 1e9 || v < -1e9)
        v = 0;
    int neg = v < 0;
    long long q = (long long)((neg ? -v : v) * 1e7 + 0.5);
    long long ip = q / 10000000, fp = q % 10000000;
    if (neg && q)
        out[n++] = '-';
    do {
        digits[k++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (k)
        out[n++] = digits[--k];
    if (fp) {
        char f[7];
        for (int i = 6; i >= 0; i--, fp /= 10)
            f[i] = (char)('0' + fp % 10);
        int last = 6;
        while (f[last] == '0')
            last--;
        out[n++] = point;
        for (int i = 0; i <= last; i++)
            out[n++] = f[i];
    }
    out[n] = '\0';
    return n;
}

/* "a,b": two coordinates as fmt_coord writes them with a '.' point (SCDL lat,lon; KML lon,lat). */
static void put_coord_pair(struct gdir_buf *out, double a, double b)
{
    char c[32];
    fmt_coord(c, a, '.');
    gdir_buf_adds(out, c);
    gdir_buf_addc(out, ',');
    fmt_coord(c, b, '.');
    gdir_buf_adds(out, c);
}

static void xml_text(struct gdir_buf *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        switch (*p) {
        case '&': gdir_buf_adds(out, "&amp;"); break;
        case '<': gdir_buf_adds(out, "&lt;"); break;
        case '>': gdir_buf_adds(out, "&gt;"); break;
        case '"': gdir_buf_adds(out, "&quot;"); break;
        default:
            /* XML 1.0 allows no control character but tab, LF, CR. */
            if (*p >= 0x20 || *p == '\t' || *p == '\n' || *p == '\r')
                gdir_buf_addc(out, (char)*p);
            else
                gdir_buf_addc(out, ' ');
        }
    }
}

/* --- GeoJSON --- */

static void geojson_begin(const struct gdir_export_meta *m, struct gdir_buf *out)
{
    struct gdir_json j;
    gdir_buf_adds(out, "{\"type\":\"FeatureCollection\"");
    gdir_json_init_members(&j, out, 1);
    gdir_json_kstr(&j, "name", "places");
    gdir_export_meta_members(&j, m, NULL);
    if (gdir_json_error(&j) && !out->err)
        out->err = gdir_json_error(&j);
    gdir_buf_adds(out, ",\"features\":[\n");
}

static void geojson_row(long long n, const struct gdir_export_row *r, struct gdir_buf *out)
{
    struct gdir_json j;
    char c[32];
    if (n)
        gdir_buf_adds(out, ",\n");
    gdir_json_init(&j, out);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "type", "Feature");
    gdir_json_kstr(&j, "id", r->id);
    gdir_json_key(&j, "geometry");
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "type", "Point");
    gdir_json_key(&j, "coordinates");
    gdir_json_arr_begin(&j);
    fmt_coord(c, r->lon, '.');
    gdir_json_raw(&j, c);
    fmt_coord(c, r->lat, '.');
    gdir_json_raw(&j, c);
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    gdir_json_key(&j, "properties");
    gdir_json_obj_begin(&j);
    for (int f = 0; f < F__COUNT; f++)
        if (f != F_LAT && f != F_LON)
            gdir_json_kstr(&j, field_names[f], row_text(r, f));
    gdir_json_obj_end(&j);
    gdir_json_obj_end(&j);
    if (gdir_json_error(&j) && !out->err)
        out->err = gdir_json_error(&j);
}

/* --- CSV and French CSV --- */

/* The dialect of the two CSV formats: the French one for csv-fr, RFC 4180 for csv. */
static enum gdir_csv_dialect csv_dialect(enum gdir_export_format f)
{
    return f == GDIR_EXPORT_CSV_FR ? GDIR_CSV_FR : GDIR_CSV_RFC4180;
}

static void csv_header(struct gdir_buf *out, enum gdir_csv_dialect d)
{
    char sep = gdir_csv_sep(d);
    gdir_csv_begin(out, d);
    for (int f = 0; f < F__COUNT; f++) {
        if (f)
            gdir_buf_addc(out, sep);
        gdir_buf_adds(out, d == GDIR_CSV_FR ? field_names_fr[f] : field_names[f]);
    }
    gdir_buf_adds(out, GDIR_CSV_EOL);
}

static void csv_row(const struct gdir_export_row *r, struct gdir_buf *out,
                    enum gdir_csv_dialect d)
{
    char c[32], sep = gdir_csv_sep(d), point = gdir_csv_point(d);
    for (int f = 0; f < F__COUNT; f++) {
        if (f)
            gdir_buf_addc(out, sep);
        if (f == F_LAT || f == F_LON) {
            fmt_coord(c, f == F_LAT ? r->lat : r->lon, point);
            gdir_buf_adds(out, c);
        } else {
            gdir_csv_field(out, row_text(r, f), sep);
        }
    }
    gdir_buf_adds(out, GDIR_CSV_EOL);
}

/* --- scdl/equipements --- */

static const char *const scdl_columns =
    "COLL_NOM,COLL_SIRET,EQUIP_UID,EQUIP_THEME,EQUIP_CODE,EQUIP_TYPE,EQUIP_NOM,ADR_NUMERO,"
    "ADR_NOMVOIE,ADR_CODEPOSTAL,ADR_COMMUNE,ADR_CLE_INTEROP,ERP_ID,ERP_TYPE,ERP_CATEGORIE,"
    "EQUIP_LAT,EQUIP_LONG,EQUIP_OUVERTURE,EQUIP_TEL,EQUIP_EMAIL,EQUIP_WEB\r\n";

/* The schema's ten themes, numbered in its order (the first two digits of EQUIP_CODE). */
static const char *const scdl_themes[10] = {
    "Equipement administratif", "Equipement de justice", "Equipement sanitaire",
    "Equipement social et d'animation", "Equipement sportif et de loisirs",
    "Equipement d'enseignement", "Equipement cultuel", "Equipement culturel",
    "Equipement de mobilité", "Autre équipement"};

/* Our categories that are public facilities, and their theme (index in scdl_themes).
 * Shops, private health practices and associations are not facilities and are left out. */
static const struct {
    const char *category;
    int theme;
} scdl_map[] = {
    {"public-services", 0}, {"town-hall", 0}, {"epci-office", 0}, {"france-services", 0},
    {"post-office", 0}, {"waste", 0}, {"other-public-service", 0}, {"gendarmerie", 1},
    {"hospital", 2}, {"health-centre", 2}, {"social-services", 3}, {"care-home", 3},
    {"after-school", 3}, {"childcare", 3}, {"sports", 4}, {"primary-school", 5},
    {"secondary-school", 5}, {"education", 5}, {"worship", 6}, {"culture-venue", 7},
    {"library", 7}, {"station", 8}, {"carpool", 8}, {"mobility", 8},
};

static int scdl_theme(const struct gdir_export_row *r)
{
    const char *code = r->subcategory ? r->subcategory : r->category;
    for (size_t i = 0; code && i < sizeof scdl_map / sizeof scdl_map[0]; i++)
        if (strcmp(scdl_map[i].category, code) == 0)
            return scdl_map[i].theme;
    return -1;
}

/* Text restricted to the schema's patterns: letters, digits (when digits), '-', '\'' (when
 * apos), spaces and U+00C0..U+00FF; anything else becomes a space (runs collapsed). */
static void scdl_clean(struct gdir_buf *out, const char *s, int digits, int apos)
{
    size_t start = out->len;
    int space = 1;
    for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
        int keep = 0;
        size_t n = 1;
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-' ||
            (digits && *p >= '0' && *p <= '9') || (apos && *p == '\''))
            keep = 1;
        else if (*p == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF)   /* U+00C0..U+00FF */
            keep = 1, n = 2;
        else if (apos && p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0x99) {   /* ’ -> ' */
            gdir_buf_addc(out, '\'');
            space = 0;
            p += 3;
            continue;
        } else if (*p >= 0x80) {
            while (p[n] >= 0x80 && p[n] < 0xC0)   /* skip the whole character */
                n++;
        }
        if (keep) {
            gdir_buf_add(out, p, n);
            space = 0;
        } else if (!space) {
            gdir_buf_addc(out, ' ');
            space = 1;
        }
        p += n;
    }
    while (out->len > start && out->data[out->len - 1] == ' ')
        out->len--;
    if (out->data)
        out->data[out->len] = '\0';
}

/* "+33 XXXXXXXXX" from a French number, else nothing (the schema's format, 13 characters). */
static void scdl_phone(struct gdir_buf *out, const char *s)
{
    char d[16];
    size_t n = 0;
    for (const char *p = s; p && *p && n < sizeof d - 1; p++)
        if (*p >= '0' && *p <= '9')
            d[n++] = *p;
        else if (*p != ' ' && *p != '.' && *p != '-' && *p != '+')
            return;
    d[n] = '\0';
    if (n == 10 && d[0] == '0')
        gdir_buf_printf(out, "+33 %s", d + 1);
    else if (n == 11 && d[0] == '3' && d[1] == '3')
        gdir_buf_printf(out, "+33 %s", d + 2);
}

static int scdl_row(struct gdir_export_text *w, const struct gdir_export_row *r,
                    struct gdir_buf *out)
{
    const struct gdir_export_meta *m = w->meta;
    int theme = scdl_theme(r);
    size_t k;
    char code[32];
    struct gdir_buf tmp;

    if (theme < 0 || !r->insee || strlen(r->insee) != 5 || !r->postcode ||
        strlen(r->postcode) != 5) {
        w->skipped++;
        return 0;
    }
    for (k = 0; k < w->n_scdl && strcmp(w->scdl[k].insee, r->insee) != 0; k++)
        ;
    if (k == w->n_scdl) {
        if (k == GDIR_EXPORT_SCDL_COMMUNES) {
            w->skipped++;
            return 0;
        }
        memcpy(w->scdl[k].insee, r->insee, 6);
        memset(w->scdl[k].seq, 0, sizeof w->scdl[k].seq);
        w->n_scdl++;
    }
    if (w->scdl[k].seq[theme] >= 999) {
        w->skipped++;
        return 0;
    }
    unsigned seq = ++w->scdl[k].seq[theme];
    /* EQUIP_CODE: the theme's family code (level 1 of the nomenclature, two digits then
     * zeros) and the order number within the commune and theme. */
    snprintf(code, sizeof code, "%02d000000-%03u", theme + 1, seq);
    gdir_buf_init(&tmp, 64 * 1024);
    gdir_csv_field(out, m->publisher, ',');
    gdir_buf_addc(out, ',');
    gdir_buf_adds(out, m->publisher_siret);
    gdir_buf_printf(out, ",%s-%s,", r->insee, code);
    gdir_csv_field(out, scdl_themes[theme], ',');
    gdir_buf_printf(out, ",%s,", code);
    scdl_clean(&tmp, r->subcategory_label ? r->subcategory_label : r->category_label, 1, 1);
    gdir_csv_field(out, gdir_buf_str(&tmp), ',');
    gdir_buf_addc(out, ',');
    gdir_csv_field(out, r->name, ',');
    gdir_buf_addc(out, ',');
    if (r->housenumber)             /* no number: empty (the schema gives no stand-in) */
        gdir_buf_adds(out, r->housenumber);
    gdir_buf_addc(out, ',');
    gdir_buf_reset(&tmp);
    scdl_clean(&tmp, r->street, 1, 1);
    if (tmp.len < 3) {          /* no street: the commune stands for the lieu-dit */
        gdir_buf_reset(&tmp);
        scdl_clean(&tmp, r->commune ? r->commune : r->insee, 1, 1);
    }
    gdir_csv_field(out, gdir_buf_str(&tmp), ',');
    gdir_buf_printf(out, ",%s,", r->postcode);
    gdir_buf_reset(&tmp);
    scdl_clean(&tmp, r->commune ? r->commune : "", 0, 0);
    gdir_csv_field(out, gdir_buf_str(&tmp), ',');
    gdir_buf_adds(out, ",,,,,");   /* ADR_CLE_INTEROP, ERP_ID, ERP_TYPE, ERP_CATEGORIE */
    put_coord_pair(out, r->lat, r->lon);
    gdir_buf_addc(out, ',');
    gdir_csv_field(out, r->opening_hours, ',');
    gdir_buf_addc(out, ',');
    gdir_buf_reset(&tmp);
    scdl_phone(&tmp, r->phone);
    gdir_buf_adds(out, gdir_buf_str(&tmp));
    gdir_buf_addc(out, ',');
    if (r->email && strchr(r->email, '@') && !strpbrk(r->email, " ,\"<>"))
        gdir_buf_adds(out, r->email);
    gdir_buf_addc(out, ',');
    if (r->website && (!strncmp(r->website, "http://", 7) || !strncmp(r->website, "https://", 8)))
        gdir_csv_field(out, r->website, ',');
    gdir_buf_adds(out, GDIR_CSV_EOL);
    int rc = tmp.err;
    gdir_buf_free(&tmp);
    if (rc && !out->err)
        out->err = rc;
    return 1;
}

/* --- KML --- */

/* One <Data> element; an empty one for NULL, so that every placemark has every column. */
static void kml_data(struct gdir_buf *out, const char *name, const char *value)
{
    gdir_buf_printf(out, "<Data name=\"%s\"><value>", name);
    xml_text(out, value);
    gdir_buf_adds(out, "</value></Data>");
}

static void kml_begin(const struct gdir_export_meta *m, struct gdir_buf *out)
{
    struct gdir_buf text;
    gdir_buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n<Document>\n<name>");
    xml_text(out, m->title);
    gdir_buf_adds(out, "</name>\n<description>");
    gdir_buf_init(&text, 1024 * 1024);
    gdir_export_licence_text(m, &text);
    xml_text(out, gdir_buf_str(&text));
    gdir_buf_free(&text);
    gdir_buf_adds(out, "</description>\n<ExtendedData>");
    kml_data(out, "licence", gdir_export_licence_id(m->licence));
    kml_data(out, "licence_title", gdir_export_licence_title(m->licence));
    kml_data(out, "licence_url", gdir_export_licence_url(m->licence));
    kml_data(out, "publisher", m->publisher);
    kml_data(out, "publisher_siren", m->publisher_siren);
    kml_data(out, "attribution", m->attribution);
    kml_data(out, "generated", m->generated);
    gdir_buf_adds(out, "</ExtendedData>\n<Folder><name>places</name>\n");
}

static void kml_row(const struct gdir_export_row *r, struct gdir_buf *out)
{
    gdir_buf_adds(out, "<Placemark><name>");
    xml_text(out, r->name);
    gdir_buf_adds(out, "</name><ExtendedData>");
    for (int f = 0; f < F__COUNT; f++)
        if (f != F_LAT && f != F_LON && f != F_NAME)   /* the name is <name> */
            kml_data(out, field_names[f], row_text(r, f));
    gdir_buf_adds(out, "</ExtendedData><Point><coordinates>");
    put_coord_pair(out, r->lon, r->lat);
    gdir_buf_adds(out, "</coordinates></Point></Placemark>\n");
}

int gdir_export_text_begin(struct gdir_export_text *w, enum gdir_export_format f,
                           const struct gdir_export_meta *m, struct gdir_buf *out)
{
    memset(w, 0, offsetof(struct gdir_export_text, scdl));
    w->format = f;
    w->meta = m;
    if ((int)f < 0 || f >= GDIR_EXPORT__COUNT || !formats[f].streamed)
        return GDIR_EINVAL;
    if (f == GDIR_EXPORT_SCDL && (!m->publisher_siret || !m->publisher_siret[0]))
        return GDIR_ECONFIG;
    switch (f) {
    case GDIR_EXPORT_GEOJSON:
        geojson_begin(m, out);
        break;
    case GDIR_EXPORT_CSV:
    case GDIR_EXPORT_CSV_FR:
        csv_header(out, csv_dialect(f));
        break;
    case GDIR_EXPORT_SCDL:
        gdir_buf_adds(out, scdl_columns);
        break;
    case GDIR_EXPORT_KML:
        kml_begin(m, out);
        break;
    default:
        return GDIR_EINVAL;
    }
    w->begun = 1;
    return out->err;
}

int gdir_export_text_row(struct gdir_export_text *w, const struct gdir_export_row *r,
                         struct gdir_buf *out)
{
    if (!w->begun)
        return GDIR_EINVAL;
    switch (w->format) {
    case GDIR_EXPORT_GEOJSON:
        geojson_row(w->rows, r, out);
        break;
    case GDIR_EXPORT_CSV:
    case GDIR_EXPORT_CSV_FR:
        csv_row(r, out, csv_dialect(w->format));
        break;
    case GDIR_EXPORT_SCDL:
        if (!scdl_row(w, r, out))
            return out->err;
        break;
    case GDIR_EXPORT_KML:
        kml_row(r, out);
        break;
    default:
        return GDIR_EINVAL;
    }
    w->rows++;
    return out->err;
}

int gdir_export_text_end(struct gdir_export_text *w, long long excluded, struct gdir_buf *out)
{
    if (!w->begun)
        return GDIR_EINVAL;
    if (w->format == GDIR_EXPORT_GEOJSON) {
        gdir_buf_printf(out, "\n],\"records\":%lld", w->rows);
        if (excluded >= 0)
            gdir_buf_printf(out, ",\"excluded\":%lld", excluded);
        gdir_buf_adds(out, "}\n");
    } else if (w->format == GDIR_EXPORT_KML) {
        gdir_buf_adds(out, "</Folder>\n</Document>\n</kml>\n");
    }
    w->begun = 0;
    return out->err;
}

/* ------------------------------------------------------------------------------------------
 * Files
 * ---------------------------------------------------------------------------------------- */

#define FILE_CHUNK (64 * 1024)

static int flush_buf(FILE *f, struct gdir_buf *b, const char *path, struct gdir_err *err)
{
    if (b->err)
        return gdir_err_set(err, b->err, "export: %s: buffer", path);
    if (b->len && fwrite(b->data, 1, b->len, f) != b->len)
        return gdir_err_set(err, GDIR_EIO, "export: %s: %s", path, strerror(errno));
    gdir_buf_reset(b);
    return GDIR_OK;
}

static int write_text_file(enum gdir_export_format fmt, const char *path,
                           struct gdir_export_src *src, const struct gdir_export_meta *m,
                           long long *records, struct gdir_err *err)
{
    struct gdir_export_text *w = NULL;
    const struct gdir_export_row *row;
    struct gdir_buf b;
    FILE *f = NULL;
    int rc;

    gdir_buf_init(&b, 16 * FILE_CHUNK);
    if (!(w = malloc(sizeof *w))) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "export: out of memory");
        goto out;
    }
    if (!(f = fopen(path, "wb"))) {
        rc = gdir_err_set(err, GDIR_EIO, "export: %s: %s", path, strerror(errno));
        goto out;
    }
    if ((rc = gdir_export_text_begin(w, fmt, m, &b))) {
        gdir_err_set(err, rc, "export: %s: %s", path, rc == GDIR_ECONFIG ?
                     "scdl-equipements needs open_data.publisher_siret" : "cannot begin");
        goto out;
    }
    while ((rc = gdir_export_src_next(src, &row, err)) == 1) {
        if ((rc = gdir_export_text_row(w, row, &b))) {
            gdir_err_set(err, rc, "export: %s: row %s", path, row->id);
            goto out;
        }
        if (b.len >= FILE_CHUNK && (rc = flush_buf(f, &b, path, err)))
            goto out;
    }
    if (rc < 0)
        goto out;
    if ((rc = gdir_export_text_end(w, gdir_export_src_excluded(src), &b)) ||
        (rc = flush_buf(f, &b, path, err)))
        goto out;
    *records = w->rows;
out:
    if (f && fclose(f) != 0 && !rc)
        rc = gdir_err_set(err, GDIR_EIO, "export: %s: %s", path, strerror(errno));
    gdir_buf_free(&b);
    free(w);
    return rc;
}

int gdir_export_write_file(enum gdir_export_format f, const char *path,
                           struct gdir_export_src *src, const struct gdir_export_meta *m,
                           struct gdir_export_result *res, struct gdir_err *err)
{
    int rc;
    memset(res, 0, sizeof *res);
    if ((int)f < 0 || f >= GDIR_EXPORT__COUNT)
        return gdir_err_set(err, GDIR_EINVAL, "export: unknown format");
    gdir_export_src_rewind(src);
    if (formats[f].streamed)
        rc = write_text_file(f, path, src, m, &res->records, err);
    else
        rc = gdir_export_ogr_write(f, path, src, m, &res->records, err);
    if (!rc) {
        res->excluded = gdir_export_src_excluded(src);
        rc = gdir_sha256_file(path, res->sha256, &res->size, err);
    }
    if (rc)
        remove(path);
    return rc;
}
