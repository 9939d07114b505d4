#!/usr/bin/env bash
# Startup and memory with 100,000 keys (256-byte values) in one member: load
# them, restart the member, time until a linearizable get answers, and read
# its RSS after a full range.  compare_startup.sh etcd|etcfs ETCFSD FREE_PORT
set -euo pipefail
kind=$1; etcfsd=$(realpath "$2"); FP=$(realpath "$3")
w=$(mktemp -d /tmp/su-XXXX); c=$($FP); p=$($FP)
args=(--name m --data-dir "$w/d" --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c"
  --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" --initial-cluster "m=http://127.0.0.1:$p")
start() { if [ "$kind" = etcd ]; then etcd "${args[@]}" >"$w/log" 2>&1 & else "$etcfsd" "${args[@]}" >"$w/log" 2>&1 & fi; pid=$!; }
ready() { for _ in $(seq 1 600); do ETCDCTL_API=3 etcdctl --endpoints 127.0.0.1:$c --command-timeout=1s get k000001 >/dev/null 2>&1 && return; sleep 0.02; done; }
start; ready
v=$(head -c 256 /dev/zero | tr '\0' v)
for b in $(seq 0 ${BATCHES:-780}); do
  { echo; for i in $(seq 0 127); do printf 'put k%06d %s\n' $((b*128+i)) "$v"; done; echo; echo; } |
    ETCDCTL_API=3 etcdctl --endpoints 127.0.0.1:$c txn >/dev/null
done
n=$(ETCDCTL_API=3 etcdctl --endpoints 127.0.0.1:$c get k --prefix --keys-only | grep -c k)
kill -TERM $pid; wait $pid || true
t0=$(date +%s.%N); start; ready; t1=$(date +%s.%N)
ETCDCTL_API=3 etcdctl --endpoints 127.0.0.1:$c get k --prefix --keys-only >/dev/null
rss=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
echo "$kind: $n keys; restart to first linearizable read $(echo "$t1 - $t0" | bc) s; RSS after a full range ${rss} kB; data dir $(du -sm "$w/d" | cut -f1) MB"
kill -9 $pid; rm -rf "$w"
