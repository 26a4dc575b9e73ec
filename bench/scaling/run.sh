#!/usr/bin/env bash
# bench/scaling/run.sh — what one machine holds (docs/scaling.md): for each N, the peers'
# generated directory of N places (gen_poi.py, seed 42) imported by geodir-import (wall, CPU,
# peak RSS, file size), then TWO geodir-api processes on that one file (as behind
# packaging/nginx/geodir.conf): the first search of each (the generation's place index and
# text index built), their memory once warm (VmRSS, RssAnon), and a new generation swapped in
# (a copy of the file with a new built_at, rename()d over it): how long until each process
# serves it, the first search on it, the memory right after (two generations may be alive).
#
#   bench/scaling/run.sh [N...]          (default: 100000 1000000)
#
# Environment: as bench/lib.sh (GEODIR_BUILD, PEERS_DIR, GEODIR_BENCH_DIR, API_THREADS).
# Output: $WORK/results/scaling-<date>.tsv and a summary on stdout.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh" bench/scaling /tmp/geodir-bench-scaling

need_tools curl sqlite3 awk
bench_source
bench_build geodir-import geodir-api
IMPORT="$BUILD/importer/geodir-import"
API="$BUILD/geoapi/geodir-api"
no_exports_args "$IMPORT"
SIZES=("$@")
((${#SIZES[@]})) || SIZES=(100000 1000000)
mkdir -p "$WORK/results"
TSV="$WORK/results/scaling-$(date -u +%Y%m%dT%H%M%SZ).tsv"
NEAR="/api/places?lat=48.95&lon=5.2&radius=5000&limit=20"
TEXT="/api/places?q=boulangerie&lat=48.95&lon=5.2&limit=20"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT

mem() { # pid -> "VmRSS_MB RssAnon_MB"
    awk '/^VmRSS:/ {r = $2} /^RssAnon:/ {a = $2} END {printf "%.0f %.0f", r/1024, a/1024}' \
        "/proc/$1/status"
}
cpu() { # pid -> its CPU time so far (user + system), seconds
    awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"
}
seconds() { # url -> total time of one GET, seconds
    curl -s -o /dev/null -w '%{time_total}' "$1"
}

printf 'n\timport_wall_s\timport_cpu_s\timport_rss_mb\tdb_mb\tproc\tfirst_near_s\tfirst_near_cpu_s\tfirst_text_s\trss_mb\tanon_mb\tswap_seen_s\tswap_first_near_s\tswap_first_near_cpu_s\tswap_rss_mb\tswap_anon_mb\n' > "$TSV"
for N in "${SIZES[@]}"; do
    CSV="$WORK/poi_$N.csv"
    GDB="$WORK/geodir_$N.sqlite"
    [[ -s "$CSV" ]] || gen_poi "$N" "$CSV"
    rm -f "$GDB"
    write_bench_config "$CSV" "$WORK/bench-$N.json"
    log "importing $N places"
    bench_time "$WORK/import_$N.time" "$IMPORT" --config "$WORK/bench-$N.json" --db "$GDB" \
        --profiles "$REPO/bench/import/profiles" --quiet "${NO_EXPORTS[@]}" \
        2> "$WORK/import_$N.err" || { cat "$WORK/import_$N.err" >&2; die "import failed"; }
    read -r iwall icpu irss < <(time_fields "$WORK/import_$N.time")
    dbmb=$(( $(stat -c %s "$GDB") / 1000000 ))
    URLS=()
    PIDS=()
    for i in 1 2; do
        start_api "$API" "$GDB" "$WORK/api_${N}_$i"
        PIDS+=("$STARTED_PID")
        URLS+=("$STARTED_URL")
    done
    FIRST_NEAR=()
    FIRST_TEXT=()
    FIRST_CPU=()
    WARM=()
    for i in 0 1; do
        c0=$(cpu "${PIDS[$i]}")
        FIRST_NEAR+=("$(seconds "${URLS[$i]}$NEAR")")
        FIRST_CPU+=("$(awk -v a="$(cpu "${PIDS[$i]}")" -v b="$c0" 'BEGIN {printf "%.2f", a - b}')")
        FIRST_TEXT+=("$(seconds "${URLS[$i]}$TEXT")")
        for _ in $(seq 50); do curl -s -o /dev/null "${URLS[$i]}$NEAR"; done
        WARM+=("$(mem "${PIDS[$i]}")")
    done
    # a new generation: the same places under a new built_at, renamed over the served file
    stamp="$(date -u +%Y-%m-%dT%H:%M:%SZ)-next"
    cp "$GDB" "$GDB.next"
    sqlite3 "$GDB.next" "UPDATE meta SET value = '$stamp' WHERE key = 'built_at'"
    t0=$(date +%s.%N)
    mv "$GDB.next" "$GDB"
    SEEN=()
    for i in 0 1; do   # both first: each process sees the new file on its next request
        until curl -s "${URLS[$i]}/api/health" | grep -q "\"built_at\":\"$stamp\""; do
            sleep 0.01
        done
        SEEN+=("$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN {printf "%.2f", a - b}')")
    done
    for i in 0 1; do
        c0=$(cpu "${PIDS[$i]}")
        swap_near=$(seconds "${URLS[$i]}$NEAR")
        swap_cpu=$(awk -v a="$(cpu "${PIDS[$i]}")" -v b="$c0" 'BEGIN {printf "%.2f", a - b}')
        printf '%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$N" "$iwall" \
            "$icpu" "$((irss / 1024))" "$dbmb" "$((i + 1))" "${FIRST_NEAR[$i]}" \
            "${FIRST_CPU[$i]}" "${FIRST_TEXT[$i]}" "${WARM[$i]// /$'\t'}" "${SEEN[$i]}" \
            "$swap_near" "$swap_cpu" \
            "$(mem "${PIDS[$i]}" | tr ' ' '\t')" >> "$TSV"
    done
    for p in "${PIDS[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done
    PIDS=()
done
column -t -s $'\t' "$TSV"
log "results: $TSV"
