/*
 * imp_report.c — rejects CSV, stderr lines, the stdout summary table and the JSON report of an
 * import (see imp_report.h).
 */
#include "imp_report.h"
#include "gdir_buf.h"
#include "gdir_json.h"
#include "gdir_text.h"

#include <errno.h>
#include <string.h>

#define VALUE_MAX 200   /* bytes of a rejected cell kept in the rejects CSV */

/* Appends one CSV field, quoted when it holds a separator, a quote, a line break or outer
 * spaces (RFC 4180: quotes doubled inside). */
static void csv_field(struct gdir_buf *b, const char *s)
{
    size_t n = strlen(s);
    int quote = strpbrk(s, ",\"\r\n") != NULL || (n && (s[0] == ' ' || s[n - 1] == ' '));
    if (!quote) {
        gdir_buf_add(b, s, n);
        return;
    }
    gdir_buf_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            gdir_buf_addc(b, '"');
        gdir_buf_addc(b, *s);
    }
    gdir_buf_addc(b, '"');
}

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
    csv_field(&row, source);
    gdir_buf_addc(&row, ',');
    csv_field(&row, file);
    gdir_buf_addc(&row, ',');
    csv_field(&row, where);
    gdir_buf_addc(&row, ',');
    csv_field(&row, rej->field);
    gdir_buf_addc(&row, ',');
    csv_field(&row, rej->msg);
    gdir_buf_addc(&row, ',');
    csv_field(&row, gdir_buf_str(&val));
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

void imp_report_print(FILE *out, const struct imp_source_result *res, size_t n,
                      double total_seconds, const char *db, int ok)
{
    struct imp_counts t = {0};
    fprintf(out, "%-16s %-20s %9s %9s %9s %9s %9s %8s\n", "source", "profile", "read", "imported",
            "outside", "filtered", "rejected", "seconds");
    for (size_t i = 0; i < n; i++) {
        const struct imp_counts *c = &res[i].c;
        if (!res[i].done) {
            if (res[i].failed)
                fprintf(out, "%-16s %-20s %9ld  FAILED\n", res[i].name, res[i].profile, c->read);
            else
                fprintf(out, "%-16s %-20s  not imported\n", res[i].name, res[i].profile);
            continue;
        }
        fprintf(out, "%-16s %-20s %9ld %9ld %9ld %9ld %9ld %8.2f\n", res[i].name, res[i].profile,
                c->read, c->imported, c->outside, c->filtered, c->rejected, c->seconds);
        t.read += c->read;
        t.imported += c->imported;
        t.outside += c->outside;
        t.filtered += c->filtered;
        t.rejected += c->rejected;
        t.seconds += c->seconds;
    }
    fprintf(out, "%-16s %-20s %9ld %9ld %9ld %9ld %9ld %8.2f\n", "total", "", t.read, t.imported,
            t.outside, t.filtered, t.rejected, t.seconds);
    fprintf(out, "%s in %.2f s: %s\n", ok ? "imported" : "import FAILED", total_seconds, db);
}

static void json_counts(struct gdir_json *j, const struct imp_counts *c)
{
    gdir_json_kint(j, "read", c->read);
    gdir_json_kint(j, "imported", c->imported);
    gdir_json_kint(j, "outside_territory", c->outside);
    gdir_json_kint(j, "filtered", c->filtered);
    gdir_json_kint(j, "rejected", c->rejected);
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
        gdir_json_kstr(&j, "status", s->failed ? "failed" : s->done ? "ok" : "not_imported");
        gdir_json_kstr(&j, "error", s->failed ? s->error : NULL);
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
