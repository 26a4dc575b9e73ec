/*
 * imp_unpack.c — the decompression of fetched files (see imp_unpack.h): a gzip file through
 * zlib's gz* functions, one member of a zip archive read by hand (end-of-central-directory
 * record, central directory, local header) and inflated with zlib, its size and CRC checked.
 *
 * What it does not do: ZIP64, encryption, methods other than stored and deflate (each is
 * refused with a message), or several members at once.
 */
#include "imp_unpack.h"
#include "gdir_buf.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK (64 * 1024)

int imp_gunzip_file(const char *in, const char *out, long long max, char *msg, size_t msg_size)
{
    unsigned char magic[2] = {0, 0};
    FILE *fin = fopen(in, "rb"), *fout = NULL;
    gzFile g = NULL;
    char *buf = NULL;
    long long total = 0;
    int ok = 0, n, errnum = Z_OK;

    if (!fin || fread(magic, 1, 2, fin) != 2 || magic[0] != 0x1f || magic[1] != 0x8b) {
        snprintf(msg, msg_size, "not a gzip file, though the catalogue or the fetch entry says "
                 "\"compression\": \"gzip\"");
        goto out;
    }
    fclose(fin);
    fin = NULL;
    if (!(g = gzopen(in, "rb")) || !(buf = malloc(CHUNK)) || !(fout = fopen(out, "wb"))) {
        snprintf(msg, msg_size, "cannot decompress: %s", strerror(errno));
        goto out;
    }
    gzbuffer(g, CHUNK);
    while ((n = gzread(g, buf, CHUNK)) > 0) {
        total += n;
        if (total > max) {
            snprintf(msg, msg_size, "larger than %lld MiB once decompressed (fetch.max_mb)",
                     max / (1024 * 1024));
            goto out;
        }
        if (fwrite(buf, 1, (size_t)n, fout) != (size_t)n) {
            snprintf(msg, msg_size, "%s: %s", out, strerror(errno));
            goto out;
        }
    }
    const char *zmsg = gzerror(g, &errnum);
    if (n < 0 || errnum != Z_OK) {
        snprintf(msg, msg_size, "damaged gzip file: %s", zmsg ? zmsg : "read error");
        goto out;
    }
    ok = 1;
out:
    if (g && gzclose_r(g) != Z_OK && ok) {
        snprintf(msg, msg_size, "damaged gzip file (truncated?)");
        ok = 0;
    }
    if (fin)
        fclose(fin);
    if (fout && fclose(fout) != 0 && ok) {
        snprintf(msg, msg_size, "%s: %s", out, strerror(errno));
        ok = 0;
    }
    free(buf);
    if (!ok)
        unlink(out);
    return ok ? 0 : -1;
}

static unsigned rd16(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static unsigned long rd32(const unsigned char *p)
{
    return (unsigned long)p[0] | (unsigned long)p[1] << 8 | (unsigned long)p[2] << 16 |
           (unsigned long)p[3] << 24;
}

struct zip_member {
    char name[IMP_ZIP_MEMBER_MAX];
    unsigned method, flags;
    unsigned long crc;
    unsigned long long csize, usize, local_off;
};

/* Finds the member matching pattern (every file when NULL): exactly one must match. */
static int zip_find(FILE *f, long long fsize, const char *pattern, struct zip_member *m,
                    char *msg, size_t msg_size)
{
    size_t tail = fsize < 22 + 65535 ? (size_t)fsize : 22 + 65535, i;
    unsigned char *buf = malloc(tail), *cd = NULL;
    unsigned long long cd_off, cd_size;
    unsigned n_entries;
    struct gdir_buf names;
    int matches = 0, rc = -1;

    gdir_buf_init(&names, 300);
    if (!buf || tail < 22 || fseeko(f, (off_t)(fsize - (long long)tail), SEEK_SET) != 0 ||
        fread(buf, 1, tail, f) != tail) {
        snprintf(msg, msg_size, "not a zip file");
        goto out;
    }
    /* The end-of-central-directory record is the last 22 bytes plus a comment. */
    for (i = tail - 22; rd32(buf + i) != 0x06054b50UL && i > 0; i--)
        ;
    if (rd32(buf + i) != 0x06054b50UL) {
        snprintf(msg, msg_size, "not a zip file (no central directory)");
        goto out;
    }
    n_entries = rd16(buf + i + 10);
    cd_size = rd32(buf + i + 12);
    cd_off = rd32(buf + i + 16);
    if (n_entries == 0xffff || cd_off == 0xffffffffUL || cd_size == 0xffffffffUL) {
        snprintf(msg, msg_size, "ZIP64 archives are not supported: unpack it first");
        goto out;
    }
    if (cd_off + cd_size > (unsigned long long)fsize || cd_size > 64u * 1024 * 1024 ||
        !(cd = malloc(cd_size + 1)) || fseeko(f, (off_t)cd_off, SEEK_SET) != 0 ||
        fread(cd, 1, cd_size, f) != cd_size) {
        snprintf(msg, msg_size, "damaged zip file (central directory)");
        goto out;
    }
    for (size_t pos = 0, e = 0; e < n_entries; e++) {
        if (pos + 46 > cd_size || rd32(cd + pos) != 0x02014b50UL) {
            snprintf(msg, msg_size, "damaged zip file (entry %zu)", e + 1);
            goto out;
        }
        size_t nlen = rd16(cd + pos + 28), xlen = rd16(cd + pos + 30), clen = rd16(cd + pos + 32);
        if (pos + 46 + nlen > cd_size) {
            snprintf(msg, msg_size, "damaged zip file (entry %zu)", e + 1);
            goto out;
        }
        char name[IMP_ZIP_MEMBER_MAX];
        size_t keep = nlen < sizeof name ? nlen : sizeof name - 1;
        memcpy(name, cd + pos + 46, keep);
        name[keep] = '\0';
        const char *base = strrchr(name, '/');
        base = base ? base + 1 : name;
        /* A folder, or an entry without a name or with a NUL byte in it (no file system
         * name holds one): nothing to extract. */
        int not_file = nlen == 0 || memchr(cd + pos + 46, '\0', nlen) || name[keep - 1] == '/';
        if (!not_file && keep == nlen &&
            (!pattern || fnmatch(pattern, name, 0) == 0 || fnmatch(pattern, base, 0) == 0)) {
            if (matches++ == 0) {
                snprintf(m->name, sizeof m->name, "%s", name);
                m->flags = rd16(cd + pos + 8);
                m->method = rd16(cd + pos + 10);
                m->crc = rd32(cd + pos + 16);
                m->csize = rd32(cd + pos + 20);
                m->usize = rd32(cd + pos + 24);
                m->local_off = rd32(cd + pos + 42);
            }
        }
        if (!not_file)
            gdir_buf_printf(&names, "%s%s", names.len ? ", " : "", name);
        pos += 46 + nlen + xlen + clen;
    }
    if (matches != 1) {
        const char *list = names.err ? "…" : gdir_buf_str(&names);
        if (matches == 0)
            snprintf(msg, msg_size, "no file%s%s%s in the zip archive (it holds: %.300s)",
                     pattern ? " matching '" : "", pattern ? pattern : "", pattern ? "'" : "",
                     list);
        else
            snprintf(msg, msg_size, "%d files%s%s%s in the zip archive (%.300s): set "
                     "fetch.member to choose one", matches, pattern ? " match '" : "",
                     pattern ? pattern : "", pattern ? "'" : "", list);
        goto out;
    }
    if (m->csize == 0xffffffffUL || m->usize == 0xffffffffUL || m->local_off == 0xffffffffUL) {
        snprintf(msg, msg_size, "ZIP64 members are not supported: unpack it first");
        goto out;
    }
    rc = 0;
out:
    gdir_buf_free(&names);
    free(buf);
    free(cd);
    return rc;
}

int imp_unzip_file(const char *in, const char *pattern, const char *out, long long max,
                   char *chosen, size_t chosen_size, char *msg, size_t msg_size)
{
    FILE *fin = fopen(in, "rb"), *fout = NULL;
    unsigned char lh[30], *ibuf = malloc(CHUNK), *obuf = malloc(CHUNK);
    struct zip_member m;
    z_stream zs;
    int zinit = 0, ok = 0;
    struct stat st;
    long long fsize = 0;
    unsigned long crc = crc32(0L, Z_NULL, 0);
    unsigned long long left, produced = 0;

    memset(&zs, 0, sizeof zs);
    if (!fin || !ibuf || !obuf || fstat(fileno(fin), &st) != 0) {
        snprintf(msg, msg_size, "cannot read the archive: %s", strerror(errno));
        goto out;
    }
    fsize = (long long)st.st_size;
    if (zip_find(fin, fsize, pattern, &m, msg, msg_size))
        goto out;
    snprintf(chosen, chosen_size, "%s", m.name);
    if (m.flags & 1) {
        snprintf(msg, msg_size, "zip member %s is encrypted", m.name);
        goto out;
    }
    if (m.method != 0 && m.method != 8) {
        snprintf(msg, msg_size, "zip member %s: compression method %u not supported (only "
                 "stored and deflate)", m.name, m.method);
        goto out;
    }
    if ((long long)m.usize > max) {
        snprintf(msg, msg_size, "zip member %s is larger than %lld MiB (fetch.max_mb)", m.name,
                 max / (1024 * 1024));
        goto out;
    }
    if (fseeko(fin, (off_t)m.local_off, SEEK_SET) != 0 || fread(lh, 1, 30, fin) != 30 ||
        rd32(lh) != 0x04034b50UL ||
        fseeko(fin, (off_t)(m.local_off + 30 + rd16(lh + 26) + rd16(lh + 28)), SEEK_SET) != 0 ||
        m.local_off + 30 + rd16(lh + 26) + rd16(lh + 28) + m.csize > (unsigned long long)fsize) {
        snprintf(msg, msg_size, "damaged zip file (member %s)", m.name);
        goto out;
    }
    if (!(fout = fopen(out, "wb"))) {
        snprintf(msg, msg_size, "%s: %s", out, strerror(errno));
        goto out;
    }
    if (m.method == 8) {
        if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) {
            snprintf(msg, msg_size, "zlib: cannot initialise");
            goto out;
        }
        zinit = 1;
    }
    int zret = Z_OK;
    for (left = m.csize; left > 0 || (m.method == 8 && zret != Z_STREAM_END);) {
        size_t want = left < CHUNK ? (size_t)left : CHUNK;
        if (want == 0 && m.method == 8) {
            snprintf(msg, msg_size, "damaged zip file (member %s is truncated)", m.name);
            goto out;
        }
        if (fread(ibuf, 1, want, fin) != want) {
            snprintf(msg, msg_size, "damaged zip file (member %s is truncated)", m.name);
            goto out;
        }
        left -= want;
        if (m.method == 0) {
            crc = crc32(crc, ibuf, (uInt)want);
            produced += want;
            if (fwrite(ibuf, 1, want, fout) != want) {
                snprintf(msg, msg_size, "%s: %s", out, strerror(errno));
                goto out;
            }
            continue;
        }
        zs.next_in = ibuf;
        zs.avail_in = (uInt)want;
        do {
            zs.next_out = obuf;
            zs.avail_out = CHUNK;
            zret = inflate(&zs, Z_NO_FLUSH);
            if (zret != Z_OK && zret != Z_STREAM_END && zret != Z_BUF_ERROR) {
                snprintf(msg, msg_size, "damaged zip file (member %s: %s)", m.name,
                         zs.msg ? zs.msg : "inflate error");
                goto out;
            }
            size_t got = CHUNK - zs.avail_out;
            produced += got;
            if (produced > m.usize || (long long)produced > max) {
                snprintf(msg, msg_size, "damaged zip file (member %s is longer than declared)",
                         m.name);
                goto out;
            }
            crc = crc32(crc, obuf, (uInt)got);
            if (got && fwrite(obuf, 1, got, fout) != got) {
                snprintf(msg, msg_size, "%s: %s", out, strerror(errno));
                goto out;
            }
        } while (zs.avail_out == 0 && zret != Z_STREAM_END);
    }
    if (produced != m.usize || crc != m.crc) {
        snprintf(msg, msg_size, "damaged zip file (member %s: size or CRC mismatch)", m.name);
        goto out;
    }
    ok = 1;
out:
    if (zinit)
        inflateEnd(&zs);
    if (fin)
        fclose(fin);
    if (fout && fclose(fout) != 0 && ok) {
        snprintf(msg, msg_size, "%s: %s", out, strerror(errno));
        ok = 0;
    }
    free(ibuf);
    free(obuf);
    if (!ok)
        unlink(out);
    return ok ? 0 : -1;
}
