/*
 * imp_report.c — rejects CSV, stderr lines, the stdout summary table and the JSON report of an
 * import (see imp_report.h).
 */
#include "imp_report.h"
#include "gdir_buf.h"
#include "gdir_csv.h"
#include "gdir_json.h"
#include "gdir_text.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define VALUE_MAX 200   /* bytes of a rejected cell kept in the rejects CSV */
#define JSON_ITEMS_BYTES (4u * 1024 * 1024)

const char *const imp_geo_precision_names[IMP_GEO__COUNT] = {"housenumber", "street",
                                                             "municipality"};

static const char SQL_WARNINGS[] =
    "SELECT source, file, line, id, kind, insee, distance_m, lat, lon, message"
    " FROM import_warnings ORDER BY source, rowid";
static const char SQL_MERGES[] =
    "SELECT m.kept_id, m.merged_id, m.rule, m.distance_m, m.similarity, k.name, r.name"
    " FROM place_merges AS m LEFT JOIN place_sources AS k ON k.id = m.kept_id"
    " LEFT JOIN place_sources AS r ON r.id = m.merged_id ORDER BY m.rowid";

/* Length of the UTF-8 sequence starting at s (1..4) when it is valid, else 0. */
static size_t utf8_seq(const char *s, size_t avail)
{
    unsigned char c = (unsigned char)s[0];
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || n > avail || !gdir_utf8_valid(s, n))
        return 0;
    return n;
}

/* The cell as kept in the rejects CSV: at most VALUE_MAX source bytes, cut on a character
 * boundary, invalid bytes written as \xNN so that the file stays valid UTF-8. */
static void safe_value(struct gdir_buf *b, const char *v)
{
    size_t len = strlen(v), used = 0;
    while (used < len) {
        size_t n = utf8_seq(v + used, len - used);
        if (n == 0) {
            if (used + 1 > VALUE_MAX)
                break;
            gdir_buf_printf(b, "\\x%02X", (unsigned char)v[used]);
            used++;
            continue;
        }
        if (used + n > VALUE_MAX)
            break;
        gdir_buf_add(b, v + used, n);
        used += n;
    }
}

static void location(char *out, size_t size, long loc, int by_feature)
{
    if (loc <= 0)
        snprintf(out, size, "?");
    else if (by_feature)
        snprintf(out, size, "feature %ld", loc);
    else
        snprintf(out, size, "%ld", loc);
}

int imp_report_open(struct imp_report *r, const char *rejects_path, int quiet,
                    struct gdir_err *err)
{
    memset(r, 0, sizeof *r);
    r->rejects_path = rejects_path;
    r->quiet = quiet;
    r->rejects = fopen(rejects_path, "w");
    if (!r->rejects)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", rejects_path, strerror(errno));
    if (fputs("source,file,line,field,reason,value\r\n", r->rejects) == EOF) {
        fclose(r->rejects);
        r->rejects = NULL;
        return gdir_err_set(err, GDIR_EIO, "%s: write error", rejects_path);
    }
    return GDIR_OK;
}

void imp_report_source_begin(struct imp_report *r)
{
    r->stderr_lines = 0;
    r->stderr_hidden = 0;
}

void imp_report_source_end(struct imp_report *r, const char *file)
{
    if (r->stderr_hidden)
        fprintf(stderr, "%s: %ld more rejected rows, listed in %s\n", file, r->stderr_hidden,
                r->rejects_path);
}

int imp_report_reject(struct imp_report *r, const char *source, const char *file, long loc,
                      int by_feature, const struct imp_reject *rej, struct gdir_err *err)
{
    struct gdir_buf row, val;
    char where[32];
    int rc = GDIR_OK;

    location(where, sizeof where, loc, by_feature);
    if (!r->quiet) {
        if (r->stderr_lines < IMP_REPORT_STDERR_MAX) {
            fprintf(stderr, "%s:%s: %s: %s\n", file, where, rej->field, rej->msg);
            r->stderr_lines++;
        } else {
            r->stderr_hidden++;
        }
    }
    if (!r->rejects)
        return GDIR_OK;
    gdir_buf_init(&row, 0);
    gdir_buf_init(&val, 0);
    safe_value(&val, rej->value ? rej->value : "");
    gdir_csv_field(&row, source, ',');
    gdir_buf_addc(&row, ',');
    gdir_csv_field(&row, file, ',');
    gdir_buf_addc(&row, ',');
    gdir_csv_field(&row, where, ',');
    gdir_buf_addc(&row, ',');
    gdir_csv_field(&row, rej->field, ',');
    gdir_buf_addc(&row, ',');
    gdir_csv_field(&row, rej->msg, ',');
    gdir_buf_addc(&row, ',');
    gdir_csv_field(&row, gdir_buf_str(&val), ',');
    gdir_buf_adds(&row, "\r\n");
    if (row.err || fwrite(row.data, 1, row.len, r->rejects) != row.len)
        rc = gdir_err_set(err, GDIR_EIO, "%s: write error", r->rejects_path);
    gdir_buf_free(&row);
    gdir_buf_free(&val);
    return rc;
}

int imp_report_close(struct imp_report *r, struct gdir_err *err)
{
    int rc = GDIR_OK;
    if (!r->rejects)
        return GDIR_OK;
    if (fclose(r->rejects) != 0)
        rc = gdir_err_set(err, GDIR_EIO, "%s: write error", r->rejects_path);
    r->rejects = NULL;
    return rc;
}

void imp_report_extra_init(struct imp_report_extra *x)
{
    memset(x, 0, sizeof *x);
    x->mode = "full";
    gdir_buf_init(&x->warnings_json, JSON_ITEMS_BYTES);
    gdir_buf_init(&x->merges_json, JSON_ITEMS_BYTES);
}

void imp_report_extra_free(struct imp_report_extra *x)
{
    gdir_buf_free(&x->warnings_json);
    gdir_buf_free(&x->merges_json);
}

static void csv_text(struct gdir_buf *row, const unsigned char *s, int last)
{
    gdir_csv_field(row, s ? (const char *)s : "", ',');
    gdir_buf_adds(row, last ? "\r\n" : ",");
}

static void csv_num(struct gdir_buf *row, sqlite3_stmt *st, int col, int decimals, int last)
{
    if (sqlite3_column_type(st, col) != SQLITE_NULL)
        gdir_buf_printf(row, "%.*f", decimals, sqlite3_column_double(st, col));
    gdir_buf_adds(row, last ? "\r\n" : ",");
}

static void json_text(struct gdir_json *j, const char *key, sqlite3_stmt *st, int col)
{
    gdir_json_kstr(j, key, (const char *)sqlite3_column_text(st, col));
}

static void json_num(struct gdir_json *j, const char *key, sqlite3_stmt *st, int col, int dec)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL) {
        gdir_json_key(j, key);
        gdir_json_null(j);
    } else {
        gdir_json_knum(j, key, sqlite3_column_double(st, col), dec);
    }
}

/* A column of a report table: its name (JSON key; the CSV header says the same) and, for a
 * number, its decimals (-1: text). A table ends with a NULL name. */
struct report_col {
    const char *name;
    int decimals;
};

static const struct report_col warning_cols[] = {
    {"source", -1}, {"file", -1}, {"line", -1}, {"id", -1}, {"kind", -1}, {"insee", -1},
    {"distance_m", 0}, {"lat", 7}, {"lon", 7}, {"message", -1}, {NULL, 0}};

static const struct report_col merge_cols[] = {
    {"kept_id", -1}, {"merged_id", -1}, {"rule", -1}, {"distance_m", 1}, {"similarity", 3},
    {"kept_name", -1}, {"merged_name", -1}, {NULL, 0}};

/* The row st holds, column c of st being cols[c]: a CSV line into row and, when j is not
 * NULL, a JSON object into j. */
static void emit_row(sqlite3_stmt *st, struct gdir_buf *row, struct gdir_json *j,
                     const struct report_col *cols)
{
    for (int c = 0; cols[c].name; c++) {
        int last = !cols[c + 1].name;
        if (cols[c].decimals < 0)
            csv_text(row, sqlite3_column_text(st, c), last);
        else
            csv_num(row, st, c, cols[c].decimals, last);
    }
    if (!j)
        return;
    gdir_json_obj_begin(j);
    for (int c = 0; cols[c].name; c++) {
        if (cols[c].decimals < 0)
            json_text(j, cols[c].name, st, c);
        else
            json_num(j, cols[c].name, st, c, cols[c].decimals);
    }
    gdir_json_obj_end(j);
}

/* Streams the rows of sql into a CSV (header first) and the first rows into a JSON array;
 * emit writes one row both ways. */
typedef void emit_fn(sqlite3_stmt *st, struct gdir_buf *row, struct gdir_json *j,
                     struct imp_report_extra *x);

static int dump(sqlite3 *db, const char *sql, const char *path, const char *header,
                emit_fn *emit, struct gdir_buf *json, struct imp_report_extra *x,
                struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    struct gdir_buf row;
    struct gdir_json j;
    FILE *f = NULL;
    long n = 0;
    int rc = GDIR_OK, step;

    gdir_buf_init(&row, 0);
    gdir_buf_reset(json);
    gdir_json_init(&j, json);
    gdir_json_arr_begin(&j);
    if (path && !(f = fopen(path, "w"))) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (f && fputs(header, f) == EOF) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: write error", path);
        goto out;
    }
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = gdir_err_set(err, GDIR_EDB, "report: %s", sqlite3_errmsg(db));
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        gdir_buf_reset(&row);
        emit(st, &row, n < IMP_REPORT_JSON_ITEMS_MAX ? &j : NULL, x);
        n++;
        if (row.err || (f && fwrite(row.data, 1, row.len, f) != row.len)) {
            rc = gdir_err_set(err, GDIR_EIO, "%s: write error", path);
            goto out;
        }
    }
    if (step != SQLITE_DONE)
        rc = gdir_err_set(err, GDIR_EDB, "report: %s", sqlite3_errmsg(db));
out:
    gdir_json_arr_end(&j);
    sqlite3_finalize(st);
    if (f && fclose(f) != 0 && rc == GDIR_OK)
        rc = gdir_err_set(err, GDIR_EIO, "%s: write error", path);
    gdir_buf_free(&row);
    return rc;
}

static void emit_warning(sqlite3_stmt *st, struct gdir_buf *row, struct gdir_json *j,
                         struct imp_report_extra *x)
{
    const char *kind = (const char *)sqlite3_column_text(st, 4);
    x->warnings++;
    if (kind && !strcmp(kind, "outside_commune"))
        x->warnings_outside++;
    else if (kind && !strcmp(kind, "point_replaced"))
        x->warnings_replaced++;
    else if (kind && !strcmp(kind, "override_not_found"))
        x->warnings_overrides++;
    emit_row(st, row, j, warning_cols);
}

static void emit_merge(sqlite3_stmt *st, struct gdir_buf *row, struct gdir_json *j,
                       struct imp_report_extra *x)
{
    const char *rule = (const char *)sqlite3_column_text(st, 2);
    x->merge_by_rule[rule && !strcmp(rule, "ref") ? 1 : 0]++;
    emit_row(st, row, j, merge_cols);
}

int imp_report_tables(sqlite3 *db, const char *warnings_path, const char *merges_path,
                      struct imp_report_extra *x, struct gdir_err *err)
{
    int rc;
    x->warnings = x->warnings_outside = x->warnings_replaced = x->warnings_overrides = 0;
    x->merge_by_rule[0] = x->merge_by_rule[1] = 0;
    if ((rc = dump(db, SQL_WARNINGS, warnings_path,
                   "source,file,line,id,kind,insee,distance_m,lat,lon,message\r\n", emit_warning,
                   &x->warnings_json, x, err)) ||
        (rc = dump(db, SQL_MERGES, merges_path,
                   "kept_id,merged_id,rule,distance_m,similarity,kept_name,merged_name\r\n",
                   emit_merge, &x->merges_json, x, err)))
        return rc;
    x->warnings_path = warnings_path;
    x->merges_path = merges_path;
    x->tables_done = 1;
    return GDIR_OK;
}

void imp_report_print(FILE *out, const struct imp_source_result *res, size_t n,
                      const struct imp_report_extra *x, double total_seconds, const char *db,
                      int ok)
{
    struct imp_counts t = {0};
    long geocoded = 0;
    fprintf(out, "%-16s %-20s %9s %9s %9s %9s %9s %9s %9s %8s\n", "source", "profile", "read",
            "imported", "outside", "filtered", "rejected", "geocoded", "warnings", "seconds");
    for (size_t i = 0; i < n; i++) {
        const struct imp_counts *c = &res[i].c;
        long g = 0;
        if (!res[i].done) {
            if (res[i].failed)
                fprintf(out, "%-16s %-20s %9ld  FAILED\n", res[i].name, res[i].profile, c->read);
            else
                fprintf(out, "%-16s %-20s  not imported\n", res[i].name, res[i].profile);
            continue;
        }
        for (int k = 0; k < IMP_GEO__COUNT; k++)
            g += c->geocoded[k];
        if (res[i].kept)
            fprintf(out, "%-16s %-20s %9ld %9ld %9s %9s %9ld %9s %9ld %8s\n", res[i].name,
                    res[i].profile, c->read, c->imported, "-", "-", c->rejected, "-", c->warnings,
                    "kept");
        else
            fprintf(out, "%-16s %-20s %9ld %9ld %9ld %9ld %9ld %9ld %9ld %8.2f\n", res[i].name,
                    res[i].profile, c->read, c->imported, c->outside, c->filtered, c->rejected, g,
                    c->warnings, c->seconds);
        t.read += c->read;
        t.imported += c->imported;
        t.outside += c->outside;
        t.filtered += c->filtered;
        t.rejected += c->rejected;
        t.warnings += c->warnings;
        t.seconds += c->seconds;
        for (int k = 0; k < IMP_GEO__COUNT; k++)
            t.geocoded[k] += c->geocoded[k];
        geocoded += g;
    }
    fprintf(out, "%-16s %-20s %9ld %9ld %9ld %9ld %9ld %9ld %9ld %8.2f\n", "total", "", t.read,
            t.imported, t.outside, t.filtered, t.rejected, geocoded, t.warnings, t.seconds);
    for (size_t i = 0; i < n; i++)
        if (res[i].guard[0])
            fprintf(out, "guard: %s: %s: %s\n", res[i].name, res[i].guard,
                    res[i].guard_accepted ? "published (--accept-shrink)" : "REFUSED");
    if (geocoded)
        fprintf(out, "geocoded: %ld (housenumber %ld, street %ld, municipality %ld)\n", geocoded,
                t.geocoded[IMP_GEO_HOUSENUMBER], t.geocoded[IMP_GEO_STREET],
                t.geocoded[IMP_GEO_MUNICIPALITY]);
    if (x && x->tables_done) {
        fprintf(out, "places: %ld records -> %ld places (%ld merged into %ld places: rule ref %ld,"
                     " name %ld)%s%s\n",
                x->places_before, x->places_after, x->merged, x->merge_groups,
                x->merge_by_rule[1], x->merge_by_rule[0], x->merged ? "; see " : "",
                x->merged ? x->merges_path : "");
        if (x->warnings)
            fprintf(out, "warnings: %ld (outside their commune %ld, point replaced %ld, "
                         "override not found %ld); see %s\n",
                    x->warnings, x->warnings_outside, x->warnings_replaced, x->warnings_overrides,
                    x->warnings_path);
        if (x->overrides)
            fprintf(out, "overrides: %ld added, %ld fixed, %ld hidden, %ld not found (%s)\n",
                    x->ovr_added, x->ovr_fixed, x->ovr_hidden, x->ovr_not_found, x->overrides);
    }
    fprintf(out, "%s in %.2f s: %s\n", ok ? "imported" : "import FAILED", total_seconds, db);
}

static void json_counts(struct gdir_json *j, const struct imp_counts *c)
{
    gdir_json_kint(j, "read", c->read);
    gdir_json_kint(j, "imported", c->imported);
    gdir_json_kint(j, "outside_territory", c->outside);
    gdir_json_kint(j, "filtered", c->filtered);
    gdir_json_kint(j, "rejected", c->rejected);
    gdir_json_kint(j, "warnings", c->warnings);
    gdir_json_key(j, "geocoded");
    gdir_json_obj_begin(j);
    for (int k = 0; k < IMP_GEO__COUNT; k++)
        gdir_json_kint(j, imp_geo_precision_names[k], c->geocoded[k]);
    gdir_json_obj_end(j);
}

static void json_extra(struct gdir_json *j, const struct imp_report_extra *x)
{
    gdir_json_kstr(j, "mode", x->mode);
    gdir_json_key(j, "refreshed");
    if (x->refreshed) {
        gdir_json_arr_begin(j);
        for (const char *const *s = x->refreshed; *s; s++)
            gdir_json_str(j, *s);
        gdir_json_arr_end(j);
    } else {
        gdir_json_null(j);
    }
    if (!x->tables_done)
        return;
    gdir_json_key(j, "merging");
    gdir_json_obj_begin(j);
    gdir_json_kint(j, "records", x->places_before);
    gdir_json_kint(j, "places", x->places_after);
    gdir_json_kint(j, "groups", x->merge_groups);
    gdir_json_kint(j, "merged", x->merged);
    gdir_json_key(j, "merged_by_rule");
    gdir_json_obj_begin(j);
    gdir_json_kint(j, "ref", x->merge_by_rule[1]);
    gdir_json_kint(j, "name", x->merge_by_rule[0]);
    gdir_json_obj_end(j);
    gdir_json_kstr(j, "file", x->merges_path);
    gdir_json_key(j, "items");
    gdir_json_raw(j, x->merges_json.len ? gdir_buf_str(&x->merges_json) : "[]");
    gdir_json_obj_end(j);
    gdir_json_key(j, "warnings");
    gdir_json_obj_begin(j);
    gdir_json_kint(j, "count", x->warnings);
    gdir_json_key(j, "by_kind");
    gdir_json_obj_begin(j);
    gdir_json_kint(j, "outside_commune", x->warnings_outside);
    gdir_json_kint(j, "point_replaced", x->warnings_replaced);
    gdir_json_kint(j, "override_not_found", x->warnings_overrides);
    gdir_json_obj_end(j);
    gdir_json_kstr(j, "file", x->warnings_path);
    gdir_json_key(j, "items");
    gdir_json_raw(j, x->warnings_json.len ? gdir_buf_str(&x->warnings_json) : "[]");
    gdir_json_obj_end(j);
    gdir_json_key(j, "overrides");
    if (!x->overrides) {
        gdir_json_null(j);
        return;
    }
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "file", x->overrides);
    gdir_json_kint(j, "added", x->ovr_added);
    gdir_json_kint(j, "fixed", x->ovr_fixed);
    gdir_json_kint(j, "hidden", x->ovr_hidden);
    gdir_json_kint(j, "not_found", x->ovr_not_found);
    gdir_json_obj_end(j);
}

int imp_report_write_json(const char *path, const struct imp_report_info *info,
                          const struct imp_source_result *res, size_t n, struct gdir_err *err)
{
    struct gdir_buf b;
    struct gdir_json j;
    struct imp_counts t = {0};
    FILE *f = NULL;
    int rc = GDIR_OK;

    for (size_t i = 0; i < n; i++) {
        t.read += res[i].c.read;
        t.imported += res[i].c.imported;
        t.outside += res[i].c.outside;
        t.filtered += res[i].c.filtered;
        t.rejected += res[i].c.rejected;
        t.warnings += res[i].c.warnings;
        for (int k = 0; k < IMP_GEO__COUNT; k++)
            t.geocoded[k] += res[i].c.geocoded[k];
    }
    gdir_buf_init(&b, 0);
    gdir_json_init(&j, &b);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "status", info->ok ? "ok" : "failed");
    gdir_json_kstr(&j, "error", info->error);
    gdir_json_kstr(&j, "config", info->config);
    gdir_json_kstr(&j, "db", info->db);
    gdir_json_kstr(&j, "rejects", info->rejects);
    gdir_json_kstr(&j, "started_at", info->started_at);
    gdir_json_knum(&j, "seconds", info->seconds, 3);
    if (info->extra)
        json_extra(&j, info->extra);
    gdir_json_key(&j, "totals");
    gdir_json_obj_begin(&j);
    json_counts(&j, &t);
    gdir_json_obj_end(&j);
    gdir_json_key(&j, "sources");
    gdir_json_arr_begin(&j);
    for (size_t i = 0; i < n; i++) {
        const struct imp_source_result *s = &res[i];
        gdir_json_obj_begin(&j);
        gdir_json_kstr(&j, "name", s->name);
        gdir_json_kstr(&j, "profile", s->profile);
        gdir_json_kstr(&j, "kind", s->kind);
        gdir_json_kstr(&j, "file", s->file);
        gdir_json_kstr(&j, "status", s->failed ? "failed"
                                     : s->kept  ? "kept"
                                     : s->done  ? "ok"
                                                : "not_imported");
        gdir_json_kstr(&j, "error", s->failed ? s->error : NULL);
        gdir_json_key(&j, "guard");    /* null when the guard had nothing to say */
        if (s->guard[0]) {
            gdir_json_obj_begin(&j);
            gdir_json_kstr(&j, "reason", s->guard);
            gdir_json_kbool(&j, "accepted", s->guard_accepted);
            gdir_json_obj_end(&j);
        } else {
            gdir_json_null(&j);
        }
        json_counts(&j, &s->c);
        gdir_json_key(&j, "rejected_by_reason");
        gdir_json_obj_begin(&j);
        for (int k = 0; k < IMP_R__COUNT; k++)
            if (s->c.by_reason[k])
                gdir_json_kint(&j, imp_reason_code((enum imp_reason)k), s->c.by_reason[k]);
        gdir_json_obj_end(&j);
        gdir_json_knum(&j, "seconds", s->c.seconds, 3);
        gdir_json_obj_end(&j);
    }
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    if (gdir_json_error(&j) || gdir_buf_addc(&b, '\n')) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    if (!(f = fopen(path, "w"))) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (fwrite(b.data, 1, b.len, f) != b.len)
        rc = gdir_err_set(err, GDIR_EIO, "%s: write error", path);
    if (fclose(f) != 0 && rc == GDIR_OK)
        rc = gdir_err_set(err, GDIR_EIO, "%s: write error", path);
out:
    gdir_buf_free(&b);
    return rc;
}
