#!/usr/bin/env python3
"""Search that understands residents (issue 14): the real geodir-import and geodir-api on
loopback over a small fixture directory of the five test communes, with the BAN-style addresses
of tests/http/fixtures and the online procedures of config/forms.

Checks, each against what the fixture holds:
  1. the synonyms table (common/taxonomy_synonyms.def) names only taxonomy codes, and
     /api/categories publishes each category's synonyms, as written, at both levels (the
     compiled-in ones; with synonyms_file, the territory's after them);
  2. every synonym family finds its category's places through /api/places?q= (médecin, docteur,
     généraliste -> gp; école, écoles -> primary and secondary schools; poubelle, ordures,
     déchets -> waste; cantine, garderie -> after-school; pharmacie, mairie, poste), and nothing
     of other categories; a name match ranks before the category's other places; the category's
     places come by distance; paging through them (cursor of the third tier) gives each once;
     "la" alone names no category;
  3. /api/autocomplete: category suggestions by synonym, the bin procedure (type "procedure",
     id "bac") for poubelle with procedures=true (none without), commune suggestions with their INSEE code, address suggestions
     (type "address") from the geocoder;
  4. dead ends: nothing within the radius -> matched_beyond and nearest_beyond (the nearest
     place beyond it, its distance), or null when the directory has none; absent when
     something was found;
  5. open_now / open_at: hours_unknown_excluded counts the places left out for lack of hours;
     open_at evaluates at a given instant (a Tuesday 17:00 Europe/Paris vs a Wednesday);
  6. a territory's synonyms_file adds its own words (and a bad line stops the server, naming
     the file and the line);
  8. a text naming a member commune by its trailing or leading words (« médecin vaubecourt »,
     « vaubecourt pharmacie », « école de seuil d'argonne ») that matches no place by name
     searches the other words within that commune, and says so ("understood"), in
     /api/places and in /api/autocomplete's place suggestions; a name match
     (« mairie vaubecourt »), an explicit commune= and a text that is only a commune name are
     left as they were;
  7. bad input answers 400 naming the parameter (open_at, q, cursor, autocomplete's q, lat and
     procedures).

usage: test_resident.py GEODIR_API GEODIR_IMPORT SOURCE_DIR WORK_DIR
"""
import json
import os
import re
import subprocess
import sys
import urllib.parse

API, IMPORTER, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:5])
sys.dont_write_bytecode = True   # tests write only under the build tree
sys.path.insert(0, os.path.join(SRC, "tests", "lib"))
from geodir_test import (check, finish, fixture_dir, five_communes_config, haversine,  # noqa: E402
                         place_feature, run_import, write_config, write_places)
from forms_fixture import start_server  # noqa: E402

VAUBECOURT = (48.9300, 5.1100)   # the point of the searches (lat, lon)

# id, name, category, insee, lat, lon, opening_hours
PLACES = [
    ("gp-near", "Cabinet Martin", "gp", "55532", 48.9310, 5.1120, None),
    ("gp-far", "Cabinet Durand", "gp", "55517", 48.9700, 5.0500, None),
    ("school", "Groupe scolaire Les Tilleuls", "primary-school", "55532", 48.9320, 5.1150,
     None),
    ("college", "Collège Jean Moulin", "secondary-school", "55532", 48.9280, 5.1180, None),
    ("bakery", "Boulangerie des Écoles", "food-shop", "55532", 48.9450, 5.1400, None),
    ("waste", "Site de collecte de la Chée", "waste", "55123", 48.8800, 5.1500, None),
    ("periscolaire", "Les Mômes de l'Aire", "after-school", "55532", 48.9330, 5.1130, None),
    ("pharmacy", "Pharmacie de l'Aire", "pharmacy", "55532", 48.9305, 5.1110,
     "Mo-Sa 09:00-12:00,14:00-19:00"),
    ("mairie-v", "Mairie de Vaubecourt", "town-hall", "55532", 48.9302, 5.1105,
     "Tu 16:00-18:30; Th 09:00-12:00"),
    ("mairie-b", "Mairie de Beausite", "town-hall", "55040", 48.9900, 5.2000, None),
    ("post", "Agence communale", "post-office", "55017", 49.0300, 5.1200, None),
    ("hall", "Salle des fêtes", "culture-venue", "55532", 48.9315, 5.1125, None),
    ("hospital", "Centre hospitalier", "hospital", "55123", 48.8450, 5.2100, None),
]
IDS = {p[0]: p for p in PLACES}


def setup():
    fixture_dir(WORK, SRC, "communes.geojson", "addresses.csv")
    write_places(os.path.join(WORK, "places.geojson"),
                 [place_feature(pid, name, cat, insee, lon, lat, "1 rue de l'Église",
                                opening_hours=oh)
                  for pid, name, cat, insee, lat, lon, oh in PLACES])
    config = five_communes_config("Territoire d'essai (résidents)", "Essai résidents")
    config["sources"] += [
        {"name": "local", "profile": "local-geojson", "path": "places.geojson",
         "data_date": "2026-11-01"},
        {"name": "adresses", "profile": "ban", "path": "addresses.csv",
         "data_date": "2026-01-01"}]
    db = os.path.join(WORK, "geodir.sqlite")
    run_import(IMPORTER, write_config(WORK, config), db)
    return db


def get(server, path, **params):
    target = path + ("?" + urllib.parse.urlencode(params) if params else "")
    status, _, body = server.request("GET", target)
    try:
        return status, json.loads(body)
    except ValueError:
        return status, {"raw": body[:200]}


def ids_of(doc):
    return [p["id"].split(":", 1)[-1] for p in doc.get("places", [])]


def check_synonyms_table(server):
    _, cats = get(server, "/api/categories")
    codes = set()

    def walk(items):
        for c in items:
            codes.add(c["code"])
            walk(c.get("children", []))
    walk(cats.get("categories", cats if isinstance(cats, list) else []))
    text = open(os.path.join(SRC, "common", "taxonomy_synonyms.def"), encoding="utf-8").read()
    named = re.findall(r'^GDIR_SYNONYMS\("([^"]+)"', text, re.M)
    check(len(named) > 30 and codes, f"synonyms table read ({len(named)} rows, "
                                     f"{len(codes)} taxonomy codes)")
    for code in named:
        check(code in codes, f"synonym row {code!r} is a taxonomy code")
    gp = category_of(cats, "gp")
    check(gp.get("synonyms", [])[:3] == ["médecin", "docteur", "généraliste"] and
          "cabinet médical" in gp["synonyms"],
          f"/api/categories: gp's synonyms as written ({gp.get('synonyms')})")
    health = category_of(cats, "health")
    check(health.get("synonyms") == ["santé", "soins", "soigner"],
          f"/api/categories: a top-level category's synonyms ({health.get('synonyms')})")
    check(all(isinstance(category_of(cats, c).get("synonyms"), list) for c in codes),
          "/api/categories: every category has a synonyms array")


def category_of(cats, code):
    """The entry of /api/categories for code (either level), {} when absent."""
    for top in cats.get("categories", []):
        for c in [top] + top.get("children", []):
            if c.get("code") == code:
                return c
    return {}


def search(server, q, **extra):
    params = {"q": q, "lat": VAUBECOURT[0], "lon": VAUBECOURT[1], "f": "json", "limit": 50}
    params.update(extra)
    return get(server, "/api/places", **params)


def check_families(server):
    families = {
        "gp": ["médecin", "Médecin", "docteur", "généraliste", "medecins", "médecin traitant"],
        "school": ["école", "ecole", "écoles"],
        "waste": ["poubelle", "ordures", "déchets", "déchèterie"],
        "periscolaire": ["cantine", "garderie", "périscolaire"],
        "pharmacy": ["pharmacie"],
        "mairie": ["mairie"],
        "post": ["poste", "la poste", "bureau de poste"],
    }
    expect = {"gp": {"gp-near", "gp-far"}, "school": {"school", "college"},
              "waste": {"waste"}, "periscolaire": {"periscolaire"},
              "pharmacy": {"pharmacy"}, "mairie": {"mairie-v", "mairie-b"}, "post": {"post"}}
    for fam, words in families.items():
        for q in words:
            status, doc = search(server, q)
            got = set(ids_of(doc))
            want = expect[fam]
            extra = got - want - ({"bakery"} if fam == "school" else set())
            check(status == 200 and want <= got and not extra,
                  f"q={q!r} finds {sorted(want)} and nothing else (got {sorted(got)})")
            check(doc.get("numberMatched") == len(got),
                  f"q={q!r}: numberMatched {doc.get('numberMatched')} = {len(got)} places")
    # A name match ranks before the category's places; those come by distance.
    _, doc = search(server, "école")
    order = ids_of(doc)
    check(order[:1] == ["bakery"], f"q=école: the name match first ({order})")
    d = [p["distance_m"] for p in doc["places"][1:]]
    check(d == sorted(d) and len(d) == 2, f"q=école: the schools by distance ({d})")
    _, doc = search(server, "médecin")
    check(ids_of(doc) == ["gp-near", "gp-far"], f"q=médecin: nearest doctor first "
                                                f"({ids_of(doc)})")
    # Paging through the third tier: each place once, in order.
    seen, target, pages = [], None, 0
    status, doc = search(server, "médecin", limit=1)
    while status == 200 and pages < 10:
        pages += 1
        seen += ids_of(doc)
        nxt = [ln["href"] for ln in doc.get("links", []) if ln["rel"] == "next"]
        if not nxt:
            break
        target = nxt[0]
        status, _, body = server.request("GET", target)
        doc = json.loads(body)
    check(seen == ["gp-near", "gp-far"] and status == 200,
          f"q=médecin limit=1: paging gives each doctor once ({seen}, last {status})")
    # Short words name nothing; an unrelated word finds nothing.
    _, doc = search(server, "la")
    check("post" not in ids_of(doc), f"q=la does not name La Poste ({ids_of(doc)})")
    _, doc = search(server, "zorglub")
    check(doc.get("numberMatched") == 0, "q=zorglub: nothing")
    # Filters still apply to the category's places.
    _, doc = search(server, "médecin", commune="55532")
    check(ids_of(doc) == ["gp-near"], f"q=médecin&commune=55532: one doctor ({ids_of(doc)})")


def suggest(server, q, **extra):
    status, doc = get(server, "/api/autocomplete", q=q, **extra)
    check(status == 200, f"autocomplete q={q!r}: 200 ({status})")
    return doc.get("suggestions", [])


def check_autocomplete(server):
    s = suggest(server, "médecin")
    check(any(x["type"] == "category" and x["code"] == "gp" for x in s),
          f"autocomplete médecin: category gp suggested ({[x['type'] for x in s]})")
    check(any(x["type"] == "place" and x["id"].endswith("gp-near") for x in s),
          "autocomplete médecin: the doctor suggested as a place")
    s = suggest(server, "poubelle")
    check(not any(x["type"] == "procedure" for x in s),
          "autocomplete poubelle without procedures=true: no procedure")
    s = suggest(server, "poubelle", procedures="true")
    procs = [x for x in s if x["type"] == "procedure"]
    check([p["id"] for p in procs] == ["bac"] and procs[0]["label"],
          f"autocomplete poubelle: the bin procedure ({procs})")
    check(any(x["type"] == "category" and x["code"] == "waste" for x in s),
          "autocomplete poubelle: category waste suggested")
    s = suggest(server, "cantine", procedures="1")
    check(any(x["type"] == "procedure" and x["id"] == "periscolaire" for x in s) and
          any(x["type"] == "category" and x["code"] == "after-school" for x in s),
          f"autocomplete cantine: périscolaire procedure and category "
          f"({[(x['type'], x.get('id') or x.get('code')) for x in s]})")
    s = suggest(server, "vaubec")
    communes = [x for x in s if x["type"] == "commune"]
    check(communes and communes[0]["insee"] == "55532" and communes[0]["label"] == "Vaubecourt",
          f"autocomplete vaubec: commune with its INSEE code ({communes})")
    s = suggest(server, "3 rue de l'église vaubecourt")
    addrs = [x for x in s if x["type"] == "address"]
    check(addrs and addrs[0]["kind"] == "housenumber" and addrs[0]["citycode"] == "55532" and
          addrs[0]["housenumber"] == "3",
          f"autocomplete of an address: an address suggestion ({addrs[:1]})")
    s = suggest(server, "grande rue", lat=VAUBECOURT[0], lon=VAUBECOURT[1])
    check(any(x["type"] == "address" and "distance_m" in x for x in s),
          "autocomplete grande rue with a point: street suggestion with its distance")


def check_dead_ends(server):
    lat, lon = VAUBECOURT
    status, doc = get(server, "/api/places", category="hospital", lat=lat, lon=lon,
                      radius=1000, f="json")
    nb = doc.get("nearest_beyond") or {}
    want = haversine(lat, lon, IDS["hospital"][4], IDS["hospital"][5])
    check(status == 200 and doc.get("numberMatched") == 0 and doc.get("matched_beyond") == 1
          and nb.get("id", "").endswith("hospital") and abs(nb.get("distance_m", 0) - want) < 1
          and nb.get("name") == "Centre hospitalier",
          f"hospital within 1 km: none, nearest beyond at {want:.0f} m ({doc})")
    status, doc = get(server, "/api/places", category="carpool", lat=lat, lon=lon,
                      radius=1000, f="json")
    check(status == 200 and doc.get("matched_beyond") == 0 and "nearest_beyond" in doc and
          doc["nearest_beyond"] is None,
          f"carpool: none in the directory at all ({doc})")
    status, doc = get(server, "/api/places", q="médecin", lat=48.99, lon=5.03, radius=500,
                      f="json")
    nb = doc.get("nearest_beyond") or {}
    check(doc.get("matched_beyond") == 2 and nb.get("id", "").endswith("gp-far"),
          f"q=médecin far away: the nearest doctor beyond the radius ({doc})")
    status, doc = get(server, "/api/places", category="gp", lat=lat, lon=lon, radius=5000,
                      f="json")
    check(doc.get("numberMatched") == 1 and "nearest_beyond" not in doc and
          "matched_beyond" not in doc, "something within the radius: no nearest_beyond")


def check_hours(server):
    lat, lon = VAUBECOURT
    tuesday, wednesday = "2026-12-08T17:00:00+01:00", "2026-12-09T17:00:00+01:00"
    status, doc = get(server, "/api/places", category="town-hall", open_at=tuesday, f="json")
    check(status == 200 and ids_of(doc) == ["mairie-v"] and
          doc.get("hours_unknown_excluded") == 1 and
          doc["places"][0].get("open_state") == "open",
          f"town halls open on Tuesday 17:00: Vaubecourt, 1 left out for lack of hours ({doc})")
    status, doc = get(server, "/api/places", category="town-hall", open_at=wednesday,
                      lat=lat, lon=lon, radius=50000, f="json")
    check(status == 200 and doc.get("numberMatched") == 0 and
          doc.get("hours_unknown_excluded") == 1 and doc.get("matched_beyond") == 0,
          f"town halls open on Wednesday 17:00: none, 1 without hours ({doc})")
    status, doc = get(server, "/api/places", q="médecin", open_now="true", f="json")
    check(status == 200 and doc.get("numberMatched") == 0 and
          doc.get("hours_unknown_excluded") == 2,
          f"open_now doctors: both left out for lack of hours ({doc})")
    status, doc = get(server, "/api/places", category="gp", f="json")
    check("hours_unknown_excluded" not in doc, "no open filter: no hours_unknown_excluded")


def check_bad_input(server):
    cases = [
        ("/api/places", {"category": "gp", "open_at": "mardi"}, "open_at"),
        ("/api/places", {"category": "gp", "open_at": "2026-13-40T25:00"}, "open_at"),
        ("/api/places", {"category": "gp", "open_at": "2026-12-08T17:00", "open_now": "true"},
         "open_at"),
        ("/api/places", {"q": " ".join(["mot"] * 11)}, "q"),
        ("/api/places", {"q": "médecin", "cursor": "djF8cmVsZXZhbmNlfGF8M3wxfHBvaTp4"},
         "cursor"),
        ("/api/autocomplete", {}, "q"),
        ("/api/autocomplete", {"q": "médecin", "lat": "200", "lon": "5"}, "lat"),
        ("/api/autocomplete", {"q": "poubelle", "procedures": "peut-être"}, "procedures"),
    ]
    for path, params, name in cases:
        status, doc = get(server, path, **params)
        check(status == 400 and doc.get("parameter") == name,
              f"{path} {params}: 400 naming {name} ({status} {doc})")


def check_commune_split(server):
    cases = [("médecin vaubecourt", ["gp-near"], "medecin", "55532"),
             ("Vaubecourt pharmacie", ["pharmacy"], "pharmacie", "55532"),
             ("médecin à Seuil-d'Argonne", ["gp-far"], "medecin", "55517"),
             ("docteur de seuil d argonne", ["gp-far"], "docteur", "55517"),
             ("école vaubecourt", ["bakery", "school", "college"], "ecole", "55532"),
             ("mairie de beausite x", [], None, None)]
    for q, want, words, insee in cases:
        _, doc = search(server, q)
        got = sorted(ids_of(doc)) if words != "ecole" else ids_of(doc)
        want = sorted(want) if words != "ecole" else want
        understood = doc.get("understood")
        if words is None:
            check(doc.get("numberMatched") == 0 and understood is None,
                  f"q={q!r}: no commune at either end, nothing ({doc.get('numberMatched')}, "
                  f"{understood})")
            continue
        check(got == want and doc.get("numberMatched") == len(want),
              f"q={q!r}: the places of commune {insee} matching {words!r} ({got})")
        check(understood == {"q": words, "commune": insee,
                             "commune_name": understood.get("commune_name") if understood else 0}
              and understood["commune_name"],
              f"q={q!r}: understood {understood}")
    # /api/autocomplete splits the same way (its place suggestions); not without a commune.
    status, doc = get(server, "/api/autocomplete", q="médecin à Seuil-d'Argonne ")
    places = [x["id"] for x in doc.get("suggestions", []) if x["type"] == "place"]
    check(status == 200 and places == ["local:gp-far"] and
          doc.get("understood", {}).get("commune") == "55517",
          f"autocomplete 'médecin à Seuil-d'Argonne ': the doctor of 55517 ({places}, "
          f"{doc.get('understood')})")
    status, doc = get(server, "/api/autocomplete", q="médecin zorglub ")
    check(status == 200 and "understood" not in doc,
          f"autocomplete 'médecin zorglub ': no commune named ({doc.get('understood')})")
    # The commune word is also in a place's name: the name match, no split.
    _, doc = search(server, "mairie vaubecourt")
    check(ids_of(doc) == ["mairie-v"] and "understood" not in doc,
          f"q='mairie vaubecourt': the name match only, not split ({ids_of(doc)}, "
          f"{doc.get('understood')})")
    # An explicit commune= is not overridden.
    _, doc = search(server, "médecin vaubecourt", commune="55517")
    check(doc.get("numberMatched") == 0 and "understood" not in doc,
          f"q='médecin vaubecourt'&commune=55517: left alone ({ids_of(doc)})")
    # A text that is only a commune name: as before (its name matches).
    for q, want in [("vaubecourt", ["mairie-v"]), ("seuil d'argonne", [])]:
        _, doc = search(server, q)
        check(ids_of(doc) == want and "understood" not in doc,
              f"q={q!r}: only a commune name, name matches as before ({ids_of(doc)})")


def check_synonyms_file(plain, db):
    path = os.path.join(WORK, "synonyms.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("# the territory's own words\ngp: rebouteux | toubib du coin\n\n"
                "  waste :recyclerie\r\n")
    server = start_server(API, db, SRC, os.path.join(SRC, "config", "forms"),
                          os.path.join(WORK, "srv-syn"), "--synonyms_file", path)
    try:
        doctors = ["gp-far", "gp-near"]
        _, cats = get(server, "/api/categories")
        gp = category_of(cats, "gp").get("synonyms", [])
        waste = category_of(cats, "waste").get("synonyms", [])
        check(gp[-2:] == ["rebouteux", "toubib du coin"] and "médecin" in gp and
              waste[-1:] == ["recyclerie"],
              f"/api/categories publishes the synonyms_file's words after the table's "
              f"(gp {gp}, waste {waste})")
        for q, want in [("rebouteux", doctors), ("toubib du coin", doctors),
                        ("recyclerie", ["waste"]), ("médecin", doctors)]:
            _, doc = get(server, "/api/places", q=q, f="json")
            check(sorted(ids_of(doc)) == want, f"synonyms_file: q={q!r} finds {want} "
                                               f"({ids_of(doc)})")
    finally:
        server.stop()
    _, doc = search(plain, "rebouteux")
    check(doc.get("numberMatched") == 0, "without synonyms_file, q=rebouteux finds nothing")
    bad = os.path.join(WORK, "bad-synonyms.txt")
    with open(bad, "w", encoding="utf-8") as f:
        f.write("gp: docteur\nnot-a-code: x\n")
    run = subprocess.run([API, "--port", "0", "--db", db, "--static_dir",
                          os.path.join(SRC, "map-ui"), "--synonyms_file", bad],
                         capture_output=True, text=True, timeout=30)
    check(run.returncode == 2 and f"{bad}:2:" in run.stderr,
          f"a bad synonyms_file stops the server, naming its line (exit {run.returncode}: "
          f"{run.stderr.strip()[:160]})")



def main():
    db = setup()
    server = start_server(API, db, SRC, os.path.join(SRC, "config", "forms"),
                          os.path.join(WORK, "srv"))
    try:
        check_synonyms_table(server)
        check_families(server)
        check_autocomplete(server)
        check_dead_ends(server)
        check_hours(server)
        check_bad_input(server)
        check_commune_split(server)
        status, _ = get(server, "/api/health")
        check(status == 200, "server still up")
        check_synonyms_file(server, db)
    finally:
        server.stop()
    finish()


main()
