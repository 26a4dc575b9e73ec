#!/usr/bin/env python3
"""The back office's e-mails (docs/backoffice.md §6) end to end: the real geodir-api files a
request of tests/forms_http/forms/essai.json, queues its receipt in the outbox, and its sender
thread delivers it to a real SMTP server on 127.0.0.1 (Debian's python3-aiosmtpd), or to a
sendmail-compatible command:
  - the receipt: one message, envelope and headers right (From, To, Date, Message-ID, the
    Subject in RFC 2047 UTF-8 words that decode to the French text), text/plain; charset=utf-8
    in quoted-printable, the follow link inside; then sent_at set and the link blanked from the
    stored body;
  - a server that answers 451 three times, then accepts: exactly one message delivered,
    attempts = 4, nothing left pending;
  - no server at first (connection refused), then one: delivered, the failure kept meanwhile;
  - sendmail_command: a script run with -t -i receives the message on its stdin.
Retries use mail_retry_base = 1 (1, 2, 4 s) so that the test runs in seconds.

usage: test_mail.py API DB SRC_DIR WORK_DIR
"""
import email
import email.policy
import os
import socket
import sys

if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:   # Debian's python3-aiosmtpd is for the system's Python
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from geodir_test import check, finish, fresh_dir, poll_until  # noqa: E402
from forms_client import csrf, submit  # noqa: E402
from forms_fixture import forms_db, sql, start_server  # noqa: E402

try:
    from aiosmtpd.controller import Controller
except ImportError:
    check(False, "python3-aiosmtpd is installed (apt-get install python3-aiosmtpd)")
    finish()

API, DB, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:5])
FORMS = os.path.join(SRC, "tests", "forms_http", "forms")
TITLE = "Démarche d'essai du serveur"
FROM = "Mairie d'Essai-lès-Bains <mairie@essai.example>"
fresh_dir(WORK)


class Capture:
    """An SMTP handler that answers 451 to the first `refuse` messages, then keeps them."""

    def __init__(self, refuse=0):
        self.refuse = refuse
        self.tries = 0
        self.got = []

    async def handle_DATA(self, server, session, envelope):
        self.tries += 1
        if self.tries <= self.refuse:
            return "451 4.3.0 Essayez plus tard"
        self.got.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 2.0.0 OK"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(name, transport, env=None):
    work = os.path.join(WORK, name)
    return start_server(API, DB, SRC, FORMS, work, "--mail_from", FROM, "--mail_retry_base", "1",
                        "--public_url", "https://demarches.essai.example", *transport,
                        name=name, env=env), work


def smtp_args(port):
    return ["--smtp_url", f"smtp://127.0.0.1:{port}", "--smtp_starttls", "off"]


def outbox(work):
    return sql(forms_db(work), "SELECT attempts, sent_at, last_error, body, secret, to_addr "
               "FROM outbox ORDER BY id")


def file_request(srv, addr):
    cookie, token = csrf(srv.port)[:2]
    s, _, b = submit(srv.port, "essai", {"nom": "Dupont", "courriel": addr}, cookie, token)
    check(s == 201, f"{srv.name}: the request is filed (201)")
    return b if s == 201 else {"code": "", "token": ""}


def check_receipt(name, raw, addr, filed):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    subject = f"Demande déposée : {TITLE} (code {filed['code']})"
    raw_subject = raw.split(b"\r\nSubject: ", 1)[1].split(b"\r\nMIME", 1)[0]
    check(raw_subject.startswith(b"=?UTF-8?Q?") and max(
        len(x) for x in raw_subject.split(b"\r\n")) <= 77,
          f"{name}: Subject in RFC 2047 UTF-8 words, lines folded ({raw_subject[:40]!r}…)")
    check(str(msg["Subject"]) == subject, f"{name}: the Subject decodes to the French text")
    check(msg["To"] == addr and msg["From"].addresses[0].addr_spec == "mairie@essai.example"
          and msg["From"].addresses[0].display_name == "Mairie d'Essai-lès-Bains",
          f"{name}: From (its name encoded) and To")
    check(msg["Date"] is not None and msg["Message-ID"].endswith("@essai.example>"),
          f"{name}: Date and Message-ID")
    check(msg.get_content_type() == "text/plain" and msg.get_content_charset() == "utf-8"
          and msg["Content-Transfer-Encoding"] == "quoted-printable",
          f"{name}: text/plain; charset=utf-8, quoted-printable")
    body = msg.get_content()
    link = f"https://demarches.essai.example/suivi.html#{filed['code']}/{filed['token']}"
    check(f"Votre demande « {TITLE} » a bien été déposée." in body and link in body and
          "Nous traitons les demandes d'essai sous huit jours." in body,
          f"{name}: the body: the French text, the follow link, the form's receipt text")
    check(all(len(x) <= 76 for x in raw.split(b"\r\n\r\n", 1)[1].split(b"\r\n")),
          f"{name}: body lines of at most 76 characters")


def case_receipt():
    cap = Capture()
    port = free_port()
    ctl = Controller(cap, hostname="127.0.0.1", port=port)
    ctl.start()
    srv, work = start("receipt", smtp_args(port))
    addr = "jeanne.dupont@exemple.fr"
    filed = file_request(srv, addr)
    poll_until(lambda: cap.got, 30, "receipt: one message reaches the SMTP server")
    if cap.got:
        mail_from, rcpt, raw = cap.got[0]
        check(mail_from == "mairie@essai.example" and rcpt == [addr],
              "receipt: envelope MAIL FROM and RCPT TO")
        check_receipt("receipt", raw, addr, filed)
    rows = poll_until(lambda: [r for r in outbox(work) if r[1]], 30, "receipt: marked sent")
    if rows:
        attempts, _, err, body, secret, _ = rows[0]
        check(attempts == 1 and err is None, "receipt: sent at the first attempt")
        check(filed["token"] not in body and secret is None and "[lien retiré après envoi]"
              in body, "receipt: the secret link blanked from the stored body once sent")
    check(srv.stop() == 0, "receipt: the server stops cleanly (the sender thread joined)")
    check(addr not in srv.stderr() and filed["token"] not in srv.stderr(),
          "receipt: neither the address nor the token in the server's log")
    ctl.stop()


def case_refused():
    cap = Capture(refuse=3)
    port = free_port()
    ctl = Controller(cap, hostname="127.0.0.1", port=port)
    ctl.start()
    srv, work = start("refused", smtp_args(port))
    file_request(srv, "paul@exemple.fr")
    poll_until(lambda: cap.got, 60, "refused 3 times (451), then accepted: delivered")
    rows = poll_until(lambda: [r for r in outbox(work) if r[1]], 30, "refused: marked sent")
    check(cap.tries == 4 and len(cap.got) == 1, f"refused: 4 tries, exactly one message "
          f"delivered (tries {cap.tries}, delivered {len(cap.got)})")
    check(bool(rows) and rows[0][0] == 4 and rows[0][2] is None,
          f"refused: attempts = 4, the error cleared ({rows[0][:3] if rows else None})")
    check(len(outbox(work)) == 1, "refused: one row, none left pending")
    srv.stop()
    check(len(cap.got) == 1, "refused: still one message after the server stopped")
    ctl.stop()


def case_down_then_up():
    cap = Capture()
    port = free_port()
    srv, work = start("down", smtp_args(port))
    file_request(srv, "louise@exemple.fr")
    failed = poll_until(lambda: [r for r in outbox(work) if r[0] >= 1 and r[2]], 30,
                        "down: the first attempt fails (connection refused), its error kept")
    check(bool(failed) and failed[0][1] is None, "down: not marked sent")
    ctl = Controller(cap, hostname="127.0.0.1", port=port)
    ctl.start()
    poll_until(lambda: cap.got, 60, "down then up: delivered once the server listens")
    poll_until(lambda: [r for r in outbox(work) if r[1]], 30, "down then up: marked sent")
    check(len(cap.got) == 1, "down then up: one message")
    srv.stop()
    ctl.stop()


def case_sendmail():
    work = os.path.join(WORK, "sendmail")
    spool = os.path.join(work, "spool")
    os.makedirs(spool, exist_ok=True)
    script = os.path.join(HERE, "capture_sendmail.sh")
    srv, work = start("sendmail", ["--sendmail_command", script], env={"CAPTURE_DIR": spool})
    addr = "marie@exemple.fr"
    filed = file_request(srv, addr)
    poll_until(lambda: [r for r in outbox(work) if r[1]], 30, "sendmail: marked sent")
    names = sorted(os.listdir(spool))
    check(names == ["args", "message.eml"], f"sendmail: the command ran once ({names})")
    if len(names) == 2:
        with open(os.path.join(spool, "args")) as f:
            check(f.read().split() == ["-t", "-i"], "sendmail: run with -t -i")
        with open(os.path.join(spool, "message.eml"), "rb") as f:
            check_receipt("sendmail", f.read(), addr, filed)
    srv.stop()


case_receipt()
case_refused()
case_down_then_up()
case_sendmail()
finish()
