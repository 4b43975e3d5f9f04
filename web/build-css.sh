#!/usr/bin/env bash
# Builds web/build/govuk-frontend.min.css from web/styles/govuk-frontend.scss with the Sass compiler from npm
# (pinned in web/package-lock.json): GOV.UK Frontend's styles with a system font stack, as its documentation
# says for services not on GOV.UK (the GDS Transport typeface it ships is for GOV.UK only). Run by
# scripts/setup.sh and tests/browser/web_test.sh; does nothing when the built file is newer than its sources.
# The same sources and the same pinned packages give the same file, byte for byte. Installed with
# --ignore-scripts: neither package needs one, and sass's optional file watcher would try to compile itself.
set -euo pipefail
cd "$(dirname "$0")"
out=build/govuk-frontend.min.css
[ -d node_modules/govuk-frontend ] && [ -x node_modules/.bin/sass ] ||
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
if [ -f "$out" ] && [ "$out" -nt styles/govuk-frontend.scss ] && [ "$out" -nt package-lock.json ]; then
  exit 0
fi
mkdir -p build
node_modules/.bin/sass --no-source-map --style=compressed --quiet-deps --load-path=node_modules \
  styles/govuk-frontend.scss "$out.tmp"
mv "$out.tmp" "$out"
