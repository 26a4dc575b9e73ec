"""pkg_common — what the packaging tests share (tests/packaging/): the tools they need, a
failed check naming the Debian package when one is missing, and the installed layout."""
import os
import shutil
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import check, finish  # noqa: E402

# tool -> the Debian package that has it (scripts/deps installs them all)
TOOLS = {"lintian": "lintian", "dpkg-deb": "dpkg", "dpkg-shlibdeps": "dpkg-dev",
         "apt-get": "apt", "nginx": "nginx-light", "openssl": "openssl", "curl": "curl",
         "systemd-analyze": "systemd", "unshare": "util-linux", "chroot": "coreutils",
         "mount": "mount"}


def require_tools(*names):
    """The absolute path of each tool, in order; a missing one is a failed check naming its
    package, and the test ends there (never a skip)."""
    paths = []
    for name in names:
        path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
        if not check(path is not None,
                     f"{name} is installed (apt-get install {TOOLS.get(name, name)}; "
                     "scripts/deps installs it)"):
            finish()
        paths.append(path)
    return paths


# Files every installation must have (relative to the root; prefix /usr).
INSTALLED = [
    "usr/bin/geodir-api", "usr/bin/geodir-import", "usr/bin/geodir-admin",
    "usr/share/geodir/map-ui/index.html", "usr/share/geodir/map-ui/_include",
    "usr/share/geodir/map-ui/node_modules/leaflet/dist/leaflet.js",
    "usr/share/geodir/map-ui/node_modules/supercluster/dist/supercluster.min.js",
    "usr/share/geodir/profiles/local-geojson.json",
    "usr/share/geodir/datasets/catalogue.json", "usr/share/geodir/datasets/samples",
    "etc/geodir/geoapi.conf", "etc/geodir/aire-argonne.json", "etc/geodir/forms",
    "usr/lib/systemd/system/geodir-api.service", "usr/lib/systemd/system/geodir-import.service",
    "usr/lib/systemd/system/geodir-import.timer",
    "usr/share/doc/geodir/copyright", "usr/share/doc/geodir/changelog.Debian.gz",
    "usr/share/doc/geodir/geodir.conf", "usr/share/doc/geodir/scaling.md",
]


def conf_values(path):
    """key -> value of a geoapi.conf (comments and blank lines skipped)."""
    values = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                values[k.strip()] = v.strip().strip('"')
    return values
