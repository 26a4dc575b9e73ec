#!/usr/bin/env python3
"""The expansion of life_rrule (life/life_rrule.c) against an independent one: for every case
of rrule_cases.txt, the occurrences life_rrule_dump prints (UTC start-end) must be exactly
those of Python's dateutil.rrule on the naive local DTSTART, put in Europe/Paris with zoneinfo
(fold 0: a time in the spring gap takes the offset before the change, a doubled autumn time
its first instant), with the same rules of the agenda: EXDATE removes an instance (COUNT still
counts it), UNTIL as a date includes that day, as a UTC time compares with the start, an
occurrence is kept when [start, end) meets [FROM, TO) (or starts in it when it has no length),
at most 1000. Uses Debian's python3-dateutil (re-executed under /usr/bin/python3).

usage: test_rrule_dateutil.py LIFE_RRULE_DUMP CASES
"""
import os
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from geodir_test import check, debian_module, finish  # noqa: E402

rrulestr = debian_module("dateutil.rrule", "python3-dateutil").rrulestr
from datetime import datetime, timedelta, timezone  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
CAP = 1000


def local(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M" if "T" in s else "%Y-%m-%d")


def utc(s):
    return int(datetime.strptime(s, "%Y-%m-%dT%H:%MZ").replace(tzinfo=timezone.utc).timestamp())


def epoch(naive):
    return int(naive.replace(tzinfo=PARIS, fold=0).timestamp())


def instances(dtstart, rule):
    """The naive local instances and the UTC UNTIL (or None) of rule."""
    if not rule:
        return iter([dtstart]), None
    parts, until_utc = [], None
    for part in rule.split(";"):
        key, _, value = part.partition("=")
        if key.upper() == "UNTIL":
            if len(value) == 8:       # a date: that whole local day
                part = "UNTIL=" + value + "T235959"
            else:                     # a UTC time: compared with the start, below
                until_utc = int(datetime.strptime(value.upper(), "%Y%m%dT%H%M%SZ")
                                .replace(tzinfo=timezone.utc).timestamp())
                continue
        parts.append(part)
    return iter(rrulestr("RRULE:" + ";".join(parts), dtstart=dtstart)), until_utc


def expected(dtstart, minutes, rule, exdates, start, end):
    out = []
    it, until_utc = instances(dtstart, rule)
    for naive in it:
        s = epoch(naive)
        if until_utc is not None and s > until_utc:
            break
        if s >= end or len(out) >= CAP:
            break
        if naive in exdates:
            continue
        e = epoch(naive + timedelta(minutes=minutes))
        if e <= s and minutes > 0:
            e = s + minutes * 60
        if e > start or (e == s and s >= start):
            out.append("%d-%d" % (s, e))
    return out


def main():
    dump, cases_path = sys.argv[1], sys.argv[2]
    got = {}
    run = subprocess.run([dump, cases_path], capture_output=True, text=True, timeout=60)
    check(run.returncode == 0, "life_rrule_dump exits 0 (%s)" % run.stderr.strip())
    for line in run.stdout.splitlines():
        no, _, rest = line.partition(":")
        got[int(no)] = rest.split()
    count = 0
    with open(cases_path, encoding="utf-8") as f:
        for no, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            dt, minutes, rule, ex, start, end = [x.strip() for x in line.split("|")]
            exdates = {local(x) for x in ex.split(",") if x}
            want = expected(local(dt), int(minutes), rule, exdates, utc(start), utc(end))
            have = got.get(no)
            count += 1 if want else 0
            if have != want:
                extra = sorted(set(have or []) - set(want))[:3]
                missing = sorted(set(want) - set(have or []))[:3]
                check(False, "line %d (%s): %d occurrences, dateutil %d; extra %s, missing %s"
                      % (no, rule, len(have or []), len(want), extra, missing))
            else:
                check(True, "line %d: %d occurrences agree" % (no, len(want)))
    check(count >= 30, "at least 30 cases with occurrences (%d)" % count)
    finish()


main()
