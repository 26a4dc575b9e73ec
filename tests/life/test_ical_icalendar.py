#!/usr/bin/env python3
"""common/gdir_ical.c read by a real iCalendar parser: the calendar life_ical_sample writes
is parsed by Python's icalendar (Debian's python3-icalendar, under /usr/bin/python3) and every
property comes back as written: the calendar's name, description and refresh interval, the
VTIMEZONE of Europe/Paris (last Sunday of March and October), SUMMARY with ; , \\ and a new
line, a folded accented DESCRIPTION, DTSTART/DTEND aware in Europe/Paris (08:00 local is 07:00Z
in December, 02:30 on the spring change day is kept as written), all-day dates with an
exclusive end, RRULE, EXDATE (times and dates), GEO, URL, CATEGORIES, STATUS and the VALARM
triggers. Raw checks too: CRLF only, lines of 75 octets at most, never cut inside a UTF-8
character.

usage: test_ical_icalendar.py LIFE_ICAL_SAMPLE
"""
import os
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from geodir_test import check, debian_module, finish  # noqa: E402

icalendar = debian_module("icalendar", "python3-icalendar")
from datetime import date, datetime, timedelta, timezone  # noqa: E402


def tz_name(dt):
    tz = dt.tzinfo
    return getattr(tz, "zone", None) or getattr(tz, "key", None) or str(tz)


def raw_checks(data):
    check(data.endswith(b"\r\n"), "the calendar ends with CRLF")
    lines = data.split(b"\r\n")[:-1]
    check(all(b"\n" not in l and b"\r" not in l for l in lines), "no bare LF or CR")
    check(all(len(l) <= 75 for l in lines), "no line over 75 octets (longest %d)"
          % max(len(l) for l in lines))
    ok = True
    for l in lines:
        try:
            l.decode("utf-8")
        except UnicodeDecodeError:
            ok = False
    check(ok, "every physical line is valid UTF-8 (no cut inside a character)")
    check(any(l.startswith(b" ") for l in lines), "some line is folded")
    check("CATEGORIES:Marché\\, brocante".encode() in lines,
          "CATEGORIES: one category, its comma escaped")


def by_uid(cal):
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def check_calendar(cal):
    check(str(cal["VERSION"]) == "2.0", "VERSION 2.0")
    check(str(cal["X-WR-CALNAME"]) == "Agenda — Vaubecourt (exemple)", "X-WR-CALNAME")
    check(str(cal["X-WR-CALDESC"]) == "Les événements de la commune ; exemple", "X-WR-CALDESC")
    check(str(cal["X-WR-TIMEZONE"]) == "Europe/Paris", "X-WR-TIMEZONE")
    check(str(cal["METHOD"]) == "PUBLISH", "METHOD:PUBLISH")
    ttl = cal["REFRESH-INTERVAL"]
    check(getattr(ttl, "dt", None) == timedelta(hours=6) or str(ttl) == "PT6H",
          "REFRESH-INTERVAL 6 h (%r)" % ttl)
    tzs = cal.walk("VTIMEZONE")
    check(len(tzs) == 1 and str(tzs[0]["TZID"]) == "Europe/Paris", "one VTIMEZONE Europe/Paris")
    rules = {c.name: c["RRULE"] for c in tzs[0].subcomponents}
    check(rules.get("DAYLIGHT") == {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]},
          "DAYLIGHT: last Sunday of March (%r)" % rules.get("DAYLIGHT"))
    check(rules.get("STANDARD") == {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]},
          "STANDARD: last Sunday of October (%r)" % rules.get("STANDARD"))


def check_timed(e):
    check(str(e["SUMMARY"]) == "Marché; fruits, légumes \\ et\nfleurs",
          "SUMMARY with ; , \\ and a new line round-trips (%r)" % str(e["SUMMARY"]))
    check(str(e["DESCRIPTION"]) == "Producteurs locaux : fromages, miel, pain d'épices et "
          "légumes de saison.\nÀ l'abri sous la halle en cas de pluie ; « venez tôt » !",
          "the folded DESCRIPTION round-trips")
    start, end = e["DTSTART"].dt, e["DTEND"].dt
    check(isinstance(start, datetime) and start.tzinfo is not None, "DTSTART is tz-aware")
    check(tz_name(start) == "Europe/Paris", "DTSTART in Europe/Paris (%s)" % tz_name(start))
    check(start.astimezone(timezone.utc) == datetime(2026, 12, 12, 7, 0, tzinfo=timezone.utc),
          "08:00 local on 12 December is 07:00Z")
    check(end - start == timedelta(hours=4), "DTEND 4 h later")
    geo = e["GEO"]
    check(abs(geo.latitude - 48.932514) < 1e-9 and abs(geo.longitude - 5.113022) < 1e-9,
          "GEO lat;lon (%s;%s)" % (geo.latitude, geo.longitude))
    check(str(e["LOCATION"]) == "Place de la mairie, 55250 Vaubecourt", "LOCATION")
    check(str(e["URL"]) == "https://www.exemple.fr/agenda?id=1&vue=mois", "URL")
    # CATEGORIES is one category whose comma is escaped (RFC 5545 §3.3.11). icalendar 4.0.3
    # unescapes before it splits the list (vCategory.from_ical), so it sees two: the raw line
    # is checked, and icalendar's reading joined back.
    cats = e["CATEGORIES"]
    cats = [str(c) for c in (cats.cats if hasattr(cats, "cats") else
                             cats if isinstance(cats, list) else [cats])]
    check(",".join(cats) == "Marché, brocante", "CATEGORIES read back (%r)" % cats)
    check(str(e["STATUS"]) == "CONFIRMED", "STATUS")
    check(e["DTSTAMP"].dt == datetime(2026, 12, 9, tzinfo=timezone.utc), "DTSTAMP in UTC")
    check(not e.walk("VALARM"), "no alarm on the first event")


def check_recurring(ev):
    e = ev["event-3@exemple.fr"]
    check(e["RRULE"] == {"FREQ": ["WEEKLY"], "BYDAY": ["SA"]}, "RRULE (%r)" % e["RRULE"])
    ex = e["EXDATE"]
    exs = [d.dt for x in (ex if isinstance(ex, list) else [ex]) for d in x.dts]
    check([d.astimezone(timezone.utc) for d in exs] ==
          [datetime(2026, 12, 26, 7, tzinfo=timezone.utc),
           datetime(2027, 1, 2, 7, tzinfo=timezone.utc)],
          "EXDATE: two Saturdays at 08:00 Paris (%r)" % exs)
    check(all(tz_name(d) == "Europe/Paris" for d in exs), "EXDATE in Europe/Paris")
    alarms = e.walk("VALARM")
    check(len(alarms) == 1 and alarms[0]["TRIGGER"].dt == timedelta(minutes=-90),
          "VALARM 90 minutes before")
    check(str(alarms[0]["ACTION"]) == "DISPLAY" and
          str(alarms[0]["DESCRIPTION"]) == "Marché hebdomadaire", "VALARM DISPLAY, the summary")
    w = ev["waste-om-20261231@exemple.fr"]
    check(w["DTSTART"].dt == date(2026, 12, 31) and w["DTEND"].dt == date(2027, 1, 1),
          "all-day without an end: DTEND the next day")
    check(w["RRULE"] == {"FREQ": ["WEEKLY"], "COUNT": [3]}, "RRULE with COUNT")
    wex = w["EXDATE"]
    check([d.dt for d in wex.dts] == [date(2027, 1, 7)], "EXDATE as a date")
    wa = w.walk("VALARM")
    check(len(wa) == 1 and wa[0]["TRIGGER"].dt == timedelta(hours=-4) and
          str(wa[0]["DESCRIPTION"]) == "Sortir le bac ce soir", "VALARM the evening before")


def main():
    run = subprocess.run([sys.argv[1]], capture_output=True, timeout=60)
    check(run.returncode == 0, "life_ical_sample exits 0 (%s)" % run.stderr.decode().strip())
    data = run.stdout
    raw_checks(data)
    cal = icalendar.Calendar.from_ical(data)
    check_calendar(cal)
    ev = by_uid(cal)
    check(len(ev) == 5, "five events (%d)" % len(ev))
    check_timed(ev["event-1@exemple.fr"])
    a = ev["event-2@exemple.fr"]
    check(a["DTSTART"].dt == date(2026, 7, 14) and a["DTEND"].dt == date(2026, 7, 15),
          "all-day: VALUE=DATE, the end exclusive")
    check_recurring(ev)
    c = ev["event-5@exemple.fr"]
    check(str(c["STATUS"]) == "CANCELLED", "STATUS:CANCELLED")
    check(c["DTSTART"].dt.replace(tzinfo=None) == datetime(2027, 3, 28, 2, 30),
          "a local time of the spring change day is written as given")
    finish()


main()
