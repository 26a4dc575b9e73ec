#!/usr/bin/env python3
"""Real-data test: the real files of ../shared/datasets through the real importer and server.

Imports config/aire-argonne-shared.json (COG-derived commune list, IGN/Admin Express commune
boundaries, the service-public.fr annuaire of Meuse, La Poste points of contact of Meuse) into a
temporary SpatiaLite file, starts geodir-api on 127.0.0.1 port 0 and checks what SOURCES.md
establishes as ground truth.

usage: test_realdata.py IMPORTER API SOURCE_DIR DATASETS_DIR WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import ApiServer, check, failures, haversine  # noqa: E402

IMPORTER, API, SRC, DATASETS, WORK = sys.argv[1:6]


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
        return json.load(r)


shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
db = os.path.join(WORK, "geodir.sqlite")

t0 = time.monotonic()
imp = subprocess.run([IMPORTER, "--config", os.path.join(SRC, "config/aire-argonne-shared.json"),
                      "--data-dir", DATASETS, "--db", db],
                     capture_output=True, text=True, timeout=600)
elapsed = time.monotonic() - t0
print(imp.stdout)
check(imp.returncode == 0, f"importer exit code 0 (got {imp.returncode}: {imp.stderr[-2000:]})")
print(f"import of the real territory files: {elapsed:.2f} s")
if imp.returncode != 0:
    sys.exit(1)

srv = ApiServer(API, ["--db", db, "--port", "0", "--listen", "127.0.0.1",
                     "--static_dir", os.path.join(SRC, "map-ui")],
                os.path.join(WORK, "server.stderr"))
port = srv.port
try:
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

    # One mairie per commune, the EPCI seat and France Services; 7 La Poste points.
    cats = {c["code"]: c for top in get(port, "/api/categories")["categories"]
            for c in [top] + top.get("children", [])}
    check(cats["town-hall"]["count"] == 47, f"47 mairies (got {cats['town-hall']['count']})")
    check(cats["epci-office"]["count"] == 1, "1 EPCI office")
    check(cats["france-services"]["count"] == 1, "1 France Services")
    check(cats["post-office"]["count"] == 7, f"7 La Poste points (got {cats['post-office']['count']})")

    seat = get(port, "/api/places?lat=48.9762081&lon=5.2258574&radius=50&category=epci-office")
    check(seat["numberReturned"] == 1 and seat["features"][0]["properties"]["insee"] == "55040",
          "EPCI seat at Beausite")
finally:
    code = srv.stop(timeout=10)
    check(code == 0, f"server stopped cleanly on SIGTERM (exit {code})")

print(f"{len(failures) == 0 and 'all' or 'some'} real-data checks done: "
      f"{len(failures)} failed")
sys.exit(1 if failures else 0)
