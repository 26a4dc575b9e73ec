#!/usr/bin/env python3
"""Full exports built at import time (issue 5), through the real geodir-import.

The territory is config/aire-argonne.json (the sample files of datasets/samples) plus two
sources written here: "divers" (Licence Ouverte, names and texts that need CSV quoting) and
"osm" (an OpenStreetMap-like extract under ODbL-1.0: places known only to it, and one record
that merges with the sample gendarmerie of Vaubecourt and brings it opening hours and a
description). open_data.publisher_siret is set to a TEST value so that the scdl export is
built. Then:
  - every file of the `exports` table: size and SHA-256 (hashlib), reopened with ogrinfo
    (feature count, fields, CRS EPSG:4326), its licence metadata (GeoJSON members,
    gpkg_metadata, the XLSX "Licence" sheet, LICENCE.txt/.cpg/.prj in the zip, KML
    description, a licence field in every FlatGeobuf feature);
  - the licence split: the etalab-2.0 exports hold exactly the places without ODbL data
    (computed here from places.field_sources and sources.licence), no value of an ODbL field
    of the merged place, no ODbL record id; the ODbL exports hold every place;
  - the scdl/equipements CSV against the schema's fields, required values, EQUIP_THEME
    enumeration, EQUIP_UID / EQUIP_CODE patterns, lat/long ranges;
  - RFC 4180 round trip of the CSV (Python csv) and the French CSV (BOM, ';', decimal comma);
  - build folders: a new one per import, the previous one kept, older ones removed;
  - a failure writing the exports fails the import and leaves the served database as it was;
  - --no-exports builds none; open_data errors name the key (exit status 2).

usage: test_exports.py IMPORTER SOURCE_DIR WORK_DIR
"""
import csv
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import zipfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import debian_module  # noqa: E402
import xlsx_check  # noqa: E402
from export_columns import french_headers  # noqa: E402

IMPORTER, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:4])
OPENPYXL = debian_module("openpyxl", "python3-openpyxl")   # may run the script again
FAILURES = []
ODBL = "ODbL-1.0"
TEST_SIRET = "20006614000019"   # a test value (SIREN of the EPCI + NIC 00019), not the real one
COLUMNS = ["id", "name", "category", "category_label", "subcategory", "subcategory_label",
           "address", "housenumber", "street", "complement", "postcode", "commune", "insee",
           "latitude",
           "longitude", "phone", "email", "website", "opening_hours", "wheelchair",
           "description", "source", "source_title", "publisher", "licence", "source_date",
           "source_ids", "refs"]
SHP_COLUMNS = ["id", "name", "category", "cat_label", "subcat", "subcat_lbl", "address",
               "housenum", "street", "complement", "postcode", "commune", "insee", "latitude",
               "longitude",
               "phone", "email", "website", "hours", "wheelchair", "descriptn", "source",
               "src_title", "publisher", "licence", "src_date", "source_ids", "refs"]
# scdl/equipements 0.1.5 (schema.data.gouv.fr): fields in order, required ones.
SCDL_FIELDS = ["COLL_NOM", "COLL_SIRET", "EQUIP_UID", "EQUIP_THEME", "EQUIP_CODE", "EQUIP_TYPE",
               "EQUIP_NOM", "ADR_NUMERO", "ADR_NOMVOIE", "ADR_CODEPOSTAL", "ADR_COMMUNE",
               "ADR_CLE_INTEROP", "ERP_ID", "ERP_TYPE", "ERP_CATEGORIE", "EQUIP_LAT",
               "EQUIP_LONG", "EQUIP_OUVERTURE", "EQUIP_TEL", "EQUIP_EMAIL", "EQUIP_WEB"]
# Required by the schema; ADR_NUMERO too, but a place without a number has none and the schema
# gives no stand-in for it: empty, never an invented 99999 (docs/exports.md).
SCDL_REQUIRED = ["COLL_NOM", "COLL_SIRET", "EQUIP_UID", "EQUIP_THEME", "EQUIP_CODE",
                 "EQUIP_TYPE", "EQUIP_NOM", "ADR_NOMVOIE", "ADR_CODEPOSTAL",
                 "ADR_COMMUNE", "EQUIP_LAT", "EQUIP_LONG"]
SCDL_THEMES = {"Equipement administratif", "Equipement de justice", "Equipement sanitaire",
               "Equipement social et d'animation", "Equipement sportif et de loisirs",
               "Equipement d'enseignement", "Equipement cultuel", "Equipement culturel",
               "Equipement de mobilité", "Autre équipement"}
LATIN = "\u00C0-\u00FF"
# Addresses as the sources publish them, each a place of "divers" (a salle: an scdl facility):
# name -> (address, housenumber, street, complement, INSEE). The export splits them with the
# project's address normaliser (geocode/gdir_address_split.c).
ADDRESS_CASES = {
    "Adresse 1 (complément d'abord)": ("Maison des services, 42 rue Berne", "42", "rue Berne",
                                       "Maison des services", "55532"),
    "Adresse 2 (complément sur sa ligne)": ("Maison des services\n42 rue Berne", "42",
                                            "rue Berne", "Maison des services", "55532"),
    "Adresse 3 (bis)": ("12 bis rue de l'Église", "12 bis", "rue de l'Église", "", "55532"),
    "Adresse 4 (route sans numéro)": ("Route de Verdun", "", "Route de Verdun", "", "55532"),
    "Adresse 5 (lieu-dit)": ("Lieu-dit La Grange", "", "La Grange", "", "55040"),
    "Adresse 6 (boîte postale seule)": ("BP 12", "", "", "BP 12", "55532"),
    "Adresse 7 (bâtiment, code postal)": ("Bâtiment B\n3 place de la Mairie\n55250 Vaubecourt",
                                          "3", "place de la Mairie", "Bâtiment B", "55532"),
    "Adresse 8 (mairie, BP, ter, CEDEX)": ("Mairie, BP 7, 1 TER GRANDE RUE 55250 VAUBECOURT CEDEX",
                                           "1 ter", "GRANDE RUE", "Mairie, BP 7", "55532"),
}
GENDARMERIE = ("Brigade de gendarmerie (exemple) - Vaubecourt", 48.9391, 5.1047)
OSM_HOURS = "Mo-Fr 08:00-12:00,14:00-18:00"
OSM_DESCRIPTION = "Description venant d'OpenStreetMap (test ODbL)"


def check(cond, msg):
    if not cond:
        FAILURES.append(msg)
        print("FAIL", msg, flush=True)
    return cond


def feature(pid, name, cat, lat, lon, insee, postcode, **props):
    p = {"id": pid, "name": name, "category": cat, "insee": insee, "postcode": postcode,
         "address": None, "phone": None, "email": None, "website": None, "opening_hours": None,
         "description": None}
    p.update(props)
    return {"type": "Feature", "properties": p,
            "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def write_config(folder, db_name="geodir.sqlite", open_data=None):
    os.makedirs(folder, exist_ok=True)
    cfg = json.load(open(os.path.join(SRC, "config", "aire-argonne.json"), encoding="utf-8"))
    cfg["data_dir"] = os.path.join(SRC, "datasets", "samples")
    cfg["open_data"]["publisher_siret"] = TEST_SIRET
    if open_data is not None:
        cfg["open_data"] = open_data
    divers = [
        feature("d1", "Salle \"Les Tilleuls\", annexe", "culture-venue", 48.9705, 5.2003,
                "55040", "55250", address="3 rue des Tilleuls\nBâtiment B",
                description="Ligne 1\nLigne 2; avec « guillemets », et \"doubles\""),
        feature("d2", "Maison d'assistantes maternelles \"Les P'tits Loups\", Vaubecourt",
                "childcare", 48.9352, 5.1090, "55532", "55250", address="8 rue Haute",
                phone="03 29 00 00 01"),
    ]
    for k, (name, (addr, _, _, _, insee)) in enumerate(ADDRESS_CASES.items()):
        divers.append(feature(f"adr{k + 1}", name, "culture-venue", 48.9352 + k * 0.0004,
                              5.1090 if insee == "55532" else 5.2003, insee, "55250",
                              address=addr))
    osm = [
        feature("node-1", "Boulangerie OSM (test)", "food-shop", 48.9345, 5.1120, "55532",
                "55250", opening_hours="Tu-Su 07:00-13:00"),
        feature("node-2", "Café \"L'Étape\", Vaubecourt (OSM test)", "food-drink-lodging",
                48.9338, 5.1101, "55532", "55250"),
        feature("node-3", GENDARMERIE[0], "gendarmerie", GENDARMERIE[1] + 0.00004,
                GENDARMERIE[2] + 0.00003, "55532", "55250", opening_hours=OSM_HOURS,
                description=OSM_DESCRIPTION),
        feature("node-4", "Aire de jeux (OSM test)", "sports", 48.9712, 5.1990, "55040",
                "55250"),
    ]
    for name, feats in (("divers", divers), ("osm", osm)):
        with open(os.path.join(folder, name + ".geojson"), "w", encoding="utf-8") as f:
            json.dump({"type": "FeatureCollection", "features": feats}, f, ensure_ascii=False)
    cfg["sources"].append({"name": "divers", "profile": "local-geojson",
                           "path": os.path.join(folder, "divers.geojson"),
                           "data_date": "2026-11-15"})
    cfg["sources"].append({"name": "osm", "profile": "local-geojson",
                           "path": os.path.join(folder, "osm.geojson"),
                           "data_date": "2026-11-20", "title": "OpenStreetMap (extrait de test)",
                           "publisher": "OpenStreetMap contributors", "licence": ODBL,
                           "url": "https://www.openstreetmap.org/copyright"})
    path = os.path.join(folder, "territoire.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cfg, f, ensure_ascii=False, indent=1)
    return path, os.path.join(folder, db_name)


def run_import(cfg, db, *extra):
    return subprocess.run([IMPORTER, "--config", cfg, "--db", db, "--quiet", *extra],
                          capture_output=True, text=True, timeout=300)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def ogrinfo(*args):
    r = subprocess.run(["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=120)
    return r.returncode, r.stdout + r.stderr


def ogr_count(path, where=None, layer="places"):
    if path.endswith(".csv"):        # the CSV driver names the layer after the file
        layer = os.path.basename(path)[:-4]
    sql = f"SELECT COUNT(*) AS n FROM \"{layer}\"" + (f" WHERE {where}" if where else "")
    rc, out = ogrinfo(path, "-sql", sql)
    m = re.search(r"n \(Integer\) = (\d+)", out)
    return int(m.group(1)) if rc == 0 and m else None


def expected_split(db):
    """The places of each scope, computed from the provenance columns (schema.sql's rule)."""
    odbl = {r[0] for r in db.execute("SELECT name FROM sources WHERE licence = ?", (ODBL,))}
    allp, etalab, odbl_fields = {}, set(), {}
    for fid, pid, lic, source, fs_text, ids in db.execute(
            "SELECT fid, id, licence, source, field_sources, source_ids FROM places"):
        fs = json.loads(fs_text) if fs_text else None
        allp[pid] = fid
        src = (lambda f: (fs or {}).get(f, source))
        if (fs is None and lic == ODBL) or src("name") in odbl:
            continue
        if src("geom") in odbl:
            ok = False
            for rid in (ids or pid).split(" "):
                if rid.split(":", 1)[0] in odbl:
                    continue
                row = db.execute("SELECT licence FROM place_sources WHERE id = ?", (rid,)).fetchone()
                if row and row[0] != ODBL:
                    ok = True
                    break
            if not ok:
                continue
        etalab.add(pid)
        odbl_fields[pid] = [f for f in (fs or {}) if f != "geom" and src(f) in odbl]
    return odbl, allp, etalab, odbl_fields


def check_geojson(path, scope, expect_ids, odbl_sources, odbl_fields, db, excluded):
    doc = json.load(open(path, encoding="utf-8"))
    check(doc.get("type") == "FeatureCollection", f"{path}: a FeatureCollection")
    lic = doc.get("licence") or {}
    check(lic.get("id") == scope and lic.get("url", "").startswith("https://"),
          f"{path}: licence member {lic}")
    check(doc.get("publisher", {}).get("siren") == "200066140", f"{path}: publisher SIREN")
    check(bool(doc.get("attribution")) and bool(doc.get("note")) and bool(doc.get("generated")),
          f"{path}: attribution, note, generated")
    names = {s.get("name") for s in doc.get("sources", [])}
    if scope == ODBL:
        check("osm" in names, f"{path}: the ODbL source is listed")
    else:
        check(not (names & odbl_sources), f"{path}: no ODbL source listed under {scope}")
        check("ODbL" in doc.get("note", ""), f"{path}: the note says what is left out")
    check(doc.get("excluded") == excluded and doc.get("records") == len(doc["features"]),
          f"{path}: records {doc.get('records')} / excluded {doc.get('excluded')} != {excluded}")
    ids = [f["id"] for f in doc["features"]]
    check(set(ids) == expect_ids and len(ids) == len(expect_ids),
          f"{path}: ids differ from the expected {scope} set: "
          f"missing {sorted(expect_ids - set(ids))[:5]} extra {sorted(set(ids) - expect_ids)[:5]}")
    byid = {f["id"]: f["properties"] for f in doc["features"]}
    for pid, props in byid.items():
        if scope != ODBL:
            check(props.get("licence") != ODBL, f"{path}: {pid} labelled ODbL under {scope}")
            check(not any(i.split(":")[0] in odbl_sources
                          for i in (props.get("source_ids") or "").split()),
                  f"{path}: {pid}: an ODbL record id in source_ids")
            for field in odbl_fields.get(pid, []):
                check(props.get(field) is None, f"{path}: {pid}.{field} comes from ODbL")
        for f in doc["features"][:3]:
            c = f["geometry"]["coordinates"]
            check(4.5 < c[0] < 5.8 and 48.5 < c[1] < 49.5, f"{path}: lon,lat order {c}")
    return byid


def check_scdl(path, records, etalab_names):
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    check(not text.startswith("\ufeff"), f"{path}: no BOM")
    rows = list(csv.reader(io.StringIO(text)))
    check(rows and rows[0] == SCDL_FIELDS, f"{path}: header {rows[0] if rows else None}")
    data = rows[1:]
    check(len(data) == records and records > 0, f"{path}: {len(data)} rows, records {records}")
    uids = set()
    seen_cases = set()
    for r in data:
        if not check(len(r) == len(SCDL_FIELDS), f"{path}: row width {len(r)}"):
            continue
        v = dict(zip(SCDL_FIELDS, r))
        where = f"{path}: {v['EQUIP_UID']}"
        for k in SCDL_REQUIRED:
            check(v[k] != "", f"{where}: {k} is required")
        check(re.fullmatch(r"\d{14}", v["COLL_SIRET"]) is not None, f"{where}: COLL_SIRET")
        check(len(v["COLL_NOM"]) <= 140, f"{where}: COLL_NOM length")
        check(re.fullmatch(r"[0-9AB]{5}-[0-9]{8}-[0-9]{3}", v["EQUIP_UID"]) is not None,
              f"{where}: EQUIP_UID pattern")
        check(re.fullmatch(r"[0-9]{8}-[0-9]{3}", v["EQUIP_CODE"]) is not None
              and v["EQUIP_UID"].endswith("-" + v["EQUIP_CODE"]), f"{where}: EQUIP_CODE")
        check(v["EQUIP_UID"] not in uids, f"{where}: EQUIP_UID unique")
        uids.add(v["EQUIP_UID"])
        check(v["EQUIP_THEME"] in SCDL_THEMES, f"{where}: EQUIP_THEME {v['EQUIP_THEME']!r}")
        check("," not in v["EQUIP_TYPE"] and len(v["EQUIP_TYPE"]) <= 140, f"{where}: EQUIP_TYPE")
        check(len(v["EQUIP_NOM"]) <= 256 and v["EQUIP_NOM"] in etalab_names,
              f"{where}: EQUIP_NOM is a place of the scope")
        check(re.fullmatch(r"(\d{1,4}( (bis|ter|quater|quinquies|[A-Z]))?)?", v["ADR_NUMERO"])
              is not None, f"{where}: ADR_NUMERO {v['ADR_NUMERO']!r} (a number, its index, or "
              "empty; never 99999)")
        case = ADDRESS_CASES.get(v["EQUIP_NOM"])
        if case:
            street = case[2] or {"55040": "Beausite", "55532": "Vaubecourt"}[case[4]]
            check(v["ADR_NUMERO"] == case[1] and v["ADR_NOMVOIE"] == street,
                  f"{where}: {case[0]!r}: ADR_NUMERO {case[1]!r} and ADR_NOMVOIE {street!r} "
                  f"(got {v['ADR_NUMERO']!r}, {v['ADR_NOMVOIE']!r})")
            seen_cases.add(v["EQUIP_NOM"])
        check(re.fullmatch(rf"[a-zA-Z0-9\-'\s{LATIN}]+", v["ADR_NOMVOIE"]) is not None
              and len(v["ADR_NOMVOIE"]) >= 3, f"{where}: ADR_NOMVOIE {v['ADR_NOMVOIE']!r}")
        check(re.fullmatch(r"\d{5}", v["ADR_CODEPOSTAL"]) is not None, f"{where}: postcode")
        check(re.fullmatch(rf"[A-Za-z\s\-{LATIN}]+", v["ADR_COMMUNE"]) is not None,
              f"{where}: ADR_COMMUNE {v['ADR_COMMUNE']!r}")
        check(v["ADR_CLE_INTEROP"] == "" or re.fullmatch(r"[A-Za-z0-9_]{16,}",
                                                         v["ADR_CLE_INTEROP"]), f"{where}: cle")
        check(v["ERP_CATEGORIE"] == "" or v["ERP_CATEGORIE"] in "12345", f"{where}: ERP")
        try:
            lat, lon = float(v["EQUIP_LAT"]), float(v["EQUIP_LONG"])
            check(-90 <= lat <= 90 and -180 <= lon <= 180 and 48.5 < lat < 49.5
                  and 4.5 < lon < 5.8, f"{where}: lat/long {lat} {lon}")
        except ValueError:
            check(False, f"{where}: EQUIP_LAT/EQUIP_LONG are not numbers with '.'")
        check(len(v["EQUIP_TEL"]) <= 13, f"{where}: EQUIP_TEL {v['EQUIP_TEL']!r}")
        check(v["EQUIP_EMAIL"] == "" or re.fullmatch(r"[^@\s,]+@[^@\s,]+", v["EQUIP_EMAIL"]),
              f"{where}: EQUIP_EMAIL")
        check(v["EQUIP_WEB"] == "" or re.match(r"https?://", v["EQUIP_WEB"]), f"{where}: WEB")
    check(seen_cases == set(ADDRESS_CASES), f"{path}: every address case is a row "
          f"(missing {set(ADDRESS_CASES) - seen_cases})")
    themes = {dict(zip(SCDL_FIELDS, r))["EQUIP_THEME"] for r in data if len(r) == len(SCDL_FIELDS)}
    check(len(themes) >= 3, f"{path}: several themes ({themes})")


def check_address_parts(target, fmt, where):
    """Every format read back by GDAL (ogr2ogr to CSV): the number, street and complement of
    each address case as gdir_address_split gives them."""
    layer = ["places"] if fmt == "xlsx" else []
    r = subprocess.run(["ogr2ogr", "--config", "OGR_XLSX_HEADERS", "FORCE", "--config",
                        "OGR_XLSX_FIELD_TYPES", "STRING", "-f", "CSV", "/vsistdout/", target,
                        *layer], capture_output=True, text=True, timeout=120)
    if not check(r.returncode == 0, f"{where}: ogr2ogr reads it ({r.stderr[-300:]})"):
        return
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    names = {"shp": ("name", "housenum", "street", "complement"),
             "kml": ("Name", "housenumber", "street", "complement"),
             "csv-fr": ("Nom", "Numéro", "Voie", "Complément d'adresse")}
    kn, kh, ks, kc = names.get(fmt, ("name", "housenumber", "street", "complement"))
    got = {row.get(kn): row for row in rows}
    for name, (addr, number, street, complement, _) in ADDRESS_CASES.items():
        row = got.get(name)
        if not check(row is not None, f"{where}: the place {name!r} is there"):
            continue
        have = ((row.get(kh) or ""), (row.get(ks) or ""), (row.get(kc) or ""))
        check(have == (number, street, complement),
              f"{where}: {addr!r} -> number {number!r}, street {street!r}, complement "
              f"{complement!r} (got {have})")


def check_csv(path, records, db, french):
    raw = open(path, "rb").read()
    check(raw.startswith(b"\xef\xbb\xbf") == french, f"{path}: BOM {'present' if french else 'absent'}")
    check(raw.endswith(b"\r\n") and raw.split(b"\n", 1)[0].endswith(b"\r"), f"{path}: CRLF")
    text = raw.decode("utf-8-sig" if french else "utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if french else ","))
    if french:   # the French header of docs/exports.md, column for column
        doc = french_headers(SRC)
        check([e for e, _ in doc] == COLUMNS and rows[0] == [fr for _, fr in doc],
              f"{path}: the French header of docs/exports.md {rows[0]}")
    else:
        check(rows[0] == COLUMNS, f"{path}: header {rows[0]}")
    check(len(rows) - 1 == records, f"{path}: {len(rows) - 1} rows, records {records}")
    tricky = 0
    for r in rows[1:]:
        if not check(len(r) == len(COLUMNS), f"{path}: row width {len(r)} ({r[:2]})"):
            continue
        v = dict(zip(COLUMNS, r))
        name, descr, lat, lon = db_place(db, v["id"])
        check(v["name"] == name, f"{path}: {v['id']}: name {v['name']!r} != {name!r}")
        if v["description"] and descr is not None:
            check(v["description"] == descr, f"{path}: {v['id']}: description round trip")
        if any(c in name for c in "\",\n;"):
            tricky += 1
        la = v["latitude"].replace(",", ".") if french else v["latitude"]
        check(("," in v["latitude"] or "." not in v["latitude"]) if french
              else "," not in v["latitude"], f"{path}: decimal separator {v['latitude']}")
        check(abs(float(la) - lat) < 1e-6, f"{path}: {v['id']}: latitude {la} vs {lat}")
    check(tricky >= 2, f"{path}: names that need quoting were round-tripped ({tricky})")


PLACES = {}


def db_place(db, pid):
    if not PLACES:
        for row in db.execute("SELECT id, name, description, geom FROM places"):
            blob = row[3]
            # SpatiaLite point blob: x at bytes 43..51, y at 51..59 (little endian, byte 1 = 1).
            x, y = struct.unpack("<dd", blob[43:59])
            PLACES[row[0]] = (row[1], row[2], y, x)
    return PLACES[pid]


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    main_dir = os.path.join(WORK, "main")
    cfg, dbpath = write_config(main_dir)
    r = run_import(cfg, dbpath)
    if not check(r.returncode == 0, f"import failed: {r.stderr[-2000:]}"):
        return
    check("export written" in r.stderr, "the importer logs each export")
    db = sqlite3.connect(f"file:{dbpath}?mode=ro", uri=True)
    exports_dir = db.execute("SELECT value FROM meta WHERE key = 'exports_dir'").fetchone()
    check(exports_dir and re.fullmatch(r"[^/]+\.sqlite\.exports/\d{8}T\d{6}Z-[0-9a-f]{6}", exports_dir[0]),
          f"meta exports_dir {exports_dir}")
    folder = os.path.join(main_dir, exports_dir[0])
    rows = db.execute("SELECT name, dataset, format, licence, media_type, size, sha256, records,"
                      " excluded, created FROM exports ORDER BY name").fetchall()
    check(len(rows) == 18, f"18 exports (9 formats x 2 licences), got {len(rows)}")
    check(sorted(os.listdir(folder)) == sorted(r[0] for r in rows),
          f"the folder holds exactly the exports' files: {sorted(os.listdir(folder))}")
    odbl_sources, allp, etalab, odbl_fields = expected_split(db)
    check(odbl_sources == {"osm"}, f"ODbL sources {odbl_sources}")
    merged = [pid for pid, fs in odbl_fields.items() if fs]
    check(len(merged) == 1, f"one merged place with ODbL fields: {merged}")
    check(len(allp) - len(etalab) == 3, f"3 ODbL-only places left out, got {len(allp) - len(etalab)}")
    expect = {"etalab-2.0": etalab, ODBL: set(allp)}
    etalab_names = {db_place(db, p)[0] for p in etalab}

    for (name, dataset, fmt, lic, media, size, digest, records, excluded, created) in rows:
        path = os.path.join(folder, name)
        where = f"{name}"
        check(os.path.getsize(path) == size, f"{where}: size {size} != {os.path.getsize(path)}")
        check(sha256(path) == digest, f"{where}: sha256 differs from the file")
        check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created), f"{where}: created")
        n_scope = len(expect[lic])
        want_excluded = len(allp) - n_scope
        check(excluded == want_excluded, f"{where}: excluded {excluded} != {want_excluded}")
        if dataset == "places":
            check(records == n_scope, f"{where}: records {records} != {n_scope} places in scope")
        check(name.startswith(f"{dataset}-{lic}"), f"{where}: name follows dataset-licence")
        geo = fmt in ("geojson", "gpkg", "kml", "shp", "fgb")
        target = f"/vsizip/{path}" if fmt == "shp" else path
        if fmt in ("scdl-equipements",):
            check(media.startswith("text/csv"), f"{where}: media type")
            check_scdl(path, records, {db_place(db, p)[0] for p in expect[lic]})
            continue
        check_address_parts(target, fmt, where)
        rc, out = ogrinfo("-so", "-al", target)
        check(rc == 0, f"{where}: ogrinfo failed: {out[-500:]}")
        counts = [int(c) for c in re.findall(r"Feature Count: (\d+)", out)]
        check(counts and counts[0] == records, f"{where}: ogrinfo count {counts} != {records}")
        fields = re.findall(r"^(\S.*?): \w+ \(", out, re.M)   # French names: spaces, ' and -
        wanted = SHP_COLUMNS if fmt == "shp" else COLUMNS
        if fmt == "csv-fr":              # GDAL reads the French header back
            wanted = [fr for _, fr in french_headers(SRC)]
        if fmt in ("geojson", "kml"):
            wanted = [c for c in COLUMNS if c not in ("latitude", "longitude")]
        if fmt == "kml":                 # the Placemark's <name> is GDAL's Name field
            wanted = ["Name" if c == "name" else c for c in wanted]
        check(all(c in fields for c in wanted), f"{where}: fields missing "
              f"{[c for c in wanted if c not in fields]}")
        if geo:
            check('ID["EPSG",4326]' in out, f"{where}: CRS EPSG:4326")
        if lic != ODBL:
            check(ogr_count(target, "licence = 'ODbL-1.0'") == 0,
                  f"{where}: no feature labelled ODbL under {lic}")
        if fmt == "geojson":
            byid = check_geojson(path, lic, expect[lic], odbl_sources, odbl_fields, db, excluded)
            if lic == ODBL:
                g = byid.get(merged[0], {}) if merged else {}
                check(g.get("opening_hours") == OSM_HOURS and g.get("description") ==
                      OSM_DESCRIPTION and "osm:node-3" in (g.get("source_ids") or ""),
                      f"{where}: the merged place keeps its OSM fields under ODbL: {g}")
            elif merged:
                g = byid.get(merged[0], {})
                check(g.get("name") == GENDARMERIE[0] and g.get("opening_hours") is None and
                      g.get("description") is None and "osm:" not in (g.get("source_ids") or ""),
                      f"{where}: the merged place without its OSM fields: {g}")
        elif fmt in ("csv", "csv-fr"):
            check_csv(path, records, db, fmt == "csv-fr")
        elif fmt == "gpkg":
            g = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            md = g.execute("SELECT mime_type, metadata FROM gpkg_metadata").fetchall()
            js = [json.loads(m) for t, m in md if t == "application/json"]
            check(js and js[0]["licence"]["id"] == lic and js[0]["excluded"] == excluded and
                  js[0]["records"] == records, f"{where}: gpkg_metadata JSON")
            check(any(t == "text/plain" and "Licence" in m for t, m in md),
                  f"{where}: gpkg_metadata licence text")
            refs = g.execute("SELECT reference_scope, table_name FROM gpkg_metadata_reference"
                             ).fetchall()
            check(("table", "places") in refs and ("geopackage", None) in refs,
                  f"{where}: gpkg_metadata_reference {refs}")
            ext = g.execute("SELECT extension_name FROM gpkg_extensions").fetchall()
            check(("gpkg_metadata",) in ext, f"{where}: gpkg_extensions")
            desc = g.execute("SELECT description FROM gpkg_contents WHERE table_name = 'places'"
                             ).fetchone()
            check(desc and "d'après" in desc[0], f"{where}: layer description (attribution)")
            g.close()
        elif fmt == "xlsx":
            check(len(counts) == 2, f"{where}: two sheets")
            bad = xlsx_check.problems(path, OPENPYXL)
            check(not bad, f"{where}: <cols> without overlap within the sheet's columns, "
                  f"openpyxl opens it: {bad[:3]}")
            sh = xlsx_check.sheets(path, OPENPYXL)
            check(list(sh) == ["places", "Licence"] and len(sh["places"]) == records + 1 and
                  list(sh["places"][0]) == COLUMNS,
                  f"{where}: openpyxl reads the places sheet (header + {records} rows)")
            # All-text sheet: GDAL needs to be told that the first row holds the headers.
            rc, out = ogrinfo("--config", "OGR_XLSX_HEADERS", "FORCE", "-al", path, "Licence")
            title = "Licence Ouverte" if lic != ODBL else "Open Database License"
            check(title in out and "Mention à reprendre" in out and
                  f"valeur (String) = {excluded}" in out, f"{where}: Licence sheet")
        elif fmt == "shp":
            z = zipfile.ZipFile(path)
            names = set(z.namelist())
            check(names == {"places.shp", "places.shx", "places.dbf", "places.prj", "places.cpg",
                            "LICENCE.txt"}, f"{where}: zip members {names}")
            check(z.read("places.cpg").decode().strip().upper().replace("-", "") == "UTF8",
                  f"{where}: .cpg UTF-8")
            check(b"WGS" in z.read("places.prj"), f"{where}: .prj WGS 84")
            lt = z.read("LICENCE.txt").decode("utf-8")
            check(gdir_title(lic) in lt and "Sources" in lt and
                  f"Lieux exclus de cet export par la licence : {excluded}." in lt,
                  f"{where}: LICENCE.txt")
        elif fmt == "kml":
            text = open(path, encoding="utf-8").read()
            check(gdir_title(lic) in text.split("<Placemark>")[0], f"{where}: KML description")
        elif fmt == "fgb":
            check(ogr_count(path, "licence IS NULL") == 0, f"{where}: a licence on every feature")
    check({(r[2], r[3]) for r in rows} ==
          {(f, l) for f in ("geojson", "csv", "csv-fr", "scdl-equipements", "gpkg", "xlsx",
                            "kml", "shp", "fgb") for l in ("etalab-2.0", ODBL)},
          "every format under both licences")
    db.close()

    # Build folders: one per import; the previous one is kept, older ones removed.
    first = exports_dir[0].split("/")[1]
    for _ in range(2):
        r = run_import(cfg, dbpath)
        check(r.returncode == 0, f"re-import failed: {r.stderr[-1000:]}")
    root = exports_dir[0].split("/")[0]          # <db file>.exports
    builds = sorted(os.listdir(os.path.join(main_dir, root)))
    check(len(builds) == 2 and first not in builds, f"two build folders kept: {builds}")
    db = sqlite3.connect(f"file:{dbpath}?mode=ro", uri=True)
    cur = db.execute("SELECT value FROM meta WHERE key = 'exports_dir'").fetchone()[0]
    db.close()
    check(os.path.isdir(os.path.join(main_dir, cur)) and cur.split("/")[1] == builds[-1] or
          cur.split("/")[1] in builds, f"the current build {cur} is kept")

    # A failure writing the exports fails the import and leaves the database as it was.
    before = sha256(dbpath)
    exports = os.path.join(main_dir, root)
    os.rename(exports, exports + ".keep")
    open(exports, "w").close()
    r = run_import(cfg, dbpath)
    check(r.returncode == 1 and "untouched" in r.stderr, f"failed export -> exit 1 ({r.returncode})")
    check(sha256(dbpath) == before, "the served database is unchanged after a failed export")
    check(not [f for f in os.listdir(main_dir) if ".tmp-" in f], "no temporary database left")
    os.remove(exports)
    os.rename(exports + ".keep", exports)

    # --no-exports builds none.
    ncfg, ndb = write_config(os.path.join(WORK, "noexp"))
    r = run_import(ncfg, ndb, "--no-exports")
    check(r.returncode == 0, f"--no-exports import failed: {r.stderr[-1000:]}")
    db = sqlite3.connect(f"file:{ndb}?mode=ro", uri=True)
    check(db.execute("SELECT COUNT(*) FROM exports").fetchone()[0] == 0 and
          db.execute("SELECT COUNT(*) FROM meta WHERE key = 'exports_dir'").fetchone()[0] == 0,
          "--no-exports: no exports rows, no exports_dir")
    db.close()
    check(not [f for f in os.listdir(os.path.join(WORK, "noexp")) if f.endswith(".exports")],
          "--no-exports: no folder")

    # open_data errors name the key (exit status 2, nothing written).
    base = {"title": "T", "exports": ["csv"]}
    for bad, key in (({"exports": ["pdf"]}, "open_data.exports[0]"),
                     ({"exports": ["csv", "csv"]}, "open_data.exports"),
                     ({"publisher_siret": "123"}, "open_data.publisher_siret"),
                     ({"publisher_siret": "12345678900011"}, "open_data.publisher_siret"),
                     ({"update_frequency": "hourly"}, "open_data.update_frequency"),
                     ({"public_url": "ftp://x"}, "open_data.public_url"),
                     ({"keywords": "annuaire"}, "open_data.keywords"),
                     ({"colour": "red"}, "open_data.colour")):
        od = dict(base)
        od.update(bad)
        bcfg, bdb = write_config(os.path.join(WORK, "bad"), open_data=od)
        r = run_import(bcfg, bdb)
        check(r.returncode == 2 and key in r.stderr, f"bad open_data {bad}: exit {r.returncode}, "
              f"message names {key}: {r.stderr.strip()[-300:]}")
        check(not os.path.exists(bdb), f"bad open_data {bad}: no database written")
    # A subset of formats, and no scdl export without the SIRET.
    od = {"exports": ["geojson", "scdl-equipements"]}
    scfg, sdb = write_config(os.path.join(WORK, "subset"), open_data=od)
    r = run_import(scfg, sdb)
    check(r.returncode == 0 and "publisher_siret" in r.stderr, "scdl skipped with a message")
    db = sqlite3.connect(f"file:{sdb}?mode=ro", uri=True)
    names = sorted(x[0] for x in db.execute("SELECT name FROM exports"))
    db.close()
    check(names == ["places-ODbL-1.0.geojson", "places-etalab-2.0.geojson"],
          f"only the configured formats: {names}")


def gdir_title(lic):
    return "Open Database License (ODbL) version 1.0" if lic == ODBL else \
        "Licence Ouverte / Open Licence version 2.0"


if __name__ == "__main__":
    main()
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        sys.exit(1)
    print("exports: all checks passed")
