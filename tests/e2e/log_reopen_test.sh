#!/usr/bin/env bash
# SIGHUP reopens the log files, as logrotate expects (issue 19 item 4): serve logs to a file (a FileChannel
# with a formatter, from logging.*), the file is moved away, SIGHUP comes, and the next lines go to a new file
# at the configured path; the daemon keeps serving and stops cleanly on SIGTERM.
# Usage: log_reopen_test.sh PATH/TO/victim-comms SOURCE_DIR
set -euo pipefail
exe=$(readlink -f "$1")
src=$2
tmp=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; for f in "$tmp"/log/*; do echo "--- $f" >&2; tail -5 "$f" >&2; done; exit 1; }
check() { echo "ok: $*"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p "$tmp/log"
log="$tmp/log/victim-comms.log"
cat > "$tmp/local.properties" <<PROPS
audit.key_file = $tmp/keys/audit.key
retention.key_file = $tmp/keys/retention.key
spool.dir = $tmp/spool
logging.formatters.f.class = PatternFormatter
logging.formatters.f.pattern = [%p] %s: %t
logging.channels.file.class = FileChannel
logging.channels.file.path = $log
logging.channels.file.formatter = f
logging.loggers.root.channel = file
logging.loggers.root.level = information
PROPS
cfg="--config $src/config/victim-comms.properties --config $tmp/local.properties"
db="$tmp/store.db"
port=$(free_port)
"$exe" migrate $cfg --db "$db" >/dev/null 2>&1
ingest=$("$exe" user add feed $cfg --db "$db" --role ingest | tail -n 1)
"$exe" serve $cfg --db "$db" --port "$port" >"$tmp/stdout" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
grep -q "listening on" "$log" || fail "serve did not log to $log"
check "serve logs to the file logging.channels.file.path names"

mv "$log" "$log.1"
kill -HUP "$pid"
for _ in $(seq 1 50); do grep -q "SIGHUP: reopened 1 log file" "$log" 2>/dev/null && break; sleep 0.1; done
grep -q "SIGHUP: reopened 1 log file" "$log" 2>/dev/null || fail "no new log file after SIGHUP"
kill -0 "$pid" || fail "SIGHUP ended the daemon"
body='[{"id":"lr-e1","type":"case.registered","occurred_at":"2026-04-01T09:00:00+01:00","case_urn":"52LR0100126","area":"CPS South West","offences":["other"]}]'
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $ingest" -H 'Content-Type: application/json' \
  --data "$body" "http://127.0.0.1:$port/api/v1/events")
[ "$code" = 200 ] || fail "posting after SIGHUP: $code"
for _ in $(seq 1 30); do grep -q "feed posted 1 events" "$log" && break; sleep 0.1; done
grep -q "feed posted 1 events" "$log" || fail "the line after SIGHUP is not in the new file"
grep -q "feed posted" "$log.1" && fail "a line after SIGHUP went to the moved file"
check "SIGHUP: the moved file is left as it is, the next lines go to a new file at the path, the daemon serves on"

kill -TERM "$pid"
set +e; wait "$pid"; rc=$?; set -e
pid=""
[ "$rc" = 0 ] || fail "serve exit $rc on SIGTERM after a SIGHUP"
check "and stops cleanly on SIGTERM (exit 0)"
