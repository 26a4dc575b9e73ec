"""How a geocoded place is served: geocode_precision and geocode_score in /api/places and OGC.

The real geodir-import builds a database from fixtures/ (seven real communes with fictional
data: 13 BAN-format address points of Vaubecourt and four places, three of them without a
point, so the importer geocodes them: one at its house number, one on its street, one at the
commune's centre); the real geodir-api serves it on 127.0.0.1 port 0. Checks, against the
values the importer stored (read with Python's sqlite3):
  - /api/places/{id}: geocode_precision and geocode_score (3 decimals) of each geocoded place,
    null for a place whose point came from its source;
  - /api/places in GeoJSON and f=json, and properties= selecting them (alone, or left out);
  - the OGC API items (their own property writer) and the OpenAPI document's property list.

usage: test_geocode_api.py GEODIR_IMPORT GEODIR_API SOURCE_DIR WORK_DIR
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import urllib.parse

sys.dont_write_bytecode = True   # tests write only under the build tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import ApiServer, check, finish  # noqa: E402

IMPORTER, API, SRC, WORK = sys.argv[1:5]
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def get_json(server, target):
    status, headers, body = server.request("GET", target)
    if not check(status == 200, f"GET {target}: 200 (got {status}: {body[:200]!r})"):
        return {}
    return json.loads(body)


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    for f in os.listdir(FIXTURES):
        shutil.copy(os.path.join(FIXTURES, f), WORK)
    db = os.path.join(WORK, "geodir.sqlite")
    p = subprocess.run([IMPORTER, "--config", os.path.join(WORK, "territory.json"), "--db", db,
                        "--no-exports", "--quiet"], capture_output=True, text=True, timeout=120)
    if not check(p.returncode == 0,
                 f"geodir-import: exit 0 (got {p.returncode}: {p.stderr[-2000:]})"):
        finish()
    con = sqlite3.connect(db)
    stored = {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT id, geocode_precision, geocode_score FROM places")}
    con.close()
    check(stored.get("lieux:geo-1", (None,))[0] == "housenumber"
          and stored.get("lieux:geo-2", (None,))[0] == "street"
          and stored.get("lieux:geo-3", (None,))[0] == "municipality"
          and stored.get("lieux:pos-1") == (None, None),
          f"the importer geocoded the three places without a point (got {stored})")

    server = ApiServer(API, ["--port", "0", "--db", db,
                             "--static_dir", os.path.join(SRC, "map-ui")],
                       os.path.join(WORK, "server.log"))
    try:
        for pid, (prec, score) in sorted(stored.items()):
            f = get_json(server, "/api/places/" + urllib.parse.quote(pid))
            props = f.get("properties", {})
            want = None if score is None else round(score, 3)
            check("geocode_precision" in props and props.get("geocode_precision") == prec
                  and "geocode_score" in props and props.get("geocode_score") == want,
                  f"/api/places/{pid}: geocode_precision {prec!r}, geocode_score {want!r} "
                  f"(got {props.get('geocode_precision')!r}, {props.get('geocode_score')!r})")

        fc = get_json(server, "/api/places?commune=55532&limit=10")
        by_id = {x["id"]: x["properties"] for x in fc.get("features", [])}
        check(len(by_id) == 4 and by_id.get("lieux:geo-2", {}).get("geocode_precision") == "street"
              and by_id.get("lieux:pos-1", {}).get("geocode_precision", "missing") is None
              and by_id.get("lieux:pos-1", {}).get("geocode_score", "missing") is None,
              f"GeoJSON search: the properties of each place, null when not geocoded (got {by_id})")
        js = get_json(server, "/api/places?commune=55532&f=json&limit=10")
        by_id = {x["id"]: x for x in js.get("places", [])}
        g3 = by_id.get("lieux:geo-3", {})
        check(g3.get("geocode_precision") == "municipality"
              and g3.get("geocode_score") == round(stored["lieux:geo-3"][1], 3),
              f"f=json: the same properties at the top of each object (got {g3})")
        sel = get_json(server, "/api/places?commune=55532&properties=name,geocode_precision")
        keys = {tuple(sorted(x["properties"])) for x in sel.get("features", [])}
        check(keys == {("geocode_precision", "name")},
              f"properties=name,geocode_precision: only those two (got {keys})")
        sel = get_json(server, "/api/places?commune=55532&properties=geocode_score&f=json")
        keys = {tuple(sorted(x)) for x in sel.get("places", [])}
        check(keys == {("geocode_score", "id", "lat", "lon")},
              f"f=json&properties=geocode_score: id, lat, lon and it (got {keys})")
        sel = get_json(server, "/api/places?commune=55532&properties=name")
        check(all("geocode_precision" not in x["properties"] for x in sel.get("features", [])),
              "properties=name: no geocode_precision")
        status, _, body = server.request("GET", "/api/places?properties=geocode_quality")
        check(status == 400 and b"properties" in body,
              f"an unknown property name: 400 naming properties (got {status})")

        item = get_json(server, "/ogc/collections/places/items/lieux%3Ageo-1?f=json")
        props = item.get("properties", {})
        check(props.get("geocode_precision") == "housenumber"
              and props.get("geocode_score") == round(stored["lieux:geo-1"][1], 3),
              f"OGC item: geocode_precision and geocode_score (got {props})")
        item = get_json(server, "/ogc/collections/places/items/lieux%3Apos-1?f=json")
        props = item.get("properties", {})
        check(props.get("geocode_precision", "missing") is None
              and props.get("geocode_score", "missing") is None,
              f"OGC item with a source point: both null (got {props})")
        items = get_json(server, "/ogc/collections/places/items?f=json&properties=geocode_score")
        keys = {tuple(sorted(x.get("properties", {}))) for x in items.get("features", [])}
        check(keys == {("geocode_score",)}, f"OGC items, properties=geocode_score (got {keys})")
        status, _, body = server.request("GET", "/ogc/api?f=json")
        check(status == 200 and b'"geocode_precision"' in body and b'"geocode_score"' in body,
              "the OpenAPI document lists geocode_precision and geocode_score")
    finally:
        server.stop_clean("server stopped cleanly")
    finish()


if __name__ == "__main__":
    main()
