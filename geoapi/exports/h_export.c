/*
 * h_export.c — GET /api/export: every place matched by the place search's filters, in one
 * format and under one licence scope, through the export library (common/gdir_export.h).
 *
 *   1. Parameters: format (required), licence (etalab-2.0 by default: the open licence, ODbL
 *      data left out and said so), and the filters of /api/places with the same getters and
 *      errors (no sort, paging, facets or properties: rows go in fid order).
 *   2. A dedicated read-only connection (api_db_open) is opened for the request: it pins the
 *      database generation (after a swap the download goes on reading the file it started
 *      from, which stays readable while open) and is never the worker's pooled connection,
 *      so the next requests of that worker are not disturbed. The search runs on it
 *      (api_search_run with on_match: every matching fid, not a page), then it is switched to
 *      locking_mode=NORMAL and mmap_size=0: between two batches of the row source no
 *      statement is active, no read transaction is open, no lock is held, and the pages read
 *      are not mapped into the server's memory.
 *   3. Streamed formats (geojson, csv, csv-fr, scdl-equipements, kml): an api_stream whose
 *      read callback fills ~64 KiB from the row source and the text writer; memory stays
 *      flat (a batch of rows, the buffer, and the fid array of a filtered export: 8 bytes a
 *      place). At most max_export_streams at once.
 *   4. Binary formats (gpkg, xlsx, shp, fgb): written by the library into a private folder
 *      under export_tmp_dir (mkdtemp), opened, then unlinked at once — the descriptor keeps
 *      the data until it is sent, and no file is left behind on any path (error, HEAD, 304,
 *      client gone). At most max_export_jobs at once (the slot is kept until the file is
 *      sent); the file is built in the handler, which occupies that worker thread meanwhile.
 *   Full: 503 ServiceUnavailable (the server adds Retry-After).
 */
#include "api_dbpool.h"
#include "api_handlers.h"
#include "api_params.h"
#include "api_search.h"
#include "gdir_export.h"
#include "gdir_log.h"
#include "h_download.h"
#include "gdir_mem.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (64u * 1024u)                 /* bytes produced per fill of a stream */
#define TEXT_BUF_MAX (16u * 1024u * 1024u)  /* cap of the stream's buffer (one huge row) */

static atomic_long n_streams;   /* streamed exports in progress */
static atomic_long n_jobs;      /* binary exports in progress (built or being sent) */

/* Takes a slot of counter (at most max in use); 0 when none is free. */
static int slot_take(atomic_long *counter, long max)
{
    if (atomic_fetch_add(counter, 1) >= max) {
        atomic_fetch_sub(counter, 1);
        return 0;
    }
    return 1;
}

static void slot_give(atomic_long *counter)
{
    atomic_fetch_sub(counter, 1);
}

/* ---- parameters ------------------------------------------------------------------------ */

struct export_request {
    struct api_search_params p;
    struct api_filter_store st;
    enum gdir_export_format format;
    enum gdir_export_licence licence;
    int filtered;   /* a filter was given: a search picks the fids */
};

static int read_format(const struct api_request *req, struct export_request *s,
                       struct gdir_err *err)
{
    const char *v = api_param(req, "format");
    char expected[300];
    size_t o = 0;

    if (v && gdir_export_format_find(v, &s->format) == 0)
        return GDIR_OK;
    o += (size_t)snprintf(expected, sizeof expected, "expected one of ");
    for (int f = 0; f < GDIR_EXPORT__COUNT && o < sizeof expected; f++)
        o += (size_t)snprintf(expected + o, sizeof expected - o, "%s%s", f ? ", " : "",
                              gdir_export_format_get((enum gdir_export_format)f)->name);
    if (!v)
        return gdir_err_set_param(err, GDIR_EINVAL, "format", "format: required, %s",
                                  expected);
    return api_param_invalid(err, "format", v, expected);
}

static int read_params(const struct api_request *req, struct export_request *s,
                       struct gdir_err *err)
{
    struct api_search_params *p = &s->p;
    const char *lic;
    int rc;

    memset(s, 0, sizeof *s);
    if ((rc = read_format(req, s, err)))
        return rc;
    lic = api_param(req, "licence");
    s->licence = GDIR_EXPORT_ETALAB;
    if (lic && gdir_export_licence_find(lic, &s->licence) != 0)
        return api_param_invalid(err, "licence", lic, "expected etalab-2.0 or ODbL-1.0");

    if ((rc = api_filters_read(req, API_FILTER_BBOX | API_FILTER_OPEN_AT, p, &s->st,
                               p->categories, &p->n_categories, err)))
        return rc;
    /* A point alone is a proximity search (as /api/places); the default order (no error). */
    api_point_radius(req, p, p->text != NULL);
    if ((rc = api_sort_settle(p, -1, p->text != NULL, "sort", err)))
        return rc;
    p->limit = 1;   /* the page is not used: on_match collects every place */
    s->filtered = p->has_point || p->has_bbox || p->text || p->n_categories ||
                  p->n_communes || p->open_filter;
    return GDIR_OK;
}

/* ---- the matching fids ------------------------------------------------------------------ */

struct fid_list {
    int64_t *a;   /* owned */
    size_t n, cap;
};

static int on_match(void *cls, long long fid)
{
    struct fid_list *l = cls;
    if (gdir_grow(&l->a, &l->cap, l->n + 1, sizeof *l->a))
        return GDIR_ENOMEM;
    l->a[l->n++] = fid;
    return GDIR_OK;
}

static int fid_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Runs the search on db: l receives every matching fid, sorted, without duplicates. */
static int search_fids(const struct api_ctx *ctx, struct api_db *db, struct export_request *s,
                       struct fid_list *l, struct gdir_err *err)
{
    struct api_search_result r;
    size_t o = 0;
    int rc;

    for (size_t i = 0; i < s->p.n_communes; i++) {
        int member;
        if ((rc = api_q_commune_member(db, s->p.communes[i], &member, err)))
            return rc;
        if (!member)
            return api_param_invalid(err, "commune", s->p.communes[i],
                                     "expected INSEE codes of member communes");
    }
    s->p.on_match = on_match;
    s->p.match_cls = l;
    rc = api_search_run(db, ctx->calendar, &s->p, &r, err);
    api_search_result_free(&r);
    if (rc)
        return rc;
    if (!l->a && !(l->a = malloc(sizeof *l->a)))   /* never NULL: NULL means every place */
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    qsort(l->a, l->n, sizeof *l->a, fid_cmp);
    for (size_t i = 0; i < l->n; i++)
        if (o == 0 || l->a[o - 1] != l->a[i])
            l->a[o++] = l->a[i];
    l->n = o;
    return GDIR_OK;
}

/* ---- the export's state, shared by both ways of sending -------------------------------- */

struct job {
    struct api_db *db;                 /* dedicated connection, owned */
    struct gdir_export_src *src;       /* owned */
    struct gdir_export_meta meta;
    int meta_loaded;
    enum gdir_export_format format;
    /* streamed formats */
    struct gdir_export_text w;
    struct gdir_buf out;               /* produced, not yet sent from off */
    size_t off;
    int phase;                         /* 0: header to write, 1: rows, 2: ended */
    int failed;
    unsigned long long bytes;
    atomic_long *slot;                 /* the counter to give back */
};

static void job_free(struct job *j)
{
    if (!j)
        return;
    gdir_export_src_free(j->src);
    if (j->meta_loaded)
        gdir_export_meta_free(&j->meta);
    api_db_close(j->db);
    gdir_buf_free(&j->out);
    if (j->slot)
        slot_give(j->slot);
    free(j);
}

/* Opens the dedicated connection, finds the fids, and makes the connection lock-free between
 * statements. */
static int job_open(const struct api_ctx *ctx, struct export_request *s, struct job *j,
                    struct gdir_err *err)
{
    struct fid_list l = {NULL, 0, 0};
    int rc = api_db_open(&j->db, ctx->cfg->db, err);

    if (rc) {
        gdir_err_clear(err);
        return gdir_err_set(err, GDIR_EUNAVAIL, "export: database unavailable");
    }
    if (s->filtered && (rc = search_fids(ctx, j->db, s, &l, err)))
        goto out;
    /* The place index is no longer needed by this connection: give it back now (after a
     * swap it may be the last reference to the old one). */
    api_db_drop_gen(j->db);
    rc = api_db_unpin(j->db, err);
    if (rc)
        goto out;
    rc = gdir_export_meta_load(&j->meta, j->db->g.db, s->licence, err);
    if (rc)
        goto out;
    j->meta_loaded = 1;
    if (s->format == GDIR_EXPORT_SCDL && !j->meta.publisher_siret) {
        rc = gdir_err_set_param(err, GDIR_EINVAL, "format",
                                "format: scdl-equipements needs the publisher's SIRET, which "
                                "this territory's configuration does not give");
        goto out;
    }
    rc = gdir_export_src_open(&j->src, j->db->g.db, s->licence, s->filtered ? l.a : NULL,
                              s->filtered ? l.n : 0, err);
out:
    free(l.a);
    return rc;
}

/* "<dataset>-<licence>[-selection]-<YYYYMMDD><suffix>", e.g.
 * places-etalab-2.0-selection-20261129.geojson (the date of the database build). */
static void file_name(const struct export_request *s, const struct job *j, char *out,
                      size_t cap)
{
    const struct gdir_export_format_info *fi = gdir_export_format_get(s->format);
    const char *g = j->meta.generated ? j->meta.generated : "";
    char date[9] = "";
    size_t o = 0;

    for (const char *p = g; *p && o < 8 && p - g < 10; p++)
        if (*p >= '0' && *p <= '9')
            date[o++] = *p;
    date[o == 8 ? 8 : 0] = '\0';
    snprintf(out, cap, "%s-%s%s%s%s%s", fi->dataset, gdir_export_licence_id(s->licence),
             s->filtered ? "-selection" : "", date[0] ? "-" : "", date, fi->suffix);
}

/* ---- streamed formats ------------------------------------------------------------------ */

/* Produces the next piece into j->out: the header, rows up to CHUNK bytes, the closing. */
static int fill(struct job *j, struct gdir_err *err)
{
    const struct gdir_export_row *row;
    int rc;

    if (j->phase == 0) {
        rc = gdir_export_text_begin(&j->w, j->format, &j->meta, &j->out);
        if (rc)
            return gdir_err_set(err, rc, "export: header: %s", gdir_err_text(rc));
        j->phase = 1;
    }
    while (j->phase == 1 && j->out.len < CHUNK) {
        rc = gdir_export_src_next(j->src, &row, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            rc = gdir_export_text_end(&j->w, gdir_export_src_excluded(j->src), &j->out);
            if (rc)
                return gdir_err_set(err, rc, "export: closing: %s", gdir_err_text(rc));
            j->phase = 2;
            break;
        }
        rc = gdir_export_text_row(&j->w, row, &j->out);
        if (rc)
            return gdir_err_set(err, rc, "export: row: %s", gdir_err_text(rc));
    }
    return GDIR_OK;
}

static long text_read(void *cls, char *buf, size_t cap)
{
    struct job *j = cls;
    size_t n;

    while (j->off >= j->out.len) {
        struct gdir_err err;
        if (j->phase == 2)
            return 0;
        gdir_buf_reset(&j->out);
        j->off = 0;
        gdir_err_clear(&err);
        if (fill(j, &err)) {
            char detail[GDIR_ERR_MSG_MAX];
            api_log_sanitize(detail, sizeof detail, err.msg);
            gdir_log(GDIR_LOG_ERROR, "export", "msg=\"stream failed\" detail=\"%s\"", detail);
            j->failed = 1;
            return err.code ? err.code : GDIR_EINTERNAL;
        }
    }
    n = j->out.len - j->off;
    if (n > cap)
        n = cap;
    memcpy(buf, j->out.data + j->off, n);
    j->off += n;
    j->bytes += n;
    return (long)n;
}

static void text_release(void *cls)
{
    struct job *j = cls;
    gdir_log(GDIR_LOG_INFO, "export",
             "format=%s records=%lld excluded=%lld bytes=%llu complete=%d",
             gdir_export_format_get(j->format)->name, gdir_export_src_records(j->src),
             gdir_export_src_excluded(j->src), j->bytes, j->phase == 2 && !j->failed &&
             j->off >= j->out.len);
    job_free(j);
}

/* ---- binary formats -------------------------------------------------------------------- */

static void job_slot_give(void *cls)
{
    slot_give(cls);
}

/* Writes the file into a private folder of export_tmp_dir, opens it and removes it (and the
 * folder): *fd keeps the data. */
static int write_binary(const struct api_ctx *ctx, struct job *j, int *fd,
                        struct gdir_export_result *r, struct gdir_err *err)
{
    char dir[4096], path[4200];
    int rc;

    *fd = -1;
    if (snprintf(dir, sizeof dir, "%s/geodir-export-XXXXXX", ctx->cfg->export_tmp_dir) >=
            (int)sizeof dir ||
        !mkdtemp(dir))
        return gdir_err_set(err, GDIR_EIO, "export: cannot create a folder in %s",
                            ctx->cfg->export_tmp_dir);
    snprintf(path, sizeof path, "%s/export%s", dir, gdir_export_format_get(j->format)->suffix);
    gdir_export_ogr_init();
    rc = gdir_export_write_file(j->format, path, j->src, &j->meta, r, err);
    if (!rc && r->size > ctx->cfg->max_export_size)
        rc = gdir_err_set(err, GDIR_ETOOBIG,
                          "export: %lld bytes, more than max_export_size (%ld): add filters",
                          r->size, ctx->cfg->max_export_size);
    if (!rc) {
        *fd = open(path, O_RDONLY | O_CLOEXEC);
        if (*fd < 0)
            rc = gdir_err_set(err, GDIR_EIO, "export: cannot reopen the file");
    }
    unlink(path);   /* on every path: the descriptor, if any, keeps the data */
    if (rmdir(dir) != 0)
        gdir_log(GDIR_LOG_WARN, "export", "msg=\"temporary folder left\" errno_dir=1");
    return rc;
}

/* ---- the handler ----------------------------------------------------------------------- */

int h_export(const struct api_ctx *ctx, const struct api_request *req,
             struct api_response *res, struct gdir_err *err)
{
    struct export_request *s = malloc(sizeof *s);
    struct job *j = NULL;
    const struct gdir_export_format_info *fi;
    char name[256];
    int rc, fd = -1;

    if (!s)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    rc = read_params(req, s, err);
    if (rc)
        goto out;
    fi = gdir_export_format_get(s->format);
    j = calloc(1, sizeof *j);
    if (!j) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto out;
    }
    j->format = s->format;
    gdir_buf_init(&j->out, TEXT_BUF_MAX);
    j->slot = fi->streamed ? &n_streams : &n_jobs;
    if (!slot_take(j->slot, fi->streamed ? ctx->cfg->max_export_streams
                                         : ctx->cfg->max_export_jobs)) {
        j->slot = NULL;
        rc = gdir_err_set(err, GDIR_EUNAVAIL, "export: too many exports at once, retry later");
        goto out;
    }
    rc = job_open(ctx, s, j, err);
    if (rc)
        goto out;
    file_name(s, j, name, sizeof name);
    if ((rc = h_download_headers(res, name, gdir_export_licence_id(s->licence)))) {
        rc = gdir_err_set(err, GDIR_EINTERNAL, "export: headers");
        goto out;
    }
    res->content_type = fi->media_type;
    if (fi->streamed) {
        res->stream.read = text_read;
        res->stream.release = text_release;
        res->stream.cls = j;
        j = NULL;   /* the response owns it now */
    } else {
        struct gdir_export_result r;
        char v[32];
        atomic_long *slot = j->slot;
        memset(&r, 0, sizeof r);
        rc = write_binary(ctx, j, &fd, &r, err);
        if (rc)
            goto out;
        snprintf(v, sizeof v, "%lld", r.records);
        api_response_header(res, "Geodir-Records", v);
        snprintf(v, sizeof v, "%lld", r.excluded);
        api_response_header(res, "Geodir-Excluded", v);
        gdir_log(GDIR_LOG_INFO, "export", "format=%s records=%lld excluded=%lld bytes=%lld",
                 fi->name, r.records, r.excluded, r.size);
        j->slot = NULL;   /* kept until the file is sent: given back by the stream */
        job_free(j);      /* the database is not needed any more */
        j = NULL;
        rc = h_download_file(res, fd, (uint64_t)r.size, job_slot_give, slot);
        fd = -1;
        if (rc)
            rc = gdir_err_set(err, rc, "out of memory");
    }
out:
    if (fd >= 0)
        close(fd);
    job_free(j);
    free(s);
    return rc;
}
