/*
 * ogc_cql2_json.c — CQL2 JSON (OGC 21-065, the cql2-json encoding) into the tree of
 * ogc_cql2.h, the same tree as CQL2 text: {"op": "and" | "or" | "not" | "=" | "<>" | "<" | ">"
 * | "<=" | ">=" | "like" | "between" | "in" | "isNull" | "s_intersects", "args": [...]},
 * {"property": "name"}, literals (strings, numbers, booleans, {"date": …}, {"timestamp": …}),
 * {"bbox": [4 numbers]} and GeoJSON geometries. Errors name the parameter filter and the
 * path of the faulty member ("args[1].args[0]"); a JSON syntax error its character.
 */
#include "ogc_cql2.h"
#include "gdir_buf.h"
#include "gdir_err.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct jctx {
    struct cql2 *c;
    struct gdir_err *err;
    const char *text;
    int depth;
};

static int jfail(struct jctx *x, const char *path, const char *expected)
{
    return gdir_err_set_param(x->err, GDIR_EINVAL, "filter", "filter: at %s: expected %s",
                              *path ? path : "the top level", expected);
}

static int jnomem(struct jctx *x, const char *path)
{
    if (x->c->n_nodes >= CQL2_MAX_NODES)
        return gdir_err_set_param(x->err, GDIR_EINVAL, "filter",
                                  "filter: at %s: more than %d predicates and operators", path,
                                  CQL2_MAX_NODES);
    return gdir_err_set(x->err, GDIR_ENOMEM, "filter: out of memory");
}

/* path + "args[i]" (or "args[i][k]" for the list of in), owned by the tree. */
static const char *sub_path(struct jctx *x, const char *path, const char *what, size_t i)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s%s%s[%zu]", path, *path && *what ? "." : "", what, i);
    return cql2_strndup(x->c, buf, strlen(buf));
}

static int jliteral(struct jctx *x, const cJSON *v, const char *path, struct cql2_lit *lit)
{
    const cJSON *d;
    memset(lit, 0, sizeof *lit);
    if (cJSON_IsString(v)) {
        lit->type = CQL2_STRING;
        lit->s = cql2_strndup(x->c, v->valuestring, strlen(v->valuestring));
        return lit->s ? GDIR_OK : jnomem(x, path);
    }
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
        lit->type = CQL2_NUMBER;
        lit->num = v->valuedouble;
        return GDIR_OK;
    }
    if (cJSON_IsBool(v)) {
        lit->type = CQL2_BOOLEAN;
        lit->b = cJSON_IsTrue(v);
        return GDIR_OK;
    }
    if (cJSON_IsObject(v) && cJSON_GetArraySize(v) == 1 &&
        ((d = cJSON_GetObjectItemCaseSensitive(v, "date")) ||
         (d = cJSON_GetObjectItemCaseSensitive(v, "timestamp")))) {
        int is_date = strcmp(d->string, "date") == 0;
        if (!cJSON_IsString(d) ||
            (is_date ? cql2_check_date(d->valuestring) : cql2_check_timestamp(d->valuestring)))
            return jfail(x, path, is_date ? "{\"date\": \"YYYY-MM-DD\"}"
                                          : "{\"timestamp\": an RFC 3339 timestamp with Z or an "
                                            "offset}");
        lit->type = is_date ? CQL2_DATE : CQL2_TIMESTAMP;
        lit->s = cql2_strndup(x->c, d->valuestring, strlen(d->valuestring));
        return lit->s ? GDIR_OK : jnomem(x, path);
    }
    return jfail(x, path, "a literal (a string, a number, a boolean, {\"date\": …} or "
                          "{\"timestamp\": …})");
}

static const char *jproperty(const cJSON *v)
{
    const cJSON *p = cJSON_IsObject(v) && cJSON_GetArraySize(v) == 1
                         ? cJSON_GetObjectItemCaseSensitive(v, "property") : NULL;
    return cJSON_IsString(p) && *p->valuestring ? p->valuestring : NULL;
}

/* ---- spatial literals ------------------------------------------------------------------------- */

/* The coordinates of a GeoJSON geometry, levels deep (1: a list of positions), as WKT. */
static int jcoords(struct jctx *x, const cJSON *a, int levels, int ring, const char *path,
                   struct gdir_buf *b)
{
    size_t n = 0, first_start = 0, first_end = 0, last_start = 0;
    const cJSON *e;

    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0)
        return jfail(x, path, "GeoJSON coordinates (non-empty arrays)");
    if (gdir_buf_addc(b, '('))
        return jnomem(x, path);
    cJSON_ArrayForEach(e, a) {
        if (n && gdir_buf_addc(b, ','))
            return jnomem(x, path);
        last_start = b->len;
        if (levels == 0 || levels == 1) {
            const cJSON *p = levels == 0 ? a : e;
            int rc;
            if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != 2 ||
                !cJSON_IsNumber(p->child) || !cJSON_IsNumber(p->child->next))
                return jfail(x, path, "positions of 2 numbers");
            rc = cql2_wkt_coord(x->c, b, p->child->valuedouble, p->child->next->valuedouble);
            if (rc == -1)
                return jfail(x, path, "positions within -180..180, -90..90 (CRS84)");
            if (rc == -3)
                return jfail(x, path, "at most 512 coordinates in the expression");
            if (rc)
                return jnomem(x, path);
            if (levels == 0) {
                n = 1;
                break;
            }
        } else if (jcoords(x, e, levels - 1, ring, path, b)) {
            return x->err->code;
        }
        if (n++ == 0) {
            first_start = last_start;
            first_end = b->len;
        }
    }
    if (ring && levels == 1 && !cql2_ring_closed(b, n, first_start, first_end, last_start))
        return jfail(x, path, "closed rings of 4 positions or more");
    return gdir_buf_addc(b, ')') ? jnomem(x, path) : GDIR_OK;
}

static const struct {
    const char *type, *wkt;
    int levels, ring;
} geo_types[] = {
    {"Point", "POINT", 0, 0}, {"LineString", "LINESTRING", 1, 0},
    {"Polygon", "POLYGON", 2, 1}, {"MultiPoint", "MULTIPOINT", 1, 0},
    {"MultiLineString", "MULTILINESTRING", 2, 0}, {"MultiPolygon", "MULTIPOLYGON", 3, 1},
};

static int jbbox(struct jctx *x, const cJSON *a, const char *path, struct gdir_buf *b)
{
    double v[4];
    int i = 0;
    const cJSON *e;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 4)
        return jfail(x, path, "{\"bbox\": [minx, miny, maxx, maxy]} (4 numbers: the data has "
                              "no heights)");
    cJSON_ArrayForEach(e, a) {
        if (!cJSON_IsNumber(e))
            return jfail(x, path, "{\"bbox\": [4 numbers]}");
        v[i++] = e->valuedouble;
    }
    i = cql2_bbox_wkt(x->c, v, b);
    return i == -1 ? jfail(x, path, "a bbox with min <= max within -180..180, -90..90")
           : i ? jnomem(x, path) : GDIR_OK;
}

/* A spatial literal into n->wkt. */
static int jspatial(struct jctx *x, const cJSON *v, const char *path, struct cql2_node *n)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "type");
    const cJSON *bb = cJSON_GetObjectItemCaseSensitive(v, "bbox");
    struct gdir_buf b;
    int rc = 1;

    gdir_buf_init(&b, 0);
    if (bb && cJSON_GetArraySize(v) == 1) {
        n->is_bbox = 1;
        rc = jbbox(x, bb, path, &b);
    } else if (cJSON_IsString(t)) {
        for (size_t i = 0; rc == 1 && i < sizeof geo_types / sizeof geo_types[0]; i++)
            if (strcmp(t->valuestring, geo_types[i].type) == 0)
                rc = gdir_buf_adds(&b, geo_types[i].wkt)
                         ? jnomem(x, path)
                         : jcoords(x, cJSON_GetObjectItemCaseSensitive(v, "coordinates"),
                                   geo_types[i].levels, geo_types[i].ring, path, &b);
    }
    if (rc == 1)
        rc = jfail(x, path, "a spatial literal: {\"bbox\": [...]} or a GeoJSON geometry "
                            "(Point, LineString, Polygon, MultiPoint, MultiLineString, "
                            "MultiPolygon)");
    if (!rc && !(n->wkt = cql2_strndup(x->c, gdir_buf_str(&b), b.len)))
        rc = jnomem(x, path);
    gdir_buf_free(&b);
    return rc;
}

/* ---- operators ---------------------------------------------------------------------------------- */

static const struct {
    const char *name;
    enum cql2_op op;
    enum cql2_cmp cmp;
    int n_args;                    /* -1: 1 or more (and, or) */
} ops[] = {
    {"and", CQL2_AND, 0, -1}, {"or", CQL2_OR, 0, -1}, {"not", CQL2_NOT, 0, 1},
    {"=", CQL2_CMP, CQL2_EQ, 2}, {"<>", CQL2_CMP, CQL2_NE, 2}, {"<", CQL2_CMP, CQL2_LT, 2},
    {">", CQL2_CMP, CQL2_GT, 2}, {"<=", CQL2_CMP, CQL2_LE, 2}, {">=", CQL2_CMP, CQL2_GE, 2},
    {"like", CQL2_LIKE, 0, 2}, {"between", CQL2_BETWEEN, 0, 3}, {"in", CQL2_IN, 0, 2},
    {"isNull", CQL2_ISNULL, 0, 1}, {"s_intersects", CQL2_INTERSECTS, 0, 2},
};

static int jnode(struct jctx *x, const cJSON *v, const char *path, struct cql2_node **out);

static int jlogical(struct jctx *x, const cJSON *args, const char *path, struct cql2_node *n)
{
    size_t k = 0;
    const cJSON *e;
    n->n_kids = (size_t)cJSON_GetArraySize(args);
    if (n->n_kids > CQL2_MAX_NODES)
        return jnomem(x, path);
    n->kids = cql2_alloc(x->c, n->n_kids * sizeof *n->kids);
    if (!n->kids)
        return jnomem(x, path);
    cJSON_ArrayForEach(e, args) {
        const char *p = sub_path(x, path, "args", k);
        if (!p)
            return jnomem(x, path);
        if (jnode(x, e, p, &n->kids[k++]))
            return x->err->code;
    }
    return GDIR_OK;
}

/* A predicate: args[0] the property (args[1] for a comparison written literal first). */
static int jpredicate(struct jctx *x, const cJSON *args, const char *path, struct cql2_node *n)
{
    const cJSON *a0 = cJSON_GetArrayItem(args, 0), *a1 = cJSON_GetArrayItem(args, 1), *e;
    const char *p0 = sub_path(x, path, "args", 0), *p1 = sub_path(x, path, "args", 1);
    const cJSON *list = NULL;
    size_t k = 0;

    if (!p0 || !p1)
        return jnomem(x, path);
    n->prop = jproperty(a0);
    if (!n->prop && n->op == CQL2_CMP && jproperty(a1)) {      /* literal first */
        static const enum cql2_cmp flip[] = {CQL2_EQ, CQL2_NE, CQL2_GT, CQL2_LT, CQL2_GE, CQL2_LE};
        const cJSON *t = a0;
        const char *tp = p0;
        a0 = a1;
        a1 = t;
        p0 = p1;
        p1 = tp;
        n->prop = jproperty(a0);
        n->cmp = flip[n->cmp];
    }
    if (!n->prop && n->op == CQL2_INTERSECTS && jproperty(a1)) {      /* literal first */
        n->prop = cql2_strndup(x->c, jproperty(a1), strlen(jproperty(a1)));
        return n->prop ? jspatial(x, a0, p0, n) : jnomem(x, path);
    }
    if (!n->prop)
        return jfail(x, p0, "{\"property\": \"<name>\"}");
    if (!(n->prop = cql2_strndup(x->c, n->prop, strlen(n->prop))))
        return jnomem(x, path);
    switch (n->op) {
    case CQL2_ISNULL:
        return GDIR_OK;
    case CQL2_INTERSECTS:
        return jspatial(x, a1, p1, n);
    case CQL2_IN:
        if (!cJSON_IsArray(a1) || cJSON_GetArraySize(a1) == 0)
            return jfail(x, p1, "a non-empty array of literals");
        if (cJSON_GetArraySize(a1) > CQL2_MAX_IN)
            return jfail(x, p1, "at most 128 values in an in list");
        n->n_lits = (size_t)cJSON_GetArraySize(a1);
        list = a1;
        break;
    default:
        n->n_lits = n->op == CQL2_BETWEEN ? 2 : 1;
    }
    n->lits = cql2_alloc(x->c, n->n_lits * sizeof *n->lits);
    if (!n->lits)
        return jnomem(x, path);
    if (list) {
        cJSON_ArrayForEach(e, list) {
            const char *pk = sub_path(x, p1, "", k);
            if (!pk || jliteral(x, e, pk, &n->lits[k++]))
                return x->err->code ? x->err->code : jnomem(x, path);
        }
        return GDIR_OK;
    }
    for (k = 0; k < n->n_lits; k++) {
        const char *pk = k == 0 ? p1 : sub_path(x, path, "args", 2);
        const cJSON *lit = k == 0 ? a1 : cJSON_GetArrayItem(args, 2);
        if (!pk || jliteral(x, lit, pk, &n->lits[k]))
            return x->err->code ? x->err->code : jnomem(x, path);
    }
    if (n->op == CQL2_LIKE && n->lits[0].type != CQL2_STRING)
        return jfail(x, p1, "a string pattern");
    return GDIR_OK;
}

static int jnode(struct jctx *x, const cJSON *v, const char *path, struct cql2_node **out)
{
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(v, "op");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(v, "args");
    struct cql2_node *n;
    size_t i, nargs;
    int rc;

    if (++x->depth > CQL2_MAX_DEPTH)
        return gdir_err_set_param(x->err, GDIR_EINVAL, "filter",
                                  "filter: at %s: nested deeper than %d levels", path,
                                  CQL2_MAX_DEPTH);
    if (cJSON_IsBool(v)) {
        if (!(n = cql2_node_new(x->c, CQL2_BOOL, 0)))
            return jnomem(x, path);
        n->value = cJSON_IsTrue(v);
        n->where = path;
        *out = n;
        x->depth--;
        return GDIR_OK;
    }
    if (!cJSON_IsObject(v) || !cJSON_IsString(op) || !cJSON_IsArray(args))
        return jfail(x, path, "an object {\"op\": …, \"args\": [...]} or a boolean");
    for (i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(ops[i].name, op->valuestring) == 0)
            break;
    if (i == sizeof ops / sizeof ops[0])
        return jfail(x, path, "op one of and, or, not, =, <>, <, >, <=, >=, like, between, in, "
                              "isNull, s_intersects");
    nargs = (size_t)cJSON_GetArraySize(args);
    if (ops[i].n_args < 0 ? nargs < 1 : nargs != (size_t)ops[i].n_args) {
        char what[80];
        snprintf(what, sizeof what, "%s for op %s",
                 ops[i].n_args < 0 ? "1 argument or more" : ops[i].n_args == 1 ? "1 argument"
                 : ops[i].n_args == 2 ? "2 arguments" : "3 arguments", ops[i].name);
        return jfail(x, path, what);
    }
    if (!(n = cql2_node_new(x->c, ops[i].op, 0)))
        return jnomem(x, path);
    n->cmp = ops[i].cmp;
    n->where = path;
    if (n->op == CQL2_AND || n->op == CQL2_OR || n->op == CQL2_NOT)
        rc = jlogical(x, args, path, n);
    else
        rc = jpredicate(x, args, path, n);
    x->depth--;
    *out = n;
    return rc;
}

int cql2_parse_json(const char *s, int swap_axes, struct cql2 *out, struct gdir_err *err)
{
    struct jctx x = {out, err, s, 0};
    const char *at = NULL;
    cJSON *doc;
    int rc;

    if ((rc = cql2_begin(s, swap_axes, out, err)))
        return rc;
    doc = cJSON_ParseWithOpts(s, &at, 1);
    if (!doc) {
        size_t pos = at && at >= s && at <= s + strlen(s) ? (size_t)(at - s) + 1 : 1;
        return gdir_err_set_param(err, GDIR_EINVAL, "filter",
                                  "filter: at character %zu: expected CQL2 JSON (this is not "
                                  "JSON)", pos);
    }
    rc = jnode(&x, doc, "", &out->root);
    cJSON_Delete(doc);
    if (rc)
        cql2_free(out);
    return rc;
}
