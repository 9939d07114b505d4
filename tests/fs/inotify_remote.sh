#!/usr/bin/env bash
# inotify on mount.etcfs mounts of Debian's etcd 3.4: changes made through
# another mount of the same prefix, with etcdctl, and by a lease expiring raise
# on the watched mount the events the same change raises on a tmpfs
# directory; its own changes raise them once.
#   inotify_remote.sh ETCFSD MOUNT_ETCFS
etcfsd=$(realpath "$1")
mount_etcfs=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"
command -v inotifywait >/dev/null || fail "inotifywait is not installed (make deps installs inotify-tools)"

e() { ctl --endpoints "$etcd_eps" "$@"; }
start_etcd 1
a="$work/a" b="$work/b"
mount_remote "$etcd_eps:/app/" "$a"
mount_remote "$etcd_eps:/app/" "$b"
make_tmpfs "$work/t"
t="$work/t"
echo init >"$a/f1"; echo init >"$t/f1"
wait_content "$b/f1" init
watch_events "$b" b
watch_events "$t" t
# Each step waits for the events before it reads the result: a lookup that
# comes before the echo shows a new file at once, and takes its IN_CREATE
# (reads come before events).

echo one >"$a/f1"; echo one >"$t/f1"
same_events b t "a write through the other mount"
wait_content "$b/f1" one
e put /app/f1 two >/dev/null; printf two >"$t/f1"
same_events b t "etcdctl put"
wait_content "$b/f1" two
echo new >"$a/n1"; echo new >"$t/n1"
same_events b t "a file created through the other mount"
wait_content "$b/n1" new
e put /app/n2 fresh >/dev/null; printf fresh >"$t/n2"
same_events b t "a key put for the first time with etcdctl"
wait_content "$b/n2" fresh
chmod 600 "$a/n1"; chmod 600 "$t/n1"
same_events b t "chmod through the other mount"
mv "$a/n1" "$a/n1.moved"; mv "$t/n1" "$t/n1.moved"
same_events b t "a rename through the other mount"
wait_content "$b/n1.moved" new
mkdir "$a/d"; mkdir "$t/d"
same_events b t "mkdir through the other mount"
[ -d "$b/d" ] || fail "$b/d is not on B after its events"
echo x >"$a/d/x"; echo x >"$t/d/x"
mv "$a/d" "$a/d2"; mv "$t/d" "$t/d2"
same_events b t "a directory renamed through the other mount"
wait_content "$b/d2/x" x
rm -r "$a/d2"; rm -r "$t/d2"
same_events b t "rm -r through the other mount"
e del /app/n2 >/dev/null; rm "$t/n2"
same_events b t "etcdctl del"
lease=$(e lease grant 2 | awk '{print $2}')
e put /app/n3 leased --lease="$lease" >/dev/null; printf leased >"$t/n3"
wait_content "$b/n3" leased
rm "$t/n3"
same_events b t "a leased key expiring"
echo local >"$b/f1"; echo local >"$t/f1"
same_events b t "a write on the watched mount itself"
echo "PASS: mount.etcfs of etcd raises tmpfs's events for writes, creates, chmod, renames of files and" \
  "directories, mkdir, rm -r, etcdctl put and del, and a lease expiring; its own changes once"
