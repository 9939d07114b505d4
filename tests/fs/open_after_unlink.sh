#!/usr/bin/env bash
# On a real mount: a file unlinked or renamed over while a process holds it
# open stays whole for that process until its last close (log rotation, an
# editor's save), and nothing written to it then reaches the key space.
#   open_after_unlink.sh ETCFSD
etcfsd=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
source "$here/lib.sh"

plan_cluster 1
start_member 1 "$work/m"
wait_member 1 "$work/m"
m="$work/m"
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
[ -z "$(e get /app.log --keys-only)$(e get /app.log.1 --keys-only)" ] || fail "the unlinked file reached the key space"
[ "$(e get /conf --print-value-only)" = new ] || fail "/conf: $(e get /conf --print-value-only)"
echo "open after unlink: ok"
