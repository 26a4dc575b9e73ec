"""xlsx_check.py — checks an XLSX workbook the way a spreadsheet would open it (tests/exports,
tests/exportapi).

problems(path, openpyxl) returns the list of what is wrong (empty: nothing), from two readings:
  - the XML of every worksheet: its <cols> declarations are ranges min <= max that do not
    overlap and stay within the sheet's columns (the last column holding a cell) — GDAL 3.6
    declared 27 ranges each running to column 1024, which Excel offers to "repair";
  - openpyxl (Debian python3-openpyxl, passed in by the caller through debian_module): the
    workbook loads, each sheet has as many columns as its XML.
sheets(path, openpyxl) returns {sheet name: list of rows (tuples of values)} read by openpyxl.
"""
import re
import xml.etree.ElementTree as ET
import zipfile

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _column(ref):
    """1-based column number of a cell reference ("AB12" -> 28)."""
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):
        n = n * 26 + ord(ch) - 64
    return n


def _sheet_xml(z, name):
    root = ET.fromstring(z.read(name))
    last = max((_column(c.get("r")) for c in root.iter(MAIN + "c") if c.get("r")), default=0)
    cols = root.find(MAIN + "cols")
    ranges = [(int(c.get("min")), int(c.get("max"))) for c in cols] if cols is not None else []
    return last, ranges


def problems(path, openpyxl):
    out = []
    with zipfile.ZipFile(path) as z:
        names = sorted(n for n in z.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
        if not names:
            return [f"{path}: no worksheet"]
        widths = []
        for name in names:
            last, ranges = _sheet_xml(z, name)
            widths.append(last)
            prev = 0
            for lo, hi in sorted(ranges):
                if lo > hi or lo <= prev:
                    out.append(f"{name}: <col min={lo} max={hi}> overlaps or is reversed")
                if hi > last:
                    out.append(f"{name}: <col min={lo} max={hi}> past the last column {last}")
                prev = max(prev, hi)
            if ranges and len(ranges) != last:
                out.append(f"{name}: {len(ranges)} <col> for {last} columns")
    try:
        wb = openpyxl.load_workbook(path)
    except Exception as e:   # any failure to open is the finding
        return out + [f"openpyxl cannot open {path}: {e}"]
    for ws, last in zip(wb.worksheets, widths):
        if ws.max_column != last:
            out.append(f"openpyxl: sheet {ws.title} has {ws.max_column} columns, XML {last}")
    return out


def sheets(path, openpyxl):
    wb = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
