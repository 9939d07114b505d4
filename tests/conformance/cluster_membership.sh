#!/usr/bin/env bash
# Membership changes on a 3-member etcfsd cluster, driven by etcdctl:
#   - add a learner, start it (it learns its id from the cluster), promote it;
#   - update its peer URL and restart it there; remove it (it stops itself);
#   - remove a voter, wipe its data, write past a snapshot, add it again: it
#     catches up by installing the leader's snapshot;
# then every member holds every acknowledged write, with equal hash-kv.
#   cluster_membership.sh ETCFSD
# Cleans up its processes and directories even when it fails.
set -euo pipefail
etcfsd=$(realpath "$1")
work=$(mktemp -d /tmp/etcfs-membership-XXXXXX)
declare -A pid cport pport
cleanup() {
  for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { "${FREE_PORT:?set FREE_PORT to the free_port helper (ctest does)}"; }
ctl() { ETCDCTL_API=3 etcdctl --command-timeout=5s "$@"; }
fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.log; do echo "== $f" >&2; tail -n 8 "$f" >&2; done
  exit 1
}
# start NAME CLUSTER STATE [PEER_PORT]
start() {
  local n=$1 peer=${4:-${pport[$1]}}
  "$etcfsd" --name "$n" --data-dir "$work/$n" --listen-client-urls "http://127.0.0.1:${cport[$n]}" \
    --advertise-client-urls "http://127.0.0.1:${cport[$n]}" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "$2" --initial-cluster-state "$3" \
    --heartbeat-interval 50 --election-timeout 500 \
    --snapshot-count 100 --experimental-snapshot-catchup-entries 20 >>"$work/$n.log" 2>&1 &
  pid[$n]=$!
}
member_id() {  # NAME -> hex id, from the member list
  ctl --endpoints "$eps" member list | awk -F', ' -v n="$1" '$3 == n {print $1}'
}
wait_for() {  # SECONDS COMMAND...: polls until the command succeeds
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
has_key() { [ "$(ctl --endpoints "127.0.0.1:${cport[$1]}" get "$2" --consistency=s --print-value-only)" = "$3" ]; }
stopped() { ! kill -0 "${pid[$1]}" 2>/dev/null; }

for n in n1 n2 n3 n4; do cport[$n]=$(free_port); pport[$n]=$(free_port); done
cluster="n1=http://127.0.0.1:${pport[n1]},n2=http://127.0.0.1:${pport[n2]},n3=http://127.0.0.1:${pport[n3]}"
for n in n1 n2 n3; do start "$n" "$cluster" new; done
eps="127.0.0.1:${cport[n1]},127.0.0.1:${cport[n2]},127.0.0.1:${cport[n3]}"
wait_for 20 ctl --endpoints "$eps" get ready || fail "the cluster did not come up"
: >"$work/acked"
write() {  # PREFIX COUNT: writes keys through all endpoints, recording acknowledged ones
  for i in $(seq 1 "$2"); do
    ctl --endpoints "$eps" put "$1$i" "v$i" >/dev/null 2>&1 && echo "$1$i" >>"$work/acked"
  done
}
write a 20

# A learner joins, catches up and is promoted.
# As etcd, members refuse reconfiguration until every member has been
# connected for 5 s ("unhealthy cluster"); retry until then.
add_learner() { ctl --endpoints "$eps" member add n4 --learner --peer-urls="http://127.0.0.1:${pport[n4]}" >"$work/add.out" 2>&1; }
wait_for 30 add_learner || fail "member add --learner: $(cat "$work/add.out")"
grep -q 'ETCD_INITIAL_CLUSTER_STATE="existing"' "$work/add.out" || fail "member add printed: $(cat "$work/add.out")"
start n4 "$cluster,n4=http://127.0.0.1:${pport[n4]}" existing
wait_for 20 has_key n4 a20 v20 || fail "the learner n4 did not catch up"
n4_known() { [ -n "$(member_id n4)" ]; }
wait_for 10 n4_known || fail "n4 is not in the member list"
n4=$(member_id n4)
learner_listed() { ctl --endpoints "$eps" member list | grep "n4, .*, true$" >/dev/null; }
wait_for 10 learner_listed || fail "n4 is not listed as a learner"
wait_for 20 ctl --endpoints "$eps" member promote "$n4" || fail "could not promote n4"
voter_listed() { ctl --endpoints "$eps" member list | grep "n4, .*, false$" >/dev/null; }
wait_for 10 voter_listed || fail "n4 is still a learner after promotion"
eps4="$eps,127.0.0.1:${cport[n4]}"

# Its peer URL moves; it restarts there and takes part again.
new_peer=$(free_port)
ctl --endpoints "$eps" member update "$n4" --peer-urls="http://127.0.0.1:$new_peer" >/dev/null || fail "member update"
kill "${pid[n4]}"; wait "${pid[n4]}" 2>/dev/null || true
start n4 "n4=http://127.0.0.1:$new_peer" existing "$new_peer"
# Member list is served from each member's own state (as etcd 3.4's): a
# follower may answer before it applied the update.
moved() { ctl --endpoints "$eps" member list | grep "n4, http://127.0.0.1:$new_peer," >/dev/null; }
wait_for 10 moved || fail "member list lacks n4's new peer URL"
wait_for 20 ctl --endpoints "127.0.0.1:${cport[n4]}" put via-n4 yes || fail "n4 does not serve writes after moving"
echo via-n4 >>"$work/acked"

# Removed, it stops by itself.
ctl --endpoints "$eps" member remove "$n4" >/dev/null || fail "member remove n4"
wait_for 20 stopped n4 || fail "the removed member n4 is still running"
grep -q "was removed from the cluster" "$work/n4.log" || fail "n4 did not log its removal"

# A voter removed, wiped and added again catches up from a snapshot.
n3=$(member_id n3)
ctl --endpoints "$eps" member remove "$n3" >/dev/null || fail "member remove n3"
wait_for 20 stopped n3 || fail "the removed member n3 is still running"
rm -rf "${work:?}/n3"
eps="127.0.0.1:${cport[n1]},127.0.0.1:${cport[n2]}"
write b 150  # past --snapshot-count 100: the leader's log no longer reaches back
wait_for 30 ctl --endpoints "$eps" member add n3 --peer-urls="http://127.0.0.1:${pport[n3]}" || fail "member add n3"
start n3 "$cluster" existing
wait_for 30 has_key n3 b150 v150 || fail "the re-added n3 did not catch up"
grep -q "installed a snapshot" "$work/n3.log" || fail "n3 caught up without installing a snapshot"
[ "$(member_id n3)" != "$n3" ] || fail "the re-added n3 reuses its old id"

eps="$eps,127.0.0.1:${cport[n3]}"
acked=$(wc -l <"$work/acked")
for n in n1 n2 n3; do
  ep="127.0.0.1:${cport[$n]}"
  wait_for 20 ctl --endpoints "$ep" get via-n4 || fail "$n cannot read"
  missing=$(comm -23 <(sort "$work/acked") <(ctl --endpoints "$ep" get "" --from-key --keys-only --consistency=s | grep . | sort))
  [ -z "$missing" ] || fail "member $n lacks acknowledged writes: $missing"
done
hashes=$(ctl --endpoints "$eps" endpoint hashkv -w json | grep -o '"hash":[0-9]*' | sort -u | wc -l)
[ "$hashes" = 1 ] || fail "hash-kv differs: $(ctl --endpoints "$eps" endpoint hashkv)"
echo "membership: learner added, promoted, moved and removed; a wiped voter re-added caught up by snapshot;" \
  "$acked acknowledged writes on all 3 members, hash-kv equal"
