/*
 * ogc_cql2.h — the CQL2 filter expressions of OGC API - Features Part 3 (the `filter`
 * parameter): a syntax tree, read from CQL2 text (ogc_cql2_text.c, a hand-written lexer and
 * recursive-descent parser) or CQL2 JSON (ogc_cql2_json.c), for the Basic CQL2 class plus
 * S_INTERSECTS with a spatial literal. Nothing here knows SQL or the collections: the tree's
 * property names are checked and translated by h_ogc_filter.c. The grammar and the limits are
 * in docs/ogc.md ("Filter").
 */
#ifndef OGC_CQL2_H
#define OGC_CQL2_H

#include <stddef.h>

/* Limits on one expression (each refused with 400 naming filter). */
#define CQL2_MAX_TEXT 4096        /* bytes of the expression (text or JSON); the query string
                                   * is capped before, by max_query_len (2048 by default) */
#define CQL2_MAX_DEPTH 24         /* nesting of AND / OR / NOT / parentheses */
#define CQL2_MAX_NODES 128        /* predicates and logical operators */
#define CQL2_MAX_IN 128           /* values of one IN list */
#define CQL2_MAX_COORDS 512       /* coordinates of all the spatial literals */

enum cql2_op {
    CQL2_AND, CQL2_OR, CQL2_NOT,  /* kids */
    CQL2_BOOL,                    /* TRUE / FALSE as a predicate: value */
    CQL2_CMP,                     /* prop cmp lits[0] */
    CQL2_LIKE,                    /* prop LIKE lits[0] (a string) */
    CQL2_BETWEEN,                 /* prop BETWEEN lits[0] AND lits[1] */
    CQL2_IN,                      /* prop IN (lits) */
    CQL2_ISNULL,                  /* prop IS NULL */
    CQL2_INTERSECTS,              /* S_INTERSECTS(prop, wkt) */
};

enum cql2_cmp { CQL2_EQ, CQL2_NE, CQL2_LT, CQL2_GT, CQL2_LE, CQL2_GE };

enum cql2_lit_type { CQL2_STRING, CQL2_NUMBER, CQL2_BOOLEAN, CQL2_DATE, CQL2_TIMESTAMP };

struct cql2_lit {
    enum cql2_lit_type type;
    const char *s;                /* STRING, DATE ("YYYY-MM-DD"), TIMESTAMP (as given) */
    double num;                   /* NUMBER */
    int b;                        /* BOOLEAN */
    size_t pos;                   /* where it starts (1-based character, or 0 in JSON) */
};

struct cql2_node {
    enum cql2_op op;
    enum cql2_cmp cmp;
    int value;                    /* CQL2_BOOL */
    size_t pos;                   /* where the predicate starts (as lit.pos) */
    const char *where;            /* JSON: the path of the node ("args[1]"), else NULL */
    const char *prop;             /* property name of a predicate */
    struct cql2_node **kids;
    size_t n_kids;
    struct cql2_lit *lits;
    size_t n_lits;
    const char *wkt;              /* CQL2_INTERSECTS: the literal as canonical WKT, lon lat */
    int is_bbox;                  /* the literal was a BBOX */
};

/* A parsed expression; every allocation is owned by it. */
struct cql2 {
    struct cql2_node *root;
    void **blocks;
    size_t n_blocks, cap_blocks;
    size_t n_nodes, n_coords;
    int swap_axes;                /* filter-crs EPSG:4326: literals given lat lon */
};

struct gdir_err;

/* Parses CQL2 text s (NUL-terminated). On error: GDIR_EINVAL with err naming "filter" and
 * saying at which character and what was expected. swap_axes: coordinates are lat lon. */
int cql2_parse_text(const char *s, int swap_axes, struct cql2 *out, struct gdir_err *err);

/* Parses CQL2 JSON s; errors name the JSON path of the node. */
int cql2_parse_json(const char *s, int swap_axes, struct cql2 *out, struct gdir_err *err);

void cql2_free(struct cql2 *c);

/* ---- shared by the two readers (ogc_cql2_text.c) ---------------------------------------- */

/* Memory owned by c (zeroed); NULL when out of memory. */
void *cql2_alloc(struct cql2 *c, size_t n);
char *cql2_strndup(struct cql2 *c, const char *s, size_t n);
struct cql2_node *cql2_node_new(struct cql2 *c, enum cql2_op op, size_t pos);

/* Checks a DATE ("YYYY-MM-DD") or TIMESTAMP (RFC 3339 with Z or an offset) literal; 0 or -1. */
int cql2_check_date(const char *s);
int cql2_check_timestamp(const char *s);

/* Appends one coordinate pair to a WKT being built (x y in lon lat order; swapped when
 * c->swap_axes); -1 when out of the CRS84 domain, -2 when out of memory. */
struct gdir_buf;
int cql2_wkt_coord(struct cql2 *c, struct gdir_buf *b, double x, double y);

/* Appends BBOX v (minx, miny, maxx, maxy, or lat lon when c->swap_axes) as a WKT polygon; -1
 * when min > max or out of -180..180, -90..90, -2 when out of memory. */
int cql2_bbox_wkt(struct cql2 *c, const double v[4], struct gdir_buf *b);

/* 1 when the n positions written in b from first_start form a closed ring of 4 positions or
 * more: the first (ending at first_end) equal to the last (starting at last_start). */
int cql2_ring_closed(const struct gdir_buf *b, size_t n, size_t first_start, size_t first_end,
                     size_t last_start);

/* What both readers do first: out emptied, swap_axes kept, the length checked (400). */
int cql2_begin(const char *s, int swap_axes, struct cql2 *out, struct gdir_err *err);

#endif
