/*
 * api_catalog.c — the in-memory RDF graph of the catalogue and its writers: JSON-LD 1.1 (a
 * flat @graph with an @context of prefixes), Turtle 1.1 and RDF/XML. Cleaning happens when a
 * value enters the graph (api_catalog.h); the writers only escape, each by its own grammar.
 *
 * Not here: what the catalogue says (h_catalog.c), HTTP.
 */
#include "api_catalog.h"
#include "api_html.h"
#include "gdir_err.h"
#include "gdir_json.h"
#include "gdir_text.h"
#include "gdir_mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The prefixes of every compact name used by the catalogue, in output order. */
static const struct {
    const char *prefix, *iri;
} prefixes[] = {
    {"dcat", "http://www.w3.org/ns/dcat#"},
    {"dct", "http://purl.org/dc/terms/"},
    {"dcatap", "http://data.europa.eu/r5r/"},
    {"foaf", "http://xmlns.com/foaf/0.1/"},
    {"vcard", "http://www.w3.org/2006/vcard/ns#"},
    {"spdx", "http://spdx.org/rdf/terms#"},
    {"hydra", "http://www.w3.org/ns/hydra/core#"},
    {"adms", "http://www.w3.org/ns/adms#"},
    {"locn", "http://www.w3.org/ns/locn#"},
    {"gsp", "http://www.opengis.net/ont/geosparql#"},
    {"skos", "http://www.w3.org/2004/02/skos/core#"},
    {"rdfs", "http://www.w3.org/2000/01/rdf-schema#"},
    {"rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
    {"xsd", "http://www.w3.org/2001/XMLSchema#"},
};
#define N_PREFIXES (sizeof prefixes / sizeof prefixes[0])

/* Largest number of nodes and of properties per node: far above what a catalogue of a few
 * datasets needs, and a bound on the quadratic grouping of the JSON-LD writer. */
#define CAT_MAX_NODES 20000
#define CAT_MAX_PROPS 4000

void api_cat_init(struct api_cat_graph *g)
{
    memset(g, 0, sizeof *g);
}

void api_cat_free(struct api_cat_graph *g)
{
    if (!g)
        return;
    for (size_t i = 0; i < g->n_nodes; i++) {
        struct api_cat_node *n = &g->nodes[i];
        for (size_t k = 0; k < n->n_props; k++)
            free(n->props[k].value);
        free(n->props);
        free(n->iri);
    }
    free(g->nodes);
    memset(g, 0, sizeof *g);
}

int api_cat_failed(const struct api_cat_graph *g)
{
    return g->failed;
}

/* ---- cleaning ----------------------------------------------------------------------------- */

/* A literal: valid UTF-8, no control characters but tab, LF and CR, no U+FFFE/U+FFFF. Text
 * that is not valid UTF-8 as a whole has each of its non-ASCII bytes replaced. Owned. */
static char *clean_literal(const char *s)
{
    struct gdir_buf b;
    size_t n = strlen(s);
    int valid = gdir_utf8_valid(s, n);

    gdir_buf_init(&b, 0);
    gdir_buf_add(&b, "", 0);
    for (const char *p = s; *p;) {
        unsigned cp;
        if (valid) {
            cp = gdir_utf8_next(&p);
        } else {
            cp = (unsigned char)*p++;
            if (cp >= 0x80)
                cp = 0xFFFD;
        }
        if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F ||
            cp == 0xFFFE || cp == 0xFFFF)
            cp = 0xFFFD;
        gdir_utf8_put(&b, cp);
    }
    return gdir_buf_steal(&b, NULL);
}

/* An IRI: the bytes no IRIREF may hold are percent-encoded. Owned. */
static char *clean_iri(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    struct gdir_buf b;

    gdir_buf_init(&b, 0);
    gdir_buf_add(&b, "", 0);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= 0x20 || *p == 0x7F || strchr("<>\"{}|\\^`", *p)) {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            gdir_buf_add(&b, e, 3);
        } else {
            gdir_buf_addc(&b, (char)*p);
        }
    }
    return gdir_buf_steal(&b, NULL);
}

/* ---- building ----------------------------------------------------------------------------- */

size_t api_cat_node(struct api_cat_graph *g, const char *iri)
{
    char *clean;

    if (g->failed)
        return (size_t)-1;
    if (!(clean = clean_iri(iri))) {
        g->failed = GDIR_ENOMEM;
        return (size_t)-1;
    }
    for (size_t i = 0; i < g->n_nodes; i++) {
        if (strcmp(g->nodes[i].iri, clean) == 0) {
            free(clean);
            return i;
        }
    }
    if (g->n_nodes >= CAT_MAX_NODES ||
        gdir_grow(&g->nodes, &g->cap_nodes, g->n_nodes + 1, sizeof *g->nodes)) {
        free(clean);
        g->failed = g->n_nodes >= CAT_MAX_NODES ? GDIR_ETOOBIG : GDIR_ENOMEM;
        return (size_t)-1;
    }
    memset(&g->nodes[g->n_nodes], 0, sizeof g->nodes[0]);
    g->nodes[g->n_nodes].iri = clean;
    return g->n_nodes++;
}

/* Whether node already says (pred, kind, value, tag): the same triple is stated once (a
 * configured keyword that is also a default one, say), so that no writer repeats it. */
static int has_prop(const struct api_cat_node *node, const char *pred, enum api_cat_obj kind,
                    const char *value, const char *tag)
{
    for (size_t i = 0; i < node->n_props; i++) {
        const struct api_cat_prop *p = &node->props[i];
        if (p->kind == kind && strcmp(p->pred, pred) == 0 && strcmp(p->value, value) == 0 &&
            (p->tag == tag || (p->tag && tag && strcmp(p->tag, tag) == 0)))
            return 1;
    }
    return 0;
}

static void add(struct api_cat_graph *g, size_t n, const char *pred, enum api_cat_obj kind,
                const char *value, const char *tag)
{
    struct api_cat_node *node;
    char *v;

    if (g->failed || n >= g->n_nodes || !value || !*value)
        return;
    node = &g->nodes[n];
    if (node->n_props >= CAT_MAX_PROPS ||
        gdir_grow(&node->props, &node->cap_props, node->n_props + 1, sizeof *node->props)) {
        g->failed = node->n_props >= CAT_MAX_PROPS ? GDIR_ETOOBIG : GDIR_ENOMEM;
        return;
    }
    v = kind == API_CAT_IRI ? clean_iri(value) : clean_literal(value);
    if (!v) {
        g->failed = GDIR_ENOMEM;
        return;
    }
    if (has_prop(node, pred, kind, v, tag)) {   /* one statement once, in every syntax */
        free(v);
        return;
    }
    node->props[node->n_props++] = (struct api_cat_prop){pred, kind, v, tag};
}

void api_cat_type(struct api_cat_graph *g, size_t n, const char *cls)
{
    struct gdir_buf full;
    /* Classes are stored expanded, as any other IRI object of rdf:type. */
    gdir_buf_init(&full, 0);
    if (api_cat_expand(cls, &full) == 0)
        add(g, n, "a", API_CAT_IRI, gdir_buf_str(&full), NULL);
    else if (!g->failed)
        g->failed = GDIR_EINTERNAL;
    gdir_buf_free(&full);
}

void api_cat_iri(struct api_cat_graph *g, size_t n, const char *pred, const char *iri)
{
    add(g, n, pred, API_CAT_IRI, iri, NULL);
}

void api_cat_str(struct api_cat_graph *g, size_t n, const char *pred, const char *text)
{
    add(g, n, pred, API_CAT_STR, text, NULL);
}

void api_cat_lang(struct api_cat_graph *g, size_t n, const char *pred, const char *text,
                  const char *lang)
{
    add(g, n, pred, API_CAT_LANG, text, lang);
}

void api_cat_typed(struct api_cat_graph *g, size_t n, const char *pred, const char *text,
                   const char *datatype)
{
    add(g, n, pred, API_CAT_TYPED, text, datatype);
}

void api_cat_int(struct api_cat_graph *g, size_t n, const char *pred, long long v,
                 const char *datatype)
{
    char s[32];
    snprintf(s, sizeof s, "%lld", v);
    add(g, n, pred, API_CAT_TYPED, s, datatype);
}

int api_cat_expand(const char *compact, struct gdir_buf *out)
{
    const char *colon = strchr(compact, ':');
    if (!colon)
        return GDIR_EINVAL;
    for (size_t i = 0; i < N_PREFIXES; i++) {
        size_t n = strlen(prefixes[i].prefix);
        if ((size_t)(colon - compact) == n && strncmp(compact, prefixes[i].prefix, n) == 0)
            return gdir_buf_printf(out, "%s%s", prefixes[i].iri, colon + 1);
    }
    return GDIR_EINVAL;
}

/* A full IRI as a compact name when one prefix covers it and the rest is a plain local name
 * (letters, digits, '_', '-'), else NULL. Returns the prefix index through *pi. */
static const char *compact_of(const char *iri, size_t *pi)
{
    for (size_t i = 0; i < N_PREFIXES; i++) {
        size_t n = strlen(prefixes[i].iri);
        if (strncmp(iri, prefixes[i].iri, n) == 0 && iri[n]) {
            const char *local = iri + n;
            int ok = (local[0] >= 'A' && local[0] <= 'Z') || (local[0] >= 'a' && local[0] <= 'z');
            for (const char *p = local; ok && *p; p++)
                ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                     (*p >= '0' && *p <= '9') || *p == '_' || *p == '-';
            if (ok) {
                *pi = i;
                return local;
            }
        }
    }
    return NULL;
}

/* ---- JSON-LD ------------------------------------------------------------------------------ */

static void jsonld_object(struct gdir_json *j, const struct api_cat_prop *p)
{
    switch (p->kind) {
    case API_CAT_IRI:
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "@id", p->value);
        gdir_json_obj_end(j);
        break;
    case API_CAT_STR:
        gdir_json_str(j, p->value);
        break;
    case API_CAT_LANG:
    case API_CAT_TYPED:         /* a value object, its tag a language or a datatype */
        gdir_json_obj_begin(j);
        gdir_json_kstr(j, "@value", p->value);
        gdir_json_kstr(j, p->kind == API_CAT_LANG ? "@language" : "@type", p->tag);
        gdir_json_obj_end(j);
        break;
    }
}

int api_cat_write_jsonld(const struct api_cat_graph *g, struct gdir_buf *out)
{
    struct gdir_json j;

    gdir_json_init(&j, out);
    gdir_json_obj_begin(&j);
    gdir_json_key(&j, "@context");
    gdir_json_obj_begin(&j);
    for (size_t i = 0; i < N_PREFIXES; i++)
        gdir_json_kstr(&j, prefixes[i].prefix, prefixes[i].iri);
    gdir_json_obj_end(&j);
    gdir_json_key(&j, "@graph");
    gdir_json_arr_begin(&j);
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct api_cat_node *n = &g->nodes[i];
        gdir_json_obj_begin(&j);
        gdir_json_kstr(&j, "@id", n->iri);
        /* Properties grouped by predicate, in the order of their first appearance. */
        for (size_t k = 0; k < n->n_props; k++) {
            const char *pred = n->props[k].pred;
            size_t count = 0, seen = 0;
            for (size_t m = 0; m < k && !seen; m++)
                seen = strcmp(n->props[m].pred, pred) == 0;
            if (seen)
                continue;
            for (size_t m = k; m < n->n_props; m++)
                count += strcmp(n->props[m].pred, pred) == 0;
            if (strcmp(pred, "a") == 0) {
                /* @type values are IRIs: compact them when a prefix covers them. */
                gdir_json_key(&j, "@type");
                if (count > 1)
                    gdir_json_arr_begin(&j);
                for (size_t m = k; m < n->n_props; m++) {
                    size_t pi;
                    const char *local;
                    if (strcmp(n->props[m].pred, "a") != 0)
                        continue;
                    local = compact_of(n->props[m].value, &pi);
                    if (local) {
                        char name[160];
                        snprintf(name, sizeof name, "%s:%s", prefixes[pi].prefix, local);
                        gdir_json_str(&j, name);
                    } else {
                        gdir_json_str(&j, n->props[m].value);
                    }
                }
                if (count > 1)
                    gdir_json_arr_end(&j);
                continue;
            }
            gdir_json_key(&j, pred);
            if (count > 1)
                gdir_json_arr_begin(&j);
            for (size_t m = k; m < n->n_props; m++)
                if (strcmp(n->props[m].pred, pred) == 0)
                    jsonld_object(&j, &n->props[m]);
            if (count > 1)
                gdir_json_arr_end(&j);
        }
        gdir_json_obj_end(&j);
    }
    gdir_json_arr_end(&j);
    gdir_json_obj_end(&j);
    gdir_buf_addc(out, '\n');
    return gdir_json_error(&j) ? gdir_json_error(&j) : out->err;
}

/* ---- Turtle ------------------------------------------------------------------------------- */

static void ttl_string(struct gdir_buf *b, const char *s)
{
    gdir_buf_addc(b, '"');
    for (const char *p = s; *p; p++) {
        switch (*p) {
        case '"': gdir_buf_adds(b, "\\\""); break;
        case '\\': gdir_buf_adds(b, "\\\\"); break;
        case '\n': gdir_buf_adds(b, "\\n"); break;
        case '\r': gdir_buf_adds(b, "\\r"); break;
        case '\t': gdir_buf_adds(b, "\\t"); break;
        default: gdir_buf_addc(b, *p); break;
        }
    }
    gdir_buf_addc(b, '"');
}

static void ttl_iri(struct gdir_buf *b, const char *iri)
{
    size_t pi;
    const char *local = compact_of(iri, &pi);
    if (local)
        gdir_buf_printf(b, "%s:%s", prefixes[pi].prefix, local);
    else
        gdir_buf_printf(b, "<%s>", iri);
}

static void ttl_object(struct gdir_buf *b, const struct api_cat_prop *p)
{
    switch (p->kind) {
    case API_CAT_IRI:
        ttl_iri(b, p->value);
        break;
    case API_CAT_STR:
        ttl_string(b, p->value);
        break;
    case API_CAT_LANG:
        ttl_string(b, p->value);
        gdir_buf_printf(b, "@%s", p->tag);
        break;
    case API_CAT_TYPED:
        ttl_string(b, p->value);
        gdir_buf_printf(b, "^^%s", p->tag);
        break;
    }
}

int api_cat_write_turtle(const struct api_cat_graph *g, struct gdir_buf *out)
{
    for (size_t i = 0; i < N_PREFIXES; i++)
        gdir_buf_printf(out, "@prefix %s: <%s> .\n", prefixes[i].prefix, prefixes[i].iri);
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct api_cat_node *n = &g->nodes[i];
        if (!n->n_props)
            continue;
        gdir_buf_printf(out, "\n<%s>", n->iri);
        for (size_t k = 0; k < n->n_props; k++) {
            const char *pred = n->props[k].pred;
            int seen = 0;
            for (size_t m = 0; m < k && !seen; m++)
                seen = strcmp(n->props[m].pred, pred) == 0;
            if (seen)
                continue;
            gdir_buf_printf(out, "%s\n    %s ", k ? " ;" : "", pred);
            for (size_t m = k, first = 1; m < n->n_props; m++) {
                if (strcmp(n->props[m].pred, pred) != 0)
                    continue;
                if (!first)
                    gdir_buf_adds(out, ",\n        ");
                ttl_object(out, &n->props[m]);
                first = 0;
            }
        }
        gdir_buf_adds(out, " .\n");
    }
    return out->err;
}

/* ---- RDF/XML ------------------------------------------------------------------------------ */

int api_cat_write_rdfxml(const struct api_cat_graph *g, struct gdir_buf *out)
{
    gdir_buf_adds(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rdf:RDF");
    for (size_t i = 0; i < N_PREFIXES; i++)
        gdir_buf_printf(out, "\n    xmlns:%s=\"%s\"", prefixes[i].prefix, prefixes[i].iri);
    gdir_buf_adds(out, ">\n");
    for (size_t i = 0; i < g->n_nodes; i++) {
        const struct api_cat_node *n = &g->nodes[i];
        if (!n->n_props)
            continue;
        gdir_buf_adds(out, "  <rdf:Description rdf:about=\"");
        api_xml_escape(out, n->iri, 1);
        gdir_buf_adds(out, "\">\n");
        for (size_t k = 0; k < n->n_props; k++) {
            const struct api_cat_prop *p = &n->props[k];
            const char *el = strcmp(p->pred, "a") == 0 ? "rdf:type" : p->pred;
            gdir_buf_printf(out, "    <%s", el);
            switch (p->kind) {
            case API_CAT_IRI:
                gdir_buf_adds(out, " rdf:resource=\"");
                api_xml_escape(out, p->value, 1);
                gdir_buf_adds(out, "\"/>\n");
                continue;
            case API_CAT_STR:
                break;
            case API_CAT_LANG:
                gdir_buf_printf(out, " xml:lang=\"%s\"", p->tag);
                break;
            case API_CAT_TYPED:
                gdir_buf_adds(out, " rdf:datatype=\"");
                if (api_cat_expand(p->tag, out))
                    return GDIR_EINTERNAL;
                gdir_buf_adds(out, "\"");
                break;
            }
            gdir_buf_adds(out, ">");
            api_xml_escape(out, p->value, 0);
            gdir_buf_printf(out, "</%s>\n", el);
        }
        gdir_buf_adds(out, "  </rdf:Description>\n");
    }
    gdir_buf_adds(out, "</rdf:RDF>\n");
    return out->err;
}
