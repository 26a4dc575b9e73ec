#!/usr/bin/env python3
"""moderation.http — moderation of contributions on the real geodir-api, geodir-import and
geodir-admin (docs/backoffice.md §7). The project's sample territory (config/aire-argonne.json
with an empty overrides file) is imported; the server serves it with the five forms of
config/forms and importer_config / importer_command set.

A resident files « Proposer un lieu » (CSRF, multipart); another commune's agent gets 403;
the place's commune agent accepts it with a corrected value; /api/places?q= finds the new place
(polled, no sleep) with « contribution validée par la commune de … », the territory's licence
and the overrides source; the overrides file holds the entry with who validated it and when;
the audit has the decision and the refresh's outcome. A refused contribution changes neither
the file nor the served database. A « Signaler une erreur » accepted with a new phone number
corrects the place. A forwarded report leaves the commune agent's scope (403). Without a
session: 401; without the CSRF token: 403; bad bodies: 400 naming the field.

usage: test_moderation_http.py API IMPORTER ADMIN SRC_DIR WORK_DIR
"""
import hashlib
import json
import os
import sys
import urllib.parse

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from geodir_test import (ApiServer, check, finish, fresh_dir, import_sample_territory,  # noqa: E402
                         poll_until)
from bo_client import Client  # noqa: E402
from forms_client import csrf, request, submit  # noqa: E402
from forms_fixture import add_agent, forms_db, server_args  # noqa: E402
from forms_fixture import sql as forms_sql  # noqa: E402

API, IMPORTER, ADMIN, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:6])
FDB = forms_db(WORK)
DB = os.path.join(WORK, "geodir.sqlite")
OVERRIDES = os.path.join(WORK, "corrections.json")
PASSWORDS = {"agent.beausite": "Mirabelle-Lavoir-Clocher-42",
             "agent.vaubecourt": "Tilleul-Fontaine-Grange-73"}


def prepare():
    """The sample territory with an overrides file, imported."""
    fresh_dir(WORK)
    with open(OVERRIDES, "w", encoding="utf-8") as f:
        f.write('{"description": "Corrections validées dans le back-office"}\n')
    return import_sample_territory(IMPORTER, SRC, WORK, DB, overrides="corrections.json")


class Agent(Client):
    """An agent's session (tests/lib/bo_client.py), logged in."""

    def __init__(self, port, login):
        super().__init__(port)
        s, _, b = self.login(login, PASSWORDS[login])
        check(s == 200, f"{login} logs in ({s} {str(b)[:200]})")

    def post(self, path, body, token=True, session=True):
        alone = None if session else {"Cookie": f"geodir_csrf={self.fcookie}"}
        s, _, b = self.call("POST", path, body, token=token, headers=alone)
        return s, b

    def decide(self, request_id, body, token=True, session=True):
        return self.post(f"/api/bo/requests/{request_id}/contribution", body, token, session)


def file_request(port, form, values):
    """A resident files form; returns the request's id (read from the forms database)."""
    cookie, token, _ = csrf(port)
    s, _, b = submit(port, form, values, cookie, token)
    if not check(s == 201 and isinstance(b, dict) and b.get("code"),
                 f"a resident files « {form} » ({s} {str(b)[:300]})"):
        finish()
    return sql("SELECT id FROM requests WHERE code = ?", (b["code"],))[0][0]


def sql(query, args=()):
    return forms_sql(FDB, query, args)


def search(port, text):
    s, _, b = request(port, "GET", "/api/places?" + urllib.parse.urlencode({"q": text}))
    return json.loads(b)["features"] if s == 200 else []


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def refreshed(request_id):
    rows = sql("SELECT to_status FROM audit WHERE action = 'directory_refresh'"
               " AND request_id = ?", (request_id,))
    return rows[-1][0] if rows else None


def main():
    config = prepare()
    srv = ApiServer(API, server_args(DB, SRC, os.path.join(SRC, "config", "forms"), WORK,
                                     "--importer_config", config, "--importer_command", IMPORTER),
                    os.path.join(WORK, "server.log"))
    port = srv.port
    for login, commune in (("agent.beausite", "55040"), ("agent.vaubecourt", "55532")):
        add_agent(ADMIN, FDB, login, PASSWORDS[login], "commune", "--commune", commune)
    beausite, vaubecourt = Agent(port, "agent.beausite"), Agent(port, "agent.vaubecourt")

    proposal = {"nom": "Fromagerie Moderatix", "categorie": "food-shop",
                "adresse": {"label": "3 Rue de l'Église 55250 Beausite", "housenumber": "3",
                            "street": "Rue de l'Église", "postcode": "55250",
                            "citycode": "55040", "city": "Beausite", "lon": 5.2158,
                            "lat": 48.9702},
                "telephone": "03 29 70 00 01", "description": "Fromages de la ferme.",
                "email": "resident@example.org"}
    rid = file_request(port, "proposer-lieu", proposal)
    check(sql("SELECT commune FROM requests WHERE id = ?", (rid,))[0][0] == "55040",
          "the proposal is routed to the commune of its address (55040)")

    # Out of scope, no session, no token, bad bodies.
    s, b = vaubecourt.decide(rid, {"decision": "accept"})
    check(s == 403, f"another commune's agent: 403 ({s} {b})")
    s, b = beausite.decide(rid, {"decision": "accept"}, session=False)
    check(s == 401, f"without a session: 401 ({s})")
    s, b = beausite.decide(rid, {"decision": "accept"}, token=False)
    check(s == 403, f"without the session's CSRF token: 403 ({s})")
    for body, field in (({"decision": "publish"}, "decision"), ({"decision": "accept",
                        "values": {"category": "nope"}}, "values.category"),
                        ({"decision": "accept", "values": {"colour": "red"}}, "values"),
                        ({"decision": "accept", "values": {"lat": 10.0, "lon": 5.0}}, "values.lat"),
                        ({"decision": "refuse"}, "motivation"), ({"verdict": 1}, "body")):
        s, b = beausite.decide(rid, body)
        check(s == 400 and field in json.dumps(b, ensure_ascii=False),
              f"bad body {json.dumps(body)[:60]}: 400 naming {field} ({s} {str(b)[:160]})")
    check(sql("SELECT status FROM requests WHERE id = ?", (rid,))[0][0] == "deposee",
          "the refused bodies changed nothing")

    # Accepting a contribution is its decision, never a bare status change.
    s, b = beausite.post(f"/api/bo/requests/{rid}/transition", {"to": "en_instruction"})
    check(s == 200, f"the contribution taken in instruction ({s} {b})")
    moves = [m.get("to") for m in (b or {}).get("moves", [])]
    check("acceptee" not in moves and "refusee" in moves,
          f"the request page does not offer « Acceptée » as a status change ({moves})")
    s, b = beausite.post(f"/api/bo/requests/{rid}/transition", {"to": "acceptee"})
    check(s == 409 and "décision" in json.dumps(b, ensure_ascii=False),
          f"a bare transition to acceptee: 409 pointing to the decision ({s} {b})")

    # Accepted with a corrected value: published, with its provenance.
    s, b = beausite.decide(rid, {"decision": "accept",
                                 "values": {"opening_hours": "Tu-Sa 08:00-12:30"}})
    place = (b or {}).get("override", {}).get("place")
    check(s == 200 and b.get("status") == "acceptee" and place == f"overrides:contribution-{rid}"
          and b["override"]["kind"] == "add", f"accepted: 200, an add override ({s} {b})")
    found = poll_until(lambda: [f for f in search(port, "Fromagerie Moderatix")
                                if f["id"] == place], 60,
                       "the new place is found by /api/places?q= after the refresh")
    p = found[0]["properties"] if found else {}
    check(p.get("contribution") == "contribution validée par la commune de Beausite"
          and p.get("licence") == "etalab-2.0" and p.get("source") == "overrides"
          and p.get("opening_hours") == "Tu-Sa 08:00-12:30" and p.get("phone") == "03 29 70 00 01"
          and p.get("contribution_date") and p.get("insee") == "55040",
          f"its provenance, licence and values (got {p})")
    with open(OVERRIDES, encoding="utf-8") as f:
        ovr = json.load(f)
    entry = next((e for e in ovr.get("add", []) if e.get("id") == f"contribution-{rid}"), {})
    v = entry.get("validated", {})
    check(v.get("by") == "agent.beausite" and v.get("commune") == "55040"
          and v.get("request") == rid and v.get("at", "").endswith("Z")
          and "email" not in entry and ovr.get("description"),
          f"the overrides file: the entry with who validated it and when, no resident data, "
          f"its other members kept (got {entry})")
    check(poll_until(lambda: refreshed(rid), 60, "the refresh's outcome is audited") == "ok"
          and sql("SELECT count(*) FROM audit WHERE action = 'contribution_accept'"
                  " AND request_id = ? AND actor = 'agent.beausite'", (rid,))[0][0] == 1,
          "audit: the decision and the refresh (ok)")
    s, b = beausite.decide(rid, {"decision": "accept"})
    check(s == 409, f"deciding it again: 409 ({s})")

    # Refused: nothing changes.
    rid2 = file_request(port, "proposer-lieu", dict(proposal, nom="Épicerie Refusatix"))
    before_file, before_db = sha(OVERRIDES), os.stat(DB).st_ino
    s, b = beausite.decide(rid2, {"decision": "refuse", "motivation": "Ce commerce n'existe pas."})
    check(s == 200 and b.get("status") == "refusee", f"refused with a motivation: 200 ({s} {b})")
    check(sha(OVERRIDES) == before_file and os.stat(DB).st_ino == before_db
          and not search(port, "Refusatix") and refreshed(rid2) is None,
          "a refused contribution changes neither the overrides file nor the directory")
    ev = sql("SELECT message FROM events WHERE request_id = ? AND to_status = 'refusee'", (rid2,))
    check(ev and ev[0][0] == "Ce commerce n'existe pas.", "the motivation is in the history")

    # « Signaler une erreur »: a new phone number for a place of Beausite.
    s, _, b = request(port, "GET", "/api/places?commune=55040&limit=1")
    target = json.loads(b)["features"][0]["id"] if s == 200 else ""
    rid3 = file_request(port, "signaler-erreur", {"lieu": target, "probleme": "contact",
                                                  "correction": "Le téléphone est 03 29 70 99 99."})
    s, b = beausite.decide(rid3, {"decision": "accept", "values": {"phone": "03 29 70 99 99"}})
    check(s == 200 and b.get("override", {}).get("kind") == "fix", f"a report accepted: a fix ({s} {b})")

    def fixed():
        s, _, body = request(port, "GET", "/api/places/" + urllib.parse.quote(target, safe=""))
        pr = json.loads(body)["properties"] if s == 200 else {}
        return pr if pr.get("phone") == "03 29 70 99 99" else None
    pr = poll_until(fixed, 60, "the corrected place is served") or {}
    check(pr.get("contribution") == "contribution validée par la commune de Beausite",
          f"the corrected place shows the validation (got {pr.get('contribution')})")

    # Forwarded to the CC: out of the commune agent's scope.
    rid4 = file_request(port, "signaler-erreur", {"lieu": target, "probleme": "autre",
                                                  "correction": "Je ne sais pas."})
    s, b = beausite.decide(rid4, {"decision": "forward", "motivation": "Relève de la CC."})
    check(s == 200, f"forwarded: 200 ({s} {b})")
    s, b = beausite.decide(rid4, {"decision": "refuse", "motivation": "x"})
    check(s == 403 and sql("SELECT commune, service FROM requests WHERE id = ?", (rid4,))[0]
          == (None, "cc"), f"after the forward: only the CC's administrators see it ({s})")
    srv.stop_clean("server stopped cleanly")
    log = srv.stderr()
    check("resident@example.org" not in log and "Moderatix" not in log,
          "no personal data nor field value in the server's log")
    finish()


main()
