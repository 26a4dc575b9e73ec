/*
 * bo_register.c — the register of processing (article 30 of the RGPD) written from the form
 * definitions, and a requester's export (right of access, article 15). See bo_purge.h.
 */
#include "bo_purge.h"

#include "gdir_forms.h"
#include "gdir_json.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <string.h>



static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(it) ? it->valuestring : "";
}

/* The data collected: the labels of the fields that hold a value, page by page. */
static void register_fields(struct gdir_buf *b, const cJSON *fields, int depth)
{
    const cJSON *fd;
    cJSON_ArrayForEach(fd, fields) {
        const char *type = str(fd, "type");
        if (!strcmp(type, "section") || !strcmp(type, "info"))
            continue;
        gdir_buf_printf(b, "%*s- %s%s\n", 2 * depth, "", str(fd, "label"),
                        !strcmp(type, "file") ? " (pièce jointe)" : "");
        if (!strcmp(type, "repeat"))
            register_fields(b, cJSON_GetObjectItemCaseSensitive(fd, "fields"), depth + 1);
    }
}

static void register_form(struct gdir_buf *b, const struct form_def *f, const cJSON *root)
{
    static const char *const rows[][2] = {
        { "controller", "Responsable du traitement" }, { "purpose", "Finalité" },
        { "legal_basis", "Base légale" }, { "recipients", "Destinataires" },
        { "retention", "Durée de conservation" }, { "rights", "Droits des personnes" },
        { "contact", "Contact" },
    };
    const cJSON *notice = cJSON_GetObjectItemCaseSensitive(root, "notice"), *page, *it;
    const cJSON *ret = cJSON_GetObjectItemCaseSensitive(root, "retention");
    const cJSON *health = cJSON_GetObjectItemCaseSensitive(ret, "health_fields");

    gdir_buf_printf(b, "## %s\n\nDémarche en ligne `%s` (version %d). %s\n\n", form_title(f),
                    form_id(f), form_version(f), str(root, "description"));
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        gdir_buf_printf(b, "- **%s** : %s\n", rows[i][1], str(notice, rows[i][0]));
    gdir_buf_printf(b, "- **Personnes concernées** : les usagers qui déposent la demande et les "
                       "personnes qu'elle mentionne\n- **Transferts hors de l'Union "
                       "européenne** : aucun\n- **Suppression automatique** : %d mois après "
                       "la clôture de la demande, avec ses pièces jointes\n",
                    form_retention_months(f));
    if (health) {
        gdir_buf_adds(b, "- **Données de santé** (effacées le 31 août suivant le dépôt) :");
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(health, "fields"))
            gdir_buf_printf(b, " `%s`", cJSON_IsString(it) ? it->valuestring : "");
        gdir_buf_adds(b, "\n");
    }
    gdir_buf_adds(b, "\n### Données collectées\n\n");
    cJSON_ArrayForEach(page, cJSON_GetObjectItemCaseSensitive(root, "pages")) {
        gdir_buf_printf(b, "- %s\n", str(page, "title"));
        register_fields(b, cJSON_GetObjectItemCaseSensitive(page, "fields"), 1);
    }
    gdir_buf_adds(b, "\n");
}

int bo_register_markdown(const struct forms_set *set, struct gdir_buf *b, struct gdir_err *err)
{
    gdir_buf_printf(b, "# Registre des activités de traitement (article 30 du RGPD)\n\n"
                       "Démarches en ligne : %zu traitements. Mesures de sécurité communes : "
                       "données hébergées dans une base dédiée, pièces jointes hors de la "
                       "racine web, accès des agents par compte nominatif (mot de passe "
                       "Argon2id, second facteur pour les administrateurs), droits limités à "
                       "leur commune ou service, journal d'audit, purge automatique.\n\n",
                    forms_count(set));
    for (size_t i = 0; i < forms_count(set); i++) {
        const struct form_def *f = forms_at(set, i);
        cJSON *root = cJSON_Parse(form_json(f));
        if (!root)
            return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        register_form(b, f, root);
        cJSON_Delete(root);
    }
    return b->err ? gdir_err_set(err, b->err, "register: %s", gdir_err_text(b->err)) : GDIR_OK;
}

/* ---- the requester's export ----------------------------------------------------------- */

/* Writes column i of st as a JSON value under key (NULL, integer or text). */
static void col(struct gdir_json *j, sqlite3_stmt *st, int i, const char *key)
{
    gdir_json_key(j, key);
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL: gdir_json_null(j); break;
    case SQLITE_INTEGER: gdir_json_int(j, sqlite3_column_int64(st, i)); break;
    default: gdir_json_str(j, (const char *)sqlite3_column_text(st, i)); break;
    }
}

/* The rows of sql for request id as an array of objects named by keys. */
static int rows(sqlite3 *db, struct gdir_json *j, const char *name, const char *sql,
                const char *const *keys, long long id, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return gdir_err_set(err, GDIR_EDB, "export: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, id);
    gdir_json_key(j, name);
    gdir_json_arr_begin(j);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        gdir_json_obj_begin(j);
        for (int i = 0; keys[i]; i++)
            col(j, st, i, keys[i]);
        gdir_json_obj_end(j);
    }
    gdir_json_arr_end(j);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? GDIR_OK : gdir_err_set(err, GDIR_EDB, "export: %s",
                                                      sqlite3_errmsg(db));
}

/* One request: its row, then its events, messages, attachments and e-mails. */
static int export_request(sqlite3 *db, struct gdir_json *j, sqlite3_stmt *st,
                          struct gdir_err *err)
{
    static const char *const rkeys[] = { "id", "code", "form", "form_version", "status",
                                         "commune", "service", "created_at", "updated_at",
                                         "closed_at", NULL };
    static const char *const ekeys[] = { "at", "actor", "from", "to", "message", "visible",
                                         NULL };
    static const char *const mkeys[] = { "at", "sender", "body", NULL };
    static const char *const akeys[] = { "n", "field", "name", "type", "size", "sha256",
                                         "created_at", NULL };
    static const char *const okeys[] = { "subject", "created_at", "sent_at", NULL };
    long long id = sqlite3_column_int64(st, 0);
    int rc;

    gdir_json_obj_begin(j);
    for (int i = 0; rkeys[i]; i++)
        col(j, st, i, rkeys[i]);
    gdir_json_key(j, "values");
    gdir_json_raw(j, (const char *)sqlite3_column_text(st, 10));
    if ((rc = rows(db, j, "events", "SELECT at, actor_kind, from_status, to_status, message, "
                   "visible FROM events WHERE request_id = ?1 ORDER BY at, id", ekeys, id,
                   err)) ||
        (rc = rows(db, j, "messages", "SELECT at, sender, body FROM messages WHERE "
                   "request_id = ?1 ORDER BY at, id", mkeys, id, err)) ||
        (rc = rows(db, j, "attachments", "SELECT n, field, original, type, size, sha256, "
                   "created_at FROM attachments WHERE request_id = ?1 ORDER BY n", akeys, id,
                   err)) ||
        (rc = rows(db, j, "emails", "SELECT subject, created_at, sent_at FROM outbox WHERE "
                   "request_id = ?1 ORDER BY id", okeys, id, err)))
        return rc;
    gdir_json_obj_end(j);
    return GDIR_OK;
}

int bo_requester_export(sqlite3 *db, const char *email, struct gdir_buf *out,
                        struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    struct gdir_json j;
    int rc = GDIR_OK, step;

    if (sqlite3_prepare_v2(db, "SELECT id, code, form_id, form_version, status, commune, "
                           "service, created_at, updated_at, closed_at, values_json FROM "
                           "requests WHERE lower(email) = lower(?1) ORDER BY created_at, id",
                           -1, &st, NULL) != SQLITE_OK)
        return gdir_err_set(err, GDIR_EDB, "export: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
    gdir_json_init(&j, out);
    gdir_json_obj_begin(&j);
    gdir_json_kstr(&j, "email", email);
    gdir_json_key(&j, "requests");
    gdir_json_arr_begin(&j);
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW)
        rc = export_request(db, &j, st, err);
    if (!rc && step != SQLITE_DONE)
        rc = gdir_err_set(err, GDIR_EDB, "export: %s", sqlite3_errmsg(db));
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    sqlite3_finalize(st);
    if (!rc && gdir_json_error(&j))
        rc = gdir_err_set(err, gdir_json_error(&j), "export: %s",
                          gdir_err_text(gdir_json_error(&j)));
    return rc;
}
