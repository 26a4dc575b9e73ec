"""forms_fixture — the common setup of the tests that run geodir-api with its online procedures
and its back office (tests/forms_http, tests/backoffice_http, tests/backoffice_mail,
tests/moderation), written once.

- forms_db(work): the forms database a test keeps in its work folder (work/forms.sqlite);
- server_args(db, src, forms_dir, work, *extra): geodir-api's arguments on port 0 over the
  directory db, with the map-ui of the source tree src, the definitions of forms_dir, the forms
  database forms_db(work) and the attachments folder work/files, then extra;
- start_server(api, db, src, forms_dir, work, *extra, name="server", env=None): that server
  started (ApiServer) with work made if need be and its log in work/server.log;
- sql(path, query, args=()): the rows of one statement on a forms database, committed;
- admin_env(extra=None): geodir-admin's environment: the caller's without its GEODIR_* settings
  (only the test's own apply) but for GEODIR_PWHASH_COST (the hashing cost the test suite
  chose, tests/backoffice_http/CMakeLists.txt), plus extra;
- run_admin(admin, path, *args, stdin=None, env=None): geodir-admin [--forms-db path] args to
  its end, output captured as text (the CompletedProcess);
- add_agent(admin, path, login, password, role, *extra, name=None, email=None): geodir-admin
  agent add, the password on stdin; one check that it exits 0;
- totp_secret(uri): the base32 secret of the otpauth:// URI that `agent totp` prints.
Standard library only (and geodir_test, next to it).
"""
import os
import sqlite3
import subprocess

from geodir_test import ApiServer, check

KEPT_SETTINGS = ("GEODIR_PWHASH_COST",)


def forms_db(work):
    return os.path.join(work, "forms.sqlite")


def server_args(db, src, forms_dir, work, *extra):
    return ["--port", "0", "--db", db, "--static_dir", os.path.join(src, "map-ui"),
            "--forms_dir", forms_dir, "--forms_db", forms_db(work),
            "--forms_files_dir", os.path.join(work, "files"), *extra]


def start_server(api, db, src, forms_dir, work, *extra, name="server", env=None):
    os.makedirs(work, exist_ok=True)
    return ApiServer(api, server_args(db, src, forms_dir, work, *extra),
                     os.path.join(work, "server.log"), name=name, env=env)


def sql(path, query, args=()):
    c = sqlite3.connect(path, timeout=30)
    try:
        rows = c.execute(query, args).fetchall()
        c.commit()
        return rows
    finally:
        c.close()


def admin_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("GEODIR_") or k in KEPT_SETTINGS}
    env.update(extra or {})
    return env


def run_admin(admin, path, *args, stdin=None, env=None):
    """path None: no --forms-db (the commands that do not open the forms database)."""
    cmd = [admin] + (["--forms-db", path] if path else []) + list(args)
    return subprocess.run(cmd, input=stdin, text=True, capture_output=True, timeout=120,
                          env=admin_env(env))


def add_agent(admin, path, login, password, role, *extra, name=None, email=None):
    """extra: the role's scope (--commune INSEE, --form ID). Returns the CompletedProcess."""
    p = run_admin(admin, path, "agent", "add", "--login", login, "--name", name or login,
                  "--email", email or f"{login}@mairie.example", "--role", role, *extra,
                  "--password-stdin", stdin=password + "\n")
    check(p.returncode == 0, f"geodir-admin agent add {login} (exit {p.returncode}: "
                             f"{p.stderr.strip()[:200]})")
    return p


def totp_secret(uri):
    return uri.split("secret=", 1)[1].split("&", 1)[0] if "secret=" in uri else ""
