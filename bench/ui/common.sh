# bench/ui/common.sh — what bench/ui/run.sh and bench/ui/lighthouse.sh share, sourced with the
# script's arguments: ../lib.sh (work folder /tmp/geodir-bench-ui), HERE, N (the first argument,
# default 10000 places), RUNS (default 3). ui_database N sets API and IMPORT (GEODIR_API and
# GEODIR_IMPORT when both are given, else built in $BUILD from this tree) and GDB, the database
# of the peers' N generated places ($WORK/poi_N.csv, made once), imported when missing
# (bench_import_db).

# shellcheck source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh" bench/ui /tmp/geodir-bench-ui
HERE="$REPO/bench/ui"
N="${1:-10000}"
RUNS="${RUNS:-3}"

ui_database() {
    local n="$1" csv="$WORK/poi_$1.csv"
    SRC="$REPO"
    if [[ -z "${GEODIR_API:-}" || -z "${GEODIR_IMPORT:-}" ]]; then
        bench_source
        bench_build geodir-api geodir-import
    fi
    API="${GEODIR_API:-$BUILD/geoapi/geodir-api}"
    IMPORT="${GEODIR_IMPORT:-$BUILD/importer/geodir-import}"
    no_exports_args "$IMPORT"
    [[ -s "$csv" && -s "${csv}t" ]] || gen_poi "$n" "$csv"
    GDB="$WORK/geodir_$n.sqlite"
    bench_import_db "$n" "$csv" "$GDB" "$WORK/import.err"
}
