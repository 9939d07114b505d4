#!/usr/bin/env bash
# A mount made by root serves every user as a local filesystem would: the
# kernel checks each file's mode, owner and group (allow_other with
# default_permissions). A file a user creates carries its uid and gid on
# every node. -o noallow_other keeps the mount to root.
#   other_users.sh ETCFSD
etcfsd=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"
chmod 0755 "$work"  # the mount points below it are reached by user nobody
nobody=$(id -u nobody); nogroup=$(id -g nobody)
# as_nobody COMMAND...: COMMAND as user nobody, without root's groups.
as_nobody() { setpriv --reuid="$nobody" --regid="$nogroup" --clear-groups -- "$@"; }

plan_cluster 3
start_member 1 "$work/a"
start_member 2 "$work/b"
start_member 3 "$work/c" --mount-options noallow_other
wait_member 1 "$work/a"; wait_member 2 "$work/b"; wait_member 3 "$work/c"
a="$work/a"; b="$work/b"

echo public >"$a/public.conf"
echo secret >"$a/secret.conf" && chmod 0600 "$a/secret.conf"
mkdir "$a/home" && chown "$nobody:$nogroup" "$a/home"

[ "$(as_nobody cat "$a/public.conf")" = public ] || fail "nobody cannot read a 0644 file"
as_nobody ls "$a" | grep -qx public.conf || fail "nobody cannot list the mount's root"
expect_error "nobody reading root's 0600 file" "Permission denied" as_nobody cat "$a/secret.conf"
expect_error "nobody writing root's 0644 file" "Permission denied" as_nobody sh -c "echo x >'$a/public.conf'"
expect_error "nobody creating a file in root's directory" "Permission denied" as_nobody touch "$a/mine"

# In a directory it owns: its files, with its uid and gid, on both nodes.
as_nobody sh -c "echo hello >'$a/home/note' && mkdir '$a/home/sub' && echo deep >'$a/home/sub/f'"
wait_content "$b/home/sub/f" deep
for f in "$a/home/note" "$b/home/note" "$b/home/sub" "$b/home/sub/f"; do
  [ "$(stat -c %u:%g "$f")" = "$nobody:$nogroup" ] || fail "$f is owned by $(stat -c %u:%g "$f"), not nobody"
done
[ "$(as_nobody cat "$b/home/note")" = hello ] || fail "nobody cannot read its file on the other node"
as_nobody chmod 0600 "$b/home/note"
for _ in $(seq 1 100); do [ "$(stat -c %a "$a/home/note")" = 600 ] && break; sleep 0.05; done
[ "$(stat -c %a "$a/home/note")" = 600 ] || fail "nobody's chmod on b not seen on a"
as_nobody cat "$a/home/note" >/dev/null || fail "nobody cannot read its own 0600 file"
expect_error "nobody chowning its file to root" "Operation not permitted" as_nobody chown 0 "$a/home/note"

# noallow_other: the mount is root's alone.
wait_content "$work/c/public.conf" public
expect_error "nobody on a noallow_other mount" "Permission denied" as_nobody cat "$work/c/public.conf"
grep -q "allow_other" /proc/self/mountinfo || fail "no mount has allow_other"
awk -v d="$work/c" '$5 == d' /proc/self/mountinfo | grep -q allow_other &&
  fail "the noallow_other mount has allow_other"
awk -v d="$a" '$5 == d' /proc/self/mountinfo | grep -q "allow_other" ||
  fail "root's default mount lacks allow_other: $(awk -v d="$a" '$5 == d' /proc/self/mountinfo)"
echo "other users: ok"
