#!/usr/bin/env python3
"""OGC API - Features tests: the real geodir-api over the database the real importer built
(build_db.py), one group of checks per conformance class the server declares:

  core     landing page links, conformance, collections (extents from the data, licences),
           items (limit default/clamped/invalid, bbox against brute force with edges included,
           datetime instants/dates/intervals and 400s, next/prev paging over whole collections
           keeping every filter), feature by id and its 404s, unknown parameters -> 400;
  geojson  exact media type, FeatureCollection and Feature members and links, negotiation;
           the search extension (proximity, k, q) equals /api/places;
  html     media type, lang="fr", one h1, captions, th scope, no inline script or style,
           escaping; the map drawn by headless Chromium;
  oas30    the OpenAPI document: structure, every $ref resolves, every parameter has a schema,
           limit default and maximum, the extension parameters; the whole document equals
           openapi_expected.json;
  crs      crs / bbox-crs / Content-Crs, Lambert-93 coordinates against gdaltransform (< 1 cm),
           EPSG:4326 axis order, Lambert-93 boxes against brute force.

usage: test_ogc.py GEODIR_API DB SOURCE_DIR WORK_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse

sys.dont_write_bytecode = True     # nothing written into the source tree
sys.dont_write_bytecode = True   # tests write only under the build tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ogclib import (CRS84, CT_GEOJSON, CT_HTML, CT_JSON, CT_OPENAPI, EPSG2154, EPSG4326,  # noqa
                    Server, check, finish, link, load_db, load_taxonomy, qs, query_of,
                    run_groups, stored_interval, to_l93)

API, DB, SRC, WORK = sys.argv[1:5]
os.makedirs(WORK, exist_ok=True)
DEFAULT_LIMIT, MAX_LIMIT = 50, 500          # geodir-api defaults (geoapi/README.md)
CONFORMANCE = {
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
}
LICENCE_URLS = {"etalab-2.0": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
                "ODbL-1.0": "https://opendatacommons.org/licenses/odbl/1-0/"}

PLACES, ADDRESSES, COMMUNES, COMMUNE_LICENCES = load_db(DB)
TAXONOMY = load_taxonomy(SRC)
PARENT = {code: parent for code, parent, _ in TAXONOMY}
TOPS = [code for code, parent, _ in TAXONOMY if parent is None]
srv = Server(API, DB, os.path.join(SRC, "map-ui"), os.path.join(WORK, "server.stderr"))
ITEMS = "/ogc/collections/places/items"


def in_collection(p, top):
    return top is None or p["category"] == top or PARENT.get(p["category"]) == top


def all_items(target):
    """Every feature of a query, through next links (limit 500 pages)."""
    sep = "&" if "?" in target else "?"
    _, feats = srv.walk(f"{target}{sep}limit={MAX_LIMIT}")
    return feats


def ids(feats):
    return [f["id"] for f in feats]


# ---- core -------------------------------------------------------------------------------------

def test_landing():
    for path in ("/ogc/", "/ogc"):
        doc, _ = srv.get_json(path)
        check(isinstance(doc.get("title"), str) and "Territoire d'essai OGC" in doc["title"],
              f"core {path}: title names the territory")
        rels = {}
        for l in doc["links"]:
            check(all(isinstance(l.get(k), str) and l[k] for k in ("href", "rel", "type",
                                                                   "title")),
                  f"  link has href, rel, type and title: {l.get('rel')}")
            check(l["href"].startswith(srv.base), f"  link is absolute: {l['href']}")
            rels.setdefault(l["rel"], []).append(l)
        for rel, type_ in (("self", CT_JSON), ("alternate", "text/html"),
                           ("service-desc", CT_OPENAPI), ("service-doc", "text/html"),
                           ("conformance", CT_JSON), ("data", CT_JSON)):
            check(any(l["type"] == type_ for l in rels.get(rel, [])),
                  f"core {path}: link rel={rel} type={type_}")
    # The links clients extend have no query string (QGIS appends /{collectionId}).
    data = link(doc, "data")
    check(data == srv.base + "/collections", f"core: data link is {srv.base}/collections")
    check(link(doc, "conformance") == srv.base + "/conformance", "core: conformance link")
    st, hdrs, _ = srv.request(link(doc, "service-desc"), {"Accept": CT_OPENAPI})
    check(st == 200 and hdrs.get("content-type") == CT_OPENAPI,
          "core: service-desc answers the OpenAPI media type")
    st, hdrs, _ = srv.request(link(doc, "service-doc"))
    check(st == 200 and hdrs.get("content-type") == CT_HTML, "core: service-doc answers HTML")


def test_conformance():
    doc, _ = srv.get_json("/ogc/conformance")
    check(set(doc["conformsTo"]) == CONFORMANCE and len(doc["conformsTo"]) == 12,
          f"core: conformsTo is exactly the 12 classes ({doc['conformsTo']})")


def expected_collections():
    return ["places"] + [f"places-{c}" for c in TOPS] + ["communes", "addresses"]


def extent_of(points):
    return [min(p["lon"] for p in points), min(p["lat"] for p in points),
            max(p["lon"] for p in points), max(p["lat"] for p in points)]


def test_collections():
    doc, _ = srv.get_json("/ogc/collections")
    got = [c["id"] for c in doc["collections"]]
    check(got == expected_collections(), f"core: collections {got}")
    check(set(doc.get("crs", [])) == {CRS84, EPSG4326, EPSG2154}, "crs: global crs list")
    for c in doc["collections"]:
        cid = c["id"]
        rels = {(l["rel"], l["type"]) for l in c["links"]}
        for need in (("self", CT_JSON), ("alternate", "text/html"), ("items", CT_GEOJSON),
                     ("items", "text/html")):
            check(need in rels, f"core {cid}: link {need}")
        check(link(c, "items", CT_GEOJSON) == f"{srv.base}/collections/{cid}/items",
              f"core {cid}: items link without query")
        check(c.get("itemType") == "feature", f"core {cid}: itemType feature")
        check(c.get("crs") == [CRS84, EPSG4326, EPSG2154] and c.get("storageCrs") == CRS84,
              f"crs {cid}: crs list and storageCrs")
        one, _ = srv.get_json(f"/ogc/collections/{cid}")
        check(one == c, f"core {cid}: /collections/{cid} equals its entry in /collections")
        licences = {l["href"] for l in c["links"] if l["rel"] == "license"}
        if cid.startswith("places"):
            top = None if cid == "places" else cid[len("places-"):]
            mine = [p for p in PLACES if in_collection(p, top)]
            want = extent_of(mine)
            bbox = c["extent"]["spatial"]["bbox"][0]
            check(all(abs(a - b) < 1e-7 for a, b in zip(bbox, want)),
                  f"core {cid}: spatial extent from the data {bbox} = {want}")
            check(c["extent"]["spatial"]["crs"] == CRS84, f"core {cid}: extent in CRS84")
            iv = [stored_interval(p["source_date"]) for p in mine]
            start = min(i[0] for i in iv)
            end = max(i[1] for i in iv) - 1
            import datetime
            fmt = "%Y-%m-%dT%H:%M:%SZ"
            want_t = [datetime.datetime.fromtimestamp(start, datetime.timezone.utc).strftime(fmt),
                      datetime.datetime.fromtimestamp(end, datetime.timezone.utc).strftime(fmt)]
            check(c["extent"]["temporal"]["interval"] == [want_t],
                  f"core {cid}: temporal extent = source dates {want_t}")
            check(licences == {LICENCE_URLS[p["licence"]] for p in mine},
                  f"core {cid}: licence links of its records")
        elif cid == "addresses":
            want = extent_of(ADDRESSES)
            bbox = c["extent"]["spatial"]["bbox"][0]
            check(all(abs(a - b) < 1e-7 for a, b in zip(bbox, want)),
                  f"core addresses: spatial extent {bbox} = {want}")
            check("temporal" not in c["extent"], "core addresses: no temporal extent (no dates)")
            check(licences == {LICENCE_URLS[a["licence"]] for a in ADDRESSES}
                  and len(licences) == 2, "core addresses: licence links etalab-2.0 and ODbL")
        else:
            check("temporal" not in c["extent"], "core communes: no temporal extent")
            check(licences == {LICENCE_URLS[x] for x in COMMUNE_LICENCES},
                  "core communes: licence link")
    srv.expect_error("/ogc/collections/nothing", 404, "NotFound")
    srv.expect_error("/ogc/collections/nothing/items", 404, "NotFound")


def test_limit():
    doc, _ = srv.get_json(ITEMS, CT_GEOJSON)
    check(doc["numberMatched"] == len(PLACES), f"core: numberMatched = {len(PLACES)} places")
    check(doc["numberReturned"] == DEFAULT_LIMIT == len(doc["features"]),
          f"core: default limit {DEFAULT_LIMIT}")
    doc, _ = srv.get_json(f"{ITEMS}?limit=7", CT_GEOJSON)
    check(len(doc["features"]) == 7 == doc["numberReturned"], "core: limit=7 gives 7")
    doc, _ = srv.get_json(f"{ITEMS}?limit=100000", CT_GEOJSON)
    check(len(doc["features"]) == MAX_LIMIT, f"core: limit above the maximum is clamped to "
                                             f"{MAX_LIMIT}, not refused")
    for bad in ("0", "-1", "abc", "1.5", ""):
        srv.expect_error(f"{ITEMS}?limit={bad}", 400, "InvalidParameterValue", "limit")


def test_paging():
    pages, feats = srv.walk(f"{ITEMS}?limit=97")
    got = ids(feats)
    check(len(got) == len(set(got)), "core paging: no feature twice")
    check(set(got) == {p["id"] for p in PLACES}, f"core paging: next links walk the whole "
                                                 f"collection ({len(got)} of {len(PLACES)})")
    check(len(pages) == -(-len(PLACES) // 97), f"core paging: {len(pages)} pages of 97")
    check(all(p["numberReturned"] == len(p["features"]) for p in pages),
          "core paging: numberReturned counts each page")
    check(link(pages[0], "prev") is None and link(pages[-1], "next") is None,
          "core paging: no prev on the first page, no next on the last")
    # Back from the last page with prev links: the same pages in reverse.
    last_self = link(pages[-1], "self")
    back, _ = srv.walk(last_self, rel="prev")
    check([ids(p["features"]) for p in back] == [ids(p["features"]) for p in reversed(pages)],
          "core paging: prev links give the same pages back")
    # Every filter travels with next (MapServer drops bbox: we must not).
    target = (f"{ITEMS}?{qs(bbox='5.05,48.88,5.2,49.02', datetime='../2026-03-01')}"
              "&category=health,shops&limit=11")
    pages, feats = srv.walk(target)
    first_q = query_of(target)
    for p in pages[:-1]:
        nq = query_of(link(p, "next"))
        kept = all(nq.get(k) == first_q[k] for k in ("bbox", "datetime", "category", "limit"))
        if not kept:
            check(False, f"core paging: next keeps bbox, datetime, category, limit ({nq})")
            break
    else:
        check(len(pages) > 2, f"core paging: next keeps every filter over {len(pages)} pages")
    want = [p for p in PLACES if 5.05 <= p["lon"] <= 5.2 and 48.88 <= p["lat"] <= 49.02
            and (in_collection(p, "health") or in_collection(p, "shops"))
            and stored_interval(p["source_date"])[0] < days_to_s(2026, 3, 2)]
    check(sorted(ids(feats)) == sorted(p["id"] for p in want)
          and pages[0]["numberMatched"] == len(want),
          f"core paging: filtered walk = brute force ({len(feats)} / {len(want)})")


def days_to_s(y, m, d):
    from ogclib import days_from_civil
    return days_from_civil(y, m, d) * 86400


def test_bbox():
    exact = next(p for p in PLACES if p["id"] == "local:x+y@z")
    boxes = [(5.05, 48.9, 5.12, 48.98), (5.15, 48.95, 5.2, 49.0),   # edge on a place
             (5.0, 48.9, 5.15, 48.95), (5.15, 48.95, 5.15, 48.95),     # a box of no area
             (6.0, 45.0, 6.1, 45.1), (-180, -90, 180, 90)]
    for b in boxes:
        bbox = ",".join(repr(v) for v in b)
        feats = all_items(f"{ITEMS}?{qs(bbox=bbox)}")
        want = {p["id"] for p in PLACES
                if b[0] <= p["lon"] <= b[2] and b[1] <= p["lat"] <= b[3]}
        check(set(ids(feats)) == want and len(feats) == len(want),
              f"core bbox={bbox}: {len(want)} places, edges included")
    check(exact["lon"] == 5.15 and exact["lat"] == 48.95, "fixture: the place on the edges")
    for c in ("places-health", "communes", "addresses"):
        srv.get_json(f"/ogc/collections/{c}/items?bbox=5.0,48.9,5.1,49.0", CT_GEOJSON)
    feats = all_items("/ogc/collections/addresses/items?bbox=5.1,48.9,5.2,49.0")
    want = {a["id"] for a in ADDRESSES if 5.1 <= a["lon"] <= 5.2 and 48.9 <= a["lat"] <= 49.0}
    check(set(ids(feats)) == want, f"core: addresses bbox = brute force ({len(want)})")
    for bad in ("1,2,3", "1,2,3,4,5", "5.2,48.9,5.1", "a,b,c,d", "5,49,6,48", "5,91,6,92",
                "1,2,3,4,5,6"):
        srv.expect_error(f"{ITEMS}?{qs(bbox=bad)}", 400, "InvalidParameterValue", "bbox")


def test_datetime():
    def brute(lo, hi):
        return {p["id"] for p in PLACES
                if stored_interval(p["source_date"])[0] < hi and lo < stored_interval(
                    p["source_date"])[1]}
    D = days_to_s
    t_recent = D(2026, 9, 30) + 8 * 3600 + 30 * 60
    cases = [
        ("2025-06-01", D(2025, 6, 1), D(2025, 6, 2)),
        ("2026-02-15T12:00:00Z", D(2026, 2, 15) + 43200, D(2026, 2, 15) + 43201),
        ("2026-09-30T08:30:00Z", t_recent, t_recent + 1),
        ("2026-09-30T08:30:01Z", t_recent + 1, t_recent + 2),
        ("2026-09-30T10:30:00+02:00", t_recent, t_recent + 1),
        ("2026-09-30", D(2026, 9, 30), D(2026, 10, 1)),
        ("2025-01-01/2026-01-01", D(2025, 1, 1), D(2026, 1, 2)),
        ("../2026-02-15", -2**62, D(2026, 2, 16)),
        ("/2025-06-01", -2**62, D(2025, 6, 2)),
        ("2026-02-16/..", D(2026, 2, 16), 2**62),
        ("2026-01-01/", D(2026, 1, 1), 2**62),
        ("2026-02-15T00:00:00.5Z/2026-09-30T08:30:00Z", D(2026, 2, 15), t_recent + 1),
    ]
    for value, lo, hi in cases:
        feats = all_items(f"{ITEMS}?{qs(datetime=value)}")
        want = brute(lo, hi)
        check(set(ids(feats)) == want and len(feats) == len(want),
              f"core datetime={value}: {len(want)} places")
    # Features without temporal values (communes, addresses) match every datetime.
    doc, _ = srv.get_json("/ogc/collections/communes/items?datetime=1999-01-01", CT_GEOJSON)
    check(doc["numberMatched"] == len(COMMUNES), "core datetime: communes (no dates) all kept")
    doc, _ = srv.get_json("/ogc/collections/addresses/items?datetime=1999-01-01", CT_GEOJSON)
    check(doc["numberMatched"] == len(ADDRESSES), "core datetime: addresses (no dates) all kept")
    for bad in ("2026-13-01", "2026-02-30", "yesterday", "2026-01-01/2025-01-01", "../..", "/",
                "2026-01-01T25:00:00Z", "2026-01-01T10:00:00", "2026-01-01/2026-02-01/2026-03-01",
                "2026-1-01", "2026-01-01T10:00Z"):
        srv.expect_error(f"{ITEMS}?{qs(datetime=bad)}", 400, "InvalidParameterValue",
                         "datetime")


def test_feature_by_id():
    pid = "local:x+y@z"
    enc = urllib.parse.quote(pid, safe="")
    doc, _ = srv.get_json(f"{ITEMS}/{enc}", CT_GEOJSON)
    check(doc["type"] == "Feature" and doc["id"] == pid, "core: feature by id (encoded id)")
    check(doc["properties"]["name"] == "Épicerie « <b>Chez Zoé</b> » & fils",
          "core: the feature's properties")
    srv.get_json(f"/ogc/collections/places-shops/items/{enc}", CT_GEOJSON)
    srv.expect_error(f"/ogc/collections/places-health/items/{enc}", 404, "NotFound")
    srv.expect_error(f"{ITEMS}/local%3Anope", 404, "NotFound")
    srv.expect_error("/ogc/collections/communes/items/99999", 404, "NotFound")
    srv.expect_error("/ogc/collections/addresses/items/nocolon", 404, "NotFound")
    srv.expect_error("/ogc/collections/addresses/items/bano%3Anope", 404, "NotFound")
    a = ADDRESSES[0]
    doc, _ = srv.get_json(f"/ogc/collections/addresses/items/{urllib.parse.quote(a['id'])}",
                          CT_GEOJSON)
    check(doc["id"] == a["id"], "core: an address by id")
    doc, _ = srv.get_json(f"/ogc/collections/communes/items/{COMMUNES[0]}", CT_GEOJSON)
    check(doc["id"] == COMMUNES[0] and doc["geometry"]["type"] == "MultiPolygon",
          "core: a commune by INSEE code, with its boundary")


def test_unknown_parameters():
    srv.expect_error(f"{ITEMS}?foo=1", 400, "UnknownParameter", "foo")
    srv.expect_error(f"{ITEMS}/local%3Aquote?limit=3", 400, "UnknownParameter", "limit")
    srv.expect_error("/ogc/collections?bbox=1,2,3,4", 400, "UnknownParameter", "bbox")
    srv.expect_error("/ogc/?limit=3", 400, "UnknownParameter", "limit")
    srv.expect_error("/ogc/conformance?bbox-crs=x", 400, "UnknownParameter", "bbox-crs")
    # The search parameters are declared (without effect) on the description resources.
    for target in ("/ogc/?lat=48.9&lon=5.1", "/ogc/collections?q=x&radius=9",
                   "/ogc/collections/places?category=gp", "/ogc/conformance?k=3"):
        st, _, _ = srv.request(target)
        check(st == 200, f"core: {target} -> 200 (declared extension, ignored here)")
    srv.expect_error("/ogc/collections/communes/items?q=mairie", 400, "UnknownParameter", "q")
    srv.expect_error("/ogc/collections/addresses/items?lat=48.9&lon=5.1", 400,
                     "UnknownParameter", "lat")
    srv.expect_error(f"{ITEMS}?limit=3&limit=4", 400, "RepeatedParameter", "limit")
    srv.expect_error(f"{ITEMS}?f=xml", 400, "InvalidParameterValue", "f")
    srv.expect_error(f"{ITEMS}?cursor=abc", 400, "InvalidParameterValue", "cursor")
    srv.expect_error("/ogc/collections/communes/items?cursor=a.zz", 400,
                     "InvalidParameterValue", "cursor")
    srv.expect_error("/ogc/collections/addresses/items?cursor=a.-3", 400,
                     "InvalidParameterValue", "cursor")
    srv.expect_error(f"{ITEMS}?sortby=-name", 400, "InvalidParameterValue", "sortby")
    srv.expect_error(f"{ITEMS}?sortby=distance", 400, "InvalidParameterValue", "sortby")
    srv.expect_error(f"{ITEMS}?radius=100", 400, "InvalidParameterValue", "radius")
    srv.expect_error(f"{ITEMS}?category=nope", 400, "InvalidParameterValue", "category")
    srv.expect_error(f"{ITEMS}?commune=75056", 400, "InvalidParameterValue", "commune")
    srv.expect_error("/ogc/conformance", 406, "NotAcceptable", headers={"Accept": "image/png"})


def test_other_collections_paging():
    for cid, want, n in (("communes", COMMUNES, 2), ("addresses", [a["id"] for a in ADDRESSES],
                                                     9)):
        pages, feats = srv.walk(f"/ogc/collections/{cid}/items?limit={n}")
        check(ids(feats) == sorted(want) if cid == "communes" else
              sorted(ids(feats)) == sorted(want) and len(feats) == len(want),
              f"core {cid}: next walks all {len(want)} in {len(pages)} pages")
        back, _ = srv.walk(link(pages[-1], "self"), rel="prev")
        check([ids(p["features"]) for p in back] == [ids(p["features"]) for p in reversed(pages)],
              f"core {cid}: prev walks back")
    pages, feats = srv.walk("/ogc/collections/addresses/items?limit=4&bbox=5.0,48.9,5.2,49.0")
    want = {a["id"] for a in ADDRESSES if 5.0 <= a["lon"] <= 5.2 and 48.9 <= a["lat"] <= 49.0}
    check(set(ids(feats)) == want and pages[0]["numberMatched"] == len(want),
          f"core addresses: bbox walk with paging = brute force ({len(want)})")


# ---- geojson ------------------------------------------------------------------------------------

def test_geojson():
    for headers, target in (({"Accept": CT_GEOJSON}, ITEMS), ({"Accept": CT_JSON}, ITEMS),
                            ({}, ITEMS + "?f=json"), ({}, ITEMS + "?f=geojson"),
                            ({"Accept": "text/html;q=0.5, application/geo+json"}, ITEMS)):
        st, hdrs, body = srv.request(target + ("&" if "?" in target else "?") + "limit=3",
                                     headers)
        check(st == 200 and hdrs.get("content-type") == CT_GEOJSON,
              f"geojson: {target} {headers} -> exactly application/geo+json "
              f"(got {hdrs.get('content-type')})")
    doc, _ = srv.get_json(f"{ITEMS}?limit=3", CT_GEOJSON)
    check(doc["type"] == "FeatureCollection" and isinstance(doc.get("timeStamp"), str)
          and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["timeStamp"]) is not None,
          "geojson: FeatureCollection with timeStamp")
    for f in doc["features"]:
        ok = (f["type"] == "Feature" and isinstance(f["id"], str)
              and f["geometry"]["type"] == "Point" and len(f["geometry"]["coordinates"]) == 2
              and isinstance(f["properties"], dict) and "licence" in f["properties"])
        check(ok, f"geojson: feature {f['id']} is a Feature with a Point and properties")
    for rel, type_ in (("self", CT_GEOJSON), ("alternate", "text/html"), ("next", CT_GEOJSON),
                       ("collection", CT_JSON)):
        check(link(doc, rel, type_) is not None, f"geojson: items link {rel} {type_}")
    doc, _ = srv.get_json(f"{ITEMS}/local%3Aquote", CT_GEOJSON)
    for rel, type_ in (("self", CT_GEOJSON), ("alternate", "text/html"),
                       ("collection", CT_JSON)):
        check(link(doc, rel, type_) is not None, f"geojson: feature link {rel} {type_}")
    # The search extension answers what /api/places answers.
    for params in ({"lat": 48.95, "lon": 5.15, "radius": 3000},
                   {"lat": 48.9, "lon": 5.1, "k": 7},
                   {"q": "pharmacie", "limit": 20},
                   {"q": "boulangerie dupont", "lat": 48.95, "lon": 5.15},
                   {"category": "gp", "commune": "55532", "limit": 500}):
        ogc = all_items(f"{ITEMS}?{qs(**params)}") if "limit" not in params else \
            srv.get_json(f"{ITEMS}?{qs(**params)}", CT_GEOJSON)[0]["features"]
        api, _ = srv.get_json(f"/api/places?{qs(**{'limit': 500, **params})}", CT_GEOJSON)
        check(ids(ogc) == ids(api["features"]),
              f"geojson: extension {params} answers as /api/places ({len(ogc)})")
        if "lat" in params and ogc:
            check(all(abs(a["properties"]["distance_m"] - b["properties"]["distance_m"]) < 0.05
                      for a, b in zip(ogc, api["features"])), "  with the same distances")
    doc, _ = srv.get_json(f"{ITEMS}?{qs(lat=48.95, lon=5.15, radius=3000, sortby='+name')}",
                          CT_GEOJSON)
    names = [f["properties"]["name"] for f in doc["features"]]
    check(len(names) > 3, "geojson: sortby=+name with a radius")
    doc, _ = srv.get_json(f"{ITEMS}?open_now=true&limit=1", CT_GEOJSON)
    doc, _ = srv.get_json(f"{ITEMS}?properties=name,licence&limit=2", CT_GEOJSON)
    check(all(set(f["properties"]) == {"name", "licence"} for f in doc["features"]),
          "geojson: properties=name,licence")
    doc, _ = srv.get_json("/ogc/collections/places-health/items?category=pharmacy&limit=500",
                          CT_GEOJSON)
    want = [p for p in PLACES if p["category"] == "pharmacy"]
    check(doc["numberMatched"] == len(want), "geojson: category within a category collection")
    doc, _ = srv.get_json("/ogc/collections/places-health/items?category=station", CT_GEOJSON)
    check(doc["numberMatched"] == 0, "geojson: a category outside the collection matches none")


# ---- html ----------------------------------------------------------------------------------

def html_checks(target, what):
    st, hdrs, body = srv.request(target, {"Accept": "text/html,application/xhtml+xml,"
                                                     "application/xml;q=0.9,*/*;q=0.8"})
    text = body.decode("utf-8")
    check(st == 200 and hdrs.get("content-type") == CT_HTML,
          f"html {what}: 200 text/html; charset=utf-8 (got {st} {hdrs.get('content-type')})")
    check(text.startswith("<!DOCTYPE html>") and '<html lang="fr">' in text,
          f"html {what}: doctype and lang=fr")
    check(text.count("<h1>") == 1, f"html {what}: one h1")
    check(text.count("<table>") == text.count("<caption>"), f"html {what}: tables have captions")
    check(all("scope=" in th for th in re.findall(r"<th(?:\s[^>]*)?>", text)),
          f"html {what}: every th has a scope")
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=", text)
    check(not inline, f"html {what}: no inline script or style ({inline[:2]})")
    check('href="#contenu"' in text and 'id="contenu"' in text, f"html {what}: skip link")
    st2, hdrs2, body2 = srv.request(target + ("&" if "?" in target else "?") + "f=html")
    check(st2 == 200 and hdrs2.get("content-type") == CT_HTML, f"html {what}: f=html")
    return text


def test_html():
    for target, what in (("/ogc/", "landing"), ("/ogc/conformance", "conformance"),
                         ("/ogc/api", "api"), ("/ogc/collections", "collections"),
                         ("/ogc/collections/places-health", "collection"),
                         ("/ogc/collections/places-health/queryables", "queryables"),
                         ("/ogc/collections/communes/schema", "schema"),
                         (f"{ITEMS}?limit=5", "items"),
                         ("/ogc/collections/communes/items", "communes items"),
                         ("/ogc/collections/addresses/items?limit=5", "addresses items"),
                         (f"{ITEMS}/local%3Ax%2By%40z", "item")):
        text = html_checks(target, what)
        if what == "item":
            check("&lt;b&gt;Chez Zoé&lt;/b&gt; » &amp; fils" in text and "<b>Chez" not in text,
                  "html item: data is escaped")
        if what == "items":
            check(text.count('<tr><th scope="row">') == 5, "html items: one row per feature")
            check('rel="next"' in text, "html items: a link to the next page")
    st, hdrs, body = srv.request("/ogc/collections", {"Accept": "text/html"})
    check(b"<td class=\"ogc-num\">%d</td>" % len(PLACES) in body,
          "html collections: the count of places")
    st, hdrs, body = srv.request("/ogc.js")
    check(st == 200 and hdrs.get("content-type", "").startswith("text/javascript"),
          "html: /ogc.js served")
    st, hdrs, body = srv.request("/ogc.css")
    check(st == 200 and hdrs.get("content-type", "").startswith("text/css"),
          "html: /ogc.css served")


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def test_browser_map():
    exe = chromium()
    if not check(exe is not None, "html: a headless Chromium is installed (Debian chromium)"):
        return
    profile = os.path.join(WORK, "chromium-profile")
    for target, n in ((f"{ITEMS}?limit=9&f=html", 9), (f"{ITEMS}/local%3Aquote?f=html", 1),
                      ("/ogc/collections/communes/items?f=html", len(COMMUNES))):
        run = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                              f"--user-data-dir={profile}", "--virtual-time-budget=8000",
                              "--enable-logging=stderr", "--v=0", "--dump-dom",
                              f"http://127.0.0.1:{srv.port}{target}"],
                             capture_output=True, text=True, timeout=120)
        m = re.search(r'data-ready="(\d+)"', run.stdout)
        check(m is not None and int(m.group(1)) == n,
              f"html map: Chromium draws {n} features on {target} "
              f"(got {m.group(1) if m else None})")
        check("Content Security Policy" not in run.stderr,
              f"html map: no CSP violation on {target}")
        check(run.stdout.count("leaflet-interactive") >= n, f"html map: {n} shapes on the map")


# ---- oas30 -----------------------------------------------------------------------------------

SCHEMA_KEYS = {"type", "format", "enum", "minimum", "maximum", "default", "items",
               "properties", "required", "minItems", "maxItems", "minLength", "maxLength",
               "pattern", "nullable", "oneOf", "allOf", "anyOf", "description", "$ref",
               "additionalProperties", "title", "example"}


def resolve(doc, ref):
    if not ref.startswith("#/"):
        return None
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def first_difference(a, b, where="#"):
    """Where the JSON values a and b first differ (key order aside), or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{where}/{k}: only in {'the document' if k in b else 'the expectation'}"
            d = first_difference(a[k], b[k], f"{where}/{k}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{where}: {len(b)} items, {len(a)} expected"
        return next((d for d in (first_difference(x, y, f"{where}/{i}")
                                 for i, (x, y) in enumerate(zip(a, b))) if d), None)
    return None if a == b and type(a) is type(b) else f"{where}: {b!r:.80} != {a!r:.80}"


def test_openapi():
    st, hdrs, body = srv.request("/ogc/api", {"Accept": CT_OPENAPI})
    check(st == 200 and hdrs.get("content-type") == CT_OPENAPI,
          f"oas30: /ogc/api is {CT_OPENAPI}")
    doc = json.loads(body)
    for headers in ({"Accept": CT_JSON}, {}):
        st, hdrs, _ = srv.request("/ogc/api", headers)
        check(st == 200 and hdrs.get("content-type") == CT_OPENAPI,
              f"oas30: Accept {headers} -> the OpenAPI document")
    check(re.fullmatch(r"3\.0\.\d+", doc.get("openapi", "")) is not None, "oas30: openapi 3.0.x")
    check(isinstance(doc["info"].get("title"), str) and isinstance(doc["info"].get("version"),
                                                                   str), "oas30: info")
    check(doc["servers"][0]["url"] == srv.base, "oas30: servers[0] is this server")
    refs = []

    def collect(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "$ref":
                    refs.append(v)
                else:
                    collect(v)
        elif isinstance(node, list):
            for v in node:
                collect(v)

    collect(doc)
    bad = [r for r in refs if resolve(doc, r) is None]
    check(refs and not bad, f"oas30: all {len(refs)} $ref resolve ({bad[:3]})")

    def check_schema(s, where):
        if "$ref" in s:
            s = resolve(doc, s["$ref"]) or {}
        extra = set(s) - SCHEMA_KEYS - {k for k in s if k.startswith("x-")}
        if extra:
            check(False, f"oas30: schema keys {extra} at {where}")
            return False
        if "type" in s and s["type"] not in ("string", "number", "integer", "boolean",
                                             "array", "object"):
            check(False, f"oas30: schema type {s['type']} at {where}")
            return False
        if s.get("type") == "array" and "items" not in s:
            check(False, f"oas30: array without items at {where}")
            return False
        ok = True
        for k in ("items",):
            if k in s:
                ok = check_schema(s[k], where + "/" + k) and ok
        for name, sub in s.get("properties", {}).items():
            ok = check_schema(sub, f"{where}/properties/{name}") and ok
        for k in ("oneOf", "allOf", "anyOf"):
            for i, sub in enumerate(s.get(k, [])):
                ok = check_schema(sub, f"{where}/{k}/{i}") and ok
        return ok

    op_ids, n_ops, params_ok = set(), 0, True
    for path, item in doc["paths"].items():
        for method, op in item.items():
            n_ops += 1
            oid = op.get("operationId")
            if oid in op_ids:
                check(False, f"oas30: operationId {oid} unique")
            op_ids.add(oid)
            if not op.get("responses") or "200" not in op["responses"]:
                check(False, f"oas30: {path} has a 200 response")
            names = set()
            for p in op.get("parameters", []):
                p = resolve(doc, p["$ref"]) if "$ref" in p else p
                if not (p and p.get("name") and p.get("in") in ("query", "path", "header")
                        and "schema" in p and check_schema(p["schema"], path)):
                    params_ok = check(False, f"oas30: {path} parameter {p} has name, in and "
                                             f"schema")
                    continue
                if p["in"] == "path":
                    names.add(p["name"])
                    if p.get("required") is not True:
                        params_ok = check(False, f"oas30: path parameter {p['name']} required")
            if names != set(re.findall(r"\{([^}]+)\}", path)):
                params_ok = check(False, f"oas30: {path} declares its path parameters")
            for code, resp in op["responses"].items():
                resp = resolve(doc, resp["$ref"]) if "$ref" in resp else resp
                for mt, c in (resp or {}).get("content", {}).items():
                    check_schema(c.get("schema", {}), f"{path} {code} {mt}")
    check(params_ok, f"oas30: every parameter of the {n_ops} operations has a schema")
    for name, s in doc["components"]["schemas"].items():
        check_schema(s, f"components/schemas/{name}")
    limit = doc["components"]["parameters"]["limit"]["schema"]
    check(limit.get("maximum") == MAX_LIMIT and limit.get("default") == DEFAULT_LIMIT
          and limit.get("minimum") == 1,
          f"oas30: limit default {DEFAULT_LIMIT}, maximum {MAX_LIMIT} declared")
    for cid in expected_collections():
        check(f"/collections/{cid}/items" in doc["paths"], f"oas30: items path of {cid}")
    places_params = {resolve(doc, p["$ref"])["name"]: resolve(doc, p["$ref"])
                     for p in doc["paths"]["/collections/places/items"]["get"]["parameters"]}
    for name in ("lat", "lon", "radius", "k", "q", "category", "commune", "open_now", "sortby",
                 "properties"):
        check(name in places_params and places_params[name].get("x-geodir-extension") is True,
              f"oas30: extension parameter {name} declared on places")
    for name in ("limit", "bbox", "bbox-crs", "datetime", "crs", "f"):
        check(name in places_params, f"oas30: parameter {name} declared on places")
    communes_params = {resolve(doc, p["$ref"])["name"]
                       for p in doc["paths"]["/collections/communes/items"]["get"]["parameters"]}
    check("q" not in communes_params and "lat" not in communes_params,
          "oas30: communes do not declare the places extension")
    # The whole document, against the one the server wrote before it came from
    # geoapi/ogc/openapi.json (this server's URL aside).
    with open(os.path.join(SRC, "tests", "ogc", "openapi_expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    expected["servers"][0]["url"] = srv.base
    diff = first_difference(expected, doc)
    check(diff is None, f"oas30: the document is tests/ogc/openapi_expected.json ({diff})")


# ---- crs --------------------------------------------------------------------------------------

def test_crs():
    doc, hdrs = srv.get_json(f"{ITEMS}?limit=5", CT_GEOJSON)
    check(hdrs.get("content-crs") == f"<{CRS84}>", "crs: Content-Crs CRS84 by default")
    base = {f["id"]: f["geometry"]["coordinates"] for f in all_items(ITEMS)}
    feats = all_items(f"{ITEMS}?{qs(crs=EPSG2154)}")
    st, hdrs, _ = srv.request(f"{ITEMS}?{qs(crs=EPSG2154, limit=1)}")
    check(hdrs.get("content-crs") == f"<{EPSG2154}>", "crs: Content-Crs EPSG:2154")
    exact = {p["id"]: (p["lon"], p["lat"]) for p in PLACES}   # the stored doubles
    order = [f["id"] for f in feats]
    ref = to_l93([exact[i] for i in order])
    worst = max(max(abs(f["geometry"]["coordinates"][0] - r[0]),
                    abs(f["geometry"]["coordinates"][1] - r[1])) for f, r in zip(feats, ref))
    check(len(feats) == len(PLACES) and worst <= 0.002,
          f"crs: {len(feats)} Lambert-93 points within 2 mm of gdaltransform "
          f"(worst {worst * 1000:.2f} mm)")
    feats = all_items(f"{ITEMS}?{qs(crs=EPSG4326)}")
    check(all(f["geometry"]["coordinates"] == [base[f["id"]][1], base[f["id"]][0]]
              for f in feats), "crs: EPSG:4326 coordinates in lat, lon order")
    doc, hdrs = srv.get_json(f"{ITEMS}/local%3Aquote?{qs(crs=EPSG2154)}", CT_GEOJSON)
    check(hdrs.get("content-crs") == f"<{EPSG2154}>", "crs: one feature in EPSG:2154")
    # Communes: every vertex of the boundaries in Lambert-93.
    c84, _ = srv.get_json("/ogc/collections/communes/items", CT_GEOJSON)
    c93, _ = srv.get_json(f"/ogc/collections/communes/items?{qs(crs=EPSG2154)}", CT_GEOJSON)

    def vertices(g):
        out = []

        def walk(a):
            if a and isinstance(a[0], (int, float)):
                out.append(tuple(a))
            else:
                for b in a:
                    walk(b)
        walk(g["coordinates"])
        return out
    v84 = [v for f in c84["features"] for v in vertices(f["geometry"])]
    v93 = [v for f in c93["features"] for v in vertices(f["geometry"])]
    # Reference: the boundaries' vertices as the fixture file gives them (exact decimals).
    with open(os.path.join(SRC, "tests", "http", "fixtures", "communes.geojson"),
              encoding="utf-8") as f:
        src = [v for feat in json.load(f)["features"] for v in vertices(feat["geometry"])]
    ref = to_l93(src)
    worst = max(min(max(abs(a[0] - b[0]), abs(a[1] - b[1])) for b in ref) for a in v93)
    check(len(v93) == len(v84) and worst <= 0.002,
          f"crs: {len(v93)} commune vertices within 2 mm in Lambert-93 "
          f"({worst * 1000:.2f} mm)")
    # bbox-crs: Lambert-93 boxes against brute force on gdaltransform's coordinates.
    pts = to_l93([(p["lon"], p["lat"]) for p in PLACES])
    for box in ((845000, 6860000, 860000, 6880000), (830000, 6850000, 870000, 6890000),
                (857451.29, 6874370.02, 857451.31, 6874370.04)):
        margin = min(min(abs(x - box[0]), abs(x - box[2]), abs(y - box[1]), abs(y - box[3]))
                     for x, y in pts)
        want = {p["id"] for p, (x, y) in zip(PLACES, pts)
                if box[0] <= x <= box[2] and box[1] <= y <= box[3]}
        got = all_items(f"{ITEMS}?{qs(bbox=','.join(map(str, box)), **{'bbox-crs': EPSG2154})}")
        check(set(ids(got)) == want and margin > 0.001,
              f"crs: bbox-crs=EPSG:2154 {box}: {len(want)} places (margin {margin:.4f} m)")
    addr = to_l93([(a["lon"], a["lat"]) for a in ADDRESSES])
    box = (845000, 6860000, 860000, 6880000)
    want = {a["id"] for a, (x, y) in zip(ADDRESSES, addr)
            if box[0] <= x <= box[2] and box[1] <= y <= box[3]}
    got = all_items("/ogc/collections/addresses/items?"
                    f"{qs(bbox=','.join(map(str, box)), **{'bbox-crs': EPSG2154})}")
    check(set(ids(got)) == want, f"crs: addresses in a Lambert-93 box ({len(want)})")
    (x, y), = to_l93([(5.12, 48.935)])           # inside the boundary of 55532 only
    box = f"{x:.2f},{y:.2f},{x + 1:.2f},{y + 1:.2f}"
    got = all_items(f"/ogc/collections/communes/items?{qs(bbox=box, **{'bbox-crs': EPSG2154})}")
    check(ids(got) == ["55532"], f"crs: a 1 m Lambert-93 box meets commune 55532 ({ids(got)})")
    got = all_items("/ogc/collections/communes/items?"
                    f"{qs(bbox='100000,6200000,100001,6200001', **{'bbox-crs': EPSG2154})}")
    check(len(got) == 0, "crs: a Lambert-93 box in Brittany meets no commune")
    # EPSG:4326 boxes are lat,lon.
    a = {f["id"] for f in all_items(f"{ITEMS}?{qs(bbox='5.05,48.9,5.12,48.98')}")}
    b = {f["id"] for f in all_items(
        f"{ITEMS}?{qs(bbox='48.9,5.05,48.98,5.12', **{'bbox-crs': EPSG4326})}")}
    check(a == b and a, "crs: bbox-crs=EPSG:4326 reads lat,lon")
    srv.expect_error(f"{ITEMS}?crs=EPSG:2154", 400, "InvalidParameterValue", "crs")
    srv.expect_error(f"{ITEMS}?{qs(bbox='1,2,3,4', **{'bbox-crs': 'EPSG:3857'})}", 400,
                     "InvalidParameterValue", "bbox-crs")
    srv.expect_error(f"{ITEMS}?{qs(**{'bbox-crs': EPSG2154})}", 400, "InvalidParameterValue",
                     "bbox-crs")
    srv.expect_error(f"{ITEMS}?{qs(bbox='5,48,6,49', **{'bbox-crs': EPSG2154})}", 400,
                     "InvalidParameterValue", "bbox")


def main():
    tests = [test_landing, test_conformance, test_collections, test_limit, test_paging,
             test_bbox, test_datetime, test_feature_by_id, test_unknown_parameters,
             test_other_collections_paging, test_geojson, test_html, test_browser_map,
             test_openapi, test_crs]
    only = os.environ.get("OGC_ONLY")
    try:
        run_groups(tests, only=only)
    finally:
        srv.stop()
    finish()


main()
