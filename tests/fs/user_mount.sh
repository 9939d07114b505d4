#!/usr/bin/env bash
# A mount made by an ordinary user, as FUSE allows one: mount.etcfs run as
# user nobody on a directory it owns mounts through fusermount3 (setuid
# root). Without allow_other the mount is that user's alone; root is refused
# too, as FUSE does. -o allow_other is refused before mounting, saying what
# to do, unless /etc/fuse.conf has user_allow_other (the test adds the line
# for one step and puts the file back as it was).
# FUSE needs /dev/fuse open to all (0666, as Debian's udev sets it): where it
# is not, the test first checks the helper's message, then runs in a mount
# namespace of its own with a 0666 node bound over /dev/fuse, leaving the
# host's alone.
#   user_mount.sh ETCFSD MOUNT_ETCFS
if [ -z "${ETCFS_USER_MOUNT_NS:-}" ]; then
  exec env ETCFS_USER_MOUNT_NS=1 unshare --mount --propagation private bash "$0" "$@"
fi
etcfsd=$(realpath "$1")
mount_etcfs=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"
command -v fusermount3 >/dev/null || fail "fusermount3 is missing (Debian's fuse3 package)"
chmod 0755 "$work"
nobody=$(id -u nobody); nogroup=$(id -g nobody)
as_nobody() { setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups -- "$@"; }
# nobody may not reach the build tree: its own copy of the helper.
install -m 0755 "$mount_etcfs" "$work/mount.etcfs"

fuse_conf_saved=""
restore_fuse_conf() {
  [ -n "$fuse_conf_saved" ] || return 0
  if [ "$fuse_conf_saved" = absent ]; then rm -f /etc/fuse.conf; else cp -p "$work/fuse.conf.saved" /etc/fuse.conf; fi
}
on_cleanup() { restore_fuse_conf; }

plan_cluster 1
start_member 1 ""
wait_member 1
endpoint="127.0.0.1:${cport[1]}"
ctl --endpoints "$endpoint" put /hello world >/dev/null

# user_mount NAME [OPTIONS]: nobody mounts the cluster on $work/NAME.
user_mount() {
  local dir="$work/$1"
  mkdir -p "$dir" && chown "$nobody:$nogroup" "$dir"
  # Not through as_nobody: $! must be the helper's own pid.
  setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups -- \
    "$work/mount.etcfs" -f "$endpoint:/" "$dir" "${@:2}" 2>>"$work/$1.log" &
  pid[$1]=$!
  mounts+=("$dir")
  for _ in $(seq 1 100); do
    awk -v d="$dir" '$5 == d' /proc/self/mountinfo | grep -q fuse && return 0
    kill -0 "${pid[$1]}" 2>/dev/null || fail "nobody's mount.etcfs on $dir ended: $(cat "$work/$1.log")"
    sleep 0.1
  done
  fail "nobody's mount on $dir did not appear"
}

if [ "$(stat -c %a /dev/fuse)" != 666 ]; then
  mkdir -p "$work/closed" && chown "$nobody:$nogroup" "$work/closed"
  expect_error "a user mount where /dev/fuse is root's alone" "/dev/fuse is not open to this user" \
    as_nobody "$work/mount.etcfs" -f "$endpoint:/" "$work/closed"
  mknod -m 0666 "$work/fuse" c "$(stat -c '%Hr' /dev/fuse)" "$(stat -c '%Lr' /dev/fuse)"
  mount --bind "$work/fuse" /dev/fuse
fi

user_mount own
m="$work/own"
info=$(awk -v d="$m" '$5 == d' /proc/self/mountinfo)
echo "$info" | grep -q "user_id=$nobody" || fail "not mounted as nobody: $info"
echo "$info" | grep -q allow_other && fail "an ordinary user's mount has allow_other: $info"
[ "$(as_nobody cat "$m/hello")" = world ] || fail "nobody cannot read through its own mount"
as_nobody sh -c "echo mine >'$m/by-nobody'" || fail "nobody cannot write through its own mount"
[ "$(ctl --endpoints "$endpoint" get /by-nobody --print-value-only)" = mine ] || fail "nobody's write is not in the key space"
[ "$(as_nobody stat -c %u:%g "$m/by-nobody")" = "$nobody:$nogroup" ] || fail "nobody's file is not nobody's"
expect_error "root on nobody's mount without allow_other" "Permission denied" cat "$m/hello"
as_nobody fusermount3 -u "$m" || fail "nobody cannot unmount its mount with fusermount3 -u"
wait "${pid[own]}" || fail "mount.etcfs did not end cleanly after fusermount3 -u: $(cat "$work/own.log")"
unset "pid[own]"

# allow_other: refused without user_allow_other, with what to do.
if [ -e /etc/fuse.conf ]; then cp -p /etc/fuse.conf "$work/fuse.conf.saved"; fuse_conf_saved=present; else fuse_conf_saved=absent; fi
sed -i '/^[[:space:]]*user_allow_other/d' /etc/fuse.conf 2>/dev/null || true
mkdir -p "$work/other" && chown "$nobody:$nogroup" "$work/other"
expect_error "allow_other for an ordinary user without user_allow_other" "user_allow_other" \
  as_nobody "$work/mount.etcfs" -f "$endpoint:/" "$work/other" -o allow_other
echo user_allow_other >>/etc/fuse.conf
user_mount other -o allow_other
[ "$(cat "$work/other/hello")" = world ] || fail "root cannot read nobody's allow_other mount"
restore_fuse_conf
# Stopped, the helper unmounts what it mounted (through fusermount3 too).
kill -TERM "${pid[other]}"
wait "${pid[other]}" || fail "mount.etcfs -o allow_other did not end cleanly on SIGTERM: $(cat "$work/other.log")"
awk -v d="$work/other" '$5 == d' /proc/self/mountinfo | grep -q . && fail "SIGTERM left nobody's mount behind"
unset "pid[other]"
echo "an ordinary user's mount: ok"
