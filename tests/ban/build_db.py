#!/usr/bin/env python3
"""Fixture set-up of the BAN geocoding tests: the real geodir-import on tests/ban/fixtures/.

Builds WORK_DIR/ban.sqlite from fixtures/territory.json (three fictitious communes with square
boundaries; BAN-format addresses in two of them, under Licence Ouverte, and BANO-format addresses
in the third, under ODbL) and WORK_DIR/ban-v2.sqlite from territory-v2.json (the same plus a new
street: the second generation of the database-swap test). The importer runs with WORK_DIR as its
working directory so that anything it writes stays in the build tree.

usage: build_db.py IMPORTER FIXTURES_DIR WORK_DIR
"""
import os
import shutil
import subprocess
import sys

IMPORTER, FIXTURES, WORK = (os.path.abspath(a) for a in sys.argv[1:4])

shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
failed = False
for config, name in (("territory.json", "ban.sqlite"), ("territory-v2.json", "ban-v2.sqlite")):
    db = os.path.join(WORK, name)
    run = subprocess.run([IMPORTER, "--config", os.path.join(FIXTURES, config), "--db", db],
                         cwd=WORK, capture_output=True, text=True, timeout=100)
    print(run.stdout)
    print(run.stderr, file=sys.stderr)
    if run.returncode != 0 or not os.path.isfile(db):
        print(f"FAIL: the importer did not build {name} (exit code {run.returncode})")
        failed = True
    else:
        print("ok   fixture database built:", db)
sys.exit(1 if failed else 0)
