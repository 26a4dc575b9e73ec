/*
 * forms_notify.c — the e-mail templates of a form (docs/backoffice.md §6): the optional
 * `notifications` member of a definition (one { subject, body } per event, French defaults
 * for the events left out), checked when loaded (events, placeholders, sizes), and their
 * rendering with a request's values ({code}, {titre}, {statut}, {motif}, {lien}, {documents},
 * {echeance}, {recepisse}; "{{" writes "{"). Also the French labels of the statuses.
 */
#include "forms_internal.h"

#include "gdir_buf.h"
#include "gdir_cjson.h"
#include "gdir_mem.h"
#include "gdir_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUBJECT_MAX 200     /* bytes of a subject template */
#define BODY_MAX 8000       /* bytes of a body template */
#define RENDERED_MAX 65536  /* bytes of a rendered body */

const char *const forms_notify_events[FORMS_N_EVENTS + 1] = {
    "deposee", "status", "complement_demande", "decision", "agent_new", "agent_complement_recu",
    "message", NULL
};

static const char *const placeholders[] = {
    "code", "titre", "statut", "motif", "lien", "documents", "echeance", "recepisse", NULL
};

#define FOLLOW_HINT "Pour suivre votre demande, ouvrez le lien personnel reçu avec l'accusé de " \
                    "réception (ou la page {lien} avec votre code et ce lien).\n"

/* The defaults, indexed like forms_notify_events: subject, body. */
static const char *const defaults[FORMS_N_EVENTS][2] = {
    { "Demande déposée : {titre} (code {code})",
      "Bonjour,\n\nVotre demande « {titre} » a bien été déposée.\n\nCode de suivi : {code}\n\n"
      "Pour suivre votre demande, répondre à une demande de pièces ou la retirer :\n{lien}\n\n"
      "Ce lien est personnel : il donne accès à votre demande, ne le transmettez pas.\n\n"
      "{recepisse}\n" },
    { "Votre demande {code} : {statut}",
      "Bonjour,\n\nVotre demande « {titre} » (code {code}) a changé de statut : {statut}.\n\n"
      "{motif}\n\n" FOLLOW_HINT },
    { "Pièces demandées pour votre demande {code}",
      "Bonjour,\n\nPour instruire votre demande « {titre} » (code {code}), il manque les pièces "
      "suivantes :\n{documents}\n\nMerci de les envoyer avant le {echeance}.\n\n{motif}\n\n"
      FOLLOW_HINT },
    { "Décision sur votre demande {code} : {statut}",
      "Bonjour,\n\nUne décision a été prise sur votre demande « {titre} » (code {code}) : "
      "{statut}.\n\n{motif}\n\n" FOLLOW_HINT },
    { "Nouvelle demande : {titre} ({code})",
      "Bonjour,\n\nUne nouvelle demande « {titre} » (code {code}) a été déposée.\n\n"
      "Pour la traiter : {lien}\n" },
    { "Pièces reçues : {titre} ({code})",
      "Bonjour,\n\nLe demandeur a envoyé les pièces demandées pour « {titre} » (code {code}).\n\n"
      "Pour reprendre l'instruction : {lien}\n" },
    { "Message au sujet de votre demande {code}",
      "Bonjour,\n\nUn agent vous écrit au sujet de votre demande « {titre} » (code {code}) :\n\n"
      "{motif}\n\n" FOLLOW_HINT },
};

static const char *const common_labels[][2] = {
    { "deposee", "Déposée" },
    { "en_instruction", "En cours d'instruction" },
    { "complement_demande", "Complément demandé" },
    { "complement_recu", "Complément reçu" },
    { "acceptee", "Acceptée" },
    { "refusee", "Refusée" },
    { "sans_suite", "Classée sans suite" },
    { "retiree", "Retirée" },
};

int forms_notify_event_index(const char *event)
{
    for (int i = 0; event && i < FORMS_N_EVENTS; i++)
        if (strcmp(event, forms_notify_events[i]) == 0)
            return i;
    return -1;
}

const char *form_status_label(const struct form_def *f, const char *status)
{
    if (!status)
        return "";
    for (size_t i = 0; f && i < f->n_statuses; i++)
        if (strcmp(f->statuses[i].id, status) == 0)
            return f->statuses[i].label;
    for (size_t i = 0; i < sizeof common_labels / sizeof common_labels[0]; i++)
        if (strcmp(common_labels[i][0], status) == 0)
            return common_labels[i][1];
    return status;
}

/* The index of the placeholder of name[0..n), or -1. */
static int placeholder(const char *name, size_t n)
{
    for (int i = 0; placeholders[i]; i++)
        if (strlen(placeholders[i]) == n && memcmp(placeholders[i], name, n) == 0)
            return i;
    return -1;
}

/* Checks a template: every '{' opens a known placeholder or is "{{". 0, or the offending
 * text into bad[64] and -1. */
static int template_check(const char *t, char bad[64])
{
    for (const char *p = t; (p = strchr(p, '{')); ) {
        if (p[1] == '{') {
            p += 2;
            continue;
        }
        const char *end = strchr(p, '}');
        if (!end || placeholder(p + 1, (size_t)(end - p - 1)) < 0) {
            snprintf(bad, 64, "%.*s", end && end - p < 40 ? (int)(end - p + 1) : 20, p);
            return -1;
        }
        p = end + 1;
    }
    return 0;
}

/* One { subject, body } template at notifications.<event>. */
static int ld_template(const struct forms_ld *c, const cJSON *it, const char *at,
                       struct form_def *f, int ev)
{
    static const char *const keys[] = { "subject", "body", NULL };
    static const char *const names[2] = { "subject", "body" };
    static const size_t max[2] = { SUBJECT_MAX, BODY_MAX };
    char bad[64];
    int rc;

    if (!cJSON_IsObject(it))
        return forms_ld_fail(c, at, NULL, "expected an object { subject, body }");
    if ((rc = gdir_cjson_check_keys(it, keys, c->file, at, c->err)))
        return rc;
    for (int k = 0; k < 2; k++) {
        char **dst = &f->notify[ev][k];
        if ((rc = forms_ld_str(c, it, at, names[k], 0, dst)))
            return rc;
        if (!*dst)
            continue;
        if (strlen(*dst) > max[k])
            return forms_ld_fail(c, at, names[k], "longer than %zu bytes", max[k]);
        if (k == 0 && strpbrk(*dst, "\r\n"))
            return forms_ld_fail(c, at, names[k], "a subject is one line");
        if (template_check(*dst, bad))
            return forms_ld_fail(c, at, names[k], "unknown placeholder \"%s\" (known: {code}, "
                                 "{titre}, {statut}, {motif}, {lien}, {documents}, {echeance}, "
                                 "{recepisse}; \"{{\" writes \"{\")", bad);
    }
    return GDIR_OK;
}

int forms_ld_notifications(const struct forms_ld *c, const cJSON *root, struct form_def *f)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(root, "notifications"), *it;
    int rc;

    if (!n)
        return GDIR_OK;
    if (!cJSON_IsObject(n))
        return forms_ld_fail(c, "", "notifications", "expected an object { <event>: { subject, "
                             "body } }");
    if ((rc = gdir_cjson_check_keys(n, forms_notify_events, c->file, "notifications", c->err)))
        return rc;
    cJSON_ArrayForEach(it, n) {
        char at[64];
        snprintf(at, sizeof at, "notifications.%s", it->string);
        if ((rc = ld_template(c, it, at, f, forms_notify_event_index(it->string))))
            return rc;
    }
    return GDIR_OK;
}

void forms_notify_free(struct form_def *f)
{
    for (int i = 0; i < FORMS_N_EVENTS; i++)
        for (int k = 0; k < 2; k++)
            free(f->notify[i][k]);
}

/* The value of placeholder i in v ("" when unset). */
static const char *var(const struct forms_notify_vars *v, int i)
{
    const char *const vals[] = { v->code, v->titre, v->statut, v->motif, v->lien, v->documents,
                                 v->echeance, v->recepisse };
    return vals[i] ? vals[i] : "";
}

/* Appends value; in a subject (one_line) line breaks become spaces (no header injection). */
static void put_value(struct gdir_buf *b, const char *value, int one_line)
{
    for (const char *p = value; *p; p++)
        gdir_buf_addc(b, one_line && (*p == '\r' || *p == '\n') ? ' ' : *p);
}

/* Renders template t with v into a malloc'd string (NULL when memory runs out). */
static char *render(const char *t, const struct forms_notify_vars *v, int one_line)
{
    struct gdir_buf b;
    gdir_buf_init(&b, RENDERED_MAX);
    gdir_buf_adds(&b, "");
    for (const char *p = t; *p; p++) {
        const char *end;
        int i;
        if (p[0] == '{' && p[1] == '{') {
            gdir_buf_addc(&b, '{');
            p++;
        } else if (p[0] == '{' && (end = strchr(p, '}')) &&
                   (i = placeholder(p + 1, (size_t)(end - p - 1))) >= 0) {
            put_value(&b, var(v, i), one_line);
            p = end;
        } else {
            gdir_buf_addc(&b, *p);
        }
    }
    if (!one_line)
        gdir_buf_addc(&b, '\n');
    return gdir_buf_steal(&b, NULL);
}

/* Drops the blank lines that empty placeholders leave: at most one empty line in a row, none
 * at the start, one line break at the end (s ends with one: render() adds it). */
static void squeeze_blank_lines(char *s)
{
    char *w = s;
    int newlines = 2;   /* none at the start */
    for (const char *r = s; *r; r++) {
        if (*r == '\n' && ++newlines > 2)
            continue;
        if (*r != '\n')
            newlines = 0;
        *w++ = *r;
    }
    while (w > s && w[-1] == '\n')
        w--;
    *w++ = '\n';
    *w = '\0';
}

int forms_notify_render(const struct form_def *f, const char *event,
                        const struct forms_notify_vars *v, char **subject, char **body,
                        struct gdir_err *err)
{
    int ev = forms_notify_event_index(event);

    *subject = *body = NULL;
    if (ev < 0)
        return gdir_err_set(err, GDIR_EINVAL, "unknown notification event \"%.40s\"",
                            event ? event : "(null)");
    const char *ts = f && f->notify[ev][0] ? f->notify[ev][0] : defaults[ev][0];
    const char *tb = f && f->notify[ev][1] ? f->notify[ev][1] : defaults[ev][1];
    *subject = render(ts, v, 1);
    *body = render(tb, v, 0);
    if (!*subject || !*body) {
        free(*subject);
        free(*body);
        *subject = *body = NULL;
        return gdir_err_set(err, GDIR_ENOMEM, "notification: out of memory");
    }
    squeeze_blank_lines(*body);
    return GDIR_OK;
}
