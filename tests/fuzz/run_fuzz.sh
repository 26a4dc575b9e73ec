#!/usr/bin/env bash
# run_fuzz.sh — one time-boxed libFuzzer run, as ctest's fuzz.<name> tests do it:
#   run_fuzz.sh TARGET CORPUS_DIR DICT WORK_DIR
# copies the corpus into WORK_DIR (the tree's corpus is never written to), runs TARGET for
# $GDIR_FUZZ_SECONDS seconds (default 10) with the dictionary when DICT exists, and exits with
# the fuzzer's status: non-zero on a crash, a leak, a sanitizer report, a timeout (10 s for one
# input) or an out-of-memory (2 GB). Crashing inputs are left in WORK_DIR.
set -euo pipefail
target=${1:?usage: run_fuzz.sh TARGET CORPUS_DIR DICT WORK_DIR}
corpus=${2:?} dict=${3:?} work=${4:?}
seconds=${GDIR_FUZZ_SECONDS:-10}
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || { echo "GDIR_FUZZ_SECONDS: not a positive number: $seconds" >&2; exit 2; }
[[ -d "$corpus" ]] || { echo "no corpus folder $corpus" >&2; exit 2; }
rm -rf "$work"
mkdir -p "$work/corpus" "$work/tmp"
cp -R "$corpus/." "$work/corpus/"
args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$work/")
[[ -f "$dict" ]] && args+=(-dict="$dict")
export TMPDIR="$work/tmp"
exec "$target" "${args[@]}" "$work/corpus"
