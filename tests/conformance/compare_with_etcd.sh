#!/usr/bin/env bash
# Runs a conformance script against Debian's etcd 3.4 and against etcfsd, each
# a fresh single-member cluster on loopback, and compares the outputs.
#   compare_with_etcd.sh ETCFSD SCRIPT [FLAG...]
# FLAGs (e.g. --quota-backend-bytes=4194304) are given to both servers.
# Cleans up its servers and directories even when it fails.
set -euo pipefail
etcfsd=$(realpath "$1")
script=$(realpath "$2")
shift 2
flags=("$@")
source "$(dirname "$(realpath "$0")")/../support/scratch.sh"
scratch conformance
wait_ready() {  # endpoint
  for _ in $(seq 1 100); do
    # A linearizable read: answered once there is a leader, and it takes no revision.
    ETCDCTL_API=3 etcdctl --endpoints "$1" --command-timeout=1s get __ready__ >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server at $1 did not become ready; its log:" >&2
  for f in "$work"/*.log; do echo "== $f" >&2; tail -n 5 "$f" >&2; done
  return 1
}

command -v etcd >/dev/null || { echo "etcd is not installed (make deps installs etcd-server)" >&2; exit 1; }
cp=$(free_port); pp=$(free_port)
etcd --name ref --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$cp" \
  --advertise-client-urls "http://127.0.0.1:$cp" --listen-peer-urls "http://127.0.0.1:$pp" \
  --initial-advertise-peer-urls "http://127.0.0.1:$pp" --initial-cluster "ref=http://127.0.0.1:$pp" \
  "${flags[@]}" >"$work/etcd.log" 2>&1 &
pids+=($!)
fp=$(free_port); fpp=$(free_port)
(cd "$work" && exec "$etcfsd" --name ours --data-dir "$work/etcfs" --listen-client-urls "http://127.0.0.1:$fp" \
  --listen-peer-urls "http://127.0.0.1:$fpp" --initial-advertise-peer-urls "http://127.0.0.1:$fpp" \
  --initial-cluster "ours=http://127.0.0.1:$fpp" "${flags[@]}" >"$work/etcfsd.log" 2>&1) &
pids+=($!)
wait_ready "127.0.0.1:$cp"
wait_ready "127.0.0.1:$fp"

# A script's exit status is that of its last command; the outputs are what count.
"$script" "127.0.0.1:$cp" >"$work/etcd.out" || true
"$script" "127.0.0.1:$fp" >"$work/etcfs.out" || true
[ -n "${ETCFS_SHOW:-}" ] && cat "$work/etcfs.out"
if ! diff -u "$work/etcd.out" "$work/etcfs.out"; then
  echo "FAIL: etcfsd's answers differ from etcd's (- etcd, + etcfsd); etcfsd log:" >&2
  tail -20 "$work/etcfsd.log" >&2
  exit 1
fi
echo "conformance $(basename "$script"): $(grep -c '^\$ ' "$work/etcd.out") etcdctl commands, outputs identical to etcd $(etcd --version | head -1 | awk '{print $3}')"
