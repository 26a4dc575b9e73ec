/*
 * test_http_parse.c — unit tests of geoapi/http/http_parse.c: the strict request head parser and
 * the chunked body decoder. Every framing rule of http_parse.h has a case here; every correct
 * head is also fed one byte at a time (each prefix must ask for more, never fail), and every
 * chunked body is fed split at every position.
 */
#include "check.h"
#include "http_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HEAD 65536

/* Parses text (a copy: the parser writes NULs into it); returns the parser's result. */
static long parse(const char *text, struct http_head *h, struct gdir_err *err)
{
    size_t n = strlen(text);
    char *buf = malloc(n + 1);
    long rc;
    memcpy(buf, text, n + 1);
    gdir_err_clear(err);
    rc = http_parse_head(buf, n, MAX_HEAD, h, err);
    free(buf);
    return rc;
}

static void refused(const char *text, int code, const char *param)
{
    struct http_head h;
    struct gdir_err err;
    long rc = parse(text, &h, &err);
    if (rc != code)
        CHECK_FAIL_("%.60s: got %ld, expected %d (%s)", text, rc, code, err.msg);
    else if (param && strcmp(err.param, param) != 0)
        CHECK_FAIL_("%.60s: parameter %s, expected %s", text, err.param, param);
    else if (!err.msg[0])
        CHECK_FAIL_("%.60s: no message", text);
}

/* A correct head: complete at its length, and every shorter prefix asks for more. */
static void accepted(const char *text, long want_len)
{
    struct http_head h;
    struct gdir_err err;
    size_t n = strlen(text);
    char *buf = malloc(n + 1);

    for (size_t k = 0; k < (size_t)want_len; k++) {
        memcpy(buf, text, n + 1);
        gdir_err_clear(&err);
        long rc = http_parse_head(buf, k, MAX_HEAD, &h, &err);
        if (rc != 0) {
            CHECK_FAIL_("%.40s: prefix of %zu bytes gave %ld (%s)", text, k, rc, err.msg);
            break;
        }
    }
    memcpy(buf, text, n + 1);
    CHECK_INT_EQ(http_parse_head(buf, n, MAX_HEAD, &h, &err), want_len);
    free(buf);
}

static void test_correct_heads(void)
{
    struct http_head h;
    struct gdir_err err;
    const char *get = "GET /api/places?q=caf%C3%A9&lat=49 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
                      "Accept:  application/json \r\nACCEPT-encoding: gzip\r\n\r\n";
    char buf[512];

    accepted(get, (long)strlen(get));
    snprintf(buf, sizeof buf, "%s", get);
    CHECK_INT_EQ(http_parse_head(buf, strlen(buf), MAX_HEAD, &h, &err), (long)strlen(get));
    CHECK_STR_EQ(h.method, "GET");
    CHECK_STR_EQ(h.target, "/api/places?q=caf%C3%A9&lat=49");
    CHECK_INT_EQ(h.minor, 1);
    CHECK_INT_EQ(h.keep_alive, 1);
    CHECK_STR_EQ(http_field(&h, "accept"), "application/json");
    CHECK_STR_EQ(http_field(&h, "Accept-Encoding"), "gzip");
    CHECK_STR_EQ(http_field(&h, "HOST"), "127.0.0.1:8080");
    CHECK(http_field(&h, "Origin") == NULL);
    CHECK_INT_EQ(h.content_length, -1);

    /* a pipelined second request: the length of the first only */
    snprintf(buf, sizeof buf, "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /x HTTP/1.1\r\n");
    CHECK_INT_EQ(http_parse_head(buf, strlen(buf), MAX_HEAD, &h, &err), 27);

    /* HTTP/1.0 without Host, closing by default; keep-alive on request */
    CHECK_INT_EQ(parse("GET / HTTP/1.0\r\n\r\n", &h, &err), 18);
    CHECK_INT_EQ(h.keep_alive, 0);
    parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &h, &err);
    CHECK_INT_EQ(h.keep_alive, 1);
    parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n", &h, &err);
    CHECK_INT_EQ(h.keep_alive, 0);

    /* empty lines before the request line; bodies; Expect; IPv6 and empty field values */
    accepted("\r\n\r\nGET / HTTP/1.1\r\nHost: [::1]:80\r\nX-Empty:\r\n\r\n", 48);
    parse("POST /api/search/csv/ HTTP/1.1\r\nHost: a\r\nContent-Length: 42\r\n"
          "Expect: 100-continue\r\n\r\n", &h, &err);
    CHECK_INT_EQ(h.content_length, 42);
    CHECK_INT_EQ(h.expect_continue, 1);
    parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n", &h, &err);
    CHECK_INT_EQ(h.chunked, 1);
    /* raw bytes >= 0x80 in the target are left to the router (it names the parameter) */
    CHECK(parse("GET /api/places?q=\xff HTTP/1.1\r\nHost: a\r\n\r\n", &h, &err) > 0);
}

static void test_refused_heads(void)
{
    char big[9000];

    refused("GET /api/health HTTP/1.1\r\n\r\n", GDIR_EBADREQ, "Host");
    refused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", GDIR_EBADREQ, "Host");
    refused("GET / HTTP/1.1\r\nHost: evil.example/x\r\n\r\n", GDIR_EBADREQ, "Host");
    refused("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", GDIR_EBADREQ, "Host");
    refused("GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n", GDIR_EBADREQ, "request-line");
    refused("GET /a\nb HTTP/1.1\r\nHost: a\r\n\r\n", GDIR_EBADREQ, "request-line");
    refused("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", GDIR_EBADREQ, "target");
    refused("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", GDIR_EBADREQ, "request-line");
    refused("GET / HTTP/1.1\nHost: a\n\n", GDIR_EBADREQ, "request-line");
    refused("GET / HTTP/1.1\r\nHost: a\n\r\n", GDIR_EBADREQ, "header");
    refused("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", GDIR_EBADREQ, "header");
    refused("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01\r\n\r\n", GDIR_EBADREQ, "X");
    refused("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", GDIR_EBADREQ, "header");
    refused("GET / HTTP/1.1\r\nHost: a\r\nX : 1\r\n\r\n", GDIR_EBADREQ, "header");
    refused("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n", GDIR_EBADREQ, "header");
    refused("GET / HTTP/2.0\r\nHost: a\r\n\r\n", GDIR_EVERSION, "request-line");
    refused("GET / HTTP/1.2\r\nHost: a\r\n\r\n", GDIR_EVERSION, "request-line");
    refused("GET / HTTPS/1.1\r\nHost: a\r\n\r\n", GDIR_EBADREQ, "request-line");
    refused("GET /\r\n\r\n", GDIR_EBADREQ, "request-line");
    refused("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", GDIR_EBADREQ, "target");
    refused("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", GDIR_EBADREQ, "request-line");
    refused("ABCDEFGHIJKLMNOPQRSTUVWXYZ / HTTP/1.1\r\n\r\n", GDIR_EBADREQ, "request-line");
    refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            GDIR_EBADREQ, "Content-Length");
    refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
            GDIR_EBADREQ, "Content-Length");
    refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", GDIR_EBADREQ,
            "Content-Length");
    refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", GDIR_EBADREQ,
            "Content-Length");
    refused("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
            GDIR_EBADREQ, "Content-Length");
    refused("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            GDIR_ENOTIMPL, "Transfer-Encoding");
    /* refused before the line is complete: a slow client sending garbage gets it at once */
    refused("GE\x01", GDIR_EBADREQ, "request-line");
    refused("GET /a\x01", GDIR_EBADREQ, "target");

    memset(big, 'a', sizeof big);
    memcpy(big, "GET /", 5);
    big[sizeof big - 1] = '\0';
    refused(big, GDIR_EURILONG, "target");   /* incomplete, already too long */
    {
        /* 101 header fields */
        size_t cap = 4096, n;
        char *many = malloc(cap);
        n = (size_t)snprintf(many, cap, "GET / HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 100; i++)
            n += (size_t)snprintf(many + n, cap - n, "X%d: 1\r\n", i);
        snprintf(many + n, cap - n, "\r\n");
        refused(many, GDIR_EHEADERS, "header");
        free(many);
    }
    {
        /* a head longer than the maximum, complete or not */
        struct http_head h;
        struct gdir_err err;
        char *head = malloc(20000);
        int n = snprintf(head, 20000, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
        memset(head + n, 'v', 20000 - (size_t)n);
        gdir_err_clear(&err);
        CHECK_INT_EQ(http_parse_head(head, 20000, 16384, &h, &err), GDIR_EHEADERS);
        free(head);
    }
}

struct sink {
    char out[256];
    size_t len;
};

static int sink_add(void *cls, const char *data, size_t len, struct gdir_err *err)
{
    struct sink *s = cls;
    if (s->len + len > sizeof s->out)
        return gdir_err_set(err, GDIR_ETOOBIG, "too big");
    memcpy(s->out + s->len, data, len);
    s->len += len;
    return 0;
}

/* Decodes body split at every position; want is the body, or NULL for an error. */
static void chunked(const char *body, const char *want, size_t want_used)
{
    size_t n = strlen(body);
    for (size_t cut = 0; cut <= n; cut++) {
        struct http_chunked c;
        struct sink s = {{0}, 0};
        struct gdir_err err;
        long a, b = 0;
        memset(&c, 0, sizeof c);
        gdir_err_clear(&err);
        a = http_chunked_feed(&c, body, cut, sink_add, &s, &err);
        if (a >= 0 && !c.done)
            b = http_chunked_feed(&c, body + cut, n - cut, sink_add, &s, &err);
        if (!want) {
            if (a >= 0 && b >= 0) {
                CHECK_FAIL_("chunked %.30s cut at %zu: accepted", body, cut);
                return;
            }
            CHECK_INT_EQ(err.code, GDIR_EBADREQ);
            continue;
        }
        if (a < 0 || b < 0 || !c.done || s.len != strlen(want) || memcmp(s.out, want, s.len) ||
            (size_t)(a + b) != want_used) {
            CHECK_FAIL_("chunked %.30s cut at %zu: %ld %ld done=%d %.*s", body, cut, a, b,
                        c.done, (int)s.len, s.out);
            return;
        }
    }
}

static void test_chunked(void)
{
    chunked("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world", 26);
    chunked("A;name=value\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\nGET", "0123456789", 43);
    chunked("3\r\nabc\r\n0\r\n\r\n", "abc", 13);
    chunked("0\r\n\r\n", "", 5);
    chunked("g\r\n", NULL, 0);
    chunked("\r\n", NULL, 0);
    chunked("3\r\nabcd\r\n0\r\n\r\n", NULL, 0);
    chunked("3\nabc\r\n0\r\n\r\n", NULL, 0);
    chunked("3\r\nabc\n0\r\n\r\n", NULL, 0);
    chunked("1000000000000000\r\n", NULL, 0);
    chunked("0\r\nX: 1\n\r\n", NULL, 0);
}

static const struct check_case cases[] = {
    {"correct heads, byte by byte", test_correct_heads},
    {"refused heads: code and part named", test_refused_heads},
    {"chunked bodies split everywhere", test_chunked},
};

CHECK_MAIN(cases)
