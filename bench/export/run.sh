#!/usr/bin/env bash
# bench/export/run.sh — export benchmark (issue 5, "Speed"): the whole generated directory
# written as GeoJSON, CSV and GeoPackage by geodir-api (/api/export, downloaded with curl) and by
# ogr2ogr from the same SQLite database, side by side in one run; plus the cost of the full
# exports that geodir-import builds at import time (import with and without --no-exports).
#
#   bench/export/run.sh [N]           default: 1000000
#
# 1. data: the peers' gen_poi.py N (seed 42), imported by geodir-import with the import
#    benchmark's profile and a territory of the CSV's INSEE codes (as bench/api/run.sh does),
#    with --no-exports when the importer has it; every row is kept (count checked);
# 2. geodir-api on 127.0.0.1 (log_level warn, nproc threads) on that database;
# 3. RUNS rounds; in each, for each format, alternately:
#      geodir   curl -o FILE "/api/export?format=F&licence=$LICENCE" (wall time from curl);
#               meanwhile the server's VmRSS, RssAnon and VmHWM are sampled from
#               /proc/PID/status every 50 ms: the growth over the value just before the download
#               is the memory the export costs (goal: < 64 MB);
#      ogr2ogr  ogr2ogr -f GeoJSON|CSV|GPKG FILE DB places (under /usr/bin/time: wall, CPU,
#               peak RSS); CSV with -lco GEOMETRY=AS_XY (the point as X,Y columns);
#    each file's feature count is checked once (ogrinfo; CSV: lines) against N;
# 4. the import-time full exports, when the importer has --no-exports: IMPORT_RUNS imports of
#    the same CSV with --no-exports and with the exports of $IMPORT_FORMATS (open_data.exports);
# 5. report.py: median wall time, rows/s, size, memory and the ratio geodir ÷ ogr2ogr
#    (rows/s; goal ≥ 1) on stdout and in results/<stamp>/report.md.
#
# Environment:
#   GEODIR_BENCH_DIR  work folder (default /tmp/geodir-bench-export), outside the repository
#   GEODIR_BUILD      build folder (default <repo>/build-bench, configured and built if needed)
#   GEODIR_CFLAGS     extra C flags for a build folder configured by the script (recorded
#                     with the commit), e.g. -Wno-error=format-truncation for a commit that
#                     warns at -O2
#   SNAPSHOT=1        build and measure the committed HEAD (git archive into $SNAPSHOT_DIR/<commit>,
#                     default /tmp/geodir-bench-src), not the working tree
#   PEERS_DIR         folder of gen_poi.py (default <repo>/../shared/bench/peers)
#   CSV               an existing gen_poi.py CSV of N rows (default: generated, kept)
#   RUNS (3)  FORMATS ("geojson csv gpkg")  LICENCE (etalab-2.0)  API_THREADS (nproc)
#   IMPORT_RUNS (1; 0 skips step 4)  IMPORT_FORMATS ("geojson csv gpkg"; "all": the default
#   list of every format)  FORCE=1 re-imports the database
#   API_ENV           NAME=VALUE words in geodir-api's environment, e.g. GDAL configuration
#                     options: API_ENV=OGR_SQLITE_SYNCHRONOUS=OFF (recorded in machine.txt)
# Needs: curl, ogr2ogr and ogrinfo (gdal-bin), sqlite3, python3, GNU time.
set -euo pipefail

# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh" bench/export /tmp/geodir-bench-export
HERE="$REPO/bench/export"
RUNS="${RUNS:-3}"
FORMATS="${FORMATS:-geojson csv gpkg}"
LICENCE="${LICENCE:-etalab-2.0}"
IMPORT_RUNS="${IMPORT_RUNS:-1}"
IMPORT_FORMATS="${IMPORT_FORMATS:-geojson csv gpkg}"
N="${1:-1000000}"

[[ "$N" =~ ^[0-9]+$ ]] || die "bad size '$N'"
need_tools curl ogr2ogr ogrinfo sqlite3 python3
mkdir -p "$WORK/results" "$WORK/out"

# ---- geodir: build (RelWithDebInfo), from the working tree or from HEAD (SNAPSHOT=1) --------
bench_source
bench_build geodir-import geodir-api
IMPORT="$BUILD/importer/geodir-import"
API="$BUILD/geoapi/geodir-api"
no_exports_args "$IMPORT"
HAS_EXPORTS=0
((${#NO_EXPORTS[@]})) && HAS_EXPORTS=1

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$WORK/results/$STAMP"
mkdir -p "$OUT"
TSV="$OUT/export.tsv"
printf 'tool\tformat\trun\twall_s\tcpu_s\tbytes\trss_before_kb\trss_peak_kb\tanon_before_kb\tanon_peak_kb\thwm_before_kb\thwm_after_kb\ttool_peak_rss_kb\tload1\tnote\n' > "$TSV"
API_PID=""
SAMPLER=""
cleanup() {
    [[ -n "$SAMPLER" ]] && kill "$SAMPLER" 2>/dev/null || true
    [[ -n "$API_PID" ]] && kill "$API_PID" 2>/dev/null || true
}
trap cleanup EXIT

# ---- data -------------------------------------------------------------------------------------
CSV="${CSV:-$WORK/poi_$N.csv}"
[[ -s "$CSV" ]] || gen_poi "$N" "$CSV"
GDB="$WORK/geodir_$N.sqlite"
bench_import_db "$N" "$CSV" "$GDB" "$OUT/import.err"

{
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ) commit=$COMMIT places=$N licence=$LICENCE"
    echo "nproc=$(nproc) cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//;s/ /_/g')"
    echo "gdal=$(gdal-config --version 2>/dev/null || ogrinfo --version | cut -d' ' -f2 | tr -d ,)"
    echo "db_mb=$(( $(stat -L -c %s "$GDB") / 1000000 )) api_threads=$API_THREADS runs=$RUNS"
    echo "loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)"
    echo "api_env=${API_ENV:-none}"
} > "$OUT/machine.txt"

# ---- geodir-api -------------------------------------------------------------------------------
# shellcheck disable=SC2206 # API_ENV: words NAME=VALUE
API_ENV_WORDS=(${API_ENV:-})
start_api "$API" "$GDB" "$OUT/api"
API_PID="$STARTED_PID"
URL="$STARTED_URL"
code="$(curl -s -o "$OUT/probe.txt" -w '%{http_code}' -I "$URL/api/export?format=csv&licence=$LICENCE")"
[[ "$code" == 200 ]] || die "GET /api/export answers $code (not there yet?): $(head -c 300 "$OUT/probe.txt")"
# The place index and the first connections, as for any search.
curl -sf -o /dev/null "$URL/api/places?limit=1" || true

status_kb() { # field -> kB from /proc/$API_PID/status
    awk -v k="$1:" '$1 == k {print $2}' "/proc/$API_PID/status"
}

sample_rss() { # file: VmRSS and RssAnon every 50 ms until killed
    while :; do
        awk '$1 == "VmRSS:" {r = $2} $1 == "RssAnon:" {a = $2} END {print r, a}' \
            "/proc/$API_PID/status" 2>/dev/null || break
        sleep 0.05
    done > "$1"
}

count_features() { # format file -> features (CSV: lines minus the header)
    case "$1" in
        csv) python3 - "$2" <<'PY'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    print(sum(1 for _ in csv.reader(f)) - 1)
PY
        ;;
        *) ogrinfo -ro -so -al "$2" 2>/dev/null | awk -F': ' '/^Feature Count/ {s += $2} END {print s + 0}' ;;
    esac
}

ext() { case "$1" in geojson) echo geojson ;; csv) echo csv ;; gpkg) echo gpkg ;; *) echo "$1" ;; esac; }

run_geodir() { # format run
    local f="$1" r="$2" file rss0 anon0 hwm0 hwm1 res t0 cpu
    file="$WORK/out/geodir.$(ext "$f")"
    rm -f "$file"
    rss0="$(status_kb VmRSS)"
    anon0="$(status_kb RssAnon)"
    hwm0="$(status_kb VmHWM)"
    t0="$(awk '{print $14 + $15}' "/proc/$API_PID/stat")"
    sample_rss "$OUT/rss_${f}_r$r.txt" &
    SAMPLER=$!
    res="$(curl -sf -o "$file" -w '%{time_total} %{size_download}' \
        "$URL/api/export?format=$f&licence=$LICENCE")" || { kill "$SAMPLER"; die "export $f failed"; }
    kill "$SAMPLER" 2>/dev/null || true
    wait "$SAMPLER" 2>/dev/null || true
    SAMPLER=""
    hwm1="$(status_kb VmHWM)"
    cpu="$(awk -v t0="$t0" -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15 - t0) / hz}' \
        "/proc/$API_PID/stat")"
    read -r secs bytes <<< "$res"
    read -r rpk apk < <(awk 'BEGIN {r = 0; a = 0} $1 > r {r = $1} $2 > a {a = $2}
                              END {print r, a}' "$OUT/rss_${f}_r$r.txt")
    printf 'geodir-api\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\t%s\n' "$f" "$r" "$secs" "$cpu" "$bytes" \
        "$rss0" "$rpk" "$anon0" "$apk" "$hwm0" "$hwm1" "$(cut -d' ' -f1 /proc/loadavg)" >> "$TSV"
    log "  geodir-api $f: ${secs}s (server CPU ${cpu}s), $((bytes / 1000000)) MB, RSS $((rss0 / 1024)) -> peak $((rpk / 1024)) MB (private $((anon0 / 1024)) -> $((apk / 1024)) MB)"
    if [[ "$r" == 1 ]]; then
        echo "geodir-api $f features=$(count_features "$f" "$file")" >> "$OUT/counts.txt"
    fi
}

run_ogr() { # format run
    local f="$1" r="$2" file opts=() wall cpu rss
    file="$WORK/out/ogr.$(ext "$f")"
    rm -f "$file"
    case "$f" in
        geojson) opts=(-f GeoJSON) ;;
        csv) opts=(-f CSV -lco GEOMETRY=AS_XY) ;;
        gpkg) opts=(-f GPKG) ;;
        *) die "no ogr2ogr equivalent for $f" ;;
    esac
    bench_time "$OUT/ogr.time" ogr2ogr "${opts[@]}" "$file" "$GDB" places 2> "$OUT/ogr.err" \
        || { cat "$OUT/ogr.err" >&2; die "ogr2ogr $f failed"; }
    read -r wall cpu rss < <(time_fields "$OUT/ogr.time")
    printf 'ogr2ogr\t%s\t%s\t%s\t%s\t%s\t\t\t\t\t\t\t%s\t%s\n' "$f" "$r" "$wall" "$cpu" \
        "$(stat -c %s "$file")" "$rss" "$(cut -d' ' -f1 /proc/loadavg)" >> "$TSV"
    log "  ogr2ogr $f: ${wall}s (CPU ${cpu}s), $(( $(stat -c %s "$file") / 1000000 )) MB"
    if [[ "$r" == 1 ]]; then
        echo "ogr2ogr $f features=$(count_features "$f" "$file")" >> "$OUT/counts.txt"
    fi
}

for r in $(seq 1 "$RUNS"); do
    for f in $FORMATS; do
        log "run $r/$RUNS, $f (load $(cut -d' ' -f1 /proc/loadavg))"
        # Alternate which tool goes first, so that neither always finds a warmer page cache.
        if ((r % 2)); then run_geodir "$f" "$r"; run_ogr "$f" "$r"
        else run_ogr "$f" "$r"; run_geodir "$f" "$r"; fi
    done
done
awk '/^VmHWM/ {print "server_hwm_end_kb=" $2}' "/proc/$API_PID/status" >> "$OUT/machine.txt"
kill "$API_PID"
wait "$API_PID" 2>/dev/null || true
API_PID=""
rm -f "$WORK"/out/*

# ---- import-time full exports: import with and without --no-exports --------------------------
if ((HAS_EXPORTS && IMPORT_RUNS > 0)); then
    if [[ "$IMPORT_FORMATS" == all ]]; then
        write_bench_config "$CSV" "$WORK/bench-exp-$N.json"
    else
        write_bench_config "$CSV" "$WORK/bench-exp-$N.json" \
            "$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1].split()))' "$IMPORT_FORMATS")"
    fi
    for r in $(seq 1 "$IMPORT_RUNS"); do
        for mode in no-exports exports; do
            # Its own folder: the full exports go to <db folder>/exports/<build id>/.
            mkdir -p "$WORK/imp-$mode"
            db="$WORK/imp-$mode/geodir.sqlite"
            rm -rf "$WORK/imp-$mode"/*
            args=(--config "$WORK/bench-exp-$N.json" --db "$db" --profiles
                  "$REPO/bench/import/profiles" --quiet)
            [[ "$mode" == no-exports ]] && args+=(--no-exports)
            log "import $r/$IMPORT_RUNS, $mode"
            bench_time "$OUT/imp.time" "$IMPORT" "${args[@]}" \
                2> "$OUT/imp.err" || { cat "$OUT/imp.err" >&2; die "geodir-import ($mode) failed"; }
            read -r wall cpu rss < <(time_fields "$OUT/imp.time")
            nexp="$(sqlite3 "$db" 'SELECT count(*) || " files, " || coalesce(sum(size), 0) || " bytes"
                                   FROM exports' 2>/dev/null || echo '?')"
            printf 'import\t%s\t%s\t%s\t%s\t\t\t\t\t\t\t\t%s\t%s\t%s\n' "$mode" "$r" "$wall" \
                "$cpu" "$rss" "$(cut -d' ' -f1 /proc/loadavg)" \
                "$nexp" >> "$TSV"
            log "  import $mode: ${wall}s, peak RSS $((rss / 1024)) MB, exports: $nexp"
        done
    done
    echo "import_formats=$(echo "$IMPORT_FORMATS" | tr ' ' ,)" >> "$OUT/machine.txt"
elif ((!HAS_EXPORTS)); then
    echo "import_exports=absent (geodir-import has no --no-exports)" >> "$OUT/machine.txt"
fi
echo "loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /)" >> "$OUT/machine.txt"

python3 "$HERE/report.py" "$OUT" | tee "$OUT/report.md"
log "results: $OUT"
