#!/usr/bin/env bash
# One etcfsd member with its mount: WRITES files of 1 MB written through the
# mount (onto 40 names, so that auto-compaction keeps the store small), then
# kill -9 and a restart. Prints what the writes left on disk, the member's
# peak RSS while writing, the time from the restart to a linearizable read,
# the peak RSS of the restarted member and how many entries it replayed: the
# log a restart replays stays bounded by --snapshot-bytes, not by the bytes
# ever written.
#   restart_after_files.sh ETCFSD FREE_PORT [WRITES]   (WRITES: 1200)
set -euo pipefail
etcfsd=$(realpath "$1"); FP=$(realpath "$2"); writes=${3:-1200}
command -v etcdctl >/dev/null || { echo "restart_after_files.sh needs etcdctl: run 'make deps' as root" >&2; exit 1; }
w=$(mktemp -d /tmp/restart-XXXX); c=$($FP); p=$($FP); pid=""
mkdir -p "$w/mnt"
start() {
  "$etcfsd" --name m1 --data-dir "$w/d" --listen-client-urls "http://127.0.0.1:$c" \
    --advertise-client-urls "http://127.0.0.1:$c" --listen-peer-urls "http://127.0.0.1:$p" \
    --initial-cluster "m1=http://127.0.0.1:$p" --mount "$w/mnt" \
    --auto-compaction-mode revision --auto-compaction-retention 200 >>"$w/log" 2>&1 &
  pid=$!
}
cleanup() {
  set +e
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  wait 2>/dev/null
  umount -l "$w/mnt" 2>/dev/null  # a dead FUSE mount fails mountpoint(1)
  rm -rf "$w"
}
trap cleanup EXIT
ready() {  # a linearizable read answers (and the mount is there, when asked)
  for _ in $(seq 1 6000); do
    if ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$c" --command-timeout=1s get /ready >/dev/null 2>&1; then
      [ "${1:-}" != mount ] || mountpoint -q "$w/mnt" && return 0
    fi
    sleep 0.01
  done
  echo "the member did not answer; its log: $w/log" >&2; exit 1
}
peak_mb() { awk '/VmHWM/{printf "%d", $2 / 1024}' "/proc/$pid/status"; }

start; ready mount
head -c 1000000 /dev/urandom >"$w/blob"
t0=$(date +%s.%N)
for i in $(seq 1 "$writes"); do cp "$w/blob" "$w/mnt/f$((i % 40))"; done
echo "wrote $writes MB through the mount in $(echo "$(date +%s.%N) - $t0" | bc) s;" \
  "data directory $(du -sm "$w/d" | cut -f1) MB; peak RSS while writing $(peak_mb) MB"
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
umount -l "$w/mnt" 2>/dev/null || true
t0=$(date +%s.%N); start; ready
echo "restart to a linearizable read: $(echo "$(date +%s.%N) - $t0" | bc) s; peak RSS $(peak_mb) MB;" \
  "$(grep -o 'restarts at .*' "$w/log" | tail -1)"
