#!/usr/bin/env python3
"""Real-data test of the education profiles on the whole of Meuse: the Annuaire de l'éducation
extract (169 establishments, re-exported through QGIS: codes as numbers, "00 00 00 00 00" for
no phone) with annuaire-education, and the DEPP collèges (27) with education-geoloc, imported
for a territory of every commune of Meuse. The expected figures are computed from the files
themselves, so the test says what the profiles must do, row by row.

usage: test_education.py IMPORTER SQLITE3 DATASETS_DIR WORK_DIR
"""
import collections
import csv
import json
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import check, failures, sqlite_rows  # noqa: E402

IMPORTER, SQLITE3, DATASETS, WORK = sys.argv[1:5]
ANNUAIRE = "annuaire-education_extrait-dep55_2026-05.geojson"
COLLEGES = "education_colleges-dep55_2024.csv"
CATEGORY = {"Ecole": "primary-school", "Collège": "secondary-school",
            "Lycée": "secondary-school", "Médico-social": "social-services",
            "Service Administratif": "other-public-service",
            "Information et orientation": "other-public-service"}

shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
with open(os.path.join(DATASETS, "decoupage-administratif-2026_communes-55.json"),
          encoding="utf-8") as f:
    meuse = sorted(c["code"] for c in json.load(f) if c["type"] == "commune-actuelle")
config = {"territory": {"name": "Meuse (test)", "short_name": "Meuse", "epci_siren": "200066140",
                        "communes": meuse, "default_licence": "etalab-2.0"},
          "map": {"center": [49.0, 5.3], "zoom": 9, "tiles_url": "", "tiles_attribution": ""},
          "data_dir": DATASETS,
          "sources": [{"name": "annuaire", "profile": "annuaire-education", "path": ANNUAIRE},
                      {"name": "colleges", "profile": "education-geoloc", "path": COLLEGES}]}
cfg = os.path.join(WORK, "meuse.json")
with open(cfg, "w", encoding="utf-8") as f:
    json.dump(config, f, ensure_ascii=False)
db = os.path.join(WORK, "meuse.sqlite")
p = subprocess.run([IMPORTER, "--config", cfg, "--db", db, "--no-exports"],
                   capture_output=True, text=True, timeout=300)
print(p.stdout)
check(p.returncode == 0, f"import of the education files of Meuse (exit {p.returncode}: "
                         f"{p.stderr[-1500:]})")
if p.returncode:
    sys.exit(1)

with open(os.path.join(DATASETS, ANNUAIRE), encoding="utf-8") as f:
    features = [x["properties"] for x in json.load(f)["features"]]
members = set(meuse)
want = collections.Counter()
for x in features:
    insee = "%05d" % int(x["code_commune"])
    if insee in members and x["type_etablissement"] in CATEGORY:
        want[CATEGORY[x["type_etablissement"]]] += 1
filtered = sum(1 for x in features if x["type_etablissement"] not in CATEGORY)


def rows(query):
    """Rows as tuples, through the sqlite3 shell with SpatiaLite (place_records needs it)."""
    return [tuple(r.values()) for r in sqlite_rows(SQLITE3, db, query)]


def first(query):
    found = rows(query)
    return found[0] if found else None


got = collections.Counter(dict(rows(
    "SELECT category, count(*) FROM place_records WHERE source = 'annuaire' GROUP BY 1")))
check(got == want, f"annuaire-education: école / collège, lycée / médico-social / services "
                   f"by type_etablissement ({dict(got)}; expected {dict(want)})")
report = json.load(open(db + ".report.json", encoding="utf-8"))
src = {s["name"]: s for s in report["sources"]}
check(src["annuaire"]["filtered"] == filtered and src["annuaire"]["rejected"] == 0,
      f"annuaire-education: the {filtered} « Autre » establishments filtered, none rejected")

# Codes exported as numbers (55400.0): 5-digit postcodes and INSEE codes.
bad = rows("SELECT count(*) FROM place_records WHERE source = 'annuaire' AND"
                  " (postcode NOT GLOB '[0-9][0-9][0-9][0-9][0-9]'"
                  " OR insee NOT GLOB '[0-9][0-9][0-9][0-9][0-9]')")[0][0]
check(bad == 0, f"every postcode and INSEE code as 5 digits ({bad} not)")
etain = first("SELECT postcode, insee, phone, refs FROM place_records"
                    " WHERE id = 'annuaire:0550889T'")
check(etain == ("55400", "55181", "03 29 87 14 14", "uai:0550889T"),
      f"SEGPA of Étain: postcode 55400 and INSEE 55181 (55400.0, 55181.0), phone, UAI ({etain})")
# "00 00 00 00 00" is the export's "no number": no phone, the value kept as written.
zero = [x["identifiant_de_l_etablissement"] for x in features
        if x["telephone"] == "00 00 00 00 00"]
phones = rows("SELECT p.id, p.phone, r.value FROM place_records p JOIN place_raw_values r"
                   " ON r.id = p.id AND r.field = 'telephone' WHERE p.source = 'annuaire'"
                   " ORDER BY p.id")
check(zero and phones == [("annuaire:" + u, None, "00 00 00 00 00") for u in sorted(zero)],
      f"placeholder phones dropped, kept as written in place_raw_values ({phones})")

# The DEPP collèges: all secondary schools, and the same UAI in both files is one place.
with open(os.path.join(DATASETS, COLLEGES), encoding="utf-8-sig", newline="") as f:
    depp = [r for r in csv.DictReader(f, delimiter=";") if r["etat_etablissement"] == "1"]
cats = dict(rows("SELECT category, count(*) FROM place_records"
                        " WHERE source = 'colleges' GROUP BY 1"))
check(cats == {"secondary-school": len(depp)}, f"education-geoloc: {len(depp)} collèges ({cats})")
both = {r["numero_uai"] for r in depp} & {x["identifiant_de_l_etablissement"] for x in features}
merged = {r[0] for r in rows("SELECT merged_id FROM place_merges WHERE rule = 'ref'")}
check(both and merged == {"colleges:" + u for u in both},
      f"the {len(both)} collèges in both files merged by their UAI ({len(merged)} merged)")
vaubecourt = first("SELECT name, category, postcode, insee FROM places"
                         " WHERE id = 'colleges:0550022A'")
check(vaubecourt == ("Collège Emilie du Châtelet", "secondary-school", "55250", "55532"),
      f"the collège of Vaubecourt ({vaubecourt})")

print(f"{len(failures) == 0 and 'all' or 'some'} education checks done: {len(failures)} failed")
sys.exit(1 if failures else 0)
