#!/usr/bin/env bash
# bench_pg.sh: ingest and reads on PostgreSQL beside SQLite, with one and with two daemons (issue 17, item 5).
#
#   bash bench/bench_pg.sh BUILD_DIR [CASES] [SECONDS] [RUNS]
#
# BUILD_DIR holds a built victim-comms and bench_ingest (bench/run.sh pg builds build-bench/).
# CASES: synthetic cases (default 1000, about 10,000 events); SECONDS: each wrk run (default 5);
# RUNS: how many times each figure is taken (default 2; the machine is shared, so one run proves little).
#
# It starts a throwaway PostgreSQL 15 cluster (tests/support/pg_cluster.sh), then restarts it DURABLE: the
# test cluster runs with fsync, synchronous_commit and full_page_writes off, which no figure here may use.
# Then, in the same run and on the same generated events (bench_ingest --write-events, feed order):
#   (1) ingest:  plain SQLite (python's sqlite3, the events table as migration 1 makes it, WAL, synchronous=FULL,
#                1 transaction per 1,000 rows) and plain PostgreSQL (psql over TCP, the same table as the
#                PostgreSQL migration makes it, one multi-row INSERT and one commit per 1,000 rows): the anchors;
#                `victim-comms import` into a fresh SQLite file and into a fresh PostgreSQL database: events/s until
#                its commit (the import's own line) and whole (its letters' words included);
#                the HTTP feed (POST /api/v1/events, 1,000-event batches) into one SQLite daemon, one PostgreSQL
#                daemon, and two PostgreSQL daemons at once (each case's events to one daemon: even cases to the
#                first, odd to the second, each in feed order).
#   (2) reads:   GET /api/v1/victims/{id} (audited) and GET /api/v1/letters?limit=50 with wrk at 1 and 8
#                connections against one SQLite daemon, one PostgreSQL daemon, and two PostgreSQL daemons on the same
#                database (two wrk at once, 4 connections each: req/s summed, each one's p99), /healthz the anchor.
# Every run checks what it claims: the stores hold as many events as the file (and the same obligations on both
# stores), each store holds a read_victim entry for every victim read wrk saw answered, and `verify-audit` holds
# on both stores afterwards. Prints tables, then RESULT lines for bench/run.sh. Data in BUILD_DIR/bench-data/pg/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: bench_pg.sh BUILD_DIR [CASES] [SECONDS] [RUNS]}
cases=${2:-1000}
secs=${3:-5}
runs=${4:-2}
exe=$(realpath "$build/victim-comms")
command -v wrk >/dev/null || { echo "bench_pg: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
bindir=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
dir=$(realpath -m "$build/bench-data/pg")
state=$dir/cluster
[ -d "$state" ] && bash tests/support/pg_cluster.sh stop "$state" || true
rm -rf "$dir"
mkdir -p "$dir" "$state"
say() { echo "bench_pg: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

# --- the cluster, durable -------------------------------------------------------------------------------------
daemons=()
sampler=
cleanup() {
  local p
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
  for p in "${daemons[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  bash tests/support/pg_cluster.sh stop "$state" >/dev/null 2>&1 || true
}
trap cleanup EXIT
bash tests/support/pg_cluster.sh start "$state" >&2
port=$(cat "$state/port")
cluster_dir=$(cat "$state/cluster_dir")
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
# The same start as pg_cluster.sh's, without its fsync=off, synchronous_commit=off and full_page_writes=off.
as_owner "$bindir/pg_ctl" -D "$cluster_dir/data" -l "$cluster_dir/log" -w -t 60 \
  -o "-p $port -k $cluster_dir -c listen_addresses=127.0.0.1 -c max_connections=200" restart >/dev/null
admin() { as_owner "$bindir/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$cluster_dir" -p "$port" -U postgres -d "${1:-postgres}" "${@:2}"; }
pg_settings=$(admin postgres -c "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings
  WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'wal_level', 'max_wal_size', 'wal_sync_method', 'max_connections')")
pg_version=$(admin postgres -c "SHOW server_version")
say "PostgreSQL $pg_version: $pg_settings"
case $pg_settings in *fsync=on*synchronous_commit=on*) ;; *) fail "the cluster is not durable: $pg_settings" ;; esac
base_url=$(cat "$state/url")
base_url=${base_url%/*}
PGPASSWORD=$(cat "$state/password_file")
export PGPASSWORD  # for psql only (the daemons read db.password_file)
newdb() {  # newdb NAME: a fresh database owned by vc_test; prints its url
  admin postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1 OWNER vc_test"
  echo "$base_url/$1"
}
pgq() { psql -X -q -At -v ON_ERROR_STOP=1 "$1" -c "$2"; }
: >"$dir/daemon-errors.log"
c2=
sq() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$1" "$2"; }

# --- the events -----------------------------------------------------------------------------------------------
events=$dir/events.jsonl
"$build/bench_ingest" --write-events "$events" "$cases"
n_events=$(wc -l <"$events")
say "$cases cases, $n_events events"
# 1,000-event batches for the HTTP feed: all of them in feed order (one daemon), and each half (two daemons).
python3 - "$events" "$dir" <<'PY'
import json, os, sys
events = [line.rstrip("\n") for line in open(sys.argv[1])]
def case_no(line):  # bench-c<case>-e<seq>
    return int(json.loads(line)["id"].split("-")[1][1:])
def write(name, lines):
    os.makedirs(os.path.join(sys.argv[2], name), exist_ok=True)
    for i in range(0, len(lines), 1000):
        with open(os.path.join(sys.argv[2], name, "%05d.json" % (i // 1000)), "w") as f:
            f.write("[" + ",".join(lines[i:i + 1000]) + "]")
write("batches-all", events)
write("batches-even", [e for e in events if case_no(e) % 2 == 0])
write("batches-odd", [e for e in events if case_no(e) % 2 == 1])
PY

# --- configurations ---------------------------------------------------------------------------------------------
# audit.key and retention.key: made by the first command that runs (the SQLite import), then shared by every
# store and daemon here, as the daemons of one store must share them (docs/deployment.md).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# config NAME STORE_LINES...: writes $dir/NAME.properties (a port of its own) and prints its path
config() {
  local name=$1 f=$dir/$1.properties
  shift
  {
    printf '%s\n' "$@"
    cat <<EOF
http.bind = 127.0.0.1
http.port = $(free_port)
clock.now = 2027-03-01T12:00:00Z
audit.key_file = $dir/audit.key
retention.key_file = $dir/retention.key
spool.dir = $dir/spool-$name
scheduler.interval_seconds = 86400
EOF
  } >"$f"
  echo "$f"
}
vc() {  # vc CONFIG ARGS...
  local c=$1
  shift
  "$exe" "$@" --config "$PWD/config/victim-comms.properties" --config "$c"
}
sqlite_cfg() { config "$1" "db.path = $dir/$1.db"; }
pg_cfg() {  # pg_cfg NAME URL
  config "$1" "db.url = $2" "db.password_file = $state/password_file" "audit.checkpoint_file = $dir/$1.audit-checkpoint"
}
portof() { awk -F' = ' '$1 == "http.port" {print $2}' "$1"; }
serve() {  # serve CONFIG: starts a daemon, waits until it answers and is idle; sets $served
  local c=$1 p
  "$exe" serve --config "$PWD/config/victim-comms.properties" --config "$c" >"${c%.properties}.serve.log" 2>&1 &
  p=$!
  daemons+=("$p")
  served=$p
  for _ in $(seq 1 150); do
    curl -fsS "http://127.0.0.1:$(portof "$c")/healthz" >/dev/null 2>&1 && break
    kill -0 "$p" 2>/dev/null || { cat "${c%.properties}.serve.log" >&2; fail "a daemon did not start"; }
    sleep 0.2
  done
}
idle() {  # idle PID...: waits until each is under 5% of a core over half a second (the first scheduler pass)
  local p before
  for p in "$@"; do
    for _ in $(seq 1 240); do
      before=$(awk '{print $14 + $15}' "/proc/$p/stat")
      sleep 0.5
      [ $(($(awk '{print $14 + $15}' "/proc/$p/stat") - before)) -le $(($(getconf CLK_TCK) / 40)) ] && break
    done
  done
}
pg_idle() {  # pg_idle URL: waits until no session of that database but this one is in a query or a transaction for
  # 1.5 s (a daemon waiting on PostgreSQL uses no CPU of its own, so idle alone does not see its first pass), at most 60 s
  local quiet=0
  for _ in $(seq 1 120); do
    if [ "$(pgq "$1" "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'")" = 0 ]; then
      quiet=$((quiet + 1))
      [ "$quiet" -ge 3 ] && return 0
    else
      quiet=0
    fi
    sleep 0.5
  done
  say "PostgreSQL still busy after 60 s; measuring anyway"
}
stop_daemons() {
  local p
  for p in "${daemons[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
  daemons=()
}
now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

declare -A fig  # fig[id.run] = value
add() { fig[$1.$2]=$3; }

# --- (1) ingest -----------------------------------------------------------------------------------------------
# The anchors' rows, in feed order, as each store's events table holds them.
received_at=2027-03-01T12:00:00Z
python3 - "$events" "$dir/anchor.sql" "$received_at" <<'PY'
import json, sys
def q(s):
    return "NULL" if s is None else "'" + s.replace("'", "''") + "'"
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as out:
    out.write("CREATE TABLE events(seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id text NOT NULL UNIQUE,"
              " type text NOT NULL, case_urn text, victim_id text, occurred_at text NOT NULL, local_date text NOT NULL,"
              " received_at text NOT NULL, body text NOT NULL);\n"
              "CREATE INDEX events_by_case ON events(case_urn, seq);\nCREATE INDEX events_by_victim ON events(victim_id, seq);\n"
              "\\timing on\n")  # the timed part starts after the table is made: psql's own timing is not used, see below
    rows = []
    def flush():
        out.write("BEGIN;\nINSERT INTO events(id, type, case_urn, victim_id, occurred_at, local_date, received_at, body) VALUES\n"
                  + ",\n".join(rows) + ";\nCOMMIT;\n")
        rows.clear()
    for line in f:
        e = json.loads(line)
        rows.append("(%s,%s,%s,%s,%s,%s,%s,%s)" % (q(e["id"]), q(e["type"]), q(e.get("case_urn")), q(e.get("victim_id")),
                    q(e["occurred_at"]), q(e["occurred_at"][:10]), q(sys.argv[3]), q(line.rstrip("\n"))))
        if len(rows) == 1000:
            flush()
    if rows:
        flush()
PY
# Split: the table first (untimed), then the inserts (timed).
sed -n '1,/^\\timing on$/p' "$dir/anchor.sql" | grep -v '^\\timing' >"$dir/anchor-schema.sql"
sed '1,/^\\timing on$/d' "$dir/anchor.sql" >"$dir/anchor-rows.sql"

plain_sqlite() {  # prints rows/s
  python3 - "$events" "$dir/plain.db" "$received_at" <<'PY'
import json, os, sqlite3, sys, time
for s in ("", "-wal", "-shm"):
    if os.path.exists(sys.argv[2] + s): os.remove(sys.argv[2] + s)
db = sqlite3.connect(sys.argv[2], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE events(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, "
           "case_urn TEXT, victim_id TEXT, occurred_at TEXT NOT NULL, local_date TEXT NOT NULL, received_at TEXT NOT NULL, body TEXT NOT NULL)")
db.execute("CREATE INDEX events_by_case ON events(case_urn, seq)")
db.execute("CREATE INDEX events_by_victim ON events(victim_id, seq)")
rows = []
for line in open(sys.argv[1]):
    e = json.loads(line)
    rows.append((e["id"], e["type"], e.get("case_urn"), e.get("victim_id"), e["occurred_at"], e["occurred_at"][:10], sys.argv[3], line.rstrip("\n")))
t0 = time.monotonic()
for i in range(0, len(rows), 1000):
    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT INTO events(id, type, case_urn, victim_id, occurred_at, local_date, received_at, body) VALUES (?,?,?,?,?,?,?,?)", rows[i:i + 1000])
    db.execute("COMMIT")
s = time.monotonic() - t0
assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == len(rows)
print("%.0f" % (len(rows) / s))
PY
}
plain_pg() {  # plain_pg RUN: prints rows/s
  local url t0 t1
  url=$(newdb "vc_plain_$1")
  psql -X -q -v ON_ERROR_STOP=1 "$url" -f "$dir/anchor-schema.sql" >/dev/null
  t0=$(now)
  psql -X -q -v ON_ERROR_STOP=1 "$url" -f "$dir/anchor-rows.sql" >/dev/null
  t1=$(now)
  [ "$(pgq "$url" "SELECT COUNT(*) FROM events")" = "$n_events" ] || fail "plain PostgreSQL: the event count"
  rate "$n_events" "$t0" "$t1"
}
import_into() {  # import_into CONFIG: prints "until_commit whole" in events/s
  local c=$1 t0 t1 log=${1%.properties}.import.log
  vc "$c" migrate >/dev/null 2>&1 || { vc "$c" migrate; fail "migrate"; }
  t0=$(now)
  vc "$c" import "$events" >"$log" 2>&1 || { cat "$log" >&2; fail "import"; }
  t1=$(now)
  local committed
  committed=$(sed -n 's/^import: committed [0-9]* events in \([0-9.]*\) s.*/\1/p' "$log" | tail -n 1)
  awk -v n="$n_events" -v c="$committed" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f %.0f\n", n / c, n / (b - a) }'
}
feed() {  # feed BATCH_DIR CONFIG TOKEN: posts every batch in order, as a feed would: a 503 (store_busy: "try again
  # in a moment") is tried again after 0.2 s, up to 50 times, and counted (a line in $dir/retries); any other non-2xx fails
  local f code tries
  for f in "$1"/*.json; do
    tries=0
    while :; do
      code=$(curl -sS -o "$f.answer" -w '%{http_code}' -H "Authorization: Bearer $3" -H 'Content-Type: application/json' \
        --data-binary "@$f" "http://127.0.0.1:$(portof "$2")/api/v1/events")
      [[ $code == 2?? ]] && break
      if [ "$code" = 503 ] && [ "$tries" -lt 50 ]; then
        tries=$((tries + 1))
        echo "$f" >>"$dir/retries"
        sleep 0.2
        continue
      fi
      cat "$f.answer" >&2
      say "POST $f: $code"
      return 1
    done
  done
}
check_events() {  # check_events LABEL COUNT
  [ "$2" = "$n_events" ] || fail "$1 holds $2 events, not $n_events"
}

for r in $(seq 1 "$runs"); do
  say "ingest run $r of $runs: anchors"
  add plain_sqlite "$r" "$(plain_sqlite)"
  add plain_pg "$r" "$(plain_pg "$r")"
  say "ingest run $r: import into SQLite"
  c=$(sqlite_cfg "import-sqlite-$r")
  read -r a b <<<"$(import_into "$c")"
  add import_sqlite_commit "$r" "$a"; add import_sqlite_whole "$r" "$b"
  check_events "SQLite after import" "$(sq "$dir/import-sqlite-$r.db" "SELECT COUNT(*) FROM events")"
  obl_sqlite=$(sq "$dir/import-sqlite-$r.db" "SELECT COUNT(*) FROM obligations")
  say "ingest run $r: import into PostgreSQL"
  c=$(pg_cfg "import-pg-$r" "$(newdb "vc_import_$r")")
  read -r a b <<<"$(import_into "$c")"
  add import_pg_commit "$r" "$a"; add import_pg_whole "$r" "$b"
  url=$(awk -F' = ' '$1 == "db.url" {print $2}' "$c")
  check_events "PostgreSQL after import" "$(pgq "$url" "SELECT COUNT(*) FROM events")"
  obl_pg=$(pgq "$url" "SELECT COUNT(*) FROM obligations")
  [ "$obl_pg" = "$obl_sqlite" ] || fail "obligations: PostgreSQL $obl_pg, SQLite $obl_sqlite"

  # The HTTP feed: one SQLite daemon, one PostgreSQL daemon, two PostgreSQL daemons.
  for mode in sqlite pg1 pg2; do
    say "ingest run $r: HTTP feed, $mode"
    case $mode in
      sqlite) c=$(sqlite_cfg "feed-sqlite-$r") ;;
      *) c=$(pg_cfg "feed-$mode-$r-a" "$(newdb "vc_feed_${mode}_$r")") ;;
    esac
    vc "$c" migrate >/dev/null 2>&1
    token=$(vc "$c" user add bench-feed --role ingest 2>/dev/null | tail -n 1)
    serve "$c"
    pids=("$served")
    if [ "$mode" = pg2 ]; then
      url=$(awk -F' = ' '$1 == "db.url" {print $2}' "$c")
      c2=$(pg_cfg "feed-$mode-$r-b" "$url")
      serve "$c2"
      pids+=("$served")
    fi
    idle "${pids[@]}"
    [ "$mode" = sqlite ] || pg_idle "$(awk -F' = ' '$1 == "db.url" {print $2}' "$c")"
    : >"$dir/retries"
    t0=$(now)
    if [ "$mode" = pg2 ]; then
      feed "$dir/batches-even" "$c" "$token" &
      f1=$!
      feed "$dir/batches-odd" "$c2" "$token" &
      f2=$!
      wait "$f1" || fail "the feed to the first daemon"
      wait "$f2" || fail "the feed to the second daemon"
    else
      feed "$dir/batches-all" "$c" "$token" || fail "the feed"
    fi
    t1=$(now)
    add "feed_$mode" "$r" "$(rate "$n_events" "$t0" "$t1")"
    add "feed_${mode}_503" "$r" "$(wc -l <"$dir/retries")"
    grep -h 'Error\]' "${c%.properties}.serve.log" ${c2:+"${c2%.properties}.serve.log"} | sed "s/^/  feed $mode run $r: /" >>"$dir/daemon-errors.log" || true
    c2=
    stop_daemons
    if [ "$mode" = sqlite ]; then
      check_events "SQLite after the feed" "$(sq "$dir/feed-sqlite-$r.db" "SELECT COUNT(*) FROM events")"
    else
      url=$(awk -F' = ' '$1 == "db.url" {print $2}' "$c")
      check_events "PostgreSQL after the feed ($mode)" "$(pgq "$url" "SELECT COUNT(*) FROM events")"
      o=$(pgq "$url" "SELECT COUNT(*) FROM obligations")
      [ "$o" = "$obl_sqlite" ] || fail "obligations after the feed ($mode): $o, the import into SQLite $obl_sqlite"
    fi
  done
done

# --- (2) reads ------------------------------------------------------------------------------------------------
# The stores of the last run's imports, each with a vlu user; the daemons' scheduler passes finished first.
wrk_run() {  # wrk_run PORT CONNS PATH TOKEN [LUA]: prints "req/s p99_ms requests non2xx"
  local threads=1 out
  [ "$2" -gt 1 ] && threads=2
  local args=(-t"$threads" -c"$2" -d"${secs}s" --latency -H "Authorization: Bearer $4")
  [ -n "${5:-}" ] && args+=(-s "$5")
  out=$(VC_VICTIMS=$victims wrk "${args[@]}" "http://127.0.0.1:$1$3")
  echo "$out" >>"$dir/wrk.log"
  awk -f "$(dirname "${BASH_SOURCE[0]}")/wrk_summary.awk" <<<"$out"
}
path_of() { case $1 in healthz) echo /healthz ;; victims) echo /api/v1/victims/x ;; letters) echo "/api/v1/letters?limit=50" ;; esac; }
lua_of() { [ "$1" = victims ] && echo bench/wrk_victims.lua || true; }
declare -A answered  # victim reads answered, per store
answered[sqlite]=0
answered[pg]=0
c_sqlite=$dir/import-sqlite-$runs.properties
c_pg=$dir/import-pg-$runs.properties
pg_url=$(awk -F' = ' '$1 == "db.url" {print $2}' "$c_pg")
victims=$(sq "$dir/import-sqlite-$runs.db" "SELECT COUNT(*) FROM victims")
[ "$(pgq "$pg_url" "SELECT COUNT(*) FROM victims")" = "$victims" ] || fail "victims differ between the stores"
letters_sqlite=$(sq "$dir/import-sqlite-$runs.db" "SELECT COUNT(*) FROM letters")
letters_pg=$(pgq "$pg_url" "SELECT COUNT(*) FROM letters")
tok_sqlite=$(vc "$c_sqlite" user add bench-vlu --role vlu 2>/dev/null | tail -n 1)
tok_pg=$(vc "$c_pg" user add bench-vlu --role vlu 2>/dev/null | tail -n 1)
c_pg2=$(pg_cfg "read-pg-b" "$pg_url")

# What PostgreSQL's sessions wait for, twice a second while the reads run (pg_activity.log): a stall shows there.
(while :; do
  psql -X -q -At "$pg_url" -c "SELECT clock_timestamp()::time(1), pid, state, wait_event_type, wait_event,
    round(extract(epoch FROM clock_timestamp() - xact_start)::numeric, 2), left(regexp_replace(query, '\s+', ' ', 'g'), 100)
    FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'" 2>&1 || true
  sleep 0.5
done) >"$dir/pg_activity.log" &
sampler=$!
for r in $(seq 1 "$runs"); do
  for mode in sqlite pg1 pg2; do
    say "reads run $r of $runs: $mode"
    case $mode in
      sqlite) serve "$c_sqlite"; pids=("$served"); ports=("$(portof "$c_sqlite")"); tok=$tok_sqlite; store=sqlite ;;
      pg1) serve "$c_pg"; pids=("$served"); ports=("$(portof "$c_pg")"); tok=$tok_pg; store=pg ;;
      pg2) serve "$c_pg"; pids=("$served"); serve "$c_pg2"; pids+=("$served")
        ports=("$(portof "$c_pg")" "$(portof "$c_pg2")"); tok=$tok_pg; store=pg ;;
    esac
    idle "${pids[@]}"
    [ "$store" = pg ] && pg_idle "$pg_url"
    # warm-up, untimed
    secs_saved=$secs; secs=1
    for p in "${ports[@]}"; do wrk_run "$p" 4 /api/v1/victims/x "$tok" bench/wrk_victims.lua >/dev/null; done
    secs=$secs_saved
    for what in healthz victims letters; do
      if [ "$mode" = pg2 ]; then
        wrk_run "${ports[0]}" 4 "$(path_of $what)" "$tok" "$(lua_of $what)" >"$dir/w0" &
        w0=$!
        wrk_run "${ports[1]}" 4 "$(path_of $what)" "$tok" "$(lua_of $what)" >"$dir/w1" &
        w1=$!
        wait "$w0" "$w1"
        read -r ra pa na ba <"$dir/w0"
        read -r rb pb nb bb <"$dir/w1"
        add "read_${mode}_${what}8_rps" "$r" "$(awk -v a="$ra" -v b="$rb" 'BEGIN { printf "%.0f", a + b }')"
        add "read_${mode}_${what}8_p99" "$r" "$pa / $pb"
        add "read_${mode}_${what}8_bad" "$r" "$((ba + bb))"
        [ "$what" = victims ] && answered[$store]=$((answered[$store] + na + nb))
        say "  $what, 2 x 4 connections: $ra + $rb req/s, p99 $pa / $pb ms"
      else
        for conns in 1 8; do
          read -r rr pp nn bb <<<"$(wrk_run "${ports[0]}" "$conns" "$(path_of $what)" "$tok" "$(lua_of $what)")"
          add "read_${mode}_${what}${conns}_rps" "$r" "$(awk -v a="$rr" 'BEGIN { printf "%.0f", a }')"
          add "read_${mode}_${what}${conns}_p99" "$r" "$pp"
          add "read_${mode}_${what}${conns}_bad" "$r" "$bb"
          [ "$what" = victims ] && answered[$store]=$((answered[$store] + nn))
          say "  $what, $conns connection(s): $rr req/s, p99 $pp ms"
        done
      fi
    done
    stop_daemons
  done
done

kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
sampler=

# --- checks -----------------------------------------------------------------------------------------------------
entries_sqlite=$(sq "$dir/import-sqlite-$runs.db" "SELECT COUNT(*) FROM audit_log WHERE action IN ('read_victim', 'read_victim_denied')")
verify_sqlite=$(vc "$c_sqlite" verify-audit --read-only 2>&1 | head -n 1) || fail "verify-audit on SQLite: $verify_sqlite"
verify_pg=$(vc "$c_pg" verify-audit 2>&1 | head -n 1) || fail "verify-audit on PostgreSQL: $verify_pg"
verify_pg2=$(vc "$c_pg2" verify-audit 2>&1 | head -n 1) || fail "verify-audit on PostgreSQL (the second daemon's checkpoint): $verify_pg2"
# Counted on the chain, after verify-audit has chained whatever the stopped daemons left waiting (none, if
# they stopped cleanly): an entry still in audit_pending is not counted.
entries_pg=$(pgq "$pg_url" "SELECT COUNT(*) FROM audit_log WHERE action IN ('read_victim', 'read_victim_denied')")
bad_total=0
for k in "${!fig[@]}"; do case $k in *_bad.*) bad_total=$((bad_total + fig[$k])) ;; esac; done

# --- report ---------------------------------------------------------------------------------------------------
list() {  # list ID: the runs' values, comma-separated
  local r out=""
  for r in $(seq 1 "$runs"); do out+="${out:+, }${fig[$1.$r]}"; done
  echo "$out"
}
median() {  # median ID (the middle run, or the mean of the two middle ones)
  local r
  for r in $(seq 1 "$runs"); do echo "${fig[$1.$r]}"; done | sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

echo
echo "victim-comms on PostgreSQL beside SQLite, $(date -u '+%Y-%m-%d %H:%M UTC'), $runs runs of each figure"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "PostgreSQL $pg_version on 127.0.0.1 (TCP, scram-sha-256): $pg_settings"
echo "store: $cases cases, $n_events events, $victims victims, letters $letters_sqlite (SQLite) / $letters_pg (PostgreSQL); wrk ${secs}s a run"
echo
printf '%-66s %-30s %9s\n' "ingest (events/s; each run's value)" "runs" "median"
printf '%.0s-' {1..108}; echo
row() { printf '%-66s %-30s %9s\n' "$1" "$(list "$2")" "$(median "$2")"; }
row "plain SQLite insert (anchor; rows/s)" plain_sqlite
row "plain PostgreSQL multi-row INSERT (anchor; rows/s)" plain_pg
row "import into SQLite, until its commit" import_sqlite_commit
row "import into SQLite, whole (its letters' words too)" import_sqlite_whole
row "import into PostgreSQL, until its commit" import_pg_commit
row "import into PostgreSQL, whole" import_pg_whole
row "HTTP feed, 1,000-event batches: one SQLite daemon" feed_sqlite
row "HTTP feed: one PostgreSQL daemon" feed_pg1
row "HTTP feed: two PostgreSQL daemons at once (cases split)" feed_pg2
printf '%-66s %-30s\n' "  503 store_busy answers, tried again: SQLite / one PG / two PG" "$(list feed_sqlite_503) / $(list feed_pg1_503) / $(list feed_pg2_503)"
echo
printf '%-66s %-30s %9s\n' "reads (req/s; p99 ms)" "runs" "median"
printf '%.0s-' {1..108}; echo
for what in healthz victims letters; do
  for mode in sqlite pg1; do
    for conns in 1 8; do
      row "$what, one $([ $mode = sqlite ] && echo SQLite || echo PostgreSQL) daemon, $conns conn: req/s" "read_${mode}_${what}${conns}_rps"
      printf '%-66s %-30s\n' "    p99 ms" "$(list "read_${mode}_${what}${conns}_p99")"
    done
  done
  row "$what, two PostgreSQL daemons, 4 + 4 conns: req/s summed" "read_pg2_${what}8_rps"
  printf '%-66s %-30s\n' "    p99 ms (first / second daemon)" "$(list "read_pg2_${what}8_p99")"
done
echo
echo "checks: every store holds $n_events events after each import and feed; obligations the same on both stores ($obl_sqlite)"
echo "victim reads answered: SQLite ${answered[sqlite]}, entries ${entries_sqlite}; PostgreSQL ${answered[pg]}, entries ${entries_pg}; non-2xx answers and socket errors (wrk's 2 s timeout included): $bad_total"
echo "errors the daemons logged during the feeds: $(wc -l <"$dir/daemon-errors.log") (in $dir/daemon-errors.log)"
sed 's/.*\[Error\] //' "$dir/daemon-errors.log" | sort | uniq -c | sort -rn | head -n 5
echo "verify-audit SQLite: $verify_sqlite"
echo "verify-audit PostgreSQL (first daemon's checkpoint): $verify_pg"
echo "verify-audit PostgreSQL (second daemon's checkpoint): $verify_pg2"
[ "${entries_sqlite}" -ge "${answered[sqlite]}" ] || fail "SQLite: FEWER audit entries than answered reads"
[ "${entries_pg}" -ge "${answered[pg]}" ] || fail "PostgreSQL: FEWER audit entries than answered reads"
[ "$bad_total" = 0 ] || say "WARNING: $bad_total requests were not answered 2xx within wrk's 2 s (see $dir/wrk.log, $dir/pg_activity.log)"

# For bench/run.sh's table (RESULT|id|label|value|unit|anchor|ratio): medians.
ps=$(median plain_sqlite) pp=$(median plain_pg)
res() { echo "RESULT|$1|$2|$3|$4|$5|$6"; }
res pg.plain "plain PostgreSQL INSERT, 1 tx / 1,000 rows (median of $runs)" "$pp" rows/s "plain SQLite $ps rows/s" "$(ratio "$pp" "$ps")"
for s in sqlite pg; do
  anchor=$([ $s = sqlite ] && echo "plain SQLite $ps rows/s" || echo "plain PostgreSQL $pp rows/s")
  a=$([ $s = sqlite ] && echo "$ps" || echo "$pp")
  v=$(median "import_${s}_commit")
  res "pg.import_$s" "import into $([ $s = sqlite ] && echo SQLite || echo PostgreSQL), until its commit" "$v" events/s "$anchor" "$(ratio "$v" "$a")"
done
res pg.import_ratio "import until its commit: PostgreSQL / SQLite" "$(median import_pg_commit)" events/s \
  "SQLite $(median import_sqlite_commit) events/s" "$(ratio "$(median import_pg_commit)" "$(median import_sqlite_commit)")"
res pg.feed_pg1 "HTTP feed, one PostgreSQL daemon" "$(median feed_pg1)" events/s "one SQLite daemon $(median feed_sqlite)" \
  "$(ratio "$(median feed_pg1)" "$(median feed_sqlite)")"
res pg.feed_pg2 "HTTP feed, two PostgreSQL daemons" "$(median feed_pg2)" events/s "one PostgreSQL daemon $(median feed_pg1)" \
  "$(ratio "$(median feed_pg2)" "$(median feed_pg1)")"
for what in victims letters; do
  v1=$(median "read_pg1_${what}8_rps") vs=$(median "read_sqlite_${what}8_rps") v2=$(median "read_pg2_${what}8_rps")
  res "pg.${what}8_pg1" "$what, 8 conns, one PostgreSQL daemon" "$v1" req/s "one SQLite daemon $vs req/s" "$(ratio "$v1" "$vs")"
  res "pg.${what}8_pg2" "$what, 4 + 4 conns, two PostgreSQL daemons" "$v2" req/s "one PostgreSQL daemon $v1 req/s" "$(ratio "$v2" "$v1")"
done
