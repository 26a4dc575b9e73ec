#!/usr/bin/env python3
"""The connection layer of geodir-api (geoapi/http/http_server.c) as a client meets it, over raw
sockets on 127.0.0.1: keep-alive and pipelining, HTTP/1.0, HEAD, 304 framing, request bodies
(Content-Length, chunked, Expect: 100-continue), streamed answers (chunked framing), files
(sendfile, exact length), idle keep-alive connections closed after `timeout`, a stalled head
answered 408 after `head_timeout` although bytes keep coming, the lingering close (a refused
request's answer is read whole even when the client keeps sending), and a graceful stop that
finishes the request in progress. The hostile side (corpus, slowloris, memory) is tests/hostile.

usage: test_connection.py GEODIR_API DB SOURCE_DIR WORK_DIR
"""
import contextlib
import json
import os
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import ApiServer, check, finish  # noqa: E402

API, DB, SRC, WORK = sys.argv[1:5]


@contextlib.contextmanager
def connection(port, timeout=10):
    """A connection to the server and a Reader of its answers; closed when the block ends."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        yield s, Reader(s)
    finally:
        s.close()


class Reader:
    """Reads HTTP/1.1 responses from a socket, one at a time (Content-Length or chunked)."""

    def __init__(self, sock):
        self.s, self.buf = sock, b""

    def _more(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError("connection closed")
        self.buf += d

    def _line(self):
        while b"\r\n" not in self.buf:
            self._more()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _take(self, n):
        while len(self.buf) < n:
            self._more()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self, head_only=False):
        status = int(self._line().split(b" ")[1])
        headers = {}
        while True:
            line = self._line()
            if not line:
                break
            k, v = line.split(b":", 1)
            headers[k.decode().lower()] = v.decode().strip()
        if head_only or status in (100, 204, 304):
            return status, headers, b""
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    return status, headers, body
                body += self._take(size)
                self._take(2)
        return status, headers, self._take(int(headers.get("content-length", "0")))

    def closed(self, within):
        """True when the server closes the connection within `within` seconds (poll-until)."""
        self.s.settimeout(0.2)
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            try:
                if not self.s.recv(65536):
                    return True
            except socket.timeout:
                continue
            except ConnectionResetError:
                return True
        return False


def get(path, extra=""):
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()


def test_keep_alive_and_pipelining(port):
    with connection(port) as (s, r):
        for i in range(50):
            s.sendall(get("/api/health"))
            st, h, body = r.response()
            if st != 200 or json.loads(body).get("status") != "ok" or "connection" in h:
                break
        check(i == 49 and st == 200, "keep-alive: 50 requests answered on one connection")
        s.sendall(get("/api/health") + get("/api/territory") + get("/api/nope")
                  + get("/api/categories"))
        got = [r.response()[0] for _ in range(4)]
        check(got == [200, 200, 404, 200],
              f"pipelining: 4 requests in one write, 4 answers in order ({got})")
        s.sendall(get("/api/health", "Connection: close\r\n"))
        st, h, _ = r.response()
        check(st == 200 and h.get("connection") == "close" and r.closed(5),
              "Connection: close is answered, then the connection closes")

    with connection(port) as (s, r):
        s.sendall(b"GET /api/health HTTP/1.0\r\n\r\n")
        st, h, _ = r.response()
        check(st == 200 and h.get("connection") == "close" and r.closed(5),
              "HTTP/1.0 without keep-alive: answered, then closed")


def test_head_and_304(port):
    with connection(port) as (s, r):
        s.sendall(get("/api/categories"))
        st, h, body = r.response()
        s.sendall(f"HEAD /api/categories HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        st2, h2, _ = r.response(head_only=True)
        check(st == st2 == 200 and h2.get("content-length") == str(len(body)),
              "HEAD: the GET's Content-Length, no body")
        s.sendall(get("/api/categories", f"If-None-Match: {h['etag']}\r\n"))
        st3, h3, _ = r.response()
        check(st3 == 304 and "content-length" not in h3 and "transfer-encoding" not in h3,
              "304: no body, no Content-Length")
        s.sendall(get("/api/health"))   # the framing held: the next answer parses
        check(r.response()[0] == 200, "the connection is usable after HEAD and 304")


def csv_upload(body_csv):
    boundary = "geodirboundary"
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"data\"; filename=\"a.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n{body_csv}\r\n--{boundary}--\r\n").encode(), boundary


def test_bodies(port):
    data, boundary = csv_upload("adresse\n1 rue de la Gare Beausite\n")
    head = (f"POST /api/search/csv/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n")
    with connection(port) as (s, r):
        s.sendall((head + f"Content-Length: {len(data)}\r\nExpect: 100-continue\r\n\r\n").encode())
        st100 = r.response()[0]
        s.sendall(data)
        st, h, body = r.response()
        check(st100 == 100 and st == 200 and h.get("connection") == "close" and b"adresse" in body,
              f"Expect: 100-continue: 100, then the upload's answer ({st100}, {st}), then close")

    with connection(port) as (s, r):
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(data[i:i + 7]), data[i:i + 7])
                          for i in range(0, len(data), 7)) + b"0\r\n\r\n"
        s.sendall((head + "Transfer-Encoding: chunked\r\n\r\n").encode())
        for i in range(0, len(chunks), 50):   # in pieces, as a slow client sends
            s.sendall(chunks[i:i + 50])
        st, h, body = r.response()
        check(st == 200 and b"adresse" in body, f"chunked upload in 50-byte pieces: 200 ({st})")

    with connection(port) as (s, r):
        s.sendall(get("/api/health", "Content-Length: 5\r\n") + b"hello")
        st, h, body = r.response()
        check(st == 413 and json.loads(body).get("code") == "PayloadTooLarge" and r.closed(5),
              "GET with a body: 413 JSON, connection closed")


def test_streams_and_files(port):
    with connection(port) as (s, r):
        s.sendall(get("/api/export?format=geojson"))
        st, h, body = r.response()
        doc = json.loads(body) if st == 200 else {}
        check(st == 200 and h.get("transfer-encoding") == "chunked" and
              doc.get("type") == "FeatureCollection" and len(doc.get("features", [])) > 0,
              f"a streamed export: chunked framing, a whole GeoJSON "
              f"({len(doc.get('features', []))} places)")
        s.sendall(get("/api/exports"))
        st, _, body = r.response()
        files = json.loads(body).get("exports", []) if st == 200 else []
        name = files[0]["name"] if files else None
        if check(name is not None, "the full exports are listed"):
            s.sendall(get(f"/data/{name}"))
            st, h, body = r.response()
            check(st == 200 and int(h.get("content-length", -1)) == len(body)
                  == files[0].get("size", len(body)),
                  f"/data/{name}: sent from its file, Content-Length exact ({len(body)} bytes)")
        s.sendall(get("/"))
        st, h, body = r.response()
        check(st == 200 and b"<html" in body.lower(), "a static file on the same connection")


def test_deadlines(api):
    srv = ApiServer(API, ["--port", "0", "--db", DB, "--static_dir", os.path.join(SRC, "map-ui"),
                          "--timeout", "1", "--head_timeout", "2"],
                    os.path.join(WORK, "connection-deadlines.stderr"), name="deadlines")
    with connection(srv.port) as (s, r):
        s.sendall(get("/api/health"))
        r.response()
        t0 = time.monotonic()
        check(r.closed(5), f"an idle keep-alive connection is closed after timeout "
                           f"({time.monotonic() - t0:.1f} s, timeout 1 s)")

    with connection(srv.port) as (s, _):
        t0 = time.monotonic()
        answer = b""
        s.settimeout(0.3)
        for ch in get("/api/health", "X-Slow: " + "a" * 40 + "\r\n"):
            try:
                s.send(bytes([ch]))
            except OSError:
                break
            try:
                d = s.recv(65536)
                answer += d
                if answer.endswith(b"}") or not d:
                    break
            except socket.timeout:
                pass
            if time.monotonic() - t0 > 8:
                break
        el = time.monotonic() - t0
        status = answer.split(b" ")[1] if answer.startswith(b"HTTP/1.1 ") else b""
        check(status == b"408" and b'"RequestTimeout"' in answer and 1.5 < el < 4.5,
              f"a head trickled byte by byte: 408 RequestTimeout after head_timeout although bytes "
              f"kept coming ({status!r} after {el:.1f} s)")

    # lingering close: a refused request's client keeps sending; it still reads the answer
    with connection(srv.port) as (s, r):
        s.sendall(get("/api/health", "Content-Length: 200000\r\n"))
        try:
            s.sendall(b"x" * 200000)
        except OSError:
            pass
        try:
            st, _, body = r.response()
        except (EOFError, ConnectionResetError) as e:
            st, body = str(e), b""
        check(st == 413 and b"PayloadTooLarge" in body,
              f"lingering close: the 413 is read whole although the client kept sending ({st})")

    # graceful stop: a request in progress is answered, the server exits 0
    with connection(srv.port) as (s, r):
        s.sendall(get("/api/export?format=csv"))
        try:
            while b"\r\n" not in r.buf:   # the answer has begun: the request is in progress
                r._more()
            code = srv.stop()
            st, _, body = r.response()
        except (EOFError, ConnectionResetError, socket.timeout):
            code, st, body = srv.stop(), None, b""
        check(code == 0, f"SIGTERM: exit status 0 ({code})")
        lines = body.count(b"\n")
        check(st == 200 and lines > 1,
              f"a request in progress at SIGTERM is answered whole ({st}, {lines} lines)")


def main():
    srv = ApiServer(API, ["--port", "0", "--db", DB, "--static_dir", os.path.join(SRC, "map-ui")],
                    os.path.join(WORK, "connection.stderr"), name="server")
    try:
        test_keep_alive_and_pipelining(srv.port)
        test_head_and_304(srv.port)
        test_bodies(srv.port)
        test_streams_and_files(srv.port)
    finally:
        srv.stop_clean("server: exit status 0")
    test_deadlines(API)
    finish()


if __name__ == "__main__":
    main()
