/*
 * imp_source.c — the front of every source (see imp_source.h): picks the profile's reader,
 * maps the reader's fields onto the profile's slots, evaluates the profile's computed fields
 * (first non-empty, refs, value maps, leading characters, the compiled "@category" and
 * "@keep"), and turns coordinate fields into a WGS84 point: per-row SRS ("srs_field"),
 * detection of x/y given in the wrong order ("swapped").
 *
 * What it does not do: open files (the readers do), decide whether a row is kept
 * (imp_record.c) or write anything.
 */
#include "imp_source.h"
#include "gdir_buf.h"
#include "imp_case.h"
#include "gdir_geo.h"
#include "gdir_log.h"
#include "gdir_parse.h"
#include "gdir_taxonomy.h"
#include "gdir_text.h"
#include "imp_source_reader.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define COMPUTED_MAX (1024 * 1024)  /* bytes of one computed value */
#define COORD_TEXT_MAX 64           /* a coordinate cell longer than this is not a number */
#define SRS_CACHE 8                 /* distinct per-row SRS kept ready */
#define SRS_KEY_MAX 32

struct srs_entry {
    char key[SRS_KEY_MAX];          /* "EPSG:2154" */
    struct imp_xform *xf;           /* NULL: lon/lat already */
};

struct imp_source {
    const struct imp_profile *p;    /* borrowed */
    const struct imp_reader_ops *ops;
    void *rd;                       /* the reader's state */
    char *path;                     /* owned copy, for messages */
    size_t *rslot;                  /* reader field i -> profile slot */
    const char **rnames;            /* reader field names (borrowed from the profile) */
    size_t n_rfields;
    const char **values;            /* per profile slot, handed out in features */
    struct gdir_buf *cbuf;          /* per computed field: its value */
    struct gdir_buf tmp, tmp2;
    int have_default_xf;            /* xf_default prepared (may be NULL: degrees already) */
    struct imp_xform *xf_default;   /* p->srs -> WGS84 */
    struct srs_entry cache[SRS_CACHE];
    size_t n_cache;
    long swapped_fixed;             /* rows whose x/y were swapped back */
    const struct imp_case_names *names;   /* official commune names (proper_case), borrowed */
    const char **raw_fields;        /* the feature's values a clean-up rewrote: source field */
    const char **raw_values;        /* ... and the value as the source wrote it */
    size_t n_raw;
    char geom_label[IMP_REJECT_FIELD_MAX];
    char srs_msg[160];
};

static const struct imp_reader_ops *reader_ops(enum imp_reader r)
{
    switch (r) {
    case IMP_READER_OGR:
        return &imp_reader_ogr;
    case IMP_READER_FINESS_CSV:
        return &imp_reader_finess_csv;
    case IMP_READER_FINESS_JSON:
        return &imp_reader_finess_json;
    case IMP_READER_SP_XML:
        return &imp_reader_spxml;
    case IMP_READER_SP_JSON:
        return &imp_reader_spjson;
    }
    return &imp_reader_ogr;
}

void imp_source_close(struct imp_source *s)
{
    if (!s)
        return;
    if (s->swapped_fixed)
        gdir_log(GDIR_LOG_WARN, "import",
                 "file=\"%s\" msg=\"x and y were given in the wrong order (x held the "
                 "northing): swapped back\" rows=%ld", s->path, s->swapped_fixed);
    if (s->rd)
        s->ops->close(s->rd);
    imp_xform_free(s->xf_default);
    for (size_t i = 0; i < s->n_cache; i++)
        imp_xform_free(s->cache[i].xf);
    if (s->cbuf)
        for (size_t i = 0; i < s->p->n_computed; i++)
            gdir_buf_free(&s->cbuf[i]);
    free(s->cbuf);
    gdir_buf_free(&s->tmp);
    gdir_buf_free(&s->tmp2);
    free(s->rslot);
    free(s->raw_fields);
    free(s->raw_values);
    free(s->rnames);
    free(s->values);
    free(s->path);
    free(s);
}

static int needs_point(const struct imp_profile *p)
{
    return (p->kind == IMP_KIND_PLACES || p->kind == IMP_KIND_ADDRESSES) &&
           (p->geom == IMP_GEOM_LATLON || p->geom == IMP_GEOM_XY);
}

int imp_source_open(struct imp_source **out, const char *path, const struct imp_profile *p,
                    struct gdir_err *err)
{
    struct imp_source *s;
    int rc = GDIR_ENOMEM;

    *out = NULL;
    if (!(s = calloc(1, sizeof *s)))
        return gdir_err_set(err, GDIR_ENOMEM, "%s: out of memory", path);
    s->p = p;
    s->ops = reader_ops(p->reader);
    gdir_buf_init(&s->tmp, COMPUTED_MAX);
    gdir_buf_init(&s->tmp2, COMPUTED_MAX);
    if (!(s->path = strdup(path)) || !(s->rslot = calloc(p->n_slots + 1, sizeof *s->rslot)) ||
        !(s->rnames = calloc(p->n_slots + 1, sizeof *s->rnames)) ||
        !(s->values = calloc(p->n_slots + 1, sizeof *s->values)) ||
        !(s->cbuf = calloc(p->n_computed + 1, sizeof *s->cbuf)) ||
        !(s->raw_fields = calloc(p->n_computed + 1, sizeof *s->raw_fields)) ||
        !(s->raw_values = calloc(p->n_computed + 1, sizeof *s->raw_values))) {
        gdir_err_set(err, rc, "%s: out of memory", path);
        goto out;
    }
    for (size_t i = 0; i < p->n_computed; i++)
        gdir_buf_init(&s->cbuf[i], COMPUTED_MAX);
    for (size_t k = 0; k < p->n_slots; k++)
        if (!p->slot_computed[k]) {
            s->rslot[s->n_rfields] = k;
            s->rnames[s->n_rfields++] = p->slots[k];
        }
    if (p->geom == IMP_GEOM_LATLON || p->geom == IMP_GEOM_XY)
        snprintf(s->geom_label, sizeof s->geom_label, "%s/%s", p->slots[p->geom_slot[0]],
                 p->slots[p->geom_slot[1]]);
    else
        snprintf(s->geom_label, sizeof s->geom_label, "geometry");
    if ((rc = s->ops->open(&s->rd, path, p, s->rnames, s->n_rfields, err)))
        goto out;
    if (needs_point(p) && p->srs) {
        if (imp_xform_new(&s->xf_default, p->srs, s->srs_msg, sizeof s->srs_msg)) {
            rc = gdir_err_set(err, GDIR_ECONFIG, "%s: mapping %s: geometry.srs: %s", path,
                              p->name, s->srs_msg);
            goto out;
        }
    }
    s->have_default_xf = 1;
    *out = s;
    return GDIR_OK;
out:
    imp_source_close(s);
    return rc;
}

/* ---------------------------------------------------------------- computed fields ---- */

/* The value of a slot, squashed into b (empty when unset). */
static const char *squashed(struct gdir_buf *b, const char *v)
{
    gdir_buf_reset(b);
    gdir_text_squash(b, v ? v : "");
    return gdir_buf_str(b);
}

static int cond_holds(struct imp_source *s, const struct imp_cond *c)
{
    const char *v = squashed(&s->tmp, s->values[c->slot]);
    switch (c->op) {
    case IMP_OP_ANY:
        return v[0] != '\0';
    case IMP_OP_ABSENT:
        return v[0] == '\0';
    case IMP_OP_PREFIX:
        for (size_t i = 0; i < c->n_values; i++)
            if (strncmp(v, c->values[i], strlen(c->values[i])) == 0)
                return 1;
        return 0;
    case IMP_OP_EQUALS:
    case IMP_OP_IN:
        for (size_t i = 0; i < c->n_values; i++)
            if (strcmp(v, c->values[i]) == 0)
                return 1;
        return 0;
    }
    return 0;
}

static int xrule_holds(struct imp_source *s, const struct imp_xrule *x)
{
    for (size_t i = 0; i < x->n_conds; i++)
        if (!cond_holds(s, &x->conds[i]))
            return 0;
    return 1;
}

/* The row's category code as imp_record will see it, or NULL. */
static const char *row_category(struct imp_source *s)
{
    const struct imp_profile *p = s->p;
    if (p->has_category_field) {
        const char *v = squashed(&s->tmp, s->values[p->category_slot]);
        const struct gdir_category *c = v[0] ? gdir_category_find(v) : NULL;
        if (c)
            return c->code;
    }
    return p->default_category;
}

/* Appends "scheme:value" for each ';'-separated part of v, without its spaces. */
static void add_refs(struct gdir_buf *b, struct gdir_buf *tmp, const char *scheme, const char *v)
{
    while (v && *v) {
        const char *end = strchr(v, ';');
        size_t n = end ? (size_t)(end - v) : strlen(v);
        gdir_buf_reset(tmp);
        gdir_buf_adds(tmp, scheme);
        gdir_buf_addc(tmp, ':');
        size_t head = tmp->len;
        for (size_t i = 0; i < n; i++)
            if (!isspace((unsigned char)v[i]))
                gdir_buf_addc(tmp, v[i]);
        if (tmp->len > head) {
            /* the same ref twice (ref:FR:FINESS and the source's own id) is written once */
            const char *ref = gdir_buf_str(tmp);
            size_t rl = tmp->len;
            int dup = 0;
            for (const char *h = b->data ? strstr(b->data, ref) : NULL; h && !dup;
                 h = strstr(h + 1, ref))
                dup = (h == b->data || h[-1] == ' ') && (h[rl] == ' ' || h[rl] == '\0');
            if (!dup) {
                if (b->len)
                    gdir_buf_addc(b, ' ');
                gdir_buf_add(b, ref, rl);
            }
        }
        v = end ? end + 1 : NULL;
    }
}

/* The clean-ups of imp_case.h into b; a value they changed is remembered as the source
 * wrote it (imp_feature.raw_*). Returns 1 when b holds a value. */
static int cleanup(struct imp_source *s, const struct imp_computed *c, struct gdir_buf *b)
{
    const char *raw = s->values[c->inputs[0]];
    const char *v = squashed(&s->tmp, raw);
    int changed;

    if (!v[0])
        return 0;
    if (c->kind == IMP_COMP_PROPER_CASE)
        changed = imp_case_proper(b, v, s->names);
    else if (c->kind == IMP_COMP_DIGITS)
        changed = imp_case_digits(b, v, (unsigned)c->first_chars);
    else
        changed = imp_case_phone_fr(b, v);
    if (changed == 1) {
        s->raw_fields[s->n_raw] = s->p->slots[c->inputs[0]];
        s->raw_values[s->n_raw++] = raw;
    }
    return b->len > 0;
}

void imp_source_set_names(struct imp_source *s, const struct imp_case_names *names)
{
    s->names = names;
}

static void compute(struct imp_source *s, size_t i)
{
    const struct imp_profile *p = s->p;
    const struct imp_computed *c = &p->computed[i];
    struct gdir_buf *b = &s->cbuf[i];
    const char *v;
    int set = 0;

    gdir_buf_reset(b);
    switch (c->kind) {
    case IMP_COMP_FIRST:
        for (size_t k = 0; k < c->n_inputs && !set; k++) {
            v = s->values[c->inputs[k]];
            if (v && v[strspn(v, " \t\r\n")]) {
                gdir_buf_adds(b, v);
                set = 1;
            }
        }
        if (!set && c->else_category_label) {
            const char *code = row_category(s);
            const struct gdir_category *cat = code ? gdir_category_find(code) : NULL;
            if (cat) {
                gdir_buf_adds(b, cat->label);
                set = 1;
            }
        }
        break;
    case IMP_COMP_REFS:
        for (size_t k = 0; k < c->n_inputs; k++)
            add_refs(b, &s->tmp, c->keys[k], s->values[c->inputs[k]]);
        set = b->len > 0;
        break;
    case IMP_COMP_MAP:
        v = squashed(&s->tmp, s->values[c->inputs[0]]);
        if (v[0]) {
            const char *hit = c->map_keep_others ? v : c->map_default;
            for (size_t k = 0; k < c->n_pairs; k++)
                if (strcmp(v, c->keys[k]) == 0) {
                    hit = c->vals[k];
                    break;
                }
            if (hit && hit[0]) {   /* "" in the table: no value */
                gdir_buf_adds(b, hit);
                set = 1;
            }
        }
        break;
    case IMP_COMP_FIRST_CHARS: {
        size_t chars = 0, n = 0;
        v = squashed(&s->tmp, s->values[c->inputs[0]]);
        /* count code points by their lead bytes (never cuts a UTF-8 sequence) */
        for (; v[n]; n++) {
            if (((unsigned char)v[n] & 0xC0) != 0x80 && chars++ == c->first_chars)
                break;
        }
        gdir_buf_add(b, v, n);
        set = n > 0;
        break;
    }
    case IMP_COMP_PROPER_CASE:
    case IMP_COMP_DIGITS:
    case IMP_COMP_PHONE_FR:
        set = cleanup(s, c, b);
        break;
    case IMP_COMP_CATEGORY:
        for (size_t k = 0; k < p->n_xrules && !set; k++)
            if (xrule_holds(s, &p->xrules[k])) {
                gdir_buf_adds(b, p->xrules[k].category);
                set = 1;
            }
        break;
    case IMP_COMP_KEEP: {
        int keep = xrule_holds(s, &p->xfilter);
        if (keep && p->unmatched_filter) {
            const char *cat = s->values[p->category_slot];
            keep = cat && cat[0];
        }
        gdir_buf_adds(b, keep ? "1" : "0");
        set = 1;
        break;
    }
    }
    /* A value over the cap is cut off by gdir_buf: imp_record reports it as too long. */
    s->values[c->slot] = set && !b->err ? gdir_buf_str(b) : NULL;
}

/* ------------------------------------------------------------------- coordinates ---- */

static void geom_problem(struct imp_feature *f, enum imp_reason reason, const char *field,
                         const char *value, const char *msg)
{
    f->has_geom_problem = 1;
    imp_reject_set(&f->geom_problem, reason, field, value, "%s", msg);
}

/* Parses one coordinate cell; reports the problem on f and returns -1 when unusable. */
static int parse_coord(struct imp_source *s, struct imp_feature *f, size_t slot, double *out)
{
    const char *raw = s->values[slot];
    const char *name = s->p->slots[slot];
    char text[COORD_TEXT_MAX];
    size_t n;

    while (*raw == ' ' || *raw == '\t')
        raw++;
    n = strlen(raw);
    while (n && (raw[n - 1] == ' ' || raw[n - 1] == '\t'))
        n--;
    if (n >= sizeof text) {
        geom_problem(f, IMP_R_INVALID_COORDS, name, s->values[slot], "not a number");
        return -1;
    }
    memcpy(text, raw, n);
    text[n] = '\0';
    if (gdir_parse_double(text, -1e9, 1e9, s->p->decimal_comma, out)) {
        geom_problem(f, IMP_R_INVALID_COORDS, name, s->values[slot], "not a number");
        return -1;
    }
    return 0;
}

/* A UTM zone named in text without an EPSG code ("WGS84 / UTM 21N (Saint-Pierre-et-Miquelon)",
 * "UTM zone 1S", as FINESS writes some rows): the territory's national system for the zones of
 * the overseas départements, else WGS 84 / UTM (EPSG:326zz north, 327zz south). Returns 0 with
 * key written, or -1. */
static int utm_key(const char *text, char key[SRS_KEY_MAX])
{
    static const struct {
        int zone;
        char hemi;
        int epsg;
    } national[] = {{20, 'N', 5490}, {21, 'N', 4467}, {22, 'N', 2972}, {38, 'S', 4471},
                    {40, 'S', 2975}};
    for (const char *h = strstr(text, "UTM"); h; h = strstr(h + 3, "UTM")) {
        const char *d = h + 3;
        int zone = 0;
        size_t n = 0;
        while (*d == ' ' || *d == '_')
            d++;
        if (strncmp(d, "zone", 4) == 0 || strncmp(d, "Zone", 4) == 0)
            d += 4;
        while (*d == ' ')
            d++;
        while (n < 2 && d[n] >= '0' && d[n] <= '9')
            zone = zone * 10 + (d[n++] - '0');
        char hemi = n ? (char)(d[n] & ~0x20) : 0;
        if (zone < 1 || zone > 60 || (hemi != 'N' && hemi != 'S') ||
            ((d[n + 1] | 0x20) >= 'a' && (d[n + 1] | 0x20) <= 'z'))
            continue;
        int epsg = (hemi == 'N' ? 32600 : 32700) + zone;
        for (size_t i = 0; i < sizeof national / sizeof national[0]; i++)
            if (national[i].zone == zone && national[i].hemi == hemi)
                epsg = national[i].epsg;
        snprintf(key, SRS_KEY_MAX, "EPSG:%d", epsg);
        return 0;
    }
    return -1;
}

/* The SRS named in a row: "EPSG:5490 RGAF09 / UTM 20N", "1,ATLASANTE,96,BAN,EPSG:2154 ...",
 * a UTM zone without a code ("WGS84 / UTM 21N"), or a FINESS 2016 label ("LAMBERT_93",
 * "UTM_N20"...). Writes "EPSG:n" into key and returns 0, or -1 when the text names no SRS
 * geodir knows. */
static int srs_key(const char *text, char key[SRS_KEY_MAX])
{
    static const struct {
        const char *label, *epsg;
    } labels[] = {
        /* FINESS labels before the EPSG codes (2016 shape); overseas codes are the current
         * national systems of each territory */
        {"LAMBERT_93", "EPSG:2154"}, {"LAMBERT93", "EPSG:2154"}, {"L93", "EPSG:2154"},
        {"UTM_N20", "EPSG:5490"},    {"UTM_N21", "EPSG:4467"},   {"UTM_N22", "EPSG:2972"},
        {"UTM_S38", "EPSG:4471"},    {"UTM_S40", "EPSG:2975"},   {"WGS84", "EPSG:4326"},
    };
    for (const char *h = text; (h = strstr(h, "EPSG")) != NULL; h++) {
        const char *d = h + 4;
        if (*d == ':')
            d++;
        size_t n = strspn(d, "0123456789");
        if (n >= 4 && n <= 6) {
            snprintf(key, SRS_KEY_MAX, "EPSG:%.*s", (int)n, d);
            return 0;
        }
    }
    if (utm_key(text, key) == 0)
        return 0;
    /* the last comma- or space-separated word that is a known label */
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        const char *h = strstr(text, labels[i].label);
        size_t ln = strlen(labels[i].label);
        if (h && (h == text || strchr(", ;", h[-1])) && (h[ln] == '\0' || strchr(", ;", h[ln]))) {
            snprintf(key, SRS_KEY_MAX, "%s", labels[i].epsg);
            return 0;
        }
    }
    return -1;
}

/* An overseas territory: the INSEE prefix of its communes, the national projected SRS it is
 * published in, and a box around it (degrees) that its points must fall in. */
struct overseas {
    const char *prefix, *epsg;
    double lat_min, lat_max, lon_min, lon_max;
};

static const struct overseas overseas_table[] = {
    {"971", "EPSG:5490", 15.8, 16.6, -61.9, -60.9},    /* Guadeloupe: RGAF09 / UTM 20N */
    {"972", "EPSG:5490", 14.3, 15.0, -61.3, -60.7},    /* Martinique */
    {"977", "EPSG:5490", 17.8, 18.0, -63.0, -62.7},    /* Saint-Barthélemy */
    {"978", "EPSG:5490", 18.0, 18.2, -63.2, -62.9},    /* Saint-Martin */
    {"973", "EPSG:2972", 2.0, 6.0, -54.7, -51.5},      /* Guyane: RGFG95 / UTM 22N */
    {"974", "EPSG:2975", -21.5, -20.8, 55.1, 55.9},    /* La Réunion: RGR92 / UTM 40S */
    {"975", "EPSG:4467", 46.7, 47.2, -56.5, -56.1},    /* Saint-Pierre-et-Miquelon: RGSPM06 /
                                                        * UTM 21N */
    {"976", "EPSG:4471", -13.1, -12.5, 44.9, 45.4},    /* Mayotte: RGM04 / UTM 38S */
};

/* The overseas territory of an INSEE commune code (srs_insee), or NULL. */
static const struct overseas *overseas_of(const struct imp_source *s)
{
    const char *insee = s->p->has_srs_insee ? s->values[s->p->srs_insee_slot] : NULL;
    if (!insee)
        return NULL;
    insee += strspn(insee, " \t");
    for (size_t i = 0; i < sizeof overseas_table / sizeof overseas_table[0]; i++)
        if (strncmp(insee, overseas_table[i].prefix, 3) == 0)
            return &overseas_table[i];
    return NULL;
}

/* The transformation for a row's SRS (cached): the one the row names (srs_field), else its
 * territory's when its INSEE code is overseas (srs_insee), else the profile's. Returns 0, or
 * -1 with f's problem set. */
static int row_xform(struct imp_source *s, struct imp_feature *f, const struct overseas *dom,
                     struct imp_xform **out)
{
    const struct imp_profile *p = s->p;
    const char *raw = p->has_srs_field ? s->values[p->srs_slot] : NULL;
    size_t slot = p->srs_slot;
    char key[SRS_KEY_MAX];
    struct imp_xform *xf = NULL;

    if ((!raw || !raw[strspn(raw, " \t")]) && dom) {
        raw = dom->epsg;
        slot = p->srs_insee_slot;
    }
    if (!raw || !raw[strspn(raw, " \t")]) {
        *out = s->xf_default;
        return 0;
    }
    if (srs_key(raw, key)) {
        geom_problem(f, IMP_R_INVALID_COORDS, p->slots[slot], raw,
                     "unknown coordinate system (expected EPSG:n or a FINESS label such as "
                     "LAMBERT_93)");
        return -1;
    }
    for (size_t i = 0; i < s->n_cache; i++)
        if (strcmp(s->cache[i].key, key) == 0) {
            *out = s->cache[i].xf;
            return 0;
        }
    if (imp_xform_new(&xf, key, s->srs_msg, sizeof s->srs_msg)) {
        geom_problem(f, IMP_R_INVALID_COORDS, p->slots[slot], raw,
                     "coordinate system unknown to PROJ");
        return -1;
    }
    if (s->n_cache == SRS_CACHE) {   /* full: the oldest goes */
        imp_xform_free(s->cache[0].xf);
        memmove(s->cache, s->cache + 1, (SRS_CACHE - 1) * sizeof s->cache[0]);
        s->n_cache--;
    }
    snprintf(s->cache[s->n_cache].key, SRS_KEY_MAX, "%s", key);
    s->cache[s->n_cache++].xf = xf;
    *out = xf;
    return 0;
}

/* (x, y) in the source SRS to lon/lat; 1 when the result is a valid point in France — in
 * dom's box when the row's commune is overseas (a swapped pair may land in France, but not
 * in the territory). */
static int to_wgs84(struct imp_xform *xf, const struct overseas *dom, double x, double y,
                    double *lon, double *lat, int *ok)
{
    *ok = !xf || imp_xform_apply(xf, &x, &y) == 0;
    *lon = x;
    *lat = y;
    if (!*ok || !isfinite(x) || !isfinite(y) || !gdir_lonlat_valid(y, x))
        return 0;
    if (dom)
        return y >= dom->lat_min && y <= dom->lat_max && x >= dom->lon_min && x <= dom->lon_max;
    return gdir_in_france(y, x);
}

static void read_point(struct imp_source *s, struct imp_feature *f)
{
    const struct imp_profile *p = s->p;
    const char *a = s->values[p->geom_slot[0]], *b = s->values[p->geom_slot[1]];
    int a_empty = !a || !a[strspn(a, " \t")], b_empty = !b || !b[strspn(b, " \t")];
    const struct overseas *dom = overseas_of(s);
    struct imp_xform *xf;
    double va, vb, x, y, lon, lat;
    int ok;

    if (a_empty || b_empty) {
        const char *field = a_empty && b_empty ? s->geom_label
                            : a_empty          ? p->slots[p->geom_slot[0]]
                                               : p->slots[p->geom_slot[1]];
        geom_problem(f, IMP_R_MISSING_COORDS, field, NULL, "no coordinates");
        return;
    }
    if (parse_coord(s, f, p->geom_slot[0], &va) || parse_coord(s, f, p->geom_slot[1], &vb))
        return;
    if (p->geom == IMP_GEOM_LATLON) {
        x = vb;
        y = va;
    } else {
        x = va;
        y = vb;
    }
    if (p->geom == IMP_GEOM_LATLON && !p->srs && !gdir_lonlat_valid(y, x)) {
        geom_problem(f, IMP_R_INVALID_COORDS, s->geom_label, NULL,
                     "latitude or longitude out of range");
        return;
    }
    if (row_xform(s, f, dom, &xf))
        return;
    if (!to_wgs84(xf, dom, x, y, &lon, &lat, &ok) && p->swapped != IMP_SWAPPED_IGNORE) {
        double lon2, lat2;
        int ok2;
        if (to_wgs84(xf, dom, y, x, &lon2, &lat2, &ok2)) {
            if (p->swapped == IMP_SWAPPED_REJECT) {
                geom_problem(f, IMP_R_INVALID_COORDS, s->geom_label, NULL,
                             "x and y are in the wrong order (x holds the northing)");
                return;
            }
            s->swapped_fixed++;
            lon = lon2;
            lat = lat2;
            ok = 1;
        }
    }
    if (!ok) {
        geom_problem(f, IMP_R_INVALID_COORDS, s->geom_label, NULL,
                     "coordinates cannot be converted to WGS84");
        return;
    }
    if (!isfinite(lon) || !isfinite(lat) || !gdir_lonlat_valid(lat, lon)) {
        geom_problem(f, IMP_R_INVALID_COORDS, s->geom_label, NULL,
                     "latitude or longitude out of range");
        return;
    }
    f->lon = lon;
    f->lat = lat;
    f->has_geom = 1;
}

int imp_source_next(struct imp_source *s, struct imp_feature *f, struct gdir_err *err)
{
    const struct imp_profile *p = s->p;
    int rc;

    memset(f, 0, sizeof *f);
    rc = s->ops->next(s->rd, f, err);
    if (rc <= 0)
        return rc;
    for (size_t k = 0; k < p->n_slots; k++)
        s->values[k] = NULL;
    if (f->values)
        for (size_t i = 0; i < s->n_rfields; i++)
            s->values[s->rslot[i]] = f->values[i];
    f->values = s->values;
    if (f->has_line_problem)
        return 1;
    s->n_raw = 0;
    for (size_t i = 0; i < p->n_computed; i++)
        compute(s, i);
    f->raw_fields = s->raw_fields;
    f->raw_values = s->raw_values;
    f->n_raw = s->n_raw;
    if (needs_point(p))
        read_point(s, f);
    return 1;
}
