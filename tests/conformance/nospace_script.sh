#!/usr/bin/env bash
# The NOSPACE alarm: writes past --quota-backend-bytes (4 MiB, given to both
# servers) raise it; reads still work; writes are refused until compaction,
# defragmentation and `alarm disarm` free the space. How many writes fit
# differs between two backends by nature, so only the outcome is printed.
#   nospace_script.sh ENDPOINT
set -u
ep=$1
ctl() { ETCDCTL_API=3 etcdctl --endpoints "$ep" --command-timeout=10s "$@"; }
run() {
  echo "\$ etcdctl $*"
  ctl "$@" 2>&1 | grep -v '"level":' |
    sed -E 's/memberID:[0-9]+/memberID:M/; s/127\.0\.0\.1:[0-9]+/ENDPOINT/g; s/compacted revision [0-9]+/compacted revision R/'
}
value=$(mktemp)
trap 'rm -f "$value"' EXIT
head -c $((256 * 1024)) /dev/zero | tr '\0' v >"$value"

echo "# fill: 256 KiB values under one key until the quota is reached"
for i in $(seq 1 100); do
  if ! out=$(ctl put big <"$value" 2>&1); then
    echo "refused after some writes: ${out##*$'\n'}"
    break
  fi
  [ "$i" = 100 ] && echo "FAIL: 25 MiB written under a 4 MiB quota without a refusal"
done
run alarm list
run put small 1
run get big --keys-only
run del big
rev=$(ctl get small -w json | sed -E 's/.*"revision":([0-9]+).*/\1/')
echo "\$ etcdctl compaction --physical \$current_revision"
ctl compaction --physical "$rev" 2>&1 | sed -E 's/compacted revision [0-9]+/compacted revision R/'
run defrag
run put small 1
run alarm disarm
run put small 1
run get small
run alarm list
