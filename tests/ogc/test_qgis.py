#!/usr/bin/env python3
"""QGIS's own OGC API - Features provider (the "OAPIF" provider of Debian's python3-qgis, QGIS
3.22, run headless) against the real geodir-api over the database the real importer built
(build_db.py), as a GIS user adding the layers would:

  - places: a valid point layer in EPSG:4326 with the API's properties as fields, exactly the
    database's places (count from numberMatched, every feature read by paging, ids equal), the
    extent within the territory;
  - a spatial request (QgsFeatureRequest.setFilterRect) gives exactly the API's numberMatched
    for that bbox;
  - communes: multipolygons, one per commune;
  - places-<category>: the category's places only.

usage: test_qgis.py GEODIR_API DB SOURCE_DIR WORK_DIR
"""
import os
import sys

sys.dont_write_bytecode = True   # tests write only under the build tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import debian_module  # noqa: E402

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")   # no display in CI
qgis_core = debian_module("qgis.core", "python3-qgis")
from ogclib import CT_GEOJSON, Server, check, finish, load_db, load_taxonomy, qs  # noqa: E402

API, DB, SRC, WORK = sys.argv[1:5]
os.makedirs(WORK, exist_ok=True)
os.environ.setdefault("XDG_RUNTIME_DIR", WORK)
PLACES, _, COMMUNES, _ = load_db(DB)
LOG = os.path.join(WORK, "qgis-server.stderr")
srv = Server(API, DB, os.path.join(SRC, "map-ui"), LOG)


def layer(collection):
    uri = f"url='{srv.base}' typename='{collection}' restrictToRequestBBOX='0'"
    lyr = qgis_core.QgsVectorLayer(uri, collection, "OAPIF")
    # error() only of an invalid layer: QGIS 3.22's OAPIF provider crashes on a valid one's
    check(lyr.isValid(), f"QGIS opens {collection} ({lyr.error().summary() if not lyr.isValid() else 'valid'})")
    return lyr


def ids_of(features):
    return [f["id"] for f in features]


def test_places():
    lyr = layer("places")
    if not lyr.isValid():
        return
    fields = {f.name() for f in lyr.fields()}
    check({"id", "name", "category", "address", "licence", "source"} <= fields,
          f"places: the API's properties are the layer's fields ({sorted(fields)})")
    geom = qgis_core.QgsWkbTypes.displayString(lyr.wkbType())
    check(geom == "Point" and lyr.crs().authid() == "EPSG:4326",
          f"places: points in EPSG:4326 (got {geom}, {lyr.crs().authid()})")
    check(lyr.featureCount() == len(PLACES),
          f"places: feature count {lyr.featureCount()} = {len(PLACES)} (numberMatched)")
    got = ids_of(lyr.getFeatures())
    check(len(got) == len(PLACES) and set(got) == {p["id"] for p in PLACES},
          f"places: every feature read by paging ({len(got)} of {len(PLACES)}, ids equal)")
    e = lyr.extent()
    lons = [p["lon"] for p in PLACES]
    lats = [p["lat"] for p in PLACES]
    check(abs(e.xMinimum() - min(lons)) < 1e-5 and abs(e.yMaximum() - max(lats)) < 1e-5,
          f"places: the extent is the places' ({e.toString()})")


def test_bbox():
    bbox = (5.05, 48.9, 5.15, 49.0)
    doc, _ = srv.get_json(f"/ogc/collections/places/items?"
                          f"{qs(bbox=','.join(map(str, bbox)), limit=1)}", CT_GEOJSON)
    lyr = layer("places")
    if not lyr.isValid():
        return
    req = qgis_core.QgsFeatureRequest().setFilterRect(qgis_core.QgsRectangle(*bbox))
    got = ids_of(lyr.getFeatures(req))
    want = {p["id"] for p in PLACES
            if bbox[0] <= p["lon"] <= bbox[2] and bbox[1] <= p["lat"] <= bbox[3]}
    check(len(got) == doc["numberMatched"] == len(want) and set(got) == want,
          f"places in a bbox: {len(got)} features = numberMatched {doc['numberMatched']}")


def test_communes_and_category():
    lyr = layer("communes")
    if lyr.isValid():
        geom = qgis_core.QgsWkbTypes.displayString(lyr.wkbType())
        got = sorted(f["insee"] for f in lyr.getFeatures())
        check(geom == "MultiPolygon" and got == COMMUNES,
              f"communes: one multipolygon per commune ({geom}, {got})")
    parent = {code: up for code, up, _ in load_taxonomy(SRC)}

    def top_of(code):
        while parent.get(code):
            code = parent[code]
        return code
    top = sorted({top_of(p["category"]) for p in PLACES})[0]
    lyr = layer(f"places-{top}")
    if lyr.isValid():
        got = set(ids_of(lyr.getFeatures()))
        want = {p["id"] for p in PLACES if top_of(p["category"]) == top}
        check(got == want and got, f"places-{top}: the category's {len(want)} places ({len(got)})")


def main():
    app = qgis_core.QgsApplication([], False)
    app.initQgis()
    try:
        test_places()
        test_bbox()
        test_communes_and_category()
    finally:
        app.exitQgis()
        srv.stop()
    finish()


if __name__ == "__main__":
    main()
