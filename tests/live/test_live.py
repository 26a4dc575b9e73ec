#!/usr/bin/env python3
"""live.mirror: the shipped live configuration (config/aire-argonne-live.json) imported the way
a territory runs it, `geodir-import --fetch`, every file downloaded through
`--fetch-mirror` from a local HTTP server on 127.0.0.1 (port 0, started here; no other address
is ever used) that serves, at each source's OFFICIAL URL path (/<official host>/<path>?<query>),
a file in that source's official format:

  - the real public files of the shared datasets folder, read in place (never copied into the
    repository): the commune outlines (gzip, as Etalab publishes them), BANO for Meuse, La Poste's
    points of contact, the Annuaire de l'éducation and the DEPP geolocation file;
  - the project's samples (datasets/samples: COG, BAN in its gzip) and, for the sources of which
    no real extract of the territory exists, the hand-written examples of tests/live/fixtures
    (FINESS JSON, RNA waldec in its zip, BPE in its zip, SIRENE géolocalisé in its gzip, an
    OpenStreetMap extract encoded here into the .osm.pbf format Geofabrik publishes).

Checks: every source of the configuration has a fetch entry whose URL is on an official host
(never a loopback one), every request reached the mirror at exactly that URL's path and query;
the manifest records the official URL and the mirror URL; GEODIR_FETCH_MIRROR does the same
(the option wins); the database holds records of every
source, each record with the licence of its source and the source with its publisher (ODbL for
OSM and BANO, and a place merged with an ODbL record is ODbL); hours from OSM; a second run asks
with If-None-Match and gets 304 for every source; option errors answer exit 2.

usage: test_live.py IMPORTER SQLITE3 SOURCE_DIR SHARED_DATASETS WORK_DIR
"""
import email.utils
import gzip
import hashlib
import io
import json
import os
import re
import struct
import sys
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import check, finish, fresh_dir, run_program, sqlite_rows  # noqa: E402

IMPORTER, SQLITE3, SRC, SHARED, WORK = sys.argv[1:6]
IMPORTER, SRC, SHARED, WORK = (os.path.abspath(a) for a in (IMPORTER, SRC, SHARED, WORK))
FIXTURES = os.path.join(SRC, "tests", "live", "fixtures")
CONFIG = os.path.join(SRC, "config", "aire-argonne-live.json")
CATALOGUE = os.path.join(SRC, "datasets", "catalogue.json")


def read(path):
    with open(path, "rb") as f:
        return f.read()


# --------------------------------------------------------------------------------------------
# OSM PBF encoder (the format of download.geofabrik.de): OSMHeader and OSMData blobs, zlib
# compressed, plain Node and Way messages of osmformat.proto, written from an .osm XML file.

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def zigzag(n):
    return (n << 1) ^ (n >> 63)


def field(num, wire, payload):
    key = varint((num << 3) | wire)
    if wire == 0:
        return key + varint(payload)
    return key + varint(len(payload)) + payload      # wire 2: length-delimited


def packed(num, values):
    """A packed repeated field; none at all when empty (GDAL's reader refuses empty ones)."""
    return field(num, 2, b"".join(varint(v) for v in values)) if values else b""


def blob(kind, data):
    body = field(2, 0, len(data)) + field(3, 2, zlib.compress(data))
    header = field(1, 2, kind.encode()) + field(3, 0, len(body))
    return struct.pack(">I", len(header)) + header + body


def osm_to_pbf(xml_path):
    root = ET.parse(xml_path).getroot()
    strings = [b""]
    index = {}

    def sid(s):
        b = s.encode("utf-8")
        if b not in index:
            index[b] = len(strings)
            strings.append(b)
        return index[b]

    def tags(el):
        kv = [(sid(t.get("k")), sid(t.get("v"))) for t in el.findall("tag")]
        return packed(2, [k for k, _ in kv]) + packed(3, [v for _, v in kv])

    nodes = b""
    for n in root.findall("node"):
        lat, lon = round(float(n.get("lat")) * 1e7), round(float(n.get("lon")) * 1e7)
        msg = field(1, 0, zigzag(int(n.get("id")))) + tags(n) + \
            field(8, 0, zigzag(lat)) + field(9, 0, zigzag(lon))
        nodes += field(1, 2, msg)
    ways = b""
    for w in root.findall("way"):
        refs, prev = [], 0
        for nd in w.findall("nd"):
            ref = int(nd.get("ref"))
            refs.append(zigzag(ref - prev))
            prev = ref
        ways += field(3, 2, field(1, 0, int(w.get("id"))) + tags(w) + packed(8, refs))
    table = field(1, 2, b"".join(field(1, 2, s) for s in strings))
    block = table + field(2, 2, nodes) + field(2, 2, ways) + field(17, 0, 100)
    header = field(4, 2, b"OsmSchema-V0.6") + field(16, 2, b"geodir tests/live")
    return blob("OSMHeader", header) + blob("OSMData", block)


# --------------------------------------------------------------------------------------------
# service-public.fr in its current format: the real per-office XML files (2022) written as the
# JSON export of the API Annuaire (the same offices, names, addresses, hours; JSON text in
# pivot / adresse / telephone / site_internet / plage_ouverture, as the export writes them)

SP_XML = "annuaire-service-public_2022-01_organismes-55"
DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def sp_record(path):
    org = ET.parse(path).getroot()

    def text(el, name):
        c = el.find(name) if el is not None else None
        return c.text if c is not None and c.text else ""

    adresses = []
    for a in org.findall("Adresse"):
        lines = [ln.text for ln in a.findall("Ligne") if ln.text]
        loc, acc = a.find("Localisation"), a.find("Accessibilité")
        adresses.append({
            "type_adresse": "Adresse postale" if a.get("type") == "postale" else "Adresse",
            "numero_voie": lines[0] if lines else "",
            "complement1": lines[1] if len(lines) > 1 else "",
            "complement2": lines[2] if len(lines) > 2 else "",
            "service_distribution": "", "code_postal": text(a, "CodePostal"),
            "nom_commune": text(a, "NomCommune"), "pays": "",
            "latitude": text(loc, "Latitude"), "longitude": text(loc, "Longitude"),
            "accessibilite": acc.get("type", "") if acc is not None else "",
            "note_accessibilite": acc.text.strip() if acc is not None and acc.text else ""})
    geo = [a for a in adresses if a["latitude"] and a["type_adresse"] == "Adresse"]
    if geo:     # the XML reader's géopostale address first, as the export lists the physical one
        adresses.remove(geo[0])
        adresses.insert(0, geo[0])
    plages = []
    ouv = org.find("Ouverture")
    for pj in (ouv.findall("PlageJ") if ouv is not None else []):
        pl = {"nom_jour_debut": pj.get("début", "").capitalize(),
              "nom_jour_fin": pj.get("fin", "").capitalize(), "commentaire": ""}
        for k in range(1, 5):
            pl[f"valeur_heure_debut_{k}"] = pl[f"valeur_heure_fin_{k}"] = ""
        for k, ph in enumerate(pj.findall("PlageH")[:4], 1):
            pl[f"valeur_heure_debut_{k}"] = ph.get("début", "")
            pl[f"valeur_heure_fin_{k}"] = ph.get("fin", "")
        plages.append(pl)
    num = org.find("CoordonnéesNum")
    dump = lambda v: json.dumps(v, ensure_ascii=False)   # noqa: E731
    return {
        "plage_ouverture": dump(plages), "site_internet": dump(
            [{"libelle": "", "valeur": text(num, "Url")}] if text(num, "Url") else []),
        "copyright": "Direction de l'information légale et administrative (Première ministre)",
        "siren": "", "ancien_code_pivot": org.get("pivotLocal") + "-" + org.get("codeInsee"),
        "telephone": dump([{"valeur": text(num, "Téléphone"), "description": ""}]
                          if text(num, "Téléphone") else []),
        "date_modification": org.get("dateMiseAJour") + "T00:00:00+00:00",
        "nom": text(org, "Nom"), "adresse_courriel": text(num, "Email"),
        "pivot": dump([{"type_service_local": org.get("pivotLocal"),
                        "code_insee_commune": [org.get("codeInsee")]}]),
        "code_insee_commune": org.get("codeInsee"), "id": org.get("id"),
        "adresse": dump(adresses)}


def sp_export():
    folder = os.path.join(SHARED, SP_XML)
    records = [sp_record(os.path.join(folder, n)) for n in sorted(os.listdir(folder))
               if n.endswith(".xml")]
    return json.dumps(records, ensure_ascii=False).encode("utf-8")


# --------------------------------------------------------------------------------------------
# What each source's official URL serves

def gz(data):
    return gzip.compress(data, mtime=0)


def zipped(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def shared(name):
    return read(os.path.join(SHARED, name))


def bodies():
    """Source name -> the bytes its official URL serves (official format and compression)."""
    rna = read(os.path.join(FIXTURES, "rna_waldec_dpt_55-exemple.csv"))
    rna_other = rna.split(b"\r\n")[0] + b"\r\n"            # the archive's other départements
    bpe = read(os.path.join(FIXTURES, "bpe24_ensemble_xy-exemple.csv"))
    return {
        "cog": read(os.path.join(SRC, "datasets/samples/cog/v_commune_2026-exemple.csv")),
        "limites": gz(shared("communes-55-meuse.geojson")),
        "service-public": sp_export(),
        "ban": gz(read(os.path.join(SRC, "datasets/samples/ban/adresses-55-exemple.csv"))),
        "bano": shared("bano-55_2015-03.csv"),
        "laposte": shared("laposte_poincont2_55.csv"),
        "annuaire-education": shared("annuaire-education_extrait-dep55_2026-05.geojson"),
        "colleges-ecoles": shared("education_colleges-dep55_2024.csv"),
        "finess": read(os.path.join(FIXTURES, "finess-structures-aire-argonne-exemple.json")),
        "rna": zipped([("rna_waldec_20261201_dpt_54.csv", rna_other),
                       ("rna_waldec_20261201_dpt_55.csv", rna),
                       ("rna_waldec_20261201_dpt_57.csv", rna_other)]),
        "bpe": zipped([("bpe24_ensemble_xy.csv", bpe),
                       ("varmod_bpe24_ensemble_xy.csv", b"COD_VAR;LIB_VAR\nTYPEQU;Type\n")]),
        "sirene": gz(read(os.path.join(FIXTURES, "geo_siret_55-exemple.csv"))),
        "osm": osm_to_pbf(os.path.join(FIXTURES, "osm-aire-argonne-exemple.osm")),
    }


def official_url(source, catalogue):
    """The URL a source's fetch entry names, placeholders filled (as documented in
    docs/configuration.md, Fetching)."""
    spec = source["fetch"]
    url = spec.get("url")
    if "catalogue" in spec:
        url = next(e for e in catalogue["sources"] if e["name"] == spec["catalogue"])["download_url"]
    for k, v in spec.get("params", {}).items():
        url = url.replace("{" + k + "}", v)
    return url


# --------------------------------------------------------------------------------------------
# The mirror

class Mirror:
    """Serves routes {"/host/path?query": bytes} with an ETag and Last-Modified; answers 304 to
    a matching If-None-Match; records every request (path, validators)."""

    def __init__(self, routes):
        self.routes = routes
        self.requests = []
        self.lock = threading.Lock()
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                with mirror.lock:
                    mirror.requests.append((self.path, self.headers.get("If-None-Match"),
                                            self.headers.get("Host")))
                data = mirror.routes.get(self.path)
                if data is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                etag = '"%s"' % hashlib.sha256(data).hexdigest()[:32]
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", email.utils.formatdate(1764547200, usegmt=True))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self):
        with self.lock:
            out, self.requests = self.requests, []
        return out


# --------------------------------------------------------------------------------------------

def check_config(config, catalogue, served):
    """Every source fetched from an official host; returns {name: official URL}."""
    urls = {}
    for s in config["sources"]:
        name = s["name"]
        if not check("fetch" in s, f"source {name} has a fetch entry"):
            continue
        url = official_url(s, catalogue)
        host = urllib.parse.urlsplit(url).hostname or ""
        check(url.startswith("https://") or host == "bano.openstreetmap.fr",
              f"{name}: {url} is https (BANO publishes over http only)")
        check(re.search(r"\.(fr|de)$", host) is not None and "{" not in url,
              f"{name}: {url} is a complete URL on an official host")
        check(name in served, f"{name}: the test serves a file in its official format")
        urls[name] = url
    return urls


def route(url):
    parts = urllib.parse.urlsplit(url)
    return "/" + parts.netloc + parts.path + ("?" + parts.query if parts.query else "")


def run_fetch(db, mirror_url, extra=(), env_mirror=None):
    """--fetch with the mirror given by --fetch-mirror, or by GEODIR_FETCH_MIRROR (env_mirror)."""
    args = [IMPORTER, "--config", CONFIG, "--db", db, "--fetch", "--no-exports", *extra]
    if mirror_url:
        args[5:5] = ["--fetch-mirror", mirror_url]
    env = dict(os.environ)
    env.pop("GEODIR_FETCH_MIRROR", None)
    if env_mirror:
        env["GEODIR_FETCH_MIRROR"] = env_mirror
    t0 = time.monotonic()
    p = run_program(args, timeout=300, env=env)
    p.seconds = time.monotonic() - t0
    return p


def check_records(db, config):
    """Records of every source, each with its source's licence; the sources' publishers."""
    profiles = {}
    for s in config["sources"]:
        prof = json.load(open(os.path.join(SRC, "importer", "profiles", s["profile"] + ".json")))
        profiles[s["name"]] = (s.get("licence") or prof["dataset"]["licence"],
                               s.get("publisher") or prof["dataset"]["publisher"], prof["kind"])
    srcs = {r["name"]: r for r in sqlite_rows(SQLITE3, db, "SELECT * FROM sources")}
    odbl = {n for n, (lic, _, _) in profiles.items() if lic == "ODbL-1.0"}
    check(odbl == {"osm", "bano"}, f"the ODbL sources are OSM and BANO ({sorted(odbl)})")
    for name, (lic, pub, kind) in profiles.items():
        s = srcs.get(name, {})
        check(s.get("licence") == lic and s.get("publisher") == pub,
              f"{name}: sources row licence {s.get('licence')!r}, publisher {s.get('publisher')!r}")
        if kind in ("places", "addresses"):
            table = "place_records" if kind == "places" else "addresses"
            rows = sqlite_rows(SQLITE3, db, f"SELECT licence, count(*) AS n FROM {table} "
                                            f"WHERE source = '{name}' GROUP BY licence")
            got = {r["licence"]: r["n"] for r in rows}
            check(len(got) == 1 and got.get(lic, 0) > 0,
                  f"{name}: {sum(got.values())} {kind} records, every one {lic} ({got})")
        else:
            where = "" if kind == "communes" else \
                f" WHERE geom IS NOT NULL AND source = '{name}' AND licence = '{lic}'"
            n = sqlite_rows(SQLITE3, db, f"SELECT count(*) AS n FROM communes{where}")[0]["n"]
            check(n == 47, f"{name}: the 47 member communes ({n})")
    rows = sqlite_rows(SQLITE3, db, "SELECT p.id, p.licence, p.field_sources FROM places p "
                                    "WHERE p.source_ids IS NOT NULL")
    for r in rows:
        fs = json.loads(r["field_sources"] or "{}")
        if odbl & set(fs.values()):
            check(r["licence"] == "ODbL-1.0", f"merged place {r['id']} with ODbL fields is ODbL")


def check_service_public(db, work):
    """The offices imported from the API Annuaire JSON are those the XML reader gives from the
    same real files: name, phone, e-mail, position and the opening hours, for every office."""
    cfg = json.load(open(CONFIG))
    cfg["data_dir"] = SHARED
    cfg["sources"] = [{"name": "cog", "profile": "cog-communes",
                       "path": os.path.join(SRC, "datasets/samples/cog/v_commune_2026-exemple.csv")},
                      {"name": "service-public", "profile": "service-public-xml", "path": SP_XML}]
    path = os.path.join(work, "xml.json")
    with open(path, "w") as f:
        json.dump(cfg, f)
    xml_db = os.path.join(work, "xml.sqlite")
    p = run_program([IMPORTER, "--config", path, "--db", xml_db, "--no-exports", "--quiet"], 120)
    check(p.returncode == 0, f"the same offices from the XML files ({p.err[-500:]})")
    q = ("SELECT source_id, name, phone, email, opening_hours, round(lon, 6) AS lon, "
         "round(lat, 6) AS lat, category FROM place_records WHERE source = 'service-public'")
    want = {r["source_id"]: r for r in sqlite_rows(SQLITE3, xml_db, q)}
    got = {r["source_id"]: r for r in sqlite_rows(SQLITE3, db, q)}
    check(len(got) == 49 and got.keys() == want.keys(),
          f"service-public: the 49 offices of the territory from the JSON export ({len(got)})")
    diff = [k for k in want if got.get(k) != want[k]]
    check(not diff, "service-public: every office as the XML reader reads it, hours included "
                    f"({diff[:3]}: {[(got.get(k), want[k]) for k in diff[:2]]})")
    hours = [r for r in got.values() if r["opening_hours"]]
    check(len(hours) >= 40 and got.get("mairie-55532-01", {}).get("opening_hours") ==
          "Tu 16:30-18:30; Th 10:00-12:00",
          f"service-public: {len(hours)} offices with hours; Vaubecourt's mairie "
          f"{got.get('mairie-55532-01', {}).get('opening_hours')!r}")


def main():
    config = json.load(open(CONFIG))
    catalogue = json.load(open(CATALOGUE))
    served = bodies()
    urls = check_config(config, catalogue, served)
    mirror = Mirror({route(u): served[n] for n, u in urls.items()})
    base = f"http://127.0.0.1:{mirror.port}/miroir"
    mirror.routes = {"/miroir" + k: v for k, v in mirror.routes.items()}
    fresh_dir(WORK)
    work = WORK
    db = os.path.join(work, "data", "geodir.sqlite")

    p = run_fetch(db, base + "/")
    print(p.out[-3000:], p.err[-3000:], sep="\n")
    check(p.returncode == 0, f"--fetch through the mirror imports (exit {p.returncode}, "
                             f"{p.seconds:.1f} s)")
    asked = mirror.take()
    want = sorted("/miroir" + route(u) for u in urls.values())
    check(sorted(a[0] for a in asked) == want,
          "each source asked once, at the mirror's copy of its official URL:\n  " +
          "\n  ".join(sorted(a[0] for a in asked)))
    check(all(a[2] == f"127.0.0.1:{mirror.port}" for a in asked), "no request to another host")
    man = json.load(open(os.path.join(work, "data", "downloads", "manifest.json")))
    recs = {r["name"]: r for r in man["sources"]}
    for name, url in urls.items():
        r = recs.get(name, {})
        check(r.get("official_url") == url and r.get("url") == base + route(url),
              f"manifest: {name} official_url {r.get('official_url')!r}, url {r.get('url')!r}")
    if p.returncode == 0:
        check_records(db, config)
        hours = sqlite_rows(SQLITE3, db, "SELECT opening_hours FROM place_records "
                                         "WHERE source = 'osm' AND opening_hours IS NOT NULL")
        check(len(hours) >= 2, f"opening hours read from OSM ({len(hours)})")
        check_service_public(db, work)

    p2 = run_fetch(db, base)
    check(p2.returncode == 0, f"second run (exit {p2.returncode}, {p2.seconds:.1f} s)")
    asked = mirror.take()
    check(len(asked) == len(urls) and all(a[1] for a in asked),
          f"second run: {len(asked)} conditional requests (If-None-Match)")
    man = json.load(open(os.path.join(work, "data", "downloads", "manifest.json")))
    outcomes = {r["name"]: r["outcome"] for r in man["sources"]}
    check(set(outcomes.values()) == {"unchanged"}, f"second run: every file unchanged (304) "
                                                    f"{outcomes}")

    p5 = run_fetch(db, None, env_mirror=base)
    asked = mirror.take()
    check(p5.returncode == 0 and len(asked) == len(urls),
          f"GEODIR_FETCH_MIRROR instead of the option: every source asked from the mirror "
          f"(exit {p5.returncode}, {len(asked)} requests)")
    p6 = run_fetch(db, base, env_mirror="ftp://ailleurs.example/")
    check(p6.returncode == 0 and len(mirror.take()) == len(urls),
          "--fetch-mirror wins over GEODIR_FETCH_MIRROR")
    p7 = run_fetch(db, None, env_mirror="gopher://ailleurs.example/")
    check(p7.returncode == 2 and "GEODIR_FETCH_MIRROR" in p7.err,
          f"a bad GEODIR_FETCH_MIRROR: exit 2 naming it ({p7.returncode})")
    for bad, why in (("ftp://miroir.example/x", "not http"), ("http://h.example/a?b=1", "query")):
        p3 = run_fetch(db, bad)
        check(p3.returncode == 2 and "--fetch-mirror" in p3.err,
              f"--fetch-mirror {bad} ({why}): exit 2 naming the option ({p3.returncode})")
    p4 = run_program([IMPORTER, "--config", CONFIG, "--db", db, "--fetch-mirror", base], 60)
    check(p4.returncode == 2 and "--fetch-mirror needs --fetch" in p4.err,
          "--fetch-mirror without --fetch: exit 2")
    check(mirror.take() == [], "no request from the refused runs")
    finish()


main()
