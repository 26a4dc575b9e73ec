/*
 * life_db.h — the store of the daily-life items (docs/vie-locale.md §1): events of the agenda,
 * news and alerts, in the forms database (forms_db, WAL) beside the back office. Tables in
 * life_schema.sql (compiled in, applied idempotently by life_db_open); every SQL statement of
 * the module is in life_db.c, prepared once per connection.
 *
 * Every write is one transaction that also appends a life_audit row (append-only: triggers
 * refuse UPDATE and DELETE) and adds 1 to meta 'life_version' (life_db_version), from which the
 * public answers' ETags are made. A struct life_db is one connection, one thread at a time.
 *
 * Items are checked here (life_item_prepare: sizes, formats, the safe text, the canonical
 * RRULE, the UTC times); what needs the directory (a place's name and point, member communes,
 * geocoding) is the caller's.
 */
#ifndef LIFE_DB_H
#define LIFE_DB_H

#include <stddef.h>
#include <time.h>

#include "gdir_err.h"

struct life_db;

enum life_kind { LIFE_EVENT, LIFE_NEWS, LIFE_ALERT };
enum life_status { LIFE_DRAFT, LIFE_PUBLISHED, LIFE_UNPUBLISHED };

#define LIFE_TITLE_MAX 200
#define LIFE_LINE_MAX 300           /* address, place name */
#define LIFE_SHORT_MAX 200          /* organiser, price, source, publisher */
#define LIFE_NOTE_MAX 500           /* accessibility, url */
#define LIFE_EMAIL_MAX 254
#define LIFE_PHONE_MAX 40
#define LIFE_ID_MAX 160             /* a directory place id */
#define LIFE_COMMUNES_MAX 64
#define LIFE_EXDATES_MAX 100
#define LIFE_IMAGE_MAX (2u * 1024u * 1024u)
#define LIFE_LOCAL_LEN 17           /* "YYYY-MM-DDTHH:MM" + NUL */

/* An item. Strings are owned (life_item_free), NULL when absent. */
struct life_item {
    long long id;
    enum life_kind kind;
    enum life_status status;
    long long publish_at, published_at;   /* 0: none */
    char *title, *text_html, *text_plain;
    /* events */
    char start[LIFE_LOCAL_LEN], end[LIFE_LOCAL_LEN];   /* local times, "" when absent */
    int all_day;
    char *rrule;                /* canonical */
    char *exdates;              /* local times, space-separated */
    long long start_utc, end_utc, last_utc;   /* last_utc 0: no end */
    char *place_id, *place_name, *address;
    int has_point;
    double lat, lon;
    int territory;
    char **communes;            /* INSEE codes, sorted */
    size_t n_communes;
    char *organiser, *organiser_place, *category, *price;
    int free;
    char *accessibility, *url, *contact_email, *contact_phone;
    /* alerts */
    char *severity;
    long long valid_from, valid_until;   /* 0: none */
    /* provenance */
    char *author, *source, *publisher, *licence;
    long long proposal;         /* the request of an accepted proposal, 0 */
    long long created_at, updated_at;
    char *image_type;           /* read only: the image's media type, NULL without one */
};

const char *life_kind_name(enum life_kind k);
int life_kind_parse(const char *s, enum life_kind *out);
const char *life_status_name(enum life_status s);
int life_status_parse(const char *s, enum life_status *out);
/* The French label of an event category code (« Marché »), or NULL for an unknown code. */
const char *life_category_label(const char *code);

void life_item_free(struct life_item *it);

/* Checks and completes an item before it is written: the title made one line
 * (life_text_line), text_html and text_plain made from text_html as the author wrote it
 * (life_text_sanitise), events' start/end parsed (end defaults to start + 1 h, or the day),
 * the RRULE made canonical and the UTC times and last_utc computed, exdates checked; alerts'
 * severity and validity; the sizes of every field, the url (http/https), the e-mail, the
 * category. GDIR_EINVAL / GDIR_ETOOBIG with err naming the field (param) and saying what in
 * French. */
int life_item_prepare(struct life_item *it, struct gdir_err *err);

/* An event's duration in wall-clock minutes (end - start on the clock; an all-day event: its
 * days × 1440; no end: 60, or 1440 for an all-day event), as life_rrule_expand takes it, and
 * its local start into *start. GDIR_EINVAL when start is not a local time. */
struct life_local;
int life_item_duration(const struct life_item *it, struct life_local *start, int *minutes);

/* Opens forms_db (created when missing, WAL) and applies life_schema.sql. */
int life_db_open(struct life_db **out, const char *forms_db, struct gdir_err *err);
void life_db_close(struct life_db *db);

/* The change counter (meta 'life_version'). */
int life_db_version(struct life_db *db, long long *out, struct gdir_err *err);

/* Who writes, for the audit. */
struct life_actor {
    const char *login;          /* the agent's login, or "system" */
    const char *peer;           /* client address, or NULL */
    long long request_id;       /* the proposal's request, 0 */
};

/* Writes a prepared item: insert (it->id set) or update (by it->id; its status, publication,
 * provenance and creation time kept). Audited ("create", "update"). GDIR_ENOTFOUND when an
 * updated item does not exist; GDIR_ECONFLICT when it->proposal is already an item. */
int life_db_insert(struct life_db *db, struct life_item *it, const struct life_actor *who,
                   time_t now, struct gdir_err *err);
int life_db_update(struct life_db *db, const struct life_item *it, const struct life_actor *who,
                   time_t now, struct gdir_err *err);
/* publish (at: 0 for now) or unpublish. Audited ("publish", "unpublish"). */
int life_db_set_status(struct life_db *db, long long id, enum life_status to, long long at,
                       const struct life_actor *who, time_t now, struct gdir_err *err);
/* Stores the image (type "image/jpeg"…, checked by the caller). Audited ("image"). */
int life_db_set_image(struct life_db *db, long long id, const char *type, const void *data,
                      size_t len, const struct life_actor *who, time_t now, struct gdir_err *err);

/* One item (all its fields). GDIR_ENOTFOUND. */
int life_db_get(struct life_db *db, long long id, struct life_item *out, struct gdir_err *err);
/* The item made from request_id's proposal: *id, or 0. */
int life_db_by_proposal(struct life_db *db, long long request_id, long long *id,
                        struct gdir_err *err);
/* The image of a published item visible at now: its type copied into type[16], its bytes
 * appended to out (gdir_buf). GDIR_ENOTFOUND. */
struct gdir_buf;
int life_db_image(struct life_db *db, long long id, time_t now, int visible_only, char type[16],
                  struct gdir_buf *out, struct gdir_err *err);

/* The first file of field "image" of a request of the forms store (an event proposal): its
 * stored name (in forms_files_dir) into stored[128] and media type into type[16]; "" when
 * there is none. */
int life_db_proposal_image(struct life_db *db, long long request_id, char stored[128],
                           char type[16], struct gdir_err *err);

/* A listing. */
#define LIFE_ANY_NOT_EVENT (-2)
struct life_filter {
    int kind;                   /* enum life_kind, -1: any, LIFE_ANY_NOT_EVENT: news and alerts */
    int status;                 /* enum life_status, or -1: any */
    int visible;                /* 1: only what the public sees at now (published, publish_at
                                 * passed; alerts within their validity) */
    time_t now;
    const char *commune;        /* items of this commune and the territory-wide ones, or NULL */
    const char *category;       /* or NULL */
    const char *q;              /* words in the title or text (case-insensitive), or NULL */
    long long from_utc, to_utc; /* events that may occur in [from, to); 0, 0: no window */
    long long limit;            /* rows at most; 0: no limit */
};
/* Calls fn for each matching item (freed after the call: fn may take it over, leaving *it
 * zeroed), events by start, others newest first; stops on fn's non-zero return, which is
 * returned. */
typedef int (*life_item_fn)(void *arg, struct life_item *it);
int life_db_list(struct life_db *db, const struct life_filter *f, life_item_fn fn, void *arg,
                 struct gdir_err *err);

/* The audit rows of an item, oldest first: fn(arg, at, actor, action, from, to). */
typedef int (*life_audit_fn)(void *arg, long long at, const char *actor, const char *action,
                             const char *from, const char *to);
int life_db_audit(struct life_db *db, long long id, life_audit_fn fn, void *arg,
                  struct gdir_err *err);

#endif
