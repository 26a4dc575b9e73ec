/*
 * imp_record.c — turns one source feature into a normalised directory record, or says why
 * not (filtered, outside the territory, rejected). See imp_record.h for the order of checks.
 */
#include "imp_record.h"
#include "gdir_geo.h"
#include "gdir_parse.h"
#include "gdir_taxonomy.h"
#include "gdir_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define FIELD_BUF_MAX (1024 * 1024)
#define IMP_REFS_TOKEN_MAX 160   /* one "scheme:value" token of refs */

/* Longest value accepted per directory field, in bytes after squashing. */
static const size_t max_len[IMP_T__COUNT] = {
    [IMP_T_SOURCE_ID] = 128,    [IMP_T_NAME] = 300,          [IMP_T_ADDRESS] = 1000,
    [IMP_T_POSTCODE] = 16,      [IMP_T_INSEE] = 16,          [IMP_T_PHONE] = 64,
    [IMP_T_EMAIL] = 254,        [IMP_T_WEBSITE] = 2048,      [IMP_T_OPENING_HOURS] = 1000,
    [IMP_T_DESCRIPTION] = 10000, [IMP_T_DATE] = 64,          [IMP_T_POSTCODES] = 256,
    [IMP_T_POPULATION] = 32,    [IMP_T_HOUSENUMBER] = 32,    [IMP_T_STREET] = 300,
    [IMP_T_CITY] = 200,         [IMP_T_WHEELCHAIR] = 16,     [IMP_T_REFS] = 1000,
    [IMP_T_GEO_QUALITY] = 64,
};

static int cmp_codes(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int imp_members_init(struct imp_members *m, const struct gdir_territory *t)
{
    m->n = 0;
    m->codes = malloc((t->n_communes + 1) * sizeof *m->codes);
    if (!m->codes)
        return GDIR_ENOMEM;
    for (size_t i = 0; i < t->n_communes; i++)
        m->codes[i] = t->communes[i];
    m->n = t->n_communes;
    qsort(m->codes, m->n, sizeof *m->codes, cmp_codes);
    return GDIR_OK;
}

void imp_members_free(struct imp_members *m)
{
    if (!m)
        return;
    free(m->codes);
    m->codes = NULL;
    m->n = 0;
}

long imp_members_find(const struct imp_members *m, const char *insee)
{
    const char **hit;
    if (!insee || !*insee || m->n == 0)
        return -1;
    hit = bsearch(&insee, m->codes, m->n, sizeof *m->codes, cmp_codes);
    return hit ? (long)(hit - m->codes) : -1;
}

void imp_normalizer_init(struct imp_normalizer *n, const struct imp_profile *p,
                         const struct imp_members *members)
{
    memset(n, 0, sizeof *n);
    n->p = p;
    n->members = members;
    for (int t = 0; t < IMP_T__COUNT; t++)
        gdir_buf_init(&n->out[t], FIELD_BUF_MAX);
    gdir_buf_init(&n->key, FIELD_BUF_MAX);
    gdir_buf_init(&n->tmp, FIELD_BUF_MAX);
    if (p->geom == IMP_GEOM_LATLON || p->geom == IMP_GEOM_XY)
        snprintf(n->geom_label, sizeof n->geom_label, "%s/%s", p->slots[p->geom_slot[0]],
                 p->slots[p->geom_slot[1]]);
    else
        snprintf(n->geom_label, sizeof n->geom_label, "geometry");
}

void imp_normalizer_free(struct imp_normalizer *n)
{
    if (!n)
        return;
    for (int t = 0; t < IMP_T__COUNT; t++)
        gdir_buf_free(&n->out[t]);
    gdir_buf_free(&n->key);
    gdir_buf_free(&n->tmp);
}

/* The first source field of a mapping, to name in rejects. */
static const char *first_field(const struct imp_profile *p, const struct imp_fieldmap *m)
{
    for (size_t i = 0; i < m->n_pieces; i++)
        if (!m->pieces[i].literal)
            return p->slots[m->pieces[i].slot];
    return "";
}

/* Appends s squashed to b, preceded by sep when b already holds something. */
static void append_part(struct gdir_buf *b, struct gdir_buf *tmp, const char *s, const char *sep)
{
    gdir_buf_reset(tmp);
    gdir_text_squash(tmp, s);
    if (tmp->len == 0)
        return;
    if (b->len)
        gdir_buf_adds(b, sep);
    gdir_buf_add(b, tmp->data, tmp->len);
}

/* Splits s on sep and appends each non-empty part. */
static void append_split(struct gdir_buf *b, struct gdir_buf *tmp, const char *s,
                         const char *split, const char *join)
{
    size_t sl = strlen(split);
    struct gdir_buf part;
    gdir_buf_init(&part, FIELD_BUF_MAX);
    for (;;) {
        const char *hit = strstr(s, split);
        size_t len = hit ? (size_t)(hit - s) : strlen(s);
        gdir_buf_reset(&part);
        gdir_buf_add(&part, s, len);
        append_part(b, tmp, gdir_buf_str(&part), join);
        if (!hit)
            break;
        s = hit + sl;
    }
    if (part.err)
        b->err = part.err;
    gdir_buf_free(&part);
}

/* Builds directory field t into n->out[t]. Returns 0, or -1 with rej filled (too long). */
static int build_field(struct imp_normalizer *n, const struct imp_feature *f, enum imp_target t,
                       struct imp_reject *rej)
{
    const struct imp_fieldmap *m = &n->p->fields[t];
    struct gdir_buf *b = &n->out[t];
    const char *join = t == IMP_T_ADDRESS ? "\n" : " ";

    gdir_buf_reset(b);
    if (!m->pieces)
        return 0;
    if (m->is_template) {
        int any = 0;
        gdir_buf_reset(&n->key);   /* raw concatenation, squashed afterwards */
        for (size_t i = 0; i < m->n_pieces; i++) {
            const char *v = m->pieces[i].literal ? m->pieces[i].literal
                                                 : f->values[m->pieces[i].slot];
            if (!m->pieces[i].literal && v && v[strspn(v, " \t\r\n")])
                any = 1;
            gdir_buf_adds(&n->key, v ? v : "");
        }
        if (any && m->split)    /* a template of several lines: "{a} | {b} {c} | {d}" */
            append_split(b, &n->tmp, gdir_buf_str(&n->key), m->split, join);
        else if (any)
            append_part(b, &n->tmp, gdir_buf_str(&n->key), join);
        if (n->key.err)
            b->err = n->key.err;
    } else {
        for (size_t i = 0; i < m->n_pieces; i++) {
            const char *v = f->values[m->pieces[i].slot];
            if (!v)
                continue;
            if (m->split)
                append_split(b, &n->tmp, v, m->split, join);
            else
                append_part(b, &n->tmp, v, join);
        }
    }
    if (m->strip_prefix && b->len) {
        size_t pl = strlen(m->strip_prefix);
        if (b->len >= pl && strncasecmp(b->data, m->strip_prefix, pl) == 0) {
            size_t skip = pl;
            while (skip < b->len && b->data[skip] == ' ')
                skip++;
            memmove(b->data, b->data + skip, b->len - skip + 1);
            b->len -= skip;
        }
    }
    if (b->err || b->len > max_len[t]) {
        const struct imp_piece *pc = m->pieces;
        while (pc->literal)   /* a template has at least one field */
            pc++;
        imp_reject_set(rej, IMP_R_TOO_LONG, first_field(n->p, m), f->values[pc->slot],
                       "%s longer than %zu bytes", imp_target_names[t], max_len[t]);
        return -1;
    }
    return 0;
}

static const char *field_text(struct imp_normalizer *n, enum imp_target t)
{
    return n->out[t].len ? n->out[t].data : NULL;
}

static int cond_true(struct imp_normalizer *n, const struct imp_cond *c,
                     const struct imp_feature *f)
{
    const char *v = f->values[c->slot];
    gdir_buf_reset(&n->tmp);
    gdir_text_squash(&n->tmp, v ? v : "");
    v = gdir_buf_str(&n->tmp);
    for (size_t i = 0; i < c->n_values; i++) {
        if (c->op == IMP_OP_PREFIX ? strncmp(v, c->values[i], strlen(c->values[i])) == 0
                                   : strcmp(v, c->values[i]) == 0)
            return 1;
    }
    return 0;
}

int imp_id_chars_ok(const char *s)
{
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("._~:@+-", c)))
            return 0;
    }
    return 1;
}

/* A date of the record: "YYYY-MM-DD" at the start of the value, else NULL. */
static const char *iso_date(struct gdir_buf *b)
{
    const char *s = b->data;
    if (b->len < 10)
        return NULL;
    for (int i = 0; i < 10; i++) {
        int digit = s[i] >= '0' && s[i] <= '9';
        if ((i == 4 || i == 7) ? s[i] != '-' : !digit)
            return NULL;
    }
    b->data[10] = '\0';
    b->len = 10;
    return b->data;
}

static int set_category(struct imp_normalizer *n, const struct imp_feature *f,
                        struct imp_record *r, struct imp_reject *rej)
{
    const struct imp_profile *p = n->p;

    r->category = NULL;
    if (p->has_category_field) {
        const char *raw = f->values[p->category_slot];
        gdir_buf_reset(&n->tmp);
        gdir_text_squash(&n->tmp, raw ? raw : "");
        if (n->tmp.len) {
            const struct gdir_category *c = gdir_category_find(gdir_buf_str(&n->tmp));
            if (!c) {
                imp_reject_set(rej, IMP_R_UNKNOWN_CATEGORY, p->slots[p->category_slot], raw,
                               "not a category code of the taxonomy");
                return -1;
            }
            r->category = c->code;
        }
    }
    for (size_t i = 0; !r->category && i < p->n_rules; i++)
        if (cond_true(n, &p->rules[i].cond, f))
            r->category = p->rules[i].category;
    if (!r->category)
        r->category = p->default_category;
    if (!r->category) {
        const char *field = p->has_category_field ? p->slots[p->category_slot]
                            : p->n_rules          ? p->slots[p->rules[0].cond.slot]
                                                  : "category";
        imp_reject_set(rej, IMP_R_MISSING_VALUE, field, NULL, "no category for this row");
        return -1;
    }
    return 0;
}

/* Step 5: the geometry of places, addresses and boundaries. A place whose point is missing
 * or unusable is kept for geocoding (decided in step 7, once its address is known): returns 1
 * with r->has_point = 0 and the problem in r->point_problem. */
static int check_geometry(struct imp_normalizer *n, const struct imp_feature *f,
                          struct imp_record *r, struct imp_reject *rej)
{
    enum imp_kind kind = n->p->kind;
    int point = kind == IMP_KIND_PLACES || kind == IMP_KIND_ADDRESSES;

    if (kind == IMP_KIND_COMMUNES)
        return 0;
    if (kind == IMP_KIND_PLACES && n->p->geom == IMP_GEOM_NONE)
        return 1;   /* an address-only source: every record is geocoded */
    if (f->has_geom_problem || !f->has_geom) {
        if (f->has_geom_problem)
            *rej = f->geom_problem;
        else
            imp_reject_set(rej, IMP_R_MISSING_COORDS, n->geom_label, NULL, "no coordinates");
    } else if (point) {
        if (gdir_in_france(f->lat, f->lon)) {
            r->lon = f->lon;
            r->lat = f->lat;
            r->has_point = 1;
            return 0;
        }
        snprintf(n->coords, sizeof n->coords, "lat %.7f, lon %.7f", f->lat, f->lon);
        imp_reject_set(rej, IMP_R_OUTSIDE_FRANCE, n->geom_label, n->coords,
                       "coordinates outside France");
    } else {
        if (gdir_in_france(f->bbox[1], f->bbox[0]) && gdir_in_france(f->bbox[3], f->bbox[2])) {
            r->wkb = f->wkb;
            r->wkb_len = f->wkb_len;
            return 0;
        }
        imp_reject_set(rej, IMP_R_OUTSIDE_FRANCE, "geometry", NULL, "polygon outside France");
    }
    if (kind != IMP_KIND_PLACES)
        return -1;
    r->point_problem = *rej;
    r->has_point_problem = 1;
    return 1;
}

/* wheelchair: the OSM values yes / limited / no, in any case; anything else is dropped. */
static void normalize_wheelchair(struct gdir_buf *b)
{
    static const char *const known[] = {"yes", "limited", "no"};
    for (size_t i = 0; i < b->len; i++)
        if (b->data[i] >= 'A' && b->data[i] <= 'Z')
            b->data[i] = (char)(b->data[i] - 'A' + 'a');
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (b->len && strcmp(b->data, known[i]) == 0)
            return;
    gdir_buf_reset(b);
}

static int scheme_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* refs: tokens "scheme:value" separated by spaces (or ';' / ','), scheme lower-cased, made of
 * a-z 0-9 _ - . and the value non-empty; other tokens and repeated ones are dropped. */
static void normalize_refs(struct gdir_buf *b, struct gdir_buf *tmp)
{
    const char *s;
    gdir_buf_reset(tmp);
    gdir_buf_add(tmp, b->data ? b->data : "", b->len);
    s = gdir_buf_str(tmp);
    gdir_buf_reset(b);
    while (*s) {
        size_t len = strcspn(s, " ;,"), colon = 0;
        int ok = len > 2;
        char tok[IMP_REFS_TOKEN_MAX];
        for (size_t i = 0; ok && i < len; i++) {
            char c = s[i];
            if (c >= 'A' && c <= 'Z' && !colon)
                c = (char)(c - 'A' + 'a');
            if (!colon && c == ':' && i > 0)
                colon = i;
            else if (!colon && !scheme_char(c))
                ok = 0;
            if (i < sizeof tok)
                tok[i] = c;
        }
        ok = ok && colon && colon + 1 < len && len < sizeof tok;
        if (ok) {
            tok[len] = '\0';
            /* duplicate? (b holds space-separated tokens) */
            const char *hit = b->len ? strstr(b->data, tok) : NULL;
            while (hit && !((hit == b->data || hit[-1] == ' ') &&
                            (hit[len] == ' ' || hit[len] == '\0')))
                hit = strstr(hit + 1, tok);
            if (!hit) {
                if (b->len)
                    gdir_buf_addc(b, ' ');
                gdir_buf_add(b, tok, len);
            }
        }
        s += len;
        s += strspn(s, " ;,");
    }
}

/* A place without a point can be geocoded when it has an address or a street. */
static int has_address(const struct imp_record *r)
{
    return r->text[IMP_T_ADDRESS] || r->text[IMP_T_STREET];
}

/* Step 6 of imp_normalize: the commune of a place without INSEE code, from its point and the
 * boundaries. Returns IMP_KEEP (r->member set), IMP_OUTSIDE, IMP_REJECT or a negative code. */
static int locate_commune(struct imp_normalizer *n, struct imp_record *r, struct imp_reject *rej,
                          struct gdir_err *err)
{
    const struct imp_profile *p = n->p;
    int found = 0;

    if (n->have_boundaries && n->locate) {
        found = n->locate(n->locate_ctx, r->lon, r->lat, n->located, err);
        if (found < 0)
            return found;
    }
    if (!found && !n->have_boundaries) {
        imp_reject_set(rej, IMP_R_NO_COMMUNE, first_field(p, &p->fields[IMP_T_INSEE])[0]
                                                  ? first_field(p, &p->fields[IMP_T_INSEE])
                                                  : n->geom_label,
                       NULL, "no INSEE code, and no commune boundaries to locate the point");
        return IMP_REJECT;
    }
    if (!found)
        return IMP_OUTSIDE;
    r->member = imp_members_find(n->members, n->located);
    if (r->member < 0)
        return IMP_OUTSIDE;
    r->located = 1;
    gdir_buf_reset(&n->out[IMP_T_INSEE]);
    gdir_buf_adds(&n->out[IMP_T_INSEE], n->located);
    return IMP_KEEP;
}

/* Step 8 of imp_normalize: what the kind of source requires (a point or an address, a name, a
 * street, an identifier, a category) and a whole population. Returns IMP_KEEP or
 * IMP_REJECT. */
static int check_required(struct imp_normalizer *n, const struct imp_feature *f,
                          struct imp_record *r, int no_point, struct imp_reject *rej)
{
    const struct imp_profile *p = n->p;

    if (no_point && !has_address(r)) {
        if (!r->has_point_problem)
            imp_reject_set(rej, IMP_R_MISSING_COORDS, n->geom_label, NULL,
                           "no coordinates and no address to geocode");
        return IMP_REJECT;   /* rej holds the point's problem */
    }
    if (p->kind != IMP_KIND_ADDRESSES && !r->text[IMP_T_NAME]) {
        imp_reject_set(rej, IMP_R_MISSING_VALUE, first_field(p, &p->fields[IMP_T_NAME]), NULL,
                       "no name");
        return IMP_REJECT;
    }
    if (p->kind == IMP_KIND_ADDRESSES && !r->text[IMP_T_STREET]) {
        imp_reject_set(rej, IMP_R_MISSING_VALUE, first_field(p, &p->fields[IMP_T_STREET]), NULL,
                       "no street name");
        return IMP_REJECT;
    }
    if (p->kind == IMP_KIND_PLACES || p->kind == IMP_KIND_ADDRESSES) {
        const char *id = r->text[IMP_T_SOURCE_ID];
        const char *idf = first_field(p, &p->fields[IMP_T_SOURCE_ID]);
        if (!id) {
            imp_reject_set(rej, IMP_R_MISSING_VALUE, idf, NULL, "no identifier");
            return IMP_REJECT;
        }
        if (!imp_id_chars_ok(id)) {
            imp_reject_set(rej, IMP_R_INVALID_VALUE, idf, id,
                           "identifier may only hold A-Z a-z 0-9 and . _ ~ : @ + -");
            return IMP_REJECT;
        }
        if (p->kind == IMP_KIND_PLACES && set_category(n, f, r, rej))
            return IMP_REJECT;
    }
    if (r->text[IMP_T_POPULATION]) {
        if (gdir_parse_long(r->text[IMP_T_POPULATION], 0, 100000000, &r->population)) {
            const struct imp_fieldmap *m = &p->fields[IMP_T_POPULATION];
            imp_reject_set(rej, IMP_R_INVALID_VALUE, first_field(p, m), r->text[IMP_T_POPULATION],
                           "population is not a whole number");
            return IMP_REJECT;
        }
        r->has_population = 1;
    }
    return IMP_KEEP;
}

int imp_normalize(struct imp_normalizer *n, const struct imp_feature *f, struct imp_record *r,
                  struct imp_reject *rej, struct gdir_err *err)
{
    const struct imp_profile *p = n->p;
    const char *insee;
    int no_point;

    memset(r, 0, sizeof *r);
    r->member = -1;
    /* 1. well-formed record */
    if (f->has_line_problem) {
        *rej = f->line_problem;
        return IMP_REJECT;
    }
    /* 2. filter */
    if (p->has_filter && !cond_true(n, &p->filter, f))
        return IMP_FILTERED;
    /* 3. territory, by INSEE code */
    if (build_field(n, f, IMP_T_INSEE, rej))
        return IMP_OUTSIDE;   /* a 16-byte INSEE code is no member's */
    insee = field_text(n, IMP_T_INSEE);
    if (insee) {
        r->member = imp_members_find(n->members, insee);
        if (r->member < 0)
            return IMP_OUTSIDE;
    } else if (p->kind != IMP_KIND_PLACES) {
        imp_reject_set(rej, IMP_R_MISSING_VALUE, first_field(p, &p->fields[IMP_T_INSEE]), NULL,
                       "no INSEE code");
        return IMP_REJECT;
    }
    /* 4. UTF-8 */
    for (size_t k = 0; k < p->n_slots; k++) {
        const char *v = f->values[k];
        if (v && !gdir_utf8_valid(v, strlen(v))) {
            imp_reject_set(rej, IMP_R_UTF8, p->slots[k], v, "invalid UTF-8");
            return IMP_REJECT;
        }
    }
    /* 5. geometry */
    no_point = check_geometry(n, f, r, rej);
    if (no_point < 0)
        return IMP_REJECT;
    /* 6. commune of a place without INSEE code (a place to geocode is located later) */
    if (!insee && !no_point) {
        int rc = locate_commune(n, r, rej, err);
        if (rc != IMP_KEEP)
            return rc;
    }
    /* 7. every other field */
    for (int t = 0; t < IMP_T__COUNT; t++)
        if (t != IMP_T_INSEE && build_field(n, f, (enum imp_target)t, rej))
            return IMP_REJECT;
    if (n->out[IMP_T_WHEELCHAIR].len)
        normalize_wheelchair(&n->out[IMP_T_WHEELCHAIR]);
    if (n->out[IMP_T_REFS].len)
        normalize_refs(&n->out[IMP_T_REFS], &n->tmp);
    for (int t = 0; t < IMP_T__COUNT; t++)
        r->text[t] = field_text(n, (enum imp_target)t);
    if (p->fields[IMP_T_DATE].pieces)
        r->text[IMP_T_DATE] = n->out[IMP_T_DATE].len ? iso_date(&n->out[IMP_T_DATE]) : NULL;
    /* 8. what the kind requires */
    if (check_required(n, f, r, no_point, rej) != IMP_KEEP)
        return IMP_REJECT;
    gdir_buf_reset(&n->key);
    if (r->text[IMP_T_NAME] && gdir_text_fold(&n->key, r->text[IMP_T_NAME]))
        return gdir_err_set(err, GDIR_ENOMEM, "out of memory");
    r->name_key = gdir_buf_str(&n->key);
    return IMP_KEEP;
}
