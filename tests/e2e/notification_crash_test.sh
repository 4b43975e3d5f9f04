#!/usr/bin/env bash
# The daemon killed (SIGKILL) while an ISVA notification is on the wire, then
# started again: nothing is lost. The SMTP sink (Debian's aiosmtpd) stores the
# first message and holds back its reply, so the daemon is killed after the
# message arrived but before it heard so. After the restart every notification
# arrives, and the one that went twice carries the same Message-ID both times,
# so the receiving side can recognise the resend.
# Usage: notification_crash_test.sh PATH/TO/victim-comms SOURCE_DIR
set -euo pipefail
exe=$1
src=$2
tmp=$(mktemp -d)
pid=""
sink_pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
  if [ -n "$sink_pid" ] && kill -0 "$sink_pid" 2>/dev/null; then kill "$sink_pid"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/daemon.log" ] && tail -20 "$tmp/daemon.log" >&2; exit 1; }
check() { echo "ok: $*"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Every Message-ID in the Maildir, one per line (a resend appears twice).
message_ids() { cat "$tmp/maildir/new/"* 2>/dev/null | grep -i '^Message-ID:' | sed 's/^[^:]*: *//' | tr -d '\r' | sort; }

cfg="--config $src/config/victim-comms.properties"
db="$tmp/crash.db"
smtp_port=$(free_port)
port=$(free_port)

# The sink: reads stdin until it closes, so keep a pipe open to it.
mkfifo "$tmp/sink.in"
/usr/bin/python3 "$src/tests/support/smtp_sink.py" "$smtp_port" "$tmp/maildir" --stall-first 120 \
  < "$tmp/sink.in" > "$tmp/sink.out" 2>&1 &
sink_pid=$!
exec 3>"$tmp/sink.in"
for _ in $(seq 1 50); do grep -q ready "$tmp/sink.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$tmp/sink.out" || fail "the SMTP sink did not start"

cat > "$tmp/local.properties" <<PROPS
smtp.host = 127.0.0.1
smtp.port = $smtp_port
smtp.sender = vlu@cps.example.org
smtp.require_tls = false
smtp.timeout_seconds = 300
outbox.lease_seconds = 600
scheduler.interval_seconds = 1
outbox.retry_base_seconds = 1
outbox.retry_max_seconds = 1
spool.dir = $tmp/spool
clock.now = 2026-04-06T09:00:00+01:00
PROPS
start_daemon() {
  "$exe" serve $cfg --config "$tmp/local.properties" --db "$db" --port "$port" >> "$tmp/daemon.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return; sleep 0.1; done
  fail "the daemon did not start"
}

"$exe" migrate $cfg --db "$db" >/dev/null
ingest=$("$exe" user add feed $cfg --db "$db" --role ingest | tail -n 1)
start_daemon

ev() { printf '{"id":"%s","type":"%s","occurred_at":"2026-04-02T1%s:00:00+01:00","case_urn":"52CR0100126"%s}' "$@"; }
body="[$(ev i1 isva.registered 0 '' | sed 's/,"case_urn":"52CR0100126"//; s/}$/,"isva_id":"isva-1","name":"Jo Advocate","organisation":"Example Support","email":"jo.advocate@example.org"}/'),
$(ev e1 case.registered 0 ',"area":"CPS South West","offences":["rape"]'),
$(ev e2 victim.registered 0 ',"victim_id":"v1","name":{"given":"Sam","family":"Crashtest"}'),
$(ev e3 isva.assigned 1 ',"victim_id":"v1","isva_id":"isva-1","consent_to_share":true'),
$(ev e4 plea.entered 2 ',"plea":"not_guilty"'),
$(ev e5 hearing.listed 3 ',"kind":"trial","date":"2026-06-15","court":"Sampleford Crown Court"'),
$(ev e6 hearing.listed 4 ',"kind":"sentence","date":"2026-07-15","court":"Sampleford Crown Court"')]"
code=$(curl -s -o "$tmp/post.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $ingest" \
  -H 'Content-Type: application/json' --data "$body" "http://127.0.0.1:$port/api/v1/events")
[ "$code" = 200 ] || fail "posting the events: $code $(cat "$tmp/post.json")"

# The first notification reaches the sink, which does not answer; the daemon is killed while it waits.
for _ in $(seq 1 100); do [ -n "$(message_ids)" ] && break; sleep 0.1; done
[ "$(message_ids | wc -l)" = 1 ] || fail "expected the first notification at the sink, got: $(message_ids)"
sleep 0.5
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM outbox WHERE state = 'sending'")" = 1 ] || fail "no message was mid-send"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
pid=""
first=$(message_ids)
check "the daemon was killed with a notification delivered but unconfirmed ($first)"

start_daemon
total=$(sqlite3 "$db" "SELECT COUNT(*) FROM notifications")
[ "$total" = 3 ] || fail "expected 3 notifications (plea, trial, sentence), found $total"
# Each once, and the interrupted one a second time.
for _ in $(seq 1 100); do [ "$(message_ids | wc -l)" -ge $((total + 1)) ] && break; sleep 0.1; done
sleep 1  # anything that would go a third time has had its chance
[ "$(message_ids | sort -u | wc -l)" = "$total" ] || fail "not every notification arrived: $(message_ids)"
[ "$(message_ids | grep -cxF "$first")" = 2 ] || fail "the interrupted one was not sent again with the same Message-ID"
[ "$(message_ids | wc -l)" = $((total + 1)) ] || fail "something other than the interrupted one went twice: $(message_ids)"
for _ in $(seq 1 50); do
  [ "$(sqlite3 "$db" "SELECT COUNT(*) FROM outbox WHERE state = 'sent'")" = "$total" ] && break; sleep 0.1
done
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM outbox WHERE state = 'sent'")" = "$total" ] || fail "outbox not all sent"
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM obligations WHERE rule = 'ISVA-NOTE' AND status = 'met'")" = "$total" ] \
  || fail "the ISVA-NOTE obligations are not all met"
check "after the restart every notification arrived; the interrupted one went again under the same Message-ID"

kill -TERM "$pid"
wait "$pid" || fail "the daemon did not stop cleanly on SIGTERM"
pid=""
