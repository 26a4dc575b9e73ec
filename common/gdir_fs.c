/*
 * gdir_fs.c — gdir_file_read: a whole file into one NUL-terminated string, read in chunks into
 * a capped gdir_buf so that a file growing while it is read cannot exceed the cap; the folder
 * of a path; removing a folder tree; where an installed data file is.
 * Not here: anything streamed (CSV, archives, downloads).
 */
#include "gdir_fs.h"
#include "gdir_buf.h"
#include "gdir_mem.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "1 MiB", "256 KiB" or "1000 bytes": the cap as the messages say it. */
static void size_text(size_t n, char *out, size_t cap)
{
    if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
        snprintf(out, cap, "%zu MiB", n / (1024 * 1024));
    else if (n >= 1024 && n % 1024 == 0)
        snprintf(out, cap, "%zu KiB", n / 1024);
    else
        snprintf(out, cap, "%zu bytes", n);
}

int gdir_file_read_fp(FILE *f, const char *path, size_t max, char **out, size_t *len,
                      struct gdir_err *err)
{
    struct gdir_buf b;
    char chunk[8192], limit[32];
    size_t n;
    int rc, ioerr;

    *out = NULL;
    if (len)
        *len = 0;
    gdir_buf_init(&b, max);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (gdir_buf_add(&b, chunk, n))
            break;
    ioerr = ferror(f);
    fclose(f);
    if (ioerr) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: read error", path);
        goto out;
    }
    if (b.err == GDIR_ETOOBIG) {
        size_text(max, limit, sizeof limit);
        rc = gdir_err_set(err, GDIR_ETOOBIG, "%s: larger than %s", path, limit);
        goto out;
    }
    if (b.err) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    *out = gdir_buf_steal(&b, len);     /* "" for an empty file */
    rc = *out ? GDIR_OK : gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", path);
out:
    gdir_buf_free(&b);
    return rc;
}

int gdir_file_read(const char *path, size_t max, char **out, size_t *len, struct gdir_err *err)
{
    FILE *f = fopen(path, "rb");

    *out = NULL;
    if (len)
        *len = 0;
    if (!f)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", path, strerror(errno));
    return gdir_file_read_fp(f, path, max, out, len, err);
}

char *gdir_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    char *d;
    if (!slash || n == 0)
        return gdir_strdup(slash ? "/" : ".");
    if ((d = malloc(n + 1))) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

const char *gdir_locate(const char *env, const char *src, const char *installed, int want_dir)
{
    const char *value = getenv(env);
    struct stat st;
    if (value && *value)
        return value;
    if (src && stat(src, &st) == 0 && (want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)))
        return src;
    return installed;
}

int gdir_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

void gdir_remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[PATH_MAX];

    if (!d)
        return;
    while ((e = readdir(d))) {
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p)
            continue;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            gdir_remove_tree(p);
        else
            remove(p);
    }
    closedir(d);
    rmdir(dir);
}
