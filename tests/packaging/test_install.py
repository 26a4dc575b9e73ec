#!/usr/bin/env python3
"""packaging.install — a real installation of the .deb, in a throw-away root (tests/packaging/).

The machine's own root file system stays untouched: every step runs in a private mount
namespace (unshare --mount) where an overlay of / (writes go to WORK_DIR/upper) is the root of a
chroot. There: `dpkg -i` with its real dependency check and maintainer scripts; the installed
geodir-import imports the installed sample territory (/etc/geodir/aire-argonne.json) into
/var/lib/geodir with nothing but its compiled-in and beside-the-program paths (the source tree's
profiles are hidden under an empty tmpfs); the installed geodir-api started with
/etc/geodir/geoapi.conf only serves it (/api/health, the page, Leaflet); `dpkg --purge` removes
the programs, /etc/geodir and /var/lib/geodir. Needs root (as CI runs) and overlayfs.

usage: test_install.py DEB SOURCE_DIR WORK_DIR
"""
import json
import os
import shutil
import sys

from pkg_common import check, finish, require_tools

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import ApiServer, fresh_dir, run_program  # noqa: E402


class Root:
    """The overlay root: in_root(cmd) is the command line that runs cmd chrooted in it."""

    def __init__(self, work, src):
        self.merged = os.path.join(work, "merged")
        self.upper = os.path.join(work, "upper")
        self.ovwork = os.path.join(work, "ovwork")
        self.src = src
        for d in (self.merged, self.upper, self.ovwork):
            os.makedirs(d)

    def in_root(self, cmd):
        m = self.merged
        script = (
            "set -e\n"
            f"mount -t overlay overlay -o lowerdir=/,upperdir={self.upper},"
            f"workdir={self.ovwork} {m}\n"
            f"mount -t proc proc {m}/proc\n"
            f"mount --rbind /dev {m}/dev\n"
            # the source tree's profiles: hidden (when the overlay shows them: the tree may be
            # on another file system), so that the installed ones must be found
            f"if [ -d {m}{self.src}/importer/profiles ]; then\n"
            f"    mount -t tmpfs -o size=1m tmpfs {m}{self.src}/importer/profiles\n"
            "fi\n"
            f'exec chroot {m} "$@"\n')
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"] + cmd

    def run(self, cmd, timeout=120):
        return run_program(self.in_root(cmd), timeout=timeout)


def main():
    deb, src, work = (os.path.abspath(a) for a in sys.argv[1:4])
    require_tools("unshare", "chroot", "mount")
    if not check(os.geteuid() == 0, "runs as root (a real dpkg -i in a throw-away root; CI "
                                    "runs as root)"):
        finish()
    if not check(os.path.isfile(deb), f"the .deb of packaging.deb is there ({deb})"):
        finish()
    fresh_dir(work)
    root = Root(work, src)
    shutil.copy(deb, os.path.join(root.upper, "geodir-test.deb"))

    p = root.run(["true"])
    if not check(p.returncode == 0, f"an overlay of / in a private mount namespace "
                                    f"(overlayfs, CAP_SYS_ADMIN): {p.err.strip()[:300]}"):
        finish()
    p = root.run(["dpkg", "-i", "/geodir-test.deb"])
    print(p.out[-1500:])
    check(p.returncode == 0 and "Setting up geodir" in p.out,
          f"dpkg -i geodir.deb: installed, dependencies satisfied (exit {p.returncode}: "
          f"{p.err.strip()[-400:]})")
    p = root.run(["dpkg-query", "-W", "-f=${Status} ${Version}", "geodir"])
    check(p.out.startswith("install ok installed"), f"dpkg knows geodir: {p.out!r}")

    p = root.run(["/usr/bin/geodir-import", "--config", "/etc/geodir/aire-argonne.json",
                  "--db", "/var/lib/geodir/geodir.sqlite", "--no-exports", "--quiet"], timeout=300)
    if not check(p.returncode == 0, "the installed geodir-import imports the installed sample "
                                    f"territory into /var/lib/geodir (exit {p.returncode}: "
                                    f"{p.err.strip()[-400:]})"):
        finish()

    api = ApiServer("unshare", root.in_root(["/usr/bin/geodir-api", "--config",
                                             "/etc/geodir/geoapi.conf", "--port", "0"])[1:],
                    os.path.join(work, "api.log"), name="installed geodir-api")
    try:
        st, _, body = api.request("GET", "/api/health")
        health = json.loads(body) if st == 200 else {}
        check(st == 200 and health.get("places", 0) > 0 and health.get("communes") == 47,
              f"/api/health of the installed server: 200, the 47 communes (got {st}: {body[:150]!r})")
        for target, what in (("/", b"<html"), ("/vendor/leaflet/leaflet.js", b"Leaflet"),
                             ("/api/territory", b"Argonne")):
            st, _, body = api.request("GET", target)
            check(st == 200 and what in body[:6000], f"GET {target} -> 200")
    finally:
        check(api.stop() == 0, "installed geodir-api stopped cleanly on SIGTERM")

    p = root.run(["dpkg", "--purge", "geodir"])
    check(p.returncode == 0, f"dpkg --purge geodir (exit {p.returncode}: {p.err.strip()[-300:]})")
    for path in ("/usr/bin/geodir-api", "/usr/share/geodir", "/etc/geodir", "/var/lib/geodir"):
        p = root.run(["test", "!", "-e", path])
        check(p.returncode == 0, f"purged: {path} is gone")
    shutil.rmtree(work, ignore_errors=True)
    finish()


if __name__ == "__main__":
    main()
