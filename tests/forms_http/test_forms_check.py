#!/usr/bin/env python3
"""geodir-api --check-forms (docs/forms.md §4) on the real binary: the definitions of
tests/forms_http/forms/ against the communes of the http fixture directory are listed with exit
status 0 and nothing served; a copy with one wrong field type, one unknown member and one
commune outside the territory each exit 2 with "FILE: path.to.member: reason" on stderr;
without forms_dir the flag says so.

usage: test_forms_check.py API DB SRC_DIR WORK_DIR
"""
import json
import os
import shutil
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from geodir_test import check, finish, fresh_dir, run_program  # noqa: E402

API, DB, SRC, WORK = (os.path.abspath(a) for a in sys.argv[1:5])
BASE = [API, "--db", DB, "--static_dir", os.path.join(SRC, "map-ui")]
FORMS = os.path.join(HERE, "forms")
fresh_dir(WORK)


def check_forms(folder):
    return run_program(BASE + ["--forms_dir", folder, "--check-forms"], 60)


def broken_copy(name, change):
    """A copy of the fixture folder in which essai.json went through change(definition)."""
    folder = os.path.join(WORK, name)
    shutil.copytree(FORMS, folder)
    path = os.path.join(folder, "essai.json")
    with open(path, encoding="utf-8") as f:
        definition = json.load(f)
    change(definition)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(definition, f, ensure_ascii=False)
    return folder, path


good = check_forms(FORMS)
check(good.returncode == 0, f"--check-forms on the fixture forms exits 0 (got {good.returncode}: "
      f"{good.err.strip()})")
ids = sorted(f[:-5] for f in os.listdir(FORMS) if f.endswith(".json"))
for form_id in ids:
    check(f"  {form_id} (version " in good.out, f"the listing names {form_id}: {good.out!r}")
check(f"{len(ids)} forms" in good.out, f"the listing counts {len(ids)} forms")
check("listening on" not in good.out, "--check-forms serves nothing")


def set_type(d):
    d["pages"][0]["fields"][0]["type"] = "integr"


def add_member(d):
    d["colour"] = "bleu"


def foreign_commune(d):
    d["communes"] = ["75056"]


for name, change, where, reason in [
        ("type", set_type, "pages[0].fields[0].type", "unknown type \"integr\""),
        ("member", add_member, "colour", "unknown key"),
        ("commune", foreign_commune, "communes[0]", "75056")]:
    folder, path = broken_copy(name, change)
    bad = check_forms(folder)
    check(bad.returncode == 2, f"{name}: exit status 2 (got {bad.returncode})")
    check(f"{path}: {where}: " in bad.err and reason in bad.err,
          f"{name}: stderr names {path}: {where}: … {reason}: {bad.err.strip()!r}")

unset = run_program(BASE + ["--check-forms"], 60)
check(unset.returncode == 2 and "forms_dir is not set" in unset.err,
      f"without forms_dir: exit 2 and says so ({unset.returncode}: {unset.err.strip()!r})")
finish("forms.check")
