#!/usr/bin/env python3
"""hostile.slowloris — slow clients against the real geodir-api (issue 10, D3).

Three servers over the database of tests/http, each scenario bounded in time:
  A. default options: 500 connections from 127.0.0.2 ... 127.0.0.11 (50 each, so that the
     per-IP limit, 64 by default, is not what saves the server) send a request head one byte
     at a time, every 1-2 s. While they are open, a normal request from 127.0.0.1 is answered
     within 1 s, several times; the server keeps all 500 (under max_connections 10000 and
     max_connections_per_ip 64); its RSS stays bounded (< 32 MiB more than before them:
     less than the 64 KiB per connection the audit measured with libmicrohttpd). Once
     head_timeout (10 s by default, counted from the first byte; bytes do not reset it) has
     passed, every one of them has been answered 408 RequestTimeout (JSON) and closed,
     although bytes kept coming.
  B. --head_timeout 3: one connection trickling a byte per second is answered 408 JSON with
     Connection: close between 3 s and 6 s after its first byte, and closed.
  C. --max_connections_per_ip 20: with 20 keep-alive connections open from 127.0.0.12, a 21st
     from that address is answered 503 ServiceUnavailable (JSON, Retry-After) and closed; a
     connection from 127.0.0.13 is served; once one of the 20 is closed, 127.0.0.12 is
     served again.
Each server must stop with exit status 0 on SIGTERM, its stderr without sanitizer reports.
Checks poll with deadlines; the only sleeping is the slow clients' own pace. Only loopback
addresses are used (Linux routes all of 127/8 to lo).

usage: test_slowloris.py API DB SOURCE_DIR WORK_DIR [--sanitize ON|OFF]
"""
import os
import random
import resource
import selectors
import socket
import sys
import time

sys.dont_write_bytecode = True   # no __pycache__ in the sources
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))   # rawhttp is beside the script (sys.path[0])
from geodir_test import ApiServer, check, finish  # noqa: E402
import rawhttp  # noqa: E402

API, DB, SRC, WORK, SANITIZE = rawhttp.command_line(sys.argv, 4)

N_SLOW, N_ADDR = 500, 10                       # 127.0.0.2 ... 127.0.0.11, 50 each
HEAD_TIMEOUT_DEFAULT = 10.0
PROBE_LIMIT = 1.0                              # a normal request answered within this
SLOW_HEAD = (b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"s" * 200)
HEALTH = rawhttp.build("GET", "/api/health")

# 500 client sockets plus the server's: raise the soft limit (inherited by the server).
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < 4096:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))


def start(name, extra=()):
    return ApiServer(API, rawhttp.server_args(DB, SRC, extra),
                     os.path.join(WORK, f"{name}.stderr"), name=name, required=False)


def stop(srv):
    code = srv.stop(timeout=30)
    check(code == 0, f"{srv.name}: exit status 0 on SIGTERM (got {code})")
    ok, what = rawhttp.sanitizer_verdict(srv.stderr(), "its stderr")
    check(ok, f"{srv.name}: {what}")


def probe(srv, src="127.0.0.1", limit=PROBE_LIMIT):
    out = rawhttp.exchange(srv.port, HEALTH, timeout=limit, src=src)
    ok = out.kind == "answered" and out.response.status == 200
    return ok, out


def is_408(resp):
    return (resp is not None and resp.status == 408 and rawhttp.error_code(resp) == "RequestTimeout"
            and not rawhttp.error_problems(resp))


class Slow:
    """A client sending its head one byte at a time; reads what the server says."""

    def __init__(self, port, src):
        self.src = src
        self.reader = rawhttp.ResponseReader()
        self.response = None
        self.closed = False           # EOF or reset seen
        self.error = ""
        self.t_first = None
        self.t_answer = None
        self.sent = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(2.0)
        try:
            self.sock.bind((src, 0))
            self.sock.connect(("127.0.0.1", port))
        except OSError as e:
            self.closed, self.error = True, f"connect: {e}"
            return
        self.sock.setblocking(False)
        self.next_send = time.monotonic()

    def open(self):
        return not self.closed and self.response is None

    def send_due(self, now):
        if not self.open() or now < self.next_send or self.sent >= len(SLOW_HEAD):
            return
        try:
            self.sock.send(SLOW_HEAD[self.sent:self.sent + 1])
        except BlockingIOError:
            return
        except OSError as e:
            self.closed, self.error = True, f"send: {e}"
            return
        if self.t_first is None:
            self.t_first = now
        self.sent += 1
        self.next_send = now + random.uniform(1.0, 2.0)

    def readable(self):
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError as e:
            data, self.error = b"", f"recv: {e}"
        if not data:
            self.response = self.response or self.reader.eof()
            self.closed = True
        else:
            self.response = self.reader.feed(data)
        if (self.response or self.closed) and self.t_answer is None:
            self.t_answer = time.monotonic()

    def close(self):
        self.sock.close()


def pump(clients, sel, until):
    """Sends due bytes and reads answers until the monotonic time `until`."""
    while True:
        now = time.monotonic()
        if now >= until:
            return
        for c in clients:
            c.send_due(now)
        for key, _ in sel.select(timeout=min(0.1, until - now)):
            c = key.data
            c.readable()
            if not c.open():
                try:
                    sel.unregister(c.sock)
                except (KeyError, ValueError):
                    pass


def scenario_a():
    print("-- A: 500 slow clients from 10 loopback addresses, default options", flush=True)
    srv = start("slowloris-default")
    if srv.port is None:
        return
    for _ in range(50):
        probe(srv)
    rss0 = rawhttp.vm_rss_kib(srv.proc.pid)
    sel = selectors.DefaultSelector()
    clients = []
    for a in range(N_ADDR):
        for _ in range(N_SLOW // N_ADDR):
            c = Slow(srv.port, f"127.0.0.{2 + a}")
            clients.append(c)
            if not c.closed:
                sel.register(c.sock, selectors.EVENT_READ, c)
    t_open = time.monotonic()
    connected = sum(1 for c in clients if not c.error.startswith("connect"))
    check(connected == N_SLOW, f"A: {connected} of {N_SLOW} slow clients connected")

    probes = []
    for i in range(4):                       # probes at about 1.5, 3.5, 5.5, 7.5 s
        pump(clients, sel, t_open + 1.5 + 2 * i)
        ok, out = probe(srv)
        probes.append((ok, out))
        n_open = sum(1 for c in clients if c.open())
        check(ok, f"A: probe {i + 1} from 127.0.0.1 answered 200 within {PROBE_LIMIT:.0f} s "
                  f"while {n_open} slow clients are open ({out.kind}"
                  f"{', %.3f s' % out.elapsed if out.kind == 'answered' else ': ' + out.detail})")
        if i == 1:
            rss1 = rawhttp.vm_rss_kib(srv.proc.pid)
            check(n_open == N_SLOW, f"A: the server keeps all {N_SLOW} slow clients at "
                  f"{time.monotonic() - t_open:.1f} s (under both connection limits): {n_open} "
                  f"open, {sum(1 for c in clients if c.closed and c.response is None)} closed "
                  f"without an answer, {sum(1 for c in clients if c.response)} answered")
            if SANITIZE:
                print(f"note A: ASan build: RSS {rss0} -> {rss1} KiB not checked (quarantine "
                      "and shadow memory); LeakSanitizer at the stop instead", flush=True)
            elif rss0 and rss1:
                check(rss1 - rss0 < 32 * 1024, f"A: RSS bounded with {N_SLOW} slow clients: "
                      f"{rss0} -> {rss1} KiB (+{(rss1 - rss0) / 1024:.1f} MiB, limit +32 MiB)")
            else:
                check(False, f"A: RSS of the server readable ({rss0}, {rss1})")
    # head_timeout (10 s from the first byte) must end them all, bytes coming or not.
    last_first = max((c.t_first for c in clients if c.t_first), default=t_open)
    end = last_first + HEAD_TIMEOUT_DEFAULT + (4.0 if SANITIZE else 2.5)
    while time.monotonic() < end and any(c.open() for c in clients):
        pump(clients, sel, min(end, time.monotonic() + 0.5))
    got408 = [c for c in clients if is_408(c.response)]
    early = [c for c in got408 if c.t_answer - c.t_first < HEAD_TIMEOUT_DEFAULT - 0.5]
    still = [c for c in clients if c.open()]
    dropped = [c for c in clients if c.closed and c.response is None]
    other = [c for c in clients if c.response is not None and not is_408(c.response)]
    check(len(got408) == N_SLOW, f"A: every slow client answered 408 RequestTimeout (JSON) by "
          f"head_timeout 10 s + margin although its bytes kept coming: {len(got408)} 408, "
          f"{len(other)} other answers"
          f"{' (e.g. %d)' % other[0].response.status if other else ''}, {len(dropped)} closed "
          f"without an answer, {len(still)} still open")
    check(not early, f"A: no 408 before head_timeout ({len(early)} early)")
    sent = sorted(c.sent for c in clients)
    print(f"     A: bytes sent per slow client: min {sent[0]}, max {sent[-1]}", flush=True)
    for c in clients:
        c.close()
    sel.close()
    deadline = time.monotonic() + 5
    ok, out = probe(srv)
    while not ok and time.monotonic() < deadline:
        ok, out = probe(srv)
    check(ok, f"A: /api/health answers after the slow clients are gone ({out.kind} {out.detail})")
    stop(srv)


def scenario_b():
    print("-- B: --head_timeout 3, one client trickling a byte per second", flush=True)
    srv = start("slowloris-head-timeout", ["--head_timeout", "3"])
    if srv.port is None:
        print("     B: the server refused --head_timeout: the scenario cannot run", flush=True)
        return
    c = Slow(srv.port, "127.0.0.1")
    sel = selectors.DefaultSelector()
    sel.register(c.sock, selectors.EVENT_READ, c)
    end = time.monotonic() + (10 if SANITIZE else 8)
    while c.open() and time.monotonic() < end:
        now = time.monotonic()
        if now >= c.next_send and c.sent < len(SLOW_HEAD):
            try:
                c.sock.send(SLOW_HEAD[c.sent:c.sent + 1])
                c.t_first = c.t_first or now
                c.sent += 1
                c.next_send = now + 1.0
            except OSError as e:
                c.closed, c.error = True, f"send: {e}"
        for key, _ in sel.select(timeout=0.05):
            key.data.readable()
    took = (c.t_answer - c.t_first) if c.t_answer and c.t_first else None
    r = c.response
    check(is_408(r), f"B: answered 408 RequestTimeout JSON ({r.status if r else c.error or 'no answer'}"
                     f"{', code ' + str(rawhttp.error_code(r)) if r else ''})")
    check(took is not None and 3.0 - 0.3 <= took <= 6.0,
          f"B: the 408 came between 3 s and 6 s after the first byte ({took and round(took, 2)} s, "
          f"{c.sent} bytes sent)")
    check(r is not None and (r.header("connection") or "").lower() == "close",
          f"B: Connection: close on the 408 ({r.header('connection') if r else None})")
    if r is not None and not c.closed:
        c.sock.setblocking(True)
        c.closed = rawhttp.wait_closed(c.sock, 2.0)
    check(c.closed, "B: the server closed the connection")
    c.close()
    sel.close()
    stop(srv)


def scenario_c():
    print("-- C: --max_connections_per_ip 20", flush=True)
    srv = start("slowloris-per-ip", ["--max_connections_per_ip", "20"])
    if srv.port is None:
        print("     C: the server refused --max_connections_per_ip: the scenario cannot run",
              flush=True)
        return
    held = []
    for i in range(20):                   # keep-alive connections, each served once
        s = rawhttp.connect(srv.port, "127.0.0.12", timeout=3)
        s.sendall(HEALTH)
        rd = rawhttp.ResponseReader()
        resp, deadline = None, time.monotonic() + 3
        while resp is None and time.monotonic() < deadline:
            try:
                data = s.recv(65536)
            except OSError:
                break
            if not data:
                break
            resp = rd.feed(data)
        held.append(s)
        if not check(resp is not None and resp.status == 200,
                     f"C: keep-alive connection {i + 1} of 20 from 127.0.0.12 served"):
            break
    out = rawhttp.exchange(srv.port, HEALTH, timeout=3, src="127.0.0.12", check_close=True)
    r = out.response
    check(out.kind == "answered" and r.status == 503 and rawhttp.error_code(r) == "ServiceUnavailable"
          and not rawhttp.error_problems(r),
          f"C: the 21st connection from 127.0.0.12 answered 503 ServiceUnavailable JSON "
          f"({out.kind} {r.status if r else out.detail})")
    check(r is not None and r.header("retry-after") is not None,
          f"C: the 503 carries Retry-After ({r.header('retry-after') if r else None})")
    check(r is not None and r.closed_after, "C: the server closed that connection")
    ok, out = probe(srv, src="127.0.0.13")
    check(ok, f"C: a connection from 127.0.0.13 is served meanwhile ({out.kind} {out.detail})")
    held.pop().close()
    deadline = time.monotonic() + 3
    ok, out = probe(srv, src="127.0.0.12")
    while not ok and time.monotonic() < deadline:
        ok, out = probe(srv, src="127.0.0.12")
    check(ok, f"C: once one of the 20 is closed, 127.0.0.12 is served again ({out.kind} "
              f"{out.response.status if out.response else out.detail})")
    for s in held:
        s.close()
    stop(srv)


t0 = time.monotonic()
scenario_a()
scenario_b()
scenario_c()
print(f"slowloris: {time.monotonic() - t0:.1f} s")
finish()
