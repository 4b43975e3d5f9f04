#!/usr/bin/env bash
# bench_http.sh: the daemon's HTTP reads under a real load generator (Debian's wrk).
#
#   bash bench/bench_http.sh BUILD_DIR [CASES] [SECONDS]
#
# BUILD_DIR holds a built victim-comms and bench_ingest (bench/run.sh builds build-bench/).
# CASES: synthetic cases to load (default 3000, about 13,000 events and 4,000 letters).
# SECONDS: how long each wrk run lasts (default 5).
# VC_EXE=path runs another victim-comms build (e.g. a baseline's) against the same data.
#
# What it does: writes bench_ingest's synthetic journeys (feed order) to a file, imports them with
# `victim-comms import` into a fresh store, adds a vlu user, starts `victim-comms serve` on a free
# loopback port (the scheduler's interval set to a day, so that no pass runs during the figures),
# and runs wrk with 1 and with 8 connections against
#   /healthz                           the anchor: no store, no authentication
#   GET /api/v1/victims/{id}           an audited read: ids rotate over every victim (bench/wrk_victims.lua)
#   GET /api/v1/letters?limit=50       the review queue's first page
# Each figure is printed with its ratio to /healthz at the same number of connections. Afterwards
# the daemon is stopped and the store checked: the audit chain verifies, and there is a read_victim
# entry for every victim read wrk saw answered (an answer is sent only once its entry is durable).
# Data goes in BUILD_DIR/bench-data/http/ (replaced on every run). See docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: bench_http.sh BUILD_DIR [CASES] [SECONDS]}
cases=${2:-3000}
secs=${3:-5}
exe=${VC_EXE:-$build/victim-comms}
command -v wrk >/dev/null || { echo "bench_http: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
dir=$(realpath -m "$build/bench-data/http")
rm -rf "$dir"
mkdir -p "$dir"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$dir/bench.properties" <<EOF
db.path = $dir/store.db
http.bind = 127.0.0.1
http.port = $port
clock.now = 2027-03-01T12:00:00Z
audit.key_file = $dir/audit.key
retention.key_file = $dir/retention.key
spool.dir = $dir/spool
scheduler.interval_seconds = 86400
EOF
config=(--config "$PWD/config/victim-comms.properties" --config "$dir/bench.properties")

echo "bench_http: generating and importing $cases cases..." >&2
"$build/bench_ingest" --write-events "$dir/events.jsonl" "$cases"
"$exe" import "$dir/events.jsonl" "${config[@]}" >"$dir/import.log" 2>&1
token=$("$exe" user add bench-vlu --role vlu "${config[@]}" 2>>"$dir/import.log" | tail -n 1)
victims=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM victims").fetchone()[0])' "$dir/store.db")
letters=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM letters").fetchone()[0])' "$dir/store.db")

"$exe" serve "${config[@]}" >"$dir/serve.log" 2>&1 &
pid=$!
stop() { kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; }
trap stop EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { echo "bench_http: the daemon did not start:" >&2; cat "$dir/serve.log" >&2; exit 1; }
  sleep 0.2
done

# The scheduler's first pass runs as the daemon starts: wait until the daemon is idle (under 5% of a
# core over half a second), so that the figures measure the requests alone.
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
for _ in $(seq 1 240); do
  before=$(ticks)
  sleep 0.5
  [ $(($(ticks) - before)) -le $(($(getconf CLK_TCK) / 40)) ] && break
done

# run NAME CONNECTIONS PATH [LUA]: one wrk run; prints "req/s p99_ms requests non2xx"
run() {
  local conns=$2 path=$3 lua=${4:-} threads=1
  [ "$conns" -gt 1 ] && threads=2
  local args=(-t"$threads" -c"$conns" -d"${secs}s" --latency -H "Authorization: Bearer $token")
  [ -n "$lua" ] && args+=(-s "$lua")
  local out
  out=$(VC_VICTIMS=$victims wrk "${args[@]}" "http://127.0.0.1:$port$path")
  echo "$out" >>"$dir/wrk.log"
  awk -f "$(dirname "${BASH_SOURCE[0]}")/wrk_summary.awk" <<<"$out"
}

# Warm up (page cache, sessions, the first prepared statements), untimed.
secs_saved=$secs
secs=1
run warm 8 /healthz >/dev/null
run warm 8 /api/v1/victims/x bench/wrk_victims.lua >/dev/null
secs=$secs_saved

# The disk's own stalls just before and just after the 8-connection victim read, on the store's file system,
# with the daemon idle (bench/sync_latency.cpp): the anchor for that read's p99. Just after, the kernel may
# still be writing back what the daemon wrote; just before, only what the earlier runs wrote.
probe() { "$build/bench_sync_latency" "$dir/sync-probe" "$secs"; }
declare -A rps p99 total bad
victim_reads=0
for c in 1 8; do
  for what in healthz victims letters; do
    [ "$what$c" = victims8 ] && disk_before=$(probe)
    case $what in
      healthz) r=$(run "$what" "$c" /healthz) ;;
      victims) r=$(run "$what" "$c" /api/v1/victims/x bench/wrk_victims.lua) ;;
      letters) r=$(run "$what" "$c" "/api/v1/letters?limit=50") ;;
    esac
    [ "$what$c" = victims8 ] && disk_after=$(probe)
    read -r rps[$what$c] p99[$what$c] total[$what$c] bad[$what$c] <<<"$r"
    echo "bench_http: $what, $c connection(s): ${rps[$what$c]} req/s, p99 ${p99[$what$c]} ms" >&2
  done
  victim_reads=$((victim_reads + total[victims$c]))
done

stop
trap - EXIT
# Every answered read left its entry (more entries than answers is fine: wrk stops counting at the
# deadline while the last requests are still being answered, and the warm-up read too).
entries=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM audit_log WHERE action IN (\"read_victim\", \"read_victim_denied\")").fetchone()[0])' "$dir/store.db")
verify=$("$exe" verify-audit --read-only "${config[@]}" 2>&1 | head -n 1 || true)

echo
echo "victim-comms HTTP read benchmark, $(date -u +%Y-%m-%d), wrk $(wrk -v 2>&1 | head -n 1 | awk '{print $2}'), ${secs}s a run"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "store: $cases cases, $victims victims, $letters letters; daemon http.threads = 8 (default)"
echo
printf '%-36s %6s %12s %10s %10s %8s\n' "what" "conns" "req/s" "p99 ms" "vs healthz" "non-2xx"
printf '%.0s-' {1..88}
echo
for c in 1 8; do
  for what in healthz victims letters; do
    case $what in
      healthz) label="/healthz (anchor)" ;;
      victims) label="GET /api/v1/victims/{id} (audited)" ;;
      letters) label="GET /api/v1/letters?limit=50" ;;
    esac
    ratio=$(awk -v a="${rps[$what$c]}" -v b="${rps[healthz$c]}" 'BEGIN { printf "%.3f", a / b }')
    printf '%-36s %6s %12.0f %10.2f %10s %8s\n' "$label" "$c" "${rps[$what$c]}" "${p99[$what$c]}" "$ratio" "${bad[$what$c]}"
  done
done
echo
# syncs p50 p99 max over10 ms_in_them
disk_line() {
  read -r n p50 p99d max over in_them <<<"$2"
  printf '%-7s %s s: %s syncs, p50 %s ms, p99 %s ms, max %s ms; %s over 10 ms, %s ms in them\n' "$1" "$secs" "$n" \
    "$p50" "$p99d" "$max" "$over" "$in_them"
}
echo "the disk itself (4 KB written in place + fdatasync, beside the store, the daemon idle), around"
echo "the 8-connection victim read: an answer waits for its entry's fsync, so a stall here is a stall there"
disk_line before "$disk_before"
disk_line after "$disk_after"
echo
# For bench/run.sh's table (RESULT|id|label|value|unit|anchor|ratio): each read against /healthz.
for c in 1 8; do
  for what in victims letters; do
    case $what in
      victims) label="GET /api/v1/victims/{id} (audited)" ;;
      letters) label="GET /api/v1/letters?limit=50 ($letters letters)" ;;
    esac
    awk -v id="http.$what$c" -v label="$label, $c connection(s)" -v r="${rps[$what$c]}" -v rh="${rps[healthz$c]}" \
      -v p="${p99[$what$c]}" -v ph="${p99[healthz$c]}" 'BEGIN {
        printf "RESULT|%s.rps|%s|%.0f|req/s|/healthz %.0f req/s|%.3f\n", id, label, r, rh, r / rh
        printf "RESULT|%s.p99|%s, p99|%.2f|ms|/healthz p99 %.2f ms|%.1f\n", id, label, p, ph, p / ph }'
  done
done
for when in before after; do
  v=disk_$when
  read -r _ _ dp99 dmax dover din <<<"${!v}"
  printf 'RESULT|disk.%s|the disk alone, %s the 8-connection victim read: fdatasync max|%s|ms|p99 %s; %s over 10 ms: %s ms|\n' \
    "$when" "$when" "$dmax" "$dp99" "$dover" "$din"
done
echo
echo "victim reads answered: $victim_reads; read_victim entries in the audit log: $entries"
echo "verify-audit: $verify"
[ "$entries" -ge "$victim_reads" ] || { echo "bench_http: FEWER audit entries than answered reads" >&2; exit 1; }
