/*
 * h_bo_actions.c — what an agent does to a request (docs/backoffice.md §3-4): POST
 * /api/bo/requests/{id}/transition {to, motivation, documents, deadline}, .../comment {text,
 * internal}, .../assign {agent}; and the agent's saved queue views, GET and POST
 * /api/bo/views {name, query}. Every POST carries the session's CSRF token (api_bo_session).
 * A request outside the agent's scope is 403 on an action; a move the workflow does not allow
 * is 409; a missing motivation, list of documents or deadline is 400 naming the member.
 */
#include "api_bo.h"
#include "api_forms.h"
#include "api_handlers.h"
#include "bo_queue.h"
#include "gdir_cjson.h"
#include "gdir_forms.h"
#include "gdir_hours.h"
#include "gdir_json.h"
#include "gdir_text.h"

#include <stdio.h>
#include <string.h>

/* One member of a JSON body: a string of at most max bytes (NULL when absent or null). */
struct member {
    const char *key;
    int required;
    size_t max;
    const char **out;
};

/* Reads the members of body (every other member refused), each a string or null. */
static int read_members(const cJSON *body, const struct member *m, size_t n,
                        struct gdir_err *err)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, body) {
        size_t i = 0;
        while (i < n && strcmp(m[i].key, it->string) != 0)
            i++;
        if (i == n)
            return gdir_err_set_param(err, GDIR_EINVAL, "body", "body: unknown member \"%.40s\"",
                                      it->string);
    }
    for (size_t i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, m[i].key);
        *m[i].out = cJSON_IsString(v) ? v->valuestring : NULL;
        if (v && !cJSON_IsString(v) && !cJSON_IsNull(v) && !cJSON_IsBool(v))
            return gdir_err_set_param(err, GDIR_EINVAL, m[i].key, "%s : du texte est attendu.",
                                      m[i].key);
        if (*m[i].out && strlen(*m[i].out) > m[i].max)
            return gdir_err_set_param(err, GDIR_EINVAL, m[i].key, "%s : %zu octets au plus.",
                                      m[i].key, m[i].max);
        if (*m[i].out && !gdir_utf8_valid(*m[i].out, strlen(*m[i].out)))
            return gdir_err_set_param(err, GDIR_EINVAL, m[i].key, "%s : texte UTF-8 invalide.",
                                      m[i].key);
        if (*m[i].out && !(*m[i].out)[strspn(*m[i].out, " \t\r\n")])
            *m[i].out = NULL;   /* blank: as absent */
        if (m[i].required && !*m[i].out)
            return gdir_err_set_param(err, GDIR_EINVAL, m[i].key, "%s : ce champ est "
                                      "obligatoire.", m[i].key);
    }
    return GDIR_OK;
}

/* The deadline "YYYY-MM-DD", after today in Europe/Paris, as "dd/mm/yyyy" into out. */
static int deadline_ok(const char *s, char out[16], struct gdir_err *err)
{
    struct gdir_paris_time now;
    int y, m, d, n = 0;

    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || s[n] || m < 1 ||
        m > 12 || d < 1 || d > 31)
        return gdir_err_set_param(err, GDIR_EINVAL, "deadline", "deadline : une date "
                                  "AAAA-MM-JJ est attendue.");
    if (gdir_paris_from_utc(time(NULL), &now) ||
        y * 10000 + m * 100 + d <= now.year * 10000 + now.month * 100 + now.day)
        return gdir_err_set_param(err, GDIR_EINVAL, "deadline", "deadline : la date limite doit "
                                  "être postérieure à aujourd’hui.");
    snprintf(out, 16, "%02d/%02d/%04d", d, m, y);
    return GDIR_OK;
}

/* The request's page after an action (GET /api/bo/requests/{id}). */
static int answer(const struct bq_call *c, struct gdir_err *err)
{
    return h_bo_request(c->ctx, c->req, c->res, err);
}

/* Checks the body of a transition, writes it, answers the request's page. */
static int transition(struct bq_call *c, struct gdir_err *err)
{
    const char *to, *motivation, *documents, *deadline;
    const struct member m[] = {{"to", 1, 48, &to}, {"motivation", 0, BQ_TEXT_MAX, &motivation},
                               {"documents", 0, BQ_TEXT_MAX, &documents},
                               {"deadline", 0, 10, &deadline}};
    const struct bq_request *r = &c->r;
    const struct form_def *f = bq_form(c->ctx, r->form_id);
    struct bq_moves fm;
    char date[16], peer[API_BO_PEER_MAX], message[BQ_TEXT_MAX + 64];
    int rc, complement;

    if ((rc = read_members(c->body, m, 4, err)))
        return rc;
    if (!f || !form_has_status(f, to) || strcmp(to, "retiree") == 0)
        return gdir_err_set_param(err, GDIR_EINVAL, "to", "to : statut inconnu pour cette "
                                  "démarche.");
    if (bq_move_reserved(r->form_id, to))
        return gdir_err_set(err, GDIR_ECONFLICT, "Une contribution s’accepte par sa décision "
                            "(« Accepter »), qui met aussi à jour l’annuaire ou l’agenda.");
    bq_moves_of(f, &fm);
    if (!bo_transition_ok(r->status, to, fm.extra, fm.after, fm.final, fm.n))
        return gdir_err_set(err, GDIR_ECONFLICT, "Ce changement de statut n’est pas possible "
                            "depuis « %s ».", form_status_label(f, r->status));
    if (!motivation && (strcmp(to, "refusee") == 0 || strcmp(to, "sans_suite") == 0))
        return gdir_err_set_param(err, GDIR_EINVAL, "motivation", "motivation : la motivation "
                                  "est obligatoire pour refuser ou classer sans suite.");
    complement = strcmp(to, "complement_demande") == 0;
    if (complement && !documents)
        return gdir_err_set_param(err, GDIR_EINVAL, "documents", "documents : indiquez les "
                                  "pièces demandées.");
    if (complement && (rc = deadline_ok(deadline, date, err)))
        return rc;
    if (complement)
        snprintf(message, sizeof message, "%s (à fournir avant le %s)", documents, date);
    api_bo_peer(c->req, peer);
    struct bq_move mv = {r->id, r->status, to, complement ? message : motivation,
                         complement ? documents : motivation, complement ? documents : NULL,
                         complement ? deadline : NULL,
                         bo_status_terminal(to) || form_status_final(f, to), &c->a, peer,
                         time(NULL)};
    return (rc = bq_transition(c->db, &mv, err)) ? rc : answer(c, err);
}

BQ_HANDLER(h_bo_request_transition, BQ_ACTION, transition, 0)

static int comment(struct bq_call *c, struct gdir_err *err)
{
    const char *text, *ignored;
    const struct member m[] = {{"text", 1, BQ_TEXT_MAX, &text}, {"internal", 0, 8, &ignored}};
    const cJSON *internal = cJSON_GetObjectItemCaseSensitive(c->body, "internal");
    char peer[API_BO_PEER_MAX];
    int rc;

    if ((rc = read_members(c->body, m, 2, err)))
        return rc;
    if (internal && !cJSON_IsBool(internal))
        return gdir_err_set_param(err, GDIR_EINVAL, "internal", "internal : true ou false.");
    api_bo_peer(c->req, peer);
    rc = bq_comment(c->db, c->r.id, &c->a, peer, text, !internal || cJSON_IsTrue(internal),
                    time(NULL), err);
    return rc ? rc : answer(c, err);
}

BQ_HANDLER(h_bo_request_comment, BQ_ACTION, comment, 0)

static int assign(struct bq_call *c, struct gdir_err *err)
{
    struct bo_agent who;
    const char *login;
    const struct member m[] = {{"agent", 0, BO_LOGIN_MAX, &login}};
    char peer[API_BO_PEER_MAX];
    int rc;

    memset(&who, 0, sizeof who);
    if (!(rc = read_members(c->body, m, 1, err)) && login) {
        struct gdir_err e2;
        if (bo_agent_get(c->db, login, &who, &e2) || who.disabled ||
            !bo_can(&who, c->r.form_id, c->r.commune, c->r.service))
            rc = gdir_err_set_param(err, GDIR_EINVAL, "agent", "agent : aucun agent actif de "
                                    "ce nom ne traite cette demande.");
    }
    if (!rc) {
        api_bo_peer(c->req, peer);
        rc = bq_assign(c->db, c->r.id, &c->a, peer, login, time(NULL), err);
    }
    if (!rc)
        rc = answer(c, err);
    bo_agent_free(&who);
    return rc;
}

BQ_HANDLER(h_bo_request_assign, BQ_ACTION, assign, 0)

/* ---- saved views -------------------------------------------------------------------------- */

static int views(struct bq_call *c, struct gdir_err *err)
{
    struct api_response *res = c->res;
    struct gdir_json j;
    int rc;

    api_bo_json_begin(res, &j);
    gdir_json_key(&j, "views");
    if ((rc = bq_views_json(c->db, &c->a, &j, err)))
        return rc;
    return api_bo_json_end(res, &j, err);
}

BQ_HANDLER(h_bo_views, BQ_SESSION, views, 0)

static int views_save(struct bq_call *c, struct gdir_err *err)
{
    const char *name, *query;
    const struct member m[] = {{"name", 1, BQ_VIEW_NAME_MAX, &name},
                               {"query", 0, 1024, &query}};
    int rc = read_members(c->body, m, 2, err);

    if (!rc)
        rc = query && strpbrk(query, "#\r\n")
                 ? gdir_err_set_param(err, GDIR_EINVAL, "query", "query : une chaîne de "
                                      "requête (form=…&status=…) est attendue.")
                 : bq_view_save(c->db, &c->a, name, query, time(NULL), err);
    return rc ? rc : views(c, err);
}

BQ_HANDLER(h_bo_views_save, BQ_BODY, views_save, 0)
