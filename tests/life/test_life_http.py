#!/usr/bin/env python3
"""life.http — the daily life (agenda, news, alerts) on the real geodir-api, geodir-import and
geodir-admin over the sample territory, with a real forms database (docs/vie-locale.md §1, §4).

Agents of Vaubecourt (55532) and Beausite (55040) and an administrator log in. The Vaubecourt
agent publishes a weekly market: /api/events expands it across the change to summer time
(08:00 local, +01:00 then +02:00, its exdate left out), and a two-day event whose address the
platform geocodes; the Beausite agent gets 403 editing it; a commune agent
cannot write a territory-wide item, an administrator can (and it is listed for every commune).
A draft is not visible; a scheduled item only once its publish_at has passed (set in the
database); unpublishing hides it. An association proposes an event with the form « Proposer
un événement »; the agent accepts it and it appears in /api/events of the commune (polled);
a refusal needs a motivation. An alert is listed until its validity ends (set in the
database). The hostile texts of tests/life/text_hostile.txt come back inert. Uploads: a
non-image and an oversized file are refused in French; a PNG is served. 400 bodies name the
parameter; ETag and 304; no CSRF token: 403; the audit rows are written and append-only.
Without forms_dir the routes answer 404 saying why; scripts/life-examples writes the example
content through the back office and, run again, keeps it.

usage: test_life_http.py API IMPORTER ADMIN SRC_DIR WORK_DIR
"""
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from geodir_test import (ApiServer, check, finish, fresh_dir, poll_until,  # noqa: E402
                         run_import, write_config)
from bo_client import Client, totp  # noqa: E402
from forms_client import PNG, csrf, request, submit  # noqa: E402
from forms_fixture import add_agent, forms_db, run_admin, server_args, totp_secret  # noqa: E402
from forms_fixture import sql as forms_sql  # noqa: E402

API, IMPORTER, ADMIN, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:6])
FDB = forms_db(WORK)
DB = os.path.join(WORK, "geodir.sqlite")
VAUBECOURT, BEAUSITE = "55532", "55040"
PASSWORDS = {"agent.vaubecourt": "Tilleul-Fontaine-Grange-73",
             "agent.beausite": "Mirabelle-Lavoir-Clocher-42",
             "admin.cc": "Argonne-Cigogne-Moisson-58"}


def sql(query, args=()):
    return forms_sql(FDB, query, args)


def prepare():
    """The sample territory imported into WORK."""
    fresh_dir(WORK)
    with open(os.path.join(SRC, "config", "aire-argonne.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    cfg["data_dir"] = os.path.join(SRC, "datasets", "samples")
    run_import(IMPORTER, write_config(WORK, cfg), DB, ["--quiet", "--no-exports"],
               what="sample territory")


class Agent(Client):
    def __init__(self, port, login, secret=None):
        super().__init__(port)
        self.who = login
        code = totp(secret, int(time.time()) // 30) if secret else None
        s, _, b = self.login(login, PASSWORDS[login], code)
        check(s == 200, f"{login} logs in ({s} {str(b)[:200]})")

    def post(self, path, body=None, token=True):
        s, _, b = self.call("POST", path, body if body is not None else {}, token=token)
        return s, b

    def get(self, path):
        s, _, b = self.call("GET", path)
        return s, b

    def create(self, body):
        s, b = self.post("/api/bo/life", body)
        check(s == 201 and isinstance(b, dict) and b.get("id"),
              f"{self.who}: created « {body.get('title')} » ({s} {str(b)[:300]})")
        return (b or {}).get("id")

    def upload(self, item, content, name="image.png"):
        boundary = "----life" + os.urandom(8).hex()
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
                f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                .encode() + content + f"\r\n--{boundary}--\r\n".encode())
        h = self.headers()
        h["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        s, _, b = request(self.port, "POST", f"/api/bo/life/{item}/image", body, h)
        return s, json.loads(b) if b else None


def get(port, target, headers=None):
    s, h, b = request(port, "GET", target, headers=headers)
    try:
        return s, h, json.loads(b) if b else None
    except ValueError:
        return s, h, b


def events(port, **params):
    s, _, b = get(port, "/api/events?" + urllib.parse.urlencode(params))
    return b["features"] if s == 200 else []


def market(agent, port):
    """A weekly market across the change to summer time (28 March 2027)."""
    body = {"kind": "event", "title": "Marché hebdomadaire", "text": "Producteurs locaux.",
            "start": "2027-03-20T08:00", "end": "2027-03-20T12:30",
            "rrule": "FREQ=WEEKLY;BYDAY=SA", "exdates": ["2027-04-03T08:00"],
            "communes": [VAUBECOURT], "category": "marche",
            "place_id": "local:exemple-026", "free": True, "url": "https://www.exemple.fr/marche",
            "contact": {"email": "marche@exemple.fr", "phone": "03 29 70 00 00"}}
    item = agent.create(body)
    s, b = agent.post(f"/api/bo/life/{item}/publish")
    check(s == 200 and b.get("status") == "published", f"market published ({s} {str(b)[:200]})")
    feats = events(port, commune=VAUBECOURT, **{"from": "2027-03-15", "to": "2027-04-10"})
    mine = [f for f in feats if f["properties"]["item"] == item]
    starts = [f["properties"]["start"] for f in mine]
    check(starts == ["2027-03-20T08:00:00+01:00", "2027-03-27T08:00:00+01:00",
                     "2027-04-10T08:00:00+02:00"],
          f"weekly market across DST: 08:00 local, +01:00 then +02:00, its exdate left out "
          f"(got {starts})")
    p = mine[0]["properties"] if mine else {}
    check(p.get("end") == "2027-03-20T12:30:00+01:00" and p.get("recurrence")
          and p.get("rrule") == "FREQ=WEEKLY;BYDAY=SA" and p.get("category_label") == "Marché"
          and p.get("communes") == [{"insee": VAUBECOURT, "name": "Vaubecourt"}]
          and p.get("place", {}).get("id") == "local:exemple-026"
          and p.get("publisher") == "Commune de Vaubecourt" and p.get("licence") == "etalab-2.0"
          and mine[0]["geometry"] and mine[0]["id"] == f"{item}-20270320T0800",
          f"an occurrence's properties (got {json.dumps(mine[0] if mine else None)[:600]})")
    fair = agent.create({"kind": "event", "title": "Foire de printemps", "text": "Deux jours.",
                         "start": "2027-03-27", "end": "2027-03-28", "communes": [VAUBECOURT],
                         "category": "fete", "address": "Rue de la Gare 55250 Vaubecourt"})
    agent.post(f"/api/bo/life/{fair}/publish")
    got = [f for f in events(port, commune=VAUBECOURT, **{"from": "2027-03-28", "to": "2027-03-28"})
           if f["properties"]["item"] == fair]
    p = got[0]["properties"] if got else {}
    check(p.get("all_day") is True and p.get("start") == "2027-03-27" and p.get("end") ==
          "2027-03-28" and got[0]["geometry"] and got[0]["geometry"]["type"] == "Point",
          f"a two-day event over the DST change, found on its second day; its address geocoded "
          f"by the platform ({json.dumps(got)[:300]})")
    return item


def scope(vaubecourt, beausite, admin, port, item):
    s, b = beausite.post(f"/api/bo/life/{item}", {"title": "Pris par Beausite"})
    check(s == 403, f"Beausite's agent edits Vaubecourt's event: 403 ({s} {b})")
    for path in (f"/api/bo/life/{item}/publish", f"/api/bo/life/{item}/unpublish"):
        s, b = beausite.post(path)
        check(s == 403, f"Beausite's agent: {path} 403 ({s})")
    s, b = beausite.get(f"/api/bo/life/{item}")
    check(s == 403, f"Beausite's agent reads it in the back office: 403 ({s})")
    s, b = beausite.post("/api/bo/life", {"kind": "news", "title": "Chez le voisin",
                                          "text": "Texte.", "communes": [VAUBECOURT]})
    check(s == 403, f"Beausite's agent writes for Vaubecourt: 403 ({s} {b})")
    s, b = vaubecourt.post("/api/bo/life", {"kind": "news", "title": "Tout le territoire",
                                            "text": "Texte.", "territory": True})
    check(s == 403, f"a commune agent writes a territory-wide item: 403 ({s} {b})")
    s, b = vaubecourt.post(f"/api/bo/life/{item}", {"title": "Marché hebdomadaire de Vaubecourt"})
    check(s == 200 and b.get("title") == "Marché hebdomadaire de Vaubecourt",
          f"its own agent edits it ({s} {str(b)[:200]})")
    news = admin.create({"kind": "news", "title": "Nouveaux horaires des déchèteries",
                         "text": "Les déchèteries ouvrent à 9 h.", "territory": True})
    s, b = admin.post(f"/api/bo/life/{news}/publish")
    check(s == 200, f"the administrator publishes territory-wide ({s})")
    s, _, b = get(port, f"/api/news?commune={BEAUSITE}")
    got = [i for i in (b or {}).get("items", []) if i["id"] == news]
    check(got and got[0]["territory"] is True and got[0]["kind"] == "news"
          and got[0]["publisher"].startswith("Communauté de communes"),
          f"a territory-wide news item is listed for any commune ({str(got)[:300]})")


def visibility(agent, port):
    draft = agent.create({"kind": "event", "title": "Brouillon de fête", "text": "",
                          "start": "2027-05-01T14:00", "communes": [VAUBECOURT],
                          "category": "fete", "rrule": "FREQ=MONTHLY;BYDAY=1SA"})
    s, b = agent.get(f"/api/bo/life/{draft}")
    b = (b or {}).get("item", b) or {}
    check(s == 200 and b.get("rrule") == "FREQ=MONTHLY;BYDAY=1SA" and b.get("recurrence"),
          f"a draft's recurrence is given back to the editor ({s} {str(b)[:200]})")
    window = {"commune": VAUBECOURT, "from": "2027-04-25", "to": "2027-05-05"}
    ids = lambda: {f["properties"]["item"] for f in events(port, **window)}  # noqa: E731
    check(draft not in ids() and get(port, f"/api/events/{draft}")[0] == 404,
          "a draft is not visible (list, 404 by id)")
    s, b = agent.post(f"/api/bo/life/{draft}/publish", {"at": "2027-01-01T09:00"})
    check(s == 200 and b.get("publish_at", "").startswith("2027-01-01T09:00"),
          f"scheduled ({s} {str(b)[:200]})")
    check(draft not in ids(), "a scheduled item is not visible before its publish_at")
    sql("UPDATE life_items SET publish_at = strftime('%s','now') - 60 WHERE id = ?", (draft,))
    check(draft in ids() and get(port, f"/api/events/{draft}")[0] == 200,
          "visible once its publish_at has passed")
    s, b = agent.post(f"/api/bo/life/{draft}/unpublish")
    check(s == 200 and draft not in ids(), f"unpublished: hidden ({s})")


def file_proposal(port, title, when):
    values = {"titre": title, "categorie": "sport", "date": when, "heure_debut": "14h00",
              "heure_fin": "17:30", "recurrence": "une_fois",
              "description": "Tournoi de pétanque ouvert à tous, inscriptions sur place.",
              "adresse": {"label": "1 Rue de la Gare 55250 Vaubecourt", "housenumber": "1",
                          "street": "Rue de la Gare", "postcode": "55250",
                          "citycode": VAUBECOURT, "city": "Vaubecourt", "lon": 5.1085,
                          "lat": 48.9358},
              "organisateur": "Club de pétanque (exemple)", "tarif": "payant", "prix": "5 €",
              "contact_courriel": "petanque@exemple.fr", "email": "habitant@example.org"}
    cookie, token, _ = csrf(port)
    s, _, b = submit(port, "proposer-evenement", values, cookie, token,
                     files=[("image", "affiche.png", PNG)])
    if not check(s == 201 and isinstance(b, dict) and b.get("code"),
                 f"an association proposes « {title} » ({s} {str(b)[:400]})"):
        finish()
    return sql("SELECT id, commune FROM requests WHERE code = ?", (b["code"],))[0]


def proposals(vaubecourt, beausite, port, when):
    rid, commune = file_proposal(port, "Tournoi de pétanque", when)
    check(commune == VAUBECOURT, f"the proposal is routed to the event's commune ({commune})")
    s, b = beausite.post(f"/api/bo/requests/{rid}/event", {"decision": "accept"})
    check(s == 403, f"another commune's agent decides it: 403 ({s})")
    s, b = vaubecourt.post(f"/api/bo/requests/{rid}/transition", {"to": "acceptee"})
    check(s == 409 and "décision" in b.get("description", ""),
          f"a bare transition to acceptee: 409 pointing to the decision ({s} {b})")
    s, b = vaubecourt.post(f"/api/bo/requests/{rid}/event", {"decision": "accept",
                                                             "values": {"url": "javascript:x"}})
    check(s == 400 and b.get("parameter") == "values.url", f"bad values: 400 values.url ({b})")
    s, b = vaubecourt.post(f"/api/bo/requests/{rid}/event",
                           {"decision": "accept", "values": {"accessibility": "Accès de plain-pied."}})
    check(s == 200 and b.get("status") == "acceptee" and b.get("event"), f"accepted ({s} {b})")
    item = (b or {}).get("event")
    found = poll_until(lambda: [f for f in events(port, commune=VAUBECOURT, **{"from": when,
                                                                              "to": when})
                                if f["properties"]["item"] == item], 10,
                       "the accepted proposal appears in /api/events of the commune")
    p = found[0]["properties"] if found else {}
    check(p.get("source") == f"proposition n° {rid}" and p.get("start") and
          p["start"].startswith(when + "T14:00") and p.get("end", "").startswith(when + "T17:30")
          and p.get("organiser", {}).get("name") == "Club de pétanque (exemple)"
          and p.get("price") == "5 €" and p.get("accessibility") == "Accès de plain-pied."
          and p.get("image_url") == f"/api/life/{item}/image" and "habitant@" not in json.dumps(p),
          f"its source, times, organiser, the agent's values, the image, no resident e-mail ({p})")
    s, h, img = request(port, "GET", f"/api/life/{item}/image")
    check(s == 200 and img == PNG and h.get("content-type") == "image/png",
          f"the proposer's image is served ({s} {h.get('content-type')})")
    s, b = vaubecourt.post(f"/api/bo/requests/{rid}/event", {"decision": "accept"})
    check(s == 409, f"deciding it again: 409 ({s})")
    rid2, _ = file_proposal(port, "Tournoi refusé", when)
    s, b = vaubecourt.post(f"/api/bo/requests/{rid2}/event", {"decision": "refuse"})
    check(s == 400 and b.get("parameter") == "motivation", f"refuse without motivation: 400 ({b})")
    s, b = vaubecourt.post(f"/api/bo/requests/{rid2}/event",
                           {"decision": "refuse", "motivation": "Date déjà prise."})
    check(s == 200 and b.get("status") == "refusee" and b.get("event") is None,
          f"refused with a motivation ({s} {b})")
    check(sql("SELECT count(*) FROM life_items WHERE proposal = ?", (rid2,))[0][0] == 0,
          "a refused proposal publishes nothing")


def alerts(agent, port):
    alert = agent.create({"kind": "alert", "title": "Coupure d'eau rue de la Gare",
                          "text": "Coupure de 8 h à 12 h.", "severity": "warning",
                          "communes": [VAUBECOURT], "valid_until": "2030-01-01T12:00"})
    agent.post(f"/api/bo/life/{alert}/publish")
    listed = lambda: [i for i in get(port, f"/api/alerts?commune={VAUBECOURT}")[2]["items"]  # noqa
                      if i["id"] == alert]
    a = listed()
    check(a and a[0]["severity"] == "warning" and a[0]["valid_until"].startswith("2030-01-01T12"),
          f"the alert is listed while valid ({a})")
    check(not [i for i in get(port, f"/api/alerts?commune={BEAUSITE}")[2]["items"]
               if i["id"] == alert], "not for another commune")
    sql("UPDATE life_items SET valid_until = strftime('%s','now') - 1 WHERE id = ?", (alert,))
    check(not listed(), "an expired alert disappears from /api/alerts")


def hostile_texts():
    """The inputs of H-pure's corpus (tests/life/text_hostile.txt) that are accepted."""
    path = os.path.join(HERE, "text_hostile.txt")
    texts = []
    if os.path.exists(path):
        entry = {}
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("== "):
                    if entry.get("in") is not None and not entry.get("rc"):
                        texts.append(entry["in"] * entry.get("repeat", 1))
                    entry = {}
                elif line.startswith("in: "):
                    entry["in"] = line[4:].replace("\\n", "\n").replace("\\t", "\t")
                elif line.startswith("rc: "):
                    entry["rc"] = True
                elif line.startswith("repeat: "):
                    entry["repeat"] = int(line[8:])
                elif line.startswith("#"):
                    continue
            if entry.get("in") is not None and not entry.get("rc"):
                texts.append(entry["in"] * entry.get("repeat", 1))
    texts = [t for t in texts if "\\x" not in t and "\\0" not in t and len(t) < 20000]
    base = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>',
            '<a href="javascript:alert(1)">x</a>', '<a href=" JAVASCRIPT:alert(1)">x</a>',
            '<a href="jav&#x61;script:alert(1)">x</a>', '<svg onload=alert(1)>',
            '<iframe src="https://evil.example"></iframe>', '<p onclick="x()">p</p>',
            '<style>body{}</style>t', '"><script>alert(1)</script>', '<a href="data:text/html,x">d</a>',
            '<b><i><p>unclosed', '</p></b>stray', '<!-- <script>x</script> -->t',
            '<math><mi>x</mi></math>', '<template><script>1</script></template>',
            '<object data="x"></object>', '<a href="vbscript:x">v</a>', '&lt;script&gt;',
            '<p style="background:url(javascript:x)">s</p>']
    while len(texts) < 50:
        texts.append(base[len(texts) % len(base)] + f" n{len(texts)}")
    return texts[:max(50, len(texts))]


TAG = re.compile(r"<(/?)([a-z]+)([^<>]*)>")
LINK = re.compile(r'^ href="(https?:|mailto:)[^"<>]*" rel="nofollow noopener noreferrer"$')


def inert(html):
    """Only the safe subset: known tags, no attribute but a checked href, no stray '<'."""
    for m in TAG.finditer(html):
        closing, name, attrs = m.groups()
        if name not in ("p", "br", "a", "ul", "ol", "li", "strong", "b", "em", "i"):
            return False
        if attrs and (closing or name != "a" or not LINK.match(attrs)):
            return False
    return "<" not in TAG.sub("", html)


def hostile(agent, port):
    texts = hostile_texts()
    ids = []
    for n, t in enumerate(texts):
        s, b = agent.post("/api/bo/life", {"kind": "news", "title": f"Texte {n} <b>x</b>",
                                           "text": t, "communes": [VAUBECOURT]})
        if s == 201:
            ids.append(b["id"])
            agent.post(f"/api/bo/life/{b['id']}/publish")
        else:
            check(s == 400 and b.get("parameter") == "text", f"hostile text {n} refused as 400 text")
    s, _, b = get(port, f"/api/news?kind=news&commune={VAUBECOURT}&limit=100")
    items = {i["id"]: i for i in (b or {}).get("items", [])}
    bad = [(i, items.get(i, {}).get("text_html")) for i in ids
           if i not in items or not inert(items[i]["text_html"])]
    check(len(texts) >= 50 and len(ids) >= 40 and not bad,
          f"{len(texts)} hostile texts through the back office come back inert "
          f"({len(ids)} stored; bad: {str(bad)[:400]})")


def uploads(agent, port, item):
    s, b = agent.upload(item, b"MZ\x90\x00 not an image", "virus.exe")
    check(s == 400 and b.get("parameter") == "image" and "n'est pas une image" in b["description"],
          f"a non-image: 400 in French ({s} {b})")
    s, b = agent.upload(item, b"\xff\xd8\xff" + b"\0" * (2 * 1024 * 1024), "big.jpg")
    check(s == 413 and b.get("parameter") == "image" and "2 Mo" in b["description"],
          f"an oversized image: 413 in French ({s} {b})")
    s, b = agent.upload(item, PNG)
    check(s == 200 and b.get("image_url") == f"/api/life/{item}/image", f"a PNG stored ({s})")
    s, h, img = request(port, "GET", f"/api/life/{item}/image")
    check(s == 200 and img == PNG and h.get("content-type") == "image/png", "the PNG is served")


def errors_and_cache(agent, port, item):
    for q, param in (("from=2027-13-01", "from"), ("limit=0", "limit"), ("category=bal", "category"),
                     ("commune=99999", "commune"), ("from=2027-01-01&to=2028-06-01", "to"),
                     ("colour=red", "colour")):
        s, _, b = get(port, "/api/events?" + q)
        check(s == 400 and b.get("parameter") == param, f"/api/events?{q}: 400 naming {param} ({b})")
    s, _, b = get(port, "/api/news?kind=gossip")
    check(s == 400 and b.get("parameter") == "kind", "/api/news?kind=gossip: 400 naming kind")
    for body, param in (({"kind": "event", "title": "x", "start": "2027-01-01T10:00",
                          "communes": [VAUBECOURT], "category": "marche", "url": "ftp://x.fr"},
                         "url"),
                        ({"kind": "event", "title": "x", "start": "demain",
                          "communes": [VAUBECOURT], "category": "marche"}, "start"),
                        ({"kind": "event", "title": "x", "start": "2027-01-01T10:00",
                          "communes": [VAUBECOURT], "category": "marche", "rrule": "FREQ=HOURLY"},
                         "rrule"),
                        ({"kind": "alert", "title": "x", "text": "y", "communes": [VAUBECOURT]},
                         "valid_until"),
                        ({"kind": "news", "title": "", "text": "y", "communes": [VAUBECOURT]},
                         "title"),
                        ({"kind": "news", "title": "x" * 400, "text": "y",
                          "communes": [VAUBECOURT]}, "title"),
                        ({"kind": "news", "title": "x", "text": "y", "colour": 1}, "colour")):
        s, b = agent.post("/api/bo/life", body)
        check(s in (400, 413) and b.get("parameter") == param,
              f"POST /api/bo/life: 400 naming {param} ({s} {b})")
    long_text = "\n\n".join(["Un paragraphe d'exemple, accentué : « été », « Noël »."] * 310)
    s, b = agent.post("/api/bo/life", {"kind": "news", "title": "Un long texte",
                                       "text": long_text, "communes": [VAUBECOURT]})
    check(s == 201 and len(long_text.encode()) > 18000,
          f"a text near the 20 KiB limit fits in the body ({len(long_text.encode())} bytes, {s})")
    s, b = agent.post("/api/bo/life", {"kind": "news", "title": "Trop long",
                                       "text": long_text + long_text, "communes": [VAUBECOURT]})
    check(s in (400, 413) and b.get("parameter") == "text",
          f"a text over 20 KiB: refused naming text ({s} {b})")
    target = f"/api/events?commune={VAUBECOURT}&from=2027-03-15&to=2027-04-10"
    for _ in range(2):   # the tag holds the minute too: asked again if one just turned
        s, h, _ = get(port, target)
        tag = h.get("etag")
        s2, _, _ = get(port, target, {"If-None-Match": tag})
        if s2 == 304:
            break
    check(s == 200 and tag and s2 == 304, f"ETag then 304 ({s} {tag} {s2})")
    agent.post(f"/api/bo/life/{item}", {"price": "Entrée libre"})
    s3, h3, _ = get(port, target, {"If-None-Match": tag})
    check(s3 == 200 and h3.get("etag") != tag, f"a write changes the ETag ({s3})")
    s, b = agent.post(f"/api/bo/life/{item}/unpublish", token=False)
    check(s == 403 and b.get("parameter") == "X-CSRF-Token", f"no CSRF token: 403 ({s} {b})")


def audit(item):
    rows = sql("SELECT actor, action, from_status, to_status FROM life_audit WHERE item = ? "
               "ORDER BY id", (item,))
    acts = [r[1] for r in rows]
    check(acts[:2] == ["create", "publish"] and rows[0][0] == "agent.vaubecourt"
          and "update" in acts and "image" in acts, f"the audit rows of the market ({rows})")
    try:
        sql("DELETE FROM life_audit WHERE item = ?", (item,))
        check(False, "life_audit refuses DELETE")
    except sqlite3.DatabaseError as e:
        check("append-only" in str(e), "life_audit is append-only")


def seeding(port):
    """scripts/life-examples twice: the example content through the back office, then kept."""
    cmd = [sys.executable, os.path.join(SRC, "scripts", "life-examples"), "--port", str(port),
           "--admin", ADMIN, "--forms-db", FDB]
    runs = [subprocess.run(cmd, capture_output=True, text=True, timeout=120) for _ in range(2)]
    check(runs[0].returncode == 0 and "11 published" in runs[0].stdout,
          f"life-examples writes the example content ({runs[0].stdout} {runs[0].stderr[-300:]})")
    check(runs[1].returncode == 0 and "10 kept" in runs[1].stdout and "1 renewed" in runs[1].stdout,
          f"run again, it keeps what exists ({runs[1].stdout} {runs[1].stderr[-300:]})")
    rows = sql("SELECT title, author, status FROM life_items WHERE author LIKE 'exemple.%'")
    check(len(rows) == 11 and all(r[0].startswith("Exemple\u00a0: ") and r[2] == "published"
                                  for r in rows), f"11 items, each marked as an example ({rows})")
    feats = events(port, limit=500)
    cats = {f["properties"]["category"] for f in feats if f["properties"]["title"].startswith("Ex")}
    alerts_now = [i for i in get(port, f"/api/alerts?commune={VAUBECOURT}")[2]["items"]
                  if i["title"].startswith("Exemple")]
    check({"marche", "fete", "sport", "reunion", "permanence", "nature"} <= cats and alerts_now
          and any(f["properties"]["territory"] for f in feats),
          f"a believable agenda with a territory-wide event and a current alert ({cats})")
    check(all(r[0] == 1 for r in sql("SELECT disabled FROM agents WHERE login LIKE 'exemple.%'")),
          "the example agents are disabled afterwards")


def without_forms():
    """A server without forms_dir: the daily-life routes say so (404)."""
    srv = ApiServer(API, ["--port", "0", "--db", DB, "--static_dir", os.path.join(SRC, "map-ui")],
                    os.path.join(WORK, "server-plain.log"), name="server without forms_dir")
    s, _, b = get(srv.port, "/api/events")
    check(s == 404 and "pas activés" in b.get("description", ""),
          f"without forms_dir: /api/events 404 saying why ({s} {b})")
    s, _, b = get(srv.port, "/api/alerts")
    check(s == 404, f"without forms_dir: /api/alerts 404 ({s})")
    srv.stop()


def main():
    prepare()
    without_forms()
    srv = ApiServer(API, server_args(DB, SRC, os.path.join(SRC, "config", "forms"), WORK),
                    os.path.join(WORK, "server.log"))
    port = srv.port
    s, _, b = get(port, "/api/events")
    check(s == 200 and b.get("type") == "FeatureCollection", f"/api/events answers ({s})")
    add_agent(ADMIN, FDB, "agent.vaubecourt", PASSWORDS["agent.vaubecourt"], "commune",
              "--commune", VAUBECOURT)
    add_agent(ADMIN, FDB, "agent.beausite", PASSWORDS["agent.beausite"], "commune",
              "--commune", BEAUSITE)
    add_agent(ADMIN, FDB, "admin.cc", PASSWORDS["admin.cc"], "admin")
    secret = totp_secret(run_admin(ADMIN, FDB, "agent", "totp", "admin.cc").stdout)
    vaubecourt, beausite = Agent(port, "agent.vaubecourt"), Agent(port, "agent.beausite")
    admin = Agent(port, "admin.cc", secret)

    item = market(vaubecourt, port)
    scope(vaubecourt, beausite, admin, port, item)
    visibility(vaubecourt, port)
    proposals(vaubecourt, beausite, port, sql("SELECT date('now', '+20 days')")[0][0])
    alerts(vaubecourt, port)
    hostile(vaubecourt, port)
    uploads(vaubecourt, port, item)
    errors_and_cache(vaubecourt, port, item)
    audit(item)
    seeding(port)
    check(srv.stop() == 0, "the server stops cleanly")
    finish()


if __name__ == "__main__":
    main()
