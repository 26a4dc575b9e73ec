#!/usr/bin/env python3
"""Fixture set-up of the HTTP tests: the real geodir-import on tests/http/fixtures/.

Builds WORK_DIR/geodir.sqlite from fixtures/territory.json (5 member communes with simplified
boundaries, 58 fictitious places of which one lies outside the territory), with the working
directory set to WORK_DIR so that anything the importer writes stays in the build tree.

usage: build_db.py IMPORTER FIXTURES_DIR WORK_DIR
"""
import os
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import fresh_dir, run_import  # noqa: E402

IMPORTER, FIXTURES, WORK = (os.path.abspath(a) for a in sys.argv[1:4])

fresh_dir(WORK)
run_import(IMPORTER, os.path.join(FIXTURES, "territory.json"), os.path.join(WORK, "geodir.sqlite"),
           timeout=100)
