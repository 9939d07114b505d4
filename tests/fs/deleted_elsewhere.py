#!/usr/bin/env python3
"""A key deleted (and written again) through the API while the mount's echo
still holds the file that went, for its unlink (a ghost): a new open of that
file's inode must not show the deleted value. The kernel may still cache the
name for a moment (an entry timeout of 0 lasts until the next tick) or hold
the inode (the echo's own lookup, an O_PATH descriptor): here an O_PATH
descriptor taken before the delete, reopened through /proc/self/fd, stands
in for both. The fault harness saw this as a stale read through a mount.
Transactions of 100 keys before the delete give the echo a backlog; inotify
tells whether the echo had replayed the delete by the time of the reopen,
and enough rounds must have run with it still pending.
  deleted_elsewhere.py MOUNT ENDPOINT ROUNDS"""
import ctypes
import errno
import os
import struct
import subprocess
import sys
import time

mount, endpoint, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
lin = os.path.join(mount, "lin")
IN_DELETE = 0x200


def etcdctl(*args, stdin=None):
    return subprocess.run(["etcdctl", "--endpoints", endpoint, *args], input=stdin, text=True, check=True,
                          env=dict(os.environ, ETCDCTL_API="3"), stdout=subprocess.DEVNULL)


def backlog(i):
    for k in range(3):
        puts = "".join(f"put /lin/noise/{i}-{k}-{j} x\n" for j in range(100))
        etcdctl("txn", stdin="\n" + puts + "\n\n")


def content(path):
    try:
        with open(path) as f:
            return f.read()
    except FileNotFoundError:
        return None


def await_content(want):
    deadline = time.monotonic() + 20
    while (got := content(os.path.join(lin, "k"))) != want:
        if time.monotonic() > deadline:
            sys.exit(f"{lin}/k still holds {got!r}, want {want!r}")
        time.sleep(0.005)


libc = ctypes.CDLL(None, use_errno=True)
events = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
os.makedirs(lin, exist_ok=True)
if events < 0 or libc.inotify_add_watch(events, lin.encode(), IN_DELETE) < 0:
    sys.exit(f"inotify on {lin}: {os.strerror(ctypes.get_errno())}")


def deletes_seen():
    """How many IN_DELETE of "k" the echo has raised since the last call."""
    n = 0
    while True:
        try:
            buf = os.read(events, 65536)
        except BlockingIOError:
            return n
        off = 0
        while off < len(buf):
            _, _, _, size = struct.unpack_from("iIII", buf, off)
            n += buf[off + 16:off + 16 + size].rstrip(b"\0") == b"k"
            off += 16 + size


pending_rounds = 0
for i in range(rounds):
    old = f"v{i}"
    etcdctl("put", "/lin/k", old)
    await_content(old)
    held = os.open(os.path.join(lin, "k"), os.O_PATH)
    deletes_seen()
    backlog(i)
    # Even rounds: deleted. Odd rounds: deleted, written, deleted and written
    # again, each new value read through the mount (a new file each time).
    etcdctl("del", "/lin/k")
    stale = [old]
    if i % 2:
        for value in (f"w{i}", f"x{i}"):
            etcdctl("put", "/lin/k", value)
            await_content(value)
            if value != f"x{i}":
                etcdctl("del", "/lin/k")
                stale.append(value)
    else:
        await_content(None)
    try:
        reopened = os.open(f"/proc/self/fd/{held}", os.O_RDONLY)
        got = os.read(reopened, 4096).decode()
        os.close(reopened)
    except OSError as e:
        if e.errno not in (errno.ESTALE, errno.ENOENT):
            sys.exit(f"round {i}: reopening the deleted file: {e}")
        got = None
    os.close(held)
    if got in stale:
        sys.exit(f"round {i}: a new open of the file deleted through the API read {got!r}")
    if deletes_seen() == 0:
        pending_rounds += 1  # the echo had not unlinked it yet: the ghost was there
    etcdctl("del", "--prefix", "/lin/noise/")
print(f"{rounds} rounds ({pending_rounds} with the delete's echo pending): no new open read a deleted value")
if pending_rounds < rounds // 2:
    sys.exit(f"only {pending_rounds} of {rounds} rounds reopened before the echo's unlink: the test proved little")
