#!/usr/bin/env bash
# etcdctl against a 3-member cluster: member list/add --learner/promote/
# update/remove and their errors, endpoint status/health/hashkv --cluster,
# defrag --cluster, move-leader, make-mirror, snapshot save, check perf.
# Member ids, ports and timings differ between servers, so they are replaced,
# and lists whose order follows the ids are sorted, before comparing.
#   cluster_script.sh ENDPOINTS SPARE_PEER_URL SPARE_PEER_URL2
set -u
eps=$1 spare=$2 spare2=$3
first=${eps%%,*}
tmp=$(mktemp -d /tmp/etcfs-cluster-script-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
ctl() { ETCDCTL_API=3 etcdctl --endpoints "$eps" --command-timeout=10s "$@" 2>&1 | grep -v '"level":'; }
norm() {
  sed -E 's/ +\b[0-9a-f]{8,16}\b/ ID/g; s/\b[0-9a-f]{8,16}\b/ID/g; s/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g; s/took = [^ ]+/took = T/' |
    perl -pe 's{(ETCD_INITIAL_CLUSTER=")([^"]*)}{$1 . join(",", sort split /,/, $2)}e'
}
run() { echo "\$ etcdctl $*" | norm; ctl "$@" | norm; }
runs() { echo "\$ etcdctl $* (sorted)" | norm; ctl "$@" | norm | sort; }
member_id() { ctl member list | awk -F', ' -v n="$1" '$3 == n {print $1}'; }

runs member list
run put k v
runs endpoint health --cluster
echo "\$ etcdctl endpoint status --cluster (leaders and learners)"
ctl endpoint status --cluster | awk -F', ' '{print "leader=" $5, "learner=" $6}' | sort | uniq -c
echo "\$ etcdctl endpoint hashkv --cluster (distinct hashes)"
ctl endpoint hashkv --cluster | awk '{print $NF}' | sort -u | wc -l
runs defrag --cluster

# etcd refuses reconfiguration until its leader has been connected to a
# quorum for 5 s (its HealthInterval); start-up was just now.
sleep 6
run member add n4 --learner --peer-urls="$spare"
runs member list
n4=$(ctl member list | awk -F', ' '$4 == "'"$spare"'" {print $1}')
run member promote "$n4"
run member update "$n4" --peer-urls="$spare2"
run member add n5 --peer-urls="$spare2"
run member add n5 --learner --peer-urls="$spare"
run member remove "$n4"
run member remove "$n4"
run member remove 1234
run member promote "$(member_id n1)"
runs member list

follower=$(ctl endpoint status --cluster | awk -F', ' '$5 == "false" {print $2; exit}')
run move-leader "$follower"
echo "\$ etcdctl endpoint status --cluster (the new leader is the one asked for)"
[ "$(ctl endpoint status --cluster | awk -F', ' '$5 == "true" {print $2}')" = "$follower" ] && echo moved

for k in a b c; do ctl put "src/$k" "$k" >/dev/null; done
echo "\$ etcdctl make-mirror --prefix=src/ --dest-prefix=dst/ (for 4 s)"
timeout 4 env ETCDCTL_API=3 etcdctl --endpoints "$first" make-mirror --prefix=src/ --dest-prefix=dst/ "$first" >/dev/null 2>&1
run get --prefix dst/

echo "\$ etcdctl snapshot save"
(cd "$tmp" && ETCDCTL_API=3 etcdctl --endpoints "$first" snapshot save s.db 2>&1 | grep -v '"level":')
[ -s "$tmp/s.db" ] && echo "the file is there"

# Its verdicts are about the machine's speed at that moment (etcd's own fail
# under load): that it runs to its verdicts is what is compared.
echo "\$ etcdctl check perf --load=s (runs to its verdicts)"
perf=$(ctl check perf --load=s 2>&1)
grep -qE '^(PASS|FAIL)' <<<"$perf" && echo "verdicts printed"
run alarm list
