/*
 * h_feeds_data.c — what the feeds (h_feeds.c), the OGC API collection `events` and the DCAT
 * catalogue read of the daily-life store: the published events of a window expanded into
 * their occurrences by api_life_occurrences (the expansion of /api/events: Europe/Paris
 * wall-clock times, EXDATEs left out), ordered by start, with their ids; the public base URL
 * and the pages of items; the ETag of a feed. docs/vie-locale.md §6.
 */
#include "h_feeds.h"
#include "h_ogc.h"
#include "api_dbpool.h"
#include "api_http.h"
#include "api_life.h"
#include "gdir_hash.h"
#include "gdir_hours.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- sets ---------------------------------------------------------------------------------- */

void feeds_set_free(struct feeds_set *s)
{
    if (!s)
        return;
    api_life_occs_free(&s->occs);
    free(s->occ);
    memset(s, 0, sizeof *s);
}

int feeds_events(const struct api_ctx *ctx, const char *commune, const char *category,
                 time_t from, time_t to, struct feeds_set *out, struct gdir_err *err)
{
    struct life_filter f = {.kind = LIFE_EVENT, .status = LIFE_PUBLISHED, .visible = 1};
    struct life_db *db;
    int rc;

    memset(out, 0, sizeof *out);
    f.now = time(NULL);
    f.commune = commune;
    f.category = category;
    f.from_utc = from;
    f.to_utc = to;
    out->occs.from = from;
    out->occs.to = to;
    if ((rc = api_life_db(ctx, &db, err)) || (rc = life_db_version(db, &out->version, err)) ||
        (rc = api_life_occurrences(db, &f, &out->occs, err)))
        goto out;
    out->occ = calloc(out->occs.n_occ ? out->occs.n_occ : 1, sizeof *out->occ);
    if (!out->occ) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "events: out of memory");
        goto out;
    }
    for (size_t i = 0; i < out->occs.n_occ; i++) {
        const struct api_life_occ *o = &out->occs.occ[i];
        struct feeds_occ *x = &out->occ[out->n_occ++];
        x->it = &out->occs.items[o->item];
        x->start = o->start;
        x->end = o->end;
        x->local = o->local;
        snprintf(x->id, sizeof x->id, "%lld-%04d%02d%02dT%02d%02d", x->it->id, o->local.year,
                 o->local.month, o->local.day, o->local.hour, o->local.minute);
    }
out:
    if (rc)
        feeds_set_free(out);
    return rc;
}

void feeds_default_window(time_t now, time_t *from, time_t *to)
{
    time_t day = now - now % 86400;
    *from = day - (time_t)FEEDS_BACK_DAYS * 86400;
    *to = day + (time_t)FEEDS_AHEAD_DAYS * 86400;
}

/* ---- the store ----------------------------------------------------------------------------- */

int feeds_enabled(const struct api_config *cfg)
{
    return cfg && cfg->forms_dir && cfg->forms_dir[0];
}

/* ---- the catalogue's facts ------------------------------------------------------------------ */

static void facts_add(struct feeds_facts *f, time_t first, time_t last, long long created,
                      long long updated)
{
    char a[32], b[32], c[32], d[32];

    gdir_paris_format(first, a, sizeof a);
    gdir_paris_format(last, b, sizeof b);
    gdir_paris_format((time_t)created, c, sizeof c);
    gdir_paris_format((time_t)updated, d, sizeof d);
    if (!f->first[0] || strncmp(a, f->first, 10) < 0)
        snprintf(f->first, sizeof f->first, "%.10s", a);
    if (!f->last[0] || strncmp(b, f->last, 10) > 0)
        snprintf(f->last, sizeof f->last, "%.10s", b);
    if (!f->issued[0] || created < f->n_created)
        snprintf(f->issued, sizeof f->issued, "%s", c), f->n_created = created;
    if (!f->modified[0] || updated > f->n_updated)
        snprintf(f->modified, sizeof f->modified, "%s", d), f->n_updated = updated;
}

static int on_fact_item(void *arg, struct life_item *it)
{
    struct feeds_facts *f = arg;
    long long at = it->published_at ? it->published_at : it->updated_at;
    f->n++;
    facts_add(f, (time_t)at, (time_t)it->updated_at, it->created_at, it->updated_at);
    return 0;
}

int feeds_facts(const struct api_ctx *ctx, int events, struct feeds_facts *out,
                struct gdir_err *err)
{
    struct life_filter lf = {.kind = LIFE_ANY_NOT_EVENT, .status = LIFE_PUBLISHED, .visible = 1};
    struct feeds_set set;
    struct life_db *db;
    time_t from, to;
    int rc;

    memset(out, 0, sizeof *out);
    if (!events) {
        lf.now = time(NULL);
        if ((rc = api_life_db(ctx, &db, err)))
            return rc;
        rc = life_db_list(db, &lf, on_fact_item, out, err);
        return rc;
    }
    feeds_default_window(time(NULL), &from, &to);
    if ((rc = feeds_events(ctx, NULL, NULL, from, to, &set, err)))
        return rc;
    for (size_t i = 0; i < set.n_occ; i++) {
        const struct life_item *it = set.occ[i].it;
        out->n++;
        facts_add(out, set.occ[i].start, set.occ[i].end - 1, it->created_at, it->updated_at);
    }
    feeds_set_free(&set);
    return GDIR_OK;
}

/* ---- names, URLs, tags --------------------------------------------------------------------- */

int feeds_base(const struct api_request *req, struct gdir_buf *out)
{
    size_t start = out->len;
    int rc = ogc_base(req, out);     /* public_url or a loopback Host, then "/ogc" */

    if (rc)
        return rc;
    out->len -= strlen(OGC_ROOT);
    out->data[out->len] = '\0';
    while (out->len > start && out->data[out->len - 1] == '/')
        out->data[--out->len] = '\0';
    return out->len == start ? gdir_buf_adds(out, "http://localhost") : GDIR_OK;
}

int feeds_item_url(const struct api_request *req, const struct life_item *it,
                   struct gdir_buf *out)
{
    int rc = feeds_base(req, out);
    if (!rc)
        rc = gdir_buf_printf(out, it->kind == LIFE_EVENT ? "/agenda#evenement-%lld"
                                                         : "/actualites#actualite-%lld", it->id);
    return rc;
}

void feeds_etag(const struct api_ctx *ctx, struct api_response *res, long long version)
{
    uint64_t h = gdir_fnv64(GDIR_FNV64_INIT, &ctx->config_tag, sizeof ctx->config_tag);
    h = gdir_fnv64(h, &version, sizeof version);
    h = gdir_fnv64_field(h, res->content_type ? res->content_type : "");
    h = gdir_fnv64(h, res->body.data ? res->body.data : "", res->body.len);
    api_etag_format(h, res->etag, sizeof res->etag);
}
