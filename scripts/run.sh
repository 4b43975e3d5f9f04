#!/usr/bin/env bash
# Installs, builds, loads the synthetic demo cases into the embedded SQLite
# store (var/victim-comms.db) and starts the daemon on 127.0.0.1:8080.
# Letters it emails go to a local demo mailbox (var/demo-mail/new, an SMTP
# sink on 127.0.0.1:8025 that stops with the daemon); letters it posts are
# written to var/spool/. Extra arguments go to `victim-comms serve` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exe=build/victim-comms
mkdir -p var
cat > var/demo.properties <<PROPS
# Written by scripts/run.sh: the demo's email goes to a local mailbox, not the world.
smtp.host = 127.0.0.1
smtp.port = 8025
smtp.sender = vlu-demo@example.org
# The demo sink is plain SMTP on loopback and offers no STARTTLS.
smtp.require_tls = false
PROPS
config=(--config config/victim-comms.properties --config var/demo.properties)
$exe demo "${config[@]}"
stamp=$(date +%Y%m%d%H%M%S)
ingest=$($exe user add "demo-ingest-$stamp" --role ingest "${config[@]}" | tail -n 1)
vlu=$($exe user add "demo-vlu-$stamp" --role vlu "${config[@]}" | tail -n 1)
vlu2=$($exe user add "demo-vlu2-$stamp" --role vlu "${config[@]}" | tail -n 1)
manager=$($exe user add "demo-manager-$stamp" --role manager "${config[@]}" | tail -n 1)
isva=$($exe user add "demo-isva-$stamp" --role isva --isva-id isva-1 "${config[@]}" | tail -n 1)
# People sign in to the web pages with a name and password; these are made for this run and shown once.
web_password() { head -c 18 /dev/urandom | base64 | tr -d '/+=' | cut -c1-16; }
web_users=""
for who in "officer vlu" "second-officer vlu" "manager manager" "isva isva --isva-id isva-1"; do
  read -r -a w <<<"$who"  # name, role, and any more options (not `set --`: "$@" is for serve)
  name="web-${w[0]}-$stamp"
  pw=$(web_password)
  printf '%s\n' "$pw" | $exe user add "$name" --role "${w[@]:1}" --password-stdin "${config[@]}" >/dev/null
  web_users+=$(printf '  %-34s %s\n' "$name" "$pw")$'\n'
done
port=8080
for ((i = 1; i <= $#; i++)); do [ "${!i}" = --port ] && { j=$((i + 1)); port=${!j}; }; done

/usr/bin/python3 tests/support/smtp_sink.py 8025 var/demo-mail < <(sleep infinity) > var/demo-mail.log 2>&1 &
sink=$!
trap 'kill $sink 2>/dev/null || true' EXIT
# Wait until the sink takes mail: the daemon sends what is queued the moment it starts.
for _ in $(seq 1 100); do grep -q '^ready' var/demo-mail.log 2>/dev/null && break; sleep 0.1; done
grep -q '^ready' var/demo-mail.log || { echo "the demo mailbox on 127.0.0.1:8025 did not start: $(cat var/demo-mail.log)" >&2; exit 1; }

cat <<INFO

victim-comms demo: http://127.0.0.1:$port/  (database var/victim-comms.db; Ctrl-C stops it)
Sign in to the web pages at http://127.0.0.1:$port/ as (name, password; made for this run, shown once):
$web_users  (an officer who changes a letter cannot approve it: sign in as the second officer to approve)
Posted letters are written to var/spool/; emailed letters and ISVA notifications arrive in var/demo-mail/new/.
API tokens made for this run (shown once):
  ingest   $ingest
  vlu      $vlu
  vlu2     $vlu2     (a second officer: approvals need someone other than the last editor)
  manager  $manager
  isva     $isva     (ISVA isva-1: sees only their own notifications)
Try:
  curl -s -H "Authorization: Bearer $vlu" http://127.0.0.1:$port/api/v1/letters
  curl -s -H "Authorization: Bearer $vlu" http://127.0.0.1:$port/api/v1/letters/l-11
  curl -s -X PUT -H "Authorization: Bearer $vlu" -H 'Content-Type: application/json' \\
       http://127.0.0.1:$port/api/v1/letters/l-11 -d '{"version":1,"free_text":"Please call me if you have any questions."}'
  curl -s -X POST -H "Authorization: Bearer $vlu2" http://127.0.0.1:$port/api/v1/letters/l-11/approve
  curl -s -H "Authorization: Bearer $vlu" "http://127.0.0.1:$port/api/v1/letters?attention=phone_task"
  curl -s -H "Authorization: Bearer $vlu" "http://127.0.0.1:$port/api/v1/obligations?status=breached"
  curl -s -H "Authorization: Bearer $isva" http://127.0.0.1:$port/api/v1/isva/notifications
  curl -s -H "Authorization: Bearer $vlu" http://127.0.0.1:$port/api/v1/meetings
  curl -s -H "Authorization: Bearer $vlu" "http://127.0.0.1:$port/api/v1/outbox?state=dead"
  curl -s -H "Authorization: Bearer $vlu" "http://127.0.0.1:$port/api/v1/obligations?status=at_risk"
  curl -s -H "Authorization: Bearer $manager" "http://127.0.0.1:$port/api/v1/compliance?from=2026-01-01&to=2026-12-31&group_by=area"
  curl -s -H "Authorization: Bearer $manager" "http://127.0.0.1:$port/api/v1/compliance?from=2026-01-01&to=2026-12-31&format=csv" -o compliance.csv
  curl -s -H "Authorization: Bearer $manager" http://127.0.0.1:$port/api/v1/audit/verify
  curl -s -H "Authorization: Bearer $manager" "http://127.0.0.1:$port/api/v1/audit?limit=20"
  victim-comms render --letter decision_not_to_prosecute --lang cy --sample   (build/victim-comms)

INFO
$exe serve "${config[@]}" "$@"
