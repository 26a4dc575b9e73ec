/*
 * fetch_unpack.c — the decompression of fetched files (see fetch_unpack.h): a gzip file
 * through zlib's gz* functions; one member of a zip archive through libarchive (its seekable
 * zip reader, which reads the central directory, ZIP64 included, and checks sizes and CRCs).
 * Ours are the choice of the member (by pattern, exactly one), what counts as a file, the
 * size cap and the messages.
 *
 * What it does not do: decrypt, or extract several members at once.
 */
#include "fetch_unpack.h"
#include "gdir_buf.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK (64 * 1024)

int fetch_gunzip_file(const char *in, const char *out, long long max, struct gdir_err *err)
{
    unsigned char magic[2] = {0, 0};
    FILE *fin = fopen(in, "rb"), *fout = NULL;
    gzFile g = NULL;
    char *buf = NULL;
    long long total = 0;
    int rc = GDIR_OK, n, errnum = Z_OK;

    if (!fin || fread(magic, 1, 2, fin) != 2 || magic[0] != 0x1f || magic[1] != 0x8b) {
        rc = gdir_err_set(err, GDIR_EFORMAT, "not a gzip file, though the catalogue or the "
                          "fetch entry says \"compression\": \"gzip\"");
        goto out;
    }
    fclose(fin);
    fin = NULL;
    if (!(g = gzopen(in, "rb")) || !(buf = malloc(CHUNK)) || !(fout = fopen(out, "wb"))) {
        rc = gdir_err_set(err, GDIR_EIO, "cannot decompress: %s", strerror(errno));
        goto out;
    }
    gzbuffer(g, CHUNK);
    while ((n = gzread(g, buf, CHUNK)) > 0) {
        total += n;
        if (total > max) {
            rc = gdir_err_set(err, GDIR_ETOOBIG, "larger than %lld MiB once decompressed "
                              "(fetch.max_mb)", max / (1024 * 1024));
            goto out;
        }
        if (fwrite(buf, 1, (size_t)n, fout) != (size_t)n) {
            rc = gdir_err_set(err, GDIR_EIO, "%s: %s", out, strerror(errno));
            goto out;
        }
    }
    const char *zmsg = gzerror(g, &errnum);
    if (n < 0 || errnum != Z_OK)
        rc = gdir_err_set(err, GDIR_EFORMAT, "damaged gzip file: %s",
                          zmsg ? zmsg : "read error");
out:
    if (g && gzclose_r(g) != Z_OK && rc == GDIR_OK)
        rc = gdir_err_set(err, GDIR_EFORMAT, "damaged gzip file (truncated?)");
    if (fin)
        fclose(fin);
    if (fout && fclose(fout) != 0 && rc == GDIR_OK)
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", out, strerror(errno));
    free(buf);
    if (rc)
        unlink(out);
    return rc;
}

/* Opens in with libarchive's zip reader only. */
static int zip_open(const char *in, struct archive **out, struct gdir_err *err)
{
    struct archive *a = archive_read_new();
    struct stat st;
    int rc = GDIR_OK;

    *out = NULL;
    if (!a) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "cannot read the archive: out of memory");
        goto out;
    }
    if (stat(in, &st) != 0) {
        rc = gdir_err_set(err, GDIR_EIO, "cannot read the archive: %s", strerror(errno));
        goto out;
    }
    if (archive_read_support_format_zip_seekable(a) != ARCHIVE_OK ||
        archive_read_open_filename(a, in, CHUNK) != ARCHIVE_OK) {
        rc = gdir_err_set(err, GDIR_EFORMAT, "not a zip file (%s)",
                          archive_error_string(a) ? archive_error_string(a) : "unreadable");
        goto out;
    }
    *out = a;
    a = NULL;
out:
    if (a)
        archive_read_free(a);
    return rc;
}

/* The entry's path when it is a file we may extract, else NULL: folders, links, entries
 * without a name or whose name does not fit are not files. */
static const char *file_name(struct archive_entry *e)
{
    const char *name = archive_entry_pathname(e);
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n >= FETCH_ZIP_MEMBER_MAX || name[n - 1] == '/' ||
        archive_entry_filetype(e) != AE_IFREG)
        return NULL;
    return name;
}

static int matches(const char *pattern, const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    return !pattern || fnmatch(pattern, name, 0) == 0 || fnmatch(pattern, base, 0) == 0;
}

/* First pass: the one member matching pattern, by name and position (*index). */
static int zip_find(const char *in, const char *pattern, char *chosen, size_t chosen_size,
                    size_t *index, struct gdir_err *err)
{
    struct archive *a = NULL;
    struct archive_entry *e;
    struct gdir_buf names;
    int rc, r, n_match = 0;
    size_t i = 0;

    gdir_buf_init(&names, 300);
    if ((rc = zip_open(in, &a, err)))
        goto out;
    for (; (r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN; i++) {
        const char *name = file_name(e);
        if (!name)
            continue;
        gdir_buf_printf(&names, "%s%s", names.len ? ", " : "", name);
        if (matches(pattern, name) && n_match++ == 0) {
            snprintf(chosen, chosen_size, "%s", name);
            *index = i;
        }
    }
    const char *list = names.err ? "…" : gdir_buf_str(&names);
    const char *why = r == ARCHIVE_EOF ? NULL : archive_error_string(a);
    if (r != ARCHIVE_EOF && n_match == 0) {
        rc = gdir_err_set(err, GDIR_EFORMAT, "no file%s%s%s in the zip archive (it holds: "
                          "%.300s; then damaged zip file: %s)", pattern ? " matching '" : "",
                          pattern ? pattern : "", pattern ? "'" : "", list, why ? why : "?");
    } else if (r != ARCHIVE_EOF) {
        rc = gdir_err_set(err, GDIR_EFORMAT, "damaged zip file (%s)", why ? why : "?");
    } else if (n_match == 0) {
        rc = gdir_err_set(err, GDIR_EFORMAT, "no file%s%s%s in the zip archive (it holds: "
                          "%.300s)", pattern ? " matching '" : "", pattern ? pattern : "",
                          pattern ? "'" : "", list);
    } else if (n_match > 1) {
        rc = gdir_err_set(err, GDIR_EFORMAT, "%d files%s%s%s in the zip archive (%.300s): set "
                          "fetch.member to choose one", n_match, pattern ? " match '" : "",
                          pattern ? pattern : "", pattern ? "'" : "", list);
    }
out:
    gdir_buf_free(&names);
    if (a)
        archive_read_free(a);
    return rc;
}

/* Second pass: streams the member at index, named name, into fout. */
static int zip_copy(struct archive *a, size_t index, const char *name, long long max,
                    FILE *fout, const char *out, struct gdir_err *err)
{
    struct archive_entry *e = NULL;
    char buf[CHUNK];
    long long produced = 0;
    la_ssize_t n;
    int r = ARCHIVE_OK;

    for (size_t i = 0; i <= index; i++)
        if ((r = archive_read_next_header(a, &e)) != ARCHIVE_OK && r != ARCHIVE_WARN)
            break;
    if ((r != ARCHIVE_OK && r != ARCHIVE_WARN) || !archive_entry_pathname(e) ||
        strcmp(archive_entry_pathname(e), name) != 0)
        return gdir_err_set(err, GDIR_EFORMAT, "damaged zip file (member %s: %s)", name,
                            r != ARCHIVE_OK && archive_error_string(a) ? archive_error_string(a)
                                                                       : "not found again");
    if (archive_entry_is_encrypted(e))
        return gdir_err_set(err, GDIR_EFORMAT, "zip member %s is encrypted", name);
    if (archive_entry_size_is_set(e) && archive_entry_size(e) > max)
        return gdir_err_set(err, GDIR_ETOOBIG, "zip member %s is larger than %lld MiB "
                            "(fetch.max_mb)", name, max / (1024 * 1024));
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) {
        produced += n;
        if (produced > max)
            return gdir_err_set(err, GDIR_ETOOBIG, "zip member %s is larger than %lld MiB "
                                "(fetch.max_mb)", name, max / (1024 * 1024));
        if (fwrite(buf, 1, (size_t)n, fout) != (size_t)n)
            return gdir_err_set(err, GDIR_EIO, "%s: %s", out, strerror(errno));
    }
    if (n < 0)
        return gdir_err_set(err, GDIR_EFORMAT, "damaged zip file (member %s: %s)", name,
                            archive_error_string(a) ? archive_error_string(a) : "read error");
    return GDIR_OK;
}

int fetch_unzip_file(const char *in, const char *pattern, const char *out, long long max,
                     char *chosen, size_t chosen_size, struct gdir_err *err)
{
    char name[FETCH_ZIP_MEMBER_MAX];
    struct archive *a = NULL;
    FILE *fout = NULL;
    size_t index = 0;
    int rc;

    if ((rc = zip_find(in, pattern, name, sizeof name, &index, err)))
        goto out;
    snprintf(chosen, chosen_size, "%s", name);
    if ((rc = zip_open(in, &a, err)))
        goto out;
    if (!(fout = fopen(out, "wb"))) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", out, strerror(errno));
        goto out;
    }
    rc = zip_copy(a, index, name, max, fout, out, err);
out:
    if (fout && fclose(fout) != 0 && rc == GDIR_OK)
        rc = gdir_err_set(err, GDIR_EIO, "%s: %s", out, strerror(errno));
    if (a)
        archive_read_free(a);
    if (rc)
        unlink(out);
    return rc;
}
