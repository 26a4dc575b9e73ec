#!/usr/bin/env python3
"""Fixture set-up of the OGC API tests: a generated directory imported by the real geodir-import.

Writes into WORK_DIR a territory configuration (the five communes of tests/http/fixtures) with
several sources, so that the OGC collections have something to show:
  - "local": 900 fictitious places (licence etalab-2.0, data_date 2025-06-01), every top-level
    category and many subcategories, a few with names that need HTML escaping and one whose id
    needs URL encoding ("x+y@z");
  - "osm": 400 places under ODbL-1.0 (data_date 2026-02-15), publisher OpenStreetMap;
  - "recent": 30 places whose source date is a date-time (2026-09-30T08:30:00Z);
  - "adresses": the BAN fixture of tests/http (etalab-2.0) and "bano": 40 BANO-format
    addresses (ODbL-1.0);
  - "limites": the commune boundaries of tests/http.
Deterministic (fixed seed). Then runs the importer with WORK_DIR as working directory.

usage: build_db.py IMPORTER SOURCE_DIR WORK_DIR
"""
import os
import random
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import (TEST_BOX as BOX, TEST_COMMUNES as COMMUNES,  # noqa: E402
                         TEST_POSTCODES as POSTCODES, five_communes_config, fixture_dir,
                         local_and_osm_sources, place_feature, run_import, write_config,
                         write_places)

IMPORTER, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:4])

KINDS = [("Boulangerie", "food-shop"), ("Pharmacie", "pharmacy"), ("Mairie", "town-hall"),
         ("École", "primary-school"), ("Église", "worship"), ("Café", "food-drink-lodging"),
         ("Garage", "car-services"), ("Cabinet médical", "gp"), ("Salle des fêtes",
         "culture-venue"), ("Bibliothèque", "library"), ("Club de football", "sports"),
         ("Association", "association"), ("Infirmière", "nurse"), ("Crèche", "childcare"),
         ("Ferme", "producer"), ("Maison de santé", "health-centre"), ("Gare", "station"),
         ("Covoiturage", "carpool"), ("Service de santé", "health"),
         ("Service public", "public-services"), ("Collège", "secondary-school")]
FAMILIES = ["Dupont", "Lefèvre", "Müller", "Gérard", "Martin", "Bernard", "Thomas", "Petit",
            "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent", "Simon", "Noël"]


def place(rng, pid, name, cat, lat, lon, insee):
    return place_feature(pid, name, cat, insee, lon, lat,
                         f"{rng.randint(1, 80)} rue {rng.choice(FAMILIES)}",
                         website="https://example.org/" + str(pid) if rng.random() < .2
                         else None,
                         opening_hours=rng.choice([None, "Mo-Fr 09:00-12:00", "24/7"]))


def places_file(rng, prefix, n, path, specials=()):
    feats = []
    for i in range(n):
        kind, cat = KINDS[i % len(KINDS)]
        # Spread on a grid with jitter so that no two places of different sources come close
        # enough to be merged by the importer (names differ by source too).
        lat = round(rng.uniform(BOX[0], BOX[2]), 6)
        lon = round(rng.uniform(BOX[1], BOX[3]), 6)
        name = f"{kind} {prefix} {rng.choice(FAMILIES)} {i}"
        feats.append(place(rng, f"{prefix}{i:04d}", name, cat, lat, lon,
                           COMMUNES[i % len(COMMUNES)]))
    for pid, name, cat, lat, lon in specials:
        feats.append(place(rng, pid, name, cat, lat, lon, "55532"))
    write_places(path, feats)


def main():
    rng = random.Random(20261129)
    fixture_dir(WORK, SRC, "communes.geojson", "addresses.csv")
    specials = [
        ("x+y@z", "Épicerie « <b>Chez Zoé</b> » & fils", "food-shop", 48.95, 5.15),
        ("quote", "L'Atelier \"du coin\"", "building-trades", 48.9501, 5.1501),
    ]
    places_file(rng, "a", 900, os.path.join(WORK, "places-local.geojson"), specials)
    places_file(rng, "o", 400, os.path.join(WORK, "places-osm.geojson"))
    places_file(rng, "r", 30, os.path.join(WORK, "places-recent.geojson"))
    with open(os.path.join(WORK, "bano.csv"), "w", encoding="utf-8") as f:
        for i in range(40):
            insee = COMMUNES[i % len(COMMUNES)]
            lat = round(rng.uniform(BOX[0], BOX[2]), 6)
            lon = round(rng.uniform(BOX[1], BOX[3]), 6)
            f.write(f"{insee}{i:05d},{i + 1},Rue {FAMILIES[i % len(FAMILIES)]},"
                    f"{POSTCODES[insee]},Commune {insee},OSM,{lat},{lon}\n")
    config = five_communes_config(
        "Territoire d'essai OGC (cinq communes de l'Aire à l'Argonne)", "Essai OGC")
    config["sources"] += local_and_osm_sources()
    config["sources"] += [
        {"name": "recent", "profile": "local-geojson", "path": "places-recent.geojson",
         "data_date": "2026-09-30T08:30:00Z"},
        {"name": "adresses", "profile": "ban", "path": "addresses.csv",
         "data_date": "2026-01-01"},
        {"name": "bano", "profile": "bano", "path": "bano.csv", "data_date": "2026-03-01"},
    ]
    run_import(IMPORTER, write_config(WORK, config), os.path.join(WORK, "geodir.sqlite"),
               timeout=200, what="OGC fixture database")

main()
