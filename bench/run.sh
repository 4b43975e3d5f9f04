#!/usr/bin/env bash
# Builds a Release tree in build-bench/ and runs the ingest benchmark.
#   bash bench/run.sh [CASES]        (default 2000 cases, ~20,000 events)
# See docs/benchmarks.md for what each figure means.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench --target victim-comms bench_ingest
./build-bench/bench_ingest ./build-bench/victim-comms "${1:-2000}"
