/*
 * api_mailer.c — the e-mail sender thread of geodir-api: the outbox loop, SMTP through
 * libcurl, a sendmail-compatible command through posix_spawn. See api_mailer.h.
 *
 * Logs name the outbox row and the attempt, never an address or a subject; the server's reply
 * (which may name the recipient) goes into the row's last_error, shown to administrators only.
 */
#include "api_mailer.h"

#include "api_bo.h"
#include "bo_mail.h"
#include "bo_notify.h"
#include "gdir_buf.h"
#include "gdir_fs.h"
#include "gdir_log.h"
#include "gdir_mem.h"
#include "gdir_thread.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POLL_SECONDS 60          /* a look at the outbox at least this often */
#define MESSAGE_MAX (1024 * 1024)
#define REASON_MAX 512
#define MAX_ARGS 16

extern char **environ;

struct api_mailer {
    const struct api_config *cfg;
    sqlite3 *db;
    char from_addr[BO_MAIL_ADDR_MAX + 1];
    const char *domain;          /* of from_addr: the Message-IDs' right side */
    char *password;              /* smtp_password_file's first line, or NULL */
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int kicked, stopping;
};

int api_mailer_configured(const struct api_config *cfg)
{
    return cfg->smtp_url[0] || cfg->sendmail_command[0];
}

/* ---- SMTP (libcurl) ------------------------------------------------------------------- */

struct upload {
    const char *p;
    size_t left;
};

static size_t read_cb(char *out, size_t size, size_t n, void *arg)
{
    struct upload *u = arg;
    size_t k = size * n < u->left ? size * n : u->left;
    memcpy(out, u->p, k);
    u->p += k;
    u->left -= k;
    return k;
}

/* Sends msg to one recipient over SMTP; 0, or -1 with the reason. */
static int send_smtp(struct api_mailer *m, const char *to, const struct gdir_buf *msg,
                     char reason[REASON_MAX])
{
    const struct api_config *cfg = m->cfg;
    char from[BO_MAIL_ADDR_MAX + 3], rcpt_s[BO_MAIL_ADDR_MAX + 3], errbuf[CURL_ERROR_SIZE] = "";
    struct upload u = { msg->data, msg->len };
    struct curl_slist *rcpt = NULL;
    CURL *c = curl_easy_init();
    long code = 0;
    CURLcode rc;

    if (!c) {
        snprintf(reason, REASON_MAX, "curl_easy_init failed");
        return -1;
    }
    snprintf(from, sizeof from, "<%s>", m->from_addr);
    snprintf(rcpt_s, sizeof rcpt_s, "<%s>", to);
    rcpt = curl_slist_append(NULL, rcpt_s);
    curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url);
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->len);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L);
    if (strncmp(cfg->smtp_url, "smtp://", 7) == 0 && strcmp(cfg->smtp_starttls, "on") == 0)
        curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (cfg->smtp_user[0]) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, m->password ? m->password : "");
    }
    rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (rc != CURLE_OK)
        snprintf(reason, REASON_MAX, "SMTP: %s (reply %ld)%s%s", curl_easy_strerror(rc), code,
                 errbuf[0] ? ": " : "", errbuf);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    return rc == CURLE_OK ? 0 : -1;
}

/* ---- sendmail_command ---------------------------------------------------------------- */

/* Splits the command on spaces into argv (a copy in buf), then "-t", "-i". */
static int command_argv(const char *cmd, char *buf, size_t cap, char *argv[MAX_ARGS + 3])
{
    int n = 0;
    snprintf(buf, cap, "%s", cmd);
    for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t && n < MAX_ARGS;
         t = strtok_r(NULL, " \t", &save))
        argv[n++] = t;
    argv[n++] = (char *)"-t";
    argv[n++] = (char *)"-i";
    argv[n] = NULL;
    return n > 2 ? 0 : -1;
}

/* Runs sendmail_command -t -i with msg on its stdin; 0 when it exits with status 0. */
static int send_command(struct api_mailer *m, const struct gdir_buf *msg,
                        char reason[REASON_MAX])
{
    char buf[1024], *argv[MAX_ARGS + 3];
    posix_spawn_file_actions_t fa;
    int fds[2], st = 0, wrc;
    pid_t pid;

    if (command_argv(m->cfg->sendmail_command, buf, sizeof buf, argv) || pipe(fds)) {
        snprintf(reason, REASON_MAX, "sendmail_command: cannot run it");
        return -1;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[0], 0);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[0]);
    if (rc) {
        close(fds[1]);
        snprintf(reason, REASON_MAX, "sendmail_command: %s: %s", argv[0], strerror(rc));
        return -1;
    }
    wrc = gdir_write_all(fds[1], msg->data, msg->len);
    close(fds[1]);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (wrc || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        snprintf(reason, REASON_MAX, "sendmail_command: %s", wrc ? "could not write the message"
                 : WIFEXITED(st) ? "exited with a non-zero status" : "killed by a signal");
        if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
            snprintf(reason + strlen(reason), REASON_MAX - strlen(reason), " (%d)",
                     WEXITSTATUS(st));
        return -1;
    }
    return 0;
}

/* ---- the loop ------------------------------------------------------------------------- */

/* Builds and sends one claimed row, then marks it. */
static void deliver(struct api_mailer *m, const struct bo_outbox_row *r)
{
    char mid[BO_MAIL_ADDR_MAX + 64], reason[REASON_MAX] = "";
    struct gdir_buf msg;
    struct gdir_err err;
    int ok;

    gdir_err_clear(&err);
    snprintf(mid, sizeof mid, "<geodir.outbox.%lld.%lld@%s>", r->id, r->created_at, m->domain);
    struct bo_mail mail = { m->cfg->mail_from, r->to, r->subject, r->body, time(NULL), mid };
    gdir_buf_init(&msg, MESSAGE_MAX);
    if (bo_mail_build(&msg, &mail, &err)) {
        snprintf(reason, sizeof reason, "message: %.400s", err.msg);
        ok = 0;
    } else if (m->cfg->smtp_url[0]) {
        ok = send_smtp(m, r->to, &msg, reason) == 0;
    } else {
        ok = send_command(m, &msg, reason) == 0;
    }
    gdir_buf_free(&msg);
    gdir_err_clear(&err);
    if (ok && bo_outbox_sent(m->db, r->id, time(NULL), &err) == 0) {
        gdir_log(GDIR_LOG_INFO, "mail", "msg=\"sent\" outbox=%lld attempt=%d", r->id,
                 r->attempts);
        return;
    }
    if (ok) {
        gdir_log(GDIR_LOG_ERROR, "mail", "msg=\"sent but not marked\" outbox=%lld error=\"%s\"",
                 r->id, err.msg);
        return;
    }
    gdir_log(GDIR_LOG_WARN, "mail", "msg=\"not sent, will retry\" outbox=%lld attempt=%d "
             "retry_in=%ld", r->id, r->attempts,
             bo_outbox_backoff(m->cfg->mail_retry_base, r->attempts));
    if (bo_outbox_failed(m->db, r->id, reason, &err))
        gdir_log(GDIR_LOG_ERROR, "mail", "msg=\"outbox\" error=\"%s\"", err.msg);
}

/* Waits until deadline, a kick or the stop. */
static void wait_until(struct api_mailer *m, time_t deadline)
{
    struct timespec ts = { deadline, 0 };
    pthread_mutex_lock(&m->mu);
    while (!m->kicked && !m->stopping && time(NULL) < deadline)
        if (pthread_cond_timedwait(&m->cond, &m->mu, &ts) == ETIMEDOUT)
            break;
    m->kicked = 0;
    pthread_mutex_unlock(&m->mu);
}

static int stopping(struct api_mailer *m)
{
    pthread_mutex_lock(&m->mu);
    int s = m->stopping;
    pthread_mutex_unlock(&m->mu);
    return s;
}

static void *mailer_main(void *arg)
{
    struct api_mailer *m = arg;
    while (!stopping(m)) {
        struct bo_outbox_row r;
        struct gdir_err err;
        time_t now = time(NULL), due = now + POLL_SECONDS;
        int rc;

        gdir_err_clear(&err);
        rc = bo_outbox_claim(m->db, now, m->cfg->mail_retry_base, &r, &err);
        if (rc == 1) {
            deliver(m, &r);
            bo_outbox_row_free(&r);
            continue;
        }
        if (rc < 0)
            gdir_log(GDIR_LOG_ERROR, "mail", "msg=\"outbox\" error=\"%s\"", err.msg);
        else if (bo_outbox_next_due(m->db, &due, &err) == 1 && due > now + POLL_SECONDS)
            due = now + POLL_SECONDS;
        wait_until(m, due > now ? due : now + 1);
    }
    return NULL;
}

static void kick(void *arg)
{
    struct api_mailer *m = arg;
    pthread_mutex_lock(&m->mu);
    m->kicked = 1;
    pthread_cond_signal(&m->cond);
    pthread_mutex_unlock(&m->mu);
}

/* The SMTP password: the first line of smtp_password_file. */
static int read_password(struct api_mailer *m, struct gdir_err *err)
{
    char *text = NULL;
    size_t len = 0;
    if (!m->cfg->smtp_password_file[0])
        return GDIR_OK;
    if (gdir_file_read(m->cfg->smtp_password_file, 4096, &text, &len, err))
        return gdir_err_set_param(err, GDIR_ECONFIG, "smtp_password_file",
                                  "smtp_password_file: %s", err->msg);
    text[strcspn(text, "\r\n")] = '\0';
    m->password = text;
    return GDIR_OK;
}

/* The thread's own connection to forms_db. */
static int open_db(struct api_mailer *m, struct gdir_err *err)
{
    if (sqlite3_open_v2(m->cfg->forms_db, &m->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        return gdir_err_set(err, GDIR_EDB, "%s: %s", m->cfg->forms_db,
                            m->db ? sqlite3_errmsg(m->db) : "cannot open");
    sqlite3_busy_timeout(m->db, 10000);
    if (sqlite3_exec(m->db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK)
        return gdir_err_set(err, GDIR_EDB, "%s: %s", m->cfg->forms_db, sqlite3_errmsg(m->db));
    return GDIR_OK;
}

int api_mailer_start(struct api_mailer **out, const struct api_config *cfg,
                     struct gdir_err *err)
{
    struct api_mailer *m = calloc(1, sizeof *m);
    int rc;

    *out = NULL;
    if (!m)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    m->cfg = cfg;
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->cond, NULL);
    if ((rc = bo_mail_from_addr(cfg->mail_from, m->from_addr, err))) {
        err->code = rc = GDIR_ECONFIG;
        goto fail;
    }
    m->domain = strchr(m->from_addr, '@') + 1;
    if ((rc = read_password(m, err)) || (rc = open_db(m, err)))
        goto fail;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        rc = gdir_err_set(err, GDIR_EINTERNAL, "curl_global_init failed");
        goto fail;
    }
    if (pthread_create(&m->thread, NULL, mailer_main, m)) {
        rc = gdir_err_set(err, GDIR_EINTERNAL, "cannot start the mail thread");
        goto fail;
    }
    m->started = 1;
    bo_outbox_set_wake(kick, m);
    gdir_log(GDIR_LOG_INFO, "mail", "msg=\"sender started\" transport=%s",
             cfg->smtp_url[0] ? "smtp" : "sendmail");
    *out = m;
    return GDIR_OK;
fail:
    api_mailer_stop(m);
    return rc;
}

void api_mailer_stop(struct api_mailer *m)
{
    if (!m)
        return;
    if (m->started) {
        bo_outbox_set_wake(NULL, NULL);
        gdir_thread_stop(m->thread, &m->mu, &m->cond, &m->stopping);
    }
    sqlite3_close(m->db);
    if (m->password) {
        memset(m->password, 0, strlen(m->password));
        free(m->password);
    }
    pthread_cond_destroy(&m->cond);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

int api_notify_filed(void *cls, struct sqlite3 *db, long long request_id, struct gdir_err *err)
{
    struct bo_db **wdb = cls;

    if (!db) {   /* the writer stops */
        bo_db_close(*wdb);
        *wdb = NULL;
        return GDIR_OK;
    }
    if (!*wdb) {
        int rc = bo_db_attach(wdb, db, err);
        if (rc)
            return rc;
    }
    return bo_notify(*wdb, request_id, "agent_new", err);
}

void api_notify(const struct api_ctx *ctx, long long id, const char *code, const char *event)
{
    struct bo_db *db = api_bo_db(ctx);
    struct gdir_err err;
    int rc;

    if (!db)
        return;
    gdir_err_clear(&err);
    rc = id ? bo_notify(db, id, event, &err) : bo_notify_code(db, code, event, &err);
    if (rc)
        gdir_log(GDIR_LOG_ERROR, "mail", "msg=\"notification not queued\" event=%s error=\"%s\"",
                 event, err.msg);
}
