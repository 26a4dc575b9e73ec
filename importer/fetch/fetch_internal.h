/*
 * fetch_internal.h — what the files of importer/fetch/ share and nobody else sees: the limits,
 * one source's fetch state (struct fetch_item), the whole run's (struct fetch), and the
 * functions each file offers the others. The public entry point is fetch.h (imp_fetch_run).
 *
 * Error model: every function returns 0 (or a documented non-negative outcome) or a negative
 * GDIR_E* code with err filled by a sentence for the fetch report (common/gdir_err.h).
 */
#ifndef FETCH_INTERNAL_H
#define FETCH_INTERNAL_H

#include "fetch.h"
#include "fetch_unpack.h"
#include "gdir_config.h"
#include "gdir_err.h"
#include "gdir_mem.h"
#include "imp_profile.h"

#include <cjson/cJSON.h>
#include <stddef.h>

#ifndef GDIR_VERSION
#define GDIR_VERSION "0.0.0"
#endif

#define FETCH_JSON_FILE_MAX (4 * 1024 * 1024) /* catalogue, manifest, configuration */
#define FETCH_URL_MAX 2048
#define FETCH_NAME_MAX 64                   /* source names, parameter names and values */
#define FETCH_ETAG_MAX 256
#define FETCH_DATE_MAX 64
#define FETCH_CHUNK (64 * 1024)

enum fetch_comp { FETCH_COMP_NONE, FETCH_COMP_GZIP, FETCH_COMP_ZIP };
extern const char *const fetch_comp_names[3]; /* "none", "gzip", "zip" */

/* What the manifest says about one source: the file on disk and where it came from. */
struct fetch_record {
    int present;                  /* 1 when this record describes a file */
    char url[FETCH_URL_MAX];      /* the URL asked for (on the mirror, with --fetch-mirror) */
    char official_url[FETCH_URL_MAX]; /* with a mirror: the official URL it stands for */
    char final_url[FETCH_URL_MAX]; /* after redirects */
    char catalogue[FETCH_NAME_MAX + 1]; /* catalogue entry, "" for a direct URL */
    char file[FETCH_NAME_MAX + 32]; /* file name in the download folder */
    long long size;               /* bytes of file */
    char sha256[65];              /* of file */
    char compression[8];          /* "none", "gzip", "zip" */
    char member[FETCH_ZIP_MEMBER_MAX]; /* zip: the member extracted, else "" */
    long long download_size;      /* bytes downloaded (compressed), == size when "none" */
    char download_sha256[65];
    char last_modified[FETCH_DATE_MAX]; /* the server's Last-Modified, "" if none */
    char etag[FETCH_ETAG_MAX];    /* the server's ETag, "" if none */
    char fetched_at[32];          /* when the file was downloaded (UTC) */
    char checked_at[32];          /* when it was last checked (UTC) */
    char outcome[16];             /* "downloaded", "resumed" or "unchanged" in this run */
};

/* One source with a fetch entry. */
struct fetch_item {
    const struct gdir_source_cfg *src; /* borrowed from the territory */
    size_t index;                 /* index in the configuration's sources */
    char *url;                    /* resolved URL (on the mirror when there is one) */
    char *official_url;           /* with a mirror: the official URL, else NULL */
    char *catalogue;              /* catalogue entry name, or NULL */
    enum fetch_comp comp;
    char *member;                 /* zip member pattern (fnmatch), or NULL */
    long long max_bytes;
    long timeout_s;
    char ext[20];                 /* extension of the configured path, ".csv" */
    char *final_path, *part_path, *side_path, *cand_path; /* in the download folder */
    struct imp_profile profile;
    int profile_loaded;
    struct fetch_record prev;     /* the previous manifest's record, if any */
    struct fetch_record rec;      /* this run's record */
    int failed;
};

/* The whole fetch step. */
struct fetch {
    const struct imp_fetch_opts *o;
    struct gdir_territory t;
    int t_loaded;
    cJSON *config;                /* the configuration file, parsed */
    cJSON *catalogue;             /* loaded when a fetch entry names an entry */
    char *catalogue_path;
    char *mirror;                 /* base URL of the mirror, without a final '/', or NULL */
    char *dir;                    /* absolute download folder */
    char *manifest_path;
    char *effective_path;
    struct fetch_item *items;
    size_t n_items;
    char now[32];
    int lock_fd;
};

/* fetch_util.c: small file and string helpers. Allocating ones return NULL when out of
 * memory; the others follow the error model above. */
char *fetch_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fetch_copy(char *dst, size_t size, const char *src);   /* snprintf "%s", NULL is "" */
void fetch_utc_now(char *out, size_t size);                 /* 2026-01-01T10:00:00Z */
int fetch_is_file(const char *path);
int fetch_is_dir(const char *path);
long long fetch_file_size(const char *path);                /* -1 when it cannot be stat'ed */
char *fetch_absolute(const char *path);                     /* path when already absolute */
int fetch_make_dirs(const char *path);                      /* mkdir -p: 0 or -1 (errno) */
const char *fetch_json_str(const cJSON *obj, const char *key); /* NULL unless a string */
cJSON *fetch_load_json(const char *path, struct gdir_err *err); /* at most 4 MiB */
int fetch_write_atomic(const char *path, const char *data, size_t len, struct gdir_err *err);

/* fetch_entry.c: reads sources[i].fetch (spec) into it, resolving a catalogue entry, and
 * names its files in f->dir. GDIR_ECONFIG for a mistake in the entry or the catalogue. */
int fetch_parse_item(struct fetch *f, struct fetch_item *it, const cJSON *spec,
                     struct gdir_err *err);

/* fetch_entry.c too: the mirror's base URL (--fetch-mirror, else $GEODIR_FETCH_MIRROR) into
 * f->mirror, checked: http(s), no query nor fragment, at most FETCH_URL_MAX bytes.
 * GDIR_ECONFIG when it is not. */
int fetch_set_mirror(struct fetch *f, struct gdir_err *err);

/* fetch_manifest.c: the previous manifest into each item's prev (a damaged one is only
 * logged), this run's manifest (ok: every source succeeded), and the state of an interrupted
 * download beside its .part file. */
void fetch_read_manifest(struct fetch *f);
int fetch_write_manifest(struct fetch *f, int ok, struct gdir_err *err);
int fetch_write_sidecar(const struct fetch_item *it, const char *etag, const char *lm,
                        struct gdir_err *err);

/* fetch_http.c: downloads it->url into it->part_path with libcurl and fills it->rec's HTTP
 * fields. conditional: the previous file is intact, send its validators. Returns
 * FETCH_DOWNLOADED, FETCH_UNCHANGED (the server said 304), or a negative code
 * (GDIR_EDOWNLOAD, GDIR_ETOOBIG, GDIR_EIO, GDIR_ESTOPPED) with err filled. */
#define FETCH_DOWNLOADED 0
#define FETCH_UNCHANGED 1
int fetch_download(struct fetch *f, struct fetch_item *it, int conditional,
                   struct gdir_err *err);

#endif
