#!/usr/bin/env python3
"""Downloads over HTTP (docs/api.md, "Exports"), against the real geodir-api on 127.0.0.1 port 0
and the fixture database of build_db.py (8,000 places under etalab-2.0, 4,000 under ODbL-1.0):

  - GET /api/export in every format with a filter (category + commune), under each licence,
    written to a file and opened again with ogrinfo: feature count = what /api/places matches
    for that filter (under etalab-2.0: without the ODbL places, and "excluded" says how many),
    fields, CRS; headers (Content-Type, Content-Disposition, Link rel="license",
    Geodir-Licence), ETag and 304, HEAD;
  - the licence split: no ODbL place in an etalab-2.0 export, all of them under ODbL-1.0;
  - streaming: chunked, the first bytes arrive long before the end; a client reading 1 KiB
    at a time with a tiny receive window does not stop other requests nor a real import that
    swaps the database in; its download then ends whole, with the data it started from;
  - bad parameters: 400 naming format, licence, and the filters /api/places refuses;
  - GET /api/exports and /data/<name> for every row of table exports: body SHA-256 =
    the table's, Content-Type, Repr-Digest, 304 on If-None-Match, 404 for unknown names and
    ../ attempts;
  - temporary files: export_tmp_dir is empty after binary downloads, after an aborted one,
    and a third binary export while max_export_jobs are busy gets 503 + Retry-After.

usage: test_export.py GEODIR_API GEODIR_IMPORT DB SOURCE_DIR WORK_DIR
"""
import base64
import calendar
import hashlib
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse

sys.dont_write_bytecode = True   # tests write only under the build tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import (ApiServer, check, debian_module, finish, http_request,  # noqa: E402
                         poll_until)
import xlsx_check  # noqa: E402
from export_columns import french_headers  # noqa: E402

API, IMPORTER, DB, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:6])
OPENPYXL = debian_module("openpyxl", "python3-openpyxl")   # may run the script again
DB_DIR = os.path.dirname(DB)
TMP = os.path.join(WORK, "tmp")          # export_tmp_dir of the server
OUT = os.path.join(WORK, "out")          # downloaded files
ETALAB_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
ODBL_URL = "https://opendatacommons.org/licenses/odbl/1-0/"
FORMATS = {   # name: (Content-Type, file suffix, streamed)
    "geojson": ("application/geo+json", ".geojson", True),
    "csv": ("text/csv; charset=utf-8", ".csv", True),
    "csv-fr": ("text/csv; charset=utf-8", "-fr.csv", True),
    "scdl-equipements": ("text/csv; charset=utf-8", ".csv", True),
    "kml": ("application/vnd.google-earth.kml+xml", ".kml", True),
    "gpkg": ("application/geopackage+sqlite3", ".gpkg", False),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx",
             False),
    "shp": ("application/zip", ".shp.zip", False),
    "fgb": ("application/flatgeobuf", ".fgb", False),
}
FILTER = "category=food-shop&commune=55040"
# scdl-equipements holds public facilities only (shops are left out by the format)
SCDL_FILTER = "category=town-hall&commune=55040"


def tmp_files():
    out = []
    for root, dirs, files in os.walk(TMP):
        out += [os.path.join(root, d) for d in dirs] + [os.path.join(root, f) for f in files]
    return out


def ogr_open_path(path, fmt):
    if fmt == "shp":
        return "/vsizip/" + path
    return path


def ogrinfo(path, fmt):
    """(feature count, field names, text of the SRS) of the first layer, from ogrinfo -so."""
    args = ["ogrinfo", "-ro", "-so", "-al"]
    if fmt in ("csv", "csv-fr", "scdl-equipements"):
        args += ["-oo", "AUTODETECT_TYPE=NO"]
    run = subprocess.run(args + [ogr_open_path(path, fmt)], capture_output=True, text=True,
                         timeout=60)
    if run.returncode != 0:
        return None, [], run.stderr[:300]
    text = run.stdout
    counts = re.findall(r"^Feature Count: (\d+)", text, re.M)
    fields = re.findall(r"^(\w[\w ]*?): (?:String|Integer|Integer64|Real|Date|DateTime)", text,
                        re.M)
    layers = re.findall(r"^Layer name: (.*)$", text, re.M)
    # xlsx: the licence sheet is a second layer; the places are the first one
    count = int(counts[0]) if counts else None
    return count, fields, text, layers


def raw_get(target, rcvbuf=None, timeout=30):
    """A GET on a raw socket (optionally with a small receive buffer): returns the socket and
    the response head (status line + headers) once read; the body is left to the caller."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect(("127.0.0.1", srv.port))
    s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        b = s.recv(1)
        if not b:
            break
        head += b
    return s, head.decode("latin-1")


def dechunk(data):
    """The body of a chunked transfer; None when it is not complete."""
    out, i = b"", 0
    while True:
        j = data.find(b"\r\n", i)
        if j < 0:
            return None
        size = int(data[i:j].split(b";")[0], 16)
        if size == 0:
            return out
        out += data[j + 2:j + 2 + size]
        i = j + 2 + size + 2


def get(target, headers=None, method="GET"):
    return srv.request(method, target, headers=headers)


def places_matched(query):
    st, _, body = get("/api/places?" + query + "&limit=500&f=json")
    doc = json.loads(body)
    return doc["numberMatched"], [p["id"] for p in doc["places"]]


# ---------------------------------------------------------------------------------------

def test_formats():
    expected = {}
    for flt in (FILTER, SCDL_FILTER):
        matched, ids = places_matched(flt)
        check(0 < matched <= 500, f"/api/places?{flt}: {matched} places (all on one page)")
        odbl_ids = [i for i in ids if i.startswith("osm:")]
        check(0 < len(odbl_ids) < matched, f"  of which {len(odbl_ids)} under ODbL (osm:*)")
        expected[flt] = (matched, ids, odbl_ids)
    for fmt, (ctype, suffix, streamed) in FORMATS.items():
        flt = SCDL_FILTER if fmt == "scdl-equipements" else FILTER
        matched, ids, odbl_ids = expected[flt]
        want = {"ODbL-1.0": matched, "etalab-2.0": matched - len(odbl_ids)}
        for lic in ("etalab-2.0", "ODbL-1.0"):
            q = f"/api/export?format={fmt}&licence={lic}&{flt}"
            st, h, body = get(q)
            if not check(st == 200, f"GET {q} -> 200 (got {st}: {body[:200]!r})"):
                continue
            check(h.get("content-type") == ctype, f"  Content-Type {ctype} "
                                                  f"(got {h.get('content-type')})")
            cd = h.get("content-disposition", "")
            m = re.fullmatch(r'attachment; filename="([A-Za-z0-9._-]+)"', cd)
            check(m is not None and m.group(1).endswith(suffix) and lic in m.group(1) and
                  "selection" in m.group(1), f"  Content-Disposition names the file ({cd})")
            url = ETALAB_URL if lic == "etalab-2.0" else ODBL_URL
            check(h.get("link") == f'<{url}>; rel="license"',
                  f"  Link rel=license ({h.get('link')})")
            check(h.get("geodir-licence") == lic, f"  Geodir-Licence {lic}")
            check(("chunked" in h.get("transfer-encoding", "")) == streamed,
                  f"  {'chunked' if streamed else 'with Content-Length'}")
            if not streamed:
                check(h.get("content-length") == str(len(body)), "  Content-Length = body")
                check(h.get("geodir-records") == str(want[lic]),
                      f"  Geodir-Records {want[lic]} (got {h.get('geodir-records')})")
                check(h.get("geodir-excluded") == str(matched - want[lic]),
                      f"  Geodir-Excluded {matched - want[lic]}")
            check(h.get("etag", "").startswith('"'), "  ETag")
            path = os.path.join(OUT, f"{fmt}-{lic}{suffix}")
            with open(path, "wb") as f:
                f.write(body)
            count, fields, text, layers = ogrinfo(path, fmt)
            check(count == want[lic], f"  ogrinfo: {want[lic]} features (got {count}; "
                                      f"{text[:200] if count is None else ''})")
            if fmt == "xlsx":
                bad = xlsx_check.problems(path, OPENPYXL)
                check(not bad, f"  XLSX: <cols> without overlap within the sheet's columns, "
                      f"openpyxl opens it {bad[:3]}")
                sh = xlsx_check.sheets(path, OPENPYXL)
                check(len(sh.get("places", [])) == want[lic] + 1,
                      f"  openpyxl: the places sheet has {want[lic]} rows and its header")
            if fmt not in ("csv", "csv-fr", "scdl-equipements", "xlsx"):
                check("WGS 84" in text or "4326" in text, "  ogrinfo: CRS WGS 84 / EPSG:4326")
            if fmt == "scdl-equipements":
                check("COLL_NOM" in fields and "EQUIP_NOM" in fields or "COLL_NOM" in text,
                      f"  scdl columns (COLL_NOM...) ({fields[:6]})")
            elif fmt == "csv-fr":
                doc = [fr for _, fr in french_headers(SRC)]
                head = body.decode("utf-8-sig").split("\r\n", 1)[0].split(";")
                fields = re.findall(r"^(\S.*?): String \(", text, re.M)   # ' and - in names
                check(head == doc and fields == doc,
                      f"  csv-fr: the French header of docs/exports.md, read back by ogrinfo "
                      f"({fields[:4]})")
            elif fmt != "kml":
                low = [x.lower() for x in fields]
                check("id" in low and "name" in low and "licence" in low,
                      f"  fields id, name, licence ({fields[:8]})")
            if fmt == "geojson":
                doc = json.loads(body)
                split = [(ft["properties"]["address"], ft["properties"]["housenumber"],
                          ft["properties"]["street"], ft["properties"]["complement"])
                         for ft in doc["features"] if ft["properties"]["address"]]
                bad = [a for a in split
                       if (a[1], a[2], a[3]) != tuple(a[0].split(" ", 1)) + (None,)]
                check(split and not bad, f"  every address \"<n> rue <name>\" split into "
                      f"housenumber, street and no complement ({len(split)} places; {bad[:2]})")
                got = [ft["properties"]["id"] for ft in doc["features"]]
                if lic == "etalab-2.0":
                    check(not any(i.startswith("osm:") for i in got),
                          "  licence split: no ODbL place under etalab-2.0")
                    check(doc.get("excluded") == len(odbl_ids),
                          f"  GeoJSON says {len(odbl_ids)} excluded (got {doc.get('excluded')})")
                    check(sorted(got) == sorted(i for i in ids if not i.startswith("osm:")),
                          "  exactly the non-ODbL places of /api/places")
                else:
                    check(sorted(got) == sorted(ids), "  exactly the places of /api/places")
            if fmt == "csv-fr":
                check(body.startswith(b"\xef\xbb\xbf") and b";" in body.split(b"\n")[0],
                      "  csv-fr: BOM and ';'")
    check(tmp_files() == [], f"export_tmp_dir empty after the binary downloads ({tmp_files()})")

    # The default licence is etalab-2.0; no filter: the whole directory, no "-selection".
    st, h, body = get("/api/export?format=geojson")
    doc = json.loads(body) if st == 200 else {}
    check(st == 200 and h.get("geodir-licence") == "etalab-2.0",
          "no licence given -> etalab-2.0")
    check(len(doc.get("features", [])) == 8000 and doc.get("excluded") == 4000,
          f"  the whole directory without the 4000 ODbL places "
          f"({len(doc.get('features', []))} features, excluded {doc.get('excluded')})")
    check("selection" not in h.get("content-disposition", "x-selection"),
          f"  file name without -selection ({h.get('content-disposition')})")
    # ETag and 304, HEAD
    etag = h.get("etag")
    st, h2, body = get("/api/export?format=geojson", headers={"If-None-Match": etag})
    check(st == 304 and body == b"", f"If-None-Match with its ETag -> 304 (got {st})")
    st, h2, body = get("/api/export?format=gpkg&licence=ODbL-1.0", method="HEAD")
    check(st == 200 and body == b"" and h2.get("content-type") == FORMATS["gpkg"][0] and
          int(h2.get("content-length", "0")) > 0, f"HEAD of a binary export: headers only ({st})")
    st, h2, body = get("/api/export?format=csv", method="HEAD")
    check(st == 200 and body == b"" and h2.get("content-type", "").startswith("text/csv"),
          f"HEAD of a streamed export ({st})")
    # Other filters: a circle and a text, compared with /api/places.
    # A filter matching nothing: a valid, empty file in every format.
    for fmt, (ctype, suffix, streamed) in FORMATS.items():
        st, h, body = get(f"/api/export?format={fmt}&q=zzyzxqw")
        path = os.path.join(OUT, f"empty-{fmt}{suffix}")
        with open(path, "wb") as f:
            f.write(body)
        count = ogrinfo(path, fmt)[0] if st == 200 else None
        check(st == 200 and count == 0,
              f"export matching nothing, {fmt}: 200 and an empty file (got {st}, {count})")
    for q in ("lat=48.95&lon=5.13&radius=3000", "q=pharmacie", "bbox=5.05,48.9,5.15,49.0",
              "lat=48.95&lon=5.13&k=7", "open_at=2026-11-30T10:00"):
        n, ids = places_matched(q)
        st, h, body = get(f"/api/export?format=geojson&licence=ODbL-1.0&{q}")
        got = [f["properties"]["id"] for f in json.loads(body)["features"]] if st == 200 else []
        if n <= 500:
            check(sorted(got) == sorted(ids), f"export {q}: the {n} places of /api/places")
        else:
            check(len(got) == n, f"export {q}: {n} places (got {len(got)})")


def test_bad_parameters():
    cases = [
        ("/api/export", 400, "InvalidParameterValue", "format"),
        ("/api/export?format=pdf", 400, "InvalidParameterValue", "format"),
        ("/api/export?format=csv&licence=CC0-1.0", 400, "InvalidParameterValue", "licence"),
        ("/api/export?format=csv&lat=abc&lon=5", 400, "InvalidParameterValue", "lat"),
        ("/api/export?format=csv&radius=100", 400, "InvalidParameterValue", "radius"),
        ("/api/export?format=csv&commune=99999", 400, "InvalidParameterValue", "commune"),
        ("/api/export?format=csv&category=nope", 400, "InvalidParameterValue", "category"),
        ("/api/export?format=csv&bbox=1,2,3", 400, "InvalidParameterValue", "bbox"),
        ("/api/export?format=csv&open_now=true&open_at=2026-01-01T10:00", 400,
         "InvalidParameterValue", "open_at"),
        ("/api/export?format=csv&sort=name", 400, "UnknownParameter", "sort"),
        ("/api/export?format=csv&limit=10", 400, "UnknownParameter", "limit"),
        ("/api/export?format=csv&format=gpkg", 400, "RepeatedParameter", "format"),
    ]
    for target, status, code, param in cases:
        st, h, body = get(target)
        try:
            doc = json.loads(body)
        except ValueError:
            doc = {}
        check(st == status and doc.get("code") == code and doc.get("parameter") == param,
              f"{target} -> {status} {code} naming {param} (got {st} {doc})")
    st, h, body = get("/api/export?format=pdf")
    desc = json.loads(body).get("description", "")
    check(all(f in desc for f in FORMATS), f"  the message lists the formats ({desc[:150]})")
    st, h, body = get("/api/export?format=csv&licence=CC0-1.0")
    desc = json.loads(body).get("description", "")
    check("etalab-2.0" in desc and "ODbL-1.0" in desc, f"  the message lists the licences")


def test_full_exports():
    con = sqlite3.connect(f"file:{DB}?mode=ro", uri=True)
    rows = con.execute("SELECT name, format, licence, media_type, size, sha256, records, "
                       "excluded FROM exports ORDER BY name").fetchall()
    exports_dir = con.execute("SELECT value FROM meta WHERE key='exports_dir'").fetchone()
    con.close()
    check(len(rows) >= 9, f"the importer built full exports ({len(rows)} rows)")
    for target in ("/api/exports",):
        st, h, body = get(target)
        doc = json.loads(body) if st == 200 else {}
        lst = doc.get("exports", [])
        check(st == 200 and [e["name"] for e in lst] == [r[0] for r in rows],
              f"{target}: the table's rows in name order")
        for e, r in zip(lst, rows):
            ok = (e["format"], e["licence"], e["media_type"], e["size"], e["sha256"],
                  e["records"], e["excluded"]) == r[1:] and e["url"] == "/data/" + r[0]
            check(ok, f"  {r[0]}: fields as in the table, url /data/{r[0]}")
            check(e["licence_url"] == (ETALAB_URL if r[2] == "etalab-2.0" else ODBL_URL),
                  f"  {r[0]}: licence_url")
    for name, fmt, lic, media, size, sha, records, excluded in rows:
        st, h, body = get("/data/" + urllib.parse.quote(name))
        if not check(st == 200, f"GET /data/{name} -> 200 (got {st}: {body[:150]!r})"):
            continue
        check(len(body) == size and hashlib.sha256(body).hexdigest() == sha,
              f"  size and SHA-256 as recorded")
        check(h.get("content-type") == media, f"  Content-Type {media} ({h.get('content-type')})")
        check(h.get("etag") == f'"{sha}"', "  ETag is the SHA-256")
        b64 = base64.b64encode(bytes.fromhex(sha)).decode()
        check(h.get("repr-digest") == f"sha-256=:{b64}:", f"  Repr-Digest ({h.get('repr-digest')})")
        check(h.get("content-disposition") == f'attachment; filename="{name}"',
              "  Content-Disposition")
        check(h.get("geodir-licence") == lic and "rel=\"license\"" in h.get("link", ""),
              "  licence headers")
        check("content-encoding" not in h, "  never re-encoded (the digest holds)")
        st, h2, b2 = get("/data/" + name, headers={"If-None-Match": f'"{sha}"',
                                                   "Accept-Encoding": "gzip"})
        check(st == 304 and b2 == b"", f"  If-None-Match -> 304 (got {st})")
        if fmt == "gpkg":
            path = os.path.join(OUT, "full-" + name)
            with open(path, "wb") as f:
                f.write(body)
            count = ogrinfo(path, fmt)[0]
            check(count == records, f"  ogrinfo: {records} features (got {count})")
    for target in ("/data/", "/data/nope.csv", "/data/..%2Fgeodir.sqlite", "/data/../geodir.sqlite",
                   "/data/%2E%2E%2Fgeodir.sqlite", "/data/geodir.sqlite",
                   "/data/" + (exports_dir[0] if exports_dir else "exports")):
        st, h, body = get(target)
        check(st == 404, f"GET {target} -> 404 (got {st})")


def test_streaming_and_swap():
    # A slow reader: tiny receive window, 1 KiB at a time.
    s, head = raw_get("/api/export?format=geojson&licence=ODbL-1.0", rcvbuf=4096)
    check(head.startswith("HTTP/1.1 200") and "chunked" in head.lower(),
          f"slow reader: 200, chunked ({head.splitlines()[0] if head else 'nothing'})")
    t0 = time.monotonic()
    first = s.recv(1024)
    check(len(first) > 0 and time.monotonic() - t0 < 5, "  the first bytes arrive at once")
    data = bytearray(first)
    for _ in range(20):                 # 1 KiB/0.1 s for 2 s: far from the end (2 MB)
        data += s.recv(1024)
        time.sleep(0.1)                 # the slow reader's pace: what is tested
    st, h, body = get("/api/health")
    check(st == 200, "  meanwhile /api/health answers")
    t1 = time.monotonic()
    st, h, body = get("/api/export?format=csv&licence=ODbL-1.0&" + FILTER)
    check(st == 200 and time.monotonic() - t1 < 10, "  meanwhile another export answers")
    built_before = json.loads(get("/api/health")[2]).get("built_at")
    slow_done = re.compile(r"comp=export format=geojson records=12000 .*complete=1")
    check(not slow_done.search(srv.stderr()), "  the slow download is still being produced")
    # A real import (the same configuration, the same database path) swaps a new database
    # in while the slow download goes on: the importer renames its new file over the old one.
    # The new database must have another built_at (second precision): wait until the clock
    # has left built_before's second.
    poll_until(lambda: built_before and time.time() >= calendar.timegm(
                   time.strptime(built_before, "%Y-%m-%dT%H:%M:%SZ")) + 1, 5,
               f"  the clock has left the served database's built_at second ({built_before})")
    t2 = time.monotonic()
    imp_log = os.path.join(WORK, "import.log")
    with open(imp_log, "w") as log:
        imp = subprocess.Popen([IMPORTER, "--config", os.path.join(DB_DIR, "territory.json"),
                                "--db", DB], cwd=DB_DIR, stdout=log, stderr=log)
        # Still reading slowly. With a full send buffer the server sees no progress on this
        # connection for long stretches: its `timeout` is 180 s here (15 s by default).
        while imp.poll() is None:
            data += s.recv(1024)
            time.sleep(0.1)             # the slow reader's pace
    with open(imp_log, encoding="utf-8", errors="replace") as f:
        err = f.read()
    check(imp.returncode == 0, f"  a real import ran meanwhile ({time.monotonic() - t2:.1f} s; "
                               f"{err[-300:] if imp.returncode else ''})")
    def new_built_at():
        b = json.loads(get("/api/health")[2]).get("built_at")
        return b if b and b != built_before else None
    built_after = poll_until(new_built_at, 30, f"  the server serves the new database (built_at "
                                              f"{built_before} before)")
    print(f"     built_at {built_before} -> {built_after}")
    # The slow download ends whole, from the database it started on.
    s.settimeout(60)
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
        if data.endswith(b"\r\n0\r\n\r\n"):
            break
    s.close()
    poll_until(lambda: slow_done.search(srv.stderr()) is not None, 30,
               "  the server logged it complete, after the swap")
    body = dechunk(bytes(data))
    doc = json.loads(body) if body is not None else {}
    check(len(doc.get("features", [])) == 12000, f"  the slow download ends whole: 12000 places "
                                                f"({len(doc.get('features', []))})")


def test_aborted_and_busy():
    # An aborted binary download: headers read, connection closed.
    s, head = raw_get("/api/export?format=gpkg&licence=ODbL-1.0", rcvbuf=4096)
    check(head.startswith("HTTP/1.1 200"), "aborted download: the answer had started")
    s.recv(100)
    s.close()
    poll_until(lambda: tmp_files() == [], 30, "  export_tmp_dir empty after it")
    print(f"     left in export_tmp_dir: {tmp_files()}")
    # max_export_jobs = 2 (this server's setting): two slow binary downloads hold both slots
    # (a whole-directory GeoPackage is larger than what the sockets' buffers hold).
    held = []
    for _ in range(2):
        s, head = raw_get("/api/export?format=gpkg&licence=ODbL-1.0", rcvbuf=2048)
        s.recv(10)   # the slot is taken before the head is sent (h_export.c)
        held.append((s, head))
    check(all(h.startswith("HTTP/1.1 200") for _, h in held), "two binary exports in progress")
    st, h, body = get("/api/export?format=fgb")
    doc = json.loads(body) if body.startswith(b"{") else {}
    check(st == 503 and h.get("retry-after") == "5" and doc.get("code") == "ServiceUnavailable",
          f"  a third one -> 503, Retry-After: 5, JSON (got {st} {h.get('retry-after')})")
    st, h, body = get("/api/export?format=csv&" + FILTER)
    check(st == 200, "  a streamed export is still served")
    for s, _ in held:
        s.close()
    # The server frees a slot when it notices that its client is gone.
    poll_until(lambda: get("/api/export?format=fgb&" + FILTER)[0] == 200, 30,
               "  once they are gone, binary exports are served again")
    check(tmp_files() == [], f"  export_tmp_dir empty ({tmp_files()})")


def main():
    global srv
    shutil.rmtree(TMP, ignore_errors=True)
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(TMP)
    os.makedirs(OUT)
    static_dir = os.path.join(SRC, "map-ui")
    srv = ApiServer(API, ["--port", "0", "--db", DB, "--static_dir", static_dir,
                          "--export_tmp_dir", TMP, "--max_export_jobs", "2",
                          "--threads", "4", "--timeout", "180"],
                    os.path.join(WORK, "server.log"), name="exportapi")
    try:
        test_bad_parameters()
        test_formats()
        test_full_exports()
        test_aborted_and_busy()
        test_streaming_and_swap()   # last: it replaces the database
    finally:
        code = srv.stop()
        check(code == 0, f"server stopped cleanly on SIGTERM (exit {code})")
    finish()


srv = None
main()
