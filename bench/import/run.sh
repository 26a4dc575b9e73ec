#!/usr/bin/env bash
# bench/import/run.sh — import benchmark: geodir-import against ogr2ogr -f SQLite -dsco SPATIALITE=YES
# on the same synthetic CSV (../shared/bench/peers/gen_poi.py), side by side in one run.
#
#   bench/import/run.sh [N ...]          default: 100000 300000 1000000
#
# For each N: generates the CSV (once, kept in the work folder), writes a territory configuration
# whose member communes are the CSV's INSEE codes (so that every row is kept), then runs
# geodir-import and ogr2ogr alternately, RUNS times each, under GNU time (wall and CPU time,
# peak RSS). Both read the same file and turn the same lon/lat columns into points (EPSG:4326).
# geodir-import runs with --no-exports when it has that option: the full exports it can build at
# import time (issue 5) are measured by bench/export/run.sh, not here.
#
# Environment:
#   GEODIR_BENCH_DIR  work folder (default /tmp/geodir-bench); nothing is written in the repository
#   GEODIR_BUILD      build folder (default <repo>/build-bench, configured and built if needed)
#   GEODIR_IMPORT     an existing geodir-import binary (skips the build)
#   PEERS_DIR         folder of gen_poi.py (default <repo>/../shared/bench/peers)
#   RUNS              runs per tool and size (default 3)
# Output: a table on stdout, raw figures in $GEODIR_BENCH_DIR/results/import-<UTC time>.tsv.
set -euo pipefail

# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh" bench/import /tmp/geodir-bench
HERE="$REPO/bench/import"
RUNS="${RUNS:-3}"
SIZES=("$@")
((${#SIZES[@]})) || SIZES=(100000 300000 1000000)

need_tools python3 ogr2ogr sqlite3
[[ -f "$PEERS_DIR/gen_poi.py" ]] || die "no gen_poi.py in $PEERS_DIR (set PEERS_DIR)"
mkdir -p "$WORK/results"

# geodir-import: the given binary, else build one (the project's default RelWithDebInfo).
IMPORT="${GEODIR_IMPORT:-}"
if [[ -z "$IMPORT" ]]; then
    BUILD="${GEODIR_BUILD:-$REPO/build-bench}"
    SRC="$REPO"
    bench_build geodir-import
    IMPORT="$BUILD/importer/geodir-import"
fi
[[ -x "$IMPORT" ]] || die "$IMPORT is not executable"
# The import alone, as ogr2ogr's table load: no full exports at import time (issue 5), when the
# importer builds them (it then has --no-exports).
no_exports_args "$IMPORT"

# tool db table what err command...: one timed run of a tool (GNU time: wall, CPU, peak RSS);
# its database must then hold N rows (what) in table; one line of $TSV.
measure() {
    local tool="$1" db="$2" table="$3" what="$4" err="$5" rows secs cpu rss
    shift 5
    bench_time "$WORK/time.txt" "$@" 2>"$err" || { cat "$err" >&2; die "$tool failed (N=$N)"; }
    rows=$(sqlite3 "$db" "SELECT count(*) FROM $table;")
    [[ "$rows" == "$N" ]] || die "$tool: $rows $what, expected $N"
    read -r secs cpu rss < <(time_fields "$WORK/time.txt")
    printf '%s\t%s\t%s\t%.3f\t%.3f\t%s\t%s\t%s\t%s\n' "$N" "$tool" "$run" "$secs" "$cpu" "$rss" \
        "$rows" "$(stat -c %s "$db")" "$(cut -d' ' -f1 /proc/loadavg)" >> "$TSV"
}

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
TSV="$WORK/results/import-$STAMP.tsv"
printf 'n\ttool\trun\tseconds\tcpu_seconds\tmax_rss_kb\trows\tdb_bytes\tloadavg\n' > "$TSV"

for N in "${SIZES[@]}"; do
    [[ "$N" =~ ^[0-9]+$ ]] || die "bad size '$N'"
    CSV="$WORK/poi_$N.csv"
    [[ -s "$CSV" && -s "${CSV}t" ]] || gen_poi "$N" "$CSV"
    CFG="$WORK/bench-$N.json"
    write_bench_config "$CSV" "$CFG"
    GDB="$WORK/geodir_$N.sqlite"
    ODB="$WORK/ogr_$N.sqlite"
    for run in $(seq 1 "$RUNS"); do
        # Alternate the tools; each run starts from no output file.
        rm -f "$GDB" "$GDB".tmp-* "$GDB".rejects.csv "$GDB".report.json
        log "N=$N run $run/$RUNS: geodir-import"
        measure geodir-import "$GDB" places places "$WORK/geodir.err" \
            "$IMPORT" --config "$CFG" --db "$GDB" --profiles "$HERE/profiles" --quiet \
            "${NO_EXPORTS[@]}"

        rm -f "$ODB" "$ODB-journal"
        log "N=$N run $run/$RUNS: ogr2ogr"
        # The peers' load settings (../shared/bench/peers/10_gen_db.sh): synchronous OFF,
        # 100,000-row transactions, lon/lat columns -> POINT in EPSG:4326, R*Tree index.
        measure ogr2ogr "$ODB" poi rows "$WORK/ogr.err" \
            ogr2ogr --config OGR_SQLITE_SYNCHRONOUS OFF \
            -gt 100000 -f SQLite -dsco SPATIALITE=YES "$ODB" "$CSV" \
            -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -oo KEEP_GEOM_COLUMNS=NO \
            -a_srs EPSG:4326 -nln poi -nlt POINT \
            -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=YES
    done
    rm -f "$GDB" "$ODB"
done

# Summary: median wall and CPU time per tool and size, rows/s, the ratio, peak RSS.
python3 - "$TSV" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
sizes = sorted({int(r["n"]) for r in rows})
print(f"raw figures: {sys.argv[1]}\n")
print("| rows | tool | wall s, median (min–max) | rows/s (wall) | CPU s (user+sys), median "
      "| rows/s (CPU) | peak RSS MB (max) | DB MB |")
print("|---:|---|---|---:|---:|---:|---:|---:|")
rate = {}
for n in sizes:
    for tool in ("geodir-import", "ogr2ogr"):
        rs = [r for r in rows if int(r["n"]) == n and r["tool"] == tool]
        secs = [float(r["seconds"]) for r in rs]
        cpu = statistics.median(float(r["cpu_seconds"]) for r in rs)
        med = statistics.median(secs)
        rss = max(int(r["max_rss_kb"]) for r in rs) / 1024
        db = int(rs[-1]["db_bytes"]) / 1e6
        rate.setdefault(n, {})[tool] = (n / med, n / cpu)
        print(f"| {n:,} | {tool} | {med:.2f} ({min(secs):.2f}–{max(secs):.2f}) | {n / med:,.0f} "
              f"| {cpu:.2f} | {n / cpu:,.0f} | {rss:.0f} | {db:.0f} |")
print()
for n in sizes:
    g, o = rate[n]["geodir-import"], rate[n]["ogr2ogr"]
    print(f"N={n:,}: geodir-import / ogr2ogr rows/s = {g[0] / o[0]:.2f} (wall), "
          f"{g[1] / o[1]:.2f} (CPU)")
loads = [float(r["loadavg"]) for r in rows]
print(f"1-minute load average during the runs: {min(loads):.2f}–{max(loads):.2f}")
PY
