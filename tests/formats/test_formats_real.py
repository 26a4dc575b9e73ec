#!/usr/bin/env python3
"""Real-data tests of the source profiles: the real public files of ../shared/datasets (read in
place, never copied into the repository) through the real geodir-import.

usage: test_formats_real.py CASE IMPORTER SQLITE3 OGR2OGR TESTS_DIR SOURCE_DIR DATASETS WORK_DIR
  CASE  osm_saint_barthelemy  the Saint-Barthélemy PBF (2014) with the osm profile; a territory
                              whose only commune is 97701, its boundary taken from the PBF's
                              admin_level=3 multipolygon; tags in many scripts read from other_tags
        finess_json           the 2-pmej FINESS JSON excerpt: Clinique Convert at 46.211257,
                              5.254203 once the published x/y swap is undone
        rna_import            the 500-row rna_import sample of Ain: active associations of three
                              communes, geocoded to the commune (no Ain address file is available)
        bano_meuse            BANO Meuse (45,631 rows) into the addresses of the Aire à l'Argonne
        service_public_xml    the 683 service-public.fr XML files of Meuse
"""
import json
import os
import shutil
import subprocess
import sys
import unicodedata

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import (check, failures, import_summary, run_program, sqlite_one,  # noqa: E402
                         sqlite_rows)

CASE, IMPORTER, SQLITE3, OGR2OGR, TESTS, SRC, DATA, WORK = sys.argv[1:9]


def run(cfg, db, profiles=None):
    env = {k: v for k, v in os.environ.items() if k != "GEODIR_PROFILES"}
    args = [IMPORTER, "--config", cfg, "--db", db] + (["--profiles", profiles] if profiles else [])
    p = run_program(args, 280, env)
    print(p.out)
    check(p.returncode == 0, f"exit status 0 (got {p.returncode}; stderr: {p.err[-1500:]})")
    return p


def sql(db, query):
    return sqlite_rows(SQLITE3, db, query)


def one(db, query):
    return sqlite_one(SQLITE3, db, query)


table = import_summary   # {source: (read, imported, outside, filtered, rejected, geocoded)}


def config(name, communes, sources, data_dir=None):
    c = {"territory": {"name": f"Test {name}", "short_name": name, "epci_siren": "200066140",
                       "communes": communes, "default_licence": "etalab-2.0"},
         "map": {"center": [48.95, 5.17], "zoom": 11, "tiles_url": "", "tiles_attribution": ""},
         "data_dir": data_dir or DATA, "sources": sources}
    path = os.path.join(WORK, name + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(c, f, ensure_ascii=False)
    return path


def aire_communes():
    with open(os.path.join(SRC, "config", "aire-argonne-shared.json"), encoding="utf-8") as f:
        return json.load(f)["territory"]["communes"]


AIRE_BASE = [{"name": "cog", "profile": "epci-communes-csv", "path": "epci-200066140_communes.csv"},
             {"name": "limites", "profile": "commune-boundaries", "path": "communes-55-meuse.geojson"}]


# --------------------------------------------------------------------------------------------
def case_osm_saint_barthelemy():
    pbf = os.path.join(DATA, "osm_saint-barthelemy_2014-02.osm.pbf")
    boundary = os.path.join(WORK, "saint-barthelemy-97701.geojson")
    r = subprocess.run([OGR2OGR, "-f", "GeoJSON", boundary, pbf, "-sql",
                        "SELECT '97701' AS code, name AS nom FROM multipolygons "
                        "WHERE admin_level = '3' AND boundary = 'administrative'"],
                       capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, f"boundary of 97701 taken from the PBF ({r.stderr[-300:]})")
    # a test profile reading names in several scripts out of other_tags, for every object
    # that has a Chinese name
    profiles = os.path.join(WORK, "profiles")
    shutil.rmtree(profiles, ignore_errors=True)
    shutil.copytree(os.path.join(SRC, "importer", "profiles"), profiles)
    with open(os.path.join(profiles, "osm.json"), encoding="utf-8") as f:
        scripts = json.load(f)
    scripts["description"] = "TEST: names in other scripts, from other_tags"
    scripts["computed"] = {"@refs": {"refs": {"osm": "@osm_ref"}}}
    scripts["fields"] = {"source_id": {"template": "{@osm_type}-{@osm_id}"}, "name": "name:zh",
                         "description": {"template": "{name:el} | {name:he} | {name:ru}"}, "refs": "@refs"}
    scripts["category"] = {"rules": [{"match": {"name:zh": "*"}, "category": "other-public-service"}],
                           "unmatched": "filter"}
    with open(os.path.join(profiles, "test-osm-scripts.json"), "w", encoding="utf-8") as f:
        json.dump(scripts, f, ensure_ascii=False)
    db = os.path.join(WORK, "sbh.sqlite")
    p = run(config("sbh", ["97701"], [
        {"name": "limites", "profile": "commune-boundaries", "path": boundary},
        {"name": "osm", "profile": "osm", "path": pbf},
        {"name": "scripts", "profile": "test-osm-scripts", "path": pbf}]), db, profiles)
    t = table(p.out)
    print("places by category:", sql(db, "SELECT category, count(*) AS n FROM places WHERE source = 'osm' "
                                         "GROUP BY category ORDER BY category"))
    check(t.get("osm") == (114, 7, 0, 107, 0, 0),
          f"osm: 114 features read (83 points, 31 multipolygons), 7 places, 107 filtered (got {t.get('osm')})")
    cats = {r["category"]: r["n"] for r in sql(db, "SELECT category, count(*) AS n FROM places "
                                                   "WHERE source = 'osm' GROUP BY category")}
    check(cats == {"food-drink-lodging": 4, "sports": 2, "other-public-service": 1},
          f"osm: 3 bars and a restaurant, 2 pitches, the tourism office (got {cats})")
    bar = sql(db, "SELECT name, insee, licence, refs FROM places WHERE id = 'osm:node-1666075550'")
    # the file writes this name decomposed (NFD: e + U+0302): kept as published
    check(bar and unicodedata.normalize("NFC", bar[0]["name"]) == "Le Bête à Z'Ailes - Baz Bar"
          and bar[0]["name"] != "Le Bête à Z'Ailes - Baz Bar" and bar[0]["insee"] == "97701"
          and bar[0]["licence"] == "ODbL-1.0" and bar[0]["refs"] == "osm:node/1666075550",
          f"osm: a bar's UTF-8 name, commune located by its boundary, ODbL, ref ({bar})")
    check(one(db, "SELECT count(*) FROM places WHERE source = 'osm' AND id LIKE 'osm:way-%'") == 2,
          "osm: the two pitches are closed ways placed on their surface")
    check(one(db, "SELECT count(*) FROM places p, communes c WHERE p.source = 'osm' AND c.insee = '97701' "
                  "AND ST_Within(p.geom, c.geom)") == 7, "osm: every place inside the island's outline")
    # other_tags in several scripts, compared with what ogrinfo prints for the same objects
    got = {r["source_id"]: (r["name"], r["description"])
           for r in sql(db, "SELECT source_id, name, description FROM places WHERE source = 'scripts'")}
    r = subprocess.run(["ogrinfo", "-ro", "-q", pbf, "multipolygons", "points"], capture_output=True, timeout=120)
    raw = r.stdout.decode("utf-8")
    check(len(got) >= 1, f"scripts: objects with a Chinese name read (got {len(got)})")
    for sid, (name, desc) in got.items():
        check(f'"name:zh"=>"{name}"' in raw, f"scripts: {sid} name:zh {name!r} as in ogrinfo's other_tags")
        for part in desc.split(" | "):
            if part:
                check(f'=>"{part}"' in raw, f"scripts: {sid} value {part!r} as in ogrinfo's other_tags")
    print(f"FIGURES osm_saint_barthelemy read={t.get('osm', (0,))[0]} places={t.get('osm', (0, 0))[1]} "
          f"filtered={t.get('osm', (0,) * 4)[3]} by_category={cats} scripts_objects={len(got)}")


def case_finess_json():
    db = os.path.join(WORK, "finess.sqlite")
    p = run(config("finess", ["01053", "01143"], [
        {"name": "finess", "profile": "finess-json",
         "path": "finess-structures_ans-exemple_2026-03-09_extrait-2pmej.json"}]), db)
    t = table(p.out)
    check(t.get("finess") == (1, 1, 0, 0, 0, 0), f"finess-json: 1 ege read, 1 imported (got {t.get('finess')})")
    row = sql(db, "SELECT id, name, category, insee, refs, postcode, phone, source_date, licence, "
                  "ST_Y(geom) AS lat, ST_X(geom) AS lon FROM places")
    r = row[0] if row else {}
    check(r.get("id") == "finess:010780195" and r.get("name") == "CLINIQUE DOCTEUR CONVERT"
          and r.get("category") == "hospital" and r.get("insee") == "01053",
          f"finess-json: Clinique Convert, FINESS ET 010780195, category 365 -> hospital ({r})")
    check(abs(r.get("lat", 0) - 46.211257) < 2e-6 and abs(r.get("lon", 0) - 5.254203) < 2e-6,
          f"finess-json: at 46.211257, 5.254203 after undoing the swap (got {r.get('lat')}, {r.get('lon')})")
    check("swapped back" in p.err and "rows=1" in p.err, "finess-json: the swap is reported")
    check(r.get("refs") == "finess:010780195 siret:77220148900022" and r.get("phone") == "0428631234"
          and r.get("source_date") == "2021-10-18" and r.get("licence") == "etalab-2.0",
          "finess-json: refs, phone, date, Licence Ouverte")
    print(f"FIGURES finess_json ege_read={t.get('finess', (0,))[0]} imported={t.get('finess', (0, 0))[1]} "
          f"lat={r.get('lat')} lon={r.get('lon')}")


def case_rna_import():
    # The three communes of Ain with the most rows; square outlines around their approximate
    # centres, generated here (no Ain outline is in the datasets): enough to place an
    # association at its commune when no address file exists.
    centres = {"01004": ("Ambérieu-en-Bugey", 45.958, 5.360), "01034": ("Belley", 45.759, 5.688),
               "01185": ("Hauteville-Lompnes", 45.977, 5.602)}
    gj = os.path.join(WORK, "communes-ain-test.geojson")
    feats = [{"type": "Feature", "properties": {"code": k, "nom": n},
              "geometry": {"type": "Polygon", "coordinates": [[[lon - .03, lat - .03], [lon + .03, lat - .03],
                                                               [lon + .03, lat + .03], [lon - .03, lat + .03],
                                                               [lon - .03, lat - .03]]]}}
             for k, (n, lat, lon) in centres.items()]
    with open(gj, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": feats}, f, ensure_ascii=False)
    db = os.path.join(WORK, "rna.sqlite")
    p = run(config("rna", sorted(centres), [
        {"name": "limites", "profile": "commune-boundaries", "path": gj},
        {"name": "rna", "profile": "rna-import", "path": "rna_import_20230602_dpt_01_sample500.csv"}]), db)
    t = table(p.out).get("rna", (0,) * 6)
    with open(os.path.join(DATA, "rna_import_20230602_dpt_01_sample500.csv"), encoding="utf-8") as f:
        rows = [line.split('";"') for line in f.read().splitlines()[1:]]
    active = [r for r in rows if r[21] == "A"]
    active_here = [r for r in active if r[17] in centres]
    check(t[0] == 500 and t[3] == 500 - len(active),
          f"rna-import: 500 rows read, the {500 - len(active)} not active (D, R) filtered (got {t})")
    check(t[1] + t[4] == len(active_here) and t[2] == len(active) - len(active_here),
          f"rna-import: {len(active_here)} active rows in the 3 communes imported or rejected, "
          f"{len(active) - len(active_here)} outside (got {t})")
    check(t[1] >= len(active_here) - 2, f"rna-import: nearly all of them geocoded (got {t[1]} of {len(active_here)})")
    damaged = one(db, "SELECT count(*) FROM places WHERE name LIKE '%\uFFFD%' OR description LIKE '%\uFFFD%'")
    check(one(db, "SELECT count(*) FROM places WHERE geocode_precision = 'municipality'") == t[1],
          "rna-import: located at their commune (no address file for Ain)")
    cats = {r["category"]: r["n"] for r in sql(db, "SELECT category, count(*) AS n FROM places GROUP BY category")}
    check(cats.get("sports", 0) > 0 and cats.get("association", 0) > 0, f"rna-import: families mapped ({cats})")
    text = open(db + ".rejects.csv", encoding="utf-8").read()
    print(f"FIGURES rna_import read={t[0]} active={len(active)} active_in_3_communes={len(active_here)} "
          f"imported={t[1]} rejected={t[4]} outside={t[2]} filtered={t[3]} with_U+FFFD={damaged} "
          f"by_category={cats} rejects={text.count(chr(10)) - 1}")


def case_bano_meuse():
    db = os.path.join(WORK, "bano.sqlite")
    p = run(config("bano", aire_communes(), AIRE_BASE + [
        {"name": "bano", "profile": "bano", "path": "bano-55_2015-03.csv"}]), db)
    t = table(p.out).get("bano")
    check(t == (45631, 505, 45126, 0, 0, 0), f"bano: 45,631 rows read, 505 in the territory (got {t})")
    per = {r["insee"]: r["n"] for r in sql(db, "SELECT insee, count(*) AS n FROM addresses GROUP BY insee")}
    want = {"55389": 175, "55584": 86, "55254": 63, "55064": 58, "55185": 50, "55081": 42, "55194": 30,
            "55044": 1}
    check(per == want, f"bano: rows per commune as SOURCES.md says (got {per})")
    a = sql(db, "SELECT housenumber, street, postcode, city, licence, ST_Y(geom) AS lat, ST_X(geom) AS lon "
                "FROM addresses WHERE id = '553890054N-2'")
    a = a[0] if a else {}
    check(a.get("housenumber") == "2" and a.get("street") == "Rue Raymond Poincaré" and a.get("postcode") == "55250"
          and a.get("licence") == "ODbL-1.0" and abs(a.get("lat", 0) - 48.998167) < 1e-6
          and abs(a.get("lon", 0) - 5.172793) < 1e-6, f"bano: 2 rue Raymond Poincaré, Nubécourt ({a})")
    check(one(db, "SELECT count(*) FROM addresses WHERE id GLOB '*[A-Z]*-*'") > 0,
          "bano: ids with letters in the FANTOIR part kept")
    print(f"FIGURES bano_meuse read={t[0] if t else 0} in_territory={t[1] if t else 0} per_commune={per}")


def case_service_public_xml():
    db = os.path.join(WORK, "sp.sqlite")
    p = run(config("sp", aire_communes(), AIRE_BASE + [
        {"name": "sp", "profile": "service-public-xml", "path": "annuaire-service-public_2022-01_organismes-55"}]),
        db)
    t = table(p.out).get("sp")
    check(t == (683, 49, 634, 0, 0, 0), f"sp-xml: 683 files read, none rejected, 49 offices in the territory "
                                        f"(got {t})")
    cats = {r["category"]: r["n"] for r in sql(db, "SELECT category, count(*) AS n FROM places GROUP BY category")}
    check(cats == {"town-hall": 47, "epci-office": 1, "france-services": 1},
          f"sp-xml: 47 mairies, the EPCI office, France Services Villotte-sur-Aire (got {cats})")
    e = sql(db, "SELECT phone, email, website, refs, ST_Y(geom) AS lat, ST_X(geom) AS lon FROM places "
                "WHERE id = 'sp:epci-55040-01'")
    e = e[0] if e else {}
    check(e.get("phone") == "03 29 70 61 17" and e.get("email") == "contact@cc-aireargonne.fr"
          and abs(e.get("lat", 0) - 48.9762081) < 1e-6 and abs(e.get("lon", 0) - 5.2258574) < 1e-6
          and e.get("refs") == "sp:epci-55040-01", f"sp-xml: the EPCI seat as SOURCES.md gives it ({e})")
    check(one(db, "SELECT opening_hours FROM places WHERE id = 'sp:mairie-55532-01'") ==
          "Tu 16:30-18:30; Th 10:00-12:00", "sp-xml: Vaubecourt's hours (mardi, jeudi)")
    with_hours = one(db, "SELECT count(*) FROM places WHERE opening_hours IS NOT NULL")
    with_access = one(db, "SELECT count(*) FROM places WHERE wheelchair IS NOT NULL")
    check(with_hours >= 45, f"sp-xml: opening hours for most offices (got {with_hours} of 49)")
    with open(db + ".report.json", encoding="utf-8") as f:
        rep = json.load(f)
    outside = rep.get("warnings", {}).get("by_kind", {}).get("outside_commune")
    check(outside == 3, f"sp-xml: the 3 mairies with a neighbour's coordinates are flagged (got {outside})")
    print(f"FIGURES service_public_xml read={t[0] if t else 0} imported={t[1] if t else 0} "
          f"with_opening_hours={with_hours} with_wheelchair={with_access} outside_their_commune={outside}")


CASES = {"osm_saint_barthelemy": case_osm_saint_barthelemy, "finess_json": case_finess_json,
         "rna_import": case_rna_import, "bano_meuse": case_bano_meuse,
         "service_public_xml": case_service_public_xml}

if __name__ == "__main__":
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    CASES[CASE]()
    print(f"{CASE}: {len(failures)} failure(s)")
    sys.exit(1 if failures else 0)
