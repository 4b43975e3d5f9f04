#!/usr/bin/env bash
# Builds a Release tree in build-bench/ and runs the benchmarks.
#   bash bench/run.sh                 all of them
#   bash bench/run.sh ingest [CASES]  events in (default 2000 cases, ~20,000 events)
#   bash bench/run.sh render [SECS]   letters rendered: mstch vs mustache.js vs pystache (default 3 s each)
#   bash bench/run.sh http [CASES] [SECS]  the daemon's reads under wrk, 1 and 8 connections (default 3000 cases, 5 s a run)
#   bash bench/run.sh scheduler [CASES]  an idle scheduler pass and the lists' pages (default 100000 cases; the
#                                     store is built once, slowly, and kept in build-bench/sched-data/)
# Installs only what is missing (wrk; pystache, node and npm for the render comparison).
# See docs/benchmarks.md for what each figure means.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
install_packages() {
  [ "$#" -eq 0 ] && return 0
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
if [ "$what" = all ] || [ "$what" = ingest ]; then
  cmake --build build-bench --target victim-comms bench_ingest
  ./build-bench/bench_ingest ./build-bench/victim-comms "${2:-2000}"
fi
if [ "$what" = all ] || [ "$what" = render ]; then
  # The comparison's other engines: Debian's pystache, and mustache.js from npm (kept in bench/.node).
  # Only what is missing: a Node.js that already brings npm (NodeSource's) conflicts with Debian's npm package.
  missing=()
  dpkg-query -W -f='${Status}' python3-pystache 2>/dev/null | grep -q "install ok installed" || missing+=(python3-pystache)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  install_packages "${missing[@]}"
  [ -d bench/.node/node_modules/mustache ] \
    || npm install --silent --no-audit --no-fund --prefix bench/.node mustache@4.2.0 >/dev/null
  cmake --build build-bench --target bench_render
  ./build-bench/bench_render "$PWD" build-bench/render "${2:-3}"
fi
if [ "$what" = all ] || [ "$what" = http ]; then
  command -v wrk >/dev/null || install_packages wrk
  cmake --build build-bench --target victim-comms bench_ingest
  bash bench/bench_http.sh build-bench "${2:-3000}" "${3:-5}"
fi
if [ "$what" = all ] || [ "$what" = scheduler ]; then
  cmake --build build-bench --target bench_scheduler
  ./build-bench/bench_scheduler "${2:-100000}" build-bench/sched-data
fi
