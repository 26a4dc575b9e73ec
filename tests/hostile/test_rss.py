#!/usr/bin/env python3
"""hostile.rss — memory under `&&&...` queries (issue 10, D2).

libmicrohttpd failed on a query of 1,000-2,000 empty pairs after geoapi had allocated the
request's state, which was never freed: RSS 48.6 -> 227 MB over 60,000 such requests, and the
client got no answer (or one after 15 s). docs/api.md: empty pairs are ignored, so
`GET /api/places?` + `&` x N (N = 1000 ... 2000, within max_query_len 2048) is a valid search
and answers 200.

Normal build: 4,000 warm-up requests from 16 client threads over short connections (25
requests each, so that every worker has built its caches), VmRSS of the server (from
/proc/PID/status), then 60,000 requests over keep-alive connections from 4 client threads
(reconnecting every 500 requests); every request must be answered
200 (they are counted), and VmRSS must then be within 10 % of its value after the warm-up.
ASan build (--sanitize ON): RSS says nothing there (quarantine, shadow memory), so 10,000
requests only, every one answered, and the leak check is LeakSanitizer's at the graceful stop
(exit status 0, no LeakSanitizer report in the server's stderr); the test says so.
A client that gets no answer within 2 s counts the request as unanswered and reconnects; after
100 unanswered requests in a phase, or 50 s for both phases (90 s under ASan), the run stops
early and fails (the RSS check then fails too: it needs the whole run), so the test stays
bounded.

usage: test_rss.py API DB SOURCE_DIR WORK_DIR [--sanitize ON|OFF]
"""
import os
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True   # no __pycache__ in the sources
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))   # rawhttp is beside the script (sys.path[0])
from geodir_test import ApiServer, check, finish  # noqa: E402
import rawhttp  # noqa: E402

API, DB, SRC, WORK, SANITIZE = rawhttp.command_line(sys.argv, 4)

WARMUP = 4000
TOTAL = 10000 if SANITIZE else 60000
THREADS = 4
# The warm-up opens many short connections from more threads, so that every worker of the
# server has served some (each builds its caches on its first requests: growth that is not a
# leak); the run then reconnects now and then too, as the audit's clients did.
WARMUP_THREADS = 16
RECONNECT_EVERY = {"warm-up": 25, "run": 500}
REQUEST_TIMEOUT = 4.0 if SANITIZE else 2.0
MAX_UNANSWERED = 100
TIME_BUDGET = 90.0 if SANITIZE else 50.0
AMPERSANDS = (1000, 1250, 1500, 1750, 2000)
REQUESTS = [rawhttp.build("GET", "/api/places?" + "&" * n) for n in AMPERSANDS]


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent = self.answered = self.ok = self.unanswered = 0
        self.other = {}            # status -> count
        self.first_problem = ""
        self.stopped = ""


def client(port, count, tally, deadline, reconnect_every):
    sock = None
    reader = None
    for i in range(count):
        if sock is not None and i % reconnect_every == 0:
            sock.close()
            sock = None
        if tally.stopped:
            break
        if time.monotonic() > deadline:
            tally.stopped = tally.stopped or f"time budget of {TIME_BUDGET:.0f} s spent"
            break
        req = REQUESTS[i % len(REQUESTS)]
        problem, resp = "", None
        try:
            if sock is None:
                sock = rawhttp.connect(port, timeout=REQUEST_TIMEOUT)
            sock.settimeout(REQUEST_TIMEOUT)
            sock.sendall(req)
            reader = rawhttp.ResponseReader()
            t_end = time.monotonic() + REQUEST_TIMEOUT
            while resp is None:
                left = t_end - time.monotonic()
                if left <= 0:
                    problem = f"no answer within {REQUEST_TIMEOUT} s"
                    break
                sock.settimeout(left)
                data = sock.recv(262144)
                if not data:
                    resp = reader.eof()
                    if resp is None:
                        problem = "connection closed without an answer"
                    break
                resp = reader.feed(data)
                if reader.error:
                    problem = reader.error
                    break
        except socket.timeout:
            problem = f"no answer within {REQUEST_TIMEOUT} s"
        except OSError as e:
            problem = f"socket error: {e}"
        with tally.lock:
            tally.sent += 1
            if resp is not None:
                tally.answered += 1
                if resp.status == 200:
                    tally.ok += 1
                else:
                    tally.other[resp.status] = tally.other.get(resp.status, 0) + 1
            else:
                tally.unanswered += 1
                tally.first_problem = tally.first_problem or problem
                if tally.unanswered >= MAX_UNANSWERED:
                    tally.stopped = f"{MAX_UNANSWERED} unanswered requests"
        if resp is None or (resp.header("connection") or "").lower() == "close":
            if sock is not None:
                sock.close()
            sock = None
    if sock is not None:
        sock.close()


def run(port, total, what, deadline):
    tally = Tally()
    t0 = time.monotonic()
    nthreads = WARMUP_THREADS if what == "warm-up" else THREADS
    per = [total // nthreads + (1 if i < total % nthreads else 0) for i in range(nthreads)]
    threads = [threading.Thread(target=client,
                                args=(port, n, tally, deadline, RECONNECT_EVERY[what]))
               for n in per]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.monotonic() - t0
    print(f"     {what}: sent {tally.sent} of {total}, answered {tally.answered} (200: {tally.ok}"
          f"{', other: ' + str(tally.other) if tally.other else ''}), unanswered "
          f"{tally.unanswered}{' (first: ' + tally.first_problem + ')' if tally.unanswered else ''}"
          f"{', stopped early: ' + tally.stopped if tally.stopped else ''}; {took:.1f} s "
          f"({tally.sent / took if took else 0:.0f} req/s)", flush=True)
    check(tally.sent == total and tally.ok == total,
          f"{what}: every one of {total} `&&&` requests answered 200 ({tally.ok} were; "
          f"{tally.unanswered} unanswered)")
    return tally


def main():
    t0 = time.monotonic()
    srv = ApiServer(API, rawhttp.server_args(DB, SRC), os.path.join(WORK, "rss.stderr"), name="rss")
    pid = srv.proc.pid
    if SANITIZE:
        print(f"note: ASan build (GDIR_SANITIZE=ON): VmRSS is not meaningful under ASan "
              f"(quarantine, shadow memory), so {TOTAL} requests instead of 60,000 and no RSS "
              f"bound; the leak check is LeakSanitizer's when the server stops (exit status 0, "
              f"no LeakSanitizer report)", flush=True)
    deadline = time.monotonic() + TIME_BUDGET
    run(srv.port, WARMUP, "warm-up", deadline)
    rss_warm = rawhttp.vm_rss_kib(pid)
    main_run = run(srv.port, TOTAL, "run", deadline)
    rss_end = rawhttp.vm_rss_kib(pid)
    print(f"     VmRSS after the warm-up {rss_warm} KiB, after the run {rss_end} KiB", flush=True)
    if not SANITIZE:
        check(main_run.sent == TOTAL and rss_warm is not None and rss_end is not None
              and rss_end <= rss_warm * 1.10,
              f"RSS back within 10 % of its value after the warm-up, after {TOTAL} requests "
              f"({main_run.sent} sent): {rss_warm} -> {rss_end} KiB"
              f" ({(rss_end - rss_warm) / rss_warm * 100 if rss_warm and rss_end else 0:+.1f} %)")
    out = rawhttp.exchange(srv.port, rawhttp.build("GET", "/api/health"), timeout=REQUEST_TIMEOUT)
    check(out.kind == "answered" and out.response.status == 200,
          f"/api/health answers after the run ({out.kind} {out.detail})")
    code = srv.stop(timeout=30)
    check(code == 0, f"exit status 0 on SIGTERM, so LeakSanitizer ran in the ASan build (got {code})")
    check(*rawhttp.sanitizer_verdict(srv.stderr(), "the server's stderr"))
    print(f"rss: {time.monotonic() - t0:.1f} s")
    finish()


main()
