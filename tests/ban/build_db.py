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
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import fresh_dir, run_import  # noqa: E402

IMPORTER, FIXTURES, WORK = (os.path.abspath(a) for a in sys.argv[1:4])

fresh_dir(WORK)
built = [run_import(IMPORTER, os.path.join(FIXTURES, config), os.path.join(WORK, name),
                    timeout=100, what=f"fixture database {name}", exit_on_failure=False)
         for config, name in (("territory.json", "ban.sqlite"),
                              ("territory-v2.json", "ban-v2.sqlite"))]
sys.exit(0 if all(built) else 1)
