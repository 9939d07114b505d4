#include "fs/ops/ops.h"

namespace etcfs::fs::ops {

// fstat() and the kernel's size check before a read carry the descriptor:
// its size is that of the file it reads.
void Getattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  Filesystem::Node n;
  if (int err = Fs(req).GetOpenedNode(ino, OpenedCreateRevision(fi), &n)) {
    fuse_reply_err(req, err);
    return;
  }
  ReplyAttr(req, n);
}

}  // namespace etcfs::fs::ops
