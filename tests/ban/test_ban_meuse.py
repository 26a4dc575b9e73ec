#!/usr/bin/env python3
"""Real-data test of BAN-compatible geocoding (label realdata): the BANO addresses of Meuse
(../shared/datasets/bano-55_2015-03.csv, ODbL, read in place) through the real importer (profile
`bano`) and the real server.

The territory lists every Meuse commune present in the file (built here from the INSEE prefixes
of its ids), with their boundaries from communes-55-meuse.geojson. A deterministic sample of
1,000 addresses (evenly spaced over the file, among ids that occur once) is held out of the
index-building question — nothing about them is given to the server but their text — and
geocoded from "<numero> <voie> <code_post> <nom_comm>":
  - through GET /api/search/ (BAN defaults: autocomplete on): top-1 must be the address itself
    (same id, or same number, street and commune: BANO repeats some points) for >= 99 %;
  - through POST /api/search/csv/ (one upload with BOM, `;` and CRLF): each row's result must
    equal /api/search/?autocomplete=0&limit=1 (what addok-csv runs), and top-1 >= 99 % too;
  - the answers carry the licence of BANO: ODbL-1.0, OpenStreetMap contributors.

usage: test_ban_meuse.py GEODIR_API GEODIR_IMPORT SOURCE_DIR DATASETS WORK_DIR
"""
import csv
import http.client
import io
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import uuid

sys.dont_write_bytecode = True   # tests write only under the build tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import ApiServer, check, failures  # noqa: E402

API, IMPORTER, SRC, DATA, WORK = sys.argv[1:6]
BANO = os.path.join(DATA, "bano-55_2015-03.csv")
BOUNDARIES = os.path.join(DATA, "communes-55-meuse.geojson")
SAMPLE = 1000


def norm_hn(s):
    return (s or "").replace(" ", "").upper()


def same_address(p, row):
    return p.get("id") == row["id"] or (
        norm_hn(p.get("housenumber")) == norm_hn(row["numero"]) and p.get("street") == row["voie"]
        and p.get("citycode") == row["id"][:5])


def main():
    if not os.path.isfile(BANO):
        check(False, f"{BANO} exists")
        return
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    with open(BANO, encoding="utf-8", newline="") as f:
        rows = [dict(zip(("id", "numero", "voie", "code_post", "nom_comm", "source", "lat", "lon"),
                         r))
                for r in csv.reader(f)]
    communes = sorted({r["id"][:5] for r in rows})
    print(f"BANO Meuse: {len(rows)} rows, {len(communes)} communes")

    cfg = {"territory": {"name": "Meuse (communes de BANO)", "short_name": "Meuse BANO",
                         "epci_siren": "200066140", "communes": communes,
                         "default_licence": "ODbL-1.0"},
           "map": {"center": [48.95, 5.3], "zoom": 9, "tiles_url": "", "tiles_attribution": ""},
           "data_dir": DATA,
           "sources": [{"name": "limites", "profile": "commune-boundaries", "path": BOUNDARIES},
                       {"name": "bano", "profile": "bano", "path": BANO,
                        "data_date": "2015-03-24"}]}
    cfg_path = os.path.join(WORK, "meuse.json")
    with open(cfg_path, "w", encoding="utf-8") as f:
        json.dump(cfg, f, ensure_ascii=False)
    db = os.path.join(WORK, "meuse.sqlite")
    t0 = time.monotonic()
    p = subprocess.run([IMPORTER, "--config", cfg_path, "--db", db, "--quiet"], cwd=WORK,
                       capture_output=True, text=True, timeout=400)
    print(p.stdout[-2000:])
    if not check(p.returncode == 0 and os.path.isfile(db),
                 f"import of BANO Meuse ({time.monotonic() - t0:.1f} s; {p.stderr[-800:]})"):
        return

    counts = {}
    for r in rows:
        counts[r["id"]] = counts.get(r["id"], 0) + 1
    unique = [r for r in rows if counts[r["id"]] == 1 and r["numero"] and r["voie"]]
    step = len(unique) / SAMPLE
    sample = [unique[int(i * step)] for i in range(SAMPLE)]

    srv = ApiServer(API, ["--port", "0", "--db", db, "--static_dir", os.path.join(SRC, "map-ui"),
                          "--threads", "4"], os.path.join(WORK, "server.stderr"), required=False)
    port = srv.port
    if port is None:
        return
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(path):
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, json.loads(r.read())

    try:
        # 1. /api/search/, BAN defaults
        hits = exact_ids = 0
        misses = []
        t0 = time.monotonic()
        first = None
        for r in sample:
            q = f"{r['numero']} {r['voie']} {r['code_post']} {r['nom_comm']}"
            st, doc = get("/api/search/?" + urllib.parse.urlencode({"q": q, "limit": 1}))
            first = first or doc
            prop = doc["features"][0]["properties"] if st == 200 and doc.get("features") else {}
            if same_address(prop, r):
                hits += 1
                exact_ids += prop.get("id") == r["id"]
            elif len(misses) < 10:
                misses.append((q, prop.get("label"), prop.get("id"), r["id"]))
        dt = time.monotonic() - t0
        print("misses:", *misses, sep="\n  ")
        check(hits >= 0.99 * SAMPLE,
              f"/api/search/: top-1 is the address for {hits}/{SAMPLE} "
              f"({exact_ids} with its very id)")
        check(first.get("licence") == "ODbL-1.0"
              and first.get("attribution") == "© les contributeurs d'OpenStreetMap, BANO",
              "answers are ODbL, OpenStreetMap contributors "
              f"({first.get('licence')}, {first.get('attribution')})")

        # 2. the same sample through /api/search/csv/ in one upload
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
        w.writerow(["id", "numero", "voie", "code_post", "nom_comm"])
        for r in sample:
            w.writerow([r["id"], r["numero"], r["voie"], r["code_post"], r["nom_comm"]])
        data = ("\ufeff" + buf.getvalue()).encode("utf-8")
        boundary = "----geodir" + uuid.uuid4().hex
        disposition = f"--{boundary}\r\nContent-Disposition: form-data; name="
        parts = [f"{disposition}\"columns\"\r\n\r\n{c}\r\n".encode()
                 for c in ("numero", "voie", "code_post", "nom_comm")]
        parts.append(f"{disposition}\"data\"; filename=\"meuse.csv\"\r\n"
                     "Content-Type: text/csv\r\n\r\n".encode() + data + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        t0 = time.monotonic()
        conn.request("POST", "/api/search/csv/", body=b"".join(parts),
                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        resp = conn.getresponse()
        out = resp.read().decode("utf-8")
        dt_csv = time.monotonic() - t0
        check(resp.status == 200 and out.startswith("\ufeff"),
              f"/api/search/csv/: 200, BOM kept ({resp.status})")
        got = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff")), delimiter=";"))
        check(len(got) == SAMPLE, f"/api/search/csv/: {SAMPLE} rows back ({len(got)})")
        csv_hits = agree = 0
        for r, g in zip(sample, got):
            prop = {"id": g["result_id"], "housenumber": g["result_housenumber"],
                    "street": g["result_street"],
                    "citycode": g["result_citycode"]}
            csv_hits += same_address(prop, r)
            q = f"{r['numero']} {r['voie']} {r['code_post']} {r['nom_comm']}"
            st, doc = get("/api/search/?" + urllib.parse.urlencode({"q": q, "limit": 1,
                                                                    "autocomplete": 0}))
            p = doc["features"][0]["properties"] if doc.get("features") else {}
            c = doc["features"][0]["geometry"]["coordinates"] if doc.get("features") else None
            agree += (g["id"] == r["id"] and g["result_id"] == p.get("id", "")
                      and g["result_label"] == p.get("label", "")
                      and g["result_type"] == p.get("type", "")
                      and (c is None or (abs(float(g["longitude"]) - c[0]) < 1e-6
                                         and abs(float(g["latitude"]) - c[1]) < 1e-6)))
        check(csv_hits >= 0.99 * SAMPLE,
              f"/api/search/csv/: top-1 is the address for {csv_hits}/{SAMPLE}")
        check(agree == SAMPLE,
              f"/api/search/csv/ rows equal /api/search/?autocomplete=0 top-1: {agree}/{SAMPLE}")
        print(f"FIGURES ban_meuse rows={len(rows)} communes={len(communes)} sample={SAMPLE} "
              f"search_top1={hits} search_same_id={exact_ids} csv_top1={csv_hits} "
              f"csv_agree={agree} "
              f"search_seconds={dt:.2f} csv_seconds={dt_csv:.2f}")
    finally:
        conn.close()
        code = srv.stop(timeout=20)
        check(code == 0, "server: clean exit")


if __name__ == "__main__":
    main()
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)
