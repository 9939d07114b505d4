#!/usr/bin/env bash
# Startup and memory with 100,000 keys (256-byte values) in a cluster of
# MEMBERS members (default 3) on loopback: load the keys, stop every member
# (SIGTERM), start them all again, time until a linearizable get answers on
# every member, and read each member's RSS after a full range.
#   compare_startup.sh etcd|etcfs ETCFSD FREE_PORT
set -euo pipefail
kind=$1; etcfsd=$(realpath "$2"); FP=$(realpath "$3"); members=${MEMBERS:-3}
w=$(mktemp -d /tmp/su-XXXX)
declare -a c p pid
spec=""
for i in $(seq 1 "$members"); do c[$i]=$($FP); p[$i]=$($FP); spec+="${spec:+,}m$i=http://127.0.0.1:${p[$i]}"; done
cleanup() { for x in "${pid[@]}"; do kill -9 "$x" 2>/dev/null || true; done; rm -rf "$w"; }
trap cleanup EXIT
start() {
  for i in $(seq 1 "$members"); do
    local args=(--name "m$i" --data-dir "$w/d$i" --listen-client-urls "http://127.0.0.1:${c[$i]}"
      --advertise-client-urls "http://127.0.0.1:${c[$i]}" --listen-peer-urls "http://127.0.0.1:${p[$i]}"
      --initial-advertise-peer-urls "http://127.0.0.1:${p[$i]}" --initial-cluster "$spec")
    if [ "$kind" = etcd ]; then etcd "${args[@]}" >>"$w/log$i" 2>&1 & else "$etcfsd" "${args[@]}" >>"$w/log$i" 2>&1 & fi
    pid[$i]=$!
  done
}
ready() {  # every member answers a linearizable get
  for i in $(seq 1 "$members"); do
    for _ in $(seq 1 1500); do
      ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:${c[$i]}" --command-timeout=1s get k000001 >/dev/null 2>&1 && break
      sleep 0.02
    done
  done
}
start; ready
v=$(head -c 256 /dev/zero | tr '\0' v)
for b in $(seq 0 "${BATCHES:-780}"); do
  { echo; for i in $(seq 0 127); do printf 'put k%06d %s\n' $((b*128+i)) "$v"; done; echo; echo; } |
    ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:${c[1]}" txn >/dev/null
done
n=$(ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:${c[1]}" get k --prefix --keys-only | grep -c k)
for i in $(seq 1 "$members"); do kill -TERM "${pid[$i]}"; done
for i in $(seq 1 "$members"); do wait "${pid[$i]}" || true; done
t0=$(date +%s.%N); start; ready; t1=$(date +%s.%N)
rss=""
for i in $(seq 1 "$members"); do
  ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:${c[$i]}" get k --prefix --keys-only --consistency=s >/dev/null
  rss+="${rss:+ / }$(( $(awk '/VmRSS/{print $2}' "/proc/${pid[$i]}/status") / 1024 ))"
done
echo "$kind, $members members: $n keys; restart to a linearizable read on every member $(echo "$t1 - $t0" | bc) s;" \
  "RSS after a full range ${rss} MB; data dir $(du -sm "$w/d1" | cut -f1) MB per member"
