/*
 * http_server.c — the connection layer of geodir-api (see http_server.h for the limits): one
 * listening socket shared by `threads` workers, each running an epoll loop over its own
 * connections (EPOLLEXCLUSIVE on the listening socket spreads the accepts). A connection moves
 * through four states:
 *
 *   HEAD    reading a request head (strict parser, head deadline not reset by bytes)
 *   BODY    reading the body of a route that takes one (Content-Length or chunked, bounded)
 *   WRITE   writing an answer: head and memory body with one sendmsg, a file with sendfile, a
 *           stream piece by piece (chunked when its size is unknown)
 *   LINGER  after the last answer of a closing connection: our side is shut, what the client
 *           still sends is read and dropped for a moment, so that it reads the answer instead
 *           of a reset
 *   PARKED  a request with a body whose handler deferred its answer (a durable submission
 *           waiting for its group commit): out of the epoll set until http_defer_ready puts
 *           it on its worker's ready list and wakes the worker (eventfd), which resumes it
 *
 * The handler runs on the worker thread (each worker has its own SQLite connection, see
 * api_dbpool.c). A request with a body is answered with Connection: close. Deadlines are
 * checked every TICK_MS by a scan of the worker's connections.
 *
 * Not here: what is answered (api_server.c builds every header and body, errors included).
 */
#define _GNU_SOURCE   /* accept4 */
#include "http_server.h"
#include "gdir_hash.h"

#include "api_upload.h"
#include "gdir_log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 250                       /* deadline scan period */
#define IN_FIRST 4096                     /* first size of a connection's input buffer */
#define SCRATCH (64u * 1024u)             /* per-worker read buffer (bodies, lingering) */
#define STREAM_BLOCK (64u * 1024u)        /* piece asked of a streamed body */
#define SENDFILE_MAX (1u << 20)           /* bytes per sendfile call */
#define LINGER_MS 2000                    /* lingering close: at most this long */
#define LINGER_BYTES (1u << 20)           /* and at most this much read */
#define MAX_REJECTING 1024                /* connections being refused at once (503) */
#define IP_BUCKETS 4096
#define ACCEPT_BATCH 64

enum { C_HEAD, C_BODY, C_WRITE, C_LINGER, C_PARKED };

struct worker;
struct conn;

struct http_defer {
    struct conn *c;
    struct http_defer *next;      /* the worker's ready list */
};

struct conn {
    struct conn *prev, *next;     /* the worker's list */
    struct worker *w;
    int fd;
    unsigned char ip[16];         /* peer address (IPv4 mapped), for the per-IP count */
    int counted;                  /* holds a place in the limits (not a refused connection) */
    int state;
    uint32_t events;              /* registered epoll events */
    char *in;                     /* bytes received, not yet used */
    size_t in_len, in_cap;
    uint64_t head_start;          /* ms: first byte of the current head, or the accept */
    uint64_t active;              /* ms: last progress (idle timeout) */
    uint64_t body_start;          /* ms */
    uint64_t linger_end;          /* ms */
    size_t lingered;
    unsigned requests;            /* answered on this connection */
    /* the request in progress */
    struct http_head *head;       /* owned copy while a body is read */
    struct api_upload upload;
    struct http_chunked chunk;
    long long body_left;          /* Content-Length body: bytes still to read */
    int head_only;                /* HEAD: the answer has no body */
    char method[HTTP_MAX_METHOD + 1];
    char path[256];               /* the target up to '?' (the access log never sees queries) */
    int logged_request;           /* method/path hold a request to log */
    struct timespec t0;
    /* the answer in progress */
    struct http_reply rep;
    char *out;                    /* status line and headers, then stream pieces */
    size_t out_len, out_off, out_cap;
    size_t body_off;
    uint64_t file_off;
    int stream_on;                /* rep.stream is being read */
    int stream_end;               /* its end (and the last chunk) is queued */
    int chunked;
    int close_after;
    int status;
    uint64_t bytes;
    /* a parked request: its handle, and the bytes of c->in to drop once answered */
    struct http_defer defer;
    size_t parked_used;
};

struct worker {
    struct http_server *srv;
    pthread_t thread;
    int ep;
    int wake;                     /* eventfd: stop */
    struct conn *conns;
    unsigned n_conns;
    int listening;
    uint64_t accept_resume;       /* ms: accepting paused (out of descriptors) until then */
    uint64_t last_scan;
    time_t date_sec;
    char date[64];
    struct http_head scratch_head;
    pthread_mutex_t ready_mu;
    struct http_defer *ready;     /* parked connections whose answer may be made */
    unsigned n_parked;
    char scratch[SCRATCH];
};

struct ip_entry {
    struct ip_entry *next;
    unsigned char ip[16];
    unsigned count;
};

struct http_server {
    int lfd;
    unsigned port;
    struct http_limits lim;
    struct http_callbacks cb;
    struct worker *workers;
    unsigned n_workers;
    atomic_uint n_conns;
    atomic_uint n_rejecting;
    atomic_int stopping;
    unsigned drain_ms;
    pthread_mutex_t ip_mu;
    struct ip_entry *ip_table[IP_BUCKETS];
};

static char listen_tag, wake_tag;   /* epoll data of the two non-connection descriptors */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- limits: connections in all and per address ------------------------------------------ */

static unsigned ip_hash(const unsigned char *ip)
{
    return (unsigned)(gdir_fnv64(GDIR_FNV64_INIT, ip, 16) % IP_BUCKETS);
}

/* Takes a place for a new connection from ip; 0 when over a limit. */
static int limits_take(struct http_server *srv, const unsigned char *ip)
{
    struct ip_entry *e;
    unsigned b = ip_hash(ip);
    int ok = 0;

    if (atomic_fetch_add(&srv->n_conns, 1) >= srv->lim.max_connections) {
        atomic_fetch_sub(&srv->n_conns, 1);
        return 0;
    }
    pthread_mutex_lock(&srv->ip_mu);
    for (e = srv->ip_table[b]; e && memcmp(e->ip, ip, 16) != 0; e = e->next)
        ;
    if (!e && (e = calloc(1, sizeof *e)) != NULL) {
        memcpy(e->ip, ip, 16);
        e->next = srv->ip_table[b];
        srv->ip_table[b] = e;
    }
    if (e && e->count < srv->lim.max_per_ip) {
        e->count++;
        ok = 1;
    }
    pthread_mutex_unlock(&srv->ip_mu);
    if (!ok)
        atomic_fetch_sub(&srv->n_conns, 1);
    return ok;
}

static void limits_give(struct http_server *srv, const unsigned char *ip)
{
    struct ip_entry **pe;
    unsigned b = ip_hash(ip);

    pthread_mutex_lock(&srv->ip_mu);
    for (pe = &srv->ip_table[b]; *pe && memcmp((*pe)->ip, ip, 16) != 0; pe = &(*pe)->next)
        ;
    if (*pe && --(*pe)->count == 0) {
        struct ip_entry *e = *pe;
        *pe = e->next;
        free(e);
    }
    pthread_mutex_unlock(&srv->ip_mu);
    atomic_fetch_sub(&srv->n_conns, 1);
}

/* ---- connections ------------------------------------------------------------------------- */

static void set_events(struct conn *c, uint32_t ev)
{
    struct epoll_event e = {.events = ev, .data.ptr = c};
    if (c->events != ev && epoll_ctl(c->w->ep, EPOLL_CTL_MOD, c->fd, &e) == 0)
        c->events = ev;
}

/* Frees what the answer in progress holds. */
static void reply_release(struct conn *c)
{
    if (c->rep.stream.release)
        c->rep.stream.release(c->rep.stream.cls);
    memset(&c->rep.stream, 0, sizeof c->rep.stream);
    if (c->rep.fd >= 0)
        close(c->rep.fd);
    c->rep.fd = -1;
    free(c->rep.body);
    c->rep.body = NULL;
    gdir_buf_free(&c->rep.headers);
    free(c->out);
    c->out = NULL;
    c->out_len = c->out_off = c->out_cap = 0;
}

static void request_release(struct conn *c)
{
    free(c->head);
    c->head = NULL;
    api_upload_end(&c->upload);
}

static void log_done(struct conn *c, int aborted)
{
    struct timespec now;
    double ms;
    if (!c->logged_request)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (double)(now.tv_sec - c->t0.tv_sec) * 1e3 + (double)(now.tv_nsec - c->t0.tv_nsec) / 1e6;
    c->w->srv->cb.done(c->w->srv->cb.cls, c->method, c->path, c->status, c->bytes, ms, aborted,
                       c->rep.tag);
    c->logged_request = 0;
    c->rep.tag = -1;   /* the next request's, until its handle sets it */
}

/* An empty answer for the handler or the error callback to fill. */
static void reply_init(struct http_reply *r)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    r->tag = -1;
    r->status = 500;
    gdir_buf_init(&r->headers, 64u * 1024u);
}

/* Gives back the place a connection held in the limits (or among those being refused). */
static void limits_drop(struct http_server *srv, const unsigned char *ip, int counted)
{
    if (counted)
        limits_give(srv, ip);
    else
        atomic_fetch_sub(&srv->n_rejecting, 1);
}

static void conn_close(struct conn *c)
{
    struct worker *w = c->w;
    if (c->state == C_WRITE || c->state == C_BODY)
        log_done(c, 1);
    reply_release(c);
    request_release(c);
    epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    limits_drop(w->srv, c->ip, c->counted);
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    w->n_conns--;
    free(c->in);
    free(c);
}

/* Lingering close: our side is shut; what the client still sends is dropped for a moment. */
static void conn_linger(struct conn *c)
{
    reply_release(c);
    request_release(c);
    shutdown(c->fd, SHUT_WR);
    c->state = C_LINGER;
    c->linger_end = now_ms() + LINGER_MS;
    c->lingered = 0;
    set_events(c, EPOLLIN);
}

/* ---- answers ------------------------------------------------------------------------------ */

static const char *reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

static const char *http_date(struct worker *w)
{
    time_t t = time(NULL);
    if (t != w->date_sec) {
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(w->date, sizeof w->date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        w->date_sec = t;
    }
    return w->date;
}

/* Room for n more bytes in c->out. */
static int out_reserve(struct conn *c, size_t n)
{
    if (c->out_len + n <= c->out_cap)
        return 0;
    size_t cap = c->out_cap ? c->out_cap : 1024;
    while (cap < c->out_len + n)
        cap *= 2;
    char *p = realloc(c->out, cap);
    if (!p)
        return -1;
    c->out = p;
    c->out_cap = cap;
    return 0;
}

/* Queues the status line and headers of c->rep; the body follows in conn_flush. */
static int start_answer(struct conn *c)
{
    struct http_reply *r = &c->rep;
    int has_body = r->status != 204 && r->status != 304 && r->status >= 200;
    uint64_t len = r->stream.read ? r->stream.size : r->fd >= 0 ? r->fd_size : r->body_len;
    int n;

    if (c->w->srv->stopping)
        r->close = 1;
    c->close_after = r->close || c->close_after;
    c->chunked = has_body && r->stream.read && r->stream.size == 0;
    if (out_reserve(c, 256 + r->headers.len))
        return -1;
    n = snprintf(c->out, c->out_cap, "HTTP/1.1 %d %s\r\nDate: %s\r\n%s", r->status,
                 reason(r->status), http_date(c->w),
                 c->close_after ? "Connection: close\r\n" : "");
    c->out_len = (size_t)n;
    if (has_body) {
        n = c->chunked ? snprintf(c->out + c->out_len, c->out_cap - c->out_len,
                                  "Transfer-Encoding: chunked\r\n")
                       : snprintf(c->out + c->out_len, c->out_cap - c->out_len,
                                  "Content-Length: %llu\r\n", (unsigned long long)len);
        c->out_len += (size_t)n;
    }
    memcpy(c->out + c->out_len, gdir_buf_str(&r->headers), r->headers.len);
    c->out_len += r->headers.len;
    memcpy(c->out + c->out_len, "\r\n", 2);
    c->out_len += 2;
    c->out_off = c->body_off = 0;
    c->file_off = 0;
    c->status = r->status;
    c->bytes = (has_body && !c->head_only) ? len : 0;
    if (!has_body || c->head_only) {
        /* headers only: let go of the body now */
        if (r->stream.release)
            r->stream.release(r->stream.cls);
        memset(&r->stream, 0, sizeof r->stream);
        if (r->fd >= 0)
            close(r->fd);
        r->fd = -1;
        free(r->body);
        r->body = NULL;
        r->body_len = 0;
    }
    c->stream_on = r->stream.read != NULL;
    c->stream_end = 0;
    c->state = C_WRITE;
    return 0;
}

/* Next piece of a streamed body into c->out (framed when chunked). 0, or -1 to cut. */
static int stream_fill(struct conn *c)
{
    struct api_stream *s = &c->rep.stream;
    size_t pre = c->chunked ? 18 : 0;
    long n;

    c->out_len = c->out_off = 0;
    if (out_reserve(c, pre + STREAM_BLOCK + 8))
        return -1;
    n = s->read(s->cls, c->out + pre, STREAM_BLOCK);
    if (n < 0)
        return -1;
    if (n == 0) {
        c->stream_end = 1;
        if (c->chunked) {
            memcpy(c->out, "0\r\n\r\n", 5);
            c->out_len = 5;
        }
        return 0;
    }
    if (c->chunked) {
        char hex[20];
        int hl = snprintf(hex, sizeof hex, "%lx\r\n", (unsigned long)n);
        c->out_off = pre - (size_t)hl;
        memcpy(c->out + c->out_off, hex, (size_t)hl);
        memcpy(c->out + pre + (size_t)n, "\r\n", 2);
        c->out_len = pre + (size_t)n + 2;
    } else {
        c->out_len = (size_t)n;
    }
    return 0;
}

/* The answer is written: log it, then wait for the next request (conn_process serves one
 * already received) or close. */
static void answer_done(struct conn *c)
{
    log_done(c, 0);
    reply_release(c);
    request_release(c);
    c->requests++;
    if (c->close_after) {
        conn_linger(c);
        return;
    }
    c->state = C_HEAD;
    c->active = c->head_start = now_ms();
    set_events(c, EPOLLIN);
}

/* Writes what it can. Returns 1 when the answer is written (c is in C_HEAD or C_LINGER), 0
 * when waiting for EPOLLOUT, -1 when the connection was closed (c is freed). */
static int conn_flush(struct conn *c)
{
    struct http_reply *r = &c->rep;

    for (;;) {
        size_t body_left = r->body ? r->body_len - c->body_off : 0;
        if (c->out_off < c->out_len || body_left) {
            struct iovec iov[2];
            struct msghdr m = {.msg_iov = iov};
            ssize_t n;
            if (c->out_off < c->out_len) {
                iov[m.msg_iovlen].iov_base = c->out + c->out_off;
                iov[m.msg_iovlen++].iov_len = c->out_len - c->out_off;
            }
            if (body_left) {
                iov[m.msg_iovlen].iov_base = r->body + c->body_off;
                iov[m.msg_iovlen++].iov_len = body_left;
            }
            n = sendmsg(c->fd, &m, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    break;
                conn_close(c);
                return -1;
            }
            c->active = now_ms();
            size_t head_part = c->out_len - c->out_off;
            if ((size_t)n <= head_part) {
                c->out_off += (size_t)n;
            } else {
                c->out_off = c->out_len;
                c->body_off += (size_t)n - head_part;
            }
            continue;
        }
        if (r->fd >= 0 && c->file_off < r->fd_size) {
            off_t off = (off_t)c->file_off;
            uint64_t left = r->fd_size - c->file_off;
            ssize_t n = sendfile(c->fd, r->fd, &off, left > SENDFILE_MAX ? SENDFILE_MAX : left);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                break;
            if (n <= 0) {   /* error, or the file shrank: the body is cut */
                conn_close(c);
                return -1;
            }
            c->file_off = (uint64_t)off;
            c->active = now_ms();
            continue;
        }
        if (c->stream_on && !c->stream_end) {
            if (stream_fill(c)) {
                conn_close(c);
                return -1;
            }
            continue;
        }
        answer_done(c);
        return 1;
    }
    set_events(c, EPOLLOUT);
    return 0;
}

/* Drops the first n bytes of c->in (a request that was answered). */
static void in_consume(struct conn *c, size_t n)
{
    if (n >= c->in_len) {
        c->in_len = 0;
        return;
    }
    memmove(c->in, c->in + n, c->in_len - n);
    c->in_len -= n;
}

/* The request held by c: head h, its body when one was received. */
static struct http_request conn_req(struct conn *c, const struct http_head *h)
{
    return (struct http_request){
        .head = h,
        .method = h->method,
        .target = h->target,
        .body = c->upload.active ? c->upload.body.data : NULL,
        .body_len = c->upload.active ? c->upload.body.len : 0,
        .peer = c->ip,
    };
}

/* The handler's answer in c->rep: sends it, then drops the first used bytes of c->in. Returns
 * as conn_flush. */
static int conn_answer(struct conn *c, size_t used)
{
    in_consume(c, used);
    if (start_answer(c)) {
        conn_close(c);
        return -1;
    }
    return conn_flush(c);
}

/* Answers the complete request held by c (head h, the first used bytes of c->in, dropped once
 * the handler has answered), or parks it when the handler defers. Returns as conn_flush (0
 * for parked). Only a request with a body may be deferred: its head is c's own copy. */
static int conn_dispatch(struct conn *c, const struct http_head *h, size_t used)
{
    struct http_server *srv = c->w->srv;
    struct http_request req = conn_req(c, h);

    c->defer.c = c;
    req.defer = h == c->head ? &c->defer : NULL;
    reply_init(&c->rep);
    srv->cb.handle(srv->cb.cls, &req, &c->rep);
    c->close_after = !h->keep_alive || c->upload.active || h->chunked || h->content_length > 0;
    if (c->rep.resume && req.defer) {
        epoll_ctl(c->w->ep, EPOLL_CTL_DEL, c->fd, NULL);
        c->events = 0;
        c->state = C_PARKED;
        c->parked_used = used;
        c->w->n_parked++;
        return 0;
    }
    return conn_answer(c, used);
}

void http_defer_ready(struct http_defer *d)
{
    struct worker *w = d->c->w;
    uint64_t one = 1;

    pthread_mutex_lock(&w->ready_mu);
    d->next = w->ready;
    w->ready = d;
    pthread_mutex_unlock(&w->ready_mu);
    if (write(w->wake, &one, sizeof one) < 0)
        gdir_log(GDIR_LOG_WARN, "http", "msg=\"cannot wake a worker\"");
}

/* Answers the parked requests of w's ready list. */
static void resume_ready(struct worker *w)
{
    struct http_defer *d;

    pthread_mutex_lock(&w->ready_mu);
    d = w->ready;
    w->ready = NULL;
    pthread_mutex_unlock(&w->ready_mu);
    while (d) {
        struct conn *c = d->c;
        struct http_request req = conn_req(c, c->head);
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
        void (*resume)(void *, const struct http_request *, struct http_reply *) = c->rep.resume;

        d = d->next;
        c->rep.resume = NULL;
        resume(c->rep.resume_cls, &req, &c->rep);
        w->n_parked--;
        c->state = C_HEAD;   /* start_answer moves it on */
        if (epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &e)) {
            conn_close(c);
            continue;
        }
        c->events = EPOLLIN;
        conn_answer(c, c->parked_used);
    }
}

/* Answers err (a request refused by this layer) and closes the connection after it. Returns as
 * conn_flush. */
static int conn_fail(struct conn *c, const struct gdir_err *err, const char *target)
{
    struct http_server *srv = c->w->srv;

    request_release(c);
    reply_release(c);
    reply_init(&c->rep);
    srv->cb.error(srv->cb.cls, target, err, &c->rep);
    c->rep.close = 1;
    c->close_after = 1;
    c->head_only = 0;
    if (!c->logged_request) {
        snprintf(c->method, sizeof c->method, "-");
        snprintf(c->path, sizeof c->path, "-");
        clock_gettime(CLOCK_MONOTONIC, &c->t0);
        c->logged_request = 1;
    }
    c->in_len = 0;
    if (start_answer(c)) {
        conn_close(c);
        return -1;
    }
    return conn_flush(c);
}

static int upload_sink(void *cls, const char *data, size_t len, struct gdir_err *err)
{
    struct conn *c = cls;
    return api_upload_add(&c->upload, data, len, c->w->srv->lim.upload_budget, err);
}

/* Body bytes data[0..n) of the request in progress. Returns 1 when the body is complete, 0
 * for more, -1 when the connection was answered (error: c may be freed). */
static int body_feed(struct conn *c, const char *data, size_t n)
{
    struct gdir_err err;
    gdir_err_clear(&err);
    c->active = now_ms();
    if (c->head->chunked) {
        long used = http_chunked_feed(&c->chunk, data, n, upload_sink, c, &err);
        if (used < 0) {
            conn_fail(c, &err, NULL);
            return -1;
        }
        /* bytes after the last chunk are dropped: the connection closes */
        return c->chunk.done;
    }
    size_t take = (uint64_t)n < (uint64_t)c->body_left ? n : (size_t)c->body_left;
    if (api_upload_add(&c->upload, data, take, c->w->srv->lim.upload_budget, &err)) {
        conn_fail(c, &err, NULL);
        return -1;
    }
    c->body_left -= (long long)take;
    return c->body_left == 0;
}

/* A complete head of hlen bytes in c->in, parsed into h. Returns -1 when c was closed. */
static int conn_request(struct conn *c, struct http_head *h, long hlen)
{
    struct http_server *srv = c->w->srv;
    int has_body = h->chunked || h->content_length > 0;
    struct gdir_err err;
    size_t pl = strcspn(h->target, "?");

    gdir_err_clear(&err);
    clock_gettime(CLOCK_MONOTONIC, &c->t0);
    snprintf(c->method, sizeof c->method, "%s", h->method);
    snprintf(c->path, sizeof c->path, "%.*s", (int)(pl < sizeof c->path ? pl : sizeof c->path - 1),
             h->target);
    c->logged_request = 1;
    c->head_only = strcmp(h->method, "HEAD") == 0;
    c->close_after = 0;
    size_t body_max = has_body ? srv->cb.takes_body(srv->cb.cls, h->method, h->target) : 0;

    if (!body_max) {
        if (has_body && (strcmp(h->method, "GET") == 0 || c->head_only)) {
            gdir_err_set(&err, GDIR_ETOOBIG, "request bodies are not accepted");
            return conn_fail(c, &err, h->target) < 0 ? -1 : 0;
        }
        /* No body, or a body no route reads: 404/405 without reading it, then close. */
        return conn_dispatch(c, h, (size_t)hlen) < 0 ? -1 : 0;
    }
    if (api_upload_begin(&c->upload, h->chunked ? -1 : h->content_length, body_max,
                         srv->lim.upload_budget, &err))
        return conn_fail(c, &err, h->target) < 0 ? -1 : 0;
    c->head = malloc(sizeof *c->head);
    if (!c->head) {
        conn_close(c);
        return -1;
    }
    *c->head = *h;
    memset(&c->chunk, 0, sizeof c->chunk);
    c->body_left = h->chunked ? -1 : h->content_length;
    c->state = C_BODY;
    c->body_start = now_ms();
    if (h->expect_continue) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (send(c->fd, cont, sizeof cont - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof cont - 1)) {
            conn_close(c);
            return -1;
        }
    }
    /* body bytes that came with the head; the head stays in c->in for the handler */
    size_t extra = c->in_len - (size_t)hlen;
    c->in_len = (size_t)hlen;
    if (extra) {
        int done = body_feed(c, c->in + hlen, extra);
        if (done < 0)
            return -1;
        if (done)
            return conn_dispatch(c, c->head, c->in_len) < 0 ? -1 : 0;
    }
    return 0;
}

/* Parses and answers what c->in holds, as long as it holds whole requests (pipelining) and
 * their answers are written at once. */
static void conn_process(struct conn *c)
{
    struct worker *w = c->w;

    while (c->state == C_HEAD && c->in_len) {
        struct gdir_err err;
        struct http_head *h = &w->scratch_head;
        long hlen;

        gdir_err_clear(&err);
        hlen = http_parse_head(c->in, c->in_len, w->srv->lim.max_head, h, &err);
        if (hlen == 0)
            return;
        if (hlen < 0) {
            conn_fail(c, &err, NULL);
            return;
        }
        if (conn_request(c, h, hlen) < 0)
            return;   /* c is gone */
    }
}

static void on_readable(struct conn *c)
{
    struct worker *w = c->w;

    if (c->state == C_LINGER) {
        ssize_t n = read(c->fd, w->scratch, sizeof w->scratch);
        if (n > 0 && (c->lingered += (size_t)n) < LINGER_BYTES)
            return;
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        conn_close(c);
        return;
    }
    if (c->state == C_BODY) {
        size_t room;
        char *tail = c->head->chunked ? NULL : api_upload_tail(&c->upload, &room);
        ssize_t n = tail ? read(c->fd, tail, room < (size_t)c->body_left ? room
                                                                           : (size_t)c->body_left)
                         : read(c->fd, w->scratch, sizeof w->scratch);
        int done;
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            conn_close(c);
            return;
        }
        if (tail) {   /* received in place: the body's whole length was allocated */
            c->active = now_ms();
            api_upload_received(&c->upload, (size_t)n);
            c->body_left -= n;
            done = c->body_left == 0;
        } else {
            done = body_feed(c, w->scratch, (size_t)n);
        }
        if (done > 0)
            conn_dispatch(c, c->head, c->in_len);
        return;
    }
    if (c->state != C_HEAD)
        return;
    if (c->in_len == c->in_cap) {
        size_t cap = c->in_cap ? c->in_cap * 2 : IN_FIRST;
        size_t max = w->srv->lim.max_head + 1;
        char *p;
        if (cap > max)
            cap = max;
        if (cap <= c->in_cap) {
            /* full: http_parse_head has said 431 already, unless nothing was parsed */
            conn_close(c);
            return;
        }
        p = realloc(c->in, cap);
        if (!p) {
            conn_close(c);
            return;
        }
        c->in = p;
        c->in_cap = cap;
    }
    ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        conn_close(c);   /* the client went away (or closed between requests) */
        return;
    }
    if (c->in_len == 0 && c->requests > 0)
        c->head_start = now_ms();   /* the head deadline runs from the first byte */
    c->in_len += (size_t)n;
    c->active = now_ms();
    conn_process(c);
}

/* ---- the worker loop ---------------------------------------------------------------------- */

static void conn_accepted(struct worker *w, int fd, const struct sockaddr_storage *sa)
{
    struct http_server *srv = w->srv;
    struct conn *c;
    unsigned char ip[16] = {0};
    int counted, one = 1;

    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
        ip[10] = ip[11] = 0xff;
        memcpy(ip + 12, &s4->sin_addr, 4);
    } else {
        memcpy(ip, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
    }
    counted = limits_take(srv, ip);
    if (!counted && atomic_fetch_add(&srv->n_rejecting, 1) >= MAX_REJECTING) {
        atomic_fetch_sub(&srv->n_rejecting, 1);
        close(fd);
        return;
    }
    c = calloc(1, sizeof *c);
    if (!c) {
        limits_drop(srv, ip, counted);
        close(fd);
        return;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->w = w;
    c->fd = fd;
    c->rep.fd = -1;
    c->rep.tag = -1;
    memcpy(c->ip, ip, 16);
    c->counted = counted;
    c->state = C_HEAD;
    c->active = c->head_start = now_ms();
    c->events = EPOLLIN;
    struct epoll_event e = {.events = c->events, .data.ptr = c};
    if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &e)) {
        limits_drop(srv, ip, counted);
        close(fd);
        free(c);
        return;
    }
    c->next = w->conns;
    if (w->conns)
        w->conns->prev = c;
    w->conns = c;
    w->n_conns++;
    if (!counted) {
        struct gdir_err err;
        gdir_err_clear(&err);
        gdir_err_set(&err, GDIR_EUNAVAIL, "too many connections%s",
                     atomic_load(&srv->n_conns) < srv->lim.max_connections
                         ? " from this address" : "");
        conn_fail(c, &err, NULL);
    }
}

static void set_listening(struct worker *w, int on)
{
    struct epoll_event e = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = &listen_tag};
    if (on == w->listening)
        return;
    if (on ? epoll_ctl(w->ep, EPOLL_CTL_ADD, w->srv->lfd, &e) == 0
           : epoll_ctl(w->ep, EPOLL_CTL_DEL, w->srv->lfd, NULL) == 0)
        w->listening = on;
}

static void do_accept(struct worker *w)
{
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        struct sockaddr_storage sa;
        socklen_t sl = sizeof sa;
        int fd = accept4(w->srv->lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                /* Out of descriptors: stop accepting for a moment rather than spin. */
                gdir_log(GDIR_LOG_WARN, "http", "msg=\"accept: out of descriptors\"");
                set_listening(w, 0);
                w->accept_resume = now_ms() + 100;
            }
            return;
        }
        conn_accepted(w, fd, &sa);
    }
}

/* Deadlines of every connection of w. */
static void scan(struct worker *w, uint64_t now)
{
    const struct http_limits *lim = &w->srv->lim;
    struct conn *c = w->conns, *next;

    for (; c; c = next) {
        struct gdir_err err;
        next = c->next;
        gdir_err_clear(&err);
        switch (c->state) {
        case C_HEAD:
            if (c->in_len == 0 && c->requests > 0) {
                if (now >= c->active + (uint64_t)lim->timeout * 1000u)
                    conn_close(c);   /* idle keep-alive */
            } else if (now >= c->head_start + (uint64_t)lim->head_timeout * 1000u) {
                if (c->in_len == 0) {
                    conn_close(c);   /* connected and said nothing */
                } else {
                    gdir_err_set(&err, GDIR_ETIMEOUT, "request head not complete within %u s",
                                 lim->head_timeout);
                    conn_fail(c, &err, NULL);
                }
            }
            break;
        case C_BODY:
            if (now >= c->body_start + (uint64_t)lim->body_timeout * 1000u ||
                now >= c->active + (uint64_t)lim->timeout * 1000u) {
                gdir_err_set(&err, GDIR_ETIMEOUT, "request body not received in time");
                conn_fail(c, &err, NULL);
            }
            break;
        case C_WRITE:
            if (now >= c->active + (uint64_t)lim->timeout * 1000u)
                conn_close(c);   /* the client stopped reading */
            break;
        case C_LINGER:
            if (now >= c->linger_end)
                conn_close(c);
            break;
        case C_PARKED:   /* its answer comes; the store has no deadline to break */
            break;
        }
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct http_server *srv = w->srv;
    struct epoll_event ev[64];
    uint64_t drain_end = 0;

    set_listening(w, 1);
    for (;;) {
        int n = epoll_wait(w->ep, ev, 64, TICK_MS);
        uint64_t now;
        for (int i = 0; i < n; i++) {
            void *tag = ev[i].data.ptr;
            if (tag == &listen_tag) {
                if (!srv->stopping)
                    do_accept(w);
            } else if (tag == &wake_tag) {
                uint64_t v;
                if (read(w->wake, &v, sizeof v) < 0)
                    continue;
                resume_ready(w);
            } else {
                struct conn *c = tag;
                if (c->state == C_WRITE) {
                    if (conn_flush(c) == 1 && c->state == C_HEAD && c->in_len)
                        conn_process(c);   /* a request that came while we wrote */
                } else {
                    on_readable(c);
                }
            }
        }
        now = now_ms();
        if (srv->stopping) {
            struct conn *c, *next;
            if (!drain_end) {
                drain_end = now + srv->drain_ms;
                set_listening(w, 0);
            }
            for (c = w->conns; c; c = next) {   /* idle connections go now */
                next = c->next;
                if ((c->state == C_HEAD && c->in_len == 0) || c->state == C_LINGER)
                    conn_close(c);
            }
            if (!w->conns || (now >= drain_end && !w->n_parked))
                break;
        }
        if (!w->listening && !srv->stopping && now >= w->accept_resume)
            set_listening(w, 1);
        if (now >= w->last_scan + TICK_MS) {
            scan(w, now);
            w->last_scan = now;
        }
    }
    while (w->conns)
        conn_close(w->conns);
    return NULL;
}

/* ---- start and stop ----------------------------------------------------------------------- */

static int bind_socket(const char *addr, unsigned port, int *out, unsigned *bound,
                       struct gdir_err *err)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int fd, one = 1;

    memset(&ss, 0, sizeof ss);
    if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
        sl = sizeof(struct sockaddr_in);
    } else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
        ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
        sl = sizeof(struct sockaddr_in6);
    } else {
        return gdir_err_set(err, GDIR_EIO, "listen: %s is not an IP address", addr);
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return gdir_err_set(err, GDIR_EIO, "socket: %s", strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 4096)) {
        int e = errno;
        close(fd);
        return gdir_err_set(err, GDIR_EIO, "cannot listen on %s port %u: %s", addr, port,
                            strerror(e));
    }
    sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    *bound = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                           : ((struct sockaddr_in6 *)&ss)->sin6_port);
    *out = fd;
    return GDIR_OK;
}

int http_server_start(struct http_server **out, const char *addr, unsigned port,
                      const struct http_limits *lim, const struct http_callbacks *cb,
                      struct gdir_err *err)
{
    struct http_server *srv = calloc(1, sizeof *srv);
    int rc;

    *out = NULL;
    if (!srv)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    srv->lim = *lim;
    srv->cb = *cb;
    srv->lfd = -1;
    pthread_mutex_init(&srv->ip_mu, NULL);
    rc = bind_socket(addr, port, &srv->lfd, &srv->port, err);
    if (rc)
        goto fail;
    srv->workers = calloc(lim->threads, sizeof *srv->workers);
    if (!srv->workers) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto fail;
    }
    for (unsigned i = 0; i < lim->threads; i++) {
        struct worker *w = &srv->workers[i];
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = &wake_tag};
        w->srv = srv;
        pthread_mutex_init(&w->ready_mu, NULL);
        w->ep = epoll_create1(EPOLL_CLOEXEC);
        w->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (w->ep < 0 || w->wake < 0 || epoll_ctl(w->ep, EPOLL_CTL_ADD, w->wake, &e) ||
            pthread_create(&w->thread, NULL, worker_main, w)) {
            if (w->ep >= 0)
                close(w->ep);
            if (w->wake >= 0)
                close(w->wake);
            rc = gdir_err_set(err, GDIR_EIO, "cannot start worker %u: %s", i, strerror(errno));
            goto fail;
        }
        srv->n_workers++;
    }
    *out = srv;
    return GDIR_OK;
fail:
    http_server_stop(srv, 0);
    return rc;
}

unsigned http_server_port(const struct http_server *srv)
{
    return srv->port;
}

unsigned http_server_connections(const struct http_server *srv)
{
    return atomic_load(&((struct http_server *)srv)->n_conns);
}

void http_server_stop(struct http_server *srv, unsigned drain_seconds)
{
    if (!srv)
        return;
    srv->drain_ms = drain_seconds * 1000u;
    atomic_store(&srv->stopping, 1);
    for (unsigned i = 0; i < srv->n_workers; i++) {
        uint64_t one = 1;
        if (write(srv->workers[i].wake, &one, sizeof one) < 0)
            gdir_log(GDIR_LOG_WARN, "http", "msg=\"cannot wake a worker\"");
    }
    for (unsigned i = 0; i < srv->n_workers; i++) {
        pthread_join(srv->workers[i].thread, NULL);
        pthread_mutex_destroy(&srv->workers[i].ready_mu);
        close(srv->workers[i].ep);
        close(srv->workers[i].wake);
    }
    if (srv->lfd >= 0)
        close(srv->lfd);
    for (unsigned b = 0; b < IP_BUCKETS; b++)
        while (srv->ip_table[b]) {
            struct ip_entry *e = srv->ip_table[b];
            srv->ip_table[b] = e->next;
            free(e);
        }
    pthread_mutex_destroy(&srv->ip_mu);
    free(srv->workers);
    free(srv);
}
