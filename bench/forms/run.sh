#!/usr/bin/env bash
# bench/forms/run.sh — durable submissions per second of the online procedures (issue 12,
# docs/forms.md §3), beside the fsync rate of the same disk measured in the same run.
#
#   bench/forms/run.sh
#
#   1. a directory database from tests/http/fixtures (the real importer) and the definitions of
#      tests/forms_http/forms (the short form "essai": name, e-mail, age; no attachment);
#   2. the disk: dd oflag=dsync of 4 KiB blocks in the work folder (where forms_db lives), i.e.
#      the rate of synchronous writes one after the other, what a commit per submission would
#      be bound by; and the sequential write speed (dd conv=fsync, 256 MiB);
#   3. geodir-api (log_level warn, API_THREADS workers, no rate limit) and wrk (bench/forms/
#      post.lua) at CONNS connections for DURATION: each 201 is sent after its commit;
#   4. the rows in forms_db against wrk's count (every 201 is a row), p99 from wrk --latency,
#      the server's RSS before and after, writes per commit (the store's log line at stop);
#   5. attachments: ATTACH_N submissions each with a 5 MB PDF (5,000,000 bytes), ATTACH_CONC at
#      a time (bench/forms/attach.py: one process, keep-alive connections, the body built once;
#      until 2026-12-07 a bash and a curl per upload, whose start-up weighed on 2 cores),
#      stored and fsync'd: MB/s beside the disk's sequential write speed of 2.;
#   6. memory: wrk rounds of 10 s until forms_db holds TOTAL requests (100,000), the server's
#      RSS after each round (flat = no growth with the number of requests).
# The territory's périscolaire form cannot stand in for "essai": it requires an insurance
# certificate (a file), and step 3 measures a submission without attachment.
#
# Environment: GEODIR_BENCH_DIR (default /tmp/geodir-bench-forms, outside the repository),
# GEODIR_BUILD (default <repo>/build, must hold geodir-api and geodir-import; a relative path
# is taken from the current folder), CONNS (64), DURATION (10s), WRK_THREADS (2), API_THREADS
# (32, the runs of bench/RESULTS.md; a submission no longer holds its worker while it waits
# for its commit, docs/forms.md §3), ATTACH_N (40), ATTACH_CONC (4), TOTAL (100000).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="${GEODIR_BENCH_DIR:-/tmp/geodir-bench-forms}"
BUILD="$(cd "${GEODIR_BUILD:-$REPO/build}" 2>/dev/null && pwd)" ||
    { echo "run.sh: no build folder ${GEODIR_BUILD:-$REPO/build}" >&2; exit 1; }
CONNS="${CONNS:-64}" DURATION="${DURATION:-10s}" WRK_THREADS="${WRK_THREADS:-2}"
API_THREADS="${API_THREADS:-32}" ATTACH_N="${ATTACH_N:-40}" ATTACH_CONC="${ATTACH_CONC:-4}"
TOTAL="${TOTAL:-100000}"
API="$BUILD/geoapi/geodir-api" IMPORTER="$BUILD/importer/geodir-import"
for tool in wrk curl sqlite3 dd; do
    command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done
[ -x "$API" ] && [ -x "$IMPORTER" ] || { echo "run.sh: build $BUILD first" >&2; exit 1; }

rm -rf "$WORK" && mkdir -p "$WORK/dir"
cp "$REPO"/tests/http/fixtures/* "$WORK/dir/"
(cd "$WORK/dir" && "$IMPORTER" --config territory.json --db "$WORK/geodir.sqlite" >/dev/null 2>&1)

echo "== disk ($(df -P "$WORK" | awk 'NR==2 {print $1}'), $WORK)"
dsync=$(dd if=/dev/zero of="$WORK/dsync.bin" bs=4k count=2000 oflag=dsync 2>&1 | tail -1)
dsync_s=$(echo "$dsync" | sed -E 's/.* copied, ([0-9.]+) s.*/\1/')
fsync_rate=$(awk -v s="$dsync_s" 'BEGIN { printf "%.0f", 2000 / s }')
seq=$(dd if=/dev/zero of="$WORK/seq.bin" bs=1M count=256 conv=fsync 2>&1 | tail -1)
rm -f "$WORK/dsync.bin" "$WORK/seq.bin"
echo "synchronous 4 KiB writes: $fsync_rate/s ($dsync)"
echo "sequential write: $seq"

"$API" --port 0 --db "$WORK/geodir.sqlite" --static_dir "$REPO/map-ui" \
    --forms_dir "$REPO/tests/forms_http/forms" --forms_db "$WORK/forms.sqlite" \
    --forms_files_dir "$WORK/files" --threads "$API_THREADS" --forms_submit_rate 0 \
    --max_connections_per_ip 100000 --log_level info >"$WORK/api.out" 2>"$WORK/api.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q listening "$WORK/api.out" 2>/dev/null && break; sleep 0.1; done
port=$(sed -nE 's/^listening on http:\/\/127.0.0.1:([0-9]+)$/\1/p' "$WORK/api.out")
[ -n "$port" ] || { echo "run.sh: the server did not start" >&2; cat "$WORK/api.log" >&2; exit 1; }
csrf_json=$(curl -s -c "$WORK/cookies" "http://127.0.0.1:$port/api/forms/csrf")
export CSRF_TOKEN=$(echo "$csrf_json" | sed -E 's/.*"token":"([^"]+)".*/\1/')
export CSRF_COOKIE=$(awk '$6 == "geodir_csrf" {print $7}' "$WORK/cookies")
rss_before=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)

echo "== wrk -t$WRK_THREADS -c$CONNS -d$DURATION (server threads $API_THREADS)"
wrk -t"$WRK_THREADS" -c"$CONNS" -d"$DURATION" --timeout 10s --latency \
    -s "$REPO/bench/forms/post.lua" "http://127.0.0.1:$port" | tee "$WORK/wrk.txt"
rss_after=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
rows=$(sqlite3 "$WORK/forms.sqlite" "SELECT count(*) FROM requests")

echo "== attachments: $ATTACH_N submissions of a 5 MB PDF, $ATTACH_CONC at a time"
{ printf '%%PDF-1.4\n'; head -c 4999991 /dev/urandom; } > "$WORK/5mb.pdf"
attach=$(python3 "$REPO/bench/forms/attach.py" "$port" "$CSRF_COOKIE" "$CSRF_TOKEN" \
    "$WORK/5mb.pdf" "$ATTACH_N" "$ATTACH_CONC")
attach_ok=${attach% *}
attach_s=${attach#* }
attach_stored=$(sqlite3 "$WORK/forms.sqlite" "SELECT count(*) FROM attachments WHERE size = 5000000")
attach_mbs=$(awk -v n="$attach_ok" -v s="$attach_s" 'BEGIN { printf "%.1f", n * 5 / s }')
seq_mbs=$(echo "$seq" | sed -nE 's/.*, ([0-9.]+) ([MG])B\/s$/\1 \2/p' | awk '{ print ($2 == "G" ? $1 * 1000 : $1) }')

echo "== memory: rounds of 10 s until $TOTAL requests"
rss_trace="$rows:$(awk '/VmRSS/ {print $2}' /proc/$pid/status)"
while [ "$(sqlite3 "$WORK/forms.sqlite" "SELECT count(*) FROM requests")" -lt "$TOTAL" ]; do
    wrk -t"$WRK_THREADS" -c"$CONNS" -d10s --timeout 10s -s "$REPO/bench/forms/post.lua" \
        "http://127.0.0.1:$port" > /dev/null
    rss_trace="$rss_trace $(sqlite3 "$WORK/forms.sqlite" "SELECT count(*) FROM requests"):$(awk '/VmRSS/ {print $2}' /proc/$pid/status)"
done
kill -TERM $pid && wait $pid || true
trap - EXIT

reqs=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
secs=$(awk '/requests in/ {sub(/s,/, "", $4); print $4}' "$WORK/wrk.txt")
non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/wrk.txt")
p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk.txt")
commits=$(sed -nE 's/.*msg="store closed" writes=([0-9]+) commits=([0-9]+).*/\1 \2/p' "$WORK/api.log")
rate=$(awk -v r="$rows" -v s="$secs" 'BEGIN { printf "%.0f", r / s }')
echo
echo "== result"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "durable submissions: $rows rows for $reqs answers (${non2xx:-0} non-2xx) in $secs s = $rate/s"
echo "fsync-bound rate of the disk: $fsync_rate/s; ratio $(awk -v a="$rate" -v b="$fsync_rate" 'BEGIN { printf "%.2f", a / b }')"
echo "p99 latency: $p99"
echo "writes and commits of the store: ${commits:-?} ($(echo "${commits:-0 1}" | awk '{ if ($2) printf "%.1f", $1 / $2 }') per commit)"
echo "server RSS: ${rss_before} KiB before, ${rss_after} KiB after"
echo "attachments: $attach_ok of $ATTACH_N answered 201, $attach_stored stored at 5,000,000 bytes; $attach_mbs MB/s against the disk's sequential $seq_mbs MB/s: ratio $(awk -v a="$attach_mbs" -v b="$seq_mbs" 'BEGIN { if (b > 0) printf "%.2f", a / b }')"
echo "server RSS over the requests (requests:KiB): $rss_trace"
