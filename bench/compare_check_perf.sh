#!/usr/bin/env bash
# Side by side, in one run: three etcd 3.4 members and three etcfsd members on
# loopback (same flags, fdatasync on), each given `etcdctl check perf --load=L`.
#   compare_check_perf.sh ETCFSD FREE_PORT_HELPER [s|m|l]
set -euo pipefail
etcfsd=$(realpath "$1"); free_port=$(realpath "$2"); load=${3:-s}
work=$(mktemp -d /tmp/etcfs-perf-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

cluster() {  # kind -> starts 3 members, sets $eps (no subshell: cleanup must see the pids)
  local kind=$1 spec="" i
  eps=""
  declare -A c p
  for i in 1 2 3; do c[$i]=$("$free_port"); p[$i]=$("$free_port"); spec+="${spec:+,}m$i=http://127.0.0.1:${p[$i]}"; done
  for i in 1 2 3; do
    local args=(--name "m$i" --data-dir "$work/$kind$i" --listen-client-urls "http://127.0.0.1:${c[$i]}"
      --advertise-client-urls "http://127.0.0.1:${c[$i]}" --listen-peer-urls "http://127.0.0.1:${p[$i]}"
      --initial-advertise-peer-urls "http://127.0.0.1:${p[$i]}" --initial-cluster "$spec")
    if [ "$kind" = etcd ]; then etcd "${args[@]}" >"$work/$kind$i.log" 2>&1 & else "$etcfsd" "${args[@]}" >"$work/$kind$i.log" 2>&1 & fi
    pids+=($!)
    eps+="${eps:+,}127.0.0.1:${c[$i]}"
  done
  for _ in $(seq 1 100); do ETCDCTL_API=3 etcdctl --endpoints "$eps" get x >/dev/null 2>&1 && break; sleep 0.1; done
}
for kind in etcd etcfs; do
  cluster $kind
  echo "== $kind: etcdctl check perf --load=$load"
  { ETCDCTL_API=3 etcdctl --endpoints "$eps" check perf --load="$load" 2>&1 || true; } | tr '\r' '\n' | grep -vE '^ *[0-9]+ / [0-9]+|^$' | tail -6
  # Stop this cluster before measuring the next one.
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
done
