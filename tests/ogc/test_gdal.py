#!/usr/bin/env python3
"""Real clients of the OGC API: GDAL's OAPIF driver (ogrinfo, ogr2ogr) against the real
geodir-api over the database the real importer built (build_db.py).

  - `ogrinfo -ro -so OAPIF:<base>` lists every collection;
  - `ogr2ogr -f GPKG out.gpkg OAPIF:<base> places` copies the whole places collection, paging
    by next links (the access log shows the pages), with exactly the database's places (count
    and ids, read back from the GeoPackage with sqlite3);
  - the same with -spat gives exactly the API's numberMatched for that bbox;
  - communes (multipolygons) and addresses copy whole; a -where on a declared parameter
    (category) is answered by the server;
  - ogrinfo's feature count comes from numberMatched.

usage: test_gdal.py GEODIR_API DB SOURCE_DIR WORK_DIR
"""
import os
import re
import sqlite3
import subprocess
import sys

sys.dont_write_bytecode = True     # nothing written into the source tree
sys.dont_write_bytecode = True   # tests write only under the build tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ogclib import CT_GEOJSON, Server, check, finish, load_db, load_taxonomy, qs  # noqa: E402

API, DB, SRC, WORK = sys.argv[1:5]
os.makedirs(WORK, exist_ok=True)
PLACES, ADDRESSES, COMMUNES, _ = load_db(DB)
TOPS = [code for code, parent, _ in load_taxonomy(SRC) if parent is None]
LOG = os.path.join(WORK, "gdal-server.stderr")
srv = Server(API, DB, os.path.join(SRC, "map-ui"), LOG)
ENV = dict(os.environ, GDAL_HTTP_TIMEOUT="60", CPL_DEBUG="OFF")


def run(args):
    r = subprocess.run(args, capture_output=True, text=True, timeout=600, env=ENV)
    if r.returncode != 0:
        print(r.stdout[-2000:], r.stderr[-2000:])
    return r


def gpkg_rows(path, table, column="id"):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in con.execute(f'SELECT "{column}" FROM "{table}"')]
    finally:
        con.close()


def items_requests(collection):
    with open(LOG, encoding="utf-8", errors="replace") as f:
        path = f'path="/ogc/collections/{collection}/items"'
        return sum(1 for line in f if path in line and "status=200" in line)


def copy(name, layer, *extra):
    out = os.path.join(WORK, name)
    if os.path.exists(out):
        os.remove(out)
    r = run(["ogr2ogr", "-f", "GPKG", out, f"OAPIF:{srv.base}", layer, *extra])
    check(r.returncode == 0, f"ogr2ogr {layer} {' '.join(extra)} ran")
    return out


def main():
    try:
        r = run(["ogrinfo", "-ro", "-so", f"OAPIF:{srv.base}"])
        listed = re.findall(r"^\d+: (\S+)", r.stdout, re.M)
        want = ["places"] + [f"places-{c}" for c in TOPS] + ["communes", "addresses"]
        check(r.returncode == 0 and listed == want,
              f"ogrinfo OAPIF lists every collection: {listed}")

        r = run(["ogrinfo", "-ro", "-so", f"OAPIF:{srv.base}", "places"])
        m = re.search(r"Feature Count: (\d+)", r.stdout)
        check(m is not None and int(m.group(1)) == len(PLACES),
              f"ogrinfo: feature count {m.group(1) if m else None} = {len(PLACES)} "
              "(numberMatched)")
        check("Geometry: Point" in r.stdout, "ogrinfo: places are points")

        before = items_requests("places")
        out = copy("places.gpkg", "places")
        got = gpkg_rows(out, "places")
        pages = items_requests("places") - before
        check(len(got) == len(PLACES) and set(got) == {p["id"] for p in PLACES},
              f"ogr2ogr copies the whole places collection: {len(got)} of {len(PLACES)} "
              f"places, ids equal")
        check(pages > 2, f"ogr2ogr paged by next links ({pages} item requests)")
        print(f"figure: ogr2ogr places: {len(got)} features in {pages} requests")

        bbox = (5.05, 48.9, 5.15, 49.0)
        doc, _ = srv.get_json(f"/ogc/collections/places/items?"
                              f"{qs(bbox=','.join(map(str, bbox)), limit=1)}", CT_GEOJSON)
        out = copy("places-spat.gpkg", "places", "-spat", *map(str, bbox))
        got = gpkg_rows(out, "places")
        want = {p["id"] for p in PLACES
                if bbox[0] <= p["lon"] <= bbox[2] and bbox[1] <= p["lat"] <= bbox[3]}
        check(len(got) == doc["numberMatched"] == len(want) and set(got) == want,
              f"ogr2ogr -spat copies exactly numberMatched = {doc['numberMatched']} places")

        out = copy("communes.gpkg", "communes")
        got = gpkg_rows(out, "communes", "insee")
        check(sorted(got) == COMMUNES, f"ogr2ogr copies the communes ({len(got)})")
        r = run(["ogrinfo", "-ro", "-so", out, "communes"])
        check("Multi Polygon" in r.stdout, "ogr2ogr: communes are multipolygons")

        out = copy("addresses.gpkg", "addresses", "-oo", "PAGE_SIZE=13")
        got = gpkg_rows(out, "addresses")
        check(sorted(got) == sorted(a["id"] for a in ADDRESSES),
              f"ogr2ogr copies the addresses ({len(got)}, pages of 13)")

        # The search extension through GDAL: the query string of the connection goes with
        # every request (the description resources accept it).
        search = qs(lat=48.95, lon=5.15, radius=2500)
        doc, _ = srv.get_json(f"/ogc/collections/places/items?{search}&limit=1", CT_GEOJSON)
        out = os.path.join(WORK, "near.gpkg")
        if os.path.exists(out):
            os.remove(out)
        r = run(["ogr2ogr", "-f", "GPKG", out, f"OAPIF:{srv.base}?{search}", "places"])
        got = gpkg_rows(out, "places") if r.returncode == 0 else []
        api, _ = srv.get_json(f"/api/places?{search}&limit=500", CT_GEOJSON)
        check(len(got) == doc["numberMatched"] and got == [f["id"] for f in api["features"]],
              f"ogr2ogr OAPIF:…/ogc?{search}: the {doc['numberMatched']} places within 2.5 km, "
              "nearest first")

        out = copy("pharmacies.gpkg", "places-health", "-where", "category = 'pharmacy'")
        got = gpkg_rows(out, "places-health")
        want = {p["id"] for p in PLACES if p["category"] == "pharmacy"}
        check(set(got) == want and len(got) == len(want),
              f"ogr2ogr -where category = 'pharmacy' ({len(want)})")
    finally:
        srv.stop()
    finish()


main()
