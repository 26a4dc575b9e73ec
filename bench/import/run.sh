#!/usr/bin/env bash
# bench/import/run.sh — import benchmark: geodir-import against ogr2ogr -f SQLite -dsco SPATIALITE=YES
# on the same synthetic CSV (../shared/bench/peers/gen_poi.py), side by side in one run.
#
#   bench/import/run.sh [N ...]          default: 100000 300000 1000000
#
# For each N: generates the CSV (once, kept in the work folder), writes a territory configuration
# whose member communes are the CSV's INSEE codes (so that every row is kept), then runs
# geodir-import and ogr2ogr alternately, RUNS times each, under /usr/bin/time -v (wall time and
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

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$REPO/bench/import"
WORK="${GEODIR_BENCH_DIR:-/tmp/geodir-bench}"
PEERS_DIR="${PEERS_DIR:-$REPO/../shared/bench/peers}"
RUNS="${RUNS:-3}"
SIZES=("$@")
((${#SIZES[@]})) || SIZES=(100000 300000 1000000)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'bench/import: %s\n' "$*" >&2; exit 1; }

for tool in python3 ogr2ogr sqlite3; do
    command -v "$tool" >/dev/null || die "$tool is missing (scripts/deps installs it)"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (Debian package 'time')"
[[ -f "$PEERS_DIR/gen_poi.py" ]] || die "no gen_poi.py in $PEERS_DIR (set PEERS_DIR)"
case "$WORK" in "$REPO"|"$REPO"/*) die "GEODIR_BENCH_DIR must be outside the repository" ;; esac
mkdir -p "$WORK/results"

# geodir-import: the given binary, else build one (the project's default RelWithDebInfo).
IMPORT="${GEODIR_IMPORT:-}"
if [[ -z "$IMPORT" ]]; then
    BUILD="${GEODIR_BUILD:-$REPO/build-bench}"
    if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
        log "configuring $BUILD"
        cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    fi
    log "building geodir-import in $BUILD"
    cmake --build "$BUILD" --target geodir-import -j2 >/dev/null
    IMPORT="$BUILD/importer/geodir-import"
fi
[[ -x "$IMPORT" ]] || die "$IMPORT is not executable"
# The import alone, as ogr2ogr's table load: no full exports at import time (issue 5), when the
# importer builds them (it then has --no-exports).
NO_EXPORTS=()
"$IMPORT" --help 2>&1 | grep -q -- '--no-exports' && NO_EXPORTS=(--no-exports)

# Parses /usr/bin/time -v output: prints "wall_seconds cpu_seconds max_rss_kb" (cpu = user + sys).
time_fields() {
    awk -F': ' '
        /Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0
                                   for (i = 1; i <= n; i++) s = s * 60 + p[i]; wall = s }
        /User time \(seconds\)/ { cpu += $2 }
        /System time \(seconds\)/ { cpu += $2 }
        /Maximum resident set size/ { rss = $2 }
        END { printf "%.3f %.3f %d\n", wall, cpu, rss }' "$1"
}

count_rows() { # db table
    sqlite3 "$1" "SELECT count(*) FROM $2;"
}

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
TSV="$WORK/results/import-$STAMP.tsv"
printf 'n\ttool\trun\tseconds\tcpu_seconds\tmax_rss_kb\trows\tdb_bytes\tloadavg\n' > "$TSV"

for N in "${SIZES[@]}"; do
    [[ "$N" =~ ^[0-9]+$ ]] || die "bad size '$N'"
    CSV="$WORK/poi_$N.csv"
    if [[ ! -s "$CSV" || ! -s "${CSV}t" ]]; then
        log "generating $N rows -> $CSV"
        # gen_poi.py is run from its own folder, its output goes to the work folder.
        (cd "$PEERS_DIR" && python3 gen_poi.py "$N" "$CSV")
    fi
    CFG="$WORK/bench-$N.json"
    python3 - "$CSV" "$CFG" <<'PY'
import csv, json, os, sys
path, out = sys.argv[1], sys.argv[2]
with open(path, newline="", encoding="utf-8") as f:
    codes = sorted({row["insee"] for row in csv.DictReader(f)})
cfg = {
    "territory": {"name": "Territoire synthétique (banc d'essai)", "epci_siren": "000000000",
                  "communes": codes, "default_licence": "CC0-1.0"},
    "map": {"center": [48.95, 5.2], "zoom": 9, "tiles_url": "", "tiles_attribution": ""},
    "data_dir": os.path.dirname(path),
    "sources": [{"name": "poi", "profile": "gen-poi", "path": os.path.basename(path)}],
}
with open(out, "w", encoding="utf-8") as f:
    json.dump(cfg, f, ensure_ascii=False, indent=1)
PY
    GDB="$WORK/geodir_$N.sqlite"
    ODB="$WORK/ogr_$N.sqlite"
    for run in $(seq 1 "$RUNS"); do
        # Alternate the tools; each run starts from no output file.
        rm -f "$GDB" "$GDB".tmp-* "$GDB".rejects.csv "$GDB".report.json
        log "N=$N run $run/$RUNS: geodir-import"
        /usr/bin/time -v -o "$WORK/time.txt" "$IMPORT" --config "$CFG" --db "$GDB" \
            --profiles "$HERE/profiles" --quiet "${NO_EXPORTS[@]}" 2>"$WORK/geodir.err" \
            || { cat "$WORK/geodir.err" >&2; die "geodir-import failed (N=$N)"; }
        rows=$(count_rows "$GDB" places)
        [[ "$rows" == "$N" ]] || die "geodir-import: $rows places, expected $N"
        read -r secs cpu rss < <(time_fields "$WORK/time.txt")
        printf '%s\tgeodir-import\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$N" "$run" "$secs" "$cpu" "$rss" "$rows" \
            "$(stat -c %s "$GDB")" "$(cut -d' ' -f1 /proc/loadavg)" >> "$TSV"

        rm -f "$ODB" "$ODB-journal"
        log "N=$N run $run/$RUNS: ogr2ogr"
        # The peers' load settings (../shared/bench/peers/10_gen_db.sh): synchronous OFF,
        # 100,000-row transactions, lon/lat columns -> POINT in EPSG:4326, R*Tree index.
        /usr/bin/time -v -o "$WORK/time.txt" ogr2ogr --config OGR_SQLITE_SYNCHRONOUS OFF \
            -gt 100000 -f SQLite -dsco SPATIALITE=YES "$ODB" "$CSV" \
            -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat -oo KEEP_GEOM_COLUMNS=NO \
            -a_srs EPSG:4326 -nln poi -nlt POINT \
            -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=YES 2>"$WORK/ogr.err" \
            || { cat "$WORK/ogr.err" >&2; die "ogr2ogr failed (N=$N)"; }
        rows=$(count_rows "$ODB" poi)
        [[ "$rows" == "$N" ]] || die "ogr2ogr: $rows rows, expected $N"
        read -r secs cpu rss < <(time_fields "$WORK/time.txt")
        printf '%s\togr2ogr\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$N" "$run" "$secs" "$cpu" "$rss" "$rows" \
            "$(stat -c %s "$ODB")" "$(cut -d' ' -f1 /proc/loadavg)" >> "$TSV"
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
