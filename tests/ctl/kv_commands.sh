#!/usr/bin/env bash
# get, put and del as people type them, each printed with its output (stdout,
# and the Error: line on failure), through the client CLIENT (etcdctl or
# etcfsctl) against ENDPOINT. etcfsctl's output must be etcdctl's.
#   kv_commands.sh CLIENT ENDPOINT
set -u
client=$1 ep=$2
ids='s/"cluster_id":[0-9]+/"cluster_id":C/g; s/"member_id":[0-9]+/"member_id":M/g; s/"raft_term":[0-9]+/"raft_term":T/g'
run() {
  echo "\$ ctl $*"
  ETCDCTL_API=3 "$client" --endpoints "$ep" --command-timeout=5s "$@" 2>&1 | grep -v '"level":' |
    sed -E 's/^Error:  */Error: /'"; $ids"
  echo "exit ${PIPESTATUS[0]}"
}
# The exit status alone, where etcfsctl words its error its own way.
runs() {
  echo "\$ ctl $*"
  ETCDCTL_API=3 "$client" --endpoints "$ep" --command-timeout=5s "$@" >/dev/null 2>&1 </dev/null
  echo "exit $?"
}
# JSON output, with the ids that differ between two clusters replaced.
runj() {
  echo "\$ ctl -w json $*"
  ETCDCTL_API=3 "$client" --endpoints "$ep" --command-timeout=5s -w json "$@" 2>&1 | grep -v '"level":' | sed -E "$ids"
}
run put /k/a 1
run put /k/b "two words"
run put --prev-kv /k/a one
printf 'from\nstdin' | run put /k/stdin
runs put /k/c
run get /k/a
run get /k/ --prefix
run get /k/b --from-key
run get "" --from-key --keys-only
run get /k/a /k/c
run get /k/ --prefix --keys-only
run get /k/ --prefix --print-value-only
run get /k/ --prefix --limit 2
run get /k/ --prefix --sort-by=VALUE
run get /k/ --prefix --sort-by=MODIFY --order=DESCEND
run get /k/a --rev 2
run get /k/a --rev 1000
run get /k/a --consistency=s
run get /absent
runj get /k/a
runj get /k/ --prefix --limit 1
runj put /k/d dee
runj put --prev-kv /k/d dee2
run del /k/d
run del --prev-kv /k/c
run del /absent
runj del /k/ --prefix
run get /k/ --prefix
runs get
runs get /k/a --consistency=x
runs get /k/a --prefix --from-key
runs put /k/e e --lease=zz
runs get /k/a --bogus
runs bogus
runs -w bogus get /k/a
run get /k/ --prefix --keys-only -w json
run put /k/e e --lease=1234
# Transactions from standard input, as etcdctl reads them.
txn() {
  echo "\$ ctl txn ${2:-} <<< $(printf '%q' "$1")"
  printf '%b' "$1" | ETCDCTL_API=3 "$client" --endpoints "$ep" --command-timeout=5s ${2:-} txn 2>&1 | grep -v '"level":' |
    sed -E "$ids"
  echo "exit ${PIPESTATUS[1]}"
}
run put /t/k1 v1
txn 'value("/t/k1") = "v1"\nmod("/t/k1") > "0"\n\nput /t/k1 "new value"\nget /t/k1\ndel /t/k2\nget /t --prefix\n\nput /t/k1 fail\n\n'
txn 'value("/t/k1") = "zz"\n\nput /t/k1 x\n\nput /t/k3 "f"\ndel /t/k1 --prev-kv\n\n'
txn 'ver("/t/k3") = "1"\nc("/t/k3") < "100"\nm("/t/k3") != "1"\nversion("/t/k1") = "0"\n\nget /t/k3\nput /t/k4 "a \\"quoted\\" value"\nget /t/k4\n\n\n'
txn 'value("/t/k1") = "zz"\n\nput /t/k1 x\n\nput /t/k3 "f"\n\n' '-w json'
txn 'value("/t/k4") != "x"\n\nget /t/ --prefix --keys-only\ndel /t/ --prefix\n\n\n' '-w json'
txn '\n\n\n'
txn 'bogus("k1") = "zz"\n\n\n\n'
txn 'mod("k1") > "x"\n\n\n\n'
run put /c/a 1
run put /c/a 2
run compaction 1
runj compaction 2
run get /c/a --rev 1
run compaction 1
