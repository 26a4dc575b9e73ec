#!/usr/bin/env python3
"""packaging.nginx — the nginx example in front of two geodir-api on one database (docs/scaling.md).

packaging/nginx/geodir.conf, the very file the package installs, with only its ports,
certificate, cache folder and the upstream ports rewritten, its second upstream line
uncommented (each rewrite must match: the test fails when the example changes shape), is run by a real nginx on loopback ports with a
certificate made here by openssl. Behind it, two geodir-api processes serve the same directory
database and share one forms database. Checks:
- nginx -t accepts the example; port 80 redirects to https; TLS verified against the
  certificate; HTTP/2 negotiated (curl --http2);
- requests are served by both processes (their access logs), and a request filed on one is
  followed on the other (the shared forms database: WAL, each process's group-commit writer);
- caching: a public GET is MISS then HIT (one request reaches geodir-api), a conditional
  request gets 304, a request with a cookie is BYPASS, /api/health (no-store) is never HIT, the
  CSRF answer (Set-Cookie) and the back office are not cached;
- a re-import (a new territory name) swapped in: both processes serve the new generation
  (polled until 10 answers in a row of each are new), a bypassing request through nginx gets
  it, and the cached entry stays the previous one until its max-age (60 s) ends.

usage: test_nginx.py IMPORTER API SOURCE_DIR WORK_DIR
"""
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading

from pkg_common import check, finish, require_tools

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import (ApiServer, fresh_dir, poll_until, run_import,  # noqa: E402
                         run_program, write_config)
from forms_client import csrf, request as plain_request, submit  # noqa: E402

NEW_NAME = "Communauté de communes de l'Aire à l'Argonne (génération 2)"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rewrite(text, old, new):
    check(old in text, f"the example has {old!r} (rewritten for the test)")
    return text.replace(old, new)


def nginx_conf(src, work, ports, api_ports, cert, key):
    with open(os.path.join(src, "packaging", "nginx", "geodir.conf"), encoding="utf-8") as f:
        site = f.read()
    site = rewrite(site, "/var/cache/nginx/geodir", os.path.join(work, "cache"))
    site = rewrite(site, "server 127.0.0.1:8080 ", f"server 127.0.0.1:{api_ports[0]} ")
    site = rewrite(site, "# server 127.0.0.1:8081 ", f"server 127.0.0.1:{api_ports[1]} ")
    site = rewrite(site, "    listen 80;\n", f"    listen 127.0.0.1:{ports['http']};\n")
    site = rewrite(site, "    listen [::]:80;\n", "")
    site = rewrite(site, "    listen 443 ssl http2;\n",
                   f"    listen 127.0.0.1:{ports['https']} ssl http2;\n")
    site = rewrite(site, "    listen [::]:443 ssl http2;\n", "")
    site = rewrite(site, "/etc/letsencrypt/live/carte.example.fr/fullchain.pem", cert)
    site = rewrite(site, "/etc/letsencrypt/live/carte.example.fr/privkey.pem", key)
    with open(os.path.join(work, "geodir.conf"), "w", encoding="utf-8") as f:
        f.write(site)
    temp = os.path.join(work, "temp")
    main = f"""daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log info;
events {{ worker_connections 512; }}
http {{
    access_log {work}/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {work}/geodir.conf;
}}
"""
    path = os.path.join(work, "nginx.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write(main)
    return path


class Tls:
    """HTTPS requests to nginx, the certificate verified (host name localhost)."""

    def __init__(self, port, cert):
        self.port = port
        self.ctx = ssl.create_default_context(cafile=cert)

    def get(self, target, headers=None, method="GET"):
        conn = http.client.HTTPSConnection("localhost", self.port, context=self.ctx, timeout=30)
        try:
            conn.request(method, target, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()


def access_count(server, path):
    return len(re.findall(rf'comp=access method=\w+ path="{re.escape(path)}" ', server.stderr()))


def check_basics(nginx, curl, conf, ports, cert, tls):
    p = run_program([nginx, "-t", "-c", conf, "-e", os.path.join(os.path.dirname(conf),
                                                                   "error.log")], timeout=30)
    check(p.returncode == 0, f"nginx -t accepts the example ({p.err.strip()[-300:]})")
    st, h, _ = plain_request(ports["http"], "GET", "/api/health")
    check(st == 301 and h.get("location", "").startswith("https://"),
          f"http:// -> 301 to https:// (got {st} {h.get('location')})")
    p = run_program([curl, "-s", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                     "--http2", "--cacert", cert, f"https://localhost:{ports['https']}/api/health"],
                    timeout=30)
    check(p.out.strip() == "2 200", f"HTTP/2 over TLS, certificate verified by curl (got {p.out!r} "
                                    f"{p.err.strip()[:200]})")
    st, h, _ = tls.get("/api/health")
    check(st == 200 and "max-age" in h.get("strict-transport-security", ""),
          f"HTTPS /api/health -> 200 with Strict-Transport-Security (got {st})")
    st, _, body = tls.get("/metrics")
    check(st == 403 and b"geodir_" not in body,
          f"/metrics through nginx from a host other than the monitoring one -> 403 (got {st})")


def check_both_serve(tls, servers):
    before = [access_count(s, "/api/health") for s in servers]
    for _ in range(20):
        tls.get("/api/health")
    poll_until(lambda: all(access_count(s, "/api/health") > b for s, b in zip(servers, before)),
               10, "requests through nginx reach both geodir-api processes")
    spread = [access_count(s, "/api/health") - b for s, b in zip(servers, before)]
    print(f"     /api/health x20 through nginx: {spread} per process")
    check(sum(spread) == 20, f"/api/health (no-store) was never answered from the cache ({spread})")


def check_cache(tls, servers):
    count = lambda: sum(access_count(s, "/api/categories") for s in servers)  # noqa: E731
    st1, h1, b1 = tls.get("/api/categories")
    st2, h2, b2 = tls.get("/api/categories")
    check(st1 == 200 and h1.get("x-cache-status") == "MISS", f"first GET /api/categories: MISS "
          f"(got {st1} {h1.get('x-cache-status')})")
    check(st2 == 200 and h2.get("x-cache-status") == "HIT" and b1 == b2,
          f"second GET: HIT, same body (got {st2} {h2.get('x-cache-status')})")
    poll_until(lambda: count() >= 1, 10, "geodir-api answered the MISS")
    check(count() == 1, f"geodir-api answered /api/categories once (got {count()})")
    check("public" in h2.get("cache-control", "") and h2.get("etag"),
          f"the cached answer keeps Cache-Control and ETag ({h2.get('cache-control')}, "
          f"{h2.get('etag')})")
    st, h, _ = tls.get("/api/categories", {"If-None-Match": h2.get("etag", "")})
    check(st == 304, f"If-None-Match with the ETag -> 304 (got {st} {h.get('x-cache-status')})")
    st, h, _ = tls.get("/api/categories", {"Cookie": "geodir_csrf=abc"})
    check(st == 200 and h.get("x-cache-status") == "BYPASS",
          f"a request with a cookie: BYPASS (got {h.get('x-cache-status')})")
    # the access line is written once the answer is sent: polled
    poll_until(lambda: count() == 2, 10, "... answered by geodir-api (its access log)")
    st, h, _ = tls.get("/api/categories", {"Authorization": "Basic YTpi"})
    check(h.get("x-cache-status") == "BYPASS", f"with credentials: BYPASS ({h.get('x-cache-status')})")
    cookies = set()
    for _ in range(2):
        st, h, _ = tls.get("/api/forms/csrf")
        cookies.add(h.get("set-cookie"))
        check(st == 200 and h.get("x-cache-status", "") in ("", "-") and h.get("set-cookie"),
              f"/api/forms/csrf: not cached, Set-Cookie each time (got {st} "
              f"{h.get('x-cache-status')!r})")
    check(len(cookies) == 2, "two CSRF answers, two different cookies")
    for target in ("/bo/", "/bo/", "/api/bo/me"):
        st, h, _ = tls.get(target)
        check(h.get("x-cache-status", "") in ("", "-"),
              f"{target}: no cache (got {st} {h.get('x-cache-status')!r})")
    st, h, _ = tls.get("/api/territory")
    st, h, b = tls.get("/api/territory")
    check(h.get("x-cache-status") == "HIT", f"/api/territory cached ({h.get('x-cache-status')})")
    return json.loads(b)


def check_shared_forms(servers):
    """Submissions filed on both processes at once; each followed on the other process."""
    acked, lock = [], threading.Lock()
    tokens = [csrf(s.port)[:2] for s in servers]

    def client(i):
        s = i % 2
        for k in range(25):
            st, _, b = submit(servers[s].port, "essai", {"nom": f"n{i}-{k}", "age": k},
                              *tokens[s])
            with lock:
                acked.append((s, st, b))
    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [(s, b) for s, st, b in acked if st == 201]
    check(len(ok) == 100, f"100 submissions through both processes at once: {len(ok)} acknowledged")
    followed = 0
    for s, b in ok:
        other = servers[1 - s]
        st, _, _ = plain_request(other.port, "GET", f"/api/requests/{b['code']}/{b['token']}")
        followed += st == 200
    check(followed == len(ok), f"each one followed on the other process ({followed}/{len(ok)})")


def check_swap(importer, src, work, db, servers, tls, cached_territory):
    with open(os.path.join(src, "config", "aire-argonne.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    cfg["data_dir"] = os.path.join(src, "datasets", "samples")
    cfg["territory"]["name"] = NEW_NAME
    run_import(importer, write_config(work, cfg, "territory-2.json"), db,
               ["--quiet", "--no-exports"], what="second generation")

    def new_on(server):
        for _ in range(10):
            st, _, b = server.request("GET", "/api/territory")
            if st != 200 or json.loads(b).get("name") != NEW_NAME:
                return False
        return True
    for i, s in enumerate(servers):
        poll_until(lambda s=s: new_on(s), 15,
                   f"geodir-api #{i + 1} serves the new generation (10 answers in a row)")
    st, h, b = tls.get("/api/territory", {"Cookie": "x=1"})
    check(st == 200 and json.loads(b).get("name") == NEW_NAME,
          f"through nginx, a bypassing request gets the new generation ({h.get('x-cache-status')})")
    st, h, b = tls.get("/api/territory")
    check(h.get("x-cache-status") == "HIT" and json.loads(b) == cached_territory,
          f"the cached /api/territory is the previous generation until its max-age=60 ends "
          f"({h.get('x-cache-status')})")


def main():
    importer, api, src, work = sys.argv[1:5]
    nginx, openssl, curl = require_tools("nginx", "openssl", "curl")
    fresh_dir(work)
    for d in ("cache", "temp", "forms"):
        os.makedirs(os.path.join(work, d))
    shutil.copy(os.path.join(src, "tests", "forms_http", "forms", "essai.json"),
                os.path.join(work, "forms"))
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    p = run_program([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                     "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                     "-keyout", key, "-out", cert], timeout=30)
    if not check(p.returncode == 0, f"openssl made a self-signed certificate ({p.err[-200:]})"):
        finish()
    with open(os.path.join(src, "config", "aire-argonne.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    cfg["data_dir"] = os.path.join(src, "datasets", "samples")
    db = os.path.join(work, "geodir.sqlite")
    run_import(importer, write_config(work, cfg), db, ["--quiet", "--no-exports"])
    args = ["--db", db, "--static_dir", os.path.join(src, "map-ui"), "--port", "0",
            "--threads", "2", "--forms_dir", os.path.join(work, "forms"),
            "--forms_db", os.path.join(work, "forms.sqlite"),
            "--forms_files_dir", os.path.join(work, "forms-files"),
            "--forms_submit_rate", "0"]
    servers = [ApiServer(api, args, os.path.join(work, f"api{i}.log"), name=f"geodir-api #{i}")
               for i in (1, 2)]
    ports = {"http": free_port(), "https": free_port()}
    conf = nginx_conf(src, work, ports, [s.port for s in servers], cert, key)
    proc = subprocess.Popen([nginx, "-c", conf, "-e", os.path.join(work, "error.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        tls = Tls(ports["https"], cert)

        def up():
            try:
                return tls.get("/api/health")[0] == 200
            except OSError:
                return proc.poll() is not None   # exited: stop polling, checked below
        poll_until(up, 15, "nginx answers over TLS")
        if not check(proc.poll() is None, "nginx runs"):
            print(proc.stderr.read().decode(errors="replace")[-800:])
            finish()
        check_basics(nginx, curl, conf, ports, cert, tls)
        check_both_serve(tls, servers)
        cached = check_cache(tls, servers)
        check_shared_forms(servers)
        check_swap(importer, src, work, db, servers, tls, cached)
    finally:
        proc.terminate()
        check(proc.wait(timeout=20) == 0, "nginx stopped cleanly")
        for s in servers:
            check(s.stop() == 0, f"{s.name} stopped cleanly")
    finish()


if __name__ == "__main__":
    main()
