/*
 * forms_store.h — the durable store of the online procedures (docs/forms.md §3): the requests
 * residents file, their history, attachments, messages and queued e-mails, in their own SQLite
 * database (forms/forms_schema.sql; WAL, synchronous=FULL), and the attachment files in a
 * folder of their own (random names, fsync'd before the row that names them is committed).
 *
 * Writes go through ONE writer thread (group commit): each caller queues its write and waits
 * on a condition variable; the writer takes every write queued, runs each in a savepoint of
 * one transaction (a failed write rolls back alone) and commits once, so that throughput is
 * not bounded by the disk's fsync rate. A write function returns only after its transaction
 * is committed (or failed): an acknowledged request survives kill -9 and power loss.
 * Reads use one connection per calling thread (pthread key), statements prepared once.
 *
 * Tracking code: 8 letters A-Z from getrandom (a collision draws again). Token: 16 random
 * bytes in base64url (22 characters), stored only as the SHA-256 of its text, compared in
 * constant time. Thread-safe: every function may be called from any thread.
 */
#ifndef FORMS_STORE_H
#define FORMS_STORE_H

#include <stddef.h>
#include <time.h>

#include "gdir_err.h"

struct sqlite3;

/* PRAGMA user_version of the forms database this build writes (geodir-admin restore refuses
 * a newer one). */
#define FORMS_SCHEMA_VERSION 2
#define FORMS_CODE_LEN 8
#define FORMS_TOKEN_LEN 22
#define FORMS_SECRET_LEN 32

struct forms_store;
struct form_def;

/* Opens (creating when missing) the database db_path and the folder files_dir (created
 * 0700 when missing), starts the writer. Returns 0 with *out, or GDIR_EDB / GDIR_EIO with err
 * naming the file. */
int forms_store_open(struct forms_store **out, const char *db_path, const char *files_dir,
                     struct gdir_err *err);

/* Stops the writer (after the writes queued), closes everything. Call when no other thread
 * uses the store any more. NULL-safe. */
void forms_store_close(struct forms_store *s);

/* What the writer thread does inside each submission's transaction, after the request's rows
 * and its receipt (geoapi: the agents' "agent_new" e-mails into the outbox, so that they are
 * committed with the request or not at all): fn(cls, db, request_id, err) on the writer's own
 * connection; a negative code fails that submission (its rows rolled back). At the writer's
 * end fn(cls, NULL, 0, NULL) lets it free what it prepared on db. Set before any submission. */
typedef int forms_store_filed_fn(void *cls, struct sqlite3 *db, long long request_id,
                                 struct gdir_err *err);
void forms_store_on_filed(struct forms_store *s, forms_store_filed_fn *fn, void *cls);

/* The database's own secret (FORMS_SECRET_LEN random bytes, made once, kept in the database):
 * the key of the CSRF tokens, so that they survive a restart. */
const unsigned char *forms_store_secret(const struct forms_store *s);

/* 1 when code is 8 letters A-Z and token 22 base64url characters (no database asked). */
int forms_code_token_wellformed(const char *code, const char *token);

/* An attachment to store: bytes checked by the caller (the forms engine). */
struct forms_store_file {
    const char *field;              /* field path, "enfants[0].vaccinations" */
    const char *original;           /* the name the browser sent (display only), or "" */
    const char *type;               /* "pdf", "jpeg", "png" */
    const char *mime;
    const unsigned char *data;
    size_t len;
};

/* A request to file. */
struct forms_new_request {
    const char *form_id;
    int form_version;
    const char *commune;            /* INSEE code or "" */
    const char *service;            /* or NULL */
    const char *values_json;
    const char *email;              /* NULL: no receipt e-mail */
    const struct forms_store_file *files;
    size_t n_files;
    /* the receipt e-mail queued in the outbox when email is set: the "deposee" template of
     * form (its `notifications`, or the default when NULL) */
    const struct form_def *form;
    const char *title;              /* the form's title */
    const char *receipt_text;       /* the form's receipt text, or NULL */
    const char *link_prefix;        /* the follow link is link_prefix CODE "/" TOKEN */
};

/* Files r in two steps, so that the caller need not wait (geoapi answers from its worker once
 * the commit is over, docs/forms.md §3). begin writes r's attachments (fsync'd, the folder
 * too) and queues the request (status deposee, a history row, the attachments' rows, the
 * receipt e-mail); on_done(cls), when not NULL, is then called once, from the writer thread
 * (under the store's lock: it must only hand over, e.g. wake a thread), when its transaction
 * is over. end (any thread; it waits for the commit when on_done has not been called yet)
 * gives code and token (NUL-terminated) and the request's id, or a negative code with err
 * (nothing kept: the files written are removed), and frees op. r and what it points to must
 * stay valid until end. begin returns 0 with *op queued, or a negative code with err (nothing
 * kept, on_done never called). */
struct forms_submit_op;
int forms_store_submit_begin(struct forms_store *s, const struct forms_new_request *r,
                             time_t now, void (*on_done)(void *cls), void *cls,
                             struct forms_submit_op **op, struct gdir_err *err);
int forms_store_submit_end(struct forms_submit_op *op, char code[FORMS_CODE_LEN + 1],
                           char token[FORMS_TOKEN_LEN + 1], long long *id, struct gdir_err *err);

/* A request as read back. */
struct forms_request_info {
    long long id;
    char code[FORMS_CODE_LEN + 1];
    char form_id[48];
    int form_version;
    char status[48];
    long long created_at, updated_at, closed_at;   /* closed_at 0: open */
    char *values_json;              /* malloc'd */
};

/* The request of code whose token is token. GDIR_ENOTFOUND (one answer for an unknown code
 * and a wrong token) or another negative code with err. */
int forms_store_find(struct forms_store *s, const char *code, const char *token,
                     struct forms_request_info *out, struct gdir_err *err);
void forms_request_info_free(struct forms_request_info *r);

/* Rows of one request, oldest first, through callbacks (strings borrowed for the call; a
 * non-zero return stops and is returned). Events: only those visible to the resident. */
struct forms_event_row {
    long long at;
    const char *actor_kind, *from_status, *to_status, *message;   /* NULL when absent */
};
struct forms_message_row {
    long long at;
    const char *sender, *body;
};
struct forms_attachment_row {
    int n;
    const char *field, *original, *type, *mime, *sha256, *stored;
    long long size, created_at;
};
typedef int forms_event_fn(void *cls, const struct forms_event_row *e);
typedef int forms_message_fn(void *cls, const struct forms_message_row *m);
typedef int forms_attachment_fn(void *cls, const struct forms_attachment_row *a);

int forms_store_events(struct forms_store *s, long long request_id, forms_event_fn *fn,
                       void *cls, struct gdir_err *err);
int forms_store_messages(struct forms_store *s, long long request_id, forms_message_fn *fn,
                         void *cls, struct gdir_err *err);
int forms_store_attachments(struct forms_store *s, long long request_id, forms_attachment_fn *fn,
                            void *cls, struct gdir_err *err);

/* Opens attachment n of the request read-only: *fd (owned by the caller), its size and its
 * row's mime and type copied. GDIR_ENOTFOUND when the request has no attachment n. */
int forms_store_open_attachment(struct forms_store *s, long long request_id, int n, int *fd,
                                long long *size, char mime[32], char type[8],
                                struct gdir_err *err);

/* The resident withdraws the request: deposee -> retiree (closed). GDIR_ECONFLICT when the
 * request is no longer deposee. Waits for the commit. */
int forms_store_withdraw(struct forms_store *s, long long request_id, time_t now,
                         struct gdir_err *err);

/* The resident answers a request for documents: the files (written and fsync'd first) and an
 * optional message are added, complement_demande -> complement_recu. GDIR_ECONFLICT when no
 * document is asked (status other than complement_demande). Waits for the commit. */
int forms_store_complement(struct forms_store *s, long long request_id,
                           const struct forms_store_file *files, size_t n_files,
                           const char *message, time_t now, struct gdir_err *err);

/* Commits so far (transactions) and writes committed (tests, bench: writes per commit). */
void forms_store_stats(struct forms_store *s, unsigned long long *commits,
                       unsigned long long *writes);

#endif
