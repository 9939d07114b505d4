#!/usr/bin/env python3
"""A randomized model test, in the spirit of xfstests' fsx and fsstress:
long seeded sequences of file operations by several processes, each done on
an etcfs mount and on a tmpfs directory alike; after every step the answers
(values and errnos) must agree, and every few steps the two trees (names,
types, sizes, permission bits, contents).

  model_vs_tmpfs.py --mount DIR --tmpfs DIR [--seeds A-B] [--steps N]
                    [--processes P] [--other DIR]

--other: a second mount of the same cluster, compared with the first at the
end of each seed. A failure prints the seed, the step and how to replay it.
"""
import argparse
import errno
import mmap
import multiprocessing
import os
import random
import shutil
import stat
import sys
import time

DIRS = ["", "d0", "d1", "d0/s"]
NAMES = ["f0", "f1", "f2"]
MODES = [0o644, 0o600, 0o755, 0o640]
OPEN_FLAGS = [
    os.O_RDONLY,
    os.O_WRONLY | os.O_CREAT,
    os.O_RDWR | os.O_CREAT,
    os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
    os.O_RDWR | os.O_CREAT | os.O_EXCL,
    os.O_WRONLY | os.O_APPEND | os.O_CREAT,
    os.O_RDWR,
]


def random_path(rng):
    d = rng.choice(DIRS)
    return (d + "/" if d else "") + rng.choice(NAMES)


def random_dir(rng):
    return rng.choice(DIRS[1:] + ["d1/t", "d2"])


def random_data(rng):
    n = rng.choice([0, 1, 7, 100, 4096, 5000, 70000])
    return bytes(rng.getrandbits(8) for _ in range(min(n, 64))) * (n // 64 + 1) if n else b""


def make_op(rng, slots):
    """One operation as a tuple the workers understand."""
    kind = rng.choices(
        ["open", "close", "pwrite", "write", "pread", "ftruncate", "truncate", "fsync", "rename", "unlink",
         "mkdir", "rmdir", "chmod", "utime", "link", "mmap", "stat", "list", "fstat"],
        weights=[12, 8, 10, 6, 8, 3, 2, 2, 5, 4, 3, 2, 2, 1, 1, 2, 4, 3, 3])[0]
    slot = rng.randrange(slots)
    if kind == "open":
        return (kind, slot, random_path(rng), rng.choice(OPEN_FLAGS), rng.choice(MODES))
    if kind in ("close", "fsync", "fstat"):
        return (kind, slot)
    if kind == "pwrite":
        return (kind, slot, rng.choice([0, 1, 100, 4095, 4096, 6000]), random_data(rng))
    if kind == "write":
        return (kind, slot, random_data(rng))
    if kind == "pread":
        return (kind, slot, rng.choice([0, 1, 4096, 5000]), rng.choice([1, 100, 8192, 100000]))
    if kind == "ftruncate":
        return (kind, slot, rng.choice([0, 1, 4096, 10000]))
    if kind == "truncate":
        return (kind, random_path(rng), rng.choice([0, 3, 5000]))
    if kind in ("rename", "link"):
        if rng.random() < 0.2:
            return (kind, random_dir(rng), random_dir(rng))
        return (kind, random_path(rng), random_path(rng))
    if kind in ("unlink", "stat"):
        return (kind, random_path(rng))
    if kind in ("mkdir", "rmdir", "list"):
        return (kind, random_dir(rng) if kind != "list" else rng.choice(DIRS))
    if kind == "chmod":
        return (kind, random_path(rng), rng.choice(MODES))
    if kind == "utime":
        return (kind, random_path(rng), rng.randrange(1, 2 ** 31))
    if kind == "mmap":
        return (kind, slot, rng.choice([0, 10, 4000]), random_data(rng)[:100] or b"x")
    raise AssertionError(kind)


def describe_stat(st):
    """What both trees must agree on in a stat: type, permission bits, size."""
    size = st.st_size if not stat.S_ISDIR(st.st_mode) else "dir"
    return (stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), size)


class Side:
    """One tree (the mount or tmpfs) as one process sees it: its descriptors."""

    def __init__(self, root):
        self.root = root
        self.fds = {}

    def path(self, p):
        return os.path.join(self.root, p)

    def run(self, op):
        kind = op[0]
        fd = self.fds.get(op[1]) if kind in ("close", "pwrite", "write", "pread", "ftruncate", "fsync", "mmap",
                                             "fstat") else None
        if kind in ("close", "pwrite", "write", "pread", "ftruncate", "fsync", "mmap", "fstat") and fd is None:
            return "no descriptor"
        if kind == "open":
            if op[1] in self.fds:
                os.close(self.fds.pop(op[1]))
            self.fds[op[1]] = os.open(self.path(op[2]), op[3], op[4])
            return "opened"
        if kind == "close":
            del self.fds[op[1]]
            os.close(fd)
            return "closed"
        if kind == "pwrite":
            return os.pwrite(fd, op[3], op[2])
        if kind == "write":
            return os.write(fd, op[2])
        if kind == "pread":
            return os.pread(fd, op[3], op[2])
        if kind == "ftruncate":
            return os.ftruncate(fd, op[2])
        if kind == "truncate":
            return os.truncate(self.path(op[1]), op[2])
        if kind == "fsync":
            return os.fsync(fd)
        if kind == "fstat":
            return describe_stat(os.fstat(fd))
        if kind == "rename":
            return os.rename(self.path(op[1]), self.path(op[2]))
        if kind == "link":
            return os.link(self.path(op[1]), self.path(op[2]))
        if kind == "unlink":
            return os.unlink(self.path(op[1]))
        if kind == "mkdir":
            return os.mkdir(self.path(op[1]), 0o755)
        if kind == "rmdir":
            return os.rmdir(self.path(op[1]))
        if kind == "chmod":
            return os.chmod(self.path(op[1]), op[2])
        if kind == "utime":
            os.utime(self.path(op[1]), (op[2], op[2]))
            return describe_stat(os.stat(self.path(op[1])))
        if kind == "stat":
            return describe_stat(os.stat(self.path(op[1])))
        if kind == "list":
            return sorted(os.listdir(self.path(op[1])))
        if kind == "mmap":
            size = os.fstat(fd).st_size
            offset = min(op[2], max(size - 1, 0))
            if size == 0:
                return "empty"
            with mmap.mmap(fd, size) as m:
                data = op[3][: size - offset]
                m[offset:offset + len(data)] = data
                m.flush()
                return m[:]
        raise AssertionError(kind)

    def answer(self, op):
        try:
            return ("ok", self.run(op))
        except OSError as e:
            return ("error", errno.errorcode.get(e.errno, e.errno))


def worker(conn, mount, tmpfs):
    sides = (Side(mount), Side(tmpfs))
    while True:
        op = conn.recv()
        if op is None:
            for s in sides:
                for fd in s.fds.values():
                    os.close(fd)
            conn.send("bye")
            return
        on_mount = sides[0].answer(op)
        if op[0] == "link" and on_mount == ("error", "EPERM"):
            # A key is one name: the mount refuses hard links (etcfs(5)),
            # where tmpfs would make one.
            conn.send((on_mount, on_mount))
            continue
        conn.send((on_mount, sides[1].answer(op)))


def tree(root):
    """Every path below root with what both trees must agree on. A path that
    vanishes during the walk (another mount still applying) is marked, so
    that the comparison differs and is tried again."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            try:
                st = os.lstat(full)
                content = None
                if stat.S_ISREG(st.st_mode):
                    with open(full, "rb") as f:
                        content = f.read()
                out[rel] = (describe_stat(st), content)
            except FileNotFoundError:
                out[rel] = "(vanished while walked)"
    return out


def differences(a, b):
    lines = []
    for p in sorted(set(a) | set(b)):
        if a.get(p) != b.get(p):
            lines.append(f"  {p}: mount {str(a.get(p))[:120]} / tmpfs {str(b.get(p))[:120]}")
    return lines


def clear(root):
    for name in os.listdir(root):
        full = os.path.join(root, name)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full)
        else:
            os.unlink(full)


class Identities:
    """Which file each path and each descriptor refers to, as the driver
    follows it from the answers: a descriptor whose file was unlinked or
    replaced (renamed over) is orphaned, and its uses are counted, to show
    that the sequences reach files kept alive only by their descriptors."""

    def __init__(self):
        self.of_path = {}
        self.of_slot = {}
        self.next = 0

    def orphaned(self, who, slot):
        ident = self.of_slot.get((who, slot))
        return ident is not None and ident not in self.of_path.values()

    def note(self, who, op, answer):
        kind = op[0]
        if kind == "close" or (kind == "open" and answer[0] != "ok"):
            self.of_slot.pop((who, op[1]), None)
        if answer[0] != "ok":
            return
        if kind == "open":
            if op[2] not in self.of_path:
                self.of_path[op[2]] = self.next
                self.next += 1
            self.of_slot[(who, op[1])] = self.of_path[op[2]]
        elif kind == "unlink":
            self.of_path.pop(op[1], None)
        elif kind == "rename" and op[1] != op[2]:
            moved = {}
            for p in list(self.of_path):
                if p == op[1] or p.startswith(op[1] + "/"):
                    moved[op[2] + p[len(op[1]):]] = self.of_path.pop(p)
            for p in list(self.of_path):
                if p == op[2] or p.startswith(op[2] + "/"):
                    del self.of_path[p]
            self.of_path.update(moved)


def run_seed(seed, args):
    rng = random.Random(seed)
    mount = os.path.join(args.mount, f"seed{seed}")
    tmpfs = os.path.join(args.tmpfs, f"seed{seed}")
    for d in (mount, tmpfs):
        os.mkdir(d)
    pipes, procs = [], []
    for _ in range(args.processes):
        parent, child = multiprocessing.Pipe()
        p = multiprocessing.Process(target=worker, args=(child, mount, tmpfs))
        p.start()
        pipes.append(parent)
        procs.append(p)
    ops = []
    ids = Identities()
    orphan_uses = 0
    try:
        for step in range(args.steps):
            who = rng.randrange(args.processes)
            op = make_op(rng, 3)
            if op[0] in ("pwrite", "write", "pread", "ftruncate", "fsync", "mmap", "fstat") and \
                    ids.orphaned(who, op[1]):
                orphan_uses += 1
            ops.append((who, op))
            pipes[who].send(op)
            on_mount, on_tmpfs = pipes[who].recv()
            ids.note(who, op, on_tmpfs)
            STATS["ok" if on_tmpfs[0] == "ok" else "errors"] += 1
            if on_mount != on_tmpfs:
                return fail(seed, step, ops, f"process {who}: {op[:3]}: mount {str(on_mount)[:200]}, "
                                             f"tmpfs {str(on_tmpfs)[:200]}")
            if step % 25 == 24 or step == args.steps - 1:
                diff = differences(tree(mount), tree(tmpfs))
                if diff:
                    return fail(seed, step, ops, "the trees differ:\n" + "\n".join(diff))
    finally:
        for p in pipes:
            p.send(None)
            p.recv()
        for p in procs:
            p.join()
    if args.other:
        other = os.path.join(args.other, f"seed{seed}")
        deadline = time.time() + 10
        while True:
            diff = differences(tree(mount), tree(other)) if os.path.isdir(other) else ["(absent)"]
            if not diff:
                break
            if time.time() > deadline:
                return fail(seed, args.steps, ops, "the other mount differs:\n" + "\n".join(diff))
            time.sleep(0.1)
    STATS["orphan_uses"] += orphan_uses
    return True


STATS = {"orphan_uses": 0, "ok": 0, "errors": 0}


def fail(seed, step, ops, what):
    print(f"FAIL: seed {seed}, step {step}: {what}", file=sys.stderr)
    for i, (who, op) in enumerate(ops[-12:], start=len(ops) - min(len(ops), 12)):
        print(f"  step {i}: process {who}: {str(op)[:160]}", file=sys.stderr)
    print(f"replay: {sys.argv[0]} --mount M --tmpfs T --seeds {seed}-{seed} --steps {step + 1} "
          f"--processes {ARGS.processes}", file=sys.stderr)
    return False


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--mount", required=True)
    p.add_argument("--tmpfs", required=True)
    p.add_argument("--other")
    p.add_argument("--seeds", default="1-20")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--processes", type=int, default=3)
    ARGS = p.parse_args()
    first, last = (int(x) for x in ARGS.seeds.split("-"))
    for seed in range(first, last + 1):
        if not run_seed(seed, ARGS):
            return 1
    print(f"model vs tmpfs: {last - first + 1} seeds of {ARGS.steps} steps by {ARGS.processes} processes agree "
          f"({STATS['ok']} succeeded, {STATS['errors']} failed alike; {STATS['orphan_uses']} uses of a descriptor whose file was unlinked or replaced)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
