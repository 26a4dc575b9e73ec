/*
 * bo_agent.c — the agents' records (docs/backoffice.md §1): adding one with its communes and
 * forms, reading and listing them, disabling, a new password, a new TOTP secret, and the role
 * names. See bo.h.
 */
#include "bo_internal.h"
#include "gdir_mem.h"
#include "gdir_secret.h"
#include "gdir_text.h"

#include <liboath/oath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_BYTES 200
#define LIST_MAX 200         /* communes or forms of one agent */
#define TOTP_SECRET_LEN 20

static const char *const role_names[] = {"admin", "commune", "service"};

const char *bo_role_name(enum bo_role r)
{
    return (unsigned)r < 3 ? role_names[r] : "?";
}

int bo_role_parse(const char *name, enum bo_role *r)
{
    for (int i = 0; i < 3; i++)
        if (name && strcmp(name, role_names[i]) == 0) {
            *r = (enum bo_role)i;
            return GDIR_OK;
        }
    return GDIR_EINVAL;
}

void bo_agent_free(struct bo_agent *a)
{
    if (!a)
        return;
    free(a->name);
    free(a->email);
    for (size_t i = 0; i < a->n_communes; i++)
        free(a->communes[i]);
    for (size_t i = 0; i < a->n_forms; i++)
        free(a->forms[i]);
    free(a->communes);
    free(a->forms);
    memset(a, 0, sizeof *a);
}

/* A login: 1..64 bytes of [a-z0-9._-], starting with a letter or digit. */
static int login_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > BO_LOGIN_MAX || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static int text_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max || !gdir_utf8_valid(s, n))
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20)
            return 0;
    return 1;
}

static int email_ok(const char *s)
{
    const char *at = s ? strchr(s, '@') : NULL;
    return text_ok(s, 254) && at && at != s && at[1] && !strchr(at + 1, '@') && !strchr(s, ' ');
}

static int id_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= max && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-AB") == n;
}

/* The fields of a new agent, each checked; GDIR_EINVAL naming the one at fault. */
static int agent_check(const struct bo_agent *a, struct gdir_err *err)
{
    if (!login_ok(a->login))
        return gdir_err_set_param(err, GDIR_EINVAL, "login", "Identifiant invalide : 1 à %d "
                                  "caractères parmi a-z 0-9 . _ - / invalid login.", BO_LOGIN_MAX);
    if (!text_ok(a->name, NAME_MAX_BYTES))
        return gdir_err_set_param(err, GDIR_EINVAL, "name", "Nom obligatoire (au plus %d octets) "
                                  "/ name required.", NAME_MAX_BYTES);
    if (!email_ok(a->email))
        return gdir_err_set_param(err, GDIR_EINVAL, "email", "Adresse électronique invalide / "
                                  "invalid e-mail address.");
    if ((unsigned)a->role > BO_ROLE_SERVICE)
        return gdir_err_set_param(err, GDIR_EINVAL, "role", "Rôle : admin, commune ou service.");
    if (a->n_communes > LIST_MAX || a->n_forms > LIST_MAX)
        return gdir_err_set_param(err, GDIR_EINVAL, "commune", "Au plus %d communes et %d "
                                  "démarches / too many.", LIST_MAX, LIST_MAX);
    for (size_t i = 0; i < a->n_communes; i++)
        if (!id_ok(a->communes[i], 5) || strlen(a->communes[i]) != 5)
            return gdir_err_set_param(err, GDIR_EINVAL, "commune", "Code INSEE invalide : "
                                      "5 caractères / invalid INSEE code.");
    for (size_t i = 0; i < a->n_forms; i++)
        if (!id_ok(a->forms[i], 64))
            return gdir_err_set_param(err, GDIR_EINVAL, "form", "Identifiant de démarche "
                                      "invalide / invalid form id.");
    if (a->role == BO_ROLE_COMMUNE && !a->n_communes)
        return gdir_err_set_param(err, GDIR_EINVAL, "commune", "Un agent communal a au moins "
                                  "une commune (--commune) / a commune agent needs a commune.");
    if (a->role == BO_ROLE_SERVICE && !a->n_forms)
        return gdir_err_set_param(err, GDIR_EINVAL, "form", "Un agent de service a au moins "
                                  "une démarche (--form) / a service agent needs a form.");
    return GDIR_OK;
}

/* Inserts the agent's row and its lists, inside the caller's transaction. */
static int agent_insert(struct bo_db *db, const struct bo_agent *a, const char *hash,
                        struct gdir_err *err)
{
    sqlite3_stmt *st = bo_stmt(db, S_AGENT_INSERT);
    long long id;
    int rc;

    bo_b_text(st, ":login", a->login);
    bo_b_text(st, ":name", a->name);
    bo_b_text(st, ":email", a->email);
    bo_b_text(st, ":role", bo_role_name(a->role));
    bo_b_text(st, ":hash", hash);
    bo_b_int(st, ":now", (long long)time(NULL));
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_CONSTRAINT)
        return gdir_err_set_param(err, GDIR_ECONFLICT, "login", "L'identifiant « %s » existe "
                                  "déjà / login already taken.", a->login);
    if (rc != SQLITE_DONE)
        return bo_fail(db, "agent insert", err);
    id = sqlite3_last_insert_rowid(db->d.db);
    for (int k = 0; k < 2; k++) {
        char **v = k ? a->forms : a->communes;
        size_t n = k ? a->n_forms : a->n_communes;
        enum bo_stmt which = k ? S_ADD_FORM : S_ADD_COMMUNE;
        for (size_t i = 0; i < n; i++) {
            st = bo_stmt(db, which);
            bo_b_int(st, ":id", id);
            bo_b_text(st, ":v", v[i]);
            if ((rc = bo_step_done(db, which, "agent scope", err)))
                return rc;
        }
    }
    return GDIR_OK;
}

int bo_agent_add(struct bo_db *db, const struct bo_agent *a, const char *password,
                 struct gdir_err *err)
{
    char hash[256];
    int rc;

    if ((rc = agent_check(a, err)) || (rc = bo_password_check(a->login, password, err)) ||
        (rc = bo_password_hash(password, hash, sizeof hash, err)))
        return rc;
    if ((rc = bo_begin(db, err)))
        return rc;
    if ((rc = agent_insert(db, a, hash, err)) || (rc = bo_commit(db, err)))
        bo_rollback(db);
    return rc;
}

/* Appends the text column 0 of every row of which (bound to :id) to *v. */
static int read_list(struct bo_db *db, enum bo_stmt which, long long id, char ***v, size_t *n,
                     struct gdir_err *err)
{
    sqlite3_stmt *st = bo_stmt(db, which);
    size_t cap = 0;
    int rc;

    bo_b_int(st, ":id", id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *s = gdir_db_col_dup(st, 0);
        if (!s || gdir_grow(v, &cap, *n + 1, sizeof **v)) {
            free(s);
            sqlite3_reset(st);
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        }
        (*v)[(*n)++] = s;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? GDIR_OK : bo_fail(db, "agent scope", err);
}

int bo_agent_row(sqlite3_stmt *st, struct bo_agent *out, char *hash,
                 size_t cap, unsigned char secret[20], long long *totp_last,
                 struct gdir_err *err)
{
    const void *sec = sqlite3_column_blob(st, 6);
    int sec_len = sqlite3_column_bytes(st, 6);

    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(st, 0);
    snprintf(out->login, sizeof out->login, "%s", (const char *)sqlite3_column_text(st, 1));
    out->name = gdir_db_col_dup(st, 2);
    out->email = gdir_db_col_dup(st, 3);
    bo_role_parse((const char *)sqlite3_column_text(st, 4), &out->role);
    if (hash)
        snprintf(hash, cap, "%s", (const char *)sqlite3_column_text(st, 5));
    out->totp = sec && sec_len == TOTP_SECRET_LEN;
    if (secret && out->totp)
        memcpy(secret, sec, TOTP_SECRET_LEN);
    if (totp_last)
        *totp_last = sqlite3_column_int64(st, 7);
    out->disabled = sqlite3_column_int(st, 8) != 0;
    if (!out->name || !out->email)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    return GDIR_OK;
}

/* The lists of an agent read by bo_agent_row. */
static int agent_lists(struct bo_db *db, struct bo_agent *a, struct gdir_err *err)
{
    int rc = read_list(db, S_AGENT_COMMUNES, a->id, &a->communes, &a->n_communes, err);
    return rc ? rc : read_list(db, S_AGENT_FORMS, a->id, &a->forms, &a->n_forms, err);
}

int bo_agent_fetch(struct bo_db *db, const char *login, struct bo_agent *out, char *hash,
                   size_t cap, unsigned char secret[20], long long *totp_last,
                   struct gdir_err *err)
{
    sqlite3_stmt *st = bo_stmt(db, S_AGENT_GET);
    int rc;

    memset(out, 0, sizeof *out);
    bo_b_text(st, ":login", login);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = bo_agent_row(st, out, hash, cap, secret, totp_last, err);
    else if (rc == SQLITE_DONE)
        rc = gdir_err_set_param(err, GDIR_ENOTFOUND, "login", "Aucun agent « %.64s » / no such "
                                "agent.", login ? login : "");
    else
        rc = bo_fail(db, "agent", err);
    sqlite3_reset(st);
    if (!rc)
        rc = agent_lists(db, out, err);
    if (rc)
        bo_agent_free(out);
    return rc;
}

int bo_agent_get(struct bo_db *db, const char *login, struct bo_agent *out, struct gdir_err *err)
{
    return bo_agent_fetch(db, login, out, NULL, 0, NULL, NULL, err);
}

int bo_agent_list(struct bo_db *db, int (*fn)(void *cls, const struct bo_agent *a), void *cls,
                  struct gdir_err *err)
{
    struct bo_agent *all = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *st = bo_stmt(db, S_AGENT_LIST);
    int rc = GDIR_OK, step;

    /* Read every row first: the lists use other statements. */
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (gdir_grow(&all, &cap, n + 1, sizeof *all)) {
            rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
            break;
        }
        if ((rc = bo_agent_row(st, &all[n++], NULL, 0, NULL, NULL, err)))
            break;
    }
    sqlite3_reset(st);
    if (!rc && step != SQLITE_DONE)
        rc = bo_fail(db, "agents", err);
    for (size_t i = 0; !rc && i < n; i++)
        if (!(rc = agent_lists(db, &all[i], err)))
            rc = fn(cls, &all[i]);
    for (size_t i = 0; i < n; i++)
        bo_agent_free(&all[i]);
    free(all);
    return rc;
}

/* Runs an UPDATE of one agent by :login (already bound) then ends the agent's sessions, in
 * one transaction; GDIR_ENOTFOUND when no row changed. */
static int agent_update(struct bo_db *db, enum bo_stmt which, const char *login,
                        struct gdir_err *err)
{
    sqlite3_stmt *st;
    int rc;

    if ((rc = bo_begin(db, err)))
        return rc;
    if ((rc = bo_step_done(db, which, "agent update", err)))
        goto out;
    if (sqlite3_changes(db->d.db) == 0) {
        rc = gdir_err_set_param(err, GDIR_ENOTFOUND, "login", "Aucun agent « %.64s » / no such "
                                "agent.", login);
        goto out;
    }
    st = bo_stmt(db, S_SESSIONS_DELETE);
    bo_b_text(st, ":login", login);
    bo_b_int(st, ":id", -1);
    if (!(rc = bo_step_done(db, S_SESSIONS_DELETE, "sessions", err)))
        rc = bo_commit(db, err);
out:
    if (rc)
        bo_rollback(db);
    return rc;
}

int bo_agent_set_disabled(struct bo_db *db, const char *login, int disabled, struct gdir_err *err)
{
    sqlite3_stmt *st = bo_stmt(db, S_SET_DISABLED);
    bo_b_int(st, ":v", disabled ? 1 : 0);
    bo_b_int(st, ":now", (long long)time(NULL));
    bo_b_text(st, ":login", login);
    return agent_update(db, S_SET_DISABLED, login, err);
}

int bo_agent_set_password(struct bo_db *db, const char *login, const char *password,
                          struct gdir_err *err)
{
    char hash[256];
    sqlite3_stmt *st;
    int rc;

    if ((rc = bo_password_check(login, password, err)) ||
        (rc = bo_password_hash(password, hash, sizeof hash, err)))
        return rc;
    st = bo_stmt(db, S_SET_PASSWORD);
    bo_b_text(st, ":hash", hash);
    bo_b_int(st, ":now", (long long)time(NULL));
    bo_b_text(st, ":login", login);
    return agent_update(db, S_SET_PASSWORD, login, err);
}

int bo_agent_totp_new(struct bo_db *db, const char *login, char uri[BO_TOTP_URI_MAX],
                      struct gdir_err *err)
{
    unsigned char secret[TOTP_SECRET_LEN];
    char *b32 = NULL;
    size_t b32_len = 0;
    sqlite3_stmt *st;
    int rc;

    if ((rc = gdir_random(secret, sizeof secret, err)))
        return rc;
    if (oath_base32_encode((const char *)secret, sizeof secret, &b32, &b32_len) != OATH_OK)
        return gdir_err_set(err, GDIR_ENOMEM, "base32: out of memory");
    st = bo_stmt(db, S_SET_TOTP);
    bo_b_blob(st, ":secret", secret, sizeof secret);
    bo_b_int(st, ":now", (long long)time(NULL));
    bo_b_text(st, ":login", login);
    if (!(rc = agent_update(db, S_SET_TOTP, login, err)))
        snprintf(uri, BO_TOTP_URI_MAX, "otpauth://totp/geodir:%s?secret=%s&issuer=geodir"
                 "&algorithm=SHA1&digits=6&period=30", login, b32);
    free(b32);
    return rc;
}
