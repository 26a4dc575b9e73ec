/*
 * gdir_sha256.h — SHA-256 (FIPS 180-4), incremental, for the checksums of the full exports.
 *
 * Own implementation (no dependency); tested against the FIPS/NIST vectors in
 * tests/exports/test_export_unit.c. Not constant-time: for file checksums, not secrets.
 */
#ifndef GDIR_SHA256_H
#define GDIR_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct gdir_sha256 {
    uint32_t h[8];          /* chaining state */
    uint64_t bytes;         /* message length so far */
    unsigned char blk[64];  /* pending partial block */
    size_t nblk;            /* bytes in blk */
};

void gdir_sha256_init(struct gdir_sha256 *s);
void gdir_sha256_update(struct gdir_sha256 *s, const void *p, size_t n);
/* Finishes and writes the 32-byte digest; s must be initialised again before reuse. */
void gdir_sha256_final(struct gdir_sha256 *s, unsigned char out[32]);
/* Lowercase hex of a digest into hex (65 bytes with the NUL). */
void gdir_sha256_hex(const unsigned char dig[32], char hex[65]);

#endif
