#!/usr/bin/env python3
"""Search correctness test: the real geodir-api over a GENERATED directory imported by the real
geodir-import, every answer checked against a brute-force computation done here.

  1. gen_directory.py writes N places (default 100 000, seed 20260714) into WORK_DIR/gen;
     geodir-import builds WORK_DIR/gen/search.sqlite through the local-geojson profile;
  2. geodir-api serves it on 127.0.0.1 port 0;
  3. checks, each against Python: radius searches from random points over the territory and
     from tie anchors (set, order, distances, the place exactly at the radius); k nearest
     (with and without filters, from far away); boxes; paging through whole result sets by
     distance (next, then prev back), by relevance and by name (each place exactly once);
     text search (accents, case, elisions, prefixes, one typo, ligature, hostile FTS syntax);
     facets adding up to numberMatched; "open at" over a table of opening_hours values ×
     instants (holidays, DST days, midnight crossings); bad input on every parameter (400
     naming it, server still up); ETag/304, gzip, CORS, HEAD, keep-alive; autocomplete.

usage: test_search.py GEODIR_API GEODIR_IMPORT SOURCE_DIR WORK_DIR
environment: GEODIR_SEARCH_N (number of places), GEODIR_SEARCH_SEED
"""
import gzip
import http.client
import json
import math
import os
import random
import re
import subprocess
import sys
import time
import unicodedata
import urllib.parse

API, IMPORTER, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:5])
HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True   # tests write only under the build tree
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import gen_directory  # noqa: E402  (same folder)
from geodir_test import ApiServer, EARTH_RADIUS_M as R, haversine  # noqa: E402

N = int(os.environ.get("GEODIR_SEARCH_N", "100000"))
SEED = int(os.environ.get("GEODIR_SEARCH_SEED", "20260714"))
CT_JSON = "application/json; charset=utf-8"
CT_GEOJSON = "application/geo+json"

failures = []
counts = {"checks": 0, "requests": 0}


def check(cond, what):
    counts["checks"] += 1
    if not cond:
        print("FAIL " + what, flush=True)
        failures.append(what)
    return cond


def note(what):
    print("ok   " + what, flush=True)


# ---------------------------------------------------------------------------------------------
# Text rules, as docs/api.md states them (folding, elisions, words, prefix, one typo).

ELISIONS = {"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu"}


def fold(s):
    s = s.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    s = s.replace("ß", "ss")
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    out = []
    for c in s.lower():
        out.append(c if c.isalnum() and c.isascii() else " ")
    return " ".join("".join(out).split())


def query_words(q):
    """Words of q after elisions and folding, and whether the last one is a prefix."""
    t = q.replace("’", "'").replace("ʼ", "'")
    tokens, prev_word, i = [], False, 0
    # blank out elisions: ASCII word of the list at a word start followed by an apostrophe
    chars = list(t)
    while i < len(chars):
        c = chars[i]
        if not prev_word and c.isascii() and c.isalpha():
            j = i
            while j < len(chars) and chars[j].isascii() and chars[j].isalpha():
                j += 1
            if j < len(chars) and chars[j] == "'" and "".join(chars[i:j]).lower() in ELISIONS:
                for k in range(i, j + 1):
                    chars[k] = " "
                i = j + 1
                prev_word = False
                continue
        prev_word = c.isalnum()
        i += 1
    words = fold("".join(chars)).split()
    last_prefix = bool(words) and q[-1:].isalnum() and len(words[-1]) >= 2
    return words, last_prefix


def edit1(a, b):
    if abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < len(a) and i < len(b) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        if i == len(a):
            return True
        if a[i + 1:] == b[i + 1:]:
            return True
        return (i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i]
                and a[i + 2:] == b[i + 2:])
    if len(a) == len(b) + 1:
        return a[i + 1:] == b[i:]
    return a[i:] == b[i + 1:]


def prefix_edit1(w, t):
    return any(0 < n <= len(t) and edit1(w, t[:n]) for n in (len(w) - 1, len(w), len(w) + 1))


# ---------------------------------------------------------------------------------------------
# The generated directory, as the importer should have loaded it.

class Place:
    __slots__ = ("id", "lat", "lon", "name", "words", "category", "insee", "hours")


places = []
by_id = {}
WORD_INDEX = {}    # folded word -> indexes of the places whose name holds it
PARENT = {}        # category -> parent (from /api/categories)
TERMS = []         # (category, words of its label or of one synonym): what names a category
anchors = []


def load_fixture(gen_dir):
    global anchors
    with open(os.path.join(gen_dir, "places.geojson"), encoding="utf-8") as f:
        doc = json.load(f)
    for ft in doc["features"]:
        p = Place()
        pr = ft["properties"]
        p.id = "gen:" + pr["id"]
        p.lon, p.lat = ft["geometry"]["coordinates"]
        p.name = pr["name"]
        p.words = fold(p.name).split()
        p.category = pr["category"]
        p.insee = pr["insee"]
        p.hours = pr["opening_hours"]
        for w in set(p.words):
            WORD_INDEX.setdefault(w, set()).add(len(places))
        places.append(p)
        by_id[p.id] = p
    with open(os.path.join(gen_dir, "anchors.json"), encoding="utf-8") as f:
        anchors = json.load(f)


def text_sets(words, last_prefix):
    """(places matching every word exactly, places matching every word at all) by index: the
    rules of text_match applied through the word index (same answer, far faster)."""
    exact_all = any_all = None
    if not words:
        return set(), set()
    for k, w in enumerate(words):
        prefix = last_prefix and k == len(words) - 1
        ex, ty = set(), set()
        for t, idx in WORD_INDEX.items():
            if (t.startswith(w) if prefix else t == w):
                ex |= idx
            elif len(w) >= 5 and (prefix_edit1(w, t) if prefix else edit1(w, t)):
                ty |= idx
        exact_all = ex if exact_all is None else exact_all & ex
        any_all = (ex | ty) if any_all is None else any_all & (ex | ty)
    return exact_all, any_all


def load_terms(categories):
    """TERMS from the labels of /api/categories and common/taxonomy_synonyms.def."""
    for top in categories:
        for c in [top] + top["children"]:
            TERMS.append((c["code"], query_words(c["label"])[0]))
    path = os.path.join(SRC, "common", "taxonomy_synonyms.def")
    for code, terms in re.findall(r'^GDIR_SYNONYMS\("([^"]+)", "([^"]*)"\)', open(
            path, encoding="utf-8").read(), re.M):
        TERMS.extend((code, query_words(t)[0]) for t in terms.split("|"))


def named_categories(words, last_prefix):
    """The categories the text names (docs/api.md: each word a word of a label or synonym, one
    typo from 5 characters, the last one a prefix from 4 while typed; one word of 3 or more)
    and their children."""
    def word_ok(k, w, term):
        prefix = last_prefix and k == len(words) - 1 and len(w) >= 4
        return any(w == t or (len(w) >= 5 and edit1(w, t)) or
                   (prefix and len(w) < len(t) and t.startswith(w)) for t in term)
    if not words or not any(len(w) >= 3 for w in words):
        return set()
    named = {code for code, term in TERMS
             if all(word_ok(k, w, term) for k, w in enumerate(words))}
    return named | {c for c, parent in PARENT.items() if parent in named}


def brute(lat=None, lon=None, radius=None, bbox=None, categories=None, communes=None,
          text=None):
    """[(distance or 0, id, tier)] of the places passing every criterion, unsorted."""
    out = []
    cats = set(categories or [])
    pool = places
    if text:
        exact_set, any_set = text_sets(*text)
        named = named_categories(*text)
        pool = [places[k] for k in sorted(any_set)]
        pool += [p for k, p in enumerate(places) if p.category in named and k not in any_set]
        exact_ids = {places[k].id for k in exact_set}
        text_ids = {places[k].id for k in any_set}
    if radius is not None:
        # A box that surely holds the circle, to spare most haversines (not a shortcut of the
        # test itself: every place inside it is still measured).
        dlat = radius / R * 180 / math.pi * 1.01 + 1e-6
        dlon = dlat / max(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1e-6)
        minlat, maxlat, minlon, maxlon = lat - dlat, lat + dlat, lon - dlon, lon + dlon
    for p in pool:
        if radius is not None:
            if not (minlat <= p.lat <= maxlat and minlon <= p.lon <= maxlon):
                continue
            d = haversine(lat, lon, p.lat, p.lon)
            if not d <= radius:
                continue
        else:
            d = haversine(lat, lon, p.lat, p.lon) if lat is not None else 0.0
        if bbox and not (bbox[0] <= p.lon <= bbox[2] and bbox[1] <= p.lat <= bbox[3]):
            continue
        if cats and p.category not in cats and PARENT.get(p.category) not in cats:
            continue
        if communes and p.insee not in communes:
            continue
        tier = 0
        if text:
            tier = 0 if p.id in exact_ids else 1 if p.id in text_ids else 2
        out.append((d, p.id, tier))
    return out


def nearest(lat, lon, k, **crit):
    """The k nearest [(d, id)] passing crit: grows a radius as the server does (every place
    within the radius is measured, so the first k of them are the k nearest)."""
    r = 1000.0
    while True:
        found = sorted((d, i) for d, i, _ in brute(lat, lon, r, **crit))
        if len(found) >= k or r > 2.1e7:
            return found[:k]
        r *= 4


# ---------------------------------------------------------------------------------------------
# HTTP.

class Client:
    """One keep-alive connection (re-opened if the server closes it)."""

    def __init__(self, port):
        self.port = port
        self.conn = None
        self.opened = 0

    def request(self, method, target, headers=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                self.opened += 1
            try:
                self.conn.putrequest(method, target, skip_accept_encoding=True)
                for k, v in (headers or {}).items():
                    self.conn.putheader(k, v)
                self.conn.endheaders()
                r = self.conn.getresponse()
                body = r.read()
                hdrs = {k.lower(): v for k, v in r.getheaders()}
                counts["requests"] += 1
                if hdrs.get("connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return r.status, hdrs, body
            except (http.client.HTTPException, ConnectionError, OSError):
                if self.conn:
                    self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def get(self, target, status=200, headers=None):
        st, hdrs, body = self.request("GET", target, headers)
        if not check(st == status, f"GET {target[:150]} -> {status} (got {st}: {body[:300]!r})"):
            return None
        if st == 304:
            return hdrs
        try:
            return json.loads(body)
        except ValueError:
            check(False, f"GET {target[:100]}: body is JSON")
            return None


def q(**params):
    return urllib.parse.urlencode(params)


def P(**params):
    """/api/places with these parameters."""
    return "/api/places?" + urllib.parse.urlencode(params)


def all_pages(client, target, max_pages=400):
    """Follows next links from target; returns (features in order, first page, pages)."""
    feats, first, pages = [], None, 0
    while target and pages < max_pages:
        doc = client.get(target)
        if doc is None:
            return None, None, pages
        pages += 1
        first = first or doc
        feats.extend(doc.get("features", doc.get("places", [])))
        target = next((lk["href"] for lk in doc["links"] if lk["rel"] == "next"), None)
    return feats, first, pages


def ids_of(feats):
    return [f["id"] for f in feats]


def each_once(got, exp):
    """got, the ids on all pages, holds each place of exp (brute()'s rows) once and no other."""
    return sorted(got) == sorted(i for _, i, _ in exp) and len(set(got)) == len(got)


# ---------------------------------------------------------------------------------------------
# Checks.

def rnd_point(rng):
    b = gen_directory.BOX
    return round(rng.uniform(b[0], b[2]), 6), round(rng.uniform(b[1], b[3]), 6)


def test_radius(client, rng):
    worst = 0.0
    points = [rnd_point(rng) for _ in range(20)] + [tuple(a) for a in anchors[:8]]
    n_places = 0
    for lat, lon in points:
        radius = round(rng.uniform(100, 1800), 1)
        exp = sorted((d, i) for d, i, _ in brute(lat, lon, radius))
        feats, first, _ = all_pages(client, P(lat=lat, lon=lon, radius=radius, limit=500,
                                              properties='distance_m'))
        if feats is None:
            continue
        n_places += len(exp)
        check(first["numberMatched"] == len(exp),
              f"radius {radius} at {lat},{lon}: numberMatched {first['numberMatched']} = "
              f"brute force {len(exp)}")
        check(ids_of(feats) == [i for _, i in exp],
              f"radius {radius} at {lat},{lon}: the same places in the same order (distance, "
              f"then id)")
        for f, (d, _) in zip(feats, exp):
            worst = max(worst, abs(f["properties"]["distance_m"] - d))
    check(worst <= 0.05 + 1e-9, f"distance_m equals the brute-force haversine to 0.05 m "
                                f"(worst {worst:.4f})")
    note(f"radius searches from {len(points)} points ({n_places} places) equal brute force")

    # Ties at anchors: mirrored pairs have equal distances and come in id order.
    ties = 0
    for lat, lon in anchors[:30]:
        exp = sorted((d, i) for d, i, _ in brute(lat, lon, 2500))
        doc = client.get(P(lat=lat, lon=lon, radius=2500, limit=500, properties='distance_m'))
        if doc is None:
            continue
        got = ids_of(doc["features"])
        check(got == [i for _, i in exp][:500], f"anchor {lat},{lon}: order with ties")
        ties += sum(1 for a, b in zip(exp, exp[1:]) if a[0] == b[0])
    check(ties >= 30, f"the anchors produced exact distance ties ({ties})")
    note(f"{ties} exact ties at anchors ordered by id")

    # A place exactly at the radius is in; one representable step below, it is out.
    lat, lon = anchors[0]
    exp = sorted((d, i) for d, i, _ in brute(lat, lon, 1500))
    d_edge, id_edge = exp[min(len(exp) - 1, 150)]
    doc = client.get(P(lat=lat, lon=lon, radius=repr(d_edge), limit=500))
    inside = [i for d, i in exp if d <= d_edge]
    check(doc and ids_of(doc["features"]) == inside[:500] and id_edge in ids_of(doc["features"])
          and doc["numberMatched"] == len(inside),
          f"the place exactly at radius={d_edge!r} is included")
    below = math.nextafter(d_edge, 0)
    doc = client.get(P(lat=lat, lon=lon, radius=repr(below), limit=500))
    check(doc and id_edge not in ids_of(doc["features"]),
          "one representable step below the radius excludes it")


def test_knn(client, rng):
    points = [rnd_point(rng) for _ in range(15)] + [tuple(a) for a in anchors[:5]]
    for k, (lat, lon) in zip([1, 5, 20, 100, 500] * 4, points):
        exp = nearest(lat, lon, k)
        doc = client.get(P(lat=lat, lon=lon, k=k, limit=500, properties='distance_m'))
        check(doc and ids_of(doc["features"]) == [i for _, i in exp] and doc["numberMatched"] == k,
              f"k={k} nearest of {lat},{lon} equal brute force")
    # Far from everything: the box grows until it holds k places.
    for lat, lon, k in ((48.2, 4.1, 7), (43.3, 5.4, 3), (-45.0, 170.0, 2)):
        exp = nearest(lat, lon, k)
        doc = client.get(P(lat=lat, lon=lon, k=k))
        check(doc and ids_of(doc["features"]) == [i for _, i in exp],
              f"k={k} nearest of a far point ({lat},{lon}) equal brute force")
    # With filters: a rare category, a parent category, a commune, a radius.
    lat, lon = points[3]
    for params, crit in (({"category": "defibrillator"}, {"categories": ["defibrillator"]}),
                         ({"category": "health"}, {"categories": ["health"]}),
                         ({"commune": "55123"}, {"communes": ["55123"]}),
                         ({"category": "carpool,waste", "commune": "55017,55040"},
                          {"categories": ["carpool", "waste"], "communes": ["55017", "55040"]})):
        exp = nearest(lat, lon, 50, **crit)
        doc = client.get(P(lat=lat, lon=lon, k=50, **params))
        check(doc and ids_of(doc["features"]) == [i for _, i in exp],
              f"k=50 nearest with {params} equal brute force")
    exp = sorted((d, i) for d, i, _ in brute(lat, lon, 300))
    doc = client.get(P(lat=lat, lon=lon, k=400, radius=300, limit=500))
    check(doc and ids_of(doc["features"]) == [i for _, i in exp][:400]
          and doc["numberMatched"] == min(400, len(exp)),
          f"k with a radius: the k nearest within it ({min(400, len(exp))})")
    # k nearest, paged by distance.
    exp = nearest(lat, lon, 333)
    feats, first, pages = all_pages(client, P(lat=lat, lon=lon, k=333, limit=50))
    check(feats is not None and ids_of(feats) == [i for _, i in exp] and pages == 7,
          f"k=333 paged by 50: {pages} pages, every place once, in order")
    note("k nearest equal brute force (plain, far away, filtered, with radius, paged)")


def test_bbox(client, rng):
    for _ in range(6):
        lat, lon = rnd_point(rng)
        box = (round(lon - rng.uniform(0.002, 0.02), 6), round(lat - rng.uniform(0.002, 0.015), 6),
               round(lon + rng.uniform(0.002, 0.02), 6), round(lat + rng.uniform(0.002, 0.015), 6))
        bbox = ",".join(repr(v) for v in box)
        exp = brute(bbox=box)
        feats, first, _ = all_pages(client, P(bbox=bbox, limit=500, properties='name'))
        got = ids_of(feats or [])
        check(first and first["numberMatched"] == len(exp) and each_once(got, exp),
              f"bbox {bbox}: {len(exp)} places, each once")
        keys = [(fold(by_id[i].name), i) for i in got]
        check(keys == sorted(keys), f"bbox {bbox}: sorted by folded name, then id")
        exp_d = sorted((d, i) for d, i, _ in brute(lat, lon, bbox=box))
        doc = client.get(P(bbox=bbox, lat=lat, lon=lon, limit=500))
        check(doc and ids_of(doc["features"]) == [i for _, i in exp_d][:500],
              f"bbox with lat/lon: sorted by distance")
    # A box on a place's exact coordinates holds it (edges are inclusive).
    p = places[17]
    doc = client.get(f"/api/places?{q(bbox=f'{p.lon},{p.lat},{p.lon},{p.lat}')}")
    check(doc and p.id in ids_of(doc["features"]), "a zero-size box on a place holds it")
    note("bbox searches equal brute force (set, name order, distance order)")


def test_paging(client):
    lat, lon = 48.95, 5.13
    exp = [i for _, i in sorted((d, i) for d, i, _ in brute(lat, lon, 1800))]
    feats, first, pages = all_pages(client, P(lat=lat, lon=lon, radius=1800, limit=137))
    got = ids_of(feats or [])
    check(got == exp and len(set(got)) == len(got),
          f"paging by distance: {pages} pages of 137, each of the {len(exp)} places once, in order")
    # Back from the last page with prev links.
    target = P(lat=lat, lon=lon, radius=1800, limit=137)
    last = None
    while target:
        last = client.get(target)
        target = next((lk["href"] for lk in last["links"] if lk["rel"] == "next"), None)
    back = []
    page = last
    while True:
        back = ids_of(page["features"]) + back
        prev = next((lk["href"] for lk in page["links"] if lk["rel"] == "prev"), None)
        if not prev:
            break
        page = client.get(prev)
    check(back == exp, "paging back with prev links returns the same pages")
    check(not any(lk["rel"] == "prev" for lk in first["links"]), "the first page has no prev link")

    # By relevance: a common word; each place once, exact matches before typo matches, scores
    # not increasing within each group.
    for text in ("boulangerie", "cafe moulin", "eglise"):
        words = query_words(text)
        exp = brute(text=words)
        feats, first, pages = all_pages(client, P(q=text, limit=500, properties='name,score'))
        got = ids_of(feats or [])
        check(first and first["numberMatched"] == len(exp) and each_once(got, exp),
              f"paging by relevance for q={text!r}: {len(exp)} places in {pages} pages, each once")
        tiers = {i: t for _, i, t in exp}
        seq = [tiers.get(i, 9) for i in got]
        check(seq == sorted(seq), f"q={text!r}: exact matches before typo matches")
        ok = True
        for a, b in zip(feats, feats[1:]):
            if (tiers.get(a["id"]) == tiers.get(b["id"])
                    and a["properties"]["score"] < b["properties"]["score"]):
                ok = False
        check(ok, f"q={text!r}: scores do not increase within a tier")
    # By relevance biased by proximity, small pages.
    feats, first, pages = all_pages(client, P(q='pharmacie', lat=48.9, lon=5.1, limit=97))
    exp = brute(text=query_words("pharmacie"))
    got = ids_of(feats or [])
    check(each_once(got, exp),
          f"paging by relevance with proximity: {len(exp)} places in {pages} pages, each once")
    # By name, within a commune.
    feats, first, pages = all_pages(client, P(commune='55040', sort='name', limit=500,
                                              properties='name'))
    exp = sorted((fold(p.name), p.id) for p in places if p.insee == "55040")
    got = ids_of(feats or [])
    check(got == [i for _, i in exp], f"paging by name in a commune: {len(exp)} places in {pages} "
                                      f"pages, each once, in folded-name order")
    note("paging (distance, prev links, relevance, name) returns each place exactly once")


def test_text(client):
    cases = ["ECOLE", "école", "ecole", "l'église", "L’Église", "eglise", "d'argonne",
             "argonne",
             "boulang", "boulangrie", "pharmcie", "biblioteque", "coeur", "cœur", "du cœur",
             "saint martin", "sainte-anne", "garcon", "noel 12", "OR", "NEAR(", "AND", "NOT",
             "-", '"', "*", '"boulangerie', "boulangerie*", "(", ")", "col:foo", "^cafe",
             "'; DROP TABLE places;--", "\\", 'a"b', "%", "€", "😀", "NEAR(cafe moulin, 2)",
             "cafe OR moulin", "café -moulin", "{cafe}", "cafe AND", "zzzzzz", "a", "ab"]
    for text in cases:
        # Within one commune (a fifth of the places) to keep the pages few; the whole directory
        # is compared through numberMatched.
        words = query_words(text)
        exp = sorted(i for _, i, _ in brute(text=words, communes=["55017"]))
        feats, first, pages = all_pages(client, P(q=text, commune='55017', limit=500,
                                                  properties='name'))
        if feats is None:
            continue
        check(sorted(ids_of(feats)) == exp and first["numberMatched"] == len(exp),
              f"q={text!r}: {len(exp)} places, as the text rules say "
              f"(got {first['numberMatched']})")
        whole = client.get(P(q=text, limit=1, properties='name'))
        n_all = len(brute(text=words))
        check(whole and whole["numberMatched"] == n_all,
              f"q={text!r} in the whole directory: numberMatched {n_all}")
    same = [("ECOLE", "école"), ("l'église", "eglise"), ("d'argonne", "argonne"),
            ("coeur", "cœur")]
    for a, b in same:
        da = client.get(P(q=a, limit=500))
        db = client.get(P(q=b, limit=500))
        check(da and db and ids_of(da["features"]) == ids_of(db["features"])
              and da["numberMatched"] > 0,
              f"q={a!r} and q={b!r} find the same places")
    d1 = brute(text=query_words("boulangrie"))
    d2 = brute(text=query_words("boulangerie"))
    check({i for _, i, _ in d2} <= {i for _, i, _ in d1} and len(d2) > 100,
          "one typo (boulangrie) still finds every boulangerie")
    # Text and everything else at once.
    lat, lon = 48.97, 5.1
    for params, crit in (({"radius": 4000, "category": "food-shop"},
                          {"radius": 4000, "categories": ["food-shop"]}),
                         ({"commune": "55532,55517"}, {"communes": ["55532", "55517"]})):
        exp = sorted(i for _, i, _ in brute(lat, lon, text=query_words("boulangerie"),
                                             **crit))
        feats, first, _ = all_pages(client, P(q='boulangerie', lat=lat, lon=lon, limit=500,
                                              **params))
        check(feats is not None and sorted(ids_of(feats)) == exp,
              f"q=boulangerie with {params}: {len(exp)} places")
    note(f"text search: {len(cases)} queries (accents, case, elisions, prefix, typos, ligature, "
         f"FTS syntax) equal the text rules")


def facet_sums(doc):
    f = doc["facets"]
    out = {}
    if "category" in f:
        tops = f["category"]["values"]
        out["cat_total"] = f["category"]["total"]
        out["cat_tops"] = sum(v["count"] for v in tops)
        out["cat_children_ok"] = all(sum(c["count"] for c in v["children"]) <= v["count"]
                                     for v in tops)
        out["cats"] = {v["code"]: v["count"] for v in tops}
        out["cats"].update({c["code"]: c["count"] for v in tops for c in v["children"]})
    if "commune" in f:
        out["com_total"] = f["commune"]["total"]
        out["com_sum"] = sum(v["count"] for v in f["commune"]["values"])
        out["coms"] = {v["insee"]: v["count"] for v in f["commune"]["values"]}
    return out


def test_facets(client):
    lat, lon = 48.93, 5.16
    for params in ({"lat": lat, "lon": lon, "radius": 2500}, {"q": "cafe"},
                   {"bbox": "5.05,48.9,5.1,48.95"}, {"lat": lat, "lon": lon, "k": 300},
                   {"q": "garage", "lat": lat, "lon": lon, "open_at": "2026-07-15T10:00"},
                   {"commune": "55017"}):
        doc = client.get(P(facets='category,commune', limit=5, **params))
        if doc is None:
            continue
        s = facet_sums(doc)
        m = doc["numberMatched"]
        check(s["cat_total"] == m and s["cat_tops"] == m and s["com_sum"] == s["com_total"]
              and s["cat_children_ok"],
              f"facets of {params}: category counts add up to numberMatched {m}")
        if "commune" not in params:
            check(s["com_total"] == m, f"facets of {params}: commune counts add up to {m}")
        else:
            check(s["com_total"] >= m, f"facets of {params}: the commune facet ignores commune=")
    # Against brute force, and the facet's own filter ignored.
    exp = brute(lat, lon, 2500)
    doc = client.get(P(lat=lat, lon=lon, radius=2500, facets='category,commune', limit=1))
    s = facet_sums(doc)
    cats, coms = {}, {}
    for _, i, _ in exp:
        p = by_id[i]
        cats[p.category] = cats.get(p.category, 0) + 1
        cats[PARENT[p.category]] = cats.get(PARENT[p.category], 0) + 1
        coms[p.insee] = coms.get(p.insee, 0) + 1
    check(s["cats"] == cats and s["coms"] == coms, "facet counts equal brute force")
    doc = client.get(P(lat=lat, lon=lon, radius=2500, facets='category,commune',
                       category='health', limit=1))
    s2 = facet_sums(doc)
    check(s2["cat_total"] == len(exp) and s2["cats"] == cats,
          "with category=health the category facet still counts every category")
    check(s2["com_total"] == doc["numberMatched"] == cats.get("health", 0),
          "with category=health the commune facet adds up to numberMatched")
    note("facets add up to numberMatched and equal brute force")


def hours_place(value):
    values = sorted({h for h, _, _, _ in gen_directory.HOURS_TABLE})
    k = values.index(value)
    return f"gen:hours-{k:02d}", gen_directory.HOURS_CORNER[0] + k * 0.0001, \
        gen_directory.HOURS_CORNER[1]


def test_open_at(client):
    """Each value of the table stands alone at its own point: open_at=T keeps it exactly when
    the table says it is open at T, and then carries its state and next change at T (closed
    places are left out, so their next change is the engine's unit tests' business)."""
    for value, instant, state, nxt in gen_directory.HOURS_TABLE:
        pid, lat, lon = hours_place(value)
        bbox = f"{lon - 1e-6},{lat - 1e-6},{lon + 1e-6},{lat + 1e-6}"
        doc = client.get(P(bbox=bbox))
        check(doc and ids_of(doc["features"]) == [pid],
              f"the place of {value!r} stands alone in its box")
        doc = client.get(P(bbox=bbox, open_at=instant,
                           properties='opening_hours,opening_hours_valid,open_state,'
                                      'next_change,next_state'))
        got = ids_of(doc["features"]) if doc else None
        check(got == ([pid] if state == "open" else []),
              f"open_at={instant} with {value!r}: {'kept' if state == 'open' else 'left out'} "
              f"(got {got})")
        if state == "open" and got:
            p = doc["features"][0]["properties"]
            check(p.get("open_state") == "open" and p.get("next_change") == nxt
                  and p.get("opening_hours") == value and p.get("opening_hours_valid") is True
                  and p.get("next_state") == ("closed" if nxt else None),
                  f"{value!r} at {instant}: open, next change {nxt} (got {p.get('next_change')})")
    # Every instant at once: the places open at T over the whole block.
    values = sorted({h for h, _, _, _ in gen_directory.HOURS_TABLE})
    lat0, lon0 = gen_directory.HOURS_CORNER
    box = f"{lon0 - 1e-6},{lat0 - 1e-6},{lon0 + 1e-6},{lat0 + len(values) * 0.0001}"
    for instant in sorted({i for _, i, _, _ in gen_directory.HOURS_TABLE}):
        doc = client.get(P(bbox=box, open_at=instant, limit=100))
        got = set(ids_of(doc["features"])) if doc else set()
        for value, inst, state, _ in gen_directory.HOURS_TABLE:
            if inst == instant:
                check((hours_place(value)[0] in got) == (state == "open"),
                      f"open_at={instant} over the block: {value!r} {state}")
    note(f"open_at over {len(gen_directory.HOURS_TABLE)} opening_hours × instant cases")


def test_hours_states(client):
    """The raw value, its validity and state on every place; open_now against open_at."""
    lat0, lon0 = gen_directory.HOURS_CORNER
    values = sorted({h for h, _, _, _ in gen_directory.HOURS_TABLE})
    box = f"{lon0 - 1e-6},{lat0 - 1e-6},{lon0 + 1e-6},{lat0 + len(values) * 0.0001}"
    doc = client.get(P(bbox=box, limit=100,
                       properties='opening_hours,opening_hours_valid,open_state'))
    got = {f["id"]: f["properties"] for f in doc["features"]} if doc else {}
    bad = hours_place("lundi au vendredi 9h-12h")[0]
    check(got.get(bad, {}).get("opening_hours_valid") is False
          and got.get(bad, {}).get("open_state") == "unknown"
          and got.get(bad, {}).get("opening_hours") == "lundi au vendredi 9h-12h",
          "an unparseable value is kept raw, flagged, its state unknown")
    check(all(p.get("opening_hours_valid") is True for i, p in got.items() if i != bad),
          "the other values parse")
    # open_now follows the server's clock: equal to open_at at the current minute.
    for _ in range(3):
        now = time.time()
        minute = time.strftime("%Y-%m-%dT%H:%M:00Z", time.gmtime(now))
        a = client.get(P(bbox=box, open_now='true', limit=100))
        b = client.get(P(bbox=box, open_at=minute, limit=100))
        if int(time.time() // 60) == int(now // 60):
            break
    check(a and b and ids_of(a["features"]) == ids_of(b["features"]),
          f"open_now=true equals open_at at the current minute ({len(a['features'])} open)")
    # /api/places/{id} carries the state too.
    doc = client.get(f"/api/places/{urllib.parse.quote(hours_place('24/7')[0])}")
    check(doc and doc["properties"]["open_state"] == "open"
          and doc["properties"]["next_change"] is None, "/api/places/{id}: 24/7 is open")
    # The '+' of an offset sent unencoded reads as a space: still understood.
    a = client.get("/api/places?bbox=" + urllib.parse.quote(box)
                   + "&open_at=2026-07-15T10:00:00+02:00")
    b = client.get("/api/places?bbox=" + urllib.parse.quote(box) + "&open_at=2026-07-15T08:00:00Z")
    check(a and b and ids_of(a["features"]) == ids_of(b["features"]) and a["features"],
          "open_at with a bare '+' in the offset is understood")
    note("opening hours states: unparseable flagged, open_now = open_at(now), place by id")


def test_bad_input(client):
    def bad(target, param, code="InvalidParameterValue", status=400):
        st, hdrs, body = client.request("GET", target)
        try:
            doc = json.loads(body)
        except ValueError:
            doc = {}
        check(st == status and doc.get("code") == code and doc.get("parameter") == param
              and hdrs.get("content-type") == CT_JSON and isinstance(doc.get("description"), str),
              f"{target[:120]} -> {status} {code} naming {param!r} (got {st} {body[:160]!r})")

    P = "/api/places?"
    base = "lat=48.95&lon=5.13"
    table = {
        "lat": ["abc", "91", "", "1e400", "nan", "0x10", "'; DROP TABLE places;--", "%22", "48,9"],
        "lon": ["abc", "-181", "", "inf"],
        "radius": ["-1", "abc", "", "1e9", "50000.5"],
        "k": ["0", "-1", "1.5", "abc", "", "501", "99999999999999999999"],
        "bbox": ["1,2,3", "1,2,3,4,5", "a,b,c,d", "", "5.2,48.9,5.1,49", "5,49,6,48",
                 "200,0,201,1", ",,,", "5,48,5.1,49,", "5 ,48,5.1,49"],
        "category": ["", "x", "health,", ",health", "health,,pharmacy", "HEALTH",
                     ",".join(["health"] * 17), "health' OR 1=1--"],
        "commune": ["", "1234", "99999", "55040,", "55040,,55017", ",".join(["55040"] * 65),
                    "2A00", "55040%2C99999"],
        "open_now": ["", "maybe", "2", "TRUEX"],
        "open_at": ["", "tomorrow", "2026-13-01T00:00", "2026-02-30T10:00", "2026-07-15T25:00",
                    "2026-07-15T10:00+25:00", "0000-01-01T00:00", "2026-07-15",
                    "2026-07-15T10:00Zx",
                    "9999-12-31T23:59"],
        "sort": ["", "random", "DISTANCE", "distance,name"],
        "facets": ["", "x", "category,", "category,,commune", "name"],
        "limit": ["0", "-1", "", "abc", "1e3"],
        "cursor": ["", "abc", "!!!", "dGVzdA", "A" * 2000, "djF8ZGlzdGFuY2V8YXx4fHxpZA",
                   "djF8bmFtZXxhfGF8fGlk"],
        "f": ["", "xml", "GEOJSON", "json,geojson"],
        "properties": ["", "foo", "name,,category", "name,", "distance_m;DROP"],
        "q": ["", "x" * 201, " ".join(["mot"] * 11), "a" * 65],
    }
    n = 0
    for param, values in table.items():
        for v in values:
            target = P + (base if param not in ("lat", "lon") else
                          ("lon=5.13" if param == "lat" else "lat=48.95"))
            target += "&" + param + "=" + urllib.parse.quote(v, safe="%")
            if param == "commune" and v == "55040%2C99999":
                target = P + base + "&commune=55040%2C99999"
            bad(target, "query" if len(target.split("?", 1)[1]) > 2048 else param)
            n += 1
        bad(P + base + f"&{param}=1&{param}=2" if param not in ("lat", "lon")
            else P + base + f"&{param}=1", param, "RepeatedParameter")
        n += 1
    for target, param in ((P + "radius=10", "radius"), (P + "k=3", "k"),
                          (P + "sort=distance", "sort"), (P + base + "&sort=relevance", "sort"),
                          (P + base + "&open_now=true&open_at=2026-07-15T10:00", "open_at"),
                          (P + "lat=48.95", "lon"), (P + "lon=5.1", "lat"),
                          (P + base + "&cursor=" + "djF8bmFtZXxhfGF8fGlk", "cursor"),
                          (P + base + "&lat%00=1", None), (P + base + "&q=%00", "q"),
                          (P + base + "&q=%C3%28", "q"), (P + base + "&q=%FF", "q"),
                          (P + base + "&category=%C3", "category"), (P + base + "&zz=1", "zz")):
        if param is None:
            st, _, body = client.request("GET", target)
            check(st == 400, f"{target} -> 400 (got {st})")
        elif param == "zz":
            bad(target, "zz", "UnknownParameter")
        else:
            bad(target, param)
        n += 1
    # A cursor made for another order.
    doc = client.get(P + base + "&radius=2000&limit=2")
    nxt = next(lk["href"] for lk in doc["links"] if lk["rel"] == "next")
    cursor = urllib.parse.parse_qs(urllib.parse.urlparse(nxt).query)["cursor"][0]
    bad(P + base + "&radius=2000&sort=name&cursor=" + cursor, "cursor")
    # Content negotiation refused.
    st, _, body = client.request("GET", P + base, {"Accept": "text/html"})
    check(st == 406 and json.loads(body).get("code") == "NotAcceptable",
          f"Accept: text/html -> 406 NotAcceptable (got {st})")
    # Autocomplete.
    A = "/api/autocomplete?"
    for target, param, code in ((A, "q", "InvalidParameterValue"),
                                (A + "q=", "q", "InvalidParameterValue"),
                                (A + "q=" + "x" * 201, "q", "InvalidParameterValue"),
                                (A + "q=caf&lat=48.9", "lon", "InvalidParameterValue"),
                                (A + "q=caf&lon=5", "lat", "InvalidParameterValue"),
                                (A + "q=caf&lat=x&lon=5", "lat", "InvalidParameterValue"),
                                (A + "q=caf&limit=0", "limit", "InvalidParameterValue"),
                                (A + "q=caf&limit=21", "limit", "InvalidParameterValue"),
                                (A + "q=caf&limit=abc", "limit", "InvalidParameterValue"),
                                (A + "q=caf&q=caf", "q", "RepeatedParameter"),
                                (A + "q=caf&radius=3", "radius", "UnknownParameter"),
                                (A + "q=%C3%28", "q", "InvalidParameterValue")):
        bad(target, param, code)
        n += 1
    doc = client.get("/api/health")
    check(doc and doc["status"] == "ok", "the server is still up after the bad input")
    note(f"bad input: {n} requests answered 400 (or 406) naming the parameter")


def test_http(port, client):
    target = P(lat=48.95, lon=5.13, radius=1500, limit=40)
    st, h1, body = client.request("GET", target)
    etag = h1.get("etag", "")
    check(st == 200 and etag.startswith('"') and etag.endswith('"'), f"200 with an ETag ({etag})")
    # Same answer for the parameters in another order: same tag.
    st, h2, _ = client.request("GET", P(limit=40, radius=1500, lon=5.13, lat=48.95))
    check(h2.get("etag") == etag, "parameters in another order: the same ETag")
    st, h3, b3 = client.request("GET", target, {"If-None-Match": etag})
    check(st == 304 and b3 == b"" and h3.get("etag") == etag, "If-None-Match -> 304, no body")
    st, _, _ = client.request("GET", target, {"If-None-Match": 'W/' + etag + ', "other"'})
    check(st == 304, "a weak tag in a list matches too")
    st, _, _ = client.request("GET", target, {"If-None-Match": '"other"'})
    check(st == 200, "another tag -> 200")
    st, _, _ = client.request("GET", target.replace("limit=40", "limit=41"),
                              {"If-None-Match": etag})
    check(st == 200, "another query with the old tag -> 200")
    st, _, _ = client.request("GET", "/api/places?lat=abc&lon=1", {"If-None-Match": "*"})
    check(st == 400, "If-None-Match: * on a bad request -> 400, not 304")
    # gzip.
    st, hg, bg = client.request("GET", target, {"Accept-Encoding": "gzip, deflate"})
    check(st == 200 and hg.get("content-encoding") == "gzip" and gzip.decompress(bg) == body
          and len(bg) < len(body), f"gzip: {len(body)} -> {len(bg)} bytes, decompresses to the "
                                   f"same body")
    check(hg.get("etag") == etag[:-1] + '-gz"' and "accept-encoding" in hg.get("vary", "").lower(),
          "gzip: its own ETag, Vary: Accept-Encoding")
    st, _, b = client.request("GET", target, {"If-None-Match": hg["etag"]})
    check(st == 304, "the gzip tag validates the identity answer too")
    st, h304, _ = client.request("GET", target, {"If-None-Match": hg["etag"],
                                                 "Accept-Encoding": "gzip"})
    check(st == 304 and h304.get("etag") == hg["etag"],
          "revalidating the gzip form: 304 with the gzip tag")
    st, hx, _ = client.request("GET", target, {"Accept-Encoding": "gzip;q=0, identity"})
    check("content-encoding" not in hx, "gzip;q=0 is respected")
    st, hs, bs = client.request("GET", "/app.js", {"Accept-Encoding": "gzip"})
    app = open(os.path.join(SRC, "map-ui", "app.js"), "rb").read()
    check(st == 200 and hs.get("content-encoding") == "gzip" and gzip.decompress(bs) == app,
          "static files are gzipped too")
    st, hs2, _ = client.request("GET", "/app.js", {"If-None-Match": hs.get("etag", "")})
    check(st == 304, "static files: If-None-Match -> 304")
    # HEAD: same headers, no body, with and without gzip.
    for enc in ({}, {"Accept-Encoding": "gzip"}):
        st, hh, bh = client.request("HEAD", target, enc)
        st2, hg2, bg2 = client.request("GET", target, enc)
        check(st == 200 and bh == b"" and hh.get("content-length") == str(len(bg2))
              and hh.get("etag") == hg2.get("etag"), f"HEAD {enc}: same length and tag, no body")
    # CORS.
    check(h1.get("access-control-allow-origin") == "*", "CORS: Access-Control-Allow-Origin: *")
    st, he, _ = client.request("GET", "/api/places?lat=x&lon=1", {"Origin": "https://example.org"})
    check(st == 400 and he.get("access-control-allow-origin") == "*", "CORS on errors too")
    st, hp, bp = client.request("OPTIONS", "/api/places", {
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match"})
    check(st == 204 and bp == b"" and hp.get("access-control-allow-origin") == "*"
          and "GET" in hp.get("access-control-allow-methods", "")
          and "if-none-match" in hp.get("access-control-allow-headers", "").lower()
          and hp.get("access-control-max-age"), "CORS preflight: 204 with the Allow-* headers")
    st, _, _ = client.request("OPTIONS", "/api/nowhere")
    check(st == 404, "OPTIONS on an unknown API path -> 404")
    st, hst, _ = client.request("GET", "/")
    check("access-control-allow-origin" not in hst, "the page itself carries no CORS header")
    st, hpo, _ = client.request("POST", "/api/places")
    check(st == 405 and hpo.get("allow") == "GET, HEAD, OPTIONS",
          "POST -> 405, Allow lists OPTIONS")
    # Keep-alive: many requests on one connection.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    socks = set()
    ok = True
    for i in range(25):
        conn.request("GET", P(lat=48.95, lon=5.13, k=i + 1))
        r = conn.getresponse()
        data = r.read()
        socks.add(id(conn.sock))
        ok = ok and r.status == 200 and len(json.loads(data)["features"]) == i + 1
        ok = ok and r.getheader("connection", "").lower() != "close"
    conn.close()
    check(ok and len(socks) == 1, f"keep-alive: 25 requests on one connection ({len(socks)} "
                                  f"socket)")
    note("HTTP: ETag/304, gzip, HEAD, CORS and preflight, keep-alive")


def test_formats(client):
    target = P(lat=48.95, lon=5.13, k=3)
    st, h, b = client.request("GET", target)
    geo = json.loads(b)
    check(h.get("content-type") == CT_GEOJSON and geo["type"] == "FeatureCollection",
          "default: GeoJSON FeatureCollection")
    st, h, b = client.request("GET", target + "&f=json")
    js = json.loads(b)
    check(h.get("content-type") == CT_JSON and "places" in js and "type" not in js
          and [p["id"] for p in js["places"]] == ids_of(geo["features"])
          and js["places"][0]["lat"] == geo["features"][0]["geometry"]["coordinates"][1],
          "f=json: plain JSON, the same places")
    st, h, b = client.request("GET", target, {"Accept": "application/json"})
    check(h.get("content-type") == CT_JSON, "Accept: application/json -> JSON")
    st, h, b = client.request("GET", target, {
        "Accept": "application/geo+json;q=0.9, application/json;q=0.5"})
    check(h.get("content-type") == CT_GEOJSON, "Accept with q-values -> the preferred one")
    st, h, b = client.request("GET", target + "&f=geojson", {"Accept": "application/json"})
    check(h.get("content-type") == CT_GEOJSON, "f= wins over Accept")
    doc = client.get(target + "&properties=name,distance_m")
    check(doc and all(set(f["properties"]) == {"name", "distance_m"} for f in doc["features"]),
          "properties=name,distance_m: only those")
    doc = client.get(target + "&properties=open_state")
    check(doc and all(set(f["properties"]) == {"open_state"} for f in doc["features"]),
          "properties=open_state: only it")
    note("formats: GeoJSON, JSON, Accept, properties")


def test_autocomplete(client):
    doc = client.get("/api/autocomplete?q=pharm")
    sug = doc["suggestions"] if doc else []
    check(sug and sug[0]["type"] == "category" and sug[0]["code"] == "pharmacy"
          and any(s["type"] == "place" and "Pharmacie" in s["label"] for s in sug)
          and len(sug) <= 8, f"q=pharm: the category first, then pharmacies ({len(sug)})")
    doc = client.get("/api/autocomplete?q=vaub")
    check(doc and any(s["type"] == "commune" and s["insee"] == "55532"
                      and s["label"] == "Vaubecourt" for s in doc["suggestions"]),
          "q=vaub: the commune Vaubecourt")
    doc = client.get("/api/autocomplete?q=55532")
    check(doc and doc["suggestions"] and doc["suggestions"][0].get("insee") == "55532",
          "q=55532: the commune by its INSEE code")
    doc = client.get("/api/autocomplete?q=boulangrie&lat=48.95&lon=5.13&limit=5")
    sug = doc["suggestions"] if doc else []
    check(len(sug) == 5 and sug[0]["type"] == "category" and sug[0]["code"] == "food-shop"
          and all(s["type"] == "place" and "distance_m" in s for s in sug[1:]),
          "q=boulangrie (a typo) with lat/lon: the category it names (a synonym), then 4 "
          "places with their distances")
    doc = client.get("/api/autocomplete?q=%22%2A")
    check(doc is not None and doc["suggestions"] == [], "q with no word: no suggestion")
    doc = client.get("/api/autocomplete?q=sante")
    types = [s["type"] for s in doc["suggestions"]] if doc else []
    check(types[:1] == ["category"] and types.count("category") <= 3,
          f"q=sante: categories first, at most 3 ({types})")
    note("autocomplete: categories, communes, places, typed")


# ---------------------------------------------------------------------------------------------

def main():
    t_start = time.monotonic()
    gen_dir = os.path.join(WORK, "gen")
    db = os.path.join(gen_dir, "search.sqlite")
    t0 = time.monotonic()
    subprocess.run([sys.executable, os.path.join(HERE, "gen_directory.py"), str(N), str(SEED),
                    gen_dir, os.path.join(HERE, "fixtures")], check=True)
    t_gen = time.monotonic() - t0
    t0 = time.monotonic()
    run = subprocess.run([IMPORTER, "--config", os.path.join(gen_dir, "territory.json"),
                          "--db", db, "--quiet"], cwd=gen_dir, capture_output=True, text=True,
                         timeout=300)
    t_import = time.monotonic() - t0
    if not check(run.returncode == 0, f"the importer built the generated database "
                                      f"({run.returncode}: {run.stderr[-500:]})"):
        sys.exit(1)
    load_fixture(gen_dir)
    print(f"generated {len(places)} places in {t_gen:.1f} s, imported in {t_import:.1f} s")

    server = ApiServer(API, ["--port", "0", "--db", db, "--threads", "2",
                             "--static_dir", os.path.join(SRC, "map-ui")],
                       os.path.join(WORK, "search-server.stderr"))
    port = server.port
    client = Client(port)
    try:
        health = client.get("/api/health")
        check(health and health["places"] == len(places),
              f"all {len(places)} generated places were imported")
        categories = client.get("/api/categories")["categories"]
        for top in categories:
            PARENT[top["code"]] = None
            for c in top["children"]:
                PARENT[c["code"]] = top["code"]
        load_terms(categories)
        rng = random.Random(SEED)
        t0 = time.monotonic()
        lat, lon = 48.95, 5.13
        for _ in range(20):
            client.get(P(lat=lat, lon=lon, k=20, radius=5000))
        per_query = (time.monotonic() - t0) / 20 * 1000
        steps = [("radius", lambda: test_radius(client, rng)),
                 ("knn", lambda: test_knn(client, rng)),
                 ("bbox", lambda: test_bbox(client, rng)), ("paging", lambda: test_paging(client)),
                 ("text", lambda: test_text(client)), ("facets", lambda: test_facets(client)),
                 ("open_at", lambda: test_open_at(client)),
                 ("hours", lambda: test_hours_states(client)),
                 ("formats", lambda: test_formats(client)),
                 ("autocomplete", lambda: test_autocomplete(client)),
                 ("bad input", lambda: test_bad_input(client)),
                 ("http", lambda: test_http(port, client))]
        for name, fn in steps:
            t0 = time.monotonic()
            fn()
            print(f"     ({name}: {time.monotonic() - t0:.1f} s)", flush=True)
    finally:
        code = server.stop(timeout=20)
    check(code == 0, f"clean exit on SIGTERM ({code})")
    text = server.stderr()
    check("level=error" not in text, "the server logged no error")
    print(f"k=20 within 5 km, {len(places)} places: {per_query:.2f} ms per request over HTTP "
          f"(Python client, sequential)")
    print(f"{counts['requests']} requests, {counts['checks']} checks, "
          f"{time.monotonic() - t_start:.1f} s")
    print(f"{'all' if not failures else len(failures)} search checks "
          f"{'passed' if not failures else 'FAILED'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
