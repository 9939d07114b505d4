#!/usr/bin/env bash
# etcfsctl snapshot restore: a snapshot of a one-member cluster restored into
# the data directories of a new 3-member cluster, which then serves the same
# keys, history, compaction and leases under its own member list, replicates
# new writes and shows the keys in its mount. Refusals: an existing data
# directory, a damaged file, a name missing from --initial-cluster. A directory
# left by an interrupted restore is ignored.
#   snapshot_restore.sh ETCFSD ETCFSCTL
etcfsd=$(realpath "$1"); etcfsctl=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
source "$here/../fs/lib.sh"

# The source: history with a compaction, a delete and a leased key.
run=src plan_cluster 1
run=src start_member 1 ""
run=src wait_member 1
src() { "$etcfsctl" --endpoints "127.0.0.1:${cport[1]}" "$@"; }
for i in $(seq 1 40); do src put "/app/key$i" "value $i" >/dev/null; done
src put /app/key1 "value 1, again" >/dev/null
src del /app/key2 >/dev/null
compacted=$(src get /app/key3 -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
src compaction "$compacted" >/dev/null
lease=$(src lease grant 3600 | awk '{print $2}')
src put /app/leased "with a lease" --lease="$lease" >/dev/null
keys=$(src get --prefix /app -w json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["kvs"]))')
rev=$(src get /app -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
src snapshot save "$work/s.db" >/dev/null
kill "${pid[1]}"; wait "${pid[1]}" 2>/dev/null || true; unset 'pid[1]'

run=r plan_cluster 3
restore() {  # restore I [FLAGS...]: member nI's data directory
  local i=$1; shift
  "$etcfsctl" snapshot restore "$work/s.db" --name "n$i" --data-dir "$work/rn$i" --initial-cluster "$cluster" \
    --initial-advertise-peer-urls "http://127.0.0.1:${pport[$i]}" "$@"
}
head -c 1000 "$work/s.db" >"$work/broken.db"
expect_error "a restore of a truncated file" "cannot be restored: not a snapshot file" \
  "$etcfsctl" snapshot restore "$work/broken.db" --name n1 --data-dir "$work/x" --initial-cluster "$cluster"
[ ! -e "$work/x" ] || fail "a failed restore left $work/x"
expect_error "a restore with a name not in --initial-cluster" "has no entry for --name 'n9'" \
  "$etcfsctl" snapshot restore "$work/s.db" --name n9 --data-dir "$work/x" --initial-cluster "$cluster"
expect_error "a restore whose peer URLs disagree" "make them agree" \
  "$etcfsctl" snapshot restore "$work/s.db" --name n1 --data-dir "$work/x" --initial-cluster "$cluster" \
  --initial-advertise-peer-urls "http://127.0.0.1:1"
# What a restore killed half-way leaves: ignored and replaced.
mkdir -p "$work/rn1.restoring/member/store" && echo junk >"$work/rn1.restoring/member/store/CURRENT"
for i in 1 2 3; do
  out=$(restore "$i" 2>"$work/progress")
  grep -qE "^Restored .* into $work/rn$i: member [0-9a-f]+ of cluster [0-9a-f]+, revision $rev, 40 keys$" <<<"$out" ||
    fail "restore printed: $out"
  grep -q "^restore: writing the WAL of member n$i$" "$work/progress" || fail "restore's progress: $(cat "$work/progress")"
done
[ ! -e "$work/rn1.restoring" ] || fail "the restore left its staging directory"
expect_error "a restore into an existing data directory" "exists; restore into a new directory" restore 1

run=r
start_member 1 "$work/mnt"
for i in 2 3; do start_member "$i" ""; done
for i in 2 3; do wait_member "$i"; done
wait_member 1 "$work/mnt"
eps="127.0.0.1:${cport[1]},127.0.0.1:${cport[2]},127.0.0.1:${cport[3]}"
x() { "$etcfsctl" --endpoints "$eps" "$@"; }

members=$(x member list | cut -d, -f3,4 | sort)
expected=$(for i in 1 2 3; do echo " n$i, http://127.0.0.1:${pport[$i]}"; done)
[ "$members" = "$expected" ] || fail "the restored cluster's members: $members (expected $expected)"
got=$(x get --prefix /app -w json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["kvs"]))')
[ "$got" = "$keys" ] || fail "the restored keys differ: $got (expected $keys)"
expect_error "a read below the restored compaction" "required revision has been compacted" x get /app/key1 --rev=2
x lease timetolive "$lease" --keys | grep -q "attached keys(\[/app/leased\])" || fail "the restored lease: $(x lease timetolive "$lease" --keys)"
[ "$(cat "$work/mnt/app/key1")" = "value 1, again" ] || fail "the mount of a restored member reads $(cat "$work/mnt/app/key1")"
x put /app/new "after the restore" >/dev/null
after=$(x get /app/new -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["kvs"][0]["mod_revision"])')
[ "$after" = $((rev + 1)) ] || fail "the first write after the restore got revision $after (expected $((rev + 1)))"
wait_content "$work/mnt/app/new" "after the restore"
hashes=$(x endpoint hashkv --cluster | awk '{print $2}' | sort -u | wc -l)
[ "$hashes" = 1 ] || fail "the restored members' stores differ: $(x endpoint hashkv --cluster)"
echo "PASS: a snapshot at revision $rev restored into 3 new members: keys, compaction, lease, mount, new writes, one hash"
