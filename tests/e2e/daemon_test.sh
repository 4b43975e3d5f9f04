#!/usr/bin/env bash
# End to end, as an operator would: the real executable, a real SQLite file,
# the daemon detached with --daemon and stopped with SIGTERM, curl against it.
# Usage: daemon_test.sh PATH/TO/victim-comms SOURCE_DIR
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
fail() { echo "FAIL: $*" >&2; exit 1; }
check() { echo "ok: $*"; }

# The keys live in this run's directory (made on first start, as on a fresh install).
printf 'audit.key_file = %s\nretention.key_file = %s\n' "$tmp/keys/audit.key" "$tmp/keys/retention.key" > "$tmp/keys.properties"
cfg="--config $src/config/victim-comms.properties --config $tmp/keys.properties"
db="$tmp/e2e.db"

# --help lists every subcommand and option
help=$("$exe" --help)
for word in serve migrate import demo "user add" check-templates render --config --db --port --daemon --pidfile \
    --role --isva-id --area --letter --lang --sample --format report verify-audit purge --from --to --group-by \
    --table --before --dry-run --password-stdin rotate-key --read-only rederive --case backup restore; do
  grep -q -- "$word" <<<"$help" || fail "--help does not mention $word"
done
check "--help lists the subcommands and options"

# a bad configuration value stops start-up naming the key
printf 'http.port = eighty\n' > "$tmp/bad.properties"
set +e
err=$("$exe" migrate $cfg --config "$tmp/bad.properties" --db "$db" 2>&1 >/dev/null); rc=$?
set -e
[ "$rc" = 78 ] || fail "bad config exit code $rc, wanted 78"
grep -q "http.port" <<<"$err" || fail "bad config message does not name http.port: $err"
check "a bad value stops start-up with the key named (exit 78)"

# a store whose directory is missing, or that this user cannot write in, stops start-up at once, naming the path
set +e
err=$(timeout 20 "$exe" migrate $cfg --db "$tmp/no-such-dir/x.db" 2>&1); rc=$?
set -e
[ "$rc" = 78 ] && grep -q "$tmp/no-such-dir" <<<"$err" || fail "a missing store directory: exit $rc: $err"
[ -e "$tmp/no-such-dir" ] && fail "the missing store directory was made"
locked=$(mktemp -d); chmod 755 "$locked"; mkdir "$locked/read-only"; chmod 555 "$locked/read-only"
printf 'audit.key_file = %s\nretention.key_file = %s\n' "$locked/keys/audit.key" "$locked/keys/retention.key" \
  > "$locked/keys.properties"
chmod 644 "$locked/keys.properties"
as_other=(); [ "$(id -u)" = 0 ] && as_other=(runuser -u nobody --)  # root may write anywhere
started=$(date +%s)
set +e
err=$(cd / && timeout 20 "${as_other[@]}" "$exe" serve --config "$src/config/victim-comms.properties" \
  --config "$locked/keys.properties" --db "$locked/read-only/x.db" --port 0 2>&1); rc=$?
set -e
rm -rf "$locked"
[ "$rc" = 78 ] && grep -q "$locked/read-only" <<<"$err" || fail "an unwritable store directory: exit $rc: $err"
[ $(( $(date +%s) - started )) -lt 10 ] || fail "an unwritable store directory took $(( $(date +%s) - started )) s to refuse"
check "a missing or unwritable store directory stops start-up at once, naming it (exit 78)"

"$exe" migrate $cfg --db "$db" | grep -q "at version 20" || fail "migrate"
check "migrate creates the schema"

# the keys are made on first start, readable by the daemon's user only; one others may read stops start-up
for k in audit retention; do
  [ "$(stat -c %a "$tmp/keys/$k.key")" = 600 ] || fail "$k.key was made with mode $(stat -c %a "$tmp/keys/$k.key")"
done
chmod 644 "$tmp/keys/audit.key"
set +e; err=$("$exe" migrate $cfg --db "$db" 2>&1 >/dev/null); rc=$?; set -e
[ "$rc" = 78 ] && grep -q "audit.key_file $tmp/keys/audit.key may be read or changed by others" <<<"$err" \
  || fail "a key file others may read: $rc $err"
chmod 600 "$tmp/keys/audit.key"
check "the key files are made with mode 0600, and one that others may read stops start-up naming it (exit 78)"

# the letter templates: checked as start-up does, and a sample rendered for template authors
"$exe" check-templates $cfg | grep -q "11 letters in 2 languages" || fail "check-templates"
"$exe" render --letter decision_not_to_prosecute --lang en --sample $cfg | grep -q "^Dear Mx Example," || fail "render en"
"$exe" render --letter rasso_charge --lang cy --sample $cfg > "$tmp/cy.txt"
[ "$(grep -n '^Annwyl' "$tmp/cy.txt" | cut -d: -f1)" -lt "$(grep -n '^Dear' "$tmp/cy.txt" | cut -d: -f1)" ] \
  || fail "render cy: Welsh does not come first"
"$exe" render --letter vrr_outcome --lang en --sample --format html $cfg | head -1 | grep -q "<!DOCTYPE html>" \
  || fail "render html"
"$exe" render --letter decision_not_to_prosecute --lang en --sample --variant phone-only --format script $cfg \
  > "$tmp/script.txt" 2>/dev/null
grep -q "^Never leave a message.$" "$tmp/script.txt" && grep -q "07700 900999" "$tmp/script.txt" \
  && ! grep -q "Yours sincerely\|^Dear " "$tmp/script.txt" || fail "render --format script: $(head -3 "$tmp/script.txt")"
set +e; "$exe" render --letter no_such_letter --lang en --sample $cfg >/dev/null 2>"$tmp/err"; rc=$?; set -e
[ "$rc" = 64 ] && grep -q "decision_not_to_prosecute" "$tmp/err" || fail "render of an unknown letter: $rc $(cat "$tmp/err")"
check "check-templates passes and render --sample prints letters (Welsh first in cy) and a phone task's script"

cp -r "$src/letter_templates" "$tmp/broken_templates"
sed -i 's/{{signatory.name}}/{{signatory.nmae}}/' "$tmp/broken_templates/partials/signature.en.mustache"
printf 'templates.dir = %s\n' "$tmp/broken_templates" > "$tmp/broken.properties"
set +e
err=$("$exe" check-templates $cfg --config "$tmp/broken.properties" 2>&1); rc=$?
serr=$("$exe" serve $cfg --config "$tmp/broken.properties" --db "$db" --port 0 2>&1); src_rc=$?
set -e
[ "$rc" = 78 ] || fail "check-templates on a broken field exited $rc"
grep -q "signature.en.mustache:2: {{signatory.nmae}}: the letter context has no field 'signatory.nmae'" <<<"$err" \
  || fail "check-templates does not name the file and field: $err"
[ "$src_rc" = 78 ] && grep -q "signatory.nmae" <<<"$serr" || fail "serve started with a broken template ($src_rc): $serr"
check "a template naming a field the context lacks stops check-templates and serve (exit 78), file and field named"

printf '{"services":[{"id":"x","name":"X","about_en":"Help.","about_cy":"Help.","web":"www.example.org","offences":["rapee"]}]}' \
  > "$tmp/bad-services.json"
printf 'letters.support_services_file = %s\n' "$tmp/bad-services.json" > "$tmp/bad-services.properties"
set +e
serr=$("$exe" serve $cfg --config "$tmp/bad-services.properties" --db "$db" --port 0 2>&1); src_rc=$?
set -e
[ "$src_rc" = 78 ] && grep -q "bad-services.json: services\[0\] (x): 'rapee' is not an offence category" <<<"$serr" \
  || fail "serve started with a bad support services file ($src_rc): $serr"
check "a support services file that is wrong stops serve (exit 78), naming the entry and what is wrong"

ingest=$("$exe" user add feed $cfg --db "$db" --role ingest | tail -n 1)
vlu=$("$exe" user add officer $cfg --db "$db" --role vlu | tail -n 1)
[[ "$ingest" == vc_* && "$vlu" == vc_* ]] || fail "user add did not print a token on the last line"
set +e; "$exe" user add x $cfg --db "$db" --role isva >/dev/null 2>&1; rc=$?; set -e
[ "$rc" = 65 ] || fail "an isva user without --isva-id was accepted ($rc)"
sqlite3 "$db" "SELECT token_sha256 FROM users" | grep -q "$ingest" && fail "a token is stored in clear"
check "user add prints a token once and stores only its hash"

cat > "$tmp/example.jsonl" <<'JSONL'
{"id":"e1","type":"case.registered","occurred_at":"2026-03-30T09:00:00+01:00","case_urn":"52SW0100126","area":"CPS South West","offences":["rape"],"prosecutor":{"name":"A. Khan"}}
{"id":"e2","type":"victim.registered","occurred_at":"2026-03-30T09:05:00+01:00","case_urn":"52SW0100126","victim_id":"v1","name":{"given":"Sam","family":"Jones"},"date_of_birth":"1990-05-01","address":{"lines":["1 High St","Bristol"],"postcode":"BS1 1AA"},"language":"en"}
JSONL
"$exe" import "$tmp/example.jsonl" $cfg --db "$db" | grep -q "imported 2 events (0 duplicates)" || fail "import"
"$exe" import "$tmp/example.jsonl" $cfg --db "$db" | grep -q "imported 0 events (2 duplicates)" || fail "re-import"
printf '%s\n%s\n' \
  '{"id":"e9","type":"plea.entered","occurred_at":"2026-04-03T10:00:00+01:00","case_urn":"52SW0100126","plea":"guilty"}' \
  '{"id":"e10","type":"plea.entered","occurred_at":"not a time","case_urn":"52SW0100126","plea":"guilty"}' > "$tmp/bad.jsonl"
set +e; err=$("$exe" import "$tmp/bad.jsonl" $cfg --db "$db" 2>&1); rc=$?; set -e
[ "$rc" = 65 ] || fail "bad import exit code $rc"
grep -q "bad.jsonl:2: events\[1\].occurred_at" <<<"$err" || fail "bad import message: $err"
[ "$(sqlite3 "$db" 'SELECT COUNT(*) FROM events')" = 2 ] || fail "a failed import stored something"
check "import is idempotent, names the bad line, and stores nothing from a bad file"

# A file of several chunks (the import stores 2,000 events at a time, all in one transaction) whose LAST
# line is bad, as JSON or as an event: nothing at all is stored, and the message names that line.
/usr/bin/python3 - "$tmp/chunks.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], "w") as out:
    for i in range(2200):
        urn = "52SW%07d" % (9000000 + i)
        out.write(json.dumps({"id": "ch%d-c" % i, "type": "case.registered", "occurred_at": "2026-03-30T09:00:00+01:00",
                              "case_urn": urn, "area": "CPS South West", "offences": ["other"],
                              "prosecutor": {"name": "A. Khan"}}) + "\n")
        out.write(json.dumps({"id": "ch%d-v" % i, "type": "victim.registered", "occurred_at": "2026-03-30T09:05:00+01:00",
                              "case_urn": urn, "victim_id": "ch%d" % i, "name": {"given": "Sam", "family": "Jones"},
                              "date_of_birth": "1990-05-01", "address": {"lines": ["1 High St", "Bristol"], "postcode": "BS1 1AA"},
                              "language": "en"}) + "\n")
PY
cp "$tmp/chunks.jsonl" "$tmp/chunks-json.jsonl"
echo '{"id":"ch-last","type":"plea.entered",' >> "$tmp/chunks-json.jsonl"
echo '{"id":"ch-last","type":"plea.entered","occurred_at":"2026-04-03T10:00:00+01:00","case_urn":"52SW8999999","plea":"guilty"}' \
  >> "$tmp/chunks.jsonl"
for f in chunks-json chunks; do
  set +e; err=$("$exe" import "$tmp/$f.jsonl" $cfg --db "$tmp/chunks.db" 2>&1); rc=$?; set -e
  [ "$rc" = 65 ] || fail "$f: a bad last line after several chunks gave exit code $rc: $err"
  case $f in
    chunks-json) grep -q "chunks-json.jsonl:4401: not valid JSON" <<<"$err" || fail "$f: the message: $err" ;;
    chunks) grep -q "chunks.jsonl:4401: events\[4400\].case_urn: unknown case 52SW8999999" <<<"$err" || fail "$f: the message: $err" ;;
  esac
  grep -q "(nothing was imported)" <<<"$err" || fail "$f: the message does not say nothing was imported: $err"
  for table in events cases victims obligations letters; do
    [ "$(sqlite3 "$tmp/chunks.db" "SELECT COUNT(*) FROM $table")" = 0 ] || fail "$f: the failed import left rows in $table"
  done
  [ "$(sqlite3 "$tmp/chunks.db" "SELECT COUNT(*) FROM audit_log WHERE action = 'event_ingested'")" = 0 ] \
    || fail "$f: the failed import left audit entries"
done
check "a bad last line after several 2,000-event chunks (bad JSON or a bad event) stores nothing and is named"

# The same, the bad event in the MIDDLE chunk after a blank line: the import reads the next chunk while it
# stores this one, and the message must still name the bad event's own line (4,400 events; event 2,500
# is the bad one, on line 2,502).
/usr/bin/python3 - "$tmp/chunks.jsonl" "$tmp/chunks-mid.jsonl" <<'PY'
import sys
lines = [l for l in open(sys.argv[1]) if l.strip()][:4400]
lines[2500] = '{"id":"ch-mid","type":"plea.entered","occurred_at":"2026-04-03T10:00:00+01:00","case_urn":"52SW8999998","plea":"guilty"}\n'
with open(sys.argv[2], "w") as out:
    out.writelines(lines[:10] + ["\n"] + lines[10:])
PY
set +e; err=$("$exe" import "$tmp/chunks-mid.jsonl" $cfg --db "$tmp/chunks.db" 2>&1); rc=$?; set -e
[ "$rc" = 65 ] || fail "chunks-mid: exit code $rc: $err"
grep -q "chunks-mid.jsonl:2502: events\[2500\].case_urn: unknown case 52SW8999998" <<<"$err" || fail "chunks-mid: the message: $err"
[ "$(sqlite3 "$tmp/chunks.db" "SELECT COUNT(*) FROM events")" = 0 ] || fail "chunks-mid: the failed import left events"
check "a bad event in a middle chunk, read while the next chunk is read ahead, is named by its own line"

vlu2=$("$exe" user add second-officer $cfg --db "$db" --role vlu | tail -n 1)
printf 'spool.dir = %s\nscheduler.interval_seconds = 2\n' "$tmp/spool" > "$tmp/local.properties"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$exe" serve $cfg --config "$tmp/local.properties" --db "$db" --port "$port" --daemon --pidfile="$tmp/vc.pid"
for _ in $(seq 1 50); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
pid=$(cat "$tmp/vc.pid")
[ "$(curl -s "http://127.0.0.1:$port/healthz")" = '{"status":"ok"}' ] || fail "healthz"
check "serve --daemon --pidfile starts the daemon"

# a second daemon on the same port stops at once: bound without SO_REUSEPORT, it cannot share
# the port (the kernel would split the requests between two stores)
set +e; err=$(timeout 10 "$exe" serve $cfg --config "$tmp/local.properties" --db "$tmp/second.db" --port "$port" 2>&1); rc=$?; set -e
[ "$rc" = 78 ] || fail "a second serve on port $port exited $rc, wanted 78: $err"
grep -q "127.0.0.1:$port" <<<"$err" && grep -q "already in use" <<<"$err" \
  || fail "the second serve does not name the address and port in use: $err"
[ "$(curl -s "http://127.0.0.1:$port/healthz")" = '{"status":"ok"}' ] || fail "healthz after the second serve"
check "a second serve on a port in use stops at once (exit 78), naming the address and port"

code=$(curl -s -o "$tmp/out.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $ingest" \
  -H 'Content-Type: application/json' "http://127.0.0.1:$port/api/v1/events" \
  -d '{"id":"e3","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","decision":"no_further_action","reasons":"..."}')
[ "$code" = 200 ] || fail "POST events gave $code: $(cat "$tmp/out.json")"
curl -s -H "Authorization: Bearer $vlu" "http://127.0.0.1:$port/api/v1/victims/v1" > "$tmp/victim.json"
/usr/bin/python3 - "$tmp/victim.json" <<'PY' || fail "victim view"
import json, sys
v = json.load(open(sys.argv[1]))
assert v["entitlement"]["enhanced"] is True, v["entitlement"]
nfa = [o for o in v["obligations"] if o["rule"] == "VCL-NFA"]
assert len(nfa) == 1 and nfa[0]["due_by"] == "2026-04-07", nfa
assert "Good Friday" in nfa[0]["explanation_text"], nfa[0]["explanation_text"]
PY
curl -s -H "Authorization: Bearer $vlu" "http://127.0.0.1:$port/api/v1/obligations/VCL-NFA%3Av1%3Ae3" | grep -q '"due_by":"2026-04-07"' \
  || fail "obligation view"
check "the events.md example reads back: enhanced, VCL-NFA due 2026-04-07, explained"

# the decision letter was in the queue when the events were stored, and its words are written just after
# (within seconds); a second officer approves it (a bare POST, as curl -X POST sends)
for _ in $(seq 1 50); do
  letter=$(curl -s -H "Authorization: Bearer $vlu" "http://127.0.0.1:$port/api/v1/letters?case_urn=52SW0100126" \
    | /usr/bin/python3 -c 'import json,sys; i=json.load(sys.stdin)["items"]; assert len(i)==1 and i[0]["state"]=="draft", i; print(i[0]["id"])' 2>/dev/null) \
    && break
  sleep 0.1
done
[ -n "$letter" ] || fail "no draft letter after the decision"
code=$(curl -s -m 10 -o "$tmp/approve.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $vlu2" \
  "http://127.0.0.1:$port/api/v1/letters/$letter/approve")
[ "$code" = 200 ] || fail "approve gave $code: $(cat "$tmp/approve.json")"
for _ in $(seq 1 50); do [ -f "$tmp/spool/$letter.html" ] && break; sleep 0.1; done
[ -f "$tmp/spool/$letter.html" ] && [ -f "$tmp/spool/$letter.txt" ] || fail "the approved letter was not spooled"
grep -q "Dear Sam Jones," "$tmp/spool/$letter.txt" || fail "the spooled text is not the letter"
curl -s -H "Authorization: Bearer $vlu" "http://127.0.0.1:$port/api/v1/letters/$letter" | grep -q '"state":"sent"' \
  || fail "the letter is not recorded as sent"
check "the drafted letter, approved by a second officer, is spooled for printing and recorded as sent"
for _ in $(seq 1 50); do [ -f "$tmp/spool/batch-1.manifest.json" ] && break; sleep 0.1; done
grep -Eq "\"letter_id\" ?: ?\"$letter\"" "$tmp/spool/batch-1.manifest.json" || fail "the print batch manifest does not list the letter"
check "the spooled letter is listed in its print batch's manifest"

kill -TERM "$pid"
for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "the daemon did not stop on SIGTERM"
[ -e "$tmp/vc.pid" ] && fail "the pid file was left behind"
pid=""
check "SIGTERM stops the daemon cleanly and removes the pid file"

last_noted=$(tail -n 1 "$db.audit-checkpoint" | sed 's/.* seq=\([0-9]*\) .*/\1/')
[ "$last_noted" = "$(sqlite3 "$db" 'SELECT MAX(seq) FROM audit_log')" ] \
  || fail "the checkpoint at shutdown noted entry $last_noted, not the last one"
check "the daemon notes the audit chain's head in the checkpoint file as it stops"

"$exe" demo $cfg --db "$tmp/demo.db" | grep -q "imported" || fail "demo"
[ "$(sqlite3 "$tmp/demo.db" 'SELECT COUNT(DISTINCT rule) FROM obligations')" -ge 15 ] || fail "demo does not cover every rule"
check "demo loads synthetic cases covering every rule"

# rederive: under the same rule book nothing changes; the dry run writes nothing; bad use is 64, an unknown case 65
rows() { sqlite3 "$tmp/demo.db" 'SELECT COUNT(*), group_concat(id || status || due_by) FROM obligations' | sha256sum; }
before=$(rows)
"$exe" rederive $cfg --db "$tmp/demo.db" --dry-run > "$tmp/rederive.out" || fail "rederive --dry-run: exit $?"
grep -q "^dry run: .* cases read, 0 would change: 0 obligations would appear, 0 would change, 0 would go" "$tmp/rederive.out" \
  && grep -q "; nothing was written$" "$tmp/rederive.out" || fail "rederive --dry-run: $(tail -n 1 "$tmp/rederive.out")"
"$exe" rederive $cfg --db "$tmp/demo.db" --case 52SW0100126 | grep -q "^52SW0100126: no change" || fail "rederive --case"
[ "$(rows)" = "$before" ] || fail "rederive under the same rules changed obligations"
set +e; "$exe" rederive extra $cfg --db "$tmp/demo.db" >/dev/null 2>&1; rc=$?; set -e
[ "$rc" = 64 ] || fail "rederive with an argument: exit $rc, not 64"
set +e; "$exe" rederive $cfg --db "$tmp/demo.db" --case 52XX9999999 >/dev/null 2>"$tmp/err"; rc=$?; set -e
[ "$rc" = 65 ] && grep -q "no case 52XX9999999" "$tmp/err" || fail "rederive of an unknown case: exit $rc"
check "rederive under an unchanged rule book changes nothing; usage errors exit 64, an unknown case 65"

# a password for the web pages, read from standard input and stored only as a PBKDF2 hash
start=$(date +%s%N)
printf 'correct horse battery staple\n' | "$exe" user add web-officer --role vlu --password-stdin $cfg --db "$tmp/demo.db" \
  | grep -q "and a password" || fail "user add --password-stdin"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
stored=$(sqlite3 "$tmp/demo.db" "SELECT password_hash FROM users WHERE name = 'web-officer'")
[[ "$stored" == pbkdf2-sha256\$600000\$* ]] || fail "the password is not a PBKDF2 hash at the default 600,000 iterations: $stored"
grep -q "correct horse" "$tmp/demo.db" && fail "the password is in the database file"
set +e; printf 'short\n' | "$exe" user add web-short --role vlu --password-stdin $cfg --db "$tmp/demo.db" >/dev/null 2>"$tmp/err"; rc=$?; set -e
[ "$rc" = 65 ] && grep -q "at least 12" "$tmp/err" || fail "a short password: $rc $(cat "$tmp/err")"
check "user add --password-stdin keeps only a PBKDF2-SHA256 hash (600,000 iterations, ${ms} ms) and refuses a short one"

# the compliance report, the audit chain and the retention purge, as a manager or operator runs them
printf 'clock.now = 2026-11-23T12:00:00Z\n' > "$tmp/clock.properties"
clk="$cfg --config $tmp/clock.properties"
"$exe" report $clk --db "$tmp/demo.db" --from 2026-01-01 --to 2026-12-31 --format csv > "$tmp/report.csv"
/usr/bin/python3 - "$tmp/report.csv" <<'PY' || fail "the CSV report does not read back as a spreadsheet would"
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8-sig") as f:
    rows = list(csv.DictReader(f))
assert rows and set(r["basis"] for r in rows) == {"code", "service_standard"}, rows[:2]
for r in rows:
    outcomes = sum(int(r[k]) for k in ("met", "late", "breached", "waived", "cancelled", "pending"))
    assert outcomes == int(r["total"]), r
    assert not any(v[:1] in "=+-@" for v in r.values() if v), r
assert all(r["group_by"] == "rule" for r in rows), rows[0]
totals = {r["basis"]: r for r in rows if r["group"] == "total"}
assert sum(int(t["total"]) for t in totals.values()) > 50, totals
PY
"$exe" report $clk --db "$tmp/demo.db" --group-by area | /usr/bin/python3 -c \
  'import json,sys; r=json.load(sys.stdin); assert [s["basis"] for s in r["sections"]]==["code","service_standard"]; assert r["to"]=="2026-11-23"' \
  || fail "report --group-by area (JSON)"
set +e; "$exe" report $clk --db "$tmp/demo.db" --group-by victim >/dev/null 2>"$tmp/err"; rc=$?; set -e
[ "$rc" = 64 ] && grep -q -- "--group-by" "$tmp/err" || fail "report with a bad --group-by: $rc $(cat "$tmp/err")"
[ "$(sqlite3 "$tmp/demo.db" "SELECT COUNT(*) FROM audit_log WHERE action = 'read_compliance' AND actor = 'cli'")" = 2 ] \
  || fail "the CLI's two reports are not audited"
check "report prints the compliance figures as JSON or as CSV a spreadsheet reads cleanly"

"$exe" verify-audit $clk --db "$tmp/demo.db" | grep -q "the hash chain is intact and holds the checkpoint" \
  || fail "verify-audit on an untouched log"
cp "$tmp/demo.db" "$tmp/tampered.db"
sqlite3 "$tmp/tampered.db" "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = 'type:nothing' WHERE seq = 5"
set +e; out=$("$exe" verify-audit $clk --db "$tmp/tampered.db"); rc=$?; set -e
[ "$rc" = 65 ] && grep -q "BROKEN at entry 5" <<<"$out" || fail "verify-audit did not name the changed entry: $rc $out"
check "verify-audit passes an untouched log and names the first changed entry (exit 65)"

# Someone with the database file (not the key, not the checkpoint file) covering their tracks. Each copy
# is examined with the store's checkpoint file beside it, as an examiner would.
tampered() {  # NAME SQL: a copy of demo.db with its checkpoints, edited through sqlite3 without the triggers
  cp "$tmp/demo.db" "$tmp/$1.db"; cp "$tmp/demo.db.audit-checkpoint" "$tmp/$1.db.audit-checkpoint"
  sqlite3 "$tmp/$1.db" "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; $2"
}
expect_broken() {  # NAME TEXT
  set +e; out=$("$exe" verify-audit $clk --db "$tmp/$1.db" --read-only); rc=$?; set -e
  [ "$rc" = 65 ] && grep -q -- "$2" <<<"$out" || fail "verify-audit of $1: $rc $out"
}
last=$(sqlite3 "$tmp/demo.db" 'SELECT MAX(seq) FROM audit_log')
tampered renumbered "DELETE FROM audit_log WHERE seq = 5; UPDATE audit_log SET seq = seq - 1 WHERE seq > 5;
  UPDATE sqlite_sequence SET seq = seq - 1 WHERE name = 'audit_log'"
expect_broken renumbered "BROKEN at entry 5: entry 5 does not chain"
tampered cut "DELETE FROM audit_log WHERE seq > 10; UPDATE sqlite_sequence SET seq = 10 WHERE name = 'audit_log'"
expect_broken cut "BROKEN at entry 11: the log ends at entry 10, but the checkpoint of .* recorded entry $last"
tampered emptied "DELETE FROM audit_log; DELETE FROM sqlite_sequence WHERE name = 'audit_log'"
expect_broken emptied "the log is empty, but .*the log was emptied"
# an entry changed and every hash recomputed with plain SHA-256, as schema 6 chained them
tampered rehashed "UPDATE audit_log SET actor = 'nobody' WHERE seq = 5"
/usr/bin/python3 - "$tmp/rehashed.db" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1]); prev = "0" * 64
for row in db.execute("SELECT seq, at, actor, action, subject, detail, correlation_id FROM audit_log ORDER BY seq").fetchall():
    text = "victim-comms audit v1\n" + "".join(f"{len(f.encode())}:{f}\n" for f in [prev, str(row[0])] + list(row[1:]))
    h = hashlib.sha256(text.encode()).hexdigest()
    db.execute("UPDATE audit_log SET prev_hash = ?, hash = ?, key_id = '' WHERE seq = ?", (prev, h, row[0])); prev = h
db.commit()
PY
expect_broken rehashed "no keyed entry vouches for them"
check "verify-audit finds an entry removed and the rest renumbered, the tail cut, the log emptied, and a log rehashed without the key"

# a forensic copy: read-only file and directory, no -wal or -shm; verified, and nothing written there
mkdir "$tmp/evidence"
cp "$tmp/demo.db" "$tmp/demo.db.audit-checkpoint" "$tmp/evidence/"
chmod 444 "$tmp/evidence/"*; chmod 555 "$tmp/evidence"
sum=$(sha256sum "$tmp/evidence/demo.db" | cut -c1-64)
out=$("$exe" verify-audit $clk --db "$tmp/evidence/demo.db") || fail "verify-audit of a read-only copy: $out"
grep -q "intact .*opened read-only; this check is not recorded" <<<"$out" || fail "verify-audit of a read-only copy: $out"
[ "$(sha256sum "$tmp/evidence/demo.db" | cut -c1-64)" = "$sum" ] || fail "the read-only copy was changed"
[ "$(ls "$tmp/evidence" | wc -l)" = 2 ] || fail "files were made beside the read-only copy: $(ls "$tmp/evidence")"
chmod 755 "$tmp/evidence"
check "verify-audit checks a read-only copy without migrating it, writing to it or making files beside it"

set +e; "$exe" purge $clk --db "$tmp/demo.db" >/dev/null 2>"$tmp/err"; rc=$?; set -e
[ "$rc" = 78 ] && grep -q "retention is off" "$tmp/err" || fail "purge with retention off: $rc $(cat "$tmp/err")"
printf 'retention.closed_case_days = 30\n' > "$tmp/retention.properties"
ret="$clk --config $tmp/retention.properties"
set +e; "$exe" purge $ret --db "$tmp/demo.db" --before 2026-11-01 >/dev/null 2>"$tmp/err"; rc=$?; set -e
[ "$rc" = 64 ] && grep -q "latest allowed is 2026-10-24" "$tmp/err" || fail "purge too soon: $rc $(cat "$tmp/err")"
"$exe" report $clk --db "$tmp/demo.db" --from 2026-01-01 --to 2026-12-31 > "$tmp/before.json"
"$exe" purge $ret --db "$tmp/demo.db" --dry-run | grep -q "^dry run: " || fail "purge --dry-run"
"$exe" purge $ret --db "$tmp/demo.db" | grep -q "cases that ended before 2026-10-24 purged" || fail "purge"
"$exe" report $clk --db "$tmp/demo.db" --from 2026-01-01 --to 2026-12-31 > "$tmp/after.json"
/usr/bin/python3 -c 'import json,sys; a,b=(json.load(open(f))["sections"] for f in sys.argv[1:]); assert a==b' \
  "$tmp/before.json" "$tmp/after.json" || fail "the purge changed the report's figures"
"$exe" verify-audit $clk --db "$tmp/demo.db" | grep -q "intact" || fail "the chain does not verify after a purge"
check "purge is off by default, refuses a date inside the retention period, and keeps the figures and the chain"

# a case that ended in January, and is done with, is purged from the file itself
cat > "$tmp/ended.jsonl" <<'JSONL'
{"id":"rt-reg","type":"case.registered","occurred_at":"2026-01-05T09:00:00Z","case_urn":"52RT0000001","area":"CPS South West","offences":["other"]}
{"id":"rt-v","type":"victim.registered","occurred_at":"2026-01-05T09:01:00Z","case_urn":"52RT0000001","victim_id":"rt-v1","name":{"given":"Jo","family":"Retentioncase"},"email":"jo.retentioncase@example.org"}
{"id":"rt-nfa","type":"charging.decided","occurred_at":"2026-01-06T10:00:00Z","case_urn":"52RT0000001","decision":"no_further_action","reasons":"Retentioncase's account could not be supported (synthetic)."}
{"id":"rt-done","type":"contact.recorded","occurred_at":"2026-01-08T10:00:00Z","case_urn":"52RT0000001","victim_id":"rt-v1","obligation":"VCL-NFA:rt-v1:rt-nfa","by":"cps"}
JSONL
"$exe" import "$tmp/ended.jsonl" $ret --db "$tmp/ended.db" >/dev/null
grep -q "Retentioncase" "$tmp/ended.db" "$tmp/ended.db-wal" 2>/dev/null || fail "the imported case is not in the file to begin with"
"$exe" purge $ret --db "$tmp/ended.db" | grep -q "^purged 52RT0000001 (CPS South West, ended 2026-01-08, " || fail "the ended case was not purged"
! grep -q "Retentioncase" "$tmp/ended.db" "$tmp/ended.db-wal" 2>/dev/null || fail "the surname is still in the database file after the purge"
for value in Retentioncase jo.retentioncase@example.org "Jo Retentioncase"; do
  hash=$(printf '%s' "$value" | sha256sum | cut -c1-64)
  ! grep -q "$hash" "$tmp/ended.db" "$tmp/ended.db-wal" 2>/dev/null || fail "the SHA-256 of '$value' is in the file after the purge"
done
[ "$(sqlite3 "$tmp/ended.db" "SELECT status FROM obligations WHERE id = 'VCL-NFA:rt-v1:rt-nfa'")" = met ] || fail "the ledger lost the obligation"
"$exe" verify-audit $clk --db "$tmp/ended.db" | grep -q "intact" || fail "the chain does not verify after purging a case"
printf '%s\n' '{"id":"rt-late","type":"hearing.listed","occurred_at":"2026-11-20T10:00:00Z","case_urn":"52RT0000001","kind":"appeal","date":"2026-12-01","court":"Test Court"}' > "$tmp/late.jsonl"
set +e; "$exe" import "$tmp/late.jsonl" $clk --db "$tmp/ended.db" >/dev/null 2>"$tmp/err"; rc=$?; set -e
[ "$rc" = 65 ] && grep -q "was purged" "$tmp/err" || fail "an event for a purged case: $rc $(cat "$tmp/err")"
check "purge removes an ended case's name, and any plain hash of it, from the file, keeps its ledger row and the chain, and refuses its later events"
echo "e2e: all checks passed"
