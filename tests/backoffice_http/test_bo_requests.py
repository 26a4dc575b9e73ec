#!/usr/bin/env python3
"""The back office's queue, request page, actions and exports (docs/backoffice.md §3-5) on the
real geodir-api over 127.0.0.1 port 0, with the definitions of tests/backoffice_http/forms/,
the http fixture directory and agents made by the real geodir-admin: two commune agents
(55040, 55017), two service agents (bac; inscription-scolaire) and an administrator (TOTP). Residents file requests
through the public API; then, across scopes: lists, counts and filters; pages, attachments,
exports and actions of another commune's request (404 on pages, 403 on actions, absent from
lists and exports); transitions allowed and refused (409), the motivation required, a
complement with its deadline that the resident sees and answers with a document; internal
comments never shown to the resident, messages shown; assignment; the certificate; saved
views; CSRF; an audit row for every action; the CSV (';', BOM, dd/mm/yyyy) and the XLSX
(openpyxl when installed, else unzip and XML) read back, with the columns of each role (the
form's fields, its health field and the internal comments, or not).

usage: test_bo_requests.py API ADMIN DB SRC_DIR WORK_DIR
"""
import csv
import datetime
import io
import json
import os
import sys
import time
import xml.etree.ElementTree as ET
import zipfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from geodir_test import ApiServer, check, finish, fresh_dir, paris_today  # noqa: E402
from forms_client import PDF, csrf, multipart, post, request, submit  # noqa: E402
from bo_client import totp  # noqa: E402
from forms_fixture import add_agent, forms_db, run_admin, server_args, sql, totp_secret  # noqa: E402

API, ADMIN, DB, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:6])
FORMS = os.path.join(HERE, "forms")
PASSWORD = "Quatre-Chevaux-Bleus-2026"
fresh_dir(WORK)
FORMS_DB = forms_db(WORK)


def make_agents():
    add_agent(ADMIN, FORMS_DB, "a.beausite", PASSWORD, "commune", "--commune", "55040",
              name="Anne Beausite", email="a@mairie-55040.fr")
    add_agent(ADMIN, FORMS_DB, "b.autre", PASSWORD, "commune", "--commune", "55017",
              name="Bruno Autre", email="b@mairie-55017.fr")
    add_agent(ADMIN, FORMS_DB, "s.dechets", PASSWORD, "service", "--form", "bac",
              name="Sam Déchets", email="s@cc.fr")
    add_agent(ADMIN, FORMS_DB, "s.ecoles", PASSWORD, "service", "--form", "inscription-scolaire",
              name="Sophie Écoles", email="ecoles@cc.fr")
    add_agent(ADMIN, FORMS_DB, "x.admin", PASSWORD, "admin", name="Xavier Admin",
              email="x@cc.fr")
    p = run_admin(ADMIN, FORMS_DB, "agent", "totp", "x.admin")
    check(p.returncode == 0, f"geodir-admin agent totp x.admin (exit {p.returncode}: "
                             f"{p.stderr.strip()[:200]})")
    return totp_secret(p.stdout)


class Agent:
    """A logged-in agent: its session cookie and CSRF token."""

    def __init__(self, port, login, code=None):
        self.port, self.login = port, login
        ck, tk, _ = csrf(port)
        body = {"login": login, "password": PASSWORD}
        if code:
            body["totp"] = code
        s, h, b = post(port, "/api/bo/login", ck, tk, "application/json",
                       json.dumps(body).encode())
        check(s == 200, f"{login} logs in ({s} {b})")
        self.cookie = h.get("set-cookie", "").split(";", 1)[0]
        self.csrf = b.get("csrf") if isinstance(b, dict) else None

    def get(self, path):
        return request(self.port, "GET", path, headers={"Cookie": self.cookie})

    def json(self, path):
        s, h, b = self.get(path)
        try:
            return s, json.loads(b)
        except ValueError:
            return s, b

    def post(self, path, doc, token=True):
        headers = {"Cookie": self.cookie, "Content-Type": "application/json"}
        if token:
            headers["X-CSRF-Token"] = self.csrf
        s, h, b = request(self.port, "POST", path, json.dumps(doc).encode(), headers)
        try:
            return s, json.loads(b)
        except ValueError:
            return s, b


def address(insee, label):
    return {"label": label, "housenumber": "1", "street": "Rue de l'Église", "postcode": "55250",
            "citycode": insee, "city": "Commune", "lon": 5.1, "lat": 48.95}


def file_requests(port):
    ck, tk, _ = csrf(port)
    kid = {"nom": "Martin", "prenoms": "Léa", "date_naissance": "2019-04-02", "niveau": "CP",
           "rentree": "rentree", "ecole": "local:p41"}
    out = {}
    s, _, a = submit(port, "inscription-scolaire",
                     {"rl1_nom": "Martin", "rl1_prenoms": "Claire",
                      "adresse": address("55040", "1 Rue de l'Église 55250 Beausite"),
                      "rl1_email": "claire@example.org",
                      "enfants": [dict(kid, allergies="Arachide")]}, ck, tk,
                     files=[("justificatif", "domicile.pdf", PDF)])
    check(s == 201, f"resident files an enrolment in 55040 ({s} {a})")
    out["mine"] = a
    s, _, a = submit(port, "inscription-scolaire",
                     {"rl1_nom": "Durand", "rl1_prenoms": "Paul",
                      "adresse": address("55017", "2 Rue Haute 55250 Autre"),
                      "enfants": [dict(kid, nom="Durand", prenoms="Tom", ecole="local:p03")]},
                     ck, tk)
    check(s == 201, f"resident files an enrolment in 55017 ({s} {a})")
    out["other"] = a
    s, _, a = submit(port, "bac", {"nom": "=Petit", "prenom": "Jean", "volume": "240"}, ck, tk)
    check(s == 201, f"resident files a bin request ({s} {a})")
    out["bac"] = a
    for k, v in out.items():
        v["id"] = sql(FORMS_DB, "SELECT id FROM requests WHERE code = ?", (v["code"],))[0][0]
    return out


def codes(doc):
    return sorted(r["code"] for r in doc.get("requests", [])) if isinstance(doc, dict) else []


def check_lists(port, ag, req):
    mine, other, bac = req["mine"]["code"], req["other"]["code"], req["bac"]["code"]
    s, _, _ = request(port, "GET", "/api/bo/requests")
    check(s == 401, f"the queue without a session: 401 ({s})")
    s, d = ag["a"].json("/api/bo/requests")
    check(s == 200 and codes(d) == [mine], f"55040's agent sees only its commune's request "
                                            f"({codes(d)})")
    check(d.get("counts") == {"deposee": 1}, f"counts per status ({d.get('counts')})")
    r = d["requests"][0] if d.get("requests") else {}
    check(r.get("requester") == "Martin Claire" and r.get("form_title") and
          r.get("status_label") == "Déposée", f"a queue row: requester, form, status ({r})")
    s, d = ag["b"].json("/api/bo/requests")
    check(codes(d) == [other], f"55017's agent sees only its own ({codes(d)})")
    s, d = ag["s"].json("/api/bo/requests")
    check(codes(d) == [bac], f"the service agent sees only its form's ({codes(d)})")
    s, d = ag["x"].json("/api/bo/requests")
    check(codes(d) == sorted([mine, other, bac]) and d.get("total") == 3,
          f"the administrator sees all three ({codes(d)})")
    for q, want in (("form=bac", [bac]), ("commune=55017", [other]), ("q=durand", [other]),
                    ("q=" + mine.lower(), [mine]), ("status=en_instruction", []),
                    ("from=2000-01-01&to=2000-01-02", []),
                    ("from=%s" % paris_today().isoformat(), sorted([mine, other, bac]))):
        s, d = ag["x"].json("/api/bo/requests?" + q)
        check(s == 200 and codes(d) == want, f"filter {q} ({s} {codes(d)})")
    s, d = ag["a"].json("/api/bo/requests?commune=55017")
    check(s == 200 and codes(d) == [], "a filter never widens the scope")
    for q, param in (("sort=nimporte", "sort"), ("form=inconnu", "form"), ("from=32/13/2026",
                     "from"), ("page=0", "page"), ("commune=abc", "commune")):
        s, d = ag["x"].json("/api/bo/requests?" + q)
        check(s == 400 and isinstance(d, dict) and d.get("parameter") == param,
              f"bad {param}: 400 naming it ({s} {d})")
    s, d = ag["x"].json("/api/bo/requests?sort=code&page=2")
    check(s == 200 and d.get("requests") == [] and d.get("page") == 2, "page 2 is empty")


def check_scope(ag, req):
    rid = req["mine"]["id"]
    for path in (f"/api/bo/requests/{rid}", f"/api/bo/requests/{rid}/attachments/1",
                 f"/api/bo/requests/{rid}/audit", f"/api/bo/requests/{rid}/certificate"):
        s, d = ag["b"].json(path)
        check(s == 404, f"another commune's agent: GET {path[len('/api/bo'):]} -> 404 ({s})")
    for action, doc in (("transition", {"to": "en_instruction"}), ("comment", {"text": "x"}),
                        ("assign", {"agent": "b.autre"})):
        s, d = ag["b"].post(f"/api/bo/requests/{rid}/{action}", doc)
        check(s == 403, f"another commune's agent: POST {action} -> 403 ({s})")
    s, d = ag["b"].post("/api/bo/requests/999999/transition", {"to": "en_instruction"})
    check(s == 403, f"an action on a request that does not exist: 403 too ({s})")
    s, d = ag["a"].json("/api/bo/requests/999999")
    check(s == 404, "a page of a request that does not exist: 404")


def check_page(ag, req):
    rid = req["mine"]["id"]
    s, d = ag["a"].json(f"/api/bo/requests/{rid}")
    ok = check(s == 200 and isinstance(d, dict), f"the request's page ({s})")
    if not ok:
        return
    labels = {f["label"]: f["value"] for f in d.get("fields", [])}
    check(labels.get("Nom") == "Martin" and labels.get("Enfant 1 — Niveau demandé") ==
          "Cours préparatoire (CP)" and labels.get("Enfant 1 — Date de naissance") ==
          "02/04/2019" and "École primaire n°41" in labels.get("Enfant 1 — École demandée", ""),
          f"fields as filed with the definition's labels ({labels})")
    atts = d.get("attachments", [])
    check(len(atts) == 1 and atts[0]["url"] == f"/api/bo/requests/{rid}/attachments/1",
          f"attachments listed with their URL ({atts})")
    moves = sorted(m["to"] for m in d.get("moves", []))
    check(moves == ["en_instruction", "refusee", "sans_suite"], f"moves from deposee ({moves})")
    s, h, b = ag["a"].get(f"/api/bo/requests/{rid}/attachments/1")
    check(s == 200 and b == PDF and h.get("content-type") == "application/pdf",
          "the attachment downloads with a session and the right role")
    s, _, _ = request(ag["a"].port, "GET", f"/api/bo/requests/{rid}/attachments/1")
    check(s == 401, "the attachment without a session: 401")


def check_workflow(port, ag, req):
    rid, code, token = req["mine"]["id"], req["mine"]["code"], req["mine"]["token"]
    a = ag["a"]
    s, d = a.post(f"/api/bo/requests/{rid}/transition", {"to": "en_instruction"}, token=False)
    check(s == 403, f"a POST without the session's CSRF token: 403 ({s})")
    s, d = a.post(f"/api/bo/requests/{rid}/transition", {"to": "acceptee"})
    check(s == 409, f"deposee -> acceptee is not a move: 409 ({s} {d})")
    s, d = a.post(f"/api/bo/requests/{rid}/transition", {"to": "livree"})
    check(s == 400 and d.get("parameter") == "to", f"an unknown status: 400 on to ({s})")
    s, d = a.post(f"/api/bo/requests/{rid}/transition", {"to": "refusee", "motivation": "  "})
    check(s == 400 and d.get("parameter") == "motivation",
          f"refusee without a motivation: 400 on motivation ({s} {d})")
    s, d = a.post(f"/api/bo/requests/{rid}/transition", {"to": "en_instruction"})
    check(s == 200 and d.get("status") == "en_instruction", f"deposee -> en_instruction ({s})")
    s, d = a.post(f"/api/bo/requests/{rid}/transition", {"to": "complement_demande",
                                                         "deadline": "2099-01-01"})
    check(s == 400 and d.get("parameter") == "documents", f"a complement without documents ({s})")
    yesterday = (paris_today() - datetime.timedelta(days=1)).isoformat()
    s, d = a.post(f"/api/bo/requests/{rid}/transition", {"to": "complement_demande",
                                                         "documents": "Livret de famille",
                                                         "deadline": yesterday})
    check(s == 400 and d.get("parameter") == "deadline", f"a deadline in the past ({s})")
    deadline = (paris_today() + datetime.timedelta(days=15))
    s, d = a.post(f"/api/bo/requests/{rid}/transition", {"to": "complement_demande",
                                                         "documents": "Livret de famille",
                                                         "deadline": deadline.isoformat()})
    check(s == 200 and d.get("status") == "complement_demande", f"complement asked ({s} {d})")
    mails = sql(FORMS_DB, "SELECT body FROM outbox WHERE request_id = ? AND to_addr = ?",
                (rid, "claire@example.org"))
    check(any("Livret de famille" in m[0] and deadline.strftime("%d/%m/%Y") in m[0]
              for m in mails), f"the complement's e-mail to the resident is queued ({len(mails)})")
    s, _, b = request(port, "GET", f"/api/requests/{code}/{token}")
    r = json.loads(b) if s == 200 else {}
    check(r.get("status") == "complement_demande" and "Livret de famille" in
          (r.get("documents_requested") or "") and deadline.strftime("%d/%m/%Y") in
          (r.get("documents_requested") or ""),
          f"the resident sees the documents asked and the deadline ({r.get('documents_requested')})")
    ck, tk, _ = csrf(port)
    ctype, body = multipart(files=[("complement", "livret.pdf", PDF)],
                            extra=[("message", "Voici le livret.".encode())])
    s, _, b = post(port, f"/api/requests/{code}/{token}/complement", ck, tk, ctype, body)
    check(s == 200 and b.get("status") == "complement_recu",
          f"the resident answers with a document ({s} {b})")
    s, d = a.json(f"/api/bo/requests/{rid}")
    check(len(d.get("attachments", [])) == 2, "the agent sees the new document")
    return rid


def check_comments(port, ag, req, rid):
    a, code, token = ag["a"], req["mine"]["code"], req["mine"]["token"]
    s, d = a.post(f"/api/bo/requests/{rid}/comment", {"text": "Note interne : vérifier"})
    check(s == 200 and any(c.get("text") == "Note interne : vérifier"
                           for c in d.get("comments", [])), f"internal comment ({s})")
    s, d = a.post(f"/api/bo/requests/{rid}/comment", {"text": "Bien reçu, merci.",
                                                      "internal": False})
    check(s == 200 and any(m.get("body") == "Bien reçu, merci." for m in d.get("messages", [])),
          f"message to the resident ({s})")
    s, d = a.post(f"/api/bo/requests/{rid}/comment", {"text": ""})
    check(s == 400 and d.get("parameter") == "text", "an empty comment: 400 on text")
    s, _, b = request(port, "GET", f"/api/requests/{code}/{token}")
    check(b"Note interne" not in b and "Bien reçu, merci.".encode() in b,
          "the resident sees the message, never the internal comment")
    s, d = a.post(f"/api/bo/requests/{rid}/assign", {"agent": "b.autre"})
    check(s == 400 and d.get("parameter") == "agent", f"assign to an agent out of scope ({s})")
    s, d = a.post(f"/api/bo/requests/{rid}/assign", {"agent": "a.beausite"})
    check(s == 200 and (d.get("assignee") or {}).get("login") == "a.beausite", f"assigned ({s})")
    s, d = ag["x"].json("/api/bo/requests?q=martin")
    check(d.get("requests") and d["requests"][0].get("assignee") == "a.beausite",
          "the queue shows the assignee")


def check_decision(port, ag, req, rid):
    a, code, token = ag["a"], req["mine"]["code"], req["mine"]["token"]
    s, _, b = a.get(f"/api/bo/requests/{rid}/certificate")
    check(s == 409, f"no certificate before acceptee: 409 ({s})")
    s, d = a.post(f"/api/bo/requests/{rid}/transition", {"to": "acceptee"})
    check(s == 200 and d.get("status") == "acceptee" and d.get("certificate") is True,
          f"complement_recu -> acceptee ({s})")
    closed = sql(FORMS_DB, "SELECT closed_at FROM requests WHERE id = ?", (rid,))[0][0]
    check(closed is not None, "closed_at set on a terminal status")
    s, _, b = request(port, "GET", f"/api/requests/{code}/{token}")
    check(s == 200 and json.loads(b).get("status") == "acceptee", "the resident sees the decision")
    s, h, b = a.get(f"/api/bo/requests/{rid}/certificate")
    text = b.decode("utf-8", "replace")
    check(s == 200 and h.get("content-type", "").startswith("text/html") and
          "École primaire n°41" in text and "Léa" in text and "certificate.css" in text,
          f"the certificate names the child and the school chosen ({s})")
    s, _, _ = ag["s"].get(f"/api/bo/requests/{req['bac']['id']}/certificate")
    check(s == 409, f"no certificate for another form ({s})")
    s, d = a.post(f"/api/bo/requests/{rid}/transition", {"to": "en_instruction"})
    check(s == 200 and d.get("status") == "en_instruction", "a terminal status reopens")
    s, d = a.post(f"/api/bo/requests/{rid}/transition", {"to": "sans_suite",
                                                         "motivation": "Déménagement"})
    check(s == 200 and d.get("status") == "sans_suite", "sans_suite with its motivation")
    bid = req["bac"]["id"]
    s, d = ag["s"].post(f"/api/bo/requests/{bid}/transition", {"to": "en_instruction"})
    s, d = ag["s"].post(f"/api/bo/requests/{bid}/transition", {"to": "livraison_planifiee"})
    check(s == 200 and d.get("status_label") == "Livraison planifiée",
          f"a form's own status after en_instruction ({s} {d})")
    closed = sql(FORMS_DB, "SELECT closed_at FROM requests WHERE id = ?", (bid,))[0][0]
    check(closed is None, f"a form's own status that is not final leaves the request open ({closed})")
    s, d = ag["s"].post(f"/api/bo/requests/{bid}/transition", {"to": "livree"})
    check(s == 200 and d.get("status_label") == "Livré", f"livraison_planifiee -> livree ({s} {d})")
    closed = sql(FORMS_DB, "SELECT closed_at FROM requests WHERE id = ?", (bid,))[0][0]
    check(isinstance(closed, int) and closed > 0,
          f"a status declared final closes the request: retention counts from it ({closed})")
    check([m.get("to") for m in d.get("moves", [])] == ["en_instruction"],
          f"from a final status the only move is reopening ({d.get('moves')})")
    s, d = ag["s"].post(f"/api/bo/requests/{bid}/transition", {"to": "acceptee"})
    check(s == 409, f"livree (final) -> acceptee is not a move: 409 ({s})")
    s, d = ag["s"].post(f"/api/bo/requests/{bid}/transition", {"to": "en_instruction"})
    closed = sql(FORMS_DB, "SELECT closed_at FROM requests WHERE id = ?", (bid,))[0][0]
    check(s == 200 and closed is None, f"reopening a final status clears the closure ({s} {closed})")


def check_audit(ag, rid):
    s, d = ag["a"].json(f"/api/bo/requests/{rid}/audit")
    rows = d.get("audit", []) if isinstance(d, dict) else []
    actions = [r["action"] for r in rows]
    for want in ("view", "download", "transition", "comment", "message", "assign",
                 "certificate"):
        check(want in actions, f"audit row for {want}")
    moves = [(r["from"], r["to"]) for r in rows if r["action"] == "transition"]
    check(("complement_recu", "acceptee") in moves and ("deposee", "en_instruction") in moves,
          f"transitions audited with from and to ({moves})")
    why = [r.get("motivation") for r in rows if r["action"] == "transition" and
           r["to"] == "sans_suite"]
    check(why == ["Déménagement"], f"the motivation in the audit ({why})")
    check(all(r["actor"] == "a.beausite" and r.get("peer") == "127.0.0.1" for r in rows
              if r["action"] != "login"), "who and from where")
    s, h, b = ag["a"].get(f"/api/bo/requests/{rid}/audit.csv")
    check(s == 200 and b.startswith(b"\xef\xbb\xbf"), "audit CSV with a BOM")
    lines = list(csv.reader(io.StringIO(b.decode("utf-8-sig")), delimiter=";"))
    check(len(lines) == len(rows) + 1 and lines[0][0] == "Date et heure" and
          lines[1][0].startswith(paris_today().strftime("%d/%m/%Y")), f"audit CSV rows ({len(lines)})")


def check_exports(ag, req):
    mine, other = req["mine"]["code"], req["other"]["code"]
    s, h, b = ag["x"].get("/api/bo/requests.csv?sort=code")
    check(s == 200 and h.get("content-type", "").startswith("text/csv") and
          b.startswith(b"\xef\xbb\xbf"), f"CSV export: text/csv with a BOM ({s})")
    rows = list(csv.reader(io.StringIO(b.decode("utf-8-sig")), delimiter=";"))
    check(rows and rows[0][0] == "Numéro de suivi" and len(rows) == 4,
          f"CSV: header and three rows ({len(rows)})")
    today = paris_today().strftime("%d/%m/%Y")
    check(all(r[7] == today for r in rows[1:]), "CSV dates dd/mm/yyyy")
    check(any(r[5] == "'=Petit Jean" for r in rows[1:]),
          "a name a spreadsheet would take for a formula is written as text")
    s, h, b = ag["b"].get("/api/bo/requests.csv")
    text = b.decode("utf-8-sig")
    check(s == 200 and other in text and mine not in text,
          "another commune's agent's export holds only its own requests")
    s, h, b = ag["x"].get("/api/bo/requests.xlsx?form=inscription-scolaire")
    check(s == 200 and b[:2] == b"PK", f"XLSX export is a zip ({s})")
    cells = xlsx_cells(b)
    check(any("Numéro de suivi" in r for r in cells) and any(mine in r for r in cells) and
          any(other in r for r in cells) and len(cells) == 3, f"XLSX rows ({cells[:3]})")


def export_rows(agent, path):
    """An export read back as rows of cells (CSV or XLSX by the path)."""
    s, _, b = agent.get(path)
    if s != 200:
        return s, []
    if ".xlsx" in path:
        return s, xlsx_cells(b)
    return s, list(csv.reader(io.StringIO(b.decode("utf-8-sig")), delimiter=";"))


def check_export_columns(ag, req):
    """Only the columns the agent's role may see (docs/backoffice.md §3), in CSV and XLSX."""
    mine, allergy = req["mine"]["code"], "Enfants à inscrire — Allergies"
    kid_name, notes = "Enfants à inscrire — Nom de l'enfant", "Commentaires internes"
    q = "form=inscription-scolaire&sort=code"
    for ext in ("csv", "xlsx"):
        s, rows = export_rows(ag["x"], f"/api/bo/requests.{ext}?{q}")
        head = rows[0] if rows else []
        row = next((r for r in rows if mine in r), [])
        check(s == 200 and {notes, kid_name, allergy} <= set(head) and "Arachide" in row and
              any("a.beausite : Note interne : vérifier" in c for c in row),
              f"{ext}: the administrator's export has the comments, the fields and the health "
              f"field ({head[9:]})")
        s, rows = export_rows(ag["e"], f"/api/bo/requests.{ext}?{q}")
        head = rows[0] if rows else []
        check(s == 200 and kid_name in head and allergy not in head and notes not in head and
              len(rows) == 3 and not any("Arachide" in c or "Note interne" in c
                                         for r in rows for c in r),
              f"{ext}: a service agent's export has the form's fields, neither its health "
              f"field nor the internal comments ({head[9:]})")
        s, rows = export_rows(ag["s"], f"/api/bo/requests.{ext}?{q}")
        # (an XLSX without rows comes back without its header row: GDAL's writer)
        check(s == 200 and len(rows) <= 1 and all(len(r) == 9 for r in rows) and
              (ext == "xlsx" or rows),
              f"{ext}: a form outside a service agent's forms: no field column, no row "
              f"({s} {rows[:1]})")
    s, rows = export_rows(ag["a"], f"/api/bo/requests.csv?{q}")
    head, row = (rows[0], rows[1]) if len(rows) == 2 else ([], [])
    at = {h: i for i, h in enumerate(head)}
    check(s == 200 and allergy in at and row[at[allergy]] == "Arachide" and
          row[at[kid_name]] == "Martin" and row[at[notes]] == "a.beausite : Note interne : vérifier"
          and row[at["Enfants à inscrire — Niveau demandé"]] == "Cours préparatoire (CP)",
          f"csv: a commune agent's export, each value in its column ({row})")
    s, rows = export_rows(ag["s"], "/api/bo/requests.csv?form=bac")
    check(s == 200 and len(rows) == 2 and rows[0][9:] == ["Nom", "Prénom", "Volume"] and
          rows[1][9:] == ["'=Petit", "Jean", "240 litres"],
          f"csv: the service agent's own form, its fields ({rows})")
    s, rows = export_rows(ag["a"], "/api/bo/requests.csv")
    check(s == 200 and rows and rows[0][9:] == [notes],
          f"without a form filter: no field column ({rows[:1]})")


def xlsx_cells(data):
    try:
        import openpyxl  # noqa: F401 (optional)
        wb = openpyxl.load_workbook(io.BytesIO(data))
        return [[str(c) if c is not None else "" for c in row]
                for row in wb.active.iter_rows(values_only=True)]
    except ImportError:
        pass
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        shared = []
        if "xl/sharedStrings.xml" in z.namelist():
            root = ET.fromstring(z.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t"))
                      for si in root.findall("m:si", ns)]
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    out = []
    for row in sheet.iter(f"{{{ns['m']}}}row"):
        vals = []
        for c in row.findall("m:c", ns):
            v = c.find("m:v", ns)
            is_ = c.find("m:is", ns)
            if c.get("t") == "s" and v is not None:
                vals.append(shared[int(v.text)])
            elif is_ is not None:
                vals.append("".join(t.text or "" for t in is_.iter(f"{{{ns['m']}}}t")))
            else:
                vals.append(v.text if v is not None else "")
        out.append(vals)
    return out


def check_views(ag):
    s, d = ag["a"].post("/api/bo/views", {"name": "À instruire",
                                          "query": "status=en_instruction&sort=created"})
    check(s == 200 and d.get("views") == [{"name": "À instruire",
                                           "query": "status=en_instruction&sort=created"}],
          f"a saved view ({s} {d})")
    s, d = ag["b"].json("/api/bo/views")
    check(s == 200 and d.get("views") == [], "views are per agent")
    s, d = ag["a"].post("/api/bo/views", {"name": "À instruire", "query": None})
    check(s == 200 and d.get("views") == [], "a view deleted")
    s, d = ag["a"].post("/api/bo/views", {"name": "x", "other": 1})
    check(s == 400, "an unknown member: 400")


def main():
    secret = make_agents()
    srv = ApiServer(API, server_args(DB, SRC, FORMS, WORK), os.path.join(WORK, "server.log"),
                    name="bo")
    try:
        port = srv.port
        req = file_requests(port)
        ag = {k: Agent(port, login) for k, login in (("a", "a.beausite"), ("b", "b.autre"),
                                                     ("s", "s.dechets"))}
        ag["x"] = Agent(port, "x.admin", totp(secret, int(time.time()) // 30))
        ag["e"] = Agent(port, "s.ecoles")
        check_lists(port, ag, req)
        check_scope(ag, req)
        check_page(ag, req)
        rid = check_workflow(port, ag, req)
        check_comments(port, ag, req, rid)
        check_decision(port, ag, req, rid)
        check_audit(ag, rid)
        check_exports(ag, req)
        check_export_columns(ag, req)
        check_views(ag)
    finally:
        srv.stop_clean("the server exits cleanly on SIGTERM")
    log = open(os.path.join(WORK, "server.log"), encoding="utf-8", errors="replace").read()
    check("Sanitizer" not in log, "no sanitizer report in the server's log")
    check("Martin" not in log and "Livret de famille" not in log,
          "no field value or motivation in the server's log")
    finish()


main()
