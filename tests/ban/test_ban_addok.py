#!/usr/bin/env python3
"""addok's parameters on the real geodir-api (issue 16; docs/geocoding.md, « addok
compatibility »): one table row per parameter form addok (addok/http/base.py, v1.3.2) or
addok-csv (addok_csv/__init__.py, v1.1.0) accepts, each sent to the server started on
127.0.0.1 port 0 over the database that build_db.py made with the real importer.

Each row says what addok does with it and checks geodir's answer against an independent
expectation:
  - an alias or another spelling (latitude, lng, long, longitude; type=a+b, type=a&type=b;
    limit=0; unknown parameters) must give the same features as the canonical request;
  - the multi-value type filter is checked against the per-type answers merged by hand (score
    order for /search/, distance order for /reverse/);
  - the reverse filters (citycode, postcode, type) against a brute-force haversine scan of the
    fixture addresses;
  - the CSV options (form fields and query string alike) against the answer without them, and
    the reverse CSV against /api/reverse/ line by line;
  - bad values of known parameters: 400 naming the parameter; the OGC API still refuses unknown
    parameters.

usage: test_ban_addok.py GEODIR_API DB SOURCE_DIR WORK_DIR
"""
import json
import os
import sys

sys.dont_write_bytecode = True   # tests write only under the build tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import test_ban as tb  # noqa: E402  (the helpers and fixture addresses of test_ban.py)
from geodir_test import check, failures, haversine  # noqa: E402

S, R = "/api/search/", "/api/reverse/"


def get(port, path):
    st, hdrs, data = tb.request(port, "GET", path)
    try:
        return st, json.loads(data)
    except ValueError:
        return st, {}


def ids(doc):
    return [(f["properties"].get("id"), f["properties"]["label"], f["properties"]["type"])
            for f in doc.get("features", [])]


# ---------------------------------------------------------------------------------------------
# GET /api/search/ and /api/reverse/: each addok form against the canonical request.

SAME = [
    # (what addok does, addok's form, the canonical request)
    ("search: `latitude` is read as lat (parse_float(req, 'lat', 'latitude'))",
     S + "?q=1+rue+de+l%27eglise&latitude=48.98&lon=5.19",
     S + "?q=1+rue+de+l%27eglise&lat=48.98&lon=5.19"),
    ("search: `lng` is read as lon", S + "?q=1+rue+de+l%27eglise&lat=48.98&lng=5.19",
     S + "?q=1+rue+de+l%27eglise&lat=48.98&lon=5.19"),
    ("search: `long` is read as lon", S + "?q=1+rue+de+l%27eglise&lat=48.98&long=5.19",
     S + "?q=1+rue+de+l%27eglise&lat=48.98&lon=5.19"),
    ("search: `longitude` is read as lon",
     S + "?q=1+rue+de+l%27eglise&latitude=48.98&longitude=5.19",
     S + "?q=1+rue+de+l%27eglise&lat=48.98&lon=5.19"),
    ("search: `lat` before `latitude` (addok's order)",
     S + "?q=1+rue+de+l%27eglise&lat=48.98&latitude=48.93&lon=5.19",
     S + "?q=1+rue+de+l%27eglise&lat=48.98&lon=5.19"),
    ("search: limit=0 is the default 5 (`limit or 5`)", S + "?q=jardins&limit=0",
     S + "?q=jardins"),
    ("search: unknown parameters ignored (@p-j/geocodejson-ban sends address=)",
     S + "?q=8+grande+rue+vaubecourt&address=8+grande+rue&apiKey=k&language=fr&foo=%FF%&&bar",
     S + "?q=8+grande+rue+vaubecourt"),
    ("search: type=street+housenumber is the repeated form (split on spaces)",
     S + "?q=rue+de+l%27eglise&type=street+housenumber&limit=20",
     S + "?q=rue+de+l%27eglise&type=street&type=housenumber&limit=20"),
    ("search: %20 is the same separator as +",
     S + "?q=rue+de+l%27eglise&type=street%20housenumber&limit=20",
     S + "?q=rue+de+l%27eglise&type=housenumber+street&limit=20"),
    ("search: a type given twice counts once",
     S + "?q=rue+de+l%27eglise&type=street+street&limit=20",
     S + "?q=rue+de+l%27eglise&type=street&limit=20"),
    ("reverse: `lng` is read as lon (test_reverse_should_also_accept_lng)",
     R + "?lat=48.9298&lng=5.113", R + "?lat=48.9298&lon=5.113"),
    ("reverse: `latitude`/`longitude`", R + "?latitude=48.9298&longitude=5.113&limit=3",
     R + "?lat=48.9298&lon=5.113&limit=3"),
    ("reverse: limit=0 is the default 1 (`limit or 1`)", R + "?lat=48.9298&lon=5.113&limit=0",
     R + "?lat=48.9298&lon=5.113"),
    ("reverse: unknown parameters ignored (q, foo)", R + "?lat=48.9298&lon=5.113&q=rue&foo=1",
     R + "?lat=48.9298&lon=5.113"),
    ("search without the slash, unknown parameter", "/api/search?q=jardins&x=1",
     S + "?q=jardins"),
]


def test_same_answers(port):
    for what, addok, canonical in SAME:
        st1, a = get(port, addok)
        st2, b = get(port, canonical)
        check(st1 == 200 and st2 == 200 and a.get("features") and
              ids(a) == ids(b) and a.get("limit") == b.get("limit") and
              a.get("center") == b.get("center"),
              f"{what}: {addok} answers as {canonical} ({st1} {ids(a)[:3]} vs {ids(b)[:3]})")
    st, a = get(port, S + "?q=jardins&limit=0")
    check(a.get("limit") == 5 and len(a["features"]) == 5, "search limit=0: limit 5 in the answer")


def merged(port, path, key, types, limit):
    """The per-type answers merged by hand: best score / nearest first, at most limit."""
    out = []
    for t in types:
        st, d = get(port, f"{path}&type={t}&limit=100")
        out += d.get("features", [])
    if key == "score":
        out.sort(key=lambda f: -f["properties"]["score"])
    else:
        out.sort(key=lambda f: f["properties"]["distance"])
    return [(f["properties"].get("id"), f["properties"]["label"], f["properties"]["type"])
            for f in out[:limit]]


def test_multi_type(port):
    base = S + "?q=12+rue+de+l%27eglise+vaubecourt"
    st, d = get(port, base + "&type=street+housenumber&limit=6")
    want = merged(port, base, "score", ["housenumber", "street"], 6)
    got = ids(d)
    check(st == 200 and {t for _, _, t in got} == {"housenumber", "street"} and
          [x[0] for x in got] == [x[0] for x in want],
          f"search type=street+housenumber: both types, the per-type answers merged by score "
          f"({got} vs {want})")
    check(d.get("filters") == {"type": ["housenumber", "street"]},
          f"search: several types echoed as a list, as addok 1.3 ({d.get('filters')})")
    st, d = get(port, base + "&type=municipality&type=street&limit=10")
    check(st == 200 and {t for _, _, t in ids(d)} <= {"municipality", "street"} and
          "municipality" in {t for _, _, t in ids(d)}, "search: repeated type=, OR")
    rbase = R + "?lat=48.9301&lon=5.1112"
    st, d = get(port, rbase + "&type=street+municipality&limit=4")
    want = merged(port, rbase, "distance", ["street", "municipality"], 4)
    check(st == 200 and [x[1] for x in ids(d)] == [x[1] for x in want],
          f"reverse type=street+municipality: merged by distance ({ids(d)} vs {want})")


def nearest(lat, lon, keep, k):
    cands = [a for a in tb.NUMBERED if keep(a)]
    cands.sort(key=lambda a: haversine(lat, lon, a["lat"], a["lon"]))
    return [a["id"] for a in cands[:k]]


def test_reverse_filters(port):
    lat, lon = 48.9301, 5.1112           # in Vaubecourt: Beausite and Seuil-d'Argonne farther
    for param, value, keep in (
            ("citycode", "55040", lambda a: a["citycode"] == "55040"),
            ("citycode", "55517", lambda a: a["citycode"] == "55517"),
            ("postcode", "55260", lambda a: a["postcode"] == "55260"),
            ("postcode", "55250", lambda a: a["postcode"] == "55250")):
        st, d = get(port, R + f"?lat={lat}&lon={lon}&{param}={value}&limit=3")
        got = [f["properties"]["id"] for f in d.get("features", [])]
        want = nearest(lat, lon, keep, 3)
        check(st == 200 and got == want and d.get("filters") == {param: value},
              f"reverse {param}={value}: the 3 nearest of the brute-force scan ({got} vs {want})")
    st, d = get(port, R + f"?lat={lat}&lon={lon}&citycode=55040&type=street&limit=2")
    fs = d.get("features", [])
    check(st == 200 and fs and all(f["properties"]["citycode"] == "55040" and
                                   f["properties"]["type"] == "street" for f in fs),
          "reverse citycode + type: Beausite's streets only")
    st, d = get(port, R + f"?lat={lat}&lon={lon}&citycode=55532&postcode=55260")
    check(st == 200 and d.get("features") == [], "reverse: filters that exclude each other -> []")


# ---------------------------------------------------------------------------------------------
# Values are still checked: a bad value of a known parameter answers 400 naming it.

BAD = [
    (S + "?q=rue&latitude=abc&lon=5", "latitude"), (S + "?q=rue&lat=48&lng=200", "lng"),
    (S + "?q=rue&lat=48&longitude=", "longitude"), (S + "?q=rue&long=5", "lat"),
    (S + "?q=rue&latitude=48", "lon"), (S + "?q=rue&type=street+road", "type"),
    (S + "?q=rue&type=street,housenumber", "type"), (S + "?q=rue&type=+", "type"),
    (S + "?q=rue&limit=-1", "limit"),
    (S + "?q=rue&limit=101", "limit"), (S + "?q=rue&postcode=55250&postcode=55260", "postcode"),
    (S + "?q=a&q=b", "q"), (S + "?q=rue&lng=5&lng=5&lat=48", "lng"),
    (S + "?q=rue" + "&type=street" * 9, "type"), (S + "?q=rue" + "&type=street" * 24, "query"),
    (R + "?lat=48&lon=5&citycode=5504", "citycode"), (R + "?lat=48&lon=5&postcode=x", "postcode"),
    (R + "?lat=48&lon=5&type=road", "type"), (R + "?lng=5", "lat"), (R + "?latitude=95&lon=5",
                                                                     "latitude"),
    (R + "?lat=48&lon=5&limit=101", "limit"),
    ("/ogc/collections/places/items?foo=1", "foo"), ("/api/places?address=x", "address"),
]


def test_bad_values(port):
    for path, param in BAD:
        tb.expect_error(port, path, 400, param)


# ---------------------------------------------------------------------------------------------
# CSV: addok-csv's options, as form fields and in the query string.

SRC = ("id;adresse;cp;insee;genre\r\n"
       "a1;12 rue de l'église;55250;55532;housenumber\r\n"
       "a2;rue de l'église;55260;55040;street\r\n"
       "a3;3 chemin du moulin;55260;55040;\r\n")


def csv_post(port, fields=(), query="", data=SRC.encode(), filename="adresses.csv",
             path="/api/search/csv/"):
    ct, body = tb.multipart(list(fields), [("data", filename, data)])
    return tb.request(port, "POST", path + query, body=body, headers={"Content-Type": ct})


def rows_of(data, sep=";", enc="utf-8-sig"):
    return tb.parse_csv(data.decode(enc), sep)


def test_csv_options(port):
    cols = [("columns", "adresse"), ("columns", "cp")]
    st, h, base = csv_post(port, cols)
    check(st == 200, f"csv: base answer ({st} {base[:200]!r})")
    check(h.get("content-disposition") == 'attachment; filename="adresses.geocoded.csv"',
          f"csv: Content-Disposition as addok-csv ({h.get('content-disposition')})")
    # filters and columns: the query string is the form
    st, _, a = csv_post(port, [("columns", "adresse"), ("citycode", "insee")])
    st2, _, b = csv_post(port, [("columns", "adresse")], "?citycode=insee")
    st3, _, c = csv_post(port, query="?columns=adresse&citycode=insee")
    ra = rows_of(a)
    ci = ra[0].index("result_citycode")
    check(st == st2 == st3 == 200 and a == b == c and
          [x[ci] for x in ra[1:]] == ["55532", "55040", "55040"],
          "csv: citycode=insee as a form field, in the query string (…/csv/?citycode=insee) and "
          "columns in the query string give one answer, filtered")
    st, _, a = csv_post(port, cols + [("type", "genre")])
    r = rows_of(a)
    ti = r[0].index("result_type")
    check(st == 200 and r[1][ti] == "housenumber" and r[2][ti] == "street",
          f"csv: a type column filters each line ({[x[ti] for x in r[1:]]})")
    # unknown fields and parameters ignored
    st, _, a = csv_post(port, cols + [("foo", "1"), ("min_score", "0")], "?bar=2&x=%FF")
    check(st == 200 and a == base, "csv: unknown form fields and parameters ignored")
    # result_columns
    st, _, a = csv_post(port, cols + [("result_columns", "result_id"),
                                      ("result_columns", "result_score")])
    r = rows_of(a)
    check(st == 200 and r[0] == ["id", "adresse", "cp", "insee", "genre", "result_score",
                                 "result_id"] and r[1][6] == rows_of(base)[1][5 + 5],
          f"csv: result_columns keeps the asked result columns ({r[0]})")
    # delimiter: a header with more commas than semicolons is read by ';' when asked
    odd = "nom, prénom;adresse\r\nA, B;12 rue de l'église vaubecourt\r\n".encode()
    st, _, a = csv_post(port, [("columns", "adresse")], data=odd)
    check(st == 400, f"csv: without delimiter the ',' is detected, no column adresse ({st})")
    st, _, a = csv_post(port, [("columns", "adresse"), ("delimiter", ";")], data=odd)
    r = rows_of(a)
    check(st == 200 and r[0][:2] == ["nom, prénom", "adresse"] and r[1][5 + 2] != "",
          f"csv: delimiter=; ({r[:2]})")
    # encodings
    latin = SRC.encode("latin-1")
    st, h, a = csv_post(port, cols + [("encoding", "iso-8859-1")], data=latin)
    check(st == 200 and h.get("content-type") == "text/csv; charset=iso-8859-1" and
          a.decode("latin-1") == base.decode("utf-8"),
          "csv: encoding=iso-8859-1: read and answered in ISO-8859-1, the same answer")
    cp = SRC.replace("l'église", "l’église").encode("cp1252")
    st, h, a = csv_post(port, cols, query="?encoding=cp1252", data=cp)
    check(st == 200 and "l’église" in a.decode("cp1252") and
          rows_of(a, enc="cp1252")[1][5 + 5] == rows_of(base)[1][5 + 5],
          "csv: encoding=cp1252 (Excel's), the typographic apostrophe kept")
    # BOM
    st, _, a = csv_post(port, cols + [("with_bom", "true")])
    check(st == 200 and a.startswith(b"\xef\xbb\xbf") and not base.startswith(b"\xef\xbb\xbf"),
          "csv: with_bom=true adds a BOM")
    st, _, a = csv_post(port, cols + [("with_bom", "0")], data=b"\xef\xbb\xbf" + SRC.encode())
    check(st == 200 and a == base, "csv: with_bom=0 drops the upload's BOM")
    # min_score
    st, _, a = csv_post(port, cols + [("min_score", "1")])
    r = rows_of(a)
    check(st == 200 and all(x[5 + 3] in ("", "1") for x in r[1:]), "csv: min_score=1")
    # the file name
    st, h, _ = csv_post(port, cols, filename="élèves 2024.csv")
    check(h.get("content-disposition") ==
          "attachment; filename=\"_l_ves_2024.geocoded.csv\"; "
          "filename*=UTF-8''%C3%A9l%C3%A8ves%202024.geocoded.csv",
          f"csv: a non-ASCII file name, RFC 6266 ({h.get('content-disposition')})")


CSV_BAD = [
    ([("delimiter", "ab")], "", "delimiter"), ([("delimiter", "a")], "", "delimiter"),
    ([], "?encoding=klingon", "encoding"), ([("with_bom", "maybe")], "", "with_bom"),
    ([("result_columns", "foo")], "", "result_columns"), ([("quote", "'")], "", "quote"),
    ([("min_score", "2")], "", "min_score"), ([("citycode", "nope")], "", "citycode"),
    ([("citycode", "insee")], "?citycode=insee", "citycode"), ([("type", "x")], "", "type"),
    ([("lat", "cp")], "", "lon"), ([("columns", "nope")], "", "columns"),
]


def test_csv_bad(port):
    for fields, query, param in CSV_BAD:
        st, _, data = csv_post(port, fields, query)
        try:
            doc = json.loads(data)
        except ValueError:
            doc = {}
        check(st == 400 and doc.get("parameter") == param,
              f"csv: {fields} {query} -> 400 naming {param} ({st} {doc})")
    st, _, data = csv_post(port, [("encoding", "cp1252")], data=b"adresse\r\nrue \x81\r\n")
    check(st == 400 and json.loads(data).get("parameter") == "data",
          "csv: a byte cp1252 does not define -> 400 naming data")


def test_reverse_csv(port):
    pts = [a for a in tb.NUMBERED][:6]
    for names in (("lat", "lon"), ("latitude", "longitude"), ("lat", "lng")):
        src = f"nom;{names[0]};{names[1]}\r\n" + "".join(
            f"p{i};{a['lat']};{a['lon']}\r\n" for i, a in enumerate(pts))
        st, h, data = csv_post(port, data=src.encode(), path="/api/reverse/csv/")
        r = rows_of(data)
        ok = st == 200 and r[0][3:6] == ["result_latitude", "result_longitude", "result_label"]
        for i, a in enumerate(pts):
            st2, d = get(port, R + f"?lat={a['lat']}&lon={a['lon']}")
            ok = ok and r[i + 1][5] == d["features"][0]["properties"]["label"] and \
                r[i + 1][3 + 3] == "0"
        check(ok and h.get("content-disposition", "").startswith("attachment"),
              f"reverse csv with {names}: each line as /api/reverse/, distance 0 ({r[:2]})")
    src = "nom;lat;lon;insee\r\nx;48.9301;5.1112;55040\r\ny;48,9301;5,1112;\r\nz;abc;5;\r\n"
    st, _, data = csv_post(port, [("citycode", "insee")], data=src.encode(),
                           path="/api/reverse/csv")
    r = rows_of(data)
    ci = r[0].index("result_citycode")
    want = nearest(48.9301, 5.1112, lambda a: a["citycode"] == "55040", 1)
    check(st == 200 and r[1][r[0].index("result_id")] == want[0] and r[1][ci] == "55040" and
          r[2][ci] == "55532" and r[3][ci] == "",
          f"reverse csv: citycode column, decimal commas, a bad point left empty ({r})")
    st, _, data = csv_post(port, data=b"nom;x;y\r\na;1;2\r\n", path="/api/reverse/csv/")
    check(st == 400 and json.loads(data).get("parameter") == "lat",
          "reverse csv: no latitude column -> 400 naming lat")


def main():
    srv = tb.Server("addok", tb.DB)
    try:
        port = srv.port
        test_same_answers(port)
        test_multi_type(port)
        test_reverse_filters(port)
        test_bad_values(port)
        test_csv_options(port)
        test_csv_bad(port)
        test_reverse_csv(port)
    finally:
        check(srv.stop() == 0, "server: clean exit (SIGTERM -> 0)")
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
