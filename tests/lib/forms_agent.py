#!/usr/bin/env python3
"""forms_agent — the tests play the agent of the back office (issue 13, not built yet): they move
a request of the forms database (forms/forms_schema.sql) the way the store writes it
(forms/forms_store.c), while geodir-api serves it (the database is in WAL mode: another writer
waits for the lock, the server's readers see the change at their next statement).

ask_documents(db, code, message): the agent takes the request up (deposee -> en_instruction) if
nobody has yet, then asks for documents (-> complement_demande) with message — the documents
and the deadline, shown to the resident as « Documents demandés » (GET /api/requests/...
documents_requested) — and writes the same text as a message from the agent. One transaction,
as the store's writer makes one per action: status and updated_at of the request, one events
row per change (actor_kind 'agent', actor_id the agent), one messages row (sender 'agent').
Returns the request's new status.

decide(db, code, status, message): the agent closes the request with a decision (acceptee,
refusee or sans_suite) and its motivation: status, updated_at and closed_at, one events row.

Command line (for the browser tests, which run it through node's child_process):
    python3 tests/lib/forms_agent.py ask-documents FORMS_DB CODE MESSAGE
    python3 tests/lib/forms_agent.py decide FORMS_DB CODE STATUS MESSAGE
prints {"status": <the new status>} and exits 0, or prints the reason and exits 1.
Standard library only; prepared statements only.
"""
import json
import os
import sqlite3
import sys
import time
import urllib.parse

AGENT = "agent-de-test"
# Where an agent may ask for documents (from deposee, after taking the request up).
ASKABLE = ("deposee", "en_instruction", "complement_recu")
# The statuses each decision may come from (docs/backoffice.md §4, bo_transition_ok).
DECISIONS = {"acceptee": ("en_instruction", "complement_recu"),
             "refusee": ("deposee", "en_instruction", "complement_recu"),
             "sans_suite": ("deposee", "en_instruction", "complement_demande")}


def _event(c, rid, now, old, new, message):
    c.execute("INSERT INTO events (request_id, at, actor_kind, actor_id, from_status, to_status, "
              "message) VALUES (?, ?, 'agent', ?, ?, ?, ?)", (rid, now, AGENT, old, new, message))


def _write(db, code, act):
    """Runs act(c, rid, status) in one BEGIN IMMEDIATE transaction on the request code."""
    # mode=rw: a wrong path is an error, not a new empty database
    c = sqlite3.connect("file:" + urllib.parse.quote(os.path.abspath(db)) + "?mode=rw", uri=True,
                        timeout=30, isolation_level=None)
    try:
        c.execute("PRAGMA busy_timeout = 30000")
        c.execute("BEGIN IMMEDIATE")
        try:
            row = c.execute("SELECT id, status FROM requests WHERE code = ?", (code,)).fetchone()
            if row is None:
                raise LookupError(f"no request {code}")
            out = act(c, row[0], row[1])
            c.execute("COMMIT")
            return out
        except BaseException:
            c.execute("ROLLBACK")
            raise
    finally:
        c.close()


def _check_message(message):
    if not message or len(message.encode("utf-8")) > 4000:
        raise ValueError("a message is required (at most 4000 bytes)")


def ask_documents(db, code, message, now=None):
    now = int(time.time() if now is None else now)
    _check_message(message)

    def act(c, rid, status):
        if status not in ASKABLE:
            raise ValueError(f"request {code} is {status}: no documents can be asked")
        if status == "deposee":
            _event(c, rid, now, "deposee", "en_instruction", None)
            status = "en_instruction"
        c.execute("UPDATE requests SET status = 'complement_demande', updated_at = ? "
                  "WHERE id = ?", (now, rid))
        _event(c, rid, now, status, "complement_demande", message)
        c.execute("INSERT INTO messages (request_id, at, sender, agent_id, body) "
                  "VALUES (?, ?, 'agent', ?, ?)", (rid, now, AGENT, message))
        return "complement_demande"
    return _write(db, code, act)


def decide(db, code, decision, message, now=None):
    now = int(time.time() if now is None else now)
    _check_message(message)
    if decision not in DECISIONS:
        raise ValueError(f"{decision}: expected one of {', '.join(DECISIONS)}")

    def act(c, rid, status):
        if status not in DECISIONS[decision]:
            raise ValueError(f"request {code} is {status}: it cannot become {decision}")
        c.execute("UPDATE requests SET status = ?, updated_at = ?, closed_at = ? WHERE id = ?",
                  (decision, now, now, rid))
        _event(c, rid, now, status, decision, message)
        return decision
    return _write(db, code, act)


def main(argv):
    try:
        if len(argv) == 5 and argv[1] == "ask-documents":
            status = ask_documents(argv[2], argv[3], argv[4])
        elif len(argv) == 6 and argv[1] == "decide":
            status = decide(argv[2], argv[3], argv[4], argv[5])
        else:
            print("usage: forms_agent.py ask-documents FORMS_DB CODE MESSAGE\n"
                  "       forms_agent.py decide FORMS_DB CODE STATUS MESSAGE", file=sys.stderr)
            return 2
    except (LookupError, ValueError, sqlite3.Error) as e:
        print(f"forms_agent: {e}", file=sys.stderr)
        return 1
    print(json.dumps({"status": status}))
    return 0


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    sys.exit(main(sys.argv))
