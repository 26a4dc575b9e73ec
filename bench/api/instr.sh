#!/usr/bin/env bash
# bench/api/instr.sh — the instructions two geodir-api binaries, A and B, execute per request,
# counted by valgrind's callgrind: a figure that other processes on the machine cannot move
# (unlike requests per second or even CPU time, which cache and frequency effects shift by
# ±10 % on a shared 2-core VM). For "did this refactoring add work to the hot path?" (issue 11)
# beside bench/api/ab.sh's CPU time, and to find where the added work goes.
#
#   bench/api/instr.sh A_BINARY B_BINARY DB BOXES [DB_B]
#
# DB: a database written by geodir-import (bench/api/run.sh's work folder); DB_B: B's own
# database when B needs another schema version (the same data imported by B's importer).
# BOXES: the "minx miny maxx maxy" lines of the peers' query boxes for that database.
# Environment: SCENARIOS ("near text ogc bbox"; also "synonym", "autocomplete", "name"), N (200 requests a scenario, after 20 not
# counted), TOP (12: the functions whose own instructions changed most, per scenario; 0: none).
# Output: per scenario, instructions per request of A and B and B ÷ A, then the top functions.
set -euo pipefail
A=${1:?usage: instr.sh A_BINARY B_BINARY DB BOXES [DB_B]} B=${2:?} DB=${3:?} BOXES=${4:?}
DB_B=${5:-$DB}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
SCENARIOS=${SCENARIOS:-near text ogc bbox} N=${N:-200} TOP=${TOP:-12}
for t in valgrind callgrind_control python3; do
    command -v "$t" >/dev/null || { echo "instr.sh: $t is missing (apt install valgrind python3)" >&2; exit 2; }
done
WORK=$(mktemp -d)
trap 'kill $(cat "$WORK"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT

count() { # NAME BINARY DB SCENARIO: callgrind profile of N requests in $WORK/NAME.SCENARIO.out.1
    local out="$WORK/$1.$4.out" port
    valgrind --tool=callgrind --compress-strings=no --compress-pos=no --callgrind-out-file="$out" \
        "$2" --port 0 --db "$3" --static_dir "$REPO/map-ui" --threads 1 --log_level warn \
        --max_connections_per_ip 100000 >"$WORK/$1.stdout" 2>"$WORK/$1.stderr" &
    echo $! >"$WORK/$1.pid"
    for _ in $(seq 3000); do grep -q '^listening' "$WORK/$1.stdout" 2>/dev/null && break; sleep 0.2; done
    port=$(sed -nE 's/^listening on http:\/\/127.0.0.1:([0-9]+)$/\1/p' "$WORK/$1.stdout")
    [ -n "$port" ] || { echo "instr.sh: $2 did not start" >&2; cat "$WORK/$1.stderr" >&2; exit 1; }
    python3 "$HERE/instr_client.py" "$port" "$BOXES" 20 "$4" >/dev/null   # indexes, caches
    callgrind_control -z "$(cat "$WORK/$1.pid")" >/dev/null 2>&1
    python3 "$HERE/instr_client.py" "$port" "$BOXES" "$N" "$4" >"$WORK/$1.$4.bytes"
    callgrind_control -d "$(cat "$WORK/$1.pid")" >/dev/null 2>&1
    kill "$(cat "$WORK/$1.pid")"
    wait "$(cat "$WORK/$1.pid")" 2>/dev/null || true
    rm -f "$WORK/$1.pid"
}

echo "A: $A ($DB)"
echo "B: $B ($DB_B)"
echo "$N requests a scenario, one server thread, callgrind ($(valgrind --version))"
for s in $SCENARIOS; do
    count a "$A" "$DB" "$s"
    count b "$B" "$DB_B" "$s"
    python3 "$HERE/instr_report.py" "$s" "$N" "$TOP" "$WORK/a.$s.out.1" "$WORK/b.$s.out.1" \
        "$(cat "$WORK/a.$s.bytes")" "$(cat "$WORK/b.$s.bytes")"
done
