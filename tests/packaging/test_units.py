#!/usr/bin/env python3
"""packaging.units — the systemd units the package installs (tests/packaging/).

`systemd-analyze verify` on the three units of the extracted package (packaging.deb's
work/root), their ExecStart pointed at the extracted programs so that verify can check them:
exit 0 and nothing on stderr (an unknown key or a bad value is only a warning there). Then
`systemd-analyze security --offline=true`: the exposure score of each service, at most
MAX_EXPOSURE, with the sandboxing the issue asks for in place (DynamicUser, ProtectSystem=strict,
write access to /var/lib/geodir only…). Needs the package systemd (Debian 12).

usage: test_units.py EXTRACTED_ROOT WORK_DIR
"""
import os
import re
import sys

from pkg_common import check, finish, require_tools

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from geodir_test import fresh_dir, run_program  # noqa: E402

UNITS = ["geodir-api.service", "geodir-import.service", "geodir-import.timer"]
MAX_EXPOSURE = 2.0
# what each service must say, read from the unit file itself
REQUIRED = ["DynamicUser=yes", "StateDirectory=geodir", "ProtectSystem=strict",
            "ReadWritePaths=/var/lib/geodir", "ProtectHome=yes", "PrivateTmp=yes",
            "NoNewPrivileges=yes", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
            "SystemCallFilter=@system-service", "CapabilityBoundingSet="]


def main():
    root, work = (os.path.abspath(a) for a in sys.argv[1:3])
    (analyze,) = require_tools("systemd-analyze")
    unit_dir = os.path.join(root, "usr/lib/systemd/system")
    if not check(all(os.path.isfile(os.path.join(unit_dir, u)) for u in UNITS),
                 f"the package installs {UNITS} in /usr/lib/systemd/system"):
        finish()
    fresh_dir(work)
    copies = []
    for unit in UNITS:
        with open(os.path.join(unit_dir, unit), encoding="utf-8") as f:
            text = f.read()
        if unit.endswith(".service"):
            lines = text.splitlines()
            for want in REQUIRED:
                check(want in lines, f"{unit}: {want}")
            rw = [ln for ln in lines if ln.startswith("ReadWritePaths=")]
            check(rw == ["ReadWritePaths=/var/lib/geodir"], f"{unit}: writes only /var/lib/geodir")
        text = text.replace("/usr/bin/geodir-", os.path.join(root, "usr/bin/geodir-"))
        path = os.path.join(work, unit)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        copies.append(path)
    p = run_program([analyze, "verify"] + copies, timeout=60)
    check(p.returncode == 0 and not p.err.strip(),
          f"systemd-analyze verify: exit 0, no warning (exit {p.returncode}: {p.err.strip()[:600]})")
    for unit in UNITS[:2]:
        p = run_program([analyze, "security", "--offline=true", os.path.join(work, unit)],
                        timeout=60)
        m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", p.out)
        score = float(m.group(1)) if m else None
        print(f"     {unit}: exposure {score}")
        check(score is not None and score <= MAX_EXPOSURE,
              f"systemd-analyze security {unit}: exposure {score} <= {MAX_EXPOSURE} "
              f"(exit {p.returncode}: {p.err.strip()[:200]})")
    finish()


if __name__ == "__main__":
    main()
