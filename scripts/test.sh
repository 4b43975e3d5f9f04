#!/usr/bin/env bash
# Installs, builds and runs the whole test suite through CTest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
ctest --test-dir build --output-on-failure --no-tests=error -j "$(nproc)"
