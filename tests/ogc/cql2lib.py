"""CQL2 for the tests of the filter (tests/ogc/test_filter.py, test_schema.py): CQL2 JSON
written as CQL2 text (the same expression in both encodings), and a brute-force evaluation of
CQL2 JSON on a GeoJSON feature, written from the standard and docs/ogc.md ("Filter"), not from
the server: three-valued logic (None is unknown), strings compared by code point, LIKE
case-sensitive with % and _, date-time properties compared as instants, S_INTERSECTS by OGR
(GEOS) on the feature's GeoJSON geometry. Standard library, and osgeo.ogr passed in.
"""
import datetime
import json
import re

CMP = {"=": lambda a, b: a == b, "<>": lambda a, b: a != b, "<": lambda a, b: a < b,
       ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}


# ---- CQL2 JSON -> CQL2 text ---------------------------------------------------------------

def lit_text(v):
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    if "date" in v:
        return f"DATE('{v['date']}')"
    if "timestamp" in v:
        return f"TIMESTAMP('{v['timestamp']}')"
    raise ValueError(v)


def coords_text(c, levels):
    if levels == 0:
        return f"{c[0]!r} {c[1]!r}"
    return "(" + ",".join(coords_text(x, levels - 1) for x in c) + ")"


WKT = {"Point": ("POINT", 0), "LineString": ("LINESTRING", 1), "Polygon": ("POLYGON", 2),
       "MultiPoint": ("MULTIPOINT", 1), "MultiLineString": ("MULTILINESTRING", 2),
       "MultiPolygon": ("MULTIPOLYGON", 3)}


def geom_text(g):
    if "bbox" in g:
        return "BBOX(" + ",".join(repr(x) for x in g["bbox"]) + ")"
    kw, levels = WKT[g["type"]]
    body = coords_text(g["coordinates"], levels)
    return kw + (f"({body})" if levels == 0 else body)


def to_text(n):
    if isinstance(n, bool):
        return "TRUE" if n else "FALSE"
    op, a = n["op"], n["args"]
    if op in ("and", "or"):
        return "(" + f" {op.upper()} ".join(to_text(x) for x in a) + ")"
    if op == "not":
        return "NOT (" + to_text(a[0]) + ")"
    prop = a[0]["property"]
    if op in CMP:
        return f"{prop} {op} {lit_text(a[1])}"
    if op == "like":
        return f"{prop} LIKE {lit_text(a[1])}"
    if op == "between":
        return f"{prop} BETWEEN {lit_text(a[1])} AND {lit_text(a[2])}"
    if op == "in":
        return f"{prop} IN (" + ", ".join(lit_text(x) for x in a[1]) + ")"
    if op == "isNull":
        return f"{prop} IS NULL"
    if op == "s_intersects":
        return f"S_INTERSECTS({prop}, {geom_text(a[1])})"
    raise ValueError(op)


# ---- brute force --------------------------------------------------------------------------

def instant(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))


def like_regex(pattern):
    out, i = "", 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        elif ch == "%":
            out += ".*"
        elif ch == "_":
            out += "."
        else:
            out += re.escape(ch)
        i += 1
    return re.compile(out, re.DOTALL)


class Evaluator:
    """evaluate(expr, feature) -> True, False or None (unknown). datetimes: the properties
    compared as instants; ogr: osgeo.ogr."""

    def __init__(self, ogr, datetimes=()):
        self.ogr = ogr
        self.datetimes = set(datetimes)
        self.geoms = {}

    def geometry(self, f):
        if f["geometry"] is None:
            return None
        key = f["id"]
        if key not in self.geoms:
            self.geoms[key] = self.ogr.CreateGeometryFromJson(json.dumps(f["geometry"]))
        return self.geoms[key]

    def literal(self, prop, v):
        if isinstance(v, dict):
            v = v.get("date", v.get("timestamp"))
        return instant(v) if prop in self.datetimes else v

    def literal_geom(self, g):
        if "bbox" in g:
            x1, y1, x2, y2 = g["bbox"]
            g = {"type": "Polygon",
                 "coordinates": [[[x1, y1], [x2, y1], [x2, y2], [x1, y2], [x1, y1]]]}
        return self.ogr.CreateGeometryFromJson(json.dumps(g))

    def evaluate(self, n, f):
        if isinstance(n, bool):
            return n
        op, a = n["op"], n["args"]
        if op == "and":
            vals = [self.evaluate(x, f) for x in a]
            return False if False in vals else (None if None in vals else True)
        if op == "or":
            vals = [self.evaluate(x, f) for x in a]
            return True if True in vals else (None if None in vals else False)
        if op == "not":
            v = self.evaluate(a[0], f)
            return None if v is None else not v
        prop = a[0]["property"]
        if op == "s_intersects":
            g = self.geometry(f)
            return None if g is None else g.Intersects(self.literal_geom(a[1]))
        v = f["properties"].get(prop)
        if op == "isNull":
            return v is None
        if v is None:
            return None
        if prop in self.datetimes:
            v = instant(v)
        if op in CMP:
            return CMP[op](v, self.literal(prop, a[1]))
        if op == "like":
            return like_regex(a[1]).fullmatch(v) is not None
        if op == "between":
            return self.literal(prop, a[1]) <= v <= self.literal(prop, a[2])
        if op == "in":
            return v in [self.literal(prop, x) for x in a[1]]
        raise ValueError(op)

    def select(self, expr, features):
        return [f["id"] for f in features if self.evaluate(expr, f) is True]
