#!/usr/bin/env python3
"""Integration tests of geodir-import: the real binary on the hand-written fixture files of
tests/import/fixtures (official formats, examples only), the resulting SpatiaLite database read
back with the sqlite3 shell and mod_spatialite.

usage: test_import.py CASE IMPORTER SQLITE3 FIXTURES SOURCE_DIR WORK_DIR
  CASE  good       a clean import: counts, categories, provenance, ids, geometry, FTS, schema,
                   integrity, spatial indexes, atomic replacement, stale temporary files
        bad_input  rows with problems: each rejected with file:line and field, on stderr and
                   in the rejects CSV; the good rows still imported
        fatal      missing file, unknown mapped field, nothing usable, unwritable target: exit 1,
                   previous database byte-identical, no temporary file left
        usage      bad command line, configuration or profile: exit 2, nothing written
        samples    the project's sample data (config/aire-argonne.json) imports cleanly
        addresses_geocode  address points (kind addresses), then places without a usable
                   point geocoded against them: precision, score, fallbacks, rejects
        territory  points outside their declared commune flagged with the distance (warnings
                   CSV, JSON, summary), not rejected
        merge      one place in three sources (OSM, FINESS, official) merged by shared id or
                   name, never two different pharmacies; field choice, licences, field map,
                   merge report
        refresh    overrides (add, fix, hide) on a full import; --source re-reads one source,
                   keeps the others from the database, merges again, overrides still apply
        atomic     SIGKILL at five moments of a generated 60,000-row import, each one held or
                   bounded by the pause hook (no timing): served database byte-identical and
                   consistent, stale temporary file removed
        reproject  Lambert-93 x/y to WGS84 within 1 m of cs2cs
        progress   the progress line on a terminal (pty), checked while the run is held
                   before its swap; redraws bounded by the run's own reading time; none
                   otherwise
        realdata_territory  ../shared/datasets: the 3 territory town halls and the 59 Meuse
                   offices outside their commune
        concurrent  two imports on one database: the second is refused by the lock, says who
                   holds it, changes nothing; the first finishes, its exports consistent
        leftovers  killed runs' temporary files, staged reports and export folders removed by
                   the next run (a failed one too); a failed run never overwrites the served
                   database's reports: it leaves <db>.failed.* and says so
        guard      a source cut in half or read in the wrong encoding is not published (exit 1,
                   database unchanged, the source and its figures said) unless
                   --accept-shrink; limits from the configuration; first import; --source
        messages   a full disk (file size limit; a 2 MiB tmpfs), a CSV field over GDAL's limit
                   and a 10 MiB GeoJSON string are said as such, with file, line and field
        spatial_order  places written along the Hilbert curve (fids of near places are near),
                   whatever the input order, after merging, corrections and a refresh; every
                   table keyed on fid consistent (R*Tree, FTS rowids, place_sources,
                   place_merges)
"""
import csv
import glob
import hashlib
import json
import os
import pty
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import (check, failures, haversine, place_and_sources, poll_until,  # noqa: E402
                         run_program, sqlite_one, sqlite_rows)

CASE, IMPORTER, SQLITE3, FIXTURES, SRC, WORK = sys.argv[1:7]


def run(args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k != "GEODIR_PROFILES"}
    env.update(env_extra or {})
    # Generous: a 60,000-row import under ASan on a loaded machine takes minutes (ctest has
    # its own timeout per test).
    return run_program([IMPORTER] + args, 600, env)


def sql(db, query):
    """Rows of one query as dicts, through the sqlite3 shell with SpatiaLite loaded."""
    return sqlite_rows(SQLITE3, db, query)


def one(db, query):
    return sqlite_one(SQLITE3, db, query)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def leftovers(db):
    return glob.glob(glob.escape(db) + ".tmp-*")


def config(name, sources, communes=None, **extra):
    """A variant of fixtures/territoire.json with other sources, written to WORK."""
    with open(os.path.join(FIXTURES, "territoire.json"), encoding="utf-8") as f:
        c = json.load(f)
    c["data_dir"] = FIXTURES
    c["sources"] = sources
    if communes:
        c["territory"]["communes"] = communes
    c.update(extra)
    path = os.path.join(WORK, name + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(c, f, ensure_ascii=False)
    return path


def table(stdout, extended=False):
    """The summary table: {source: (read, imported, outside, filtered, rejected)}, with
    (geocoded, warnings) too when extended. Kept sources (refresh) show '-' (None)."""
    rows = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 9 and parts[-8].isdigit():
            vals = tuple(int(x) if x.isdigit() else None for x in parts[-8:-1])
            rows[parts[0]] = vals if extended else vals[:5]
    return rows


def rejects(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def src(name, profile, path, date=None):
    s = {"name": name, "profile": profile, "path": path}
    if date:
        s["data_date"] = date
    return s


GOOD_CONFIG = os.path.join(FIXTURES, "territoire.json")
# For fixtures that are mostly bad rows on purpose (one or two good rows among the defects):
# the reject-share guard (docs/configuration.md, "guard") would refuse them, which is not
# what these tests are about (import.guard is).
MOSTLY_BAD = {"guard": {"max_rejected_percent": 100}}


# --------------------------------------------------------------------------------------------
def case_good():
    db = os.path.join(WORK, "sub", "dir", "geodir.sqlite")   # parent folders do not exist yet
    p = run(["--config", GOOD_CONFIG, "--db", db])
    print(p.out)
    check(p.returncode == 0, f"exit status 0 (got {p.returncode}; stderr: {p.err[-1500:]})")
    if p.returncode != 0:
        return
    t = table(p.out)
    expected = {"cog": (7, 5, 1, 1, 0), "population": (5, 5, 0, 0, 0), "local": (4, 3, 1, 0, 0),
                "limites": (6, 5, 1, 0, 0), "service-public": (8, 6, 2, 0, 0),
                "laposte": (4, 3, 1, 0, 0), "total": (34, 27, 6, 1, 0)}
    for name, counts in expected.items():
        check(t.get(name) == counts,
              f"summary {name}: read/imported/outside/filtered/rejected = {counts} (got {t.get(name)})")
    check("imported in" in p.out, "summary gives the total time")
    check(not any(FIXTURES in line for line in p.err.splitlines()), "no reject line on stderr")
    check(leftovers(db) == [], "no temporary file left")

    # Schema, integrity, spatial indexes.
    check(one(db, "PRAGMA user_version") == 4, "PRAGMA user_version = 4")
    check(one(db, "SELECT count(*) FROM sqlite_master WHERE name = 'exports'") == 1,
          "table exports exists")
    check(one(db, "PRAGMA integrity_check") == "ok", "PRAGMA integrity_check = ok")
    check(one(db, "PRAGMA journal_mode") == "delete", "journal_mode back to DELETE")
    check(one(db, "SELECT CheckSpatialIndex('places', 'geom')") == 1,
          "CheckSpatialIndex(places.geom) = 1")
    check(one(db, "SELECT CheckSpatialIndex('communes', 'geom')") == 1,
          "CheckSpatialIndex(communes.geom) = 1")

    # Communes: names from the COG (TYPECOM=COM only), population and postcodes from the
    # second list, boundaries as MultiPolygons, only member communes.
    communes = {r["insee"]: r for r in sql(
        db, "SELECT insee, name, postcodes, population, source, licence,"
            " GeometryType(geom) AS gtype, ST_SRID(geom) AS srid FROM communes")}
    check(sorted(communes) == ["55040", "55177", "55254", "55517", "55532"],
          f"the 5 member communes, no other (got {sorted(communes)})")
    check(all(c["gtype"] == "MULTIPOLYGON" and c["srid"] == 4326 for c in communes.values()),
          "every commune has a MULTIPOLYGON boundary in EPSG:4326")
    check(communes.get("55532", {}).get("population") == 314
          and communes["55532"]["postcodes"] == "55250", "Vaubecourt: population 314, 55250")
    check(communes.get("55254", {}).get("name") == "Les Trois-Domaines"
          and communes["55254"]["postcodes"] == "55220|55260",
          "Les Trois-Domaines: COG name, two postcodes")
    check(communes.get("55040", {}).get("source") == "limites"
          and communes["55040"]["licence"] == "etalab-2.0", "boundary provenance")

    # Places: categories, ids, provenance, normalisation.
    cats = {r["category"]: r["n"] for r in sql(
        db, "SELECT category, count(*) AS n FROM places GROUP BY category")}
    check(cats == {"town-hall": 2, "epci-office": 1, "gendarmerie": 1, "social-services": 1,
                   "other-public-service": 1, "post-office": 3, "pharmacy": 1,
                   "culture-venue": 1, "primary-school": 1},
          f"categories from the profiles' rules (got {cats})")
    places = {r["id"]: r for r in sql(
        db, "SELECT id, name, name_key, category, address, postcode, insee, phone, email,"
            " website, opening_hours, description, source, source_id, licence, source_date,"
            " X(geom) AS lon, Y(geom) AS lat FROM places")}
    v = places.get("service-public:mairie-55532-01")
    if check(v is not None, "stable id <source>:<source_id> (service-public:mairie-55532-01)"):
        check(v["name"] == "Mairie - Vaubecourt" and v["category"] == "town-hall"
              and v["insee"] == "55532" and v["postcode"] == "55250"
              and v["address"] == "2 Grand'rue", "Vaubecourt mairie: name, category, address")
        check(v["email"] == "vaubecourt.mairie@wanadoo.fr", "mailto: stripped from the e-mail")
        check(v["source"] == "service-public" and v["source_id"] == "mairie-55532-01"
              and v["licence"] == "etalab-2.0" and v["source_date"] == "2018-06-22",
              "provenance: source, source_id, licence, record date")
        check(abs(v["lon"] - 5.11083984375) < 1e-9 and abs(v["lat"] - 48.9332008362) < 1e-9,
              f"point = the file's coordinates (got {v['lat']}, {v['lon']})")
    e = places.get("service-public:epci-55040-01", {})
    check(e.get("address") == "Maison des services\n42 rue Berne",
          "' | '-joined address lines split into lines")
    j = places.get("service-public:permanence_juridique-55254-01", {})
    check(j.get("name") == 'Permanence juridique "Droits pour tous" (exemple)'
          and j.get("category") == "other-public-service", "quoted CSV field, default category")
    lp = places.get("laposte:09953A", {})
    built = one(db, "SELECT value FROM meta WHERE key = 'built_at'") or ""
    check(lp.get("name") == "La Poste – Agence postale communale (Beausite)"
          and lp.get("address") == "13 Route de Clermont\nMairie"
          and lp.get("category") == "post-office",
          f"La Poste: name template, locality in proper case, address fields ({lp.get('name')})")
    check(one(db, "SELECT value FROM place_raw_values WHERE id = 'laposte:09953A'"
                  " AND field = 'Localité'") == "BEAUSITE",
          "La Poste: the locality as written kept in place_raw_values")
    check(lp.get("source_date") == built[:10] and lp.get("licence") == "etalab-2.0",
          "no data_date in the config: the import date is the source date")
    salle = places.get("local:salle-1", {})
    check(salle.get("insee") == "55177",
          f"a place without INSEE code located in its commune's boundary (got {salle.get('insee')})")
    check(salle.get("licence") == "ODbL-1.0" and salle.get("source_date") == "2026-11-01",
          "local data: the territory's default licence, the config's data_date")
    check(salle.get("address") == "Place de la Mairie\nÉrize-la-Petite", "address lines kept")
    ecole = places.get("local:ecole-1", {})
    check(ecole.get("name") == "École primaire du Seuil (exemple)"
          and ecole.get("address") == "2 rue des Écoles", "whitespace squashed")
    check(ecole.get("name_key") == "ecole primaire du seuil exemple", "name_key is the folded name")
    check(ecole.get("opening_hours") == "Mo,Tu,Th,Fr 08:30-16:30", "opening_hours kept as is")
    check("local:hors-1" not in places and "service-public:msap-55570-01" not in places
          and "laposte:03297B" not in places, "records outside the territory not imported")
    check(all(r["licence"] and r["source"] and r["source_date"] for r in places.values()),
          "every place has licence, source and source_date")

    # Full-text search, accent-insensitive.
    fts = lambda q: sorted(r["id"] for r in sql(
        db, "SELECT p.id FROM places_fts JOIN places p ON p.fid = places_fts.rowid"
            f" WHERE places_fts MATCH '{q}'"))
    check(fts("erize") == ["laposte:12330D", "local:salle-1"],
          f"FTS: 'erize' finds 'Salle des fêtes d'Érize' (got {fts('erize')})")
    check(fts("ecole") == ["local:ecole-1"], "FTS: 'ecole' finds 'École primaire'")

    # sources and meta tables.
    srcs = {r["name"]: r for r in sql(db, "SELECT * FROM sources")}
    check(sorted(srcs) == sorted(expected.keys() - {"total"}), "one sources row per source")
    s = srcs.get("service-public", {})
    check((s.get("rows_read"), s.get("rows_imported"), s.get("rows_rejected")) == (8, 6, 0)
          and s.get("publisher") == "DILA" and s.get("licence") == "etalab-2.0"
          and s.get("file") == "organismes.csv" and s.get("data_date") == "2022-01-07"
          and s.get("title") and s.get("url") and s.get("imported_at"),
          "sources row: counts, title, publisher, licence, url, file, date")
    check(srcs.get("local", {}).get("publisher") == "Territoire de test (exemple)"
          and srcs["local"]["licence"] == "ODbL-1.0", "@territory publisher and licence")
    meta = {r["key"]: r["value"] for r in sql(db, "SELECT key, value FROM meta")}
    check(json.loads(meta.get("territory", "{}")).get("epci_siren") == "200066140"
          and meta.get("config_file") == "territoire.json" and meta.get("importer_version")
          and meta.get("built_at"), "meta: territory, config_file, importer_version, built_at")

    # Reports.
    r = rejects(db + ".rejects.csv")
    check(r == [], "rejects CSV has only its header")
    with open(db + ".report.json", encoding="utf-8") as f:
        rep = json.load(f)
    check(rep.get("status") == "ok" and rep["totals"]["imported"] == 27
          and rep["totals"]["outside_territory"] == 6 and len(rep["sources"]) == 6,
          "JSON report: status and totals")

    # Second run over the existing database: stale temporary files of dead processes go, the
    # file is replaced by rename (new inode), --quiet prints nothing.
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = f"{db}.tmp-{dead.pid}"
    for path in (stale, stale + "-journal"):
        with open(path, "w") as f:
            f.write("stale")
    inode = os.stat(db).st_ino
    p = run(["--config", GOOD_CONFIG, "--db", db, "--quiet"])
    check(p.returncode == 0 and p.out == "", "second run with --quiet: exit 0, no output")
    check(not os.path.exists(stale) and not os.path.exists(stale + "-journal"),
          "stale temporary files of a dead importer removed")
    check(os.stat(db).st_ino != inode, "database replaced by a new file (rename)")
    check(one(db, "SELECT count(*) FROM places") == 12, "same content after the second run")


# --------------------------------------------------------------------------------------------
BAD_SP = "organismes-defauts.csv"
BAD_LP = "poincont-defauts.csv"
BAD_LOCAL = "lieux-defauts.geojson"


def case_bad_input():
    cfg = config("bad", [src("cog", "cog-communes", "cog.csv"),
                         src("limites", "commune-boundaries", "limites.geojson"),
                         src("service-public", "service-public-csv", BAD_SP, "2022-01-07"),
                         src("laposte", "laposte-poincont", BAD_LP),
                         src("local", "local-geojson", BAD_LOCAL)], **MOSTLY_BAD)
    db = os.path.join(WORK, "bad.sqlite")
    p = run(["--config", cfg, "--db", db])
    print(p.out)
    print(p.err)
    check(p.returncode == 0, f"usable rows were imported: exit 0 (got {p.returncode})")
    t = table(p.out)
    t_ext = table(p.out, extended=True)
    check(t.get("service-public") == (11, 3, 0, 0, 8), f"service-public counts (got {t.get('service-public')})")
    check(t.get("laposte") == (3, 2, 0, 0, 1), f"laposte counts (got {t.get('laposte')})")
    check(t.get("local") == (8, 1, 0, 0, 7), f"local counts (got {t.get('local')})")

    # (file, line, field, reason prefix): line numbers are physical lines (header = 1); the
    # record on lines 3-4 has a quoted line break, so GDAL's FID would be off by one after it.
    expected = [
        (BAD_SP, "5", "line", "malformed CSV line: 5 fields, the header has 17"),
        (BAD_SP, "6", "nom", "invalid UTF-8"),
        (BAD_SP, "8", "id", "duplicate id"),
        (BAD_SP, "9", "latitude/longitude", "no coordinates"),
        (BAD_SP, "10", "latitude", "not a number"),
        (BAD_SP, "11", "line", "malformed CSV line: 18 fields, the header has 17"),
        (BAD_SP, "12", "nom", "name longer than 300 bytes"),
        (BAD_SP, "13", "line", "malformed CSV line: unbalanced quote"),
        (BAD_LP, "4", "line", "malformed CSV line: 1 field, the header has 16"),
        (BAD_LOCAL, "feature 2", "geometry", "no coordinates"),
        (BAD_LOCAL, "feature 3", "category", "not a category code"),
        (BAD_LOCAL, "feature 4", "geometry", "expected a Point"),
        (BAD_LOCAL, "feature 5", "id", "duplicate id"),
        (BAD_LOCAL, "feature 6", "name", "invalid UTF-8"),
        (BAD_LOCAL, "feature 7", "geometry", "coordinates outside France"),
        (BAD_LOCAL, "feature 8", "id", "identifier may only hold"),
    ]
    rows = rejects(db + ".rejects.csv")
    check(len(rows) == len(expected), f"{len(expected)} rows in the rejects CSV (got {len(rows)})")
    for (fname, line, field, reason), row in zip(expected, rows):
        ok = (os.path.basename(row["file"]) == fname and row["line"] == line
              and row["field"] == field and row["reason"].startswith(reason))
        check(ok, f"rejects CSV: {fname}:{line}: {field}: {reason} (got {row})")
        stderr_line = f"{os.path.join(FIXTURES, fname)}:{line}: {field}: {reason}"
        check(stderr_line in p.err, f"stderr: {stderr_line}")
    by = {(os.path.basename(r["file"]), r["line"]): r for r in rows}
    check(by.get((BAD_SP, "6"), {}).get("value") == "Brigade de gendarmerie de S\\xE9nard (exemple)",
          "invalid byte shown as \\xE9 in the rejects CSV value")
    long_value = by.get((BAD_SP, "12"), {}).get("value", "")
    check(0 < len(long_value.encode()) <= 200 and long_value.startswith("Centre communal"),
          "value cut to 200 bytes")
    check(by.get((BAD_SP, "8"), {}).get("value") == "mairie-55532-01", "duplicate id value")
    # Rows whose point is unusable but that have an address are geocoded instead of rejected
    # (here to their commune's centre: there are no addresses), and flagged.
    geo = {r["id"]: r for r in sql(
        db, "SELECT id, insee, geocode_precision, geocode_score, X(geom) AS lon, Y(geom) AS lat"
            " FROM places WHERE geocode_precision IS NOT NULL")}
    check(sorted(geo) == ["laposte:09953A", "service-public:cpam-55040-01"],
          f"points outside France with an address: geocoded (got {sorted(geo)})")
    cpam = geo.get("service-public:cpam-55040-01", {})
    check(cpam.get("geocode_precision") == "municipality" and 0 < (cpam.get("geocode_score") or 0) <= 1
          and cpam.get("insee") == "55040" and 48.9 < cpam.get("lat", 0) < 49.1
          and 5.1 < cpam.get("lon", 0) < 5.3, f"geocoded to Beausite's centre (got {cpam})")
    warn = {w["id"]: w for w in csv.DictReader(open(db + ".warnings.csv", encoding="utf-8"))}
    w = warn.get("service-public:cpam-55040-01", {})
    check(w.get("kind") == "point_replaced" and "coordinates outside France" in w.get("message", "")
          and w.get("line") == "7" and os.path.basename(w.get("file", "")) == BAD_SP
          and "municipality" in w.get("message", ""),
          f"warnings CSV: the replaced point says why, where (got {w})")
    check(warn.get("laposte:09953A", {}).get("kind") == "point_replaced",
          "warnings CSV: La Poste's point outside France replaced")
    check(t_ext.get("service-public", (None,) * 7)[5:] == (1, 1),
          f"summary: 1 geocoded, 1 warning for service-public (got {t_ext.get('service-public')})")
    check("quarante-huit" not in p.err and "S\ufffdnard" not in p.err and "Sénard" not in p.err,
          "cell values never printed on stderr")
    with open(db + ".rejects.csv", "rb") as f:
        raw = f.read()
    check(raw.startswith(b"source,file,line,field,reason,value\r\n"), "rejects CSV header, CRLF")
    raw.decode("utf-8")   # raises if the rejects file is not valid UTF-8

    with open(db + ".report.json", encoding="utf-8") as f:
        rep = json.load(f)
    sp = next(s for s in rep["sources"] if s["name"] == "service-public")
    check(sp["rejected_by_reason"] == {"malformed_line": 3, "invalid_utf8": 1, "too_long": 1,
                                       "missing_coordinates": 1, "invalid_coordinates": 1,
                                       "duplicate_id": 1},
          f"JSON report: rejects by reason (got {sp['rejected_by_reason']})")

    ids = sorted(r["id"] for r in sql(db, "SELECT id FROM places"))
    check(ids == ["laposte:09953A", "laposte:10032A", "local:ok-1",
                  "service-public:cpam-55040-01", "service-public:mairie-55517-01",
                  "service-public:mairie-55532-01"], f"only the good rows imported (got {ids})")
    check(one(db, "SELECT name FROM places WHERE id = 'service-public:mairie-55532-01'")
          == "Mairie - Vaubecourt", "a duplicate keeps the first row")
    check(one(db, "SELECT address FROM places WHERE id = 'service-public:mairie-55517-01'")
          == "1 place Raymond-Poincaré Triaucourt-en-Argonne",
          "the record with a quoted line break imported")
    check(one(db, "SELECT rows_rejected FROM sources WHERE name = 'service-public'") == 8,
          "sources.rows_rejected")
    check(sp["geocoded"] == {"housenumber": 0, "street": 0, "municipality": 1}
          and sp["warnings"] == 1, f"JSON report: geocoded and warnings (got {sp})")
    check(rep["totals"]["geocoded"]["municipality"] == 2 and rep["warnings"]["count"] == 2
          and rep["warnings"]["by_kind"]["point_replaced"] == 2
          and len(rep["warnings"]["items"]) == 2, "JSON report: totals and warnings list")

    # The same file with a UTF-8 byte order mark and CRLF line ends: same rows, same lines.
    with open(os.path.join(FIXTURES, BAD_SP), "rb") as f:
        data = f.read()
    crlf = os.path.join(WORK, "crlf-" + BAD_SP)
    with open(crlf, "wb") as f:
        f.write(b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"))
    db2 = os.path.join(WORK, "crlf.sqlite")
    p = run(["--config", config("crlf", [src("cog", "cog-communes", "cog.csv"),
                                         src("limites", "commune-boundaries", "limites.geojson"),
                                         src("service-public", "service-public-csv", crlf)],
                                **MOSTLY_BAD),
             "--db", db2])
    got = [(r["line"], r["field"]) for r in rejects(db2 + ".rejects.csv")]
    want = [(line, field) for fname, line, field, _ in expected if fname == BAD_SP]
    check(p.returncode == 0 and got == want, f"BOM + CRLF: same rejects and lines (got {got})")
    check(one(db2, "SELECT address FROM places WHERE id = 'service-public:mairie-55517-01'")
          == "1 place Raymond-Poincaré Triaucourt-en-Argonne", "BOM + CRLF: quoted line break")


# --------------------------------------------------------------------------------------------
def expect_untouched(label, db, digest, p, status, message):
    check(p.returncode == status, f"{label}: exit {status} (got {p.returncode}; {p.err[-800:]})")
    check(message in p.err, f"{label}: stderr says {message!r}")
    check(sha256(db) == digest, f"{label}: previous database byte-identical")
    check(leftovers(db) == [], f"{label}: no temporary file left")


def case_fatal():
    db = os.path.join(WORK, "geodir.sqlite")
    p = run(["--config", GOOD_CONFIG, "--db", db, "--quiet"])
    if not check(p.returncode == 0, "a first, good database"):
        return
    digest = sha256(db)
    good = json.load(open(GOOD_CONFIG, encoding="utf-8"))["sources"]

    # A missing file: nothing is written, whichever source it is.
    missing = [dict(s) for s in good]
    missing[-1]["path"] = "absent.csv"
    p = run(["--config", config("missing", missing), "--db", db])
    expect_untouched("missing file", db, digest, p, 1,
                     os.path.join(FIXTURES, "absent.csv") + ": No such file or directory")

    # A mapping naming a column the file does not have.
    p = run(["--config", config("typo", [src("service-public", "service-public-typo",
                                             "organismes.csv")]),
             "--db", db, "--profiles", os.path.join(FIXTURES, "profiles")])
    expect_untouched("unknown field", db, digest, p, 1,
                     os.path.join(FIXTURES, "organismes.csv")
                     + ": mapping service-public-typo: unknown field 'telephone_fixe'"
                       " (fields: id, pivot_local, code_insee,")

    # Rows read but none usable: rejected rows are reported, the database is not replaced.
    p = run(["--config", config("nothing", [src("service-public", "service-public-csv", BAD_SP)],
                                communes=["55254"]), "--db", db])
    expect_untouched("nothing usable", db, digest, p, 1, "nothing usable was imported")
    rows = rejects(db + ".failed.rejects.csv")   # the served database's own stay as they were
    check([r["line"] for r in rows] == ["5", "9", "10", "11", "13"],
          f"nothing usable: the rejected rows are still reported (got {[r['line'] for r in rows]})")
    with open(db + ".failed.report.json", encoding="utf-8") as f:
        check(json.load(f)["status"] == "failed", "nothing usable: JSON report says failed")

    # A failure at the very end (the target is a folder: rename fails).
    folder = os.path.join(WORK, "a-folder")
    os.makedirs(folder, exist_ok=True)
    p = run(["--config", GOOD_CONFIG, "--db", folder, "--quiet"])
    check(p.returncode == 1 and "cannot replace" in p.err, f"target is a folder: exit 1 ({p.err[-300:]})")
    check(leftovers(folder) == [] and os.path.isdir(folder), "target is a folder: no temporary file left")

    # A new target that fails: no database appears.
    fresh = os.path.join(WORK, "never.sqlite")
    p = run(["--config", config("missing2", missing), "--db", fresh])
    check(p.returncode == 1 and not os.path.exists(fresh) and leftovers(fresh) == [],
          "failed first import: no database file, no temporary file")


# --------------------------------------------------------------------------------------------
def case_usage():
    db = os.path.join(WORK, "usage.sqlite")
    profiles = os.path.join(FIXTURES, "profiles")

    def expect(label, args, message):
        p = run(args)
        check(p.returncode == 2, f"{label}: exit 2 (got {p.returncode}; {p.err[-500:]})")
        check(message in p.err, f"{label}: stderr says {message!r} ({p.err[-300:]})")
        check(not os.path.exists(db) and leftovers(db) == [], f"{label}: nothing written")

    expect("no arguments", [], "--config is required")
    expect("unknown option", ["--config", GOOD_CONFIG, "--db", db, "--frobnicate"],
           "unknown option '--frobnicate'")
    expect("missing --db value", ["--config", GOOD_CONFIG, "--db"], "--db needs a value")
    expect("missing config", ["--config", os.path.join(WORK, "absent.json"), "--db", db],
           "absent.json: No such file or directory")
    broken = os.path.join(WORK, "broken.json")
    with open(broken, "w") as f:
        f.write('{"territory": {"name": "x",')
    expect("config syntax error", ["--config", broken, "--db", db],
           f"{broken}:1:27: syntax error at ',', the last character of the file (the JSON text "
           "is cut short)")
    # The profile and overrides loaders say where too (issue 10 D7).
    bad_profiles = os.path.join(WORK, "profiles-cut")
    os.makedirs(bad_profiles, exist_ok=True)
    with open(os.path.join(FIXTURES, "profiles", "lieux-test.json"), encoding="utf-8") as f:
        text = f.read()
    with open(os.path.join(bad_profiles, "coupe.json"), "w", encoding="utf-8") as f:
        f.write(text[:len(text) // 2])
    cut_line = text[:len(text) // 2].count("\n") + 1
    expect("profile syntax error",
           ["--config", config("cutprof", [src("cog", "coupe", "cog.csv")]), "--db", db,
            "--profiles", bad_profiles],
           f"coupe.json:{cut_line}:")
    expect("profile syntax error (what)",
           ["--config", config("cutprof", [src("cog", "coupe", "cog.csv")]), "--db", db,
            "--profiles", bad_profiles], ": syntax error")
    bad_ovr = os.path.join(WORK, "corrections-coupees.json")
    with open(bad_ovr, "w", encoding="utf-8") as f:
        f.write('{"add": [\n  {"id": "x", "name": "y"\n')
    expect("overrides syntax error",
           ["--config", config("cutovr", json.load(open(GOOD_CONFIG, encoding="utf-8"))["sources"],
                               overrides=bad_ovr), "--db", db],
           f"{bad_ovr}:3:1: syntax error: unexpected end of the file")
    expect("unknown profile", ["--config", config("noprofile", [src("x", "no-such-profile", "cog.csv")]),
                               "--db", db], "no-such-profile.json: no such profile")
    expect("profile with an unknown key",
           ["--config", config("badkey", [src("cog", "cle-inconnue", "cog.csv")]), "--db", db,
            "--profiles", profiles], "cle-inconnue.json: fieldz: unknown key (allowed: description, kind,")
    expect("profile with an unknown category",
           ["--config", config("badcat", [src("sp", "categorie-inconnue", "organismes.csv")]),
            "--db", db, "--profiles", profiles],
           "categorie-inconnue.json: category.default: 'piscine' is not a category")
    # GEODIR_PROFILES is honoured when --profiles is not given.
    p = run(["--config", config("envprof", [src("cog", "cle-inconnue", "cog.csv")]), "--db", db],
            env_extra={"GEODIR_PROFILES": profiles})
    check(p.returncode == 2 and "cle-inconnue.json" in p.err, "GEODIR_PROFILES is the profiles folder")
    p = run(["--help"])
    check(p.returncode == 0 and "usage: geodir-import" in p.out, "--help")


# --------------------------------------------------------------------------------------------
def case_samples():
    db = os.path.join(WORK, "samples.sqlite")
    p = run(["--config", os.path.join(SRC, "config", "aire-argonne.json"), "--db", db])
    print(p.out)
    check(p.returncode == 0, f"samples import: exit 0 ({p.err[-1500:]})")
    if p.returncode != 0:
        return
    check(rejects(db + ".rejects.csv") == [], "no sample row rejected")
    check(one(db, "SELECT count(*) FROM communes WHERE geom IS NOT NULL") == 47,
          "47 communes with a boundary")
    check(one(db, "SELECT count(*) FROM places") > 0, "places imported")
    check(one(db, "SELECT count(*) FROM places WHERE insee IS NULL") == 0,
          "every sample place has its commune")
    # The configuration overrides the profile's provenance for the generated boundaries.
    check(one(db, "SELECT publisher FROM sources WHERE name='limites'") ==
          "geodir (données d'exemple)", "limites: publisher overridden by the configuration")
    check("exemple" in one(db, "SELECT title FROM sources WHERE name='limites'"),
          "limites: title says the boundaries are an example")
    check(one(db, "SELECT publisher FROM sources WHERE name='laposte'") == "La Poste",
          "laposte: publisher from its profile")
    # The example address file (BAN format): every row, 11 communes, marked as an example.
    check(one(db, "SELECT count(*) FROM addresses WHERE source='adresses'") == 417,
          "adresses: the 417 example address points")
    check(one(db, "SELECT count(DISTINCT insee) FROM addresses") == 11, "adresses: 11 communes")
    check(one(db, "SELECT count(*) FROM addresses WHERE housenumber IS NULL") == 3,
          "adresses: the 3 lieux-dits (99999) have no house number")
    check("exemple" in one(db, "SELECT title FROM sources WHERE name='adresses'") and
          one(db, "SELECT licence FROM sources WHERE name='adresses'") == "etalab-2.0",
          "adresses: an example under the Licence Ouverte")


# --------------------------------------------------------------------------------------------
# Helpers of the cases below: a profiles folder holding the shipped profiles and the test
# ones, and distances.


def profiles_dir():
    d = os.path.join(WORK, "profiles")
    os.makedirs(d, exist_ok=True)
    for folder in (os.path.join(SRC, "importer", "profiles"), os.path.join(FIXTURES, "profiles")):
        for f in glob.glob(os.path.join(folder, "*.json")):
            shutil.copy(f, d)
    return d


def src_l(name, path, licence=None, profile="lieux-test", **extra):
    s = {"name": name, "profile": profile, "path": path}
    if licence:
        s["licence"] = licence
    s.update(extra)
    return s


def report(db):
    with open(db + ".report.json", encoding="utf-8") as f:
        return json.load(f)


def csv_rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


BASE = [src("cog", "cog-communes", "cog.csv"), src("population", "epci-communes-csv", "communes.csv"),
        src("limites", "commune-boundaries", "limites.geojson")]


# --------------------------------------------------------------------------------------------
def case_addresses_geocode():
    """Addresses kind, then places placed by geocoding against them (and commune centres)."""
    prof = profiles_dir()
    cfg = config("geo", BASE + [
        src_l("geocoder", "a-geocoder.csv"),      # places listed BEFORE addresses on purpose
        {"name": "adresses", "profile": "adresses-test", "path": "adresses.csv"},
        src_l("sans-coords", "sans-coordonnees.csv", profile="lieux-sans-geometrie")],
        **MOSTLY_BAD)
    db = os.path.join(WORK, "geo.sqlite")
    p = run(["--config", cfg, "--db", db, "--profiles", prof])
    print(p.out)
    print(p.err[-3000:])
    if not check(p.returncode == 0, f"exit 0 (got {p.returncode})"):
        return
    t = table(p.out, extended=True)
    check(t.get("adresses", ())[:5] == (11, 7, 1, 0, 3),
          f"addresses: 7 imported, 1 outside, 3 rejected (got {t.get('adresses')})")
    rej = {(os.path.basename(r["file"]), r["line"]): r for r in rejects(db + ".rejects.csv")}
    check(rej.get(("adresses.csv", "10"), {}).get("reason", "").startswith("duplicate id"),
          "addresses: a duplicate id is rejected")
    check(rej.get(("adresses.csv", "11"), {}).get("reason", "").startswith("no coordinates"),
          "addresses: a point is required")
    check(rej.get(("adresses.csv", "12"), {}).get("reason") == "no street name"
          and rej[("adresses.csv", "12")]["field"] == "nom_voie", "addresses: a street is required")
    a = {r["id"]: r for r in sql(db, "SELECT id, housenumber, street, postcode, insee, city,"
                                     " source, licence, X(geom) AS lon, Y(geom) AS lat FROM addresses")}
    check(len(a) == 7 and "55498_0001_00001" not in a, f"7 member-commune addresses (got {len(a)})")
    b = a.get("55532_0020_00004", {})
    check(b.get("housenumber") == "4 bis" and b.get("street") == "Grande Rue"
          and b.get("insee") == "55532" and b.get("city") == "Vaubecourt"
          and b.get("source") == "adresses" and b.get("licence") == "etalab-2.0"
          and abs(b.get("lat", 0) - 48.9334) < 1e-9, f"an address row, as published (got {b})")
    check(one(db, "SELECT CheckSpatialIndex('addresses', 'geom')") == 1,
          "addresses spatial index rebuilt after the bulk load")
    check(one(db, "SELECT count(*) FROM sqlite_master WHERE name = 'addresses_source_id'") == 1,
          "addresses: unique (source, id)")

    g = {r["id"]: r for r in sql(db, "SELECT id, insee, geocode_precision AS prec, geocode_score"
                                     " AS score, X(geom) AS lon, Y(geom) AS lat FROM places")}
    cpam = g.get("geocoder:cpam-1", {})
    check(cpam.get("prec") == "housenumber" and 0.5 <= (cpam.get("score") or 0) <= 1
          and haversine(cpam.get("lat", 0), cpam.get("lon", 0), 48.9762081, 5.2258574) < 2,
          f"'42 rue Berne' geocoded on its address point (got {cpam})")
    msa = g.get("geocoder:msa-1", {})
    check(msa.get("prec") == "housenumber"
          and haversine(msa.get("lat", 0), msa.get("lon", 0), 48.9764, 5.2262) < 2,
          f"'Maison des services / 44 r. Berne': abbreviation, second line (got {msa})")
    bib = g.get("geocoder:biblio-1", {})
    check(bib.get("prec") == "housenumber"
          and haversine(bib.get("lat", 0), bib.get("lon", 0), 48.9334, 5.1112) < 2,
          f"\"4 bis Grand'Rue\" finds 4 bis Grande Rue (got {bib})")
    club = g.get("geocoder:club-1", {})
    check(club.get("prec") == "municipality" and club.get("insee") == "55517",
          f"an unknown street falls back to the commune (got {club})")
    asso2 = g.get("geocoder:asso-2", {})
    check(asso2.get("insee") == "55517" and asso2.get("prec") in ("housenumber", "street"),
          f"no INSEE code: the commune comes from the geocoder (got {asso2})")
    check("geocoder:asso-3" not in g, "a record of a non-member commune is outside, not geocoded")
    ccas = g.get("geocoder:ccas-1", {})
    check(ccas.get("prec") == "street" and ccas.get("insee") == "55532",
          f"an unusable point and a street: street precision (got {ccas})")
    asso4 = g.get("sans-coords:asso-4", {})
    check(asso4.get("prec") == "housenumber"
          and haversine(asso4.get("lat", 0), asso4.get("lon", 0), 48.9332008, 5.1108398) < 2,
          f"a profile without any geometry: every row geocoded (got {asso4})")
    r1 = rej.get(("a-geocoder.csv", "7"), {})
    check(r1.get("reason", "").startswith("geocoding failed") and r1.get("field") == "adresse"
          and r1.get("value") == "12 rue Inconnue",
          f"nothing usable found: rejected 'geocoding failed' with the address (got {r1})")
    r2 = rej.get(("sans-coordonnees.csv", "3"), {})
    check(r2.get("reason") == "no coordinates and no address to geocode",
          f"no point and no address: rejected (got {r2})")
    check(one(db, "SELECT count(*) FROM places WHERE geocode_precision IS NULL") == 0,
          "every place of these sources was geocoded")
    rep = report(db)
    gsrc = next(x for x in rep["sources"] if x["name"] == "geocoder")
    prec = {}
    for r in g.values():
        if r["id"].startswith("geocoder:"):
            prec[r["prec"]] = prec.get(r["prec"], 0) + 1
    check(gsrc["geocoded"] == {k: prec.get(k, 0) for k in ("housenumber", "street", "municipality")},
          f"JSON report: geocoded per precision (got {gsrc['geocoded']}, db {prec})")
    check(sum(rep["totals"]["geocoded"].values()) == len(g), "JSON report: geocoded totals")
    check(f"geocoded: {len(g)} (housenumber" in p.out, "summary: geocoded line")
    w = {x["id"]: x for x in csv_rows(db + ".warnings.csv")}
    check(w.get("geocoder:ccas-1", {}).get("kind") == "point_replaced"
          and "not a number" in w["geocoder:ccas-1"]["message"],
          "the unusable point is reported in the warnings")


# --------------------------------------------------------------------------------------------
def rect_distance(lat, lon, minlon, minlat, maxlon, maxlat):
    """Distance from a point to a lon/lat rectangle (the fixtures' boundaries)."""
    return haversine(lat, lon, min(max(lat, minlat), maxlat), min(max(lon, minlon), maxlon))


def case_territory():
    prof = profiles_dir()
    cfg = config("terr", BASE + [src_l("lieux", "hors-commune.csv")])
    db = os.path.join(WORK, "terr.sqlite")
    p = run(["--config", cfg, "--db", db, "--profiles", prof])
    print(p.out)
    if not check(p.returncode == 0, f"exit 0 (got {p.returncode}: {p.err[-1000:]})"):
        return
    t = table(p.out, extended=True)
    check(t.get("lieux") == (4, 4, 0, 0, 0, 0, 2),
          f"4 imported (none rejected), 2 warnings (got {t.get('lieux')})")
    w = {x["id"]: x for x in csv_rows(db + ".warnings.csv")}
    check(sorted(w) == ["lieux:mairie-55040", "lieux:mairie-55177"],
          f"the points outside their declared commune are flagged, no other (got {sorted(w)})")
    b = w.get("lieux:mairie-55040", {})
    want = rect_distance(48.9785, 5.0638, 5.17, 48.95, 5.24, 48.99)
    check(b.get("kind") == "outside_commune" and b.get("insee") == "55040"
          and abs(float(b.get("distance_m") or 0) - want) < 0.01 * want
          and b.get("line") == "3" and os.path.basename(b.get("file", "")) == "hors-commune.csv"
          and abs(float(b.get("lat") or 0) - 48.9785) < 1e-6,
          f"warning: kind, commune, distance ~{want:.0f} m, file, line, point (got {b})")
    e = w.get("lieux:mairie-55177", {})
    want = rect_distance(48.80, 5.24, 5.22, 48.90, 5.26, 48.94)
    check(abs(float(e.get("distance_m") or 0) - want) < 0.01 * want,
          f"distance to a commune ~{want:.0f} m (got {e.get('distance_m')})")
    check("55040" in b.get("message", "") and "m" in b.get("message", ""),
          f"a French message naming the commune and the distance ({b.get('message')})")
    rep = report(db)
    check(rep["warnings"]["count"] == 2 and rep["warnings"]["by_kind"]["outside_commune"] == 2
          and {x["id"] for x in rep["warnings"]["items"]} == set(w),
          "JSON report: warnings count, by kind, items")
    check("warnings: 2 (outside their commune 2" in p.out, "summary: warnings line")
    check(one(db, "SELECT count(*) FROM import_warnings WHERE kind = 'outside_commune'") == 2,
          "warnings kept in the database (import_warnings)")
    check(one(db, "SELECT insee FROM places WHERE id = 'lieux:salle-55254'") == "55254",
          "a place located by its point is not checked again")


# --------------------------------------------------------------------------------------------
MERGE_SOURCES = [src_l("officiel", "officiel.csv"),
                 src_l("finess", "finess.csv", title="FINESS (exemple)"),
                 src_l("osm", "osm.csv", licence="ODbL-1.0", title="OpenStreetMap (exemple)")]


def case_merge():
    prof = profiles_dir()
    # OSM listed first: priority is non-ODbL sources first, then configuration order.
    cfg = config("merge", BASE + [MERGE_SOURCES[2], MERGE_SOURCES[0], MERGE_SOURCES[1]])
    db = os.path.join(WORK, "merge.sqlite")
    p = run(["--config", cfg, "--db", db, "--profiles", prof])
    print(p.out)
    if not check(p.returncode == 0, f"exit 0 (got {p.returncode}: {p.err[-1500:]})"):
        return
    check(one(db, "SELECT count(*) FROM place_records") == 18, "18 source records (place_records)")
    check(one(db, "SELECT count(*) FROM place_sources") == 11,
          "the 11 records of merged places kept as read in place_sources")
    places = {r["id"]: r for r in sql(
        db, "SELECT id, name, category, address, phone, opening_hours, wheelchair, refs, source,"
            " source_id, licence, field_sources, X(geom) AS lon, Y(geom) AS lat, fid FROM places")}
    check(len(places) == 12, f"12 places after merging (got {len(places)}: {sorted(places)})")
    groups = {}
    for r in sql(db, "SELECT p.id AS place, s.id AS rec FROM place_records AS s"
                     " JOIN places AS p ON p.fid = s.place_fid ORDER BY s.id"):
        groups.setdefault(r["place"], []).append(r["rec"])
    multi = {k: v for k, v in groups.items() if len(v) > 1}
    check(multi.get("officiel:pharma-centre") == ["finess:550001234", "officiel:pharma-centre",
                                                  "osm:node-2"],
          f"one pharmacy in three sources (shared FINESS id): one place (got {multi})")
    check(multi.get("officiel:mairie-55532") == ["officiel:mairie-55532", "osm:node-1"],
          "town hall 'Mairie' (OSM) and 'Mairie - Vaubecourt' 100 m apart: one place")
    check(multi.get("officiel:ecole-seuil") == ["officiel:ecole-seuil", "osm:node-4"],
          "same name 117 m apart: one place")
    check(multi.get("officiel:foyer-rural") == ["officiel:foyer-rural", "osm:node-9"],
          "similar names 14 m apart: one place")
    marche = [k for k in multi if k.startswith("officiel:marche-")]
    check(len(marche) == 1 and len(multi[marche[0]]) == 2 and "osm:node-7" in multi[marche[0]],
          f"two same-name pharmacies of one source 10 m apart stay two; OSM joins one (got {marche})")
    check("officiel:marche-1" in places and "officiel:marche-2" in places,
          "... both same-source pharmacies are still places")
    check(len(multi) == 5, f"5 merged places, no other (got {sorted(multi)})")
    for pid in ("officiel:pharma-gare", "osm:node-3", "osm:node-8"):
        check(pid in places and len(groups.get(pid, [])) == 1,
              f"different pharmacies 20-50 m apart (other FINESS id, other name) not merged: {pid}")
    check("officiel:salle-beausite" in places and "osm:node-5" in places,
          "similar names 72 m apart: not merged")
    # Field choice by source priority, licences, field map.
    ph, fs = place_and_sources(places, "officiel:pharma-centre")
    check(ph.get("name") == "Pharmacie du Centre (exemple)" and ph.get("phone") == "03 29 00 00 01"
          and ph.get("address") == "1 Grand'rue" and ph.get("opening_hours") == "Mo-Sa 09:00-19:00"
          and ph.get("wheelchair") == "limited" and ph.get("source") == "officiel",
          f"official name/phone/address, OSM hours/wheelchair (got {ph})")
    check(fs.get("name") == "officiel" and fs.get("phone") == "officiel"
          and fs.get("opening_hours") == "osm" and fs.get("wheelchair") == "osm"
          and fs.get("geom") == "officiel", f"field_sources names each field's source (got {fs})")
    check(ph.get("licence") == "ODbL-1.0", "a place with an ODbL field is ODbL-1.0")
    check(one(db, "SELECT source_ids FROM places WHERE id = 'officiel:pharma-centre'")
          == "officiel:pharma-centre finess:550001234 osm:node-2",
          "source_ids lists every record's id, highest priority first")
    check(one(db, "SELECT count(*) FROM places WHERE source_ids IS NOT NULL") == 5,
          "source_ids only on merged places")
    check(abs(ph.get("lat", 0) - 48.9340) < 1e-9, "position of the highest-priority source")
    ma = places.get("officiel:mairie-55532", {})
    check(ma.get("phone") == "03 29 70 69 80" and ma.get("opening_hours") == "Mo-Fr 09:00-12:00"
          and ma.get("refs") == "sp:mairie-55532-01", f"merged town hall fields (got {ma})")
    check(places.get("officiel:pharma-gare", {}).get("licence") == "etalab-2.0"
          and places["officiel:pharma-gare"].get("field_sources") is None,
          "an unmerged official place keeps its licence, no field map")
    check(places.get("osm:node-6", {}).get("licence") == "ODbL-1.0", "an OSM-only place is ODbL")
    lic = {r["source"]: r["licence"] for r in sql(db, "SELECT DISTINCT source, licence FROM place_records")}
    check(lic == {"officiel": "etalab-2.0", "finess": "etalab-2.0", "osm": "ODbL-1.0"},
          f"each source record keeps its own licence (got {lic})")
    # A Licence Ouverte export can be built: non-ODbL records, and no ODbL field.
    lo = sql(db, "SELECT p.id FROM places AS p WHERE EXISTS (SELECT 1 FROM place_records AS s"
                 " WHERE s.place_fid = p.fid AND s.licence <> 'ODbL-1.0')")
    check(len(lo) == 8, f"8 places have a non-ODbL record (got {len(lo)})")
    # Merge report: table, CSV, JSON.
    m = sql(db, "SELECT kept_id, merged_id, rule, distance_m, similarity FROM place_merges"
                " ORDER BY merged_id")
    check(len(m) == 6, f"6 records merged (got {len(m)})")
    byid = {r["merged_id"]: r for r in m}
    n2 = byid.get("osm:node-2", {})
    check(n2.get("kept_id") == "officiel:pharma-centre" and n2.get("rule") == "ref"
          and abs(n2.get("distance_m", 0) - 50.9) < 1, f"merge row: kept id, rule, distance (got {n2})")
    n9 = byid.get("osm:node-9", {})
    check(n9.get("rule") == "name" and abs(n9.get("similarity", 0) - 0.8) < 0.01,
          f"merge row: name rule and similarity (got {n9})")
    mc = csv_rows(db + ".merges.csv")
    check(len(mc) == 6 and set(mc[0]) == {"kept_id", "merged_id", "rule", "distance_m",
                                          "similarity", "kept_name", "merged_name"},
          "merges CSV: one row per merged record")
    rep = report(db)
    mg = rep.get("merging", {})
    check(mg.get("records") == 18 and mg.get("places") == 12 and mg.get("groups") == 5
          and mg.get("merged") == 6 and len(mg.get("items", [])) == 6
          and mg.get("merged_by_rule") == {"ref": 2, "name": 4},
          f"JSON report: merging (got { {k: v for k, v in mg.items() if k != 'items'} })")
    check("18 records -> 12 places" in p.out, "summary: merging line")
    fts = sql(db, "SELECT count(*) AS n FROM places_fts WHERE places_fts MATCH 'pharmacie'")
    check(fts[0]["n"] == 6, f"full-text index holds the merged places only (got {fts[0]['n']})")
    check(one(db, "SELECT CheckSpatialIndex('places', 'geom')") == 1
          and one(db, "PRAGMA integrity_check") == "ok", "spatial index and integrity after merging")


# --------------------------------------------------------------------------------------------
def case_refresh():
    """Full import with overrides, then a refresh of one source: the others are copied from
    the database, merging runs again, the overrides still apply."""
    prof = profiles_dir()
    data = os.path.join(WORK, "data")
    os.makedirs(data)
    for f in ("cog.csv", "communes.csv", "limites.geojson", "officiel.csv", "osm.csv", "finess.csv"):
        shutil.copy(os.path.join(FIXTURES, f), data)
    shutil.copy(os.path.join(FIXTURES, "corrections.json"), WORK)
    cfg = config("refresh", BASE + MERGE_SOURCES, data_dir=data, overrides="corrections.json")
    db = os.path.join(WORK, "refresh.sqlite")
    p = run(["--config", cfg, "--db", db, "--profiles", prof])
    print(p.out)
    if not check(p.returncode == 0, f"full import: exit 0 (got {p.returncode}: {p.err[-1500:]})"):
        return

    def state():
        return {r["id"]: r for r in sql(
            db, "SELECT id, name, phone, opening_hours, source, licence, field_sources,"
                " X(geom) AS lon, Y(geom) AS lat FROM places")}

    def check_overrides(pl, label):
        ma, fs = place_and_sources(pl, "officiel:mairie-55532")
        check(ma.get("opening_hours") == "Mo,Th 14:00-18:00" and ma.get("phone") is None
              and fs.get("opening_hours") == "overrides" and fs.get("phone") == "overrides",
              f"{label}: fixed hours and cleared phone, recorded in field_sources (got {ma})")
        check(pl.get("officiel:pharma-centre", {}).get("name") == "Pharmacie du Centre (nom corrigé)",
              f"{label}: a fix aimed at a merged record's id applies to its place")
        ec = pl.get("officiel:ecole-seuil", {})
        check(abs(ec.get("lat", 0) - 48.9795) < 1e-9 and abs(ec.get("lon", 0) - 5.0630) < 1e-9,
              f"{label}: a point moved by a fix")
        check("osm:node-6" not in pl, f"{label}: a hidden place is gone")
        add = pl.get("overrides:salle-polyvalente", {})
        check(add.get("name") == "Salle polyvalente (exemple)" and add.get("source") == "overrides"
              and add.get("licence") == "ODbL-1.0", f"{label}: an added place (got {add})")

    pl = state()
    check_overrides(pl, "full import")
    w = [x for x in csv_rows(db + ".warnings.csv") if x["kind"] == "override_not_found"]
    check(sorted(x["id"] for x in w) == ["officiel:absent-1", "officiel:disparu"],
          f"ids not found are reported (got {[x['id'] for x in w]})")
    rep = report(db)
    check(rep.get("overrides", {}).get("added") == 1 and rep["overrides"]["fixed"] == 3
          and rep["overrides"]["hidden"] == 1 and rep["overrides"]["not_found"] == 2,
          f"JSON report: overrides (got {rep.get('overrides')})")
    check("overrides: 1 added, 3 fixed, 1 hidden, 2 not found" in p.out, "summary: overrides line")
    check(one(db, "SELECT place_fid FROM place_sources WHERE id = 'osm:node-6'") is None,
          "a hidden place's record stays, unlinked")
    check(one(db, "SELECT opening_hours FROM place_records WHERE id = 'osm:node-1'")
          == "Mo-Fr 09:00-12:00"
          and one(db, "SELECT phone FROM place_records WHERE id = 'officiel:mairie-55532'")
          == "03 29 70 69 80", "place_records holds the sources' values, not the corrections")
    check(one(db, "SELECT count(*) FROM place_records WHERE source = 'overrides'") == 1,
          "an added place is a record of the source 'overrides'")
    before = one(db, "SELECT count(*) FROM place_records WHERE source IN ('officiel', 'finess')")

    # The sources change: OSM has new data; the official file changes too but is not
    # refreshed; the FINESS file disappears (its records must come from the database).
    with open(os.path.join(data, "osm.csv"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    lines = [l for l in lines if not l.startswith("node-9,")]
    lines = [l.replace("node-1,Mairie,town-hall,,,55532,,Mo-Fr 09:00-12:00",
                       "node-1,Mairie,town-hall,,,55532,03 29 11 11 11,Mo-Fr 08:00-12:00") for l in lines]
    lines.append("node-10,Café du Commerce (exemple),food-drink-lodging,,,55532,,,,osm:node/10,"
                 "48.9345,5.1090")
    with open(os.path.join(data, "osm.csv"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(data, "officiel.csv"), encoding="utf-8") as f:
        off = f.read()
    with open(os.path.join(data, "officiel.csv"), "w", encoding="utf-8") as f:
        f.write(off.replace("03 29 00 00 02", "03 29 00 00 22"))
    os.remove(os.path.join(data, "finess.csv"))
    inode = os.stat(db).st_ino
    p = run(["--config", cfg, "--db", db, "--profiles", prof, "--source", "osm"])
    print(p.out)
    print(p.err[-2000:])
    if not check(p.returncode == 0, f"refresh: exit 0 (got {p.returncode}: {p.err[-1500:]})"):
        return
    check(os.stat(db).st_ino != inode and leftovers(db) == [], "refresh: a new file swapped in")
    t = table(p.out, extended=True)
    check(t.get("officiel") == (8, 8, None, None, 0, None, 0) and t.get("osm", (0,))[0] == 9,
          f"refresh: kept sources shown with their counts, the refreshed one re-read (got {t})")
    check("kept" in next(l for l in p.out.splitlines() if l.startswith("finess")),
          "refresh: kept sources marked 'kept'")
    rep = report(db)
    st = {x["name"]: x["status"] for x in rep["sources"]}
    check(rep.get("mode") == "refresh" and rep.get("refreshed") == ["osm"]
          and st.get("osm") == "ok" and st.get("officiel") == "kept" and st.get("finess") == "kept",
          f"JSON report: mode, refreshed, statuses (got {rep.get('mode')}, {st})")
    pl = state()
    check(pl.get("officiel:pharma-gare", {}).get("phone") == "03 29 00 00 02",
          "refresh: a source not refreshed keeps its records from the database, not its file")
    check(one(db, "SELECT count(*) FROM place_records WHERE source IN ('officiel', 'finess')") == before,
          "refresh: every record of the kept sources is still there")
    check("osm:node-10" in pl, "refresh: a new record of the refreshed source")
    check(one(db, "SELECT count(*) FROM place_records WHERE id = 'osm:node-9'") == 0
          and "officiel:foyer-rural" in pl
          and one(db, "SELECT count(*) FROM place_merges WHERE kept_id = 'officiel:foyer-rural'") == 0,
          "refresh: a record gone from the refreshed source is gone, merging ran again")
    check(one(db, "SELECT count(*) FROM place_sources AS s JOIN places AS p ON p.fid = s.place_fid"
                  " WHERE p.id = 'officiel:pharma-centre'") == 3,
          "refresh: the kept FINESS record is merged again")
    check_overrides(pl, "after refresh")
    check(one(db, "SELECT phone FROM place_records WHERE id = 'osm:node-1'") == "03 29 11 11 11",
          "refresh: the refreshed source's new values are read")
    check(one(db, "SELECT count(*) FROM communes WHERE geom IS NOT NULL") == 5
          and one(db, "SELECT count(*) FROM sources") == 7,
          "refresh: communes and every sources row copied")
    check(one(db, "PRAGMA integrity_check") == "ok", "refresh: integrity_check ok")

    # Refresh mistakes: nothing changes.
    digest = sha256(db)
    p = run(["--config", cfg, "--db", db, "--profiles", prof, "--source", "nope"])
    check(p.returncode == 2 and "--source nope: no such source" in p.err and sha256(db) == digest,
          f"refresh of an unknown source: exit 2 ({p.err[-300:]})")
    p = run(["--config", cfg, "--db", os.path.join(WORK, "absent.sqlite"), "--profiles", prof,
             "--source", "osm"])
    check(p.returncode == 1 and "no current database to refresh" in p.err,
          f"refresh without a database: exit 1 ({p.err[-300:]})")
    cfg2 = config("refresh2", BASE + MERGE_SOURCES + [src_l("autre", "officiel.csv")],
                  data_dir=data, overrides="corrections.json")
    p = run(["--config", cfg2, "--db", db, "--profiles", prof, "--source", "osm"])
    check(p.returncode == 1 and "source autre is not in" in p.err and sha256(db) == digest
          and leftovers(db) == [], f"a kept source missing from the database: exit 1 ({p.err[-300:]})")
    p = run(["--config", cfg, "--db", db, "--profiles", prof, "--source", "finess"])
    check(p.returncode == 1 and "finess.csv" in p.err and sha256(db) == digest,
          "refresh of a source whose file is missing: exit 1, database untouched")

    # A broken overrides file stops the run before anything is written.
    bad = {"fix": [{"id": "officiel:mairie-55532", "horaires": "Mo 09:00-12:00"}]}
    with open(os.path.join(WORK, "corrections.json"), "w", encoding="utf-8") as f:
        json.dump(bad, f)
    p = run(["--config", cfg, "--db", db, "--profiles", prof, "--source", "osm"])
    check(p.returncode == 2 and "corrections.json: fix[0].horaires: unknown key" in p.err
          and sha256(db) == digest, f"a broken overrides file: exit 2 ({p.err[-300:]})")
    with open(os.path.join(WORK, "corrections.json"), "w", encoding="utf-8") as f:
        f.write('{"add": [{"id": "x", "name": "X", "category": "town-hall", "lat": 48.9,'
                ' "lon": 5.1, "insee": "55498"}]}')
    p = run(["--config", cfg, "--db", db, "--profiles", prof, "--source", "osm"])
    check(p.returncode == 2 and "add[0].insee: not a member commune" in p.err,
          f"an added place outside the territory: exit 2 ({p.err[-300:]})")
    p = run(["--config", config("reserved", BASE + [src_l("overrides", "osm.csv")], data_dir=data),
             "--db", db, "--profiles", prof])
    check(p.returncode == 2 and "reserved" in p.err, "the source name 'overrides' is reserved")


# --------------------------------------------------------------------------------------------
SP_HEADER = ("id,pivot_local,code_insee,date_mise_a_jour,nom,adresse_type,adresse_lignes,"
             "code_postal,commune,latitude,longitude,precision_geocodage,telephone,email,url,"
             "in_epci_200066140,fichier\n")
BOXES = {"55532": (5.09, 48.92, 5.13, 48.95), "55517": (5.04, 48.96, 5.08, 49.0),
         "55040": (5.17, 48.95, 5.24, 48.99), "55177": (5.22, 48.9, 5.26, 48.94)}


def generate_sp(path, rows):
    """A service-public.fr-shaped CSV of `rows` invented offices inside the fixture communes."""
    codes = sorted(BOXES)
    with open(path, "w", encoding="utf-8") as f:
        f.write(SP_HEADER)
        for i in range(rows):
            code = codes[i % len(codes)]
            x0, y0, x1, y1 = BOXES[code]
            lon = x0 + (x1 - x0) * ((i * 7919) % 1000 + 0.5) / 1000
            lat = y0 + (y1 - y0) * ((i * 104729) % 1000 + 0.5) / 1000
            f.write(f"gen-{i},mairie,{code},2024-01-01,Bureau généré n°{i} (exemple),géopostale,"
                    f"{i % 90 + 1} rue de l'Exemple | Bâtiment {i % 7},55250,Commune,"
                    f"{lat:.6f},{lon:.6f},6,03 29 00 {i % 100:02d} {i % 97:02d},"
                    f"contact{i}@example.org,https://example.org/{i},1,gen-{i}.xml\n")


# Enough for a run of a few seconds to kill at several moments (fewer under ASan, which is
# several times slower: tests/import/CMakeLists.txt sets GEODIR_ATOMIC_ROWS there).
ATOMIC_ROWS = int(os.environ.get("GEODIR_ATOMIC_ROWS", "60000"))


# The moments case_atomic kills a run at, in this order: (what, steps the run stops at, step
# it is released from, None when it is killed where it is held). A released run is killed as
# soon as the sign of its next phase is seen, or at the next step at the latest: every kill
# lands before the swap, whatever the machine's speed.
ATOMIC_MOMENTS = (
    ("held once locked, nothing written yet", "locked", None),
    ("while its sources are read", "locked,sources-read", "locked"),
    ("held once every source is read", "sources-read", None),
    ("while it builds indexes and exports", "sources-read,before-swap", "sources-read"),
    ("held before its swap", "before-swap", None),
)


def case_atomic():
    """SIGKILL at five moments of a 60,000-row import: the served database stays
    byte-identical and consistent, and the next run removes the dead run's temporary file."""
    gen = os.path.join(WORK, "organismes-atomic.csv")
    generate_sp(gen, ATOMIC_ROWS)
    cfg = config("atomic", [src("cog", "cog-communes", "cog.csv"),
                            src("limites", "commune-boundaries", "limites.geojson"),
                            src("service-public", "service-public-csv", gen)],
                 # The full exports are part of the window a kill can hit; two quick formats
                 # keep the runs short (every format: tests/exports).
                 open_data={"exports": ["geojson", "csv"]})
    db = os.path.join(WORK, "atomic.sqlite")
    p = run(["--config", GOOD_CONFIG, "--db", db, "--quiet"])   # a small served database
    if not check(p.returncode == 0, "a served database"):
        return
    digest = sha256(db)
    places = one(db, "SELECT count(*) FROM places")
    for what, steps, released in ATOMIC_MOMENTS:
        held = steps.split(",")[-1]
        run_ = Paused(["--config", cfg, "--db", db, "--quiet"], steps)
        tmp = f"{db}.tmp-{run_.proc.pid}"
        if released:
            if not check(run_.wait(released), f"kill {what}: the run is held at {released}"):
                run_.kill()
                print(run_.err)
                return
            dirs = export_dirs(db)
            run_.release()
            # The sign that the next phase is under way: its temporary file has rows, or an
            # export folder of its own appeared; else the next step holds it.
            sign = (lambda: os.path.exists(tmp) and os.path.getsize(tmp) > 0) \
                if released == "locked" else (lambda: export_dirs(db) != dirs)
            poll_until(lambda: sign() or run_.held(held), 300,
                       f"kill {what}: the run went on after {released}")
            print(f"kill {what}: {'held at ' + held if run_.held(held) else 'mid-phase'}")
        elif not check(run_.wait(), f"kill {what}: the run is held at {held}"):
            run_.kill()
            print(run_.err)
            return
        had_tmp = os.path.exists(tmp)
        run_.kill()
        check(sha256(db) == digest, f"kill {what}: the served database is byte-identical")
        check(one(db, "PRAGMA integrity_check") == "ok", f"kill {what}: integrity_check ok")
        edir = os.path.join(os.path.dirname(db),
                            one(db, "SELECT value FROM meta WHERE key = 'exports_dir'") or "?")
        names = [r["name"] for r in sql(db, "SELECT name FROM exports")]
        check(names and all(os.path.exists(os.path.join(edir, n)) for n in names),
              f"kill {what}: the served database's export files are all there ({names})")
        check(one(db, "SELECT count(*) FROM places") == places, f"kill {what}: same content")
        check(os.path.exists(tmp) == had_tmp,
              f"kill {what}: the dead run's temporary file is left as it was ({had_tmp})")
        print(f"kill {what}: database byte-identical; temporary files left: "
              f"{[os.path.basename(x) for x in leftovers(db)]}")
    stale = leftovers(db)
    check(len(stale) >= 1, f"the killed runs left their temporary files (got {stale})")
    p = run(["--config", cfg, "--db", db, "--quiet"])
    check(p.returncode == 0 and leftovers(db) == [],
          f"the next run removes the dead runs' temporary files (left: {leftovers(db)})")
    check(p.err.count("removed a stale temporary file") >= len(stale), "... and says so")
    check(one(db, "SELECT count(*) FROM places") == ATOMIC_ROWS
          and one(db, "PRAGMA integrity_check") == "ok", "... and builds its own database")
    names = [r["name"] for r in sql(db, "SELECT name FROM exports")]
    check(one(db, "SELECT count(*) FROM sources WHERE licence = 'ODbL-1.0'") == 0 and names
          and all("etalab-2.0" in n for n in names),
          f"no ODbL source: Licence Ouverte files only, no ODbL copy of them ({names})")


class Paused:
    """An import started with the pause hook (importer/imp_hook.h): it stops at `step` (or at
    each of "a,b", released one after the other) and waits on a FIFO until release(). No
    sleeping: wait() polls its stderr for the hook's line."""
    count = 0

    def __init__(self, args, step):
        Paused.count += 1
        self.step = step
        self.fifo = os.path.join(WORK, f"pause-{Paused.count}.fifo")
        os.mkfifo(self.fifo)
        env = {k: v for k, v in os.environ.items() if k != "GEODIR_PROFILES"}
        env.update({"GEODIR_IMPORT_PAUSE_AT": step, "GEODIR_IMPORT_PAUSE_FIFO": self.fifo})
        self.proc = subprocess.Popen([IMPORTER] + args, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)
        self.lines = []
        self.out = b""
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.decode("utf-8", "replace"))

    def held(self, step=None):
        """Has the run said it is paused at step (default: its only step)?"""
        marker = f"paused at {step or self.step} (pid {self.proc.pid})"
        return any(marker in x for x in self.lines)

    def wait(self, step=None, deadline_s=300):
        """True once the run says it is paused at step (default: its only step); False if it
        ended first."""
        marker = f"paused at {step or self.step} (pid {self.proc.pid})"
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if any(marker in x for x in self.lines):
                return True
            if self.proc.poll() is not None:
                self.reader.join(10)
                return any(marker in x for x in self.lines)
            time.sleep(0.02)   # polling the line, not a synchronisation by delay
        return False

    def release(self):
        with open(self.fifo, "w") as f:
            f.write("go\n")

    def finish(self):
        self.out = self.proc.stdout.read()
        self.proc.wait(600)
        self.reader.join(10)
        self.err = "".join(self.lines)
        return self.proc.returncode

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(60)
        self.reader.join(10)
        self.err = "".join(self.lines)


def export_dirs(db):
    root = db + ".exports"
    return sorted(os.listdir(root)) if os.path.isdir(root) else []


def served_exports_ok(db, label):
    """The served database's export folder and every file its exports table names exist."""
    rel = one(db, "SELECT value FROM meta WHERE key = 'exports_dir'")
    edir = os.path.join(os.path.dirname(db), rel or "?")
    names = [r["name"] for r in sql(db, "SELECT name FROM exports")]
    return check(rel and names and all(os.path.exists(os.path.join(edir, n)) for n in names),
                 f"{label}: the served database's export files are all there ({rel}, {names})")


def case_concurrent():
    cfg = config("concurrent", json.load(open(GOOD_CONFIG, encoding="utf-8"))["sources"],
                 open_data={"exports": ["geojson", "csv"]})
    db = os.path.join(WORK, "served.sqlite")
    p = run(["--config", cfg, "--db", db, "--quiet"])
    if not check(p.returncode == 0, f"a served database ({p.err[-500:]})"):
        return
    first = Paused(["--config", cfg, "--db", db, "--quiet"], "before-swap")
    if not check(first.wait(), "the first import is held before its swap (hook)"):
        first.kill()
        print(first.err)
        return
    digest, report = sha256(db), sha256(db + ".report.json")
    dirs = export_dirs(db)
    second = subprocess.Popen([IMPORTER, "--config", cfg, "--db", db, "--quiet"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env={k: v for k, v in os.environ.items() if k != "GEODIR_PROFILES"})
    out, err = second.communicate(timeout=600)
    err = err.decode("utf-8", "replace")
    print(err)
    check(second.returncode == 1, f"the second import is refused: exit 1 (got {second.returncode})")
    check(f"another import of this database is running (pid {first.proc.pid}, started " in err
          and db + ".lock" in err, "... it says who holds the lock (pid, start time, lock file)")
    check(sha256(db) == digest and sha256(db + ".report.json") == report,
          "... the served database and its report are untouched")
    check(export_dirs(db) == dirs and not os.path.exists(f"{db}.tmp-{second.pid}"),
          f"... no export folder and no temporary file of its own, none removed ({export_dirs(db)})")
    first.release()
    status = first.finish()
    check(status == 0, f"the first import finishes: exit 0 (got {status}; {first.err[-500:]})")
    check(sha256(db) != digest and one(db, "PRAGMA integrity_check") == "ok",
          "... and its database is swapped in")
    served_exports_ok(db, "after both")
    check(leftovers(db) == [], f"no temporary file left ({leftovers(db)})")
    p = run(["--config", cfg, "--db", db, "--quiet"])
    check(p.returncode == 0, f"the lock is released when the holder ends: a next import runs "
          f"(got {p.returncode}; {p.err[-300:]})")
    served_exports_ok(db, "after a third run")


def case_leftovers():
    good = json.load(open(GOOD_CONFIG, encoding="utf-8"))["sources"]
    cfg = config("leftovers", good, open_data={"exports": ["geojson", "csv"]})
    db = os.path.join(WORK, "served.sqlite")
    p = run(["--config", cfg, "--db", db, "--quiet"])
    if not check(p.returncode == 0, f"a served database ({p.err[-500:]})"):
        return
    served = {x: sha256(db + x) for x in ("", ".report.json", ".rejects.csv", ".warnings.csv")}
    dirs = export_dirs(db)
    killed = []
    for step in ("sources-read", "before-swap"):
        run_ = Paused(["--config", cfg, "--db", db, "--quiet"], step)
        if not check(run_.wait(), f"a run held at {step} (hook)"):
            run_.kill()
            print(run_.err)
            return
        run_.kill()
        killed.append(run_.proc.pid)
    check(not [x for x in leftovers(db) if f".tmp-{killed[0]}" in x],
          "the second run removed the first killed run's files as it started")
    pid = killed[1]
    check(os.path.exists(f"{db}.tmp-{pid}") and os.path.exists(f"{db}.tmp-{pid}.rejects.csv")
          and os.path.exists(f"{db}.tmp-{pid}.warnings.csv"),
          f"a run killed before its swap left its temporary file and staged reports "
          f"({[os.path.basename(x) for x in leftovers(db)]})")
    check(len(export_dirs(db)) == len(dirs) + 1, f"... and its export folder ({export_dirs(db)})")
    check(all(sha256(db + x) == d for x, d in served.items()),
          "... the served database and its reports are untouched")

    # A run that fails at once (a missing file) still clears what the dead runs left.
    missing = [dict(s) for s in good]
    missing[-1]["path"] = "absent.csv"
    p = run(["--config", config("missing", missing, open_data={"exports": ["geojson", "csv"]}),
             "--db", db])
    check(p.returncode == 1, f"a failing run: exit 1 (got {p.returncode})")
    check(leftovers(db) == [], f"... removed the killed runs' temporary files and staged reports "
          f"(left: {[os.path.basename(x) for x in leftovers(db)]})")
    check(export_dirs(db) == dirs, f"... and their export folder (got {export_dirs(db)}, "
          f"served {dirs})")
    check(all(sha256(db + x) == d for x, d in served.items()),
          "... the served database and its reports (report, rejects, warnings) are untouched")
    served_exports_ok(db, "after a failed run")
    failed = db + ".failed.report.json"
    check(os.path.exists(failed) and json.load(open(failed, encoding="utf-8"))["status"] == "failed",
          "... its own report is <db>.failed.report.json, status failed")
    check(f"this failed run's reports: {failed}" in p.err, "... and stderr says where it is")

    # A run that fails late (nothing usable: rows rejected): its rejects go to .failed too.
    p = run(["--config", config("nothing", [src("service-public", "service-public-csv", BAD_SP)],
                                communes=["55254"]), "--db", db])
    check(p.returncode == 1 and "nothing usable was imported" in p.err,
          f"a run that fails after reading: exit 1 ({p.err[-300:]})")
    frej = db + ".failed.rejects.csv"
    check(os.path.exists(frej) and [r["line"] for r in rejects(frej)] == ["5", "9", "10", "11", "13"],
          "... its rejected rows are in <db>.failed.rejects.csv")
    check(json.load(open(failed, encoding="utf-8"))["rejects"] == frej,
          "... and its report names that file")
    check(all(sha256(db + x) == d for x, d in served.items()) and leftovers(db) == [],
          "... the served reports untouched, no temporary file left")

    p = run(["--config", cfg, "--db", db, "--quiet"])
    check(p.returncode == 0 and sha256(db + ".report.json") != served[".report.json"],
          f"a successful run publishes its reports ({p.err[-300:]})")
    check(not glob.glob(glob.escape(db) + ".failed.*"),
          f"... and removes the failed run's ({glob.glob(glob.escape(db) + '.failed.*')})")
    check(leftovers(db) == [] and len(export_dirs(db)) <= 2, f"... nothing else left "
          f"({leftovers(db)}, {export_dirs(db)})")
    served_exports_ok(db, "after a successful run")


def case_guard():
    """Issue 10 D5: a service-public file cut in half, or in Latin-1, must not be published."""
    full = os.path.join(WORK, "organismes-49.csv")
    generate_sp(full, 49)
    with open(full, "rb") as f:
        data = f.read()
    half = os.path.join(WORK, "organismes-moitie.csv")
    with open(half, "wb") as f:
        f.write(data[:len(data) // 2])          # cut in the middle of a line, as a download
    latin1 = os.path.join(WORK, "organismes-latin1.csv")
    lines = data.decode("utf-8").splitlines(keepends=True)
    with open(latin1, "wb") as f:                # every other row without accents
        for i, line in enumerate(lines):
            if i % 2 == 0 and i > 0:
                line = "".join(c if ord(c) < 128 else "e" for c in line)
            f.write(line.encode("latin-1"))

    def cfg(name, path, **extra):
        sp = src("service-public", "service-public-csv", path)
        sp.update(extra.pop("sp", {}))
        return config(name, [src("cog", "cog-communes", "cog.csv"),
                             src("limites", "commune-boundaries", "limites.geojson"), sp],
                      open_data={"exports": ["csv"]}, **extra)

    def places(db):
        return one(db, "SELECT count(*) FROM places")

    db = os.path.join(WORK, "guard.sqlite")
    p = run(["--config", cfg("full", full), "--db", db, "--quiet"])
    if not check(p.returncode == 0 and places(db) == 49, f"a served database of 49 places "
                 f"({p.err[-300:]})"):
        return
    digest = sha256(db)

    def refused(label, args, words):
        p = run(args)
        print(p.out)
        print(p.err[-1500:])
        check(p.returncode == 1, f"{label}: exit 1 (got {p.returncode})")
        check(sha256(db) == digest and places(db) == 49 and leftovers(db) == [],
              f"{label}: served database unchanged, no temporary file left")
        line = next((x for x in p.err.splitlines() if x.startswith("geodir-import: source "
                                                                  "service-public (")), "")
        check(all(w in line for w in words) and "--accept-shrink=service-public" in line,
              f"{label}: stderr names the source, the figures and why ({line!r})")
        check("guard: service-public:" in p.out and "REFUSED" in p.out,
              f"{label}: the summary says it")
        rep = json.load(open(db + ".failed.report.json", encoding="utf-8"))
        sp = next(x for x in rep["sources"] if x["name"] == "service-public")
        check(rep["status"] == "failed" and "guard" in rep["error"] and sp["status"] == "failed"
              and sp["guard"] and not sp["guard"]["accepted"]
              and all(w in sp["guard"]["reason"] for w in words),
              f"{label}: the JSON report says which source and why ({sp.get('guard')})")
        return p

    # Cut in half: 1 reject only, but half the rows gone against the served database.
    refused("cut in half", ["--config", cfg("half", half), "--db", db],
            ["rows imported where the served database has 49", "max_shrink_percent = 20 %"])
    # Latin-1 read as UTF-8: about half the rows rejected.
    refused("Latin-1", ["--config", cfg("latin1", latin1), "--db", db],
            ["rows rejected", "max_rejected_percent = 10 %"])
    # A refresh of that one source is judged the same way.
    refused("--source refresh", ["--config", cfg("half-refresh", half), "--db", db,
                                 "--source", "service-public"], ["fewer"])

    # --accept-shrink publishes anyway, and says so.
    p = run(["--config", cfg("latin1", latin1), "--db", db, "--accept-shrink=service-public"])
    n = places(db)
    check(p.returncode == 0 and 0 < n < 49, f"Latin-1 with --accept-shrink=service-public: "
          f"exit 0, {n} places published (got {p.returncode}; {p.err[-300:]})")
    check("published although the guard objected" in p.err and "published (--accept-shrink)" in p.out,
          "... and the run says the guard was overridden")
    rep = json.load(open(db + ".report.json", encoding="utf-8"))
    sp = next(x for x in rep["sources"] if x["name"] == "service-public")
    check(sp["status"] == "ok" and sp["guard"]["accepted"], f"... JSON report: accepted ({sp['guard']})")
    p = run(["--config", cfg("full", full), "--db", db, "--quiet"])
    check(p.returncode == 0 and places(db) == 49, "the whole file again: 49 places (growth is fine)")
    p = run(["--config", cfg("half", half), "--db", db, "--quiet", "--accept-shrink"])
    check(p.returncode == 0 and places(db) < 49, "cut in half with --accept-shrink (every source): exit 0")
    p = run(["--config", cfg("full", full), "--db", db, "--quiet"])
    digest = sha256(db)

    # Limits from the configuration: per source, and for all sources.
    p = run(["--config", cfg("half-lenient", half, sp={"guard": {"max_shrink_percent": 60}}),
             "--db", db, "--quiet"])
    check(p.returncode == 0, f"sources[].guard.max_shrink_percent = 60 lets the half file through "
          f"(got {p.returncode}; {p.err[-300:]})")
    p = run(["--config", cfg("full", full), "--db", db, "--quiet"])
    p = run(["--config", cfg("latin1-lenient", latin1,
                             guard={"max_rejected_percent": 70, "max_shrink_percent": 70}),
             "--db", db, "--quiet"])
    check(p.returncode == 0, f"guard (every source) at 70 % lets the Latin-1 file through "
          f"(got {p.returncode}; {p.err[-300:]})")

    # A first import: no served database, only the reject share applies.
    fresh = os.path.join(WORK, "fresh-half.sqlite")
    p = run(["--config", cfg("half", half), "--db", fresh, "--quiet"])
    check(p.returncode == 0, f"first import of the half file: nothing to compare with, 1 reject "
          f"of 25: exit 0 (got {p.returncode}; {p.err[-300:]})")
    fresh = os.path.join(WORK, "fresh-latin1.sqlite")
    p = run(["--config", cfg("latin1", latin1), "--db", fresh])
    check(p.returncode == 1 and not os.path.exists(fresh) and "rows rejected" in p.err,
          f"first import of the Latin-1 file: refused, no database (got {p.returncode})")

    # Mistakes: an unknown source for --accept-shrink, a bad limit.
    p = run(["--config", cfg("full", full), "--db", db, "--accept-shrink=nope"])
    check(p.returncode == 2 and "--accept-shrink=nope: no such source" in p.err,
          f"--accept-shrink=nope: exit 2 ({p.err[-200:]})")
    p = run(["--config", cfg("badguard", full, guard={"max_shrink_percent": 120}), "--db", db])
    check(p.returncode == 2 and "guard.max_shrink_percent: expected a number from 0 to 100" in p.err,
          f"guard limit out of range: exit 2 ({p.err[-200:]})")
    p = run(["--config", cfg("badguard2", full, sp={"guard": {"max_loss": 5}}), "--db", db])
    check(p.returncode == 2 and "sources[2].guard.max_loss: unknown key" in p.err,
          f"unknown guard key: exit 2 ({p.err[-200:]})")


def case_messages():
    """Issue 10 D6-D7: what went wrong, and where."""
    good = json.load(open(GOOD_CONFIG, encoding="utf-8"))["sources"]
    cfg = config("msg", good, open_data={"exports": ["csv"]})

    # A full disk, without root: a 1 MiB file size limit (writes fail with EFBIG; SIGXFSZ
    # ignored so that the process is not killed by it).
    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
    db = os.path.join(WORK, "limit.sqlite")
    env = {k: v for k, v in os.environ.items() if k != "GEODIR_PROFILES"}
    # libspatialite 5.0 leaks its error message (sqlite3_mprintf) when InitSpatialMetaData
    # fails on a full disk: under ASan, LeakSanitizer would turn exit status 1 into 23. What is
    # checked here is the message; our own leaks are checked by every other run.
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":detect_leaks=0"
    p = subprocess.run([IMPORTER, "--config", cfg, "--db", db, "--quiet"], capture_output=True,
                       text=True, env=env, preexec_fn=small_files, timeout=600)
    print(p.stderr[-800:])
    check(p.returncode == 1 and f"{db}.tmp-" in p.stderr and "the file cannot grow (EFBIG" in p.stderr
          and "geometry columns not created" not in p.stderr,
          "file size limit: the message names the file and says it cannot grow (EFBIG)")
    check(leftovers(db) == [] and not os.path.exists(db), "... nothing left")

    # A full disk: a 2 MiB tmpfs, mounted in a user and mount namespace (unprivileged when the
    # kernel allows it; CI runs as root). If neither works, this fails and says why.
    unshare = shutil.which("unshare")
    mnt = os.path.join(WORK, "tmpfs")
    os.makedirs(mnt, exist_ok=True)
    db = os.path.join(mnt, "full.sqlite")
    script = (f"mount -t tmpfs -o size=2m tmpfs '{mnt}' && exec '{IMPORTER}' --config '{cfg}' "
              f"--db '{db}' --quiet")
    p = None
    for flags in (["-Urm"], ["-m"]):
        if not unshare:
            break
        p = subprocess.run([unshare] + flags + ["sh", "-c", script], capture_output=True,
                           text=True, env=env, timeout=600)
        if "mount" not in p.stderr.split("geodir-import")[0]:
            break
    if check(p is not None and "geodir-import" in p.stderr,
             f"a 2 MiB tmpfs can be mounted (unshare -Urm or, as root, unshare -m): "
             f"{'no unshare program' if not unshare else (p.stderr[-300:] if p else '')}"):
        print(p.stderr[-800:])
        check(p.returncode == 1 and f"{db}.tmp-" in p.stderr and "disk full" in p.stderr
              and "ENOSPC" in p.stderr and "geometry columns not created" not in p.stderr,
              "full tmpfs: the message names the file and says the disk is full (ENOSPC)")

    # A field longer than GDAL's CSV reader takes (OGR_CSV_MAX_LINE_SIZE, 10 MB by default; 1 MiB
    # here, with a 2 MiB field: GDAL grows its line buffer by small steps, and under ASan every
    # step copies it, minutes for 10 MB): file, line, field, and what is wrong.
    big = 2 << 20
    with open(os.path.join(FIXTURES, "organismes.csv"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    row = lines[2].split(",")
    row[4] = "X" * big
    big_csv = os.path.join(WORK, "organismes-champ-geant.csv")
    with open(big_csv, "w", encoding="utf-8") as f:
        f.write("\n".join(lines[:2] + [",".join(row)] + lines[3:]) + "\n")
    p = run(["--config", config("bigcsv", [src("service-public", "service-public-csv", big_csv)],
                                communes=["55517"]), "--db", os.path.join(WORK, "bigcsv.sqlite")],
            {"OGR_CSV_MAX_LINE_SIZE": str(1 << 20)})
    want = f"{big_csv}:3: field 'nom' (column 5): field too long ({big} bytes"
    check(p.returncode == 1 and want in p.err,
          f"a CSV field over GDAL's limit: {want!r} ({p.err[-400:]})")

    # A 10 MiB string in a GeoJSON: GDAL calls it a number; we say which field and where.
    with open(os.path.join(FIXTURES, "lieux.geojson"), encoding="utf-8") as f:
        g = json.load(f)
    g["features"][1]["properties"]["description"] = "Y" * (10 << 20)
    big_json = os.path.join(WORK, "lieux-chaine-geante.geojson")
    with open(big_json, "w", encoding="utf-8") as f:
        f.write(json.dumps(g["features"][0]).join(['{"type": "FeatureCollection", "features": [\n', ",\n"])
                + json.dumps(g["features"][1]) + "\n]}\n")
    p = run(["--config", config("bigjson", [src("local", "local-geojson", big_json)]),
             "--db", os.path.join(WORK, "bigjson.sqlite")])
    want = f"{big_json}:3:"
    check(p.returncode == 1 and want in p.err and f"field 'description': string too long "
          f"({10 << 20} bytes" in p.err, f"10 MiB GeoJSON string: line 3, the field, the size "
          f"({p.err[-400:]})")


# --------------------------------------------------------------------------------------------
def write_sp(path, records):
    """A service-public.fr-shaped CSV of (source_id, name, insee, lat, lon) records."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(SP_HEADER)
        for sid, name, code, lat, lon in records:
            f.write(f"{sid},mairie,{code},2024-01-01,{name},géopostale,1 rue de l'Exemple,55250,"
                    f"Commune,{lat:.6f},{lon:.6f},6,,,,1,{sid}.xml\n")


def order_stats(db):
    """(places, median and mean |fid difference| between each place and its nearest
    neighbour, median distance between places of consecutive fids / median distance to the
    nearest neighbour)."""
    pts = [(r["fid"], r["lat"], r["lon"])
           for r in sql(db, "SELECT fid, ST_Y(geom) AS lat, ST_X(geom) AS lon FROM places"
                            " ORDER BY fid")]
    cell = 0.002   # degrees: a few places per cell
    grid = {}
    for i, (_, lat, lon) in enumerate(pts):
        grid.setdefault((int(lat / cell), int(lon / cell)), []).append(i)
    diffs, nn_dist = [], []
    for i, (fid, lat, lon) in enumerate(pts):
        gy, gx = int(lat / cell), int(lon / cell)
        best = None
        ring = 1
        while best is None or ring <= 2:   # one more ring than needed: the true nearest
            for y in range(gy - ring, gy + ring + 1):
                for x in range(gx - ring, gx + ring + 1):
                    for j in grid.get((y, x), ()):
                        if j != i:
                            d = haversine(lat, lon, pts[j][1], pts[j][2])
                            if best is None or d < best[0]:
                                best = (d, j)
            ring += 1
        diffs.append(abs(fid - pts[best[1]][0]))
        nn_dist.append(best[0])
    step = [haversine(a[1], a[2], b[1], b[2]) for a, b in zip(pts, pts[1:])]
    diffs.sort()
    return (len(pts), diffs[len(diffs) // 2], sum(diffs) / len(diffs),
            sorted(step)[len(step) // 2] / max(sorted(nn_dist)[len(nn_dist) // 2], 1e-6))


def check_order(db, label):
    n, median, mean, step = order_stats(db)
    print(f"{label}: {n} places, |fid - nearest neighbour's fid| median {median}, mean "
          f"{mean:.1f} (random order: ~{n / 3:.0f}); consecutive fids {step:.2f} x the "
          f"nearest-neighbour distance")
    check(median <= 4 and mean < n / 30,
          f"{label}: the nearest neighbour of a place has a near fid (median {median}, mean "
          f"{mean:.1f}, n {n})")
    check(step < 3, f"{label}: places of consecutive fids are near each other ({step:.2f} x)")


def check_fid_tables(db, label):
    """Every table that refers to a place's fid agrees with places."""
    n = one(db, "SELECT count(*) FROM places")
    check(one(db, "SELECT count(*) FROM idx_places_geom") == n
          and one(db, "SELECT count(*) FROM places AS p JOIN idx_places_geom AS r ON r.pkid ="
                      " p.fid WHERE r.xmin <= ST_X(p.geom) AND r.xmax >= ST_X(p.geom)"
                      " AND r.ymin <= ST_Y(p.geom) AND r.ymax >= ST_Y(p.geom)") == n,
          f"{label}: one R*Tree entry per place, at its point ({n})")
    fts = one(db, "SELECT count(*) FROM places_fts WHERE places_fts MATCH 'genere'")
    both = one(db, "SELECT count(*) FROM places WHERE fid IN (SELECT rowid FROM places_fts"
                   " WHERE places_fts MATCH 'genere') AND name LIKE '%généré%'")
    named = one(db, "SELECT count(*) FROM places WHERE name LIKE '%généré%'")
    check(fts == both == named and named > 0,
          f"{label}: the FTS rowids are the fids of the places of that name ({fts}, {both}, "
          f"{named})")
    sql(db, "INSERT INTO places_fts(places_fts, rank) VALUES ('integrity-check', 1)")
    check(one(db, "SELECT count(*) FROM place_sources AS s LEFT JOIN places AS p"
                  " ON p.fid = s.place_fid WHERE s.place_fid IS NOT NULL AND (p.fid IS NULL"
                  " OR instr(' ' || coalesce(p.source_ids, p.id) || ' ', ' ' || s.id || ' ')"
                  " = 0)") == 0,
          f"{label}: every place_sources row names a place that lists its record")
    # A merged place that a correction hid keeps its merge rows (its records are in
    # place_sources with no place): no places row may then have its old fid.
    merges = one(db, "SELECT count(*) FROM place_merges")
    kept = one(db, "SELECT count(*) FROM place_merges AS m JOIN places AS p"
                   " ON p.fid = m.place_fid AND p.id = m.kept_id")
    hidden = one(db, "SELECT count(*) FROM place_merges AS m WHERE NOT EXISTS (SELECT 1 FROM"
                     " places WHERE fid = m.place_fid) AND EXISTS (SELECT 1 FROM place_sources"
                     " WHERE id = m.kept_id AND place_fid IS NULL)")
    check(merges > 0 and kept + hidden == merges and hidden == 1,
          f"{label}: every place_merges row names its kept place, or its hidden one "
          f"({merges} = {kept} + {hidden})")
    check(one(db, "SELECT count(*) FROM place_records") == one(
              db, "SELECT sum(rows_imported) FROM sources WHERE name LIKE 'sp-_'")
          + one(db, "SELECT count(*) FROM places WHERE source = 'overrides'"),
          f"{label}: place_records holds every record once")


def case_spatial_order():
    """Places are written along the Hilbert curve of their points: near places get near
    fids whatever the order of the input, after merging, local corrections and a refresh;
    every table keyed on fid stays consistent."""
    rng = random.Random(20261129)
    codes = sorted(BOXES)

    def point(code):
        x0, y0, x1, y1 = BOXES[code]
        return y0 + (y1 - y0) * rng.random(), x0 + (x1 - x0) * rng.random()

    a = []
    for i in range(3000):
        code = rng.choice(codes)
        a.append((f"a-{i}", f"Bureau généré n°{i} (exemple)", code) + point(code))
    # b: 200 of a's places seen again 10 m away (merged by name), and 800 others.
    b = [(f"b-{i}", name, code, lat + 0.00009, lon) for i, (_, name, code, lat, lon)
         in enumerate(a[:200])]
    for i in range(200, 1000):
        code = rng.choice(codes)
        b.append((f"b-{i}", f"Guichet généré n°{i}", code) + point(code))
    rng.shuffle(a)
    rng.shuffle(b)
    fa, fb = os.path.join(WORK, "sp-a.csv"), os.path.join(WORK, "sp-b.csv")
    ovr = os.path.join(WORK, "corrections.json")
    with open(ovr, "w", encoding="utf-8") as f:
        json.dump({"add": [{"id": "ajout", "name": "Salle ajoutée", "category": "culture-venue",
                            "lat": 48.975, "lon": 5.20, "insee": "55040"}],
                   "fix": [{"id": "sp-a:a-7", "lat": 48.93, "lon": 5.11}],
                   "hide": ["sp-a:a-5"]}, f)

    def import_to(db, files, extra=()):
        cfg = config("order-" + os.path.basename(db),
                     [src("cog", "cog-communes", "cog.csv"),
                      src("limites", "commune-boundaries", "limites.geojson"),
                      src("sp-a", "service-public-csv", files[0]),
                      src("sp-b", "service-public-csv", files[1])], overrides=ovr)
        p = run(["--config", cfg, "--db", db, "--quiet", "--no-exports"] + list(extra))
        check(p.returncode == 0, f"import into {os.path.basename(db)} {' '.join(extra)}"
                                 f" ({p.err[-400:]})")
        return p.returncode == 0

    write_sp(fa, a)
    write_sp(fb, b)
    db = os.path.join(WORK, "order.sqlite")
    if not import_to(db, (fa, fb)):
        return
    check(one(db, "SELECT count(*) FROM place_merges") >= 150,
          "the copies in sp-b are merged into sp-a's places")
    check_order(db, "full import")
    check_fid_tables(db, "full import")

    # The same records in the opposite order: the very same fids.
    ra, rb = os.path.join(WORK, "sp-a-rev.csv"), os.path.join(WORK, "sp-b-rev.csv")
    write_sp(ra, a[::-1])
    write_sp(rb, b[::-1])
    db2 = os.path.join(WORK, "order-reversed.sqlite")
    if import_to(db2, (ra, rb)):
        q = "SELECT fid, id, ST_X(geom) AS x, ST_Y(geom) AS y FROM places ORDER BY fid"
        check(sql(db, q) == sql(db2, q), "input in the opposite order: the same fids")

    # Refresh of sp-b with 300 new places: its records and the kept ones are written along the
    # curve again (the new places are not appended at the end).
    for i in range(1000, 1300):
        code = rng.choice(codes)
        b.append((f"b-{i}", f"Guichet généré n°{i}", code) + point(code))
    rng.shuffle(b)
    write_sp(fb, b)
    if not import_to(db, (fa, fb), ["--source", "sp-b"]):
        return
    check(one(db, "SELECT count(*) FROM places WHERE source = 'sp-b' AND source_id >= 'b-1000'"
                  " AND length(source_id) = 6") == 300, "refresh: the 300 new places are in")
    n = one(db, "SELECT count(*) FROM places")
    check(one(db, "SELECT min(fid) FROM places WHERE source = 'sp-b' AND source_id >= 'b-1000'"
                  " AND length(source_id) = 6") < n / 4, "refresh: new places take fids along the curve, not after the others")
    check_order(db, "refresh")
    check_fid_tables(db, "refresh")


# --------------------------------------------------------------------------------------------
def case_reproject():
    """Lambert-93 (EPSG:2154) x/y to WGS84 through OGR/PROJ, checked against cs2cs values."""
    prof = profiles_dir()
    expected = {   # cs2cs EPSG:2154 EPSG:4326 on the fixture's x/y (PROJ 9, Debian 12)
        "l93:finess-010780195": (46.211257006, 5.254202949),   # FINESS check point
        "l93:l93-beausite": (48.976208070, 5.225857362),
        "l93:l93-vaubecourt": (48.933200805, 5.110839872),
        "l93:l93-seuil": (48.978500385, 5.063819838),
        "l93:l93-marseille": (43.296500029, 5.369799982),
    }
    cfg = config("l93", [{"name": "l93", "profile": "lambert93-test", "path": "lambert93.csv"}],
                 communes=["01053", "13055", "55040", "55517", "55532"])
    db = os.path.join(WORK, "l93.sqlite")
    p = run(["--config", cfg, "--db", db, "--profiles", prof])
    if not check(p.returncode == 0, f"exit 0 (got {p.returncode}: {p.err[-800:]})"):
        return
    got = {r["id"]: r for r in sql(db, "SELECT id, X(geom) AS lon, Y(geom) AS lat FROM places")}
    for pid, (lat, lon) in expected.items():
        g = got.get(pid)
        d = haversine(lat, lon, g["lat"], g["lon"]) if g else float("inf")
        check(d < 1.0, f"{pid}: {d:.3f} m from the cs2cs position (< 1 m)")
    # and the swapped FINESS x/y (x = northing) is not silently accepted by this profile
    check(len(got) == 5, "5 points")


# --------------------------------------------------------------------------------------------
def case_progress():
    """A progress line when stderr is a terminal (rows, rate, share, time left), none
    otherwise. Nothing depends on the machine's speed: the run is held before its swap (hook)
    while its output so far is checked, and the count of redraws is bounded by the time this
    same run spent reading (its JSON report), at most one each 250 ms."""
    gen = os.path.join(WORK, "organismes-80k.csv")
    generate_sp(gen, 80000)
    cfg = config("progress", [src("cog", "cog-communes", "cog.csv"),
                              src("limites", "commune-boundaries", "limites.geojson"),
                              src("service-public", "service-public-csv", gen)])
    db = os.path.join(WORK, "progress.sqlite")
    fifo = os.path.join(WORK, "progress.fifo")
    os.mkfifo(fifo)
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "GEODIR_PROFILES"}
    env.update({"GEODIR_IMPORT_PAUSE_AT": "before-swap", "GEODIR_IMPORT_PAUSE_FIFO": fifo})
    # --no-exports: the full exports (tests/exports) would triple each 80,000-row run.
    proc = subprocess.Popen([IMPORTER, "--config", cfg, "--db", db, "--no-exports"],
                            stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    chunks = []

    def read_terminal():
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()

    def text():
        return b"".join(chunks).decode("utf-8", "replace")
    marker = f"paused at before-swap (pid {proc.pid})"
    if not poll_until(lambda: marker in text() or proc.poll() is not None, 300,
                      "the run is held before its swap (hook)") or marker not in text():
        proc.kill()
        proc.wait()
        print(text()[-2000:])
        check(False, "the run reached its swap")
        return
    held = text()
    # While held: every source's line and the steps after them were drawn on the terminal.
    check("\r\033[K  index spatiaux" in held,
          "while held: the steps after reading are shown (\\r, erase, 'index spatiaux…')")
    with open(fifo, "w") as f:
        f.write("go\n")
    out = proc.stdout.read().decode()
    proc.wait()
    reader.join(30)
    os.close(master)
    err = text()
    check(proc.returncode == 0, f"exit 0 (got {proc.returncode})")
    lines = [l for l in err.split("\r") if "lignes/s" in l]
    with open(db + ".report.json", encoding="utf-8") as f:
        secs = {x.get("name"): x.get("seconds") for x in json.load(f)["sources"]}
    read_s = secs.get("service-public") or 0
    print(f"{len(lines)} progress redraws while the 80,000 rows were read in {read_s:.2f} s "
          f"(report); last: {lines[-1] if lines else None!r}")
    shape = re.compile(r"^\033\[K  \S+ +[\d ]+ lignes +[\d ]+ lignes/s(   +\d+ %   reste ~\d+ s)?$")
    check(all(shape.match(l) for l in lines),
          f"every redraw is erase + name, rows, rate[, share, time left] "
          f"({[l for l in lines if not shape.match(l)][:2]})")
    # Redrawn once each 250 ms of reading at most (one more for each of the 3 sources' start);
    # at least once when the big source took 0.75 s (a redraw every 256 rows past 250 ms).
    check(len(lines) <= 4 * sum(v or 0 for v in secs.values()) + 3,
          f"at most ~4 redraws a second of reading ({len(lines)} in {sum(secs.values()):.2f} s)")
    if read_s >= 0.75:
        check(len(lines) >= 1 and any("service-public" in l and "%" in l and "reste" in l
                                      for l in lines),
              f"read in {read_s:.2f} s: the line shows rows, rate, share and time left")
    else:
        print(f"     read in {read_s:.2f} s, under 750 ms: no redraw is due (the shape of any "
              "that came is checked above)")
    check(err.rstrip().endswith("\033[K") or "imported" in out, "the line is erased at the end")
    p = run(["--config", cfg, "--db", db, "--quiet", "--no-exports"])
    check(p.returncode == 0 and "lignes/s" not in p.err, "no progress line with --quiet")
    p = run(["--config", cfg, "--db", db, "--no-exports"])
    check("lignes/s" not in p.err, "no progress line when stderr is not a terminal")


# --------------------------------------------------------------------------------------------
def case_realdata_territory():
    """The real service-public file: its 3 territory town halls with a neighbour's point, and
    the offices of the whole Meuse outside their commune."""
    datasets = os.environ.get("GDIR_DATASETS") or os.path.join(SRC, "..", "shared", "datasets")
    db = os.path.join(WORK, "real.sqlite")
    t0 = time.monotonic()
    p = run(["--config", os.path.join(SRC, "config", "aire-argonne-shared.json"),
             "--data-dir", datasets, "--db", db])
    print(p.out)
    print(f"real territory files: {time.monotonic() - t0:.2f} s")
    if not check(p.returncode == 0, f"exit 0 ({p.err[-1000:]})"):
        return
    w = [x for x in csv_rows(db + ".warnings.csv") if x["kind"] == "outside_commune"]
    for x in w:
        print(f"  {x['id']} {x['insee']} {float(x['distance_m']):.0f} m")
    got = sorted(x["id"] for x in w)
    check(got == ["service-public:mairie-55194-01", "service-public:mairie-55290-01",
                  "service-public:mairie-55577-01"],
          f"the 3 territory town halls outside their commune: Foucaucourt-sur-Thabas, "
          f"Lignières-sur-Aire, Waly (got {got})")
    check(all(x["source"] == "service-public" for x in w), "no La Poste point flagged")

    # The whole département: every commune of the file and of the boundaries is a member.
    codes = set()
    with open(os.path.join(datasets, "annuaire-service-public_2022-01_organismes-55.csv"),
              encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if len(r["code_insee"]) == 5:
                codes.add(r["code_insee"])
    with open(os.path.join(datasets, "communes-55-meuse.geojson"), encoding="utf-8") as f:
        for feat in json.load(f)["features"]:
            codes.add(feat["properties"]["code"])
    cfg = config("meuse", [src("limites", "commune-boundaries", "communes-55-meuse.geojson"),
                           src("service-public", "service-public-csv",
                               "annuaire-service-public_2022-01_organismes-55.csv")],
                 communes=sorted(codes), data_dir=datasets)
    db2 = os.path.join(WORK, "meuse.sqlite")
    p = run(["--config", cfg, "--db", db2])
    print(p.out)
    if not check(p.returncode == 0, f"Meuse: exit 0 ({p.err[-1000:]})"):
        return
    w = [x for x in csv_rows(db2 + ".warnings.csv") if x["kind"] == "outside_commune"]
    far = sorted(w, key=lambda x: -float(x["distance_m"]))[:5]
    print("farthest:", [(x["id"], round(float(x["distance_m"]))) for x in far])
    # SOURCES.md counts 59 geocoded offices not inside their own commune's 2018 polygon: 58
    # outside it, and the Nancy court of appeal (54395), whose commune has no polygon in the
    # Meuse file, so that nothing can be said about it.
    unchecked = sql(db2, "SELECT id FROM places WHERE insee NOT IN"
                         " (SELECT insee FROM communes WHERE geom IS NOT NULL)")
    check(len(w) == 58 and [r["id"] for r in unchecked] == ["service-public:cour_appel-54395-01"],
          f"58 offices of Meuse outside their commune + 1 whose commune has no boundary = the "
          f"59 of SOURCES.md (got {len(w)}, unchecked {unchecked})")
    culey = next((x for x in w if x["id"] == "service-public:mairie-55138-01"), {})
    check(float(culey.get("distance_m") or 0) > 200000,
          f"Culey's town hall, placed in Paris, is > 200 km away (got {culey.get('distance_m')})")


CASES = {"good": case_good, "bad_input": case_bad_input, "fatal": case_fatal,
         "usage": case_usage, "samples": case_samples,
         "addresses_geocode": case_addresses_geocode, "territory": case_territory,
         "merge": case_merge, "refresh": case_refresh, "atomic": case_atomic,
         "reproject": case_reproject, "progress": case_progress,
         "realdata_territory": case_realdata_territory, "spatial_order": case_spatial_order,
         "concurrent": case_concurrent, "leftovers": case_leftovers,
         "guard": case_guard, "messages": case_messages}

if __name__ == "__main__":
    if not shutil.which(SQLITE3) and not os.path.exists(SQLITE3):
        print(f"FAIL the sqlite3 shell ({SQLITE3}) is needed: apt-get install sqlite3 "
              "libsqlite3-mod-spatialite")
        sys.exit(1)
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    CASES[CASE]()
    print(f"{CASE}: {len(failures)} failed")
    sys.exit(1 if failures else 0)
