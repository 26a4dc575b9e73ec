#!/usr/bin/env python3
"""Generates a fictitious directory of N places for the search tests (and benchmarks): a
territory configuration, the five fixture communes' boundaries, and a GeoJSON file of places
in the format of the importer's `local-geojson` profile. Deterministic: the same seed and N
always give the same bytes.

What the places are made of, on purpose:
  - French names built from a small vocabulary with accents, elisions and a ligature
    ("Boulangerie de l'Église Lefèvre", "Café du Cœur Müller 12"), so that text search has
    common and rare words, prefixes and typos to find;
  - categories of both taxonomy levels' children, the five member communes;
  - exact ties: groups of places at the same point, and pairs mirrored in longitude around
    anchor points (equal haversine distances from the anchor);
  - opening_hours from a fixed list (valid and invalid values), and a block of places far in
    a corner ("hours-NN") carrying each value of HOURS_TABLE, for the "open at" tests.

usage: gen_directory.py N SEED OUT_DIR FIXTURES_DIR
writes OUT_DIR/places.geojson, OUT_DIR/communes.geojson (copied), OUT_DIR/territory.json
and OUT_DIR/anchors.json (the anchor points of mirrored pairs).
"""
import json
import os
import random
import shutil
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import TEST_COMMUNES as COMMUNES, five_communes_config, write_config  # noqa: E402

BOX = (48.84, 5.015, 49.06, 5.245)          # minlat, minlon, maxlat, maxlon of the territory
HOURS_CORNER = (48.70, 5.40)                 # where the "open at" places stand

KINDS = [
    ("Boulangerie", "food-shop"), ("Pharmacie", "pharmacy"), ("Mairie", "town-hall"),
    ("École", "primary-school"), ("Église", "worship"), ("Café", "food-drink-lodging"),
    ("Épicerie", "food-shop"), ("Garage", "car-services"), ("Cabinet médical", "gp"),
    ("Salle des fêtes", "culture-venue"), ("Bibliothèque", "library"),
    ("Club de football", "sports"), ("Association", "association"), ("Infirmière", "nurse"),
    ("Déchèterie", "waste"), ("Crèche", "childcare"), ("Boucherie", "food-shop"),
    ("Coiffure", "personal-services"), ("Ferme", "producer"), ("Gîte", "food-drink-lodging"),
    ("Maison de santé", "health-centre"), ("Kinésithérapeute", "physiotherapist"),
    ("Défibrillateur", "defibrillator"), ("Covoiturage", "carpool"),
]
PARTS = ["du Cœur", "de l'Église", "des Tilleuls", "Saint-Martin", "Sainte-Anne", "de la Gare",
         "du Moulin", "des Écoles", "du Château", "de l'Aire", "d'Argonne", "du Lavoir",
         "de la Fontaine", "des Prés", "du Centre", "l'Ancienne Forge"]
FAMILIES = ["Dupont", "Lefèvre", "Müller", "Gérard", "Martin", "Bernard", "Thomas", "Petit",
            "Robert", "Richard", "Durand", "Dubois", "Moreau", "Laurent", "Simon", "Michel",
            "Garçon", "Noël", "Benoît", "Zoé"]

# opening_hours values given at random (None: no hours).
HOURS_POOL = [None, None, None, "Mo-Fr 08:30-12:00,14:00-18:00", "Mo-Sa 09:00-19:00", "24/7",
              "Tu-Sa 07:00-13:00; Su 07:00-12:00", "Mo-Fr 09:00-12:00; PH off",
              "Fr-Sa 20:00-02:00", "lundi au vendredi 9h-12h", "Mo-Su 10:00-18:00; SH off",
              "off"]

# The "open at" table: (opening_hours, instant, expected state, expected next change or None).
# Instants are RFC 3339 with the offset; expected next changes as the API writes them.
HOURS_TABLE = [
    ("Mo-Fr 08:30-12:00,14:00-18:00", "2026-07-15T10:00:00+02:00", "open",
     "2026-07-15T12:00:00+02:00"),
    ("Mo-Fr 08:30-12:00,14:00-18:00", "2026-07-15T12:00:00+02:00", "closed",
     "2026-07-15T14:00:00+02:00"),
    ("Mo-Fr 08:30-12:00,14:00-18:00", "2026-07-18T10:00:00+02:00", "closed",
     "2026-07-20T08:30:00+02:00"),
    ("Mo-Fr 08:30-12:00,14:00-18:00", "2026-07-14T10:00:00+02:00", "open",
     "2026-07-14T12:00:00+02:00"),
    ("Mo-Fr 08:30-12:00; PH off", "2026-07-14T10:00:00+02:00", "closed",
     "2026-07-15T08:30:00+02:00"),
    ("Mo-Fr 08:30-12:00; PH off", "2026-05-14T10:00:00+02:00", "closed",
     "2026-05-15T08:30:00+02:00"),
    ("Mo-Fr 08:30-12:00; PH off", "2026-05-13T10:00:00+02:00", "open",
     "2026-05-13T12:00:00+02:00"),
    ("24/7", "2026-03-29T02:30:00+01:00", "open", None),
    ("Fr-Sa 20:00-02:00", "2026-07-18T01:00:00+02:00", "open", "2026-07-18T02:00:00+02:00"),
    ("Fr-Sa 20:00-02:00", "2026-07-19T01:00:00+02:00", "open", "2026-07-19T02:00:00+02:00"),
    ("Fr-Sa 20:00-02:00", "2026-07-20T01:00:00+02:00", "closed", "2026-07-24T20:00:00+02:00"),
    ("Su 01:00-04:00", "2026-03-29T03:30:00+02:00", "open", "2026-03-29T04:00:00+02:00"),
    ("Su 02:30-05:00", "2026-03-29T01:30:00+01:00", "closed", "2026-03-29T03:00:00+02:00"),
    ("Su 01:00-02:30", "2026-10-25T02:15:00+02:00", "open", "2026-10-25T02:30:00+02:00"),
    ("Su 01:00-02:30", "2026-10-25T02:15:00+01:00", "closed", "2026-11-01T01:00:00+01:00"),
    ("Mo-Su 10:00-18:00; SH off", "2026-07-15T11:00:00+02:00", "closed",
     "2026-09-01T10:00:00+02:00"),
    ("Mo-Su 10:00-18:00; SH off", "2026-06-10T11:00:00+02:00", "open",
     "2026-06-10T18:00:00+02:00"),
    ("Sa[1] 09:00-12:00", "2026-07-04T10:00:00+02:00", "open", "2026-07-04T12:00:00+02:00"),
    ("Sa[1] 09:00-12:00", "2026-07-11T10:00:00+02:00", "closed", "2026-08-01T09:00:00+02:00"),
    ("Mo-Fr 22:00-06:00", "2026-12-31T23:30:00+01:00", "open", "2027-01-01T06:00:00+01:00"),
    ("lundi au vendredi 9h-12h", "2026-07-15T10:00:00+02:00", "unknown", None),
    ("off", "2026-07-15T10:00:00+02:00", "closed", None),
]


# The five fixture communes' boundaries (fixtures/communes.geojson): rectangles.
RECTS = {"55017": (49.0, 5.075, 49.06, 5.165), "55040": (48.96, 5.155, 49.02, 5.245),
         "55123": (48.84, 5.125, 48.9, 5.215), "55517": (48.94, 5.015, 49.0, 5.105),
         "55532": (48.905, 5.075, 48.965, 5.165)}


def commune_of(lat, lon, rng):
    for code, (a, b, c, d) in RECTS.items():
        if a <= lat <= c and b <= lon <= d:
            return code
    return rng.choice(COMMUNES)


def feature(pid, name, category, lat, lon, insee, hours):
    return {"type": "Feature",
            "properties": {"id": pid, "name": name, "category": category,
                           "address": None, "postcode": "55250", "insee": insee,
                           "phone": None, "email": None, "website": None,
                           "opening_hours": hours, "description": None},
            "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def generate(n, seed):
    rng = random.Random(seed)
    feats, anchors = [], []
    i = 0

    def next_id():
        nonlocal i
        i += 1
        return f"g{i:06d}"

    def random_place(lat, lon, pid=None):
        kind, category = rng.choice(KINDS)
        name = f"{kind} {rng.choice(PARTS)} {rng.choice(FAMILIES)}"
        if rng.random() < 0.5:
            name += f" {rng.randint(1, 99)}"
        return feature(pid or next_id(), name, category, lat, lon, commune_of(lat, lon, rng),
                       rng.choice(HOURS_POOL))

    def rnd_point():
        """A point inside one of the communes (the importer warns about the others)."""
        a, b, c, d = RECTS[rng.choice(COMMUNES)]
        return (round(rng.uniform(a, c), 6), round(rng.uniform(b, d), 6))

    # The "open at" block: one place per distinct value of HOURS_TABLE, in a far corner.
    values = sorted({h for h, _, _, _ in HOURS_TABLE})
    for k, h in enumerate(values):
        feats.append(feature(f"hours-{k:02d}", f"Horaires d'essai {k}", "other-public-service",
                             HOURS_CORNER[0] + k * 0.0001, HOURS_CORNER[1], COMMUNES[0], h))
    # Groups of places at one point (ties at any query point).
    while len(feats) < n // 50:
        lat, lon = rnd_point()
        for _ in range(rng.randint(2, 5)):
            feats.append(random_place(lat, lon))
    # Pairs mirrored in longitude around anchors (ties at the anchor).
    while len(feats) < n // 25:
        lat, lon = rnd_point()
        anchors.append([lat, lon])
        for _ in range(3):
            d = round(rng.uniform(0.0005, 0.02), 6)
            feats.append(random_place(lat, round(lon + d, 6)))
            feats.append(random_place(lat, round(lon - d, 6)))
    while len(feats) < n:
        feats.append(random_place(*rnd_point()))
    # Ids are assigned in creation order: shuffle the file order so that ties are not also in
    # insertion order.
    rng.shuffle(feats)
    return feats, anchors


def main():
    n, seed, out, fixtures = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    os.makedirs(out, exist_ok=True)
    feats, anchors = generate(n, seed)
    with open(os.path.join(out, "places.geojson"), "w", encoding="utf-8") as f:
        f.write('{"type": "FeatureCollection", "name": "generated test directory (fictitious)",'
                ' "features": [\n')
        for k, ft in enumerate(feats):
            f.write(json.dumps(ft, ensure_ascii=False))
            f.write(",\n" if k + 1 < len(feats) else "\n")
        f.write("]}\n")
    shutil.copyfile(os.path.join(fixtures, "communes.geojson"),
                    os.path.join(out, "communes.geojson"))
    territory = five_communes_config("Annuaire généré (essai)", "Essai généré")
    del territory["territory"]["contact"]
    territory["map"]["center"] = [48.95, 5.13]
    territory["sources"].append({"name": "gen", "profile": "local-geojson",
                                 "path": "places.geojson", "data_date": "2026-11-01"})
    write_config(out, territory)
    with open(os.path.join(out, "anchors.json"), "w", encoding="utf-8") as f:
        json.dump(anchors, f)
    print(f"generated {len(feats)} places, {len(anchors)} anchors into {out}")


if __name__ == "__main__":
    main()
