# bench/lib.sh — shell helpers shared by the benchmark scripts (bench/import/run.sh,
# bench/export/run.sh, bench/api/run.sh, bench/api/geocode.sh). Sourced, not run, with the
# script's name (the prefix of die's messages) and its default work folder:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh" bench/xyz /tmp/geodir-bench-xyz
#
# Sets REPO (the repository), BENCH_NAME, WORK ($GEODIR_BENCH_DIR, else the default; outside the
# repository) and the defaults the scripts share: PEERS_DIR (<repo>/../shared/bench/peers),
# API_THREADS (nproc); wrk_defaults sets those of the wrk runs. Provides: log, die,
# need_tools, bench_source and bench_build (the build of geodir, from the
# working tree or from the committed HEAD with SNAPSHOT=1), no_exports_args, schema_version,
# gen_poi, write_bench_config and bench_import_db (the peers' generated directory imported by
# geodir-import), bench_time and time_fields (GNU time), bench_pin (PIN=1) and start_api.
# The callers run under `set -euo pipefail`.

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRV_PIN=()   # bench_pin: taskset prefixes of the servers and of the load generator
WRK_PIN=()
API_ENV_WORDS=()   # start_api: NAME=VALUE words added to geodir-api's environment

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; exit 1; }

BENCH_NAME="$1"
WORK="${GEODIR_BENCH_DIR:-$2}"
case "$WORK" in "$REPO"|"$REPO"/*) die "GEODIR_BENCH_DIR must be outside the repository" ;; esac
mkdir -p "$WORK" || die "cannot create the work folder $WORK"
PEERS_DIR="${PEERS_DIR:-$REPO/../shared/bench/peers}"
API_THREADS="${API_THREADS:-$(nproc)}"

wrk_defaults() { # DURATION (10s) per wrk run, CONNS (64) connections, WRK_THREADS (2)
    DURATION="${DURATION:-10s}"
    CONNS="${CONNS:-64}"
    WRK_THREADS="${WRK_THREADS:-2}"
}

need_tools() { # tool...: each on the PATH, and GNU time
    local t
    for t in "$@"; do
        command -v "$t" >/dev/null || die "$t is missing (scripts/deps installs it)"
    done
    [[ -x /usr/bin/time ]] || die "/usr/bin/time is missing (Debian package 'time')"
}

# Sets BUILD ($GEODIR_BUILD, default <repo>/build-bench), SRC (the source tree it is configured
# from) and COMMIT (what is measured). SNAPSHOT=1: the committed HEAD, extracted with git archive
# into $SNAPSHOT_DIR/<commit>; without it, a build-bench configured from such a snapshot is
# measured as it is. The benchmark's own build folder, configured from another tree, is removed.
bench_source() {
    local snapdir="${SNAPSHOT_DIR:-/tmp/geodir-bench-src}" home
    BUILD="${GEODIR_BUILD:-$REPO/build-bench}"
    SRC="$REPO"
    COMMIT="$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- \
        geoapi common importer || echo '+dirty')"
    if [[ "${SNAPSHOT:-0}" == 1 ]]; then
        COMMIT="$(git -C "$REPO" rev-parse --short HEAD)"
        SRC="$snapdir/$COMMIT"
        COMMIT="$COMMIT${GEODIR_CFLAGS:+ (CFLAGS $GEODIR_CFLAGS)}"
        if [[ ! -f "$SRC/CMakeLists.txt" ]]; then
            mkdir -p "$SRC"
            git -C "$REPO" archive HEAD | tar -x -C "$SRC"
        fi
    fi
    home="$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$BUILD/CMakeCache.txt" 2>/dev/null \
        || true)"
    if [[ "${SNAPSHOT:-0}" != 1 && "$home" == "$snapdir"/* ]]; then
        # A build of an earlier snapshot (SNAPSHOT=1 made it): measure it as it is.
        SRC="$home"
        COMMIT="$(basename "$home") (snapshot)"
    fi
    if [[ -n "$home" && "$home" != "$SRC" ]]; then
        [[ "$BUILD" == "$REPO/build-bench" ]] || die "$BUILD was configured from $home, not $SRC"
        rm -rf "$BUILD" # the benchmark's own build folder, made from another source tree
    fi
}

bench_build() { # target...: configures $BUILD from $SRC (RelWithDebInfo, the project's
                # default, plus $GEODIR_CFLAGS) when it is not yet, then builds the targets
    if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
        log "configuring $BUILD from $SRC"
        cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            ${GEODIR_CFLAGS:+"-DCMAKE_C_FLAGS=$GEODIR_CFLAGS"} >/dev/null
    fi
    log "building $* in $BUILD"
    cmake --build "$BUILD" --target "$@" -j2 >/dev/null
}

no_exports_args() { # importer -> NO_EXPORTS: (--no-exports) when the importer has the option
    # (no full exports at import time, issue 5: bench/export/ measures them), else empty
    NO_EXPORTS=()
    if "$1" --help 2>&1 | grep -q -- '--no-exports'; then
        NO_EXPORTS=(--no-exports)
    fi
}

schema_version() { # source-tree -> its GDIR_SCHEMA_VERSION (PRAGMA user_version of a database)
    sed -n 's/^#define GDIR_SCHEMA_VERSION \([0-9]*\).*/\1/p' "$1/common/gdir_db.h"
}

gen_poi() { # N CSV [gen_poi.py option...]: the peers' generated directory (seed 42) into CSV
    local n="$1" csv="$2"
    shift 2
    [[ -f "$PEERS_DIR/gen_poi.py" ]] || die "no gen_poi.py in $PEERS_DIR (set PEERS_DIR)"
    log "generating $n rows -> $csv"
    # gen_poi.py is run from its own folder, its output goes to the work folder.
    (cd "$PEERS_DIR" && python3 gen_poi.py "$n" "$csv" "$@")
}

write_bench_config() { # CSV out.json [exports-json]: a territory whose member communes are the
                       # CSV's INSEE codes (every row is kept), the CSV its one source (gen-poi)
    python3 - "$1" "$2" "${3:-}" <<'PY'
import csv, json, os, sys
path, out, exports = sys.argv[1], sys.argv[2], sys.argv[3]
with open(path, newline="", encoding="utf-8") as f:
    codes = sorted({row["insee"] for row in csv.DictReader(f)})
cfg = {"territory": {"name": "Territoire synthétique (banc d'essai)", "epci_siren": "000000000",
                     "communes": codes, "default_licence": "CC0-1.0"},
       "map": {"center": [48.95, 5.2], "zoom": 9, "tiles_url": "", "tiles_attribution": ""},
       "data_dir": os.path.dirname(os.path.abspath(path)),
       "sources": [{"name": "poi", "profile": "gen-poi", "path": os.path.basename(path)}]}
if exports:
    cfg["open_data"] = {"exports": json.loads(exports)}
with open(out, "w", encoding="utf-8") as f:
    json.dump(cfg, f, ensure_ascii=False, indent=1)
PY
}

# N CSV GDB ERRFILE: the CSV imported by $IMPORT (with $NO_EXPORTS and the import benchmark's
# profiles; configuration $WORK/bench-N.json) into GDB, unless GDB is already there with the
# schema of $SRC (FORCE=1: always); then GDB must hold N places.
bench_import_db() {
    local n="$1" csv="$2" gdb="$3" err="$4"
    if [[ "${FORCE:-0}" == 1 || ! -s "$gdb" || \
          "$(sqlite3 "$gdb" 'PRAGMA user_version')" != "$(schema_version "$SRC")" ]]; then
        write_bench_config "$csv" "$WORK/bench-$n.json"
        log "importing $n rows with geodir-import ${NO_EXPORTS[*]} -> $gdb"
        rm -f "$gdb"
        "$IMPORT" --config "$WORK/bench-$n.json" --db "$gdb" \
            --profiles "$REPO/bench/import/profiles" --quiet "${NO_EXPORTS[@]}" 2> "$err" \
            || { cat "$err" >&2; die "geodir-import failed (N=$n)"; }
    fi
    [[ "$(sqlite3 "$gdb" 'SELECT count(*) FROM places')" == "$n" ]] || die "$gdb: not $n places"
}

bench_time() { # out command...: the command under GNU time, "wall_s user_s sys_s max_rss_kb"
               # as the last line of out
    local out="$1"
    shift
    /usr/bin/time -f '%e %U %S %M' -o "$out" "$@"
}

time_fields() { # out (of bench_time) -> "wall_s cpu_s max_rss_kb" (cpu = user + sys)
    awk 'END {printf "%s %.2f %s\n", $1, $2 + $3, $4}' "$1"
}

bench_pin() { # PIN=1: SRV_PIN (CPU 0) and WRK_PIN (CPU 1) taskset prefixes, SERVER_CORES 1;
              # else empty prefixes and SERVER_CORES = nproc
    SRV_PIN=()
    WRK_PIN=()
    SERVER_CORES="$(nproc)"
    if [[ "${PIN:-0}" == 1 ]]; then
        SRV_PIN=(taskset -c 0)
        WRK_PIN=(taskset -c 1)
        SERVER_CORES=1
    fi
}

# binary db prefix [option...]: geodir-api on 127.0.0.1 (any free port, log_level warn, the
# static files of $SRC/map-ui, $API_THREADS threads, $SRV_PIN) -> STARTED_PID, STARTED_URL;
# its stdout and stderr in prefix.out and prefix.err.
start_api() {
    local bin="$1" db="$2" pre="$3" port
    shift 3
    # wrk is one address: the per-address limit (geodir-api >= issue 10) is lifted, through the
    # environment so that an older binary, which lacks the option, still starts.
    env GEODIR_MAX_CONNECTIONS_PER_IP=100000 "${API_ENV_WORDS[@]}" \
        "${SRV_PIN[@]}" "$bin" --port 0 --db "$db" --static_dir "$SRC/map-ui" --log_level warn \
        --threads "$API_THREADS" "$@" > "$pre.out" 2> "$pre.err" &
    STARTED_PID=$!
    for _ in $(seq 100); do grep -q listening "$pre.out" && break; sleep 0.1; done
    port="$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' "$pre.out")"
    if [[ -z "$port" ]]; then
        kill "$STARTED_PID" 2>/dev/null || true
        die "$bin did not start: $(cat "$pre.err")"
    fi
    STARTED_URL="http://127.0.0.1:$port"
}
