/*
 * imp_profile.c — loads and validates mapping profiles (importer/profiles/<name>.json) into
 * struct imp_profile. Pure configuration: no GDAL, no database. The file format is described
 * in importer/README.md; every key is checked, so a typo is an error, not a silent default.
 */
#include "imp_profile.h"
#include "gdir_buf.h"
#include "gdir_taxonomy.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROFILE_MAX_BYTES (256 * 1024)

const char *const imp_target_names[IMP_T__COUNT] = {
    "source_id", "name",    "address", "postcode",      "insee",       "phone",      "email",
    "website",   "opening_hours", "description", "date", "postcodes", "population",
    "housenumber", "street", "city", "wheelchair", "refs", "geo_quality",
};

/* Loading context: the profile being filled and where errors point. */
struct loader {
    struct imp_profile *p;
    const char *file;        /* path of the profile file, for messages */
    struct gdir_err *err;
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

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static int fail(struct loader *L, const char *where, const char *what)
{
    return gdir_err_set_param(L->err, GDIR_ECONFIG, where, "%s: %s: %s", L->file, where, what);
}

static int nomem(struct loader *L)
{
    return gdir_err_set(L->err, GDIR_ENOMEM, "%s: out of memory", L->file);
}

/* Every member of obj must be one of the NULL-terminated allowed keys. */
static int check_keys(struct loader *L, const cJSON *obj, const char *where,
                      const char *const *allowed)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj) {
        int ok = 0;
        for (const char *const *k = allowed; *k; k++)
            if (strcmp(it->string, *k) == 0)
                ok = 1;
        if (!ok) {
            char msg[160];
            snprintf(msg, sizeof msg, "unknown key '%.60s'", it->string);
            return fail(L, where, msg);
        }
    }
    return GDIR_OK;
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
    *out = xstrdup(it->valuestring);
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
    char **ns = realloc(p->slots, (p->n_slots + 1) * sizeof *ns);
    if (!ns)
        return nomem(L);
    p->slots = ns;
    if (!(p->slots[p->n_slots] = xstrdup(field)))
        return nomem(L);
    *slot = p->n_slots++;
    return GDIR_OK;
}

static int slot_of_json(struct loader *L, const cJSON *it, const char *where, size_t *slot)
{
    if (!cJSON_IsString(it) || !it->valuestring[0])
        return fail(L, where, "expected a field name");
    return slot_of(L, it->valuestring, slot);
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
    size_t n = c->op == IMP_OP_IN ? (size_t)cJSON_GetArraySize(val) : 1;
    c->values = calloc(n, sizeof *c->values);
    if (!c->values)
        return nomem(L);
    const cJSON *it = c->op == IMP_OP_IN ? val->child : val;
    for (size_t i = 0; i < n; i++, it = it->next) {
        if (!cJSON_IsString(it))
            return fail(L, where, "condition values must be strings");
        if (!(c->values[i] = xstrdup(it->valuestring)))
            return nomem(L);
        c->n_values++;
    }
    return GDIR_OK;
}

static void free_cond(struct imp_cond *c)
{
    for (size_t i = 0; i < c->n_values; i++)
        free(c->values[i]);
    free(c->values);
    c->values = NULL;
    c->n_values = 0;
}

static int add_piece(struct loader *L, struct imp_fieldmap *m, const char *literal, size_t len,
                     const char *field)
{
    struct imp_piece *np = realloc(m->pieces, (m->n_pieces + 1) * sizeof *np);
    if (!np)
        return nomem(L);
    m->pieces = np;
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
    if (m->split && m->is_template)
        return fail(L, where, "'split' cannot be used with a template");
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
    static const char *const keys[] = {"rules", "field", "default", NULL};
    static const char *const rule_keys[] = {"field", "equals", "in", "prefix", "category", NULL};
    struct imp_profile *p = L->p;
    const cJSON *rules, *field, *it;
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
    field = cJSON_GetObjectItemCaseSensitive(cat, "field");
    if (field) {
        if ((rc = slot_of_json(L, field, "category.field", &p->category_slot)))
            return rc;
        p->has_category_field = 1;
    }
    rules = cJSON_GetObjectItemCaseSensitive(cat, "rules");
    if (rules) {
        if (field)
            return fail(L, "category", "use either 'field' (taxonomy codes) or 'rules'");
        if (!cJSON_IsArray(rules))
            return fail(L, "category.rules", "expected an array");
        p->rules = calloc((size_t)cJSON_GetArraySize(rules) + 1, sizeof *p->rules);
        if (!p->rules)
            return nomem(L);
        cJSON_ArrayForEach(it, rules) {
            char where[64];
            struct imp_rule *r = &p->rules[p->n_rules];
            snprintf(where, sizeof where, "category.rules[%zu]", p->n_rules);
            p->n_rules++;
            if ((rc = load_cond(L, it, where, rule_keys, &r->cond)) ||
                (rc = req_str(L, it, "category", where, &r->category)) ||
                (rc = check_category(L, r->category, where)))
                return rc;
        }
    }
    if (!field && !p->n_rules && !p->default_category)
        return fail(L, "category", "expected 'rules', 'field' or 'default'");
    return GDIR_OK;
}

static int load_geometry(struct loader *L, const cJSON *g)
{
    static const char *const keys[] = {"native", "lat", "lon", "x", "y", "srs", "decimal_comma",
                                       NULL};
    struct imp_profile *p = L->p;
    int rc;

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
        if (p->geom == IMP_GEOM_XY && !p->srs)
            return fail(L, "geometry.srs", "required with x/y fields (e.g. \"EPSG:2154\")");
    } else {
        return fail(L, "geometry", "expected \"native\" or an object");
    }
    if (p->kind == IMP_KIND_COMMUNES && p->geom != IMP_GEOM_NONE)
        return fail(L, "geometry", "communes lists have no geometry (use kind boundaries)");
    if (p->kind == IMP_KIND_BOUNDARIES && p->geom != IMP_GEOM_NATIVE)
        return fail(L, "geometry", "boundaries need the native (polygon) geometry");
    if (p->kind == IMP_KIND_PLACES && p->geom == IMP_GEOM_NONE)
        return fail(L, "geometry", "places need a geometry");
    return GDIR_OK;
}

static int load_source(struct loader *L, const cJSON *src)
{
    static const char *const keys[] = {"driver", "open_options", "layer", "separator", NULL};
    struct imp_profile *p = L->p;
    const cJSON *oo, *it;
    char *sep = NULL;
    size_t n = 0;
    int rc;

    if (!cJSON_IsObject(src))
        return fail(L, "source", "missing or not an object");
    if ((rc = check_keys(L, src, "source", keys)) ||
        (rc = req_str(L, src, "driver", "source", &p->driver)) ||
        (rc = opt_str(L, src, "layer", "source", &p->layer)) ||
        (rc = opt_str(L, src, "separator", "source", &sep)))
        return rc;
    if (strcmp(p->driver, "CSV") == 0) {
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
    oo = cJSON_GetObjectItemCaseSensitive(src, "open_options");
    if (oo && !cJSON_IsObject(oo))
        return fail(L, "source.open_options", "expected an object of strings");
    p->open_options = calloc((oo ? (size_t)cJSON_GetArraySize(oo) : 0) + 2, sizeof(char *));
    if (!p->open_options)
        return nomem(L);
    if (oo) {
        cJSON_ArrayForEach(it, oo) {
            if (!cJSON_IsString(it))
                return fail(L, "source.open_options", "values must be strings");
            if (strcmp(p->driver, "CSV") == 0 && strcmp(it->string, "HEADERS") == 0)
                return fail(L, "source.open_options", "HEADERS is always YES for CSV");
            size_t len = strlen(it->string) + strlen(it->valuestring) + 2;
            if (!(p->open_options[n] = malloc(len)))
                return nomem(L);
            snprintf(p->open_options[n++], len, "%s=%s", it->string, it->valuestring);
        }
    }
    /* Line numbers and the field-count check assume a header line. */
    if (strcmp(p->driver, "CSV") == 0 && !(p->open_options[n] = xstrdup("HEADERS=YES")))
        return nomem(L);
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
    struct gdir_buf b;
    char chunk[8192];
    size_t n;
    int ioerr;

    if (!f)
        return gdir_err_set(err, errno == ENOENT ? GDIR_ECONFIG : GDIR_EIO, "%s: %s", path,
                            errno == ENOENT ? "no such profile" : strerror(errno));
    gdir_buf_init(&b, PROFILE_MAX_BYTES);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (gdir_buf_add(&b, chunk, n))
            break;
    ioerr = ferror(f);
    fclose(f);
    if (ioerr || b.err) {
        gdir_buf_free(&b);
        return gdir_err_set(err, ioerr ? GDIR_EIO : GDIR_ECONFIG, "%s: %s", path,
                            ioerr ? "read error" : "larger than 256 KiB");
    }
    *out = gdir_buf_steal(&b, NULL);
    return *out ? GDIR_OK : gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", path);
}

int imp_profile_load(struct imp_profile *p, const char *dir, const char *name, struct gdir_err *err)
{
    static const char *const keys[] = {"description", "kind", "source", "dataset", "geometry",
                                       "filter", "fields", "category", NULL};
    static const char *const filter_keys[] = {"field", "equals", "in", "prefix", NULL};
    struct loader L = {p, NULL, err};
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
    root = cJSON_ParseWithOpts(text, NULL, 1);
    if (!cJSON_IsObject(root)) {
        gdir_err_set(err, rc, "%s: not a JSON object (syntax error)", path);
        goto out;
    }
    if (!(p->name = xstrdup(name))) {
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
        (rc = load_geometry(&L, cJSON_GetObjectItemCaseSensitive(root, "geometry"))) ||
        (rc = load_fields(&L, cJSON_GetObjectItemCaseSensitive(root, "fields"))) ||
        (rc = load_category(&L, cJSON_GetObjectItemCaseSensitive(root, "category"))))
        goto out;
    filter = cJSON_GetObjectItemCaseSensitive(root, "filter");
    if (filter) {
        if ((rc = load_cond(&L, filter, "filter", filter_keys, &p->filter)))
            goto out;
        p->has_filter = 1;
    }
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
    free(p->srs);
    free_cond(&p->filter);
    for (int t = 0; t < IMP_T__COUNT; t++)
        free_fieldmap(&p->fields[t]);
    for (size_t i = 0; i < p->n_rules; i++) {
        free_cond(&p->rules[i].cond);
        free(p->rules[i].category);
    }
    free(p->rules);
    free(p->default_category);
    free(p->title);
    free(p->publisher);
    free(p->licence);
    free(p->url);
    for (size_t i = 0; i < p->n_slots; i++)
        free(p->slots[i]);
    free(p->slots);
    memset(p, 0, sizeof *p);
}
