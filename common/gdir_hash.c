/*
 * gdir_hash.c — SHA-256 through libcrypto's EVP interface, and FNV-1a 64. See gdir_hash.h.
 * No hash is implemented here by hand but FNV-1a (two lines): SHA-256 is OpenSSL's.
 */
#include "gdir_hash.h"

#include <openssl/evp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILE_CHUNK (1u << 16)   /* bytes read per fread by gdir_sha256_file */

int gdir_sha256_init(struct gdir_sha256 *s)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    s->ctx = NULL;
    if (!ctx)
        return GDIR_ENOMEM;
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return GDIR_EINTERNAL;
    }
    s->ctx = ctx;
    return GDIR_OK;
}

int gdir_sha256_update(struct gdir_sha256 *s, const void *p, size_t n)
{
    if (!s->ctx || EVP_DigestUpdate(s->ctx, p, n) != 1)
        return GDIR_EINTERNAL;
    return GDIR_OK;
}

int gdir_sha256_final(struct gdir_sha256 *s, unsigned char out[32])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    int ok = s->ctx && EVP_DigestFinal_ex(s->ctx, md, &len) == 1 && len == 32;

    memset(out, 0, 32);
    if (ok)
        memcpy(out, md, 32);
    gdir_sha256_free(s);
    return ok ? GDIR_OK : GDIR_EINTERNAL;
}

void gdir_sha256_free(struct gdir_sha256 *s)
{
    if (!s)
        return;
    EVP_MD_CTX_free(s->ctx);   /* NULL-safe */
    s->ctx = NULL;
}

void gdir_sha256_hex(const unsigned char dig[32], char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[dig[i] >> 4];
        hex[2 * i + 1] = digits[dig[i] & 15];
    }
    hex[64] = '\0';
}

int gdir_sha256_file(const char *path, char hex[65], long long *size, struct gdir_err *err)
{
    int rc = GDIR_EINTERNAL;
    struct gdir_sha256 h = {0};
    unsigned char dig[32];
    unsigned char *chunk = NULL;
    long long total = 0;
    size_t n;
    FILE *f;

    hex[0] = '\0';
    if (size)
        *size = 0;
    if (!(f = fopen(path, "rb"))) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: cannot compute its SHA-256: %s", path,
                          strerror(errno));
        goto out;
    }
    if (!(chunk = malloc(FILE_CHUNK))) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "%s: SHA-256: out of memory", path);
        goto out;
    }
    if ((rc = gdir_sha256_init(&h))) {
        gdir_err_set(err, rc, "%s: SHA-256: cannot start a digest", path);
        goto out;
    }
    while ((n = fread(chunk, 1, FILE_CHUNK, f)) > 0) {
        if ((rc = gdir_sha256_update(&h, chunk, n))) {
            gdir_err_set(err, rc, "%s: SHA-256: digest failed", path);
            goto out;
        }
        total += (long long)n;
    }
    if (ferror(f)) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: cannot compute its SHA-256: read error", path);
        goto out;
    }
    if ((rc = gdir_sha256_final(&h, dig))) {
        gdir_err_set(err, rc, "%s: SHA-256: digest failed", path);
        goto out;
    }
    gdir_sha256_hex(dig, hex);
    if (size)
        *size = total;
    rc = GDIR_OK;
out:
    gdir_sha256_free(&h);
    free(chunk);
    if (f)
        fclose(f);
    return rc;
}
