#!/usr/bin/env python3
"""moderation.refresh_overrides — geodir-import --refresh-overrides on an imported database
(docs/backoffice.md §7, importer/README.md "Refreshing the data").

A generated directory (a "local" source, Licence Ouverte, and an "osm" one, ODbL) is imported
in full with an empty overrides file. Then corrections validated in the back office are
appended (an added place, a fix of a Licence Ouverte place, a fix of an ODbL place, a hidden
place) and --refresh-overrides applies them to a copy of the served database, swapped in:
checked against a full import of the same files (same places, field for field), with the
provenance (validated_by / validated_on, field_sources) and the licences (the added place is
the territory's; a fixed ODbL place stays ODbL), the full-text and spatial indexes, the
records as read, and no file left behind. An entry edited afterwards (not only appended)
rebuilds the places from the kept records; a broken file changes nothing. The three times
(full import, fast refresh, rebuild) are printed, not asserted.

usage: test_refresh_overrides.py IMPORTER SQLITE3 SOURCE_DIR WORK_DIR
"""
import glob
import hashlib
import json
import os
import random
import subprocess
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import (TEST_BOX, TEST_COMMUNES, check, finish, fixture_dir,  # noqa: E402
                         five_communes_config, local_and_osm_sources, place_and_sources,
                         place_feature, sqlite_one, sqlite_rows, write_config, write_places)

IMPORTER, SQLITE3, SRC, WORK = sys.argv[1:5]
N_LOCAL = int(os.environ.get("GEODIR_MODERATION_ROWS", "30000"))
N_OSM = 300
CATEGORIES = ["town-hall", "library", "pharmacy", "association", "food-shop", "sports"]


def run(args):
    t0 = time.monotonic()
    p = subprocess.run([IMPORTER] + args, capture_output=True, text=True, timeout=900, cwd=WORK)
    return p, time.monotonic() - t0


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def one(db, q):
    return sqlite_one(SQLITE3, db, q)


def generate():
    """The two place files: N_LOCAL Licence Ouverte places, N_OSM ODbL ones (names that never
    merge with the local ones)."""
    rnd = random.Random(13)
    minlat, minlon, maxlat, maxlon = TEST_BOX

    def feats(prefix, n, label):
        out = []
        for i in range(n):
            insee = TEST_COMMUNES[i % len(TEST_COMMUNES)]
            out.append(place_feature(f"{prefix}{i}", f"{label} {i}", CATEGORIES[i % 6], insee,
                                     round(rnd.uniform(minlon, maxlon), 6),
                                     round(rnd.uniform(minlat, maxlat), 6),
                                     f"{i} rue de l'Essai", phone="03 29 00 00 00"))
        return out
    write_places(os.path.join(WORK, "places-local.geojson"), feats("l", N_LOCAL, "Lieu essai"))
    write_places(os.path.join(WORK, "places-osm.geojson"), feats("o", N_OSM, "Osmplace"))


def validated(commune, request):
    return {"by": "agent.test", "commune": commune, "at": "2026-05-04T10:11:12Z",
            "request": request}


CONTRIBUTIONS = {
    "add": [{"id": "contrib-1", "name": "Boulangerie Moderation", "category": "food-shop",
             "lat": 48.93, "lon": 5.12, "insee": "55532", "address": "1 place de la Mairie",
             "phone": "03 29 11 22 33", "opening_hours": "Tu-Sa 07:00-12:30",
             "validated": validated("55532", 1)}],
    "fix": [{"id": "local:l7", "phone": "03 29 44 55 66", "opening_hours": "Mo-Fr 09:00-12:00",
             "validated": validated("55040", 2)},
            {"id": "osm:o3", "phone": "03 29 77 88 99", "validated": validated("55123", 3)}],
    "hide": [{"id": "local:l11", "reason": "fermé", "validated": validated("cc", 4)}],
}

PLACE_COLUMNS = ("id, name, category, address, phone, opening_hours, source, licence,"
                 " field_sources, validated_by, validated_on, round(X(geom), 7) AS lon,"
                 " round(Y(geom), 7) AS lat")


def places(db):
    return {r["id"]: r for r in sqlite_rows(SQLITE3, db, f"SELECT {PLACE_COLUMNS} FROM places")}


def fts_ids(db, word):
    return sorted(r["id"] for r in sqlite_rows(
        SQLITE3, db, "SELECT p.id FROM places_fts JOIN places AS p ON p.fid = places_fts.rowid"
                     f" WHERE places_fts MATCH '{word}'"))


def check_fast_result(db, pl):
    add = pl.get("overrides:contrib-1", {})
    check(add.get("source") == "overrides" and add.get("licence") == "etalab-2.0"
          and add.get("validated_by") == "55532" and add.get("validated_on") == "2026-05-04"
          and add.get("phone") == "03 29 11 22 33",
          f"the added place: source overrides, the territory's licence, validated by 55532 (got {add})")
    fx, fs = place_and_sources(pl, "local:l7")
    check(fx.get("phone") == "03 29 44 55 66" and fx.get("opening_hours") == "Mo-Fr 09:00-12:00"
          and fs.get("phone") == "overrides" and fx.get("licence") == "etalab-2.0"
          and fx.get("validated_by") == "55040" and fx.get("source") == "local",
          f"a fixed Licence Ouverte place: values, field_sources, validated_by (got {fx})")
    ox, fs = place_and_sources(pl, "osm:o3")
    check(ox.get("phone") == "03 29 77 88 99" and ox.get("licence") == "ODbL-1.0"
          and fs.get("phone") == "overrides" and ox.get("validated_by") == "55123",
          f"a fixed ODbL place stays ODbL, the fixed field is the territory's (got {ox})")
    check("local:l11" not in pl, "the hidden place is gone")
    check(one(db, "SELECT phone FROM place_records WHERE id = 'local:l7'") == "03 29 00 00 00"
          and one(db, "SELECT place_fid FROM place_sources WHERE id = 'local:l11'") is None,
          "place_records keeps the source's values; the hidden record stays, unlinked")
    check(fts_ids(db, "moderation") == ["overrides:contrib-1"]
          and fts_ids(db, "11") == ["osm:o11"],
          "full-text index: the added place found, the hidden one gone")
    check(one(db, "SELECT count(*) FROM places WHERE fid IN (SELECT rowid FROM SpatialIndex"
                  " WHERE f_table_name = 'places' AND search_frame = BuildMbr(5.119, 48.929,"
                  " 5.121, 48.931)) AND id = 'overrides:contrib-1'") == 1,
          "spatial index: the added place is in the R*Tree")
    check(one(db, "SELECT CheckSpatialIndex('places', 'geom')") == 1
          and one(db, "PRAGMA integrity_check") == "ok", "spatial index and integrity_check")
    applied = json.loads(one(db, "SELECT value FROM meta WHERE key = 'overrides_applied'") or "{}")
    check(len(applied.get("add", [])) == 1 and len(applied.get("fix", [])) == 2,
          "meta overrides_applied records the file's entries")
    check(one(db, "SELECT rows_read FROM sources WHERE name = 'overrides'") == 4,
          "the sources row of the corrections counts 4 entries")


def main():
    fixture_dir(WORK, SRC, "communes.geojson")
    generate()
    cfg = five_communes_config("Territoire de modération (essai)", "Modération")
    cfg["sources"] += local_and_osm_sources()
    cfg["overrides"] = "corrections.json"
    cfg["open_data"] = {"exports": ["geojson", "csv"]}
    config = write_config(WORK, cfg)
    corrections = os.path.join(WORK, "corrections.json")
    with open(corrections, "w", encoding="utf-8") as f:
        json.dump({"description": "Corrections validées dans le back-office"}, f)
    db = os.path.join(WORK, "dir.sqlite")

    p, t_full = run(["--config", config, "--db", db, "--quiet"])
    if not check(p.returncode == 0, f"full import: exit 0 ({p.stderr[-800:]})"):
        finish()

    # The back office appends the accepted contributions (write temp + rename).
    with open(corrections + ".tmp", "w", encoding="utf-8") as f:
        json.dump(dict({"description": "Corrections validées dans le back-office"},
                       **CONTRIBUTIONS), f, ensure_ascii=False, indent=1)
    os.rename(corrections + ".tmp", corrections)
    inode = os.stat(db).st_ino
    p, t_fast = run(["--config", config, "--db", db, "--refresh-overrides"])
    print(p.stdout)
    check(p.returncode == 0 and "4 new entries applied to a copy" in p.stdout
          and "1 added, 2 fixed, 1 hidden, 0 not found" in p.stdout,
          f"--refresh-overrides: exit 0, the fast path, counts ({p.stdout[-300:]} {p.stderr[-800:]})")
    check(os.stat(db).st_ino != inode and not glob.glob(db + ".tmp-*"),
          "a new file swapped in, no temporary file left")
    pl = places(db)
    check_fast_result(db, pl)
    exports = {e["name"]: e["records"] for e in sqlite_rows(SQLITE3, db,
                                                            "SELECT name, records FROM exports")}
    folder = os.path.join(WORK, one(db, "SELECT value FROM meta WHERE key = 'exports_dir'") or "")
    try:
        with open(os.path.join(folder, "places-etalab-2.0.geojson"), encoding="utf-8") as f:
            lo = {ft["properties"]["id"] if "id" in ft["properties"] else ft.get("id")
                  for ft in json.load(f)["features"]}
    except OSError as e:
        lo = set()
        print(f"     {e}")
    check(exports.get("places-etalab-2.0.geojson") == N_LOCAL
          and exports.get("places-ODbL-1.0.geojson") == N_LOCAL + N_OSM
          and "overrides:contrib-1" in lo and "local:l11" not in lo and "osm:o3" not in lo,
          f"the full exports were rebuilt: the added place in, the hidden one out, the ODbL "
          f"place only in the ODbL export (got {exports})")

    # The same files through a full import: the same directory, field for field.
    ref = os.path.join(WORK, "ref.sqlite")
    p, _ = run(["--config", config, "--db", ref, "--quiet", "--no-exports"])
    ref_pl = places(ref) if p.returncode == 0 else {}
    diff = [k for k in set(pl) | set(ref_pl) if pl.get(k) != ref_pl.get(k)]
    check(p.returncode == 0 and not diff and len(pl) == N_LOCAL + N_OSM,
          f"the fast refresh gives the places of a full import ({len(diff)} differ: {diff[:3]})")

    # Nothing new: a fast no-op swap.
    p, t_noop = run(["--config", config, "--db", db, "--refresh-overrides", "--no-exports"])
    check(p.returncode == 0 and "0 new entries" in p.stdout, f"nothing appended: 0 new entries "
          f"({p.stdout[-200:]})")

    # An entry removed (not appended): the places are rebuilt from the kept records.
    edited = dict(CONTRIBUTIONS, hide=[])
    with open(corrections, "w", encoding="utf-8") as f:
        json.dump(edited, f, ensure_ascii=False)
    p, t_rebuild = run(["--config", config, "--db", db, "--refresh-overrides"])
    check(p.returncode == 0 and "rebuilding the places from the kept records" in p.stderr
          and "new entr" not in p.stdout,
          f"an entry removed: the places rebuilt from the kept records ({p.stderr[-600:]})")
    pl = places(db)
    check("local:l11" in pl and pl.get("local:l7", {}).get("phone") == "03 29 44 55 66"
          and "overrides:contrib-1" in pl, "after the rebuild: the place shown again, the rest kept")

    # A broken file: exit 2, nothing changed.
    digest = sha256(db)
    with open(corrections, "w", encoding="utf-8") as f:
        f.write('{"add": [{"id": "x"}]}')
    p, _ = run(["--config", config, "--db", db, "--refresh-overrides"])
    check(p.returncode == 2 and sha256(db) == digest,
          f"a broken corrections file: exit 2, database unchanged ({p.stderr[-300:]})")
    p, _ = run(["--config", config, "--db", db, "--refresh-overrides", "--source", "osm"])
    check(p.returncode == 2 and "--refresh-overrides" in p.stderr, "not with --source: exit 2")

    print(f"times for {N_LOCAL + N_OSM} places: full import {t_full:.2f} s, "
          f"--refresh-overrides (4 new entries, exports rebuilt) {t_fast:.2f} s "
          f"({t_full / max(t_fast, 1e-6):.1f} times faster), rebuild from the kept records "
          f"{t_rebuild:.2f} s, with nothing new and the exports kept {t_noop:.2f} s")
    finish()


main()
