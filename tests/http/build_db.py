#!/usr/bin/env python3
"""Fixture set-up of the HTTP tests: the real geodir-import on tests/http/fixtures/.

Builds WORK_DIR/geodir.sqlite from fixtures/territory.json (5 member communes with simplified
boundaries, 58 fictitious places of which one lies outside the territory), with the working
directory set to WORK_DIR so that anything the importer writes stays in the build tree.

usage: build_db.py IMPORTER FIXTURES_DIR WORK_DIR
"""
import os
import shutil
import subprocess
import sys
import time

IMPORTER, FIXTURES, WORK = (os.path.abspath(a) for a in sys.argv[1:4])

shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
db = os.path.join(WORK, "geodir.sqlite")
t0 = time.monotonic()
run = subprocess.run([IMPORTER, "--config", os.path.join(FIXTURES, "territory.json"), "--db", db],
                     cwd=WORK, capture_output=True, text=True, timeout=100)
print(run.stdout)
print(run.stderr, file=sys.stderr)
print(f"import took {time.monotonic() - t0:.2f} s, exit code {run.returncode}")
if run.returncode != 0 or not os.path.isfile(db):
    print("FAIL: the importer did not build the fixture database")
    sys.exit(1)
print("ok   fixture database built:", db)
