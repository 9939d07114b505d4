#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// The kernel dropped `nlookup` references to `ino`: at none, the number is
// forgotten and the path gets a new one when next resolved.
void Forget(Filesystem& fs, Ino ino, uint64_t nlookup) { fs.inodes().Forget(ino, nlookup); }

}  // namespace etcfs::fs::ops
