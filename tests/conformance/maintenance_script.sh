#!/usr/bin/env bash
# etcdctl's maintenance commands. Endpoints, timings and hash values differ
# between two servers by nature and are replaced before comparing.
#   maintenance_script.sh ENDPOINT
set -u
ep=$1
run() {
  echo "\$ etcdctl $*"
  ETCDCTL_API=3 etcdctl --endpoints "$ep" --command-timeout=5s "$@" 2>&1 | grep -v '"level":' |
    sed -E 's/"cluster_id":[0-9]+/"cluster_id":C/; s/"member_id":[0-9]+/"member_id":M/; s/127\.0\.0\.1:[0-9]+/ENDPOINT/g; s/took = [0-9.]+[mµn]?s/took = T/; s/"hash":[0-9]+/"hash":H/; s/, [0-9]+$/, H/'
}
run put a 1
run endpoint health
run alarm list
run alarm disarm
run defrag
run endpoint hashkv
run endpoint hashkv -w json
run compaction 2
run get a
