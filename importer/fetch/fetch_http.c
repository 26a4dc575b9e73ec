/*
 * fetch_http.c — one download of the fetch step over HTTP(S) with libcurl: redirects,
 * timeouts, a size cap enforced on the bytes written (resumed bytes included), a User-Agent
 * naming geodir; an interrupted download resumed with Range + If-Range when the server gave a
 * validator (ETag or Last-Modified, kept in <name>.part.json), else restarted; a conditional
 * request (If-None-Match / If-Modified-Since) when the previous file is intact, a 304 keeping
 * it.
 *
 * What it does not do: decompress or check the file (fetch.c), or follow any protocol but
 * http and https.
 */
#include "fetch_internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define USER_AGENT "geodir-import/" GDIR_VERSION " (geodir open-data directory; fetch mode)"
#define CONNECT_TIMEOUT_S 30
#define LOW_SPEED_BYTES 100                 /* below this many bytes/s ... */
#define LOW_SPEED_TIME_S 60                 /* ... for this long, the transfer is abandoned */

/* One transfer's state, shared with libcurl's callbacks. */
struct dl {
    const struct fetch_item *it;
    FILE *f;                       /* the .part file, opened at the first body byte */
    long long offset;              /* bytes already in the .part file when resuming */
    long long written;             /* body bytes written in this transfer */
    long status;                   /* status of the response being received */
    long long range_start;         /* start of a 206's Content-Range, -1 if none */
    char last_modified[FETCH_DATE_MAX];
    char etag[FETCH_ETAG_MAX];
    int too_big, bad_range, io_error;
    volatile sig_atomic_t *stop;
    struct curl_slist *hdrs;       /* request headers added */
    char range[32];                /* CURLOPT_RANGE's value, kept alive for the transfer */
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

/* A validator usable in If-Range: a strong ETag, else Last-Modified. */
static const char *if_range_value(const char *etag, const char *lm)
{
    if (etag && etag[0] == '"')
        return etag;
    return lm && *lm ? lm : NULL;
}

/* An interrupted download of the same URL with a validator is resumed (Range + If-Range);
 * any other .part file is removed. Returns 1 when resuming. */
static int prepare_resume(CURL *c, struct dl *d)
{
    const struct fetch_item *it = d->it;
    struct gdir_err ignored;
    char line[FETCH_ETAG_MAX + 64];
    int resuming = 0;

    if (fetch_is_file(it->part_path)) {
        cJSON *side = fetch_is_file(it->side_path) ? fetch_load_json(it->side_path, &ignored)
                                                   : NULL;
        const char *su = fetch_json_str(side, "url");
        const char *val = if_range_value(fetch_json_str(side, "etag"),
                                         fetch_json_str(side, "last_modified"));
        long long have = fetch_file_size(it->part_path);
        if (su && strcmp(su, it->url) == 0 && val && have > 0 && have < it->max_bytes) {
            snprintf(line, sizeof line, "If-Range: %s", val);
            d->hdrs = curl_slist_append(d->hdrs, line);
            snprintf(d->range, sizeof d->range, "%lld-", have);
            curl_easy_setopt(c, CURLOPT_RANGE, d->range);
            d->offset = have;
            resuming = 1;
        } else {
            unlink(it->part_path);
        }
        cJSON_Delete(side);
    }
    unlink(it->side_path);
    return resuming;
}

/* The previous file's validators: If-None-Match, If-Modified-Since. */
static void prepare_conditional(CURL *c, struct dl *d)
{
    const struct fetch_record *prev = &d->it->prev;
    char line[FETCH_ETAG_MAX + 64];

    if (prev->etag[0]) {
        snprintf(line, sizeof line, "If-None-Match: %s", prev->etag);
        d->hdrs = curl_slist_append(d->hdrs, line);
    }
    time_t lm = prev->last_modified[0] ? curl_getdate(prev->last_modified, NULL) : -1;
    if (lm > 0) {
        curl_easy_setopt(c, CURLOPT_TIMECONDITION, (long)CURL_TIMECOND_IFMODSINCE);
        curl_easy_setopt(c, CURLOPT_TIMEVALUE_LARGE, (curl_off_t)lm);
    }
}

static void set_options(CURL *c, struct dl *d, char *errbuf)
{
    const struct fetch_item *it = d->it;

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
    curl_easy_setopt(c, CURLOPT_HEADERDATA, d);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, d);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, d);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    if (d->hdrs)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, d->hdrs);
}

/* What the finished transfer means: FETCH_DOWNLOADED, FETCH_UNCHANGED or a negative code. */
static int outcome(struct fetch_item *it, const struct dl *d, CURLcode rc, long unmet,
                   int conditional, const char *errbuf, struct gdir_err *err)
{
    if (d->stop && *d->stop)
        return gdir_err_set(err, GDIR_ESTOPPED, "interrupted");
    if (d->too_big || rc == CURLE_FILESIZE_EXCEEDED)
        return gdir_err_set(err, GDIR_ETOOBIG, "larger than the limit of %lld MiB "
                            "(fetch.max_mb)", it->max_bytes / (1024 * 1024));
    if (d->bad_range)
        return gdir_err_set(err, GDIR_EDOWNLOAD, "the server resumed at byte %lld instead of "
                            "%lld: download restarted from scratch next time", d->range_start,
                            d->offset);
    if (d->io_error)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", it->part_path, strerror(d->io_error));
    if (rc == CURLE_OK && (unmet || d->status == 304) && conditional)
        return FETCH_UNCHANGED;
    if (rc != CURLE_OK)
        return gdir_err_set(err, GDIR_EDOWNLOAD, "download failed: %s%s%s",
                            curl_easy_strerror(rc), errbuf[0] ? ": " : "", errbuf);
    if (d->status != 200 && d->status != 206)
        return gdir_err_set(err, GDIR_EDOWNLOAD, "the server answered HTTP %ld%s", d->status,
                            d->status == 304 ? " to a request that was not conditional" : "");
    if (d->offset + d->written == 0)
        return gdir_err_set(err, GDIR_EDOWNLOAD, "the server sent an empty file");
    it->rec.download_size = d->offset + d->written;
    fetch_copy(it->rec.outcome, sizeof it->rec.outcome, d->offset ? "resumed" : "downloaded");
    return FETCH_DOWNLOADED;
}

/* After a failure: keep a partial file to resume when the transfer broke off and the server
 * gave a validator (and say so in err); anything else starts again from scratch next time. */
static void keep_or_drop_partial(const struct fetch_item *it, const struct dl *d,
                                 struct gdir_err *err)
{
    struct gdir_err ignored;
    int resumable = (d->status == 200 || d->status == 206) && !d->too_big && !d->bad_range &&
                    !d->io_error && d->offset + d->written > 0 &&
                    if_range_value(d->etag, d->last_modified) && fetch_is_file(it->part_path);
    if (resumable && fetch_write_sidecar(it, d->etag, d->last_modified, &ignored) == 0) {
        size_t len = strlen(err->msg);
        snprintf(err->msg + len, sizeof err->msg - len, " (%lld bytes kept in %s: the next "
                 "--fetch resumes)", d->offset + d->written, it->part_path);
    } else {
        unlink(it->part_path);
    }
}

int fetch_download(struct fetch *f, struct fetch_item *it, int conditional,
                   struct gdir_err *err)
{
    struct dl d;
    CURL *c = curl_easy_init();
    char errbuf[CURL_ERROR_SIZE] = "", *eff = NULL;
    long unmet = 0;
    int rc;

    memset(&d, 0, sizeof d);
    d.it = it;
    d.range_start = -1;
    d.stop = f->o->stop;
    if (!c) {
        rc = gdir_err_set(err, GDIR_EDOWNLOAD, "cannot initialise libcurl");
        goto out;
    }
    if (prepare_resume(c, &d))
        conditional = 0;
    if (conditional)
        prepare_conditional(c, &d);
    set_options(c, &d, errbuf);

    CURLcode cc = curl_easy_perform(c);
    if (d.f && fclose(d.f) != 0 && !d.io_error)
        d.io_error = errno ? errno : EIO;
    d.f = NULL;
    curl_easy_getinfo(c, CURLINFO_CONDITION_UNMET, &unmet);
    if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff)
        fetch_copy(it->rec.final_url, sizeof it->rec.final_url, eff);
    fetch_copy(it->rec.last_modified, sizeof it->rec.last_modified, d.last_modified);
    fetch_copy(it->rec.etag, sizeof it->rec.etag, d.etag);

    rc = outcome(it, &d, cc, unmet, conditional, errbuf, err);
    it->rec.present = rc == FETCH_DOWNLOADED;
    if (rc < 0)
        keep_or_drop_partial(it, &d, err);
out:
    curl_slist_free_all(d.hdrs);
    if (c)
        curl_easy_cleanup(c);
    return rc;
}
