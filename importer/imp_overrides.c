/*
 * imp_overrides.c — loading, validating and applying the territory's local corrections file
 * (see imp_overrides.h for the format). Validation happens at load time, so that a mistake
 * stops the run before anything is written; applying works on the new database after merging.
 */
#include "imp_overrides.h"
#include "gdir_buf.h"
#include "gdir_cjson.h"
#include "gdir_fs.h"
#include "gdir_geo.h"
#include "gdir_mem.h"
#include "gdir_taxonomy.h"
#include "gdir_text.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OVERRIDES_MAX_BYTES (4 * 1024 * 1024)
#define ID_MAX 256
#define VALUE_MAX 10000   /* longest text value (description) */

struct imp_overrides {
    char *path;          /* owned, for messages */
    cJSON *root;         /* owned, validated */
    long n;
};

/* Fields a correction may set, and the statement that sets each (a fixed whitelist: the
 * field name never reaches SQL text from the file). */
static const struct {
    const char *key;
    const char *sql;
} fixable[] = {
    {"name", "UPDATE places SET name = ?2, name_key = ?3 WHERE fid = ?1"},
    {"category", "UPDATE places SET category = ?2 WHERE fid = ?1"},
    {"address", "UPDATE places SET address = ?2 WHERE fid = ?1"},
    {"postcode", "UPDATE places SET postcode = ?2 WHERE fid = ?1"},
    {"insee", "UPDATE places SET insee = ?2 WHERE fid = ?1"},
    {"phone", "UPDATE places SET phone = ?2 WHERE fid = ?1"},
    {"email", "UPDATE places SET email = ?2 WHERE fid = ?1"},
    {"website", "UPDATE places SET website = ?2 WHERE fid = ?1"},
    {"opening_hours", "UPDATE places SET opening_hours = ?2 WHERE fid = ?1"},
    {"description", "UPDATE places SET description = ?2 WHERE fid = ?1"},
    {"wheelchair", "UPDATE places SET wheelchair = ?2 WHERE fid = ?1"},
};
#define N_FIXABLE (sizeof fixable / sizeof fixable[0])

static const char SQL_MOVE[] =
    "UPDATE places SET geom = MakePoint(?2, ?3, 4326), geocode_precision = NULL,"
    " geocode_score = NULL WHERE fid = ?1";
static const char SQL_FIELD_SOURCE[] =
    "UPDATE places SET field_sources = json_set(coalesce(field_sources, '{}'), ?2, ?3),"
    " licence = CASE WHEN ?4 = 'ODbL-1.0' THEN ?4 ELSE licence END WHERE fid = ?1";
static const char SQL_FIND_PLACE[] = "SELECT fid FROM places WHERE id = ?1";
static const char SQL_FIND_RECORD[] =
    "SELECT place_fid FROM place_sources WHERE id = ?1 AND place_fid IS NOT NULL";
/* The record as read, kept before a correction changes or hides its place (a merged place's
 * records are kept already). */
static const char SQL_SAVE_RECORD[] =
    "INSERT INTO place_sources(place_fid, id, source, source_id, licence, name, name_key,"
    " category, address, postcode, insee, phone, email, website, opening_hours, description,"
    " source_date, wheelchair, refs, geo_quality, geocode_precision, geocode_score, lon, lat)"
    " SELECT fid, id, source, source_id, licence, name, name_key, category, address, postcode,"
    " insee, phone, email, website, opening_hours, description, source_date, wheelchair, refs,"
    " geo_quality, geocode_precision, geocode_score, ST_X(geom), ST_Y(geom) FROM places"
    " WHERE fid = ?1 AND source <> '" IMP_OVERRIDES_SOURCE "'"
    " AND NOT EXISTS (SELECT 1 FROM place_sources WHERE place_fid = ?1)";
static const char SQL_HIDE[] = "DELETE FROM places WHERE fid = ?1";
static const char SQL_UNLINK[] = "UPDATE place_sources SET place_fid = NULL WHERE place_fid = ?1";
static const char SQL_ADD_PLACE[] =
    "INSERT INTO places(id, source, source_id, licence, name, name_key, category, address,"
    " postcode, insee, phone, email, website, opening_hours, description, source_date,"
    " wheelchair, geom, validated_by, validated_on)"
    " VALUES (?1, '" IMP_OVERRIDES_SOURCE "', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
    " ?13, ?14, ?15, ?16, MakePoint(?17, ?18, 4326), ?19, ?20)";
/* A fix from a validated contribution: who validated it, shown with the place. */
static const char SQL_VALIDATED[] =
    "UPDATE places SET validated_by = ?2, validated_on = ?3 WHERE fid = ?1";
/* The corrections applied to a database, so that --refresh-overrides can tell the entries
 * added since (imp_overrides_delta). */
static const char SQL_RECORD[] =
    "INSERT OR REPLACE INTO meta(key, value) VALUES ('overrides_applied', ?1)";
static const char SQL_WARN[] =
    "INSERT INTO import_warnings(source, id, kind, file, line, message)"
    " VALUES ('" IMP_OVERRIDES_SOURCE "', ?1, 'override_not_found', ?2, ?3, ?4)";

/* ---------------------------------------------------------------- loading */

struct loader {
    const char *path;
    const struct imp_members *members;
    struct gdir_err *err;
};

static int fail(struct loader *L, const char *where, const char *what)
{
    return gdir_err_set_param(L->err, GDIR_ECONFIG, where, "%s: %s: %s", L->path, where, what);
}

static int valid_id(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 128 && imp_id_chars_ok(s);
}

/* A text field: a string (valid UTF-8, at most VALUE_MAX bytes), or null when allowed. */
static int check_text(struct loader *L, const cJSON *v, const char *where, int null_ok)
{
    if (cJSON_IsNull(v))
        return null_ok ? GDIR_OK : fail(L, where, "may not be null");
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return fail(L, where, "expected a non-empty string");
    size_t n = strlen(v->valuestring);
    if (n > VALUE_MAX || !gdir_utf8_valid(v->valuestring, n))
        return fail(L, where, "too long or not valid UTF-8");
    return GDIR_OK;
}

static int check_field(struct loader *L, const cJSON *v, const char *key, const char *where,
                       int null_ok)
{
    int rc = check_text(L, v, where, null_ok || 0);
    if (rc || cJSON_IsNull(v))
        return rc;
    if (!strcmp(key, "category") && !gdir_category_find(v->valuestring))
        return fail(L, where, "not a category code of common/taxonomy.def");
    if (!strcmp(key, "wheelchair") && strcmp(v->valuestring, "yes") &&
        strcmp(v->valuestring, "limited") && strcmp(v->valuestring, "no"))
        return fail(L, where, "expected \"yes\", \"limited\" or \"no\"");
    if (!strcmp(key, "insee") && imp_members_find(L->members, v->valuestring) < 0)
        return fail(L, where, "not a member commune of the territory");
    if (!strcmp(key, "name") && strlen(v->valuestring) > 300)
        return fail(L, where, "longer than 300 bytes");
    return GDIR_OK;
}

/* "validated": {"by": agent login, "commune": INSEE code of a member commune or "cc", "at":
 * "YYYY-MM-DDTHH:MM:SSZ", "request": request id (optional)}: a correction that comes from a
 * resident's contribution, validated in the back office (docs/backoffice.md §7). */
static int check_validated(struct loader *L, const cJSON *v, const char *where)
{
    static const char *const keys[] = {"by", "commune", "at", "request", NULL};
    const cJSON *by = cJSON_GetObjectItemCaseSensitive(v, "by");
    const cJSON *commune = cJSON_GetObjectItemCaseSensitive(v, "commune");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(v, "at");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(v, "request");

    if (!cJSON_IsObject(v))
        return fail(L, where, "expected an object {\"by\", \"commune\", \"at\"}");
    if (gdir_cjson_check_keys(v, keys, L->path, where, L->err))
        return GDIR_ECONFIG;
    if (!cJSON_IsString(by) || !by->valuestring[0] || strlen(by->valuestring) > 64 ||
        !gdir_utf8_valid(by->valuestring, strlen(by->valuestring)))
        return fail(L, where, "\"by\": expected the agent's login");
    if (!cJSON_IsString(commune) || (strcmp(commune->valuestring, "cc") != 0 &&
                                     imp_members_find(L->members, commune->valuestring) < 0))
        return fail(L, where, "\"commune\": expected a member commune's INSEE code or \"cc\"");
    if (!cJSON_IsString(at) || strlen(at->valuestring) != 20 || at->valuestring[4] != '-' ||
        at->valuestring[10] != 'T' || at->valuestring[19] != 'Z')
        return fail(L, where, "\"at\": expected a UTC time YYYY-MM-DDTHH:MM:SSZ");
    if (req && (!cJSON_IsNumber(req) || req->valuedouble < 1))
        return fail(L, where, "\"request\": expected a request number");
    return GDIR_OK;
}

static int is_fixable(const char *key)
{
    for (size_t i = 0; i < N_FIXABLE; i++)
        if (!strcmp(key, fixable[i].key))
            return 1;
    return 0;
}

/* lat and lon: both or neither, numbers inside France. */
static int check_point(struct loader *L, const cJSON *e, const char *where, int required)
{
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(e, "lat");
    const cJSON *lon = cJSON_GetObjectItemCaseSensitive(e, "lon");
    if (!lat && !lon && !required)
        return GDIR_OK;
    if (!cJSON_IsNumber(lat) || !cJSON_IsNumber(lon))
        return fail(L, where, "expected numbers \"lat\" and \"lon\" (WGS84 degrees)");
    if (!gdir_in_france(lat->valuedouble, lon->valuedouble))
        return fail(L, where, "lat/lon outside France");
    return GDIR_OK;
}

static int check_entry(struct loader *L, const cJSON *e, const char *kind, size_t i)
{
    char where[96];
    const cJSON *id, *it;
    int rc;

    snprintf(where, sizeof where, "%s[%zu]", kind, i);
    if (!strcmp(kind, "hide") && cJSON_IsString(e))
        return valid_id(e->valuestring) ? GDIR_OK : fail(L, where, "not a place id");
    if (!cJSON_IsObject(e))
        return fail(L, where, "expected an object");
    id = cJSON_GetObjectItemCaseSensitive(e, "id");
    if (!cJSON_IsString(id) || !valid_id(id->valuestring))
        return fail(L, where, "\"id\": expected an id (A-Z a-z 0-9 . _ ~ : @ + -)");
    if (!strcmp(kind, "add") && strchr(id->valuestring, ':'))
        return fail(L, where, "\"id\": an added place's id has no ':' (it becomes "
                              "\"overrides:<id>\")");
    int n_fields = 0;
    cJSON_ArrayForEach(it, e) {
        char w2[160];
        snprintf(w2, sizeof w2, "%s.%.40s", where, it->string);
        if (!strcmp(it->string, "id") || !strcmp(it->string, "lat") || !strcmp(it->string, "lon"))
            continue;
        if (!strcmp(it->string, "reason")) {
            if ((rc = check_text(L, it, w2, 0)))
                return rc;
            continue;
        }
        if (!strcmp(it->string, "validated")) {
            if ((rc = check_validated(L, it, w2)))
                return rc;
            continue;
        }
        if (!strcmp(kind, "hide") || !is_fixable(it->string))
            return fail(L, w2, "unknown key");
        if ((rc = check_field(L, it, it->string, w2,
                              !strcmp(kind, "fix") && strcmp(it->string, "name") &&
                                  strcmp(it->string, "category"))))
            return rc;
        n_fields++;
    }
    if (!strcmp(kind, "hide")) {
        if (cJSON_GetObjectItemCaseSensitive(e, "lat") ||
            cJSON_GetObjectItemCaseSensitive(e, "lon"))
            return fail(L, where, "a hidden place takes only \"id\", \"reason\" and "
                                  "\"validated\"");
        return GDIR_OK;
    }
    if ((rc = check_point(L, e, where, !strcmp(kind, "add"))))
        return rc;
    if (!strcmp(kind, "add")) {
        static const char *const required[] = {"name", "category", "insee"};
        for (size_t k = 0; k < 3; k++)
            if (!cJSON_GetObjectItemCaseSensitive(e, required[k])) {
                char msg[64];
                snprintf(msg, sizeof msg, "\"%s\" is required", required[k]);
                return fail(L, where, msg);
            }
    } else if (n_fields == 0 && !cJSON_GetObjectItemCaseSensitive(e, "lat")) {
        return fail(L, where, "nothing to fix");
    }
    return GDIR_OK;
}

int imp_overrides_load(struct imp_overrides **out, const char *path,
                       const struct imp_members *members, struct gdir_err *err)
{
    static const char *const kinds[] = {"add", "fix", "hide"};
    static const char *const top_keys[] = {"add", "fix", "hide", "description", NULL};
    struct loader L = {path, members, err};
    struct imp_overrides *o = NULL;
    char *text = NULL;
    const cJSON *it;
    FILE *f;
    int rc;

    *out = NULL;
    if (!(f = fopen(path, "rb")))
        return gdir_err_set(err, GDIR_ECONFIG, "%s: %s", path, strerror(errno));
    if ((rc = gdir_file_read_fp(f, path, OVERRIDES_MAX_BYTES, &text, NULL, err))) {
        if (rc == GDIR_ETOOBIG && err)      /* the user's to fix, like the JSON itself */
            err->code = GDIR_ECONFIG;
        return rc == GDIR_ETOOBIG ? GDIR_ECONFIG : rc;
    }
    if (!(o = calloc(1, sizeof *o)) || !(o->path = malloc(strlen(path) + 1))) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(o->path, path, strlen(path) + 1);
    if (!(o->root = gdir_cjson_parse(text, (size_t)-1, path, GDIR_ECONFIG, err))) {
        rc = GDIR_ECONFIG;
        goto out;
    }
    if (!cJSON_IsObject(o->root)) {
        rc = gdir_err_set(err, GDIR_ECONFIG, "%s: not a JSON object", path);
        goto out;
    }
    if ((rc = gdir_cjson_check_keys(o->root, top_keys, path, "", err)))
        goto out;
    for (size_t k = 0; k < 3; k++) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o->root, kinds[k]);
        size_t i = 0;
        if (!arr)
            continue;
        if (!cJSON_IsArray(arr)) {
            rc = fail(&L, kinds[k], "expected an array");
            goto out;
        }
        cJSON_ArrayForEach(it, arr) {
            if ((rc = check_entry(&L, it, kinds[k], i++)))
                goto out;
            o->n++;
        }
    }
    /* Added ids are unique. */
    const cJSON *add = cJSON_GetObjectItemCaseSensitive(o->root, "add");
    for (const cJSON *a = add ? add->child : NULL; a; a = a->next)
        for (const cJSON *b = a->next; b; b = b->next)
            if (!strcmp(cJSON_GetObjectItemCaseSensitive(a, "id")->valuestring,
                        cJSON_GetObjectItemCaseSensitive(b, "id")->valuestring)) {
                rc = fail(&L, "add", "an id is added twice");
                goto out;
            }
    rc = GDIR_OK;
out:
    free(text);
    if (rc)
        imp_overrides_free(o);
    else
        *out = o;
    return rc;
}

void imp_overrides_free(struct imp_overrides *o)
{
    if (!o)
        return;
    cJSON_Delete(o->root);
    free(o->path);
    free(o);
}

long imp_overrides_count(const struct imp_overrides *o)
{
    return o ? o->n : 0;
}

/* ---------------------------------------------------------------- applying */

struct applier {
    sqlite3 *db;
    const struct imp_overrides_ctx *ctx;
    struct imp_overrides_stats *stats;
    struct gdir_err *err;
    sqlite3_stmt *fix[N_FIXABLE];
    sqlite3_stmt *move, *field_source, *find_place, *find_record, *save, *hide, *unlink,
        *add_place, *warn, *validated;
};

static int db_fail(struct applier *a, const char *what)
{
    return gdir_err_set(a->err, GDIR_EDB, "overrides: %s: %s", what, sqlite3_errmsg(a->db));
}

static int step_done(struct applier *a, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st) == SQLITE_DONE ? GDIR_OK : db_fail(a, what);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc;
}

/* The place of id: a published place's id, or the id of a record merged into one. Returns 1
 * with *fid set, 0 when none, or a negative code. */
static int find(struct applier *a, const char *id, sqlite3_int64 *fid)
{
    sqlite3_stmt *sts[] = {a->find_place, a->find_record};
    for (int k = 0; k < 2; k++) {
        int step;
        sqlite3_bind_text(sts[k], 1, id, -1, SQLITE_STATIC);
        step = sqlite3_step(sts[k]);
        if (step == SQLITE_ROW)
            *fid = sqlite3_column_int64(sts[k], 0);
        sqlite3_reset(sts[k]);
        sqlite3_clear_bindings(sts[k]);
        if (step == SQLITE_ROW)
            return 1;
        if (step != SQLITE_DONE)
            return db_fail(a, "find");
    }
    return 0;
}

static int not_found(struct applier *a, const char *kind, size_t i, const char *id)
{
    char where[48], msg[128];
    snprintf(where, sizeof where, "%s[%zu]", kind, i);
    snprintf(msg, sizeof msg, "correction locale (%s) : aucun lieu ne porte cet identifiant",
             !strcmp(kind, "fix") ? "modification" : "masquage");
    sqlite3_bind_text(a->warn, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(a->warn, 2, a->ctx->file, -1, SQLITE_STATIC);
    sqlite3_bind_text(a->warn, 3, where, -1, SQLITE_STATIC);
    sqlite3_bind_text(a->warn, 4, msg, -1, SQLITE_STATIC);
    a->stats->not_found++;
    return step_done(a, a->warn, "warning");
}

static int save_record(struct applier *a, sqlite3_int64 fid)
{
    sqlite3_bind_int64(a->save, 1, fid);
    return step_done(a, a->save, "keep record");
}

/* The place that the correction kind[i] ("fix", "hide") names by id: found, and its record
 * kept (save_record). Returns 1 with *fid set, 0 when no place has that id (a warning says
 * so), or a negative code. */
static int take_place(struct applier *a, const char *kind, size_t i, const char *id,
                      sqlite3_int64 *fid)
{
    int rc = find(a, id, fid);
    if (rc <= 0)
        return rc < 0 ? rc : not_found(a, kind, i, id);
    return (rc = save_record(a, *fid)) ? rc : 1;
}

static void bind_opt(sqlite3_stmt *st, int i, const cJSON *e, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);
    if (cJSON_IsString(v))
        sqlite3_bind_text(st, i, v->valuestring, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* The validating commune ("cc" or an INSEE code) and the date (YYYY-MM-DD) of a correction
 * from a contribution, bound at i and i + 1 (NULL, NULL without "validated"). */
static void bind_validated(sqlite3_stmt *st, int i, const cJSON *e)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, "validated");
    if (!v) {
        sqlite3_bind_null(st, i);
        sqlite3_bind_null(st, i + 1);
        return;
    }
    sqlite3_bind_text(st, i, cJSON_GetObjectItemCaseSensitive(v, "commune")->valuestring, -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, i + 1, cJSON_GetObjectItemCaseSensitive(v, "at")->valuestring, 10,
                      SQLITE_STATIC);
}

static int apply_add(struct applier *a, const cJSON *e)
{
    const char *id = cJSON_GetObjectItemCaseSensitive(e, "id")->valuestring;
    const char *name = cJSON_GetObjectItemCaseSensitive(e, "name")->valuestring;
    char full[ID_MAX];
    char *key = gdir_text_fold_dup(name);
    int rc = GDIR_OK;

    if (!key)
        return gdir_err_set(a->err, GDIR_ENOMEM, "out of memory");
    snprintf(full, sizeof full, "%s:%s", IMP_OVERRIDES_SOURCE, id);
    sqlite3_stmt *st = a->add_place;
    sqlite3_bind_text(st, 1, full, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, a->ctx->licence, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, key, -1, SQLITE_STATIC);
    bind_opt(st, 6, e, "category");
    bind_opt(st, 7, e, "address");
    bind_opt(st, 8, e, "postcode");
    bind_opt(st, 9, e, "insee");
    bind_opt(st, 10, e, "phone");
    bind_opt(st, 11, e, "email");
    bind_opt(st, 12, e, "website");
    bind_opt(st, 13, e, "opening_hours");
    bind_opt(st, 14, e, "description");
    sqlite3_bind_text(st, 15, a->ctx->date, -1, SQLITE_STATIC);
    bind_opt(st, 16, e, "wheelchair");
    sqlite3_bind_double(st, 17, cJSON_GetObjectItemCaseSensitive(e, "lon")->valuedouble);
    sqlite3_bind_double(st, 18, cJSON_GetObjectItemCaseSensitive(e, "lat")->valuedouble);
    bind_validated(st, 19, e);
    rc = step_done(a, st, "add");
    if (rc == GDIR_OK)
        a->stats->added++;
    free(key);
    return rc;
}

static int mark_source(struct applier *a, sqlite3_int64 fid, const char *field)
{
    char path[64];
    snprintf(path, sizeof path, "$.%s", field);
    sqlite3_bind_int64(a->field_source, 1, fid);
    sqlite3_bind_text(a->field_source, 2, path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(a->field_source, 3, IMP_OVERRIDES_SOURCE, -1, SQLITE_STATIC);
    sqlite3_bind_text(a->field_source, 4, a->ctx->licence, -1, SQLITE_STATIC);
    return step_done(a, a->field_source, "field_sources");
}

static int apply_fix(struct applier *a, const cJSON *e, size_t i)
{
    const char *id = cJSON_GetObjectItemCaseSensitive(e, "id")->valuestring;
    const cJSON *lat = cJSON_GetObjectItemCaseSensitive(e, "lat");
    sqlite3_int64 fid;
    int rc = take_place(a, "fix", i, id, &fid);

    if (rc <= 0)
        return rc;
    for (size_t k = 0; k < N_FIXABLE; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, fixable[k].key);
        char *key = NULL;
        if (!v)
            continue;
        sqlite3_bind_int64(a->fix[k], 1, fid);
        if (cJSON_IsString(v))
            sqlite3_bind_text(a->fix[k], 2, v->valuestring, -1, SQLITE_STATIC);
        if (k == 0) {   /* name: its folded key too */
            if (!(key = gdir_text_fold_dup(v->valuestring)))
                return gdir_err_set(a->err, GDIR_ENOMEM, "out of memory");
            sqlite3_bind_text(a->fix[k], 3, key, -1, SQLITE_STATIC);
        }
        rc = step_done(a, a->fix[k], fixable[k].key);
        free(key);
        if (rc || (rc = mark_source(a, fid, fixable[k].key)))
            return rc;
    }
    if (lat) {
        sqlite3_bind_int64(a->move, 1, fid);
        sqlite3_bind_double(a->move, 2, cJSON_GetObjectItemCaseSensitive(e, "lon")->valuedouble);
        sqlite3_bind_double(a->move, 3, lat->valuedouble);
        if ((rc = step_done(a, a->move, "move")) || (rc = mark_source(a, fid, "geom")))
            return rc;
    }
    if (cJSON_GetObjectItemCaseSensitive(e, "validated")) {
        sqlite3_bind_int64(a->validated, 1, fid);
        bind_validated(a->validated, 2, e);
        if ((rc = step_done(a, a->validated, "validated")))
            return rc;
    }
    a->stats->fixed++;
    return GDIR_OK;
}

static int apply_hide(struct applier *a, const cJSON *e, size_t i)
{
    const char *id = cJSON_IsString(e) ? e->valuestring
                                       : cJSON_GetObjectItemCaseSensitive(e, "id")->valuestring;
    sqlite3_int64 fid;
    int rc = take_place(a, "hide", i, id, &fid);

    if (rc <= 0)
        return rc;
    sqlite3_bind_int64(a->hide, 1, fid);
    sqlite3_bind_int64(a->unlink, 1, fid);
    if ((rc = step_done(a, a->hide, "hide")) || (rc = step_done(a, a->unlink, "hide")))
        return rc;
    a->stats->hidden++;
    return GDIR_OK;
}

int imp_overrides_apply(const struct imp_overrides *o, sqlite3 *db,
                        const struct imp_overrides_ctx *ctx, struct imp_overrides_stats *stats,
                        struct gdir_err *err)
{
    struct applier a;
    const cJSON *arr, *e;
    int rc = GDIR_OK;
    size_t i;

    memset(&a, 0, sizeof a);
    memset(stats, 0, sizeof *stats);
    a.db = db;
    a.ctx = ctx;
    a.stats = stats;
    a.err = err;
    for (size_t k = 0; k < N_FIXABLE; k++)
        if (sqlite3_prepare_v2(db, fixable[k].sql, -1, &a.fix[k], NULL) != SQLITE_OK) {
            rc = db_fail(&a, "prepare");
            goto out;
        }
    struct {
        sqlite3_stmt **st;
        const char *sql;
    } stmts[] = {{&a.move, SQL_MOVE},           {&a.field_source, SQL_FIELD_SOURCE},
                 {&a.find_place, SQL_FIND_PLACE}, {&a.find_record, SQL_FIND_RECORD},
                 {&a.save, SQL_SAVE_RECORD},    {&a.hide, SQL_HIDE},
                 {&a.unlink, SQL_UNLINK},       {&a.add_place, SQL_ADD_PLACE},
                 {&a.warn, SQL_WARN},           {&a.validated, SQL_VALIDATED}};
    for (size_t k = 0; k < sizeof stmts / sizeof stmts[0]; k++)
        if (sqlite3_prepare_v2(db, stmts[k].sql, -1, stmts[k].st, NULL) != SQLITE_OK) {
            rc = db_fail(&a, "prepare");
            goto out;
        }
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        rc = db_fail(&a, "begin");
        goto out;
    }
    /* Adds, then fixes, then hides: a fix or a hide may aim at an added place (a
     * contribution about a place that an earlier one added), and applying only the entries
     * appended since the last run (imp_overrides_delta) gives the same places. */
    arr = cJSON_GetObjectItemCaseSensitive(o->root, "add");
    cJSON_ArrayForEach(e, arr) {
        if ((rc = apply_add(&a, e)))
            break;
    }
    arr = cJSON_GetObjectItemCaseSensitive(o->root, "fix");
    i = 0;
    cJSON_ArrayForEach(e, arr) {
        if (rc || (rc = apply_fix(&a, e, i++)))
            break;
    }
    arr = cJSON_GetObjectItemCaseSensitive(o->root, "hide");
    i = 0;
    cJSON_ArrayForEach(e, arr) {
        if (rc || (rc = apply_hide(&a, e, i++)))
            break;
    }
    if (sqlite3_exec(db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL) != SQLITE_OK && !rc)
        rc = db_fail(&a, "commit");
out:
    for (size_t k = 0; k < N_FIXABLE; k++)
        sqlite3_finalize(a.fix[k]);
    sqlite3_stmt *all[] = {a.move, a.field_source, a.find_place, a.find_record, a.save,
                           a.hide, a.unlink,       a.add_place,  a.warn,        a.validated};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        sqlite3_finalize(all[k]);
    return rc;
}

/* ---------------------------------------------------------------- refresh */

/* The entries of o as one line of JSON ({"add": [...], "fix": [...], "hide": [...]}, without
 * the description), malloc'd, or NULL when out of memory. */
static char *entries_json(const cJSON *root)
{
    static const char *const kinds[] = {"add", "fix", "hide"};
    cJSON *copy = cJSON_CreateObject();
    char *text = NULL;
    for (size_t k = 0; copy && k < 3; k++) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, kinds[k]);
        cJSON *dup = arr ? cJSON_Duplicate(arr, 1) : cJSON_CreateArray();
        if (!dup || !cJSON_AddItemToObject(copy, kinds[k], dup)) {
            cJSON_Delete(dup);
            goto out;
        }
    }
    text = copy ? cJSON_PrintUnformatted(copy) : NULL;
out:
    cJSON_Delete(copy);
    return text;
}

int imp_overrides_record(const struct imp_overrides *o, sqlite3 *db, struct gdir_err *err)
{
    sqlite3_stmt *st = NULL;
    char *text = entries_json(o->root);
    int rc = GDIR_OK;

    if (!text)
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (sqlite3_prepare_v2(db, SQL_RECORD, -1, &st, NULL) != SQLITE_OK) {
        rc = gdir_err_set(err, GDIR_EDB, "overrides: record: %s", sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = gdir_err_set(err, GDIR_EDB, "overrides: record: %s", sqlite3_errmsg(db));
out:
    sqlite3_finalize(st);
    cJSON_free(text);
    return rc;
}

/* Appends to out[kind] the entries of now[kind] after the first n_old ones, when those are
 * the entries of old[kind], in order. Returns 1 when they are, 0 when not, or GDIR_ENOMEM. */
static int suffix(const cJSON *old, const cJSON *now, cJSON *out)
{
    const cJSON *a = old ? old->child : NULL, *b = now ? now->child : NULL;
    for (; a; a = a->next, b = b->next)
        if (!b || !cJSON_Compare(a, b, 1))
            return 0;
    for (; b; b = b->next) {
        cJSON *dup = cJSON_Duplicate(b, 1);
        if (!dup || !cJSON_AddItemToArray(out, dup)) {
            cJSON_Delete(dup);
            return GDIR_ENOMEM;
        }
    }
    return 1;
}

int imp_overrides_delta(const struct imp_overrides *o, const char *applied,
                        struct imp_overrides **delta, struct gdir_err *err)
{
    static const char *const kinds[] = {"add", "fix", "hide"};
    cJSON *old = applied ? cJSON_Parse(applied) : cJSON_CreateObject();
    struct imp_overrides *d = NULL;
    int rc = 1;

    *delta = NULL;
    if (!old)
        return applied ? 0 : gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    if (!(d = calloc(1, sizeof *d)) || !(d->path = gdir_strdup(o->path)) ||
        !(d->root = cJSON_CreateObject())) {
        rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; rc == 1 && k < 3; k++) {
        cJSON *arr = cJSON_AddArrayToObject(d->root, kinds[k]);
        if (!arr) {
            rc = gdir_err_set(err, GDIR_ENOMEM, "out of memory");
            break;
        }
        rc = suffix(cJSON_GetObjectItemCaseSensitive(old, kinds[k]),
                    cJSON_GetObjectItemCaseSensitive(o->root, kinds[k]), arr);
        if (rc == GDIR_ENOMEM)
            gdir_err_set(err, GDIR_ENOMEM, "out of memory");
        d->n += cJSON_GetArraySize(arr);
    }
out:
    cJSON_Delete(old);
    if (rc == 1)
        *delta = d;
    else
        imp_overrides_free(d);
    return rc;
}
