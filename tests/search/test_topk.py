#!/usr/bin/env python3
"""Bounded top-k text search: the same answers as the exhaustive path, id by id.

The place search answers a text query (q) through the in-memory full-text index of the place
index (geoapi/search/api_pindex.h), which counts every match but looks only at the places that can
still enter the page; GEODIR_SEARCH_EXHAUSTIVE=1 makes a server score every match through
FTS5 instead, as before. This test:

  1. generates N places (tests/http/gen_directory.py: a small French vocabulary, so that each
     word has many matches, names of 3 to 6 words, a ligature, elisions, numbers) and imports
     them with the real geodir-import;
  2. starts two real geodir-api servers on that file, one normal and one with
     GEODIR_SEARCH_EXHAUSTIVE=1 (and checks from their logs that each took its path);
  3. sends both the same requests and compares the answers: for /api/places, numberMatched,
     the ids in order, every score and distance, the facets, and the next / prev links (their
     cursors hold the last score to the last bit); then follows the next links of both to the
     end (and some prev links back); for /api/autocomplete, the whole suggestion lists.
     Queries: one word, two words, a prefix being typed, typos, elisions, a ligature, words
     absent from the index, with and without lat/lon, with category / commune filters and
     facets, radius, bbox, k, other sorts, limits 1, 20 and 100.

usage: test_topk.py GEODIR_API GEODIR_IMPORT SOURCE_DIR WORK_DIR
environment: GEODIR_SEARCH_N (number of places, default 30000), GEODIR_SEARCH_SEED
"""
import json
import os
import subprocess
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True   # tests write only under the build tree
API, IMPORTER, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:5])
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from geodir_test import ApiServer, check, finish, fresh_dir, run_import  # noqa: E402

N = int(os.environ.get("GEODIR_SEARCH_N", "30000"))
SEED = int(os.environ.get("GEODIR_SEARCH_SEED", "20261129"))
# Properties whose value depends on the instant of the request (the two servers answer a few
# milliseconds apart): left out of the comparison.
VOLATILE = {"open_state", "next_change", "next_state"}
# Inside the territory, at its edge (the "open at" corner), far outside it.
POINTS = [(48.95, 5.13), (48.87, 5.17), (49.03, 5.09), (48.70, 5.40), (43.6, 1.44)]

stats = {"requests": 0, "pages": 0, "compared": 0}


def get(server, target):
    stats["requests"] += 1
    status, _, body = server.request("GET", target, timeout=120)
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    return status, doc


def strip(doc):
    """The answer without what depends on the instant of the request."""
    if isinstance(doc, dict):
        return {k: strip(v) for k, v in doc.items() if k not in VOLATILE}
    if isinstance(doc, list):
        return [strip(v) for v in doc]
    return doc


def link(doc, rel):
    for ln in doc.get("links", []):
        if ln.get("rel") == rel:
            return ln["href"]
    return None


def summary(doc):
    ids = [f["id"] for f in doc.get("features", [])]
    return f"numberMatched {doc.get('numberMatched')}, {len(ids)} ids {ids[:5]}..."


def same(fast, slow, what):
    """Compares two answers; on a difference, says where."""
    stats["compared"] += 1
    a, b = strip(fast), strip(slow)
    if a == b:
        return True
    detail = ""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k) != b.get(k):
                detail = f" (first difference in '{k}')"
                break
        if "features" in a and "features" in b:
            fa, fb = a["features"], b["features"]
            for i in range(min(len(fa), len(fb))):
                if fa[i] != fb[i]:
                    detail += f"; feature {i}: {fa[i].get('id')} vs {fb[i].get('id')}"
                    break
            detail += f"; fast: {summary(a)}; exhaustive: {summary(b)}"
    return check(False, f"{what}: same answer{detail}")


def places(fast, slow, params, pages=1, back=0):
    """Compares /api/places?params on both servers, then up to `pages` pages along next
    (0: all of them), then `back` pages back along prev from the last page reached."""
    target = "/api/places?" + urllib.parse.urlencode(params)
    what = target
    sf, df = get(fast, target)
    ss, ds = get(slow, target)
    if not check(sf == ss == 200 and df is not None and ds is not None,
                 f"{what}: 200 from both ({sf}, {ss})"):
        return
    if not same(df, ds, what):
        return
    seen = [f["id"] for f in df["features"]]
    page = 1
    while (pages == 0 or page < pages) and link(df, "next"):
        nxt = link(df, "next")
        sf, df = get(fast, nxt)
        ss, ds = get(slow, nxt)
        page += 1
        stats["pages"] += 1
        if not check(sf == ss == 200, f"{what}: page {page}: 200 from both ({sf}, {ss})"):
            return
        if not same(df, ds, f"{what}: page {page}"):
            return
        seen += [f["id"] for f in df["features"]]
    if pages == 0:
        check(len(seen) == len(set(seen)) == df["numberMatched"],
              f"{what}: paging returned each of the {df['numberMatched']} places once "
              f"({len(seen)} returned, {len(set(seen))} distinct)")
    for k in range(back):
        prv = link(df, "prev")
        if not prv:
            break
        sf, df = get(fast, prv)
        ss, ds = get(slow, prv)
        stats["pages"] += 1
        if not check(sf == ss == 200, f"{what}: prev {k + 1}: 200 from both"):
            return
        if not same(df, ds, f"{what}: prev page {k + 1}"):
            return


def autocomplete(fast, slow, params):
    target = "/api/autocomplete?" + urllib.parse.urlencode(params)
    sf, df = get(fast, target)
    ss, ds = get(slow, target)
    if check(sf == ss == 200, f"{target}: 200 from both ({sf}, {ss})"):
        same(df, ds, target)


def main():
    gen_dir = os.path.join(WORK, "gen")
    fresh_dir(WORK)
    t0 = time.monotonic()
    subprocess.run([sys.executable, os.path.join(SRC, "tests", "http", "gen_directory.py"),
                    str(N), str(SEED), gen_dir, os.path.join(SRC, "tests", "http", "fixtures")],
                   check=True)
    db = os.path.join(gen_dir, "topk.sqlite")
    run_import(IMPORTER, os.path.join(gen_dir, "territory.json"), db, ["--no-exports"],
               timeout=900, what=f"generated directory of {N} places")
    print(f"generated and imported in {time.monotonic() - t0:.1f} s", flush=True)

    args = ["--db", db, "--port", "0", "--threads", "2", "--log_level", "info",
            "--static_dir", os.path.join(SRC, "map-ui"), "--max_limit", "1000"]
    fast = ApiServer(API, args, os.path.join(WORK, "fast.log"), name="bounded top-k server")
    slow = None
    try:   # ApiServer exits the test when a server does not start: the other one stops too
        slow = ApiServer(API, args, os.path.join(WORK, "exhaustive.log"),
                         env={"GEODIR_SEARCH_EXHAUSTIVE": "1"}, name="exhaustive server")
        run(fast, slow)
    finally:
        check(fast.stop() == 0, "bounded top-k server: clean exit on SIGTERM")
        if slow:
            check(slow.stop() == 0, "exhaustive server: clean exit on SIGTERM")
    check("text index built" in fast.stderr(),
          "the normal server built the in-memory text index (log: text index built)")
    check("text index built" not in slow.stderr() and "exhaustive" in slow.stderr(),
          "GEODIR_SEARCH_EXHAUSTIVE=1: the other server did not (log: exhaustive)")
    print(f"{stats['requests']} requests, {stats['compared']} answers compared, "
          f"{stats['pages']} further pages")
    finish()


def run(fast, slow):
    t0 = time.monotonic()
    # One word (its typo variants and, without a final space, its prefix), two words, prefixes
    # being typed, typos, elisions, a ligature (its stored form is not ASCII: FTS5 answers),
    # nothing found, a word in every other name.
    words = ["boulangerie", "pharmacie", "martin", "eglise", "Église", "boulangerie ",
             "boulangerie martin", "cafe moulin", "saint martin", "de la gare",
             "bou", "boul", "pha", "ph", "sa", "de", "boulangerie mar", "cabinet med",
             "boulangeire", "pharmacei", "boulanjerie martin", "mouiln ",
             "l'eglise", "d'argonne", "qu'argonne", "cœur", "coeur", "du coeur",
             "zzzz", "boulangerie zzzz", "12", "horaires"]
    for q in words:
        for limit in (1, 20, 100):
            places(fast, slow, {"q": q, "limit": limit, "properties": "name,score"})
        for k, (lat, lon) in enumerate(POINTS):
            places(fast, slow, {"q": q, "lat": lat, "lon": lon, "limit": (20, 1, 100)[k % 3],
                                "properties": "name,score,distance_m"})
    print(f"  words: {time.monotonic() - t0:.1f} s", flush=True)

    # Paging through every page, with and without a position; prev links back.
    for q in ["boulangerie", "boul", "martin eglise", "pharmacei"]:
        places(fast, slow, {"q": q, "limit": 100, "properties": "score"}, pages=0, back=3)
        places(fast, slow, {"q": q, "limit": 100, "lat": 48.95, "lon": 5.13,
                            "properties": "score,distance_m"}, pages=0, back=3)
    places(fast, slow, {"q": "de", "limit": 20, "properties": "score"}, pages=25, back=3)
    places(fast, slow, {"q": "sa", "limit": 7, "lat": 48.87, "lon": 5.17}, pages=25, back=2)
    print(f"  paging: {time.monotonic() - t0:.1f} s", flush=True)

    # Filters, facets, circles, boxes, k, other orders (every match goes through the filters;
    # facets count them all).
    for q in ["boulangerie", "boul", "martin", "pharmacei"]:
        base = {"q": q, "properties": "score,distance_m"}
        for extra in [{"category": "food-shop"}, {"category": "shops"},
                      {"commune": "55040"}, {"commune": "55040,55123"},
                      {"facets": "category,commune"},
                      {"category": "food-shop", "facets": "category,commune"},
                      {"lat": 48.95, "lon": 5.13, "radius": 3000},
                      {"lat": 48.95, "lon": 5.13, "radius": 3000, "facets": "category"},
                      {"bbox": "5.05,48.9,5.15,49.0"},
                      {"lat": 48.95, "lon": 5.13, "k": 15},
                      {"lat": 48.95, "lon": 5.13, "sort": "distance", "limit": 30},
                      {"sort": "name", "limit": 30},
                      {"lat": 48.87, "lon": 5.17, "commune": "55123", "facets": "commune"},
                      {"open_now": "true"},
                      {"open_at": "2026-07-15T10:00:00+02:00", "facets": "category"}]:
            params = dict(base, **extra)
            params.setdefault("limit", 20)
            places(fast, slow, params, pages=3, back=1)
    print(f"  filters: {time.monotonic() - t0:.1f} s", flush=True)

    # Autocomplete: places fill what categories, communes and addresses leave.
    for q in ["b", "bo", "bou", "boul", "boulangerie", "boulangerie m", "pharm", "eglise",
              "l'egl", "caf", "saint", "zzzz", "martin", "boulangeire"]:
        for extra in [{}, {"limit": 1}, {"limit": 20}, {"lat": 48.95, "lon": 5.13},
                      {"lat": 48.70, "lon": 5.40, "limit": 20}]:
            autocomplete(fast, slow, dict({"q": q}, **extra))
    print(f"  autocomplete: {time.monotonic() - t0:.1f} s", flush=True)

    # The same text with and without the index gives the same numbers of places (a sanity
    # check that the comparison compares something).
    status, doc = get(fast, "/api/places?" + urllib.parse.urlencode({"q": "boulangerie",
                                                                     "limit": 5}))
    check(status == 200 and doc["numberMatched"] > 100 and len(doc["features"]) == 5,
          f"'boulangerie' has many matches ({doc and doc.get('numberMatched')})")


if __name__ == "__main__":
    main()
