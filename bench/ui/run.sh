#!/usr/bin/env bash
# bench/ui/run.sh — the map page with 10,000 places in view, before and after, in one run:
#
#   bench/ui/run.sh [N]            default N = 10000 places (the peers' generator, seed 42)
#
# Imports the peers' generated directory (../shared/bench/peers/gen_poi.py, the import
# benchmark's profile) with geodir-import, starts geodir-api on it twice — serving the page of
# BEFORE (default: main; its map-ui extracted with git archive) and the page of this working
# tree — and runs map10k.mjs on each, alternately, RUNS times (default 3): time from the click
# on « Dans la zone affichée » until every place is on the map and the page paints again, long
# tasks, DOM size, then a mouse drag and its frame rate.
# The BEFORE page shows every place only when the server's limits allow it in one request: its
# server runs with default_limit = max_limit = N (as the issue measured it); the new page
# follows the API's pages under the default limits (50 first, then pages of 500).
#
# Environment:
#   GEODIR_BENCH_DIR  work folder (default /tmp/geodir-bench-ui); nothing is written in the repository
#   GEODIR_API, GEODIR_IMPORT  existing binaries (else built in <repo>/build-bench)
#   BEFORE            git revision of the « before » page (default main)
#   RUNS              runs per page (default 3)
#   PIN=1             the server on CPU 0, Chromium on CPU 1 (taskset)
#   CHROME_PATH       Chromium (default /usr/bin/chromium)
# Output: one JSON line per run on stdout and in $GEODIR_BENCH_DIR/results/ui-<UTC time>.jsonl,
# then a summary table (medians).
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"
BEFORE="${BEFORE:-main}"
need_tools python3 sqlite3 node git
mkdir -p "$WORK/results"
bench_pin

ui_database "$N"
[[ -d "$REPO/map-ui/node_modules/supercluster" ]] || die "run scripts/deps (map-ui/node_modules)"

# The « before » page: BEFORE's map-ui, with this tree's node_modules (Leaflet) beside it.
OLD="$WORK/before-map-ui"
rm -rf "$OLD" && mkdir -p "$OLD"
git -C "$REPO" archive "$BEFORE" map-ui | tar -x -C "$OLD" --strip-components=1
ln -s "$REPO/map-ui/node_modules" "$OLD/node_modules"
BEFORE_COMMIT="$(git -C "$REPO" rev-parse --short "$BEFORE")"
AFTER_COMMIT="$(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- map-ui || echo '+dirty')"

API_ENV_WORDS=(GEODIR_DEFAULT_LIMIT="$N" GEODIR_MAX_LIMIT="$N")
start_api "$API" "$GDB" "$WORK/api-before" --static_dir "$OLD"
PID_BEFORE=$STARTED_PID URL_BEFORE=$STARTED_URL
API_ENV_WORDS=()
start_api "$API" "$GDB" "$WORK/api-after"
PID_AFTER=$STARTED_PID URL_AFTER=$STARTED_URL
trap 'kill "$PID_BEFORE" "$PID_AFTER" 2>/dev/null || true' EXIT

OUT="$WORK/results/ui-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
log "N=$N before=$BEFORE_COMMIT after=$AFTER_COMMIT runs=$RUNS -> $OUT"
for run in $(seq 1 "$RUNS"); do
    "${WRK_PIN[@]}" node "$HERE/map10k.mjs" "before $BEFORE_COMMIT" "$URL_BEFORE/" 1 | tee -a "$OUT"
    "${WRK_PIN[@]}" node "$HERE/map10k.mjs" "after $AFTER_COMMIT" "$URL_AFTER/" 1 | tee -a "$OUT"
done

python3 - "$OUT" "$N" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(f"\n{sys.argv[2]} places; medians of {len(rows) // 2} runs each ({sys.argv[1]})\n")
print("| page | ready ms | long tasks | long tasks ms (sum / max) | on map | DOM markers + clusters | list items | drag fps | worst frame ms |")
print("|---|---:|---:|---|---:|---:|---:|---:|---:|")
for label in dict.fromkeys(r["label"] for r in rows):
    rs = [r for r in rows if r["label"] == label]
    m = lambda k: statistics.median(r[k] for r in rs)
    print(f"| {label} | {m('ready_ms'):.0f} | {m('long_tasks'):.0f} | {m('long_sum_ms'):.0f} / {m('long_max_ms'):.0f} "
          f"| {m('on_map'):.0f} | {m('dom_markers') + m('dom_clusters'):.0f} | {m('list_items'):.0f} "
          f"| {m('drag_fps'):.1f} | {m('drag_worst_frame_ms'):.0f} |")
PY
