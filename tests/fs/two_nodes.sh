#!/usr/bin/env bash
# Two members of a three-member cluster, each with its own mount: what is
# written, deleted or renamed through one is seen through the other as soon
# as the other has applied it, with the kernel's caches (entries, attributes,
# pages, listings) invalidated exactly. Also changes made through etcdctl.
#   two_nodes.sh ETCFSD
etcfsd=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"

start_two_mounts
c() { ctl --endpoints "127.0.0.1:${cport[3]}" "$@"; }
gone() {
  for _ in $(seq 1 100); do [ ! -e "$1" ] && return 0; sleep 0.05; done
  fail "$1 is still there"
}

mkdir "$a/etc"
echo v1 >"$a/etc/app.conf"
wait_content "$b/etc/app.conf" v1
# B has it cached now (pages, attributes, entry): each change must show.
for v in v2 longer-value-3 4; do
  echo "$v" >"$a/etc/app.conf"
  wait_content "$b/etc/app.conf" "$v"
  [ "$(stat -c %s "$b/etc/app.conf")" = $(( ${#v} + 1 )) ] || fail "stale size on b"
done
ls "$b/etc" >/dev/null  # a cached listing
echo new >"$a/etc/second.conf"
wait_content "$b/etc/second.conf" new
[ "$(ls "$b/etc" | tr '\n' ' ')" = "app.conf second.conf " ] || fail "stale listing on b: $(ls "$b/etc")"
mv "$a/etc/second.conf" "$a/etc/renamed.conf"
gone "$b/etc/second.conf"
wait_content "$b/etc/renamed.conf" new
rm "$a/etc/renamed.conf"
gone "$b/etc/renamed.conf"
[ "$(ls "$b/etc" | tr '\n' ' ')" = "app.conf " ] || fail "stale listing after delete: $(ls "$b/etc")"
chmod 600 "$a/etc/app.conf"
for _ in $(seq 1 100); do [ "$(stat -c %a "$b/etc/app.conf")" = 600 ] && break; sleep 0.05; done
[ "$(stat -c %a "$b/etc/app.conf")" = 600 ] || fail "chmod not seen on b"
mkdir -p "$a/d/e" && echo f >"$a/d/e/f"
wait_content "$b/d/e/f" f
mv "$a/d" "$a/d2"
gone "$b/d"
wait_content "$b/d2/e/f" f
rm -r "$a/d2"
gone "$b/d2"

# Through the API on the third member.
c put /etc/app.conf from-api >/dev/null
wait_content "$a/etc/app.conf" from-api
wait_content "$b/etc/app.conf" from-api
c put /etc/new/key api >/dev/null
wait_content "$b/etc/new/key" api
c del --prefix /etc/new/ >/dev/null
gone "$b/etc/new"
# A name looked up before it existed (a cached negative entry) appears.
[ ! -e "$b/etc/later" ] || fail "etc/later exists already"
c put /etc/later now >/dev/null
wait_content "$b/etc/later" now
# A key that becomes a directory too.
c put /etc/later/sub x >/dev/null
wait_content "$b/etc/later%" now
[ -d "$b/etc/later" ] || fail "etc/later did not become a directory on b"
diff -r --no-dereference "$a" "$b" || fail "the two mounts differ"
echo "PASS: writes, renames, deletes and attribute changes seen across mounts"
