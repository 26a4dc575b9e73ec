#!/usr/bin/env python3
"""Fixture set-up of the catalogue tests: a small directory imported by the real geodir-import.

Writes into WORK_DIR a territory configuration (the five communes of tests/http/fixtures) with:
  - "local": 120 fictitious places under etalab-2.0 (data_date 2025-06-01) whose source title
    and publisher are hostile to every syntax the catalogue is written in (quotes, backslash,
    newline, tab, carriage return, <, &, ]]>, "@fr", Turtle and JSON-LD punctuation);
  - "osm": 60 places under ODbL-1.0 (data_date 2026-02-15), publisher OpenStreetMap;
  - "adresses": the BAN fixture of tests/http (etalab-2.0), and "bano": 25 BANO-format
    addresses (ODbL-1.0, data_date 2026-04-01): the addresses collection is then ODbL;
  - "limites": the commune boundaries of tests/http;
  - an "open_data" object: monthly updates, keywords (one hostile, two that are also default
    keywords of the datasets: each must still be said once), the publisher's SIRET.
Deterministic (fixed seed). Then runs the importer with WORK_DIR as working directory; the
importer builds the full exports (table exports) next to the database.

usage: build_db.py IMPORTER SOURCE_DIR WORK_DIR
"""
import os
import random
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import (TEST_BOX as BOX, TEST_COMMUNES as COMMUNES,  # noqa: E402
                         TEST_POSTCODES as POSTCODES,
                         five_communes_config, fixture_dir, local_and_osm_sources, place_feature,
                         run_import, write_config, write_places)

IMPORTER, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:4])
KINDS = [("Boulangerie", "food-shop"), ("Pharmacie", "pharmacy"), ("Mairie", "town-hall"),
         ("École", "primary-school"), ("Bibliothèque", "library"), ("Gare", "station"),
         ("Association", "association"), ("Maison de santé", "health-centre")]

# Shared with test_catalog.py, which looks for these exact texts in every serialization.
HOSTILE_TITLE = ('Lieux "locaux" \\ <b>&amp;</b> ]]> @fr ;\n\tligne 2\r — été . } ^^xsd:string')
HOSTILE_PUBLISHER = "Éditeur <script>alert('x')</script> & \"fils\""
HOSTILE_KEYWORD = 'Argonne "forêt" \\ mot-clé'
# Configured keywords that are also default keywords (of the places, of the addresses).
REPEATED_KEYWORDS = ["annuaire", "adresses"]
N_BANO = 25


def places_file(rng, prefix, n, path):
    feats = []
    for i in range(n):
        kind, cat = KINDS[i % len(KINDS)]
        insee = COMMUNES[i % len(COMMUNES)]
        lon = round(rng.uniform(BOX[1], BOX[3]), 6)
        lat = round(rng.uniform(BOX[0], BOX[2]), 6)
        feats.append(place_feature(f"{prefix}{i:04d}", f"{kind} {prefix.upper()} {i}", cat, insee,
                                   lon, lat, f"{i + 1} rue de l'Essai"))
    write_places(path, feats)


def main():
    rng = random.Random(5)
    fixture_dir(WORK, SRC, "communes.geojson", "addresses.csv")
    places_file(rng, "l", 120, os.path.join(WORK, "places-local.geojson"))
    places_file(rng, "o", 60, os.path.join(WORK, "places-osm.geojson"))
    config = five_communes_config(
        "Territoire d'essai du catalogue (cinq communes de l'Aire à l'Argonne)",
        "Essai catalogue", phone="03 29 70 61 17")
    with open(os.path.join(WORK, "bano.csv"), "w", encoding="utf-8") as f:
        for i in range(N_BANO):   # headerless: id, numero, voie, code_post, nom_comm, source
            insee = COMMUNES[i % len(COMMUNES)]
            lat = round(rng.uniform(BOX[0], BOX[2]), 6)
            lon = round(rng.uniform(BOX[1], BOX[3]), 6)
            f.write(f"{insee}B{i:04d},{i + 1},Chemin de l'exemple,{POSTCODES[insee]},"
                    f"Commune {insee},OSM,{lat},{lon}\n")
    config["open_data"] = {"update_frequency": "monthly",
                           "keywords": ["annuaire de test", HOSTILE_KEYWORD] + REPEATED_KEYWORDS,
                           "publisher_siret": "20006614000011"}
    config["sources"] += local_and_osm_sources(title=HOSTILE_TITLE, publisher=HOSTILE_PUBLISHER)
    config["sources"] += [
        {"name": "adresses", "profile": "ban", "path": "addresses.csv",
         "data_date": "2026-03-01"},
        {"name": "bano", "profile": "bano", "path": "bano.csv", "data_date": "2026-04-01"},
    ]
    run_import(IMPORTER, write_config(WORK, config), os.path.join(WORK, "geodir.sqlite"),
               timeout=250, what="catalogue fixture database")

if __name__ == "__main__":
    main()
