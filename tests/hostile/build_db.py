#!/usr/bin/env python3
"""Fixture set-up of the hostile tests: the real geodir-import on tests/http/fixtures/ with a
configured public URL (open_data.public_url), so that the Host-header checks of
test_corpus.py see both cases: links from the configured URL (this database) and the database
of tests/http (no public_url: links must then be relative, never from the Host header).

Builds WORK_DIR/geodir.sqlite (two full exports, geojson and csv, to keep it quick).

usage: build_db.py IMPORTER HTTP_FIXTURES_DIR WORK_DIR
"""
import json
import os
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import fresh_dir, run_import, write_config  # noqa: E402

PUBLIC_URL = "https://annuaire.example.fr"

IMPORTER, FIXTURES, WORK = (os.path.abspath(a) for a in sys.argv[1:4])

fresh_dir(WORK)
with open(os.path.join(FIXTURES, "territory.json"), encoding="utf-8") as f:
    config = json.load(f)
config["data_dir"] = FIXTURES
config["open_data"] = {"public_url": PUBLIC_URL, "exports": ["geojson", "csv"]}
run_import(IMPORTER, write_config(WORK, config), os.path.join(WORK, "geodir.sqlite"),
           timeout=100, what="fixture database with open_data.public_url")
