#!/usr/bin/env python3
"""make_boundaries.py - generate APPROXIMATE commune cells for the sample data.

The project may not copy the real commune outlines (IGN Admin Express) into the repository, yet
the sample configuration needs a boundary per member commune. This script builds Voronoi cells
around one public centre point per commune and clips them to a simple hull of the territory:

  1. read the centre points (default: La Poste commune points, columns laposte_lat/laposte_lon
     of ../shared/datasets/epci-200066140_communes.csv, READ from there, never copied);
  2. project to a local equirectangular plane (metres, good enough over 60 km);
  3. hull = convex hull of circles of --buffer-km around every centre, clipped to the known
     bounding box of the territory;
  4. each cell = the hull cut by the perpendicular bisector half-planes towards every other
     centre (a convex polygon clipped by half-planes stays convex, so the cells tile the hull
     exactly and never overlap);
  5. write a france-geojson style FeatureCollection (EPSG:4326, properties code/nom,
     coordinates rounded to 5 decimals, exterior rings counter-clockwise per RFC 7946).

The output is NOT an official boundary: it is for demonstration and tests only.

Usage (from the repository root):
  python3 datasets/tools/make_boundaries.py \
      [--centres ../shared/datasets/epci-200066140_communes.csv] \
      [--out datasets/samples/limites/communes-exemple.geojson]

Python 3 standard library only. Deterministic: same input, same bytes out.
"""

import argparse
import csv
import json
import math
import sys

# Known bounding box of the territory (lon/lat), from the dissolved official outline.
BBOX = (4.96543, 48.77496, 5.49318, 49.07331)
LAT0 = 48.92          # projection parallel
LON0 = 5.23
M_PER_DEG_LAT = 110574.0
M_PER_DEG_LON = 111320.0 * math.cos(math.radians(LAT0))
MAX_CENTRES = 1000    # input size limit


def project(lon, lat):
    return ((lon - LON0) * M_PER_DEG_LON, (lat - LAT0) * M_PER_DEG_LAT)


def unproject(x, y):
    return (LON0 + x / M_PER_DEG_LON, LAT0 + y / M_PER_DEG_LAT)


def cross(o, a, b):
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(points):
    """Andrew's monotone chain; returns the hull counter-clockwise, no repeated point."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts
    lower, upper = [], []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def clip_halfplane(poly, a, b, c):
    """Keep the part of convex polygon poly where a*x + b*y <= c (Sutherland-Hodgman)."""
    out = []
    n = len(poly)
    for i in range(n):
        p, q = poly[i], poly[(i + 1) % n]
        fp = a * p[0] + b * p[1] - c
        fq = a * q[0] + b * q[1] - c
        if fp <= 0:
            out.append(p)
        if (fp < 0 < fq) or (fq < 0 < fp):
            t = fp / (fp - fq)
            out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
    return out


def read_centres(path):
    centres = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if len(centres) >= MAX_CENTRES:
                raise SystemExit(f"{path}: more than {MAX_CENTRES} rows")
            code = row["code_insee"].strip()
            if len(code) != 5:
                raise SystemExit(f"{path}: bad INSEE code {code!r}")
            centres.append((code, row["nom"].strip(),
                            float(row["laposte_lon"]), float(row["laposte_lat"])))
    centres.sort()
    return centres


def build_hull(sites, buffer_m):
    circle = []
    for (x, y) in sites:
        for k in range(32):
            ang = 2.0 * math.pi * k / 32
            circle.append((x + buffer_m * math.cos(ang), y + buffer_m * math.sin(ang)))
    hull = convex_hull(circle)
    x0, y0 = project(BBOX[0], BBOX[1])
    x1, y1 = project(BBOX[2], BBOX[3])
    hull = clip_halfplane(hull, -1.0, 0.0, -x0)   # x >= x0
    hull = clip_halfplane(hull, 1.0, 0.0, x1)     # x <= x1
    hull = clip_halfplane(hull, 0.0, -1.0, -y0)   # y >= y0
    hull = clip_halfplane(hull, 0.0, 1.0, y1)     # y <= y1
    return hull


def ring_area(ring):
    s = 0.0
    for i in range(len(ring) - 1):
        s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1]
    return s / 2.0


def to_ring(cell):
    ring = []
    for (x, y) in cell:
        lon, lat = unproject(x, y)
        pt = [round(lon, 5), round(lat, 5)]
        if not ring or ring[-1] != pt:
            ring.append(pt)
    if len(ring) > 1 and ring[0] == ring[-1]:
        ring.pop()
    ring.append(list(ring[0]))
    if ring_area(ring) < 0:
        ring.reverse()
    return ring


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--centres", default="../shared/datasets/epci-200066140_communes.csv")
    ap.add_argument("--out", default="datasets/samples/limites/communes-exemple.geojson")
    ap.add_argument("--buffer-km", type=float, default=3.0)
    args = ap.parse_args()

    centres = read_centres(args.centres)
    sites = [project(lon, lat) for (_, _, lon, lat) in centres]
    hull = build_hull(sites, args.buffer_km * 1000.0)

    features = []
    for i, (code, nom, _, _) in enumerate(centres):
        cell = hull
        si = sites[i]
        for j, sj in enumerate(sites):
            if j == i:
                continue
            a, b = 2.0 * (sj[0] - si[0]), 2.0 * (sj[1] - si[1])
            c = (sj[0] ** 2 + sj[1] ** 2) - (si[0] ** 2 + si[1] ** 2)
            cell = clip_halfplane(cell, a, b, c)
        if len(cell) < 3:
            raise SystemExit(f"empty cell for {code}")
        features.append({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [to_ring(cell)]},
            "properties": {"code": code, "nom": nom},
        })

    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write('{"type":"FeatureCollection","name":"communes-exemple","features":[\n')
        for k, feat in enumerate(features):
            f.write(json.dumps(feat, ensure_ascii=False, separators=(",", ":")))
            f.write(",\n" if k + 1 < len(features) else "\n")
        f.write("]}\n")
    print(f"{args.out}: {len(features)} approximate cells", file=sys.stderr)


if __name__ == "__main__":
    main()
