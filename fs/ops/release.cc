#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// The last descriptor went away. Its close already committed (FLUSH); this
// catches a buffer changed after that (a write through mmap). RELEASE comes
// without the caller's thread id, so the echo's descriptors are marked.
void Release(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  if (fi != nullptr && fi->fh == kEchoHandle) {
    fuse_reply_err(req, 0);
    return;
  }
  fuse_reply_err(req, Fs(req).Commit(req, ino));
}

}  // namespace etcfs::fs::ops
