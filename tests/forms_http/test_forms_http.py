#!/usr/bin/env python3
"""The online procedures' HTTP API (docs/forms.md §2-3) on the real geodir-api over 127.0.0.1
port 0, with the definitions of tests/forms_http/forms/ and the http fixture directory:
forms list and definitions, CSRF (missing, forged: 403), submissions good and bad (400 lists
every field error and stores nothing; a renamed executable refused), the 201 after the commit,
the follow page with code and token, attachments (stored outside the static root, SHA-256
recorded and matching, another request's file unreachable), complement and withdraw and their
conflicts, wrong tokens (404, then 429 with Retry-After from that address only), the submission
rate and the body limit, the token never in the server's log, and a files folder inside the
static root refused at start.

usage: test_forms_http.py API DB SRC_DIR WORK_DIR
"""
import hashlib
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from geodir_test import check, finish, fresh_dir  # noqa: E402
from forms_client import EXE, PDF, PNG, csrf, multipart, post, request, submit  # noqa: E402
from forms_agent import ask_documents  # noqa: E402
from forms_fixture import forms_db, sql, start_server  # noqa: E402

API, DB, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:5])
FORMS = os.path.join(HERE, "forms")
fresh_dir(WORK)


def start(name, extra=(), work=None):
    work = work or os.path.join(WORK, name)
    return start_server(API, DB, SRC, FORMS, work, *extra, name=name), work


def rows(work, query, args=()):
    return sql(forms_db(work), query, args)


def count_requests(work):
    return rows(work, "SELECT count(*) FROM requests")[0][0]


def check_forms(port):
    s, _, b = request(port, "GET", "/api/forms")
    ids = sorted(f["id"] for f in json.loads(b)["forms"]) if s == 200 else []
    check(ids == ["essai", "locale"], f"GET /api/forms lists both forms ({ids})")
    s, _, b = request(port, "GET", "/api/forms?commune=55040")
    ids = [f["id"] for f in json.loads(b)["forms"]] if s == 200 else []
    check(ids == ["essai"], f"?commune=55040: only the form offered everywhere ({ids})")
    s, _, b = request(port, "GET", "/api/forms/essai")
    check(s == 200 and json.loads(b)["id"] == "essai", "GET /api/forms/essai: the definition")
    s, _, b = request(port, "GET", "/api/forms/nothere")
    check(s == 404 and json.loads(b)["code"] == "NotFound", "unknown form: 404 JSON")


def check_csrf(port, work):
    cookie, token, set_cookie = csrf(port)
    attrs = [a.strip() for a in set_cookie.split(";")]
    check({"HttpOnly", "SameSite=Strict", "Path=/"} <= set(attrs) and "Secure" not in attrs,
          f"Set-Cookie: HttpOnly, SameSite=Strict, Path=/, no Secure on loopback ({set_cookie})")
    check(len(cookie) == 22 and len(token) == 43, "cookie of 128 bits, token an HMAC-SHA256")
    again = request(port, "GET", "/api/forms/csrf", headers={"Cookie": f"geodir_csrf={cookie}"})
    check(json.loads(again[2])["token"] == token, "a second GET keeps the cookie and its token")
    before = count_requests(work)
    for what, ck, tk in (("no cookie, no token", None, None), ("no token", cookie, None),
                         ("forged token", cookie, "A" * 43), ("token of another cookie",
                          "B" * 22, token)):
        s, _, b = submit(port, "essai", {"nom": "Dupont"}, ck, tk)
        check(s == 403 and isinstance(b, dict) and b.get("code") == "Forbidden",
              f"CSRF {what}: 403 Forbidden JSON (got {s})")
    check(count_requests(work) == before, "nothing stored after the 403s")
    return cookie, token


def check_bad(port, work, ck, tk):
    files_before = len(os.listdir(os.path.join(work, "files")))
    s, _, b = submit(port, "essai", {"courriel": "pas-une-adresse", "age": 500,
                                     "pharmacie": "local:nothere"}, ck, tk)
    fields = sorted(e["field"] for e in b.get("errors", [])) if isinstance(b, dict) else []
    check(s == 400 and fields == ["age", "courriel", "nom", "pharmacie"],
          f"bad submission: 400 listing every field error ({s} {fields})")
    check(isinstance(b, dict) and b.get("error", "").startswith("Le formulaire contient 4"),
          f"400 body: the French summary ({b.get('error') if isinstance(b, dict) else b})")
    s, _, b = submit(port, "essai", {"nom": "Dupont"}, ck, tk, files=[("piece", "a.pdf", EXE)])
    fields = [e["field"] for e in b.get("errors", [])] if isinstance(b, dict) else []
    check(s == 400 and fields == ["piece"], f"a renamed executable: 400 on piece ({s} {fields})")
    ctype, body = multipart(files=[("piece", "a.pdf", PDF)])
    s, _, b = post(port, "/api/forms/essai/submissions", ck, tk, ctype, body)
    check(s == 400 and isinstance(b, dict) and b.get("parameter") == "data",
          f"no data part: 400 naming data ({s})")
    check(count_requests(work) == 0, "nothing stored after the 400s")
    check(len(os.listdir(os.path.join(work, "files"))) == files_before,
          "no attachment file left after the 400s")


def check_good(port, work, ck, tk):
    values = {"nom": "Dupont", "courriel": "jeanne@example.org", "age": 40,
              "pharmacie": "local:p01"}
    s, _, a = submit(port, "essai", values, ck, tk, files=[("piece", "justif.pdf", PDF)])
    ok = check(s == 201 and isinstance(a, dict) and len(a.get("code", "")) == 8 and
               a["code"].isalpha() and a["code"].isupper() and len(a.get("token", "")) == 22,
               f"good submission: 201 with an 8-letter code and a 22-character token ({s} {a})")
    if not ok:
        finish()
    check(a["follow"] == f"/suivi.html#{a['code']}/{a['token']}", f"follow link ({a['follow']})")
    row = rows(work, "SELECT token_hash, status, values_json, email, service, form_version "
                     "FROM requests WHERE code = ?", (a["code"],))
    check(len(row) == 1 and row[0][0] == hashlib.sha256(a["token"].encode()).digest() and
          row[0][1] == "deposee" and json.loads(row[0][2])["nom"] == "Dupont" and
          row[0][3] == "jeanne@example.org" and row[0][4] == "essais" and row[0][5] == 3,
          "stored: SHA-256 of the token, deposee, values, e-mail, service, version")
    dump = "\n".join(str(r) for t in ("requests", "events", "attachments")
                     for r in rows(work, f"SELECT * FROM {t}"))
    check(a["token"] not in dump, "the token itself is in no table of the request")
    out = rows(work, "SELECT to_addr, subject, body FROM outbox")
    check(len(out) == 1 and out[0][0] == "jeanne@example.org" and a["code"] in out[0][1] and
          "huit jours" in out[0][2], "the receipt e-mail is queued in the outbox")
    att = rows(work, "SELECT stored, sha256, size, type FROM attachments")
    path = os.path.join(work, "files", att[0][0]) if att else ""
    check(len(att) == 1 and att[0][1] == hashlib.sha256(PDF).hexdigest() and
          att[0][2] == len(PDF) and att[0][3] == "pdf" and os.path.isfile(path) and
          hashlib.sha256(open(path, "rb").read()).hexdigest() == att[0][1],
          "attachment: file in forms_files_dir, SHA-256 recorded and matching its bytes")
    static = os.path.realpath(os.path.join(SRC, "map-ui"))
    check(not os.path.realpath(path).startswith(static + os.sep), "outside the static root")
    s, _, _ = request(port, "GET", "/" + (att[0][0] if att else "x"))
    check(s == 404, "the stored file is not served by its name")
    return a


def check_follow(port, a, b):
    base = f"/api/requests/{a['code']}/{a['token']}"
    s, h, body = request(port, "GET", base)
    r = json.loads(body) if s == 200 else {}
    check(s == 200 and r.get("status") == "deposee" and r.get("can_withdraw") is True and
          len(r.get("history", [])) == 1 and r["form"]["title"].startswith("Démarche") and
          r["values"]["nom"] == "Dupont", f"follow with code and token: 200 deposee ({s})")
    check(h.get("cache-control") == "no-store", "the request is never cached")
    s, h, data = request(port, "GET", base + "/attachments/1")
    check(s == 200 and data == PDF and h.get("content-type") == "application/pdf" and
          "attachment" in h.get("content-disposition", ""), "attachment 1: the bytes, as a PDF")
    s, _, _ = request(port, "GET", base + "/attachments/2")
    check(s == 404, "attachment 2 of a request that has one: 404")
    s, _, _ = request(port, "GET", f"/api/requests/{b['code']}/{a['token']}/attachments/1")
    check(s == 404, "another request's attachment with this token: 404")
    s, _, data = request(port, "GET", f"/api/requests/{b['code']}/{b['token']}/attachments/1")
    check(s == 200 and data == PNG, "its own token opens it")


def check_complement(port, work, a, ck, tk):
    base = f"/api/requests/{a['code']}/{a['token']}"
    ctype, body = multipart(files=[("piece", "suite.png", PNG)], extra=[("message", b"Voici.")])
    s, _, r = post(port, base + "/complement", ck, tk, ctype, body)
    check(s == 409 and r.get("code") == "Conflict", f"complement while nothing is asked: 409 ({s})")
    asked = "Justificatif de domicile de moins de 3 mois, avant le 15/01/2027."
    # The test plays the agent of the back office (issue 13): tests/lib/forms_agent.py.
    check(ask_documents(os.path.join(work, "forms.sqlite"), a["code"], asked) ==
          "complement_demande", "the agent asks for documents")
    s, _, g = request(port, "GET", base)
    g = json.loads(g)
    check(g.get("status") == "complement_demande" and g.get("documents_requested") == asked and
          g.get("can_complement") is True and g.get("can_withdraw") is False,
          "the documents asked are shown")
    check([(e["status"], e["by"]) for e in g.get("history", [])][-2:] ==
          [("en_instruction", "agent"), ("complement_demande", "agent")] and
          [(m["from"], m["body"]) for m in g.get("messages", [])] == [("agent", asked)],
          "history and messages: the agent took it up, then asked")
    s, _, r = post(port, base + "/complement", ck, None, ctype, body)
    check(s == 403, "complement without the CSRF token: 403")
    s, _, r = post(port, base + "/complement", ck, tk, ctype, body)
    check(s == 200 and r.get("status") == "complement_recu" and len(r.get("attachments")) == 2
          and r["attachments"][1]["sha256"] == hashlib.sha256(PNG).hexdigest() and
          r["messages"][-1] == {"at": r["messages"][-1]["at"], "from": "resident", "body": "Voici."} and
          r.get("documents_requested") is None,
          f"complement: 200, complement_recu, file 2 ({s})")
    s, _, r = post(port, base + "/complement", ck, tk, ctype, body)
    check(s == 409, "a second complement: 409")


def check_withdraw(port, a, b, ck, tk):
    s, _, r = post(port, f"/api/requests/{a['code']}/{a['token']}/withdraw", ck, tk)
    check(s == 409, f"withdraw once in instruction (complement_recu): 409 ({s})")
    target = f"/api/requests/{b['code']}/{b['token']}/withdraw"
    s, _, r = post(port, target, None, None)
    check(s == 403, "withdraw without CSRF: 403")
    s, _, r = post(port, target, ck, tk)
    check(s == 200 and r.get("status") == "retiree" and r.get("closed_at"),
          f"withdraw while deposee: 200 retiree, closed ({s})")
    s, _, r = post(port, target, ck, tk)
    check(s == 409, "withdraw twice: 409")


def check_misses(port, a):
    other = "127.0.0.2"
    statuses = [request(port, "GET", f"/api/requests/{a['code']}/{'x' * 21}{i % 10}",
                        source=other)[0] for i in range(20)]
    check(statuses == [404] * 20, f"20 wrong tokens: 404 each ({set(statuses)})")
    s, h, b = request(port, "GET", f"/api/requests/{a['code']}/{'y' * 22}", source=other)
    check(s == 429 and int(h.get("retry-after", "0")) > 0 and
          json.loads(b)["code"] == "TooManyRequests", f"the 21st: 429 with Retry-After ({s})")
    s, _, _ = request(port, "GET", f"/api/requests/{a['code']}/{a['token']}", source=other)
    check(s == 429, "from that address even the right token waits")
    s, _, _ = request(port, "GET", f"/api/requests/{a['code']}/{a['token']}")
    check(s == 200, "another address is not throttled")


def check_log(srv, secrets, a):
    log = srv.stderr()
    check(not any(t in log for t in secrets), "no token in the server's log")
    check(f"/api/requests/{a['code']}/…" in log, "the access log writes /api/requests/CODE/…")


def check_limits():
    srv, work = start("limits", ["--forms_submit_rate", "2", "--max_form_body", "4096"])
    ck, tk, _ = csrf(srv.port)
    got = [submit(srv.port, "essai", {"nom": f"N{i}"}, ck, tk)[0] for i in range(3)]
    check(got[:2] == [201, 201] and got[2] == 429, f"submission rate 2/min: 201, 201, 429 {got}")
    s, _, _ = submit(srv.port, "essai", {"nom": "x"}, ck, tk, source="127.0.0.3")
    check(s == 201, "another address may still submit")
    s, _, b = submit(srv.port, "essai", {"nom": "x"}, ck, tk, files=[("piece", "g.pdf",
                     PDF + b"0" * 8000)], source="127.0.0.4")
    check(s == 413, f"a body beyond max_form_body: 413 ({s})")
    check(srv.stop() == 0, "limits server stopped cleanly")
    static = os.path.join(WORK, "static")
    os.makedirs(os.path.join(static, "files"), exist_ok=True)
    run = subprocess.run([API, "--port", "0", "--db", DB, "--static_dir", static,
                          "--forms_dir", FORMS, "--forms_db", os.path.join(WORK, "x.sqlite"),
                          "--forms_files_dir", os.path.join(static, "files")],
                         capture_output=True, text=True, timeout=60)
    check(run.returncode == 2 and "forms_files_dir" in run.stderr,
          f"forms_files_dir inside static_dir: refused, exit 2 ({run.returncode})")


def main():
    srv, work = start("main", ["--forms_submit_rate", "1000"])
    check_forms(srv.port)
    ck, tk = check_csrf(srv.port, work)
    check_bad(srv.port, work, ck, tk)
    a = check_good(srv.port, work, ck, tk)
    s, _, b = submit(srv.port, "essai", {"nom": "Martin"}, ck, tk,
                     files=[("piece", "photo.png", PNG)])
    check(s == 201, "a second request with a PNG: 201")
    check_follow(srv.port, a, b)
    check_complement(srv.port, work, a, ck, tk)
    check_withdraw(srv.port, a, b, ck, tk)
    check_misses(srv.port, a)
    check(srv.stop() == 0, "server stopped cleanly (exit 0)")
    check_log(srv, [a["token"], b["token"]], a)
    check_limits()
    finish()


main()
