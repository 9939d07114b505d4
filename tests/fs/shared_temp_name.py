#!/usr/bin/env python3
"""One program that writes keys through two mounts of one cluster, as the
fault harness's file clients do: each value goes to the same temporary name
on the mount used (close commits it) and is renamed onto its key. Right
after a rename through A, B's echo may still hold the temporary file that
went (a ghost, kept for the echo's own rename): the file created under that
name on B must be a new one, never the ghost, whose writes would follow the
echo's rename to A's key (B holds it open until that rename is done).
Before A's rename, transactions of 100 keys made through ENDPOINT give B's
echo a backlog, so that it still holds the ghost when B creates the file. Every write is checked through the other mount.
  shared_temp_name.py MOUNT_A MOUNT_B ENDPOINT ROUNDS"""
import os
import subprocess
import sys
import time

a, b, endpoint, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def backlog(i):
    for k in range(3):
        puts = "".join(f"put /lin/noise/{i}-{k}-{j} x\n" for j in range(100))
        subprocess.run(["etcdctl", "--endpoints", endpoint, "txn"], input="\n" + puts + "\n\n", text=True,
                       env=dict(os.environ, ETCDCTL_API="3"), check=True, stdout=subprocess.DEVNULL)


def write(mount, key, value, before_rename=lambda: None, before_close=lambda: None):
    tmp = os.path.join(mount, "lin", ".tmp")
    with open(tmp, "w") as f:
        f.write(value)
        before_close()
    before_rename()
    os.rename(tmp, os.path.join(mount, "lin", key))


def read(mount, key):
    with open(os.path.join(mount, "lin", key)) as f:
        return f.read()


os.makedirs(os.path.join(a, "lin"), exist_ok=True)
for i in range(rounds):
    try:
        write(a, "ka", f"a{i}", lambda: backlog(i))
        # Held open while B's echo works through its backlog and replays A's rename.
        write(b, "kb", f"b{i}", before_close=lambda: time.sleep(0.5))
    except OSError as e:
        sys.exit(f"round {i}: {e}")
    for mount, key, want in ((b, "ka", f"a{i}"), (a, "kb", f"b{i}")):
        got = read(mount, key)
        if got != want:
            sys.exit(f"round {i}: {mount}/lin/{key} holds {got!r}, want {want!r}")
print(f"{rounds} rounds: every value on its own key")
