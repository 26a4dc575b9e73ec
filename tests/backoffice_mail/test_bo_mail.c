/*
 * test_bo_mail.c — the back office's e-mail text (docs/backoffice.md §6): the templates of
 * forms_notify.c (French defaults, a form's own `notifications`, placeholders, blank lines of
 * empty ones squeezed, mistakes refused at load with "file: path: reason"), the status labels,
 * and bo_mail.c's encoding (RFC 2047 subject words, quoted-printable, the whole RFC 5322
 * message, addresses) and the outbox backoff.
 */
#include "../forms/forms_test.h"

#include "bo_mail.h"
#include "bo_notify.h"
#include "forms_store.h"
#include "gdir_text.h"

#include <sqlite3.h>

static const char def_head[] =
    "{ \"id\": \"notif\", \"version\": 1, \"title\": \"Essai\", \"description\": \"d\", "
    "\"category\": \"c\", \"communes\": \"all\", "
    "\"handler\": { \"by\": \"service\", \"service\": \"s\", \"label\": \"S\" }, "
    "\"notice\": { \"controller\": \"a\", \"purpose\": \"b\", \"legal_basis\": \"c\", "
    "\"recipients\": \"d\", \"retention\": \"e\", \"rights\": \"f\", \"contact\": \"g\" }, "
    "\"retention\": { \"months_after_closure\": 12 }, "
    "\"statuses\": [ { \"id\": \"livree\", \"label\": \"Livré\", \"after\": \"en_instruction\" } ], "
    "\"pages\": [ { \"title\": \"p\", \"fields\": [ { \"id\": \"nom\", \"type\": \"text\", "
    "\"label\": \"Nom\" } ] } ]";

/* Loads def_head + extra + "}" as notif.json: the rc, the message into msg. */
static int load(const char *extra, struct forms_set **set, char msg[512])
{
    char text[4096], path[256];
    struct gdir_err err;
    gdir_err_clear(&err);
    int n = snprintf(text, sizeof text, "%s%s }", def_head, extra);
    forms_test_write("notif.json", text, (size_t)n, path, sizeof path);
    int rc = forms_load_file(set, path, test_communes, N_TEST_COMMUNES, &err);
    snprintf(msg, 512, "%s", err.msg);
    return rc;
}

static void test_defaults(void)
{
    struct forms_notify_vars v = { .code = "ABCDEFGH", .titre = "Inscription scolaire",
                                   .lien = "https://x.fr/suivi.html#ABCDEFGH/tok",
                                   .recepisse = "Réponse sous 15 jours." };
    char *s = NULL, *b = NULL;
    struct gdir_err err;
    CHECK_INT_EQ(forms_notify_render(NULL, "deposee", &v, &s, &b, &err), GDIR_OK);
    CHECK_STR_EQ(s, "Demande déposée : Inscription scolaire (code ABCDEFGH)");
    CHECK(b && strstr(b, "Votre demande « Inscription scolaire » a bien été déposée.\n"));
    CHECK(b && strstr(b, "\nhttps://x.fr/suivi.html#ABCDEFGH/tok\n"));
    CHECK(b && strstr(b, "\n\nRéponse sous 15 jours.\n") && b[strlen(b) - 2] != '\n');
    free(s);
    free(b);
    /* an empty {motif}: no run of blank lines left */
    struct forms_notify_vars w = { .code = "ABCDEFGH", .titre = "T", .statut = "Refusée" };
    CHECK_INT_EQ(forms_notify_render(NULL, "decision", &w, &s, &b, &err), GDIR_OK);
    CHECK_STR_EQ(s, "Décision sur votre demande ABCDEFGH : Refusée");
    CHECK(b && !strstr(b, "\n\n\n"));
    free(s);
    free(b);
    CHECK_INT_EQ(forms_notify_render(NULL, "nothing", &w, &s, &b, &err), GDIR_EINVAL);
    CHECK(s == NULL && b == NULL);
    CHECK_INT_EQ(forms_notify_event_index("agent_complement_recu"), 5);
    /* an agent's message to the resident: the message itself in the body */
    struct forms_notify_vars m = { .code = "ABCDEFGH", .titre = "T", .lien = "https://x.fr/suivi.html",
                                   .motif = "Votre dossier est complet, merci." };
    CHECK_INT_EQ(forms_notify_event_index("message"), 6);
    CHECK_INT_EQ(forms_notify_render(NULL, "message", &m, &s, &b, &err), GDIR_OK);
    CHECK_STR_EQ(s, "Message au sujet de votre demande ABCDEFGH");
    CHECK(b && strstr(b, "(code ABCDEFGH) :\n\nVotre dossier est complet, merci.\n"));
    CHECK(b && strstr(b, "https://x.fr/suivi.html"));
    free(s);
    free(b);
}

static void test_form_templates(void)
{
    struct forms_set *set = NULL;
    char msg[512], *s = NULL, *b = NULL;
    struct gdir_err err;
    int rc = load(", \"notifications\": { \"status\": { \"subject\": \"[{code}] {statut}\", "
                  "\"body\": \"Statut : {statut}\\nMotif : {motif}\\n{{pas un champ}\" } }",
                  &set, msg);
    CHECK_INT_EQ(rc, GDIR_OK);
    if (rc) {
        fprintf(stderr, "%s\n", msg);
        return;
    }
    const struct form_def *f = forms_find(set, "notif");
    CHECK_STR_EQ(form_status_label(f, "livree"), "Livré");
    CHECK_STR_EQ(form_status_label(f, "en_instruction"), "En cours d'instruction");
    CHECK_STR_EQ(form_status_label(NULL, "autre"), "autre");
    /* a line break in a value never reaches the subject */
    struct forms_notify_vars v = { .code = "ABCDEFGH", .statut = "Livré\r\nBcc: x@y.fr",
                                   .motif = "Le bac est devant chez vous." };
    CHECK_INT_EQ(forms_notify_render(f, "status", &v, &s, &b, &err), GDIR_OK);
    CHECK_STR_EQ(s, "[ABCDEFGH] Livré  Bcc: x@y.fr");
    CHECK(b && strstr(b, "Motif : Le bac est devant chez vous.\n{pas un champ}\n"));
    free(s);
    free(b);
    /* the events left out keep their default */
    CHECK_INT_EQ(forms_notify_render(f, "agent_new", &v, &s, &b, &err), GDIR_OK);
    CHECK(s && strncmp(s, "Nouvelle demande : ", 19) == 0);
    free(s);
    free(b);
    forms_set_free(set);
}

static void test_bad_templates(void)
{
    static const char *const cases[][2] = {
        { ", \"notifications\": { \"relance\": { \"subject\": \"x\" } }",
          "notifications.relance: unknown key" },
        { ", \"notifications\": { \"status\": { \"subject\": \"{nom}\" } }",
          "notifications.status.subject: unknown placeholder \"{nom}\"" },
        { ", \"notifications\": { \"status\": { \"subject\": \"a\\nb\" } }",
          "notifications.status.subject: a subject is one line" },
        { ", \"notifications\": { \"status\": { \"body\": \"{code\" } }",
          "notifications.status.body: unknown placeholder" },
        { ", \"notifications\": { \"status\": { \"objet\": \"x\" } }",
          "notifications.status.objet: unknown key" },
        { ", \"notifications\": [ ]", "notifications: expected an object" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct forms_set *set = NULL;
        char msg[512];
        CHECK_INT_EQ(load(cases[i][0], &set, msg), GDIR_ECONFIG);
        if (!strstr(msg, cases[i][1]))
            CHECK_FAIL_("case %zu: \"%s\" lacks \"%s\"", i, msg, cases[i][1]);
        forms_set_free(set);
    }
    forms_test_remove("notif.json");
}

static void test_header(void)
{
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    bo_mail_header(&b, "Subject", "Plain subject");
    CHECK_STR_EQ(gdir_buf_str(&b), "Subject: Plain subject\r\n");
    gdir_buf_reset(&b);
    bo_mail_header(&b, "Subject", "Demande déposée");
    CHECK_STR_EQ(gdir_buf_str(&b), "Subject: =?UTF-8?Q?Demande_d=C3=A9pos=C3=A9e?=\r\n");
    gdir_buf_reset(&b);
    /* long: several words, lines of at most 76 characters, never splitting "é" (=C3=A9) */
    bo_mail_header(&b, "Subject", "ééééééééééééééééééééééééééééééééééééééé fin");
    const char *p = gdir_buf_str(&b);
    CHECK(strstr(p, "?=\r\n =?UTF-8?Q?") != NULL);
    int words = 0;
    for (const char *line = p; *line; ) {
        const char *end = strstr(line, "\r\n"), *w = strstr(line, "=?UTF-8?Q?");
        CHECK(end && end - line <= 76 && w && w < end && end[-2] == '?' && end[-1] == '=');
        if (!end || !w || w > end)
            break;
        char dec[80];
        size_t n = 0;
        for (const char *q = w + 10; q < end - 2 && n < sizeof dec; q++)
            if (*q == '=' && q + 2 < end) {
                dec[n++] = (char)strtol((char[3]){ q[1], q[2], 0 }, NULL, 16);
                q += 2;
            } else {
                dec[n++] = *q == '_' ? ' ' : *q;
            }
        CHECK(gdir_utf8_valid(dec, n));   /* each word whole characters */
        words++;
        line = end + 2;
    }
    CHECK(words >= 2);
    gdir_buf_free(&b);
}

static void test_qp(void)
{
    struct gdir_buf b;
    gdir_buf_init(&b, 0);
    bo_mail_qp(&b, "Réponse = oui \n.point\nFrom here\n");
    CHECK_STR_EQ(gdir_buf_str(&b), "R=C3=A9ponse =3D oui=20\r\n=2Epoint\r\n=46rom here\r\n");
    gdir_buf_reset(&b);
    char line[200];
    memset(line, 'a', 150);
    line[150] = '\0';
    bo_mail_qp(&b, line);
    const char *p = gdir_buf_str(&b);
    CHECK(strlen(p) == 150 + 3 + 2);   /* one soft break (75 + 75), one CRLF */
    CHECK(strncmp(p + 75, "=\r\n", 3) == 0);
    gdir_buf_free(&b);
}

static void test_message(void)
{
    struct gdir_buf b;
    struct gdir_err err;
    gdir_buf_init(&b, 0);
    struct bo_mail m = { "Mairie de Bar-lès-Essai <mairie@essai.fr>", "jean@exemple.fr",
                         "Décision", "Bonjour,\nVotre demande est acceptée.\n",
                         (time_t)1783931400, "<geodir.outbox.7.1@essai.fr>" };
    CHECK_INT_EQ(bo_mail_build(&b, &m, &err), GDIR_OK);
    const char *p = gdir_buf_str(&b);
    CHECK(strncmp(p, "Date: Mon, 13 Jul 2026 08:30:00 +0000\r\n", 39) == 0);
    CHECK(strstr(p, "\r\nMessage-ID: <geodir.outbox.7.1@essai.fr>\r\n"));
    CHECK(strstr(p, "\r\nFrom: =?UTF-8?Q?Mairie_de_Bar-l=C3=A8s-Essai?= <mairie@essai.fr>\r\n"));
    CHECK(strstr(p, "\r\nTo: jean@exemple.fr\r\nSubject: =?UTF-8?Q?D=C3=A9cision?=\r\n"));
    CHECK(strstr(p, "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    "Content-Transfer-Encoding: quoted-printable\r\n"));
    CHECK(strstr(p, "\r\n\r\nBonjour,\r\nVotre demande est accept=C3=A9e.\r\n"));
    gdir_buf_reset(&b);
    m.to = "a@b.fr\r\nBcc: c@d.fr";
    CHECK_INT_EQ(bo_mail_build(&b, &m, &err), GDIR_EINVAL);
    m.to = "jean@exemple.fr";
    m.from = "Mairie <pas une adresse>";
    CHECK_INT_EQ(bo_mail_build(&b, &m, &err), GDIR_EINVAL);
    gdir_buf_free(&b);
}

static void test_addresses_and_backoff(void)
{
    char a[BO_MAIL_ADDR_MAX + 1];
    struct gdir_err err;
    CHECK(bo_mail_addr_ok("a@b.fr") && !bo_mail_addr_ok("a b@c.fr") && !bo_mail_addr_ok("ab"));
    CHECK(!bo_mail_addr_ok("a@b@c") && !bo_mail_addr_ok("<a@b.fr>") && !bo_mail_addr_ok(NULL));
    CHECK_INT_EQ(bo_mail_from_addr("Nom <x@y.fr>", a, &err), GDIR_OK);
    CHECK_STR_EQ(a, "x@y.fr");
    CHECK_INT_EQ(bo_mail_from_addr("x@y.fr", a, &err), GDIR_OK);
    CHECK_INT_EQ(bo_mail_from_addr("Nom <x@y.fr> z", a, &err), GDIR_EINVAL);
    /* 1, 2, 4 … 60 minutes */
    CHECK_INT_EQ(bo_outbox_backoff(60, 1), 60);
    CHECK_INT_EQ(bo_outbox_backoff(60, 2), 120);
    CHECK_INT_EQ(bo_outbox_backoff(60, 3), 240);
    CHECK_INT_EQ(bo_outbox_backoff(60, 6), 1920);
    CHECK_INT_EQ(bo_outbox_backoff(60, 7), 3600);
    CHECK_INT_EQ(bo_outbox_backoff(60, 1000), 3600);
}

/* Runs SQL on the test database (setup only). */
static void setup_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        CHECK_FAIL_("%s: %s", sql, msg ? msg : "?");
    sqlite3_free(msg);
}

static int count_rows(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* bo_notify on a real forms database: the resident's e-mails of the workflow's events. */
static void test_notify(void)
{
    char path[256], files[256];
    struct forms_store *fs = NULL;
    struct bo_db *db = NULL;
    struct gdir_err err;
    snprintf(path, sizeof path, "%s/notify.sqlite", forms_test_dir());
    snprintf(files, sizeof files, "%s/notify-files", forms_test_dir());
    CHECK_INT_EQ(forms_store_open(&fs, path, files, &err), GDIR_OK);
    forms_store_close(fs);
    if (bo_db_open(&db, path, &err)) {
        CHECK_FAIL_("bo_db_open: %s", err.msg);
        return;
    }
    sqlite3 *s = bo_db_sqlite(db);
    setup_sql(s, "INSERT INTO requests (id, form_id, form_version, code, token_hash, service, "
                 "status, created_at, updated_at, values_json, email) VALUES (1, 'notif', 1, "
                 "'ABCDEFGH', zeroblob(32), 's', 'refusee', 0, 0, '{}', 'jean@exemple.fr');"
                 "INSERT INTO events (request_id, at, actor_kind, from_status, to_status, "
                 "message) VALUES (1, 1, 'agent', 'en_instruction', 'refusee', "
                 "'Dossier incomplet.')");
    bo_notify_setup(NULL, "https://x.fr");
    CHECK_INT_EQ(bo_notify(db, 1, "decision", &err), GDIR_OK);
    struct bo_notify_info info = { "complement_demande", NULL, "Justificatif de domicile",
                                   "2026-09-15" };
    CHECK_INT_EQ(bo_notify_ex(db, 1, "complement_demande", &info, &err), GDIR_OK);
    CHECK_INT_EQ(count_rows(s, "SELECT count(*) FROM outbox WHERE to_addr = 'jean@exemple.fr' "
                               "AND subject = 'Décision sur votre demande ABCDEFGH : Refusée' "
                               "AND instr(body, 'Dossier incomplet.') > 0 AND "
                               "instr(body, 'https://x.fr/suivi.html') > 0"), 1);
    CHECK_INT_EQ(count_rows(s, "SELECT count(*) FROM outbox WHERE instr(body, "
                               "'Justificatif de domicile') > 0 AND "
                               "instr(body, 'avant le 15/09/2026') > 0"), 1);
    struct bo_notify_info msg = { NULL, "Le bac sera livré jeudi.", NULL, NULL };
    CHECK_INT_EQ(bo_notify_ex(db, 1, "message", &msg, &err), GDIR_OK);
    CHECK_INT_EQ(count_rows(s, "SELECT count(*) FROM outbox WHERE to_addr = 'jean@exemple.fr' "
                               "AND subject = 'Message au sujet de votre demande ABCDEFGH' "
                               "AND instr(body, 'Le bac sera livré jeudi.') > 0"), 1);
    /* no agent covers it and there is no administrator: nobody told, no error */
    CHECK_INT_EQ(bo_notify(db, 1, "agent_new", &err), GDIR_OK);
    CHECK_INT_EQ(count_rows(s, "SELECT count(*) FROM outbox"), 3);
    CHECK_INT_EQ(bo_notify(db, 2, "status", &err), GDIR_ENOTFOUND);
    CHECK_INT_EQ(bo_notify(db, 1, "relance", &err), GDIR_EINVAL);
    bo_db_close(db);
    static const char *const suffixes[] = { "", "-wal", "-shm" };
    for (int i = 0; i < 3; i++) {
        char p[300];
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
    rmdir(files);
    rmdir(forms_test_dir());   /* empty by now: the last test */
}

static const struct check_case cases[] = {
    { "defaults", test_defaults },
    { "form_templates", test_form_templates },
    { "bad_templates", test_bad_templates },
    { "header", test_header },
    { "qp", test_qp },
    { "message", test_message },
    { "addresses_and_backoff", test_addresses_and_backoff },
    { "notify", test_notify },
};

CHECK_MAIN(cases)
