"""bo_client — what the back office's tests send: an agent's browser (its forms CSRF cookie,
its session cookie and CSRF token, its loopback address) and RFC 6238 codes for the TOTP of an
administrator. Standard library only (and forms_client, next to it)."""
import base64
import hmac
import json
import struct

from forms_client import csrf, request


def totp(secret, step):
    """RFC 6238 (SHA-1, 6 digits) of a base32 secret at a time step."""
    mac = hmac.new(base64.b32decode(secret), struct.pack(">Q", step), "sha1").digest()
    o = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


class Client:
    """One browser: its forms CSRF cookie, its session cookie and token, its address."""

    def __init__(self, port, source="127.0.0.1"):
        self.port, self.source = port, source
        self.fcookie, self.ftoken, _ = csrf(port, source)
        self.session, self.token = None, None

    def headers(self, token=True):
        cookies = [f"geodir_csrf={self.fcookie}"]
        if self.session:
            cookies.append(f"geodir_bo={self.session}")
        h = {"Cookie": "; ".join(cookies), "Content-Type": "application/json"}
        if token and self.token:
            h["X-CSRF-Token"] = self.token
        return h

    def call(self, method, path, body=None, token=True, headers=None):
        h = self.headers(token)
        h.update(headers or {})
        data = json.dumps(body).encode() if body is not None and method == "POST" else None
        s, hd, b = request(self.port, method, path, data, h, source=self.source)
        try:
            b = json.loads(b) if b else None
        except ValueError:
            pass
        return s, hd, b

    def login(self, login, password, code=None):
        body = {"login": login, "password": password}
        if code is not None:
            body["totp"] = code
        h = self.headers(False)
        h["X-CSRF-Token"] = self.ftoken
        s, hd, b = request(self.port, "POST", "/api/bo/login", json.dumps(body).encode(), h,
                           source=self.source)
        b = json.loads(b) if b else None
        if s == 200:
            self.set_cookie = hd.get("set-cookie", "")
            self.session = self.set_cookie.split(";", 1)[0].split("=", 1)[1]
            self.token = b["csrf"]
        return s, hd, b
