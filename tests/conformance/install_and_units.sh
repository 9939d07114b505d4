#!/usr/bin/env bash
# make install's layout (into a DESTDIR), the systemd unit, the sample
# configuration, and Type=notify readiness: etcfsd started from the sample
# file (data and mount moved into a scratch directory) tells NOTIFY_SOCKET
# READY=1 once it serves clients, with its mount up.
#   install_and_units.sh BUILD_DIR ETCFSD
set -euo pipefail
build=$(realpath "$1"); etcfsd=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
etcfsd_pid=""
work=$(mktemp -d /tmp/etcfs-install-XXXXXX)
cleanup() {
  [ -n "$etcfsd_pid" ] && { kill "$etcfsd_pid" 2>/dev/null; wait "$etcfsd_pid" 2>/dev/null || true; }
  mountpoint -q "$work/mnt" && umount -l "$work/mnt"
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR="$work/dest" cmake --install "$build" --prefix /usr/local >"$work/install.log" ||
  fail "cmake --install: $(tail -5 "$work/install.log")"
for f in bin/etcfsd bin/etcfsctl sbin/mount.etcfs lib/systemd/system/etcfsd.service etc/etcfs/etcfsd.conf.yml \
         share/man/man1/etcfsctl.1 share/man/man5/etcfs.5 share/man/man8/etcfsd.8 share/man/man8/mount.etcfs.8; do
  [ -e "$work/dest/usr/local/$f" ] || fail "make install did not install $f"
done
unit="$work/dest/usr/local/lib/systemd/system/etcfsd.service"
grep -qx "Type=notify" "$unit" || fail "the unit is not Type=notify"
grep -qx "ExecStart=/usr/local/bin/etcfsd --config-file /usr/local/etc/etcfs/etcfsd.conf.yml" "$unit" ||
  fail "the unit's ExecStart: $(grep ExecStart "$unit")"
if command -v systemd-analyze >/dev/null; then
  # The unit's syntax; the binary it names is installed in DESTDIR, not at its path.
  problems=$(systemd-analyze verify --man=no "$unit" 2>&1 | grep -v "is not executable" || true)
  [ -z "$problems" ] || fail "systemd-analyze verify: $problems"
fi

# The sample config, as shipped, with only the places moved (command line wins).
ports=()
for _ in 1 2; do ports+=("$("${FREE_PORT:?set FREE_PORT to the free_port helper (ctest does)}")"); done
python3 - "$work/notify.sock" >"$work/notify.log" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
while True:
    msg = s.recv(4096).decode()
    print(msg, flush=True)
    if "READY=1" in msg:
        break
PY
listener=$!
for _ in $(seq 1 50); do [ -S "$work/notify.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET="$work/notify.sock" "$etcfsd" --config-file "$here/../../server/etcfsd.conf.yml" \
  --data-dir "$work/data" --mount "$work/mnt" \
  --listen-client-urls "http://127.0.0.1:${ports[0]}" --advertise-client-urls "http://127.0.0.1:${ports[0]}" \
  --listen-peer-urls "http://127.0.0.1:${ports[1]}" --initial-advertise-peer-urls "http://127.0.0.1:${ports[1]}" \
  --initial-cluster "default=http://127.0.0.1:${ports[1]}" >"$work/etcfsd.log" 2>&1 &
etcfsd_pid=$!
wait "$listener" || fail "no READY=1 on NOTIFY_SOCKET: $(cat "$work/notify.log"); $(tail -5 "$work/etcfsd.log")"
grep -q "READY=1" "$work/notify.log" || fail "etcfsd did not say READY=1"
# Ready means serving, with the mount (created by etcfsd) up.
mountpoint -q "$work/mnt" || fail "READY=1 came before the mount"
ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:${ports[0]}" --command-timeout=2s put /from-sample ok >/dev/null ||
  fail "READY=1 came before clients were served"
[ "$(cat "$work/mnt/from-sample")" = ok ] || fail "the mount does not show the key"
grep -q "ignoring" "$work/etcfsd.log" && fail "etcfsd ignored settings of the sample config: $(grep ignoring "$work/etcfsd.log")"
kill "$etcfsd_pid"; wait "$etcfsd_pid" || true; etcfsd_pid=""
mountpoint -q "$work/mnt" && fail "SIGTERM left the mount behind"
echo "PASS: make install layout (binaries, unit, sample config), Type=notify unit, READY=1 once serving and mounted"
