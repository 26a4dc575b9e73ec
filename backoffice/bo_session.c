/*
 * bo_session.c — logging in and sessions (docs/backoffice.md §1-2): the throttle on failed
 * logins (per account and per address, in the database so that every worker and restart
 * sees it), the password and TOTP checks, the session's random id stored as its SHA-256, the
 * idle and absolute timeouts, logout and logout everywhere. See bo.h.
 */
#include "bo_internal.h"
#include "gdir_hash.h"
#include "gdir_secret.h"

#include <liboath/oath.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define WRONG "Identifiant, mot de passe ou code incorrect."
#define TOTP_LEN 20

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;

static void oath_start(void)
{
    oath_init();
}

long long bo_totp_verify(const unsigned char *secret, size_t len, const char *code, time_t now,
                         int window)
{
    uint64_t counter = 0;
    int pos;
    size_t n = code ? strlen(code) : 0;

    pthread_once(&oath_once, oath_start);
    if (n < 6 || n > 8 || strspn(code, "0123456789") != n)
        return -1;
    pos = oath_totp_validate3((const char *)secret, len, now, OATH_TOTP_DEFAULT_TIME_STEP_SIZE,
                              0, (size_t)window, NULL, &counter, code);
    return pos < 0 ? -1 : (long long)counter;
}

static int sha256(const void *p, size_t n, unsigned char out[32])
{
    struct gdir_sha256 s;
    if (gdir_sha256_init(&s) || gdir_sha256_update(&s, p, n) || gdir_sha256_final(&s, out)) {
        gdir_sha256_free(&s);
        return GDIR_EINTERNAL;
    }
    return GDIR_OK;
}

/* The failures of which (login or peer) since `since`: count and the oldest one's time. */
static int failures(struct bo_db *db, enum bo_stmt which, const char *key, const char *v,
                    time_t since, long long *count, long long *oldest, struct gdir_err *err)
{
    sqlite3_stmt *st = bo_stmt(db, which);
    int rc;

    bo_b_text(st, key, v);
    bo_b_int(st, ":since", (long long)since);
    rc = sqlite3_step(st);
    *count = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    *oldest = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? GDIR_OK : bo_fail(db, "login failures", err);
}

/* GDIR_ETOOMANY with *retry_after when the account or the address is over its limit. */
static int throttled(struct bo_db *db, const char *login, const char *peer, time_t now,
                     unsigned *retry_after, struct gdir_err *err)
{
    time_t since = now - BO_THROTTLE_WINDOW;
    long long n_login, t_login, n_peer, t_peer, wait = 0;
    sqlite3_stmt *st = bo_stmt(db, S_FAIL_PURGE);
    int rc;

    bo_b_int(st, ":since", (long long)since);
    if ((rc = bo_step_done(db, S_FAIL_PURGE, "login failures", err)) ||
        (rc = failures(db, S_FAIL_LOGIN, ":login", login, since, &n_login, &t_login, err)) ||
        (rc = failures(db, S_FAIL_PEER, ":peer", peer, since, &n_peer, &t_peer, err)))
        return rc;
    if (n_login >= BO_THROTTLE_ACCOUNT)
        wait = t_login + BO_THROTTLE_WINDOW - now;
    if (n_peer >= BO_THROTTLE_PEER && t_peer + BO_THROTTLE_WINDOW - now > wait)
        wait = t_peer + BO_THROTTLE_WINDOW - now;
    if (!wait && n_login < BO_THROTTLE_ACCOUNT && n_peer < BO_THROTTLE_PEER)
        return GDIR_OK;
    *retry_after = wait > 0 ? (unsigned)wait : 1;
    return gdir_err_set(err, GDIR_ETOOMANY, "Trop de tentatives de connexion : réessayez dans "
                        "%u minute(s).", (*retry_after + 59) / 60);
}

/* Records a failed login (counted, audited) and answers the one message of wrong logins. */
static int failed(struct bo_db *db, const char *login, const char *peer, time_t now,
                  struct gdir_err *err)
{
    sqlite3_stmt *st = bo_stmt(db, S_FAIL_INSERT);
    struct bo_audit_entry e = {.actor = login, .peer = peer, .action = "login_failed"};

    bo_b_text(st, ":login", login);
    bo_b_text(st, ":peer", peer);
    bo_b_int(st, ":now", (long long)now);
    if (bo_step_done(db, S_FAIL_INSERT, "login failures", err) || bo_audit(db, &e, now, err))
        return GDIR_EDB;
    return gdir_err_set(err, GDIR_EUNAUTHORIZED, WRONG);
}

/* A new session of agent: its cookie value into cookie, the row, the audit; one
 * transaction, which also drops expired sessions and records the TOTP step used. */
static int session_new(struct bo_db *db, const struct bo_agent *a, const char *peer, time_t now,
                       long long step, char cookie[48], struct gdir_err *err)
{
    unsigned char raw[32], hash[32], craw[32];
    char csrf[BO_CSRF_LEN + 1];
    struct bo_audit_entry e = {.actor = a->login, .peer = peer, .action = "login"};
    sqlite3_stmt *st;
    int rc;

    if ((rc = gdir_random(raw, sizeof raw, err)) || (rc = gdir_random(craw, sizeof craw, err)))
        return rc;
    gdir_b64url(raw, sizeof raw, cookie);
    gdir_b64url(craw, sizeof craw, csrf);
    if (sha256(raw, sizeof raw, hash))
        return gdir_err_set(err, GDIR_EINTERNAL, "SHA-256 failed");
    if ((rc = bo_begin(db, err)))
        return rc;
    st = bo_stmt(db, S_SESSIONS_EXPIRE);
    bo_b_int(st, ":idle", (long long)(now - db->idle));
    bo_b_int(st, ":abs", (long long)(now - db->absolute));
    if ((rc = bo_step_done(db, S_SESSIONS_EXPIRE, "sessions", err)))
        goto out;
    st = bo_stmt(db, S_SESSION_INSERT);
    bo_b_blob(st, ":hash", hash, sizeof hash);
    bo_b_int(st, ":agent", a->id);
    bo_b_int(st, ":now", (long long)now);
    bo_b_text(st, ":csrf", csrf);
    if ((rc = bo_step_done(db, S_SESSION_INSERT, "session", err)))
        goto out;
    if (step >= 0) {
        st = bo_stmt(db, S_SET_TOTP_LAST);
        bo_b_int(st, ":step", step);
        bo_b_int(st, ":id", a->id);
        if ((rc = bo_step_done(db, S_SET_TOTP_LAST, "TOTP step", err)))
            goto out;
    }
    if (!(rc = bo_audit(db, &e, now, err)))
        rc = bo_commit(db, err);
out:
    if (rc)
        bo_rollback(db);
    return rc;
}

/* After a right password: the TOTP step matched (>= 0), -1 when the agent has no TOTP, or
 * an error (GDIR_EUNAUTHORIZED: missing, wrong, replayed, or an admin without TOTP). */
static long long totp_step(struct bo_db *db, const struct bo_agent *a, const unsigned char *sec,
                           long long last, const char *code, const char *peer, time_t now,
                           struct gdir_err *err)
{
    long long step;

    if (!a->totp && a->role != BO_ROLE_ADMIN)
        return -1;
    if (!a->totp)
        return gdir_err_set_param(err, GDIR_EUNAUTHORIZED, "totp", "Ce compte administrateur "
                                  "n'a pas de second facteur : geodir-admin agent totp %s.",
                                  a->login);
    if (!code || !*code)
        return gdir_err_set_param(err, GDIR_EUNAUTHORIZED, "totp", "Saisissez le code à usage "
                                  "unique de votre application d'authentification.");
    step = bo_totp_verify(sec, TOTP_LEN, code, now, 1);
    if (step < 0 || step <= last)
        return failed(db, a->login, peer, now, err);
    return step;
}

int bo_login(struct bo_db *db, const char *login, const char *password, const char *totp,
             const char *peer, time_t now, char cookie[48], unsigned *retry_after,
             struct gdir_err *err)
{
    struct bo_agent a = {0};
    char hash[256];
    unsigned char secret[TOTP_LEN];
    long long last = 0, step;
    int found = 0, rc;

    *retry_after = 0;
    cookie[0] = '\0';
    peer = peer ? peer : "";
    if (!login || !*login || strlen(login) > BO_LOGIN_MAX || !password)
        return gdir_err_set(err, GDIR_EUNAUTHORIZED, WRONG);
    if ((rc = throttled(db, login, peer, now, retry_after, err)))
        goto out;
    rc = bo_agent_fetch(db, login, &a, hash, sizeof hash, secret, &last, err);
    found = rc == GDIR_OK;
    if (rc && rc != GDIR_ENOTFOUND)
        goto out;
    int match = bo_password_verify(found ? hash : NULL, password);
    if (match < 0) {   /* every place of the Argon2id gate taken: try again shortly */
        *retry_after = 5;
        rc = gdir_err_set(err, GDIR_EUNAVAIL, "Trop de connexions en cours : réessayez dans "
                          "quelques secondes.");
        goto out;
    }
    if (!match || a.disabled) {
        rc = failed(db, login, peer, now, err);
        goto out;
    }
    step = totp_step(db, &a, secret, last, totp, peer, now, err);
    if (step < -1) {
        rc = (int)step;
        goto out;
    }
    rc = session_new(db, &a, peer, now, step, cookie, err);
out:
    sodium_memzero(secret, sizeof secret);
    bo_agent_free(&a);
    return rc;
}

/* The SHA-256 of a well-formed cookie value, or GDIR_EUNAUTHORIZED. */
static int cookie_hash(const char *cookie, unsigned char hash[32], struct gdir_err *err)
{
    unsigned char raw[33];
    size_t n = 0;
    static const char alpha[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    if (!cookie || !gdir_b64url_valid(cookie, BO_COOKIE_LEN))
        return gdir_err_set(err, GDIR_EUNAUTHORIZED, "Session absente : connectez-vous.");
    /* decode base64url (43 characters: 32 bytes) */
    for (unsigned acc = 0, bits = 0, i = 0; i < BO_COOKIE_LEN; i++) {
        acc = (acc << 6) | (unsigned)(strchr(alpha, cookie[i]) - alpha);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            raw[n++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (n != 32 || sha256(raw, 32, hash))
        return gdir_err_set(err, GDIR_EUNAUTHORIZED, "Session absente : connectez-vous.");
    return GDIR_OK;
}

/* Deletes the session of hash. */
static int session_drop(struct bo_db *db, const unsigned char hash[32], struct gdir_err *err)
{
    sqlite3_stmt *st = bo_stmt(db, S_SESSION_DELETE);
    bo_b_blob(st, ":hash", hash, 32);
    return bo_step_done(db, S_SESSION_DELETE, "session", err);
}

/* The session row of hash: agent id, times, csrf; 0 found, 1 none, or an error. */
static int session_row(struct bo_db *db, const unsigned char hash[32], long long *agent,
                       long long *created, long long *seen, char csrf[BO_CSRF_LEN + 1],
                       struct gdir_err *err)
{
    sqlite3_stmt *st = bo_stmt(db, S_SESSION_GET);
    int rc;

    bo_b_blob(st, ":hash", hash, 32);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *agent = sqlite3_column_int64(st, 0);
        *created = sqlite3_column_int64(st, 1);
        *seen = sqlite3_column_int64(st, 2);
        if (csrf)
            snprintf(csrf, BO_CSRF_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 3));
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    return rc == SQLITE_DONE ? 1 : bo_fail(db, "session", err);
}

/* The agent of id into out (with lists). */
static int agent_by_id(struct bo_db *db, long long id, struct bo_agent *out,
                       struct gdir_err *err)
{
    sqlite3_stmt *st = bo_stmt(db, S_AGENT_BY_ID);
    char login[BO_LOGIN_MAX + 1] = "";
    int rc;

    bo_b_int(st, ":id", id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(login, sizeof login, "%s", (const char *)sqlite3_column_text(st, 1));
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return gdir_err_set(err, GDIR_EUNAUTHORIZED, "Session terminée : connectez-vous.");
    return bo_agent_get(db, login, out, err);
}

int bo_session(struct bo_db *db, const char *cookie, time_t now, struct bo_agent *out,
               char csrf[BO_CSRF_LEN + 1], struct gdir_err *err)
{
    unsigned char hash[32];
    long long agent, created, seen;
    sqlite3_stmt *st;
    int rc;

    memset(out, 0, sizeof *out);
    if ((rc = cookie_hash(cookie, hash, err)))
        return rc;
    if ((rc = session_row(db, hash, &agent, &created, &seen, csrf, err)) < 0)
        return rc;
    if (rc == 1)
        return gdir_err_set(err, GDIR_EUNAUTHORIZED, "Session inconnue ou terminée : "
                            "connectez-vous.");
    if (now - seen > db->idle || now - created > db->absolute) {
        session_drop(db, hash, NULL);
        return gdir_err_set(err, GDIR_EUNAUTHORIZED, "Session expirée : connectez-vous.");
    }
    if ((rc = agent_by_id(db, agent, out, err)))
        return rc == GDIR_ENOTFOUND ? (err->code = GDIR_EUNAUTHORIZED) : rc;
    if (out->disabled) {
        bo_agent_free(out);
        session_drop(db, hash, NULL);
        return gdir_err_set(err, GDIR_EUNAUTHORIZED, "Compte désactivé.");
    }
    if (now != seen) {
        st = bo_stmt(db, S_SESSION_TOUCH);
        bo_b_int(st, ":now", (long long)now);
        bo_b_blob(st, ":hash", hash, 32);
        if ((rc = bo_step_done(db, S_SESSION_TOUCH, "session", err)))
            bo_agent_free(out);
    }
    return rc;
}

int bo_logout(struct bo_db *db, const char *cookie, int everywhere, struct gdir_err *err)
{
    unsigned char hash[32];
    long long agent, created, seen;
    sqlite3_stmt *st;
    int rc;

    if (cookie_hash(cookie, hash, NULL))
        return GDIR_OK;   /* nothing to end */
    if (!everywhere)
        return session_drop(db, hash, err);
    if ((rc = session_row(db, hash, &agent, &created, &seen, NULL, err)) != 0)
        return rc < 0 ? rc : GDIR_OK;
    st = bo_stmt(db, S_SESSIONS_DELETE);
    bo_b_text(st, ":login", NULL);
    bo_b_int(st, ":id", agent);
    return bo_step_done(db, S_SESSIONS_DELETE, "sessions", err);
}
