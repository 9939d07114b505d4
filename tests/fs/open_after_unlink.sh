#!/usr/bin/env bash
# On real mounts: a file unlinked or renamed over while a process holds it
# open stays whole for that process until its last close (log rotation, an
# editor's save; on another node: deleted, saved over by an editor, deleted
# and written again), and nothing written to it then reaches the key space.
#   open_after_unlink.sh ETCFSD
etcfsd=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"

start_two_mounts
m="$a"
e() { ctl --endpoints "127.0.0.1:${cport[1]}" "$@"; }

echo "line 1" >"$m/app.log"
/usr/bin/python3 - "$m" <<'EOF' || fail "a file unlinked while open"
import os, sys
m = sys.argv[1]
fd = os.open(f"{m}/app.log", os.O_RDWR)
os.rename(f"{m}/app.log", f"{m}/app.log.1")        # logrotate
os.unlink(f"{m}/app.log.1")
assert os.pread(fd, 100, 0) == b"line 1\n", os.pread(fd, 100, 0)
assert os.fstat(fd).st_nlink == 0, os.fstat(fd)
os.pwrite(fd, b"line 2\n", 7)                       # the writer goes on
assert os.pread(fd, 100, 0) == b"line 1\nline 2\n"
assert os.fstat(fd).st_size == 14
os.close(fd)
with open(f"{m}/conf", "w") as f:
    f.write("old")
reader = os.open(f"{m}/conf", os.O_RDONLY)
with open(f"{m}/.conf.new", "w") as f:
    f.write("new")
os.rename(f"{m}/.conf.new", f"{m}/conf")             # an editor's save
assert os.pread(reader, 100, 0) == b"old"
os.close(reader)
assert open(f"{m}/conf").read() == "new"
EOF
# Deleted elsewhere (through the API) while open here: whole once the echo
# unlinked it.
echo "kept" >"$m/shared"
/usr/bin/python3 - "$m" "127.0.0.1:${cport[1]}" <<'EOF' || fail "a file deleted elsewhere while open"
import os, subprocess, sys, time
m, endpoint = sys.argv[1], sys.argv[2]
fd = os.open(f"{m}/shared", os.O_RDONLY)
subprocess.run(["etcdctl", f"--endpoints={endpoint}", "del", "/shared"], check=True, stdout=subprocess.DEVNULL,
               env=dict(os.environ, ETCDCTL_API="3"))
for _ in range(100):
    if not os.path.exists(f"{m}/shared"):
        break
    time.sleep(0.05)
assert not os.path.exists(f"{m}/shared")
assert os.pread(fd, 100, 0) == b"kept\n", os.pread(fd, 100, 0)
assert os.fstat(fd).st_nlink == 0
os.close(fd)
EOF
# Replaced through the other node's mount while open here for reading and
# for writing: an editor's save (a new file renamed over it), then a delete
# and a new file of the name. Each descriptor keeps the file it opened.
printf 'v1' >"$m/app.conf"
/usr/bin/python3 - "$m" "$b" <<'EOF' || fail "a file replaced elsewhere while open"
import os, sys, time
m, b = sys.argv[1], sys.argv[2]
def wait_for(path, content):
    for _ in range(200):
        try:
            if open(path).read() == content:
                return
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{path} never held {content!r}")
reader = os.open(f"{m}/app.conf", os.O_RDONLY)
writer = os.open(f"{m}/app.conf", os.O_RDWR)
wait_for(f"{b}/app.conf", "v1")
with open(f"{b}/.app.conf.swp", "w") as f:
    f.write("v2 saved on b")
os.rename(f"{b}/.app.conf.swp", f"{b}/app.conf")
wait_for(f"{m}/app.conf", "v2 saved on b")
assert os.pread(reader, 100, 0) == b"v1", os.pread(reader, 100, 0)
assert os.pread(writer, 100, 0) == b"v1", os.pread(writer, 100, 0)
os.pwrite(writer, b"V", 0)                            # accepted, and goes nowhere
assert os.pread(reader, 100, 0) == b"V1"
os.close(writer)
os.close(reader)
time.sleep(0.3)
assert open(f"{b}/app.conf").read() == "v2 saved on b"
reader = os.open(f"{m}/app.conf", os.O_RDONLY)
writer = os.open(f"{m}/app.conf", os.O_WRONLY)
os.unlink(f"{b}/app.conf")
with open(f"{b}/app.conf", "w") as f:
    f.write("v3")
wait_for(f"{m}/app.conf", "v3")
assert os.pread(reader, 100, 0) == b"v2 saved on b", os.pread(reader, 100, 0)
os.pwrite(writer, b"V", 0)
os.close(writer)
assert os.pread(reader, 100, 0) == b"V2 saved on b"
os.close(reader)
time.sleep(0.3)
assert open(f"{b}/app.conf").read() == "v3"
EOF
[ "$(e get /app.conf --print-value-only)" = v3 ] || fail "/app.conf: $(e get /app.conf --print-value-only)"
[ -z "$(e get /app.log --keys-only)$(e get /app.log.1 --keys-only)" ] || fail "the unlinked file reached the key space"
[ "$(e get /conf --print-value-only)" = new ] || fail "/conf: $(e get /conf --print-value-only)"
echo "open after unlink: ok"
