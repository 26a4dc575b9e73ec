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
#        ogc    /ogc/collections/places/items?f=json&limit=50&bbox=<box> (OGC API items)
#        static nginx serving the bytes of a near answer as a static file
#        ms     MapServer OGC API items?f=json&limit=50&bbox=<box> (the peers' wrk/bbox.lua)
#      near, static and the raw in-process near loop alternate ($ROUNDS rounds each), so that
#      their ratios come from the same minutes of a shared machine; around every wrk run the
#      CPU time of wrk, of the server under test and of the whole machine is read (<run>.cpu),
#      so the report tells what share of the 2 cores wrk and the other workloads took;
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
#   GEODIR_CFLAGS     extra C flags for a build folder configured by the script (recorded
#                     with the commit), e.g. -Wno-error=format-truncation for a commit that
#                     warns at -O2
#   SNAPSHOT=1        build and measure the committed HEAD (git archive into the work folder),
#                     not the working tree that other people may be editing; the commit is
#                     recorded exactly (sources in $SNAPSHOT_DIR/<commit>, default
#                     /tmp/geodir-bench-src)
#   PIN=1             the servers on CPU 0 and wrk on CPU 1 (taskset), so that wrk does not
#                     take the server's core; the ratio to the raw rate then counts 1 core
set -euo pipefail

# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh" bench/api /tmp/geodir-bench-api
HERE="$REPO/bench/api"
export WORK_DIR="${PEERS_WORK:-/tmp/peers-work}"
export RESULTS_DIR="$WORK_DIR/results"
wrk_defaults
C1_DURATION="${C1_DURATION:-5s}"
ROUNDS="${ROUNDS:-2}"
RAW_SECONDS="${RAW_SECONDS:-5}"
MS_CONFIG="${MS_CONFIG:-defer}"
SIZES=("$@")
((${#SIZES[@]})) || SIZES=(10000 1000000)

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
bench_source
bench_build geodir-import geodir-api
IMPORT="$BUILD/importer/geodir-import"
no_exports_args "$IMPORT"
API="$BUILD/geoapi/geodir-api"
for p in raw_api check_bm25; do
    # Linked against geoapi's own library: the very statements and engine of the server.
    # (export/ and libcrypto: since issue 11; a BEFORE_API tree may predate them.)
    incs=()
    for d in "$SRC"/geoapi/*/ "$SRC"/export/; do [[ -d "$d" ]] && incs+=(-I "$d"); done
    # hours/, geocode/ and export/ are their own libraries since issue 11 (absent from older trees).
    libs=("$BUILD/geoapi/libgeoapi_core.a")
    for l in export/libgdir_export.a hours/libgdir_hours.a geocode/libgdir_geocode.a \
             common/libgdir_common.a; do
        [[ -f "$BUILD/$l" ]] && libs+=("$BUILD/$l")
    done
    cc -O2 -g -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra "${incs[@]}" \
        -I "$SRC/common" -I "$SRC/hours" -I "$SRC/geocode" -o "$WORK/bin/$p" "$HERE/$p.c" \
        -Wl,--start-group "${libs[@]}" -Wl,--end-group -lsqlite3 -lspatialite -lcjson -lgdal -lcrypto -lz \
        -lm -lpthread
done

# PIN=1: servers on CPU 0, wrk (and the raw loop) on CPU 1.
bench_pin

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
    "${WRK_PIN[@]}" wrk -t"$WRK_THREADS" -c"$CONNS" -d3s --timeout 10s "$@" "$url" > /dev/null 2>&1 \
        < /dev/null || true
}

scenarios() { # prefix url: bbox, text and autocomplete at $CONNS and at 1 connection
    local pre="$1" url="$2" c d
    BASE='/api/places?limit=50&bbox=' warm "$url" -s "$PEERS_DIR/wrk/bbox.lua"
    BASE='/api/places?q=boulangerie&limit=20&' SUFFIX='' warm "$url" -s "$HERE/points.lua"
    BASE='/api/autocomplete?q=boul&' SUFFIX='' warm "$url" -s "$HERE/points.lua"
    BASE='/ogc/collections/places/items?f=json&limit=50&bbox=' \
        warm "$url" -s "$PEERS_DIR/wrk/bbox.lua"
    for c in "$CONNS" 1; do
        d="$DURATION"
        [[ "$c" == 1 ]] && d="$C1_DURATION"
        BASE='/api/places?limit=50&bbox=' \
            run_wrk "${pre}bbox_c$c" "$c" "$d" "$url" -s "$PEERS_DIR/wrk/bbox.lua"
        BASE='/api/places?q=boulangerie&limit=20&' SUFFIX='' \
            run_wrk "${pre}text_c$c" "$c" "$d" "$url" -s "$HERE/points.lua"
        BASE='/api/autocomplete?q=boul&' SUFFIX='' \
            run_wrk "${pre}ac_c$c" "$c" "$d" "$url" -s "$HERE/points.lua"
        BASE='/ogc/collections/places/items?f=json&limit=50&bbox=' \
            run_wrk "${pre}ogc_bbox_c$c" "$c" "$d" "$url" -s "$PEERS_DIR/wrk/bbox.lua"
    done
}

cpu_ticks() { # utime + stime of processes (all their threads), in clock ticks
    local p s=0 t
    for p in "$@"; do
        t="$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)"
        s=$((s + t))
    done
    echo "$s"
}

machine_ticks() { # busy and total ticks of all CPUs (/proc/stat; idle + iowait are not busy)
    awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t}' /proc/stat
}

SRV_PIDS=() # the processes of the server under test, for its CPU time around each wrk run

run_wrk() { # name conns duration url [wrk args...] -> $R/name.txt and $R/name.cpu
    local name="$1" c="$2" d="$3" url="$4" t="$WRK_THREADS" s0 m0 m1 l0
    shift 4
    ((c < t)) && t="$c"
    s0="$(cpu_ticks "${SRV_PIDS[@]}")"
    read -r -a m0 <<< "$(machine_ticks)"
    l0="$(cut -d' ' -f1 /proc/loadavg)"
    /usr/bin/time -f 'wrk_cpu_s=%U+%S wall_s=%e' -o "$R/$name.wrktime" \
        "${WRK_PIN[@]}" wrk -t"$t" -c"$c" -d"$d" --timeout 10s --latency "$@" "$url" \
        > "$R/$name.txt" 2>&1 < /dev/null || true
    read -r -a m1 <<< "$(machine_ticks)"
    {
        tail -1 "$R/$name.wrktime"
        echo "server_ticks=$(( $(cpu_ticks "${SRV_PIDS[@]}") - s0 )) hz=$(getconf CLK_TCK)"
        echo "machine_busy_ticks=$((m1[0] - m0[0])) machine_total_ticks=$((m1[1] - m0[1]))"
        echo "load1_before=$l0 load1_after=$(cut -d' ' -f1 /proc/loadavg)"
    } > "$R/$name.cpu"
    rm -f "$R/$name.wrktime"
    log "  $name: $(grep -E 'Requests/sec' "$R/$name.txt" | tr -s ' ') (load $l0)"
}

peer_pids() { # nginx (master and workers) or the mapserv FastCGI processes of the peers
    local f
    case "$1" in
        nginx) f="$WORK_DIR/run/nginx.pid"
               [[ -f "$f" ]] && { cat "$f"; pgrep -P "$(cat "$f")"; } ;;
        mapserv) f="$WORK_DIR/run/mapserv.pids"
                 [[ -f "$f" ]] && tr -s ' \n' '\n' < "$f" | grep . ;;
    esac
    true
}

start_peers() { # N: nginx + MapServer (pinned to CPU 0 with PIN=1)
    local p
    MS_DEFER="$MS_DEFER" "$PEERS_DIR/20_serve.sh" start "$1" >&2
    if [[ "${PIN:-0}" == 1 ]]; then
        for p in $(peer_pids nginx) $(peer_pids mapserv); do taskset -apc 0 "$p" >/dev/null; done
    fi
}

for N in "${SIZES[@]}"; do
    [[ "$N" =~ ^[0-9]+$ ]] || die "bad size '$N'"
    R="$OUT/$N"
    mkdir -p "$R"
    CSV="$WORK/poi_$N.csv"
    BOXES="$WORK/boxes_$N.txt"
    GDB="$WORK/geodir_$N.sqlite"

    # ---- data ----------------------------------------------------------------------------
    [[ -s "$CSV" && -s "$BOXES" ]] || \
        gen_poi "$N" "$CSV" --boxes "$BOXES" --box-km 5 --nboxes 256
    bench_import_db "$N" "$CSV" "$GDB" "$R/import.err"
    log "peers' database (10_gen_db.sh $N, kept when present)"
    (cd "$PEERS_DIR" && FORCE=0 ./10_gen_db.sh "$N" >&2)
    cmp -s "$BOXES" "$WORK_DIR/boxes_$N.txt" || die "query boxes differ from the peers' ones"

    # ---- machine -------------------------------------------------------------------------
    {
        echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "commit=$COMMIT"
        echo "pin=${PIN:-0} server_cores=$SERVER_CORES"
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
    start_api "$API" "$GDB" "$R/api" --max_connections 1024
    API_PID="$STARTED_PID"
    URL="$STARTED_URL"
    SRV_PIDS=("$API_PID")
    read -r x1 y1 x2 y2 < "$BOXES"
    LAT=$(python3 -c "print(f'{($y1 + $y2) / 2:.6f}')")
    LON=$(python3 -c "print(f'{($x1 + $x2) / 2:.6f}')")
    # The first search builds the place index (timed); every worker then opens its connection.
    curl -sf -o "$R/near_answer.geojson" -w 'first_search_s=%{time_total}\n' \
        "$URL/api/places?lat=$LAT&lon=$LON&radius=5000&k=20" >> "$R/machine.txt"
    cp "$R/near_answer.geojson" "$WORK_DIR/static/geodir_near_$N.geojson"
    echo "near_answer_bytes=$(stat -c %s "$R/near_answer.geojson")" >> "$R/machine.txt"
    export BOXES
    BASE='/api/places?' SUFFIX='&radius=5000&k=20' warm "$URL" -s "$HERE/points.lua"

    # ---- the peers' servers (nginx for the static file, MapServer behind it) ---------------
    MS_DEFER=0
    [[ "$MS_CONFIG" == defer ]] && MS_DEFER=1
    start_peers "$N"
    PEERS_URL="http://127.0.0.1:${PEERS_HTTP_PORT:-18431}"
    STATIC="$PEERS_URL/static/geodir_near_$N.geojson"
    cmp -s <(curl -sf "$STATIC") "$R/near_answer.geojson" || die "nginx does not serve the answer"
    "${WRK_PIN[@]}" wrk -t"$WRK_THREADS" -c"$CONNS" -d2s "$STATIC" > /dev/null 2>&1 \
        < /dev/null || true
    NGINX_PIDS=($(peer_pids nginx))

    # ---- near, static and raw near, alternated ----------------------------------------------
    log "N=$N: near / static / raw near, $ROUNDS rounds"
    for r in $(seq 1 "$ROUNDS"); do
        SRV_PIDS=("${NGINX_PIDS[@]}")
        run_wrk "static_c${CONNS}_r$r" "$CONNS" "$DURATION" "$STATIC"
        SRV_PIDS=("$API_PID")
        t0=$(cpu_ticks "$API_PID")
        BASE='/api/places?' SUFFIX='&radius=5000&k=20' \
            run_wrk "near_c${CONNS}_r$r" "$CONNS" "$DURATION" "$URL" -s "$HERE/points.lua"
        echo "near_c${CONNS}_r$r cpu_ticks=$(( $(cpu_ticks "$API_PID") - t0 )) hz=$(getconf CLK_TCK)" \
            >> "$R/cpu.txt"
        # The raw loop right after, on the server's core when pinned (one thread).
        "${SRV_PIN[@]}" "$WORK/bin/raw_api" "$GDB" "$BOXES" "$RAW_SECONDS" near \
            > "$R/raw_near_r$r.txt"
        log "  raw near: $(cat "$R/raw_near_r$r.txt")"
        SRV_PIDS=("${NGINX_PIDS[@]}")
        run_wrk "static_c1_r$r" 1 "$C1_DURATION" "$STATIC"
        SRV_PIDS=("$API_PID")
        BASE='/api/places?' SUFFIX='&radius=5000&k=20' \
            run_wrk "near_c1_r$r" 1 "$C1_DURATION" "$URL" -s "$HERE/points.lua"
    done

    # ---- the other geodir scenarios --------------------------------------------------------
    log "N=$N: bbox, text, autocomplete, OGC items"
    scenarios "" "$URL"
    curl -sf "$URL/ogc/collections/places/items?f=json&limit=50&bbox=$x1,$y1,$x2,$y2" \
        -o "$R/ogc_answer.geojson"
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
        start_api "$BEFORE_API" "$GDB" "$R/before" --max_connections 1024
        API_PID="$STARTED_PID"
        SRV_PIDS=("$API_PID")
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
        curl -sf "$PEERS_URL/ogcapi/collections/poi/items?f=json&limit=50&bbox=$x1,$y1,$x2,$y2" \
            -o "$R/ms_answer.json" || true
        for c in 1 "$CONNS"; do
            SRV_PIDS=($(peer_pids nginx) $(peer_pids mapserv))
            run_wrk "ms_bbox_c$c" "$c" "$MS_D" "$PEERS_URL" -s "$PEERS_DIR/wrk/bbox.lua"
            # Requests abandoned by wrk stay queued in mapserv: restart the pool.
            "$PEERS_DIR/20_serve.sh" stop >/dev/null 2>&1
            [[ "$c" == 1 ]] && start_peers "$N"
        done
    fi
    "$PEERS_DIR/20_serve.sh" stop >/dev/null 2>&1 || true

    # ---- raw in-process -------------------------------------------------------------------
    log "N=$N: raw in-process ($RAW_SECONDS s per mode)"
    "${SRV_PIN[@]}" "$WORK/bin/raw_api" "$GDB" "$BOXES" "$RAW_SECONDS" near bbox text textnp ac near_sql \
        > "$R/raw.txt"
    sed 's/^/    /' "$R/raw.txt" >&2
    echo "loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$R/machine.txt"
done

# ---- geocoding: the BAN-compatible endpoints on the BANO addresses of Meuse (its own data and
# server, bench/api/geocode.sh), in the same run ---------------------------------------------
if [[ "${GEOCODE:-1}" == 1 && -x "$HERE/geocode.sh" ]]; then
    log "geocoding (bench/api/geocode.sh)"
    PIN="${PIN:-0}" GEODIR_BUILD="$BUILD" DURATION="$DURATION" CONNS="$CONNS" \
        WRK_THREADS="$WRK_THREADS" \
        API_THREADS="$API_THREADS" "$HERE/geocode.sh" > "$OUT/geocode.md" 2> "$OUT/geocode.err" \
        || log "geocode.sh failed: $(tail -1 "$OUT/geocode.err")"
fi

python3 "$HERE/report.py" "$OUT" | tee "$OUT/report.md"
log "results: $OUT"
