#!/usr/bin/env python3
"""packaging.deb — the Debian package built by CPack, as a user gets it (tests/packaging/).

Builds the .deb with `cpack -G DEB` from the build tree, then: its control data (Depends found
by dpkg-shlibdeps plus cracklib-runtime, conffiles of /etc/geodir, maintainer scripts); lintian
without an error and without a warning that packaging/README.md does not list; `apt-get install
--simulate` resolves its dependencies on this machine; `dpkg-deb -x` into a temporary root has
every installed file; the extracted geodir-import imports the installed sample territory with
the installed profiles (found beside the program, not in the source tree), and the extracted geodir-api, with the installed geoapi.conf, serves it
(/api/health, the page, Leaflet, supercluster, the installed form definitions). The .deb is left
at work/geodir.deb for packaging.install and packaging.units.

usage: test_deb.py CPACK CPACK_CONFIG SOURCE_DIR WORK_DIR
"""
import glob
import json
import os
import re
import subprocess
import sys
import time

from pkg_common import INSTALLED, check, conf_values, finish, require_tools

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import ApiServer, fresh_dir, run_program  # noqa: E402


def build_deb(cpack, config, work):
    t0 = time.monotonic()
    p = run_program([cpack, "-G", "DEB", "--config", config, "-B", os.path.join(work, "cpack")],
                    timeout=300)
    debs = glob.glob(os.path.join(work, "cpack", "geodir_*.deb"))
    check(p.returncode == 0 and len(debs) == 1,
          f"cpack -G DEB built one .deb in {time.monotonic() - t0:.1f} s "
          f"(exit {p.returncode}: {p.err[-400:].strip()})")
    if not debs:
        finish()
    deb = os.path.join(work, "geodir.deb")
    os.replace(debs[0], deb)
    return deb


def check_control(deb, work):
    ctrl = os.path.join(work, "control")
    subprocess.run(["dpkg-deb", "-e", deb, ctrl], check=True)
    with open(os.path.join(ctrl, "control"), encoding="utf-8") as f:
        control = f.read()
    depends = re.search(r"^Depends: (.*)$", control, re.M)
    depends = depends.group(1) if depends else ""
    print("     Depends:", depends)
    for lib in ("libc6", "libgdal", "libspatialite", "libsqlite3", "libcjson", "libsodium",
                "libcurl", "libssl", "cracklib-runtime"):
        check(lib in depends, f"Depends names {lib} (dpkg-shlibdeps, or explicit)")
    with open(os.path.join(ctrl, "conffiles"), encoding="utf-8") as f:
        conffiles = f.read().split()
    check("/etc/geodir/geoapi.conf" in conffiles and "/etc/geodir/aire-argonne.json" in conffiles,
          "conffiles: /etc/geodir/geoapi.conf and the territory configurations")
    check(any(c.startswith("/etc/geodir/forms/") for c in conffiles),
          "conffiles: the form definitions of /etc/geodir/forms")
    for script in ("postinst", "prerm", "postrm"):
        path = os.path.join(ctrl, script)
        check(os.path.isfile(path) and os.access(path, os.X_OK), f"maintainer script {script}")


def documented_warnings(src):
    """The lintian tags packaging/README.md lists (`tag` in its « lintian » table)."""
    with open(os.path.join(src, "packaging", "README.md"), encoding="utf-8") as f:
        text = f.read()
    section = text.split("## lintian", 1)[-1]
    return set(re.findall(r"^\| `([a-z0-9-]+)`", section, re.M))


def check_lintian(deb, src):
    t0 = time.monotonic()
    p = run_program(["lintian", "--allow-root", "--no-tag-display-limit", deb], timeout=300)
    lines = [ln for ln in p.out.splitlines() if re.match(r"^[EWIPNX]: ", ln)]
    errors = [ln for ln in lines if ln.startswith("E: ")]
    warnings = [ln for ln in lines if ln.startswith("W: ")]
    print(p.out.strip())
    check(not errors, f"lintian: no error ({len(errors)}; {time.monotonic() - t0:.1f} s)")
    known = documented_warnings(src)
    tags = sorted({ln.split()[2] for ln in warnings})
    print(f"     lintian warnings: {tags}")
    missing = [t for t in tags if t not in known]
    check(not missing, f"lintian: every warning is listed with its reason in packaging/README.md "
                       f"(not listed: {missing})")


def check_files(root):
    for rel in INSTALLED:
        check(os.path.exists(os.path.join(root, rel)), f"installed: /{rel}")
    conf = conf_values(os.path.join(root, "etc/geodir/geoapi.conf"))
    check(conf.get("static_dir") == "/usr/share/geodir/map-ui",
          f"geoapi.conf: static_dir is the installed page (got {conf.get('static_dir')})")
    check(conf.get("db") == "/var/lib/geodir/geodir.sqlite",
          f"geoapi.conf: db is in the state folder (got {conf.get('db')})")
    with open(os.path.join(root, "etc/geodir/aire-argonne.json"), encoding="utf-8") as f:
        data_dir = json.load(f).get("data_dir")
    check(data_dir == "/usr/share/geodir/datasets/samples"
          and os.path.isdir(os.path.join(root, data_dir.lstrip("/"))),
          f"aire-argonne.json: data_dir is the installed samples (got {data_dir})")
    with open(os.path.join(root, "etc/geodir/aire-argonne-live.json"), encoding="utf-8") as f:
        data_dir = json.load(f).get("data_dir")
    check(data_dir == "/var/lib/geodir/downloads",
          f"aire-argonne-live.json: data_dir is the state folder's downloads (got {data_dir})")
    return conf


def serve_extracted(root, work):
    db = os.path.join(work, "geodir.sqlite")
    p = run_program([os.path.join(root, "usr/bin/geodir-import"),
                     "--config", os.path.join(root, "etc/geodir/aire-argonne.json"),
                     "--data-dir", os.path.join(root, "usr/share/geodir/datasets/samples"),
                     "--db", db, "--no-exports", "--quiet"], timeout=300)
    if not check(p.returncode == 0 and os.path.isfile(db),
                 f"the extracted geodir-import imported the installed sample territory "
                 f"(exit {p.returncode}: {p.err[-300:].strip()})"):
        finish()
    srv = ApiServer(os.path.join(root, "usr/bin/geodir-api"),
                    ["--config", os.path.join(root, "etc/geodir/geoapi.conf"),
                     "--static_dir", os.path.join(root, "usr/share/geodir/map-ui"),
                     "--db", db, "--port", "0",
                     "--forms_dir", os.path.join(root, "etc/geodir/forms"),
                     "--forms_db", os.path.join(work, "forms.sqlite"),
                     "--forms_files_dir", os.path.join(work, "forms-files")],
                    os.path.join(work, "api.log"), name="extracted geodir-api")
    try:
        st, _, body = srv.request("GET", "/api/health")
        health = json.loads(body) if st == 200 else {}
        check(st == 200 and health.get("places", 0) > 0,
              f"/api/health -> 200 with places (got {st}: {body[:120]!r})")
        for target, what in (("/", b"<html"), ("/vendor/leaflet/leaflet.js", b"Leaflet"),
                             ("/vendor/supercluster/supercluster.min.js", b"")):
            st, _, body = srv.request("GET", target)
            check(st == 200 and what in body[:4000], f"GET {target} -> 200 from the installed files")
        st, _, body = srv.request("GET", "/api/forms")
        n = len(glob.glob(os.path.join(root, "etc/geodir/forms/*.json")))
        forms = json.loads(body) if st == 200 else {}
        listed = forms.get("forms", forms) if isinstance(forms, dict) else forms
        check(st == 200 and n > 0 and len(listed) == n,
              f"/api/forms lists the {n} installed form definitions (got {st}: {body[:120]!r})")
    finally:
        check(srv.stop() == 0, "extracted geodir-api stopped cleanly on SIGTERM")


def main():
    cpack, config, src, work = sys.argv[1:5]
    require_tools("lintian", "dpkg-deb", "dpkg-shlibdeps", "apt-get")
    fresh_dir(work)
    deb = build_deb(cpack, config, work)
    check_control(deb, work)
    check_lintian(deb, src)
    p = run_program(["apt-get", "install", "--simulate", "-q", deb], timeout=120)
    check(p.returncode == 0 and re.search(r"^Inst geodir ", p.out, re.M) is not None,
          f"apt-get install --simulate: the dependencies resolve (exit {p.returncode}: "
          f"{(p.err or p.out)[-300:].strip()})")
    root = os.path.join(work, "root")
    subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
    check_files(root)
    serve_extracted(root, work)
    finish()


if __name__ == "__main__":
    main()
