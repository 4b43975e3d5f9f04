#!/usr/bin/env bash
# The store's disk fills up under a running daemon (issue 19 item 5): a tmpfs with a size limit holds the
# SQLite store, and a filler file takes most of it. The feed posts until a batch is refused:
#  - the refusal is 503 store_full with Retry-After, and nothing of that batch is stored (atomic);
#  - reads that need no audit entry still answer 200; a read of personal data is refused (503 store_full)
#    rather than answered without its audit entry; /readyz says the disk is full, and the log says so in words;
#  - when the filler is removed, the same batch is accepted without a restart, and /readyz's disk check is ok.
# Needs root to mount the tmpfs (as the systemd unit test does).
# Usage: disk_full_test.sh PATH/TO/victim-comms SOURCE_DIR
set -euo pipefail
exe=$(readlink -f "$1")
src=$2
tmp=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; wait "$pid" 2>/dev/null || true; fi
  mountpoint -q "$tmp/disk" && umount "$tmp/disk"
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -20 "$tmp/daemon.log" >&2; exit 1; }
check() { echo "ok: $*"; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p "$tmp/disk"
mount -t tmpfs -o size=4m tmpfs "$tmp/disk" || fail "cannot mount a 4 MiB tmpfs (this test needs root)"
cat > "$tmp/local.properties" <<PROPS
audit.key_file = $tmp/keys/audit.key
retention.key_file = $tmp/keys/retention.key
spool.dir = $tmp/spool
clock.now = 2026-04-06T09:00:00+01:00
PROPS
cfg="--config $src/config/victim-comms.properties --config $tmp/local.properties"
db="$tmp/disk/store.db"
port=$(free_port)
"$exe" migrate $cfg --db "$db" >/dev/null 2>&1
ingest=$("$exe" user add feed $cfg --db "$db" --role ingest | tail -n 1)
vlu=$("$exe" user add officer $cfg --db "$db" --role vlu | tail -n 1)
"$exe" serve $cfg --db "$db" --port "$port" >"$tmp/daemon.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
# Most of the disk goes to a filler, so the store fills it within a few dozen batches.
head -c $((2 * 1024 * 1024)) /dev/zero > "$tmp/disk/filler"

batch() {  # batch N: one case with a victim and a decision not to prosecute
  local urn="52DF0${1}26"
  printf '[{"id":"d%s-1","type":"case.registered","occurred_at":"2026-04-03T10:00:00+01:00","case_urn":"%s","area":"CPS South West","offences":["rape"]},{"id":"d%s-2","type":"victim.registered","occurred_at":"2026-04-03T10:05:00+01:00","case_urn":"%s","victim_id":"vd%s","name":{"given":"Disk","family":"Full%s"}},{"id":"d%s-3","type":"charging.decided","occurred_at":"2026-04-03T11:00:00+01:00","case_urn":"%s","decision":"no_further_action","reasons":"Not enough evidence to go on with this case at all."}]' \
    "$1" "$urn" "$1" "$urn" "$1" "$1" "$1" "$urn"
}
post() {  # post N: the HTTP status; the answer in $tmp/answer, its headers in $tmp/headers
  curl -s -D "$tmp/headers" -o "$tmp/answer" -w '%{http_code}' -X POST -H "Authorization: Bearer $ingest" \
    -H 'Content-Type: application/json' --data "$(batch "$1")" "http://127.0.0.1:$port/api/v1/events"
}
events() { sqlite3 "$db" "SELECT COUNT(*) FROM events" 2>/dev/null; }

refused=""
for n in $(seq 100 999); do
  before=$(events)
  code=$(post "$n")
  [ "$code" = 200 ] && continue
  refused=$n
  break
done
[ -n "$refused" ] || fail "the disk never filled"
[ "$code" = 503 ] || fail "a batch on a full disk: $code $(cat "$tmp/answer")"
grep -q '"code":"store_full"' "$tmp/answer" || fail "not store_full: $(cat "$tmp/answer")"
grep -qi '^Retry-After:' "$tmp/headers" || fail "no Retry-After on the 503"
[ "$(events)" = "$before" ] || fail "part of the refused batch was stored: $before events before, $(events) after"
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM events WHERE id LIKE 'd$refused-%'")" = 0 ] || fail "the refused batch's events are there"
check "on a full disk batch $refused was refused with 503 store_full and Retry-After; nothing of it was stored"

# Reads that need no audit entry go on; a read of someone's personal data must be on the audit log before it is
# answered, so on a full disk it is refused the same way, never answered unrecorded.
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $vlu" "http://127.0.0.1:$port/api/v1/letters?limit=5")
[ "$code" = 200 ] || fail "the letters list on a full disk: $code"
code=$(curl -s -o "$tmp/read" -w '%{http_code}' -H "Authorization: Bearer $vlu" "http://127.0.0.1:$port/api/v1/victims/vd100")
# (A small audit entry may still fit where a batch did not: then the read is answered, and recorded.)
reads_recorded=$(sqlite3 "$db" "SELECT COUNT(*) FROM audit_log WHERE action = 'read_victim' AND subject = 'victim:vd100'")
case "$code" in
  503) grep -q '"code":"store_full"' "$tmp/read" || fail "an audited read on a full disk: $code $(cat "$tmp/read")" ;;
  200) [ "$reads_recorded" = 1 ] || fail "a read on a full disk was answered without its audit entry" ;;
  *) fail "an audited read on a full disk: $code $(cat "$tmp/read")" ;;
esac
ready=$(curl -s "http://127.0.0.1:$port/readyz")
grep -q '"disk":{"ok":false,"detail":"the store' <<<"$ready" || fail "/readyz does not say the disk is full: $ready"
grep -q "the store's disk is full: writes are refused" "$tmp/daemon.log" || fail "the log does not say the disk is full"
check "unaudited reads still answer, an audited read is refused rather than answered unrecorded, /readyz and the log say the disk is full"

rm "$tmp/disk/filler"
code=$(post "$refused")
[ "$code" = 200 ] || fail "after space was freed the batch was still refused: $code $(cat "$tmp/answer")"
[ "$(sqlite3 "$db" "SELECT COUNT(*) FROM events WHERE id LIKE 'd$refused-%'")" = 3 ] || fail "the batch is not whole"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $vlu" "http://127.0.0.1:$port/api/v1/victims/vd100")
[ "$code" = 200 ] || fail "the audited read after space was freed: $code"
grep -q '"disk":{"ok":true}' <<<"$(curl -s "http://127.0.0.1:$port/readyz")" || fail "/readyz still says the disk is full"
kill -TERM "$pid"
set +e; wait "$pid"; rc=$?; set -e
pid=""
[ "$rc" = 0 ] || fail "serve exit $rc on SIGTERM after the disk filled"
check "space freed: the same batch is accepted whole without a restart, /readyz's disk check is ok, and serve stops cleanly"
