#!/usr/bin/env bash
# Runs a conformance script against a 3-member cluster of Debian's etcd 3.4
# and a 3-member etcfsd cluster, both on loopback with the same flags, and
# compares the outputs.
#   compare_cluster_with_etcd.sh ETCFSD SCRIPT
# The script is called as SCRIPT ENDPOINTS SPARE_PEER_URL SPARE_PEER_URL2
# (endpoints comma-separated; spare URLs for members it adds). Cleans up its
# servers and directories even when it fails.
set -euo pipefail
etcfsd=$(realpath "$1")
script=$(realpath "$2")
source "$(dirname "$(realpath "$0")")/../support/scratch.sh"
scratch cluster-conformance
command -v etcd >/dev/null || { echo "etcd is not installed (make deps installs etcd-server)" >&2; exit 1; }

# start_cluster KIND BINARY: three members; sets $eps to their client
# endpoints. Not run in a subshell, so that cleanup sees every pid.
start_cluster() {
  local kind=$1 bin=$2 cluster=""
  eps=""
  local -a cp pp
  for i in 1 2 3; do
    cp[$i]=$(free_port); pp[$i]=$(free_port)
    cluster+="${cluster:+,}n$i=http://127.0.0.1:${pp[$i]}"
    eps+="${eps:+,}127.0.0.1:${cp[$i]}"
  done
  for i in 1 2 3; do
    (cd "$work" && exec "$bin" --name "n$i" --data-dir "$work/$kind-n$i" \
      --listen-client-urls "http://127.0.0.1:${cp[$i]}" --advertise-client-urls "http://127.0.0.1:${cp[$i]}" \
      --listen-peer-urls "http://127.0.0.1:${pp[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${pp[$i]}" \
      --initial-cluster "$cluster" --initial-cluster-token "$kind-token" >"$work/$kind-n$i.log" 2>&1) &
    pids+=($!)
  done
}
wait_ready() {  # endpoints
  for ep in ${1//,/ }; do
    for _ in $(seq 1 150); do
      ETCDCTL_API=3 etcdctl --endpoints "$ep" --command-timeout=1s get __ready__ >/dev/null 2>&1 && break
      sleep 0.1
    done
  done
}

start_cluster etcd etcd
etcd_eps=$eps
start_cluster etcfs "$etcfsd"
etcfs_eps=$eps
wait_ready "$etcd_eps"
wait_ready "$etcfs_eps"
"$script" "$etcd_eps" "http://127.0.0.1:$(free_port)" "http://127.0.0.1:$(free_port)" >"$work/etcd.out" 2>&1 || true
"$script" "$etcfs_eps" "http://127.0.0.1:$(free_port)" "http://127.0.0.1:$(free_port)" >"$work/etcfs.out" 2>&1 || true
[ -n "${ETCFS_SHOW:-}" ] && cat "$work/etcfs.out"
if ! diff -u "$work/etcd.out" "$work/etcfs.out"; then
  echo "FAIL: etcfsd's answers differ from etcd's (- etcd, + etcfsd); etcfsd logs:" >&2
  tail -n 8 "$work"/etcfs-n*.log >&2
  exit 1
fi
echo "cluster conformance $(basename "$script"): $(grep -c '^\$ ' "$work/etcd.out") etcdctl commands on 3 members," \
  "outputs identical to etcd $(etcd --version | head -1 | awk '{print $3}')"
