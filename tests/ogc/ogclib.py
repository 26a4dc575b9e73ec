"""Helpers of the OGC API tests (tests/ogc/): the real geodir-api on 127.0.0.1 port 0, HTTP
requests with the checks every answer must pass, the fixture database read directly with
Python's sqlite3 (no SpatiaLite: points are read from their blobs), the taxonomy, brute-force
filters and gdaltransform. Standard library only.
"""
import json
import os
import re
import sqlite3
import struct
import subprocess
import sys
import urllib.parse

sys.dont_write_bytecode = True   # tests write only under the build tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import (ApiServer, check, debian_module, failures, finish,  # noqa: E402,F401
                         http_request, json_answer)

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG2154 = "http://www.opengis.net/def/crs/EPSG/0/2154"
CT_JSON = "application/json"
CT_GEOJSON = "application/geo+json"
CT_HTML = "text/html; charset=utf-8"
CT_OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CT_ERROR = "application/json; charset=utf-8"


class Server(ApiServer):
    """geodir-api on 127.0.0.1 port 0, with the OGC API as base; request() takes a target first."""

    def __init__(self, api, db, static_dir, log_path, env=None, extra=()):
        super().__init__(api, ["--port", "0", "--db", db, "--static_dir", static_dir, *extra],
                         log_path, env, "ogc")
        self.base = f"http://127.0.0.1:{self.port}/ogc"

    def stop(self):
        code = super().stop()
        check(code == 0, f"server stopped cleanly on SIGTERM (exit {code})")

    def request(self, target, headers=None, method="GET"):
        """target: a path ('/ogc/...') or an absolute URL of this server."""
        if target.startswith("http://"):
            u = urllib.parse.urlsplit(target)
            check(u.port == self.port, f"link stays on this server: {target[:80]}")
            target = u.path + ("?" + u.query if u.query else "")
        return http_request(self.port, method, target, headers=headers)

    def get_json(self, target, ctype=CT_JSON, headers=None, status=200):
        answer = self.request(target, headers)
        return json_answer(f"GET {target[:100]}", answer, status, ctype), answer[1]

    def expect_error(self, target, status, code, parameter=None, headers=None):
        st, hdrs, body = self.request(target, headers)
        check(st == status, f"GET {target[:100]} -> {status} (got {st})")
        check(hdrs.get("content-type") == CT_ERROR, f"  error body is JSON")
        try:
            doc = json.loads(body)
        except ValueError:
            check(False, f"  error body parses ({body[:80]!r})")
            return None
        check(doc.get("code") == code, f"  code {code} (got {doc.get('code')}: "
                                       f"{doc.get('description')})")
        if parameter is not None:
            check(doc.get("parameter") == parameter,
                  f"  names parameter {parameter!r} (got {doc.get('parameter')!r})")
        return doc

    def walk(self, target, rel="next", limit_pages=2000):
        """Follows rel links from target; returns (pages, features in order)."""
        pages, feats = [], []
        url = target
        while url and len(pages) < limit_pages:
            doc, _ = self.get_json(url, CT_GEOJSON) if not pages else self.quiet_json(url)
            if doc is None:
                break
            pages.append(doc)
            feats.extend(doc["features"])
            url = link(doc, rel, CT_GEOJSON)
        return pages, feats

    def quiet_json(self, target):
        st, hdrs, body = self.request(target)
        if st != 200 or hdrs.get("content-type") != CT_GEOJSON:
            check(False, f"GET {target[:100]} -> 200 geo+json (got {st} "
                         f"{hdrs.get('content-type')}: {body[:120]!r})")
            return None, hdrs
        return json.loads(body), hdrs


def link(doc, rel, type_=None):
    for l in doc.get("links", []):
        if l.get("rel") == rel and (type_ is None or l.get("type") == type_):
            return l.get("href")
    return None


def run_groups(tests, *args, only=None):
    """Runs each group of checks t(*args) (those whose name contains only, when given); a
    crash in one group is a failed check and does not hide the others."""
    for t in tests:
        if only and only not in t.__name__:
            continue
        print(f"--- {t.__name__}", flush=True)
        try:
            t(*args)
        except Exception as e:
            import traceback
            traceback.print_exc()
            check(False, f"{t.__name__} ran to its end ({type(e).__name__}: {e})")


def query_of(href):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(href).query, keep_blank_values=True)


def qs(**params):
    return urllib.parse.urlencode(params)


# ---- fixture database ----------------------------------------------------------------------

def point_of(blob):
    """(lon, lat) of a SpatiaLite 2D POINT blob (60 bytes)."""
    if blob is None or len(blob) != 60 or blob[38] != 0x7C:
        return None
    fmt = "<dd" if blob[1] == 1 else ">dd"
    return struct.unpack(fmt, blob[43:59])


def load_db(path):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    places = []
    for fid, pid, cat, insee, lic, date, name, blob in con.execute(
            "SELECT fid, id, category, insee, licence, source_date, name, geom FROM places"):
        lon, lat = point_of(blob)
        places.append({"fid": fid, "id": pid, "category": cat, "insee": insee,
                       "licence": lic, "source_date": date, "name": name, "lon": lon,
                       "lat": lat})
    addresses = []
    for fid, aid, src, lic, blob in con.execute(
            "SELECT fid, id, source, licence, geom FROM addresses"):
        lon, lat = point_of(blob)
        addresses.append({"fid": fid, "id": f"{src}:{aid}", "licence": lic, "lon": lon,
                          "lat": lat})
    communes = [r[0] for r in con.execute("SELECT insee FROM communes ORDER BY insee")]
    commune_licences = {r[0] for r in con.execute(
        "SELECT coalesce(c.licence, s.licence) FROM communes c "
        "LEFT JOIN sources s ON s.name = c.source")}
    con.close()
    return places, addresses, communes, commune_licences


def load_taxonomy(src):
    """[(code, parent, label)] from common/taxonomy.def."""
    out = []
    pat = re.compile(r'^GDIR_CATEGORY\("([^"]+)",\s*(NULL|"([^"]+)"),\s*"([^"]*)"\)')
    with open(os.path.join(src, "common", "taxonomy.def"), encoding="utf-8") as f:
        for line in f:
            m = pat.match(line.strip())
            if m:
                out.append((m.group(1), m.group(3), m.group(4)))
    return out


# ---- time ------------------------------------------------------------------------------------

def days_from_civil(y, m, d):
    import datetime
    return (datetime.date(y, m, d) - datetime.date(1970, 1, 1)).days


def stored_interval(s):
    """[start, end) seconds of a stored date ('YYYY-MM-DD': the UTC day; a UTC date-time: its
    second), or None."""
    if not s:
        return None
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        t = days_from_civil(int(m[1]), int(m[2]), int(m[3])) * 86400
        return (t, t + 86400)
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z", s)
    if m:
        t = days_from_civil(int(m[1]), int(m[2]), int(m[3])) * 86400 + \
            int(m[4]) * 3600 + int(m[5]) * 60 + int(m[6])
        return (t, t + 1)
    return None


# ---- gdaltransform ----------------------------------------------------------------------------

def to_l93(points):
    """[(x, y)] Lambert-93 of [(lon, lat)] by gdaltransform EPSG:4326 -> EPSG:2154."""
    text = "".join(f"{lon!r} {lat!r}\n" for lon, lat in points)
    run = subprocess.run(["gdaltransform", "-s_srs", "EPSG:4326", "-t_srs", "EPSG:2154",
                          "-output_xy"], input=text, capture_output=True, text=True,
                         timeout=120)
    if run.returncode != 0:
        check(False, f"gdaltransform ran ({run.stderr[:200]})")
        return []
    out = [tuple(float(v) for v in line.split()[:2]) for line in run.stdout.splitlines()
           if line.strip()]
    check(len(out) == len(points), f"gdaltransform gave {len(points)} points (got {len(out)})")
    return out
