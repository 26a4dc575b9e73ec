/*
 * api_hours.h — opening hours as the API serves them: a place's raw opening_hours text
 * evaluated at one instant with common/gdir_hours.h, through a per-connection cache.
 *
 * The cache keys parsed values by their text (many places share "Mo-Fr 08:30-12:00"), so each
 * distinct value is parsed once per connection, and evaluated once per instant asked (a
 * request asks one instant for all its places). It holds at most API_HOURS_CACHE_MAX texts and
 * is emptied when full. A cache belongs to one connection, hence one thread: no locking.
 * An unparseable value is remembered as such: `valid` = 0, state unknown, never an error.
 */
#ifndef API_HOURS_H
#define API_HOURS_H

#include <time.h>

#include "gdir_hours.h"

#define API_HOURS_CACHE_MAX 16384    /* distinct texts kept per connection */

struct api_hours_info {
    int has;                         /* the place has a non-empty opening_hours value */
    int valid;                       /* the value parsed (gdir_hours_parse) */
    enum gdir_hours_state state;     /* at the instant asked; UNKNOWN when !valid */
    time_t next_change;              /* next change after it, 0 when none within the horizon */
    enum gdir_hours_state next_state;
};

struct api_hours_cache;

/* A new, empty cache, or NULL when out of memory. */
struct api_hours_cache *api_hours_cache_new(void);

/* Frees the cache and every parsed value. NULL-safe. */
void api_hours_cache_free(struct api_hours_cache *c);

/* Fills *out for text (NULL or "" -> has = 0) at the UTC instant when; cal (may be NULL) gives
 * the school holidays. c may be NULL (no caching). Never fails: without memory the value is
 * reported as unknown. text is borrowed. */
void api_hours_eval(struct api_hours_cache *c, const struct gdir_calendar *cal, const char *text,
                    time_t when, struct api_hours_info *out);

#endif
