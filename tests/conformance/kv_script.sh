#!/usr/bin/env bash
# etcdctl's KV commands, each printed with its output (stdout, and the Error:
# line etcdctl prints on failure). Run against any endpoint; the output of
# etcd and of etcfsd must be the same.
#   kv_script.sh ENDPOINT
set -u
ep=$1
run() {
  echo "\$ etcdctl $*"
  ETCDCTL_API=3 etcdctl --endpoints "$ep" --command-timeout=5s "$@" 2>&1 | grep -v '"level":' | sed 's/^Error:  */Error: /'
}
# JSON output, with the ids that differ between two clusters replaced.
runj() {
  echo "\$ etcdctl -w json $*"
  ETCDCTL_API=3 etcdctl --endpoints "$ep" --command-timeout=5s -w json "$@" 2>&1 | grep -v '"level":' |
    sed -E 's/"cluster_id":[0-9]+/"cluster_id":C/; s/"member_id":[0-9]+/"member_id":M/; s/"raft_term":[0-9]+/"raft_term":T/'
}
txn() {
  echo "\$ etcdctl txn <<< $(printf '%q' "$1")"
  printf '%b' "$1" | ETCDCTL_API=3 etcdctl --endpoints "$ep" txn 2>&1 | grep -v '"level":'
}
run put foo bar
run put foo2 bar2
run put --prev-kv foo baz
run put zzz last
run get foo
run get --prefix foo
run get --from-key foo2
run get --prefix --keys-only foo
run get --prefix --print-value-only foo
run get --prefix --limit 1 foo
runj get --prefix foo
runj get --prefix --limit 1 --rev 4 foo
runj put --prev-kv foo2 bar3
run get --prefix --sort-by=MODIFY --order=DESCEND foo
run get --prefix --sort-by=VALUE --order=ASCEND ''
run get --rev 2 foo
run get --consistency=s foo
run get --prefix --rev 3 foo
run put --ignore-value foo
run get foo
run put --ignore-value missing
run put '' empty-key
txn 'value("foo2") = "bar3"\n\nput foo3 x\nput foo4 y\n\nput nope z\n\n'
txn 'value("foo2") = "other"\n\nput nope z\n\nget foo2\n\n'
txn 'version("foo") > "0"\nmod("foo3") = "7"\n\ndel foo3\nget foo --prefix\n\n\n'
txn 'create("missing") = "0"\n\nput missing now\n\n\n'

run get --prefix foo
run del --prev-kv foo
run del --prefix foo
run get --prefix ''
run compaction 4
run get --rev 3 zzz
run get --rev 4 zzz
run get --rev 99 zzz
run compaction 2
run put zzz again
run compaction --physical 5
run get --rev 5 zzz
