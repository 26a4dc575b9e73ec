"""geodir_test — what every Python integration test of geodir needs, written once.

- check(cond, what) / failures / finish(): the checks a test makes, printed one per line
  ("ok   ..." / "FAIL ..."), and the exit status they add up to.
- poll_until(cond, timeout, what): waits for something to happen (a file, a log line, a server
  answer) by calling cond() until it returns a true value, and is one check: ok as soon as it
  does, FAIL naming what did not happen at the deadline. Tests never sleep to wait for an event:
  they poll for it with a deadline, or hold the program at a step with a hook (the importer's
  GEODIR_IMPORT_PAUSE_AT / GEODIR_IMPORT_PAUSE_FIFO, importer/imp_hook.h; ImportPause in
  tests/import/test_import.py). A sleep stays only where the delay is what is tested (a slow
  client's pace, a clock that must change second).
- require_data(folder, names): the real-data files a test reads (GDIR_REALDATA=ON); a missing
  folder or file is a failed check naming its path, never a skip (tests/lib/require_data.py
  runs it before every realdata test).
- ApiServer: the real geodir-api on 127.0.0.1 port 0; the port is read back from the server's
  `listening on http://127.0.0.1:PORT` line; GEODIR_* variables of the caller's environment are
  dropped so that only the test's own settings apply; SIGTERM on stop, exit code returned
  (stop_clean: the same and the check that it is 0).
- http_request(): one request on a fresh connection, headers lower-cased.
- haversine(): the distance in metres of common/gdir_geo.c, operation for operation;
  json_answer(): the checks of a JSON answer (status, Content-Type, body parses).
- debian_module(name, package): a module of a Debian python3-* package (icalendar, dateutil,
  feedparser…), which lives in /usr/bin/python3: the test re-executes itself there when the
  running Python lacks it; still missing, it is a failed check with the apt-get line.
- run_program(): a program run to its end, its output captured and decoded (.out, .err);
  import_summary(): the importer's summary table; sqlite_rows() / sqlite_one(): a query through the sqlite3 shell with SpatiaLite loaded;
  db_rows() / db_meta(): a query, a meta value, through Python's sqlite3 on the file opened read-only.
- Fixture builders (the build_db.py scripts): fresh_dir(), fixture_dir() (fresh, with files of
  tests/http/fixtures copied in), write_config(), run_import() (the real geodir-import, its
  output printed, exit 1 on failure), the five member communes of tests/http/fixtures
  (TEST_COMMUNES, TEST_POSTCODES, TEST_BOX, five_communes_config()), generated places
  (place_feature(), write_places()) and their two usual sources (local_and_osm_sources()).

A test puts tests/lib on sys.path:
    sys.dont_write_bytecode = True   # no __pycache__ in the sources
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
    from geodir_test import ApiServer, check, finish
Standard library only.
"""
import http.client
import importlib
import json
import math
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import datetime
import zoneinfo

failures = []


def check(cond, what):
    """Records one check; returns cond so that a caller can stop early on a failure."""
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def finish(label="check"):
    """Prints the summary and exits 1 when any check failed, 0 otherwise."""
    print(f"\n{'all' if not failures else len(failures)} {label}s "
          f"{'passed' if not failures else 'FAILED'}")
    for f in failures:
        print("  - " + f)
    sys.exit(1 if failures else 0)


def paris_today():
    """Today's date in Europe/Paris: the date the server writes and reads (between 22:00 and
    midnight UTC it is already tomorrow there)."""
    return datetime.datetime.now(zoneinfo.ZoneInfo("Europe/Paris")).date()


def debian_module(name, package):
    """Imports and returns module name of Debian's package (python3-…): Debian installs them
    for /usr/bin/python3, not for the Python CMake may have found, so the script is run again
    under /usr/bin/python3 when the module is missing here (call it before the test does
    anything). Missing there too: a failed check naming the package, and the test ends."""
    try:
        return importlib.import_module(name)
    except ImportError:
        pass
    system = "/usr/bin/python3"
    if os.path.exists(system) and os.path.realpath(sys.executable) != os.path.realpath(system):
        os.execv(system, [system] + sys.argv)
    check(False, f"{package} is installed (apt-get install {package})")
    finish()


def poll_until(cond, timeout, what, interval=0.02):
    """Calls cond() until it returns a true value or timeout seconds have passed; records the
    check what (ok, or FAIL "... (not within N s)") and returns cond's last value. The deadline
    is a bound for a hung program, not a guess at how long something takes: give it room."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value or time.monotonic() >= deadline:
            break
        time.sleep(interval)   # the polling interval, not a wait for the event
    check(bool(value), what if value else f"{what} (not within {timeout} s)")
    return value


def require_data(folder, names):
    """Checks that folder and each of names (relative to it) exist; each missing one is a
    failed check with its path. Returns True when everything is there."""
    hint = ("the real-data tests (GDIR_REALDATA=ON) read GDIR_SHARED_DATASETS; put the files "
            "of ../shared/datasets there (its SOURCES.md) or configure with -DGDIR_REALDATA=OFF")
    if not os.path.isdir(folder):
        return check(False, f"real data: the folder {folder} is missing ({hint})")
    ok = True
    for name in names:
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            ok = check(False, f"real data: {path} is missing ({hint})") and ok
    return ok


EARTH_RADIUS_M = 6371008.8   # the mean radius common/gdir_geo.c uses


def haversine(lat1, lon1, lat2, lon2):
    """The formula of common/gdir_geo.c, operation for operation, so that results agree to the
    last bit (the place exactly at a radius depends on it)."""
    deg2rad = math.pi / 180.0
    p1, p2 = lat1 * deg2rad, lat2 * deg2rad
    dp, dl = (lat2 - lat1) * deg2rad, (lon2 - lon1) * deg2rad
    s1, s2 = math.sin(dp / 2), math.sin(dl / 2)
    a = s1 * s1 + math.cos(p1) * math.cos(p2) * s2 * s2
    a = min(a, 1.0)
    return 2.0 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def json_answer(what, answer, status, ctype):
    """answer = (status, headers, body) of the request what: checks the status and the
    Content-Type, parses the body. Returns the document, or None when the status is not the
    one expected or the body is not JSON (a failed check either way)."""
    st, hdrs, body = answer
    ok = check(st == status, f"{what} -> {status} (got {st}: {body[:200]!r})")
    check(hdrs.get("content-type") == ctype,
          f"  Content-Type {ctype} (got {hdrs.get('content-type')})")
    try:
        doc = json.loads(body)
    except ValueError:
        check(False, f"  body is JSON ({body[:100]!r})")
        return None
    return doc if ok else None


def http_request(port, method, target, body=None, headers=None, chunked=False, timeout=60):
    """Returns (status, {lower-case header: value}, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, target, body=body, headers=headers or {}, encode_chunked=chunked)
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def run_program(args, timeout, env=None):
    """Runs args to its end with stdout and stderr captured; returns the CompletedProcess with
    .out and .err, the two decoded as UTF-8 (undecodable bytes replaced)."""
    p = subprocess.run(args, capture_output=True, timeout=timeout, env=env)
    p.out = p.stdout.decode("utf-8", "replace")
    p.err = p.stderr.decode("utf-8", "replace")
    return p


def import_summary(stdout):
    """The importer's summary table in its stdout: {source: (read, imported, outside, filtered,
    rejected, geocoded)}."""
    rows = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 9 and all(x.isdigit() for x in parts[2:8]):
            rows[parts[0]] = tuple(int(x) for x in parts[2:8])
    return rows


def sqlite_rows(sqlite3, db, query):
    """Rows of one query as dicts, through the sqlite3 shell (path sqlite3) with SpatiaLite
    loaded; raises RuntimeError with the shell's stderr when it fails."""
    p = subprocess.run([sqlite3, "-bail", "-json", db],
                       input=".load mod_spatialite\n" + query + ";\n",
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"sqlite3 failed on {query!r}: {p.stderr}")
    return json.loads(p.stdout) if p.stdout.strip() else []


def sqlite_one(sqlite3, db, query):
    """The first column of the first row of query (sqlite_rows), or None without a row."""
    rows = sqlite_rows(sqlite3, db, query)
    return list(rows[0].values())[0] if rows else None


def db_rows(db, query, params=()):
    """All rows (tuples) of query on the database file db, opened read-only."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(query, params).fetchall()
    finally:
        con.close()


def db_meta(db, key):
    """The value of key in the meta table of db, or None."""
    rows = db_rows(db, "SELECT value FROM meta WHERE key = ?", (key,))
    return rows[0][0] if rows else None


def place_and_sources(places, pid):
    """The place pid of places (a dict by id of rows with field_sources; {} when absent) and its
    field_sources as a dict (the field -> source map of a merged or fixed place)."""
    place = places.get(pid, {})
    return place, json.loads(place.get("field_sources") or "{}")


class ApiServer:
    """geodir-api started with args (give "--port", "0"); stderr goes to log_path.
    required=False: a server that does not start is one failed check (self.port stays None,
    its stderr is printed) instead of the end of the test."""

    def __init__(self, api, args, log_path, env=None, name="server", start_timeout=15,
                 required=True):
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "w")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("GEODIR_")}
        full_env.update(env or {})
        self.proc = subprocess.Popen([api] + list(args), stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, env=full_env)
        self.port = None
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if line.startswith("listening on http://127.0.0.1:"):
                self.port = int(line.strip().rsplit(":", 1)[1])
                break
        if not check(self.port is not None, f"{name}: server announced its port"):
            self.proc.kill()
            self.proc.wait()
            self.log.close()
            if required:
                finish()
            print(f"     {name} stderr: {self.stderr()[-600:].strip()}")
            return
        self.base = f"http://127.0.0.1:{self.port}"

    def request(self, method, target, body=None, headers=None, chunked=False, timeout=60):
        return http_request(self.port, method, target, body, headers, chunked, timeout)

    def stop(self, timeout=20):
        """SIGTERM; returns the exit code, or a string when the server had to be killed."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = f"killed after {timeout} s"
        self.log.close()
        return code

    def stop_clean(self, what):
        """stop, and the check that the server exited with status 0 (what, then the status)."""
        code = self.stop()
        check(code == 0, f"{what} (exit {code})")
        return code

    def stderr(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()


# --- fixture builders ------------------------------------------------------------------------

# The five member communes of tests/http/fixtures (boundaries in its communes.geojson).
TEST_COMMUNES = ["55017", "55040", "55123", "55517", "55532"]
TEST_POSTCODES = {"55017": "55250", "55040": "55250", "55123": "55260", "55517": "55250",
                  "55532": "55250"}
TEST_BOX = (48.86, 5.02, 49.05, 5.24)     # minlat, minlon, maxlat, maxlon inside the territory


def fresh_dir(path):
    """Removes path if it exists and makes it again, empty."""
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)


def fixture_dir(work, src, *names):
    """fresh_dir(work), then copies there each of names from tests/http/fixtures (src: the
    source tree)."""
    fresh_dir(work)
    for name in names:
        shutil.copy(os.path.join(src, "tests", "http", "fixtures", name), work)


def place_feature(pid, name, category, insee, lon, lat, address, phone=None, email=None,
                  website=None, opening_hours=None, description=None):
    """A place of the `local-geojson` profile in commune insee (one of TEST_COMMUNES, whose
    postcode it takes), at lon, lat."""
    return {"type": "Feature",
            "properties": {"id": pid, "name": name, "category": category, "address": address,
                           "postcode": TEST_POSTCODES[insee], "insee": insee,
                           "phone": phone, "email": email, "website": website,
                           "opening_hours": opening_hours, "description": description},
            "geometry": {"type": "Point", "coordinates": [lon, lat]}}


def write_places(path, features):
    """Writes features as a GeoJSON FeatureCollection (UTF-8, not ASCII-escaped) to path."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f, ensure_ascii=False)


def local_and_osm_sources(**local_extra):
    """The two place sources of the generated fixtures: "local" (places-local.geojson,
    etalab-2.0 by default, data_date 2025-06-01, plus local_extra) and "osm"
    (places-osm.geojson, ODbL-1.0, publisher OpenStreetMap, data_date 2026-02-15)."""
    local = {"name": "local", "profile": "local-geojson", "path": "places-local.geojson",
             "data_date": "2025-06-01"}
    local.update(local_extra)
    return [local,
            {"name": "osm", "profile": "local-geojson", "path": "places-osm.geojson",
             "data_date": "2026-02-15", "title": "Lieux OpenStreetMap (essai)",
             "publisher": "OpenStreetMap", "licence": "ODbL-1.0"}]


def write_config(work, config, name="territory.json"):
    """Writes the territory configuration config into work/name; returns its path."""
    path = os.path.join(work, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=1)
    return path


def import_sample_territory(importer, src, work, db, **members):
    """The sample territory (config/aire-argonne.json over datasets/samples), with members
    added to or replacing its configuration's, written into work and imported into db without
    exports (run_import); returns the configuration's path."""
    with open(os.path.join(src, "config", "aire-argonne.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    cfg["data_dir"] = os.path.join(src, "datasets", "samples")
    cfg.update(members)
    config = write_config(work, cfg)
    run_import(importer, config, db, ["--quiet", "--no-exports"], timeout=600,
               what="sample territory")
    return config


def five_communes_config(name, short_name, phone="03 29 00 00 00"):
    """A territory configuration over TEST_COMMUNES with data_dir "." and one source, "limites"
    (communes.geojson, to be copied from tests/http/fixtures); the caller adds its own sources
    and open_data."""
    return {
        "territory": {
            "name": name, "short_name": short_name, "epci_siren": "200066140",
            "seat_insee": "55040", "communes": TEST_COMMUNES,
            "contact": {"email": "contact@example.org", "phone": phone,
                        "website": "https://example.org"},
            "default_licence": "etalab-2.0"},
        "map": {"center": [48.95, 5.15], "zoom": 11, "tiles_url": "", "tiles_attribution": ""},
        "data_dir": ".",
        "sources": [
            {"name": "limites", "profile": "commune-boundaries", "path": "communes.geojson",
             "data_date": "2026-01-01"},
        ],
    }


def run_import(importer, config, db, extra_args=(), cwd=None, timeout=300,
               what="fixture database", exit_on_failure=True):
    """Runs `importer --config CONFIG --db DB [extra_args]` with cwd (default: the database's
    folder) as working directory, so that anything it writes stays in the build tree; prints
    its output and the time it took. On failure (non-zero exit code or no database file) prints
    FAIL and exits 1, or returns False when exit_on_failure is False; returns True on success."""
    t0 = time.monotonic()
    run = subprocess.run([importer, "--config", config, "--db", db] + list(extra_args),
                         cwd=cwd or os.path.dirname(db), capture_output=True, text=True,
                         timeout=timeout)
    print(run.stdout)
    print(run.stderr, file=sys.stderr)
    print(f"import took {time.monotonic() - t0:.2f} s, exit code {run.returncode}")
    if run.returncode != 0 or not os.path.isfile(db):
        print(f"FAIL: the importer did not build the {what} ({db})", flush=True)
        if exit_on_failure:
            sys.exit(1)
        return False
    print(f"ok   {what} built: {db}", flush=True)
    return True
