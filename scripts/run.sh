#!/usr/bin/env bash
# Installs, builds, loads the synthetic demo cases into the embedded SQLite
# store (var/victim-comms.db) and starts the daemon on 127.0.0.1:8080.
# Extra arguments go to `victim-comms serve` (e.g. --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exe=build/victim-comms
$exe demo
stamp=$(date +%Y%m%d%H%M%S)
ingest=$($exe user add "demo-ingest-$stamp" --role ingest | tail -n 1)
vlu=$($exe user add "demo-vlu-$stamp" --role vlu | tail -n 1)
manager=$($exe user add "demo-manager-$stamp" --role manager | tail -n 1)
port=8080
for ((i = 1; i <= $#; i++)); do [ "${!i}" = --port ] && { j=$((i + 1)); port=${!j}; }; done
cat <<INFO

victim-comms demo: http://127.0.0.1:$port/  (database var/victim-comms.db; Ctrl-C stops it)
API tokens made for this run (shown once):
  ingest   $ingest
  vlu      $vlu
  manager  $manager
Try:
  curl -s -H "Authorization: Bearer $vlu" http://127.0.0.1:$port/api/v1/victims/v-c1-sam
  curl -s -H "Authorization: Bearer $vlu" "http://127.0.0.1:$port/api/v1/obligations?status=breached"
  curl -s -H "Authorization: Bearer $vlu" http://127.0.0.1:$port/api/v1/obligations/VCL-NFA%3Av-c6-drew%3Ademo-c6-e03

INFO
exec $exe serve "$@"
