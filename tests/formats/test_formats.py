#!/usr/bin/env python3
"""Integration tests of the source profiles: the real geodir-import on the hand-written fixture
of each official format (tests/formats/fixtures, examples with the format's traps), the database
read back with the sqlite3 shell and mod_spatialite.

usage: test_formats.py CASE IMPORTER SQLITE3 OGR2OGR TESTS_DIR SOURCE_DIR WORK_DIR
  CASE  osm             OSM XML through the GDAL OSM driver: tags, other_tags traps, ways and
                        relations placed on their surface, refs, ODbL
        finess_csv      FINESS legacy stock: Windows-1252, both geolocation shapes, x/y swap,
                        overseas SRS and INSEE code, malformed line, duplicate, geocoding
        finess_json     FINESS JSON flux: nested pmej/ege, swapped coordinates, padded values,
                        inactive and unmapped establishments, truncated file, size cap
        rna             RNA waldec (Windows-1252) and rna_import (BOM, invalid UTF-8), geocoded
                        against BAN; personal columns never stored
        bpe             INSEE BPE, both editions (LAMBERT_X/Y and X/Y columns), and the
                        2023+ fichier détail (names, addresses, _Z/_U, partial diffusion)
        overseas        FINESS (JSON flux and legacy stock) and BPE rows of each overseas
                        territory, in its own SRS (named by the row, or chosen from the INSEE
                        code), checked against PROJ (gdaltransform) to the metre
        sirene          SIRENE géolocalisé: active and public establishments only; P rows never
                        written anywhere
        service_public  the per-office XML folder: opening hours, accessibility, bad file
        service_public_json  the API Annuaire JSON export: JSON text or arrays, hours, the
                        located address, a record that is not an object
        addresses       BAN and BANO into the addresses table
        generic         a territory's own CSV with the example profile; GPKG and Shapefile
                        copies made with ogr2ogr
        profiles        profiles with mistakes in the new keys: exit 2 and a clear message
"""
import csv
import glob
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import (check, failures, haversine, import_summary, run_program,  # noqa: E402
                         sqlite_one, sqlite_rows)

CASE, IMPORTER, SQLITE3, OGR2OGR, TESTS, SRC, WORK = sys.argv[1:8]
FIX = os.path.join(TESTS, "fixtures")


def profiles_dir():
    """The shipped profiles plus the test profiles, in WORK/profiles."""
    d = os.path.join(WORK, "profiles")
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(os.path.join(SRC, "importer", "profiles"), d)
    for p in glob.glob(os.path.join(TESTS, "profiles", "*.json")):
        shutil.copy(p, d)
    return d


def run(cfg, db, extra=None):
    env = {k: v for k, v in os.environ.items() if k != "GEODIR_PROFILES"}
    args = [IMPORTER, "--config", cfg, "--db", db, "--profiles", PROFILES] + (extra or [])
    return run_program(args, 110, env)


def sql(db, query):
    return sqlite_rows(SQLITE3, db, query)


def one(db, query):
    return sqlite_one(SQLITE3, db, query)


def dump(db):
    p = subprocess.run([SQLITE3, db, ".dump"], capture_output=True, timeout=60)
    return p.stdout.decode("utf-8", "replace")


def config(name, sources, communes=None):
    with open(os.path.join(FIX, "common", "territoire.json"), encoding="utf-8") as f:
        c = json.load(f)
    c["data_dir"] = FIX
    c["sources"] += sources
    # Each fixture holds its format's traps on purpose, a large share of its rows: the
    # publication guard (issue 10 D5, tests/import import.guard) would refuse them.
    c["guard"] = {"max_rejected_percent": 100}
    if communes:
        c["territory"]["communes"] = communes
    path = os.path.join(WORK, name + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(c, f, ensure_ascii=False)
    return path


table = import_summary   # {source: (read, imported, outside, filtered, rejected, geocoded)}


def rejects(db):
    with open(db + ".rejects.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def rows_of(db, tbl, where="1"):
    """Every column but the geometry, plus lat and lon."""
    cols = [c["name"] for c in sql(db, f"PRAGMA table_info({tbl})") if c["name"] != "geom"]
    return sql(db, f"SELECT {', '.join(cols)}, ST_Y(geom) AS lat, ST_X(geom) AS lon FROM {tbl} WHERE {where}")


def places(db, where="1"):
    return {r["id"]: r for r in rows_of(db, "places", where)}


def near(a, b, tol=1e-5):
    return a is not None and abs(a - b) <= tol


def at(place, lat, lon, tol=1e-5):
    """The place (a row of places()) lies at lat, lon, within tol degrees each way."""
    return near(place.get("lat"), lat, tol) and near(place.get("lon"), lon, tol)


def named(pl, key, name, category, what):
    """The place key of pl ({} when absent), checked to have this name and category."""
    place = pl.get(key, {})
    check(place.get("name") == name and place.get("category") == category,
          f"{what} (got {place.get('name')!r}, {place.get('category')!r})")
    return place


def expect_counts(p, source, want, what):
    """One check: the importer's summary table (p.out) shows want, (read, imported, outside,
    filtered, rejected, geocoded), for source."""
    got = table(p.out).get(source)
    check(got == want, f"{what} (got {got})")


def import_ok(name, sources, communes=None, extra=None):
    db = os.path.join(WORK, name + ".sqlite")
    p = run(config(name, sources, communes), db, extra)
    print(p.out)
    check(p.returncode == 0, f"{name}: exit status 0 (got {p.returncode}; stderr: {p.err[-2000:]})")
    return db, p


def import_one(name, source, profile, path, counts, what, communes=None):
    """import_ok of the one source (source, profile, path), then expect_counts(counts, what);
    returns the database, the process and the source's places."""
    db, p = import_ok(name, [{"name": source, "profile": profile, "path": path}], communes)
    expect_counts(p, source, counts, what)
    return db, p, places(db, f"source = '{source}'")


def expect_rejects(db, source, expected):
    """expected: list of (file suffix, line, field, reason code, message prefix)."""
    got = [r for r in rejects(db) if r["source"] == source]
    check(len(got) == len(expected), f"{source}: {len(expected)} rejects (got {len(got)}: {got})")
    for (fname, line, field, reason, msg), r in zip(expected, got):
        ok = (r["file"].endswith(fname) and r["line"] == line and r["field"] == field
              and r["reason"].startswith(msg))
        check(ok, f"{source}: reject {fname}:{line}: {field}: {msg} (got {r})")
    with open(db + ".report.json", encoding="utf-8") as f:
        rep = json.load(f)
    by = [s for s in rep["sources"] if s["name"] == source][0]["rejected_by_reason"]
    want = {}
    for e in expected:
        want[e[3]] = want.get(e[3], 0) + 1
    check(by == want, f"{source}: rejected_by_reason {want} (got {by})")


def provenance(db, source, licence, publisher):
    row = sql(db, f"SELECT licence, publisher FROM sources WHERE name = '{source}'")
    check(row and row[0]["licence"] == licence and row[0]["publisher"] == publisher,
          f"{source}: sources row licence {licence}, publisher {publisher} (got {row})")
    lic = sql(db, f"SELECT DISTINCT licence FROM places WHERE source = '{source}'") or \
        sql(db, f"SELECT DISTINCT licence FROM addresses WHERE source = '{source}'")
    check([r["licence"] for r in lic] == [licence], f"{source}: every row under {licence} (got {lic})")


# --------------------------------------------------------------------------------------------
def case_osm():
    db, p, pl = import_one("osm", "osm", "osm", "osm/lieux.osm", (15, 12, 1, 1, 1, 0),
                           "osm: read 15 (12 nodes, a way, a pitch, a relation), imported 12, "
                           "outside 1, filtered 1, rejected 1")
    want = {"osm:node-1": ("Pharmacie de l'Aire", "pharmacy", "55532"),
            "osm:node-2": ("Cabinet médical du Seuil", "gp", "55517"),
            "osm:node-3": ("Cabinet d'ophtalmologie", "health", "55040"),
            "osm:node-4": ("Défibrillateur", "defibrillator", "55532"),
            "osm:node-7": ("Café de la Gare", "food-drink-lodging", "55040"),
            "osm:node-8": ("Fleurs d'Argonne", "shops", "55254"),
            "osm:node-10": ("Mairie d'Érize-la-Petite", "town-hall", "55177"),
            "osm:node-11": ("Gare Meuse TGV", "station", "55254"),
            "osm:node-12": ("École de Vaubecourt", "primary-school", "55532"),
            "osm:way-1": ("Maison de santé du Seuil", "health-centre", "55517"),
            "osm:way-200": ("Clubs sportifs, équipements", "sports", "55532"),
            "osm:relation-300": ("Église Saint-Martin", "worship", "55040")}
    check(sorted(pl) == sorted(want), f"osm: the 12 places by id (got {sorted(pl)})")
    for pid, (name, cat, insee) in want.items():
        r = pl.get(pid, {})
        check((r.get("name"), r.get("category"), r.get("insee")) == (name, cat, insee),
              f"osm: {pid} is {name!r} / {cat} / {insee} (got {r.get('name')!r} / "
              f"{r.get('category')} / {r.get('insee')})")
    ph = pl.get("osm:node-1", {})
    check(ph.get("refs") == "osm:node/1 finess:550000001 siret:12345678900012",
          f"osm: refs of the pharmacy, SIRET without its spaces (got {ph.get('refs')})")
    check(ph.get("address") == "2 Grand'Rue 55250 Vaubecourt" and ph.get("postcode") == "55250",
          f"osm: address from addr:* (got {ph.get('address')!r})")
    check(ph.get("phone") == "+33 3 29 70 00 00" and ph.get("website") == "https://pharmacie.example.org",
          "osm: contact:phone, website")
    check(ph.get("opening_hours") == "Mo-Fr 09:00-12:00,14:00-19:00; Sa 09:00-12:00"
          and ph.get("wheelchair") == "yes", "osm: opening_hours, wheelchair")
    check(at(ph, 48.935, 5.11), "osm: node position")
    bar = pl.get("osm:node-7", {})
    check(bar.get("description") == 'Dit "le Zinc" => chez Léon, c:\\bar',
          f"osm: other_tags value with quotes, '=>', ',' and a backslash (got {bar.get('description')!r})")
    check(bar.get("address") == 'Rue "Haute"',
          f"osm: addr:street read from its own key, not from inside another value (got {bar.get('address')!r})")
    check(pl.get("osm:node-10", {}).get("email") == "mairie@erize.example.org"
          and pl.get("osm:node-10", {}).get("wheelchair") == "limited", "osm: email before contact:email")
    check(pl.get("osm:way-1", {}).get("phone") == "03 29 00 00 02", "osm: phone before contact:phone")
    check(pl.get("osm:node-12", {}).get("refs") == "osm:node/12 uai:0550001A", "osm: ref:UAI -> uai:")
    w = pl.get("osm:way-1", {})
    check(w.get("refs") == "osm:way/1" and 48.970 < (w.get("lat") or 0) < 48.975
          and 5.050 < (w.get("lon") or 0) < 5.060, f"osm: closed way placed inside its outline ({w})")
    rel = pl.get("osm:relation-300", {})
    check(rel.get("refs") == "osm:relation/300" and 48.960 < (rel.get("lat") or 0) < 48.963
          and 5.180 < (rel.get("lon") or 0) < 5.185, "osm: multipolygon relation placed inside it")
    provenance(db, "osm", "ODbL-1.0", "OpenStreetMap contributors")
    expect_rejects(db, "osm", [("osm/lieux.osm", "feature 12", "geometry", "outside_france",
                                "coordinates outside France")])
    check("lieux.osm:feature 12: geometry: coordinates outside France" in p.err,
          "osm: the reject on stderr names file, feature and field")
    check(not sql(db, "SELECT id FROM places WHERE name LIKE '%Apotheke%' OR name LIKE '%Souilly%'"),
          "osm: the node in Berlin and the bakery of Souilly are not places")


def case_finess_csv():
    db, p, pl = import_one("finess_csv", "finess", "finess-csv",
                           "finess/etalab-cs1100507-stock-exemple.csv", (9, 5, 1, 1, 2, 2),
                           "finess-csv: 9 structureet read, 5 imported, 1 outside, 1 filtered, "
                           "2 rejected, 2 geocoded",
                           communes=["55040", "55177", "55254", "55517", "55532", "97101"])
    a = named(pl, "finess:550000001", "PHARMACIE DE L'AIRE; SUCCURSALE DE VAUBECOURT", "pharmacy",
              "finess-csv: ';' inside a quoted field; category 620 -> pharmacy")
    check(a.get("refs") == "finess:550000001 siret:12345678900012" and a.get("phone") == "0329700000"
          and a.get("source_date") == "2025-01-15", f"finess-csv: refs, phone, date ({a})")
    check(at(a, 48.936, 5.11, 2e-6),
          f"finess-csv: 2026 geolocation shape, Lambert-93 (got {a.get('lat')}, {a.get('lon')})")
    b = named(pl, "finess:550000002", "RÉSIDENCE LES TILLEULS – SEUIL-D'ARGONNE", "care-home",
              "finess-csv: Windows-1252 text converted")
    check(at(b, 48.975, 5.05, 2e-6),
          f"finess-csv: 2016 shape with x/y swapped, swapped back (got {b.get('lat')}, {b.get('lon')})")
    check("swapped back" in p.err and "rows=1" in p.err, "finess-csv: the swap is reported on stderr")
    g = pl.get("finess:9A0000007", {})
    check(g.get("insee") == "97101" and at(g, 16.241, -61.535, 2e-6),
          f"finess-csv: département 9A -> INSEE 97101, EPSG:5490 geolocation ({g.get('insee')}, "
          f"{g.get('lat')}, {g.get('lon')})")
    h = pl.get("finess:550000004", {})
    check(h.get("category") == "hospital" and h.get("geocode_precision") == "municipality",
          f"finess-csv: no geolocation record: geocoded ({h.get('geocode_precision')})")
    n = pl.get("finess:550000009", {})
    check(n.get("geocode_precision") is not None and n.get("address") == "5B R DE LA GARE 55250 VAUBECOURT",
          f"finess-csv: unusable coordinates: geocoded from the address ({n})")
    check("finess:550000003" not in pl and "finess:550000006" not in pl,
          "finess-csv: unmapped category filtered, Souilly outside")
    provenance(db, "finess", "etalab-2.0", "DREES / ANS (FINESS)")
    expect_rejects(db, "finess", [
        ("etalab-cs1100507-stock-exemple.csv", "6", "line", "malformed_line",
         "malformed structureet record: 20 fields, expected 32"),
        ("etalab-cs1100507-stock-exemple.csv", "9", "nofinesset", "duplicate_id", "duplicate id")])


def case_finess_json():
    db, p, pl = import_one("finess_json", "finess", "finess-json",
                           "finess/finess-structures-exemple.json", (6, 3, 1, 2, 0, 1),
                           "finess-json: 6 ege read, 3 imported, 1 outside, 2 filtered (inactive, "
                           "unmapped), 1 geocoded")
    a = named(pl, "finess:550000011", "PHARMACIE DE L'AIRE - VAUBECOURT", "pharmacy",
              "finess-json: padded name trimmed")
    check(at(a, 48.936, 5.11, 2e-6),
          f"finess-json: coordonneeX/Y published swapped, swapped back ({a.get('lat')}, {a.get('lon')})")
    check(a.get("phone") == "0329700000" and a.get("email") == "contact@pharmacie.example.org",
          f"finess-json: the contact that has a phone, not the first one ({a.get('phone')})")
    check(a.get("refs") == "finess:550000011 siret:12345678900012" and a.get("postcode") == "55250"
          and a.get("source_date") == "2025-09-01" and a.get("geo_quality") == "0.95",
          f"finess-json: refs, postcode, date, BAN score ({a})")
    m = pl.get("finess:550000013", {})
    check(m.get("category") == "health-centre" and m.get("geocode_precision") == "municipality"
          and m.get("address") == "42 R BERNE 55250 BEAUSITE",
          f"finess-json: no coordinates: geocoded from the main address ({m})")
    l = pl.get("finess:550000016", {})
    check(at(l, 48.98, 5.06, 2e-6),
          f"finess-json: coordinates in the right order are kept ({l.get('lat')}, {l.get('lon')})")
    check(sorted(pl) == ["finess:550000011", "finess:550000013", "finess:550000016"],
          f"finess-json: inactive, unmapped and outside establishments left out ({sorted(pl)})")
    # a truncated file stops the source, the previous database stays
    with open(db, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    p2 = run(config("finess_json_bad", [{"name": "finess", "profile": "finess-json",
                                          "path": "finess/finess-structures-tronque.json"}]), db)
    check(p2.returncode == 1 and "finess-structures-tronque.json:" in p2.err
          and "syntax error: unexpected end of the file" in p2.err,
          f"finess-json: truncated file: exit 1 naming file and line (got {p2.returncode}: {p2.err[-400:]})")
    with open(db, "rb") as f:
        check(hashlib.sha256(f.read()).hexdigest() == digest, "finess-json: database untouched")
    # the size cap
    big = os.path.join(WORK, "finess-gros.json")
    with open(big, "w") as f:
        f.write('{"schemaVersion": "v1.0.0", "pmej": [], "pad": "' + "x" * (2 << 20) + '"}')
    p3 = run(config("finess_json_big", [{"name": "finess", "profile": "test-finess-json-1mb",
                                         "path": big}]), db)
    check(p3.returncode == 1 and "larger than the 1 MiB" in p3.err,
          f"finess-json: over the size cap: exit 1, clear message (got {p3.returncode}: {p3.err[-300:]})")


def case_rna():
    db, p = import_ok("rna", [
        {"name": "ban", "profile": "ban", "path": "ban/adresses-55-exemple.csv"},
        {"name": "rna", "profile": "rna-waldec", "path": "rna/rna_waldec_exemple.csv"},
        {"name": "rna-import", "profile": "rna-import", "path": "rna/rna_import_exemple.csv"}])
    expect_counts(p, "rna", (8, 4, 1, 1, 2, 5),
                  "rna-waldec: read 8, imported 4, outside 1, filtered 1, rejected 2, geocoded 5 (the "
                  "duplicate too)")
    expect_counts(p, "rna-import", (5, 3, 0, 1, 1, 3),
                  "rna-import: read 5, imported 3, filtered 1, rejected 1, geocoded 3")
    pl = places(db, "source IN ('rna', 'rna-import')")
    s = named(pl, "rna:W551000001", "Société sportive de Vaubecourt", "sports",
              "rna: Windows-1252 name converted; family 011 -> sports")
    check(s.get("geocode_precision") == "housenumber" and near(s.get("lat"), 48.9305, 1e-4)
          and near(s.get("lon"), 5.1105, 1e-4), f"rna: geocoded on the BAN point of 3 rue de la Gare ({s})")
    check(s.get("refs") == "rna:W551000001 siret:12345678900020" and s.get("source_date") == "2024-03-01",
          "rna: refs rna:/siret:, date from maj_time")
    c = pl.get("rna:W551000002", {})
    check(c.get("name") == "Théâtre ; musique du Seuil" and c.get("category") == "culture-venue"
          and c.get("website") == "https://theatre.example.org", f"rna: ';' in quotes, 006 -> culture-venue ({c})")
    check(pl.get("rna:W551000005", {}).get("category") == "association"
          and pl.get("rna:W551000008", {}).get("category") == "association", "rna: other families -> association")
    check(pl.get("rna:W551000008", {}).get("geocode_precision") == "housenumber",
          "rna: 5 + repetition B geocoded on 5 bis")
    i = pl.get("rna-import:553S0010000004", {})
    check(i.get("description") == "Gymnastique d'entretien" and i.get("category") == "sports",
          f"rna-import: quoted line break in objet ({i.get('description')!r})")
    # personal data of the declarant are never read
    text = dump(db) + open(db + ".rejects.csv", encoding="utf-8").read() + \
        open(db + ".report.json", encoding="utf-8").read() + p.out + p.err
    for secret in ("PERSONNE PRIVEE", "DOMICILE PRIVE", "75001"):
        check(secret not in text, f"rna: {secret!r} (adrg_*) appears nowhere")
    expect_rejects(db, "rna", [
        ("rna_waldec_exemple.csv", "7", "line", "malformed_line", "malformed CSV line: 20 fields, the header has 39"),
        ("rna_waldec_exemple.csv", "8", "id", "duplicate_id", "duplicate id")])
    expect_rejects(db, "rna-import", [
        ("rna_import_exemple.csv", "3", "titre", "invalid_utf8", "invalid UTF-8")])
    provenance(db, "rna", "etalab-2.0", "Ministère de l'Intérieur")


def case_bpe():
    db, p = import_ok("bpe", [{"name": "bpe", "profile": "bpe", "path": "bpe/bpe24_exemple.csv"},
                              {"name": "bpe-ancien", "profile": "bpe-legacy",
                               "path": "bpe/bpe21_ensemble_xy_exemple.csv"},
                              {"name": "bpe-detail", "profile": "bpe-detail",
                               "path": "bpe/bpe24_detail_exemple.csv"}])
    expect_counts(p, "bpe", (7, 3, 1, 1, 2, 0),
                  "bpe: read 7, imported 3, outside 1, filtered 1, rejected 2")
    expect_counts(p, "bpe-ancien", (4, 3, 0, 1, 0, 0), "bpe-legacy: read 4, imported 3, filtered 1")
    pl = places(db, "source IN ('bpe', 'bpe-ancien')")
    a = pl.get("bpe:D307-55532-854564.27-6872734.71", {})
    check(a.get("name") == "Pharmacie" and a.get("category") == "pharmacy" and a.get("geo_quality") == "Bonne"
          and at(a, 48.936, 5.11, 2e-6),
          f"bpe: D307 pharmacy, QUALITE_XY kept, Lambert-93 ({a})")
    g = pl.get("bpe:D265-55517-6877529.37-850774.82", {})
    check(g.get("category") == "gp" and at(g, 48.98, 5.06, 2e-6),
          f"bpe: x/y swapped, swapped back ({g.get('lat')}, {g.get('lon')})")
    check(pl.get("bpe:F101-55254-866172.99-6876839.18", {}).get("name") == "Piscine", "bpe: F101 -> Piscine")
    e = pl.get("bpe-ancien:C104-55532-855284.69-6873198.99", {})
    check(e.get("category") == "primary-school" and e.get("name") == "École élémentaire"
          and e.get("geo_quality") == "Mauvaise", f"bpe-legacy: X/Y columns, legacy code C104 ({e})")
    check(pl.get("bpe-ancien:D301-55532-855284.69-6873198.99", {}).get("category") == "pharmacy",
          "bpe-legacy: D301 -> pharmacy")
    expect_rejects(db, "bpe", [
        ("bpe24_exemple.csv", "4", "LAMBERT_X|X/LAMBERT_Y|Y", "missing_coordinates", "no coordinates"),
        ("bpe24_exemple.csv", "8", "source_id", "duplicate_id", "duplicate id")])
    provenance(db, "bpe", "etalab-2.0", "INSEE")
    bpe_detail(db, p)


def bpe_detail(db, p):
    """The fichier détail of the 2023+ editions (95 columns in BPE 2025; the fixture has the
    89 of BPE 2024): names, addresses, SIRET, _Z/_U read as empty, WGS84 positions."""
    expect_counts(p, "bpe-detail", (6, 5, 0, 1, 0, 1),
                  "bpe-detail: read 6, imported 5, filtered 1 (unmapped A101), geocoded 1")
    pl = places(db, "source = 'bpe-detail'")
    by_type = {k.split(":", 1)[1].split("-")[0]: v for k, v in pl.items()}
    a = by_type.get("D307", {})
    check(a.get("name") == "PHARMACIE DE L'AIRE (EXEMPLE)" and a.get("category") == "pharmacy"
          and a.get("address") == "2 B R GRANDE RUE" and a.get("postcode") == "55250"
          and a.get("refs") == "siret:12345678900012" and a.get("geo_quality") == "B"
          and at(a, 48.936, 5.11, 1e-7),
          f"bpe-detail: NOMRS, address without _Z, SIRET, QUALITE_XY, WGS84 position ({a})")
    g = by_type.get("D281", {})
    check(g.get("name") == "Infirmier" and not g.get("address") and not g.get("refs")
          and g.get("category") == "nurse",
          f"bpe-detail: partial diffusion (_Z name and address): named by its type ({g})")
    po = by_type.get("A206", {})
    check(po.get("name") == "LA POSTE (EXEMPLE)" and po.get("address") ==
          "AGENCE POSTALE COMMUNALE\n1 PL DE LA MAIRIE\nBP 12" and not po.get("geo_quality"),
          f"bpe-detail: CNOMRS and CADR as address lines, _U quality empty ({po})")
    f = by_type.get("F120", {})
    check(f.get("geocode_precision") is not None and f.get("insee") == "55177",
          f"bpe-detail: no coordinates: geocoded from its address ({f})")
    check("A101" not in by_type, "bpe-detail: unmapped type filtered")
    check(not any("_Z" in str(v) or "_U" in str(v) for pl_ in pl.values() for v in pl_.values()),
          "bpe-detail: no _Z or _U value stored anywhere")


def case_sirene():
    db, p = import_ok("sirene", [
        {"name": "ban", "profile": "ban", "path": "ban/adresses-55-exemple.csv"},
        {"name": "sirene", "profile": "sirene-geo", "path": "sirene/sirene_etablissements_geo_exemple.csv"}])
    expect_counts(p, "sirene", (10, 4, 1, 5, 0, 2),
                  "sirene: read 10, imported 4, outside 1, filtered 5 (2 partial diffusion, closed, unmapped NAF, "
                  "old nomenclature), geocoded 2")
    pl = places(db, "source = 'sirene'")
    a = pl.get("sirene:12345678900012", {})
    check(a.get("name") == "PHARMACIE DU CENTRE" and a.get("category") == "pharmacy"
          and a.get("refs") == "siret:12345678900012" and a.get("geo_quality") == "housenumber 0.93"
          and at(a, 48.936, 5.11), f"sirene: 47.73Z pharmacy ({a})")
    r = named(pl, "sirene:42345678900015", "Restaurants, cafés, hébergements", "food-drink-lodging",
              "sirene: no enseigne: named after the category")
    e = pl.get("sirene:52345678900016", {})
    check(e.get("category") == "building-trades" and e.get("geocode_precision") == "housenumber",
          f"sirene: 43.21A, no coordinates: geocoded ({e})")
    b = pl.get("sirene:92345678900010", {})
    check(b.get("category") == "food-shop" and b.get("geocode_precision") == "housenumber",
          f"sirene: 0,0 coordinates: geocoded from the address ({b})")
    text = dump(db) + open(db + ".rejects.csv", encoding="utf-8").read() + \
        open(db + ".report.json", encoding="utf-8").read() + p.out + p.err
    for secret in ("DUPONTEL", "RUE SECRETE", "22345678900013", "CABINET PRIV", "12345678900099"):
        check(secret not in text, f"sirene: partial-diffusion data {secret!r} written nowhere")
    expect_rejects(db, "sirene", [])
    provenance(db, "sirene", "etalab-2.0", "INSEE (géocodage Etalab)")


def case_service_public():
    db, p, pl = import_one("service_public", "sp", "service-public-xml", "service-public",
                           (5, 3, 1, 0, 1, 0), "service-public-xml: 5 XML files read (not the "
                           ".txt), 3 imported, 1 outside, 1 rejected")
    m = pl.get("sp:mairie-55532-01", {})
    check(m.get("category") == "town-hall" and m.get("opening_hours") == "Tu 16:30-18:30; Th 10:00-12:00"
          and m.get("wheelchair") == "yes" and m.get("phone") == "03 29 70 00 00"
          and m.get("refs") == "sp:mairie-55532-01" and m.get("geo_quality") == "6"
          and m.get("source_date") == "2021-06-22", f"sp-xml: mairie ({m})")
    f = pl.get("sp:msap-55517-01", {})
    check(f.get("category") == "france-services" and f.get("opening_hours") ==
          "Mo,Tu,Th,Fr 09:00-12:00,13:30-17:00; We 09:00-12:00,13:30-19:00; Sa 09:00-12:00",
          f"sp-xml: day ranges merged per day and grouped ({f.get('opening_hours')!r})")
    check(f.get("wheelchair") == "no" and f.get("email") == "france-services@seuil.example.org"
          and f.get("address") == "1 place de l'Église\nBâtiment B"
          and f.get("description") == "Accueil sur rendez-vous l'après-midi.",
          f"sp-xml: NAC -> no, mailto: stripped, address lines, note ({f})")
    g = pl.get("sp:gendarmerie-55040-01", {})
    check(g.get("wheelchair") == "limited" and g.get("opening_hours") == "Mo,Sa,Su 08:00-12:00"
          and at(g, 48.9692, 5.1912)
          and g.get("address") == "13 route de Clermont",
          f"sp-xml: géopostale address preferred, DEM -> limited, samedi-lundi wraps ({g})")
    expect_rejects(db, "sp", [("service-public", "feature 3", "mairie-55254-01.xml", "read_error",
                               "not well-formed XML")])
    check("service-public:feature 3: mairie-55254-01.xml: not well-formed XML" in p.err,
          "sp-xml: the bad file is named on stderr")
    provenance(db, "sp", "etalab-2.0", "DILA")


def case_service_public_json():
    db, p, pl = import_one("service_public_json", "sp", "service-public-json",
                           "service-public-json/annuaire-exemple.json", (4, 2, 1, 0, 1, 0),
                           "service-public-json: 4 records read, 2 imported, 1 outside, 1 rejected")
    m = pl.get("sp:mairie-55532-01-exemple", {})
    check(m.get("category") == "town-hall" and m.get("opening_hours") == "Tu 16:30-18:30; Th 10:00-12:00"
          and m.get("wheelchair") == "yes" and m.get("phone") == "03 99 70 00 00"
          and m.get("email") == "mairie@vaubecourt.example.org"
          and m.get("website") == "https://vaubecourt.example.org"
          and m.get("address") == "2 Grand'rue" and at(m, 48.9332008, 5.1108398)
          and m.get("refs") == "sp:mairie-55532-01-exemple" and m.get("source_date") == "2026-09-01",
          f"sp-json: JSON text members, the located address rather than the postal one listed "
          f"first, the first e-mail, the date of date_modification ({m})")
    f = pl.get("sp:msap-55517-01-exemple", {})
    check(f.get("category") == "france-services" and f.get("opening_hours") ==
          "Mo,Tu,Th,Fr 09:00-12:00,13:30-17:00; We 09:00-12:00,13:30-19:00; Sa 09:00-12:00",
          f"sp-json: arrays read like JSON text, spans merged per day, an unknown day left out "
          f"({f.get('opening_hours')!r})")
    check(f.get("wheelchair") == "no" and f.get("address") == "1 place de l'Église\nBâtiment B"
          and f.get("description") == "Accueil sur rendez-vous l'après-midi." and at(f, 48.9785, 5.0638),
          f"sp-json: NAC -> no, address lines, comment, numeric coordinates ({f})")
    expect_rejects(db, "sp", [("annuaire-exemple.json", "feature 3", "record", "read_error",
                               "a record of the export is not an object")])
    provenance(db, "sp", "etalab-2.0", "DILA")


def case_addresses():
    db, p = import_ok("addresses", [{"name": "ban", "profile": "ban", "path": "ban/adresses-55-exemple.csv"},
                                    {"name": "bano", "profile": "bano", "path": "ban/bano-55-exemple.csv"}])
    expect_counts(p, "ban", (9, 6, 1, 0, 2, 0), "ban: read 9, imported 6, outside 1, rejected 2")
    expect_counts(p, "bano", (6, 3, 1, 0, 2, 0), "bano: read 6, imported 3, outside 1, rejected 2")
    ad = {r["id"]: r for r in rows_of(db, "addresses")}
    b = ad.get("55532_0010_00005_bis", {})
    check(b.get("housenumber") == "5 bis" and b.get("street") == "Rue de la Gare" and b.get("insee") == "55532"
          and b.get("postcode") == "55250" and b.get("city") == "Vaubecourt" and near(b.get("lat"), 48.9308),
          f"ban: numero + rep, fields, WGS84 lon/lat ({b})")
    ld = ad.get("55517_b001_99999", {})
    check(ld.get("housenumber") is None and ld.get("street") == "Le Moulin",
          f"ban: a lieu-dit (99999) is a street-level point named after nom_ld ({ld})")
    c = ad.get("55254C003Z-1BIS", {})
    check(c.get("housenumber") == "1BIS" and c.get("insee") == "55254" and c.get("city") == "Les Trois-Domaines"
          and at(c, 48.97, 5.27),
          f"bano: columns by position, INSEE from the first 5 characters of id ({c})")
    check("553890054N-2" not in ad, "bano: Nubécourt is outside the territory")
    expect_rejects(db, "ban", [
        ("adresses-55-exemple.csv", "8", "lat/lon", "missing_coordinates", "no coordinates"),
        ("adresses-55-exemple.csv", "9", "line", "malformed_line", "malformed CSV line: 6 fields, the header has 23")])
    expect_rejects(db, "bano", [
        ("bano-55-exemple.csv", "5", "line", "malformed_line", "malformed CSV line: 7 fields, the first line has 8"),
        ("bano-55-exemple.csv", "6", "id", "invalid_value", "identifier may only hold")])
    provenance(db, "ban", "etalab-2.0", "IGN, DINUM (BAN)")
    provenance(db, "bano", "ODbL-1.0", "OpenStreetMap France, contributeurs d'OpenStreetMap")


def case_generic():
    db, p, pl = import_one("generic", "local", "generic-csv-example", "generic/lieux-exemple.csv",
                           (7, 5, 0, 0, 2, 0), "generic csv: read 7, imported 5, rejected 2")
    s = pl.get("local:SDF-1", {})
    check(s.get("name") == "Salle des fêtes de Vaubecourt" and s.get("category") == "culture-venue"
          and s.get("address") == "Rue de la Gare; derrière la mairie" and near(s.get("lat"), 48.9301)
          and near(s.get("lon"), 5.1101) and s.get("opening_hours") == "Sa,Su 10:00-18:00",
          f"generic csv: Windows-1252, decimal comma, ';' in quotes, type -> category ({s})")
    check(pl.get("local:AUTRE-1", {}).get("category") == "other-public-service", "generic csv: default category")
    check(pl.get("local:DECH-1", {}).get("category") == "waste", "generic csv: déchèterie -> waste")
    expect_rejects(db, "local", [
        ("lieux-exemple.csv", "7", "identifiant", "duplicate_id", "duplicate id"),
        ("lieux-exemple.csv", "8", "latitude/longitude", "outside_france", "coordinates outside France")])
    provenance(db, "local", "etalab-2.0", "Territoire de test des formats (exemple)")
    # the same places as GeoJSON -> GPKG (EPSG:4326) and Shapefile (EPSG:2154), made by ogr2ogr
    gj = os.path.join(WORK, "lieux.geojson")
    feats = []
    for pid, r in pl.items():
        feats.append({"type": "Feature", "properties": {"ident": r["source_id"], "libelle": r["name"],
                                                        "categorie": r["category"], "insee": r["insee"]},
                      "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]}})
    with open(gj, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f, ensure_ascii=False)
    gpkg, shp = os.path.join(WORK, "lieux.gpkg"), os.path.join(WORK, "lieux_l93.shp")
    for path in (gpkg, shp):
        if os.path.exists(path):
            os.remove(path)
    r1 = subprocess.run([OGR2OGR, "-f", "GPKG", gpkg, gj, "-nln", "lieux"], capture_output=True, text=True)
    r2 = subprocess.run([OGR2OGR, "-f", "ESRI Shapefile", shp, gj, "-t_srs", "EPSG:2154",
                         "-lco", "ENCODING=UTF-8"], capture_output=True, text=True)
    check(r1.returncode == 0 and r2.returncode == 0, f"ogr2ogr made the GPKG and the Shapefile ({r1.stderr}{r2.stderr})")
    for src, path in (("gpkg", gpkg), ("shp", shp)):
        # one database each: the same places in two sources would be merged into one
        db2, p2 = import_ok("generic_" + src, [{"name": src, "profile": "test-generic-" + src, "path": path}])
        expect_counts(p2, src, (5, 5, 0, 0, 0, 0), f"{src}: 5 read, 5 imported")
        got = places(db2, f"source = '{src}'")
        for pid, r in pl.items():
            g = got.get(src + ":" + r["source_id"], {})
            check(g.get("name") == r["name"] and g.get("category") == r["category"]
                  and at(g, r["lat"], r["lon"], 1e-6),
                  f"{src}: {r['source_id']} same name, category and point (< 0.1 m) ({g})")


# A valid CSV places profile, the base of case_profiles' mistakes.
BASE_PROFILE = {"kind": "places", "source": {"driver": "CSV"},
                "dataset": {"title": "t", "publisher": "p", "licence": "etalab-2.0"},
                "geometry": {"lat": "a", "lon": "b"}, "fields": {"source_id": "id", "name": "n"},
                "category": {"default": "sports"}}


def profile(drop=(), **changes):
    """BASE_PROFILE without the keys in drop, with changes (whole keys replaced)."""
    prof = {k: v for k, v in BASE_PROFILE.items() if k not in drop}
    prof.update(changes)
    return prof


def case_profiles():
    """Mistakes in the new profile keys: exit 2 before anything is written, with the place."""
    bad = {
        "bad-match": (profile(category={"rules": [{"match": {"type": 3}, "category": "sports"}]}),
                      "category.rules[0].match.type: expected a string"),
        "bad-computed-name": (profile(computed={"phone": {"first": ["a", "b"]}}),
                              "computed.phone: a computed field's name is '@'"),
        "bad-reserved": (profile(computed={"@category": {"first": ["a"]}}),
                         "computed.@category: reserved name"),
        "bad-order": (profile(computed={"@a": {"first": ["@b"]}, "@b": {"first": ["x"]}},
                              fields={"source_id": "id", "name": "@a"}),
                      "computed.@b: used before its declaration"),
        "bad-reader": (profile(drop=("geometry",), source={"reader": "magic"}),
                       "source.reader: expected one of \"ogr\", \"finess-csv\""),
        "bad-osmconf": (profile(source={"driver": "OSM", "osm_config": "absent.ini"},
                                dataset={"title": "t", "publisher": "p", "licence": "ODbL-1.0"},
                                geometry="native", fields={"source_id": "id", "name": "name"}),
                        "source.osm_config: file not found in the profiles folder"),
        "bad-unmatched": (profile(category={"rules": [{"field": "t", "equals": "x",
                                                       "category": "sports"}],
                                            "default": "sports", "unmatched": "filter"}),
                          "category: use either 'default' or \"unmatched\": \"filter\""),
        "bad-swapped": (profile(geometry={"lat": "a", "lon": "b", "swapped": "fix"}),
                        "geometry.swapped: only with x/y fields"),
        "bad-srs-insee": (profile(geometry={"lat": "a", "lon": "b", "srs_insee": "insee"}),
                          "geometry.srs_insee: only with x/y fields"),
        "bad-srs-insee-type": (profile(geometry={"x": "a", "y": "b", "srs": "EPSG:2154",
                                                 "srs_insee": 5}),
                               "geometry.srs_insee: expected a field name"),
        "bad-columns": (profile(drop=("category",), kind="addresses",
                                source={"driver": "CSV", "header": False},
                                fields={"source_id": "id", "street": "s", "insee": "i"}),
                        "source.columns: a CSV without a header"),
        "bad-encoding": (profile(source={"driver": "GeoJSON", "encoding": "latin-1"},
                                 geometry="native"),
                         "source.encoding: only for CSV files"),
        # fuzz_profile: a field given twice (JSON allows it) had its second mapping appended to
        # the first one (and leaked its strings); raw text, as a dict cannot hold a key twice
        "bad-twice": ('{"kind": "places", "source": {"driver": "CSV"}, "dataset": {"title": "t", '
                      '"publisher": "p", "licence": "etalab-2.0"}, "geometry": {"lat": "a", '
                      '"lon": "b"}, "fields": {"source_id": "id", "name": "n", "email": '
                      '{"field": "e", "strip_prefix": "mailto:"}, "email": "e2"}, '
                      '"category": {"default": "sports"}}',
                      "fields.email: given twice"),
    }
    db = os.path.join(WORK, "never.sqlite")
    for name, (prof, msg) in bad.items():
        with open(os.path.join(PROFILES, name + ".json"), "w", encoding="utf-8") as f:
            f.write(prof) if isinstance(prof, str) else json.dump(prof, f)
        p = run(config("profile_" + name, [{"name": "x", "profile": name, "path": "osm/lieux.osm"}]), db)
        check(p.returncode == 2 and msg in p.err, f"profile {name}: exit 2 with {msg!r} "
                                                   f"(got {p.returncode}: {p.err.strip()[-300:]})")
        check(not os.path.exists(db), f"profile {name}: nothing written")
    # fields a reader does not have: the source fails before anything is written (exit 1)
    for name, prof, path, msg in [
            ("bad-finess-path", "test-finess-json-typo", "finess/finess-structures-exemple.json",
             "unknown field 'informationsGenerales.numFinessEge' (fields: informationsGeneralesEGE"),
            ("bad-finess-col", "test-finess-csv-typo", "finess/etalab-cs1100507-stock-exemple.csv",
             "unknown field 'nofiness' (fields: section, nofinesset"),
            ("bad-sp-field", "test-sp-xml-typo", "service-public",
             "unknown field 'horaire' (fields: id, pivot_local")]:
        p = run(config("profile_" + name, [{"name": "x", "profile": prof, "path": path}]), db)
        check(p.returncode == 1 and msg in p.err, f"{prof}: exit 1 with {msg!r} (got {p.returncode}: "
                                                  f"{p.err.strip()[-300:]})")
    # a FINESS reader on a file that is not a FINESS stock
    p = run(config("profile_not_finess", [{"name": "x", "profile": "finess-csv",
                                           "path": "rna/rna_import_exemple.csv"}]), db)
    check(p.returncode == 1 and "not a FINESS stock file" in p.err,
          f"finess-csv on another file: exit 1, clear message (got {p.err.strip()[-200:]})")


# The overseas territories: INSEE code of a commune, its national projected SRS.
OVERSEAS = {"97101": "EPSG:5490", "97209": "EPSG:5490", "97302": "EPSG:2972",
            "97411": "EPSG:2975", "97502": "EPSG:4467", "97611": "EPSG:4471"}


def proj_inverse(epsg, x, y):
    """(lat, lon) of the projected point (x easting, y northing) in epsg, by PROJ through
    GDAL's gdaltransform (the test fails when it is missing)."""
    exe = shutil.which("gdaltransform")
    check(exe is not None, "gdaltransform (Debian gdal-bin) is installed")
    if not exe:
        return None, None
    p = subprocess.run([exe, "-s_srs", epsg, "-t_srs", "EPSG:4326", "-output_xy"],
                       input=f"{x!r} {y!r}\n", capture_output=True, text=True, timeout=30)
    lon, lat = (float(v) for v in p.stdout.split()[:2])
    return lat, lon


def within_metre(place, lat, lon, what):
    d = haversine(place.get("lat") or 0, place.get("lon") or 0, lat, lon) \
        if place.get("lat") is not None else float("inf")
    check(d <= 1.0, f"{what}: within 1 m of {lat:.7f}, {lon:.7f} (got {place.get('lat')}, "
                    f"{place.get('lon')}: {d:.3f} m)")


def case_overseas():
    """One FINESS establishment per overseas territory (Guadeloupe, Martinique, Guyane, La
    Réunion, Saint-Pierre-et-Miquelon, Mayotte) and BPE rows of three, each published in its
    territory's projected SRS: every point where PROJ puts it, to the metre."""
    communes = sorted(OVERSEAS)
    db, p = import_ok("overseas", [
        {"name": "finess", "profile": "finess-json", "path": "finess/finess-structures-outremer.json"},
        {"name": "stock", "profile": "finess-csv",
         "path": "finess/etalab-cs1100507-stock-outremer.csv"},
        {"name": "bpe", "profile": "bpe", "path": "bpe/bpe24_outremer_exemple.csv"}], communes)
    expect_counts(p, "finess", (6, 6, 0, 0, 0, 0), "finess-json overseas: 6 read, 6 imported")
    expect_counts(p, "stock", (4, 4, 0, 0, 0, 0), "finess-csv overseas: 4 read, 4 imported")
    expect_counts(p, "bpe", (3, 3, 0, 0, 0, 0), "bpe overseas: 3 read, 3 imported")
    pl = places(db, "source IN ('finess', 'stock', 'bpe')")
    # The legacy stock names each row's SRS: an EPSG code, a UTM zone without a code
    # ("WGS84 / UTM 21N", Saint-Pierre-et-Miquelon) or a 2016 label ("UTM_S38").
    with open(os.path.join(FIX, "finess", "etalab-cs1100507-stock-outremer.csv"),
              encoding="utf-8") as f:
        lines = [ln.split(";") for ln in f.read().splitlines()]
    communes_of = {r[1]: "97" + r[12] for r in lines if r[0] == "structureet"}  # 9E, 502: 97502
    for r in (ln for ln in lines if ln[0] == "geolocalisation"):
        insee = communes_of[r[1]]
        lat, lon = proj_inverse(OVERSEAS[insee], float(r[2]), float(r[3]))
        if lat is not None:
            within_metre(pl.get("stock:" + r[1], {}), lat, lon,
                         f"finess-csv {r[1]} ({insee}, SRS named {r[4:-1]}) where PROJ puts it "
                         f"in {OVERSEAS[insee]}")
    with open(os.path.join(FIX, "finess", "finess-structures-outremer.json"), encoding="utf-8") as f:
        doc = json.load(f)
    seen = set()
    for pm in doc["pmej"]:
        for ege in pm["ege"]:
            a = ege["adresse"][0]
            c = a["coordonneesGeographique"]
            fid = ege["informationsGeneralesEGE"]["numFinessEge"]
            epsg = OVERSEAS[a["cogCommune"]]
            seen.add(a["cogCommune"])
            place = pl.get("finess:" + fid, {})
            check(place.get("insee") == a["cogCommune"], f"finess {fid}: INSEE {a['cogCommune']}")
            # published swapped: coordonneeX holds the northing
            lat, lon = proj_inverse(epsg, float(c["coordonneeY"]), float(c["coordonneeX"]))
            if lat is not None:
                within_metre(place, lat, lon, f"finess {fid} ({a['cogCommune']}, {epsg}) where PROJ "
                                              "puts it")
            within_metre(place, float(c["directionLatitude"]), float(c["directionLongitude"]),
                         f"finess {fid}: on the WGS84 position the record also gives")
    check(seen == set(OVERSEAS), f"one establishment per territory ({sorted(seen)})")
    with open(os.path.join(FIX, "bpe", "bpe24_outremer_exemple.csv"), encoding="utf-8") as f:
        bpe = list(csv.DictReader(f, delimiter=";"))
    for r in bpe:
        key = f"bpe:{r['TYPEQU']}-{r['DEPCOM']}-{r['LAMBERT_X']}-{r['LAMBERT_Y']}"
        lat, lon = proj_inverse(OVERSEAS[r["DEPCOM"]], float(r["LAMBERT_X"]), float(r["LAMBERT_Y"]))
        if lat is not None:
            within_metre(pl.get(key, {}), lat, lon,
                         f"bpe {r['TYPEQU']} in {r['DEPCOM']} ({OVERSEAS[r['DEPCOM']]}) where PROJ puts it")


CASES = {"osm": case_osm, "finess_csv": case_finess_csv, "finess_json": case_finess_json, "rna": case_rna,
         "bpe": case_bpe, "sirene": case_sirene, "service_public": case_service_public,
         "service_public_json": case_service_public_json,
         "addresses": case_addresses, "generic": case_generic, "profiles": case_profiles,
         "overseas": case_overseas}

if __name__ == "__main__":
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    PROFILES = profiles_dir()
    CASES[CASE]()
    print(f"{CASE}: {len(failures)} failure(s)")
    sys.exit(1 if failures else 0)
