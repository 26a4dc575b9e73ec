/*
 * imp_profile.c — loads and validates mapping profiles (importer/profiles/<name>.json) into
 * struct imp_profile. Pure configuration: no GDAL, no database. The file format is described
 * in importer/README.md; every key is checked, so a typo is an error, not a silent default.
 *
 * Besides the plain mapping it compiles the richer parts of the rule language: computed
 * fields ("computed"), rules of several conditions ("match", OSM tags), and rows that no rule
 * matches being filtered ("unmatched": "filter"). Those are evaluated by imp_source, which
 * hands imp_record two computed fields: "@category" and "@keep".
 */
#include "imp_profile.h"
#include "gdir_buf.h"
#include "gdir_cjson.h"
#include "gdir_fs.h"
#include "gdir_mem.h"
#include "gdir_taxonomy.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROFILE_MAX_BYTES (256 * 1024)
#define READER_MAX_MB_DEFAULT 256     /* FINESS JSON / XML readers: default file size cap */
#define READER_MAX_MB_LIMIT 4096

const char *const imp_target_names[IMP_T__COUNT] = {
    "source_id", "name",    "address", "postcode",      "insee",       "phone",      "email",
    "website",   "opening_hours", "description", "date", "postcodes", "population",
    "housenumber", "street", "city", "wheelchair", "refs", "geo_quality",
};

/* Loading context: the profile being filled and where errors point. */
struct loader {
    struct imp_profile *p;
    const char *file;        /* path of the profile file, for messages */
    const char *dir;         /* the profiles folder (osm_config is relative to it) */
    struct gdir_err *err;
    size_t cap_slots, cap_slot_computed;   /* allocated elements of p->slots, ->slot_computed */
};

const char *imp_kind_name(enum imp_kind kind)
{
    switch (kind) {
    case IMP_KIND_COMMUNES:
        return "communes";
    case IMP_KIND_BOUNDARIES:
        return "boundaries";
    case IMP_KIND_PLACES:
        return "places";
    case IMP_KIND_ADDRESSES:
        return "addresses";
    }
    return "?";
}

static int fail(struct loader *L, const char *where, const char *what)
{
    return gdir_err_set_param(L->err, GDIR_ECONFIG, where, "%s: %s: %s", L->file, where, what);
}

static int nomem(struct loader *L)
{
    return gdir_err_set(L->err, GDIR_ENOMEM, "%s: out of memory", L->file);
}

/* Every member of obj must be one of the NULL-terminated allowed keys ("(top)": the root). */
static int check_keys(struct loader *L, const cJSON *obj, const char *where,
                      const char *const *allowed)
{
    return gdir_cjson_check_keys(obj, allowed, L->file, strcmp(where, "(top)") ? where : "",
                                 L->err);
}

/* Optional string member: *out is NULL when absent or null. */
static int opt_str(struct loader *L, const cJSON *obj, const char *key, const char *where,
                   char **out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    char path[128];
    *out = NULL;
    if (!it || cJSON_IsNull(it))
        return GDIR_OK;
    snprintf(path, sizeof path, "%s.%s", where, key);
    if (!cJSON_IsString(it) || !it->valuestring[0])
        return fail(L, path, "expected a non-empty string");
    *out = strdup(it->valuestring);
    return *out ? GDIR_OK : nomem(L);
}

static int req_str(struct loader *L, const cJSON *obj, const char *key, const char *where,
                   char **out)
{
    int rc = opt_str(L, obj, key, where, out);
    if (rc == GDIR_OK && !*out) {
        char path[128];
        snprintf(path, sizeof path, "%s.%s", where, key);
        return fail(L, path, "missing");
    }
    return rc;
}

/* The slot of a source field name, added on first use. */
static int slot_of(struct loader *L, const char *field, size_t *slot)
{
    struct imp_profile *p = L->p;
    for (size_t i = 0; i < p->n_slots; i++)
        if (strcmp(p->slots[i], field) == 0) {
            *slot = i;
            return GDIR_OK;
        }
    if (gdir_grow(&p->slots, &L->cap_slots, p->n_slots + 1, sizeof *p->slots) ||
        gdir_grow(&p->slot_computed, &L->cap_slot_computed, p->n_slots + 1, 1))
        return nomem(L);
    p->slot_computed[p->n_slots] = 0;
    if (!(p->slots[p->n_slots] = strdup(field)))
        return nomem(L);
    *slot = p->n_slots++;
    return GDIR_OK;
}

/* A new slot for a computed field; its name must not be in use yet. */
static int computed_slot(struct loader *L, const char *name, const char *where, size_t *slot)
{
    struct imp_profile *p = L->p;
    int rc;
    for (size_t i = 0; i < p->n_slots; i++)
        if (strcmp(p->slots[i], name) == 0)
            return fail(L, where, "used before its declaration (declare a computed field before "
                                  "the computed fields that read it)");
    if ((rc = slot_of(L, name, slot)))
        return rc;
    p->slot_computed[*slot] = 1;
    return GDIR_OK;
}

static int slot_of_json(struct loader *L, const cJSON *it, const char *where, size_t *slot)
{
    if (!cJSON_IsString(it) || !it->valuestring[0])
        return fail(L, where, "expected a field name");
    return slot_of(L, it->valuestring, slot);
}

/* Copies the strings of a JSON string or array of strings into c->values. */
static int cond_values(struct loader *L, const cJSON *v, const char *where, struct imp_cond *c)
{
    size_t n = cJSON_IsArray(v) ? (size_t)cJSON_GetArraySize(v) : 1;
    const cJSON *it = cJSON_IsArray(v) ? v->child : v;
    if (n == 0)
        return fail(L, where, "expected a non-empty array of strings");
    if (!(c->values = calloc(n, sizeof *c->values)))
        return nomem(L);
    for (size_t i = 0; i < n; i++, it = it->next) {
        if (!cJSON_IsString(it))
            return fail(L, where, "condition values must be strings");
        if (!(c->values[i] = strdup(it->valuestring)))
            return nomem(L);
        c->n_values++;
    }
    return GDIR_OK;
}

/* {"field": F, "equals": V} | {"field": F, "in": [V...]} | {"field": F, "prefix": V} */
static int load_cond(struct loader *L, const cJSON *obj, const char *where,
                     const char *const *allowed, struct imp_cond *c)
{
    static const char *const ops[] = {"equals", "in", "prefix"};
    const cJSON *val = NULL;
    int rc, nops = 0;
    char path[128];

    if (!cJSON_IsObject(obj))
        return fail(L, where, "expected an object");
    if ((rc = check_keys(L, obj, where, allowed)))
        return rc;
    snprintf(path, sizeof path, "%s.field", where);
    if ((rc = slot_of_json(L, cJSON_GetObjectItemCaseSensitive(obj, "field"), path, &c->slot)))
        return rc;
    for (int i = 0; i < 3; i++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, ops[i]);
        if (it) {
            nops++;
            val = it;
            c->op = (enum imp_cond_op)i;
        }
    }
    if (nops != 1)
        return fail(L, where, "expected exactly one of 'equals', 'in', 'prefix'");
    if (c->op == IMP_OP_IN) {
        if (!cJSON_IsArray(val) || cJSON_GetArraySize(val) == 0)
            return fail(L, where, "'in' expects a non-empty array of strings");
    }
    /* "prefix" takes one string or an array of them (any of the prefixes) */
    if (c->op == IMP_OP_PREFIX && cJSON_IsArray(val) && cJSON_GetArraySize(val) == 0)
        return fail(L, where, "'prefix' expects a string or a non-empty array of strings");
    if (cJSON_IsArray(val) && c->op == IMP_OP_EQUALS)
        return fail(L, where, "'equals' expects one string (use 'in' for several)");
    return cond_values(L, val, where, c);
}

static void free_cond(struct imp_cond *c)
{
    for (size_t i = 0; i < c->n_values; i++)
        free(c->values[i]);
    free(c->values);
    c->values = NULL;
    c->n_values = 0;
}

static void free_xrule(struct imp_xrule *x)
{
    for (size_t i = 0; i < x->n_conds; i++)
        free_cond(&x->conds[i]);
    free(x->conds);
    free(x->category);
    memset(x, 0, sizeof *x);
}

/* {"match": {"field": "value" | "*" | null | ["a", "b"] | {"prefix": "x" | ["x", "y"]}, ...}}:
 * every condition must hold. "*" is any non-empty value, null an empty or missing one. */
static int load_match(struct loader *L, const cJSON *m, const char *where, struct imp_xrule *x)
{
    char path[160];
    const cJSON *it;
    int rc;

    if (!cJSON_IsObject(m) || cJSON_GetArraySize(m) == 0)
        return fail(L, where, "'match' expects an object of field: value");
    x->conds = calloc((size_t)cJSON_GetArraySize(m), sizeof *x->conds);
    if (!x->conds)
        return nomem(L);
    cJSON_ArrayForEach(it, m) {
        struct imp_cond *c = &x->conds[x->n_conds++];
        snprintf(path, sizeof path, "%s.match.%.60s", where, it->string);
        if (!it->string[0])
            return fail(L, path, "expected a field name");
        if ((rc = slot_of(L, it->string, &c->slot)))
            return rc;
        if (cJSON_IsNull(it)) {
            c->op = IMP_OP_ABSENT;
        } else if (cJSON_IsString(it) && strcmp(it->valuestring, "*") == 0) {
            c->op = IMP_OP_ANY;
        } else if (cJSON_IsString(it)) {
            c->op = IMP_OP_EQUALS;
            rc = cond_values(L, it, path, c);
        } else if (cJSON_IsArray(it)) {
            c->op = IMP_OP_IN;
            rc = cond_values(L, it, path, c);
        } else if (cJSON_IsObject(it)) {
            static const char *const keys[] = {"prefix", NULL};
            const cJSON *pre = cJSON_GetObjectItemCaseSensitive(it, "prefix");
            if ((rc = check_keys(L, it, path, keys)))
                return rc;
            if (!pre)
                return fail(L, path, "expected {\"prefix\": ...}");
            c->op = IMP_OP_PREFIX;
            rc = cond_values(L, pre, path, c);
        } else {
            return fail(L, path, "expected a string, \"*\", null, an array or {\"prefix\": ...}");
        }
        if (rc)
            return rc;
    }
    return GDIR_OK;
}

static int add_piece(struct loader *L, struct imp_fieldmap *m, const char *literal, size_t len,
                     const char *field)
{
    if (gdir_grow(&m->pieces, &m->cap_pieces, m->n_pieces + 1, sizeof *m->pieces))
        return nomem(L);
    struct imp_piece *pc = &m->pieces[m->n_pieces];
    pc->literal = NULL;
    pc->slot = 0;
    if (field) {
        int rc = slot_of(L, field, &pc->slot);
        if (rc)
            return rc;
    } else {
        if (!(pc->literal = malloc(len + 1)))
            return nomem(L);
        memcpy(pc->literal, literal, len);
        pc->literal[len] = '\0';
    }
    m->n_pieces++;
    return GDIR_OK;
}

/* "Text {field} more {other}" with {{ and }} for literal braces. */
static int parse_template(struct loader *L, struct imp_fieldmap *m, const char *tpl,
                          const char *where)
{
    struct gdir_buf lit;
    int rc = GDIR_OK, nfields = 0;
    gdir_buf_init(&lit, 4096);
    for (const char *s = tpl; *s && rc == GDIR_OK;) {
        if ((s[0] == '{' && s[1] == '{') || (s[0] == '}' && s[1] == '}')) {
            gdir_buf_addc(&lit, s[0]);
            s += 2;
        } else if (s[0] == '{') {
            const char *end = strchr(s + 1, '}');
            if (!end || end == s + 1) {
                rc = fail(L, where, "template: '{' without a field name and '}'");
                break;
            }
            if (lit.len && (rc = add_piece(L, m, lit.data, lit.len, NULL)))
                break;
            gdir_buf_reset(&lit);
            char name[256];
            size_t n = (size_t)(end - s - 1);
            if (n >= sizeof name) {
                rc = fail(L, where, "template: field name too long");
                break;
            }
            memcpy(name, s + 1, n);
            name[n] = '\0';
            rc = add_piece(L, m, NULL, 0, name);
            nfields++;
            s = end + 1;
        } else if (s[0] == '}') {
            rc = fail(L, where, "template: '}' without '{' (write '}}' for a brace)");
        } else {
            gdir_buf_addc(&lit, *s++);
        }
    }
    if (rc == GDIR_OK && lit.err)
        rc = fail(L, where, "template too long");
    if (rc == GDIR_OK && lit.len)
        rc = add_piece(L, m, lit.data, lit.len, NULL);
    if (rc == GDIR_OK && nfields == 0)
        rc = fail(L, where, "template names no field");
    gdir_buf_free(&lit);
    m->is_template = 1;
    return rc;
}

static int load_fieldmap(struct loader *L, const cJSON *spec, const char *where,
                         struct imp_fieldmap *m)
{
    static const char *const keys[] = {"field", "fields", "template", "split", "strip_prefix", NULL};
    const cJSON *it;
    int rc;

    if (cJSON_IsString(spec))
        return spec->valuestring[0] ? add_piece(L, m, NULL, 0, spec->valuestring)
                                    : fail(L, where, "expected a field name");
    if (cJSON_IsArray(spec)) {
        if (cJSON_GetArraySize(spec) == 0)
            return fail(L, where, "expected a non-empty array of field names");
        cJSON_ArrayForEach(it, spec) {
            if (!cJSON_IsString(it) || !it->valuestring[0])
                return fail(L, where, "expected field names");
            if ((rc = add_piece(L, m, NULL, 0, it->valuestring)))
                return rc;
        }
        return GDIR_OK;
    }
    if (!cJSON_IsObject(spec))
        return fail(L, where, "expected a field name, an array of field names or an object");
    if ((rc = check_keys(L, spec, where, keys)))
        return rc;
    const cJSON *field = cJSON_GetObjectItemCaseSensitive(spec, "field");
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(spec, "fields");
    const cJSON *tpl = cJSON_GetObjectItemCaseSensitive(spec, "template");
    if (!!field + !!fields + !!tpl != 1)
        return fail(L, where, "expected exactly one of 'field', 'fields', 'template'");
    if (field)
        rc = load_fieldmap(L, field, where, m);
    else if (fields)
        rc = cJSON_IsArray(fields) ? load_fieldmap(L, fields, where, m)
                                   : fail(L, where, "'fields' expects an array of field names");
    else
        rc = cJSON_IsString(tpl) ? parse_template(L, m, tpl->valuestring, where)
                                 : fail(L, where, "'template' expects a string");
    if (rc)
        return rc;
    if ((rc = opt_str(L, spec, "split", where, &m->split)) ||
        (rc = opt_str(L, spec, "strip_prefix", where, &m->strip_prefix)))
        return rc;
    return GDIR_OK;
}

static void free_fieldmap(struct imp_fieldmap *m)
{
    for (size_t i = 0; i < m->n_pieces; i++)
        free(m->pieces[i].literal);
    free(m->pieces);
    free(m->split);
    free(m->strip_prefix);
    memset(m, 0, sizeof *m);
}

static int load_fields(struct loader *L, const cJSON *fields)
{
    /* Which targets each kind accepts, and which it requires. */
    /* 0: not allowed, 1: optional, 2: required. Columns in enum imp_target order. */
    static const unsigned char allowed[IMP_KIND__COUNT][IMP_T__COUNT] = {
        /*                id nm ad pc in ph em we oh de da pcs pop hn st ci wc rf gq */
        /* communes   */ {0, 2, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 1,  0, 0, 0, 0, 0, 0},
        /* boundaries */ {0, 2, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0, 0, 0},
        /* places     */ {2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0,  1, 1, 1, 1, 1, 1},
        /* addresses  */ {2, 0, 0, 1, 2, 0, 0, 0, 0, 0, 1, 0, 0,  1, 2, 1, 0, 0, 0},
    };
    struct imp_profile *p = L->p;
    const cJSON *it;
    int rc;

    if (!cJSON_IsObject(fields))
        return fail(L, "fields", "missing or not an object");
    cJSON_ArrayForEach(it, fields) {
        int t;
        char where[96];
        for (t = 0; t < IMP_T__COUNT; t++)
            if (strcmp(it->string, imp_target_names[t]) == 0)
                break;
        snprintf(where, sizeof where, "fields.%.60s", it->string);
        if (t == IMP_T__COUNT)
            return fail(L, where, "unknown directory field");
        if (!allowed[p->kind][t]) {
            char msg[96];
            snprintf(msg, sizeof msg, "not a field of %s records", imp_kind_name(p->kind));
            return fail(L, where, msg);
        }
        /* JSON allows a key twice (cJSON keeps both): the second mapping would be appended to
         * the first one's pieces. */
        if (p->fields[t].pieces)
            return fail(L, where, "given twice");
        if ((rc = load_fieldmap(L, it, where, &p->fields[t])))
            return rc;
    }
    for (int t = 0; t < IMP_T__COUNT; t++)
        if (allowed[p->kind][t] == 2 && !p->fields[t].pieces) {
            char where[64];
            snprintf(where, sizeof where, "fields.%s", imp_target_names[t]);
            return fail(L, where, "required for this kind of records");
        }
    if (p->fields[IMP_T_ADDRESS].pieces == NULL && p->fields[IMP_T_ADDRESS].split)
        return fail(L, "fields.address", "split without fields");
    return GDIR_OK;
}

static int check_category(struct loader *L, const char *code, const char *where)
{
    if (!gdir_category_find(code)) {
        char msg[128];
        snprintf(msg, sizeof msg, "'%.60s' is not a category of common/taxonomy.def", code);
        return fail(L, where, msg);
    }
    return GDIR_OK;
}

static int load_category(struct loader *L, const cJSON *cat)
{
    static const char *const keys[] = {"rules", "field", "default", "unmatched", NULL};
    static const char *const rule_keys[] = {"field", "equals", "in", "prefix", "category", NULL};
    static const char *const match_keys[] = {"match", "category", NULL};
    struct imp_profile *p = L->p;
    const cJSON *rules, *field, *unmatched, *it;
    int rc;

    if (p->kind != IMP_KIND_PLACES) {
        if (cat)
            return fail(L, "category", "only places have categories");
        return GDIR_OK;
    }
    if (!cJSON_IsObject(cat))
        return fail(L, "category", "missing or not an object");
    if ((rc = check_keys(L, cat, "category", keys)))
        return rc;
    if ((rc = opt_str(L, cat, "default", "category", &p->default_category)))
        return rc;
    if (p->default_category && (rc = check_category(L, p->default_category, "category.default")))
        return rc;
    unmatched = cJSON_GetObjectItemCaseSensitive(cat, "unmatched");
    if (unmatched) {
        if (!cJSON_IsString(unmatched) || strcmp(unmatched->valuestring, "filter") != 0)
            return fail(L, "category.unmatched", "expected \"filter\"");
        if (p->default_category)
            return fail(L, "category", "use either 'default' or \"unmatched\": \"filter\"");
        p->unmatched_filter = 1;
        p->eval_rules = 1;
    }
    field = cJSON_GetObjectItemCaseSensitive(cat, "field");
    if (field) {
        if ((rc = slot_of_json(L, field, "category.field", &p->category_slot)))
            return rc;
        p->has_category_field = 1;
        if (p->unmatched_filter)
            return fail(L, "category.unmatched", "only with 'rules'");
    }
    rules = cJSON_GetObjectItemCaseSensitive(cat, "rules");
    if (rules) {
        if (field)
            return fail(L, "category", "use either 'field' (taxonomy codes) or 'rules'");
        if (!cJSON_IsArray(rules))
            return fail(L, "category.rules", "expected an array");
        size_t n = (size_t)cJSON_GetArraySize(rules) + 1;
        p->rules = calloc(n, sizeof *p->rules);
        p->xrules = calloc(n, sizeof *p->xrules);
        if (!p->rules || !p->xrules)
            return nomem(L);
        cJSON_ArrayForEach(it, rules) {
            char where[64];
            snprintf(where, sizeof where, "category.rules[%zu]", p->n_xrules);
            if (cJSON_GetObjectItemCaseSensitive(it, "match")) {
                /* several conditions: evaluated by imp_source */
                struct imp_xrule *x = &p->xrules[p->n_xrules++];
                p->eval_rules = 1;
                if ((rc = check_keys(L, it, where, match_keys)) ||
                    (rc = load_match(L, cJSON_GetObjectItemCaseSensitive(it, "match"), where, x)) ||
                    (rc = req_str(L, it, "category", where, &x->category)) ||
                    (rc = check_category(L, x->category, where)))
                    return rc;
            } else {
                struct imp_rule *r = &p->rules[p->n_rules++];
                struct imp_xrule *x = &p->xrules[p->n_xrules++];
                if ((rc = load_cond(L, it, where, rule_keys, &r->cond)) ||
                    (rc = req_str(L, it, "category", where, &r->category)) ||
                    (rc = check_category(L, r->category, where)))
                    return rc;
                /* the same rule as a one-condition xrule, in case the rules are compiled */
                if (!(x->conds = calloc(1, sizeof *x->conds)))
                    return nomem(L);
                x->n_conds = 1;
                x->conds[0].slot = r->cond.slot;
                x->conds[0].op = r->cond.op;
                if (!(x->conds[0].values = calloc(r->cond.n_values, sizeof(char *))))
                    return nomem(L);
                for (size_t i = 0; i < r->cond.n_values; i++) {
                    if (!(x->conds[0].values[i] = strdup(r->cond.values[i])))
                        return nomem(L);
                    x->conds[0].n_values++;
                }
                if (!(x->category = strdup(r->category)))
                    return nomem(L);
            }
        }
    }
    if (!field && !p->n_xrules && !p->default_category)
        return fail(L, "category", "expected 'rules', 'field' or 'default'");
    return GDIR_OK;
}

/* A string member that must be one of names; *out receives its index (unchanged if absent). */
static int opt_enum(struct loader *L, const cJSON *obj, const char *key, const char *where,
                    const char *const *names, int *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    char path[96], msg[160];
    size_t used = 0;
    if (!it)
        return GDIR_OK;
    for (int i = 0; names[i]; i++)
        if (cJSON_IsString(it) && strcmp(it->valuestring, names[i]) == 0) {
            *out = i;
            return GDIR_OK;
        }
    snprintf(path, sizeof path, "%s.%s", where, key);
    used = (size_t)snprintf(msg, sizeof msg, "expected one of");
    for (int i = 0; names[i] && used < sizeof msg; i++)
        used += (size_t)snprintf(msg + used, sizeof msg - used, "%s \"%s\"", i ? "," : "",
                                 names[i]);
    return fail(L, path, msg);
}

/* The optional enum member key of the geometry object into *out (0, the first name, when
 * absent). A value other than the first is only for the geometry mode `only` (else fails with
 * only_text). */
static int geom_option(struct loader *L, const cJSON *g, const char *key,
                       const char *const *names, enum imp_geom_mode only, const char *only_text,
                       int *out)
{
    char where[48];
    int e = 0, rc;

    if ((rc = opt_enum(L, g, key, "geometry", names, &e)))
        return rc;
    snprintf(where, sizeof where, "geometry.%s", key);
    if (e != 0 && L->p->geom != only)
        return fail(L, where, only_text);
    *out = e;
    return GDIR_OK;
}

static int load_geometry(struct loader *L, const cJSON *g)
{
    static const char *const keys[] = {"native", "lat", "lon", "x", "y", "srs", "decimal_comma",
                                       "srs_field", "srs_insee", "areas", "swapped", NULL};
    static const char *const areas[] = {"reject", "point_on_surface", "centroid", NULL};
    static const char *const swapped[] = {"ignore", "fix", "reject", NULL};
    struct imp_profile *p = L->p;
    int rc, e;

    if (!g || cJSON_IsNull(g)) {
        p->geom = IMP_GEOM_NONE;
    } else if (cJSON_IsString(g) && strcmp(g->valuestring, "native") == 0) {
        p->geom = IMP_GEOM_NATIVE;
    } else if (cJSON_IsObject(g)) {
        if ((rc = check_keys(L, g, "geometry", keys)))
            return rc;
        const cJSON *native = cJSON_GetObjectItemCaseSensitive(g, "native");
        const cJSON *lat = cJSON_GetObjectItemCaseSensitive(g, "lat");
        const cJSON *lon = cJSON_GetObjectItemCaseSensitive(g, "lon");
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(g, "x");
        const cJSON *y = cJSON_GetObjectItemCaseSensitive(g, "y");
        const cJSON *dc = cJSON_GetObjectItemCaseSensitive(g, "decimal_comma");
        const cJSON *srsf = cJSON_GetObjectItemCaseSensitive(g, "srs_field");
        const cJSON *srsi = cJSON_GetObjectItemCaseSensitive(g, "srs_insee");
        int modes = (cJSON_IsTrue(native) ? 1 : 0) + (lat || lon ? 1 : 0) + (x || y ? 1 : 0);
        if (modes != 1 || (native && !cJSON_IsTrue(native)))
            return fail(L, "geometry", "expected one of: \"native\": true, lat + lon, x + y");
        if (dc && !cJSON_IsBool(dc))
            return fail(L, "geometry.decimal_comma", "expected true or false");
        p->decimal_comma = cJSON_IsTrue(dc);
        if (cJSON_IsTrue(native)) {
            p->geom = IMP_GEOM_NATIVE;
        } else if (lat || lon) {
            p->geom = IMP_GEOM_LATLON;
            if ((rc = slot_of_json(L, lat, "geometry.lat", &p->geom_slot[0])) ||
                (rc = slot_of_json(L, lon, "geometry.lon", &p->geom_slot[1])))
                return rc;
        } else {
            p->geom = IMP_GEOM_XY;
            if ((rc = slot_of_json(L, x, "geometry.x", &p->geom_slot[0])) ||
                (rc = slot_of_json(L, y, "geometry.y", &p->geom_slot[1])))
                return rc;
        }
        if ((rc = opt_str(L, g, "srs", "geometry", &p->srs)))
            return rc;
        if (srsf) {
            if (p->geom != IMP_GEOM_XY)
                return fail(L, "geometry.srs_field", "only with x/y fields");
            if ((rc = slot_of_json(L, srsf, "geometry.srs_field", &p->srs_slot)))
                return rc;
            p->has_srs_field = 1;
        }
        if (srsi) {
            if (p->geom != IMP_GEOM_XY)
                return fail(L, "geometry.srs_insee", "only with x/y fields");
            if ((rc = slot_of_json(L, srsi, "geometry.srs_insee", &p->srs_insee_slot)))
                return rc;
            p->has_srs_insee = 1;
        }
        if (p->geom == IMP_GEOM_XY && !p->srs)
            return fail(L, "geometry.srs", "required with x/y fields (e.g. \"EPSG:2154\")");
        if ((rc = geom_option(L, g, "areas", areas, IMP_GEOM_NATIVE,
                              "only with the native geometry", &e)))
            return rc;
        p->areas = (enum imp_areas)e;
        if ((rc = geom_option(L, g, "swapped", swapped, IMP_GEOM_XY, "only with x/y fields", &e)))
            return rc;
        p->swapped = (enum imp_swapped)e;
    } else {
        return fail(L, "geometry", "expected \"native\" or an object");
    }
    if (p->kind == IMP_KIND_COMMUNES && p->geom != IMP_GEOM_NONE)
        return fail(L, "geometry", "communes lists have no geometry (use kind boundaries)");
    if (p->kind == IMP_KIND_BOUNDARIES && p->geom != IMP_GEOM_NATIVE)
        return fail(L, "geometry", "boundaries need the native (polygon) geometry");
    if (p->kind == IMP_KIND_ADDRESSES && p->geom == IMP_GEOM_NONE)
        return fail(L, "geometry", "address points need a geometry");
    /* Places without a geometry, or whose coordinates are missing or unusable, are located
     * from their address by the geocoder (imp_record, imp_geocode). */
    return GDIR_OK;
}

/* An array of distinct non-empty strings, copied into *out / *n. */
static int load_names(struct loader *L, const cJSON *arr, const char *where, char ***out,
                      size_t *n)
{
    const cJSON *it;
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
        return fail(L, where, "expected a non-empty array of names");
    if (!(*out = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof **out)))
        return nomem(L);
    cJSON_ArrayForEach(it, arr) {
        if (!cJSON_IsString(it) || !it->valuestring[0])
            return fail(L, where, "expected non-empty strings");
        for (size_t i = 0; i < *n; i++)
            if (strcmp((*out)[i], it->valuestring) == 0)
                return fail(L, where, "a name appears twice");
        if (!((*out)[*n] = strdup(it->valuestring)))
            return nomem(L);
        (*n)++;
    }
    return GDIR_OK;
}

/* "KEY=VALUE" appended to the NULL-terminated open options (room was reserved). */
static int add_option(struct loader *L, size_t *n, const char *key, const char *value)
{
    size_t len = strlen(key) + strlen(value) + 2;
    char *o = malloc(len);
    if (!o)
        return nomem(L);
    snprintf(o, len, "%s=%s", key, value);
    L->p->open_options[(*n)++] = o;
    return GDIR_OK;
}

/* source.osm_config: a file next to the profile, passed as the OSM driver's CONFIG_FILE. */
static int osm_config(struct loader *L, const cJSON *src, size_t *n)
{
    char *name = NULL, *path = NULL;
    FILE *f;
    int rc;

    if ((rc = opt_str(L, src, "osm_config", "source", &name)) || !name)
        return rc;
    if (strcmp(L->p->driver, "OSM") != 0) {
        rc = fail(L, "source.osm_config", "only for the OSM driver");
    } else if (strchr(name, '/') || name[0] == '.') {
        rc = fail(L, "source.osm_config", "expected a file name in the profiles folder");
    } else {
        size_t len = strlen(L->dir) + strlen(name) + 2;
        if (!(path = malloc(len))) {
            rc = nomem(L);
        } else {
            snprintf(path, len, "%s/%s", L->dir, name);
            if (!(f = fopen(path, "rb"))) {
                rc = fail(L, "source.osm_config", "file not found in the profiles folder");
            } else {
                fclose(f);
                rc = add_option(L, n, "CONFIG_FILE", path);
            }
        }
    }
    free(path);
    free(name);
    return rc;
}

static int load_source(struct loader *L, const cJSON *src)
{
    static const char *const keys[] = {"reader", "driver", "open_options", "layer", "layers",
                                       "separator", "header", "columns", "encoding",
                                       "osm_config", "max_mb", NULL};
    static const char *const readers[] = {"ogr", "finess-csv", "finess-json",
                                          "service-public-xml", "service-public-json", NULL};
    static const char *const encodings[] = {"utf-8", "windows-1252", "latin-1", "auto", NULL};
    struct imp_profile *p = L->p;
    const cJSON *oo, *it, *hdr, *cols, *layers, *maxmb;
    char *sep = NULL;
    size_t n = 0;
    int rc, e = 0, is_csv;

    if (!cJSON_IsObject(src))
        return fail(L, "source", "missing or not an object");
    if ((rc = check_keys(L, src, "source", keys)) ||
        (rc = opt_enum(L, src, "reader", "source", readers, &e)))
        return rc;
    p->reader = (enum imp_reader)e;
    if (p->reader == IMP_READER_OGR) {
        if ((rc = req_str(L, src, "driver", "source", &p->driver)))
            return rc;
    } else if (cJSON_GetObjectItemCaseSensitive(src, "driver")) {
        return fail(L, "source.driver", "only for the ogr reader");
    }
    if ((rc = opt_str(L, src, "layer", "source", &p->layer)) ||
        (rc = opt_str(L, src, "separator", "source", &sep)))
        return rc;
    is_csv = p->driver && strcmp(p->driver, "CSV") == 0;
    if (is_csv) {
        p->separator = ',';
        if (sep && (strlen(sep) != 1 || !strchr(",;\t", sep[0])))
            rc = fail(L, "source.separator", "expected \",\", \";\" or \"\\t\"");
        else if (sep)
            p->separator = sep[0];
    } else if (sep) {
        rc = fail(L, "source.separator", "only for the CSV driver");
    }
    free(sep);
    if (rc)
        return rc;
    if (p->reader == IMP_READER_FINESS_CSV)
        p->separator = ';';
    /* header / columns: headerless CSV files (BANO) */
    hdr = cJSON_GetObjectItemCaseSensitive(src, "header");
    cols = cJSON_GetObjectItemCaseSensitive(src, "columns");
    if (hdr && (!cJSON_IsBool(hdr) || !is_csv))
        return fail(L, "source.header", "true or false, for the CSV driver");
    p->no_header = cJSON_IsFalse(hdr);
    if (p->no_header != !!cols)
        return fail(L, "source.columns", "a CSV without a header (\"header\": false) needs the "
                                         "names of its columns, and only it");
    if (cols && (rc = load_names(L, cols, "source.columns", &p->columns, &p->n_columns)))
        return rc;
    /* encoding */
    e = 0;
    if ((rc = opt_enum(L, src, "encoding", "source", encodings, &e)))
        return rc;
    p->encoding = e == 0 ? IMP_ENC_UTF8 : e == 3 ? IMP_ENC_AUTO : IMP_ENC_CP1252;
    if (p->encoding != IMP_ENC_UTF8 && !is_csv && p->reader != IMP_READER_FINESS_CSV)
        return fail(L, "source.encoding", "only for CSV files (other formats say their encoding)");
    /* layers */
    layers = cJSON_GetObjectItemCaseSensitive(src, "layers");
    if (layers) {
        if (p->layer)
            return fail(L, "source", "use either 'layer' or 'layers'");
        if (p->reader != IMP_READER_OGR)
            return fail(L, "source.layers", "only for the ogr reader");
        if ((rc = load_names(L, layers, "source.layers", &p->layers, &p->n_layers)))
            return rc;
    }
    if (p->layer && p->reader != IMP_READER_OGR)
        return fail(L, "source.layer", "only for the ogr reader");
    /* file size cap of the readers that load a whole file */
    p->max_bytes = (size_t)READER_MAX_MB_DEFAULT << 20;
    maxmb = cJSON_GetObjectItemCaseSensitive(src, "max_mb");
    if (maxmb) {
        if (p->reader != IMP_READER_FINESS_JSON && p->reader != IMP_READER_SP_XML &&
            p->reader != IMP_READER_SP_JSON)
            return fail(L, "source.max_mb", "only for the finess-json, service-public-xml and "
                                            "service-public-json readers");
        if (!cJSON_IsNumber(maxmb) || maxmb->valuedouble < 1 ||
            maxmb->valuedouble > READER_MAX_MB_LIMIT || maxmb->valuedouble != (int)maxmb->valuedouble)
            return fail(L, "source.max_mb", "expected a whole number of MiB, 1 to 4096");
        p->max_bytes = (size_t)maxmb->valueint << 20;
    }
    /* open options (GDAL) */
    oo = cJSON_GetObjectItemCaseSensitive(src, "open_options");
    if (oo && !cJSON_IsObject(oo))
        return fail(L, "source.open_options", "expected an object of strings");
    if (oo && p->reader != IMP_READER_OGR)
        return fail(L, "source.open_options", "only for the ogr reader");
    p->open_options = calloc((oo ? (size_t)cJSON_GetArraySize(oo) : 0) + 3, sizeof(char *));
    if (!p->open_options)
        return nomem(L);
    if (oo) {
        cJSON_ArrayForEach(it, oo) {
            if (!cJSON_IsString(it))
                return fail(L, "source.open_options", "values must be strings");
            if (is_csv && strcmp(it->string, "HEADERS") == 0)
                return fail(L, "source.open_options", "HEADERS is set by \"header\" for CSV");
            if ((rc = add_option(L, &n, it->string, it->valuestring)))
                return rc;
        }
    }
    /* Line numbers and the field-count check depend on whether there is a header line. */
    if (is_csv && (rc = add_option(L, &n, "HEADERS", p->no_header ? "NO" : "YES")))
        return rc;
    if (p->reader == IMP_READER_OGR && (rc = osm_config(L, src, &n)))
        return rc;
    if (p->reader != IMP_READER_OGR && cJSON_GetObjectItemCaseSensitive(src, "osm_config"))
        return fail(L, "source.osm_config", "only for the OSM driver");
    return GDIR_OK;
}

/* The member key of a computed field of a kind that lists its own fields ('first' in an
 * array, 'refs' in an object): the field has no 'field' beside it, and the member is a
 * non-empty array (an object when is_object), else the message expects. Into *list, its size
 * into *n. */
static int comp_list(struct loader *L, const cJSON *it, const char *key, int is_object,
                     const char *expects, const char *where, const cJSON **list, size_t *n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, key);
    char what[64];

    if (cJSON_GetObjectItemCaseSensitive(it, "field")) {
        snprintf(what, sizeof what, "'%s' takes its fields in its %s", key,
                 is_object ? "object" : "array");
        return fail(L, where, what);
    }
    if (!(is_object ? cJSON_IsObject(v) : cJSON_IsArray(v)) || cJSON_GetArraySize(v) == 0)
        return fail(L, where, expects);
    *list = v;
    *n = (size_t)cJSON_GetArraySize(v);
    return GDIR_OK;
}

/* A computed field of kind 'first': the first non-empty of its fields. */
static int load_comp_first(struct loader *L, struct imp_computed *c, const cJSON *it,
                           const char *where)
{
    const cJSON *elab = cJSON_GetObjectItemCaseSensitive(it, "else_category_label");
    const cJSON *first, *x;
    size_t n;
    int rc;

    c->kind = IMP_COMP_FIRST;
    if ((rc = comp_list(L, it, "first", 0, "'first' expects a non-empty array of field names",
                        where, &first, &n)))
        return rc;
    if (elab && !cJSON_IsBool(elab))
        return fail(L, where, "'else_category_label' expects true or false");
    c->else_category_label = cJSON_IsTrue(elab);
    if (c->else_category_label && L->p->kind != IMP_KIND_PLACES)
        return fail(L, where, "'else_category_label' is for places");
    c->inputs = calloc(n, sizeof *c->inputs);
    if (!c->inputs)
        return nomem(L);
    cJSON_ArrayForEach(x, first) {
        if ((rc = slot_of_json(L, x, where, &c->inputs[c->n_inputs])))
            return rc;
        c->n_inputs++;
    }
    return GDIR_OK;
}

/* A computed field of kind 'refs': scheme:value tokens from one field per scheme. */
static int load_comp_refs(struct loader *L, struct imp_computed *c, const cJSON *it,
                          const char *where)
{
    const cJSON *refs, *x;
    size_t n;
    int rc;

    c->kind = IMP_COMP_REFS;
    if ((rc = comp_list(L, it, "refs", 1, "'refs' expects an object of scheme: field", where,
                        &refs, &n)))
        return rc;
    c->inputs = calloc(n, sizeof *c->inputs);
    c->keys = calloc(n, sizeof *c->keys);
    if (!c->inputs || !c->keys)
        return nomem(L);
    cJSON_ArrayForEach(x, refs) {
        if (!x->string[0] ||
            strspn(x->string, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(x->string))
            return fail(L, where, "a ref scheme is a-z 0-9 -");
        if ((rc = slot_of_json(L, x, where, &c->inputs[c->n_inputs])))
            return rc;
        c->n_pairs++;
        if (!(c->keys[c->n_inputs] = strdup(x->string)))
            return nomem(L);
        c->n_inputs++;
    }
    return GDIR_OK;
}

/* The whole number 1..max of key (first_chars, digits) into c->first_chars. */
static int comp_count(struct loader *L, struct imp_computed *c, const cJSON *it, const char *key,
                      int max, const char *where)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, key);
    char what[80];
    if (!cJSON_IsNumber(n) || n->valuedouble < 1 || n->valuedouble > max ||
        n->valuedouble != (int)n->valuedouble) {
        snprintf(what, sizeof what, "'%s' expects a whole number, 1 to %d", key, max);
        return fail(L, where, what);
    }
    c->first_chars = (size_t)n->valueint;
    return GDIR_OK;
}

/* The clean-ups of imp_case.h: 'proper_case', 'digits', 'phone'. Returns 1 when it is none
 * of them, else 0 or a negative code. */
static int load_comp_cleanup(struct loader *L, struct imp_computed *c, const cJSON *it,
                             const char *where)
{
    if (cJSON_GetObjectItemCaseSensitive(it, "proper_case")) {
        c->kind = IMP_COMP_PROPER_CASE;
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "proper_case")))
            return fail(L, where, "'proper_case' expects true");
        return GDIR_OK;
    }
    if (cJSON_GetObjectItemCaseSensitive(it, "digits")) {
        c->kind = IMP_COMP_DIGITS;
        return comp_count(L, c, it, "digits", 20, where);
    }
    const cJSON *ph = cJSON_GetObjectItemCaseSensitive(it, "phone");
    if (ph) {
        c->kind = IMP_COMP_PHONE_FR;
        if (!cJSON_IsString(ph) || strcmp(ph->valuestring, "fr") != 0)
            return fail(L, where, "'phone' expects \"fr\"");
        return GDIR_OK;
    }
    return 1;
}

/* A computed field of kind 'map' (one field's value looked up, 'default' or 'keep_others'
 * when absent) or 'first_chars' (its first characters). */
static int load_comp_field(struct loader *L, struct imp_computed *c, const cJSON *it,
                           const char *where)
{
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(it, "map");
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(it, "first_chars");
    const cJSON *x;
    int rc;

    if (!(c->inputs = calloc(1, sizeof *c->inputs)))
        return nomem(L);
    if ((rc = slot_of_json(L, cJSON_GetObjectItemCaseSensitive(it, "field"), where,
                           &c->inputs[0])))
        return rc;
    c->n_inputs = 1;
    if ((rc = load_comp_cleanup(L, c, it, where)) != 1)
        return rc;
    if (fc) {
        c->kind = IMP_COMP_FIRST_CHARS;
        return comp_count(L, c, it, "first_chars", 1000, where);
    }
    size_t n = (size_t)cJSON_GetArraySize(map);
    c->kind = IMP_COMP_MAP;
    if (!cJSON_IsObject(map) || n == 0)
        return fail(L, where, "'map' expects an object of value: value");
    c->keys = calloc(n, sizeof *c->keys);
    c->vals = calloc(n, sizeof *c->vals);
    if (!c->keys || !c->vals)
        return nomem(L);
    cJSON_ArrayForEach(x, map) {
        if (!cJSON_IsString(x))
            return fail(L, where, "'map' values must be strings");
        c->n_pairs++;
        if (!(c->keys[c->n_pairs - 1] = strdup(x->string)) ||
            !(c->vals[c->n_pairs - 1] = strdup(x->valuestring)))
            return nomem(L);
    }
    if ((rc = opt_str(L, it, "default", where, &c->map_default)))
        return rc;
    const cJSON *keep = cJSON_GetObjectItemCaseSensitive(it, "keep_others");
    if (keep && !cJSON_IsBool(keep))
        return fail(L, where, "'keep_others' expects true or false");
    c->map_keep_others = cJSON_IsTrue(keep);
    if (c->map_keep_others && c->map_default)
        return fail(L, where, "use either 'default' or 'keep_others'");
    return GDIR_OK;
}

/* One "@name": spec of "computed" into c. */
static int load_one_computed(struct loader *L, struct imp_computed *c, const cJSON *it)
{
    static const char *const keys[] = {"first", "else_category_label", "refs", "field", "map",
                                       "default", "keep_others", "first_chars",
                                       "proper_case", "digits", "phone", NULL};
    const char *name = it->string;
    const cJSON *first = cJSON_GetObjectItemCaseSensitive(it, "first");
    const cJSON *refs = cJSON_GetObjectItemCaseSensitive(it, "refs");
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(it, "map");
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(it, "first_chars");
    char where[96];
    int rc;

    snprintf(where, sizeof where, "computed.%.60s", name);
    if (name[0] != '@' || strlen(name) < 2 || strlen(name) > 64 ||
        strspn(name + 1, "abcdefghijklmnopqrstuvwxyz0123456789_:-") != strlen(name) - 1)
        return fail(L, where, "a computed field's name is '@' and a-z 0-9 _ : -");
    if (strcmp(name, "@category") == 0 || strcmp(name, "@keep") == 0)
        return fail(L, where, "reserved name");
    if (!cJSON_IsObject(it))
        return fail(L, where, "expected an object");
    if ((rc = check_keys(L, it, where, keys)))
        return rc;
    int n_ops = !!first + !!refs + !!map + !!fc +
                !!cJSON_GetObjectItemCaseSensitive(it, "proper_case") +
                !!cJSON_GetObjectItemCaseSensitive(it, "digits") +
                !!cJSON_GetObjectItemCaseSensitive(it, "phone");
    if (n_ops != 1)
        return fail(L, where, "expected one of 'first', 'refs', 'map', 'first_chars', "
                              "'proper_case', 'digits', 'phone'");
    if (!(c->name = strdup(name)))
        return nomem(L);
    if (first)
        rc = load_comp_first(L, c, it, where);
    else if (cJSON_GetObjectItemCaseSensitive(it, "else_category_label"))
        rc = fail(L, where, "'else_category_label' goes with 'first'");
    else if (refs)
        rc = load_comp_refs(L, c, it, where);
    else
        rc = load_comp_field(L, c, it, where);
    if (rc)
        return rc;
    if (!map && (cJSON_GetObjectItemCaseSensitive(it, "default") ||
                 cJSON_GetObjectItemCaseSensitive(it, "keep_others")))
        return fail(L, where, "'default' and 'keep_others' go with 'map'");
    /* Registered after its inputs: a computed field cannot read itself. */
    return computed_slot(L, name, where, &c->slot);
}

/* "computed": {"@name": spec, ...}; see struct imp_computed. */
static int load_computed(struct loader *L, const cJSON *comp)
{
    struct imp_profile *p = L->p;
    const cJSON *it;
    int rc;

    if (!comp)
        return GDIR_OK;
    if (!cJSON_IsObject(comp))
        return fail(L, "computed", "expected an object of \"@name\": definition");
    p->computed = calloc((size_t)cJSON_GetArraySize(comp) + 2, sizeof *p->computed);
    if (!p->computed)
        return nomem(L);
    cJSON_ArrayForEach(it, comp) {
        if ((rc = load_one_computed(L, &p->computed[p->n_computed++], it)))
            return rc;
    }
    return GDIR_OK;
}

/* Frees the rules' conditions and categories and empties the list (its array stays). */
static void clear_rules(struct imp_profile *p)
{
    for (size_t i = 0; i < p->n_rules; i++) {
        free_cond(&p->rules[i].cond);
        free(p->rules[i].category);
    }
    p->n_rules = 0;
}

/* Appends the computed field `name` of kind (room made by the caller) and gives its slot. */
static int add_rules_field(struct loader *L, enum imp_comp_kind kind, const char *name,
                           const char *where, size_t *slot)
{
    struct imp_computed *c = &L->p->computed[L->p->n_computed++];
    int rc;

    c->kind = kind;
    if (!(c->name = strdup(name)))
        return nomem(L);
    if ((rc = computed_slot(L, c->name, where, &c->slot)))
        return rc;
    *slot = c->slot;
    return GDIR_OK;
}

/* When rules or the filter need more than imp_record evaluates (several conditions, OSM
 * tags, "unmatched": "filter", a category label as fallback name), they are compiled into
 * two computed fields that imp_source fills: "@category" (the first matching rule's code, ""
 * when none) and "@keep" ("1" when the row passes the filter and, with "unmatched":
 * "filter", some rule matched). imp_record then reads category.field "@category" and the
 * filter "@keep" equals "1". */
static int compile_rules(struct loader *L)
{
    struct imp_profile *p = L->p;
    struct imp_computed *c, moved[8];
    size_t n_moved = 0, kept = 0, slot;
    int rc;

    /* room for @category and @keep */
    c = realloc(p->computed, (p->n_computed + 2) * sizeof *c);
    if (!c)
        return nomem(L);
    p->computed = c;
    memset(p->computed + p->n_computed, 0, 2 * sizeof *c);
    for (size_t i = 0; i < p->n_computed; i++)
        if (p->computed[i].else_category_label && !p->has_category_field)
            p->eval_rules = 1;
    if (!p->eval_rules)
        goto order;
    /* imp_record must no longer evaluate the plain rules and filter */
    clear_rules(p);
    if (p->kind == IMP_KIND_PLACES) {
        if ((rc = add_rules_field(L, IMP_COMP_CATEGORY, "@category", "category", &slot)))
            return rc;
        p->has_category_field = 1;
        p->category_slot = slot;
    }
    if ((rc = add_rules_field(L, IMP_COMP_KEEP, "@keep", "filter", &slot)))
        return rc;
    free_cond(&p->filter);
    p->has_filter = 1;
    p->filter.slot = slot;
    p->filter.op = IMP_OP_EQUALS;
    if (!(p->filter.values = calloc(1, sizeof(char *))) || !(p->filter.values[0] = strdup("1")))
        return nomem(L);
    p->filter.n_values = 1;
order:
    /* Fields that fall back on the category label are computed after the category. */
    for (size_t i = 0; i < p->n_computed; i++) {
        if (p->computed[i].else_category_label) {
            if (n_moved == sizeof moved / sizeof moved[0])
                return fail(L, "computed", "too many fields with else_category_label");
            moved[n_moved++] = p->computed[i];
        } else {
            p->computed[kept++] = p->computed[i];
        }
    }
    for (size_t i = 0; i < n_moved; i++)
        p->computed[kept++] = moved[i];
    return GDIR_OK;
}

static int load_dataset(struct loader *L, const cJSON *ds)
{
    static const char *const keys[] = {"title", "publisher", "licence", "url", NULL};
    struct imp_profile *p = L->p;
    int rc;

    if (!cJSON_IsObject(ds))
        return fail(L, "dataset", "missing or not an object");
    if ((rc = check_keys(L, ds, "dataset", keys)) ||
        (rc = req_str(L, ds, "title", "dataset", &p->title)) ||
        (rc = req_str(L, ds, "publisher", "dataset", &p->publisher)) ||
        (rc = req_str(L, ds, "licence", "dataset", &p->licence)) ||
        (rc = opt_str(L, ds, "url", "dataset", &p->url)))
        return rc;
    if (strcmp(p->licence, "etalab-2.0") && strcmp(p->licence, "ODbL-1.0") &&
        strcmp(p->licence, "@territory"))
        return fail(L, "dataset.licence", "expected \"etalab-2.0\", \"ODbL-1.0\" or \"@territory\"");
    return GDIR_OK;
}

static int valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

static int read_text(const char *path, char **out, struct gdir_err *err)
{
    FILE *f = fopen(path, "rb");
    int rc;

    if (!f)
        return gdir_err_set(err, errno == ENOENT ? GDIR_ECONFIG : GDIR_EIO, "%s: %s", path,
                            errno == ENOENT ? "no such profile" : strerror(errno));
    rc = gdir_file_read_fp(f, path, PROFILE_MAX_BYTES, out, NULL, err);
    if (rc == GDIR_ETOOBIG && err)          /* the user's to fix, like the JSON itself */
        err->code = GDIR_ECONFIG;
    return rc == GDIR_ETOOBIG ? GDIR_ECONFIG : rc;
}

int imp_profile_load(struct imp_profile *p, const char *dir, const char *name, struct gdir_err *err)
{
    static const char *const keys[] = {"description", "kind", "source", "dataset", "computed",
                                       "geometry", "filter", "fields", "category", NULL};
    static const char *const filter_keys[] = {"field", "equals", "in", "prefix", NULL};
    static const char *const match_keys[] = {"match", NULL};
    struct loader L = {p, NULL, dir, err, 0, 0};
    char *text = NULL, *path = NULL, *kind = NULL;
    cJSON *root = NULL;
    const cJSON *filter;
    int rc;

    memset(p, 0, sizeof *p);
    if (!valid_name(name))
        return gdir_err_set(err, GDIR_ECONFIG,
                            "profile '%.64s': expected a name of a-z, 0-9, '-' and '_'", name);
    size_t len = strlen(dir) + strlen(name) + 7;
    if (!(path = malloc(len)))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    snprintf(path, len, "%s/%s.json", dir, name);
    L.file = path;
    if ((rc = read_text(path, &text, err)))
        goto out;
    rc = GDIR_ECONFIG;
    if (!(root = gdir_cjson_parse(text, (size_t)-1, path, rc, err)))
        goto out;
    if (!cJSON_IsObject(root)) {
        gdir_err_set(err, rc, "%s: not a JSON object", path);
        goto out;
    }
    if (!(p->name = strdup(name))) {
        rc = nomem(&L);
        goto out;
    }
    if ((rc = check_keys(&L, root, "(top)", keys)) ||
        (rc = opt_str(&L, root, "description", "(top)", &p->description)) ||
        (rc = req_str(&L, root, "kind", "(top)", &kind)))
        goto out;
    if (strcmp(kind, "places") == 0) {
        p->kind = IMP_KIND_PLACES;
    } else if (strcmp(kind, "communes") == 0) {
        p->kind = IMP_KIND_COMMUNES;
    } else if (strcmp(kind, "boundaries") == 0) {
        p->kind = IMP_KIND_BOUNDARIES;
    } else if (strcmp(kind, "addresses") == 0) {
        p->kind = IMP_KIND_ADDRESSES;
    } else {
        rc = fail(&L, "kind",
                  "expected \"places\", \"communes\", \"boundaries\" or \"addresses\"");
        goto out;
    }
    if ((rc = load_source(&L, cJSON_GetObjectItemCaseSensitive(root, "source"))) ||
        (rc = load_dataset(&L, cJSON_GetObjectItemCaseSensitive(root, "dataset"))) ||
        (rc = load_computed(&L, cJSON_GetObjectItemCaseSensitive(root, "computed"))) ||
        (rc = load_geometry(&L, cJSON_GetObjectItemCaseSensitive(root, "geometry"))) ||
        (rc = load_fields(&L, cJSON_GetObjectItemCaseSensitive(root, "fields"))) ||
        (rc = load_category(&L, cJSON_GetObjectItemCaseSensitive(root, "category"))))
        goto out;
    filter = cJSON_GetObjectItemCaseSensitive(root, "filter");
    if (filter && cJSON_GetObjectItemCaseSensitive(filter, "match")) {
        if ((rc = check_keys(&L, filter, "filter", match_keys)) ||
            (rc = load_match(&L, cJSON_GetObjectItemCaseSensitive(filter, "match"), "filter",
                             &p->xfilter)))
            goto out;
        p->eval_rules = 1;
    } else if (filter) {
        if ((rc = load_cond(&L, filter, "filter", filter_keys, &p->filter)))
            goto out;
        p->has_filter = 1;
        /* the same condition for imp_source, in case the rules are compiled */
        if (!(p->xfilter.conds = calloc(1, sizeof *p->xfilter.conds))) {
            rc = nomem(&L);
            goto out;
        }
        p->xfilter.n_conds = 1;
        p->xfilter.conds[0] = p->filter;
        p->xfilter.conds[0].values = calloc(p->filter.n_values, sizeof(char *));
        p->xfilter.conds[0].n_values = 0;
        if (!p->xfilter.conds[0].values) {
            rc = nomem(&L);
            goto out;
        }
        for (size_t i = 0; i < p->filter.n_values; i++) {
            if (!(p->xfilter.conds[0].values[i] = strdup(p->filter.values[i]))) {
                rc = nomem(&L);
                goto out;
            }
            p->xfilter.conds[0].n_values++;
        }
    }
    if ((rc = compile_rules(&L)))
        goto out;
    rc = GDIR_OK;
out:
    if (rc)
        imp_profile_free(p);
    cJSON_Delete(root);
    free(kind);
    free(text);
    free(path);
    return rc;
}

void imp_profile_free(struct imp_profile *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->description);
    free(p->driver);
    if (p->open_options)
        for (char **o = p->open_options; *o; o++)
            free(*o);
    free(p->open_options);
    free(p->layer);
    for (size_t i = 0; i < p->n_layers; i++)
        free(p->layers[i]);
    free(p->layers);
    for (size_t i = 0; i < p->n_columns; i++)
        free(p->columns[i]);
    free(p->columns);
    free(p->srs);
    free_cond(&p->filter);
    for (size_t i = 0; i < p->n_xrules; i++)
        free_xrule(&p->xrules[i]);
    free(p->xrules);
    free_xrule(&p->xfilter);
    for (size_t i = 0; i < p->n_computed; i++) {
        struct imp_computed *c = &p->computed[i];
        for (size_t k = 0; k < c->n_pairs; k++) {
            free(c->keys[k]);
            if (c->vals)
                free(c->vals[k]);
        }
        free(c->keys);
        free(c->vals);
        free(c->inputs);
        free(c->map_default);
        free(c->name);
    }
    free(p->computed);
    for (int t = 0; t < IMP_T__COUNT; t++)
        free_fieldmap(&p->fields[t]);
    clear_rules(p);
    free(p->rules);
    free(p->default_category);
    free(p->title);
    free(p->publisher);
    free(p->licence);
    free(p->url);
    for (size_t i = 0; i < p->n_slots; i++)
        free(p->slots[i]);
    free(p->slots);
    free(p->slot_computed);
    memset(p, 0, sizeof *p);
}
