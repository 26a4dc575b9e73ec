/*
 * fetch.h — fetch mode of geodir-import (--fetch): download the current official file of
 * every source whose configuration has a `fetch` entry, check it, record it in a manifest, and
 * hand the importer a configuration that reads the downloaded files.
 *
 * A source's `fetch` entry (docs/configuration.md, "Fetching") names either an entry of
 * datasets/catalogue.json plus the values of its URL placeholders, or a direct URL:
 *
 *   "fetch": {"catalogue": "ban-adresses", "params": {"dep": "55"}}
 *   "fetch": {"url": "https://example.org/lieux.geojson", "max_mb": 50}
 *
 * For each such source, in configuration order:
 *   1. download over HTTP(S) with libcurl (redirects, timeouts, a size cap, a User-Agent naming
 *      geodir) into <dir>/<name>.part; an interrupted download is resumed on the next run when
 *      the server gave a validator (ETag or Last-Modified, sent back in If-Range), else
 *      restarted; when the previous download is still on disk with the SHA-256 the manifest
 *      recorded, the request carries If-None-Match / If-Modified-Since, and a 304 keeps it;
 *   2. decompress (gzip, or one member of a zip) when the entry or the catalogue says so;
 *   3. check the file: not empty, not an HTML page, opened with the source's mapping profile
 *      (every field the profile names is in the file) and at least one record read;
 *   4. rename it over <dir>/<name><extension of the source's configured path>.
 * Then <dir>/manifest.json records, per source, the URL, the final URL, the file, its size,
 * SHA-256, Last-Modified and ETag, and <dir>/<config>.fetched.json is written: the same
 * configuration with absolute paths, each fetched source pointing at its downloaded file.
 *
 * Any failed download or check is reported as "fetch: source NAME (URL): what went wrong";
 * every source is still tried, so that all problems are listed, and the import does not run.
 * Files of sources that failed are left as they were. Nothing is downloaded without --fetch.
 *
 * The code, in importer/fetch/: fetch.c (this driver, the checks, the derived configuration),
 * fetch_entry.c (fetch entries and the catalogue), fetch_http.c (libcurl), fetch_unpack.c
 * (gzip, zip through libarchive), fetch_manifest.c, fetch_util.c; fetch_internal.h holds what
 * they share.
 */
#ifndef FETCH_H
#define FETCH_H

#include <signal.h>

struct imp_fetch_opts {
    const char *config;       /* territory configuration (required) */
    const char *data_dir;     /* --data-dir override of the configuration, or NULL */
    const char *db;           /* the database to import into: the default folder is next to it */
    const char *fetch_dir;    /* download folder, or NULL for "<folder of db>/downloads" */
    const char *mirror;       /* base URL of a mirror of the official hosts (--fetch-mirror),
                                 or NULL for $GEODIR_FETCH_MIRROR, else none: every URL
                                 scheme://host[:port]/path?query is then asked as
                                 <mirror>/host/path?query (fetch_entry.c) */
    const char *profiles_dir; /* --profiles, or NULL for the importer's default search */
    const char *const *only;  /* when n_only > 0: fetch only these sources (--source) */
    size_t n_only;
    int quiet;                /* no line per source on stderr (errors are still printed) */
    volatile sig_atomic_t *stop; /* when not NULL and set, downloads are abandoned (resumable) */
};

/* Runs the fetch step. On success returns 0 (IMP_EXIT_OK) and sets *effective_config to the
 * path of the configuration to import (owned: free() it). Otherwise returns IMP_EXIT_FAILED
 * (a download or check failed) or IMP_EXIT_USAGE (bad configuration, fetch entry, catalogue or
 * profile), with the problems printed on stderr, and *effective_config is NULL.
 *
 * The catalogue is $GEODIR_CATALOGUE when set, else the source tree's datasets/catalogue.json
 * when it exists, else the installed copy. Not reentrant (initialises libcurl globally). */
int imp_fetch_run(const struct imp_fetch_opts *o, char **effective_config);

#endif
