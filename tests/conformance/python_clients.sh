#!/usr/bin/env bash
# Clients of etcd written in Python, from Debian, against etcd 3.4 and etcfsd
# side by side: python3-etcd3 (gRPC) sees the same answers from both, and its
# hash() (Maintenance.Hash) is stable across a restart of etcfsd and moves
# with a write.
#   python_clients.sh ETCFSD
set -euo pipefail
etcfsd=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/../support/side_by_side.sh"
side_by_side python "$etcfsd"
py=/usr/bin/python3  # Debian's, where python3-etcd3 is installed

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
