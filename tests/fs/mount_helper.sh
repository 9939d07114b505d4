#!/usr/bin/env bash
# mount.etcfs as mount(8)'s helper: `mount -t etcfs ENDPOINTS:/PREFIX DIR -o
# OPTIONS` and an fstab line (with _netdev, nofail and x-systemd.* options)
# mounted by `mount -a -T FILE`, then umount. mount(8) looks for helpers in
# /sbin only, so the test runs in a mount namespace of its own where a copy
# of /usr/sbin with mount.etcfs added is bound over /usr/sbin: the host's
# /sbin is never touched.
#   mount_helper.sh ETCFSD MOUNT_ETCFS
etcfsd=$(realpath "$1")
mount_etcfs=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"

plan_cluster 1
start_member 1 ""
wait_member 1
ctl --endpoints "127.0.0.1:${cport[1]}" put /app/hello world >/dev/null
mkdir -p "$work/sbin" "$work/m1" "$work/m2"
for f in /usr/sbin/*; do ln -s "$f" "$work/sbin/"; done
ln -sf "$mount_etcfs" "$work/sbin/mount.etcfs"
cat >"$work/fstab" <<FSTAB
# an etcfs line as an operator writes it
127.0.0.1:${cport[1]}:/app/ $work/m2 etcfs _netdev,nofail,x-systemd.automount,x-systemd.mount-timeout=30,uid=1000,gid=1000,mode=0640,commit_timeout=3s 0 0
FSTAB
cat >"$work/inside.sh" <<INSIDE
set -euo pipefail
# The helpers end when their mounts go, also when a step fails.
trap 'umount -l "$work/m1" 2>/dev/null || true; umount -l "$work/m2" 2>/dev/null || true' EXIT
mount --bind "$work/sbin" /usr/sbin
fail() { echo "FAIL: \$*" >&2; exit 1; }
mount -t etcfs "127.0.0.1:${cport[1]}:/app/" "$work/m1" -o notify=off,consistency=linearizable ||
  fail "mount -t etcfs"
[ "\$(cat "$work/m1/hello")" = world ] || fail "the key through mount -t etcfs"
grep -q " $work/m1 fuse.etcfs " /proc/self/mounts || fail "not in /proc/self/mounts as fuse.etcfs: \$(grep $work/m1 /proc/self/mounts)"
mount -a -T "$work/fstab" || fail "mount -a -T with an fstab line"
[ "\$(cat "$work/m2/hello")" = world ] || fail "the key through the fstab mount"
[ "\$(stat -c '%u %g %a' "$work/m2/hello")" = "1000 1000 640" ] || fail "uid/gid/mode from fstab: \$(stat -c '%u %g %a' "$work/m2/hello")"
echo written >"$work/m2/from-fstab" || fail "a write through the fstab mount"
umount "$work/m1" || fail "umount of mount -t etcfs"
umount "$work/m2" || fail "umount of the fstab mount"
! grep -q " $work/m[12] " /proc/self/mounts || fail "still mounted after umount"
INSIDE
# Everything mounted in the namespace goes with it; the helpers exit on umount.
unshare -m --propagation private bash "$work/inside.sh" || fail "inside the mount namespace (above)"
[ "$(ctl --endpoints "127.0.0.1:${cport[1]}" get /app/from-fstab --print-value-only)" = written ] ||
  fail "the write through the fstab mount is not in the cluster"
echo "PASS: mount -t etcfs, an fstab line (_netdev, nofail, x-systemd.*, uid/gid/mode) with mount -a -T, umount"
