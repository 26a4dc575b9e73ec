/*
 * life_waste.h — the territory's waste collection calendar (docs/vie-locale.md §5): the JSON
 * configuration named by geodir-api's `waste_file` (streams, zones by commune or by street,
 * weekly or every-N-weeks collection days, public-holiday rules, per-date exceptions, the
 * déchèteries, and the configuration's source, publisher, licence and date), validated once at
 * start with errors naming the file and the key, then read by any number of threads.
 *
 * Dates are civil dates of Europe/Paris (no instants): a collection is a day, with an optional
 * time of day. Public holidays are hours/'s French national ones (gdir_hours_is_public_holiday).
 */
#ifndef LIFE_WASTE_H
#define LIFE_WASTE_H

#include <stddef.h>
#include <stdint.h>

#include "gdir_err.h"

#define LIFE_WASTE_FILE_MAX (1024u * 1024u)   /* largest configuration file, bytes */
#define LIFE_WASTE_STREAMS_MAX 16
#define LIFE_WASTE_ZONES_MAX 256
#define LIFE_WASTE_DAYS_MAX 366               /* longest window of life_waste_next */

struct life_waste;        /* a loaded configuration (opaque, immutable) */
struct life_waste_zone;   /* one of its zones (opaque, borrowed from it) */

/* A civil date. */
struct life_waste_date {
    int y, m, d;
};

/* What the configuration says about itself (borrowed strings; NULL when absent). */
struct life_waste_meta {
    const char *title, *description, *source, *publisher, *licence, *date, *url;
    int example;          /* "example": true — sample content, not the territory's word */
};

/* A stream (« flux »): ordures ménagères, tri, verre… Borrowed strings. */
struct life_waste_stream {
    const char *id;       /* "om", API identifier */
    const char *label;    /* « Ordures ménagères » */
    const char *colour;   /* "#4d4d4d" */
    const char *accepts;  /* what goes in (French text), or NULL */
    const char *put_out;  /* when to put the bin out, French sentence: « la veille au soir, à
                           * partir de 19 h » (built from the rule, or the file's own text) */
};

/* Why a collection moved or was cancelled. */
enum life_waste_why {
    LIFE_WASTE_AS_USUAL = 0,
    LIFE_WASTE_HOLIDAY,        /* a public holiday rule */
    LIFE_WASTE_EXCEPTION,      /* a per-date exception of the file */
};

/* One collection day of one stream. */
struct life_waste_pickup {
    int stream;                       /* index (life_waste_stream_at) */
    struct life_waste_date date;      /* the day it happens (for a cancelled one: the day it
                                       * would have happened) */
    struct life_waste_date usual;     /* the day of the usual schedule */
    int shifted;                      /* date differs from usual */
    int cancelled;                    /* not collected at all */
    enum life_waste_why why;
    int has_time, hour, minute;       /* the configured time of day, if any */
    char reason[200];                 /* French, « Noël (jour férié) », or "" as usual */
};

/* Parses and validates the configuration text[0..len) (name: the file name used in errors).
 * Returns 0 and *out (free with life_waste_free), or GDIR_ECONFIG with err's message
 * "name: key.path: what is wrong" and err->param the key path; GDIR_ETOOBIG beyond
 * LIFE_WASTE_FILE_MAX; GDIR_ENOMEM. */
int life_waste_parse(const char *text, size_t len, const char *name, struct life_waste **out,
                     struct gdir_err *err);

/* Reads the file at path and parses it (errors as above, GDIR_EIO when unreadable). */
int life_waste_load(const char *path, struct life_waste **out, struct gdir_err *err);

void life_waste_free(struct life_waste *w);

/* A hash of the configuration's text (ETags). */
uint64_t life_waste_hash(const struct life_waste *w);

const struct life_waste_meta *life_waste_meta(const struct life_waste *w);

size_t life_waste_n_streams(const struct life_waste *w);
const struct life_waste_stream *life_waste_stream_at(const struct life_waste *w, size_t i);

/* Every commune INSEE code the configuration names (zones and streets), each once, sorted. */
size_t life_waste_n_communes(const struct life_waste *w);
const char *life_waste_commune_at(const struct life_waste *w, size_t i);

/* The zone of an address: the zone that lists street (any spelling gdir_address_key brings
 * to the same key) in commune insee, else the zone of the whole commune; street may be NULL or
 * "". *by_street (may be NULL) is set to 1 when the commune has zones by street. NULL when the
 * configuration does not cover the commune. */
const struct life_waste_zone *life_waste_zone_for(const struct life_waste *w, const char *insee,
                                                  const char *street, int *by_street);
/* The zone id of commune insee (its whole-commune zone or one of its street zones), or NULL:
 * the selector `commune=&zone=` of a calendar subscribed without an address in its URL. */
const struct life_waste_zone *life_waste_zone_in(const struct life_waste *w, const char *insee,
                                                 const char *id);
const char *life_waste_zone_id(const struct life_waste_zone *z);
/* 1 when zone z has collections of stream (an index of life_waste_stream_at). */
int life_waste_zone_collects(const struct life_waste_zone *z, int stream);
const char *life_waste_zone_label(const struct life_waste_zone *z);

/* The déchèteries: directory place ids and categories (borrowed, NULL-terminated lists). */
const char *const *life_waste_decheterie_places(const struct life_waste *w);
const char *const *life_waste_decheterie_categories(const struct life_waste *w);

/* The collections of zone z from the day from for days days (1..LIFE_WASTE_DAYS_MAX): the
 * usual schedule with the holiday rules and exceptions applied, ordered by date then stream;
 * cancelled collections are included (cancelled = 1). *out is allocated (free()), *n its
 * length. Returns 0, GDIR_EINVAL (bad date or days) or GDIR_ENOMEM. Thread-safe. */
int life_waste_next(const struct life_waste *w, const struct life_waste_zone *z,
                    struct life_waste_date from, int days, struct life_waste_pickup **out,
                    size_t *n, struct gdir_err *err);

/* Date helpers: days since 1970-01-01 and back; weekday 0 = Monday … 6 = Sunday; French
 * names (« vendredi », « décembre »); « vendredi 25 décembre 2026 » into out. Parsing of
 * "YYYY-MM-DD": 0 or GDIR_EINVAL. */
long life_waste_days(struct life_waste_date d);
struct life_waste_date life_waste_from_days(long days);
int life_waste_weekday(struct life_waste_date d);
const char *life_waste_weekday_name(int wday);
int life_waste_parse_date(const char *s, struct life_waste_date *out);
void life_waste_format_date(struct life_waste_date d, int with_year, char *out, size_t cap);

#endif
