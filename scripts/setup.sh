#!/usr/bin/env bash
# Installs what victim-comms needs on Debian 12 (as root, or with sudo) and
# builds it in build/; with --tests, also what the test suite needs.
# Safe to run again: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libpoco-dev libmstch-dev catch2 libsqlite3-dev sqlite3 zlib1g-dev libdeflate-dev libzstd-dev libjemalloc-dev pkg-config cmake g++ ninja-build ccache curl python3 python3-aiosmtpd openssl)
# Node.js and npm fetch GOV.UK Frontend (the web pages' styles) into web/node_modules.
command -v npm >/dev/null || packages+=(nodejs npm)
# The PostgreSQL store (docs/deployment.md): Poco's connector and libpq's headers (libpoco-dev needs neither).
packages+=(libpocodatapostgresql80 libpq-dev)
# --tests: also what the test suite needs, Debian's Chromium and playwright-core to drive it, PostgreSQL 15
# for the throwaway cluster the PostgreSQL tests run against (tests/support/pg_cluster.sh), and systemd's tools
# (systemd-analyze, -sysusers, -tmpfiles) for the unit's test (tests/e2e/systemd_unit_test.sh; nothing is started).
for_tests=0
[ "${1:-}" = --tests ] && { for_tests=1; packages+=(chromium postgresql-15 systemd); }
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -d web/node_modules/govuk-frontend ] && [ -x web/node_modules/.bin/sass ] ||
  npm ci --prefix web --ignore-scripts --no-audit --no-fund --loglevel=error
# GOV.UK Frontend's styles with a system font (this service is not on GOV.UK): web/build-css.sh.
bash web/build-css.sh
[ "$for_tests" = 1 ] && { { [ -d tests/browser/node_modules/playwright-core ] && [ -d tests/browser/node_modules/axe-core ]; } ||
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error; }

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build build -j "$(nproc)"
