/*
 * imp_fetch.c — fetch mode of geodir-import (see imp_fetch.h): fetch entries and the catalogue,
 * HTTP(S) downloads with libcurl (resume, conditional requests, size cap), gzip and zip
 * decompression (imp_unpack.c), the check of each file with its mapping profile, the manifest and
 * the derived configuration.
 *
 * What it does not do: import anything (imp_run does, from the derived configuration), or
 * talk to any network but the URLs the configuration and the catalogue give.
 */
#include "imp_fetch.h"
#include "gdir_buf.h"
#include "gdir_config.h"
#include "gdir_json.h"
#include "gdir_log.h"
#include "imp_profile.h"
#include "imp_run.h"
#include "imp_source.h"
#include "imp_unpack.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef GDIR_VERSION
#define GDIR_VERSION "0.0.0"
#endif
#ifndef GDIR_PROFILES_INSTALL_DIR
#define GDIR_PROFILES_INSTALL_DIR "/usr/local/share/geodir/profiles"
#endif
#ifndef GDIR_CATALOGUE_INSTALL
#define GDIR_CATALOGUE_INSTALL "/usr/local/share/geodir/datasets/catalogue.json"
#endif

#define USER_AGENT "geodir-import/" GDIR_VERSION " (geodir open-data directory; fetch mode)"
#define JSON_FILE_MAX (4 * 1024 * 1024)     /* catalogue, manifest, configuration */
#define URL_MAX 2048
#define NAME_MAX_LEN 64                     /* source names, parameter names and values */
#define ETAG_MAX 256
#define DATE_MAX 64
#define MEMBER_MAX IMP_ZIP_MEMBER_MAX
#define DEFAULT_MAX_MB 2048                 /* a département's BAN is ~100 MB uncompressed */
#define DEFAULT_TIMEOUT_S 3600
#define CONNECT_TIMEOUT_S 30
#define LOW_SPEED_BYTES 100                 /* below this many bytes/s ... */
#define LOW_SPEED_TIME_S 60                 /* ... for this long, the transfer is abandoned */
#define CHUNK (64 * 1024)
#define MANIFEST_NAME "manifest.json"
#define LOCK_NAME ".fetch.lock"

enum comp { COMP_NONE, COMP_GZIP, COMP_ZIP };
static const char *const comp_names[] = {"none", "gzip", "zip"};

/* What the manifest says about one source: the file on disk and where it came from. */
struct record {
    int present;                  /* 1 when this record describes a file */
    char url[URL_MAX];            /* the URL asked for */
    char final_url[URL_MAX];      /* after redirects */
    char catalogue[NAME_MAX_LEN + 1];   /* catalogue entry, "" for a direct URL */
    char file[NAME_MAX_LEN + 32]; /* file name in the download folder */
    long long size;               /* bytes of file */
    char sha256[65];              /* of file */
    char compression[8];          /* "none", "gzip", "zip" */
    char member[MEMBER_MAX];      /* zip: the member extracted, else "" */
    long long download_size;      /* bytes downloaded (compressed), == size when "none" */
    char download_sha256[65];
    char last_modified[DATE_MAX]; /* the server's Last-Modified, "" if none */
    char etag[ETAG_MAX];          /* the server's ETag, "" if none */
    char fetched_at[32];          /* when the file was downloaded (UTC) */
    char checked_at[32];          /* when it was last checked (UTC) */
    char outcome[16];             /* "downloaded", "resumed" or "unchanged" in this run */
};

/* One source with a fetch entry. */
struct item {
    const struct gdir_source_cfg *src; /* borrowed from the territory */
    size_t index;                 /* index in the configuration's sources */
    char *url;                    /* resolved URL */
    char *catalogue;              /* catalogue entry name, or NULL */
    enum comp comp;
    char *member;                 /* zip member pattern (fnmatch), or NULL */
    long long max_bytes;
    long timeout_s;
    char ext[20];                 /* extension of the configured path, ".csv" */
    char *final_path, *part_path, *side_path, *cand_path; /* in the download folder */
    struct imp_profile profile;
    int profile_loaded;
    struct record prev;           /* the previous manifest's record, if any */
    struct record rec;            /* this run's record */
    int failed;
};

struct fetch {
    const struct imp_fetch_opts *o;
    struct gdir_territory t;
    int t_loaded;
    cJSON *config;                /* the configuration file, parsed */
    cJSON *catalogue;             /* loaded when a fetch entry names an entry */
    char *catalogue_path;
    char *dir;                    /* absolute download folder */
    char *manifest_path;
    char *effective_path;
    struct item *items;
    size_t n_items;
    char now[32];
    int lock_fd;
};

/* ---------------------------------------------------------------------------------------- */
/* Small helpers */

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
    struct gdir_buf b;
    va_list ap;
    gdir_buf_init(&b, 0);
    va_start(ap, fmt);
    gdir_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return gdir_buf_steal(&b, NULL);
}

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static void utc_now(char *out, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int is_file(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* An absolute version of path (not normalised): path itself when absolute. */
static char *absolute(const char *path)
{
    char cwd[4096];
    if (path[0] == '/')
        return xstrdup(path);
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    return xprintf("%s/%s", cwd, path);
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char *p = xstrdup(path);
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
    return rc == 0 && is_dir(path) ? 0 : -1;
}

/* Names that become file names: [A-Za-z0-9._-], not starting with '.', at most 64 bytes. */
static int safe_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NAME_MAX_LEN || s[0] == '.')
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* Values put into URLs: RFC 3986 unreserved characters only, so nothing needs escaping. */
static int url_safe_value(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > NAME_MAX_LEN)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '_' || *s == '-' || *s == '~'))
            return 0;
    return 1;
}

static int http_url(const char *u)
{
    if (strncasecmp(u, "http://", 7) != 0 && strncasecmp(u, "https://", 8) != 0)
        return 0;
    if (strlen(u) >= URL_MAX)
        return 0;
    for (; *u; u++)
        if ((unsigned char)*u <= ' ' || *u == 0x7f)
            return 0;
    return 1;
}

/* Reads a whole (small) file, capped. Returns NULL with msg filled on failure. */
static char *slurp(const char *path, char *msg, size_t msg_size)
{
    FILE *f = fopen(path, "rb");
    struct gdir_buf b;
    char chunk[8192];
    size_t n;
    if (!f) {
        snprintf(msg, msg_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    gdir_buf_init(&b, JSON_FILE_MAX);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (gdir_buf_add(&b, chunk, n))
            break;
    int ioerr = ferror(f);
    fclose(f);
    if (ioerr || b.err) {
        gdir_buf_free(&b);
        snprintf(msg, msg_size, "%s: %s", path, ioerr ? "read error" : "file larger than 4 MiB");
        return NULL;
    }
    char *s = gdir_buf_steal(&b, NULL);
    if (!s)
        s = xstrdup("");
    if (!s)
        snprintf(msg, msg_size, "%s: out of memory", path);
    return s;
}

static cJSON *load_json(const char *path, char *msg, size_t msg_size)
{
    char *text = slurp(path, msg, msg_size);
    cJSON *root;
    if (!text)
        return NULL;
    root = cJSON_ParseWithOpts(text, NULL, 1);
    free(text);
    if (!root)
        snprintf(msg, msg_size, "%s: not valid JSON", path);
    return root;
}

/* Writes len bytes to path through path.tmp + fsync + rename. */
static int write_atomic(const char *path, const char *data, size_t len, char *msg, size_t msg_size)
{
    char *tmp = xprintf("%s.tmp", path);
    FILE *f = tmp ? fopen(tmp, "wb") : NULL;
    int ok = f && fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        snprintf(msg, msg_size, "%s: cannot write: %s", path, strerror(errno));
        if (tmp)
            unlink(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}

/* SHA-256 of a file as 64 hex digits. */
static int sha256_file(const char *path, char hex[65], char *msg, size_t msg_size)
{
    FILE *f = fopen(path, "rb");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    int ok = f && ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    unsigned char *buf = malloc(CHUNK);
    size_t n;
    if (!buf)
        ok = 0;
    while (ok && (n = fread(buf, 1, CHUNK, f)) > 0)
        ok = EVP_DigestUpdate(ctx, buf, n) == 1;
    if (ok && ferror(f))
        ok = 0;
    if (ok)
        ok = EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == 32;
    if (ok)
        for (unsigned i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", md[i]);
    else
        snprintf(msg, msg_size, "%s: cannot compute its SHA-256: %s", path,
                 f ? "read error" : strerror(errno));
    free(buf);
    EVP_MD_CTX_free(ctx);
    if (f)
        fclose(f);
    return ok ? 0 : -1;
}

static const char *json_str(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Fetch entries and the catalogue */

/* Replaces every {key} of tmpl by params[key]; marks the parameters used in used[]. */
static char *expand(const char *tmpl, const cJSON *params, unsigned char *used, const char *what,
                    char *msg, size_t msg_size)
{
    struct gdir_buf b;
    gdir_buf_init(&b, URL_MAX);
    for (const char *s = tmpl; *s;) {
        const char *close = *s == '{' ? strchr(s, '}') : NULL;
        if (!close) {
            gdir_buf_addc(&b, *s++);
            continue;
        }
        char key[NAME_MAX_LEN + 1];
        size_t n = (size_t)(close - s - 1);
        if (n == 0 || n > NAME_MAX_LEN) {
            gdir_buf_addc(&b, *s++);
            continue;
        }
        memcpy(key, s + 1, n);
        key[n] = '\0';
        const cJSON *v = NULL;
        int k = 0;
        cJSON_ArrayForEach(v, params) {
            if (strcmp(v->string, key) == 0)
                break;
            k++;
        }
        if (!v) {
            snprintf(msg, msg_size, "%s needs the parameter {%s}: add it to fetch.params", what,
                     key);
            gdir_buf_free(&b);
            return NULL;
        }
        used[k] = 1;
        gdir_buf_adds(&b, v->valuestring);
        s = close + 1;
    }
    char *out = gdir_buf_steal(&b, NULL);
    if (!out)
        snprintf(msg, msg_size, "%s: longer than %d bytes once expanded", what, URL_MAX - 1);
    return out;
}

static int parse_comp(const cJSON *v, enum comp *out)
{
    for (int i = 0; i < 3; i++)
        if (cJSON_IsString(v) && strcmp(v->valuestring, comp_names[i]) == 0) {
            *out = (enum comp)i;
            return 0;
        }
    return -1;
}

static const char *catalogue_file(void)
{
    const char *env = getenv("GEODIR_CATALOGUE");
    if (env && *env)
        return env;
#ifdef GDIR_CATALOGUE_SRC
    if (is_file(GDIR_CATALOGUE_SRC))
        return GDIR_CATALOGUE_SRC;
#endif
    return GDIR_CATALOGUE_INSTALL;
}

static const cJSON *catalogue_entry(struct fetch *f, const char *name, char *msg, size_t msg_size)
{
    const cJSON *it;
    if (!f->catalogue) {
        const char *path = catalogue_file();
        if (!(f->catalogue_path = xstrdup(path)) ||
            !(f->catalogue = load_json(path, msg, msg_size)))
            return NULL;
        if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(f->catalogue, "sources"))) {
            snprintf(msg, msg_size, "%s: sources: expected an array", path);
            return NULL;
        }
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(f->catalogue, "sources")) {
        const char *n = json_str(it, "name");
        if (n && strcmp(n, name) == 0)
            return it;
    }
    snprintf(msg, msg_size, "no entry '%s' in the catalogue %s", name, f->catalogue_path);
    return NULL;
}

/* The extension the downloaded file keeps: that of the configured path (".csv"); for a
 * compressed download configured as "x.csv.gz", the one before ".gz". */
static void file_ext(const char *path, enum comp comp, char *ext, size_t size)
{
    const char *base = strrchr(path, '/');
    char name[256];
    base = base ? base + 1 : path;
    copy(name, sizeof name, base);
    for (int pass = 0; pass < 2; pass++) {
        char *dot = strrchr(name, '.');
        ext[0] = '\0';
        if (!dot || dot == name || strlen(dot) >= size)
            return;
        if (pass == 0 && comp != COMP_NONE && (strcasecmp(dot, ".gz") == 0 ||
                                               strcasecmp(dot, ".zip") == 0)) {
            *dot = '\0';
            continue;
        }
        for (const char *c = dot + 1; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
                return;
        copy(ext, size, dot);
        return;
    }
}

/* Reads sources[i].fetch into it. Returns 0, or -1 with msg filled (configuration error). */
static int parse_item(struct fetch *f, struct item *it, const cJSON *spec, char *msg,
                      size_t msg_size)
{
    static const char *const keys[] = {"catalogue", "url", "params", "compression", "member",
                                       "max_mb", "timeout_s"};
    const struct gdir_source_cfg *s = it->src;
    const cJSON *v, *params, *entry = NULL;
    const char *tmpl = NULL, *member = NULL;
    unsigned char used[64] = {0};
    char what[160];

    if (!cJSON_IsObject(spec)) {
        snprintf(msg, msg_size, "fetch: expected an object");
        return -1;
    }
    cJSON_ArrayForEach(v, spec) {
        size_t k = 0;
        while (k < sizeof keys / sizeof keys[0] && strcmp(keys[k], v->string) != 0)
            k++;
        if (k == sizeof keys / sizeof keys[0]) {
            snprintf(msg, msg_size, "fetch.%.60s: unknown key (known: catalogue, url, params, "
                     "compression, member, max_mb, timeout_s)", v->string);
            return -1;
        }
    }
    if (!safe_name(s->name)) {
        snprintf(msg, msg_size, "name: a fetched source's name becomes a file name: use "
                 "letters, digits, '.', '_' or '-' (at most 64, not starting with '.')");
        return -1;
    }
    params = cJSON_GetObjectItemCaseSensitive(spec, "params");
    if (params && !cJSON_IsObject(params)) {
        snprintf(msg, msg_size, "fetch.params: expected an object of strings");
        return -1;
    }
    if (cJSON_GetArraySize(params) > (int)sizeof used) {
        snprintf(msg, msg_size, "fetch.params: too many parameters");
        return -1;
    }
    cJSON_ArrayForEach(v, params) {
        if (!url_safe_value(v->string) || !cJSON_IsString(v) || !url_safe_value(v->valuestring)) {
            snprintf(msg, msg_size, "fetch.params.%.60s: names and values are strings of letters, "
                     "digits, '.', '_', '-' or '~' (1 to 64)", v->string);
            return -1;
        }
    }

    const char *cat = json_str(spec, "catalogue");
    const char *url = json_str(spec, "url");
    if (!cat == !url || (cJSON_GetObjectItemCaseSensitive(spec, "catalogue") && !cat) ||
        (cJSON_GetObjectItemCaseSensitive(spec, "url") && !url)) {
        snprintf(msg, msg_size, "fetch: give either \"catalogue\" (an entry of the catalogue) or "
                 "\"url\", as a string");
        return -1;
    }
    it->comp = COMP_NONE;
    if (cat) {
        char detail[GDIR_ERR_MSG_MAX];
        if (!(entry = catalogue_entry(f, cat, detail, sizeof detail))) {
            snprintf(msg, msg_size, "fetch.catalogue: %s", detail);
            return -1;
        }
        if (!(it->catalogue = xstrdup(cat)))
            goto nomem;
        tmpl = json_str(entry, "download_url");
        if (!tmpl) {
            const char *landing = json_str(entry, "landing_page");
            snprintf(msg, msg_size, "fetch.catalogue: the catalogue entry '%s' has no fixed download "
                     "URL (it changes at each release): give fetch.url instead%s%s", cat,
                     landing ? "; the current file is listed on " : "", landing ? landing : "");
            return -1;
        }
        v = cJSON_GetObjectItemCaseSensitive(entry, "compression");
        if (v && parse_comp(v, &it->comp)) {
            snprintf(msg, msg_size, "catalogue entry '%s': compression: expected \"none\", "
                     "\"gzip\" or \"zip\"", cat);
            return -1;
        }
        member = json_str(entry, "member");
        const char *prof = json_str(entry, "profile");
        if (prof && strcmp(prof, s->profile) != 0)
            gdir_log(GDIR_LOG_WARN, "fetch", "source=%s msg=\"the catalogue reads this file with "
                     "another profile\" catalogue_profile=%s profile=%s", s->name, prof, s->profile);
    } else {
        tmpl = url;
    }
    v = cJSON_GetObjectItemCaseSensitive(spec, "compression");
    if (v && parse_comp(v, &it->comp)) {
        snprintf(msg, msg_size, "fetch.compression: expected \"none\", \"gzip\" or \"zip\"");
        return -1;
    }
    v = cJSON_GetObjectItemCaseSensitive(spec, "member");
    if (v && !cJSON_IsString(v)) {
        snprintf(msg, msg_size, "fetch.member: expected a string (a file name or a pattern)");
        return -1;
    }
    if (v)
        member = v->valuestring;
    if (member && it->comp != COMP_ZIP) {
        snprintf(msg, msg_size, "fetch.member: only for \"compression\": \"zip\"");
        return -1;
    }

    snprintf(what, sizeof what, "the URL%s%s", cat ? " of catalogue entry " : "", cat ? cat : "");
    if (!(it->url = expand(tmpl, params, used, what, msg, msg_size)))
        return -1;
    if (member && strlen(member) >= MEMBER_MAX) {
        snprintf(msg, msg_size, "fetch.member: longer than %d bytes", MEMBER_MAX - 1);
        return -1;
    }
    if (member && !(it->member = expand(member, params, used, "fetch.member", msg, msg_size)))
        return -1;
    int k = 0;
    cJSON_ArrayForEach(v, params) {
        if (!used[k++]) {
            snprintf(msg, msg_size, "fetch.params.%s: not used by the URL (%s)", v->string,
                     it->url);
            return -1;
        }
    }
    if (!http_url(it->url)) {
        snprintf(msg, msg_size, "fetch: '%.200s' is not an http:// or https:// URL", it->url);
        return -1;
    }

    it->max_bytes = (long long)DEFAULT_MAX_MB * 1024 * 1024;
    v = cJSON_GetObjectItemCaseSensitive(spec, "max_mb");
    if (v) {
        if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 65536) {
            snprintf(msg, msg_size, "fetch.max_mb: expected a number from 1 to 65536");
            return -1;
        }
        it->max_bytes = (long long)(v->valuedouble * 1024 * 1024);
    }
    it->timeout_s = DEFAULT_TIMEOUT_S;
    v = cJSON_GetObjectItemCaseSensitive(spec, "timeout_s");
    if (v) {
        if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 86400 ||
            v->valuedouble != (double)(long)v->valuedouble) {
            snprintf(msg, msg_size, "fetch.timeout_s: expected whole seconds from 1 to 86400");
            return -1;
        }
        it->timeout_s = (long)v->valuedouble;
    }

    file_ext(s->path, it->comp, it->ext, sizeof it->ext);
    it->final_path = xprintf("%s/%s%s", f->dir, s->name, it->ext);
    it->part_path = xprintf("%s/%s.part", f->dir, s->name);
    it->side_path = xprintf("%s/%s.part.json", f->dir, s->name);
    it->cand_path = xprintf("%s/%s.new%s", f->dir, s->name, it->ext);
    if (!it->final_path || !it->part_path || !it->side_path || !it->cand_path)
        goto nomem;
    if (strcmp(it->final_path, f->manifest_path) == 0 ||
        strcmp(it->final_path, f->effective_path) == 0) {
        snprintf(msg, msg_size, "name: '%s' would overwrite the fetch folder's own files: "
                 "rename the source", s->name);
        return -1;
    }
    return 0;
nomem:
    snprintf(msg, msg_size, "out of memory");
    return -1;
}

/* ---------------------------------------------------------------------------------------- */
/* The manifest */

static void record_from_json(struct record *r, const cJSON *o)
{
    const cJSON *v;
    memset(r, 0, sizeof *r);
    r->present = json_str(o, "file") && json_str(o, "sha256") && json_str(o, "url");
    copy(r->url, sizeof r->url, json_str(o, "url"));
    copy(r->final_url, sizeof r->final_url, json_str(o, "final_url"));
    copy(r->catalogue, sizeof r->catalogue, json_str(o, "catalogue"));
    copy(r->file, sizeof r->file, json_str(o, "file"));
    copy(r->sha256, sizeof r->sha256, json_str(o, "sha256"));
    copy(r->compression, sizeof r->compression, json_str(o, "compression"));
    copy(r->member, sizeof r->member, json_str(o, "member"));
    copy(r->download_sha256, sizeof r->download_sha256, json_str(o, "download_sha256"));
    copy(r->last_modified, sizeof r->last_modified, json_str(o, "last_modified"));
    copy(r->etag, sizeof r->etag, json_str(o, "etag"));
    copy(r->fetched_at, sizeof r->fetched_at, json_str(o, "fetched_at"));
    copy(r->checked_at, sizeof r->checked_at, json_str(o, "checked_at"));
    copy(r->outcome, sizeof r->outcome, json_str(o, "outcome"));
    v = cJSON_GetObjectItemCaseSensitive(o, "size");
    r->size = cJSON_IsNumber(v) ? (long long)v->valuedouble : -1;
    v = cJSON_GetObjectItemCaseSensitive(o, "download_size");
    r->download_size = cJSON_IsNumber(v) ? (long long)v->valuedouble : -1;
}

/* Reads the previous manifest, if any, into each item's prev. A damaged manifest only costs
 * unconditional downloads. */
static void read_manifest(struct fetch *f)
{
    char msg[GDIR_ERR_MSG_MAX];
    cJSON *root, *o;
    if (!is_file(f->manifest_path))
        return;
    if (!(root = load_json(f->manifest_path, msg, sizeof msg))) {
        gdir_log(GDIR_LOG_WARN, "fetch", "msg=\"previous manifest ignored\" file=\"%s\"",
                 f->manifest_path);
        return;
    }
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(root, "sources")) {
        const char *name = json_str(o, "name");
        for (size_t i = 0; name && i < f->n_items; i++)
            if (strcmp(f->items[i].src->name, name) == 0)
                record_from_json(&f->items[i].prev, o);
    }
    cJSON_Delete(root);
}

static void json_kstr_opt(struct gdir_json *j, const char *key, const char *s)
{
    if (s && *s)
        gdir_json_kstr(j, key, s);
    else
        gdir_json_kstr(j, key, NULL);
}

/* Writes the manifest: one record per fetched source describing the file on disk (this run's
 * when it succeeded, the previous one when it failed and a previous file exists). */
static int write_manifest(struct fetch *f, int ok, char *msg, size_t msg_size)
{
    struct gdir_buf b;
    struct gdir_json j;
    int rc;
    gdir_buf_init(&b, 16 * 1024 * 1024);
    gdir_json_init(&j, &b);
    gdir_json_obj_begin(&j);
    gdir_json_kint(&j, "geodir_fetch_manifest", 1);
    gdir_json_kstr(&j, "config", f->o->config);
    gdir_json_kstr(&j, "catalogue", f->catalogue_path);
    gdir_json_kstr(&j, "updated_at", f->now);
    gdir_json_kstr(&j, "status", ok ? "ok" : "failed");
    gdir_json_key(&j, "sources");
    gdir_json_arr_begin(&j);
    for (size_t i = 0; i < f->n_items; i++) {
        const struct item *it = &f->items[i];
        const struct record *r = it->failed ? &it->prev : &it->rec;
        if (!r->present)
            continue;
        gdir_json_obj_begin(&j);
        gdir_json_kstr(&j, "name", it->src->name);
        gdir_json_kstr(&j, "profile", it->src->profile);
        json_kstr_opt(&j, "catalogue", r->catalogue);
        gdir_json_kstr(&j, "url", r->url);
        json_kstr_opt(&j, "final_url", r->final_url);
        gdir_json_kstr(&j, "file", r->file);
        gdir_json_kint(&j, "size", r->size);
        gdir_json_kstr(&j, "sha256", r->sha256);
        gdir_json_kstr(&j, "compression", r->compression[0] ? r->compression : "none");
        json_kstr_opt(&j, "member", r->member);
        gdir_json_kint(&j, "download_size", r->download_size);
        gdir_json_kstr(&j, "download_sha256", r->download_sha256);
        json_kstr_opt(&j, "last_modified", r->last_modified);
        json_kstr_opt(&j, "etag", r->etag);
        gdir_json_kstr(&j, "fetched_at", r->fetched_at);
        gdir_json_kstr(&j, "checked_at", r->checked_at);
        gdir_json_kstr(&j, "outcome", it->failed ? "failed" : r->outcome);
        gdir_json_obj_end(&j);
    }
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    gdir_buf_addc(&b, '\n');
    if (gdir_json_error(&j) || b.err) {
        gdir_buf_free(&b);
        snprintf(msg, msg_size, "%s: out of memory", f->manifest_path);
        return -1;
    }
    rc = write_atomic(f->manifest_path, b.data, b.len, msg, msg_size);
    gdir_buf_free(&b);
    return rc;
}

/* The state of an interrupted download, next to its .part file. */
static int write_sidecar(const struct item *it, const char *etag, const char *lm)
{
    struct gdir_buf b;
    struct gdir_json j;
    char msg[GDIR_ERR_MSG_MAX];
    int rc;
    gdir_buf_init(&b, 64 * 1024);
    gdir_json_init(&j, &b);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "url", it->url);
    json_kstr_opt(&j, "etag", etag);
    json_kstr_opt(&j, "last_modified", lm);
    gdir_json_obj_end(&j);
    rc = gdir_json_error(&j) ? -1 : write_atomic(it->side_path, b.data, b.len, msg, sizeof msg);
    gdir_buf_free(&b);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Download */

struct dl {
    const struct item *it;
    FILE *f;                       /* the .part file, opened at the first body byte */
    long long offset;              /* bytes already in the .part file when resuming */
    long long written;             /* body bytes written in this transfer */
    long status;                   /* status of the response being received */
    long long range_start;         /* start of a 206's Content-Range, -1 if none */
    char last_modified[DATE_MAX];
    char etag[ETAG_MAX];
    int too_big, bad_range, io_error;
    volatile sig_atomic_t *stop;
};

static void header_value(char *dst, size_t size, const char *p, size_t len)
{
    while (len && (*p == ' ' || *p == '\t'))
        p++, len--;
    while (len && (p[len - 1] == '\r' || p[len - 1] == '\n' || p[len - 1] == ' '))
        len--;
    if (len >= size) {        /* too long to be a validator we can send back: drop it */
        dst[0] = '\0';
        return;
    }
    memcpy(dst, p, len);
    dst[len] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct dl *d = ud;
    size_t len = size * n;
    if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {   /* a new response (redirects) */
        const char *sp = memchr(p, ' ', len);
        d->status = sp && sp + 4 <= p + len ? strtol(sp + 1, NULL, 10) : 0;
        d->range_start = -1;
        d->last_modified[0] = d->etag[0] = '\0';
    } else if (len > 14 && strncasecmp(p, "Last-Modified:", 14) == 0) {
        header_value(d->last_modified, sizeof d->last_modified, p + 14, len - 14);
    } else if (len > 5 && strncasecmp(p, "ETag:", 5) == 0) {
        header_value(d->etag, sizeof d->etag, p + 5, len - 5);
    } else if (len > 14 && strncasecmp(p, "Content-Range:", 14) == 0) {
        char v[128];
        header_value(v, sizeof v, p + 14, len - 14);
        if (strncasecmp(v, "bytes ", 6) == 0)
            d->range_start = strtoll(v + 6, NULL, 10);
    }
    return len;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct dl *d = ud;
    size_t len = size * n;
    if (d->status != 200 && d->status != 206)
        return len;                 /* an error page: not kept */
    if (!d->f) {
        if (d->status == 206) {
            if (d->range_start != d->offset) {
                d->bad_range = 1;
                return 0;
            }
            d->f = fopen(d->it->part_path, "ab");
        } else {
            d->offset = 0;          /* the server sent the whole file */
            d->f = fopen(d->it->part_path, "wb");
        }
        if (!d->f) {
            d->io_error = errno ? errno : EIO;
            return 0;
        }
    }
    if (d->offset + d->written + (long long)len > d->it->max_bytes) {
        d->too_big = 1;
        return 0;
    }
    if (fwrite(p, 1, len, d->f) != len) {
        d->io_error = errno ? errno : EIO;
        return 0;
    }
    d->written += (long long)len;
    return len;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct dl *d = ud;
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return d->stop && *d->stop ? 1 : 0;
}

enum dl_outcome { DL_FAILED, DL_DONE, DL_UNCHANGED };

/* A validator usable in If-Range: a strong ETag, else Last-Modified. */
static const char *if_range_value(const char *etag, const char *lm)
{
    if (etag && etag[0] == '"')
        return etag;
    return lm && *lm ? lm : NULL;
}

/* Downloads it->url into it->part_path. conditional: the previous file is intact, send its
 * validators. Fills it->rec's HTTP fields. */
static enum dl_outcome download(struct fetch *f, struct item *it, int conditional, char *msg,
                                size_t msg_size)
{
    struct dl d;
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    char errbuf[CURL_ERROR_SIZE] = "", line[ETAG_MAX + 64], range[32];
    enum dl_outcome out = DL_FAILED;
    CURLcode rc;
    long unmet = 0;
    char *eff = NULL;

    memset(&d, 0, sizeof d);
    d.it = it;
    d.range_start = -1;
    d.stop = f->o->stop;
    if (!c) {
        snprintf(msg, msg_size, "cannot initialise libcurl");
        return DL_FAILED;
    }

    /* An interrupted download of the same URL with a validator is resumed. */
    if (is_file(it->part_path)) {
        char detail[GDIR_ERR_MSG_MAX];
        cJSON *side = is_file(it->side_path) ? load_json(it->side_path, detail, sizeof detail)
                                             : NULL;
        const char *su = json_str(side, "url");
        const char *val = if_range_value(json_str(side, "etag"), json_str(side, "last_modified"));
        long long have = file_size(it->part_path);
        if (su && strcmp(su, it->url) == 0 && val && have > 0 && have < it->max_bytes) {
            snprintf(line, sizeof line, "If-Range: %s", val);
            hdrs = curl_slist_append(hdrs, line);
            snprintf(range, sizeof range, "%lld-", have);
            curl_easy_setopt(c, CURLOPT_RANGE, range);
            d.offset = have;
            conditional = 0;
        } else {
            unlink(it->part_path);
        }
        cJSON_Delete(side);
    }
    unlink(it->side_path);
    if (conditional) {
        if (it->prev.etag[0]) {
            snprintf(line, sizeof line, "If-None-Match: %s", it->prev.etag);
            hdrs = curl_slist_append(hdrs, line);
        }
        time_t lm = it->prev.last_modified[0] ? curl_getdate(it->prev.last_modified, NULL) : -1;
        if (lm > 0) {
            curl_easy_setopt(c, CURLOPT_TIMECONDITION, (long)CURL_TIMECOND_IFMODSINCE);
            curl_easy_setopt(c, CURLOPT_TIMEVALUE_LARGE, (curl_off_t)lm);
        }
    }

    curl_easy_setopt(c, CURLOPT_URL, it->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, USER_AGENT);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, it->timeout_s);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long)LOW_SPEED_BYTES);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)LOW_SPEED_TIME_S);
    /* Early refusal on Content-Length; on_body enforces the exact cap, resumed bytes included. */
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)it->max_bytes);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &d);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &d);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    if (hdrs)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);

    rc = curl_easy_perform(c);
    if (d.f && fclose(d.f) != 0 && !d.io_error)
        d.io_error = errno ? errno : EIO;
    d.f = NULL;
    curl_easy_getinfo(c, CURLINFO_CONDITION_UNMET, &unmet);
    if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
        copy(it->rec.final_url, sizeof it->rec.final_url, eff);
    copy(it->rec.last_modified, sizeof it->rec.last_modified, d.last_modified);
    copy(it->rec.etag, sizeof it->rec.etag, d.etag);

    if (d.stop && *d.stop) {
        snprintf(msg, msg_size, "interrupted");
    } else if (d.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        snprintf(msg, msg_size, "larger than the limit of %lld MiB (fetch.max_mb)",
                 it->max_bytes / (1024 * 1024));
    } else if (d.bad_range) {
        snprintf(msg, msg_size, "the server resumed at byte %lld instead of %lld: download "
                 "restarted from scratch next time", d.range_start, d.offset);
    } else if (d.io_error) {
        snprintf(msg, msg_size, "%s: %s", it->part_path, strerror(d.io_error));
    } else if (rc == CURLE_OK && (unmet || d.status == 304) && conditional) {
        out = DL_UNCHANGED;
    } else if (rc != CURLE_OK) {
        snprintf(msg, msg_size, "download failed: %s%s%s", curl_easy_strerror(rc),
                 errbuf[0] ? ": " : "", errbuf);
    } else if (d.status != 200 && d.status != 206) {
        snprintf(msg, msg_size, "the server answered HTTP %ld%s", d.status,
                 d.status == 304 ? " to a request that was not conditional" : "");
    } else if (d.offset + d.written == 0) {
        snprintf(msg, msg_size, "the server sent an empty file");
    } else {
        it->rec.download_size = d.offset + d.written;
        copy(it->rec.outcome, sizeof it->rec.outcome, d.offset ? "resumed" : "downloaded");
        out = DL_DONE;
    }
    it->rec.present = out == DL_DONE;

    if (out == DL_FAILED) {
        /* Keep a partial file to resume when the transfer broke off and the server gave a
         * validator; anything else starts again from scratch next time. */
        int resumable = (d.status == 200 || d.status == 206) && !d.too_big && !d.bad_range &&
                        !d.io_error && d.offset + d.written > 0 &&
                        if_range_value(d.etag, d.last_modified) && is_file(it->part_path);
        if (resumable && write_sidecar(it, d.etag, d.last_modified) == 0)
            snprintf(msg + strlen(msg), msg_size - strlen(msg), " (%lld bytes kept in %s: the "
                     "next --fetch resumes)", d.offset + d.written, it->part_path);
        else
            unlink(it->part_path);
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    return out;
}

/* ---------------------------------------------------------------------------------------- */
/* Checks */

/* The file is what the profile expects: not empty, not an HTML page, every field the
 * profile names is there, at least one record can be read. */
static int check_file(const char *path, const struct imp_profile *p, char *msg, size_t msg_size)
{
    unsigned char head[512];
    size_t n = 0, i = 0;
    FILE *fp = fopen(path, "rb");
    struct imp_source *src = NULL;
    struct imp_feature feat;
    struct gdir_err err;
    int rc;

    if (!fp) {
        snprintf(msg, msg_size, "%s: %s", path, strerror(errno));
        return -1;
    }
    n = fread(head, 1, sizeof head - 1, fp);
    fclose(fp);
    head[n] = '\0';
    if (n == 0) {
        snprintf(msg, msg_size, "empty file");
        return -1;
    }
    if (n >= 3 && head[0] == 0xef && head[1] == 0xbb && head[2] == 0xbf)
        i = 3;
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    if (strncasecmp((const char *)head + i, "<!doctype html", 14) == 0 ||
        strncasecmp((const char *)head + i, "<html", 5) == 0) {
        snprintf(msg, msg_size, "the server sent an HTML page, not the %s file the profile %s "
                 "reads (a portal or error page? check the URL)", p->driver, p->name);
        return -1;
    }
    gdir_err_clear(&err);
    if (imp_source_open(&src, path, p, &err)) {
        snprintf(msg, msg_size, "check failed: %s", err.msg);
        return -1;
    }
    rc = imp_source_next(src, &feat, &err);
    imp_source_close(src);
    if (rc < 0) {
        snprintf(msg, msg_size, "check failed: %s", err.msg);
        return -1;
    }
    if (rc == 0) {
        snprintf(msg, msg_size, "check failed: the file has no record");
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* One source */

static void fail_item(struct item *it, const char *what)
{
    it->failed = 1;
    fprintf(stderr, "geodir-import: fetch: source %s (%s): %s\n", it->src->name, it->url, what);
}

static int fetch_item(struct fetch *f, struct item *it)
{
    char msg[GDIR_ERR_MSG_MAX + 256], hex[65];
    int conditional = 0;
    enum dl_outcome dl;

    memset(&it->rec, 0, sizeof it->rec);
    copy(it->rec.url, sizeof it->rec.url, it->url);
    copy(it->rec.catalogue, sizeof it->rec.catalogue, it->catalogue);
    copy(it->rec.compression, sizeof it->rec.compression, comp_names[it->comp]);
    {
        const char *base = strrchr(it->final_path, '/');
        copy(it->rec.file, sizeof it->rec.file, base ? base + 1 : it->final_path);
    }

    /* The previous download is still there, unchanged, from the same URL and settings: ask
     * the server whether it changed. */
    if (it->prev.present && strcmp(it->prev.url, it->url) == 0 &&
        strcmp(it->prev.file, it->rec.file) == 0 &&
        strcmp(it->prev.compression, it->rec.compression) == 0 &&
        (it->prev.etag[0] || it->prev.last_modified[0]) && is_file(it->final_path) &&
        sha256_file(it->final_path, hex, msg, sizeof msg) == 0 &&
        strcmp(hex, it->prev.sha256) == 0)
        conditional = 1;

    dl = download(f, it, conditional, msg, sizeof msg);
    if (dl == DL_FAILED) {
        fail_item(it, msg);
        return -1;
    }
    if (dl == DL_UNCHANGED) {
        struct record keep = it->prev;
        if (check_file(it->final_path, &it->profile, msg, sizeof msg)) {
            fail_item(it, msg);
            return -1;
        }
        copy(keep.checked_at, sizeof keep.checked_at, f->now);
        copy(keep.outcome, sizeof keep.outcome, "unchanged");
        it->rec = keep;
        if (!f->o->quiet)
            gdir_log(GDIR_LOG_INFO, "fetch", "source=%s outcome=unchanged file=\"%s\"",
                     it->src->name, it->final_path);
        return 0;
    }

    /* Downloaded: hash it, decompress it, check it, then put it in place. */
    if (sha256_file(it->part_path, it->rec.download_sha256, msg, sizeof msg)) {
        fail_item(it, msg);
        unlink(it->part_path);
        return -1;
    }
    int rc = 0;
    unlink(it->cand_path);
    if (it->comp == COMP_GZIP) {
        rc = imp_gunzip_file(it->part_path, it->cand_path, it->max_bytes, msg, sizeof msg);
    } else if (it->comp == COMP_ZIP) {
        rc = imp_unzip_file(it->part_path, it->member, it->cand_path, it->max_bytes,
                            it->rec.member, sizeof it->rec.member, msg, sizeof msg);
    } else {
        unsigned char magic[4] = {0};
        FILE *fp = fopen(it->part_path, "rb");
        size_t got = fp ? fread(magic, 1, sizeof magic, fp) : 0;
        if (fp)
            fclose(fp);
        if (got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
            snprintf(msg, sizeof msg, "the file is gzip-compressed: add \"compression\": \"gzip\" "
                     "to the fetch entry");
            rc = -1;
        } else if (got == 4 && memcmp(magic, "PK\3\4", 4) == 0) {
            snprintf(msg, sizeof msg, "the file is a zip archive: add \"compression\": \"zip\" "
                     "to the fetch entry");
            rc = -1;
        } else if (rename(it->part_path, it->cand_path) != 0) {
            snprintf(msg, sizeof msg, "%s: %s", it->cand_path, strerror(errno));
            rc = -1;
        }
    }
    unlink(it->part_path);
    if (rc == 0)
        rc = check_file(it->cand_path, &it->profile, msg, sizeof msg);
    if (rc == 0)
        rc = sha256_file(it->cand_path, it->rec.sha256, msg, sizeof msg);
    if (rc == 0 && rename(it->cand_path, it->final_path) != 0) {
        snprintf(msg, sizeof msg, "%s: %s", it->final_path, strerror(errno));
        rc = -1;
    }
    if (rc) {
        unlink(it->cand_path);
        fail_item(it, msg);
        return -1;
    }
    it->rec.size = file_size(it->final_path);
    if (it->comp == COMP_NONE)
        copy(it->rec.download_sha256, sizeof it->rec.download_sha256, it->rec.sha256);
    copy(it->rec.fetched_at, sizeof it->rec.fetched_at, f->now);
    copy(it->rec.checked_at, sizeof it->rec.checked_at, f->now);
    if (!f->o->quiet)
        gdir_log(GDIR_LOG_INFO, "fetch", "source=%s outcome=%s bytes=%lld file=\"%s\"",
                 it->src->name, it->rec.outcome, it->rec.size, it->final_path);
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* The derived configuration */

/* Keys of the configuration holding a path relative to the configuration file's folder, other
 * than data_dir: the derived configuration lives elsewhere, so they are made absolute. */
static const char *const config_relative_keys[] = {"overrides"};

static int write_effective_config(struct fetch *f, char *msg, size_t msg_size)
{
    cJSON *sources = cJSON_GetObjectItemCaseSensitive(f->config, "sources");
    char *data_dir = absolute(f->t.data_dir), *text = NULL;
    const char *slash = strrchr(f->o->config, '/');
    int rc = -1;

    if (!data_dir)
        goto nomem;
    for (size_t k = 0; k < sizeof config_relative_keys / sizeof config_relative_keys[0]; k++) {
        const char *v = json_str(f->config, config_relative_keys[k]);
        char *rel, *abs;
        if (!v || v[0] == '/')
            continue;
        rel = slash ? xprintf("%.*s/%s", (int)(slash - f->o->config), f->o->config, v)
                    : xstrdup(v);
        abs = rel ? absolute(rel) : NULL;
        free(rel);
        cJSON *item = abs ? cJSON_CreateString(abs) : NULL;
        free(abs);
        if (!item)
            goto nomem;
        cJSON_ReplaceItemInObjectCaseSensitive(f->config, config_relative_keys[k], item);
                                                                          /* takes ownership */
    }
    cJSON *dd = cJSON_CreateString(data_dir);
    if (!dd)
        goto nomem;
    if (cJSON_HasObjectItem(f->config, "data_dir"))
        cJSON_ReplaceItemInObjectCaseSensitive(f->config, "data_dir", dd); /* takes ownership */
    else
        cJSON_AddItemToObject(f->config, "data_dir", dd);                  /* takes ownership */
    for (size_t i = 0; i < f->n_items; i++) {
        cJSON *s = cJSON_GetArrayItem(sources, (int)f->items[i].index);
        cJSON *p = cJSON_CreateString(f->items[i].final_path);
        if (!s || !p) {
            cJSON_Delete(p);
            goto nomem;
        }
        cJSON_ReplaceItemInObjectCaseSensitive(s, "path", p);             /* takes ownership */
    }
    if (!(text = cJSON_Print(f->config)))
        goto nomem;
    rc = write_atomic(f->effective_path, text, strlen(text), msg, msg_size);
    cJSON_free(text);
    free(data_dir);
    return rc;
nomem:
    free(data_dir);
    snprintf(msg, msg_size, "out of memory");
    return -1;
}

/* ---------------------------------------------------------------------------------------- */

static const char *profiles_dir(const struct imp_fetch_opts *o)
{
    const char *env = getenv("GEODIR_PROFILES");
    if (o->profiles_dir)
        return o->profiles_dir;
    if (env && *env)
        return env;
#ifdef GDIR_PROFILES_SRC_DIR
    if (is_dir(GDIR_PROFILES_SRC_DIR))
        return GDIR_PROFILES_SRC_DIR;
#endif
    return GDIR_PROFILES_INSTALL_DIR;
}

/* Sets up the download folder, its lock and the names of its own files. */
static int open_dir(struct fetch *f, char *msg, size_t msg_size)
{
    const char *o_dir = f->o->fetch_dir;
    char *db_dir = NULL, *cfg_base = NULL;
    const char *base;
    struct flock lk;

    if (o_dir) {
        f->dir = absolute(o_dir);
    } else {
        const char *slash = strrchr(f->o->db, '/');
        db_dir = slash ? xprintf("%.*s", (int)(slash - f->o->db), f->o->db) : xstrdup(".");
        if (db_dir && !*db_dir) {
            free(db_dir);
            db_dir = xstrdup("/");
        }
        char *rel = db_dir ? xprintf("%s/downloads", db_dir) : NULL;
        f->dir = rel ? absolute(rel) : NULL;
        free(rel);
    }
    free(db_dir);
    base = strrchr(f->o->config, '/');
    base = base ? base + 1 : f->o->config;
    cfg_base = xstrdup(base);
    if (cfg_base && strlen(cfg_base) > 5 && strcmp(cfg_base + strlen(cfg_base) - 5, ".json") == 0)
        cfg_base[strlen(cfg_base) - 5] = '\0';
    if (!f->dir || !cfg_base) {
        free(cfg_base);
        snprintf(msg, msg_size, "out of memory");
        return -1;
    }
    f->manifest_path = xprintf("%s/%s", f->dir, MANIFEST_NAME);
    f->effective_path = xprintf("%s/%s.fetched.json", f->dir, cfg_base);
    free(cfg_base);
    if (!f->manifest_path || !f->effective_path) {
        snprintf(msg, msg_size, "out of memory");
        return -1;
    }
    if (make_dirs(f->dir) != 0) {
        snprintf(msg, msg_size, "%s: cannot create the download folder: %s", f->dir,
                 strerror(errno));
        return -1;
    }
    char *lock = xprintf("%s/%s", f->dir, LOCK_NAME);
    f->lock_fd = lock ? open(lock, O_RDWR | O_CREAT, 0666) : -1;
    free(lock);
    memset(&lk, 0, sizeof lk);
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    if (f->lock_fd < 0 || fcntl(f->lock_fd, F_SETLK, &lk) != 0) {
        snprintf(msg, msg_size, "%s: %s", f->dir,
                 f->lock_fd < 0 ? strerror(errno)
                                : "another geodir-import --fetch is using this download folder");
        return -1;
    }
    return 0;
}

static void fetch_free(struct fetch *f)
{
    for (size_t i = 0; f->items && i < f->n_items; i++) {
        struct item *it = &f->items[i];
        free(it->url);
        free(it->catalogue);
        free(it->member);
        free(it->final_path);
        free(it->part_path);
        free(it->side_path);
        free(it->cand_path);
        if (it->profile_loaded)
            imp_profile_free(&it->profile);
    }
    free(f->items);
    if (f->t_loaded)
        gdir_territory_free(&f->t);
    cJSON_Delete(f->config);
    cJSON_Delete(f->catalogue);
    free(f->catalogue_path);
    free(f->dir);
    free(f->manifest_path);
    free(f->effective_path);
    if (f->lock_fd >= 0)
        close(f->lock_fd);      /* releases the lock */
}

int imp_fetch_run(const struct imp_fetch_opts *o, char **effective_config)
{
    struct fetch f;
    struct gdir_err err;
    char msg[GDIR_ERR_MSG_MAX + 256];
    int status = IMP_EXIT_USAGE, failed = 0;
    const cJSON *sources;

    *effective_config = NULL;
    memset(&f, 0, sizeof f);
    f.o = o;
    f.lock_fd = -1;
    utc_now(f.now, sizeof f.now);
    gdir_err_clear(&err);

    /* The configuration, validated as the import will read it, and its fetch entries. */
    if (gdir_territory_load(&f.t, o->config, o->data_dir, &err)) {
        fprintf(stderr, "geodir-import: %s\n", err.msg);
        goto out;
    }
    f.t_loaded = 1;
    if (!(f.config = load_json(o->config, msg, sizeof msg))) {
        fprintf(stderr, "geodir-import: %s\n", msg);
        goto out;
    }
    sources = cJSON_GetObjectItemCaseSensitive(f.config, "sources");
    if (!(f.items = calloc(f.t.n_sources + 1, sizeof *f.items))) {
        fprintf(stderr, "geodir-import: out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < f.t.n_sources; i++) {
        size_t k = 0;
        while (k < o->n_only && strcmp(o->only[k], f.t.sources[i].name) != 0)
            k++;
        if (o->n_only && k == o->n_only)
            continue;           /* not selected */
        if (cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(sources, (int)i), "fetch"))
            f.items[f.n_items++].index = i;
    }
    if (f.n_items == 0) {
        fprintf(stderr, "geodir-import: --fetch: no %s of %s has a \"fetch\" entry (see "
                "docs/configuration.md, Fetching)\n", o->n_only ? "selected source" : "source",
                o->config);
        goto out;
    }
    if (open_dir(&f, msg, sizeof msg)) {
        fprintf(stderr, "geodir-import: fetch: %s\n", msg);
        status = IMP_EXIT_FAILED;
        goto out;
    }
    for (size_t k = 0; k < f.n_items; k++) {
        struct item *it = &f.items[k];
        it->src = &f.t.sources[it->index];
        const cJSON *spec = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetArrayItem(sources, (int)it->index), "fetch");
        if (parse_item(&f, it, spec, msg, sizeof msg)) {
            fprintf(stderr, "geodir-import: %s: sources[%zu] (%s): %s\n", o->config, it->index,
                    it->src->name, msg);
            goto out;
        }
        for (size_t j = 0; j < k; j++)
            if (strcmp(f.items[j].final_path, it->final_path) == 0) {
                fprintf(stderr, "geodir-import: %s: sources %s and %s would download to the same "
                        "file\n", o->config, f.items[j].src->name, it->src->name);
                goto out;
            }
        if (imp_profile_load(&it->profile, profiles_dir(o), it->src->profile, &err)) {
            fprintf(stderr, "geodir-import: source %s: %s\n", it->src->name, err.msg);
            goto out;
        }
        it->profile_loaded = 1;
    }
    read_manifest(&f);

    /* Every source is tried, so that every problem is listed at once. */
    status = IMP_EXIT_FAILED;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "geodir-import: fetch: cannot initialise libcurl\n");
        goto out;
    }
    for (size_t k = 0; k < f.n_items; k++) {
        if (o->stop && *o->stop) {
            fail_item(&f.items[k], "interrupted");
            failed = 1;
            continue;
        }
        if (fetch_item(&f, &f.items[k]))
            failed = 1;
    }
    curl_global_cleanup();

    if (write_manifest(&f, !failed, msg, sizeof msg)) {
        fprintf(stderr, "geodir-import: fetch: %s\n", msg);
        failed = 1;
    }
    if (failed) {
        fprintf(stderr, "geodir-import: fetch failed: nothing imported, %s left untouched\n",
                o->db);
        goto out;
    }
    if (write_effective_config(&f, msg, sizeof msg)) {
        fprintf(stderr, "geodir-import: fetch: %s\n", msg);
        goto out;
    }
    if (!(*effective_config = xstrdup(f.effective_path))) {
        fprintf(stderr, "geodir-import: out of memory\n");
        goto out;
    }
    if (!o->quiet)
        gdir_log(GDIR_LOG_INFO, "fetch", "msg=\"all sources fetched and checked\" sources=%zu "
                 "manifest=\"%s\" config=\"%s\"", f.n_items, f.manifest_path, f.effective_path);
    status = IMP_EXIT_OK;
out:
    fetch_free(&f);
    return status;
}
