#!/usr/bin/env bash
# run_long.sh — the long runs of tests/fuzz/README.md ("Executions"): each named target once,
# -runs=RUNS (10,000,000) capped at CAP seconds, one after the other, at low priority, on a copy
# of its corpus; one summary line per target appended to OUT/summary.txt:
#   tests/fuzz/run_long.sh BUILD_FUZZ OUT TARGET...       (RUNS, CAP, NICE from the environment)
# A crash, leak or timeout leaves its input in OUT/<target>/ and is counted in the line.
set -uo pipefail
build=${1:?usage: run_long.sh BUILD_FUZZ OUT TARGET...} out=${2:?}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
runs=${RUNS:-10000000} cap=${CAP:-3600}
mkdir -p "$out"
for t in "$@"; do
    w=$out/$t
    rm -rf "$w"
    mkdir -p "$w/corpus" "$w/tmp"
    cp -R "$here/corpus/$t/." "$w/corpus/"
    d=()
    [[ -f "$here/$t.dict" ]] && d=(-dict="$here/$t.dict")
    start=$(date +%s)
    TMPDIR=$w/tmp nice -n "${NICE:-10}" "$build/tests/fuzz/fuzz_$t" -runs="$runs" \
        -max_total_time="$cap" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$w/" "${d[@]}" "$w/corpus" > "$w/log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$w/log" | awk '{print $2}')
    eps=$(grep -o 'stat::average_exec_per_sec: [0-9]*' "$w/log" | awk '{print $2}')
    units=$(ls "$w/corpus" | wc -l)
    bad=$(ls "$w" | grep -cE '^(crash|leak|timeout|oom)-')
    echo "$t rc=$rc execs=${execs:-0} exec_per_s=${eps:-0} corpus_units=$units" \
         "seconds=$(( $(date +%s) - start )) findings=$bad $(date -u +%FT%TZ)" >> "$out/summary.txt"
done
