"""bench/api/instr_report.py — one scenario's line of bench/api/instr.sh from two callgrind
profiles (written with --compress-strings=no): instructions per request of A and B, B ÷ A, the
body bytes per request, then the TOP functions whose own (self) instructions changed most.

    python3 instr_report.py SCENARIO N TOP A.out B.out A_BYTES B_BYTES
"""
import collections
import sys


def self_costs(path):
    """Self instructions per function and the profile's total (its summary line)."""
    costs, fn, in_call, total = collections.Counter(), None, False, 0
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("summary:"):
                total = int(line.split()[1])
            elif line.startswith("fn="):
                fn = line[3:].strip()
            elif line.startswith("calls="):
                in_call = True          # the next cost line is the call's inclusive cost
            elif line[:1].isdigit() or line[:1] in "+-*":
                parts = line.split()
                if in_call:
                    in_call = False
                elif fn and len(parts) >= 2:
                    costs[fn] += int(parts[1])
    return costs, total


def main():
    scenario, n, top = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    (a, ta), (b, tb) = self_costs(sys.argv[4]), self_costs(sys.argv[5])
    bytes_a, bytes_b = int(sys.argv[6]), int(sys.argv[7])
    if not ta or not tb:
        sys.exit("instr_report: a profile has no summary line")
    print("%-5s A %9.0f instr/req  B %9.0f instr/req  B/A %.4f   body bytes/req A %.0f B %.0f"
          % (scenario, ta / n, tb / n, tb / ta, bytes_a / n, bytes_b / n))
    for name in sorted(set(a) | set(b), key=lambda k: -abs(b[k] - a[k]))[:top]:
        print("      %+9.0f /req  %s" % ((b[name] - a[name]) / n, name[:100]))


main()
