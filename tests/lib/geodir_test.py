"""geodir_test — what every Python integration test of geodir needs, written once.

- check(cond, what) / failures / finish(): the checks a test makes, printed one per line
  ("ok   ..." / "FAIL ..."), and the exit status they add up to.
- ApiServer: the real geodir-api on 127.0.0.1 port 0; the port is read back from the server's
  `listening on http://127.0.0.1:PORT` line; GEODIR_* variables of the caller's environment are
  dropped so that only the test's own settings apply; SIGTERM on stop, exit code returned.
- http_request(): one request on a fresh connection, headers lower-cased.

A test puts tests/lib on sys.path:
    sys.dont_write_bytecode = True   # no __pycache__ in the sources
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
    from geodir_test import ApiServer, check, finish
Standard library only.
"""
import http.client
import os
import signal
import subprocess
import sys
import time

failures = []


def check(cond, what):
    """Records one check; returns cond so that a caller can stop early on a failure."""
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def finish(label="check"):
    """Prints the summary and exits 1 when any check failed, 0 otherwise."""
    print(f"\n{'all' if not failures else len(failures)} {label}s "
          f"{'passed' if not failures else 'FAILED'}")
    for f in failures:
        print("  - " + f)
    sys.exit(1 if failures else 0)


def http_request(port, method, target, body=None, headers=None, chunked=False, timeout=60):
    """Returns (status, {lower-case header: value}, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, target, body=body, headers=headers or {}, encode_chunked=chunked)
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


class ApiServer:
    """geodir-api started with args (give "--port", "0"); stderr goes to log_path."""

    def __init__(self, api, args, log_path, env=None, name="server", start_timeout=15):
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "w")
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("GEODIR_")}
        full_env.update(env or {})
        self.proc = subprocess.Popen([api] + list(args), stdout=subprocess.PIPE,
                                     stderr=self.log, text=True, env=full_env)
        self.port = None
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if line.startswith("listening on http://127.0.0.1:"):
                self.port = int(line.strip().rsplit(":", 1)[1])
                break
        if not check(self.port is not None, f"{name}: server announced its port"):
            self.proc.kill()
            self.log.close()
            finish()
        self.base = f"http://127.0.0.1:{self.port}"

    def request(self, method, target, body=None, headers=None, chunked=False, timeout=60):
        return http_request(self.port, method, target, body, headers, chunked, timeout)

    def stop(self, timeout=20):
        """SIGTERM; returns the exit code, or a string when the server had to be killed."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = f"killed after {timeout} s"
        self.log.close()
        return code

    def stderr(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()
