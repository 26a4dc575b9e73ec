#!/usr/bin/env python3
"""Measures (not a test: no ctest entry) the memory geodir-api adds while it streams exports.

Starts the real server on DB (e.g. a generated 1M-place directory, bench/README.md), warms it
up (a search builds the place index, an export opens a dedicated connection), then for each
export asked reads the whole body as fast as it can while sampling the server's VmRSS
(/proc/PID/status) every 20 ms, and prints: the RSS before, the peak during, the RSS after, the
bytes and the time. Optionally a slow reader.

usage: measure_rss.py GEODIR_API DB STATIC_DIR [TARGET ...]
       (default targets: geojson and csv of every place under ODbL-1.0 and etalab-2.0)
"""
import os
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import ApiServer  # noqa: E402
import http.client  # noqa: E402

API, DB, STATIC = sys.argv[1:4]
TARGETS = sys.argv[4:] or ["/api/export?format=geojson&licence=ODbL-1.0",
                           "/api/export?format=csv&licence=ODbL-1.0",
                           "/api/export?format=geojson&licence=etalab-2.0",
                           "/api/export?format=csv&bbox=4,48,6,50&licence=ODbL-1.0"]


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    srv = ApiServer(API, ["--port", "0", "--db", DB, "--static_dir", STATIC],
                    "/tmp/measure_rss.log", name="rss")
    pid = srv.proc.pid
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=600)
    conn.request("GET", "/api/places?lat=49&lon=5.2&limit=10")
    conn.getresponse().read()
    conn.request("GET", "/api/export?format=csv&lat=49&lon=5.2&radius=100")
    conn.getresponse().read()
    print(f"{'target':60} {'before':>8} {'peak':>8} {'after':>8} {'MB':>8} {'s':>6}")
    for target in TARGETS:
        before = rss_kb(pid)
        peak = [before]
        done = threading.Event()

        def sample():
            while not done.is_set():
                peak[0] = max(peak[0], rss_kb(pid))
                time.sleep(0.02)
        t = threading.Thread(target=sample)
        t.start()
        t0 = time.monotonic()
        conn.request("GET", target)
        r = conn.getresponse()
        n = 0
        while True:
            b = r.read(1 << 20)
            if not b:
                break
            n += len(b)
        dt = time.monotonic() - t0
        done.set()
        t.join()
        after = rss_kb(pid)
        print(f"{target[:60]:60} {before / 1024:7.1f}M {peak[0] / 1024:7.1f}M "
              f"{after / 1024:7.1f}M {n / 1e6:8.1f} {dt:6.1f}  status {r.status}", flush=True)
    conn.close()
    print("server exit", srv.stop())


main()
