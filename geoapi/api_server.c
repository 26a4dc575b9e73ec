/*
 * api_server.c — the libmicrohttpd adapter, and the only file that includes microhttpd.h:
 * daemon set-up (internal thread pool, limits, logger), the access-handler protocol, turning an
 * api_response into an MHD response with the security headers, and the access log.
 *
 * Request life cycle:
 *   1. the URI log callback (called once per request, before MHD parses anything) allocates the
 *      request state and keeps the raw request target: the router parses path and query from
 *      it itself, so a decoded NUL or invalid UTF-8 can be reported instead of truncated;
 *   2. first access-handler call: remember the method; a request announcing a body
 *      (Content-Length > 0 or Transfer-Encoding) is answered at once, 413 for GET/HEAD and
 *      404/405 from the router for other methods (MHD then reads no body and closes the
 *      connection); otherwise answer later;
 *   3. further calls with upload data (not announced: cannot happen in HTTP/1.1) are counted
 *      and dropped; the last call dispatches and queues the answer;
 *   4. NOTIFY_COMPLETED writes the access log line and frees the state.
 * Bad input never makes the handler return MHD_NO (which would drop the connection): only a
 * failure to allocate or queue does.
 *
 * Not here: routing and validation (api_router.c), the answers themselves (h_*.c).
 */
#include "api_server.h"
#include "api_dbpool.h"
#include "api_http.h"
#include "api_router.h"
#include "api_upload.h"
#include "gdir_hours.h"
#include "gdir_log.h"
#include "gdir_parse.h"

#include <arpa/inet.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DRAIN_SECONDS 3                      /* graceful stop: wait for requests in progress */
#define GZIP_MIN_SIZE 512                    /* smaller bodies are sent as they are */
#define GZIP_MAX_FILE (4u * 1024u * 1024u)   /* larger static files are sent as they are */
#define STREAM_BLOCK (64u * 1024u)           /* piece size asked of a streamed body */

struct api_server {
    struct MHD_Daemon *mhd;
    struct api_ctx ctx;          /* what handlers see */
    struct api_dbpool pool;      /* per-thread connections */
    char *static_root;           /* owned realpaths */
    char *vendor_root;
    struct gdir_calendar *calendar;   /* owned: school holidays for opening hours */
    unsigned port;
};

/* One request, from the URI log callback to NOTIFY_COMPLETED. */
struct request_state {
    char *target;                /* raw request target (path?query), owned */
    char method[16];             /* as received, truncated */
    struct timespec start;
    int called;                  /* the access handler ran once */
    int status;                  /* status queued, 0 if none */
    uint64_t bytes;              /* body bytes queued */
    uint64_t upload;             /* request body bytes received and dropped */
    struct api_upload body;      /* the body of a route that takes one (POST), owned */
    struct gdir_err body_err;    /* why the body was refused while it arrived (413, 503) */
    int body_refused;            /* the rest of the body is dropped; body_err is answered */
};

static struct request_state *state_new(const char *target)
{
    struct request_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->target = strdup(target ? target : "");
    if (!st->target) {
        free(st);
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &st->start);
    return st;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
    (void)cls;
    (void)con;
    return state_new(uri);   /* becomes *req_cls; NULL is handled by on_request */
}

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
static int maybe_gzip(const struct api_server *srv, struct MHD_Connection *con,
                      struct api_response *res)
{
    const char *ae = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_ACCEPT_ENCODING);
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

/* A streamed body (struct api_stream) as MHD reads it. 0 from the producer is the end. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct api_stream *sm = cls;
    long n;
    (void)pos;
    n = sm->read(sm->cls, buf, max);
    if (n > 0)
        return (ssize_t)n;
    return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_free(void *cls)
{
    struct api_stream *sm = cls;
    if (sm->release)
        sm->release(sm->cls);
    free(sm);
}

/* Sends res (always complete) on con. Takes the body, the file or the stream of res. */
static enum MHD_Result send_response(const struct api_server *srv, struct MHD_Connection *con,
                                     struct request_state *st, struct api_response *res)
{
    struct MHD_Response *r;
    enum MHD_Result ok;
    size_t len = 0;
    int gzipped = maybe_gzip(srv, con, res);

    if (gzipped < 0)
        return MHD_NO;
    if (res->status == 304 && res->etag[0] && srv->ctx.cfg->gzip_level > 0) {
        /* Revalidating the gzip form: answer with the tag the client holds. */
        const char *inm = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
                                                      MHD_HTTP_HEADER_IF_NONE_MATCH);
        const char *ae = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_ACCEPT_ENCODING);
        size_t el = strlen(res->etag);
        char gz[sizeof res->etag];
        if (el >= 2 && el + 3 < sizeof gz && inm && api_accept_gzip(ae)) {
            memcpy(gz, res->etag, el - 1);
            memcpy(gz + el - 1, "-gz\"", 5);
            if (strstr(inm, gz))
                memcpy(res->etag, gz, el + 4);
        }
    }
    if (res->stream.read) {
        /* MHD calls stream_read for each piece and stream_free once, when done with r. */
        struct api_stream *sm = malloc(sizeof *sm);
        if (!sm)
            return MHD_NO;
        *sm = res->stream;
        r = MHD_create_response_from_callback(sm->size ? sm->size : MHD_SIZE_UNKNOWN,
                                              STREAM_BLOCK, stream_read, sm, stream_free);
        st->bytes = sm->size;
        if (r)
            memset(&res->stream, 0, sizeof res->stream);   /* r owns it now */
        else
            free(sm);
    } else if (res->fd >= 0) {
        r = MHD_create_response_from_fd64(res->fd_size, res->fd);
        if (r)
            res->fd = -1;   /* MHD owns the descriptor now */
        st->bytes = res->fd_size;
    } else {
        char *data = gdir_buf_steal(&res->body, &len);
        if (data) {
            r = MHD_create_response_from_buffer_with_free_callback(len, data, free);
            if (!r)
                free(data);
        } else {
            len = 0;
            r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        }
        st->bytes = len;
    }
    if (!r)
        return MHD_NO;
    for (int i = 0; api_security_headers[i][0]; i++)
        MHD_add_response_header(r, api_security_headers[i][0], api_security_headers[i][1]);
    if (res->content_type && res->status != 304 && res->status != 204)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
                            res->cache_control ? res->cache_control : API_CACHE_NONE);
    if (res->allow[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, res->allow);
    if (res->etag[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, res->etag);
    if (res->vary)
        MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, res->vary);
    if (gzipped)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    if (res->content_crs && res->status == 200)
        MHD_add_response_header(r, "Content-Crs", res->content_crs);
    if (res->status == 503)   /* busy (exports, uploads) or the database away: come back */
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, API_RETRY_AFTER);
    for (size_t i = 0; res->status == 200 && i < res->n_extra; i++)
        MHD_add_response_header(r, res->extra[i].name, res->extra[i].value);
    if (res->cors) {
        MHD_add_response_header(r, MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        MHD_add_response_header(r, "Access-Control-Expose-Headers", API_CORS_EXPOSE);
    }
    if (res->preflight) {
        MHD_add_response_header(r, "Access-Control-Allow-Methods",
                                res->allow[0] ? res->allow : API_CORS_METHODS);
        MHD_add_response_header(r, "Access-Control-Allow-Headers", API_CORS_HEADERS);
        MHD_add_response_header(r, "Access-Control-Max-Age", API_CORS_MAX_AGE);
    }
    if (strcmp(st->method, "HEAD") == 0 || res->status == 304 || res->status == 204)
        st->bytes = 0;   /* MHD sends the headers only */
    ok = MHD_queue_response(con, (unsigned)res->status, r);
    MHD_destroy_response(r);
    if (ok == MHD_YES)
        st->status = res->status;
    return ok;
}

/* Answers err (a request refused before routing: body too large, ...). */
static enum MHD_Result send_err(const struct api_server *srv, struct MHD_Connection *con,
                                struct request_state *st, const struct gdir_err *err)
{
    struct api_response res;
    enum MHD_Result ok;

    api_response_init(&res);
    api_error(&res, err);
    res.cors = strncmp(st->target, "/api/", 5) == 0;
    ok = send_response(srv, con, st, &res);
    api_response_free(&res);
    return ok;
}

static enum MHD_Result send_error(const struct api_server *srv, struct MHD_Connection *con,
                                  struct request_state *st, int code, const char *msg)
{
    struct gdir_err err;
    gdir_err_clear(&err);
    gdir_err_set(&err, code, "%s", msg);
    return send_err(srv, con, st, &err);
}

static const char *header(struct MHD_Connection *con, const char *name)
{
    return MHD_lookup_connection_value(con, MHD_HEADER_KIND, name);
}

/* Answers the request through the router. */
static enum MHD_Result dispatch(struct api_server *srv, struct MHD_Connection *con,
                                struct request_state *st, const char *method)
{
    struct api_response res;
    struct api_headers h = {
        .accept = header(con, MHD_HTTP_HEADER_ACCEPT),
        .accept_encoding = header(con, MHD_HTTP_HEADER_ACCEPT_ENCODING),
        .if_none_match = header(con, MHD_HTTP_HEADER_IF_NONE_MATCH),
        .origin = header(con, "Origin"),
        .acr_method = header(con, "Access-Control-Request-Method"),
        .acr_headers = header(con, "Access-Control-Request-Headers"),
        .host = header(con, MHD_HTTP_HEADER_HOST),
        .forwarded_proto = header(con, "X-Forwarded-Proto"),
        .content_type = header(con, MHD_HTTP_HEADER_CONTENT_TYPE),
        .body = st->body.active ? st->body.body.data : NULL,
        .body_len = st->body.active ? st->body.body.len : 0,
    };
    enum MHD_Result ok;

    api_response_init(&res);
    api_dispatch(&srv->ctx, method, st->target, &h, &res);
    ok = send_response(srv, con, st, &res);
    api_response_free(&res);
    return ok;
}

/* 1 when the request announces a body (GET routes take none). */
static int announces_body(struct MHD_Connection *con)
{
    const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    const char *te = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_TRANSFER_ENCODING);
    return te != NULL || (cl != NULL && strspn(cl, "0") != strlen(cl));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    struct api_server *srv = cls;
    struct request_state *st = *req_cls;

    (void)version;
    if (!st) {
        /* The URI callback could not allocate: try once more with what MHD gives us. */
        st = state_new(url);
        if (!st)
            return MHD_NO;
        *req_cls = st;
    }
    if (!st->called) {
        st->called = 1;
        snprintf(st->method, sizeof st->method, "%s", method);
        if (!announces_body(con))
            return MHD_YES;   /* answer on a later call, once the request is complete */
        if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
            return send_error(srv, con, st, GDIR_ETOOBIG, "request bodies are not accepted");
        if (api_route_takes_body(method, st->target)) {
            /* An upload (POST /api/search/csv/): received into memory, bounded. */
            const char *cl = header(con, MHD_HTTP_HEADER_CONTENT_LENGTH);
            long announced = -1;
            struct gdir_err err;
            size_t max = (size_t)srv->ctx.cfg->max_upload_size;
            gdir_err_clear(&err);
            if (cl && gdir_parse_long(cl, 0, LONG_MAX, &announced))
                announced = -1;
            if (api_upload_begin(&st->body, announced, max, 4 * max, &err))
                return send_err(srv, con, st, &err);
            return MHD_YES;
        }
        /* Other methods have no route at all: say 404/405 now rather than read the body. */
        return dispatch(srv, con, st, method);
    }
    if (*upload_data_size) {
        if (st->body.active && !st->status) {
            size_t max = (size_t)srv->ctx.cfg->max_upload_size;
            gdir_err_clear(&st->body_err);
            /* MHD cannot queue an answer while a body arrives: the rest is read and dropped
             * (memory stays bounded) and the error is answered once the request is complete. */
            if (api_upload_add(&st->body, upload_data, *upload_data_size, 4 * max, &st->body_err))
                st->body_refused = 1;
        } else {
            st->upload += *upload_data_size;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (st->status)
        return MHD_YES;
    if (st->body_refused)
        return send_err(srv, con, st, &st->body_err);
    if (st->upload)
        return send_error(srv, con, st, GDIR_ETOOBIG, "request bodies are not accepted");
    return dispatch(srv, con, st, method);
}

static void on_completed(void *cls, struct MHD_Connection *con, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct request_state *st = *req_cls;
    struct timespec now;
    char path[256];

    (void)cls;
    (void)con;
    if (!st)
        return;
    if (st->called) {
        /* The path without its query string: query values are never logged. */
        size_t n = strcspn(st->target, "?");
        char raw[256];
        snprintf(raw, sizeof raw, "%.*s", (int)(n < sizeof raw ? n : sizeof raw - 1), st->target);
        api_log_sanitize(path, sizeof path, raw);
        clock_gettime(CLOCK_MONOTONIC, &now);
        double ms = (double)(now.tv_sec - st->start.tv_sec) * 1e3 +
                    (double)(now.tv_nsec - st->start.tv_nsec) / 1e6;
        char method[sizeof st->method];
        api_log_sanitize(method, sizeof method, st->method);
        gdir_log(GDIR_LOG_INFO, "access",
                 "method=%s path=\"%s\" status=%d bytes=%llu dur_ms=%.2f%s", method, path,
                 st->status, (unsigned long long)st->bytes, ms,
                 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=1");
    }
    api_upload_end(&st->body);
    free(st->target);
    free(st);
    *req_cls = NULL;
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt,
                                                              va_list ap)
{
    char msg[512], clean[512];
    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    api_log_sanitize(clean, sizeof clean, msg);
    gdir_log(GDIR_LOG_WARN, "mhd", "msg=\"%s\"", clean);
}

/* A hash of the effective configuration: answers (and their ETags) depend on it. */
static uint64_t config_tag(const struct api_config *cfg)
{
    char *text = NULL;
    size_t len = 0;
    uint64_t h = API_HASH_INIT;
    FILE *f = open_memstream(&text, &len);
    if (f) {
        api_config_dump(cfg, f);
        fclose(f);
        h = api_hash(h, text, len);
    }
    free(text);
    return api_hash_str(h, "geodir-api search v1");
}

/* realpath of dir into *out, or NULL when it does not exist. */
static char *resolve_dir(const char *dir)
{
    return realpath(dir, NULL);
}

int api_server_start(struct api_server **out, const struct api_config *cfg, struct gdir_err *err)
{
    struct api_server *srv = calloc(1, sizeof *srv);
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    struct sockaddr *sa;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
                     MHD_USE_ITC;
    const union MHD_DaemonInfo *info;
    struct api_db *probe = NULL;
    int rc;

    *out = NULL;
    if (!srv)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");

    /* Fail now, not on the first request, when the database is not usable. */
    rc = api_db_open(&probe, cfg->db, err);
    api_db_close(probe);
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
    srv->ctx.calendar = srv->calendar;
    srv->ctx.config_tag = config_tag(cfg);
    srv->ctx.cfg = cfg;
    srv->ctx.pool = &srv->pool;
    srv->ctx.static_root = srv->static_root;
    srv->ctx.vendor_root = srv->vendor_root;

    memset(&sin, 0, sizeof sin);
    memset(&sin6, 0, sizeof sin6);
    if (inet_pton(AF_INET, cfg->listen, &sin.sin_addr) == 1) {
        sin.sin_family = AF_INET;
        sin.sin_port = htons((uint16_t)cfg->port);
        sa = (struct sockaddr *)&sin;
    } else {
        inet_pton(AF_INET6, cfg->listen, &sin6.sin6_addr);   /* validated by api_config */
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons((uint16_t)cfg->port);
        sa = (struct sockaddr *)&sin6;
        flags |= MHD_USE_IPv6;
    }

    srv->mhd = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, on_request, srv,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, (void *)srv,   /* first, so it sees everything */
        MHD_OPTION_SOCK_ADDR, sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->timeout,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)cfg->max_request_size,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, (void *)srv,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, (void *)srv,
        MHD_OPTION_END);
    if (!srv->mhd) {
        rc = gdir_err_set(err, GDIR_EIO, "cannot listen on %s port %ld (address in use?)",
                          cfg->listen, cfg->port);
        goto fail;
    }
    info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : (unsigned)cfg->port;
    *out = srv;
    return GDIR_OK;
fail:
    api_server_stop(srv);
    return rc;
}

unsigned api_server_port(const struct api_server *srv)
{
    return srv->port;
}

void api_server_stop(struct api_server *srv)
{
    if (!srv)
        return;
    if (srv->mhd) {
        MHD_socket lsock = MHD_quiesce_daemon(srv->mhd);
        for (int i = 0; i < DRAIN_SECONDS * 20; i++) {
            const union MHD_DaemonInfo *info =
                MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
            if (!info || info->num_connections == 0)
                break;
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        MHD_stop_daemon(srv->mhd);   /* joins the workers: their connections close */
        if (lsock != MHD_INVALID_SOCKET)
            close(lsock);
    }
    api_dbpool_destroy(&srv->pool);
    gdir_calendar_free(srv->calendar);
    free(srv->static_root);
    free(srv->vendor_root);
    free(srv);
}
