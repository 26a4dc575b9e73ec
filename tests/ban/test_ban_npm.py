#!/usr/bin/env python3
"""The npm BAN client @p-j/geocodejson-ban (tests/ban/package-lock.json, installed by
scripts/deps) against the real geodir-api on 127.0.0.1 port 0 (issue 16): geocodejson_ban.mjs
makes the client's real calls (geocode() with address=, which geodir used to refuse with a 400,
the BAN filters, a point, apiKey and language; a reverse with its HTTP library), then this test
checks that every request the client sent was answered 200, that the client received exactly
what the server answers that request when asked directly, that the answers are the right
fixture addresses, and that the client's parse() read them into GeocodeJSON.

A missing node or client fails the test, saying what is missing.

usage: test_ban_npm.py GEODIR_API DB SOURCE_DIR WORK_DIR
"""
import json
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True   # tests write only under the build tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import test_ban as tb  # noqa: E402
from geodir_test import check, failures  # noqa: E402

NODE = os.environ.get("GEODIR_NODE") or "node"

EXPECT = {   # call -> (the top result's id, a check of every feature)
    "address": ("55532_0020_00008", lambda p: True),
    "filters": ("55040_0010", lambda p: p["type"] == "street" and p["postcode"] == "55260"),
    "point": ("55040_0010_00001", lambda p: p["citycode"] == "55040"),
    "options": ("55040_0040_00003", lambda p: True),
    "reverse": ("55532_0010_00012", lambda p: True),
}


def run_client(port):
    if not (shutil.which(NODE) and
            os.path.isdir(os.path.join(HERE, "node_modules", "@p-j", "geocodejson-ban"))):
        check(False, "node and @p-j/geocodejson-ban (tests/ban/node_modules, `npm ci` by "
                     "scripts/deps) are there")
        return None
    run = subprocess.run([NODE, os.path.join(HERE, "geocodejson_ban.mjs"), str(port)],
                         capture_output=True, text=True, timeout=60, cwd=HERE)
    check(run.returncode == 0, f"the client ran (exit {run.returncode}: {run.stderr[-600:]})")
    return json.loads(run.stdout) if run.returncode == 0 else None


def main():
    srv = tb.Server("npm", tb.DB)
    try:
        port = srv.port
        out = run_client(port)
        if out:
            reqs, calls = out["requests"], out["calls"]
            check(len(reqs) == 5 and all(r["status"] == 200 for r in reqs),
                  f"every request of the client answered 200 ({reqs})")
            check(sum("address=" in r["path"] for r in reqs) == 4,
                  "the client sent address= (refused with 400 before issue 16)")
            check(any("apiKey=none" in r["path"] and "language=fr" in r["path"] for r in reqs),
                  "the client sent apiKey and language, ignored as addok ignores them")
            for name, (want_id, each) in EXPECT.items():
                c = calls.get(name) or {}
                raw, parsed = c.get("raw") or {}, c.get("parsed") or {}
                path = "/api" + c.get("url", "").split("api-adresse.data.gouv.fr", 1)[-1]
                direct, _ = tb.get_json(port, path)
                feats = raw.get("features") or []
                props = [f["properties"] for f in feats]
                check(feats and raw.get("features") == direct.get("features"),
                      f"{name}: the client received the server's answer to {path}")
                check(props and props[0].get("id") == want_id and all(each(p) for p in props),
                      f"{name}: top result {want_id} ({[p.get('id') for p in props]})")
                g = parsed.get("features") or []
                check(len(g) == len(feats) and parsed.get("geocoding", {}).get("version") ==
                      "draft" and g and g[0]["properties"]["geocoding"]["label"] ==
                      props[0]["label"] and len(g[0]["properties"]["geocoding"]["geohash"]) == 9,
                      f"{name}: parse() read it into GeocodeJSON")
            q = calls["address"]["parsed"]["geocoding"]["query"]
            check(q == "8 grande rue vaubecourt", f"address: the query echoed ({q!r})")
    finally:
        check(srv.stop() == 0, "server: clean exit (SIGTERM -> 0)")
    print(f"{len(failures)} failure(s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
