#!/usr/bin/env python3
"""waste.http — the waste collection calendar on the real geodir-api (docs/vie-locale.md §5):
the sample territory (config/aire-argonne.json) imported by the real geodir-import, served with
waste_file = config/collecte-exemple-aire-argonne.json.

GET /api/waste by commune, by point (the commune whose boundary contains it) and by address
(the platform's geocoder; a street of Beausite's bourg gets the bourg's zone); Friday
25 December 2026 moved to Saturday 26 with its reason; Easter Monday 2027 shifting the week;
the déchèterie with its hours; « quand sortir mon bac ? »; ETag/304; 404s in French for what is
outside the territory; 400s naming the parameter. GET /api/waste.ics read by Python's
icalendar (Debian's python3-icalendar, hence /usr/bin/python3): 12 months of all-day and timed
events, none on a public holiday, a VALARM at 19 h the evening before each, UIDs unique and
the same on a second request. A waste_file that is invalid, or names a commune outside the
territory, stops the server at start (status 2) with the file and the key named.

usage: test_waste_http.py API IMPORTER SRC_DIR WORK_DIR
"""
import datetime
import json
import os
import subprocess
import sys
import urllib.parse
from zoneinfo import ZoneInfo

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from geodir_test import ApiServer, check, debian_module, finish, fresh_dir  # noqa: E402
from geodir_test import import_sample_territory, json_answer  # noqa: E402

icalendar = debian_module("icalendar", "python3-icalendar")
easter = debian_module("dateutil.easter", "python3-dateutil").easter

API, IMPORTER, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:5])
DB = os.path.join(WORK, "geodir.sqlite")
WASTE = os.path.join(SRC, "config", "collecte-exemple-aire-argonne.json")
JSON_CT = "application/json; charset=utf-8"
PARIS = ZoneInfo("Europe/Paris")
NBSP = "\u00a0"


def prepare():
    fresh_dir(WORK)
    with open(os.path.join(WORK, "corrections.json"), "w", encoding="utf-8") as f:
        f.write("{}\n")
    import_sample_territory(IMPORTER, SRC, WORK, DB, overrides="corrections.json")


def server_args(waste=WASTE):
    args = ["--port", "0", "--db", DB, "--static_dir", os.path.join(SRC, "map-ui"),
            "--threads", "2"]
    return args + (["--waste_file", waste] if waste else [])


def get(srv, path, params, status=200, headers=None):
    target = path + ("?" + urllib.parse.urlencode(params) if params else "")
    return json_answer(f"GET {target}", srv.request("GET", target, headers=headers), status,
                       JSON_CT)


def stream(doc, sid):
    return next((s for s in (doc or {}).get("streams", []) if s["id"] == sid), None)


def check_error(srv, path, params, status, parameter, what):
    doc = get(srv, path, params, status)
    if doc is not None:
        check(doc.get("parameter") == parameter,
              f"  {what}: names {parameter!r} (got {doc.get('parameter')!r}: "
              f"{doc.get('description')})")
    return doc


def test_commune(srv):
    doc = get(srv, "/api/waste", {"commune": "55532", "from": "2026-12-20", "days": "14"})
    if not doc:
        return
    check(doc["commune"] == {"insee": "55532", "name": "Vaubecourt"}, "commune Vaubecourt")
    check(doc["zone"]["id"] == "argonne" and doc["zone"]["by_street"] is False,
          f"zone argonne ({doc['zone']})")
    check(doc["licence"] == "etalab-2.0" and doc["example"] is True and doc["source"]
          and doc["publisher"] and doc["date"] == "2026-11-20",
          "licence, source, publisher, date, example flag")
    check(doc["from"] == "2026-12-20" and doc["days"] == 14, "the window asked")
    check(doc["ical_url"] == "/api/waste.ics?commune=55532&zone=argonne",
          f"ical_url without address or position ({doc['ical_url']})")
    om = stream(doc, "om")
    dates = [n["date"] for n in om["next"]]
    check(dates == ["2026-12-26", "2027-01-02"], f"Vaubecourt's Friday collections: {dates}")
    xmas = om["next"][0]
    check(xmas["shifted_from"] == "2026-12-25" and xmas["weekday"] == "samedi" and
          "Noël" in (xmas["reason"] or ""), f"25 December moved to Saturday 26 ({xmas})")
    check(om["put_out"] == f"la veille au soir, à partir de 19{NBSP}h", "put_out sentence")
    check(om["answer"].startswith("Prochaine collecte le samedi 26 décembre, au lieu du "
                                  "vendredi 25 décembre (Noël") and
          f"Sortez votre bac la veille au soir, à partir de 19{NBSP}h." in om["answer"],
          f"« quand sortir mon bac ? » ({om['answer']})")
    check(om["label"] == "Ordures ménagères" and om["colour"] == "#4d4d4d" and om["accepts"],
          "stream label, colour, what goes in")
    tri = stream(doc, "tri")
    check(tri and all(n["time"] == "06:00" for n in tri["next"]) and len(tri["next"]) == 1,
          f"the fortnightly sorting collection, at 6:00 ({tri and tri['next']})")
    d = doc["decheteries"]
    check(len(d) == 1 and d[0]["id"] == "local:exemple-029" and d[0]["opening_hours"] and
          isinstance(d[0]["open_now"], bool) and d[0]["licence"],
          f"the déchèterie, once, with its hours ({d})")


def test_easter(srv):
    doc = get(srv, "/api/waste", {"commune": "55017", "from": "2027-03-29", "days": "7"})
    om = stream(doc, "om")
    if not om:
        return
    first = om["next"][0] if om["next"] else {}
    check(first.get("date") == "2027-03-30" and first.get("shifted_from") == "2027-03-29" and
          "Lundi de Pâques" in (first.get("reason") or ""),
          f"Easter Monday 2027: Monday's collection on Tuesday ({first})")


def test_point(srv):
    doc = get(srv, "/api/waste", {"lat": "48.933341", "lon": "5.110869"})
    check(doc and doc["commune"]["insee"] == "55532" and doc["address"] is None,
          "a point in Vaubecourt: Vaubecourt's calendar")
    check(doc and doc["days"] == 28, "28 days by default")
    err = check_error(srv, "/api/waste", {"lat": "48.8566", "lon": "2.3522"}, 404, "lat",
                      "a point in Paris")
    check(err and "en dehors du territoire" in err["description"],
          f"  in French ({err and err['description']})")


def test_address(srv):
    doc = get(srv, "/api/waste", {"q": "5 rue du Moulin 55250 Beausite"})
    check(doc and doc["zone"]["id"] == "beausite-bourg" and doc["address"]["street"] ==
          "Rue du Moulin", f"a street of the bourg: the bourg's zone ({doc and doc['zone']})")
    check(doc and doc["ical_url"] == "/api/waste.ics?commune=55040&zone=beausite-bourg",
          "  its calendar's URL names the zone, not the address")
    doc = get(srv, "/api/waste", {"q": "Chemin des Vignes Beausite"})
    check(doc and doc["zone"]["id"] == "aire-sud", "another street: the commune's zone")
    doc = get(srv, "/api/waste", {"commune": "55040"})
    check(doc and doc["zone"]["by_street"] is True and "dépend de la rue" in
          (doc["zone"]["note"] or ""), "Beausite by commune: the zone depends on the street")
    doc = get(srv, "/api/waste", {"commune": "55040", "zone": "beausite-bourg"})
    check(doc and doc["zone"]["id"] == "beausite-bourg" and doc["zone"]["note"] is None,
          "commune and zone: that zone")
    err = check_error(srv, "/api/waste", {"q": "12 rue de Rivoli 75001 Paris"}, 404, "q",
                      "an address outside the territory")
    check(err and ("territoire" in err["description"]), "  in French")
    err = check_error(srv, "/api/waste", {"commune": "55999"}, 404, "commune",
                      "a commune outside the territory")
    check(err and "ne fait pas partie du territoire" in err["description"], "  in French")


def test_etag(srv):
    target = "/api/waste?commune=55532&from=2026-12-20&days=14"
    st, h, _ = srv.request("GET", target)
    tag = h.get("etag")
    check(st == 200 and tag, f"an ETag ({tag})")
    st2, _, body = srv.request("GET", target, headers={"If-None-Match": tag})
    check(st2 == 304 and body == b"", f"If-None-Match: 304 ({st2})")
    st3, h3, _ = srv.request("GET", target.replace("days=14", "days=15"))
    check(st3 == 200 and h3.get("etag") != tag, "another window: another tag")
    st, h, _ = srv.request("GET", "/api/waste.ics?commune=55532")
    st2, _, _ = srv.request("GET", "/api/waste.ics?commune=55532",
                            headers={"If-None-Match": h.get("etag", "")})
    check(st == 200 and st2 == 304, f"the calendar: 304 too ({st}, {st2})")


def test_errors(srv):
    cases = [({}, "commune"), ({"commune": "abc"}, "commune"),
             ({"commune": "55532", "q": "Vaubecourt"}, "q"), ({"lat": "48.9"}, "lon"),
             ({"lon": "5.1"}, "lat"), ({"lat": "999", "lon": "5"}, "lat"),
             ({"commune": "55532", "days": "0"}, "days"),
             ({"commune": "55532", "days": "367"}, "days"),
             ({"commune": "55532", "from": "2026-13-01"}, "from"),
             ({"commune": "55532", "from": "9996-01-01"}, "from"),
             ({"zone": "argonne"}, "zone"), ({"commune": "55532", "zone": "nope"}, "zone"),
             ({"commune": "55532", "colour": "x"}, "colour")]
    for params, name in cases:
        check_error(srv, "/api/waste", params, 400, name, f"{params}")
    check_error(srv, "/api/waste.ics", {"commune": "55532", "days": "3"}, 400, "days",
                "the calendar has no window parameters")
    check_error(srv, "/api/waste.ics", {}, 400, "commune", "the calendar without selector")


def holidays(year):
    e = easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    return {datetime.date(year, m, d) for m, d in fixed} | {
        e + datetime.timedelta(days=k) for k in (1, 39, 50)}


def test_ics(srv):
    st, h, body = srv.request("GET", "/api/waste.ics?commune=55532")
    if not check(st == 200 and h.get("content-type") == "text/calendar; charset=utf-8",
                 f"GET /api/waste.ics -> 200 text/calendar ({st} {h.get('content-type')})"):
        return
    try:
        cal = icalendar.Calendar.from_ical(body)
    except ValueError as e:
        check(False, f"icalendar parses the calendar ({e})")
        return
    events = [c for c in cal.walk("VEVENT")]
    today = datetime.datetime.now(PARIS).date()
    end = today.replace(year=today.year + 1, day=28 if (today.month, today.day) == (2, 29)
                        else today.day)
    days = [e.decoded("DTSTART") for e in events]
    dates = [d.date() if isinstance(d, datetime.datetime) else d for d in days]
    check(70 <= len(events) <= 85, f"a year of weekly and fortnightly collections "
                                   f"({len(events)} events)")
    check(all(today <= d < end for d in dates) and (max(dates) - today).days > 330,
          f"the next 12 months ({min(dates)} … {max(dates)}, today {today})")
    hol = holidays(today.year) | holidays(today.year + 1)
    check(not [d for d in dates if d in hol], "no collection on a public holiday")
    uids = [str(e["UID"]) for e in events]
    check(len(set(uids)) == len(uids), "UIDs unique")
    om = [e for e in events if str(e["SUMMARY"]) == "Collecte\u00a0: Ordures ménagères"]
    tri = [e for e in events if "Emballages" in str(e["SUMMARY"])]
    check(om and all(type(e.decoded("DTSTART")) is datetime.date for e in om),
          "household waste: all-day events")
    check(tri and all(isinstance(e.decoded("DTSTART"), datetime.datetime) and
                      e.decoded("DTSTART").hour == 6 and
                      e.decoded("DTSTART").tzinfo is not None for e in tri),
          "sorting: timed events at 6:00 Europe/Paris")
    bad = []
    for e in events:
        alarms = e.walk("VALARM")
        start = e.decoded("DTSTART")
        if not isinstance(start, datetime.datetime):
            start = datetime.datetime.combine(start, datetime.time(0, 0))
        else:
            start = start.replace(tzinfo=None)
        ring = start + alarms[0].decoded("TRIGGER") if len(alarms) == 1 else None
        if ring != datetime.datetime.combine(start.date() - datetime.timedelta(days=1),
                                             datetime.time(19, 0)):
            bad.append((str(e["UID"]), ring))
    check(not bad, f"one VALARM at 19:00 the evening before each ({bad[:3]})")
    st2, _, body2 = srv.request("GET", "/api/waste.ics?commune=55532")
    uids2 = [str(e["UID"]) for e in icalendar.Calendar.from_ical(body2).walk("VEVENT")]
    check(uids2 == uids, "the same UIDs on a second request")
    if today <= datetime.date(2026, 12, 25):
        xmas = [e for e in om if e.decoded("DTSTART") == datetime.date(2026, 12, 26)]
        check(len(xmas) == 1 and "20261225" in str(xmas[0]["UID"]) and
              "Noël" in str(xmas[0]["DESCRIPTION"]),
              "Christmas's collection on the 26th, its UID the usual day's")
    st, h, body = srv.request("GET", "/api/waste.ics?q=5+rue+du+Moulin+Beausite")
    cal = icalendar.Calendar.from_ical(body) if st == 200 else None
    check(cal is not None and "Beausite" in str(cal.get("X-WR-CALNAME")),
          f"the calendar of an address ({st})")


def test_start_errors():
    bad = os.path.join(WORK, "collecte-mauvaise.json")
    with open(WASTE, encoding="utf-8") as f:
        cfg = json.load(f)
    cfg["zones"][0]["collections"][0]["weekdays"] = ["lundi"]
    with open(bad, "w", encoding="utf-8") as f:
        json.dump(cfg, f, ensure_ascii=False)
    p = subprocess.run([API] + server_args(bad), capture_output=True, text=True, timeout=60)
    check(p.returncode == 2 and bad in p.stderr and
          "zones[0].collections[0].weekdays" in p.stderr,
          f"an invalid waste_file: exit 2 naming the file and the key ({p.returncode}: "
          f"{p.stderr[-300:]})")
    cfg["zones"][0]["collections"][0]["weekdays"] = ["monday"]
    cfg["zones"][0]["communes"].append("55999")
    with open(bad, "w", encoding="utf-8") as f:
        json.dump(cfg, f, ensure_ascii=False)
    p = subprocess.run([API] + server_args(bad), capture_output=True, text=True, timeout=60)
    check(p.returncode == 2 and "55999" in p.stderr,
          f"a commune outside the territory: exit 2 naming it ({p.stderr[-300:]})")
    srv = ApiServer(API, server_args(None), os.path.join(WORK, "none.log"), name="no waste")
    err = get(srv, "/api/waste", {"commune": "55532"}, 404)
    check(err and "pas configuré" in err.get("description", ""),
          "without waste_file: 404 in French")
    check(srv.stop() == 0, "that server stops cleanly")


def main():
    prepare()
    srv = ApiServer(API, server_args(), os.path.join(WORK, "server.log"))
    try:
        test_commune(srv)
        test_easter(srv)
        test_point(srv)
        test_address(srv)
        test_etag(srv)
        test_errors(srv)
        test_ics(srv)
    finally:
        check(srv.stop() == 0, "server stops cleanly (SIGTERM, status 0)")
    test_start_errors()
    finish()


if __name__ == "__main__":
    main()
