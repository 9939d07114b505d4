#!/usr/bin/env bash
# Named pipes, unix sockets and device nodes made on one node are there on
# the other with the same type, mode and device number; the kernel serves
# what is opened (a pipe between two processes, a socket). atime is kept
# when set and never by reads; ctime follows every change; all three times
# are the same on both nodes.
#   special_files.sh ETCFSD
etcfsd=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"
py=/usr/bin/python3

start_two_mounts
# wait_stat PATH FORMAT EXPECTED: stat -c FORMAT of PATH becomes EXPECTED.
wait_stat() {
  for _ in $(seq 1 100); do [ "$(stat -c "$2" "$1" 2>/dev/null)" = "$3" ] && return 0; sleep 0.05; done
  fail "stat -c '$2' $1: '$(stat -c "$2" "$1" 2>&1)', expected '$3'"
}

mkfifo -m 0640 "$a/pipe"
mknod -m 0666 "$a/null" c 1 3
mknod -m 0660 "$a/disk" b 8 1
$py -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$a/sock"
wait_stat "$b/pipe" "%F %a %u" "fifo 640 0"
wait_stat "$b/null" "%F %a %t:%T" "character special file 666 1:3"
wait_stat "$b/disk" "%F %a %t:%T" "block special file 660 8:1"
wait_stat "$b/sock" "%F" "socket"
ls -l "$b" | grep -q '^prw-r-----' || fail "ls -l on b: $(ls -l "$b")"
[ "$(ctl --endpoints "127.0.0.1:${cport[3]}" get /pipe --print-value-only)" = "" ] &&
  ctl --endpoints "127.0.0.1:${cport[3]}" get /pipe --keys-only | grep -x /pipe >/dev/null || fail "/pipe is not an empty key"

# The kernel serves the pipe between two processes of one node...
( echo through-the-pipe >"$b/pipe" ) &
writer=$!
[ "$(timeout 10 cat "$b/pipe")" = through-the-pipe ] || fail "the fifo did not carry the line"
wait "$writer"
# ...and a socket bound in the mount.
rm "$a/sock"
$py - "$a/sock" <<'EOF' || fail "a unix socket bound in the mount"
import os, socket, sys
path = sys.argv[1]
server = socket.socket(socket.AF_UNIX)
server.bind(path)
server.listen(1)
client = socket.socket(socket.AF_UNIX)
client.connect(path)
conn, _ = server.accept()
client.sendall(b"hello")
assert conn.recv(5) == b"hello"
EOF
# FUSE mounts are nodev: a device node names the device without opening it.
awk -v d="$a" '$5 == d' /proc/self/mountinfo | grep -q nodev || fail "the mount is not nodev"
expect_error "opening a device on a nodev mount" "Permission denied" head -c 1 "$a/null"

# Times: atime set explicitly and kept; reads leave it; ctime follows changes.
echo v >"$a/f"
touch -a -d @1234567890 "$a/f"
wait_stat "$b/f" "%X" 1234567890
cat "$a/f" "$b/f" >/dev/null
[ "$(stat -c %X "$a/f")" = 1234567890 ] || fail "a read changed the atime: $(stat -c %X "$a/f")"
times() { $py -c 'import os,sys; s=os.stat(sys.argv[1]); print(s.st_atime_ns, s.st_mtime_ns, s.st_ctime_ns)' "$1"; }
before=$(times "$a/f")
chmod 0600 "$a/f"
wait_stat "$b/f" "%a" 600
after=$(times "$a/f")
[ "${before% *}" = "${after% *}" ] || fail "chmod changed atime or mtime: $before -> $after"
[ "${after##* }" -gt "${before##* }" ] || fail "chmod left the ctime: $before -> $after"
[ "$(times "$b/f")" = "$after" ] || fail "the times differ between nodes: $after on a, $(times "$b/f") on b"
touch -m -d @1000000000 "$a/f"
wait_stat "$b/f" "%Y" 1000000000
[ "$(stat -c %Z "$b/f")" -gt 1000000000 ] || fail "touch -m moved the ctime into the past"

# A directory's mtime and ctime move when an entry is created, removed or
# renamed in it, the same on both nodes; a write into a file leaves them.
dir_times() { $py -c 'import os,sys; s=os.stat(sys.argv[1]); print(s.st_mtime_ns, s.st_ctime_ns)' "$1"; }
# same_dir_times DIR: a/DIR and b/DIR agree (b applies a moment later).
same_dir_times() {
  for _ in $(seq 1 100); do [ "$(dir_times "$a/$1")" = "$(dir_times "$b/$1")" ] && return 0; sleep 0.05; done
  fail "$1: $(dir_times "$a/$1") on a, $(dir_times "$b/$1") on b"
}
mkdir "$a/d" "$a/e"
echo 1 >"$a/d/x"
same_dir_times d
t0=$(dir_times "$a/d")
echo 2 >"$a/d/x"
[ "$(dir_times "$a/d")" = "$t0" ] || fail "writing a file changed its directory's times"
for step in "touch $a/d/y" "rm $a/d/y" "mv $a/d/x $a/e/x" "mkdir $a/d/sub" "rmdir $a/d/sub"; do
  sleep 0.01
  $step
  t1=$(dir_times "$a/d")
  [ "${t1% *}" -gt "${t0% *}" ] && [ "${t1#* }" -gt "${t0#* }" ] || fail "$step: the directory's times stayed ($t0 -> $t1)"
  same_dir_times d
  t0=$t1
done
same_dir_times e
[ "$(stat -c %Y "$a/e")" -ge "$(stat -c %Y "$a/e/x")" ] || fail "e's mtime is older than the file moved into it"
echo "special files and times: ok"
