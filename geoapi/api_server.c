/*
 * api_server.c — geodir-api's HTTP front: the connection layer (http_server.c) calls it with
 * complete requests; it builds the api_headers the router reads, runs api_dispatch(), and
 * turns the api_response into a reply: gzip of the body, the security headers on every
 * answer, ETag, Vary, CORS, Allow, Retry-After. The framing errors of the connection layer
 * (400, 408, 413, 414, 431, 501, 503, 505) are built here too, by api_error(), so that every
 * answer the server can shape is JSON with the same headers. One access-log line per request,
 * without its query string.
 *
 * Not here: sockets and framing (http_server.c, http_parse.c), routing and validation
 * (api_router.c), the answers themselves (h_*.c).
 */
#include "api_server.h"
#include "api_bo.h"
#include "api_life.h"
#include "api_bo_mod.h"
#include "api_dbpool.h"
#include "api_forms.h"
#include "api_http.h"
#include "api_mailer.h"
#include "api_metrics.h"
#include "api_purge.h"
#include "bo_notify.h"
#include "forms_store.h"
#include "gdir_forms.h"
#include "gdir_hash.h"
#include "api_router.h"
#include "api_synonyms.h"
#include "gdir_hours.h"
#include "gdir_log.h"
#include "http_server.h"
#include "life_waste.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define DRAIN_SECONDS 3                      /* graceful stop: wait for requests in progress */
#define GZIP_MIN_SIZE 512                    /* smaller bodies are sent as they are */
#define GZIP_MAX_FILE (4u * 1024u * 1024u)   /* larger static files are sent as they are */
#define FD_RESERVE 64                        /* descriptors kept for files and databases */

struct api_server {
    struct http_server *http;
    struct api_ctx ctx;          /* what handlers see */
    struct api_dbpool pool;      /* per-thread connections */
    char *static_root;           /* owned realpaths */
    char *vendor_root;
    char *cluster_root;
    struct gdir_calendar *calendar;   /* owned: school holidays for opening hours */
    struct api_forms *forms;     /* owned: the online procedures, NULL when off */
    struct bo_db *forms_writer_bo; /* the store's writer's back-office statements (its thread's) */
    struct api_mailer *mailer;   /* owned: the e-mail sender, NULL without forms or transport */
    struct api_purge *purge;     /* owned: the daily RGPD purge, NULL without forms */
    struct api_bo *bo;           /* owned: the back office, NULL when off */
    struct api_life *life;       /* owned: the daily-life store, NULL when off */
    struct api_mod *mod;         /* owned: moderation (api_bo_mod.h), NULL without importer_config */
    struct life_waste *waste;    /* owned: the waste collection calendar, NULL without waste_file */
    struct api_metrics *metrics; /* owned: GET /metrics' counters */
    const struct api_route *routes;   /* the route table, for the counters' row of a route */
};

/* 1 when a content type is worth compressing (text of some kind). */
static int compressible_type(const char *ct)
{
    return ct && (strncmp(ct, "application/json", 16) == 0 ||
                  strncmp(ct, "application/geo+json", 20) == 0 || strncmp(ct, "text/", 5) == 0 ||
                  strncmp(ct, "application/vnd.oai.openapi+json", 32) == 0 ||
                  strncmp(ct, "image/svg+xml", 13) == 0);
}

/* Replaces the body of res (memory or file) by its gzip form when the client accepts gzip and
 * it is worth it; adds "-gz" to the ETag. Returns 1 when compressed. Failures leave res as is. */
static int maybe_gzip(const struct api_server *srv, const char *ae, struct api_response *res)
{
    char *in = NULL, *gz = NULL;
    size_t n, gz_len;
    int from_file = res->fd >= 0;

    if (srv->ctx.cfg->gzip_level <= 0 || !res->compressible || res->stream.read ||
        !compressible_type(res->content_type) || !api_accept_gzip(ae))
        return 0;
    if (from_file) {
        ssize_t got;
        if (res->fd_size < GZIP_MIN_SIZE || res->fd_size > GZIP_MAX_FILE)
            return 0;
        n = (size_t)res->fd_size;
        in = malloc(n);
        if (!in)
            return 0;
        got = pread(res->fd, in, n, 0);
        if (got < 0 || (size_t)got != n) {
            free(in);
            return 0;
        }
    } else {
        n = res->body.len;
        if (n < GZIP_MIN_SIZE)
            return 0;
        in = res->body.data;
    }
    if (api_gzip(in, n, (int)srv->ctx.cfg->gzip_level, &gz, &gz_len) || gz_len >= n) {
        free(gz);
        if (from_file)
            free(in);
        return 0;
    }
    if (from_file) {
        free(in);
        close(res->fd);
        res->fd = -1;
        res->fd_size = 0;
    }
    gdir_buf_free(&res->body);
    gdir_buf_init(&res->body, API_BODY_MAX);
    if (gdir_buf_add(&res->body, gz, gz_len)) {
        free(gz);
        return -1;
    }
    free(gz);
    size_t el = strlen(res->etag);
    if (el >= 2 && el + 3 < sizeof res->etag && res->etag[el - 1] == '"')
        memcpy(res->etag + el - 1, "-gz\"", 5);
    return 1;
}

/* Adds "Name: value\r\n" to the reply's headers. */
static void add_header(struct http_reply *rep, const char *name, const char *value)
{
    gdir_buf_printf(&rep->headers, "%s: %s\r\n", name, value);
}

/* Turns res (always complete) into rep. Takes the body, the file or the stream of res. h is the
 * request's headers, NULL for an answer of the connection layer. */
static void make_reply(const struct api_server *srv, const struct api_headers *h,
                       struct api_response *res, struct http_reply *rep)
{
    const char *ae = h ? h->accept_encoding : NULL;
    int gzipped = maybe_gzip(srv, ae, res);

    if (gzipped < 0) {
        struct gdir_err err;
        gdir_err_clear(&err);
        gdir_err_set(&err, GDIR_ENOMEM, "out of memory");
        api_error(res, &err);
        gzipped = 0;
    }
    if (res->status == 304 && res->etag[0] && srv->ctx.cfg->gzip_level > 0 && h) {
        /* Revalidating the gzip form: answer with the tag the client holds. */
        size_t el = strlen(res->etag);
        char gz[sizeof res->etag];
        if (el >= 2 && el + 3 < sizeof gz && h->if_none_match && api_accept_gzip(ae)) {
            memcpy(gz, res->etag, el - 1);
            memcpy(gz + el - 1, "-gz\"", 5);
            if (strstr(h->if_none_match, gz))
                memcpy(res->etag, gz, el + 4);
        }
    }
    rep->status = res->status;
    if (res->stream.read) {
        rep->stream = res->stream;   /* rep owns it now */
        memset(&res->stream, 0, sizeof res->stream);
    } else if (res->fd >= 0) {
        rep->fd = res->fd;
        rep->fd_size = res->fd_size;
        res->fd = -1;
    } else {
        rep->body = gdir_buf_steal(&res->body, &rep->body_len);
    }
    for (int i = 0; api_security_headers[i][0]; i++)
        add_header(rep, api_security_headers[i][0], api_security_headers[i][1]);
    if (res->content_type && res->status != 304 && res->status != 204)
        add_header(rep, "Content-Type", res->content_type);
    add_header(rep, "Cache-Control", res->cache_control ? res->cache_control : API_CACHE_NONE);
    if (res->allow[0])
        add_header(rep, "Allow", res->allow);
    if (res->etag[0])
        add_header(rep, "ETag", res->etag);
    if (res->vary)
        add_header(rep, "Vary", res->vary);
    if (gzipped)
        add_header(rep, "Content-Encoding", "gzip");
    if (res->content_crs && res->status == 200)
        add_header(rep, "Content-Crs", res->content_crs);
    if (res->status == 503)   /* busy (exports, uploads, connections) or the database away */
        add_header(rep, "Retry-After", API_RETRY_AFTER);
    if (res->status == 401)   /* the back office (docs/backoffice.md §2): log in at /bo/ */
        add_header(rep, "WWW-Authenticate", "Cookie realm=\"geodir-bo\", form=\"/bo/\"");
    if (res->status == 429 && res->retry_after)   /* a client over a rate limit */
        gdir_buf_printf(&rep->headers, "Retry-After: %u\r\n", res->retry_after);
    for (size_t i = 0; ((res->status >= 200 && res->status < 300) || res->status == 416) &&
                       i < res->n_extra; i++)
        add_header(rep, res->extra[i].name, res->extra[i].value);
    if (res->cors) {
        add_header(rep, "Access-Control-Allow-Origin", "*");
        add_header(rep, "Access-Control-Expose-Headers", API_CORS_EXPOSE);
    }
    if (res->preflight) {
        add_header(rep, "Access-Control-Allow-Methods", res->allow[0] ? res->allow
                                                                       : API_CORS_METHODS);
        add_header(rep, "Access-Control-Allow-Headers", API_CORS_HEADERS);
        add_header(rep, "Access-Control-Max-Age", API_CORS_MAX_AGE);
    }
    if (rep->headers.err) {   /* cannot happen below the buffer's 64 KiB: cut the connection */
        rep->status = 500;
        rep->close = 1;
    }
}

static size_t on_takes_body(void *cls, const char *method, const char *target)
{
    const struct api_server *srv = cls;
    return api_route_body_limit(srv->ctx.cfg, method, target);
}

/* The fields of req's head the handlers read, its peer and its body. */
static struct api_headers headers_of(const struct http_request *req)
{
    struct api_headers h = api_headers_of(req->head);
    h.peer = req->peer;
    h.body = req->body;
    h.body_len = req->body_len;
    return h;
}

/* A deferred answer (api_response.h, resume): the response kept while the request waits. */
struct deferred {
    struct api_server *srv;
    struct api_response res;
};

static void on_resume(void *cls, const struct http_request *req, struct http_reply *rep)
{
    struct deferred *d = cls;
    struct api_headers h = headers_of(req);
    struct gdir_err err;
    int rc;

    gdir_err_clear(&err);
    rc = d->res.resume(d->res.resume_cls, &d->res, &err);
    d->res.resume = NULL;
    if (rc) {
        if (!err.code)
            gdir_err_set(&err, rc, "%s", gdir_err_text(rc));
        api_error(&d->res, &err);
    }
    d->res.compressible = d->res.status == 200;
    make_reply(d->srv, &h, &d->res, rep);
    api_response_free(&d->res);
    free(d);
}

static void on_handle(void *cls, const struct http_request *req, struct http_reply *rep)
{
    struct api_server *srv = cls;
    struct api_headers h = headers_of(req);
    /* a request that may be deferred gets its response on the heap, kept if it is */
    struct deferred *d = req->defer ? malloc(sizeof *d) : NULL;
    struct api_response local, *res = d ? &d->res : &local;

    const struct api_route *route;

    h.defer = d ? req->defer : NULL;
    api_response_init(res);
    route = api_dispatch(&srv->ctx, req->method, req->target, &h, res);
    rep->tag = route ? (int)(route - srv->routes) : -1;   /* the counters' row (on_done) */
    if (d && res->resume) {
        d->srv = srv;
        rep->resume = on_resume;
        rep->resume_cls = d;
        return;
    }
    make_reply(srv, &h, res, rep);
    api_response_free(res);
    free(d);
}

static void on_error(void *cls, const char *target, const struct gdir_err *err,
                     struct http_reply *rep)
{
    struct api_server *srv = cls;
    struct api_response res;

    api_response_init(&res);
    api_error(&res, err);
    res.cors = target && api_route_cors_path(target);
    res.vary = NULL;
    make_reply(srv, NULL, &res, rep);
    api_response_free(&res);
}

/* The path as the access log writes it. The secret token of the online procedures' links
 * (/api/requests/{code}/{token}/...) never reaches a log: such a path, however it is encoded,
 * is written /api/requests/{code}/… (the code alone opens nothing). */
static void log_path(const char *path, char *out, size_t cap)
{
    static const char prefix[] = "/api/requests/";
    size_t n = strlen(path), pl = sizeof prefix - 1;
    char *dec = malloc(n + 1);
    long dl = dec ? api_pct_decode(path, n, 0, dec) : -1;

    if (dl < 0 || (size_t)dl < pl || strncasecmp(dec, prefix, pl) != 0) {
        /* not a request's path (or unreadable: then only its start, which names no token) */
        api_log_sanitize(out, cap, dl < 0 && strncasecmp(path, "/api/", 5) == 0 ? "/api/…" : path);
    } else {
        const char *code = dec + pl;
        size_t cl = strcspn(code, "/");
        int plain = cl <= 8 && strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") >= cl;
        snprintf(out, cap, "/api/requests/%.*s%s", plain ? (int)cl : 0, code,
                 !plain ? "…" : code[cl] ? "/…" : "");
    }
    free(dec);
}

static void on_done(void *cls, const char *method, const char *path, int status,
                    uint64_t bytes, double ms, int aborted, int tag)
{
    struct api_server *srv = cls;
    char m[HTTP_MAX_METHOD + 1], p[256];

    api_metrics_record(srv->metrics, tag, status, ms / 1e3);
    api_log_sanitize(m, sizeof m, method);
    log_path(path, p, sizeof p);
    gdir_log(GDIR_LOG_INFO, "access", "method=%s path=\"%s\" status=%d bytes=%llu dur_ms=%.2f%s",
             m, p, status, (unsigned long long)bytes, ms, aborted ? " aborted=1" : "");
}

/* A hash of the effective configuration: answers (and their ETags) depend on it. */
static uint64_t config_tag(const struct api_config *cfg)
{
    char *text = NULL;
    size_t len = 0;
    uint64_t h = GDIR_FNV64_INIT;
    FILE *f = open_memstream(&text, &len);
    if (f) {
        api_config_dump(cfg, f);
        fclose(f);
        h = gdir_fnv64(h, text, len);
    }
    free(text);
    return gdir_fnv64_field(h, "geodir-api search v1");
}

/* realpath of dir into *out, or NULL when it does not exist. */
static char *resolve_dir(const char *dir)
{
    return realpath(dir, NULL);
}

/* The map's clustering library (npm supercluster, installed beside Leaflet in the page's
 * node_modules), served at /vendor/supercluster/; NULL (404, with a warning) when absent. */
static char *resolve_cluster_dir(const char *static_root)
{
    static const char suffix[] = "/node_modules/supercluster/dist";
    char path[PATH_MAX];
    char *real;
    int n = snprintf(path, sizeof path, "%s%s", static_root, suffix);
    if (n < 0 || (size_t)n >= sizeof path)
        return NULL;
    real = realpath(path, NULL);
    if (!real)
        gdir_log(GDIR_LOG_WARN, "api", "msg=\"%s not found: /vendor/supercluster/ will answer 404 "
                                       "(run npm ci in map-ui)\"", suffix + 1);
    return real;
}

/* Raises the soft limit of open descriptors to what max_connections needs (up to the hard
 * limit); returns the number of connections the limit allows. */
static unsigned fit_descriptors(unsigned want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl))
        return want;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)want + FD_RESERVE) {
        rlim_t need = (rlim_t)want + FD_RESERVE;
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)want + FD_RESERVE) {
        unsigned fit = rl.rlim_cur > FD_RESERVE * 2 ? (unsigned)(rl.rlim_cur - FD_RESERVE) : FD_RESERVE;
        gdir_log(GDIR_LOG_WARN, "api",
                 "msg=\"open-file limit too low for max_connections\" max_connections=%u "
                 "allowed=%u",
                 want, fit);
        return fit;
    }
    return want;
}

/* The INSEE codes of the directory's member communes (borrowed from probe), NULL-terminated;
 * free the array with free(). NULL when memory runs out. */
static const char **member_codes(const struct api_db *probe)
{
    const char **codes = calloc(probe->n_communes + 1, sizeof *codes);

    for (size_t i = 0; codes && i < probe->n_communes; i++)
        codes[i] = probe->communes[i].insee;
    return codes;
}

/* The online procedures, for the member communes of the directory database. */
static int open_forms(struct api_server *srv, const struct api_config *cfg,
                      const struct api_db *probe, struct gdir_err *err)
{
    const char **codes = member_codes(probe);
    int rc;

    if (!codes)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    rc = api_forms_open(&srv->forms, cfg, srv->static_root, &srv->pool, codes,
                        probe->n_communes, err);
    free(codes);
    if (rc || (rc = api_purge_start(&srv->purge, cfg, srv->forms->set, err)))
        return rc;
    bo_notify_setup(srv->forms->set, cfg->public_url);
    srv->forms->notify = api_notify;
    forms_store_on_filed(srv->forms->store, api_notify_filed, &srv->forms_writer_bo);
    if (!api_mailer_configured(cfg)) {
        gdir_log(GDIR_LOG_WARN, "mail", "msg=\"no smtp_url nor sendmail_command: e-mails stay "
                 "in the outbox\"");
        return GDIR_OK;
    }
    return api_mailer_start(&srv->mailer, cfg, err);
}

int api_server_check_forms(const struct api_config *cfg, FILE *out, struct gdir_err *err)
{
    struct api_db *probe = NULL;
    struct forms_set *set = NULL;
    const char **codes = NULL;
    int rc;

    if (!cfg->forms_dir[0])
        return gdir_err_set_param(err, GDIR_ECONFIG, "forms_dir",
                                  "--check-forms: forms_dir is not set");
    if ((rc = api_db_open(&probe, cfg->db, err))) {
        err->code = rc = GDIR_ECONFIG;
        goto out;
    }
    if (!(codes = member_codes(probe))) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = api_forms_load(&set, cfg, codes, probe->n_communes, err)))
        goto out;
    fprintf(out, "%s: %zu forms, valid for the %zu communes of %s\n", cfg->forms_dir,
            forms_count(set), probe->n_communes, cfg->db);
    for (size_t i = 0; i < forms_count(set); i++)
        fprintf(out, "  %s (version %d): %s\n", form_id(forms_at(set, i)),
                form_version(forms_at(set, i)), form_title(forms_at(set, i)));
out:
    forms_set_free(set);
    free(codes);
    api_db_close(probe);
    return rc;
}

/* The waste collection configuration (waste_file): valid, and naming member communes only. */
static int open_waste(struct api_server *srv, const struct api_config *cfg, struct api_db *probe,
                      struct gdir_err *err)
{
    int rc = life_waste_load(cfg->waste_file, &srv->waste, err);
    if (rc) {
        if (!err->param[0])
            snprintf(err->param, sizeof err->param, "waste_file");
        return err->code = GDIR_ECONFIG;
    }
    for (size_t i = 0; i < life_waste_n_communes(srv->waste); i++) {
        const char *insee = life_waste_commune_at(srv->waste, i);
        if (!api_db_commune(probe, insee))
            return gdir_err_set_param(err, GDIR_ECONFIG, "waste_file",
                                      "%s: commune %s is not a member commune of %s",
                                      cfg->waste_file, insee, cfg->db);
    }
    return GDIR_OK;
}

/* Open connections, for GET /metrics: ctx is the one of struct api_server. */
static unsigned ctx_connections(const struct api_ctx *ctx)
{
    const struct api_server *srv =
        (const struct api_server *)(const void *)((const char *)ctx -
                                                  offsetof(struct api_server, ctx));
    return srv->http ? http_server_connections(srv->http) : 0;
}

int api_server_start(struct api_server **out, const struct api_config *cfg, struct gdir_err *err)
{
    struct api_server *srv = calloc(1, sizeof *srv);
    struct api_db *probe = NULL;
    struct http_limits lim;
    struct http_callbacks cb;
    int rc;

    *out = NULL;
    if (!srv)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");

    /* Fail now, not on the first request, when the database is not usable. */
    rc = api_db_open(&probe, cfg->db, err);
    if (rc) {
        rc = GDIR_ECONFIG;
        err->code = rc;
        goto fail;
    }
    srv->static_root = resolve_dir(cfg->static_dir);
    if (!srv->static_root) {
        rc = gdir_err_set_param(err, GDIR_ECONFIG, "static_dir", "static_dir: %s: not found",
                                cfg->static_dir);
        goto fail;
    }
    srv->vendor_root = resolve_dir(cfg->vendor_dir);
    if (!srv->vendor_root)
        gdir_log(GDIR_LOG_WARN, "api",
                 "msg=\"vendor_dir not found: /vendor/leaflet/ will answer 404 (run npm ci in "
                 "map-ui)\"");
    if (cfg->synonyms_file[0] && (rc = api_synonyms_load(cfg->synonyms_file, err)))
        goto fail;
    if (cfg->waste_file[0] && (rc = open_waste(srv, cfg, probe, err)))
        goto fail;
    srv->cluster_root = resolve_cluster_dir(srv->static_root);
    rc = api_dbpool_init(&srv->pool, cfg->db, err);
    if (rc)
        goto fail;
    rc = gdir_calendar_builtin(&srv->calendar, err);
    if (rc) {
        gdir_log(GDIR_LOG_WARN, "api", "msg=\"school-holiday calendar unusable: SH rules answer "
                                       "unknown\"");
        srv->calendar = NULL;
        gdir_err_clear(err);
    }
    if (cfg->forms_dir[0] && ((rc = open_forms(srv, cfg, probe, err)) ||
                              (rc = api_bo_open(&srv->bo, cfg, err)) ||
                              (rc = api_life_open(&srv->life, cfg, err)) ||
                              (cfg->importer_config[0] &&
                               (rc = api_mod_open(&srv->mod, cfg, err)))))
        goto fail;
    api_db_close(probe);
    probe = NULL;
    size_t n_routes;
    srv->routes = api_routes(&n_routes);
    if ((rc = api_metrics_new(&srv->metrics, srv->routes, n_routes, err)))
        goto fail;
    srv->ctx.metrics = srv->metrics;
    srv->ctx.connections = ctx_connections;
    srv->ctx.started = (long long)time(NULL);
    srv->ctx.forms = srv->forms;
    srv->ctx.bo = srv->bo;
    srv->ctx.life = srv->life;
    srv->ctx.life_tag = srv->life ? api_life_tag : NULL;
    srv->ctx.mod = srv->mod;
    srv->ctx.waste = srv->waste;
    srv->ctx.calendar = srv->calendar;
    srv->ctx.config_tag = config_tag(cfg);
    srv->ctx.cfg = cfg;
    srv->ctx.pool = &srv->pool;
    srv->ctx.static_root = srv->static_root;
    srv->ctx.vendor_root = srv->vendor_root;
    srv->ctx.cluster_root = srv->cluster_root;

    lim = (struct http_limits){
        .threads = (unsigned)cfg->threads,
        .max_connections = fit_descriptors((unsigned)cfg->max_connections),
        .max_per_ip = (unsigned)cfg->max_connections_per_ip,
        .head_timeout = (unsigned)cfg->head_timeout,
        .timeout = (unsigned)cfg->timeout,
        .body_timeout = (unsigned)cfg->body_timeout,
        .max_head = (size_t)cfg->max_request_size,
        .upload_budget = 4 * (size_t)(cfg->max_upload_size > cfg->max_form_body
                                          ? cfg->max_upload_size : cfg->max_form_body),
    };
    cb = (struct http_callbacks){srv, on_takes_body, on_handle, on_error, on_done};
    rc = http_server_start(&srv->http, cfg->listen, (unsigned)cfg->port, &lim, &cb, err);
    if (rc)
        goto fail;
    *out = srv;
    return GDIR_OK;
fail:
    api_db_close(probe);
    api_server_stop(srv);
    return rc;
}

unsigned api_server_port(const struct api_server *srv)
{
    return http_server_port(srv->http);
}

void api_server_stop(struct api_server *srv)
{
    if (!srv)
        return;
    http_server_stop(srv->http, DRAIN_SECONDS);   /* joins the workers: their databases close */
    api_mailer_stop(srv->mailer);
    api_purge_stop(srv->purge);
    api_forms_close(srv->forms);   /* after the workers: their readers are closed */
    api_bo_close(srv->bo);         /* likewise their back office connections */
    api_life_close(srv->life);     /* and their daily-life store's */
    api_mod_close(srv->mod);       /* after the refresh running, if any */
    api_dbpool_destroy(&srv->pool);
    api_metrics_free(srv->metrics);   /* after the workers: they count until they end */
    gdir_calendar_free(srv->calendar);
    life_waste_free(srv->waste);
    free(srv->static_root);
    free(srv->vendor_root);
    free(srv->cluster_root);
    free(srv);
}
