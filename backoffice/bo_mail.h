/*
 * bo_mail.h — the e-mails of the back office (docs/backoffice.md §6): an RFC 5322 message
 * built from an outbox row (Date, Message-ID, From, To, Subject in RFC 2047 UTF-8 words,
 * MIME-Version, text/plain; charset=utf-8 in quoted-printable, CRLF lines), and the outbox
 * table's operations for the sender: claim a due row, mark it sent or failed, the backoff, the
 * next due time, and the list shown to administrators. Pure functions over a caller's SQLite
 * connection to forms_db; no thread of their own, no network.
 */
#ifndef BO_MAIL_H
#define BO_MAIL_H

#include <stddef.h>
#include <time.h>

#include "gdir_buf.h"
#include "gdir_err.h"

struct sqlite3;
struct gdir_json;

#define BO_MAIL_ADDR_MAX 254

/* One message to build. */
struct bo_mail {
    const char *from;          /* mail_from: "addr@host" or "Display Name <addr@host>" */
    const char *to;            /* an address */
    const char *subject;       /* UTF-8, one line */
    const char *body;          /* UTF-8 text, '\n' line ends */
    time_t date;
    const char *message_id;    /* "<...@host>" */
};

/* 1 when s is a plain address we send to: one '@', no white space, no control character, no
 * '<', '>', '"', ',' or ';', at most BO_MAIL_ADDR_MAX bytes. */
int bo_mail_addr_ok(const char *s);

/* The address part of a mail_from value ("Name <a@b>" -> "a@b") into out[BO_MAIL_ADDR_MAX+1];
 * GDIR_EINVAL when it is not a good address. */
int bo_mail_from_addr(const char *from, char out[BO_MAIL_ADDR_MAX + 1], struct gdir_err *err);

/* Appends "Name: value\r\n": value as is when it is printable ASCII and short, else as RFC 2047
 * encoded words (=?UTF-8?Q?...?=, at most 75 characters each, never splitting a character),
 * folded over continuation lines. Line breaks in value become spaces. */
int bo_mail_header(struct gdir_buf *b, const char *name, const char *value);

/* Appends text as quoted-printable (RFC 2045): '\n' -> CRLF, lines of at most 76 characters
 * with soft breaks, '=' and bytes outside printable ASCII as =XX, a trailing space or tab
 * encoded, and a line starting with '.' or "From " protected. */
int bo_mail_qp(struct gdir_buf *b, const char *text);

/* The whole message into b. GDIR_EINVAL (err naming the field) for a bad from or to. */
int bo_mail_build(struct gdir_buf *b, const struct bo_mail *m, struct gdir_err *err);

/* ---- the outbox (forms/forms_schema.sql, table outbox) ---- */

/* The delay before attempt n + 1 after n failed attempts (n >= 1): base * 2^(n-1) seconds,
 * at most 60 * base (base 60: 1, 2, 4 … 60 minutes). */
long bo_outbox_backoff(long base, int attempts);

/* A claimed row (strings malloc'd: bo_outbox_row_free). */
struct bo_outbox_row {
    long long id, created_at;
    int attempts;              /* counting this one */
    char *to, *subject, *body;
};
void bo_outbox_row_free(struct bo_outbox_row *r);

/* Claims the oldest due row (sent_at NULL, next_attempt_at <= now) in one transaction:
 * attempts + 1 and next_attempt_at = now + backoff, so that a crash while sending retries it
 * later rather than never, and no other sender takes it meanwhile. 1 with *out, 0 when no row
 * is due, or a negative code with err. */
int bo_outbox_claim(struct sqlite3 *db, time_t now, long base, struct bo_outbox_row *out,
                    struct gdir_err *err);
/* After a successful send: sent_at, the error cleared, the secret link blanked from body. */
int bo_outbox_sent(struct sqlite3 *db, long long id, time_t now, struct gdir_err *err);
/* After a failed send: the reason kept (last_error, at most 500 bytes). */
int bo_outbox_failed(struct sqlite3 *db, long long id, const char *reason, struct gdir_err *err);
/* The earliest next_attempt_at of an unsent row into *when: 1, or 0 when none. */
int bo_outbox_next_due(struct sqlite3 *db, time_t *when, struct gdir_err *err);

/* The unsent rows: *pending never tried, *failing tried (GET /metrics). 0 or GDIR_EDB. */
int bo_outbox_counts(struct sqlite3 *db, long long *pending, long long *failing,
                     struct gdir_err *err);
/* The outbox for administrators (GET /api/bo/outbox) as a JSON array into j: the latest
 * limit rows of state "pending" (unsent, never tried), "failing" (unsent, tried), "sent" or
 * NULL (all); id, request, to, subject, created, attempts, next attempt, sent, last error.
 * Never the body (it may hold a follow link). */
int bo_outbox_json(struct sqlite3 *db, const char *state, int limit, struct gdir_json *j,
                   struct gdir_err *err);

/* Wakes the sender (geoapi registers it) after rows were committed to the outbox. Callers of
 * bo_notify call bo_outbox_wake() after their COMMIT; without it the sender still finds the
 * rows at its next periodic look (at most a minute later). Thread-safe. */
typedef void bo_outbox_wake_fn(void *arg);
void bo_outbox_set_wake(bo_outbox_wake_fn *fn, void *arg);
void bo_outbox_wake(void);

#endif
