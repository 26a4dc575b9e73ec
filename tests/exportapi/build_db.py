#!/usr/bin/env python3
"""Fixture set-up of the export tests (tests/exportapi/): a generated directory imported by the
real geodir-import, full exports included.

Writes into WORK_DIR a territory configuration (the five communes of tests/http/fixtures) with
two place sources, so that the licence split has something to split:
  - "local": LOCAL_N fictitious places under etalab-2.0;
  - "osm": OSM_N fictitious places under ODbL-1.0 (publisher OpenStreetMap);
and an "open_data" object with a publisher SIRET (so that scdl-equipements is built) asking for
every format. Places are spread with jitter and named by source, so the importer merges none.
Deterministic (fixed seed). Then runs the importer with WORK_DIR as working directory.

usage: build_db.py IMPORTER SOURCE_DIR WORK_DIR [DB_NAME]
"""
import json
import os
import random
import shutil
import subprocess
import sys
import time

IMPORTER, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:4])
DB_NAME = sys.argv[4] if len(sys.argv) > 4 else "geodir.sqlite"
HTTP_FIX = os.path.join(SRC, "tests", "http", "fixtures")
COMMUNES = ["55017", "55040", "55123", "55517", "55532"]
POSTCODES = {"55017": "55250", "55040": "55250", "55123": "55260", "55517": "55250",
             "55532": "55250"}
BOX = (48.86, 5.02, 49.05, 5.24)     # minlat, minlon, maxlat, maxlon inside the territory
LOCAL_N, OSM_N = 8000, 4000
KINDS = [("Boulangerie", "food-shop"), ("Pharmacie", "pharmacy"), ("Mairie", "town-hall"),
         ("École", "primary-school"), ("Café", "food-drink-lodging"), ("Garage", "car-services"),
         ("Bibliothèque", "library"), ("Association", "association"), ("Ferme", "producer")]
FAMILIES = ["Dupont", "Lefèvre", "Müller", "Gérard", "Martin", "Noël", "Œuvre", "D'Arc"]


def places_file(rng, prefix, n, path):
    feats = []
    for i in range(n):
        kind, cat = KINDS[i % len(KINDS)]
        insee = COMMUNES[(i // len(KINDS)) % len(COMMUNES)]
        lat = round(rng.uniform(BOX[0], BOX[2]), 6)
        lon = round(rng.uniform(BOX[1], BOX[3]), 6)
        feats.append({"type": "Feature",
                      "properties": {"id": f"{prefix}{i:05d}",
                                     "name": f"{kind} {prefix.upper()} {rng.choice(FAMILIES)} {i}",
                                     "category": cat,
                                     "address": f"{rng.randint(1, 80)} rue {rng.choice(FAMILIES)}",
                                     "postcode": POSTCODES[insee], "insee": insee,
                                     "phone": "03 29 00 00 %02d" % (i % 100), "email": None,
                                     "website": f"https://example.org/{prefix}{i}"
                                     if i % 3 == 0 else None,
                                     "opening_hours": rng.choice([None, "Mo-Fr 09:00-12:00",
                                                                  "24/7"]),
                                     "description": "Ligne 1, « guillemets »; virgule, \"quote\""
                                     if i % 7 == 0 else None},
                      "geometry": {"type": "Point", "coordinates": [lon, lat]}})
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f, ensure_ascii=False)


def main():
    rng = random.Random(5005)
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    shutil.copy(os.path.join(HTTP_FIX, "communes.geojson"), WORK)
    places_file(rng, "a", LOCAL_N, os.path.join(WORK, "places-local.geojson"))
    places_file(rng, "o", OSM_N, os.path.join(WORK, "places-osm.geojson"))
    config = {
        "territory": {
            "name": "Territoire d'essai des exports", "short_name": "Essai exports",
            "epci_siren": "200066140", "seat_insee": "55040", "communes": COMMUNES,
            "contact": {"email": "contact@example.org", "phone": "03 29 00 00 00",
                        "website": "https://example.org"},
            "default_licence": "etalab-2.0"},
        "map": {"center": [48.95, 5.15], "zoom": 11, "tiles_url": "", "tiles_attribution": ""},
        "open_data": {"publisher_siret": "20006614000019",
                      "exports": ["geojson", "csv", "csv-fr", "scdl-equipements", "gpkg",
                                  "xlsx", "kml", "shp", "fgb"]},
        "data_dir": ".",
        "sources": [
            {"name": "limites", "profile": "commune-boundaries", "path": "communes.geojson",
             "data_date": "2026-01-01"},
            {"name": "local", "profile": "local-geojson", "path": "places-local.geojson",
             "data_date": "2025-06-01"},
            {"name": "osm", "profile": "local-geojson", "path": "places-osm.geojson",
             "data_date": "2026-02-15", "title": "Lieux OpenStreetMap (essai)",
             "publisher": "OpenStreetMap", "licence": "ODbL-1.0"},
        ],
    }
    cfg_path = os.path.join(WORK, "territory.json")
    with open(cfg_path, "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=1)
    db = os.path.join(WORK, DB_NAME)
    t0 = time.monotonic()
    run = subprocess.run([IMPORTER, "--config", cfg_path, "--db", db], cwd=WORK,
                         capture_output=True, text=True, timeout=300)
    print(run.stdout)
    print(run.stderr, file=sys.stderr)
    print(f"import took {time.monotonic() - t0:.2f} s, exit code {run.returncode}")
    if run.returncode != 0 or not os.path.isfile(db):
        print("FAIL: the importer did not build the export fixture database")
        sys.exit(1)
    print("ok   export fixture database built:", db)


main()
