/*
 * fuzz_http_head.c — libFuzzer target of geoapi/http/http_parse.c: the request head parser and the
 * chunked body decoder, the first code every byte from the network meets.
 *
 * Input: the head parser sees the bytes as they are (max_request_size 16 KiB); the chunked
 * decoder sees them too, fed whole and fed in two parts cut at a position the first byte picks.
 * Asserted beyond "no crash":
 *   - a complete head: its length is within the input; method and target are NUL-terminated
 *     at their lengths; every field's name and value too; at most 100 fields; content_length
 *     is -1 or >= 0 and never together with chunked; an HTTP/1.1 head has a Host;
 *   - every shorter prefix of a complete head asks for more (0): a slow client is never refused
 *     for a head that becomes correct;
 *   - an error has a negative code, the HTTP status of a 4xx/5xx and a message;
 *   - the chunked decoder gives the same body and the same verdict however the input is cut.
 */
#include "http_parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HEAD 16384

struct sink {
    char *out;
    size_t len, cap;
};

static int sink_add(void *cls, const char *data, size_t len, struct gdir_err *err)
{
    struct sink *s = cls;
    if (s->len + len > s->cap)
        return gdir_err_set(err, GDIR_ETOOBIG, "too big");
    memcpy(s->out + s->len, data, len);
    s->len += len;
    return 0;
}

/* Decodes in[0..n) cut at cut; returns the bytes used or the error code, fills s. */
static long decode(const char *in, size_t n, size_t cut, struct sink *s)
{
    struct http_chunked c;
    struct gdir_err err;
    long a, b = 0;

    memset(&c, 0, sizeof c);
    gdir_err_clear(&err);
    s->len = 0;
    a = http_chunked_feed(&c, in, cut, sink_add, s, &err);
    if (a < 0)
        return a;
    if (!c.done && cut < n) {
        b = http_chunked_feed(&c, in + cut, n - cut, sink_add, s, &err);
        if (b < 0)
            return b;
    }
    return c.done ? a + b : -1000;   /* not done: same verdict expected both ways */
}

static void check_error(long rc, const struct gdir_err *err)
{
    int st = gdir_err_http_status((int)rc);
    if (rc >= 0 || err->code != rc || st < 400 || st > 599 || !err->msg[0])
        abort();
}

static void fuzz_head(const uint8_t *data, size_t size)
{
    struct http_head h;
    struct gdir_err err;
    char *buf = malloc(size + 1);
    long rc;

    memcpy(buf, data, size);
    buf[size] = '\0';
    gdir_err_clear(&err);
    rc = http_parse_head(buf, size, MAX_HEAD, &h, &err);
    if (rc < 0) {
        check_error(rc, &err);
    } else if (rc > 0) {
        if ((size_t)rc > size || h.n_fields > HTTP_MAX_HEADERS || h.method[h.method_len] ||
            h.target[h.target_len] || strlen(h.method) != h.method_len ||
            (h.chunked && h.content_length >= 0) || h.content_length < -1 ||
            (h.minor == 1 && !http_field(&h, "host")))
            abort();
        for (size_t i = 0; i < h.n_fields; i++)
            if (h.fields[i].name[h.fields[i].name_len] || h.fields[i].value[h.fields[i].value_len])
                abort();
        /* prefixes of a complete head ask for more */
        for (size_t k = (size_t)rc > 64 ? (size_t)rc - 64 : 0; k < (size_t)rc; k++) {
            memcpy(buf, data, size);
            gdir_err_clear(&err);
            if (http_parse_head(buf, k, MAX_HEAD, &h, &err) != 0)
                abort();
        }
    }
    free(buf);
}

static void fuzz_chunked(const uint8_t *data, size_t size)
{
    struct sink a = {malloc(size + 1), 0, size + 1}, b = {malloc(size + 1), 0, size + 1};
    size_t cut = size ? data[0] % (size + 1) : 0;
    long ra = decode((const char *)data, size, size, &a);
    long rb = decode((const char *)data, size, cut, &b);

    if ((ra >= 0) != (rb >= 0) || (ra == -1000) != (rb == -1000) ||
        (ra >= 0 && (ra != rb || a.len != b.len || memcmp(a.out, b.out, a.len))))
        abort();
    free(a.out);
    free(b.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_head(data, size);
    fuzz_chunked(data, size);
    return 0;
}
