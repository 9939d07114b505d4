#!/usr/bin/env bash
# inotify across nodes (echo): on node B's mount of a 3-member cluster, a change
# made through node A's mount or through etcdctl against node C raises the
# events the same change raises on a tmpfs directory (consecutive repeats
# folded, as inotify itself folds them); a change made on B itself raises them
# once; a remote change to a file B holds open for writing does not hang;
# rapid changes end with the final value and its events; -o notify=off raises
# nothing for changes made elsewhere.
#   inotify.sh ETCFSD
etcfsd=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"
command -v inotifywait >/dev/null || fail "inotifywait is not installed (make deps installs inotify-tools)"

plan_cluster 3
start_member 1 "$work/a"
start_member 2 "$work/b"
start_member 3 "$work/c" --mount-options notify=off
wait_member 1 "$work/a"; wait_member 2 "$work/b"; wait_member 3 "$work/c"
make_tmpfs "$work/t"
on() { local i=$1; shift; ctl --endpoints "127.0.0.1:${cport[$i]}" "$@"; }
a="$work/a" b="$work/b" t="$work/t"

for f in f1 f2 f3 f4; do echo init >"$a/$f"; echo init >"$t/$f"; done
wait_content "$b/f4" init
wait_content "$work/c/f4" init

watch_events "$b" b
watch_events "$t" t
watch_events "$work/c" c
# Each step waits for the events before it reads the result: a lookup that
# comes before the echo shows a new file at once, and takes its IN_CREATE
# (reads come before events).

# A new value through node A's mount.
echo one >"$a/f1"; echo one >"$t/f1"
same_events b t "a write on node A"
wait_content "$b/f1" one
# A new value through etcdctl against node C (a whole-value write).
on 3 put /f2 two >/dev/null; printf two >"$t/f2"
same_events b t "etcdctl put on node C"
wait_content "$b/f2" two
# chmod and touch on node A.
chmod 600 "$a/f3"; chmod 600 "$t/f3"
same_events b t "chmod on node A"
# utimens (not touch, which also opens the file for writing: its events
# depend on how it was called, and only the resulting state travels).
utime() { python3 -c "import os, sys; os.utime(sys.argv[1], (1612325106, 1612325106))" "$1"; }
utime "$a/f3"; utime "$t/f3"
same_events b t "utimens on node A"
chown 1000:1000 "$a/f4"; chown 1000:1000 "$t/f4"
same_events b t "chown on node A"
# A change made on B itself raises its events once.
echo local >"$b/f4"; echo local >"$t/f4"
same_events b t "a write on node B itself"
for d in "$b" "$t"; do
  mkdir "$d/own"; mv "$d/own" "$d/own2"; echo x >"$d/own.f"; mv "$d/own.f" "$d/own.g"; chmod 700 "$d/own.g"
  rm "$d/own.g"; rmdir "$d/own2"
done
same_events b t "mkdir, renames, chmod, rm and rmdir on node B itself"
[ "$(stat -c %a "$b/f3")" = 600 ] || fail "chmod seen on B"

# Files created and deleted elsewhere: IN_CREATE, IN_DELETE.
echo new >"$a/n1"; echo new >"$t/n1"
same_events b t "a file created on node A"
wait_content "$b/n1" new
on 3 put /n2 fresh >/dev/null; printf fresh >"$t/n2"
same_events b t "a key put for the first time on node C"
wait_content "$b/n2" fresh
rm "$a/n1"; rm "$t/n1"
same_events b t "a file removed on node A"
on 3 del /n2 >/dev/null; rm "$t/n2"
same_events b t "a key deleted on node C"
[ ! -e "$b/n1" ] && [ ! -e "$b/n2" ] || fail "deleted files still on B"
# A lease expiring deletes its key: the same IN_DELETE.
lease=$(on 3 lease grant 2 | awk '{print $2}')
on 3 put /n3 leased --lease="$lease" >/dev/null; printf leased >"$t/n3"
same_events b t "a leased key put on node C"
wait_content "$b/n3" leased
rm "$t/n3"
same_events b t "the lease expiring"

# Directories made and removed elsewhere: IN_CREATE|IN_ISDIR, IN_DELETE|IN_ISDIR,
# and IN_DELETE_SELF on a watch of the directory itself.
mkdir "$a/d1"; mkdir "$t/d1"
same_events b t "mkdir on node A"
[ -d "$b/d1" ] || fail "$b/d1 is not on B after its events"
on 3 put /d2/x inside >/dev/null; mkdir "$t/d2"; printf inside >"$t/d2/x"
same_events b t "etcdctl put of a key in a new directory on node C"
wait_content "$b/d2/x" inside
inotifywait -e delete_self --format '%e' "$b/d1" >"$work/self-b.events" 2>"$work/self-b.err" &
pid[self-b]=$!
inotifywait -e delete_self --format '%e' "$t/d1" >"$work/self-t.events" 2>"$work/self-t.err" &
pid[self-t]=$!
for _ in $(seq 1 100); do grep -qs "Watches established" "$work/self-b.err" && grep -qs "Watches established" "$work/self-t.err" && break; sleep 0.05; done
rmdir "$a/d1"; rmdir "$t/d1"
same_events b t "rmdir on node A"
for _ in $(seq 1 100); do [ -s "$work/self-b.events" ] && break; sleep 0.05; done
[ "$(cat "$work/self-b.events")" = "$(cat "$work/self-t.events")" ] ||
  fail "a watch of the removed directory itself: '$(cat "$work/self-b.events")' on B, '$(cat "$work/self-t.events")' on tmpfs"
on 3 del --prefix /d2/ >/dev/null; rm -r "$t/d2"
same_events b t "etcdctl del --prefix of a directory's keys on node C"

# Renames: IN_MOVED_FROM and IN_MOVED_TO with one cookie, for a file, a file
# renamed over another (write-temp-then-rename), a directory, a symlink.
inotifywait -m -e moved_from,moved_to --format '%e %c %f' "$b" >"$work/cookies.events" 2>"$work/cookies.err" &
pid[cookies]=$!
for _ in $(seq 1 100); do grep -q "Watches established" "$work/cookies.err" && break; sleep 0.05; done
mv "$a/f2" "$a/f2.moved"; mv "$t/f2" "$t/f2.moved"
same_events b t "a rename on node A"
wait_content "$b/f2.moved" two
echo "new config" >"$a/.f3.tmp"; echo "new config" >"$t/.f3.tmp"
for _ in $(seq 1 100); do grep -q "CLOSE_WRITE,CLOSE .f3.tmp" "$work/b.events" && break; sleep 0.05; done
mv "$a/.f3.tmp" "$a/f3"; mv "$t/.f3.tmp" "$t/f3"
same_events b t "a temporary file renamed over another on node A"
wait_content "$b/f3" "new config"
mkdir -p "$a/dir1/sub"; echo deep >"$a/dir1/sub/file"; mkdir -p "$t/dir1/sub"; echo deep >"$t/dir1/sub/file"
same_events b t "a directory tree made on node A"
wait_content "$b/dir1/sub/file" deep
mv "$a/dir1" "$a/dir2"; mv "$t/dir1" "$t/dir2"
same_events b t "a directory renamed on node A"
wait_content "$b/dir2/sub/file" deep
ln -s f1 "$a/l1"; ln -s f1 "$t/l1"
same_events b t "a symlink made on node A"
[ -L "$b/l1" ] || fail "$b/l1 is not on B after its events"
[ "$(readlink "$b/l1")" = f1 ] || fail "the symlink's target on B: $(readlink "$b/l1")"
mv "$a/l1" "$a/l2"; mv "$t/l1" "$t/l2"
same_events b t "a symlink renamed on node A"
rm "$a/l2"; rm "$t/l2"
same_events b t "a symlink removed on node A"
# Not a rename: an etcd txn that deletes one key and puts its value under another.
on 3 txn <<<$'\ndel /f2.moved\nput /f2.txn two\n\n' >/dev/null; rm "$t/f2.moved"; printf two >"$t/f2.txn"
same_events b t "an etcdctl txn moving a value on node C"
wait_content "$b/f2.txn" two
moves=$(grep -c MOVED_FROM "$work/cookies.events")
[ "$moves" = 4 ] || fail "4 renames raised $moves IN_MOVED_FROM on B: $(cat "$work/cookies.events")"
awk '{ c[$2]++ } END { for (k in c) if (k == 0 || c[k] != 2) exit 1 }' "$work/cookies.events" ||
  fail "IN_MOVED_FROM and IN_MOVED_TO do not share one cookie per rename: $(cat "$work/cookies.events")"

# A remote change to a file that B holds open for writing: no hang, events raised.
exec 7>>"$b/f1"
printf partial >&7
timeout 10 bash -c "ETCDCTL_API=3 etcdctl --endpoints 127.0.0.1:${cport[3]} put /f1 remote >/dev/null" ||
  fail "etcdctl put hung while B held the file open"
printf remote >"$t/f1"
for _ in $(seq 1 100); do tail -n 1 "$work/b.events" | grep -q "CLOSE_WRITE,CLOSE f1" && break; sleep 0.05; done
timeout 10 bash -c "exec 7>&-" || fail "closing B's descriptor hung"
exec 7>&-

# Rapid changes from node A: the final value arrives, and its events last.
for i in $(seq 1 300); do echo "$i" >"$a/rapid"; done
wait_content "$b/rapid" 300
for _ in $(seq 1 100); do tail -n 1 "$work/b.events" | grep -q "CLOSE_WRITE,CLOSE rapid" && break; sleep 0.05; done
tail -n 1 "$work/b.events" | grep -q "CLOSE_WRITE,CLOSE rapid" || fail "the last event is not rapid's CLOSE_WRITE"
replays=$(grep -c "CLOSE_WRITE,CLOSE rapid" "$work/b.events")

# A legacy reloader on node B, written as nginx-style reloaders are: it rereads
# its config file on IN_CLOSE_WRITE or IN_MOVED_TO of it, and logs what it read.
mkdir -p "$a/app"; echo "listen 80" >"$a/app/app.conf"
wait_content "$b/app/app.conf" "listen 80"
sh -c 'echo $$ >"$1"; exec inotifywait -m -e close_write,moved_to --format %f "$2" 2>"$3"' sh \
  "$work/reloader.pid" "$b/app" "$work/reloader.err" |
  while read -r f; do [ "$f" = app.conf ] && echo "reloaded: $(cat "$b/app/app.conf")" >>"$work/reloads"; done &
for _ in $(seq 1 100); do grep -q "Watches established" "$work/reloader.err" 2>/dev/null && break; sleep 0.05; done
pid[reloader]=$(cat "$work/reloader.pid")  # the pipeline ends with it
on 3 put /app/app.conf "listen 8080" >/dev/null
for _ in $(seq 1 100); do grep -q "reloaded: listen 8080" "$work/reloads" 2>/dev/null && break; sleep 0.05; done
grep -q "reloaded: listen 8080" "$work/reloads" 2>/dev/null ||
  fail "the reloader on node B did not pick up etcdctl's change: $(cat "$work/reloads" 2>&1)"

# -o notify=off: the changes above reached C's mount but raised nothing there.
wait_content "$work/c/rapid" 300
[ ! -s "$work/c.events" ] || fail "notify=off mount raised events: $(head -3 "$work/c.events")"
echo "PASS: remote writes, creates, deletes (also by lease expiry), mkdir, rmdir, renames of files, directories" \
  "and symlinks (one cookie each), etcdctl puts and txns, chmod, utimens and chown raise" \
  "tmpfs's events on node B; local ones once;" \
  "a reloader picks up etcdctl's change; no hang on an open file; 300 rapid writes replayed as $replays close-writes ending with the last; notify=off silent"
