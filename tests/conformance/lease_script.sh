#!/usr/bin/env bash
# etcdctl's lease commands. Lease ids are chosen at random by each server and
# remaining seconds depend on timing, so both are replaced before comparing.
#   lease_script.sh ENDPOINT
set -u
ep=$1
ctl() { ETCDCTL_API=3 etcdctl --endpoints "$ep" --command-timeout=5s "$@" 2>&1 | grep -v '"level":'; }
# etcd lists a lease's attached keys in Go map order, which varies run to run.
sort_keys() {
  perl -pe 's{attached keys\(\[([^\]]*)\]\)}{"attached keys([" . join(" ", sort split / /, $1) . "])"}e'
}
norm() { sed -E "s/$1/LEASE/g; s/remaining\([0-9]+s\)/remaining(Rs)/" | sort_keys; }
run() {
  echo "\$ etcdctl $*" | norm "${id:-NOID}"
  ctl "$@" | norm "${id:-NOID}"
}
grant=$(ctl lease grant 60)
id=$(echo "$grant" | awk '{print $2}')
echo "$grant" | norm "$id"
run put --lease="$id" /lk1 v1
run put --lease="$id" /lk2 v2
run get --prefix /lk
run lease timetolive "$id"
run lease timetolive --keys "$id"
run lease list
run lease keep-alive --once "$id"
run lease revoke "$id"
run get --prefix /lk
run lease timetolive "$id"
run lease revoke "$id"
run put --lease=1234abcd /nolease v
short=$(ctl lease grant 1)
id=$(echo "$short" | awk '{print $2}')
echo "$short" | norm "$id"
run put --lease="$id" /short v
run get /short
# Expiry takes the minimum TTL (2 s on both) plus however long a loaded machine
# needs to propose and apply the revoke; wait for it rather than guess a sleep.
for _ in $(seq 1 300); do
  [ -z "$(ctl get /short)" ] && break
  sleep 0.1
done
run get /short
run lease list
