#!/usr/bin/env bash
# bench/api/ab.sh — two geodir-api binaries, A and B, on the same database, measured in
# alternation (A B A B …) on the same scenarios, both servers pinned to the same CPU and wrk to
# the other: the CPU time each server spends per request (user + system, from /proc) is the
# figure compared, so that work of other processes on a shared machine moves it much less than
# requests per second. For "no regression" checks of a refactoring (issue 11) and for
# before/after of an optimisation (issue 17).
#
#   bench/api/ab.sh A_BINARY B_BINARY DB BOXES
#
# DB: a database written by geodir-import (e.g. by bench/api/run.sh in its work folder);
# BOXES: the "minx miny maxx maxy" lines of the peers' query boxes for that database.
# Environment: ROUNDS (4), DURATION (4s), CONNS (16), SCENARIOS ("near bbox text ac ogc"),
# THREADS (1: server worker threads, on CPU 0; wrk -t1 on CPU 1).
# Output: one line per scenario and binary: requests, CPU µs per request (median of the
# rounds, and each round), and B ÷ A.
set -euo pipefail
A=${1:?usage: ab.sh A_BINARY B_BINARY DB BOXES} B=${2:?} DB=${3:?} BOXES=${4:?}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PEERS_WRK="${PEERS_DIR:-$REPO/../shared/bench/peers}/wrk"
ROUNDS=${ROUNDS:-4} DURATION=${DURATION:-4s} CONNS=${CONNS:-16} THREADS=${THREADS:-1}
SCENARIOS=${SCENARIOS:-near bbox text ac ogc}
export BOXES
WORK=$(mktemp -d)
trap 'kill $(cat "$WORK"/*.pid 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT

start() { # NAME BINARY: a server on CPU 0, its port in $WORK/NAME.port
    taskset -c 0 "$2" --port 0 --db "$DB" --static_dir "$REPO/map-ui" --threads "$THREADS" \
        --log_level warn --max_connections_per_ip 100000 >"$WORK/$1.out" 2>"$WORK/$1.err" &
    echo $! >"$WORK/$1.pid"
    for _ in $(seq 200); do grep -q listening "$WORK/$1.out" 2>/dev/null && break; sleep 0.05; done
    sed -nE 's/^listening on http:\/\/127.0.0.1:([0-9]+)$/\1/p' "$WORK/$1.out" >"$WORK/$1.port"
    [ -s "$WORK/$1.port" ] || { echo "ab.sh: $2 did not start" >&2; cat "$WORK/$1.err" >&2; exit 1; }
}
ticks() { awk '{print $14 + $15}' "/proc/$(cat "$WORK/$1.pid")/stat"; }

wrk_args() { # SCENARIO: BASE/SUFFIX in the environment and the script
    case $1 in
        near) echo "BASE=/api/places? SUFFIX=&radius=5000&k=20 $HERE/points.lua" ;;
        text) echo "BASE=/api/places?q=boulangerie&limit=20& SUFFIX= $HERE/points.lua" ;;
        ac)   echo "BASE=/api/autocomplete?q=boul& SUFFIX= $HERE/points.lua" ;;
        bbox) echo "BASE=/api/places?limit=50&bbox= SUFFIX= $PEERS_WRK/bbox.lua" ;;
        ogc)  echo "BASE=/ogc/collections/places/items?f=json&limit=50&bbox= SUFFIX= $PEERS_WRK/bbox.lua" ;;
        *) echo "ab.sh: unknown scenario $1" >&2; exit 2 ;;
    esac
}

one() { # NAME SCENARIO DURATION: prints "requests cpu_us_per_request"
    local port t0 t1 reqs base suffix script
    read -r base suffix script <<<"$(wrk_args "$2")"
    port=$(cat "$WORK/$1.port")
    t0=$(ticks "$1")
    reqs=$(env "$base" "$suffix" taskset -c 1 wrk -t1 -c"$CONNS" -d"$3" --timeout 10s -s "$script" \
        "http://127.0.0.1:$port" | awk '/requests in/ {print $1}')
    t1=$(ticks "$1")
    awk -v r="$reqs" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
        'BEGIN { printf "%d %.1f\n", r, r ? t * 1e6 / hz / r : 0 }'
}

start a "$A"
start b "$B"
echo "A: $A"
echo "B: $B"
echo "database: $DB ($(du -h "$DB" | cut -f1)); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rounds $ROUNDS × $DURATION at $CONNS connections, server threads $THREADS (CPU 0), wrk -t1 (CPU 1)"
for s in $SCENARIOS; do
    one a "$s" 2s >/dev/null; one b "$s" 2s >/dev/null   # warm: indexes, caches
    for r in $(seq "$ROUNDS"); do
        one a "$s" "$DURATION" >>"$WORK/$s.a"
        one b "$s" "$DURATION" >>"$WORK/$s.b"
    done
    ma=$(awk '{print $2}' "$WORK/$s.a" | sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}')
    mb=$(awk '{print $2}' "$WORK/$s.b" | sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}')
    printf '%-5s A %6.1f µs/req (%s)   B %6.1f µs/req (%s)   B/A %.2f\n' "$s" "$ma" \
        "$(awk '{printf "%s ", $2}' "$WORK/$s.a")" "$mb" "$(awk '{printf "%s ", $2}' "$WORK/$s.b")" \
        "$(awk -v a="$ma" -v b="$mb" 'BEGIN { print b / a }')"
done
