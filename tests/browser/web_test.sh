#!/usr/bin/env bash
# The web pages end to end in Debian's headless Chromium (driven by npm
# playwright-core): the real executable on a real SQLite file loaded with the
# synthetic demo cases, users with passwords made through the CLI, and the
# browser doing what officers, an ISVA and a manager do. Screenshots of each
# main page are left in ARTEFACTS_DIR.
# Usage: web_test.sh PATH/TO/victim-comms SOURCE_DIR ARTEFACTS_DIR
set -euo pipefail
exe=$1
src=$2
artefacts=$3
tmp=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

[ -x /usr/bin/chromium ] || { echo "FAIL: /usr/bin/chromium is missing (scripts/test.sh installs it)" >&2; exit 1; }
{ [ -d "$src/tests/browser/node_modules/playwright-core" ] && [ -d "$src/tests/browser/node_modules/axe-core" ]; } ||
  npm ci --prefix "$src/tests/browser" --no-audit --no-fund >/dev/null
[ -d "$src/web/node_modules/govuk-frontend" ] || npm ci --prefix "$src/web" --ignore-scripts --no-audit --no-fund >/dev/null
bash "$src/web/build-css.sh"  # the styles with a system font, as scripts/setup.sh builds them

cat > "$tmp/test.properties" <<PROPS
db.path = $tmp/web.db
spool.dir = $tmp/spool
http.port = 0
smtp.host = 127.0.0.1
smtp.port = 1
scheduler.interval_seconds = 2
outbox.retry_base_seconds = 3600
# A fixed day, so "overdue", "due today" and "due the next working day" are the same on every run.
clock.now = 2026-11-23T10:00:00Z
PROPS
cfg=(--config "$src/config/victim-comms.properties" --config "$tmp/test.properties")
"$exe" demo "${cfg[@]}" >/dev/null
# A notification for a second ISVA, so that the first can be shown not to see it.
"$exe" import "$src/tests/browser/isva2_events.jsonl" "${cfg[@]}" >/dev/null
password="correct horse battery staple"
add() { printf '%s\n' "$password" | "$exe" user add "$@" --password-stdin "${cfg[@]}" >/dev/null; }
add anna-officer --role vlu
add ben-officer --role vlu
add meg-manager --role manager
add sol-manager --role manager --area "CPS South West"
add isla-isva --role isva --isva-id isva-1
add kit-isva --role isva --isva-id isva-2

# The log exists before the daemon starts: the background job opens it only when it runs, and a first look
# before then failed the whole test under set -e (seen twice on a loaded machine).
: > "$tmp/daemon.log"
"$exe" serve "${cfg[@]}" >> "$tmp/daemon.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/daemon.log" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "FAIL: the daemon did not start: $(cat "$tmp/daemon.log")" >&2; exit 1; }

rm -rf "$artefacts"
mkdir -p "$artefacts"
set +e
BASE_URL="http://127.0.0.1:$port" PASSWORD="$password" DB="$tmp/web.db" SPOOL="$tmp/spool" \
  ARTEFACTS="$artefacts" node "$src/tests/browser/web_test.mjs"
rc=$?
set -e
if [ "$rc" != 0 ]; then
  echo "--- daemon log ---" >&2
  tail -n 40 "$tmp/daemon.log" >&2
fi
exit "$rc"
