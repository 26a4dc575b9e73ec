#!/usr/bin/env bash
# bench/api/run.sh — the geo-API benchmark: geodir-api against the peers of
# ../shared/bench/peers (nginx serving a static file of the same bytes, MapServer 8's OGC API)
# and against the raw in-process cost of the same queries, side by side in one run.
#
#   bench/api/run.sh [N ...]          default: 10000 1000000
#
# For each N (the peers' generated directory, gen_poi.py, seed 42):
#   1. data: the CSV and its 256 ~5 km query boxes (kept in the work folder), imported by
#      geodir-import with the import benchmark's profile (bench/import/profiles/gen-poi.json);
#      the peers' SpatiaLite copy made by their 10_gen_db.sh (kept); both box files must match;
#   2. servers, all on 127.0.0.1: geodir-api (log_level warn: no access log, like the peers'
#      nginx), and the peers' nginx + MapServer FastCGI (20_serve.sh);
#   3. wrk (bounded: -d, --timeout), at $CONNS connections and at 1, on the same points (the
#      centres of the boxes) and boxes:
#        near   /api/places?lat&lon&radius=5000&k=20                 (k=20 within 5 km)
#        bbox   /api/places?limit=50&bbox=<box>                       (first 50 by name)
#        text   /api/places?q=boulangerie&limit=20&lat&lon            (relevance + proximity)
#        ac     /api/autocomplete?q=boul&lat&lon                      (search-as-you-type)
#        static nginx serving the bytes of a near answer as a static file
#        ms     MapServer OGC API items?f=json&limit=50&bbox=<box> (the peers' wrk/bbox.lua)
#      near and static alternate ($ROUNDS rounds each), so that their ratio comes from the same
#      minutes of a shared machine; the server's CPU time is read around each near run;
#   4. raw_api (bench/api/raw_api.c): the same searches in-process, single thread, through
#      geoapi's own statements and engine, no HTTP, no JSON; check_bm25 checks geodir_bm25;
#   5. report.py: the table and the ratios of issue 4 (stdout and results/<stamp>/report.md);
# then, once, bench/api/geocode.sh (the "geocoding" scenario, on the BANO addresses of Meuse;
# GEOCODE=0 skips it) writes results/<stamp>/geocode.md.
#
# Environment:
#   GEODIR_BENCH_DIR  work folder (default /tmp/geodir-bench-api), outside the repository
#   GEODIR_BUILD      build folder (default <repo>/build-bench, configured and built if needed)
#   PEERS_DIR         the peers' folder (default <repo>/../shared/bench/peers, read-only)
#   PEERS_WORK        the peers' work folder (default /tmp/peers-work; their WORK_DIR)
#   DURATION (10s) C1_DURATION (5s) CONNS (64) WRK_THREADS (2) ROUNDS (2) RAW_SECONDS (5)
#   MS_CONFIG         defer (default), stock, or none (skip MapServer)
#   MS_DURATION       MapServer runs (default: DURATION at 10k, 10s at 1M; it answers in
#                     hundreds of ms there, and is restarted after each run to drop the
#                     requests wrk abandoned)
#   API_THREADS       geodir-api worker threads (default: nproc)
#   BEFORE_API        another geodir-api binary (e.g. built from an older commit), measured in
#                     the same run on the same database: near, bbox, text, ac ("before" rows)
#   FORCE=1           re-import the geodir database even if it exists
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/bench/api"
WORK="${GEODIR_BENCH_DIR:-/tmp/geodir-bench-api}"
PEERS_DIR="${PEERS_DIR:-$REPO/../shared/bench/peers}"
export WORK_DIR="${PEERS_WORK:-/tmp/peers-work}"
export RESULTS_DIR="$WORK_DIR/results"
DURATION="${DURATION:-10s}"
C1_DURATION="${C1_DURATION:-5s}"
CONNS="${CONNS:-64}"
WRK_THREADS="${WRK_THREADS:-2}"
ROUNDS="${ROUNDS:-2}"
RAW_SECONDS="${RAW_SECONDS:-5}"
MS_CONFIG="${MS_CONFIG:-defer}"
API_THREADS="${API_THREADS:-$(nproc)}"
SIZES=("$@")
((${#SIZES[@]})) || SIZES=(10000 1000000)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'bench/api: %s\n' "$*" >&2; exit 1; }

case "$WORK" in "$REPO"|"$REPO"/*) die "GEODIR_BENCH_DIR must be outside the repository" ;; esac
[[ -f "$PEERS_DIR/gen_poi.py" ]] || die "no peers in $PEERS_DIR (set PEERS_DIR)"
mkdir -p "$WORK/bin" "$WORK/results" "$WORK_DIR/static"

# ---- tools: wrk, nginx, MapServer, ogr2ogr (the peers' set-up installs what is missing) ----
need=()
for t in wrk nginx spawn-fcgi mapserv ogr2ogr sqlite3 curl python3; do
    command -v "$t" >/dev/null || need+=("$t")
done
if ((${#need[@]})); then
    log "missing ${need[*]}: running the peers' 00_setup.sh (WITH_POSTGIS=0)"
    WITH_POSTGIS=0 "$PEERS_DIR/00_setup.sh" >&2
fi

# ---- geodir: build (RelWithDebInfo, the project's default) and the two C helpers ----------
BUILD="${GEODIR_BUILD:-$REPO/build-bench}"
if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
    log "configuring $BUILD"
    cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
log "building geodir-import and geodir-api in $BUILD"
cmake --build "$BUILD" --target geodir-import geodir-api -j2 >/dev/null
IMPORT="$BUILD/importer/geodir-import"
API="$BUILD/geoapi/geodir-api"
for p in raw_api check_bm25; do
    # Linked against geoapi's own library: the very statements and engine of the server.
    cc -O2 -g -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -I "$REPO/geoapi" \
        -I "$REPO/common" -o "$WORK/bin/$p" "$HERE/$p.c" "$BUILD/geoapi/libgeoapi_core.a" \
        "$BUILD/common/libgdir_common.a" -lsqlite3 -lspatialite -lcjson -lmicrohttpd -lz -lm \
        -lpthread
done

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$WORK/results/$STAMP"
mkdir -p "$OUT"
API_PID=""
cleanup() {
    [[ -n "$API_PID" ]] && kill "$API_PID" 2>/dev/null || true
    "$PEERS_DIR/20_serve.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

warm() { # url [wrk args...]: 3 s at $CONNS connections, not recorded (touches every page
          # and connection the scenario needs; the first text search of a connection loads
          # the full-text vocabulary)
    local url="$1"
    shift
    wrk -t"$WRK_THREADS" -c"$CONNS" -d3s --timeout 10s "$@" "$url" > /dev/null 2>&1 \
        < /dev/null || true
}

start_api() { # binary log-prefix -> sets STARTED_PID, STARTED_URL
    "$1" --port 0 --db "$GDB" --static_dir "$REPO/map-ui" --log_level warn \
        --threads "$API_THREADS" --max_connections 1024 > "$R/$2.out" 2> "$R/$2.err" &
    STARTED_PID=$!
    for _ in $(seq 100); do grep -q listening "$R/$2.out" && break; sleep 0.1; done
    local port
    port="$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$R/$2.out")"
    [[ -n "$port" ]] || die "$1 did not start: $(cat "$R/$2.err")"
    STARTED_URL="http://127.0.0.1:$port"
}

scenarios() { # prefix url: bbox, text and autocomplete at $CONNS and at 1 connection
    local pre="$1" url="$2" c d
    BASE='/api/places?limit=50&bbox=' warm "$url" -s "$PEERS_DIR/wrk/bbox.lua"
    BASE='/api/places?q=boulangerie&limit=20&' SUFFIX='' warm "$url" -s "$HERE/points.lua"
    BASE='/api/autocomplete?q=boul&' SUFFIX='' warm "$url" -s "$HERE/points.lua"
    for c in "$CONNS" 1; do
        d="$DURATION"
        [[ "$c" == 1 ]] && d="$C1_DURATION"
        BASE='/api/places?limit=50&bbox=' \
            run_wrk "${pre}bbox_c$c" "$c" "$d" "$url" -s "$PEERS_DIR/wrk/bbox.lua"
        BASE='/api/places?q=boulangerie&limit=20&' SUFFIX='' \
            run_wrk "${pre}text_c$c" "$c" "$d" "$url" -s "$HERE/points.lua"
        BASE='/api/autocomplete?q=boul&' SUFFIX='' \
            run_wrk "${pre}ac_c$c" "$c" "$d" "$url" -s "$HERE/points.lua"
    done
}

run_wrk() { # name conns duration url [wrk args...] -> $R/name.txt
    local name="$1" c="$2" d="$3" url="$4" t="$WRK_THREADS"
    shift 4
    ((c < t)) && t="$c"
    wrk -t"$t" -c"$c" -d"$d" --timeout 10s --latency "$@" "$url" > "$R/$name.txt" 2>&1 \
        < /dev/null || true
    log "  $name: $(grep -E 'Requests/sec' "$R/$name.txt" | tr -s ' ')"
}

cpu_ticks() { # utime + stime of a process, in clock ticks
    awk '{print $14 + $15}' "/proc/$1/stat"
}

for N in "${SIZES[@]}"; do
    [[ "$N" =~ ^[0-9]+$ ]] || die "bad size '$N'"
    R="$OUT/$N"
    mkdir -p "$R"
    CSV="$WORK/poi_$N.csv"
    BOXES="$WORK/boxes_$N.txt"
    GDB="$WORK/geodir_$N.sqlite"

    # ---- data ----------------------------------------------------------------------------
    if [[ ! -s "$CSV" || ! -s "$BOXES" ]]; then
        log "generating $N rows -> $CSV"
        (cd "$PEERS_DIR" && python3 gen_poi.py "$N" "$CSV" --boxes "$BOXES" --box-km 5 \
            --nboxes 256)
    fi
    if [[ "${FORCE:-0}" == 1 || ! -s "$GDB" ]]; then
        python3 - "$CSV" "$WORK/bench-$N.json" <<'PY'
import csv, json, os, sys
path, out = sys.argv[1], sys.argv[2]
with open(path, newline="", encoding="utf-8") as f:
    codes = sorted({row["insee"] for row in csv.DictReader(f)})
cfg = {"territory": {"name": "Territoire synthétique (banc d'essai)", "epci_siren": "000000000",
                     "communes": codes, "default_licence": "CC0-1.0"},
       "map": {"center": [48.95, 5.2], "zoom": 9, "tiles_url": "", "tiles_attribution": ""},
       "data_dir": os.path.dirname(path),
       "sources": [{"name": "poi", "profile": "gen-poi", "path": os.path.basename(path)}]}
with open(out, "w", encoding="utf-8") as f:
    json.dump(cfg, f, ensure_ascii=False, indent=1)
PY
        log "importing $N rows with geodir-import -> $GDB"
        rm -f "$GDB"
        "$IMPORT" --config "$WORK/bench-$N.json" --db "$GDB" \
            --profiles "$REPO/bench/import/profiles" --quiet 2> "$R/import.err" \
            || { cat "$R/import.err" >&2; die "geodir-import failed (N=$N)"; }
    fi
    [[ "$(sqlite3 "$GDB" 'SELECT count(*) FROM places')" == "$N" ]] || die "$GDB: not $N places"
    log "peers' database (10_gen_db.sh $N, kept when present)"
    (cd "$PEERS_DIR" && FORCE=0 ./10_gen_db.sh "$N" >&2)
    cmp -s "$BOXES" "$WORK_DIR/boxes_$N.txt" || die "query boxes differ from the peers' ones"

    # ---- machine -------------------------------------------------------------------------
    {
        echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "commit=$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- geoapi common || echo '+dirty')"
        echo "nproc=$(nproc)"
        echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
        echo "mem_gib=$(awk '/MemTotal/ {printf "%.1f", $2/1048576}' /proc/meminfo)"
        echo "kernel=$(uname -r)"
        echo "loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)"
        echo "sqlite=$(sqlite3 --version | cut -d' ' -f1) nginx=$(nginx -v 2>&1 | cut -d/ -f2)"
        echo "mapserver=$(mapserv -v | head -1 | cut -d' ' -f3) wrk=$(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"
        echo "conns=$CONNS duration=$DURATION c1_duration=$C1_DURATION wrk_threads=$WRK_THREADS"
        echo "api_threads=$API_THREADS rounds=$ROUNDS raw_seconds=$RAW_SECONDS ms=$MS_CONFIG"
        echo "geodir_db_mb=$(( $(stat -L -c %s "$GDB") / 1000000 )) places=$N"
    } > "$R/machine.txt"

    # ---- geodir_bm25 = bm25 ---------------------------------------------------------------
    "$WORK/bin/check_bm25" "$GDB" > "$R/check_bm25.txt" || die "geodir_bm25 differs from bm25"
    log "$(tail -1 "$R/check_bm25.txt")"

    # ---- geodir-api ------------------------------------------------------------------------
    start_api "$API" api
    API_PID="$STARTED_PID"
    URL="$STARTED_URL"
    read -r x1 y1 x2 y2 < "$BOXES"
    LAT=$(python3 -c "print(f'{($y1 + $y2) / 2:.6f}')")
    LON=$(python3 -c "print(f'{($x1 + $x2) / 2:.6f}')")
    # The first search builds the place index (timed); every worker then opens its connection.
    curl -sf -o "$R/near_answer.geojson" -w 'first_search_s=%{time_total}\n' \
        "$URL/api/places?lat=$LAT&lon=$LON&radius=5000&k=20" >> "$R/machine.txt"
    cp "$R/near_answer.geojson" "$WORK_DIR/static/geodir_near_$N.geojson"
    echo "near_answer_bytes=$(stat -c %s "$R/near_answer.geojson")" >> "$R/machine.txt"
    export BOXES
    BASE='/api/places?' SUFFIX='&radius=5000&k=20' wrk -t"$WRK_THREADS" -c"$CONNS" -d3s \
        -s "$HERE/points.lua" "$URL" > /dev/null 2>&1 < /dev/null || true

    # ---- the peers' servers (nginx for the static file, MapServer behind it) ---------------
    MS_DEFER=0
    [[ "$MS_CONFIG" == defer ]] && MS_DEFER=1
    MS_DEFER="$MS_DEFER" "$PEERS_DIR/20_serve.sh" start "$N" >&2
    PEERS_URL="http://127.0.0.1:${PEERS_HTTP_PORT:-18431}"
    STATIC="$PEERS_URL/static/geodir_near_$N.geojson"
    cmp -s <(curl -sf "$STATIC") "$R/near_answer.geojson" || die "nginx does not serve the answer"
    wrk -t"$WRK_THREADS" -c"$CONNS" -d2s "$STATIC" > /dev/null 2>&1 < /dev/null || true

    # ---- near and static, alternated -------------------------------------------------------
    log "N=$N: near / static, $ROUNDS rounds"
    for r in $(seq 1 "$ROUNDS"); do
        run_wrk "static_c${CONNS}_r$r" "$CONNS" "$DURATION" "$STATIC"
        t0=$(cpu_ticks "$API_PID")
        BASE='/api/places?' SUFFIX='&radius=5000&k=20' \
            run_wrk "near_c${CONNS}_r$r" "$CONNS" "$DURATION" "$URL" -s "$HERE/points.lua"
        echo "near_c${CONNS}_r$r cpu_ticks=$(( $(cpu_ticks "$API_PID") - t0 )) hz=$(getconf CLK_TCK)" \
            >> "$R/cpu.txt"
        run_wrk "static_c1_r$r" 1 "$C1_DURATION" "$STATIC"
        BASE='/api/places?' SUFFIX='&radius=5000&k=20' \
            run_wrk "near_c1_r$r" 1 "$C1_DURATION" "$URL" -s "$HERE/points.lua"
    done

    # ---- the other geodir scenarios --------------------------------------------------------
    log "N=$N: bbox, text, autocomplete"
    scenarios "" "$URL"
    curl -sf "$URL/api/places?limit=50&bbox=$x1,$y1,$x2,$y2" -o "$R/bbox_answer.geojson"
    curl -sf "$URL/api/places?q=boulangerie&limit=20&lat=$LAT&lon=$LON" -o "$R/text_answer.geojson"
    curl -sf "$URL/api/autocomplete?q=boul&lat=$LAT&lon=$LON" -o "$R/ac_answer.json"
    # Resident memory: peak, and now split into private (the place index, SQLite's caches) and
    # file pages (the memory-mapped database, shared with the page cache).
    awk '/^VmHWM/ {print "server_peak_rss_kb=" $2} /^RssAnon/ {print "server_anon_kb=" $2}
         /^RssFile/ {print "server_file_kb=" $2}' "/proc/$API_PID/status" >> "$R/machine.txt"
    kill "$API_PID"
    wait "$API_PID" 2>/dev/null || true
    API_PID=""

    # ---- the same scenarios on another binary (BEFORE_API), same database -------------------
    if [[ -n "${BEFORE_API:-}" ]]; then
        log "N=$N: before ($BEFORE_API)"
        start_api "$BEFORE_API" before
        API_PID="$STARTED_PID"
        curl -sf -o /dev/null "$STARTED_URL/api/places?lat=$LAT&lon=$LON&radius=5000&k=20" || true
        BASE='/api/places?' SUFFIX='&radius=5000&k=20' warm "$STARTED_URL" -s "$HERE/points.lua"
        BASE='/api/places?' SUFFIX='&radius=5000&k=20' \
            run_wrk "before_near_c$CONNS" "$CONNS" "$DURATION" "$STARTED_URL" -s "$HERE/points.lua"
        BASE='/api/places?' SUFFIX='&radius=5000&k=20' \
            run_wrk "before_near_c1" 1 "$C1_DURATION" "$STARTED_URL" -s "$HERE/points.lua"
        scenarios before_ "$STARTED_URL"
        kill "$API_PID"
        wait "$API_PID" 2>/dev/null || true
        API_PID=""
    fi

    # ---- MapServer OGC API, bbox limit 50 ---------------------------------------------------
    if [[ "$MS_CONFIG" != none ]]; then
        MS_D="${MS_DURATION:-$DURATION}"
        ((N >= 1000000)) && MS_D="${MS_DURATION:-10s}"
        log "N=$N: MapServer ($MS_CONFIG), $MS_D per run"
        for c in 1 "$CONNS"; do
            run_wrk "ms_bbox_c$c" "$c" "$MS_D" "$PEERS_URL" -s "$PEERS_DIR/wrk/bbox.lua"
            # Requests abandoned by wrk stay queued in mapserv: restart the pool.
            "$PEERS_DIR/20_serve.sh" stop >/dev/null 2>&1
            [[ "$c" == 1 ]] && MS_DEFER="$MS_DEFER" "$PEERS_DIR/20_serve.sh" start "$N" >&2
        done
    fi
    "$PEERS_DIR/20_serve.sh" stop >/dev/null 2>&1 || true

    # ---- raw in-process -------------------------------------------------------------------
    log "N=$N: raw in-process ($RAW_SECONDS s per mode)"
    "$WORK/bin/raw_api" "$GDB" "$BOXES" "$RAW_SECONDS" near bbox text near_sql \
        > "$R/raw.txt"
    sed 's/^/    /' "$R/raw.txt" >&2
    echo "loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$R/machine.txt"
done

# ---- geocoding: the BAN-compatible endpoints on the BANO addresses of Meuse (its own data and
# server, bench/api/geocode.sh), in the same run ---------------------------------------------
if [[ "${GEOCODE:-1}" == 1 && -x "$HERE/geocode.sh" ]]; then
    log "geocoding (bench/api/geocode.sh)"
    GEODIR_BUILD="$BUILD" DURATION="$DURATION" CONNS="$CONNS" WRK_THREADS="$WRK_THREADS" \
        API_THREADS="$API_THREADS" "$HERE/geocode.sh" > "$OUT/geocode.md" 2> "$OUT/geocode.err" \
        || log "geocode.sh failed: $(tail -1 "$OUT/geocode.err")"
fi

python3 "$HERE/report.py" "$OUT" | tee "$OUT/report.md"
log "results: $OUT"
