/*
 * test_bo.c — unit tests of the back office's core (backoffice/bo.h): password rules and
 * Argon2id, TOTP (RFC 6238 appendix B vectors, the ±1 window), logins and sessions on a
 * temporary forms database, the scope check and its SQL, the workflow's moves, the audit.
 */
#include "bo.h"
#include "bo_internal.h"
#include "check.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define GOOD "Trombone-Cheval-Batterie-42"

static char dir[64], path[96];
static struct bo_db *db;

static void test_passwords(void)
{
    struct gdir_err err;
    static const char *const refused[] = {
        "court", "Onze-carac1", "password1234", "azertyuiop12", "motdepasse123",
        "passwordpassword", "123456789012", "m.durand2024!", "qwertyuiop12"
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        gdir_err_clear(&err);
        CHECK_INT_EQ(bo_password_check("m.durand", refused[i], &err), GDIR_EINVAL);
        CHECK_STR_EQ(err.param, "password");
    }
    CHECK(strstr(err.msg, "Mot de passe") != NULL);
    CHECK_INT_EQ(bo_password_check("m.durand", GOOD, &err), 0);
    CHECK_INT_EQ(bo_password_check("m.durand", "Le chat dort au soleil 7", &err), 0);
    /* 12 code points, 13+ bytes: counted in characters */
    CHECK_INT_EQ(bo_password_check("x", "Éléphant-çà", &err), GDIR_EINVAL);
}

static void test_totp(void)
{
    /* RFC 6238 appendix B, SHA-1, 8 digits; the secret is ASCII "1234567890" twice */
    static const struct { long long t; const char *code; } v[] = {
        {59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
        {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000LL, "65353130"},
    };
    const unsigned char *key = (const unsigned char *)"12345678901234567890";
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        CHECK_INT_EQ(bo_totp_verify(key, 20, v[i].code, (time_t)v[i].t, 0), v[i].t / 30);
    /* the window: one step either side, not two */
    CHECK_INT_EQ(bo_totp_verify(key, 20, "94287082", 59 + 30, 1), 1);
    CHECK_INT_EQ(bo_totp_verify(key, 20, "94287082", 59 - 30, 1), 1);
    CHECK_INT_EQ(bo_totp_verify(key, 20, "94287082", 59 + 60, 1), -1);
    CHECK_INT_EQ(bo_totp_verify(key, 20, "94287083", 59, 1), -1);
    CHECK_INT_EQ(bo_totp_verify(key, 20, "9428708x", 59, 1), -1);
    CHECK_INT_EQ(bo_totp_verify(key, 20, "", 59, 1), -1);
}

static void add_agent(const char *login, enum bo_role role, char **communes, size_t nc,
                      char **forms, size_t nf)
{
    struct bo_agent a = {0};
    struct gdir_err err;
    snprintf(a.login, sizeof a.login, "%s", login);
    a.name = (char *)"Agent";
    a.email = (char *)"agent@mairie.fr";
    a.role = role;
    a.communes = communes;
    a.n_communes = nc;
    a.forms = forms;
    a.n_forms = nf;
    CHECK_INT_EQ(bo_agent_add(db, &a, GOOD, &err), 0);
}

static void test_agents(void)
{
    char k55040[] = "55040", bac[] = "bac";
    char *c1[] = {k55040}, *f1[] = {bac};
    struct bo_agent a;
    struct gdir_err err;
    sqlite3 *s;
    sqlite3_stmt *st;

    add_agent("m.durand", BO_ROLE_COMMUNE, c1, 1, NULL, 0);
    add_agent("s.bac", BO_ROLE_SERVICE, NULL, 0, f1, 1);
    CHECK_INT_EQ(bo_agent_get(db, "m.durand", &a, &err), 0);
    CHECK(a.role == BO_ROLE_COMMUNE && a.n_communes == 1 && !a.totp && !a.disabled);
    bo_agent_free(&a);
    CHECK_INT_EQ(bo_agent_get(db, "nobody", &a, &err), GDIR_ENOTFOUND);
    /* the hash is Argon2id with libsodium's MODERATE parameters */
    CHECK_INT_EQ(sqlite3_open(path, &s), SQLITE_OK);
    CHECK_INT_EQ(sqlite3_prepare_v2(s, "SELECT password_hash FROM agents WHERE login = "
                                       "'m.durand'", -1, &st, NULL), SQLITE_OK);
    CHECK_INT_EQ(sqlite3_step(st), SQLITE_ROW);
    CHECK(strncmp((const char *)sqlite3_column_text(st, 0), "$argon2id$v=19$m=262144,t=3,p=1$",
                  32) == 0);
    sqlite3_finalize(st);
    sqlite3_close(s);
    /* GEODIR_PWHASH_COST=interactive: libsodium's INTERACTIVE (64 MiB, 2 passes), and a
     * password so hashed still verifies; unknown values keep MODERATE */
    {
        char h[256];
        setenv("GEODIR_PWHASH_COST", "interactive", 1);
        CHECK_INT_EQ(bo_password_hash(GOOD, h, sizeof h, &err), 0);
        CHECK(strncmp(h, "$argon2id$v=19$m=65536,t=2,p=1$", 31) == 0);
        CHECK(bo_password_verify(h, GOOD));
        setenv("GEODIR_PWHASH_COST", "weak", 1);
        CHECK_INT_EQ(bo_password_hash(GOOD, h, sizeof h, &err), 0);
        CHECK(strncmp(h, "$argon2id$v=19$m=262144,t=3,p=1$", 32) == 0);
        unsetenv("GEODIR_PWHASH_COST");
    }
    /* a login taken: 409 */
    a = (struct bo_agent){.role = BO_ROLE_ADMIN, .name = (char *)"X", .email = (char *)"x@y.fr"};
    snprintf(a.login, sizeof a.login, "m.durand");
    CHECK_INT_EQ(bo_agent_add(db, &a, GOOD, &err), GDIR_ECONFLICT);
}

static void test_sessions(void)
{
    char cookie[48], cookie2[48], csrf[BO_CSRF_LEN + 1];
    unsigned retry;
    struct bo_agent a;
    struct gdir_err err;
    time_t t0 = time(NULL);

    CHECK_INT_EQ(bo_login(db, "m.durand", GOOD, NULL, "10.0.0.1", t0, cookie, &retry, &err), 0);
    CHECK_INT_EQ((int)strlen(cookie), BO_COOKIE_LEN);
    CHECK_INT_EQ(bo_session(db, cookie, t0 + 29 * 60, &a, csrf, &err), 0);
    CHECK_STR_EQ(a.login, "m.durand");
    CHECK_INT_EQ((int)strlen(csrf), BO_CSRF_LEN);
    bo_agent_free(&a);
    /* idle: 29 minutes after the last use is fine, 31 is not */
    CHECK_INT_EQ(bo_session(db, cookie, t0 + 58 * 60, &a, csrf, &err), 0);
    bo_agent_free(&a);
    CHECK_INT_EQ(bo_session(db, cookie, t0 + 89 * 60 + 1, &a, csrf, &err), GDIR_EUNAUTHORIZED);
    /* absolute: 12 hours even when used every 20 minutes */
    CHECK_INT_EQ(bo_login(db, "m.durand", GOOD, NULL, "10.0.0.1", t0, cookie2, &retry, &err), 0);
    CHECK(strcmp(cookie, cookie2) != 0);
    for (time_t t = t0; t <= t0 + BO_SESSION_ABSOLUTE; t += 20 * 60) {
        CHECK_INT_EQ(bo_session(db, cookie2, t, &a, csrf, &err), 0);
        bo_agent_free(&a);
    }
    CHECK_INT_EQ(bo_session(db, cookie2, t0 + BO_SESSION_ABSOLUTE + 60, &a, csrf, &err),
                 GDIR_EUNAUTHORIZED);
    /* logout */
    CHECK_INT_EQ(bo_login(db, "m.durand", GOOD, NULL, "10.0.0.1", t0, cookie, &retry, &err), 0);
    CHECK_INT_EQ(bo_logout(db, cookie, 0, &err), 0);
    CHECK_INT_EQ(bo_session(db, cookie, t0, &a, csrf, &err), GDIR_EUNAUTHORIZED);
    CHECK_INT_EQ(bo_session(db, "not a cookie", t0, &a, csrf, &err), GDIR_EUNAUTHORIZED);
}

static void test_throttle(void)
{
    char cookie[48];
    unsigned retry = 0;
    struct gdir_err err;
    time_t t0 = time(NULL);

    for (int i = 0; i < BO_THROTTLE_ACCOUNT; i++)
        CHECK_INT_EQ(bo_login(db, "s.bac", "Mauvais-Mot-De-Passe", NULL, "10.0.0.2", t0, cookie,
                              &retry, &err), GDIR_EUNAUTHORIZED);
    CHECK_INT_EQ(bo_login(db, "s.bac", GOOD, NULL, "10.0.0.2", t0 + 60, cookie, &retry, &err),
                 GDIR_ETOOMANY);
    CHECK(retry > 0 && retry <= BO_THROTTLE_WINDOW - 60);
    /* the window passes */
    CHECK_INT_EQ(bo_login(db, "s.bac", GOOD, NULL, "10.0.0.2", t0 + BO_THROTTLE_WINDOW + 1,
                          cookie, &retry, &err), 0);
}

static void test_totp_login(void)
{
    char uri[BO_TOTP_URI_MAX], cookie[48];
    unsigned retry;
    struct gdir_err err;

    add_agent("cc.admin", BO_ROLE_ADMIN, NULL, 0, NULL, 0);
    CHECK_INT_EQ(bo_login(db, "cc.admin", GOOD, NULL, "10.0.0.3", time(NULL), cookie, &retry,
                          &err), GDIR_EUNAUTHORIZED);
    CHECK_STR_EQ(err.param, "totp");   /* an admin without TOTP cannot log in */
    CHECK_INT_EQ(bo_agent_totp_new(db, "cc.admin", uri, &err), 0);
    CHECK(strncmp(uri, "otpauth://totp/geodir:cc.admin?secret=", 38) == 0);
    CHECK_INT_EQ(bo_login(db, "cc.admin", GOOD, "123456", "10.0.0.3", time(NULL), cookie,
                          &retry, &err) == 0, 0);   /* (1 in 10^6 x 3 to be right by chance) */
}

static int can_sql(const struct bo_agent *a, sqlite3 *s, const char *form, const char *commune)
{
    char cond[1024], sql[1200];
    sqlite3_stmt *st;
    int n = bo_scope_sql(a, 3, cond, sizeof cond), yes;

    CHECK(n >= 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT ?1 AS form_id, ?2 AS commune, "
                              "NULL AS service) WHERE %s", cond);
    CHECK_INT_EQ(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, form, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, commune, -1, SQLITE_STATIC);
    CHECK_INT_EQ(bo_scope_bind(a, st, 3), 0);
    CHECK_INT_EQ(sqlite3_step(st), SQLITE_ROW);
    yes = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return yes;
}

static void test_scope(void)
{
    char k55040[] = "55040", k55017[] = "55017", bac[] = "bac", peri[] = "periscolaire";
    char *c2[] = {k55040, k55017}, *f1[] = {bac}, *f2[] = {bac, peri};
    const struct bo_agent agents[] = {
        {.role = BO_ROLE_ADMIN},
        {.role = BO_ROLE_COMMUNE, .communes = c2, .n_communes = 2},
        {.role = BO_ROLE_COMMUNE, .communes = c2, .n_communes = 1, .forms = f1, .n_forms = 1},
        {.role = BO_ROLE_SERVICE, .forms = f2, .n_forms = 2},
        {.role = BO_ROLE_SERVICE, .forms = f1, .n_forms = 1, .communes = c2 + 1, .n_communes = 1},
        {.role = BO_ROLE_COMMUNE, .communes = c2, .n_communes = 2, .disabled = 1},
        {.role = BO_ROLE_SERVICE},
    };
    /* expected: rows = agents, columns = the requests below */
    static const char *const req[][2] = {
        {"bac", "55040"}, {"bac", "55017"}, {"inscription", "55040"}, {"periscolaire", "55123"},
        {"inscription", NULL},
    };
    static const int want[][5] = {
        {1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}, {1, 0, 0, 0, 0}, {1, 1, 0, 1, 0}, {0, 1, 0, 0, 0},
        {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0},
    };
    sqlite3 *s;

    CHECK_INT_EQ(sqlite3_open(":memory:", &s), SQLITE_OK);
    for (size_t i = 0; i < sizeof agents / sizeof agents[0]; i++)
        for (size_t k = 0; k < 5; k++) {
            int c = bo_can(&agents[i], req[k][0], req[k][1], NULL);
            if (c != want[i][k] || can_sql(&agents[i], s, req[k][0], req[k][1]) != c)
                CHECK_FAIL_("agent %zu, request %zu: bo_can %d, SQL, want %d", i, k, c,
                            want[i][k]);
        }
    sqlite3_close(s);
    {
        char tiny[8];
        CHECK_INT_EQ(bo_scope_sql(&agents[1], 1, tiny, sizeof tiny), GDIR_ETOOBIG);
    }
}

static void test_transitions(void)
{
    static const char *const extra[] = {"livraison_planifiee", "livree"};
    static const char *const after[] = {"en_instruction", "livraison_planifiee"};
    static const int final[] = {0, 1};
    static const struct { const char *from, *to; int ok; } t[] = {
        {"deposee", "en_instruction", 1}, {"deposee", "refusee", 1}, {"deposee", "sans_suite", 1},
        {"deposee", "acceptee", 0}, {"deposee", "complement_demande", 0},
        {"en_instruction", "complement_demande", 1}, {"en_instruction", "acceptee", 1},
        {"en_instruction", "livraison_planifiee", 1}, {"en_instruction", "deposee", 0},
        {"complement_demande", "complement_recu", 1}, {"complement_demande", "sans_suite", 1},
        {"complement_demande", "acceptee", 0}, {"complement_recu", "en_instruction", 1},
        {"complement_recu", "complement_demande", 1}, {"complement_recu", "acceptee", 1},
        {"complement_recu", "sans_suite", 0}, {"acceptee", "en_instruction", 1},
        {"acceptee", "refusee", 0}, {"refusee", "en_instruction", 1},
        {"retiree", "en_instruction", 1}, {"livraison_planifiee", "livree", 1},
        {"livraison_planifiee", "acceptee", 1}, {"deposee", "livraison_planifiee", 0},
        {"livree", "en_instruction", 1}, {"livree", "acceptee", 0},
        {"en_instruction", "retiree", 0}, {"en_instruction", "en_instruction", 0},
        {"en_instruction", "inconnu", 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (bo_transition_ok(t[i].from, t[i].to, extra, after, final, 2) != t[i].ok)
            CHECK_FAIL_("%s -> %s: want %d", t[i].from, t[i].to, t[i].ok);
    CHECK(bo_status_terminal("sans_suite") && !bo_status_terminal("en_instruction"));
}

static void test_audit(void)
{
    struct bo_audit_entry e = {.actor = "m.durand", .peer = "10.0.0.1", .action = "transition",
                               .request_id = 7, .from_status = "deposee",
                               .to_status = "refusee", .motivation = "Hors délai"};
    struct gdir_err err;
    sqlite3 *s;
    char *msg = NULL;

    CHECK_INT_EQ(bo_audit(db, &e, time(NULL), &err), 0);
    CHECK_INT_EQ(sqlite3_open(path, &s), SQLITE_OK);
    CHECK(sqlite3_exec(s, "UPDATE audit SET motivation = 'x'", NULL, NULL, &msg) != SQLITE_OK);
    CHECK(msg && strstr(msg, "append-only"));
    sqlite3_free(msg);
    msg = NULL;
    CHECK(sqlite3_exec(s, "DELETE FROM audit WHERE request_id = 7", NULL, NULL, &msg) !=
          SQLITE_OK);
    sqlite3_free(msg);
    sqlite3_close(s);
}

struct verify_job {
    const char *hash;
    int result;
};

static void *verify_thread(void *p)
{
    struct verify_job *j = p;
    j->result = bo_password_verify(j->hash, GOOD);
    return NULL;
}

/* Polls (1 ms steps, at most 30 s) until `want` Argon2id computations are inside the gate. */
static int gate_reaches(int want)
{
    const struct timespec ms = {0, 1000000};
    int inside = 0, peak;
    for (int i = 0; i < 30000; i++) {
        bo_password_gate(&inside, &peak);
        if (inside == want)
            return 1;
        nanosleep(&ms, NULL);
    }
    return 0;
}

/* GEODIR_PWHASH_CONCURRENCY bounds the Argon2id computations running at once (memory, workers);
 * with GEODIR_PWHASH_WAIT_MS=0 a computation finding no place answers GDIR_EUNAVAIL at once. */
static void test_gate(void)
{
    struct gdir_err err = {0};
    char fast[256], slow[256], h[256];
    struct verify_job jobs[6];
    pthread_t th[6];
    int inside, peak;

    setenv("GEODIR_PWHASH_COST", "interactive", 1);
    CHECK_INT_EQ(bo_password_hash(GOOD, fast, sizeof fast, &err), 0);
    unsetenv("GEODIR_PWHASH_COST");
    CHECK_INT_EQ(bo_password_hash(GOOD, slow, sizeof slow, &err), 0);   /* moderate: ~1 s */
    bo_password_gate(&inside, &peak);
    CHECK(inside == 0 && peak == 1);   /* the tests before ran one at a time */
    setenv("GEODIR_PWHASH_CONCURRENCY", "2", 1);
    for (int i = 0; i < 6; i++) {
        jobs[i] = (struct verify_job){i % 2 ? fast : NULL, -1};
        CHECK_INT_EQ(pthread_create(&th[i], NULL, verify_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < 6; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 6; i++)
        CHECK_INT_EQ(jobs[i].result, i % 2);   /* a known login matches, the unknown ones not */
    bo_password_gate(&inside, &peak);
    CHECK(inside == 0);
    CHECK_INT_EQ(peak, 2);   /* six at once, two places: two ran together, never more */

    setenv("GEODIR_PWHASH_CONCURRENCY", "1", 1);
    setenv("GEODIR_PWHASH_WAIT_MS", "0", 1);
    jobs[0] = (struct verify_job){slow, -1};
    CHECK_INT_EQ(pthread_create(&th[0], NULL, verify_thread, &jobs[0]), 0);
    CHECK(gate_reaches(1));
    CHECK_INT_EQ(bo_password_verify(fast, GOOD), GDIR_EUNAVAIL);
    CHECK_INT_EQ(bo_password_hash(GOOD, h, sizeof h, &err), GDIR_EUNAVAIL);
    CHECK_INT_EQ(err.code, GDIR_EUNAVAIL);
    pthread_join(th[0], NULL);
    CHECK_INT_EQ(jobs[0].result, 1);
    CHECK_INT_EQ(bo_password_verify(fast, GOOD), 1);   /* the place is free again */
    unsetenv("GEODIR_PWHASH_CONCURRENCY");
    unsetenv("GEODIR_PWHASH_WAIT_MS");
}

static const struct check_case cases[] = {
    {"passwords", test_passwords}, {"totp", test_totp}, {"agents", test_agents},
    {"sessions", test_sessions}, {"throttle", test_throttle}, {"totp_login", test_totp_login},
    {"scope", test_scope}, {"transitions", test_transitions}, {"audit", test_audit},
    {"gate", test_gate},
};

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    struct gdir_err err;
    int failed;

    snprintf(dir, sizeof dir, "%s/gdir-bo-XXXXXX", tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    if (!mkdtemp(dir) || snprintf(path, sizeof path, "%s/forms.sqlite", dir) < 0 ||
        bo_db_open(&db, path, &err)) {
        fprintf(stderr, "cannot open a temporary forms database: %s\n", err.msg);
        return 2;
    }
    failed = check_run(cases, CHECK_COUNT(cases));
    bo_db_close(db);
    for (const char *ext = ""; ext; ext = *ext ? (ext[1] == 'w' ? "-shm" : NULL) : "-wal") {
        char f[128];
        snprintf(f, sizeof f, "%s%s", path, ext);
        unlink(f);
    }
    rmdir(dir);
    return failed ? 1 : 0;
}
