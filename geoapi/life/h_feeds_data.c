/*
 * h_feeds_data.c — what the feeds (h_feeds.c), the OGC API collection `events` and the DCAT
 * catalogue read of the daily-life store: the published events of a window, copied out of the
 * store and expanded into their occurrences (life_rrule_expand: Europe/Paris wall-clock
 * times, EXDATEs left out), ordered by start; the public base URL and the pages of items; the
 * ETag of a feed. docs/vie-locale.md §6.
 */
#include "h_feeds.h"
#include "h_ogc.h"
#include "api_dbpool.h"
#include "api_http.h"
#include "api_life.h"
#include "gdir_hash.h"
#include "gdir_hours.h"
#include "gdir_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- sets ---------------------------------------------------------------------------------- */

void feeds_set_free(struct feeds_set *s)
{
    for (size_t i = 0; s && i < s->n_items; i++)
        life_item_free(&s->items[i]);
    if (s) {
        free(s->items);
        free(s->occ);
        memset(s, 0, sizeof *s);
    }
}

/* ---- occurrences --------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long long days_of(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* Minutes of wall-clock time from a to b. */
static long long local_minutes(const struct life_local *a, const struct life_local *b)
{
    return (days_of(b->year, b->month, b->day) - days_of(a->year, a->month, a->day)) * 1440 +
           (b->hour - a->hour) * 60 + (b->minute - a->minute);
}

/* The item's EXDATEs (space-separated local times) into ex[max]; *n of them. */
static int parse_exdates(const char *s, struct life_local *ex, size_t max, size_t *n,
                         struct gdir_err *err)
{
    char one[LIFE_LOCAL_LEN];
    int all_day;

    *n = 0;
    while (s && *s) {
        size_t len = strcspn(s, " ");
        if (len > 0 && len < sizeof one && *n < max) {
            memcpy(one, s, len);
            one[len] = '\0';
            if (life_local_parse(one, "exdates", &ex[*n], &all_day, err) == 0)
                (*n)++;
            else
                gdir_err_clear(err);   /* checked when written; a bad one is ignored */
        }
        s += len;
        s += *s == ' ';
    }
    return 0;
}

struct expand_walk {
    struct feeds_set *set;
    size_t item;                 /* index into set->items */
};

static int on_occurrence(const struct life_occurrence *o, void *arg)
{
    struct expand_walk *w = arg;
    struct feeds_set *s = w->set;
    struct feeds_occ *x;

    if (gdir_grow(&s->occ, &s->cap_occ, s->n_occ + 1, sizeof *s->occ))
        return GDIR_ENOMEM;
    x = &s->occ[s->n_occ++];
    x->it = NULL;                /* set by feeds_events once every item is read */
    x->start = o->start;
    x->end = o->end;
    x->local = o->local;
    snprintf(x->id, sizeof x->id, "%lld-%04d%02d%02dT%02d%02d", s->items[w->item].id,
             o->local.year, o->local.month, o->local.day, o->local.hour, o->local.minute);
    return 0;
}

/* Expands item i of s into its occurrences meeting [from, to). */
static int expand_item(struct feeds_set *s, size_t i, time_t from, time_t to,
                       struct gdir_err *err)
{
    const struct life_item *it = &s->items[i];
    struct life_local start, end, ex[LIFE_EXDATES_MAX];
    struct life_rrule *r = NULL;
    struct expand_walk w = {s, i};
    size_t n_ex = 0;
    long long dur;
    int all_day, all_day_end, rc;

    rc = life_local_parse(it->start, "start", &start, &all_day, err);
    if (!rc)
        rc = life_local_parse(it->end[0] ? it->end : it->start, "end", &end, &all_day_end, err);
    if (!rc && it->rrule && it->rrule[0])
        rc = life_rrule_parse(it->rrule, &r, err);
    if (!rc)
        rc = parse_exdates(it->exdates, ex, LIFE_EXDATES_MAX, &n_ex, err);
    if (rc) {            /* a stored item the store accepted: never expected */
        gdir_err_clear(err);
        return 0;
    }
    /* As life_item_prepare measures it: an all-day end is the last day, inclusive; no end
     * is one hour, or the day. */
    dur = local_minutes(&start, &end) + (all_day ? 1440 : 0);
    if (!it->end[0] && !all_day)
        dur = 60;
    rc = life_rrule_expand(r, &start, (int)(dur > 0 ? dur : 1), ex, n_ex, from, to,
                           on_occurrence, &w);
    life_rrule_free(r);
    if (rc == GDIR_ENOMEM)
        return gdir_err_set(err, rc, "events: out of memory");
    return rc < 0 ? gdir_err_set(err, rc, "events: %s", gdir_err_text(rc)) : 0;
}

static int occ_cmp(const void *a, const void *b)
{
    const struct feeds_occ *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->it->id < y->it->id ? -1 : x->it->id > y->it->id;
}

struct read_walk {
    struct feeds_set *set;
    int failed;
};

/* Takes the item over (life_db_list lets the callback do so). */
static int on_item(void *arg, struct life_item *it)
{
    struct read_walk *w = arg;
    struct feeds_set *s = w->set;

    if (gdir_grow(&s->items, &s->cap_items, s->n_items + 1, sizeof *s->items)) {
        w->failed = GDIR_ENOMEM;
        return 1;
    }
    s->items[s->n_items++] = *it;
    memset(it, 0, sizeof *it);
    return 0;
}


int feeds_events(const struct api_ctx *ctx, const char *commune, const char *category,
                 time_t from, time_t to, struct feeds_set *out, struct gdir_err *err)
{
    struct life_filter f = {.kind = LIFE_EVENT, .status = LIFE_PUBLISHED, .visible = 1};
    struct read_walk w = {out, 0};
    struct life_db *db;
    int rc;

    memset(out, 0, sizeof *out);
    f.now = time(NULL);
    f.commune = commune;
    f.category = category;
    f.from_utc = from;
    f.to_utc = to;
    rc = api_life_db(ctx, &db, err);
    if (!rc)
        rc = life_db_version(db, &out->version, err);
    if (!rc)
        rc = life_db_list(db, &f, on_item, &w, err);
    if (!rc && w.failed)
        rc = gdir_err_set(err, w.failed, "events: out of memory");
    for (size_t i = 0; !rc && i < out->n_items; i++) {
        size_t first = out->n_occ;
        rc = expand_item(out, i, from, to, err);
        for (size_t k = first; !rc && k < out->n_occ; k++)
            out->occ[k].it = &out->items[i];
    }
    if (!rc && out->n_occ > 1)
        qsort(out->occ, out->n_occ, sizeof *out->occ, occ_cmp);
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
