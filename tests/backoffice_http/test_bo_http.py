#!/usr/bin/env python3
"""The back office's accounts and sessions (docs/backoffice.md §1-2) on the real geodir-api
(127.0.0.1, port 0) and the real geodir-admin over one forms database: every /api/bo/ route
without a session answers 401 with WWW-Authenticate; the login needs the forms CSRF token and
every other POST the session's (403); one message for every wrong login; a new session id at
each login and the previous one refused (no fixation); 5 failures for one account and 20 for
one address answer 429 with Retry-After; a session idle for 30 minutes or older than 12 hours
is refused (its times are written back in the database: no sleep); logout and logout-all; TOTP
required for administrators (RFC 6238 codes computed here); the administrators' agents routes
(403 for others); geodir-admin add/list/disable/enable/reset/totp and its exit codes; the
audit log refuses UPDATE and DELETE.

usage: test_bo_http.py API ADMIN DB SRC_DIR WORK_DIR
"""
import os
import sqlite3
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from geodir_test import ApiServer, check, finish, fresh_dir  # noqa: E402
from forms_client import request  # noqa: E402
from bo_client import Client, totp  # noqa: E402
from forms_fixture import add_agent, forms_db, run_admin, server_args, sql, totp_secret  # noqa: E402

API, ADMIN, DB, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:6])
FORMS = os.path.join(SRC, "tests", "forms_http", "forms")
FDB = forms_db(WORK)
PW = {"cc.admin": "Vanille-Tracteur-Orage-81", "m.durand": "Girafe-Parapluie-Violon-27",
      "s.bac": "Citrouille-Manege-Etoile-63"}
fresh_dir(WORK)


def admin(*args, password=None):
    """geodir-admin --forms-db FDB args: (exit code, stdout, stderr)."""
    p = run_admin(ADMIN, FDB, *args, stdin=password)
    return p.returncode, p.stdout, p.stderr


def db(query, args=()):
    return sql(FDB, query, args)


def setup_agents():
    rc, out, _ = admin("--help")
    check(rc == 0 and "Argon2id" in out and "256 MiB" in out, "geodir-admin --help states the "
          "Argon2id parameters")
    add_agent(ADMIN, FDB, "cc.admin", PW["cc.admin"], "admin", name="Claire Admin",
              email="admin@cc.fr")
    rc, uri, _ = admin("agent", "totp", "cc.admin")
    secret = totp_secret(uri)
    check(rc == 0 and uri.startswith("otpauth://totp/geodir:cc.admin?") and len(secret) == 32,
          "agent totp prints an otpauth:// URI with a 160-bit secret")
    add_agent(ADMIN, FDB, "m.durand", PW["m.durand"], "commune", "--commune", "55040",
              name="Marie Durand", email="m.durand@mairie.fr")
    add_agent(ADMIN, FDB, "s.bac", PW["s.bac"], "service", "--form", "essai",
              name="Service Bacs", email="bacs@cc.fr")
    for what, args, pw, want in (
            ("a login taken", ["--login", "m.durand", "--role", "commune", "--commune", "55040"],
             "Autre-Chose-Solide-55", 5),
            ("a short password", ["--login", "x.court", "--role", "admin"], "Court-1", 3),
            ("a common password", ["--login", "x.commun", "--role", "admin"], "password1234", 3),
            ("a commune agent without commune", ["--login", "x.vide", "--role", "commune"],
             "Autre-Chose-Solide-55", 3)):
        rc, _, err = admin("agent", "add", "--name", "X", "--email", "x@y.fr", *args,
                           "--password-stdin", password=pw + "\n")
        check(rc == want and err.startswith("geodir-admin: "), f"agent add refuses {what}: "
              f"exit {want} with a message ({rc}: {err.strip()[:90]})")
    rc, _, _ = admin("agent", "disable", "nobody")
    check(rc == 4, f"agent disable of an unknown login: exit 4 ({rc})")
    rc, out, _ = admin("agent", "list")
    lines = out.splitlines()
    check(rc == 0 and len(lines) == 4 and lines[1].startswith("cc.admin\tadmin\t") and
          "\ttotp\tactive" in lines[1] and "55040" in lines[2],
          f"agent list: a header and the three agents ({lines[1:]})")
    return secret


def check_no_session(port):
    c = Client(port)
    for method, path in (("GET", "/api/bo/me"), ("GET", "/api/bo/agents"),
                         ("POST", "/api/bo/logout"), ("POST", "/api/bo/logout-all"),
                         ("POST", "/api/bo/agents")):
        s, h, b = c.call(method, path, {})
        check(s == 401 and b.get("code") == "Unauthorized" and
              h.get("www-authenticate", "").startswith("Cookie realm=\"geodir-bo\""),
              f"{method} {path} without a session: 401 with WWW-Authenticate ({s})")
    c.session = "A" * 43
    s, _, _ = c.call("GET", "/api/bo/me")
    check(s == 401, f"an unknown session cookie: 401 ({s})")
    s, _, b = request(port, "POST", "/api/bo/login", b'{"login":"m.durand","password":"x"}',
                      {"Content-Type": "application/json"})
    check(s == 403, f"login without the forms CSRF token: 403 ({s})")


def check_login(port):
    c = Client(port)
    s, _, wrong = c.login("m.durand", "Mauvais-Mot-De-Passe-1")
    s2, _, unknown = c.login("personne", "Mauvais-Mot-De-Passe-1")
    check(s == 401 and s2 == 401 and wrong["description"] == unknown["description"],
          f"wrong password and unknown login: the same 401 ({wrong.get('description')})")
    s, h, b = c.call("POST", "/api/bo/login", {"login": "m.durand", "password": 3},
                     headers={"X-CSRF-Token": c.ftoken})
    check(s == 400 and b.get("parameter") == "password", f"a bad body: 400 naming password ({s})")
    s, h, me = c.login("m.durand", PW["m.durand"])
    attrs = [a.strip() for a in c.set_cookie.split(";")]
    check(s == 200 and me["role"] == "commune" and me["communes"] == ["55040"] and
          len(me["csrf"]) == 43, f"login: 200 with the agent and a CSRF token ({s})")
    check(attrs[0].startswith("geodir_bo=") and {"HttpOnly", "SameSite=Strict", "Path=/"} <=
          set(attrs) and "Secure" not in attrs and len(c.session) == 43,
          f"the session cookie: HttpOnly, SameSite=Strict, Path=/ ({c.set_cookie})")
    rows = db("SELECT hex(id_hash) FROM sessions")
    check(all(c.session not in r[0] for r in rows), "the database holds hashes, not the cookie")
    s, _, b = c.call("GET", "/api/bo/me")
    check(s == 200 and b["login"] == "m.durand" and b["csrf"] == c.token, "GET /api/bo/me")
    for what, tok in (("without", None), ("with a wrong", "B" * 43)):
        s, _, b = c.call("POST", "/api/bo/logout", {}, token=False,
                         headers={"X-CSRF-Token": tok} if tok else {})
        check(s == 403 and b.get("parameter") == "X-CSRF-Token",
              f"POST {what} X-CSRF-Token: 403 ({s})")
    for method in ("GET", "POST"):
        s, _, _ = c.call(method, "/api/bo/agents", {"action": "disable", "login": "s.bac"})
        check(s == 403, f"{method} /api/bo/agents as a commune agent: 403 ({s})")
    s, _, _ = c.call("POST", "/api/bo/agents", {"action": "reset", "login": "s.bac",
                                                "password": "Girouette-Sapin-Cerise-58"})
    check(s == 403, f"a password reset by a commune agent: 403 ({s})")
    return c


def check_fixation(port, c):
    old = c.session
    s, _, _ = c.login("m.durand", PW["m.durand"])
    check(s == 200 and c.session != old, "a new session id at login")
    d = Client(port)
    d.session = old
    s, _, _ = d.call("GET", "/api/bo/me")
    check(s == 401, f"the cookie the client came with is refused after the login ({s})")
    planted = Client(port)
    planted.session = "C" * 43   # an attacker's value planted in the victim's browser
    s, _, _ = planted.login("m.durand", PW["m.durand"])
    check(s == 200 and planted.session != "C" * 43, "a planted cookie value is never adopted")
    return c


def check_logout(port, c):
    other = Client(port)
    other.login("m.durand", PW["m.durand"])
    third = Client(port)
    third.login("m.durand", PW["m.durand"])
    s, h, _ = third.call("POST", "/api/bo/logout", {})
    check(s == 200 and "Max-Age=0" in h.get("set-cookie", ""), "logout: 200, cookie cleared")
    check(third.call("GET", "/api/bo/me")[0] == 401, "logout: that session is refused")
    check(other.call("GET", "/api/bo/me")[0] == 200, "logout: the agent's other sessions live")
    s, _, _ = other.call("POST", "/api/bo/logout-all", {})
    check(s == 200, "logout-all: 200")
    check(other.call("GET", "/api/bo/me")[0] == 401 and c.call("GET", "/api/bo/me")[0] == 401,
          "logout-all: every session of the agent is refused")


def check_timeouts(port):
    c = Client(port)
    c.login("m.durand", PW["m.durand"])
    now = int(time.time())

    def age(col, seconds):
        db(f"UPDATE sessions SET {col} = ? WHERE agent = (SELECT id FROM agents "
           "WHERE login = 'm.durand')", (now - seconds,))
    age("last_seen_at", 29 * 60)
    check(c.call("GET", "/api/bo/me")[0] == 200, "a session idle for 29 minutes is kept")
    age("last_seen_at", 31 * 60)
    check(c.call("GET", "/api/bo/me")[0] == 401, "a session idle for 31 minutes is refused")
    c.login("m.durand", PW["m.durand"])
    age("created_at", 12 * 3600 + 60)
    check(c.call("GET", "/api/bo/me")[0] == 401, "a session older than 12 hours is refused")


def check_throttle(port):
    a = Client(port, "127.0.0.2")
    for _ in range(5):
        a.login("s.bac", "Mauvais-Mot-De-Passe-1")
    s, h, b = a.login("s.bac", PW["s.bac"])
    check(s == 429 and int(h.get("retry-after", "0")) > 0,
          f"5 failures for one account: 429 with Retry-After even with the right password ({s})")
    s, _, _ = Client(port, "127.0.0.9").login("s.bac", PW["s.bac"])
    check(s == 429, f"the account stays throttled from another address ({s})")
    p = Client(port, "127.0.0.3")
    for i in range(20):
        p.login(f"inconnu{i}", "Mauvais-Mot-De-Passe-1")
    s, h, _ = p.login("m.durand", PW["m.durand"])
    check(s == 429 and int(h.get("retry-after", "0")) > 0,
          f"20 failures from one address: 429 with Retry-After ({s})")
    s, _, _ = Client(port, "127.0.0.4").login("m.durand", PW["m.durand"])
    check(s == 200, f"another address may still log in ({s})")


def check_admin(port, secret):
    c = Client(port)
    s, _, b = c.login("cc.admin", PW["cc.admin"])
    check(s == 401 and b.get("parameter") == "totp", f"admin without a code: 401 naming totp "
          f"({s} {b.get('parameter')})")
    step = int(time.time()) // 30
    s, _, b = c.login("cc.admin", PW["cc.admin"], totp(secret, step + 5))
    check(s == 401 and b.get("parameter") != "totp", f"admin with a wrong code: 401 ({s})")
    s, _, me = c.login("cc.admin", PW["cc.admin"], totp(secret, step))
    check(s == 200 and me["role"] == "admin" and me["totp"], f"admin with its code: 200 ({s})")
    s, _, _ = Client(port).login("cc.admin", PW["cc.admin"], totp(secret, step))
    check(s == 401, f"the same code twice: refused (no replay) ({s})")
    s, _, b = c.call("GET", "/api/bo/agents")
    logins = [a["login"] for a in b["agents"]] if s == 200 else []
    check(logins == ["cc.admin", "m.durand", "s.bac"], f"GET /api/bo/agents ({logins})")
    new = {"action": "create", "login": "j.martin", "name": "Jean Martin", "role": "commune",
           "email": "j.martin@mairie.fr", "communes": ["55017"], "password": "azerty123456"}
    s, _, b = c.call("POST", "/api/bo/agents", new)
    check(s == 400 and b.get("parameter") == "password", f"create with a common password: 400 "
          f"naming password ({s})")
    new["password"] = "Hibou-Casserole-Nuage-19"
    s, _, b = c.call("POST", "/api/bo/agents", new)
    check(s == 201 and b.get("communes") == ["55017"], f"create an agent: 201 ({s})")
    s, _, _ = c.call("POST", "/api/bo/agents", new)
    check(s == 409, f"create it again: 409 ({s})")
    s, _, _ = c.call("POST", "/api/bo/agents", {"action": "disable", "login": "j.martin"})
    check(s == 200 and Client(port).login("j.martin", new["password"])[0] == 401,
          "disabled over HTTP: that agent cannot log in")
    s, _, _ = c.call("POST", "/api/bo/agents", {"action": "enable", "login": "j.martin"})
    check(s == 200 and Client(port).login("j.martin", new["password"])[0] == 200,
          "enabled again: the agent logs in")
    reset = {"action": "reset", "login": "j.martin", "password": "azerty123456"}
    s, _, b = c.call("POST", "/api/bo/agents", reset)
    check(s == 400 and b.get("parameter") == "password", f"reset to a common password: 400 "
          f"naming password ({s})")
    s, _, _ = c.call("POST", "/api/bo/agents", dict(reset, login="nobody.here",
                                                    password="Girouette-Sapin-Cerise-58"))
    check(s == 404, f"reset of an unknown login: 404 ({s})")
    j = Client(port, "127.0.0.8")
    j.login("j.martin", new["password"])
    s, _, b = c.call("POST", "/api/bo/agents", dict(reset, password="Girouette-Sapin-Cerise-58"))
    check(s == 200 and b.get("login") == "j.martin" and j.call("GET", "/api/bo/me")[0] == 401,
          f"reset over HTTP: 200, the agent's session ends ({s})")
    check(Client(port, "127.0.0.8").login("j.martin", new["password"])[0] == 401 and
          Client(port, "127.0.0.8").login("j.martin", "Girouette-Sapin-Cerise-58")[0] == 200,
          "after an HTTP reset: the old password is refused, the new one accepted")
    s, _, _ = c.call("POST", "/api/bo/agents", dict(reset, password=new["password"]))
    check(s == 200, f"reset back ({s})")


def check_cli(port):
    j = Client(port, "127.0.0.6")
    s, _, _ = j.login("j.martin", "Hibou-Casserole-Nuage-19")
    rc, _, _ = admin("agent", "disable", "j.martin")
    check(s == 200 and rc == 0 and j.call("GET", "/api/bo/me")[0] == 401,
          "geodir-admin agent disable: the agent's session ends")
    check(Client(port, "127.0.0.6").login("j.martin", "Hibou-Casserole-Nuage-19")[0] == 401,
          "a disabled agent cannot log in")
    rc, _, _ = admin("agent", "enable", "j.martin")
    rc2, _, _ = admin("agent", "reset", "j.martin", "--password-stdin",
                      password="Ecureuil-Lanterne-Piano-34\n")
    check(rc == 0 and rc2 == 0, "agent enable and agent reset: exit 0")
    check(Client(port, "127.0.0.6").login("j.martin", "Hibou-Casserole-Nuage-19")[0] == 401 and
          Client(port, "127.0.0.6").login("j.martin", "Ecureuil-Lanterne-Piano-34")[0] == 200,
          "after reset: the old password is refused, the new one accepted")
    rc, _, _ = admin("agent", "add", "--login", "cc.second", "--name", "Second", "--email",
                     "second@cc.fr", "--role", "admin", "--password-stdin",
                     password="Tortue-Moulin-Fanfare-72\n")
    s, _, b = Client(port, "127.0.0.7").login("cc.second", "Tortue-Moulin-Fanfare-72")
    check(rc == 0 and s == 401 and b.get("parameter") == "totp",
          f"an administrator without TOTP cannot log in ({s})")


def check_audit():
    actions = {r[0] for r in db("SELECT DISTINCT action FROM audit")}
    check({"login", "login_failed", "logout", "logout_all", "agent_add", "agent_reset"} <= actions,
          f"audit rows for logins, failures, logouts, agents ({sorted(actions)})")
    for query in ("UPDATE audit SET actor = 'x'", "DELETE FROM audit"):
        try:
            db(query)
            ok = False
        except sqlite3.DatabaseError as e:
            ok = "append-only" in str(e)
        check(ok, f"audit refuses: {query}")


def main():
    secret = setup_agents()
    args = server_args(DB, SRC, FORMS, WORK, "--threads", "2")
    os.makedirs(os.path.join(WORK, "files"), exist_ok=True)
    srv = ApiServer(API, args, os.path.join(WORK, "server.log"), name="geodir-api")
    try:
        check_no_session(srv.port)
        c = check_login(srv.port)
        check_fixation(srv.port, c)
        check_logout(srv.port, c)
        check_timeouts(srv.port)
        check_throttle(srv.port)
        check_admin(srv.port, secret)
        check_cli(srv.port)
        check_audit()
        log = srv.stderr()
        check(not any(p in log for p in PW.values()), "no password in the server's log")
    finally:
        srv.stop_clean("server stopped cleanly")
    finish()


main()
