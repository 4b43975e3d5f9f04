#!/usr/bin/env bash
# Two daemons on one PostgreSQL (issue 17, item 4), as a national service runs them behind a load balancer:
# events posted alternately to both, letters approved on both, and the daemon that is sending a letter killed
# with SIGKILL while the SMTP server (Debian's aiosmtpd) holds back its reply. The other daemon takes the
# message back once its lease has run out and sends it with the same Message-ID; every letter reaches the
# server, none but the interrupted one twice (and that one under one Message-ID, so a receiver sees one
# letter). The obligations are those a single daemon derives from the same events (a SQLite import), one daemon
# leads the scheduler at a time and the survivor leads after the kill, and verify-audit holds on the shared chain.
# Usage: postgres_daemons_test.sh PATH/TO/victim-comms SOURCE_DIR PG_STATE_DIR
set -euo pipefail
exe=$(readlink -f "$1")
src=$2
state=$3
tmp=$(mktemp -d)
pids=()
sink_pid=""
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null || true
  [ -n "${db:-}" ] && PGPASSWORD=$password psql "$url" -X -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  for f in "$tmp"/a.log "$tmp"/b.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -15 "$f" >&2; }; done
  exit 1
}
check() { echo "ok: $*"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
[ -s "$state/url" ] || fail "no PostgreSQL cluster in $state: run through ctest (fixture pg_cluster)"
url=$(cat "$state/url")
password=$(cat "$state/password_file")
db="vc_two_$$_$RANDOM"
PGPASSWORD=$password psql "$url" -X -q -c "CREATE DATABASE $db" >/dev/null
store="${url%/*}/$db"
psql_store() { PGPASSWORD=$password psql "$store" -X -q -At -c "$1"; }
# Every Message-ID in the Maildir, one per line (a resend appears twice).
message_ids() { cat "$tmp/maildir/new/"* 2>/dev/null | grep -i '^Message-ID:' | sed 's/^[^:]*: *//' | tr -d '\r' | sort; }

# The SMTP server: stores the first message and holds back its reply for two minutes.
smtp_port=$(free_port)
mkfifo "$tmp/sink.in"
/usr/bin/python3 "$src/tests/support/smtp_sink.py" "$smtp_port" "$tmp/maildir" --stall-first 120 \
  <"$tmp/sink.in" >"$tmp/sink.out" 2>&1 &
sink_pid=$!
exec 3>"$tmp/sink.in"
for _ in $(seq 1 50); do grep -q ready "$tmp/sink.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$tmp/sink.out" || fail "the SMTP sink did not start"

# One configuration for both daemons (one store, the same key files), and each its own checkpoint file and port.
(umask 077 && printf '%s\n' "$password" >"$tmp/password")
now="2026-04-06T09:00:00+01:00"
cat >"$tmp/common.properties" <<PROPS
db.url = $store
db.password_file = $tmp/password
audit.key_file = $tmp/keys/audit.key
retention.key_file = $tmp/keys/retention.key
smtp.host = 127.0.0.1
smtp.port = $smtp_port
smtp.sender = vlu@cps.example.org
smtp.require_tls = false
smtp.timeout_seconds = 5
outbox.lease_seconds = 10
outbox.retry_base_seconds = 1
outbox.retry_max_seconds = 1
scheduler.interval_seconds = 1
clock.now = $now
PROPS
cfg=(--config "$src/config/victim-comms.properties" --config "$tmp/common.properties")
port_a=$(free_port)
port_b=$(free_port)
for d in a b; do
  printf 'audit.checkpoint_file = %s\nspool.dir = %s\n' "$tmp/$d.audit-checkpoint" "$tmp/spool-$d" >"$tmp/$d.properties"
done
"$exe" migrate "${cfg[@]}" --config "$tmp/a.properties" >/dev/null
ingest=$("$exe" user add feed --role ingest "${cfg[@]}" --config "$tmp/a.properties" | tail -n 1)
vlu=$("$exe" user add officer-one --role vlu "${cfg[@]}" --config "$tmp/a.properties" | tail -n 1)
vlu2=$("$exe" user add officer-two --role vlu "${cfg[@]}" --config "$tmp/b.properties" | tail -n 1)
declare -A pid port
port[a]=$port_a
port[b]=$port_b
start_daemon() {
  "$exe" serve "${cfg[@]}" --config "$tmp/$1.properties" --port "${port[$1]}" >>"$tmp/$1.log" 2>&1 &
  pid[$1]=$!
  pids+=("${pid[$1]}")
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:${port[$1]}/healthz" >/dev/null 2>&1 && return; sleep 0.1; done
  fail "daemon $1 did not start"
}
start_daemon a
start_daemon b
check "two daemons serve one PostgreSQL database (ports $port_a and $port_b)"

# Six cases, each a victim who wants email and a decision not to prosecute; every event posted on its own, to
# the daemons in turn (a case registered on one, its victim on the other, ...).
events=()
for i in 1 2 3 4 5 6; do
  urn="52TD0${i}00126"
  events+=("{\"id\":\"td$i-e1\",\"type\":\"case.registered\",\"occurred_at\":\"2026-03-02T09:00:00Z\",\"case_urn\":\"$urn\",\"area\":\"CPS South West\",\"offences\":[\"rape\"],\"prosecutor\":{\"name\":\"Ada Prosecutor\"}}")
  events+=("{\"id\":\"td$i-e2\",\"type\":\"victim.registered\",\"occurred_at\":\"2026-03-02T09:05:00Z\",\"case_urn\":\"$urn\",\"victim_id\":\"td$i-v\",\"name\":{\"given\":\"Sam\",\"family\":\"Twodaemons\"},\"address\":{\"lines\":[\"$i Private Road\",\"Sampleford\"],\"postcode\":\"ZZ7 7ZZ\"},\"email\":\"sam.td$i@example.org\",\"preferred_channel\":\"email\"}")
  events+=("{\"id\":\"td$i-e3\",\"type\":\"charging.decided\",\"occurred_at\":\"2026-04-02T15:20:00+01:00\",\"case_urn\":\"$urn\",\"decision\":\"no_further_action\",\"reasons\":\"There is not enough evidence to charge.\"}")
done
k=0
for e in "${events[@]}"; do
  d=$([ $((k % 2)) = 0 ] && echo a || echo b)
  code=$(curl -s -o "$tmp/post.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $ingest" \
    -H 'Content-Type: application/json' --data "[$e]" "http://127.0.0.1:${port[$d]}/api/v1/events")
  [ "$code" = 200 ] || fail "event $k to daemon $d: $code $(cat "$tmp/post.json")"
  k=$((k + 1))
done
printf '%s\n' "${events[@]}" >"$tmp/events.jsonl"
check "${#events[@]} events posted alternately to the two daemons"

# One daemon leads the scheduler's passes; the other only sends.
leaders=$(psql_store "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1986199554 AND objid = 1 AND granted")
[ "$leaders" = 1 ] || fail "expected one leader's lock, found $leaders"
check "one daemon holds the scheduler's lead"

# The obligations are those one daemon derives from the same events: a SQLite import of them, at the same time.
for _ in $(seq 1 100); do
  [ "$(psql_store "SELECT count(*) FROM letters WHERE state = 'draft'")" = 6 ] && break
  sleep 0.1
done
printf 'clock.now = %s\naudit.key_file = %s\nretention.key_file = %s\naudit.checkpoint_file = %s\n' "$now" \
  "$tmp/one-keys/audit.key" "$tmp/one-keys/retention.key" "$tmp/one.audit-checkpoint" >"$tmp/one.properties"
"$exe" import "$tmp/events.jsonl" --config "$src/config/victim-comms.properties" --config "$tmp/one.properties" \
  --db "$tmp/one.db" >"$tmp/one.log" 2>&1 || fail "the single-daemon import failed: $(tail -3 "$tmp/one.log")"
obligations_sql="SELECT id || '|' || rule || '|' || status || '|' || due_by || '|' || victim_id FROM obligations ORDER BY id"
psql_store "$obligations_sql" >"$tmp/two.obligations"
sqlite3 "$tmp/one.db" "$obligations_sql" >"$tmp/one.obligations"
[ -s "$tmp/one.obligations" ] || fail "the single-daemon import made no obligations"
diff "$tmp/one.obligations" "$tmp/two.obligations" >&2 || fail "the two daemons' obligations differ from one daemon's"
check "the obligations ($(wc -l <"$tmp/two.obligations")) are those one daemon derives from the same events"

# Six letters, drafted once each; three approved on each daemon by an officer signed in there.
letters=$(curl -sf -H "Authorization: Bearer $vlu" "http://127.0.0.1:$port_a/api/v1/letters?case_urn=&state=draft&limit=50" |
  /usr/bin/python3 -c 'import json,sys; print(" ".join(i["id"] for i in json.load(sys.stdin)["items"] if i["case_urn"].startswith("52TD")))')
read -r -a ids <<<"$letters"
[ "${#ids[@]}" = 6 ] || fail "expected 6 draft letters, found: $letters"
n=0
for id in "${ids[@]}"; do
  d=$([ $n -lt 3 ] && echo a || echo b)
  for _ in $(seq 1 50); do  # a letter whose words are still being written is not approved yet: asked again
    code=$(curl -s -o "$tmp/approve.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $vlu2" \
      "http://127.0.0.1:${port[$d]}/api/v1/letters/$id/approve")
    [ "$code" = 200 ] && break
    sleep 0.1
  done
  [ "$code" = 200 ] || fail "approving $id on daemon $d: $code $(cat "$tmp/approve.json")"
  n=$((n + 1))
done
check "6 letters approved, 3 on each daemon"

# The first letter to reach the SMTP server gets no answer: the daemon sending it is killed.
# (Both daemons send: the other letters may go meanwhile, each once.)
for _ in $(seq 1 200); do grep -q '^stalled ' "$tmp/sink.out" && break; sleep 0.1; done
first=$(sed -n 's/^stalled //p' "$tmp/sink.out" | head -n 1)
[ -n "$first" ] || fail "no letter reached the SMTP server: $(message_ids)"
message_ids | grep -qxF "$first" || fail "the held letter $first is not in the Maildir"
claimed_by=$(psql_store "SELECT claimed_by FROM outbox WHERE state = 'sending' AND message_id = '$first'")
sender_pid=$(cut -d: -f2 <<<"$claimed_by")
if [ "$sender_pid" = "${pid[a]}" ]; then killed=a survivor=b; elif [ "$sender_pid" = "${pid[b]}" ]; then killed=b survivor=a; else
  fail "the message $first is claimed by '$claimed_by', neither daemon (${pid[a]}, ${pid[b]})"
fi
lease_left=$(psql_store "SELECT lease_until - extract(epoch FROM now())::bigint FROM outbox WHERE message_id = '$first'")
kill -9 "${pid[$killed]}"
wait "${pid[$killed]}" 2>/dev/null || true
check "daemon $killed was killed (SIGKILL) mid-send of $first, its lease with ${lease_left} s left"

# The survivor sends everything: the interrupted letter once its lease has run out, with the same Message-ID.
sent=0
for _ in $(seq 1 600); do
  sent=$(psql_store "SELECT count(*) FROM outbox o JOIN letters l ON l.n = o.letter_n JOIN obligations b ON b.id = l.obligation_id WHERE b.case_urn LIKE '52TD%' AND o.state = 'sent'")
  [ "$sent" = 6 ] && [ "$(message_ids | wc -l)" -ge 7 ] && break
  sleep 0.1
done
[ "$sent" = 6 ] || fail "only $sent of 6 letters sent after the kill: $(psql_store "SELECT message_id, state, claimed_by, last_error FROM outbox")"
sleep 2  # anything that would go a third time has had its chance
[ "$(message_ids | sort -u | wc -l)" = 6 ] || fail "not every letter arrived: $(message_ids)"
[ "$(message_ids | grep -cxF "$first")" = 2 ] || fail "the interrupted letter was not sent again with the same Message-ID: $(message_ids)"
[ "$(message_ids | wc -l)" = 7 ] || fail "something other than the interrupted letter went twice: $(message_ids)"
[ "$(psql_store "SELECT claimed_by FROM outbox WHERE message_id = '$first'" | cut -d: -f2)" = "${pid[$survivor]}" ] ||
  fail "the interrupted letter was not sent by the survivor"
grep -q "their lease ran out" "$tmp/$survivor.log" || fail "the survivor did not say it took the message back"
check "every letter reached the SMTP server under its own Message-ID; the interrupted one went again from daemon $survivor, after its lease"

[ "$(psql_store "SELECT count(*) FROM obligations WHERE rule = 'VCL-NFA' AND status = 'met'")" = 6 ] ||
  fail "the decision letters' obligations are not all met: $(psql_store "SELECT id, status FROM obligations WHERE rule = 'VCL-NFA'")"
for _ in $(seq 1 50); do grep -q "this daemon now runs the scheduler's passes" "$tmp/$survivor.log" && break; sleep 0.1; done
grep -q "this daemon now runs the scheduler's passes" "$tmp/$survivor.log" || fail "the survivor never led the scheduler"
leaders=$(psql_store "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = 1986199554 AND objid = 1 AND granted")
[ "$leaders" = 1 ] || fail "after the kill, $leaders leaders"
check "the obligations are met, and daemon $survivor leads the scheduler"

kill -TERM "${pid[$survivor]}"
wait "${pid[$survivor]}" || fail "daemon $survivor did not stop cleanly on SIGTERM"
out=$("$exe" verify-audit "${cfg[@]}" --config "$tmp/$survivor.properties" 2>&1) || fail "verify-audit: $out"
grep -q "the hash chain is intact" <<<"$out" || fail "verify-audit said: $out"
check "verify-audit holds on the chain both daemons wrote"
