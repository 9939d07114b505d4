#!/usr/bin/env bash
# Clients of etcd written in Python, from Debian, against etcd 3.4 and etcfsd
# side by side: python3-etcd3 (gRPC) sees the same answers from both, and its
# hash() (Maintenance.Hash) is stable across a restart of etcfsd and moves
# with a write.
#   python_clients.sh ETCFSD
set -euo pipefail
etcfsd=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/../support/scratch.sh"
scratch python
py=/usr/bin/python3  # Debian's, where python3-etcd3 is installed
fail() { echo "FAIL: $*" >&2; tail -n 5 "$work"/*.log >&2; exit 1; }
ready() { for _ in $(seq 1 100); do ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$1" get ready >/dev/null 2>&1 && return; sleep 0.1; done; fail "no answer on $1"; }

ec=$(free_port); ep=$(free_port)
etcd --name ref --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$ec" \
  --advertise-client-urls "http://127.0.0.1:$ec" --listen-peer-urls "http://127.0.0.1:$ep" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ep" --initial-cluster "ref=http://127.0.0.1:$ep" >"$work/etcd.log" 2>&1 &
pids+=($!)
fc=$(free_port); fp=$(free_port)
start_etcfsd() {
  "$etcfsd" --name ours --data-dir "$work/etcfs" --listen-client-urls "http://127.0.0.1:$fc" \
    --advertise-client-urls "http://127.0.0.1:$fc" --listen-peer-urls "http://127.0.0.1:$fp" \
    --initial-advertise-peer-urls "http://127.0.0.1:$fp" --initial-cluster "ours=http://127.0.0.1:$fp" >>"$work/etcfsd.log" 2>&1 &
  pids+=($!)
  ready "$fc"
}
start_etcfsd
ready "$ec"

"$py" "$here/python_etcd3_client.py" "$ec" ops >"$work/etcd.out" || fail "python3-etcd3 against etcd"
"$py" "$here/python_etcd3_client.py" "$fc" ops >"$work/etcfs.out" || fail "python3-etcd3 against etcfsd"
diff -u "$work/etcd.out" "$work/etcfs.out" || fail "python3-etcd3 sees etcfsd answer differently"

before=$("$py" "$here/python_etcd3_client.py" "$fc" hash)
[ "$("$py" "$here/python_etcd3_client.py" "$fc" hash)" = "$before" ] || fail "two hashes of an idle member differ"
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
start_etcfsd
after_restart=$("$py" "$here/python_etcd3_client.py" "$fc" hash)
[ "$after_restart" = "$before" ] || fail "the hash changed across a restart: $before, then $after_restart"
ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$fc" put moved v >/dev/null
[ "$("$py" "$here/python_etcd3_client.py" "$fc" hash)" != "$before" ] || fail "a put did not change the hash"
echo "python3-etcd3: $(wc -l <"$work/etcfs.out") answers as etcd's; hash stable across a restart, moved by a write"
