/*
 * h_static.c — the map page's files: GET / is static_dir/index.html, /vendor/leaflet/<file>
 * comes from vendor_dir (Leaflet's npm dist folder), /vendor/supercluster/<file> from
 * static_dir/node_modules/supercluster/dist (the map's marker clustering), any other path
 * outside /api/ from static_dir. Files are sent from an open descriptor (no copy in memory).
 *
 * Pages (.html files of static_dir) may hold server-side include directives,
 * `<!--# include file="NAME" -->` (http_include.h, the nginx SSI subset): a page holding one
 * is assembled in memory from the page and the partials static_dir/_include/NAME (one level:
 * a partial holding a directive is an error; at most HTTP_INCLUDE_MAX per page, each partial
 * at most HTTP_INCLUDE_PARTIAL_MAX bytes) and its entity tag covers the identity, size and
 * modification time of the page and of every partial. A broken directive or partial is
 * logged (WARN, naming the page and the partial) and answers 500: never a half-built page.
 * A page without directive (or over HTTP_INCLUDE_PAGE_MAX) is sent from its descriptor as
 * any file. The folder _include/ itself is never served.
 *
 * Defence in depth against path escapes: the router has already decoded each segment and
 * refused, for static routes, a segment whose decoded form holds '/' (an encoded "%2F"); then
 * this file refuses any segment that is empty,
 * "." or "..", starts with '.', or holds '/', '\' or a control byte; only known extensions are
 * served; and realpath() of the result must lie inside the realpath of its root. The page's
 * development files (node_modules/, package.json, package-lock.json) and the partials'
 * folder (_include/) are never served from static_dir: Leaflet and supercluster are reached only through /vendor/. Everything refused answers 404,
 * like a missing file. Each file's entity tag comes from its identity, size and modification
 * time (the router answers 304 to a matching If-None-Match).
 *
 * The resident's pages with a clean French URL (h_page: /je-m-installe, /communes, /agenda,
 * /actualites) are files of
 * static_dir named by a fixed table; /commune/<insee> (h_commune_page) serves commune.html when
 * the code names a member commune of the database, else commune-inconnue.html with status 404
 * (a French page, not the JSON error of the API).
 */
#include "api_handlers.h"
#include "api_dbpool.h"
#include "api_http.h"
#include "api_queries.h"
#include "gdir_hash.h"
#include "gdir_log.h"
#include "http_include.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    const char *ext;
    const char *type;
} content_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".map", "application/json; charset=utf-8"},
    {".png", "image/png"},
    {".svg", "image/svg+xml"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *content_type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return NULL;
    for (size_t i = 0; i < sizeof content_types / sizeof content_types[0]; i++)
        if (strcmp(dot, content_types[i].ext) == 0)
            return content_types[i].type;
    return NULL;
}

/* 1 when rel ("a/b.js", decoded) is a safe relative file path: see the banner. */
static int safe_relative(const char *rel)
{
    const char *seg = rel;
    if (!*rel)
        return 0;
    for (;;) {
        const char *slash = strchr(seg, '/');
        size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
        if (len == 0 || seg[0] == '.')
            return 0;   /* empty, ".", "..", or a hidden file */
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)seg[i];
            if (c == '\\' || c < 0x20 || c == 0x7f)
                return 0;
        }
        if (!slash)
            return 1;
        seg = slash + 1;
    }
}

/* 1 when a segment of rel names a development file of map-ui that is not part of the page. */
static int is_dev_file(const char *rel)
{
    static const char *const denied[] = {"node_modules", "package.json", "package-lock.json",
                                          "_include"};
    const char *seg = rel;
    for (;;) {
        const char *slash = strchr(seg, '/');
        size_t len = slash ? (size_t)(slash - seg) : strlen(seg);
        for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++)
            if (strlen(denied[i]) == len && strncmp(seg, denied[i], len) == 0)
                return 1;
        if (!slash)
            return 0;
        seg = slash + 1;
    }
}

static int not_found(struct gdir_err *err)
{
    return gdir_err_set(err, GDIR_ENOTFOUND, "no such file");
}

/* Adds the identity of st (which file, its size, its modification time) to the hash h. */
static uint64_t identity_hash(uint64_t h, const struct stat *st)
{
    h = gdir_fnv64(h, &st->st_dev, sizeof st->st_dev);
    h = gdir_fnv64(h, &st->st_ino, sizeof st->st_ino);
    h = gdir_fnv64(h, &st->st_size, sizeof st->st_size);
    return gdir_fnv64(h, &st->st_mtim, sizeof st->st_mtim);
}

/* Reads the whole of fd (size bytes) into out (appending). */
static int read_all(int fd, size_t size, struct gdir_buf *out)
{
    size_t at = out->len;
    if (gdir_buf_reserve(out, size + 1) || out->cap < out->len + size + 1)
        return GDIR_ENOMEM;
    while (size) {
        ssize_t n = pread(fd, out->data + out->len, size, (off_t)(out->len - at));
        if (n <= 0)
            return GDIR_EIO;
        out->len += (size_t)n;
        size -= (size_t)n;
    }
    out->data[out->len] = '\0';
    return GDIR_OK;
}

/* Appends the partial root/_include/name to out and its identity to *h. */
static int add_partial(const char *root, const char *name, struct gdir_buf *out, uint64_t *h,
                       struct gdir_err *err)
{
    char path[PATH_MAX];
    struct stat st;
    size_t from = out->len;
    int fd, rc = snprintf(path, sizeof path, "%s/_include/%s", root, name);

    if (rc < 0 || (size_t)rc >= sizeof path)
        return gdir_err_set(err, GDIR_EINTERNAL, "partial path too long");
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return gdir_err_set(err, GDIR_EINTERNAL, "cannot open the partial");
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
        (uint64_t)st.st_size > HTTP_INCLUDE_PARTIAL_MAX) {
        close(fd);
        return gdir_err_set(err, GDIR_EINTERNAL, "the partial is not a file or is too large");
    }
    rc = read_all(fd, (size_t)st.st_size, out);
    close(fd);
    if (rc)
        return gdir_err_set(err, rc, "cannot read the partial");
    if (strstr(out->data + from, HTTP_INCLUDE_OPEN))
        return gdir_err_set(err, GDIR_EINTERNAL, "a partial holds a directive (one level only)");
    *h = identity_hash(*h, &st);
    return GDIR_OK;
}

/* Builds the page text[0, len) with its partials into res->body; *h gets their identities. */
static int assemble(const char *root, const char *rel, const char *text, size_t len,
                    struct api_response *res, uint64_t *h, struct gdir_err *err)
{
    struct http_include inc = {.name = "-"};   /* named in the log if the page itself fails */
    size_t off = 0;
    int n = 0, rc;

    while ((rc = http_include_next(text, len, off, &inc, err)) == 1) {
        if (++n > HTTP_INCLUDE_MAX) {
            rc = gdir_err_set(err, GDIR_EINTERNAL, "more than %d include directives",
                              HTTP_INCLUDE_MAX);
            break;
        }
        gdir_buf_add(&res->body, text + off, inc.start - off);
        if ((rc = add_partial(root, inc.name, &res->body, h, err)))
            break;
        memcpy(inc.name, "-", 2);   /* a later bad directive may not reach its name */
        off = inc.end;
    }
    if (rc == 0 && gdir_buf_add(&res->body, text + off, len - off))
        rc = gdir_err_set(err, GDIR_ENOMEM, "page too large");
    if (rc < 0) {
        char page[128], partial[HTTP_INCLUDE_NAME_MAX + 8], detail[GDIR_ERR_MSG_MAX];
        api_log_sanitize(page, sizeof page, rel);
        api_log_sanitize(partial, sizeof partial, inc.name);
        api_log_sanitize(detail, sizeof detail, err->msg);
        gdir_log(GDIR_LOG_WARN, "static", "msg=\"include failed\" page=\"%s\" partial=\"%s\" "
                 "detail=\"%s\"", page, partial, detail);
        gdir_err_set(err, GDIR_EINTERNAL, "include failed in %s: %s", page, detail);
        return GDIR_EINTERNAL;
    }
    return GDIR_OK;
}

/* For a page (.html) holding include directives: replaces the descriptor of res by the
 * assembled page and extends *h with the partials. Other files and pages: unchanged. */
static int maybe_assemble(const char *root, const char *rel, const struct stat *st,
                          struct api_response *res, uint64_t *h, struct gdir_err *err)
{
    struct gdir_buf page;
    const char *dot = strrchr(rel, '.');
    int rc;

    if (!dot || strcmp(dot, ".html") != 0 || (uint64_t)st->st_size > HTTP_INCLUDE_PAGE_MAX)
        return GDIR_OK;
    gdir_buf_init(&page, HTTP_INCLUDE_PAGE_MAX + 1);
    if ((rc = read_all(res->fd, (size_t)st->st_size, &page))) {
        gdir_buf_free(&page);
        return gdir_err_set(err, rc, "cannot read the page");
    }
    if (!page.len || !strstr(page.data, HTTP_INCLUDE_OPEN)) {
        gdir_buf_free(&page);
        return GDIR_OK;
    }
    rc = assemble(root, rel, page.data, page.len, res, h, err);
    gdir_buf_free(&page);
    if (rc)
        return rc;
    close(res->fd);
    res->fd = -1;
    res->fd_size = 0;
    return GDIR_OK;
}

/* Answers the file root/rel (rel already checked by safe_relative or fixed) with its type and
 * entity tag; GDIR_ENOTFOUND for anything missing, refused or outside root. */
static int send_file(const char *root, const char *rel, struct api_response *res,
                     struct gdir_err *err)
{
    const char *type;
    char joined[PATH_MAX], *real = NULL;
    size_t root_len;
    struct stat st;
    uint64_t h;
    int fd = -1, rc;

    if (!root || !safe_relative(rel) || !(type = content_type_of(rel)))
        return not_found(err);
    rc = snprintf(joined, sizeof joined, "%s/%s", root, rel);
    if (rc < 0 || (size_t)rc >= sizeof joined)
        return not_found(err);
    real = realpath(joined, NULL);
    root_len = strlen(root);
    if (!real || strncmp(real, root, root_len) != 0 || real[root_len] != '/') {
        free(real);
        return not_found(err);
    }
    fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    free(real);
    if (fd < 0)
        return not_found(err);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return not_found(err);
    }
    res->fd = fd;   /* res takes ownership; the server sends it */
    res->fd_size = (uint64_t)st.st_size;
    res->content_type = type;
    h = identity_hash(GDIR_FNV64_INIT, &st);   /* entity tag: see the banner */
    if ((rc = maybe_assemble(root, rel, &st, res, &h, err)))
        return rc;
    api_etag_format(h, res->etag, sizeof res->etag);
    return GDIR_OK;
}

int h_static(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
             struct gdir_err *err)
{
    static const char leaflet_prefix[] = "/vendor/leaflet/";
    static const char cluster_prefix[] = "/vendor/supercluster/";
    const char *root = ctx->static_root, *rel;
    char index[API_MAX_PATH + 16];

    if (strcmp(req->path, "/") == 0) {
        rel = "index.html";
    } else if (strncmp(req->path, leaflet_prefix, sizeof leaflet_prefix - 1) == 0) {
        root = ctx->vendor_root;
        rel = req->path + sizeof leaflet_prefix - 1;
    } else if (strncmp(req->path, cluster_prefix, sizeof cluster_prefix - 1) == 0) {
        root = ctx->cluster_root;
        rel = req->path + sizeof cluster_prefix - 1;
    } else {
        size_t n = strlen(req->path);
        rel = req->path + 1;
        if (is_dev_file(rel))
            return not_found(err);
        if (req->path[n - 1] == '/') {   /* a folder's page: /bo/ is bo/index.html */
            snprintf(index, sizeof index, "%sindex.html", rel);
            rel = index;
        }
    }
    return send_file(root, rel, res, err);
}

/* The pages reached by a clean URL, and their files in static_dir. */
static const struct {
    const char *path;
    const char *file;
} pages[] = {
    {"/je-m-installe", "installation.html"},
    {"/communes", "communes.html"},
    {"/agenda", "agenda.html"},
    {"/actualites", "actualites.html"},
};

int h_page(const struct api_ctx *ctx, const struct api_request *req, struct api_response *res,
           struct gdir_err *err)
{
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
        if (strcmp(req->path, pages[i].path) == 0)
            return send_file(ctx->static_root, pages[i].file, res, err);
    return not_found(err);
}

/* 1 when code has the shape of an INSEE commune code: five digits, or 2A/2B and three. */
static int insee_shaped(const char *code)
{
    size_t n = strlen(code);
    if (n != 5)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)code[i];
        if (!(c >= '0' && c <= '9') && !(i == 1 && code[0] == '2' && (c == 'A' || c == 'B')))
            return 0;
    }
    return 1;
}

int h_commune_page(const struct api_ctx *ctx, const struct api_request *req,
                   struct api_response *res, struct gdir_err *err)
{
    const char *insee = api_capture(req, "insee");
    struct api_db *db;
    int member = 0, rc;

    if (insee && insee_shaped(insee)) {
        if ((rc = api_dbpool_get(ctx->pool, &db, err)) ||
            (rc = api_q_commune_member(db, insee, &member, err)))
            return rc;
    }
    rc = send_file(ctx->static_root, member ? "commune.html" : "commune-inconnue.html", res, err);
    if (rc)
        return rc;
    /* The answer depends on the database too: no file tag (a 304 could outlive a change). */
    res->etag[0] = '\0';
    if (!member)
        res->status = 404;
    return GDIR_OK;
}
