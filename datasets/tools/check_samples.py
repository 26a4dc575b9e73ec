#!/usr/bin/env python3
"""check_samples.py - consistency checks of datasets/samples and datasets/catalogue.json.

Checks, with no third-party module and no network:
  - catalogue.json and every *.json / *.geojson parse;
  - every CSV has its expected header and the same column count on every row;
  - the COG list has the 47 member communes as COM rows, TNCC 0-8, NCC upper-case ASCII;
  - the boundaries are 47 closed polygons (one per member commune), coordinates [lon, lat]
    with at most 5 decimals, inside the territory box;
  - every point of the samples is inside the territory box, except the rows deliberately
    outside the territory (INSEE code not a member);
  - every point of a member commune lies in that commune's (approximate) cell;
  - the local list: required properties, categories known in common/taxonomy.def, "(exemple)"
    in every name, fictional phones (03 99 ...) and example.org e-mails, unique ids;
  - the example BAN address file: the exact BAN header, unique ids, member communes with
    their sample postcodes, points in their commune's cell, Lambert-93 x/y agreeing with
    lon/lat, and the file equal to what datasets/tools/make_addresses.py writes;
  - catalogue entries: required keys, licence etalab-2.0 or ODbL-1.0, known profile names.

Usage: python3 datasets/tools/check_samples.py [--root /path/to/repo]
Exit status 0 when everything holds, 1 otherwise (each failure printed as file: reason).
"""

import argparse
import csv
import json
import os
import re
import sys

BBOX = (4.96, 48.77, 5.50, 49.08)   # lon min, lat min, lon max, lat max
PROFILES = {"cog-communes", "commune-boundaries", "service-public-csv", "laposte-poincont",
            "local-geojson", "epci-communes-csv", "ban", "bano", "annuaire-education",
            "education-geoloc", "osm", "finess-json", "finess-csv", "rna-waldec", "bpe",
            "sirene-geo", "service-public-json"}
LICENCES = {"etalab-2.0", "ODbL-1.0"}
COG_HEADER = "TYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT".split(",")
SP_HEADER = ("id,pivot_local,code_insee,date_mise_a_jour,nom,adresse_type,adresse_lignes,"
             "code_postal,commune,latitude,longitude,precision_geocodage,telephone,email,url,"
             "in_epci_200066140,fichier").split(",")
LP_HEADER = ("#Identifiant_du_site;Libellé_du_site;Caractéristique_du_site;"
             "Site_Acores_de_rattachement;Adresse;Complément_d_adresse;Lieu_dit;Code_postal;"
             "Localité;Code_INSEE;Pays;Latitude;Longitude;Précision_du_géocodage;"
             "Numéro_de_téléphone;latlong").split(";")
BAN_HEADER = ("id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;"
              "code_insee_ancienne_commune;nom_ancienne_commune;x;y;lon;lat;type_position;alias;"
              "nom_ld;libelle_acheminement;nom_afnor;source_position;source_nom_voie;"
              "certification_commune;cad_parcelles").split(";")
LOCAL_KEYS = ["id", "name", "category", "address", "postcode", "insee", "phone", "email",
              "website", "opening_hours", "description"]

failures = []


def fail(path, msg):
    failures.append(f"{path}: {msg}")


def in_bbox(lon, lat):
    return BBOX[0] <= lon <= BBOX[2] and BBOX[1] <= lat <= BBOX[3]


def point_in_ring(lon, lat, ring):
    inside = False
    n = len(ring)
    for i in range(n - 1):
        (x1, y1), (x2, y2) = ring[i], ring[i + 1]
        if (y1 > lat) != (y2 > lat):
            x = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if x > lon:
                inside = not inside
    return inside


def read_csv(path, delim, header):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter=delim))
    if not rows or rows[0] != header:
        fail(path, "unexpected header")
        return []
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != len(header):
            fail(path, f"line {i}: {len(r)} columns, expected {len(header)}")
    return [dict(zip(header, r)) for r in rows[1:]]


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail(path, f"does not parse: {e}")
        return None


def check_point(path, label, lon, lat, insee, members, cells):
    if insee not in members:
        return  # deliberately outside the territory
    if not in_bbox(lon, lat):
        fail(path, f"{label}: ({lon}, {lat}) outside the territory box")
    ring = cells.get(insee)
    if ring and not point_in_ring(lon, lat, ring):
        owner = [c for c, r in cells.items() if point_in_ring(lon, lat, r)]
        fail(path, f"{label}: point not in the cell of {insee} (in {owner})")


def check_ban(root, smp, members, cells, coma):
    """The example address file (BAN layout) against the other samples and its generator."""
    p = os.path.join(smp, "ban", "adresses-55-exemple.csv")
    rows = read_csv(p, ";", BAN_HEADER)
    sys.path.insert(0, os.path.join(root, "datasets", "tools"))
    import make_addresses  # the generator: same projection, same rows
    ids = set()
    postcodes = {insee: pc for insee, pc, _ in make_addresses.COMMUNES}
    for r in rows:
        if r["id"] in ids:
            fail(p, f"{r['id']}: duplicate id")
        ids.add(r["id"])
        if r["code_insee"] not in members or r["code_postal"] != postcodes.get(r["code_insee"]):
            fail(p, f"{r['id']}: commune {r['code_insee']} / postcode {r['code_postal']}")
        old = r["code_insee_ancienne_commune"]
        if old and (old not in coma or coma[old]["COMPARENT"] != r["code_insee"] or
                    coma[old]["LIBELLE"] != r["nom_ancienne_commune"]):
            fail(p, f"{r['id']}: former commune {old} is not a COMA row of {r['code_insee']}")
        lon, lat = float(r["lon"]), float(r["lat"])
        check_point(p, r["id"], lon, lat, r["code_insee"], members, cells)
        x, y = make_addresses.lambert93(lon, lat)
        if abs(x - float(r["x"])) > 1 or abs(y - float(r["y"])) > 1:
            fail(p, f"{r['id']}: x/y do not match lon/lat in Lambert-93")
    expected, _ = make_addresses.build(root)
    if [dict(r) for r in rows] != expected:
        fail(p, "differs from what datasets/tools/make_addresses.py writes: run it again")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    root = os.path.abspath(ap.parse_args().root)
    ds = os.path.join(root, "datasets")
    smp = os.path.join(ds, "samples")

    cfg = load_json(os.path.join(root, "config", "aire-argonne.json"))
    members = set(cfg["territory"]["communes"]) if cfg else set()
    if len(members) != 47:
        fail("config/aire-argonne.json", f"{len(members)} communes, expected 47")

    taxo = set()
    with open(os.path.join(root, "common", "taxonomy.def"), encoding="utf-8") as f:
        for m in re.finditer(r'GDIR_CATEGORY\("([a-z0-9-]+)"', f.read()):
            taxo.add(m.group(1))

    # Every JSON parses.
    for dirpath, _, files in os.walk(ds):
        for name in files:
            if name.endswith((".json", ".geojson")):
                load_json(os.path.join(dirpath, name))

    # COG.
    p = os.path.join(smp, "cog", "v_commune_2026-exemple.csv")
    cog = read_csv(p, ",", COG_HEADER)
    com = {r["COM"] for r in cog if r["TYPECOM"] == "COM"}
    if not members <= com:
        fail(p, f"member communes missing: {sorted(members - com)}")
    if not com - members:
        fail(p, "no commune outside the territory (needed to test the filter)")
    for r in cog:
        if r["TNCC"] not in "012345678" or len(r["TNCC"]) != 1:
            fail(p, f"{r['COM']}: bad TNCC")
        if not re.fullmatch(r"[A-Z0-9 ]+", r["NCC"]):
            fail(p, f"{r['COM']}: NCC not upper-case ASCII")
        if r["TYPECOM"] == "COMA" and r["COMPARENT"] not in com:
            fail(p, f"{r['COM']}: COMPARENT {r['COMPARENT']} unknown")

    # Boundaries.
    p = os.path.join(smp, "limites", "communes-exemple.geojson")
    gj = load_json(p) or {"features": []}
    cells = {}
    for ft in gj["features"]:
        code = ft["properties"].get("code")
        if not ft["properties"].get("nom"):
            fail(p, f"{code}: no nom")
        ring = ft["geometry"]["coordinates"][0]
        if ft["geometry"]["type"] != "Polygon" or ring[0] != ring[-1] or len(ring) < 4:
            fail(p, f"{code}: not a closed polygon")
        for lon, lat in ring:
            if not in_bbox(lon, lat) or round(lon, 5) != lon or round(lat, 5) != lat:
                fail(p, f"{code}: coordinate {lon},{lat} out of box or over 5 decimals")
                break
        cells[code] = ring
    if set(cells) != members:
        fail(p, "features are not exactly the member communes")

    # service-public.
    p = os.path.join(smp, "service-public", "organismes-exemple.csv")
    for r in read_csv(p, ",", SP_HEADER):
        check_point(p, r["id"], float(r["longitude"]), float(r["latitude"]), r["code_insee"],
                    members, cells)
        if (r["in_epci_200066140"] == "1") != (r["code_insee"] in members):
            fail(p, f"{r['id']}: in_epci_200066140 disagrees with the member list")

    # La Poste.
    p = os.path.join(smp, "laposte", "laposte_poincont2-exemple.csv")
    for r in read_csv(p, ";", LP_HEADER):
        check_point(p, r["#Identifiant_du_site"], float(r["Longitude"]), float(r["Latitude"]),
                    r["Code_INSEE"], members, cells)

    # Local list.
    p = os.path.join(smp, "local", "lieux-exemple.geojson")
    gj = load_json(p) or {"features": []}
    ids = set()
    for ft in gj["features"]:
        pr = ft["properties"]
        pid = pr.get("id")
        if list(pr) != LOCAL_KEYS:
            fail(p, f"{pid}: properties {list(pr)}")
            continue
        if pid in ids:
            fail(p, f"{pid}: duplicate id")
        ids.add(pid)
        if pr["category"] not in taxo:
            fail(p, f"{pid}: unknown category {pr['category']}")
        if "(exemple)" not in pr["name"]:
            fail(p, f"{pid}: name without (exemple)")
        if pr["phone"] is not None and not pr["phone"].startswith("03 99 "):
            fail(p, f"{pid}: phone not in the fictional range")
        if pr["email"] is not None and not pr["email"].endswith("@example.org"):
            fail(p, f"{pid}: e-mail not @example.org")
        if ft["geometry"]["type"] != "Point":
            fail(p, f"{pid}: not a Point")
            continue
        lon, lat = ft["geometry"]["coordinates"]
        check_point(p, pid, lon, lat, pr["insee"], members, cells)

    check_ban(root, smp, members, cells, {r["COM"]: r for r in cog if r["TYPECOM"] == "COMA"})

    # Catalogue.
    p = os.path.join(ds, "catalogue.json")
    cat = load_json(p) or {"sources": []}
    keys = {"name", "title", "publisher", "licence", "format", "download_url", "landing_page",
            "update_frequency", "profile"}
    for s in cat["sources"]:
        if not keys <= set(s):
            fail(p, f"{s.get('name')}: missing {sorted(keys - set(s))}")
            continue
        if s["licence"] not in LICENCES:
            fail(p, f"{s['name']}: licence {s['licence']}")
        if s["profile"] is not None and s["profile"] not in PROFILES:
            fail(p, f"{s['name']}: unknown profile {s['profile']}")

    for f in failures:
        print(f, file=sys.stderr)
    print(f"check_samples: {len(failures)} failure(s)", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
