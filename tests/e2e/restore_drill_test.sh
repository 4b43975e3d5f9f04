#!/usr/bin/env bash
# The restore drill (issue 19), as an operator would run it: the real executable on a real SQLite file,
# a real SMTP sink (Debian's aiosmtpd) that holds back its reply to the first message so one message is
# `sending` when the copy is taken, and events posted all the while.
#  1. backup DEST while a feed keeps posting: the copy and its manifest are written, and the daemon's
#     answers keep coming;
#  2. restore refuses a store a daemon serves, a copy whose bytes changed, and a copy without a manifest;
#  3. restore into a new path; verify-audit holds there, with the restore on the record; every event up to
#     the copy is there; letters and outbox rows are as they were in the copy;
#  4. a daemon started on the restored store sends the message that was `sending` again, under its
#     Message-ID: nothing is lost;
#  5. backup.dir: serve takes a scheduled copy at start, with its manifest.
# Usage: restore_drill_test.sh PATH/TO/victim-comms SOURCE_DIR
set -euo pipefail
exe=$(readlink -f "$1")
src=$2
tmp=$(mktemp -d)
pid=""
sink_pid=""
feed_pid=""
cleanup() {
  for p in "$pid" "$feed_pid"; do if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then kill -9 "$p"; fi; done
  if [ -n "$sink_pid" ] && kill -0 "$sink_pid" 2>/dev/null; then kill "$sink_pid"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$tmp/daemon.log" ] && tail -20 "$tmp/daemon.log" >&2; exit 1; }
check() { echo "ok: $*"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
message_ids() { cat "$tmp/maildir/new/"* 2>/dev/null | grep -i '^Message-ID:' | sed 's/^[^:]*: *//' | tr -d '\r' | sort; }

printf 'audit.key_file = %s\nretention.key_file = %s\n' "$tmp/keys/audit.key" "$tmp/keys/retention.key" > "$tmp/keys.properties"
cfg="--config $src/config/victim-comms.properties --config $tmp/keys.properties"
db="$tmp/live/store.db"
mkdir -p "$tmp/live"
smtp_port=$(free_port)
port=$(free_port)

mkfifo "$tmp/sink.in"
/usr/bin/python3 "$src/tests/support/smtp_sink.py" "$smtp_port" "$tmp/maildir" --stall-first 600 \
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
smtp.timeout_seconds = 600
outbox.lease_seconds = 1200
scheduler.interval_seconds = 1
outbox.retry_base_seconds = 1
outbox.retry_max_seconds = 1
spool.dir = $tmp/spool
clock.now = 2026-04-06T09:00:00+01:00
PROPS
start_daemon() {  # start_daemon DB [extra --config]
  "$exe" serve $cfg --config "$tmp/local.properties" ${2:+--config "$2"} --db "$1" --port "$port" >> "$tmp/daemon.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return; sleep 0.1; done
  fail "the daemon did not start on $1"
}
post() {  # post BODY: the HTTP status
  curl -s -o "$tmp/post.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $ingest" \
    -H 'Content-Type: application/json' --data "$1" "http://127.0.0.1:$port/api/v1/events"
}

"$exe" migrate $cfg --db "$db" >/dev/null
ingest=$("$exe" user add feed $cfg --db "$db" --role ingest | tail -n 1)
start_daemon "$db"

ev() { printf '{"id":"%s","type":"%s","occurred_at":"2026-04-02T1%s:00:00+01:00","case_urn":"52RD0100126"%s}' "$@"; }
body="[$(ev i1 isva.registered 0 '' | sed 's/,"case_urn":"52RD0100126"//; s/}$/,"isva_id":"isva-1","name":"Jo Advocate","organisation":"Example Support","email":"jo.advocate@example.org"}/'),
$(ev e1 case.registered 0 ',"area":"CPS South West","offences":["rape"]'),
$(ev e2 victim.registered 0 ',"victim_id":"v1","name":{"given":"Sam","family":"Drill"},"email":"sam.drill@example.org"'),
$(ev e3 isva.assigned 1 ',"victim_id":"v1","isva_id":"isva-1","consent_to_share":true'),
$(ev e4 plea.entered 2 ',"plea":"not_guilty"'),
$(ev e5 hearing.listed 3 ',"kind":"trial","date":"2026-06-15","court":"Sampleford Crown Court"')]"
code=$(post "$body")
[ "$code" = 200 ] || fail "posting the first events: $code $(cat "$tmp/post.json")"
for _ in $(seq 1 100); do [ -n "$(message_ids)" ] && break; sleep 0.1; done
[ "$(message_ids | wc -l)" = 1 ] || fail "expected the first notification at the sink, got: $(message_ids)"
sleep 0.5
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM outbox WHERE state = 'sending'")" = 1 ] || fail "no message was mid-send"
first=$(message_ids)
before_backup=$(sqlite3 "$db" "SELECT COUNT(*) FROM events")

# 1. The feed keeps posting (a case a batch) while the copy is taken.
(
  for n in $(seq 10 99); do
    urn="52RD01${n}26"
    b="[{\"id\":\"f$n-1\",\"type\":\"case.registered\",\"occurred_at\":\"2026-04-03T10:00:00+01:00\",\"case_urn\":\"$urn\",\"area\":\"CPS South West\",\"offences\":[\"other\"]},
{\"id\":\"f$n-2\",\"type\":\"victim.registered\",\"occurred_at\":\"2026-04-03T10:05:00+01:00\",\"case_urn\":\"$urn\",\"victim_id\":\"vf$n\",\"name\":{\"given\":\"Feed\",\"family\":\"Case$n\"}}]"
    c=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $ingest" \
      -H 'Content-Type: application/json' --data "$b" "http://127.0.0.1:$port/api/v1/events")
    echo "$c" >> "$tmp/feed.codes"
  done
) &
feed_pid=$!
sleep 0.3
mkdir -p "$tmp/copies"
"$exe" backup $cfg --db "$db" "$tmp/copies/copy.db" > "$tmp/backup.out" 2>&1 || fail "backup: $(cat "$tmp/backup.out")"
wait "$feed_pid" || true
feed_pid=""
[ -f "$tmp/copies/copy.db" ] && [ -f "$tmp/copies/copy.db.manifest.json" ] || fail "no copy or no manifest: $(cat "$tmp/backup.out")"
[ -e "$tmp/copies/copy.db-wal" ] && fail "the copy left a -wal beside it: it must be one file"
grep -qv '^200$' "$tmp/feed.codes" && fail "the feed was refused while the copy was taken: $(sort "$tmp/feed.codes" | uniq -c)"
copy_events=$(sqlite3 "$tmp/copies/copy.db" "SELECT COUNT(*) FROM events")
grep -q "\"events\": $copy_events," "$tmp/copies/copy.db.manifest.json" || fail "the manifest's events are not the copy's ($copy_events)"
[ "$copy_events" -ge "$before_backup" ] || fail "the copy has $copy_events events, fewer than the $before_backup posted before it"
sha=$(sha256sum "$tmp/copies/copy.db" | cut -d' ' -f1)
grep -q "\"sha256\": \"$sha\"" "$tmp/copies/copy.db.manifest.json" || fail "the manifest's SHA-256 is not the file's"
[ "$(sqlite3 "$tmp/copies/copy.db" "SELECT state FROM outbox WHERE message_id = '$(tr -d '<>' <<<"$first")' OR message_id = '$first'")" = sending ] \
  || fail "the copy does not hold the message mid-send as sending"
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM audit_log WHERE action = 'store_backed_up'")" = 1 ] || fail "the backup is not in the audit log"
check "backup while the feed posted $(wc -l < "$tmp/feed.codes") batches, all answered 200: $copy_events events in the copy, manifest and SHA-256 right"

# 2. What restore refuses.
set +e
out=$("$exe" restore $cfg --db "$db" "$tmp/copies/copy.db" 2>&1); rc=$?
set -e
[ "$rc" = 75 ] && grep -q "a daemon is serving" <<<"$out" || fail "restore over a served store: exit $rc: $out"
[ -e "$db.before-restore-"* ] 2>/dev/null && fail "a refused restore moved the live store"
cp "$tmp/copies/copy.db" "$tmp/copies/changed.db"
cp "$tmp/copies/copy.db.manifest.json" "$tmp/copies/changed.db.manifest.json"
printf 'x' | dd of="$tmp/copies/changed.db" bs=1 seek=$(( $(stat -c %s "$tmp/copies/changed.db") - 1 )) conv=notrunc 2>/dev/null
set +e
out=$("$exe" restore $cfg --db "$tmp/never.db" "$tmp/copies/changed.db" 2>&1); rc=$?
set -e
[ "$rc" = 65 ] && grep -q "SHA-256" <<<"$out" || fail "a changed copy: exit $rc: $out"
cp "$tmp/copies/copy.db" "$tmp/copies/bare.db"
set +e
out=$("$exe" restore $cfg --db "$tmp/never.db" "$tmp/copies/bare.db" 2>&1); rc=$?
set -e
[ "$rc" = 65 ] && grep -q "no manifest" <<<"$out" || fail "a copy without a manifest: exit $rc: $out"
[ -e "$tmp/never.db" ] && fail "a refused restore wrote a store"
check "restore refuses a served store (75), a changed copy and a copy without its manifest (65), writing nothing"

# 3. Restore into a new path, and check it as an inspector would.
mkdir -p "$tmp/restored"
"$exe" restore $cfg --db "$tmp/restored/store.db" "$tmp/copies/copy.db" > "$tmp/restore.out" 2>&1 || fail "restore: $(cat "$tmp/restore.out")"
r="$tmp/restored/store.db"
[ "$(sqlite3 "$r" "SELECT COUNT(*) FROM events")" = "$copy_events" ] || fail "the restored store has not every event of the copy"
for q in "SELECT id FROM events ORDER BY id" "SELECT n, state, version FROM letters ORDER BY n" \
         "SELECT id, state, message_id, attempts FROM outbox ORDER BY id" "SELECT id, status, due_by FROM obligations ORDER BY id"; do
  [ "$(sqlite3 "$r" "$q")" = "$(sqlite3 "$tmp/copies/copy.db" "$q")" ] || fail "restored differs from the copy in: $q"
done
"$exe" verify-audit $cfg --db "$r" > "$tmp/verify.out" 2>&1 || fail "verify-audit on the restored store: $(cat "$tmp/verify.out")"
[ "$(sqlite3 "$r" "SELECT COUNT(*) FROM audit_log WHERE action = 'store_restored'")" = 1 ] || fail "the restore is not on the record"
check "restored into a new path: every event, letter, outbox row and obligation as in the copy; verify-audit holds"

# 4. The old daemon goes (its message still unanswered); a daemon on the restored store sends it again.
kill -9 "$pid"; wait "$pid" 2>/dev/null || true; pid=""
start_daemon "$r"
for _ in $(seq 1 150); do [ "$(message_ids | grep -cxF "$first")" -ge 2 ] && break; sleep 0.1; done
[ "$(message_ids | grep -cxF "$first")" = 2 ] || fail "the message mid-send in the copy was not sent again under its Message-ID: $(message_ids)"
for _ in $(seq 1 100); do
  [ "$(sqlite3 "$r" "SELECT COUNT(*) FROM outbox WHERE state IN ('sending','queued')")" = 0 ] && break; sleep 0.1
done
[ "$(sqlite3 "$r" "SELECT COUNT(*) FROM outbox WHERE state IN ('sending','queued')")" = 0 ] || fail "messages left unsent on the restored store"
kill -TERM "$pid"; wait "$pid" || fail "the daemon on the restored store did not stop cleanly"; pid=""
check "the daemon on the restored store sent the interrupted message again under the same Message-ID"

# 5. Scheduled backups: serve takes one at start into backup.dir, with its manifest.
printf 'backup.dir = %s\nbackup.keep = 2\n' "$tmp/scheduled" > "$tmp/backup.properties"
start_daemon "$r" "$tmp/backup.properties"
for _ in $(seq 1 100); do ls "$tmp/scheduled/"*.manifest.json >/dev/null 2>&1 && break; sleep 0.1; done
ls "$tmp/scheduled/"victim-comms-*Z.db >/dev/null 2>&1 || fail "no scheduled backup in backup.dir"
ls "$tmp/scheduled/"victim-comms-*Z.db.manifest.json >/dev/null 2>&1 || fail "the scheduled backup has no manifest"
kill -TERM "$pid"; wait "$pid" || fail "the daemon with backup.dir did not stop cleanly"; pid=""
check "serve with backup.dir took a scheduled copy at start, with its manifest"
