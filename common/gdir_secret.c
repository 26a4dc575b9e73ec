/*
 * gdir_secret.c — random bytes, base64url, constant-time comparison and HMAC-SHA256. See
 * gdir_secret.h. HMAC is written on the streaming SHA-256 of gdir_hash (no second crypto API).
 */
#include "gdir_secret.h"
#include "gdir_hash.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

int gdir_random(void *buf, size_t n, struct gdir_err *err)
{
    unsigned char *p = buf;
    size_t done = 0;

    while (done < n) {
        ssize_t got = getrandom(p + done, n - done, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return gdir_err_set(err, GDIR_EIO, "getrandom: %s", strerror(errno));
        }
        done += (size_t)got;
    }
    return GDIR_OK;
}

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void gdir_b64url(const void *p, size_t n, char *out)
{
    const unsigned char *s = p;
    size_t o = 0, i = 0;

    for (; i + 3 <= n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
        out[o++] = b64url_alphabet[v >> 18];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
        out[o++] = b64url_alphabet[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)s[i] << 16;
        out[o++] = b64url_alphabet[v >> 18];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8;
        out[o++] = b64url_alphabet[v >> 18];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
    }
    out[o] = '\0';
}

int gdir_b64url_valid(const char *s, size_t len)
{
    return strlen(s) == len && strspn(s, b64url_alphabet) == len;
}

int gdir_ct_equal(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = a, *y = b;
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(x[i] ^ y[i]);
    return diff == 0;
}

/* One SHA-256 pass over pad (64 bytes) then msg[0..n). */
static int pass(const unsigned char pad[64], const void *msg, size_t n, unsigned char out[32])
{
    struct gdir_sha256 s;
    int rc = gdir_sha256_init(&s);
    if (rc)
        return GDIR_EINTERNAL;
    if (gdir_sha256_update(&s, pad, 64) || gdir_sha256_update(&s, msg, n)) {
        gdir_sha256_free(&s);
        return GDIR_EINTERNAL;
    }
    return gdir_sha256_final(&s, out);
}

int gdir_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t n,
                     unsigned char out[32])
{
    unsigned char k[64] = {0}, ipad[64], opad[64], inner[32];
    int rc = GDIR_OK;

    if (key_len > 64) {
        struct gdir_sha256 s;
        if (gdir_sha256_init(&s))
            return GDIR_EINTERNAL;
        if (gdir_sha256_update(&s, key, key_len)) {
            gdir_sha256_free(&s);
            return GDIR_EINTERNAL;
        }
        if (gdir_sha256_final(&s, k))
            return GDIR_EINTERNAL;
    } else if (key_len) {
        memcpy(k, key, key_len);
    }
    for (int i = 0; i < 64; i++) {
        ipad[i] = (unsigned char)(k[i] ^ 0x36);
        opad[i] = (unsigned char)(k[i] ^ 0x5c);
    }
    if (pass(ipad, msg, n, inner) || pass(opad, inner, sizeof inner, out))
        rc = GDIR_EINTERNAL;
    memset(k, 0, sizeof k);
    return rc;
}
