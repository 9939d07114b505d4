#!/usr/bin/env bash
# mount.etcfs against Debian's etcd 3.4 (3 members): file attributes survive
# in etcd, changes made with etcdctl appear, losing the first endpoint moves
# the mount to the next, and with every endpoint stopped reads go on from the
# mirror while writes fail within commit_timeout; when etcd returns, the
# mount catches up and writes again. Nothing acknowledged is lost.
#   remote.sh ETCFSD MOUNT_ETCFS
etcfsd=$(realpath "$1")
mount_etcfs=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"

e() { ctl --endpoints "$etcd_eps" "$@"; }

start_etcd 3
# The mount's first endpoint is a follower, so that losing it tests the move
# to the next endpoint, not an election (after which etcd may drop a write in
# flight until its request timeout, for any client).
is_leader() {
  ctl --endpoints "127.0.0.1:${etcd_cport[$1]}" endpoint status -w fields |
    awk '/"MemberID"/ {m = $3} /"Leader"/ {l = $3} END {exit !(m == l)}'
}
first=1
is_leader 1 && first=2
eps="127.0.0.1:${etcd_cport[$first]}"
for i in 1 2 3; do [ "$i" = "$first" ] || eps+=",127.0.0.1:${etcd_cport[$i]}"; done
m="$work/mnt"
mount_remote "$eps:/app/" "$m" commit_timeout=2s

# --- the prefix, attributes, etcdctl changes ----------------------------------
e put /app/from-api hello >/dev/null
e put /outside nope >/dev/null
wait_content "$m/from-api" hello
[ ! -e "$m/outside" ] || fail "a key outside the mounted prefix is shown"
mkdir -p "$m/conf.d"
echo 'port 80' >"$m/conf.d/web.conf"
chmod 640 "$m/conf.d/web.conf"
chown 1000:1000 "$m/conf.d/web.conf"
ln -s conf.d/web.conf "$m/current"
[ "$(e get /app/conf.d/web.conf --print-value-only)" = "port 80" ] || fail "the file's key"
[ "$(e get /app/current --print-value-only)" = "conf.d/web.conf" ] || fail "the symlink's key holds its target"
# Each change (write, chmod, chown) is a revision of the key, as etcd counts them.

xattr() { python3 -c "import os, sys; print(os.getxattr(sys.argv[1], 'user.etcfs.' + sys.argv[2]).decode())" "$@"; }
field() { e get /app/conf.d/web.conf -w fields | awk -v f="\"$1\"" '$1 == f {print $3}'; }
for x in revision:ModRevision create_revision:CreateRevision version:Version; do
  want=$(field "${x#*:}")
  [ "$(xattr "$m/conf.d/web.conf" "${x%:*}")" = "$want" ] ||
    fail "user.etcfs.${x%:*}: $(xattr "$m/conf.d/web.conf" "${x%:*}"), etcd says $want"
done

# A second mount of the same prefix sees the attributes kept in etcd.
m2="$work/mnt2"
mount_remote "$eps:/app/" "$m2"
[ "$(stat -c '%a %u %g %F' "$m2/conf.d/web.conf")" = "640 1000 1000 regular file" ] ||
  fail "attributes on the second mount: $(stat -c '%a %u %g %F' "$m2/conf.d/web.conf")"
[ "$(readlink "$m2/current")" = conf.d/web.conf ] || fail "the symlink on the second mount"
echo 'port 8080' >"$m2/conf.d/web.conf"
wait_content "$m/conf.d/web.conf" 'port 8080'
[ "$(stat -c '%a %u' "$m/conf.d/web.conf")" = "640 1000" ] || fail "a write kept the attributes"
# etcdctl rewrites the value; the attributes stay.
e put /app/conf.d/web.conf 'port 9090' >/dev/null
wait_content "$m2/conf.d/web.conf" 'port 9090'
[ "$(stat -c '%a' "$m2/conf.d/web.conf")" = 640 ] || fail "an API write kept the attributes"
# A key deleted and made again through the API does not take the old attributes.
e del /app/from-api >/dev/null
e put /app/from-api again >/dev/null
wait_content "$m/from-api" again
[ "$(stat -c '%a %u' "$m/from-api")" = "644 0" ] || fail "a recreated key shows defaults: $(stat -c '%a %u' "$m/from-api")"
mv "$m/conf.d" "$m/conf"
[ "$(e get /app/conf/web.conf --print-value-only)" = 'port 9090' ] || fail "a directory rename"
[ "$(stat -c '%a' "$m2/conf/web.conf" 2>/dev/null)" = 640 ] || sleep 0.5
[ "$(stat -c '%a' "$m2/conf/web.conf")" = 640 ] || fail "a rename carries the attributes"

# --- the first endpoint goes: the mount moves to the next ---------------------
kill_etcd "$first"
echo moved-on >"$m/failover" || fail "a write with the first endpoint down"
e put /app/after-failover yes >/dev/null
wait_content "$m/after-failover" yes
wait_content "$m2/failover" moved-on  # the second mount's watch moved on too

# --- every endpoint down: reads go on, writes fail within the bound -----------
for i in 1 2 3; do [ "$i" = "$first" ] || kill_etcd "$i"; done
[ "$(cat "$m/conf/web.conf")" = 'port 9090' ] || fail "a read with etcd down"
[ "$(cat "$m2/failover")" = moved-on ] || fail "a read on the second mount with etcd down"
ls -la "$m" >/dev/null || fail "a listing with etcd down"
find "$m" -type f | sort >/dev/null || fail "find with etcd down"
start_ms=$(( $(date +%s%N) / 1000000 ))
expect_error "a write with etcd down" "Connection timed out" bash -c "echo lost > '$m/failover'"
took=$(( $(date +%s%N) / 1000000 - start_ms ))
[ "$took" -lt 4500 ] || fail "the write with etcd down took ${took} ms (commit_timeout=2s)"
[ "$(cat "$m/failover")" = moved-on ] || fail "the failed write shows: $(cat "$m/failover")"
expect_error "mkdir with etcd down" "Connection timed out" mkdir "$m/newdir"

# --- etcd returns: the watch resumes and writes work ----------------------------
for i in 1 2 3; do restart_etcd "$i" nowait; done
for i in 1 2 3; do wait_etcd "$i"; done
e put /app/after-outage back >/dev/null
wait_content "$m/after-outage" back
wait_content "$m2/after-outage" back
for _ in $(seq 1 50); do echo written-again >"$m/failover" 2>/dev/null && break; sleep 0.2; done
[ "$(e get /app/failover --print-value-only)" = written-again ] || fail "a write after the outage"
wait_content "$m2/failover" written-again
for f in conf/web.conf current failover after-failover; do
  [ -n "$(e get "/app/$f" --print-value-only)" ] || fail "acknowledged /app/$f lost"
done
echo "PASS: remote mounts of a 3-member etcd: attributes, failover, reads through a full outage," \
  "write refused in ${took} ms (commit_timeout=2s), catch-up after"
