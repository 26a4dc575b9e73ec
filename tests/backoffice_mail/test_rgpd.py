#!/usr/bin/env python3
"""RGPD tools of the back office (docs/backoffice.md §8) with geodir-admin on a real forms
database and real attachment files, the requests filed through the real geodir-api:
  - purge --dry-run counts and changes nothing; purge deletes the requests closed longer ago
    than months_after_closure (their files unlinked, their history and e-mails gone) and leaves
    the others (closed recently, open) untouched, files included; the health fields of the
    requests filed before the last 1 September are emptied (values and files), the newer ones
    kept; a second purge finds nothing;
  - register lists the six forms of config/forms with their notice and data (Markdown);
  - requester export gives every request, event, message and attachment of one address
    (case-insensitive), nothing of another's; erase removes them with their files and e-mails,
    and nothing else;
  - over HTTP: a new request queues the receipt and one e-mail to the agent whose scope covers
    it (not the commune agent, not the administrator); GET /api/bo/outbox, /api/bo/register,
    /api/bo/requester and POST /api/bo/requester/erase answer an administrator (401 without a
    session, 403 for another agent, 400 naming email), and the address never reaches the log.

usage: test_rgpd.py API ADMIN DB SRC_DIR WORK_DIR
"""
import datetime
import json
import os
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from geodir_test import ApiServer, check, finish, fresh_dir  # noqa: E402
from forms_client import PDF, csrf, submit  # noqa: E402
from bo_client import Client, totp  # noqa: E402
from forms_fixture import add_agent, forms_db, run_admin, server_args, totp_secret  # noqa: E402
from forms_fixture import sql as forms_sql  # noqa: E402

API, ADMIN, DB, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:6])
fresh_dir(WORK)
FORMS = os.path.join(WORK, "forms")
FORMS_DB = forms_db(WORK)
FILES = os.path.join(WORK, "files")
DAY = 86400

# the server's test form, with health fields (one value, one file field)
os.makedirs(FORMS)
with open(os.path.join(SRC, "tests", "forms_http", "forms", "essai.json")) as f:
    essai = json.load(f)
essai["retention"]["health_fields"] = {"until": "end_of_school_year", "fields": ["age", "piece"]}
with open(os.path.join(FORMS, "essai.json"), "w") as f:
    json.dump(essai, f, ensure_ascii=False)


def sql(query, args=()):
    return forms_sql(FORMS_DB, query, args)


def admin(*args, env=None):
    return run_admin(ADMIN, None, *args, env=env)


def files_of(code):
    return [r[0] for r in sql("SELECT a.stored FROM attachments a JOIN requests r ON "
                              "r.id = a.request_id WHERE r.code = ?", (code,))]


def exists(name):
    return os.path.exists(os.path.join(FILES, name))


# --- file six requests through the server -----------------------------------------------------
srv = ApiServer(API, server_args(DB, SRC, FORMS, WORK), os.path.join(WORK, "server.log"),
                name="server")
cookie, token = csrf(srv.port)[:2]
codes = {}
for name, addr in (("old", "a@exemple.fr"), ("recent", "b@exemple.fr"), ("open", "c@exemple.fr"),
                   ("health", "d@exemple.fr"), ("new", "e@exemple.fr"),
                   ("mine2", "A@Exemple.fr")):
    s, _, b = submit(srv.port, "essai", {"nom": "Dupont", "courriel": addr, "age": 40}, cookie,
                     token, files=[("piece", "piece.pdf", PDF)])
    codes[name] = b["code"] if s == 201 else None
check(all(codes.values()), "six requests filed with a file each")
srv.stop()

now = int(time.time())
today = datetime.datetime.now(datetime.timezone.utc)
sept1 = datetime.datetime(today.year if today.month >= 9 else today.year - 1, 9, 1,
                          tzinfo=datetime.timezone.utc).timestamp()
sql("UPDATE requests SET status = 'acceptee', closed_at = ? WHERE code = ?",
    (now - 400 * DAY, codes["old"]))
sql("UPDATE requests SET status = 'refusee', closed_at = ? WHERE code = ?",
    (now - 300 * DAY, codes["recent"]))
sql("UPDATE requests SET created_at = ? WHERE code = ?", (int(sept1) - DAY, codes["health"]))
old_files = files_of(codes["old"])
kept = {k: files_of(codes[k]) for k in ("recent", "open", "new")}
health_files = files_of(codes["health"])
check(all(exists(n) for n in old_files + health_files) and len(old_files) == 1,
      "the attachment files are there")

env = {"GEODIR_FORMS_DIR": FORMS, "GEODIR_FORMS_FILES_DIR": FILES}
before = sql("SELECT count(*) FROM requests")[0][0]
p = admin("--forms-db", FORMS_DB, "purge", "--dry-run", env=env)
check(p.returncode == 0 and "1 demandes supprimées" in p.stdout and "1 dossiers" in p.stdout,
      f"purge --dry-run: counts ({p.stdout.strip()}{p.stderr.strip()})")
check(sql("SELECT count(*) FROM requests")[0][0] == before and all(map(exists, old_files)),
      "purge --dry-run: nothing deleted")

p = admin("--forms-db", FORMS_DB, "purge", env=env)
check(p.returncode == 0, f"purge: exit 0 ({p.stdout.strip()} {p.stderr.strip()})")
check(codes["old"] not in {r[0] for r in sql("SELECT code FROM requests")},
      "purge: the request closed 13 months ago is gone")
check(not any(map(exists, old_files)), "purge: its file unlinked")
check(sql("SELECT count(*) FROM events e LEFT JOIN requests r ON r.id = e.request_id "
          "WHERE r.id IS NULL")[0][0] == 0 and
      sql("SELECT count(*) FROM outbox WHERE to_addr = 'a@exemple.fr'")[0][0] == 0,
      "purge: its history and e-mails gone too")
check(all(all(map(exists, v)) and len(v) == 1 for v in kept.values()) and
      sql("SELECT count(*) FROM requests")[0][0] == before - 1,
      "purge: the request closed 10 months ago, the open ones and their files untouched")
vals = dict(sql("SELECT code, values_json FROM requests"))
check("age" not in json.loads(vals[codes["health"]]) and not any(map(exists, health_files))
      and not files_of(codes["health"]) and json.loads(vals[codes["health"]])["nom"] == "Dupont",
      "purge: health fields of a request filed before 1 September emptied (value and file)")
check(json.loads(vals[codes["new"]]).get("age") == 40 and files_of(codes["new"]),
      "purge: a request filed since 1 September keeps its health fields")
p = admin("--forms-db", FORMS_DB, "purge", env=env)
check(p.returncode == 0 and "0 demandes supprimées, 0 fichiers, 0 dossiers" in p.stdout,
      f"purge again: nothing more ({p.stdout.strip()})")
check("Dupont" not in p.stdout + p.stderr and "@" not in p.stdout + p.stderr,
      "purge: counts only on its output")

# --- the register -----------------------------------------------------------------------------
p = admin("register", "--forms-dir", os.path.join(SRC, "config", "forms"))
titles = [line[3:] for line in p.stdout.splitlines() if line.startswith("## ")]
check(p.returncode == 0 and len(titles) == 6, f"register: six forms ({titles})")
check("Inscription scolaire" in titles and "Périscolaire et restauration scolaire" in titles,
      "register: the forms' titles")
check(p.stdout.count("**Finalité**") == 6 and "Données de santé" in p.stdout and
      "### Données collectées" in p.stdout, "register: notice, health data and data collected")

# --- the requester's access and erasure --------------------------------------------------------
p = admin("--forms-db", FORMS_DB, "requester", "export", "a@EXEMPLE.fr", env=env)
doc = json.loads(p.stdout) if p.returncode == 0 else {}
reqs = doc.get("requests", [])
check([r["code"] for r in reqs] == [codes["mine2"]],
      f"export: the requests of that address, any case ({[r['code'] for r in reqs]})")
if reqs:
    r = reqs[0]
    check(r["values"]["nom"] == "Dupont" and r["events"] and r["events"][0]["to"] == "deposee"
          and r["attachments"][0]["name"] == "piece.pdf" and "messages" in r and r["emails"],
          "export: values, history, attachments (names), messages and e-mails")
mine = files_of(codes["mine2"])
p = admin("--forms-db", FORMS_DB, "requester", "erase", "a@exemple.fr", env=env)
check(p.returncode == 0 and "1 demandes, 1 fichiers" in p.stdout,
      f"erase: one request, one file ({p.stdout.strip()} {p.stderr.strip()})")
check(codes["mine2"] not in {r[0] for r in sql("SELECT code FROM requests")} and
      not any(map(exists, mine)), "erase: the request and its file are gone")
check(sql("SELECT count(*) FROM outbox WHERE lower(to_addr) = 'a@exemple.fr'")[0][0] == 0,
      "erase: the e-mails to that address are gone")
check(sql("SELECT count(*) FROM requests")[0][0] == before - 2 and all(map(exists, kept["open"])),
      "erase: nothing else touched")
p = admin("--forms-db", FORMS_DB, "requester", "erase", "pas-une-adresse", env=env)
check(p.returncode == 1 and "not an e-mail address" in p.stderr, "erase: a bad address refused")
p = admin("--forms-db", FORMS_DB, "requester", "export", env=env)
check(p.returncode == 2, "requester without an address: usage, exit 2")


# --- over HTTP: the agents told, the administrators' routes ------------------------------------
AGENT_PW = "Hibou-Casserole-Nuage-19"
add_agent(ADMIN, FORMS_DB, "cc.admin", AGENT_PW, "admin", email="admin@cc.example")
add_agent(ADMIN, FORMS_DB, "s.essai", AGENT_PW, "service", "--form", "essai",
          email="essais@cc.example")
add_agent(ADMIN, FORMS_DB, "m.durand", AGENT_PW, "commune", "--commune", "55040",
          email="mairie@55040.example")
uri = run_admin(ADMIN, FORMS_DB, "agent", "totp", "cc.admin").stdout
secret = totp_secret(uri)
srv = ApiServer(API, server_args(DB, SRC, FORMS, WORK), os.path.join(WORK, "server2.log"),
                name="server2")
cookie, token = csrf(srv.port)[:2]
s, _, b = submit(srv.port, "essai", {"nom": "Martin", "courriel": "z@exemple.fr"}, cookie, token)
rows = sql("SELECT o.to_addr, o.subject FROM outbox o JOIN requests r ON r.id = o.request_id "
           "WHERE r.code = ? ORDER BY o.id", (b["code"] if s == 201 else "",))
check([r[0] for r in rows] == ["z@exemple.fr", "essais@cc.example"] and
      rows[1][1] == f"Nouvelle demande : {essai['title']} ({b['code']})",
      f"a new request: the receipt and one e-mail to the service agent ({rows})")

check(Client(srv.port).call("GET", "/api/bo/outbox")[0] == 401, "outbox without a session: 401")
agent = Client(srv.port)
agent.login("s.essai", AGENT_PW)
check(agent.call("GET", "/api/bo/outbox")[0] == 403, "outbox for a service agent: 403")
check(agent.call("GET", "/api/bo/requester?email=z@exemple.fr")[0] == 403,
      "requester export for a service agent: 403")
c = Client(srv.port)
s, _, me = c.login("cc.admin", AGENT_PW, totp(secret, int(time.time()) // 30))
check(s == 200, f"the administrator logs in ({s})")
s, _, b = c.call("GET", "/api/bo/outbox")
box = b.get("outbox", []) if s == 200 else []
check(len(box) >= 2 and all("body" not in r for r in box) and
      {r["state"] for r in box} <= {"pending", "failing", "sent"} and
      box[0]["to"] == "essais@cc.example", f"GET /api/bo/outbox: the rows, no bodies ({s})")
s, _, b = c.call("GET", "/api/bo/outbox?state=pending&limit=1")
check(s == 200 and len(b["outbox"]) == 1 and b["outbox"][0]["state"] == "pending",
      "GET /api/bo/outbox?state=pending&limit=1")
s, _, b = c.call("GET", "/api/bo/outbox?state=lost")
check(s == 400 and b.get("parameter") == "state", "an unknown state: 400 naming state")
s, h, b = c.call("GET", "/api/bo/register")
check(s == 200 and h.get("content-type", "").startswith("text/markdown") and
      b"# Registre des activit" in (b if isinstance(b, bytes) else b""),
      f"GET /api/bo/register: Markdown ({s})")
s, _, b = c.call("GET", "/api/bo/requester?email=Z@exemple.fr")
check(s == 200 and len(b["requests"]) == 1 and b["requests"][0]["values"]["nom"] == "Martin",
      f"GET /api/bo/requester: that requester's request ({s})")
s, _, b = c.call("GET", "/api/bo/requester?email=pas-une-adresse")
check(s == 400 and b.get("parameter") == "email", "a bad address: 400 naming email")
s, _, b = c.call("POST", "/api/bo/requester/erase", {"email": "z@exemple.fr"}, token=False)
check(s == 403, f"erase without the session's CSRF token: 403 ({s})")
s, _, b = c.call("POST", "/api/bo/requester/erase", {"email": "z@exemple.fr"})
check(s == 200 and b == {"requests": 1, "files": 0}, f"POST /api/bo/requester/erase ({s} {b})")
check(sql("SELECT count(*) FROM requests WHERE email = 'z@exemple.fr'")[0][0] == 0 and
      sql("SELECT count(*) FROM audit WHERE action IN ('requester_export', "
          "'requester_erase')")[0][0] == 2, "erased, and audited")
check(srv.stop() == 0, "server2 stopped cleanly")
check("exemple.fr" not in srv.stderr(), "no requester's address in the server's log")
finish()
