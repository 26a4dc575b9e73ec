"""forms_client — what the online procedures' tests (forms_http, backoffice_http, backoffice_mail,
moderation) send: the CSRF cookie and token (GET /api/forms/csrf), multipart bodies as
docs/forms.md §1.3 describes them, and requests from a chosen loopback address (127.0.0.x) so
that per-address limits can be tested apart. Standard library only."""
import http.client
import json
import uuid

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a") + b"\x00\x00\x00\x0dIHDR" + b"\x00" * 17
EXE = b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode."


def request(port, method, target, body=None, headers=None, source="127.0.0.1", timeout=60):
    """(status, {lower-case header: value}, body bytes), from the loopback address source."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                      source_address=(source, 0))
    try:
        conn.request(method, target, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def csrf(port, source="127.0.0.1"):
    """(cookie value, token, Set-Cookie header) of a fresh GET /api/forms/csrf."""
    status, h, body = request(port, "GET", "/api/forms/csrf", source=source)
    assert status == 200, (status, body)
    cookie = h["set-cookie"].split(";", 1)[0].split("=", 1)[1]
    return cookie, json.loads(body)["token"], h["set-cookie"]


def multipart(values=None, files=(), data=None, extra=(), website=""):
    """(content type, body): part "data" ({"values": values, "website": website}, or the raw
    text data), then files as (field path, file name, bytes), then extra (name, bytes) parts."""
    boundary = "----geodir" + uuid.uuid4().hex
    out = []
    if data is None and values is not None:
        data = json.dumps({"values": values, "website": website})
    if data is not None:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="data"\r\n'
                   f'Content-Type: application/json\r\n\r\n'.encode() + data.encode() + b"\r\n")
    for path, name, content in files:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file:{path}"; '
                   f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                   .encode() + content + b"\r\n")
    for name, content in extra:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                   .encode() + content + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(out)


def post(port, target, cookie, token, ctype=None, body=b"", source="127.0.0.1"):
    headers = {}
    if cookie is not None:
        headers["Cookie"] = f"geodir_csrf={cookie}"
    if token is not None:
        headers["X-CSRF-Token"] = token
    if ctype:
        headers["Content-Type"] = ctype
    status, h, data = request(port, "POST", target, body, headers, source=source)
    try:
        return status, h, json.loads(data) if data else None
    except ValueError:
        return status, h, data


def submit(port, form, values, cookie, token, files=(), source="127.0.0.1"):
    ctype, body = multipart(values, files)
    return post(port, f"/api/forms/{form}/submissions", cookie, token, ctype, body, source)
