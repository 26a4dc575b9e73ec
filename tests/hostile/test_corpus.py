#!/usr/bin/env python3
"""hostile.corpus — the audit's hostile requests (issue 10), sent over raw sockets.

More than 500 requests, generated from the category tables below (injection, traversal,
overlong, UTF-8, numbers, parameters, bbox/CRS/cursors, CSV/multipart bodies, methods, HTTP
framing, headers), each on a fresh connection to the real geodir-api over the database of
tests/http (no open_data.public_url). For each request:
  - the connection yields one complete response before a deadline (no drop, no timeout);
  - a request that docs/api.md (or docs/ogc.md) says is valid — the rows marked OK below, and
    nothing else — answers 2xx/3xx; every other request answers 4xx (501 where the
    specification says so) with Content-Type application/json, a JSON body whose `code` and
    `description` are non-empty strings, and the security headers of api_response.c;
  - where the specification of the connection layer names a status and code (framing), that
    status and code, `Connection: close`, and the server really closes the connection;
  - some bodies must not hold given bytes (`evil.example` from a Host header, /etc/passwd,
    the SQLite file).
Requests with `Host: evil.example` (and X-Forwarded-Host, Forwarded) are also sent to a
second server whose database configures open_data.public_url (hostile.fixture_db): the
configured URL, never the Host header, makes absolute links.
Then: the server still answers /api/health, stops with exit status 0 on SIGTERM (so that
LeakSanitizer runs in the ASan build), and its stderr holds no sanitizer report. A server that
dies during the corpus is a crash: it is counted, its stderr kept, and a new one started.

The summary line quoted by the issue's closing note:
    corpus: tried N, 4xx-with-message N, 2xx N, 5xx N, dropped N, crashes N
(2xx counts 2xx and 3xx answers; 5xx the 501 NotImplemented and 505 HTTPVersionNotSupported
the specification names (any other 5xx fails its request's check); dropped counts connections
closed without a complete response and timeouts.)

usage: test_corpus.py API HTTP_DB PUBLIC_DB SOURCE_DIR WORK_DIR [--sanitize ON|OFF]
"""
import os
import sys
import time
from urllib.parse import quote

sys.dont_write_bytecode = True   # no __pycache__ in the sources
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))   # rawhttp is beside the script (sys.path[0])
from geodir_test import ApiServer, check, finish  # noqa: E402
import rawhttp  # noqa: E402
from rawhttp import build  # noqa: E402

API, HTTP_DB, PUBLIC_DB, SRC, WORK, SANITIZE = rawhttp.command_line(sys.argv, 5)
TIMEOUT = 6.0 if SANITIZE else 3.0       # per request: a complete response within this
CLOSE_WAIT = 1.0 if SANITIZE else 0.5     # a framing error: the server closes within this
MAX_CRASHES = 10                          # then the corpus stops: bounded in time
EVIL = b"evil.example"
PUBLIC_URL = "https://annuaire.example.fr"   # tests/hostile/build_db.py

# --- what an answer must be ------------------------------------------------------------------

OK = "valid"        # docs/api.md or docs/ogc.md say the request is valid: 2xx or 3xx
E4 = "4xx"          # any 4xx with the JSON error body
E4_501 = "4xx|501"  # methods the server does not know: 4xx, or 501 NotImplemented


def status(*pairs, close=True):
    """An exact answer named by the specification: status -> code; close: framing error."""
    return {"status": dict(pairs), "close": close}


BADREQ = status((400, "BadRequest"))


class Req:
    def __init__(self, category, label, data, expect, head=False, forbid=()):
        self.category, self.label, self.data, self.expect = category, label, data, expect
        self.head = head
        self.forbid = tuple(forbid)


CORPUS = []


def add(category, label, data, expect, **kw):
    CORPUS.append(Req(category, label, data, expect, **kw))


def get(target, headers=(("Host", "127.0.0.1"),), method="GET"):
    return build(method, target, headers=headers)


def q(params):
    """A query string from (name, value) pairs, values percent-encoded as given (str) or
    inserted raw (bytes, already encoded)."""
    out = []
    for k, v in params:
        out.append(k + "=" + (v.decode() if isinstance(v, bytes) else quote(v, safe="")))
    return "&".join(out)


# --- 1. SQL / FTS injection, in every parameter -------------------------------------------------

INJECTIONS = [
    "' OR '1'='1", "1; DROP TABLE places; --", "\" OR 1=1 --", "a' UNION SELECT name, sql FROM "
    "sqlite_master --", "') OR ('a'='a", "1)) OR 1=1 /*", "NEAR(ecole mairie, 2)", "ecole* OR "
    "mairie*", "\"unterminated", "name:ecole", "^ecole", "{name}: x", "ecole NOT mairie",
    "(", "*", "-ecole", "a AND b OR c", "places_fts MATCH 'x'", "%' --", "x'||(SELECT 1)||'",
]
# Parameters of each route (api_routes.c); q is plain text there (docs/api.md "Text search":
# nothing of q is read as query syntax) so an injection in q is a valid search: OK.
ROUTE_PARAMS = {
    "/api/places": ["q", "lat", "lon", "radius", "k", "bbox", "category", "commune", "open_now",
                    "open_at", "sort", "facets", "limit", "cursor", "f", "properties"],
    "/ogc/collections/places/items": ["q", "f", "limit", "bbox", "bbox-crs", "datetime", "crs",
                                      "cursor", "lat", "lon", "radius", "k", "category",
                                      "commune", "open_now", "sortby", "properties"],
    "/api/autocomplete": ["q", "lat", "lon", "limit"],
    "/api/search/": ["q", "limit", "autocomplete", "lat", "lon", "type", "postcode", "citycode"],
    "/api/reverse/": ["lat", "lon", "limit", "type"],
    "/catalog.jsonld": ["page"],
    "/api/export?format=csv": ["q", "category", "commune", "bbox", "licence"],
}


def has_word(text):
    return any(c.isalnum() for c in text)


for path, params in ROUTE_PARAMS.items():
    sep = "&" if "?" in path else "?"
    for p in params:
        for i, payload in enumerate(INJECTIONS):
            # /api/search/ documents no answer for a q without any word (it answers 400
            # "nothing to search"); /api/places, /api/autocomplete and OGC q: 200.
            valid = p == "q" and (path != "/api/search/" or has_word(payload))
            add("injection", f"{path} {p}=injection#{i}", get(path + sep + q([(p, payload)])),
                OK if valid else E4)
for i, payload in enumerate(INJECTIONS[:8]):
    for path in ("/api/places/{}", "/ogc/collections/{}/items", "/data/{}",
                 "/ogc/collections/places/items/{}"):
        add("injection", f"path {path} injection#{i}", get(path.format(quote(payload, safe=""))),
            E4)

# --- 2. path traversal -------------------------------------------------------------------------

SECRETS = (b"root:x:0:0", b"SQLite format 3", b"[core]")
TRAVERSAL = [
    "/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/%252e%252e/%252e%252e/etc/passwd",
    "/..%2f..%2f..%2fetc%2fpasswd", "/..%252f..%252fetc%252fpasswd", "/..\\..\\..\\etc\\passwd",
    "/%5c..%5c..%5cetc%5cpasswd", "/index.html%00.js", "/%00", "/index.html%00",
    "/data/..%2f..%2fetc%2fpasswd", "/data/../geodir.sqlite", "/data/%2e%2e%2fgeodir.sqlite",
    "/vendor/leaflet/../../../../etc/passwd", "/vendor/leaflet/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/.git/config", "/./index.html", "//etc/passwd", "/api/places/..%2F..%2Fetc%2Fpasswd",
    "/ogc/collections/..%2f..%2fetc/items", "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/%e0%80%ae%e0%80%ae/etc/passwd", "/..%c0%af..%c0%afetc/passwd", "/api/../../etc/passwd",
    "/static/..;/..;/etc/passwd", "/....//....//etc/passwd", "/%2e%2e%5c%2e%2e%5cetc%5cpasswd",
    "/api/%2e%2e/%2e%2e/etc/passwd", "/data/.%2e/.%2e/etc/passwd", "/~root/.ssh/id_rsa",
]
for t in TRAVERSAL:
    add("traversal", f"GET {t}", get(t), E4, forbid=SECRETS)
    add("traversal", f"HEAD {t}", get(t, method="HEAD"), E4, head=True)

# --- 3. overlong -------------------------------------------------------------------------------

add("overlong", "target of 8192 bytes (not over the limit): router 404", get("/" + "a" * 8191),
    status((404, "NotFound"), close=False))
add("overlong", "path of 8193 bytes", get("/" + "a" * 8192), status((414, "URITooLong")))
add("overlong", "path of 100000 bytes", get("/api/" + "a" * 100000), status((414, "URITooLong")))
add("overlong", "query of 3000 bytes (over max_query_len)", get("/api/places?q=" + "a" * 2990), E4)
add("overlong", "query of 9000 bytes", get("/api/places?q=" + "a" * 9000), status((414, "URITooLong")))
add("overlong", "q of 201 bytes", get("/api/places?q=" + "a" * 201), E4)
add("overlong", "q of 11 words", get("/api/places?" + q([("q", " ".join(["mot"] * 11))])), E4)
add("overlong", "q word of 65 bytes", get("/api/places?q=" + "b" * 65), E4)
add("overlong", "lat of 1000 digits", get("/api/places?lon=5&lat=4" + "8" * 999), E4)
add("overlong", "cursor of 2000 bytes", get("/api/places?cursor=" + "A" * 2000), E4)
add("overlong", "category list of 17 codes", get("/api/places?category=" + ",".join(["health"] * 17)), E4)
add("overlong", "header of 70000 bytes", get("/api/health", headers=[("Host", "127.0.0.1"), ("X-Pad", "p" * 70000)]),
    status((431, "RequestHeaderFieldsTooLarge")))
add("overlong", "head of 300000 bytes in 30 headers",
    get("/api/health", headers=[("Host", "127.0.0.1")] + [(f"X-P{i}", "p" * 10000) for i in range(30)]),
    status((431, "RequestHeaderFieldsTooLarge")))
add("overlong", "header of 30000 bytes (head under max_request_size): valid",
    get("/api/health", headers=[("Host", "127.0.0.1"), ("X-Pad", "p" * 30000)]), OK)
add("overlong", "header name of 10000 bytes (head under max_request_size): valid",
    get("/api/health", headers=[("Host", "127.0.0.1"), ("X" * 10000, "v")]), OK)
add("overlong", "90 header fields: valid",
    get("/api/health", headers=[("Host", "127.0.0.1")] + [(f"X-H{i}", "v") for i in range(89)]), OK)
add("overlong", "101 header fields",
    get("/api/health", headers=[("Host", "127.0.0.1")] + [(f"X-H{i}", "v") for i in range(100)]),
    status((431, "RequestHeaderFieldsTooLarge")))
add("overlong", "2000 small header fields",
    get("/api/health", headers=[("Host", "127.0.0.1")] + [(f"X{i}", "v") for i in range(2000)]),
    status((431, "RequestHeaderFieldsTooLarge")))
add("overlong", "method of 5000 bytes", build("A" * 5000, "/api/health"), E4_501)
add("overlong", "ogc items query of 3000 bytes", get("/ogc/collections/places/items?q=" + "a" * 2990), E4)

# --- 4. invalid UTF-8 and overlong encodings ---------------------------------------------------

BAD_UTF8 = ["%C3%28", "%C0%AF", "%E0%80%AF", "%ED%A0%80", "%F4%90%80%80", "%FF", "%C3",
            "%F8%88%80%80%80", "%E2%82", "ok%80"]
for p in ROUTE_PARAMS["/api/places"]:
    for v in BAD_UTF8:
        add("utf8", f"/api/places {p}={v}", get(f"/api/places?{p}={v}"), E4)
for path in ("/api/autocomplete", "/api/search/", "/ogc/collections/places/items"):
    for v in BAD_UTF8:
        add("utf8", f"{path} q={v}", get(f"{path}?q={v}"), E4)
for v in BAD_UTF8:
    add("utf8", f"/api/places/{v}", get(f"/api/places/{v}"), E4)
    add("utf8", f"parameter name {v}", get(f"/api/places?{v}=1"), E4)
add("utf8", "raw invalid bytes in the query", get(b"/api/places?q=\xc3\x28"), E4)
add("utf8", "raw 0xFF in the path", get(b"/api/\xff"), E4)
# RFC 9110 field values may hold obs-text (0x80-0xFF): valid.
add("utf8", "obs-text in User-Agent: valid",
    get("/api/health", headers=[("Host", "127.0.0.1"), (b"User-Agent: \xff\xfe\xc3\x28\r\n")]), OK)

# --- 5. numbers --------------------------------------------------------------------------------

BAD_NUMBERS = ["nan", "NaN", "inf", "-inf", "Infinity", "1e309", "-1e309", "0x10", "1e999999",
               "99999999999999999999999999", "-99999999999999999999", "1.5.5", "%205", "5%20",
               "+5", "5%2C5", "1_000", "%EF%BC%95", "1e", "--5", "5e", "0x1p3", "%09%35"]
NUMBER_CONTEXTS = {   # parameter -> the rest of a request where it would be valid
    "lat": "/api/places?lon=5.15&lat={}", "lon": "/api/places?lat=48.95&lon={}",
    "radius": "/api/places?lat=48.95&lon=5.15&radius={}", "k": "/api/places?lat=48.95&lon=5.15&k={}",
    "limit": "/api/places?limit={}", "ogc limit": "/ogc/collections/places/items?limit={}",
    "reverse lat": "/api/reverse/?lon=5.1&lat={}",
}
for name, tmpl in NUMBER_CONTEXTS.items():
    for v in BAD_NUMBERS:
        if "limit" in name and v == "99999999999999999999999999":
            continue   # docs: a limit above max_limit is clamped (valid), even this one
        add("numbers", f"{name}={v}", get(tmpl.format(v)), E4)
# Plain decimals in range (docs/api.md: "-5", "1e3"; -0 is a plain decimal, in range)
for label, t in [("lat=-0", "/api/places?lon=5.15&lat=-0"), ("lon=-0", "/api/places?lat=48.95&lon=-0"),
                 ("radius=1e3", "/api/places?lat=48.95&lon=5.15&radius=1e3"),
                 ("radius=-0", "/api/places?lat=48.95&lon=5.15&radius=-0"),
                 ("lat=4.895e1", "/api/places?lon=5.15&lat=4.895e1"),
                 ("limit=100000 (clamped)", "/api/places?limit=100000"),
                 ("ogc limit=100000 (clamped)", "/ogc/collections/places/items?limit=100000")]:
    add("numbers", f"{label}: valid", get(t), OK)
for label, t in [("k=-0", "/api/places?lat=48.95&lon=5.15&k=-0"), ("limit=-0", "/api/places?limit=-0"),
                 ("limit=0", "/api/places?limit=0"), ("k=501", "/api/places?lat=48.95&lon=5.15&k=501"),
                 ("radius=50001", "/api/places?lat=48.95&lon=5.15&radius=50001"),
                 ("lat=90.0000001", "/api/places?lon=5&lat=90.0000001"), ("k=1.5", "/api/places?lat=48.95&lon=5.15&k=1.5")]:
    add("numbers", label, get(t), E4)

# --- 6. parameters: repeated, unknown, without '=', empty pairs --------------------------------

VALID_VALUE = {"q": "ecole", "lat": "48.95", "lon": "5.15", "radius": "1000", "k": "3",
               "bbox": "5.1,48.9,5.2,49", "category": "health", "commune": "55532",
               "open_now": "true", "open_at": "2026-07-15T10:00", "sort": "name",
               "facets": "category", "limit": "5", "cursor": "x", "f": "json", "properties": "name"}
for p, v in VALID_VALUE.items():
    add("params", f"{p} twice", get(f"/api/places?{p}={quote(v)}&{p}={quote(v)}"),
        status((400, "RepeatedParameter"), close=False))
    add("params", f"{p} without '='", get(f"/api/places?{p}"), E4)
    add("params", f"{p} without '=' after q", get(f"/api/places?q=aaaaaaaaaaaaaaaaa&{p}"), E4)
for name in ["foo", "LAT", "Q", "lat%5B%5D", "q%00", "", "%3D", "callback", "format", "_", "lat ",
             "%20lat", "q.x", "__proto__"]:
    add("params", f"unknown parameter {name!r}", get(f"/api/places?{name}=1"), E4)
for path in ["/api/health", "/api/territory", "/api/categories", "/api/communes", "/ogc",
             "/ogc/collections", "/catalog.jsonld", "/api/exports", "/api/places/local:centre-a",
             "/catalog.csv"]:
    add("params", f"{path}?zzz=1", get(path + "?zzz=1"), E4)
    add("params", f"{path}?zzz (no '=')", get(path + "?zzz"), E4)
# docs/api.md: "Empty pairs (&&) are ignored" — valid while the query is within max_query_len.
for n in (1, 3, 100, 999, 1000, 1500, 2000, 2047):
    add("params", f"/api/places? + {n} '&': valid", get("/api/places?" + "&" * n), OK)
add("params", "/api/places? + 2049 '&' (over max_query_len)", get("/api/places?" + "&" * 2049), E4)
add("params", "/api/health? + 1500 '&': valid", get("/api/health?" + "&" * 1500), OK)
add("params", "q=ecole with empty pairs around: valid", get("/api/places?&&&q=ecole&&&&&&&&&"), OK)
add("params", "ogc items + 1500 '&': valid", get("/ogc/collections/places/items?" + "&" * 1500), OK)
add("params", "'=' alone", get("/api/places?="), E4)
add("params", "'==='", get("/api/places?q==="), OK)   # q is "==", plain text
# The remote crash D1: the last parameter without '=' (the release build aborted after
# 230-294 of these).
for i in range(300):
    add("params-D1", f"/api/places?q=aaaaaaaaaaaaaaaaa&lat #{i}",
        get("/api/places?q=aaaaaaaaaaaaaaaaa&lat"), E4)

# --- 7. bbox, CRS, cursors -----------------------------------------------------------------------

BAD_BBOX = ["1,2,3", "1,2,3,4,5", "5,5,4,4", "a,b,c,d", ",,,", "1;2;3;4", "1,2,3,4,", "-181,0,0,0",
            "0,-91,0,0", "nan,0,1,1", "1e309,0,1,1", "%201,2,3,4", "1,2,3,4,5,6", "", "1 2 3 4"]
for v in BAD_BBOX:
    add("bbox-crs-cursor", f"/api/places bbox={v!r}", get("/api/places?bbox=" + v.replace(" ", "%20")), E4)
    add("bbox-crs-cursor", f"ogc bbox={v!r}",
        get("/ogc/collections/places/items?bbox=" + v.replace(" ", "%20")), E4)
add("bbox-crs-cursor", "/api/places bbox crossing the antimeridian", get("/api/places?bbox=170,0,-170,1"), E4)
add("bbox-crs-cursor", "/api/places bbox=5.10,48.90,5.20,49.00: valid", get("/api/places?bbox=5.10,48.90,5.20,49.00"), OK)
add("bbox-crs-cursor", "/api/places bbox=-180,-90,180,90: valid", get("/api/places?bbox=-180,-90,180,90"), OK)
# docs/ogc.md: a CRS84 box with minx > maxx crosses the antimeridian (valid there)
add("bbox-crs-cursor", "ogc bbox crossing the antimeridian: valid", get("/ogc/collections/places/items?bbox=170,0,-170,1"), OK)
CRS84 = quote("http://www.opengis.net/def/crs/OGC/1.3/CRS84", safe="")
L93 = quote("http://www.opengis.net/def/crs/EPSG/0/2154", safe="")
for v in ["EPSG:4326", "4326", quote("http://www.opengis.net/def/crs/EPSG/0/99999", safe=""), "x",
          quote("http://evil.example/crs", safe=""), CRS84 + "x", "%00", "../../etc/passwd"]:
    add("bbox-crs-cursor", f"ogc crs={v}", get("/ogc/collections/places/items?crs=" + v), E4)
    add("bbox-crs-cursor", f"ogc bbox-crs={v}",
        get("/ogc/collections/places/items?bbox=5.1,48.9,5.2,49&bbox-crs=" + v), E4)
add("bbox-crs-cursor", "ogc bbox-crs without bbox", get("/ogc/collections/places/items?bbox-crs=" + CRS84), E4)
add("bbox-crs-cursor", "ogc bbox-crs CRS84: valid", get("/ogc/collections/places/items?bbox=5.1,48.9,5.2,49&bbox-crs=" + CRS84), OK)
add("bbox-crs-cursor", "ogc crs Lambert-93: valid", get("/ogc/collections/places/items?crs=" + L93), OK)
for v in ["2026-13-45", "../..", "x", "2026-01-01/2025-01-01", "2026-01-01T25:00:00Z", "%00"]:
    add("bbox-crs-cursor", f"ogc datetime={v}", get("/ogc/collections/places/items?datetime=" + v), E4)
add("bbox-crs-cursor", "ogc datetime=2025-01-01/..: valid", get("/ogc/collections/places/items?datetime=2025-01-01/.."), OK)
for v in ["", "!!!", "djF8", "djF8cmVsZXZhbmNlfHg", "dj" + "A" * 500, "%00", "..%2F..",
          "djF8bmFtZXwxfDE%3D", quote("v1|name|' OR 1=1", safe="")]:
    add("bbox-crs-cursor", f"/api/places cursor={v[:20]}", get("/api/places?sort=name&cursor=" + v), E4)
    add("bbox-crs-cursor", f"ogc cursor={v[:20]}", get("/ogc/collections/places/items?cursor=" + v), E4)

# --- 8. CSV / multipart bodies to POST /api/search/csv/ ----------------------------------------

CSV = "adresse;ville\n1 rue de l'eglise;vaubecourt\n".encode()


def multipart(boundary, parts, close=True):
    out = b""
    for name, value, filename in parts:
        out += b"--" + boundary + b"\r\n"
        out += b'Content-Disposition: form-data; name="' + name + b'"'
        out += (b'; filename="' + filename + b'"' if filename else b"") + b"\r\n\r\n"
        out += value + b"\r\n"
    return out + (b"--" + boundary + b"--\r\n" if close else b"")


def post(body, ctype="multipart/form-data; boundary=XyZ", extra=(), target="/api/search/csv/",
         content_length=True):
    headers = [("Host", "127.0.0.1")] + ([("Content-Type", ctype)] if ctype else []) + list(extra)
    return build("POST", target, headers=headers, body=body, content_length=content_length)


def chunked(body, size=7):
    out = b""
    for i in range(0, len(body), size):
        piece = body[i:i + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"


GOOD = multipart(b"XyZ", [(b"data", CSV, b"a.csv")])
add("bodies", "valid upload: valid", post(GOOD), OK)
add("bodies", "valid upload, chunked: valid",
    post(chunked(GOOD), extra=[("Transfer-Encoding", "chunked")], content_length=False), OK)
add("bodies", "boundary not the one used", post(multipart(b"Other", [(b"data", CSV, b"a.csv")])), E4)
add("bodies", "no boundary parameter", post(GOOD, ctype="multipart/form-data"), E4)
add("bodies", "empty boundary", post(GOOD, ctype="multipart/form-data; boundary="), E4)
add("bodies", "no closing boundary", post(multipart(b"XyZ", [(b"data", CSV, b"a.csv")], close=False)), E4)
add("bodies", "only a closing boundary", post(b"--XyZ--\r\n"), E4)
add("bodies", "garbage body", post(b"\x00\x01garbage" * 50), E4)
add("bodies", "empty body", post(b"", extra=[("Content-Length", "0")]), E4)
add("bodies", "wrong Content-Type text/csv", post(CSV, ctype="text/csv"), E4)
add("bodies", "wrong Content-Type urlencoded", post(b"data=a", ctype="application/x-www-form-urlencoded"), E4)
add("bodies", "no Content-Type", post(GOOD, ctype=None), E4)
add("bodies", "no data field", post(multipart(b"XyZ", [(b"columns", b"adresse", None)])), E4)
add("bodies", "data twice", post(multipart(b"XyZ", [(b"data", CSV, b"a.csv"), (b"data", CSV, b"b.csv")])), E4)
# addok-csv ignores the fields it does not read, and reads its options in the query string too
# (docs/geocoding.md « addok compatibility »): both answer the geocoded file.
add("bodies", "unknown field", post(multipart(b"XyZ", [(b"data", CSV, b"a.csv"), (b"evil", b"1", None)])), OK)
add("bodies", "unknown column", post(multipart(b"XyZ", [(b"data", CSV, b"a.csv"), (b"columns", b"nope", None)])), E4)
add("bodies", "field name of 100000 bytes", post(multipart(b"XyZ", [(b"data", CSV, b"a.csv"), (b"n" * 100000, b"1", None)])), E4)
add("bodies", "column name of 1 MB", post(multipart(b"XyZ", [(b"data", CSV, b"a.csv"), (b"columns", b"c" * 1000000, None)])), E4)
add("bodies", "CSV not UTF-8", post(multipart(b"XyZ", [(b"data", "adresse\ncafé\n".encode("latin-1"), b"a.csv")])), E4)
add("bodies", "quoted field never closed", post(multipart(b"XyZ", [(b"data", b'adresse\n"1 rue\n', b"a.csv")])), E4)
add("bodies", "300 columns", post(multipart(b"XyZ", [(b"data", b",".join(b"c%d" % i for i in range(300)) + b"\n", b"a.csv")])), E4)
add("bodies", "empty CSV", post(multipart(b"XyZ", [(b"data", b"", b"a.csv")])), E4)
BIG = multipart(b"XyZ", [(b"data", b"adresse\n" + b"x" * (11 * 1024 * 1024), b"a.csv")])
add("bodies", "upload of 11 MiB (over max_upload_size)", post(BIG), status((413, "PayloadTooLarge"), close=False))
add("bodies", "upload of 11 MiB, chunked", post(chunked(BIG, 65536), extra=[("Transfer-Encoding", "chunked")],
                                                  content_length=False), status((413, "PayloadTooLarge"), close=False))
add("bodies", "Content-Length of 1 GiB announced", post(b"", extra=[("Content-Length", str(1 << 30))]),
    status((413, "PayloadTooLarge"), close=False))
add("bodies", "query parameter on the upload", post(GOOD, target="/api/search/csv/?columns=adresse"), OK)
add("bodies", "bad option in the query string", post(GOOD, target="/api/search/csv/?encoding=ebcdic"), E4)
add("bodies", "GET /api/search/csv/", get("/api/search/csv/"), status((405, "MethodNotAllowed"), close=False))

# --- 9. methods -----------------------------------------------------------------------------------

for m in ["PUT", "DELETE", "PATCH", "POST"]:
    add("methods", f"{m} /api/places", build(m, "/api/places", body=b"x" if m != "DELETE" else b""),
        status((405, "MethodNotAllowed"), close=False))
    add("methods", f"{m} /", build(m, "/"), status((405, "MethodNotAllowed"), close=False))
for m in ["TRACE", "PROPFIND", "MKCOL", "LINK", "FOO", "get", "Get", "gEt", "HEAD2", "QUERY",
          "BREW", "M-SEARCH", "A" * 100]:
    add("methods", f"{m[:20]} /api/places", build(m, "/api/places"), E4_501)
add("methods", "CONNECT 127.0.0.1:443", build("CONNECT", "127.0.0.1:443"), E4_501)
add("methods", "CONNECT evil.example:443", build("CONNECT", "evil.example:443"), E4_501)
for m in [b"G(T", b"GE T", b"G\x01T", b"\xc3\x84\xc3\x96", b"G@T", b"GET;", b"[GET]", b"GE\"T"]:
    add("methods", f"garbage method token {m!r}", build(m, "/api/health"), BADREQ)
add("methods", "HEAD /api/health: valid", build("HEAD", "/api/health"), OK, head=True)
add("methods", "OPTIONS /api/places (CORS preflight): valid",
    build("OPTIONS", "/api/places", headers=[("Host", "127.0.0.1"), ("Origin", "https://a.example"),
                                              ("Access-Control-Request-Method", "GET")]), OK)
add("methods", "HEAD /api/nope", build("HEAD", "/api/nope"), E4, head=True)

# --- 10. HTTP framing (codes of the specification of the connection layer) ------------------------

H = b"Host: 127.0.0.1\r\n"
FRAMING = [
    ("HTTP/1.1 without Host", b"GET /api/health HTTP/1.1\r\n\r\n", BADREQ),
    ("two Host headers", b"GET /api/health HTTP/1.1\r\n" + H + b"Host: other.example\r\n\r\n", BADREQ),
    ("two identical Host headers", b"GET /api/health HTTP/1.1\r\n" + H + H + b"\r\n", BADREQ),
    ("bare CR in the target", b"GET /api/health\r?x=1 HTTP/1.1\r\n" + H + b"\r\n", BADREQ),
    ("bare CR in a query value", b"GET /api/places?q=a\rb HTTP/1.1\r\n" + H + b"\r\n", BADREQ),
    ("bare LF in the target", b"GET /api/he\nalth HTTP/1.1\r\n" + H + b"\r\n", BADREQ),
    ("NUL in the target", b"GET /index.html\x00.js HTTP/1.1\r\n" + H + b"\r\n", BADREQ),
    ("control byte 0x01 in the target", b"GET /api/places?q=a\x01 HTTP/1.1\r\n" + H + b"\r\n", BADREQ),
    ("DEL in the target", b"GET /api/places?q=a\x7f HTTP/1.1\r\n" + H + b"\r\n", BADREQ),
    ("tab in the target", b"GET /api/places?q=a\tb HTTP/1.1\r\n" + H + b"\r\n", BADREQ),
    ("bare CR in a header value", b"GET /api/health HTTP/1.1\r\n" + H + b"X-A: a\rb\r\n\r\n", BADREQ),
    ("NUL in a header value", b"GET /api/health HTTP/1.1\r\n" + H + b"X-A: a\x00b\r\n\r\n", BADREQ),
    ("control byte in a header value", b"GET /api/health HTTP/1.1\r\n" + H + b"X-A: a\x07b\r\n\r\n", BADREQ),
    ("bare CR in a header name", b"GET /api/health HTTP/1.1\r\n" + H + b"X\rA: b\r\n\r\n", BADREQ),
    ("header without colon", b"GET /api/health HTTP/1.1\r\n" + H + b"X-Broken\r\n\r\n", BADREQ),
    ("header with an empty name", b"GET /api/health HTTP/1.1\r\n" + H + b": value\r\n\r\n", BADREQ),
    ("space before the colon", b"GET /api/health HTTP/1.1\r\n" + H + b"X-A : b\r\n\r\n", BADREQ),
    ("obs-fold (space)", b"GET /api/health HTTP/1.1\r\n" + H + b"X-A: a\r\n continued\r\n\r\n", BADREQ),
    ("obs-fold (tab)", b"GET /api/health HTTP/1.1\r\n" + H + b"X-A: a\r\n\tcontinued\r\n\r\n", BADREQ),
    ("obs-fold of Host", b"GET /api/health HTTP/1.1\r\nHost:\r\n 127.0.0.1\r\n\r\n", BADREQ),
    ("HTTP/2.0", b"GET /api/health HTTP/2.0\r\n" + H + b"\r\n", status((505, "HTTPVersionNotSupported"))),
    ("HTTP/1.2", b"GET /api/health HTTP/1.2\r\n" + H + b"\r\n", status((505, "HTTPVersionNotSupported"))),
    ("HTTP/3.0", b"GET /api/health HTTP/3.0\r\n" + H + b"\r\n", status((505, "HTTPVersionNotSupported"))),
    ("HTTP/0.9", b"GET /api/health HTTP/0.9\r\n" + H + b"\r\n", status((505, "HTTPVersionNotSupported"))),
    ("lower-case http/1.1", b"GET /api/health http/1.1\r\n" + H + b"\r\n",
     status((400, "BadRequest"), (505, "HTTPVersionNotSupported"))),
    ("version HTTP/1.1x", b"GET /api/health HTTP/1.1x\r\n" + H + b"\r\n",
     status((400, "BadRequest"), (505, "HTTPVersionNotSupported"))),
    ("version garbage", b"GET /api/health FOO/1.1\r\n" + H + b"\r\n", BADREQ),
    ("HTTP/0.9 style (no version, no headers)", b"GET /api/health\r\n\r\n", BADREQ),
    ("missing version with headers", b"GET /api/health\r\n" + H + b"\r\n", BADREQ),
    ("request line of one word", b"GET\r\n" + H + b"\r\n", BADREQ),
    ("two spaces after the method", b"GET  /api/health HTTP/1.1\r\n" + H + b"\r\n", BADREQ),
    ("two spaces before the version", b"GET /api/health  HTTP/1.1\r\n" + H + b"\r\n", BADREQ),
    ("tab as separator", b"GET\t/api/health\tHTTP/1.1\r\n" + H + b"\r\n", BADREQ),
    # RFC 9112 3.2: an invalid request-target SHOULD (not MUST) get 400; the specification
    # does not name it, so a JSON 4xx (the router's 404) is accepted.
    ("target not starting with /", b"GET api/health HTTP/1.1\r\n" + H + b"\r\n", E4),
    ("Content-Length and Transfer-Encoding", b"POST /api/search/csv/ HTTP/1.1\r\n" + H +
     b"Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 5\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", BADREQ),
    ("negative Content-Length", b"POST /api/search/csv/ HTTP/1.1\r\n" + H + b"Content-Length: -1\r\n\r\n", BADREQ),
    ("huge Content-Length", b"POST /api/search/csv/ HTTP/1.1\r\n" + H +
     b"Content-Length: 99999999999999999999999999\r\n\r\n",
     status((400, "BadRequest"), (413, "PayloadTooLarge"))),   # unreadable, or over the limit
    ("non-numeric Content-Length", b"POST /api/search/csv/ HTTP/1.1\r\n" + H + b"Content-Length: abc\r\n\r\n", BADREQ),
    ("Content-Length +5", b"POST /api/search/csv/ HTTP/1.1\r\n" + H + b"Content-Length: +5\r\n\r\nhello", BADREQ),
    ("Content-Length 0x10", b"POST /api/search/csv/ HTTP/1.1\r\n" + H + b"Content-Length: 0x10\r\n\r\n", BADREQ),
    ("two different Content-Length", b"POST /api/search/csv/ HTTP/1.1\r\n" + H +
     b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", BADREQ),
    ("Content-Length list 5, 6", b"POST /api/search/csv/ HTTP/1.1\r\n" + H + b"Content-Length: 5, 6\r\n\r\nhello!", BADREQ),
    ("Transfer-Encoding gzip", b"POST /api/search/csv/ HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip\r\n\r\n",
     status((501, "NotImplemented"))),
    ("Transfer-Encoding identity", b"POST /api/search/csv/ HTTP/1.1\r\n" + H + b"Transfer-Encoding: identity\r\n\r\n",
     status((501, "NotImplemented"))),
    ("Transfer-Encoding chunked, gzip", b"POST /api/search/csv/ HTTP/1.1\r\n" + H +
     b"Transfer-Encoding: chunked, gzip\r\n\r\n", status((400, "BadRequest"), (501, "NotImplemented"))),
    ("Transfer-Encoding garbage", b"POST /api/search/csv/ HTTP/1.1\r\n" + H + b"Transfer-Encoding: \x01zz\r\n\r\n",
     status((400, "BadRequest"), (501, "NotImplemented"))),
    ("chunk size not hex", b"POST /api/search/csv/ HTTP/1.1\r\n" + H +
     b"Content-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", BADREQ),
    ("negative chunk size", b"POST /api/search/csv/ HTTP/1.1\r\n" + H +
     b"Content-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nabc\r\n0\r\n\r\n", BADREQ),
    ("chunk size overflowing 64 bits", b"POST /api/search/csv/ HTTP/1.1\r\n" + H +
     b"Content-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"fffffffffffffffffffffffff\r\nabc\r\n0\r\n\r\n", status((400, "BadRequest"), (413, "PayloadTooLarge"))),
    ("chunk data longer than its size", b"POST /api/search/csv/ HTTP/1.1\r\n" + H +
     b"Content-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n", BADREQ),
    ("chunk size with a space inside", b"POST /api/search/csv/ HTTP/1.1\r\n" + H +
     b"Content-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\n\r\n1 0\r\n" + b"a" * 16 +
     b"\r\n0\r\n\r\n", BADREQ),
    ("empty chunk size line", b"POST /api/search/csv/ HTTP/1.1\r\n" + H +
     b"Content-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\n\r\n\r\nabc\r\n0\r\n\r\n", BADREQ),
    ("GET with Content-Length: 5", b"GET /api/health HTTP/1.1\r\n" + H + b"Content-Length: 5\r\n\r\nhello",
     status((413, "PayloadTooLarge"))),
    ("GET with Transfer-Encoding: chunked", b"GET /api/health HTTP/1.1\r\n" + H +
     b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", status((413, "PayloadTooLarge"))),
    ("HEAD with Content-Length: 5", b"HEAD /api/health HTTP/1.1\r\n" + H + b"Content-Length: 5\r\n\r\nhello",
     status((413, "PayloadTooLarge"))),
]
for label, data, expect in FRAMING:
    add("framing", label, data, expect, head=data.startswith(b"HEAD"))
add("framing", "HTTP/1.0 without Host: valid", b"GET /api/health HTTP/1.0\r\n\r\n", OK)
add("framing", "GET with Content-Length: 0: valid", b"GET /api/health HTTP/1.1\r\n" + H + b"Content-Length: 0\r\n\r\n", OK)
add("framing", "chunk extension: valid", b"POST /api/search/csv/ HTTP/1.1\r\n" + H +
    b"Content-Type: multipart/form-data; boundary=XyZ\r\nTransfer-Encoding: chunked\r\n\r\n" +
    b"%x;ext=1\r\n" % len(GOOD) + GOOD + b"\r\n0\r\n\r\n", OK)

# --- 11. headers -----------------------------------------------------------------------------------

HOSTILE_HOSTS = [
    [("Host", "evil.example")], [("Host", "evil.example:8443"), ("X-Forwarded-Proto", "https")],
    [("Host", "127.0.0.1"), ("X-Forwarded-Host", "evil.example")],
    [("Host", "127.0.0.1"), ("Forwarded", "host=evil.example;proto=https")],
]
LINKED = ["/ogc", "/ogc/", "/ogc?f=html", "/ogc/conformance", "/ogc/conformance?f=html",
          "/ogc/api", "/ogc/api?f=html", "/ogc/collections", "/ogc/collections?f=html",
          "/ogc/collections/places", "/ogc/collections/places?f=html",
          "/ogc/collections/places/items?limit=2", "/ogc/collections/places/items?limit=2&f=html",
          "/ogc/collections/places/items/local:centre-a",
          "/ogc/collections/places/items/local:centre-a?f=html",
          "/catalog", "/catalog.jsonld", "/catalog.ttl", "/catalog.rdf", "/catalog.csv",
          "/api/exports", "/api/places?limit=2", "/api/places/local:centre-a", "/api/territory", "/"]


def host_requests():
    out = []
    for hs in HOSTILE_HOSTS:
        for t in LINKED:
            out.append(Req("headers", f"{t} with {'; '.join(k + ': ' + v for k, v in hs)}",
                           get(t, headers=hs), OK, forbid=(EVIL,)))
    return out


CORPUS += host_requests()
huge_accept = ", ".join(f"text/x-{i};q=0.{i % 10}" for i in range(700))
add("headers", "Accept of 15 KB without JSON", get("/api/places?q=ecole", headers=[("Host", "127.0.0.1"), ("Accept", huge_accept)]), E4)
add("headers", "Accept of 15 KB ending with application/json: valid",
    get("/api/places?q=ecole", headers=[("Host", "127.0.0.1"), ("Accept", huge_accept + ", application/json")]), OK)
for v in ["application/geo+json;q=garbage", "application/json;q=-1", "application/json;q=1e309",
          "application/json;q=nan", "*/*;q=0", "application/json;q=0,application/geo+json;q=0",
          ";;;", "application/", "text/html"]:
    add("headers", f"/api/places with Accept: {v}", get("/api/places?q=ecole", headers=[("Host", "127.0.0.1"), ("Accept", v)]), E4)
for v in ['"garbage', 'W/', '*, *', '"' + "a" * 5000 + '"', "\xff\xfe", ",,,,", 'W/"x", "y"']:
    # docs/api.md: a tag that does not match gets the full answer
    add("headers", f"If-None-Match: {v[:20]!r}: valid",
        get("/api/places?q=ecole", headers=[("Host", "127.0.0.1"), ("If-None-Match", v)]), OK)
add("headers", "If-None-Match: *: valid (304)", get("/api/places?q=ecole", headers=[("Host", "127.0.0.1"), ("If-None-Match", "*")]), OK)
for name, v in [("Accept-Encoding", "gzip;q=garbage, " * 500), ("Origin", "null"),
                ("Access-Control-Request-Method", "DELETE"), ("Range", "bytes=0-0,-1"),
                ("Expect", "100-continue"), ("Cookie", "a=" + "b" * 5000),
                ("X-Forwarded-For", "1.2.3.4, evil"), ("Content-Type", "junk"),
                ("Connection", "Upgrade, HTTP2-Settings"), ("Upgrade", "h2c")]:
    add("headers", f"{name}: {v[:20]!r} on /api/health: valid",
        get("/api/health", headers=[("Host", "127.0.0.1"), (name, v)]), OK)

# --- running it -----------------------------------------------------------------------------------


def judge(req, out):
    """(ok, class, why): class is one of 4xx-msg, 4xx-bare, 2xx, 5xx, dropped."""
    if out.kind != "answered":
        return False, "dropped", f"{out.kind}: {out.detail}"
    r = out.response
    st = r.status
    cls = "2xx" if st < 400 else "5xx" if st >= 500 else "4xx-bare"
    problems = []
    if st >= 400:
        problems = rawhttp.error_problems(r, head_only=req.head)
        if st < 500 and not problems:
            cls = "4xx-msg"
    for bad in req.forbid:
        if bad in r.body:
            problems.append(f"body holds {bad!r}")
    exp = req.expect
    if exp == OK:
        if st >= 400:
            problems.insert(0, f"status {st} (valid request: 2xx/3xx expected), code {rawhttp.error_code(r)}")
        else:
            problems += rawhttp.security_problems(r)
    elif exp == E4:
        if not 400 <= st < 500:
            problems.insert(0, f"status {st} (4xx expected)")
    elif exp == E4_501:
        if not (400 <= st < 500 or st == 501):
            problems.insert(0, f"status {st} (4xx or 501 expected)")
    else:
        want = exp["status"]
        if st not in want:
            problems.insert(0, f"status {st} (expected {'/'.join(map(str, want))})")
        elif want[st] and not req.head and rawhttp.error_code(r) != want[st]:
            problems.insert(0, f"code {rawhttp.error_code(r)!r} (expected {want[st]})")
        if exp["close"]:
            if (r.header("connection") or "").lower() != "close":
                problems.append(f"Connection: {r.header('connection')!r} (close expected)")
            if not r.closed_after:
                problems.append("connection left open")
    return not problems, cls, "; ".join(problems)


class Target:
    """The server under test, restarted after a crash."""

    def __init__(self, db, name):
        self.db, self.name, self.n = db, name, 0
        self.crashes = []
        self.logs = []
        self.start()

    def start(self):
        self.n += 1
        log = os.path.join(WORK, f"{self.name}-{self.n}.stderr")
        self.logs.append(log)
        self.srv = ApiServer(API, rawhttp.server_args(self.db, SRC), log,
                             name=f"{self.name} #{self.n}")

    def alive(self):
        return self.srv.proc.poll() is None

    def settle(self, wait=10.0):
        """After a dropped request: True once /api/health answers, False once the server has
        exited (a dying server may refuse connections for a while before it exits)."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not self.alive():
                return False
            out = rawhttp.exchange(self.srv.port, get("/api/health"), timeout=1.0)
            if out.kind == "answered":
                return True
            time.sleep(0.05)
        return self.alive()


def run(target, reqs):
    counts = {"tried": 0, "4xx-msg": 0, "4xx-bare": 0, "2xx": 0, "5xx": 0, "dropped": 0,
              "timeout": 0, "unexpected": 0}
    by_cat = {}
    suspect = None
    for req in reqs:
        out = rawhttp.exchange(target.srv.port, req.data, head_only=req.head, timeout=TIMEOUT,
                               check_close=isinstance(req.expect, dict) and req.expect["close"],
                               close_wait=CLOSE_WAIT)
        ok, cls, why = judge(req, out)
        counts["tried"] += 1
        counts[cls] += 1
        if out.kind == "timeout":
            counts["timeout"] += 1
        cat = by_cat.setdefault(req.category, [0, 0])
        cat[0] += 1
        if not ok:
            cat[1] += 1
            counts["unexpected"] += 1
            check(False, f"{target.name} [{req.category}] {req.label}: {why}")
        # A dying server (an ASan report takes a while to write) may still accept a request
        # or two: the culprit is the first request left unanswered since the last answer.
        if out.kind == "answered":
            suspect = None
        else:
            suspect = suspect or f"[{req.category}] {req.label}"
        if out.kind != "answered" and not target.settle():
            code = target.srv.proc.returncode
            target.crashes.append((suspect, code))
            check(False, f"{target.name}: server died (exit {code}) at {suspect}; stderr in "
                         f"{target.logs[-1]}")
            suspect = None
            target.srv.log.close()
            if len(target.crashes) >= MAX_CRASHES:
                check(False, f"{target.name}: {MAX_CRASHES} crashes, the corpus stops here "
                             f"({len(reqs) - counts['tried']} requests not sent)")
                break
            target.start()
    for cat, (n, bad) in by_cat.items():
        if bad == 0:
            check(True, f"{target.name} [{cat}]: {n} requests answered as specified")
        else:
            print(f"     {target.name} [{cat}]: {bad} of {n} requests not answered as specified")
    return counts


def finish_target(target):
    """/api/health still answers, SIGTERM -> exit 0, no sanitizer report in any stderr."""
    if not target.alive():
        check(False, f"{target.name}: /api/health answers after the corpus (the server is dead)")
    else:
        out = rawhttp.exchange(target.srv.port, get("/api/health"), timeout=TIMEOUT)
        check(out.kind == "answered" and out.response.status == 200,
              f"{target.name}: /api/health answers 200 after the corpus ({out.kind} {out.detail})")
    if target.alive():
        code = target.srv.stop(timeout=30)
        check(code == 0, f"{target.name}: exit status 0 on SIGTERM (got {code})")
    texts = []
    for log in target.logs:
        with open(log, encoding="utf-8", errors="replace") as f:
            texts.append(f.read())
    ok, what = rawhttp.sanitizer_verdict("\n".join(texts), "its stderr")
    check(ok, f"{target.name}: {what}")
    check(not target.crashes, f"{target.name}: no crash ({len(target.crashes)}: "
                              f"{', '.join(f'{lbl} (exit {c})' for lbl, c in target.crashes[:5])})")


def main():
    t0 = time.monotonic()
    n_valid = sum(1 for r in CORPUS if r.expect == OK)
    cats = sorted({r.category for r in CORPUS})
    print(f"corpus of {len(CORPUS)} requests in {len(cats)} categories ({', '.join(cats)}); "
          f"{n_valid} valid by docs/api.md and docs/ogc.md; {'ASan build, ' if SANITIZE else ''}"
          f"{TIMEOUT:.0f} s per request", flush=True)
    check(len(CORPUS) >= 500, f"corpus has at least 500 requests ({len(CORPUS)})")

    main_target = Target(HTTP_DB, "corpus")
    counts = run(main_target, CORPUS)
    finish_target(main_target)

    # The configured public URL, never the Host header (database of hostile.fixture_db).
    pub = Target(PUBLIC_DB, "public_url")
    out = rawhttp.exchange(pub.srv.port, get("/catalog.jsonld"), timeout=TIMEOUT)
    check(out.kind == "answered" and PUBLIC_URL.encode() in out.response.body,
          f"public_url: the catalogue's links start with the configured {PUBLIC_URL}")
    pub_counts = run(pub, host_requests())
    finish_target(pub)

    for k in counts:
        counts[k] += pub_counts[k]
    crashes = len(main_target.crashes) + len(pub.crashes)
    print(f"corpus: tried {counts['tried']}, 4xx-with-message {counts['4xx-msg']}, "
          f"2xx {counts['2xx']}, 5xx {counts['5xx']}, dropped {counts['dropped']}, "
          f"crashes {crashes}")
    print(f"corpus: also 4xx-without-message {counts['4xx-bare']}, of the dropped "
          f"{counts['timeout']} timed out, not as specified {counts['unexpected']}; "
          f"{time.monotonic() - t0:.1f} s")
    finish()


main()
