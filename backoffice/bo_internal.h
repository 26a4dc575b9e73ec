/*
 * bo_internal.h — what the back office's sources share (not installed, not for geoapi): the
 * connection and its prepared statements, the binders, and the helpers of the agents'
 * records. See bo.h for the contract.
 */
#ifndef BO_INTERNAL_H
#define BO_INTERNAL_H

#include <sqlite3.h>

#include "bo.h"
#include "gdir_db.h"

enum bo_stmt {
    S_BEGIN, S_COMMIT, S_ROLLBACK,
    S_AGENT_INSERT, S_AGENT_GET, S_AGENT_BY_ID, S_AGENT_LIST, S_AGENT_COMMUNES, S_AGENT_FORMS,
    S_ADD_COMMUNE, S_ADD_FORM, S_SET_DISABLED, S_SET_PASSWORD, S_SET_TOTP, S_SET_TOTP_LAST,
    S_SESSION_INSERT, S_SESSION_GET, S_SESSION_TOUCH, S_SESSION_DELETE, S_SESSIONS_DELETE,
    S_SESSIONS_EXPIRE, S_FAIL_INSERT, S_FAIL_PURGE, S_FAIL_LOGIN, S_FAIL_PEER,
    S_AUDIT, S_COUNT
};

/* Statements of the forms database's own tables (bo_notify.c), prepared on first use: a
 * back-office database may be opened before the forms store made those tables. */
enum bo_lazy_stmt { L_NOTIFY_ID, L_NOTIFY_READ, L_NOTIFY_QUEUE, L_COUNT };

struct bo_db {
    struct gdir_db d;
    sqlite3_stmt *st[S_COUNT];
    sqlite3_stmt *lazy[L_COUNT];
    long idle, absolute;   /* session timeouts, seconds */
    int borrowed;          /* bo_db_attach: d.db is the caller's, not closed here */
};

/* The statement, reset and unbound: ready for its parameters. */
sqlite3_stmt *bo_stmt(struct bo_db *db, enum bo_stmt which);
/* Steps a statement without wanted rows and resets it; GDIR_EDB naming what on failure. */
int bo_step_done(struct bo_db *db, enum bo_stmt which, const char *what, struct gdir_err *err);
int bo_fail(struct bo_db *db, const char *what, struct gdir_err *err);
void bo_b_text(sqlite3_stmt *st, const char *name, const char *v);
void bo_b_int(sqlite3_stmt *st, const char *name, long long v);
void bo_b_blob(sqlite3_stmt *st, const char *name, const void *p, size_t n);

/* The row of S_AGENT_GET / S_AGENT_BY_ID (stepped) into out, with its communes and forms;
 * the password hash into hash (cap bytes) and the TOTP secret into secret[20] (*has_secret)
 * when not NULL. */
int bo_agent_row(sqlite3_stmt *st, struct bo_agent *out, char *hash,
                 size_t cap, unsigned char secret[20], long long *totp_last,
                 struct gdir_err *err);

/* The agent of login (with its lists), and its password hash, TOTP secret and last TOTP step
 * when hash, secret, totp_last are not NULL; GDIR_ENOTFOUND when there is none. */
int bo_agent_fetch(struct bo_db *db, const char *login, struct bo_agent *out, char *hash,
                   size_t cap, unsigned char secret[20], long long *totp_last,
                   struct gdir_err *err);

/* Argon2id hash (crypto_pwhash_str, MODERATE) of password into out (cap >= 128). */
int bo_password_hash(const char *password, char *out, size_t cap, struct gdir_err *err);
/* 1 when password matches hash (crypto_pwhash_str_verify), else 0. hash NULL: the check
 * runs against a fixed hash so that unknown logins take as long, and answers 0.
 * GDIR_EUNAVAIL when no place among GEODIR_PWHASH_CONCURRENCY came within
 * GEODIR_PWHASH_WAIT_MS (bo_password_hash: the same, with err set). */
int bo_password_verify(const char *hash, const char *password);
/* The gate's state: Argon2id computations running now, and the most ever at once. */
void bo_password_gate(int *inside, int *peak);

/* A transaction on the connection: bo_begin, bo_commit, bo_rollback (bo.h). */

#endif
