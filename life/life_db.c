/*
 * life_db.c — the daily-life store's connection to the forms database: its schema
 * (life_schema.sql, compiled in), every SQL statement of the module prepared once, the
 * reads, and the writes with their audit row and the change counter. See life_db.h.
 */
#include "life_db.h"
#include "gdir_buf.h"
#include "gdir_db.h"
#include "gdir_db_stmts.h"
#include "gdir_hash.h"
#include "gdir_mem.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


extern const char life_schema_sql[];   /* life_schema.sql, compiled in (CMakeLists.txt) */

/* The text columns, in the order of TEXT_COLS, with their member of struct life_item. */
#define TEXT_COLS                                                                              \
    "title, text_html, text_plain, rrule, exdates, place_id, place_name, address, organiser, " \
    "organiser_place, category, price, accessibility, url, contact_email, contact_phone, "    \
    "severity, author, source, publisher, licence"
#define M(x) offsetof(struct life_item, x)
static const struct { const char *col; size_t off; } text_cols[] = {
    {"title", M(title)}, {"text_html", M(text_html)}, {"text_plain", M(text_plain)},
    {"rrule", M(rrule)}, {"exdates", M(exdates)}, {"place_id", M(place_id)},
    {"place_name", M(place_name)}, {"address", M(address)}, {"organiser", M(organiser)},
    {"organiser_place", M(organiser_place)}, {"category", M(category)}, {"price", M(price)},
    {"accessibility", M(accessibility)}, {"url", M(url)}, {"contact_email", M(contact_email)},
    {"contact_phone", M(contact_phone)}, {"severity", M(severity)}, {"author", M(author)},
    {"source", M(source)}, {"publisher", M(publisher)}, {"licence", M(licence)},
};
#define N_TEXT (sizeof text_cols / sizeof text_cols[0])
#define TEXT_AT(it, k) (*(char **)((char *)(it) + text_cols[k].off))

/* The columns every read gives, TEXT_COLS last (read_row follows this order). */
#define ITEM_COLS                                                                              \
    "i.id, i.kind, i.status, i.publish_at, i.published_at, i.start_local, i.end_local, "       \
    "i.all_day, i.start_utc, i.end_utc, i.last_utc, i.lat, i.lon, i.territory, i.free, "       \
    "i.valid_from, i.valid_until, i.proposal, i.created_at, i.updated_at, "                    \
    "(SELECT group_concat(insee, ' ') FROM (SELECT insee FROM life_communes WHERE item = i.id " \
    "ORDER BY insee)), (SELECT type FROM life_images WHERE item = i.id), " TEXT_COLS
#define N_FIXED 22

/* What the public sees at :now. */
#define VISIBLE                                                                                \
    "(i.status = 'published' AND coalesce(i.publish_at, 0) <= :now AND (i.kind <> 'alert' OR " \
    "((i.valid_from IS NULL OR i.valid_from <= :now) AND "                                     \
    "(i.valid_until IS NULL OR i.valid_until > :now))))"

/* The columns an insert and an update write (besides TEXT_COLS). */
#define SET_COLS                                                                               \
    "start_local = :start_local, end_local = :end_local, all_day = :all_day, "                 \
    "start_utc = :start_utc, end_utc = :end_utc, last_utc = :last_utc, lat = :lat, lon = :lon, " \
    "territory = :territory, free = :free, valid_from = :valid_from, valid_until = :valid_until"

enum stmt {
    S_BEGIN, S_COMMIT, S_ROLLBACK, S_BUMP, S_VERSION, S_INSERT, S_UPDATE_TEXT, S_UPDATE,
    S_DEL_COMMUNES, S_ADD_COMMUNE, S_STATE, S_PUBLISH, S_UNPUBLISH, S_IMAGE_SET, S_TOUCH,
    S_GET, S_BY_PROPOSAL, S_IMAGE_GET, S_LIST, S_AUDIT, S_AUDIT_LIST, S_COUNT
};

static const char *const sql[S_COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_ROLLBACK] = "ROLLBACK",
    [S_BUMP] = "INSERT INTO meta (key, value) VALUES ('life_version', 1) "
               "ON CONFLICT(key) DO UPDATE SET value = value + 1",
    [S_VERSION] = "SELECT value FROM meta WHERE key = 'life_version'",
    [S_INSERT] = "INSERT INTO life_items (kind, status, author, publisher, licence, source, "
                 "proposal, title, text_html, text_plain, created_at, updated_at) VALUES "
                 "(:kind, 'draft', :author, :publisher, :licence, :source, :proposal, :title, "
                 "'', '', :now, :now)",
    [S_UPDATE_TEXT] = "UPDATE life_items SET title = :title, text_html = :text_html, "
                      "text_plain = :text_plain, rrule = :rrule, exdates = :exdates, "
                      "place_id = :place_id, place_name = :place_name, address = :address, "
                      "organiser = :organiser, organiser_place = :organiser_place, "
                      "category = :category, price = :price, accessibility = :accessibility, "
                      "url = :url, contact_email = :contact_email, "
                      "contact_phone = :contact_phone, severity = :severity WHERE id = :id",
    [S_UPDATE] = "UPDATE life_items SET " SET_COLS ", updated_at = :now WHERE id = :id",
    [S_DEL_COMMUNES] = "DELETE FROM life_communes WHERE item = :id",
    [S_ADD_COMMUNE] = "INSERT OR IGNORE INTO life_communes (item, insee) VALUES (:id, :insee)",
    [S_STATE] = "SELECT kind, status FROM life_items WHERE id = :id",
    [S_PUBLISH] = "UPDATE life_items SET status = 'published', publish_at = :at, "
                  "published_at = coalesce(:at, :now), updated_at = :now WHERE id = :id",
    [S_UNPUBLISH] = "UPDATE life_items SET status = 'unpublished', updated_at = :now "
                    "WHERE id = :id",
    [S_IMAGE_SET] = "INSERT INTO life_images (item, type, data, sha256) VALUES (:id, :type, "
                    ":data, :sha) ON CONFLICT(item) DO UPDATE SET type = excluded.type, "
                    "data = excluded.data, sha256 = excluded.sha256",
    [S_TOUCH] = "UPDATE life_items SET updated_at = :now WHERE id = :id",
    [S_GET] = "SELECT " ITEM_COLS " FROM life_items i WHERE i.id = :id",
    [S_BY_PROPOSAL] = "SELECT id FROM life_items WHERE proposal = :req",
    [S_IMAGE_GET] = "SELECT m.type, m.data FROM life_images m JOIN life_items i ON i.id = m.item "
                    "WHERE m.item = :id AND (:all IS NOT NULL OR " VISIBLE ")",
    [S_LIST] = "SELECT " ITEM_COLS " FROM life_items i WHERE "
               "(:kind IS NULL OR i.kind = :kind) AND (:notevent IS NULL OR i.kind <> 'event') "
               "AND (:status IS NULL OR i.status = :status) "
               "AND (:visible IS NULL OR " VISIBLE ") "
               "AND (:commune IS NULL OR i.territory = 1 OR EXISTS (SELECT 1 FROM life_communes "
               "c WHERE c.item = i.id AND c.insee = :commune)) "
               "AND (:category IS NULL OR i.category = :category) "
               "AND (:q IS NULL OR instr(lower(i.title || ' ' || i.text_plain), lower(:q)) > 0) "
               "AND (:from IS NULL OR (i.kind = 'event' AND i.start_utc < :to AND "
               "(i.last_utc IS NULL OR i.last_utc > :from))) "
               "ORDER BY CASE WHEN i.kind = 'event' THEN i.start_utc END, "
               "coalesce(i.publish_at, i.published_at, i.updated_at) DESC, i.id DESC "
               "LIMIT :limit",
    [S_AUDIT] = "INSERT INTO life_audit (at, actor, peer, action, item, kind, from_status, "
                "to_status, request_id) VALUES (:now, :actor, :peer, :action, :item, :kind, "
                ":from, :to, :req)",
    [S_AUDIT_LIST] = "SELECT at, actor, action, from_status, to_status FROM life_audit "
                     "WHERE item = :id ORDER BY id",
};

/* On the forms store's own table, prepared on first use (the store may create it later). */
static const char sql_proposal_image[] =
    "SELECT type, stored FROM attachments WHERE request_id = :req AND field = 'image' "
    "ORDER BY n LIMIT 1";

struct life_db {
    struct gdir_db d;
    sqlite3_stmt *st[S_COUNT];
    sqlite3_stmt *proposal_image;
};

/* ---- names ---- */

static const char *const kinds[] = {"event", "news", "alert"};
static const char *const statuses[] = {"draft", "published", "unpublished"};

const char *life_kind_name(enum life_kind k)
{
    return (unsigned)k < 3 ? kinds[k] : "?";
}

const char *life_status_name(enum life_status s)
{
    return (unsigned)s < 3 ? statuses[s] : "?";
}

static int parse_name(const char *s, const char *const *names, int *out)
{
    for (int i = 0; s && i < 3; i++)
        if (!strcmp(s, names[i])) {
            *out = i;
            return GDIR_OK;
        }
    return GDIR_EINVAL;
}

int life_kind_parse(const char *s, enum life_kind *out)
{
    int v = 0, rc = parse_name(s, kinds, &v);
    *out = (enum life_kind)v;
    return rc;
}

int life_status_parse(const char *s, enum life_status *out)
{
    int v = 0, rc = parse_name(s, statuses, &v);
    *out = (enum life_status)v;
    return rc;
}

const char *life_category_label(const char *code)
{
    static const char *const cats[][2] = {
        {"fete", "Fête, animation"}, {"marche", "Marché"}, {"sport", "Sport"},
        {"culture", "Culture, spectacle"}, {"reunion", "Réunion publique"},
        {"permanence", "Permanence"}, {"nature", "Nature, randonnée"},
        {"solidarite", "Solidarité"}, {"autre", "Autre"}};
    for (size_t i = 0; code && i < sizeof cats / sizeof cats[0]; i++)
        if (!strcmp(code, cats[i][0]))
            return cats[i][1];
    return NULL;
}

void life_item_free(struct life_item *it)
{
    if (!it)
        return;
    for (size_t k = 0; k < N_TEXT; k++) {
        free(TEXT_AT(it, k));
        TEXT_AT(it, k) = NULL;
    }
    for (size_t i = 0; i < it->n_communes; i++)
        free(it->communes[i]);
    free(it->communes);
    free(it->image_type);
    it->communes = NULL;
    it->n_communes = 0;
    it->image_type = NULL;
}

/* ---- statements ---- */

static int fail(struct life_db *db, const char *what, struct gdir_err *err)
{
    return gdir_err_set(err, GDIR_EDB, "daily-life store: %s: %s", what,
                        sqlite3_errmsg(db->d.db));
}

/* The end of a loop over the rows of st: SQLITE_DONE is success, another SQLite code an error
 * of what, a callback's (negative) code is kept; st is reset. */
static int rows_end(struct life_db *db, sqlite3_stmt *st, int rc, const char *what,
                    struct gdir_err *err)
{
    if (rc == SQLITE_DONE)
        rc = GDIR_OK;
    else if (rc > 0)
        rc = fail(db, what, err);
    sqlite3_reset(st);
    return rc;
}

static sqlite3_stmt *stmt(struct life_db *db, enum stmt which)
{
    sqlite3_reset(db->st[which]);
    sqlite3_clear_bindings(db->st[which]);
    return db->st[which];
}

static int step_done(struct life_db *db, enum stmt which, const char *what, struct gdir_err *err)
{
    int rc = sqlite3_step(db->st[which]);
    sqlite3_reset(db->st[which]);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return fail(db, what, err);
    return GDIR_OK;
}

static void b_text(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i && v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else if (i)
        sqlite3_bind_null(st, i);
}

static void b_int(sqlite3_stmt *st, const char *name, long long v)
{
    sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, name), v);
}

/* A time or id that 0 means absent: bound as NULL then. */
static void b_opt(sqlite3_stmt *st, const char *name, long long v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (v)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

int life_db_open(struct life_db **out, const char *forms_db, struct gdir_err *err)
{
    struct life_db *db = calloc(1, sizeof *db);

    *out = NULL;
    if (!db)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (gdir_db_open_store(&db->d, forms_db, err) || gdir_db_exec(&db->d, life_schema_sql, err) ||
        gdir_db_prepare_all(&db->d, sql, S_COUNT, db->st, NULL, err)) {
        life_db_close(db);
        return err && err->code ? err->code : GDIR_EDB;
    }
    *out = db;
    return GDIR_OK;
}

void life_db_close(struct life_db *db)
{
    if (!db)
        return;
    gdir_db_finalize_all(db->st, S_COUNT);
    sqlite3_finalize(db->proposal_image);
    gdir_db_close(&db->d);
    free(db);
}

int life_db_version(struct life_db *db, long long *out, struct gdir_err *err)
{
    sqlite3_stmt *st = stmt(db, S_VERSION);
    int rc = sqlite3_step(st);

    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return fail(db, "version", err);
    return GDIR_OK;
}

/* ---- reads ---- */

static long long col_opt(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, i);
}

static void col_local(sqlite3_stmt *st, int i, char out[LIFE_LOCAL_LEN])
{
    const unsigned char *s = sqlite3_column_text(st, i);
    snprintf(out, LIFE_LOCAL_LEN, "%s", s ? (const char *)s : "");
}

/* The communes column ("55040 55532") into it->communes. */
static int split_communes(const char *s, struct life_item *it)
{
    size_t n = 0;
    for (const char *p = s; p && *p; p++)
        n += *p == ' ';
    if (!s || !*s)
        return GDIR_OK;
    if (!(it->communes = calloc(n + 1, sizeof *it->communes)))
        return GDIR_ENOMEM;
    for (const char *p = s; *p;) {
        size_t len = strcspn(p, " ");
        char *c = malloc(len + 1);
        if (!c)
            return GDIR_ENOMEM;
        memcpy(c, p, len);
        c[len] = '\0';
        it->communes[it->n_communes++] = c;
        p += len + (p[len] == ' ');
    }
    return GDIR_OK;
}

/* The current row of a statement selecting ITEM_COLS into out. */
static int read_row(sqlite3_stmt *st, struct life_item *out, struct gdir_err *err)
{
    int rc;

    memset(out, 0, sizeof *out);
    out->id = sqlite3_column_int64(st, 0);
    life_kind_parse((const char *)sqlite3_column_text(st, 1), &out->kind);
    life_status_parse((const char *)sqlite3_column_text(st, 2), &out->status);
    out->publish_at = col_opt(st, 3);
    out->published_at = col_opt(st, 4);
    col_local(st, 5, out->start);
    col_local(st, 6, out->end);
    out->all_day = sqlite3_column_int(st, 7);
    out->start_utc = col_opt(st, 8);
    out->end_utc = col_opt(st, 9);
    out->last_utc = col_opt(st, 10);
    out->has_point = sqlite3_column_type(st, 11) != SQLITE_NULL;
    out->lat = sqlite3_column_double(st, 11);
    out->lon = sqlite3_column_double(st, 12);
    out->territory = sqlite3_column_int(st, 13);
    out->free = sqlite3_column_int(st, 14);
    out->valid_from = col_opt(st, 15);
    out->valid_until = col_opt(st, 16);
    out->proposal = col_opt(st, 17);
    out->created_at = sqlite3_column_int64(st, 18);
    out->updated_at = sqlite3_column_int64(st, 19);
    rc = split_communes((const char *)sqlite3_column_text(st, 20), out);
    out->image_type = gdir_db_col_dup(st, 21);
    for (size_t k = 0; k < N_TEXT; k++)
        TEXT_AT(out, k) = gdir_db_col_dup(st, N_FIXED + (int)k);
    if (rc || !out->title || !out->text_html || !out->text_plain) {
        life_item_free(out);
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    }
    return GDIR_OK;
}

int life_db_get(struct life_db *db, long long id, struct life_item *out, struct gdir_err *err)
{
    sqlite3_stmt *st = stmt(db, S_GET);
    int rc;

    memset(out, 0, sizeof *out);
    b_int(st, ":id", id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = read_row(st, out, err);
    else if (rc == SQLITE_DONE)
        rc = gdir_err_set_param(err, GDIR_ENOTFOUND, "id", "Aucun contenu n° %lld.", id);
    else
        rc = fail(db, "get", err);
    sqlite3_reset(st);
    return rc;
}

int life_db_by_proposal(struct life_db *db, long long request_id, long long *id,
                        struct gdir_err *err)
{
    sqlite3_stmt *st = stmt(db, S_BY_PROPOSAL);
    int rc;

    b_int(st, ":req", request_id);
    rc = sqlite3_step(st);
    *id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? GDIR_OK : fail(db, "proposal", err);
}

int life_db_image(struct life_db *db, long long id, time_t now, int visible_only, char type[16],
                  struct gdir_buf *out, struct gdir_err *err)
{
    sqlite3_stmt *st = stmt(db, S_IMAGE_GET);
    int rc;

    b_int(st, ":id", id);
    b_int(st, ":now", (long long)now);
    if (!visible_only)
        b_int(st, ":all", 1);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(type, 16, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = gdir_buf_add(out, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1))
                 ? gdir_err_set(err, GDIR_ENOMEM, "out of memory") : GDIR_OK;
    } else if (rc == SQLITE_DONE) {
        rc = gdir_err_set(err, GDIR_ENOTFOUND, "Aucune image publiée pour le contenu n° %lld.",
                          id);
    } else {
        rc = fail(db, "image", err);
    }
    sqlite3_reset(st);
    return rc;
}

int life_db_list(struct life_db *db, const struct life_filter *f, life_item_fn fn, void *arg,
                 struct gdir_err *err)
{
    sqlite3_stmt *st = stmt(db, S_LIST);
    struct life_item it;
    int rc;

    if (f->kind >= 0)
        b_text(st, ":kind", life_kind_name((enum life_kind)f->kind));
    else if (f->kind == LIFE_ANY_NOT_EVENT)
        b_int(st, ":notevent", 1);
    if (f->status >= 0)
        b_text(st, ":status", life_status_name((enum life_status)f->status));
    if (f->visible)
        b_int(st, ":visible", 1);
    b_int(st, ":now", (long long)f->now);
    b_text(st, ":commune", f->commune);
    b_text(st, ":category", f->category);
    b_text(st, ":q", f->q && *f->q ? f->q : NULL);
    if (f->from_utc || f->to_utc) {
        b_int(st, ":from", f->from_utc);
        b_int(st, ":to", f->to_utc);
    }
    b_int(st, ":limit", f->limit > 0 ? f->limit : -1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if ((rc = read_row(st, &it, err)))
            break;
        rc = fn(arg, &it);
        life_item_free(&it);
        if (rc)
            break;
    }
    return rows_end(db, st, rc, "list", err);
}

int life_db_audit(struct life_db *db, long long id, life_audit_fn fn, void *arg,
                  struct gdir_err *err)
{
    sqlite3_stmt *st = stmt(db, S_AUDIT_LIST);
    int rc;

    b_int(st, ":id", id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *to = (const char *)sqlite3_column_text(st, 4);
        if ((rc = fn(arg, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                     (const char *)sqlite3_column_text(st, 2),
                     (const char *)sqlite3_column_text(st, 3), to)))
            break;
    }
    return rows_end(db, st, rc, "audit", err);
}

/* ---- writes ---- */

static void rollback(struct life_db *db)
{
    if (!sqlite3_get_autocommit(db->d.db))
        step_done(db, S_ROLLBACK, "ROLLBACK", NULL);
}

/* The kind and status of item id (GDIR_ENOTFOUND). */
static int state(struct life_db *db, long long id, enum life_kind *kind, enum life_status *status,
                 struct gdir_err *err)
{
    sqlite3_stmt *st = stmt(db, S_STATE);
    int rc;

    b_int(st, ":id", id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        life_kind_parse((const char *)sqlite3_column_text(st, 0), kind);
        life_status_parse((const char *)sqlite3_column_text(st, 1), status);
        rc = GDIR_OK;
    } else {
        rc = rc == SQLITE_DONE ? gdir_err_set_param(err, GDIR_ENOTFOUND, "id",
                                                    "Aucun contenu n° %lld.", id)
                               : fail(db, "state", err);
    }
    sqlite3_reset(st);
    return rc;
}

/* The audit row, the counter and the commit of a write. */
static int finish(struct life_db *db, long long id, enum life_kind kind, const char *action,
                  const char *from, const char *to, const struct life_actor *who, time_t now,
                  struct gdir_err *err)
{
    sqlite3_stmt *st = stmt(db, S_AUDIT);
    int rc;

    b_int(st, ":now", (long long)now);
    b_text(st, ":actor", who && who->login ? who->login : "system");
    b_text(st, ":peer", who && who->peer && who->peer[0] ? who->peer : NULL);
    b_text(st, ":action", action);
    b_int(st, ":item", id);
    b_text(st, ":kind", life_kind_name(kind));
    b_text(st, ":from", from);
    b_text(st, ":to", to);
    b_opt(st, ":req", who ? who->request_id : 0);
    if ((rc = step_done(db, S_AUDIT, "audit", err)) ||
        (rc = step_done(db, S_BUMP, "version", err)) ||
        (rc = step_done(db, S_COMMIT, "COMMIT", err)))
        return rc;
    return GDIR_OK;
}

/* The fields of an insert or update: texts, times, point, communes. */
static int write_fields(struct life_db *db, const struct life_item *it, time_t now,
                        struct gdir_err *err)
{
    sqlite3_stmt *st = stmt(db, S_UPDATE_TEXT);
    int rc;

    for (size_t k = 0; k < N_TEXT; k++) {
        char name[40];
        snprintf(name, sizeof name, ":%s", text_cols[k].col);
        b_text(st, name, TEXT_AT(it, k));
    }
    b_int(st, ":id", it->id);
    if ((rc = step_done(db, S_UPDATE_TEXT, "update", err)))
        return rc;
    st = stmt(db, S_UPDATE);
    b_text(st, ":start_local", it->start[0] ? it->start : NULL);
    b_text(st, ":end_local", it->end[0] ? it->end : NULL);
    b_int(st, ":all_day", it->all_day);
    b_opt(st, ":start_utc", it->start_utc);
    b_opt(st, ":end_utc", it->end_utc);
    b_opt(st, ":last_utc", it->last_utc);
    if (it->has_point) {
        sqlite3_bind_double(st, sqlite3_bind_parameter_index(st, ":lat"), it->lat);
        sqlite3_bind_double(st, sqlite3_bind_parameter_index(st, ":lon"), it->lon);
    }
    b_int(st, ":territory", it->territory);
    b_int(st, ":free", it->free);
    b_opt(st, ":valid_from", it->valid_from);
    b_opt(st, ":valid_until", it->valid_until);
    b_int(st, ":now", (long long)now);
    b_int(st, ":id", it->id);
    if ((rc = step_done(db, S_UPDATE, "update", err)))
        return rc;
    st = stmt(db, S_DEL_COMMUNES);
    b_int(st, ":id", it->id);
    if ((rc = step_done(db, S_DEL_COMMUNES, "communes", err)))
        return rc;
    for (size_t i = 0; i < it->n_communes; i++) {
        st = stmt(db, S_ADD_COMMUNE);
        b_int(st, ":id", it->id);
        b_text(st, ":insee", it->communes[i]);
        if ((rc = step_done(db, S_ADD_COMMUNE, "communes", err)))
            return rc;
    }
    return GDIR_OK;
}

int life_db_insert(struct life_db *db, struct life_item *it, const struct life_actor *who,
                   time_t now, struct gdir_err *err)
{
    sqlite3_stmt *st;
    int rc;

    if ((rc = step_done(db, S_BEGIN, "BEGIN", err)))
        return rc;
    st = stmt(db, S_INSERT);
    b_text(st, ":kind", life_kind_name(it->kind));
    b_text(st, ":author", it->author ? it->author : "system");
    b_text(st, ":publisher", it->publisher ? it->publisher : "");
    b_text(st, ":licence", it->licence ? it->licence : "etalab-2.0");
    b_text(st, ":source", it->source);
    b_opt(st, ":proposal", it->proposal);
    b_text(st, ":title", it->title);
    b_int(st, ":now", (long long)now);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_CONSTRAINT && it->proposal) {
        rc = gdir_err_set(err, GDIR_ECONFLICT, "Cette proposition est déjà publiée.");
        goto out;
    }
    if (rc != SQLITE_DONE) {
        rc = fail(db, "insert", err);
        goto out;
    }
    it->id = sqlite3_last_insert_rowid(db->d.db);
    if (!(rc = write_fields(db, it, now, err)))
        rc = finish(db, it->id, it->kind, "create", NULL, "draft", who, now, err);
out:
    if (rc)
        rollback(db);
    return rc;
}

int life_db_update(struct life_db *db, const struct life_item *it, const struct life_actor *who,
                   time_t now, struct gdir_err *err)
{
    enum life_kind kind;
    enum life_status status;
    int rc;

    if ((rc = step_done(db, S_BEGIN, "BEGIN", err)))
        return rc;
    if (!(rc = state(db, it->id, &kind, &status, err)) && kind != it->kind)
        rc = gdir_err_set_param(err, GDIR_EINVAL, "kind", "kind : la nature d'un contenu ne "
                                "change pas (%s).", life_kind_name(kind));
    if (!rc && !(rc = write_fields(db, it, now, err)))
        rc = finish(db, it->id, kind, "update", life_status_name(status),
                    life_status_name(status), who, now, err);
    if (rc)
        rollback(db);
    return rc;
}

int life_db_set_status(struct life_db *db, long long id, enum life_status to, long long at,
                       const struct life_actor *who, time_t now, struct gdir_err *err)
{
    enum life_kind kind;
    enum life_status from;
    sqlite3_stmt *st;
    int rc;

    if ((rc = step_done(db, S_BEGIN, "BEGIN", err)))
        return rc;
    if ((rc = state(db, id, &kind, &from, err)))
        goto out;
    st = stmt(db, to == LIFE_PUBLISHED ? S_PUBLISH : S_UNPUBLISH);
    b_int(st, ":id", id);
    b_int(st, ":now", (long long)now);
    b_opt(st, ":at", at);
    if ((rc = step_done(db, to == LIFE_PUBLISHED ? S_PUBLISH : S_UNPUBLISH, "status", err)))
        goto out;
    rc = finish(db, id, kind, to == LIFE_PUBLISHED ? "publish" : "unpublish",
                life_status_name(from), life_status_name(to), who, now, err);
out:
    if (rc)
        rollback(db);
    return rc;
}

int life_db_set_image(struct life_db *db, long long id, const char *type, const void *data,
                      size_t len, const struct life_actor *who, time_t now, struct gdir_err *err)
{
    unsigned char dig[32];
    char hex[65];
    struct gdir_sha256 h;
    enum life_kind kind;
    enum life_status status;
    sqlite3_stmt *st;
    int rc;

    if (len > LIFE_IMAGE_MAX)
        return gdir_err_set_param(err, GDIR_ETOOBIG, "image", "image : 2 Mio au plus.");
    if (gdir_sha256_init(&h) || gdir_sha256_update(&h, data, len) || gdir_sha256_final(&h, dig)) {
        gdir_sha256_free(&h);
        return gdir_err_set(err, GDIR_EINTERNAL, "sha256 failed");
    }
    gdir_sha256_free(&h);
    gdir_sha256_hex(dig, hex);
    if ((rc = step_done(db, S_BEGIN, "BEGIN", err)))
        return rc;
    if ((rc = state(db, id, &kind, &status, err)))
        goto out;
    st = stmt(db, S_IMAGE_SET);
    b_int(st, ":id", id);
    b_text(st, ":type", type);
    sqlite3_bind_blob(st, sqlite3_bind_parameter_index(st, ":data"), data, (int)len,
                      SQLITE_TRANSIENT);
    b_text(st, ":sha", hex);
    if ((rc = step_done(db, S_IMAGE_SET, "image", err)))
        goto out;
    st = stmt(db, S_TOUCH);
    b_int(st, ":id", id);
    b_int(st, ":now", (long long)now);
    if (!(rc = step_done(db, S_TOUCH, "image", err)))
        rc = finish(db, id, kind, "image", life_status_name(status), life_status_name(status),
                    who, now, err);
out:
    if (rc)
        rollback(db);
    return rc;
}

int life_db_proposal_image(struct life_db *db, long long request_id, char stored[128],
                           char type[16], struct gdir_err *err)
{
    sqlite3_stmt *st;
    int rc;

    stored[0] = type[0] = '\0';
    if (!db->proposal_image && gdir_db_prepare(&db->d, sql_proposal_image, &db->proposal_image,
                                               err))
        return GDIR_EDB;
    st = db->proposal_image;
    sqlite3_reset(st);
    b_int(st, ":req", request_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        snprintf(type, 16, "image/%s", t && !strcmp(t, "png") ? "png" : "jpeg");
        snprintf(stored, 128, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? GDIR_OK : fail(db, "attachments", err);
}
