"""rdflib_min — the two RDF readers the catalogue tests need, written for them (standard library).

- parse_ntriples(text): a strict N-Triples 1.1 reader (what `rapper -o ntriples` writes from the
  Turtle and RDF/XML catalogues); blank nodes are refused, since the catalogue has none.
- jsonld_triples(doc): the triples of a JSON-LD 1.1 document of the shape the catalogue uses —
  an @context of prefixes, an @graph of node objects with @id, @type and properties whose
  values are node references ({"@id"}), strings, value objects ({"@value"} with "@language" or
  "@type") or arrays of them. Anything else (nested nodes, @list, @reverse, relative IRIs,
  unknown prefixes, keys that are not compact IRIs) raises ValueError: a strict reading of the
  subset, so that a change of shape is noticed rather than half-read.

A triple is (subject IRI, predicate IRI, object), the object being ("iri", value) or
("lit", text, language or None, datatype IRI or None).
"""
import re

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

_IRI = r"<([^<>\"{}|^`\\\x00-\x20]*)>"
_ESC = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.S)
_LINE = re.compile(
    r"^" + _IRI + r"[ \t]+" + _IRI + r"[ \t]+(?:" + _IRI +
    r"|\"((?:[^\"\\\n\r]|\\.)*)\"(?:@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*)|\^\^" + _IRI + r")?)"
    r"[ \t]*\.[ \t]*$")
_SIMPLE = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'",
           "\\": "\\"}


def _unescape(s):
    def one(m):
        if m.group(1) or m.group(2):
            return chr(int(m.group(1) or m.group(2), 16))
        c = m.group(3)
        if c not in _SIMPLE:
            raise ValueError(f"bad escape \\{c}")
        return _SIMPLE[c]
    return _ESC.sub(one, s)


def _absolute(iri):
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri):
        raise ValueError(f"not an absolute IRI: {iri!r}")
    return iri


def parse_ntriples(text):
    """Returns the list of triples of an N-Triples document; raises ValueError on any error."""
    triples = []
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            raise ValueError(f"line {n}: not an N-Triples statement: {line[:120]!r}")
        s, p, o_iri, lit, lang, dt = m.groups()
        s, p = _absolute(_unescape(s)), _absolute(_unescape(p))
        if o_iri is not None:
            obj = ("iri", _absolute(_unescape(o_iri)))
        else:
            dt = _unescape(dt) if dt else None
            if dt == XSD_STRING:
                dt = None
            obj = ("lit", _unescape(lit), lang.lower() if lang else None, dt)
        triples.append((s, p, obj))
    return triples


def _expand(term, prefixes, where):
    if not isinstance(term, str):
        raise ValueError(f"{where}: expected a string, got {term!r}")
    if term.startswith("http://") or term.startswith("https://") or \
            term.startswith("mailto:") or term.startswith("tel:"):
        return term
    prefix, sep, local = term.partition(":")
    if not sep or prefix not in prefixes or local.startswith("//"):
        raise ValueError(f"{where}: {term!r} is neither an absolute IRI nor a known compact IRI")
    return prefixes[prefix] + local


def jsonld_triples(doc):
    """Returns (prefixes, triples) of a catalogue JSON-LD document; raises ValueError."""
    if not isinstance(doc, dict) or set(doc) != {"@context", "@graph"}:
        raise ValueError("top level: expected exactly @context and @graph")
    ctx = doc["@context"]
    if not isinstance(ctx, dict):
        raise ValueError("@context: expected an object of prefixes")
    prefixes = {}
    for k, v in ctx.items():
        if k.startswith("@") or not isinstance(v, str) or not v.endswith(("/", "#")):
            raise ValueError(f"@context: {k!r} is not a prefix definition")
        prefixes[k] = _absolute(v)
    if not isinstance(doc["@graph"], list):
        raise ValueError("@graph: expected an array")
    triples = []
    for node in doc["@graph"]:
        if not isinstance(node, dict) or "@id" not in node:
            raise ValueError(f"@graph: a node without @id: {str(node)[:120]}")
        s = _expand(node["@id"], prefixes, "@id")
        for key, values in node.items():
            if key == "@id":
                continue
            values = values if isinstance(values, list) else [values]
            if key == "@type":
                for t in values:
                    triples.append((s, RDF_TYPE, ("iri", _expand(t, prefixes, "@type"))))
                continue
            if key.startswith("@"):
                raise ValueError(f"{s}: keyword {key} not expected")
            p = _expand(key, prefixes, f"{s} key")
            for v in values:
                if isinstance(v, str):
                    triples.append((s, p, ("lit", v, None, None)))
                elif isinstance(v, dict) and set(v) == {"@id"}:
                    triples.append((s, p, ("iri", _expand(v["@id"], prefixes, f"{s} {key}"))))
                elif isinstance(v, dict) and "@value" in v and set(v) <= {"@value", "@language",
                                                                          "@type"}:
                    if not isinstance(v["@value"], str) or ("@language" in v and "@type" in v):
                        raise ValueError(f"{s} {key}: bad value object {v!r}")
                    dt = _expand(v["@type"], prefixes, f"{s} {key} @type") \
                        if "@type" in v else None
                    lang = v.get("@language")
                    if lang is not None and not re.match(r"^[a-zA-Z]+(-[a-zA-Z0-9]+)*$", lang):
                        raise ValueError(f"{s} {key}: bad language {lang!r}")
                    triples.append((s, p, ("lit", v["@value"], lang.lower() if lang else None,
                                           None if dt == XSD_STRING else dt)))
                else:
                    raise ValueError(f"{s} {key}: value of an unexpected shape: {v!r}")
    return prefixes, triples
