/*
 * gdir_hash.h — every hash geodir computes, in one place:
 *   - SHA-256 (FIPS 180-4) through OpenSSL's libcrypto (EVP), streaming, for the checksums
 *     of the full exports and of the downloaded official files;
 *   - FNV-1a 64, for in-memory hash tables (a 32-bit table takes the low bits) and entity
 *     tags (not for anything an adversary chooses against: FNV is not collision-resistant).
 * Tested against the FIPS/NIST SHA-256 vectors in tests/exports/test_export_unit.c and the
 * FNV reference values in tests/unit/test_hash.c. Everything is reentrant.
 */
#ifndef GDIR_HASH_H
#define GDIR_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "gdir_err.h"

/* ---- SHA-256 -------------------------------------------------------------------------- */

/* A running SHA-256: init -> update ... -> final. The context is allocated by init and freed
 * by final (or gdir_sha256_free when abandoned). */
struct gdir_sha256 {
    void *ctx;              /* libcrypto's EVP_MD_CTX (owned); NULL when not running */
};

/* Starts a digest. Returns 0, or GDIR_ENOMEM / GDIR_EINTERNAL (s is then not running). */
int gdir_sha256_init(struct gdir_sha256 *s);

/* Hashes p[0..n). Returns 0 or GDIR_EINTERNAL (s not running, or libcrypto failed). */
int gdir_sha256_update(struct gdir_sha256 *s, const void *p, size_t n);

/* Finishes, writes the 32-byte digest and frees the context (s must be initialised again
 * before reuse). Returns 0 or GDIR_EINTERNAL (out is then zeroed). */
int gdir_sha256_final(struct gdir_sha256 *s, unsigned char out[32]);

/* Frees the context of an abandoned digest. NULL-safe, and safe on a finished one. */
void gdir_sha256_free(struct gdir_sha256 *s);

/* Lowercase hex of a digest into hex (64 digits and a NUL). */
void gdir_sha256_hex(const unsigned char dig[32], char hex[65]);

/* SHA-256 of a whole file: hex receives 64 lowercase digits and a NUL ("" on failure), *size
 * (when not NULL) its length in bytes. Returns 0, or GDIR_EIO (open/read failure; the message
 * names path) / GDIR_ENOMEM / GDIR_EINTERNAL with err filled. */
int gdir_sha256_file(const char *path, char hex[65], long long *size, struct gdir_err *err);

/* ---- FNV-1a --------------------------------------------------------------------------- */

#define GDIR_FNV64_INIT 14695981039346656037ull   /* offset basis */

/* FNV-1a 64 of p[0..n), continuing from h (start with GDIR_FNV64_INIT). Inline: the search
 * engine hashes category codes per place on its hot path. */
static inline uint64_t gdir_fnv64(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* The same over the bytes of s without its NUL (NULL hashes nothing); one pass, no strlen. */
static inline uint64_t gdir_fnv64_str(uint64_t h, const char *s)
{
    for (const unsigned char *b = (const unsigned char *)s; b && *b; b++)
        h = (h ^ *b) * 1099511628211ull;
    return h;
}

/* The same over s and its NUL (NULL as ""), so that a chain of strings hashed one after the
 * other keeps them apart ("ab","c" and "a","bc" differ): entity tags. */
static inline uint64_t gdir_fnv64_field(uint64_t h, const char *s)
{
    return gdir_fnv64_str(h, s) * 1099511628211ull;   /* (h ^ 0) * prime: the NUL */
}

#endif
