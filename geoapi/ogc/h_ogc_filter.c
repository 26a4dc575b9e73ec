/*
 * h_ogc_filter.c — the filter, filter-lang and filter-crs parameters of the items of every
 * collection (OGC API - Features Part 3, Filter and Features Filter; CQL2 Basic CQL2 and
 * Basic Spatial Functions): the expression is parsed (ogc_cql2_text.c / ogc_cql2_json.c),
 * every property it names is checked against the collection's queryables
 * (h_ogc_schema.c) and typed, and the tree is translated into an SQL condition made of the
 * queryable's column expression (the table below) and one "?" per value, the values going
 * to the bind list: no value is ever written into the SQL. api_q_ogc_filter runs it once per
 * request and h_ogc_items.c keeps the features whose key is in the answer, under its own
 * bbox, datetime, search and paging (numberMatched counts them).
 *
 * Semantics (docs/ogc.md, "Filter"): three-valued logic as SQL (a comparison with a null
 * value is unknown, NOT unknown is unknown, only true selects); strings compare by code
 * point; LIKE is case-sensitive (% any sequence, _ one character, \ escapes) and runs as GLOB;
 * date-time properties compare as instants (TIMESTAMP literals put in UTC); S_INTERSECTS
 * tests the geometry exactly (GEOS), edges included; a feature without geometry is unknown.
 */
#include "h_ogc.h"
#include "ogc_cql2.h"
#include "gdir_hours.h"
#include "gdir_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The SQL of each queryable of a kind (the aliases of api_q_ogc_filter's statements). */
struct qcol {
    const char *name, *sql;
};

static const struct qcol place_cols[] = {
    {"geometry", "p.geom"}, {"name", "p.name"}, {"category", "p.category"},
    {"address", "p.address"}, {"postcode", "p.postcode"}, {"insee", "p.insee"},
    {"commune_name", "(SELECT c.name FROM communes AS c WHERE c.insee = p.insee)"},
    {"phone", "p.phone"}, {"email", "p.email"}, {"website", "p.website"},
    {"opening_hours", "p.opening_hours"}, {"description", "p.description"},
    {"source", "p.source"}, {"licence", "p.licence"}, {"source_date", "p.source_date"},
    {"geocode_precision", "p.geocode_precision"}, {"geocode_score", "p.geocode_score"},
    {NULL, NULL},
};

static const struct qcol commune_cols[] = {
    {"geometry", "c.geom"}, {"insee", "c.insee"}, {"name", "c.name"},
    {"postcodes", "c.postcodes"}, {"population", "c.population"},
    {"places", "(SELECT count(*) FROM places AS p WHERE p.insee = c.insee)"},
    {"source", "c.source"},
    {"licence", "coalesce(c.licence, (SELECT s.licence FROM sources AS s"
                " WHERE s.name = c.source))"},
    {NULL, NULL},
};

static const struct qcol address_cols[] = {
    {"geometry", "a.geom"}, {"housenumber", "a.housenumber"}, {"street", "a.street"},
    {"postcode", "a.postcode"}, {"insee", "a.insee"}, {"city", "a.city"},
    {"source", "a.source"}, {"licence", "a.licence"}, {NULL, NULL},
};

/* Events: the members of each occurrence's JSON object (ogc_filter_event_row). */
static const struct qcol event_cols[] = {
    {"geometry", "CASE WHEN json_extract(j.value, '$.lon') IS NULL THEN NULL ELSE"
                 " MakePoint(json_extract(j.value, '$.lon'), json_extract(j.value, '$.lat'),"
                 " 4326) END"},
    {"item", "json_extract(j.value, '$.item')"}, {"title", "json_extract(j.value, '$.title')"},
    {"start", "json_extract(j.value, '$.start')"}, {"end", "json_extract(j.value, '$.end')"},
    {"all_day", "json_extract(j.value, '$.all_day')"},
    {"category", "json_extract(j.value, '$.category')"},
    {"place_name", "json_extract(j.value, '$.place_name')"},
    {"communes", "json_extract(j.value, '$.communes')"},
    {"territory", "json_extract(j.value, '$.territory')"},
    {"organiser", "json_extract(j.value, '$.organiser')"},
    {"free", "json_extract(j.value, '$.free')"},
    {"licence", "json_extract(j.value, '$.licence')"}, {NULL, NULL},
};

static const struct qcol *cols_of(enum ogc_kind k)
{
    return k == OGC_KIND_COMMUNES ? commune_cols : k == OGC_KIND_ADDRESSES ? address_cols
           : k == OGC_KIND_EVENTS ? event_cols : place_cols;
}

struct tr {
    struct ogc_filter *f;
    struct gdir_err *err;
};

/* Where a node is, for messages: "at character N" or "at args[1]". */
static void where_of(const struct cql2_node *n, size_t pos, char *out, size_t cap)
{
    if (n->where)
        snprintf(out, cap, "at %s", *n->where ? n->where : "the top level");
    else
        snprintf(out, cap, "at character %zu", pos ? pos : n->pos);
}

static int bad(struct tr *t, const struct cql2_node *n, size_t pos, const char *what)
{
    char w[300];
    where_of(n, pos, w, sizeof w);
    return gdir_err_set_param(t->err, GDIR_EINVAL, "filter", "filter: %s: %s", w, what);
}

static int add_bind(struct tr *t, struct api_bind b)
{
    struct ogc_filter *f = t->f;
    if (gdir_grow(&f->binds, &f->cap_binds, f->n_binds + 1, sizeof *f->binds) ||
        gdir_buf_addc(&f->where, '?'))
        return gdir_err_set(t->err, GDIR_ENOMEM, "filter: out of memory");
    f->binds[f->n_binds++] = b;
    return GDIR_OK;
}

/* A TIMESTAMP literal in UTC ("YYYY-MM-DDTHH:MM:SSZ"), owned by the tree. */
static const char *utc_of(struct tr *t, const char *ts)
{
    char copy[64], out[40];
    time_t at;
    size_t n = strlen(ts);
    char *dot = NULL;
    if (n >= sizeof copy)
        return NULL;
    memcpy(copy, ts, n + 1);
    if ((dot = strchr(copy, '.')) != NULL) {      /* fractions of a second: dropped */
        size_t k = strspn(dot + 1, "0123456789");
        memmove(dot, dot + 1 + k, strlen(dot + 1 + k) + 1);
    }
    if (gdir_paris_parse(copy, &at) != 0)
        return NULL;
    ogc_utc(at, out, sizeof out);
    return cql2_strndup(&t->f->tree, out, strlen(out));
}

/* Binds literal l for a property of JSON Schema type / format; 400 when they do not agree. */
static int bind_literal(struct tr *t, const struct cql2_node *n, const struct cql2_lit *l,
                        const char *type, const char *format)
{
    int datetime = format && strcmp(format, "date-time") == 0;
    char msg[200];

    /* a date-time property also takes a timestamp written as a string (GDAL 3.6 does) */
    if (strcmp(type, "string") == 0 && datetime &&
        (l->type == CQL2_TIMESTAMP || (l->type == CQL2_STRING && !cql2_check_timestamp(l->s)))) {
        const char *utc = utc_of(t, l->s);
        if (!utc)
            return bad(t, n, l->pos, "a timestamp that cannot be read");
        return add_bind(t, (struct api_bind){API_BIND_TEXT, utc, 0, 0});
    }
    if (strcmp(type, "string") == 0 && !datetime &&
        (l->type == CQL2_STRING || l->type == CQL2_DATE || l->type == CQL2_TIMESTAMP))
        return add_bind(t, (struct api_bind){API_BIND_TEXT, l->s, 0, 0});
    if ((strcmp(type, "number") == 0 || strcmp(type, "integer") == 0) && l->type == CQL2_NUMBER)
        return add_bind(t, (struct api_bind){API_BIND_REAL, NULL, l->num, 0});
    if (strcmp(type, "boolean") == 0 && l->type == CQL2_BOOLEAN)
        return add_bind(t, (struct api_bind){API_BIND_INT, NULL, 0, l->b});
    snprintf(msg, sizeof msg, "property %s is %s: expected %s", n->prop,
             datetime ? "a date-time" : type,
             datetime ? "a TIMESTAMP" : strcmp(type, "string") == 0 ? "a string (or a DATE)"
             : strcmp(type, "boolean") == 0 ? "TRUE or FALSE" : "a number");
    return bad(t, n, l->pos, msg);
}

/* CQL2 LIKE pattern to GLOB: % -> *, _ -> ?, \x -> x; GLOB's own * ? [ taken literally. */
static int like_to_glob(struct tr *t, const char *p, const char **out)
{
    struct gdir_buf b;
    int rc = 0;
    gdir_buf_init(&b, 0);
    for (; *p && !rc; p++) {
        char ch = *p;
        if (ch == '\\' && p[1]) {
            ch = *++p;
            rc = ch == '*' ? gdir_buf_adds(&b, "[*]") : ch == '?' ? gdir_buf_adds(&b, "[?]")
                 : ch == '[' ? gdir_buf_adds(&b, "[[]") : gdir_buf_addc(&b, ch);
        } else if (ch == '%') {
            rc = gdir_buf_addc(&b, '*');
        } else if (ch == '_') {
            rc = gdir_buf_addc(&b, '?');
        } else if (ch == '*' || ch == '?' || ch == '[') {
            rc = gdir_buf_printf(&b, "[%c]", ch);
        } else {
            rc = gdir_buf_addc(&b, ch);
        }
    }
    *out = rc ? NULL : cql2_strndup(&t->f->tree, gdir_buf_str(&b), b.len);
    gdir_buf_free(&b);
    return *out ? GDIR_OK : gdir_err_set(t->err, GDIR_ENOMEM, "filter: out of memory");
}

static const char *const cmp_sql[] = {" = ", " <> ", " < ", " > ", " <= ", " >= "};

/* A predicate on a property: the property checked and typed, then its SQL. */
static int tr_predicate(struct tr *t, const struct cql2_node *n)
{
    const struct qcol *col = cols_of(t->f->kind);
    const char *type = NULL, *format = NULL, *glob;
    struct gdir_buf *w = &t->f->where;
    int geom = strcmp(n->prop, "geometry") == 0, rc = 0;

    while (col->name && strcmp(col->name, n->prop) != 0)
        col++;
    if (!col->name || (!geom && !ogc_queryable(t->f->kind, n->prop, &type, &format))) {
        char list[600], msg[900], name[API_QUOTE_MAX * 4 + 16];
        ogc_queryables_list(t->f->kind, list, sizeof list);
        api_quote(name, sizeof name, n->prop);
        snprintf(msg, sizeof msg, "unknown property %s (queryables: %s)", name, list);
        return bad(t, n, 0, msg);
    }
    if (geom != (n->op == CQL2_INTERSECTS) && n->op != CQL2_ISNULL)
        return bad(t, n, 0, geom ? "the geometry is only tested by S_INTERSECTS or IS NULL"
                                 : "S_INTERSECTS takes the property geometry");
    if (n->op == CQL2_INTERSECTS) {
        if (gdir_buf_printf(w, "(CASE WHEN %s IS NULL THEN NULL ELSE ST_Intersects(%s, "
                               "GeomFromText(", col->sql, col->sql))
            return gdir_err_set(t->err, GDIR_ENOMEM, "filter: out of memory");
        rc = add_bind(t, (struct api_bind){API_BIND_TEXT, n->wkt, 0, 0});
        return rc ? rc : gdir_buf_adds(w, ", 4326)) = 1 END)") ? GDIR_ENOMEM : GDIR_OK;
    }
    if (gdir_buf_printf(w, "(%s", col->sql))
        return GDIR_ENOMEM;
    switch (n->op) {
    case CQL2_ISNULL:
        rc = gdir_buf_adds(w, " IS NULL");
        break;
    case CQL2_CMP:
        rc = gdir_buf_adds(w, cmp_sql[n->cmp]);
        rc = rc ? rc : bind_literal(t, n, &n->lits[0], type, format);
        break;
    case CQL2_LIKE:
        if (strcmp(type, "string") != 0 || (format && strcmp(format, "date-time") == 0))
            return bad(t, n, 0, "LIKE takes a string property");
        if ((rc = like_to_glob(t, n->lits[0].s, &glob)))
            return rc;
        rc = gdir_buf_adds(w, " GLOB ");
        rc = rc ? rc : add_bind(t, (struct api_bind){API_BIND_TEXT, glob, 0, 0});
        break;
    case CQL2_BETWEEN:
        rc = gdir_buf_adds(w, " BETWEEN ");
        rc = rc ? rc : bind_literal(t, n, &n->lits[0], type, format);
        rc = rc ? rc : gdir_buf_adds(w, " AND ");
        rc = rc ? rc : bind_literal(t, n, &n->lits[1], type, format);
        break;
    case CQL2_IN:
        rc = gdir_buf_adds(w, " IN (");
        for (size_t i = 0; !rc && i < n->n_lits; i++) {
            rc = i ? gdir_buf_adds(w, ", ") : 0;
            rc = rc ? rc : bind_literal(t, n, &n->lits[i], type, format);
        }
        rc = rc ? rc : gdir_buf_addc(w, ')');
        break;
    default:
        return gdir_err_set(t->err, GDIR_EINTERNAL, "filter: unexpected node");
    }
    return rc ? rc : gdir_buf_addc(w, ')');
}

static int tr_node(struct tr *t, const struct cql2_node *n)
{
    struct gdir_buf *w = &t->f->where;
    int rc = 0;

    switch (n->op) {
    case CQL2_AND:
    case CQL2_OR:
        rc = gdir_buf_addc(w, '(');
        for (size_t i = 0; !rc && i < n->n_kids; i++) {
            rc = i ? gdir_buf_adds(w, n->op == CQL2_AND ? " AND " : " OR ") : 0;
            rc = rc ? rc : tr_node(t, n->kids[i]);
        }
        return rc ? rc : gdir_buf_addc(w, ')');
    case CQL2_NOT:
        rc = gdir_buf_adds(w, "(NOT ");
        rc = rc ? rc : tr_node(t, n->kids[0]);
        return rc ? rc : gdir_buf_addc(w, ')');
    case CQL2_BOOL:
        return gdir_buf_adds(w, n->value ? "1" : "0");
    default:
        return tr_predicate(t, n);
    }
}

/* filter-lang and filter-crs: *json, *swap (EPSG:4326: lat lon). */
static int filter_options(const struct api_request *req, int *json, int *swap,
                          struct gdir_err *err)
{
    const char *lang = api_param(req, "filter-lang");
    enum ogc_crs crs;
    int rc;

    /* cql-text: the draft's name, which GDAL 3.6 sends (its expressions are CQL2 text) */
    *json = lang && strcmp(lang, "cql2-json") == 0;
    if (lang && !*json && strcmp(lang, "cql2-text") != 0 && strcmp(lang, "cql-text") != 0)
        return api_param_invalid(err, "filter-lang", lang, "expected cql2-text or cql2-json");
    if ((rc = ogc_param_crs(req, "filter-crs", &crs, err)))
        return rc;
    if (crs == OGC_EPSG2154)
        return api_param_invalid(err, "filter-crs", api_param(req, "filter-crs"),
                                 "expected http://www.opengis.net/def/crs/OGC/1.3/CRS84 or "
                                 "http://www.opengis.net/def/crs/EPSG/0/4326");
    *swap = crs == OGC_EPSG4326;
    return GDIR_OK;
}

int ogc_filter_read(const struct api_request *req, enum ogc_kind kind, struct ogc_filter *f,
                    struct gdir_err *err)
{
    const char *text = api_param(req, "filter");
    struct tr t = {f, err};
    int rc, json = 0, swap = 0;

    memset(f, 0, sizeof *f);
    f->kind = kind;
    gdir_buf_init(&f->where, 0);
    if (!text) {
        const char *p = api_param(req, "filter-lang") ? "filter-lang"
                        : api_param(req, "filter-crs") ? "filter-crs" : NULL;
        return p ? gdir_err_set_param(err, GDIR_EINVAL, p, "%s: given without filter", p)
                 : GDIR_OK;
    }
    if ((rc = filter_options(req, &json, &swap, err)))
        return rc;
    rc = json ? cql2_parse_json(text, swap, &f->tree, err)
              : cql2_parse_text(text, swap, &f->tree, err);
    if (rc)
        return rc;
    f->has = 1;
    rc = tr_node(&t, f->tree.root);
    if (rc && !err->code)
        gdir_err_set(err, rc, "filter: %s", gdir_err_text(rc));
    return rc;
}

static int on_row(void *cls, long long id, const char *key, double lon, double lat)
{
    struct ogc_filter *f = cls;
    if (f->kind == OGC_KIND_COMMUNES) {
        if (strlen(key) >= sizeof f->keys[0])
            return GDIR_OK;
        if (gdir_grow(&f->keys, &f->cap_keys, f->n_keys + 1, sizeof f->keys[0]))
            return GDIR_ENOMEM;
        snprintf(f->keys[f->n_keys++], sizeof f->keys[0], "%s", key);
        return GDIR_OK;
    }
    if (gdir_grow(&f->ids, &f->cap_ids, f->n_ids + 1, sizeof *f->ids) ||
        (f->kind == OGC_KIND_ADDRESSES &&
         gdir_grow(&f->pts, &f->cap_pts, 2 * (f->n_ids + 1), sizeof *f->pts)))
        return GDIR_ENOMEM;
    if (f->kind == OGC_KIND_ADDRESSES) {
        f->pts[2 * f->n_ids] = lon;
        f->pts[2 * f->n_ids + 1] = lat;
    }
    f->ids[f->n_ids++] = id;
    return GDIR_OK;
}

int ogc_filter_run(struct api_db *db, struct ogc_filter *f, const char *rows_json,
                   struct gdir_err *err)
{
    static const enum api_filter_table tables[] = {
        [OGC_KIND_PLACES] = API_FILTER_PLACES, [OGC_KIND_COMMUNES] = API_FILTER_COMMUNES,
        [OGC_KIND_ADDRESSES] = API_FILTER_ADDRESSES, [OGC_KIND_EVENTS] = API_FILTER_EVENTS,
    };
    int rc = api_q_ogc_filter(db, tables[f->kind], gdir_buf_str(&f->where), f->binds,
                              f->n_binds, rows_json, on_row, f, err);
    if (rc && !err->code)
        gdir_err_set(err, rc, "filter: %s", gdir_err_text(rc));
    return rc;
}

static int cmp_id(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

int ogc_filter_has_id(const struct ogc_filter *f, long long id)
{
    return f->n_ids && bsearch(&id, f->ids, f->n_ids, sizeof *f->ids, cmp_id) != NULL;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(a, b);
}

int ogc_filter_has_key(const struct ogc_filter *f, const char *key)
{
    return f->n_keys && strlen(key) < sizeof f->keys[0] &&
           bsearch(key, f->keys, f->n_keys, sizeof f->keys[0], cmp_key) != NULL;
}

void ogc_filter_free(struct ogc_filter *f)
{
    cql2_free(&f->tree);
    gdir_buf_free(&f->where);
    free(f->binds);
    free(f->ids);
    free(f->pts);
    free(f->keys);
    memset(f, 0, sizeof *f);
}
