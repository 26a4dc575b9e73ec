/*
 * fetch_manifest.c — <download folder>/manifest.json, the record of what --fetch downloaded:
 * per source the URL, the final URL, the official URL a mirror stood for, the file, its size
 * and SHA-256, the compressed download's, the member taken from a zip, Last-Modified and ETag
 * (sent back in the next run's conditional request), and when it was fetched and checked; and
 * <name>.part.json, the state of an interrupted download beside its .part file.
 *
 * What it does not do: decide whether a file is still valid (fetch.c compares its SHA-256).
 */
#include "fetch_internal.h"
#include "gdir_buf.h"
#include "gdir_json.h"
#include "gdir_log.h"

#include <string.h>

static void record_from_json(struct fetch_record *r, const cJSON *o)
{
    const cJSON *v;
    memset(r, 0, sizeof *r);
    r->present = fetch_json_str(o, "file") && fetch_json_str(o, "sha256") &&
                 fetch_json_str(o, "url");
    fetch_copy(r->url, sizeof r->url, fetch_json_str(o, "url"));
    fetch_copy(r->final_url, sizeof r->final_url, fetch_json_str(o, "final_url"));
    fetch_copy(r->official_url, sizeof r->official_url, fetch_json_str(o, "official_url"));
    fetch_copy(r->catalogue, sizeof r->catalogue, fetch_json_str(o, "catalogue"));
    fetch_copy(r->file, sizeof r->file, fetch_json_str(o, "file"));
    fetch_copy(r->sha256, sizeof r->sha256, fetch_json_str(o, "sha256"));
    fetch_copy(r->compression, sizeof r->compression, fetch_json_str(o, "compression"));
    fetch_copy(r->member, sizeof r->member, fetch_json_str(o, "member"));
    fetch_copy(r->download_sha256, sizeof r->download_sha256,
               fetch_json_str(o, "download_sha256"));
    fetch_copy(r->last_modified, sizeof r->last_modified, fetch_json_str(o, "last_modified"));
    fetch_copy(r->etag, sizeof r->etag, fetch_json_str(o, "etag"));
    fetch_copy(r->fetched_at, sizeof r->fetched_at, fetch_json_str(o, "fetched_at"));
    fetch_copy(r->checked_at, sizeof r->checked_at, fetch_json_str(o, "checked_at"));
    fetch_copy(r->outcome, sizeof r->outcome, fetch_json_str(o, "outcome"));
    v = cJSON_GetObjectItemCaseSensitive(o, "size");
    r->size = cJSON_IsNumber(v) ? (long long)v->valuedouble : -1;
    v = cJSON_GetObjectItemCaseSensitive(o, "download_size");
    r->download_size = cJSON_IsNumber(v) ? (long long)v->valuedouble : -1;
}

void fetch_read_manifest(struct fetch *f)
{
    struct gdir_err err;
    cJSON *root, *o;
    if (!fetch_is_file(f->manifest_path))
        return;
    gdir_err_clear(&err);
    if (!(root = fetch_load_json(f->manifest_path, &err))) {
        gdir_log(GDIR_LOG_WARN, "fetch", "msg=\"previous manifest ignored\" file=\"%s\"",
                 f->manifest_path);
        return;
    }
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(root, "sources")) {
        const char *name = fetch_json_str(o, "name");
        for (size_t i = 0; name && i < f->n_items; i++)
            if (strcmp(f->items[i].src->name, name) == 0)
                record_from_json(&f->items[i].prev, o);
    }
    cJSON_Delete(root);
}

static void write_record(struct gdir_json *j, const struct fetch_item *it,
                         const struct fetch_record *r)
{
    gdir_json_obj_begin(j);
    gdir_json_kstr(j, "name", it->src->name);
    gdir_json_kstr(j, "profile", it->src->profile);
    gdir_json_kstr_nonempty(j, "catalogue", r->catalogue);
    gdir_json_kstr(j, "url", r->url);
    gdir_json_kstr_nonempty(j, "final_url", r->final_url);
    gdir_json_kstr_nonempty(j, "official_url", r->official_url);
    gdir_json_kstr(j, "file", r->file);
    gdir_json_kint(j, "size", r->size);
    gdir_json_kstr(j, "sha256", r->sha256);
    gdir_json_kstr(j, "compression", r->compression[0] ? r->compression : "none");
    gdir_json_kstr_nonempty(j, "member", r->member);
    gdir_json_kint(j, "download_size", r->download_size);
    gdir_json_kstr(j, "download_sha256", r->download_sha256);
    gdir_json_kstr_nonempty(j, "last_modified", r->last_modified);
    gdir_json_kstr_nonempty(j, "etag", r->etag);
    gdir_json_kstr(j, "fetched_at", r->fetched_at);
    gdir_json_kstr(j, "checked_at", r->checked_at);
    gdir_json_kstr(j, "outcome", it->failed ? "failed" : r->outcome);
    gdir_json_obj_end(j);
}

/* Writes the JSON text that j wrote into b to path (atomically), and frees b. */
static int write_json_file(const struct gdir_json *j, struct gdir_buf *b, const char *path,
                           struct gdir_err *err)
{
    int rc;
    if (gdir_json_error(j) || b->err)
        rc = gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", path);
    else
        rc = fetch_write_atomic(path, b->data, b->len, err);
    gdir_buf_free(b);
    return rc;
}

/* One record per fetched source describing the file on disk: this run's when it succeeded,
 * the previous one when it failed and a previous file exists. */
int fetch_write_manifest(struct fetch *f, int ok, struct gdir_err *err)
{
    struct gdir_buf b;
    struct gdir_json j;
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
        const struct fetch_item *it = &f->items[i];
        const struct fetch_record *r = it->failed ? &it->prev : &it->rec;
        if (r->present)
            write_record(&j, it, r);
    }
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    gdir_buf_addc(&b, '\n');
    return write_json_file(&j, &b, f->manifest_path, err);
}

int fetch_write_sidecar(const struct fetch_item *it, const char *etag, const char *lm,
                        struct gdir_err *err)
{
    struct gdir_buf b;
    struct gdir_json j;
    gdir_buf_init(&b, 64 * 1024);
    gdir_json_init(&j, &b);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "url", it->url);
    gdir_json_kstr_nonempty(&j, "etag", etag);
    gdir_json_kstr_nonempty(&j, "last_modified", lm);
    gdir_json_obj_end(&j);
    return write_json_file(&j, &b, it->side_path, err);
}
