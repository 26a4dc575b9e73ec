/*
 * fetch_entry.c — a source's `fetch` entry (docs/configuration.md, "Fetching") read into a
 * struct fetch_item: its keys checked, the catalogue entry it names resolved
 * (datasets/catalogue.json, or $GEODIR_CATALOGUE), the {placeholders} of the URL and of the
 * zip member expanded from fetch.params, the limits read, and its files named in the
 * download folder; with a mirror (--fetch-mirror), the URL rewritten to the mirror's copy.
 *
 * What it does not do: touch the network or the download folder (fetch.c and fetch_http.c do).
 */
#include "fetch_internal.h"
#include "gdir_buf.h"
#include "gdir_fs.h"
#include "gdir_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef GDIR_CATALOGUE_INSTALL
#define GDIR_CATALOGUE_INSTALL "/usr/local/share/geodir/datasets/catalogue.json"
#endif

#define DEFAULT_MAX_MB 2048                 /* a département's BAN is ~100 MB uncompressed */
#define DEFAULT_TIMEOUT_S 3600
#define MAX_PARAMS 64

const char *const fetch_comp_names[3] = {"none", "gzip", "zip"};

/* 1 when s is 1 to FETCH_NAME_MAX bytes of [A-Za-z0-9] and the characters of extra. */
static int name_chars(const char *s, const char *extra)
{
    size_t n = strlen(s);
    if (n == 0 || n > FETCH_NAME_MAX)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr(extra, *s)))
            return 0;
    return 1;
}

/* Names that become file names: [A-Za-z0-9._-], not starting with '.', at most 64 bytes. */
static int safe_name(const char *s)
{
    return s[0] != '.' && name_chars(s, "._-");
}

/* Values put into URLs: RFC 3986 unreserved characters only, so nothing needs escaping. */
static int url_safe_value(const char *s)
{
    return name_chars(s, "._-~");
}

static int http_url(const char *u)
{
    if (strncasecmp(u, "http://", 7) != 0 && strncasecmp(u, "https://", 8) != 0)
        return 0;
    if (strlen(u) >= FETCH_URL_MAX)
        return 0;
    for (; *u; u++)
        if ((unsigned char)*u <= ' ' || *u == 0x7f)
            return 0;
    return 1;
}

/* Replaces every {key} of tmpl by params[key]; marks the parameters used in used[]. Returns
 * the expansion (owned), or NULL with err filled. */
static char *expand(const char *tmpl, const cJSON *params, unsigned char *used, const char *what,
                    struct gdir_err *err)
{
    struct gdir_buf b;
    char *out = NULL;
    gdir_buf_init(&b, FETCH_URL_MAX);
    for (const char *s = tmpl; *s;) {
        const char *close = *s == '{' ? strchr(s, '}') : NULL;
        char key[FETCH_NAME_MAX + 1];
        size_t n = close ? (size_t)(close - s - 1) : 0;
        if (!close || n == 0 || n > FETCH_NAME_MAX) {
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
            gdir_err_set(err, GDIR_ECONFIG, "%s needs the parameter {%s}: add it to "
                         "fetch.params", what, key);
            goto out;
        }
        used[k] = 1;
        gdir_buf_adds(&b, v->valuestring);
        s = close + 1;
    }
    if (!(out = gdir_buf_steal(&b, NULL)))
        gdir_err_set(err, GDIR_ECONFIG, "%s: longer than %d bytes once expanded", what,
                     FETCH_URL_MAX - 1);
out:
    gdir_buf_free(&b);
    return out;
}

static int parse_comp(const cJSON *v, enum fetch_comp *out)
{
    for (int i = 0; i < 3; i++)
        if (cJSON_IsString(v) && strcmp(v->valuestring, fetch_comp_names[i]) == 0) {
            *out = (enum fetch_comp)i;
            return 0;
        }
    return -1;
}

static const char *catalogue_file(void)
{
#ifdef GDIR_CATALOGUE_SRC
    const char *src = GDIR_CATALOGUE_SRC;
#else
    const char *src = NULL;
#endif
    return gdir_locate("GEODIR_CATALOGUE", src, GDIR_CATALOGUE_INSTALL, 0);
}

/* The catalogue's entry called name (the catalogue is loaded on first use). */
static const cJSON *catalogue_entry(struct fetch *f, const char *name, struct gdir_err *err)
{
    const cJSON *it;
    if (!f->catalogue) {
        const char *path = catalogue_file();
        if (!(f->catalogue_path = gdir_strdup(path))) {
            gdir_err_set(err, GDIR_ENOMEM, "out of memory");
            return NULL;
        }
        if (!(f->catalogue = fetch_load_json(path, err)))
            return NULL;
        if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(f->catalogue, "sources"))) {
            gdir_err_set(err, GDIR_ECONFIG, "%s: sources: expected an array", path);
            return NULL;
        }
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(f->catalogue, "sources")) {
        const char *n = fetch_json_str(it, "name");
        if (n && strcmp(n, name) == 0)
            return it;
    }
    gdir_err_set(err, GDIR_ECONFIG, "no entry '%s' in the catalogue %s", name,
                 f->catalogue_path);
    return NULL;
}

/* The extension the downloaded file keeps: that of the configured path (".csv"); for a
 * compressed download configured as "x.csv.gz", the one before ".gz". */
static void file_ext(const char *path, enum fetch_comp comp, char *ext, size_t size)
{
    const char *base = strrchr(path, '/');
    char name[256];
    base = base ? base + 1 : path;
    fetch_copy(name, sizeof name, base);
    for (int pass = 0; pass < 2; pass++) {
        char *dot = strrchr(name, '.');
        ext[0] = '\0';
        if (!dot || dot == name || strlen(dot) >= size)
            return;
        if (pass == 0 && comp != FETCH_COMP_NONE && (strcasecmp(dot, ".gz") == 0 ||
                                                     strcasecmp(dot, ".zip") == 0)) {
            *dot = '\0';
            continue;
        }
        for (const char *c = dot + 1; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
                return;
        fetch_copy(ext, size, dot);
        return;
    }
}

/* The entry's keys are known, the source's name is a file name, fetch.params is an object of
 * URL-safe strings. */
static int check_spec(const struct fetch_item *it, const cJSON *spec, struct gdir_err *err)
{
    static const char *const keys[] = {"catalogue", "url", "params", "compression", "member",
                                       "max_mb", "timeout_s"};
    const cJSON *v, *params;

    if (!cJSON_IsObject(spec))
        return gdir_err_set(err, GDIR_ECONFIG, "fetch: expected an object");
    cJSON_ArrayForEach(v, spec) {
        size_t k = 0;
        while (k < sizeof keys / sizeof keys[0] && strcmp(keys[k], v->string) != 0)
            k++;
        if (k == sizeof keys / sizeof keys[0])
            return gdir_err_set(err, GDIR_ECONFIG, "fetch.%.60s: unknown key (known: catalogue, "
                                "url, params, compression, member, max_mb, timeout_s)", v->string);
    }
    if (!safe_name(it->src->name))
        return gdir_err_set(err, GDIR_ECONFIG, "name: a fetched source's name becomes a file "
                            "name: use letters, digits, '.', '_' or '-' (at most 64, not "
                            "starting with '.')");
    params = cJSON_GetObjectItemCaseSensitive(spec, "params");
    if (params && !cJSON_IsObject(params))
        return gdir_err_set(err, GDIR_ECONFIG, "fetch.params: expected an object of strings");
    if (cJSON_GetArraySize(params) > MAX_PARAMS)
        return gdir_err_set(err, GDIR_ECONFIG, "fetch.params: too many parameters");
    cJSON_ArrayForEach(v, params) {
        if (!url_safe_value(v->string) || !cJSON_IsString(v) || !url_safe_value(v->valuestring))
            return gdir_err_set(err, GDIR_ECONFIG, "fetch.params.%.60s: names and values are "
                                "strings of letters, digits, '.', '_', '-' or '~' (1 to 64)",
                                v->string);
    }
    return GDIR_OK;
}

/* Where the file comes from: the catalogue entry (its URL template, compression and member)
 * or the direct URL, then the entry's own compression and member. Sets *tmpl and *member
 * (borrowed from spec or the catalogue). */
static int resolve_source(struct fetch *f, struct fetch_item *it, const cJSON *spec,
                          const char **tmpl, const char **member, struct gdir_err *err)
{
    const char *cat = fetch_json_str(spec, "catalogue");
    const char *url = fetch_json_str(spec, "url");
    const cJSON *v, *entry;
    struct gdir_err detail;

    if (!cat == !url || (cJSON_GetObjectItemCaseSensitive(spec, "catalogue") && !cat) ||
        (cJSON_GetObjectItemCaseSensitive(spec, "url") && !url))
        return gdir_err_set(err, GDIR_ECONFIG, "fetch: give either \"catalogue\" (an entry of "
                            "the catalogue) or \"url\", as a string");
    it->comp = FETCH_COMP_NONE;
    *tmpl = url;
    if (cat) {
        gdir_err_clear(&detail);
        if (!(entry = catalogue_entry(f, cat, &detail)))
            return gdir_err_set(err, GDIR_ECONFIG, "fetch.catalogue: %s", detail.msg);
        if (!(it->catalogue = gdir_strdup(cat)))
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        if (!(*tmpl = fetch_json_str(entry, "download_url"))) {
            const char *landing = fetch_json_str(entry, "landing_page");
            return gdir_err_set(err, GDIR_ECONFIG, "fetch.catalogue: the catalogue entry '%s' "
                                "has no fixed download URL (it changes at each release): give "
                                "fetch.url instead%s%s", cat,
                                landing ? "; the current file is listed on " : "",
                                landing ? landing : "");
        }
        v = cJSON_GetObjectItemCaseSensitive(entry, "compression");
        if (v && parse_comp(v, &it->comp))
            return gdir_err_set(err, GDIR_ECONFIG, "catalogue entry '%s': compression: "
                                "expected \"none\", \"gzip\" or \"zip\"", cat);
        *member = fetch_json_str(entry, "member");
        const char *prof = fetch_json_str(entry, "profile");
        if (prof && strcmp(prof, it->src->profile) != 0)
            gdir_log(GDIR_LOG_WARN, "fetch", "source=%s msg=\"the catalogue reads this file with "
                     "another profile\" catalogue_profile=%s profile=%s", it->src->name, prof,
                     it->src->profile);
    }
    v = cJSON_GetObjectItemCaseSensitive(spec, "compression");
    if (v && parse_comp(v, &it->comp))
        return gdir_err_set(err, GDIR_ECONFIG, "fetch.compression: expected \"none\", \"gzip\" "
                            "or \"zip\"");
    v = cJSON_GetObjectItemCaseSensitive(spec, "member");
    if (v && !cJSON_IsString(v))
        return gdir_err_set(err, GDIR_ECONFIG, "fetch.member: expected a string (a file name or "
                            "a pattern)");
    if (v)
        *member = v->valuestring;
    if (*member && it->comp != FETCH_COMP_ZIP)
        return gdir_err_set(err, GDIR_ECONFIG, "fetch.member: only for \"compression\": "
                            "\"zip\"");
    return GDIR_OK;
}

/* it->url and it->member from their templates; every parameter must be used. */
static int expand_all(struct fetch_item *it, const cJSON *spec, const char *tmpl,
                      const char *member, struct gdir_err *err)
{
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(spec, "params"), *v;
    unsigned char used[MAX_PARAMS] = {0};
    char what[160];
    int k = 0;

    snprintf(what, sizeof what, "the URL%s%s", it->catalogue ? " of catalogue entry " : "",
             it->catalogue ? it->catalogue : "");
    if (!(it->url = expand(tmpl, params, used, what, err)))
        return err->code;
    if (member && strlen(member) >= FETCH_ZIP_MEMBER_MAX)
        return gdir_err_set(err, GDIR_ECONFIG, "fetch.member: longer than %d bytes",
                            FETCH_ZIP_MEMBER_MAX - 1);
    if (member && !(it->member = expand(member, params, used, "fetch.member", err)))
        return err->code;
    cJSON_ArrayForEach(v, params) {
        if (!used[k++])
            return gdir_err_set(err, GDIR_ECONFIG, "fetch.params.%s: not used by the URL (%s)",
                                v->string, it->url);
    }
    if (!http_url(it->url))
        return gdir_err_set(err, GDIR_ECONFIG, "fetch: '%.200s' is not an http:// or https:// "
                            "URL", it->url);
    return GDIR_OK;
}

int fetch_set_mirror(struct fetch *f, struct gdir_err *err)
{
    const char *m = f->o->mirror ? f->o->mirror : getenv("GEODIR_FETCH_MIRROR");
    const char *what = f->o->mirror ? "--fetch-mirror" : "GEODIR_FETCH_MIRROR";
    size_t n;

    if (!m || !*m)
        return GDIR_OK;
    n = strlen(m);
    while (n > 0 && m[n - 1] == '/')
        n--;
    if (!http_url(m) || strpbrk(m, "?#") || n < 8)
        return gdir_err_set(err, GDIR_ECONFIG, "%s: '%.200s' is not the base URL of a mirror "
                            "(http:// or https://, no query, e.g. http://miroir.local/geodir)",
                            what, m);
    if (!(f->mirror = fetch_printf("%.*s", (int)n, m)))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    return GDIR_OK;
}

/* With a mirror, it->url (official, already checked) becomes <mirror>/<host>/<path>?<query>,
 * the layout of a copy made with wget --mirror; the official URL is kept in official_url. */
static int use_mirror(const struct fetch *f, struct fetch_item *it, struct gdir_err *err)
{
    const char *host, *rest;
    char *url;

    if (!f->mirror)
        return GDIR_OK;
    host = strstr(it->url, "://") + 3;      /* http_url() checked the scheme */
    rest = host + strcspn(host, "/?#");
    url = fetch_printf("%s/%.*s%s%.*s", f->mirror, (int)(rest - host), host,
                       *rest == '/' ? "" : "/", (int)strcspn(rest, "#"), rest);
    if (!url)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (!http_url(url) || rest == host) {
        free(url);
        return gdir_err_set(err, GDIR_ECONFIG, "fetch: '%.200s' cannot be asked from the "
                            "mirror %s (no host, or longer than %d bytes)", it->url, f->mirror,
                            FETCH_URL_MAX - 1);
    }
    it->official_url = it->url;
    it->url = url;
    return GDIR_OK;
}

/* fetch.max_mb and fetch.timeout_s, or their defaults. */
static int parse_limits(struct fetch_item *it, const cJSON *spec, struct gdir_err *err)
{
    const cJSON *v;

    it->max_bytes = (long long)DEFAULT_MAX_MB * 1024 * 1024;
    v = cJSON_GetObjectItemCaseSensitive(spec, "max_mb");
    if (v) {
        if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 65536)
            return gdir_err_set(err, GDIR_ECONFIG, "fetch.max_mb: expected a number from 1 to "
                                "65536");
        it->max_bytes = (long long)(v->valuedouble * 1024 * 1024);
    }
    it->timeout_s = DEFAULT_TIMEOUT_S;
    v = cJSON_GetObjectItemCaseSensitive(spec, "timeout_s");
    if (v) {
        if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 86400 ||
            v->valuedouble != (double)(long)v->valuedouble)
            return gdir_err_set(err, GDIR_ECONFIG, "fetch.timeout_s: expected whole seconds "
                                "from 1 to 86400");
        it->timeout_s = (long)v->valuedouble;
    }
    return GDIR_OK;
}

/* The source's files in the download folder: final, .part, .part.json, .new. */
static int name_files(struct fetch *f, struct fetch_item *it, struct gdir_err *err)
{
    const char *name = it->src->name;

    file_ext(it->src->path, it->comp, it->ext, sizeof it->ext);
    it->final_path = fetch_printf("%s/%s%s", f->dir, name, it->ext);
    it->part_path = fetch_printf("%s/%s.part", f->dir, name);
    it->side_path = fetch_printf("%s/%s.part.json", f->dir, name);
    it->cand_path = fetch_printf("%s/%s.new%s", f->dir, name, it->ext);
    if (!it->final_path || !it->part_path || !it->side_path || !it->cand_path)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (strcmp(it->final_path, f->manifest_path) == 0 ||
        strcmp(it->final_path, f->effective_path) == 0)
        return gdir_err_set(err, GDIR_ECONFIG, "name: '%s' would overwrite the fetch folder's "
                            "own files: rename the source", name);
    return GDIR_OK;
}

int fetch_parse_item(struct fetch *f, struct fetch_item *it, const cJSON *spec,
                     struct gdir_err *err)
{
    const char *tmpl = NULL, *member = NULL;
    int rc;

    if ((rc = check_spec(it, spec, err)) ||
        (rc = resolve_source(f, it, spec, &tmpl, &member, err)) ||
        (rc = expand_all(it, spec, tmpl, member, err)) ||
        (rc = use_mirror(f, it, err)) ||
        (rc = parse_limits(it, spec, err)))
        goto out;
    rc = name_files(f, it, err);
out:
    return rc;
}
