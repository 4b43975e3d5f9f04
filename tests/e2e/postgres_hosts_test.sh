#!/usr/bin/env bash
# db.url with several hosts (docs/deployment.md, "When PostgreSQL fails over"): libpq tries them in order and
# keeps the first that answers (with target_session_attrs=read-write, the first that accepts writes). Against the
# throwaway cluster of the CTest fixture pg_cluster, which listens on 127.0.0.1 only: 127.0.0.2 refuses, so the
# daemon reaches the store only if it passes the whole list on to libpq.
# Usage: postgres_hosts_test.sh PATH/TO/victim-comms SOURCE_DIR PG_STATE_DIR
set -euo pipefail
exe=$(readlink -f "$1")
src=$2
state=$3
fail() { echo "FAIL: $*" >&2; exit 1; }
check() { echo "ok: $*"; }
[ -s "$state/url" ] || fail "no PostgreSQL cluster in $state: run through ctest (fixture pg_cluster)"
url=$(cat "$state/url")
password=$(cat "$state/password_file")
port=${url##*:}; port=${port%%/*}
tmp=$(mktemp -d)
db="vc_hosts_$$_$RANDOM"
psql_test() { PGPASSWORD=$password psql "$url" -X -q -v ON_ERROR_STOP=1 -At "$@"; }
cleanup() {
  psql_test -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
psql_test -c "CREATE DATABASE $db" >/dev/null
(umask 077 && printf '%s\n' "$password" >"$tmp/password")
store="postgresql://vc_test@127.0.0.2,127.0.0.1:$port/$db?target_session_attrs=read-write&connect_timeout=3"
printf 'db.url = %s\ndb.password_file = %s\naudit.checkpoint_file = %s\naudit.key_file = %s\nretention.key_file = %s\n' \
  "$store" "$tmp/password" "$tmp/audit-checkpoint" "$tmp/keys/audit.key" "$tmp/keys/retention.key" >"$tmp/pg.properties"
cfg=(--config "$src/config/victim-comms.properties" --config "$tmp/pg.properties")

set +e; out=$("$exe" migrate "${cfg[@]}" 2>&1); rc=$?; set -e
[ "$rc" = 0 ] && [ "$out" = "schema of $store at version 4 (was 0)" ] || fail "migrate: exit $rc: $out"
set +e; out=$("$exe" demo "${cfg[@]}" 2>&1); rc=$?; set -e
[ "$rc" = 0 ] || fail "demo: exit $rc: $out"
[ "$(PGPASSWORD=$password psql "${url%/*}/$db" -X -At -c 'SELECT count(*) FROM events')" -gt 0 ] || fail "no events stored"
check "db.url with two hosts (the first refusing) and target_session_attrs=read-write reaches the store"

# With only the refusing host, the same configuration is refused at once, naming the store (exit 78).
sed -i "s#127.0.0.2,127.0.0.1#127.0.0.2#" "$tmp/pg.properties"
set +e; out=$("$exe" migrate "${cfg[@]}" 2>&1); rc=$?; set -e
[ "$rc" = 78 ] && grep -q "cannot connect to the PostgreSQL store" <<<"$out" || fail "only a refusing host: exit $rc: $out"
check "with the refusing host alone it is refused (exit 78): the second host is what reached the store"
