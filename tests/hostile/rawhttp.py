"""rawhttp — HTTP/1.1 over raw sockets for the hostile tests, so that framing can be broken at will.

- build(): a request as bytes from its parts (method, target, version, headers, body), nothing
  checked, nothing added but what the caller asks for.
- exchange(): sends bytes on a fresh connection (optionally from a given loopback source
  address) and reads ONE response, with a deadline for the whole exchange. Returns an Outcome:
  `answered` with the parsed response, or `dropped` (closed or reset without a complete
  response) or `timeout` (no complete response before the deadline). Never waits forever.
- ResponseReader: the incremental parser behind exchange(), usable on any socket (keep-alive
  clients, slow clients).
- error_problems(): what is wrong with an error answer of the server against the specification
  (JSON body with `code` and `description`, Content-Type application/json, security headers).
- vm_rss_kib(): VmRSS of a process, from /proc/PID/status.
- command_line(), server_args(), sanitizer_verdict(): what the hostile tests share about their
  command line, the server they start and its stderr.
Standard library only.
"""
import json
import os
import socket
import time

# api_security_headers in geoapi/http/api_response.c: every answer carries them.
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "content-security-policy": None,   # present; its value is checked by tests/http
}


def build(method, target, version="HTTP/1.1", headers=(("Host", "127.0.0.1"),), body=b"",
          content_length=True):
    """method, target, version: str or bytes; headers: (name, value) pairs of str or bytes,
    or whole lines given as bytes (for broken ones); content_length: add Content-Length when
    there is a body."""
    def b(x):
        return x if isinstance(x, bytes) else x.encode("latin-1")
    out = [b(method) + b" " + b(target) + (b" " + b(version) if version else b"") + b"\r\n"]
    for h in headers:
        out.append(h if isinstance(h, bytes) else b(h[0]) + b": " + b(h[1]) + b"\r\n")
    if body and content_length:
        out.append(b"Content-Length: %d\r\n" % len(body))
    out.append(b"\r\n")
    return b"".join(out) + body


class Response:
    def __init__(self, version, status, reason, headers, body):
        self.version, self.status, self.reason = version, status, reason
        self.headers = headers            # [(lower-case name, value)]
        self.body = body
        self.closed_after = None          # True when the server closed the connection after it

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k == name:
                return v
        return None

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


class ResponseReader:
    """Feeds bytes, yields one complete response. head_only: the request was HEAD."""

    def __init__(self, head_only=False):
        self.buf = b""
        self.head_only = head_only
        self.response = None
        self.error = None

    def feed(self, data):
        """Returns the Response once complete, else None; self.error says why parsing stopped."""
        self.buf += data
        return self._parse(eof=False)

    def eof(self):
        return self._parse(eof=True)

    def _parse(self, eof):
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                if eof and self.buf:
                    self.error = "incomplete head"
                return None
            lines = self.buf[:end].decode("latin-1").split("\r\n")
            parts = lines[0].split(" ", 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
                self.error = f"bad status line {lines[0][:80]!r}"
                return None
            status = int(parts[1])
            headers = []
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers.append((k.strip().lower(), v.strip()))
            rest = self.buf[end + 4:]
            if 100 <= status < 200:          # 100 Continue and friends: the real one follows
                self.buf = rest
                continue
            resp = Response(parts[0], status, parts[2] if len(parts) > 2 else "", headers, b"")
            if self.head_only or status in (204, 304):
                resp.body = b""
                self.response = resp
                return resp
            te = (resp.header("transfer-encoding") or "").lower()
            cl = resp.header("content-length")
            if "chunked" in te:
                body, done = _dechunk(rest)
                if done is None:
                    if eof:
                        self.error = "incomplete chunked body"
                    return None
                resp.body = body
            elif cl is not None and cl.isdigit():
                if len(rest) < int(cl):
                    if eof:
                        self.error = f"body {len(rest)} of {cl} bytes"
                    return None
                resp.body = rest[:int(cl)]
            else:                            # delimited by the end of the connection
                if not eof:
                    return None
                resp.body = rest
            self.response = resp
            return resp


def _dechunk(data):
    """(body, end offset) of a complete chunked body, or (None, None)."""
    out, pos = [], 0
    while True:
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            return None, None
        size_txt = data[pos:eol].split(b";")[0].strip()
        try:
            size = int(size_txt, 16)
        except ValueError:
            return None, None
        pos = eol + 2
        if size == 0:
            trailer_end = data.find(b"\r\n", pos)
            while trailer_end > pos:                 # skip trailer fields
                pos = trailer_end + 2
                trailer_end = data.find(b"\r\n", pos)
            if trailer_end < 0:
                return None, None
            return b"".join(out), trailer_end + 2
        if len(data) < pos + size + 2:
            return None, None
        out.append(data[pos:pos + size])
        pos += size + 2


class Outcome:
    def __init__(self, kind, response=None, detail="", elapsed=0.0):
        self.kind = kind                  # "answered", "dropped", "timeout"
        self.response = response
        self.detail = detail
        self.elapsed = elapsed


def connect(port, src=None, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def exchange(port, data, head_only=False, timeout=5.0, src=None, check_close=False,
             close_wait=1.0):
    """Sends data on a fresh connection and reads one response within timeout seconds.
    check_close: after the response, wait up to close_wait s for the server to close
    (response.closed_after)."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    reader = ResponseReader(head_only)
    try:
        s = connect(port, src, timeout)
    except OSError as e:
        return Outcome("dropped", detail=f"connect: {e}")
    try:
        try:
            s.sendall(data)
        except OSError as e:
            # The server may answer and close before reading everything (413, 431): read on.
            detail = f"send: {e}"
        else:
            detail = ""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return Outcome("timeout", detail=f"no complete response in {timeout} s "
                               f"({len(reader.buf)} bytes received){' ' + detail if detail else ''}",
                               elapsed=time.monotonic() - t0)
            s.settimeout(left)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                continue
            except OSError as e:
                resp = reader.eof()
                if resp:
                    resp.closed_after = True
                    return Outcome("answered", resp, elapsed=time.monotonic() - t0)
                return Outcome("dropped", detail=f"recv: {e} after {len(reader.buf)} bytes",
                               elapsed=time.monotonic() - t0)
            if not chunk:
                resp = reader.eof()
                if resp:
                    resp.closed_after = True
                    return Outcome("answered", resp, elapsed=time.monotonic() - t0)
                return Outcome("dropped", detail="closed without a complete response "
                               f"({len(reader.buf)} bytes: {reader.buf[:60]!r})",
                               elapsed=time.monotonic() - t0)
            resp = reader.feed(chunk)
            if reader.error:
                return Outcome("dropped", detail=reader.error, elapsed=time.monotonic() - t0)
            if resp:
                elapsed = time.monotonic() - t0
                if check_close:
                    resp.closed_after = wait_closed(s, close_wait)
                return Outcome("answered", resp, elapsed=elapsed)
    finally:
        s.close()


def wait_closed(s, wait):
    """True when the peer closes s (EOF or reset) within wait seconds."""
    deadline = time.monotonic() + wait
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        s.settimeout(left)
        try:
            if not s.recv(65536):
                return True
        except socket.timeout:
            return False
        except OSError:
            return True


def error_problems(resp, head_only=False):
    """[] when resp is an error answer as the specification wants it, else what is wrong."""
    problems = []
    ct = resp.header("content-type") or ""
    if not ct.startswith("application/json"):
        problems.append(f"Content-Type {ct!r}")
    if not head_only:
        j = resp.json()
        if not isinstance(j, dict):
            problems.append(f"body not a JSON object: {resp.body[:80]!r}")
        else:
            if not isinstance(j.get("code"), str) or not j["code"]:
                problems.append("no `code` string")
            if not isinstance(j.get("description"), str) or not j["description"]:
                problems.append("no `description` string")
    problems += security_problems(resp)
    return problems


def security_problems(resp):
    out = []
    for name, value in SECURITY_HEADERS.items():
        got = resp.header(name)
        if got is None or (value is not None and got != value):
            out.append(f"{name}: {got!r}")
    return out


def error_code(resp):
    j = resp.json()
    return j.get("code") if isinstance(j, dict) else None


def vm_rss_kib(pid):
    """VmRSS of pid in KiB, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def sanitizer_lines(text):
    """Lines of a server's stderr that report a sanitizer finding."""
    keys = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer")
    return [line for line in text.splitlines() if any(k in line for k in keys)]


def sanitizer_verdict(text, where):
    """(ok, message) of the check that text, a server's stderr (where: how the message names
    it), holds no sanitizer report."""
    reports = sanitizer_lines(text)
    return not reports, (f"no sanitizer report in {where} ({len(reports)} lines"
                         f"{': ' + reports[0][:200] if reports else ''})")


def command_line(argv, n_paths):
    """The command line of a hostile test, `PATH... [--sanitize ON|OFF]`: its n_paths paths made
    absolute, then whether the server under test is a sanitizer build (GDIR_SANITIZE). The last
    path is the test's work folder: it is created."""
    paths = [os.path.abspath(a) for a in argv[1:1 + n_paths]]
    opts = argv[1 + n_paths:]
    sanitize = len(opts) > 1 and opts[0] == "--sanitize" and opts[1] in ("ON", "1", "TRUE")
    os.makedirs(paths[-1], exist_ok=True)
    return paths + [sanitize]


def server_args(db, src, extra=()):
    """geodir-api's options for a hostile test: any free port, the database db, the map of the
    source tree src, no access log; then extra."""
    return ["--port", "0", "--db", db, "--static_dir", os.path.join(src, "map-ui"),
            "--log_level", "warn"] + list(extra)
