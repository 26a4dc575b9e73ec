/*
 * main.c — geodir-admin, the back office's command-line tool (docs/backoffice.md §1): creates
 * and manages the agents in the forms database. No default account exists: the first
 * administrator is made here (agent add --role admin, then agent totp).
 *
 *   geodir-admin [--forms-db PATH] agent add|list|disable|enable|reset|totp ...
 *
 * Passwords are read twice from the terminal without echo, or once from standard input with
 * --password-stdin (scripts, tests); they never appear in argv. Exit codes: see usage().
 */
#include "bo.h"
#include "cmd_backup.h"
#include "cmd_purge.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

enum {
    EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2, EXIT_REFUSED = 3, EXIT_NOTFOUND = 4,
    EXIT_EXISTS = 5
};

#define PW_MAX 1100
#define MAX_LIST 200

static void usage(FILE *out)
{
    fputs("Usage: geodir-admin [--forms-db PATH] COMMAND\n"
          "Gestion des agents du guichet (back office) / manages the back office's agents.\n"
          "\n"
          "  --forms-db PATH   base des démarches (sinon $GEODIR_FORMS_DB) / the forms database\n"
          "\n"
          "Commands:\n"
          "  agent add --login L --name N --email E --role admin|commune|service\n"
          "            [--commune INSEE]... [--form ID]... [--password-stdin]\n"
          "  agent list\n"
          "  agent disable L | agent enable L\n"
          "  agent reset L [--password-stdin]   new password; ends the agent's sessions\n"
          "  agent totp L      new TOTP secret; prints its otpauth:// URI (for the app)\n"
          "  purge [--dry-run] [--forms-dir DIR] [--files-dir DIR] [--db DIRECTORY]\n"
          "                    RGPD retention (docs/backoffice.md §8); counts on stdout\n"
          "  register [--forms-dir DIR] [--db DIRECTORY]\n"
          "                    the register of processing (article 30), in Markdown\n"
          "  requester export|erase EMAIL [--files-dir DIR]\n"
          "                    all that is held about a requester (JSON), or its erasure\n"
          "  backup DIR [--files-dir DIR]\n"
          "                    a consistent copy of the forms database and its attachments,\n"
          "                    taken while geodir-api serves, with manifest.json (SHA-256)\n"
          "  restore DIR [--files-dir DIR]\n"
          "                    checks DIR's manifest, then puts the copies back (geodir-api\n"
          "                    stopped); the previous ones kept as *.before-restore-STAMP\n"
          "  (--forms-dir: $GEODIR_FORMS_DIR, --files-dir: $GEODIR_FORMS_FILES_DIR,\n"
          "   --db: $GEODIR_DB, the directory whose communes definitions are checked against)\n"
          "\n"
          "The password is asked twice on the terminal (no echo), or read once from standard\n"
          "input with --password-stdin. At least 12 characters, refused when cracklib finds it\n"
          "common or derived from the login. Stored as Argon2id (libsodium crypto_pwhash_str,\n"
          "OPSLIMIT_MODERATE = 3 passes, MEMLIMIT_MODERATE = 256 MiB, 1 lane; with\n"
          "GEODIR_PWHASH_COST=interactive: 2 passes, 64 MiB; =sensitive: 4 passes, 1 GiB).\n"
          "An administrator cannot log in without TOTP: `agent add --role admin` then\n"
          "`agent totp L`, and scan the URI (or its secret) in an authenticator app.\n"
          "\n"
          "Exit: 0 ok, 1 failure (database, I/O), 2 usage, 3 value refused (password, field),\n"
          "4 no such agent, 5 login already taken; backup and restore: 3 refused (a\n"
          "corrupted or foreign backup, the database in use, DIR already there).\n", out);
}

static int fail(int code, const struct gdir_err *err)
{
    fprintf(stderr, "geodir-admin: %s\n", err->msg[0] ? err->msg : gdir_err_text(err->code));
    return code;
}

static int exit_of(int rc)
{
    switch (rc) {
    case GDIR_OK: return EXIT_OK;
    case GDIR_EINVAL: return EXIT_REFUSED;
    case GDIR_ENOTFOUND: return EXIT_NOTFOUND;
    case GDIR_ECONFLICT: return EXIT_EXISTS;
    default: return EXIT_FAIL;
    }
}

/* One line of f into buf without its newline; 0, or -1 at EOF / too long. */
static int read_line(FILE *f, char *buf, size_t cap)
{
    size_t n;
    if (!fgets(buf, (int)cap, f))
        return -1;
    n = strcspn(buf, "\r\n");
    if (buf[n] == '\0' && n == cap - 1)
        return -1;
    buf[n] = '\0';
    return 0;
}

/* Reads a password from the terminal without echo, after prompt. */
static int read_tty(const char *prompt, char *buf, size_t cap)
{
    struct termios old, quiet;
    FILE *tty = fopen("/dev/tty", "r+");
    int rc;

    if (!tty)
        return -1;
    fputs(prompt, tty);
    fflush(tty);
    if (tcgetattr(fileno(tty), &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    }
    rc = read_line(tty, buf, cap);
    tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fputs("\n", tty);
    fclose(tty);
    return rc;
}

/* The new password: once from stdin, or twice from the terminal. */
static int ask_password(int from_stdin, char *pw, size_t cap)
{
    char again[PW_MAX];
    int rc;

    if (from_stdin) {
        if (read_line(stdin, pw, cap) == 0)
            return 0;
        fprintf(stderr, "geodir-admin: pas de mot de passe sur l'entrée standard / no password "
                        "on standard input\n");
        return -1;
    }
    if (read_tty("Mot de passe / password: ", pw, cap) ||
        read_tty("Encore une fois / again: ", again, sizeof again)) {
        fprintf(stderr, "geodir-admin: pas de terminal : utilisez --password-stdin / no "
                        "terminal: use --password-stdin\n");
        return -1;
    }
    rc = strcmp(pw, again) == 0 ? 0 : -1;
    if (rc)
        fprintf(stderr, "geodir-admin: les deux saisies diffèrent / the passwords differ\n");
    memset(again, 0, sizeof again);
    return rc;
}

struct add_args {
    struct bo_agent a;
    char *communes[MAX_LIST], *forms[MAX_LIST];
    int password_stdin;
};

/* --name value options of agent add; 1 consumed, 0 not this option, -1 error. */
static int add_option(struct add_args *x, const char *opt, const char *v)
{
    if (strcmp(opt, "--login") == 0)
        return snprintf(x->a.login, sizeof x->a.login, "%s", v) < (int)sizeof x->a.login ? 1 : -1;
    if (strcmp(opt, "--name") == 0)
        return (x->a.name = (char *)v), 1;
    if (strcmp(opt, "--email") == 0)
        return (x->a.email = (char *)v), 1;
    if (strcmp(opt, "--role") == 0)
        return bo_role_parse(v, &x->a.role) ? -1 : 1;
    if (strcmp(opt, "--commune") == 0 && x->a.n_communes < MAX_LIST)
        return (x->communes[x->a.n_communes++] = (char *)v), 1;
    if (strcmp(opt, "--form") == 0 && x->a.n_forms < MAX_LIST)
        return (x->forms[x->a.n_forms++] = (char *)v), 1;
    return 0;
}

static int parse_add(int argc, char **argv, struct add_args *x)
{
    int role_set = 0;

    x->a.communes = x->communes;
    x->a.forms = x->forms;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--password-stdin") == 0) {
            x->password_stdin = 1;
            continue;
        }
        if (i + 1 >= argc || add_option(x, argv[i], argv[i + 1]) != 1) {
            fprintf(stderr, "geodir-admin: agent add: option invalide / bad option: %s%s%s\n",
                    argv[i], i + 1 < argc ? " " : "", i + 1 < argc ? argv[i + 1] : "");
            return -1;
        }
        role_set |= strcmp(argv[i], "--role") == 0;
        i++;
    }
    if (!x->a.login[0] || !x->a.name || !x->a.email || !role_set) {
        fprintf(stderr, "geodir-admin: agent add: --login, --name, --email et --role sont "
                        "obligatoires / are required\n");
        return -1;
    }
    return 0;
}

static int cmd_add(struct bo_db *db, int argc, char **argv)
{
    struct add_args x = {0};
    char pw[PW_MAX];
    struct gdir_err err;
    int rc;

    gdir_err_clear(&err);
    if (parse_add(argc, argv, &x))
        return EXIT_USAGE;
    if (ask_password(x.password_stdin, pw, sizeof pw))
        return EXIT_REFUSED;
    rc = bo_agent_add(db, &x.a, pw, &err);
    memset(pw, 0, sizeof pw);
    if (rc)
        return fail(exit_of(rc), &err);
    printf("agent %s ajouté / added (%s)%s\n", x.a.login, bo_role_name(x.a.role),
           x.a.role == BO_ROLE_ADMIN ? "; next: geodir-admin agent totp LOGIN" : "");
    return EXIT_OK;
}

static void print_list(char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? "," : "", v[i]);
    if (!n)
        fputs("-", stdout);
}

static int print_agent(void *cls, const struct bo_agent *a)
{
    (void)cls;
    printf("%s\t%s\t%s\t%s\t", a->login, bo_role_name(a->role), a->name, a->email);
    print_list(a->communes, a->n_communes);
    putchar('\t');
    print_list(a->forms, a->n_forms);
    printf("\t%s\t%s\n", a->totp ? "totp" : "-", a->disabled ? "disabled" : "active");
    return 0;
}

static int cmd_list(struct bo_db *db)
{
    struct gdir_err err;
    int rc;

    gdir_err_clear(&err);
    printf("login\trole\tname\temail\tcommunes\tforms\ttotp\tstate\n");
    rc = bo_agent_list(db, print_agent, NULL, &err);
    return rc ? fail(exit_of(rc), &err) : EXIT_OK;
}

/* disable, enable, reset, totp: one login, and --password-stdin for reset. */
static int cmd_one(struct bo_db *db, const char *cmd, int argc, char **argv)
{
    struct gdir_err err;
    char pw[PW_MAX], uri[BO_TOTP_URI_MAX];
    int from_stdin = argc == 2 && strcmp(argv[1], "--password-stdin") == 0, rc;

    gdir_err_clear(&err);
    if (argc < 1 || (argc > 1 && !(from_stdin && strcmp(cmd, "reset") == 0))) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(cmd, "disable") == 0 || strcmp(cmd, "enable") == 0) {
        rc = bo_agent_set_disabled(db, argv[0], cmd[0] == 'd', &err);
        if (!rc)
            printf("agent %s %s\n", argv[0], cmd[0] == 'd' ? "désactivé / disabled"
                                                           : "réactivé / enabled");
    } else if (strcmp(cmd, "reset") == 0) {
        if (ask_password(from_stdin, pw, sizeof pw))
            return EXIT_REFUSED;
        rc = bo_agent_set_password(db, argv[0], pw, &err);
        memset(pw, 0, sizeof pw);
        if (!rc)
            printf("agent %s : mot de passe changé / password changed\n", argv[0]);
    } else if (strcmp(cmd, "totp") == 0) {
        rc = bo_agent_totp_new(db, argv[0], uri, &err);
        if (!rc)
            printf("%s\n", uri);
    } else {
        usage(stderr);
        return EXIT_USAGE;
    }
    return rc ? fail(exit_of(rc), &err) : EXIT_OK;
}

int main(int argc, char **argv)
{
    const char *path = getenv("GEODIR_FORMS_DB");
    struct bo_db *db = NULL;
    struct gdir_err err;
    int i = 1, status;

    gdir_err_clear(&err);
    if (argc > 2 && strcmp(argv[1], "--forms-db") == 0) {
        path = argv[2];
        i = 3;
    }
    if (argc > i && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
        usage(stdout);
        return EXIT_OK;
    }
    if (argc - i >= 1 && admin_rgpd_command(argv[i]))   /* purge, register, requester */
        return admin_rgpd_main(path, argc - i, argv + i);
    if (argc - i >= 1 && admin_backup_command(argv[i]))   /* backup, restore */
        return admin_backup_main(path, argc - i, argv + i);
    if (argc - i < 2 || strcmp(argv[i], "agent") != 0) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (!path || !*path) {
        fprintf(stderr, "geodir-admin: --forms-db PATH ou GEODIR_FORMS_DB manquant / missing\n");
        return EXIT_USAGE;
    }
    if (bo_db_open(&db, path, &err))
        return fail(EXIT_FAIL, &err);
    if (strcmp(argv[i + 1], "add") == 0)
        status = cmd_add(db, argc - i - 2, argv + i + 2);
    else if (strcmp(argv[i + 1], "list") == 0 && argc - i == 2)
        status = cmd_list(db);
    else
        status = cmd_one(db, argv[i + 1], argc - i - 2, argv + i + 2);
    bo_db_close(db);
    return status;
}
