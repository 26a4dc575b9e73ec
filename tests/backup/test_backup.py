#!/usr/bin/env python3
"""geodir-admin backup and restore (docs/deployment.md, "Backup and restore") with the real
geodir-api filing submissions all along:

- 4 clients file submissions continuously (one in 3 with a PDF attachment) through the real
  server; geodir-admin backup runs meanwhile and is held, through GEODIR_TEST_BACKUP_HOLD, just
  after its snapshot is taken while more submissions are acknowledged, then copies everything;
- the manifest lists the database and every attachment with sizes and SHA-256 (checked here
  with hashlib), the schema version and integrity_check "ok";
- restore into a fresh data folder; a server started on it serves every submission
  acknowledged before the backup started (with its attachment, byte for byte) and none
  sent after the snapshot was taken (a snapshot, not a mixture); integrity_check passes;
- refusals, each leaving the target as it was (exit 3, a clear message): restore while a server
  holds the forms database (its pid named), a database or an attachment with one byte changed,
  a file more than the manifest lists, no manifest, a backup into an existing folder;
- restore over a data folder in use before keeps the previous database and folder as
  *.before-restore-STAMP.

usage: test_backup.py API ADMIN DB SRC_DIR WORK_DIR
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from geodir_test import ApiServer, check, finish, fresh_dir, poll_until  # noqa: E402
from forms_client import csrf, request, submit  # noqa: E402
from forms_fixture import admin_env, run_admin, server_args  # noqa: E402

API, ADMIN, DB, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:6])
FORMS = os.path.join(SRC, "tests", "forms_http", "forms")
SERVER_OPTS = ("--threads", "4", "--forms_submit_rate", "0", "--forms_lookup_misses",
               "100000", "--max_connections_per_ip", "10000")


def pdf(i):
    head = b"%PDF-1.4\n" + f"sauvegarde-{i}\n".encode()
    return head + bytes((i * 13 + k) % 251 for k in range(20000 + i * 37))


class Filer:
    """Clients filing submissions until stopped; acked: (i, code, token, time sent, sha or
    None) of each acknowledged one."""

    def __init__(self, port, clients=4):
        self.port, self.acked, self.errors = port, [], []
        self.lock, self.stop_flag, self.next = threading.Lock(), threading.Event(), 0
        self.ck, self.tk, _ = csrf(port)
        self.threads = [threading.Thread(target=self.run) for _ in range(clients)]
        for t in self.threads:
            t.start()

    def run(self):
        while not self.stop_flag.is_set():
            with self.lock:
                i, self.next = self.next, self.next + 1
            data = pdf(i) if i % 3 == 0 else None
            files = [("piece", f"s-{i}.pdf", data)] if data else []
            sent = time.monotonic()
            st, _, b = submit(self.port, "essai", {"nom": f"sauvegarde-{i}", "age": i % 120},
                              self.ck, self.tk, files)
            with self.lock:
                if st == 201:
                    self.acked.append((i, b["code"], b["token"], sent,
                                       hashlib.sha256(data).hexdigest() if data else None))
                else:
                    self.errors.append(st)

    def count(self):
        with self.lock:
            return len(self.acked)

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join()


def serves(port, acks):
    """The acknowledged submissions that do not open with their code and token, or whose
    attachment differs."""
    bad = []
    for i, code, token, _, sha in acks:
        st, _, body = request(port, "GET", f"/api/requests/{code}/{token}")
        if st != 200:
            bad.append((i, st))
            continue
        files = json.loads(body).get("attachments", [])
        if sha and (len(files) != 1 or hashlib.sha256(
                request(port, "GET", f"/api/requests/{code}/{token}/attachments/"
                        f"{files[0]['n']}")[2]).hexdigest() != sha):
            bad.append((i, "attachment"))
    return bad


def backup_while_filing(a, out):
    srv = ApiServer(API, server_args(DB, SRC, FORMS, a, *SERVER_OPTS),
                    os.path.join(WORK, "a.log"), name="server A")
    filer = Filer(srv.port)
    poll_until(lambda: filer.count() >= 30, 120, "30 submissions acknowledged before the backup")
    hold = os.path.join(WORK, "hold")
    open(hold, "w").close()
    with filer.lock:
        before = list(filer.acked)
    proc = run_admin_async(a, "backup", out, "--files-dir", os.path.join(a, "files"),
                           env={"GEODIR_TEST_BACKUP_HOLD": hold})
    poll_until(lambda: os.path.exists(hold + ".held"), 60, "backup holding its snapshot")
    held_at = time.monotonic()
    n = filer.count()
    poll_until(lambda: filer.count() >= n + 20, 120, "20 more submissions acknowledged while "
               "the backup holds its snapshot")
    os.unlink(hold)
    out_text, err_text = proc.communicate(timeout=300)
    check(proc.returncode == 0, f"backup exit 0 ({proc.returncode}: {err_text.strip()[:300]})")
    print("     " + out_text.strip())
    m = filer.count()
    poll_until(lambda: filer.count() >= m + 5, 120, "submissions still acknowledged after it")
    filer.stop()
    check(not filer.errors, f"every submission acknowledged ({filer.errors[:5]})")
    # sent after the snapshot was seen taken: committed after it (acknowledged later is not
    # enough: a commit before the snapshot may be acknowledged after it)
    after = [x for x in filer.acked if x[3] > held_at]
    return srv, before, after


def run_admin_async(a, *args, env=None):
    """geodir-admin --forms-db a/forms.sqlite args, running (a Popen)."""
    return subprocess.Popen([ADMIN, "--forms-db", os.path.join(a, "forms.sqlite"), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=admin_env(env))


def check_manifest(out):
    with open(os.path.join(out, "manifest.json")) as f:
        m = json.load(f)
    entries = [m["database"]] + m["files"]
    bad = []
    for e in entries:
        with open(os.path.join(out, e["file"]), "rb") as f:
            data = f.read()
        if len(data) != e["size"] or hashlib.sha256(data).hexdigest() != e["sha256"]:
            bad.append(e["file"])
    check(m["format"] == "geodir-backup" and m["version"] == 1 and
          m["database"]["schema_version"] >= 1 and m["database"]["integrity_check"] == "ok"
          and m["created_at"].endswith("Z"), f"manifest: format, schema version "
          f"{m['database']['schema_version']}, integrity ok, time {m['created_at']}")
    check(len(m["files"]) > 10 and not bad, f"manifest: {len(entries)} files whose size and "
          f"SHA-256 hashlib agrees with (bad: {bad})")
    check(not any(n.endswith(("-wal", "-shm", "-journal")) for n in os.listdir(out)) and
          sorted(os.listdir(out)) == ["files", "forms.sqlite", "manifest.json"],
          f"the backup folder: {sorted(os.listdir(out))}")
    return m


def restore_fresh(out, before, after, m):
    b = os.path.join(WORK, "b")
    os.makedirs(b)
    p = run_admin(ADMIN, os.path.join(b, "forms.sqlite"), "restore", out, "--files-dir",
                  os.path.join(b, "files"))
    check(p.returncode == 0, f"restore into a fresh folder: exit 0 ({p.stderr.strip()[:300]})")
    c = sqlite3.connect(os.path.join(b, "forms.sqlite"))
    ic = c.execute("PRAGMA integrity_check").fetchone()[0]
    n = c.execute("SELECT count(*) FROM requests").fetchone()[0]
    c.close()
    check(ic == "ok" and n == m["database"]["requests"], f"restored: integrity_check {ic}, "
          f"{n} requests as the manifest says")
    srv = ApiServer(API, server_args(DB, SRC, FORMS, b, *SERVER_OPTS),
                    os.path.join(WORK, "b.log"), name="server B (restored)")
    bad = serves(srv.port, before)
    check(not bad, f"the restored server serves the {len(before)} submissions acknowledged "
          f"before the backup, attachments byte for byte (bad: {bad[:5]})")
    leaked = [x[0] for x in after if request(srv.port, "GET",
                                             f"/api/requests/{x[1]}/{x[2]}")[0] == 200]
    check(after and not leaked, f"none of the {len(after)} acknowledged ones sent after the "
          f"snapshot is in it (a snapshot: {leaked[:5]})")
    return b, srv


def refused(what, target, backup, *want):
    forms = os.path.join(target, "forms.sqlite")
    before = sorted(os.listdir(target)) if os.path.isdir(target) else None
    stamp = os.stat(forms).st_mtime_ns if os.path.exists(forms) else None
    p = run_admin(ADMIN, forms, "restore", backup, "--files-dir", os.path.join(target, "files"))
    after = sorted(os.listdir(target)) if os.path.isdir(target) else None
    same = before == after and stamp == (os.stat(forms).st_mtime_ns
                                         if os.path.exists(forms) else None)
    check(p.returncode == 3 and all(w in p.stderr for w in want) and same,
          f"{what}: refused, exit 3, {want} named, the target untouched ({p.returncode}: "
          f"{p.stderr.strip()[:200]})")


def corrupted(out, a_srv, a):
    refused("restore while server A holds its database", a, out, "open by process",
            str(a_srv.proc.pid))
    c = os.path.join(WORK, "c")
    os.makedirs(c)
    for name, damage, want in (
            ("a byte of the database changed", "forms.sqlite", "corrupted"),
            ("a byte of an attachment changed", "files", "corrupted"),
            ("a file more than the manifest lists", "extra", "manifest lists"),
            ("no manifest", "manifest", "manifest.json")):
        bad = os.path.join(WORK, "bad-" + damage)
        shutil.copytree(out, bad)
        if damage == "extra":
            open(os.path.join(bad, "files", "intrus"), "wb").write(b"x")
        elif damage == "manifest":
            os.unlink(os.path.join(bad, "manifest.json"))
        else:
            path = os.path.join(bad, damage)
            if damage == "files":
                path = os.path.join(path, sorted(os.listdir(path))[0])
            with open(path, "r+b") as f:
                f.seek(os.path.getsize(path) // 2)
                byte = f.read(1)
                f.seek(-1, 1)
                f.write(bytes([byte[0] ^ 0x55]))
        refused(name, c, bad, want)
    p = run_admin(ADMIN, os.path.join(a, "forms.sqlite"), "backup", out, "--files-dir",
                  os.path.join(a, "files"))
    check(p.returncode == 3 and "exists" in p.stderr, f"a backup into an existing folder: "
          f"refused ({p.returncode}: {p.stderr.strip()[:120]})")


def restore_over(out, b, srv_b):
    check(srv_b.stop() == 0, "server B stopped")
    p = run_admin(ADMIN, os.path.join(b, "forms.sqlite"), "restore", out, "--files-dir",
                  os.path.join(b, "files"))
    kept = sorted(n for n in os.listdir(b) if ".before-restore-" in n)
    check(p.returncode == 0 and len(kept) == 2 and not any(".restore-" in n.replace(
          ".before-restore-", "") for n in os.listdir(b)),
          f"restore over the stopped server's folder: the previous ones kept {kept}, no "
          f"staging left ({p.stderr.strip()[:200]})")
    srv = ApiServer(API, server_args(DB, SRC, FORMS, b, *SERVER_OPTS),
                    os.path.join(WORK, "b2.log"), name="server B again")
    check(request(srv.port, "GET", "/api/forms")[0] == 200, "it serves again")
    check(srv.stop() == 0, "server B stopped again")


def main():
    fresh_dir(WORK)
    a, out = os.path.join(WORK, "a"), os.path.join(WORK, "backup")
    os.makedirs(a)
    srv_a, before, after = backup_while_filing(a, out)
    m = check_manifest(out)
    b, srv_b = restore_fresh(out, before, after, m)
    corrupted(out, srv_a, a)
    restore_over(out, b, srv_b)
    check(srv_a.stop() == 0, "server A stopped cleanly")
    finish()


main()
