"""bench/report_lib.py — helpers shared by the benchmark reports (bench/api/report.py,
bench/export/report.py, bench/api/geocode.sh): the key=value files the scripts write
(machine.txt, <run>.cpu) and wrk's latency figures.

Import it from a report next to it with:
    sys.dont_write_bytecode = True   # no __pycache__ in the sources
    sys.path.insert(0, <the bench folder>)
    import report_lib
"""
import os
import re

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def kv(path):
    """The NAME=VALUE words of a file (any number a line), as a dict; {} when it is absent."""
    out = {}
    if os.path.exists(path):
        for line in open(path):
            for part in line.split():
                if "=" in part:
                    k, v = part.split("=", 1)
                    out[k] = v
    return out


def ms(text):
    """A wrk duration ("812.00us", "1.52ms", "2.01s", "1.00m") in milliseconds, or None."""
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(m.group(1)) * UNITS[m.group(2)] if m else None


def wrk_percentile(text, pct):
    """The latency percentile pct ("50", "99"...) of wrk --latency output, in ms, or None."""
    m = re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M)
    return ms(m.group(1)) if m else None
