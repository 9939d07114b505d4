#!/usr/bin/env bash
# make cluster: three etcfsd members on loopback (clients on 127.0.0.1:2379,
# 22379, 32379), data in ./cluster.etcfs/, each mounted on ./mnt1, ./mnt2,
# ./mnt3. Ctrl-C stops them all and unmounts.
#   cluster.sh ETCFSD
set -euo pipefail
etcfsd=$(realpath "$1")
data=cluster.etcfs
clients=(2379 22379 32379) peers=(2380 22380 32380)
initial=""
for i in 1 2 3; do initial+="${initial:+,}m$i=http://127.0.0.1:${peers[$((i - 1))]}"; done
pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "stopping the members (each unmounts its ./mnt first)..."
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  echo "stopped; the data stays in ./$data (rm -rf ./$data for a fresh cluster)"
}
trap stop INT TERM EXIT
mkdir -p "$data"
for i in 1 2 3; do
  "$etcfsd" --name "m$i" --data-dir "$data/m$i" \
    --listen-client-urls "http://127.0.0.1:${clients[$((i - 1))]}" \
    --advertise-client-urls "http://127.0.0.1:${clients[$((i - 1))]}" \
    --listen-peer-urls "http://127.0.0.1:${peers[$((i - 1))]}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${peers[$((i - 1))]}" \
    --initial-cluster "$initial" --mount "$PWD/mnt$i" --log-level warn > >(sed -u "s/^/[m$i] /") 2>&1 &
  pids+=($!)
done
eps=127.0.0.1:2379,127.0.0.1:22379,127.0.0.1:32379
printf "starting 3 members"
for _ in $(seq 1 100); do
  ETCDCTL_API=3 etcdctl --endpoints "$eps" --command-timeout=1s endpoint health >/dev/null 2>&1 &&
    mountpoint -q mnt1 && mountpoint -q mnt2 && mountpoint -q mnt3 && break
  printf "."
  sleep 0.2
done
echo
cat <<TOUR
A 3-member etcfs cluster: clients on $eps, each member's keys on ./mnt1, ./mnt2, ./mnt3.
In another terminal, try:
  echo 'listen 8080' > mnt1/app.conf; cat mnt2/app.conf     # written on one node, read on another
  inotifywait -m mnt3 &  etcdctl put /app.conf reloaded     # a change anywhere raises inotify everywhere
  etcdctl --endpoints $eps -w table endpoint status
  kill -STOP <a member's pid>   # the others keep the quorum; its mount keeps serving reads
Ctrl-C stops the cluster.
TOUR
wait
