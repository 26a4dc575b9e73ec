/*
 * api_catalog.h — a small RDF graph in memory and its three serializations (JSON-LD 1.1,
 * Turtle 1.1, RDF/XML), for the DCAT-AP catalogue (h_catalog.c, docs/opendata.md).
 *
 * The graph is a list of nodes, each named by an absolute IRI (no blank nodes: every triple
 * is then comparable across the three serializations, which the catalogue tests do), each
 * with a list of (predicate, object) pairs. Predicates, classes and datatypes are compact
 * names ("dct:title") over the fixed prefix table of api_catalog.c; objects are IRIs or
 * literals (plain, language-tagged or typed).
 *
 * Everything is cleaned when it enters the graph, so that the three writers say exactly the
 * same triples: literals are made valid UTF-8 (invalid bytes become U+FFFD) and control
 * characters other than tab, line feed and carriage return become U+FFFD (XML 1.0 cannot
 * carry them at all); IRIs get the bytes that no IRI may hold (controls, space, <>"{}|\^`)
 * percent-encoded. Writers then only escape.
 *
 * Errors are sticky: a failed addition (memory, size cap) marks the graph; check
 * api_cat_failed() once at the end. Not thread-safe; one graph per request.
 */
#ifndef API_CATALOG_H
#define API_CATALOG_H

#include <stddef.h>

#include "gdir_buf.h"

enum api_cat_obj { API_CAT_IRI, API_CAT_STR, API_CAT_LANG, API_CAT_TYPED };

struct api_cat_prop {
    const char *pred;          /* compact name, static storage ("dct:title"); "a": rdf:type */
    enum api_cat_obj kind;
    char *value;               /* owned: the IRI, or the literal's text */
    const char *tag;           /* static: language ("fr") of API_CAT_LANG, compact datatype
                                * ("xsd:date") of API_CAT_TYPED, else NULL */
};

struct api_cat_node {
    char *iri;                 /* owned, absolute */
    struct api_cat_prop *props;   /* owned */
    size_t n_props, cap_props;
};

struct api_cat_graph {
    struct api_cat_node *nodes;   /* owned, in creation order (the order of the output) */
    size_t n_nodes, cap_nodes;
    int failed;                /* a GDIR_E* code once an addition failed, else 0 */
};

void api_cat_init(struct api_cat_graph *g);

/* Frees every node. NULL-safe, idempotent. */
void api_cat_free(struct api_cat_graph *g);

/* 0, or the GDIR_E* code of the first failed addition. */
int api_cat_failed(const struct api_cat_graph *g);

/* The node named iri (cleaned as above), created at the end of the list when new. Returns its
 * index, or (size_t)-1 when the graph failed (later calls with it are ignored). */
size_t api_cat_node(struct api_cat_graph *g, const char *iri);

/* Adds one triple to node n. NULL or empty values are skipped (nothing is added), so optional
 * facts need no test at the call site; a triple the node already has is not added again (each
 * statement once in every serialization). cls, pred, datatype: compact names, static storage. */
void api_cat_type(struct api_cat_graph *g, size_t n, const char *cls);
void api_cat_iri(struct api_cat_graph *g, size_t n, const char *pred, const char *iri);
void api_cat_str(struct api_cat_graph *g, size_t n, const char *pred, const char *text);
void api_cat_lang(struct api_cat_graph *g, size_t n, const char *pred, const char *text,
                  const char *lang);
void api_cat_typed(struct api_cat_graph *g, size_t n, const char *pred, const char *text,
                   const char *datatype);
/* A typed literal of an integer (datatype e.g. "xsd:nonNegativeInteger"). */
void api_cat_int(struct api_cat_graph *g, size_t n, const char *pred, long long v,
                 const char *datatype);

/* The full IRI of a compact name ("dct:title" -> "http://purl.org/dc/terms/title") appended
 * to out. Returns 0, or GDIR_EINVAL for an unknown prefix. */
int api_cat_expand(const char *compact, struct gdir_buf *out);

/* Serializations of the whole graph, appended to out. Return 0 or a negative code (out
 * failed: too large, out of memory). */
int api_cat_write_jsonld(const struct api_cat_graph *g, struct gdir_buf *out);
int api_cat_write_turtle(const struct api_cat_graph *g, struct gdir_buf *out);
int api_cat_write_rdfxml(const struct api_cat_graph *g, struct gdir_buf *out);


#endif
