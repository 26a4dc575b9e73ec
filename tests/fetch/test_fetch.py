#!/usr/bin/env python3
"""Integration tests of geodir-import --fetch: the real importer downloads from a local HTTP
server on 127.0.0.1 (port 0, started by this script; no other address is ever used), checks the
files, writes the manifest and imports them; the database is read back with the sqlite3 shell.

usage: test_fetch.py CASE IMPORTER SQLITE3 FIXTURES WORK_DIR
  CASE  good      download, manifest (size, SHA-256, URL, Last-Modified, ETag), import of the
                  fetched data; second run: conditional requests answered 304, files kept; the
                  server's file changes: downloaded again; a tampered file: downloaded again
        errors    404, 500, truncated body, HTML page, wrong content, empty file, size cap,
                  redirect loop, compression mismatches, refused connection: exit 1 naming the
                  source and the URL, database byte-identical, nothing left behind; bad fetch
                  entries: exit 2 before any request
        resume    a transfer cut short is resumed (Range + If-Range, 206); a changed file is
                  downloaded whole again
        archives  gzip and zip (deflate, stored, ZIP64) sources decompressed, --fetch-dir
        nofetch   without --fetch nothing is requested and the configured paths are imported
"""
import email.utils
import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import sys
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import check, failures, run_program, sqlite_rows  # noqa: E402

CASE, IMPORTER, SQLITE3, FIXTURES, WORK = sys.argv[1:6]
FIXTURES, WORK = os.path.abspath(FIXTURES), os.path.abspath(WORK)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def sha(data):
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------------------------
# The test server

POINCONT = read(os.path.join(FIXTURES, "poincont.csv"))
EXTRA_ROW = ("90004A;TRIAUCOURT AP EXEMPLE;Agence postale communale;90000A;1 PLACE DE LA MAIRIE;;;"
             "55250;TRIAUCOURT EN ARGONNE;55532;FRANCE;48.9335;5.1102;Géocodé au numéro;3631;"
             "48.9335,5.1102\n").encode("utf-8")


def zip_bytes(members, method=zipfile.ZIP_DEFLATED):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=method) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def zip64_bytes(members):
    """A ZIP64 archive: every member written with force_zip64=True (ZIP64 local headers) and,
    with zipfile's ZIP64 threshold lowered to 0 while writing, ZIP64 sizes and offsets in the
    central directory and a ZIP64 end-of-central-directory record: the hand-written reader
    geodir had before libarchive refused exactly these ("ZIP64 ... not supported")."""
    saved = zipfile.ZIP64_LIMIT
    zipfile.ZIP64_LIMIT = 0
    try:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for name, data in members:
                with z.open(name, "w", force_zip64=True) as f:
                    f.write(data)
        return buf.getvalue()
    finally:
        zipfile.ZIP64_LIMIT = saved


class Files:
    """The files served under /files/, each with its Last-Modified time and ETag."""

    def __init__(self):
        self.lock = threading.Lock()
        self.files = {}
        self.version = 1
        self.put("poincont-55.csv", POINCONT)
        self.put("lieux.geojson", read(os.path.join(FIXTURES, "lieux.geojson")))
        self.put("poincont-55.csv.gz", gzip.compress(POINCONT, mtime=0))
        self.put("poincont-55-cut.csv.gz", gzip.compress(POINCONT, mtime=0)[:-30])
        self.put("archive.zip", zip_bytes([("lisezmoi.txt", b"exemple\n"),
                                           ("data/poincont-54.csv", POINCONT),
                                           ("data/poincont-55.csv", POINCONT)]))
        self.put("archive-stored.zip", zip_bytes([("poincont-55.csv", POINCONT)],
                                                 zipfile.ZIP_STORED))
        self.put("archive-zip64.zip", zip64_bytes([("lisezmoi.txt", b"exemple\n"),
                                                   ("data/poincont-55.csv", POINCONT)]))
        # fuzz_zip: a central directory entry without a name was extracted as the member ""
        self.put("nameless.zip", bytes.fromhex(
            "504b0304140000000800225b875d000000003d0000000000000002000000642f0300504b01021403"
            "140000000800225b875d000000000200000000000000000068000000000000001000fd4100000000"
            "642f504b0506000000000100010030000000220000000000"))
        # fuzz_zip: a central directory entry whose name starts with a NUL byte was extracted
        # as the member ""
        self.put("nul-name.zip", bytes.fromhex("504b0304140000000800225b875d7b07970a0a0000000800000008000000646174612e6373764bd449e232d431e20200504b01021403140000000800225b875d7b07970a0a0000000800000008000000000000000000000080010000000000000000000000000000000000000000000000646174612e637376504b0506000000000100010036000000300000000000"))

    def put(self, name, data, mtime=1767225600):   # 2026-01-01T00:00:00Z
        with self.lock:
            self.version += 1
            self.files[name] = (data, mtime, '"v%d-%s"' % (self.version, sha(data)[:12]))

    def get(self, name):
        with self.lock:
            return self.files.get(name)


class Server:
    def __init__(self):
        self.files = Files()
        self.log = []
        self.cut_once = set()      # names whose next /cut/ request is cut short
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args):
                pass

            def send(self, status, body=b"", headers=(), length=True):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                if length:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD" and body:
                    self.wfile.write(body)
                with server.lock:
                    server.log.append({"path": self.path, "status": status,
                                       "headers": {k.lower(): v for k, v in self.headers.items()}})

            def serve_file(self, name, validators=True):
                f = server.files.get(name)
                if not f:
                    return self.send(404, b"<html>introuvable</html>")
                data, mtime, etag = f
                lm = email.utils.formatdate(mtime, usegmt=True)
                hdrs = [("Content-Type", "application/octet-stream")]
                if validators:
                    hdrs += [("Last-Modified", lm), ("ETag", etag)]
                    inm = self.headers.get("If-None-Match")
                    ims = self.headers.get("If-Modified-Since")
                    if inm is not None:
                        if inm == etag:
                            return self.send(304, b"", hdrs, length=False)
                    elif ims is not None:
                        t = email.utils.parsedate_to_datetime(ims).timestamp()
                        if mtime <= t:
                            return self.send(304, b"", hdrs, length=False)
                    rng = self.headers.get("Range")
                    if rng and rng.startswith("bytes=") and rng.endswith("-"):
                        if self.headers.get("If-Range") in (etag, lm):
                            start = int(rng[6:-1])
                            if start >= len(data):
                                return self.send(416, b"")
                            hdrs.append(("Content-Range",
                                         "bytes %d-%d/%d" % (start, len(data) - 1, len(data))))
                            return self.send(206, data[start:], hdrs)
                return self.send(200, data, hdrs)

            def do_GET(self):
                p = self.path
                if p.startswith("/files/"):
                    return self.serve_file(p[7:])
                if p.startswith("/noval/"):
                    return self.serve_file(p[7:], validators=False)
                if p.startswith("/redirect/"):
                    return self.send(302, b"", [("Location", "/files/" + p[10:])])
                if p == "/loop":
                    return self.send(302, b"", [("Location", "/loop")])
                if p.startswith("/status/"):
                    return self.send(int(p[8:]), b"<html><body>erreur</body></html>",
                                     [("Content-Type", "text/html")])
                if p == "/html":
                    return self.send(200, b"\n<!DOCTYPE html><html><body>Portail</body></html>",
                                     [("Content-Type", "text/html")])
                if p == "/wrong.csv":
                    return self.send(200, b"id;nom;x;y\n1;Autre chose;1;2\n")
                if p == "/empty.csv":
                    return self.send(200, b"")
                if p == "/header-only.csv":
                    return self.send(200, POINCONT.split(b"\n")[0] + b"\n")
                if p == "/big":
                    return self.send(200, b"x" * (2 * 1024 * 1024 + 10))
                if p == "/big-nolength":
                    return self.send(200, b"x" * (2 * 1024 * 1024 + 10), length=False)
                if p == "/gzip-plain":
                    return self.send(200, gzip.compress(POINCONT))
                if p.startswith("/cut/") or p.startswith("/cut-noval/"):
                    name = p.split("/", 2)[2]
                    validators = p.startswith("/cut/")
                    with server.lock:
                        cut = name in server.cut_once
                        server.cut_once.discard(name)
                    if not cut:
                        return self.serve_file(name, validators)
                    data, mtime, etag = server.files.get(name)
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    if validators:
                        self.send_header("ETag", etag)
                        self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    with server.lock:
                        server.log.append({"path": self.path, "status": "200-cut", "headers": {
                            k.lower(): v for k, v in self.headers.items()}})
                    self.close_connection = True
                    return None
                return self.send(404, b"")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def take_log(self):
        with self.lock:
            out, self.log = self.log, []
        return out

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# --------------------------------------------------------------------------------------------
# Running the importer

def env():
    e = {k: v for k, v in os.environ.items()
         if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
         and k != "GEODIR_PROFILES"}
    e["GEODIR_CATALOGUE"] = os.path.join(FIXTURES, "catalogue.json")
    return e


def run(args):
    return run_program([IMPORTER] + args, 120, env())


def sql(db, query):
    return sqlite_rows(SQLITE3, db, query)


def counts(db):
    return {r["source"]: r["n"] for r in sql(db, "SELECT source, count(*) AS n FROM places GROUP BY source")}


def config(name, sources, communes_source=True):
    with open(os.path.join(FIXTURES, "territoire.json"), encoding="utf-8") as f:
        c = json.load(f)
    c["data_dir"] = FIXTURES
    c["sources"] = (c["sources"] if communes_source else []) + sources
    path = os.path.join(WORK, name + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(c, f, ensure_ascii=False, indent=1)
    return path


def laposte(fetch, name="laposte"):
    return {"name": name, "profile": "laposte-poincont", "path": "poincont.csv", "fetch": fetch}


def manifest(dir_):
    with open(os.path.join(dir_, "manifest.json"), encoding="utf-8") as f:
        m = json.load(f)
    return m, {s["name"]: s for s in m["sources"]}


def leftovers(dir_):
    if not os.path.isdir(dir_):
        return []
    return sorted(n for n in os.listdir(dir_) if ".part" in n or ".new" in n or n.endswith(".tmp"))


# --------------------------------------------------------------------------------------------
def case_good(srv):
    cfg = config("fetch-good", [
        laposte({"catalogue": "test-poincont", "params": {"port": str(srv.port), "dep": "55"}}),
        {"name": "lieux", "profile": "local-geojson", "path": "lieux.geojson",
         "fetch": {"url": srv.url("/redirect/lieux.geojson")}},
    ])
    db = os.path.join(WORK, "good", "geodir.sqlite")
    dl = os.path.join(WORK, "good", "downloads")          # default: next to the database
    p = run(["--config", cfg, "--db", db, "--fetch"])
    print(p.out, p.err)
    if not check(p.returncode == 0, f"first fetch: exit 0 (got {p.returncode})"):
        return
    log = srv.take_log()
    check(sorted(e["path"] for e in log) ==
          ["/files/lieux.geojson", "/files/poincont-55.csv", "/redirect/lieux.geojson"],
          f"requests: the catalogue URL with its parameters and the redirect ({[e['path'] for e in log]})")
    check(all(e["headers"].get("user-agent", "").startswith("geodir-import/") for e in log),
          "every request has a User-Agent naming geodir")
    check(not any("if-none-match" in e["headers"] or "if-modified-since" in e["headers"]
                  for e in log), "first run: no conditional request")
    m, by = manifest(dl)
    check(m["status"] == "ok" and set(by) == {"laposte", "lieux"}, "manifest: status ok, 2 sources")
    for name, served, fname in (("laposte", "poincont-55.csv", "laposte.csv"),
                                ("lieux", "lieux.geojson", "lieux.geojson")):
        data, mtime, etag = srv.files.get(served)
        r = by[name]
        on_disk = read(os.path.join(dl, fname))
        check(on_disk == data, f"{name}: downloaded file identical to the served one")
        check(r["file"] == fname and r["size"] == len(data), f"{name}: manifest file and size")
        check(r["sha256"] == sha(data) == sha(on_disk), f"{name}: manifest SHA-256")
        check(r["last_modified"] == email.utils.formatdate(mtime, usegmt=True),
              f"{name}: manifest Last-Modified ({r['last_modified']})")
        check(r["etag"] == etag, f"{name}: manifest ETag")
        check(r["outcome"] == "downloaded" and r["compression"] == "none", f"{name}: outcome downloaded")
    check(by["laposte"]["url"] == srv.url("/files/poincont-55.csv") and
          by["laposte"]["catalogue"] == "test-poincont", "laposte: catalogue URL expanded")
    check(by["lieux"]["url"] == srv.url("/redirect/lieux.geojson") and
          by["lieux"]["final_url"] == srv.url("/files/lieux.geojson"), "lieux: URL and final URL")
    check(os.path.isfile(os.path.join(dl, "fetch-good.fetched.json")), "derived configuration written")
    check(leftovers(dl) == [], f"no temporary file left ({leftovers(dl)})")
    c = counts(db)
    check(c == {"laposte": 2, "lieux": 2}, f"database has the fetched places ({c})")
    rows = sql(db, "SELECT name FROM places WHERE id = 'laposte:90001A'")
    check(rows and "(Beausite)" in rows[0]["name"],
          f"a fetched La Poste point is in the database, its locality in proper case ({rows})")
    rows = sql(db, "SELECT file FROM sources WHERE name = 'laposte'")
    check(rows and rows[0]["file"].endswith("downloads/laposte.csv"),
          f"sources.file names the downloaded file ({rows})")
    check(sql(db, "SELECT count(*) AS n FROM communes")[0]["n"] == 3,
          "the source without a fetch entry is imported from its configured path")
    mtimes = {n: os.stat(os.path.join(dl, n)).st_mtime_ns for n in ("laposte.csv", "lieux.geojson")}

    # Second run: nothing changed on the server.
    p = run(["--config", cfg, "--db", db, "--fetch"])
    check(p.returncode == 0, f"second fetch: exit 0 (got {p.returncode}: {p.err[-800:]})")
    log = srv.take_log()
    cond = [e for e in log if e["path"].startswith("/files/")]
    check(len(cond) == 2 and all(e["headers"].get("if-none-match") for e in cond),
          "second run: conditional requests with If-None-Match")
    check(all(e["headers"].get("if-modified-since") for e in cond),
          "second run: conditional requests with If-Modified-Since")
    check(all(e["status"] == 304 for e in cond), f"second run: 304 ({[e['status'] for e in cond]})")
    m2, by2 = manifest(dl)
    check(all(by2[n]["outcome"] == "unchanged" for n in by2), "manifest: outcome unchanged")
    check(all(by2[n]["fetched_at"] == by[n]["fetched_at"] and by2[n]["sha256"] == by[n]["sha256"]
              for n in by2), "manifest: unchanged records keep their download date and hash")
    check(all(os.stat(os.path.join(dl, n)).st_mtime_ns == t for n, t in mtimes.items()),
          "unchanged files are not rewritten")
    check(counts(db) == {"laposte": 2, "lieux": 2}, "database rebuilt from the kept files")

    # The server's file changes: it is downloaded again, the other one stays.
    srv.files.put("poincont-55.csv", POINCONT + EXTRA_ROW, mtime=1767312000)
    p = run(["--config", cfg, "--db", db, "--fetch"])
    check(p.returncode == 0, f"third fetch: exit 0 (got {p.returncode}: {p.err[-800:]})")
    log = srv.take_log()
    st = {e["path"]: e["status"] for e in log}
    check(st.get("/files/poincont-55.csv") == 200 and st.get("/files/lieux.geojson") == 304,
          f"changed file downloaded (200), the other one not (304): {st}")
    m3, by3 = manifest(dl)
    check(by3["laposte"]["outcome"] == "downloaded" and
          by3["laposte"]["sha256"] == sha(POINCONT + EXTRA_ROW), "manifest: the new file's hash")
    check(by3["lieux"]["outcome"] == "unchanged", "manifest: the other one unchanged")
    check(counts(db) == {"laposte": 3, "lieux": 2}, f"database has the new row ({counts(db)})")

    # A downloaded file modified locally no longer matches the manifest: downloaded again.
    with open(os.path.join(dl, "lieux.geojson"), "ab") as f:
        f.write(b" ")
    p = run(["--config", cfg, "--db", db, "--fetch"])
    check(p.returncode == 0, f"fourth fetch: exit 0 (got {p.returncode})")
    log = srv.take_log()
    lieux = [e for e in log if e["path"] == "/files/lieux.geojson"]
    check(lieux and lieux[0]["status"] == 200 and "if-none-match" not in lieux[0]["headers"],
          "a locally modified file is downloaded again, unconditionally")
    check(read(os.path.join(dl, "lieux.geojson")) == srv.files.get("lieux.geojson")[0],
          "the modified file is replaced by the server's")


# --------------------------------------------------------------------------------------------
def case_errors(srv):
    db = os.path.join(WORK, "errors", "geodir.sqlite")
    dl = os.path.join(WORK, "errors", "downloads")
    base = config("errors-base", [{"name": "laposte", "profile": "laposte-poincont",
                                   "path": "poincont.csv"}])
    p = run(["--config", base, "--db", db])
    if not check(p.returncode == 0, f"baseline import without fetch (got {p.returncode}: {p.err})"):
        return
    before = sha(read(db))
    u = srv.url
    with socket.socket() as s:          # a port on 127.0.0.1 where nothing listens
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]

    failing = [
        ("404", {"url": u("/status/404")}, "HTTP 404"),
        ("500", {"url": u("/status/500")}, "HTTP 500"),
        ("truncated", {"url": u("/cut-noval/poincont-55.csv")}, "download failed"),
        ("html", {"url": u("/html")}, "HTML page"),
        ("wrong content", {"url": u("/wrong.csv")}, "unknown field"),
        ("empty", {"url": u("/empty.csv")}, "empty file"),
        ("no record", {"url": u("/header-only.csv")}, "no record"),
        ("too big", {"url": u("/big"), "max_mb": 1}, "larger than the limit of 1 MiB"),
        ("too big, no length", {"url": u("/big-nolength"), "max_mb": 1},
         "larger than the limit of 1 MiB"),
        ("redirect loop", {"url": u("/loop")}, "redirect"),
        ("gzip not declared", {"url": u("/gzip-plain")}, "gzip-compressed"),
        ("gzip declared, plain file", {"url": u("/files/poincont-55.csv"), "compression": "gzip"},
         "not a gzip file"),
        ("gzip truncated", {"url": u("/files/poincont-55-cut.csv.gz"), "compression": "gzip"},
         "damaged gzip"),
        ("zip, several members", {"url": u("/files/archive.zip"), "compression": "zip"},
         "set fetch.member"),
        ("zip, no such member", {"url": u("/files/archive.zip"), "compression": "zip",
                                 "member": "nothing*.csv"}, "no file matching"),
        ("zip, nameless member", {"url": u("/files/nameless.zip"), "compression": "zip"},
         "no file in the zip archive"),
        ("zip, NUL byte in a member's name", {"url": u("/files/nul-name.zip"),
                                              "compression": "zip"},
         "no file in the zip archive"),
        ("connection refused", {"url": "http://127.0.0.1:%d/x.csv" % closed_port},
         "download failed"),
    ]
    for label, fetch, expect in failing:
        if label == "truncated":
            srv.cut_once.add("poincont-55.csv")
        cfg = config("errors", [laposte(fetch)])
        p = run(["--config", cfg, "--db", db, "--fetch"])
        print(p.err.strip())
        url = fetch["url"]
        ok = check(p.returncode == 1, f"{label}: exit 1 (got {p.returncode})")
        check(f"source laposte ({url})" in p.err and expect in p.err,
              f"{label}: message names the source and URL and says '{expect}'"
              + ("" if ok and expect in p.err else f" [stderr: {p.err[-600:]}]"))
        check("nothing imported" in p.err, f"{label}: says nothing was imported")
        check(sha(read(db)) == before, f"{label}: database byte-identical")
        check(leftovers(dl) == [], f"{label}: nothing left behind ({leftovers(dl)})")
        check(not os.path.exists(os.path.join(dl, "laposte.csv")), f"{label}: no file kept")
    srv.take_log()

    # One good and one failing source: both tried, nothing imported, the good one recorded.
    cfg = config("errors-mixed", [
        laposte({"url": u("/files/poincont-55.csv")}, name="ok"),
        laposte({"url": u("/status/404")}, name="bad")])
    p = run(["--config", cfg, "--db", db, "--fetch"])
    check(p.returncode == 1 and "source bad (" in p.err and "source ok (" not in p.err,
          f"mixed: exit 1, only the failing source named (got {p.returncode}: {p.err[-400:]})")
    check({e["path"] for e in srv.take_log()} == {"/files/poincont-55.csv", "/status/404"},
          "mixed: every source is tried")
    check(sha(read(db)) == before, "mixed: database byte-identical")
    m, by = manifest(dl)
    check(m["status"] == "failed" and set(by) == {"ok"}, "mixed: manifest status failed, good source recorded")

    # Bad fetch entries: exit 2 before any request.
    bad = [
        ("unknown catalogue entry", {"catalogue": "nope"}, "no entry 'nope' in the catalogue"),
        ("entry without URL", {"catalogue": "test-no-url"}, "no fixed download URL"),
        ("missing parameter", {"catalogue": "test-poincont", "params": {"port": str(srv.port)}},
         "needs the parameter {dep}"),
        ("unused parameter", {"catalogue": "test-poincont",
                              "params": {"port": str(srv.port), "dep": "55", "x": "1"}},
         "fetch.params.x: not used"),
        ("bad parameter value", {"catalogue": "test-poincont",
                                 "params": {"port": str(srv.port), "dep": "55/../x"}},
         "fetch.params.dep"),
        ("unknown key", {"url": u("/files/poincont-55.csv"), "retries": 3}, "fetch.retries: unknown key"),
        ("url and catalogue", {"url": u("/x"), "catalogue": "test-poincont"}, "either"),
        ("not http", {"url": "file:///etc/hostname"}, "not an http:// or https:// URL"),
        ("bad compression", {"url": u("/x"), "compression": "rar"}, "fetch.compression"),
        ("member without zip", {"url": u("/x"), "member": "a.csv"}, "fetch.member"),
        ("bad max_mb", {"url": u("/x"), "max_mb": 0}, "fetch.max_mb"),
    ]
    for label, fetch, expect in bad:
        cfg = config("errors-bad", [laposte(fetch)])
        p = run(["--config", cfg, "--db", db, "--fetch"])
        print(p.err.strip())
        check(p.returncode == 2 and expect in p.err and "laposte" in p.err,
              f"{label}: exit 2, '{expect}' (got {p.returncode}: {p.err.strip()[-300:]})")
    cfg = config("errors-nofetch", [{"name": "laposte", "profile": "laposte-poincont",
                                     "path": "poincont.csv"}])
    p = run(["--config", cfg, "--db", db, "--fetch"])
    check(p.returncode == 2 and "no source" in p.err, "--fetch with no fetch entry: exit 2")
    p = run(["--config", cfg, "--db", db, "--fetch-dir", dl])
    check(p.returncode == 2 and "--fetch-dir needs --fetch" in p.err, "--fetch-dir alone: usage error")
    check(srv.take_log() == [], "no request was made for bad entries")
    check(sha(read(db)) == before, "database still byte-identical")


# --------------------------------------------------------------------------------------------
def case_resume(srv):
    db = os.path.join(WORK, "resume", "geodir.sqlite")
    dl = os.path.join(WORK, "resume", "downloads")
    cfg = config("resume", [laposte({"url": srv.url("/cut/poincont-55.csv")})])
    data, mtime, etag = srv.files.get("poincont-55.csv")
    srv.cut_once.add("poincont-55.csv")
    p = run(["--config", cfg, "--db", db, "--fetch"])
    check(p.returncode == 1 and "the next --fetch resumes" in p.err,
          f"cut transfer: exit 1, partial file kept (got {p.returncode}: {p.err[-500:]})")
    part = os.path.join(dl, "laposte.part")
    check(os.path.isfile(part) and os.path.getsize(part) == len(data) // 2,
          "the partial file holds the bytes received")
    check(not os.path.exists(db), "no database built")
    srv.take_log()

    p = run(["--config", cfg, "--db", db, "--fetch"])
    check(p.returncode == 0, f"resumed: exit 0 (got {p.returncode}: {p.err[-500:]})")
    log = srv.take_log()
    check(len(log) == 1 and log[0]["headers"].get("range") == "bytes=%d-" % (len(data) // 2)
          and log[0]["headers"].get("if-range") == etag and log[0]["status"] == 206,
          f"resumed with Range + If-Range, answered 206 ({log})")
    m, by = manifest(dl)
    check(by["laposte"]["outcome"] == "resumed" and by["laposte"]["sha256"] == sha(data) and
          read(os.path.join(dl, "laposte.csv")) == data, "resumed file complete and recorded")
    check(leftovers(dl) == [], f"nothing left behind ({leftovers(dl)})")
    check(counts(db) == {"laposte": 2}, "database has the resumed file's places")

    # Cut again, then the server's file changes: If-Range fails, the whole file comes back.
    srv.cut_once.add("poincont-55.csv")
    os.remove(os.path.join(dl, "laposte.csv"))          # no conditional request this time
    p = run(["--config", cfg, "--db", db, "--fetch"])
    check(p.returncode == 1 and os.path.isfile(part), "second cut: exit 1, partial file kept")
    srv.files.put("poincont-55.csv", data + EXTRA_ROW, mtime=mtime + 7200)
    srv.take_log()
    p = run(["--config", cfg, "--db", db, "--fetch"])
    log = srv.take_log()
    check(p.returncode == 0 and log and log[0]["status"] == 200 and log[0]["headers"].get("range"),
          f"stale partial file: Range sent, whole new file received (200) ({log})")
    m, by = manifest(dl)
    check(by["laposte"]["outcome"] == "downloaded" and
          read(os.path.join(dl, "laposte.csv")) == data + EXTRA_ROW, "the new file is complete")
    check(counts(db) == {"laposte": 3}, "database has the new file's places")


# --------------------------------------------------------------------------------------------
def case_archives(srv):
    db = os.path.join(WORK, "archives", "geodir.sqlite")
    dl = os.path.join(WORK, "archives", "my-downloads")
    params = {"port": str(srv.port), "dep": "55"}
    cfg = config("archives", [
        laposte({"catalogue": "test-poincont-gz", "params": params}, name="gz"),
        laposte({"catalogue": "test-poincont-zip", "params": params}, name="zip"),
        laposte({"url": srv.url("/files/archive-stored.zip"), "compression": "zip"}, name="stored"),
        laposte({"url": srv.url("/noval/poincont-55.csv")}, name="noval"),
        laposte({"url": srv.url("/files/archive-zip64.zip"), "compression": "zip",
                 "member": "*55.csv"}, name="zip64"),
    ])
    z64 = srv.files.get("archive-zip64.zip")[0]
    cd = z64.find(b"PK\x01\x02")
    check(z64.find(b"PK\x06\x06") > 0 and z64[cd + 20:cd + 28] == b"\xff" * 8,
          "the ZIP64 fixture has a ZIP64 end record and ZIP64 sizes in its central directory")
    p = run(["--config", cfg, "--db", db, "--fetch", "--fetch-dir", dl])
    print(p.err)
    if not check(p.returncode == 0, f"exit 0 (got {p.returncode})"):
        return
    check(not os.path.exists(os.path.join(WORK, "archives", "downloads")), "--fetch-dir is used")
    m, by = manifest(dl)
    for name in ("gz", "zip", "stored", "noval", "zip64"):
        check(read(os.path.join(dl, name + ".csv")) == POINCONT and by[name]["sha256"] == sha(POINCONT)
              and by[name]["size"] == len(POINCONT), f"{name}: decompressed file and its hash")
    check(by["gz"]["compression"] == "gzip" and
          by["gz"]["download_sha256"] == sha(srv.files.get("poincont-55.csv.gz")[0]) and
          by["gz"]["download_size"] == len(srv.files.get("poincont-55.csv.gz")[0]),
          "gz: the downloaded archive's size and hash recorded")
    check(by["zip"]["member"] == "data/poincont-55.csv", f"zip: member chosen by pattern ({by['zip']['member']})")
    check(by["stored"]["member"] == "poincont-55.csv", "stored zip: the only member")
    check(by["zip64"]["member"] == "data/poincont-55.csv" and
          by["zip64"]["download_sha256"] == sha(z64), "zip64: member extracted, archive hashed")
    check(by["noval"]["last_modified"] is None and by["noval"]["etag"] is None,
          "no validators from the server: none recorded")
    # Same rows in the four sources (merged into one place each): count by source.
    imported = {r["name"]: r["rows_imported"]
                for r in sql(db, "SELECT name, rows_imported FROM sources")}
    check(imported == {"communes": 3, "gz": 2, "zip": 2, "stored": 2, "noval": 2,
                        "zip64": 2},
          f"all imported ({imported})")
    srv.take_log()
    p = run(["--config", cfg, "--db", db, "--fetch", "--fetch-dir", dl])
    log = {e["path"]: e for e in srv.take_log()}
    check(p.returncode == 0 and log["/files/poincont-55.csv.gz"]["status"] == 304 and
          log["/files/archive.zip"]["status"] == 304,
          "second run: archives not downloaded again (304)")
    check("if-none-match" not in log["/noval/poincont-55.csv"]["headers"] and
          log["/noval/poincont-55.csv"]["status"] == 200,
          "a file without validators is downloaded again")


# --------------------------------------------------------------------------------------------
def case_nofetch(srv):
    db = os.path.join(WORK, "nofetch", "geodir.sqlite")
    cfg = config("nofetch", [laposte({"url": srv.url("/files/poincont-55.csv")})])
    p = run(["--config", cfg, "--db", db])
    check(p.returncode == 0, f"exit 0 (got {p.returncode}: {p.err[-300:]})")
    check(srv.take_log() == [], "nothing requested without --fetch")
    check(not os.path.exists(os.path.join(WORK, "nofetch", "downloads")), "no download folder")
    check(counts(db) == {"laposte": 2}, "the configured path is imported")


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    srv = Server()
    try:
        {"good": case_good, "errors": case_errors, "resume": case_resume,
         "archives": case_archives, "nofetch": case_nofetch}[CASE](srv)
    finally:
        srv.stop()
    if failures:
        print(f"\n{len(failures)} check(s) failed")
        return 1
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
