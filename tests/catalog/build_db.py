#!/usr/bin/env python3
"""Fixture set-up of the catalogue tests: a small directory imported by the real geodir-import.

Writes into WORK_DIR a territory configuration (the five communes of tests/http/fixtures) with:
  - "local": 120 fictitious places under etalab-2.0 (data_date 2025-06-01) whose source title
    and publisher are hostile to every syntax the catalogue is written in (quotes, backslash,
    newline, tab, carriage return, <, &, ]]>, "@fr", Turtle and JSON-LD punctuation);
  - "osm": 60 places under ODbL-1.0 (data_date 2026-02-15), publisher OpenStreetMap;
  - "adresses": the BAN fixture of tests/http (etalab-2.0);
  - "limites": the commune boundaries of tests/http;
  - an "open_data" object: monthly updates, keywords (one hostile), the publisher's SIRET.
Deterministic (fixed seed). Then runs the importer with WORK_DIR as working directory; the
importer builds the full exports (table exports) next to the database.

usage: build_db.py IMPORTER SOURCE_DIR WORK_DIR
"""
import json
import os
import random
import shutil
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import (TEST_BOX as BOX, TEST_COMMUNES as COMMUNES,  # noqa: E402
                         TEST_POSTCODES as POSTCODES, five_communes_config, fresh_dir,
                         run_import, write_config)

IMPORTER, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:4])
HTTP_FIX = os.path.join(SRC, "tests", "http", "fixtures")
KINDS = [("Boulangerie", "food-shop"), ("Pharmacie", "pharmacy"), ("Mairie", "town-hall"),
         ("École", "primary-school"), ("Bibliothèque", "library"), ("Gare", "station"),
         ("Association", "association"), ("Maison de santé", "health-centre")]

# Shared with test_catalog.py, which looks for these exact texts in every serialization.
HOSTILE_TITLE = ('Lieux "locaux" \\ <b>&amp;</b> ]]> @fr ;\n\tligne 2\r — été . } ^^xsd:string')
HOSTILE_PUBLISHER = "Éditeur <script>alert('x')</script> & \"fils\""
HOSTILE_KEYWORD = 'Argonne "forêt" \\ mot-clé'


def places_file(rng, prefix, n, path):
    feats = []
    for i in range(n):
        kind, cat = KINDS[i % len(KINDS)]
        insee = COMMUNES[i % len(COMMUNES)]
        feats.append({"type": "Feature",
                      "properties": {"id": f"{prefix}{i:04d}",
                                     "name": f"{kind} {prefix.upper()} {i}",
                                     "category": cat, "address": f"{i + 1} rue de l'Essai",
                                     "postcode": POSTCODES[insee], "insee": insee,
                                     "phone": None, "email": None, "website": None,
                                     "opening_hours": None, "description": None},
                      "geometry": {"type": "Point",
                                   "coordinates": [round(rng.uniform(BOX[1], BOX[3]), 6),
                                                   round(rng.uniform(BOX[0], BOX[2]), 6)]}})
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f, ensure_ascii=False)


def main():
    rng = random.Random(5)
    fresh_dir(WORK)
    shutil.copy(os.path.join(HTTP_FIX, "communes.geojson"), WORK)
    shutil.copy(os.path.join(HTTP_FIX, "addresses.csv"), WORK)
    places_file(rng, "l", 120, os.path.join(WORK, "places-local.geojson"))
    places_file(rng, "o", 60, os.path.join(WORK, "places-osm.geojson"))
    config = five_communes_config(
        "Territoire d'essai du catalogue (cinq communes de l'Aire à l'Argonne)",
        "Essai catalogue", phone="03 29 70 61 17")
    config["open_data"] = {"update_frequency": "monthly",
                           "keywords": ["annuaire de test", HOSTILE_KEYWORD],
                           "publisher_siret": "20006614000011"}
    config["sources"] += [
        {"name": "local", "profile": "local-geojson", "path": "places-local.geojson",
         "data_date": "2025-06-01", "title": HOSTILE_TITLE,
         "publisher": HOSTILE_PUBLISHER},
        {"name": "osm", "profile": "local-geojson", "path": "places-osm.geojson",
         "data_date": "2026-02-15", "title": "Lieux OpenStreetMap (essai)",
         "publisher": "OpenStreetMap", "licence": "ODbL-1.0"},
        {"name": "adresses", "profile": "ban", "path": "addresses.csv",
         "data_date": "2026-03-01"},
    ]
    run_import(IMPORTER, write_config(WORK, config), os.path.join(WORK, "geodir.sqlite"),
               timeout=250, what="catalogue fixture database")

if __name__ == "__main__":
    main()
