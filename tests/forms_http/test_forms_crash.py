#!/usr/bin/env python3
"""kill -9 of geodir-api in the middle of 1,000 concurrent submissions (64 client threads):
after a restart on the same forms database, every submission acknowledged with a 201 is there
with its values and opens with its code and token; the number lost is printed and must be 0
(docs/forms.md §3: the 201 is sent only after the commit). One submission in 8 carries a PDF
of an odd size (written with O_DIRECT and cut back, docs/forms.md §3): its file is there,
whole, with the SHA-256 recorded.

usage: test_forms_crash.py API DB SRC_DIR WORK_DIR
"""
import hashlib
import json
import os
import signal
import sys
import threading

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from geodir_test import ApiServer, check, finish, fresh_dir, poll_until  # noqa: E402
from forms_client import csrf, request, submit  # noqa: E402
from forms_fixture import forms_db, server_args, sql  # noqa: E402

API, DB, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:5])
TOTAL, CLIENTS, KILL_AFTER = 1000, 64, 250
WITH_FILE = 8     # one submission in WITH_FILE has an attachment


def pdf(i):
    """The attachment of submission i: a PDF of 1 MiB + 4 KiB + 1 + i bytes (odd sizes)."""
    head = b"%PDF-1.4\n" + f"crash-{i}\n".encode()
    size = 1048576 + 4097 + i - len(head)
    pattern = bytes((i * 7 + k) % 251 for k in range(251))
    return head + (pattern * (size // 251 + 1))[:size]

fresh_dir(WORK)
ARGS = server_args(DB, SRC, os.path.join(HERE, "forms"), WORK, "--threads", "8",
                   "--forms_submit_rate", "0", "--forms_lookup_misses", "100000",
                   "--max_connections_per_ip", "10000")

acked = {}        # i -> (code, token)
failed = [0]
lock = threading.Lock()
next_i = [0]


def client(port, ck, tk):
    while True:
        with lock:
            i = next_i[0]
            next_i[0] += 1
        if i >= TOTAL:
            return
        try:
            files = [("piece", f"crash-{i}.pdf", pdf(i))] if i % WITH_FILE == 0 else []
            s, _, b = submit(port, "essai", {"nom": f"crash-{i}", "age": i % 120}, ck, tk,
                             files)
        except OSError:
            s, b = None, None
        with lock:
            if s == 201:
                acked[i] = (b["code"], b["token"])
            else:
                failed[0] += 1


def main():
    srv = ApiServer(API, ARGS, os.path.join(WORK, "server1.log"), name="server")
    ck, tk, _ = csrf(srv.port)
    threads = [threading.Thread(target=client, args=(srv.port, ck, tk)) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    poll_until(lambda: len(acked) >= KILL_AFTER, 120, f"{KILL_AFTER} submissions acknowledged")
    srv.proc.send_signal(signal.SIGKILL)
    srv.proc.wait()
    srv.log.close()
    for t in threads:
        t.join()
    n_acked = len(acked)
    print(f"     killed: {n_acked} acknowledged, {failed[0]} cut or refused, of {TOTAL}")
    check(n_acked < TOTAL and failed[0] > 0, "the kill came in the middle of the submissions")

    srv = ApiServer(API, ARGS, os.path.join(WORK, "server2.log"), name="restarted server")
    stored = {code: json.loads(v)
              for code, v in sql(forms_db(WORK), "SELECT code, values_json FROM requests")}
    lost = [i for i, (code, _) in acked.items()
            if code not in stored or stored[code].get("nom") != f"crash-{i}"]
    print(f"     stored after restart: {len(stored)}; acknowledged and lost: {len(lost)}")
    check(not lost, f"0 acknowledged submissions lost (lost {len(lost)}: {lost[:10]})")
    bad = [i for i, (code, token) in acked.items()
           if request(srv.port, "GET", f"/api/requests/{code}/{token}")[0] != 200]
    check(not bad, f"every acknowledged request opens with its code and token ({len(bad)} not)")
    check_files()
    check(srv.stop() == 0, "restarted server stopped cleanly")
    finish()


def check_files():
    """Every acknowledged attachment: its file is whole and its recorded SHA-256 is the
    file's and the upload's."""
    rows = {code: (size, sha, stored) for code, size, sha, stored in sql(
        forms_db(WORK), "SELECT r.code, a.size, a.sha256, a.stored FROM attachments a "
        "JOIN requests r ON r.id = a.request_id")}
    with_file = [i for i in acked if i % WITH_FILE == 0]
    bad = []
    for i in with_file:
        want = pdf(i)
        row = rows.get(acked[i][0])
        path = os.path.join(WORK, "files", row[2]) if row else None
        if not row or not os.path.exists(path):
            bad.append(i)
            continue
        with open(path, "rb") as f:
            got = f.read()
        sha = hashlib.sha256(want).hexdigest()
        if row[0] != len(want) or row[1] != sha or hashlib.sha256(got).hexdigest() != sha:
            bad.append(i)
    print(f"     acknowledged attachments: {len(with_file)}; missing or wrong: {len(bad)}")
    check(with_file and not bad, f"every acknowledged attachment whole, its SHA-256 recorded "
          f"(bad: {bad[:10]})")


main()
