#!/usr/bin/env bash
# member/bbolt.h beside etcd 3.4's own bbolt: a snapshot etcd saved reads back
# whole (every bucket and key etcdctl snapshot status counts), and the same
# contents written by our writer are a database etcd takes as its own:
# etcdctl snapshot status gives the same hash, revision and key count, and
# etcd restored from it serves the same keys, revisions, versions and leases
# and takes writes at the next revision.
#   bbolt_with_etcd.sh BBOLT_TOOL
set -euo pipefail
tool=$(realpath "$1")
source "$(dirname "$(realpath "$0")")/../support/scratch.sh"
scratch bbolt
export ETCDCTL_API=3
fail() { echo "FAIL: $*" >&2; tail -n 5 "$work"/*.log >&2; exit 1; }
start_etcd() {  # NAME DATA_DIR CLIENT_PORT PEER_PORT
  etcd --name "$1" --data-dir "$2" --listen-client-urls "http://127.0.0.1:$3" --advertise-client-urls "http://127.0.0.1:$3" \
    --listen-peer-urls "http://127.0.0.1:$4" --initial-advertise-peer-urls "http://127.0.0.1:$4" \
    --initial-cluster "$1=http://127.0.0.1:$4" >"$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do etcdctl --endpoints "127.0.0.1:$3" get ready >/dev/null 2>&1 && return; sleep 0.1; done
  fail "etcd $1 did not start"
}
keys() {  # what a client sees: every key with its revisions, versions and lease, and the revision
  etcdctl --endpoints "127.0.0.1:$1" get "" --prefix -w json |
    /usr/bin/python3 -c 'import sys, json; d = json.load(sys.stdin); print(json.dumps(d["kvs"], sort_keys=True), d["header"]["revision"])'
}

c1=$(free_port); p1=$(free_port)
start_etcd ref "$work/etcd" "$c1" "$p1"
# Enough keys for several leaf pages and a branch, a value over a page, a
# delete (a tombstone revision), a compaction and a lease.
for i in $(seq 1 150); do echo "put /k/$i value-$i-$(printf '%080d' "$i")"; done >"$work/puts"
while read -r _ k v; do etcdctl --endpoints "127.0.0.1:$c1" put "$k" "$v" >/dev/null; done <"$work/puts"
head -c 30000 /dev/urandom | base64 -w0 | etcdctl --endpoints "127.0.0.1:$c1" put /big >/dev/null
etcdctl --endpoints "127.0.0.1:$c1" del /k/1 >/dev/null
etcdctl --endpoints "127.0.0.1:$c1" compaction 5 >/dev/null
lease=$(etcdctl --endpoints "127.0.0.1:$c1" lease grant 600 | awk '{print $2}')
etcdctl --endpoints "127.0.0.1:$c1" put /leased v --lease "$lease" >/dev/null
etcdctl --endpoints "127.0.0.1:$c1" snapshot save "$work/etcd.snap" >/dev/null 2>&1 || fail "etcdctl snapshot save"

"$tool" dump "$work/etcd.snap" >"$work/dump" || fail "our reader refuses etcd's snapshot"
want=$(etcdctl snapshot status "$work/etcd.snap" -w json)
lines=$(awk 'NF == 3' "$work/dump" | wc -l)
[ "$lines" = "$(echo "$want" | /usr/bin/python3 -c 'import sys, json; print(json.load(sys.stdin)["totalKey"])')" ] \
  || fail "our reader found $lines keys where etcdctl snapshot status counts: $want"
grep -q "^6b6579 " "$work/dump" || fail "no key bucket read"  # "key" in hex

"$tool" write "$work/ours.db" <"$work/dump" || fail "our writer"
# A snapshot file is the database and its SHA-256, as etcd streams it.
/usr/bin/python3 -c 'import hashlib, sys; d = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(d + hashlib.sha256(d).digest())' \
  "$work/ours.db" "$work/ours.snap"
got=$(etcdctl snapshot status "$work/ours.snap" -w json) || fail "etcdctl snapshot status refuses our file: $got"
strip() { /usr/bin/python3 -c 'import sys, json; d = json.load(sys.stdin); del d["totalSize"]; print(d)'; }
[ "$(echo "$got" | strip)" = "$(echo "$want" | strip)" ] || fail "etcdctl snapshot status: etcd's $want, ours $got"

c2=$(free_port); p2=$(free_port)
etcdctl snapshot restore "$work/ours.snap" --data-dir "$work/restored" --name copy \
  --initial-cluster "copy=http://127.0.0.1:$p2" --initial-advertise-peer-urls "http://127.0.0.1:$p2" >"$work/restore.log" 2>&1 \
  || fail "etcdctl snapshot restore of our file"
start_etcd copy "$work/restored" "$c2" "$p2"
[ "$(keys "$c2")" = "$(keys "$c1")" ] || fail "etcd restored from our file serves other keys"
etcdctl --endpoints "127.0.0.1:$c2" lease list | grep "$lease" >/dev/null || fail "the lease did not survive"
next=$(etcdctl --endpoints "127.0.0.1:$c2" put after restore -w json | /usr/bin/python3 -c 'import sys, json; print(json.load(sys.stdin)["header"]["revision"])')
[ "$next" = $(( $(keys "$c1" | awk '{print $NF}') + 1 )) ] || fail "a write after the restore got revision $next"
echo "bbolt: etcd's snapshot read whole ($lines keys); our file taken by etcdctl snapshot status and restore, served alike"
