/*
 * h_feeds.h — what the subscription feeds (h_feeds.c: iCalendar, Atom, RSS, the agenda's CSV
 * export) share with the OGC API collection `events` (ogc/h_ogc_items.c) and the DCAT
 * catalogue (catalog/h_catalog.c): the published events of a window expanded into their
 * occurrences, the licence of the territory's own content, and the public base URL.
 * docs/vie-locale.md §6.
 */
#ifndef H_FEEDS_H
#define H_FEEDS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "api_life.h"
#include "api_router.h"
#include "gdir_buf.h"
#include "life_db.h"
#include "life_rrule.h"

/* The territory's own content: Licence Ouverte 2.0. */
#define FEEDS_LICENCE "etalab-2.0"

/* The window of the collection `events` and of the CSV export when the request names none:
 * from FEEDS_BACK_DAYS before today to FEEDS_AHEAD_DAYS after; a window spans at most
 * FEEDS_SPAN_DAYS. */
#define FEEDS_BACK_DAYS 30
#define FEEDS_AHEAD_DAYS 366
#define FEEDS_SPAN_DAYS 800

/* One occurrence of a published event. */
struct feeds_occ {
    const struct life_item *it;   /* borrowed from its struct feeds_set */
    time_t start, end;            /* UTC */
    struct life_local local;      /* local (Europe/Paris) start */
    char id[48];                  /* "<item>-<YYYYMMDDTHHMM>", as /api/events says */
};

/* The occurrences of the published events meeting [from, to), ordered by start then item. */
struct feeds_set {
    struct api_life_occs occs;    /* the items and their occurrences (api_life.h) */
    struct feeds_occ *occ;        /* the same occurrences with their item and id */
    size_t n_occ;
    long long version;            /* life_version when read */
};

/* 1 when the server has the daily-life store (the forms database is configured). */
int feeds_enabled(const struct api_config *cfg);

/* Reads the events of commune (NULL: all; else its own and the territory-wide ones) and of
 * category (NULL: all) that occur in [from, to), expanded. GDIR_EUNAVAIL without the store. */
int feeds_events(const struct api_ctx *ctx, const char *commune, const char *category,
                 time_t from, time_t to, struct feeds_set *out, struct gdir_err *err);
void feeds_set_free(struct feeds_set *s);

/* The default window (above) around now. */
void feeds_default_window(time_t now, time_t *from, time_t *to);

/* Appends the public base URL (public_url, else http://<loopback Host>, else
 * http://localhost), without a trailing slash. */
int feeds_base(const struct api_request *req, struct gdir_buf *out);

/* The page of an item on the resident's pages: <base>/agenda#evenement-<id> or
 * <base>/actualites#actualite-<id>. */
int feeds_item_url(const struct api_request *req, const struct life_item *it,
                   struct gdir_buf *out);

/* What the DCAT catalogue says of the agenda (events: its default window's occurrences) or of
 * the news and alerts visible now (!events). Dates "" when there is nothing. */
struct feeds_facts {
    long long n;                  /* occurrences, or items */
    char first[11], last[11];     /* the period covered, "YYYY-MM-DD" (local) */
    char issued[32], modified[32];   /* the oldest creation, the latest change (RFC 3339) */
    long long n_created, n_updated;  /* the same as Unix times */
};
int feeds_facts(const struct api_ctx *ctx, int events, struct feeds_facts *out,
                struct gdir_err *err);

/* Sets res's ETag from the store's version and the body as written (the visibility of
 * scheduled items and alerts changes with time, not only with writes). */
void feeds_etag(const struct api_ctx *ctx, struct api_response *res, long long version);

#endif
