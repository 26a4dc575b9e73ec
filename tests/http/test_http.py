#!/usr/bin/env python3
"""HTTP integration test: the real geodir-api over a database built by the real importer.

Starts geodir-api on 127.0.0.1 port 0 (the port is read from its `listening on` line) with
--db DB --static_dir map-ui, and checks the answers against the fixture files themselves:
distances and order equal an independent haversine computed here, ties are ordered by id, the
place exactly at the radius is included, filters, counts, 400s that name the parameter, 404s,
405 + Allow, HEAD, security headers on every response, path escapes, the resident's pages
(/je-m-installe, /communes, /commune/<insee>: 200 for a member, the French 404 page otherwise);
then SIGTERM and a clean exit. The database file is then replaced under the running server (as the importer does) and
every worker must read the new one. A second instance (small limits from GEODIR_* environment
variables, a crafted static folder with a symlink pointing outside it) checks limit clamping
and the static file rules.

usage: test_http.py GEODIR_API DB SOURCE_DIR WORK_DIR
"""
import http.client
import json
import math
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True   # tests write only under the build tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import (ApiServer, EARTH_RADIUS_M as R, check, failures, haversine,  # noqa: E402
                         json_answer, poll_until)

API, DB, SRC, WORK = sys.argv[1:5]
FIXTURES = os.path.join(SRC, "tests", "http", "fixtures")
CENTER = (48.95, 5.15)
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
CT_JSON = "application/json; charset=utf-8"
CT_GEOJSON = "application/geo+json"

responses_seen = 0


# ---------------------------------------------------------------------------------------------
# The fixtures, as the importer should have loaded them.

territory = json.load(open(os.path.join(FIXTURES, "territory.json"), encoding="utf-8"))
members = set(territory["territory"]["communes"])
boundaries = json.load(open(os.path.join(FIXTURES, "communes.geojson"), encoding="utf-8"))
commune_names = {f["properties"]["code"]: f["properties"]["nom"] for f in boundaries["features"]}
all_places = []
for f in json.load(open(os.path.join(FIXTURES, "places.geojson"), encoding="utf-8"))["features"]:
    p = dict(f["properties"])
    p["lon"], p["lat"] = f["geometry"]["coordinates"]
    p["fid"] = "local:" + p["id"]   # stable id: <source name>:<id in the source>
    all_places.append(p)
places = [p for p in all_places if p["insee"] in members]   # others are outside the territory
outsiders = [p for p in all_places if p["insee"] not in members]

TAXONOMY_PARENT = {}   # filled from /api/categories


def expected_near(lat, lon, radius, category=None, commune=None):
    """[(distance, id)] of the places within radius, sorted by (distance, id)."""
    out = []
    for p in places:
        if category and category not in (p["category"], TAXONOMY_PARENT.get(p["category"])):
            continue
        if commune and p["insee"] != commune:
            continue
        d = haversine(lat, lon, p["lat"], p["lon"])
        if d <= radius:
            out.append((d, p["fid"]))
    return sorted(out)


# ---------------------------------------------------------------------------------------------
# HTTP helpers. Every response goes through check_common_headers().

def check_common_headers(what, status, headers):
    global responses_seen
    responses_seen += 1
    for name, value in SECURITY_HEADERS.items():
        if headers.get(name) != value:
            check(False, f"{what}: header {name}: {value} (got {headers.get(name)!r})")
    csp = headers.get("content-security-policy", "")
    if not ("default-src 'self'" in csp and "frame-ancestors 'none'" in csp
            and "script-src 'self'" in csp and "img-src 'self' data: https:" in csp):
        check(False, f"{what}: Content-Security-Policy (got {csp!r})")
    if "cache-control" not in headers:
        check(False, f"{what}: Cache-Control present")


def request(port, method, target, body=None, headers=None):
    """Sends target verbatim (no normalisation of '..'); returns (status, headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        check_common_headers(f"{method} {target[:60]}", r.status, hdrs)
        return r.status, hdrs, data
    finally:
        conn.close()


def raw_request(port, raw):
    """Sends raw bytes (for what http.client refuses to send); returns (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(raw)
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    check_common_headers("raw " + repr(raw[:50]), status, hdrs)
    return status, hdrs, body


def get_json(port, target, status=200, ctype=CT_JSON):
    return json_answer(f"GET {target[:90]}", request(port, "GET", target), status, ctype)


def expect_error(port, target, status, code, parameter=None, method="GET", body=None):
    st, hdrs, data = request(port, method, target, body=body)
    label = f"{method} {target[:80]}{' +body' if body else ''}"
    check(st == status, f"{label} -> {status} (got {st})")
    check(hdrs.get("content-type") == CT_JSON, f"  error Content-Type is JSON")
    check(hdrs.get("cache-control") == "no-store", "  error Cache-Control: no-store")
    try:
        doc = json.loads(data)
    except ValueError:
        check(False, f"  error body is JSON ({data[:100]!r})")
        return None, hdrs
    check(doc.get("code") == code, f"  code {code} (got {doc.get('code')})")
    if parameter is not None:
        check(doc.get("parameter") == parameter,
              f"  names parameter {parameter!r} (got {doc.get('parameter')!r}: "
              f"{doc.get('description')})")
    check(isinstance(doc.get("description"), str) and doc["description"] != "",
          "  has a description")
    return doc, hdrs


# ---------------------------------------------------------------------------------------------
# Server process.

def Server(name, args, env=None):
    return ApiServer(API, args, os.path.join(WORK, f"{name}.stderr"), env, name)


def q(**params):
    return urllib.parse.urlencode(params)


# ---------------------------------------------------------------------------------------------
# Checks on the main server (defaults, map-ui as static folder).

def test_health(port):
    st, hdrs, _ = request(port, "GET", "/api/health")
    check(hdrs.get("cache-control") == "no-store", "health: Cache-Control: no-store")
    doc = get_json(port, "/api/health")
    check(doc == {"status": "ok", "schema_version": 4, "built_at": doc.get("built_at"),
                  "places": len(places), "communes": len(members)},
          f"health: ok, schema 1, {len(places)} places, {len(members)} communes ({doc})")
    check(isinstance(doc.get("built_at"), str) and doc["built_at"][:2] == "20", "health: built_at")


def test_categories(port):
    doc = get_json(port, "/api/categories")
    tops = doc["categories"]
    check(len(tops) == 6, f"categories: 6 top-level categories (got {len(tops)})")
    counts = {}
    for p in places:
        counts[p["category"]] = counts.get(p["category"], 0) + 1
    listed = set()
    total = 0
    for top in tops:
        child_sum = 0
        for c in top["children"]:
            TAXONOMY_PARENT[c["code"]] = top["code"]
            listed.add(c["code"])
            child_sum += c["count"]
            if c["count"] != counts.get(c["code"], 0):
                check(False, f"categories: {c['code']} count {c['count']} != "
                             f"{counts.get(c['code'], 0)}")
        check(top["count"] == child_sum + counts.get(top["code"], 0),
              f"categories: {top['code']} count {top['count']} = its own + its children's")
        check(isinstance(top["label"], str) and top["label"], f"  {top['code']} has a label")
        total += top["count"]
    check(total == len(places), f"categories: counts add up to {len(places)} (got {total})")
    check(set(counts) <= listed, "categories: every fixture category is listed")
    check(any(c["count"] == 0 for t in tops for c in t["children"]),
          "categories: empty categories are listed too")
    labels = {c["code"]: c["label"] for t in tops for c in t["children"]}
    check(labels.get("pharmacy") == "Pharmacie", "categories: French labels (Pharmacie)")


def feature_ids(doc):
    return [f["id"] for f in doc["features"]]


def test_proximity(port):
    lat, lon = CENTER
    # Default radius (10 km), limit above every match: the whole expected list, in order.
    exp = expected_near(lat, lon, 10000)
    doc = get_json(port, f"/api/places?{q(lat=lat, lon=lon, limit=500)}", ctype=CT_GEOJSON)
    check(doc["type"] == "FeatureCollection", "places: a FeatureCollection")
    check(doc["numberMatched"] == len(exp) and doc["numberReturned"] == len(exp),
          f"places: numberMatched = numberReturned = {len(exp)} "
          f"(got {doc['numberMatched']}/{doc['numberReturned']})")
    check(feature_ids(doc) == [i for _, i in exp],
          "places: order equals the independent haversine, ties by id")
    by_id = {p["fid"]: p for p in places}
    worst = 0.0
    for f, (d, i) in zip(doc["features"], exp):
        worst = max(worst, abs(f["properties"]["distance_m"] - d))
        lon2, lat2 = f["geometry"]["coordinates"]
        if abs(lon2 - by_id[i]["lon"]) > 5e-8 or abs(lat2 - by_id[i]["lat"]) > 5e-8:
            check(False, f"places: coordinates of {i}")
        if f["geometry"]["type"] != "Point":
            check(False, f"places: {i} is a Point")
    check(worst <= 0.05 + 1e-9, f"places: distance_m equals haversine to 1 decimal "
                                f"(worst {worst:.4f} m)")
    check(all(f["properties"]["distance_m"] == round(f["properties"]["distance_m"], 1)
              for f in doc["features"]), "places: distance_m has one decimal")
    # Ties: two places at the centre, three in one building.
    ids = feature_ids(doc)
    check(ids[:2] == ["local:centre-a", "local:centre-b"],
          f"places: distance-0 tie ordered by id ({ids[:2]})")
    k = ids.index("local:maison-c")
    check(ids[k:k + 3] == ["local:maison-c", "local:maison-m", "local:maison-z"],
          "places: three-way tie at one address ordered by id")
    check(doc["features"][0]["properties"]["distance_m"] == 0, "places: distance 0 at the centre")
    # Circle, not box: some fixture places lie in the circle's bounding box but beyond it.
    dlat = 10000 / R * 180 / math.pi
    dlon = dlat / math.cos(math.radians(lat))
    corners = [p["fid"] for p in places if abs(p["lat"] - lat) <= dlat
               and abs(p["lon"] - lon) <= dlon and haversine(lat, lon, p["lat"], p["lon"]) > 10000]
    check(len(corners) >= 2 and not set(corners) & set(ids),
          f"places: {len(corners)} places inside the box but outside the circle are left out")
    check(not {p["fid"] for p in outsiders} & set(ids),
          "places: the place of a non-member commune was not imported")
    # Feature content.
    f = doc["features"][0]["properties"]
    for key in ("name", "category", "category_label", "parent_category", "address", "postcode",
                "insee", "commune", "phone", "email", "website", "opening_hours", "description",
                "source", "source_title", "publisher", "licence", "source_date", "distance_m"):
        if key not in f:
            check(False, f"places: property {key} present")
    check(f["category"] == "post-office" and f["parent_category"] == "public-services"
          and f["commune"] == commune_names["55532"] and f["source"] == "local"
          and f["licence"] == "etalab-2.0",
          f"places: properties of the first feature ({f['category']}, {f['commune']})")

    # Exactly at the radius: included; one floating-point step less: excluded.
    edge = by_id["local:bord-rayon"]
    r_edge = haversine(lat, lon, edge["lat"], edge["lon"])
    exp = expected_near(lat, lon, r_edge)
    doc = get_json(port, f"/api/places?{q(lat=lat, lon=lon, radius=repr(r_edge), limit=500)}",
                   ctype=CT_GEOJSON)
    ids = feature_ids(doc)
    check(ids and ids[-1] == "local:bord-rayon",
          f"places: the place exactly at radius={r_edge!r} is included, last")
    check("local:hors-rayon" not in ids, "places: the place 2 m beyond the radius is not")
    check(ids == [i for _, i in exp] and doc["numberMatched"] == len(exp),
          f"places: {len(exp)} within the exact radius")
    below = math.nextafter(r_edge, 0)
    doc = get_json(port, f"/api/places?{q(lat=lat, lon=lon, radius=repr(below), limit=500)}",
                   ctype=CT_GEOJSON)
    check("local:bord-rayon" not in feature_ids(doc),
          "places: one representable step below the radius excludes it")

    # limit: a prefix of the same order, numberMatched unchanged; default limit 50.
    exp = expected_near(lat, lon, 50000)
    doc = get_json(port, f"/api/places?{q(lat=lat, lon=lon, radius=50000, limit=5)}",
                   ctype=CT_GEOJSON)
    check(doc["numberReturned"] == 5 and doc["numberMatched"] == len(exp)
          and feature_ids(doc) == [i for _, i in exp][:5],
          f"places: limit=5 returns the 5 nearest of {len(exp)}")
    doc = get_json(port, f"/api/places?{q(lat=lat, lon=lon, radius=50000)}", ctype=CT_GEOJSON)
    check(doc["numberReturned"] == min(50, len(exp)), "places: default limit 50")
    doc = get_json(port, f"/api/places?{q(lat=lat, lon=lon, radius=50000, limit=10**30)}",
                   ctype=CT_GEOJSON)
    check(doc["numberReturned"] == len(exp), "places: a huge limit is clamped, not refused")

    # radius 0: only the two places at the very point.
    doc = get_json(port, f"/api/places?{q(lat=lat, lon=lon, radius=0)}", ctype=CT_GEOJSON)
    check(feature_ids(doc) == ["local:centre-a", "local:centre-b"], "places: radius=0")
    # Far from everything.
    doc = get_json(port, f"/api/places?{q(lat=-45, lon=170)}", ctype=CT_GEOJSON)
    check(doc["numberMatched"] == 0 and doc["features"] == [], "places: nothing near (-45, 170)")


def test_filters(port):
    lat, lon = CENTER
    for params in ({"category": "health"}, {"category": "pharmacy"},
                   {"category": "public-services"}, {"category": "midwife"},
                   {"commune": "55040"}, {"commune": "55532", "category": "public-services"},
                   {"commune": "55123", "category": "shops"}):
        exp = expected_near(lat, lon, 50000, params.get("category"), params.get("commune"))
        target = f"/api/places?{q(lat=lat, lon=lon, radius=50000, limit=500, **params)}"
        doc = get_json(port, target, ctype=CT_GEOJSON)
        check(feature_ids(doc) == [i for _, i in exp] and doc["numberMatched"] == len(exp),
              f"filter {params}: {len(exp)} places, same order")
        if params.get("category") == "pharmacy":
            check(len(exp) >= 2, "  (the fixture has pharmacies)")
        if params.get("category") == "health":
            subs = {p["category"] for p in places if TAXONOMY_PARENT.get(p["category"]) == "health"}
            check(len(subs) >= 3, "  (the fixture has several health sub-categories)")


def test_communes(port):
    doc = get_json(port, "/api/communes")
    communes = doc["communes"]
    check([c["insee"] for c in communes] == sorted(members),
          f"communes: the {len(members)} members ordered by INSEE code")
    per = {}
    for p in places:
        per[p["insee"]] = per.get(p["insee"], 0) + 1
    for c in communes:
        check(c["name"] == commune_names[c["insee"]] and c["places"] == per.get(c["insee"], 0)
              and c["has_boundary"] is True and isinstance(c["postcodes"], list)
              and "population" in c,
              f"communes: {c['insee']} {c['name']}, {c['places']} places, boundary")
    geo = get_json(port, "/api/communes.geojson", ctype=CT_GEOJSON)
    check(geo["type"] == "FeatureCollection" and len(geo["features"]) == len(members),
          "communes.geojson: one Feature per commune")
    for f in geo["features"]:
        g = f.get("geometry") or {}
        ring = (g.get("coordinates") or [[[]]])[0][0]
        check(g.get("type") == "MultiPolygon" and f["id"] == f["properties"]["insee"]
              and len(ring) == 5 and ring[0] == ring[-1],
              f"communes.geojson: {f['id']} MultiPolygon boundary")


def test_territory(port):
    doc = get_json(port, "/api/territory")
    t = territory["territory"]
    check(doc.get("name") == t["name"] and doc.get("epci_siren") == t["epci_siren"]
          and doc.get("communes") == t["communes"],
          "territory: name, SIREN and member communes of the configuration")
    check(doc.get("map", {}).get("zoom") == territory["map"]["zoom"], "territory: map zoom")
    check("sources" not in doc and "data_dir" not in doc, "territory: no file paths exposed")
    check(doc.get("search") == {"default_radius": 10000, "max_radius": 50000,
                                "default_limit": 50, "max_limit": 500, "max_q_len": 200},
          f"territory: the server's search limits ({doc.get('search')})")


def test_autocomplete(port):
    """Suggestions of every type on the fixture (its BAN-format addresses.csv gives addresses)."""
    def suggest(**params):
        doc = get_json(port, f"/api/autocomplete?{q(**params)}")
        return doc["suggestions"] if doc else []

    s = suggest(q="12 rue de l'eglise")
    a = [x for x in s if x["type"] == "address"]
    check(a and a[0]["housenumber"] == "12" and a[0]["citycode"] == "55532"
          and a[0]["kind"] == "housenumber" and "Rue de l'Église" in a[0]["label"]
          and 0.4 <= a[0]["score"] <= 1 and abs(a[0]["lat"] - 48.9298) < 1e-6,
          f"autocomplete: the address 12 Rue de l'Église ({a[:1]})")
    s = suggest(q="grande r", lat=48.93, lon=5.12)
    a = [x for x in s if x["type"] == "address"]
    check(a and a[0]["kind"] == "street" and a[0]["label"].startswith("Grande Rue")
          and "distance_m" in a[0],
          f"autocomplete: a street being typed, with its distance ({a[:1]})")
    s = suggest(q="haie des vign")
    check(any(x["type"] == "address" and x["kind"] == "locality" for x in s),
          "autocomplete: a lieu-dit")
    s = suggest(q="pharm", limit=3)
    types = [x["type"] for x in s]
    check(len(s) == 3 and types[0] == "category" and "address" not in types,
          f"autocomplete: limit=3, the category first ({types})")
    s = suggest(q="vaub")
    check(any(x["type"] == "commune" and x["insee"] == "55532" for x in s)
          and not any(x["type"] == "address" and x["kind"] == "municipality" for x in s),
          "autocomplete: a commune once, as a commune")
    order = {"category": 0, "commune": 1, "place": 2, "address": 3}
    for text in ("mai", "rue", "pharmacie de l'aire", "12 rue de l'eglise", "e"):
        s = suggest(q=text)
        ranks = [order[x["type"]] for x in s]
        check(ranks == sorted(ranks) and len(s) <= 8,
              f"autocomplete q={text!r}: types in order, at most 8 ({[x['type'] for x in s]})")


def test_place_by_id(port):
    by_id = {p["fid"]: p for p in places}
    for pid in ("local:cafe-quotes", "local:coeur", "local:maison-z"):
        for target in (f"/api/places/{pid}", "/api/places/" + urllib.parse.quote(pid, safe="")):
            doc = get_json(port, target, ctype=CT_GEOJSON)
            p = by_id[pid]
            ok = (doc["type"] == "Feature" and doc["id"] == pid
                  and doc["properties"]["name"] == p["name"]
                  and doc["properties"]["address"] == p["address"]
                  and doc["properties"]["website"] == p["website"]
                  and abs(doc["geometry"]["coordinates"][0] - p["lon"]) < 5e-8
                  and "distance_m" not in doc["properties"])
            check(ok, f"place {target}: {p['name']!r}")
    expect_error(port, "/api/places/local:nope", 404, "NotFound")
    expect_error(port, "/api/places/local:hors-territoire", 404, "NotFound")
    expect_error(port, "/api/places/%27%20OR%201=1--", 404, "NotFound")


def test_bad_parameters(port):
    base = "/api/places?lat=48.95&lon=5.15"
    cases = [
        ("/api/places?lat=abc&lon=5.15", "lat"),
        ("/api/places?lat=91&lon=5.15", "lat"),
        ("/api/places?lat=-90.0001&lon=5.15", "lat"),
        ("/api/places?lat=48,95&lon=5.15", "lat"),
        ("/api/places?lat=nan&lon=5.15", "lat"),
        ("/api/places?lat=1e999&lon=5.15", "lat"),
        ("/api/places?lat=0x10&lon=5.15", "lat"),
        ("/api/places?lat=%2048.95&lon=5.15", "lat"),
        ("/api/places?lon=5.15", "lat"),
        ("/api/places?lat=48.95", "lon"),
        ("/api/places?lat=48.95&lon=181", "lon"),
        (base + "&radius=-1", "radius"),
        (base + "&radius=50000.1", "radius"),
        (base + "&radius=abc", "radius"),
        (base + "&limit=0", "limit"),
        (base + "&limit=-5", "limit"),
        (base + "&limit=abc", "limit"),
        (base + "&limit=1.5", "limit"),
        (base + "&category=unknown", "category"),
        (base + "&category=" + urllib.parse.quote("pharmacy' OR '1'='1"), "category"),
        (base + "&category=" + urllib.parse.quote("health; DROP TABLE places;--"), "category"),
        (base + "&category=HEALTH", "category"),
        (base + "&commune=99999", "commune"),
        (base + "&commune=51649", "commune"),          # a real commune, not a member
        (base + "&commune=5504", "commune"),
        (base + "&commune=55040%00", "commune"),
        (base + "&category=health%00pharmacy", "category"),
        (base + "&category=%C3%28", "category"),       # invalid UTF-8, percent-encoded
        (base + "&category=%FF", "category"),
        (base + "&category=%zz", "category"),
    ]
    for target, param in cases:
        doc, _ = expect_error(port, target, 400, "InvalidParameterValue", param)
        if doc and param in ("lat", "radius", "limit", "category") and "=" in target:
            # The description names the parameter first.
            check(doc["description"].startswith(param + ":"), f"  description starts with {param}:")
    expect_error(port, base + "&foo=1", 400, "UnknownParameter", "foo")
    expect_error(port, base + "&Lat=1", 400, "UnknownParameter", "Lat")
    expect_error(port, base + "&lat=1", 400, "RepeatedParameter", "lat")
    expect_error(port, base + "&limit=5&limit=5", 400, "RepeatedParameter", "limit")
    expect_error(port, "/api/health?verbose=1", 400, "UnknownParameter", "verbose")
    expect_error(port, "/api/categories?lang=fr", 400, "UnknownParameter", "lang")
    long_target = base + "&category=" + "a" * (5000 - len(base))
    check(len(long_target.split("?", 1)[1]) > 2048, "  (the long query is over 2048 bytes)")
    expect_error(port, long_target, 400, "InvalidParameterValue", "query")
    # A raw (not percent-encoded) invalid UTF-8 byte in a value.
    st, hdrs, body = raw_request(port, b"GET /api/places?lat=48.95&lon=5.15&category=\xff\xfe "
                                       b"HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    doc = json.loads(body) if body.startswith(b"{") else {}
    check(st == 400 and doc.get("parameter") == "category"
          and doc.get("code") == "InvalidParameterValue",
          f"raw invalid UTF-8 byte -> 400 naming category (got {st} {body[:120]!r})")
    # Quoted values are escaped and cut.
    doc, _ = expect_error(port, base + "&category=" + "x" * 300 + "%22", 400,
                          "InvalidParameterValue", "category")
    check(doc and len(doc["description"]) < 200 and "..." in doc["description"],
          "  long offending values are cut in the description")
    # Still alive and well.
    doc = get_json(port, "/api/health")
    check(doc and doc["status"] == "ok", "the server is still up after every bad request")


def test_methods_and_bodies(port):
    _, hdrs = expect_error(port, "/api/places", 405, "MethodNotAllowed", method="POST")
    check(hdrs.get("allow") == "GET, HEAD, OPTIONS",
          f"405: Allow: GET, HEAD, OPTIONS (got {hdrs.get('allow')})")
    _, hdrs = expect_error(port, "/api/places", 405, "MethodNotAllowed", method="POST",
                           body=b'{"x":1}')
    check(hdrs.get("allow") == "GET, HEAD, OPTIONS", "405 with a body: Allow: GET, HEAD, OPTIONS")
    _, hdrs = expect_error(port, "/", 405, "MethodNotAllowed", method="POST")
    check(hdrs.get("allow") == "GET, HEAD", "405 on the page: Allow: GET, HEAD")
    expect_error(port, "/api/places/local:coeur", 405, "MethodNotAllowed", method="DELETE")
    expect_error(port, "/", 405, "MethodNotAllowed", method="PUT", body=b"x")
    expect_error(port, "/api/nothing", 404, "NotFound", method="POST")
    expect_error(port, "/api/health", 413, "PayloadTooLarge", body=b"hello")
    st, hdrs, body = raw_request(port, b"GET /api/health HTTP/1.1\r\nHost: x\r\n"
                                       b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    check(st == 413, f"GET with a chunked body -> 413 (got {st})")
    doc = get_json(port, "/api/health")
    check(doc and doc["status"] == "ok", "the server is still up after request bodies")


def test_head(port):
    target = f"/api/places?{q(lat=CENTER[0], lon=CENTER[1], limit=3)}"
    st_g, hdrs_g, body_g = request(port, "GET", target)
    st_h, hdrs_h, body_h = request(port, "HEAD", target)
    check(st_h == 200 and body_h == b"", "HEAD: 200 and no body")
    check(hdrs_h.get("content-length") == str(len(body_g))
          and hdrs_h.get("content-type") == hdrs_g.get("content-type"),
          "HEAD: same Content-Length and Content-Type as GET")
    st, _, body = request(port, "HEAD", "/api/places?lat=abc&lon=1")
    check(st == 400 and body == b"", "HEAD with a bad parameter: 400 without body")
    st, _, body = request(port, "HEAD", "/")
    check(st == 200 and body == b"", "HEAD / : 200 without body")


INCLUDE_RE = re.compile(rb'<!--# include file="([A-Za-z0-9_-]+\.html)" -->')


def assembled(root, name):
    """The page root/name as the server sends it: each include directive replaced by its
    partial, root/_include/NAME (an independent reading of the rule in h_static.c)."""
    text = open(os.path.join(root, name), "rb").read()
    return INCLUDE_RE.sub(lambda m: open(os.path.join(root, "_include", m.group(1).decode()),
                                         "rb").read(), text)


def test_static(port):
    st, hdrs, body = request(port, "GET", "/")
    index = assembled(os.path.join(SRC, "map-ui"), "index.html")
    check(st == 200 and body == index and hdrs.get("content-type") == "text/html; charset=utf-8",
          "GET / serves map-ui/index.html as text/html")
    check(hdrs.get("cache-control", "").startswith("public, max-age="),
          "static files: short max-age")
    for name, ctype in (("app.js", "text/javascript; charset=utf-8"),
                        ("style.css", "text/css; charset=utf-8")):
        if os.path.isfile(os.path.join(SRC, "map-ui", name)):
            st, hdrs, body = request(port, "GET", "/" + name)
            check(st == 200 and hdrs.get("content-type") == ctype
                  and body == open(os.path.join(SRC, "map-ui", name), "rb").read(),
                  f"GET /{name} as {ctype}")
    leaflet = os.path.join(SRC, "map-ui", "node_modules", "leaflet", "dist", "leaflet.js")
    if os.path.isfile(leaflet):
        st, hdrs, body = request(port, "GET", "/vendor/leaflet/leaflet.js")
        check(st == 200 and body == open(leaflet, "rb").read(),
              "GET /vendor/leaflet/leaflet.js serves Leaflet's dist file")
    cluster = os.path.join(SRC, "map-ui", "node_modules", "supercluster", "dist",
                           "supercluster.min.js")
    if os.path.isfile(cluster):
        st, hdrs, body = request(port, "GET", "/vendor/supercluster/supercluster.min.js")
        check(st == 200 and hdrs.get("content-type") == "text/javascript; charset=utf-8"
              and body == open(cluster, "rb").read(),
              "GET /vendor/supercluster/supercluster.min.js serves supercluster's dist file")
    for target in ("/../etc/passwd", "/%2e%2e/", "/%2e%2e/%2e%2e/etc/passwd",
                   "/vendor/leaflet/../../../../etc/passwd",
                   "/vendor/leaflet/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                   "/..%2f..%2f..%2fetc%2fpasswd", "/%2fetc%2fpasswd", "/./index.html",
                   "/index.html%00.js", "/..\\..\\etc\\passwd", "/%5c..%5cetc%5cpasswd",
                   "//etc/passwd", "/node_modules/../../../etc/passwd", "/.git/config",
                   "/package.json/..", "/nonexistent.js", "/api/../index.html",
                   "/package.json", "/package-lock.json", "/node_modules/leaflet/package.json",
                   "/node_modules/leaflet/dist/leaflet.js", "/_include/", "/_include/x.html",
                   "/bo/_include/x.html"):
        expect_error(port, target, 404, "NotFound")
    for name in sorted(os.listdir(os.path.join(SRC, "map-ui", "_include"))):
        expect_error(port, "/_include/" + name, 404, "NotFound")
    pages = [n for n in os.listdir(os.path.join(SRC, "map-ui")) if n.endswith(".html")]
    pages += ["bo/" + n for n in os.listdir(os.path.join(SRC, "map-ui", "bo")) if n.endswith(".html")]
    for name in sorted(pages):
        st, _, body = request(port, "GET", "/" + name)
        check(st == 200 and body == assembled(os.path.join(SRC, "map-ui"), name)
              and b"<!--#" not in body, f"GET /{name}: the assembled page, no directive left")
    expect_error(port, "/api/nope", 404, "NotFound")
    expect_error(port, "/api", 404, "NotFound")
    expect_error(port, "/api/", 404, "NotFound")
    expect_error(port, "/api/places/", 404, "NotFound")


def test_resident_pages(port):
    """The resident's pages by their clean URLs; /commune/<insee> checked against the database."""
    page = lambda name: assembled(os.path.join(SRC, "map-ui"), name)
    for target, name in (("/je-m-installe", "installation.html"), ("/communes", "communes.html")):
        st, hdrs, body = request(port, "GET", target)
        check(st == 200 and body == page(name) and hdrs.get("content-type") == "text/html; charset=utf-8",
              f"GET {target} serves map-ui/{name}")
    for insee in sorted(members):
        st, hdrs, body = request(port, "GET", f"/commune/{insee}")
        check(st == 200 and body == page("commune.html") and "etag" not in hdrs,
              f"GET /commune/{insee} (a member) serves commune.html, without a file ETag")
    st, _, body = request(port, "GET", f"/commune/{min(members)}?ignored=1")
    check(st == 200 and body == page("commune.html"), "/commune/<insee>: the query string is ignored")
    st, _, body = request(port, "HEAD", f"/commune/{min(members)}")
    check(st == 200 and body == b"", "HEAD /commune/<insee>: 200 without body")
    unknown = sorted({p["insee"] for p in outsiders} - members) + ["99999", "2A004", "2B999"]
    for code in unknown + ["abc", "5553", "555320", "55%2032", "2C004", "%2e%2e"]:
        st, hdrs, body = request(port, "GET", f"/commune/{code}")
        check(st == 404 and body == page("commune-inconnue.html")
              and hdrs.get("content-type") == "text/html; charset=utf-8" and "etag" not in hdrs,
              f"GET /commune/{code} (not a member commune) -> 404 with the French page (got {st})")
    for target in ("/commune/", "/commune/55532/x", "/commune/55532%2Fx", "/commune", "/commune/%00",
                   "/commune/55532%00"):
        st, _, _ = request(port, "GET", target)
        check(st == 404, f"GET {target} -> 404 (got {st})")
    st, hdrs, _ = request(port, "POST", f"/commune/{min(members)}")
    check(st == 405 and hdrs.get("allow") == "GET, HEAD", f"POST /commune/<insee> -> 405 Allow: GET, HEAD (got {st})")


def test_concurrency(port):
    target = f"/api/places?{q(lat=CENTER[0], lon=CENTER[1], radius=20000, limit=40)}"
    _, _, reference = request(port, "GET", target)
    results, lock = [], threading.Lock()

    def worker():
        for _ in range(8):
            st, _, body = request(port, "GET", target)
            with lock:
                results.append((st, body))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(len(results) == 64 and all(st == 200 and b == reference for st, b in results),
          "64 concurrent requests on 8 connections get the same answer")


def test_config_errors():
    for args, what in ((["--port", "abc"], "a non-numeric port"),
                       (["--db", os.path.join(WORK, "missing.sqlite"), "--port", "0",
                         "--static_dir", os.path.join(SRC, "map-ui")], "a missing database"),
                       (["--static_dir", os.path.join(WORK, "nope")], "a missing static folder"),
                       (["--bogus", "1"], "an unknown option")):
        run = subprocess.run([API] + args, capture_output=True, text=True, timeout=20)
        check(run.returncode == 2 and run.stderr.startswith("geodir-api: "),
              f"bad configuration ({what}) -> exit 2 with a message (got {run.returncode}: "
              f"{run.stderr.strip()[:100]})")
    run = subprocess.run([API, "--help"], capture_output=True, text=True, timeout=20)
    check(run.returncode == 0 and "--max_radius" in run.stdout, "--help: exit 0, lists options")


def test_database_swap(port, live):
    """geodir-import renames a new file over the old one: the workers must move to it."""
    new = live + ".new"
    shutil.copyfile(live, new)
    with sqlite3.connect(new) as c:   # plain table: no SpatiaLite needed
        c.execute("UPDATE meta SET value = '2099-01-01T00:00:00Z' WHERE key = 'built_at'")
    c.close()
    os.replace(new, live)
    # Each connection re-checks the file at most once a second: poll until 12 requests in a
    # row (over the workers) all read the new one.
    seen = []

    def all_new():
        seen[:] = [get_json(port, "/api/health").get("built_at") for _ in range(12)]
        return all(b == "2099-01-01T00:00:00Z" for b in seen)
    poll_until(all_new, 30, "after a swap of the database file every worker reads the new one")
    print(f"     built_at seen: {set(seen)}")


# ---------------------------------------------------------------------------------------------
# The second instance: limits from the environment, a crafted static folder.

def make_static_tree():
    root = os.path.join(WORK, "static")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "sub"))
    os.makedirs(os.path.join(WORK, "vendor", "images"), exist_ok=True)
    files = {"index.html": b"<!doctype html><title>t</title>", "app.js": b"console.log(1);\n",
             "style.css": b"body{}", "logo.png": b"\x89PNG\r\n\x1a\n", "sub/page.html": b"<p>sub",
             ".hidden.js": b"secret", "notes.xyz": b"unknown type", "data.json": b"{}",
             "empty.txt": b""}
    for name, data in files.items():
        with open(os.path.join(root, name), "wb") as f:
            f.write(data)
    os.makedirs(os.path.join(root, "_include"))
    partials = {"part.html": b"<p>PART</p>\n", "two.html": b"<footer>TWO</footer>",
                "nested.html": b'<!--# include file="part.html" -->',
                "big.html": b"x" * (64 * 1024 + 1)}
    pages = {"inc.html": b'<!doctype html>\n<!--# include file="part.html" -->\n<main>M</main>'
                         b'<!--#include  file="two.html"-->',
             "bad-escape.html": b'<p><!--# include file="../index.html" -->',
             "bad-slash.html": b'<!--# include file="sub/page.html" -->',
             "bad-missing.html": b'<!--# include file="nope.html" -->',
             "bad-nested.html": b'<!--# include file="nested.html" -->',
             "bad-big.html": b'<!--# include file="big.html" -->',
             "bad-command.html": b'<!--# echo var="DATE_LOCAL" -->',
             "bad-unclosed.html": b'<!--# include file="part.html" ',
             "bad-many.html": b'<!--# include file="part.html" -->' * 17}
    for name, data in list(partials.items()) + list(pages.items()):
        with open(os.path.join(root, "_include" if name in partials else "", name), "wb") as f:
            f.write(data)
    with open(os.path.join(WORK, "outside.js"), "wb") as f:
        f.write(b"outside")
    os.symlink(os.path.join(WORK, "outside.js"), os.path.join(root, "escape.js"))
    os.symlink(os.path.join(root, "app.js"), os.path.join(root, "alias.js"))
    with open(os.path.join(WORK, "vendor", "leaflet.js"), "wb") as f:
        f.write(b"/* leaflet */")
    with open(os.path.join(WORK, "vendor", "images", "marker-icon.png"), "wb") as f:
        f.write(b"\x89PNG")
    return root


def test_second_instance():
    root = make_static_tree()
    srv = Server("tight", ["--port", "0", "--db", DB, "--static_dir", root,
                           "--vendor_dir", os.path.join(WORK, "vendor"), "--threads", "2",
                           "--max_query_len", "100"],
                 env={"GEODIR_MAX_LIMIT": "5", "GEODIR_DEFAULT_LIMIT": "3",
                      "GEODIR_LISTEN": "127.0.0.1", "GEODIR_PORT": "1"})   # --port wins
    port = srv.port
    try:
        lat, lon = CENTER
        exp = expected_near(lat, lon, 10000)
        doc = get_json(port, f"/api/places?{q(lat=lat, lon=lon, limit=1000)}", ctype=CT_GEOJSON)
        check(doc["numberReturned"] == 5 and doc["numberMatched"] == len(exp)
              and feature_ids(doc) == [i for _, i in exp][:5],
              "limit above max_limit (5, from GEODIR_MAX_LIMIT) is clamped")
        doc = get_json(port, f"/api/places?{q(lat=lat, lon=lon)}", ctype=CT_GEOJSON)
        check(doc["numberReturned"] == 3, "default_limit from GEODIR_DEFAULT_LIMIT")
        search = get_json(port, "/api/territory").get("search", {})
        check(search.get("max_limit") == 5 and search.get("default_limit") == 3,
              "territory.search follows the server's configuration")
        expect_error(port, "/api/places?lat=48.95&lon=5.15&category=" + "x" * 80, 400,
                     "InvalidParameterValue", "query")
        html, js = "text/html; charset=utf-8", "text/javascript; charset=utf-8"
        app = b"console.log(1);\n"
        for target, ctype, data in (("/", html, b"<!doctype html><title>t</title>"),
                                    ("/app.js", js, app),
                                    ("/alias.js", js, app),
                                    ("/style.css", "text/css; charset=utf-8", b"body{}"),
                                    ("/logo.png", "image/png", b"\x89PNG\r\n\x1a\n"),
                                    ("/data.json", CT_JSON, b"{}"),
                                    ("/empty.txt", "text/plain; charset=utf-8", b""),
                                    ("/sub/page.html", html, b"<p>sub"),
                                    ("/app.js?v=2", js, app),
                                    ("/vendor/leaflet/leaflet.js", js, b"/* leaflet */"),
                                    ("/vendor/leaflet/images/marker-icon.png", "image/png",
                                     b"\x89PNG")):
            st, hdrs, body = request(port, "GET", target)
            check(st == 200 and hdrs.get("content-type") == ctype and body == data,
                  f"static {target} -> 200 {ctype}")
        for target in ("/.hidden.js", "/notes.xyz", "/escape.js", "/sub", "/sub/",
                       "/vendor/leaflet/../app.js", "/vendor/leaflet/%2e%2e/app.js",
                       "/vendor/leaflet/", "/vendor/leaflet/images", "/sub%2fpage.html",
                       "/vendor/leaflet/..%2f..%2foutside.js", "/static/../outside.js",
                       "/vendor/supercluster/supercluster.min.js",
                       "/vendor/supercluster/../app.js"):
            expect_error(port, target, 404, "NotFound")
        test_includes(port, root)
    finally:
        code = srv.stop()
    log = srv.stderr()
    check(all(f'page="{name}"' in log for name in ("bad-missing.html", "bad-nested.html")) and
          'partial="nope.html"' in log and "include failed" in log,
          "a broken include is logged, naming the page and the partial")
    check(code == 0, f"second instance: clean exit on SIGTERM (exit {code})")


def test_includes(port, root):
    """Server-side includes of the crafted static folder (make_static_tree)."""
    want = b'<!doctype html>\n<p>PART</p>\n\n<main>M</main><footer>TWO</footer>'
    st, hdrs, body = request(port, "GET", "/inc.html")
    check(st == 200 and body == want and hdrs.get("content-type") == "text/html; charset=utf-8",
          f"an assembled page holds its partials and no directive ({body[:80]!r})")
    etag = hdrs.get("etag", "")
    check(etag.startswith('"'), "an assembled page has an entity tag")
    st, hdrs, body = request(port, "GET", "/inc.html", headers={"If-None-Match": etag})
    check(st == 304 and body == b"", f"assembled page: If-None-Match -> 304 (got {st})")
    st, hdrs, body = request(port, "HEAD", "/inc.html")
    check(st == 200 and body == b"" and hdrs.get("content-length") == str(len(want))
          and hdrs.get("etag") == etag, "assembled page: HEAD -> 200, its length, no body")
    part = os.path.join(root, "_include", "part.html")
    t = os.stat(part).st_mtime + 10
    os.utime(part, (t, t))
    st, hdrs, body = request(port, "GET", "/inc.html", headers={"If-None-Match": etag})
    check(st == 200 and body == want and hdrs.get("etag") not in (None, etag),
          "a partial's new modification time changes the page's entity tag")
    for target in ("/_include/part.html", "/_include/", "/_include", "/sub/../_include/part.html",
                   "/%5finclude/part.html"):
        expect_error(port, target, 404, "NotFound")
    for name in ("bad-escape", "bad-slash", "bad-missing", "bad-nested", "bad-big",
                 "bad-command", "bad-unclosed", "bad-many"):
        doc, _ = expect_error(port, f"/{name}.html", 500, "InternalError")
        check(doc is not None and "_include" not in doc.get("description", ""),
              f"  /{name}.html: the error body does not tell the server's paths")


# ---------------------------------------------------------------------------------------------

def main():
    os.makedirs(WORK, exist_ok=True)
    test_config_errors()
    live = os.path.join(WORK, "live.sqlite")   # a copy: test_database_swap replaces it
    shutil.copyfile(DB, live)
    srv = Server("main", ["--port", "0", "--db", live, "--static_dir", os.path.join(SRC, "map-ui")])
    port = srv.port
    try:
        test_health(srv.port)
        test_categories(port)
        test_proximity(port)
        test_filters(port)
        test_communes(port)
        test_territory(port)
        test_place_by_id(port)
        test_autocomplete(port)
        test_bad_parameters(port)
        test_methods_and_bodies(port)
        test_head(port)
        test_static(port)
        test_resident_pages(port)
        test_concurrency(port)
        test_database_swap(port, live)
    finally:
        srv.stop_clean("main instance: clean exit on SIGTERM")
    log = srv.stderr()
    access = [line for line in log.splitlines() if "comp=access" in line]
    check(len(access) >= 100 and all(k in access[0] for k in
                                     ("method=", "path=", "status=", "bytes=", "dur_ms=")),
          f"access log: one logfmt line per request ({len(access)} lines)")
    check("lat=" not in log and "48.95" not in log and "DROP TABLE" not in log
          and "127.0.0.1:" not in "".join(access),
          "access log: no query values, no client address")
    check("level=error" not in log, "no error was logged")
    test_second_instance()
    print(f"{responses_seen} responses carried the security headers")
    print(f"{'all' if not failures else len(failures)} HTTP checks "
          f"{'passed' if not failures else 'FAILED'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
