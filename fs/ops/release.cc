#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// The last descriptor went away. Its close already committed (FLUSH); this
// catches a buffer changed after that (a write through mmap). RELEASE comes
// without the caller's thread id, so the echo's descriptors are marked.
int Release(Filesystem& fs, const Caller& c, Ino ino, uint64_t fh) {
  if (fh == file_handle::kEcho) return 0;
  return fs.Commit(c, ino);
}

}  // namespace etcfs::fs::ops
