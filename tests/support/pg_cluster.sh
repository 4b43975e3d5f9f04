#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the tests (issue 17, item 4).
#
#   pg_cluster.sh start STATE_DIR   initdb in a fresh temporary directory, start it on a free loopback port,
#                                   make a role and a database for the tests, and write into STATE_DIR:
#                                     url            postgresql://vc_test@127.0.0.1:PORT/vc_test
#                                     password_file  the role's password (mode 0600), for db.password_file
#                                     admin          how to reach it as its superuser (psql -h SOCKET -p PORT)
#   pg_cluster.sh stop STATE_DIR    stop it at once and delete it, and STATE_DIR's files
#
# CTest runs `start` as the fixture pg_cluster's setup and `stop` as its cleanup (CMakeLists.txt), so the
# tests that need PostgreSQL share one cluster per run, and it is stopped whether they pass or fail. Should the
# caller die before its cleanup (ctest killed), a watcher started with the cluster stops it when the caller is
# gone; and the next `start` on the same STATE_DIR stops whatever an earlier run left.
#
# PostgreSQL refuses to run as root: run as root (CI), the cluster belongs to the `postgres` system user
# Debian's package makes (runuser); run as anyone else, it is theirs. The role vc_test signs in with its
# password over TCP (scram-sha-256), so a test reaches it the way a daemon would; it may create databases,
# so each test makes its own, and roles (a test of an odd password makes one). Only the superuser, over the cluster's own unix socket, is trusted.
set -euo pipefail

action=${1:-}
state=${2:-}
if [ -z "$action" ] || [ -z "$state" ]; then
  echo "usage: $0 start|stop STATE_DIR" >&2
  exit 64
fi
bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}

as_owner() {  # runs a command as the user the cluster belongs to
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_cluster() {
  if [ -f "$state/watcher" ]; then  # the watcher this script started (below): no longer needed
    local watcher
    watcher=$(cat "$state/watcher")
    [ "$watcher" = $$ ] || kill "$watcher" 2>/dev/null || true  # (unless this is the watcher, stopping it)
    rm -f "$state/watcher"
  fi
  [ -f "$state/cluster_dir" ] || return 0
  local dir
  dir=$(cat "$state/cluster_dir")
  if [ -d "$dir/data" ] && [ -f "$dir/data/postmaster.pid" ]; then
    # immediate: nothing in it is worth a checkpoint
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  case "$dir" in
    */vc-pg.*) rm -rf "$dir" ;;  # only what this script made
  esac
  rm -f "$state/cluster_dir" "$state/url" "$state/password_file" "$state/admin" "$state/port"
}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "$action" in
  stop)
    stop_cluster
    exit 0
    ;;
  start) ;;
  *)
    echo "usage: $0 start|stop STATE_DIR" >&2
    exit 64
    ;;
esac

[ -x "$bindir/initdb" ] || {
  echo "pg_cluster: no PostgreSQL 15 in $bindir (install postgresql-15: scripts/setup.sh --tests)" >&2
  exit 1
}
mkdir -p "$state"
stop_cluster  # a cluster a killed run left behind

# Under /tmp, not $TMPDIR: the cluster's owner must be able to reach it (a root-only TMPDIR would stop it),
# and a unix socket's path must stay short. PG_CLUSTER_TMP chooses another place.
dir=$(mktemp -d "${PG_CLUSTER_TMP:-/tmp}/vc-pg.XXXXXX")
echo "$dir" >"$state/cluster_dir"
trap 'echo "pg_cluster: start failed; log:" >&2; cat "$dir/log" >&2 2>/dev/null || true; stop_cluster' ERR
chmod 700 "$dir"
[ "$(id -u)" = 0 ] && chown postgres: "$dir"

password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
as_owner "$bindir/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 --no-sync \
  --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 || {
  cat "$dir/initdb.log" >&2
  false
}

# A free port can be taken between the look and the start: try a few.
started=0
for _ in 1 2 3 4 5; do
  port=$(free_port)
  if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null 2>&1; then
    started=1
    break
  fi
done
[ "$started" = 1 ] || {
  echo "pg_cluster: PostgreSQL did not start" >&2
  false
}

as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres >/dev/null <<SQL
CREATE ROLE vc_test LOGIN CREATEDB CREATEROLE PASSWORD '$password';
CREATE DATABASE vc_test OWNER vc_test;
SQL

umask 077
printf '%s\n' "$password" >"$state/password_file"
printf 'postgresql://vc_test@127.0.0.1:%s/vc_test\n' "$port" >"$state/url"
printf '%s\n' "$port" >"$state/port"
as=""
[ "$(id -u)" = 0 ] && as="runuser -u postgres -- "
printf '%s\n' "$as$bindir/psql -h $dir -p $port -U postgres" >"$state/admin"
trap - ERR
# Should the caller (ctest) be killed before its cleanup runs, a watcher stops the cluster when it is gone,
# so nothing is left running. Its output goes nowhere: ctest waits for every holder of the test's pipes.
caller=$PPID
setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; exec bash "$2" stop "$3"' \
  pg-cluster-watcher "$caller" "$(readlink -f "$0")" "$state" </dev/null >/dev/null 2>&1 &
echo $! >"$state/watcher"
echo "pg_cluster: PostgreSQL 15 on 127.0.0.1:$port ($dir), url in $state/url"
