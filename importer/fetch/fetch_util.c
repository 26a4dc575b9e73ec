/*
 * fetch_util.c — the small helpers of the fetch step (fetch_internal.h): strings, file tests,
 * folders, a capped JSON file read (gdir_file_read), an atomic file write (the SHA-256 of a file is
 * gdir_sha256_file, gdir_hash.h).
 *
 * What it does not do: anything about HTTP, archives or the manifest's contents.
 */
#include "fetch_internal.h"
#include "gdir_buf.h"
#include "gdir_fs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *fetch_printf(const char *fmt, ...)
{
    struct gdir_buf b;
    va_list ap;
    gdir_buf_init(&b, 0);
    va_start(ap, fmt);
    gdir_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return gdir_buf_steal(&b, NULL);
}

void fetch_copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

void fetch_utc_now(char *out, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int fetch_is_file(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int fetch_is_dir(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

long long fetch_file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

char *fetch_absolute(const char *path)
{
    char cwd[4096];
    if (path[0] == '/')
        return gdir_strdup(path);
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    return fetch_printf("%s/%s", cwd, path);
}

int fetch_make_dirs(const char *path)
{
    char *p = gdir_strdup(path);
    int rc = 0;
    if (!p)
        return -1;
    for (char *s = p + 1; *s && rc == 0; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            rc = -1;
        *s = '/';
    }
    if (rc == 0 && mkdir(p, 0777) != 0 && errno != EEXIST)
        rc = -1;
    free(p);
    return rc == 0 && fetch_is_dir(path) ? 0 : -1;
}

const char *fetch_json_str(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

cJSON *fetch_load_json(const char *path, struct gdir_err *err)
{
    char *text;
    cJSON *root;
    int rc = gdir_file_read(path, FETCH_JSON_FILE_MAX, &text, NULL, err);
    if (rc == GDIR_ETOOBIG)
        gdir_err_set(err, rc, "%s: file larger than 4 MiB", path);
    if (rc)
        return NULL;
    root = cJSON_ParseWithOpts(text, NULL, 1);
    free(text);
    if (!root)
        gdir_err_set(err, GDIR_EFORMAT, "%s: not valid JSON", path);
    return root;
}

/* Writes len bytes to path through path.tmp + fsync + rename. */
int fetch_write_atomic(const char *path, const char *data, size_t len, struct gdir_err *err)
{
    char *tmp = fetch_printf("%s.tmp", path);
    FILE *f = tmp ? fopen(tmp, "wb") : NULL;
    int rc = GDIR_OK;
    int ok = f && fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        rc = gdir_err_set(err, GDIR_EIO, "%s: cannot write: %s", path, strerror(errno));
        if (tmp)
            unlink(tmp);
    }
    free(tmp);
    return rc;
}
