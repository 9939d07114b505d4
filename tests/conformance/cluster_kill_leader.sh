#!/usr/bin/env bash
# Three etcfsd members on loopback: writes through every member; kill -9 the
# leader while a writer keeps writing; restart it. Every write that was
# acknowledged must then be on every member, and all hash-kv values equal.
#   cluster_kill_leader.sh ETCFSD
# Cleans up its processes and directories even when it fails.
set -euo pipefail
etcfsd=$(realpath "$1")
work=$(mktemp -d /tmp/etcfs-cluster-XXXXXX)
declare -A pid cport pport
cleanup() {
  for p in "${pid[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { "${FREE_PORT:?set FREE_PORT to the free_port helper (ctest does)}"; }
ctl() { ETCDCTL_API=3 etcdctl --command-timeout=3s "$@"; }

cluster=""
for i in 1 2 3; do
  cport[$i]=$(free_port); pport[$i]=$(free_port)
  cluster+="${cluster:+,}n$i=http://127.0.0.1:${pport[$i]}"
done
start() {
  "$etcfsd" --name "n$1" --data-dir "$work/n$1" --listen-client-urls "http://127.0.0.1:${cport[$1]}" \
    --advertise-client-urls "http://127.0.0.1:${cport[$1]}" \
    --listen-peer-urls "http://127.0.0.1:${pport[$1]}" --initial-cluster "$cluster" \
    --heartbeat-interval 50 --election-timeout 500 >>"$work/n$1.log" 2>&1 &
  pid[$1]=$!
}
for i in 1 2 3; do start $i; done
all="127.0.0.1:${cport[1]},127.0.0.1:${cport[2]},127.0.0.1:${cport[3]}"
for _ in $(seq 1 100); do ctl --endpoints "$all" get ready >/dev/null 2>&1 && break; sleep 0.1; done

for i in 1 2 3; do ctl --endpoints "127.0.0.1:${cport[$i]}" put "via$i" "$i" >/dev/null; done
# The leader: the member whose status names itself as leader.
find_leader() {
  local i status me lead
  for i in 1 2 3; do
    status=$(ctl --endpoints "127.0.0.1:${cport[$i]}" endpoint status -w json 2>/dev/null) || continue
    me=$(grep -o '"member_id":[0-9]*' <<<"$status" | cut -d: -f2)
    lead=$(grep -o '"leader":[0-9]*' <<<"$status" | cut -d: -f2)
    [ "$me" = "$lead" ] && { echo "$i"; return; }
  done
}
leader=$(find_leader)
[ -n "$leader" ] || { echo "FAIL: no leader found"; exit 1; }

# A lease kept alive through follower $1 outlives its TTL (the follower
# forwards renewals to the leader's lessor).
keep_alive_through() {
  local fep="127.0.0.1:${cport[$1]}" lease
  lease=$(ctl --endpoints "$fep" lease grant 3 | awk '{print $2}')
  ctl --endpoints "$fep" put --lease="$lease" "kept$1" v >/dev/null
  timeout 6 env ETCDCTL_API=3 etcdctl --endpoints "$fep" lease keep-alive "$lease" >/dev/null 2>&1 || true
  if [ "$(ctl --endpoints "$fep" get "kept$1" --print-value-only)" != v ]; then
    echo "FAIL: a lease kept alive through follower n$1 (leader n$(find_leader)) expired"; exit 1
  fi
  ctl --endpoints "$fep" lease revoke "$lease" >/dev/null
}
follower=$(( leader % 3 + 1 ))
keep_alive_through "$follower"

# A writer through all endpoints; the leader dies in the middle.
: >"$work/acked"
( for n in $(seq 1 200); do
    ctl --endpoints "$all" put "load$n" "$n" >/dev/null 2>&1 && echo "load$n" >>"$work/acked"
  done ) &
writer=$!
sleep 1
kill -9 "${pid[$leader]}"
wait "${pid[$leader]}" 2>/dev/null || true
wait "$writer"
start "$leader"

acked=$(wc -l <"$work/acked")
for i in 1 2 3; do
  ep="127.0.0.1:${cport[$i]}"
  for _ in $(seq 1 100); do
    [ "$(ctl --endpoints "$ep" get --prefix load --keys-only --consistency=s 2>/dev/null | grep -c load)" -ge "$acked" ] && break
    sleep 0.1
  done
  missing=$(comm -23 <(sort "$work/acked") <(ctl --endpoints "$ep" get --prefix load --keys-only --consistency=s | grep load | sort))
  if [ -n "$missing" ]; then echo "FAIL: member n$i lacks acknowledged writes: $missing"; exit 1; fi
  ctl --endpoints "$ep" get via1 via2 >/dev/null  # a linearizable read works on every member
done
# Every member published itself; the --cluster forms find all three from one.
started=$(ctl --endpoints "127.0.0.1:${cport[1]}" member list | grep -c ", started, n[123], ")
if [ "$started" != 3 ]; then ctl --endpoints "127.0.0.1:${cport[1]}" member list; echo "FAIL: member list"; exit 1; fi
hashes=$(ctl --endpoints "127.0.0.1:${cport[1]}" endpoint hashkv --cluster | awk '{print $2}' | sort -u | wc -l)
if [ "$hashes" != 1 ]; then ctl --endpoints "$all" endpoint hashkv --cluster; echo "FAIL: hash-kv differs"; exit 1; fi
# Followers renew through the new leader: the surviving follower's stream
# to the dead leader is replaced.
new_leader=$(find_leader)
[ -n "$new_leader" ] || { echo "FAIL: no leader after the restart"; exit 1; }
for i in 1 2 3; do [ "$i" = "$new_leader" ] || keep_alive_through "$i"; done
# A follower stops promptly (SIGTERM) while a keep-alive it forwarded waits
# on a leader that never answers (stopped): the renewal is answered as
# unavailable, so the server's shutdown is not held by the stream.
follower=$(( new_leader % 3 + 1 ))
lease=$(ctl --endpoints "127.0.0.1:${cport[$follower]}" lease grant 60 | awk '{print $2}')
kill -STOP "${pid[$new_leader]}"
ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:${cport[$follower]}" lease keep-alive "$lease" >/dev/null 2>&1 &
keeper=$!
sleep 0.5
kill -TERM "${pid[$follower]}"
stopped=0
for _ in $(seq 1 100); do kill -0 "${pid[$follower]}" 2>/dev/null || { stopped=1; break; }; sleep 0.1; done
kill -CONT "${pid[$new_leader]}"
kill "$keeper" 2>/dev/null || true
if [ "$stopped" != 1 ]; then
  echo "FAIL: follower n$follower did not stop within 10 s of SIGTERM with a keep-alive waiting on a stopped leader"
  tail -5 "$work/n$follower.log"; exit 1
fi
echo "cluster: leader n$leader killed under load; $acked acknowledged writes on all 3 members; hash-kv equal; leases renewed through followers before and after; a follower stops with a renewal waiting on a stopped leader"
