#!/usr/bin/env python3
"""The editor's pattern: write a temporary file, fsync it, rename it over the
real one. Run 20 times in DIR; prints what the file holds at the end."""
import os
import sys

d = sys.argv[1]
target = os.path.join(d, "config")
for i in range(20):
    tmp = os.path.join(d, ".config.tmp")
    with open(tmp, "w") as f:
        f.write(f"version {i}\n")
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o600)
    os.rename(tmp, target)
with open(target) as f:
    print(f.read(), end="")
print(oct(os.stat(target).st_mode & 0o7777))
print(sorted(os.listdir(d)).count(".config.tmp"))
