#!/usr/bin/env python3
"""The queryables (Part 3), the schema (Part 5 draft) and the GML schema of every collection,
with the real geodir-api over the fixture database and an empty daily-life store (so that
`events` is listed and holds nothing), read by real clients:

  - OWSLib (Debian's python3-owslib): collection_queryables() of every collection is a JSON
    Schema 2020-12 object ($schema, $id = its URL, type object, title, additionalProperties
    false), the geometry with x-ogc-role primary-geometry, the places' category an enum of
    exactly the collection's category codes; an unknown collection fails with the 404 JSON;
  - raw HTTP: /schema of every collection describes every property of its first page of items
    (each value of the declared type, null only where declared nullable); the collection links
    both (rels …/ogc/1.0/queryables and …/schema) and its GML schema (describedBy); the
    documents also answer as HTML (f=html and Accept); unknown collection: 404 JSON for the
    three, so does any other path under /ogc/; /conformance declares the queryables class;
  - GDAL's OAPIF driver (ogrinfo) on the empty `events`: its fields (with their types) and
    its geometry type come from the schema, its extent is the territory's (the communes');
  - then scripts/life-examples publishes the example agenda through the back office (two of
    its items name a commune or a place this fixture lacks and are refused): every occurrence
    of `events` carries every property of its schema, each of the declared type.

usage: test_schema.py GEODIR_API DB SOURCE_DIR WORK_DIR GEODIR_ADMIN
"""
import datetime
import json
import os
import re
import subprocess
import sys
import urllib.parse

sys.dont_write_bytecode = True   # tests write only under the build tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ogclib import (CT_GEOJSON, CT_HTML, Server, check, debian_module,  # noqa: E402
                    finish, link, load_taxonomy, run_groups)

owslib_features = debian_module("owslib.ogcapi.features", "python3-owslib")
ogr = debian_module("osgeo.ogr", "python3-gdal")
from cql2lib import Evaluator, instant, to_text  # noqa: E402

API, DB, SRC, WORK, ADMIN = sys.argv[1:6]
os.makedirs(os.path.join(WORK, "forms"), exist_ok=True)   # no procedure: an empty folder
os.makedirs(os.path.join(WORK, "files"), exist_ok=True)
STORE = os.path.join(WORK, "forms.sqlite")
if os.path.exists(STORE):
    os.remove(STORE)                                         # a fresh store: no event
TAXONOMY = load_taxonomy(SRC)
REL_Q = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
REL_S = "http://www.opengis.net/def/rel/ogc/1.0/schema"
CT_SCHEMA = "application/schema+json"
QUERYABLES = {
    "places": {"geometry", "name", "category", "address", "postcode", "insee", "commune_name",
               "phone", "email", "website", "opening_hours", "description", "source", "licence",
               "source_date", "geocode_precision", "geocode_score"},
    "communes": {"geometry", "insee", "name", "postcodes", "population", "places", "source",
                 "licence"},
    "addresses": {"geometry", "housenumber", "street", "postcode", "insee", "city", "source",
                  "licence"},
    "events": {"geometry", "item", "title", "start", "end", "all_day", "category",
               "place_name", "communes", "territory", "organiser", "free", "licence"},
}
PY_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool}


class LifeServer(Server):
    """The OGC test server, with the daily-life store (so the `events` collection)."""

    def __init__(self):
        args = ["--forms_dir", os.path.join(WORK, "forms"), "--forms_db", STORE,
                "--forms_files_dir", os.path.join(WORK, "files")]
        super().__init__(API, DB, os.path.join(SRC, "map-ui"),
                         os.path.join(WORK, "server.stderr"), extra=args)


srv = None


def codes_of(cid):
    top = None if cid == "places" else cid[len("places-"):]
    return [c for c, parent, _ in TAXONOMY if top is None or c == top or parent == top]


def check_document(doc, url, cid, what):
    check(doc.get("$schema") == "https://json-schema.org/draft/2020-12/schema",
          f"{what} {cid}: $schema 2020-12")
    check(doc.get("$id") == url, f"{what} {cid}: $id is its URL ({doc.get('$id')})")
    check(doc.get("type") == "object" and isinstance(doc.get("title"), str)
          and doc.get("additionalProperties") is False,
          f"{what} {cid}: type object, a title, additionalProperties false")
    props = doc.get("properties", {})
    geo = props.get("geometry", {})
    check(geo.get("x-ogc-role") == "primary-geometry" and geo.get("format", "").startswith("geo"),
          f"{what} {cid}: geometry, primary-geometry, format {geo.get('format')}")
    for name, p in props.items():
        if name == "geometry":
            continue
        t = p.get("type")
        types = t if isinstance(t, list) else [t]
        if not (types and all(x in PY_TYPES or x == "null" for x in types)):
            check(False, f"{what} {cid}: {name} has a JSON Schema type ({t})")
    return props


def feature_errors(features, props, complete=False):
    """The (id, property, value, declared type) of features that break the schema props;
    complete: every property of the schema must be there."""
    bad = []
    for f in features:
        for k, v in f["properties"].items():
            p = props.get(k)
            t = p and p.get("type")
            types = t if isinstance(t, list) else [t]
            if not p or (v is None and "null" not in types) or (
                    v is not None and not any(
                        x in PY_TYPES and isinstance(v, PY_TYPES[x])
                        and not (x != "boolean" and isinstance(v, bool)) for x in types)):
                bad.append((f["id"], k, v, t))
        missing = set(props) - set(f["properties"]) - {"geometry"}
        if complete and missing:
            bad.append((f["id"], "missing", sorted(missing), None))
    return bad


def test_queryables(collections):
    w = owslib_features.Features(srv.base)
    for c in collections:
        cid = c["id"]
        url = f"{srv.base}/collections/{cid}/queryables"
        check(link(c, REL_Q, CT_SCHEMA) == url, f"links {cid}: rel …/queryables")
        doc = w.collection_queryables(cid)
        props = check_document(doc, url, cid, "queryables")
        roles = {p.get("x-ogc-role") for p in props.values()}
        kind = "places" if cid.startswith("places") else cid
        check(set(props) == QUERYABLES[kind], f"queryables {cid}: {sorted(props)}")
        check(sorted(q["id"] for q in doc.get("queryables", [])) ==
              sorted(QUERYABLES[kind] - {"geometry"}),
              f"queryables {cid}: the drafts' list (GDAL 3.6) names the same")
        if kind == "places":
            check(props["category"].get("enum") == codes_of(cid)
                  and props["source_date"].get("x-ogc-role") == "primary-instant",
                  f"queryables {cid}: category an enum of its {len(codes_of(cid))} codes, "
                  f"source_date the primary instant")
        elif cid == "events":
            check({"primary-interval-start", "primary-interval-end"} <= roles,
                  "queryables events: start and end (primary interval)")
    try:
        w.collection_queryables("nothing")
        check(False, "OWSLib: unknown collection fails")
    except RuntimeError as e:
        check('"code":"NotFound"' in str(e), f"OWSLib: unknown collection -> 404 JSON ({e})")


def test_schema(collections):
    for c in collections:
        cid = c["id"]
        url = f"{srv.base}/collections/{cid}/schema"
        check(link(c, REL_S, CT_SCHEMA) == url, f"links {cid}: rel …/schema")
        check(link(c, "describedBy", "application/xml") == url + ".xsd",
              f"links {cid}: describedBy, the GML schema")
        doc, hdrs = srv.get_json(f"/ogc/collections/{cid}/schema", CT_SCHEMA)
        props = check_document(doc, url, cid, "schema")
        page, _ = srv.get_json(f"/ogc/collections/{cid}/items?limit=50", CT_GEOJSON)
        bad = feature_errors(page["features"], props)
        check(not bad, f"schema {cid}: the {len(page['features'])} features of its first page "
                       f"follow it ({bad[:2]})")
        st, hdrs, body = srv.request(f"/ogc/collections/{cid}/schema.xsd")
        n = len([k for k in props if k != "geometry"])
        check(st == 200 and hdrs.get("content-type") == "application/xml"
              and len(re.findall(r'<xs:element name="(?!geometry)', body.decode())) == n + 1,
              f"schema.xsd {cid}: the {n} properties and the feature element")
    for path in ("queryables", "schema"):
        st, hdrs, body = srv.request(f"/ogc/collections/places/{path}",
                                     {"Accept": "text/html,application/xhtml+xml"})
        st2, hdrs2, _ = srv.request(f"/ogc/collections/places/{path}?f=html")
        text = body.decode()
        check(st == st2 == 200 and hdrs.get("content-type") == hdrs2.get("content-type") == CT_HTML
              and "<caption>" in text and "primary-geometry" in text,
              f"html {path}: by Accept and f=html, a table with its caption")
        for target in (f"/ogc/collections/nothing/{path}", f"/ogc/collections/nothing/{path}?f=html"):
            srv.expect_error(target, 404, "NotFound")
        srv.expect_error(f"/ogc/collections/places/{path}?limit=3", 400, "UnknownParameter",
                         "limit")
    st, _, body = srv.request("/ogc/collections/places?f=html")
    check(f'href="{srv.base}/collections/places/queryables?f=html"'.encode() in body and
          f'href="{srv.base}/collections/places/schema?f=html"'.encode() in body,
          "html collection: links to its queryables and schema pages")
    srv.expect_error("/ogc/collections/nothing/schema.xsd", 404, "NotFound")
    for target in ("/ogc/collections/places/foo", "/ogc/collections/places/items/a/b?f=json",
                   "/ogc/nothing"):
        doc = srv.expect_error(target, 404, "NotFound")
        check(doc is not None and "OGC API" in doc.get("description", ""),
              f"  {target}: the OGC API's 404, not the static files' one")
    doc, _ = srv.get_json("/ogc/conformance")
    check("http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables" in
          doc["conformsTo"], "conformance: the queryables class of Part 3")


def test_empty_events(collections):
    ev = next((c for c in collections if c["id"] == "events"), None)
    com = next(c for c in collections if c["id"] == "communes")
    check(ev is not None, "events is listed (daily-life store configured)")
    if ev is None:
        return
    page, _ = srv.get_json("/ogc/collections/events/items", CT_GEOJSON)
    check(page["numberMatched"] == 0, "events: empty in this fixture")
    check(ev.get("extent", {}).get("spatial", {}).get("bbox") ==
          com["extent"]["spatial"]["bbox"], "events (empty): extent = the communes' (territory)")
    env = dict(os.environ, GDAL_HTTP_TIMEOUT="60", CPL_DEBUG="OFF")
    r = subprocess.run(["ogrinfo", "-ro", "-so", f"OAPIF:{srv.base}", "events"],
                       capture_output=True, text=True, env=env, timeout=120)
    check(r.returncode == 0, f"ogrinfo events ran ({r.stderr[-200:]})")
    fields = dict(re.findall(r"^(\w+): (\w+(?:\(\w+\))?) \(", r.stdout, re.M))
    schema, _ = srv.get_json("/ogc/collections/events/schema", CT_SCHEMA)
    want = [k for k in schema["properties"] if k != "geometry"]
    check([k for k in fields if k != "id"] == want,
          f"ogrinfo events (empty): the {len(want)} fields of the schema ({list(fields)[:4]}…)")
    check(fields.get("start") == "DateTime" and fields.get("all_day") == "Integer(Boolean)"
          and fields.get("item") == "Integer64",
          f"ogrinfo events: field types (start {fields.get('start')}, all_day "
          f"{fields.get('all_day')}, item {fields.get('item')})")
    check("Geometry: Point" in r.stdout, "ogrinfo events (empty): geometry type Point")
    check("Feature Count: 0" in r.stdout, "ogrinfo events: 0 features")
    b = com["extent"]["spatial"]["bbox"][0]
    m = re.search(r"Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)", r.stdout)
    check(m is not None and all(abs(float(x) - y) < 1e-6 for x, y in zip(m.groups(), b)),
          f"ogrinfo events (empty): extent of the territory {b}")
    print(f"figure: ogrinfo on the empty events: {len(fields)} fields, "
          f"{'Point' if 'Geometry: Point' in r.stdout else '?'}")


def test_filled_events(collections):
    cmd = [sys.executable, os.path.join(SRC, "scripts", "life-examples"), "--port",
           str(srv.port), "--admin", ADMIN, "--forms-db", STORE]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    check("published" in r.stdout, f"life-examples published the example agenda ({r.stdout})")
    schema, _ = srv.get_json("/ogc/collections/events/schema", CT_SCHEMA)
    page, _ = srv.get_json("/ogc/collections/events/items?limit=500", CT_GEOJSON)
    feats = page["features"]
    bad = feature_errors(feats, schema["properties"], complete=True)
    check(len(feats) > 10 and not bad,
          f"events: its {len(feats)} occurrences carry every property of the schema, of the "
          f"declared type ({bad[:2]})")
    events_filter(feats)


def events_filter(feats):
    """The CQL2 filter on the occurrences (start and end compared as instants) against the
    brute force of cql2lib.py, in text and JSON."""
    ev = Evaluator(ogr, datetimes=("start", "end"))
    starts = sorted(instant(f["properties"]["start"]) for f in feats)
    mid = starts[len(starts) // 2].astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    located = [f for f in feats if f["geometry"]]
    lon, lat = located[0]["geometry"]["coordinates"]
    box = [lon - 0.02, lat - 0.02, lon + 0.02, lat + 0.02]
    items = sorted({f["properties"]["item"] for f in feats})[:2]
    title = feats[-1]["properties"]["title"].replace("%", "_").replace("\\", "_")
    pattern = "%" + title[3:-1] + "_"     # one event's title, through both wildcards
    code = next(f["properties"]["communes"].split(";")[0] for f in feats
                if f["properties"]["communes"])
    P = lambda n: {"property": n}       # noqa: E731
    exprs = [
        {"op": ">=", "args": [P("start"), {"timestamp": mid}]},
        {"op": "and", "args": [{"op": "<", "args": [P("end"), {"timestamp": mid}]},
                               {"op": "=", "args": [P("free"), True]}]},
        {"op": "or", "args": [{"op": "=", "args": [P("all_day"), True]},
                              {"op": "isNull", "args": [P("category")]}]},
        {"op": "like", "args": [P("title"), pattern]},
        {"op": "in", "args": [P("item"), items]},
        {"op": "s_intersects", "args": [P("geometry"), {"bbox": box}]},
        {"op": "not", "args": [{"op": "s_intersects", "args": [P("geometry"), {"bbox": box}]}]},
        {"op": "or", "args": [{"op": "=", "args": [P("territory"), True]},
                              {"op": "like", "args": [P("communes"), f"%{code}%"]}]},
    ]
    for expr in exprs:
        want = sorted(ev.select(expr, feats))
        for text, lang in ((to_text(expr), "cql2-text"), (json.dumps(expr), "cql2-json")):
            q = urllib.parse.urlencode({"filter": text, "filter-lang": lang, "limit": 500})
            page, _ = srv.get_json(f"/ogc/collections/events/items?{q}", CT_GEOJSON)
            got = sorted(f["id"] for f in page["features"]) if page else None
            check(got == want and page["numberMatched"] == len(want),
                  f"events {lang} {to_text(expr)[:60]}: {len(want)} occurrences of "
                  f"{len(feats)}, as the brute force")
    q = urllib.parse.urlencode({"filter": f"start >= '{mid}'"})    # GDAL 3.6 writes strings
    page, _ = srv.get_json(f"/ogc/collections/events/items?{q}&limit=500", CT_GEOJSON)
    want = ev.select({"op": ">=", "args": [P("start"), {"timestamp": mid}]}, feats)
    check(page and page["numberMatched"] == len(want),
          "events: a date-time compared with a timestamp written as a string")


def main():
    global srv
    srv = LifeServer()
    try:
        doc, _ = srv.get_json("/ogc/collections")
        collections = doc["collections"]
        run_groups((test_queryables, test_schema, test_empty_events, test_filled_events),
                   collections)
    finally:
        srv.stop()
    finish()


main()
