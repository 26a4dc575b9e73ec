#!/usr/bin/env python3
"""bench/api/report.py RESULTS_DIR — the tables and ratios of one bench/api/run.sh run.

Reads RESULTS_DIR/<N>/ (wrk outputs, raw.txt, cpu.txt, machine.txt) and prints markdown:
one table per size (req/s, p50, p99 at CONNS connections and at 1) and the ratios of issue 4:
  near req/s / (nproc x raw in-process near q/s)    goal >= 0.8
  near req/s / nginx static req/s (same bytes)      goal >= 0.3
  near p99 at CONNS connections on 1M               goal < 5 ms
plus the server's CPU time per near request against the raw time per query (the HTTP + JSON
share of the server's own work, which wrk's CPU does not blur), OGC API items against MapServer
(req/s and p99), and where the machine's CPU went during each run at CONNS connections (wrk,
the server under test, everything else: the other workloads of a shared machine, idle).
"""
import os
import re
import statistics
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from report_lib import kv, wrk_percentile  # noqa: E402


def wrk(path):
    if not os.path.exists(path):
        return None
    t = open(path).read()
    r = {"rps": None, "p50": None, "p99": None, "n": 0, "errors": 0}
    m = re.search(r"Requests/sec:\s+([\d.]+)", t)
    if m:
        r["rps"] = float(m.group(1))
    for pct in ("50", "99"):
        r["p" + pct] = wrk_percentile(t, pct)
    m = re.search(r"(\d+) requests in", t)
    if m:
        r["n"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
    if m:
        r["errors"] += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
    if m:
        r["errors"] += sum(int(x) for x in m.groups())
    return r


def merged(rounds):
    """Median of each figure over the rounds of one scenario."""
    rounds = [r for r in rounds if r and r["rps"]]
    if not rounds:
        return None
    out = {}
    for k in ("rps", "p50", "p99"):
        vals = [r[k] for r in rounds if r[k] is not None]
        out[k] = statistics.median(vals) if vals else None
    out["n"] = sum(r["n"] for r in rounds)
    out["errors"] = sum(r["errors"] for r in rounds)
    out["rounds"] = len(rounds)
    return out


def fmt_ms(v):
    if v is None:
        return "–"
    if v < 1:
        return f"{v * 1000:.0f} µs"
    if v < 100:
        return f"{v:.2f} ms"
    return f"{v:,.0f} ms"


def fmt_rps(v):
    return "–" if v is None else f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


def cpu_share(path):
    """Cores used during one wrk run by wrk, by the server under test, by the rest, and idle."""
    f = kv(path)
    if not f or "wall_s" not in f:
        return None
    wall = float(f["wall_s"]) or 1e-9
    hz = int(f.get("hz", "100"))
    u, _, sy = f["wrk_cpu_s"].partition("+")
    wrk_c = (float(u) + float(sy)) / wall
    srv = int(f.get("server_ticks", "0")) / hz / wall
    busy = int(f["machine_busy_ticks"]) / hz / wall
    total = int(f["machine_total_ticks"]) / hz / wall
    return {"wrk": wrk_c, "server": srv, "other": max(0.0, busy - wrk_c - srv),
            "idle": max(0.0, total - busy), "load": f.get("load1_before", "?")}


def main():
    root = sys.argv[1]
    sizes = sorted((int(d) for d in os.listdir(root) if d.isdigit()))
    for n in sizes:
        d = os.path.join(root, str(n))
        mach = kv(os.path.join(d, "machine.txt"))
        conns = mach.get("conns", "64")
        nproc = int(mach.get("nproc", "1"))
        cores = int(mach.get("server_cores", mach.get("nproc", "1")))
        rounds = int(mach.get("rounds", "1"))

        def scen(name, c):
            rs = [wrk(os.path.join(d, f"{name}_c{c}_r{i}.txt")) for i in range(1, rounds + 1)]
            if not any(rs):
                rs = [wrk(os.path.join(d, f"{name}_c{c}.txt"))]
            return merged(rs)

        raw = {}
        if os.path.exists(os.path.join(d, "raw.txt")):
            for line in open(os.path.join(d, "raw.txt")):
                f = line.split()
                if len(f) >= 6:
                    raw[f[0]] = {"qps": float(f[1]), "p50": float(f[2]) / 1000,
                                 "p99": float(f[3]) / 1000, "matched": float(f[4]),
                                 "returned": float(f[5]),
                                 "cpu_us": float(f[6]) if len(f) > 6 else None}
        rn, rc = [], []
        for i in range(1, rounds + 1):
            p = os.path.join(d, f"raw_near_r{i}.txt")
            if os.path.exists(p):
                for line in open(p):
                    f = line.split()
                    if len(f) >= 6 and f[0] == "near":
                        rn.append(float(f[1]))
                        if len(f) > 6:
                            rc.append(float(f[6]))
        if rn and "near" in raw:
            raw["near_after"] = raw["near"]
        if rn:
            raw.setdefault("near", {"p50": 0, "p99": 0, "matched": 0, "returned": 0})
            raw["near"] = dict(raw["near"], qps=statistics.median(rn), rounds=rn,
                               cpu_us=statistics.median(rc) if rc else raw["near"].get("cpu_us"))
        print(f"### N = {n:,}\n")
        print(f"Machine: nproc={mach.get('nproc')}, {mach.get('cpu')}, {mach.get('mem_gib')} GiB;"
              f" load average {mach.get('loadavg_before')} before, {mach.get('loadavg_after')} after;"
              f" {mach.get('date')}, geodir {mach.get('commit')}; geodir-api threads="
              f"{mach.get('api_threads')}, wrk -t{mach.get('wrk_threads')}, {mach.get('duration')}"
              f" at c={conns} and {mach.get('c1_duration')} at c=1 (near and static: median of "
              f"{rounds} alternated rounds). Database {mach.get('geodir_db_mb')} MB; first search"
              f" (builds the place index) {mach.get('first_search_s')} s; server RSS "
              f"{int(mach.get('server_peak_rss_kb', '0')) / 1024:,.0f} MB peak, at the end "
              f"{int(mach.get('server_anon_kb', '0')) / 1024:,.0f} MB private (place index, "
              f"SQLite caches) + {int(mach.get('server_file_kb', '0')) / 1024:,.0f} MB of the "
              f"memory-mapped file. Pinned (PIN): {mach.get('pin', '0')} (server cores counted: "
            f"{cores}).\n")
        before = "geodir-api before"
        rows = [
            ("k=20 within 5 km (`near`)", "geodir-api", "near", "near"),
            ("", before, "before_near", None),
            ("static file, same bytes as `near` "
             f"({int(mach.get('near_answer_bytes', '0')):,} B)", "nginx", "static", None),
            ("bbox ~5 km, limit 50 (by name)", "geodir-api", "bbox", "bbox"),
            ("", before, "before_bbox", None),
            ("bbox ~5 km, limit 50", f"MapServer OGC API ({mach.get('ms', '?')})", "ms_bbox", None),
            ("text `q=boulangerie` near the point, limit 20", "geodir-api", "text", "text"),
            ("", before, "before_text", None),
            ("autocomplete `q=boul` near the point", "geodir-api", "ac", None),
            ("", before, "before_ac", None),
            ("OGC API items, bbox ~5 km, limit 50", "geodir-api `/ogc`", "ogc_bbox", None),
            ("", before, "before_ogc_bbox", None),
        ]
        print(f"| scenario | server | req/s c={conns} | p50 c={conns} | p99 c={conns} "
              "| req/s c=1 | p50 c=1 | p99 c=1 | raw in-process q/s (p50) | errors |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        got = {}
        for label, server, name, rawname in rows:
            a, b = scen(name, conns), scen(name, 1)
            got[name] = (a, b)
            if not a and not b:
                continue
            rw = raw.get(rawname) if rawname else None
            rtxt = f"{rw['qps']:,.0f} ({fmt_ms(rw['p50'])})" if rw else ""
            err = (a["errors"] if a else 0) + (b["errors"] if b else 0)
            print(f"| {label} | {server} | {fmt_rps(a and a['rps'])} | {fmt_ms(a and a['p50'])} "
                  f"| {fmt_ms(a and a['p99'])} | {fmt_rps(b and b['rps'])} "
                  f"| {fmt_ms(b and b['p50'])} | {fmt_ms(b and b['p99'])} | {rtxt} | {err} |")
        if "near_sql" in raw:
            rw = raw["near_sql"]
            print(f"| k=20 within 5 km, engine without the place index (R*Tree + rows) | raw "
                  f"in-process only | | | | | | | {rw['qps']:,.0f} ({fmt_ms(rw['p50'])}) | |")
        print()
        near, static = got.get("near", (None, None))[0], got.get("static", (None, None))[0]
        lines = []
        if near and "near" in raw:
            r = near["rps"] / (cores * raw["near"]["qps"])
            rr = raw["near"].get("rounds")
            src = (f"median of {len(rr)} raw runs alternated with wrk: "
                   + ", ".join(f"{x:,.0f}" for x in rr)) if rr else "raw run after wrk"
            lines.append(f"- near req/s ÷ ({cores} cores × raw {raw['near']['qps']:,.0f} q/s; "
                         f"{src}) = **{r:.3f}** (goal ≥ 0.8: {'met' if r >= 0.8 else 'not met'})")
        if near and static:
            r = near["rps"] / static["rps"]
            lines.append(f"- near req/s ÷ nginx static req/s = {near['rps']:,.0f} ÷ "
                         f"{static['rps']:,.0f} = **{r:.3f}** (goal ≥ 0.3: "
                         f"{'met' if r >= 0.3 else 'not met'})")
        if near:
            ok = near["p99"] is not None and near["p99"] < 5
            lines.append(f"- near p99 at {conns} connections = **{fmt_ms(near['p99'])}** "
                         f"(goal < 5 ms on 1M: {'met' if ok else 'not met'} at this size)")
        if os.path.exists(os.path.join(d, "cpu.txt")) and "near" in raw:
            tot_ticks, tot_req = 0, 0
            hz = 100
            for line in open(os.path.join(d, "cpu.txt")):
                f = dict(p.split("=") for p in line.split()[1:])
                name = line.split()[0]
                w = wrk(os.path.join(d, name + ".txt"))
                if w and w["n"]:
                    tot_ticks += int(f["cpu_ticks"])
                    tot_req += w["n"]
                    hz = int(f["hz"])
            if tot_req:
                per_req = tot_ticks / hz / tot_req * 1e6
                raw_us = raw["near"].get("cpu_us") or 1e6 / raw["near"]["qps"]
                what = "CPU" if raw["near"].get("cpu_us") else "wall-clock"
                lines.append(f"- **CPU-based** (immune to the other workloads): server CPU per near "
                             f"request (user + system, all threads) = {per_req:.0f} µs, raw "
                             f"in-process {raw_us:.1f} µs of {what} per query: ratio "
                             f"**{raw_us / per_req:.2f}** (the same goal ≥ 0.8 read on CPU time: "
                             f"HTTP + JSON = {max(0.0, 1 - raw_us / per_req) * 100:.0f} % of the "
                             f"server's work; {'met' if raw_us / per_req >= 0.8 else 'not met'}); "
                             f"on {cores} idle core(s) for the server alone that would be "
                             f"{cores * 1e6 / per_req:,.0f} req/s")
        for name, label in (("near", "near"), ("bbox", "bbox"), ("text", "text"), ("ac", "ac")):
            a, b = got.get(name, (None, None)), got.get("before_" + name, (None, None))
            if a[0] and b[0]:
                lines.append(f"- {label}, after ÷ before: ×{a[0]['rps'] / b[0]['rps']:,.1f} req/s "
                             f"at c={conns}" + (f", c=1 p50 {fmt_ms(a[1]['p50'])} against "
                                                f"{fmt_ms(b[1]['p50'])}" if a[1] and b[1] else ""))
        ms_ = got.get("ms_bbox", (None, None))
        og = got.get("ogc_bbox", (None, None))
        for c, i in ((conns, 0), ("1", 1)):
            if ms_[i] and og[i]:
                lines.append(f"- OGC API items bbox limit 50, c={c}: geodir-api ÷ MapServer = "
                             f"{og[i]['rps']:,.0f} ÷ {ms_[i]['rps']:,.1f} req/s = "
                             f"**×{og[i]['rps'] / ms_[i]['rps']:,.0f}**; p99 "
                             f"{fmt_ms(og[i]['p99'])} against {fmt_ms(ms_[i]['p99'])}")
        bb = got.get("bbox", (None, None))
        if ms_[0] and bb[0]:
            lines.append(f"- bbox limit 50: geodir-api ÷ MapServer = {bb[0]['rps']:,.0f} ÷ "
                         f"{ms_[0]['rps']:,.1f} = ×{bb[0]['rps'] / ms_[0]['rps']:,.0f} req/s at "
                         f"c={conns}" + (f"; c=1 p50 {fmt_ms(bb[1]['p50'])} against "
                                         f"{fmt_ms(ms_[1]['p50'])}" if ms_[1] and bb[1] else ""))
        if raw:
            lines.append("- raw in-process (one thread, no HTTP/JSON): " + "; ".join(
                f"{k} {v['qps']:,.0f} q/s p50 {fmt_ms(v['p50'])} p99 {fmt_ms(v['p99'])} "
                + (f"CPU {v['cpu_us']:.1f} µs/q " if v.get("cpu_us") else "")
                + f"(numberMatched {v['matched']:,.0f})" for k, v in raw.items()))
        print("\n".join(lines))
        print()
        shares = []
        for name in ("static", "near", "bbox", "text", "ac", "ogc_bbox", "ms_bbox"):
            for i in range(1, rounds + 1):
                for fn in (f"{name}_c{conns}_r{i}.cpu", f"{name}_c{conns}.cpu"):
                    sh = cpu_share(os.path.join(d, fn))
                    if sh:
                        shares.append((fn[:-4], sh))
                        break
                if fn.endswith(f"{name}_c{conns}.cpu"):
                    break
        if shares:
            print(f"Where the {nproc} cores went during each run at c={conns} (cores, from "
                  "/proc: wrk's user + system time, the server's (geodir-api, or nginx, or "
                  "nginx + mapserv), the rest of the machine, idle):\n")
            print("| run | wrk | server | other processes | idle | load avg (1 min) before |")
            print("|---|---:|---:|---:|---:|---:|")
            for name, sh in shares:
                print(f"| {name} | {sh['wrk']:.2f} | {sh['server']:.2f} | {sh['other']:.2f} "
                      f"| {sh['idle']:.2f} | {sh['load']} |")
            print()


def geocode(root):
    path = os.path.join(root, "geocode.md")
    if os.path.exists(path) and os.path.getsize(path):
        print("### Geocoding (bench/api/geocode.sh, BANO Meuse)\n")
        print(open(path).read())


if __name__ == "__main__":
    main()
    geocode(sys.argv[1])
