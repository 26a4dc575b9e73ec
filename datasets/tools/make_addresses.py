#!/usr/bin/env python3
"""make_addresses.py - generate the EXAMPLE address file of the samples, in the BAN format.

The sample configuration has no address points, so the address fields of the online procedures
could only offer commune names. This script WRITES a few hundred made-up addresses in the exact
layout of the Base Adresse Nationale file adresses-XX.csv (adresse.data.gouv.fr), read by the
importer's `ban` profile. Nothing is copied from an official file:

  1. each of the communes listed below gets a village centre: its town hall in the sample
     service-public file (samples/service-public/organismes-exemple.csv);
  2. each commune gets a handful of plausible street names (« Grande Rue », « Rue de
     l'Église », « Route de Bar-le-Duc »...); a street is a straight line from near the centre
     in a direction derived from its name (a « Route de X » points towards X), numbered outwards,
     odd numbers on the left and even numbers on the right, about 20 m apart;
  3. a point that falls outside the commune's approximate cell (samples/limites) is dropped, so
     every point lies in its commune; a few numbers get a `bis`/`ter`, a few rows are lieux-dits
     (number 99999, as BAN gives toponyms), a hamlet of Beausite carries its former commune
     (code_insee_ancienne_commune) as BAN does for communes nouvelles;
  4. x/y are the Lambert-93 (EPSG:2154) projection of lon/lat, as in the real file.

Names, postcodes and INSEE codes come from the samples' COG and La Poste / service-public files.
The output is deterministic (no random module: choices derive from a hash of the names).

Usage (from the repository root):
  python3 datasets/tools/make_addresses.py [--out datasets/samples/ban/adresses-55-exemple.csv]

Python 3 standard library only.
"""

import argparse
import csv
import hashlib
import json
import math
import os
import sys
import unicodedata

SAMPLES = "datasets/samples"
HEADER = ("id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;"
          "code_insee_ancienne_commune;nom_ancienne_commune;x;y;lon;lat;type_position;alias;"
          "nom_ld;libelle_acheminement;nom_afnor;source_position;source_nom_voie;"
          "certification_commune;cad_parcelles").split(";")

# Towns the « Route de X » streets lead to (approximate centres, lon/lat).
TOWNS = {
    "Bar-le-Duc": (5.160, 48.772), "Verdun": (5.387, 49.160), "Saint-Mihiel": (5.543, 48.890),
    "Sainte-Menehould": (4.897, 49.090), "Clermont-en-Argonne": (5.071, 49.107),
    "Vaubecourt": (5.111, 48.933), "Beausite": (5.193, 48.967), "Pierrefitte": (5.329, 48.898),
    "Chaumont": (5.260, 48.929), "Rembercourt": (5.180, 48.910), "Seuil": (5.064, 48.979),
    "Souilly": (5.285, 49.025), "Triaucourt": (5.040, 48.900), "Laheycourt": (5.026, 48.890),
    "Ligny": (5.325, 48.690), "Nubécourt": (5.174, 49.000), "Érize": (5.242, 48.919),
    "Lisle-en-Barrois": (5.100, 48.870), "Villotte": (5.342, 48.859), "Neuville": (5.318, 49.010),
}

# Member communes given addresses: INSEE code, postcode (from the samples), streets. A street is
# (name, how many numbers, where it leads or None); None takes a direction from the name's hash.
COMMUNES = [
    ("55040", "55250", [
        ("Grande Rue", 15, "Vaubecourt"), ("Rue de l'Église", 7, None), ("Route de Bar-le-Duc", 8, "Bar-le-Duc"),
        ("Rue du Moulin", 5, None), ("Rue de la Fontaine", 5, None), ("Place de la Mairie", 4, None),
        ("Route de Chaumont", 6, "Chaumont"), ("Chemin des Vignes", 4, None),
        ("Rue du Stade", 4, None), ("Impasse des Vergers", 4, None)]),
    ("55532", "55250", [
        ("Grande Rue", 13, "Beausite"), ("Rue de l'Église", 6, None), ("Route de Bar-le-Duc", 7, "Bar-le-Duc"),
        ("Rue de la Gare", 5, None), ("Route de Sainte-Menehould", 6, "Sainte-Menehould"),
        ("Rue du Château", 4, None), ("Rue des Jardins", 4, None), ("Place du Marché", 4, None)]),
    ("55517", "55250", [
        ("Grande Rue", 11, "Vaubecourt"), ("Rue de l'Église", 5, None), ("Route de Clermont", 6, "Clermont-en-Argonne"),
        ("Rue de Verdun", 6, "Verdun"), ("Rue du Lavoir", 4, None), ("Rue des Écoles", 4, None)]),
    ("55404", "55260", [
        ("Grande Rue", 11, "Saint-Mihiel"), ("Rue de l'Église", 6, None), ("Route de Bar-le-Duc", 6, "Bar-le-Duc"),
        ("Rue du Moulin", 5, None), ("Route de Verdun", 5, "Verdun"), ("Ruelle du Four", 4, None)]),
    ("55570", "55260", [
        ("Grande Rue", 9, "Pierrefitte"), ("Rue de l'Église", 5, None), ("Route de Ligny", 5, "Ligny"),
        ("Rue de la Fontaine", 4, None), ("Rue Basse", 4, None)]),
    ("55423", "55250", [
        ("Grande Rue", 10, "Beausite"), ("Rue de l'Église", 5, None), ("Route de Bar-le-Duc", 6, "Bar-le-Duc"),
        ("Rue Haute", 4, None), ("Rue du Stade", 4, None), ("Chemin de la Croix", 4, None)]),
    ("55123", "55000", [
        ("Grande Rue", 9, "Bar-le-Duc"), ("Rue de l'Église", 5, None), ("Route de Rembercourt", 5, "Rembercourt"),
        ("Rue de la Chée", 5, None), ("Rue des Prés", 4, None)]),
    ("55254", "55220", [
        ("Grande Rue", 9, "Souilly"), ("Rue de l'Église", 5, None), ("Route de Chaumont", 5, "Chaumont"),
        ("Voie Sacrée", 5, "Verdun"), ("Rue des Tilleuls", 4, None)]),
    ("55108", "55260", [
        ("Grande Rue", 9, "Érize"), ("Rue de l'Église", 5, None), ("Route de Pierrefitte", 5, "Pierrefitte"),
        ("Rue de l'Aire", 4, None), ("Rue des Jardins", 4, None)]),
    ("55285", "55120", [
        ("Grande Rue", 8, "Clermont-en-Argonne"), ("Rue de l'Église", 4, None), ("Route de Beausite", 4, "Beausite"),
        ("Rue du Moulin", 4, None)]),
    ("55389", "55250", [
        ("Grande Rue", 8, "Beausite"), ("Rue de l'Église", 4, None), ("Route de Souilly", 4, "Souilly"),
        ("Rue du Lavoir", 4, None)]),
]

# A hamlet of Beausite, carried with its former commune as BAN does for a commune nouvelle: its
# offset from the seat's centre in metres (east, north) is invented.
HAMLET = ("55040", "55486", "Seraucourt", (900.0, 2300.0),
          [("Rue Principale", 6, None), ("Rue de la Chapelle", 4, None)])
# Lieux-dits: (INSEE, name, offset east, north in metres from the centre).
LIEUX_DITS = [("55040", "La Ferme du Haut", 1400.0, -900.0),
              ("55532", "Le Moulin de Vaubecourt", -900.0, 700.0),
              ("55404", "La Grange aux Bois", 1100.0, 800.0)]

LAT0 = 48.92
M_LAT = 110574.0
M_LON = 111320.0 * math.cos(math.radians(LAT0))


def lambert93(lon, lat):
    """EPSG:2154 (Lambert-93, GRS80, conic conformal 2SP) from WGS84/RGF93 degrees."""
    a, f = 6378137.0, 1.0 / 298.257222101
    e = math.sqrt(f * (2 - f))
    phi1, phi2, phi0 = map(math.radians, (49.0, 44.0, 46.5))
    lam0 = math.radians(3.0)

    def m(p):
        return math.cos(p) / math.sqrt(1 - (e * math.sin(p)) ** 2)

    def t(p):
        return math.tan(math.pi / 4 - p / 2) / ((1 - e * math.sin(p)) / (1 + e * math.sin(p))) ** (e / 2)

    n = (math.log(m(phi1)) - math.log(m(phi2))) / (math.log(t(phi1)) - math.log(t(phi2)))
    F = m(phi1) / (n * t(phi1) ** n)
    r0 = a * F * t(phi0) ** n
    phi, lam = math.radians(lat), math.radians(lon)
    r = a * F * t(phi) ** n
    theta = n * (lam - lam0)
    return 700000.0 + r * math.sin(theta), 6600000.0 + r0 - r * math.cos(theta)


def h(*parts):
    """A stable integer from strings (the script's only source of variety)."""
    return int.from_bytes(hashlib.sha256("|".join(parts).encode("utf-8")).digest()[:8], "big")


def ascii_upper(s):
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).upper()
    return " ".join("".join(c if c.isalnum() else " " for c in s).split())


def point_in_ring(lon, lat, ring):
    inside = False
    for i in range(len(ring) - 1):
        (x1, y1), (x2, y2) = ring[i], ring[i + 1]
        if (y1 > lat) != (y2 > lat) and x1 + (lat - y1) * (x2 - x1) / (y2 - y1) > lon:
            inside = not inside
    return inside


def read_inputs(root):
    smp = os.path.join(root, SAMPLES)
    names = {}
    with open(os.path.join(smp, "cog", "v_commune_2026-exemple.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            names[r["COM"]] = r["LIBELLE"]
    centres = {}
    with open(os.path.join(smp, "service-public", "organismes-exemple.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["nom"].startswith("Mairie - "):
                centres[r["code_insee"]] = (float(r["longitude"]), float(r["latitude"]))
    with open(os.path.join(smp, "limites", "communes-exemple.geojson"), encoding="utf-8") as f:
        cells = {ft["properties"]["code"]: ft["geometry"]["coordinates"][0]
                 for ft in json.load(f)["features"]}
    return names, centres, cells


def offset(centre, east, north):
    return centre[0] + east / M_LON, centre[1] + north / M_LAT


def street_points(insee, centre, name, count, towards):
    """(numero, lon, lat) of the numbers of one street."""
    if towards:
        tx, ty = TOWNS[towards]
        ang = math.atan2((ty - centre[1]) * M_LAT, (tx - centre[0]) * M_LON)
    else:
        ang = (h(insee, name) % 3600) / 3600.0 * 2 * math.pi
    start = 0.0 if name == "Grande Rue" or name.startswith("Place") else 60.0 + h(insee, name, "s") % 120
    step = 22.0 + h(insee, name, "p") % 10          # metres between two numbers on one side
    ux, uy = math.cos(ang), math.sin(ang)
    out = []
    for k in range(count):
        numero = k + 1
        along = start + (k // 2) * step + 10.0
        side = 12.0 if numero % 2 else -12.0          # odd on the left, even on the right
        east = along * ux - side * uy
        north = along * uy + side * ux
        out.append((numero,) + offset(centre, east, north))
    return out


def fantoir(i):
    return f"{(i + 1) * 10:04d}"


def row(insee, postcode, commune, street, fant, numero, rep, lon, lat, **kw):
    x, y = lambert93(lon, lat)
    num = f"{numero:05d}"
    rid = f"{insee}_{fant}_{num}" + (f"_{rep}" if rep else "")
    return {
        "id": rid, "id_fantoir": f"{insee}_{fant}", "numero": str(numero), "rep": rep,
        "nom_voie": kw.get("nom_voie", street), "code_postal": postcode, "code_insee": insee,
        "nom_commune": commune,
        "code_insee_ancienne_commune": kw.get("old_insee", ""),
        "nom_ancienne_commune": kw.get("old_name", ""),
        "x": f"{x:.2f}", "y": f"{y:.2f}", "lon": f"{lon:.6f}", "lat": f"{lat:.6f}",
        "type_position": kw.get("type_position", "entrée"), "alias": "",
        "nom_ld": kw.get("nom_ld", ""), "libelle_acheminement": ascii_upper(commune),
        "nom_afnor": ascii_upper(kw.get("nom_voie", street))[:32],
        "source_position": kw.get("source_position", "commune"),
        "source_nom_voie": kw.get("source_nom_voie", "commune"),
        "certification_commune": kw.get("certification", "1"),
        "cad_parcelles": kw.get("cad", ""),
    }


def commune_rows(insee, postcode, streets, names, centre, ring, old=None, first_fantoir=0):
    rows, dropped = [], 0
    for i, (name, count, towards) in enumerate(streets):
        fant = fantoir(first_fantoir + i)
        for numero, lon, lat in street_points(insee + (old[0] if old else ""), centre, name,
                                              count, towards):
            if not point_in_ring(lon, lat, ring):
                dropped += 1
                continue
            v = h(insee, name, str(numero))
            cert = "1" if v % 5 else "0"
            kw = {"certification": cert,
                  "source_position": "commune" if cert == "1" else "cadastre",
                  "type_position": "entrée" if v % 7 else "bâtiment",
                  "cad": f"{insee}000{'ABCDEZ'[v % 6]}{'ABCDEH'[v % 5]}{v % 900 + 10:04d}" if v % 3 == 0 else ""}
            if old:
                kw.update(old_insee=old[0], old_name=old[1])
            rows.append(row(insee, postcode, names[insee], name, fant, numero, "", lon, lat, **kw))
            rep = "bis" if v % 19 == 0 else ("ter" if v % 53 == 0 else "")
            if rep:   # a house built beside number n: n bis, a few metres further along
                e2, n2 = 6.0 * math.cos(h(name) % 7), 6.0 * math.sin(h(name) % 7)
                lon2, lat2 = lon + e2 / M_LON, lat + n2 / M_LAT
                if point_in_ring(lon2, lat2, ring):
                    rows.append(row(insee, postcode, names[insee], name, fant, numero, rep, lon2,
                                    lat2, **kw))
    return rows, dropped


def build(root):
    names, centres, cells = read_inputs(root)
    rows, dropped = [], 0
    for insee, postcode, streets in COMMUNES:
        r, d = commune_rows(insee, postcode, streets, names, centres[insee], cells[insee])
        rows += r
        dropped += d
        if insee == HAMLET[0]:
            _, old_insee, old_name, (east, north), hstreets = HAMLET
            hc = offset(centres[insee], east, north)
            r, d = commune_rows(insee, postcode, hstreets, names, hc, cells[insee],
                                old=(old_insee, old_name), first_fantoir=len(streets))
            rows += r
            dropped += d
    post = {insee: pc for insee, pc, _ in COMMUNES}
    for k, (insee, name, east, north) in enumerate(LIEUX_DITS):
        lon, lat = offset(centres[insee], east, north)
        if not point_in_ring(lon, lat, cells[insee]):
            raise SystemExit(f"lieu-dit {name}: outside the cell of {insee}")
        rows.append(row(insee, post[insee], names[insee], name, f"B{k + 1:03d}", 99999, "", lon,
                        lat, type_position="segment", source_position="inconnue",
                        source_nom_voie="cadastre", certification="0"))
    rows.sort(key=lambda r: (r["code_insee"], r["id_fantoir"], int(r["numero"]), r["rep"]))
    return rows, dropped


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    out = args.out or os.path.join(root, SAMPLES, "ban", "adresses-55-exemple.csv")
    rows, dropped = build(root)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=HEADER, delimiter=";", lineterminator="\n",
                           quoting=csv.QUOTE_MINIMAL)
        w.writeheader()
        w.writerows(rows)
    print(f"{out}: {len(rows)} example addresses in "
          f"{len({r['code_insee'] for r in rows})} communes ({dropped} points outside their "
          "commune's cell dropped)", file=sys.stderr)


if __name__ == "__main__":
    main()
