#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// The kernel dropped `nlookup` references to `ino`: at none, the number is
// forgotten and the path gets a new one when next resolved.
// An orphan (unlinked while open) goes with its last reference.
void Forget(Filesystem& fs, Ino ino, uint64_t nlookup) {
  fs.inodes().Forget(ino, nlookup);
  if (fs.inodes().lookups(ino) == 0) fs.orphans().Forget(ino);
}

}  // namespace etcfs::fs::ops
