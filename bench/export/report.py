#!/usr/bin/env python3
"""bench/export/report.py RESULTS_DIR — the table of one bench/export/run.sh run.

Reads RESULTS_DIR/export.tsv, machine.txt and counts.txt and prints markdown: per format and
tool the median wall time over the runs (min–max), rows/s, output size, memory (geodir-api: the
growth of its resident and private memory during the download over the value just before;
ogr2ogr: its peak RSS), and the ratio geodir ÷ ogr2ogr of rows/s (goal ≥ 1); then the import
with and without the import-time full exports.
"""
import csv
import os
import statistics
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from report_lib import kv  # noqa: E402


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def main():
    root = sys.argv[1]
    mach = kv(os.path.join(root, "machine.txt"))
    n = int(mach.get("places", "0"))
    rows = list(csv.DictReader(open(os.path.join(root, "export.tsv")), delimiter="\t"))
    counts = {}
    if os.path.exists(os.path.join(root, "counts.txt")):
        for line in open(os.path.join(root, "counts.txt")):
            tool, fmt, rest = line.split()
            counts[(tool, fmt)] = int(rest.split("=")[1] or 0)
    print(f"Machine: nproc={mach.get('nproc')}, {mach.get('cpu', '').replace('_', ' ')}; "
          f"load average {mach.get('loadavg_before')} before, {mach.get('loadavg_after')} after; "
          f"{mach.get('date')}, geodir {mach.get('commit')}, GDAL {mach.get('gdal')}; "
          f"database {mach.get('db_mb')} MB, {n:,} places; geodir-api threads="
          f"{mach.get('api_threads')}; licence={mach.get('licence')}; "
          f"{mach.get('runs')} alternated runs per tool and format; geodir-api environment: "
          f"{mach.get('api_env', 'none')}.\n")
    print("| format | tool | wall s, median (min–max) | rows/s | CPU s, median (geodir: the "
          "server's) | MB written "
          "| memory | features |")
    print("|---|---|---|---:|---:|---:|---|---:|")
    fmts = []
    for r in rows:
        if r["tool"] != "import" and r["format"] not in fmts:
            fmts.append(r["format"])
    ratios = []
    for fmt in fmts:
        med = {}
        for tool in ("geodir-api", "ogr2ogr"):
            rs = [r for r in rows if r["tool"] == tool and r["format"] == fmt]
            if not rs:
                continue
            walls = [float(r["wall_s"]) for r in rs]
            m = statistics.median(walls)
            med[tool] = m
            cpus = [num(r["cpu_s"]) for r in rs if num(r["cpu_s"]) is not None]
            size = statistics.median(float(r["bytes"]) for r in rs) / 1e6
            if tool == "geodir-api":
                g_rss = max(float(r["rss_peak_kb"]) - float(r["rss_before_kb"]) for r in rs)
                g_anon = max(float(r["anon_peak_kb"]) - float(r["anon_before_kb"]) for r in rs)
                mem = (f"server +{g_anon / 1024:,.1f} MB private, +{g_rss / 1024:,.0f} MB "
                       f"resident (max over runs; before: {float(rs[0]['rss_before_kb']) / 1024:,.0f}"
                       f" MB)")
            else:
                mem = f"peak RSS {max(float(r['tool_peak_rss_kb']) for r in rs) / 1024:,.0f} MB"
            feats = counts.get((tool, fmt))
            print(f"| {fmt} | {tool} | {m:.2f} ({min(walls):.2f}–{max(walls):.2f}) | "
                  f"{n / m:,.0f} | {statistics.median(cpus) if cpus else '–'} | {size:,.1f} | "
                  f"{mem} | {'–' if feats is None else f'{feats:,}'} |")
        if len(med) == 2:
            ratios.append((fmt, med["ogr2ogr"] / med["geodir-api"], med))
    print()
    for fmt, ratio, med in ratios:
        print(f"- {fmt}: geodir ÷ ogr2ogr (rows/s) = {med['ogr2ogr']:.2f} s ÷ "
              f"{med['geodir-api']:.2f} s = **{ratio:.2f}** (goal ≥ 1: "
              f"{'met' if ratio >= 1 else 'not met'})")
    for (tool, fmt), c in sorted(counts.items()):
        if c != n:
            print(f"- {tool} {fmt}: {c:,} features, not {n:,}")
    g = [r for r in rows if r["tool"] == "geodir-api"]
    if g:
        worst = max(float(r["anon_peak_kb"]) - float(r["anon_before_kb"]) for r in g) / 1024
        print(f"- geodir-api memory during the exports: at most +{worst:,.1f} MB private "
              f"(goal < 64 MB: {'met' if worst < 64 else 'not met'}); resident memory also "
              "counts the database file's pages the server maps (shared with the page cache)")
    imp = [r for r in rows if r["tool"] == "import"]
    if imp:
        print()
        print("| import | runs | wall s, median | CPU s, median | peak RSS MB | exports |")
        print("|---|---:|---:|---:|---:|---|")
        med = {}
        for mode in ("no-exports", "exports"):
            rs = [r for r in imp if r["format"] == mode]
            if not rs:
                continue
            med[mode] = statistics.median(float(r["wall_s"]) for r in rs)
            cpu = statistics.median(float(r["cpu_s"]) for r in rs)
            rss = max(float(r["tool_peak_rss_kb"]) for r in rs) / 1024
            label = "--no-exports" if mode == "no-exports" else \
                f"with exports ({mach.get('import_formats', '?')})"
            print(f"| {label} | {len(rs)} | {med[mode]:.2f} | {cpu:.2f} | {rss:,.0f} | "
                  f"{rs[-1]['note']} |")
        if len(med) == 2:
            print(f"\n- the import-time full exports add {med['exports'] - med['no-exports']:.1f} s"
                  f" ({(med['exports'] / med['no-exports'] - 1) * 100:.0f} %) to the import")
    elif "import_exports" in mach:
        print(f"\n- import-time exports: {mach['import_exports']}")


if __name__ == "__main__":
    main()
