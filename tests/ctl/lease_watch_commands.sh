#!/usr/bin/env bash
# lease and watch as people type them, through CLIENT (etcdctl or etcfsctl)
# against ENDPOINT, each printed with its output; lease IDs, remaining TTLs and
# cluster ids (which differ between runs) masked.
#   lease_watch_commands.sh CLIENT ENDPOINT
set -u
client=$1 ep=$2
mask='s/"cluster_id":[0-9]+/"cluster_id":C/g; s/"member_id":[0-9]+/"member_id":M/g; s/"raft_term":[0-9]+/"raft_term":T/g;
      s/"(ID|id)":[0-9]+/"\1":N/g; s/"(TTL|ttl)":[0-9]+/"\1":N/g; s/[0-9a-f]{16}/LEASE/g; s/remaining\([0-9]+s\)/remaining(Ns)/'
ctl() { ETCDCTL_API=3 "$client" --endpoints "$ep" --command-timeout=5s "$@"; }
run() {
  echo "\$ ctl $*" | sed -E "$mask"
  ctl "$@" 2>&1 | grep -v '"level":' | sed -E 's/^Error:  */Error: /'"; $mask"
  echo "exit ${PIPESTATUS[0]}"
}
# The exit status alone, where etcfsctl words its error its own way.
runs() {
  echo "\$ ctl $*" | sed -E "$mask"
  ctl "$@" >/dev/null 2>&1 </dev/null
  echo "exit $?"
}
# watch LINES ARGS...: until it printed the LINES lines etcd's answer has.
source "$(dirname "$(realpath "$0")")/../support/watch_until.sh"
watch() {
  local lines=$1; shift
  echo "\$ ctl watch $*"
  watch_until "$lines" env ETCDCTL_API=3 "$client" --endpoints "$ep" watch "$@" | sed -E "$mask"
}
id=$(ctl lease grant 100 | awk '{print $2}')
echo "granted: ${#id} hex digits"
run lease grant 100 -w json
run put /l/a 1 --lease="$id"
run put /l/b 2  # one key on the lease: etcd lists attached keys in no set order
run lease timetolive "$id"
run lease timetolive "$id" --keys
run lease timetolive "$id" --keys -w json
run lease timetolive "$id" -w json
run lease list -w json
run lease keep-alive "$id" --once -w json
run lease list
run lease keep-alive "$id" --once
run lease revoke "$id"
run get /l/ --prefix
run lease timetolive "$id"
run lease revoke "$id"
run lease keep-alive "$id" --once
runs lease grant
runs lease revoke zz
run put /w/a 1
run put /w/b 2
run put /w/a 3
run del /w/b
watch 12 /w/ --prefix --rev 1
watch 8 /w/a --rev 1 --prev-kv
watch 1 /w/ --prefix --rev 1 -w json
watch 12 /w/a /w/c --rev 5
