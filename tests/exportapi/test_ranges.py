#!/usr/bin/env python3
"""HTTP ranges on /data/<name> (docs/exports.md, "Ranges"), against the real geodir-api on
127.0.0.1 port 0 and the full exports the real geodir-import built (build_db.py):

  - raw requests (http.client, no curl) on the FlatGeobuf export, each body compared byte for
    byte with the file on disk: no Range -> 200 whole with Accept-Ranges: bytes and
    Last-Modified; bytes=0-0, a-b, a-, -n and a-b past the end -> 206 with Content-Range and
    exactly those bytes; first byte past the end or -0 -> 416 with Content-Range: bytes */size
    and the JSON error naming Range; several ranges and malformed values -> 200 whole;
    If-Range with the ETag or the Last-Modified date -> 206, another tag, a weak tag or another
    date -> 200 whole; HEAD ignores Range (200, full Content-Length, no body); a range is never
    gzip-compressed; If-None-Match matching wins over Range (304);
  - GDAL: ogrinfo -spat on /vsicurl/http://127.0.0.1:<port>/data/<fgb> counts the same features
    as ogrinfo on the file, and the server's access log shows it read the file by 206 answers
    whose bytes add up to less than the file (FlatGeobuf's spatial index), with no 200 GET.

usage: test_ranges.py GEODIR_API DB SOURCE_DIR WORK_DIR
"""
import json
import os
import re
import subprocess
import sys

sys.dont_write_bytecode = True   # tests write only under the build tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import ApiServer, check, db_meta, db_rows, finish, poll_until  # noqa: E402

API, DB, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:5])
# A box around part of the fixture's territory (tests/http/fixtures: 48.86..49.05 N, 5.02..5.24 E)
SPAT = ["5.05", "48.90", "5.08", "48.93"]


def the_fgb():
    """(name, bytes of the file) of the etalab-2.0 FlatGeobuf export of places."""
    rows = db_rows(DB, "SELECT name, size FROM exports WHERE format = 'fgb' "
                       "ORDER BY size DESC LIMIT 1")
    folder = db_meta(DB, "exports_dir")
    if not check(rows and folder is not None, "the importer built a .fgb export"):
        finish()
    row = rows[0]
    with open(os.path.join(os.path.dirname(DB), folder, row[0]), "rb") as f:
        data = f.read()
    check(len(data) == row[1], f"{row[0]}: {len(data)} bytes on disk, as recorded")
    return row[0], data


def partial(srv, target, data, rng, first, last, extra=None):
    headers = dict(extra or {}, Range=rng)
    also = "".join(f", {k}: {v}" for k, v in (extra or {}).items())
    st, h, body = srv.request("GET", target, headers=headers)
    want = f"bytes {first}-{last}/{len(data)}"
    check(st == 206 and body == data[first:last + 1] and h.get("content-range") == want and
          h.get("content-length") == str(last - first + 1) and "content-encoding" not in h,
          f"Range: {rng}{also} -> 206, {want}, exactly those bytes (got {st} "
          f"{h.get('content-range')}, {len(body)} bytes)")


def whole(srv, target, data, headers, what):
    st, h, body = srv.request("GET", target, headers=headers)
    check(st == 200 and body == data and "content-range" not in h,
          f"{what} -> 200, the whole file (got {st}, {len(body)} bytes)")


def unsatisfiable(srv, target, size, rng):
    st, h, body = srv.request("GET", target, headers={"Range": rng})
    doc = json.loads(body) if h.get("content-type", "").startswith("application/json") else {}
    check(st == 416 and h.get("content-range") == f"bytes */{size}" and
          doc.get("code") == "RangeNotSatisfiable" and doc.get("parameter") == "Range",
          f"Range: {rng} -> 416, Content-Range: bytes */{size}, the error names Range "
          f"(got {st} {h.get('content-range')} {body[:120]!r})")


def test_raw(srv, name, data):
    target, size = "/data/" + name, len(data)
    st, h, body = srv.request("GET", target)
    etag, modified = h.get("etag"), h.get("last-modified", "")
    check(st == 200 and body == data and h.get("accept-ranges") == "bytes" and
          re.fullmatch(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT", modified),
          f"GET {target}: 200, whole, Accept-Ranges: bytes, Last-Modified {modified!r}")
    partial(srv, target, data, "bytes=0-0", 0, 0)
    partial(srv, target, data, "bytes=10-99", 10, 99)
    partial(srv, target, data, "bytes=100-", 100, size - 1)
    partial(srv, target, data, "bytes=-500", size - 500, size - 1)
    partial(srv, target, data, f"bytes={size - 10}-{size + 1000}", size - 10, size - 1)
    partial(srv, target, data, "bytes=0-99999999999999999999999", 0, size - 1)
    partial(srv, target, data, "bytes=5-9", 5, 9, {"Accept-Encoding": "gzip"})
    unsatisfiable(srv, target, size, f"bytes={size}-")
    unsatisfiable(srv, target, size, "bytes=-0")
    unsatisfiable(srv, target, size, "bytes=99999999999999999999999-")
    for rng in ("bytes=0-1,5-9", "bytes=5-4", "bytes = 1-2", "items=0-1", "bytes=x-y", ""):
        whole(srv, target, data, {"Range": rng}, f"Range: {rng!r}")
    partial(srv, target, data, "bytes=20-29", 20, 29, {"If-Range": etag})
    partial(srv, target, data, "bytes=20-29", 20, 29, {"If-Range": modified})
    whole(srv, target, data, {"Range": "bytes=20-29", "If-Range": '"0000"'},
          "If-Range: another tag")
    whole(srv, target, data, {"Range": "bytes=20-29", "If-Range": "W/" + (etag or "")},
          "If-Range: the weak form of the tag")
    whole(srv, target, data, {"Range": "bytes=20-29",
                              "If-Range": "Thu, 01 Jan 2015 00:00:00 GMT"},
          "If-Range: another date")
    st, h, body = srv.request("HEAD", target, headers={"Range": "bytes=0-9"})
    check(st == 200 and body == b"" and h.get("content-length") == str(size) and
          h.get("accept-ranges") == "bytes" and "content-range" not in h,
          f"HEAD with Range -> 200, Content-Length {size}, no body (got {st}, "
          f"{h.get('content-length')})")
    st, h, body = srv.request("GET", target, headers={"Range": "bytes=0-9",
                                                      "If-None-Match": etag})
    check(st == 304 and body == b"", f"If-None-Match matching + Range -> 304 (got {st})")


def ogr_count(path, env):
    r = subprocess.run(["ogrinfo", "-ro", "-so", "-al", "-spat", *SPAT, path],
                       capture_output=True, text=True, timeout=60, env=env)
    m = re.search(r"Feature Count: (\d+)", r.stdout)
    return int(m.group(1)) if m else None, r.stderr[-300:]


def access_lines(srv, name):
    pat = re.compile(r'method=(\w+) path="/data/' + re.escape(name) +
                     r'" status=(\d+) bytes=(\d+)')
    return [(m.group(1), int(m.group(2)), int(m.group(3)))
            for m in pat.finditer(srv.stderr())]


def test_gdal(srv, name, data):
    env = dict(os.environ, CPL_VSIL_CURL_ALLOWED_EXTENSIONS=".fgb",
               GDAL_DISABLE_READDIR_ON_OPEN="EMPTY_DIR", GDAL_HTTP_TIMEOUT="60",
               VSI_CACHE="FALSE", CPL_DEBUG="OFF")
    local = os.path.join(WORK, "local-" + name)
    with open(local, "wb") as f:
        f.write(data)
    want, err = ogr_count(local, env)
    check(want is not None and want > 0, f"ogrinfo -spat on the file: {want} features {err}")
    before = len(access_lines(srv, name))
    got, err = ogr_count(f"/vsicurl/{srv.base}/data/{name}", env)
    check(got == want, f"ogrinfo -spat on /vsicurl/: {got} features, as the file ({err})")
    # The access line is written once the answer is sent: wait for GDAL's last one to land.
    poll_until(lambda: len(access_lines(srv, name)) > before, 10, "GDAL's requests logged")
    lines = access_lines(srv, name)[before:]
    ranges = [b for m, s, b in lines if m == "GET" and s == 206]
    fulls = [1 for m, s, b in lines if m == "GET" and s == 200]
    total = sum(ranges)
    print(f"     GDAL: {len(lines)} requests, {len(ranges)} ranges, {total} of {len(data)} bytes")
    check(ranges and not fulls and total < len(data),
          f"GDAL read by ranges only: {len(ranges)} x 206, {total} bytes < {len(data)}, "
          f"no 200 GET ({lines})")


def main():
    os.makedirs(WORK, exist_ok=True)
    name, data = the_fgb()
    srv = ApiServer(API, ["--port", "0", "--db", DB, "--threads", "2",
                          "--static_dir", os.path.join(SRC, "map-ui")],
                    os.path.join(WORK, "server.log"), name="ranges")
    try:
        test_raw(srv, name, data)
        test_gdal(srv, name, data)
    finally:
        srv.stop_clean("server stopped cleanly on SIGTERM")
    finish()


main()
