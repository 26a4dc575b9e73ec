#!/usr/bin/env python3
"""GET /metrics (docs/api.md, "Metrics") on the real geodir-api, read with the parser of the
Prometheus client library (python3-prometheus-client, text_string_to_metric_families):

- on one keep-alive connection (a request is counted when its answer is written, by the worker
  that serves the connection, so a scrape on it sees every answer before it): known requests of
  several routes and status classes (2xx, 4xx, a 404 outside every route, HEAD) move
  geodir_http_requests_total and the histogram's _count by exactly what was made, per route
  and class, the scrapes included;
- 8 concurrent clients on their own connections (400 requests, 4 worker threads): the sums of
  the per-thread counters reach exactly 400 more and stay there;
- every histogram: buckets cumulative and non-decreasing, +Inf = _count = the route's requests,
  _sum between _count x the lowest and the highest bound it fell in;
- the outbox gauges equal the forms database's unsent rows after a submission with an e-mail;
  the connections gauge follows idle connections opened and closed; a database file swapped
  in moves geodir_db_swaps_total to 1 and changes the build id;
- no personal data: no place id, request code, token or address in the page;
- metrics = off answers 404, the default (loopback) answers 127.0.0.2, a bad value exits 2.

usage: test_metrics.py API DB SRC_DIR WORK_DIR
"""
import http.client
import os
import shutil
import socket
import subprocess
import sys
import threading

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from geodir_test import ApiServer, check, debian_module, finish, fresh_dir, poll_until  # noqa: E402
from forms_client import csrf, request, submit  # noqa: E402
from forms_fixture import server_args, sql  # noqa: E402

parser = debian_module("prometheus_client.parser", "python3-prometheus-client")
API, DB, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:5])
FORMS = os.path.join(SRC, "tests", "forms_http", "forms")


def parse(text):
    """{(sample name, frozenset of labels): value} and the families' types, by the library."""
    samples, types = {}, {}
    for fam in parser.text_string_to_metric_families(text):
        types[fam.name] = fam.type
        for s in fam.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples, types


def requests_of(samples, route, method="GET", status=None):
    """geodir_http_requests_total of a route, one status class or all."""
    return sum(v for (name, labels), v in samples.items()
               if name == "geodir_http_requests_total" and dict(labels).get("route") == route
               and dict(labels).get("method") == method
               and (status is None or dict(labels).get("status") == status))


def hist_count(samples, route, method="GET"):
    return samples.get(("geodir_http_request_duration_seconds_count",
                        frozenset({"route": route, "method": method}.items())), 0)


class Scraper:
    """One keep-alive connection for the known requests and the scrapes."""

    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, target, method="GET"):
        self.conn.request(method, target)
        r = self.conn.getresponse()
        return r.status, r.getheader("Content-Type"), r.read()

    def scrape(self):
        status, ctype, body = self.get("/metrics")
        assert status == 200, (status, body[:200])
        self.ctype = ctype
        self.text = body.decode()
        return parse(self.text)


def check_histograms(samples, what):
    """Every route's histogram: cumulative buckets ending at +Inf = _count = its requests."""
    rows = {}
    for (name, labels), v in samples.items():
        if name == "geodir_http_request_duration_seconds_bucket":
            d = dict(labels)
            rows.setdefault((d["route"], d["method"]), []).append((float(d["le"]), v))
    bad = []
    for (route, method), buckets in rows.items():
        buckets.sort()
        counts = [v for _, v in buckets]
        count = hist_count(samples, route, method)
        total = samples.get(("geodir_http_request_duration_seconds_sum",
                             frozenset({"route": route, "method": method}.items())))
        if (buckets[-1][0] != float("inf") or counts != sorted(counts) or counts[-1] != count
                or count != requests_of(samples, route, method) or total is None or total < 0):
            bad.append(route)
            continue
        # the sum is at most count x the bound under which every request fell
        top = next((le for le, v in buckets if v == count), float("inf"))
        if total > top * count + 1e-6:
            bad.append(route)
    check(rows and not bad, f"{what}: {len(rows)} histograms cumulative, +Inf = _count = the "
          f"route's requests, _sum within count x the top bound (bad: {bad})")


def known_requests(srv):
    s = Scraper(srv.port)
    before, types = s.scrape()
    check(s.ctype == "text/plain; version=0.0.4; charset=utf-8", f"Content-Type {s.ctype}")
    check(types.get("geodir_http_requests") == "counter" and
          types.get("geodir_http_request_duration_seconds") == "histogram" and
          types.get("geodir_db_generation_info") == "gauge",
          f"families typed counter, histogram, gauge ({sorted(types.items())[:6]}…)")
    made = {("/api/health", "2xx"): 7, ("/api/places/{id}", "2xx"): 3,
            ("/api/places/{id}", "4xx"): 2, ("/api/places", "4xx"): 4, ("none", "4xx"): 5}
    for _ in range(7):
        s.get("/api/health")
    for _ in range(2):
        s.get("/api/places/local:bord-rayon")
    s.get("/api/places/local:bord-rayon", "HEAD")       # counted under its GET route
    for _ in range(2):
        s.get("/api/places/local:nowhere-at-all")
    for _ in range(4):
        s.get("/api/places?lat=north")
    for _ in range(5):
        s.get("/api/no-such-route")
    after, _ = s.scrape()
    bad = []
    for (route, cls), n in made.items():
        method = "any" if route == "none" else "GET"
        got = requests_of(after, route, method, cls) - requests_of(before, route, method, cls)
        if got != n:
            bad.append(f"{route} {cls}: {got} != {n}")
    got = requests_of(after, "/metrics") - requests_of(before, "/metrics")
    if got != 1:
        bad.append(f"/metrics: {got} != 1 (the first scrape)")
    check(not bad, f"requests_total moved by exactly the requests made, per route and status "
          f"class {bad}")
    moved = {r: hist_count(after, r) - hist_count(before, r)
             for r in ("/api/health", "/api/places/{id}", "/api/places")}
    check(moved == {"/api/health": 7, "/api/places/{id}": 5, "/api/places": 4},
          f"histogram _count moved by the requests of each route {moved}")
    check_histograms(after, "one connection")
    for secret in ("bord-rayon", "nowhere", "north", "no-such-route", "127.0.0.1"):
        check(secret not in s.text, f"no path, value or address in the page ({secret!r})")
    return s


def concurrent(srv, s):
    before, _ = s.scrape()
    per_client, clients = 50, 8
    errors = []

    def client():
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        for i in range(per_client):
            c.request("GET", "/api/health" if i % 2 else "/api/categories")
            r = c.getresponse()
            r.read()
            if r.status != 200:
                errors.append(r.status)
        c.close()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    def moved():
        now, _ = s.scrape()
        return (requests_of(now, "/api/health") - requests_of(before, "/api/health") +
                requests_of(now, "/api/categories") - requests_of(before, "/api/categories"))
    poll_until(lambda: moved() == per_client * clients, 20,
               f"{clients} concurrent clients: the per-thread counters add up to "
               f"{per_client * clients} more")
    check(not errors and moved() == per_client * clients, f"and stay exact ({moved()}), no "
          f"error ({errors[:3]})")
    check_histograms(s.scrape()[0], "after the concurrent clients")


def outbox_and_connections(srv, s, work):
    ck, tk, _ = csrf(srv.port)
    st, _, body = submit(srv.port, "essai", {"nom": "Métrique", "courriel": "m@exemple.fr"},
                         ck, tk)
    check(st == 201, f"a submission with an e-mail filed ({st})")
    db = os.path.join(work, "forms.sqlite")
    pending, failing = sql(db, "SELECT count(*) FILTER (WHERE attempts = 0), count(*) FILTER "
                               "(WHERE attempts > 0) FROM outbox WHERE sent_at IS NULL")[0]
    now, _ = s.scrape()
    got = (now.get(("geodir_outbox_messages", frozenset({"state": "pending"}.items()))),
           now.get(("geodir_outbox_messages", frozenset({"state": "failing"}.items()))))
    check(pending > 0 and got == (pending, failing),
          f"outbox gauges {got} = the database's unsent rows ({pending}, {failing})")
    check(body["code"] not in s.text and body["token"] not in s.text and "exemple" not in s.text,
          "the request's code, token and address are not in the page")

    def conns():
        return s.scrape()[0].get(("geodir_http_connections", frozenset()))
    poll_until(lambda: conns() == 1, 20, "connections gauge: 1 (the scraper's)")
    idle = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(5)]
    poll_until(lambda: conns() == 6, 20, "5 idle connections opened: the gauge says 6")
    for c in idle:
        c.close()
    poll_until(lambda: conns() == 1, 20, "closed: back to 1")
    proc = [k for k in now if k[0].startswith("process_")]
    check(now.get(("process_resident_memory_bytes", frozenset()), 0) > 0 and
          now.get(("process_open_fds", frozenset()), 0) > 3 and len(proc) >= 5,
          f"process basics ({sorted(k[0] for k in proc)})")


def swap(srv, s, served):
    first, _ = s.scrape()
    ids = [dict(k[1])["build_id"] for k in first if k[0] == "geodir_db_generation_info"]
    check(len(ids) == 1 and first.get(("geodir_db_swaps_total", frozenset())) == 0,
          f"one generation served, no swap yet ({ids})")
    shutil.copyfile(DB, served + ".new")
    os.replace(served + ".new", served)     # a new file (inode) renamed over, as the importer
    poll_until(lambda: s.scrape()[0].get(("geodir_db_swaps_total", frozenset())) == 1, 20,
               "database swapped in: geodir_db_swaps_total = 1")
    now, _ = s.scrape()
    new = [dict(k[1])["build_id"] for k in now if k[0] == "geodir_db_generation_info"]
    check(len(new) == 1 and new != ids, f"the build id changed ({ids} -> {new})")


def access(served):
    off = ApiServer(API, ["--port", "0", "--db", served, "--static_dir",
                          os.path.join(SRC, "map-ui"), "--metrics", "off"],
                    os.path.join(WORK, "off.log"), name="metrics=off")
    st, _, _ = request(off.port, "GET", "/metrics")
    check(st == 404, f"metrics = off: 404 ({st})")
    check(off.stop() == 0, "metrics=off server stopped")
    on = ApiServer(API, ["--port", "0", "--db", served, "--static_dir",
                         os.path.join(SRC, "map-ui")], os.path.join(WORK, "default.log"),
                   name="default")
    st, _, _ = request(on.port, "GET", "/metrics", source="127.0.0.2")
    check(st == 200, f"default (loopback): another loopback address 127.0.0.2 is served ({st})")
    check(on.stop() == 0, "default server stopped")
    r = subprocess.run([API, "--port", "0", "--db", served, "--metrics", "public"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 2 and "metrics" in r.stderr, f"metrics = public: exit 2 naming it "
          f"({r.returncode}, {r.stderr.strip()[:120]})")


def main():
    fresh_dir(WORK)
    served = os.path.join(WORK, "geodir.sqlite")
    shutil.copyfile(DB, served)
    srv = ApiServer(API, server_args(served, SRC, FORMS, WORK, "--threads", "4"),
                    os.path.join(WORK, "server.log"))
    s = known_requests(srv)
    concurrent(srv, s)
    outbox_and_connections(srv, s, WORK)
    swap(srv, s, served)
    s.conn.close()
    check(srv.stop() == 0, "server stopped cleanly")
    access(served)
    finish()


main()
