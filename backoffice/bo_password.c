/*
 * bo_password.c — the agents' passwords (docs/backoffice.md §1): the rules (at least
 * BO_PASSWORD_MIN code points; not common or derived from the login, by cracklib and Debian's
 * cracklib-runtime dictionary) and the Argon2id hashes of libsodium (crypto_pwhash_str,
 * OPSLIMIT_MODERATE / MEMLIMIT_MODERATE), at most GEODIR_PWHASH_CONCURRENCY of them at once in
 * the process (each takes 256 MiB and about a second: unbounded, 32 logins at once would ask
 * 8 GiB and hold every worker).
 */
#include "bo_internal.h"
#include "gdir_text.h"

#include <crack.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PASSWORD_MAX 1024   /* bytes: longer is refused (the hash's input stays bounded) */

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_ok;
static pthread_mutex_t crack_mu = PTHREAD_MUTEX_INITIALIZER;   /* cracklib is not reentrant */

static void sodium_start(void)
{
    sodium_ok = sodium_init() >= 0;
}

/* The cracklib dictionary: the library's compiled-in path (Debian: /var/cache/cracklib/
 * cracklib_dict), when its .pwd file is there. */
static const char *crack_dict(void)
{
    static char pwd[512];
    const char *d = GetDefaultCracklibDict();
    if (!d || snprintf(pwd, sizeof pwd, "%s.pwd", d) >= (int)sizeof pwd || access(pwd, R_OK))
        return NULL;
    return d;
}

/* French bases cracklib's English dictionary misses, as found at the top of leaked lists. */
static const char *const french_common[] = {
    "azerty", "azertyuiop", "motdepasse", "bonjour", "soleil", "doudou", "chouchou", "loulou",
    "marseille", "jetaime", "france", "coucou", "admin", "administrateur", "mairie", "geodir",
    "commune", "bienvenue", "secret", "password", NULL
};

/* The password's core: lowercase ASCII, without leading and trailing digits, punctuation and
 * spaces, and halved while it repeats ("passwordpassword"). */
static void core_of(const char *pw, char *out, size_t cap)
{
    static const char strip[] = "0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    size_t b = strspn(pw, strip), e = strlen(pw), n;

    while (e > b && strchr(strip, pw[e - 1]))
        e--;
    n = e - b < cap - 1 ? e - b : cap - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(pw[b + i] >= 'A' && pw[b + i] <= 'Z' ? pw[b + i] + 32 : pw[b + i]);
    out[n] = '\0';
    while (n >= 2 && n % 2 == 0 && memcmp(out, out + n / 2, n / 2) == 0)
        out[n /= 2] = '\0';
}

/* The reason why the core of password is common (cracklib on it, the French list, the login
 * or a part of it of 4 letters or more), or NULL. Under crack_mu. */
static const char *core_common(const char *login, const char *password, const char *dict)
{
    char core[256], part[BO_LOGIN_MAX + 1];
    const char *p = login;

    core_of(password, core, sizeof core);
    for (int i = 0; french_common[i]; i++)
        if (strcmp(core, french_common[i]) == 0)
            return "it is based on a common word";
    while (p && *p) {   /* the login's parts: "m.durand" -> "m", "durand" */
        size_t n = strcspn(p, "._-");
        if (n >= 4 && n < sizeof part) {
            memcpy(part, p, n);
            part[n] = '\0';
            if (strstr(core, part))
                return "it is derived from your login";
        }
        p += n + (p[n] != '\0');
    }
    if (strlen(core) < 6)
        return strcmp(core, password) ? "it is too simplistic/systematic" : NULL;
    return strcmp(core, password) ? FascistCheckUser(core, dict, login ? login : "", NULL) : NULL;
}

int bo_password_check(const char *login, const char *password, struct gdir_err *err)
{
    const char *p = password, *dict, *why;
    size_t n = 0, len = password ? strlen(password) : 0;

    if (!password || len > PASSWORD_MAX || !gdir_utf8_valid(password, len))
        return gdir_err_set_param(err, GDIR_EINVAL, "password", "Mot de passe invalide (au plus "
                                  "%d octets d'UTF-8) / invalid password.", PASSWORD_MAX);
    while (*p && gdir_utf8_next(&p))
        n++;
    if (n < BO_PASSWORD_MIN)
        return gdir_err_set_param(err, GDIR_EINVAL, "password", "Le mot de passe doit compter au "
                                  "moins %d caractères / the password needs at least %d "
                                  "characters.", BO_PASSWORD_MIN, BO_PASSWORD_MIN);
    if (!(dict = crack_dict()))
        return gdir_err_set_param(err, GDIR_ECONFIG, "password", "cracklib dictionary missing "
                                  "(%s.pwd): install Debian's cracklib-runtime",
                                  GetDefaultCracklibDict());
    pthread_mutex_lock(&crack_mu);
    why = FascistCheckUser(password, dict, login ? login : "", NULL);
    if (!why)
        why = core_common(login, password, dict);
    if (why)
        gdir_err_set_param(err, GDIR_EINVAL, "password", "Mot de passe trop courant ou trop "
                           "simple (cracklib : %s) / password too common or too simple.", why);
    pthread_mutex_unlock(&crack_mu);
    return why ? GDIR_EINVAL : GDIR_OK;
}

/* ---- the gate: how many Argon2id computations run at once --------------------------------- */

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_in, gate_peak;

/* An integer of the environment within [lo, hi], else def. */
static long env_long(const char *name, long lo, long hi, long def)
{
    const char *s = getenv(name);
    char *end;
    long v = s ? strtol(s, &end, 10) : def;
    return s && (*end || end == s || v < lo || v > hi) ? def : v;
}

/* Waits for a place among GEODIR_PWHASH_CONCURRENCY (1..64; default: the online CPUs, at most
 * 8) for at most GEODIR_PWHASH_WAIT_MS (0..60000, default 10000) ms: GDIR_OK, or
 * GDIR_EUNAVAIL when none came. Read at each call (the tests change them). */
static int gate_enter(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    long max = env_long("GEODIR_PWHASH_CONCURRENCY", 1, 64, cpus < 1 ? 1 : cpus > 8 ? 8 : cpus);
    long wait_ms = env_long("GEODIR_PWHASH_WAIT_MS", 0, 60000, 10000);
    struct timespec until;
    int rc = GDIR_OK;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += wait_ms / 1000;
    until.tv_nsec += (wait_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&gate_mu);
    while (gate_in >= max && rc == GDIR_OK)
        if (pthread_cond_timedwait(&gate_cv, &gate_mu, &until))
            rc = gate_in >= max ? GDIR_EUNAVAIL : GDIR_OK;
    if (rc == GDIR_OK && ++gate_in > gate_peak)
        gate_peak = gate_in;
    pthread_mutex_unlock(&gate_mu);
    return rc;
}

static void gate_leave(void)
{
    pthread_mutex_lock(&gate_mu);
    gate_in--;
    pthread_cond_signal(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

void bo_password_gate(int *inside, int *peak)
{
    pthread_mutex_lock(&gate_mu);
    *inside = gate_in;
    *peak = gate_peak;
    pthread_mutex_unlock(&gate_mu);
}

/* The cost of new hashes: GEODIR_PWHASH_COST (interactive, moderate, sensitive: libsodium's
 * levels; an operator's choice for a small machine, never below interactive), moderate by
 * default or for any other value. A hash records its own cost: verifying follows it. */
static void pwhash_cost(unsigned long long *ops, size_t *mem)
{
    const char *c = getenv("GEODIR_PWHASH_COST");

    *ops = crypto_pwhash_OPSLIMIT_MODERATE;
    *mem = crypto_pwhash_MEMLIMIT_MODERATE;
    if (c && strcmp(c, "interactive") == 0) {
        *ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
        *mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    } else if (c && strcmp(c, "sensitive") == 0) {
        *ops = crypto_pwhash_OPSLIMIT_SENSITIVE;
        *mem = crypto_pwhash_MEMLIMIT_SENSITIVE;
    }
}

int bo_password_hash(const char *password, char *out, size_t cap, struct gdir_err *err)
{
    unsigned long long ops;
    size_t mem;

    pthread_once(&sodium_once, sodium_start);
    if (!sodium_ok || cap < crypto_pwhash_STRBYTES)
        return gdir_err_set(err, GDIR_EINTERNAL, "libsodium unusable");
    pwhash_cost(&ops, &mem);
    if (gate_enter())
        return gdir_err_set(err, GDIR_EUNAVAIL, "Trop de calculs de mots de passe en cours : "
                            "réessayez dans quelques secondes.");
    int failed = crypto_pwhash_str(out, password, strlen(password), ops, mem) != 0;
    gate_leave();
    if (failed)
        return gdir_err_set(err, GDIR_ENOMEM, "Argon2id: out of memory (%zu MiB needed)",
                            mem >> 20);
    return GDIR_OK;
}

/* A hash of a random password, made once: what unknown logins are checked against. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_make(void)
{
    unsigned char raw[16];
    char pw[33];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(pw, sizeof pw, raw, sizeof raw);
    if (bo_password_hash(pw, dummy_hash, sizeof dummy_hash, NULL))
        dummy_hash[0] = '\0';
}

int bo_password_verify(const char *hash, const char *password)
{
    size_t len = strlen(password);
    int match;

    pthread_once(&sodium_once, sodium_start);
    if (!sodium_ok || len > PASSWORD_MAX)
        return 0;
    if (!hash)
        pthread_once(&dummy_once, dummy_make);   /* (outside the gate: it hashes through it) */
    if (gate_enter())
        return GDIR_EUNAVAIL;
    /* an unknown login is checked against the fixed hash (the same time) and never matches */
    match = crypto_pwhash_str_verify(hash ? hash : dummy_hash, password, len) == 0 && hash;
    gate_leave();
    return match;
}
