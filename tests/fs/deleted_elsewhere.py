#!/usr/bin/env python3
"""A key deleted (and written again) through the API while the mount's echo
still holds the file that went, for its unlink (a ghost): a new open of that
file's inode must not show the deleted value. The kernel may still cache the
name for a moment (an entry timeout of 0 lasts until the next tick) or hold
the inode (the echo's own lookup, an O_PATH descriptor): here an O_PATH
descriptor taken before the delete, reopened through /proc/self/fd, stands
in for both. The fault harness saw this as a stale read through a mount.
Then the other side: a descriptor opened on the newer file while the name
still carried the deleted file's number goes on reading the newer file
after a lookup gives that number to the deleted one.
Transactions of 100 keys before the delete give the echo a backlog; inotify
tells whether the echo had replayed the delete by the time of the reads,
and enough rounds must have run with it still pending. Each round ends once
the echo has caught up.
  deleted_elsewhere.py MOUNT ENDPOINT ROUNDS"""
import ctypes
import errno
import os
import select
import struct
import subprocess
import sys
import time

mount, endpoint, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
lin = os.path.join(mount, "lin")
IN_CLOSE_WRITE, IN_DELETE = 0x8, 0x200


def etcdctl(*args, stdin=None):
    return subprocess.run(["etcdctl", "--endpoints", endpoint, *args], input=stdin, text=True, check=True,
                          env=dict(os.environ, ETCDCTL_API="3"), stdout=subprocess.DEVNULL)


def backlog(i, txns=3):
    for k in range(txns):
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
if events < 0 or libc.inotify_add_watch(events, lin.encode(), IN_CLOSE_WRITE | IN_DELETE) < 0:
    sys.exit(f"inotify on {lin}: {os.strerror(ctypes.get_errno())}")


def read_events(block):
    """The (mask, name) of the inotify events raised so far in lin/."""
    out = []
    while True:
        if block:
            select.select([events], [], [], 1)
        try:
            buf = os.read(events, 65536)
        except BlockingIOError:
            return out
        off = 0
        while off < len(buf):
            _, mask, _, size = struct.unpack_from("iIII", buf, off)
            out.append((mask, buf[off + 16:off + 16 + size].rstrip(b"\0").decode()))
            off += 16 + size


def deletes_seen():
    """How many IN_DELETE of "k" the echo has raised since the last call."""
    return sum(1 for mask, name in read_events(False) if mask & IN_DELETE and name == "k")


def settle(i):
    """Waits until the echo has replayed everything before now, so that
    rounds start alike: it replays in order, and a key written now is last."""
    etcdctl("del", "--prefix", "/lin/noise/")
    etcdctl("put", f"/lin/settled-{i}", "x")
    deadline = time.monotonic() + 60
    while not any(mask & IN_CLOSE_WRITE and name == f"settled-{i}" for mask, name in read_events(True)):
        if time.monotonic() > deadline:
            sys.exit(f"round {i}: the echo never showed /lin/settled-{i}")
    etcdctl("del", f"/lin/settled-{i}")


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
    settle(i)
print(f"{rounds} rounds ({pending_rounds} with the delete's echo pending): no new open read a deleted value")
if pending_rounds < rounds // 2:
    sys.exit(f"only {pending_rounds} of {rounds} rounds reopened before the echo's unlink: the test proved little")

# A descriptor opened on the newer file while the name still carried the
# deleted one's number, before anyone looked the name up: that lookup then
# gives the number to the deleted file (for the echo's unlink) and the name
# a new one. The descriptor must go on reading the newer file. (A reader
# opening through a name the kernel still cached, as another's lookup came
# between its open and its read, read the deleted value in the harness.)
pending_rounds = 0
for i in range(rounds):
    old, new = f"v{i}", f"newer-file-{i}"  # sizes differ: the kernel reads up to the size it is told
    etcdctl("put", "/lin/k", old)
    await_content(old)
    held = os.open(os.path.join(lin, "k"), os.O_PATH)
    deletes_seen()
    backlog(i, txns=6)  # longer: the marker below must show before the echo gets to k
    etcdctl("del", "/lin/k")
    etcdctl("put", "/lin/k", new)
    etcdctl("put", "/lin/marker", str(i))  # applied after k's changes: seen without looking k up
    deadline = time.monotonic() + 20
    while content(os.path.join(lin, "marker")) != str(i):
        if time.monotonic() > deadline:
            sys.exit(f"round {i}: the mount never showed /lin/marker = {i}")
        time.sleep(0.005)
    try:
        reopened = os.open(f"/proc/self/fd/{held}", os.O_RDONLY)
        os.stat(os.path.join(lin, "k"))  # the lookup that splits the name from the deleted file
        try:
            got = os.read(reopened, 4096).decode()
        finally:
            os.close(reopened)
    except OSError as e:
        # ESTALE: the echo unlinked the deleted file first, and the number went with it.
        if e.errno != errno.ESTALE:
            sys.exit(f"round {i}: reading through the descriptor: {e}")
        got = None
    os.close(held)
    if got is not None and got != new:
        sys.exit(f"round {i}: a descriptor opened on the newer file read {got!r}, want {new!r}")
    if got is not None and deletes_seen() == 0:
        pending_rounds += 1
    settle(rounds + i)
print(f"{rounds} rounds ({pending_rounds} with the delete's echo pending): descriptors read the file they opened")
if pending_rounds < rounds // 2:
    sys.exit(f"only {pending_rounds} of {rounds} rounds split the name before the echo's unlink: the test proved little")
