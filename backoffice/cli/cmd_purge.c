/*
 * cmd_purge.c — geodir-admin purge, register and requester (docs/backoffice.md §8): the
 * retention purge for a systemd timer (counts only on the output), the register of processing
 * in Markdown, and a requester's export (JSON on stdout) and erasure. See cmd_purge.h.
 */
#include "cmd_purge.h"

#include "bo_mail.h"
#include "bo_purge.h"
#include "forms_store.h"
#include "gdir_forms.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_COMMUNES 2000

struct rgpd_opts {
    const char *forms_db, *forms_dir, *files_dir, *directory, *email, *action;
    int dry_run;
};

int admin_rgpd_command(const char *name)
{
    return strcmp(name, "purge") == 0 || strcmp(name, "register") == 0 ||
           strcmp(name, "requester") == 0;
}

static int failed(const struct gdir_err *err)
{
    fprintf(stderr, "geodir-admin: %s\n", err->msg[0] ? err->msg : gdir_err_text(err->code));
    return 1;
}

static int usage_error(const char *what)
{
    fprintf(stderr, "geodir-admin: %s (geodir-admin --help)\n", what);
    return 2;
}

/* Options after the command (argv[0]); positional arguments go to action then email. */
static int parse(int argc, char **argv, struct rgpd_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--dry-run") == 0) {
            o->dry_run = 1;
            continue;
        }
        const char **dst = strcmp(a, "--forms-dir") == 0 ? &o->forms_dir
                           : strcmp(a, "--files-dir") == 0 ? &o->files_dir
                           : strcmp(a, "--db") == 0 ? &o->directory : NULL;
        if (dst && v) {
            *dst = v;
            i++;
        } else if (a[0] != '-' && !o->action && strcmp(argv[0], "requester") == 0) {
            o->action = a;
        } else if (a[0] != '-' && !o->email && o->action) {
            o->email = a;
        } else {
            fprintf(stderr, "geodir-admin: %s: unexpected \"%s\"\n", argv[0], a);
            return -1;
        }
    }
    return 0;
}

/* The member communes of the directory database (for definitions that list communes). */
static int communes(const char *directory, char **codes, size_t *n, struct gdir_err *err)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = GDIR_OK;

    *n = 0;
    if (!directory || !*directory)
        return GDIR_OK;
    if (sqlite3_open_v2(directory, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT insee FROM communes ORDER BY insee", -1, &st, NULL))
        rc = gdir_err_set(err, GDIR_EDB, "%s: %s", directory, sqlite3_errmsg(db));
    while (!rc && sqlite3_step(st) == SQLITE_ROW && *n < MAX_COMMUNES)
        if (!(codes[(*n)++] = strdup((const char *)sqlite3_column_text(st, 0))))
            rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

static int load_forms(const struct rgpd_opts *o, struct forms_set **set, struct gdir_err *err)
{
    static char *codes[MAX_COMMUNES];
    size_t n = 0;
    int rc;

    if (!o->forms_dir || !*o->forms_dir)
        return gdir_err_set(err, GDIR_EINVAL, "--forms-dir DIR or GEODIR_FORMS_DIR is missing");
    rc = communes(o->directory, codes, &n, err);
    if (!rc)
        rc = forms_load_dir(set, o->forms_dir, (const char *const *)codes, n, err);
    for (size_t i = 0; i < n; i++)
        free(codes[i]);
    return rc;
}

/* The forms database at the current schema (the store upgrades it), then a connection. */
static int open_db(const struct rgpd_opts *o, sqlite3 **db, struct gdir_err *err)
{
    struct forms_store *s = NULL;
    int rc;

    if (!o->forms_db || !*o->forms_db)
        return gdir_err_set(err, GDIR_EINVAL, "--forms-db PATH or GEODIR_FORMS_DB is missing");
    if (!o->files_dir || !*o->files_dir)
        return gdir_err_set(err, GDIR_EINVAL, "--files-dir DIR or GEODIR_FORMS_FILES_DIR is "
                            "missing");
    if ((rc = forms_store_open(&s, o->forms_db, o->files_dir, err)))
        return rc;
    forms_store_close(s);
    if (sqlite3_open_v2(o->forms_db, db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        return gdir_err_set(err, GDIR_EDB, "%s: %s", o->forms_db, sqlite3_errmsg(*db));
    sqlite3_busy_timeout(*db, 10000);
    sqlite3_exec(*db, "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL", NULL, NULL, NULL);
    return GDIR_OK;
}

static int run_purge(const struct rgpd_opts *o, struct gdir_err *err)
{
    struct forms_set *set = NULL;
    struct bo_purge_counts c;
    sqlite3 *db = NULL;
    int rc;

    if (!(rc = load_forms(o, &set, err)) && !(rc = open_db(o, &db, err)) &&
        !(rc = bo_purge_run(db, set, o->files_dir, time(NULL), o->dry_run, &c, err)))
        printf("%s: %lld demandes supprimées, %lld fichiers, %lld dossiers dont les données de "
               "santé sont effacées / requests, files, health\n",
               o->dry_run ? "purge (essai, rien n'est modifié)" : "purge", c.requests, c.files,
               c.health);
    sqlite3_close(db);
    forms_set_free(set);
    return rc;
}

static int run_register(const struct rgpd_opts *o, struct gdir_err *err)
{
    struct forms_set *set = NULL;
    struct gdir_buf b;
    int rc;

    gdir_buf_init(&b, 0);
    if (!(rc = load_forms(o, &set, err)) && !(rc = bo_register_markdown(set, &b, err)))
        fputs(gdir_buf_str(&b), stdout);
    gdir_buf_free(&b);
    forms_set_free(set);
    return rc;
}

static int run_requester(const struct rgpd_opts *o, struct gdir_err *err)
{
    sqlite3 *db = NULL;
    struct gdir_buf b;
    long long nr = 0, nf = 0;
    int rc;

    if (!o->action || !o->email ||
        (strcmp(o->action, "export") != 0 && strcmp(o->action, "erase") != 0))
    {
        usage_error("requester export|erase EMAIL");
        return GDIR_EINVAL;   /* err left empty: exit status 2 */
    }
    if (!bo_mail_addr_ok(o->email))
        return gdir_err_set(err, GDIR_EINVAL, "\"%.80s\" is not an e-mail address", o->email);
    gdir_buf_init(&b, 0);
    if ((rc = open_db(o, &db, err)))
        goto out;
    if (strcmp(o->action, "export") == 0) {
        if (!(rc = bo_requester_export(db, o->email, &b, err)))
            printf("%s\n", gdir_buf_str(&b));
    } else if (!(rc = bo_requester_erase(db, o->files_dir, o->email, &nr, &nf, err))) {
        printf("effacement : %lld demandes, %lld fichiers / erased: requests, files\n", nr, nf);
    }
out:
    gdir_buf_free(&b);
    sqlite3_close(db);
    return rc;
}

int admin_rgpd_main(const char *forms_db, int argc, char **argv)
{
    struct rgpd_opts o = { .forms_db = forms_db, .forms_dir = getenv("GEODIR_FORMS_DIR"),
                           .files_dir = getenv("GEODIR_FORMS_FILES_DIR"),
                           .directory = getenv("GEODIR_DB") };
    struct gdir_err err;
    int rc;

    gdir_err_clear(&err);
    if (parse(argc, argv, &o))
        return 2;
    if (strcmp(argv[0], "purge") == 0)
        rc = run_purge(&o, &err);
    else if (strcmp(argv[0], "register") == 0)
        rc = run_register(&o, &err);
    else if ((rc = run_requester(&o, &err)) == GDIR_EINVAL && !err.msg[0])
        return 2;
    if (rc == GDIR_EINVAL && strstr(err.msg, "is missing"))
        return usage_error(err.msg);
    return rc ? failed(&err) : 0;
}
