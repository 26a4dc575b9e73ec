#!/usr/bin/env python3
"""Real-data test: the real files of ../shared/datasets through the real importer and server.

Imports config/aire-argonne-shared.json (COG-derived commune list, IGN/Admin Express commune
boundaries, BANO addresses of the territory, the service-public.fr XML annuaire of Meuse, La
Poste points of contact, the Annuaire de l'éducation extract and the DEPP collèges of Meuse)
into a temporary SpatiaLite file, starts geodir-api on 127.0.0.1 port 0 and checks what
SOURCES.md establishes as ground truth, and what a resident of the territory would check:
the mairie's hours, the collège, addresses typed as people type them.

usage: test_realdata.py IMPORTER API SOURCE_DIR DATASETS_DIR WORK_DIR
"""
import csv
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
import unicodedata
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import ApiServer, check, failures, haversine  # noqa: E402

IMPORTER, API, SRC, DATASETS, WORK = sys.argv[1:6]
CONFIG = os.path.join(SRC, "config/aire-argonne-shared.json")
PUBLIC_URL = "https://annuaire.cc-aireargonne.fr"
IMPORT_SECONDS_MAX = 10   # the whole real territory imports in well under a second
BANO = "bano-55_2015-03_epci-200066140.csv"
ADDRESS_SEED = 14         # the 50 addresses are drawn from BANO with this seed at run time


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
        return json.load(r)


def q(text):
    return urllib.parse.quote(text)


def run_import(config, db, extra=()):
    t0 = time.monotonic()
    imp = subprocess.run([IMPORTER, "--config", config, "--data-dir", DATASETS, "--db", db,
                          *extra],
                         capture_output=True, text=True, timeout=600)
    return imp, time.monotonic() - t0


def check_import(imp, elapsed, db):
    """Exit status, time, rows per source, rejects file."""
    print(imp.stdout)
    check(imp.returncode == 0, f"importer exit code 0 (got {imp.returncode}: {imp.stderr[-2000:]})")
    print(f"import of the real territory files: {elapsed:.2f} s")
    check(elapsed < IMPORT_SECONDS_MAX, f"import under {IMPORT_SECONDS_MAX} s ({elapsed:.2f} s)")
    if imp.returncode != 0:
        sys.exit(1)
    with open(db + ".report.json", encoding="utf-8") as f:
        report = json.load(f)
    by_source = {s["name"]: s for s in report["sources"]}
    want = {"cog": 47, "limites": 47, "bano": 505, "service-public": 49, "laposte": 7,
            "annuaire-education": 2, "colleges": 1}
    for name, n in want.items():
        got = by_source.get(name, {}).get("imported")
        check(got == n, f"source {name}: {n} rows imported (got {got})")
    rejected = report["totals"]["rejected"]
    with open(db + ".rejects.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    check(rows and rows[0] == ["source", "file", "line", "field", "reason", "value"]
          and len(rows) - 1 == rejected,
          f"rejects CSV: header and one row per rejected row ({rejected} rejected)")
    print(f"rejected rows of the real files: {rejected}")


def check_rejects_named():
    """A real file with one damaged row: the reject names file:line:field."""
    folder = os.path.join(WORK, "damaged")
    os.makedirs(folder)
    with open(os.path.join(DATASETS, "education_colleges-dep55_2024.csv"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    target = next(i for i, line in enumerate(lines) if line.startswith("0550022A;"))
    cells = lines[target].split(";")
    cells[1] = ""                  # appellation_officielle: no name
    lines[target] = ";".join(cells)
    with open(os.path.join(folder, "colleges.csv"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    with open(CONFIG, encoding="utf-8") as f:
        config = json.load(f)
    config["data_dir"] = DATASETS
    for s in config["sources"]:
        if s["name"] == "colleges":
            s["path"] = os.path.join(folder, "colleges.csv")
    path = os.path.join(folder, "config.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False)
    # The territory's only collège rejected: the guard refuses the source (100 % of its rows)
    imp, _ = run_import(path, os.path.join(folder, "geodir.sqlite"), ["--no-exports"])
    want = f"colleges.csv:{target + 1}: appellation_officielle:"
    check(imp.returncode == 1 and want in imp.stderr and "1 of 1 rows rejected" in imp.stderr,
          f"a damaged real row is reported as file:line:field ({want}…), the guard refuses "
          f"the source")
    imp, _ = run_import(path, os.path.join(folder, "geodir.sqlite"),
                        ["--no-exports", "--accept-shrink=colleges"])
    with open(os.path.join(folder, "geodir.sqlite.rejects.csv"), encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    check(imp.returncode == 0 and len(rows) == 1 and rows[0][0] == "colleges"
          and rows[0][2:5] == [str(target + 1), "appellation_officielle", "no name"],
          f"  and listed in the rejects CSV with its line and field ({rows})")


def check_communes(port):
    communes = get(port, "/api/communes")["communes"]
    check(len(communes) == 47, f"47 member communes (got {len(communes)})")
    with_boundary = sum(1 for c in communes if c.get("has_boundary"))
    check(with_boundary == 47, f"47 communes with boundaries (got {with_boundary})")
    by_insee = {c["insee"]: c for c in communes}
    check(by_insee.get("55123", {}).get("population") == 702,
          "Les Hauts-de-Chée has population 702")
    check(by_insee.get("55532", {}).get("postcodes") == ["55250"], "Vaubecourt postcode 55250")
    geo = get(port, "/api/communes.geojson")
    kinds = {f["geometry"]["type"] for f in geo["features"] if f.get("geometry")}
    check(kinds == {"MultiPolygon"}, f"boundaries are MultiPolygons ({kinds})")


def check_places(port):
    # Ground truth from SOURCES.md: the two mairies within 100 m of their published points.
    for insee, name, lat, lon in (("55532", "Vaubecourt", 48.9332, 5.11084),
                                  ("55517", "Seuil-d'Argonne", 48.9785, 5.06382)):
        res = get(port, f"/api/places?lat={lat}&lon={lon}&radius=100&category=town-hall")
        hits = [f for f in res["features"] if f["properties"]["insee"] == insee]
        check(len(hits) == 1, f"mairie of {name} found within 100 m")
        if hits:
            lon2, lat2 = hits[0]["geometry"]["coordinates"]
            d = haversine(lat, lon, lat2, lon2)
            check(abs(d - hits[0]["properties"]["distance_m"]) < 0.1 and d < 100,
                  f"  distance {hits[0]['properties']['distance_m']} m equals haversine {d:.1f} m")
            p = hits[0]["properties"]
            check(p["licence"] == "etalab-2.0" and p["source"] == "service-public",
                  "  provenance: service-public, Licence Ouverte")

    # One mairie per commune, the EPCI seat and France Services (the XML files, one place
    # each), 7 La Poste points, the schools of the two education files.
    cats = {c["code"]: c for top in get(port, "/api/categories")["categories"]
            for c in [top] + top.get("children", [])}
    for code, n in (("town-hall", 47), ("epci-office", 1), ("france-services", 1),
                    ("post-office", 7), ("primary-school", 2), ("secondary-school", 1)):
        check(cats[code]["count"] == n, f"{n} × {code} (got {cats[code]['count']})")

    seat = get(port, "/api/places?lat=48.9762081&lon=5.2258574&radius=50&category=epci-office")
    check(seat["numberReturned"] == 1 and seat["features"][0]["properties"]["insee"] == "55040",
          "EPCI seat at Beausite")

    # La Poste writes its localities in capitals: shown with the commune's official name.
    lp = get(port, "/api/places?lat=48.899322&lon=5.329219&radius=50&category=post-office")
    names = [f["properties"]["name"] for f in lp["features"]]
    check(names == ["La Poste – Bureau de Poste (Pierrefitte-sur-Aire)"],
          f"La Poste name in proper case with the COG spelling ({names})")
    erize = get(port, "/api/places?q=poste&commune=55177")
    names = [f["properties"]["name"] for f in erize["features"]]
    check("La Poste – Agence postale communale (Érize-la-Petite)" in names,
          f"« (ERIZE LA PETITE) » shown as « (Érize-la-Petite) » ({names})")


def check_resident(port):
    """What a resident checks: the mairie's hours, the collège, an address."""
    mairie = "/api/places?lat=48.9332&lon=5.11084&radius=100&category=town-hall"
    res = get(port, mairie)
    p = res["features"][0]["properties"] if res["features"] else {}
    check(p.get("opening_hours") == "Tu 16:30-18:30; Th 10:00-12:00",
          f"mairie of Vaubecourt has its hours from the XML <Ouverture> ({p.get('opening_hours')})")
    # 2026-03-10 is a Tuesday (outside school holidays, not a public holiday).
    at = get(port, mairie + "&open_at=2026-03-10T17:00")
    check(at["numberReturned"] == 1 and at["features"][0]["properties"]["open_state"] == "open",
          "mairie of Vaubecourt open on Tuesday 17:00 Europe/Paris")
    utc = get(port, mairie + "&open_at=2026-03-10T16:00Z")   # 17:00 in Paris (UTC+1)
    check(utc["numberReturned"] == 1, "  also when the instant is given in UTC (16:00Z)")
    for when in ("2026-03-10T12:00", "2026-03-09T17:00", "2026-03-10T18:00Z"):
        closed = get(port, mairie + "&open_at=" + when)
        check(closed["numberReturned"] == 0, f"  and not open at {when}")

    college = get(port, "/api/places?q=" + q("collège") + "&lat=48.9332&lon=5.11084&radius=5000")
    hits = [dict(f["properties"], id=f["id"]) for f in college["features"]
            if f["properties"]["insee"] == "55532"
            and f["properties"]["category"] == "secondary-school"]
    check(len(hits) == 1 and hits[0]["name"] == "Collège Emilie du Châtelet"
          and hits[0]["id"] == "colleges:0550022A"
          and hits[0]["address"] == "Rue ERNEST CHAUDRON\nLe Champ sous l'Orme",
          f"the collège of Vaubecourt found by « collège » ({[h['name'] for h in hits]})")
    # « école » names the school categories (common/taxonomy_synonyms.def): the collège too.
    ecole = get(port, "/api/places?q=" + q("école") + "&lat=48.9332&lon=5.11084&radius=5000")
    ids = [f["id"] for f in ecole["features"]]
    check("colleges:0550022A" in ids,
          f"the collège of Vaubecourt found by « école » ({ids})")
    # The two écoles are found by « école » within the primary-school category.
    ecoles = get(port, "/api/places?q=" + q("école") + "&category=primary-school")
    ids = sorted(f["id"] for f in ecoles["features"])
    check(ids == ["annuaire-education:0550350G", "annuaire-education:0550922D"],
          f"the écoles of Nubécourt and Seuil-d'Argonne found by « école » ({ids})")

    # SOURCES.md ground truth: 2 rue Raymond Poincaré, Nubécourt (BANO 553890054N-2).
    geo = get(port, "/api/search/?q=" + q("2 rue Raymond Poincaré Nubécourt") + "&limit=1")
    f = geo["features"][0] if geo["features"] else None
    d = haversine(48.998167, 5.172793, f["geometry"]["coordinates"][1],
                  f["geometry"]["coordinates"][0]) if f else None
    check(f is not None and f["properties"]["citycode"] == "55389" and d < 50,
          f"an address of Nubécourt geocodes within 50 m ({d and round(d, 1)} m)")


ABBREVIATIONS = [("grande rue", "gde rue"), ("rue", "r"), ("route", "rte"), ("chemin", "ch"),
                 ("ruelle", "rle"), ("lotissement", "lot"), ("impasse", "imp"), ("place", "pl")]


def as_typed(number, street, commune, rng):
    """An address as people type it: lower case, no accents, the street type abbreviated,
    hyphens of the commune as spaces, no postcode."""
    def plain(s):
        s = unicodedata.normalize("NFD", s.lower())
        return "".join(c for c in s if unicodedata.category(c) != "Mn")
    street = plain(street)
    for long, short in ABBREVIATIONS:
        if street.startswith(long + " ") and rng.random() < 0.7:
            street = short + street[len(long):]
            break
    return f"{number.lower()} {street} {plain(commune).replace('-', ' ')}"


def check_typed_addresses(port):
    with open(os.path.join(DATASETS, BANO), encoding="utf-8", newline="") as f:
        rows = [r for r in csv.reader(f) if r[1] and r[2]]
    rng = random.Random(ADDRESS_SEED)
    sample = rng.sample(rows, 50)
    good, misses, typed_seen = 0, [], []
    for r in sample:
        text = as_typed(r[1], r[2], r[4], rng)
        geo = get(port, "/api/search/?q=" + q(text) + "&limit=1")
        f = geo["features"][0] if geo["features"] else None
        lat, lon = float(r[6]), float(r[7])
        d = haversine(lat, lon, f["geometry"]["coordinates"][1],
                      f["geometry"]["coordinates"][0]) if f else None
        if len(typed_seen) < 5:
            typed_seen.append(text)
        if f and f["properties"]["citycode"] == r[0][:5] and d <= 50:
            good += 1
        else:
            misses.append(f"{text!r} -> {f and f['properties']['label']} ({d and round(d)} m)")
    print(f"typed addresses geocoded to the right commune within 50 m: {good}/50 "
          f"(e.g. {', '.join(repr(t) for t in typed_seen)})")
    for m in misses:
        print("  miss: " + m)
    check(good == 50, f"50 real addresses typed as users type them: {good}/50 within 50 m")
    check(geo["licence"] == "ODbL-1.0", "  answers from BANO carry its licence, ODbL")


def check_open_data(port):
    cat = get(port, "/catalog.jsonld")
    ids = [n["@id"] for n in cat["@graph"]]
    own = [i for i in ids if "127.0.0.1" in i or "localhost" in i]
    check(not own and any(i.startswith(PUBLIC_URL + "/") for i in ids),
          f"catalogue identifiers under open_data.public_url {PUBLIC_URL} ({own[:3]})")
    territory = get(port, "/api/territory")
    check(territory.get("open_data", {}).get("public_url") == PUBLIC_URL,
          "/api/territory gives the public URL")


def check_raw_values(db):
    """La Poste's localities as written, kept through a refresh of another source."""
    def raw():
        con = sqlite3.connect(db)   # plain tables: no SpatiaLite needed
        try:
            return dict(con.execute("SELECT id, value FROM place_raw_values"
                                    " WHERE source = 'laposte' AND field = 'Localité'"))
        finally:
            con.close()
    before = raw()
    check(len(before) == 7 and before.get("laposte:12330D") == "ERIZE LA PETITE",
          f"the 7 La Poste localities kept as written ({before.get('laposte:12330D')!r})")
    imp, _ = run_import(CONFIG, db, ["--source", "service-public", "--no-exports"])
    check(imp.returncode == 0 and raw() == before,
          f"  and still after a refresh of another source (exit {imp.returncode})")


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    db = os.path.join(WORK, "geodir.sqlite")
    imp, elapsed = run_import(CONFIG, db)
    check_import(imp, elapsed, db)
    check_rejects_named()
    srv = ApiServer(API, ["--db", db, "--port", "0", "--listen", "127.0.0.1",
                          "--static_dir", os.path.join(SRC, "map-ui")],
                    os.path.join(WORK, "server.stderr"))
    try:
        check_communes(srv.port)
        check_places(srv.port)
        check_resident(srv.port)
        check_typed_addresses(srv.port)
        check_open_data(srv.port)
    finally:
        code = srv.stop(timeout=10)
        check(code == 0, f"server stopped cleanly on SIGTERM (exit {code})")
    check_raw_values(db)
    print(f"{len(failures) == 0 and 'all' or 'some'} real-data checks done: "
          f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


main()
