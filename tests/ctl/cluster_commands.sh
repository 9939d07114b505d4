#!/usr/bin/env bash
# member, endpoint, alarm, defrag, move-leader and snapshot on 3-member
# clusters of Debian's etcd 3.4 and of etcfsd. Read-only commands go through
# etcdctl and etcfsctl on the same cluster and must print the same (timings
# masked); the changing ones are checked for what they print and do.
#   cluster_commands.sh ETCFSD ETCFSCTL
etcfsd=$(realpath "$1"); etcfsctl=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
source "$here/../fs/lib.sh"

start_etcd 3
start_cluster 3
ctl "--endpoints=$etcfs_eps" put /x y >/dev/null
ctl "--endpoints=$etcd_eps" put /x y >/dev/null

both() {  # both EPS ARGS...: etcdctl's and etcfsctl's output of one read-only command
  local eps=$1; shift
  local a b
  a=$(ETCDCTL_API=3 etcdctl --endpoints "$eps" "$@" 2>&1 | grep -v '"level":' | sed -E "$mask") || true
  b=$("$etcfsctl" --endpoints "$eps" "$@" 2>&1 | sed -E "$mask") || true
  if [ -n "${sorted:-}" ]; then a=$(sort <<<"$a"); b=$(sort <<<"$b"); fi
  [ "$a" = "$b" ] || { diff -u <(echo "$a") <(echo "$b"); fail "etcfsctl $* differs from etcdctl's (- etcdctl, + etcfsctl)"; }
}
mask='s/"member_id":[0-9]+/"member_id":M/g; s/took = [0-9.]+[µmn]?s/took = T/; s/"took":"[^"]*"/"took":"T"/g; s/\| +[0-9.]+[µmn]?s +\|/| T |/'
for eps in "$etcd_eps" "$etcfs_eps"; do
  for w in simple table json; do
    both "$eps" -w "$w" member list
    both "$eps" -w "$w" endpoint status
    both "$eps" -w "$w" endpoint status --cluster
    both "$eps" -w "$w" endpoint hashkv --cluster
    [ "$w" = table ] || both "$eps" -w "$w" alarm list  # etcdctl has no table of alarms
  done
  # etcdctl checks health concurrently and prints in the order answers come.
  sorted=1 both "$eps" endpoint health --cluster
  "$etcfsctl" --endpoints "$eps" -w json endpoint health |
    python3 -c 'import json, sys; r = json.load(sys.stdin); assert len(r) == 3 and all(e["health"] for e in r), r' ||
    fail "endpoint health -w json"
done

for eps in "$etcd_eps" "$etcfs_eps"; do
  x() { "$etcfsctl" --endpoints "$eps" "$@"; }
  # A learner added, updated, removed.
  port=$(free_port)
  # etcd adds a member only once every member has been connected for 5 s.
  for _ in $(seq 1 100); do
    out=$(x member add newbie --peer-urls "http://127.0.0.1:$port" --learner 2>&1) && break
    grep -q "unhealthy cluster" <<<"$out" || break
    sleep 0.1
  done
  grep -q "^Member" <<<"$out" || fail "member add: $out"
  grep -qE '^Member +[0-9a-f]+ added to cluster +[0-9a-f]+$' <<<"$out" || fail "member add printed: $out"
  grep -q "^ETCD_INITIAL_CLUSTER_STATE=\"existing\"$" <<<"$out" || fail "member add printed: $out"
  grep -q "newbie=http://127.0.0.1:$port" <<<"$out" || fail "member add's initial cluster: $out"
  id=$(awk '/^Member/ {print $2}' <<<"$out")
  x member list | grep -q "^$id, unstarted, , http://127.0.0.1:$port, , true$" || fail "the learner in member list: $(x member list)"
  port2=$(free_port)
  x member update "$id" --peer-urls "http://127.0.0.1:$port2" | grep -qE "^Member +$id updated in cluster" || fail "member update"
  x member list | grep -q "http://127.0.0.1:$port2" || fail "member update did not change the peer URL"
  expect_error "promoting a learner that never started" "can only promote a learner member which is in sync with leader" \
    x member promote "$id"
  x member remove "$id" | grep -qE "^Member +$id removed from cluster" || fail "member remove"
  [ "$(x member list | wc -l)" = 3 ] || fail "after member remove: $(x member list)"
  # Leadership moved to a follower, as endpoint status then shows.
  leader=$(x endpoint status --cluster | awk -F', ' '$5 == "true" {print $2}')
  follower=$(x endpoint status --cluster | awk -F', ' '$5 == "false" {print $2; exit}')
  x --endpoints "$(x endpoint status --cluster | awk -F', ' '{printf "%s%s", s, $1; s=","}')" move-leader "$follower" |
    grep -q "^Leader moved from $leader to $follower$" || fail "move-leader"
  for _ in $(seq 1 50); do
    [ "$(x endpoint status --cluster | awk -F', ' '$5 == "true" {print $2}')" = "$follower" ] && break
    sleep 0.1
  done
  [ "$(x endpoint status --cluster | awk -F', ' '$5 == "true" {print $2}')" = "$follower" ] || fail "the leader did not move"
  x defrag --cluster | grep -c "^Finished defragmenting etcd member\[" | grep -qx 3 || fail "defrag --cluster"
done

# Snapshots of etcfsd: saved, then described.
x() { "$etcfsctl" --endpoints "127.0.0.1:${cport[1]}" "$@"; }
for i in $(seq 1 20); do x put "/snap/$i" "v$i" >/dev/null; done
x snapshot save "$work/s.db" | grep -q "^Snapshot saved at $work/s.db$" || fail "snapshot save"
[ ! -e "$work/s.db.part" ] || fail "snapshot save left its .part file"
rev=$(x get /x -w json | sed -E 's/.*"revision":([0-9]+).*/\1/')
# etcd's format, so etcd's figures: etcdctl's own status of the file.
want=$(ETCDCTL_API=3 etcdctl snapshot status "$work/s.db" -w json)
[ "$(x -w json snapshot status "$work/s.db")" = "$want" ] || fail "snapshot status -w json: $(x -w json snapshot status "$work/s.db"), etcdctl's $want"
grep -q "\"revision\":$rev," <<<"$want" || fail "the snapshot's revision: $want (expected $rev)"
status=$(x snapshot status "$work/s.db")
grep -qE "^[0-9a-f]+, $rev, [0-9]+, [0-9.]+ [kM]?B$" <<<"$status" || fail "snapshot status: '$status' (revision $rev)"
head -c 1000 "$work/s.db" >"$work/broken.db"
expect_error "status of a truncated snapshot" "not a snapshot file" x snapshot status "$work/broken.db"
echo "PASS: member, endpoint, alarm list as etcdctl prints them (simple, table, json) on etcd and etcfsd;" \
  "member add/update/promote/remove, move-leader, defrag --cluster, snapshot save and status"
