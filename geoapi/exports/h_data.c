/*
 * h_data.c — the full exports built at import time: GET /api/exports (the list of table
 * exports as JSON) and GET /data/{name} (one file, exactly as listed: media
 * type, length, ETag = its SHA-256, Last-Modified, Repr-Digest and Digest, licence headers;
 * Accept-Ranges: bytes, a single Range of a GET answered 206 from the file, 416 when none of
 * it is inside, If-Range honoured; docs/exports.md). Also the helpers of h_download.h that
 * h_export.c shares.
 *
 * Files are looked up by name in the exports table of the database the thread has open and
 * read from <folder of the database>/<meta exports_dir>/<name>: a name that is not in the
 * table is a 404, whatever it holds ("..", "%2F"), and a name of the table is used only when
 * it is a plain file name. After a database swap the new database, and so its files, answer.
 */
#include "api_dbpool.h"
#include "api_handlers.h"
#include "api_http.h"
#include "gdir_export.h"
#include "gdir_json.h"
#include "gdir_log.h"
#include "h_download.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- shared with h_export.c ----------------------------------------------------------- */

struct file_stream {
    int fd;
    uint64_t off, size;   /* next byte to send, and the end (exclusive) */
    void (*on_done)(void *);
    void *cls;
};

static long file_read(void *cls, char *buf, size_t cap)
{
    struct file_stream *f = cls;
    uint64_t left = f->size - f->off;
    ssize_t got;

    if (left == 0)
        return 0;
    if (cap > left)
        cap = (size_t)left;
    if (cap > LONG_MAX)
        cap = LONG_MAX;
    do
        got = pread(f->fd, buf, cap, (off_t)f->off);
    while (got < 0 && errno == EINTR);
    if (got <= 0) {   /* the file shrank or failed: cut the body (Content-Length says so) */
        gdir_log(GDIR_LOG_ERROR, "download", "msg=\"file read failed\" errno=%d",
                 got < 0 ? errno : 0);
        return GDIR_EIO;
    }
    f->off += (uint64_t)got;
    return (long)got;
}

static void file_release(void *cls)
{
    struct file_stream *f = cls;
    close(f->fd);
    if (f->on_done)
        f->on_done(f->cls);
    free(f);
}

/* Streams fd's bytes [first, first + len) as the body (pread: no copy of the file). */
static int stream_part(struct api_response *res, int fd, uint64_t first, uint64_t len,
                       void (*on_done)(void *), void *cls)
{
    struct file_stream *f = malloc(sizeof *f);
    if (!f) {
        close(fd);
        if (on_done)
            on_done(cls);
        return GDIR_ENOMEM;
    }
    f->fd = fd;
    f->off = first;
    f->size = first + len;
    f->on_done = on_done;
    f->cls = cls;
    res->stream.read = file_read;
    res->stream.release = file_release;
    res->stream.cls = f;
    res->stream.size = len;
    return GDIR_OK;
}

int h_download_file(struct api_response *res, int fd, uint64_t size, void (*on_done)(void *),
                    void *cls)
{
    return stream_part(res, fd, 0, size, on_done, cls);
}

/* 1 when name is a plain file name: [A-Za-z0-9._-], not starting with '.', at most 200. */
static int plain_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 200 || name[0] == '.')
        return 0;
    return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

int h_download_headers(struct api_response *res, const char *name, const char *licence)
{
    enum gdir_export_licence l;
    char v[400];
    int rc = GDIR_OK;

    if (!plain_name(name))
        return GDIR_EINTERNAL;
    snprintf(v, sizeof v, "attachment; filename=\"%s\"", name);
    rc = api_response_header(res, "Content-Disposition", v);
    if (!rc && licence && gdir_export_licence_find(licence, &l) == 0) {
        snprintf(v, sizeof v, "<%s>; rel=\"license\"", gdir_export_licence_url(l));
        rc = api_response_header(res, "Link", v);
        if (!rc)
            rc = api_response_header(res, "Geodir-Licence", gdir_export_licence_id(l));
    }
    return rc;
}

/* ---- GET /api/exports ------------------------------------------------------------------ */

static int list_row(void *cls, const struct api_export_entry *e)
{
    struct gdir_json *j = cls;
    enum gdir_export_licence l;
    char url[256];

    snprintf(url, sizeof url, "/data/%s", e->name ? e->name : "");
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "name", e->name);
    gdir_json_kstr(j, "dataset", e->dataset);
    gdir_json_kstr(j, "format", e->format);
    gdir_json_kstr(j, "licence", e->licence);
    gdir_json_key(j, "licence_url");
    if (e->licence && gdir_export_licence_find(e->licence, &l) == 0)
        gdir_json_str(j, gdir_export_licence_url(l));
    else
        gdir_json_null(j);
    gdir_json_kstr(j, "media_type", e->media_type);
    gdir_json_kint(j, "size", e->size);
    gdir_json_kstr(j, "sha256", e->sha256);
    gdir_json_kint(j, "records", e->records);
    gdir_json_kint(j, "excluded", e->excluded);
    gdir_json_kstr(j, "created", e->created);
    gdir_json_kstr(j, "url", url);
    gdir_json_obj_end(j);
    return gdir_json_error(j);
}

/* {"exports": [...], "built_at": ...} */
static int list_json(struct api_db *db, struct gdir_json *j, const void *cls,
                     struct gdir_err *err)
{
    char built_at[64];
    int rc;

    (void)cls;
    gdir_json_obj_begin(j);
    gdir_json_key(j, "exports");
    gdir_json_arr_begin(j);
    rc = api_q_exports(db, NULL, list_row, j, err);
    if (rc)
        return err->code ? rc : gdir_err_set(err, rc, "exports list: %s", gdir_err_text(rc));
    gdir_json_arr_end(j);
    gdir_json_key(j, "built_at");
    if (api_q_meta(db, "built_at", built_at, sizeof built_at, err) == 0)
        gdir_json_str(j, built_at);
    else
        gdir_json_null(j);
    gdir_err_clear(err);
    gdir_json_obj_end(j);
    return GDIR_OK;
}

int h_exports_list(const struct api_ctx *ctx, const struct api_request *req,
                   struct api_response *res, struct gdir_err *err)
{
    (void)req;
    return api_db_json(ctx, res, list_json, NULL, API_CT_JSON, err);
}

/* ---- GET /data/{name} ------------------------------------------------------------------ */

/* One row of the table, copied. */
struct found {
    char name[256], format[32], licence[32], media_type[128], sha256[72];
    long long size;
};

static int copy_row(void *cls, const struct api_export_entry *e)
{
    struct found *f = cls;
    snprintf(f->name, sizeof f->name, "%s", e->name ? e->name : "");
    snprintf(f->format, sizeof f->format, "%s", e->format ? e->format : "");
    snprintf(f->licence, sizeof f->licence, "%s", e->licence ? e->licence : "");
    snprintf(f->media_type, sizeof f->media_type, "%s", e->media_type ? e->media_type : "");
    snprintf(f->sha256, sizeof f->sha256, "%s", e->sha256 ? e->sha256 : "");
    f->size = e->size;
    return 0;
}

/* 1 when dir is a relative path without "." or ".." segments (meta exports_dir). */
static int plain_dir(const char *dir)
{
    if (dir[0] == '\0' || dir[0] == '/')
        return 0;
    for (const char *p = dir; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        p += n + (p[n] == '/');
    }
    return 1;
}

/* "sha-256=:<base64>:" (RFC 9530) or "sha-256=<base64>" (RFC 3230) from 64 hex digits. */
static int digest_value(const char *hex, int colons, char *out, size_t cap)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned char d[33] = {0};
    char enc[48];
    size_t o = 0;

    if (strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
        return GDIR_EINVAL;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return GDIR_EINVAL;
        d[i] = (unsigned char)v;
    }
    for (int i = 0; i < 33; i += 3) {   /* 32 bytes: 10 full groups and one of 2 bytes */
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 |
                     (i + 2 < 33 ? d[i + 2] : 0u);
        enc[o++] = b64[v >> 18 & 63];
        enc[o++] = b64[v >> 12 & 63];
        enc[o++] = i + 1 < 32 ? b64[v >> 6 & 63] : '=';
        enc[o++] = i + 2 < 32 ? b64[v & 63] : '=';
    }
    enc[o] = '\0';
    snprintf(out, cap, colons ? "sha-256=:%s:" : "sha-256=%s", enc);
    return GDIR_OK;
}

/* The Content-Type of a listed file, as a static string: the format's own media type when the
 * table says the same (it always should: the importer writes it from gdir_export.h). */
static const char *media_type(const struct found *f)
{
    enum gdir_export_format fmt;
    if (gdir_export_format_find(f->format, &fmt) == 0 &&
        strcmp(gdir_export_format_get(fmt)->media_type, f->media_type) == 0)
        return gdir_export_format_get(fmt)->media_type;
    return "application/octet-stream";
}

/* IMF-fixdate of t (RFC 9110 §5.6.7), independent of the locale. */
static void http_date_of(time_t t, char *out, size_t cap)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
             months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The body of /data/{name} once its headers are set: the whole file, or the one range a GET
 * asks (RFC 9110 §14: not for HEAD, not when If-None-Match already makes it a 304, not when
 * If-Range names another version). Takes fd. */
static int send_file(const struct api_request *req, struct api_response *res, int fd,
                     uint64_t size, const char *last_modified, struct gdir_err *err)
{
    const struct api_headers *h = req->headers;
    uint64_t first, last;
    enum api_range r = API_RANGE_NONE;
    char v[96];

    if (req->method == API_GET && h->range && !api_etag_matches(h->if_none_match, res->etag) &&
        api_if_range_ok(h->if_range, res->etag, last_modified))
        r = api_range_parse(h->range, size, &first, &last);
    if (r == API_RANGE_NONE)
        return h_download_file(res, fd, size, NULL, NULL);
    if (r == API_RANGE_UNSATISFIABLE) {
        close(fd);
        gdir_err_set_param(err, GDIR_ERANGE, "Range", "Range: no byte of it in the file (%llu "
                           "bytes)", (unsigned long long)size);
        api_error(res, err);
        gdir_err_clear(err);
        snprintf(v, sizeof v, "bytes */%llu", (unsigned long long)size);
        return api_response_header(res, "Content-Range", v);
    }
    snprintf(v, sizeof v, "bytes %llu-%llu/%llu", (unsigned long long)first,
             (unsigned long long)last, (unsigned long long)size);
    if (api_response_header(res, "Content-Range", v)) {
        close(fd);
        return gdir_err_set(err, GDIR_EINTERNAL, "export: no room for Content-Range");
    }
    res->status = 206;
    return stream_part(res, fd, first, last - first + 1, NULL, NULL);
}

int h_data_file(const struct api_ctx *ctx, const struct api_request *req,
                struct api_response *res, struct gdir_err *err)
{
    const char *name = api_capture(req, "name");
    struct found f;
    struct api_db *db;
    struct stat stb;
    char dir[PATH_MAX], path[PATH_MAX * 2], v[200], modified[40];
    const char *slash;
    int rc, fd = -1;

    memset(&f, 0, sizeof f);
    rc = api_dbpool_get(ctx->pool, &db, err);
    if (rc)
        return rc;
    if (!name || strlen(name) > 200)
        return gdir_err_set(err, GDIR_ENOTFOUND, "no such export");
    rc = api_q_exports(db, name, copy_row, &f, err);
    if (rc == GDIR_ENOTFOUND) {
        char quoted[API_QUOTE_MAX * 4 + 8];
        api_quote(quoted, sizeof quoted, name);
        return gdir_err_set(err, GDIR_ENOTFOUND, "no export named %s (see /api/exports)",
                            quoted);
    }
    if (rc)
        return rc;
    rc = api_q_meta(db, "exports_dir", dir, sizeof dir, err);
    if (rc == GDIR_ENOTFOUND || (!rc && !plain_dir(dir)) || !plain_name(f.name)) {
        gdir_err_clear(err);
        return gdir_err_set(err, GDIR_EUNAVAIL, "exports: meta exports_dir or name unusable");
    }
    if (rc)
        return rc;
    /* The database's folder: the configured path up to its last '/'. */
    slash = strrchr(ctx->cfg->db, '/');
    if (slash)
        snprintf(path, sizeof path, "%.*s/%s/%s", (int)(slash - ctx->cfg->db), ctx->cfg->db,
                 dir, f.name);
    else
        snprintf(path, sizeof path, "%s/%s", dir, f.name);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 || fstat(fd, &stb) != 0 || !S_ISREG(stb.st_mode) ||
        (long long)stb.st_size != f.size) {
        if (fd >= 0)
            close(fd);
        /* Listed but missing or changed: the import's files and table disagree. */
        return gdir_err_set(err, GDIR_EUNAVAIL, "export %s: file missing or not as recorded",
                            f.name);
    }
    http_date_of(stb.st_mtime, modified, sizeof modified);
    if ((rc = h_download_headers(res, f.name, f.licence)) ||
        (rc = api_response_header(res, "Accept-Ranges", "bytes")) ||
        (rc = api_response_header(res, "Last-Modified", modified)) ||
        (rc = digest_value(f.sha256, 1, v, sizeof v)) ||
        (rc = api_response_header(res, "Repr-Digest", v)) ||
        (rc = digest_value(f.sha256, 0, v, sizeof v)) ||
        (rc = api_response_header(res, "Digest", v))) {
        close(fd);
        return gdir_err_set(err, GDIR_EINTERNAL, "export %s: bad record", f.name);
    }
    snprintf(res->etag, sizeof res->etag, "\"%s\"", f.sha256);
    res->content_type = media_type(&f);
    res->cache_control = API_CACHE_SHORT;
    return send_file(req, res, fd, (uint64_t)stb.st_size, modified, err);
}
