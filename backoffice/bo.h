/*
 * bo.h — the back office's core (docs/backoffice.md): agents and roles, passwords, sessions,
 * the one scope check, the workflow's allowed moves and the audit log, over the forms
 * database (forms_db). Used by geoapi's /api/bo/ routes and by geodir-admin.
 *
 * A struct bo_db is one SQLite connection to forms_db with this module's statements prepared
 * once; one per thread (geoapi: one per worker), never shared. Nothing here knows HTTP.
 */
#ifndef GDIR_BO_H
#define GDIR_BO_H

#include <stddef.h>
#include <time.h>

#include "gdir_err.h"

struct bo_db;

enum bo_role { BO_ROLE_ADMIN, BO_ROLE_COMMUNE, BO_ROLE_SERVICE };

#define BO_LOGIN_MAX 64
#define BO_SESSION_IDLE (30 * 60)        /* seconds */
#define BO_SESSION_ABSOLUTE (12 * 3600)  /* seconds */
#define BO_PASSWORD_MIN 12               /* characters (UTF-8 code points) */
#define BO_CSRF_LEN 43                   /* base64url of 32 bytes */
#define BO_COOKIE_LEN 43                 /* base64url of the session's 32 random bytes */
#define BO_THROTTLE_WINDOW (15 * 60)     /* seconds of the failed-login counters */
#define BO_THROTTLE_ACCOUNT 5            /* failures for one login in the window */
#define BO_THROTTLE_PEER 20              /* failures from one address in the window */
#define BO_TOTP_URI_MAX 256

struct bo_agent {
    long long id;
    char login[BO_LOGIN_MAX + 1];
    char *name, *email;
    enum bo_role role;
    char **communes;     /* INSEE codes (commune agents) */
    size_t n_communes;
    char **forms;        /* form ids (service agents) */
    size_t n_forms;
    int totp;            /* 1 when a TOTP secret is set */
    int disabled;
};

struct sqlite3;

/* Opens forms_db (creating the back office's tables when missing: agents, agent_communes,
 * agent_forms, sessions, audit, views, login_failures). */
int bo_db_open(struct bo_db **out, const char *forms_db, struct gdir_err *err);
void bo_db_close(struct bo_db *db);
/* The back office's statements on a connection the caller keeps (the forms store's writer:
 * notifications written in its transaction); bo_db_close leaves that connection open. */
int bo_db_attach(struct bo_db **out, struct sqlite3 *conn, struct gdir_err *err);
/* Sets this connection's session timeouts in seconds (default BO_SESSION_IDLE and
 * BO_SESSION_ABSOLUTE); geoapi lowers them for tests only (GEODIR_TEST_BO_IDLE). */
void bo_db_set_timeouts(struct bo_db *db, long idle, long absolute);

/* For the back office's other SQL on the same connection (geoapi/backoffice/bo_queue_db.c:
 * the queue, the request's page and its actions; the outbox and the RGPD tools): the
 * connection (NULL for a NULL db; its user prepares and finalizes its own statements), and a
 * transaction on it (BEGIN IMMEDIATE; ROLLBACK only when
 * one is open) so that such writes commit with their bo_audit row or not at all. */
struct sqlite3 *bo_db_sqlite(struct bo_db *db);
int bo_begin(struct bo_db *db, struct gdir_err *err);
int bo_commit(struct bo_db *db, struct gdir_err *err);
void bo_rollback(struct bo_db *db);

const char *bo_role_name(enum bo_role r);
/* 0 with *r, or GDIR_EINVAL for a name other than admin, commune, service. */
int bo_role_parse(const char *name, enum bo_role *r);

/* ---- agents (geodir-admin, the admin's page) ---- */
/* Checks the password rules (length, cracklib); GDIR_EINVAL with a French message. */
int bo_password_check(const char *login, const char *password, struct gdir_err *err);
/* Adds an agent (its password checked, then hashed with crypto_pwhash_str, Argon2id,
 * OPSLIMIT_MODERATE / MEMLIMIT_MODERATE); GDIR_ECONFLICT when the login exists, GDIR_EINVAL
 * naming the field (login, name, email, commune, form) for a bad value. a->id is ignored. */
int bo_agent_add(struct bo_db *db, const struct bo_agent *a, const char *password,
                 struct gdir_err *err);
/* GDIR_ENOTFOUND when there is no such login. */
int bo_agent_get(struct bo_db *db, const char *login, struct bo_agent *out, struct gdir_err *err);
int bo_agent_set_disabled(struct bo_db *db, const char *login, int disabled, struct gdir_err *err);
int bo_agent_set_password(struct bo_db *db, const char *login, const char *password,
                          struct gdir_err *err);
void bo_agent_free(struct bo_agent *a);
/* Calls fn for every agent in login order (a is freed after the call); stops on fn's
 * non-zero return, which is returned. */
int bo_agent_list(struct bo_db *db, int (*fn)(void *cls, const struct bo_agent *a), void *cls,
                  struct gdir_err *err);
/* Gives the agent a new TOTP secret (20 random bytes) and writes its otpauth:// URI (issuer
 * "geodir", SHA-1, 6 digits, 30 s) into uri. Disabling, a new password or a new secret end
 * the agent's sessions. */
int bo_agent_totp_new(struct bo_db *db, const char *login, char uri[BO_TOTP_URI_MAX],
                      struct gdir_err *err);
/* The RFC 6238 check (liboath, 30 s steps from the Unix epoch, the code's length in digits):
 * the time step matched within +-window steps of now, or -1. */
long long bo_totp_verify(const unsigned char *secret, size_t len, const char *code, time_t now,
                         int window);

/* ---- sessions ---- */
/* Checks login, password (and TOTP code when the agent has one; NULL otherwise) from address
 * peer, throttled per account and per address; on success creates a session and writes its
 * cookie value (base64url, NUL-terminated) into cookie[48]. GDIR_EUNAUTHORIZED (wrong
 * credentials: one message for every case; after a right password, err->param "totp" when
 * the code is missing), GDIR_ETOOMANY with *retry_after. Audited. The caller removes the
 * session of the cookie the client came with (bo_logout): a new id at every login. */
int bo_login(struct bo_db *db, const char *login, const char *password, const char *totp,
             const char *peer, time_t now, char cookie[48], unsigned *retry_after,
             struct gdir_err *err);
/* The agent of a session cookie value, refreshing its idle deadline; its CSRF token into
 * csrf[BO_CSRF_LEN + 1]. GDIR_EUNAUTHORIZED when unknown, expired or the agent disabled. */
int bo_session(struct bo_db *db, const char *cookie, time_t now, struct bo_agent *out,
               char csrf[BO_CSRF_LEN + 1], struct gdir_err *err);
int bo_logout(struct bo_db *db, const char *cookie, int everywhere, struct gdir_err *err);

/* ---- scope: the one check ---- */
/* 1 when the agent's role covers a request of form_id routed to commune / service: an admin
 * every request; a commune agent those of their communes (and only of their forms when
 * --form was given too); a service agent those of their forms (and only of their communes
 * when --commune was given too). 0 for a disabled agent. */
int bo_can(const struct bo_agent *a, const char *form_id, const char *commune,
           const char *service);
/* The same as an SQL condition over requests(form_id, commune, service), with ?NNN
 * parameters from first_param on, for bo_scope_bind. Written into out[cap]. Returns the
 * number of parameters it uses (>= 0), or GDIR_ETOOBIG when out is too small. */
int bo_scope_sql(const struct bo_agent *a, int first_param, char *out, size_t cap);
/* Binds the parameters of bo_scope_sql's condition into st. 0 or GDIR_EDB. */
struct sqlite3_stmt;
int bo_scope_bind(const struct bo_agent *a, struct sqlite3_stmt *st, int first_param);

/* ---- workflow ---- */
/* 1 when from -> to is an allowed move for a form whose own statuses are extra[n] with their
 * `after` in after[n] and final flags in final[n] (docs/backoffice.md §4). */
int bo_transition_ok(const char *from, const char *to, const char *const *extra,
                     const char *const *after, const int *final, size_t n);
int bo_status_terminal(const char *status);

/* ---- audit (append-only) ---- */
struct bo_audit_entry {
    const char *actor;       /* agent login, "resident" or "system" */
    const char *peer;        /* client address, or NULL */
    const char *action;      /* "login", "transition", "download"… */
    long long request_id;    /* 0: none */
    const char *from_status, *to_status, *motivation;   /* or NULL */
};
int bo_audit(struct bo_db *db, const struct bo_audit_entry *e, time_t now, struct gdir_err *err);

#endif
