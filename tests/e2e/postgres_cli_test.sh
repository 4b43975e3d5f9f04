#!/usr/bin/env bash
# `victim-comms migrate`, `import`, `demo`, `report`, `verify-audit`, `rederive`, `user add` and `purge` on PostgreSQL from the command line, as an operator would run them
# (issue 17), against the throwaway cluster of the CTest fixture pg_cluster: a demo import into PostgreSQL stores
# Usage: postgres_cli_test.sh PATH/TO/victim-comms SOURCE_DIR PG_STATE_DIR
set -euo pipefail
exe=$(readlink -f "$1")
src=$2
state=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
check() { echo "ok: $*"; }
[ -s "$state/url" ] || fail "no PostgreSQL cluster in $state: run through ctest (fixture pg_cluster)"
url=$(cat "$state/url")
password=$(cat "$state/password_file")
port=$(cat "$state/port")
tmp=$(mktemp -d)
db="vc_cli_$$_$RANDOM"
psql_test() { PGPASSWORD=$password psql "$url" -X -q -v ON_ERROR_STOP=1 -At "$@"; }
psql_store() { PGPASSWORD=$password psql "${url%/*}/$db" -X -q -v ON_ERROR_STOP=1 -At -c "$1"; }
cleanup() {
  psql_test -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
psql_test -c "CREATE DATABASE $db" >/dev/null
store="${url%/*}/$db"

(umask 077 && printf '%s\n' "$password" >"$tmp/password")
keys="audit.key_file = $tmp/keys/audit.key
retention.key_file = $tmp/keys/retention.key"
printf 'db.url = %s\ndb.password_file = %s\n%s\n' "$store" "$tmp/password" "$keys" >"$tmp/pg.properties"
cfg=(--config "$src/config/victim-comms.properties" --config "$tmp/pg.properties")

# run CMD...: sets out (stdout and stderr together) and rc
run() { set +e; out=$("$@" 2>&1); rc=$?; set -e; }

run "$exe" migrate "${cfg[@]}"
[ "$rc" = 0 ] || fail "migrate: exit $rc: $out"
[ "$out" = "schema of $store at version 4 (was 0)" ] || fail "migrate said: $out"
[ "$(PGPASSWORD=$password psql "$store" -X -At -c 'SELECT max(version) FROM schema_migrations')" = 4 ] ||
  fail "schema_migrations does not record version 4"
tables=$(PGPASSWORD=$password psql "$store" -X -At -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
[ "$tables" -ge 20 ] || fail "only $tables tables made"
check "migrate creates the PostgreSQL schema ($tables tables) and records version 4"

run "$exe" migrate "${cfg[@]}"
[ "$rc" = 0 ] && [ "$out" = "schema of $store at version 4 (already current)" ] || fail "migrate again: exit $rc: $out"
check "migrate again changes nothing and says so"

# import and demo: the audit chain's checkpoints need a file of their own on PostgreSQL (no db.path to sit beside).
run "$exe" demo "${cfg[@]}"
[ "$rc" = 78 ] && grep -q "needs audit.checkpoint_file" <<<"$out" || fail "demo without audit.checkpoint_file: exit $rc: $out"
[ "$(psql_store 'SELECT count(*) FROM events')" = 0 ] || fail "demo without audit.checkpoint_file stored events"
check "import and demo on PostgreSQL without audit.checkpoint_file are refused before anything is stored (exit 78)"

# The same demo into PostgreSQL and into SQLite, at the same moment: the same rows, byte for byte (the bodies and
# the letters' words as stored, packed), and the same audit actions.
now="clock.now = 2026-11-23T09:00:00Z"
printf '%s\naudit.checkpoint_file = %s\n' "$now" "$tmp/pg.audit-checkpoint" >"$tmp/pg-import.properties"
mkdir "$tmp/sqlite"
printf 'db.path = %s\n%s\n%s\n' "$tmp/sqlite/store.db" "$now" "$keys" >"$tmp/sqlite.properties"
run "$exe" demo "${cfg[@]}" --config "$tmp/pg-import.properties"
[ "$rc" = 0 ] && grep -q "^imported 181 events (0 duplicates) from .* into $store; 31 cases updated" <<<"$out" ||
  fail "demo into PostgreSQL: exit $rc: $out"
run "$exe" demo --config "$src/config/victim-comms.properties" --config "$tmp/sqlite.properties"
[ "$rc" = 0 ] || fail "demo into SQLite: exit $rc: $out"
same() {  # same WHAT SQL: the rows SQL reads from each store are the same
  local a b
  a=$(sqlite3 "$tmp/sqlite/store.db" "$2" | sha256sum)
  b=$(psql_store "$2" | sha256sum)
  [ "$a" = "$b" ] || fail "the $1 differ: SQLite $(sqlite3 "$tmp/sqlite/store.db" "SELECT count(*) FROM $1"), PostgreSQL $(psql_store "SELECT count(*) FROM $1")"
}
same events "SELECT id, type, case_urn, victim_id, occurred_at, local_date, received_at, body FROM events ORDER BY id"
same cases "SELECT urn, area, unit, details, registered_event, last_event_seq FROM cases ORDER BY urn"
same victims "SELECT victim_id, case_urn, enhanced, reasons, profile, isva_id, consent_to_share, opted_out FROM victims
  ORDER BY victim_id"
same entitlement_changes "SELECT victim_id, n, event_id, date, from_enhanced, to_enhanced, reasons FROM entitlement_changes
  ORDER BY victim_id, n"
same isvas "SELECT isva_id, details, registered_event FROM isvas ORDER BY isva_id"
same meetings "SELECT id, case_urn, victim_id, area, meeting, state, held_obligation, held_due_by, body, opened_n
  FROM meetings ORDER BY id"
same obligations "SELECT id, rule, policy, basis, kind, victim_id, case_urn, area, trigger_event, tier, due_by, status,
  completed_at, created_n, alert_on, body FROM obligations ORDER BY id"
same letters "SELECT l.n, l.obligation_id, l.kind, l.language, l.channel, l.state, l.version, l.letter_date, l.blocked_by,
  l.due_by, l.area, l.rule, l.words_in_version, l.html, l.text, v.html, v.text
  FROM letters l LEFT JOIN letter_versions v ON v.letter_n = l.n AND v.version = l.version ORDER BY l.n"
same letter_history "SELECT letter_n, n, actor, action, from_state, to_state, version, note FROM letter_history
  ORDER BY letter_n, n"
same notifications "SELECT n, obligation_id, isva_id, victim_id, state, subject, html, text FROM notifications ORDER BY n"
same outbox "SELECT notification_n, channel, recipient, subject, state FROM outbox ORDER BY notification_n"
same audit_log "SELECT action, subject, count(*) FROM audit_log GROUP BY action, subject ORDER BY action, subject"
counts=$(psql_store "SELECT (SELECT count(*) FROM events) || ' events, ' || (SELECT count(*) FROM obligations) ||
  ' obligations, ' || (SELECT count(*) FROM letters) || ' letters'")
[ "$(psql_store 'SELECT count(*) FROM letters')" -gt 0 ] || fail "demo into PostgreSQL made no letters"
grep -q "seq=" "$tmp/pg.audit-checkpoint" || fail "no audit checkpoint was noted for the PostgreSQL store"
check "a demo import into PostgreSQL stores what one into SQLite does ($counts, their words and history; cases, victims, entitlement changes, ISVAs, meetings, notifications, outbox, audit actions)"

# report: the same compliance report from both stores, each table and format, and the read audited on each.
for args in "--format csv --table summary" "--format csv --table misses" "--format json --group-by area"; do
  # shellcheck disable=SC2086
  run "$exe" report --from 2026-01-01 --to 2026-12-31 $args "${cfg[@]}" --config "$tmp/pg-import.properties"
  [ "$rc" = 0 ] || fail "report $args on PostgreSQL: exit $rc: $out"
  pg_report=$out
  # shellcheck disable=SC2086
  run "$exe" report --from 2026-01-01 --to 2026-12-31 $args --config "$src/config/victim-comms.properties" \
    --config "$tmp/sqlite.properties"
  [ "$rc" = 0 ] || fail "report $args on SQLite: exit $rc: $out"
  [ "$pg_report" = "$out" ] || fail "report $args differs: $(diff <(echo "$out") <(echo "$pg_report") | head -n 10)"
  [ "$(wc -l <<<"$out")" -gt 3 ] || fail "report $args is nearly empty: $out"
done
[ "$(psql_store "SELECT count(*) FROM audit_log WHERE action = 'read_compliance' AND actor = 'cli'")" = 3 ] ||
  fail "the reports from PostgreSQL were not audited"
check "report gives the same compliance report from PostgreSQL as from SQLite (summary, misses, by Area), audited"

# verify-audit: the chain the demo wrote holds on both stores, and is recorded on each; --read-only is refused on
# PostgreSQL (it opens a SQLite file read-only), before anything is read or written.
pg_cfg=("${cfg[@]}" --config "$tmp/pg-import.properties")
sqlite_cfg=(--config "$src/config/victim-comms.properties" --config "$tmp/sqlite.properties")
run "$exe" verify-audit "${pg_cfg[@]}"
[ "$rc" = 0 ] && grep -q "^audit log of $store: [0-9]* entries, the hash chain is intact and holds the checkpoint of" <<<"$out" ||
  fail "verify-audit on PostgreSQL after the demo: exit $rc: $out"
run "$exe" verify-audit "${sqlite_cfg[@]}"
[ "$rc" = 0 ] && grep -q "the hash chain is intact" <<<"$out" || fail "verify-audit on SQLite after the demo: exit $rc: $out"
[ "$(psql_store "SELECT count(*) FROM audit_log WHERE action = 'audit_verified' AND actor = 'cli'")" = 1 ] ||
  fail "verify-audit on PostgreSQL was not recorded"
run "$exe" verify-audit --read-only "${pg_cfg[@]}"
[ "$rc" = 64 ] && grep -q "read-only opens a SQLite file read-only and is refused on a PostgreSQL store" <<<"$out" ||
  fail "verify-audit --read-only on PostgreSQL: exit $rc: $out"
check "verify-audit holds on the demo's audit chain in PostgreSQL as in SQLite, and is recorded; --read-only is refused there (exit 64)"

# rederive: the same plan (--dry-run) and the same result from both stores after the same demo, with one
# obligation's stored deadline changed behind the daemon's back on both (rederive puts it back).
oid=$(psql_store "SELECT id FROM obligations WHERE status = 'pending' ORDER BY id LIMIT 1")
[ -n "$oid" ] || fail "the demo left no pending obligation"
due=$(psql_store "SELECT due_by FROM obligations WHERE id = '$oid'")
psql_store "UPDATE obligations SET due_by = '2099-01-01', body = replace(body, '\"$due', '\"2099-01-01')
  WHERE id = '$oid'" >/dev/null
sqlite3 "$tmp/sqlite/store.db" "UPDATE obligations SET due_by = '2099-01-01', body = replace(body, '\"$due', '\"2099-01-01')
  WHERE id = '$oid'"
for dry in --dry-run ""; do
  # shellcheck disable=SC2086
  run "$exe" rederive $dry "${pg_cfg[@]}"
  [ "$rc" = 0 ] || fail "rederive $dry on PostgreSQL: exit $rc: $out"
  pg_out=$(sed "s|$store|STORE|g" <<<"$out")
  # shellcheck disable=SC2086
  run "$exe" rederive $dry "${sqlite_cfg[@]}"
  [ "$rc" = 0 ] || fail "rederive $dry on SQLite: exit $rc: $out"
  sqlite_out=$(sed "s|$tmp/sqlite/store.db|STORE|g" <<<"$out")
  [ "$pg_out" = "$sqlite_out" ] || fail "rederive $dry differs: $(diff <(echo "$sqlite_out") <(echo "$pg_out") | head -n 10)"
  grep -q "cases read, 1 \(would change\|changed\): 0 obligations [a-z ]*appear, 1 " <<<"$pg_out" || fail "rederive $dry did not see the changed obligation: $pg_out"
done
[ "$(psql_store "SELECT due_by FROM obligations WHERE id = '$oid'")" = "$due" ] || fail "rederive did not put $oid back on PostgreSQL"
[ "$(psql_store "SELECT count(*) FROM obligations WHERE body LIKE '%2099-01-01%'")" = 0 ] || fail "rederive left the changed body"
same obligations "SELECT id, rule, policy, basis, kind, victim_id, case_urn, area, trigger_event, tier, due_by, status,
  completed_at, created_n, alert_on, body FROM obligations ORDER BY id"
same audit_log "SELECT action, subject, count(*) FROM audit_log GROUP BY action, subject ORDER BY action, subject"
run "$exe" verify-audit "${pg_cfg[@]}"
[ "$rc" = 0 ] || fail "verify-audit on PostgreSQL after rederive: exit $rc: $out"
check "rederive --dry-run and rederive give the same plan and result on PostgreSQL as on SQLite ($(tail -n 1 <<<"$pg_out")), and leave the same obligations"

# user add: a token made on PostgreSQL is one the store authenticates (found by its hash, with its role).
run "$exe" user add pg-officer --role vlu --area London "${pg_cfg[@]}"
[ "$rc" = 0 ] && grep -q "^added user pg-officer with role vlu in London" <<<"$out" || fail "user add on PostgreSQL: exit $rc: $out"
token=$(tail -n 1 <<<"$out")
[ "${#token}" -ge 20 ] || fail "user add printed no token: $out"
run "$exe" user add pg-officer --role vlu "${pg_cfg[@]}"
[ "$rc" != 0 ] && grep -qi "exists" <<<"$out" || fail "user add of the same name again: exit $rc: $out"
[ "$(psql_store "SELECT count(*) FROM users WHERE name = 'pg-officer'")" = 1 ] || fail "the user is not stored once"
# What the daemon asks when a request carries the token (AccountService::byToken: the user whose token_sha256 is
# the token's SHA-256).
token_sha=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
[ "$(psql_store "SELECT name || ' ' || role || ' ' || area FROM users WHERE token_sha256 = '$token_sha'")" = "pg-officer vlu London" ] ||
  fail "the printed token does not find pg-officer"
[ "$(psql_store "SELECT count(*) FROM audit_log WHERE action = 'user_added' AND subject LIKE '%pg-officer%'")" = 1 ] ||
  fail "user add on PostgreSQL was not audited: $(psql_store "SELECT action, subject FROM audit_log ORDER BY seq DESC LIMIT 3")"
check "user add on PostgreSQL stores the user once and prints a token that finds them, audited"

# A daemon started before its copy of the key file arrived must not make a key of its own (as on SQLite).
run "$exe" report "${pg_cfg[@]}" --config <(printf 'audit.key_file = %s\n' "$tmp/keys/not-copied-yet.key")
[ "$rc" = 78 ] && grep -q "audit.key_file $tmp/keys/not-copied-yet.key does not exist, but the audit log of $store holds entries made with a key" <<<"$out" ||
  fail "a missing key file on PostgreSQL with keyed entries: exit $rc: $out"
[ -e "$tmp/keys/not-copied-yet.key" ] && fail "a new key file was made beside a keyed PostgreSQL audit log"
check "a missing audit key file is refused when the PostgreSQL audit log holds keyed entries, and none is made (exit 78)"

run "$exe" demo "${cfg[@]}" --config "$tmp/pg-import.properties"
[ "$rc" = 0 ] && grep -q "^imported 0 events (181 duplicates)" <<<"$out" || fail "demo again into PostgreSQL: exit $rc: $out"
same obligations "SELECT id, status, due_by, body FROM obligations ORDER BY id"
check "the same demo again into PostgreSQL stores nothing twice"

# verify-audit finds an audit entry changed behind its back (by the superuser, past the append-only guard), as on SQLite.
psql_store "ALTER TABLE audit_log DISABLE TRIGGER USER; UPDATE audit_log SET subject = subject || 'x' WHERE seq = 3;
  ALTER TABLE audit_log ENABLE TRIGGER USER" >/dev/null
run "$exe" verify-audit "${pg_cfg[@]}"
[ "$rc" = 65 ] && grep -q "^audit log of $store: BROKEN at entry 3" <<<"$out" ||
  fail "verify-audit after an entry was changed on PostgreSQL: exit $rc: $out"
sqlite3 "$tmp/sqlite/store.db" "DROP TRIGGER IF EXISTS audit_log_no_update; UPDATE audit_log SET subject = subject || 'x' WHERE seq = 3" ||
  fail "cannot change the SQLite audit entry"
run "$exe" verify-audit "${sqlite_cfg[@]}"
[ "$rc" = 65 ] && grep -q "BROKEN at entry 3" <<<"$out" || fail "verify-audit after an entry was changed on SQLite: exit $rc: $out"
check "verify-audit fails at the changed entry on PostgreSQL (changed by psql as superuser), as on SQLite (exit 65)"

secret="Wr0ng-$RANDOM-pa55"
(umask 077 && printf '%s\n' "$secret" >"$tmp/wrong")
run "$exe" migrate "${cfg[@]}" --config <(printf 'db.password_file = %s\n' "$tmp/wrong")
[ "$rc" = 78 ] || fail "a wrong password: exit $rc: $out"
grep -q "cannot connect to the PostgreSQL store $store: .*password authentication failed for user \"vc_test\"" <<<"$out" ||
  fail "a wrong password said: $out"
grep -q "$secret" <<<"$out" && fail "the wrong password was shown: $out"
check "a wrong password is refused by PostgreSQL, said plainly, and not shown (exit 78)"

run "$exe" migrate "${cfg[@]}" --config <(printf 'db.url = postgresql://vc_test@127.0.0.1:1/%s\n' "$db")
[ "$rc" = 78 ] && grep -q "cannot connect to the PostgreSQL store postgresql://vc_test@127.0.0.1:1/$db: .*refused" <<<"$out" ||
  fail "an unreachable server: exit $rc: $out"
grep -q "$password" <<<"$out" && fail "the password was shown: $out"
check "an unreachable server is said plainly, without the password (exit 78)"

run "$exe" migrate "${cfg[@]}" --config <(printf 'db.url = postgresql://vc_test:%s@127.0.0.1:%s/%s\n' "$secret" "$port" "$db")
[ "$rc" = 78 ] && grep -q "db.url must not hold a password" <<<"$out" || fail "a password in db.url: exit $rc: $out"
grep -q "$secret" <<<"$out" && fail "the password in db.url was shown: $out"
check "a password inside db.url is refused without being shown (exit 78)"

chmod 644 "$tmp/password"
run "$exe" migrate "${cfg[@]}"
[ "$rc" = 78 ] && grep -q "db.password_file $tmp/password: .*mode 0644" <<<"$out" || fail "a readable password file: $rc $out"
chmod 600 "$tmp/password"
check "a password file its group or others may read is refused (exit 78)"

# No db.password_file: libpq's own ways, here PGPASSFILE (~/.pgpass works the same).
printf 'db.url = %s\n%s\n' "$store" "$keys" >"$tmp/libpq.properties"
libpq_cfg=(--config "$src/config/victim-comms.properties" --config "$tmp/libpq.properties")
(umask 077 && printf '127.0.0.1:%s:%s:vc_test:%s\n' "$port" "$db" "$password" >"$tmp/pgpass")
run env PGPASSFILE="$tmp/pgpass" "$exe" migrate "${libpq_cfg[@]}"
[ "$rc" = 0 ] && [ "$out" = "schema of $store at version 4 (already current)" ] || fail "PGPASSFILE: exit $rc: $out"
run env PGPASSFILE=/nonexistent "$exe" migrate "${libpq_cfg[@]}"
[ "$rc" = 78 ] && grep -q "no password supplied" <<<"$out" || fail "no password at all: exit $rc: $out"
check "without db.password_file, libpq's PGPASSFILE is used; with no password at all, PostgreSQL's refusal is said"

run "$exe" migrate "${cfg[@]}" --db "$tmp/other.db"
[ "$rc" = 78 ] && grep -q "names the PostgreSQL store $store, but db.path = '$tmp/other.db'" <<<"$out" ||
  fail "db.url and db.path at two stores: exit $rc: $out"
[ -e "$tmp/other.db" ] && fail "the SQLite file was made"
run "$exe" migrate "${cfg[@]}" --config <(printf 'db.url = mysql://vc@127.0.0.1/%s\n' "$db")
[ "$rc" = 78 ] && grep -q "unknown store 'mysql:'" <<<"$out" || fail "an unknown scheme: exit $rc: $out"
check "db.url and db.path naming two stores, or an unknown kind of store, stop start-up (exit 78)"

# purge (issue 17): a case that ended in January and is done with, imported into both stores, is purged from both
# alike (the same output, the same rows after, markers and all); on PostgreSQL no value of it is left readable in
# any live table, its ledger row and the purge's audit entry stay, and the tables it changed are vacuumed after.
cat >"$tmp/ended.jsonl" <<'JSONL'
{"id":"rt-reg","type":"case.registered","occurred_at":"2026-01-05T09:00:00Z","case_urn":"52RT0000001","area":"CPS South West","offences":["other"]}
{"id":"rt-v","type":"victim.registered","occurred_at":"2026-01-05T09:01:00Z","case_urn":"52RT0000001","victim_id":"rt-v1","name":{"given":"Jo","family":"Retentioncase"},"email":"jo.retentioncase@example.org"}
{"id":"rt-nfa","type":"charging.decided","occurred_at":"2026-01-06T10:00:00Z","case_urn":"52RT0000001","decision":"no_further_action","reasons":"Retentioncase's account could not be supported (synthetic)."}
{"id":"rt-done","type":"contact.recorded","occurred_at":"2026-01-08T10:00:00Z","case_urn":"52RT0000001","victim_id":"rt-v1","obligation":"VCL-NFA:rt-v1:rt-nfa","by":"cps"}
JSONL
printf 'retention.closed_case_days = 30\n' >"$tmp/retention.properties"
for which in pg sqlite; do
  [ "$which" = pg ] && store_cfg=("${pg_cfg[@]}") || store_cfg=("${sqlite_cfg[@]}")
  run "$exe" import "$tmp/ended.jsonl" "${store_cfg[@]}"
  [ "$rc" = 0 ] || fail "import of the ended case into $which: exit $rc: $out"
done
anywhere() {  # anywhere VALUE: the tables of the PostgreSQL store with a row whose text holds VALUE
  local sql="" t
  for t in $(psql_store "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"); do
    sql+="${sql:+ UNION ALL }SELECT '$t' FROM $t x WHERE x::text LIKE '%$1%'"
  done
  psql_store "SELECT DISTINCT * FROM ($sql) found"
}
[ -n "$(anywhere jo.retentioncase@example.org)" ] || fail "the ended case's email is not in PostgreSQL to begin with"
run "$exe" purge --dry-run "${pg_cfg[@]}" --config "$tmp/retention.properties"
[ "$rc" = 0 ] && grep -q "^would purge 52RT0000001 (CPS South West, ended 2026-01-08)" <<<"$out" ||
  fail "purge --dry-run on PostgreSQL: exit $rc: $out"
[ "$(psql_store "SELECT count(*) FROM cases WHERE purged_at IS NOT NULL")" = 0 ] || fail "purge --dry-run purged"
run "$exe" purge "${pg_cfg[@]}" --config "$tmp/retention.properties"
[ "$rc" = 0 ] && grep -q "^purged 52RT0000001 (CPS South West, ended 2026-01-08, [0-9]* values replaced" <<<"$out" ||
  fail "purge on PostgreSQL: exit $rc: $out"
grep -q "^PostgreSQL: the tables the purge changed were vacuumed; copies of the old values in the write-ahead log" <<<"$out" ||
  fail "purge on PostgreSQL does not say what is left: $out"
pg_out=$(grep -v "^PostgreSQL: " <<<"$out")
run "$exe" purge "${sqlite_cfg[@]}" --config "$tmp/retention.properties"
[ "$rc" = 0 ] && [ "$out" = "$pg_out" ] || fail "purge differs: exit $rc: $(diff <(echo "$out") <(echo "$pg_out"))"
for value in Retentioncase jo.retentioncase@example.org "Jo Retentioncase"; do
  found=$(anywhere "$value")
  [ -z "$found" ] || fail "'$value' is still in PostgreSQL's live tables after the purge: $found"
done
[ "$(psql_store "SELECT profile FROM victims WHERE victim_id = 'rt-v1'")" = \
  "$(sqlite3 "$tmp/sqlite/store.db" "SELECT profile FROM victims WHERE victim_id = 'rt-v1'")" ] || fail "the markers differ"
psql_store "SELECT profile FROM victims WHERE victim_id = 'rt-v1'" | grep -q '^{"purged":"hmac-sha256:' ||
  fail "the victim's profile is not a keyed marker: $(psql_store "SELECT profile FROM victims WHERE victim_id = 'rt-v1'")"
same events "SELECT id, case_urn, body FROM events ORDER BY id"
same cases "SELECT urn, details, purged_at FROM cases ORDER BY urn"
same victims "SELECT victim_id, reasons, profile FROM victims ORDER BY victim_id"
same obligations "SELECT id, status, due_by, body FROM obligations ORDER BY id"
same letters "SELECT n, state, fields, free_text, recipient_email, html, text, note, words_in_version FROM letters ORDER BY n"
same letter_versions "SELECT letter_n, version, fields, free_text, html, text FROM letter_versions ORDER BY letter_n, version"
same letter_history "SELECT letter_n, n, note FROM letter_history ORDER BY letter_n, n"
same outbox "SELECT notification_n, letter_n, name, recipient, subject, body_text, body_html FROM outbox ORDER BY id"
[ "$(psql_store "SELECT status FROM obligations WHERE id = 'VCL-NFA:rt-v1:rt-nfa'")" = met ] || fail "the ledger lost the obligation"
[ "$(psql_store "SELECT count(*) FROM audit_log WHERE action = 'case_purged' AND subject = 'case:52RT0000001'")" = 1 ] ||
  fail "the purge was not audited on PostgreSQL"
[ "$(psql_store "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('events', 'victims', 'obligations',
  'letter_versions') AND last_vacuum IS NOT NULL")" = 4 ] || fail "the tables the purge changed were not vacuumed"
check "purge on PostgreSQL purges the ended case as on SQLite (the same rows after), leaves no value of it in any live table, keeps its ledger row, is audited, and vacuums the tables it changed"
