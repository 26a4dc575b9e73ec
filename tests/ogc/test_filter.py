#!/usr/bin/env python3
"""The CQL2 filter of the items (OGC API - Features Part 3, docs/ogc.md "Filter"), with the
real geodir-api over the fixture database:

  - a table of CQL2 expressions on every kind of collection (places, places-health, communes,
    addresses), each sent in CQL2 JSON and in CQL2 text (written from the JSON, plus variants
    written by hand: lower-case keywords, literal first, quoted names, NOT forms), checked
    against a brute-force evaluation of the JSON over every feature of the collection
    (cql2lib.py; S_INTERSECTS by OGR): the same features, numberMatched equal, walked through
    pages of 37 whose next links keep the filter; combined with bbox, datetime and the search
    parameters; filter-crs EPSG:4326 (lat lon) equal to CRS84;
  - errors: 400 JSON naming filter with the character (text) or the JSON path where it went
    wrong and what was expected; an unknown property named; a literal of the wrong type; each
    limit (length, depth, predicates, IN list, coordinates); filter-lang and filter-crs;
  - the conformance classes declared, the parameters in the OpenAPI document;
  - OWSLib (Debian's python3-owslib): collection_items with filter;
  - GDAL's OAPIF driver: `ogrinfo -where` and `ogr2ogr -where` push the filter down (the
    request GDAL sends, from CPL_DEBUG, carries filter=), counts and ids equal to the brute
    force.

usage: test_filter.py GEODIR_API DB SOURCE_DIR WORK_DIR
"""
import json
import os
import re
import subprocess
import sys
import urllib.parse

sys.dont_write_bytecode = True   # tests write only under the build tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ogclib import (CT_GEOJSON, EPSG4326, Server, check, debian_module,  # noqa: E402
                    finish, query_of, run_groups)
from cql2lib import Evaluator, to_text  # noqa: E402

ogr = debian_module("osgeo.ogr", "python3-gdal")
owslib_features = debian_module("owslib.ogcapi.features", "python3-owslib")

API, DB, SRC, WORK = sys.argv[1:5]
os.makedirs(WORK, exist_ok=True)
srv = None
ALL = {}                       # collection -> every feature (walked without filter)
EV = Evaluator(ogr)


def P(name):
    return {"property": name}


def op(o, *args):
    return {"op": o, "args": list(args)}


def items_url(cid, **params):
    return f"/ogc/collections/{cid}/items?" + urllib.parse.urlencode(params)


def load_all():
    for cid in ("places", "places-health", "communes", "addresses"):
        _, feats = srv.walk(items_url(cid, limit=500))
        ALL[cid] = feats
        check(len(feats) > 0, f"{cid}: {len(feats)} features read without filter")


def run_filter(cid, expr_text, lang, want, what, **extra):
    """Walks the items with filter; checks the ids and numberMatched against want."""
    url = items_url(cid, filter=expr_text, limit=37, **({"filter-lang": lang} if lang else {}),
                    **extra)
    pages, feats = srv.walk(url)
    if not pages:
        check(False, f"{what}: answered")
        return
    got = [f["id"] for f in feats]
    matched = pages[0].get("numberMatched")
    keeps = all(query_of(l["href"]).get("filter") == [expr_text]
                for p in pages for l in p["links"] if l["rel"] in ("next", "prev"))
    ok = sorted(got) == sorted(want) and matched == len(want) and len(set(got)) == len(got)
    check(ok and keeps, f"{what}: {len(got)} features in {len(pages)} pages, numberMatched "
                        f"{matched}, brute force {len(want)}"
                        + ("" if keeps else "; a next/prev link lost the filter"))
    if not ok:
        print("   missing", sorted(set(want) - set(got))[:5], "extra",
              sorted(set(got) - set(want))[:5])


def sample(cid, key, pred=lambda v: True):
    for f in ALL[cid]:
        v = f["properties"].get(key)
        if v is not None and pred(v):
            return v
    return None


def cases():
    """(collection, CQL2 JSON, [hand-written text variants])."""
    pl = ALL["places"]
    name = sample("places", "name")
    insee = sample("places", "insee")
    postcode = sample("places", "postcode")
    lon, lat = pl[len(pl) // 2]["geometry"]["coordinates"]
    street = sample("addresses", "street")
    city = sample("addresses", "city")
    box = [lon - 0.05, lat - 0.04, lon + 0.05, lat + 0.04]
    inner = EV.geometry(ALL["communes"][1]).PointOnSurface()   # a point inside one commune
    clon, clat = round(inner.GetX(), 6), round(inner.GetY(), 6)
    tri = {"type": "Polygon", "coordinates": [[[lon - 0.1, lat - 0.05], [lon + 0.1, lat - 0.05],
                                               [lon, lat + 0.08], [lon - 0.1, lat - 0.05]]]}
    return [
        ("places", op("=", P("category"), "pharmacy"),
         ["'pharmacy' = category", "\"category\" = 'pharmacy'", "category='pharmacy'"]),
        ("places", op("and", op("<>", P("category"), "pharmacy"), op("=", P("source"), "osm")),
         ["category <> 'pharmacy' and source = 'osm'"]),
        ("places", op("like", P("name"), "Pharmacie a D%"), ["name like 'Pharmacie a D%'"]),
        ("places", op("like", P("name"), "%o Du_ois%"), []),
        ("places", op("like", P("name"), "pharmacie%"), []),          # case-sensitive: none
        ("places", op("not", op("in", P("category"), ["pharmacy", "school", "town_hall"])),
         ["category NOT IN ('pharmacy', 'school', 'town_hall')"]),
        ("places", op("or", op("in", P("category"), ["pharmacy", "doctor"]),
                      op("=", P("postcode"), postcode)), []),
        ("places", op("=", P("name"), name), []),
        ("places", op("and", op("=", P("insee"), insee),
                      op("not", op("isNull", P("commune_name")))),
         [f"insee = '{insee}' AND commune_name IS NOT NULL"]),
        ("places", op("isNull", P("website")), ["website is null"]),
        ("places", op("not", op("like", P("website"), "https://example.org/a%")), []),
        ("places", op("or", op("isNull", P("opening_hours")),
                      op("=", P("opening_hours"), "24/7")), []),
        ("places", op("not", op("like", P("website"), "https://%")),
         ["website NOT LIKE 'https://%'"]),
        ("places", op(">=", P("source_date"), {"date": "2026-01-01"}), []),
        ("places", op("<", P("source_date"), {"timestamp": "2026-09-30T08:30:00Z"}), []),
        ("places", op("between", P("source_date"), {"date": "2025-01-01"},
                      {"date": "2026-02-15"}), []),
        ("places", op("s_intersects", P("geometry"), {"bbox": box}),
         ["S_INTERSECTS(geometry, BBOX({}, {}, {}, {}))".format(*box),
          "s_intersects(BBOX({},{},{},{}), geometry)".format(*box)]),
        ("places", op("and", op("s_intersects", P("geometry"), tri),
                      op("<>", P("category"), "school")), []),
        ("places", op("and", True, op("not", op("=", P("licence"), "ODbL-1.0"))),
         ["TRUE AND NOT licence = 'ODbL-1.0'"]),
        ("places", op("or", False, op("=", P("licence"), "ODbL-1.0")), []),
        ("places", op("not", op(">", P("geocode_score"), 0.5)), []),  # unknown stays out
        ("places-health", op("in", P("category"), ["pharmacy", "school"]), []),
        ("places-health", op("like", P("name"), "%a%"), []),
        ("communes", op(">", P("places"), 266), ["places>266", "266 < places"]),
        ("communes", op("between", P("places"), 200, 267),
         ["places NOT BETWEEN 268 AND 1000"]),
        ("communes", op("or", op("isNull", P("population")), op(">=", P("places"), 100)), []),
        ("communes", op("and", op("isNull", P("postcodes")), op("<", P("insee"), "55100")), []),
        ("communes", op("s_intersects", P("geometry"), {"type": "Point",
                                                         "coordinates": [clon, clat]}),
         [f"S_INTERSECTS(geometry, POINT({clon!r} {clat!r}))"]),
        ("communes", op("s_intersects", P("geometry"), {"type": "MultiPoint",
                                                         "coordinates": [[clon, clat], [lon, lat]]}),
         [f"S_INTERSECTS(geometry, MULTIPOINT(({clon!r} {clat!r}),({lon!r} {lat!r})))"]),
        ("communes", op("s_intersects", P("geometry"), {"type": "LineString",
                                                         "coordinates": [[clon, clat], [lon, lat]]}),
         []),
        ("communes", op("s_intersects", P("geometry"), {"bbox": box}), []),
        ("communes", op("like", P("name"), "%-%"), []),
        ("addresses", op("like", P("street"), "Rue%"), []),
        ("addresses", op("and", op("=", P("street"), street), op("=", P("city"), city)), []),
        ("addresses", op("isNull", P("housenumber")), []),
        ("addresses", op("and", op("s_intersects", P("geometry"), {"bbox": box}),
                         op("not", op("=", P("source"), "bano"))), []),
    ]


def test_table():
    for cid, expr, variants in cases():
        want = EV.select(expr, ALL[cid])
        text = to_text(expr)
        run_filter(cid, json.dumps(expr), "cql2-json", want, f"{cid} JSON {text[:70]}")
        run_filter(cid, text, None, want, f"{cid} text {text[:70]}")
        for v in variants:
            run_filter(cid, v, "cql2-text", want, f"{cid} text {v[:70]}")


def test_combined():
    """filter with bbox, datetime, the search parameters and filter-crs EPSG:4326."""
    pl = ALL["places"]
    lon, lat = pl[len(pl) // 3]["geometry"]["coordinates"]
    box = [lon - 0.08, lat - 0.06, lon + 0.08, lat + 0.06]
    expr = op("in", P("category"), ["pharmacy", "school", "doctor", "town_hall"])
    in_box = op("s_intersects", P("geometry"), {"bbox": box})
    want = EV.select(op("and", expr, in_box), pl)
    run_filter("places", to_text(expr), None, want, "places filter + bbox",
               bbox=",".join(map(repr, box)))
    want = EV.select(op("and", expr, op(">=", P("source_date"), {"date": "2026-02-15"})), pl)
    run_filter("places", to_text(expr), None, want, "places filter + datetime 2026-02-15/..",
               datetime="2026-02-15/..")
    want = EV.select(op("and", expr, op("=", P("category"), "pharmacy")), pl)
    run_filter("places", to_text(expr), None, want, "places filter + category=pharmacy",
               category="pharmacy")
    swapped = "S_INTERSECTS(geometry, BBOX({1!r},{0!r},{3!r},{2!r}))".format(*box)
    run_filter("places", swapped, None, EV.select(in_box, pl),
               "places filter-crs EPSG:4326 (lat lon) = CRS84", **{"filter-crs": EPSG4326})
    want = EV.select(op("like", P("street"), "%e%"), ALL["addresses"])
    want = [i for i in want if i in {f["id"] for f in ALL["addresses"]
                                     if box[0] <= f["geometry"]["coordinates"][0] <= box[2]
                                     and box[1] <= f["geometry"]["coordinates"][1] <= box[3]}]
    run_filter("addresses", "street LIKE '%e%'", None, want, "addresses filter + bbox",
               bbox=",".join(map(repr, box)))


ERRORS = [
    # (filter, filter-lang, parameter, what the description must say)
    ("name = ", None, "filter", "at character 8 (the end of the expression): expected a literal"),
    ("name == 'x'", None, "filter", 'at character 7 ("="): expected a literal'),
    ("(name = 'x'", None, "filter", "at character 12 (the end of the expression): expected « ) »"),
    ("name = 'x' AND", None, "filter", "at character 15"),
    ("name = 'x' XOR name = 'y'", None, "filter", 'at character 12 ("XOR"): expected AND, OR'),
    ("nom = 'x'", None, "filter", "at character 1: unknown property \"nom\""),
    ("name = 'it''s", None, "filter", "at character 8"),
    ("population = 'x'", None, "filter", "unknown property \"population\""),
    ("name = 5", None, "filter", "at character 8: property name is string"),
    ("geocode_score > 'a'", None, "filter", "property geocode_score is number"),
    ("name LIKE 5", None, "filter", 'at character 11 ("5"): expected a pattern'),
    ("source_date > DATE('2026-13-01')", None, "filter", "expected a date YYYY-MM-DD"),
    ("S_INTERSECTS(geometry, BBOX(1,2,3))", None, "filter", "at character 34"),
    ("S_INTERSECTS(geometry, BBOX(5,49,4,50))", None, "filter", "min <= max"),
    ("S_INTERSECTS(geometry, POLYGON((5 49, 6 49, 6 50)))", None, "filter",
     "expected a closed ring of 4 positions"),
    ("S_INTERSECTS(geometry, POINT(500 49))", None, "filter", "within -180..180"),
    ("S_INTERSECTS(name, POINT(5 49))", None, "filter", "S_INTERSECTS takes the property geometry"),
    ("geometry = 'x'", None, "filter", "only tested by S_INTERSECTS"),
    ("name IN ()", None, "filter", "at character 10"),
    ("'a' = 'b'", None, "filter", "expected a property name"),
    ("name = 'x' @", None, "filter", 'at character 12 ("@")'),
    ("é = 'x'", None, "filter", "unknown property \"é\""),
    ("name = 'é' AND é = 1", None, "filter", "at character 16: unknown property"),
    ('{"op":"=","args":[{"property":"name"}]}', "cql2-json", "filter",
     "at the top level: expected 2 arguments for op ="),
    ('{"op":"and","args":[{"op":"=","args":[{"property":"nom"},"x"]}]}', "cql2-json",
     "filter", "at args[0]: unknown property \"nom\""),
    ('{"op":"in","args":[{"property":"name"},["a",{"x":1}]]}', "cql2-json", "filter",
     "at args[1][1]: expected a literal"),
    ('{"op":"=","args":[{"property":"name"},"x"]', "cql2-json", "filter",
     "at character 43: expected CQL2 JSON"),
    ('{"op":"xor","args":[]}', "cql2-json", "filter", "expected op one of"),
    ("name = 'x'", "cql", "filter-lang", "expected cql2-text or cql2-json"),
]


def test_errors():
    for expr, lang, param, needle in ERRORS:
        params = {"filter": expr, **({"filter-lang": lang} if lang else {})}
        doc = srv.expect_error(items_url("places", **params), 400, "InvalidParameterValue",
                               param)
        desc = (doc or {}).get("description", "")
        check(needle in desc, f"  {expr[:50]!r}: says {needle!r} (got {desc!r})")
    srv.expect_error(items_url("communes", filter="population > 1",
                               **{"filter-crs": "http://www.opengis.net/def/crs/EPSG/0/2154"}),
                     400, "InvalidParameterValue", "filter-crs")
    srv.expect_error(items_url("communes", **{"filter-lang": "cql2-text"}), 400,
                     "InvalidParameterValue", "filter-lang")
    # limits, on a server taking query strings of 8000 bytes (2048 by default)
    big = Server(API, DB, os.path.join(SRC, "map-ui"), os.path.join(WORK, "big.stderr"),
                 extra=["--max_query_len", "8000"])
    limits = [
        ("NOT " * 30 + "name = 'x'", "nested deeper than 24 levels"),
        ("(" * 30 + "name = 'x'" + ")" * 30, "nested deeper than 24 levels"),
        (" OR ".join(["TRUE"] * 129), "more than 128 predicates and operators"),
        ("name IN (" + ", ".join(f"'{i}'" for i in range(129)) + ")",
         "an IN list takes at most 128 values"),
        ("name = '" + "x" * 4100 + "'", "longer than 4096 bytes"),
        ("S_INTERSECTS(geometry, LINESTRING(" + ",".join("5 49" for i in range(513))
         + "))", "more than 512 coordinates"),
    ]
    try:
        for expr, needle in limits:
            st, _, body = big.request(items_url("places", filter=expr))
            desc = json.loads(body).get("description", "") if st == 400 else body[:80]
            check(st == 400 and needle in desc, f"limit: {needle} -> 400 ({st}: {desc[:90]!r})")
        st, _, body = big.request(items_url("places", filter=" OR ".join(["TRUE"] * 127)))
        check(st == 200, f"limit: 128 predicates and operators pass ({st})")
    finally:
        big.stop()
    deep = {"op": "not", "args": [True]}
    for _ in range(30):
        deep = {"op": "not", "args": [deep]}
    doc = srv.expect_error(items_url("places", filter=json.dumps(deep),
                                     **{"filter-lang": "cql2-json"}), 400,
                           "InvalidParameterValue", "filter")
    check("nested deeper" in (doc or {}).get("description", ""), "limit: JSON depth -> 400")


def test_declared():
    doc, _ = srv.get_json("/ogc/conformance")
    classes = set(doc["conformsTo"])
    for c in ("http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
              "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
              "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
              "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
              "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
              "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions"):
        check(c in classes, f"conformance declares {c.rsplit('/', 1)[1]}")
    check(not any("spatial-functions-plus" in c or "advanced" in c or c.endswith("/functions")
                  for c in classes), "no CQL2 class beyond what passes is declared")
    api, _ = srv.get_json("/ogc/api", "application/vnd.oai.openapi+json;version=3.0")
    params = api["components"]["parameters"]
    check(all(n in params for n in ("filter", "filter-lang", "filter-crs")),
          "OpenAPI declares filter, filter-lang, filter-crs")
    refs = [p.get("$ref", "") for p in
            api["paths"]["/collections/communes/items"]["get"]["parameters"]]
    check("#/components/parameters/filter" in refs, "OpenAPI: communes items take filter")


def test_owslib():
    w = owslib_features.Features(srv.base)
    expr = op("=", P("category"), "pharmacy")
    want = EV.select(expr, ALL["places"])
    doc = w.collection_items("places", filter=to_text(expr), limit=500)
    got = [f["id"] for f in doc["features"]]
    check(doc["numberMatched"] == len(want) and sorted(got) == sorted(want),
          f"OWSLib collection_items(filter=...): {len(got)} pharmacies = brute force "
          f"{len(want)}")
    expr = op(">=", P("places"), 267)
    doc = w.collection_items("communes", filter=json.dumps(expr), **{"filter-lang": "cql2-json"})
    want = EV.select(expr, ALL["communes"])
    check(doc["numberMatched"] == len(want), f"OWSLib: CQL2 JSON on communes ({len(want)})")


def gdal(args):
    env = dict(os.environ, CPL_DEBUG="ON")
    return subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)


def test_gdal():
    base = f"OAPIF:{srv.base}"
    where = "category = 'pharmacy' AND name LIKE 'Pharmacie a D%'"
    want = EV.select(op("and", op("=", P("category"), "pharmacy"),
                        op("like", P("name"), "Pharmacie a D%")), ALL["places"])
    r = gdal(["ogrinfo", "-ro", "-so", base, "places", "-where", where])
    fetches = [u for u in re.findall(r"Fetch\((\S+)\)", r.stderr) if "/items" in u]
    sent = [query_of(u).get("filter", [None])[0] for u in fetches]
    check(r.returncode == 0, "ogrinfo -where ran")
    check(any(s and "Pharmacie a D%" in s and "category = 'pharmacy'" in s for s in sent),
          f"GDAL pushed the whole -where down as filter= ({sent[-1:]})")
    check("Full filter will be evaluated on client side" not in r.stderr
          and "Only part of the filter" not in r.stderr, "GDAL evaluates nothing client-side")
    m = re.search(r"Feature Count: (\d+)", r.stdout)
    check(m and int(m.group(1)) == len(want),
          f"ogrinfo -where: {m.group(1) if m else None} features = brute force {len(want)}")
    out = os.path.join(WORK, "filtered.geojson")
    if os.path.exists(out):
        os.remove(out)
    where = "places > 266 AND name LIKE '%e%'"
    r = gdal(["ogr2ogr", "-f", "GeoJSON", out, base, "communes", "-where", where])
    check(r.returncode == 0, f"ogr2ogr -where ran ({r.stderr[-200:]!r})")
    sent = [query_of(u).get("filter", [None])[0]
            for u in re.findall(r"Fetch\((\S+)\)", r.stderr) if "/items" in u]
    check(any(s and "places > 266" in s and "LIKE '%e%'" in s for s in sent),
          f"ogr2ogr pushed -where down ({sent[-1:]})")
    want = EV.select(op("and", op(">", P("places"), 266), op("like", P("name"), "%e%")),
                     ALL["communes"])
    with open(out, encoding="utf-8") as f:
        got = [ft["properties"].get("id") for ft in json.load(f)["features"]]
    check(sorted(got) == sorted(want), f"ogr2ogr -where copies the {len(want)} communes of "
                                       f"the brute force ({len(got)})")


def main():
    global srv
    srv = Server(API, DB, os.path.join(SRC, "map-ui"), os.path.join(WORK, "server.stderr"))
    try:
        load_all()
        run_groups((test_table, test_combined, test_errors, test_declared, test_owslib,
                    test_gdal))
    finally:
        srv.stop()
    finish()


main()
