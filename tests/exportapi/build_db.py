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
import os
import random
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import (TEST_BOX as BOX, TEST_COMMUNES as COMMUNES,  # noqa: E402
                         five_communes_config, fixture_dir, local_and_osm_sources, place_feature,
                         run_import, write_config, write_places)

IMPORTER, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:4])
DB_NAME = sys.argv[4] if len(sys.argv) > 4 else "geodir.sqlite"
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
        feats.append(place_feature(
            f"{prefix}{i:05d}", f"{kind} {prefix.upper()} {rng.choice(FAMILIES)} {i}", cat,
            insee, lon, lat, f"{rng.randint(1, 80)} rue {rng.choice(FAMILIES)}",
            phone="03 29 00 00 %02d" % (i % 100),
            website=f"https://example.org/{prefix}{i}" if i % 3 == 0 else None,
            opening_hours=rng.choice([None, "Mo-Fr 09:00-12:00", "24/7"]),
            description="Ligne 1, « guillemets »; virgule, \"quote\"" if i % 7 == 0 else None))
    write_places(path, feats)


def main():
    rng = random.Random(5005)
    fixture_dir(WORK, SRC, "communes.geojson")
    places_file(rng, "a", LOCAL_N, os.path.join(WORK, "places-local.geojson"))
    places_file(rng, "o", OSM_N, os.path.join(WORK, "places-osm.geojson"))
    config = five_communes_config("Territoire d'essai des exports", "Essai exports")
    config["open_data"] = {"publisher_siret": "20006614000019",
                           "exports": ["geojson", "csv", "csv-fr", "scdl-equipements", "gpkg",
                                       "xlsx", "kml", "shp", "fgb"]}
    config["sources"] += local_and_osm_sources()
    run_import(IMPORTER, write_config(WORK, config), os.path.join(WORK, DB_NAME),
               timeout=300, what="export fixture database")

main()
