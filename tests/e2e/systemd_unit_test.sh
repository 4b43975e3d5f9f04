#!/usr/bin/env bash
# The systemd unit and the files beside it (config/systemd/, docs/deployment.md "Running it as a service"):
#  1. the unit has every directive an operator relies on, with its value (and systemd-analyze verify finds
#     nothing wrong with it);
#  2. its users and directories (victim-comms.sysusers, victim-comms.tmpfiles) are made, under a scratch root,
#     by systemd-sysusers and systemd-tmpfiles themselves;
#  3. the real executable, run as the unit runs it (its user, its UMask, with the kernel refusing memory that is
#     writable and executable, as MemoryDenyWriteExecute does) on the shipped victim-comms.properties with its
#     install paths moved under that root, migrates, imports the demo, serves, and stops cleanly on SIGTERM;
#  4. everything it wrote is under the unit's ReadWritePaths (ProtectSystem=strict makes the rest read-only),
#     and every ReadWritePaths directory is one the configuration writes into.
# Usage: systemd_unit_test.sh PATH/TO/victim-comms SOURCE_DIR
set -euo pipefail
exe=$(readlink -f "$1")
src=$(readlink -f "$2")
unit=$src/config/systemd/victim-comms.service
props=$src/config/systemd/victim-comms.properties
fail() { echo "FAIL: $*" >&2; exit 1; }
check() { echo "ok: $*"; }
tmp=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# --- 1. the unit's directives -----------------------------------------------------------------------------
# DIRECTIVE=VALUE lines of [Service] (comments and blank lines left out), one per line as written.
service=$(awk '/^\[/{s=($0=="[Service]")} s && /^[A-Za-z]/' "$unit")
# value KEY: the value of the last KEY= line (systemd's rule for these single-valued keys); fails when absent.
value() {
  grep -q "^$1=" <<<"$service" || fail "$unit has no $1="
  grep "^$1=" <<<"$service" | tail -n 1 | cut -d= -f2-
}
want() { [ "$(value "$1")" = "$2" ] || fail "$1=$(value "$1"), wanted $1=$2"; }
want Type simple
want User victim-comms
want Group victim-comms
want ExecStart "/usr/local/bin/victim-comms serve --config /etc/victim-comms/victim-comms.properties"
want Restart on-failure
want StandardOutput journal
want StandardError journal
want ProtectSystem strict
want ProtectHome yes
want PrivateTmp yes
want PrivateDevices yes
want NoNewPrivileges yes
want CapabilityBoundingSet ""
want ProtectKernelTunables yes
want ProtectKernelModules yes
want ProtectKernelLogs yes
want ProtectControlGroups yes
want RestrictAddressFamilies "AF_INET AF_INET6 AF_UNIX"
want LockPersonality yes
want MemoryDenyWriteExecute yes
want RestartForceExitStatus SIGHUP
want ExecReload '/bin/kill -HUP $MAINPID'
want UMask 0027
want RestartSec 10s
want TimeoutStopSec 120
want ProtectClock yes
want ProtectHostname yes
want ProtectProc invisible
want RestrictNamespaces yes
want RestrictRealtime yes
want RestrictSUIDSGID yes
want RemoveIPC yes
want SystemCallArchitectures native
want SystemCallFilter @system-service
want AmbientCapabilities ""
want LimitNOFILE 8192
want ReadWritePaths "/var/lib/victim-comms /var/spool/victim-comms /var/backups/victim-comms"
# [Unit]: restarts never run out while the store is down.
grep -qx 'StartLimitIntervalSec=0' <<<"$(awk '/^\[/{s=($0=="[Unit]")} s' "$unit")" || fail "[Unit] has no StartLimitIntervalSec=0"
grep -q -- "--daemon\|--pidfile" <<<"$(value ExecStart)" && fail "ExecStart detaches: systemd does that"
read -r -a rw_paths <<<"$(grep '^ReadWritePaths=' <<<"$service" | cut -d= -f2- | tr '\n' ' ')"
[ "${#rw_paths[@]}" -gt 0 ] || fail "no ReadWritePaths"
check "the unit runs serve in the foreground as victim-comms, restarts on failure, logs to the journal, and is hardened"

for tool in systemd-analyze systemd-sysusers systemd-tmpfiles; do
  command -v "$tool" >/dev/null || fail "no $tool here: bash scripts/setup.sh --tests installs systemd's tools"
done
# verify checks the unit as systemd would load it (unknown keys, keys in the wrong section, bad values,
# an ExecStart that cannot run): the real executable stands in for /usr/local/bin/victim-comms.
mkdir "$tmp/unit"
sed "s#^ExecStart=/usr/local/bin/victim-comms #ExecStart=$exe #" "$unit" > "$tmp/unit/victim-comms.service"
out=$(systemd-analyze verify "$tmp/unit/victim-comms.service" 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify: $out"
check "systemd-analyze verify finds nothing wrong with the unit"
# The rest runs the daemon as the unit's user: only root can switch to it (CTest counts exit 77 as skipped).
if [ "$(id -u)" != 0 ]; then
  echo "skipped: running the daemon as the unit's user needs root"
  exit 77
fi

# --- 2. users and directories, under a scratch root ---------------------------------------------------------
root=$tmp/root
mkdir -p "$root/etc"
chmod 755 "$tmp" "$root"  # the daemon's user must reach what is under it
systemd-sysusers --root="$root" "$src/config/systemd/victim-comms.sysusers" >/dev/null 2>&1 ||
  fail "systemd-sysusers could not make the users of victim-comms.sysusers"
uid=$(awk -F: '$1=="victim-comms"{print $3}' "$root/etc/passwd")
gid=$(awk -F: '$1=="victim-comms"{print $4}' "$root/etc/passwd")
print_gid=$(awk -F: '$1=="victim-comms-print"{print $3}' "$root/etc/group")
[ -n "$uid" ] && [ -n "$gid" ] && [ -n "$print_gid" ] || fail "no victim-comms user or victim-comms-print group"
[ "$(awk -F: '$1=="victim-comms"{print $6}' "$root/etc/passwd")" = /var/lib/victim-comms ] ||
  fail "the user's home is not /var/lib/victim-comms (libpq looks for ~/.pgpass there; ProtectHome hides /home)"
systemd-tmpfiles --root="$root" --create "$src/config/systemd/victim-comms.tmpfiles" ||
  fail "systemd-tmpfiles could not make the directories of victim-comms.tmpfiles"
mode() { stat -c '%a %u %g' "$root$1"; }
[ "$(mode /var/lib/victim-comms)" = "750 $uid $gid" ] || fail "/var/lib/victim-comms is $(mode /var/lib/victim-comms)"
[ "$(mode /var/lib/victim-comms/keys)" = "700 $uid $gid" ] || fail "keys/ is $(mode /var/lib/victim-comms/keys)"
[ "$(mode /var/spool/victim-comms)" = "2770 $uid $print_gid" ] || fail "the spool is $(mode /var/spool/victim-comms)"
[ "$(mode /etc/victim-comms)" = "750 0 $gid" ] || fail "/etc/victim-comms is $(mode /etc/victim-comms)"
check "systemd-sysusers and systemd-tmpfiles make the user, the print room's group and the directories with their modes"

# Every ReadWritePaths directory is one tmpfiles makes (ProtectSystem=strict fails the start on a missing one).
for p in "${rw_paths[@]}"; do
  [ -d "$root$p" ] || fail "ReadWritePaths=$p is not made by victim-comms.tmpfiles"
done

# --- 3. installed as docs/deployment.md says, under the root ---------------------------------------------------
# Every path the shipped configuration names is under one of the install's five places.
grep -E '^[a-z_.]+ *= *(sqlite:)?/' "$props" | grep -vE '= *(sqlite:)?(/etc/victim-comms|/var/lib/victim-comms|/var/spool/victim-comms|/var/backups/victim-comms|/usr/local/share/victim-comms)(/| *$)' &&
  fail "victim-comms.properties names a path outside the install's places (above)"
grep -qE '^db\.url *= *sqlite:/' "$props" || fail "victim-comms.properties does not name its SQLite store"
install -D -m 755 "$exe" "$root/usr/local/bin/victim-comms"
install -d "$root/usr/local/share/victim-comms"
(cd "$src" && cp -RL config docs letter_templates web "$root/usr/local/share/victim-comms/")
chmod -R go+rX "$root/usr/local"
sed -e "s#^\([a-z_.]* *= *\)/#\1$root/#" -e "s#^\([a-z_.]* *= *sqlite:\)/#\1$root/#" "$props" \
  > "$root/etc/victim-comms/victim-comms.properties"
chmod 640 "$root/etc/victim-comms/victim-comms.properties"
chgrp "$gid" "$root/etc/victim-comms/victim-comms.properties"
cfg=(--config "$root/etc/victim-comms/victim-comms.properties")
exe=$root/usr/local/bin/victim-comms

# As the unit runs it: its user and group, no others, no new privileges, its UMask; and (a kernel from 6.3 on)
# PR_SET_MDWE, the kernel's refusal of memory made writable and executable, which MemoryDenyWriteExecute asks of
# seccomp: a library that needs it (a JIT) fails here as it would under the unit.
umask_value=$(value UMask)
as_unit() {
  exec /usr/bin/python3 - "$@" <<'EOF'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
    sys.stderr.write("note: this kernel has no PR_SET_MDWE: run without it\n")
os.execv(sys.argv[1], sys.argv[1:])
EOF
}
run_as() { as_unit /usr/bin/setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs \
  /bin/sh -c "umask $umask_value && exec \"\$@\"" sh "$exe" "$@"; }
touch "$tmp/before"
sleep 1  # file times have a second's grain on some file systems
cd /
out=$(run_as migrate "${cfg[@]}" 2>&1) || fail "migrate with the shipped configuration: $out"
grep -q "at version" <<<"$out" || fail "migrate said: $out"
out=$(run_as demo "${cfg[@]}" 2>&1) || fail "demo with the shipped configuration: $out"
check "migrate and demo work on the shipped configuration, as the unit's user, with its UMask, under W^X"

: >"$tmp/serve.log"  # there before the loop below reads it (the background job opens it in its own time)
run_as serve "${cfg[@]}" --port 0 >"$tmp/serve.log" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's#.*listening on http://127.0.0.1:\([0-9]*\)/.*#\1#p' "$tmp/serve.log")
  [ -n "$port" ] && break
  kill -0 "$pid" 2>/dev/null || fail "serve stopped: $(cat "$tmp/serve.log")"
  sleep 0.1
done
[ -n "$port" ] || fail "serve did not start: $(cat "$tmp/serve.log")"
curl -sf "http://127.0.0.1:$port/healthz" | grep -q '"ok"' || fail "/healthz"
curl -sf -o /dev/null "http://127.0.0.1:$port/login" || fail "the sign-in page"
kill -TERM "$pid"
set +e; wait "$pid"; rc=$?; set -e
pid=""
[ "$rc" = 0 ] || fail "serve exit $rc on SIGTERM: $(cat "$tmp/serve.log")"
grep -q "stopped" "$tmp/serve.log" || fail "serve did not stop cleanly: $(cat "$tmp/serve.log")"
ls "$root"/var/backups/victim-comms/victim-comms-*Z.db.manifest.json >/dev/null 2>&1 ||
  fail "no scheduled backup in backup.dir: $(cat "$tmp/serve.log")"
check "serve starts on it, answers, and stops cleanly on SIGTERM (exit 0)"

# --- 4. what it wrote --------------------------------------------------------------------------------------
lib=$root/var/lib/victim-comms
for f in victim-comms.db audit-checkpoint keys/audit.key keys/retention.key; do
  [ -f "$lib/$f" ] || fail "no $lib/$f"
done
[ "$(stat -c %a "$lib/keys/audit.key")" = 600 ] && [ "$(stat -c %a "$lib/keys/retention.key")" = 600 ] ||
  fail "the keys are not mode 0600"
[ "$(stat -c %a "$lib/victim-comms.db")" = 640 ] && [ "$(stat -c %u "$lib/victim-comms.db")" = "$uid" ] ||
  fail "the store is $(stat -c '%a %u' "$lib/victim-comms.db"): the unit's UMask not applied"
# Everything written since the start anywhere under the root must be under a ReadWritePaths directory:
# ProtectSystem=strict would refuse any other write.
written=$(find "$root" -newer "$tmp/before" ! -type d | sort)
[ -n "$written" ] || fail "nothing was written"
while read -r f; do
  inside=""
  for p in "${rw_paths[@]}"; do [[ "$f" == "$root$p"/* ]] && inside=$p; done
  [ -n "$inside" ] || fail "wrote $f, outside ReadWritePaths (${rw_paths[*]})"
done <<<"$written"
# And each ReadWritePaths directory is one the configuration writes into (no more than it needs).
for p in "${rw_paths[@]}"; do
  grep -qE "^[a-z_.]+ *= *(sqlite:)?$p(/| *\$)" "$props" || fail "ReadWritePaths=$p: no setting of victim-comms.properties is there"
done
check "everything the daemon wrote is under ReadWritePaths (${rw_paths[*]}), and each is a place the configuration names"
