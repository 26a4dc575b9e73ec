#!/usr/bin/env bash
# bench/ui/lighthouse.sh — Lighthouse 12.2.3 (bench/ui/package.json) on the map page, mobile and
# desktop: performance, accessibility, best practices.
#
#   bench/ui/lighthouse.sh [N]     default N = 10000 generated places (as bench/ui/run.sh)
#
# The page is served by geodir-api over the generated directory of bench/ui/run.sh (imported
# when missing) with the default limits; Debian's Chromium (CHROME_PATH, default
# /usr/bin/chromium) runs headless with the flags this machine needs. RUNS (default 3) runs of
# each form factor; the scores of each run, the median, and the audits below 1 of the last run.
# Environment: GEODIR_BENCH_DIR, GEODIR_API, GEODIR_IMPORT, RUNS, CHROME_PATH (see run.sh).
# Output: the reports in $GEODIR_BENCH_DIR/lighthouse/, a summary on stdout.
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh" "$@"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
LH="$HERE/node_modules/.bin/lighthouse"
[[ -x "$LH" ]] || die "Lighthouse is missing: run \`npm ci\` in bench/ui"
need_tools python3 sqlite3 node

ui_database "$N"

start_api "$API" "$GDB" "$WORK/api-lighthouse"
trap 'kill "$STARTED_PID" 2>/dev/null || true' EXIT
OUT="$WORK/lighthouse"
mkdir -p "$OUT"
FLAGS="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run \
--disable-background-networking --disable-component-update --disable-sync"
for run in $(seq 1 "$RUNS"); do
    for form in mobile desktop; do
        preset=()
        [[ "$form" == desktop ]] && preset=(--preset=desktop)
        log "Lighthouse $form run $run/$RUNS"
        "$LH" "$STARTED_URL/" "${preset[@]}" --quiet --chrome-flags="$FLAGS" \
            --only-categories=performance,accessibility,best-practices \
            --output=json --output-path="$OUT/$form-$run.json" \
            || die "Lighthouse failed ($form, run $run)"
    done
done

python3 - "$OUT" "$RUNS" <<'PY'
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
cats = ["performance", "accessibility", "best-practices"]
print("\n| form factor | " + " | ".join(cats) + " | FCP ms | LCP ms | TBT ms | CLS |")
print("|---|" + "---:|" * (len(cats) + 4))
for form in ("mobile", "desktop"):
    reps = [json.load(open(f"{out}/{form}-{r}.json")) for r in range(1, runs + 1)]
    def med(get):
        return statistics.median(get(r) for r in reps)
    scores = [" / ".join(str(round(r["categories"][c]["score"] * 100)) for r in reps) +
              f" (median {med(lambda r: round(r['categories'][c]['score'] * 100)):.0f})" for c in cats]
    audit = lambda k: med(lambda r: r["audits"][k]["numericValue"])
    print(f"| {form} | " + " | ".join(scores) +
          f" | {audit('first-contentful-paint'):.0f} | {audit('largest-contentful-paint'):.0f}"
          f" | {audit('total-blocking-time'):.0f} | {audit('cumulative-layout-shift'):.3f} |")
    last = reps[-1]
    for c in cats:
        for ref in last["categories"][c]["auditRefs"]:
            a = last["audits"][ref["id"]]
            if ref.get("weight", 0) > 0 and a.get("score") is not None and a["score"] < 1:
                print(f"    {form} {c}: {a['id']} score {a['score']} {a.get('displayValue', '')}")
PY
