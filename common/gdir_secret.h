/*
 * gdir_secret.h — what secrets need, in one place: random bytes from the kernel (getrandom),
 * base64url without padding (RFC 4648 §5), comparison in constant time, and HMAC-SHA256
 * (RFC 2104, on gdir_hash's SHA-256). Used by the online procedures for tracking codes,
 * tokens and CSRF tokens (geoapi/forms/, forms/forms_store.c); the back office's sessions
 * (issue 13) are meant to use the same. Everything is reentrant.
 */
#ifndef GDIR_SECRET_H
#define GDIR_SECRET_H

#include <stddef.h>

#include "gdir_err.h"

/* Fills buf with n bytes from getrandom(2) (blocking until the pool is ready, retried on EINTR
 * and short reads). Returns 0, or GDIR_EIO with err filled. */
int gdir_random(void *buf, size_t n, struct gdir_err *err);

/* The base64url length of n bytes without padding. */
#define GDIR_B64URL_LEN(n) (((n) * 4 + 2) / 3)

/* Writes the base64url form of p[0..n) (no padding) and a NUL into out, which must hold
 * GDIR_B64URL_LEN(n) + 1 bytes. */
void gdir_b64url(const void *p, size_t n, char *out);

/* 1 when s is exactly len characters of the base64url alphabet, else 0. */
int gdir_b64url_valid(const char *s, size_t len);

/* 1 when a[0..n) equals b[0..n), in a time that depends on n only. */
int gdir_ct_equal(const void *a, const void *b, size_t n);

/* HMAC-SHA256 of msg[0..n) under key[0..key_len) into out. Returns 0 or GDIR_EINTERNAL. */
int gdir_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t n,
                     unsigned char out[32]);

#endif
