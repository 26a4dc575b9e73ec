#!/usr/bin/env bash
# bench/api/geocode.sh — BAN-compatible geocoding throughput and latency: geodir-api's
# /api/search/ (and /api/reverse/) on the BANO addresses of Meuse, with wrk on loopback.
#
#   bench/api/geocode.sh
#
# 1. data: ../shared/datasets/bano-55_2015-03.csv (read in place) imported by geodir-import with
#    the `bano` profile into a territory of every Meuse commune the file holds, with their
#    boundaries (communes-55-meuse.geojson); kept in the work folder (FORCE=1 re-imports);
# 2. queries: 1,000 addresses evenly spaced over the file, "<numero> <voie> <code_post>
#    <nom_comm>", as URL-encoded /api/search/?q=...&limit=1 paths (autocomplete on, the BAN
#    default), and reverse queries at the same points /api/reverse/?lat=&lon=;
# 3. geodir-api on 127.0.0.1 (log_level warn: no access log line per request), warmed by one
#    request (the shared geocoder index is built on first use);
# 4. wrk cycling through the paths (each wrk thread from its own offset): search at 1 connection
#    and at $CONNS, reverse at $CONNS; requests/s and latency percentiles (wrk --latency);
#    the server's CPU time over each run (from /proc).
#
# Environment:
#   GEODIR_BENCH_DIR  work folder (default /tmp/geodir-bench-geocode), outside the repository
#   GEODIR_BUILD      build folder (default <repo>/build-bench, configured and built if needed)
#   DATASETS          default <repo>/../shared/datasets
#   DURATION (10s) CONNS (64) WRK_THREADS (2) API_THREADS (nproc) FORCE=1
#   PIN=1             geodir-api on CPU 0 and wrk on CPU 1 (taskset)
# Needs: wrk (Debian package wrk), python3, cmake and the build dependencies of geodir.
set -euo pipefail

# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh" bench/api/geocode /tmp/geodir-bench-geocode
BUILD="${GEODIR_BUILD:-$REPO/build-bench}"
SRC="$REPO"
DATASETS="${DATASETS:-$REPO/../shared/datasets}"
wrk_defaults

command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
need_tools python3 sqlite3
[[ -f "$DATASETS/bano-55_2015-03.csv" ]] || die "$DATASETS/bano-55_2015-03.csv not found"
mkdir -p "$WORK"

if [[ ! -x "$BUILD/geoapi/geodir-api" || ! -x "$BUILD/importer/geodir-import" ]]; then
    bench_build geodir-api geodir-import
fi
API="$BUILD/geoapi/geodir-api"
IMPORT="$BUILD/importer/geodir-import"

# 1-2. database and query paths (re-imported when its schema is not the build's)
if [[ -f "$WORK/meuse.sqlite" && \
      "$(sqlite3 "$WORK/meuse.sqlite" 'PRAGMA user_version')" != "$(schema_version "$REPO")" ]]; then
    FORCE=1
fi
python3 - "$DATASETS" "$WORK" "$IMPORT" "${FORCE:-0}" <<'EOF'
import csv, json, os, subprocess, sys, urllib.parse
data, work, importer, force = sys.argv[1:5]
bano = os.path.join(data, "bano-55_2015-03.csv")
rows = list(csv.reader(open(bano, encoding="utf-8", newline="")))
db = os.path.join(work, "meuse.sqlite")
if force == "1" or not os.path.isfile(db):
    communes = sorted({r[0][:5] for r in rows})
    cfg = {"territory": {"name": "Meuse (communes de BANO)", "short_name": "Meuse BANO",
                         "epci_siren": "200066140", "communes": communes,
                         "default_licence": "ODbL-1.0"},
           "map": {"center": [48.95, 5.3], "zoom": 9, "tiles_url": "", "tiles_attribution": ""},
           "data_dir": data,
           "sources": [{"name": "limites", "profile": "commune-boundaries",
                        "path": os.path.join(data, "communes-55-meuse.geojson")},
                       {"name": "bano", "profile": "bano", "path": bano}]}
    path = os.path.join(work, "meuse.json")
    json.dump(cfg, open(path, "w", encoding="utf-8"), ensure_ascii=False)
    tmp = db + ".tmp"
    subprocess.run([importer, "--config", path, "--db", tmp, "--quiet"], cwd=work, check=True)
    os.replace(tmp, db)
rows = [r for r in rows if r[1] and r[2]]
step = len(rows) / 1000
sample = [rows[int(i * step)] for i in range(1000)]
with open(os.path.join(work, "search.paths"), "w") as f:
    for r in sample:
        q = f"{r[1]} {r[2]} {r[3]} {r[4]}"
        f.write("/api/search/?" + urllib.parse.urlencode({"q": q, "limit": 1}) + "\n")
with open(os.path.join(work, "reverse.paths"), "w") as f:
    for r in sample:
        f.write("/api/reverse/?" + urllib.parse.urlencode({"lat": r[6], "lon": r[7]}) + "\n")
n_rows = sum(1 for _ in open(bano, encoding="utf-8"))
print(f"{len(sample)} queries; {n_rows} BANO rows", file=sys.stderr)
EOF

cat > "$WORK/paths.lua" <<'EOF'
-- wrk request generator: cycles through the paths of $PATHS, one a line; each wrk thread
-- starts at its own offset.
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local n = 0
function setup(thread) n = n + 1; thread:set("tid", n) end
local i = 0
function init(args) i = ((tid or 1) - 1) * 331 end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
EOF

bench_pin

# 3. server
start_api "$API" "$WORK/meuse.sqlite" "$WORK/api"
PID="$STARTED_PID"
trap 'kill "$PID" 2>/dev/null || true' EXIT
BASE="$STARTED_URL"
python3 -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1]).read()" \
    "$BASE$(head -1 "$WORK/search.paths")"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }

# 4. runs
run() {   # name paths connections threads
    local name=$1 paths=$2 conns=$3 threads=$4 before after
    before=$(cpu_ticks)
    PATHS="$WORK/$paths" bench_time "$WORK/$name.time" \
        "${WRK_PIN[@]}" wrk -t"$threads" -c"$conns" -d"$DURATION" --timeout 5s --latency \
        -s "$WORK/paths.lua" "$BASE" > "$WORK/$name.wrk"
    after=$(cpu_ticks)
    python3 - "$name" "$WORK/$name.wrk" "$conns" "$((after - before))" "$(getconf CLK_TCK)" \
        "$DURATION" "$WORK/$name.time" "$REPO/bench" <<'EOF'
import re, sys
name, path, conns, ticks, hz, dur, wtime, lib = sys.argv[1:9]
sys.dont_write_bytecode = True   # no __pycache__ in the sources
sys.path.insert(0, lib)
from report_lib import wrk_percentile
t = open(path).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
errs = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
sock = re.search(r"Socket errors: (.*)", t)
secs = float(dur.rstrip("s"))
cpu = int(ticks) / int(hz) / secs
wcpu = sum(float(x) for x in open(wtime).read().splitlines()[-1].split()[1:3]) / secs
p50, p90, p99 = (wrk_percentile(t, p) for p in (50, 90, 99))
print(f"| {name} | {conns} | {rps:,.0f} | {p50:.2f} | {p90:.2f} | {p99:.2f} | "
      f"{cpu:.2f} | {wcpu:.2f} | "
      f"{errs.group(1) if errs else 0}{' ' + sock.group(1) if sock else ''} |")
EOF
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "geodir-api on $BASE, $API_THREADS threads; wrk $WRK_THREADS threads, $DURATION per run"
echo "| run | connections | requests/s | p50 ms | p90 ms | p99 ms | server CPU (cores) |" \
     "wrk CPU (cores) | errors |"
echo "|---|---|---|---|---|---|---|---|---|"
run search_c1 search.paths 1 1
run search_c$CONNS search.paths "$CONNS" "$WRK_THREADS"
run reverse_c$CONNS reverse.paths "$CONNS" "$WRK_THREADS"
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
     "load average before the runs: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg);" \
     "pinned (server CPU 0, wrk CPU 1): ${PIN:-0}"
