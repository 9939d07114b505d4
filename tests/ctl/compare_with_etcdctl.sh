#!/usr/bin/env bash
# Runs a command script through etcdctl and through etcfsctl, against Debian's
# etcd 3.4 and against etcfsd (a fresh single-member cluster for each run, on
# loopback, so that revisions match), and compares: etcfsctl must print what
# etcdctl prints, on both servers.
#   compare_with_etcdctl.sh ETCFSD ETCFSCTL SCRIPT
set -euo pipefail
etcfsd=$(realpath "$1"); etcfsctl=$(realpath "$2"); script=$(realpath "$3")
source "$(dirname "$(realpath "$0")")/../support/scratch.sh"
scratch ctl
command -v etcd >/dev/null && command -v etcdctl >/dev/null ||
  { echo "etcd and etcdctl are not installed (make deps installs etcd-server, etcd-client)" >&2; exit 1; }

# start SERVER NAME: a fresh single-member cluster; sets $ep.
start() {
  local server=$1 name=$2 cp pp
  cp=$(free_port); pp=$(free_port)
  local bin=etcd
  [ "$server" = etcfsd ] && bin=$etcfsd
  "$bin" --name "$name" --data-dir "$work/$name" --listen-client-urls "http://127.0.0.1:$cp" \
    --advertise-client-urls "http://127.0.0.1:$cp" --listen-peer-urls "http://127.0.0.1:$pp" \
    --initial-advertise-peer-urls "http://127.0.0.1:$pp" --initial-cluster "$name=http://127.0.0.1:$pp" \
    >"$work/$name.log" 2>&1 &
  pids+=($!)
  ep="127.0.0.1:$cp"
  for _ in $(seq 1 100); do
    ETCDCTL_API=3 etcdctl --endpoints "$ep" --command-timeout=1s get __ready__ >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "$server did not start: $(tail -n 5 "$work/$name.log")" >&2
  exit 1
}

status=0
for server in etcd etcfsd; do
  start "$server" "$server-a"
  "$script" etcdctl "$ep" >"$work/etcdctl-$server.out"
  start "$server" "$server-b"
  "$script" "$etcfsctl" "$ep" >"$work/etcfsctl-$server.out"
  if ! diff -u "$work/etcdctl-$server.out" "$work/etcfsctl-$server.out"; then
    echo "FAIL: against $server, etcfsctl's output differs from etcdctl's (- etcdctl, + etcfsctl)" >&2
    status=1
  fi
done
[ $status = 0 ] || exit 1
echo "PASS: $(basename "$script"): $(grep -c '^\$ ' "$work/etcdctl-etcd.out") commands, etcfsctl's output identical to" \
  "etcdctl's against etcd and against etcfsd"
