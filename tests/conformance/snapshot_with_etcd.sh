#!/usr/bin/env bash
# Snapshots both ways between etcfs and Debian's etcd 3.4, as etcd's practice
# guides use them:
#  - the backup procedure (etcdctl snapshot save, then etcdctl snapshot status)
#    against etcfsd, and etcfsctl snapshot status agreeing with etcdctl's;
#  - etcdctl snapshot restore of that file, etcd started on it: the same keys,
#    revisions, versions and lease as etcfs served, and writes at the next
#    revision;
#  - that etcd's own snapshot, restored with etcfsctl snapshot restore into 3
#    new etcfs members: the same keys as etcd serves, writes at the next
#    revision, one hash on every member.
#   snapshot_with_etcd.sh ETCFSD ETCFSCTL
etcfsd=$(realpath "$1"); etcfsctl=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
source "$here/../fs/lib.sh"
json() { /usr/bin/python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
kvs() { ctl --endpoints "$1" get "" --prefix -w json | json 'json.dumps(d["kvs"], sort_keys=True), d["header"]["revision"]'; }
revision_of() { ctl --endpoints "$1" get probe -w json | json 'd["header"]["revision"]'; }

# etcfs, with history: a delete, a compaction, a lease, a value over a page.
run=src plan_cluster 1
run=src start_member 1 ""
run=src wait_member 1
pid[src]=${pid[1]}; unset 'pid[1]'  # member 1 of the next cluster takes its slot; cleanup stops both
src="127.0.0.1:${cport[1]}"
for i in $(seq 1 60); do ctl --endpoints "$src" put "/app/key$i" "value $i" >/dev/null; done
ctl --endpoints "$src" del /app/key2 >/dev/null
ctl --endpoints "$src" compaction 10 >/dev/null
lease=$(ctl --endpoints "$src" lease grant 3600 | awk '{print $2}')
ctl --endpoints "$src" put /app/leased "with a lease" --lease="$lease" >/dev/null
head -c 20000 /dev/urandom | base64 -w0 | ctl --endpoints "$src" put /app/big >/dev/null

# The practice guide's backup: save, then status.
ctl --endpoints "$src" snapshot save "$work/etcfs.snap" >"$work/save.log" 2>&1 || fail "etcdctl snapshot save: $(tail -n 2 "$work/save.log")"
status=$(ctl snapshot status "$work/etcfs.snap" -w json) || fail "etcdctl snapshot status refuses etcfs's snapshot: $status"
[ "$(echo "$status" | json 'd["revision"]')" = "$(revision_of "$src")" ] || fail "etcdctl snapshot status: $status"
ours=$("$etcfsctl" snapshot status "$work/etcfs.snap" -w json)
[ "$(echo "$ours" | json 'sorted(d.items())')" = "$(echo "$status" | json 'sorted(d.items())')" ] \
  || fail "etcfsctl snapshot status says $ours, etcdctl $status"

# Into etcd.
ec=$(free_port); ep=$(free_port)
ctl snapshot restore "$work/etcfs.snap" --data-dir "$work/etcd" --name ref --initial-cluster "ref=http://127.0.0.1:$ep" \
  --initial-advertise-peer-urls "http://127.0.0.1:$ep" >"$work/restore-etcd.log" 2>&1 || fail "etcdctl snapshot restore: $(tail -n 2 "$work/restore-etcd.log")"
etcd --name ref --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$ec" --advertise-client-urls "http://127.0.0.1:$ec" \
  --listen-peer-urls "http://127.0.0.1:$ep" --initial-advertise-peer-urls "http://127.0.0.1:$ep" >"$work/etcd.log" 2>&1 &
pid[etcd]=$!
for _ in $(seq 1 100); do ctl --endpoints "127.0.0.1:$ec" get probe >/dev/null 2>&1 && break; sleep 0.1; done
[ "$(kvs "127.0.0.1:$ec")" = "$(kvs "$src")" ] || fail "etcd restored from etcfs's snapshot serves other keys"
ctl --endpoints "127.0.0.1:$ec" lease list | grep "$lease" >/dev/null || fail "etcd lost the lease"
expect_error "a read below the compaction in etcd" "required revision has been compacted" ctl --endpoints "127.0.0.1:$ec" get /app/key1 --rev=5
before=$(revision_of "127.0.0.1:$ec")
ctl --endpoints "127.0.0.1:$ec" put /app/from-etcd "written in etcd" >/dev/null
[ "$(revision_of "127.0.0.1:$ec")" = $((before + 1)) ] || fail "etcd's first write after the restore"
ctl --endpoints "127.0.0.1:$ec" del /app/key3 >/dev/null

# etcd's own snapshot, back into a new 3-member etcfs cluster.
ctl --endpoints "127.0.0.1:$ec" snapshot save "$work/etcd.snap" >"$work/save-etcd.log" 2>&1 || fail "saving etcd's snapshot"
run=r plan_cluster 3
for i in 1 2 3; do
  "$etcfsctl" snapshot restore "$work/etcd.snap" --name "n$i" --data-dir "$work/rn$i" --initial-cluster "$cluster" \
    --initial-advertise-peer-urls "http://127.0.0.1:${pport[$i]}" >"$work/restore-$i.log" 2>&1 \
    || fail "etcfsctl snapshot restore of etcd's snapshot: $(cat "$work/restore-$i.log")"
done
run=r
start_member 1 "$work/mnt"
for i in 2 3; do start_member "$i" ""; done
for i in 2 3; do wait_member "$i"; done
wait_member 1 "$work/mnt"
eps="127.0.0.1:${cport[1]},127.0.0.1:${cport[2]},127.0.0.1:${cport[3]}"
[ "$(kvs "$eps")" = "$(kvs "127.0.0.1:$ec")" ] || fail "etcfs restored from etcd's snapshot serves other keys"
[ "$(cat "$work/mnt/app/from-etcd")" = "written in etcd" ] || fail "the mount shows $(cat "$work/mnt/app/from-etcd")"
ctl --endpoints "$eps" lease timetolive "$lease" --keys | grep "/app/leased" >/dev/null || fail "etcfs lost the lease: $(ctl --endpoints "$eps" lease timetolive "$lease" --keys)"
before=$(revision_of "$eps")
ctl --endpoints "$eps" put /app/after "after the restore" >/dev/null
[ "$(revision_of "$eps")" = $((before + 1)) ] || fail "etcfs's first write after the restore"
wait_content "$work/mnt/app/after" "after the restore"
[ "$(ctl --endpoints "$eps" endpoint hashkv --cluster | awk '{print $2}' | sort -u | wc -l)" = 1 ] \
  || fail "the restored members differ: $(ctl --endpoints "$eps" endpoint hashkv --cluster)"
echo "PASS: etcfs -> etcd (save, status, restore) and etcd -> 3 etcfs members: the same keys, revisions and lease"
