#!/usr/bin/env bash
# `victim-comms migrate` on PostgreSQL from the command line, as an operator would run it (issue 17), against
# the throwaway cluster of the CTest fixture pg_cluster; and every other command refusing that store.
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
[ "$out" = "schema of $store at version 1 (was 0)" ] || fail "migrate said: $out"
[ "$(PGPASSWORD=$password psql "$store" -X -At -c 'SELECT max(version) FROM schema_migrations')" = 1 ] ||
  fail "schema_migrations does not record version 1"
tables=$(PGPASSWORD=$password psql "$store" -X -At -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
[ "$tables" -ge 20 ] || fail "only $tables tables made"
check "migrate creates the PostgreSQL schema ($tables tables) and records version 1"

run "$exe" migrate "${cfg[@]}"
[ "$rc" = 0 ] && [ "$out" = "schema of $store at version 1 (already current)" ] || fail "migrate again: exit $rc: $out"
check "migrate again changes nothing and says so"

for command in serve import demo report verify-audit purge rederive "user add someone --role vlu"; do
  # shellcheck disable=SC2086
  run timeout 20 "$exe" $command "${cfg[@]}" --port 0
  [ "$rc" = 78 ] || fail "$command on PostgreSQL: exit $rc, wanted 78: $out"
  grep -q "the PostgreSQL store is not complete yet: only migrate works" <<<"$out" || fail "$command said: $out"
  grep -q "db.url = $store" <<<"$out" || fail "$command does not name the store: $out"
done
check "serve, import, demo, report, verify-audit, purge, rederive and user add refuse a PostgreSQL store (exit 78)"

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
[ "$rc" = 0 ] && [ "$out" = "schema of $store at version 1 (already current)" ] || fail "PGPASSFILE: exit $rc: $out"
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
