#!/usr/bin/env python3
"""What residents and other sites subscribe to (docs/vie-locale.md §6), on the real geodir-api
(127.0.0.1, port 0) with its forms database, the items published through the back office's
HTTP API by agents made with the real geodir-admin, every feed read by a real parser:

  - iCalendar (/api/events.ics) by python3-icalendar: one VEVENT per event of the commune and
    of the whole territory (not another commune's, not a draft), a weekly market keeps its RRULE
    and EXDATE with TZID=Europe/Paris, and expanded by python3-dateutil it stays at 08:00 local
    on both sides of the next DST change (UTC hour changes); UID stable, DTSTAMP, GEO, URL;
  - Atom and RSS (/api/news.atom, /api/news.rss) by python3-feedparser: a commune's news and its
    alert, not another commune's, tag: ids, the sanitised HTML as content, authors, dates;
  - the OGC API - Features collection `events`: listed, one feature per occurrence, the datetime
    filter on the occurrence interval (across the DST change), bbox, paging by next links, one
    feature by id, HTML; GDAL's OAPIF driver (ogrinfo, ogr2ogr) reads it;
  - the open-data CSV (/api/events.csv): columns, one row per occurrence, licence headers;
  - the DCAT catalogue: the datasets « Agenda des événements » and « Actualités et alertes »
    with their distributions, read in JSON-LD (the catalogue's strict reader), Turtle and
    RDF/XML (rapper) with the same triples; each distribution answers 200 in its media type;
  - ETag / 304 and a new tag after a publication; Cache-Control; 400 naming a bad parameter;
  - an event proposed through the public form and accepted by the commune's agent is in the
    commune's calendar and in the collection; an unpublished or scheduled item leaves the
    calendar, the collection and the Atom feed.

usage: test_feeds.py API ADMIN DB SRC_DIR WORK_DIR
"""
import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "catalog"))
from geodir_test import check, debian_module, finish, fresh_dir, poll_until  # noqa: E402

icalendar = debian_module("icalendar", "python3-icalendar")
feedparser = debian_module("feedparser", "python3-feedparser")
dateutil_rrule = debian_module("dateutil.rrule", "python3-dateutil")
from zoneinfo import ZoneInfo  # noqa: E402

from bo_client import Client, totp  # noqa: E402
from forms_client import csrf, submit  # noqa: E402
from forms_fixture import add_agent, forms_db, run_admin, sql  # noqa: E402
from forms_fixture import start_server, totp_secret  # noqa: E402
from rdflib_min import RDF_TYPE, jsonld_triples, parse_ntriples  # noqa: E402

API, ADMIN, DB, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:6])
FORMS = os.path.join(SRC, "config", "forms")         # with proposer-evenement
FDB = forms_db(WORK)
PARIS = ZoneInfo("Europe/Paris")
A, B = "55040", "55017"                  # two member communes of the fixture
PW = {"cc.admin": "Vanille-Tracteur-Orage-81", "agent.a": "Girafe-Parapluie-Violon-27",
      "agent.b": "Citrouille-Manege-Etoile-63"}
CT = {"ics": "text/calendar", "atom": "application/atom+xml", "rss": "application/rss+xml",
      "csv": "text/csv", "geojson": "application/geo+json"}
LO = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
fresh_dir(WORK)


# ---- dates: the next change of Europe/Paris offset, and Saturdays around it -------------------

def next_dst_change(now):
    """The first local day after now whose UTC offset differs from the day before."""
    day = now.date()
    for i in range(1, 400):
        d0 = dt.datetime.combine(day + dt.timedelta(days=i - 1), dt.time(12), PARIS)
        d1 = dt.datetime.combine(day + dt.timedelta(days=i), dt.time(12), PARIS)
        if d0.utcoffset() != d1.utcoffset():
            return day + dt.timedelta(days=i)
    raise AssertionError("no DST change within 400 days")


NOW = dt.datetime.now(PARIS)
CHANGE = next_dst_change(NOW)
# A weekly Saturday market from three Saturdays before the change to three after it.
SAT_BEFORE = CHANGE - dt.timedelta(days=(CHANGE.weekday() - 5) % 7 or 7)
MARKET_START = SAT_BEFORE - dt.timedelta(weeks=2)
MARKET_UNTIL = SAT_BEFORE + dt.timedelta(weeks=3)
MARKET_EXDATE = SAT_BEFORE - dt.timedelta(weeks=1)
if MARKET_START <= NOW.date():          # the market must lie ahead (the default windows)
    MARKET_START = NOW.date() + dt.timedelta(days=(5 - NOW.weekday()) % 7 or 7)
FETE = NOW.date() + dt.timedelta(days=12)


def day(d):
    return d.isoformat()


# ---- the server, the agents, the items -------------------------------------------------------

def agents():
    add_agent(ADMIN, FDB, "cc.admin", PW["cc.admin"], "admin", name="Claire Admin",
              email="admin@cc.example")
    p = run_admin(ADMIN, FDB, "agent", "totp", "cc.admin")
    secret = totp_secret(p.stdout)
    add_agent(ADMIN, FDB, "agent.a", PW["agent.a"], "commune", "--commune", A)
    add_agent(ADMIN, FDB, "agent.b", PW["agent.b"], "commune", "--commune", B)
    return secret


def login(port, who, secret=None):
    c = Client(port)
    code = totp(secret, int(time.time()) // 30) if secret else None
    s, _, b = c.login(who, PW[who], code)
    check(s == 200, f"{who} logs in to the back office (got {s})")
    return c


def publish(c, body, what, draft=False):
    s, _, b = c.call("POST", "/api/bo/life", body)
    if not check(s == 201 and isinstance(b, dict) and "id" in b,
                 f"{what}: created through POST /api/bo/life (got {s} "
                 f"{b if s != 201 else b.get('id')})"):
        return None
    if not draft:
        s, _, b2 = c.call("POST", f"/api/bo/life/{b['id']}/publish", {})
        check(s == 200, f"{what}: published (got {s}{'' if s == 200 else ' ' + str(b2)})")
    return b["id"]


def authoring(port, secret):
    admin, a, b = login(port, "cc.admin", secret), login(port, "agent.a"), login(port, "agent.b")
    ids = {}
    ids["market"] = publish(a, {
        "kind": "event", "title": "Marché du samedi (exemple)",
        "text": "Producteurs locaux, <script>alert(1)</script>place de la mairie.\n\n"
                "Voir https://exemple.fr/marche",
        "start": f"{day(MARKET_START)}T08:00", "end": f"{day(MARKET_START)}T12:00",
        "rrule": f"FREQ=WEEKLY;BYDAY=SA;UNTIL={MARKET_UNTIL.strftime('%Y%m%d')}",
        "exdates": [f"{day(MARKET_EXDATE)}T08:00"], "communes": [A],
        "address": "Place de la mairie", "lat": 48.95, "lon": 5.10, "category": "marche",
        "free": True, "organiser": {"name": "Comité des fêtes (exemple)"}}, "weekly market")
    ids["fete"] = publish(b, {
        "kind": "event", "title": "Fête du village de B (exemple)", "text": "Bal et buvette.",
        "start": f"{day(FETE)}T14:00", "end": f"{day(FETE)}T18:00", "communes": [B],
        "lat": 48.97, "lon": 5.05, "category": "fete", "price": "5 €"}, "B's fête")
    ids["concert"] = publish(admin, {
        "kind": "event", "title": "Concert de l'intercommunalité (exemple)",
        "text": "Salle polyvalente.", "start": day(FETE + dt.timedelta(days=1)),
        "territory": True, "category": "culture"}, "the territory's all-day concert")
    ids["draft"] = publish(a, {
        "kind": "event", "title": "Brouillon (exemple)", "text": "Pas encore publié.",
        "start": f"{day(FETE)}T10:00", "communes": [A], "category": "autre"}, "a draft",
        draft=True)
    ids["news_a"] = publish(a, {
        "kind": "news", "title": "Nouveaux horaires de la mairie (exemple)",
        "text": "<p>La mairie ouvre le <strong>samedi</strong> matin.</p>"
                "<p><a href=\"javascript:alert(1)\">piège</a> "
                "<a href=\"https://exemple.fr/horaires\">détails</a></p>",
        "communes": [A]}, "A's news")
    until = (NOW + dt.timedelta(days=2)).replace(microsecond=0)
    ids["alert_a"] = publish(a, {
        "kind": "alert", "title": "Route de la forêt coupée (exemple)",
        "text": "Déviation par le bourg.", "communes": [A], "severity": "warning",
        "valid_until": until.isoformat()}, "A's alert")
    ids["news_b"] = publish(b, {
        "kind": "news", "title": "Fermeture de l'école de B (exemple)", "text": "Lundi.",
        "communes": [B]}, "B's news")
    return ids, a


# ---- iCalendar -------------------------------------------------------------------------------

def get(srv, target, headers=None):
    return srv.request("GET", target, headers=headers)


def ctype(h):
    return h.get("content-type", "").split(";")[0].strip()


def test_ical(srv, ids):
    s, h, body = get(srv, f"/api/events.ics?commune={A}")
    check(s == 200 and ctype(h) == CT["ics"] and "charset=utf-8" in h.get("content-type", ""),
          f"events.ics of {A}: 200 text/calendar; charset=utf-8 (got {s} {h.get('content-type')})")
    check(h.get("cache-control") == "public, max-age=60", "events.ics: Cache-Control of the API")
    try:
        cal = icalendar.Calendar.from_ical(body)
    except ValueError as e:
        check(False, f"python3-icalendar reads events.ics: {e}")
        return
    check(cal.get("version") == "2.0" and cal.get("x-wr-timezone") == "Europe/Paris",
          "VCALENDAR 2.0, X-WR-TIMEZONE Europe/Paris")
    tzs = [c for c in cal.walk("VTIMEZONE")]
    check(len(tzs) == 1 and str(tzs[0].get("tzid")) == "Europe/Paris", "one VTIMEZONE Europe/Paris")
    evs = {str(e.get("uid")): e for e in cal.walk("VEVENT")}
    titles = sorted(str(e.get("summary")) for e in evs.values())
    check(titles == ["Concert de l'intercommunalité (exemple)", "Marché du samedi (exemple)"],
          f"A's calendar: its market and the territory's concert, not B's fête nor the draft "
          f"({titles})")
    market = next((e for e in evs.values() if "Marché" in str(e.get("summary"))), None)
    if not check(market is not None, "the market is a VEVENT"):
        return
    uid = str(market.get("uid"))
    check(re.fullmatch(rf"event-{ids['market']}@[\w.\-]+", uid) is not None,
          f"UID event-<id>@<host> ({uid})")
    start = market.decoded("dtstart")
    check(getattr(start, "tzinfo", None) is not None and start.hour == 8 and
          str(market.get("dtstart").params.get("TZID")) == "Europe/Paris" and
          start.date() == MARKET_START, f"DTSTART;TZID=Europe/Paris 08:00 ({start})")
    check(market.decoded("dtend").hour == 12, "DTEND 12:00")
    rr = market.get("rrule")
    check(rr is not None and rr.get("FREQ") == ["WEEKLY"] and rr.get("BYDAY") == ["SA"],
          f"RRULE kept, not expanded ({rr.to_ical().decode() if rr else None})")
    exd = market.get("exdate")
    exd = exd if isinstance(exd, list) else [exd] if exd else []
    exdays = [d.dt for x in exd for d in x.dts]
    check([d.date() for d in exdays] == [MARKET_EXDATE] and all(d.hour == 8 for d in exdays),
          f"EXDATE {MARKET_EXDATE} 08:00 ({exdays})")
    geo = market.get("geo")
    check(geo is not None and abs(geo.latitude - 48.95) < 1e-6 and abs(geo.longitude - 5.10) < 1e-6,
          "GEO 48.95;5.10")
    desc = str(market.get("description"))
    check("Producteurs locaux" in desc and "<script" not in desc and "alert(1)" not in desc,
          "DESCRIPTION: the plain text, the script gone")
    check(str(market.get("url", "")).endswith(f"/agenda#evenement-{ids['market']}"),
          f"URL: the event on the agenda page ({market.get('url')})")
    check("Place de la mairie" in str(market.get("location")), "LOCATION: the address")
    check(str(market.get("categories").cats[0]) == "Marché", "CATEGORIES: Marché")
    # DTSTAMP: the item's last change (not the time of the request)
    stamp = market.decoded("dtstamp")
    check(abs(stamp.timestamp() - time.time()) < 600, f"DTSTAMP: the item's change ({stamp})")
    # Expanded by dateutil, as a calendar application does: 08:00 local on both sides of the
    # DST change, so the UTC hour changes; the EXDATE is left out.
    # (zoneinfo, not the pytz zone icalendar gives: dateutil adds weeks in wall-clock time)
    local = start.replace(tzinfo=None).replace(tzinfo=PARIS)
    rule = dateutil_rrule.rrulestr(rr.to_ical().decode(), dtstart=local)
    occ = [o for o in rule if o not in exdays]
    offsets = {o.utcoffset() for o in occ}
    check(all(o.hour == 8 for o in occ) and len(offsets) == 2 and
          any(o.date() < CHANGE for o in occ) and any(o.date() > CHANGE for o in occ),
          f"the market stays at 08:00 local across the DST change of {CHANGE}: UTC offsets "
          f"{sorted(str(o) for o in offsets)}")
    concert = next(e for e in evs.values() if "Concert" in str(e.get("summary")))
    d0, d1 = concert.decoded("dtstart"), concert.decoded("dtend")
    check(type(d0) is dt.date and d1 - d0 == dt.timedelta(days=1),
          f"the all-day concert: VALUE=DATE, DTEND the next day ({d0} {d1})")
    # The same UID at every request, and in the territory's calendar.
    s, _, body2 = get(srv, "/api/events.ics")
    cal2 = icalendar.Calendar.from_ical(body2)
    uids = sorted(str(e.get("uid")) for e in cal2.walk("VEVENT"))
    check(uid in uids and len(uids) == 3, f"the territory's calendar: three events, same UIDs "
          f"({len(uids)})")
    s, _, body3 = get(srv, f"/api/events.ics?commune={A}&category=marche")
    cal3 = icalendar.Calendar.from_ical(body3)
    check([str(e.get("uid")) for e in cal3.walk("VEVENT")] == [uid] and
          "Marché" in str(cal3.get("x-wr-calname")),
          "category=marche: the market only, named in X-WR-CALNAME")


# ---- Atom and RSS ----------------------------------------------------------------------------

def test_news(srv, ids):
    s, h, body = get(srv, f"/api/news.atom?commune={A}")
    check(s == 200 and ctype(h) == CT["atom"], f"news.atom: 200 {CT['atom']} (got {s} "
          f"{h.get('content-type')})")
    f = feedparser.parse(body)
    check(not f.bozo and f.version == "atom10", f"feedparser reads Atom 1.0 without error "
          f"({f.version}, {f.get('bozo_exception')})")
    titles = sorted(e.title for e in f.entries)
    check(titles == ["Nouveaux horaires de la mairie (exemple)",
                     "Route de la forêt coupée (exemple)"],
          f"A's feed: its news and its alert, not B's ({titles})")
    check(f.feed.get("title", "").startswith("Actualités et alertes") and
          f.feed.get("updated_parsed") is not None and f.feed.get("rights"),
          "feed title, updated, rights")
    host = urllib.parse.urlsplit(srv.base).hostname
    for e in f.entries:
        check(re.fullmatch(rf"tag:{re.escape(host)},2026:geodir:life:\d+", e.id) is not None and
              e.get("updated_parsed") and e.get("published_parsed") and e.get("author") and
              e.link.startswith(srv.base + "/actualites#actualite-"),
              f"entry {e.title!r}: tag: id, updated, published, author, link ({e.id})")
    news = next(e for e in f.entries if e.title.startswith("Nouveaux"))
    html = news.content[0]
    check(html.type == "text/html" and "<strong>samedi</strong>" in html.value and
          'href="https://exemple.fr/horaires"' in html.value and "javascript" not in html.value,
          f"content: the sanitised HTML, the javascript: link dropped ({html.value[:160]})")
    alert = next(e for e in f.entries if e.title.startswith("Route"))
    check(any(t.term == "alert" for t in alert.tags) and
          any(t.term == "severity-warning" for t in alert.tags) and
          "Jusqu’au" in alert.content[0].value,
          "the alert: categories alert and severity-warning, its validity in the content")
    s, h, body = get(srv, f"/api/news.atom?commune={A}&kind=alert")
    f2 = feedparser.parse(body)
    check([e.title for e in f2.entries] == ["Route de la forêt coupée (exemple)"],
          "kind=alert: the alert only")
    s, h, body = get(srv, f"/api/news.rss?commune={A}")
    r = feedparser.parse(body)
    check(s == 200 and ctype(h) == CT["rss"] and not r.bozo and r.version == "rss20",
          f"news.rss: 200 {CT['rss']}, RSS 2.0 without error ({r.version}, "
          f"{r.get('bozo_exception')})")
    check(sorted(e.title for e in r.entries) == titles and
          all(e.get("published_parsed") and e.id.startswith("tag:") for e in r.entries),
          "RSS: the same items, pubDate and guid")


# ---- caching and errors ----------------------------------------------------------------------

def test_caching(srv, agent_a):
    for target in (f"/api/events.ics?commune={A}", f"/api/news.atom?commune={A}",
                   "/api/news.rss", "/api/events.csv", "/ogc/collections/events/items"):
        s, h, _ = get(srv, target)
        tag = h.get("etag", "")
        s2, h2, b2 = get(srv, target, {"If-None-Match": tag})
        check(s == 200 and tag.startswith('"') and s2 == 304 and not b2,
              f"{target}: ETag, then 304 on If-None-Match (got {s} {tag} {s2})")
    target = f"/api/events.ics?commune={A}"
    _, h, _ = get(srv, target)
    publish(agent_a, {"kind": "event", "title": "Réunion publique (exemple)",
                      "text": "Ordre du jour.", "start": f"{day(FETE)}T20:00", "communes": [A],
                      "category": "reunion"}, "a new event")
    s, h2, body = get(srv, target, {"If-None-Match": h.get("etag", "")})
    check(s == 200 and h2.get("etag") != h.get("etag") and b"R\xc3\xa9union publique" in body,
          "after a publication the old tag answers 200 with the new event and a new tag")


def test_proposal(srv, agent_a):
    """An association proposes an event through the public form; the commune's agent accepts
    it; it is in the commune's calendar and in the OGC collection at once."""
    when = day(FETE + dt.timedelta(days=2))
    values = {"titre": "Tournoi de pétanque (exemple)", "categorie": "sport", "date": when,
              "heure_debut": "14:00", "heure_fin": "17:30", "recurrence": "une_fois",
              "description": "Ouvert à tous.",
              "adresse": {"label": "Place de l'église 55250 Beausite", "street":
                          "Place de l'église", "postcode": "55250", "citycode": A,
                          "city": "Beausite", "lon": 5.11, "lat": 48.96},
              "organisateur": "Club de pétanque (exemple)", "tarif": "gratuit",
              "email": "habitant@example.org"}
    cookie, token, _ = csrf(srv.port)
    s, _, b = submit(srv.port, "proposer-evenement", values, cookie, token)
    if not check(s == 201 and isinstance(b, dict) and b.get("code"),
                 f"an association proposes an event through the form ({s})"):
        return
    rid = sql(FDB, "SELECT id FROM requests WHERE code = ?", (b["code"],))[0][0]
    s, _, d = agent_a.call("POST", f"/api/bo/requests/{rid}/event", {"decision": "accept"})
    item = (d or {}).get("event")
    check(s == 200 and item, f"A's agent accepts it ({s} {(d or {}).get('status')})")

    def in_ics():
        _, _, body = get(srv, f"/api/events.ics?commune={A}")
        return [e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")
                if str(e.get("uid")).startswith(f"event-{item}@")]
    found = poll_until(in_ics, 10, "the accepted proposal is in A's calendar")
    if found:
        check(found[0].decoded("dtstart").hour == 14 and
              "habitant@" not in found[0].to_ical().decode(),
              "at 14:00, without the resident's e-mail")
    poll_until(lambda: item in {f["properties"]["item"] for f in get_json(
        srv, f"/ogc/collections/events/items?datetime={when}&limit=500")[2]["features"]},
        10, "the accepted proposal is in the OGC collection (datetime of its day)")


def test_visibility(srv, agent_a, ids):
    """Unpublished and scheduled items leave the feeds; the OGC collection follows."""
    def in_ics(title):
        _, _, body = get(srv, f"/api/events.ics?commune={A}")
        return any(str(e.get("summary")) == title
                   for e in icalendar.Calendar.from_ical(body).walk("VEVENT"))

    def in_ogc(item):
        _, _, fc = get_json(srv, "/ogc/collections/events/items?limit=500")
        return any(f["properties"]["item"] == item for f in fc["features"])

    s, _, _ = agent_a.call("POST", f"/api/bo/life/{ids['market']}/unpublish", {})
    check(s == 200 and not in_ics("Marché du samedi (exemple)") and not in_ogc(ids["market"]),
          f"the unpublished market leaves the calendar and the collection ({s})")
    later = (NOW + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    s, _, _ = agent_a.call("POST", f"/api/bo/life/{ids['market']}/publish", {"at": later})
    check(s == 200 and not in_ics("Marché du samedi (exemple)") and not in_ogc(ids["market"]),
          f"published for {later}: not in the feeds before then ({s})")
    s, _, _ = agent_a.call("POST", f"/api/bo/life/{ids['news_a']}/unpublish", {})
    _, _, body = get(srv, f"/api/news.atom?commune={A}")
    check(s == 200 and [e.title for e in feedparser.parse(body).entries] ==
          ["Route de la forêt coupée (exemple)"], "the unpublished news leaves the Atom feed")


def test_errors(srv):
    for target, param in (("/api/events.ics?commune=abc", "commune"),
                          ("/api/events.ics?commune=75056", "commune"),
                          ("/api/events.ics?category=bal", "category"),
                          ("/api/news.atom?kind=event", "kind"),
                          ("/api/news.rss?commune=1", "commune"),
                          ("/api/events.csv?from=2026-13-01", "from"),
                          ("/api/events.csv?from=2027-01-10&to=2027-01-01", "to"),
                          ("/api/events.ics?q=x", "q"),
                          ("/ogc/collections/events/items?datetime=2020-01-01/2030-01-01",
                           "datetime"),
                          ("/ogc/collections/events/items?cursor=a.x", "cursor"),
                          ("/ogc/collections/events/items?q=x", "q")):
        s, h, body = get(srv, target)
        try:
            doc = json.loads(body)
        except ValueError:
            doc = {}
        check(s == 400 and doc.get("parameter") == param,
              f"{target}: 400 naming {param} (got {s} {doc.get('parameter')})")


# ---- CSV -------------------------------------------------------------------------------------

COLUMNS = ["identifiant", "evenement", "titre", "description", "date_debut", "date_fin",
           "journee_entiere", "recurrence", "rrule", "categorie", "categorie_libelle", "lieu",
           "adresse", "communes_insee", "communes", "tout_le_territoire", "latitude", "longitude",
           "organisateur", "tarif", "gratuit", "accessibilite", "url", "page", "editeur",
           "source", "licence", "date_maj"]


def test_csv(srv, ids):
    s, h, body = get(srv, f"/api/events.csv?commune={A}")
    check(s == 200 and ctype(h) == CT["csv"] and h.get("geodir-licence") == "etalab-2.0" and
          LO in h.get("link", "") and "attachment" in h.get("content-disposition", ""),
          f"events.csv: 200 text/csv, licence etalab-2.0 in Link and Geodir-Licence (got {s} "
          f"{h.get('content-type')} {h.get('geodir-licence')})")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    check(rows and rows[0] == COLUMNS, f"the {len(COLUMNS)} documented columns, in order")
    recs = [dict(zip(rows[0], r)) for r in rows[1:]]
    market = [r for r in recs if r["evenement"] == str(ids["market"])]
    want = 0
    d = MARKET_START
    while d <= MARKET_UNTIL:
        want += d != MARKET_EXDATE
        d += dt.timedelta(weeks=1)
    check(len(market) == want and all(r["date_debut"][11:16] == "08:00" for r in market) and
          {r["date_debut"][-6:] for r in market} == {"+01:00", "+02:00"},
          f"one row per occurrence of the market ({len(market)} / {want}), 08:00 with the "
          "offset of each side of the DST change")
    check(all(r["licence"] == "etalab-2.0" and r["rrule"].startswith("FREQ=WEEKLY") and
              r["recurrence"] and r["communes_insee"] == A and r["gratuit"] == "true"
              for r in market), "market rows: licence, rrule, its French sentence, commune, free")
    check(not any(r["titre"].startswith("Fête du village de B") for r in recs),
          "B's fête is not in A's export")
    s, h, body = get(srv, f"/api/events.csv?from={day(FETE)}&to={day(FETE)}")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))[1:]
    check(s == 200 and any(r[2].startswith("Fête du village de B") for r in rows),
          "from/to of one day: that day's events")


# ---- OGC API - Features ----------------------------------------------------------------------

def get_json(srv, target):
    s, h, body = get(srv, target)
    try:
        return s, h, json.loads(body)
    except ValueError:
        return s, h, None


def all_features(srv, target):
    feats, seen, url = [], 0, target
    while url and seen < 50:
        s, _, doc = get_json(srv, url)
        if not check(s == 200 and doc, f"GET {url}: 200 JSON"):
            break
        feats += doc["features"]
        seen += 1
        nxt = [l["href"] for l in doc["links"] if l["rel"] == "next"]
        url = nxt[0][len(srv.base):] if nxt else None
    return feats


def test_ogc(srv, ids):
    s, _, doc = get_json(srv, "/ogc/collections")
    got = [c["id"] for c in doc["collections"]]
    check(got[-1] == "events", f"/ogc/collections lists events last ({got[-3:]})")
    s, _, coll = get_json(srv, "/ogc/collections/events")
    check(s == 200 and coll["title"] == "Agenda des événements" and
          "temporal" in coll.get("extent", {}) and
          any(l["rel"] == "license" and l["href"] == LO for l in coll["links"]),
          "/ogc/collections/events: title, temporal extent, licence link")
    # The occurrences around the DST change: datetime on the occurrence interval.
    lo = dt.datetime.combine(SAT_BEFORE, dt.time(0), PARIS)
    hi = dt.datetime.combine(SAT_BEFORE + dt.timedelta(days=8), dt.time(0), PARIS)
    q = urllib.parse.urlencode({"datetime": f"{lo.isoformat()}/{hi.isoformat()}"})
    s, h, fc = get_json(srv, f"/ogc/collections/events/items?{q}")
    market = [f for f in fc["features"] if f["properties"]["item"] == ids["market"]]
    starts = sorted(f["properties"]["start"] for f in market)
    check(s == 200 and ctype(h) == CT["geojson"] and len(market) == 2 and
          starts[0][11:16] == starts[1][11:16] == "08:00" and starts[0][-6:] != starts[1][-6:],
          f"datetime over the week of the DST change: two market days at 08:00 local with "
          f"their offsets ({starts})")
    check(all(f["id"] == f"{ids['market']}-{f['properties']['start'][:10].replace('-', '')}"
              f"T0800" and f["geometry"]["coordinates"] == [5.1, 48.95] for f in market),
          "feature ids <item>-<YYYYMMDDTHHMM>, Point geometry")
    inst = dt.datetime.combine(SAT_BEFORE, dt.time(10), PARIS).astimezone(dt.timezone.utc)
    s, _, fc = get_json(srv, "/ogc/collections/events/items?datetime=" +
                        inst.strftime("%Y-%m-%dT%H:%M:%SZ"))
    check([f["properties"]["item"] for f in fc["features"]] == [ids["market"]],
          "an instant inside an occurrence (10:00 on market day) finds it")
    # Paging by next links gives every occurrence once; bbox keeps the market's.
    whole = all_features(srv, "/ogc/collections/events/items?limit=2")
    one = all_features(srv, "/ogc/collections/events/items?limit=500")
    check([f["id"] for f in whole] == [f["id"] for f in one] and len(one) >= 5,
          f"paging by next links (limit=2): {len(whole)} features, the same as one page")
    s, _, fc = get_json(srv, "/ogc/collections/events/items?bbox=5.09,48.94,5.11,48.96&limit=500")
    check(fc and {f["properties"]["item"] for f in fc["features"]} == {ids["market"]},
          "bbox around the market: the market only (the concert has no place)")
    fid = market[0]["id"] if market else "0"
    s, h, feat = get_json(srv, f"/ogc/collections/events/items/{fid}")
    check(s == 200 and feat and feat["id"] == fid and feat["properties"]["licence"] ==
          "etalab-2.0", f"one feature by id ({fid})")
    s, _, _ = get_json(srv, f"/ogc/collections/events/items/{ids['market']}-20200101T0800")
    check(s == 404, f"an occurrence that does not exist: 404 (got {s})")
    s, h, body = get(srv, "/ogc/collections/events/items?f=html")
    check(s == 200 and ctype(h) == "text/html" and "Marché du samedi" in body.decode(),
          "the items as HTML")
    s, _, api = get_json(srv, "/ogc/api")
    check("/collections/events/items" in api["paths"] and "events" in
          api["components"]["parameters"]["collectionId"]["schema"]["enum"],
          "the OpenAPI document has the events paths and id")


def test_gdal(srv, ids):
    env = dict(os.environ, GDAL_HTTP_TIMEOUT="60", CPL_DEBUG="OFF")
    r = subprocess.run(["ogrinfo", "-ro", "-so", f"OAPIF:{srv.base}/ogc", "events"],
                       capture_output=True, text=True, timeout=300, env=env)
    m = re.search(r"Feature Count: (\d+)", r.stdout)
    _, _, fc = get_json(srv, "/ogc/collections/events/items?limit=1")
    check(r.returncode == 0 and m and int(m.group(1)) == fc["numberMatched"] and
          "start: DateTime" in r.stdout and "title: String" in r.stdout,
          f"ogrinfo OAPIF events: feature count {m.group(1) if m else None} = numberMatched "
          f"{fc['numberMatched']}, fields start (DateTime), title ({r.stderr.strip()[-200:]})")
    out = os.path.join(WORK, "events.gpkg")
    r = subprocess.run(["ogr2ogr", "-f", "GPKG", out, f"OAPIF:{srv.base}/ogc", "events"],
                       capture_output=True, text=True, timeout=300, env=env)
    import sqlite3
    rows = []
    if r.returncode == 0:
        con = sqlite3.connect(out)
        rows = [x[0] for x in con.execute('SELECT title FROM "events"')]
        con.close()
    check(r.returncode == 0 and len(rows) == fc["numberMatched"] and
          "Marché du samedi (exemple)" in rows,
          f"ogr2ogr copies the collection whole ({len(rows)} features)")


# ---- the DCAT catalogue ----------------------------------------------------------------------

REQUIRED_DS = ["dct:title", "dct:description", "dct:identifier", "dcat:keyword", "dcat:theme",
               "dct:publisher", "dct:spatial", "dct:temporal", "dct:accrualPeriodicity",
               "dct:issued", "dct:modified", "dcat:landingPage", "dcat:contactPoint",
               "dcat:distribution", "dct:license", "dct:rights", "dct:language"]
NS = {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"}


def u(curie):
    p, local = curie.split(":", 1)
    return NS[p] + local


def rapper(path, syntax):
    r = subprocess.run(["rapper", "-q", "-i", syntax, "-o", "ntriples", path,
                        "http://base.invalid/"], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"rapper reads the {syntax} catalogue")
    return parse_ntriples(r.stdout)


def test_catalog(srv):
    docs = {}
    for ext in (".jsonld", ".ttl", ".rdf"):
        s, h, body = get(srv, "/catalog" + ext)
        check(s == 200, f"/catalog{ext}: 200 (got {s})")
        docs[ext] = body
        with open(os.path.join(WORK, "catalog" + ext), "wb") as f:
            f.write(body)
    _, jt = jsonld_triples(json.loads(docs[".jsonld"]))
    tt = rapper(os.path.join(WORK, "catalog.ttl"), "turtle")
    rt = rapper(os.path.join(WORK, "catalog.rdf"), "rdfxml")

    def norm(ts, ext):
        return {(s.replace(f"/catalog{ext}?page=", "/catalog.X?page="), p,
                 ("iri", o[1].replace(f"/catalog{ext}?page=", "/catalog.X?page="))
                 if o[0] == "iri" else o) for s, p, o in ts}
    check(norm(jt, ".jsonld") == norm(tt, ".ttl") == norm(rt, ".rdf"),
          f"JSON-LD, Turtle and RDF/XML have the same triples ({len(set(jt))})")
    g = {}
    for s, p, o in jt:
        g.setdefault(s, {}).setdefault(p, []).append(o)
    for name, dists in (("agenda-etalab-2.0", 4), ("actualites-etalab-2.0", 3)):
        ds = f"{srv.base}/catalog#dataset-{name}"
        node = g.get(ds, {})
        missing = [p for p in REQUIRED_DS if u(p) not in node]
        check(("iri", u("dcat:Dataset")) in node.get(RDF_TYPE, []) and not missing,
              f"dataset {name}: a dcat:Dataset with the DCAT-AP properties (missing {missing})")
        check(node.get(u("dct:license")) == [("iri", LO)],
              f"dataset {name}: Licence Ouverte 2.0")
        ds_dists = [o[1] for o in node.get(u("dcat:distribution"), [])]
        check(len(ds_dists) == dists, f"dataset {name}: {dists} distributions ({len(ds_dists)})")
        for d in ds_dists:
            dn = g.get(d, {})
            url = dn.get(u("dcat:accessURL"), [("iri", "")])[0][1]
            mt = dn.get(u("dcat:mediaType"), [("iri", "")])[0][1].rsplit("/", 2)
            mt = "/".join(mt[-2:]) if len(mt) == 3 else None
            s, h, _ = get(srv, url[len(srv.base):])
            check(s == 200 and dn.get(u("dct:license")) == [("iri", LO)] and
                  (mt is None or ctype(h) == mt),
                  f"{d.rsplit('#', 1)[1]}: {url[len(srv.base):]} answers 200 "
                  f"{ctype(h)} (declared {mt}), licence LO")
    s, _, body = get(srv, "/catalog.csv")
    ids = [r[2] for r in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))]
    check("agenda-etalab-2.0" in ids and "actualites-etalab-2.0" in ids,
          "the SCDL simplified catalogue has a row for each")


def main():
    secret = agents()
    srv = start_server(API, DB, SRC, FORMS, WORK, name="feeds server")
    try:
        ids, agent_a = authoring(srv.port, secret)
        if None in ids.values():
            return
        test_ical(srv, ids)
        test_news(srv, ids)
        test_csv(srv, ids)
        test_ogc(srv, ids)
        test_gdal(srv, ids)
        test_catalog(srv)
        test_errors(srv)
        test_caching(srv, agent_a)
        test_proposal(srv, agent_a)
        test_visibility(srv, agent_a, ids)
    finally:
        srv.stop_clean("the server stopped cleanly")


main()
finish()
