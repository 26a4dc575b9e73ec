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
"""
import csv
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys

CASE, IMPORTER, SQLITE3, FIXTURES, SRC, WORK = sys.argv[1:7]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)
    return cond


def run(args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k != "GEODIR_PROFILES"}
    env.update(env_extra or {})
    p = subprocess.run([IMPORTER] + args, capture_output=True, timeout=120, env=env)
    p.out = p.stdout.decode("utf-8", "replace")
    p.err = p.stderr.decode("utf-8", "replace")
    return p


def sql(db, query):
    """Rows of one query as dicts, through the sqlite3 shell with SpatiaLite loaded."""
    p = subprocess.run([SQLITE3, "-bail", "-json", db],
                       input=".load mod_spatialite\n" + query + ";\n",
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"sqlite3 failed on {query!r}: {p.stderr}")
    return json.loads(p.stdout) if p.stdout.strip() else []


def one(db, query):
    rows = sql(db, query)
    return list(rows[0].values())[0] if rows else None


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


def table(stdout):
    """The summary table: {source: (read, imported, outside, filtered, rejected)}."""
    rows = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 7 and parts[-6].isdigit():
            rows[parts[0]] = tuple(int(x) for x in parts[-6:-1])
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
    check(one(db, "PRAGMA user_version") == 2, "PRAGMA user_version = 2")
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
    check(lp.get("name") == "La Poste – Agence postale communale (BEAUSITE)"
          and lp.get("address") == "13 ROUTE DE CLERMONT\nMAIRIE"
          and lp.get("category") == "post-office", "La Poste: name template, address fields")
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
                         src("local", "local-geojson", BAD_LOCAL)])
    db = os.path.join(WORK, "bad.sqlite")
    p = run(["--config", cfg, "--db", db])
    print(p.out)
    print(p.err)
    check(p.returncode == 0, f"usable rows were imported: exit 0 (got {p.returncode})")
    t = table(p.out)
    check(t.get("service-public") == (11, 2, 0, 0, 9), f"service-public counts (got {t.get('service-public')})")
    check(t.get("laposte") == (3, 1, 0, 0, 2), f"laposte counts (got {t.get('laposte')})")
    check(t.get("local") == (8, 1, 0, 0, 7), f"local counts (got {t.get('local')})")

    # (file, line, field, reason prefix): line numbers are physical lines (header = 1); the
    # record on lines 3-4 has a quoted line break, so GDAL's FID would be off by one after it.
    expected = [
        (BAD_SP, "5", "line", "malformed CSV line: 5 fields, the header has 17"),
        (BAD_SP, "6", "nom", "invalid UTF-8"),
        (BAD_SP, "7", "latitude/longitude", "coordinates outside France"),
        (BAD_SP, "8", "id", "duplicate id"),
        (BAD_SP, "9", "latitude/longitude", "no coordinates"),
        (BAD_SP, "10", "latitude", "not a number"),
        (BAD_SP, "11", "line", "malformed CSV line: 18 fields, the header has 17"),
        (BAD_SP, "12", "nom", "name longer than 300 bytes"),
        (BAD_SP, "13", "line", "malformed CSV line: unbalanced quote"),
        (BAD_LP, "3", "Latitude/Longitude", "coordinates outside France"),
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
    check(by.get((BAD_SP, "7"), {}).get("value") == "lat 40.4168000, lon -3.7038000",
          "coordinates of an outside-France reject in the value column")
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
                                       "outside_france": 1, "duplicate_id": 1},
          f"JSON report: rejects by reason (got {sp['rejected_by_reason']})")

    ids = sorted(r["id"] for r in sql(db, "SELECT id FROM places"))
    check(ids == ["laposte:10032A", "local:ok-1", "service-public:mairie-55517-01",
                  "service-public:mairie-55532-01"], f"only the good rows imported (got {ids})")
    check(one(db, "SELECT name FROM places WHERE id = 'service-public:mairie-55532-01'")
          == "Mairie - Vaubecourt", "a duplicate keeps the first row")
    check(one(db, "SELECT address FROM places WHERE id = 'service-public:mairie-55517-01'")
          == "1 place Raymond-Poincaré Triaucourt-en-Argonne",
          "the record with a quoted line break imported")
    check(one(db, "SELECT rows_rejected FROM sources WHERE name = 'service-public'") == 9,
          "sources.rows_rejected")

    # The same file with a UTF-8 byte order mark and CRLF line ends: same rows, same lines.
    with open(os.path.join(FIXTURES, BAD_SP), "rb") as f:
        data = f.read()
    crlf = os.path.join(WORK, "crlf-" + BAD_SP)
    with open(crlf, "wb") as f:
        f.write(b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"))
    db2 = os.path.join(WORK, "crlf.sqlite")
    p = run(["--config", config("crlf", [src("service-public", "service-public-csv", crlf)]),
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
    rows = rejects(db + ".rejects.csv")
    check([r["line"] for r in rows] == ["5", "9", "10", "11", "13"],
          f"nothing usable: the rejected rows are still reported (got {[r['line'] for r in rows]})")
    with open(db + ".report.json", encoding="utf-8") as f:
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
    expect("config syntax error", ["--config", broken, "--db", db], "not a JSON object")
    expect("unknown profile", ["--config", config("noprofile", [src("x", "no-such-profile", "cog.csv")]),
                               "--db", db], "no-such-profile.json: no such profile")
    expect("profile with an unknown key",
           ["--config", config("badkey", [src("cog", "cle-inconnue", "cog.csv")]), "--db", db,
            "--profiles", profiles], "cle-inconnue.json: (top): unknown key 'fieldz'")
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


CASES = {"good": case_good, "bad_input": case_bad_input, "fatal": case_fatal,
         "usage": case_usage, "samples": case_samples}

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
