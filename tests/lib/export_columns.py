"""export_columns.py — the French header of the csv-fr export as docs/exports.md documents it
(tests/exports, tests/exportapi compare the files' header with it).

french_headers(src) returns the list of (field, French header) pairs of the table of
docs/exports.md whose header row is "| field (`csv` and the other formats) | `csv-fr` header |",
in the table's order.
"""
import os
import re


def french_headers(src):
    with open(os.path.join(src, "docs", "exports.md"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    start = next(i for i, line in enumerate(lines) if "`csv-fr` header |" in line)
    pairs = []
    for line in lines[start + 2:]:
        m = re.fullmatch(r"\s*\| `([a-z_]+)` \| (.+?) \|\s*", line)
        if not m:
            break
        pairs.append((m.group(1), m.group(2)))
    return pairs
