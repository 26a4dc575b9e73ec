/*
 * forms_store.c — the durable store of the online procedures: opening the database, the
 * writer thread and its group commit, attachment files, and the per-thread readers. See
 * forms_store.h for the contract, forms_schema.sql for the tables.
 *
 * All the SQL of the forms database is here, prepared once per connection: the writer's
 * statements on its connection (W_*), the readers' on each thread's (R_*).
 */
#define _GNU_SOURCE   /* O_DIRECT */
#include "forms_store.h"
#include "gdir_forms.h"
#include "gdir_db.h"
#include "gdir_db_stmts.h"
#include "gdir_fs.h"
#include "gdir_hash.h"
#include "gdir_log.h"
#include "gdir_mem.h"
#include "gdir_secret.h"
#include "gdir_thread.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CODE_ATTEMPTS 16            /* tracking codes drawn before giving up (26^8 codes) */

extern const char forms_schema_sql[];   /* forms_schema.sql, compiled in (CMakeLists.txt) */

/* ---- statements -------------------------------------------------------------------------- */

enum w_stmt {
    W_BEGIN, W_COMMIT, W_ROLLBACK, W_SAVEPOINT, W_RELEASE, W_ROLLBACK_TO,
    W_INSERT_REQUEST, W_INSERT_EVENT, W_INSERT_ATTACHMENT, W_INSERT_OUTBOX, W_INSERT_MESSAGE,
    W_STATUS, W_SET_STATUS, W_NEXT_N, W_COUNT
};

static const char *const w_sql[W_COUNT] = {
    [W_BEGIN] = "BEGIN IMMEDIATE",
    [W_COMMIT] = "COMMIT",
    [W_ROLLBACK] = "ROLLBACK",
    [W_SAVEPOINT] = "SAVEPOINT write",
    [W_RELEASE] = "RELEASE write",
    [W_ROLLBACK_TO] = "ROLLBACK TO write",
    [W_INSERT_REQUEST] =
        "INSERT INTO requests (form_id, form_version, code, token_hash, commune, service, "
        "status, created_at, updated_at, values_json, email) VALUES (:form, :version, :code, "
        ":hash, :commune, :service, 'deposee', :now, :now, :vals, :email)",
    [W_INSERT_EVENT] =
        "INSERT INTO events (request_id, at, actor_kind, from_status, to_status, message) "
        "VALUES (:req, :at, 'resident', :from, :to, :msg)",
    [W_INSERT_ATTACHMENT] =
        "INSERT INTO attachments (request_id, n, field, original, type, mime, size, sha256, "
        "stored, created_at) VALUES (:req, :n, :field, :orig, :type, :mime, :size, :sha, "
        ":stored, :now)",
    [W_INSERT_OUTBOX] =
        "INSERT INTO outbox (request_id, to_addr, subject, body, created_at, next_attempt_at, "
        "secret) VALUES (:req, :to, :subject, :body, :now, :now, :secret)",
    [W_INSERT_MESSAGE] =
        "INSERT INTO messages (request_id, at, sender, body) VALUES (:req, :at, 'resident', "
        ":body)",
    [W_STATUS] = "SELECT status FROM requests WHERE id = :req",
    [W_SET_STATUS] = "UPDATE requests SET status = :to, updated_at = :now, closed_at = :closed "
                     "WHERE id = :req",
    [W_NEXT_N] = "SELECT coalesce(max(n), 0) + 1 FROM attachments WHERE request_id = :req",
};

enum r_stmt { R_FIND, R_EVENTS, R_MESSAGES, R_ATTACHMENTS, R_ATTACHMENT, R_COUNT };

static const char *const r_sql[R_COUNT] = {
    [R_FIND] = "SELECT id, token_hash, form_id, form_version, status, created_at, updated_at, "
               "coalesce(closed_at, 0), values_json FROM requests WHERE code = :code",
    [R_EVENTS] = "SELECT at, actor_kind, from_status, to_status, message FROM events "
                 "WHERE request_id = :req AND visible = 1 ORDER BY at, id",
    [R_MESSAGES] = "SELECT at, sender, body FROM messages WHERE request_id = :req "
                   "ORDER BY at, id",
    [R_ATTACHMENTS] = "SELECT n, field, original, type, mime, sha256, stored, size, created_at "
                      "FROM attachments WHERE request_id = :req ORDER BY n",
    [R_ATTACHMENT] = "SELECT n, field, original, type, mime, sha256, stored, size, created_at "
                     "FROM attachments WHERE request_id = :req AND n = :n",
};

/* ---- the store ---------------------------------------------------------------------------- */

struct job;
typedef int job_fn(struct forms_store *s, struct job *j, struct gdir_err *err);

/* One queued write, on its caller's stack. */
struct job {
    job_fn *run;                    /* runs inside the group's transaction, in a savepoint */
    const void *arg;
    time_t now;
    long long request_id;
    char code[FORMS_CODE_LEN + 1];  /* W: the code given (submissions) */
    unsigned char token_hash[32];
    const char (*stored)[33];       /* the attachments' file names, n_stored of them */
    const char (*sha)[65];
    size_t n_stored;
    int rc;
    struct gdir_err err;
    int done;
    pthread_cond_t committed;       /* signalled (under the store's mutex) when done is set */
    void (*on_done)(void *cls);     /* or NULL; called then too, still under the mutex */
    void *on_done_cls;
    struct job *next;
};

struct reader {
    struct gdir_db db;
    sqlite3_stmt *st[R_COUNT];
};

struct forms_store {
    char *db_path;
    char *files_dir;
    int dir_fd;
    unsigned char secret[FORMS_SECRET_LEN];
    struct gdir_db w;                     /* the writer's connection */
    sqlite3_stmt *wst[W_COUNT];
    pthread_t writer;
    int writer_started;
    pthread_mutex_t mu;
    pthread_cond_t queued;
    struct job *head, *tail;
    int stopping;
    unsigned long long n_commits, n_writes;
    pthread_key_t key;                    /* thread -> struct reader */
    int key_ok;
    forms_store_filed_fn *on_filed;       /* or NULL (forms_store_on_filed) */
    void *on_filed_cls;
};

static int db_fail(sqlite3 *db, const char *what, struct gdir_err *err)
{
    return gdir_err_set(err, GDIR_EDB, "forms database: %s: %s", what, sqlite3_errmsg(db));
}

/* Binders by parameter name (the statements above name every parameter). */
static void b_text(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void b_int(sqlite3_stmt *st, const char *name, long long v)
{
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, name), v);
}

static void done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Steps a statement without rows (or whose row is not wanted) and resets it. */
static int w_step(struct forms_store *s, enum w_stmt which, const char *what,
                  struct gdir_err *err)
{
    int rc = sqlite3_step(s->wst[which]);
    done(s->wst[which]);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        if (gdir_db_disk_error(&s->w, what, err))
            return err->code;
        return db_fail(s->w.db, what, err);
    }
    return GDIR_OK;
}

/* The CSRF secret: read, or made and stored once. */
static int load_secret(struct forms_store *s, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = GDIR_EDB;

    if (sqlite3_prepare_v2(s->w.db, "SELECT value FROM meta WHERE key = 'csrf_secret'", -1, &st,
                           NULL) != SQLITE_OK)
        return db_fail(s->w.db, "meta", err);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == FORMS_SECRET_LEN) {
        memcpy(s->secret, sqlite3_column_blob(st, 0), FORMS_SECRET_LEN);
        rc = GDIR_OK;
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (gdir_random(s->secret, sizeof s->secret, err))
        return GDIR_EIO;
    if (sqlite3_prepare_v2(s->w.db, "INSERT INTO meta (key, value) VALUES ('csrf_secret', ?)",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(s->w.db, "meta", err);
    sqlite3_bind_blob(st, 1, s->secret, sizeof s->secret, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? GDIR_OK : db_fail(s->w.db, "meta", err);
out:
    sqlite3_finalize(st);
    return rc;
}

/* Version 1 -> 2: the outbox's last error and secret link, the requests' health purge. */
static const char upgrade_v2[] =
    "ALTER TABLE outbox ADD COLUMN last_error TEXT; "
    "ALTER TABLE outbox ADD COLUMN secret TEXT; "
    "ALTER TABLE requests ADD COLUMN health_purged_at INTEGER;";

/* The schema (idempotent), its version checked and upgraded, in one transaction. */
static int create_schema(struct forms_store *s, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int version = -1;
    char sql[64];

    if (sqlite3_prepare_v2(s->w.db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version < 0 || version > FORMS_SCHEMA_VERSION)
        return gdir_err_set(err, GDIR_EDB, "%s: forms database of schema version %d, this "
                            "server knows version %d", s->db_path, version, FORMS_SCHEMA_VERSION);
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d; COMMIT", FORMS_SCHEMA_VERSION);
    if (gdir_db_exec(&s->w, "BEGIN IMMEDIATE", err))
        return GDIR_EDB;
    if ((version == 1 && gdir_db_exec(&s->w, upgrade_v2, err)) ||
        gdir_db_exec(&s->w, forms_schema_sql, err) || gdir_db_exec(&s->w, sql, err)) {
        sqlite3_exec(s->w.db, "ROLLBACK", NULL, NULL, NULL);
        return GDIR_EDB;
    }
    return GDIR_OK;
}

static void *writer_main(void *arg);
static void reader_free(void *p);

/* Opens files_dir (created 0700 when missing) as s->dir_fd. */
static int open_files_dir(struct forms_store *s, struct gdir_err *err)
{
    if (mkdir(s->files_dir, 0700) != 0 && errno != EEXIST)
        return gdir_err_set(err, GDIR_EIO, "%s: cannot create the folder: %s", s->files_dir,
                            strerror(errno));
    s->dir_fd = open(s->files_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->dir_fd < 0)
        return gdir_err_set(err, GDIR_EIO, "%s: %s", s->files_dir, strerror(errno));
    return GDIR_OK;
}

int forms_store_open(struct forms_store **out, const char *db_path, const char *files_dir,
                     struct gdir_err *err)
{
    struct forms_store *s = calloc(1, sizeof *s);
    int rc = GDIR_ENOMEM;

    *out = NULL;
    if (!s)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    s->dir_fd = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->queued, NULL);
    s->db_path = gdir_strdup(db_path);
    s->files_dir = gdir_strdup(files_dir);
    if (!s->db_path || !s->files_dir) {
        gdir_err_set(err, rc, "out of memory");
        goto fail;
    }
    if ((rc = open_files_dir(s, err)) || (rc = gdir_db_open_store(&s->w, db_path, err)) ||
        (rc = create_schema(s, err)) || (rc = load_secret(s, err)) ||
        (rc = gdir_db_prepare_all(&s->w, w_sql, W_COUNT, s->wst, NULL, err)))
        goto fail;
    if (pthread_key_create(&s->key, reader_free)) {
        rc = gdir_err_set(err, GDIR_EINTERNAL, "pthread_key_create failed");
        goto fail;
    }
    s->key_ok = 1;
    if (pthread_create(&s->writer, NULL, writer_main, s)) {
        rc = gdir_err_set(err, GDIR_EINTERNAL, "cannot start the forms writer thread");
        goto fail;
    }
    s->writer_started = 1;
    *out = s;
    return GDIR_OK;
fail:
    forms_store_close(s);
    return rc;
}

void forms_store_close(struct forms_store *s)
{
    if (!s)
        return;
    if (s->writer_started) {
        gdir_thread_stop(s->writer, &s->mu, &s->queued, &s->stopping);
        gdir_log(GDIR_LOG_INFO, "forms", "msg=\"store closed\" writes=%llu commits=%llu",
                 s->n_writes, s->n_commits);
    }
    if (s->key_ok) {
        reader_free(pthread_getspecific(s->key));   /* the calling thread's own reader */
        pthread_setspecific(s->key, NULL);
        pthread_key_delete(s->key);
    }
    gdir_db_finalize_all(s->wst, W_COUNT);
    gdir_db_close(&s->w);
    if (s->dir_fd >= 0)
        close(s->dir_fd);
    pthread_cond_destroy(&s->queued);
    pthread_mutex_destroy(&s->mu);
    free(s->db_path);
    free(s->files_dir);
    free(s);
}

void forms_store_on_filed(struct forms_store *s, forms_store_filed_fn *fn, void *cls)
{
    s->on_filed = fn;
    s->on_filed_cls = cls;
}

const unsigned char *forms_store_secret(const struct forms_store *s)
{
    return s->secret;
}

void forms_store_stats(struct forms_store *s, unsigned long long *commits,
                       unsigned long long *writes)
{
    pthread_mutex_lock(&s->mu);
    *commits = s->n_commits;
    *writes = s->n_writes;
    pthread_mutex_unlock(&s->mu);
}

/* ---- the writer: group commit ------------------------------------------------------------ */

/* Runs one write in a savepoint: a failure rolls back that write only. */
static void run_job(struct forms_store *s, struct job *j)
{
    gdir_err_clear(&j->err);
    j->rc = w_step(s, W_SAVEPOINT, "savepoint", &j->err);
    if (j->rc)
        return;
    j->rc = j->run(s, j, &j->err);
    if (j->rc) {
        struct gdir_err ignored;
        w_step(s, W_ROLLBACK_TO, "rollback to savepoint", &ignored);
    }
    struct gdir_err rel;
    gdir_err_clear(&rel);
    int rrc = w_step(s, W_RELEASE, "release savepoint", &rel);
    if (rrc && !j->rc) {
        j->rc = rrc;
        j->err = rel;
    }
}

/* One transaction for the whole batch; returns the number of writes that succeeded. */
static size_t commit_batch(struct forms_store *s, struct job *batch)
{
    struct gdir_err err;
    size_t ok = 0;
    int rc;

    gdir_err_clear(&err);
    rc = w_step(s, W_BEGIN, "begin", &err);
    for (struct job *j = batch; j; j = j->next) {
        if (rc) {
            j->rc = rc;
            j->err = err;
            continue;
        }
        run_job(s, j);
    }
    if (rc)
        return 0;
    rc = w_step(s, W_COMMIT, "commit", &err);
    if (rc) {
        struct gdir_err ignored;
        gdir_log(GDIR_LOG_ERROR, "forms", "msg=\"commit failed\" code=%s", gdir_err_name(rc));
        w_step(s, W_ROLLBACK, "rollback", &ignored);
    }
    for (struct job *j = batch; j; j = j->next) {
        if (rc && !j->rc) {
            j->rc = rc;
            j->err = err;
        }
        ok += !j->rc;
    }
    return ok;
}

static void *writer_main(void *arg)
{
    struct forms_store *s = arg;

    pthread_mutex_lock(&s->mu);
    for (;;) {
        struct job *batch;
        size_t ok;
        while (!s->head && !s->stopping)
            pthread_cond_wait(&s->queued, &s->mu);
        if (!s->head)
            break;
        batch = s->head;
        s->head = s->tail = NULL;
        pthread_mutex_unlock(&s->mu);
        ok = commit_batch(s, batch);
        pthread_mutex_lock(&s->mu);
        s->n_commits++;
        s->n_writes += ok;
        /* Each waiter is woken alone: a broadcast woke every worker waiting, most of them
         * for a later batch (bench/RESULTS.md, third run). */
        for (struct job *j = batch, *next; j; j = next) {
            next = j->next;
            j->done = 1;   /* j may vanish as soon as the lock is released */
            pthread_cond_signal(&j->committed);
            if (j->on_done)
                j->on_done(j->on_done_cls);
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (s->on_filed)
        s->on_filed(s->on_filed_cls, NULL, 0, NULL);   /* before the connection closes */
    return NULL;
}

/* Queues j for the writer (its condition initialised: wait_done, then destroy it). */
static int enqueue(struct forms_store *s, struct job *j, struct gdir_err *err)
{
    j->done = 0;
    j->next = NULL;
    pthread_mutex_lock(&s->mu);
    if (s->stopping) {
        pthread_mutex_unlock(&s->mu);
        return gdir_err_set(err, GDIR_EUNAVAIL, "the server is stopping");
    }
    pthread_cond_init(&j->committed, NULL);
    if (s->tail)
        s->tail->next = j;
    else
        s->head = j;
    s->tail = j;
    pthread_cond_signal(&s->queued);
    pthread_mutex_unlock(&s->mu);
    return GDIR_OK;
}

/* Waits until the transaction of j (queued) is over, and destroys its condition. */
static void wait_done(struct forms_store *s, struct job *j)
{
    pthread_mutex_lock(&s->mu);
    while (!j->done)
        pthread_cond_wait(&j->committed, &s->mu);
    pthread_mutex_unlock(&s->mu);
    pthread_cond_destroy(&j->committed);
}

/* Queues j and waits until its transaction is over; returns j->rc, err filled on failure. */
static int write_and_wait(struct forms_store *s, struct job *j, struct gdir_err *err)
{
    int rc = enqueue(s, j, err);
    if (rc)
        return rc;
    wait_done(s, j);
    if (j->rc && err)
        *err = j->err;
    return j->rc;
}

/* ---- attachment files --------------------------------------------------------------------- */

/* Attachment files are written with O_DIRECT: a 5 MB upload is then read once by the disk
 * from a small aligned buffer, instead of being copied into as many fresh page-cache pages
 * (bench/RESULTS.md, third run: that copy was most of the time of an upload). The bytes go
 * through the buffer by pieces of DIRECT_CHUNK, hashed on the way; the last piece is padded
 * with zeros to DIRECT_ALIGN and the file cut back to its size by ftruncate. fsync stays
 * (the size, the extents and the disk's write cache). A file system refusing O_DIRECT gets
 * ordinary writes. */
#define DIRECT_ALIGN 4096u
#define DIRECT_CHUNK (1u << 20)

/* One piece of len bytes (buf has room for it padded to DIRECT_ALIGN) at the end of fd. On
 * EINVAL (alignment not accepted) fd drops O_DIRECT and the piece is written unpadded. */
static int write_piece(int fd, int *direct, unsigned char *buf, size_t len)
{
    size_t padded = (len + DIRECT_ALIGN - 1) / DIRECT_ALIGN * DIRECT_ALIGN;

    if (*direct) {
        memset(buf + len, 0, padded - len);
        if (gdir_write_all(fd, buf, padded) == 0)
            return 0;
        if (errno != EINVAL)
            return -1;
        *direct = 0;
        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_DIRECT) != 0)
            return -1;
    }
    return gdir_write_all(fd, buf, len);
}

/* Writes f into fd (opened with O_DIRECT when *direct) and hashes it into dig. Returns 0, or
 * -1 with errno set (a hashing failure: EPROTO). */
static int write_hashed(int fd, int direct, const struct forms_store_file *f,
                        unsigned char dig[32])
{
    struct gdir_sha256 h;
    unsigned char *buf = NULL;
    off_t end = 0;
    int rc = -1, padded = 0;

    if (posix_memalign((void **)&buf, DIRECT_ALIGN, DIRECT_CHUNK) != 0) {
        errno = ENOMEM;
        return -1;
    }
    if (gdir_sha256_init(&h)) {
        errno = EPROTO;
        goto out;
    }
    for (size_t off = 0; off < f->len; off += DIRECT_CHUNK) {
        size_t n = f->len - off < DIRECT_CHUNK ? f->len - off : DIRECT_CHUNK;
        memcpy(buf, f->data + off, n);
        if (gdir_sha256_update(&h, buf, n)) {
            errno = EPROTO;
            goto out;
        }
        if (write_piece(fd, &direct, buf, n))
            goto out;
        padded = direct && n % DIRECT_ALIGN;
        end += (off_t)n;
    }
    if (padded && ftruncate(fd, end) != 0)
        goto out;
    if (gdir_sha256_final(&h, dig)) {
        errno = EPROTO;
        goto out;
    }
    rc = 0;
out:
    gdir_sha256_free(&h);
    free(buf);
    return rc;
}

/* Writes data into a new file of random name in files_dir and fsyncs it; stored receives the
 * name (32 hex digits), sha its SHA-256 (of the bytes written). */
static int write_file(struct forms_store *s, const struct forms_store_file *f, char stored[33],
                      char sha[65], struct gdir_err *err)
{
    unsigned char rnd[16], dig[32];
    int fd, direct = 1, rc = GDIR_OK;

    if (gdir_random(rnd, sizeof rnd, err))
        return GDIR_EIO;
    for (int i = 0; i < 16; i++)
        snprintf(stored + 2 * i, 3, "%02x", rnd[i]);
    fd = openat(s->dir_fd, stored, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_DIRECT, 0600);
    if (fd < 0 && errno == EINVAL) {
        direct = 0;
        fd = openat(s->dir_fd, stored, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    }
    if (fd < 0)
        return gdir_err_set(err, errno == ENOSPC ? GDIR_ENOSPC : GDIR_EIO, "%s: %s",
                            s->files_dir, strerror(errno));
    if (write_hashed(fd, direct, f, dig))
        rc = errno == EPROTO ? gdir_err_set(err, GDIR_EINTERNAL, "sha256 failed")
                             : gdir_err_set(err, errno == ENOSPC ? GDIR_ENOSPC : GDIR_EIO,
                                            "%s: write: %s", s->files_dir, strerror(errno));
    else
        gdir_sha256_hex(dig, sha);
    if (!rc && fsync(fd) != 0)
        rc = gdir_err_set(err, GDIR_EIO, "%s: fsync: %s", s->files_dir, strerror(errno));
    close(fd);
    if (rc)
        unlinkat(s->dir_fd, stored, 0);
    return rc;
}

static void remove_files(struct forms_store *s, const char (*stored)[33], size_t n)
{
    for (size_t i = 0; i < n; i++)
        unlinkat(s->dir_fd, stored[i], 0);
}

/* Writes every file, then fsyncs the folder (their names are durable before any row names
 * them). On failure nothing is left. stored and sha hold n entries. */
static int write_files(struct forms_store *s, const struct forms_store_file *files, size_t n,
                       char (*stored)[33], char (*sha)[65], struct gdir_err *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = write_file(s, &files[i], stored[i], sha[i], err);
        if (rc) {
            remove_files(s, (const char (*)[33])stored, i);
            return rc;
        }
    }
    if (n && fsync(s->dir_fd) != 0) {
        remove_files(s, (const char (*)[33])stored, n);
        return gdir_err_set(err, GDIR_EIO, "%s: fsync: %s", s->files_dir, strerror(errno));
    }
    return GDIR_OK;
}

/* ---- the writes --------------------------------------------------------------------------- */

/* A tracking code: 8 letters A-Z, uniform (bytes of 234 and more are drawn again). */
static int draw_code(char code[FORMS_CODE_LEN + 1], struct gdir_err *err)
{
    size_t n = 0;
    while (n < FORMS_CODE_LEN) {
        unsigned char b[16];
        if (gdir_random(b, sizeof b, err))
            return GDIR_EIO;
        for (size_t i = 0; i < sizeof b && n < FORMS_CODE_LEN; i++)
            if (b[i] < 234)
                code[n++] = (char)('A' + b[i] % 26);
    }
    code[n] = '\0';
    return GDIR_OK;
}

int forms_code_token_wellformed(const char *code, const char *token)
{
    return strlen(code) == FORMS_CODE_LEN &&
           strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == FORMS_CODE_LEN &&
           gdir_b64url_valid(token, FORMS_TOKEN_LEN);
}

static int insert_event(struct forms_store *s, long long req, time_t at, const char *from,
                        const char *to, const char *msg, struct gdir_err *err)
{
    sqlite3_stmt *st = s->wst[W_INSERT_EVENT];
    b_int(st, ":req", req);
    b_int(st, ":at", (long long)at);
    b_text(st, ":from", from);
    b_text(st, ":to", to);
    b_text(st, ":msg", msg);
    return w_step(s, W_INSERT_EVENT, "insert event", err);
}

/* The rows of files (already written as j->stored), numbered from first_n. */
static int insert_attachments(struct forms_store *s, struct job *j,
                              const struct forms_store_file *files, size_t n, int first_n,
                              struct gdir_err *err)
{
    sqlite3_stmt *st = s->wst[W_INSERT_ATTACHMENT];
    for (size_t i = 0; i < n; i++) {
        int rc;
        b_int(st, ":req", j->request_id);
        b_int(st, ":n", first_n + (long long)i);
        b_text(st, ":field", files[i].field);
        b_text(st, ":orig", files[i].original ? files[i].original : "");
        b_text(st, ":type", files[i].type);
        b_text(st, ":mime", files[i].mime);
        b_int(st, ":size", (long long)files[i].len);
        b_text(st, ":sha", j->sha[i]);
        b_text(st, ":stored", j->stored[i]);
        b_int(st, ":now", (long long)j->now);
        if ((rc = w_step(s, W_INSERT_ATTACHMENT, "insert attachment", err)))
            return rc;
    }
    return GDIR_OK;
}

/* The receipt e-mail, queued in the outbox (sent by geoapi's sender, docs/backoffice.md §6):
 * the form's "deposee" template; the follow link is kept in the row's secret column too, so
 * that the sender blanks it from the body once sent. */
static int queue_receipt(struct forms_store *s, struct job *j, const struct forms_new_request *r,
                         const char *token, struct gdir_err *err)
{
    sqlite3_stmt *st = s->wst[W_INSERT_OUTBOX];
    char link[700], *subject = NULL, *body = NULL;
    int rc;

    snprintf(link, sizeof link, "%s%s/%s", r->link_prefix ? r->link_prefix : "", j->code, token);
    struct forms_notify_vars v = { .code = j->code, .titre = r->title, .lien = link,
                                   .recepisse = r->receipt_text };
    if ((rc = forms_notify_render(r->form, "deposee", &v, &subject, &body, err)))
        return rc;
    b_int(st, ":req", j->request_id);
    b_text(st, ":to", r->email);
    b_text(st, ":subject", subject);
    b_text(st, ":body", body);
    b_int(st, ":now", (long long)j->now);
    b_text(st, ":secret", link);
    rc = w_step(s, W_INSERT_OUTBOX, "queue the receipt", err);
    free(subject);
    free(body);
    return rc;
}

/* The arguments of a submission's job. */
struct submit_arg {
    const struct forms_new_request *r;
    const char *token;
};

/* Inserts the request under a fresh code (drawn again on a collision). */
static int insert_request(struct forms_store *s, struct job *j, const struct forms_new_request *r,
                          struct gdir_err *err)
{
    sqlite3_stmt *st = s->wst[W_INSERT_REQUEST];
    for (int attempt = 0; attempt < CODE_ATTEMPTS; attempt++) {
        int rc;
        if (draw_code(j->code, err))
            return GDIR_EIO;
        b_text(st, ":form", r->form_id);
        b_int(st, ":version", r->form_version);
        b_text(st, ":code", j->code);
        sqlite3_bind_blob(st, sqlite3_bind_parameter_index(st, ":hash"), j->token_hash, 32,
                          SQLITE_TRANSIENT);
        b_text(st, ":commune", r->commune && r->commune[0] ? r->commune : NULL);
        b_text(st, ":service", r->service);
        b_int(st, ":now", (long long)j->now);
        b_text(st, ":vals", r->values_json);
        b_text(st, ":email", r->email);
        rc = sqlite3_step(st);
        done(st);
        if (rc == SQLITE_DONE) {
            j->request_id = sqlite3_last_insert_rowid(s->w.db);
            return GDIR_OK;
        }
        if (sqlite3_extended_errcode(s->w.db) != SQLITE_CONSTRAINT_UNIQUE)
            return db_fail(s->w.db, "insert request", err);
    }
    return gdir_err_set(err, GDIR_EINTERNAL, "no free tracking code after %d draws",
                        CODE_ATTEMPTS);
}

static int submit_run(struct forms_store *s, struct job *j, struct gdir_err *err)
{
    const struct submit_arg *a = j->arg;
    int rc;

    if ((rc = insert_request(s, j, a->r, err)) ||
        (rc = insert_event(s, j->request_id, j->now, NULL, "deposee", NULL, err)) ||
        (rc = insert_attachments(s, j, a->r->files, a->r->n_files, 1, err)))
        return rc;
    if (a->r->email && a->r->email[0] && (rc = queue_receipt(s, j, a->r, a->token, err)))
        return rc;
    return s->on_filed ? s->on_filed(s->on_filed_cls, s->w.db, j->request_id, err) : GDIR_OK;
}

/* Hashes a token's text (what is stored and compared). */
static int token_hash(const char *token, unsigned char out[32])
{
    struct gdir_sha256 h;
    if (gdir_sha256_init(&h) || gdir_sha256_update(&h, token, strlen(token)) ||
        gdir_sha256_final(&h, out)) {
        gdir_sha256_free(&h);
        return GDIR_EINTERNAL;
    }
    return GDIR_OK;
}

/* The n files written (write_files) into *stored and *sha, both allocated (NULL for none). */
static int files_begin(struct forms_store *s, const struct forms_store_file *files, size_t n,
                       char (**stored)[33], char (**sha)[65], struct gdir_err *err)
{
    *stored = NULL;
    *sha = NULL;
    if (!n)
        return GDIR_OK;
    *stored = calloc(n, sizeof **stored);
    *sha = calloc(n, sizeof **sha);
    if (!*stored || !*sha)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    return write_files(s, files, n, *stored, *sha, err);
}

/* Writes the files of a job, runs it, and removes the files when it failed. */
static int files_and_write(struct forms_store *s, struct job *j,
                           const struct forms_store_file *files, size_t n, struct gdir_err *err)
{
    char(*stored)[33] = NULL;
    char(*sha)[65] = NULL;
    int rc = files_begin(s, files, n, &stored, &sha, err);

    if (rc)
        goto out;
    j->stored = (const char(*)[33])stored;
    j->sha = (const char(*)[65])sha;
    j->n_stored = n;
    rc = write_and_wait(s, j, err);
    if (rc)
        remove_files(s, (const char(*)[33])stored, n);
out:
    free(stored);
    free(sha);
    return rc;
}

/* A submission queued (forms_store_submit_begin), until forms_store_submit_end. */
struct forms_submit_op {
    struct forms_store *s;
    struct job j;
    struct submit_arg a;
    char token[FORMS_TOKEN_LEN + 1];
    char (*stored)[33];
    char (*sha)[65];
};

static void op_free(struct forms_submit_op *op)
{
    free(op->stored);
    free(op->sha);
    memset(op->token, 0, sizeof op->token);
    free(op);
}

int forms_store_submit_begin(struct forms_store *s, const struct forms_new_request *r,
                             time_t now, void (*on_done)(void *cls), void *cls,
                             struct forms_submit_op **out, struct gdir_err *err)
{
    struct forms_submit_op *op = calloc(1, sizeof *op);
    unsigned char raw[16];
    int rc = GDIR_EIO;

    *out = NULL;
    if (!op)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    op->s = s;
    if (gdir_random(raw, sizeof raw, err))
        goto out;
    gdir_b64url(raw, sizeof raw, op->token);
    if ((rc = files_begin(s, r->files, r->n_files, &op->stored, &op->sha, err)))
        goto out;
    op->a = (struct submit_arg){r, op->token};
    op->j = (struct job){.run = submit_run, .arg = &op->a, .now = now,
                         .stored = (const char(*)[33])op->stored,
                         .sha = (const char(*)[65])op->sha, .n_stored = r->n_files,
                         .on_done = on_done, .on_done_cls = cls};
    if (token_hash(op->token, op->j.token_hash))
        rc = gdir_err_set(err, GDIR_EINTERNAL, "sha256 failed");
    else
        rc = enqueue(s, &op->j, err);
    if (rc)
        remove_files(s, (const char(*)[33])op->stored, r->n_files);
out:
    if (rc)
        op_free(op);
    else
        *out = op;
    return rc;
}

int forms_store_submit_end(struct forms_submit_op *op, char code[FORMS_CODE_LEN + 1],
                           char token[FORMS_TOKEN_LEN + 1], long long *id, struct gdir_err *err)
{
    int rc;

    wait_done(op->s, &op->j);
    rc = op->j.rc;
    if (rc) {
        if (err)
            *err = op->j.err;
        remove_files(op->s, (const char(*)[33])op->stored, op->j.n_stored);
    } else {
        memcpy(code, op->j.code, FORMS_CODE_LEN + 1);
        memcpy(token, op->token, FORMS_TOKEN_LEN + 1);
        if (id)
            *id = op->j.request_id;
    }
    op_free(op);
    return rc;
}

/* The status of j's request into out. */
static int read_status(struct forms_store *s, struct job *j, char *out, size_t cap,
                       struct gdir_err *err)
{
    sqlite3_stmt *st = s->wst[W_STATUS];
    int rc;
    b_int(st, ":req", j->request_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
    done(st);
    if (rc == SQLITE_DONE)
        return gdir_err_set(err, GDIR_ENOTFOUND, "no such request");
    if (rc != SQLITE_ROW)
        return db_fail(s->w.db, "read status", err);
    return GDIR_OK;
}

static int set_status(struct forms_store *s, struct job *j, const char *to, int closes,
                      struct gdir_err *err)
{
    sqlite3_stmt *st = s->wst[W_SET_STATUS];
    b_text(st, ":to", to);
    b_int(st, ":now", (long long)j->now);
    if (closes)
        b_int(st, ":closed", (long long)j->now);
    else
        b_text(st, ":closed", NULL);
    b_int(st, ":req", j->request_id);
    return w_step(s, W_SET_STATUS, "update status", err);
}

static int withdraw_run(struct forms_store *s, struct job *j, struct gdir_err *err)
{
    char status[48];
    int rc = read_status(s, j, status, sizeof status, err);
    if (rc)
        return rc;
    if (strcmp(status, "deposee") != 0)
        return gdir_err_set(err, GDIR_ECONFLICT, "La demande ne peut plus être retirée : elle "
                            "est en cours de traitement ou close.");
    if ((rc = set_status(s, j, "retiree", 1, err)))
        return rc;
    return insert_event(s, j->request_id, j->now, "deposee", "retiree",
                        "Demande retirée par le demandeur.", err);
}

int forms_store_withdraw(struct forms_store *s, long long request_id, time_t now,
                         struct gdir_err *err)
{
    struct job j;
    memset(&j, 0, sizeof j);
    j.run = withdraw_run;
    j.now = now;
    j.request_id = request_id;
    return write_and_wait(s, &j, err);
}

struct complement_arg {
    const struct forms_store_file *files;
    size_t n;
    const char *message;
};

static int complement_run(struct forms_store *s, struct job *j, struct gdir_err *err)
{
    const struct complement_arg *a = j->arg;
    sqlite3_stmt *st;
    char status[48];
    int rc = read_status(s, j, status, sizeof status, err), first_n = 1;

    if (rc)
        return rc;
    if (strcmp(status, "complement_demande") != 0)
        return gdir_err_set(err, GDIR_ECONFLICT, "Aucun document n'est demandé pour cette "
                            "demande.");
    st = s->wst[W_NEXT_N];
    b_int(st, ":req", j->request_id);
    if (sqlite3_step(st) == SQLITE_ROW)
        first_n = sqlite3_column_int(st, 0);
    done(st);
    if ((rc = insert_attachments(s, j, a->files, a->n, first_n, err)))
        return rc;
    if (a->message && a->message[0]) {
        st = s->wst[W_INSERT_MESSAGE];
        b_int(st, ":req", j->request_id);
        b_int(st, ":at", (long long)j->now);
        b_text(st, ":body", a->message);
        if ((rc = w_step(s, W_INSERT_MESSAGE, "insert message", err)))
            return rc;
    }
    if ((rc = set_status(s, j, "complement_recu", 0, err)))
        return rc;
    return insert_event(s, j->request_id, j->now, "complement_demande", "complement_recu",
                        "Pièces complémentaires envoyées.", err);
}

int forms_store_complement(struct forms_store *s, long long request_id,
                           const struct forms_store_file *files, size_t n_files,
                           const char *message, time_t now, struct gdir_err *err)
{
    struct complement_arg a = {files, n_files, message};
    struct job j;
    memset(&j, 0, sizeof j);
    j.run = complement_run;
    j.arg = &a;
    j.now = now;
    j.request_id = request_id;
    return files_and_write(s, &j, files, n_files, err);
}

/* ---- readers ------------------------------------------------------------------------------ */

static void reader_free(void *p)
{
    struct reader *r = p;
    if (!r)
        return;
    gdir_db_finalize_all(r->st, R_COUNT);
    gdir_db_close(&r->db);
    free(r);
}

/* The calling thread's reader, opened on first use. */
static int reader_get(struct forms_store *s, struct reader **out, struct gdir_err *err)
{
    struct reader *r = pthread_getspecific(s->key);
    if (r) {
        *out = r;
        return GDIR_OK;
    }
    r = calloc(1, sizeof *r);
    if (!r)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (gdir_db_open_store(&r->db, s->db_path, err) ||
        gdir_db_exec(&r->db, "PRAGMA query_only = 1", err) ||
        gdir_db_prepare_all(&r->db, r_sql, R_COUNT, r->st, NULL, err) || pthread_setspecific(s->key, r)) {
        reader_free(r);
        return err->code ? err->code : gdir_err_set(err, GDIR_EINTERNAL, "reader");
    }
    *out = r;
    return GDIR_OK;
}

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

static void copy_col(char *out, size_t cap, sqlite3_stmt *st, int i)
{
    snprintf(out, cap, "%s", col(st, i) ? col(st, i) : "");
}

int forms_store_find(struct forms_store *s, const char *code, const char *token,
                     struct forms_request_info *out, struct gdir_err *err)
{
    struct reader *r;
    sqlite3_stmt *st;
    unsigned char want[32];
    int rc, found = 0;

    memset(out, 0, sizeof *out);
    if (!forms_code_token_wellformed(code, token))
        return gdir_err_set(err, GDIR_ENOTFOUND, "no such request");
    if ((rc = reader_get(s, &r, err)))
        return rc;
    if (token_hash(token, want))
        return gdir_err_set(err, GDIR_EINTERNAL, "sha256 failed");
    st = r->st[R_FIND];
    b_text(st, ":code", code);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == 32 &&
        gdir_ct_equal(sqlite3_column_blob(st, 1), want, 32)) {
        found = 1;
        out->id = sqlite3_column_int64(st, 0);
        snprintf(out->code, sizeof out->code, "%s", code);
        copy_col(out->form_id, sizeof out->form_id, st, 2);
        out->form_version = sqlite3_column_int(st, 3);
        copy_col(out->status, sizeof out->status, st, 4);
        out->created_at = sqlite3_column_int64(st, 5);
        out->updated_at = sqlite3_column_int64(st, 6);
        out->closed_at = sqlite3_column_int64(st, 7);
        out->values_json = gdir_strdup(col(st, 8) ? col(st, 8) : "{}");
    }
    done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_fail(r->db.db, "find request", err);
    if (!found)
        return gdir_err_set(err, GDIR_ENOTFOUND, "no such request");
    if (!out->values_json)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    return GDIR_OK;
}

void forms_request_info_free(struct forms_request_info *r)
{
    if (!r)
        return;
    free(r->values_json);
    r->values_json = NULL;
}

/* The caller's callback of a row reader (one of them is set). */
struct row_cb {
    forms_event_fn *event;
    forms_message_fn *message;
    forms_attachment_fn *attachment;
    void *cls;
};
typedef int row_fn(sqlite3_stmt *st, const struct row_cb *cb);

/* Steps a reader statement bound to one request (and attachment n when n > 0), calling row
 * for each row. */
static int each_row(struct forms_store *s, enum r_stmt which, long long req, int n, row_fn *row,
                    const struct row_cb *cb, struct gdir_err *err)
{
    struct reader *r;
    sqlite3_stmt *st;
    int rc, step;

    if ((rc = reader_get(s, &r, err)))
        return rc;
    st = r->st[which];
    b_int(st, ":req", req);
    if (n)
        b_int(st, ":n", n);
    rc = GDIR_OK;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && !rc)
        rc = row(st, cb);
    if (!rc && step != SQLITE_DONE && step != SQLITE_ROW)
        rc = db_fail(r->db.db, "read", err);
    done(st);
    return rc;
}

static int event_row(sqlite3_stmt *st, const struct row_cb *cb)
{
    struct forms_event_row e = {sqlite3_column_int64(st, 0), col(st, 1), col(st, 2), col(st, 3),
                                col(st, 4)};
    return cb->event(cb->cls, &e);
}

static int message_row(sqlite3_stmt *st, const struct row_cb *cb)
{
    struct forms_message_row m = {sqlite3_column_int64(st, 0), col(st, 1), col(st, 2)};
    return cb->message(cb->cls, &m);
}

static int attachment_row(sqlite3_stmt *st, const struct row_cb *cb)
{
    struct forms_attachment_row a = {sqlite3_column_int(st, 0), col(st, 1), col(st, 2),
                                     col(st, 3), col(st, 4), col(st, 5), col(st, 6),
                                     sqlite3_column_int64(st, 7), sqlite3_column_int64(st, 8)};
    return cb->attachment(cb->cls, &a);
}

int forms_store_events(struct forms_store *s, long long request_id, forms_event_fn *fn,
                       void *cls, struct gdir_err *err)
{
    struct row_cb cb = {.event = fn, .cls = cls};
    return each_row(s, R_EVENTS, request_id, 0, event_row, &cb, err);
}

int forms_store_messages(struct forms_store *s, long long request_id, forms_message_fn *fn,
                         void *cls, struct gdir_err *err)
{
    struct row_cb cb = {.message = fn, .cls = cls};
    return each_row(s, R_MESSAGES, request_id, 0, message_row, &cb, err);
}

int forms_store_attachments(struct forms_store *s, long long request_id, forms_attachment_fn *fn,
                            void *cls, struct gdir_err *err)
{
    struct row_cb cb = {.attachment = fn, .cls = cls};
    return each_row(s, R_ATTACHMENTS, request_id, 0, attachment_row, &cb, err);
}

/* What forms_store_open_attachment keeps of the row. */
struct found_file {
    char stored[40], mime[32], type[8];
    int found;
};

static int found_row(void *cls, const struct forms_attachment_row *a)
{
    struct found_file *f = cls;
    snprintf(f->stored, sizeof f->stored, "%s", a->stored);
    snprintf(f->mime, sizeof f->mime, "%s", a->mime);
    snprintf(f->type, sizeof f->type, "%s", a->type);
    f->found = 1;
    return 0;
}

int forms_store_open_attachment(struct forms_store *s, long long request_id, int n, int *fd,
                                long long *size, char mime[32], char type[8],
                                struct gdir_err *err)
{
    struct found_file f = {0};
    struct stat st;
    struct row_cb cb = {.attachment = found_row, .cls = &f};
    int rc = each_row(s, R_ATTACHMENT, request_id, n, attachment_row, &cb, err);

    *fd = -1;
    if (rc)
        return rc;
    if (!f.found || strspn(f.stored, "0123456789abcdef") != strlen(f.stored))
        return gdir_err_set(err, GDIR_ENOTFOUND, "no such attachment");
    *fd = openat(s->dir_fd, f.stored, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (*fd < 0 || fstat(*fd, &st) != 0) {
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
        return gdir_err_set(err, GDIR_EIO, "attachment file missing: %s", strerror(errno));
    }
    *size = (long long)st.st_size;
    memcpy(mime, f.mime, 32);
    memcpy(type, f.type, 8);
    return GDIR_OK;
}
