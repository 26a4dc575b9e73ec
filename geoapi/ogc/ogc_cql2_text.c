/*
 * ogc_cql2_text.c — CQL2 text (OGC 21-065, Basic CQL2 and S_INTERSECTS) into the tree of
 * ogc_cql2.h: a lexer over the bytes, then one recursive-descent function per rule:
 *
 *   expr      = term { OR term }
 *   term      = factor { AND factor }
 *   factor    = NOT factor | "(" expr ")" | TRUE | FALSE | S_INTERSECTS "(" geom "," geom ")"
 *             | operand predicate
 *   predicate = cmp literal | [NOT] LIKE string | [NOT] BETWEEN literal AND literal
 *             | [NOT] IN "(" literal { "," literal } ")" | IS [NOT] NULL
 *   operand   = property | literal (then the other side of a comparison is the property)
 *   literal   = 'string' | number | TRUE | FALSE | DATE('…') | TIMESTAMP('…')
 *   geom      = property | BBOX(x,y,x,y) | POINT | LINESTRING | POLYGON | MULTIPOINT
 *             | MULTILINESTRING | MULTIPOLYGON (WKT)
 *
 * Keywords are case-insensitive; a property is an identifier or a "double-quoted" one. Every
 * error names the parameter filter, the character where it was found and what was expected.
 * Also the small helpers both readers share (memory, dates, coordinates).
 */
#include "ogc_cql2.h"
#include "api_request.h"
#include "gdir_buf.h"
#include "gdir_err.h"
#include "gdir_mem.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- memory and shared checks ------------------------------------------------------------ */

void *cql2_alloc(struct cql2 *c, size_t n)
{
    void *p;
    if (gdir_grow(&c->blocks, &c->cap_blocks, c->n_blocks + 1, sizeof *c->blocks))
        return NULL;
    p = calloc(1, n ? n : 1);
    if (p)
        c->blocks[c->n_blocks++] = p;
    return p;
}

char *cql2_strndup(struct cql2 *c, const char *s, size_t n)
{
    char *p = cql2_alloc(c, n + 1);
    if (p)
        memcpy(p, s, n);
    return p;
}

struct cql2_node *cql2_node_new(struct cql2 *c, enum cql2_op op, size_t pos)
{
    struct cql2_node *n;
    if (c->n_nodes >= CQL2_MAX_NODES)
        return NULL;
    n = cql2_alloc(c, sizeof *n);
    if (n) {
        n->op = op;
        n->pos = pos;
        c->n_nodes++;
    }
    return n;
}

void cql2_free(struct cql2 *c)
{
    for (size_t i = 0; i < c->n_blocks; i++)
        free(c->blocks[i]);
    free(c->blocks);
    memset(c, 0, sizeof *c);
}

static int digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* The value of two digits (checked by digits() first). */
static int two(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

int cql2_check_date(const char *s)
{
    int m, d;
    if (strlen(s) != 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
        !digits(s + 8, 2))
        return -1;
    m = two(s + 5);
    d = two(s + 8);
    return m >= 1 && m <= 12 && d >= 1 && d <= 31 ? 0 : -1;
}

/* YYYY-MM-DDTHH:MM:SS[.f+](Z|±HH:MM) */
int cql2_check_timestamp(const char *s)
{
    char date[11];
    size_t i = 19;
    if (strlen(s) < 20)
        return -1;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (cql2_check_date(date) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2) ||
        s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2) ||
        two(s + 11) > 23 || two(s + 14) > 59 || two(s + 17) > 60)
        return -1;
    if (s[i] == '.') {
        i++;
        if (!isdigit((unsigned char)s[i]))
            return -1;
        while (isdigit((unsigned char)s[i]))
            i++;
    }
    if ((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == '\0')
        return 0;
    if ((s[i] == '+' || s[i] == '-') && digits(s + i + 1, 2) && s[i + 3] == ':' &&
        digits(s + i + 4, 2) && s[i + 6] == '\0')
        return 0;
    return -1;
}

int cql2_wkt_coord(struct cql2 *c, struct gdir_buf *b, double x, double y)
{
    double lon = c->swap_axes ? y : x, lat = c->swap_axes ? x : y;
    if (!isfinite(lon) || !isfinite(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90)
        return -1;
    if (++c->n_coords > CQL2_MAX_COORDS)
        return -3;
    return gdir_buf_printf(b, "%.17g %.17g", lon, lat) ? -2 : 0;
}

int cql2_bbox_wkt(struct cql2 *c, const double v[4], struct gdir_buf *b)
{
    double w[4] = {v[0], v[1], v[2], v[3]};
    if (c->swap_axes) {          /* minlat, minlon, maxlat, maxlon */
        w[0] = v[1];
        w[1] = v[0];
        w[2] = v[3];
        w[3] = v[2];
    }
    if (!(w[0] <= w[2] && w[1] <= w[3] && w[0] >= -180 && w[2] <= 180 && w[1] >= -90 &&
          w[3] <= 90))
        return -1;
    c->n_coords += 4;
    return gdir_buf_printf(b, "POLYGON((%.17g %.17g,%.17g %.17g,%.17g %.17g,%.17g %.17g,"
                              "%.17g %.17g))", w[0], w[1], w[2], w[1], w[2], w[3], w[0], w[3],
                           w[0], w[1]) ? -2 : 0;
}

int cql2_ring_closed(const struct gdir_buf *b, size_t n, size_t first_start, size_t first_end,
                     size_t last_start)
{
    return n >= 4 && b->len - last_start == first_end - first_start &&
           memcmp(b->data + first_start, b->data + last_start, first_end - first_start) == 0;
}

int cql2_begin(const char *s, int swap_axes, struct cql2 *out, struct gdir_err *err)
{
    memset(out, 0, sizeof *out);
    out->swap_axes = swap_axes;
    if (strlen(s) > CQL2_MAX_TEXT)
        return gdir_err_set_param(err, GDIR_EINVAL, "filter",
                                  "filter: longer than %d bytes", CQL2_MAX_TEXT);
    return GDIR_OK;
}

/* ---- lexer -------------------------------------------------------------------------------- */

enum tok { T_END, T_IDENT, T_QIDENT, T_STRING, T_NUMBER, T_LP, T_RP, T_COMMA, T_OP, T_BAD };

struct lex {
    const char *s;
    size_t at;                    /* next byte */
    enum tok t;                   /* the current token */
    size_t start, len;            /* its bytes */
    struct cql2 *c;
    struct gdir_err *err;
    int depth;
};

/* 1-based character (not byte) position of byte offset off. */
static size_t char_pos(const char *s, size_t off)
{
    size_t n = 1;
    for (size_t i = 0; i < off && s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

static int ident_char(unsigned char ch, int first)
{
    return isalpha(ch) || ch == '_' || ch >= 0x80 || (!first && (isdigit(ch) || ch == '.' ||
                                                                 ch == ':'));
}

static void next(struct lex *l)
{
    const char *s = l->s;
    size_t i = l->at;

    while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
        i++;
    l->start = i;
    if (!s[i]) {
        l->t = T_END;
    } else if (s[i] == '(' || s[i] == ')' || s[i] == ',') {
        l->t = s[i] == '(' ? T_LP : s[i] == ')' ? T_RP : T_COMMA;
        i++;
    } else if (s[i] == '=' || s[i] == '<' || s[i] == '>') {
        l->t = T_OP;
        i++;
        if ((s[i - 1] == '<' && (s[i] == '>' || s[i] == '=')) || (s[i - 1] == '>' && s[i] == '='))
            i++;
    } else if (s[i] == '\'' || s[i] == '"') {
        char q = s[i++];
        l->t = q == '\'' ? T_STRING : T_QIDENT;
        for (;; i++) {
            if (!s[i]) {
                l->t = T_BAD;
                break;
            }
            if (s[i] == q && s[i + 1] == q && q == '\'') {
                i++;
                continue;
            }
            if (s[i] == q) {
                i++;
                break;
            }
        }
    } else if (isdigit((unsigned char)s[i]) || ((s[i] == '-' || s[i] == '+' || s[i] == '.') &&
                                                (isdigit((unsigned char)s[i + 1]) ||
                                                 s[i + 1] == '.'))) {
        l->t = T_NUMBER;
        i++;
        while (isalnum((unsigned char)s[i]) || s[i] == '.' ||
               ((s[i] == '-' || s[i] == '+') && (s[i - 1] == 'e' || s[i - 1] == 'E')))
            i++;
    } else if (ident_char((unsigned char)s[i], 1)) {
        l->t = T_IDENT;
        while (ident_char((unsigned char)s[i], 0))
            i++;
    } else {
        l->t = T_BAD;
        i++;
    }
    l->len = i - l->start;
    l->at = i;
}

static int is_kw(const struct lex *l, const char *kw)
{
    return l->t == T_IDENT && l->len == strlen(kw) && strncasecmp(l->s + l->start, kw, l->len) == 0;
}

/* What the current token is, quoted for a message (api_quote: cut, escaped, valid UTF-8). */
static void token_text(const struct lex *l, char *out, size_t cap)
{
    char tok[API_QUOTE_MAX + 8];
    size_t n = l->len < sizeof tok - 1 ? l->len : sizeof tok - 1;
    if (l->t == T_END) {
        snprintf(out, cap, "the end of the expression");
        return;
    }
    memcpy(tok, l->s + l->start, n);
    tok[n] = '\0';
    api_quote(out, cap, tok);
}

/* 400: at character N (found X): expected <what>. */
static int fail(struct lex *l, const char *expected)
{
    char found[API_QUOTE_MAX * 4 + 16];
    token_text(l, found, sizeof found);
    return gdir_err_set_param(l->err, GDIR_EINVAL, "filter",
                              "filter: at character %zu (%s): expected %s",
                              char_pos(l->s, l->start), found, expected);
}

static int expect(struct lex *l, enum tok t, const char *what)
{
    if (l->t != t)
        return fail(l, what);
    next(l);
    return GDIR_OK;
}

static int nomem(struct lex *l)
{
    if (l->c->n_nodes >= CQL2_MAX_NODES)
        return gdir_err_set_param(l->err, GDIR_EINVAL, "filter",
                                  "filter: at character %zu: more than %d predicates and "
                                  "operators", char_pos(l->s, l->start), CQL2_MAX_NODES);
    return gdir_err_set(l->err, GDIR_ENOMEM, "filter: out of memory");
}

/* ---- literals ------------------------------------------------------------------------------ */

/* The text of the current string token, '' unescaped. */
static const char *string_value(struct lex *l)
{
    const char *src = l->s + l->start + 1;
    size_t n = l->len - 2, k = 0;
    char *out = cql2_alloc(l->c, n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        out[k++] = src[i];
        if (src[i] == '\'' && i + 1 < n && src[i + 1] == '\'')
            i++;
    }
    return out;
}

static int number_value(struct lex *l, double *v)
{
    char buf[64], *end;
    if (l->t != T_NUMBER || l->len >= sizeof buf)
        return fail(l, "a number");
    memcpy(buf, l->s + l->start, l->len);
    buf[l->len] = '\0';
    *v = strtod(buf, &end);
    if (*end || !isfinite(*v))
        return fail(l, "a number");
    next(l);
    return GDIR_OK;
}

/* DATE('…') or TIMESTAMP('…'), the keyword being current. */
static int temporal(struct lex *l, struct cql2_lit *lit)
{
    int is_date = is_kw(l, "DATE");
    next(l);
    if (expect(l, T_LP, "« ( »"))
        return l->err->code;
    if (l->t != T_STRING)
        return fail(l, is_date ? "a date in quotes ('YYYY-MM-DD')"
                               : "a timestamp in quotes ('YYYY-MM-DDTHH:MM:SSZ')");
    lit->s = string_value(l);
    if (!lit->s)
        return nomem(l);
    if (is_date ? cql2_check_date(lit->s) : cql2_check_timestamp(lit->s))
        return fail(l, is_date ? "a date YYYY-MM-DD"
                               : "an RFC 3339 timestamp with Z or an offset");
    lit->type = is_date ? CQL2_DATE : CQL2_TIMESTAMP;
    next(l);
    return expect(l, T_RP, "« ) »");
}

/* A literal, or 1 (nothing consumed) when the current token cannot start one. */
static int literal(struct lex *l, struct cql2_lit *lit)
{
    memset(lit, 0, sizeof *lit);
    lit->pos = char_pos(l->s, l->start);
    if (l->t == T_STRING) {
        lit->type = CQL2_STRING;
        if (!(lit->s = string_value(l)))
            return nomem(l);
        next(l);
        return GDIR_OK;
    }
    if (l->t == T_NUMBER) {
        lit->type = CQL2_NUMBER;
        return number_value(l, &lit->num);
    }
    if (is_kw(l, "TRUE") || is_kw(l, "FALSE")) {
        lit->type = CQL2_BOOLEAN;
        lit->b = is_kw(l, "TRUE");
        next(l);
        return GDIR_OK;
    }
    if (is_kw(l, "DATE") || is_kw(l, "TIMESTAMP"))
        return temporal(l, lit);
    return 1;
}

static int need_literal(struct lex *l, struct cql2_lit *lit)
{
    int rc = literal(l, lit);
    return rc == 1 ? fail(l, "a literal ('text', a number, TRUE, FALSE, DATE('…') or "
                             "TIMESTAMP('…'))")
                   : rc;
}

/* ---- spatial literals ------------------------------------------------------------------------ */

static int coord(struct lex *l, struct gdir_buf *b)
{
    double x, y;
    size_t at = l->start;
    int rc;
    if (number_value(l, &x) || number_value(l, &y))
        return l->err->code;
    rc = cql2_wkt_coord(l->c, b, x, y);
    if (rc == -1) {
        l->start = at;
        return fail(l, "a position within -180..180, -90..90 (longitude latitude, CRS84)");
    }
    if (rc == -3)
        return gdir_err_set_param(l->err, GDIR_EINVAL, "filter",
                                  "filter: at character %zu: more than %d coordinates",
                                  char_pos(l->s, at), CQL2_MAX_COORDS);
    return rc ? nomem(l) : GDIR_OK;
}

/* "(" items ")": coordinates when levels is 1, else lists of levels - 1. ring: the lists of
 * coordinates are polygon rings (closed, 4 positions at least); one: exactly one position
 * (POINT); multipoint: a position may be in its own parentheses (MULTIPOINT((1 2),(3 4))). */
static int coord_list(struct lex *l, struct gdir_buf *b, int levels, int ring, int one,
                      int multipoint)
{
    size_t n = 0, first_start = 0, first_end = 0, last_start = 0, at = l->start;
    if (expect(l, T_LP, "« ( »"))
        return l->err->code;
    if (gdir_buf_addc(b, '('))
        return nomem(l);
    for (;;) {
        int rc;
        if (n && gdir_buf_addc(b, ','))
            return nomem(l);
        last_start = b->len;
        if (levels == 1 && multipoint && l->t == T_LP) {
            next(l);
            if ((rc = coord(l, b)) || (rc = expect(l, T_RP, "« ) »")))
                return rc;
        } else if ((rc = levels == 1 ? coord(l, b)
                                     : coord_list(l, b, levels - 1, ring, 0, 0))) {
            return rc;
        }
        if (n++ == 0) {
            first_start = last_start;
            first_end = b->len;
        }
        if (l->t != T_COMMA || (one && n == 1))
            break;
        next(l);
    }
    if (l->t != T_RP)
        return fail(l, one ? "« ) » after the position" : levels == 1 ? "« , » or « ) » after a position" : "« , » or « ) »");
    if (ring && levels == 1 && !cql2_ring_closed(b, n, first_start, first_end, last_start)) {
        l->start = at;
        return fail(l, "a closed ring of 4 positions or more (the last one equal to the first)");
    }
    next(l);
    return gdir_buf_addc(b, ')') ? nomem(l) : GDIR_OK;
}

static const struct {
    const char *kw;
    int levels;                  /* nesting of the coordinate lists under the keyword */
    int ring, one, multipoint;
} wkt_types[] = {
    {"POINT", 1, 0, 1, 0}, {"LINESTRING", 1, 0, 0, 0}, {"POLYGON", 2, 1, 0, 0},
    {"MULTIPOINT", 1, 0, 0, 1}, {"MULTILINESTRING", 2, 0, 0, 0}, {"MULTIPOLYGON", 3, 1, 0, 0},
};

/* A BBOX(minx,miny,maxx,maxy) as a polygon. */
static int bbox_literal(struct lex *l, struct gdir_buf *b)
{
    double v[4];
    size_t at;
    int rc;
    next(l);
    if (expect(l, T_LP, "« ( »"))
        return l->err->code;
    at = l->start;
    for (int i = 0; i < 4; i++)
        if (number_value(l, &v[i]) || (i < 3 && expect(l, T_COMMA, "« , » and 4 numbers")))
            return l->err->code;
    if (l->t == T_COMMA)
        return fail(l, "« ) »: a BBOX of 4 numbers (the data has no heights)");
    if (expect(l, T_RP, "« ) »"))
        return l->err->code;
    rc = cql2_bbox_wkt(l->c, v, b);
    if (rc == -1) {
        l->start = at;
        return fail(l, "minx,miny,maxx,maxy with min <= max within -180..180, -90..90");
    }
    return rc ? nomem(l) : GDIR_OK;
}

/* A spatial literal into n->wkt; 1 when the current token starts none. */
static int spatial_literal(struct lex *l, struct cql2_node *n)
{
    struct gdir_buf b;
    int rc = 1;

    gdir_buf_init(&b, 0);
    if (is_kw(l, "BBOX")) {
        n->is_bbox = 1;
        rc = bbox_literal(l, &b);
    }
    for (size_t i = 0; rc == 1 && i < sizeof wkt_types / sizeof wkt_types[0]; i++) {
        if (!is_kw(l, wkt_types[i].kw))
            continue;
        next(l);
        rc = gdir_buf_adds(&b, wkt_types[i].kw) ? nomem(l) : GDIR_OK;
        if (!rc)
            rc = coord_list(l, &b, wkt_types[i].levels, wkt_types[i].ring, wkt_types[i].one,
                            wkt_types[i].multipoint);
    }
    if (!rc && !(n->wkt = cql2_strndup(l->c, gdir_buf_str(&b), b.len)))
        rc = nomem(l);
    gdir_buf_free(&b);
    return rc;
}

/* ---- predicates -------------------------------------------------------------------------- */

/* A property name (identifier or "quoted"), or 1 when the current token is none. Keywords of
 * the grammar are not property names. */
static int property(struct lex *l, const char **out)
{
    static const char *const reserved[] = {"AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS",
                                           "NULL", "TRUE", "FALSE", "DATE", "TIMESTAMP", NULL};
    if (l->t == T_QIDENT) {
        if (l->len < 3)
            return fail(l, "a property name");
        *out = cql2_strndup(l->c, l->s + l->start + 1, l->len - 2);
    } else if (l->t == T_IDENT) {
        for (int i = 0; reserved[i]; i++)
            if (is_kw(l, reserved[i]))
                return 1;
        *out = cql2_strndup(l->c, l->s + l->start, l->len);
    } else {
        return 1;
    }
    if (!*out)
        return nomem(l);
    next(l);
    return GDIR_OK;
}

static int s_intersects(struct lex *l, struct cql2_node *n)
{
    int rc;
    next(l);
    if (expect(l, T_LP, "« ( »"))
        return l->err->code;
    rc = spatial_literal(l, n);
    if (rc == 0) {              /* the literal first */
        if (expect(l, T_COMMA, "« , »"))
            return l->err->code;
        if ((rc = property(l, &n->prop)) == 1)
            return fail(l, "a property name");
    } else if (rc == 1) {
        if ((rc = property(l, &n->prop)) == 1)
            return fail(l, "a property or a spatial literal (BBOX, POINT, POLYGON…)");
        if (rc || expect(l, T_COMMA, "« , »"))
            return l->err->code;
        if ((rc = spatial_literal(l, n)) == 1)
            return fail(l, "a spatial literal (BBOX, POINT, LINESTRING, POLYGON, MULTIPOINT, "
                           "MULTILINESTRING or MULTIPOLYGON)");
    }
    return rc ? rc : expect(l, T_RP, "« ) »");
}

static const struct {
    const char *s;
    enum cql2_cmp op, flipped;
} cmps[] = {
    {"=", CQL2_EQ, CQL2_EQ}, {"<>", CQL2_NE, CQL2_NE}, {"<", CQL2_LT, CQL2_GT},
    {">", CQL2_GT, CQL2_LT}, {"<=", CQL2_LE, CQL2_GE}, {">=", CQL2_GE, CQL2_LE},
};

static int cmp_of(const struct lex *l)
{
    for (int i = 0; i < 6; i++)
        if (l->t == T_OP && l->len == strlen(cmps[i].s) &&
            strncmp(l->s + l->start, cmps[i].s, l->len) == 0)
            return i;
    return -1;
}

static struct cql2_node *negate(struct lex *l, struct cql2_node *n)
{
    struct cql2_node *no = cql2_node_new(l->c, CQL2_NOT, n->pos);
    struct cql2_node **kids = cql2_alloc(l->c, sizeof *kids);
    if (!no || !kids)
        return NULL;
    kids[0] = n;
    no->kids = kids;
    no->n_kids = 1;
    return no;
}

/* What follows a property: the predicate n (whose prop is set). */
static int after_property(struct lex *l, struct cql2_node *n, struct cql2_node **out)
{
    int neg = 0, c = cmp_of(l);
    if (c >= 0) {
        n->op = CQL2_CMP;
        n->cmp = cmps[c].op;
        next(l);
        n->lits = cql2_alloc(l->c, sizeof *n->lits);
        n->n_lits = 1;
        return !n->lits ? nomem(l) : need_literal(l, &n->lits[0]) ? l->err->code : (*out = n, 0);
    }
    if (is_kw(l, "IS")) {
        next(l);
        if (is_kw(l, "NOT")) {
            neg = 1;
            next(l);
        }
        if (!is_kw(l, "NULL"))
            return fail(l, "NULL or NOT NULL after IS");
        next(l);
        n->op = CQL2_ISNULL;
    } else {
        if (is_kw(l, "NOT")) {
            neg = 1;
            next(l);
        }
        if (is_kw(l, "LIKE")) {
            n->op = CQL2_LIKE;
            n->n_lits = 1;
        } else if (is_kw(l, "BETWEEN")) {
            n->op = CQL2_BETWEEN;
            n->n_lits = 2;
        } else if (is_kw(l, "IN")) {
            n->op = CQL2_IN;
        } else {
            return fail(l, neg ? "LIKE, BETWEEN or IN after NOT"
                               : "a comparison (=, <>, <, >, <=, >=), LIKE, BETWEEN, IN or "
                                 "IS NULL");
        }
        next(l);
        if (n->op == CQL2_IN) {
            if (expect(l, T_LP, "« ( » and a list of literals"))
                return l->err->code;
            if (!(n->lits = cql2_alloc(l->c, CQL2_MAX_IN * sizeof *n->lits)))
                return nomem(l);
            for (;;) {
                if (n->n_lits >= CQL2_MAX_IN)
                    return fail(l, "« ) »: an IN list takes at most 128 values");
                if (need_literal(l, &n->lits[n->n_lits]))
                    return l->err->code;
                n->n_lits++;
                if (l->t != T_COMMA)
                    break;
                next(l);
            }
            if (expect(l, T_RP, "« , » or « ) »"))
                return l->err->code;
        } else {
            n->lits = cql2_alloc(l->c, 2 * sizeof *n->lits);
            if (!n->lits)
                return nomem(l);
            if (n->op == CQL2_LIKE && l->t != T_STRING)
                return fail(l, "a pattern in quotes after LIKE");
            if (need_literal(l, &n->lits[0]))
                return l->err->code;
            if (n->op == CQL2_BETWEEN) {
                if (!is_kw(l, "AND"))
                    return fail(l, "AND and the upper bound of BETWEEN");
                next(l);
                if (need_literal(l, &n->lits[1]))
                    return l->err->code;
            }
        }
    }
    *out = neg ? negate(l, n) : n;
    return *out ? GDIR_OK : nomem(l);
}

static int expr(struct lex *l, struct cql2_node **out);

/* A predicate starting with a literal: literal cmp property. */
static int literal_first(struct lex *l, struct cql2_node *n, struct cql2_node **out)
{
    int c;
    n->lits = cql2_alloc(l->c, sizeof *n->lits);
    if (!n->lits)
        return nomem(l);
    n->n_lits = 1;
    if (need_literal(l, &n->lits[0]))
        return l->err->code;
    if ((c = cmp_of(l)) < 0)
        return fail(l, "a comparison (=, <>, <, >, <=, >=) and a property");
    next(l);
    if (property(l, &n->prop))
        return l->err->code ? l->err->code : fail(l, "a property name (Basic CQL2 compares a "
                                                     "property with a literal)");
    n->op = CQL2_CMP;
    n->cmp = cmps[c].flipped;
    *out = n;
    return GDIR_OK;
}

/* TRUE or FALSE alone as a predicate (not the literal of "TRUE = prop"): 1, consumed. */
static int bool_predicate(struct lex *l, struct cql2_node *n)
{
    struct lex saved = *l;
    if (!is_kw(l, "TRUE") && !is_kw(l, "FALSE"))
        return 0;
    n->value = is_kw(l, "TRUE");
    next(l);
    if (cmp_of(l) >= 0) {
        *l = saved;
        return 0;
    }
    return 1;
}

static int factor(struct lex *l, struct cql2_node **out)
{
    struct cql2_node *n;
    size_t pos = char_pos(l->s, l->start);
    int rc;

    if (++l->depth > CQL2_MAX_DEPTH)
        return gdir_err_set_param(l->err, GDIR_EINVAL, "filter",
                                  "filter: at character %zu: nested deeper than %d levels",
                                  pos, CQL2_MAX_DEPTH);
    if (is_kw(l, "NOT")) {
        next(l);
        if ((rc = factor(l, &n)))
            return rc;
        *out = negate(l, n);
        rc = *out ? GDIR_OK : nomem(l);
    } else if (l->t == T_LP) {
        next(l);
        rc = expr(l, out);
        if (!rc)
            rc = expect(l, T_RP, "« ) » or AND / OR");
    } else if (!(n = cql2_node_new(l->c, CQL2_BOOL, pos))) {
        return nomem(l);
    } else if (is_kw(l, "S_INTERSECTS")) {
        n->op = CQL2_INTERSECTS;
        rc = s_intersects(l, n);
        *out = n;
    } else if (bool_predicate(l, n)) {
        rc = GDIR_OK;
        *out = n;
    } else if ((rc = property(l, &n->prop)) == 0) {
        rc = after_property(l, n, out);
    } else if (rc == 1) {
        rc = literal_first(l, n, out);
    }
    l->depth--;
    return rc;
}

static int join(struct lex *l, enum cql2_op op, const char *kw, int (*sub)(struct lex *,
                                                                            struct cql2_node **),
                struct cql2_node **out)
{
    struct cql2_node *first, *n;
    size_t pos = char_pos(l->s, l->start), cap = 0;
    int rc = sub(l, &first);

    if (rc || !is_kw(l, kw)) {
        *out = first;
        return rc;
    }
    if (!(n = cql2_node_new(l->c, op, pos)))
        return nomem(l);
    n->kids = cql2_alloc(l->c, CQL2_MAX_NODES * sizeof *n->kids);
    if (!n->kids)
        return nomem(l);
    cap = CQL2_MAX_NODES;
    n->kids[n->n_kids++] = first;
    while (is_kw(l, kw)) {
        next(l);
        if (n->n_kids >= cap)
            return nomem(l);
        if ((rc = sub(l, &n->kids[n->n_kids])))
            return rc;
        n->n_kids++;
    }
    *out = n;
    return GDIR_OK;
}

static int term(struct lex *l, struct cql2_node **out)
{
    return join(l, CQL2_AND, "AND", factor, out);
}

static int expr(struct lex *l, struct cql2_node **out)
{
    return join(l, CQL2_OR, "OR", term, out);
}

int cql2_parse_text(const char *s, int swap_axes, struct cql2 *out, struct gdir_err *err)
{
    struct lex l;
    int rc;

    if ((rc = cql2_begin(s, swap_axes, out, err)))
        return rc;
    memset(&l, 0, sizeof l);
    l.s = s;
    l.c = out;
    l.err = err;
    next(&l);
    if (l.t == T_END)
        return fail(&l, "an expression");
    rc = expr(&l, &out->root);
    if (!rc && l.t != T_END)
        rc = fail(&l, "AND, OR or the end of the expression");
    if (rc)
        cql2_free(out);
    return rc;
}
