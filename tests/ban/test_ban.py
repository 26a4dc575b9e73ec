#!/usr/bin/env python3
"""BAN-compatible geocoding through the real geodir-api, over databases built by the real
importer from tests/ban/fixtures/ (build_db.py).

Starts geodir-api on 127.0.0.1 port 0 and checks:
  - /api/search/: GeoCodeJSON shape (as api-adresse.data.gouv.fr writes it), exact addresses,
    abbreviations, no accents, upper case, typos, filters (postcode, citycode, type),
    autocomplete on and off, proximity bias (lat/lon, center, distance), limit, Lambert-93 x/y
    against gdaltransform values, context, the licence and attribution of each source (BANO:
    ODbL, BAN: Licence Ouverte), ETag/304, HEAD, CORS;
  - /api/reverse/: nearest point, order and distances against an independent haversine, limit,
    type;
  - /api/search/csv/: BOM, `;` and `,`, CRLF and LF, quoted fields, blank and empty rows,
    columns, postcode/citycode columns, results equal to /api/search/ row by row, and every
    refusal (unknown column, not multipart, missing file, repeated field, invalid
    UTF-8, unterminated quote, too many fields, 413 on size, announced or chunked, and on rows);
  - a small client written the way BAN API clients are, pointed at our base URL;
  - bad input on every parameter: 400 naming it, the server still up;
  - one geocoder index shared by every thread (built once, also used by /api/autocomplete), and
    replaced when the database file is swapped under the running server, without a failed
    request.

usage: test_ban.py GEODIR_API DB SOURCE_DIR WORK_DIR
"""
import json
import os
import shutil
import sys
import threading
import urllib.parse
import urllib.request
import uuid

sys.dont_write_bytecode = True   # tests write only under the build tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import (ApiServer, check, failures, haversine, http_request,  # noqa: E402
                         poll_until)

API, DB, SRC, WORK = sys.argv[1:5]
FIXTURES = os.path.join(SRC, "tests", "ban", "fixtures")
STATIC = os.path.join(SRC, "map-ui")


# ---------------------------------------------------------------------------------------------
# The fixture addresses, read from the files themselves.

def read_ban(path):
    out = []
    with open(path, encoding="utf-8") as f:
        cols = f.readline().rstrip("\n").split(";")
        for line in f:
            r = dict(zip(cols, line.rstrip("\n").split(";")))
            out.append({"id": r["id"], "number": r["numero"] + r["rep"], "street": r["nom_voie"]
                        or r["nom_ld"],
                        "postcode": r["code_postal"], "citycode": r["code_insee"],
                        "city": r["nom_commune"],
                        "lat": float(r["lat"]), "lon": float(r["lon"]), "source": "ban"})
    return out


def read_bano(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            i, num, street, cp, city, _, lat, lon = line.rstrip("\n").split(",")
            out.append({"id": i, "number": num, "street": street, "postcode": cp, "citycode": i[:5],
                        "city": city, "lat": float(lat), "lon": float(lon), "source": "bano"})
    return out


ADDRESSES = read_ban(os.path.join(FIXTURES, "addresses-ban.csv")) + \
    read_bano(os.path.join(FIXTURES, "addresses-bano.csv"))
NUMBERED = [a for a in ADDRESSES if a["number"] != "99999"]
BY_ID = {a["id"]: a for a in ADDRESSES}


# ---------------------------------------------------------------------------------------------
# Server process and HTTP helpers.

def Server(name, db, env=None, threads=4):
    return ApiServer(API, ["--port", "0", "--db", db, "--static_dir", STATIC,
                           "--threads", str(threads)],
                     os.path.join(WORK, f"{name}.stderr"), env, name)


def request(port, method, path, body=None, headers=None, chunked=False):
    return http_request(port, method, path, body, headers, chunked, timeout=30)


def get_json(port, path, status=200):
    st, hdrs, data = request(port, "GET", path)
    check(st == status, f"GET {path} -> {status} (got {st}: {data[:200]!r})")
    try:
        return json.loads(data), hdrs
    except ValueError:
        check(False, f"GET {path}: JSON body")
        return {}, hdrs


def qs(**params):
    return urllib.parse.urlencode(params)


def search(port, **params):
    doc, _ = get_json(port, "/api/search/?" + qs(**params))
    return doc


def top(doc):
    f = doc.get("features") or []
    return f[0]["properties"] if f else {}


def multipart(fields, files):
    """fields: [(name, value)], files: [(name, filename, bytes)] -> (content type, body)."""
    boundary = "----geodir" + uuid.uuid4().hex
    out = []
    for name, value in fields:
        head = f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
        out.append(head.encode() + value.encode("utf-8") + b"\r\n")
    for name, filename, data in files:
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                f"filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n")
        out.append(head.encode() + data + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(out)


def post_csv(port, data, fields=(), path="/api/search/csv/"):
    ct, body = multipart(list(fields), [("data", "adresses.csv", data)])
    return request(port, "POST", path, body=body, headers={"Content-Type": ct})


def expect_error(port, path, status, param, code=None, method="GET", body=None, headers=None):
    st, hdrs, data = request(port, method, path, body=body, headers=headers)
    try:
        doc = json.loads(data)
    except ValueError:
        doc = {}
    ok = st == status and (param is None or doc.get("parameter") == param) and \
        (code is None or doc.get("code") == code) and str(doc.get("description", "")) != ""
    check(ok, f"{method} {path[:90]} -> {status} naming {param!r} (got {st} {doc})")
    return doc


# ---------------------------------------------------------------------------------------------
# /api/search/

def test_search_shape(port):
    st, hdrs, data = request(port, "GET",
                             "/api/search/?" + qs(q="12 Rue de l'Église 55250 Vaubecourt"))
    doc = json.loads(data)
    check(st == 200 and hdrs.get("content-type") == "application/json; charset=utf-8",
          "search: 200 application/json")
    check(hdrs.get("access-control-allow-origin") == "*", "search: CORS header")
    check(doc.get("type") == "FeatureCollection" and doc.get("version") == "draft",
          "search: FeatureCollection, version draft")
    check(doc.get("query") == "12 Rue de l'Église 55250 Vaubecourt" and doc.get("limit") == 5,
          f"search: query echoed, default limit 5 ({doc.get('query')}, {doc.get('limit')})")
    check("filters" not in doc and "center" not in doc,
          "search: no filters, no center when none given")
    check(doc.get("licence") == "etalab-2.0" and doc.get("attribution") == "BAN",
          f"search: a BAN answer is etalab-2.0, attributed to BAN "
          f"({doc.get('licence')}, {doc.get('attribution')})")
    f = doc["features"][0]
    p = f["properties"]
    a = BY_ID["55532_0010_00012"]
    check(f["type"] == "Feature" and f["geometry"]["type"] == "Point"
          and abs(f["geometry"]["coordinates"][0] - a["lon"]) < 1e-6
          and abs(f["geometry"]["coordinates"][1] - a["lat"]) < 1e-6,
          "search: Point geometry [lon, lat]")
    want = {"label": "12 Rue de l'Église 55250 Vaubecourt", "housenumber": "12",
            "id": "55532_0010_00012",
            "name": "12 Rue de l'Église", "postcode": "55250", "citycode": "55532",
            "city": "Vaubecourt",
            "context": "55, Meuse, Grand Est", "type": "housenumber", "street": "Rue de l'Église"}
    check(all(p.get(k) == v for k, v in want.items()),
          f"search: exact address, every property ({p})")
    check(set(p) == set(want) | {"score", "x", "y", "importance"},
          f"search: the BAN's property names, no other ({sorted(p)})")
    check(0.9 <= p["score"] <= 1.0, f"search: score of an exact address ({p['score']})")
    check(0 < p["importance"] <= 1, f"search: importance in 0..1 ({p['importance']})")
    # gdaltransform -s_srs EPSG:4326 -t_srs EPSG:2154: 5.113 48.9298 -> 854802.4257 6872051.3794
    check(abs(p["x"] - 854802.43) < 0.011 and abs(p["y"] - 6872051.38) < 0.011,
          f"search: Lambert-93 x/y as gdaltransform ({p['x']}, {p['y']})")
    # ETag, 304, HEAD
    etag = hdrs.get("etag")
    path = "/api/search/?" + qs(q="12 Rue de l'Église 55250 Vaubecourt")
    st2, _, body2 = request(port, "GET", path, headers={"If-None-Match": etag or "x"})
    check(etag and st2 == 304 and body2 == b"", "search: If-None-Match -> 304")
    st3, h3, body3 = request(port, "HEAD", path)
    check(st3 == 200 and body3 == b"" and h3.get("content-length") == str(len(data)),
          "search: HEAD")
    # without the trailing slash
    doc2, _ = get_json(port, "/api/search?" + qs(q="12 Rue de l'Église 55250 Vaubecourt"))
    check(top(doc2).get("id") == "55532_0010_00012",
          "search: /api/search without the trailing slash")


def test_search_text(port):
    cases = [
        ("12 rue de l'eglise 55250 vaubecourt", "55532_0010_00012", "no accents"),
        ("12 RUE DE L'EGLISE VAUBECOURT", "55532_0010_00012", "upper case, no postcode"),
        ("12 r de l eglise vaubecourt", "55532_0010_00012", "abbreviation r, no apostrophe"),
        ("12 bis rue de l'église vaubecourt", "55532_0010_00012_bis", "bis"),
        ("12b rue de l'église vaubecourt", "55532_0010_00012_bis", "12b = 12 bis"),
        ("3 av du gal leclerc vaubecourt", "55532_0050_00003", "av, gal"),
        ("5 avenue du general leclerc", "55532_0050_00005", "no commune"),
        ("2 bd st martin vaubecourt", "55532_0060_00002", "bd, st"),
        ("4 boulevard saint-martin 55250", "55532_0060_00004", "hyphen, postcode only"),
        ("1 pl de la mairie vaubecourt", "55532_0070_00001", "pl"),
        ("12 rue de l'eglsie vaubecourt", "55532_0010_00012", "typo: swapped letters"),
        ("3 avenue du general lecler vaubecourt", "55532_0050_00003", "typo: missing letter"),
        ("6 grande rue vaubecourt", "55532_0020_00006", "Grande Rue"),
        ("6 grand rue vaubecourt", "55532_0020_00006", "grand = grande"),
        ("3 chemin du moulin beausite", "55040_0040_00003", "other commune"),
        ("3 ch du moulin 55260", "55040_0040_00003", "ch, postcode"),
        ("7 rue du chateau seuil d'argonne", "55517A001B-7", "a BANO address"),
    ]
    for text, want, what in cases:
        p = top(search(port, q=text, limit=1))
        check(p.get("id") == want and p.get("type") == "housenumber",
              f"search {what}: {text!r} -> {want} (got {p.get('id')} {p.get('label')})")
    p = top(search(port, q="le haut du bois vaubecourt"))
    check(p.get("type") == "locality" and p.get("name") == "Le Haut du Bois"
          and "housenumber" not in p,
          f"search: a lieu-dit is a locality without housenumber ({p})")
    p = top(search(port, q="vaubecourt", type="municipality"))
    check(p.get("type") == "municipality" and p.get("citycode") == "55532"
          and p.get("name") == "Vaubecourt"
          and "street" not in p, f"search: municipality ({p})")
    doc = search(port, q="zzqx wwkp")
    check(doc.get("features") == [], "search: nothing found -> 200, empty features")


def test_search_filters(port):
    doc = search(port, q="rue de l'eglise", citycode="55040", limit=10)
    fs = doc["features"]
    check(fs and all(f["properties"]["citycode"] == "55040" for f in fs),
          f"search citycode=55040: only Beausite ({[f['properties']['label'] for f in fs]})")
    check(doc.get("filters") == {"citycode": "55040"},
          f"search: filters echoed ({doc.get('filters')})")
    doc = search(port, q="rue de l'eglise", postcode="55260", limit=10)
    fs = doc["features"]
    check(fs and all(f["properties"]["postcode"] == "55260" for f in fs),
          "search postcode=55260: only 55260")
    doc = search(port, q="rue de l'eglise", postcode="55250", limit=10)
    fs = doc["features"]
    check(fs and all(f["properties"]["citycode"] == "55532" for f in fs),
          "search postcode=55250: Vaubecourt's")
    doc = search(port, q="12 rue de l'eglise vaubecourt", type="street", limit=10)
    fs = doc["features"]
    check(fs and all(f["properties"]["type"] == "street" and "housenumber" not in f["properties"]
                     for f in fs)
          and fs[0]["properties"]["name"] == "Rue de l'Église",
          "search type=street: streets only, the street of the address first")
    check(doc.get("filters") == {"type": "street"}, "search: type filter echoed")
    doc = search(port, q="12 rue de l'eglise", type="housenumber", citycode="55532",
                 postcode="55250", limit=20)
    fs = doc["features"]
    check(fs and all(f["properties"]["type"] == "housenumber" for f in fs)
          and fs[0]["properties"]["id"] == "55532_0010_00012",
          f"search: three filters together ({[f['properties']['label'] for f in fs]})")
    check(doc.get("filters") == {"type": "housenumber", "postcode": "55250", "citycode": "55532"},
          "search: three filters echoed")
    doc = search(port, q="chemin du moulin", citycode="55532")
    check(doc["features"] == [], "search: a filter excluding the only match -> nothing")


def test_search_autocomplete_point_limit(port):
    p = top(search(port, q="3 chemin du moul"))
    check(p.get("id") == "55040_0040_00003",
          f"search: autocomplete on by default ({p.get('label')})")
    doc = search(port, q="3 chemin du moul", autocomplete="0")
    check(all("Moulin" not in f["properties"]["label"] for f in doc["features"]),
          "search autocomplete=0: a word being typed is not a prefix")
    p = top(search(port, q="3 chemin du moul", autocomplete="1"))
    check(p.get("id") == "55040_0040_00003", "search autocomplete=1")
    # proximity bias: "1 rue de l'église" exists in both Vaubecourt and Beausite
    near_b = search(port, q="1 rue de l'eglise", lat=48.98, lon=5.19, limit=2)
    near_v = search(port, q="1 rue de l'eglise", lat=48.93, lon=5.11, limit=2)
    check(top(near_b).get("citycode") == "55040" and top(near_v).get("citycode") == "55532",
          "search lat/lon: the homonym nearer the point first")
    check(near_b.get("center") == [5.19, 48.98],
          f"search: center [lon, lat] echoed ({near_b.get('center')})")
    p = top(near_b)
    a = BY_ID["55040_0010_00001"]
    check(abs(p.get("distance", -1) - haversine(48.98, 5.19, a["lat"], a["lon"])) <= 1,
          f"search: distance in metres with a point ({p.get('distance')})")
    for lim in (1, 2, 100):
        doc = search(port, q="rue", limit=lim)
        check(len(doc["features"]) <= lim and doc["limit"] == lim, f"search limit={lim}")
    n_all = len(search(port, q="jardins", limit=100)["features"])
    check(n_all >= 6 and len(search(port, q="jardins")["features"]) == 5,
          f"search: 5 results by default (of {n_all})")


def test_licences(port):
    doc = search(port, q="3 rue du chateau seuil d'argonne")
    check(top(doc).get("id") == "55517A001B-3", "licence: BANO address found")
    check(doc.get("licence") == "ODbL-1.0"
          and doc.get("attribution") == "© les contributeurs d'OpenStreetMap, BANO",
          f"licence: a BANO answer is ODbL, OpenStreetMap contributors "
          f"({doc.get('licence')}, {doc.get('attribution')})")
    doc = search(port, q="zzqx wwkp")
    check(set((doc.get("licence") or "").split(", ")) == {"ODbL-1.0", "etalab-2.0"},
          f"licence: an empty answer names every address source's licence ({doc.get('licence')})")
    doc, _ = get_json(port, "/api/reverse/?" + qs(lat=48.97, lon=5.0405))
    check(doc.get("licence") == "ODbL-1.0", "licence: reverse in a BANO commune is ODbL")
    doc, _ = get_json(port, "/api/reverse/?" + qs(lat=48.9298, lon=5.1130))
    check(doc.get("licence") == "etalab-2.0", "licence: reverse in a BAN commune is etalab-2.0")


# ---------------------------------------------------------------------------------------------
# /api/reverse/

def test_reverse(port):
    doc, hdrs = get_json(port, "/api/reverse/?" + qs(lat=48.9298, lon=5.1130))
    p = top(doc)
    check(doc.get("type") == "FeatureCollection" and doc.get("version") == "draft"
          and doc.get("limit") == 1
          and "query" not in doc and doc.get("center") == [5.113, 48.9298],
          "reverse: GeoCodeJSON, limit 1, center, no query "
          f"({ {k: v for k, v in doc.items() if k != 'features'} })")
    check(len(doc["features"]) == 1 and p.get("id") == "55532_0010_00012" and p.get("distance") == 0
          and p.get("score") == 1, f"reverse: the point itself, distance 0, score 1 ({p})")
    lat, lon = 48.9301, 5.1112
    doc, _ = get_json(port, "/api/reverse?" + qs(lat=lat, lon=lon, limit=6))
    fs = doc["features"]
    want = sorted(NUMBERED, key=lambda a: haversine(lat, lon, a["lat"], a["lon"]))[:6]
    got_d = [f["properties"]["distance"] for f in fs]
    want_d = [round(haversine(lat, lon, a["lat"], a["lon"])) for a in want]
    check(len(fs) == 6 and all(abs(g - w) <= 1 for g, w in zip(got_d, want_d))
          and got_d == sorted(got_d),
          "reverse limit=6: the 6 nearest, nearest first, haversine distances "
          f"({got_d} vs {want_d})")
    check({f["properties"]["id"] for f in fs} >= {a["id"] for a in want[:4]},
          "reverse: the nearest addresses themselves")
    doc, _ = get_json(port, "/api/reverse/?" + qs(lat=48.9298, lon=5.1130, type="street", limit=3))
    fs = doc["features"]
    check(fs and all(f["properties"]["type"] == "street" for f in fs)
          and fs[0]["properties"]["name"] == "Rue de l'Église"
          and len({f["properties"]["name"] for f in fs}) == len(fs),
          "reverse type=street: each street once, nearest first "
          f"({[f['properties']['name'] for f in fs]})")
    doc, _ = get_json(port, "/api/reverse/?" + qs(lat=48.99, lon=5.21, type="municipality"))
    check(top(doc).get("citycode") == "55040" and top(doc).get("type") == "municipality",
          "reverse type=municipality: the nearest commune centre")
    doc, _ = get_json(port, "/api/reverse/?" + qs(lat=48.8566, lon=2.3522))
    d = top(doc).get("distance", 0)
    check(len(doc["features"]) == 1 and d > 150000, f"reverse far away: still the nearest, {d} m")


# ---------------------------------------------------------------------------------------------
# /api/search/csv/

def parse_csv(text, sep):
    """A small independent RFC 4180 reader (quotes, "" and line breaks inside quotes)."""
    rows, row, field, i, quoted = [], [], [], 0, False
    while i < len(text):
        c = text[i]
        if quoted:
            if c == '"':
                if i + 1 < len(text) and text[i + 1] == '"':
                    field.append('"')
                    i += 1
                else:
                    quoted = False
            else:
                field.append(c)
        elif c == '"':
            quoted = True
        elif c == sep:
            row.append("".join(field))
            field = []
        elif c in "\r\n":
            if c == "\r" and i + 1 < len(text) and text[i + 1] == "\n":
                i += 1
            row.append("".join(field))
            rows.append(row)
            row, field = [], []
        else:
            field.append(c)
        i += 1
    if field or row:
        row.append("".join(field))
        rows.append(row)
    return rows


RESULT_COLS = ["latitude", "longitude", "result_label", "result_score", "result_type", "result_id",
               "result_housenumber", "result_name", "result_street", "result_postcode",
               "result_city",
               "result_context", "result_citycode"]


def test_csv(port):
    src = ("\ufeffid;adresse;cp;ville\r\n"
           "a1;12 rue de l'église;55250;Vaubecourt\r\n"
           "a2;\"3 chemin du moulin; près du pont\";55260;Beausite\r\n"
           "\r\n"
           "a3;\"7 rue du chateau, dit \"\"le château\"\"\";;Seuil-d'Argonne\r\n"
           ";;;\r\n"
           "a5;\"6 grande rue\r\nvaubecourt\";55250;\r\n"
           "a6;zzqx wwkp;;\r\n"
           "a7;3 ch du moulin;55250;\r\n")
    st, hdrs, data = post_csv(port, src.encode("utf-8"),
                              [("columns", "adresse"), ("columns", "ville"), ("postcode", "cp")])
    check(st == 200 and hdrs.get("content-type") == "text/csv; charset=utf-8",
          f"csv: 200 text/csv ({st} {data[:300]!r})")
    check(hdrs.get("access-control-allow-origin") == "*"
          and hdrs.get("cache-control") == "no-store",
          "csv: CORS, no-store")
    text = data.decode("utf-8")
    check(text.startswith("\ufeff"), "csv: the BOM is kept")
    body = text.lstrip("\ufeff")
    check(body.count("\r\n") >= 8 and "\n" not in body.replace("\r\n", "").replace("\r\nvaubecourt",
                                                                                   ""),
          "csv: CRLF line ends, as the upload")
    rows = parse_csv(body, ";")
    header = rows[0]
    check(header == ["id", "adresse", "cp", "ville"] + RESULT_COLS,
          f"csv: header + result columns ({header})")
    out = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    check(len(rows) == 8, f"csv: blank line dropped, 7 rows kept ({len(rows) - 1})")
    check(all(len(r) == len(header) for r in rows), "csv: every row has every column")
    check(out["a1"]["result_id"] == "55532_0010_00012" and out["a1"]["result_type"] == "housenumber"
          and out["a1"]["result_context"] == "55, Meuse, Grand Est"
          and out["a1"]["result_citycode"] == "55532"
          and out["a1"]["result_label"] == "12 Rue de l'Église 55250 Vaubecourt"
          and out["a1"]["result_name"] == "12 Rue de l'Église"
          and out["a1"]["result_street"] == "Rue de l'Église"
          and out["a1"]["result_housenumber"] == "12" and out["a1"]["result_postcode"] == "55250"
          and out["a1"]["result_city"] == "Vaubecourt"
          and abs(float(out["a1"]["latitude"]) - 48.9298) < 1e-6
          and abs(float(out["a1"]["longitude"]) - 5.113) < 1e-6
          and 0.9 <= float(out["a1"]["result_score"]) <= 1, f"csv: row a1 ({out['a1']})")
    check(out["a2"]["adresse"] == "3 chemin du moulin; près du pont"
          and out["a2"]["result_id"] == "55040_0040_00003",
          "csv: quoted field with the separator kept as it was, and geocoded")
    check(out["a3"]["adresse"] == '7 rue du chateau, dit "le château"'
          and out["a3"]["result_id"] == "55517A001B-7",
          "csv: doubled quotes read and written back")
    check(out[""]["result_id"] == "" and out[""]["latitude"] == "",
          "csv: an empty row stays, without result")
    check(out["a5"]["adresse"] == "6 grande rue\r\nvaubecourt"
          and out["a5"]["result_id"] == "55532_0020_00006",
          "csv: a line break inside a quoted field")
    check(all(out["a6"][c] == "" for c in RESULT_COLS), "csv: not found -> empty result columns")
    # the postcode column is a filter: 3 ch du moulin in 55250 is not Beausite's (55260)
    check(out["a7"]["result_id"] != "55040_0040_00003",
          f"csv: the postcode column filters ({out['a7']['result_label']})")
    # each row's result is /api/search/'s top-1 with autocomplete=0 and the same filter
    same = 0
    for r in rows[1:]:
        row = dict(zip(header, r))
        q = " ".join(v for v in (row["adresse"], row["ville"]) if v)
        if not q:
            continue
        params = {"q": q, "limit": 1, "autocomplete": 0}
        if row["cp"]:
            params["postcode"] = row["cp"]
        p = top(search(port, **params))
        same += (p.get("id", "") == row["result_id"] and p.get("label", "") == row["result_label"]
                 and (not p or abs(float(row["latitude"]) - 0) > 0))
    check(same == 6, f"csv: every geocoded row equals /api/search/'s top-1 ({same}/6)")

    # `,`, LF, no BOM, no columns= (every column is joined)
    st, hdrs, data = post_csv(port, b"numero,voie,commune\n12,Rue de l'Eglise,Vaubecourt\n"
                                    b"3,\"Chemin du Moulin\",Beausite\n")
    text = data.decode("utf-8")
    rows = parse_csv(text, ",")
    check(st == 200 and not text.startswith("\ufeff") and "\r" not in text and len(rows) == 3
          and rows[0][:3] == ["numero", "voie", "commune"] and rows[0][3:] == RESULT_COLS,
          f"csv: ',' and LF answered with ',' and LF, no BOM ({text[:120]!r})")
    check(rows[1][3 + 5] == "55532_0010_00012" and rows[2][3 + 5] == "55040_0040_00003",
          "csv: without columns=, every column is joined")
    # one column of full addresses with commas (no separator on the header line)
    st, _, data = post_csv(port, "adresse\n\"12 rue de l'Église, 55250 Vaubecourt\"\n"
                                 "3 chemin du Moulin, Beausite\n".encode())
    rows = parse_csv(data.decode(), ",")
    check(st == 200 and rows[0] == ["adresse"] + RESULT_COLS and rows[1][6] == "55532_0010_00012"
          and rows[2][0] == "3 chemin du Moulin, Beausite" and rows[2][6] == "55040_0040_00003",
          f"csv: one column with commas (answered with ',' and quotes) ({data[:200]!r})")
    # citycode column, lat/lon columns; an existing result column receives the result
    st, _, data = post_csv(port, b"q;insee;la;lo;result_id\n1 rue de l'eglise;55040;;;old\n"
                                 b"1 rue de l'eglise;;48.98;5.19;old\n"
                                 b"1 rue de l'eglise;;48.93;5.11;\n",
                           [("columns", "q"), ("citycode", "insee"), ("lat", "la"), ("lon", "lo")])
    rows = parse_csv(data.decode(), ";")
    rid = rows[0].index("result_id")
    check(st == 200 and rows[0].count("result_id") == 1 and len(rows[0]) == 5 + len(RESULT_COLS) - 1
          and [r[rid] for r in rows[1:]] == ["55040_0010_00001", "55040_0010_00001",
                                             "55532_0010_00001"],
          f"csv: citycode and lat/lon columns; result_id not duplicated ({rows})")
    # tab separator, trailing empty field tolerated
    st, _, data = post_csv(port, b"a\tb\n12 rue de l'eglise\tvaubecourt\t\n")
    rows = parse_csv(data.decode(), "\t")
    check(st == 200 and rows[1][2 + 5] == "55532_0010_00012"
          and len(rows[1]) == 2 + len(RESULT_COLS),
          "csv: tab separator; a trailing empty field dropped")
    st, _, data = post_csv(port, b"a;b\n", [("columns", "a")])
    check(st == 200 and parse_csv(data.decode(), ";") == [["a", "b"] + RESULT_COLS],
          "csv: a header without rows answers the header")
    st, _, data = post_csv(port, b"a;b\n1;2\n", path="/api/search/csv")
    check(st == 200, "csv: /api/search/csv without the trailing slash")


def test_csv_refusals(port):
    ok = b"adresse;ville\n12 rue de l'eglise;vaubecourt\n"
    doc = None
    st, _, data = post_csv(port, ok, [("columns", "adresse"), ("columns", "commune")])
    doc = json.loads(data)
    check(st == 400 and doc.get("parameter") == "columns" and '"commune"' in doc.get("description",
                                                                                     "")
          and "adresse, ville" in doc.get("description", ""),
          f"csv: unknown column -> 400 naming columns and the column ({doc})")
    for field in ("postcode", "citycode"):
        st, _, data = post_csv(port, ok, [(field, "cp")])
        check(st == 400 and json.loads(data).get("parameter") == field,
              f"csv: unknown {field} column -> 400")
    st, _, data = post_csv(port, ok, [("lat", "adresse")])
    check(st == 400 and json.loads(data).get("parameter") == "lon",
          "csv: lat column without lon -> 400")
    ct, body = multipart([("postcode", "a"), ("postcode", "b")], [("data", "a.csv", ok)])
    expect_error(port, "/api/search/csv/", 400, "postcode", "RepeatedParameter", "POST", body,
                 {"Content-Type": ct})
    ct, body = multipart([], [("data", "a.csv", ok), ("data", "b.csv", ok)])
    expect_error(port, "/api/search/csv/", 400, "data", "RepeatedParameter", "POST", body,
                 {"Content-Type": ct})
    ct, body = multipart([("columns", "adresse")], [])
    expect_error(port, "/api/search/csv/", 400, "data", None, "POST", body, {"Content-Type": ct})
    expect_error(port, "/api/search/csv/", 400, "data", None, "POST", ok,
                 {"Content-Type": "text/csv"})
    expect_error(port, "/api/search/csv/", 400, "data", None, "POST", b"",
                 {"Content-Type": "multipart/form-data; boundary=x"})
    expect_error(port, "/api/search/csv/", 400, "data", None, "POST",
                 b"--x\r\nContent-Disposition: form-data;"
                 b" name=\"data\"\r\n\r\nno end",
                 {"Content-Type": "multipart/form-data; boundary=x"})
    for what, data_ in (("not UTF-8", "adresse\n12 rue de l'\xe9glise\n".encode("latin-1")),
                        ("empty file", b""), ("unterminated quote", b"a;b\n1;\"open\n2;3\n"),
                        ("extra fields", b"a;b\n1;2;3\n"), ("NUL byte", b"a;b\n1\x00;2\n")):
        st, _, data = post_csv(port, data_)
        doc = json.loads(data)
        check(st == 400 and doc.get("parameter") == "data",
              f"csv: {what} -> 400 naming data ({doc})")
    st, _, data = post_csv(port, b"a;b\n1;\"open\n2;3\n")
    check("line 2" in json.loads(data).get("description", ""), "csv: the error names the line")
    # not POST, query parameters, HEAD
    st, hdrs, data = request(port, "GET", "/api/search/csv/")
    check(st == 405 and hdrs.get("allow") == "POST, OPTIONS",
          f"csv: GET -> 405, Allow: POST, OPTIONS ({hdrs.get('allow')})")
    st, hdrs, _ = request(port, "OPTIONS", "/api/search/csv/")
    check(st == 204 and "POST" in hdrs.get("access-control-allow-methods", ""),
          "csv: preflight allows POST")
    st, hdrs, data = request(port, "POST", "/api/search/", body=b"x=1",
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    check(st == 405, f"POST /api/search/ -> 405 ({st})")


def test_csv_limits():
    """A second server with small limits: 413 on size (announced or chunked) and on rows."""
    srv = Server("ban-limits", DB, env={"GEODIR_MAX_UPLOAD_SIZE": "2048",
                                        "GEODIR_MAX_CSV_ROWS": "3"})
    try:
        port = srv.port
        small = b"adresse\n12 rue de l'eglise vaubecourt\n"
        st, _, _ = post_csv(port, small)
        check(st == 200, "limits: a small upload passes")
        big = b"adresse\n" + b"12 rue de l'eglise vaubecourt\n" * 100
        st, _, data = post_csv(port, big)
        doc = json.loads(data) if data else {}
        check(st == 413 and doc.get("code") == "PayloadTooLarge" and doc.get("parameter") == "data",
              f"limits: upload above max_upload_size -> 413 naming data ({st} {doc})")
        ct, body = multipart([], [("data", "a.csv", big)])

        def chunks():
            for i in range(0, len(body), 500):
                yield body[i:i + 500]
        st, _, data = request(port, "POST", "/api/search/csv/", body=chunks(),
                              headers={"Content-Type": ct, "Transfer-Encoding": "chunked"},
                              chunked=True)
        check(st == 413, f"limits: chunked upload above the limit -> 413 ({st} {data[:100]!r})")
        st, _, data = post_csv(port, b"adresse\n1 rue a\n2 rue b\n3 rue c\n")
        check(st == 200, "limits: max_csv_rows rows pass")
        st, _, data = post_csv(port, b"adresse\n1 rue a\n2 rue b\n3 rue c\n4 rue d\n")
        doc = json.loads(data)
        check(st == 413 and doc.get("parameter") == "data" and "3 rows" in doc.get("description",
                                                                                   ""),
              f"limits: more than max_csv_rows -> 413 ({doc})")
        st, _, _ = post_csv(port, small)
        check(st == 200, "limits: the server still answers after refusals")
        st, _, data = request(port, "GET", "/api/search/?" + qs(q="12 rue de l'eglise"), body=b"x",
                              headers={"Content-Type": "text/plain"})
        check(st == 413, "limits: a GET with a body is still refused (413)")
    finally:
        check(srv.stop() == 0, "limits: clean exit")


# ---------------------------------------------------------------------------------------------
# A client written the way BAN API clients are (base URL + /search/, /reverse/, /search/csv/).

class BanClient:
    """What scripts written against https://api-adresse.data.gouv.fr look like."""

    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")

    def _get(self, path, params):
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(params)}"
        with urllib.request.urlopen(url, timeout=10) as r:
            return json.load(r)

    def search(self, q, **params):
        return self._get("/search/", dict(q=q, **params))

    def reverse(self, lon, lat, **params):
        return self._get("/reverse/", dict(lon=lon, lat=lat, **params))

    def search_csv(self, csv_bytes, columns=(), **column_params):
        fields = [("columns", c) for c in columns] + list(column_params.items())
        ct, body = multipart(fields, [("data", "adresses.csv", csv_bytes)])
        req = urllib.request.Request(f"{self.base_url}/search/csv/", data=body,
                                     headers={"Content-Type": ct}, method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read().decode("utf-8-sig")


def test_ban_client(port):
    client = BanClient(f"http://127.0.0.1:{port}/api")
    res = client.search("8 grande rue vaubecourt", limit=1)
    f = res["features"][0]
    lon, lat = f["geometry"]["coordinates"]
    check(f["properties"]["id"] == "55532_0020_00008" and f["properties"]["score"] > 0.5,
          "client: search by base URL")
    rev = client.reverse(lon, lat)
    check(rev["features"][0]["properties"]["label"] == f["properties"]["label"],
          "client: reverse of the result")
    res = client.search("rue de l'eglise", type="street", postcode="55260")
    check(res["features"] and res["features"][0]["properties"]["citycode"] == "55040",
          "client: filters")
    out = client.search_csv(b"nom,adresse,cp\nMairie,1 place de la mairie,55250\n",
                            columns=["adresse", "cp"])
    rows = parse_csv(out, ",")
    check(rows[0][:3] == ["nom", "adresse", "cp"] and rows[1][3 + 5] == "55532_0070_00001",
          "client: CSV batch geocoding by base URL")


# ---------------------------------------------------------------------------------------------
# Bad input on every parameter.

def test_bad_input(port):
    S, R = "/api/search/?", "/api/reverse/?"
    cases = [
        (S + "", "q"), (S + "q=", "q"), (S + qs(q="x" * 201), "q"), (S + "q=%FF%FE", "q"),
        (S + "q=a%00b", "q"), (S + "q=%", "q"), (S + "q=a&q=b", "q"), (S + "limit=5", "q"),
        (S + "q=rue&limit=101", "limit"), (S + "q=rue&limit=abc",
                                                                           "limit"),
        (S + "q=rue&limit=-1", "limit"), (S + "q=rue&limit=1.5", "limit"), (S + "q=rue&limit=",
                                                                            "limit"),
        (S + "q=rue&limit=1e1", "limit"), (S + "q=rue&limit=99999999999999999999", "limit"),
        (S + "q=rue&autocomplete=2", "autocomplete"), (S + "q=rue&autocomplete=", "autocomplete"),
        (S + "q=rue&autocomplete=peut-%C3%AAtre", "autocomplete"),
        (S + "q=rue&lat=48.9", "lon"), (S + "q=rue&lon=5.1", "lat"), (S + "q=rue&lat=91&lon=5",
                                                                      "lat"),
        (S + "q=rue&lat=48&lon=181", "lon"), (S + "q=rue&lat=abc&lon=5", "lat"),
             (S + "q=rue&lat=nan&lon=5", "lat"),
        (S + "q=rue&lat=48,9&lon=5", "lat"), (S + "q=rue&lat=&lon=5", "lat"),
        (S + "q=rue&type=foo", "type"), (S + "q=rue&type=", "type"),
        (S + "q=rue&type=Street", "type"),
        (S + "q=rue&postcode=5525", "postcode"), (S + "q=rue&postcode=abcde", "postcode"),
        (S + "q=rue&postcode=552500", "postcode"), (S + "q=rue&postcode=", "postcode"),
        (S + "q=rue&citycode=5553", "citycode"), (S + "q=rue&citycode=55532x", "citycode"),
        (S + "q=rue&citycode=%27%20OR%201=1", "citycode"),
        (S + "q=rue&lng=5", "lat"),
        (R + "", "lat"), (R + "lat=48.9", "lon"), (R + "lon=5.1", "lat"), (R + "lat=91&lon=5",
                                                                           "lat"),
        (R + "lat=48&lon=-181", "lon"), (R + "lat=48&lon=5&limit=-1", "limit"),
        (R + "lat=48&lon=5&limit=x", "limit"), (R + "lat=48&lon=5&type=road", "type"),
        (R + "lat=48&lat=48&lon=5", "lat"),
    ]
    for path, param in cases:
        expect_error(port, path, 400, param)
    # hostile text that is valid: answered, never an error
    for text in ("' OR 1=1 --", "\"; DROP TABLE addresses; --", "<script>alert(1)</script>", "*",
                 "NEAR(a b)",
                 "12 rue %s", "😀 rue", "de la", "1" * 200):
        st, _, data = request(port, "GET", S + qs(q=text))
        answer = json.loads(data)
        check(st == 200 or (st == 400 and answer.get("parameter") == "q"),
              f"search: hostile text {text[:30]!r} -> {st}")
    doc, _ = get_json(port, "/api/health")
    check(doc.get("status") == "ok", "bad input: the server is still up")


# ---------------------------------------------------------------------------------------------
# One index for all threads; a database swap.

def index_builds(srv):
    return [l for l in srv.stderr().splitlines() if "address index built" in l]


def test_shared_index_and_swap():
    db = os.path.join(WORK, "swap.sqlite")
    shutil.copyfile(DB, db)
    srv = Server("ban-swap", db, threads=4)
    try:
        port = srv.port
        results, errors = [], []

        def worker(n):
            for i in range(n):
                try:
                    q = f"{1 + i % 15} rue de l'eglise vaubecourt"
                    st, _, data = request(port, "GET", "/api/search/?" + qs(q=q))
                    results.append(st)
                except OSError as e:
                    errors.append(str(e))
        threads = [threading.Thread(target=worker, args=(25,)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check(not errors and results.count(200) == 200,
              f"swap: 200 concurrent searches answered ({len(results)}, {errors[:2]})")
        st, _, data = request(port, "GET", "/api/autocomplete?" + qs(q="12 rue de l'egl"))
        sugg = json.loads(data).get("suggestions", [])
        check(any(s.get("type") == "address" and s.get("housenumber") == "12" for s in sugg),
              "swap: /api/autocomplete suggests addresses from the shared index")
        builds = index_builds(srv)
        check(len(builds) == 1,
              f"swap: one index built for 4 threads and 2 endpoints ({len(builds)})")
        check(top(search(port, q="1 rue nouvelle vaubecourt")).get("street") != "Rue Nouvelle",
              "swap: Rue Nouvelle unknown before the swap")

        # Swap in the second generation while requests keep coming.
        stop = threading.Event()
        during = []

        def pound():
            while not stop.is_set():
                try:
                    st, _, _ = request(port, "GET",
                                       "/api/search/?" + qs(q="3 chemin du moulin beausite"))
                    during.append(st)
                except OSError as e:
                    during.append(str(e))
        pounders = [threading.Thread(target=pound) for _ in range(4)]
        for t in pounders:
            t.start()
        poll_until(lambda: len(during) >= 8, 30, "swap: requests are coming before the swap")
        tmp = db + ".new"
        shutil.copyfile(os.path.join(WORK, "ban-v2.sqlite"), tmp)
        os.rename(tmp, db)
        poll_until(lambda: top(search(port, q="1 rue nouvelle vaubecourt")).get("id")
                   == "55532_0080_00001", 30,
                   "swap: the new street is found after the swap, without a restart")
        # The pounders go on across the swap until each thread has had its turn afterwards.
        after = len(during)
        poll_until(lambda: len(during) >= after + 40, 30,
                   "swap: 40 more requests answered once the new street is found")
        stop.set()
        for t in pounders:
            t.join()
        check(during and all(s == 200 for s in during),
              f"swap: no request failed during the swap ({len(during)} requests, "
              f"{[s for s in during if s != 200][:3]})")
        # every thread now answers from the new generation
        news = [top(search(port, q="3 rue nouvelle vaubecourt")).get("id") for _ in range(12)]
        check(all(n == "55532_0080_00003" for n in news),
              "swap: every thread answers from the new index")
        builds = index_builds(srv)
        check(len(builds) == 2 and "replaced=1" in builds[1],
              f"swap: exactly one more index built, replacing the first ({len(builds)})")
    finally:
        check(srv.stop() == 0, "swap: clean exit")


def main():
    srv = Server("ban", DB)
    try:
        port = srv.port
        test_search_shape(port)
        test_search_text(port)
        test_search_filters(port)
        test_search_autocomplete_point_limit(port)
        test_licences(port)
        test_reverse(port)
        test_csv(port)
        test_csv_refusals(port)
        test_ban_client(port)
        test_bad_input(port)
        check(len(index_builds(srv)) == 1, "one index built for the whole run")
    finally:
        check(srv.stop() == 0, "main server: clean exit (SIGTERM -> 0)")
    test_csv_limits()
    test_shared_index_and_swap()
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
