#!/usr/bin/env python3
"""require_data.py — runs a real-data test only when its files are there, and FAILS otherwise.

usage: require_data.py DATASETS_DIR [FILE...] -- COMMAND [ARG...]

Every FILE is relative to DATASETS_DIR (GDIR_SHARED_DATASETS). When the folder or one of the
files is missing, prints one FAIL line per missing path and exits 1 (ctest shows the test as
failed, never skipped); otherwise replaces itself with COMMAND. Registered by
gdir_realdata_test() in tests/CMakeLists.txt, for every test of label realdata.
Standard library only.
"""
import os
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from geodir_test import check, finish, require_data  # noqa: E402


def main(argv):
    if "--" not in argv or argv.index("--") < 1 or argv.index("--") == len(argv) - 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    sep = argv.index("--")
    folder, files, command = argv[0], argv[1:sep], argv[sep + 1:]
    if not require_data(folder, files):
        finish()
    check(True, f"the {len(files)} real-data files of this test are in {folder}")
    sys.stdout.flush()
    os.execv(command[0], command)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
